"""A lesson rendered by Voila (``/voila/render/...``): panels drawn, a control redraws one."""

from __future__ import annotations

import pytest
from accessibility import assert_sliders_named
from course_files import first_panel_lesson, lesson_id
from notebook_page import (
    RUN_TIMEOUT,
    check_panels,
    error_texts,
    panel_outputs,
    rendered_widget_views,
    stored_widget_views,
)

from bpwidgets.panels.base import PANEL_CLASS

pytestmark = pytest.mark.e2e

VOILA_ERRORS = ("There was an error when executing cell", "Traceback (most recent call last)")


def test_voila_renders_a_lesson_with_live_panels(page, jupyter_server, artifact_dir):
    name = first_panel_lesson()
    assert name, "no lesson source shows a panel"
    expected_views = stored_widget_views(jupyter_server.root_dir / name)
    page.goto(jupyter_server.url(f"voila/render/{name}"))
    # Voila executes the notebook in a kernel, then the page renders each widget.
    page.wait_for_function(
        """(expected) => document.querySelectorAll(
            '.jp-OutputArea-output:has(> .jupyter-widgets)').length >= expected""",
        arg=expected_views,
        timeout=RUN_TIMEOUT,
        polling=250,
    )
    assert rendered_widget_views(page, "body") == expected_views
    body_text = page.inner_text("body")
    assert not [error for error in VOILA_ERRORS if error in body_text], body_text[-3000:]
    assert not error_texts(page, "body")
    assert panel_outputs(page, "body")
    check_panels(page, artifact_dir / "voila" / lesson_id(name), scope="body")
    assert_sliders_named(page, f".{PANEL_CLASS}", minimum=1)  # the panels' script ran here too
