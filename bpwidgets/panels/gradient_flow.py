"""Vanishing and exploding gradients, layer by layer, in a deep MLP on random data.

The panel draws what :func:`bpwidgets.core.gradflow.gradient_flow` measures:

- the norm of δˡ = dL/dzˡ and of dL/dWˡ per layer on a log axis (input side on the left), beside
  the linear-regime prediction: ‖δ‖ changes by √s per layer with s = n·Var[W],
- density curves of the activations and of log10|δ| for a few layers (as in Glorot & Bengio
  2010, Figs. 6-7), coloured from the first layer (dark) to the last (light),
- the fraction of saturated units per layer,
- the core's verdict sentence ("vanishing", "exploding" or "healthy").

Layers are numbered 1 … L from the input: layers 1 … depth are hidden, layer L = depth + 1 is
the linear output. Overflowing networks are drawn with × markers where values overflowed.
"""

from __future__ import annotations

import textwrap

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps, ticker
from matplotlib.transforms import ScaledTranslation, blended_transform_factory

from bpwidgets.core.activations import ACTIVATIONS
from bpwidgets.core.caching import MB, remembered
from bpwidgets.core.gradflow import FlowRun, gradient_flow
from bpwidgets.core.init import INITS
from bpwidgets.panels import background
from bpwidgets.panels.axes_style import lean_axes
from bpwidgets.panels.base import LABEL_STYLE, LOG_SLIDER_OPTIONS, SLIDER_OPTIONS, Panel
from bpwidgets.panels.legend_place import note_to_emptiest_corner
from bpwidgets.panels.palette import HIGHLIGHT, NEUTRAL, OKABE_ITO, SEQUENTIAL_CMAP

MAX_CURVES = 6  # density curves per histogram view: readable at depth 50
# Each shown layer's curve differs by line style or marker, not by colour alone
CURVE_STYLES = (("-", ""), ("--", ""), ("-.", ""), (":", ""), ("-", "o"), ("--", "s"))
INIT_CHOICES = (*INITS, "normal")  # "normal" draws N(0, std²) with the "std" control
DELTA_COLOUR = OKABE_ITO["blue"]
WEIGHT_GRAD_COLOUR = OKABE_ITO["orange"]
SATURATION_COLOUR = OKABE_ITO["reddish_purple"]
GRID_TOP = 0.85  # figure fraction: the plots' top under a verdict of up to two lines
VERDICT_WIDTH = 120  # characters per verdict line
VERDICT_LINE = 0.03  # figure fraction a further verdict line takes from the plots
RULE_DROP = 0.47  # inches below the saturation axes: the rule's line, under the x label


@remembered(maxsize=32, max_bytes=64 * MB)
def cached_flow(depth, width, activation, init, batch, seed, lr, steps):
    """The core's ``gradient_flow``, remembered: going back to a setting redraws at once.

    Safe to share: a ``GradientFlow`` is deterministic for its arguments, frozen, and its arrays
    are made read-only by the shared-cache policy (``bpwidgets.core.caching``).
    """
    with np.errstate(all="ignore"):  # an exploding network is drawn, not warned about
        return gradient_flow(depth=depth, width=width, activation=activation, init=init,
                             batch=batch, seed=seed, lr=lr, steps=steps)


def shown_layers(depth: int, count: int = MAX_CURVES) -> np.ndarray:
    """Up to ``count`` hidden layers (numbered from 1) spread evenly from first to last."""
    return np.unique(np.linspace(1, depth, min(depth, count)).round().astype(int))


def predicted_norms(norms, gains) -> np.ndarray:
    """‖δˡ‖ a per-layer variance gain predicts: the last hidden layer's ‖δ‖ times √gain per layer.

    ``gains[l]`` is the core's gain s between hidden layers l and l+1 (0-based), as in
    ``GradientFlow.linear_gains``; the output layer has no prediction (NaN).
    """
    predicted = np.full(len(norms), np.nan)
    last_hidden = len(norms) - 2
    predicted[last_hidden] = norms[last_hidden]
    with np.errstate(all="ignore"):
        for layer in reversed(range(last_hidden)):
            predicted[layer] = predicted[layer + 1] * np.sqrt(gains[layer])
    return predicted


