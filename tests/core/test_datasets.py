"""Teaching data sets: shapes, seeds, the geometry each one promises, and splitting."""

from __future__ import annotations

import numpy as np
import pytest

from bpwidgets.core.datasets import (
    DATASETS,
    blobs,
    circles,
    make_dataset,
    moons,
    sine,
    spiral,
    train_test_split,
    xor,
)

CLASSIFICATION = ("moons", "circles", "spiral", "xor", "blobs")


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_sets_shapes_and_labels(name):
    X, y = make_dataset(name, n=101)
    assert X.shape == (101, 2) and X.dtype == np.float64
    assert y.shape == (101,) and y.dtype == np.int64
    assert y.min() == 0 and set(np.unique(y)) == set(range(y.max() + 1))
    assert np.all(np.isfinite(X))


def test_sine_is_regression():
    X, y = sine(n=50, noise=0.0)
    assert X.shape == (50, 1) and y.shape == (50,) and y.dtype == np.float64
    assert np.all(np.abs(X) <= np.pi)
    np.testing.assert_allclose(y, np.sin(X[:, 0]), rtol=0, atol=0)


@pytest.mark.parametrize("name", list(DATASETS))
def test_seeded(name):
    first, again, other = make_dataset(name, seed=4), make_dataset(name, seed=4), make_dataset(name, seed=5)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", ("moons", "circles", "blobs"))
def test_two_class_sets_are_balanced_and_shuffled(name):
    _, y = make_dataset(name, n=201)
    assert np.bincount(y).tolist() == [101, 100]
    assert 0 < y[:20].sum() < 20  # any slice mixes the classes


def test_circles_without_noise_lie_on_their_rings():
    X, y = circles(n=100, noise=0.0, factor=0.3)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = moons(n=100, noise=0.0)
    top, bottom = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(top[:, 0], top[:, 1]), 1.0)
    assert np.all(top[:, 1] >= 0)
    np.testing.assert_allclose(np.hypot(bottom[:, 0] - 1.0, bottom[:, 1] - 0.5), 1.0)
    assert np.all(bottom[:, 1] <= 0.5)


def test_xor_without_noise_labels_quadrants():
    X, y = xor(n=300, noise=0.0)
    np.testing.assert_array_equal(y, (np.sign(X[:, 0]) == np.sign(X[:, 1])).astype(int))
    assert np.all(np.abs(X) <= 1.0)


def test_blobs_centre_on_a_circle_of_radius_2():
    X, y = blobs(n=3000, noise=0.3, classes=3)
    means = np.array([X[y == k].mean(axis=0) for k in range(3)])
    np.testing.assert_allclose(np.hypot(means[:, 0], means[:, 1]), 2.0, atol=0.05)
    assert X[y == 0].std(axis=0) == pytest.approx([0.3, 0.3], rel=0.1)


def test_spiral_arms():
    X, y = spiral(n=300, noise=0.0, classes=4)
    assert np.bincount(y).tolist() == [75] * 4
    radius = np.hypot(X[:, 0], X[:, 1])
    assert radius.min() == pytest.approx(0.05) and radius.max() == pytest.approx(1.0)


def test_make_dataset_passes_noise_and_options():
    default, _ = make_dataset("moons")
    np.testing.assert_array_equal(default, moons()[0])
    np.testing.assert_array_equal(make_dataset("spiral", noise=0.0, classes=2)[0],
                                  spiral(noise=0.0, classes=2)[0])


def test_train_test_split():
    X, y = moons(n=100)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_fraction=0.2, seed=1)
    assert X_train.shape == (80, 2) and X_test.shape == (20, 2)
    assert y_train.shape == (80,) and y_test.shape == (20,)
    rows = {tuple(r) for r in np.concatenate([X_train, X_test])}
    assert rows == {tuple(r) for r in X}  # every row lands in exactly one part
    pairs = {(tuple(r), t) for r, t in zip(X, y, strict=True)}
    assert all((tuple(r), t) in pairs for r, t in zip(X_test, y_test, strict=True))
    again = train_test_split(X, y, test_fraction=0.2, seed=1)
    np.testing.assert_array_equal(again[1], X_test)


def test_tiny_split_keeps_both_parts():
    X_train, X_test, _, _ = train_test_split(np.zeros((3, 2)), np.arange(3), test_fraction=0.01)
    assert len(X_train) == 2 and len(X_test) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_dataset("swiss"), r"name must be one of 'moons', .*; got 'swiss'"),
        (lambda: moons(n=0), r"n must be a whole number >= 1; got 0"),
        (lambda: moons(noise=-0.1), r"noise must be a finite number >= 0; got -0.1"),
        (lambda: spiral(n=2, classes=3), r"n must be at least classes=3 .*; got 2"),
        (lambda: circles(factor=1.5), r"factor must be between 0 and 1 .*; got 1.5"),
        (lambda: train_test_split(np.zeros((4, 2)), np.zeros(3)), r"y must have 4 rows"),
        (lambda: train_test_split(np.zeros((4, 2)), np.zeros(4), 1.0), r"test_fraction must be between 0 and 1; got 1.0"),
        (lambda: train_test_split([[np.nan, 0.0]] * 4, np.zeros(4)), r"X must contain only finite numbers"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
