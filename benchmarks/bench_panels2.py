"""Speed of the gradient-flow, loss-surface and playground panels, against baselines in the same run.

1. Control change → new PNG: ``panel.controls[name].value = ...`` recomputes, updates the
   persistent artists and encodes the PNG. The baseline is the naive way, interleaved frame by
   frame so both see the same machine load: a new Figure with every artist built from scratch
   on each change (same computation), saved with ``savefig(format="png")``. The gradient-flow
   panel's memory of recent results is cleared before every frame, so both sides compute; the
   core's remembered initial weights (``initial_layers``) are cleared too, except for controls
   that keep the weights of the previous frame (activation, batch, steps, lr).
   Targets: median ≤ 50 ms; gradient flow at depth 50 × width 512 ≤ 150 ms, one row per control.
2. Network slice at 51 × 51: ``loss_surface`` on the panel's trained 2-8-8-1 network, and the
   whole panel change (training run + slice + redraw). Target ≤ 0.5 s.
3. Playground: ``panel.step(20)`` = 20 training steps and one redraw, on 2-8-8-1 with 200
   points. Target: ≥ 1 per second (≥ 20 steps plus a redraw per second).

Wall-clock and process CPU times are both reported: on a shared machine the wall clock also
counts time spent waiting for a core. BLAS runs on one thread (set below, before numpy loads):
on a loaded 2-core machine OpenBLAS threads spin against each other and make small matrix
products and SVDs many times slower.

    python benchmarks/bench_panels2.py             # about 70 seconds
    python benchmarks/bench_panels2.py --repeat 40
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import itertools  # noqa: E402

import numpy as np  # noqa: E402
from panel_frames import measure, timed  # noqa: E402

from bpwidgets.core.gradflow import initial_layers  # noqa: E402
from bpwidgets.core.surface import loss_surface  # noqa: E402
from bpwidgets.panels.gradient_flow import GradientFlowPanel, cached_flow  # noqa: E402
from bpwidgets.panels.loss_surface import LossSurfacePanel, train_network  # noqa: E402
from bpwidgets.panels.playground import PlaygroundPanel  # noqa: E402

KEEPS_WEIGHTS = ("activation", "batch", "steps", "lr")  # gradient-flow controls: same weights


def scenarios(quick: bool):
    """(name, make a panel, control name, values to cycle through, frames)."""
    big = {"depth": 50, "width": 512, "batch": 16}
    return [
        ("GradientFlow 10×64: activation", GradientFlowPanel, "activation",
         ["tanh", "relu", "sigmoid", "softsign"], None),
        ("GradientFlow 10×64: seed", GradientFlowPanel, "seed", range(20), None),
        ("GradientFlow 10×64: depth", GradientFlowPanel, "depth", range(8, 14), None),
        *(
            (f"GradientFlow 50×512 batch 16: {label}", lambda: GradientFlowPanel(**big),
             control, values, 3 if quick else 6)
            for label, control, values in [
                ("seed", "seed", range(20)),
                ("activation", "activation", ["tanh", "relu", "sigmoid", "softsign"]),
                ("depth", "depth", range(45, 51)),
                ("init uniform", "init", ["standard", "xavier"]),
                ("init normal", "init", ["he", "normal"]),  # the same N(0, 1) draws, rescaled
            ]
        ),
        ("LossSurface quadratic: lr", LossSurfacePanel, "lr", np.geomspace(0.01, 0.3, 9), None),
        ("LossSurface quadratic: step", LossSurfacePanel, "step", range(0, 41, 3), None),
        ("LossSurface quadratic 3 optimisers: lr",
         lambda: LossSurfacePanel(optimizer=("sgd", "momentum", "adam")), "lr",
         np.geomspace(0.01, 0.3, 9), None),
        ("LossSurface quadratic: λ₂ (new contours)", LossSurfacePanel, "lambda2",
         np.geomspace(2, 50, 7), None),
        ("LossSurface network PCA: step", lambda: LossSurfacePanel(mode="network_pca"),
         "step", range(0, 150, 7), None),
        ("Playground: lr (redraw)", PlaygroundPanel, "lr", np.geomspace(0.01, 1, 9), None),
        ("Playground: noise (new data + net)", PlaygroundPanel, "noise",
         [0.05, 0.1, 0.15, 0.2, 0.25], None),
    ]


def _forget_results(control) -> None:
    """Clear the gradient-flow memory, and the initial weights unless ``control`` keeps them.

    The unscaled random draws (``standard_draws``) stay remembered, as in the panel: switching
    between inits of one kind (he/normal, standard/xavier) rescales them; a new seed or size
    draws afresh (the "seed" and "depth" rows).
    """
    cached_flow.cache_clear()
    if control not in KEEPS_WEIGHTS:
        initial_layers.cache_clear()



def control_changes(repeat: int, quick: bool) -> None:
    header = (f"{'control change → PNG':44} {'median ms':>10} {'p95 ms':>8} {'cpu med':>8} "
              f"{'naive med':>10} {'ratio':>6} {'cpu ratio':>9}")
    print(header)
    print("-" * len(header))
    for name, make, control, values, frames in scenarios(quick):
        fast, slow = measure(make, control, list(values), frames or repeat,
                             before_each=_forget_results)
        f_wall, s_wall, f_cpu, s_cpu = fast[:, 0], slow[:, 0], fast[:, 1], slow[:, 1]
        print(f"{name:44} {np.median(f_wall):10.1f} {np.percentile(f_wall, 95):8.1f} "
              f"{np.median(f_cpu):8.1f} {np.median(s_wall):10.1f} "
              f"{np.median(s_wall) / np.median(f_wall):5.1f}× "
              f"{np.median(s_cpu) / np.median(f_cpu):8.1f}×")


def network_slices(repeat: int) -> None:
    """51×51 slices of the panel's network, and the full panel change that recomputes one."""
    print()
    print(f"{'network slice 51×51':44} {'median ms':>10} {'cpu med':>8} {'target ms':>10}")
    run = train_network("sgd", 0.5, 150)
    cases = {
        "loss_surface, filter directions": dict(directions="filter", span=1.0),
        "loss_surface, PCA of the run": dict(directions="pca", history=run.history, span=1.25),
    }
    for label, options in cases.items():
        times = [timed(lambda options=options: loss_surface(
            run.trained, run.X, run.Y, "bce", resolution=51, **options)) for _ in range(repeat)]
        _slice_row(label, np.array(times))
    for mode in ("network_filter", "network_pca"):
        panel = LossSurfacePanel(mode=mode, resolution=49)
        values = itertools.cycle([0.45, 0.55])
        times = [timed(lambda panel=panel, values=values: _set_two(panel, next(values)))
                 for _ in range(repeat)]
        _slice_row(f"panel {mode}: lr → train + slice + PNG", np.array(times))


