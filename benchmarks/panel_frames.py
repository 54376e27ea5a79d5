"""Panel frames timed: a control change redrawn by the panel, or by a naive full rebuild.

Shared by the panel benchmarks (run as ``python benchmarks/<name>.py``, so this folder is on
``sys.path``).
"""

from __future__ import annotations

import io
import itertools
import time

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def naive_png(panel) -> bytes:
    """Rebuild the panel's figure and every artist from scratch, then savefig: the baseline."""
    figure = Figure(figsize=panel.figure.get_size_inches(), dpi=panel.dpi)
    FigureCanvasAgg(figure)
    panel.figure = figure
    panel.setup_figure(figure)
    panel.draw(panel.compute())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=panel.dpi)
    return buffer.getvalue()


def set_control(panel, control, value) -> bytes:
    """Set one control (the panel recomputes and redraws) and return the new PNG."""
    panel.controls[control].value = value
    panel.wait()  # a long update finishes on the panel's worker
    return panel.image.value


def timed(action) -> tuple[float, float]:
    """Wall-clock and process CPU milliseconds of one call of ``action()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def measure(make, control, values, repeat: int, before_each=None):
    """Per-frame (wall ms, cpu ms) for the panel and for the naive rebuild, interleaved.

    ``before_each(control)``, if given, runs before each timed side (e.g. to clear caches so
    neither side reuses the other's work).
    """
    panel, naive_panel = make(), make()
    cycle = itertools.cycle(values)
    fast, slow = [], []
    for _ in range(repeat):
        value = next(cycle)
        naive_panel.controls[control].value = value  # sets the state (its own redraw not timed)
        if before_each:
            before_each(control)
        slow.append(timed(lambda: naive_png(naive_panel)))
        if before_each:
            before_each(control)
        fast.append(timed(lambda value=value: set_control(panel, control, value)))
        assert panel.error == "", panel.error
    return np.array(fast), np.array(slow)
