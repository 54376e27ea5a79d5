"""Scalar reverse-mode autograd that records every chain-rule step it applies.

``Value`` works like Karpathy's micrograd: build an expression from Values and plain numbers,
call ``root.backward()`` and read ``.grad`` on every node. Each op stores its *local*
derivatives (∂out/∂operand, one per operand) when it runs forward; ``backward`` then applies
the chain rule ``operand.grad += local · out.grad`` and returns those steps as a ledger of
``ChainRuleStep`` records that panels and lessons display. A step's text keeps the running
total (``a.grad``, summed over every path) apart from the local derivative (``∂c/∂a``).

    >>> a, b = Value(2.0, "a"), Value(-3.0, "b")
    >>> c = a * b
    >>> steps = c.backward()
    >>> a.grad, b.grad
    (-3.0, 2.0)
    >>> steps[0].text
    'a.grad += L.grad · ∂L/∂a = 1 · (-3) = -3'

Naming (used in ``ChainRuleStep.text`` and by ``graph_layout``): a node is shown by its
``label``; an unlabelled root is ``L``; other unlabelled nodes are ``v<k>`` and unlabelled
constants ``c<k>``, where ``k`` is the node's index in ``root.topo()`` (the forward order).

Local derivatives are taken during the forward pass, so after changing a leaf's ``data``
rebuild the expression before calling ``backward`` again: the graph is a record of one pass.

Plain numbers mixed into an expression become constant leaves (``is_constant`` is True). They
are nodes of the graph like any other leaf: they receive gradients and their steps are recorded.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field, fields

from .activations import ACTIVATIONS, activation
from .validate import check_number

_creation_counter = itertools.count()


class Value:
    """A scalar node of a computation graph: its data, its gradient and how it was made."""

    __slots__ = ("data", "grad", "label", "op", "parents", "is_constant", "_local_grads", "_serial")

    # Make numpy defer to our reflected operators: np.float64(2) * v calls v.__rmul__.
    __array_ufunc__ = None

    def __init__(self, data, label: str = ""):
        if not isinstance(label, str):
            raise TypeError(f"label must be a string; got {type(label).__name__} {label!r}")
        self.data = check_number("data", data)
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents: tuple[Value, ...] = ()
        self.is_constant = False
        self._local_grads: tuple[float, ...] = ()
        self._serial = next(_creation_counter)

    # --- building nodes ------------------------------------------------------------------
    @classmethod
    def _from_op(cls, data: float, op: str, parents: tuple, local_grads: tuple) -> Value:
        """Make the result node of an op; ``local_grads[i]`` is ∂result/∂parents[i]."""
        out = object.__new__(cls)
        out.data = data
        out.grad = 0.0
        out.label = ""
        out.op = op
        out.parents = parents
        out.is_constant = False
        out._local_grads = local_grads
        out._serial = next(_creation_counter)
        return out

    @staticmethod
    def _operand(other) -> Value:
        """Return ``other`` as a Value; a plain number becomes a constant leaf."""
        if isinstance(other, Value):
            return other
        constant = Value(check_number("operand", other))
        constant.is_constant = True
        return constant

    # --- binary ops: each lists (∂out/∂self, ∂out/∂other) -----------------------------------
    def __add__(self, other) -> Value:
        other = Value._operand(other)
        return Value._from_op(self.data + other.data, "+", (self, other), (1.0, 1.0))

    def __sub__(self, other) -> Value:
        other = Value._operand(other)
        return Value._from_op(self.data - other.data, "-", (self, other), (1.0, -1.0))

    def __mul__(self, other) -> Value:
        other = Value._operand(other)
        return Value._from_op(self.data * other.data, "*", (self, other), (other.data, self.data))

    def __truediv__(self, other) -> Value:
        other = Value._operand(other)
        a, b = self.data, other.data
        if b == 0:
            raise ZeroDivisionError(f"division by a Value whose data is 0 (dividing {a!r})")
        return Value._from_op(a / b, "/", (self, other), (1.0 / b, -a / (b * b)))

    def __radd__(self, other) -> Value:
        return Value._operand(other) + self

    def __rsub__(self, other) -> Value:
        return Value._operand(other) - self

    def __rmul__(self, other) -> Value:
        return Value._operand(other) * self

    def __rtruediv__(self, other) -> Value:
        return Value._operand(other) / self

    # --- unary ops: each lists (∂out/∂self,) -------------------------------------------------
    def __neg__(self) -> Value:
        return Value._from_op(-self.data, "neg", (self,), (-1.0,))

    def __pow__(self, exponent) -> Value:
        if isinstance(exponent, Value):
            raise TypeError(
                "Value ** Value is not supported: the exponent must be a plain number "
                "(int or float), e.g. x ** 2; for a variable exponent use (b * a.log()).exp()"
            )
        n = check_number("exponent", exponent)
        x = self.data
        if x < 0 and not n.is_integer():
            raise ValueError(f"a negative base ({x!r}) needs a whole-number exponent; got {n!r}")
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"0 ** {n!r} is undefined (the base Value's data is 0)")
        local = 0.0 if n == 0 else n * _power(x, n - 1)
        return Value._from_op(_power(x, n), f"**{format_number(n)}", (self,), (local,))

    def __rpow__(self, base):
        raise TypeError(
            f"{base!r} ** Value is not supported: the exponent must be a plain number "
            "(int or float); for a variable exponent use (value * math.log(base)).exp()"
        )

    def activate(self, name: str) -> Value:
        """f(x) for the activation ``name`` of ``core.activations.ACTIVATIONS``; its local
        derivative is f'(x) from that table (e.g. 1 − t² for tanh)."""
        record = ACTIVATIONS.get(name) or activation(name)  # activation() names the choices
        y, local = record.scalar(self.data)
        return Value._from_op(y, name, (self,), (local,))

    def relu(self) -> Value:
        """max(0, x); its local derivative is 1 where x > 0, else 0."""
        return self.activate("relu")

    def tanh(self) -> Value:
        """Hyperbolic tangent t; its local derivative is 1 − t²."""
        return self.activate("tanh")

    def sigmoid(self) -> Value:
        """Logistic σ(x) = 1 / (1 + e^−x); its local derivative is σ(1 − σ)."""
        return self.activate("sigmoid")

    def exp(self) -> Value:
        """e^x (inf past overflow, as IEEE floats do); its local derivative is e^x itself."""
        e = _exp(self.data)
        return Value._from_op(e, "exp", (self,), (e,))

    def log(self) -> Value:
        """Natural logarithm of a positive value; its local derivative is 1/x."""
        x = self.data
        if not x > 0:
            raise ValueError(f"log needs a positive value; got {x!r}")
        return Value._from_op(math.log(x), "log", (self,), (1.0 / x,))

    # --- the graph -----------------------------------------------------------------------
    def topo(self) -> list[Value]:
        """Return every node this one depends on (and itself) in forward order."""
        seen = {self}  # Values hash by identity
        stack = [self]
        while stack:
            for parent in stack.pop().parents:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        # Creation order is the order the forward pass ran, hence leaves before their users.
        return sorted(seen, key=_serial_of)

    def backward(self) -> list[ChainRuleStep]:
        """Fill ``.grad`` of every node with ∂self/∂node; return the chain-rule steps applied."""
        order = self.topo()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        names = GraphNames(order, self)
        steps = []
        record = steps.append
        for out in reversed(order):
            upstream = out.grad
            for operand, (node, local) in enumerate(zip(out.parents, out._local_grads, strict=True)):
                contribution = local * upstream
                node.grad += contribution
                record(_new_step(out, node, local, upstream, contribution, node.grad,
                                 operand, names))
        return steps

    # --- micrograd compatibility ---------------------------------------------------------
    @property
    def _prev(self) -> set:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={format_number(self.data)}, grad={format_number(self.grad)}{label})"


