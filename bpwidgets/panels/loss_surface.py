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

Every number comes from :mod:`bpwidgets.core.landscapes` (built on
:mod:`bpwidgets.core.toy_surfaces` and :mod:`bpwidgets.core.surface`); this module holds the table
of modes (:data:`MODES`, one :class:`Mode` record each) and the panel, which only draws. The expensive part (a network slice, training runs) is recomputed only
when its inputs change; moving the ``"step"`` slider or changing a toy trajectory only updates
the artists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps, ticker
from matplotlib.colors import BoundaryNorm

from bpwidgets.core.landscapes import (
    Landscape,
    Line,
    Run,
    current_point,
    grid_landscape,
    line_run,
    loss_at,
    network_landscape,
    network_line,
    regression_data,
    toy_line,
    toy_runs,
    train_network,
)
from bpwidgets.core.optim import OPTIMIZERS
from bpwidgets.core.toy_surfaces import LinearRegression, Quadratic, Rosenbrock, Saddle
from bpwidgets.panels.axes_style import lean_axes, log_ticks, nice_locator
from bpwidgets.panels.base import LABEL_STYLE, LOG_SLIDER_OPTIONS, SLIDER_OPTIONS, Panel
from bpwidgets.panels.legend_place import emptiest_corner
from bpwidgets.panels.palette import HIGHLIGHT, LINE_CYCLE, NEUTRAL, OKABE_ITO, SEQUENTIAL_CMAP
from bpwidgets.panels.path_exits import ExitNotes, exits, plain_notes

TOY_CONTROLS = ("start_x", "start_y")


@dataclass(frozen=True)
class Mode:
    """One choice of the ``mode`` control: everything that differs between surfaces.

    ``surface(lambda1, lambda2, angle)`` builds a toy surface and ``title(surface)``, ``names``
    label its picture; a network mode has neither and slices along ``directions`` (the core's
    slice names its own axes). ``defaults`` are the start, lr and steps set when the mode is
    chosen; ``controls`` are shown only in this mode. ``levels`` spaces the contour levels:
    ``"log"`` above a minimum, ``"linear"`` over a surface without one (the saddle), so the
    colours spread over what is shown.
    """

    label: str
    defaults: dict
    controls: tuple[str, ...]
    surface: Callable | None = None
    title: Callable | None = None
    names: tuple[str, str] = ("w₁", "w₂")
    directions: str | None = None
    levels: str = "log"


def _constant(text: str) -> Callable:
    return lambda surface: text


MODES = {
    "quadratic": Mode(
        "quadratic bowl", {"start_x": -1.6, "start_y": 1.5, "lr": 0.15, "steps": 40},
        (*TOY_CONTROLS, "lambda1", "lambda2", "angle"), Quadratic,
        lambda s: f"Quadratic bowl, λ₁ = {s.lambda1:.3g}, λ₂ = {s.lambda2:.3g}"),
    "rosenbrock": Mode(
        "Rosenbrock valley", {"start_x": -1.5, "start_y": 2.0, "lr": 0.001, "steps": 300},
        TOY_CONTROLS, lambda *_: Rosenbrock(), _constant("Rosenbrock (1 − x)² + 100 (y − x²)²")),
    "saddle": Mode(
        "saddle point", {"start_x": -1.8, "start_y": 0.02, "lr": 0.1, "steps": 60},
        TOY_CONTROLS, lambda *_: Saddle(), _constant("Saddle ½(x² − y²)"), levels="linear"),
    "linear_regression": Mode(
        "linear regression on data", {"start_x": -2.0, "start_y": 2.5, "lr": 0.1, "steps": 60},
        TOY_CONTROLS, lambda *_: LinearRegression(*regression_data()),
        _constant("MSE of w·x + b fitted to 40 points of sin x"), ("w", "b")),
    "network_filter": Mode(
        "network: random filter-normalised plane", {"lr": 0.5, "steps": 150},
        ("resolution", "span"), directions="filter"),
    "network_pca": Mode(
        "network: PCA plane of its training run", {"lr": 0.5, "steps": 150},
        ("resolution",), directions="pca"),
}
TOY_MODES = tuple(name for name, mode in MODES.items() if mode.surface is not None)
# Controls shown only in some modes, in the order the panel lays them out.
MODE_CONTROLS = tuple(dict.fromkeys(c for mode in MODES.values() for c in mode.controls))
VIEWS = ("contour", "3d", "both")
OPTIMIZER_COLOURS = dict(zip(OPTIMIZERS, LINE_CYCLE, strict=False))
# Runs differ by marker (paths) and line style (loss curves, 3-D paths), not by colour alone
OPTIMIZER_MARKERS = dict(zip(OPTIMIZERS, "osD^", strict=True))
OPTIMIZER_STYLES = dict(zip(OPTIMIZERS, ("-", "--", "-.", ":"), strict=True))
LEVELS = 16  # filled contour bands, log-spaced in (loss − min loss)
MAX_STEPS = 300
LABEL_PAD_3D = 0  # points between a 3-D axis's tick labels and its (short) label


