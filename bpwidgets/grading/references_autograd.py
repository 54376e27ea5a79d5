"""Trusted expected values for lesson 07 (build your own autograd), computed by the core.

Test cells call these in the expected-value argument of a check (contract C1); none of them
runs student code. ``case_gradients`` gives ∂root/∂node of a ``diagnose.CASES`` graph for
each of its nodes in forward order; ``training_losses`` the loss before each SGD step of the
lesson's ScalarMLP on its data set.
"""

from __future__ import annotations

from bpwidgets.core.scalar_net import LESSON_SIZES, ScalarMLP, lesson_data
from bpwidgets.core.value import Value
from bpwidgets.grading.diagnose import case_named


def case_gradients(name: str) -> list[float]:
    """∂root/∂node for every node of the graph ``name`` (forward order), by bpwidgets.core.Value."""
    nodes = case_named(name).build(Value)
    nodes[-1][1].backward()
    return [node.grad for _, node in nodes]


def training_losses(steps: int, lr: float, seed: int = 0) -> list[float]:
    """Loss before each of ``steps`` SGD steps of the lesson's training loop (core Values)."""
    return train_scalar_mlp(Value, steps, lr, seed)


def train_scalar_mlp(value_class, steps: int, lr: float, seed: int = 0) -> list[float]:
    """The lesson's training loop with ``value_class``: squared error summed over the data set."""
    X, y = lesson_data()
    net = ScalarMLP(value_class, LESSON_SIZES, seed=seed)
    losses = []
    for _ in range(steps):
        loss = sum(
            ((net(x) - target) ** 2 for x, target in zip(X, y, strict=True)), value_class(0.0)
        )
        loss.backward()
        for p in net.parameters():
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses
