"""Instant feedback for lesson exercises: compare a student's answer with the expected one.

Every check prints one short success line, or raises an ``AssertionError`` whose message is a
short card a student can act on (``card.py``; nbgrader counts the test as failed): what was
checked, expected vs got at the worst entry, the CS231n relative-error band, a shape mismatch
explained, and a hint naming the likely classic mistake (transposed W, sum instead of mean, flipped sign,
missing local derivative...). A student's answer may be anything — a list, a scalar, None, a
function that still raises ``NotImplementedError`` — and the check never crashes on it.

Uses numpy and ``bpwidgets.core`` only, so hidden test cells can import it anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NoReturn

import numpy as np

from bpwidgets.core.gradcheck import classify, relative_error
from bpwidgets.core.validate import check_finite_array, check_positive_int
from bpwidgets.grading.card import CheckFailure, fail
from bpwidgets.grading.mistakes import diagnose
from bpwidgets.grading.trusted_answers import mode_active, trusted_check

DEFAULT_RTOL = 1e-5
DEFAULT_ATOL = 1e-8


def _fail(message: str) -> NoReturn:
    """Raise a one-line card (an AssertionError nbgrader records as the test's feedback)."""
    fail(message)


def _evaluate(name: str, student):
    """Call ``student`` if it is a function (to catch NotImplementedError); else return it."""
    if not callable(student) or isinstance(student, np.ndarray):
        return student
    try:
        return student()
    except NotImplementedError:
        failure = (
            f"{name}: not implemented yet — replace `raise NotImplementedError()` with your code"
        )
    except NameError as error:  # usually an exercise cell above not run (or not finished) yet
        missing = getattr(error, "name", None) or "a name it uses"
        failure = f"{name}: {missing} is not defined yet — finish the exercise above and run its cell"
    except Exception as error:  # a student's bug must become feedback, not a crash
        failure = f"{name}: your code raised {type(error).__name__}: {error}"
    _fail(failure)


def _describe(value) -> str:
    """Return a short description of any value for an error message."""
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + '...' if len(text) > 60 else text}"


def _holds_text(value) -> bool:
    """True for arrays or lists of strings, which numpy would silently parse as numbers."""
    try:
        return np.asarray(value).dtype.kind in "USV"
    except (TypeError, ValueError):
        return False


