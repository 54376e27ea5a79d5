"""Pages that work however a course opens them: self-contained, local copy, CDN with fallback.

Browser tests run with the network blocked: every request that is not for the page's own
folder (``file://`` or the local test server) is aborted and recorded.
"""

from __future__ import annotations

import base64
import json
import re

import pytest

from bpwidgets import html_manager
from bpwidgets.embed import page_html, render_frames, to_html
from bpwidgets.panels.chain_rule import ChainRulePanel

from .test_embed import shown_png, widget_state

GRID = {"step": [0, 3, 6, 9]}


@pytest.fixture(scope="module")
def circuit_frames():
    """The panel's frames for GRID, rendered once for the module's browser tests."""
    return render_frames(ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4), GRID)


@pytest.fixture()
def circuit():
    return ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4)


@pytest.fixture()
def no_network(browser):
    """A page where any request off this machine is aborted and recorded."""
    context = browser.new_context()
    page = context.new_page()
    page.requested = []

    def route(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "file:", "data:", "blob:")):
            return route.continue_()
        page.requested.append(url)
        return route.abort()

    context.route("**/*", route)
    page.on("request", lambda request: request.url.startswith(("http:", "https:"))
            and not request.url.startswith("http://127.0.0.1")
            and page.requested.append(request.url))
    yield page
    context.close()


def step_through(page, frames) -> None:
    """Move the step slider from its first to its last value, checking every picture."""
    slider = page.locator(".widget-hslider .noUi-handle")
    slider.wait_for(timeout=20_000)
    slider.focus()
    page.keyboard.press("Home")
    for index, frame in enumerate(frames):
        page.wait_for_function(
            "s => document.querySelector('.widget-readout').textContent.trim() === s",
            arg=str(GRID["step"][index]))
        assert shown_png(page) == frame.png, f"frame {index} shows the wrong picture"
        page.keyboard.press("ArrowRight")
    assert page.locator("#bpwidgets-fallback").is_hidden()


def fallback_png(page) -> bytes:
    """The picture inside the visible fallback box."""
    box = page.locator("#bpwidgets-fallback")
    box.wait_for(state="visible", timeout=15_000)
    src = box.locator("img").get_attribute("src")
    assert src.startswith("data:image/png;base64,")
    return base64.b64decode(src.split(",", 1)[1])


# --- in the browser, network blocked ---------------------------------------------------------

@pytest.mark.e2e
def test_self_contained_page_steps_from_file_offline(circuit, circuit_frames, no_network,
                                                     html_manager, tmp_path):
    report = to_html(circuit, tmp_path / "alone.html", grid=GRID, self_contained=True,
                     html_manager_dir=html_manager)
    text = report.path.read_text()
    assert "<script src=\"http" not in text
    no_network.goto(report.path.as_uri())
    step_through(no_network, circuit_frames)
    no_network.screenshot(path=str(tmp_path / "alone.png"))
    assert no_network.requested == []


@pytest.mark.e2e
def test_cdn_page_offline_shows_the_starting_picture_and_says_why(circuit, no_network, tmp_path):
    circuit.controls["step"].value = 3
    start = circuit.render_png()
    report = to_html(circuit, tmp_path / "cdn.html", grid=GRID)
    no_network.goto(report.path.as_uri())
    assert fallback_png(no_network) == start
    message = no_network.locator("#bpwidgets-fallback p").inner_text()
    assert "The interactive part could not load — here is the picture" in message
    assert "--self-contained" in message
    assert any("html-manager" in url for url in no_network.requested)


@pytest.mark.e2e
@pytest.mark.parametrize("opened", ["http", "file"])
def test_local_copy_page_works_over_http_and_from_file(opened, circuit, circuit_frames, site,
                                                       no_network, html_manager):
    folder, base_url = site
    manager = folder / "hm"
    if not manager.exists():
        manager.symlink_to(html_manager, target_is_directory=True)
    to_html(circuit, folder / "local.html", grid=GRID, embed_url="hm/dist/embed.js")
    url = f"{base_url}/local.html" if opened == "http" else (folder / "local.html").as_uri()
    no_network.goto(url)
    step_through(no_network, circuit_frames)
    assert no_network.requested == []


