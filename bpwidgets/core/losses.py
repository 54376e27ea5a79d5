"""Loss functions and their gradients with respect to the network's output, as in PyTorch.

- ``mse``: mean over all elements of (y - t)^2 (torch.nn.MSELoss).
- ``bce``: mean binary cross-entropy on probabilities, logs clamped at -100 (torch.nn.BCELoss).
- ``cross_entropy``: softmax + negative log-likelihood of integer labels on logits, averaged
  over the batch (torch.nn.CrossEntropyLoss), computed with log-sum-exp.

Each entry of ``LOSSES`` is ``(value, grad)``: ``value(y, t)`` is a float and ``grad(y, t)``
is dL/dy with the shape of ``y``. The functions trust their input; ``check_target`` validates.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from bpwidgets.core.validate import check_choice, check_finite_array

LOG_CLAMP = -100.0  # torch.nn.BCELoss clamps each log at -100
BCE_EPS = 1e-12  # torch's BCELoss backward divides by max(p (1 - p), 1e-12)


class Loss(NamedTuple):
    """A loss ``value(y, t) -> float`` and its gradient ``grad(y, t) -> dL/dy``."""

    value: object
    grad: object


def mse(y, t) -> float:
    """Mean squared error over all elements."""
    d = (y - t).ravel()
    return float(d @ d) / d.size


def mse_grad(y, t):
    """dL/dy of the mean squared error: 2 (y - t) / size."""
    return (y - t) * (2.0 / y.size)


def _clamped_log(x):
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(x), LOG_CLAMP)


def bce(p, t) -> float:
    """Mean binary cross-entropy of probabilities ``p`` against targets ``t`` in [0, 1]."""
    return float(-np.mean(t * _clamped_log(p) + (1.0 - t) * _clamped_log(1.0 - p)))


def bce_grad(p, t):
    """dL/dp of the binary cross-entropy, with torch's guard against dividing by zero."""
    return (p - t) / np.maximum(p * (1.0 - p), BCE_EPS) / p.size


def bce_sigmoid_delta(p, t):
    """dL/dz for bce after a sigmoid output p = sigmoid(z): (p - t) / size, well-conditioned."""
    return (p - t) * (1.0 / p.size)


def _log_softmax(logits):
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy(logits, labels) -> float:
    """Softmax cross-entropy of integer ``labels`` (N,) given ``logits`` (N, C), batch mean."""
    log_probs = _log_softmax(logits)
    return float(-log_probs[np.arange(len(labels)), labels].mean())


def cross_entropy_grad(logits, labels):
    """dL/dlogits of the softmax cross-entropy: (softmax - one_hot) / N."""
    grad = np.exp(_log_softmax(logits))
    grad[np.arange(len(labels)), labels] -= 1.0
    grad /= len(labels)
    return grad


LOSSES: dict[str, Loss] = {
    "mse": Loss(mse, mse_grad),
    "bce": Loss(bce, bce_grad),
    "cross_entropy": Loss(cross_entropy, cross_entropy_grad),
}


def losses_per_set(name: str, outputs, targets) -> np.ndarray:
    """The loss of each of K output batches (K, batch, n_out) against one target batch: (K,).

    The same formulas as the functions above, with the mean taken per parameter set (used to
    evaluate a whole loss-surface grid at once).
    """
    if check_choice("loss", name, LOSSES) == "mse":
        return np.mean((outputs - targets) ** 2, axis=(1, 2))
    if name == "bce":
        both = targets * _clamped_log(outputs) + (1.0 - targets) * _clamped_log(1.0 - outputs)
        return -np.mean(both, axis=(1, 2))
    log_probs = _log_softmax(outputs)
    return -log_probs[:, np.arange(len(targets)), targets].mean(axis=1)


def loss_function(name: str) -> Loss:
    """Return the ``(value, grad)`` pair for a loss name; ValueError for an unknown name."""
    return LOSSES[check_choice("loss", name, LOSSES)]


def check_target(loss: str, Y, n_rows: int, n_outputs: int, name: str = "Y") -> np.ndarray:
    """Return targets in the shape ``loss`` expects; ValueError naming what is wrong.

    mse and bce take float targets of shape (n_rows, n_outputs), or (n_rows,) for one output;
    cross_entropy takes whole-number class labels in [0, n_outputs) of shape (n_rows,).
    """
    check_choice("loss", loss, LOSSES)
    Y = check_finite_array(name, Y)
    if Y.ndim == 0 or len(Y) != n_rows:
        raise ValueError(f"{name} must have {n_rows} rows, one per row of X; got shape {Y.shape}")
    if loss == "cross_entropy":
        return _check_labels(Y, n_outputs, name)
    if Y.ndim == 1 and n_outputs == 1:
        Y = Y.reshape(-1, 1)
    if Y.shape != (n_rows, n_outputs):
        raise ValueError(
            f"{name} must have shape ({n_rows}, {n_outputs}) for {n_outputs} outputs; "
            f"got shape {Y.shape}"
        )
    if loss == "bce" and (Y.min() < 0.0 or Y.max() > 1.0):
        raise ValueError(
            f"{name} must hold targets in [0, 1] for loss 'bce'; got values in "
            f"[{Y.min():g}, {Y.max():g}]"
        )
    return Y


def _check_labels(Y, n_classes: int, name: str) -> np.ndarray:
    if Y.ndim == 2 and Y.shape[1] == 1:
        Y = Y[:, 0]
    if Y.ndim != 1:
        raise ValueError(
            f"{name} must be integer class labels of shape ({len(Y)},) for loss 'cross_entropy'; "
            f"got shape {Y.shape}"
        )
    labels = Y.astype(np.int64)
    if np.any(labels != Y):
        bad = float(Y[labels != Y][0])
        raise ValueError(f"{name} must be whole-number class labels; got {bad:g}")
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        bad = labels[(labels < 0) | (labels >= n_classes)][0]
        raise ValueError(
            f"{name} class labels must be in 0..{n_classes - 1} ({n_classes} outputs); got {bad}"
        )
    return labels
