"""Argument checks that raise errors naming the parameter, what was expected and what came.

Every public function of the package validates its input through these, so a learner
always reads the same kind of message: ``activation must be one of 'relu', 'tanh'; got 'rleu'``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np


def check_choice(name: str, value, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``; else raise ValueError listing the choices."""
    allowed = list(allowed)
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return value


def check_number(name: str, value) -> float:
    """Return ``value`` as a float; raise TypeError if it is not a real number."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    return float(value)


def check_positive(name: str, value) -> float:
    """Return ``value`` as a float if it is finite and > 0; else raise ValueError."""
    number = check_number(name, value)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return number


def check_positive_int(name: str, value) -> int:
    """Return ``value`` if it is an integer >= 1; else raise ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a whole number >= 1; got {value!r}")
    return int(value)


def check_finite_array(name: str, array, ndim: int | None = None) -> np.ndarray:
    """Return ``array`` as float64; raise ValueError if it has the wrong rank or non-finite entries."""
    try:
        result = np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be an array of numbers; got {type(array).__name__}") from error
    if ndim is not None and result.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {result.shape}")
    if not np.isfinite(result).all():
        bad = int(np.size(result) - np.count_nonzero(np.isfinite(result)))
        raise ValueError(f"{name} must contain only finite numbers; got {bad} NaN/inf entries")
    return result


# Largest array memory one network, batch or training run may need (1 GiB): far above every
# lesson and panel setting (the largest, a gradient-flow net of depth 50 × width 512, needs
# ~0.4 GB), far below what would swap a laptop. Sizes over it are refused before allocating.
MEMORY_BUDGET = 2**30


def check_memory(name: str, value, nbytes: int, what: str) -> None:
    """Raise ValueError naming ``name`` and ``MEMORY_BUDGET`` if ``nbytes`` exceed the budget."""
    if nbytes > MEMORY_BUDGET:
        raise ValueError(
            f"{name} = {value!r} needs {_gigabytes(nbytes)} for {what}, over the memory "
            f"budget of {_gigabytes(MEMORY_BUDGET)} (bpwidgets.core.validate.MEMORY_BUDGET); "
            "choose smaller sizes"
        )


def _gigabytes(nbytes: int) -> str:
    """A byte count as gigabytes, e.g. '2.4 GB'."""
    return f"{nbytes / 1e9:.2g} GB"
