"""Predict, then reveal: a panel's backward pass asked step by step before it is shown.

``ChainRulePanel(..., quiz=True)`` asks, at each chain-rule step, for the local derivative and
then for the gradient arriving at the node; ``NetworkPanel(quiz=True)`` asks for δ of each unit
and then ∂E/∂w of each weight into it, output layer first. The answer box takes a number or a
small formula (``0.25*2``, ``1 - t**2`` with the names the question offers), read by the
package's formula parser (``bpwidgets.core.expression``: an AST whitelist, never ``eval``).

A right answer — within the check module's tolerances of the core's exact number, never a
rounded display — reveals the step and moves on; a wrong one gets the hint of the slip it
matches (``bpwidgets.grading.diagnose_step``, which falls back on the graded checks' catalogue);
"show me" reveals the answer after two wrong tries. Every attempt is kept in
``panel.quiz_log`` and, as JSON, in the hidden ``quiz_log`` control: it is part of
``panel.state`` and of the saved widget state, so a quiz survives a state round trip and a
lesson can grade it.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import asdict, dataclass

import ipywidgets as widgets
import numpy as np

from bpwidgets.core.expression import build_expression, expression_inputs
from bpwidgets.core.value import format_number, format_operand, wrap_name
from bpwidgets.grading.diagnose_step import (
    Slip,
    close,
    delta_slips,
    gradient_slips,
    local_slips,
    step_hint,
    weight_slips,
)
from bpwidgets.panels.graph_drawing import NodeStyle
from bpwidgets.panels.palette import HIGHLIGHT, NEUTRAL

QUIZ_LOG = "quiz_log"  # name of the hidden control holding the log
SHOW_ME = "(show me)"  # the answer recorded when the student asks to see the result
TRIES_BEFORE_SHOW = 2
MAX_ANSWER_LENGTH = 120


@dataclass(frozen=True)
class Question:
    """One thing to predict: what is asked, its exact value and the slips it invites."""

    step: int  # the panel step it belongs to (chain rule: slider value; network: question index)
    asked: str  # short, e.g. ∂q/∂x or δ_o1
    prompt: str
    expected: float
    slips: tuple[Slip, ...] = ()
    names: tuple[tuple[str, float], ...] = ()  # numbers the answer may use by name
    local_derivative: float | None = None
    focus: tuple = ()  # what the picture points at (network: ("unit", layer, j) / ("weight", name))


@dataclass(frozen=True)
class QuizEntry:
    """One attempt: the question's step, what was asked, the answer typed, right or not, the hint."""

    step: int
    asked: str
    answer: str
    correct: bool
    hint: str


def parse_answer(text: str, names: dict[str, float]) -> float:
    """The number a typed answer means: a number or a formula over ``names``; ValueError if none."""
    if not isinstance(text, str):
        raise TypeError(f"answer must be text such as '0.25*2'; got {type(text).__name__}")
    text = text.strip()
    if len(text) > MAX_ANSWER_LENGTH:
        raise ValueError(f"the answer is {len(text)} characters long; keep it under "
                         f"{MAX_ANSWER_LENGTH}")
    used = expression_inputs(text)
    unknown = [name for name in used if name not in names]
    if unknown:
        offered = ", ".join(names) or "none here"
        raise ValueError(f"unknown name {unknown[0]!r}; names you can use: {offered}")
    value = build_expression(text, **{name: names[name] for name in used}).data
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    return value


def identifier(name: str) -> str:
    """A display name as a formula name: h1[0] → h1_0, W1[0,1] → W1_0_1."""
    return re.sub(r"\W+", "_", name).strip("_")


