"""ipywidgets panels that draw what the core computes. Loaded on first use."""

from __future__ import annotations

from bpwidgets.core.lazy_exports import lazy_exports
from bpwidgets.panel_registry import panel_exports

_EXPORTS = panel_exports()  # class name -> module, one row per panel in bpwidgets.panel_registry

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
