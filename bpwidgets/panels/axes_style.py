"""Axis helpers every panel uses: few ticks, fixed label positions, readable log ticks.

Text layout is most of the cost of a redraw, so panel axes get few tick labels and label and
title positions fixed once (matplotlib would otherwise measure the tick labels on every draw).
"""

from __future__ import annotations

import numpy as np
from matplotlib import ticker
from matplotlib.transforms import ScaledTranslation

NICE_STEPS = [1, 2, 2.5, 5, 10]  # tick spacings a reader takes in at a glance


def nice_locator(nbins: int = 5, integer: bool = False) -> ticker.MaxNLocator:
    """At most ``nbins`` ticks at 1-2-2.5-5 spacings (whole numbers only if ``integer``)."""
    return ticker.MaxNLocator(nbins, steps=NICE_STEPS, integer=integer)


def lean_axes(ax, x_locator, y_locator=None, *, label_drop=0.30, label_left=0.45) -> None:
    """Few ticks and fixed label/title positions: text layout is most of a redraw's cost.

    ``y_locator`` applies to a linear y axis only; labels sit ``label_drop`` inches below and
    ``label_left`` inches left of the axes.
    """
    ax.xaxis.set_major_locator(x_locator)
    if y_locator is not None and ax.get_yscale() == "linear":
        ax.yaxis.set_major_locator(y_locator)
    inches = ax.figure.dpi_scale_trans
    ax.xaxis.set_label_coords(0.5, 0, ax.transAxes + ScaledTranslation(0, -label_drop, inches))
    ax.yaxis.set_label_coords(0, 0.5, ax.transAxes + ScaledTranslation(-label_left, 0, inches))
    ax.title.set_y(1.0)
    ax.tick_params(labelsize=8)


def log_ticks(axis, low: float, high: float) -> None:
    """At most about six labelled ticks on a log axis: 1-2-5 or 1-3 steps over few decades."""
    decades = np.log10(high / low)
    if decades <= 3:
        subs = (1.0, 2.0, 5.0) if decades <= 1.5 else (1.0, 3.0)
        axis.set_major_locator(ticker.LogLocator(subs=subs))
        axis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    else:
        axis.set_major_locator(ticker.LogLocator(numticks=6))
        axis.set_major_formatter(ticker.LogFormatterSciNotation())
