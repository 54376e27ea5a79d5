"""Static HTML export: grid choice, frames, size cap, the CLI, and the page in headless Chromium."""

from __future__ import annotations

import json
import re

import ipywidgets as widgets
import pytest

from bpwidgets import cli
from bpwidgets.embed import ExportTooLarge, export_grid, page_widget, render_frames, to_html
from bpwidgets.panels.chain_rule import ChainRulePanel

from .pictures import shown_png


@pytest.fixture()
def circuit():
    return ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4)


def widget_state(page_text: str) -> dict:
    """The embedded widget-state JSON of an exported page."""
    match = re.search(r'<script type="application/vnd.jupyter.widget-state\+json">\s*(.*?)\s*'
                      r"</script>", page_text, re.S)
    assert match, "no widget state in the page"
    return json.loads(match.group(1))["state"]


def test_grid_defaults_to_the_panel_choice_and_drops_fixed_controls(circuit):
    grid = export_grid(circuit)
    assert grid == {"step": list(range(circuit.controls["step"].max + 1))}
    assert export_grid(circuit, {"step": [0, 3]}) == {"step": [0, 3]}
    assert export_grid(circuit, {"step": [2]}) == {}


def test_grid_rejects_unknown_controls_and_empty_lists(circuit):
    with pytest.raises(ValueError, match="unknown control 'stp'.*'step'"):
        export_grid(circuit, {"stp": [1, 2]})
    with pytest.raises(ValueError, match=r"grid\['step'\] must list at least one value"):
        export_grid(circuit, {"step": []})


def test_frames_are_the_panel_pictures_and_state_is_restored(circuit):
    circuit.controls["step"].value = 4
    before = circuit.render_png()
    frames = render_frames(circuit, {"step": [1, 7]})
    assert circuit.controls["step"].value == 4 and circuit.render_png() == before
    for frame, step in zip(frames, [1, 7], strict=True):
        circuit.controls["step"].value = step
        assert frame.png == circuit.render_png()
    assert frames[0].png != frames[1].png


def test_nested_stacks_link_every_control(circuit):
    grid = {"step": [0, 8], "x": [-2.0, 1.0, 3.0]}
    frames = render_frames(circuit, grid)
    root = page_widget(circuit, grid, frames)
    [outer] = [child for child in root.children if isinstance(child, widgets.Stack)]
    assert isinstance(outer, widgets.Stack) and len(outer.children) == 2
    assert all(isinstance(inner, widgets.Stack) and len(inner.children) == 3
               for inner in outer.children)
    # Frame order: first control outermost, so (step=8, x=1.0) is outer 1, inner 1.
    image = outer.children[1].children[1].children[0]
    circuit.controls["step"].value, circuit.controls["x"].value = 8, 1.0
    assert image.value == circuit.render_png()


def test_page_contains_every_frame_and_reports_its_size(circuit, tmp_path):
    report = to_html(circuit, tmp_path / "page.html", grid={"step": [0, 5, 9]})
    text = report.path.read_text()
    assert report.size_bytes == len(text.encode()) and report.n_frames == 3
    assert "cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager" in text
    state = widget_state(text)
    links = [m for m in state.values() if m["model_name"] == "LinkModel"]
    stacks = [m for m in state.values() if m["model_name"] == "StackModel"]
    # slider -> stack, play -> slider, play/pause button -> play
    assert len(stacks) == 1 and len(links) == 3
    assert "3 frames" in str(report) and "MB" in str(report)


def test_size_cap_stops_before_writing_with_a_clear_message(circuit, tmp_path):
    target = tmp_path / "big.html"
    with pytest.raises(ExportTooLarge, match=r"over the cap of 0\.0[0-9] MB.*max_bytes.*grid"):
        to_html(circuit, target, max_bytes=60_000)
    assert not target.exists()
    with pytest.raises(ValueError, match="max_bytes must be"):
        to_html(circuit, target, max_bytes=0)


def test_local_html_manager_url_is_used(circuit, tmp_path):
    report = to_html(circuit, tmp_path / "p.html", grid={"step": [0, 1]},
                     embed_url="html-manager/dist/embed.js")
    assert '<script src="html-manager/dist/embed.js"' in report.path.read_text()


