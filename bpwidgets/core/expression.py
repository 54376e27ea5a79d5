"""Build a Value graph from a formula such as ``"(x + y) * z"`` (parsed with ``ast``, never eval).

Allowed: numbers, input names, ``+ - * /``, unary ``-``, ``** number``, and the functions
``exp log`` and every activation of ``core.activations.ACTIVATIONS`` (tanh, sigmoid, relu, …)
called as ``tanh(e)`` or as methods ``e.tanh()``.
Inputs become leaves labelled with their names; every intermediate node is labelled with its
own piece of the formula without spaces (``x+y``) when that is at most 12 characters long;
the root is labelled ``f`` (unless the whole formula is a single input name).
Error messages give 1-based columns, like Python's own syntax errors.
"""

from __future__ import annotations

import ast
import operator

from .activations import ACTIVATIONS
from .validate import check_number
from .value import Value

VALUE_FUNCTIONS = ("exp", "log")  # Value methods besides the activations
ROOT_LABEL = "f"
MAX_LABEL_LENGTH = 12
MAX_FORMULA_LENGTH = 300  # characters: a formula a step-by-step picture can still show
MAX_NAME_LENGTH = 30  # characters of one input name

_OPERATIONS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
               ast.Div: operator.truediv}
_ALLOWED_OPERATORS = "+ - * / ** and unary -"


def functions() -> tuple[str, ...]:
    """The function names a formula may call: every activation, then exp and log."""
    return (*ACTIVATIONS, *VALUE_FUNCTIONS)


def expression_inputs(text: str) -> list[str]:
    """Return the input names of a formula, in order of first appearance."""
    tree = _parse(text)
    callees = _callees(tree)
    names = sorted((n for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in callees),
                   key=lambda n: (n.lineno, n.col_offset))
    return list(dict.fromkeys(n.id for n in names))


def build_expression(text: str, /, **inputs) -> Value:
    """Build the formula's graph with the given input values (numbers or Values); return its root."""
    names = expression_inputs(text)
    missing = [name for name in names if name not in inputs]
    if missing:
        raise ValueError(f"missing value for input {missing[0]!r}; "
                         f"the formula needs values for {', '.join(names)}")
    unknown = [name for name in inputs if name not in names]
    if unknown:
        allowed = ", ".join(names) if names else "none"
        raise ValueError(f"unknown name {unknown[0]!r}: the formula's inputs are {allowed}")
    leaves = {name: _leaf(name, inputs[name]) for name in names}
    tree = _parse(text)
    root = _Builder(text, leaves).build(tree.body)
    if not isinstance(tree.body, ast.Name):  # an input name stays labelled as the input
        root.label = ROOT_LABEL
    return root


def _leaf(name: str, value) -> Value:
    if isinstance(value, Value):
        if not value.label:
            value.label = name
        return value
    return Value(check_number(name, value), name)


