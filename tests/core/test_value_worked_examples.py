"""The published worked examples built from Values, against numbers derived independently."""

from __future__ import annotations

import math

import pytest

from bpwidgets.core.graph import graph_layout
from bpwidgets.core.worked_examples import (
    MAZUR_INPUTS,
    MAZUR_TARGETS,
    MAZUR_WEIGHTS,
    cs231n_circuit,
    cs231n_neuron,
    mazur_value_graph,
)


def by_label(root):
    return {v.label: v for v in root.topo() if v.label}


def test_cs231n_circuit_graph():
    f = cs231n_circuit()
    f.backward()
    v = by_label(f)
    # q = x + y = 3, f = q·z = -12; df/dq = z = -4 = df/dx = df/dy; df/dz = q = 3.
    assert (f.label, f.data, v["q"].data) == ("f", -12.0, 3.0)
    assert [v[n].grad for n in ("x", "y", "z", "q")] == [-4.0, -4.0, 3.0, -4.0]


def test_cs231n_neuron_graph_uses_the_primitive_gates():
    f = cs231n_neuron()
    assert [v.op for v in f.topo() if v.op] == ["*", "*", "+", "+", "*", "exp", "+", "**-1"]
    f.backward()
    v = by_label(f)
    s = 1 / (1 + math.exp(-1))  # the dot product w·x + w2 is exactly 1
    g = s * (1 - s)
    assert f.data == pytest.approx(s, rel=1e-15)
    assert [v[n].grad for n in ("w0", "w1", "w2")] == pytest.approx([-g, -2 * g, g], rel=1e-12)
    assert [v[n].grad for n in ("x0", "x1")] == pytest.approx([2 * g, -3 * g], rel=1e-12)
    # CS231n walks the circuit backward: the 1/x gate gives -1/1.37² ≈ -0.53, exp gives -0.20.
    assert v["1+e"].grad == pytest.approx(-1 / (1 + math.exp(-1)) ** 2, rel=1e-12)
    assert v["-dot"].grad == pytest.approx(-math.exp(-1) / (1 + math.exp(-1)) ** 2, rel=1e-12)
    assert round(v["1+e"].grad, 2) == -0.53 and round(v["-dot"].grad, 2) == -0.2


def mazur_by_hand():
    """Mazur's forward pass and the gradients of E for w1 and w5, written out with math."""
    w, (i1, i2), (t1, t2) = MAZUR_WEIGHTS, MAZUR_INPUTS, MAZUR_TARGETS

    def sigmoid(z):
        return 1 / (1 + math.exp(-z))

    h1 = sigmoid(w["w1"] * i1 + w["w2"] * i2 + w["b1"])
    h2 = sigmoid(w["w3"] * i1 + w["w4"] * i2 + w["b1"])
    o1 = sigmoid(w["w5"] * h1 + w["w6"] * h2 + w["b2"])
    o2 = sigmoid(w["w7"] * h1 + w["w8"] * h2 + w["b2"])
    error = 0.5 * (t1 - o1) ** 2 + 0.5 * (t2 - o2) ** 2
    delta_o1 = (o1 - t1) * o1 * (1 - o1)  # ∂E/∂net_o1
    delta_o2 = (o2 - t2) * o2 * (1 - o2)
    delta_h1 = (delta_o1 * w["w5"] + delta_o2 * w["w7"]) * h1 * (1 - h1)
    return {"out_h1": h1, "out_o1": o1, "out_o2": o2, "E": error,
            "dw5": delta_o1 * h1, "dw1": delta_h1 * i1}


def test_mazur_value_graph_matches_the_hand_derivation_and_the_article():
    root = mazur_value_graph()
    nodes = root.topo()
    assert 40 <= len(nodes) <= 45
    root.backward()
    v = by_label(root)
    assert {"w1", "w8", "b1", "b2", "i1", "i2", "out_h1", "out_h2", "out_o1", "out_o2",
            "E"} <= set(v)
    assert [n for n in nodes if not n.label and not n.is_constant] == []  # every name readable
    hand = mazur_by_hand()
    for name in ("out_h1", "out_o1", "out_o2", "E"):
        assert v[name].data == pytest.approx(hand[name], rel=1e-14), name
    assert v["w5"].grad == pytest.approx(hand["dw5"], rel=1e-12)
    assert v["w1"].grad == pytest.approx(hand["dw1"], rel=1e-12)
    # Mazur's published figures (rounded in the article).
    assert v["out_o1"].data == pytest.approx(0.75136507, abs=1e-8)
    assert v["out_o2"].data == pytest.approx(0.772928465, abs=1e-9)
    assert root.data == pytest.approx(0.298371109, abs=1e-9)
    assert v["w5"].grad == pytest.approx(0.082167041, abs=1e-9)
    assert v["w1"].grad == pytest.approx(0.000438568, abs=1e-9)


def test_mazur_graph_lays_out_without_overlaps():
    layout = graph_layout(mazur_value_graph(), leaves="near_use")
    positions = {(n.x, n.y) for n in layout.nodes}
    assert len(positions) == len(layout.nodes)
    assert layout.max_rows <= 8  # near_use keeps the weights out of one tall first column