@dataclass(frozen=True)
class SurfaceData:
    """Everything one picture shows."""

    landscape: Landscape
    runs: tuple
    line: Line
    step: int
    note: str


def toy_landscape(mode: str, lambda1=1.0, lambda2=10.0, angle=0.0) -> Landscape:
    """The toy ``mode``'s surface (the core's closed form) on a grid, titled."""
    record = MODES[mode]
    surface = record.surface(lambda1, lambda2, angle)
    return grid_landscape(surface, record.title(surface), record.names)


def log_levels(values, count=LEVELS) -> np.ndarray:
    """Contour levels spaced evenly in log(loss − min): fine near the minimum, coarse on the walls."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    span = max(high - low, 1e-12)
    offsets = np.geomspace(span * 1e-3, span, count - 1)
    return np.concatenate([[low], low + offsets])


def short_name(label: str) -> str:
    """An axis name without its parenthesised explanation: "PC1 (55% of the run)" → "PC1"."""
    return label.split("(")[0].strip() or label


def contour_levels(values, spacing: str = "log", count=LEVELS) -> np.ndarray:
    """``count`` levels from the lowest to the highest finite value: :func:`log_levels`, or
    evenly spaced for ``spacing`` "linear"."""
    if spacing == "log":
        return log_levels(values, count)
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    return np.linspace(low, max(high, low + 1e-12), count)


# --- the panel -------------------------------------------------------------------------------
class LossSurfacePanel(Panel):
    """Loss surfaces (contours and 3-D) with optimiser runs, a loss curve and a 1-D slice."""

    figsize = (10.5, 4.8)
    dpi = 90

    def __init__(self, *, hide=(), **state):
        mode = state.get("mode", "quadratic")
        if mode in MODES:  # the mode's own start, lr and steps, unless given
            defaults = {**MODES[mode].defaults, "step": state.get("steps", 0)}
            defaults["step"] = defaults["step"] or defaults["steps"]
            state = {**defaults, **state}
        self._cache_key = None
        self._cache = None
        self._drawn_landscape = None
        self._last_steps = None
        self._contour = self._surface3d = None
        super().__init__(self._make_controls(), hide=hide, state=state)

    @staticmethod
    def _make_controls() -> dict:
        return {
            "mode": widgets.Dropdown(options=[(m.label, name) for name, m in MODES.items()],
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

    export_leaders = ("mode",)  # each mode starts from its own defaults (lr, start, steps)

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
            marker, style = OPTIMIZER_MARKERS[name], OPTIMIZER_STYLES[name]
            (self.path_lines[name],) = self.ax_contour.plot([], [], "-", marker=marker,
                                                            color=colour, ms=3, lw=1.4,
                                                            label=name)
            (self.path_points[name],) = self.ax_contour.plot([], [], "o", color=colour, ms=9,
                                                             mec="white", mew=1.5, zorder=5)
            (self.path_lines_3d[name],) = self.ax_3d.plot([], [], [], style, color=colour, lw=2,
                                                          zorder=3, label=name)
            (self.loss_lines[name],) = self.ax_loss.plot([], [], style, color=colour, lw=1.6,
                                                         label=name)
            (self.loss_points[name],) = self.ax_loss.plot([], [], "o", color=colour, ms=6)
        (self.start_marker,) = self.ax_contour.plot([], [], "*", color="white", mec=NEUTRAL,
                                                    ms=14, zorder=6, label="start")
        self.exit_notes = ExitNotes(self.ax_contour, len(OPTIMIZERS) + 1, NEUTRAL)
        self.note_3d = self.ax_3d.text2D(0.0, 0.0, "", transform=self.ax_3d.transAxes,
                                         fontsize=8, color=NEUTRAL)
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
            lean_axes(ax, nice_locator(), nice_locator())
        self.ax_3d.set_zlabel("loss", labelpad=0)
        self.ax_3d.tick_params(labelsize=7, pad=0)
        # x ends and y starts at the front corner (azimuth −60°): one tick there, not two
        self.ax_3d.xaxis.set_major_locator(ticker.MaxNLocator(4, prune="upper"))
        self.ax_3d.yaxis.set_major_locator(ticker.MaxNLocator(4, prune="lower"))
        self.ax_3d.zaxis.set_major_locator(ticker.MaxNLocator(4))
        self.ax_3d.view_init(elev=35, azim=-60)
        self.ax_3d.computed_zorder = False  # keep the runs (zorder 3) in front of the surface

    # --- controls that follow the state ----------------------------------------------------
    def sync_controls(self, changed) -> None:
        """A new mode's defaults, the controls of the mode, ``step`` within the run."""
        if "mode" in changed:
            later = changed[changed.index("mode") + 1:]
            self._apply_mode_defaults(self.controls["mode"].value, later)
        self._follow_mode()
        self._clamp_step(self.controls["steps"].value)

    def _apply_mode_defaults(self, mode: str, later) -> None:
        """A new mode starts where it shows something: its own start, lr and number of steps.

        Controls changed after the mode in the same update (``later``) keep their values; the
        step goes to the end of the default run (the slider's range still being the old one).
        """
        defaults = {**MODES[mode].defaults, "step": MODES[mode].defaults["steps"]}
        for name, value in defaults.items():
            if name not in later:
                self.controls[name].value = value

    def _follow_mode(self) -> None:
        """Show only the controls that matter in the current mode (and were not hidden)."""
        shown = MODES[self.controls["mode"].value].controls
        for name in MODE_CONTROLS:
            self.show_control(name, name in shown)

    def _clamp_step(self, steps: int) -> None:
        """Let ``step`` range over 0 … steps; a step at the end of the run stays at the end."""
        step = self.controls["step"]
        at_end = step.value == self._last_steps
        for name in ("step", "play"):
            self.controls[name].max = steps
        if at_end:
            step.value = steps
        self._last_steps = steps

    # --- computation -----------------------------------------------------------------------
    def compute(self) -> SurfaceData:
        """The landscape (cached), each optimiser's run and the 1-D slice for the current state."""
        state = self.state
        optimizers = tuple(state["optimizer"])
        if not optimizers:
            raise ValueError(f"optimizer must select at least one of {', '.join(OPTIMIZERS)}; got none")
        mode = state["mode"]
        if mode in TOY_MODES:
            landscape = self._toy_landscape(state)
            start = (state["start_x"], state["start_y"])
            runs = toy_runs(landscape.surface, start, optimizers, state["lr"], state["steps"])
            line = toy_line(landscape.surface, line_run(runs))
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

    def _toy_landscape(self, state) -> Landscape:
        """The toy mode's landscape for ``state`` (cached)."""
        mode = state["mode"]
        key = ("toy", mode, state["lambda1"], state["lambda2"], state["angle"])
        return self._cached(key, lambda: toy_landscape(
            mode, state["lambda1"], state["lambda2"], state["angle"]))

    @staticmethod
    def _network_slice(mode, optimizer, lr, steps, resolution, span):
        run = train_network(optimizer, lr, steps)
        landscape, path_run = network_landscape(MODES[mode].directions, run, resolution, span,
                                                seed=1)
        return landscape, path_run, network_line(run)

    def _cached(self, key, build):
        """Return the landscape for ``key``, building it only when the key changed."""
        if key != self._cache_key:
            self._cache = build()
            self._cache_key = key
        return self._cache

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, data: SurfaceData) -> None:
        """Update every artist in place; rebuild the filled contours only for a new landscape."""
        view = self.state["view"]
        self._arrange(view)
        if data.landscape is not self._drawn_landscape:
            self._draw_landscape(data.landscape, view)
        self._draw_runs(data)
        self._note_exits(data)
        self._draw_loss_curves(data)
        self._draw_line(data.line)
        self.set_caption(self._caption(data))

    def _arrange(self, view: str) -> None:
        both = view == "both"
        self.ax_contour.set_visible(view != "3d")
        self.colorbar_ax.set_visible(view != "3d")
        self.ax_3d.set_visible(view != "contour")
        self.ax_3d.title.set_visible(view == "3d")
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
        spacing = MODES[self.state["mode"]].levels
        levels = contour_levels(landscape.values, spacing)
        cmap = colormaps[SEQUENTIAL_CMAP]
        norm = BoundaryNorm(levels, cmap.N)
        values = np.clip(landscape.values, levels[0], levels[-1])
        if self._contour is not None:
            self._contour.remove()
        self._contour = self.ax_contour.contourf(landscape.xs, landscape.ys, values,
                                                 levels=levels, cmap=cmap, norm=norm)
        self.colorbar_ax.clear()
        colorbar = self.figure.colorbar(self._contour, cax=self.colorbar_ax)
        if spacing == "log":
            colorbar.locator = ticker.FixedLocator(levels[::5])
        else:
            colorbar.locator = nice_locator()
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
        # 3-D labels turn along their axes: short names stay clear of the tick labels, the
        # full ones go into the 3-D title (shown when the contour's labels are not)
        names = (short_name(landscape.xlabel), short_name(landscape.ylabel))
        self.ax_3d.set_xlabel(names[0], labelpad=LABEL_PAD_3D)
        self.ax_3d.set_ylabel(names[1], labelpad=LABEL_PAD_3D)
        title = landscape.title
        if names != (landscape.xlabel, landscape.ylabel):
            title += f"\n{landscape.xlabel}  ×  {landscape.ylabel}"
        self.ax_3d.set_title(title, fontsize=9)
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
            self.contour_legend = self.ax_contour.legend(
                handles=[self.path_lines[name] for name in names], loc="lower right",
                fontsize=8, framealpha=0.85)
            self._legend_names = names

    def _note_exits(self, data: SurfaceData) -> None:
        """Say where a run leaves the contour axes (its line is clipped there) or that the start
        lies off them; in the 3-D view alone, the same in one line under the 3-D box."""
        paths = {}
        for run in data.runs:
            _, index = current_point(run, data.step)
            paths[run.optimizer] = run.path[: index + 2]  # up to the first point not shown
        xlim, ylim = self.ax_contour.get_xlim(), self.ax_contour.get_ylim()
        notes = exits(paths, data.runs[0].path[0], xlim, ylim)
        if not self.ax_contour.get_visible():
            self.exit_notes.show([])
            self.note_3d.set_text(plain_notes(notes))
            return
        self.note_3d.set_text("")
        self.exit_notes.show(notes)
        shown = [*self.path_lines.values(), *self.path_points.values(), self.start_marker,
                 self.minimum_marker]
        emptiest_corner(self.contour_legend, shown, self.exit_notes.texts)

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
