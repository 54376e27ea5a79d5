"""LossSurfacePanel at extreme states: colours over what is shown, runs clipped and noted where
they leave, legends and 3-D labels that cover nothing."""

from __future__ import annotations

import numpy as np
import pytest

from bpwidgets.panels.loss_surface import MODES, LossSurfacePanel
from bpwidgets.panels.path_exits import inside
from tests.panels.figure_boxes import display_points, drawn_text_boxes, extent

ALL = ("sgd", "momentum", "nesterov", "adam")
EXTREME = {  # lr at its maximum, the longest runs, starts in the corners
    "saddle corner": {"mode": "saddle", "lr": 10.0, "steps": 300, "start_x": 3.0,
                      "start_y": -3.0, "optimizer": ALL},
    "saddle inside": {"mode": "saddle", "lr": 1.0, "steps": 300, "start_x": 1.5,
                      "start_y": -0.2, "optimizer": ALL, "view": "both"},
    "quadratic corner": {"mode": "quadratic", "lr": 10.0, "steps": 300, "start_x": -3.0,
                         "start_y": -3.0, "lambda1": 100.0, "lambda2": 100.0, "optimizer": ALL},
    "rosenbrock corner": {"mode": "rosenbrock", "lr": 10.0, "steps": 300, "start_x": 3.0,
                          "start_y": 3.0, "optimizer": ALL, "view": "both"},
    "regression corner": {"mode": "linear_regression", "lr": 10.0, "steps": 300,
                          "start_x": 3.0, "start_y": -3.0, "optimizer": ALL},
    "regression default": {"mode": "linear_regression", "optimizer": ALL},
    "quadratic default": {"optimizer": ALL},
}


def rendered(**state) -> LossSurfacePanel:
    panel = LossSurfacePanel(**state)
    panel.render_png()
    assert panel.error == ""
    return panel


def shown_notes(panel):
    return [text for text in panel.exit_notes.texts if text.get_visible()]


def test_saddle_colours_spread_over_the_visible_range():
    panel = rendered(mode="saddle")
    values = panel._drawn_landscape.values
    levels = np.asarray(panel._contour.levels)
    assert levels[0] == pytest.approx(values.min()) and levels[-1] == pytest.approx(values.max())
    shares = np.histogram(values, levels)[0] / values.size
    # evenly spaced levels: no band takes more than a fifth of the picture, none is empty
    assert shares.max() < 0.2 and shares.min() > 0.0


def test_surfaces_with_a_minimum_keep_levels_fine_near_it():
    panel = rendered(mode="rosenbrock")
    values = panel._drawn_landscape.values
    levels = np.asarray(panel._contour.levels)
    steps = np.diff(levels)
    assert levels[0] == pytest.approx(values.min()) and levels[-1] == pytest.approx(values.max())
    assert steps[0] < steps[-1] / 100  # log-spaced above the minimum


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_runs_are_clipped_to_fixed_axes(name):
    panel = rendered(**EXTREME[name])
    landscape = panel._drawn_landscape
    ax = panel.ax_contour
    assert ax.get_xlim() == (landscape.xs[0], landscape.xs[-1])
    assert ax.get_ylim() == (landscape.ys[0], landscape.ys[-1])
    for line in (*panel.path_lines.values(), *panel.path_points.values()):
        assert line.get_clip_on() and line.get_clip_box().bounds == ax.bbox.bounds


def test_a_run_that_leaves_the_plot_is_noted_on_its_edge():
    panel = rendered(mode="saddle", lr=1.0, steps=40, start_x=1.5, start_y=-0.2)
    run = panel.compute().runs[0]
    xlim, ylim = panel.ax_contour.get_xlim(), panel.ax_contour.get_ylim()
    step = int(np.argmin(inside(run.path, xlim, ylim)))
    assert step > 0
    (note,) = shown_notes(panel)
    assert note.get_text() == f"sgd leaves at step {step} ↓"  # the saddle falls away along y
    assert extent(panel.ax_contour).contains(*extent(note).p0)
    assert extent(panel.ax_contour).contains(*extent(note).p1)


