"""Check a page with axe-core: fetch the pinned copy from npm once, inject it, report violations;
check that every slider is announced by its description.

axe-core is not part of bpwidgets: the browser tests take it from the npm registry
(``npm pack``) on first use and keep the unpacked copy in bpwidgets' user cache
(``$XDG_CACHE_HOME/bpwidgets/axe-core-<version>``), beside the cached widget HTML manager.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from notebook_page import CONTROL_TIMEOUT
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from bpwidgets.html_manager import cache_dir, safe_extract

AXE_VERSION = "4.14.1"
AXE_SPEC = f"axe-core@{AXE_VERSION}"
BLOCKING_IMPACTS = ("serious", "critical")  # a violation of these impacts fails a test
SLIDER_HANDLE = ".noUi-handle"  # the element of an ipywidgets slider with role="slider"


def axe_script(missing) -> Path:
    """The cached ``axe.min.js`` of AXE_SPEC, downloaded with ``npm pack`` when absent;
    ``missing(message)`` is called (it skips or fails) when it cannot be had."""
    package = cache_dir() / f"axe-core-{AXE_VERSION}" / "package"
    script = package / "axe.min.js"
    if script.is_file():
        return script
    npm = shutil.which("npm")
    if npm is None:
        missing(f"npm is needed to fetch {AXE_SPEC} for the accessibility test")
    package.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=package.parent) as scratch:
        subprocess.run([npm, "pack", AXE_SPEC, "--silent"], cwd=scratch, check=True,
                       capture_output=True, timeout=300)
        with tarfile.open(next(Path(scratch).glob("*.tgz"))) as tar:
            safe_extract(tar, Path(scratch))
        if package.exists():
            shutil.rmtree(package)
        os.replace(Path(scratch) / "package", package)
    return script


def axe_violations(page: Page, script: Path, selector: str) -> list[dict]:
    """Run axe on every element matching ``selector`` (and what is inside it); return its
    violations as dicts with id, impact, help and the targets of the offending nodes."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(script))
    return page.evaluate(
        """async selector => {
            const roots = document.querySelectorAll(selector);
            if (roots.length === 0) throw new Error('nothing matches ' + selector);
            const results = await window.axe.run(roots, {resultTypes: ['violations']});
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(' ')),
            }));
        }""",
        selector,
    )


def blocking(violations: list[dict]) -> list[dict]:
    """The violations whose impact is serious or critical: each one fails a test."""
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def report(violations: list[dict]) -> str:
    """One line per violation and offending node: impact, rule id, help text, target."""
    return "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {target}"
                     for v in violations for target in v["targets"])


def assert_sliders_named(page, scope: str, minimum: int) -> None:
    """Every visible slider handle in ``scope`` is, in the browser's accessibility tree, a
    slider named exactly after its slider's description (at least ``minimum`` of them)."""
    handles = page.locator(f"{scope} {SLIDER_HANDLE}:visible")
    # the page's script names handles as the sliders are drawn: wait until all are named
    try:
        page.wait_for_function(
            "s => [...document.querySelectorAll(s)].every(h => h.hasAttribute('aria-labelledby'))",
            arg=f"{scope} {SLIDER_HANDLE}", timeout=CONTROL_TIMEOUT)
    except PlaywrightTimeout:
        unnamed = page.locator(f"{scope} {SLIDER_HANDLE}:not([aria-labelledby])").count()
        raise AssertionError(f"{unnamed} slider handles in {scope} got no name: did the "
                             "panels' slider_names.js run?") from None
    descriptions = handles.evaluate_all("handles => handles.map(h => h.closest('.widget-slider')"
                                        ".querySelector(':scope > .widget-label').textContent)")
    assert len(descriptions) >= minimum and all(d.strip() for d in descriptions), descriptions
    sliders = page.locator(scope).get_by_role("slider")
    for description in set(descriptions):
        named = sliders.filter(visible=True).and_(page.get_by_role(
            "slider", name=description, exact=True))
        assert named.count() == descriptions.count(description), description
    assert sliders.filter(visible=True).count() == len(descriptions)
