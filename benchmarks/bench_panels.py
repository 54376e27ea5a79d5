"""Control change → new PNG ready, for the chain-rule and network panels.

Each scenario changes one control repeatedly (``panel.controls[name].value = ...``, which
recomputes, updates the persistent artists and encodes the PNG synchronously) and is timed
against the naive way measured in the same run, alternating one naive frame with one panel
frame so both see the same machine load:

- naive: a new Figure with all its artists built from scratch on every change, saved with
  ``savefig(format="png")`` (matplotlib's default PNG settings).

Wall-clock and process CPU times are both reported: on a shared machine the wall clock also
counts time spent waiting for a core. Targets: median ≤ 40 ms, 95th percentile ≤ 80 ms, ≥ 2×
faster than naive.

    python benchmarks/bench_panels.py            # about half a minute
    python benchmarks/bench_panels.py --repeat 120
"""

from __future__ import annotations

import argparse
import os

import numpy as np
from panel_frames import measure

from bpwidgets.core.worked_examples import mazur_value_graph
from bpwidgets.panels.chain_rule import ChainRulePanel
from bpwidgets.panels.network import NetworkPanel


def scenarios():
    """(name, make a panel, control name, values to cycle through)."""
    mazur_graph = mazur_value_graph
    return [
        ("ChainRule CS231n circuit: step", lambda: ChainRulePanel(), "step", range(10)),
        ("ChainRule CS231n circuit: input x", lambda: ChainRulePanel(), "x",
         np.linspace(-3, 3, 13)),
        ("ChainRule Mazur graph (43 nodes): step", lambda: ChainRulePanel(mazur_graph()),
         "step", range(40, 92)),
        ("Network Mazur: weight", lambda: NetworkPanel(), "weight",
         [f"w{k}" for k in range(1, 9)]),
        ("Network Mazur: view", lambda: NetworkPanel(), "view", ["weight", "gradient", "update"]),
        ("Network Mazur: SGD steps", lambda: NetworkPanel(), "steps", range(0, 200)),
    ]


def main(argv=None) -> int:
    """Print one row per scenario: median and 95th percentile, panel vs naive, and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="frames per scenario")
    args = parser.parse_args(argv)
    header = (f"{'scenario':42} {'median ms':>10} {'p95 ms':>8} {'cpu med':>8} "
              f"{'naive med':>10} {'naive p95':>10} {'ratio':>6} {'cpu ratio':>9}")
    print(f"load average before the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(header)
    print("-" * len(header))
    for name, make, control, values in scenarios():
        fast, slow = measure(make, control, list(values), args.repeat)
        f_wall, s_wall = fast[:, 0], slow[:, 0]
        f_cpu, s_cpu = fast[:, 1], slow[:, 1]
        print(f"{name:42} {np.median(f_wall):10.1f} {np.percentile(f_wall, 95):8.1f} "
              f"{np.median(f_cpu):8.1f} {np.median(s_wall):10.1f} "
              f"{np.percentile(s_wall, 95):10.1f} "
              f"{np.median(s_wall) / np.median(f_wall):5.1f}× "
              f"{np.median(s_cpu) / np.median(f_cpu):8.1f}×")
    print(f"load average after the run: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
