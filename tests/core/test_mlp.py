"""The MLP: backprop against central differences, Mazur's worked example, Glorot & Bengio's
variance law, exploding networks, parameters and bad input."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bpwidgets.core.activations import ACTIVATIONS as REGISTRY
from bpwidgets.core.gradcheck import numerical_grad
from bpwidgets.core.mlp import MLP, Gradients
from bpwidgets.core.worked_examples import (
    MAZUR_INPUTS,
    MAZUR_LEARNING_RATE,
    MAZUR_TARGETS,
    MAZUR_WEIGHTS,
    mazur_network,
)

ACTIVATIONS = tuple(REGISTRY)  # every registered activation
LOSSES = ("mse", "bce", "cross_entropy")
ARCHITECTURES = ([3, 2], [3, 4, 2], [2, 5, 4, 3], [4, 3, 3, 3, 2])


def layer_errors(net, grads, numeric):
    """Relative error ||a − n|| / (||a|| + ||n||) per parameter array (W0, b0, W1, b1, ...).

    The floor 1e-2 turns it into an absolute bound of ~1e-9 where a whole layer's gradient is
    tiny, above the ~1e-11 rounding noise of the differences."""
    errors, start = [], 0
    analytic = grads.as_vector()
    for p in (p for pair in zip(net.weights, net.biases, strict=True) for p in pair):
        a, n = analytic[start : start + p.size], numeric[start : start + p.size]
        errors.append(np.linalg.norm(a - n) / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-2))
        start += p.size
    return errors


def random_problem(sizes, activation, loss, batch, seed):
    """A network with random weights and biases, and data that fits ``loss``."""
    rng = np.random.default_rng(seed)
    output = {"bce": "sigmoid", "cross_entropy": "linear"}.get(loss, "tanh")
    net = MLP(sizes, activation=activation, output_activation=output, seed=seed)
    net.set_params(rng.normal(scale=0.8, size=net.num_params))
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        Y = rng.integers(0, sizes[-1], size=batch)
    elif loss == "bce":
        Y = rng.uniform(0, 1, size=(batch, sizes[-1]))
    else:
        Y = rng.normal(size=(batch, sizes[-1]))
    return net, X, Y


def check_against_differences(net, X, Y, loss):
    grads = net.gradients(X, Y, loss)
    params = net.get_params()

    def loss_at(vector):
        net.set_params(vector)
        return net.loss(X, Y, loss)

    numeric = numerical_grad(loss_at, params.copy())
    net.set_params(params)
    return max(layer_errors(net, grads, numeric))


# --- backprop vs central differences ----------------------------------------------------------
@pytest.mark.parametrize("sizes", ARCHITECTURES, ids=str)
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_central_differences(activation, loss, sizes):
    net, X, Y = random_problem(sizes, activation, loss, batch=5, seed=len(sizes))
    assert check_against_differences(net, X, Y, loss) < 1e-7


@pytest.mark.parametrize("output_activation", ACTIVATIONS)
def test_every_output_activation_with_mse(output_activation):
    rng = np.random.default_rng(3)
    net = MLP([3, 4, 2], activation="tanh", output_activation=output_activation, seed=3)
    net.set_params(rng.normal(scale=0.8, size=net.num_params))
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 2))
    assert check_against_differences(net, X, Y, "mse") < 1e-7


@settings(max_examples=40, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5),
    activation=st.sampled_from(ACTIVATIONS),
    loss=st.sampled_from(LOSSES),
    batch=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_gradients_match_differences_for_random_networks(
    sizes, activation, loss, batch, seed
):
    net, X, Y = random_problem(sizes, activation, loss, batch, seed)
    if activation in ("relu", "leaky_relu"):
        # differences with step 1e-5 are meaningless when a unit sits on the kink at z = 0
        _, preactivations = net.forward_trace(X)
        assume(all(np.abs(z).min() > 1e-3 for z in preactivations[:-1]))
    if loss == "bce":
        # bce on probabilities takes log(1 − p) of a rounded p: within 1e-3 of 0 or 1 that
        # rounding swamps the differences (see test_bce_gradient_where_the_sigmoid_saturates)
        p = net.forward(X)
        assume(np.all((p > 1e-3) & (p < 1 - 1e-3)))
    assert check_against_differences(net, X, Y, loss) < 1e-7


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(1, 6), min_size=2, max_size=5),
    activation=st.sampled_from(ACTIVATIONS),
    batch=st.integers(1, 7),
    seed=st.integers(0, 2**32 - 1),
)
def test_property_shapes_and_backprop_identities(sizes, activation, batch, seed):
    net, X, Y = random_problem(sizes, activation, "mse", batch, seed)
    g = net.gradients(X, Y)
    assert len(g.weights) == len(g.biases) == len(g.deltas) == len(sizes) - 1
    assert len(g.activations) == len(sizes) and len(g.preactivations) == len(sizes) - 1
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        assert g.weights[layer].shape == (n_in, n_out) and g.biases[layer].shape == (n_out,)
        assert g.deltas[layer].shape == g.preactivations[layer].shape == (batch, n_out)
        # dW = hᵀ δ and db = Σ_batch δ, summed example by example
        outer = sum(np.outer(g.activations[layer][i], g.deltas[layer][i]) for i in range(batch))
        np.testing.assert_allclose(g.weights[layer], outer, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(g.biases[layer], g.deltas[layer].sum(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(g.output, net.forward(X))
    assert g.loss == net.loss(X, Y) and g.finite == (True,) * (len(sizes) - 1)


# --- Mazur, "A Step by Step Backpropagation Example" ----------------------------------------
def test_mazur_forward_pass_and_error():
    net, X, Y = mazur_network()
    out = net.forward(X)[0]
    assert out[0] == pytest.approx(0.75136507, abs=5e-9)
    assert out[1] == pytest.approx(0.772928465, abs=5e-10)
    # our mse (mean over 2 outputs) is Mazur's E = Σ ½ (t − o)² for one example
    assert net.loss(X, Y, "mse") == pytest.approx(0.298371109, abs=5e-10)


def test_mazur_gradients():
    net, X, Y = mazur_network()
    g = net.gradients(X, Y, "mse")
    assert g.weights[1][0, 0] == pytest.approx(0.082167041, abs=5e-10)  # dE/dw5
    assert g.weights[0][0, 0] == pytest.approx(0.000438568, abs=5e-10)  # dE/dw1


PUBLISHED_UPDATES = {  # Mazur's weights after one step of lr 0.5, as printed in the article
    "w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
    "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121,
}
WEIGHT_POSITION = {  # (layer, row, column) of each named weight in our layout
    "w1": (0, 0, 0), "w2": (0, 1, 0), "w3": (0, 0, 1), "w4": (0, 1, 1),
    "w5": (1, 0, 0), "w6": (1, 1, 0), "w7": (1, 0, 1), "w8": (1, 1, 1),
}


def mazur_error_by_hand(w, b1, b2):
    """Mazur's forward pass written with scalars, for an independent check."""
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    i1, i2 = MAZUR_INPUTS
    h1, h2 = sig(w["w1"] * i1 + w["w2"] * i2 + b1), sig(w["w3"] * i1 + w["w4"] * i2 + b1)
    o1, o2 = sig(w["w5"] * h1 + w["w6"] * h2 + b2), sig(w["w7"] * h1 + w["w8"] * h2 + b2)
    return 0.5 * (MAZUR_TARGETS[0] - o1) ** 2 + 0.5 * (MAZUR_TARGETS[1] - o2) ** 2


