"""Instant feedback checks for lessons and the nbgrader-based release / autograde commands.

``from bpwidgets.grading import check_array`` loads only the checks (numpy and the core);
the nbgrader machinery behind ``bpwidgets release`` and ``bpwidgets grade`` loads on use.
"""

from __future__ import annotations

from bpwidgets.core.lazy_exports import lazy_exports

# Public name -> defining module (relative to this package). One row per public name.
_EXPORTS = {
    "check_array": "checks",
    "check_scalar": "checks",
    "check_shape": "checks",
    "check_gradients": "checks",
    "check_text": "checks",
    "check_between": "checks",
    "record_answer": "checks",
    "Diagnosis": "diagnose",
    "diagnose_autograd": "diagnose",
    "grade_submissions": "autograde",
    "grade_one": "autograde",
    "GradeOptions": "autograde",
    "ResultsLog": "results_log",
    "submission_digest": "results_log",
    "SandboxUnavailable": "sandbox",
    "release_texts": "release",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
