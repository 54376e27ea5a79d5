"""LossSurfacePanel: controls redraw with the core's numbers, the 2/λ_max threshold, caching."""

from __future__ import annotations

import numpy as np
import pytest

from bpwidgets.core.datasets import make_dataset
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import make_optimizer
from bpwidgets.core.surface import loss_surface
from bpwidgets.core.toy_surfaces import Quadratic, Rosenbrock, descent_path
from bpwidgets.core.train import train
from bpwidgets.panels.loss_surface import LossSurfacePanel


def core_path(state, name):
    """The descent path the core gives for a quadratic panel state."""
    surface = Quadratic(state["lambda1"], state["lambda2"], state["angle"])
    start = (state["start_x"], state["start_y"])
    return descent_path(surface, start, make_optimizer(name, state["lr"]), state["steps"])


def assert_quadratic_matches_core(panel):
    state = panel.state
    surface = Quadratic(state["lambda1"], state["lambda2"], state["angle"])
    landscape = panel._drawn_landscape
    np.testing.assert_allclose(landscape.values, surface.grid(landscape.xs, landscape.ys))
    for name in state["optimizer"]:
        path = core_path(state, name)[: state["step"] + 1]
        line = panel.path_lines[name]
        np.testing.assert_allclose(line.get_xdata(), path[:, 0])
        np.testing.assert_allclose(line.get_ydata(), path[:, 1])
        np.testing.assert_allclose(panel.loss_lines[name].get_ydata(),
                                   surface.value(core_path(state, name)))


TOY_CHANGES = {
    "view": "both",
    "optimizer": ("sgd", "adam"),
    "lr": 0.05,
    "steps": 25,
    "step": 10,
    "start_x": 1.0,
    "start_y": -1.0,
    "lambda1": 3.0,
    "lambda2": 4.0,
    "angle": 30.0,
}


@pytest.mark.parametrize("name", sorted(TOY_CHANGES))
def test_each_quadratic_control_changes_the_png_and_plots_the_core_path(name):
    panel = LossSurfacePanel()
    before = panel.render_png()
    panel.controls[name].value = TOY_CHANGES[name]
    assert panel.error == ""
    assert panel.render_png() != before
    assert_quadratic_matches_core(panel)


def test_every_control_is_covered():
    covered = set(TOY_CHANGES) | {"mode", "resolution", "span", "play"}
    assert covered == set(LossSurfacePanel().controls)


def test_mode_rosenbrock_draws_the_core_surface_and_its_own_start():
    panel = LossSurfacePanel()
    before = panel.render_png()
    panel.controls["mode"].value = "rosenbrock"
    assert panel.error == ""
    assert panel.render_png() != before
    landscape = panel._drawn_landscape
    np.testing.assert_allclose(landscape.values, Rosenbrock().grid(landscape.xs, landscape.ys))
    assert panel.controls["lambda1"].layout.display == "none"
    state = panel.state
    path = descent_path(Rosenbrock(), (state["start_x"], state["start_y"]),
                        make_optimizer("sgd", state["lr"]), state["steps"])
    np.testing.assert_allclose(panel.path_lines["sgd"].get_ydata(), path[: state["step"] + 1, 1])


def core_network_run(state):
    """The PCA slice of the panel's network run, rebuilt from core calls only."""
    X, y = make_dataset("moons", n=200, noise=0.15, seed=0)
    net = MLP((2, 8, 8, 1), activation="tanh", output_activation="sigmoid", seed=0)
    history = train(net, X, y.astype(float), "bce", make_optimizer(state["optimizer"][0],
                    state["lr"]), epochs=state["steps"])
    return net, X, y, history


@pytest.fixture(scope="module")
def network_panel():
    return LossSurfacePanel(mode="network_pca", steps=40, resolution=15)


def test_network_pca_mode_plots_the_core_slice_and_trajectory(network_panel):
    panel = network_panel
    assert panel.error == ""
    net, X, y, history = core_network_run(panel.state)
    surface = loss_surface(net, X, y.astype(float), "bce", directions="pca", history=history,
                           span=1.25, resolution=15)
    np.testing.assert_allclose(panel._drawn_landscape.values, surface.values)
    np.testing.assert_allclose(panel.path_lines["sgd"].get_xdata(), surface.trajectory[:, 0])
    np.testing.assert_allclose(panel.loss_lines["sgd"].get_ydata()[:-1], history.losses)


@pytest.mark.parametrize(("name", "value"), [("resolution", 17), ("span", 2.0)])
def test_slice_controls_change_the_picture(name, value):
    mode = "network_filter"
    panel = LossSurfacePanel(mode=mode, steps=20, resolution=11)
    before = panel.render_png()
    panel.controls[name].value = value
    assert panel.error == ""
    assert panel.render_png() != before
    landscape = panel._drawn_landscape
    assert len(landscape.xs) == panel.state["resolution"]
    assert landscape.xs[-1] == pytest.approx(panel.state["span"])


