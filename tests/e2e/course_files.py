"""Where the lessons and test notebooks live, and the server root the browser tests serve."""

from __future__ import annotations

import shutil
from pathlib import Path

from bpwidgets.lessons import SOURCE_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]
LESSON_SOURCE_DIR = SOURCE_DIR
FIXTURE_DIR = Path(__file__).resolve().parent / "fixtures"
ARTIFACT_DIR = REPO_ROOT / "artifacts" / "e2e"

# A plain-ipywidgets notebook (slider, dropdown, button driving an Image) that proves the
# browser machinery works whatever state the lessons are in.
WIDGET_FIXTURE = "widget_image.ipynb"


def lesson_names() -> list[str]:
    """File names of the instructor lessons (with solutions), in lesson order."""
    return sorted(path.name for path in LESSON_SOURCE_DIR.glob("[0-9][0-9]_*.ipynb"))


def lesson_id(name: str) -> str:
    """A short test id for a lesson file name (``01_chain_rule.ipynb`` -> ``01_chain_rule``)."""
    return Path(name).stem


def copy_course(root: Path) -> Path:
    """Copy the instructor lessons (and files beside them) and the test fixtures into ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for folder in (LESSON_SOURCE_DIR, FIXTURE_DIR):
        if folder.is_dir():
            shutil.copytree(
                folder, root, dirs_exist_ok=True,
                ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
            )
    return root


def first_panel_lesson() -> str | None:
    """The first lesson that shows a bpwidgets panel (None while no lesson does)."""
    for name in lesson_names():
        if "Panel(" in (LESSON_SOURCE_DIR / name).read_text(encoding="utf-8"):
            return name
    return None
