"""Put a legend (or a note) in the corner of its axes where it covers the least data.

Matplotlib's ``loc="best"`` does this among nine places at every draw, but which artists it
weighs differs between versions (texts and markers are not all counted); here the caller names
what must stay visible — lines (their points and segments) and notes. The box is measured once
and moved to each corner by arithmetic: a text layout per corner would cost more than the
rest of a redraw's bookkeeping.
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path
from matplotlib.transforms import Bbox

CORNERS = ("upper right", "upper left", "lower left", "lower right")
MARGIN = 4.0  # pixels around the box that count as covered (a marker's radius)
TEXT_WEIGHT = 1000  # covering a note is worse than covering any number of points
NOTE_CORNERS = {"upper right": (0.98, 0.97, "right", "top"),
                "upper left": (0.02, 0.97, "left", "top"),
                "lower left": (0.02, 0.03, "left", "bottom"),
                "lower right": (0.98, 0.03, "right", "bottom")}
_SHARE = {"left": 0.0, "bottom": 0.0, "center": 0.5, "center_baseline": 0.5, "baseline": 0.0,
          "right": 1.0, "top": 1.0}


def line_points(lines) -> list:
    """The finite points of each visible line in display pixels (lines without any left out)."""
    found = []
    for line in lines:
        if line.get_visible():
            points = line.get_transform().transform(np.asarray(line.get_xydata(), float))
            points = points[np.isfinite(points).all(axis=1)]
            if len(points):
                found.append(points)
    return found


def covered(box, point_sets, obstacles) -> int:
    """How much of the lines (``point_sets`` from :func:`line_points`: points and segments)
    and of the ``obstacles`` (boxes of notes) the display ``box`` covers; an obstacle counts as
    :data:`TEXT_WEIGHT` points."""
    box = box.padded(MARGIN)
    count = TEXT_WEIGHT * sum(bool(box.overlaps(other)) for other in obstacles)
    for points in point_sets:
        count += int(box.count_contains(points))
        if len(points) > 1:
            count += int(Path(points).intersects_bbox(box, filled=False))
    return count


def text_boxes(texts, renderer) -> list:
    """Display boxes of the visible, non-empty ``texts``."""
    return [text.get_window_extent(renderer) for text in texts
            if text.get_visible() and text.get_text()]


def _cheapest(candidates: dict, lines, obstacles) -> str:
    """The name of the candidate box covering least (the first on a tie)."""
    point_sets = line_points(lines)
    costs = [covered(box, point_sets, obstacles) for box in candidates.values()]
    return list(candidates)[int(np.argmin(costs))]


def legend_corners(legend, renderer) -> dict:
    """The display box ``legend`` would have in each corner of its axes."""
    box = legend.get_window_extent(renderer)
    width, height = box.width, box.height
    pad = legend.borderaxespad * renderer.points_to_pixels(legend.prop.get_size_in_points())
    area = legend.axes.bbox
    corners = {}
    for corner in CORNERS:
        x0 = area.x0 + pad if "left" in corner else area.x1 - pad - width
        y0 = area.y0 + pad if "lower" in corner else area.y1 - pad - height
        corners[corner] = Bbox.from_bounds(x0, y0, width, height)
    return corners


def emptiest_corner(legend, lines, texts=()) -> str:
    """Move ``legend`` to the corner of its axes covering the least of ``lines`` and ``texts``
    (the first of :data:`CORNERS` on a tie) and return that corner's name."""
    renderer = legend.figure.canvas.get_renderer()
    best = _cheapest(legend_corners(legend, renderer), lines, text_boxes(texts, renderer))
    legend.set_loc(best)
    return best


def note_corners(note, renderer) -> dict:
    """The display box the text ``note`` (in axes coordinates) would have in each corner."""
    box = note.get_window_extent(renderer)
    corners = {}
    for corner, (x, y, ha, va) in NOTE_CORNERS.items():
        px, py = note.axes.transAxes.transform((x, y))
        corners[corner] = Bbox.from_bounds(px - _SHARE[ha] * box.width,
                                           py - _SHARE[va] * box.height, box.width, box.height)
    return corners


def note_to_emptiest_corner(note, lines, texts=()) -> str:
    """Move the text ``note`` (in its axes' coordinates) to the inside corner covering the
    least of ``lines`` and ``texts`` and return that corner's name."""
    renderer = note.figure.canvas.get_renderer()
    best = _cheapest(note_corners(note, renderer), lines, text_boxes(texts, renderer))
    x, y, ha, va = NOTE_CORNERS[best]
    note.set(position=(x, y), ha=ha, va=va)
    return best
