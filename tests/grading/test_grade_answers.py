"""Answers crossing from the sandbox to the trusted grader: encoding, strict decoding, and the
decision made with a recorded answer equal to the decision made in the lesson itself."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpwidgets.core import Value
from bpwidgets.grading.checks import check_array, check_scalar, check_shape
from bpwidgets.grading.trusted_answers import (
    MAX_REPR,
    Decider,
    InvalidAnswer,
    OpaqueAnswer,
    Recorder,
    decode_answer,
    encode_answer,
)
from bpwidgets.grading.trusted_lesson import GradedCell, decide, withhold_expected


def through_json(value):
    """Encode, serialise strictly, parse and decode a value, as the grader receives it."""
    return decode_answer(json.loads(json.dumps(encode_answer(value), allow_nan=False)))


@pytest.mark.parametrize(
    "value",
    [None, True, 3, -(2**62), 0.1, 1e308, "text", [1, [2.5, None]], (1, 2), {"w0": 1.0, 3: [2]}],
)
def test_plain_values_cross_unchanged(value):
    assert through_json(value) == value
    assert type(through_json(value)) is type(value)


@pytest.mark.parametrize(
    "dtype", ["float64", "float32", "int64", "uint8", "bool", "complex128", ">f8"]
)
def test_arrays_cross_bit_for_bit_with_dtype_and_shape(dtype):
    array = (np.arange(12).reshape(3, 4) / 7).astype(dtype)
    back = through_json(array)
    assert back.shape == array.shape and back.dtype == array.dtype.newbyteorder("=")
    assert np.array_equal(back, array)


def test_non_finite_numbers_and_numpy_scalars_cross():
    back = through_json([float("nan"), float("inf"), np.float32(0.5), np.int64(7), complex(1, -2)])
    assert np.isnan(back[0]) and back[1] == float("inf") and back[2:] == [0.5, 7, complex(1, -2)]


def test_objects_cross_as_their_type_name_and_a_short_repr():
    back = through_json(Value(2.0, label="x" * 500))
    assert isinstance(back, OpaqueAnswer) and type(back).__name__ == "Value"
    assert len(repr(back)) <= MAX_REPR and hasattr(back, "grad")


NESTED: list = [1]
for _ in range(30):
    NESTED = [NESTED]


@pytest.mark.parametrize("value", [np.zeros((2000, 2000)), "x" * 100_000, NESTED])
def test_answers_beyond_the_caps_become_a_too_large_failure(value):
    with pytest.raises(Exception, match="too large to grade"):
        through_json(value)()


@pytest.mark.parametrize(
    "data",
    [
        {"$": "array", "dtype": "|O", "shape": [1], "data": ""},
        {"$": "array", "dtype": "<f8", "shape": [2], "data": "AAAAAAAAAAA="},
        {"$": "array", "dtype": "<f8", "shape": [-1], "data": ""},
        {"$": "pickle", "data": "gASVAAAA"},
        {"$": "raised", "type": "os.system('x')", "message": ""},
        {"$": "opaque", "type": "Value", "repr": 3},
        {"no": "kind"},
    ],
)
def test_malformed_records_are_rejected(data):
    with pytest.raises(InvalidAnswer):
        decode_answer(data)


def recorded_then_decided(check, student, *args, **kwargs) -> tuple[bool, str]:
    """Record ``student`` as the sandbox would, then decide with it as the grader would."""
    recorder = Recorder()
    with recorder.active():
        recorder.start()
        check("answer", student, None)
        records = json.loads(json.dumps(recorder.stop()))
    decider = Decider(records, "no answer")
    with decider.active():
        check(
            "answer", lambda: pytest.fail("the grader must never call the thunk"), *args, **kwargs
        )
    return decider.outcomes[0]


def decided_in_the_lesson(check, student, *args, **kwargs) -> tuple[bool, str]:
    """The check run directly, as in a student's notebook."""
    try:
        check("answer", student, *args, **kwargs)
    except AssertionError as failure:
        return False, str(failure)
    return True, ""


def not_implemented():
    raise NotImplementedError


EXPECTED = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
ANSWERS = {
    "right": lambda: EXPECTED.copy(),
    "transposed": lambda: EXPECTED.T,
    "summed": lambda: EXPECTED * 3,
    "list": lambda: EXPECTED.tolist(),
    "none": lambda: None,
    "not implemented": not_implemented,
    "raises": lambda: [][1],
    "nan": lambda: EXPECTED * np.nan,
    "value object": lambda: Value(1.0),
    "text": lambda: "six",
    "complex": lambda: EXPECTED * 1j,
}


@pytest.mark.parametrize("name", list(ANSWERS))
def test_a_recorded_answer_is_decided_exactly_as_in_the_lesson(name):
    student = ANSWERS[name]
    for check, args, kwargs in [
        (check_array, (EXPECTED,), {"batch_size": 3}),
        (check_shape, ((2, 3),), {}),
        (check_scalar, (21.0,), {}),
    ]:
        ok, message = recorded_then_decided(check, student, *args, **kwargs)
        lesson_ok, lesson_message = decided_in_the_lesson(check, student, *args, **kwargs)
        assert ok == lesson_ok, (name, check.__name__)
        if not ok:
            assert message == lesson_message, (name, check.__name__)


def test_withholding_keeps_label_and_thunk_and_drops_every_other_argument():
    source = (
        "import numpy as np\n"
        "x = np.ones(3)  # inputs stay\n"
        "check_array('dW', lambda: f(x), np.array([1.5, 2.5]), local_derivative=np.ones(2), rtol=1e-3)\n"
        "checks.check_scalar(f'loss {1}', lambda: g(), references.loss(x))\n"
    )
    kernel = withhold_expected(source)
    assert "x = np.ones(3)" in kernel and "lambda: f(x)" in kernel and "lambda: g()" in kernel
    for secret in ("1.5", "2.5", "references", "1e-3", "# inputs stay", "np.ones(2)"):
        assert secret not in kernel
    assert "check_array('dW', lambda: f(x), None, local_derivative=None, rtol=None)" in kernel


def test_withholding_knows_the_checks_and_their_aliases_not_every_check_named_helper():
    source = (
        "from bpwidgets.grading.checks import check_array as ca\n"
        "ca('dW', lambda: f(), [1.5])\n"
        "check_dense(seed=3)\n"
    )
    kernel = withhold_expected(source)
    assert "ca('dW', lambda: f(), None)" in kernel and "check_dense(seed=3)" in kernel


def test_a_cell_scores_points_times_passed_over_total_checks():
    cell = GradedCell(
        "ex_tests",
        "from bpwidgets.grading.checks import check_scalar\n"
        "for a in (1.0, 2.0, 3.0):\n"
        "    check_scalar(f'twice {a}', lambda: twice(a), 2 * a)\n",
        3.0,
    )
    records = [
        {"name": f"twice {a}", "answer": answer}
        for a, answer in [(1.0, 2.0), (2.0, 4.0), (3.0, 7.0)]
    ]
    decision = decide(cell, records, "no answer")
    assert decision.score == 2.0
    assert decision.feedback.startswith("2 of 3 checks passed\ntwice 3.0 is wrong")
    missing = decide(cell, records[:1], "the cell did not finish")
    assert missing.score == 1.0 and "twice 2.0: the cell did not finish" in missing.feedback
    renamed = decide(cell, [{**records[0], "name": "forged"}] + records[1:], "no answer")
    assert renamed.score == 1.0  # an answer is used only for the check it was recorded for
