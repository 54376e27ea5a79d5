"""Lazy package exports: a public name's module is imported the first time the name is used.

This keeps ``import bpwidgets`` and ``import bpwidgets.core`` cheap, while
``from bpwidgets.core import MLP`` still works. Each package lists its public names in a table
(name → module relative to the package) and takes its ``__getattr__`` and ``__dir__`` from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable


def lazy_exports(package: str, exports: dict[str, str]) -> tuple[Callable, Callable]:
    """Return ``(__getattr__, __dir__)`` for ``package``, importing ``exports[name]`` on first use."""

    def __getattr__(name: str):
        if name in exports:
            module = importlib.import_module(f"{package}.{exports[name]}")
            return getattr(module, name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(exports)

    return __getattr__, __dir__
