"""ChainRulePanel: stepping, formulas equal to the core's ChainRuleSteps, inputs, errors, state."""

from __future__ import annotations

import base64
import html

import pytest

from bpwidgets.core.expression import build_expression
from bpwidgets.core.worked_examples import cs231n_neuron, mazur_value_graph
from bpwidgets.panels.chain_rule import MAX_NODES, PASSED_EDGE_WIDTH, ChainRulePanel, step_styles

CIRCUIT = {"x": -2.0, "y": 5.0, "z": -4.0}


@pytest.fixture(scope="module")
def circuit_panel():
    return ChainRulePanel("(x + y) * z", **CIRCUIT)


def test_default_panel_is_the_cs231n_circuit():
    panel = ChainRulePanel()
    assert panel.state == {"step": 0, "expression": "(x + y) * z", **CIRCUIT}


def test_steps_are_forward_nodes_then_seed_then_every_chain_rule_step(circuit_panel):
    walk = circuit_panel.walk
    assert walk.n_nodes == 5  # x, y, x+y, z, f
    assert len(walk.steps) == 4  # two operands of *, two of +
    assert circuit_panel.controls["step"].max == 5 + 4
    assert circuit_panel.first_backward_step == 6


def test_highlighted_formula_at_backward_step_k_is_the_core_step_k():
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    expected = build_expression("(x + y) * z", **CIRCUIT).backward()  # an independent graph
    for k, core_step in enumerate(expected):
        panel.controls["step"].value = panel.first_backward_step + k
        shown = panel.current_step
        assert shown.text == core_step.text
        assert panel.formula == core_step.text
        assert core_step.text in panel.formula_line.value
        assert (shown.local_grad, shown.upstream_grad, shown.grad_after) == (
            core_step.local_grad, core_step.upstream_grad, core_step.grad_after)


def test_published_cs231n_circuit_gradients_at_the_last_step(circuit_panel):
    # CS231n "Backpropagation, Intuitions": f = -12, df/dx = -4, df/dy = -4, df/dz = 3.
    walk = circuit_panel.walk
    grads = walk.grads_after(len(walk.steps) - 1)
    by_name = {node.name: grads[node.id] for node in walk.layout.nodes}
    assert by_name["x"] == -4.0 and by_name["y"] == -4.0 and by_name["z"] == 3.0
    assert walk.layout.nodes[walk.layout.root].data == -12.0


def test_forward_steps_show_values_node_by_node_in_topo_order():
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    order = panel.walk.root.topo()
    for step, node in enumerate(order):
        panel.controls["step"].value = step
        assert panel.current_step is None
        name = panel.walk.layout.nodes[step].name
        assert panel.formula.startswith(f"{name} = ")
        assert panel.formula.endswith(f"{node.data:g}") or "(input)" in panel.formula
    names = [node.name for node in panel.walk.layout.nodes]
    panel.controls["step"].value = names.index("x+y")
    assert panel.formula == "x+y = -2 + 5 = 3"
    panel.controls["step"].value = panel.walk.n_nodes
    assert panel.formula == "∂f/∂f = 1"


def test_every_step_draws_a_different_png():
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    pictures = []
    for step in range(panel.controls["step"].max + 1):
        panel.controls["step"].value = step
        assert panel.error == ""
        pictures.append(panel.render_png())
    assert len(set(pictures)) == len(pictures)


def test_buttons_and_play_move_the_step():
    panel = ChainRulePanel()
    controls = panel.controls
    controls["next"].click()
    controls["next"].click()
    assert controls["step"].value == 2
    controls["previous"].click()
    assert controls["step"].value == 1
    controls["last"].click()
    assert controls["step"].value == controls["step"].max
    controls["next"].click()  # stays at the end
    assert controls["step"].value == controls["step"].max
    controls["first"].click()
    assert controls["step"].value == 0
    controls["previous"].click()
    assert controls["step"].value == 0
    controls["play"].value = 4
    assert controls["step"].value == 4
    assert panel.formula == panel.walk.forward_texts[4]


