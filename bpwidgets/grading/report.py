"""Grading results as plain data, and their three renderings: JSON, CSV and a readable table."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

CSV_COLUMNS = ("submission", "lesson", "grade_id", "score", "max_score", "feedback", "error")


@dataclass(frozen=True)
class ItemResult:
    """Points and feedback for one graded cell (one ``grade_id``) of a submission."""

    grade_id: str
    score: float
    max_score: float
    feedback: str


@dataclass(frozen=True)
class SubmissionResult:
    """The grade of one submission; ``error`` says why it could not be graded (else None)."""

    submission: str
    lesson: str | None
    score: float
    max_score: float
    items: list[ItemResult] = field(default_factory=list)
    error: str | None = None

    @property
    def graded(self) -> bool:
        """True when nbgrader graded the submission (whatever its score)."""
        return self.error is None


def to_json(results: list[SubmissionResult]) -> str:
    """Return the results as a JSON list, one object per submission."""
    return json.dumps([asdict(result) for result in results], indent=2, ensure_ascii=False)


def write_csv(results: list[SubmissionResult], path: Path) -> None:
    """Write one CSV row per submission × item (one row with the error when it has no items)."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for result in results:
            common = (result.submission, result.lesson or "")
            for item in result.items:
                row = (item.grade_id, item.score, item.max_score, item.feedback, result.error or "")
                writer.writerow(common + row)
            if not result.items:
                writer.writerow(
                    common + ("", result.score, result.max_score, "", result.error or "")
                )


def _first_line(text: str, width: int = 100) -> str:
    """Return the first line of ``text``, cut to ``width`` characters."""
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 1] + "…"


def to_table(results: list[SubmissionResult]) -> str:
    """Return a readable report: a line per submission, then its items with short feedback."""
    lines = []
    for result in results:
        status = "graded" if result.graded else f"NOT GRADED: {_first_line(result.error or '')}"
        lesson = result.lesson or "?"
        lines.append(
            f"{result.submission}  [{lesson}]  {result.score:g} / {result.max_score:g}  {status}"
        )
        width = max((len(item.grade_id) for item in result.items), default=0)
        for item in result.items:
            mark = "✓" if item.score >= item.max_score else "✗"
            points = f"{item.score:g}/{item.max_score:g}"
            lines.append(
                f"  {mark} {item.grade_id:<{width}}  {points:>7}  {_first_line(item.feedback)}"
            )
    graded = sum(result.graded for result in results)
    lines.append(f"{graded} of {len(results)} submissions graded")
    return "\n".join(lines)
