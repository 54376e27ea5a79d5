"""``jupyter nbconvert --to html`` of a notebook with a panel: widgets with saved state,
the static PNG fallback without it."""

from __future__ import annotations

import base64
import copy
import re

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

PANEL_CELL = (
    "from bpwidgets.panels import ChainRulePanel\n"
    "panel = ChainRulePanel('(x + y) * z', x=-2, y=5, z=-4, step=6)\n"
    "panel"
)


@pytest.fixture(scope="module")
def executed():
    """A one-cell notebook showing a panel, executed with its widget state saved."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PANEL_CELL)])
    NotebookClient(notebook, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    return notebook


def to_html(notebook) -> str:
    body, _ = HTMLExporter().from_notebook_node(notebook)
    return body


def panel_png(notebook) -> bytes:
    return base64.b64decode(notebook.cells[0].outputs[0]["data"]["image/png"])


def test_saved_widget_state_renders_the_panel_widgets(executed):
    assert "widgets" in executed.metadata
    page = to_html(executed)
    assert '<script type="application/vnd.jupyter.widget-state+json">' in page
    assert '<script type="application/vnd.jupyter.widget-view+json">' in page


def test_without_widget_state_the_png_fallback_shows(executed):
    stripped = copy.deepcopy(executed)
    del stripped.metadata["widgets"]
    page = to_html(stripped)
    assert "widget-view+json\">" not in page
    images = re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', page)
    assert [base64.b64decode(i) for i in images] == [panel_png(executed)]


@pytest.mark.e2e
def test_nbconvert_page_shows_the_live_panel_offline(executed, site, offline_page):
    folder, base_url = site
    (folder / "lesson.html").write_text(to_html(executed), encoding="utf-8")
    page = offline_page
    page.goto(f"{base_url}/lesson.html")
    image = page.locator(".widget-image")
    image.wait_for()
    page.wait_for_function("document.querySelector('.widget-image').naturalWidth > 0")
    assert page.locator(".widget-hslider").count() >= 1  # the step slider
    shown = page.evaluate("""async () => {
        const buffer = await (await fetch(document.querySelector('.widget-image').src)).arrayBuffer();
        let binary = '';
        new Uint8Array(buffer).forEach(b => binary += String.fromCharCode(b));
        return btoa(binary);
    }""")
    # The widget shows the same picture the kernel rendered (saved in the widget state).
    assert base64.b64decode(shown) == panel_png(executed)
    assert not [u for u in page.blocked if "html-manager" in u or "require" in u]
