"""Loss slices: every grid value is the loss of an independently built network."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import SGD
from bpwidgets.core.surface import (
    batched_forward,
    loss_line,
    loss_surface,
)
from bpwidgets.core.train import train


@pytest.fixture
def regression():
    rng = np.random.default_rng(1)
    net = MLP([2, 5, 4, 1], activation="tanh", seed=3)
    return net, rng.normal(size=(30, 2)), rng.normal(size=(30, 1))


def loss_at(net, params, X, Y, loss="mse"):
    """The loss of a copy of ``net`` with ``params`` written in: the slow, obvious way."""
    other = net.copy()
    other.set_params(params)
    return other.loss(X, Y, loss)


def test_centre_value_equals_net_loss(regression):
    net, X, Y = regression
    surface = loss_surface(net, X, Y, resolution=5)
    assert surface.centre_loss == net.loss(X, Y)
    assert surface.alphas[2] == 0.0 and surface.betas[2] == 0.0
    assert surface.values[2, 2] == pytest.approx(net.loss(X, Y), rel=1e-12)


@pytest.mark.parametrize("directions", ["filter", "random"])
def test_grid_points_equal_independent_evaluations(regression, directions):
    net, X, Y = regression
    surface = loss_surface(net, X, Y, directions=directions, span=0.7, resolution=7, seed=5)
    assert surface.values.shape == (7, 7)
    for j, i in [(0, 0), (0, 6), (6, 0), (3, 5), (5, 1), (6, 6)]:
        params = net.get_params() + surface.alphas[i] * surface.d1 + surface.betas[j] * surface.d2
        assert surface.values[j, i] == pytest.approx(loss_at(net, params, X, Y), rel=1e-12)


def test_values_are_not_symmetric_copies(regression):
    # values[j, i] puts alpha on the column axis: swapping the two would break this
    net, X, Y = regression
    d1 = np.zeros(net.num_params)
    d1[0] = 1.0
    surface = loss_surface(net, X, Y, directions=(d1, np.zeros(net.num_params)), resolution=5)
    assert np.ptp(surface.values[0]) > 0  # changes along alpha
    assert np.ptp(surface.values[:, 0]) == 0  # constant along beta (d2 = 0)


def test_filter_normalisation_matches_each_neurons_norm(regression):
    net, X, Y = regression
    surface = loss_surface(net, X, Y, resolution=3, seed=2)
    for d in (surface.d1, surface.d2):
        start = 0
        for W, b in zip(net.weights, net.biases, strict=True):
            block = d[start : start + W.size].reshape(W.shape)
            start += W.size
            # a neuron's incoming weights are a column of W (n_in, n_out)
            np.testing.assert_allclose(
                np.linalg.norm(block, axis=0), np.linalg.norm(W, axis=0), rtol=1e-12
            )
            assert not np.allclose(block, W)  # a random direction, not the weights
            assert np.all(d[start : start + b.size] == 0.0)
            start += b.size
    assert not np.allclose(surface.d1, surface.d2)


def test_net_is_unchanged(regression):
    net, X, Y = regression
    before = net.get_params()
    weights = [w.copy() for w in net.weights]
    loss_surface(net, X, Y, resolution=5)
    loss_line(net, X, Y, resolution=5)
    np.testing.assert_array_equal(net.get_params(), before)
    for w, w_before in zip(net.weights, weights, strict=True):
        np.testing.assert_array_equal(w, w_before)


def test_same_seed_same_surface_other_seed_other(regression):
    net, X, Y = regression
    a = loss_surface(net, X, Y, resolution=5, seed=4)
    b = loss_surface(net, X, Y, resolution=5, seed=4)
    c = loss_surface(net, X, Y, resolution=5, seed=5)
    np.testing.assert_array_equal(a.values, b.values)
    assert not np.allclose(a.d1, c.d1)


@pytest.mark.parametrize(
    ("sizes", "output_activation", "loss"),
    [
        ([3, 6, 1], "sigmoid", "bce"),
        ([3, 6, 4], "linear", "cross_entropy"),
        ([3, 6, 2], "relu", "mse"),
    ],
)
def test_every_loss_and_output_activation(sizes, output_activation, loss):
    rng = np.random.default_rng(7)
    net = MLP(sizes, activation="relu", output_activation=output_activation, seed=1)
    X = rng.normal(size=(12, 3))
    if loss == "cross_entropy":
        Y = rng.integers(0, sizes[-1], size=12)
    else:
        Y = rng.uniform(0.0, 1.0, size=(12, sizes[-1]))
    surface = loss_surface(net, X, Y, loss=loss, directions="random", resolution=4, seed=3)
    for j, i in [(0, 0), (1, 3), (3, 2)]:
        params = net.get_params() + surface.alphas[i] * surface.d1 + surface.betas[j] * surface.d2
        assert surface.values[j, i] == pytest.approx(loss_at(net, params, X, Y, loss), rel=1e-12)


def test_batched_forward_matches_forward_of_each_set(regression):
    net, X, _ = regression
    rng = np.random.default_rng(2)
    param_sets = net.get_params() + rng.normal(size=(3, net.num_params))
    outputs = batched_forward(net, X, param_sets)
    for params, output in zip(param_sets, outputs, strict=True):
        other = net.copy()
        other.set_params(params)
        np.testing.assert_allclose(output, other.forward(X), rtol=1e-12)


def test_chunking_does_not_change_values(regression, monkeypatch):
    import bpwidgets.core.surface as surface_module

    net, X, Y = regression
    whole = loss_surface(net, X, Y, resolution=9)
    monkeypatch.setattr(surface_module, "FLOATS_PER_CHUNK", 1)  # one grid point per chunk
    one_by_one = loss_surface(net, X, Y, resolution=9)
    np.testing.assert_allclose(one_by_one.values, whole.values, rtol=1e-12)


def planar_run(net, rng, n=6):
    """Snapshots ending at the net's params, all in the plane of two known vectors."""
    u, v = rng.normal(size=(2, net.num_params))
    coefficients = np.column_stack([np.linspace(2.0, 0.0, n), np.sin(np.linspace(0, 3, n))])
    coefficients[-1] = 0.0
    return SimpleNamespace(snapshots=net.get_params() + coefficients @ np.stack([u, v])), u, v