def _as_number_array(name: str, student) -> np.ndarray:
    """Return ``student`` as a float64 array or fail with a message about what came instead."""
    student = _evaluate(name, student)
    if student is None:
        _fail(f"{name} is None — did your function forget to `return` its result?")
    if student is NotImplemented or student is Ellipsis:
        _fail(f"{name} is {student!r} — fill in your answer")
    if isinstance(student, (str, bytes, Mapping, set)) or _holds_text(student):
        _fail(f"{name} must be an array of numbers; got {_describe(student)}")
    try:
        if np.iscomplexobj(student):
            _fail(f"{name} must contain real numbers; got complex values")
        array = np.asarray(student, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        array = None
    if array is None:
        hint = " — did you mean its .data or .grad?" if hasattr(student, "grad") else ""
        _fail(f"{name} must be an array of numbers; got {_describe(student)}{hint}")
    nonfinite = ~np.isfinite(array)
    if np.any(nonfinite):
        first = tuple(int(i) for i in np.argwhere(nonfinite)[0])
        where = f" (first at index {first})" if array.ndim else ""
        _fail(
            f"{name} contains {int(nonfinite.sum())} NaN/inf entries{where} — look for log(0), "
            "division by zero, or an overflowing exp"
        )
    return array


def _named_shape(shape: tuple[int, ...], dims: Sequence[str] | None) -> str:
    """Return ``(2, 3) = (n_in, n_out)`` when dimension names are given, else ``(2, 3)``."""
    if dims is None or len(dims) != len(shape):
        return str(shape)
    return f"{shape} = ({', '.join(dims)})"


def shape_hint(got: tuple[int, ...], expected: tuple[int, ...]) -> str:
    """Return a sentence guessing why an array came out with the wrong shape."""
    if got == () and expected != ():
        return "you returned a single number where an array was expected"
    if expected == () and got != ():
        return "an array came back where a single number was expected — reduce it (sum or mean)"
    if len(got) == 2 and got == expected[::-1]:
        return "did you transpose W (x @ W vs W @ x), or swap the factors of x.T @ delta?"
    if len(got) == len(expected) + 1 and got[1:] == expected:
        return "there is one extra leading axis — did you forget to reduce over the batch (axis=0)?"
    if int(np.prod(got)) == int(np.prod(expected)):
        return "the number of entries is right but the layout is not — check reshape/keepdims"
    return "check which matrices you multiplied and along which axis you reduced"


def _check_shape_of(name: str, array: np.ndarray, expected_shape, dims) -> None:
    """Fail with an explained mismatch when ``array`` does not have ``expected_shape``."""
    expected_shape = tuple(int(n) for n in expected_shape)
    if array.shape != expected_shape:
        fail(
            f"{name} has the wrong shape",
            [f"expected {_named_shape(expected_shape, dims)}; got {array.shape}"],
            shape_hint(array.shape, expected_shape),
        )


def _succeed(message: str) -> None:
    """Print the one-line success message students see under the cell."""
    print(f"✓ {message}")


def _compare(
    name: str,
    student,
    expected,
    *,
    rtol: float,
    atol: float,
    dims: Sequence[str] | None = None,
    batch_size: int | None = None,
    **hints,
) -> str:
    """Return a success line for ``student`` ≈ ``expected``, or raise AssertionError explaining why not.

    ``hints`` are the optional facts the mistake catalogue uses (see ``mistakes.diagnose``).
    """
    reference = check_finite_array("expected", expected)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    array = _as_number_array(name, student)
    _check_shape_of(name, array, reference.shape, dims)
    with np.errstate(over="ignore", invalid="ignore"):  # huge answers: differences overflow to inf
        difference = np.abs(array - reference)
        rel = relative_error(array, reference)
        close = np.allclose(array, reference, rtol=rtol, atol=atol)
    max_diff = float(np.max(difference)) if array.size else 0.0
    band = f"relative error {rel:.2g} ({classify(rel)[0]})"
    if close:
        return f"{name} is correct (max abs difference {max_diff:.3g}, {band})"
    where = tuple(int(i) for i in np.unravel_index(np.argmax(difference), array.shape))
    got, wanted = f"{array[where]:.6g}", f"{reference[where]:.6g}"
    if array.ndim:
        worst = f"worst entry, at index {where}: expected {wanted}, got {got}"
        worst += f" (shape {array.shape} is right)"
    else:
        worst = f"expected {wanted}, got {got}"
    hint = diagnose(array, reference, batch_size=batch_size, rtol=rtol, atol=atol, **hints)
    fail(f"{name} is wrong", [worst, f"max abs difference {max_diff:.3g}, {band}"], hint)


@trusted_check
def check_array(
    name: str,
    student,
    expected,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    dims: Sequence[str] | None = None,
    batch_size: int | None = None,
    local_derivative=None,
    previous=None,
    derivative_of=None,
    weights=None,
    upstream=None,
) -> None:
    """Pass if ``student`` ≈ ``expected`` (np.allclose); else raise AssertionError with a hint.

    ``dims`` names the axes for shape messages (``("n_in", "n_out")``); ``batch_size`` enables
    the sum-instead-of-mean hint; ``local_derivative`` (e.g. σ'(z)) the missing-factor hint;
    ``previous`` (the parameter before an update step) the flipped-update hint;
    ``derivative_of=("tanh", a)`` the wrong-activation-derivative hint; ``weights`` and
    ``upstream`` (W and δ of a backward product) the transposed-weights hint. ``student``
    may be a zero-argument function: a ``NotImplementedError`` it raises becomes feedback.
    """
    _succeed(
        _compare(
            name,
            student,
            expected,
            rtol=rtol,
            atol=atol,
            dims=dims,
            batch_size=batch_size,
            local_derivative=local_derivative,
            previous=previous,
            derivative_of=derivative_of,
            weights=weights,
            upstream=upstream,
        )
    )


@trusted_check
def check_scalar(
    name: str,
    student,
    expected,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    batch_size: int | None = None,
    derivative_of=None,
) -> None:
    """Pass if the number ``student`` ≈ ``expected``; a size-1 array counts as a number.

    ``derivative_of=("tanh", a)`` names a wrong local derivative of that activation at ``a``.
    """
    reference = check_finite_array("expected", expected)
    if reference.size != 1:
        raise ValueError(f"expected must be a single number; got shape {reference.shape}")
    value = _as_number_array(name, student)
    if value.size != 1:
        _fail(f"{name} must be a single number; got an array of shape {value.shape}")
    _succeed(
        _compare(
            name,
            value.reshape(()),
            reference.reshape(()),
            rtol=rtol,
            atol=atol,
            batch_size=batch_size,
            derivative_of=derivative_of,
        )
    )


@trusted_check
def check_shape(name: str, student, expected_shape, *, dims: Sequence[str] | None = None) -> None:
    """Pass if ``student`` has ``expected_shape``; else explain the mismatch (e.g. a transpose)."""
    array = _as_number_array(name, student)
    _check_shape_of(name, array, expected_shape, dims)
    _succeed(f"{name} has the right shape {_named_shape(array.shape, dims)}")


def _as_named_list(kind: str, grads, names) -> list[tuple[str, object]]:
    """Return ``[(name, array), ...]`` from a mapping or a sequence of gradients."""
    if isinstance(grads, Mapping):
        return list(grads.items())
    if grads is None or isinstance(grads, (str, bytes)) or not isinstance(grads, Sequence):
        _fail(f"{kind} must be a list or dict of per-layer gradients; got {_describe(grads)}")
    labels = list(names) if names is not None else [f"layer {i}" for i in range(len(grads))]
    if len(labels) != len(grads):
        _fail(f"{kind}: expected {len(labels)} gradients (one per layer); got {len(grads)}")
    return list(zip(labels, grads, strict=True))


@trusted_check
def check_gradients(
    name: str,
    student_grads,
    reference_grads,
    names: Sequence[str] | None = None,
    *,
    rtol: float = DEFAULT_RTOL,
    atol: float = DEFAULT_ATOL,
    batch_size: int | None = None,
    local_derivatives: Mapping | Sequence | None = None,
) -> None:
    """Compare per-layer gradients (dicts by name, or lists in layer order) and report each layer.

    ``name`` says what was checked; ``student_grads`` may be a zero-argument function. Every
    layer is checked; the AssertionError lists all wrong layers with their hints.
    ``local_derivatives`` gives, per layer (same keys or order), the activation derivative
    whose omission the missing-factor hint looks for.
    """
    reference = _as_named_list("reference_grads", reference_grads, names)
    student_grads = _evaluate(name, student_grads)
    if isinstance(student_grads, Mapping):
        missing = [key for key, _ in reference if key not in student_grads]
        if missing:
            _fail(f"gradients missing for {', '.join(map(str, missing))}")
        student = [(key, student_grads[key]) for key, _ in reference]
    else:
        student = _as_named_list("your gradients", student_grads, [k for k, _ in reference])
    if isinstance(local_derivatives, Mapping):
        locals_ = [local_derivatives.get(key) for key, _ in reference]
    else:
        locals_ = (list(local_derivatives or []) + [None] * len(reference))[: len(reference)]
    lines, summary, hints = [], [], []
    for (key, grad), (_, expected), local in zip(student, reference, locals_, strict=True):
        try:
            lines.append(
                "✓ "
                + _compare(
                    str(key),
                    grad,
                    expected,
                    rtol=rtol,
                    atol=atol,
                    batch_size=batch_size,
                    local_derivative=local,
                )
            )
            summary.append(f"✓ {key} is correct")
        except CheckFailure as failure:
            detail = f": {failure.facts[0]}" if failure.facts else ""
            summary.append(f"✗ {failure.title}{detail}")
            if failure.hint:
                hints.append(f"({key}) {failure.hint}")
    wrong = sum(line.startswith("✗") for line in summary)
    if wrong:
        title = f"{name}: {wrong} of {len(reference)} gradients are wrong"
        fail(title, summary, hints[0] if hints else None)
    print("\n".join(lines))


@trusted_check
def check_text(
    name: str,
    student,
    expected: str,
    *,
    choices: Sequence[str] | None = None,
    hint: str | None = None,
) -> None:
    """Pass if the text ``student`` equals ``expected`` (a choice, a label, a formula)."""
    answer = _evaluate(name, student)
    if not isinstance(answer, str):
        _fail(f"{name} must be text (a str); got {_describe(answer)}")
    if choices is not None and answer not in choices:
        _fail(f"{name} must be one of {', '.join(map(repr, choices))}; got {answer!r}")
    if answer != expected:
        fail(f"{name} is wrong", [f"expected {expected!r}, got {answer!r}"], hint)
    _succeed(f"{name} is correct: {answer!r}")


@trusted_check
def check_between(name: str, student, low: float, high: float) -> None:
    """Pass if the number ``student`` lies in [low, high] (an accuracy, a measured factor)."""
    value = _as_number_array(name, student)
    if value.size != 1:
        _fail(f"{name} must be a single number; got an array of shape {value.shape}")
    number = float(value.reshape(()))
    if not low <= number <= high:
        side = "too small" if number < low else "too large"
        fail(f"{name} is {side}", [f"it must lie between {low:g} and {high:g}; got {number:.4g}"])
    _succeed(f"{name} = {number:.4g} lies between {low:g} and {high:g}")


def record_answer(name: str, student, *, choices: Sequence[str]) -> None:
    """Record a multiple-choice answer without judging it: it is checked at grading time.

    Not a check: while grading (answers recorded or decided) it does nothing, so it neither
    records an answer nor counts towards the cell's points.
    """
    if mode_active():
        return
    answer = _evaluate(name, student)
    if not isinstance(answer, str) or answer not in choices:
        _fail(f"{name} must be one of {', '.join(map(repr, choices))}; got {_describe(answer)}")
    print(f"answer recorded: {answer} — it is checked when your work is graded")