def test_runs_leaving_together_share_one_note_and_an_unseen_start_is_noted():
    panel = rendered(**EXTREME["saddle corner"])
    texts = [note.get_text() for note in shown_notes(panel)]
    assert texts == ["start (3, -3) is off the plot ↘"]  # every run starts off the plot
    panel.controls["start_x"].value = 0.5
    panel.controls["start_y"].value = 0.5
    xlim, ylim = panel.ax_contour.get_xlim(), panel.ax_contour.get_ylim()
    steps = {int(np.argmin(inside(run.path, xlim, ylim))) for run in panel.compute().runs}
    assert len(steps) == 1  # at lr 10 every optimiser jumps off the plot at the same step
    texts = [note.get_text() for note in shown_notes(panel)]
    assert len(texts) == 1 and texts[0].startswith(f"{', '.join(ALL)}\nleave at step {steps.pop()} ")


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_the_contour_legend_covers_no_run_and_no_note(name):
    panel = rendered(**EXTREME[name])
    box = extent(panel.contour_legend)
    ax_box = extent(panel.ax_contour)
    for line in (*panel.path_lines.values(), *panel.path_points.values(), panel.start_marker):
        points = display_points(line)
        points = points[[ax_box.contains(*point) for point in points]] if len(points) else points
        assert not box.count_contains(points), (name, line.get_label())
    for note in shown_notes(panel):
        assert not box.overlaps(extent(note))


def test_the_straight_line_goes_through_a_run_that_moved():
    panel = rendered(**EXTREME["rosenbrock corner"])
    runs = {run.optimizer: run for run in panel.compute().runs}
    assert runs["sgd"].diverged_at == 1  # lr 10 throws sgd off at once: its line is a point
    moved = next(name for name in ALL if runs[name].diverged_at is None)
    assert panel.ax_line.get_xlabel().endswith(f"end of the {moved} run)")
    values = panel.line_curve.get_ydata()
    assert np.ptp(values) > 0


@pytest.mark.parametrize("view", ["3d", "both"])
@pytest.mark.parametrize("mode", sorted(MODES))
def test_3d_axis_labels_are_clear_of_tick_labels(mode, view):
    panel = rendered(mode=mode, view=view)
    boxes = drawn_text_boxes(panel.figure)
    axes3d = (panel.ax_3d.xaxis, panel.ax_3d.yaxis, panel.ax_3d.zaxis)
    ticks = [boxes[tick.label1] for axis in axes3d for tick in axis.majorTicks
             if tick.label1 in boxes]
    assert len(ticks) >= 6
    for axis in axes3d:
        label = boxes[axis.label]
        assert panel.figure.bbox.contains(*label.p0) and panel.figure.bbox.contains(*label.p1)
        assert not any(label.overlaps(tick) for tick in ticks), axis.label.get_text()
    for index, tick in enumerate(ticks):  # the front corner shows one tick label, not two
        assert not any(tick.overlaps(other) for other in ticks[index + 1:])
    right = [box for text, box in boxes.items() if text.axes in (panel.ax_loss, panel.ax_line)]
    for axis in axes3d:
        assert not any(boxes[axis.label].overlaps(box) for box in right)


@pytest.mark.parametrize("name", sorted(EXTREME))
def test_exit_notes_stay_inside_the_axes_and_do_not_cover_each_other(name):
    panel = rendered(**EXTREME[name])
    boxes = [extent(note) for note in shown_notes(panel)]
    ax_box = extent(panel.ax_contour)
    assert all(ax_box.contains(*box.p0) and ax_box.contains(*box.p1) for box in boxes)
    for index, box in enumerate(boxes):
        assert not any(box.overlaps(other) for other in boxes[index + 1:])


def test_the_3d_view_alone_says_in_words_where_runs_went():
    panel = rendered(**{**EXTREME["saddle corner"], "view": "3d"})
    assert not shown_notes(panel)
    assert panel.note_3d.get_text() == "start (3, -3) is off the plot"
    panel.controls["view"].value = "contour"
    assert panel.note_3d.get_text() == ""
    assert [note.get_text() for note in shown_notes(panel)] == ["start (3, -3) is off the plot ↘"]
