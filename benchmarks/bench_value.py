"""Speed of bpwidgets' Value against micrograd 0.1.0 on the same small MLP, in the same run.

Forward + backward of a 2-16-16-1 MLP built from scalar Values (tanh hidden layers, linear
output, mean squared error) over 32 samples. Both engines get identical weights and data.
bpwidgets records a ChainRuleStep for every chain-rule application; micrograd records nothing.

Run: ``python benchmarks/bench_value.py`` (about 10 seconds).
"""

from __future__ import annotations

import gc
import math
import random
import statistics
import time

from bpwidgets.core.value import Value

LAYER_SIZES = (2, 16, 16, 1)
N_SAMPLES = 32
REPEATS = 15


def make_problem(seed: int = 0):
    """Return (weights, samples): weights[l] = (rows of W, biases); samples = [(x1, x2, t)]."""
    rng = random.Random(seed)
    weights = []
    for n_in, n_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=True):
        rows = [[rng.uniform(-1, 1) / math.sqrt(n_in) for _ in range(n_in)] for _ in range(n_out)]
        weights.append((rows, [0.0] * n_out))
    samples = [(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-1, 1)) for _ in range(N_SAMPLES)]
    return weights, samples


def micrograd_tanh(x):
    """tanh for micrograd 0.1.0 (which has none), written the way micrograd writes its ops."""
    from micrograd.engine import Value as MicroValue

    t = math.tanh(x.data)
    out = MicroValue(t, (x,), "tanh")

    def _backward():
        x.grad += (1 - t**2) * out.grad

    out._backward = _backward
    return out


def mlp_loss(value_class, tanh, weights, samples):
    """Build the MLP's MSE over ``samples`` from ``value_class`` scalars; return (loss, params)."""
    params = [
        ([[value_class(w) for w in row] for row in rows], [value_class(b) for b in biases])
        for rows, biases in weights
    ]
    total = value_class(0.0)
    for x1, x2, target in samples:
        h = [value_class(x1), value_class(x2)]
        for depth, (rows, biases) in enumerate(params):
            pre = [sum((w * x for w, x in zip(row, h, strict=True)), b)
                   for row, b in zip(rows, biases, strict=True)]
            h = pre if depth == len(params) - 1 else [tanh(p) for p in pre]
        error = h[0] - target
        total = total + error * error
    return total * (1.0 / len(samples)), params


def time_once(value_class, tanh, weights, samples) -> tuple[float, float]:
    """Seconds for one forward + backward; also return the loss."""
    gc.collect()  # micrograd's closures make cyclic garbage; clear it so neither pays for it
    start = time.perf_counter()
    loss, _ = mlp_loss(value_class, tanh, weights, samples)
    loss.backward()
    return time.perf_counter() - start, loss.data


def time_engines(engines, weights, samples) -> list[tuple[float, float]]:
    """Median seconds and loss per engine; runs alternate so load changes hit both alike."""
    times = [[] for _ in engines]
    losses = [0.0 for _ in engines]
    for _ in range(REPEATS):
        for k, (value_class, tanh) in enumerate(engines):
            seconds, losses[k] = time_once(value_class, tanh, weights, samples)
            times[k].append(seconds)
    return [(statistics.median(t), loss) for t, loss in zip(times, losses, strict=True)]


def first_weight_grad(value_class, tanh, weights, samples) -> float:
    """∂loss/∂W[0][0][0], to show both engines compute the same gradients."""
    loss, params = mlp_loss(value_class, tanh, weights, samples)
    loss.backward()
    return params[0][0][0][0].grad


def main() -> None:
    """Print a table of median timings and the ratio bpwidgets / micrograd."""
    from micrograd.engine import Value as MicroValue

    weights, samples = make_problem()
    ours_grad = first_weight_grad(Value, Value.tanh, weights, samples)
    micro_grad = first_weight_grad(MicroValue, micrograd_tanh, weights, samples)
    assert math.isclose(ours_grad, micro_grad, rel_tol=1e-12), (ours_grad, micro_grad)

    engines = [(MicroValue, micrograd_tanh), (Value, Value.tanh)]
    (micro_time, micro_loss), (ours_time, ours_loss) = time_engines(engines, weights, samples)
    assert math.isclose(ours_loss, micro_loss, rel_tol=1e-12)
    loss, _ = mlp_loss(Value, Value.tanh, weights, samples)
    n_nodes, n_steps = len(loss.topo()), len(loss.backward())

    print(f"2-16-16-1 MLP, {N_SAMPLES} samples, forward + backward, median of {REPEATS}")
    print(f"graph: {n_nodes} nodes, {n_steps} chain-rule steps recorded by bpwidgets")
    print(f"{'engine':<22}{'median ms':>12}{'ratio':>10}")
    print(f"{'micrograd 0.1.0':<22}{micro_time * 1e3:>12.1f}{1.0:>10.2f}")
    print(f"{'bpwidgets Value':<22}{ours_time * 1e3:>12.1f}{ours_time / micro_time:>10.2f}")


if __name__ == "__main__":
    main()
