"""``--lms canvas|moodle``: grades as the CSV a learning management system imports.

Both layouts have one row per student and one column per lesson (its points), then the total:

- Canvas (Grades > Import): the identity columns of Canvas's own gradebook export, ``Student``
  (sortable name), ``ID`` (Canvas user id, from nbgrader's ``lms_user_id`` when the gradebook has
  it), ``SIS User ID``, ``SIS Login ID``, ``Section``; a ``Points Possible`` row under the header;
  each lesson a column (a new name creates the assignment); ``Final Points`` is a read-only total
  that Canvas shows on import and does not write back.
- Moodle (Grade administration > Import > CSV file): ``First name``, ``Last name``, ``ID number``,
  ``Email address``, one column per lesson, ``Course total``. On import, map "ID number" to
  ``useridnumber`` (or "Email address" to ``useremail``) and each lesson column to its grade item.

The student id (nbgrader's, the folder name under ``submitted/``) goes into Canvas's SIS columns
and Moodle's ID number: the identifiers a JupyterHub login is usually made from.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from bpwidgets.grading.report import SubmissionResult

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_TOTAL = "Final Points"
MOODLE_IDENTITY = ("First name", "Last name", "ID number", "Email address")
MOODLE_TOTAL = "Course total"


@dataclass
class StudentGrades:
    """One student's identity and points per lesson."""

    student_id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    points: dict[str, float] = field(default_factory=dict)

    @property
    def sortable_name(self) -> str:
        """``Last, First`` as Canvas lists students, else the student id."""
        if self.last_name or self.first_name:
            return ", ".join(part for part in (self.last_name, self.first_name) if part)
        return self.student_id


@dataclass
class Gradesheet:
    """Students × lessons: the content of an LMS import, whatever its layout."""

    lessons: list[str]
    max_points: dict[str, float]
    students: list[StudentGrades]


def student_of_file(path: Path, lesson: str | None) -> str:
    """The student of a submission file: its folder (skipping one named after the lesson)."""
    folder = Path(path).parent
    if lesson is not None and folder.name == lesson:  # nbgrader's submitted/<student>/<lesson>/
        folder = folder.parent
    return folder.name


def sheet_from_results(results: list[SubmissionResult]) -> Gradesheet:
    """Gradesheet of a batch of files: the student is each file's folder, ungraded scores 0."""
    lessons: dict[str, float] = {}
    students: dict[str, StudentGrades] = {}
    for result in results:
        lesson = result.lesson or Path(result.submission).stem
        lessons[lesson] = max(lessons.get(lesson, 0.0), result.max_score)
        student_id = student_of_file(Path(result.submission), result.lesson)
        grades = students.setdefault(student_id, StudentGrades(student_id))
        grades.points[lesson] = result.score
    ordered = sorted(lessons)
    return Gradesheet(ordered, lessons, [students[key] for key in sorted(students)])


def sheet_from_gradebook(gradebook) -> Gradesheet:
    """Gradesheet of a whole nbgrader course: every student × every assignment it has."""
    from nbgrader.api import MissingEntry

    assignments = sorted(gradebook.assignments, key=lambda a: a.name)
    lessons = [a.name for a in assignments]
    max_points = {a.name: float(a.max_score) for a in assignments}
    students = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        grades = StudentGrades(
            student.id,
            student.first_name or "",
            student.last_name or "",
            student.email or "",
            student.lms_user_id or "",
        )
        for lesson in lessons:
            try:
                grades.points[lesson] = float(gradebook.find_submission(lesson, student.id).score)
            except MissingEntry:
                grades.points[lesson] = 0.0  # nothing handed in
        students.append(grades)
    return Gradesheet(lessons, max_points, students)


def _number(value: float) -> str:
    """Points as written in the CSV: ``3`` or ``2.5``."""
    return f"{value:g}"


def canvas_rows(sheet: Gradesheet) -> list[list[str]]:
    """The rows of Canvas's gradebook import, header first."""
    header = [*CANVAS_IDENTITY, *sheet.lessons, CANVAS_TOTAL]
    possible = ["Points Possible"] + [""] * (len(CANVAS_IDENTITY) - 1)
    possible += [_number(sheet.max_points[lesson]) for lesson in sheet.lessons]
    possible.append(_number(sum(sheet.max_points.values())))
    rows = [header, possible]
    for student in sheet.students:
        identity = [student.sortable_name, student.lms_user_id, student.student_id]
        identity += [student.student_id, ""]
        points = [student.points.get(lesson, 0.0) for lesson in sheet.lessons]
        rows.append(identity + [_number(p) for p in points] + [_number(sum(points))])
    return rows


def moodle_rows(sheet: Gradesheet) -> list[list[str]]:
    """The rows of Moodle's CSV grade import, header first."""
    rows = [[*MOODLE_IDENTITY, *sheet.lessons, MOODLE_TOTAL]]
    for student in sheet.students:
        identity = [student.first_name, student.last_name, student.student_id, student.email]
        points = [student.points.get(lesson, 0.0) for lesson in sheet.lessons]
        rows.append(identity + [_number(p) for p in points] + [_number(sum(points))])
    return rows


LAYOUTS = {"canvas": canvas_rows, "moodle": moodle_rows}


def write_lms_csv(sheet: Gradesheet, layout: str, path: Path) -> None:
    """Write ``sheet`` in the import layout of ``layout`` (canvas or moodle)."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(LAYOUTS[layout](sheet))
