"""Closed-form loss surfaces of two parameters, and the path an optimiser takes across them.

Every surface takes points whose last axis holds the two parameters, ``(..., 2)``, so one call
evaluates a single point, a trajectory or a whole contour grid:

- ``value(points)`` has shape ``points.shape[:-1]``,
- ``gradient(points)`` has the shape of ``points``,
- ``hessian(points)`` has shape ``points.shape[:-1] + (2, 2)``.

``grid(xs, ys)`` gives contour-plot data with ``values[j, i]`` at ``(xs[i], ys[j])``.
``descent_path`` runs any optimiser with an ``update(params, grad)`` method across a surface.
"""

from __future__ import annotations

import math

import numpy as np

from bpwidgets.core.validate import (
    check_finite_array,
    check_number,
    check_positive,
    check_positive_int,
)

DEFAULT_BLOWUP = 1e10  # |f| above this counts as diverged


class ToySurface:
    """A function of two parameters with its gradient and Hessian; subclasses give the formulas."""

    name = "surface"
    bounds = ((-2.0, 2.0), (-2.0, 2.0))  # a plot window ((x_min, x_max), (y_min, y_max))

    def value(self, points) -> np.ndarray:
        """f at each point; shape ``points.shape[:-1]``."""
        x, y = _split(points)
        return self._value(x, y)

    def gradient(self, points) -> np.ndarray:
        """(df/dx, df/dy) at each point; the shape of ``points``."""
        x, y = _split(points)
        dx, dy = self._gradient(x, y)
        return np.stack(np.broadcast_arrays(dx, dy), axis=-1)

    def hessian(self, points) -> np.ndarray:
        """The 2x2 second derivatives at each point; shape ``points.shape[:-1] + (2, 2)``."""
        x, y = _split(points)
        dxx, dxy, dyy = np.broadcast_arrays(*self._hessian(x, y))
        return np.stack([np.stack([dxx, dxy], -1), np.stack([dxy, dyy], -1)], axis=-2)

    def grid(self, xs, ys) -> np.ndarray:
        """f on the grid ``xs`` x ``ys``: ``values[j, i]`` is f(xs[i], ys[j]) (contour layout)."""
        xs = check_finite_array("xs", xs, ndim=1)
        ys = check_finite_array("ys", ys, ndim=1)
        return self._value(xs[np.newaxis, :], ys[:, np.newaxis])

    def _value(self, x, y):
        raise NotImplementedError

    def _gradient(self, x, y):
        raise NotImplementedError

    def _hessian(self, x, y):
        raise NotImplementedError


def _split(points):
    points = np.asarray(points, dtype=np.float64)
    if points.ndim == 0 or points.shape[-1] != 2:
        raise ValueError(
            f"points must have a last axis of length 2 (x, y); got shape {points.shape}"
        )
    return points[..., 0], points[..., 1]


class Quadratic(ToySurface):
    """The bowl f(p) = ½ (p − c)ᵀ H (p − c) with curvatures λ1, λ2 along axes turned by ``angle``.

    Plain gradient descent on it converges exactly when lr < 2 / λ_max (``divergence_lr``):
    each step multiplies the error along an eigenvector by (1 − lr·λ).
    """

    name = "quadratic"

    def __init__(self, lambda1=1.0, lambda2=10.0, angle=0.0, centre=(0.0, 0.0)):
        self.lambda1 = check_positive("lambda1", lambda1)
        self.lambda2 = check_positive("lambda2", lambda2)
        self.angle = check_number("angle", angle)  # degrees, anticlockwise from the x axis
        self.centre = check_finite_array("centre", centre, ndim=1)
        if self.centre.shape != (2,):
            raise ValueError(f"centre must hold 2 numbers (x, y); got shape {self.centre.shape}")
        turn = math.radians(self.angle)
        rotation = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
        self.matrix = rotation @ np.diag([self.lambda1, self.lambda2]) @ rotation.T
        self.minimum = self.centre.copy()

    def __repr__(self) -> str:
        return (
            f"Quadratic(lambda1={self.lambda1:g}, lambda2={self.lambda2:g}, angle={self.angle:g}, "
            f"centre=({self.centre[0]:g}, {self.centre[1]:g}))"
        )

    @property
    def lambda_max(self) -> float:
        """The largest curvature (eigenvalue of the Hessian)."""
        return max(self.lambda1, self.lambda2)

    @property
    def divergence_lr(self) -> float:
        """The learning rate 2 / λ_max above which plain gradient descent diverges."""
        return 2.0 / self.lambda_max

    def _value(self, x, y):
        dx, dy = x - self.centre[0], y - self.centre[1]
        (a, b), (_, c) = self.matrix
        return 0.5 * (a * dx * dx + 2.0 * b * dx * dy + c * dy * dy)

    def _gradient(self, x, y):
        dx, dy = x - self.centre[0], y - self.centre[1]
        (a, b), (_, c) = self.matrix
        return a * dx + b * dy, b * dx + c * dy

    def _hessian(self, x, y):
        (a, b), (_, c) = self.matrix
        shape = np.shape(x)
        return np.full(shape, a), np.full(shape, b), np.full(shape, c)


