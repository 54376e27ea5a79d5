"""Where a drawn figure's texts and lines are, in display pixels, for layout tests."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.text import Text


def drawn_text_boxes(figure) -> dict:
    """Every text drawn in a fresh draw of ``figure`` with its box in display pixels, taken as
    it is drawn (a 3-D axis moves its tick labels during the draw)."""
    boxes = {}
    original = Text.draw

    def record(text, renderer):
        original(text, renderer)
        if text.get_visible() and text.get_text():
            boxes[text] = text.get_window_extent(renderer)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Text, "draw", record)
        figure.canvas.draw()
    return boxes


def display_points(line) -> np.ndarray:
    """A line's finite points in display pixels."""
    points = line.get_transform().transform(np.asarray(line.get_xydata(), float))
    return points[np.isfinite(points).all(axis=1)]


def extent(artist):
    """An artist's box in display pixels as last drawn."""
    return artist.get_window_extent(artist.figure.canvas.get_renderer())


def points_inside(box, line, margin: float = 0.0) -> int:
    """How many of ``line``'s points lie in ``box`` (grown by ``margin`` pixels)."""
    points = display_points(line)
    return int(box.padded(margin).count_contains(points)) if len(points) else 0
