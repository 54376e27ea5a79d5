"""Every panel in one JupyterLab page passes axe-core: no serious or critical violation inside a
panel's DOM; every picture has a text alternative and every control an accessible name."""

from __future__ import annotations

import nbformat
import pytest
from accessibility import axe_script, axe_violations, blocking, report
from notebook_page import (
    NOTEBOOK,
    WIDGET_IMAGE,
    lab_url,
    open_notebook,
    run_all_without_errors,
    wait_for_loaded_images,
)

from bpwidgets.panel_registry import ALL_PANELS, PANELS
from bpwidgets.panels.base import PANEL_CLASS

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


@pytest.fixture
def every_panel_page(page, jupyter_server):
    """A JupyterLab page with every panel drawn."""
    path = jupyter_server.root_dir / NOTEBOOK_NAME
    nbformat.write(every_panel_notebook(), path)
    open_notebook(page, jupyter_server.url(lab_url(NOTEBOOK_NAME)))
    run_all_without_errors(page, path)
    wait_for_loaded_images(page)
    assert page.locator(PANEL).count() == len(ALL_PANELS)
    return page


def test_every_panel_passes_axe_core(every_panel_page, browser_prerequisite):
    script = axe_script(browser_prerequisite)
    violations = axe_violations(every_panel_page, script, PANEL)
    print(report(violations))  # the minor and moderate ones too, for the log
    serious = blocking(violations)
    assert not serious, "axe-core finds in the panels:\n" + report(serious)
    images = every_panel_page.locator(f"{PANEL} {WIDGET_IMAGE}")
    assert images.count() == len(ALL_PANELS)
