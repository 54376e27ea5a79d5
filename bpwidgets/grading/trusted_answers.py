"""Answers as plain data: what crosses from a sandboxed kernel to the trusted grader.

In the sandbox a check only *records* the student's answer (the value its thunk returned, or
the exception it raised) as a small JSON value; the trusted grader later re-runs the
instructor's test cell with the real expected values and *decides* with the recorded answer
in place of the thunk. Decoding is strict and size-capped: json, never pickle; an unknown
shape of data is no answer at all. A forged record is no worse than returning that value.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import functools
import io
import json
import math
import re
from collections.abc import Mapping

import numpy as np

MAX_ANSWER_BYTES = 4_000_000  # one encoded answer
MAX_NODES = 200_000  # list items, dict entries and scalars in one answer
MAX_DEPTH = 20
MAX_TEXT = 2_000  # a str answer (check_text)
MAX_REPR = 80  # what feedback may quote of a value that is not plain data
MAX_MESSAGE = 1000  # what feedback may quote of an exception message (lesson 07 diagnoses run to ~600)
_ARRAY_DTYPES = {
    np.dtype(name).str: np.dtype(name)
    for name in (
        "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
        "float16", "float32", "float64", "complex64", "complex128",
    )
}  # fmt: skip
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,59}")


class AnswerTooLarge(Exception):
    """An answer beyond the size caps; recorded as such instead of its value."""


# ---------------------------------------------------------------- encoding (in the sandbox)


def encode_answer(value) -> object:
    """Return ``value`` as JSON-able data within the size caps (opaque objects by type and repr)."""
    try:
        data = _encode(value, [MAX_NODES], 0)
        size = len(json.dumps(data, allow_nan=False))
    except (AnswerTooLarge, RecursionError):
        return {"$": "too_large", "type": _type_name(value)}
    if size > MAX_ANSWER_BYTES:
        return {"$": "too_large", "type": _type_name(value)}
    return data


def encode_raised(error: BaseException) -> dict:
    """Return the record of an exception raised by the student's code."""
    return {"$": "raised", "type": _type_name(error), "message": _safe_str(error)[:MAX_MESSAGE]}


def _type_name(value) -> str:
    """The class name of ``value`` if it is a plain identifier, else 'object'."""
    name = getattr(type(value), "__name__", "")
    return name if isinstance(name, str) and _IDENTIFIER.fullmatch(name) else "object"


def _safe_str(value) -> str:
    """str(value), or '' when the student's __str__ misbehaves."""
    try:
        text = str(value)
    except Exception:
        return ""
    return text if isinstance(text, str) else ""


def _safe_repr(value) -> str:
    """repr(value) cut to MAX_REPR characters ('?' when the student's __repr__ misbehaves)."""
    try:
        text = repr(value)
    except Exception:
        return "?"
    return text[:MAX_REPR] if isinstance(text, str) else "?"


def _spend(budget: list[int], amount: int = 1) -> None:
    """Take ``amount`` nodes from the budget; raise AnswerTooLarge when it is spent."""
    budget[0] -= amount
    if budget[0] < 0:
        raise AnswerTooLarge


def _encode(value, budget: list[int], depth: int):
    """Encode one value (recursively for containers)."""
    _spend(budget)
    if depth > MAX_DEPTH:
        raise AnswerTooLarge
    if value is None or type(value) is bool:
        return value
    if type(value) is int or (isinstance(value, np.integer) and type(value) is not bool):
        number = int(value)
        return number if number.bit_length() <= 64 else float(number)
    if isinstance(value, (float, np.floating)) and not isinstance(value, np.ndarray):
        return _encode_float(float(value))
    if isinstance(value, (complex, np.complexfloating)):
        return {
            "$": "complex",
            "real": _encode_float(value.real),
            "imag": _encode_float(value.imag),
        }
    if isinstance(value, np.bool_):
        return bool(value)
    if type(value) is str:
        if len(value) > MAX_TEXT:
            raise AnswerTooLarge
        return value
    if isinstance(value, np.ndarray):
        return _encode_array(value, budget)
    if type(value) in (list, tuple):
        items = [_encode(item, budget, depth + 1) for item in value]
        return items if type(value) is list else {"$": "tuple", "items": items}
    if type(value) is dict:
        items = [
            [_encode(key, budget, depth + 1), _encode(item, budget, depth + 1)]
            for key, item in value.items()
        ]
        return {"$": "dict", "items": items}
    return _encode_other(value, budget)


def _encode_float(number: float):
    """A finite float as itself; nan and ±inf spelled out (strict JSON has neither)."""
    if math.isfinite(number):
        return number
    return {"$": "float", "value": repr(number)}


