"""Sphinx / Jupyter Book extension: ``bpwidgets-panel`` embeds a precomputed, kernel-free panel.

Enable it in ``conf.py`` with ``extensions = ["bpwidgets.sphinx"]`` (Jupyter Book 1: ``sphinx:
extra_extensions: [bpwidgets.sphinx]`` in ``_config.yml``), then write, in reStructuredText::

    .. bpwidgets-panel:: chain_rule
       :state: {"expression": "(x + y) * z", "x": -2, "y": 5, "z": -4}
       :grid: step
       :height: 520px
       :title: The chain rule, one step at a time

or the same as a MyST fence (```` ```{bpwidgets-panel} chain_rule ````). ``:grid:`` lists the
controls that vary, each as ``NAME`` (the panel's own values) or ``NAME=V1,V2`` (as the CLI's
``--grid``), separated by spaces or ``;``; the other controls stay at ``:state:``. Without
``:grid:`` the panel's default grid is used. ``:max-mb:`` (or ``bpwidgets_max_mb`` in conf.py)
caps the page size.

Each page is self-contained (``bpwidgets.embed``, ``self_contained=True``): the widget HTML
manager is inlined, so the built site works offline, over http and from ``file://``. The copy
inlined is ``bpwidgets_html_manager`` (conf.py; a folder, relative to the source folder), else
what :func:`bpwidgets.html_manager.locate` finds. A site with many panels can set
``bpwidgets_shared_html_manager = True``: every page then loads one copy of the renderer
(``embed.js`` and its fonts, about 2 MB) placed beside the pages, instead of carrying its own.

At build time each directive's page is rendered once into a cache under the doctree folder,
keyed by (panel, state, grid, page format, html-manager version, bpwidgets version), so an
unchanged page is never rendered again; the pages a build uses are copied into
``_static/bpwidgets/`` of the output (pages no longer used are removed) and shown in an
``<iframe>`` with a relative address.
Every page is written to a temporary file and renamed into place, so a failed render never
leaves half a page behind. Problems are reported at the directive's page and line.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.osutil import relative_uri
from traitlets import TraitError

import bpwidgets
from bpwidgets.export_command import grid_item
from bpwidgets.html_manager import ENV_VAR
from bpwidgets.panel_registry import PANELS, panel_class

logger = logging.getLogger(__name__)

STATIC_FOLDER = "_static/bpwidgets"  # where the built site holds the panel pages
CACHE_FOLDER = "bpwidgets-pages"  # under the doctree folder; survives between builds
DEFAULT_HEIGHT = "640px"
_CSS_LENGTH = re.compile(r"^\d+(\.\d+)?(px|em|rem|vh|%)?$")


class PanelProblem(ValueError):
    """A directive the extension cannot turn into a page; the message says what to change."""


@dataclass(frozen=True)
class PanelPage:
    """What one directive asks for: which panel, its starting state, the controls that vary."""

    panel: str
    state: dict
    grid: dict | None  # control name -> values, or None for the panel's own value list
    max_bytes: int
    title: str | None  # the page's heading (None: the exporter's default)
    shared: bool  # load one shared copy of the html-manager instead of inlining it
    manager: str  # the unpacked html-manager package
    manager_version: str

    @property
    def filename(self) -> str:
        """The page's file name, unique to everything that changes its content."""
        kind = "shared" if self.shared else "self-contained"
        recipe = [self.panel, self.state, self.grid, self.title, kind, self.manager_version,
                  bpwidgets.__version__]
        digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
        return f"{self.panel}-{digest[:16]}.html"


class bpwidgets_panel(nodes.General, nodes.Element):  # noqa: N801 - docutils node naming
    """A placeholder the HTML writer turns into an iframe showing the panel's page."""


def parse_page(panel: str, options: dict, config, srcdir) -> PanelPage:
    """Read a directive's argument, options and the build's config into a :class:`PanelPage`."""
    if panel not in PANELS:
        raise PanelProblem(f"unknown panel {panel!r}; known panels: {', '.join(sorted(PANELS))}")
    state, grid = _parse_state(options.get("state")), _parse_grid_option(options.get("grid"))
    max_bytes = _max_bytes(options.get("max-mb", config.bpwidgets_max_mb))
    folder = config.bpwidgets_html_manager
    folder = str(Path(srcdir, folder).expanduser()) if folder else None
    title = options.get("title", "").strip() or None
    return PanelPage(panel, state, grid, max_bytes, title,
                     bool(config.bpwidgets_shared_html_manager),
                     *html_manager(folder, os.environ.get(ENV_VAR)))


@functools.lru_cache(maxsize=4)
def html_manager(folder: str | None, environment: str | None) -> tuple[str, str]:
    """The html-manager package pages inline and its version (once per build and setting)."""
    from bpwidgets.html_manager import HtmlManagerUnavailable, locate

    try:
        package = locate(folder)
    except HtmlManagerUnavailable as error:
        raise PanelProblem(f"no widget HTML manager to inline: {error} (conf.py: "
                           "bpwidgets_html_manager = DIR)") from None
    version = json.loads((package / "package.json").read_text(encoding="utf-8"))["version"]
    return str(package), version


