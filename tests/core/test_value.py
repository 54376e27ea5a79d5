"""Value: every op against finite differences, published examples, the step ledger, bad input."""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from fractions import Fraction

import numpy as np
import pytest

from bpwidgets.core.gradcheck import numerical_grad, relative_error
from bpwidgets.core.value import ChainRuleStep, Value

# --- every op against central finite differences ----------------------------------------

# name -> (function of two inputs built from Values or plain floats, safe points (a, b))
BINARY_OPS = {
    "a + b": (lambda a, b: a + b, [(1.5, -0.7), (-2.0, 3.0)]),
    "a - b": (lambda a, b: a - b, [(1.5, -0.7), (-2.0, 3.0)]),
    "a * b": (lambda a, b: a * b, [(1.5, -0.7), (-2.0, 3.0)]),
    "a / b": (lambda a, b: a / b, [(1.5, -0.7), (-2.0, 3.0)]),
}
UNARY_OPS = {
    "-a": (lambda a: -a, [-1.3, 0.4]),
    "a ** 2": (lambda a: a**2, [-1.3, 0.4]),
    "a ** 3": (lambda a: a**3, [-1.3, 0.4]),
    "a ** -1": (lambda a: a**-1, [-1.3, 0.4]),
    "a ** 0.5": (lambda a: a**0.5, [0.4, 2.5]),
    "a ** 0": (lambda a: a**0, [-1.3, 0.4]),
    "relu": (lambda a: a.relu(), [-1.3, 0.4]),
    "tanh": (lambda a: a.tanh(), [-1.3, 0.4, 2.0]),
    "sigmoid": (lambda a: a.sigmoid(), [-3.0, 0.4, 2.0]),
    "exp": (lambda a: a.exp(), [-1.3, 0.4, 2.0]),
    "log": (lambda a: a.log(), [0.3, 2.5]),
}


@pytest.mark.parametrize("name", sorted(UNARY_OPS))
def test_unary_op_gradient_matches_central_differences(name):
    op, points = UNARY_OPS[name]
    for x in points:
        node = Value(x)
        op(node).backward()
        numeric = numerical_grad(lambda t, op=op: op(Value(t)).data, x)
        assert relative_error(node.grad, numeric) < 1e-8, (name, x)


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_binary_op_gradients_match_central_differences(name):
    op, points = BINARY_OPS[name]
    for a, b in points:
        va, vb = Value(a), Value(b)
        op(va, vb).backward()
        numeric_a = numerical_grad(lambda t, op=op, b=b: op(Value(t), Value(b)).data, a)
        numeric_b = numerical_grad(lambda t, op=op, a=a: op(Value(a), Value(t)).data, b)
        assert relative_error(va.grad, numeric_a) < 1e-8, (name, a, b)
        assert relative_error(vb.grad, numeric_b) < 1e-8, (name, a, b)


@pytest.mark.parametrize("name", sorted(BINARY_OPS))
def test_plain_numbers_work_on_either_side(name):
    op, points = BINARY_OPS[name]
    for a, b in points:
        expected = op(a, b)
        left, right = Value(a), Value(b)
        with_number_right, with_number_left = op(left, b), op(a, right)
        assert with_number_right.data == pytest.approx(expected)
        assert with_number_left.data == pytest.approx(expected)
        with_number_right.backward()
        with_number_left.backward()
        assert left.grad == pytest.approx(numerical_grad(lambda t, op=op, b=b: op(t, b), a))
        assert right.grad == pytest.approx(numerical_grad(lambda t, op=op, a=a: op(a, t), b))


def test_numpy_scalars_combine_from_the_left():
    x = Value(3.0)
    y = np.float64(2.0) * x
    assert isinstance(y, Value) and y.data == 6.0


def test_ops_are_named_and_parents_keep_operand_order():
    a, b = Value(2.0, "a"), Value(3.0, "b")
    assert (a.op, a.parents) == ("", ())
    for node, op in [(a + b, "+"), (a - b, "-"), (a * b, "*"), (a / b, "/")]:
        assert node.op == op and node.parents == (a, b)
    assert (b - a).parents == (b, a)
    assert (a**2).op == "**2" and (a**0.5).op == "**0.5" and (a**-1).op == "**-1"
    assert [f(a).op for f in (Value.relu, Value.tanh, Value.sigmoid, Value.exp, Value.log)] == [
        "relu", "tanh", "sigmoid", "exp", "log"]
    reflected = 5 - a
    assert reflected.parents[1] is a and reflected.parents[0].data == 5.0
    assert reflected.parents[0].is_constant and not a.is_constant


