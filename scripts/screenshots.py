"""Make the README's screenshots: bpwidgets panels, live in JupyterLab, in headless Chromium.

    python scripts/screenshots.py            # writes docs/screenshots/*.png
    python scripts/screenshots.py --out DIR  # somewhere else

It starts a throwaway ``jupyter lab`` (the browser tests' machinery in ``tests/e2e``), writes
a notebook with one panel per cell, runs it, and saves each cell (code and live panel) as a
PNG, plus one JupyterLab window with Lesson 1 open and one failing check's feedback card. PNGs are reduced to a 256-colour palette
(panels use flat colours, so this is invisible and makes the files 3-4 times smaller).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat
import PIL.Image

from bpwidgets.panel_registry import PANELS

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "e2e"))

from course_files import copy_course  # noqa: E402
from lab_server import JupyterServer  # noqa: E402
from notebook_page import (  # noqa: E402
    CHROMIUM_ARGS,
    NOTEBOOK,
    STDERR_OUTPUT,
    check_panels,
    lab_url,
    open_notebook,
    restart_and_run_all,
    run_all_without_errors,
    wait_for_loaded_images,
)

DEFAULT_OUT = REPO_ROOT / "docs" / "screenshots"
VIEWPORT = {"width": 1280, "height": 900}  # a laptop screen, for the JupyterLab window
TALL_VIEWPORT = {"width": 1280, "height": 2400}  # every panel cell fits without scrolling
SHOWCASE = "readme_panels.ipynb"
LESSON_WINDOW = ("jupyterlab-lesson-01.png", "01_chain_rule.ipynb")
# A failing check as a student sees it: lesson 2's hidden deltas with the classic W2.T slip.
FEEDBACK_CARD = ("feedback-card.png", "feedback_card.ipynb", (
    "import numpy as np\n"
    "from bpwidgets.core.worked_examples import mazur_network\n"
    "from bpwidgets.grading import references\n"
    "from bpwidgets.grading.checks import check_array\n\n"
    "def hidden_deltas(delta_o, W2, out_h):\n"
    "    return (W2.T @ delta_o) * out_h * (1.0 - out_h)  # should be W2 @ delta_o\n\n"
    "net, X, Y = mazur_network()\n"
    "(_, out_h, _), (net_h, _) = net.forward_trace(X)\n"
    "W2, delta_o = net.weights[1], net.gradients(X, Y, 'mse').deltas[1][0]\n"
    'check_array("hidden_deltas", lambda: hidden_deltas(delta_o, W2, out_h[0]),\n'
    "            references.mazur_hidden_deltas(), weights=W2, upstream=delta_o,\n"
    "            local_derivative=references.sigmoid_derivative(net_h[0]))"
))

# Panel name (as in bpwidgets.panel_registry) -> the code of one notebook cell that shows it.
PANEL_CELLS = {
    "chain_rule": (
        "from bpwidgets.core.worked_examples import CS231N_NEURON_INPUTS\n"
        "from bpwidgets.panels import ChainRulePanel\n\n"
        'panel = ChainRulePanel("sigmoid(w0 * x0 + w1 * x1 + w2)", **CS231N_NEURON_INPUTS)\n'
        'panel.controls["step"].value = panel.first_backward_step + 3\n'
        "panel"
    ),
    "network": (
        "from bpwidgets.panels import NetworkPanel\n\n"
        'NetworkPanel(view="gradient", weight="w5")'
    ),
    "gradient_flow": (
        "from bpwidgets.panels import GradientFlowPanel\n\n"
        'GradientFlowPanel(depth=20, activation="tanh", init="standard")'
    ),
    "loss_surface": (
        "from bpwidgets.panels import LossSurfacePanel\n\n"
        'LossSurfacePanel(mode="rosenbrock", optimizer=("sgd", "momentum", "adam"))'
    ),
    "playground": (
        "from bpwidgets.panels import PlaygroundPanel\n\n"
        'playground = PlaygroundPanel(dataset="moons")\n'
        "playground.step(300)\n"
        "playground"
    ),
}


def screenshot_name(panel: str) -> str:
    """The file of a panel's screenshot: chain_rule → chain-rule-panel.png."""
    return f"{panel.replace('_', '-')}-panel.png"


