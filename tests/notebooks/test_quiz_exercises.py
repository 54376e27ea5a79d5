"""The quiz exercises of lessons 01 and 02 grade from the quiz.answer(...) lines, per answer.

A solved copy gets full marks and an untouched one 0 (``test_nbval`` grades every lesson that
way); here one wrong prediction among right ones costs exactly that answer's share, and its
feedback names the question — the graded form survives re-execution of the notebook.
"""

from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from bpwidgets.lessons import SOURCE_DIR

# (lesson, grade_id, right line, wrong line, questions in the quiz)
PLANTED = [
    ("01_chain_rule", "ex_quiz_circuit_tests",
     'print(quiz.answer("-4"))  # the gradient at y', 'print(quiz.answer("4"))  # the gradient at y',
     8),
    ("02_backprop_by_hand", "ex_quiz_mazur_tests",
     'print(quiz.answer("delta_h2 * out_i2"))', 'print(quiz.answer("delta_h2 * out_h2"))', 12),
]


@pytest.mark.slow
def test_one_wrong_quiz_answer_costs_its_share_and_is_named(tmp_path):
    submissions = []
    for lesson, _, right, wrong, _ in PLANTED:
        notebook = nbformat.read(SOURCE_DIR / f"{lesson}.ipynb", as_version=4)
        (cell,) = [cell for cell in notebook.cells if right in cell.source]
        cell.source = cell.source.replace(right, wrong)
        nbformat.write(notebook, tmp_path / f"{lesson}.ipynb")
        submissions.append(str(tmp_path / f"{lesson}.ipynb"))
    result = subprocess.run(
        [sys.executable, "-m", "bpwidgets", "grade", *submissions, "--json", "--source",
         str(SOURCE_DIR)], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    reports = {r["lesson"]: r for r in json.loads(result.stdout)}
    for lesson, grade_id, _, _, questions in PLANTED:
        items = {item["grade_id"]: item for item in reports[lesson]["items"]}
        quiz = items[grade_id]
        # One check counts the answers, one check per answer: all but the last pass.
        assert quiz["score"] == pytest.approx(quiz["max_score"] * questions / (questions + 1),
                                              abs=1e-6), quiz
        assert f"your answer to quiz question {questions}" in quiz["feedback"], quiz["feedback"]
        others = [item for key, item in items.items() if key != grade_id]
        assert all(item["score"] == item["max_score"] for item in others), others
