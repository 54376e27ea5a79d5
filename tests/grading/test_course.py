"""`bpwidgets course init` + `bpwidgets grade --course`: an nbgrader course in, its gradebook out.

One module-scoped course: set up by `bpwidgets course init`, released by nbgrader's own
`generate_assignment`, three students' submissions placed as nbgrader's exchange would, graded
once by `bpwidgets grade --course ... --lms canvas`. Then nbgrader's own `export` and
`generate_feedback` read the gradebook, and the LMS files are parsed as Canvas/Moodle would.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bpwidgets.cli import main
from bpwidgets.grading import lms
from bpwidgets.grading.gradebook import Course

from .fixtures.submissions import LESSON, SOURCE_DIR, SUBMISSIONS, write_submissions

# student -> fixture submission (honest, wrong, hostile)
STUDENTS = {"alice": "all_correct", "bob": "flipped_sign", "carol": "patches_checks"}
LATE = "2026-11-30 09:00:00.000000 UTC"


def nbgrader(course: Path, *argv: str) -> subprocess.CompletedProcess:
    """Run nbgrader's own command line in the course folder (its alembic on PATH)."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(course.parent / "jupyter-config")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [sys.executable, "-m", "nbgrader", *argv]
    return subprocess.run(command, cwd=course, env=env, check=True, capture_output=True, text=True)


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run the bpwidgets command in-process; return (exit status, stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        status = main(argv)
    return status, out.getvalue()


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course built with nbgrader's CLI, graded once with `bpwidgets grade --course`."""
    root = tmp_path_factory.mktemp("course") / "backprop101"
    status, out = run_cli(["course", "init", str(root), "--source", str(SOURCE_DIR)])
    assert status == 0, out
    nbgrader(root, "generate_assignment", LESSON)
    written = write_submissions(tmp_path_factory.mktemp("handed-in"))
    for student, name in STUDENTS.items():
        folder = root / "submitted" / student / LESSON
        folder.mkdir(parents=True)
        shutil.copyfile(written[name], folder / f"{LESSON}.ipynb")
    (root / "submitted" / "bob" / LESSON / "timestamp.txt").write_text(LATE)
    canvas = root.parent / "canvas.csv"
    argv = ["grade", "--course", str(root), "--assignment", LESSON, "--json", "--jobs", "2"]
    status, out = run_cli(argv + ["--lms", "canvas", "--csv", str(canvas)])
    return {"root": root, "status": status, "results": json.loads(out), "canvas": canvas}


def expected_score(student: str) -> float:
    """The points the fixture of ``student`` earns."""
    return float(sum(SUBMISSIONS[STUDENTS[student]][1].values()))


def test_course_init_writes_the_config_and_one_source_folder_per_lesson(course):
    root = course["root"]
    assert (
        "c.CourseDirectory.course_id = 'backprop101'" in (root / "nbgrader_config.py").read_text()
    )
    source = root / "source" / LESSON / f"{LESSON}.ipynb"
    assert source.read_bytes() == (SOURCE_DIR / f"{LESSON}.ipynb").read_bytes()


def test_course_grading_reports_every_student_in_order(course):
    assert course["status"] == 0
    students = [Path(r["submission"]).parent.parent.name for r in course["results"]]
    assert students == sorted(STUDENTS)
    for result, student in zip(course["results"], students, strict=True):
        assert result["error"] is None
        assert result["score"] == expected_score(student)


def test_nbgrader_export_shows_the_same_scores(course):
    nbgrader(course["root"], "export", "--to", "grades.csv")
    with open(course["root"] / "grades.csv", newline="") as handle:
        rows = {row["student_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(STUDENTS)
    for result in course["results"]:
        row = rows[Path(result["submission"]).parent.parent.name]
        assert row["assignment"] == LESSON
        assert float(row["raw_score"]) == result["score"]
        assert float(row["max_score"]) == result["max_score"] == 4.0
    assert rows["bob"]["timestamp"].startswith("2026-11-30 09:00:00")


def test_gradebook_holds_autograded_points_per_cell_like_nbgrader_autograde(course):
    with Course(course["root"]).gradebook() as gradebook:
        for student, name in STUDENTS.items():
            notebook = gradebook.find_submission_notebook(LESSON, LESSON, student)
            points = {grade.name: grade.auto_score for grade in notebook.grades}
            assert points == SUBMISSIONS[name][1]
            assert not any(grade.needs_manual_grade for grade in notebook.grades)
            autograded = course["root"] / "autograded" / student / LESSON / f"{LESSON}.ipynb"
            assert autograded.is_file()


def test_nbgrader_generate_feedback_works_on_the_graded_course(course):
    nbgrader(course["root"], "generate_feedback", LESSON)
    html = course["root"] / "feedback" / "bob" / LESSON / f"{LESSON}.html"
    text = html.read_text(encoding="utf-8")
    assert "Score: 3.0 / 4.0" in text
    assert "moved the parameter uphill" in text  # bpwidgets' feedback for the failed check
    assert "BEGIN HIDDEN TESTS" not in text  # course init's config keeps hidden tests secret
    autograded = course["root"] / "autograded" / "bob" / LESSON / f"{LESSON}.ipynb"
    assert "BEGIN HIDDEN TESTS" in autograded.read_text()  # the instructor's copy keeps them


def test_canvas_csv_has_the_columns_canvas_imports(course):
    with open(course["canvas"], newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        LESSON,
        "Final Points",
    ]
    assert rows[1] == ["Points Possible", "", "", "", "", "4", "4"]
    by_login = {row[3]: row for row in rows[2:]}
    assert set(by_login) == set(STUDENTS)
    for student in STUDENTS:
        assert float(by_login[student][5]) == float(by_login[student][6]) == expected_score(student)


def test_moodle_csv_from_the_gradebook_maps_by_id_number(course, tmp_path):
    path = tmp_path / "moodle.csv"
    with Course(course["root"]).gradebook() as gradebook:
        lms.write_lms_csv(lms.sheet_from_gradebook(gradebook), "moodle", path)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "First name",
        "Last name",
        "ID number",
        "Email address",
        LESSON,
        "Course total",
    ]
    assert {row["ID number"]: float(row[LESSON]) for row in rows} == {
        student: expected_score(student) for student in STUDENTS
    }


def test_grading_an_assignment_nbgrader_has_not_generated_exits_two(course, capsys):
    assert main(["grade", "--course", str(course["root"]), "--assignment", "02_missing"]) == 2
    assert "no assignment '02_missing'" in capsys.readouterr().err