def _parse(text: str) -> ast.Expression:
    """Parse and check a formula; raise ValueError naming what is wrong and where."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string formula such as '(x + y) * z'; "
                        f"got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ValueError("the formula is empty; write one such as '(x + y) * z'")
    if len(text) > MAX_FORMULA_LENGTH:
        raise ValueError(f"the formula must have at most {MAX_FORMULA_LENGTH} characters; "
                         f"got {len(text)}")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        # Python reports offset 0 when the formula ends too early, as in 'x +'.
        column = error.offset or len(text) + 1
        problem = error.msg if error.offset else "unexpected end of the formula"
        raise ValueError(f"syntax error at column {column}: {problem} in {text!r}") from None
    callees = _callees(tree)
    for node in ast.walk(tree.body):
        if id(node) not in callees:  # a called function's name is checked with its call
            _check(node, text)
        if isinstance(node, ast.Name) and len(node.id) > MAX_NAME_LENGTH:
            raise ValueError(f"input names must have at most {MAX_NAME_LENGTH} characters; "
                             f"got one of {len(node.id)} ('{node.id[:12]}…')")
    return tree


def _callees(tree: ast.AST) -> set[int]:
    """ids of the nodes that name a called function (tanh in tanh(x), x.tanh in x.tanh())."""
    return {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}


def _check(node: ast.AST, text: str) -> None:
    """Raise ValueError if ``node`` is not part of the formula language."""
    where = f"at column {getattr(node, 'col_offset', 0) + 1}"
    if isinstance(node, ast.BinOp) and type(node.op) not in (*_OPERATIONS, ast.Pow):
        symbol = _symbol(node.op)
        column = text.find(symbol, node.left.end_col_offset) + 1 if node.lineno == 1 else 0
        raise ValueError(f"unsupported operator {symbol!r} at column {column or '?'}; "
                         f"allowed: {_ALLOWED_OPERATORS}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) \
            and _plain_number(node.right) is None:
        raise ValueError(f"the exponent of ** must be a plain number {where} (as in x ** 2)")
    if isinstance(node, ast.UnaryOp) and not isinstance(node.op, (ast.USub, ast.UAdd)):
        raise ValueError(f"unsupported operator {_symbol(node.op)!r} {where}; "
                         f"allowed: {_ALLOWED_OPERATORS}")
    if isinstance(node, ast.Constant) and _plain_number(node) is None:
        raise ValueError(f"unsupported constant {node.value!r} {where}; only numbers are allowed")
    if isinstance(node, ast.Name) and node.id in functions():
        raise ValueError(f"{node.id} is a function {where}; call it as {node.id}(...)")
    if isinstance(node, ast.Call):
        _check_call(node, where)
    if isinstance(node, ast.Attribute):  # not called, as in x.tanh
        raise ValueError(f"unsupported attribute .{node.attr} {where}; "
                         f"call one of {', '.join(functions())} as e.tanh()")
    allowed = (ast.BinOp, ast.UnaryOp, ast.Constant, ast.Name, ast.Call, ast.Attribute,
               ast.operator, ast.unaryop, ast.expr_context)
    if not isinstance(node, allowed):
        raise ValueError(f"unsupported syntax ({type(node).__name__}) {where}; a formula may use "
                         f"numbers, names, {_ALLOWED_OPERATORS}, and {', '.join(functions())}")


def _check_call(node: ast.Call, where: str) -> None:
    method = isinstance(node.func, ast.Attribute)
    name = node.func.attr if method else getattr(node.func, "id", None)
    if name not in functions():
        raise ValueError(f"unknown function {name or ast.unparse(node.func)!r} {where}; "
                         f"allowed functions: {', '.join(functions())}")
    if node.keywords or len(node.args) != (0 if method else 1):
        usage = f"e.{name}()" if method else f"{name}(e)"
        raise ValueError(f"{name} takes one operand {where}: write {usage}")


def _plain_number(node: ast.AST) -> float | None:
    """The value of a number literal, or of -number / +number; None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _plain_number(node.operand)
        if inner is None:
            return None
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return float(node.value)
    return None


def _symbol(op: ast.AST) -> str:
    symbols = {ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.BitAnd: "&",
               ast.BitOr: "|", ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>",
               ast.Not: "not", ast.Invert: "~"}
    return symbols.get(type(op), type(op).__name__)


class _Builder:
    """Turns a checked formula tree into Values, labelling nodes with their source text."""

    def __init__(self, text: str, leaves: dict[str, Value]):
        self.text = text.strip()
        self.leaves = leaves

    def build(self, node: ast.AST) -> Value:
        """Return the Value computed by ``node``."""
        value = self._compute(node)
        if not value.label and not value.is_constant:
            segment = "".join((ast.get_source_segment(self.text, node) or "").split())
            value.label = segment if len(segment) <= MAX_LABEL_LENGTH else ""
        return value

    def _compute(self, node: ast.AST) -> Value:
        if isinstance(node, ast.Name):
            return self.leaves[node.id]
        number = _plain_number(node)
        if number is not None:
            constant = Value(number)
            constant.is_constant = True
            return constant
        if isinstance(node, ast.UnaryOp):  # only - and + reach here
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        call = node  # a checked ast.Call: f(e) or e.f()
        if isinstance(call.func, ast.Attribute):
            operand, name = self.build(call.func.value), call.func.attr
        else:
            operand, name = self.build(call.args[0]), call.func.id
        return getattr(operand, name)() if name in VALUE_FUNCTIONS else operand.activate(name)

    def _binary(self, node: ast.BinOp) -> Value:
        left = self.build(node.left)
        if isinstance(node.op, ast.Pow):
            return left ** _plain_number(node.right)
        return _OPERATIONS[type(node.op)](left, self.build(node.right))
