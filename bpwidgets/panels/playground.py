"""A training playground in the spirit of the TensorFlow Playground, on the bpwidgets core.

Pick a data set, its noise, the hidden layers and neurons, the activation, the learning rate,
L2 regularisation and the batch size, then press play (or call ``panel.step(n)``). The panel
shows the network's decision P(class 1) over the plane with the training and test points, the
training and test loss per step, the accuracy, and ‖∂L/∂Wˡ‖ per layer (the gradient-flow idea
on a network small enough to train live).

The network is ``MLP`` with a sigmoid output trained on binary cross-entropy by ``train``;
L2 regularisation is the optimiser's ``weight_decay`` (PyTorch's convention, biases included).
Changing the data or the architecture starts a new network; changing lr, l2, the batch size or
the optimiser keeps the weights and continues from them.
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps, ticker
from matplotlib.colors import to_rgba
from matplotlib.transforms import ScaledTranslation

from bpwidgets.core.activations import ACTIVATIONS
from bpwidgets.core.datasets import make_dataset, train_test_split
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import OPTIMIZERS, make_optimizer
from bpwidgets.core.train import train
from bpwidgets.core.validate import check_positive_int
from bpwidgets.panels.axes_style import lean_axes, log_ticks, nice_locator
from bpwidgets.panels.base import LABEL_STYLE, LOG_SLIDER_OPTIONS, SLIDER_OPTIONS, Panel
from bpwidgets.panels.palette import DIVERGING_CMAP, NEUTRAL, OKABE_ITO

DATASETS = ("moons", "circles", "spiral", "xor", "blobs")  # the two-class sets of the core
L2_CHOICES = (0.0, 1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
POINTS = 200
TEST_FRACTION = 0.5
GRID = 60  # decision heatmap resolution per axis
STEPS_PER_FRAME = 5  # training steps per Play tick and per "step" click
TRAIN_COLOUR = OKABE_ITO["blue"]
TEST_COLOUR = OKABE_ITO["orange"]
GRADIENT_COLOUR = OKABE_ITO["bluish_green"]
LEGEND_DROP = 0.37  # inches below the loss axes: the middle of its x label's line
SETUP_CONTROLS = ("dataset", "noise", "layers", "neurons", "activation", "seed")


@dataclass(frozen=True)
class Picture:
    """What one frame shows: decision grid, losses so far, accuracy, gradient norm per layer."""

    probabilities: np.ndarray  # (GRID, GRID), P(class 1) at (xs[i], ys[j]) in [j, i]
    extent: tuple
    steps: np.ndarray
    train_losses: np.ndarray
    test_losses: np.ndarray
    train_accuracy: float
    test_accuracy: float
    gradient_norms: np.ndarray  # ‖∂L/∂Wˡ‖ on the whole training set, per layer


def accuracy(net: MLP, X, y) -> float:
    """The fraction of points whose predicted class (P(class 1) > 0.5) is their label."""
    return float(np.mean((net.forward(X)[:, 0] > 0.5) == (y == 1)))


def plot_window(X, margin=0.5) -> tuple:
    """``(x0, x1, y0, y1)`` around the data with a margin, as for ``imshow``'s extent."""
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    return (low[0], high[0], low[1], high[1])


