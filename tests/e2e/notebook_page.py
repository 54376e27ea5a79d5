"""Drive a notebook in JupyterLab or Notebook 7 the way a student does, and read what it shows.

Menu items and palette entries run the app's commands; we run the same commands by id through
``window.jupyterapp`` (the server exposes it), which does not depend on menu or palette focus,
and answer the dialogs they open by clicking, as a student would.

Everything here waits on a condition in the page (a selector, a JavaScript predicate), never
on a fixed sleep. Selectors are scoped to the notebook in front (JupyterLab keeps hidden tabs
in the page), and a "panel" is any cell output holding an ``ipywidgets.Image``.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import PIL.Image
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# Timeouts in milliseconds: generous for a loaded 2-core machine, but bounded.
OPEN_TIMEOUT = 90_000
RUN_TIMEOUT = 240_000
CONTROL_TIMEOUT = 15_000
UI_TIMEOUT = 15_000

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
WIDGET_IMAGE = "img.widget-image"

# Controls a student would try, in the order we try them; Play buttons are left alone
# (an animation would keep changing the picture).
CONTROL_KINDS = (
    ("slider", ".widget-slider .noUi-handle"),
    ("dropdown", ".widget-dropdown select"),
    ("toggle button", ".widget-toggle-buttons button:not(.mod-active)"),
    ("checkbox", ".widget-checkbox input[type=checkbox]"),
    ("button", "button.widget-button:not(.widget-toggle-button)"),
)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
BLANK_SPREAD = 2.0  # grey-level standard deviation below which a picture counts as blank


def code_cell_count(notebook_path: Path) -> int:
    """The number of non-empty code cells (the ones a run-all gives an execution count)."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum(1 for cell in notebook.cells if cell.cell_type == "code" and cell.source.strip())


def open_notebook(page: Page, url: str) -> None:
    """Open a notebook URL (JupyterLab or Notebook 7) and wait until its kernel is idle."""
    page.goto(url)
    page.wait_for_selector(f"{NOTEBOOK} .jp-Notebook", timeout=OPEN_TIMEOUT)
    wait_for_idle_kernel(page)


def stored_widget_views(notebook_path: Path) -> int:
    """How many widget outputs the stored (executed) notebook shows."""
    notebook = nbformat.read(notebook_path, as_version=4)
    return sum(
        1
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if WIDGET_VIEW in output.get("data", {})
    )


def lab_url(notebook_name: str) -> str:
    """A JupyterLab path opening ``notebook_name`` alone in a fresh workspace."""
    return f"lab/workspaces/{uuid.uuid4().hex[:12]}/tree/{notebook_name}?reset"


def wait_for_idle_kernel(page: Page, timeout: float = OPEN_TIMEOUT) -> None:
    """Wait until the notebook's kernel reports idle."""
    page.wait_for_selector(
        f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout
    )


def wait_until_ready_for(page: Page, command: str, timeout: float = OPEN_TIMEOUT) -> None:
    """Wait until the app is restored, a notebook with an idle kernel is current and
    ``command`` is enabled."""
    page.wait_for_function(
        """(command) => {
            const app = window.jupyterapp;
            const widget = app && app.shell.currentWidget;
            const kernel = widget && widget.sessionContext
                && widget.sessionContext.session && widget.sessionContext.session.kernel;
            return Boolean(kernel && kernel.status === 'idle' && app.commands.isEnabled(command));
        }""",
        arg=command,
        timeout=timeout,
        polling=100,
    )


def run_command(page: Page, command: str, wait: bool = True) -> None:
    """Run a JupyterLab command (what a menu item or palette entry runs) by its id.

    With ``wait=False`` the command is started and not awaited (it may open a dialog).
    """
    wait_until_ready_for(page, command)
    script = "(command) => window.jupyterapp.commands.execute(command).then(() => true)"
    if not wait:
        script = "(command) => { window.jupyterapp.commands.execute(command); return true; }"
    page.evaluate(script, command)


def accept_dialog(page: Page) -> None:
    """Press the accept button of the dialog that is open (e.g. "Restart")."""
    page.locator(".jp-Dialog .jp-mod-accept").click(timeout=UI_TIMEOUT)
    page.locator(".jp-Dialog").wait_for(state="detached", timeout=UI_TIMEOUT)


def restart_and_run_all(page: Page, code_cells: int) -> None:
    """Clear every output, restart the kernel, run all cells, and wait until the run ends."""
    run_command(page, "notebook:clear-all-cell-outputs")
    run_command(page, "notebook:restart-run-all", wait=False)
    accept_dialog(page)
    wait_until_run_finished(page, code_cells)


