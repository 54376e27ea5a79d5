"""Put a legend (or a note) in the corner of its axes where it covers the least data.

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
NOTE_CORNERS = {"upper right": (0.98, 0.97, "right", "top"),
                "upper left": (0.02, 0.97, "left", "top"),
                "lower left": (0.02, 0.03, "left", "bottom"),
                "lower right": (0.98, 0.03, "right", "bottom")}


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


def _least_covered(corners, place, artist, lines, texts) -> str:
    """Try ``place(corner)`` for each corner, keep the one where ``artist`` covers least."""
    renderer = artist.figure.canvas.get_renderer()
    costs = []
    for corner in corners:
        place(corner)
        costs.append(covered(artist.get_window_extent(renderer), lines, texts, renderer))
    best = corners[int(np.argmin(costs))]
    place(best)
    return best


def emptiest_corner(legend, lines, texts=()) -> str:
    """Move ``legend`` to the corner of its axes covering the least of ``lines`` and ``texts``
    (the first of :data:`CORNERS` on a tie) and return that corner's name."""
    return _least_covered(CORNERS, legend.set_loc, legend, lines, texts)


def note_to_emptiest_corner(note, lines, texts=()) -> str:
    """Move the text ``note`` (in its axes' coordinates) to the inside corner covering the
    least of ``lines`` and ``texts`` and return that corner's name."""
    def place(corner):
        x, y, ha, va = NOTE_CORNERS[corner]
        note.set(position=(x, y), ha=ha, va=va)
    return _least_covered(CORNERS, place, note, lines, texts)
