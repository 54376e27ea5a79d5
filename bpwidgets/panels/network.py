"""A neuron-level view of a small MLP: weights, gradients and SGD updates on its edges.

By default it shows Matt Mazur's 2-2-2 sigmoid network with his inputs, targets and learning
rate; the loss is "mse", which for two outputs equals Mazur's E = Σ ½ (target − out)².

What the panel shows is a plain function of its controls: the network after ``steps`` SGD
steps at learning rate ``lr`` from the initial network, its loss, its gradients and the update
the next step would apply. Pressing "SGD step" increments ``steps``; "reset" sets it to 0.
With a batch of several examples, neuron colours show the batch mean.

SGD here updates weights and biases, as ``bpwidgets.core.optim.SGD`` does; Mazur's article
updates only the weights, so after one step his E is 0.291028 where this panel shows 0.280471
(the updated weights themselves, e.g. w5 = 0.35891648, agree with his).
"""

from __future__ import annotations

from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.patches import Circle

from bpwidgets.core.activations import ACTIVATIONS
from bpwidgets.core.losses import loss_function
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import SGD
from bpwidgets.core.validate import check_choice, check_positive
from bpwidgets.core.worked_examples import MAZUR_LEARNING_RATE, mazur_network
from bpwidgets.panels import background
from bpwidgets.panels.base import LABEL_STYLE, Panel
from bpwidgets.panels.colour_legend import ColourLegend
from bpwidgets.panels.palette import DIVERGING_CMAP, MUTED, NEUTRAL, SEQUENTIAL_CMAP
from bpwidgets.panels.quiz import QUIZ_LOG, NetworkQuiz, QuizMixin

MAX_LAYERS = 4  # weight layers drawn at most
MAX_WIDTH = 8  # neurons per layer drawn at most
MAX_STEPS = 10_000  # SGD steps the panel replays at most
MAX_REMEMBERED = 256  # networks of the trajectory kept at most (thinned beyond)
COLUMN_PITCH = 3.0  # data units between layers
ROW_PITCH = 1.35  # data units between neurons of a layer
NEURON_RADIUS = 0.42
NEGATIVE_DASHES = (0, (2.5, 1.5))  # edges with a negative value: dashed (sign not by colour only)
SELECTED_OUTLINE = "black"  # not a PuOr colour, so it never blends into an edge

EDGE_VIEWS = {"weight": "weight w", "gradient": "gradient ∂L/∂w", "update": "update −lr·∂L/∂w"}
NODE_VIEWS = {"activation": "activation out", "delta": "δ = ∂L/∂net"}

# Mazur's names: weight name -> (layer, i, j), i.e. weights[layer][i, j] feeds unit j from unit i.
MAZUR_WEIGHTS = {
    "w1": (0, 0, 0), "w2": (0, 1, 0), "w3": (0, 0, 1), "w4": (0, 1, 1),
    "w5": (1, 0, 0), "w6": (1, 1, 0), "w7": (1, 0, 1), "w8": (1, 1, 1),
}
MAZUR_NEURONS = (("i1", "i2"), ("h1", "h2"), ("o1", "o2"))


@dataclass(frozen=True)
class WeightReport:
    """One weight's value, gradient, next update and the chain-rule product behind its gradient."""

    name: str
    value: float
    gradient: float
    update: float
    factors: tuple  # (∂L/∂out_j, ∂out_j/∂net_j, ∂net_j/∂w) for a batch of one, else ()
    formula: str


def check_network_size(net: MLP) -> None:
    """Raise ValueError if ``net`` is too large to draw neuron by neuron."""
    sizes = list(net.sizes)
    if len(sizes) - 1 > MAX_LAYERS or max(sizes) > MAX_WIDTH:
        raise ValueError(
            f"net must have at most {MAX_LAYERS} layers of at most {MAX_WIDTH} neurons "
            f"to be drawn neuron by neuron; got sizes {sizes}"
        )


def neuron_names(sizes, mazur: bool) -> list[list[str]]:
    """Display names per layer: Mazur's i1, h1, o1 or x[0], h1[0], y[0]."""
    if mazur:
        return [list(layer) for layer in MAZUR_NEURONS]
    last = len(sizes) - 1
    prefixes = ["x", *(f"h{layer}" for layer in range(1, last)), "y"]
    return [[f"{prefixes[layer]}[{k}]" for k in range(n)] for layer, n in enumerate(sizes)]


