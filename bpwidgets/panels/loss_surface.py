"""Loss surfaces with optimiser trajectories: 2-parameter toys and slices of a real network.

Modes (control ``"mode"``):

- ``"quadratic"``: the bowl ½ (p − c)ᵀ H (p − c) with curvatures ``lambda1``, ``lambda2`` and an
  ``angle``; plain gradient descent diverges above lr = 2/λ_max, which the panel marks,
- ``"rosenbrock"``, ``"saddle"``: the banana valley and the saddle point,
- ``"linear_regression"``: the mean squared error of a line w·x + b fitted to data,
- ``"network_filter"``: a trained network's loss on the plane through its parameters spanned by
  two filter-normalised random directions (Li et al. 2018),
- ``"network_pca"``: the plane of the top two principal components of its training run, with
  the run drawn into it.

Every number comes from :mod:`bpwidgets.core.toy_surfaces` and :mod:`bpwidgets.core.surface`;
this module only draws. The expensive part (a network slice, training runs) is recomputed only
when its inputs change; moving the ``"step"`` slider or changing a toy trajectory only updates
the artists.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps, ticker
from matplotlib.colors import BoundaryNorm
from matplotlib.transforms import ScaledTranslation

from bpwidgets.core.datasets import make_dataset
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import OPTIMIZERS, make_optimizer
from bpwidgets.core.surface import loss_line, loss_surface
from bpwidgets.core.toy_surfaces import (
    LinearRegression,
    Quadratic,
    Rosenbrock,
    Saddle,
    descent_path,
    divergence_step,
)
from bpwidgets.core.train import train
from bpwidgets.panels.base import LABEL_STYLE, LOG_SLIDER_OPTIONS, SLIDER_OPTIONS, Panel
from bpwidgets.panels.palette import HIGHLIGHT, LINE_CYCLE, NEUTRAL, OKABE_ITO, SEQUENTIAL_CMAP

MODES = {
    "quadratic": "quadratic bowl",
    "rosenbrock": "Rosenbrock valley",
    "saddle": "saddle point",
    "linear_regression": "linear regression on data",
    "network_filter": "network: random filter-normalised plane",
    "network_pca": "network: PCA plane of its training run",
}
TOY_MODES = ("quadratic", "rosenbrock", "saddle", "linear_regression")
NETWORK_MODES = ("network_filter", "network_pca")
VIEWS = ("contour", "3d", "both")
OPTIMIZER_COLOURS = dict(zip(OPTIMIZERS, LINE_CYCLE, strict=False))
LEVELS = 16  # filled contour bands, log-spaced in (loss − min loss)
MAX_STEPS = 300
REGRESSION_POINTS = 40
NETWORK_SIZES = (2, 8, 8, 1)  # the network whose loss is sliced: tanh hidden, sigmoid output
NETWORK_DATA = {"name": "moons", "n": 200, "noise": 0.15}

# Per mode: where a run starts and a learning rate that shows something, set when the mode changes.
MODE_DEFAULTS = {
    "quadratic": {"start_x": -1.6, "start_y": 1.5, "lr": 0.15, "steps": 40},
    "rosenbrock": {"start_x": -1.5, "start_y": 2.0, "lr": 0.001, "steps": 300},
    "saddle": {"start_x": -1.8, "start_y": 0.02, "lr": 0.1, "steps": 60},
    "linear_regression": {"start_x": -2.0, "start_y": 2.5, "lr": 0.1, "steps": 60},
    "network_filter": {"lr": 0.5, "steps": 150},
    "network_pca": {"lr": 0.5, "steps": 150},
}
MODE_CONTROLS = {  # controls that only make sense in some modes
    "lambda1": ("quadratic",),
    "lambda2": ("quadratic",),
    "angle": ("quadratic",),
    "start_x": TOY_MODES,
    "start_y": TOY_MODES,
    "resolution": NETWORK_MODES,
    "span": ("network_filter",),
}


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
class SurfaceData:
    """Everything one picture shows."""

    landscape: Landscape
    runs: tuple
    line: Line
    step: int
    note: str


# --- pure functions of the controls ----------------------------------------------------------
def toy_surface(mode: str, lambda1=1.0, lambda2=10.0, angle=0.0):
    """The core's closed-form surface for a toy mode."""
    if mode == "quadratic":
        return Quadratic(lambda1, lambda2, angle)
    if mode == "rosenbrock":
        return Rosenbrock()
    if mode == "saddle":
        return Saddle()
    return LinearRegression(*regression_data())


