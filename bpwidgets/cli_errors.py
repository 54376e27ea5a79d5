"""Usage errors of the ``bpwidgets`` commands: one line naming the option, what it expects and
what came, exit status 2 — never a traceback.

Subcommands use the argparse types here (``finite_positive``, ``positive_int``,
``json_object``) for values argparse can check alone, and raise :class:`UsageError` from the
checks here (``check_writable_file``, ``check_writable_folder``, ``notebooks_in``) for what
needs the file system, before any long work starts; :func:`report` prints one and returns 2.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from pathlib import Path

USAGE_STATUS = 2


class UsageError(Exception):
    """A wrong option value; ``str()`` is the one-line message."""

    def __init__(self, option: str, expected: str, got):
        super().__init__(f"{option} expects {expected}; got {got}")


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block) and exit with status 2."""

    def error(self, message: str):
        """Print ``PROG: error: MESSAGE`` and exit 2."""
        self.exit(USAGE_STATUS, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def report(command: str, error: Exception) -> int:
    """Print ``bpwidgets COMMAND: error: ...`` (first line of ``error``) to stderr; return 2."""
    text = str(error).strip().splitlines()
    print(f"bpwidgets {command}: error: {text[0] if text else type(error).__name__}",
          file=sys.stderr)
    return USAGE_STATUS


def finite_positive(text: str) -> float:
    """argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expects a finite number > 0; got {text!r}")
    return value


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expects a whole number >= 1; got {text!r}")
    return value


def json_object(text: str) -> dict:
    """argparse type: a JSON object such as '{"x": 1}'."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(
            f"expects a JSON object such as '{{\"x\": 1}}'; got {text!r} ({error.msg} at "
            f"character {error.pos})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(
            f"expects a JSON object such as '{{\"x\": 1}}'; got a JSON {type(value).__name__}")
    return value


def check_writable_file(option: str, path: Path) -> None:
    """Raise UsageError unless a file can be written at ``path`` (missing folders are fine)."""
    path = Path(path)
    if path.is_dir():
        raise UsageError(option, "a file to write", f"{str(path)!r}, a folder")
    _check_can_create_in(option, "a file to write", path.parent, path)


def check_writable_folder(option: str, path: Path) -> None:
    """Raise UsageError unless files can be written into the folder ``path`` (made if missing)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UsageError(option, "a folder to write into", f"{str(path)!r}, a file")
    _check_can_create_in(option, "a folder to write into", path, path)


def notebooks_in(option: str, paths: list[Path]) -> list[Path]:
    """``paths`` with every folder replaced by the notebooks inside it (sorted, recursive)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)
            continue
        inside = sorted(p for p in path.rglob("*.ipynb")
                        if ".ipynb_checkpoints" not in p.parts and p.is_file())
        if not inside:
            raise UsageError(option, "notebooks or folders holding notebooks",
                             f"{str(path)!r}, a folder with no .ipynb file")
        found.extend(inside)
    return found


def _check_can_create_in(option: str, expected: str, folder: Path, given: Path) -> None:
    """Try to create (and remove) a file in ``folder`` or, if it is missing, its nearest parent;
    ``given`` is the path the user wrote, named in the error."""
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(option, expected, f"{str(given)!r} ({str(existing)!r} is not a folder)")
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".bpwidgets-write-test-"):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise UsageError(option, expected,
                         f"{str(given)!r}, where nothing can be written ({reason})") from None