@pytest.mark.e2e
def test_local_copy_page_with_a_wrong_path_falls_back(circuit, no_network, tmp_path):
    report = to_html(circuit, tmp_path / "broken.html", grid=GRID,
                     embed_url="missing/dist/embed.js")
    no_network.goto(report.path.as_uri())
    assert fallback_png(no_network) == circuit.render_png()


# --- without a browser -----------------------------------------------------------------------

def test_page_html_returns_the_self_contained_page(circuit, html_manager):
    text = page_html(circuit, grid={"step": [0, 9]}, html_manager_dir=html_manager)
    assert text.startswith("<!DOCTYPE html>")
    assert '<script src="data:text/javascript,"></script>' in text
    assert "data:font/woff2;base64," in text and "BSD-3-Clause" in text
    assert re.search(r'\.p\+"[0-9a-f]{20}\.woff2"', text) is None  # no font left to fetch
    assert len(widget_state(text)) > 0
    assert circuit.state == ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4).state


def test_values_written_into_the_page_are_escaped(circuit, tmp_path):
    title = '</title><script>alert("title")</script>'
    url = 'x.js" onload="alert(1)'
    text = to_html(circuit, tmp_path / "e.html", grid={"step": [0, 1]}, title=title,
                   embed_url=url).path.read_text()
    assert "<script>alert" not in text and '" onload="' not in text
    assert "&lt;/title&gt;&lt;script&gt;" in text
    assert '<script src="x.js&quot; onload=&quot;alert(1)"' in text
    # every <script> holding JSON ends where it should: its text parses
    for body in re.findall(r'<script type="application/vnd\.jupyter\.widget-[a-z]+\+json">'
                           r"(.*?)</script>", text, re.S):
        json.loads(body)


def test_self_contained_and_embed_url_exclude_each_other(circuit, tmp_path):
    with pytest.raises(ValueError, match="embed_url and self_contained"):
        to_html(circuit, tmp_path / "x.html", self_contained=True, embed_url="a.js")


def test_locate_refuses_a_folder_without_the_bundle(tmp_path, monkeypatch):
    with pytest.raises(html_manager.HtmlManagerUnavailable,
                       match=r"--html-manager\) must be an unpacked .*dist/embed\.js"):
        html_manager.locate(tmp_path)
    monkeypatch.setenv(html_manager.ENV_VAR, str(tmp_path))
    with pytest.raises(html_manager.HtmlManagerUnavailable, match="BPWIDGETS_HTML_MANAGER"):
        html_manager.locate()


def test_locate_without_npm_or_a_copy_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv(html_manager.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(html_manager.HtmlManagerUnavailable) as error:
        html_manager.locate()
    assert "npm was not found" in str(error.value) and "--html-manager" in str(error.value)
    assert "\n" not in str(error.value)


def test_locate_accepts_the_dist_folder_and_the_env_var(html_manager, monkeypatch):
    from bpwidgets.html_manager import locate

    assert locate(html_manager / "dist") == html_manager
    monkeypatch.setenv("BPWIDGETS_HTML_MANAGER", str(html_manager))
    assert locate() == html_manager


@pytest.mark.e2e
def test_locate_downloads_into_the_user_cache_once(tmp_path, monkeypatch, browser_prerequisite):
    import shutil

    if shutil.which("npm") is None:
        browser_prerequisite("npm is needed to download the widget HTML manager")
    monkeypatch.delenv(html_manager.ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    found = html_manager.locate()
    assert found.is_relative_to(tmp_path / "bpwidgets") and (found / "dist/embed.js").is_file()
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm now: the cached copy is used
    assert html_manager.locate() == found