def test_edges_the_gradient_passed_are_told_by_width_not_only_colour():
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    walk = panel.walk
    last = walk.last_step
    _, colours, widths = step_styles(walk, last)
    passed = [walk.layout.edge_index(s) for s in walk.steps[:walk.backward_index(last)]]
    assert passed and all(widths[i] == PASSED_EDGE_WIDTH for i in passed)
    untouched = [w for i, (c, w) in enumerate(zip(colours, widths, strict=True))
                 if i not in passed and w < PASSED_EDGE_WIDTH]
    assert len({colours[i] for i in passed}) == 1 and all(w == 1.0 for w in untouched)


def test_changing_an_input_recomputes_and_keeps_the_step():
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    panel.controls["step"].value = panel.first_backward_step + 1  # ∂f/∂z
    before = panel.render_png()
    assert panel.formula.endswith("= 3")
    panel.controls["x"].value = 1.0
    assert panel.controls["step"].value == panel.first_backward_step + 1
    assert panel.formula.endswith("= 6")  # z's gradient is x + y = 6
    assert panel.render_png() != before


def test_changing_the_expression_rebuilds_inputs_and_clamps_the_step():
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    panel.controls["step"].value = 9
    panel.controls["expression"].value = "x * w"
    assert panel.error == ""
    assert "w" in panel.controls and "y" not in panel.controls and "z" not in panel.controls
    assert panel.controls["x"].value == -2.0  # kept
    assert panel.controls["w"].value == 1.0  # new input, default value
    assert panel.controls["step"].max == 3 + 2
    assert panel.controls["step"].value == 5
    assert set(panel.state) == {"step", "expression", "x", "w"}
    panel.controls["w"].value = 3.0
    assert panel.walk.root.data == -6.0


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("x +* y", "syntax error at column 4"),
        ("foo(x)", "unknown function 'foo'"),
        ("(x + y", "syntax error at column 1"),
        ("", "formula is empty"),
    ],
)
def test_bad_expression_shows_the_problem_and_keeps_the_picture(expression, message):
    panel = ChainRulePanel("(x + y) * z", **CIRCUIT)
    picture, inputs = panel.render_png(), dict(panel.state)
    panel.controls["expression"].value = expression
    assert message in panel.error
    assert message in panel.error_line.value
    assert bytes(panel.image.value) == picture
    panel.controls["expression"].value = "(x + y) * z"
    assert panel.error == ""
    assert panel.state == inputs


def test_bad_input_value_shows_error_and_clears_on_the_next_good_value():
    panel = ChainRulePanel("log(x)", x=2.0)
    picture = panel.render_png()
    panel.controls["x"].value = -1.0
    assert "log needs a positive value" in panel.error
    assert bytes(panel.image.value) == picture
    panel.controls["x"].value = 3.0
    assert panel.error == ""


def test_too_large_graph_is_an_error_not_a_hang():
    terms = " + ".join(f"a * {k}" for k in range(1, 25))  # > 60 nodes
    with pytest.raises(ValueError, match=f"at most {MAX_NODES}"):
        ChainRulePanel(terms, a=1.0)
    panel = ChainRulePanel("a * 2", a=1.0)
    panel.controls["expression"].value = terms
    assert f"at most {MAX_NODES}" in panel.error
    assert panel.walk.n_nodes == 3  # the previous graph is still shown


def test_too_wide_graph_is_an_error():
    wide = " + ".join(f"{a}*{b}" for a, b in zip("abcdefg", "hijklmn", strict=True))
    with pytest.raises(ValueError, match="nodes wide; ChainRulePanel draws at most 12"):
        ChainRulePanel(wide)


