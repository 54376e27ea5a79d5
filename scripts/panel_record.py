"""Record what every panel shows over a fixed script of states, to prove a refactor changed nothing.

    python scripts/panel_record.py --out before.json        # on the untouched code
    python scripts/panel_record.py --compare before.json    # after the change: exit 1 on any difference

For each panel a scripted sequence of actions (constructor arguments, control changes, buttons,
``hide=``, bad input) is played; after every action the record keeps digests of the PNG bytes,
of every plotted array (line data, images, collections, patches), of every text artist (string,
position, colour, visibility), of every axes' limits/position/scale, and of the controls
(value, range, description, display, disabled), the caption, error line and description.
A comparison names each state and item that differs. Records hold digests only: they are
meant for the same machine and library versions, not for CI across versions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings

import numpy as np
from matplotlib.collections import Collection
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text


def digest(*parts) -> str:
    """A short sha256 of arrays (their bytes, dtype and shape) and plain values (their repr)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray) or (isinstance(part, (list, tuple)) and part
                                            and isinstance(part[0], np.ndarray)):
            for array in (part if isinstance(part, (list, tuple)) else [part]):
                array = np.ascontiguousarray(np.asarray(array))
                h.update(f"{array.dtype}{array.shape}".encode())
                h.update(array.tobytes())
        else:
            h.update(repr(part).encode())
    return h.hexdigest()[:16]


def _array(values) -> np.ndarray:
    array = np.ma.filled(np.ma.asarray(values), np.nan) if np.ma.isMaskedArray(values) else values
    return np.asarray(array)


def artist_record(figure) -> dict:
    """Digests of the figure's plotted data and texts, keyed by artist kind and position."""
    record = {"figsize": digest(tuple(figure.get_size_inches()))}
    for a, ax in enumerate(figure.axes):
        record[f"axes{a}"] = digest(ax.get_xlim(), ax.get_ylim(), ax.get_visible(),
                                    tuple(np.round(ax.get_position().bounds, 12)),
                                    ax.get_xscale(), ax.get_yscale())
    for k, line in enumerate(figure.findobj(Line2D)):
        record[f"line{k}"] = digest(_array(line.get_xdata()).astype(float),
                                    _array(line.get_ydata()).astype(float), line.get_visible(),
                                    line.get_color(), line.get_linewidth(), line.get_label())
    for k, image in enumerate(figure.findobj(AxesImage)):
        record[f"image{k}"] = digest(_array(image.get_array()).astype(float),
                                     tuple(image.get_extent()))
    for k, coll in enumerate(figure.findobj(Collection)):
        arr = coll.get_array()
        record[f"collection{k}"] = digest(
            _array(coll.get_offsets()).astype(float),
            _array(arr).astype(float) if arr is not None else None,
            np.asarray(coll.get_facecolors(), float), np.asarray(coll.get_linewidths(), float),
            [p.vertices for p in coll.get_paths()][:2000], coll.get_visible())
    for k, patch in enumerate(figure.findobj(Patch)):
        record[f"patch{k}"] = digest(tuple(patch.get_facecolor()), patch.get_visible())
    for k, text in enumerate(figure.findobj(Text)):
        record[f"text{k}"] = digest(text.get_text(), tuple(map(float, text.get_position())),
                                    text.get_color(), text.get_visible(), text.get_fontsize())
    return record


def control_record(panel) -> dict:
    """Each control's value, range, description, display and disabled flag."""
    record = {}
    for name, widget in panel.controls.items():
        traits = [getattr(widget, t, None) for t in ("value", "min", "max", "step", "options",
                                                      "description", "disabled")]
        record[f"control:{name}"] = repr([*traits, widget.layout.display])
    return record


def panel_record(panel) -> dict:
    """Everything the panel shows now."""
    png = panel.render_png()
    return {"png": hashlib.sha256(png).hexdigest()[:16], "error": panel.error,
            "caption": panel.caption_text, "description": panel.description_box.value,
            "controls_order": repr(list(panel.controls)), **control_record(panel),
            **artist_record(panel.figure)}


def _set(**values):
    def action(panel):
        with panel.hold():
            for name, value in values.items():
                panel.controls[name].value = value
    return action


def _one_by_one(**values):
    def action(panel):
        for name, value in values.items():
            panel.controls[name].value = value
    return action


