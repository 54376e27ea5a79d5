"""The ``bpwidgets.sphinx`` extension: a real Sphinx project with one reStructuredText and one
MyST page, built twice (the second build renders nothing), its pages stepped in Chromium from
``file://`` and over http, and one build error per problem."""

from __future__ import annotations

import io
import shutil
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("myst_parser")

from sphinx.application import Sphinx  # noqa: E402
from sphinx.util.console import strip_colors as strip_colours  # noqa: E402
from sphinx.util.docutils import docutils_namespace  # noqa: E402

from bpwidgets.embed import export_grid, render_frames  # noqa: E402
from bpwidgets.panels.chain_rule import ChainRulePanel  # noqa: E402
from bpwidgets.panels.network import NetworkPanel  # noqa: E402
from bpwidgets.sphinx import CACHE_FOLDER, STATIC_FOLDER  # noqa: E402

from .pictures import shown_png, step_slider  # noqa: E402
from .test_offline_pages import no_network  # noqa: E402, F401 - a fixture, used by name

CONF = 'extensions = ["myst_parser", "bpwidgets.sphinx"]\nproject = "book"\n'
CIRCUIT_STATE = '{"expression": "(x + y) * z", "x": -2, "y": 5, "z": -4, "step": 3}'
INDEX_RST = f"""\
Circuit
=======

.. toctree::

   part/network

A circuit, stepped through the chain rule.

.. bpwidgets-panel:: chain_rule
   :state: {CIRCUIT_STATE}
   :grid: step=0,3,6,9
   :height: 560px
   :title: The chain rule <one step> at a time
"""
NETWORK_MD = """\
# Network

```{bpwidgets-panel} network
:grid: view
:height: 600px
```
"""

BOOK = {"index.rst": INDEX_RST, "part/network.md": NETWORK_MD}  # a page in a subfolder too


def build(source: Path, out: Path, builder: str = "html",
          doctrees: Path | None = None) -> tuple[str, str]:
    """Build ``source`` with ``builder`` into ``out``; return (status log, warnings)."""
    status, warning = io.StringIO(), io.StringIO()
    doctrees = doctrees or out / ".doctrees"
    with docutils_namespace():  # each build registers its directives afresh, as a new process
        app = Sphinx(str(source), str(source), str(out), str(doctrees), builder,
                     status=status, warning=warning)
        app.build()
    return strip_colours(status.getvalue()), strip_colours(warning.getvalue())


def renders(status: str) -> int:
    """How many panel pages a build rendered (the extension logs each one)."""
    return status.count("bpwidgets: rendered")


