"""Where the lessons live inside the installed package: student copies and instructor sources.

``STUDENT_DIR`` holds the generated student copies (``NN_name.ipynb``, no solutions, no hidden
tests) that ``bpwidgets lessons`` hands out; ``SOURCE_DIR`` the instructor versions (solutions
and hidden tests) from which ``bpwidgets release`` generates them and against which
``bpwidgets grade`` grades. Both ship as package data, so an installed bpwidgets has them.
"""

from __future__ import annotations

from pathlib import Path

STUDENT_DIR = Path(__file__).resolve().parent
SOURCE_DIR = STUDENT_DIR / "source"


def lesson_files(folder: Path) -> list[Path]:
    """The numbered lesson notebooks (``NN_name.ipynb``) in ``folder``, in lesson order."""
    return sorted(path for path in Path(folder).glob("[0-9][0-9]_*.ipynb") if path.is_file())
