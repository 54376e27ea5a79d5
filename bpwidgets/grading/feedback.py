"""Turn the error outputs of an autograded notebook into one feedback sentence per test cell.

A failing test cell's feedback is the message of the exception it raised: for the checks in
``bpwidgets.grading.checks`` that is the ``AssertionError`` text with its hint; for anything
else the exception's name and message (``NameError: name 'forward' is not defined``).
"""

from __future__ import annotations

import re

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TIMEOUT_ERRORS = ("CellTimeoutError", "TimeoutError")


def _clean(text: str) -> str:
    """Remove terminal colour codes and surrounding blank space."""
    return _ANSI_ESCAPE.sub("", text).strip()


def error_feedback(output: dict, timeout: float | None = None) -> str:
    """Return the feedback sentence for one nbformat error output."""
    name, value = _clean(output.get("ename", "")), _clean(output.get("evalue", ""))
    if name in TIMEOUT_ERRORS:
        limit = f" within the {timeout:g} s limit" if timeout else ""
        return f"the cell did not finish{limit} — an infinite loop or a very slow computation?"
    if name == "KeyboardInterrupt":
        return "the cell was interrupted (timeout)"
    if name == "NotImplementedError":
        return "not implemented yet — replace `raise NotImplementedError()` with your code"
    if name == "AssertionError":
        return value or "a test failed (AssertionError without a message)"
    return f"{name}: {value}" if value else name


def cell_feedback(cell: dict, timeout: float | None = None) -> str:
    """Return the feedback for a test cell: its first error's message, or '' when it passed."""
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    if not errors:
        return ""
    # after a timeout nbclient records the interrupt and the timeout; the timeout explains more
    timeouts = [o for o in errors if o.get("ename") in TIMEOUT_ERRORS]
    return error_feedback((timeouts or errors)[0], timeout)


def feedback_by_grade_id(notebook: dict, timeout: float | None = None) -> dict[str, str]:
    """Return ``{grade_id: feedback}`` for every graded cell of an autograded notebook."""
    feedback = {}
    for cell in notebook.get("cells", []):
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id:
            feedback[grade_id] = cell_feedback(cell, timeout)
    return feedback


def grade_id_order(notebook: dict) -> list[str]:
    """Return the grade_ids of a notebook's cells in reading order."""
    return [
        cell["metadata"]["nbgrader"]["grade_id"]
        for cell in notebook.get("cells", [])
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    ]