def weight_names(sizes, mazur: bool) -> dict[str, tuple[int, int, int]]:
    """Weight name -> (layer, i, j); layer numbers start at 1 as in Wˡ (weights[0] is W1)."""
    if mazur:
        return dict(MAZUR_WEIGHTS)
    names = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        for i in range(n_in):
            for j in range(n_out):
                names[f"W{layer + 1}[{i},{j}]"] = (layer, i, j)
    return names


def weight_report(net: MLP, grads, Y, loss: str, lr: float, name: str, where, neurons,
                  symbol: str = "L") -> WeightReport:
    """Explain ∂L/∂w for one weight as ∂L/∂out_j · ∂out_j/∂net_j · ∂net_j/∂w from the core's data."""
    layer, i, j = where
    value = float(net.weights[layer][i, j])
    gradient = float(grads.weights[layer][i, j])
    out_j, source = neurons[layer + 1][j], neurons[layer][i]
    net_j = f"net_{out_j}"
    if len(grads.activations[0]) != 1:
        formula = (f"∂{symbol}/∂{name} = Σ over {len(grads.activations[0])} examples of "
                   f"∂{symbol}/∂out_{out_j} · ∂out_{out_j}/∂{net_j} · ∂{net_j}/∂{name}"
                   f" = {gradient:.6g}")
        return WeightReport(name, value, gradient, -lr * gradient, (), formula)
    upstream = float(_upstream(net, grads, Y, loss, layer)[0, j])
    activation = net.output_activation if layer == len(net.weights) - 1 else net.activation
    slope = float(ACTIVATIONS[activation].df(grads.preactivations[layer])[0, j])
    incoming = float(grads.activations[layer][0, i])  # ∂net_j/∂w = out of the source neuron
    formula = (
        f"∂{symbol}/∂{name} = ∂{symbol}/∂out_{out_j} · ∂out_{out_j}/∂{net_j} · ∂{net_j}/∂{name}"
        f" = {upstream:.4g} · {slope:.4g} · {incoming:.4g} = {gradient:.4g}"
        f"   (∂{net_j}/∂{name} = out_{source})"
    )
    return WeightReport(name, value, gradient, -lr * gradient, (upstream, slope, incoming), formula)


def _upstream(net: MLP, grads, Y, loss: str, layer: int) -> np.ndarray:
    """∂L/∂out for the neurons fed by ``weights[layer]``: the loss slope or δ of the next layer · Wᵀ."""
    if layer == len(net.weights) - 1:
        return loss_function(loss).grad(grads.output, np.asarray(Y, dtype=np.float64))
    return grads.deltas[layer + 1] @ net.weights[layer + 1].T


@dataclass(frozen=True)
class NetworkFrame:
    """Everything one picture of the network needs."""

    net: MLP
    grads: object
    loss_after: float
    edge_values: np.ndarray  # one per edge, in the panel's edge order
    node_values: list  # one array per layer (batch mean)
    report: WeightReport


