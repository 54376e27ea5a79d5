"""Activation functions: one record per activation, read by every part of the package.

``ACTIVATIONS[name]`` is an :class:`Activation`: ``f(z)`` and its derivative ``df(z)`` on arrays
(the MLP's forward and backward passes), the derivative from the output where that is cheaper,
the scalar rule ``Value.activate(name)`` uses, the range of f, when a unit counts as saturated,
the init that keeps gradients flowing, and the symbol drawn in a graph. ``MLP``,
``gradient_flow``, the panels' dropdowns, the expression parser, ``Value`` and the graph drawing
all read this table, so a new activation is one entry here (and its tests).

Conventions follow PyTorch at the kinks: relu'(0) = 0 and leaky_relu'(0) = 0.01.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpwidgets.core.validate import check_choice

LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative_slope
SATURATED_ABOVE = 0.99  # |tanh| (or |softsign|) beyond this counts as saturated
SIGMOID_MARGIN = 0.01  # sigmoid below this or above 1 − this counts as saturated


@dataclass(frozen=True)
class Activation:
    """Everything the package knows about one activation function (see the module docstring).

    ``scalar(x)`` returns ``(f(x), f'(x))`` for one Python float (``Value`` uses it);
    ``saturated(h)`` is the fraction of the outputs ``h`` (batch, units) that count as
    saturated under ``saturation_rule``; ``advice`` is what to try when the network already
    uses ``suggested_init``.
    """

    f: Callable
    df: Callable
    scalar: Callable
    df_from_output: Callable | None = None  # f'(z) from y = f(z), where cheaper than from z
    bounds: tuple[float, float] | None = None  # the range of f, when it is bounded
    saturation_rule: str = "linear units never saturate"
    saturated: Callable = lambda h: 0.0
    suggested_init: str = "xavier"
    advice: str | None = None
    symbol: str = ""  # drawn in a graph node; "" draws the name


def sigmoid(z):
    """Logistic function 1 / (1 + e^-z), computed without overflow for any z."""
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0, r, e * r)


def _sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


def _scalar_sigmoid(x: float) -> tuple[float, float]:
    # Two algebraically equal forms, each safe from overflow on its side of zero.
    if x >= 0:
        s = 1.0 / (1.0 + math.exp(-x))
    else:
        e = math.exp(x)
        s = e / (1.0 + e)
    return s, s * (1.0 - s)


def _scalar_tanh(x: float) -> tuple[float, float]:
    t = math.tanh(x)
    return t, 1.0 - t * t


def _scalar_softsign(x: float) -> tuple[float, float]:
    return x / (1.0 + abs(x)), 1.0 / (1.0 + abs(x)) ** 2


# --- saturation rules: the fraction of outputs h (batch, units) that count as saturated ---------
def _beyond_bound(h) -> float:
    return float(np.mean(np.abs(h) > SATURATED_ABOVE))


def _near_zero_or_one(h) -> float:
    return float(np.mean((h < SIGMOID_MARGIN) | (h > 1 - SIGMOID_MARGIN)))


def _never_active(h) -> float:
    return float(np.mean(np.all(h <= 0, axis=0)))  # per unit, over the whole batch


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(
        f=lambda z: z, df=lambda z: np.ones_like(z), scalar=lambda x: (x, 1.0)),
    "sigmoid": Activation(
        f=sigmoid, df=_sigmoid_derivative, scalar=_scalar_sigmoid,
        df_from_output=lambda y: y * (1.0 - y), bounds=(0.0, 1.0),
        saturation_rule=f"h < {SIGMOID_MARGIN} or h > {1 - SIGMOID_MARGIN}",
        saturated=_near_zero_or_one, symbol="σ",
        advice="sigmoid's slope is at most 0.25, try activation 'tanh' with init 'xavier'"),
    "tanh": Activation(
        f=np.tanh, df=lambda z: 1.0 - np.tanh(z) ** 2, scalar=_scalar_tanh,
        df_from_output=lambda y: 1.0 - y * y, bounds=(-1.0, 1.0),
        saturation_rule=f"|h| > {SATURATED_ABOVE}", saturated=_beyond_bound),
    "relu": Activation(
        f=lambda z: np.maximum(z, 0.0), df=lambda z: (z > 0).astype(np.float64),
        scalar=lambda x: (x if x > 0 else 0.0, 1.0 if x > 0 else 0.0),
        saturation_rule="dead units: never active (z <= 0) for any example in the batch",
        saturated=_never_active, suggested_init="he"),
    "leaky_relu": Activation(
        f=lambda z: np.where(z > 0, z, LEAKY_SLOPE * z),
        df=lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE),
        scalar=lambda x: (x if x > 0 else LEAKY_SLOPE * x, 1.0 if x > 0 else LEAKY_SLOPE),
        saturation_rule="units never active (z <= 0) for any example in the batch",
        saturated=_never_active, suggested_init="he"),
    "softsign": Activation(
        f=lambda z: z / (1.0 + np.abs(z)), df=lambda z: 1.0 / (1.0 + np.abs(z)) ** 2,
        scalar=_scalar_softsign, bounds=(-1.0, 1.0),
        saturation_rule=f"|h| > {SATURATED_ABOVE}", saturated=_beyond_bound),
}


def slope(name: str, z, y):
    """f'(z) for activation ``name``, given z and y = f(z); uses y where that is cheaper."""
    record = ACTIVATIONS[name]
    return record.df_from_output(y) if record.df_from_output else record.df(z)


def activation(name: str) -> Activation:
    """Return the record of an activation name; ValueError for an unknown name."""
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
