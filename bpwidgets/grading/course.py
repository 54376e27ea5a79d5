"""A throwaway nbgrader course directory: each lesson an assignment, each submission a student.

``bpwidgets release`` runs nbgrader's ``generate_assignment`` through
``nbgrader.apps.NbGraderAPI`` inside one of these, configured in code only (no config file from
the current folder or the home directory leaks in). Layout, as nbgrader expects it::

    root/source/<lesson>/<lesson>.ipynb          instructor source
    root/release/<lesson>/<lesson>.ipynb         generated student copy
    root/gradebook.db

(``bpwidgets grade`` needs no course: it reads the instructor source itself.)
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from bpwidgets.lessons import SOURCE_DIR

COURSE_ID = "bpwidgets"
DEFAULT_SOURCE = SOURCE_DIR  # the instructor sources shipped with the package
# nbgrader stamps every new gradebook by running `alembic` in a subprocess (~2 s); one empty
# gradebook is made per process and copied into every course instead.
_empty_gradebook: bytes | None = None
_LESSON_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def check_lesson_id(lesson) -> str:
    """Return ``lesson`` if it is a safe lesson id (letters, digits, ``_.-``); else raise ValueError."""
    if not isinstance(lesson, str) or not _LESSON_ID.fullmatch(lesson):
        raise ValueError(
            f"lesson id must be letters, digits, '_', '.' or '-' (a file stem like 01_intro); got {lesson!r}"
        )
    return lesson


def add_source_argument(parser: argparse.ArgumentParser) -> None:
    """Declare ``--source DIR``, the folder of instructor source notebooks."""
    parser.add_argument(
        "--source",
        type=Path,
        default=DEFAULT_SOURCE,
        metavar="DIR",
        help=f"folder of instructor source notebooks (default: {DEFAULT_SOURCE})",
    )


def source_is_folder(command: str, source: Path) -> bool:
    """True if ``source`` is a folder; else print ``bpwidgets <command>: error: ...`` to stderr."""
    if source.is_dir():
        return True
    print(f"bpwidgets {command}: error: --source must be a folder; got {source}", file=sys.stderr)
    return False


def empty_gradebook() -> bytes:
    """Return the bytes of an empty gradebook for this course, made by nbgrader once per process."""
    global _empty_gradebook
    if _empty_gradebook is None:
        from nbgrader.api import Gradebook

        with tempfile.TemporaryDirectory(prefix="bpwidgets-gradebook-") as folder:
            path = Path(folder) / "gradebook.db"
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # SQLAlchemy chatter from nbgrader's gradebook
                Gradebook(f"sqlite:///{path}", COURSE_ID).close()
            _empty_gradebook = path.read_bytes()
    return _empty_gradebook


class TemporaryCourse:
    """An nbgrader course in a temporary directory, removed on exit (use as a context manager)."""

    def __init__(self, timeout: int = 30):
        self.timeout = timeout
        self._tmp = tempfile.TemporaryDirectory(prefix="bpwidgets-course-")
        self.root = Path(self._tmp.name)
        self._api = None
        self.gradebook_path.write_bytes(empty_gradebook())

    def __enter__(self) -> TemporaryCourse:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Delete the course directory."""
        self._tmp.cleanup()

    def _config(self):
        """Return the nbgrader configuration for this course (nothing read from disk)."""
        from traitlets.config import Config

        config = Config()
        config.CourseDirectory.root = str(self.root)
        config.CourseDirectory.course_id = COURSE_ID
        config.CourseDirectory.db_url = f"sqlite:///{self.gradebook_path}"
        config.Exchange.root = str(self.root / "exchange")
        return config

    @property
    def gradebook_path(self) -> Path:
        """The course's sqlite gradebook."""
        return self.root / "gradebook.db"

    @property
    def api(self):
        """The ``NbGraderAPI`` bound to this course (created on first use)."""
        if self._api is None:
            from nbgrader.apps import NbGraderAPI

            self._api = NbGraderAPI(config=self._config())
            self._api.log.setLevel(logging.ERROR)
        return self._api

    def path(self, step: str, lesson: str, student: str | None = None) -> Path:
        """Return the notebook path of ``lesson`` at nbgrader ``step`` (source, release...)."""
        parts = [step] + ([student] if student else []) + [lesson, f"{lesson}.ipynb"]
        return self.root.joinpath(*parts)

    def add_lesson(self, lesson: str, source: Path) -> None:
        """Copy an instructor source notebook into the course as assignment ``lesson``."""
        target = self.path("source", lesson)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)

    def generate(self, lesson: str) -> Path:
        """Run nbgrader generate_assignment for ``lesson``; return the student copy's path."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy chatter from nbgrader's gradebook
            result = self.api.generate_assignment(lesson)
        self._require_success("generate_assignment", result)
        return self.path("release", lesson)

    @staticmethod
    def _require_success(step: str, result: dict) -> None:
        """Raise RuntimeError with nbgrader's log when one of its steps failed."""
        if not result.get("success"):
            detail = result.get("error") or result.get("log") or "no details"
            raise RuntimeError(f"nbgrader {step} failed:\n{detail}")
