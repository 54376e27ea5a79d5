"""ipywidgets panels that draw what the core computes. Loaded on first use."""

from __future__ import annotations

import importlib

_EXPORTS = {
    "ChainRulePanel": "chain_rule",
    "NetworkPanel": "network",
    "GradientFlowPanel": "gradient_flow",
    "LossSurfacePanel": "loss_surface",
    "PlaygroundPanel": "playground",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    """Import the module that defines ``name`` on first use."""
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