def ensure_page(page: PanelPage, cache: Path) -> bool:
    """Render ``page`` into ``cache`` unless it is already there; True if it was rendered."""
    target = cache / page.filename
    if target.exists():
        return False
    from bpwidgets.embed import ExportTooLarge

    make = panel_class(page.panel)
    try:
        panel = make(**page.state)
    except (TypeError, ValueError, TraitError) as error:
        raise PanelProblem(f"bad state: {_culprit(make, page.state)}{error}") from None
    try:
        write_page(panel, target, _full_grid(panel, page.grid), page)
    except ExportTooLarge as error:
        raise PanelProblem(f"page too big: {error}; in a book: :max-mb: on the directive, "
                           "bpwidgets_max_mb in conf.py, or fewer values in :grid:") from None
    except (TypeError, ValueError) as error:
        raise PanelProblem(f"bad grid: {error}") from None
    finally:
        panel.close()
    return True


def write_page(panel, target: Path, grid: dict, page: PanelPage) -> None:
    """Write ``panel``'s page to ``target`` atomically (the one exporter seam)."""
    from bpwidgets.embed import to_html

    loader = ({"embed_url": f"{shared_folder(page.manager_version)}/embed.js"} if page.shared
              else {"self_contained": True, "html_manager_dir": page.manager})
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        to_html(panel, temporary, grid=grid, max_bytes=page.max_bytes, title=page.title,
                **loader)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


