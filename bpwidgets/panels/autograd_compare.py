"""A student's autograd beside the core's: the same graph twice, the first wrong node marked.

``AutogradComparePanel(Value)`` takes a student's micrograd-style class and shows one of the
graphs of ``bpwidgets.grading.diagnose.CASES`` (the ``graph`` dropdown; it opens on the first
graph that goes wrong): on top the values and gradients of ``bpwidgets.core.Value``, below
the student's gradients (one above the other, so both fit the width of a notebook). The node
``diagnose_autograd`` reports is ringed in both; every other node whose gradient differs is
drawn in the error colour and marked ✗ (never colour alone). The caption is the diagnosis.
Student code that raises or loops shows as a diagnosis, never as a broken panel.
"""

from __future__ import annotations

import math

import ipywidgets as widgets

from bpwidgets.core.graph import graph_layout
from bpwidgets.core.value import Value
from bpwidgets.core.value import format_number as _fmt
from bpwidgets.grading.diagnose import (
    CASES,
    AutogradBug,
    autograd_gradients,
    case_named,
    diagnose_autograd,
)
from bpwidgets.panels.base import LABEL_STYLE, Panel
from bpwidgets.panels.graph_drawing import GraphDrawing, NodeStyle
from bpwidgets.panels.palette import ERROR_TEXT, HIGHLIGHT, NEUTRAL

TITLE_HEIGHT = 0.45  # inches above each drawing for its title
WRONG_MARK = " ✗"  # after a student's gradient that differs from the core's


class AutogradComparePanel(Panel):
    """The core's gradients (top) and a student's (below) on one small graph, first error ringed."""

    fit_width = False

    def __init__(self, value_class, *, hide=(), **state):
        self._class = value_class
        first = diagnose_autograd(value_class)
        controls = {"graph": widgets.Dropdown(
            options=[case.name for case in CASES], value=first.case or CASES[0].name,
            description="graph", style=LABEL_STYLE, layout=widgets.Layout(width="200px"))}
        super().__init__(controls, hide=hide, state=state)

    def compute(self):
        """Diagnose the chosen graph; return it with the reference nodes, layout and both grads."""
        case = case_named(self.state["graph"])
        diagnosis = diagnose_autograd(self._class, (case,))
        nodes = case.build(Value)
        for name, node in nodes:
            node.label = name
        root = nodes[-1][1]
        root.backward()
        layout = graph_layout(root, leaves="near_use")
        return case, diagnosis, nodes, layout, self._student_grads(case, diagnosis)

    def _student_grads(self, case, diagnosis) -> tuple:
        if diagnosis.ok:
            try:
                return tuple(autograd_gradients(self._class, case.name))
            except AutogradBug:  # unreachable for a deterministic class; nothing to show then
                return ()
        return diagnosis.student_grads

    def setup_figure(self, figure) -> None:
        """Two axes one above the other, each with a title; drawings come once a graph is known."""
        self._drawings: list[GraphDrawing] = []
        self._signature = None
        self.axes = [figure.add_axes((0, 0.5, 1, 0.5)), figure.add_axes((0, 0, 1, 0.5))]
        for ax in self.axes:
            ax.set_axis_off()
        self.titles = [figure.text(0.5, 1, "", ha="center", va="top", fontsize=10.5,
                                   fontweight="bold") for _ in self.axes]

    def draw(self, data) -> None:
        """Reference and student values on the two drawings, the reported node ringed."""
        case, diagnosis, nodes, layout, student = data
        self._ensure_drawings(case.name, layout)
        position = {id(node): k for k, (_, node) in enumerate(nodes)}  # layout id -> case index
        tracked = [position.get(id(value)) for value in layout.values]
        left, right = [], []
        for node, k in zip(layout.nodes, tracked, strict=True):
            left.append(NodeStyle(f"value {_fmt(node.data)}\ngrad {_fmt(node.grad)}"))
            right.append(_student_style(node, k, student, diagnosis))
        edges = ([NEUTRAL] * len(layout.edges), [1.0] * len(layout.edges))
        self._drawings[0].update(left, *edges)
        self._drawings[1].update(right, *edges)
        if diagnosis.name is not None and diagnosis.name in [n for n, _ in nodes]:
            wrong = layout.node_id(nodes[[n for n, _ in nodes].index(diagnosis.name)][1])
            left[wrong] = _ringed(left[wrong])
            right[wrong] = _ringed(right[wrong])
            self._drawings[0].update(left, *edges)
            self._drawings[1].update(right, *edges)
        self.titles[0].set_text(f"bpwidgets.core.Value · {case.formula}")
        verdict = ("✓ all gradients agree" if diagnosis.ok else
                   "✗ first wrong node ringed" if diagnosis.name else "✗ stopped — see below")
        self.titles[1].set_text(f"your {getattr(self._class, '__name__', 'class')} · {verdict}")
        self.set_caption(diagnosis.message)

    def _ensure_drawings(self, name: str, layout) -> None:
        if name == self._signature:
            return
        for drawing in self._drawings:
            drawing.remove()
        self._drawings = [GraphDrawing(ax, layout) for ax in self.axes]
        width, height = self._drawings[0].size
        band = height + TITLE_HEIGHT
        fig_height = 2 * band
        self.figure.set_size_inches(width, fig_height)
        for k, ax in enumerate(self.axes):
            bottom = (1 - k) * band  # the reference on top
            ax.set_position((0, bottom / fig_height, 1, height / fig_height))
            self.titles[k].set_y((bottom + band - 0.08) / fig_height)
        self._signature = name

    def describe(self) -> str:
        """Text description: which graph, and the diagnosis."""
        return (f"Two copies of the graph {self.state['graph']!r}: bpwidgets.core.Value on top, "
                f"your class below. {self.caption_text}")

    def export_grid(self) -> dict[str, list]:
        """Every graph."""
        return {"graph": [case.name for case in CASES]}


def _student_style(node, k, student: tuple, diagnosis) -> NodeStyle:
    """The student's side of one node: its gradient, marked ✗ in the error colour when it
    differs."""
    if k is None or k >= len(student) or student[k] is None:
        return NodeStyle("value –\ngrad ?" if k is not None else "(a constant)\ngrad –")
    value = diagnosis.got if diagnosis.bug == "forward_value" and diagnosis.name == node.name \
        else node.data
    got = student[k]
    wrong = not math.isclose(got, node.grad, rel_tol=1e-5, abs_tol=1e-8)
    # a wrong gradient is told by a mark as well as by colour
    return NodeStyle(f"value {_fmt(value)}\ngrad {_fmt(got)}{WRONG_MARK if wrong else ''}",
                     text_colour=ERROR_TEXT if wrong else "black")


def _ringed(style: NodeStyle) -> NodeStyle:
    return NodeStyle(style.text, edge_colour=HIGHLIGHT, line_width=3.5, fill=style.fill,
                     text_colour=style.text_colour)
