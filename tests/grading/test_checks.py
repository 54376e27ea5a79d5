"""Instant-feedback checks: success lines, failure messages and every classic-mistake hint."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bpwidgets.grading.checks import (
    check_array,
    check_gradients,
    check_scalar,
    check_shape,
)

BATCH = 4


@pytest.fixture()
def layer():
    """A linear layer's forward data and its hand-derived mean-over-batch weight gradient."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(BATCH, 2))
    delta = rng.normal(size=(BATCH, 3))
    return {"x": x, "delta": delta, "dW": x.T @ delta / BATCH, "W": rng.normal(size=(2, 3))}


def failure(check, *args, **kwargs) -> str:
    """Run a check expected to fail and return its AssertionError message."""
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_correct_array_prints_a_success_line(layer, capsys):
    check_array("dW", layer["dW"].copy(), layer["dW"])
    out = capsys.readouterr().out
    assert out.startswith("✓ dW is correct")
    assert "relative error 0 (good)" in out


def test_a_list_is_accepted_like_an_array(layer, capsys):
    check_array("dW", layer["dW"].tolist(), layer["dW"])
    assert "dW is correct" in capsys.readouterr().out


def test_integer_dtype_is_compared_by_value(capsys):
    check_array("counts", np.array([1, 2, 3], dtype=np.int8), [1.0, 2.0, 3.0])
    assert "counts is correct" in capsys.readouterr().out


def test_wrong_values_report_max_difference_location_and_band(layer):
    wrong = layer["dW"].copy()
    wrong[1, 2] += 0.5
    message = failure(check_array, "dW", wrong, layer["dW"])
    title, worst, band = message.splitlines()
    assert title == "dW is wrong"
    expected, got = layer["dW"][1, 2], wrong[1, 2]
    assert worst == (f"  worst entry, at index (1, 2): expected {expected:.6g}, got {got:.6g} "
                     "(shape (2, 3) is right)")
    assert band.startswith("  max abs difference 0.5, relative error")
    assert "(wrong)" in band or "(probably wrong)" in band


def test_transposed_weight_shape_is_explained_with_dimension_names(layer):
    message = failure(check_array, "dW", layer["dW"].T, layer["dW"], dims=("n_in", "n_out"))
    assert "expected (2, 3) = (n_in, n_out); got (3, 2)" in message
    assert "did you transpose W" in message


def test_transposed_square_matrix_is_recognised_by_value():
    expected = np.array([[1.0, 2.0], [3.0, 4.0]])
    message = failure(check_array, "dW", expected.T, expected)
    assert "Hint: your array is the transpose of the expected one" in message


def test_sum_instead_of_mean_over_the_batch(layer):
    summed = layer["x"].T @ layer["delta"]
    message = failure(check_array, "dW", summed, layer["dW"], batch_size=BATCH)
    assert f"{BATCH}× the expected ones (the batch size)" in message
    assert "summed over the batch instead of averaging" in message


def test_mean_where_a_sum_was_expected(layer):
    summed = layer["x"].T @ layer["delta"]
    message = failure(check_array, "dW", summed / BATCH**2, summed / BATCH, batch_size=BATCH)
    assert f"1/{BATCH} of the expected ones" in message


def test_flipped_sign(layer):
    message = failure(check_array, "dW", -layer["dW"], layer["dW"])
    assert "opposite sign" in message


def test_flipped_update_direction(layer):
    lr = 0.1
    W, dW = layer["W"], layer["dW"]
    message = failure(check_array, "W_new", W + lr * dW, W - lr * dW, previous=W)
    assert "moved the parameter uphill" in message
    assert "w = w − lr · grad" in message


def test_forgotten_update(layer):
    W, dW = layer["W"], layer["dW"]
    message = failure(check_array, "W_new", W.copy(), W - 0.1 * dW, previous=W)
    assert "did not change" in message


def test_wrong_learning_rate_scales_the_step(layer):
    W, dW = layer["W"], layer["dW"]
    message = failure(check_array, "W_new", W - 0.01 * dW, W - 0.1 * dW, previous=W)
    assert "0.1× the expected step" in message


def test_missing_sigmoid_derivative(layer):
    z = layer["x"] @ layer["W"]
    sigma = 1.0 / (1.0 + np.exp(-z))
    sigma_prime = sigma * (1.0 - sigma)
    expected = layer["delta"] * sigma_prime
    message = failure(check_array, "dz", layer["delta"], expected, local_derivative=sigma_prime)
    assert "forgot to multiply by the activation's derivative" in message


