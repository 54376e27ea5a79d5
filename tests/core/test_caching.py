"""The caching policy: shared caches are bounded in entries and bytes, their arrays read-only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from bpwidgets.core.caching import cache_report, clear_caches, read_only, remembered
from bpwidgets.core.gradflow import initial_layers, standard_draws


@dataclass(frozen=True)
class Result:
    values: np.ndarray
    parts: tuple


def test_remembered_results_are_shared_and_every_array_inside_is_read_only():
    calls = []

    @remembered(maxsize=4, max_bytes=10_000)
    def build(n):
        calls.append(n)
        return Result(np.arange(n, dtype=float), ({"a": np.ones(2)}, [np.zeros(3)]))

    first = build(5)
    assert build(5) is first and calls == [5]
    arrays = [first.values, first.parts[0]["a"], first.parts[1][0]]
    assert not any(a.flags.writeable for a in arrays)
    with pytest.raises(ValueError, match="read-only"):
        first.values[0] = 1.0
    info = build.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 1, 1)
    assert info.nbytes == 8 * (5 + 2 + 3)


def test_remembered_caches_are_bounded_by_entries_and_by_bytes():
    @remembered(maxsize=3, max_bytes=800)  # 100 float64 values
    def block(n):
        return np.zeros(n)

    for n in (10, 11, 12, 13):
        block(n)
    assert block.cache_info().currsize == 3  # the oldest entry went first
    block(60)
    block(50)  # 60 + 50 > 100 values: older entries go until the rest fits
    info = block.cache_info()
    assert info.nbytes <= 800 and info.currsize == 1
    too_big = block(200)  # larger than the budget: returned, not kept
    assert too_big.shape == (200,) and block.cache_info().nbytes == 50 * 8


def test_clear_caches_empties_the_gradient_flow_layers():
    initial_layers((4, 4, 1), "he", 0)
    assert initial_layers.cache_info().currsize == 1
    report = cache_report()
    assert "bpwidgets.core.gradflow.initial_layers" in report
    assert "bpwidgets.core.gradflow.standard_draws" in report
    clear_caches()
    assert initial_layers.cache_info().currsize == standard_draws.cache_info().currsize == 0


def test_read_only_counts_bytes_and_ignores_plain_values():
    assert read_only((np.ones(4), 3, "text", None)) == 32
