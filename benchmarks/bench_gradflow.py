"""Speed of ``gradient_flow`` against the plain backward pass it is built on, in the same run.

Two networks of depth 50: width 256 on a batch of 256, and the panel's heaviest case, width 512
on a batch of 16 (13 M weights). ``net.gradients`` (one forward + backward pass) is the baseline;
``flow_statistics`` adds the per-layer statistics (exact norms, histograms of at most
``HISTOGRAM_SAMPLE`` entries per layer); ``gradient_flow`` also builds the network and the data,
either drawing new weights (a seed, depth, width or init change: ``initial_layers`` cleared) or
reusing the remembered ones (an activation, batch, steps or lr change). Rows for a healthy tanh
network and an exploding ReLU one (std 1.0), whose numbers reach 1e100 and more.

Process CPU time and wall time are both reported; on a shared machine prefer the CPU time. BLAS
threads spinning on a busy machine count as CPU time too: run with ``OPENBLAS_NUM_THREADS=1``
for figures comparable with ``bench_panels2.py``.

Run: ``python benchmarks/bench_gradflow.py`` (about 30 seconds).
"""

from __future__ import annotations

import statistics
import time

from bpwidgets.core.gradflow import (
    HISTOGRAM_SAMPLE,
    build_deep_network,
    flow_statistics,
    gradient_flow,
    initial_layers,
)

NETWORKS = ((50, 256, 256), (50, 512, 16))  # depth, width, batch
REPEATS = 9
CASES = (("tanh", "xavier"), ("relu", 1.0))


def interleaved_times(actions) -> list:
    """Median (CPU, wall) seconds of REPEATS calls of each action, taking turns so that every
    action sees the same machine load."""
    times = [[] for _ in actions]
    for _ in range(REPEATS):
        for action, measured in zip(actions, times, strict=True):
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            action()
            measured.append((time.process_time() - start_cpu, time.perf_counter() - start_wall))
    return [tuple(statistics.median(column) for column in zip(*t, strict=True)) for t in times]


def rows(depth, width, batch, activation, init) -> list:
    """(label, (cpu, wall)) for the baseline and each layer of work on top of it."""
    net, X, Y = build_deep_network(depth, width, activation, init, batch=batch)
    config = (depth, width, activation, init, batch)

    def drawn():
        initial_layers.cache_clear()  # as after a seed, depth, width or init change
        gradient_flow(*config)

    labelled = {
        "net.gradients: forward + backward (baseline)": lambda: net.gradients(X, Y),
        "flow_statistics: + statistics, histograms": lambda: flow_statistics(net, X, Y),
        "gradient_flow, new weights drawn": drawn,
        "gradient_flow, weights remembered": lambda: gradient_flow(*config),
    }
    return list(zip(labelled, interleaved_times(list(labelled.values())), strict=True))


def main() -> None:
    print(f"gradient flow, median of {REPEATS}; histograms bin <= {HISTOGRAM_SAMPLE} entries/layer")
    print(f"{'network':<22}{'case':<12}{'what':<46}{'cpu ms':>8}{'wall ms':>9}{'cpu x base':>11}")
    for depth, width, batch in NETWORKS:
        network = f"{depth}x{width}, batch {batch}"
        for activation, init in CASES:
            case = f"{activation}/{init}"
            measured = rows(depth, width, batch, activation, init)
            baseline_cpu = measured[0][1][0]
            for label, (cpu, wall) in measured:
                print(
                    f"{network:<22}{case:<12}{label:<46}{cpu * 1e3:8.1f}{wall * 1e3:9.1f}"
                    f"{cpu / baseline_cpu:11.2f}"
                )
            verdict = gradient_flow(depth, width, activation, init, batch).message
            print(f"{'':<34}verdict: {verdict}")
    initial_layers.cache_clear()


if __name__ == "__main__":
    main()
