"""Step through a computation graph: values forward node by node, then the chain rule backward.

``ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4)`` or ``ChainRulePanel(root)`` for a ``Value``
graph. The ``step`` slider runs over

- the forward steps ``0 .. n-1``: node ``root.topo()[k]`` gets its value at step ``k``;
- the seed step ``n``: the backward pass starts with ∂L/∂L = 1 at the root;
- the backward steps ``n+1 .. n+m``: step ``n+1+j`` applies ``root.backward()[j]``, the core's
  ``ChainRuleStep`` j, whose formula is shown above the figure and in its title.

``panel.current_step`` is that ChainRuleStep (None outside the backward phase), ``panel.formula``
the text shown, ``panel.first_backward_step`` is ``n+1``.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import ipywidgets as widgets

from bpwidgets.core.expression import build_expression, expression_inputs
from bpwidgets.core.graph import GraphLayout, graph_layout
from bpwidgets.core.value import ChainRuleStep, Value, wrap_name
from bpwidgets.core.value import format_number as fmt  # the core's number style, short here
from bpwidgets.core.value import format_operand as fmt_operand
from bpwidgets.core.worked_examples import CS231N_CIRCUIT_INPUTS
from bpwidgets.panels.base import LABEL_STYLE, Panel
from bpwidgets.panels.graph_drawing import GraphDrawing, NodeStyle
from bpwidgets.panels.palette import BACKWARD, FORWARD, HIGHLIGHT, MUTED, NEUTRAL
from bpwidgets.panels.quiz import QUIZ_LOG, ChainRuleQuiz, QuizMixin

MAX_NODES = 60  # larger graphs are unreadable in one picture
MAX_SIDE_BY_SIDE = 12  # nodes in one column of the layout (one row when drawn top to bottom)
DEFAULT_EXPRESSION = "(x + y) * z"  # CS231n's circuit
DEFAULT_INPUT = 1.0  # value of an input the caller did not give
TITLE_HEIGHT = 0.62  # inches above the drawing for the phase line and the formula
MIN_FIGURE_WIDTH = 6.4  # inches, so the formula line fits above small graphs
PASSED_EDGE_WIDTH = 2.0  # edges the gradient ran back along: wider than untouched ones (1.0)


@dataclass(frozen=True)
class Walkthrough:
    """One graph with everything a step needs: layout, backward ledger, forward formulas."""

    root: Value
    layout: GraphLayout
    steps: tuple[ChainRuleStep, ...]
    forward_texts: tuple[str, ...]

    @property
    def n_nodes(self) -> int:
        """Number of nodes, which is also the number of forward steps."""
        return len(self.layout.nodes)

    @property
    def last_step(self) -> int:
        """Index of the final step (the last chain-rule step)."""
        return self.n_nodes + len(self.steps)

    def backward_index(self, step: int) -> int | None:
        """Index into ``steps`` for a backward step, None for forward and seed steps."""
        j = step - self.n_nodes - 1
        return j if j >= 0 else None

    def grads_after(self, j: int) -> dict[int, float]:
        """Node id → gradient accumulated once chain-rule steps 0..j are applied (root seeded)."""
        grads = {self.layout.root: 1.0}
        for step in self.steps[: j + 1]:
            grads[self.layout.node_id(step.input)] = step.grad_after
        return grads


def walkthrough(root: Value) -> Walkthrough:
    """Run backward on ``root`` and lay out its graph; ValueError for graphs too large to show."""
    steps = tuple(root.backward())
    layout = graph_layout(root, leaves="near_use")
    if len(layout.nodes) > MAX_NODES:
        raise ValueError(
            f"the graph has {len(layout.nodes)} nodes; ChainRulePanel shows at most {MAX_NODES} "
            "readably — use a smaller expression or fewer inputs"
        )
    if layout.max_rows > MAX_SIDE_BY_SIDE:
        raise ValueError(
            f"the graph is {layout.max_rows} nodes wide; ChainRulePanel draws at most "
            f"{MAX_SIDE_BY_SIDE} side by side readably — split the expression into smaller parts"
        )
    return Walkthrough(root, layout, steps, tuple(forward_text(layout, k) for k in
                                                  range(len(layout.nodes))))


def forward_text(layout: GraphLayout, k: int) -> str:
    """The forward computation of node k, e.g. ``q = x + y = -2 + 5 = 3``."""
    node = layout.nodes[k]
    value = layout.values[k]
    if not node.op:
        kind = "constant" if node.is_constant else "input"
        return f"{node.name} = {fmt(node.data)}   ({kind})"
    names = [layout.nodes[layout.node_id(p)].name for p in value.parents]
    # Like the core's texts: only a negative number after an operator gets parentheses.
    numbers = [fmt(value.parents[0].data), *(fmt_operand(p.data) for p in value.parents[1:])]
    if len(names) == 2:
        symbol = {"*": "·"}.get(node.op, node.op)
        symbolic = f"{wrap_name(names[0])} {symbol} {wrap_name(names[1])}"  # f = (x+y) · z
        numeric = f"{numbers[0]} {symbol} {numbers[1]}"
    elif node.op.startswith("**"):
        symbolic, numeric = f"{names[0]}{node.op}", f"{numbers[0]}{node.op}"
    elif node.op == "neg":
        symbolic, numeric = f"−{names[0]}", f"−{numbers[0]}"
    else:
        symbolic, numeric = f"{node.op}({names[0]})", f"{node.op}({fmt(value.parents[0].data)})"
    if node.name.replace(" ", "") == symbolic.replace(" ", ""):  # labelled by its own formula
        return f"{node.name} = {numeric} = {fmt(node.data)}"
    return f"{node.name} = {symbolic} = {numeric} = {fmt(node.data)}"


class ChainRulePanel(QuizMixin, Panel):
    """A computation graph stepped forward (values) and backward (chain-rule products).

    ``quiz=True`` asks for each backward step before showing it (see ``bpwidgets.panels.quiz``).
    """

    fit_width = False  # big graphs keep readable text; the page scrolls sideways if needed

    def __init__(self, root_or_expression: Value | str | None = None, *, hide=(), quiz=False,
                 **state):
        self._fixed_root = isinstance(root_or_expression, Value)
        self._key = None
        controls = self._navigation_controls()
        self._navigation_names = [*controls, "expression"]
        if self._fixed_root:
            self._walk = walkthrough(root_or_expression)
        else:
            text = _expression_argument(root_or_expression, state)
            controls["expression"] = widgets.Text(
                value=text, description="expression", continuous_update=False,
                style=LABEL_STYLE, layout=widgets.Layout(width="340px"))
            self._inputs_box = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
            defaults = CS231N_CIRCUIT_INPUTS if root_or_expression is None else {}
            for name in _check_input_names(expression_inputs(text), controls):
                value = state.pop(name, defaults.get(name, DEFAULT_INPUT))
                controls[name] = self._input_control(name, value)
            self._inputs_box.children = [controls[n] for n in expression_inputs(text)]
            self._walk = walkthrough(build_expression(text, **self._input_values(controls)))
            self._key = self._cache_key(controls)
        self._set_step_range(controls, self._walk.last_step)
        self.formula_line = widgets.HTML(layout=widgets.Layout(min_height="1.8em"))
        if quiz or QUIZ_LOG in state:
            self.quiz = ChainRuleQuiz.attach(self, controls, state)
        super().__init__(controls, hide=hide, state=state)

    # --- controls ------------------------------------------------------------------------------
    def _navigation_controls(self) -> dict:
        button = widgets.Layout(width="86px")
        controls = {
            "first": widgets.Button(description="first", icon="fast-backward", layout=button,
                                    tooltip="the first forward step"),
            "previous": widgets.Button(description="back", icon="step-backward", layout=button,
                                       tooltip="one step back"),
            "next": widgets.Button(description="next", icon="step-forward", layout=button,
                                   tooltip="one step on"),
            "last": widgets.Button(description="last", icon="fast-forward", layout=button,
                                   tooltip="the last backward step"),
            "play": widgets.Play(interval=900, description="play", min=0, max=1),
            "step": widgets.IntSlider(value=0, min=0, max=1, description="step",
                                      style=LABEL_STYLE, layout=widgets.Layout(width="420px")),
        }
        widgets.link((controls["play"], "value"), (controls["step"], "value"))
        controls["first"].on_click(lambda _: self._go(0))
        controls["previous"].on_click(lambda _: self._go(self.controls["step"].value - 1))
        controls["next"].on_click(lambda _: self._go(self.controls["step"].value + 1))
        controls["last"].on_click(lambda _: self._go(self.controls["step"].max))
        return controls

    def _go(self, step: int) -> None:
        slider = self.controls["step"]
        slider.value = min(max(step, slider.min), slider.max)

    @staticmethod
    def _input_control(name: str, value) -> widgets.FloatText:
        return widgets.FloatText(value=value, description=name, step=0.5, style=LABEL_STYLE,
                                 layout=widgets.Layout(width="130px"))

    @staticmethod
    def _set_step_range(controls: dict, last: int) -> None:
        controls["play"].max = last
        controls["step"].max = last

    def arrange_controls(self) -> list[widgets.Widget]:
        """Expression and inputs; then navigation; then the formula of the current step."""
        c = self.controls
        navigation = widgets.HBox([c["first"], c["previous"], c["next"], c["last"], c["play"],
                                   c["step"]], layout=widgets.Layout(flex_flow="row wrap"))
        rows = [navigation, self.formula_line, *(self.quiz.rows() if self.quiz else [])]
        if not self._fixed_root:
            rows.insert(0, widgets.HBox([c["expression"], self._inputs_box],
                                        layout=widgets.Layout(flex_flow="row wrap")))
        return rows

    # --- computation ---------------------------------------------------------------------------
    @property
    def walk(self) -> Walkthrough:
        """The graph, layout and chain-rule steps currently shown."""
        return self._walk

    @property
    def first_backward_step(self) -> int:
        """The slider value showing ChainRuleStep 0."""
        return self._walk.n_nodes + 1

    @property
    def current_step(self) -> ChainRuleStep | None:
        """The core's ChainRuleStep at the current backward step; None in the forward phase."""
        j = self._walk.backward_index(self.controls["step"].value)
        return None if j is None else self._walk.steps[j]

    @property
    def formula(self) -> str:
        """The formula shown for the current step (a quiz's question marks included)."""
        walk, step = self._walk, self.controls["step"].value
        if self.quiz is not None:
            return self.quiz.masked_formula(walk, step, self._formula(walk, step))
        return self._formula(walk, step)

    def sync_controls(self, changed) -> None:
        """One input control per name of the expression; the step slider over the new graph."""
        if self._fixed_root:
            return
        text = self.controls["expression"].value
        names = _check_input_names(expression_inputs(text), self._navigation_names)
        self._sync_input_controls(names)
        key = self._cache_key(self.controls)
        if key == self._key:
            return
        walk = walkthrough(build_expression(text, **self._input_values(self.controls)))
        self._walk, self._key = walk, key
        self._set_step_range(self.controls, walk.last_step)

    def compute(self) -> tuple[Walkthrough, int]:
        """The graph of the current expression and inputs, with the step to show."""
        return self._walk, self.controls["step"].value

    def _sync_input_controls(self, names: list[str]) -> None:
        """Make one input control per name of the expression, keeping values of kept names."""
        current = [w.description for w in self._inputs_box.children]
        if current == list(names):
            return
        for name in current:
            if name not in names:
                self.remove_control(name)
        for name in names:
            if name not in self.controls:
                self.add_control(name, self._input_control(name, DEFAULT_INPUT))
        self._inputs_box.children = [self.controls[n] for n in names]

    def _input_values(self, controls: dict) -> dict[str, float]:
        values = {}
        for box_child in self._inputs_box.children:
            name = box_child.description
            value = controls[name].value
            if not math.isfinite(value):
                raise ValueError(f"input {name} must be a finite number; got {value!r}")
            values[name] = value
        return values

    def _cache_key(self, controls: dict):
        names = [w.description for w in self._inputs_box.children]
        return (controls["expression"].value, tuple(controls[n].value for n in names))

    # --- drawing -------------------------------------------------------------------------------
    def setup_figure(self, figure) -> None:
        """One axes for the graph; the phase line and formula as figure texts."""
        self._drawing: GraphDrawing | None = None  # made by draw() once the graph is known
        self._signature = None
        self.ax = figure.add_axes((0, 0, 1, 1))
        self.ax.set_axis_off()
        self.phase_text = figure.text(0.5, 1, "", ha="center", va="top", fontsize=9.5,
                                      color=NEUTRAL)
        self.title = figure.text(0.5, 1, "", ha="center", va="top", fontsize=11.5,
                                 fontweight="bold")

    def draw(self, data: tuple[Walkthrough, int]) -> None:
        """Rebuild the artists if the graph's shape changed, then restyle them for the step."""
        walk, step = data
        self._ensure_drawing(walk.layout)
        styles, edge_colours, edge_widths = step_styles(walk, step)
        formula, caption = self._formula(walk, step), _explanation(walk, step)
        if self.quiz is not None:
            styles, formula, caption = self.quiz.mask(walk, step, styles, formula, caption)
        self._drawing.update(styles, edge_colours, edge_widths)
        self.phase_text.set_text(_phase_line(walk, step))
        self.title.set_text(formula)
        escaped = html.escape(formula, quote=False)
        self.formula_line.value = (
            f'<span style="font-size:1.15em;font-family:monospace">{escaped}</span>')
        self.set_caption(caption)

    def _ensure_drawing(self, layout: GraphLayout) -> None:
        signature = (tuple((n.layer, n.y, n.op, n.name) for n in layout.nodes),
                     tuple((e.source, e.target) for e in layout.edges))
        if signature == self._signature:
            return
        if self._drawing is not None:
            self._drawing.remove()
        self._drawing = GraphDrawing(self.ax, layout)
        self._signature = signature
        self._fit_figure(*self._drawing.size)

    def _fit_figure(self, width: float, height: float) -> None:
        """Size the figure to the drawing at one data unit per inch, formula band on top."""
        fig_width = max(width, MIN_FIGURE_WIDTH)
        fig_height = height + TITLE_HEIGHT
        self.figure.set_size_inches(fig_width, fig_height)
        self.ax.set_position((0, 0, 1, height / fig_height))
        pad = (fig_width - width) / 2
        self.ax.set_xlim(-pad, width + pad)
        self.phase_text.set_y(1 - 0.06 / fig_height)
        self.title.set_y(1 - 0.27 / fig_height)

    @staticmethod
    def _formula(walk: Walkthrough, step: int) -> str:
        j = walk.backward_index(step)
        if j is not None:
            return walk.steps[j].text
        if step == walk.n_nodes:
            name = walk.layout.nodes[walk.layout.root].name
            return f"∂{name}/∂{name} = 1"
        return walk.forward_texts[step]

    def describe(self) -> str:
        """Text description of the graph and the current step."""
        walk, step = self._walk, self.controls["step"].value
        names = ", ".join(n.name for n in walk.layout.nodes)
        return (
            f"Computation graph with {walk.n_nodes} nodes ({names}), inputs on the left and the "
            f"output {walk.layout.nodes[walk.layout.root].name} on the right or bottom. "
            f"Step {step} of {walk.last_step}: {_phase_line(walk, step)}. Shown: {self.formula}."
        )

    def export_grid(self) -> dict[str, list]:
        """Every step of the walkthrough at the current inputs."""
        return {"step": list(range(self._walk.last_step + 1))}


