"""Legends and notes never cover data: outside the axes or in the emptiest corner, at extreme
states of the gradient-flow and playground panels."""

from __future__ import annotations

import numpy as np
import pytest

from bpwidgets.panels.gradient_flow import GradientFlowPanel
from bpwidgets.panels.playground import PlaygroundPanel
from tests.panels.figure_boxes import drawn_text_boxes, extent, points_inside

FLOWS = {
    "tanh saturated": {"depth": 20, "init": "normal", "std": 3.16},
    "relu deep": {"depth": 50, "activation": "relu", "init": "he"},
    "default": {},
}


def flow_panel(state) -> GradientFlowPanel:
    panel = GradientFlowPanel(**state)
    panel.render_png()
    assert panel.error == ""
    return panel


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_the_off_scale_note_covers_no_norm_curve(name):
    panel = flow_panel(FLOWS[name])
    note = panel.offscale_note
    if name != "default":  # the linear-regime prediction leaves these axes
        assert note.get_text().startswith(("↑ prediction off the scale", "↓ prediction"))
    if note.get_text():
        box = extent(note)
        for line in (panel.delta_line, panel.weight_line, panel.corrected_line):
            assert points_inside(box, line, margin=3) == 0, line.get_label()


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_the_saturation_rule_and_the_layer_legend_lie_outside_every_axes(name):
    panel = flow_panel(FLOWS[name])
    boxes = drawn_text_boxes(panel.figure)
    axes = [extent(ax) for ax in panel.figure.axes]
    legend = extent(panel.layer_legend)
    assert not any(legend.overlaps(box) for box in axes)
    rule = panel.saturation_note
    if rule.get_text():
        assert not any(boxes[rule].overlaps(box) for box in axes)
        others = [box for text, box in boxes.items() if text is not rule]
        assert not any(boxes[rule].overlaps(box) for box in others)


def test_the_playground_loss_legend_sits_beside_the_x_label_not_on_the_curves():
    panel = PlaygroundPanel(lr=3.0)  # at the largest lr the loss jumps over the whole axes
    panel.step(40)
    panel.render_png()
    boxes = drawn_text_boxes(panel.figure)
    legend = extent(panel.loss_legend)
    assert not legend.overlaps(extent(panel.ax_loss))
    legend_texts = set(panel.loss_legend.get_texts())
    others = [box for text, box in boxes.items() if text not in legend_texts]
    assert not any(legend.overlaps(box) for box in others)
    assert min(text.get_fontsize() for text in legend_texts) >= 8


@pytest.mark.parametrize("state", [
    {"depth": 10, "init": "normal", "std": 1.78, "steps": 20, "lr": 0.1},  # diverges: 4 lines
    {},
])
def test_the_verdict_covers_no_legend_title_or_axes(state):
    panel = flow_panel(state)
    boxes = drawn_text_boxes(panel.figure)
    verdict = boxes[panel.verdict]
    assert not verdict.overlaps(extent(panel.norms_legend))
    assert not any(verdict.overlaps(extent(ax)) for ax in panel.figure.axes)
    others = [box for text, box in boxes.items() if text is not panel.verdict]
    assert not any(verdict.overlaps(box) for box in others)
    if state:
        assert panel.verdict.get_text().startswith("Training diverged")
        assert panel.verdict.get_text().count("\n") >= 3


def test_the_norm_axis_follows_the_measured_curves_and_notes_the_prediction_beyond_it():
    panel = flow_panel(FLOWS["relu deep"])
    measured = np.concatenate([panel.delta_line.get_ydata(), panel.weight_line.get_ydata()])
    predicted = np.asarray(panel.predicted_line.get_ydata(), float)
    low, high = panel.ax_norms.get_ylim()
    assert low <= np.nanmin(measured) and np.nanmax(measured) <= high <= 10 * np.nanmax(measured)
    worst = int(np.nanargmax(predicted))
    assert predicted[worst] > high  # the prediction does not stretch the axis …
    assert panel.offscale_note.get_text() == (  # … a note says how far off it goes
        f"↑ prediction off the scale: {predicted[worst]:.1e} at layer {worst + 1}")


def test_an_empty_saturation_axis_says_why_in_its_middle():
    panel = flow_panel({"depth": 20, "activation": "sigmoid"})
    assert not np.any(panel.saturation_bars.get_data().values > 0)
    empty = panel.saturation_empty
    assert empty.get_text().startswith("No saturated units in any layer")
    assert empty.get_position() == (0.5, 0.5) and empty.get_transform() == panel.ax_saturation.transAxes
    assert panel.saturation_note.get_text() == ""
