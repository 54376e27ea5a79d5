"""Put a legend in the corner of its axes where it covers the least data.

Matplotlib's ``loc="best"`` does this among nine places at every draw, but which artists it
weighs differs between versions (texts and markers are not all counted); here the caller names
what must stay visible — lines (their points and segments) and notes — and the legend moves
only when the data changes.
"""

from __future__ import annotations

import numpy as np
from matplotlib.path import Path

CORNERS = ("upper right", "upper left", "lower left", "lower right")
MARGIN = 4.0  # pixels around the legend that count as covered (a marker's radius)
TEXT_WEIGHT = 1000  # covering a note is worse than covering any number of points


def covered(box, lines, texts, renderer) -> int:
    """How much of ``lines`` (visible points and segments) and ``texts`` the display ``box``
    covers; a covered text counts as :data:`TEXT_WEIGHT` points."""
    box = box.padded(MARGIN)
    count = 0
    for line in lines:
        if not line.get_visible():
            continue
        points = line.get_transform().transform(np.asarray(line.get_xydata(), float))
        points = points[np.isfinite(points).all(axis=1)]
        if len(points) == 0:
            continue
        count += int(box.count_contains(points))
        if len(points) > 1:
            count += int(Path(points).intersects_bbox(box, filled=False))
    for text in texts:
        if text.get_visible() and text.get_text():
            count += TEXT_WEIGHT * int(box.overlaps(text.get_window_extent(renderer)))
    return count


def emptiest_corner(legend, lines, texts=()) -> str:
    """Move ``legend`` to the corner of its axes covering the least of ``lines`` and ``texts``
    (the first of :data:`CORNERS` on a tie) and return that corner's name."""
    renderer = legend.figure.canvas.get_renderer()
    costs = []
    for corner in CORNERS:
        legend.set_loc(corner)
        costs.append(covered(legend.get_window_extent(renderer), lines, texts, renderer))
    best = CORNERS[int(np.argmin(costs))]
    legend.set_loc(best)
    return best
