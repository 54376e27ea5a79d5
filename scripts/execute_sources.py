"""Execute the instructor sources in a fresh kernel each, store their outputs, print the timings.

Run it after editing a lesson, then regenerate the student copies with ``bpwidgets release``:

    python scripts/execute_sources.py            # every bpwidgets/lessons/source/*.ipynb
    python scripts/execute_sources.py 02 03      # lessons whose name starts so

Outputs are stored so ``pytest --nbval`` can compare a fresh run against them. Widget state is
not stored (panels carry a PNG fallback instead) and neither are per-cell timestamps, so
re-running an unchanged lesson changes nothing but the timing-dependent outputs. Check a lesson
the way the test suite does (``tests/notebooks/test_nbval.py``):

    python -m pytest --nbval --nbval-current-env \
        --nbval-sanitize-with tests/notebooks/nbval_sanitize.cfg bpwidgets/lessons/source/02_*.ipynb

Cells tagged ``raises-exception`` (exercises and their feedback) fail in the student copies
until solved; cells tagged ``nbval-ignore-output`` show panels, whose descriptions belong to the
panels' own tests.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

SOURCE_DIR = Path(__file__).resolve().parent.parent / "bpwidgets" / "lessons" / "source"
CELL_TIMEOUT = 120  # seconds; a lesson should take a few seconds in total


def execute(path: Path) -> float:
    """Run the notebook at ``path`` top to bottom, write it back with outputs; return seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
        store_widget_state=False,
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nbformat.write(notebook, path)
    return seconds


def selected_lessons(prefixes: list[str]) -> list[Path]:
    """The source notebooks whose file names start with one of ``prefixes`` (all if none)."""
    lessons = sorted(SOURCE_DIR.glob("*.ipynb"))
    if prefixes:
        lessons = [p for p in lessons if any(p.name.startswith(x) for x in prefixes)]
    return lessons


def main(argv: list[str]) -> int:
    """Execute the selected lessons and print a table of seconds per lesson."""
    lessons = selected_lessons(argv)
    if not lessons:
        print(f"no lesson in {SOURCE_DIR} matches {argv}", file=sys.stderr)
        return 1
    total = 0.0
    print(f"{'lesson':<28} {'seconds':>8}")
    for path in lessons:
        seconds = execute(path)
        total += seconds
        print(f"{path.stem:<28} {seconds:>8.1f}")
    print(f"{'total':<28} {total:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
