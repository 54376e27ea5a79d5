"""Initialisations: the ranges and variances the papers give, seeds, and bad names."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpwidgets.core.init import (
    INITS,
    draw_kind,
    draw_standard,
    init_weights,
    scale_draws,
    weight_variance,
)


def draw(init, n_in=400, n_out=300, seed=0):
    return init_weights(init, n_in, n_out, np.random.default_rng(seed))


def test_standard_is_uniform_within_one_over_sqrt_n_in():
    w = draw("standard")
    assert w.shape == (400, 300)
    assert np.abs(w).max() <= 1 / math.sqrt(400)
    assert np.abs(w).max() > 0.99 / math.sqrt(400)  # fills the range


def test_xavier_is_uniform_within_sqrt_6_over_fan_sum():
    w = draw("xavier")
    limit = math.sqrt(6 / 700)
    assert limit * 0.99 < np.abs(w).max() <= limit


@pytest.mark.parametrize(
    ("init", "variance"),
    [("standard", 1 / 1200), ("xavier", 2 / 700), ("he", 2 / 400), (0.3, 0.09), (2, 4.0)],
)
def test_weight_variance_is_the_papers_formula_and_matches_samples(init, variance):
    assert weight_variance(init, 400, 300) == pytest.approx(variance, rel=1e-15)
    # 120000 samples: the sample variance is within ~0.5% (1 sigma) of the truth
    assert draw(init).var() == pytest.approx(variance, rel=0.03)


def test_he_is_gaussian_with_zero_mean():
    w = draw("he").ravel()
    assert abs(w.mean()) < 4 * math.sqrt(2 / 400 / w.size)
    # Gaussian kurtosis is 3 (a uniform would give 1.8)
    assert np.mean(w**4) / np.mean(w**2) ** 2 == pytest.approx(3.0, abs=0.1)


def test_zero_std_gives_zeros_for_the_symmetry_lesson():
    assert not draw(0.0).any()


def test_same_seed_same_weights_other_seed_other_weights():
    np.testing.assert_array_equal(draw("xavier", seed=3), draw("xavier", seed=3))
    assert not np.array_equal(draw("xavier", seed=3), draw("xavier", seed=4))


@pytest.mark.parametrize("bad", ["glorot", -1.0, float("nan"), True, None])
def test_bad_init_names_the_choices_and_what_came(bad):
    with pytest.raises(ValueError, match=r"init must be one of 'standard', 'xavier', 'he' or a "
                       r"standard deviation >= 0; got "):
        weight_variance(bad, 3, 3)


def test_inits_table():
    assert INITS == ("standard", "xavier", "he")


def numpys_own_draw(init, n_in, n_out, rng):
    """The weights as rng.uniform / rng.normal draw them, with the papers' limits and stds."""
    if init in ("standard", "xavier"):
        limit = 1 / math.sqrt(n_in) if init == "standard" else math.sqrt(6 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_in, n_out))
    return rng.normal(0.0, math.sqrt(2 / n_in) if init == "he" else init, size=(n_in, n_out))


@pytest.mark.parametrize("init", ["standard", "xavier", "he", 0.3, 2, 0.0])
def test_drawing_then_scaling_gives_numpys_own_draws_bit_for_bit(init):
    shapes = [(7, 5), (5, 300), (300, 1)]  # consecutive layers: the stream must stay in step
    ours, numpys = np.random.default_rng(11), np.random.default_rng(11)
    for n_in, n_out in shapes:
        w = init_weights(init, n_in, n_out, ours)
        expected = numpys_own_draw(init, n_in, n_out, numpys)
        assert w.dtype == np.float64 and w.shape == (n_in, n_out)
        np.testing.assert_array_equal(w.view(np.int64), expected.view(np.int64))  # even -0.0


def test_one_draw_rescaled_for_each_init_of_its_kind():
    for kind, inits in [("uniform", ["standard", "xavier"]), ("normal", ["he", 0.3, 0.0])]:
        draws = draw_standard(kind, 40, 30, np.random.default_rng(5))
        for init in inits:
            assert draw_kind(init) == kind
            expected = numpys_own_draw(init, 40, 30, np.random.default_rng(5))
            np.testing.assert_array_equal(scale_draws(init, draws), expected)
    uniform = draw_standard("uniform", 40, 30, np.random.default_rng(5))
    assert 0 <= uniform.min() and uniform.max() < 1


def test_bad_draw_kind_names_the_choices():
    with pytest.raises(ValueError, match=r"kind must be one of 'uniform', 'normal'; got 'gauss'"):
        draw_standard("gauss", 2, 2, np.random.default_rng(0))
