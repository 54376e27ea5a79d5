"""Kernel hold and control-to-picture time of every panel over the sweep of all its controls.

The sweep (benchmarks/panel_sweep.py, also run by tests/panels/test_sweep.py) moves every
control of a panel over its whole range one at a time from the defaults, waiting for each
picture, then puts every numeric control at its maximum and every choice through its options
there without waiting. Per panel it prints the kernel hold (how long the setter held the
kernel: ``sync_controls`` plus at most ``Panel.patience``) and the control-to-picture times of
the awaited changes. "At default sizes" is a second, separate run on a new panel: each control
nudged one step (the next option, the other state) from its default and back, each picture
awaited, as a student tries a panel. Targets: median control-to-picture of those nudges
≤ 50 ms, worst kernel hold over the whole sweep ≤ 1 s. The baseline in the same run is the synchronous panel
(``Panel.patience = None``: every change holds the kernel until its picture is shown), timed
over the first phase only.

    python benchmarks/bench_panels_sweep.py                 # a few minutes
    python benchmarks/bench_panels_sweep.py GradientFlowPanel
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from panel_sweep import Sweep, nudge_each_control, one_at_a_time, run_sweep

import bpwidgets.panels as panels
from bpwidgets.panel_registry import PANELS
from bpwidgets.panels.base import Panel

MEDIAN_TARGET_MS = 50
HOLD_TARGET_MS = 1000


def synchronous_worst_hold(cls) -> float:
    """The worst hold of phase 1 with ``patience = None``: what the panels held before."""
    saved, Panel.patience = Panel.patience, None
    try:
        panel, sweep = cls(), Sweep(cls.__name__)
        one_at_a_time(panel, sweep, wait_limit=None)
        panel.close()
    finally:
        Panel.patience = saved
    return float(sweep.holds().max())


def nudge_pictures(cls) -> np.ndarray:
    """Control-to-picture seconds of every nudge at the default sizes (a new panel)."""
    panel, sweep = cls(), Sweep(cls.__name__)
    panel.wait()
    try:
        nudge_each_control(panel, sweep, wait_limit=600)
    finally:
        panel.close()
    return sweep.pictures()


def main(argv=None) -> int:
    """One row per panel; returns the number of panels missing a target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(PANELS.values()),
                        help="panel classes (default: every panel that opens with defaults)")
    args = parser.parse_args(argv)
    print(f"load average before the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"on {os.cpu_count()} cores; Panel.patience = {Panel.patience} s")
    header = (f"{'panel':20}{'changes':>8}{'hold med ms':>12}{'hold max ms':>12}"
              f"{'picture med ms':>15}{'picture max ms':>15}{'sync max hold ms':>17}"
              f"{'hold ratio':>11}{'nudges':>7}{'nudge med ms':>13}  verdict")
    print(header)
    print("-" * len(header))
    missed = 0
    for name in args.names:
        cls = getattr(panels, name)
        start = time.perf_counter()
        sweep = run_sweep(cls, wait_limit=600, maxima_wait=600)
        holds, pictures = sweep.holds() * 1e3, sweep.pictures() * 1e3
        before = synchronous_worst_hold(cls) * 1e3
        nudges = nudge_pictures(cls) * 1e3
        ok = np.median(nudges) <= MEDIAN_TARGET_MS and holds.max() <= HOLD_TARGET_MS
        missed += not ok
        print(f"{name:20}{len(sweep.changes):>8}{np.median(holds):>12.0f}{holds.max():>12.0f}"
              f"{np.median(pictures):>15.0f}{pictures.max():>15.0f}{before:>17.0f}"
              f"{before / holds.max():>10.1f}×{len(nudges):>7}{np.median(nudges):>13.0f}"
              f"  {'ok' if ok else 'MISSED'}"
              f"  ({time.perf_counter() - start:.0f} s)")
    print(f"load average after the run: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("hold = the setter's time (the kernel is busy); picture = until the picture for the "
          "state is shown;\nsync max hold = the worst hold of the same first phase with "
          "patience None (the old synchronous panels); hold ratio = sync max / hold max;\n"
          f"nudge med = median control-to-picture of one-step moves at the default sizes "
          f"(target <= {MEDIAN_TARGET_MS} ms); verdict: nudge median and worst hold on target")
    return missed


if __name__ == "__main__":
    raise SystemExit(1 if main() else 0)
