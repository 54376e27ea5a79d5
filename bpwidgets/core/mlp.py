"""A fully connected network (multi-layer perceptron) with backpropagation written out by hand.

Layer l computes ``z = h @ W + b`` and ``h_next = f(z)``; ``weights[l]`` has shape
(n_in, n_out). Backpropagation (Wikipedia's notation, δ = dL/dz):

    δᴸ   = dL/dy ⊙ f'(zᴸ)
    dWˡ  = hˡ⁻¹ᵀ δˡ            dbˡ = 1ᵀ δˡ = Σ_batch δˡ   (a bias weighs a constant input 1)
    δˡ⁻¹ = (δˡ Wˡᵀ) ⊙ f'(zˡ⁻¹)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bpwidgets.core.activations import ACTIVATIONS, slope
from bpwidgets.core.init import check_init, init_weights
from bpwidgets.core.losses import bce_sigmoid_delta, check_target, loss_function
from bpwidgets.core.validate import check_choice, check_finite_array, check_memory


def quiet_overflow():
    """A context in which inf/nan arise without warnings: an exploding network is a lesson,
    reported through ``Gradients.finite``, not a flood of RuntimeWarnings."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


@dataclass(frozen=True)
class Gradients:
    """Everything one backward pass computes; lists hold one entry per layer (input first for
    ``activations``). ``finite`` and ``first_nonfinite_layer`` say where an overflow began."""

    loss: float
    weights: tuple  # dL/dW per layer, shapes (n_in, n_out)
    biases: tuple  # dL/db per layer, shapes (n_out,)
    deltas: tuple  # dL/dz per layer, shapes (batch, n_out)
    activations: tuple  # h⁰ = X, h¹, ..., hᴸ = output
    preactivations: tuple  # z¹, ..., zᴸ

    @property
    def output(self) -> np.ndarray:
        """The network's output for this batch."""
        return self.activations[-1]

    def as_vector(self) -> np.ndarray:
        """The gradient as one flat vector in ``MLP.get_params`` order (W0, b0, W1, b1, ...)."""
        pairs = zip(self.weights, self.biases, strict=True)
        return np.concatenate([g.ravel() for pair in pairs for g in pair])

    @cached_property
    def finite(self) -> tuple:
        """Per layer: True when z, h, δ, dW and db of that layer are all finite."""
        return tuple(
            self._forward_finite(layer) and self._backward_finite(layer)
            for layer in range(len(self.weights))
        )

    @cached_property
    def first_nonfinite_layer(self) -> int | None:
        """The layer where inf/nan appeared first in computation order, or None if none did.

        The forward pass runs from layer 0 up, the backward pass from the last layer down,
        so a forward overflow names the lowest such layer, a backward one the highest.
        """
        layers = range(len(self.weights))
        for layer in layers:
            if not self._forward_finite(layer):
                return layer
        for layer in reversed(layers):
            if not self._backward_finite(layer):
                return layer
        return None

    def _forward_finite(self, layer: int) -> bool:
        arrays = (self.preactivations[layer], self.activations[layer + 1])
        return all(bool(np.isfinite(a).all()) for a in arrays)

    def _backward_finite(self, layer: int) -> bool:
        arrays = (self.deltas[layer], self.weights[layer], self.biases[layer])
        return all(bool(np.isfinite(a).all()) for a in arrays)


def check_sizes(sizes) -> tuple:
    """Return ``sizes`` as a tuple of ints if it lists >= 2 positive widths; else ValueError."""
    try:
        sizes = tuple(sizes)
    except TypeError:
        message = f"sizes must be a list of layer widths like [2, 8, 1]; got {sizes!r}"
        raise ValueError(message) from None
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least 2 widths (inputs and outputs); got {sizes!r}")
    for width in sizes:
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"sizes must hold whole numbers >= 1; got {width!r} in {sizes!r}")
    sizes = tuple(int(width) for width in sizes)
    check_memory("sizes", list(sizes), 8 * parameter_count(sizes), "its weights and biases")
    return sizes