class Quiz:
    """The questions, the answer box and the log; the log (a hidden control) is the only state."""

    def __init__(self, questions: list[Question], log_json: str = "[]"):
        self.questions = tuple(questions)
        _read_log(log_json)  # a malformed log fails here, naming quiz_log
        self.log_control = widgets.Textarea(value=log_json, description=QUIZ_LOG,
                                            layout=widgets.Layout(display="none"))
        self.prompt = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        # The value is sent on Enter or when the box loses focus (pressing check takes the
        # focus), and the answer is judged when it arrives: the browser may send the click
        # before the value (a student's answer once read as empty), never the value late.
        self.box = widgets.Text(placeholder="a number, or e.g. 0.25*2", continuous_update=False,
                                description="your answer", style={"description_width": "initial"},
                                layout=widgets.Layout(width="320px"))
        self.check_button = widgets.Button(description="check", icon="check", button_style="info",
                                           tooltip="check your answer")
        self.show_button = widgets.Button(description="show me", icon="eye",
                                          tooltip=f"reveal the answer (after {TRIES_BEFORE_SHOW} "
                                                  "tries)")
        self.feedback = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        self.box.observe(self._on_typed, names="value")
        self.show_button.on_click(lambda _: self.show())
        self.log_control.observe(lambda _: self.sync_widgets(), names="value")
        self.sync_widgets()

    # --- what a panel's quiz implements ----------------------------------------------------------
    def record(self, entries: list[QuizEntry]) -> None:
        """Store the new log (panels override to move their picture along in the same redraw)."""
        self.log_control.value = _to_json(entries)

    # --- the log and where it leaves us ----------------------------------------------------------
    @property
    def log(self) -> tuple[QuizEntry, ...]:
        """Every attempt so far, oldest first."""
        return _read_log(self.log_control.value)

    @property
    def position(self) -> int:
        """How many questions are answered right or revealed."""
        return sum(1 for entry in self.log if entry.correct or entry.answer == SHOW_ME)

    @property
    def tries(self) -> int:
        """Wrong answers to the current question."""
        count = 0
        for entry in reversed(self.log):
            if entry.correct or entry.answer == SHOW_ME:
                break
            count += 1
        return count

    @property
    def done(self) -> bool:
        """True once every question is answered right or revealed."""
        return self.position >= len(self.questions)

    @property
    def current(self) -> Question | None:
        """The question being asked (None when done)."""
        return None if self.done else self.questions[self.position]

    # --- answering -------------------------------------------------------------------------------
    def answer(self, text: str) -> str:
        """Judge a typed answer to the current question; log it; return the feedback text."""
        question = self.current
        if question is None:
            return self._say("The quiz is complete: every step is revealed.")
        names = dict(question.names)
        try:
            value = parse_answer(text, names)
        except (ValueError, TypeError) as error:
            return self._say(f"Could not read your answer: {error}")
        if close(value, question.expected):
            entry = QuizEntry(question.step, question.asked, text, True, "")
            feedback = (f"✓ Question {self.position + 1} right: {question.asked} = "
                        f"{_number(question.expected)}.")
        else:
            _, hint = step_hint(value, question.expected, question.slips,
                                question.local_derivative)
            entry = QuizEntry(question.step, question.asked, text, False, hint)
            tries = self.tries + 1
            more = (" — or press “show me”." if tries >= TRIES_BEFORE_SHOW else "")
            feedback = (f"✗ Question {self.position + 1}: {question.asked} ≠ {_number(value)} — "
                        f"{hint}. Try again{more or '.'}")
        self.record([*self.log, entry])
        self.box.value = ""
        return self._say(feedback)

    def _on_typed(self, change) -> None:
        """An answer the box sent (Enter, or check pressed): judge it. The box emptied by
        ``answer`` comes back here as "" and is not an answer."""
        if change["new"].strip():
            self.answer(change["new"])

    def show(self) -> str:
        """Reveal the current answer (allowed after two wrong tries); return the feedback text."""
        question = self.current
        if question is None:
            return self._say("The quiz is complete: every step is revealed.")
        if self.tries < TRIES_BEFORE_SHOW:
            return self._say(f"Try {TRIES_BEFORE_SHOW - self.tries} more time(s) before asking "
                             "to see the answer.")
        entry = QuizEntry(question.step, question.asked, SHOW_ME, False,
                          f"shown: {question.asked} = {question.expected!r}")
        self.record([*self.log, entry])
        return self._say(f"{question.asked} = {_number(question.expected)} (shown).")

    def _say(self, text: str) -> str:
        self.feedback.value = f"<span>{html.escape(text, quote=False)}</span>"
        self.sync_widgets()
        return text

    def sync_widgets(self) -> None:
        """Prompt, buttons and box for the current question."""
        question = self.current
        if question is None:
            self.prompt.value = "<b>Quiz complete</b> — every step is revealed."
        else:
            names = ", ".join(name for name, _ in question.names)
            offer = f" <i>(names you may use: {html.escape(names)})</i>" if names else ""
            self.prompt.value = (f"<b>Question {self.position + 1} of {len(self.questions)}:"
                                 f"</b> {html.escape(question.prompt)}{offer}")
        self.box.disabled = self.check_button.disabled = question is None
        self.show_button.disabled = question is None or self.tries < TRIES_BEFORE_SHOW

    def rows(self) -> list[widgets.Widget]:
        """The quiz's rows under the panel's controls."""
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        return [self.prompt, widgets.HBox([self.box, self.check_button, self.show_button],
                                          layout=wrap), self.feedback]


