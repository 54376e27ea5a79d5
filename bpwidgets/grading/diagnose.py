"""Diagnose a student's micrograd-style ``Value`` class node by node against ``bpwidgets.core.Value``.

``diagnose_autograd(StudentValue)`` builds a few small reference graphs twice — once with the
student's class, once with the core's — runs both backward passes and walks the nodes in reverse
topological order (the order a backward pass visits them). The first node whose gradient
differs is reported with its operation, both numbers, and the named bug where the pattern is
recognised (see ``BUGS``). Forward values are compared first, in forward order.

Student code may raise, recurse forever, loop, or lack methods: every such failure becomes a
``Diagnosis`` whose message says what happened; nothing escapes. Infinite loops are cut off
after ``TIME_BUDGET`` seconds by a trace function (student code is Python).
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from bpwidgets.core.value import Value

TIME_BUDGET = 5.0  # seconds of student code per graph before we call it a loop
RTOL, ATOL = 1e-5, 1e-8  # the check module's default tolerances

# Short keys of the recognised bugs -> the sentence a student reads.
BUGS = {
    "assign_not_accumulate": "a value used twice kept only one of its gradient contributions — "
    "in _backward write `self.grad += ...`, not `self.grad = ...`",
    "missing_seed": "the output's gradient was never set to 1 — backward() must start with "
    "`self.grad = 1.0` before walking the graph",
    "no_reset": "calling backward() a second time changed the gradients — backward() must first "
    "set every node's grad to 0, then seed the output with 1",
    "forward_order": "only the output's direct inputs got a gradient — backward() visited the "
    "nodes in forward order; walk the topological order reversed",
    "no_topological_sort": "a node passed its gradient on before all of its users had added "
    "theirs — build the topological order first and call _backward in reverse order",
    "tanh_local": "the local derivative of tanh is wrong — d tanh(x)/dx = 1 − tanh(x)²",
    "exp_local": "the local derivative of exp is wrong — d eˣ/dx = eˣ (the output itself)",
    "pow_local": "the local derivative of ** is wrong — d xⁿ/dx = n·xⁿ⁻¹",
    "mul_local": "the local derivatives of × are wrong — a × b sends b·grad to a and a·grad to b",
    "add_local": "the local derivatives of + are wrong — a + b passes grad unchanged to both",
    "radd": "`number + Value` fails — define __radd__ (sum() starts with 0 + your first Value)",
    "rmul": "`number * Value` fails — define __rmul__ (return self * other)",
    "number_operand": "`Value + number` or `Value * number` fails — wrap a plain number in "
    "a Value first: other = other if isinstance(other, Value) else Value(other)",
    "forward_value": "an operation computes the wrong value in the forward pass",
    "missing_method": "a method the graph needs is missing",
    "not_implemented": "a method still raises NotImplementedError",
    "crash": "your code raised an error",
    "loop": "your code did not finish (an endless loop or a cycle in the graph?)",
    "recursion": "your code recursed too deeply — a recursive function that never stops?",
    "not_a_number": ".data or .grad is not a number",
    "not_own_class": "this is bpwidgets.core.Value (or a subclass), not your own class",
}


@dataclass(frozen=True)
class Diagnosis:
    """The verdict on a student's Value class: ok, the message shown, the first wrong node, the bug.

    ``node`` is the first wrong node's operation ("+", "*", "tanh", "exp", "**3", "leaf"; None
    when nothing is wrong or no graph was built); ``bug`` a key of ``BUGS`` or None. The other
    fields describe the graph that exposed the bug, for pictures (all empty when ok).
    """

    ok: bool
    message: str
    node: str | None = None
    bug: str | None = None
    case: str | None = None  # name of the graph in CASES
    name: str | None = None  # name of the first wrong node in that graph
    expected: float | None = None
    got: float | None = None
    node_names: tuple[str, ...] = ()  # the graph's nodes in forward order
    expected_grads: tuple[float, ...] = ()
    student_grads: tuple[float | None, ...] = ()


@dataclass(frozen=True)
class GraphCase:
    """A small graph built the same way with any Value class: ``build(V)`` → nodes in forward order."""

    name: str
    formula: str
    build: Callable  # V -> list of (name, node), forward order, root last


def _neuron(V):
    x1, x2, w1, w2, b = V(2.0), V(0.0), V(-3.0), V(1.0), V(6.8813735870195432)
    x1w1, x2w2 = x1 * w1, x2 * w2
    s = x1w1 + x2w2
    n = s + b
    return [
        ("x1", x1),
        ("x2", x2),
        ("w1", w1),
        ("w2", w2),
        ("b", b),
        ("x1·w1", x1w1),
        ("x2·w2", x2w2),
        ("s", s),
        ("n", n),
        ("o", n.tanh()),
    ]


def _numbers(V):
    a = V(1.5)
    b = a * 2.0
    c = b + 1.0
    d = 3.0 * c
    e = 0.5 + d
    return [("a", a), ("a·2", b), ("c", c), ("3·c", d), ("f", e)]


def _exp(V):
    x, k = V(0.7), V(-1.5)
    e = x.exp()
    return [("x", x), ("k", k), ("e", e), ("f", e * k)]


def _pow(V):
    x, k = V(1.5), V(2.0)
    p = x**3
    return [("x", x), ("k", k), ("p", p), ("f", p * k)]


def _reuse(V):
    a, b = V(-2.0), V(3.0)
    d, e = a * b, a + b
    twice = a + a
    f = d * e
    return [("a", a), ("b", b), ("d", d), ("e", e), ("a+a", twice), ("g", f), ("f", f + twice)]


def _diamond(V):
    x, y = V(0.5), V(-1.5)
    a = x * y
    b, c = a.tanh(), a.exp()
    return [("x", x), ("y", y), ("a", a), ("b", b), ("c", c), ("f", b * c)]


def _summed(V):
    ws, xs = [V(0.5), V(-1.0)], [V(2.0), V(0.25)]
    terms = [w * x for w, x in zip(ws, xs, strict=True)]
    total = sum(terms)
    return [
        ("w1", ws[0]),
        ("w2", ws[1]),
        ("x1", xs[0]),
        ("x2", xs[1]),
        ("w1·x1", terms[0]),
        ("w2·x2", terms[1]),
        ("s", total),
        ("f", total.tanh()),
    ]


CASES = (
    GraphCase("neuron", "o = tanh(x1·w1 + x2·w2 + b)", _neuron),
    GraphCase("numbers", "f = 0.5 + 3·(a·2 + 1)", _numbers),
    GraphCase("exp", "f = exp(x)·k", _exp),
    GraphCase("pow", "f = x**3·k", _pow),
    GraphCase("reuse", "f = (a·b)·(a + b) + (a + a)", _reuse),
    GraphCase("diamond", "f = tanh(a)·exp(a), a = x·y", _diamond),
    GraphCase("sum", "f = tanh(sum([w1·x1, w2·x2]))", _summed),
)


class _OutOfTime(BaseException):  # not an Exception, so a student's `except Exception` lets it go
    """Raised inside student code when it runs past its time budget."""


def _run(call: Callable, budget: float = TIME_BUDGET):
    """Call ``call()`` with a time budget enforced by a trace function; return its result."""
    deadline = time.monotonic() + budget
    previous = sys.gettrace()

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise _OutOfTime
        return tracer

    sys.settrace(tracer)
    try:
        return call()
    finally:
        sys.settrace(previous)


def diagnose_autograd(StudentValue, cases=CASES, *, budget: float = TIME_BUDGET) -> Diagnosis:
    """Find the first wrong forward value or gradient of ``StudentValue`` over ``cases``."""
    if not isinstance(StudentValue, type):
        return _verdict(
            f"diagnose_autograd needs your Value class itself; got "
            f"{type(StudentValue).__name__} {StudentValue!r:.60}",
            "crash",
        )
    if issubclass(StudentValue, Value):
        return _verdict(
            "You passed bpwidgets.core.Value (or a subclass of it): write your own class.",
            "not_own_class",
        )
    for case in cases:
        diagnosis = _diagnose_case(StudentValue, case, budget)
        if diagnosis is not None:
            return diagnosis
    names = ", ".join(case.name for case in cases)
    return Diagnosis(
        True,
        f"✓ every forward value and gradient agrees with bpwidgets.core.Value "
        f"on {len(cases)} graph{'s' if len(cases) > 1 else ''} ({names}), and backward() can be repeated.",
    )


def _verdict(message: str, bug: str, **fields) -> Diagnosis:
    return Diagnosis(False, message, bug=bug, **fields)


def _diagnose_case(V, case: GraphCase, budget: float) -> Diagnosis | None:
    """The diagnosis for one graph, or None when the student's class gets it right."""
    where = f"Graph {case.name!r} ({case.formula})"
    reference = case.build(Value)
    try:
        student = _run(lambda: case.build(V), budget)
    except BaseException as error:  # noqa: BLE001 - the student's bug becomes the message
        return replace(
            _failure(error, f"{where}, building the graph", budget, during_build=True),
            case=case.name,
        )
    ref_root = reference[-1][1]
    ref_root.backward()
    numbers = _read_all(student, "data")
    if isinstance(numbers, Diagnosis):
        return replace(numbers, case=case.name)
    for (name, ref), got in zip(reference, numbers, strict=True):
        if not _close(got, ref.data):
            op = _op(ref)
            return _verdict(
                f"{where}: the forward value of {name} (made by {op}) is wrong: expected "
                f"{ref.data:.6g}, got {got:.6g}.\nBug: {BUGS['forward_value']}.",
                "forward_value",
                node=op,
                case=case.name,
                name=name,
                expected=ref.data,
                got=got,
            )
    root = student[-1][1]
    for attempt in ("first", "second"):
        try:
            _run(root.backward, budget)
        except BaseException as error:  # noqa: BLE001
            return replace(_failure(error, f"{where}, in backward()", budget), case=case.name)
        grads = _read_all(student, "grad")
        if isinstance(grads, Diagnosis):
            return replace(grads, case=case.name)
        wrong = _first_wrong(reference, grads)
        if wrong is None:
            continue
        if attempt == "second":
            return _not_reset(where, case, reference, grads, wrong)
        return _wrong_gradient(where, case, reference, grads, wrong)
    return None


