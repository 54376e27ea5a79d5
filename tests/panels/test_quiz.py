"""Quiz mode: predict each backward step, get the slip's hint, reveal, and keep the log in state."""

from __future__ import annotations

import builtins
import json

import ipywidgets as widgets
import pytest

from bpwidgets.grading.diagnose_step import HINTS
from bpwidgets.panels import ChainRulePanel, NetworkPanel
from bpwidgets.panels.quiz import SHOW_ME, parse_answer

CIRCUIT = {"x": -2.0, "y": 5.0, "z": -4.0}


def answer_all(panel) -> list[str]:
    """Answer every question with the exact expected number; return the feedback texts."""
    said = []
    while not panel.quiz_done:
        said.append(panel.answer(repr(panel.quiz.current.expected)))
    return said


def advance_to(panel, asked: str) -> None:
    """Answer right until the current question asks for ``asked``."""
    while panel.quiz.current.asked != asked:
        panel.answer(repr(panel.quiz.current.expected))


def test_every_chain_rule_step_answered_right_advances_to_the_end():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    walk = panel.walk
    assert panel.controls["step"].value == panel.first_backward_step
    assert len(panel.quiz.questions) == 2 * len(walk.steps)
    for k, question in enumerate(panel.quiz.questions):
        assert panel.quiz.position == k
        j = walk.backward_index(panel.controls["step"].value)
        assert panel.controls["step"].max == panel.controls["step"].value  # no peeking ahead
        core = walk.steps[j]
        assert question.expected == (core.local_grad if k % 2 == 0 else core.grad_after)
        assert panel.answer(repr(question.expected)).startswith("✓")
    assert panel.quiz_done and all(entry.correct for entry in panel.quiz_log)
    assert panel.controls["step"].value == panel.controls["step"].max == walk.last_step
    plain = ChainRulePanel("(x + y) * z", **CIRCUIT)
    plain.controls["step"].value = walk.last_step
    assert panel.render_png() == plain.render_png()  # the fully revealed picture


def test_the_step_asked_hides_its_numbers_and_reveals_them_when_answered():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    assert "= 1 · ? = ?" in panel.formula_line.value
    assert panel.formula.endswith("= 1 · ? = ?")
    assert "-4" not in panel.description_box.value.split("Shown:")[1]  # no answer in the text
    hidden = panel.render_png()
    panel.answer("z")  # ∂f/∂(x+y) = z = -4, by name
    assert "= 1 · (-4) = ?" in panel.formula_line.value
    assert panel.render_png() != hidden
    panel.answer("-4")
    assert panel.quiz.position == 2
    assert panel.controls["step"].value == panel.first_backward_step + 1
    assert panel.quiz.current.asked == "∂f/∂z"


def test_every_network_question_answered_right_advances_and_selects_its_weight():
    panel = NetworkPanel(quiz=True)
    assert [q.asked for q in panel.quiz.questions[:3]] == ["δ_o1", "∂E/∂w5", "∂E/∂w6"]
    # Mazur's published numbers: δ_o1 = 0.138498562, ∂E/∂w5 = 0.082167041, ∂E/∂w1 = 0.000438568.
    assert panel.answer("0.138498562").startswith("✓")
    assert panel.state["weight"] == "w5"
    assert panel.answer("0.082167041").startswith("✓")
    advance_to(panel, "∂E/∂w1")
    assert panel.answer("0.000438568").startswith("✓")
    answer_all(panel)
    assert panel.quiz_done and len(panel.quiz_log) == 12
    assert panel.footer.get_text() == panel.report.formula  # everything revealed


def test_unrevealed_network_gradients_are_hidden_in_texts():
    panel = NetworkPanel(quiz=True)
    assert panel.footer.get_text().startswith("∂E/∂w5 = ?")
    assert panel.caption_text.startswith("Your turn: What is δ_o1")
    assert {text.get_text() for text in panel.node_texts[1] + panel.node_texts[2]} == {"?"}


def hint_for(panel, value: float) -> str:
    return panel.answer(repr(value))


@pytest.fixture
def reuse_panel():
    # x feeds both the sum and the product, so ∂f/∂x gets two contributions.
    return ChainRulePanel("(x + y) * x", quiz=True, x=3.0, y=-2.0)


def test_catalogue_mistakes_in_the_chain_rule_get_their_hints(reuse_panel):
    panel = reuse_panel
    question = panel.quiz.current  # local ∂f/∂(x+y) of f = (x+y)·x: the other input, x = 3
    assert HINTS["swapped_mul"] in hint_for(panel, 1.0)  # x+y's own value
    assert HINTS["sign"] in hint_for(panel, -question.expected)
    panel.answer(repr(question.expected))
    # gradient ∂f/∂(x+y) = 1·3: typing the upstream 1 forgets the local derivative
    assert HINTS["forgot_local"] in hint_for(panel, 1.0)
    forward = next(s.value for s in panel.quiz.current.slips if s.key == "forward_value")
    assert HINTS["forward_value"] in hint_for(panel, forward)  # local · f's value, not its grad
    second_path = [k for k, q in enumerate(panel.quiz.questions) if "already holds" in q.prompt]
    assert [panel.quiz.questions[k].asked for k in second_path] == ["∂f/∂x"]
    while panel.quiz.position < second_path[0]:
        panel.answer(repr(panel.quiz.current.expected))
    question = panel.quiz.current
    contribution = next(s.value for s in question.slips if s.key == "second_path")
    assert HINTS["second_path"] in hint_for(panel, contribution)