def test_mazur_update_from_the_original_gradients():
    net, X, Y = mazur_network()
    g = net.gradients(X, Y, "mse")  # every gradient taken at the ORIGINAL weights
    for W, dW in zip(net.weights, g.weights, strict=True):
        W -= MAZUR_LEARNING_RATE * dW  # the article leaves the biases alone
    for name, (layer, row, column) in WEIGHT_POSITION.items():
        published = PUBLISHED_UPDATES[name]
        assert net.weights[layer][row, column] == pytest.approx(published, abs=5e-9), name
    updated = {name: net.weights[i][r, c] for name, (i, r, c) in WEIGHT_POSITION.items()}
    by_hand = mazur_error_by_hand(updated, MAZUR_WEIGHTS["b1"], MAZUR_WEIGHTS["b2"])
    assert net.loss(X, Y) == pytest.approx(by_hand, rel=1e-14)
    # The article prints 0.291027924, computed from rounded intermediates; the exact value
    # is 0.2910277737 (1.5e-7 lower), which the scalar computation above confirms.
    assert net.loss(X, Y) == pytest.approx(0.291027924, abs=2e-7)


# --- Glorot & Bengio's variance law ----------------------------------------------------------
@pytest.mark.parametrize(
    ("init", "activation", "factor", "layer_tolerance", "mean_tolerance"),
    [
        ("standard", "linear", 1 / 3, 0.06, 0.02),  # s = n·1/(3n)
        ("xavier", "linear", 1.0, 0.06, 0.02),  # s = n·2/(n+n)
        ("he", "relu", 1.0, 0.25, 0.06),  # s = n·2/n, halved by ReLU's E[f'²] = ½
    ],
)
@pytest.mark.parametrize("seed", [0, 1])
def test_backpropagated_variance_shrinks_by_s_per_layer(
    init, activation, factor, layer_tolerance, mean_tolerance, seed
):
    """Var[δˡ⁻¹] ≈ s·Var[δˡ] with s = n·Var[W] (Glorot & Bengio 2010, eq. 6-7).

    Width 256 and batch 128 give ~33000 entries per layer. Targets far from the outputs make
    δᴸ ≈ −2t/size independent of the weights, as the derivation assumes. ReLU's per-layer
    ratios scatter more because each unit's on/off pattern is shared across the batch."""
    n, depth = 256, 10
    net = MLP([n] * (depth + 1), activation=activation, init=init, seed=seed)
    rng = np.random.default_rng(100 + seed)
    X, Y = rng.normal(size=(128, n)), rng.normal(scale=1e4, size=(128, n))
    variances = [np.mean(d**2) for d in net.gradients(X, Y).deltas]
    ratios = np.array(variances[:-1]) / np.array(variances[1:])
    assert np.all(np.abs(ratios / factor - 1) < layer_tolerance), ratios
    mean_factor = (variances[0] / variances[-1]) ** (1 / (depth - 1))
    assert mean_factor == pytest.approx(factor, rel=mean_tolerance)