@dataclass(frozen=True, slots=True)
class ChainRuleStep:
    """One application of the chain rule: ``input.grad += local_grad · upstream_grad``."""

    output: Value  # the node whose gradient is pushed back
    input: Value  # the node receiving it (output.parents[operand])
    local_grad: float  # ∂output/∂input
    upstream_grad: float  # ∂root/∂output
    contribution: float  # local_grad · upstream_grad
    grad_after: float  # input.grad after adding the contribution
    operand: int = 0  # position of input among output.parents (a*a has operands 0 and 1)
    names: GraphNames | None = field(default=None, repr=False, compare=False)

    @property
    def text(self) -> str:
        """The step with numbers, e.g. ``a.grad += c.grad · ∂c/∂a = -2 · 3 = -6``.

        ``x.grad`` is the running total ∂root/∂x (it adds up over every path); ``∂c/∂a`` is the
        local derivative of one operation — two different things, written differently.
        """
        out, node = (self._name(n) for n in (self.output, self.input))
        return (
            f"{node}.grad += {out}.grad · ∂{out}/∂{node} = "
            f"{format_number(self.upstream_grad)} · {format_operand(self.local_grad)} = "
            f"{format_number(self.contribution)}"
        )

    def _name(self, node: Value | None) -> str:
        if self.names is None:  # a step built by hand, outside any backward pass
            if node is None or not node.label:
                return "L" if node is None else "?"
            return wrap_name(node.label)
        return wrap_name(self.names.name(node))


