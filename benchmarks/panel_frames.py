"""One panel frame timed: a control change redrawn by the panel, or by a naive full rebuild.

Shared by the panel benchmarks (run as ``python benchmarks/<name>.py``, so this folder is on
``sys.path``).
"""

from __future__ import annotations

import io
import time

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
    return panel.image.value


def timed(action) -> tuple[float, float]:
    """Wall-clock and process CPU milliseconds of one call of ``action()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3