def parameter_count(sizes) -> int:
    """The number of weights and biases of an MLP with layer widths ``sizes``."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


class MLP:
    """A multi-layer perceptron: ``sizes`` widths, one hidden activation, one output activation."""

    def __init__(self, sizes, activation="tanh", output_activation="linear", init="xavier", seed=0):
        sizes = check_sizes(sizes)
        init = check_init(init)
        rng = np.random.default_rng(seed)
        shapes = zip(sizes[:-1], sizes[1:], strict=True)
        weights = [init_weights(init, n_in, n_out, rng) for n_in, n_out in shapes]
        biases = [np.zeros(n_out) for n_out in sizes[1:]]
        self._set_layers(weights, biases, activation, output_activation)

    @classmethod
    def from_weights(
        cls, weights, biases, activation="tanh", output_activation="linear", copy=True
    ) -> MLP:
        """Build a network from weights (n_in, n_out) and biases (n_out,); arrays are copied
        unless ``copy=False`` (then float64 arrays are used as they are, shared with the caller)."""
        if len(weights) != len(biases) or len(weights) == 0:
            raise ValueError(
                f"weights and biases must be non-empty lists of equal length; "
                f"got {len(weights)} weights and {len(biases)} biases"
            )
        weights = [check_finite_array(f"weights[{i}]", w, 2) for i, w in enumerate(weights)]
        biases = [check_finite_array(f"biases[{i}]", b, 1) for i, b in enumerate(biases)]
        if copy:
            weights, biases = [w.copy() for w in weights], [b.copy() for b in biases]
        for i, (w, b) in enumerate(zip(weights, biases, strict=True)):
            if b.shape != (w.shape[1],):
                raise ValueError(f"biases[{i}] must have shape ({w.shape[1]},); got {b.shape}")
            if i and w.shape[0] != weights[i - 1].shape[1]:
                raise ValueError(
                    f"weights[{i}] must have {weights[i - 1].shape[1]} rows (outputs of "
                    f"weights[{i - 1}]); got shape {w.shape}"
                )
        net = cls.__new__(cls)
        net._set_layers(weights, biases, activation, output_activation)
        return net

    def _set_layers(self, weights, biases, hidden, output):
        self._activation = check_choice("activation", hidden, ACTIVATIONS)
        self._output_activation = check_choice("output_activation", output, ACTIVATIONS)
        self.weights = list(weights)
        self.biases = list(biases)

    @property
    def activation(self) -> str:
        """Name of the hidden layers' activation (fixed at construction)."""
        return self._activation

    @property
    def output_activation(self) -> str:
        """Name of the output layer's activation (fixed at construction)."""
        return self._output_activation

    # --- shape and parameters -------------------------------------------------------------
    @property
    def sizes(self) -> tuple:
        """Layer widths, inputs first."""
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))

    @property
    def num_params(self) -> int:
        """Number of weights and biases."""
        return sum(w.size + b.size for w, b in zip(self.weights, self.biases, strict=True))

    def _parameter_arrays(self):
        """The live arrays in parameter order: W0, b0, W1, b1, ..."""
        for W, b in zip(self.weights, self.biases, strict=True):
            yield W
            yield b

    def get_params(self) -> np.ndarray:
        """A flat copy of all parameters: W0, b0, W1, b1, ... each in C order."""
        return np.concatenate([p.ravel() for p in self._parameter_arrays()])

    def set_params(self, vector) -> None:
        """Write a flat vector (``get_params`` order) into the live weight and bias arrays."""
        vector = np.asarray(vector, dtype=np.float64)
        if vector.shape != (self.num_params,):
            raise ValueError(
                f"vector must have shape ({self.num_params},), one entry per parameter; "
                f"got shape {vector.shape}"
            )
        start = 0
        for p in self._parameter_arrays():
            p[...] = vector[start : start + p.size].reshape(p.shape)
            start += p.size

    def copy(self) -> MLP:
        """An independent copy of the network."""
        return MLP.from_weights(self.weights, self.biases, self.activation, self.output_activation)

    def __repr__(self) -> str:
        return (
            f"MLP(sizes={list(self.sizes)}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r})"
        )

    # --- forward --------------------------------------------------------------------------
    def _check_inputs(self, X) -> np.ndarray:
        X = check_finite_array("X", X, ndim=2)
        n_in = self.weights[0].shape[0]
        if X.shape[1] != n_in or X.shape[0] == 0:
            raise ValueError(
                f"X must have shape (batch >= 1, {n_in}), one column per input; got shape {X.shape}"
            )
        return X

    def _forward(self, X):
        """Return the lists (activations, preactivations) without checking X.

        Callers wrap this in ``np.errstate`` so an exploding network yields inf/nan quietly."""
        functions = [ACTIVATIONS[self._activation].f] * (len(self.weights) - 1)
        functions.append(ACTIVATIONS[self._output_activation].f)
        activations, preactivations = [X], []
        h = X
        for W, b, f in zip(self.weights, self.biases, functions, strict=True):
            z = h @ W
            z += b
            h = f(z)
            preactivations.append(z)
            activations.append(h)
        return activations, preactivations

    def forward(self, X) -> np.ndarray:
        """The network's output for a batch X of shape (batch, n_in)."""
        X = self._check_inputs(X)
        with quiet_overflow():
            return self._forward(X)[0][-1]

    def forward_trace(self, X) -> tuple:
        """``(activations, preactivations)`` for a batch: h⁰ = X, h¹, ..., and z¹, ..., zᴸ."""
        X = self._check_inputs(X)
        with quiet_overflow():
            activations, preactivations = self._forward(X)
        return tuple(activations), tuple(preactivations)

    def loss(self, X, Y, loss="mse") -> float:
        """The loss of the network's output on (X, Y), without a backward pass."""
        X, Y = self.check_data(X, Y, loss)
        with quiet_overflow():
            return loss_function(loss).value(self._forward(X)[0][-1], Y)

    def check_data(self, X, Y, loss="mse") -> tuple:
        """Return (X, Y) as the arrays ``gradients`` uses; ValueError naming what is wrong."""
        X = self._check_inputs(X)
        return X, self._check_targets(loss, Y, len(X))

    def _check_targets(self, loss, Y, n_rows):
        if loss == "bce" and self.output_activation != "sigmoid":
            raise ValueError(
                "loss 'bce' takes probabilities, so output_activation must be 'sigmoid'; "
                f"got {self.output_activation!r}"
            )
        return check_target(loss, Y, n_rows, self.weights[-1].shape[1])

    # --- backward -------------------------------------------------------------------------
    def gradients(self, X, Y, loss="mse") -> Gradients:
        """Forward and backward pass on (X, Y): the loss and dL/dW, dL/db, δ for every layer."""
        X, Y = self.check_data(X, Y, loss)
        n_layers = len(self.weights)
        dW, db, deltas = [None] * n_layers, [None] * n_layers, [None] * n_layers
        ones = np.ones(len(X))  # the constant input each bias multiplies
        with quiet_overflow():
            activations, preactivations = self._forward(X)
            value = loss_function(loss).value(activations[-1], Y)
            delta = self._output_delta(loss, activations[-1], preactivations[-1], Y)
            for layer in reversed(range(n_layers)):
                deltas[layer] = delta
                dW[layer] = activations[layer].T @ delta
                db[layer] = ones @ delta  # Σ over the batch, as a product like dW's (and faster)
                if layer > 0:  # δˡ⁻¹ = (δˡ Wˡᵀ) ⊙ f'(zˡ⁻¹), multiplied in place
                    delta = delta @ self.weights[layer].T
                    delta *= slope(self.activation, preactivations[layer - 1], activations[layer])
        return Gradients(
            value, tuple(dW), tuple(db), tuple(deltas), tuple(activations), tuple(preactivations)
        )

    def _output_delta(self, loss, y, z, Y):
        """δᴸ = dL/dy ⊙ f'(zᴸ), using the combined (p − t)/size for bce after a sigmoid."""
        if loss == "bce":  # _check_targets made sure the output is a sigmoid
            return bce_sigmoid_delta(y, Y)
        dL_dy = loss_function(loss).grad(y, Y)
        if self.output_activation == "linear":  # f' = 1: skip multiplying by ones
            return dL_dy
        return dL_dy * slope(self.output_activation, z, y)
