"""Colours every panel shares, chosen to stay distinguishable with colour-vision deficiency.

- Categorical colours: the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008),
  readable with protanopia, deuteranopia and tritanopia and in greyscale print.
- Signed quantities (weights, gradients, updates, δ): the diverging colormap ``"PuOr"``
  (orange = negative, white = zero, purple = positive). Unlike red/green or "RdBu"-style maps,
  its two ends differ in lightness and hue for every common CVD type.
- Unsigned magnitudes (activations, loss heights): the sequential ``"cividis"`` colormap,
  designed to be perceptually uniform for normal and CVD vision alike.

Panels never rely on colour alone: the highlighted element is also drawn thicker, and every
number shown in colour is also written as text somewhere in the panel.
"""

from __future__ import annotations

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

# Roles used across panels, so "the highlighted thing" looks the same everywhere.
HIGHLIGHT = OKABE_ITO["vermillion"]  # the element the current step is about
FORWARD = OKABE_ITO["blue"]  # values computed in the forward pass
BACKWARD = OKABE_ITO["orange"]  # gradients flowing back
NEUTRAL = "#4D4D4D"  # ordinary edges and outlines
MUTED = "#BDBDBD"  # not yet computed / inactive
BOX_FILL = "#F7F7F7"  # node boxes
ERROR_TEXT = "#B00020"  # the panel's error line

DIVERGING_CMAP = "PuOr"  # signed quantities, symmetric around zero
SEQUENTIAL_CMAP = "cividis"  # unsigned magnitudes

# A cycle for several lines in one axes (e.g. one per layer), in Okabe–Ito order without black.
LINE_CYCLE = [
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["yellow"],
]
