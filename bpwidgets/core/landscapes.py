"""Loss landscapes as plain data: a surface on a grid, optimiser runs through it, a 1-D line.

What the loss-surface panel draws, computed from :mod:`bpwidgets.core.toy_surfaces` (closed-form
2-parameter surfaces) and :mod:`bpwidgets.core.surface` (slices of a trained network's loss):

- ``grid_landscape(surface, ...)``, ``toy_runs``, ``toy_line`` (through ``line_run``) for a toy surface,
- ``train_network`` (the 2-8-8-1 tanh network on moons), ``network_landscape`` (its loss on a
  filter-normalised random plane or on the PCA plane of its run) and ``network_line``,
- ``current_point`` / ``loss_at``: where a run is at a step (a diverged run stops early).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpwidgets.core.datasets import make_dataset
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import make_optimizer
from bpwidgets.core.surface import loss_line, loss_surface
from bpwidgets.core.toy_surfaces import descent_path, divergence_step
from bpwidgets.core.train import train

REGRESSION_POINTS = 40
NETWORK_SIZES = (2, 8, 8, 1)  # the network whose loss is sliced: tanh hidden, sigmoid output
NETWORK_DATA = {"name": "moons", "n": 200, "noise": 0.15}


@dataclass(frozen=True)
class Landscape:
    """The loss on a grid: ``values[j, i]`` at (xs[i], ys[j]), with axis names and a title."""

    xs: np.ndarray
    ys: np.ndarray
    values: np.ndarray
    xlabel: str
    ylabel: str
    title: str
    divergence_lr: float | None = None  # 2/λ_max for quadratic surfaces
    surface: object = None  # the core's ToySurface or Surface behind the grid


@dataclass(frozen=True)
class Run:
    """One optimiser's run: its points in the plane (NaN where unknown) and its loss per step."""

    optimizer: str
    path: np.ndarray  # (steps + 1, 2)
    losses: np.ndarray  # (steps + 1,)
    diverged_at: int | None


@dataclass(frozen=True)
class Line:
    """Loss along a straight line through parameter space."""

    alphas: np.ndarray
    values: np.ndarray
    xlabel: str


@dataclass(frozen=True)
class NetworkRun:
    """A small network trained on moons: the data, the nets before and after, the history."""

    X: np.ndarray
    Y: np.ndarray
    initial: MLP
    trained: MLP
    history: object
    optimizer: str


# --- toy surfaces ----------------------------------------------------------------------------
def regression_data():
    """The core's ``sine`` data set (40 points): a line fitted to it is linear regression."""
    X, t = make_dataset("sine", n=REGRESSION_POINTS, noise=0.1, seed=0)
    return X[:, 0], t


def grid_landscape(surface, title: str, names: tuple[str, str], resolution=81) -> Landscape:
    """A toy surface on a grid covering its plot window."""
    (x0, x1), (y0, y1) = surface.bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    return Landscape(xs, ys, surface.grid(xs, ys), *names, title,
                     getattr(surface, "divergence_lr", None), surface)


def toy_runs(surface, start, optimizers, lr: float, steps: int) -> tuple:
    """Each optimiser's descent path on a toy surface and the loss at every point."""
    runs = []
    for name in optimizers:
        path = descent_path(surface, start, make_optimizer(name, lr), steps)
        with np.errstate(invalid="ignore"):
            losses = surface.value(path)
        runs.append(Run(name, path, losses, divergence_step(path)))
    return tuple(runs)


def line_run(runs) -> Run:
    """The first run that moved from its start (the first run if none did): a line through it
    shows something, one through a run that diverged at once would be a single point."""
    for run in runs:
        finite = run.path[np.isfinite(run.path).all(axis=1)]
        if len(finite) > 1 and np.any(finite[-1] != finite[0]):
            return run
    return runs[0]


def toy_line(surface, run: Run) -> Line:
    """Loss along the straight line from a run's start (α = 0) to its last finite point (α = 1)."""
    finite = run.path[np.isfinite(run.path).all(axis=1)]
    start, end = finite[0], finite[-1]
    alphas = np.linspace(-0.5, 1.5, 81)
    values = surface.value(start + alphas[:, np.newaxis] * (end - start))
    return Line(alphas, values, f"α   (0 = start, 1 = end of the {run.optimizer} run)")


# --- a trained network -----------------------------------------------------------------------
def train_network(optimizer: str, lr: float, steps: int, seed: int = 0) -> NetworkRun:
    """Train the 2-8-8-1 tanh network with full-batch ``optimizer`` for ``steps`` steps."""
    X, y = make_dataset(**NETWORK_DATA, seed=seed)
    Y = y.astype(np.float64)
    initial = MLP(NETWORK_SIZES, activation="tanh", output_activation="sigmoid", seed=seed)
    trained = initial.copy()
    history = train(trained, X, Y, "bce", make_optimizer(optimizer, lr), epochs=steps)
    return NetworkRun(X, Y, initial, trained, history, optimizer)


def network_landscape(directions: str, run: NetworkRun, resolution: int, span: float, seed: int):
    """The core's slice of the trained network's loss (``directions`` "pca" or "filter") as a
    Landscape, and the run in it."""
    if directions == "pca":
        surface = loss_surface(run.trained, run.X, run.Y, "bce", directions="pca",
                               history=run.history, span=1.25, resolution=resolution)
        share = surface.explained_variance
        names = (f"PC1 ({share[0]:.0%} of the run)", f"PC2 ({share[1]:.0%})")
        title = "Network loss on the PCA plane of its run"
        path = surface.trajectory
    else:
        surface = loss_surface(run.trained, run.X, run.Y, "bce", directions="filter",
                               span=span, resolution=resolution, seed=seed)
        names = ("α  (filter-normalised d₁)", "β  (filter-normalised d₂)")
        title = "Network loss around the trained weights"
        path = np.full((len(run.history.snapshots), 2), np.nan)
        path[-1] = 0.0  # only the trained network lies in this plane
    landscape = Landscape(surface.alphas, surface.betas, surface.values, *names, title,
                          None, surface)
    losses = np.append(run.history.losses, surface.centre_loss)
    return landscape, Run(run.optimizer, path, losses, None)


def network_line(run: NetworkRun) -> Line:
    """Loss along the straight line from the initial (α = 0) to the trained network (α = 1)."""
    line = loss_line(run.initial, run.X, run.Y, "bce", other=run.trained, resolution=61)
    return Line(line.alphas, line.values, "α   (0 = initial network, 1 = trained network)")


# --- a run at a step ---------------------------------------------------------------------------
def current_point(run: Run, step: int):
    """The run's point at ``step``: the last known point up to it (a diverged run stops early)."""
    known = np.flatnonzero(np.isfinite(run.path).all(axis=1))
    earlier = known[known <= step]
    index = int(earlier[-1] if earlier.size else known[0])
    return run.path[index], index


def loss_at(run: Run, step: int):
    """``(step, loss)`` of the run at ``step``, or at its last finite loss before it."""
    finite = np.flatnonzero(np.isfinite(run.losses[: step + 1]))
    index = int(finite[-1]) if finite.size else 0
    return index, run.losses[index]