class QuizMixin:
    """What a panel with ``quiz=True`` offers: ``answer``, ``show_answer``, ``quiz_log``, ``quiz_done``."""

    quiz: Quiz | None = None

    def _require_quiz(self) -> Quiz:
        if self.quiz is None:
            raise ValueError(f"this {type(self).__name__} has no quiz; make it with quiz=True")
        return self.quiz

    def answer(self, text: str) -> str:
        """Answer the current quiz question as if typed and checked; return the feedback text."""
        return self._require_quiz().answer(text)

    def show_answer(self) -> str:
        """Press "show me" (allowed after two wrong tries); return the feedback text."""
        return self._require_quiz().show()

    @property
    def quiz_log(self) -> tuple[QuizEntry, ...]:
        """Every quiz attempt (step, asked, answer, correct, hint), oldest first."""
        return self._require_quiz().log

    @property
    def quiz_done(self) -> bool:
        """True once every quiz question is answered right or revealed."""
        return self._require_quiz().done


def _read_log(text: str) -> tuple[QuizEntry, ...]:
    """The entries of a JSON quiz log; ValueError naming quiz_log when it is not one."""
    try:
        entries = json.loads(text or "[]")
        if not isinstance(entries, list):
            raise TypeError(f"a JSON {type(entries).__name__}, not a list")
        return tuple(QuizEntry(**entry) for entry in entries)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{QUIZ_LOG} must be the JSON list of quiz entries a panel's state "
                         f"holds (step, asked, answer, correct, hint); got {text!r:.80} "
                         f"({error})") from None


def _to_json(entries) -> str:
    return json.dumps([asdict(entry) for entry in entries], ensure_ascii=False)


def _number(x: float) -> str:
    return f"{x:.6g}"


# --- the chain-rule panel ------------------------------------------------------------------------
class ChainRuleQuiz(Quiz):
    """Two questions per chain-rule step: the local derivative, then the gradient after the step."""

    def __init__(self, panel, log_json: str = "[]"):
        self.panel = panel
        super().__init__(chain_rule_questions(panel.walk), log_json)

    @classmethod
    def attach(cls, panel, controls: dict, state: dict) -> ChainRuleQuiz:
        """Make the quiz of a panel being built: log control, fixed graph, slider at the question."""
        quiz = cls(panel, state.get(QUIZ_LOG, "[]"))
        controls[QUIZ_LOG] = quiz.log_control
        for name, control in controls.items():
            if isinstance(control, (widgets.Text, widgets.FloatText)) and name != QUIZ_LOG:
                control.disabled = True  # the questions belong to this graph and these inputs
        quiz.limit(controls)
        controls["step"].value = quiz.current_step()
        return quiz

    def current_step(self) -> int:
        """The slider value of the step being asked (the last step once done)."""
        walk = self.panel.walk
        if self.done:
            return walk.last_step
        return walk.n_nodes + 1 + self.position // 2

    def limit(self, controls: dict) -> None:
        """Keep the step slider (and play) from running past the step being asked."""
        for name in ("play", "step"):
            controls[name].max = self.current_step()

    def record(self, entries: list[QuizEntry]) -> None:
        """Store the log and move the picture to the step now asked, in one redraw."""
        with self.panel.hold():
            super().record(entries)
            self.limit(self.panel.controls)
            self.panel.controls["step"].value = self.current_step()

    def mask(self, walk, step: int, styles: list, formula: str, caption: str):
        """Hide what the current question asks for when the picture shows its step."""
        j = self._asked_index(walk, step)
        if j is None:
            return styles, formula, caption
        s = walk.steps[j]
        node = walk.layout.node_id(s.input)
        before = s.grad_after - s.contribution
        held = f"{format_number(before)} + ?" if j and _received_before(walk, j) else "?"
        styles = list(styles)
        old = styles[node]
        styles[node] = NodeStyle(old.text.split("\n")[0] + f"\ngrad {held}", HIGHLIGHT, 3.0,
                                 old.fill, old.text_colour)
        return styles, self.masked_formula(walk, step, formula), \
            f"Your turn: {self.current.prompt}"

    def masked_formula(self, walk, step: int, formula: str) -> str:
        """``formula`` with the numbers of the current question replaced by question marks."""
        j = self._asked_index(walk, step)
        if j is None:
            return formula
        s = walk.steps[j]
        local = "?" if self.position % 2 == 0 else format_operand(s.local_grad)
        return f"{formula.split(' = ')[0]} = {format_number(s.upstream_grad)} · {local} = ?"

    def _asked_index(self, walk, step: int) -> int | None:
        """The chain-rule step shown at ``step`` if it is the one being asked, else None."""
        j = walk.backward_index(step)
        if self.done or j is None or j < self.position // 2:
            return None
        return j


