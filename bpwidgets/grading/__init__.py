"""Instant feedback checks for lessons and the nbgrader-based release / autograde commands.

``from bpwidgets.grading import check_array`` loads only the checks (numpy and the core);
the nbgrader machinery behind ``bpwidgets release`` and ``bpwidgets grade`` loads on use.
"""

from __future__ import annotations

import importlib

# Public name -> defining module (relative to this package). One row per public name.
_EXPORTS = {
    "check_array": "checks",
    "check_scalar": "checks",
    "check_shape": "checks",
    "check_gradients": "checks",
    "grade_submissions": "autograde",
    "release_texts": "release",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    """Import the module that defines ``name`` on first use."""
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