def _click(name):
    return lambda panel: panel.controls[name].click()


def scripts() -> dict:
    """Panel name -> list of (label, make, actions); each action is recorded after it runs."""
    from bpwidgets.core.mlp import MLP
    from bpwidgets.core.value import Value
    from bpwidgets.panels import (
        ChainRulePanel,
        GradientFlowPanel,
        LossSurfacePanel,
        NetworkPanel,
        PlaygroundPanel,
    )

    def value_root():
        a, b = Value(2.0, "a"), Value(-3.0, "b")
        return (a * b + a).tanh()

    def small_net():
        net = MLP([3, 4, 2], activation="relu", seed=3)
        X = np.random.default_rng(1).standard_normal((5, 3))
        return NetworkPanel(net, X, np.random.default_rng(2).standard_normal((5, 2)))

    steps = [("step", _set(step=s)) for s in (0, 3, 5, 6, 9, 12)]
    return {
        "chain_rule": [
            ("default", ChainRulePanel, [*steps, ("last", _click("last")),
                                         ("previous", _click("previous")),
                                         ("first", _click("first")), ("next", _click("next")),
                                         ("x", _set(x=3.0)),
                                         ("expr", _one_by_one(expression="tanh(x * y) + x")),
                                         ("step_last", _click("last")),
                                         ("expr_new_inputs", _one_by_one(expression="a * b - c")),
                                         ("input_a", _set(a=-1.5)),
                                         ("bad", _one_by_one(expression="x +")),
                                         ("clash", _one_by_one(expression="step * 2")),
                                         ("good_again", _one_by_one(expression="x ** 2")),
                                         ("tiny", _one_by_one(expression="x * 1.5e-8")),
                                         ("tiny_last", _click("last"))]),
            ("neuron", lambda: ChainRulePanel("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
                                              w0=2, x0=-1, w1=-3, x1=-2, w2=-3),
             [("last", _click("last")), ("mid", _set(step=14))]),
            ("value", lambda: ChainRulePanel(value_root()), [("last", _click("last"))]),
            ("hidden", lambda: ChainRulePanel("x * y", hide=["play", "x"], x=2, y=3),
             [("expr", _one_by_one(expression="x * y * z")), ("last", _click("last"))]),
        ],
        "network": [
            ("default", NetworkPanel, [("gradient", _set(view="gradient", weight="w5")),
                                       ("update", _set(view="update", node_view="delta")),
                                       ("sgd", _click("sgd_step")), ("sgd2", _click("sgd_step")),
                                       ("lr", _set(lr=0.9)), ("steps", _set(steps=40)),
                                       ("bad_lr", _set(lr=-1.0)), ("reset", _click("reset")),
                                       ("good_lr", _set(lr=0.5))]),
            ("small", small_net, [("weight", _set(view="gradient")), ("steps", _set(steps=3))]),
        ],
        "gradient_flow": [
            ("default", lambda: GradientFlowPanel(depth=6, width=16, batch=16),
             [("normal", _set(init="normal")), ("std", _set(std=0.3)),
              ("steps", _set(steps=5, lr=0.1)), ("steps0", _set(steps=0)),
              *[(f"act_{a}", _set(activation=a, init="xavier")) for a in
                ("linear", "sigmoid", "relu", "leaky_relu", "softsign", "tanh")],
              ("he", _set(init="he", activation="relu", depth=12)),
              ("explode", _set(init="normal", std=3.0, activation="linear", depth=20)),
              ("deep", _set(depth=1)), ("seed", _set(seed=3, depth=4))]),
            ("hidden", lambda: GradientFlowPanel(depth=3, width=8, batch=8, hide=["std", "lr"]),
             [("normal", _set(init="normal")), ("steps", _set(steps=2)),
              ("back", _set(init="he"))]),
            ("sigmoid_xavier", lambda: GradientFlowPanel(depth=4, width=8, batch=8,
                                                         activation="sigmoid", init="xavier"),
             []),
        ],
        "loss_surface": [
            ("default", LossSurfacePanel,
             [("view", _set(view="both")), ("3d", _set(view="3d")), ("contour", _set(view="contour")),
              ("opt", _set(optimizer=("sgd", "momentum", "adam"))), ("lr", _set(lr=0.21)),
              ("steps", _one_by_one(steps=25)), ("step", _one_by_one(step=10)),
              ("steps_up", _one_by_one(steps=60)), ("step_end", _one_by_one(step=60)),
              ("steps_down", _one_by_one(steps=30)),
              ("lambda", _set(lambda1=3.0, lambda2=4.0, angle=30.0)),
              ("start", _set(start_x=1.0, start_y=-1.0)),
              ("rosenbrock", _one_by_one(mode="rosenbrock")),
              ("saddle", _one_by_one(mode="saddle")),
              ("regression", _one_by_one(mode="linear_regression")),
              ("mode_and_lr", _set(mode="quadratic", lr=0.05)),
              ("no_opt", _set(optimizer=())), ("opt_back", _set(optimizer=("adam",))),
              ("filter", _one_by_one(mode="network_filter")),
              ("filter_res", _set(resolution=15, span=2.0)),
              ("filter_two", _set(optimizer=("sgd", "adam"))),
              ("filter_step", _one_by_one(step=20)),
              ("pca", _one_by_one(mode="network_pca")),
              ("pca_steps", _one_by_one(steps=40)),
              ("back_quad", _one_by_one(mode="quadratic"))]),
            ("rosen", lambda: LossSurfacePanel(mode="rosenbrock", steps=50), []),
            ("saddle_lr", lambda: LossSurfacePanel(mode="saddle", lr=0.3, view="both"), []),
            ("hidden", lambda: LossSurfacePanel(hide=["lambda1", "view", "span"]),
             [("filter", _one_by_one(mode="network_filter")),
              ("quad", _one_by_one(mode="quadratic"))]),
            ("pca_ctor", lambda: LossSurfacePanel(mode="network_pca", resolution=11, steps=30),
             [("step", _one_by_one(step=5))]),
        ],
        "playground": [
            ("default", PlaygroundPanel,
             [("step", lambda p: p.step(10)), ("lr", _set(lr=0.05)),
              ("step2", lambda p: p.step(5)), ("opt", _set(optimizer="adam", l2=1e-3)),
              ("step3", lambda p: p.step(5)), ("data", _set(dataset="circles")),
              ("step4", lambda p: p.step(5)), ("reset", lambda p: p.reset()),
              ("layers0", _set(layers=0)), ("relu", _set(activation="relu", layers=3)),
              ("step5", lambda p: p.step(5)), ("batch", _set(batch_size=200)),
              ("step6", lambda p: p.step(5)), ("spiral", _set(dataset="spiral", noise=0.3)),
              ("pending_step", lambda p: (setattr(p.controls["seed"], "value", 4), p.step(5))),
              ("play", _set(play=1))]),
        ],
    }


