"""Fixtures for the browser tests: one Jupyter server and one headless Chromium per session.

The server serves a temporary copy of the instructor lessons and the test fixtures; each test
gets a fresh browser page, and when a test fails a full-page screenshot of that page is saved
under ``artifacts/e2e/failures/``.
"""

from __future__ import annotations

import re

import pytest
from course_files import ARTIFACT_DIR, copy_course
from lab_server import JupyterServer

VIEWPORT = {"width": 1400, "height": 1000}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the test item, so fixtures can see a failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def artifact_dir():
    """``artifacts/e2e`` in the checkout (gitignored): screenshots a reviewer can open."""
    ARTIFACT_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACT_DIR


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory, chromium):
    """A running ``jupyter lab`` serving copies of the lessons and fixtures."""
    root = copy_course(tmp_path_factory.mktemp("e2e-root"))
    with JupyterServer(root, tmp_path_factory.mktemp("e2e-state")) as server:
        yield server


@pytest.fixture
def page(browser, jupyter_server, artifact_dir, request):
    """A fresh page; on failure its screenshot is saved; its kernels are stopped afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    new_page = context.new_page()
    yield new_page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::")[-1])
        failures = artifact_dir / "failures"
        failures.mkdir(exist_ok=True)
        new_page.screenshot(path=str(failures / f"{name}.png"), full_page=True)
    context.close()
    jupyter_server.shut_down_kernels()
