"""Gradient-flow statistics: they describe the network's own backward pass, and the theory holds."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpwidgets.core.gradflow import (
    HISTOGRAM_SAMPLE,
    build_deep_network,
    flow_statistics,
    gradient_flow,
    gradient_flow_during_training,
    initial_layers,
    saturated_fraction,
    standard_draws,
)
from bpwidgets.core.init import weight_variance
from bpwidgets.core.mlp import MLP


def test_statistics_match_the_nets_own_gradients():
    flow = gradient_flow(depth=4, width=12, activation="tanh", init="he", batch=20, seed=3, lr=0.05)
    net, X, Y = build_deep_network(4, 12, "tanh", "he", batch=20, seed=3)
    grads = net.gradients(X, Y)
    assert flow.loss == grads.loss
    assert flow.sizes == (12, 12, 12, 12, 12, 1)
    for stats, arrays in [
        (flow.deltas, grads.deltas),
        (flow.weight_grads, grads.weights),
        (flow.activations, grads.activations[1:]),
    ]:
        assert len(stats.norm) == 5
        np.testing.assert_allclose(stats.norm, [np.linalg.norm(a) for a in arrays], rtol=1e-12)
        np.testing.assert_allclose(stats.std, [np.std(a) for a in arrays], rtol=1e-9)
        np.testing.assert_allclose(stats.mean, [np.mean(a) for a in arrays], rtol=1e-9, atol=1e-15)
    pairs = zip(grads.weights, net.weights, strict=True)
    ratios = [0.05 * np.linalg.norm(g) / np.linalg.norm(W) for g, W in pairs]
    np.testing.assert_allclose(flow.update_ratio, ratios, rtol=1e-12)
    norms = [np.linalg.norm(d) for d in grads.deltas]
    np.testing.assert_allclose(flow.measured_factors, np.divide(norms[:3], norms[1:4]), rtol=1e-12)


def test_histograms_count_every_entry_on_common_edges():
    flow = gradient_flow(depth=3, width=10, activation="relu", init="he", batch=16, bins=12)
    net, X, Y = build_deep_network(3, 10, "relu", "he", batch=16)
    grads = net.gradients(X, Y)
    for stats, arrays in [(flow.deltas, grads.deltas), (flow.weight_grads, grads.weights)]:
        hist = stats.histograms
        assert hist.scale == "log10|value|" and hist.counts.shape == (4, 12)
        assert hist.edges.shape == (13,)
        np.testing.assert_array_equal(hist.zeros, [np.count_nonzero(a == 0) for a in arrays])
        np.testing.assert_array_equal(
            hist.counts.sum(axis=1) + hist.zeros, [a.size for a in arrays]
        )
        smallest = min(np.abs(a[a != 0]).min() for a in arrays)
        largest = max(np.abs(a).max() for a in arrays)
        assert hist.edges[0] == np.floor(np.log10(smallest))  # whole decades, shared by all
        assert hist.edges[-1] == np.ceil(np.log10(largest))
    assert flow.deltas.histograms.zeros[0] > 0  # inactive ReLU units pass back exact zeros
    hidden = flow.activations.histograms
    assert hidden.scale == "value"
    np.testing.assert_array_equal(hidden.counts.sum(axis=1), [16 * 10] * 3 + [16])
    hidden_values = np.concatenate([h.ravel() for h in grads.activations[1:-1]])
    assert (hidden.edges[0], hidden.edges[-1]) == (hidden_values.min(), hidden_values.max())


def test_linear_output_does_not_stretch_the_tanh_range():
    flow = gradient_flow(depth=3, width=10, activation="tanh", batch=8, bins=8)
    edges = flow.activations.histograms.edges
    assert (edges[0], edges[-1]) == (-1.0, 1.0)


def test_a_histogram_by_hand():
    net = MLP.from_weights(
        [np.eye(2), np.ones((2, 1))], [np.zeros(2), np.zeros(1)], output_activation="tanh"
    )
    X = np.array([[0.5, -0.5], [2.0, 0.0]])
    flow = flow_statistics(net, X, np.zeros((2, 1)), bins=4)
    hist = flow.activations.histograms
    np.testing.assert_array_equal(hist.edges, [-1.0, -0.5, 0.0, 0.5, 1.0])  # tanh's range
    # tanh of 0.5, -0.5, 2.0, 0.0 = 0.46, -0.46, 0.96, 0.0
    np.testing.assert_array_equal(hist.counts[0], [0, 1, 2, 1])


def test_saturation_rules_on_hand_made_activations():
    assert saturated_fraction("tanh", np.array([[0.995, 0.5], [-0.999, 0.0]])) == 0.5
    assert saturated_fraction("softsign", np.array([[0.2, -0.9999]])) == 0.5
    assert saturated_fraction("sigmoid", np.array([[0.005, 0.5], [0.995, 0.7]])) == 0.5
    # unit 0 is never active: dead; unit 1 is active once, unit 2 always: alive
    relu = np.array([[0.0, 0.0, 1.0], [0.0, 3.0, 2.0], [0.0, 0.0, 1.0]])
    assert saturated_fraction("relu", relu) == pytest.approx(1 / 3)
    assert saturated_fraction("linear", np.full((2, 2), 50.0)) == 0.0


def test_saturation_of_a_hand_made_network():
    # layer 0: unit 0 gets weight 10 (saturates for |x| >= 0.27), unit 1 gets weight 0.1
    tanh_net = MLP.from_weights(
        [np.array([[10.0, 0.1]]), np.ones((2, 1))], [np.zeros(2), np.zeros(1)], activation="tanh"
    )
    X = np.array([[1.0], [-2.0], [0.5], [3.0]])
    flow = flow_statistics(tanh_net, X, np.zeros((4, 1)))
    assert flow.saturation[0] == 0.5 and flow.saturation_rule == "|h| > 0.99"
    # ReLU: unit 0 has a bias of -100, so it is dead for every input in [-3, 3]
    relu_net = MLP.from_weights(
        [np.array([[1.0, 1.0, -1.0]]), np.ones((3, 1))],
        [np.array([-100.0, 0.0, 0.0]), np.zeros(1)],
        activation="relu",
    )
    flow = flow_statistics(relu_net, X, np.zeros((4, 1)))
    assert flow.saturation[0] == pytest.approx(1 / 3)
    assert "dead" in flow.saturation_rule


@pytest.mark.parametrize("seed", range(4))
def test_tanh_depth_20_vanishes_with_standard_and_is_healthy_with_xavier(seed):
    standard = gradient_flow(
        depth=20, width=64, activation="tanh", init="standard", batch=64, seed=seed
    )
    assert standard.verdict == "vanishing"
    assert "vanishing" in standard.message and "xavier" in standard.message
    assert standard.measured_factor < 0.7
    xavier = gradient_flow(
        depth=20, width=64, activation="tanh", init="xavier", batch=64, seed=seed
    )
    assert xavier.verdict == "healthy", xavier.message
    assert 0.85 < xavier.measured_factor < 1.1


@pytest.mark.parametrize(
    ("activation", "init", "verdict"),
    [
        ("relu", "he", "healthy"),
        ("relu", "xavier", "vanishing"),
        ("relu", 1.0, "exploding"),
        ("sigmoid", "xavier", "vanishing"),
    ],
)
def test_verdicts_follow_the_init_theory(activation, init, verdict):
    flow = gradient_flow(depth=12, width=64, activation=activation, init=init, batch=64, seed=1)
    assert flow.verdict == verdict, flow.message


@pytest.mark.parametrize("init", ["standard", "xavier", "he", 0.3])
def test_linear_gain_is_n_times_the_init_variance(init):
    flow = gradient_flow(depth=6, width=128, activation="tanh", init=init, batch=8, seed=2)
    expected = 128 * weight_variance(init, 128, 128)
    np.testing.assert_allclose(flow.linear_gains, expected, rtol=0.05)
    np.testing.assert_allclose(flow.linear_factor, np.sqrt(expected), rtol=0.03)


@pytest.mark.parametrize(
    ("activation", "init"), [("tanh", "standard"), ("relu", "he"), ("sigmoid", "xavier")]
)
def test_predicted_factor_matches_the_measured_one(activation, init):
    flow = gradient_flow(depth=15, width=64, activation=activation, init=init, batch=64, seed=4)
    assert flow.measured_factor == pytest.approx(flow.predicted_factor, rel=0.1)
    assert flow.predicted_gains.shape == (14,)


def test_prediction_holds_per_step_with_unequal_widths():
    rng = np.random.default_rng(0)
    net = MLP([32, 200, 50, 300, 80, 1], activation="tanh", init="xavier", seed=1)
    flow = flow_statistics(net, rng.normal(size=(256, 32)), rng.normal(size=(256, 1)))
    # ‖δˡ‖/‖δˡ⁺¹‖ ≈ √(n·Var[W]·E[f'²]) with n the width of layer l: 200, 50, 300
    np.testing.assert_allclose(flow.measured_factors, np.sqrt(flow.predicted_gains), rtol=0.1)
    assert flow.measured_factors[1] < 0.5 < 1.0 < flow.measured_factors[2]


@pytest.mark.parametrize(("depth", "std"), [(50, 1.0), (30, 3.0)])
def test_exploding_relu_reports_without_warnings(depth, std):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flow = gradient_flow(depth=depth, width=64, activation="relu", init=std, batch=32, seed=0)
    assert flow.verdict == "exploding" and "exploding" in flow.message
    assert flow.measured_factor > 5


def test_overflow_gives_inf_markers_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # ×80 per layer: the output reaches 1e190, so its square (the loss) overflows
        flow = gradient_flow(depth=100, width=128, activation="relu", init=10.0, batch=16, seed=0)
    assert not flow.finite
    assert flow.first_nonfinite_layer is not None
    assert flow.verdict == "exploding" and "beyond float64's range" in flow.message
    assert not np.all(np.isfinite(flow.deltas.norm))
    assert np.isinf(flow.activations.norm).any() or np.isinf(flow.weight_grads.norm).any()
    assert flow.deltas.histograms.nonfinite.sum() > 0
    # layers counted as the panel's axes count them: 1 = first hidden … L = output
    assert f"in layer {flow.first_nonfinite_layer + 1} of 101" in flow.message
    assert "nan" not in flow.message


def test_a_dead_relu_network_is_vanishing_without_warnings():
    weights = [np.ones((1, 3)), np.ones((3, 3)), np.ones((3, 3)), np.ones((3, 1))]
    biases = [np.full(3, -100.0), np.zeros(3), np.zeros(3), np.zeros(1)]
    net = MLP.from_weights(weights, biases, activation="relu")
    X = np.linspace(-3, 3, 8).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flow = flow_statistics(net, X, np.ones((8, 1)), init="xavier")
    np.testing.assert_array_equal(flow.deltas.norm[:3], 0.0)
    np.testing.assert_array_equal(flow.saturation[:3], 1.0)
    assert flow.verdict == "vanishing" and "no gradient" in flow.message and "'he'" in flow.message


def test_same_seed_same_picture():
    a = gradient_flow(depth=5, width=16, batch=8, seed=9, steps=3)
    b = gradient_flow(depth=5, width=16, batch=8, seed=9, steps=3)
    c = gradient_flow(depth=5, width=16, batch=8, seed=10, steps=3)
    np.testing.assert_array_equal(a.deltas.norm, b.deltas.norm)
    np.testing.assert_array_equal(
        a.weight_grads.histograms.counts, b.weight_grads.histograms.counts
    )
    assert a.message == b.message
    assert not np.allclose(a.deltas.norm, c.deltas.norm)


def test_training_steps_change_the_picture():
    before = gradient_flow(depth=3, width=16, batch=32, seed=0, lr=0.05)
    after = gradient_flow(depth=3, width=16, batch=32, seed=0, lr=0.05, steps=30)
    assert after.loss < before.loss
    assert not np.allclose(after.weight_grads.norm, before.weight_grads.norm)


def test_pictures_during_training_come_from_one_run():
    flows = gradient_flow_during_training(
        depth=3, width=16, batch=32, seed=0, lr=0.05, steps=30, every=10
    )
    assert [f.step for f in flows] == [0, 10, 20, 30]
    assert flows[-1].loss < flows[0].loss
    for flow in (flows[0], flows[2]):
        alone = gradient_flow(depth=3, width=16, batch=32, seed=0, lr=0.05, steps=flow.step)
        assert alone.step == flow.step
        np.testing.assert_array_equal(alone.deltas.norm, flow.deltas.norm)


def test_one_hidden_layer_has_no_factor_to_judge():
    flow = gradient_flow(depth=1, width=8, batch=4)
    assert flow.verdict == "healthy" and "one hidden layer" in flow.message
    assert flow.measured_factors.shape == (0,) and np.isnan(flow.measured_factor)


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"depth": 0}, "depth"),
        ({"width": 0}, "width"),
        ({"width": -3}, "width"),
        ({"activation": "rleu"}, "activation"),
        ({"init": "glorot"}, "init"),
        ({"init": -1.0}, "init"),
        ({"batch": 0}, "batch"),
        ({"lr": 0.0}, "lr"),
        ({"steps": -1}, "steps"),
        ({"bins": 0}, "bins"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, named):
    with pytest.raises(ValueError, match=named):
        gradient_flow(**kwargs)


def test_every_must_be_positive():
    with pytest.raises(ValueError, match="every"):
        gradient_flow_during_training(depth=2, width=4, steps=3, every=0)


def test_a_subsampled_histogram_matches_the_full_one():
    # dL/dW of two 256-wide layers has 65,536 entries: binned on a fixed subsample
    flow = gradient_flow(depth=3, width=256, activation="tanh", init="xavier", batch=32, seed=5)
    net, X, Y = build_deep_network(3, 256, "tanh", "xavier", batch=32, seed=5)
    grads = net.gradients(X, Y)
    hist = flow.weight_grads.histograms
    assert hist.examined[1] == HISTOGRAM_SAMPLE < grads.weights[1].size
    np.testing.assert_array_equal(hist.counts.sum(axis=1) + hist.zeros, hist.examined)
    np.testing.assert_allclose(  # norms stay exact over every entry
        flow.weight_grads.norm, [np.linalg.norm(g) for g in grads.weights], rtol=1e-12
    )
    for layer in (1, 2):
        full, _ = np.histogram(np.log10(np.abs(grads.weights[layer])), bins=hist.edges)
        sample_share = hist.counts[layer] / hist.counts[layer].sum()
        full_share = full / full.sum()
        assert np.abs(sample_share - full_share).max() < 0.01  # ≈ 5 standard errors
        assert 0.5 * np.abs(sample_share - full_share).sum() < 0.03  # total variation
    again = gradient_flow(depth=3, width=256, activation="tanh", init="xavier", batch=32, seed=5)
    np.testing.assert_array_equal(again.weight_grads.histograms.counts, hist.counts)


def test_remembered_weights_give_the_fresh_networks_picture():
    config = {"depth": 4, "width": 16, "init": "he", "batch": 8, "seed": 7}
    for activation in ("relu", "tanh"):  # the second call reuses the first one's weights
        net, X, Y = build_deep_network(activation=activation, **config)
        fresh = flow_statistics(net, X, Y)
        remembered = gradient_flow(activation=activation, **config)
        np.testing.assert_array_equal(remembered.deltas.norm, fresh.deltas.norm)
        np.testing.assert_array_equal(remembered.update_ratio, fresh.update_ratio)
    before = gradient_flow(**config)
    trained = gradient_flow(steps=5, lr=0.1, **config)  # training must not touch the shared layers
    after = gradient_flow(**config)
    assert not np.allclose(trained.deltas.norm, before.deltas.norm)
    np.testing.assert_array_equal(after.deltas.norm, before.deltas.norm)
    weights, _ = initial_layers((16, 16, 16, 16, 16, 1), "he", 7)
    assert not weights[0].flags.writeable


def test_switching_he_and_std_rescales_the_remembered_draws_exactly():
    sizes, seed = (16, 16, 16, 1), 9
    standard_draws.cache_clear()
    for init in ("he", 0.3, 0.0, "he"):
        initial_layers.cache_clear()
        weights, biases = initial_layers(sizes, init, seed)
        rng = np.random.default_rng(seed)  # MLP's stream, drawn layer by layer as numpy would
        for W, n_in, n_out in zip(weights, sizes[:-1], sizes[1:], strict=True):
            std = np.sqrt(2 / n_in) if init == "he" else init
            np.testing.assert_array_equal(W, rng.normal(0.0, std, size=(n_in, n_out)))
            assert not W.flags.writeable
        assert all(not b.any() and not b.flags.writeable for b in biases)
    info = standard_draws.cache_info()
    assert (info.misses, info.hits) == (1, 3)  # drawn once, rescaled three times
    initial_layers.cache_clear()
    weights, _ = initial_layers(sizes, "xavier", seed)  # another kind: drawn afresh
    np.testing.assert_array_equal(weights[0], MLP(sizes, init="xavier", seed=seed).weights[0])
    assert standard_draws.cache_info().misses == 2


def test_a_deep_wide_network_over_the_memory_budget_is_refused_before_allocating():
    import tracemalloc

    tracemalloc.start()
    with pytest.raises(ValueError, match=r"\(depth, width, batch\) = \(10000, 10000, 128\)"
                                         r".*memory budget"):
        gradient_flow(depth=10**4, width=10**4)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10**6


def test_the_largest_panel_setting_fits_the_budget():
    from bpwidgets.core.gradflow import _bytes_needed
    from bpwidgets.core.validate import MEMORY_BUDGET

    assert _bytes_needed((512,) + (512,) * 50 + (1,), 256) < MEMORY_BUDGET / 2


def test_exploding_deep_relu_with_training_names_the_divergence_first():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        flow = gradient_flow(depth=20, width=64, activation="relu", init=0.25, batch=64,
                             lr=0.01, steps=20)
    assert flow.verdict == "diverged" and flow.diverged_at == 1
    assert flow.message.startswith("training diverged at step 1: the loss grew from 6.53e+04")
    assert flow.message.index("learning rate 0.01") < flow.message.index("exploding")
    assert "try lr" in flow.message and "nan" not in flow.message
    assert len(flow.losses) == 21 and flow.losses[1] > 1e3 * flow.losses[0]


def test_a_run_that_learns_is_not_called_diverged():
    flow = gradient_flow(depth=3, width=16, batch=32, seed=0, lr=0.05, steps=30)
    assert flow.diverged_at is None and flow.verdict != "diverged"
    assert "diverged" not in flow.message


def _saturated_tanh_net(output_weight):
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(8, 16)) * 20, rng.normal(size=(16, 16)) * 20,
               rng.normal(size=(16, 16)) * 20, np.full((16, 1), output_weight)]
    biases = [np.zeros(16), np.zeros(16), np.zeros(16), np.zeros(1)]
    return MLP.from_weights(weights, biases, activation="tanh")


def test_saturation_and_a_huge_output_gradient_are_told_apart():
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(32, 8)), rng.normal(size=(32, 1))
    saturated = flow_statistics(_saturated_tanh_net(0.1), X, Y)
    assert "saturated" in saturated.message and "output layer" not in saturated.message
    both = flow_statistics(_saturated_tanh_net(1e5), X, Y)
    assert "saturated" in both.message and "output layer's gradient is huge" in both.message
    assert "in layer 4)" in both.message  # the output layer, counted from 1
    relu = gradient_flow(depth=30, width=64, activation="relu", init=3.0, batch=32, seed=0)
    assert "grow" in relu.message and "saturated" not in relu.message


def test_a_continued_run_gives_the_pictures_of_fresh_runs_and_looks_back_up():
    from bpwidgets.core.gradflow import FlowRun

    config = {"depth": 4, "width": 16, "batch": 16, "seed": 3, "lr": 0.05}
    run = FlowRun(**config)
    seen = []
    run.flow_at(3, on_step=lambda step, total, flow: seen.append((step, total, flow.step)))
    assert seen == [(0, 3, 0), (1, 3, 1), (2, 3, 2), (3, 3, 3)]
    later = run.flow_at(7)  # trains steps 4 … 7 only
    assert run.steps_reached == 7
    back = run.flow_at(2)  # a lookup: nothing trained
    assert run.steps_reached == 7
    for steps, flow in ((7, later), (2, back)):
        fresh = gradient_flow(steps=steps, **config)
        np.testing.assert_array_equal(flow.deltas.norm, fresh.deltas.norm)
        np.testing.assert_array_equal(flow.weight_grads.histograms.counts,
                                      fresh.weight_grads.histograms.counts)
        assert flow.message == fresh.message and flow.losses == fresh.losses


def test_a_stopped_run_keeps_its_steps():
    from bpwidgets.core.gradflow import FlowRun

    run = FlowRun(depth=3, width=8, batch=8, lr=0.05)

    def stop_at_two(step, total, flow):
        if step == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run.flow_at(5, on_step=stop_at_two)
    assert run.steps_reached == 2
    np.testing.assert_array_equal(run.flow_at(5).deltas.norm,
                                  gradient_flow(depth=3, width=8, batch=8, lr=0.05,
                                                steps=5).deltas.norm)