def _set_two(panel, lr) -> None:
    with panel.hold():
        panel.controls["resolution"].value = 51
        panel.controls["lr"].value = lr
    assert panel.error == "", panel.error


def _slice_row(label, times) -> None:
    print(f"{label:44} {np.median(times[:, 0]):10.1f} {np.median(times[:, 1]):8.1f} "
          f"{500:10d}")


def playground_rate(repeat: int) -> None:
    """How many ``step(20)`` calls (20 training steps + one redraw) fit in a second."""
    print()
    print(f"{'playground 2-8-8-1, 200 points':44} {'median ms':>10} {'cpu med':>8} "
          f"{'per second':>11} {'steps/s':>8}")
    for batch in (10, 100):
        panel = PlaygroundPanel(batch_size=batch)
        times = np.array([timed(lambda panel=panel: panel.step(20)) for _ in range(repeat)])
        median = np.median(times[:, 0])
        print(f"{f'step(20) + redraw, batch {batch}':44} {median:10.1f} "
              f"{np.median(times[:, 1]):8.1f} {1e3 / median:11.1f} {20e3 / median:8.0f}")
        panel = PlaygroundPanel(batch_size=batch)
        times = np.array([timed(lambda panel=panel: panel._train(20)) for _ in range(repeat)])
        median = np.median(times[:, 0])
        print(f"{f'  of which 20 training steps, batch {batch}':44} {median:10.1f} "
              f"{np.median(times[:, 1]):8.1f} {'':>11} {20e3 / median:8.0f}")


def main(argv=None) -> int:
    """Print the three tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=16, help="frames per scenario")
    parser.add_argument("--quick", action="store_true", help="fewer frames for the slow cases")
    args = parser.parse_args(argv)
    control_changes(args.repeat, args.quick)
    network_slices(max(3, args.repeat // 4))
    playground_rate(max(3, args.repeat // 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
