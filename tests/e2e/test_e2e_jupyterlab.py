"""Every lesson in real JupyterLab: restart and run all, no errors, every panel drawn and alive.

Each lesson (the instructor version, with solutions) is opened in headless Chromium, its
outputs cleared, its kernel restarted and all cells run from the command palette, as a
student would. Then every cell must have run without an error, every widget the stored
notebook shows must be on the page, every panel picture must be decoded and not blank, and
operating one of its controls must change the picture. Panel screenshots are saved under
``artifacts/e2e/<lesson>/``.
"""

from __future__ import annotations

import nbformat
import pytest
from course_files import WIDGET_FIXTURE, lesson_id, lesson_names
from notebook_page import (
    WIDGET_IMAGE,
    change_picture_with_a_control,
    code_cell_count,
    control_candidates,
    control_changes_picture,
    error_texts,
    executed_cell_count,
    image_state,
    lab_url,
    open_in_lab,
    panel_outputs,
    pixel_spread,
    restart_and_run_all,
    wait_for_loaded_images,
)

pytestmark = pytest.mark.e2e

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BLANK_SPREAD = 2.0  # grey-level standard deviation below which a picture counts as blank


def stored_widget_views(notebook_path) -> int:
    """How many widget outputs the stored (executed) notebook shows."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    )


def rendered_widget_views(page) -> int:
    """How many cell outputs in the notebook in front hold a rendered widget."""
    return page.locator(
        ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output:has(> .jupyter-widgets)"
    ).count()


def run_notebook_in_lab(page, server, name: str) -> None:
    """Open ``name`` in JupyterLab, restart and run all, and assert the run was clean."""
    open_in_lab(page, server.url(lab_url(name)))
    expected_cells = code_cell_count(server.root_dir / name)
    restart_and_run_all(page, expected_cells)
    errors = error_texts(page)
    assert not errors, f"{name} shows errors after Restart Kernel and Run All:\n" + "\n---\n".join(errors)
    assert executed_cell_count(page) == expected_cells


def check_panels(page, artifact_dir, name: str) -> list[str]:
    """Assert every panel's picture is drawn and reacts to a control; save screenshots."""
    wait_for_loaded_images(page)
    folder = artifact_dir / lesson_id(name)
    folder.mkdir(parents=True, exist_ok=True)
    actions = []
    for index, output in enumerate(panel_outputs(page)):
        image = output.locator(WIDGET_IMAGE).first
        state = image_state(image)
        assert state.complete and state.natural_width > 0, f"panel {index}: image not decoded"
        spread = pixel_spread(image.screenshot())
        assert spread > BLANK_SPREAD, f"panel {index}: picture is blank (spread {spread:.2f})"
        output.screenshot(path=str(folder / f"panel-{index}.png"))
        actions.append(change_picture_with_a_control(page, output))
        output.screenshot(path=str(folder / f"panel-{index}-after-control.png"))
    return actions


def test_widget_fixture_renders_and_every_control_kind_redraws(page, jupyter_server, artifact_dir):
    run_notebook_in_lab(page, jupyter_server, WIDGET_FIXTURE)
    assert rendered_widget_views(page) == 1
    actions = check_panels(page, artifact_dir, WIDGET_FIXTURE)
    assert actions == ["slider 'frequency'"]
    (output,) = panel_outputs(page)
    image = output.locator(WIDGET_IMAGE).first
    controls = control_candidates(output)
    assert [kind for kind, _ in controls] == ["slider", "dropdown", "button"]
    for kind, control in controls:
        assert control_changes_picture(page, image, kind, control), kind


@pytest.mark.parametrize("name", lesson_names(), ids=lesson_id)
def test_lesson_runs_clean_and_its_panels_react_in_lab(page, jupyter_server, artifact_dir, name):
    run_notebook_in_lab(page, jupyter_server, name)
    expected_views = stored_widget_views(jupyter_server.root_dir / name)
    assert rendered_widget_views(page) == expected_views
    uses_a_panel = "Panel(" in (jupyter_server.root_dir / name).read_text()
    if uses_a_panel:
        assert panel_outputs(page), f"{name} builds a panel but none is on the page"
    check_panels(page, artifact_dir, name)
