"""Small seeded teaching data sets in the style of the TensorFlow Playground; no downloads.

Each generator is ``name(n=200, noise=..., seed=0) -> (X, y)``: X is float64 of shape (n, 2)
(``sine``: (n, 1)), y holds integer class labels 0..k-1 (``sine``: float targets). ``noise``
is the standard deviation of Gaussian noise added to each coordinate (to the target for
``sine``). Rows come shuffled, so any slice mixes the classes.
"""

from __future__ import annotations

import math

import numpy as np

from bpwidgets.core.validate import (
    check_choice,
    check_finite_array,
    check_number,
    check_positive_int,
)


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles (label 0 on top, label 1 below and shifted)."""
    rng, counts = _start(n, noise, seed, classes=2)
    top = np.pi * rng.uniform(size=counts[0])
    bottom = np.pi * rng.uniform(size=counts[1])
    X = np.concatenate([
        np.column_stack([np.cos(top), np.sin(top)]),
        np.column_stack([1.0 - np.cos(bottom), 0.5 - np.sin(bottom)]),
    ])
    return _finish(rng, X, counts, noise)


def circles(n=200, noise=0.1, seed=0, factor=0.5):
    """A ring of radius 1 (label 0) around a ring of radius ``factor`` (label 1)."""
    if not 0.0 < check_number("factor", factor) < 1.0:
        raise ValueError(f"factor must be between 0 and 1 (inner radius); got {factor!r}")
    rng, counts = _start(n, noise, seed, classes=2)
    rings = []
    for radius, count in zip((1.0, factor), counts, strict=True):
        angle = 2 * np.pi * rng.uniform(size=count)
        rings.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _finish(rng, np.concatenate(rings), counts, noise)


def spiral(n=200, noise=0.05, seed=0, classes=3):
    """``classes`` spiral arms winding out from the origin, one label per arm (CS231n style)."""
    rng, counts = _start(n, noise, seed, classes)
    arms = []
    for k, count in enumerate(counts):
        radius = np.linspace(0.05, 1.0, count)
        angle = 2 * np.pi * k / classes + 4.0 * radius  # each arm winds 4 radians
        arms.append(radius[:, None] * np.column_stack([np.sin(angle), np.cos(angle)]))
    return _finish(rng, np.concatenate(arms), counts, noise)


def xor(n=200, noise=0.1, seed=0):
    """Points in [-1, 1]²: label 1 where x₁·x₂ > 0 (quadrants I and III), else 0."""
    rng, _ = _start(n, noise, seed, classes=2)
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)  # labelled before the noise, as in the Playground
    return X + noise * rng.normal(size=X.shape), y


def blobs(n=200, noise=0.5, seed=0, classes=2):
    """Gaussian blobs of std ``noise`` centred evenly on a circle of radius 2, one per class."""
    rng, counts = _start(n, noise, seed, classes)
    angles = np.pi / 4 + 2 * np.pi * np.arange(classes) / classes
    centres = 2.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    return _finish(rng, np.repeat(centres, counts, axis=0), counts, noise)


def sine(n=200, noise=0.1, seed=0):
    """Regression: x uniform in [-π, π] of shape (n, 1), targets sin(x) + noise of shape (n,)."""
    rng, _ = _start(n, noise, seed, classes=1)
    X = rng.uniform(-np.pi, np.pi, size=(n, 1))
    return X, np.sin(X[:, 0]) + noise * rng.normal(size=n)


DATASETS = {
    "moons": moons,
    "circles": circles,
    "spiral": spiral,
    "xor": xor,
    "blobs": blobs,
    "sine": sine,
}


def make_dataset(name: str, n=200, noise=None, seed=0, **options):
    """Build the data set ``name``; ``noise=None`` keeps that data set's default noise."""
    generator = DATASETS[check_choice("name", name, DATASETS)]
    if noise is not None:
        options["noise"] = noise
    return generator(n=n, seed=seed, **options)


def train_test_split(X, y, test_fraction=0.25, seed=0):
    """Shuffle and split into ``(X_train, X_test, y_train, y_test)``; both parts non-empty."""
    X = check_finite_array("X", X)
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"y must have {len(X)} rows, one per row of X; got shape {y.shape}")
    if len(X) < 2:
        raise ValueError(f"X must have at least 2 rows to split; got shape {X.shape}")
    if not 0.0 < check_number("test_fraction", test_fraction) < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1; got {test_fraction!r}")
    n_test = min(max(round(len(X) * test_fraction), 1), len(X) - 1)
    order = np.random.default_rng(seed).permutation(len(X))
    test, train = order[:n_test], order[n_test:]
    return X[train], X[test], y[train], y[test]


def _start(n, noise, seed, classes):
    """Check the common arguments; return the generator and the number of points per class."""
    n = check_positive_int("n", n)
    noise = check_number("noise", noise)
    if not (math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0; got {noise!r}")
    classes = check_positive_int("classes", classes)
    if n < classes:
        raise ValueError(f"n must be at least classes={classes} (one point per class); got {n}")
    counts = [n // classes + (k < n % classes) for k in range(classes)]
    return np.random.default_rng(seed), counts


def _finish(rng, X, counts, noise):
    """Add noise, attach labels 0..k-1 in blocks of ``counts``, and shuffle the rows."""
    X = X + noise * rng.normal(size=X.shape)
    y = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    order = rng.permutation(len(y))
    return X[order], y[order]
