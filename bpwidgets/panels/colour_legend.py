"""A light colour bar: a gradient strip with three numbers, updated in place.

Matplotlib's ``Colorbar`` re-runs its tick locator and formatter and rebuilds tick labels on
every draw, which costs more than the rest of a small panel. A legend here is an image strip
(``imshow``) plus three text artists (low, middle, high) and a label, all made once; ``update``
only changes their data and strings.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps

_STRIP = np.linspace(0.0, 1.0, 256)[:, np.newaxis]  # bottom (low) to top (high)


class ColourLegend:
    """A vertical colour strip at ``rect`` (figure fraction) labelled with low, middle, high."""

    def __init__(self, figure, rect, cmap: str, label: str = "", fontsize: float = 8.5):
        self.ax = figure.add_axes(rect)
        self.ax.set_axis_off()
        self.strip = self.ax.imshow(_STRIP, cmap=cmap, aspect="auto", origin="lower",
                                    extent=(0, 1, 0, 1), vmin=0.0, vmax=1.0)
        self.ax.set_xlim(0, 1)
        self.ax.set_ylim(0, 1)
        self.numbers = [self.ax.text(1.25, y, "", va=va, ha="left", fontsize=fontsize,
                                     transform=self.ax.transAxes)
                        for y, va in ((0, "bottom"), (0.5, "center"), (1, "top"))]
        self.label = self.ax.text(-0.5, 0.5, label, rotation=90, ha="right", va="center",
                                  fontsize=fontsize + 0.5, transform=self.ax.transAxes)

    def update(self, low: float, high: float, cmap: str | None = None,
               label: str | None = None) -> None:
        """Show the range [low, high]; optionally switch the colormap and the label."""
        if cmap is not None:
            self.strip.set_cmap(colormaps[cmap])
        if label is not None:
            self.label.set_text(label)
        for text, value in zip(self.numbers, (low, (low + high) / 2, high), strict=True):
            text.set_text(f"{value:.3g}")
