"""Optimisers: PyTorch's update formulas against sequences computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import OPTIMIZERS, SGD, Adam, make_optimizer

START = np.array([1.0, -2.0])
GRADS = [np.array([0.5, 1.0]), np.array([-1.0, 2.0]), np.array([2.0, 0.0])]


def run(optimizer, start=START, grads=GRADS):
    params, path = start, []
    for grad in grads:
        params = optimizer.update(params, grad)
        path.append(params)
    return np.array(path)


def test_plain_sgd_by_hand():
    # p ← p − 0.1 g
    expected = [[0.95, -2.1], [1.05, -2.3], [0.85, -2.3]]
    np.testing.assert_allclose(run(SGD(0.1)), expected, rtol=1e-15)


def test_momentum_by_hand():
    # b1 = g1 = (0.5, 1); b2 = 0.9 b1 + g2 = (-0.55, 2.9); b3 = 0.9 b2 + g3 = (1.505, 2.61)
    expected = [[0.95, -2.1], [1.005, -2.39], [0.8545, -2.651]]
    np.testing.assert_allclose(run(SGD(0.1, momentum=0.9)), expected, rtol=1e-14)


def test_nesterov_by_hand():
    # step direction g + 0.9 b: (0.95, 1.9), (-1.495, 4.61), (3.3545, 2.349)
    expected = [[0.905, -2.19], [1.0545, -2.651], [0.71905, -2.8859]]
    np.testing.assert_allclose(run(SGD(0.1, momentum=0.9, nesterov=True)), expected, rtol=1e-14)


def adam_by_hand(p, grads, lr, beta1, beta2, eps, weight_decay=0.0):
    """Adam for one scalar parameter, written out as torch documents it."""
    m = v = 0.0
    path = []
    for t, g in enumerate(grads, start=1):
        g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        p = p - lr * m_hat / (math.sqrt(v_hat) + eps)  # torch: √v/√(1−β₂ᵗ) + ε, the same
        path.append(p)
    return path


def test_adam_by_hand():
    path = run(Adam(0.1))
    # the first Adam step moves each parameter by ~lr against the sign of its gradient
    np.testing.assert_allclose(path[0], [0.9, -2.1], rtol=1e-7)
    # second step of parameter 0: m̂ = −0.055/0.19, v̂ = 0.00124975/0.001999
    second = 0.9 - 0.1 * (-0.055 / 0.19) / math.sqrt(0.00124975 / 0.001999)
    assert path[1][0] == pytest.approx(second, rel=1e-7)
    for i in range(2):
        by_hand = adam_by_hand(START[i], [g[i] for g in GRADS], 0.1, 0.9, 0.999, 1e-8)
        np.testing.assert_allclose(path[:, i], by_hand, rtol=1e-13)


def test_adam_with_other_betas_and_weight_decay():
    path = run(Adam(0.05, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.1))
    for i in range(2):
        by_hand = adam_by_hand(START[i], [g[i] for g in GRADS], 0.05, 0.5, 0.9, 1e-3, 0.1)
        np.testing.assert_allclose(path[:, i], by_hand, rtol=1e-13)


def test_weight_decay_adds_lambda_p_to_the_gradient():
    # g = 1 + 0.5·2 = 2, p = 2 − 0.1·2
    np.testing.assert_allclose(SGD(0.1, weight_decay=0.5).update([2.0], [1.0]), [1.8])


def test_update_keeps_state_and_reset_forgets_it():
    opt = SGD(0.1, momentum=0.9)
    first = run(opt)
    opt.reset()
    np.testing.assert_array_equal(run(opt), first)
    assert opt.steps == 3


def test_update_does_not_modify_its_arguments():
    params, grad = START.copy(), GRADS[0].copy()
    Adam(0.1).update(params, grad)
    np.testing.assert_array_equal(params, START)
    np.testing.assert_array_equal(grad, GRADS[0])


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_updates_the_live_arrays_like_update(name):
    rng = np.random.default_rng(0)
    net = MLP([2, 4, 1], seed=1)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    twin, flat = make_optimizer(name, 0.1), make_optimizer(name, 0.1)
    weights = net.weights[0]
    params = net.get_params()
    for _ in range(3):
        grads = net.gradients(X, Y)
        params = flat.update(params, grads.as_vector())
        twin.step(net, grads)
    assert net.weights[0] is weights
    np.testing.assert_array_equal(net.get_params(), params)


def test_make_optimizer_names():
    assert make_optimizer("momentum", 0.1).momentum == 0.9
    nesterov = make_optimizer("nesterov", 0.1)
    assert nesterov.nesterov and nesterov.momentum == 0.9
    assert make_optimizer("momentum", 0.1, momentum=0.5).momentum == 0.5
    assert isinstance(make_optimizer("adam", 0.01), Adam) and make_optimizer("sgd", 1).momentum == 0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SGD(0.0), r"lr must be a finite number > 0; got 0.0"),
        (lambda: Adam(-1e-3), r"lr must be a finite number > 0; got -0.001"),
        (lambda: make_optimizer("adam", 0), r"lr must be a finite number > 0; got 0"),
        (lambda: make_optimizer("rmsprop", 0.1), r"optimizer must be one of 'sgd', 'momentum', "
                                                 r"'nesterov', 'adam'; got 'rmsprop'"),
        (lambda: SGD(0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda: SGD(0.1, momentum=-0.5), r"momentum must be a finite number >= 0; got -0.5"),
        (lambda: Adam(0.1, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\); got 1.0"),
    ],
)
def test_bad_settings(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_shape_changes_need_a_reset():
    opt = Adam(0.1)
    opt.update(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match=r"params must keep the shape \(2,\) .*; got \(3,\)"):
        opt.update(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=r"grad must have the shape of params \(2,\); got \(3,\)"):
        opt.update(np.zeros(2), np.ones(3))
    opt.reset()
    assert opt.update(np.zeros(3), np.ones(3)).shape == (3,)


def test_divergence_goes_to_inf_quietly():
    opt = SGD(1e300)
    params = opt.update(np.array([1e300]), np.array([1e300]))
    assert params[0] == -np.inf
