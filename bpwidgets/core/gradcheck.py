"""Gradient checking: central finite differences and CS231n's relative-error bands.

Compare an analytic gradient with ``numerical_grad`` through ``gradcheck_report``. The bands
follow CS231n's notes: below 1e-7 is good; up to 1e-4 is acceptable (fine for functions with
kinks such as ReLU, but too high for smooth ones); up to 1e-2 is suspicious; above is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .validate import check_number, check_positive
from .value import Value

# (upper limit, band, what it means), checked in order; anything above the last limit is wrong.
BANDS = (
    (1e-7, "good", "below 1e-7, the gradients agree"),
    (1e-4, "acceptable",
     "between 1e-7 and 1e-4, fine where the function has kinks (ReLU, max), too high for smooth ones"),
    (1e-2, "suspicious", "between 1e-4 and 1e-2, look for a bug or for a kink near this point"),
)
WRONG = ("wrong", "above 1e-2, the analytic gradient is probably wrong")
DEFAULT_FLOOR = 1e-12


def numerical_grad(f: Callable, x, h: float = 1e-5):
    """Central differences (f(x+h) − f(x−h)) / 2h of a scalar function at ``x``.

    ``f`` returns a number (or a Value). A number ``x`` gives a float. A float numpy array ``x`` gives an array of its shape: each
    entry is perturbed in place, ``f(x)`` is called, and the entry is restored afterwards.
    """
    h = check_positive("h", h)
    if not isinstance(x, np.ndarray):
        x = check_number("x", x)
        return (_scalar(f(x + h)) - _scalar(f(x - h))) / (2 * h)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float array (it is perturbed in place); got dtype {x.dtype}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        try:
            x[index] = original + h
            plus = _scalar(f(x))
            x[index] = original - h
            minus = _scalar(f(x))
        finally:
            x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, b, floor: float = DEFAULT_FLOOR) -> float:
    """Largest elementwise |a − b| / max(|a| + |b|, floor) as a float (0 where both are 0).

    ``floor`` keeps entries where both gradients are ~0 from dividing by nothing; raise it
    (e.g. to 1e-8) when checking networks whose true gradients are tiny.
    """
    a, b = _matching_arrays(a, b)
    if a.size == 0:
        return 0.0
    return float(np.max(_elementwise_error(a, b, floor)))


@dataclass(frozen=True)
class GradcheckReport:
    """The verdict of comparing an analytic gradient with a numerical one."""

    relative_error: float
    band: str  # "good", "acceptable", "suspicious" or "wrong"
    worst_index: tuple[int, ...]  # where the error is largest; () for scalars
    message: str


def gradcheck_report(analytic, numeric, floor: float = DEFAULT_FLOOR) -> GradcheckReport:
    """Compare ``analytic`` with ``numeric`` and name the CS231n band the relative error falls in."""
    a, b = _matching_arrays(analytic, numeric, names=("analytic", "numeric"))
    if a.size == 0:
        error, worst = 0.0, ()
    else:
        errors = _elementwise_error(a, b, floor)
        worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), a.shape))
        error = float(errors[worst])
    band, meaning = classify(error)
    where = f" at index {worst}" if worst else ""
    message = (
        f"relative error {error:.2g}{where}: {band} — {meaning}"
        + (f" (analytic {a[worst]:.8g}, numeric {b[worst]:.8g})" if a.size else "")
    )
    return GradcheckReport(error, band, worst, message)


def classify(error: float) -> tuple[str, str]:
    """Return (band, meaning) for a relative error; NaN counts as wrong."""
    for limit, band, meaning in BANDS:
        if error < limit:
            return band, meaning
    return WRONG


def _elementwise_error(a: np.ndarray, b: np.ndarray, floor: float) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf; handled just below
        errors = np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)
    # NaN or inf in either gradient is as wrong as it gets.
    return np.where(np.isfinite(a) & np.isfinite(b), errors, np.inf)


def _matching_arrays(a, b, names=("a", "b")) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, value in zip(names, (a, b), strict=True):
        try:
            arrays.append(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError) as error:
            raise TypeError(f"{name} must be a number or an array of numbers; "
                            f"got {type(value).__name__}") from error
    if arrays[0].shape != arrays[1].shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape; "
                         f"got {arrays[0].shape} and {arrays[1].shape}")
    return arrays[0], arrays[1]


def _scalar(result) -> float:
    """The float value of what f returned; f must return one number (or a Value)."""
    if isinstance(result, Value):
        return result.data
    if np.size(result) != 1:
        raise ValueError(f"f must return a single number; got shape {np.shape(result)}")
    return float(np.asarray(result, dtype=np.float64).reshape(()))