def test_forward_value_and_tanh_slips_in_a_local_derivative():
    panel = ChainRulePanel("tanh(x)", quiz=True, x=0.5)
    t = panel.walk.root.data
    assert HINTS["tanh_local"] in panel.answer(repr(1 - t))
    assert HINTS["forward_value"] in panel.answer(repr(t))


def test_network_slips_get_their_hints():
    panel = NetworkPanel(quiz=True)
    slips = {s.key: s.value for s in panel.quiz.current.slips}
    assert HINTS["forgot_slope"] in hint_for(panel, slips["forgot_slope"])  # out − target only
    panel.answer(repr(panel.quiz.current.expected))
    slips = {s.key: s.value for s in panel.quiz.current.slips}  # ∂E/∂w5
    assert HINTS["forgot_local"] in hint_for(panel, slips["forgot_local"])  # δ without out_h1
    assert HINTS["wrong_input"] in hint_for(panel, slips["wrong_input"])  # δ · out_o1
    advance_to(panel, "δ_h1")
    one_path = [s.value for s in panel.quiz.current.slips if s.key == "one_path"]
    assert HINTS["one_path"] in hint_for(panel, one_path[0])
    crossed = next(s.value for s in panel.quiz.current.slips if s.key == "wrong_weights")
    assert HINTS["wrong_weights"] in hint_for(panel, crossed)


def test_show_me_only_after_two_wrong_tries():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    assert panel.quiz.show_button.disabled
    assert "Try 2 more" in panel.show_answer()
    panel.answer("7")
    assert panel.quiz.show_button.disabled
    panel.answer("8")
    assert not panel.quiz.show_button.disabled
    assert panel.show_answer() == "∂f/∂(x+y) = -4 (shown)."
    assert panel.quiz.position == 1 and panel.quiz_log[-1].answer == SHOW_ME
    assert "= 1 · (-4) = ?" in panel.formula_line.value


def test_quiz_log_survives_a_state_round_trip():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    panel.answer("3")
    panel.answer("-4")
    panel.answer("-4")
    restored = ChainRulePanel(**panel.state)
    assert restored.quiz_log == panel.quiz_log
    assert restored.quiz.position == 2 and restored.quiz.tries == 0
    assert restored.controls["step"].value == panel.controls["step"].value
    assert restored.render_png() == panel.render_png()
    # The log is a widget value: ipywidgets' own state round trip carries it.
    copy = widgets.Textarea()
    copy.set_state(panel.quiz.log_control.get_state())
    assert json.loads(copy.value)[0] == {"step": 6, "asked": "∂f/∂(x+y)", "answer": "3",
                                          "correct": False, "hint": panel.quiz_log[0].hint}
    network = NetworkPanel(quiz=True)
    network.answer("0.1")
    network.answer("0.138498562")
    again = NetworkPanel(**network.state)
    assert again.quiz_log == network.quiz_log and again.quiz.position == 1


def test_answers_are_parsed_never_evaluated(monkeypatch, tmp_path):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec must never run")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    marker = tmp_path / "ran"
    attacks = [f"__import__('os').system('touch {marker}')", "().__class__.__bases__",
               "x.__class__", "[c for c in ()]", "lambda: 1", "open('/etc/passwd')", "9**9**9",
               "1" * 200]
    for attack in attacks:
        assert panel.answer(attack).startswith("Could not read your answer"), attack
    assert not marker.exists()
    assert panel.quiz_log == ()  # unreadable answers are not counted as tries
    assert panel.answer("0.25*2 - 4.5") .startswith("✓")  # -4 as a formula


def test_right_means_the_ledger_value_within_the_check_tolerance():
    panel = ChainRulePanel("sigmoid(w0 * x0 + w1 * x1 + w2)", quiz=True, w0=2.0, x0=-1.0,
                           w1=-3.0, x1=-2.0, w2=-3.0)
    exact = panel.quiz.current.expected  # σ'(1) = 0.19661193...
    assert exact == panel.walk.steps[0].local_grad
    feedback = panel.answer(f"{exact:.4g}")  # the 4-digit number the picture shows
    assert feedback.startswith("✗") and "rounded" in feedback
    assert panel.answer(repr(exact * (1 + 2e-6))).startswith("✓")


def test_parse_answer_uses_only_offered_names():
    assert parse_answer("1 - t**2", {"t": 0.5}) == 0.75
    with pytest.raises(ValueError, match="unknown name 'u'"):
        parse_answer("u", {"t": 0.5})
    with pytest.raises(ValueError, match="not a finite number"):
        parse_answer("1e308 * 10", {})


def test_a_malformed_quiz_log_is_refused_naming_it():
    for bad in ("not json", '[{"step": 1}]', "{}"):
        with pytest.raises(ValueError, match="quiz_log must be the JSON list"):
            ChainRulePanel(quiz_log=bad)


def test_a_panel_without_quiz_refuses_answers():
    with pytest.raises(ValueError, match="quiz=True"):
        ChainRulePanel().answer("1")


def test_an_answer_the_box_sends_is_judged_whether_the_click_comes_before_or_after_it():
    panel = ChainRulePanel("(x + y) * z", quiz=True, **CIRCUIT)
    quiz = panel.quiz
    quiz.check_button.click()  # the browser may send the click first: nothing is judged yet
    assert quiz.log == () and quiz.feedback.value == ""
    quiz.box.value = "3"  # then the value arrives (a wrong answer)
    assert quiz.feedback.value.startswith("<span>✗ Question 1") and quiz.box.value == ""
    quiz.box.value = repr(quiz.current.expected)  # sent first, the click after it
    quiz.check_button.click()
    assert "✓ Question 1 right" in quiz.feedback.value and quiz.position == 1
    assert [entry.correct for entry in quiz.log] == [False, True]
    panel.close()