def test_missing_tanh_derivative_in_a_gradient_list(layer):
    z = layer["x"] @ layer["W"]
    tanh_prime = 1.0 - np.tanh(z) ** 2
    expected = layer["delta"] * tanh_prime
    message = failure(
        check_gradients,
        "gradients",
        {"dz": layer["delta"]},
        {"dz": expected},
        local_derivatives={"dz": tanh_prime},
    )
    assert "✗ dz is wrong" in message
    assert "forgot to multiply by the activation's derivative" in message


def test_local_derivative_applied_twice(layer):
    local = np.full((BATCH, 3), 0.25)
    expected = layer["delta"] * local
    message = failure(check_array, "dz", expected * local, expected, local_derivative=local)
    assert "multiplied by the local derivative twice" in message


def test_missing_factor_two_of_a_squared_error():
    residual = np.array([0.5, -1.0, 2.0])
    message = failure(check_array, "dy", residual, 2.0 * residual)
    assert "forget the factor 2" in message


def test_other_constant_factor_is_reported_with_its_value():
    expected = np.array([1.0, -2.0, 3.0])
    message = failure(check_array, "g", 3.0 * expected, expected)
    assert "times 3 — look for a wrong constant factor" in message


def test_unrelated_wrong_values_give_no_misleading_hint():
    message = failure(check_array, "g", [1.0, 0.0, 0.0], [0.0, 1.0, 5.0])
    assert "Hint" not in message


def test_none_means_a_missing_return(layer):
    message = failure(check_array, "dW", None, layer["dW"])
    assert "dW is None — did your function forget to `return`" in message


def test_not_implemented_function_becomes_feedback(layer):
    def backward():
        raise NotImplementedError()

    message = failure(check_array, "dW", backward, layer["dW"])
    assert "not implemented yet" in message


def test_student_function_that_raises_becomes_feedback(layer):
    def backward():
        return np.ones((2, 3)) @ np.ones((2, 3))

    message = failure(check_array, "dW", backward, layer["dW"])
    assert "your code raised ValueError" in message


def test_function_returning_the_answer_passes(layer, capsys):
    check_array("dW", lambda: layer["dW"], layer["dW"])
    assert "dW is correct" in capsys.readouterr().out


def test_nan_entries_are_located(layer):
    wrong = layer["dW"].copy()
    wrong[0, 1] = np.nan
    wrong[1, 1] = np.inf
    message = failure(check_array, "dW", wrong, layer["dW"])
    assert "2 NaN/inf entries (first at index (0, 1))" in message


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("abc", "got str 'abc'"),
        (["1.0", "2.0"], "got list ['1.0', '2.0']"),
        (np.array(["1.0", "2.0"]), "must be an array of numbers"),
        ([[1, 2], [3]], "must be an array of numbers"),
        ({"a": 1}, "got dict"),
        (1 + 2j, "real numbers"),
        (object(), "must be an array of numbers"),
        (Ellipsis, "fill in your answer"),
    ],
)
def test_non_numeric_answers_fail_with_a_message_not_a_crash(value, fragment):
    assert fragment in failure(check_array, "a", value, [1.0, 2.0])


def test_huge_answers_fail_cleanly_without_overflow_warnings():
    message = failure(check_array, "g", [1e308, 1.0], [-1e308, 1.0])
    assert "worst entry, at index (0,): expected -1e+308, got 1e+308" in message
    assert "max abs difference inf" in message
    assert "opposite sign" not in message


def test_a_value_object_is_pointed_to_its_data_and_grad():
    from bpwidgets.core.value import Value

    message = failure(check_scalar, "loss", Value(2.0), 2.0)
    assert "got Value" in message and "did you mean its .data or .grad?" in message


def test_scalar_where_array_expected(layer):
    message = failure(check_array, "dW", 0.0, layer["dW"])
    assert "you returned a single number where an array was expected" in message


def test_extra_batch_axis_means_a_missing_reduction():
    message = failure(check_array, "db", np.zeros((BATCH, 3)), np.zeros(3))
    assert "forget to reduce over the batch (axis=0)" in message


def test_same_size_other_layout_suggests_reshape():
    message = failure(check_array, "b", np.zeros((3, 1)), np.zeros(3))
    assert "check reshape/keepdims" in message


