"""The panels bpwidgets ships: one row each, and every list of panels reads this one.

``PANELS`` maps a panel's short name — its module in ``bpwidgets.panels`` and its name on the
command line (``bpwidgets export NAME``) — to its class name. ``bpwidgets``,
``bpwidgets.panels``, the export command, ``scripts/build_embed_pages.py`` and
``scripts/screenshots.py`` read it; ``tests/test_panel_registry.py`` checks that they agree and
that every Panel subclass in ``bpwidgets/panels`` is listed. No imports: reading it stays cheap.
"""

from __future__ import annotations

PANELS = {
    "chain_rule": "ChainRulePanel",
    "network": "NetworkPanel",
    "gradient_flow": "GradientFlowPanel",
    "loss_surface": "LossSurfacePanel",
    "playground": "PlaygroundPanel",
}


def panel_exports(prefix: str = "") -> dict[str, str]:
    """Class name → defining module (``prefix`` + short name), for a lazy-exports table."""
    return {class_name: prefix + name for name, class_name in PANELS.items()}


def panel_class(name: str) -> type:
    """The class of the panel ``name`` (a key of ``PANELS``); imports its module."""
    import importlib

    if name not in PANELS:
        raise ValueError(f"panel must be one of {', '.join(map(repr, PANELS))}; got {name!r}")
    return getattr(importlib.import_module(f"bpwidgets.panels.{name}"), PANELS[name])
