"""`bpwidgets grade` on the sample lesson: right, wrong and misbehaving submissions in one batch.

One module-scoped run grades every submission (a sandbox each, `--sandbox required`), and the
tests read its JSON, CSV, results log and exit status. A second run through nbgrader's own
command line checks that a test cell scores full marks exactly when nbgrader gives it full
marks (bpwidgets scores by check, nbgrader all-or-nothing per cell).
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
from dataclasses import asdict
from pathlib import Path

import pytest

from bpwidgets.cli import main

from .fixtures.submissions import (
    FEEDBACK,
    FLIPPED_UPDATE,
    LESSON,
    SOURCE_DIR,
    STUDENT_COPY,
    SUBMISSIONS,
    filled_in,
    write_submissions,
)

TIMEOUT = 5
SANDBOX = ["--sandbox", "required"]
NOT_NOTEBOOKS = {
    "invalid_json.ipynb": "{ this is not json",
    "notes.txt": "just some text",
    "json_not_a_notebook.ipynb": json.dumps({"cells": 3}),
}


def run_cli(argv: list[str]) -> tuple[int, str]:
    """Run the bpwidgets command in-process; return (exit status, stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            status = main(argv)
        except SystemExit as exit_:
            status = exit_.code
    return status, out.getvalue()


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Return {relative path: (bytes, mtime_ns)} for every file under ``folder``."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every fixture submission plus the untouched copy and non-notebooks in one run."""
    folder = tmp_path_factory.mktemp("submissions")
    paths = write_submissions(folder)
    paths["untouched"] = folder / "untouched" / f"{LESSON}.ipynb"
    paths["untouched"].parent.mkdir()
    shutil.copyfile(STUDENT_COPY, paths["untouched"])
    for name, text in NOT_NOTEBOOKS.items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    unknown = filled_in({})
    unknown["metadata"].pop("bpwidgets")
    paths["unknown_lesson"] = folder / "99_unknown.ipynb"
    paths["unknown_lesson"].write_text(json.dumps(unknown), encoding="utf-8")
    before = snapshot(folder)
    csv_path = tmp_path_factory.mktemp("report") / "grades.csv"
    argv = ["grade", *map(str, paths.values()), "--json", "--csv", str(csv_path), *SANDBOX]
    status, out = run_cli(argv + ["--timeout", str(TIMEOUT), "--source", str(SOURCE_DIR)])
    by_path = {entry["submission"]: entry for entry in json.loads(out)}
    results = {name: by_path[str(path)] for name, path in paths.items()}
    return {
        "status": status,
        "results": results,
        "order": [entry["submission"] for entry in json.loads(out)],
        "paths": paths,
        "csv": csv_path,
        "log": csv_path.with_suffix(".jsonl"),
        "before": before,
        "after": snapshot(folder),
    }


def points(result: dict) -> dict[str, float]:
    """Return {grade_id: score} of one JSON result."""
    return {item["grade_id"]: item["score"] for item in result["items"]}


@pytest.mark.parametrize("name", list(SUBMISSIONS))
def test_each_submission_scores_its_expected_points(batch, name):
    result = batch["results"][name]
    expected = SUBMISSIONS[name][1]
    assert result["error"] is None
    assert points(result) == expected
    assert result["score"] == sum(expected.values())
    assert result["max_score"] == 4.0
    assert result["lesson"] == LESSON


@pytest.mark.parametrize("name", list(FEEDBACK))
def test_failing_items_carry_the_expected_feedback(batch, name):
    grade_id, fragment = FEEDBACK[name]
    items = {item["grade_id"]: item for item in batch["results"][name]["items"]}
    assert fragment in items[grade_id]["feedback"]
    assert items[grade_id]["score"] < items[grade_id]["max_score"]


def test_passing_items_have_empty_feedback(batch):
    assert all(item["feedback"] == "" for item in batch["results"]["all_correct"]["items"])


def test_untouched_student_copy_scores_zero_with_not_implemented_feedback(batch):
    result = batch["results"]["untouched"]
    assert result["error"] is None
    assert result["score"] == 0.0 and result["max_score"] == 4.0
    assert all("not implemented yet" in item["feedback"] for item in result["items"])


def test_hostile_patching_of_check_functions_gains_nothing(batch):
    items = {item["grade_id"]: item for item in batch["results"]["patches_checks"]["items"]}
    assert "ImportError" in items["ex1_tests"]["feedback"]  # its own deletion of check_shape
    # its patched check_array (module-wide) records nothing: no answer, no points
    assert "dz: no answer was recorded" in items["ex2_tests"]["feedback"]
    assert "no answer was recorded" in items["ex3_tests"]["feedback"]


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("invalid_json.ipynb", "not a notebook: invalid JSON"),
        ("notes.txt", "not a notebook: invalid JSON"),
        ("json_not_a_notebook.ipynb", "not a notebook"),
        ("unknown_lesson", "no lesson source for '99_unknown'"),
    ],
)
def test_ungradable_files_get_a_reason_and_no_points(batch, name, fragment):
    result = batch["results"][name]
    assert fragment in result["error"]
    assert result["items"] == [] and result["score"] == 0.0