def _read_all(nodes, attribute: str):
    """Each node's ``attribute`` as a float, or a Diagnosis saying why it is not a number."""
    values = []
    for name, node in nodes:
        try:
            value = float(getattr(node, attribute))
        except BaseException as error:  # noqa: BLE001 - missing attribute, a Value, a string...
            got = getattr(node, attribute, "<missing>")
            return _verdict(
                f"{name}.{attribute} must be a number; got {type(got).__name__} "
                f"{got!r:.60} ({type(error).__name__}).\nBug: {BUGS['not_a_number']}.",
                "not_a_number",
            )
        values.append(value)
    return values


def _close(got: float, expected: float) -> bool:
    return math.isclose(got, expected, rel_tol=RTOL, abs_tol=ATOL)


def _op(node: Value) -> str:
    if not node.op:
        return "leaf"
    return node.op


def _first_wrong(reference, grads) -> int | None:
    """Index (forward order) of the first node, in reverse order, whose gradient differs."""
    for k in range(len(reference) - 1, -1, -1):
        if not _close(grads[k], reference[k][1].grad):
            return k
    return None


def _fields(case: GraphCase, reference, grads, k: int) -> dict:
    name, node = reference[k]
    return {
        "node": _op(node),
        "case": case.name,
        "name": name,
        "expected": node.grad,
        "got": grads[k],
        "node_names": tuple(n for n, _ in reference),
        "expected_grads": tuple(n.grad for _, n in reference),
        "student_grads": tuple(grads),
    }


