"""LMS gradebook CSVs from graded files, and the test-cell outputs nbgrader reads scores from.

Fast: no grading, results are built by hand. The course-level layouts (from a real gradebook)
are tested in test_course.py.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from bpwidgets.cli import main
from bpwidgets.grading.gradebook import write_scores
from bpwidgets.grading.lms import sheet_from_results, student_of_file, write_lms_csv
from bpwidgets.grading.report import ItemResult, SubmissionResult


def graded(path: str, lesson: str, score: float, max_score: float = 4.0, error=None):
    """A result for ``path`` as the grader would return it."""
    return SubmissionResult(path, lesson if error is None else None, score, max_score, error=error)


RESULTS = [
    graded("hand-in/zoe/01_chain_rule.ipynb", "01_chain_rule", 3.0),
    graded("hand-in/zoe/02_backprop_by_hand.ipynb", "02_backprop_by_hand", 5.5, 6.0),
    graded("submitted/adam/01_chain_rule/01_chain_rule.ipynb", "01_chain_rule", 4.0),
    graded("hand-in/bea/02_backprop_by_hand.ipynb", "?", 0.0, 0.0, error="not a notebook"),
]


def read_rows(path: Path) -> list[list[str]]:
    """The CSV file's rows."""
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_student_is_the_folder_or_nbgrader_s_student_folder():
    assert student_of_file(Path("hand-in/zoe/01_x.ipynb"), "01_x") == "zoe"
    assert student_of_file(Path("submitted/adam/01_x/01_x.ipynb"), "01_x") == "adam"


def test_canvas_layout_has_one_row_per_student_one_column_per_lesson_and_totals(tmp_path):
    write_lms_csv(sheet_from_results(RESULTS), "canvas", tmp_path / "c.csv")
    rows = read_rows(tmp_path / "c.csv")
    identity = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0] == identity + ["01_chain_rule", "02_backprop_by_hand", "Final Points"]
    assert rows[1] == ["Points Possible", "", "", "", "", "4", "6", "10"]
    assert rows[2:] == [
        ["adam", "", "adam", "adam", "", "4", "0", "4"],
        ["bea", "", "bea", "bea", "", "0", "0", "0"],  # not graded: no points
        ["zoe", "", "zoe", "zoe", "", "3", "5.5", "8.5"],
    ]


def test_moodle_layout_maps_students_by_id_number(tmp_path):
    write_lms_csv(sheet_from_results(RESULTS), "moodle", tmp_path / "m.csv")
    rows = list(csv.DictReader(open(tmp_path / "m.csv", newline="", encoding="utf-8")))
    assert list(rows[0]) == [
        "First name",
        "Last name",
        "ID number",
        "Email address",
        "01_chain_rule",
        "02_backprop_by_hand",
        "Course total",
    ]
    assert [(r["ID number"], r["Course total"]) for r in rows] == [
        ("adam", "4"),
        ("bea", "0"),
        ("zoe", "8.5"),
    ]


def test_unknown_layout_is_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="layout must be one of canvas, moodle; got 'blackboard'"):
        write_lms_csv(sheet_from_results(RESULTS), "blackboard", tmp_path / "x.csv")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x.ipynb", "--lms", "canvas"], "--lms canvas writes the --csv FILE: give --csv too"),
        (["--course", "c"], "--course DIR and --assignment NAME go together"),
        (["x.ipynb", "--course", "c", "--assignment", "a"], "either submission files or --course"),
        ([], "give the submissions to grade, or --course DIR --assignment NAME"),
    ],
)
def test_inconsistent_options_exit_two_with_the_reason(argv, message, capsys):
    assert main(["grade", *argv]) == 2
    assert message in capsys.readouterr().err


def test_cell_outputs_give_nbgrader_the_same_points_including_partial_credit():
    from nbgrader.utils import determine_grade

    def test_cell(grade_id):
        cell = new_code_cell("check_array(...)")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": grade_id}
        cell.metadata["nbgrader"]["points"] = 3
        return cell

    notebook = new_notebook(cells=[test_cell("full"), test_cell("none"), test_cell("part")])
    items = [
        ItemResult("full", 3.0, 3.0, ""),
        ItemResult("none", 0.0, 3.0, "w is wrong: did you transpose W?"),
        ItemResult("part", 2.0, 3.0, "1 of 3 checks failed: b is wrong"),
    ]
    write_scores(notebook, items)
    assert [determine_grade(cell)[0] for cell in notebook.cells] == [3.0, 0, 2.0]
    assert notebook.cells[1].outputs[0].evalue == "w is wrong: did you transpose W?"
    assert notebook.cells[2].outputs[0].text == "1 of 3 checks failed: b is wrong\n"