def regression_data():
    """The core's ``sine`` data set (40 points): a line fitted to it is linear regression."""
    X, t = make_dataset("sine", n=REGRESSION_POINTS, noise=0.1, seed=0)
    return X[:, 0], t


def toy_landscape(mode: str, surface, resolution=81) -> Landscape:
    """The toy surface on a grid covering its plot window."""
    (x0, x1), (y0, y1) = surface.bounds
    xs, ys = np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution)
    names = ("w", "b") if mode == "linear_regression" else ("w₁", "w₂")
    if mode == "quadratic":
        title = f"Quadratic bowl, λ₁ = {surface.lambda1:.3g}, λ₂ = {surface.lambda2:.3g}"
    else:
        title = {
            "rosenbrock": "Rosenbrock (1 − x)² + 100 (y − x²)²",
            "saddle": "Saddle ½(x² − y²)",
            "linear_regression": "MSE of w·x + b fitted to 40 points of sin x",
        }[mode]
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


def toy_line(surface, run: Run) -> Line:
    """Loss along the straight line from a run's start (α = 0) to its last finite point (α = 1)."""
    finite = run.path[np.isfinite(run.path).all(axis=1)]
    start, end = finite[0], finite[-1]
    alphas = np.linspace(-0.5, 1.5, 81)
    values = surface.value(start + alphas[:, np.newaxis] * (end - start))
    return Line(alphas, values, f"α   (0 = start, 1 = end of the {run.optimizer} run)")


@dataclass(frozen=True)
class NetworkRun:
    """A small network trained on moons: the data, the nets before and after, the history."""

    X: np.ndarray
    Y: np.ndarray
    initial: MLP
    trained: MLP
    history: object
    optimizer: str


def train_network(optimizer: str, lr: float, steps: int, seed: int = 0) -> NetworkRun:
    """Train the 2-8-8-1 tanh network with full-batch ``optimizer`` for ``steps`` steps."""
    X, y = make_dataset(**NETWORK_DATA, seed=seed)
    Y = y.astype(np.float64)
    initial = MLP(NETWORK_SIZES, activation="tanh", output_activation="sigmoid", seed=seed)
    trained = initial.copy()
    history = train(trained, X, Y, "bce", make_optimizer(optimizer, lr), epochs=steps)
    return NetworkRun(X, Y, initial, trained, history, optimizer)


def network_landscape(mode: str, run: NetworkRun, resolution: int, span: float, seed: int):
    """The core's slice of the trained network's loss, as a Landscape, and the run in it."""
    if mode == "network_pca":
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


def log_levels(values, count=LEVELS) -> np.ndarray:
    """Contour levels spaced evenly in log(loss − min): fine near the minimum, coarse on the walls."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    span = max(high - low, 1e-12)
    offsets = np.geomspace(span * 1e-3, span, count - 1)
    return np.concatenate([[low], low + offsets])


def lean_axes(ax, nbins=5) -> None:
    """Few ticks and fixed label/title positions: text layout is most of a redraw's cost."""
    nice = [1, 2, 2.5, 5, 10]
    ax.xaxis.set_major_locator(ticker.MaxNLocator(nbins, steps=nice))
    ax.yaxis.set_major_locator(ticker.MaxNLocator(nbins, steps=nice))
    inches = ax.figure.dpi_scale_trans
    ax.xaxis.set_label_coords(0.5, 0, ax.transAxes + ScaledTranslation(0, -0.30, inches))
    ax.yaxis.set_label_coords(0, 0.5, ax.transAxes + ScaledTranslation(-0.45, 0, inches))
    ax.title.set_y(1.0)
    ax.tick_params(labelsize=8)