def _partial(top: str, bottom: str) -> str:
    """∂top/∂bottom, compound names in parentheses: ∂f/∂(x+y)."""
    return f"∂{wrap_name(top)}/∂{wrap_name(bottom)}"


def _received_before(walk, j: int) -> bool:
    """True if the input of step j already got a gradient at an earlier step."""
    target = walk.steps[j].input
    return any(step.input is target for step in walk.steps[:j])


def chain_rule_questions(walk) -> list[Question]:
    """Local derivative, then gradient after the step, for every chain-rule step of ``walk``."""
    from bpwidgets.panels.chain_rule import forward_text

    layout = walk.layout
    nodes = layout.nodes
    root = nodes[layout.root].name
    values = tuple((identifier(n.name), n.data) for n in nodes
                   if identifier(n.name) == n.name and n.name)
    questions = []
    for j, s in enumerate(walk.steps):
        step = walk.n_nodes + 1 + j
        out, into = nodes[layout.node_id(s.output)], nodes[layout.node_id(s.input)]
        total, local = _partial(root, into.name), _partial(out.name, into.name)
        before = s.grad_after - s.contribution
        questions.append(Question(
            step, local, f"What is the local derivative {local}?   "
                         f"({forward_text(layout, out.id)})",
            s.local_grad, local_slips(out.op, out.data, into.data, s.local_grad), values))
        upstream = ((f"grad_{out.name}", s.upstream_grad),) if out.name.isidentifier() else ()
        already = f" — {into.name} already holds {before:.6g} from another path" \
            if _received_before(walk, j) else ""
        questions.append(Question(
            step, total,
            f"What is {total} after this step? The gradient at {out.name} is "
            f"{s.upstream_grad:.6g}, the local derivative {s.local_grad:.6g}{already}.",
            s.grad_after,
            gradient_slips(out.op, out.data, into.data, s.local_grad, s.upstream_grad, before),
            values + upstream, s.local_grad))
    return questions


