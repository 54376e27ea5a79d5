"""Slices of a network's loss through parameter space: 2-D planes, 1-D lines, PCA of a run.

A plane is the set of parameter vectors θ + α·d1 + β·d2 around the centre θ; its loss values
are computed for all grid points at once by a batched forward pass: the K parameter vectors of a
chunk are unpacked into stacked weights of shape (K, n_in, n_out), and ``np.matmul`` broadcasts
each layer over the stack. Directions (Li et al. 2018, "Visualizing the Loss Landscape of
Neural Nets"):

- ``"filter"``: a Gaussian direction whose every neuron is rescaled to the norm of that neuron's
  incoming weights (a column of W in our (n_in, n_out) layout); biases get zero,
- ``"random"``: a Gaussian direction rescaled to the norm of the whole parameter vector,
- ``(d1, d2)``: two given flat vectors in ``MLP.get_params`` order,
- ``"pca"``: the top two principal components of a training run's snapshots minus the final
  parameters, with the run drawn into the plane.

Nothing here changes the network it is given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpwidgets.core.activations import ACTIVATIONS
from bpwidgets.core.losses import losses_per_set
from bpwidgets.core.validate import (
    check_choice,
    check_finite_array,
    check_positive,
    check_positive_int,
)

DIRECTIONS = ("filter", "random", "pca")
# Each chunk's widest layer output stays under 2**14 floats = 128 KB, glibc's threshold for
# serving memory from fresh pages: bigger arrays page-fault on every chunk, which was measured
# to cost more than the arithmetic (benchmarks/bench_surface.py).
FLOATS_PER_CHUNK = 2**14


@dataclass(frozen=True)
class Surface:
    """Loss values on the plane centre + α·d1 + β·d2; ``values[j, i]`` is at (alphas[i], betas[j]).

    For ``directions="pca"``, ``trajectory`` holds each snapshot's (α, β) and
    ``explained_variance`` the share of the run's squared distance that d1 and d2 carry.
    Values that overflow are inf or nan.
    """

    alphas: np.ndarray
    betas: np.ndarray
    values: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    centre: np.ndarray
    centre_loss: float
    directions: str
    loss: str
    trajectory: np.ndarray | None = None
    explained_variance: np.ndarray | None = None


@dataclass(frozen=True)
class LossLine:
    """Loss values along start + α·direction, one per entry of ``alphas``."""

    alphas: np.ndarray
    values: np.ndarray
    start: np.ndarray
    direction: np.ndarray
    loss: str


# --- directions ---------------------------------------------------------------------------
def filter_normalized_direction(net, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian direction with each neuron scaled to its incoming weights' norm; biases zero."""
    parts = []
    for W, b in zip(net.weights, net.biases, strict=True):
        d = rng.standard_normal(W.shape)
        d *= np.linalg.norm(W, axis=0) / np.linalg.norm(d, axis=0)  # columns are neurons
        parts += [d.ravel(), np.zeros(b.size)]
    return np.concatenate(parts)


def random_direction(net, rng: np.random.Generator) -> np.ndarray:
    """A Gaussian direction scaled to the norm of the whole parameter vector (1 if that is 0)."""
    d = rng.standard_normal(net.num_params)
    scale = np.linalg.norm(net.get_params()) or 1.0
    return d * (scale / np.linalg.norm(d))


def pca_directions(snapshots, centre):
    """``(d1, d2, trajectory, explained_variance)`` for the run ``snapshots`` around ``centre``.

    The principal components are those of the rows of snapshots − centre (not mean-centred:
    the centre is the end of the run). Each direction is a unit component times the run's
    largest |coordinate|, so the trajectory lies inside [-1, 1]² and span=1 shows all of it.
    Signs are chosen so the run starts at non-negative coordinates.
    """
    offsets = snapshots - centre
    _, singular, components = np.linalg.svd(offsets, full_matrices=False)
    if len(singular) < 2 or singular[1] <= 1e-12 * singular[0]:
        raise ValueError(
            "history must hold snapshots that span a plane (at least 3 distinct, not on one "
            f"line); got {len(snapshots)} snapshots"
        )
    top = components[:2]
    top *= np.where(offsets[0] @ top.T < 0, -1.0, 1.0)[:, np.newaxis]
    coordinates = offsets @ top.T
    radius = np.abs(coordinates).max()
    explained = singular[:2] ** 2 / np.sum(singular**2)
    return top[0] * radius, top[1] * radius, coordinates / radius, explained


def _checked_vector(name, vector, num_params):
    vector = check_finite_array(name, vector, ndim=1)
    if vector.shape != (num_params,):
        raise ValueError(
            f"{name} must have shape ({num_params},), one entry per parameter; "
            f"got shape {vector.shape}"
        )
    return vector


def _given_directions(directions, num_params):
    if len(directions) != 2:
        raise ValueError(f"directions must be a pair (d1, d2); got {len(directions)} vectors")
    return [_checked_vector(f"directions[{i}]", d, num_params) for i, d in enumerate(directions)]


# --- batched evaluation -------------------------------------------------------------------
def batched_forward(net, X, param_sets) -> np.ndarray:
    """Outputs of ``net``'s architecture for K parameter vectors at once: shape (K, batch, n_out).

    ``param_sets`` is (K, num_params) in ``get_params`` order; the net itself is not used for
    its parameters, only for its sizes and activations.
    """
    K = len(param_sets)
    h = X
    start = 0
    last = len(net.weights) - 1
    for layer, (n_in, n_out) in enumerate(zip(net.sizes[:-1], net.sizes[1:], strict=True)):
        W = param_sets[:, start : start + n_in * n_out].reshape(K, n_in, n_out)
        start += n_in * n_out
        b = param_sets[:, np.newaxis, start : start + n_out]
        start += n_out
        z = np.matmul(h, W)
        z += b
        name = net.output_activation if layer == last else net.activation
        h = ACTIVATIONS[name].f(z)
    return h