class Rosenbrock(ToySurface):
    """The banana valley f(x, y) = (a − x)² + b (y − x²)², minimum 0 at (a, a²)."""

    name = "rosenbrock"
    bounds = ((-2.0, 2.0), (-1.0, 3.0))

    def __init__(self, a=1.0, b=100.0):
        self.a = check_number("a", a)
        self.b = check_positive("b", b)
        self.minimum = np.array([self.a, self.a**2])

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a:g}, b={self.b:g})"

    def _value(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def _gradient(self, x, y):
        valley = y - x * x
        return -2.0 * (self.a - x) - 4.0 * self.b * x * valley, 2.0 * self.b * valley

    def _hessian(self, x, y):
        dxx = 2.0 - 4.0 * self.b * y + 12.0 * self.b * x * x
        return dxx, -4.0 * self.b * x, np.full(np.shape(x), 2.0 * self.b)


class Saddle(ToySurface):
    """The saddle f(x, y) = ½ (a x² − b y²): a minimum along x, a maximum along y, no minimum."""

    name = "saddle"

    def __init__(self, a=1.0, b=1.0):
        self.a = check_positive("a", a)
        self.b = check_positive("b", b)
        self.minimum = None

    def __repr__(self) -> str:
        return f"Saddle(a={self.a:g}, b={self.b:g})"

    def _value(self, x, y):
        return 0.5 * (self.a * x * x - self.b * y * y)

    def _gradient(self, x, y):
        return self.a * x, -self.b * y

    def _hessian(self, x, y):
        shape = np.shape(x)
        return np.full(shape, self.a), np.zeros(shape), np.full(shape, -self.b)


class LinearRegression(ToySurface):
    """Mean squared error of the line w·x + b on data (x, t), as a function of (w, b).

    f(w, b) = mean((w x + b − t)²) is a quadratic; it is computed from the data's moments, so a
    whole grid costs no more than a point. Its curvature is the Hessian 2·[[E x², E x], [E x, 1]].
    """

    name = "linear_regression"

    def __init__(self, x, t):
        x = check_finite_array("x", x, ndim=1)
        t = check_finite_array("t", t, ndim=1)
        if len(x) != len(t) or len(x) < 2:
            raise ValueError(
                f"x and t must have the same length >= 2; got {len(x)} inputs and {len(t)} targets"
            )
        self.x, self.t = x, t
        self.mean_x, self.mean_t = float(x.mean()), float(t.mean())
        n = len(x)
        self.mean_xx, self.mean_xt, self.mean_tt = x @ x / n, x @ t / n, t @ t / n
        self.matrix = 2.0 * np.array([[self.mean_xx, self.mean_x], [self.mean_x, 1.0]])
        self.minimum = np.linalg.solve(self.matrix, 2.0 * np.array([self.mean_xt, self.mean_t]))
        w, b = self.minimum
        self.bounds = ((w - 3.0, w + 3.0), (b - 3.0, b + 3.0))

    def __repr__(self) -> str:
        w, b = self.minimum
        return f"LinearRegression({len(self.x)} points, minimum at w={w:.4g}, b={b:.4g})"

    @property
    def lambda_max(self) -> float:
        """The largest eigenvalue of the Hessian."""
        return float(np.linalg.eigvalsh(self.matrix)[-1])

    @property
    def divergence_lr(self) -> float:
        """The learning rate 2 / λ_max above which plain gradient descent diverges."""
        return 2.0 / self.lambda_max

    def _value(self, w, b):
        return (
            w * w * self.mean_xx
            + 2.0 * w * b * self.mean_x
            + b * b
            - 2.0 * w * self.mean_xt
            - 2.0 * b * self.mean_t
            + self.mean_tt
        )

    def _gradient(self, w, b):
        return (
            2.0 * (w * self.mean_xx + b * self.mean_x - self.mean_xt),
            2.0 * (w * self.mean_x + b - self.mean_t),
        )

    def _hessian(self, w, b):
        (dww, dwb), (_, dbb) = self.matrix
        shape = np.shape(w)
        return np.full(shape, dww), np.full(shape, dwb), np.full(shape, dbb)


def descent_path(surface: ToySurface, start, optimizer, steps: int, blowup=DEFAULT_BLOWUP):
    """The optimiser's points on ``surface`` from ``start``: an array (steps + 1, 2).

    The optimiser is reset first, then ``optimizer.update(params, grad)`` is called once per step.
    When the value turns non-finite or |f| exceeds ``blowup`` the run stops: that row and all
    later ones are NaN, which marks the divergence (see ``divergence_step``).
    """
    point = check_finite_array("start", start, ndim=1)
    if point.shape != (2,):
        raise ValueError(f"start must hold 2 numbers (x, y); got shape {point.shape}")
    steps = check_positive_int("steps", steps)
    blowup = check_positive("blowup", blowup)
    optimizer.reset()
    path = np.full((steps + 1, 2), np.nan)
    path[0] = point
    with np.errstate(all="ignore"):  # a diverging run overflows on purpose; we stop on it below
        for step in range(1, steps + 1):
            point = np.asarray(optimizer.update(point.copy(), surface.gradient(point)), np.float64)
            value = surface.value(point)
            if not (np.all(np.isfinite(point)) and abs(value) <= blowup):
                break
            path[step] = point
    return path


def divergence_step(path) -> int | None:
    """The first step of a ``descent_path`` that diverged (its NaN row), or None if none did."""
    blown = np.flatnonzero(np.isnan(np.asarray(path)).any(axis=-1))
    return int(blown[0]) if blown.size else None
