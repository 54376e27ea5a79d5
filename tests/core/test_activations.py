"""Activations: hand-computed values, PyTorch's conventions at kinks, derivatives vs differences."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from bpwidgets.core.activations import (
    ACTIVATIONS,
    LEAKY_SLOPE,
    activation,
    sigmoid,
    slope,
)

NAMES = ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "softsign")


def test_table_lists_every_activation():
    assert tuple(ACTIVATIONS) == NAMES


@pytest.mark.parametrize(
    ("name", "z", "value", "slope"),
    [
        ("linear", -3.0, -3.0, 1.0),
        ("sigmoid", 0.0, 0.5, 0.25),
        ("sigmoid", 2.0, 1 / (1 + math.exp(-2.0)), math.exp(-2.0) / (1 + math.exp(-2.0)) ** 2),
        ("tanh", 0.0, 0.0, 1.0),
        ("tanh", 1.0, math.tanh(1.0), 1 / math.cosh(1.0) ** 2),
        ("relu", -2.0, 0.0, 0.0),
        ("relu", 3.0, 3.0, 1.0),
        ("leaky_relu", -2.0, -0.02, 0.01),
        ("leaky_relu", 3.0, 3.0, 1.0),
        ("softsign", 1.0, 0.5, 0.25),
        ("softsign", -3.0, -0.75, 1 / 16),
    ],
)
def test_hand_computed_values_and_slopes(name, z, value, slope):
    f, df = activation(name).f, activation(name).df
    assert float(f(np.array([z]))[0]) == pytest.approx(value, rel=1e-15, abs=1e-15)
    assert float(df(np.array([z]))[0]) == pytest.approx(slope, rel=1e-15, abs=1e-15)


def test_kinks_follow_pytorch():
    zero = np.zeros(1)
    assert activation("relu").df(zero)[0] == 0.0  # torch: relu'(0) = 0
    assert activation("leaky_relu").df(zero)[0] == LEAKY_SLOPE  # torch: uses the slope at 0
    assert LEAKY_SLOPE == 0.01


def test_sigmoid_is_stable_and_accurate_at_extremes():
    z = np.array([-1000.0, -40.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(z)
    assert s[0] == 0.0 and s[3] == 1.0
    # small probabilities keep their relative precision (needed for bce's logs)
    assert s[1] == pytest.approx(math.exp(-40.0) / (1 + math.exp(-40.0)), rel=1e-14)
    assert s[2] == pytest.approx(1.0, abs=1e-16)


@pytest.mark.parametrize("name", NAMES)
def test_derivative_matches_central_differences(name):
    f, df = activation(name).f, activation(name).df
    z = np.random.default_rng(1).normal(scale=3.0, size=200)
    z = z[np.abs(z) > 1e-3]  # stay away from the kink of relu and leaky_relu
    h = 1e-5
    numeric = (f(z + h) - f(z - h)) / (2 * h)
    # the floor: where tanh' ~ 1e-7 the differences carry ~1e-11 of rounding noise
    error = np.abs(numeric - df(z)) / np.maximum(np.abs(numeric) + np.abs(df(z)), 1e-4)
    assert error.max() < 1e-7


@pytest.mark.parametrize("name", NAMES)
def test_functions_keep_shape(name):
    f, df = activation(name).f, activation(name).df
    z = np.linspace(-2, 2, 12).reshape(3, 4)
    assert f(z).shape == (3, 4) and df(z).shape == (3, 4)


@pytest.mark.parametrize("name", NAMES)
def test_slope_from_the_output_equals_the_derivative(name):
    f, df = activation(name).f, activation(name).df
    z = np.random.default_rng(2).normal(scale=2.0, size=100)
    np.testing.assert_allclose(slope(name, z, f(z)), df(z), rtol=1e-12, atol=1e-15)


def test_output_rules_are_the_textbook_ones():
    y = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].df_from_output(y), [0.16, 0.25, 0.09])
    np.testing.assert_allclose(ACTIVATIONS["tanh"].df_from_output(y), [0.96, 0.75, 0.19])


def test_unknown_activation_names_parameter_choices_and_value():
    with pytest.raises(ValueError, match=r"activation must be one of 'linear', .*; got 'rleu'"):
        activation("rleu")