# --- the network panel ---------------------------------------------------------------------------
class NetworkQuiz(Quiz):
    """δ of each unit, then ∂E/∂w of each weight into it; output layer first."""

    TRAINING_CONTROLS = ("lr", "steps", "sgd_step", "reset")

    def __init__(self, panel, log_json: str = "[]"):
        self.panel = panel
        super().__init__(network_questions(panel), log_json)

    @classmethod
    def attach(cls, panel, controls: dict, state: dict) -> NetworkQuiz:
        """Make the quiz of a panel being built: log control, δ and gradient views, no training."""
        quiz = cls(panel, state.get(QUIZ_LOG, "[]"))
        controls[QUIZ_LOG] = quiz.log_control
        for name in cls.TRAINING_CONTROLS:
            controls[name].disabled = True  # the questions belong to the initial network
        controls["view"].value, controls["node_view"].value = "gradient", "delta"
        quiz.point_controls(controls)
        return quiz

    def record(self, entries: list[QuizEntry]) -> None:
        """Store the log and select the weight now asked, in one redraw."""
        with self.panel.hold():
            super().record(entries)
            self.point_controls(self.panel.controls)

    def point_controls(self, controls: dict) -> None:
        """Select the weight the current question is about (for a δ, the first weight into it)."""
        question = self.current
        if question is None:
            return
        if question.focus[0] == "weight":
            controls["weight"].value = question.focus[1]
            return
        _, layer, j = question.focus
        controls["weight"].value = next(name for name, where in self.panel._weights.items()
                                        if where[0] == layer - 1 and where[2] == j)

    def revealed(self) -> tuple[set, set]:
        """(units, weights) whose δ or ∂E/∂w the student has answered or seen."""
        units, weights = set(), set()
        for question in self.questions[: self.position]:
            kind, *where = question.focus
            (units if kind == "unit" else weights).add(tuple(where) if kind == "unit" else where[0])
        return units, weights

    def mask(self, panel, frame) -> None:
        """Hide unrevealed δ and ∂E/∂w (values, colours, widths, legend range); ring the unit asked."""
        units, weights = self.revealed()
        state = panel.state
        if state["node_view"] == "delta":
            self._mask_units(panel, frame, units)
        for circles in panel.node_circles:
            for circle in circles:
                circle.set_linewidth(1.2)
                circle.set_edgecolor(NEUTRAL)
        question = self.current
        if question is not None:
            layer, j = _focus_unit(panel, question)
            panel.node_circles[layer][j].set_linewidth(3.5)
            panel.node_circles[layer][j].set_edgecolor(HIGHLIGHT)
        if state["view"] != "weight":
            self._mask_edges(panel, frame, weights, state)
        if state["weight"] not in weights:
            symbol = "E" if panel._mazur else "L"
            panel.footer.set_text(f"∂{symbol}/∂{state['weight']} = ?   (not revealed yet)")
            prompt = question.prompt if question is not None else ""
            panel.set_caption(f"Your turn: {prompt}")

    @staticmethod
    def _mask_units(panel, frame, units: set) -> None:
        values = [np.array([v if (layer, j) in units else np.nan for j, v in enumerate(row)])
                  for layer, row in enumerate(frame.node_values)]
        if any(np.isfinite(v).any() for v in values):
            panel._draw_nodes(values, "delta")  # colours and legend from revealed δ only
        for layer, texts in enumerate(panel.node_texts):
            for j, text in enumerate(texts):
                if layer and (layer, j) not in units:
                    panel.node_circles[layer][j].set_facecolor("white")
                    text.set_text("?")
                    text.set_color("black")

    @staticmethod
    def _mask_edges(panel, frame, weights: set, state: dict) -> None:
        names = {where: name for name, where in panel._weights.items()}
        hidden = np.array([names[where] not in weights for where in panel._edges])
        panel._draw_edges(np.where(hidden, 0.0, frame.edge_values), state["view"])
        panel.edge_lines.set_array(np.where(hidden, np.nan, frame.edge_values))  # not drawn
        selected = panel._edges.index(panel._weights[state["weight"]])
        panel.selected_halo.set_linewidth(panel.edge_lines.get_linewidths()[selected] + 5.0)


def _focus_unit(panel, question: Question) -> tuple[int, int]:
    if question.focus[0] == "unit":
        return question.focus[1], question.focus[2]
    layer, _, j = panel._weights[question.focus[1]]
    return layer + 1, j


