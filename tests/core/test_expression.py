"""build_expression / expression_inputs: parsing with ast, labels, gradients, every error."""

from __future__ import annotations

import math

import pytest

from bpwidgets.core.expression import build_expression, expression_inputs
from bpwidgets.core.gradcheck import numerical_grad, relative_error
from bpwidgets.core.value import Value


def test_inputs_in_order_of_first_appearance():
    assert expression_inputs("(x + y) * z") == ["x", "y", "z"]
    assert expression_inputs("b * a + tanh(a) - c.exp() / b") == ["b", "a", "c"]
    assert expression_inputs("2 * 3") == []


def test_cs231n_circuit_from_text():
    f = build_expression("(x + y) * z", x=-2, y=5, z=-4)
    f.backward()
    # q = x + y = 3, f = q·z = -12; df/dx = df/dy = z = -4, df/dz = q = 3
    x, y, z, q = f.topo()[:4]
    assert (f.data, f.label, f.op) == (-12.0, "f", "*")
    assert [(v.label, v.grad) for v in (x, y, z, q)] == [("x", -4.0), ("y", -4.0), ("z", 3.0),
                                                         ("x+y", -4.0)]


def test_every_operation_and_function():
    text = "tanh(a * b + 1) / a.exp() - a ** 2 + sigmoid(-b) * relu(a - 0.1) + log(b) - -a"
    a, b = 0.3, 2.0
    f = build_expression(text, a=a, b=b)
    expected = (math.tanh(a * b + 1) / math.exp(a) - a**2 + 1 / (1 + math.exp(b)) * (a - 0.1)
                + math.log(b) + a)
    assert f.data == pytest.approx(expected, rel=1e-14)
    f.backward()
    leaves = {v.label: v for v in f.topo() if not v.parents and not v.is_constant}

    def value_at(a_, b_):
        return build_expression(text, a=a_, b=b_).data

    assert relative_error(leaves["a"].grad, numerical_grad(lambda t: value_at(t, b), a)) < 1e-8
    assert relative_error(leaves["b"].grad, numerical_grad(lambda t: value_at(a, t), b)) < 1e-8


def test_a_name_used_twice_is_one_leaf():
    f = build_expression("x * x + x", x=3.0)
    f.backward()
    leaves = [v for v in f.topo() if not v.parents]
    assert len(leaves) == 1 and leaves[0].grad == 7.0  # d/dx (x² + x) = 2x + 1


def test_labels_for_intermediate_nodes():
    f = build_expression("tanh(w * x + b) * 2", w=0.5, x=1.0, b=0.1)
    labels = [v.label for v in f.topo()]
    assert labels == ["w", "x", "b", "w*x", "w*x+b", "tanh(w*x+b)", "", "f"]  # inputs first
    assert f.topo()[6].is_constant
    long = build_expression("(alpha + beta) * gamma", alpha=1.0, beta=2.0, gamma=3.0)
    assert long.parents[0].label == "alpha+beta"  # 10 characters: kept
    longer = build_expression("(alpha + beta + gamma) * 2", alpha=1.0, beta=2.0, gamma=3.0)
    assert longer.parents[0].label == ""  # 16 characters: too long, shown as v<k>


def test_root_that_is_an_input_keeps_its_name():
    assert build_expression("x", x=2.0).label == "x"
    assert build_expression("(x)", x=2.0).label == "x"
    assert build_expression("3").label == "f"


def test_values_can_be_given_as_inputs():
    x = Value(2.0)
    f = build_expression("x * 3", x=x)
    f.backward()
    assert x.grad == 3.0 and x.label == "x"
    named = Value(2.0, "mine")
    assert build_expression("x + 1", x=named).parents[0].label == "mine"


def test_powers_take_plain_numbers_including_negative():
    f = build_expression("x ** -2 + x ** 0.5", x=4.0)
    assert f.data == pytest.approx(4.0**-2 + 2.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x +", "syntax error at column 4"),
        ("x y", "syntax error at column 3"),
        ("(x + y", "syntax error at column 1"),
        ("", "the formula is empty"),
        ("x % y", "unsupported operator '%' at column 3; allowed: \\+ - \\* / \\*\\* and unary -"),
        ("x // y", "unsupported operator '//' at column 3"),
        ("~x", "unsupported operator '~' at column 1"),
        ("x ** y", "exponent of \\*\\* must be a plain number at column 1"),
        ("sin(x)", "unknown function 'sin' at column 1; allowed functions: linear, sigmoid, tanh, "
                   "relu, leaky_relu, softsign, exp, log"),
        ("x.sin()", "unknown function 'sin'"),
        ("x.tanh", "unsupported attribute .tanh"),
        ("tanh", "tanh is a function at column 1; call it as tanh"),
        ("tanh(x, y)", "tanh takes one operand at column 1: write tanh\\(e\\)"),
        ("x.tanh(y)", "tanh takes one operand .* write e.tanh\\(\\)"),
        ("'x'", "unsupported constant 'x'"),
        ("True + x", "unsupported constant True"),
        ("x < y", "unsupported syntax \\(Compare\\) at column 1"),
        ("x[0]", "unsupported syntax \\(Subscript\\)"),
        ("__import__('os')", "unknown function '__import__'"),
    ],
)
def test_errors_say_what_and_where(text, message):
    with pytest.raises(ValueError, match=message):
        build_expression(text, x=1.0, y=2.0)


def test_missing_and_unknown_inputs():
    with pytest.raises(ValueError, match="missing value for input 'z'; the formula needs values "
                                         "for x, y, z"):
        build_expression("(x + y) * z", x=1.0, y=2.0)
    with pytest.raises(ValueError, match="unknown name 'w': the formula's inputs are x, y"):
        build_expression("x * y", x=1.0, y=2.0, w=3.0)


def test_bad_input_values_and_text():
    with pytest.raises(TypeError, match="x must be a real number; got str"):
        build_expression("x * 2", x="1")
    with pytest.raises(TypeError, match="text must be a string formula"):
        build_expression(42)
    with pytest.raises(ValueError, match="log needs a positive value; got -1.0"):
        build_expression("log(x)", x=-1.0)


def test_oversized_formulas_and_names_are_refused_at_once(monkeypatch):
    import ast

    from bpwidgets.core import expression
    from bpwidgets.core.expression import MAX_FORMULA_LENGTH, expression_inputs

    parsed = []
    real_parse = ast.parse
    monkeypatch.setattr(expression.ast, "parse", lambda text, **kw: parsed.append(len(text))
                        or real_parse(text, **kw))
    with pytest.raises(ValueError, match=r"at most 300 characters; got 200004"):
        expression_inputs("a" * 200_000 + " * y")
    assert parsed == []  # refused before parsing: a 200k-character formula costs nothing
    with pytest.raises(ValueError, match=r"input names must have at most 30 characters; got one of 31"):
        expression_inputs("b" * 31 + " * y")
    monkeypatch.undo()
    assert expression_inputs("x" * 30 + " * y") == ["x" * 30, "y"]
    assert MAX_FORMULA_LENGTH == 300
