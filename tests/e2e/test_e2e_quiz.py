"""A quiz answered in real JupyterLab: type into the answer box, press check, the step is revealed."""

from __future__ import annotations

import pytest
from course_files import lesson_id
from notebook_page import (
    CONTROL_TIMEOUT,
    WIDGET_IMAGE,
    image_state,
    lab_url,
    open_notebook,
    panel_outputs,
    pictures_differ,
    run_all_without_errors,
    wait_for_loaded_images,
)

pytestmark = pytest.mark.e2e

QUIZ_FIXTURE = "quiz_panel.ipynb"


def type_answer(page, output, text: str) -> None:
    """Type ``text`` into the panel's answer box and press check, as a student does."""
    box = output.locator(".widget-text input[placeholder^='a number']")
    box.click()
    box.press_sequentially(text)
    output.locator("button.widget-button", has_text="check").click()


def wait_for_new_picture(page, image, before_src: str) -> None:
    page.wait_for_function(
        "([img, src]) => img.src !== src && img.complete && img.naturalWidth > 0",
        arg=[image.element_handle(), before_src], timeout=CONTROL_TIMEOUT, polling=100)


def test_quiz_answered_by_typing_reveals_each_step(page, jupyter_server, artifact_dir):
    folder = artifact_dir / lesson_id(QUIZ_FIXTURE)
    folder.mkdir(parents=True, exist_ok=True)
    open_notebook(page, jupyter_server.url(lab_url(QUIZ_FIXTURE)))
    run_all_without_errors(page, jupyter_server.root_dir / QUIZ_FIXTURE)
    wait_for_loaded_images(page)
    (output,) = panel_outputs(page)
    image = output.locator(WIDGET_IMAGE).first
    formula = output.locator(".widget-html", has_text=" += ").first
    assert "1 · ? = ?" in formula.inner_text()
    output.screenshot(path=str(folder / "0-asked.png"))

    steps = [("3", "✗ Question 1"), ("-4", "✓ Question 1 right: ∂f/∂(x+y) = -4"),
             ("-4", "✓ Question 2 right: ∂f/∂(x+y) = -4")]
    for k, (typed, said) in enumerate(steps, start=1):
        before_src, before_png = image_state(image).src, image.screenshot()
        type_answer(page, output, typed)
        output.locator(".widget-html", has_text=said).first.wait_for(timeout=CONTROL_TIMEOUT)
        if said.startswith("✓"):
            wait_for_new_picture(page, image, before_src)
            assert pictures_differ(before_png, image.screenshot())
        output.screenshot(path=str(folder / f"{k}-answered-{typed}.png"))
    # After the local derivative and the gradient, the picture moved on to ∂f/∂z.
    assert "· ∂f/∂z = 1 · ? = ?" in output.inner_text()
    assert "Question 3 of 8" in output.inner_text()
