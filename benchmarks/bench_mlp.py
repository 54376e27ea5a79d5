"""One float64 forward + backward step of ``MLP.gradients`` against the same step in PyTorch.

Run ``python benchmarks/bench_mlp.py``. Both sides use the same weights, data and thread count.
The "matmul floor" is the time of the step's matrix products alone (h @ W forward; hᵀ δ and
δ Wᵀ backward), timed on the same arrays: no implementation of the step can beat it, and
its share of our step time shows how much is left for everything else.

Each contender is timed in its own block (all its rounds, then the next contender's): taking
turns would let one library's spinning worker threads slow the other (torch measured 907 µs
interleaved with numpy vs 440 µs alone on 2-64-64-1). The table is printed for both thread
settings, 1 thread and the machine's default, each side set alike; the speed-up is the ratio
of the medians measured alone. ``--threads N`` replaces the default setting by N. This machine sets OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE, which slow numpy's
matrix products; for a second reading run
``env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_mlp.py``.
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import os
import statistics
import timeit

import numpy as np

from bpwidgets.core.mlp import MLP

# name, sizes, hidden activation, loss, batch, the speed-up over torch we aim for
CASES = [
    ("2-8-8-1", [2, 8, 8, 1], "tanh", "mse", 64, 2.5),
    ("2-64-64-1", [2, 64, 64, 1], "tanh", "mse", 256, 2.5),
    ("20 layers of 32", [2] + [32] * 20 + [1], "tanh", "mse", 128, 2.5),
    ("784-256-256-10", [784, 256, 256, 10], "relu", "cross_entropy", 256, 0.8),
]
ROUNDS = 9
SAMPLE_SECONDS = 0.05  # each timed sample runs the function this long


def calls_per_sample(function) -> int:
    """How many calls fill about SAMPLE_SECONDS."""
    number, elapsed = timeit.Timer(function).autorange()
    return max(1, int(number * SAMPLE_SECONDS / max(elapsed, 1e-9)))


def seconds_alone(function) -> list:
    """Per-call times of ``function``, ROUNDS samples in one block with nothing in between."""
    number = calls_per_sample(function)
    timer = timeit.Timer(function)
    timer.timeit(number)  # warm up: caches, thread pools
    return [timer.timeit(number) / number for _ in range(ROUNDS)]


def make_problem(sizes, activation, loss, batch):
    net = MLP(sizes, activation=activation, output_activation="linear", init="xavier", seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(batch, sizes[0]))
    if loss == "cross_entropy":
        Y = rng.integers(0, sizes[-1], size=batch)
    else:
        Y = rng.normal(size=(batch, sizes[-1]))
    return net, X, Y


def torch_step(torch, net, X, Y, loss):
    """Build the identical step in PyTorch; return a function running forward + backward."""
    functional = torch.nn.functional
    weights = [torch.tensor(w, requires_grad=True) for w in net.weights]
    biases = [torch.tensor(b, requires_grad=True) for b in net.biases]
    params = weights + biases
    hidden = {"tanh": torch.tanh, "relu": torch.relu}[net.activation]
    x = torch.tensor(X)
    y = torch.tensor(Y)

    def step():
        for p in params:
            p.grad = None
        h = x
        for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
            h = torch.addmm(b, h, w)
            if layer < len(weights) - 1:
                h = hidden(h)
        value = functional.cross_entropy(h, y) if loss == "cross_entropy" else functional.mse_loss(h, y)
        value.backward()
        return value

    return step, weights


def matmul_floor(net, X, Y, loss):
    """A function doing only the matrix products of one step, on the step's own arrays."""
    g = net.gradients(X, Y, loss)
    weights, activations, deltas = net.weights, g.activations, g.deltas

    def products():
        for W, h in zip(weights, activations, strict=False):
            h @ W
        for layer in range(len(weights)):
            activations[layer].T @ deltas[layer]
            if layer:
                deltas[layer] @ weights[layer].T

    return products


