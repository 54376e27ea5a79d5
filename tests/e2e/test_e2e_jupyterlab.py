"""Every lesson in real JupyterLab: restart and run all, no errors, every panel drawn and alive.

Each lesson (the instructor version, with solutions) is opened in headless Chromium, its
outputs cleared, its kernel restarted and all cells run, as a student would. Then every cell
must have run without an error, every widget the stored notebook shows must be on the page,
every visible slider of every panel must keep a track of at least 120 px in a 1280 px window,
every panel picture must be decoded and not blank, and operating one of its controls must
change the picture. Panel screenshots are saved under ``artifacts/e2e/<lesson>/``.
"""

from __future__ import annotations

import pytest
from course_files import WIDGET_FIXTURE, lesson_id, lesson_names
from notebook_page import (
    MIN_TRACK_WIDTH,
    WIDGET_IMAGE,
    check_panels,
    control_candidates,
    control_changes_picture,
    lab_url,
    narrow_slider_tracks,
    open_notebook,
    panel_outputs,
    rendered_widget_views,
    run_all_without_errors,
    stored_widget_views,
)

pytestmark = pytest.mark.e2e


def test_widget_fixture_renders_and_every_control_kind_redraws(page, jupyter_server, artifact_dir):
    open_notebook(page, jupyter_server.url(lab_url(WIDGET_FIXTURE)))
    run_all_without_errors(page, jupyter_server.root_dir / WIDGET_FIXTURE)
    assert rendered_widget_views(page) == 1
    changed_by = check_panels(page, artifact_dir / lesson_id(WIDGET_FIXTURE))
    assert changed_by == ["slider 'frequency'"]
    (output,) = panel_outputs(page)
    image = output.locator(WIDGET_IMAGE).first
    controls = control_candidates(output)
    assert [kind for kind, _ in controls] == ["slider", "dropdown", "button"]
    for kind, control in controls:
        assert control_changes_picture(page, image, kind, control), kind


@pytest.mark.parametrize("name", lesson_names(), ids=lesson_id)
def test_lesson_runs_clean_and_its_panels_react_in_lab(page, jupyter_server, artifact_dir, name):
    notebook_path = jupyter_server.root_dir / name
    open_notebook(page, jupyter_server.url(lab_url(name)))
    run_all_without_errors(page, notebook_path)
    assert rendered_widget_views(page) == stored_widget_views(notebook_path)
    if "Panel(" in notebook_path.read_text():
        assert panel_outputs(page), f"{name} builds a panel but none is on the page"
    narrow = narrow_slider_tracks(page)
    assert not narrow, f"slider tracks below {MIN_TRACK_WIDTH} px at 1280 px: {narrow}"
    check_panels(page, artifact_dir / lesson_id(name))