def test_input_named_like_a_control_is_an_error():
    with pytest.raises(ValueError, match="got 'step' — rename that input"):
        ChainRulePanel("step * 2")
    panel = ChainRulePanel()
    panel.controls["expression"].value = "play + 1"
    assert "got 'play'" in panel.error
    assert panel.controls["play"].value == 0


def test_bad_expression_at_construction_raises():
    with pytest.raises(ValueError, match="syntax error"):
        ChainRulePanel("x +* y")
    with pytest.raises(TypeError, match="no control 'q'"):
        ChainRulePanel("x * y", q=1.0)


def test_state_round_trip_reproduces_the_same_png():
    panel = ChainRulePanel("tanh(a * b + c)", a=0.5, b=-1.5, c=0.25)
    panel.controls["step"].value = panel.first_backward_step + 2
    restored = ChainRulePanel(**panel.state)
    assert restored.state == panel.state
    assert restored.render_png() == panel.render_png()


def test_value_graph_mode_steps_through_the_core_ledger():
    root = cs231n_neuron()
    panel = ChainRulePanel(root)
    assert set(panel.state) == {"step"}
    expected = cs231n_neuron().backward()
    panel.controls["last"].click()
    assert panel.current_step.text == expected[-1].text
    # CS231n: ddot = (1 - f) f = 0.1966; dw = [x0, x1, 1] * ddot, dx = [w0, w1] * ddot.
    grads = {n.name: g for n, g in zip(panel.walk.layout.nodes, (v.grad for v in
                                       panel.walk.layout.values), strict=True)}
    assert grads["w0"] == pytest.approx(-0.196612, abs=1e-6)
    assert grads["x0"] == pytest.approx(0.393224, abs=1e-6)
    assert grads["w1"] == pytest.approx(-0.393224, abs=1e-6)
    assert grads["x1"] == pytest.approx(-0.589836, abs=1e-6)
    assert grads["w2"] == pytest.approx(0.196612, abs=1e-6)
    assert ChainRulePanel(cs231n_neuron(), **panel.state).render_png() == panel.render_png()


def test_mazur_graph_is_drawn_readably_and_scales_the_figure():
    panel = ChainRulePanel(mazur_value_graph())
    assert 40 <= panel.walk.n_nodes <= MAX_NODES
    width, height = panel.figure.get_size_inches()
    assert width < 10 and height > 10  # deep graph: drawn top to bottom, page-width wide
    small = ChainRulePanel()
    assert small.figure.get_size_inches()[1] < 4
    panel.controls["step"].value = panel.first_backward_step
    assert panel.formula == mazur_value_graph().backward()[0].text


def test_hide_and_unknown_hide():
    panel = ChainRulePanel(hide=["expression", "play"])
    assert panel.controls["expression"].layout.display == "none"
    assert panel.controls["play"].layout.display == "none"
    with pytest.raises(ValueError, match="got 'slider'"):
        ChainRulePanel(hide=["slider"])


def test_mimebundle_description_and_export_grid(circuit_panel):
    bundle = circuit_panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == circuit_panel.render_png()
    assert "Computation graph with 5 nodes" in bundle["text/plain"]
    assert html.escape(circuit_panel.describe()) in circuit_panel.description_box.value
    assert circuit_panel.export_grid() == {"step": list(range(10))}


def test_numbers_are_written_as_the_core_writes_them():
    """The panel uses the core's format_number: 1.5e-8, as in ChainRuleStep.text (not 1.5e-08)."""
    from bpwidgets.core.value import format_number

    panel = ChainRulePanel("x * 1.5e-8", x=2.0)
    panel.controls["step"].value = panel.walk.n_nodes - 1
    assert panel.formula.endswith(f"= {format_number(3e-8)}") and format_number(3e-8) == "3e-8"
    panel.controls["step"].value = panel.first_backward_step  # x's gradient: 1.5e-8
    assert panel.formula == panel.current_step.text and "1.5e-8" in panel.caption_text
    assert "e-08" not in panel.caption_text
