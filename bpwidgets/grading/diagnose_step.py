"""Recognise the classic slips in one typed answer of a backward-pass quiz.

A quiz question knows its exact answer (from the core's ledger) and the numbers around it; each
function below lists the typical wrong answers for one kind of question as ``Slip`` records
(the value the slip produces, a catalogue key, the hint). ``step_hint`` names the slip a typed
number matches — first these quiz-specific slips, then a rounded answer, then the graded checks' catalogue in
``bpwidgets.grading.mistakes`` (sign, factor 2 or ½, a missing local derivative) — judged
with the check module's tolerances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bpwidgets.grading.checks import DEFAULT_ATOL, DEFAULT_RTOL
from bpwidgets.grading.mistakes import diagnose

_ANY_FACTOR = "your values are the expected ones times"
ROUNDING_RTOL = 2e-3  # closer than this, but not within the check tolerance: a rounded answer

HINTS = {
    "forgot_local": "you passed the upstream gradient on unchanged — multiply it by the local "
    "derivative of this node",
    "forward_value": "that is a forward value, not a gradient — the chain rule multiplies "
    "the gradient arriving from above by the local derivative",
    "second_path": "this node already held a gradient from another path — gradients arriving "
    "along different paths add up (+=)",
    "sign": "right size, wrong sign — check the sign of the local derivative",
    "swapped_mul": "for a × b the local derivative with respect to a is b (the other input), "
    "not a itself",
    "stale": "that is the gradient before this step — add this step's contribution",
    "tanh_local": "tanh' is 1 − t² (t = tanh's output), not 1 − t",
    "exp_local": "the derivative of eˣ is eˣ itself (the node's output), not x",
    "forgot_slope": "you forgot the activation's slope σ'(net) = out·(1 − out)",
    "one_path": "this unit feeds several units — add the contributions δ·w of every path",
    "wrong_weights": "you used the weights of the other unit — δ_h sums δ_k · w(h→k), the "
    "weights leaving h",
    "wrong_input": "∂net/∂w is the activation of the unit the weight comes from, not the one "
    "it goes to",
}


@dataclass(frozen=True)
class Slip:
    """A typical wrong answer: its value, its key in ``HINTS``."""

    value: float
    key: str

    @property
    def hint(self) -> str:
        """The sentence shown for this slip."""
        return HINTS[self.key]


def close(answer: float, expected: float) -> bool:
    """True when ``answer`` counts as right: the check module's tolerances."""
    return bool(np.isclose(answer, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL))


def local_slips(op: str, out_value: float, in_value: float, local: float) -> tuple[Slip, ...]:
    """Typical wrong local derivatives ∂out/∂in of the op that made ``out``."""
    slips = [Slip(-local, "sign")]
    if op == "*":
        slips.append(Slip(in_value, "swapped_mul"))
    if op == "tanh":
        slips.append(Slip(1.0 - out_value, "tanh_local"))
    if op == "exp":
        slips.append(Slip(in_value, "exp_local"))
    slips.append(Slip(out_value, "forward_value"))
    return tuple(slips)


def gradient_slips(
    op: str, out_value: float, in_value: float, local: float, upstream: float, before: float
) -> tuple[Slip, ...]:
    """Typical wrong ∂root/∂in after one chain-rule step ``in.grad += local · upstream``."""
    after = before + local * upstream
    slips = [Slip(before + upstream, "forgot_local"), Slip(local * upstream, "second_path")]
    if op == "*":
        slips.append(Slip(before + in_value * upstream, "swapped_mul"))
    slips += [
        Slip(before + local * out_value, "forward_value"),
        Slip(in_value, "forward_value"),
        Slip(before, "stale"),
        Slip(-after, "sign"),
    ]
    return tuple(slips)


def delta_slips(
    upstream: float,
    slope: float,
    out_value: float,
    net_value: float,
    paths: tuple[float, ...] = (),
    crossed: float | None = None,
) -> tuple[Slip, ...]:
    """Typical wrong δ = ∂E/∂net of a unit: ``upstream`` is ∂E/∂out, ``paths`` its terms δ_k·w."""
    slips = [Slip(upstream, "forgot_slope"), Slip(-upstream * slope, "sign")]
    if len(paths) > 1:
        slips += [Slip(term * slope, "one_path") for term in paths]
    if crossed is not None:
        slips.append(Slip(crossed * slope, "wrong_weights"))
    slips += [Slip(out_value, "forward_value"), Slip(net_value, "forward_value")]
    return tuple(slips)


def weight_slips(
    delta: float, upstream: float, incoming: float, outgoing: float, weight: float
) -> tuple[Slip, ...]:
    """Typical wrong ∂E/∂w = δ_j · out_i for the weight w from unit i to unit j."""
    return (
        Slip(delta, "forgot_local"),
        Slip(upstream * incoming, "forgot_slope"),
        Slip(delta * outgoing, "wrong_input"),
        Slip(-delta * incoming, "sign"),
        Slip(incoming, "forward_value"),
        Slip(weight, "forward_value"),
    )


def step_hint(answer: float, expected: float, slips=(), local_derivative=None) -> tuple[str, str]:
    """(key, hint) for a wrong ``answer``: a quiz slip, then the checks' catalogue, else generic."""
    for slip in slips:
        if not close(slip.value, expected) and close(answer, slip.value):
            return slip.key, slip.hint
    if math.isclose(answer, expected, rel_tol=ROUNDING_RTOL):
        return "rounded", (
            "very close, but rounded — the picture shows 4 digits; type more "
            "digits or an expression with the names offered (e.g. 1 - t**2)"
        )
    hint = diagnose(
        np.asarray(answer, float),
        np.asarray(expected, float),
        local_derivative=local_derivative,
        rtol=DEFAULT_RTOL,
        atol=DEFAULT_ATOL,
    )
    # Any two numbers differ by *some* factor: only a named factor says something about a scalar.
    if hint and not hint.startswith(_ANY_FACTOR):
        return "catalogue", hint
    return "other", "not quite — write the chain-rule product: local derivative × upstream gradient"
