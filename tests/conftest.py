"""Shared pytest configuration.

Browser tests skip on a machine without Chromium, except where BPWIDGETS_REQUIRE_BROWSER=1
(set by .ci/run): there a missing browser is a failure, never a silent skip.
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("BPWIDGETS_CHROMIUM", "/usr/bin/chromium")
# As root in a closed network: no sandbox, no GPU, no background calls home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REPO_ROOT = Path(__file__).resolve().parent.parent


def browser_required() -> bool:
    """True where CI demands that browser tests run (a skip becomes a failure)."""
    return os.environ.get("BPWIDGETS_REQUIRE_BROWSER", "") not in ("", "0")


def chromium_path() -> str:
    """Return the Chromium executable, or skip (fail under BPWIDGETS_REQUIRE_BROWSER) without it."""
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found:
        return found
    missing_browser_prerequisite(
        f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`"
    )


def missing_browser_prerequisite(message: str) -> None:
    """Skip a browser test for ``message``; fail instead under BPWIDGETS_REQUIRE_BROWSER."""
    if browser_required():
        pytest.fail(message + " (BPWIDGETS_REQUIRE_BROWSER is set)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_prerequisite():
    """The function that skips (or, in CI, fails) when a browser test lacks something it needs."""
    return missing_browser_prerequisite


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path to a headless-capable Chromium for browser tests."""
    return chromium_path()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The checkout's top folder."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def browser(chromium):
    """One headless Chromium, driven by Playwright, shared by every browser test of the session.

    (Playwright's sync API allows one running instance per thread, so there must be only one.)
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True,
                                              args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def synchronous_panels(request):
    """Panel updates wait for their picture (``Panel.patience = None``) so tests read results
    right after setting a control; tests marked ``background`` keep the real hand-over."""
    base = sys.modules.get("bpwidgets.panels.base")
    if request.node.get_closest_marker("background"):
        # These tests time the kernel's hand-over; a full collection of the whole session's
        # objects (1.2-1.5 s late in a run) is not the panel's work, so it is done before.
        gc.collect()
        gc.freeze()
        yield
        gc.unfreeze()
        return
    if base is None:
        yield
        return
    saved, base.Panel.patience = base.Panel.patience, None
    yield
    base.Panel.patience = saved