# --- exploding networks ----------------------------------------------------------------------
def exploding_net():
    return MLP([4] + [64] * 30 + [1], activation="relu", init=3.0, seed=0)


def test_depth_30_relu_std_3_explodes_quietly():
    net = exploding_net()
    X = np.random.default_rng(0).normal(size=(8, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = net.gradients(X, np.zeros(8))
    deltas = [np.linalg.norm(delta) for delta in g.deltas]
    # each layer multiplies δ by ~sqrt(64·9/2) ≈ 17 on its way down: 17^29 ≈ 5e35
    assert deltas[0] / deltas[-1] > 1e30
    assert min(np.linalg.norm(dW) for dW in g.weights) > 1e60  # hᵀδ: grown both ways
    assert g.first_nonfinite_layer is None  # float64 holds ~1e70 without overflowing


def test_overflow_in_the_forward_pass_is_reported_not_raised():
    net = exploding_net()
    X = 1e300 * np.random.default_rng(0).normal(size=(8, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = net.gradients(X, np.zeros(8))
        output = net.forward(X)
    assert not np.all(np.isfinite(output)) and not math.isfinite(g.loss)
    first = g.first_nonfinite_layer
    assert 0 < first < 30
    assert np.all(np.isfinite(g.preactivations[first - 1]))
    assert not np.all(np.isfinite(g.preactivations[first]))
    assert all(np.all(np.isfinite(h)) for h in g.activations[: first + 1])
    assert not any(g.finite)  # the nan flows back down into every layer's gradient


def test_overflow_in_the_backward_pass_names_the_top_layer():
    net = MLP([4] + [64] * 6 + [1], activation="relu", init=3.0, seed=0)
    X = np.random.default_rng(0).normal(size=(8, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = net.gradients(X, np.full(8, 1e307))  # δᴸ is finite, hᵀδᴸ overflows
    assert all(np.all(np.isfinite(z)) for z in g.preactivations)
    assert np.all(np.isfinite(g.deltas[-1])) and not np.all(np.isfinite(g.weights[-1]))
    assert g.first_nonfinite_layer == 6 and g.finite[-1] is False


# --- construction and parameters ---------------------------------------------------------------
def test_construction_defaults_and_shapes():
    net = MLP([2, 8, 8, 1])
    assert net.sizes == (2, 8, 8, 1)
    assert (net.activation, net.output_activation) == ("tanh", "linear")
    assert [w.shape for w in net.weights] == [(2, 8), (8, 8), (8, 1)]
    assert all(not b.any() for b in net.biases)  # biases start at zero
    assert net.num_params == 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1
    limit = math.sqrt(6 / 16)  # xavier for the 8 -> 8 layer
    assert np.abs(net.weights[1]).max() <= limit


def test_same_seed_same_network():
    np.testing.assert_array_equal(MLP([3, 5, 2], seed=4).get_params(), MLP([3, 5, 2], seed=4).get_params())
    assert not np.array_equal(MLP([3, 5, 2], seed=4).get_params(), MLP([3, 5, 2], seed=5).get_params())


def test_params_order_and_live_arrays():
    net = MLP([2, 3, 1])
    vector = np.arange(net.num_params, dtype=float)
    weights_before = net.weights[0]
    net.set_params(vector)
    assert net.weights[0] is weights_before  # written in place
    np.testing.assert_array_equal(net.weights[0], [[0, 1, 2], [3, 4, 5]])
    np.testing.assert_array_equal(net.biases[0], [6, 7, 8])
    np.testing.assert_array_equal(net.weights[1], [[9], [10], [11]])
    np.testing.assert_array_equal(net.biases[1], [12])
    flat = net.get_params()
    flat[0] = 99.0  # a copy: the network does not change
    assert net.weights[0][0, 0] == 0.0
    np.testing.assert_array_equal(net.gradients([[1.0, 2.0]], [[0.0]]).as_vector().shape, (13,))


def test_copy_is_independent():
    net = MLP([2, 3, 1], activation="relu", output_activation="sigmoid")
    twin = net.copy()
    twin.weights[0][0, 0] += 1.0
    assert net.weights[0][0, 0] != twin.weights[0][0, 0]
    assert (twin.activation, twin.output_activation) == ("relu", "sigmoid")


def test_forward_by_hand():
    net = MLP.from_weights([[[1.0, -1.0]], [[2.0], [3.0]]], [[0.5, 0.0], [0.25]], "relu", "linear")
    # x = 2: z1 = (2.5, -2), h1 = (2.5, 0), y = 2·2.5 + 0.25
    np.testing.assert_array_equal(net.forward([[2.0]]), [[5.25]])
    activations, preactivations = net.forward_trace([[2.0]])
    np.testing.assert_array_equal(preactivations[0], [[2.5, -2.0]])
    np.testing.assert_array_equal(activations[1], [[2.5, 0.0]])


def test_relu_gradient_at_zero_is_zero_like_pytorch():
    net = MLP.from_weights([[[1.0]], [[1.0]]], [[0.0], [0.0]], "relu", "linear")
    g = net.gradients([[0.0]], [[1.0]])  # z1 = 0 exactly
    assert g.deltas[0][0, 0] == 0.0 and g.biases[0][0] == 0.0
    assert g.biases[1][0] == -2.0  # d/dy (y − 1)² at y = 0


def test_bce_backward_stays_finite_when_the_sigmoid_saturates():
    net = MLP.from_weights([[[100.0]]], [[0.0]], output_activation="sigmoid")
    g = net.gradients([[10.0]], [[0.0]], "bce")  # p = 1.0 exactly, wrong target
    assert g.loss == 100.0  # torch clamps log(0) at -100
    assert g.biases[0][0] == pytest.approx(1.0)  # (p − t) / N


def test_bce_gradient_where_the_sigmoid_saturates():
    """Against differences of the same loss written on logits, log(1 + e^z) − t·z, which stays
    accurate where p = sigmoid(z) rounds to within 1e-8 of 0 or 1."""
    rng = np.random.default_rng(5)
    net = MLP([3, 4, 2], activation="tanh", output_activation="sigmoid", seed=5)
    net.set_params(rng.normal(scale=10.0, size=net.num_params))
    X, Y = rng.normal(size=(6, 3)), rng.uniform(0, 1, size=(6, 2))
    p = net.forward(X)
    assert np.mean((p < 1e-6) | (p > 1 - 1e-6)) > 0.2  # many saturated outputs
    params = net.get_params()

    def logit_loss(vector):
        net.set_params(vector)
        z = net.forward_trace(X)[1][-1]
        return np.mean(np.logaddexp(0.0, z) - Y * z)

    numeric = numerical_grad(logit_loss, params.copy())
    net.set_params(params)
    assert max(layer_errors(net, net.gradients(X, Y, "bce"), numeric)) < 1e-7


def test_gradients_is_frozen():
    net, X, Y = mazur_network()
    g = net.gradients(X, Y)
    assert isinstance(g, Gradients)
    with pytest.raises(AttributeError):
        g.loss = 0.0


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"sizes": [3]}, r"sizes must list at least 2 widths .*; got \(3,\)"),
        ({"sizes": [3, 0, 1]}, r"sizes must hold whole numbers >= 1; got 0 in \(3, 0, 1\)"),
        ({"sizes": [3, -2]}, r"sizes must hold whole numbers >= 1; got -2"),
        ({"sizes": 5}, r"sizes must be a list of layer widths like \[2, 8, 1\]; got 5"),
        ({"sizes": [2, 1], "activation": "rleu"}, r"activation must be one of 'linear', .*; got 'rleu'"),
        ({"sizes": [2, 1], "output_activation": "soft"}, r"output_activation must be one of .*; got 'soft'"),
        ({"sizes": [2, 1], "init": "glorot"}, r"init must be one of 'standard', .*; got 'glorot'"),
    ],
)
def test_bad_construction(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MLP(**kwargs)


def test_bad_data():
    net = MLP([2, 3, 2])
    X, labels = np.zeros((5, 2)), np.array([0, 1, 1, 0, 1])
    cases = [
        (lambda: net.forward(np.zeros((5, 3))), r"X must have shape \(batch >= 1, 2\), one column per input; got shape \(5, 3\)"),
        (lambda: net.forward(np.zeros(2)), r"X must be 2-D; got shape \(2,\)"),
        (lambda: net.forward([[0.0, np.inf]]), r"X must contain only finite numbers; got 1 NaN/inf"),
        (lambda: net.gradients(X, np.zeros((4, 2))), r"Y must have 5 rows, one per row of X; got shape \(4, 2\)"),
        (lambda: net.gradients(X, [0, 1, 2, 0, 1], "cross_entropy"), r"Y class labels must be in 0..1 \(2 outputs\); got 2"),
        (lambda: net.loss(X, labels, "l1"), r"loss must be one of 'mse', 'bce', 'cross_entropy'; got 'l1'"),
        (lambda: net.loss(X, np.zeros((5, 2)), "bce"), r"output_activation must be 'sigmoid'; got 'linear'"),
        (lambda: net.set_params(np.zeros(3)), r"vector must have shape \(17,\), one entry per parameter; got shape \(3,\)"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=message):
            call()


def test_bad_from_weights():
    with pytest.raises(ValueError, match=r"weights\[1\] must have 3 rows .*; got shape \(2, 1\)"):
        MLP.from_weights([np.zeros((2, 3)), np.zeros((2, 1))], [np.zeros(3), np.zeros(1)])
    with pytest.raises(ValueError, match=r"biases\[0\] must have shape \(3,\); got \(2,\)"):
        MLP.from_weights([np.zeros((2, 3))], [np.zeros(2)])
    with pytest.raises(ValueError, match=r"got 2 weights and 1 biases"):
        MLP.from_weights([np.zeros((2, 3)), np.zeros((3, 1))], [np.zeros(3)])


def test_from_weights_copies_unless_told_not_to():
    weights, biases = [np.ones((2, 3)), np.ones((3, 1))], [np.zeros(3), np.zeros(1)]
    copied = MLP.from_weights(weights, biases)
    shared = MLP.from_weights(weights, biases, copy=False)
    weights[0][0, 0] = 5.0
    assert copied.weights[0][0, 0] == 1.0
    assert shared.weights[0][0, 0] == 5.0
    assert all(s is a for s, a in zip(shared.weights + shared.biases, weights + biases, strict=True))
    with pytest.raises(ValueError, match=r"weights\[1\] must contain only finite numbers"):
        MLP.from_weights([np.ones((2, 3)), np.full((3, 1), np.nan)], biases, copy=False)


def test_a_network_over_the_memory_budget_is_refused_before_allocating():
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(ValueError, match=r"sizes = \[2, 100000000, 1\].*memory budget of 1.1 GB"):
        MLP([2, 10**8, 1])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10**6  # refused before any weight was drawn
