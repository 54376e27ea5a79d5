"""Deterministic student copies: strip volatile metadata, fix ids and the JSON layout.

Same instructor source in, same bytes out, on any machine: outputs and execution counts are
gone (nbgrader's ClearOutput), and here we keep only the metadata a lesson needs, give every
cell a stable id, drop interpreter versions and widget state, and serialise with nbformat's
fixed layout (indent 1, sorted keys, one trailing newline).
"""

from __future__ import annotations

import re

import nbformat

LESSON_KEY = "bpwidgets"
KEPT_CELL_METADATA = ("deletable", "editable", "nbgrader", "tags")
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info", LESSON_KEY)
_UNSAFE_ID_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]")


def lesson_of(notebook) -> str | None:
    """Return the lesson id release stored in a notebook's metadata, or None."""
    metadata = notebook.get("metadata", {}) if isinstance(notebook, dict) else {}
    entry = metadata.get(LESSON_KEY) if isinstance(metadata, dict) else None
    lesson = entry.get("lesson") if isinstance(entry, dict) else None
    return lesson if isinstance(lesson, str) else None


def _stable_cell_id(cell, index: int, taken: set[str]) -> str:
    """Return the cell's id if it has a unique one, else one derived from its grade_id or index."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
    for candidate in (cell.get("id"), grade_id, f"cell-{index}"):
        if candidate:
            candidate = _UNSAFE_ID_CHARACTERS.sub("-", str(candidate))[:64]
            if candidate not in taken:
                return candidate
    return f"cell-{index}-{len(taken)}"


def normalized_student_copy(notebook, lesson: str):
    """Return ``notebook`` (nbformat v4) with only stable metadata, stable ids and the lesson id."""
    notebook = nbformat.from_dict(notebook)
    language = {
        k: v for k, v in notebook.metadata.get("language_info", {}).items() if k != "version"
    }
    metadata = {k: v for k, v in notebook.metadata.items() if k in KEPT_NOTEBOOK_METADATA}
    if language:
        metadata["language_info"] = language
    metadata[LESSON_KEY] = {"lesson": lesson}
    notebook.metadata = nbformat.from_dict(metadata)
    notebook.nbformat, notebook.nbformat_minor = 4, max(5, notebook.get("nbformat_minor", 5))
    taken: set[str] = set()
    for index, cell in enumerate(notebook.cells):
        cell.metadata = nbformat.from_dict(
            {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA}
        )
        cell.id = _stable_cell_id(cell, index, taken)
        taken.add(cell.id)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return notebook


def dumps(notebook) -> str:
    """Serialise a notebook with nbformat's fixed layout and a trailing newline."""
    return nbformat.writes(notebook, version=4).rstrip("\n") + "\n"
