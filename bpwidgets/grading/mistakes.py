"""Recognise the classic backprop mistakes by comparing a wrong answer with its wrong variants.

Each diagnosis tests one hypothesis: "the student's array equals the expected one after this
typical slip" (transposed, sign flipped, summed instead of averaged, missing local derivative...).
The first hypothesis that fits becomes a hint sentence naming the likely mistake.
"""

from __future__ import annotations

import numpy as np

# Scale factors worth naming, other than the batch size (which the caller supplies).
_NAMED_FACTORS = {
    -1.0: "your values have the opposite sign — check the sign of the derivative or of the update",
    2.0: "your values are exactly 2× too large — did you keep the 2 from d/dy (y − t)² twice, "
    "or add a gradient twice?",
    0.5: "your values are exactly half the expected ones — did you forget the factor 2 from "
    "d/dy (y − t)²?",
}


def _close(actual: np.ndarray, target: np.ndarray, rtol: float, atol: float) -> bool:
    """True where the arrays have equal shapes and agree within the tolerances everywhere."""
    if actual.shape != target.shape:
        return False
    with np.errstate(all="ignore"):
        return bool(
            np.all(np.isfinite(target)) and np.allclose(actual, target, rtol=rtol, atol=atol)
        )


def _broadcast_or_none(values, shape: tuple) -> np.ndarray | None:
    """``values`` as float64 broadcast to ``shape``; None if absent or not broadcastable."""
    if values is None:
        return None
    try:
        return np.broadcast_to(np.asarray(values, dtype=np.float64), shape)
    except (TypeError, ValueError):
        return None


def _fitted_scale(student: np.ndarray, expected: np.ndarray) -> float | None:
    """Return k minimising |student − k·expected|, or None when expected is all zeros."""
    norm = float(np.sum(expected * expected))
    if norm == 0.0 or not np.isfinite(norm):
        return None
    k = float(np.sum(student * expected)) / norm
    return k if np.isfinite(k) else None


def scale_hint(student, expected, batch_size=None, rtol=1e-5, atol=1e-8) -> str | None:
    """Name the mistake when ``student`` equals ``expected`` times a telling constant factor.

    Any single number is some multiple of another, so for scalars only the recognised
    factors (−1, 2, ½, the batch size and its inverse) count; an arbitrary factor is named
    only when both sides are arrays with several entries.
    """
    k = _fitted_scale(student, expected)
    if k is None or k == 0.0 or not _close(student, k * expected, rtol, atol):
        return None
    if batch_size is not None and batch_size > 1:
        if np.isclose(k, batch_size, rtol=1e-6):
            return (
                f"your values are {batch_size}× the expected ones (the batch size) — you summed "
                "over the batch instead of averaging: divide by the batch size"
            )
        if np.isclose(k, 1.0 / batch_size, rtol=1e-6):
            return (
                f"your values are 1/{batch_size} of the expected ones — you divided by the batch "
                "size once too often (or averaged where a sum was asked for)"
            )
        if np.isclose(k, -float(batch_size), rtol=1e-6):
            return (
                f"your values are −{batch_size}× the expected ones — the sign is flipped and you "
                "summed over the batch instead of averaging"
            )
    for factor, sentence in _NAMED_FACTORS.items():
        if np.isclose(k, factor, rtol=1e-6):
            return sentence
    if expected.size < 2:
        return None
    return f"your values are the expected ones times {k:.4g} — look for a wrong constant factor"


def transpose_hint(student, expected, rtol=1e-5, atol=1e-8) -> str | None:
    """Name the mistake when ``student`` is the transpose of ``expected`` (square matrices too)."""
    if expected.ndim != 2 or student.shape != expected.shape[::-1]:
        return None
    if _close(student, expected.T, rtol, atol):
        return "your array is the transpose of the expected one — did you transpose W (or swap the factors of x.T @ delta)?"
    return None


def swap_hint(student, expected, rtol=1e-5, atol=1e-8) -> str | None:
    """Name swapped entries: (a, b) where (b, a) was expected, as × hands its inputs back."""
    if expected.ndim != 1 or expected.size < 2 or student.shape != expected.shape:
        return None
    if _close(expected, expected[::-1], rtol, atol) or not _close(
        student, expected[::-1], rtol, atol
    ):
        return None
    if expected.size == 2:
        return (
            "your two values are swapped — multiplication swaps its inputs on the way back: "
            "d(a·b)/da = b and d(a·b)/db = a"
        )
    return "your values come in reverse order — check the order of the entries you return"


