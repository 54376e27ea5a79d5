"""A micrograd-style MLP made of scalar Values, for any Value class (the core's or a student's).

Lesson 07 trains it with the student's own ``Value``; the same code with ``bpwidgets.core.Value``
gives the reference numbers. Weights are drawn uniformly from [-1, 1] by ``random.Random(seed)``
in a fixed order, so one seed gives the same network whatever Value class holds the numbers.

    >>> from bpwidgets.core import Value
    >>> net = ScalarMLP(Value, [2, 4, 1], seed=0)
    >>> len(net.parameters())
    17
"""

from __future__ import annotations

import random

from bpwidgets.core.validate import check_positive_int

LESSON_SIZES = (2, 8, 1)  # lesson 07's network: 2 inputs, 8 tanh units, 1 linear output


class ScalarNeuron:
    """tanh(w · x + b), or w · x + b without the activation (``linear=True``)."""

    def __init__(self, value_class, n_inputs: int, rng: random.Random, linear: bool = False):
        self.w = [value_class(rng.uniform(-1, 1)) for _ in range(n_inputs)]
        self.b = value_class(0.0)
        self.linear = linear

    def __call__(self, x):
        """The neuron's output for the inputs ``x`` (numbers or Values)."""
        total = self.b
        for w, xi in zip(self.w, x, strict=True):
            total = total + w * xi
        return total if self.linear else total.tanh()

    def parameters(self) -> list:
        """Weights then bias."""
        return [*self.w, self.b]


class ScalarMLP:
    """Layers of ScalarNeurons: tanh hidden layers, a linear output layer."""

    def __init__(self, value_class, sizes, seed: int = 0):
        sizes = [check_positive_int("sizes", n) for n in sizes]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list the inputs and at least one layer; got {sizes}")
        rng = random.Random(seed)
        last = len(sizes) - 2
        self.layers = [[ScalarNeuron(value_class, n_in, rng, linear=k == last)
                        for _ in range(n_out)]
                       for k, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True))]

    def __call__(self, x):
        """The network's outputs for one input vector ``x`` (a single Value when one output)."""
        for layer in self.layers:
            x = [neuron(x) for neuron in layer]
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list:
        """Every weight and bias, layer by layer."""
        return [p for layer in self.layers for neuron in layer for p in neuron.parameters()]


def lesson_data(n: int = 16, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Lesson 07's data set: ``n`` points of the two moons, targets −1 and +1, as plain lists."""
    from bpwidgets.core.datasets import moons

    X, y = moons(n=n, noise=0.1, seed=seed)
    return X.tolist(), [1.0 if label else -1.0 for label in y]
