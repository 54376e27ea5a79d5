"""Speed of ``gradient_flow`` against the plain backward pass it is built on, in the same run.

A depth-50, width-256 MLP on a batch of 256: ``net.gradients`` (one forward + backward pass)
is the baseline; ``flow_statistics`` adds the per-layer statistics and histograms;
``gradient_flow`` also builds the network and the data. Rows for a healthy tanh network and an
exploding ReLU one (std 1.0), whose numbers reach 1e100 and more.

Run: ``python benchmarks/bench_gradflow.py`` (about 20 seconds).
"""

from __future__ import annotations

import statistics
import time

from bpwidgets.core.gradflow import build_deep_network, flow_statistics, gradient_flow

DEPTH, WIDTH, BATCH = 50, 256, 256
REPEATS = 5
CASES = (("tanh", "xavier"), ("relu", 1.0))


def median_seconds(function, *args, **kwargs) -> float:
    """Median wall time of REPEATS calls of ``function(*args, **kwargs)``."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"gradient flow, depth {DEPTH} x width {WIDTH}, batch {BATCH}, median of {REPEATS}")
    print(f"{'case':<16}{'what':<44}{'ms':>9}{'x baseline':>12}")
    for activation, init in CASES:
        case = f"{activation}/{init}"
        net, X, Y = build_deep_network(DEPTH, WIDTH, activation, init, batch=BATCH)
        config = (DEPTH, WIDTH, activation, init)
        baseline = median_seconds(net.gradients, X, Y)
        rows = [
            ("net.gradients: forward + backward (baseline)", baseline),
            (
                "flow_statistics: + statistics, histograms",
                median_seconds(flow_statistics, net, X, Y),
            ),
            (
                "gradient_flow: + building net and data",
                median_seconds(gradient_flow, *config, BATCH),
            ),
        ]
        for label, seconds in rows:
            print(f"{case:<16}{label:<44}{seconds * 1e3:9.1f}{seconds / baseline:12.2f}")
        print(f"{'':<16}verdict: {gradient_flow(*config, BATCH).message}")


if __name__ == "__main__":
    main()
