"""GradientFlowPanel: every control redraws and plots the core's numbers; verdicts; overflow."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpwidgets.core.gradflow import gradient_flow
from bpwidgets.panels.gradient_flow import GradientFlowPanel, predicted_norms, shown_layers

SMALL = {"depth": 6, "width": 16, "batch": 16}


def core_flow(state):
    """The core's GradientFlow for a panel state, computed independently of the panel."""
    init = state["std"] if state["init"] == "normal" else state["init"]
    return gradient_flow(depth=state["depth"], width=state["width"],
                         activation=state["activation"], init=init, batch=state["batch"],
                         seed=state["seed"], lr=state["lr"], steps=state["steps"])


def assert_plots_core(panel):
    """The norm lines and density curves hold exactly the core's numbers for the panel's state."""
    flow = core_flow(panel.state)
    layers = np.arange(1, panel.state["depth"] + 2)
    np.testing.assert_array_equal(panel.delta_line.get_xdata(), layers)
    np.testing.assert_array_equal(panel.delta_line.get_ydata(), flow.deltas.norm)
    np.testing.assert_array_equal(panel.weight_line.get_ydata(), flow.weight_grads.norm)
    first = shown_layers(panel.state["depth"])[0]
    counts = flow.activations.histograms.counts[first - 1]
    density = panel.activation_curves[0].get_ydata()
    widths = np.diff(flow.activations.histograms.edges)
    np.testing.assert_allclose(density * widths * counts.sum(), counts, atol=1e-9)
    assert panel.flow.verdict == flow.verdict


# control -> (preparation, new value); the preparation makes the control matter
CONTROL_CHANGES = {
    "depth": ({}, 9),
    "width": ({}, 32),
    "activation": ({}, "relu"),
    "init": ({}, "xavier"),
    "std": ({"init": "normal"}, 0.3),
    "batch": ({}, 40),
    "seed": ({}, 3),
    "steps": ({}, 5),
    "lr": ({"steps": 5}, 0.3),
}


def test_every_control_is_covered():
    assert set(CONTROL_CHANGES) == set(GradientFlowPanel(**SMALL).controls)


@pytest.mark.parametrize("name", sorted(CONTROL_CHANGES))
def test_each_control_changes_the_png_and_the_plotted_core_data(name):
    preparation, value = CONTROL_CHANGES[name]
    panel = GradientFlowPanel(**SMALL, **preparation)
    before = panel.render_png()
    panel.controls[name].value = value
    assert panel.error == ""
    assert panel.state[name] == value
    assert panel.render_png() != before
    assert_plots_core(panel)


def test_state_round_trip_gives_the_same_png():
    panel = GradientFlowPanel(**SMALL)
    with panel.hold():
        panel.controls["activation"].value = "softsign"
        panel.controls["init"].value = "normal"
        panel.controls["std"].value = 0.5
        panel.controls["steps"].value = 3
    restored = GradientFlowPanel(**panel.state)
    assert restored.state == panel.state
    assert restored.render_png() == panel.render_png()


def test_std_control_is_shown_only_for_the_normal_init():
    panel = GradientFlowPanel(**SMALL)
    assert panel.controls["std"].layout.display == "none"
    panel.controls["init"].value = "normal"
    assert panel.controls["std"].layout.display != "none"


def test_a_failing_computation_appears_in_the_error_line_and_the_panel_recovers(monkeypatch):
    import bpwidgets.panels.gradient_flow as module

    panel = GradientFlowPanel(**SMALL)
    picture = panel.render_png()

    def broken(**kwargs):
        raise ValueError("depth must be a whole number >= 1; got 0")

    monkeypatch.setattr(module, "gradient_flow", broken)
    panel.controls["depth"].value = 7
    assert "depth must be a whole number" in panel.error
    assert "depth must be a whole number" in panel.error_line.value
    assert panel.render_png() == picture
    monkeypatch.undo()
    panel.controls["depth"].value = 8
    assert panel.error == ""
    assert_plots_core(panel)


@pytest.mark.parametrize(("init", "verdict"), [("standard", "vanishing"), ("xavier", "healthy")])
def test_tanh_at_depth_20_is_vanishing_with_standard_and_healthy_with_xavier(init, verdict):
    panel = GradientFlowPanel(depth=20, width=64, activation="tanh", init=init, batch=64)
    assert panel.flow.verdict == verdict
    assert verdict in panel.verdict.get_text()
    assert panel.caption_text.startswith(verdict)
    norms = panel.delta_line.get_ydata()
    ratio = norms[0] / norms[-2]  # first hidden layer against the last hidden layer
    assert ratio < 1e-3 if verdict == "vanishing" else ratio > 1e-2


def test_linear_prediction_matches_a_linear_network():
    """With f' = 1 the measured ‖δ‖ follows the √(n·Var W) prediction within a factor of 2."""
    panel = GradientFlowPanel(depth=12, width=128, activation="linear", init="xavier", batch=64)
    measured = panel.delta_line.get_ydata()[:-1]
    predicted = panel.predicted_line.get_ydata()[:-1]
    assert np.all(np.abs(np.log(measured / predicted)) < np.log(2))


def test_predicted_norms_multiply_by_the_square_root_of_each_gain():
    norms = np.array([0.0, 0.0, 2.0, 5.0])  # only the last hidden layer's norm anchors it
    predicted = predicted_norms(norms, np.array([4.0, 9.0]))
    np.testing.assert_allclose(predicted[:3], [2.0 * 3.0 * 2.0, 2.0 * 3.0, 2.0])
    assert np.isnan(predicted[3])


def test_exploding_relu_depth_50_has_no_exception_and_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # A dependency's own deprecation notice (e.g. Matplotlib < 3.11 calling pyparsing's
        # parseString) is not this panel's numeric warning.
        warnings.simplefilter("ignore", DeprecationWarning)
        panel = GradientFlowPanel(depth=50, width=64, activation="relu", init="normal",
                                  std=1.0, batch=16)
        assert panel.error == ""
        assert panel.flow.verdict == "exploding"
        assert "exploding" in panel.verdict.get_text()
        panel.controls["steps"].value = 2  # one SGD step with gradients ~1e40 overflows
        assert panel.error == ""
    assert not panel.flow.finite
    assert len(panel.overflow_markers.get_xdata()) > 0
    assert panel.overflow_text.get_visible()
    assert "overflowed" in panel.overflow_text.get_text()
    assert "overflow" in panel.verdict.get_text()
    assert panel.render_png().startswith(b"\x89PNG")


def test_histograms_show_at_most_six_layers_at_depth_50():
    panel = GradientFlowPanel(depth=50, width=16, batch=16)
    visible = [curve for curve in panel.gradient_curves if curve.get_visible()]
    assert len(visible) == 6
    assert [c.get_label() for c in visible][0] == "layer 1"
    assert [c.get_label() for c in visible][-1] == "layer 50"


def test_export_grid_is_small_enough_for_a_static_page():
    grid = GradientFlowPanel(**SMALL).export_grid()
    assert set(grid) <= set(GradientFlowPanel(**SMALL).controls)
    assert np.prod([len(values) for values in grid.values()]) <= 27


def test_the_shared_flow_cache_hands_out_read_only_arrays():
    """A remembered GradientFlow is shared by every panel: its arrays cannot be changed."""
    from bpwidgets.panels.gradient_flow import cached_flow

    panel = GradientFlowPanel(**SMALL)
    assert not panel.flow.deltas.norm.flags.writeable
    assert not panel.flow.activations.histograms.counts.flags.writeable
    assert cached_flow.cache_info().currsize >= 1 and cached_flow.cache_info().nbytes > 0