class PlaygroundPanel(Panel):
    """Train a small network on a 2-D data set and watch its decision boundary form."""

    figsize = (10.0, 4.6)
    dpi = 90

    def __init__(self, *, hide=(), **state):
        self._setup_key = None
        self.net = None
        self.steps_done = 0
        super().__init__(self._make_controls(), hide=hide, state=state)
        self.controls["play"].observe(self._on_play, names="value")
        self.controls["step"].on_click(lambda _button: self.step(STEPS_PER_FRAME))
        self.controls["reset"].on_click(lambda _button: self.reset())

    @staticmethod
    def _make_controls() -> dict:
        return {
            "dataset": widgets.Dropdown(options=DATASETS, value="moons", description="data",
                                        style=LABEL_STYLE),
            "noise": widgets.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.05,
                                         description="noise", **SLIDER_OPTIONS),
            "layers": widgets.IntSlider(value=2, min=0, max=6, description="hidden layers",
                                        **SLIDER_OPTIONS),
            "neurons": widgets.IntSlider(value=8, min=1, max=16, description="neurons",
                                         **SLIDER_OPTIONS),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value="tanh",
                                           description="activation", style=LABEL_STYLE),
            "optimizer": widgets.Dropdown(options=OPTIMIZERS, value="sgd",
                                          description="optimiser", style=LABEL_STYLE),
            "lr": widgets.FloatLogSlider(value=0.3, min=-3, max=0.5, step=0.1,
                                         description="lr", **LOG_SLIDER_OPTIONS),
            "l2": widgets.Dropdown(options=L2_CHOICES, value=0.0, description="L2",
                                   style=LABEL_STYLE),
            "batch_size": widgets.IntSlider(value=10, min=1, max=POINTS, description="batch",
                                            **SLIDER_OPTIONS),
            "seed": widgets.IntSlider(value=0, min=0, max=20, description="seed", **SLIDER_OPTIONS),
            "play": widgets.Play(value=0, min=0, max=10**6, interval=100, show_repeat=False,
                                 description="train"),
            "step": widgets.Button(description=f"+{STEPS_PER_FRAME} steps",
                                   tooltip=f"train {STEPS_PER_FRAME} more steps"),
            "reset": widgets.Button(description="reset", tooltip="start again from a new network"),
        }

    def arrange_controls(self):
        """Three rows: data, network, training."""
        c = self.controls
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        rows = (("dataset", "noise", "seed"), ("layers", "neurons", "activation"),
                ("play", "step", "reset", "optimizer", "lr", "l2", "batch_size"))
        return [widgets.HBox([c[name] for name in row], layout=wrap) for row in rows]

    def export_grid(self) -> dict[str, list]:
        """A static page cannot train: it shows each data set with the untrained network."""
        return {"dataset": list(DATASETS)}

    # --- training --------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        """Train ``n`` more steps (minibatches) and redraw once."""
        n = check_positive_int("n", n)
        if self._setup_key != self._current_setup():
            self.refresh()  # a pending setup change starts a new network first
        with np.errstate(all="ignore"):  # a diverging run is shown as such, not warned about
            self._train(n)
        self.refresh()

    def reset(self) -> None:
        """Start again from a fresh network with the current controls."""
        self._setup_key = None
        self.refresh()

    def _on_play(self, change) -> None:
        if change["new"] > change["old"]:
            self.step(STEPS_PER_FRAME)

    def _train(self, n: int) -> None:
        state = self.state
        if self._optimizer_key != (state["optimizer"], state["lr"], state["l2"]):
            self._new_optimizer()

        def record(step, loss):
            self.train_losses.append(self.net.loss(self.X_train, self.Y_train, "bce"))
            self.test_losses.append(self.net.loss(self.X_test, self.Y_test, "bce"))
            return step < n

        batches = -(-len(self.X_train) // min(state["batch_size"], len(self.X_train)))
        train(self.net, self.X_train, self.Y_train, "bce", self.optimizer,
              epochs=-(-n // batches), batch_size=min(state["batch_size"], len(self.X_train)),
              seed=self.steps_done, callback=record)
        self.steps_done = len(self.train_losses) - 1

    def _new_optimizer(self) -> None:
        state = self.state
        self.optimizer = make_optimizer(state["optimizer"], state["lr"], weight_decay=state["l2"])
        self._optimizer_key = (state["optimizer"], state["lr"], state["l2"])

    def _current_setup(self) -> tuple:
        state = self.state
        return tuple(state[name] for name in SETUP_CONTROLS)

    def _start(self) -> None:
        """New data and a new network for the current setup; training curves start at step 0."""
        state = self.state
        options = {"classes": 2} if state["dataset"] == "spiral" else {}
        X, y = make_dataset(state["dataset"], n=POINTS, noise=state["noise"], seed=state["seed"],
                            **options)
        self.X_train, self.X_test, self.y_train, self.y_test = train_test_split(
            X, y, test_fraction=TEST_FRACTION, seed=state["seed"])
        self.Y_train = self.y_train.astype(np.float64)
        self.Y_test = self.y_test.astype(np.float64)
        sizes = [2] + [state["neurons"]] * state["layers"] + [1]
        self.net = MLP(sizes, activation=state["activation"], output_activation="sigmoid",
                       init="xavier", seed=state["seed"])
        self._new_optimizer()
        self.train_losses = [self.net.loss(self.X_train, self.Y_train, "bce")]
        self.test_losses = [self.net.loss(self.X_test, self.Y_test, "bce")]
        self.steps_done = 0
        self.window = plot_window(X)
        self._setup_key = self._current_setup()

    # --- figure ----------------------------------------------------------------------------
    def setup_figure(self, figure):
        """Decision heatmap with points; loss curves; gradient norm per layer."""
        self.ax_decision = figure.add_axes((0.055, 0.17, 0.36, 0.71))
        self.ax_loss = figure.add_axes((0.53, 0.58, 0.44, 0.30))
        self.ax_gradients = figure.add_axes((0.53, 0.12, 0.44, 0.26))
        cmap = colormaps[DIVERGING_CMAP]
        self.heatmap = self.ax_decision.imshow(np.full((2, 2), 0.5), origin="lower",
                                               extent=(0, 1, 0, 1), cmap=cmap, vmin=0, vmax=1,
                                               aspect="auto", interpolation="bilinear",
                                               alpha=0.7)
        self.class_colours = np.array([cmap(0.1), cmap(0.9)])
        # faces, edges and widths follow each point's class: _draw_points
        self.train_points = self.ax_decision.scatter([], [], s=18, label="train")
        self.test_points = self.ax_decision.scatter([], [], s=18, marker="^", label="test")
        # A text key instead of a legend: legends are re-laid-out on every redraw.
        self.ax_decision.text(0.5, -0.15, "● train   ▲ test   hollow orange: class 0   "
                              "filled purple: class 1",
                              transform=self.ax_decision.transAxes, ha="center", va="top",
                              fontsize=8, color=NEUTRAL)
        self.ax_decision.set_xlabel("x₁", labelpad=0)
        self.ax_decision.set_ylabel("x₂")
        (self.train_curve,) = self.ax_loss.plot([], [], color=TRAIN_COLOUR, lw=1.6,
                                                label="train")
        (self.test_curve,) = self.ax_loss.plot([], [], "--", color=TEST_COLOUR, lw=1.6,
                                               label="test")
        # Beside the x label, outside the axes: noisy curves at a large lr fill every corner
        beside_label = self.ax_loss.transAxes + ScaledTranslation(0, -LEGEND_DROP,
                                                                  figure.dpi_scale_trans)
        self.loss_legend = self.ax_loss.legend(
            loc="center right", bbox_to_anchor=(1.0, 0.0), bbox_transform=beside_label,
            ncols=2, fontsize=8, frameon=False, borderaxespad=0, handlelength=1.5,
            columnspacing=1.0)
        self.ax_loss.set_xlabel("training step")
        self.ax_loss.set_ylabel("BCE loss")
        (self.gradient_line,) = self.ax_gradients.plot([], [], "o-", color=GRADIENT_COLOUR,
                                                       ms=5, lw=1.5)
        for ax in (self.ax_loss, self.ax_gradients):
            ax.set_yscale("log")
            ax.yaxis.set_minor_locator(ticker.NullLocator())
        self.ax_gradients.set_title("‖∂L/∂Wˡ‖ per layer, on the training set", fontsize=10)
        self.ax_gradients.set_xlabel("layer (input → output)")
        for ax in (self.ax_decision, self.ax_loss, self.ax_gradients):
            lean_axes(ax, nice_locator(integer=True), nice_locator())
            ax.title.set_color(NEUTRAL)

    # --- computation -----------------------------------------------------------------------
    def sync_controls(self, changed) -> None:
        """A change of data or architecture starts a new network (its training curves at 0)."""
        if self._setup_key != self._current_setup():
            self._start()

    def compute(self) -> Picture:
        """Evaluate the current network: decision grid, losses so far, accuracy, gradients."""
        x0, x1, y0, y1 = self.window
        xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        with np.errstate(all="ignore"):
            probabilities = self.net.forward(grid)[:, 0].reshape(GRID, GRID)
            grads = self.net.gradients(self.X_train, self.Y_train, "bce")
            norms = np.array([np.linalg.norm(w) for w in grads.weights])
        return Picture(
            probabilities, self.window, np.arange(len(self.train_losses)),
            np.array(self.train_losses), np.array(self.test_losses),
            accuracy(self.net, self.X_train, self.y_train),
            accuracy(self.net, self.X_test, self.y_test), norms,
        )

    # --- drawing ---------------------------------------------------------------------------
    def _draw_points(self, points, X, y, edge: str) -> None:
        """Class 0 hollow (a ring of its colour), class 1 filled: the class shows without
        telling the two colours apart."""
        colours = self.class_colours[y]
        points.set_offsets(X)
        points.set_facecolors(np.where((y == 1)[:, None], colours, (1.0, 1.0, 1.0, 1.0)))
        points.set_edgecolors(np.where((y == 1)[:, None], to_rgba(edge), colours))
        points.set_linewidths(np.where(y == 1, 0.7, 1.3))

    def draw(self, picture: Picture) -> None:
        """Update the heatmap (set_data), the points, the curves and the gradient strip."""
        self.heatmap.set_data(np.nan_to_num(picture.probabilities, nan=0.5))
        if self.heatmap.get_extent() != list(picture.extent):
            self.heatmap.set_extent(picture.extent)
            self.ax_decision.set_xlim(picture.extent[:2])
            self.ax_decision.set_ylim(picture.extent[2:])
        self._draw_points(self.train_points, self.X_train, self.y_train, edge="white")
        self._draw_points(self.test_points, self.X_test, self.y_test, edge="black")
        self.ax_decision.set_title(
            f"P(class 1) after {self.steps_done} steps — accuracy train "
            f"{picture.train_accuracy:.0%}, test {picture.test_accuracy:.0%}", fontsize=10)
        self._draw_losses(picture)
        self._draw_gradients(picture.gradient_norms)
        self.set_caption(
            f"step {self.steps_done}: train loss {picture.train_losses[-1]:.3g}, test loss "
            f"{picture.test_losses[-1]:.3g}; accuracy train {picture.train_accuracy:.1%}, "
            f"test {picture.test_accuracy:.1%}"
        )

    def _draw_losses(self, picture: Picture) -> None:
        self.train_curve.set_data(picture.steps, picture.train_losses)
        self.test_curve.set_data(picture.steps, picture.test_losses)
        self.ax_loss.set_xlim(0, max(picture.steps[-1], 10))
        values = np.concatenate([picture.train_losses, picture.test_losses])
        values = values[np.isfinite(values) & (values > 0)]
        if values.size:
            low, high = values.min() / 1.5, values.max() * 1.5
            self.ax_loss.set_ylim(low, high)
            log_ticks(self.ax_loss.yaxis, low, high)
        state = self.state
        self.ax_loss.set_title(f"Loss — train {picture.train_losses[-1]:.3g}, test "
                               f"{picture.test_losses[-1]:.3g}  ({state['optimizer']}, lr "
                               f"{state['lr']:.3g}, L2 {state['l2']:g}, batch "
                               f"{state['batch_size']})", fontsize=9.5)

    def _draw_gradients(self, norms) -> None:
        layers = np.arange(1, len(norms) + 1)
        shown = np.where(np.isfinite(norms) & (norms > 0), norms, np.nan)
        self.gradient_line.set_data(layers, shown)
        self.ax_gradients.set_xlim(0.5, len(norms) + 0.5)
        self.ax_gradients.set_xticks(layers)  # at most 7 layers: one labelled tick each
        finite = shown[np.isfinite(shown)]
        if finite.size:
            low, high = finite.min() / 3, finite.max() * 3
            self.ax_gradients.set_ylim(low, high)
            log_ticks(self.ax_gradients.yaxis, low, high)

    def describe(self) -> str:
        """A text description of the picture for screen readers and the static export."""
        state = self.state
        return (
            f"A network with {state['layers']} hidden layers of {state['neurons']} "
            f"{state['activation']} neurons on the {state['dataset']} data (noise "
            f"{state['noise']:g}): its decision P(class 1) over the plane with the training "
            f"(circles) and test (triangles) points, the loss per step and the gradient norm "
            f"per layer. {self.caption_text}"
        )
