"""Every panel in one JupyterLab page passes axe-core: no serious or critical violation inside a
panel's DOM; every picture is announced with the panel's description, every slider with its
description (also once the notebook is reopened); animations pause. An exported
self-contained page passes too."""

from __future__ import annotations

import nbformat
import pytest
from accessibility import (
    SLIDER_HANDLE,
    assert_sliders_named,
    axe_script,
    axe_violations,
    blocking,
    report,
)
from notebook_page import (
    CONTROL_TIMEOUT,
    NOTEBOOK,
    WIDGET_IMAGE,
    lab_url,
    open_notebook,
    run_all_without_errors,
    wait_for_loaded_images,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bpwidgets.embed import to_html
from bpwidgets.panel_registry import ALL_PANELS, PANELS
from bpwidgets.panels.base import PANEL_CLASS
from bpwidgets.panels.chain_rule import ChainRulePanel
from bpwidgets.panels.play_button import PLAY_CLASS

pytestmark = pytest.mark.e2e

NOTEBOOK_NAME = "every_panel.ipynb"
PANEL = f"{NOTEBOOK} .{PANEL_CLASS}"


def every_panel_notebook() -> nbformat.NotebookNode:
    """One cell per panel of the registry (the one that needs a Value class gets the core's)."""
    cells = [nbformat.v4.new_code_cell("from bpwidgets.core.value import Value")]
    for name, class_name in ALL_PANELS.items():
        argument = "" if name in PANELS else "Value"
        cells.append(nbformat.v4.new_code_cell(
            f"from bpwidgets.panels.{name} import {class_name}\n{class_name}({argument})"))
    kernel = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    return nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernel})


def test_every_panel_is_accessible_in_lab(page, jupyter_server, browser_prerequisite):
    path = jupyter_server.root_dir / NOTEBOOK_NAME
    nbformat.write(every_panel_notebook(), path)
    open_notebook(page, jupyter_server.url(lab_url(NOTEBOOK_NAME)))
    run_all_without_errors(page, path)
    wait_for_loaded_images(page)
    panels = page.locator(PANEL)
    assert panels.count() == len(ALL_PANELS)

    assert_sliders_named(page, PANEL, minimum=10)
    violations = axe_violations(page, axe_script(browser_prerequisite), PANEL)
    print(report(violations))  # the minor and moderate ones too, for the log
    assert not blocking(violations), "axe-core finds in the panels:\n" + report(
        blocking(violations))

    # ipywidgets writes title="null" on a button without a tooltip: a screen reader reads it
    null_titles = page.locator(f"{PANEL} [title=null]").evaluate_all(
        "nodes => [...new Set(nodes.map(n => n.tagName + '.' + n.className))]")
    assert null_titles == []

    # each picture is announced by its panel's description (the <img>'s title)
    for index in range(panels.count()):
        image = panels.nth(index).locator(WIDGET_IMAGE)
        name = image.evaluate("img => img.title")
        details = panels.nth(index).locator("details p").text_content()
        assert len(name) > 40 and name == details, (index, name, details)
    chain_rule = panels.first
    # the browser's accessibility tree names the picture so (what a screen reader announces)
    assert chain_rule.get_by_role("img", name="Computation graph with 5 nodes").count() == 1

    check_animation_pauses(page, chain_rule)

    # reopened while the kernel runs: the views are drawn again from the kernel's widgets
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    open_notebook(page, jupyter_server.url(lab_url(NOTEBOOK_NAME)))
    page.locator(PANEL).nth(len(ALL_PANELS) - 1).wait_for(timeout=CONTROL_TIMEOUT)
    assert_sliders_named(page, PANEL, minimum=10)


def check_animation_pauses(page, panel) -> None:
    """Press the panel's play button: the step advances; press it again: the step stays."""
    button = panel.locator(f".{PLAY_CLASS} > button")
    handle = panel.locator(f".widget-slider:has(.widget-label:text-is('step')) {SLIDER_HANDLE}")
    step = lambda: float(handle.get_attribute("aria-valuenow"))  # noqa: E731
    assert step() == 0 and button.inner_text().strip() == "play"
    button.click()
    page.wait_for_function("h => Number(h.getAttribute('aria-valuenow')) > 0",
                           arg=handle.element_handle(), timeout=CONTROL_TIMEOUT, polling=100)
    page.wait_for_function("b => b.innerText.trim() === 'pause'", arg=button.element_handle(),
                           timeout=CONTROL_TIMEOUT)  # the kernel relabels the button
    button.click()
    paused_at = step()
    interval = ChainRulePanel().controls["play"].interval
    with pytest.raises(PlaywrightTimeout):  # three play intervals pass without a step
        page.wait_for_function("([h, v]) => Number(h.getAttribute('aria-valuenow')) !== v",
                               arg=[handle.element_handle(), paused_at], timeout=3 * interval,
                               polling=100)
    assert button.inner_text().strip() == "play"


def test_a_self_contained_exported_page_passes_axe_core(browser, tmp_path, browser_prerequisite):
    panel = ChainRulePanel()
    written = to_html(panel, tmp_path / "chain_rule.html", grid={"step": [0, 5, 9]},
                      self_contained=True)
    page = browser.new_page()
    try:
        page.goto(written.path.as_uri())
        page.locator(f".{PLAY_CLASS} > button").wait_for(timeout=CONTROL_TIMEOUT)
        shown = page.locator(f"{WIDGET_IMAGE}:visible")
        shown.wait_for(timeout=CONTROL_TIMEOUT)
        assert shown.evaluate("img => img.title") == panel.describe()  # the starting frame's
        assert_sliders_named(page, ".bpwidgets-view", minimum=1)
        violations = axe_violations(page, axe_script(browser_prerequisite), ".bpwidgets-view")
        print(report(violations))
        assert not blocking(violations), "axe-core finds in the page:\n" + report(
            blocking(violations))
    finally:
        page.close()
