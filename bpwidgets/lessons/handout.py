"""``bpwidgets lessons [DIR]``: copy fresh student copies of the lessons into a working folder.

Students study in that folder (default ``./bpwidgets-lessons``), never in the package or the
repository, so saving a notebook changes no tracked file. Running the command again adds new
lessons and updates the copies a student has not edited; an edited copy is kept unless
``--reset NAME`` asks for a fresh one (the edited one is kept beside it as a backup). A small
manifest (``.bpwidgets-lessons.json``) remembers what was handed out, to tell edited from not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from bpwidgets.lessons import STUDENT_DIR, lesson_files

DEFAULT_DIR = Path("bpwidgets-lessons")
MANIFEST = ".bpwidgets-lessons.json"


@dataclass(frozen=True)
class Handout:
    """What one run did: file names written fresh, updated, kept (edited) and reset."""

    written: tuple[str, ...]
    updated: tuple[str, ...]
    kept: tuple[str, ...]
    reset: tuple[str, ...]


def _digest(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> dict[str, str]:
    """The handed-out digests by file name ({} when missing or unreadable)."""
    try:
        entries = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {k: v for k, v in entries.items() if isinstance(v, str)}
        if isinstance(entries, dict)
        else {}
    )


def resolve_names(names, lessons: list[Path]) -> set[str]:
    """File names for ``--reset`` arguments (``01``, ``01_chain_rule`` or the file name)."""
    chosen = set()
    for name in names:
        matches = [p.name for p in lessons if name in (p.name, p.stem, p.name[:2])]
        if len(matches) != 1:
            known = ", ".join(p.stem for p in lessons)
            raise ValueError(f"--reset: no single lesson called {name!r}; the lessons are {known}")
        chosen.add(matches[0])
    return chosen


def hand_out(folder: Path, reset=(), source_dir: Path = STUDENT_DIR) -> Handout:
    """Copy the student copies of ``source_dir`` into ``folder``; never overwrite an edited one."""
    lessons = lesson_files(source_dir)
    to_reset = resolve_names(reset, lessons)
    folder.mkdir(parents=True, exist_ok=True)
    manifest = _read_manifest(folder)
    written, updated, kept, was_reset = [], [], [], []
    for lesson in lessons:
        fresh, target = lesson.read_bytes(), folder / lesson.name
        if not target.exists():
            written.append(lesson.name)
        else:
            current = target.read_bytes()
            if current == fresh:
                manifest[lesson.name] = _digest(fresh)
                continue
            if lesson.name in to_reset:
                backup = target.with_name(f"{target.stem}.before-reset.ipynb")
                backup.write_bytes(current)
                was_reset.append(lesson.name)
            elif manifest.get(lesson.name) == _digest(current):
                updated.append(lesson.name)  # handed out earlier, never edited: a newer version
            else:
                kept.append(lesson.name)
                continue
        target.write_bytes(fresh)
        manifest[lesson.name] = _digest(fresh)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return Handout(tuple(written), tuple(updated), tuple(kept), tuple(was_reset))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``bpwidgets lessons``."""
    parser.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=DEFAULT_DIR,
        metavar="DIR",
        help=f"working folder for the lessons (default: ./{DEFAULT_DIR})",
    )
    parser.add_argument(
        "--reset",
        action="append",
        default=[],
        metavar="NAME",
        help="replace your edited copy of lesson NAME (e.g. 01) with a fresh one; "
        "the edited copy is kept as NAME.before-reset.ipynb",
    )


def run(args: argparse.Namespace) -> int:
    """Hand out the lessons into ``args.folder``; print what happened; return the exit status."""
    if args.folder.exists() and not args.folder.is_dir():
        print(f"bpwidgets lessons: error: DIR must be a folder; got {args.folder}", file=sys.stderr)
        return 2
    try:
        result = hand_out(args.folder, args.reset)
    except (ValueError, OSError) as error:
        print(f"bpwidgets lessons: error: {error}", file=sys.stderr)
        return 2
    for label, names in (
        ("new", result.written),
        ("updated", result.updated),
        ("fresh copy (your edits: *.before-reset.ipynb)", result.reset),
    ):
        for name in names:
            print(f"{label}: {args.folder / name}")
    for name in result.kept:
        print(f"kept your edited {args.folder / name} (--reset {name[:2]} replaces it)")
    print(
        f"lessons are in {args.folder}/ — open them with: "
        f"cd {args.folder} && jupyter lab 00_start_here.ipynb"
    )
    return 0