def step_styles(walk: Walkthrough, step: int):
    """Node styles, edge colours and edge widths for one step of the walkthrough."""
    layout = walk.layout
    j = walk.backward_index(step)
    if step < walk.n_nodes:
        return _forward_styles(layout, step)
    grads = walk.grads_after(j) if j is not None else {layout.root: 1.0}
    styles = [NodeStyle(f"value {fmt(n.data)}\ngrad {fmt(grads[n.id]) if n.id in grads else '?'}")
              for n in layout.nodes]
    colours = [NEUTRAL] * len(layout.edges)
    widths = [1.0] * len(layout.edges)
    if j is None:  # the seed step: the root gets ∂L/∂L = 1
        styles[layout.root] = _highlighted(styles[layout.root], BACKWARD)
        return styles, colours, widths
    current = walk.steps[j]
    for k in range(j):  # edges the gradient already ran back along: colour and width
        index = layout.edge_index(walk.steps[k])
        colours[index], widths[index] = BACKWARD, PASSED_EDGE_WIDTH
    edge = layout.edge_index(current)
    colours[edge], widths[edge] = BACKWARD, 3.2
    out_id, in_id = layout.node_id(current.output), layout.node_id(current.input)
    styles[out_id] = _highlighted(styles[out_id], BACKWARD, 2.0)
    styles[in_id] = _highlighted(styles[in_id], HIGHLIGHT, 3.0)
    return styles, colours, widths


