"""The graded lessons: stored outputs reproduce, student copies run, grading scores them right.

Each notebook runs in its own ``python -m pytest --nbval`` subprocess (a fresh kernel per
notebook), so this file is the one place the main suite executes the lessons.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from bpwidgets.lessons import SOURCE_DIR, STUDENT_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted(path.stem for path in SOURCE_DIR.glob("*.ipynb"))
LESSON_SECTIONS = ("**Goal.**", "## Explore", "## Explanation", "## Exercises", "## Summary")
RUN_TIMEOUT = 300  # seconds for one notebook under nbval; a lesson takes a few seconds
SANITIZE = Path(__file__).with_name("nbval_sanitize.cfg")  # masks rounding noise in check lines


def run_nbval(notebook: Path, mode: str) -> subprocess.CompletedProcess:
    """Run ``pytest --nbval`` (or ``--nbval-lax``) on one notebook in a fresh interpreter."""
    command = [
        sys.executable, "-m", "pytest", mode, "--nbval-current-env", "-p", "no:cacheprovider",
        "--nbval-sanitize-with", str(SANITIZE), "-q", "-o", "addopts=", str(notebook),
    ]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT)


def graded_cells(notebook) -> list:
    """The cells that carry nbgrader metadata."""
    return [cell for cell in notebook.cells if "nbgrader" in cell.metadata]


def test_every_source_has_a_numbered_name_and_a_student_copy():
    assert LESSONS, f"no lesson found in {SOURCE_DIR}"
    for lesson in LESSONS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", lesson), lesson
        assert (STUDENT_DIR / f"{lesson}.ipynb").is_file(), f"run `bpwidgets release` for {lesson}"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_source_reproduces_its_stored_outputs(lesson):
    result = run_nbval(SOURCE_DIR / f"{lesson}.ipynb", "--nbval")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_student_copy_runs_up_to_its_exercise_stubs(lesson):
    student = STUDENT_DIR / f"{lesson}.ipynb"
    assert student.is_file(), f"{student} is missing: run `bpwidgets release`"
    result = run_nbval(student, "--nbval-lax")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


@pytest.mark.parametrize("lesson", LESSONS)
def test_source_stores_the_outputs_of_a_clean_run(lesson):
    notebook = nbformat.read(SOURCE_DIR / f"{lesson}.ipynb", as_version=4)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"cell {number} was not run: execute the source"
        errors = [o for o in cell.outputs if o.output_type == "error"]
        assert not errors, f"cell {number} raised {errors[0].ename}: {errors[0].evalue}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_has_the_common_shape(lesson):
    notebook = nbformat.read(SOURCE_DIR / f"{lesson}.ipynb", as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    positions = [markdown.find(section) for section in LESSON_SECTIONS]
    assert all(p >= 0 for p in positions), dict(zip(LESSON_SECTIONS, positions, strict=True))
    assert positions == sorted(positions), "sections must come in the order goal ... summary"


@pytest.mark.parametrize("lesson", LESSONS)
def test_graded_cells_follow_the_authoring_rules(lesson):
    notebook = nbformat.read(SOURCE_DIR / f"{lesson}.ipynb", as_version=4)
    cells = graded_cells(notebook)
    ids = [cell.metadata.nbgrader["grade_id"] for cell in cells]
    assert len(ids) == len(set(ids)), f"duplicate grade_ids in {lesson}: {ids}"
    tests = [cell for cell in cells if cell.metadata.nbgrader.get("grade")]
    solutions = [cell for cell in cells if cell.metadata.nbgrader.get("solution")]
    assert tests and solutions, f"{lesson} has no exercise"
    for cell in tests:
        meta = cell.metadata.nbgrader
        assert meta["locked"] and meta["points"] > 0 and meta["grade_id"].endswith("_tests")
        assert "raises-exception" in cell.metadata.get("tags", []), meta["grade_id"]
        visible, _, hidden = cell.source.partition("### BEGIN HIDDEN TESTS")
        for part, where in ((visible, "at the top of"), (hidden, "right after BEGIN HIDDEN TESTS in")):
            if "check_" in part or "np." in part:
                assert part.lstrip().startswith(("import", "from")), (
                    f"{meta['grade_id']}: import what the tests use {where} the test cell"
                )
    for cell in solutions:
        assert "### BEGIN SOLUTION" in cell.source and "### END SOLUTION" in cell.source


@pytest.mark.slow
def test_grading_gives_solutions_full_marks_and_untouched_copies_zero(tmp_path):
    sources = [str(SOURCE_DIR / f"{lesson}.ipynb") for lesson in LESSONS]
    students = [str(STUDENT_DIR / f"{lesson}.ipynb") for lesson in LESSONS]
    result = subprocess.run(
        [sys.executable, "-m", "bpwidgets", "grade", *sources, *students, "--json",
         "--source", str(SOURCE_DIR)],
        cwd=tmp_path, capture_output=True, text=True, timeout=60 * len(LESSONS) * 2,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reports = {(Path(r["submission"]).parent.name, r["lesson"]): r for r in json.loads(result.stdout)}
    for lesson in LESSONS:
        solved, untouched = reports[("source", lesson)], reports[("lessons", lesson)]
        assert solved["max_score"] > 0 and solved["score"] == solved["max_score"], solved
        assert untouched["score"] == 0 and untouched["max_score"] == solved["max_score"], untouched


# A classic mistake planted in one solution: (lesson, correct line, wrong line, grade_id, words
# the feedback must contain, whether the lesson's other exercises still pass).
PLANTED_MISTAKES = [
    ("02_backprop_by_hand", "return weight - learning_rate * grad",
     "return weight + learning_rate * grad", "ex_sgd_step_tests", "uphill", True),
    ("03_vectorised_backprop", "return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)",
     "return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)", "ex_dense_backward_tests", "transpose", True),
    # Every later exercise of lesson 06 trains with forward_backward, so they all fail with it.
    ("06_train_end_to_end", 'dA = (dZ @ params["W2"].T) * (1.0 - hidden**2)',
     'dA = dZ @ params["W2"].T', "ex_forward_backward_tests", "W1 is wrong", False),
    # `=` instead of `+=` in __add__: the bias of every neuron is added once per data point,
    # so training goes wrong too.
    ("07_build_your_own_autograd", "self.grad += out.grad\n            other.grad += out.grad",
     "self.grad = out.grad\n            other.grad = out.grad", "ex_value_reuse_tests",
     "`self.grad += ...`", False),
]


@pytest.mark.slow
def test_grading_catches_a_planted_mistake_and_names_it(tmp_path):
    submissions = []
    for lesson, right, wrong, *_ in PLANTED_MISTAKES:
        notebook = nbformat.read(SOURCE_DIR / f"{lesson}.ipynb", as_version=4)
        cells = [cell for cell in notebook.cells if right in cell.source]
        assert len(cells) == 1, f"{lesson}: the solution line {right!r} changed"
        cells[0].source = cells[0].source.replace(right, wrong)
        submission = tmp_path / f"{lesson}.ipynb"
        nbformat.write(notebook, submission)
        submissions.append(str(submission))
    result = subprocess.run(
        [sys.executable, "-m", "bpwidgets", "grade", *submissions, "--json", "--source",
         str(SOURCE_DIR)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120 * len(submissions),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reports = {r["lesson"]: r for r in json.loads(result.stdout)}
    for lesson, _, _, grade_id, hint, others_pass in PLANTED_MISTAKES:
        items = {item["grade_id"]: item for item in reports[lesson]["items"]}
        assert items[grade_id]["score"] < items[grade_id]["max_score"], items[grade_id]  # by check
        assert hint in items[grade_id]["feedback"], items[grade_id]["feedback"]
        if others_pass:
            others = [item for key, item in items.items() if key != grade_id]
            assert all(item["score"] == item["max_score"] for item in others), others