def test_data_and_grad_are_floats():
    a = Value(3)
    b = a * 2
    b.backward()
    assert type(a.data) is float and type(a.grad) is float and type(b.grad) is float


# --- published worked examples, expected values derived by hand ------------------------------

def test_cs231n_circuit():
    # f = (x + y) z at x = -2, y = 5, z = -4: q = 3, f = -12, df/dx = df/dy = z = -4, df/dz = q = 3.
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.backward()
    assert f.data == -12.0
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)


def test_cs231n_sigmoid_neuron_from_primitive_ops():
    w0, x0, w1, x1, w2 = (Value(v) for v in (2.0, -1.0, -3.0, -2.0, -3.0))
    f = 1.0 / (1.0 + ((w0 * x0 + w1 * x1 + w2) * -1).exp())
    f.backward()
    # The dot product is 2·(-1) + (-3)·(-2) - 3 = 1, so f = σ(1) and df/d(dot) = σ(1)(1 − σ(1)).
    s = 1 / (1 + math.exp(-1))
    g = s * (1 - s)
    assert f.data == pytest.approx(s, rel=1e-15)
    assert [w0.grad, w1.grad, w2.grad] == pytest.approx([-1 * g, -2 * g, g], rel=1e-12)
    assert [x0.grad, x1.grad] == pytest.approx([2 * g, -3 * g], rel=1e-12)
    # The numbers CS231n prints, to the digits it prints them.
    assert round(f.data, 2) == 0.73
    assert [round(v.grad, 2) for v in (w0, w1, w2)] == [-0.2, -0.39, 0.2]
    assert [round(v.grad, 2) for v in (x0, x1)] == [0.39, -0.59]


def test_micrograd_sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    # By hand: z = 3x + 2 = -10 (so relu(z) = 0 and q = z·x = 40), h = z² = 100,
    # y = h + q(1 + x) = 100 + 40·(-3) = -20.
    # dq/dx = 3x + z = -22, dh/dx = 2z·3 = -60, dy/dx = dh/dx + (1 + x)·dq/dx + q = -60 + 66 + 40.
    assert y.data == -20.0
    assert x.grad == 46.0


class Dual:
    """Forward-mode dual number over exact Fractions: value and derivative along one seed."""

    def __init__(self, value, slope=0):
        self.value, self.slope = Fraction(value), Fraction(slope)

    @staticmethod
    def lift(x):
        return x if isinstance(x, Dual) else Dual(x)

    def __add__(self, other):
        other = Dual.lift(other)
        return Dual(self.value + other.value, self.slope + other.slope)

    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.value, -self.slope)

    def __sub__(self, other):
        return self + -Dual.lift(other)

    def __mul__(self, other):
        other = Dual.lift(other)
        return Dual(self.value * other.value, self.slope * other.value + self.value * other.slope)

    __rmul__ = __mul__

    def __pow__(self, n):
        return Dual(self.value**n, n * self.value ** (n - 1) * self.slope)

    def __truediv__(self, other):
        return self * Dual.lift(other) ** -1

    def __rtruediv__(self, other):
        return Dual.lift(other) * self**-1

    def relu(self):
        return self if self.value > 0 else Dual(0)


