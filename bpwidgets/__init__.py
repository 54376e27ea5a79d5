"""bpwidgets: interactive panels and graded lessons that make backpropagation visible.

``import bpwidgets`` is cheap: the numpy core is imported on demand and the panels
(which need ipywidgets and matplotlib) load on first use.
"""

from __future__ import annotations

from bpwidgets.core.lazy_exports import lazy_exports
from bpwidgets.panel_registry import panel_exports

__version__ = "0.1.0"

# Public name -> module that defines it (relative to this package), imported on first use;
# the panels come from bpwidgets.panel_registry.
_EXPORTS = {
    "Value": "core.value",
    "MLP": "core.mlp",
    **panel_exports("panels."),
}

__all__ = ["__version__", *_EXPORTS]

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