def network_questions(panel) -> list[Question]:
    """δ then ∂E/∂w questions for the panel's network at its current training step."""
    from bpwidgets.panels.network import weight_report

    net, X, Y = panel._initial, panel._X, panel._Y
    if len(X) != 1:
        raise ValueError(f"quiz=True needs a batch of one example (δ of a unit is then one "
                         f"number); got {len(X)} examples")
    grads = net.gradients(X, Y, panel._loss)
    neurons, symbol = panel._neurons, "E" if panel._mazur else "L"
    names = _network_names(panel, net, grads, Y)
    by_unit = {}
    for name, (layer, i, j) in panel._weights.items():
        by_unit.setdefault((layer + 1, j), []).append((i, name))
    questions, deltas = [], []
    for layer in range(len(net.weights), 0, -1):
        for j in range(net.sizes[layer]):
            unit = neurons[layer][j]
            delta = float(grads.deltas[layer - 1][0, j])
            report = weight_report(net, grads, Y, panel._loss, 0.0, by_unit[(layer, j)][0][1],
                                   panel._weights[by_unit[(layer, j)][0][1]], neurons, symbol)
            upstream, slope, _ = report.factors
            paths, crossed = _delta_paths(net, grads, layer, j)
            offered = names + tuple(deltas)
            questions.append(Question(
                len(questions), f"δ_{unit}",
                f"What is δ_{unit} = ∂{symbol}/∂net_{unit}, the gradient arriving at {unit}'s "
                f"input?",
                delta,
                delta_slips(upstream, slope, float(grads.activations[layer][0, j]),
                            float(grads.preactivations[layer - 1][0, j]), paths, crossed),
                offered, slope, ("unit", layer, j)))
            deltas.append((f"delta_{identifier(unit)}", delta))
            for i, name in sorted(by_unit[(layer, j)]):
                w_layer, _, _ = panel._weights[name]
                questions.append(Question(
                    len(questions), f"∂{symbol}/∂{name}",
                    f"What is ∂{symbol}/∂{name}, for the weight {name} from "
                    f"{neurons[layer - 1][i]} to {unit}?", float(grads.weights[w_layer][i, j]),
                    weight_slips(delta, upstream, float(grads.activations[layer - 1][0, i]),
                                 float(grads.activations[layer][0, j]),
                                 float(net.weights[w_layer][i, j])),
                    names + tuple(deltas), float(grads.activations[layer - 1][0, i]),
                    ("weight", name)))
    return questions


def _delta_paths(net, grads, layer: int, j: int):
    """The terms δ_k·w(j→k) of a hidden unit's δ, and the sum with the transposed weights."""
    if layer == len(net.weights):
        return (), None
    after, w = grads.deltas[layer][0], net.weights[layer]
    paths = tuple(float(after[k] * w[j, k]) for k in range(len(after)))
    crossed = float(after @ w[:, j]) if w.shape[0] == w.shape[1] else None
    return paths, crossed


def _network_names(panel, net, grads, Y) -> tuple[tuple[str, float], ...]:
    """Activations out_*, pre-activations net_*, targets target_* and weights, by name."""
    names = []
    for layer, units in enumerate(panel._neurons):
        for j, unit in enumerate(units):
            key = identifier(unit)
            names.append((f"out_{key}", float(grads.activations[layer][0, j])))
            if layer:
                names.append((f"net_{key}", float(grads.preactivations[layer - 1][0, j])))
    names += [(f"target_{identifier(u)}", float(np.asarray(Y)[0, j]))
              for j, u in enumerate(panel._neurons[-1])]
    names += [(identifier(name), float(net.weights[layer][i, j]))
              for name, (layer, i, j) in panel._weights.items()]
    return tuple(names)


def prediction(panel, k: int) -> float:
    """The number the last typed answer to question ``k`` (0-based) means — a lesson's graded form.

    Answers the student revealed with "show me" do not count; ValueError when question ``k`` has
    no typed answer yet, naming it.
    """
    quiz = panel._require_quiz()
    if not 0 <= k < len(quiz.questions):
        raise ValueError(f"k must be between 0 and {len(quiz.questions) - 1}; got {k!r}")
    typed = _typed_answers(quiz).get(k)
    question = quiz.questions[k]
    if typed is None:
        raise ValueError(f"question {k + 1} ({question.asked}) has no answer of yours yet — "
                         f"add a quiz.answer(...) line for it")
    return parse_answer(typed, dict(question.names))


def answered(panel) -> int:
    """How many quiz questions have a typed answer of the student's (right or not)."""
    return len(_typed_answers(panel._require_quiz()))


def _typed_answers(quiz: Quiz) -> dict[int, str]:
    """Question index -> the last answer typed for it (answers revealed by "show me" excluded)."""
    typed, position = {}, 0
    for entry in quiz.log:
        if entry.answer != SHOW_ME:
            typed[position] = entry.answer
        if entry.correct or entry.answer == SHOW_ME:
            position += 1
    return typed
