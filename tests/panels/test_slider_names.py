"""The slider-handle naming script reaches every place a panel is shown: a hidden Output child
of each panel and of each static view, and inline in exported pages; one copy of its text."""

from __future__ import annotations

from importlib.resources import files

import ipywidgets as widgets

from bpwidgets.embed import page_html
from bpwidgets.panels.base import PANEL_CLASS
from bpwidgets.panels.chain_rule import ChainRulePanel
from bpwidgets.panels.slider_names import SLIDER_NAMES_SCRIPT, page_script, slider_namer


def test_the_script_is_the_packaged_file_and_names_handles_inside_panels():
    packaged = files("bpwidgets.panels").joinpath("slider_names.js").read_text(encoding="utf-8")
    assert SLIDER_NAMES_SCRIPT == packaged
    assert f".{PANEL_CLASS} .noUi-handle" in SLIDER_NAMES_SCRIPT
    assert "aria-labelledby" in SLIDER_NAMES_SCRIPT
    assert "</script" not in SLIDER_NAMES_SCRIPT.lower() and "<!--" not in SLIDER_NAMES_SCRIPT


def test_the_namer_is_a_hidden_output_holding_only_the_script():
    namer = slider_namer()
    try:
        assert isinstance(namer, widgets.Output) and namer.layout.display == "none"
        [output] = namer.outputs
        assert output["output_type"] == "display_data"
        assert output["data"] == {"application/javascript": SLIDER_NAMES_SCRIPT, "text/plain": ""}
    finally:
        namer.close()


def test_a_panel_holds_its_namer_last_and_closes_it():
    panel = ChainRulePanel()
    namer = panel.slider_namer
    assert panel.children[-1] is namer and isinstance(namer, widgets.Output)
    panel.close()
    assert namer.comm is None and namer.layout.comm is None


def test_a_static_view_and_an_exported_page_carry_the_script():
    panel = ChainRulePanel()
    try:
        view = panel.static(grid={"step": [0, 5]})
        assert PANEL_CLASS in view._dom_classes
        assert [type(c) for c in view.children].count(widgets.Output) == 1
        assert isinstance(view.children[-1], widgets.Output)
        text = page_html(panel, grid={"step": [0, 5]}, self_contained=False)
        assert text.count(page_script()) == 1
        view.close()
    finally:
        panel.close()