def log_ticks(axis, low: float, high: float) -> None:
    """At most about six labelled ticks on a log axis: 1-2-5 or 1-3 steps over few decades."""
    decades = np.log10(high / low)
    if decades <= 3:
        subs = (1.0, 2.0, 5.0) if decades <= 1.5 else (1.0, 3.0)
        axis.set_major_locator(ticker.LogLocator(subs=subs))
        axis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    else:
        axis.set_major_locator(ticker.LogLocator(numticks=6))
        axis.set_major_formatter(ticker.LogFormatterSciNotation())


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


# --- the panel -------------------------------------------------------------------------------
class LossSurfacePanel(Panel):
    """Loss surfaces (contours and 3-D) with optimiser runs, a loss curve and a 1-D slice."""

    figsize = (10.5, 4.8)
    dpi = 90

    def __init__(self, *, hide=(), **state):
        mode = state.get("mode", "quadratic")
        if mode in MODE_DEFAULTS:  # the mode's own start, lr and steps, unless given
            defaults = {**MODE_DEFAULTS[mode], "step": state.get("steps", 0)}
            defaults["step"] = defaults["step"] or defaults["steps"]
            state = {**defaults, **state}
        self._user_hidden = {hide} if isinstance(hide, str) else set(hide)
        self._cache_key = None
        self._cache = None
        self._drawn_landscape = None
        self._last_steps = None
        self._contour = self._surface3d = None
        super().__init__(self._make_controls(), hide=hide, state=state)
        # Mode defaults go in before the base class redraws: re-register its observer after ours.
        mode = self.remove_control("mode")
        mode.observe(self._apply_mode_defaults, names="value")
        self.add_control("mode", mode)

    @staticmethod
    def _make_controls() -> dict:
        return {
            "mode": widgets.Dropdown(options=[(label, name) for name, label in MODES.items()],
                                     value="quadratic", description="surface", style=LABEL_STYLE),
            "view": widgets.ToggleButtons(options=VIEWS, value="contour", description="view",
                                          style={"button_width": "70px"}),
            "optimizer": widgets.SelectMultiple(options=OPTIMIZERS, value=("sgd",), rows=4,
                                                description="optimiser", style=LABEL_STYLE),
            "lr": widgets.FloatLogSlider(value=0.15, min=-4, max=1, step=0.05,
                                         description="lr", **LOG_SLIDER_OPTIONS),
            "steps": widgets.IntSlider(value=40, min=1, max=MAX_STEPS, description="steps", **SLIDER_OPTIONS),
            "step": widgets.IntSlider(value=40, min=0, max=MAX_STEPS, description="step",
                                      **SLIDER_OPTIONS),
            "play": widgets.Play(value=0, min=0, max=40, interval=120, description="play"),
            "start_x": widgets.FloatSlider(value=-1.6, min=-3, max=3, step=0.05,
                                           description="start x", **SLIDER_OPTIONS),
            "start_y": widgets.FloatSlider(value=1.5, min=-3, max=3, step=0.05,
                                           description="start y", **SLIDER_OPTIONS),
            "lambda1": widgets.FloatLogSlider(value=1.0, min=-1, max=2, step=0.05,
                                              description="λ₁", **LOG_SLIDER_OPTIONS),
            "lambda2": widgets.FloatLogSlider(value=10.0, min=-1, max=2, step=0.05,
                                              description="λ₂", **LOG_SLIDER_OPTIONS),
            "angle": widgets.FloatSlider(value=0.0, min=0, max=90, step=5,
                                         description="angle °", **SLIDER_OPTIONS),
            "resolution": widgets.IntSlider(value=31, min=11, max=51, step=2,
                                            description="grid", **SLIDER_OPTIONS),
            "span": widgets.FloatSlider(value=1.0, min=0.2, max=3.0, step=0.1,
                                        description="span", **SLIDER_OPTIONS),
        }

    def arrange_controls(self):
        """Three rows: what surface, how to descend, where to start / surface parameters."""
        c = self.controls
        # Linked in the kernel, step first: the link copies step into play, never play's 0 into
        # step (a jslink did that in the browser, so panels opened at step 0).
        widgets.link((c["step"], "value"), (c["play"], "value"))
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        return [
            widgets.HBox([c["mode"], c["view"]], layout=wrap),
            widgets.HBox([c["optimizer"], widgets.VBox([c["lr"], c["steps"],
                          widgets.HBox([c["play"], c["step"]])])], layout=wrap),
            widgets.HBox([c[name] for name in ("start_x", "start_y", "lambda1", "lambda2",
                                               "angle", "resolution", "span")], layout=wrap),
        ]

    def export_grid(self) -> dict[str, list]:
        """A static page's choices: every surface, as contours or side by side with 3-D."""
        return {"mode": list(MODES), "view": ["contour", "both"]}

    # --- figure ----------------------------------------------------------------------------
    def setup_figure(self, figure):
        """Contour axes, 3-D axes, loss-versus-step and 1-D slice axes; lines per optimiser."""
        self._contour = self._surface3d = self._drawn_landscape = self._legend_names = None
        self.ax_contour = figure.add_axes((0.06, 0.12, 0.36, 0.76))
        self.ax_3d = figure.add_axes((0.02, 0.05, 0.45, 0.88), projection="3d")
        self.ax_loss = figure.add_axes((0.60, 0.60, 0.38, 0.30))
        self.ax_line = figure.add_axes((0.60, 0.12, 0.38, 0.30))
        self.colorbar_ax = figure.add_axes((0.43, 0.12, 0.012, 0.76))
        self.path_lines, self.path_points, self.path_lines_3d, self.loss_lines = {}, {}, {}, {}
        self.loss_points = {}
        for name, colour in OPTIMIZER_COLOURS.items():
            (self.path_lines[name],) = self.ax_contour.plot([], [], "-o", color=colour, ms=2.5,
                                                            lw=1.4, label=name)
            (self.path_points[name],) = self.ax_contour.plot([], [], "o", color=colour, ms=9,
                                                             mec="white", mew=1.5, zorder=5)
            (self.path_lines_3d[name],) = self.ax_3d.plot([], [], [], color=colour, lw=2, zorder=3)
            (self.loss_lines[name],) = self.ax_loss.plot([], [], color=colour, lw=1.6, label=name)
            (self.loss_points[name],) = self.ax_loss.plot([], [], "o", color=colour, ms=6)
        (self.start_marker,) = self.ax_contour.plot([], [], "*", color="white", mec=NEUTRAL,
                                                    ms=14, zorder=6, label="start")
        (self.minimum_marker,) = self.ax_contour.plot([], [], "+", color=HIGHLIGHT, ms=12, mew=2,
                                                      zorder=6, label="minimum")
        (self.diverged_markers,) = self.ax_loss.plot([], [], "x", color=HIGHLIGHT, ms=9, mew=2)
        self.step_rule = self.ax_loss.axvline(0, color=NEUTRAL, lw=0.8, ls=":")
        (self.line_curve,) = self.ax_line.plot([], [], color=OKABE_ITO["blue"], lw=1.6)
        (self.line_ends,) = self.ax_line.plot([], [], "o", color=NEUTRAL, ms=5)
        self.ax_loss.set_title("Loss versus step", fontsize=10)
        self.ax_loss.set_xlabel("step")
        self.ax_loss.set_ylabel("loss")
        self.ax_line.set_title("Loss along a straight line", fontsize=10, y=1.0)
        self.ax_line.set_ylabel("loss")
        for ax in (self.ax_contour, self.ax_loss, self.ax_line):
            lean_axes(ax)
        self.ax_3d.set_zlabel("loss", labelpad=0)
        self.ax_3d.tick_params(labelsize=7, pad=0)
        for axis in (self.ax_3d.xaxis, self.ax_3d.yaxis, self.ax_3d.zaxis):
            axis.set_major_locator(ticker.MaxNLocator(4))
        self.ax_3d.view_init(elev=35, azim=-60)
        self.ax_3d.computed_zorder = False  # keep the runs (zorder 3) in front of the surface

    # --- computation -----------------------------------------------------------------------
    def compute(self) -> SurfaceData:
        """The landscape (cached), each optimiser's run and the 1-D slice for the current state."""
        self._follow_mode()
        state = self.state
        optimizers = tuple(state["optimizer"])
        if not optimizers:
            raise ValueError(f"optimizer must select at least one of {', '.join(OPTIMIZERS)}; got none")
        self._clamp_step(state["steps"])
        state = self.state
        mode = state["mode"]
        if mode in TOY_MODES:
            landscape = self._cached(("toy", mode, state["lambda1"], state["lambda2"],
                                      state["angle"]),
                                     lambda: toy_landscape(mode, toy_surface(
                                         mode, state["lambda1"], state["lambda2"], state["angle"])))
            start = (state["start_x"], state["start_y"])
            runs = toy_runs(landscape.surface, start, optimizers, state["lr"], state["steps"])
            line = toy_line(landscape.surface, runs[0])
            note = ""
        else:
            resolution, span = state["resolution"], state["span"]
            key = ("network", mode, optimizers[0], state["lr"], state["steps"], resolution,
                   span if mode == "network_filter" else None)
            landscape, run, line = self._cached(key, lambda: self._network_slice(
                mode, optimizers[0], state["lr"], state["steps"], resolution, span))
            runs = (run,)
            note = ""
            if len(optimizers) > 1:
                note = f"A network slice shows one training run: the first selected, {run.optimizer}."
            if mode == "network_filter":
                note += " The run itself is not in this random plane; ● marks the trained network."
        return SurfaceData(landscape, runs, line, state["step"], note.strip())

    @staticmethod
    def _network_slice(mode, optimizer, lr, steps, resolution, span):
        run = train_network(optimizer, lr, steps)
        landscape, path_run = network_landscape(mode, run, resolution, span, seed=1)
        return landscape, path_run, network_line(run)

    def _cached(self, key, build):
        """Return the landscape for ``key``, building it only when the key changed."""
        if key != self._cache_key:
            self._cache = build()
            self._cache_key = key
        return self._cache

    def _apply_mode_defaults(self, change) -> None:
        """A new mode starts where it shows something: its own start, lr and number of steps.

        Values set after the mode inside the same ``hold()`` win over these defaults.
        """
        with self.hold():
            for name, value in MODE_DEFAULTS[change["new"]].items():
                self.controls[name].value = value
            self.controls["step"].value = self.controls["steps"].value  # the whole run

    def _follow_mode(self) -> None:
        """Show only the controls that matter in the current mode (and were not hidden)."""
        mode = self.controls["mode"].value
        for name, modes in MODE_CONTROLS.items():
            shown = mode in modes and name not in self._user_hidden
            self.controls[name].layout.display = None if shown else "none"

    def _clamp_step(self, steps: int) -> None:
        """Let ``step`` range over 0 … steps; a step at the end of the run stays at the end."""
        step = self.controls["step"]
        at_end = step.value == self._last_steps
        for name in ("step", "play"):
            self.controls[name].max = steps
        if at_end:
            step.value = steps
        self._last_steps = steps

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, data: SurfaceData) -> None:
        """Update every artist in place; rebuild the filled contours only for a new landscape."""
        view = self.state["view"]
        self._arrange(view)
        if data.landscape is not self._drawn_landscape:
            self._draw_landscape(data.landscape, view)
        self._draw_runs(data)
        self._draw_loss_curves(data)
        self._draw_line(data.line)
        self.set_caption(self._caption(data))

    def _arrange(self, view: str) -> None:
        both = view == "both"
        self.ax_contour.set_visible(view != "3d")
        self.colorbar_ax.set_visible(view != "3d")
        self.ax_3d.set_visible(view != "contour")
        if both:
            self.ax_contour.set_position((0.065, 0.12, 0.235, 0.76))
            self.colorbar_ax.set_position((0.305, 0.12, 0.01, 0.76))
            self.ax_3d.set_position((0.33, 0.08, 0.30, 0.84))
            self.ax_loss.set_position((0.70, 0.58, 0.285, 0.28))
            self.ax_line.set_position((0.70, 0.12, 0.285, 0.30))
        else:
            self.ax_contour.set_position((0.06, 0.12, 0.38, 0.76))
            self.colorbar_ax.set_position((0.45, 0.12, 0.012, 0.76))
            self.ax_3d.set_position((0.02, 0.05, 0.46, 0.88))
            self.ax_loss.set_position((0.58, 0.58, 0.40, 0.28))
            self.ax_line.set_position((0.58, 0.12, 0.40, 0.30))

    def _draw_landscape(self, landscape: Landscape, view: str) -> None:
        levels = log_levels(landscape.values)
        cmap = colormaps[SEQUENTIAL_CMAP]
        norm = BoundaryNorm(levels, cmap.N)
        values = np.clip(landscape.values, levels[0], levels[-1])
        if self._contour is not None:
            self._contour.remove()
        self._contour = self.ax_contour.contourf(landscape.xs, landscape.ys, values,
                                                 levels=levels, cmap=cmap, norm=norm)
        self.colorbar_ax.clear()
        colorbar = self.figure.colorbar(self._contour, cax=self.colorbar_ax)
        colorbar.locator = ticker.FixedLocator(levels[::5])
        colorbar.formatter = ticker.FormatStrFormatter("%.3g")
        colorbar.update_ticks()
        colorbar.ax.tick_params(labelsize=7)
        self.ax_contour.set_xlim(landscape.xs[0], landscape.xs[-1])
        self.ax_contour.set_ylim(landscape.ys[0], landscape.ys[-1])
        self.ax_contour.set_xlabel(landscape.xlabel)
        self.ax_contour.set_ylabel(landscape.ylabel)
        self.ax_contour.set_title(landscape.title, fontsize=10, y=1.0)
        minimum = getattr(landscape.surface, "minimum", None)
        if minimum is not None and np.shape(minimum) == (2,):
            self.minimum_marker.set_data([minimum[0]], [minimum[1]])
        else:
            self.minimum_marker.set_data([], [])
        self._draw_surface3d(landscape, values, cmap, norm)
        self._drawn_landscape = landscape

    def _draw_surface3d(self, landscape, values, cmap, norm) -> None:
        if self._surface3d is not None:
            self._surface3d.remove()
        grid_x, grid_y = np.meshgrid(landscape.xs, landscape.ys)
        stride = max(1, len(landscape.xs) // 30)
        self._surface3d = self.ax_3d.plot_surface(grid_x, grid_y, values, cmap=cmap, norm=norm,
                                                  rstride=stride, cstride=stride, linewidth=0,
                                                  antialiased=False, alpha=0.75, zorder=1)
        self.ax_3d.set_xlim(landscape.xs[0], landscape.xs[-1])
        self.ax_3d.set_ylim(landscape.ys[0], landscape.ys[-1])
        self.ax_3d.set_zlim(values.min(), values.max())
        self.ax_3d.set_xlabel(landscape.xlabel, labelpad=-6)
        self.ax_3d.set_ylabel(landscape.ylabel, labelpad=-6)
        self._zrange = (values.min(), values.max())

    def _draw_runs(self, data: SurfaceData) -> None:
        shown = {run.optimizer: run for run in data.runs}
        for name in OPTIMIZERS:
            run = shown.get(name)
            if run is None:
                for artist in (self.path_lines[name], self.path_points[name]):
                    artist.set_data([], [])
                self.path_lines_3d[name].set_data_3d([], [], [])
                continue
            point, index = current_point(run, data.step)
            self.path_lines[name].set_data(run.path[: index + 1, 0], run.path[: index + 1, 1])
            self.path_points[name].set_data([point[0]], [point[1]])
            self.path_lines_3d[name].set_data_3d(*self._inside_box(run, index))
        start = data.runs[0].path[0]
        self.start_marker.set_data([start[0]], [start[1]])
        names = tuple(run.optimizer for run in data.runs)
        if names != self._legend_names:  # a legend is rebuilt only when the runs change
            self.ax_contour.legend(handles=[self.path_lines[name] for name in names],
                                   loc="lower right", fontsize=8, framealpha=0.85)
            self._legend_names = names

    def _inside_box(self, run: Run, index: int):
        """The run's first ``index + 1`` points as x, y, loss, NaN where they leave the 3-D box."""
        x, y = run.path[: index + 1, 0].copy(), run.path[: index + 1, 1].copy()
        z = run.losses[: index + 1].copy()
        (x0, x1), (y0, y1) = self.ax_3d.get_xlim(), self.ax_3d.get_ylim()
        with np.errstate(invalid="ignore"):
            outside = (x < x0) | (x > x1) | (y < y0) | (y > y1) | (z > self._zrange[1])
        x[outside] = y[outside] = z[outside] = np.nan
        return x, y, z

    def _draw_loss_curves(self, data: SurfaceData) -> None:
        ax = self.ax_loss
        values = np.concatenate([run.losses for run in data.runs])
        values = values[np.isfinite(values)]
        log_scale = bool(values.size) and values.min() > 0
        if ax.get_yscale() != ("log" if log_scale else "linear"):
            ax.set_yscale("log" if log_scale else "linear")
            if log_scale:
                ax.yaxis.set_minor_locator(ticker.NullLocator())
            else:
                ax.yaxis.set_major_locator(ticker.MaxNLocator(5))
        shown = {run.optimizer: run for run in data.runs}
        crosses = []
        for name in OPTIMIZERS:
            run = shown.get(name)
            if run is None:
                self.loss_lines[name].set_data([], [])
                self.loss_points[name].set_data([], [])
                continue
            steps = np.arange(len(run.losses))
            self.loss_lines[name].set_data(steps, run.losses)
            index, loss = loss_at(run, data.step)
            self.loss_points[name].set_data([index], [loss])
            if run.diverged_at is not None:
                crosses.append((run.diverged_at - 1, run.losses[run.diverged_at - 1]))
        self.diverged_markers.set_data(*(np.array(crosses).T if crosses else ([], [])))
        self.step_rule.set_xdata([data.step, data.step])
        ax.set_xlim(0, max(len(run.losses) for run in data.runs) - 1)
        if values.size:
            low, high = values.min(), values.max()
            if log_scale:
                ax.set_ylim(low / 2, high * 2)
                log_ticks(ax.yaxis, low / 2, high * 2)
            else:
                pad = 0.05 * max(high - low, 1e-12)
                ax.set_ylim(low - pad, high + pad)
        self._show_threshold(data)

    def _show_threshold(self, data: SurfaceData) -> None:
        # Said in the loss plot's title, not in the lr label: a long label squeezes the slider.
        threshold = data.landscape.divergence_lr
        title = self.ax_loss.title
        if threshold is None:
            title.set_text("Loss versus step")
            title.set_color("black")
            return
        lr = self.state["lr"]
        diverges = lr > threshold
        title.set_text(f"Loss versus step\nplain GD {'diverges' if diverges else 'converges'}: "
                       f"lr {lr:.3g} {'>' if diverges else '<'} 2/λmax = {threshold:.3g}")
        title.set_color(HIGHLIGHT if diverges else "black")

    def _draw_line(self, line: Line) -> None:
        ax = self.ax_line
        self.line_curve.set_data(line.alphas, line.values)
        ends = np.interp([0.0, 1.0], line.alphas, line.values)
        self.line_ends.set_data([0.0, 1.0], ends)
        ax.set_xlim(line.alphas[0], line.alphas[-1])
        finite = line.values[np.isfinite(line.values)]
        low, high = finite.min(), finite.max()
        pad = 0.05 * max(high - low, 1e-12)
        ax.set_ylim(low - pad, high + pad)
        ax.set_xlabel(line.xlabel)

    def _caption(self, data: SurfaceData) -> str:
        parts = []
        for run in data.runs:
            if run.diverged_at is not None:
                parts.append(f"{run.optimizer}: diverged at step {run.diverged_at}")
            else:
                parts.append(f"{run.optimizer}: loss {run.losses[-1]:.3g} after "
                             f"{len(run.losses) - 1} steps")
        return "; ".join(parts) + (f". {data.note}" if data.note else "")

    def describe(self) -> str:
        """A text description of the picture for screen readers and the static export."""
        landscape = self._drawn_landscape
        title = landscape.title if landscape is not None else "a loss surface"
        return (f"Filled contours of {title} with log-spaced levels, the optimiser runs drawn "
                f"on it up to step {self.state['step']}, the loss versus step and the loss along "
                f"a straight line. {self.caption_text}")