def write_project(folder: Path, pages: dict[str, str], html_manager: Path,
                  conf: str = "") -> Path:
    """A Sphinx project in ``folder`` whose pages use the ``html_manager`` copy."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "conf.py").write_text(
        f"{CONF}bpwidgets_html_manager = {str(html_manager)!r}\n{conf}")
    for name, text in pages.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


@pytest.fixture(scope="module")
def book(tmp_path_factory, html_manager):
    """The project built once: (source, out, status of the first build, warnings)."""
    root = tmp_path_factory.mktemp("book")
    source = write_project(root / "src", BOOK, html_manager)
    status, warnings = build(source, root / "out")
    return source, root / "out", status, warnings


@pytest.fixture(scope="module")
def expected_frames():
    """The pictures each page must show, rendered here independently of the build."""
    circuit = ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4, step=3)
    network = NetworkPanel()
    return {
        "chain_rule": render_frames(circuit, {"step": [0, 3, 6, 9]}),
        "network": render_frames(network, {"view": export_grid(network)["view"]}),
    }


def test_build_writes_one_static_page_per_directive_and_iframes_them(book):
    source, out, status, warnings = book
    assert "ERROR" not in warnings and renders(status) == 2
    pages = sorted(p.name for p in (out / STATIC_FOLDER).iterdir())
    assert len(pages) == 2 and pages[0].startswith("chain_rule-") and pages[1].startswith("network")
    index, network = (out / "index.html").read_text(), (out / "part/network.html").read_text()
    assert f'<iframe src="{STATIC_FOLDER}/{pages[0]}"' in index and "height: 560px" in index
    assert 'title="The chain rule &lt;one step&gt; at a time (precomputed' in index
    assert "<h1>The chain rule &lt;one step&gt; at a time</h1>" in (
        out / STATIC_FOLDER / pages[0]).read_text()
    assert f'<iframe src="../{STATIC_FOLDER}/{pages[1]}"' in network and "height: 600px" in network
    assert not list((out / STATIC_FOLDER).glob(".*")), "temporary files left behind"


def test_second_build_renders_nothing_and_a_reread_page_reuses_its_cache(book):
    source, out, _, _ = book
    before = {p.name: p.stat().st_mtime_ns for p in (out / STATIC_FOLDER).iterdir()}
    status, _ = build(source, out)
    assert renders(status) == 0 and "0 changed" in status.replace("no targets are out of date",
                                                                  "0 changed")
    # Edit the text around the directives: both documents are read again, nothing re-renders.
    for name in ("index.rst", "part/network.md"):
        (source / name).write_text((source / name).read_text() + "\nOne more sentence.\n")
    status, warnings = build(source, out)
    assert "reading sources... [100%]" in status and renders(status) == 0, warnings
    assert {p.name: p.stat().st_mtime_ns for p in (out / STATIC_FOLDER).iterdir()} == before
    # A changed state is a different page: exactly that one is rendered.
    original = (source / "index.rst").read_text()
    (source / "index.rst").write_text(original.replace('"x": -2', '"x": -3'))
    try:
        status, _ = build(source, out)
        assert renders(status) == 1
        # The replaced page leaves the site and the cache; the other one stays.
        for folder in (out / STATIC_FOLDER, out / ".doctrees" / CACHE_FOLDER):
            names = sorted(p.name for p in folder.iterdir())
            assert len(names) == 2 and names[1] in before and names[0] not in before, names
    finally:  # the browser tests use this book: back to the first version
        (source / "index.rst").write_text(original)
        assert renders(build(source, out)[0]) == 1


def test_text_builder_skips_panels_and_reuses_the_cache(book, tmp_path):
    source, out, _, _ = book
    status, warnings = build(source, tmp_path / "text", "text", doctrees=out / ".doctrees")
    assert renders(status) == 0 and "ERROR" not in warnings, warnings
    text = (tmp_path / "text" / "index.txt").read_text()
    assert "A circuit, stepped through the chain rule." in text and "iframe" not in text


# --- build errors ----------------------------------------------------------------------------

ERRORS = {
    "unknown panel": (".. bpwidgets-panel:: chain\n", "unknown panel 'chain'; known panels: "),
    "state not JSON": (".. bpwidgets-panel:: chain_rule\n   :state: {\"x\": }\n",
                       "bad state: :state: is not valid JSON"),
    "state not an object": (".. bpwidgets-panel:: chain_rule\n   :state: [1, 2]\n",
                            "bad state: :state: must be a JSON object"),
    "unknown control": (".. bpwidgets-panel:: chain_rule\n   :state: {\"q\": 1}\n",
                        "bad state: q=1: ChainRulePanel has no control 'q'"),
    "bad expression": (".. bpwidgets-panel:: chain_rule\n   :state: {\"expression\": \"(x +\"}\n",
                       "bad state: "),
    "bad grid": (".. bpwidgets-panel:: chain_rule\n   :grid: stp=1,2\n",
                 "bad grid: unknown control 'stp'"),
    "page too big": (".. bpwidgets-panel:: chain_rule\n   :max-mb: 0.02\n",
                     "page too big: the page would be about"),
    "bad height": (".. bpwidgets-panel:: chain_rule\n   :height: tall\n", "bad height"),
}


@pytest.fixture(scope="module")
def broken_book(tmp_path_factory, html_manager):
    """One project with one page per error (the directive on line 6): (status, warnings, out)."""
    root = tmp_path_factory.mktemp("broken")
    pages = {f"{name.replace(' ', '_')}.rst": f"Lesson\n======\n\nText.\n\n{directive}"
             for name, (directive, _) in ERRORS.items()}
    toctree = "".join(f"   {name[:-4]}\n" for name in pages)
    pages["index.rst"] = f"Book\n====\n\n.. toctree::\n\n{toctree}"
    source = write_project(root / "src", pages, html_manager)
    status, warnings = build(source, root / "out")
    return status, warnings, root / "out"


@pytest.mark.parametrize("case", list(ERRORS))
def test_build_error_names_the_page_line_and_problem(broken_book, case):
    status, warnings, out = broken_book
    lines = [line for line in warnings.splitlines() if f"{case.replace(' ', '_')}.rst:" in line]
    assert len(lines) == 1, warnings
    assert ".rst:6: ERROR: bpwidgets-panel " in lines[0] and ERRORS[case][1] in lines[0]


def test_failed_directives_leave_no_page_behind(broken_book):
    status, _, out = broken_book
    assert renders(status) == 0
    assert not (out / STATIC_FOLDER).exists()
    assert not list((out / ".doctrees" / CACHE_FOLDER).glob("*")), "half-written page"


def test_missing_html_manager_is_a_build_error_at_the_directive(tmp_path):
    page = "# Lesson\n\n```{bpwidgets-panel} chain_rule\n```\n"
    source = write_project(tmp_path / "src", {"index.md": page}, tmp_path / "nowhere")
    status, warnings = build(source, tmp_path / "out")
    assert "index.md:3: ERROR: bpwidgets-panel chain_rule: no widget HTML manager to inline: " \
           "html_manager (CLI: --html-manager) must be an unpacked" in warnings, warnings
    assert renders(status) == 0


def test_build_error_in_myst_names_its_line(tmp_path, html_manager):
    page = "# Lesson\n\nText.\n\n```{bpwidgets-panel} chain_rule\n:state: {\"x\": \"abc\"}\n```\n"
    source = write_project(tmp_path / "src", {"index.md": page}, html_manager)
    _, warnings = build(source, tmp_path / "out")
    assert ('index.md:5: ERROR: bpwidgets-panel chain_rule: bad state: x="abc": The \'value\' '
            "trait of a FloatText instance expected a float") in warnings, warnings


# --- in the browser ------------------------------------------------------------------------

def panel_frame(page, url: str):
    """Open ``url`` and return the iframe's frame once its widgets are drawn."""
    page.goto(url)
    iframe = page.locator("div.bpwidgets-panel iframe")
    iframe.scroll_into_view_if_needed()
    frame = iframe.element_handle().content_frame()
    frame.wait_for_selector(".widget-image")
    return frame


