"""The README's screenshots: the script that makes them works, and the README shows them."""

from __future__ import annotations

import importlib.util
import re

import pytest
from course_files import REPO_ROOT
from notebook_page import BLANK_SPREAD, pixel_spread

SCRIPT = REPO_ROOT / "scripts" / "screenshots.py"
MAX_PNG_BYTES = 150_000  # palette PNGs of ~1200 px wide panels stay well below this


def load_script():
    """Import scripts/screenshots.py as a module."""
    spec = importlib.util.spec_from_file_location("screenshots", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_shows_every_committed_screenshot():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.findall(r"\]\((docs/screenshots/[\w.-]+\.png)\)", readme)
    script = load_script()
    names = [script.LESSON_WINDOW[0], script.FEEDBACK_CARD[0],
             *map(script.screenshot_name, script.PANEL_CELLS)]
    expected = {f"docs/screenshots/{name}" for name in names}
    assert set(shown) == expected
    for path in shown:
        png = (REPO_ROOT / path).read_bytes()
        assert len(png) < MAX_PNG_BYTES, f"{path}: {len(png)} bytes"


@pytest.mark.e2e
def test_screenshot_script_saves_small_non_blank_pngs(jupyter_server, browser, tmp_path):
    script = load_script()
    saved = script.take_screenshots(jupyter_server, browser, tmp_path)
    assert sorted(path.name for path in saved) == sorted(
        [script.LESSON_WINDOW[0], script.FEEDBACK_CARD[0],
         *map(script.screenshot_name, script.PANEL_CELLS)])
    for path in saved:
        png = path.read_bytes()
        assert len(png) < MAX_PNG_BYTES, f"{path.name}: {len(png)} bytes"
        assert pixel_spread(png) > BLANK_SPREAD, f"{path.name} is blank"
