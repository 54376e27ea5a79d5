"""Speed of ``loss_surface`` (batched forward) against the per-point loop, in the same run.

A 51 x 51 filter-normalised plane of a 2-16-16-1 MLP on 200 points. The baseline is the obvious
loop: for each grid point, ``set_params`` on a copy of the net and call ``net.loss``. Both give
the same numbers (checked below). Rows for tanh and ReLU hidden layers, and for the chunk size.

Run: ``python benchmarks/bench_surface.py`` (about 10 seconds).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import bpwidgets.core.surface as surface_module
from bpwidgets.core.mlp import MLP
from bpwidgets.core.surface import loss_surface

SIZES = (2, 16, 16, 1)
N_POINTS = 200
RESOLUTION = 51
REPEATS = 5


def make_problem(activation: str):
    """A net and 200 regression points, fixed by seeds."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N_POINTS, SIZES[0]))
    Y = np.sin(X[:, :1]) + 0.1 * rng.normal(size=(N_POINTS, 1))
    return MLP(SIZES, activation=activation, seed=0), X, Y


def per_point_loop(net, X, Y, surface):
    """The baseline: one set_params + loss per grid point."""
    other = net.copy()
    centre = net.get_params()
    values = np.empty((len(surface.betas), len(surface.alphas)))
    for j, beta in enumerate(surface.betas):
        for i, alpha in enumerate(surface.alphas):
            other.set_params(centre + alpha * surface.d1 + beta * surface.d2)
            values[j, i] = other.loss(X, Y)
    return values


def median_seconds(function, *args, **kwargs) -> float:
    """Median wall time of REPEATS calls of ``function(*args, **kwargs)``."""
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"loss_surface {RESOLUTION}x{RESOLUTION}, MLP {list(SIZES)}, {N_POINTS} points, ", end="")
    print(f"median of {REPEATS}")
    print(f"{'hidden':<8}{'variant':<34}{'ms':>9}{'speed-up':>10}")
    default_chunk = surface_module.FLOATS_PER_CHUNK
    for activation in ("tanh", "relu"):
        net, X, Y = make_problem(activation)
        surface = loss_surface(net, X, Y, resolution=RESOLUTION)
        assert np.allclose(per_point_loop(net, X, Y, surface), surface.values, rtol=1e-12, atol=0)
        baseline = median_seconds(per_point_loop, net, X, Y, surface)
        print(f"{activation:<8}{'per-point loop (baseline)':<34}{baseline * 1e3:9.1f}{1.0:10.1f}")
        for floats in (default_chunk, 2**18):
            surface_module.FLOATS_PER_CHUNK = floats
            seconds = median_seconds(loss_surface, net, X, Y, resolution=RESOLUTION)
            label = f"loss_surface, chunk {floats} floats" + (" *" * (floats == default_chunk))
            print(f"{activation:<8}{label:<34}{seconds * 1e3:9.1f}{baseline / seconds:10.1f}")
        surface_module.FLOATS_PER_CHUNK = default_chunk
    print("* the default chunk (arrays under 128 KB); 2**18 floats = 2 MB arrays")


if __name__ == "__main__":
    main()
