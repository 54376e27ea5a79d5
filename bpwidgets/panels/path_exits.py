"""Notes where a path leaves an axes box, or where a point lies off it, with an arrow its way.

A diverging optimiser run is clipped to the axes (it must not stretch them); these notes say
where it went: "sgd leaves at step 5 →" on the edge it crosses, "start (3, 3) is off the plot ↗"
at the edge nearest an unseen start. Runs that leave near each other share one note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ARROWS = {(1, 0): "→", (1, 1): "↗", (0, 1): "↑", (-1, 1): "↖",
          (-1, 0): "←", (-1, -1): "↙", (0, -1): "↓", (1, -1): "↘"}
MERGE_DISTANCE = 0.35  # exits closer than this share of the box size share a note (a note is
# about a third of the box wide)
INSET = 4.0  # points between a note and the box edge it stands on


@dataclass(frozen=True)
class Exit:
    """Where a path (or a point) meets the box edge: the point, the arrow and what to say."""

    point: tuple[float, float]
    direction: tuple[float, float]
    text: str


def arrow(dx: float, dy: float) -> str:
    """The one of eight arrows nearest to the direction (dx, dy)."""
    octant = int(np.round(np.arctan2(dy, dx) / (np.pi / 4))) % 8
    angle = octant * np.pi / 4
    return ARROWS[(int(np.round(np.cos(angle))), int(np.round(np.sin(angle))))]


def inside(points, xlim, ylim) -> np.ndarray:
    """True for each finite point (row) within the box."""
    points = np.asarray(points, dtype=float)
    with np.errstate(invalid="ignore"):
        return (np.isfinite(points).all(axis=1) & (points[:, 0] >= xlim[0])
                & (points[:, 0] <= xlim[1]) & (points[:, 1] >= ylim[0])
                & (points[:, 1] <= ylim[1]))


def edge_point(start, direction, xlim, ylim) -> np.ndarray:
    """Where the ray from ``start`` (inside the box) along ``direction`` crosses the box edge."""
    start, direction = np.asarray(start, float), np.asarray(direction, float)
    reach = np.inf
    for axis, (low, high) in enumerate((xlim, ylim)):
        if direction[axis] > 0:
            reach = min(reach, (high - start[axis]) / direction[axis])
        elif direction[axis] < 0:
            reach = min(reach, (low - start[axis]) / direction[axis])
    return start + (0.0 if np.isinf(reach) else reach) * direction


def path_exit(path, xlim, ylim) -> tuple[int, np.ndarray, np.ndarray] | None:
    """``(step, edge point, direction)`` where ``path`` first leaves the box (a NaN row — an
    overflow — leaves it too, onward from the last two points); None if it stays inside or
    starts outside."""
    within = inside(path, xlim, ylim)
    if within.all() or not within[0]:
        return None
    step = int(np.argmin(within))
    last = np.asarray(path[step - 1], float)
    after = np.asarray(path[step], float)
    if np.isfinite(after).all():
        direction = after - last
    elif step >= 2 and np.isfinite(path[step - 2]).all():
        direction = last - np.asarray(path[step - 2], float)
    else:
        direction = np.zeros(2)
    scale = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
    return step, edge_point(last, direction, xlim, ylim), direction / scale


def off_plot(point, xlim, ylim) -> tuple[np.ndarray, np.ndarray] | None:
    """``(nearest point on the box, direction to the point)`` for a point off the box, else None."""
    point = np.asarray(point, float)
    if inside(point[np.newaxis], xlim, ylim)[0] or not np.isfinite(point).all():
        return None
    nearest = np.array([np.clip(point[0], *xlim), np.clip(point[1], *ylim)])
    return nearest, np.sign(point - nearest)


def exits(paths: dict, start, xlim, ylim) -> list[Exit]:
    """The notes for named ``paths`` (arrays of points) in the box — runs leaving near each
    other share one — and one for a ``start`` that lies off the box."""
    groups = []  # [names, steps, point, direction]
    scale = np.array([xlim[1] - xlim[0], ylim[1] - ylim[0]])
    for name, path in paths.items():
        leaving = path_exit(path, xlim, ylim)
        if leaving is None:
            continue
        step, point, direction = leaving
        for group in groups:
            if np.all(np.abs(group[2] - point) < MERGE_DISTANCE * scale):
                group[0].append(name)
                group[1].append(step)
                break
        else:
            groups.append([[name], [step], point, direction])
    notes = [Exit(tuple(point), tuple(direction), _leaving_text(names, steps, direction))
             for names, steps, point, direction in groups]
    away = off_plot(start, xlim, ylim)
    if away is not None:
        nearest, direction = away
        notes.append(Exit(tuple(nearest), tuple(direction),
                          f"start ({start[0]:.3g}, {start[1]:.3g}) is off the plot "
                          f"{arrow(*direction)}"))
    return notes


def _leaving_text(names, steps, direction) -> str:
    """"sgd leaves at step 5 ↓"; "sgd, adam" over "leave at steps 2–3 ↓"."""
    low, high = min(steps), max(steps)
    when = f"step {low}" if low == high else f"steps {low}–{high}"
    if len(names) == 1:
        return f"{names[0]} leaves at {when} {arrow(*direction)}"
    return f"{', '.join(names)}\nleave at {when} {arrow(*direction)}"  # narrow axes: two lines


def plain_notes(notes: list[Exit]) -> str:
    """The notes as one line without their arrows (for a picture the arrows do not fit)."""
    texts = [note.text.replace("\n", " ").rstrip(" " + "".join(ARROWS.values()))
             for note in notes]
    return "; ".join(texts)


def alignment(point, xlim, ylim) -> tuple[str, str, tuple[float, float]]:
    """``(ha, va, offset in points)`` that keep a note at ``point`` inside the box, near it."""
    fx = (point[0] - xlim[0]) / (xlim[1] - xlim[0])
    fy = (point[1] - ylim[0]) / (ylim[1] - ylim[0])
    ha = "left" if fx < 1 / 3 else "right" if fx > 2 / 3 else "center"
    va = "bottom" if fy < 1 / 3 else "top" if fy > 2 / 3 else "center"
    inward = {"left": INSET, "bottom": INSET, "right": -INSET, "top": -INSET, "center": 0.0}
    return ha, va, (inward[ha], inward[va])


class ExitNotes:
    """A few text artists in ``ax`` (made once) showing :func:`exits` in place."""

    def __init__(self, ax, count: int, colour: str, fontsize: float = 8):
        self.ax = ax
        self.texts = [ax.annotate("", (0, 0), xytext=(0, 0), textcoords="offset points",
                                  fontsize=fontsize, color=colour, zorder=7, visible=False,
                                  bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": colour,
                                        "alpha": 0.9})
                      for _ in range(count)]

    def show(self, notes: list[Exit]) -> None:
        """Show ``notes`` (at most as many as there are text artists); hide the rest."""
        xlim, ylim = self.ax.get_xlim(), self.ax.get_ylim()
        for index, text in enumerate(self.texts):
            if index >= len(notes):
                text.set_visible(False)
                continue
            note = notes[index]
            ha, va, offset = alignment(note.point, xlim, ylim)
            text.xy, text.xyann = note.point, offset
            text.set(text=note.text, ha=ha, va=va, visible=True)
