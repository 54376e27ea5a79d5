"""Training loop: shuffled minibatches, one optimiser step each, a history of losses and weights.

A *step* is one minibatch: gradients, then one optimiser update. ``History.losses[k]`` is the
loss of step k+1's minibatch before its update; ``History.snapshots`` holds the flat
parameters at ``History.snapshot_steps`` (0 = the start, then every ``snapshot_every`` steps,
and the final parameters).

Snapshots stay bounded: when more than ``MAX_SNAPSHOTS`` (or more than the memory budget holds)
would be kept, every other one is dropped and the interval doubles, so a long run keeps evenly
spaced snapshots at a multiple of ``snapshot_every``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np

from bpwidgets.core.validate import MEMORY_BUDGET, check_positive_int

PROGRESS_WIDTH = 30  # characters of the text progress bar
MAX_SNAPSHOTS = 1000  # parameter snapshots a History keeps at most (thinned beyond)


@dataclass(frozen=True)
class History:
    """What a training run produced: losses per step and parameter snapshots."""

    losses: np.ndarray  # (steps,)
    snapshots: np.ndarray  # (n_snapshots, num_params)
    snapshot_steps: np.ndarray  # (n_snapshots,) step count of each snapshot, 0 = the start
    stopped_early: bool  # the callback returned False or the loss became inf/nan


def train(net, X, Y, loss, optimizer, epochs, batch_size=None, seed=0, callback=None,
          snapshot_every=1, progress=False) -> History:
    """Train ``net`` in place on (X, Y) and return its ``History``.

    ``batch_size=None`` uses the whole data set each step. ``callback(step, loss)`` runs after
    every step; returning False stops training. Training also stops at a non-finite loss.
    """
    X, Y = net.check_data(X, Y, loss)
    epochs = check_positive_int("epochs", epochs)
    snapshot_every = check_positive_int("snapshot_every", snapshot_every)
    batch_size = len(X) if batch_size is None else check_positive_int("batch_size", batch_size)
    if not callable(getattr(optimizer, "step", None)):
        raise ValueError(f"optimizer must be an optimiser such as SGD(0.1); got {optimizer!r}")
    if callback is not None and not callable(callback):
        raise ValueError(f"callback must be callback(step, loss) or None; got {callback!r}")

    rng = np.random.default_rng(seed)
    batches_per_epoch = -(-len(X) // batch_size)
    total = epochs * batches_per_epoch
    losses, snapshots, snapshot_steps = [], [net.get_params()], [0]
    limit = max(2, min(MAX_SNAPSHOTS, MEMORY_BUDGET // (8 * net.num_params)))
    stopped_early = False
    for step, rows in enumerate(_minibatches(rng, len(X), batch_size, epochs), start=1):
        grads = net.gradients(X[rows], Y[rows], loss)
        optimizer.step(net, grads)
        losses.append(grads.loss)
        if step % snapshot_every == 0:
            snapshots.append(net.get_params())
            snapshot_steps.append(step)
            if len(snapshots) > limit:  # keep every other one: steps 0, 2k, 4k, ...
                snapshots, snapshot_steps = snapshots[::2], snapshot_steps[::2]
                snapshot_every *= 2
        if progress:
            _show_progress(step, total, grads.loss)
        keep_going = callback is None or callback(step, grads.loss) is not False
        if not (keep_going and np.isfinite(grads.loss)):
            stopped_early = True
            break
    if snapshot_steps[-1] != len(losses):
        snapshots.append(net.get_params())
        snapshot_steps.append(len(losses))
    if progress:
        sys.stderr.write("\n")
    return History(
        losses=np.array(losses, dtype=np.float64),
        snapshots=np.array(snapshots),
        snapshot_steps=np.array(snapshot_steps),
        stopped_early=stopped_early,
    )


def _minibatches(rng, n, batch_size, epochs):
    """Yield the row indices of each step: a full batch in order, or shuffled slices per epoch."""
    for _ in range(epochs):
        if batch_size >= n:
            yield slice(None)
            continue
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            yield order[start : start + batch_size]


def _show_progress(step, total, loss):
    """Redraw a one-line text progress bar on stderr (about 100 times per run)."""
    if step != total and step % max(total // 100, 1):
        return
    filled = PROGRESS_WIDTH * step // total
    bar = "#" * filled + "." * (PROGRESS_WIDTH - filled)
    sys.stderr.write(f"\r[{bar}] step {step}/{total}  loss {loss:.4g}")
    sys.stderr.flush()
