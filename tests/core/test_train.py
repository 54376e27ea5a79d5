"""The training loop: it learns, records what it did, replays exactly, and stops when asked."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpwidgets.core.datasets import moons, xor
from bpwidgets.core.mlp import MLP
from bpwidgets.core.optim import SGD, make_optimizer
from bpwidgets.core.train import _minibatches, train


def accuracy(net, X, y):
    return float(np.mean(net.forward(X).argmax(axis=1) == y))


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_training_learns_xor(optimizer):
    X, y = xor(n=200, noise=0.05, seed=1)
    net = MLP([2, 8, 2], activation="tanh", seed=0)
    lr = 0.02 if optimizer == "adam" else 0.1
    history = train(net, X, y, "cross_entropy", make_optimizer(optimizer, lr), epochs=60,
                    batch_size=20)
    assert history.losses[:10].mean() > 0.6  # chance level is ln 2 = 0.69
    assert history.losses[-10:].mean() < 0.25
    assert accuracy(net, X, y) > 0.9


def test_training_learns_moons_with_bce():
    X, y = moons(n=200, noise=0.1, seed=2)
    net = MLP([2, 16, 1], activation="relu", output_activation="sigmoid", init="he", seed=0)
    before = net.loss(X, y, "bce")
    history = train(net, X, y, "bce", make_optimizer("adam", 0.01), epochs=100, batch_size=32)
    assert net.loss(X, y, "bce") < 0.25 * before
    assert np.mean((net.forward(X)[:, 0] > 0.5) == y) > 0.95
    assert history.losses[-1] < history.losses[0]


def test_full_batch_sgd_is_plain_gradient_descent():
    X, y = xor(n=40, seed=3)
    net, twin = MLP([2, 5, 2], seed=1), MLP([2, 5, 2], seed=1)
    history = train(net, X, y, "cross_entropy", SGD(0.3), epochs=4)
    expected_losses = []
    for _ in range(4):
        grads = twin.gradients(X, y, "cross_entropy")
        expected_losses.append(grads.loss)
        twin.set_params(twin.get_params() - 0.3 * grads.as_vector())
    np.testing.assert_array_equal(history.losses, expected_losses)
    np.testing.assert_array_equal(net.get_params(), twin.get_params())


def test_history_snapshots_every_k_steps_with_start_and_end():
    X, y = xor(n=50, seed=0)
    net = MLP([2, 3, 2], seed=0)
    start = net.get_params()
    history = train(net, X, y, "cross_entropy", SGD(0.1), epochs=3, batch_size=8,
                    snapshot_every=5)
    assert len(history.losses) == 3 * 7  # 50 rows in batches of 8: 7 steps per epoch
    assert history.snapshot_steps.tolist() == [0, 5, 10, 15, 20, 21]
    assert history.snapshots.shape == (6, net.num_params)
    np.testing.assert_array_equal(history.snapshots[0], start)
    np.testing.assert_array_equal(history.snapshots[-1], net.get_params())
    assert not history.stopped_early


def test_snapshots_match_a_replay_step_by_step():
    X, y = xor(n=30, seed=0)
    net = MLP([2, 3, 2], seed=0)
    full = train(net, X, y, "cross_entropy", SGD(0.1, momentum=0.9), epochs=2, batch_size=10)
    for steps in (1, 4):
        replay = MLP([2, 3, 2], seed=0)
        stop = lambda step, loss, steps=steps: step < steps  # noqa: E731
        train(replay, X, y, "cross_entropy", SGD(0.1, momentum=0.9), epochs=2, batch_size=10,
              callback=stop)
        np.testing.assert_array_equal(full.snapshots[steps], replay.get_params())


def test_same_seed_same_run_other_seed_other_minibatches():
    X, y = moons(n=60, seed=0)

    def run(seed):
        net = MLP([2, 4, 2], seed=0)
        return train(net, X, y, "cross_entropy", SGD(0.1), epochs=2, batch_size=16, seed=seed)

    np.testing.assert_array_equal(run(5).losses, run(5).losses)
    assert not np.array_equal(run(5).losses, run(6).losses)


def test_each_epoch_visits_every_row_once():
    batches = list(_minibatches(np.random.default_rng(0), 10, 4, epochs=2))
    assert [len(b) for b in batches] == [4, 4, 2, 4, 4, 2]
    for epoch in (batches[:3], batches[3:]):
        assert sorted(np.concatenate(epoch).tolist()) == list(range(10))


def test_callback_sees_every_step_and_can_stop():
    X, y = xor(n=20, seed=0)
    seen = []

    def callback(step, loss):
        seen.append((step, loss))
        return step < 3

    history = train(MLP([2, 3, 2]), X, y, "cross_entropy", SGD(0.1), epochs=10, callback=callback)
    assert [s for s, _ in seen] == [1, 2, 3]
    assert [loss for _, loss in seen] == history.losses.tolist()
    assert history.stopped_early and history.snapshot_steps.tolist() == [0, 1, 2, 3]


def test_divergence_stops_quietly():
    X, y = moons(n=20, seed=0)
    net = MLP([2, 8, 1], activation="relu", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = train(net, X, y.astype(float), "mse", SGD(1e10), epochs=200)
    assert history.stopped_early and not np.isfinite(history.losses[-1])
    assert len(history.losses) < 200


def test_progress_bar_goes_to_stderr(capsys):
    X, y = xor(n=20, seed=0)
    train(MLP([2, 3, 2]), X, y, "cross_entropy", SGD(0.1), epochs=5, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "[" + "#" * 30 + "] step 5/5" in captured.err and captured.err.endswith("\n")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, r"epochs must be a whole number >= 1; got 0"),
        ({"batch_size": 0}, r"batch_size must be a whole number >= 1; got 0"),
        ({"snapshot_every": 2.5}, r"snapshot_every must be a whole number >= 1; got 2.5"),
        ({"optimizer": "adam"}, r"optimizer must be an optimiser such as SGD\(0.1\); got 'adam'"),
        ({"callback": 3}, r"callback must be callback\(step, loss\) or None; got 3"),
        ({"loss": "hinge"}, r"loss must be one of 'mse', 'bce', 'cross_entropy'; got 'hinge'"),
        ({"X": np.zeros((20, 3))}, r"X must have shape \(batch >= 1, 2\)"),
        ({"Y": np.zeros(19, dtype=int)}, r"Y must have 20 rows"),
    ],
)
def test_bad_arguments(kwargs, message):
    X, y = xor(n=20, seed=0)
    arguments = {"X": X, "Y": y, "loss": "cross_entropy", "optimizer": SGD(0.1), "epochs": 1}
    arguments.update(kwargs)
    with pytest.raises(ValueError, match=message):
        train(MLP([2, 3, 2]), **arguments)


def test_snapshots_are_thinned_to_a_bound_and_stay_evenly_spaced(monkeypatch):
    import bpwidgets.core.train as train_module

    monkeypatch.setattr(train_module, "MAX_SNAPSHOTS", 10)
    X, y = xor(n=8, seed=0)
    net = MLP([2, 3, 2], seed=0)
    start = net.get_params()
    history = train(net, X, y, "cross_entropy", SGD(0.1), epochs=100, snapshot_every=1)
    steps = history.snapshot_steps.tolist()
    assert len(history.losses) == 100
    assert len(steps) <= 11 and steps[0] == 0 and steps[-1] == 100
    assert len(set(np.diff(steps[:-1]))) == 1  # one interval between all but the final one
    np.testing.assert_array_equal(history.snapshots[0], start)
    replay = MLP([2, 3, 2], seed=0)
    train(replay, X, y, "cross_entropy", SGD(0.1), epochs=steps[3])
    np.testing.assert_allclose(history.snapshots[3], replay.get_params())