class NetworkPanel(QuizMixin, Panel):
    """Neurons and weights of a small MLP coloured by weight, gradient or SGD update.

    ``quiz=True`` asks for δ of each unit and ∂E/∂w of each weight before showing them.
    """

    figsize = (8.6, 4.6)

    def __init__(self, net: MLP | None = None, X=None, Y=None, *, loss: str = "mse",
                 hide=(), quiz=False, **state):
        mazur = net is None
        if mazur:
            net, X, Y = mazur_network()
        elif X is None or Y is None:
            raise ValueError("NetworkPanel(net, X, Y) needs the inputs X and targets Y with a net")
        check_network_size(net)
        self._loss = check_choice("loss", loss, ["mse", "bce", "cross_entropy"])
        net.gradients(X, Y, self._loss)  # validates X and Y against the net now
        self._initial = net.copy()
        self._X, self._Y = X, Y
        self._mazur = mazur
        self._neurons = neuron_names(net.sizes, mazur)
        self._weights = weight_names(net.sizes, mazur)
        self._edges = [where for where in _edge_order(net.sizes)]
        self._trajectory: tuple[float, dict[int, MLP]] = (float("nan"), {})
        self._stride = 1  # steps between two remembered networks
        self.figsize = (8.6, max(4.6, 1.6 + 0.62 * max(net.sizes)))  # taller for wide layers
        crowded = max(net.sizes) > 4
        self._value_font, self._digits = (6.5, 2) if crowded else (8, 4)
        controls = self._make_controls()
        if quiz or QUIZ_LOG in state:
            self.quiz = NetworkQuiz.attach(self, controls, state)
        super().__init__(controls, hide=hide, state=state)

    # --- controls ---------------------------------------------------------------------------
    def _make_controls(self) -> dict:
        lr = MAZUR_LEARNING_RATE if self._mazur else 0.1
        controls = {
            "view": widgets.Dropdown(options=[(v, k) for k, v in EDGE_VIEWS.items()],
                                     value="weight", description="edges show", style=LABEL_STYLE,
                                     layout=widgets.Layout(width="260px")),
            "node_view": widgets.Dropdown(options=[(v, k) for k, v in NODE_VIEWS.items()],
                                          value="activation", description="neurons show",
                                          style=LABEL_STYLE, layout=widgets.Layout(width="250px")),
            "weight": widgets.Dropdown(options=list(self._weights), description="weight",
                                       style=LABEL_STYLE, layout=widgets.Layout(width="170px")),
            "lr": widgets.FloatText(value=lr, step=0.05, description="learning rate",
                                    style=LABEL_STYLE, layout=widgets.Layout(width="170px")),
            "steps": widgets.BoundedIntText(value=0, min=0, max=MAX_STEPS,
                                            description="SGD steps taken", style=LABEL_STYLE,
                                            layout=widgets.Layout(width="180px")),
            "sgd_step": widgets.Button(description="SGD step", icon="forward",
                                       tooltip="apply one gradient-descent step"),
            "reset": widgets.Button(description="reset", icon="undo",
                                    tooltip="back to the initial weights"),
        }
        controls["sgd_step"].on_click(self._on_sgd_step)
        controls["reset"].on_click(self._on_reset)
        return controls

    def arrange_controls(self) -> list[widgets.Widget]:
        """Two rows: what to show, then training."""
        c = self.controls
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        return [
            widgets.HBox([c["view"], c["node_view"], c["weight"]], layout=wrap),
            widgets.HBox([c["lr"], c["sgd_step"], c["reset"], c["steps"]], layout=wrap),
            *(self.quiz.rows() if self.quiz else []),
        ]

    def _on_sgd_step(self, _button) -> None:
        self.controls["steps"].value += 1

    def _on_reset(self, _button) -> None:
        self.controls["steps"].value = 0

    # --- computation ---------------------------------------------------------------------------
    @property
    def net(self) -> MLP:
        """The network currently shown (after ``steps`` SGD steps)."""
        self.wait()
        return self.frame.net

    @property
    def report(self) -> WeightReport:
        """Value, gradient, update and chain-rule product of the selected weight."""
        self.wait()
        return self.frame.report

    def _network_after(self, steps: int, lr: float) -> MLP:
        """The initial network after ``steps`` full-batch SGD steps at ``lr``.

        Remembered networks are bounded: at most ``MAX_REMEMBERED`` + 1, every ``stride``-th
        step (the stride doubles when they would be more); a step between two is replayed from
        the one before, at most ``stride`` steps. Each step is a checkpoint for the worker.
        """
        cached_lr, nets = self._trajectory
        if cached_lr != lr or not nets:
            nets = {0: self._initial.copy()}
            self._trajectory, self._stride = (lr, nets), 1
        stride = self._stride
        start = max(k for k in nets if k <= steps)
        net, optimizer = nets[start], SGD(lr)
        for step in range(start + 1, steps + 1):
            net = net.copy()
            with np.errstate(all="ignore"):  # an overflow is reported by compute, not warned
                optimizer.step(net, net.gradients(self._X, self._Y, self._loss))
            if step % stride == 0:
                nets[step] = net
                if len(nets) > MAX_REMEMBERED + 1:
                    stride = self._stride = 2 * stride
                    for k in [k for k in nets if k % stride]:
                        del nets[k]
            background.checkpoint("SGD step", step, steps)
        return net

    def compute(self) -> NetworkFrame:
        """The network after the SGD steps, its gradients, the next update and the chosen weight."""
        state = self.state
        lr = check_positive("lr", state["lr"])
        net = self._network_after(state["steps"], lr)
        grads = net.gradients(self._X, self._Y, self._loss)
        if not np.isfinite(grads.loss):
            raise ValueError(f"the loss overflowed after {state['steps']} steps at lr {lr}; "
                             "reset or choose a smaller learning rate")
        loss_after = self._network_after(state["steps"] + 1, lr).loss(self._X, self._Y, self._loss)
        per_view = {"weight": net.weights, "gradient": grads.weights,
                    "update": [-lr * g for g in grads.weights]}[state["view"]]
        edge_values = np.array([per_view[layer][i, j] for layer, i, j in self._edges])
        if state["node_view"] == "activation":
            node_values = [a.mean(axis=0) for a in grads.activations]
        else:
            node_values = [np.full(len(self._X[0]), np.nan)]
            node_values += [d.mean(axis=0) for d in grads.deltas]
        report = weight_report(net, grads, self._Y, self._loss, lr, state["weight"],
                               self._weights[state["weight"]], self._neurons,
                               symbol="E" if self._mazur else "L")
        return NetworkFrame(net, grads, loss_after, edge_values, node_values, report)

    # --- drawing -------------------------------------------------------------------------------
    def setup_figure(self, figure) -> None:
        """Neurons as circles in columns, weights as one LineCollection, two colourbars."""
        self.ax = figure.add_axes((0.01, 0.12, 0.70, 0.78))
        self.ax.set_axis_off()
        self.ax.set_aspect("equal")
        sizes = self._initial.sizes
        self._positions = _neuron_positions(sizes)
        segments = [(self._positions[layer][i], self._positions[layer + 1][j])
                    for layer, i, j in self._edges]
        self.edge_norm = Normalize(-1, 1)
        self.edge_lines = LineCollection(segments, cmap=DIVERGING_CMAP, norm=self.edge_norm,
                                         capstyle="round", zorder=1)
        self.ax.add_collection(self.edge_lines)
        # A faint static copy keeps every connection visible where a value is near zero.
        self.ax.add_collection(LineCollection(segments, colors=MUTED, linewidths=2.2, zorder=0.8))
        # The selected weight is outlined: a wider line beneath its edge.
        (self.selected_halo,) = self.ax.plot([], [], color=SELECTED_OUTLINE,
                                             solid_capstyle="round", zorder=0.5)
        self.edge_labels = self._edge_labels(segments)
        self.node_circles, self.node_texts = self._neurons_artists()
        self._set_limits(sizes)
        self.edge_legend = ColourLegend(figure, (0.765, 0.14, 0.016, 0.72), DIVERGING_CMAP)
        self.node_legend = ColourLegend(figure, (0.895, 0.14, 0.016, 0.72), SEQUENTIAL_CMAP)
        self.title = figure.text(0.01, 0.97, "", va="top", fontsize=10.5, fontweight="bold")
        self.footer = figure.text(0.01, 0.03, "", va="bottom", fontsize=9)

    def _edge_labels(self, segments) -> list:
        """Weight names on the edges, only when few enough to read."""
        if len(segments) > 16:
            return []
        names = {where: name for name, where in self._weights.items()}
        labels = []
        for (start, end), where in zip(segments, self._edges, strict=True):
            t = 0.28 if where[2] % 2 == 0 else 0.72  # stagger so crossing edges' labels part
            x, y = start[0] + t * (end[0] - start[0]), start[1] + t * (end[1] - start[1])
            labels.append(self.ax.text(x, y, names[where], fontsize=8.5, ha="center",
                                       va="center", zorder=3,
                                       bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                             "ec": "none", "alpha": 0.85}))
        return labels

    def _neurons_artists(self):
        circles, texts = [], []
        for layer, column in enumerate(self._positions):
            layer_circles, layer_texts = [], []
            for k, (x, y) in enumerate(column):
                circle = Circle((x, y), NEURON_RADIUS, ec=NEUTRAL, lw=1.2, zorder=2)
                self.ax.add_patch(circle)
                layer_circles.append(circle)
                layer_texts.append(self.ax.text(x, y, "", ha="center", va="center",
                                                fontsize=self._value_font, zorder=4))
                self.ax.text(x, y + NEURON_RADIUS + 0.06, self._neurons[layer][k], ha="center",
                             va="bottom", fontsize=9, fontweight="bold", zorder=4)
            circles.append(layer_circles)
            texts.append(layer_texts)
        return circles, texts

    def _set_limits(self, sizes) -> None:
        top = (max(sizes) - 1) / 2 * ROW_PITCH
        self.ax.set_xlim(-0.7, COLUMN_PITCH * (len(sizes) - 1) + 0.7)
        self.ax.set_ylim(-top - NEURON_RADIUS - 0.1, top + NEURON_RADIUS + 0.5)

    def draw(self, frame: NetworkFrame) -> None:
        """Recolour edges and neurons, move the highlight, rewrite the texts."""
        state = self.state
        self.frame = frame
        self._draw_edges(frame.edge_values, state["view"])
        self._draw_nodes(frame.node_values, state["node_view"])
        layer, i, j = self._weights[state["weight"]]
        (x0, y0), (x1, y1) = self._positions[layer][i], self._positions[layer + 1][j]
        self.selected_halo.set_data([x0, x1], [y0, y1])
        edge_width = self.edge_lines.get_linewidths()[self._edges.index((layer, i, j))]
        self.selected_halo.set_linewidth(edge_width + 5.0)
        report = frame.report
        self.footer.set_text(report.formula)
        symbol = "E" if self._mazur else "L"
        self.title.set_text(
            f"Loss {symbol} = {frame.grads.loss:.6f} → {frame.loss_after:.6f} after one more "
            f"SGD step (lr {state['lr']:g})"
        )
        note = " Biases are trained too (Mazur's article updates weights only)." if self._mazur else ""
        self.set_caption(
            f"{report.name} = {report.value:.6g}, ∂{symbol}/∂{report.name} = {report.gradient:.6g}, "
            f"next update −lr·∂{symbol}/∂{report.name} = {report.update:.6g}. "
            f"Loss {frame.grads.loss:.6g} now, {frame.loss_after:.6g} after one more step "
            f"({state['steps']} taken at lr {state['lr']:g}).{note}"
        )
        if self.quiz is not None:
            self.quiz.mask(self, frame)

    def _draw_edges(self, values: np.ndarray, view: str) -> None:
        scale = float(np.max(np.abs(values))) or 1.0
        self.edge_norm.vmin, self.edge_norm.vmax = -scale, scale
        self.edge_lines.set_array(values)
        self.edge_lines.set_linewidths(0.8 + 5.0 * np.abs(values) / scale)
        # the sign also by line style, not by colour alone: negative values dashed
        self.edge_lines.set_linestyles(["solid" if v >= 0 else NEGATIVE_DASHES for v in values])
        self.edge_legend.update(-scale, scale, label=EDGE_VIEWS[view])

    def _draw_nodes(self, values: list, node_view: str) -> None:
        finite = np.concatenate([v[np.isfinite(v)] for v in values])
        if node_view == "activation":
            cmap, low, high = colormaps[SEQUENTIAL_CMAP], float(finite.min()), float(finite.max())
            if high == low:
                high = low + 1.0
        else:
            scale = float(np.max(np.abs(finite))) or 1.0
            cmap, low, high = colormaps[DIVERGING_CMAP], -scale, scale
        self.node_legend.update(low, high, cmap=cmap.name, label=NODE_VIEWS[node_view])
        for layer_values, circles, texts in zip(values, self.node_circles, self.node_texts,
                                                strict=True):
            for value, circle, text in zip(layer_values, circles, texts, strict=True):
                if np.isfinite(value):
                    colour = cmap((value - low) / (high - low))
                    text.set_text(compact_number(value, self._digits))
                else:  # δ is not defined for inputs
                    colour = (1, 1, 1, 1)
                    text.set_text("–")
                circle.set_facecolor(colour)
                text.set_color("white" if _is_dark(colour) else "black")

    def describe(self) -> str:
        """Text description of the network picture."""
        state = self.state
        sizes = "-".join(str(n) for n in self._initial.sizes)
        return (
            f"A {sizes} network drawn as neurons in columns, inputs left, outputs right. "
            f"Edge colour and width show each {EDGE_VIEWS[state['view']]} "
            f"(purple and solid positive, orange and dashed negative, thicker is larger); neuron colour shows "
            f"{NODE_VIEWS[state['node_view']]}. The highlighted edge is {state['weight']}. "
            f"{self.caption_text}"
        )

    def export_grid(self) -> dict[str, list]:
        """Views and node views for every weight at the current step."""
        return {"view": list(EDGE_VIEWS), "node_view": list(NODE_VIEWS),
                "weight": list(self._weights)}


def _edge_order(sizes) -> list[tuple[int, int, int]]:
    return [(layer, i, j) for layer in range(len(sizes) - 1)
            for i in range(sizes[layer]) for j in range(sizes[layer + 1])]


def _neuron_positions(sizes) -> list[list[tuple[float, float]]]:
    """Columns and rows a fixed pitch apart, each column centred vertically."""
    return [[(COLUMN_PITCH * layer, ((n - 1) / 2 - k) * ROW_PITCH) for k in range(n)]
            for layer, n in enumerate(sizes)]


def _is_dark(rgba) -> bool:
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45


def compact_number(value: float, digits: int) -> str:
    """A number short enough for a neuron circle: 0.2593, -0.7414, but -7.0e-3, not -0.007021."""
    if value == 0 or abs(value) >= 0.01:
        return f"{value:.{digits}g}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"