def losses_along(net, X, Y, loss, start, directions, coefficients) -> np.ndarray:
    """Loss at start + coefficients[k] @ directions for every row k, in memory-bounded chunks.

    ``directions`` is (M, num_params), ``coefficients`` (K, M); returns (K,). X and Y must
    already be checked (``net.check_data(X, Y, loss)`` does that).
    """
    widest = max(net.sizes[1:])
    chunk = max(1, FLOATS_PER_CHUNK // (len(X) * widest + net.num_params))
    values = np.empty(len(coefficients))
    with np.errstate(all="ignore"):  # far from the centre a slice may overflow: inf is the answer
        for first in range(0, len(coefficients), chunk):
            rows = slice(first, first + chunk)
            param_sets = start + coefficients[rows] @ directions
            values[rows] = losses_per_set(loss, batched_forward(net, X, param_sets), Y)
    return values


def _checked_data(net, X, Y, loss):
    """X and Y in the shapes the batched pass needs, and the loss at the net's parameters."""
    X, Y = net.check_data(X, Y, loss)
    return X, Y, net.loss(X, Y, loss)


# --- the public slices --------------------------------------------------------------------
def loss_surface(
    net, X, Y, loss="mse", directions="filter", span=1.0, resolution=51, seed=0, history=None
) -> Surface:
    """The loss on a (resolution x resolution) grid of the plane θ + α·d1 + β·d2, α, β in ±span.

    ``directions``: "filter", "random", "pca" (needs ``history=`` a training History whose
    ``snapshots`` are the run) or a pair of flat vectors. The centre θ is always the net's
    current parameters (after ``train``, the run's last snapshot). With "pca" the run fits in
    [-1, 1]², so span=1.2 shows it with a margin. The grid is evaluated in one batched forward
    pass per chunk, never one point at a time; ``net`` is left unchanged.
    """
    span = check_positive("span", span)
    resolution = check_positive_int("resolution", resolution)
    X, Y, centre_loss = _checked_data(net, X, Y, loss)
    centre = net.get_params()
    trajectory = explained = None
    if isinstance(directions, str):
        name = check_choice("directions", directions, DIRECTIONS)
        rng = np.random.default_rng(seed)
        if name == "filter":
            d1, d2 = filter_normalized_direction(net, rng), filter_normalized_direction(net, rng)
        elif name == "random":
            d1, d2 = random_direction(net, rng), random_direction(net, rng)
        else:
            snapshots = _checked_snapshots(history, net.num_params)
            d1, d2, trajectory, explained = pca_directions(snapshots, centre)
    else:
        name = "given"
        d1, d2 = _given_directions(directions, net.num_params)
    alphas = np.linspace(-span, span, resolution)
    betas = np.linspace(-span, span, resolution)
    beta_grid, alpha_grid = np.meshgrid(betas, alphas, indexing="ij")
    coefficients = np.column_stack([alpha_grid.ravel(), beta_grid.ravel()])
    values = losses_along(net, X, Y, loss, centre, np.stack([d1, d2]), coefficients)
    return Surface(
        alphas=alphas,
        betas=betas,
        values=values.reshape(resolution, resolution),
        d1=d1,
        d2=d2,
        centre=centre,
        centre_loss=centre_loss,
        directions=name,
        loss=loss,
        trajectory=trajectory,
        explained_variance=explained,
    )


def _checked_snapshots(history, num_params):
    snapshots = getattr(history, "snapshots", None)
    if snapshots is None:
        raise ValueError("directions 'pca' needs history=, a training History with snapshots")
    snapshots = check_finite_array("history.snapshots", snapshots, ndim=2)
    if snapshots.shape[1] != num_params:
        raise ValueError(
            f"history.snapshots must have {num_params} columns, one per parameter of net; "
            f"got shape {snapshots.shape}"
        )
    return snapshots


def loss_line(
    net, X, Y, loss="mse", other=None, direction=None, span=1.0, resolution=51, seed=0
) -> LossLine:
    """The loss along a line through the net's parameters θ, at ``resolution`` values of α.

    With ``other`` (a second net of the same sizes, or a flat parameter vector) the line is the
    interpolation θ + α·(θ_other − θ), α from -0.5 to 1.5 (α = 1 is ``other``; Goodfellow et al.
    2015). Otherwise it is θ + α·d for α in ±span, d from ``direction``: "filter" (the
    default), "random" or a flat vector.
    """
    resolution = check_positive_int("resolution", resolution)
    X, Y, _ = _checked_data(net, X, Y, loss)
    start = net.get_params()
    if other is not None:
        if direction is not None:
            raise ValueError("give either other= (interpolate) or direction=, not both")
        end = other.get_params() if hasattr(other, "get_params") else other
        direction = _checked_vector("other", end, net.num_params) - start
        alphas = np.linspace(-0.5, 1.5, resolution)
    else:
        span = check_positive("span", span)
        direction = _line_direction(net, direction, seed)
        alphas = np.linspace(-span, span, resolution)
    values = losses_along(net, X, Y, loss, start, direction[np.newaxis], alphas[:, np.newaxis])
    return LossLine(alphas, values, start, direction, loss)


def _line_direction(net, direction, seed):
    if direction is None or isinstance(direction, str):
        name = check_choice("direction", direction or "filter", ("filter", "random"))
        rng = np.random.default_rng(seed)
        if name == "filter":
            return filter_normalized_direction(net, rng)
        return random_direction(net, rng)
    return _checked_vector("direction", direction, net.num_params)