def _encode_array(array: np.ndarray, budget: list[int]):
    """A numeric array as dtype, shape and its raw bytes; any other array as an opaque value."""
    if array.dtype.str not in _ARRAY_DTYPES and array.dtype.newbyteorder("=").str in _ARRAY_DTYPES:
        array = array.astype(array.dtype.newbyteorder("="))
    if array.dtype.str not in _ARRAY_DTYPES:
        return _opaque(array)
    if array.nbytes > MAX_ANSWER_BYTES // 2:
        raise AnswerTooLarge
    _spend(budget, array.size // 64)
    raw = np.ascontiguousarray(array).tobytes()
    return {
        "$": "array",
        "dtype": array.dtype.str,
        "shape": list(array.shape),
        "data": base64.b64encode(raw).decode("ascii"),
    }


def _encode_other(value, budget: list[int]):
    """Anything else: numbers numpy can read from it, else its type name and a short repr."""
    if isinstance(value, Mapping):
        return _opaque(value)
    try:
        array = np.asarray(value)
    except Exception:
        return _opaque(value)
    if array.dtype.kind in "biufc":
        return _encode_array(array, budget)
    return _opaque(value)


def _opaque(value) -> dict:
    """Record a value that is not plain data: its type name, a short repr, and whether it has .grad."""
    try:
        has_grad = hasattr(value, "grad")
    except Exception:
        has_grad = False
    return {"$": "opaque", "type": _type_name(value), "repr": _safe_repr(value), "grad": has_grad}


# ---------------------------------------------------------------- decoding (in the grader)


class InvalidAnswer(ValueError):
    """Recorded data that is not a well-formed answer."""


class OpaqueAnswer:
    """Stands for an answer that was not plain data: shows its recorded repr, nothing else."""

    __slots__ = ("_repr",)

    def __init__(self, text: str):
        self._repr = text

    def __repr__(self) -> str:
        return self._repr


def _opaque_class(name: str, has_grad: bool) -> type:
    """A class named like the student's, so feedback can say what came back."""
    namespace = {"__slots__": ()}
    if has_grad:
        namespace["grad"] = None  # lets the check's ".data or .grad?" hint fire
    return type(name, (OpaqueAnswer,), namespace)


def decode_answer(data):
    """Return the value an encoded answer stands for; a recorded exception becomes a raiser."""
    return _decode(data, 0)


def _expect(condition: bool) -> None:
    """Raise InvalidAnswer unless ``condition`` holds."""
    if not condition:
        raise InvalidAnswer("malformed answer")


def _decode(data, depth: int):
    """Decode one node, validating its shape strictly."""
    _expect(depth <= MAX_DEPTH + 2)
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [_decode(item, depth + 1) for item in data]
    _expect(isinstance(data, dict) and isinstance(data.get("$"), str))
    kind = data["$"]
    decoders = {
        "tuple": lambda: tuple(_decode(item, depth + 1) for item in _list(data, "items")),
        "dict": lambda: _decode_dict(data, depth),
        "float": lambda: _decode_float(data),
        "complex": lambda: complex(_number(data, "real"), _number(data, "imag")),
        "array": lambda: _decode_array(data),
        "opaque": lambda: _decode_opaque(data),
        "raised": lambda: _raiser(data),
        "too_large": lambda: _raiser({"type": "AnswerTooLarge", "message": _too_large(data)}),
    }
    _expect(kind in decoders)
    return decoders[kind]()


def _list(data: dict, key: str) -> list:
    """data[key], which must be a list."""
    value = data.get(key)
    _expect(isinstance(value, list))
    return value


def _text(data: dict, key: str, limit: int) -> str:
    """data[key], which must be a str, cut to ``limit`` characters."""
    value = data.get(key)
    _expect(isinstance(value, str))
    return value[:limit]


def _number(data: dict, key: str) -> float:
    """data[key] as a float (an encoded non-finite float allowed)."""
    value = data.get(key)
    if isinstance(value, dict):
        return _decode_float(value)
    _expect(isinstance(value, (int, float)) and not isinstance(value, bool))
    return float(value)


def _decode_float(data: dict) -> float:
    """nan, inf or -inf."""
    _expect(data.get("value") in ("nan", "inf", "-inf"))
    return float(data["value"])


def _decode_dict(data: dict, depth: int) -> dict:
    """A dict from its [key, value] pairs; keys must be plain and hashable."""
    result = {}
    for pair in _list(data, "items"):
        _expect(isinstance(pair, list) and len(pair) == 2)
        key = _decode(pair[0], depth + 1)
        _expect(key is None or isinstance(key, (bool, int, float, str, tuple)))
        result[key] = _decode(pair[1], depth + 1)
    return result


def _decode_array(data: dict) -> np.ndarray:
    """A numeric array from dtype, shape and base64 bytes, checked for consistency."""
    dtype = _ARRAY_DTYPES.get(data.get("dtype"))
    shape = _list(data, "shape")
    _expect(dtype is not None and len(shape) <= 32)
    _expect(all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in shape))
    try:
        raw = base64.b64decode(_text(data, "data", 2 * MAX_ANSWER_BYTES), validate=True)
    except ValueError:
        raise InvalidAnswer("malformed array data") from None
    _expect(len(raw) == dtype.itemsize * math.prod(shape))
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _decode_opaque(data: dict) -> OpaqueAnswer:
    """An opaque value: an object named like the student's, showing its recorded short repr."""
    name = _text(data, "type", 60)
    _expect(bool(_IDENTIFIER.fullmatch(name)))
    return _opaque_class(name, data.get("grad") is True)(_text(data, "repr", MAX_REPR))