def _forward_styles(layout: GraphLayout, step: int):
    styles = []
    for node in layout.nodes:
        if node.id <= step:
            styles.append(NodeStyle(f"value {fmt(node.data)}\ngrad ?"))
        else:
            styles.append(NodeStyle("value ?\ngrad ?", edge_colour=MUTED, text_colour=MUTED,
                                    fill="white"))
    styles[step] = _highlighted(styles[step], FORWARD, 3.0)
    colours, widths = [], []
    for edge in layout.edges:
        if edge.target == step:
            colours.append(FORWARD)
            widths.append(3.0)
        else:
            colours.append(NEUTRAL if edge.target < step else MUTED)
            widths.append(1.0)
    return styles, colours, widths


def _highlighted(style: NodeStyle, colour: str, width: float = 3.0) -> NodeStyle:
    return NodeStyle(style.text, edge_colour=colour, line_width=width, fill=style.fill,
                     text_colour="black")


def _phase_line(walk: Walkthrough, step: int) -> str:
    j = walk.backward_index(step)
    if j is not None:
        return f"backward pass · chain-rule step {j + 1} of {len(walk.steps)}"
    if step == walk.n_nodes:
        return "backward pass · start at the output"
    return f"forward pass · node {step + 1} of {walk.n_nodes}"


