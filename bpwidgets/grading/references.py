"""Trusted reference values for the lesson exercises: finite differences and core results.

A lesson's test cell gets every expected value from here (or from a literal), never from a
formula written in the notebook, so no student-visible cell shows an exercise's answer and
the grader can swap this module for its own copy (contract C1 in docs/authoring.md). Each
function computes one exercise's reference *independently of the answer's formula*: by
central differences of the plain forward computation, or by the package's tested core.
Arguments are plain numbers, names and arrays that the test cell made itself.
"""

from __future__ import annotations

import math

import numpy as np

from bpwidgets.core.gradcheck import numerical_grad

# Lesson 0 ------------------------------------------------------------------------------


def derivative(function: str, x: float) -> float:
    """d/dx of a named function ("sin", "exp", "cube") at ``x``, from its closed form."""
    exact = {"sin": math.cos, "exp": math.exp, "cube": lambda t: 3 * t**2}
    if function not in exact:
        raise ValueError(f"function must be one of {sorted(exact)}; got {function!r}")
    return exact[function](x)


# Lesson 1 ------------------------------------------------------------------------------


def add_local_grads(a: float, b: float) -> list[float]:
    """(∂(a+b)/∂a, ∂(a+b)/∂b) by central differences."""
    return [numerical_grad(lambda t: t + b, a), numerical_grad(lambda t: a + t, b)]


def mul_local_grads(a: float, b: float) -> list[float]:
    """(∂(ab)/∂a, ∂(ab)/∂b) by central differences."""
    return [numerical_grad(lambda t: t * b, a), numerical_grad(lambda t: a * t, b)]


def _elementwise_derivative(function, a, h: float = 1e-5):
    """Central differences of an elementwise ``function`` at every entry of ``a``."""
    if np.ndim(a) == 0:
        return numerical_grad(function, float(a))
    a = np.asarray(a, dtype=float)
    return (function(a + h) - function(a - h)) / (2 * h)


def tanh_derivative(a):
    """d tanh(a)/da (elementwise for arrays) by central differences."""
    return _elementwise_derivative(np.tanh, a)


def _sigmoid(a):
    """The logistic function 1 / (1 + e^(−a))."""
    return 1.0 / (1.0 + np.exp(-a))


def sigmoid_derivative(a):
    """dσ(a)/da (elementwise for arrays) by central differences."""
    return _elementwise_derivative(_sigmoid, a)


def neuron_gradients(point: dict) -> dict:
    """Gradients of σ(w0·x0 + w1·x1 + w2) with respect to each input of ``point``, numerically."""

    def neuron(values):
        return _sigmoid(values["w0"] * values["x0"] + values["w1"] * values["x1"] + values["w2"])

    return {
        name: numerical_grad(lambda t, name=name: neuron({**point, name: t}), float(point[name]))
        for name in point
    }


# Lesson 2 (Mazur's network) -------------------------------------------------------------


def _mazur():
    """Mazur's network and its single example: (net, i, target, W1, W2, b1, b2)."""
    from bpwidgets.core.worked_examples import mazur_network

    net, X, Y = mazur_network()
    (W1, W2), (b1, b2) = net.weights, net.biases
    return X[0], Y[0], np.array(W1, dtype=float), np.array(W2, dtype=float), b1, b2


def _mazur_error(i, target, W1, W2, b1, b2) -> float:
    """E = Σ ½ (target − out_o)² of the 2-2-2 sigmoid network."""
    out_o = _sigmoid(_sigmoid(i @ W1 + b1) @ W2 + b2)
    return 0.5 * float(np.sum((target - out_o) ** 2))


def mazur_output_deltas() -> np.ndarray:
    """∂E/∂net_o of Mazur's network, by central differences in the output net inputs."""
    i, target, W1, W2, b1, b2 = _mazur()
    net_o = _sigmoid(i @ W1 + b1) @ W2 + b2
    return numerical_grad(lambda z: 0.5 * np.sum((target - _sigmoid(z)) ** 2), net_o.copy())


def mazur_hidden_deltas() -> np.ndarray:
    """∂E/∂net_h of Mazur's network, by central differences in the hidden net inputs."""
    i, target, W1, W2, b1, b2 = _mazur()
    net_h = i @ W1 + b1

    def error(z):
        return 0.5 * np.sum((target - _sigmoid(_sigmoid(z) @ W2 + b2)) ** 2)

    return numerical_grad(error, net_h.copy())


def mazur_weight_gradient(layer: int) -> np.ndarray:
    """∂E/∂W of Mazur's layer ``layer`` (1 = hidden W1, 2 = output W2), by central differences."""
    i, target, W1, W2, b1, b2 = _mazur()
    if layer == 1:
        return numerical_grad(lambda W: _mazur_error(i, target, W, W2, b1, b2), W1.copy())
    if layer == 2:
        return numerical_grad(lambda W: _mazur_error(i, target, W1, W, b1, b2), W2.copy())
    raise ValueError(f"layer must be 1 or 2; got {layer!r}")


# Lesson 3 ------------------------------------------------------------------------------


def dense_layer_gradient(wrt: str, X, W, b, G) -> np.ndarray:
    """∂L/∂X, ∂L/∂W or ∂L/∂b (``wrt`` = "dX", "dW", "db") of L = Σ G ⊙ (XW + b), numerically."""
    arrays = {"dX": X, "dW": W, "db": b}
    if wrt not in arrays:
        raise ValueError(f"wrt must be one of {sorted(arrays)}; got {wrt!r}")
    X, W, b = (np.array(a, dtype=float) for a in (X, W, b))
    target = {"dX": X, "dW": W, "db": b}[wrt]
    return numerical_grad(lambda _: np.sum(G * (X @ W + b)), target)


