"""A lesson in Notebook 7 (``/tree``, ``/notebooks/...``): it runs clean and its panels react."""

from __future__ import annotations

import pytest
from accessibility import assert_sliders_named
from course_files import first_panel_lesson, lesson_id, lesson_names
from notebook_page import (
    OPEN_TIMEOUT,
    check_panels,
    open_notebook,
    panel_outputs,
    rendered_widget_views,
    run_all_without_errors,
    stored_widget_views,
)

from bpwidgets.panels.base import PANEL_CLASS

pytestmark = pytest.mark.e2e


def test_notebook7_tree_lists_every_lesson(page, jupyter_server):
    page.goto(jupyter_server.url("tree"))
    listing = page.locator(".jp-DirListing-content")
    listing.wait_for(timeout=OPEN_TIMEOUT)
    for name in lesson_names():
        listing.locator(".jp-DirListing-itemText", has_text=name).wait_for(timeout=OPEN_TIMEOUT)


def test_a_lesson_runs_clean_and_its_panels_react_in_notebook7(page, jupyter_server, artifact_dir):
    name = first_panel_lesson()
    assert name, "no lesson source shows a panel"
    notebook_path = jupyter_server.root_dir / name
    open_notebook(page, jupyter_server.url(f"notebooks/{name}"))
    assert page.evaluate("() => window.jupyterapp.name") == "Jupyter Notebook"
    run_all_without_errors(page, notebook_path)
    assert rendered_widget_views(page) == stored_widget_views(notebook_path)
    assert panel_outputs(page)
    check_panels(page, artifact_dir / "notebook7" / lesson_id(name))
    assert_sliders_named(page, f".{PANEL_CLASS}", minimum=1)  # the panels' script ran here too