def _wrong_gradient(where, case, reference, grads, k) -> Diagnosis:
    """Describe the first wrong gradient and name the bug when its pattern is recognised."""
    name, node = reference[k]
    bug = _recognise(reference, grads, k)
    root = reference[-1][0]
    text = (
        f"{where}: going backward, the first wrong gradient is at {name} ({_kind(node)}): "
        f"expected ∂{root}/∂{name} = {node.grad:.6g}, got {grads[k]:.6g}."
        f"{_users_text(reference, k)}"
    )
    if bug is not None:
        text += f"\nBug: {BUGS[bug]}."
    return Diagnosis(False, text, bug=bug, **_fields(case, reference, grads, k))


def _not_reset(where, case, reference, grads, k) -> Diagnosis:
    name, node = reference[k]
    text = (
        f"{where}: backward() was right the first time, but after calling it again "
        f"∂{reference[-1][0]}/∂{name} is {grads[k]:.6g} instead of {node.grad:.6g}."
        f"\nBug: {BUGS['no_reset']}."
    )
    return Diagnosis(False, text, bug="no_reset", **_fields(case, reference, grads, k))


def _users_text(reference, k: int) -> str:
    """Where the first wrong node's gradient comes from, e.g. ' It comes from e (exp).'"""
    node = reference[k][1]
    users = [f"{name} ({user.op})" for name, user in reference if node in user.parents]
    if not users:
        return ""
    verb = "whose gradients are" if len(users) > 1 else "whose gradient is"
    return f" Its gradient comes from {', '.join(users)}, {verb} right."


def _kind(node: Value) -> str:
    return "a leaf" if not node.op else f"made by {node.op}"


def _recognise(reference, grads, k: int) -> str | None:
    """The key of the bug that explains the student's gradients, or None."""
    nodes = [node for _, node in reference]
    root = nodes[-1]
    if k == len(nodes) - 1:
        return "missing_seed" if grads[k] == 0 else None
    if _matches(nodes, grads, _forward_order_grads(root)):
        return "forward_order"
    if any(_matches(nodes, grads, g) for g in _unsorted_grads(root)):
        return "no_topological_sort"
    users = [
        (out, local)
        for out in root.topo()
        for p, local in zip(out.parents, out._local_grads, strict=True)
        if p is nodes[k]
    ]
    if _lost_contributions(grads[k], [local * out.grad for out, local in users]):
        return "assign_not_accumulate"
    if len(users) == 1:
        return _LOCAL_BUGS.get(users[0][0].op.rstrip("0123456789.-e") or "", None)
    return None