def record_all(only=None) -> dict:
    """Play every script; return {"panel/case/action": record}."""
    warnings.simplefilter("error", RuntimeWarning)
    records = {}
    for panel_name, cases in scripts().items():
        if only and panel_name not in only:
            continue
        for case, make, actions in cases:
            panel = make()
            records[f"{panel_name}/{case}/init"] = panel_record(panel)
            for label, action in actions:
                action(panel)
                records[f"{panel_name}/{case}/{label}"] = panel_record(panel)
            print(f"recorded {panel_name}/{case}", file=sys.stderr)
    return records


def compare(old: dict, new: dict) -> list[str]:
    """Lines naming every state and item that differs."""
    lines = []
    for state in sorted(set(old) | set(new)):
        a, b = old.get(state), new.get(state)
        if a is None or b is None:
            lines.append(f"{state}: only in {'new' if a is None else 'old'}")
            continue
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                lines.append(f"{state}: {key}: {a.get(key)!r} -> {b.get(key)!r}")
    return lines


def main() -> int:
    """Write a record, or compare a new one with a stored record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out")
    parser.add_argument("--compare")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    records = record_all(args.only)
    if args.out:
        with open(args.out, "w") as file:
            json.dump(records, file, indent=0, sort_keys=True)
    if args.compare:
        with open(args.compare) as file:
            old = json.load(file)
        if args.only:
            old = {k: v for k, v in old.items() if k.split("/")[0] in args.only}
        differences = compare(old, records)
        print("\n".join(differences) or f"identical: {len(records)} states")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
