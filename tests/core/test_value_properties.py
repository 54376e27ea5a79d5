"""Property-based tests: random expression trees over a few leaves, in safe domains.

A tree is nested tuples such as ("mul", ("leaf", 0), ("tanh", ("const", 0.5))). The same tree is
evaluated with Values (for backward), with plain floats via math (for finite differences), and
rendered as text (for build_expression). Domain-sensitive ops are wrapped to stay safe:
division by (d² + 1), log of (e² + 1), exp of tanh(e).
"""

from __future__ import annotations

import math
from collections import defaultdict

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bpwidgets.core.expression import build_expression, expression_inputs
from bpwidgets.core.gradcheck import numerical_grad
from bpwidgets.core.graph import graph_layout
from bpwidgets.core.value import Value

LEAF_NAMES = ("a", "b", "c")
UNARY = ("neg", "tanh", "sigmoid", "exp", "log", "relu", "square", "cube")
BINARY = ("add", "sub", "mul", "div")

leaf_values = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3)
atoms = st.one_of(
    st.tuples(st.just("leaf"), st.integers(0, len(LEAF_NAMES) - 1)),
    st.tuples(st.just("const"), st.sampled_from([-1.5, 0.5, 2.0, 3.0])),
)
trees = st.recursive(
    atoms,
    lambda inner: st.one_of(
        st.tuples(st.sampled_from(UNARY), inner),
        st.tuples(st.sampled_from(BINARY), inner, inner),
    ),
    max_leaves=8,
)


def evaluate(tree, leaves, lib):
    """Evaluate ``tree`` with ``lib`` (VALUE_OPS or FLOAT_OPS) at the given leaves."""
    kind = tree[0]
    if kind == "leaf":
        return leaves[tree[1]]
    if kind == "const":
        return lib["const"](tree[1])
    args = [evaluate(sub, leaves, lib) for sub in tree[1:]]
    return lib[kind](*args)


def constant_value(x: float) -> Value:
    constant = Value(x)
    constant.is_constant = True
    return constant


def shared_ops(const, tanh, sigmoid, exp, log, relu):
    return {
        "const": const,
        "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
        "div": lambda x, y: x / (y * y + 1), "neg": lambda x: -x, "tanh": tanh,
        "sigmoid": sigmoid, "exp": lambda x: exp(tanh(x)), "log": lambda x: log(x * x + 1),
        "relu": relu, "square": lambda x: x**2, "cube": lambda x: x**3,
    }


VALUE_OPS = shared_ops(constant_value, Value.tanh, Value.sigmoid, Value.exp, Value.log, Value.relu)
FLOAT_OPS = shared_ops(float, math.tanh, lambda x: 1 / (1 + math.exp(-x)), math.exp, math.log,
                       lambda x: max(x, 0.0))

TEXT = {
    "add": "({} + {})", "sub": "({} - {})", "mul": "({} * {})", "div": "({} / ({} ** 2 + 1))",
    "neg": "(-{})", "tanh": "tanh({})", "sigmoid": "{}.sigmoid()", "exp": "exp(tanh({}))",
    "log": "log({} ** 2 + 1)", "relu": "relu({})", "square": "({} ** 2)", "cube": "({} ** 3)",
}


def walk(tree):
    """Yield every sub-tree of ``tree``."""
    yield tree
    if tree[0] not in ("leaf", "const"):
        for sub in tree[1:]:
            yield from walk(sub)


def render(tree) -> str:
    kind = tree[0]
    if kind == "leaf":
        return LEAF_NAMES[tree[1]]
    if kind == "const":
        return f"({tree[1]})"
    return TEXT[kind].format(*(render(sub) for sub in tree[1:]))


def build(tree, values):
    leaves = [Value(x, name) for x, name in zip(values, LEAF_NAMES, strict=True)]
    return evaluate(tree, leaves, VALUE_OPS), leaves


def away_from_kinks(root) -> bool:
    """True if no relu input lies within 1e-3 of its kink (finite differences would straddle it)."""
    return all(abs(node.parents[0].data) > 1e-3 for node in root.topo() if node.op == "relu")


@settings(max_examples=150, deadline=None)
@given(trees, leaf_values)
def test_gradients_match_central_differences(tree, values):
    root, leaves = build(tree, values)
    assume(away_from_kinks(root))
    assert root.data == evaluate(tree, values, FLOAT_OPS) or math.isclose(
        root.data, evaluate(tree, values, FLOAT_OPS), rel_tol=1e-12, abs_tol=1e-12)
    root.backward()
    for index, leaf in enumerate(leaves):

        def f(t, index=index):
            moved = list(values)
            moved[index] = t
            return evaluate(tree, moved, FLOAT_OPS)

        numeric = numerical_grad(f, values[index])
        scale = max(1.0, abs(leaf.grad), abs(numeric), abs(root.data))
        assert abs(leaf.grad - numeric) <= 1e-6 * scale, (render(tree), LEAF_NAMES[index])


@settings(max_examples=100, deadline=None)
@given(trees, leaf_values)
def test_ledger_is_consistent_and_backward_idempotent(tree, values):
    root, _ = build(tree, values)
    steps = root.backward()
    received = defaultdict(float)
    for step in steps:
        assert step.input is step.output.parents[step.operand]
        assert step.contribution == step.local_grad * step.upstream_grad
        received[id(step.input)] += step.contribution
        assert step.grad_after == received[id(step.input)]
        assert step.text.endswith(" = " + step.text.rsplit(" = ", 1)[1])
    grads = [n.grad for n in root.topo()]
    for node, grad in zip(root.topo(), grads, strict=True):
        assert grad == (1.0 if node is root else received[id(node)])
    assert len(steps) == sum(len(n.parents) for n in root.topo())
    root.backward()
    assert [n.grad for n in root.topo()] == grads


@settings(max_examples=100, deadline=None)
@given(trees, leaf_values)
def test_text_formulas_build_the_same_numbers(tree, values):
    root, leaves = build(tree, values)
    text = render(tree)
    used = expression_inputs(text)
    assert set(used) == {LEAF_NAMES[node[1]] for node in walk(tree) if node[0] == "leaf"}
    parsed = build_expression(text, **{n: values[LEAF_NAMES.index(n)] for n in used})
    assert math.isclose(parsed.data, root.data, rel_tol=1e-12, abs_tol=1e-12)
    root.backward()
    parsed.backward()
    parsed_leaves = {v.label: v for v in parsed.topo() if not v.parents and not v.is_constant}
    for leaf in leaves:
        if leaf.label in parsed_leaves:
            assert math.isclose(parsed_leaves[leaf.label].grad, leaf.grad,
                                rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=60, deadline=None)
@given(trees, leaf_values)
def test_layout_invariants_on_random_graphs(tree, values):
    root, _ = build(tree, values)
    for leaves in ("left", "near_use"):
        layout = graph_layout(root, leaves=leaves)
        assert all(layout.nodes[e.source].x < layout.nodes[e.target].x for e in layout.edges)
        assert len({(n.x, n.y) for n in layout.nodes}) == len(layout.nodes)
        assert layout.nodes[layout.root].x == max(n.x for n in layout.nodes)