def _step_builder():
    """Return a fast ChainRuleStep constructor, for backward's one step per edge.

    A frozen dataclass's __init__ sets each field through object.__setattr__, which made
    recording steps cost more than the whole forward pass; writing the slots directly through
    their descriptors builds the same frozen object in about half the time.
    """
    setters = [getattr(ChainRuleStep, f.name).__set__ for f in fields(ChainRuleStep)]
    set_output, set_input, set_local, set_upstream, set_contribution, set_after, \
        set_operand, set_names = setters
    new = object.__new__

    def new_step(output, input, local_grad, upstream_grad, contribution, grad_after, operand,
                 names) -> ChainRuleStep:
        step = new(ChainRuleStep)
        set_output(step, output)
        set_input(step, input)
        set_local(step, local_grad)
        set_upstream(step, upstream_grad)
        set_contribution(step, contribution)
        set_after(step, grad_after)
        set_operand(step, operand)
        set_names(step, names)
        return step

    return new_step


_new_step = _step_builder()


class GraphNames:
    """Display names of the nodes of one graph (see the module docstring for the scheme)."""

    __slots__ = ("order", "root", "_names")

    def __init__(self, order: list[Value], root: Value):
        self.order = order
        self.root = root
        self._names: dict[int, str] | None = None

    def name(self, node: Value) -> str:
        """Return the display name of ``node``, which must belong to this graph."""
        if self._names is None:
            self._names = {id(n): _default_name(n, k, n is self.root)
                           for k, n in enumerate(self.order)}
        return self._names[id(node)]


def display_names(root: Value) -> list[str]:
    """Return the display name of each node of ``root.topo()``, in that order."""
    return [_default_name(node, k, node is root) for k, node in enumerate(root.topo())]


def _default_name(node: Value, index: int, is_root: bool) -> str:
    if node.label:
        return node.label
    if is_root:
        return "L"
    return f"c{index}" if node.is_constant else f"v{index}"


def wrap_name(name: str) -> str:
    """Parenthesise names that are not a single word, so ∂f/∂(x+y) reads unambiguously."""
    return name if name.replace("_", "").isalnum() else f"({name})"


def format_number(x: float) -> str:
    """Compact form with 4 significant digits and no trailing zeros: -6, 0.7311, 1.5e-8."""
    if x == 0:
        return "0"  # also turns -0.0 into 0
    text = f"{x:.4g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def format_operand(x: float) -> str:
    """A number written after an operator: negatives in parentheses, as in 2 · (-3)."""
    text = format_number(x)
    return f"({text})" if text.startswith("-") else text


def _serial_of(node: Value) -> int:
    return node._serial


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _power(x: float, n: float) -> float:
    try:
        return x**n
    except ZeroDivisionError:  # 0 ** negative, reached only by a local derivative like √x at 0
        return math.inf
    except OverflowError:
        negative = x < 0 and n.is_integer() and int(n) % 2 == 1
        return -math.inf if negative else math.inf
