"""Optimisers with PyTorch's update rules, for any flat parameter vector or a whole network.

SGD (torch.optim.SGD, dampening 0), for gradient g of parameters p:
    g ← g + λ p                      (weight_decay λ)
    b ← μ b + g  (b = g at step 1)   (momentum μ)
    g ← g + μ b  if nesterov, else g ← b
    p ← p − lr g

Adam (torch.optim.Adam, L2 weight decay, no amsgrad), at step t:
    g ← g + λ p
    m ← β₁ m + (1 − β₁) g            v ← β₂ v + (1 − β₂) g²
    p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
"""

from __future__ import annotations

import math

import numpy as np

from bpwidgets.core.validate import check_choice, check_number, check_positive


class Optimizer:
    """Shared interface: ``update`` a flat vector, ``step`` a network, ``reset`` the state."""

    def __init__(self, lr, weight_decay=0.0):
        self.lr = check_positive("lr", lr)
        self.weight_decay = _check_non_negative("weight_decay", weight_decay)
        self.reset()

    def reset(self) -> None:
        """Forget the state (momentum buffers, moment estimates, step count)."""
        self.steps = 0

    def update(self, params, grad) -> np.ndarray:
        """Return the parameters after one step from ``params`` along ``grad``; keeps the state."""
        params = np.asarray(params, dtype=np.float64)
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != params.shape:
            raise ValueError(f"grad must have the shape of params {params.shape}; got {grad.shape}")
        self._check_state_shape(params.shape)
        self.steps += 1
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run goes to inf quietly
            if self.weight_decay:
                grad = grad + self.weight_decay * params
            return params - self._direction(grad)

    def step(self, net, grads) -> None:
        """Update ``net``'s live weight and bias arrays in place from a ``Gradients`` result."""
        net.set_params(self.update(net.get_params(), grads.as_vector()))

    def _check_state_shape(self, shape) -> None:
        state = self._state()
        if state is not None and state.shape != shape:
            raise ValueError(
                f"params must keep the shape {state.shape} this optimiser has state for; got "
                f"{shape} (call reset() before optimising different parameters)"
            )

    def _state(self):
        return None

    def _direction(self, grad) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD."""

    def __init__(self, lr, momentum=0.0, nesterov=False, weight_decay=0.0):
        self.momentum = _check_non_negative("momentum", momentum)
        if nesterov and self.momentum == 0:
            raise ValueError("nesterov=True needs momentum > 0; got momentum=0.0")
        self.nesterov = bool(nesterov)
        super().__init__(lr, weight_decay)

    def reset(self) -> None:
        """Forget the momentum buffer."""
        super().reset()
        self.buffer = None

    def _state(self):
        return self.buffer

    def _direction(self, grad):
        if self.momentum == 0:
            return self.lr * grad
        mu = self.momentum
        self.buffer = grad.copy() if self.buffer is None else mu * self.buffer + grad
        return self.lr * (grad + mu * self.buffer if self.nesterov else self.buffer)

    def __repr__(self) -> str:
        return (
            f"SGD(lr={self.lr}, momentum={self.momentum}, nesterov={self.nesterov}, "
            f"weight_decay={self.weight_decay})"
        )


class Adam(Optimizer):
    """Adam with bias correction, as torch.optim.Adam (weight decay added to the gradient)."""

    def __init__(self, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        beta1, beta2 = betas
        for name, beta in (("betas[0]", beta1), ("betas[1]", beta2)):
            if not 0.0 <= check_number(name, beta) < 1.0:
                raise ValueError(f"{name} must be in [0, 1); got {beta!r}")
        self.betas = (float(beta1), float(beta2))
        self.eps = _check_non_negative("eps", eps)
        super().__init__(lr, weight_decay)

    def reset(self) -> None:
        """Forget the moment estimates and the step count."""
        super().reset()
        self.m = None
        self.v = None

    def _state(self):
        return self.m

    def _direction(self, grad):
        beta1, beta2 = self.betas
        if self.m is None:
            self.m, self.v = np.zeros_like(grad), np.zeros_like(grad)
        self.m = beta1 * self.m + (1 - beta1) * grad
        self.v = beta2 * self.v + (1 - beta2) * grad * grad
        step_size = self.lr / (1 - beta1**self.steps)
        denominator = np.sqrt(self.v) / math.sqrt(1 - beta2**self.steps) + self.eps
        return step_size * self.m / denominator

    def __repr__(self) -> str:
        return (
            f"Adam(lr={self.lr}, betas={self.betas}, eps={self.eps}, "
            f"weight_decay={self.weight_decay})"
        )


OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")


def make_optimizer(name: str, lr, **kwargs) -> Optimizer:
    """Build an optimiser by name: sgd, momentum (μ = 0.9), nesterov (μ = 0.9) or adam."""
    check_choice("optimizer", name, OPTIMIZERS)
    if name == "adam":
        return Adam(lr, **kwargs)
    if name in ("momentum", "nesterov"):
        kwargs.setdefault("momentum", 0.9)
    return SGD(lr, nesterov=name == "nesterov", **kwargs)


def _check_non_negative(name: str, value) -> float:
    number = check_number(name, value)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a finite number >= 0; got {value!r}")
    return number
