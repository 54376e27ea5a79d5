"""The quiz references agree with the panels' questions, and predictions read the typed answers."""

from __future__ import annotations

import pytest

from bpwidgets.grading.references_quiz import chain_rule_answer, mazur_answer
from bpwidgets.panels import ChainRulePanel, NetworkPanel
from bpwidgets.panels.quiz import answered, prediction

CIRCUIT = {"x": -2.0, "y": 5.0, "z": -4.0}


def test_references_list_the_quiz_answers_in_the_panels_order():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    assert [chain_rule_answer("(x + y) * z", k, **CIRCUIT) for k in range(8)] == \
        [q.expected for q in panel.quiz.questions]
    network = NetworkPanel(quiz=True)
    assert [mazur_answer(k) for k in range(12)] == [q.expected for q in network.quiz.questions]
    # Mazur's article: δ_o1 = 0.138498562, ∂E/∂w5 = 0.082167041, ∂E/∂w1 = 0.000438568.
    assert mazur_answer(0) == pytest.approx(0.138498562)
    assert mazur_answer(1) == pytest.approx(0.082167041)
    assert mazur_answer(7) == pytest.approx(0.000438568, rel=1e-6)


def test_prediction_is_the_last_typed_answer_and_ignores_show_me():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    panel.answer("3")
    panel.answer("z")  # right: -4
    panel.answer("1")
    panel.answer("2")
    panel.show_answer()  # question 2 revealed after two tries: its prediction is the last typed
    assert prediction(panel, 0) == -4.0
    assert prediction(panel, 1) == 2.0
    assert answered(panel) == 2
    with pytest.raises(ValueError, match="question 3 .* has no answer of yours yet"):
        prediction(panel, 2)
    with pytest.raises(ValueError, match="k must be between 0 and 7"):
        prediction(panel, 8)
