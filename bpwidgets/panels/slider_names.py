"""Accessible names for the slider handles of a panel, given by a small fixed browser script.

ipywidgets 8.1 draws sliders with noUiSlider and leaves the handle (``role="slider"``, the
element a keyboard and a screen reader reach) without an accessible name (axe-core:
aria-input-field-name, serious); no widget trait reaches the handle. ``slider_names.js`` (one
copy, package data) names each handle inside a ``.bpwidgets-panel`` after its slider's
description label (``aria-labelledby``) and keeps newly drawn handles named. It reaches the page
two ways: ``slider_namer()`` is a hidden ``Output`` widget holding the script as one
``application/javascript`` output, which the widget managers render as trusted output (live
JupyterLab, Notebook 7, a reopened notebook's saved widget state); static pages carry
``SLIDER_NAMES_SCRIPT`` inline (``page_script()``). The script is installed once per page,
however many panels or views run it.
"""

from __future__ import annotations

from importlib.resources import files

import ipywidgets as widgets

SLIDER_NAMES_SCRIPT = files(__package__).joinpath("slider_names.js").read_text(encoding="utf-8")


def slider_namer() -> widgets.Output:
    """A hidden Output widget (it takes no room) whose one output runs the naming script."""
    namer = widgets.Output(layout=widgets.Layout(display="none"))
    namer.outputs = ({"output_type": "display_data", "metadata": {},
                      "data": {"application/javascript": SLIDER_NAMES_SCRIPT,
                               "text/plain": ""}},)
    return namer


def page_script() -> str:
    """The naming script as a ``<script>`` element for a static HTML page."""
    # the script's text holds no "</script" or "<!--": nothing in it can end the element early
    return f"<script>\n{SLIDER_NAMES_SCRIPT}</script>"
