"""Losses: PyTorch's definitions on hand-computed cases, gradients vs central differences,
and target validation."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from bpwidgets.core.gradcheck import numerical_grad
from bpwidgets.core.losses import (
    LOSSES,
    bce,
    bce_grad,
    bce_sigmoid_delta,
    check_target,
    cross_entropy,
    cross_entropy_grad,
    loss_function,
    losses_per_set,
    mse,
    mse_grad,
)


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-12)


# --- torch conventions, computed by hand ----------------------------------------------------
def test_mse_is_the_mean_over_all_elements():
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = np.array([[0.0, 0.0], [1.0, 1.0]])
    # (1 + 4 + 4 + 9) / 4 elements, as torch.nn.MSELoss(reduction="mean")
    assert mse(y, t) == 4.5
    np.testing.assert_allclose(mse_grad(y, t), 2 * (y - t) / 4, rtol=0, atol=0)


def test_bce_is_the_mean_binary_cross_entropy():
    p = np.array([[0.8], [0.3]])
    t = np.array([[1.0], [0.0]])
    assert bce(p, t) == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2, rel=1e-15)
    # dL/dp = (p - t) / (p (1 - p)) / N
    np.testing.assert_allclose(bce_grad(p, t), [[-0.2 / 0.16 / 2], [0.3 / 0.21 / 2]], rtol=1e-14)


def test_bce_clamps_logs_at_minus_100_like_torch():
    p = np.array([0.0, 1.0, 1.0, 0.0])
    t = np.array([1.0, 0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = bce(p, t)
    # two certain mistakes cost 100 each, two certain hits cost 0: mean 50
    assert value == 50.0


def test_bce_sigmoid_delta_is_p_minus_t_over_size():
    p = np.array([[0.9, 0.2], [0.4, 0.6]])
    t = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(bce_sigmoid_delta(p, t), (p - t) / 4, rtol=1e-15)
    # equals dL/dp * sigmoid'(z) where p(1 - p) is not tiny
    np.testing.assert_allclose(bce_sigmoid_delta(p, t), bce_grad(p, t) * p * (1 - p), rtol=1e-13)


def test_cross_entropy_on_logits_with_integer_labels():
    logits = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    labels = np.array([2, 0])
    first = math.log(1 + math.exp(-1) + math.exp(-2))  # -log softmax(...)[2]
    second = math.log(3.0)
    assert cross_entropy(logits, labels) == pytest.approx((first + second) / 2, rel=1e-15)
    softmax = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = (softmax - np.eye(3)[labels]) / 2
    np.testing.assert_allclose(cross_entropy_grad(logits, labels), expected, rtol=1e-14)


def test_cross_entropy_survives_huge_logits():
    logits = np.array([[1000.0, 0.0], [-1000.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = cross_entropy(logits, np.array([1, 1]))
        grad = cross_entropy_grad(logits, np.array([1, 1]))
    assert value == 500.0  # 1000 for the first row, 0 for the second
    np.testing.assert_allclose(grad, [[0.5, -0.5], [0.0, 0.0]], atol=1e-300)


# --- gradients vs central differences -------------------------------------------------------
@pytest.mark.parametrize("name", list(LOSSES))
def test_loss_gradient_matches_central_differences(name):
    rng = np.random.default_rng(7)
    if name == "cross_entropy":
        y, t = rng.normal(size=(5, 4)), rng.integers(0, 4, size=5)
    elif name == "bce":
        y, t = rng.uniform(0.05, 0.95, size=(5, 3)), rng.uniform(0, 1, size=(5, 3))
    else:
        y, t = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    value, grad = loss_function(name)
    numeric = numerical_grad(lambda v: value(v, t), y.copy(), h=1e-6)
    assert relative_error(grad(y, t), numeric) < 1e-7


# --- target validation ----------------------------------------------------------------------
def test_one_output_targets_may_be_one_dimensional():
    assert check_target("mse", [1.0, 2.0, 3.0], 3, 1).shape == (3, 1)


def test_labels_come_back_as_integers():
    labels = check_target("cross_entropy", np.array([[0.0], [2.0]]), 2, 3)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 2]


@pytest.mark.parametrize(
    ("loss", "Y", "n_out", "message"),
    [
        ("mse", np.zeros((4, 1)), 1, r"Y must have 5 rows, one per row of X; got shape \(4, 1\)"),
        ("mse", np.zeros((5, 3)), 2, r"Y must have shape \(5, 2\) for 2 outputs; got shape \(5, 3\)"),
        ("mse", [0, 1, np.nan, 0, 0], 1, r"Y must contain only finite numbers; got 1 NaN/inf"),
        ("bce", [0, 1, 2, 0, 0], 1, r"Y must hold targets in \[0, 1\] for loss 'bce'; got values"),
        ("cross_entropy", [0, 1, 3, 0, 1], 3, r"Y class labels must be in 0..2 \(3 outputs\); got 3"),
        ("cross_entropy", [0, 1, -1, 0, 1], 3, r"Y class labels must be in 0..2 .*; got -1"),
        ("cross_entropy", [0, 0.5, 1, 0, 1], 3, r"Y must be whole-number class labels; got 0.5"),
        ("cross_entropy", np.zeros((5, 3)), 3, r"Y must be integer class labels of shape \(5,\)"),
        ("l2", np.zeros(5), 1, r"loss must be one of 'mse', 'bce', 'cross_entropy'; got 'l2'"),
    ],
)
def test_bad_targets_raise_naming_what_was_expected(loss, Y, n_out, message):
    with pytest.raises(ValueError, match=message):
        check_target(loss, Y, 5, n_out)


def test_unknown_loss_name():
    with pytest.raises(ValueError, match=r"loss must be one of .*; got 'hinge'"):
        loss_function("hinge")


def test_losses_per_set_equal_the_loss_of_each_set():
    rng = np.random.default_rng(0)
    outputs = rng.uniform(0.01, 0.99, size=(3, 8, 2))
    targets = rng.uniform(0.0, 1.0, size=(8, 2))
    labels = rng.integers(0, 2, size=8)
    for loss, Y in [("mse", targets), ("bce", targets), ("cross_entropy", labels)]:
        expected = [loss_function(loss).value(out, Y) for out in outputs]
        np.testing.assert_allclose(losses_per_set(loss, outputs, Y), expected, rtol=1e-13)
    with pytest.raises(ValueError, match="loss must be one of"):
        losses_per_set("l1", outputs, targets)
