"""The panels bpwidgets ships: one row each, and every list of panels reads this one.

A row maps a panel's short name — its module in ``bpwidgets.panels`` — to its class name.

- ``PANELS``: panels that open with their defaults. ``bpwidgets`` and ``bpwidgets.panels``
  export them; ``bpwidgets export NAME``, the Sphinx directive, ``scripts/build_embed_pages.py``
  and ``scripts/screenshots.py`` offer them.
- ``PANELS_NEEDING_ARGUMENTS``: panels that need an argument no default can supply (a student's
  ``Value`` class); exported, but not offered by the command line, the pages or the screenshots.

``tests/test_panel_registry.py`` checks that all of these agree and that every Panel subclass in
``bpwidgets/panels`` is listed. No imports: reading it stays cheap.
"""

from __future__ import annotations

PANELS = {
    "chain_rule": "ChainRulePanel",
    "network": "NetworkPanel",
    "gradient_flow": "GradientFlowPanel",
    "loss_surface": "LossSurfacePanel",
    "playground": "PlaygroundPanel",
}
PANELS_NEEDING_ARGUMENTS = {
    "autograd_compare": "AutogradComparePanel",  # AutogradComparePanel(StudentValue)
}
ALL_PANELS = {**PANELS, **PANELS_NEEDING_ARGUMENTS}


def panel_exports(prefix: str = "") -> dict[str, str]:
    """Class name → defining module (``prefix`` + short name), for a lazy-exports table."""
    return {class_name: prefix + name for name, class_name in ALL_PANELS.items()}


def panel_class(name: str) -> type:
    """The class of the panel ``name`` (a key of ``ALL_PANELS``); imports its module."""
    import importlib

    if name not in ALL_PANELS:
        raise ValueError(f"panel must be one of {', '.join(map(repr, ALL_PANELS))}; "
                         f"got {name!r}")
    return getattr(importlib.import_module(f"bpwidgets.panels.{name}"), ALL_PANELS[name])