def _too_large(data: dict) -> str:
    """The message for an answer beyond the caps."""
    return f"the answer ({_text(data, 'type', 60)}) is too large to grade"


def _raiser(data: dict):
    """A zero-argument function raising the recorded exception (its class name and message)."""
    name = _text(data, "type", 60)
    _expect(bool(_IDENTIFIER.fullmatch(name)))
    message = _text(data, "message", MAX_MESSAGE)
    error_class = (
        NotImplementedError if name == "NotImplementedError" else type(name, (Exception,), {})
    )

    def raise_recorded():
        raise error_class(message)

    return raise_recorded


# ---------------------------------------------------------------- the check modes

_MODE: contextvars.ContextVar = contextvars.ContextVar("bpwidgets_check_mode", default=None)


def mode_active() -> bool:
    """True while checks record (sandbox) or decide (grader) instead of running normally."""
    return _MODE.get() is not None


def trusted_check(check):
    """Decorate a ``check_*(name, student, ...)``: normal, recording or deciding, by the mode set."""

    @functools.wraps(check)
    def run_check(name, student, *args, **kwargs):
        mode = _MODE.get()
        if mode is None:
            return check(name, student, *args, **kwargs)
        return mode.run(check, name, student, args, kwargs)

    return run_check


def evaluate_student(student):
    """Call the answer thunk (if it is one); return its encoded value or encoded exception."""
    if callable(student) and not isinstance(student, np.ndarray):
        try:
            student = student()
        except Exception as error:  # the student's bug is an answer too
            return encode_raised(error)
    return encode_answer(student)


class _CheckMode:
    """What every check does while a mode is active: hand itself to the mode's ``run``."""

    @contextlib.contextmanager
    def active(self):
        """Route every check to this mode while the block runs."""
        token = _MODE.set(self)
        try:
            yield self
        finally:
            _MODE.reset(token)


class Recorder(_CheckMode):
    """Record mode (sandbox): each check stores the student's answer; nothing is decided."""

    def __init__(self):
        self.records: list[dict] | None = None  # None: outside a test cell, records ignored

    def start(self) -> None:
        """Begin recording the checks of one test cell."""
        self.records = []

    def stop(self) -> list[dict]:
        """Stop recording; return what the cell recorded."""
        records, self.records = self.records or [], None
        return records

    def run(self, check, name, student, args, kwargs) -> None:
        """Record one answer (the expected value is never looked at here)."""
        if self.records is None:
            return
        answer = evaluate_student(student)
        self.records.append({"name": str(name)[:200], "answer": answer})


class Decider(_CheckMode):
    """Decide mode (trusted): each check compares the recorded answer with the real expected value."""

    def __init__(self, records: list, missing_reason: str):
        self.records = records
        self.missing_reason = missing_reason
        self.outcomes: list[tuple[bool, str]] = []  # (passed, message) per check call

    def run(self, check, name, student, args, kwargs) -> None:
        """Decide one check with the recorded answer; never raise (partial credit)."""
        index = len(self.outcomes)
        answer = self._answer(index, str(name)[:200])
        if answer is _MISSING:
            self.outcomes.append((False, f"{name}: {self.missing_reason}"))
            return
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                check(name, answer, *args, **kwargs)
        except AssertionError as failure:
            self.outcomes.append((False, str(failure)))
        except Exception as error:  # an authoring error: say so, count the check as failed
            self.outcomes.append(
                (False, f"{name}: the test could not run: {type(error).__name__}: {error}")
            )
        else:
            self.outcomes.append((True, printed.getvalue().strip()))

    def _answer(self, index: int, name: str):
        """The decoded answer recorded for check ``index`` if its name matches, else _MISSING."""
        if index >= len(self.records):
            return _MISSING
        record = self.records[index]
        if not isinstance(record, dict) or record.get("name") != name:
            return _MISSING
        try:
            return decode_answer(record.get("answer"))
        except (InvalidAnswer, RecursionError, ValueError, TypeError):
            return _MISSING


_MISSING = object()