def test_check_scalar_accepts_numbers_and_size_one_arrays(capsys):
    check_scalar("loss", 0.25, 0.25)
    check_scalar("loss", np.array([[0.25]]), 0.25)
    assert capsys.readouterr().out.count("loss is correct") == 2


def test_check_scalar_accepts_a_size_one_expected_value(capsys):
    check_scalar("loss", 0.5, np.array([0.5]))
    assert "loss is correct" in capsys.readouterr().out
    with pytest.raises(ValueError, match="expected must be a single number"):
        check_scalar("loss", 0.5, [0.5, 1.0])


def test_check_scalar_rejects_arrays_and_names_the_batch_factor():
    assert "must be a single number; got an array of shape (2,)" in failure(
        check_scalar, "loss", [1.0, 2.0], 1.5
    )
    message = failure(check_scalar, "loss", 8.0, 2.0, batch_size=BATCH)
    assert "summed over the batch" in message


def test_check_shape(capsys):
    check_shape("W", np.zeros((2, 3)), (2, 3), dims=("n_in", "n_out"))
    assert "W has the right shape (2, 3) = (n_in, n_out)" in capsys.readouterr().out
    assert "did you transpose W" in failure(check_shape, "W", np.zeros((3, 2)), (2, 3))


def test_check_gradients_reports_every_layer(layer, capsys):
    dW = layer["dW"]
    message = failure(check_gradients, "grads", [dW, -dW, dW.T], [dW, dW, dW], names=["W1", "W2", "W3"])
    assert message.startswith("grads: 2 of 3 gradients are wrong")
    assert "✓ W1 is correct" in message
    assert "✗ W2 is wrong" in message and "opposite sign" in message
    assert "✗ W3 has the wrong shape" in message
    check_gradients("grads", lambda: {"W1": dW}, {"W1": dW})
    assert "✓ W1 is correct" in capsys.readouterr().out


def test_check_gradients_structure_errors(layer):
    dW = layer["dW"]
    assert "gradients missing for W2" in failure(check_gradients, "g", {"W1": dW}, {"W1": dW, "W2": dW})
    assert "expected 2 gradients (one per layer); got 1" in failure(check_gradients, "g", [dW], [dW, dW])
    assert "got NoneType None" in failure(check_gradients, "g", None, [dW])


def test_author_errors_are_value_errors_not_student_feedback():
    with pytest.raises(ValueError, match="expected must contain only finite numbers"):
        check_array("a", [1.0], [np.nan])
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1"):
        check_array("a", [1.0], [1.0], batch_size=0)


def test_messages_name_the_cs231n_band_of_the_relative_error():
    expected = np.array([1.0, 2.0])
    assert "relative error 0.5 (wrong)" in failure(check_array, "g", [3.0, 2.0], expected)
    assert "relative error 0.001 (suspicious)" in failure(
        check_array, "g", [1.002, 2.0], expected, rtol=1e-6
    )


ANY_ANSWER = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.complex_numbers()
    | st.text(max_size=3),
    lambda children: st.lists(children, max_size=4) | st.tuples(children, children),
    max_leaves=12,
)
ANY_ARRAY = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=0, max_dims=3, max_side=3),
    elements=st.floats(allow_nan=True, allow_infinity=True),
)


@settings(max_examples=200, deadline=None)
@given(answer=ANY_ANSWER | ANY_ARRAY)
def test_any_answer_passes_or_fails_with_feedback_never_crashes(answer):
    expected = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1e300]])
    for check, args in (
        (check_array, ("a", answer, expected)),
        (check_scalar, ("s", answer, 2.0)),
        (check_shape, ("w", answer, (2, 3))),
        (check_gradients, ("g", [answer], [expected])),
    ):
        try:
            check(*args, batch_size=2) if check is check_array else check(*args)
        except AssertionError as feedback:
            assert str(feedback)


def test_checks_import_without_widgets_or_matplotlib():
    code = (
        "import sys, bpwidgets.grading.checks; "
        "bad = [m for m in ('ipywidgets', 'matplotlib', 'nbgrader') if m in sys.modules]; "
        "print(bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_an_undefined_name_in_the_answer_says_to_run_the_exercise_first():
    message = failure(check_scalar, "f of my_panel", lambda: undefined_panel.state, 1.0)  # noqa: F821
    assert message == (
        "f of my_panel: undefined_panel is not defined yet — finish the exercise above and run "
        "its cell"
    )