def micrograd_more_ops(a, b):
    """micrograd's test_more_ops expression, written for either Values or Duals."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_more_ops_against_exact_forward_mode():
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    along_a = micrograd_more_ops(Dual(-4, 1), Dual(2, 0))
    along_b = micrograd_more_ops(Dual(-4, 0), Dual(2, 1))
    assert g.data == pytest.approx(float(along_a.value), rel=1e-14)
    assert a.grad == pytest.approx(float(along_a.slope), rel=1e-13)
    assert b.grad == pytest.approx(float(along_b.slope), rel=1e-13)
    # The numbers micrograd's README prints.
    assert (round(g.data, 4), round(a.grad, 4), round(b.grad, 4)) == (24.7041, 138.8338, 645.5773)


# --- the ledger of chain-rule steps ----------------------------------------------------------

def ledger_expression():
    a, b = Value(2.0, "a"), Value(-3.0, "b")
    c = a * b
    c.label = "c"
    d = (c + a * a).tanh() + (a + a) * 0.5 - b / 4
    return d, (a, b, c)


def test_contributions_into_each_node_sum_to_its_grad():
    root, _ = ledger_expression()
    steps = root.backward()
    received = defaultdict(float)
    for step in steps:
        received[id(step.input)] += step.contribution
    for node in root.topo():
        expected = 1.0 if node is root else received[id(node)]
        assert node.grad == pytest.approx(expected, rel=1e-15, abs=1e-300)


def test_each_step_is_local_times_upstream_and_tracks_the_running_total():
    root, _ = ledger_expression()
    steps = root.backward()
    running = defaultdict(float)
    for step in steps:
        assert isinstance(step, ChainRuleStep)
        assert step.input is step.output.parents[step.operand]
        assert step.upstream_grad == step.output.grad
        assert step.contribution == step.local_grad * step.upstream_grad
        running[id(step.input)] += step.contribution
        assert step.grad_after == running[id(step.input)]


def test_one_step_per_edge_and_outputs_finished_before_they_push_back():
    root, _ = ledger_expression()
    steps = root.backward()
    assert len(steps) == sum(len(node.parents) for node in root.topo())
    pushed = [id(step.output) for step in steps]
    for step in steps:  # a node pushes back only after every user of it has pushed into it
        last_receive = max(i for i, s in enumerate(steps) if s.input is step.output) \
            if step.output is not root else -1
        assert last_receive < pushed.index(id(step.output))


def test_local_grads_match_central_differences_in_the_ledger():
    a, b = Value(0.7, "a"), Value(-1.2, "b")
    root = (a * b).sigmoid() + (a - b).exp() / (b * b + 1)
    for step in root.backward():
        parents = step.output.parents
        op = step.output.op

        def rebuild(t, parents=parents, op=op, operand=step.operand):
            leaves = [Value(t) if i == operand else Value(p.data) for i, p in enumerate(parents)]
            return apply(op, leaves).data

        numeric = numerical_grad(rebuild, step.input.data)
        assert relative_error(step.local_grad, numeric) < 1e-7, step.text


def apply(op, operands):
    """Re-run one op on fresh leaves."""
    binary = {"+": lambda x, y: x + y, "-": lambda x, y: x - y,
              "*": lambda x, y: x * y, "/": lambda x, y: x / y}
    if op in binary:
        return binary[op](*operands)
    return getattr(operands[0], op)()


def test_node_used_twice_receives_both_contributions():
    a = Value(3.0, "a")
    square = a * a
    steps = square.backward()
    assert [(s.input, s.operand, s.contribution) for s in steps] == [(a, 0, 3.0), (a, 1, 3.0)]
    assert a.grad == 6.0 and [s.grad_after for s in steps] == [3.0, 6.0]
    b = Value(3.0, "b")
    double = b + b
    double.backward()
    assert b.grad == 2.0


def test_step_text_shows_the_numbers():
    a, b = Value(3.0, "a"), Value(-2.0, "b")
    c = a * b
    c.label = "c"
    root = c * 1.0
    steps = root.backward()
    into_a = next(s for s in steps if s.input is a)
    # ∂L/∂c = 1 (the constant), ∂c/∂a = b = -2, so ∂L/∂a gets -2.
    assert into_a.text == "a.grad += c.grad · ∂c/∂a = 1 · (-2) = -2"
    into_b = next(s for s in steps if s.input is b)
    assert into_b.text == "b.grad += c.grad · ∂c/∂b = 1 · 3 = 3"
    into_c = next(s for s in steps if s.input is c)
    assert into_c.text == "c.grad += L.grad · ∂L/∂c = 1 · 1 = 1"


def test_unlabelled_nodes_are_named_by_forward_index():
    x = Value(0.5)
    y = (x * 2).tanh()
    steps = y.backward()
    # forward order: x (v0), the constant 2 (c1), x*2 (v2), tanh = root (L)
    assert [s.text.split(" += ")[0] for s in steps] == ["v2.grad", "v0.grad", "c1.grad"]
    assert steps[0].text.endswith(f"= 1 · {1 - math.tanh(1.0) ** 2:.4g} = {1 - math.tanh(1.0) ** 2:.4g}")


def test_labels_that_are_not_one_word_are_parenthesised():
    x, y = Value(1.0, "x"), Value(2.0, "y")
    s = x + y
    s.label = "x+y"
    f = s * 3
    f.label = "f"
    texts = [step.text for step in f.backward()]
    assert "(x+y).grad += f.grad · ∂f/∂(x+y) = 1 · 3 = 3" in texts


def test_number_formatting_is_compact():
    a = Value(1.0, "a")
    root = a * 1234567.0 + a * 0.000012345 + a * 0.5
    texts = [s.text for s in root.backward() if s.input is a]
    assert sorted(t.rsplit(" = ", 1)[1] for t in texts) == ["0.5", "1.234e-5", "1.235e6"]


def test_topo_is_forward_order_and_stable():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = b * a
    d = a + c
    order = d.topo()
    assert order == [a, b, c, d]
    assert d.topo() == order
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)


# --- robustness --------------------------------------------------------------------------

def test_chain_of_ten_thousand_nodes():
    x = Value(1.0, "x")
    node = x
    for _ in range(10_000):
        node = node * 1.0001
    steps = node.backward()
    assert len(steps) == 20_000
    assert x.grad == pytest.approx(1.0001**10_000, rel=1e-9)
    assert len(node.topo()) == 20_001


def test_backward_twice_gives_the_same_grads_and_steps():
    root, (a, b, c) = ledger_expression()
    first_steps = [(s.contribution, s.grad_after) for s in root.backward()]
    first = [n.grad for n in root.topo()]
    second_steps = [(s.contribution, s.grad_after) for s in root.backward()]
    assert [n.grad for n in root.topo()] == first
    assert second_steps == first_steps


def test_backward_resets_grads_left_by_another_root():
    a = Value(2.0, "a")
    first, second = a * 3, a * 5
    first.backward()
    second.backward()
    assert a.grad == 5.0


def test_non_numeric_data_is_a_type_error():
    for bad in ("1.0", None, [1.0], True):
        with pytest.raises(TypeError, match="data must be a real number"):
            Value(bad)
    with pytest.raises(TypeError, match="operand must be a real number; got str"):
        Value(1.0) + "2"
    with pytest.raises(TypeError, match="label must be a string; got tuple"):
        Value(1.0, ())


def test_log_of_non_positive_names_the_value():
    for bad in (0.0, -2.5):
        with pytest.raises(ValueError, match=f"log needs a positive value; got {bad!r}"):
            Value(bad).log()


def test_value_exponent_is_refused_with_what_is_supported():
    with pytest.raises(TypeError, match="exponent must be a plain number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError, match="exponent must be a plain number"):
        2.0 ** Value(3.0)
    with pytest.raises(TypeError, match="exponent must be a real number; got str"):
        Value(2.0) ** "3"


def test_impossible_powers_and_division_by_zero_are_clear():
    with pytest.raises(ValueError, match="negative base"):
        Value(-2.0) ** 0.5
    with pytest.raises(ZeroDivisionError, match="0"):
        Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError, match="data is 0"):
        Value(1.0) / 0


def test_exp_overflow_is_inf_without_warnings(recwarn):
    big = Value(1000.0)
    e = big.exp()
    assert e.data == math.inf
    e.backward()
    assert big.grad == math.inf
    assert (Value(1e200) ** 2).data == math.inf
    assert (Value(-1e200) ** 3).data == -math.inf
    assert Value(-1000.0).sigmoid().data == 0.0 and Value(1000.0).sigmoid().data == 1.0
    assert len(recwarn) == 0


def test_micrograd_style_attributes():
    a, b = Value(1.0), Value(2.0)
    c = a + b
    assert c._prev == {a, b} and c._op == "+"
    assert repr(Value(2.0, "a")) == "Value(data=2, grad=0, label='a')"


def test_recorded_steps_are_frozen_dataclasses_equal_to_constructed_ones():
    a = Value(2.0, "a")
    root = a * 3.0
    step = root.backward()[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.local_grad = 0.0
    rebuilt = ChainRuleStep(step.output, step.input, 3.0, 1.0, 3.0, 3.0, 0)
    assert step == rebuilt and hash(step) == hash(rebuilt)
    assert dataclasses.asdict(step)["contribution"] == 3.0
    assert rebuilt.text == "a.grad += ?.grad · ∂?/∂a = 1 · 3 = 3"  # built by hand: no graph names


def test_the_module_docstring_example_runs():
    import doctest

    import bpwidgets.core.value as value_module

    result = doctest.testmod(value_module)
    assert result.attempted >= 5 and result.failed == 0
