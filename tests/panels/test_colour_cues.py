"""Colour is never the only cue: curves that mean different things differ in line style or
marker too, so a reader who cannot tell the colours apart still tells the curves apart."""

from __future__ import annotations

import pytest

import bpwidgets.panels as panels
from bpwidgets.panel_registry import PANELS

# Panels whose curves still differ only in colour, with why (strict xfail: fixing one fails it).
COLOUR_ONLY_TODAY: dict[str, str] = {}  # none left (issue 16's figure fixes gave each curve
# a line style or marker)
# Settings that put several curves in one axes.
BUSY_STATE = {"LossSurfacePanel": {"optimizer": ["sgd", "momentum", "nesterov", "adam"],
                                   "view": "both"}}


def colour_only_curves(panel) -> list[str]:
    """Curves (visible lines of 2+ points) in one axes with the same style and marker but
    different colours."""
    found = []
    for axes in panel.figure.axes:
        by_style: dict[tuple, list] = {}
        for line in axes.get_lines():
            if line.get_visible() and len(line.get_xdata()) > 1:
                key = (line.get_linestyle(), line.get_marker(), line.get_linewidth())
                by_style.setdefault(key, []).append(line)
        for key, lines in by_style.items():
            colours = {str(line.get_color()) for line in lines}
            if len(colours) > 1:
                names = ", ".join(line.get_label() for line in lines)
                found.append(f"{axes.get_title() or axes.get_ylabel()}: {names} ({key})")
    return found


@pytest.mark.parametrize("name", [
    pytest.param(name, marks=pytest.mark.xfail(reason=COLOUR_ONLY_TODAY[name], strict=True))
    if name in COLOUR_ONLY_TODAY else name for name in PANELS.values()])
def test_curves_differ_by_more_than_colour(name):
    panel = getattr(panels, name)(**BUSY_STATE.get(name, {}))
    if name == "PlaygroundPanel":  # train, so its loss curves have points
        panel.step(20)
    panel.wait()
    assert colour_only_curves(panel) == []
    panel.close()


def test_playground_classes_differ_by_fill_not_only_by_colour():
    panel = panels.PlaygroundPanel()
    panel.wait()
    white = (1.0, 1.0, 1.0, 1.0)
    for points, labels in ((panel.train_points, panel.y_train), (panel.test_points, panel.y_test)):
        faces = [tuple(face) for face in points.get_facecolors()]
        hollow = [face == white for face in faces]
        assert set(labels.tolist()) == {0, 1}
        assert hollow == [label == 0 for label in labels.tolist()]  # class 0 rings, class 1 discs
    panel.close()