def transposed_weights_hint(
    student, expected, weights, upstream, local_derivative=None, rtol=1e-5, atol=1e-8
) -> str | None:
    """Name a backward product through the transposed weights (W.T @ δ where W @ δ was needed)."""
    try:
        W = np.asarray(weights, dtype=np.float64)
        delta = np.asarray(upstream, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if W.ndim != 2:
        return None
    local = _broadcast_or_none(local_derivative, expected.shape)
    for product in (lambda: W.T @ delta, lambda: delta @ W):
        try:
            wrong = product()
        except ValueError:
            continue
        candidates = [wrong] if local is None else [wrong * local, wrong]
        if any(_close(student, candidate, rtol, atol) for candidate in candidates):
            return (
                "you sent the deltas back through the transposed weights (W.T @ δ where W @ δ "
                "is needed, or δ @ W where δ @ W.T is) — W has shape (inputs, outputs): going "
                "backwards, multiply along its outputs axis"
            )
    return None


# Wrong local derivatives of named activations: (formula, mistake) with t = f(a), the output.
_WRONG_DERIVATIVES = {
    "tanh": (
        (lambda a, t: 1.0 - t, "1 − t: square the output, tanh'(a) = 1 − t²"),
        (lambda a, t: 1.0 - a * a, "1 − a²: use the output t = tanh(a), not the input, in 1 − t²"),
        (lambda a, t: t, "tanh(a) itself — that is the forward value; tanh'(a) = 1 − t²"),
        (lambda a, t: 1.0 + t * t, "1 + t²: the sign is wrong, tanh'(a) = 1 − t²"),
    ),
    "sigmoid": (
        (lambda a, t: 1.0 - t, "1 − s: multiply by s too, σ'(a) = s (1 − s)"),
        (lambda a, t: t, "σ(a) itself — that is the forward value; σ'(a) = s (1 − s)"),
        (lambda a, t: a * (1.0 - a), "a (1 − a): use the output s = σ(a), not the input"),
        (lambda a, t: t * (1.0 + t), "s (1 + s): the sign is wrong, σ'(a) = s (1 − s)"),
    ),
}
_ACTIVATIONS = {"tanh": np.tanh, "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a))}


def activation_derivative_hint(student, expected, derivative_of, rtol=1e-5, atol=1e-8):
    """Name a wrong local derivative of a named activation, e.g. ``1 - t`` for tanh."""
    try:
        name, at = derivative_of
        a = np.broadcast_to(np.asarray(at, dtype=np.float64), expected.shape)
    except (TypeError, ValueError):
        return None
    if name not in _WRONG_DERIVATIVES:
        return None
    output = _ACTIVATIONS[name](a)
    for formula, mistake in _WRONG_DERIVATIVES[name]:
        wrong = formula(a, output)
        if not _close(expected, wrong, rtol, atol) and _close(student, wrong, rtol, atol):
            return f"your value equals {mistake}"
    return None


def local_derivative_hint(student, expected, local_derivative, rtol=1e-5, atol=1e-8) -> str | None:
    """Name a missing (or doubled) local-derivative factor such as σ'(z) or tanh'(z)."""
    local = _broadcast_or_none(local_derivative, expected.shape)
    if local is None:
        return None
    with np.errstate(all="ignore"):
        missing = np.divide(expected, local, out=np.zeros_like(expected), where=local != 0)
        doubled = expected * local
    if np.any(local != 1) and _close(student, missing, rtol, atol):
        return (
            "your values equal the expected ones divided by the local derivative — you forgot to "
            "multiply by the activation's derivative (σ'(z), tanh'(z) or relu'(z)) in the chain rule"
        )
    if np.any(local != 1) and _close(student, doubled, rtol, atol):
        return "you multiplied by the local derivative twice — apply σ'(z) (or tanh'(z)) once"
    return None


def update_hint(student, expected, previous, rtol=1e-5, atol=1e-8) -> str | None:
    """Name a flipped or mis-scaled update step, given the parameter value before the step."""
    before = _broadcast_or_none(previous, expected.shape)
    if before is None:
        return None
    student_step, expected_step = student - before, expected - before
    if not np.any(expected_step):
        return None
    if _close(student_step, -expected_step, rtol, atol):
        return (
            "your update moved the parameter uphill — gradient descent subtracts: "
            "w = w − lr · grad, not w + lr · grad"
        )
    if _close(student, before, rtol, atol):
        return (
            "the parameter did not change — did you forget to apply the update (or to return it)?"
        )
    k = _fitted_scale(student_step, expected_step)
    if k is not None and k != 0.0 and _close(student_step, k * expected_step, rtol, atol):
        return f"your step is {k:.4g}× the expected step — check the learning rate"
    return None


def diagnose(
    student: np.ndarray,
    expected: np.ndarray,
    *,
    batch_size: int | None = None,
    local_derivative=None,
    previous=None,
    derivative_of=None,
    weights=None,
    upstream=None,
    rtol: float = 1e-5,
    atol: float = 1e-8,
) -> str | None:
    """Return a hint naming the most likely classic mistake, or None when none fits.

    ``derivative_of=(name, a)`` enables the wrong-activation-derivative hint; ``weights`` and
    ``upstream`` (W and δ of a backward product) the transposed-weights hint.
    """
    with np.errstate(all="ignore"):  # huge wrong answers overflow; they just match no hypothesis
        return (
            update_hint(student, expected, previous, rtol, atol)
            or (
                derivative_of is not None
                and activation_derivative_hint(student, expected, derivative_of, rtol, atol)
            )
            or (
                weights is not None
                and upstream is not None
                and transposed_weights_hint(
                    student, expected, weights, upstream, local_derivative, rtol, atol
                )
            )
            or transpose_hint(student, expected, rtol, atol)
            or swap_hint(student, expected, rtol, atol)
            or local_derivative_hint(student, expected, local_derivative, rtol, atol)
            or scale_hint(student, expected, batch_size, rtol, atol)
            or None
        )
