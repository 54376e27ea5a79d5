"""bpwidgets: interactive panels and graded lessons that make backpropagation visible.

``import bpwidgets`` is cheap: the numpy core is imported on demand and the panels
(which need ipywidgets and matplotlib) load on first use.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> module that defines it; resolved lazily by __getattr__ below.
_LAZY = {
    "Value": "bpwidgets.core.value",
    "MLP": "bpwidgets.core.mlp",
    "ChainRulePanel": "bpwidgets.panels.chain_rule",
    "NetworkPanel": "bpwidgets.panels.network",
    "GradientFlowPanel": "bpwidgets.panels.gradient_flow",
    "LossSurfacePanel": "bpwidgets.panels.loss_surface",
    "PlaygroundPanel": "bpwidgets.panels.playground",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    """Import a public name on first use, keeping ``import bpwidgets`` fast."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'bpwidgets' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
