"""Gradient checking: central differences on numbers and arrays, relative error, CS231n bands."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpwidgets.core.gradcheck import gradcheck_report, numerical_grad, relative_error
from bpwidgets.core.value import Value


def test_numerical_grad_of_a_scalar_function():
    # d/dx sin(x) = cos(x); central differences are accurate to ~h² = 1e-10.
    assert numerical_grad(math.sin, 0.3) == pytest.approx(math.cos(0.3), abs=1e-9)
    assert isinstance(numerical_grad(math.sin, 0.3), float)


def test_numerical_grad_accepts_functions_returning_values():
    # d/dx tanh(x)² = 2 tanh(x)(1 − tanh(x)²)
    numeric = numerical_grad(lambda t: Value(t).tanh() ** 2, 0.4)
    assert numeric == pytest.approx(2 * math.tanh(0.4) * (1 - math.tanh(0.4) ** 2), rel=1e-9)


def test_numerical_grad_is_the_central_difference():
    # For x³ the central difference is exactly 3x² + h².
    h = 1e-3
    assert numerical_grad(lambda x: x**3, 2.0, h=h) == pytest.approx(12.0 + h**2, rel=1e-12)


def test_numerical_grad_of_an_array_has_its_shape_and_restores_it():
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -0.25]])
    original = x.copy()
    grad = numerical_grad(lambda v: float(np.sum(v**3) + v[0, 1] * v[1, 0]), x)
    expected = 3 * original**2
    expected[0, 1] += original[1, 0]
    expected[1, 0] += original[0, 1]
    assert grad.shape == x.shape and grad.dtype == np.float64
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-8)
    assert np.array_equal(x, original)


def test_array_is_restored_when_f_raises():
    x = np.array([1.0, 2.0])
    calls = []

    def explode(v):
        calls.append(v.copy())
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        numerical_grad(explode, x)
    assert calls[0][0] == 1.0 + 1e-5
    assert np.array_equal(x, [1.0, 2.0])


def test_closures_over_the_array_see_the_perturbation():
    w = np.array([1.0, -2.0])
    grad = numerical_grad(lambda _: float(w @ w), w)
    np.testing.assert_allclose(grad, 2 * w, rtol=1e-9)


def test_numerical_grad_rejects_bad_input():
    with pytest.raises(TypeError, match="float array"):
        numerical_grad(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(ValueError, match="h must be a finite number > 0; got -1"):
        numerical_grad(math.sin, 1.0, h=-1)
    with pytest.raises(TypeError, match="x must be a real number; got str"):
        numerical_grad(math.sin, "1")
    with pytest.raises(ValueError, match="f must return a single number; got shape \\(2,\\)"):
        numerical_grad(lambda v: v * 2, np.array([1.0, 2.0]))


def test_relative_error_values():
    assert relative_error(1.0, 1.0) == 0.0
    assert relative_error(0.0, 0.0) == 0.0
    # |1 - 3| / (1 + 3) = 0.5
    assert relative_error(1.0, 3.0) == 0.5
    # the largest of the elementwise errors: 0, 0.5, 1/3
    assert relative_error([1.0, 1.0, -1.0], [1.0, 3.0, -2.0]) == 0.5
    # opposite signs give the maximum, 1
    assert relative_error(2.0, -2.0) == 1.0
    assert isinstance(relative_error(np.ones(3), np.ones(3)), float)


def test_relative_error_floor_guards_tiny_gradients():
    assert relative_error(0.0, 1e-13) == pytest.approx(0.1)
    assert relative_error(0.0, 1e-13, floor=1e-8) == pytest.approx(1e-5)


def test_relative_error_needs_matching_shapes():
    with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize(
    ("numeric", "band"),
    [(1.0 + 1e-9, "good"), (1.0 + 1e-6, "acceptable"), (1.0 + 1e-3, "suspicious"),
     (1.1, "wrong"), (math.nan, "wrong")],
)
def test_report_bands(numeric, band):
    report = gradcheck_report(1.0, numeric)
    assert report.band == band
    assert band in report.message


def test_report_names_the_worst_entry():
    analytic = np.array([[1.0, 2.0], [3.0, 4.0]])
    numeric = analytic.copy()
    numeric[1, 0] = 3.3
    report = gradcheck_report(analytic, numeric)
    assert report.worst_index == (1, 0)
    assert report.relative_error == pytest.approx(0.3 / 6.3)
    assert report.band == "wrong"
    assert "(1, 0)" in report.message and "3.3" in report.message


def test_report_on_a_real_check_is_good():
    x = np.array([0.3, -0.8, 1.5])

    def f(v):
        return float(np.sum(np.tanh(v) ** 2))

    analytic = 2 * np.tanh(x) * (1 - np.tanh(x) ** 2)
    report = gradcheck_report(analytic, numerical_grad(f, x))
    assert report.band == "good", report.message
