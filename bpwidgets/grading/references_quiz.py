"""Trusted expected values for the quiz exercises of lessons 01 and 02, computed by the core.

The answers come in the order the quiz panels ask them: for a formula, the local derivative
and then the gradient after each chain-rule step of ``Value.backward()``; for Mazur's network,
δ of each unit and then ∂E/∂w of each weight into it, output layer first.
"""

from __future__ import annotations

from bpwidgets.core.expression import build_expression
from bpwidgets.core.worked_examples import mazur_network


def chain_rule_answer(expression: str, k: int, **inputs) -> float:
    """The right answer to question ``k`` (0-based) of ``ChainRulePanel(expression, quiz=True)``."""
    steps = build_expression(expression, **inputs).backward()
    step = steps[k // 2]
    return step.local_grad if k % 2 == 0 else step.grad_after


def mazur_answer(k: int) -> float:
    """The right answer to question ``k`` (0-based) of ``NetworkPanel(quiz=True)``."""
    net, X, Y = mazur_network()
    grads = net.gradients(X, Y, "mse")
    answers = []
    for layer in range(len(net.weights), 0, -1):
        for j in range(net.sizes[layer]):
            answers.append(float(grads.deltas[layer - 1][0, j]))
            answers += [float(grads.weights[layer - 1][i, j]) for i in range(net.sizes[layer - 1])]
    return answers[k]
