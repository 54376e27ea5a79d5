"""NetworkPanel: Mazur's published numbers, views, SGD step, errors, state round trip."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from bpwidgets.core.mlp import MLP
from bpwidgets.panels.network import NetworkPanel, weight_names, weight_report

# Matt Mazur, "A Step by Step Backpropagation Example" (2015).
MAZUR_TOTAL_ERROR = 0.298371109
MAZUR_DE_DW5 = 0.082167041
MAZUR_DE_DW5_FACTORS = (0.74136507, 0.186815602, 0.593269992)
MAZUR_DE_DW1 = 0.000438568
MAZUR_W5_AFTER_ONE_STEP = 0.35891648
MAZUR_W1_AFTER_ONE_STEP = 0.149780716


@pytest.fixture(scope="module")
def mazur_panel():
    return NetworkPanel()


def test_default_is_mazur_network_with_his_names(mazur_panel):
    assert mazur_panel.controls["weight"].options == tuple(f"w{k}" for k in range(1, 9))
    assert mazur_panel.state == {"view": "weight", "node_view": "activation", "weight": "w1",
                                 "lr": 0.5, "steps": 0}
    assert mazur_panel.net.loss(*_mazur_data(), "mse") == pytest.approx(MAZUR_TOTAL_ERROR, abs=1e-9)


def _mazur_data():
    from bpwidgets.core.worked_examples import mazur_network

    _, X, Y = mazur_network()
    return X, Y


def test_w5_report_matches_mazur_chain_rule_product():
    panel = NetworkPanel(weight="w5")
    report = panel.report
    assert report.gradient == pytest.approx(MAZUR_DE_DW5, abs=1e-9)
    for factor, published in zip(report.factors, MAZUR_DE_DW5_FACTORS, strict=True):
        assert factor == pytest.approx(published, abs=1e-8)
    assert np.prod(report.factors) == pytest.approx(report.gradient, rel=1e-12)
    assert "∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5" in report.formula
    assert "0.7414 · 0.1868 · 0.5933 = 0.08217" in report.formula
    assert report.formula in panel.footer.get_text()
    assert report.update == pytest.approx(-0.5 * MAZUR_DE_DW5, abs=1e-9)


def test_w1_gradient_matches_mazur(mazur_panel):
    mazur_panel.controls["weight"].value = "w1"
    assert mazur_panel.report.gradient == pytest.approx(MAZUR_DE_DW1, abs=1e-9)
    assert np.prod(mazur_panel.report.factors) == pytest.approx(mazur_panel.report.gradient, rel=1e-12)
    assert "0.000438568" in mazur_panel.caption_text


def test_sgd_step_button_applies_mazur_update_and_reset_undoes_it():
    panel = NetworkPanel(weight="w5")
    before = panel.render_png()
    panel.controls["sgd_step"].click()
    assert panel.state["steps"] == 1
    assert panel.report.value == pytest.approx(MAZUR_W5_AFTER_ONE_STEP, abs=1e-8)
    panel.controls["weight"].value = "w1"
    assert panel.report.value == pytest.approx(MAZUR_W1_AFTER_ONE_STEP, abs=1e-9)
    assert panel.render_png() != before
    assert "→" in panel.title.get_text()  # loss before → after
    panel.controls["reset"].click()
    assert panel.state["steps"] == 0
    assert panel.report.value == 0.15


def test_loss_after_is_the_loss_of_the_stepped_network():
    panel = NetworkPanel()
    shown_after = panel.frame.loss_after
    panel.controls["sgd_step"].click()
    assert panel.frame.grads.loss == shown_after
    assert shown_after < MAZUR_TOTAL_ERROR


def test_every_view_and_node_view_draws_a_different_png():
    panel = NetworkPanel()
    pictures = set()
    for view in ("weight", "gradient", "update"):
        for node_view in ("activation", "delta"):
            with panel.hold():
                panel.controls["view"].value = view
                panel.controls["node_view"].value = node_view
            assert panel.error == ""
            pictures.add(panel.render_png())
    assert len(pictures) == 6
    for name in panel.controls["weight"].options:
        panel.controls["weight"].value = name
        pictures.add(panel.render_png())
    assert len(pictures) == 6 + 7  # the last view shows w1 already


def test_edge_values_follow_the_view():
    panel = NetworkPanel(view="gradient")
    grads = panel.frame.grads
    assert panel.frame.edge_values[0] == grads.weights[0][0, 0]
    panel.controls["view"].value = "update"
    assert panel.frame.edge_values[0] == -0.5 * grads.weights[0][0, 0]
    panel.controls["node_view"].value = "delta"
    assert panel.frame.node_values[2][0] == grads.deltas[1][0, 0]


def test_bad_learning_rate_shows_error_keeps_picture_and_recovers():
    panel = NetworkPanel()
    picture = panel.render_png()
    panel.controls["lr"].value = -1.0
    assert "lr must be a finite number > 0; got -1.0" in panel.error
    assert bytes(panel.image.value) == picture
    panel.controls["lr"].value = 0.1
    assert panel.error == ""


def test_diverging_training_is_reported_in_the_error_line():
    net = MLP([1, 2, 1], activation="linear", seed=0)
    panel = NetworkPanel(net, np.array([[50.0]]), np.array([[1.0]]), lr=1.0)
    panel.controls["steps"].value = 40
    assert "overflowed" in panel.error or "finite" in panel.error


def test_too_large_or_incomplete_network_raises():
    with pytest.raises(ValueError, match=r"at most 4 layers of at most 8 neurons.*\[2, 9, 1\]"):
        NetworkPanel(MLP([2, 9, 1]), np.zeros((1, 2)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match=r"\[1, 2, 2, 2, 2, 1\]"):
        NetworkPanel(MLP([1, 2, 2, 2, 2, 1]), np.zeros((1, 1)), np.zeros((1, 1)))
    with pytest.raises(ValueError, match="needs the inputs X and targets Y"):
        NetworkPanel(MLP([2, 2, 1]))


def test_general_network_names_and_gradients_match_finite_differences():
    net = MLP([3, 4, 2], activation="tanh", seed=3)
    X, Y = np.array([[0.3, -0.7, 1.1]]), np.array([[0.5, -0.2]])
    panel = NetworkPanel(net, X, Y)
    names = weight_names(net.sizes, mazur=False)
    assert "W1[2,3]" in names and "W2[3,1]" in names and len(names) == 3 * 4 + 4 * 2
    grads = net.gradients(X, Y, "mse")
    for name in ("W1[0,0]", "W1[2,3]", "W2[1,0]", "W2[3,1]"):
        layer, i, j = names[name]
        report = weight_report(net, grads, Y, "mse", 0.1, name, names[name], panel._neurons)
        numeric = _central_difference(net, X, Y, layer, i, j)
        assert report.gradient == pytest.approx(numeric, rel=1e-6, abs=1e-10)
        assert np.prod(report.factors) == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def _central_difference(net, X, Y, layer, i, j, h=1e-5):
    probe = net.copy()
    probe.weights[layer][i, j] += h
    up = probe.loss(X, Y, "mse")
    probe.weights[layer][i, j] -= 2 * h
    down = probe.loss(X, Y, "mse")
    return (up - down) / (2 * h)


def test_batch_report_is_a_sum_without_single_factors():
    net = MLP([2, 3, 1], activation="relu", seed=1)
    X, Y = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([[1.0], [0.0]])
    panel = NetworkPanel(net, X, Y, weight="W2[1,0]")
    assert panel.report.factors == ()
    assert "Σ over 2 examples" in panel.report.formula
    layer, i, j = 1, 1, 0
    assert panel.report.gradient == pytest.approx(_central_difference(net, X, Y, layer, i, j),
                                                  rel=1e-6, abs=1e-10)


def test_state_round_trip_after_steps_reproduces_the_png():
    panel = NetworkPanel()
    panel.controls["sgd_step"].click()
    panel.controls["sgd_step"].click()
    panel.controls["view"].value = "update"
    panel.controls["weight"].value = "w6"
    restored = NetworkPanel(**panel.state)
    assert restored.render_png() == panel.render_png()


def test_hide_mimebundle_description_and_export_grid(mazur_panel):
    panel = NetworkPanel(hide=["lr", "steps"])
    assert panel.controls["lr"].layout.display == "none"
    bundle = panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == panel.render_png()
    assert "2-2-2 network" in panel.describe()
    assert panel.export_grid() == {"view": ["weight", "gradient", "update"],
                                   "node_view": ["activation", "delta"],
                                   "weight": [f"w{k}" for k in range(1, 9)]}


def test_the_remembered_trajectory_stays_bounded_and_replays_exactly(monkeypatch):
    import bpwidgets.panels.network as network

    monkeypatch.setattr(network, "MAX_REMEMBERED", 8)
    panel = network.NetworkPanel()
    panel.controls["steps"].value = 100
    nets = panel._trajectory[1]
    assert len(nets) <= 9 and all(k % panel._stride == 0 for k in nets)
    panel.controls["steps"].value = 37  # between two remembered networks: replayed
    replay = panel._initial.copy()
    from bpwidgets.core.optim import SGD

    for _ in range(37):
        SGD(panel.state["lr"]).step(replay, replay.gradients(panel._X, panel._Y, "mse"))
    for ours, theirs in zip(panel.net.weights, replay.weights, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    panel.close()


def test_negative_edges_are_dashed_so_the_sign_is_not_told_by_colour_alone():
    panel = NetworkPanel(view="gradient")
    panel.render_png()
    values = np.asarray(panel.edge_lines.get_array())
    styles = panel.edge_lines.get_linestyles()
    assert (values < 0).any() and (values > 0).any()
    for value, (_, dashes) in zip(values, styles, strict=True):
        assert (dashes is not None) == (value < 0)
