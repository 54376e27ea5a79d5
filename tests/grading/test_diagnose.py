"""diagnose_autograd: names each planted bug, passes a correct class, never crashes on student code."""

from __future__ import annotations

import math

import pytest

from bpwidgets.core import Value
from bpwidgets.grading import Diagnosis, diagnose_autograd
from bpwidgets.grading.diagnose import BUGS, CASES
from tests.grading.fixtures.student_values import BUGGY, CorrectValue


def test_a_correct_class_passes_every_graph():
    diagnosis = diagnose_autograd(CorrectValue)
    assert diagnosis.ok and diagnosis.bug is None and diagnosis.node is None
    assert str(len(CASES)) in diagnosis.message


@pytest.mark.parametrize("bug", sorted(BUGGY))
def test_each_planted_bug_is_named(bug):
    diagnosis = diagnose_autograd(BUGGY[bug])
    assert not diagnosis.ok
    assert diagnosis.bug == bug, diagnosis.message
    assert BUGS[bug] in diagnosis.message


def test_at_least_eight_bugs_are_planted():
    assert len(BUGGY) >= 8


def test_the_first_wrong_node_comes_with_its_operation_and_both_numbers():
    diagnosis = diagnose_autograd(BUGGY["tanh_local"])
    # o = tanh(n) with n = 0.8814: the output is right, n is the first wrong node going back.
    assert (diagnosis.case, diagnosis.name, diagnosis.node) == ("neuron", "n", "+")
    assert diagnosis.expected == pytest.approx(0.5)
    assert diagnosis.got == pytest.approx(1 - math.tanh(0.8813735870195432))
    assert "expected ∂o/∂n = 0.5, got 0.292893" in diagnosis.message
    assert "o (tanh)" in diagnosis.message
    names = diagnosis.node_names
    assert names[-1] == "o" and len(diagnosis.student_grads) == len(names)
    # Every node after the reported one (in forward order) agrees: it really is the first.
    k = names.index("n")
    later = zip(diagnosis.student_grads[k + 1 :], diagnosis.expected_grads[k + 1 :], strict=True)
    assert all(got == pytest.approx(want) for got, want in later)


def test_diagnosis_is_frozen():
    diagnosis = diagnose_autograd(CorrectValue)
    assert isinstance(diagnosis, Diagnosis)
    with pytest.raises(AttributeError):
        diagnosis.ok = False


class RaisesInInit:
    def __init__(self, data):
        raise ValueError("boom")


class LoopsInBackward(CorrectValue):
    def backward(self):
        while True:
            pass


class CatchesEverythingAndLoops(CorrectValue):
    def backward(self):
        while True:
            try:
                sum(range(10))
            except Exception:  # noqa: BLE001 - a student's blanket except must not stop the budget
                pass


class RecursesForever(CorrectValue):
    def backward(self):
        self.backward()


class NoTanh(CorrectValue):
    tanh = property(lambda self: (_ for _ in ()).throw(AttributeError("no tanh")))


class GradIsAValue(CorrectValue):
    def backward(self):
        super().backward()
        self.grad = CorrectValue(1.0)


class StillTodo(CorrectValue):
    def backward(self):
        raise NotImplementedError


class WrongForward(CorrectValue):
    def exp(self):
        out = super().exp()
        out.data = self.data
        return out


@pytest.mark.parametrize(
    ("student", "bug", "words"),
    [
        (RaisesInInit, "crash", "ValueError: boom"),
        (LoopsInBackward, "loop", "did not finish"),
        (CatchesEverythingAndLoops, "loop", "did not finish"),
        (RecursesForever, "recursion", "RecursionError"),
        (NoTanh, "missing_method", "no tanh"),
        (GradIsAValue, "not_a_number", "o.grad must be a number"),
        (StillTodo, "not_implemented", "NotImplementedError"),
        (WrongForward, "forward_value", "the forward value of e (made by exp) is wrong"),
        (Value, "not_own_class", "write your own class"),
        (42, "crash", "needs your Value class"),
    ],
)
def test_student_code_that_raises_loops_or_lacks_methods_is_reported_not_raised(
    student, bug, words
):
    diagnosis = diagnose_autograd(student, budget=0.3)
    assert not diagnosis.ok
    assert diagnosis.bug == bug, diagnosis.message
    assert words in diagnosis.message