def wait_until_run_finished(page: Page, code_cells: int, timeout: float = RUN_TIMEOUT) -> None:
    """Wait until every code cell has an execution count, or the run stopped at an error."""
    page.wait_for_function(
        """([notebook, stderr, expected]) => {
            const panel = document.querySelector(notebook);
            if (!panel) return false;
            const prompts = [...panel.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]
                .map(prompt => prompt.textContent);
            if (prompts.some(text => text.includes('*'))) return false;
            const done = prompts.filter(text => /\\[\\d+\\]/.test(text)).length;
            const idle = panel.querySelector(
                ".jp-Notebook-ExecutionIndicator[data-status='idle']");
            if (done >= expected) return idle !== null;
            return idle !== null && panel.querySelector(stderr) !== null;
        }""",
        arg=[NOTEBOOK, STDERR_OUTPUT, code_cells],
        timeout=timeout,
        polling=250,
    )


def executed_cell_count(page: Page) -> int:
    """The number of code cells in the notebook that show an execution count."""
    return page.evaluate(
        """(notebook) => [...document.querySelectorAll(
                `${notebook} .jp-CodeCell .jp-InputArea-prompt`)]
            .filter(prompt => /\\[\\d+\\]/.test(prompt.textContent)).length""",
        NOTEBOOK,
    )


def error_texts(page: Page, scope: str = NOTEBOOK) -> list[str]:
    """Texts of outputs a student would read as a failure: stderr, tracebacks, broken widgets."""
    return page.evaluate(
        """([scope, stderr]) => {
            const root = document.querySelector(scope) || document;
            const found = [...root.querySelectorAll(stderr)].map(e => e.innerText);
            for (const output of root.querySelectorAll('.jp-OutputArea-output')) {
                const text = output.innerText || '';
                if (/Error displaying widget|Traceback \\(most recent call last\\)/.test(text)
                    || /^(VBox|HBox|Image)\\(/.test(text.trim())) {
                    found.push(text);
                }
            }
            return [...new Set(found)].map(text => text.slice(0, 2000));
        }""",
        [scope, STDERR_OUTPUT],
    )


def rendered_widget_views(page: Page, scope: str = NOTEBOOK) -> int:
    """How many cell outputs in ``scope`` hold a rendered widget."""
    return page.locator(f"{scope} .jp-OutputArea-output:has(> .jupyter-widgets)").count()


def panel_outputs(page: Page, scope: str = NOTEBOOK) -> list[Locator]:
    """Every cell output that holds a widget image (one per displayed panel)."""
    outputs = page.locator(f"{scope} .jp-OutputArea-output").filter(
        has=page.locator(WIDGET_IMAGE)
    )
    return [outputs.nth(index) for index in range(outputs.count())]


def wait_for_loaded_images(page: Page, scope: str = NOTEBOOK, timeout: float = UI_TIMEOUT) -> None:
    """Wait until every widget image in ``scope`` has decoded a picture."""
    page.wait_for_function(
        """([scope, selector]) => [...document.querySelectorAll(`${scope} ${selector}`)]
            .every(img => img.complete && img.naturalWidth > 0)""",
        arg=[scope, WIDGET_IMAGE],
        timeout=timeout,
        polling=250,
    )


@dataclass(frozen=True)
class ImageState:
    """What the browser shows for one widget image."""

    src: str
    natural_width: int
    natural_height: int
    complete: bool


def image_state(image: Locator) -> ImageState:
    """Read src, natural size and load state of an ``<img>``."""
    values = image.evaluate(
        "img => [img.src, img.naturalWidth, img.naturalHeight, img.complete]"
    )
    return ImageState(*values)


def pixels(png: bytes) -> np.ndarray:
    """Decode PNG bytes into an RGB uint8 array."""
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB"))


def pixel_spread(png: bytes) -> float:
    """Standard deviation of the grey levels of a picture: about 0 for a blank one."""
    return float(pixels(png).mean(axis=2).std())


def pictures_differ(before: bytes, after: bytes) -> bool:
    """True if two screenshots differ in size or in any pixel."""
    a, b = pixels(before), pixels(after)
    return a.shape != b.shape or bool(np.any(a != b))


def control_candidates(output: Locator) -> list[tuple[str, Locator]]:
    """The visible, enabled controls of a panel, in the order a student would try them."""
    found = []
    for kind, selector in CONTROL_KINDS:
        matches = output.locator(selector)
        for index in range(matches.count()):
            control = matches.nth(index)
            if control.is_visible() and control.is_enabled() and not _inside_play(control):
                found.append((kind, control))
    return found


def _inside_play(control: Locator) -> bool:
    return control.evaluate("element => element.closest('.widget-play') !== null")


def operate(kind: str, control: Locator) -> None:
    """Change one control as a student would: drag a slider, pick another option, or click."""
    if kind == "slider":
        drag_slider_handle(control)
        return
    if kind == "dropdown":
        options = control.evaluate("s => [...s.options].map(o => o.value)")
        current = control.input_value()
        choice = next(value for value in options if value != current)
        control.select_option(choice)
        return
    control.click()


def drag_slider_handle(handle: Locator, distance: float = 40.0) -> None:
    """Drag a slider's handle sideways with the mouse, towards the side with more room."""
    handle.scroll_into_view_if_needed()
    now, low, high = handle.evaluate(
        """h => ['aria-valuenow', 'aria-valuemin', 'aria-valuemax']
            .map(name => Number(h.getAttribute(name)))"""
    )
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    direction = -1.0 if now - low > high - now else 1.0
    mouse = handle.page.mouse
    mouse.move(x, y)
    mouse.down()
    mouse.move(x + direction * distance, y, steps=5)
    mouse.up()