def _lost_contributions(got: float, contributions: list[float]) -> bool:
    """True if ``got`` is the sum of some but not all of a node's gradient contributions."""
    n = len(contributions)
    subsets = (itertools.combinations(contributions, size) for size in range(1, n))
    return any(_close(got, sum(subset)) for subset in itertools.chain.from_iterable(subsets))


_LOCAL_BUGS = {
    "tanh": "tanh_local",
    "exp": "exp_local",
    "**": "pow_local",
    "*": "mul_local",
    "+": "add_local",
}


def _matches(nodes, grads, simulated: dict) -> bool:
    return all(_close(g, simulated.get(id(n), 0.0)) for n, g in zip(nodes, grads, strict=True))


def _forward_order_grads(root: Value) -> dict:
    """Gradients a backward pass gets when it visits the nodes in forward order."""
    grads = {id(root): 1.0}
    for out in root.topo():
        for parent, local in zip(out.parents, out._local_grads, strict=True):
            grads[id(parent)] = grads.get(id(parent), 0.0) + local * grads.get(id(out), 0.0)
    return grads


def _unsorted_grads(root: Value) -> list[dict]:
    """Gradients of recursive backward passes without a topological sort (both operand orders)."""
    results = []
    for reverse in (False, True):
        for remember_visited in (False, True):
            grads, visited = {id(root): 1.0}, set()
            stack = [root]
            while stack:  # a node pushes its gradient to its operands as soon as it is reached
                out = stack.pop()
                if remember_visited and id(out) in visited:
                    continue
                visited.add(id(out))
                pairs = list(zip(out.parents, out._local_grads, strict=True))
                for parent, local in pairs:
                    grads[id(parent)] = grads.get(id(parent), 0.0) + local * grads[id(out)]
                stack.extend(p for p, _ in (pairs if reverse else pairs[::-1]))
            results.append(grads)
    return results


def _failure(
    error: BaseException, where: str, budget: float, during_build: bool = False
) -> Diagnosis:
    """Turn an exception raised by student code into a Diagnosis naming the likely cause."""
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, _OutOfTime):
        return _verdict(f"{where}: {BUGS['loop']} — stopped after {budget:g} s.", "loop")
    if isinstance(error, RecursionError):
        return _verdict(f"{where}: RecursionError.\nBug: {BUGS['recursion']}.", "recursion")
    if isinstance(error, NotImplementedError):
        return _verdict(f"{where}: {BUGS['not_implemented']} — finish it first.", "not_implemented")
    bug = _bug_of_error(error, text) if during_build else None
    if bug is None:
        return _verdict(f"{where}: your code raised {text}", "crash")
    return _verdict(f"{where}: your code raised {text}\nBug: {BUGS[bug]}.", bug)


def _bug_of_error(error: BaseException, text: str) -> str | None:
    if isinstance(error, TypeError) and "unsupported operand" in text:
        if "**" in text:
            return "missing_method"
        if "'float' and" in text or "'int' and" in text:
            return "radd" if "+" in text.split("for")[1].split(":")[0] else "rmul"
        return "number_operand"
    if isinstance(error, AttributeError):
        if "'float' object" in text or "'int' object" in text:
            return "number_operand"
        return "missing_method"
    return None


class AutogradBug(AssertionError):
    """Raised by ``autograd_gradients`` with the diagnosis as its message."""


def autograd_gradients(StudentValue, case: str, *, budget: float = TIME_BUDGET) -> list[float]:
    """The student's gradients on graph ``case`` (forward order); AutogradBug naming the bug if wrong.

    For a check's answer thunk: a right class gives the numbers the check compares with
    ``references_autograd.case_gradients(case)``; a wrong one fails with the diagnosis.
    """
    chosen = case_named(case)
    diagnosis = diagnose_autograd(StudentValue, (chosen,), budget=budget)
    if not diagnosis.ok:
        raise AutogradBug(diagnosis.message)
    nodes = _run(lambda: chosen.build(StudentValue), budget)
    _run(nodes[-1][1].backward, budget)
    return [float(node.grad) for _, node in nodes]


def case_named(name: str) -> GraphCase:
    """The graph of ``CASES`` called ``name``; ValueError listing the names otherwise."""
    for case in CASES:
        if case.name == name:
            return case
    raise ValueError(f"case must be one of {', '.join(c.name for c in CASES)}; got {name!r}")