def write_showcase(path: Path) -> None:
    """Write the notebook with one panel per code cell."""
    cells = [nbformat.v4.new_code_cell(PANEL_CELLS[name]) for name in PANELS]
    # A last cell to hold the selection, so no panel cell carries the "active" highlight.
    cells.append(nbformat.v4.new_markdown_cell("Made by `scripts/screenshots.py`."))
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    nbformat.write(notebook, path)


def save_small_png(png: bytes, path: Path) -> None:
    """Save a screenshot as an optimised 256-colour PNG."""
    image = PIL.Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=PIL.Image.Quantize.MEDIANCUT).save(path, optimize=True)


def shoot_panels(page, server, out_dir: Path) -> list[Path]:
    """Run the showcase notebook in JupyterLab and save every cell with its live panel."""
    write_showcase(server.root_dir / SHOWCASE)
    open_notebook(page, server.url(lab_url(SHOWCASE)))
    run_all_without_errors(page, server.root_dir / SHOWCASE)
    wait_for_loaded_images(page)
    # Room for the widest panel (the chain-rule graph keeps its native size), and no selection.
    page.evaluate(
        """() => {
            const app = window.jupyterapp;
            app.shell.collapseLeft();
            const notebook = app.shell.currentWidget.content;
            notebook.activeCellIndex = notebook.widgets.length - 1;
        }"""
    )
    cells = page.locator(f"{NOTEBOOK} .jp-CodeCell")
    saved = []
    for index, name in enumerate(PANELS):
        cell = cells.nth(index)
        cell.scroll_into_view_if_needed()
        path = out_dir / screenshot_name(name)
        save_small_png(cell.screenshot(), path)
        saved.append(path)
    return saved


def shoot_lesson_window(page, server, out_dir: Path) -> Path:
    """Save the JupyterLab window with Lesson 1 run and its first panel in view."""
    filename, lesson = LESSON_WINDOW
    open_notebook(page, server.url(lab_url(lesson)))
    run_all_without_errors(page, server.root_dir / lesson)
    check_panels(page, Path(tempfile.mkdtemp()))  # pictures drawn (and one control moved)
    first_panel = page.locator(f"{NOTEBOOK} .jp-Cell").filter(has=page.locator("img.widget-image"))
    first_panel.first.evaluate("cell => cell.scrollIntoView({block: 'start'})")
    path = out_dir / filename
    save_small_png(page.screenshot(), path)
    return path


def shoot_feedback_card(page, server, out_dir: Path) -> Path:
    """Run one failing check in JupyterLab and save its cell: the code and the card."""
    filename, notebook_name, code = FEEDBACK_CARD
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                       "language": "python"}
    nbformat.write(notebook, server.root_dir / notebook_name)
    open_notebook(page, server.url(lab_url(notebook_name)))
    restart_and_run_all(page, 1)
    page.locator(f"{NOTEBOOK} {STDERR_OUTPUT}").first.wait_for()
    page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
    path = out_dir / filename
    save_small_png(page.locator(f"{NOTEBOOK} .jp-CodeCell").first.screenshot(), path)
    return path


def take_screenshots(server, browser, out_dir: Path) -> list[Path]:
    """Write every README screenshot into ``out_dir`` using a running server and browser."""
    out_dir.mkdir(parents=True, exist_ok=True)
    saved = []
    shots = ((shoot_lesson_window, VIEWPORT), (shoot_panels, TALL_VIEWPORT),
             (shoot_feedback_card, VIEWPORT))
    for shoot, viewport in shots:
        context = browser.new_context(viewport=viewport)
        try:
            result = shoot(context.new_page(), server, out_dir)
        finally:
            context.close()
            server.shut_down_kernels()
        saved.extend(result if isinstance(result, list) else [result])
    return saved


def main(argv: list[str] | None = None) -> int:
    """Start JupyterLab and Chromium, write the screenshots, print their sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium",
                        help="Chromium executable")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        root = copy_course(Path(scratch) / "root")
        with JupyterServer(root, Path(scratch) / "state") as server, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                         args=CHROMIUM_ARGS)
            try:
                saved = take_screenshots(server, browser, args.out)
            finally:
                browser.close()
    for path in saved:
        print(f"{path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}"
              f"  {path.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
