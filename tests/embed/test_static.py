"""``panel.static()``: the exporter's kernel-free widget tree, shown in a notebook cell; an
executed notebook saved with widget state and converted by nbconvert keeps switching frames in
Chromium with no kernel and no network."""

from __future__ import annotations

import base64
import re

import ipywidgets as widgets
import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from bpwidgets.embed import ExportTooLarge, StaticView, page_widget, render_frames
from bpwidgets.panels.chain_rule import ChainRulePanel

from .pictures import step_slider

STEPS = [0, 3, 6, 9]
CIRCUIT = "ChainRulePanel('(x + y) * z', x=-2, y=5, z=-4, step=3)"
STATIC_CELL = (
    "from bpwidgets.panels import ChainRulePanel\n"
    f"{CIRCUIT}.static(grid={{'step': {STEPS}}})"
)


@pytest.fixture()
def circuit():
    return ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4, step=3)


def images(widget) -> list[bytes]:
    """Every Image value in a widget tree, depth first."""
    if isinstance(widget, widgets.Image):
        return [widget.value]
    return [png for child in getattr(widget, "children", ()) for png in images(child)]


def shape(widget):
    """The tree's widget classes, nested like the tree."""
    return (type(widget).__name__, [shape(c) for c in getattr(widget, "children", ())])


def test_static_is_the_exporters_tree_and_leaves_the_panel_as_it_was(circuit):
    before = (circuit.state, circuit.render_png())
    view = circuit.static(grid={"step": STEPS})
    assert (circuit.state, circuit.render_png()) == before
    frames = render_frames(circuit, {"step": STEPS})
    exported = page_widget(circuit, {"step": STEPS}, frames)
    assert isinstance(view, StaticView)
    assert shape(view)[1] == shape(exported)[1]
    assert images(view) == [f.png for f in frames] == images(exported)
    slider = view.children[1].children[0]
    assert list(slider.options) == ["0", "3", "6", "9"] and slider.index == 1


def test_static_without_widget_state_shows_the_starting_picture(circuit):
    bundle = circuit.static(grid={"step": [0, 3]})._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == circuit.render_png()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("precomputed panel: ")


def test_static_checks_the_size_cap_and_the_grid(circuit):
    with pytest.raises(ExportTooLarge, match="over the cap"):
        circuit.static(max_bytes=50_000)
    with pytest.raises(ValueError, match="unknown control 'stp'"):
        circuit.static(grid={"stp": [1, 2]})


@pytest.fixture(scope="module")
def executed_static():
    """A one-cell notebook holding ``panel.static(...)``, executed with widget state saved."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(STATIC_CELL)])
    NotebookClient(notebook, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    return notebook


def test_saved_notebook_holds_every_frame(executed_static):
    state = executed_static.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    models = state["state"].values()
    assert sum(m["model_name"] == "StackModel" for m in models) == 1
    assert sum(m["model_name"] == "LinkModel" for m in models) >= 1


@pytest.mark.e2e
@pytest.mark.parametrize("opened", ["file", "http"])
def test_converted_notebook_switches_frames_offline(executed_static, circuit, site, offline_page,
                                                    tmp_path, opened):
    body, _ = HTMLExporter().from_notebook_node(executed_static)
    if opened == "file":
        target = tmp_path / "lesson.html"
        url = target.as_uri()
    else:
        folder, base_url = site
        target, url = folder / "static-lesson.html", f"{base_url}/static-lesson.html"
    target.write_text(body, encoding="utf-8")
    frames = render_frames(circuit, {"step": STEPS})
    page = offline_page
    # Page routes run before the fixture's context route, which blocks every non-http URL.
    page.route(re.compile(r"^file://"), lambda route: route.continue_())
    page.goto(url)
    step_slider(page, STEPS, frames, start=1)  # saved at step 3
    assert not [u for u in page.blocked if "html-manager" in u or "require" in u], page.blocked

