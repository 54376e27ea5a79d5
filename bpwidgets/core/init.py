"""Weight initialisations and the weight variance each one gives.

- ``"standard"``: U[-1/sqrt(n_in), 1/sqrt(n_in)] (Glorot & Bengio 2010, eq. 1), Var = 1/(3 n_in).
- ``"xavier"``: U[±sqrt(6/(n_in+n_out))] (their eq. 16), Var = 2/(n_in+n_out).
- ``"he"``: N(0, 2/n_in) (He et al. 2015), Var = 2/n_in.
- a number ``std`` >= 0: N(0, std^2), Var = std^2.

Biases start at zero. A layer's weights have shape (n_in, n_out).

Drawing is split in two steps: ``draw_standard`` draws the unscaled values from ``rng`` (U[0, 1)
for the uniform inits, N(0, 1) for "he" and a std), ``scale_draws`` turns them into weights.
The split gives exactly the numbers of ``rng.uniform(-limit, limit)`` and ``rng.normal(0, std)``
(numpy computes those as ``-limit + 2·limit·u`` and ``0 + std·z`` from the same stream), and it
lets a caller keep the expensive draws and rescale them for another init of the same kind.
"""

from __future__ import annotations

import math

import numpy as np

from bpwidgets.core.validate import check_choice

INITS = ("standard", "xavier", "he")
DRAW_KINDS = ("uniform", "normal")  # U[0, 1) and N(0, 1): what draw_standard can draw


def check_init(init) -> str | float:
    """Return ``init`` if it is an init name or a std >= 0; else raise ValueError."""
    if isinstance(init, str) and init in INITS:
        return init
    is_number = isinstance(init, (int, float, np.integer, np.floating)) and not isinstance(init, bool)
    if is_number and math.isfinite(init) and init >= 0:
        return float(init)
    choices = ", ".join(repr(name) for name in INITS)
    raise ValueError(f"init must be one of {choices} or a standard deviation >= 0; got {init!r}")


def weight_variance(init, n_in: int, n_out: int) -> float:
    """Return Var[W] of one weight under ``init`` for a layer with n_in inputs and n_out outputs."""
    init = check_init(init)
    if init == "standard":
        return 1.0 / (3.0 * n_in)
    if init == "xavier":
        return 2.0 / (n_in + n_out)
    if init == "he":
        return 2.0 / n_in
    return init**2


def draw_kind(init) -> str:
    """The unscaled values ``init`` scales: "uniform" (U[0, 1)) or "normal" (N(0, 1))."""
    return "uniform" if check_init(init) in ("standard", "xavier") else "normal"


def draw_standard(kind: str, n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Draw an (n_in, n_out) float64 matrix of unscaled ``kind`` values from ``rng``."""
    if check_choice("kind", kind, DRAW_KINDS) == "uniform":
        return rng.random((n_in, n_out))
    return rng.standard_normal((n_in, n_out))


def scale_draws(init, draws: np.ndarray) -> np.ndarray:
    """The weights ``init`` makes of ``draw_standard(draw_kind(init), n_in, n_out, rng)``, in a
    new array: equal bit for bit to drawing them with ``init_weights`` from the same ``rng``."""
    init = check_init(init)
    n_in, n_out = draws.shape
    if init in ("standard", "xavier"):
        limit = 1.0 / math.sqrt(n_in) if init == "standard" else math.sqrt(6.0 / (n_in + n_out))
        weights = np.multiply(draws, 2.0 * limit)  # rng.uniform's low + (high - low) · u
        weights += -limit
        return weights
    std = math.sqrt(2.0 / n_in) if init == "he" else init
    if std == 0.0:
        return np.zeros((n_in, n_out))  # rng.normal's 0 + 0 · z: +0.0 everywhere, never -0.0
    return np.multiply(draws, std)


def init_weights(init, n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Draw an (n_in, n_out) float64 weight matrix under ``init`` from ``rng``."""
    return scale_draws(init, draw_standard(draw_kind(init), n_in, n_out, rng))