def _explanation(walk: Walkthrough, step: int) -> str:
    """One sentence saying what happens at this step."""
    layout = walk.layout
    j = walk.backward_index(step)
    if j is not None:
        s = walk.steps[j]
        out, into = layout.nodes[layout.node_id(s.output)], layout.nodes[layout.node_id(s.input)]
        text = (f"The gradient at {out.name} ({fmt(s.upstream_grad)}) times the local derivative "
                f"∂{wrap_name(out.name)}/∂{wrap_name(into.name)} ({fmt(s.local_grad)}) is added "
                f"to the "
                f"gradient of {into.name}, which becomes {fmt(s.grad_after)}.")
        if step == walk.last_step:
            text += " Done: every node now holds the derivative of the output with respect to it."
        return text
    if step == walk.n_nodes:
        return "The backward pass starts at the output: its derivative with respect to itself is 1."
    node = layout.nodes[step]
    if not node.op:
        return f"{node.name} is a leaf: its value is given, nothing to compute."
    return f"{node.name} is computed from its inputs; its local derivatives are kept for later."


def _check_input_names(names: list[str], reserved) -> list[str]:
    """Return ``names``; ValueError if an input would share its name with a panel control."""
    clashes = [name for name in names if name in reserved or name == "expression"]
    if clashes:
        raise ValueError(
            f"input names must differ from the panel's controls ({', '.join(map(repr, reserved))}"
            f"); got {clashes[0]!r} — rename that input"
        )
    return names


def _expression_argument(given, state: dict) -> str:
    """The expression text from the positional argument or the ``expression`` keyword."""
    keyword = state.pop("expression", None)
    if given is not None and keyword is not None:
        raise TypeError("give the expression either positionally or as expression=, not both")
    text = given if given is not None else keyword if keyword is not None else DEFAULT_EXPRESSION
    if not isinstance(text, str):
        raise TypeError(f"root_or_expression must be a Value or a string; got "
                        f"{type(text).__name__} {text!r}")
    return text