def control_label(control: Locator) -> str:
    """The description label (or text) a student sees next to a control."""
    return control.evaluate(
        """element => {
            const box = element.closest('.widget-inline-hbox');
            const label = box && box.querySelector('.widget-label');
            return ((label && label.textContent) || element.textContent
                    || element.getAttribute('title') || '').trim();
        }"""
    )


def control_changes_picture(page: Page, image: Locator, kind: str, control: Locator) -> bool:
    """Operate ``control``; True if the image then shows a different, decoded picture."""
    before_src = image_state(image).src
    before_png = image.screenshot()
    operate(kind, control)
    try:
        page.wait_for_function(
            """([img, src]) => img.src !== src && img.complete && img.naturalWidth > 0""",
            arg=[image.element_handle(), before_src],
            timeout=CONTROL_TIMEOUT,
            polling=100,
        )
    except PlaywrightTimeout:
        return False
    return pictures_differ(before_png, image.screenshot())


def change_picture_with_a_control(page: Page, output: Locator) -> str:
    """Operate the panel's controls one by one until its image changes; return which one did.

    Raises AssertionError naming every control tried when none changes the picture.
    """
    image = output.locator(WIDGET_IMAGE).first
    tried = []
    for kind, control in control_candidates(output):
        tried.append(f"{kind} {control_label(control)!r}")
        if control_changes_picture(page, image, kind, control):
            return tried[-1]
    raise AssertionError(f"no control changed the panel's picture; tried: {tried or 'none'}")


def check_panels(page: Page, folder: Path, scope: str = NOTEBOOK) -> list[str]:
    """Assert every panel picture is decoded, not blank, and changed by one of its controls.

    Saves each panel's screenshot (before and after the control) in ``folder``; returns the
    control that changed each panel's picture.
    """
    wait_for_loaded_images(page, scope)
    folder.mkdir(parents=True, exist_ok=True)
    changed_by = []
    for index, output in enumerate(panel_outputs(page, scope)):
        image = output.locator(WIDGET_IMAGE).first
        state = image_state(image)
        assert state.complete and state.natural_width > 0, f"panel {index}: image not decoded"
        spread = pixel_spread(image.screenshot())
        assert spread > BLANK_SPREAD, f"panel {index}: picture is blank (spread {spread:.2f})"
        output.screenshot(path=str(folder / f"panel-{index}.png"))
        changed_by.append(change_picture_with_a_control(page, output))
        output.screenshot(path=str(folder / f"panel-{index}-after-control.png"))
    return changed_by


def run_all_without_errors(page: Page, notebook_path: Path) -> None:
    """Restart the kernel and run all cells of the open notebook; assert the run was clean."""
    expected_cells = code_cell_count(notebook_path)
    restart_and_run_all(page, expected_cells)
    errors = error_texts(page)
    assert not errors, (
        f"{notebook_path.name} shows errors after Restart Kernel and Run All:\n"
        + "\n---\n".join(errors)
    )
    assert executed_cell_count(page) == expected_cells


MIN_TRACK_WIDTH = 120  # px: below this a slider cannot be dragged to a chosen value
STUDENT_SCREEN_WIDTH = 1280  # px: a laptop window


def slider_tracks(page: Page, scope: str = NOTEBOOK) -> list[tuple[int, str, float]]:
    """(panel index, label, track width in px) of every visible slider in the panels."""
    return page.evaluate(
        """(scope) => {
            const found = [];
            const panels = [...document.querySelectorAll(scope + ' .jp-OutputArea-output')]
                .filter((output) => output.querySelector('img.widget-image'));
            panels.forEach((panel, index) => {
                panel.querySelectorAll('.widget-slider').forEach((slider) => {
                    if (slider.getBoundingClientRect().width === 0) return;  // hidden control
                    const track = slider.querySelector('.slider-container');
                    const label = slider.querySelector('.widget-label');
                    found.push([index, label ? label.textContent : '?',
                                track ? track.getBoundingClientRect().width : 0]);
                });
            });
            return found;
        }""",
        scope,
    )


def narrow_slider_tracks(page: Page, scope: str = NOTEBOOK) -> list[str]:
    """Sliders whose track is narrower than MIN_TRACK_WIDTH in a 1280 px wide window."""
    original = page.viewport_size
    page.set_viewport_size({"width": STUDENT_SCREEN_WIDTH, "height": original["height"]})
    try:
        page.wait_for_function(f"window.innerWidth === {STUDENT_SCREEN_WIDTH}")
        page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        tracks = slider_tracks(page, scope)
    finally:
        page.set_viewport_size(original)
    assert tracks or not page.locator(f"{scope} .widget-slider").count(), "no slider measured"
    return [f"panel {i} slider {label!r}: {width:.0f} px" for i, label, width in tracks
            if width < MIN_TRACK_WIDTH]

