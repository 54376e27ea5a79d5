"""Classic mistakes planted in the lessons get their own hint, shown as a short card.

Each mistake is planted in its own copy of a lesson source (one solution line replaced); the
copy runs in a fresh kernel with plain nbclient, from the lesson's first cell to the
exercise's test cell (panels left out for speed). The test cell's error output must be the
card: at most 8 lines, no traceback frames, the specific hint.
"""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

from bpwidgets.grading.card import MAX_LINES, CheckFailure, card_lines
from bpwidgets.lessons import SOURCE_DIR

ANSI = re.compile(r"\x1b\[[0-9;]*m")

# (lesson, correct solution line, the classic mistake, test cell, words the card must contain)
PLANTED = [
    ("01_chain_rule", "return b, a", "return a, b", "ex_local_grad_mul_tests",
     "multiplication swaps its inputs"),
    ("01_chain_rule", "return 1.0 - t * t", "return 1.0 - t", "ex_local_grad_tanh_tests",
     "1 − t: square the output"),
    ("01_chain_rule", "return s * (1.0 - s)", "return s", "ex_local_grad_sigmoid_tests",
     "that is the forward value"),
    ("02_backprop_by_hand", "return (out_o - target) * out_o * (1.0 - out_o)",
     "return out_o - target", "ex_delta_output_tests",
     "forgot to multiply by the activation's derivative"),
    ("02_backprop_by_hand", "return (W2 @ delta_o) * out_h * (1.0 - out_h)",
     "return (W2.T @ delta_o) * out_h * (1.0 - out_h)", "ex_delta_hidden_tests",
     "transposed weights (W.T @ δ where W @ δ"),
    ("02_backprop_by_hand", "return np.outer(layer_input, delta)",
     "return np.outer(delta, layer_input)", "ex_grad_w5_w1_tests", "transpose of the expected"),
    ("02_backprop_by_hand", "return weight - learning_rate * grad",
     "return weight + learning_rate * grad", "ex_sgd_step_tests", "moved the parameter uphill"),
    ("03_vectorised_backprop", "return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)",
     "return dZ @ W.T, dZ.T @ X, dZ.sum(axis=0)", "ex_dense_backward_tests",
     "did you transpose W"),
    ("03_vectorised_backprop", "return dZ @ W.T, X.T @ dZ, dZ.sum(axis=0)",
     "return dZ @ W.T, X.T @ dZ, dZ.mean(axis=0)", "ex_dense_backward_tests",
     "divided by the batch size once too often"),
    ("03_vectorised_backprop", "return (probabilities - one_hot) / len(y)",
     "return probabilities - one_hot", "ex_softmax_ce_backward_tests",
     "summed over the batch instead of averaging"),
    ("04_vanishing_exploding", 'saturation_answer = "A"', 'saturation_answer = "B"',
     "ex_sigmoid_saturation_tests", "saturation_answer is wrong"),
    ("05_loss_surfaces", "return w - lr * b, b", "return w + lr * b, b", "ex_momentum_step_tests",
     "moved the parameter uphill"),
    ("06_train_end_to_end", 'moons_settings = {"hidden": 32, "lr": 1.0, "steps": 1000}',
     "moons_settings = {}", "ex_moons_95_tests", "moons: test accuracy is too small"),
    ("06_train_end_to_end", 'spiral_settings = {"hidden": 32, "lr": 1.0, "steps": 1000}',
     "spiral_settings = {}", "ex_spiral_95_tests", "spiral: test accuracy is too small"),
    # A wrong scalar is not "some constant factor" of the right one: no made-up hint.
    ("04_vanishing_exploding", "variance = 1.0 / (3.0 * n)", "variance = 1.0 / n",
     "ex_predict_factor_tests", None),
]


def planted_copy(lesson, right, wrong, grade_id):
    """The lesson up to ``grade_id``'s test cell, with ``right`` replaced by ``wrong``."""
    notebook = nbformat.read(SOURCE_DIR / f"{lesson}.ipynb", as_version=4)
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or (("Panel(" in cell.source or ".static(" in cell.source) and "nbgrader" not in cell.metadata):
            continue
        cell.outputs, cell.execution_count = [], None
        cells.append(cell)
        if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id:
            break
    changed = [cell for cell in cells if right in cell.source]
    assert len(changed) == 1, f"{lesson}: the solution line {right!r} changed"
    changed[0].source = changed[0].source.replace(right, wrong)
    notebook.cells = cells
    return notebook


@pytest.fixture(scope="module")
def planted_runs():
    """Every planted copy, run once with nbclient (errors allowed, as a student runs it)."""
    runs = []
    for lesson, right, wrong, grade_id, _ in PLANTED:
        notebook = planted_copy(lesson, right, wrong, grade_id)
        NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True).execute()
        runs.append(notebook)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(PLANTED)),
                         ids=[f"{i}-{p[3]}" for i, p in enumerate(PLANTED)])
def test_planted_mistake_gets_its_hint_in_a_short_card(planted_runs, index):
    lesson, _, wrong, grade_id, words = PLANTED[index]
    notebook = planted_runs[index]
    *before, test_cell = notebook.cells
    for cell in before:
        assert not [o for o in cell.outputs if o.output_type == "error"], (lesson, cell.source)
    errors = [o for o in test_cell.outputs if o.output_type == "error"]
    assert len(errors) == 1, test_cell.outputs
    error = errors[0]
    card = [ANSI.sub("", line) for line in error.traceback]
    assert error.ename == "AssertionError"
    assert 2 <= len(card) <= MAX_LINES, card
    assert card[0].startswith("✗ "), card
    text = "\n".join(card)
    assert "Traceback" not in text and 'File "' not in text and "checks.py" not in text, card
    if words is None:
        assert "Hint" not in text and "constant factor" not in text, card
    else:
        assert words in text, card


@pytest.mark.slow
def test_a_recorded_answer_is_never_shown_as_correct(planted_runs):
    index = next(i for i, p in enumerate(PLANTED) if p[3] == "ex_sigmoid_saturation_tests")
    streams = "".join(o.get("text", "") for o in planted_runs[index].cells[-1].outputs
                      if o.output_type == "stream")
    assert streams.strip() == "answer recorded: B — it is checked when your work is graded"
    assert "✓" not in streams


def test_card_renders_in_ipython_without_frames():
    failure = CheckFailure("\n".join(card_lines("dW is wrong", ["expected 1, got 2"], "look")))
    lines = failure._render_traceback_()
    assert [ANSI.sub("", line) for line in lines] == [
        "✗ dW is wrong", "  expected 1, got 2", "  Hint: look"]
    assert isinstance(failure, AssertionError) and type(failure).__name__ == "AssertionError"
    many = card_lines("t", [f"fact {i}" for i in range(20)], "hint")
    assert len(many) == MAX_LINES and many[-1] == "  …"
