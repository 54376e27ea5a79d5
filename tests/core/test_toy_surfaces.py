"""Closed-form 2-parameter surfaces: derivatives against finite differences, descent behaviour."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpwidgets.core.gradcheck import numerical_grad, relative_error
from bpwidgets.core.optim import SGD, Adam
from bpwidgets.core.toy_surfaces import (
    LinearRegression,
    Quadratic,
    Rosenbrock,
    Saddle,
    descent_path,
    divergence_step,
)

DATA_X = np.array([-1.0, 0.0, 0.5, 1.5, 2.0, 3.0])
DATA_T = np.array([-1.2, 0.9, 1.4, 3.6, 5.1, 6.8])
SURFACES = [
    Quadratic(2.0, 8.0, angle=30.0, centre=(0.5, -1.0)),
    Rosenbrock(),
    Saddle(1.5, 0.5),
    LinearRegression(DATA_X, DATA_T),
]
POINTS = np.array([[0.3, -0.7], [-1.2, 1.9], [1.1, 0.4]])


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_gradient_matches_central_differences(surface):
    for point in POINTS:
        numeric = numerical_grad(lambda p: surface.value(p), point.copy())
        assert relative_error(surface.gradient(point), numeric) < 1e-7


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_hessian_matches_differences_of_the_gradient(surface):
    for point in POINTS:
        columns = [
            numerical_grad(lambda p, k=k: surface.gradient(p)[k], point.copy()) for k in range(2)
        ]
        assert relative_error(surface.hessian(point), np.array(columns)) < 1e-6


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_grid_and_batches_match_single_points(surface):
    xs, ys = np.linspace(-1, 1, 4), np.linspace(-2, 2, 3)
    values = surface.grid(xs, ys)
    assert values.shape == (3, 4)
    assert values[2, 1] == surface.value([xs[1], ys[2]])
    assert surface.value(POINTS).shape == (3,)
    assert surface.gradient(POINTS).shape == (3, 2)
    assert surface.hessian(POINTS).shape == (3, 2, 2)
    np.testing.assert_array_equal(surface.gradient(POINTS)[1], surface.gradient(POINTS[1]))


def test_quadratic_by_hand():
    bowl = Quadratic(2.0, 8.0)
    assert bowl.value([1.0, 1.0]) == 0.5 * (2.0 + 8.0)
    np.testing.assert_allclose(bowl.gradient([1.0, 1.0]), [2.0, 8.0])
    turned = Quadratic(2.0, 8.0, angle=90.0)  # the steep axis is now x
    assert turned.value([1.0, 0.0]) == pytest.approx(4.0)
    assert bowl.lambda_max == 8.0 and bowl.divergence_lr == 0.25
    np.testing.assert_allclose(np.linalg.eigvalsh(turned.hessian([0.0, 0.0])), [2.0, 8.0])


def test_reprs_name_the_parameters():
    assert repr(Quadratic(2.0, 8.0, angle=30.0)) == (
        "Quadratic(lambda1=2, lambda2=8, angle=30, centre=(0, 0))"
    )
    assert repr(Rosenbrock()) == "Rosenbrock(a=1, b=100)"
    assert repr(Saddle(1.5, 0.5)) == "Saddle(a=1.5, b=0.5)"
    assert repr(LinearRegression([0.0, 1.0], [1.0, 3.0])) == (
        "LinearRegression(2 points, minimum at w=2, b=1)"
    )


def test_rosenbrock_minimum_and_a_known_value():
    valley = Rosenbrock()
    assert valley.value(valley.minimum) == 0.0
    np.testing.assert_array_equal(valley.gradient(valley.minimum), [0.0, 0.0])
    assert valley.value([0.0, 0.0]) == 1.0
    assert valley.value([-1.0, 2.0]) == 4.0 + 100.0


def test_linear_regression_is_the_mean_squared_error_of_the_line():
    surface = LinearRegression(DATA_X, DATA_T)
    for w, b in POINTS:
        assert surface.value([w, b]) == pytest.approx(np.mean((w * DATA_X + b - DATA_T) ** 2))
    np.testing.assert_allclose(surface.minimum, np.polyfit(DATA_X, DATA_T, 1))
    np.testing.assert_allclose(surface.gradient(surface.minimum), [0.0, 0.0], atol=1e-12)


@pytest.mark.parametrize(
    "surface", [Quadratic(1.0, 10.0, angle=25.0), LinearRegression(DATA_X, DATA_T)]
)
def test_gradient_descent_converges_below_and_diverges_above_two_over_lambda_max(surface):
    start = surface.minimum + np.array([1.0, -1.0])
    below = descent_path(surface, start, SGD(0.95 * surface.divergence_lr), steps=400)
    assert np.linalg.norm(below[-1] - surface.minimum) < 1e-6
    assert divergence_step(below) is None

    above = descent_path(surface, start, SGD(1.05 * surface.divergence_lr), steps=400)
    step = divergence_step(above)  # each step multiplies the steep error by |1 − 1.05·2| = 1.1
    assert step is not None and 60 < step < 400
    distances = np.linalg.norm(above[:step] - surface.minimum, axis=1)
    assert np.all(np.diff(distances[50:]) > 0)


def test_divergence_stops_quietly_and_is_marked():
    bowl = Quadratic(1.0, 10.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = descent_path(bowl, [1.0, 1.0], SGD(0.5), steps=1000)  # |1 − 0.5·10| = 4 per step
    assert path.shape == (1001, 2)
    step = divergence_step(path)
    assert step is not None and 5 < step < 30
    assert np.all(np.isfinite(path[:step])) and np.all(np.isnan(path[step:]))
    assert abs(bowl.value(path[step - 1])) <= 1e10


def test_saddle_descent_escapes_along_the_negative_curvature():
    path = descent_path(Saddle(), [1.0, 1e-3], SGD(0.1), steps=60)
    assert abs(path[-1, 0]) < 1e-2  # pulled into the minimum direction
    assert abs(path[-1, 1]) > 100 * 1e-3  # pushed away along the maximum direction


def test_momentum_and_adam_make_progress_on_rosenbrock():
    valley = Rosenbrock()
    start = [-1.5, 2.0]
    plain = descent_path(valley, start, SGD(1e-4), steps=2000)
    momentum = descent_path(valley, start, SGD(1e-4, momentum=0.9), steps=2000)
    adam = descent_path(valley, start, Adam(0.02), steps=2000)
    initial = valley.value(start)
    for path in (plain, momentum, adam):
        assert divergence_step(path) is None
        assert valley.value(path[-1]) < initial
    assert valley.value(momentum[-1]) < valley.value(plain[-1])
    assert np.linalg.norm(momentum[-1] - valley.minimum) < np.linalg.norm(
        plain[-1] - valley.minimum
    )
    assert np.linalg.norm(adam[-1] - valley.minimum) < 0.5 * np.linalg.norm(start - valley.minimum)


def test_descent_path_resets_the_optimizer():
    bowl = Quadratic()
    optimizer = SGD(0.05, momentum=0.9)
    first = descent_path(bowl, [1.0, 1.0], optimizer, steps=20)
    second = descent_path(bowl, [1.0, 1.0], optimizer, steps=20)
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: Quadratic(lambda1=-1.0), "lambda1"),
        (lambda: Quadratic(centre=(1.0, 2.0, 3.0)), "centre"),
        (lambda: Rosenbrock(b=0.0), "b"),
        (lambda: LinearRegression([1.0, 2.0], [1.0]), "x and t"),
        (lambda: descent_path(Quadratic(), [1.0], SGD(0.1), 5), "start"),
        (lambda: descent_path(Quadratic(), [1.0, 1.0], SGD(0.1), 0), "steps"),
        (lambda: Quadratic().value([1.0, 2.0, 3.0]), "points"),
    ],
)
def test_bad_input_names_the_parameter(make, named):
    with pytest.raises(ValueError, match=named):
        make()