def test_moving_the_step_only_updates_artists_not_the_network_slice(network_panel, monkeypatch):
    import bpwidgets.panels.loss_surface as module

    panel = network_panel
    contour = panel._contour

    def forbidden(*args, **kwargs):
        raise AssertionError("the slice was recomputed for a step change")

    monkeypatch.setattr(module, "train_network", forbidden)
    before = panel.render_png()
    panel.controls["step"].value = 5
    assert panel.error == ""
    assert panel._contour is contour
    assert panel.render_png() != before
    assert len(panel.path_lines["sgd"].get_xdata()) == 6


def test_state_round_trip_gives_the_same_png():
    panel = LossSurfacePanel()
    with panel.hold():
        panel.controls["optimizer"].value = ("momentum", "adam")
        panel.controls["lambda2"].value = 20.0
        panel.controls["step"].value = 12
        panel.controls["view"].value = "3d"
    restored = LossSurfacePanel(**panel.state)
    assert restored.state == panel.state
    assert restored.render_png() == panel.render_png()


def test_no_optimizer_selected_shows_an_error_and_the_panel_recovers():
    panel = LossSurfacePanel()
    picture = panel.render_png()
    panel.controls["optimizer"].value = ()
    assert "optimizer must select at least one of" in panel.error
    assert "got none" in panel.error_line.value
    assert panel.render_png() == picture
    panel.controls["optimizer"].value = ("adam",)
    assert panel.error == ""


@pytest.mark.parametrize("factor", [0.95, 1.05])
def test_gradient_descent_on_a_quadratic_diverges_exactly_above_two_over_lambda_max(factor):
    panel = LossSurfacePanel(lambda1=1.0, lambda2=10.0, steps=100, step=100)
    threshold = 2.0 / 10.0
    panel.controls["lr"].value = factor * threshold
    losses = panel.loss_lines["sgd"].get_ydata()
    title = panel.ax_loss.get_title()
    assert f"2/λmax = {threshold:.3g}" in title
    assert panel.controls["lr"].description == "lr"  # a long label would squeeze the slider
    if factor < 1:
        assert losses[-1] < 1e-3 * losses[0]
        assert "converges" in title
    else:
        assert losses[-1] > 1e3 * losses[0]
        assert "diverges" in title


def test_play_and_step_follow_the_number_of_steps():
    panel = LossSurfacePanel()
    panel.controls["steps"].value = 70
    assert panel.controls["step"].max == 70
    assert panel.controls["play"].max == 70
    assert panel.controls["step"].value == 70  # it was at the end, so it stays at the end


def test_a_state_with_a_late_step_restores_exactly():
    panel = LossSurfacePanel(mode="saddle", steps=100, step=80, lr=0.1)
    assert (panel.state["steps"], panel.state["step"]) == (100, 80)
    assert len(panel.path_lines["sgd"].get_xdata()) == 81


def test_a_new_mode_brings_its_defaults_unless_set_in_the_same_hold():
    panel = LossSurfacePanel()
    panel.controls["mode"].value = "rosenbrock"
    assert panel.state["lr"] == pytest.approx(0.001)
    assert panel.state["step"] == panel.state["steps"] == 300
    with panel.hold():
        panel.controls["mode"].value = "quadratic"
        panel.controls["lr"].value = 0.05
    assert panel.state["lr"] == pytest.approx(0.05)
    assert panel.error == ""


def test_mode_shows_its_controls_but_keeps_hidden_ones_hidden():
    panel = LossSurfacePanel(hide=["lambda2"])
    assert panel.controls["lambda1"].layout.display != "none"
    assert panel.controls["lambda2"].layout.display == "none"
    assert panel.controls["resolution"].layout.display == "none"
    panel.controls["mode"].value = "network_filter"
    assert panel.controls["lambda1"].layout.display == "none"
    assert panel.controls["resolution"].layout.display != "none"
    panel.controls["mode"].value = "quadratic"
    assert panel.controls["lambda2"].layout.display == "none"


def test_export_grid_covers_every_mode_in_few_frames():
    grid = LossSurfacePanel().export_grid()
    assert grid["mode"] == ["quadratic", "rosenbrock", "saddle", "linear_regression",
                            "network_filter", "network_pca"]
    assert len(grid["mode"]) * len(grid["view"]) <= 12


def test_constructing_with_a_mode_starts_from_that_modes_defaults():
    panel = LossSurfacePanel(mode="rosenbrock")
    assert (panel.state["start_x"], panel.state["start_y"]) == (-1.5, 2.0)
    assert panel.state["lr"] == pytest.approx(0.001)
    assert panel.state["step"] == panel.state["steps"] == 300
    given = LossSurfacePanel(mode="rosenbrock", lr=0.002, steps=50)
    assert given.state["lr"] == pytest.approx(0.002)
    assert given.state["step"] == given.state["steps"] == 50


def test_play_follows_step_and_never_resets_it():
    from bpwidgets.panels.loss_surface import LossSurfacePanel

    panel = LossSurfacePanel(step=25)
    assert panel.controls["step"].value == 25 and panel.controls["play"].value == 25
    panel.controls["play"].value = 7
    assert panel.controls["step"].value == 7
