"""Weight initialisations and the weight variance each one gives.

- ``"standard"``: U[-1/sqrt(n_in), 1/sqrt(n_in)] (Glorot & Bengio 2010, eq. 1), Var = 1/(3 n_in).
- ``"xavier"``: U[±sqrt(6/(n_in+n_out))] (their eq. 16), Var = 2/(n_in+n_out).
- ``"he"``: N(0, 2/n_in) (He et al. 2015), Var = 2/n_in.
- a number ``std`` >= 0: N(0, std^2), Var = std^2.

Biases start at zero. A layer's weights have shape (n_in, n_out).
"""

from __future__ import annotations

import math

import numpy as np

INITS = ("standard", "xavier", "he")


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


def init_weights(init, n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    """Draw an (n_in, n_out) float64 weight matrix under ``init`` from ``rng``."""
    init = check_init(init)
    if init == "standard":
        limit = 1.0 / math.sqrt(n_in)
        return rng.uniform(-limit, limit, size=(n_in, n_out))
    if init == "xavier":
        limit = math.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_in, n_out))
    std = math.sqrt(2.0 / n_in) if init == "he" else init
    return rng.normal(0.0, std, size=(n_in, n_out))