def densities(histograms, layers) -> list[np.ndarray]:
    """Each chosen layer's histogram (layers numbered from 1) normalised to unit area."""
    widths = np.diff(histograms.edges)
    curves = []
    for layer in layers:
        counts = histograms.counts[layer - 1].astype(np.float64)
        total = counts.sum()
        curves.append(counts / (total * widths) if total else counts)
    return curves


def positive_limits(*arrays, pad=3.0) -> tuple[float, float]:
    """Log-axis limits around the finite positive entries of ``arrays``."""
    values = np.concatenate([np.ravel(a) for a in arrays])
    values = values[np.isfinite(values) & (values > 0)]
    if values.size == 0:
        return 1e-3, 1e3
    return values.min() / pad, values.max() * pad


def finite_or_nan(values) -> np.ndarray:
    """A float copy with inf replaced by NaN, which matplotlib draws as a gap."""
    values = np.array(values, dtype=np.float64)
    values[~np.isfinite(values)] = np.nan
    return values


class GradientFlowPanel(Panel):
    """Per-layer gradient norms, histograms and saturation of a deep MLP, with a verdict."""

    figsize = (10.0, 6.4)
    dpi = 90

    def __init__(self, *, hide=(), **state):
        self.flow = None
        self._run, self._run_key = None, None  # the training run being continued
        super().__init__(self._make_controls(), hide=hide, state=state)

    @staticmethod
    def _make_controls() -> dict:
        slider, log = SLIDER_OPTIONS, LOG_SLIDER_OPTIONS
        return {
            "depth": widgets.IntSlider(value=10, min=1, max=50, description="depth", **slider),
            "width": widgets.IntSlider(value=64, min=4, max=512, step=4, description="width",
                                       **slider),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value="tanh",
                                           description="activation", style=LABEL_STYLE),
            "init": widgets.Dropdown(options=INIT_CHOICES, value="standard", description="init",
                                     style=LABEL_STYLE),
            "std": widgets.FloatLogSlider(value=1.0, min=-3, max=0.5, step=0.05,
                                          description="std", **log),
            "batch": widgets.IntSlider(value=64, min=1, max=256, description="batch", **slider),
            "seed": widgets.IntSlider(value=0, min=0, max=20, description="seed", **slider),
            "steps": widgets.IntSlider(value=0, min=0, max=100, description="training steps",
                                       **slider),
            "lr": widgets.FloatLogSlider(value=0.01, min=-4, max=0, step=0.1, description="lr",
                                         **log),
        }

    def close(self) -> None:
        """Close the panel and free the remembered training run."""
        self._run, self._run_key = None, None
        super().close()

    def arrange_controls(self):
        """Two rows: the network, then the data and training."""
        c = self.controls
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        return [
            widgets.HBox([c[n] for n in ("depth", "width", "activation", "init", "std")],
                         layout=wrap),
            widgets.HBox([c[n] for n in ("batch", "seed", "steps", "lr")], layout=wrap),
        ]

    def export_grid(self) -> dict[str, list]:
        """A static page's choices: three activations × three inits × three depths (27 frames)."""
        return {"activation": ["tanh", "sigmoid", "relu"], "init": ["standard", "xavier", "he"],
                "depth": [5, 20, 50]}

    # --- figure ----------------------------------------------------------------------------
    def setup_figure(self, figure):
        """Four axes: norms, saturation, activation densities, gradient densities; a verdict."""
        grid = figure.add_gridspec(2, 2, left=0.08, right=0.87, top=GRID_TOP, bottom=0.09,
                                   hspace=0.5, wspace=0.2, width_ratios=[1.45, 1])
        self._grid = grid
        self.ax_norms = figure.add_subplot(grid[0, 0])
        self.ax_saturation = figure.add_subplot(grid[0, 1])
        self.ax_activations = figure.add_subplot(grid[1, 0])
        self.ax_gradients = figure.add_subplot(grid[1, 1])
        self.verdict = figure.text(0.5, 0.975, "", ha="center", va="top", fontsize=10.5)
        self._setup_norms(self.ax_norms)
        self._setup_saturation(self.ax_saturation)
        self.activation_curves = self._setup_density(
            self.ax_activations, "Activations hˡ of hidden layers", "activation value")
        self.gradient_curves = self._setup_density(
            self.ax_gradients, "Back-propagated gradients δˡ", "log₁₀ |δ|")
        self.layer_legend = None
        self.legend_layers = None  # the layers the legend lists, to rebuild it only on change

    def _setup_norms(self, ax):
        ax.set_yscale("log")
        ax.yaxis.set_major_locator(ticker.LogLocator(numticks=6))
        ax.yaxis.set_minor_locator(ticker.NullLocator())
        (self.delta_line,) = ax.plot([], [], "o-", color=DELTA_COLOUR, ms=3, lw=1.5,
                                     label="‖δˡ‖")
        (self.weight_line,) = ax.plot([], [], "s-", color=WEIGHT_GRAD_COLOUR, ms=3, lw=1.5,
                                      label="‖∂L/∂Wˡ‖")
        (self.predicted_line,) = ax.plot([], [], "--", color=NEUTRAL, lw=1.3,
                                         label="‖δˡ‖ predicted: ×√(n·Var W) per layer")
        (self.corrected_line,) = ax.plot([], [], ":", color=NEUTRAL, lw=1.5,
                                         label="with this batch's E[f′²]")
        on_top = blended_transform_factory(ax.transData, ax.transAxes)
        (self.overflow_markers,) = ax.plot([], [], "x", color=HIGHLIGHT, ms=7, mew=2,
                                           transform=on_top, clip_on=False,
                                           label="overflow")
        self.overflow_text = ax.text(0.5, 0.35, "", transform=ax.transAxes, ha="center",
                                     va="center", color=HIGHLIGHT, fontsize=9,
                                     bbox={"fc": "white", "ec": HIGHLIGHT, "alpha": 0.9})
        ax.set_xlabel("layer  (1 = first hidden → L = output)")
        ax.set_ylabel("gradient norm (log)")
        self.offscale_note = ax.text(0, 0, "", fontsize=8, color=NEUTRAL,
                                     transform=ax.transAxes)
        self.norms_legend = ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0),
                                      ncols=3, frameon=False, columnspacing=1.0,
                                      handlelength=1.8, borderaxespad=0.2)
        _lean_axes(ax, label_drop=0.3)

    def _setup_saturation(self, ax):
        self.saturation_bars = ax.stairs([0.0], [0.5, 1.5], fill=True, color=SATURATION_COLOUR,
                                         alpha=0.8)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(ticker.PercentFormatter(1.0, decimals=0))
        ax.set_title("Saturated units per layer", fontsize=10, y=1.0)  # y: no auto-placing
        ax.set_xlabel("layer")
        below_label = ax.transAxes + ScaledTranslation(0, -RULE_DROP, ax.figure.dpi_scale_trans)
        self.saturation_note = ax.text(0.5, 0, "", transform=below_label, ha="center",
                                       va="top", fontsize=8, color=NEUTRAL)
        self.saturation_empty = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center",
                                        va="center", fontsize=9, color=NEUTRAL)
        _lean_axes(ax, label_drop=0.3)

    @staticmethod
    def _setup_density(ax, title, xlabel):
        curves = [ax.plot([], [], lw=1.5, ls=style, marker=marker, ms=3.5, markevery=6)[0]
                  for style, marker in CURVE_STYLES]
        ax.empty_note = ax.text(0.5, 0.5, "no finite values to bin", transform=ax.transAxes,
                                ha="center", va="center", color=HIGHLIGHT, fontsize=9)
        ax.set_title(title, fontsize=10, y=1.0)  # a fixed y spares measuring the tick labels
        ax.set_xlabel(xlabel)
        ax.set_ylabel("density")
        _lean_axes(ax)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
        return curves

    # --- computation -----------------------------------------------------------------------
    def sync_controls(self, changed) -> None:
        """``std`` is shown only for the "normal" init; ``lr`` matters only with training steps."""
        self.show_control("std", self.controls["init"].value == "normal")
        self.controls["lr"].disabled = self.controls["steps"].value == 0

    def compute(self):
        """The core's gradient-flow statistics for the current controls.

        Training continues the remembered run of the same network and lr: moving "training
        steps" from k to k + m trains m steps, moving back is a lookup (the run keeps one
        picture per step). Each step is a checkpoint: a newer state stops the training there,
        and the picture of the step reached is shown while it goes on.
        """
        state = self.state
        init = state["std"] if state["init"] == "normal" else state["init"]
        network = (state["depth"], state["width"], state["activation"], init, state["batch"],
                   state["seed"])
        if state["steps"] == 0:
            return cached_flow(*network, state["lr"], 0)
        if self._run_key != (*network, state["lr"]):
            self._run, self._run_key = None, None  # free the old run's network first
            self._run = FlowRun(*network, lr=state["lr"])
            self._run_key = (*network, state["lr"])
        return self._run.flow_at(state["steps"], on_step=_report_step)

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, flow) -> None:
        """Update every artist from the core's ``GradientFlow``."""
        self.flow = flow
        layers = np.arange(1, len(flow.deltas.norm) + 1)
        self._draw_norms(flow, layers)
        edges = np.append(layers - 0.5, layers[-1] + 0.5)
        self.saturation_bars.set_data(np.nan_to_num(flow.saturation), edges)
        self.ax_saturation.set_xlim(edges[0], edges[-1])
        rule = "\n".join(textwrap.wrap(f"saturated: {flow.saturation_rule}", 80))
        none = not np.nanmax(np.nan_to_num(flow.saturation)) > 0
        self.saturation_note.set_text("" if none else rule)
        self.saturation_empty.set_text(
            "No saturated units in any layer\n" + "\n".join(textwrap.wrap(
                f"(a unit counts as saturated when {flow.saturation_rule})", 44))
            if none else "")
        depth = len(layers) - 1
        chosen = shown_layers(depth)
        self._draw_densities(self.ax_activations, self.activation_curves,
                             flow.activations.histograms, chosen, depth)
        self._draw_densities(self.ax_gradients, self.gradient_curves,
                             flow.deltas.histograms, chosen, depth)
        self._draw_layer_legend(chosen)
        self._show_verdict(flow)
        self.verdict.set_color(NEUTRAL if flow.verdict == "healthy" else HIGHLIGHT)
        self.set_caption(_caption(flow))

    def _show_verdict(self, flow) -> None:
        """The verdict above the plots; a long one (a diverged run) moves the plots down."""
        lines = textwrap.wrap(_sentence(flow.message), VERDICT_WIDTH)
        self.verdict.set_text("\n".join(lines))
        top = GRID_TOP - VERDICT_LINE * max(0, len(lines) - 2)
        if self._grid.top != top:
            self._grid.update(top=top)  # moves only pyplot's axes: move ours
            for ax in (self.ax_norms, self.ax_saturation, self.ax_activations, self.ax_gradients):
                ax.set_position(ax.get_subplotspec().get_position(self.figure))

    def _draw_norms(self, flow, layers) -> None:
        delta = finite_or_nan(flow.deltas.norm)
        weight = finite_or_nan(flow.weight_grads.norm)
        predicted = finite_or_nan(predicted_norms(flow.deltas.norm, flow.linear_gains))
        corrected = finite_or_nan(predicted_norms(flow.deltas.norm, flow.predicted_gains))
        self.delta_line.set_data(layers, delta)
        self.weight_line.set_data(layers, weight)
        self.predicted_line.set_data(layers, predicted)
        self.corrected_line.set_data(layers, corrected)
        broken = np.isnan(delta) | np.isnan(weight)
        self.overflow_markers.set_data(layers[broken], np.full(broken.sum(), 0.97))
        message = ""
        if broken.any():
            message = (f"{broken.sum()} of {len(layers)} layers overflowed (×):\n"
                       "their values went beyond float64's range")
        self.overflow_text.set_text(message)
        self.overflow_text.set_visible(bool(message))
        self.ax_norms.set_xlim(0.5, layers[-1] + 0.5)
        measured = (delta, weight) if np.isfinite(delta).any() else (predicted, corrected)
        low, high = positive_limits(*measured)
        self.ax_norms.set_ylim(low, high)
        self._note_offscale(layers, predicted, low, high)

    def _note_offscale(self, layers, predicted, low, high) -> None:
        """The axis follows the measured curves; a prediction beyond it is clipped at the edge
        with an arrow note saying how far off it goes."""
        with np.errstate(invalid="ignore"):
            above, below = predicted > high, predicted < low
        if not (above.any() or below.any()):
            self.offscale_note.set_text("")
            return
        worst = np.nanargmax(predicted) if above.any() else np.nanargmin(predicted)
        arrow = "↑" if above.any() else "↓"
        self.offscale_note.set_text(f"{arrow} prediction off the scale: "
                                    f"{predicted[worst]:.1e} at layer {layers[worst]}")
        curves = (self.delta_line, self.weight_line, self.predicted_line, self.corrected_line)
        note_to_emptiest_corner(self.offscale_note, curves, (self.overflow_text,))

    @staticmethod
    def _draw_densities(ax, curves, histograms, chosen, depth) -> None:
        centres = 0.5 * (histograms.edges[:-1] + histograms.edges[1:])
        cmap = colormaps[SEQUENTIAL_CMAP]
        peak = 0.0
        for curve in curves:
            curve.set_visible(False)
        for curve, layer, density in zip(curves, chosen, densities(histograms, chosen),
                                         strict=False):
            curve.set_data(centres, density)
            curve.set_color(cmap(0.92 * (layer - 1) / max(depth - 1, 1)))
            curve.set_label(f"layer {layer}")
            curve.set_visible(True)
            peak = max(peak, float(density.max()))
        ax.set_xlim(histograms.edges[0], histograms.edges[-1])
        ax.set_ylim(0, peak * 1.08 if peak > 0 else 1.0)
        ax.empty_note.set_visible(peak == 0)

    def _draw_layer_legend(self, chosen) -> None:
        """The legend of the shown layers; their labels and colours change only with the depth."""
        if self.legend_layers == tuple(chosen):
            return
        self.legend_layers = tuple(chosen)
        if self.layer_legend is not None:
            self.layer_legend.remove()
        handles = self.activation_curves[: len(chosen)]
        self.layer_legend = self.figure.legend(handles=handles, loc="center right",
                                               bbox_to_anchor=(0.995, 0.28), fontsize=8,
                                               title="shown layers", title_fontsize=8, frameon=False)

    def describe(self) -> str:
        """A text description of the picture for screen readers and the static export."""
        flow = self.flow
        if flow is None:
            return "Gradient flow panel."
        depth = len(flow.deltas.norm) - 1
        return (
            f"A {self.state['activation']} network with {depth} hidden layers of width "
            f"{self.state['width']}: per-layer norms of δ and dL/dW on a log axis with the "
            f"linear-regime prediction, activation and gradient densities for layers "
            f"{', '.join(map(str, shown_layers(depth)))}, and saturation per layer. "
            f"Verdict: {_sentence(flow.message)}"
        )


