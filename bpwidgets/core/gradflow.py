"""Gradient flow through a deep network: how δ, dL/dW and activations change layer by layer.

Backpropagation computes δˡ = (δˡ⁺¹ Wˡ⁺¹ᵀ) ⊙ f'(zˡ). With independent weights of variance
Var[W] and n units in layer l (n = the width when all hidden layers are equally wide), each step
back multiplies ‖δ‖² by about

    s = n · Var[W] · E[f'(z)²]        (the gain; in the linear regime f' = 1 and s = n·Var[W])

so ‖δ‖ changes by about √s per layer: below 1 the gradients vanish towards the input, above 1
they explode (Glorot & Bengio 2010; He et al. 2015). ``gradient_flow`` builds a deep MLP with
random data, runs one backward pass and returns this picture as plain data, with a verdict.

Layers are numbered 0 … L−1 from the input, as in ``MLP.weights``; every per-layer array has
length L = depth + 1 (the hidden layers, then the output layer).

Norms, standard deviations and means are exact: they use every entry. Histograms of a layer with
more than ``HISTOGRAM_SAMPLE`` entries (dL/dW of two 512-wide layers has 262,144) bin a fixed
subsample of ``HISTOGRAM_SAMPLE`` entries, drawn uniformly without replacement by a generator
seeded with ``SAMPLE_SEED``: the same positions on every call, so a picture stays deterministic.
A bin's share of the subsample has a standard error of at most 0.5/√16384 ≈ 0.4 percentage
points against its share of all entries: too little to see in the curves (a test checks that
every bin is within 1 point). ``Histograms.examined`` says how many entries were binned.

``gradient_flow`` remembers the last initial weights (``initial_layers``): changing only the
activation, batch, learning rate or steps reuses them instead of drawing 13 M random numbers again
at depth 50 × width 512. It also remembers the last unscaled draws (``standard_draws``), so that
switching between inits of one kind ("he" and a std; "standard" and "xavier") or moving the std
only rescales them: the same weights as a fresh draw, bit for bit, at a fraction of the cost.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from bpwidgets.core.activations import ACTIVATIONS, activation
from bpwidgets.core.caching import MB, remembered
from bpwidgets.core.init import check_init, draw_kind, draw_standard, scale_draws
from bpwidgets.core.mlp import MLP, parameter_count
from bpwidgets.core.optim import SGD
from bpwidgets.core.validate import (
    check_choice,
    check_memory,
    check_positive,
    check_positive_int,
)

VANISHING_BELOW = 0.8  # measured ‖δ‖ factor per layer under this: vanishing
EXPLODING_ABOVE = 1.25  # over this: exploding
DEFAULT_BINS = 40
HISTOGRAM_SAMPLE = 16_384  # a layer with more entries is binned on a subsample of this size
SAMPLE_SEED = 2010  # seeds the subsample's positions (Glorot & Bengio's year)
LAYER_CACHE_BYTES = 128 * MB  # remembered initial layers and draws: depth 50 × width 512 fits


@dataclass(frozen=True)
class Histograms:
    """One histogram per layer on common bin edges: ``counts[l]`` over ``edges``.

    ``scale`` says what was binned: "value" or "log10|value|" (zeros cannot be binned on the log
    scale; ``zeros[l]`` counts them). Values outside the edges are counted in the end bins;
    ``nonfinite[l]`` counts inf/nan entries, which are not binned. All three count among the
    ``examined[l]`` entries: every entry of the layer, or a fixed subsample of
    ``HISTOGRAM_SAMPLE`` of them when it has more (see the module docstring).
    """

    counts: np.ndarray  # (L, bins) int
    edges: np.ndarray  # (bins + 1,)
    scale: str
    zeros: np.ndarray  # (L,) int
    nonfinite: np.ndarray  # (L,) int
    examined: np.ndarray  # (L,) int: counts + zeros + nonfinite


@dataclass(frozen=True)
class LayerStatistics:
    """Norm, standard deviation and mean of one quantity in each layer, and its histograms."""

    norm: np.ndarray  # (L,) Frobenius norm over the batch and units
    std: np.ndarray  # (L,)
    mean: np.ndarray  # (L,)
    histograms: Histograms


@dataclass(frozen=True)
class GradientFlow:
    """The gradient-flow picture of one network and batch (see the module docstring)."""

    sizes: tuple
    activation: str
    loss: float
    deltas: LayerStatistics  # δˡ = dL/dzˡ
    weight_grads: LayerStatistics  # dL/dWˡ
    activations: LayerStatistics  # hˡ = f(zˡ), the output of layer l
    saturation: np.ndarray  # (L,) fraction saturated, as ``saturation_rule`` says
    saturation_rule: str
    lr: float
    update_ratio: np.ndarray  # (L,) ‖lr·dWˡ‖ / ‖Wˡ‖
    linear_gains: np.ndarray  # (L−2,) n·E[W²] per hidden-to-hidden step (f' = 1)
    predicted_gains: np.ndarray  # (L−2,) n·E[W²]·E[f'(z)²] with E[f'²] from this batch
    linear_factor: float  # geometric mean of √linear_gains: predicted ‖δ‖ factor per layer
    predicted_factor: float  # geometric mean of √predicted_gains
    measured_factors: np.ndarray  # (L−2,) ‖δˡ‖ / ‖δˡ⁺¹‖ between hidden layers
    measured_factor: float  # their geometric mean: ‖δ‖ changes by this per layer
    finite: bool
    first_nonfinite_layer: int | None
    verdict: str  # "diverged", "vanishing", "exploding" or "healthy"
    message: str  # one sentence for the learner
    step: int = 0  # training steps taken before this picture
    losses: tuple = ()  # the loss before each training step 0 … step (this picture's last)
    diverged_at: int | None = None  # the first step whose loss had diverged, if one had


def build_deep_network(
    depth, width, activation="tanh", init="xavier", batch=128, seed=0, n_inputs=None, n_outputs=1
):
    """``(net, X, Y)``: an MLP with ``depth`` hidden layers of ``width`` and N(0, 1) data.

    The inputs have ``n_inputs`` columns (default: ``width``), the linear output ``n_outputs``.
    The weights come from ``seed``; the data from an independent stream of the same seed.
    """
    sizes, init, X, Y = _sizes_and_data(
        depth, width, activation, init, batch, seed, n_inputs, n_outputs
    )
    return MLP(sizes, activation=activation, init=init, seed=seed), X, Y


def _sizes_and_data(depth, width, activation, init, batch, seed, n_inputs, n_outputs) -> tuple:
    """``(sizes, init, X, Y)`` of ``build_deep_network``, every argument checked."""
    depth = check_positive_int("depth", depth)
    width = check_positive_int("width", width)
    check_choice("activation", activation, ACTIVATIONS)
    init = check_init(init)
    batch = check_positive_int("batch", batch)
    n_inputs = width if n_inputs is None else check_positive_int("n_inputs", n_inputs)
    n_outputs = check_positive_int("n_outputs", n_outputs)
    sizes = (n_inputs,) + (width,) * depth + (n_outputs,)
    check_memory("(depth, width, batch)", (depth, width, batch), _bytes_needed(sizes, batch),
                 "the weights, their gradients and the activations")
    data_rng = np.random.default_rng([seed, 1])  # a stream independent of the weights'
    X = data_rng.standard_normal((batch, n_inputs))
    return sizes, init, X, data_rng.standard_normal((batch, n_outputs))


def _bytes_needed(sizes, batch) -> int:
    """About the memory one trained picture needs: the weights three times (initial, trained,
    gradient) and z, h, δ of every layer for the batch, in float64."""
    return 8 * (3 * parameter_count(sizes) + 3 * batch * sum(sizes))


@remembered(maxsize=1, max_bytes=LAYER_CACHE_BYTES)
def initial_layers(sizes, init, seed) -> tuple:
    """``(weights, biases)`` of ``MLP(sizes, init=init, seed=seed)``, read-only and remembered.

    The weights are ``standard_draws`` scaled for ``init``. Only the last call's layers are kept,
    up to ``LAYER_CACHE_BYTES`` (105 MB at depth 50 × width 512); clear them with
    ``initial_layers.cache_clear()`` or ``core.caching.clear_caches()``.
    """
    draws = standard_draws(sizes, draw_kind(init), seed)
    weights = tuple(scale_draws(init, values) for values in draws)
    return weights, tuple(np.zeros(n_out) for n_out in sizes[1:])


@remembered(maxsize=1, max_bytes=LAYER_CACHE_BYTES)
def standard_draws(sizes, kind, seed) -> tuple:
    """The unscaled ``kind`` values ``MLP(sizes, seed=seed)`` draws per layer, read-only and
    remembered (the last call's only; clear with ``standard_draws.cache_clear()``)."""
    rng = np.random.default_rng(seed)  # the generator MLP draws its layers from, in order
    shapes = zip(sizes[:-1], sizes[1:], strict=True)
    return tuple(draw_standard(kind, n_in, n_out, rng) for n_in, n_out in shapes)


def _remembered_network(
    depth, width, activation, init, batch, seed, n_inputs, n_outputs, trained
) -> tuple:
    """``build_deep_network``'s ``(net, X, Y)`` on ``initial_layers``; copies of them when the
    network will be ``trained`` (SGD updates the arrays in place)."""
    sizes, init, X, Y = _sizes_and_data(
        depth, width, activation, init, batch, seed, n_inputs, n_outputs
    )
    weights, biases = initial_layers(sizes, init, seed)
    if trained:
        weights, biases = [W.copy() for W in weights], [b.copy() for b in biases]
    return MLP.from_weights(weights, biases, activation=activation, copy=False), X, Y


def gradient_flow(
    depth=10,
    width=64,
    activation="tanh",
    init="xavier",
    batch=128,
    seed=0,
    lr=0.01,
    steps=0,
    n_inputs=None,
    n_outputs=1,
    bins=DEFAULT_BINS,
) -> GradientFlow:
    """Build a deep MLP (``build_deep_network``), train ``steps`` full-batch SGD steps at ``lr``,
    then measure its gradient flow (``lr`` also sets the update ratio). Deterministic for a seed."""
    steps = _check_steps(steps)
    config = (depth, width, activation, init, batch, seed, n_inputs, n_outputs)
    net, X, Y = _remembered_network(*config, trained=steps > 0)
    return _train_and_measure(net, X, Y, lr, steps, {steps}, bins, init)[0]


def gradient_flow_during_training(
    depth=10,
    width=64,
    activation="tanh",
    init="xavier",
    batch=128,
    seed=0,
    lr=0.01,
    steps=100,
    every=10,
    n_inputs=None,
    n_outputs=1,
    bins=DEFAULT_BINS,
) -> tuple:
    """The gradient flow at steps 0, every, 2·every, … ≤ ``steps`` of full-batch SGD at ``lr``.

    One training run: each picture reuses the backward pass of its training step.
    """
    steps = _check_steps(steps)
    config = (depth, width, activation, init, batch, seed, n_inputs, n_outputs)
    net, X, Y = _remembered_network(*config, trained=steps > 0)
    every = check_positive_int("every", every)
    return _train_and_measure(net, X, Y, lr, steps, set(range(0, steps + 1, every)), bins, init)


def _train_and_measure(net, X, Y, lr, steps, measured_steps, bins, init) -> tuple:
    """Full-batch SGD for ``steps`` steps; the gradient flow at each of ``measured_steps``."""
    lr = check_positive("lr", lr)
    bins = check_positive_int("bins", bins)
    flows = []
    for step, grads, record in _sgd_steps(net, X, Y, lr):
        if step in measured_steps:
            flows.append(_flow_from_gradients(net, grads, lr, bins, init, step, record))
        if step == steps:
            break
    return tuple(flows)


def _sgd_steps(net, X, Y, lr: float):
    """Full-batch SGD on ``net``, without end: yields ``(step, grads, record)`` — the gradients
    at each step, before its update — and makes the update when the next step is asked for."""
    optimizer, record = SGD(lr), TrainingRecord(lr)
    for step in itertools.count():
        grads = net.gradients(X, Y)
        record.record(net, grads)
        yield step, grads, record
        with np.errstate(all="ignore"):  # a diverging run is shown, not warned about
            optimizer.step(net, grads)


class FlowRun:
    """A gradient-flow training run that can be continued: ``flow_at(k)`` trains only the steps
    past the furthest one reached and remembers every picture, so going back is a lookup.

    ``flow_at(k)`` equals ``gradient_flow(..., steps=k)``: the same operations in the same
    order. It holds one trained copy of the network (about 100 MB at depth 50 × width 512) and
    one small ``GradientFlow`` per step reached.
    """

    def __init__(self, depth=10, width=64, activation="tanh", init="xavier", batch=128, seed=0,
                 lr=0.01, n_inputs=None, n_outputs=1, bins=DEFAULT_BINS):
        self._lr = check_positive("lr", lr)
        self._bins = check_positive_int("bins", bins)
        self._init = init
        config = (depth, width, activation, init, batch, seed, n_inputs, n_outputs)
        self._net, X, Y = _remembered_network(*config, trained=True)
        self._steps = _sgd_steps(self._net, X, Y, self._lr)
        self._flows: list[GradientFlow] = []  # the picture at step 0, 1, 2, ...

    @property
    def steps_reached(self) -> int:
        """The furthest step trained so far (-1 before the first picture)."""
        return len(self._flows) - 1

    def flow_at(self, steps, on_step=None) -> GradientFlow:
        """The picture after ``steps`` SGD steps; ``on_step(step, steps, flow)`` runs after each
        new step (it may raise to stop: the steps done so far are kept)."""
        steps = _check_steps(steps)
        while len(self._flows) <= steps:
            self._advance()
            if on_step is not None:
                on_step(len(self._flows) - 1, steps, self._flows[-1])
        return self._flows[steps]

    def _advance(self) -> None:
        """One more step: the SGD update from the last gradients, then the new picture."""
        with np.errstate(all="ignore"):  # a diverging run is shown, not warned about
            step, grads, record = next(self._steps)
            self._flows.append(_flow_from_gradients(self._net, grads, self._lr, self._bins,
                                                    self._init, step, record))


DIVERGED_ABOVE = 1e3  # a loss this many times the starting loss (or overflowing): diverged
TARGET_UPDATE = 0.01  # a safe first step changes the weights by about 1% of their size


class TrainingRecord:
    """What a training run needs for its verdict: the losses so far and the first step's
    update ratio ‖lr·∂L/∂W‖ / ‖W‖ (largest over the layers)."""

    def __init__(self, lr: float):
        self.lr = lr
        self.losses: list[float] = []
        self.first_update = math.nan

    def record(self, net, grads) -> None:
        """Remember this step's loss (and at step 0 the update ratio the step will make)."""
        self.losses.append(float(grads.loss))
        if len(self.losses) == 1:
            with np.errstate(all="ignore"):
                ratios = [self.lr * np.linalg.norm(g) / np.linalg.norm(W)
                          for g, W in zip(grads.weights, net.weights, strict=True)]
            self.first_update = float(np.max(ratios))

    def diverged_at(self) -> int | None:
        """The first step whose loss overflowed or grew ``DIVERGED_ABOVE`` × the first; or None."""
        start = self.losses[0] if self.losses else math.nan
        if not math.isfinite(start):
            return None  # the untrained network already overflows: not the training's doing
        for step, loss in enumerate(self.losses):
            if not math.isfinite(loss) or loss > DIVERGED_ABOVE * max(start, 1e-12):
                return step
        return None

    def sentence(self, step: int) -> str:
        """Why training diverged at ``step``: the learning rate for this scale of gradients."""
        start, reached = self.losses[0], self.losses[step]
        grew = (f"the loss grew from {start:.3g} to {reached:.3g}" if math.isfinite(reached)
                else f"the loss grew from {start:.3g} beyond float64's range")
        smaller = self.lr * min(0.1, TARGET_UPDATE / self.first_update)
        return (
            f"training diverged at step {step}: {grew} — learning rate {self.lr:g} is too "
            f"large for gradients of this size (the first step changed the weights by "
            f"{_percent(self.first_update)} of their size); try lr {smaller:.1g} or less"
        )


def _percent(ratio: float) -> str:
    """A ratio as a percentage a learner reads: '0.3%', '45%', '2e+04%'."""
    if not math.isfinite(ratio):
        return "more than float64 can hold"
    percent = 100 * ratio
    return f"{percent:.2g}%" if percent < 1e4 else f"{percent:.0e}%"


def _check_steps(steps) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0; got {steps!r}")
    return int(steps)


def flow_statistics(net, X, Y, loss="mse", lr=0.01, bins=DEFAULT_BINS, init=None) -> GradientFlow:
    """The gradient-flow picture of ``net`` on one batch: one forward and backward pass.

    ``init`` (optional) names the initialisation only to suggest a better one in the message.
    """
    lr = check_positive("lr", lr)
    bins = check_positive_int("bins", bins)
    X, Y = net.check_data(X, Y, loss)
    return _flow_from_gradients(net, net.gradients(X, Y, loss), lr, bins, init)


def _flow_from_gradients(net, grads, lr, bins, init, step=0, run=None) -> GradientFlow:
    """The statistics of one backward pass ``grads`` of ``net``."""
    with np.errstate(all="ignore"):  # overflowing networks give inf/nan statistics, quietly
        deltas = _layer_statistics(grads.deltas, LOG_SCALE, bins)
        weight_grads = _layer_statistics(grads.weights, LOG_SCALE, bins)
        outputs = grads.activations[1:]
        activations = _layer_statistics(
            outputs, "value", bins, _activation_edges(net, outputs, bins)
        )
        saturation, rule = _saturation(net, outputs)
        weight_norms, weight_mean_squares = _weight_sizes(net.weights)
        update_ratio = lr * weight_grads.norm / weight_norms
        gains = _gains(net, grads, weight_mean_squares)
        measured = deltas.norm[:-2] / deltas.norm[1:-1]
        measured_factor = _geometric_mean(measured)
        linear_factor, predicted_factor = (_geometric_mean(np.sqrt(g)) for g in gains)
    finite = _all_finite(grads, deltas, weight_grads, activations)
    verdict, message = _verdict(net, grads, finite, measured_factor, init, saturation,
                                deltas.norm)
    diverged_at = run.diverged_at() if run is not None else None
    if diverged_at is not None:
        verdict, message = "diverged", f"{run.sentence(diverged_at)}. Now: {message}"
    return GradientFlow(
        sizes=net.sizes,
        activation=net.activation,
        loss=grads.loss,
        deltas=deltas,
        weight_grads=weight_grads,
        activations=activations,
        saturation=saturation,
        saturation_rule=rule,
        lr=lr,
        update_ratio=update_ratio,
        linear_gains=gains[0],
        predicted_gains=gains[1],
        linear_factor=linear_factor,
        predicted_factor=predicted_factor,
        measured_factors=measured,
        measured_factor=measured_factor,
        finite=finite,
        first_nonfinite_layer=None if finite else grads.first_nonfinite_layer,
        verdict=verdict,
        message=message,
        step=step,
        losses=tuple(run.losses) if run is not None else (grads.loss,),
        diverged_at=diverged_at,
    )


def _all_finite(grads, deltas, weight_grads, activations) -> bool:
    """``all(grads.finite)`` and finite δ norms, without another pass over every dL/dW entry:
    an exact norm is finite only when every entry is, so only z and dL/db are still checked."""
    norms = (deltas.norm, weight_grads.norm, activations.norm)
    small = (*grads.preactivations, *grads.biases)
    if all(np.isfinite(n).all() for n in norms) and all(np.isfinite(a).all() for a in small):
        return True
    return all(grads.finite) and bool(np.all(np.isfinite(deltas.norm)))


# --- statistics ---------------------------------------------------------------------------
LOG_SCALE = "log10|value|"
SAFE_TO_SQUARE = (1e-100, 1e100)  # entries in this range are squared and summed as they are
SAFE_SUM_OF_SQUARES = (1e-200, math.inf)  # a plain Σv² in this range lost nothing to rounding


def _layer_statistics(arrays, scale, bins, edges=None) -> LayerStatistics:
    """Exact norm, std and mean; histograms on common ``edges`` (default: the binned values'
    span) of every entry, or of a fixed subsample for layers over ``HISTOGRAM_SAMPLE`` entries.

    A layer holding inf/nan entries gets norm inf and std, mean nan; its finite entries are
    still binned.
    """
    # layer by layer, so that the sample is drawn while the layer is still in the CPU's cache
    moments, examined = zip(*((_moments(a), _histogram_sample(a)) for a in arrays), strict=True)
    finite = [_finite_values(v) for v in examined]
    binned = [_log_magnitudes(v) for v in finite] if scale == LOG_SCALE else finite
    if edges is None:
        edges = _common_edges(binned, bins, None, whole_decades=scale == LOG_SCALE)
    counts = [_histogram(values, edges) for values in binned]
    norm, std, mean = (np.array(column) for column in zip(*moments, strict=True))
    histograms = Histograms(
        counts=np.array(counts),
        edges=edges,
        scale=scale,
        zeros=np.array([v.size - b.size for v, b in zip(finite, binned, strict=True)]),
        nonfinite=np.array([e.size - v.size for e, v in zip(examined, finite, strict=True)]),
        examined=np.array([e.size for e in examined]),
    )
    return LayerStatistics(norm, std, mean, histograms)


def _histogram_sample(array) -> np.ndarray:
    """The entries of ``array`` a histogram bins, flat: all, or ``HISTOGRAM_SAMPLE`` of them."""
    flat = array.ravel()
    if flat.size <= HISTOGRAM_SAMPLE:
        return flat
    return flat[_sample_positions(flat.size)]


@remembered(maxsize=8, max_bytes=8 * HISTOGRAM_SAMPLE * 8)
def _sample_positions(size) -> np.ndarray:
    """``HISTOGRAM_SAMPLE`` distinct positions in range(size), uniform, the same on every call."""
    rng = np.random.default_rng(SAMPLE_SEED)
    return np.sort(rng.choice(size, HISTOGRAM_SAMPLE, replace=False, shuffle=False))


def _finite_values(array) -> np.ndarray:
    """The finite entries of ``array``, flat (without a copy when all of them are)."""
    flat = array.ravel()
    if math.isfinite(float(np.sum(flat))):  # one inf or nan entry would make the sum inf/nan
        return flat
    return flat[np.isfinite(flat)]


def _moments(array) -> tuple:
    """(norm, std, mean) of every entry of ``array``; (inf, nan, nan) if one is inf or nan.

    Two passes (Σv, Σv²) when Σv² is a safe size, else the careful ``_finite_moments``.
    """
    flat = array.ravel()
    total = float(np.sum(flat))
    squares = float(np.dot(flat, flat))  # inf or nan when any entry is
    if math.isfinite(total) and SAFE_SUM_OF_SQUARES[0] < squares < SAFE_SUM_OF_SQUARES[1]:
        mean = total / flat.size
        std = math.sqrt(max(squares / flat.size - mean * mean, 0.0))
        return math.sqrt(squares), std, mean
    finite = _finite_values(flat)
    if finite.size < flat.size:
        return math.inf, math.nan, math.nan
    return _finite_moments(finite)


def _finite_moments(values) -> tuple:
    """(norm, std, mean) of finite values; huge or tiny ones are scaled by max|v| first so
    that squaring them can neither overflow nor underflow."""
    peak = max(float(values.max()), -float(values.min())) if values.size else 0.0
    if peak == 0.0:
        return 0.0, 0.0, 0.0
    scale = 1.0 if SAFE_TO_SQUARE[0] < peak < SAFE_TO_SQUARE[1] else peak
    scaled = values if scale == 1.0 else values / scale
    mean = float(np.mean(scaled))
    mean_square = float(np.einsum("i,i->", scaled, scaled)) / values.size
    norm = scale * math.sqrt(mean_square * values.size)
    return norm, scale * math.sqrt(max(mean_square - mean * mean, 0.0)), scale * mean


def _weight_sizes(weights) -> tuple:
    """Per layer: ‖W‖ over W's finite entries, and E[W²] (inf or nan if an entry is).

    One pass over W (Σw²) when that sum is a safe size.
    """
    norms, mean_squares = [], []
    for W in weights:
        flat = W.ravel()
        squares = float(np.dot(flat, flat))
        if SAFE_SUM_OF_SQUARES[0] < squares < SAFE_SUM_OF_SQUARES[1]:
            norms.append(math.sqrt(squares))
            mean_squares.append(squares / flat.size)
        else:
            norms.append(_finite_moments(_finite_values(flat))[0])
            mean_squares.append(float(np.mean(flat * flat)))
    return np.array(norms), np.array(mean_squares)


def _log_magnitudes(values) -> np.ndarray:
    """log10|v| of the non-zero values (zeros have no logarithm; they are counted apart)."""
    magnitudes = np.abs(values)
    if np.count_nonzero(magnitudes) < magnitudes.size:
        magnitudes = magnitudes[magnitudes != 0]
    return np.log10(magnitudes, out=magnitudes)


def _common_edges(binned, bins, fixed_range, whole_decades) -> np.ndarray:
    """Edges shared by every layer: ``fixed_range``, else the span of all binned values."""
    if fixed_range is not None:
        low, high = fixed_range
    else:
        filled = [values for values in binned if values.size]
        low = min((float(v.min()) for v in filled), default=-1.0)
        high = max((float(v.max()) for v in filled), default=1.0)
        if whole_decades:
            low, high = math.floor(low), math.ceil(high)
        if high <= low:
            low, high = low - 1.0, high + 1.0
    return np.linspace(low, high, bins + 1)


def _histogram(values, edges) -> np.ndarray:
    """Counts of ``values`` in the uniform bins ``edges``; values outside go to the end bins."""
    bins = len(edges) - 1
    position = values * (bins / (edges[-1] - edges[0]))
    position -= edges[0] * (bins / (edges[-1] - edges[0]))
    np.clip(position, 0, bins - 1, out=position)
    return np.bincount(position.astype(np.intp), minlength=bins)


def _activation_edges(net, outputs, bins) -> np.ndarray:
    """Common edges for the layer outputs, chosen by the hidden layers: the hidden activation's
    range when it is bounded, else the span of the hidden values (the output layer is clipped)."""
    bounds = ACTIVATIONS[net.activation].bounds
    if bounds is not None and len(outputs) > 1:
        return _common_edges([], bins, bounds, whole_decades=False)
    hidden = outputs[:-1] or outputs
    return _common_edges([_finite_values(h) for h in hidden], bins, None, whole_decades=False)


# --- saturation ---------------------------------------------------------------------------
def saturated_fraction(name: str, h) -> float:
    """The fraction of ``h`` (batch, units) saturated under activation ``name``'s rule."""
    return activation(name).saturated(h)


def _saturation(net, outputs):
    names = [net.activation] * (len(outputs) - 1) + [net.output_activation]
    fractions = [saturated_fraction(name, h) for name, h in zip(names, outputs, strict=True)]
    return np.array(fractions), ACTIVATIONS[net.activation].saturation_rule


# --- theory and verdict -------------------------------------------------------------------
def _gains(net, grads, weight_mean_squares):
    """Per hidden-to-hidden step l: n·E[W²] and n·E[W²]·E[f'(zˡ)²], W = weights[l + 1] of shape
    (n, m); E[W²] is measured (it is Var[W] for zero-mean weights)."""
    derivative = ACTIVATIONS[net.activation].df
    linear, predicted = [], []
    for layer in range(len(net.weights) - 2):
        gain = net.weights[layer + 1].shape[0] * weight_mean_squares[layer + 1]
        linear.append(gain)
        predicted.append(gain * float(np.mean(derivative(grads.preactivations[layer]) ** 2)))
    return np.array(linear), np.array(predicted)


def _geometric_mean(factors) -> float:
    if len(factors) == 0:
        return math.nan
    return float(np.exp(np.mean(np.log(factors))))


SATURATED_MAJORITY = 0.5  # hidden layers this saturated on average stop the gradient
HUGE_OUTPUT_GRADIENT = 1e3  # ‖δ‖ of the output layer above this: the output gradient explodes


def _verdict(net, grads, finite, factor, init, saturation, delta_norms):
    """("vanishing" | "exploding" | "healthy", one sentence) from the measured data.

    Layers are named as the panel's axes count them: 1 = the first hidden layer … L = output.
    Saturation (f′ ≈ 0 stops the gradient) and a huge output gradient are named apart.
    """
    advice = _advice(net.activation, init)
    last = len(net.weights)
    if not finite:
        layer = grads.first_nonfinite_layer
        where = f"in layer {layer + 1} of {last}" if layer is not None else "in the statistics"
        return ("exploding", f"values grow beyond float64's range {where} (overflow): "
                f"exploding — {advice}")
    notes = _saturation_and_output_notes(net, saturation, delta_norms)
    if len(net.weights) < 3:
        return "healthy", "one hidden layer: no layer-to-layer factor to judge, so healthy"
    if not math.isfinite(factor) or factor == 0.0:
        why = f"{notes}, so " if notes else ""
        return "vanishing", f"{why}no gradient reaches the first hidden layer: vanishing — {advice}"
    depth = len(net.weights) - 1
    total = f"×{factor ** (depth - 1):.2g} from the last hidden layer to the first"
    suffix = f"; {notes}" if notes else ""
    if factor < VANISHING_BELOW:
        return (
            "vanishing",
            f"gradients shrink ×{factor:.2f} per layer ({total}){suffix}: vanishing — {advice}",
        )
    if factor > EXPLODING_ABOVE:
        return (
            "exploding",
            f"gradients grow ×{factor:.2f} per layer ({total}){suffix}: exploding — {advice}",
        )
    return ("healthy",
            f"gradients keep their size (×{factor:.2f} per layer, {total}){suffix}: healthy")


def _saturation_and_output_notes(net, saturation, delta_norms) -> str:
    """'' or what else the learner should know: most hidden units saturated (f′ ≈ 0), and/or
    a huge gradient at the output layer."""
    notes = []
    hidden = saturation[:-1]
    record = ACTIVATIONS[net.activation]
    if record.bounds is not None and hidden.size:  # a bounded f is flat (f′ ≈ 0) near its ends
        share = float(np.mean(hidden))
        if share > SATURATED_MAJORITY:
            notes.append(f"{share:.0%} of the hidden units are saturated "
                         f"({record.saturation_rule}), where f′ ≈ 0")
    output = float(delta_norms[-1])
    if output > HUGE_OUTPUT_GRADIENT:
        notes.append(f"the output layer's gradient is huge (‖δ‖ = {output:.2g} in layer "
                     f"{len(delta_norms)})")
    return " and ".join(notes)


def _advice(name, init) -> str:
    """What to try next: the init matched to the activation, else the activation's own advice."""
    record = ACTIVATIONS[name]
    if init == record.suggested_init:
        return record.advice or "try a smaller depth or learning rate"
    return f"try init '{record.suggested_init}'"
