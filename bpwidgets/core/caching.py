"""The caching policy of bpwidgets, in one place.

1. **Shared caches** (module level, every caller gets the same result object) are made with
   ``@remembered(maxsize=..., max_bytes=...)``: least recently used, bounded both in entries and
   in the bytes of the numpy arrays they hold. A result larger than ``max_bytes`` is returned
   but not kept. Every array in a kept result is made **read-only** (through tuples, lists, dicts
   and dataclasses), because every caller shares it: code that wants to change one copies it.
2. **Per-object caches** (a panel's last network slice, a chain-rule panel's walkthrough, a
   network panel's SGD trajectory) keep only their owner's latest result in an attribute and
   are freed with their owner.
3. ``clear_caches()`` empties every shared cache (tests, benchmarks, or to free memory).

A remembered function offers ``cache_clear()`` and ``cache_info()`` like ``functools.lru_cache``.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

MB = 2**20
_CACHES: list = []  # every remembered function, for clear_caches()


class CacheInfo(NamedTuple):
    """Hits and misses so far; entries and array bytes held now."""

    hits: int
    misses: int
    maxsize: int
    currsize: int
    nbytes: int
    max_bytes: int


def read_only(value) -> int:
    """Make every numpy array inside ``value`` read-only; return their total bytes."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(read_only(item) for item in value)
    if isinstance(value, dict):
        return sum(read_only(item) for item in value.values())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(read_only(getattr(value, f.name)) for f in dataclasses.fields(value))
    return 0


def remembered(maxsize: int, max_bytes: int) -> Callable:
    """Decorator: remember up to ``maxsize`` results holding at most ``max_bytes`` of arrays,
    least recently used first out; the results' arrays become read-only (see the module)."""

    def decorate(function: Callable) -> Callable:
        entries: OrderedDict = OrderedDict()  # key -> (result, nbytes)
        counts = {"hits": 0, "misses": 0}
        lock = threading.Lock()

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            key = (args, tuple(sorted(kwargs.items())))
            with lock:
                if key in entries:
                    entries.move_to_end(key)
                    counts["hits"] += 1
                    return entries[key][0]
                counts["misses"] += 1
            result = function(*args, **kwargs)
            size = read_only(result)
            if size <= max_bytes:
                with lock:
                    entries[key] = (result, size)
                    while len(entries) > maxsize or _held(entries) > max_bytes:
                        entries.popitem(last=False)
            return result

        def cache_clear() -> None:
            with lock:
                entries.clear()
                counts.update(hits=0, misses=0)

        def cache_info() -> CacheInfo:
            with lock:
                return CacheInfo(counts["hits"], counts["misses"], maxsize, len(entries),
                                 _held(entries), max_bytes)

        wrapper.cache_clear, wrapper.cache_info = cache_clear, cache_info
        _CACHES.append(wrapper)
        return wrapper

    return decorate


def _held(entries) -> int:
    return sum(size for _, size in entries.values())


def clear_caches() -> None:
    """Empty every shared cache of the package."""
    for cache in _CACHES:
        cache.cache_clear()


def cache_report() -> dict[str, CacheInfo]:
    """``cache_info()`` of every shared cache, by qualified function name."""
    return {f"{c.__module__}.{c.__qualname__}": c.cache_info() for c in _CACHES}
