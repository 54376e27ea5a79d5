"""scripts/panel_record.py, the refactor check: same code, same record; a change is named."""

from __future__ import annotations

from test_panel_registry import load_script

from bpwidgets.panels import ChainRulePanel


def test_a_panel_record_is_repeatable_and_a_change_shows_up_by_name():
    record = load_script("panel_record")
    first = record.panel_record(ChainRulePanel("x * y", x=2, y=3))
    assert record.compare({"s": first}, {"s": record.panel_record(
        ChainRulePanel("x * y", x=2, y=3))}) == []
    changed = ChainRulePanel("x * y", x=2, y=3)
    changed.controls["step"].value = 2
    differences = record.compare({"s": first}, {"s": record.panel_record(changed)})
    assert any(line.startswith("s: png:") for line in differences)
    assert any(line.startswith("s: control:step:") for line in differences)
