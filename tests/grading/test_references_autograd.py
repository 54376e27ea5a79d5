"""Lesson 07's trusted references: graph gradients match finite differences; training learns."""

from __future__ import annotations

import itertools

import pytest

from bpwidgets.core import Value
from bpwidgets.grading.diagnose import CASES, AutogradBug, autograd_gradients
from bpwidgets.grading.references_autograd import (
    case_gradients,
    train_scalar_mlp,
    training_losses,
)
from tests.grading.fixtures.student_values import BUGGY, CorrectValue

H = 1e-6


def root_with_leaf_nudged(case, k: int, h: float) -> float:
    """The case's output when the k-th leaf created is moved by h (other leaves unchanged)."""
    counter = itertools.count()

    def make(data):
        return Value(data + h if next(counter) == k else data)

    return case.build(make)[-1][1].data


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_case_gradients_of_leaves_match_central_differences(case):
    nodes = case.build(Value)
    grads = case_gradients(case.name)
    leaves = [k for k, (_, node) in enumerate(nodes) if not node.op]
    for order, k in enumerate(leaves):  # the builds create leaves first, in this order
        numeric = (
            root_with_leaf_nudged(case, order, H) - root_with_leaf_nudged(case, order, -H)
        ) / (2 * H)
        assert grads[k] == pytest.approx(numeric, rel=1e-6, abs=1e-8), nodes[k][0]


def test_a_right_class_gives_the_reference_gradients_and_a_wrong_one_its_diagnosis():
    for case in CASES:
        assert autograd_gradients(CorrectValue, case.name) == pytest.approx(
            case_gradients(case.name)
        )
    with pytest.raises(AutogradBug, match=r"\+="):
        autograd_gradients(BUGGY["assign_not_accumulate"], "reuse")
    with pytest.raises(ValueError, match="case must be one of"):
        autograd_gradients(CorrectValue, "nope")


def test_the_lesson_network_learns_the_same_way_with_any_right_value_class():
    reference = training_losses(100, 0.01)
    assert reference[-1] < 0.5 * reference[0]
    assert train_scalar_mlp(CorrectValue, 5, 0.01) == pytest.approx(reference[:5], rel=1e-9)
