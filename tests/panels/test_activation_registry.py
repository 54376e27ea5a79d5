"""One record per activation: every consumer reads core.activations.ACTIVATIONS.

Each entry runs through MLP (gradients against central differences), gradient_flow (its
saturation rule and advice), Value.activate, the expression parser, the graph symbols and the
panels' dropdowns. A new activation registered in one entry (swish, inside the test) works
everywhere without touching another file.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpwidgets.core.activations import ACTIVATIONS, Activation, sigmoid
from bpwidgets.core.expression import build_expression
from bpwidgets.core.gradcheck import numerical_grad, relative_error
from bpwidgets.core.gradflow import gradient_flow
from bpwidgets.core.mlp import MLP
from bpwidgets.core.value import Value
from bpwidgets.panels.graph_drawing import op_symbol

POINTS = (-1.3, -0.2, 0.4, 2.1)  # away from the kinks of relu and leaky_relu


def assert_every_consumer_handles(name: str) -> None:
    """MLP, gradient_flow, Value, the parser and the graph symbols all work for ``name``."""
    record = ACTIVATIONS[name]
    # MLP: analytic gradients agree with central differences
    rng = np.random.default_rng(0)
    net = MLP([3, 4, 2], activation=name, seed=1)
    X, Y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
    params = net.get_params()

    def loss(vector):
        net.set_params(vector)
        return net.loss(X, Y)

    numeric = numerical_grad(loss, params.copy())
    net.set_params(params)
    grads = net.gradients(X, Y)
    analytic = np.concatenate([a.ravel() for pair in zip(grads.weights, grads.biases,
                                                        strict=True) for a in pair])
    assert relative_error(analytic, numeric) < 1e-6
    # gradient_flow: the record's saturation rule and its init advice
    flow = gradient_flow(depth=3, width=8, batch=8, activation=name, init="standard")
    assert flow.saturation_rule == record.saturation_rule
    assert np.all((flow.saturation >= 0) & (flow.saturation <= 1))
    if flow.verdict != "healthy":
        assert f"init '{record.suggested_init}'" in flow.message
    # Value and the expression parser: f from the record, gradient = central differences
    for z in POINTS:
        x = Value(z, "x")
        y = x.activate(name)
        y.backward()
        assert y.data == pytest.approx(float(record.f(np.array([z]))[0]), rel=1e-12, abs=1e-15)
        assert x.grad == pytest.approx(numerical_grad(lambda v: Value(v).activate(name).data, z),
                                       rel=1e-6, abs=1e-9)
        root = build_expression(f"{name}(x * w) + x.{name}()", x=z, w=0.5)
        root.backward()
        expected = numerical_grad(lambda v: build_expression(f"{name}(x * w) + x.{name}()",
                                                             x=v, w=0.5).data, z)
        assert root.parents[0].op == name
        assert build_expression("x", x=z).grad == 0.0
        x_leaf = next(n for n in root.topo() if n.label == "x")
        assert x_leaf.grad == pytest.approx(expected, rel=1e-6, abs=1e-9)
    # the graph drawing's symbol
    assert op_symbol(name) == (record.symbol or name)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_every_entry_runs_through_every_core_consumer(name):
    assert_every_consumer_handles(name)


def test_the_panels_offer_every_entry():
    from bpwidgets.panels import GradientFlowPanel, PlaygroundPanel

    for panel in (GradientFlowPanel(depth=2, width=4, batch=4), PlaygroundPanel()):
        assert list(panel.controls["activation"].options) == list(ACTIVATIONS)


def _swish(z):
    return z * sigmoid(z)


def _swish_derivative(z):
    s = sigmoid(z)
    return s + z * s * (1.0 - s)


def _scalar_swish(x: float):
    s = 1.0 / (1.0 + math.exp(-x))
    return x * s, s + x * s * (1.0 - s)


SWISH = Activation(f=_swish, df=_swish_derivative, scalar=_scalar_swish,
                   saturation_rule="units never active (z <= 0) for any example in the batch",
                   saturated=lambda h: float(np.mean(np.all(h <= 0, axis=0))),
                   suggested_init="he", symbol="swish")


def test_a_new_activation_is_one_entry(monkeypatch):
    """Registering swish in ACTIVATIONS alone makes every consumer and panel handle it."""
    from bpwidgets.panels import ChainRulePanel, GradientFlowPanel, NetworkPanel, PlaygroundPanel

    monkeypatch.setitem(ACTIVATIONS, "swish", SWISH)
    assert_every_consumer_handles("swish")
    flow = GradientFlowPanel(depth=3, width=8, batch=8, activation="swish")
    assert "swish" in flow.controls["activation"].options
    assert flow.error == "" and flow.flow.activation == "swish"
    assert flow.flow.saturation_rule == SWISH.saturation_rule
    playground = PlaygroundPanel(activation="swish")
    playground.step(5)
    assert playground.error == "" and playground.net.activation == "swish"
    chain = ChainRulePanel("swish(x * y)", x=0.5, y=-2.0)
    chain.controls["step"].value = chain.walk.n_nodes - 1  # the forward step of swish's node
    assert chain.error == "" and "= swish(" in chain.formula
    chain.controls["step"].value = chain.controls["step"].max
    assert chain.current_step.grad_after == pytest.approx(0.5 * _swish_derivative(-1.0))
    rng = np.random.default_rng(3)
    network = NetworkPanel(MLP([2, 2, 1], activation="swish"), rng.standard_normal((4, 2)),
                           rng.standard_normal((4, 1)), view="gradient")
    assert network.error == ""
    with pytest.raises(ValueError, match="activation must be one of .*'swish'"):
        MLP([2, 1], activation="swisher")