class PanelDirective(SphinxDirective):
    """``bpwidgets-panel NAME`` with ``:state:``, ``:grid:``, ``:height:``, ``:title:``,
    ``:max-mb:``."""

    required_arguments = 1
    has_content = False
    option_spec = {"state": directives.unchanged, "grid": directives.unchanged,
                   "height": directives.unchanged, "title": directives.unchanged,
                   "max-mb": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        """Validate, render (or reuse) the page, and leave an iframe placeholder."""
        name = self.arguments[0]
        try:
            height = _parse_height(self.options.get("height", DEFAULT_HEIGHT))
            page = parse_page(name, self.options, self.config, self.env.srcdir)
            if ensure_page(page, cache_folder(self.env.doctreedir)):
                logger.info(f"bpwidgets: rendered {name} page {page.filename}",
                            location=self.get_location())
        except PanelProblem as problem:
            raise self.error(f"bpwidgets-panel {name}: {problem}") from None
        recorded_pages(self.env).setdefault(self.env.docname, {})[page.filename] = page
        return [bpwidgets_panel(filename=page.filename, height=height,
                                title=page.title or f"bpwidgets {name} panel")]


def recorded_pages(env) -> dict[str, dict[str, PanelPage]]:
    """docname -> {file name: page} of every directive in the build environment."""
    if not hasattr(env, "bpwidgets_pages"):
        env.bpwidgets_pages = {}
    return env.bpwidgets_pages


def cache_folder(doctreedir) -> Path:
    """The folder of rendered pages, kept between builds beside the doctrees."""
    return Path(doctreedir) / CACHE_FOLDER


def visit_panel_html(translator, node: bpwidgets_panel) -> None:
    """Write the iframe, addressed relative to the page being written."""
    here = translator.builder.get_target_uri(translator.builder.current_docname)
    src = relative_uri(here, f"{STATIC_FOLDER}/{node['filename']}")
    title = f"{node['title']} (precomputed, no kernel needed)"
    translator.body.append(
        f'<div class="bpwidgets-panel"><iframe src="{translator.attval(src)}" '
        f'title="{translator.attval(title)}" loading="lazy" '
        f'style="width: 100%; height: {node["height"]}; border: 0"></iframe></div>\n')
    raise nodes.SkipNode


def skip_node(translator, node) -> None:
    """Non-HTML builders show nothing for a panel."""
    raise nodes.SkipNode


def copy_pages(app, exception) -> None:
    """After an HTML build, put the pages the documents use into ``_static/bpwidgets``, only those."""
    if exception is not None or app.builder.format != "html":
        return
    cache, static = cache_folder(app.doctreedir), Path(app.outdir) / STATIC_FOLDER
    used = {filename: (docname, page)
            for docname, pages in recorded_pages(app.env).items()
            for filename, page in pages.items()}
    for filename, (docname, page) in used.items():
        target = static / filename
        if target.exists():
            continue
        try:
            ensure_page(page, cache)  # only if the cache was cleared since the doc was read
        except PanelProblem as problem:
            logger.error(f"bpwidgets-panel {page.panel}: {problem}", location=docname)
            continue
        static.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{filename}.{os.getpid()}.tmp")
        shutil.copyfile(cache / filename, temporary)
        os.replace(temporary, target)
    shared = {(p.manager, p.manager_version) for _, p in used.values() if p.shared}
    for manager, version in shared:
        copy_shared_manager(Path(manager), static / shared_folder(version))
    for folder in (static, cache):  # pages no document uses any more: the cache stays bounded
        for stale in set(p.name for p in folder.glob("*.html")) - set(used):
            (folder / stale).unlink(missing_ok=True)
    for stale in set(static.glob(shared_folder("*"))) - {static / shared_folder(v)
                                                         for _, v in shared}:
        shutil.rmtree(stale, ignore_errors=True)


def shared_folder(version: str) -> str:
    """The folder, beside the pages, of the html-manager copy that shared pages load."""
    return f"html-manager-{version}"


def copy_shared_manager(package: Path, target: Path) -> None:
    """Copy ``embed.js`` and its WOFF2 icon fonts (all a browser loads) to ``target``, once."""
    if target.exists():
        return
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir(parents=True)
    for source in [package / "dist" / "embed.js", *(package / "dist").glob("*.woff2")]:
        shutil.copyfile(source, temporary / source.name)
    os.replace(temporary, target)


def purge_doc(app, env, docname: str) -> None:
    """Forget the pages of a document that is about to be re-read or was removed."""
    recorded_pages(env).pop(docname, None)


def merge_info(app, env, docnames, other) -> None:
    """Merge the pages recorded by a parallel reader process."""
    theirs = recorded_pages(other)
    recorded_pages(env).update({d: theirs[d] for d in docnames if d in theirs})


def setup(app) -> dict:
    """Register the directive, its node, the config value and the build hooks."""
    app.add_config_value("bpwidgets_max_mb", 5.0, "env", [float, int])
    app.add_config_value("bpwidgets_html_manager", None, "env", [str])
    app.add_config_value("bpwidgets_shared_html_manager", False, "env", [bool])
    app.add_node(bpwidgets_panel, html=(visit_panel_html, None),
                 **{fmt: (skip_node, None) for fmt in ("latex", "text", "man", "texinfo")})
    app.add_directive("bpwidgets-panel", PanelDirective)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("build-finished", copy_pages)
    return {"version": bpwidgets.__version__, "parallel_read_safe": True,
            "parallel_write_safe": True, "env_version": 1}


# --- option parsing --------------------------------------------------------------------------

def _parse_state(text: str | None) -> dict:
    if not text:
        return {}
    try:
        state = json.loads(text)
    except json.JSONDecodeError as error:
        raise PanelProblem(f"bad state: :state: is not valid JSON ({error}); "
                           'write a JSON object, e.g. {"x": -2}') from None
    if not isinstance(state, dict):
        raise PanelProblem(f"bad state: :state: must be a JSON object, e.g. {{\"x\": -2}}; "
                           f"got {type(state).__name__}")
    return state


def _parse_grid_option(text: str | None) -> dict | None:
    """``NAME`` or ``NAME=V1,V2`` items separated by spaces or ``;`` (None: no :grid: given)."""
    if text is None:
        return None
    grid = {}
    for item in re.split(r"[;\s]+", text.strip()):
        if not item:
            continue
        if "=" in item:
            try:
                name, values = grid_item(item)
            except argparse.ArgumentTypeError as error:
                raise PanelProblem(f"bad grid: :grid: item {error}") from None
            grid[name] = values
        else:
            grid[item] = None
    if not grid:
        raise PanelProblem("bad grid: :grid: is empty; list controls as NAME or NAME=V1,V2")
    return grid


def _full_grid(panel, listed: dict | None) -> dict | None:
    """The exporter's grid: the listed controls vary, every other control stays fixed."""
    if listed is None:
        return None
    defaults = panel.export_grid()
    grid = {name: [value] for name, value in panel.state.items()}
    for name, values in listed.items():
        if name not in panel.state:
            raise ValueError(f"unknown control {name!r}; known controls: "
                             f"{', '.join(map(repr, panel.state))}")
        if values is None and len(defaults.get(name, [])) < 2:
            raise ValueError(f"control {name!r} has no list of values of its own; "
                             f"give them as {name}=V1,V2")
        grid[name] = values if values is not None else defaults[name]
    return grid


def _culprit(make, state: dict) -> str:
    """``"name=value: "`` for the first state entry the panel refuses on its own, else ``""``."""
    for name, value in state.items():
        try:
            make(**{name: value}).close()
        except (TypeError, ValueError, TraitError):
            return f"{name}={json.dumps(value)}: "
    return ""


def _parse_height(text: str) -> str:
    text = text.strip()
    if not _CSS_LENGTH.match(text):
        raise PanelProblem(f"bad height: :height: must be a CSS length such as 520px, 40em "
                           f"or 80vh; got {text!r}")
    return text if not text[-1].isdigit() else f"{text}px"


def _max_bytes(value) -> int:
    try:
        megabytes = float(value)
    except ValueError:
        megabytes = float("nan")
    if not 0 < megabytes < float("inf"):
        raise PanelProblem(f"bad max-mb: :max-mb: must be a number of megabytes > 0; got {value!r}")
    return int(megabytes * 1e6)
