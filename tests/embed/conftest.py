"""Fixtures for static-page tests: the widget HTML manager from npm and a localhost server."""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import tarfile
import threading
from pathlib import Path

import pytest

from bpwidgets.html_manager import safe_extract

HTML_MANAGER = "@jupyter-widgets/html-manager@1"
REQUIREJS = "requirejs@2"


def npm_package(spec: str, folder: Path, browser_prerequisite) -> Path:
    """Download ``spec`` from the npm registry into ``folder`` and return its unpacked root."""
    npm = shutil.which("npm")
    if npm is None:
        browser_prerequisite(f"npm is needed to fetch {spec} for static-page tests")
    subprocess.run([npm, "pack", spec, "--silent"], cwd=folder, check=True,
                   capture_output=True, timeout=300)
    with tarfile.open(next(folder.glob("*.tgz"))) as tar:
        safe_extract(tar, folder)  # tarfile's filter= needs Python >= 3.11.4
    return folder / "package"


@pytest.fixture(scope="session")
def html_manager(tmp_path_factory, browser_prerequisite) -> Path:
    """The widget HTML manager package; its ``dist/embed.js`` renders exported pages."""
    return npm_package(HTML_MANAGER, tmp_path_factory.mktemp("html-manager"), browser_prerequisite)


@pytest.fixture(scope="session")
def requirejs(tmp_path_factory, browser_prerequisite) -> Path:
    """RequireJS's ``require.js``, which nbconvert's HTML pages load from a CDN."""
    return npm_package(REQUIREJS, tmp_path_factory.mktemp("requirejs"),
                       browser_prerequisite) / "require.js"


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A folder served on 127.0.0.1; yields (folder, base_url)."""
    folder = tmp_path_factory.mktemp("site")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture()
def offline_page(browser, html_manager, requirejs):
    """A page where every non-localhost request is blocked, except the CDN URLs of the
    html-manager and of require.js, answered from the npm registry's copies (so pages written
    with the default URLs work offline). Records blocked URLs in ``page.blocked``."""
    context = browser.new_context()
    page = context.new_page()
    page.blocked = []

    def route(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            return route.continue_()
        if "@jupyter-widgets/html-manager" in url and "/dist/" in url:
            local = html_manager / "dist" / url.split("/dist/", 1)[1].split("?")[0]
            if local.is_file():
                return route.fulfill(path=str(local))
        if url.endswith("/require.min.js"):
            return route.fulfill(path=str(requirejs))
        page.blocked.append(url)
        return route.abort()

    context.route("**/*", route)
    yield page
    context.close()
