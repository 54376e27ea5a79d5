"""ipywidgets panels that draw what the core computes. Loaded on first use."""

from __future__ import annotations

from bpwidgets.core.lazy_exports import lazy_exports

_EXPORTS = {
    "ChainRulePanel": "chain_rule",
    "NetworkPanel": "network",
    "GradientFlowPanel": "gradient_flow",
    "LossSurfacePanel": "loss_surface",
    "PlaygroundPanel": "playground",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