def test_exit_status_is_one_when_any_submission_could_not_be_graded(batch):
    assert batch["status"] == 1


def test_json_lists_submissions_in_command_line_order_with_the_schema(batch):
    assert batch["order"] == [str(path) for path in batch["paths"].values()]
    for result in batch["results"].values():
        assert set(result) == {"submission", "lesson", "score", "max_score", "items", "error"}
        assert isinstance(result["score"], float) and isinstance(result["max_score"], float)
        for item in result["items"]:
            assert set(item) == {"grade_id", "score", "max_score", "feedback"}
    grade_ids = [item["grade_id"] for item in batch["results"]["all_correct"]["items"]]
    assert grade_ids == ["ex1_tests", "ex2_tests", "ex3_tests"]


def test_csv_has_one_row_per_submission_and_item(batch):
    with open(batch["csv"], newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    graded = [r for r in batch["results"].values() if r["error"] is None]
    ungraded = [r for r in batch["results"].values() if r["error"] is not None]
    assert len(rows) == 3 * len(graded) + len(ungraded)
    flipped = [r for r in rows if r["submission"] == str(batch["paths"]["flipped_sign"])]
    assert [(r["grade_id"], float(r["score"])) for r in flipped] == [
        ("ex1_tests", 2.0),
        ("ex2_tests", 1.0),
        ("ex3_tests", 0.0),
    ]


def test_results_log_holds_one_line_per_submission_with_the_reported_result(batch):
    from bpwidgets.grading.results_log import ResultsLog

    logged = ResultsLog(batch["log"], resume=True).finished()
    assert len(logged) == len(batch["paths"])
    by_path = {submission: asdict(result) for (submission, _), result in logged.items()}
    assert by_path == {result["submission"]: result for result in batch["results"].values()}


def test_a_cell_with_two_checks_scores_by_check(batch):
    items = {i["grade_id"]: i for i in batch["results"]["sum_not_mean"]["items"]}
    assert items["ex1_tests"]["score"] == 1.0 and items["ex1_tests"]["max_score"] == 2.0
    assert items["ex1_tests"]["feedback"].startswith("1 of 2 checks passed\n")


def test_submissions_and_their_folders_are_left_untouched(batch):
    assert batch["after"] == batch["before"]


def test_all_graded_batch_exits_zero_and_prints_a_table(tmp_path):
    renamed = tmp_path / "renamed download (1) 01_sample.ipynb"
    notebook = filled_in({"ex3_code": FLIPPED_UPDATE})
    notebook["metadata"].pop("bpwidgets")  # found by the lesson id inside its file name
    renamed.write_text(json.dumps(notebook), encoding="utf-8")
    source = SOURCE_DIR / f"{LESSON}.ipynb"
    log = ["--results-log", str(tmp_path / "log.jsonl")]
    status, out = run_cli(
        ["grade", str(source), str(renamed), "--source", str(SOURCE_DIR), *SANDBOX, *log]
    )
    assert status == 0
    assert f"{source}  [01_sample]  4 / 4  graded" in out
    assert f"{renamed}  [01_sample]  3 / 4  graded" in out
    assert "✗ ex3_tests      0/1  w_new is wrong" in out
    assert out.rstrip().endswith("2 of 2 submissions graded")


@pytest.mark.parametrize(
    "argv",
    [
        ["grade"],
        ["grade", "x.ipynb", "--timeout", "0"],
        ["grade", "x.ipynb", "--timeout", "soon"],
        ["grade", "x.ipynb", "--source", "/nonexistent/folder"],
        ["grade", "x.ipynb", "--sandbox", "maybe"],
    ],
)
def test_usage_errors_exit_two(argv, capsys):
    assert run_cli(argv)[0] == 2


NBGRADER_COMPARED = [
    "all_correct",
    "transposed_w",
    "sum_not_mean",
    "flipped_sign",
    "missing_local",
    "untouched",
]


def test_nbgrader_command_line_gives_the_same_points(batch, tmp_path):
    root = tmp_path / "course"
    (root / "source" / LESSON).mkdir(parents=True)
    shutil.copyfile(SOURCE_DIR / f"{LESSON}.ipynb", root / "source" / LESSON / f"{LESSON}.ipynb")
    for name in NBGRADER_COMPARED:
        target = root / "submitted" / name / LESSON / f"{LESSON}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(batch["paths"][name], target)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'compare'\n", encoding="utf-8"
    )
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config")}
    env["PATH"] = (
        f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # nbgrader runs alembic
    )
    nbgrader = [sys.executable, "-m", "nbgrader"]
    for step in (["generate_assignment", LESSON], ["autograde", LESSON]):
        subprocess.run(nbgrader + step, cwd=root, env=env, check=True, capture_output=True)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "compare") as gradebook:
        for name in NBGRADER_COMPARED:
            notebook = gradebook.find_submission_notebook(LESSON, LESSON, name)
            nbgrader_full = {
                grade.name: grade.score == grade.max_score for grade in notebook.grades
            }
            ours = batch["results"][name]["items"]
            assert nbgrader_full == {i["grade_id"]: i["score"] == i["max_score"] for i in ours}, (
                name
            )
