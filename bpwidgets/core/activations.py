"""Activation functions and their derivatives, one rule per line.

Each entry is ``(f, df)``: ``f(z)`` is the activation of the pre-activation ``z`` and
``df(z)`` is its derivative with respect to ``z``. Conventions follow PyTorch at the kinks:
relu'(0) = 0 and leaky_relu'(0) = 0.01.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpwidgets.core.validate import check_choice

LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU's default negative_slope


class Activation(NamedTuple):
    """An activation ``f`` and its derivative ``df``, both taking the pre-activation z."""

    f: object
    df: object


def sigmoid(z):
    """Logistic function 1 / (1 + e^-z), computed without overflow for any z."""
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    r = 1.0 / (1.0 + e)
    return np.where(z >= 0, r, e * r)


def _sigmoid_derivative(z):
    s = sigmoid(z)
    return s * (1.0 - s)


ACTIVATIONS: dict[str, Activation] = {
    "linear": Activation(lambda z: z, lambda z: np.ones_like(z)),
    "sigmoid": Activation(sigmoid, _sigmoid_derivative),
    "tanh": Activation(np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": Activation(lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(np.float64)),
    "leaky_relu": Activation(
        lambda z: np.where(z > 0, z, LEAKY_SLOPE * z), lambda z: np.where(z > 0, 1.0, LEAKY_SLOPE)
    ),
    "softsign": Activation(lambda z: z / (1.0 + np.abs(z)), lambda z: 1.0 / (1.0 + np.abs(z)) ** 2),
}

# Two rules are cheaper from the output y = f(z) than from z: sigmoid' = y (1 − y) and
# tanh' = 1 − y². The backward pass uses them so it need not recompute f.
DERIVATIVE_FROM_OUTPUT = {
    "sigmoid": lambda y: y * (1.0 - y),
    "tanh": lambda y: 1.0 - y * y,
}


def slope(name: str, z, y):
    """f'(z) for activation ``name``, given z and y = f(z); uses y where that is cheaper."""
    from_output = DERIVATIVE_FROM_OUTPUT.get(name)
    return from_output(y) if from_output else ACTIVATIONS[name].df(z)


def activation(name: str) -> Activation:
    """Return the ``(f, df)`` pair for an activation name; ValueError for an unknown name."""
    return ACTIVATIONS[check_choice("activation", name, ACTIVATIONS)]