def test_pca_trajectory_lies_in_the_plane_and_ends_at_the_centre(regression):
    net, X, Y = regression
    history, u, v = planar_run(net, np.random.default_rng(3))
    surface = loss_surface(net, X, Y, directions="pca", history=history, resolution=5)
    trajectory = surface.trajectory
    assert trajectory.shape == (6, 2)
    np.testing.assert_allclose(trajectory[-1], [0.0, 0.0], atol=1e-12)
    assert np.abs(trajectory).max() == pytest.approx(1.0)  # scaled to fit span=1
    assert np.all(trajectory[0] >= 0)
    # a run inside a plane is rebuilt exactly from the two components
    rebuilt = surface.centre + trajectory @ np.stack([surface.d1, surface.d2])
    np.testing.assert_allclose(rebuilt, history.snapshots, atol=1e-10)
    assert surface.explained_variance.sum() == pytest.approx(1.0)
    assert surface.explained_variance[0] >= surface.explained_variance[1] > 0
    # the two directions are orthogonal and lie in span(u, v)
    assert abs(surface.d1 @ surface.d2) < 1e-9 * np.linalg.norm(surface.d1) ** 2
    basis, _ = np.linalg.qr(np.column_stack([u, v]))
    np.testing.assert_allclose(basis @ (basis.T @ surface.d1), surface.d1, atol=1e-10)


def test_pca_endpoints_of_a_trained_run(regression):
    net, X, Y = regression
    start = net.get_params()
    history = train(net, X, Y, "mse", SGD(0.1, momentum=0.9), epochs=30)
    surface = loss_surface(net, X, Y, directions="pca", history=history, resolution=5)
    np.testing.assert_array_equal(surface.centre, net.get_params())
    np.testing.assert_allclose(surface.trajectory[-1], [0.0, 0.0], atol=1e-12)
    # the start's coordinates are its least-squares projection onto the plane
    plane = np.stack([surface.d1, surface.d2]).T
    first = np.linalg.lstsq(plane, start - surface.centre, rcond=None)[0]
    np.testing.assert_allclose(surface.trajectory[0], first, rtol=1e-9, atol=1e-12)
    assert len(surface.trajectory) == 31


def test_loss_line_interpolates_between_two_nets(regression):
    net, X, Y = regression
    other = MLP([2, 5, 4, 1], seed=11)
    line = loss_line(net, X, Y, other=other, resolution=9)
    assert line.alphas[0] == -0.5 and line.alphas[-1] == 1.5
    assert line.values[2] == pytest.approx(net.loss(X, Y), rel=1e-12)  # alpha = 0
    assert line.values[6] == pytest.approx(other.loss(X, Y), rel=1e-12)  # alpha = 1
    middle = 0.5 * (net.get_params() + other.get_params())
    assert line.values[4] == pytest.approx(loss_at(net, middle, X, Y), rel=1e-12)


def test_loss_line_along_a_given_direction(regression):
    net, X, Y = regression
    d = np.random.default_rng(8).normal(size=net.num_params)
    line = loss_line(net, X, Y, direction=d, span=2.0, resolution=5)
    for alpha, value in zip(line.alphas, line.values, strict=True):
        assert value == pytest.approx(loss_at(net, net.get_params() + alpha * d, X, Y), rel=1e-12)


def test_overflow_gives_inf_without_warnings():
    net = MLP([2, 8, 1], activation="relu", seed=0)
    X = np.ones((4, 2))
    with np.errstate(all="raise"):
        surface = loss_surface(net, X, np.zeros(4), directions="random", span=1e200, resolution=3)
    assert not np.all(np.isfinite(surface.values))
    assert np.isfinite(surface.values[1, 1])


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"directions": "pcaa"}, "directions"),
        ({"directions": "pca"}, "history"),
        ({"span": 0.0}, "span"),
        ({"resolution": 0}, "resolution"),
        ({"loss": "hinge"}, "loss"),
        ({"directions": (np.zeros(3), np.zeros(3))}, "directions[0]"),
        (
            {"directions": "pca", "history": SimpleNamespace(snapshots=np.zeros((2, 3)))},
            "snapshots",
        ),
    ],
)
def test_bad_input_names_the_parameter(regression, kwargs, named):
    net, X, Y = regression
    with pytest.raises(ValueError, match=named.replace("[", r"\[").replace("]", r"\]")):
        loss_surface(net, X, Y, **kwargs)


def test_pca_needs_a_run_that_spans_a_plane(regression):
    net, X, Y = regression
    line = net.get_params() + np.outer([2.0, 1.0, 0.0], np.ones(net.num_params))
    with pytest.raises(ValueError, match="span a plane"):
        loss_surface(net, X, Y, directions="pca", history=SimpleNamespace(snapshots=line))


def test_loss_line_takes_other_or_direction_not_both(regression):
    net, X, Y = regression
    with pytest.raises(ValueError, match="not both"):
        loss_line(net, X, Y, other=net, direction="random")