def step_network(frame, frames) -> None:
    select = frame.locator(".widget-dropdown select")
    assert select.count() == 1
    for index, expected in enumerate(frames):
        select.select_option(index=index)
        frame.wait_for_function(
            "i => document.querySelector('.widget-dropdown select').selectedIndex === i",
            arg=index)
        assert shown_png(frame) == expected.png, f"view {index} shows the wrong picture"


@pytest.mark.e2e
@pytest.mark.parametrize("opened", ["file", "http"])
def test_built_pages_step_through_their_frames_offline(book, expected_frames, site, request,
                                                       opened):
    _, out, _, _ = book
    if opened == "file":
        base = out.as_uri()
    else:
        folder, base_url = site
        shutil.copytree(out, folder / "book", dirs_exist_ok=True)
        base = f"{base_url}/book"
    page = request.getfixturevalue("no_network")  # every request off this machine is aborted
    step_slider(panel_frame(page, f"{base}/index.html"), [0, 3, 6, 9],
                expected_frames["chain_rule"], start=1)
    step_network(panel_frame(page, f"{base}/part/network.html"), expected_frames["network"])
    assert page.requested == [], "the built site asked the network for something"


@pytest.mark.e2e
def test_pages_sharing_one_html_manager_step_from_file_offline(tmp_path, html_manager,
                                                                expected_frames, request):
    source = write_project(tmp_path / "src", BOOK, html_manager,
                           conf="bpwidgets_shared_html_manager = True\n")
    status, warnings = build(source, tmp_path / "out")
    assert renders(status) == 2 and "ERROR" not in warnings, warnings
    static = tmp_path / "out" / STATIC_FOLDER
    pages, managers = list(static.glob("*.html")), list(static.glob("html-manager-*"))
    assert len(pages) == 2 and all(p.stat().st_size < 1_000_000 for p in pages)
    assert len(managers) == 1 and (managers[0] / "embed.js").is_file()
    page = request.getfixturevalue("no_network")
    base = (tmp_path / "out").as_uri()
    step_slider(panel_frame(page, f"{base}/index.html"), [0, 3, 6, 9],
                expected_frames["chain_rule"], start=1)
    step_network(panel_frame(page, f"{base}/part/network.html"), expected_frames["network"])
    assert page.requested == [], "the built site asked the network for something"