def _report_step(step: int, steps: int, flow) -> None:
    """After each training step in the worker: stop if superseded, else report and show it."""
    background.checkpoint("training step", step, steps)
    background.show_partial(flow)


def _caption(flow) -> str:
    """One line with the measured and predicted factor per layer, or where overflow began;
    layers counted as the axes count them (1 = first hidden), no 'nan' in the text."""
    if not flow.finite:
        where = ("" if flow.first_nonfinite_layer is None
                 else f" (first in layer {flow.first_nonfinite_layer + 1})")
        return f"{flow.verdict}: values overflowed beyond float64's range{where}"
    factors = (flow.measured_factor, flow.linear_factor, flow.predicted_factor)
    if len(flow.measured_factors) == 0:
        return f"{flow.verdict}: one hidden layer, no factor per layer; loss {flow.loss:.3g}"
    measured, linear, predicted = (_factor(f) for f in factors)
    return (f"{flow.verdict}: ‖δ‖ {measured} per layer measured, {linear} predicted in the "
            f"linear regime ({predicted} with this batch's f′); loss {flow.loss:.3g}")


def _factor(value: float) -> str:
    """A per-layer factor for the caption: '×0.97', or 'not measurable' (no gradient left)."""
    return f"×{value:.3g}" if np.isfinite(value) and value > 0 else "not measurable"


def _sentence(message: str) -> str:
    """The core's verdict as a sentence: capital first letter, final full stop."""
    message = message.strip()
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def _lean_axes(ax, label_drop=0.32) -> None:
    """The shared lean axes with this panel's ticks: whole layer numbers, four y ticks."""
    lean_axes(ax, ticker.MaxNLocator(5, integer=True), ticker.MaxNLocator(4),
              label_drop=label_drop, label_left=0.55)