def openblas_library():
    """numpy's OpenBLAS as a ctypes library (found in this process's memory map), or None."""
    with open("/proc/self/maps") as maps:
        paths = [line.split()[-1] for line in maps if "openblas" in line.lower()]
    return ctypes.CDLL(paths[0]) if paths else None


def openblas_function(lib, name):
    """OpenBLAS's ``name`` under the prefixes numpy's wheels use, or None."""
    for prefix in ("scipy_openblas_", "openblas_"):
        for suffix in ("64_", ""):
            function = getattr(lib, f"{prefix}{name}{suffix}", None) if lib else None
            if function is not None:
                return function
    return None


def set_threads(torch, lib, threads: int) -> None:
    """Give numpy's OpenBLAS and torch the same thread count."""
    set_blas = openblas_function(lib, "set_num_threads")
    if set_blas:
        set_blas(threads)
    torch.set_num_threads(threads)


def main(argv=None):
    import torch  # benchmark-only baseline, never a package dependency

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None,
                        help="the second thread setting (default: numpy's own thread count)")
    args = parser.parse_args(argv)
    lib = openblas_library()
    get_threads = openblas_function(lib, "get_num_threads")
    corename = openblas_function(lib, "get_corename")
    default_threads = args.threads or (get_threads() if get_threads else os.cpu_count())
    if corename:
        corename.restype = ctypes.c_char_p
    torch.set_default_dtype(torch.float64)
    print(f"numpy {np.__version__}: OpenBLAS {corename().decode() if corename else '?'} kernels "
          f"(OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}, "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', 'unset')})")
    print(f"torch {torch.__version__}; float64 on both sides")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} CPUs, load average {load} (other work skews the ratios)")
    missed = 0
    for threads in sorted({1, default_threads}):
        set_threads(torch, lib, threads)
        missed += table(torch, threads)
    print(f"\nmedians of {ROUNDS} samples, each contender timed alone in its own block; "
          "speed-up = torch median / numpy median;\nmatmul floor = share of our step time "
          "spent in its matrix products")
    return missed


def table(torch, threads: int) -> int:
    """Print the table for one thread setting; return how many targets were missed."""
    print(f"\nthreads = {threads} (numpy OpenBLAS and torch alike)")
    header = (f"{'case':<17}{'batch':>6}{'loss':>15}{'numpy µs':>11}{'torch µs':>11}"
              f"{'speed-up':>10}{'target':>8}{'matmul floor':>14}")
    print(header)
    print("-" * len(header))
    missed = 0
    for name, sizes, activation, loss, batch, target in CASES:
        net, X, Y = make_problem(sizes, activation, loss, batch)
        step, torch_weights = torch_step(torch, net, X, Y, loss)
        value = float(step().detach())
        ours = net.gradients(X, Y, loss)
        assert abs(value - ours.loss) <= 1e-12 * max(1.0, abs(ours.loss)), "losses differ"
        for dW, w in zip(ours.weights, torch_weights, strict=True):
            np.testing.assert_allclose(dW, w.grad.numpy(), rtol=1e-9, atol=1e-14)
        ours_s = statistics.median(seconds_alone(functools.partial(net.gradients, X, Y, loss)))
        torch_s = statistics.median(seconds_alone(step))
        floor_s = statistics.median(seconds_alone(matmul_floor(net, X, Y, loss)))
        speedup = torch_s / ours_s
        verdict = "ok" if speedup >= target else "MISSED"
        missed += verdict == "MISSED"
        print(f"{name:<17}{batch:>6}{loss:>15}{ours_s * 1e6:>11.1f}{torch_s * 1e6:>11.1f}"
              f"{speedup:>9.2f}x{target:>7.1f}x{floor_s / ours_s:>13.0%}  {verdict}")
    return missed


if __name__ == "__main__":
    raise SystemExit(1 if main() else 0)
