"""What every grading command checks before it uses nbgrader.

- nbgrader is an optional dependency (``bpwidgets[grading]``): without it a grading command says
  so in one line and exits 2, instead of a traceback from deep inside an import.
- nbgrader stamps a new gradebook by running ``alembic`` by name in a subprocess. Run by absolute
  path (``/path/to/venv/bin/bpwidgets``) or from pipx, the environment's bin folder is not on
  PATH and that subprocess fails; the interpreter's own bin folder is put first on PATH for the
  subprocesses this command starts.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

INSTALL_HINT = "nbgrader is not installed: install it with `pip install 'bpwidgets[grading]'`"


def nbgrader_missing(command: str) -> bool:
    """True (after printing one line to stderr) when nbgrader cannot be imported."""
    try:
        found = importlib.util.find_spec("nbgrader") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        print(f"bpwidgets {command}: error: {INSTALL_HINT}", file=sys.stderr)
    return not found


def own_bin_on_path() -> None:
    """Put this interpreter's bin folder first on PATH (for nbgrader's ``alembic`` subprocess)."""
    own_bin = str(Path(sys.executable).parent)
    folders = os.environ.get("PATH", "").split(os.pathsep)
    if folders[:1] != [own_bin]:
        os.environ["PATH"] = os.pathsep.join([own_bin, *(f for f in folders if f != own_bin)])


def ready(command: str) -> bool:
    """Check nbgrader is there and fix PATH for it; False means: exit 2, the reason is printed."""
    if nbgrader_missing(command):
        return False
    own_bin_on_path()
    return True