def test_cli_export_writes_a_page(tmp_path, capsys):
    out = tmp_path / "circuit.html"
    status = cli.main(["export", "chain_rule", "-o", str(out), "--grid", "step=0,4,9",
                       "--state", '{"expression": "(x + y) * z"}'])
    assert status == 0 and out.exists()
    assert "3 frames" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--state", "[1]"], "argument --state: expects a JSON object such as '{\"x\": 1}'; got a JSON list"),
    (["--state", "{nope"], "Expecting property name"),
    (["--state", '{"x": "abc"}'], "--state expects values chain_rule accepts; got {\"x\": \"abc\"}"),
    (["--grid", "step"], "argument --grid: expects NAME=V1,V2,...; got 'step'"),
    (["--grid", "stp=1,2"], "unknown control 'stp'"),
    (["--grid", "step=abc"], "grid['step'] values must be whole numbers from 0 to 9 (the "
                             "control's range); got 'abc'"),
    (["--grid", "step=-5,1000"], "from 0 to 9 (the control's range); got -5, 1000"),
    (["--grid", "expression=x,y"], "cannot precompute a grid over 'expression'"),
    (["--max-mb", "0.01"], "over the cap"),
    (["--max-mb", "inf"], "argument --max-mb: expects a finite number > 0; got 'inf'"),
    (["--max-mb", "nan"], "argument --max-mb: expects a finite number > 0; got 'nan'"),
    (["--max-frames", "2"], "the grid needs 10 frames (10 step), over the cap of 2"),
    (["--max-frames", "0"], "argument --max-frames: expects a whole number >= 1; got '0'"),
    (["--html-manager", "x"], "--html-manager expects --self-contained beside it; got it alone"),
    (["--self-contained", "--embed-url", "a.js"], "not allowed with argument"),
])
def test_cli_export_usage_errors_exit_2_with_one_line(tmp_path, capsys, args, message):
    status = run_cli(["export", "chain_rule", "-o", str(tmp_path / "x.html"), *args])
    err = capsys.readouterr().err
    assert status == 2 and message in err
    assert err.count("\n") == 1 and err.startswith("bpwidgets export: error: "), err
    assert not (tmp_path / "x.html").exists()


def run_cli(args: list[str]) -> int:
    """The exit status of ``bpwidgets ARGS`` (argparse's own errors exit through SystemExit)."""
    try:
        return cli.main(args)
    except SystemExit as exit_info:
        return exit_info.code


# --- in the browser ------------------------------------------------------------------------

@pytest.mark.e2e
def test_exported_stepper_walks_every_step_offline(circuit, site, offline_page):
    folder, base_url = site
    frames = render_frames(circuit, export_grid(circuit))
    to_html(circuit, folder / "stepper.html")  # the default CDN URL, answered from npm's copy
    page = offline_page
    page.goto(f"{base_url}/stepper.html")
    slider = page.locator(".widget-hslider .noUi-handle")
    slider.wait_for()
    assert shown_png(page) == frames[circuit.controls["step"].value].png
    slider.focus()
    page.keyboard.press("Home")
    for step, frame in enumerate(frames):
        page.wait_for_function(
            "s => document.querySelector('.widget-readout').textContent.trim() === s", arg=str(step))
        assert shown_png(page) == frame.png, f"step {step} shows the wrong picture"
        page.keyboard.press("ArrowRight")
    assert not [u for u in page.blocked if "html-manager" in u], page.blocked


@pytest.mark.e2e
def test_exported_dropdown_page_with_a_local_html_manager(site, offline_page, html_manager):
    from bpwidgets.panels.network import NetworkPanel

    folder, base_url = site
    panel = NetworkPanel()
    fixed = {name: [value] for name, value in panel.state.items()}
    grid = export_grid(panel, {**fixed, "view": export_grid(panel)["view"]})
    assert list(grid) == ["view"]
    frames = render_frames(panel, grid)
    manager = folder / "hm"
    if not manager.exists():
        manager.symlink_to(html_manager, target_is_directory=True)
    to_html(panel, folder / "network.html", grid={**fixed, **grid}, embed_url="hm/dist/embed.js")
    page = offline_page
    page.goto(f"{base_url}/network.html")
    select = page.locator(".widget-dropdown select")
    select.wait_for()
    assert select.count() == 1
    for index, frame in enumerate(frames):
        select.select_option(index=index)
        page.wait_for_function(
            "i => document.querySelector('.widget-dropdown select').selectedIndex === i", arg=index)
        assert shown_png(page) == frame.png
    assert page.blocked == []


def test_panel_to_html_method(circuit, tmp_path):
    report = circuit.to_html(tmp_path / "m.html", grid={"step": [0, 9]})
    assert report.n_frames == 2 and report.path.exists()


def test_before_frame_runs_for_every_frame_after_the_controls_are_set(circuit):
    seen = []
    frames = render_frames(circuit, {"step": [2, 5]},
                           before_frame=lambda p: seen.append(p.controls["step"].value))
    assert seen == [2, 5] and len(frames) == 2


def test_docs_embed_pages_exist_for_every_panel(repo_root):
    from bpwidgets.export_command import PANELS

    pages = {p.stem for p in (repo_root / "docs" / "embed").glob("*.html")}
    assert set(PANELS) <= pages
    for name in PANELS:
        text = (repo_root / "docs" / "embed" / f"{name}.html").read_text()
        assert len(text.encode()) < 5_000_000
        assert widget_state(text), name


def test_cli_default_caps_are_the_exporter_defaults():
    from bpwidgets.embed import DEFAULT_MAX_BYTES, DEFAULT_MAX_FRAMES
    from bpwidgets.export_command import DEFAULT_MAX_FRAMES as CLI_MAX_FRAMES
    from bpwidgets.export_command import DEFAULT_MAX_MB

    assert DEFAULT_MAX_MB * 1e6 == DEFAULT_MAX_BYTES and CLI_MAX_FRAMES == DEFAULT_MAX_FRAMES
