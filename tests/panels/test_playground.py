"""PlaygroundPanel: controls redraw with the core's numbers, training steps, play, accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from bpwidgets.core.datasets import make_dataset, train_test_split
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import make_optimizer
from bpwidgets.core.train import train
from bpwidgets.panels.playground import GRID, STEPS_PER_FRAME, PlaygroundPanel


def core_setup(state):
    """Data split and fresh network for a panel state, built from core calls only."""
    options = {"classes": 2} if state["dataset"] == "spiral" else {}
    X, y = make_dataset(state["dataset"], n=200, noise=state["noise"], seed=state["seed"],
                        **options)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.5,
                                                        seed=state["seed"])
    sizes = [2] + [state["neurons"]] * state["layers"] + [1]
    net = MLP(sizes, activation=state["activation"], output_activation="sigmoid", seed=state["seed"])
    return X, X_train, y_train, X_test, y_test, net


def core_trained(state, n):
    """The network after one ``panel.step(n)`` from the start, trained by the core directly."""
    _, X_train, y_train, _, _, net = core_setup(state)
    batch = min(state["batch_size"], len(X_train))
    batches = -(-len(X_train) // batch)
    optimizer = make_optimizer(state["optimizer"], state["lr"], weight_decay=state["l2"])
    train(net, X_train, y_train.astype(float), "bce", optimizer, epochs=-(-n // batches),
          batch_size=batch, seed=0, callback=lambda step, loss: step < n)
    return net


def decision_grid(net, X):
    low, high = X.min(axis=0) - 0.5, X.max(axis=0) + 0.5
    xs, ys = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    return net.forward(points)[:, 0].reshape(GRID, GRID)


SETUP_CHANGES = {
    "dataset": "circles",
    "noise": 0.25,
    "layers": 1,
    "neurons": 4,
    "activation": "relu",
    "seed": 2,
}
TRAINING_CHANGES = {"optimizer": "adam", "lr": 0.05, "l2": 1e-2, "batch_size": 25}


def test_every_control_is_covered():
    buttons = {"play", "step", "reset"}
    assert set(SETUP_CHANGES) | set(TRAINING_CHANGES) | buttons == set(PlaygroundPanel().controls)


@pytest.mark.parametrize("name", sorted(SETUP_CHANGES))
def test_each_setup_control_changes_the_png_and_the_core_network_drawn(name):
    panel = PlaygroundPanel()
    before = panel.render_png()
    panel.controls[name].value = SETUP_CHANGES[name]
    assert panel.error == ""
    assert panel.render_png() != before
    X, X_train, y_train, _, _, net = core_setup(panel.state)
    np.testing.assert_allclose(panel.heatmap.get_array(), decision_grid(net, X))
    np.testing.assert_array_equal(panel.train_points.get_offsets(), X_train)
    assert panel.steps_done == 0


@pytest.mark.parametrize("name", sorted(TRAINING_CHANGES))
def test_each_training_control_changes_the_png_and_the_core_training(name):
    panel = PlaygroundPanel()
    before = panel.render_png()
    panel.controls[name].value = TRAINING_CHANGES[name]
    assert panel.error == ""
    assert panel.render_png() != before  # the loss title names the hyper-parameters
    panel.step(30)
    expected = core_trained(panel.state, 30)
    np.testing.assert_allclose(panel.net.get_params(), expected.get_params(), rtol=1e-12)
    X = core_setup(panel.state)[0]
    np.testing.assert_allclose(panel.heatmap.get_array(), decision_grid(expected, X))


def test_step_trains_and_records_train_and_test_loss_per_step():
    panel = PlaygroundPanel()
    panel.step(40)
    assert panel.steps_done == 40
    _, X_train, y_train, X_test, y_test, _ = core_setup(panel.state)
    net = core_trained(panel.state, 40)
    train_losses = panel.train_curve.get_ydata()
    assert len(train_losses) == 41
    assert train_losses[-1] == pytest.approx(net.loss(X_train, y_train.astype(float), "bce"))
    assert panel.test_curve.get_ydata()[-1] == pytest.approx(
        net.loss(X_test, y_test.astype(float), "bce"))
    grads = net.gradients(X_train, y_train.astype(float), "bce")
    np.testing.assert_allclose(panel.gradient_line.get_ydata(),
                               [np.linalg.norm(w) for w in grads.weights])


def test_moons_reaches_good_accuracy_within_500_steps():
    panel = PlaygroundPanel(dataset="moons")
    panel.step(500)
    accuracy_train = np.mean((panel.net.forward(panel.X_train)[:, 0] > 0.5) == panel.y_train)
    accuracy_test = np.mean((panel.net.forward(panel.X_test)[:, 0] > 0.5) == panel.y_test)
    assert accuracy_train >= 0.95
    assert accuracy_test >= 0.95
    assert f"test {accuracy_test:.0%}" in panel.ax_decision.get_title()


def test_play_ticks_step_buttons_and_reset():
    panel = PlaygroundPanel()
    panel.controls["play"].value = 1
    assert panel.steps_done == STEPS_PER_FRAME
    panel.controls["step"].click()
    assert panel.steps_done == 2 * STEPS_PER_FRAME
    panel.controls["reset"].click()
    assert panel.steps_done == 0
    assert len(panel.train_curve.get_xdata()) == 1


def test_changing_lr_keeps_the_weights_and_changing_the_data_starts_again():
    panel = PlaygroundPanel()
    panel.step(20)
    params = panel.net.get_params()
    panel.controls["lr"].value = 0.01
    np.testing.assert_array_equal(panel.net.get_params(), params)
    assert panel.steps_done == 20
    panel.controls["noise"].value = 0.2
    assert panel.steps_done == 0


def test_step_rejects_a_non_positive_count():
    with pytest.raises(ValueError, match="n must be a whole number >= 1; got 0"):
        PlaygroundPanel().step(0)


def test_state_round_trip_gives_the_same_png():
    panel = PlaygroundPanel()
    with panel.hold():
        panel.controls["dataset"].value = "xor"
        panel.controls["neurons"].value = 5
        panel.controls["l2"].value = 1e-3
    restored = PlaygroundPanel(**panel.state)
    assert restored.state == panel.state
    assert restored.render_png() == panel.render_png()


def test_a_failing_data_set_shows_in_the_error_line_and_the_panel_recovers(monkeypatch):
    import bpwidgets.panels.playground as module

    panel = PlaygroundPanel()
    picture = panel.render_png()

    def broken(*args, **kwargs):
        raise ValueError("noise must be a finite number >= 0; got -1")

    monkeypatch.setattr(module, "make_dataset", broken)
    panel.controls["noise"].value = 0.3
    assert "noise must be a finite number" in panel.error
    assert panel.render_png() == picture
    monkeypatch.undo()
    panel.controls["noise"].value = 0.2
    assert panel.error == ""


def test_export_grid_shows_each_data_set():
    assert PlaygroundPanel().export_grid() == {
        "dataset": ["moons", "circles", "spiral", "xor", "blobs"]}
