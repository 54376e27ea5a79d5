"""core.landscapes: the loss-surface picture's data, built from the core's surfaces and training."""

from __future__ import annotations

import numpy as np

from bpwidgets.core.landscapes import (
    current_point,
    grid_landscape,
    line_run,
    loss_at,
    network_landscape,
    network_line,
    toy_runs,
    train_network,
)
from bpwidgets.core.toy_surfaces import Quadratic, Rosenbrock


def test_grid_landscape_holds_the_surface_on_its_window_and_the_divergence_threshold():
    surface = Quadratic(1.0, 10.0)
    landscape = grid_landscape(surface, "bowl", ("a", "b"), resolution=21)
    np.testing.assert_array_equal(landscape.values, surface.grid(landscape.xs, landscape.ys))
    assert (landscape.xs[0], landscape.xs[-1]) == surface.bounds[0]
    assert landscape.divergence_lr == surface.divergence_lr == 0.2


def test_a_diverged_run_stops_at_its_last_finite_point():
    (run,) = toy_runs(Quadratic(1.0, 10.0), (-1.6, 1.5), ["sgd"], lr=0.5, steps=300)
    assert run.diverged_at is not None
    point, index = current_point(run, 300)
    assert index < 300 and np.isfinite(point).all()
    step, loss = loss_at(run, 300)
    assert np.isfinite(loss) and step <= 300


def test_network_slices_put_the_trained_network_at_the_centre():
    run = train_network("sgd", 0.5, 20)
    assert run.trained.loss(run.X, run.Y, "bce") < run.initial.loss(run.X, run.Y, "bce")
    for directions in ("filter", "pca"):
        landscape, path_run = network_landscape(directions, run, 11, 1.0, seed=1)
        centre = landscape.values[5, 5]
        np.testing.assert_allclose(centre, run.trained.loss(run.X, run.Y, "bce"), rtol=1e-12)
        np.testing.assert_allclose(path_run.losses[-1], centre, rtol=1e-12)
    line = network_line(run)
    np.testing.assert_allclose(np.interp(1.0, line.alphas, line.values),
                               run.trained.loss(run.X, run.Y, "bce"), rtol=1e-12)


def test_the_line_goes_through_the_first_run_that_moved():
    runs = toy_runs(Rosenbrock(), (3.0, 3.0), ["sgd", "adam"], lr=10.0, steps=20)
    assert runs[0].diverged_at == 1  # sgd's first step of lr 10 on the valley's wall overflows
    assert line_run(runs) is runs[1]
    calm = toy_runs(Quadratic(1.0, 1.0), (1.0, 1.0), ["sgd", "adam"], lr=0.1, steps=20)
    assert line_run(calm) is calm[0]