def cross_entropy_gradient(Z, y) -> np.ndarray:
    """∂L/∂Z of the batch-mean softmax cross-entropy (the core's loss), numerically."""
    from bpwidgets.core.losses import cross_entropy

    return numerical_grad(lambda logits: cross_entropy(logits, y), np.array(Z, dtype=float))


def mlp_parameters(sizes, activation: str, seed: int) -> np.ndarray:
    """The parameter vector of a fresh core ``MLP(sizes, activation, seed)``."""
    from bpwidgets.core import MLP

    return MLP(list(sizes), activation=activation, seed=seed).get_params()


# Lesson 4 ------------------------------------------------------------------------------


def measured_linear_factor(init, width: int) -> float:
    """Per-layer factor of ‖δ‖ measured by the core in a 10-layer *linear* network."""
    from bpwidgets.core import gradient_flow

    flow = gradient_flow(depth=10, width=width, activation="linear", init=init, batch=64)
    return flow.measured_factor


# Lesson 5 ------------------------------------------------------------------------------


def max_stable_lr(H) -> float:
    """2 / λ_max, with λ_max found by power iteration (independent of eigvalsh)."""
    H = np.array(H, dtype=float)
    vector = np.ones(H.shape[0])
    for _ in range(2000):
        vector = H @ vector
        vector /= np.linalg.norm(vector)
    return 2.0 / float(vector @ H @ vector)


def momentum_path(seed: int, lr: float, momentum: float, steps: int, size: int = 4) -> np.ndarray:
    """Weights after ``steps`` core SGD-with-momentum updates on seeded random gradients."""
    from bpwidgets.core import SGD

    rng = np.random.default_rng(seed)
    optimizer, w = SGD(lr, momentum=momentum), rng.normal(size=size)
    for _ in range(steps):
        w = optimizer.update(w, rng.normal(size=size))
    return w


def gd_loss_on_bowl(lambdas, start, lr: float, steps: int) -> float:
    """Loss of plain gradient descent on ½ Σ λᵢ wᵢ² after ``steps``, in closed form."""
    lambdas, start = np.asarray(lambdas, dtype=float), np.asarray(start, dtype=float)
    w = start * (1.0 - lr * lambdas) ** steps
    return 0.5 * float(np.sum(lambdas * w**2))


def final_loss(surface: str, start, optimizer: str, lr: float, steps: int) -> float:
    """Loss after ``steps`` of the core optimizer ``optimizer`` on a named core surface."""
    from bpwidgets.core import Quadratic, Rosenbrock, Saddle, descent_path, make_optimizer

    surfaces = {"rosenbrock": Rosenbrock, "saddle": Saddle, "quadratic": Quadratic}
    if surface not in surfaces:
        raise ValueError(f"surface must be one of {sorted(surfaces)}; got {surface!r}")
    shape = surfaces[surface]()
    path = descent_path(shape, np.asarray(start, dtype=float), make_optimizer(optimizer, lr), steps)
    return float(shape.value(path[-1]))


# Lesson 6 ------------------------------------------------------------------------------


def _classifier_loss(params: dict, X, y) -> float:
    """Mean softmax cross-entropy of the one-hidden-layer tanh classifier (the core's loss)."""
    from bpwidgets.core.losses import cross_entropy

    logits = np.tanh(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]
    return float(cross_entropy(logits, y))


def classifier_loss(params: dict, X, y) -> float:
    """The loss of lesson 6's classifier with ``params`` on (X, y)."""
    return _classifier_loss({k: np.asarray(v, dtype=float) for k, v in params.items()}, X, y)


def classifier_gradients(params: dict, X, y) -> dict:
    """{name: ∂L/∂param} of lesson 6's classifier, by central differences."""
    params = {k: np.array(v, dtype=float) for k, v in params.items()}
    return {
        name: numerical_grad(lambda _: _classifier_loss(params, X, y), params[name])
        for name in params
    }


def trained_parameter(
    name: str, X, y, n_classes: int, hidden: int, lr: float, steps: int, seed: int
) -> np.ndarray:
    """Parameter ``name`` of lesson 6's classifier after ``steps`` core gradient-descent steps.

    Starts from lesson 6's ``init_params`` draws (LeCun-normal weights, zero biases).
    """
    from bpwidgets.core import MLP

    rng = np.random.default_rng(seed)
    n_inputs = X.shape[1]
    W1 = rng.normal(0.0, np.sqrt(1.0 / n_inputs), size=(n_inputs, hidden))
    W2 = rng.normal(0.0, np.sqrt(1.0 / hidden), size=(hidden, n_classes))
    net = MLP.from_weights([W1, W2], [np.zeros(hidden), np.zeros(n_classes)], activation="tanh")
    for _ in range(steps):
        grads = net.gradients(X, y, "cross_entropy")
        for layer in range(2):
            net.weights[layer] -= lr * grads.weights[layer]
            net.biases[layer] -= lr * grads.biases[layer]
    trained = {"W1": net.weights[0], "b1": net.biases[0], "W2": net.weights[1], "b2": net.biases[1]}
    if name not in trained:
        raise ValueError(f"name must be one of {sorted(trained)}; got {name!r}")
    return trained[name]
