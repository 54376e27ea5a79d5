"""Grading commands without nbgrader (one line, exit 2) and without the venv's bin on PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from .fixtures.submissions import SOURCE_DIR

# Runs the CLI with nbgrader unimportable, as in an environment without bpwidgets[grading].
WITHOUT_NBGRADER = textwrap.dedent(
    """
    import sys

    class HideNbgrader:
        def find_spec(self, name, path=None, target=None):
            if name == "nbgrader" or name.startswith("nbgrader."):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, HideNbgrader())
    from bpwidgets.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)
GRADING_COMMANDS = [
    ["grade", "x.ipynb", "--source", str(SOURCE_DIR)],
    ["grade", "--course", ".", "--assignment", "a"],
    ["release", "--source", str(SOURCE_DIR), "--check"],
    ["course", "init", "new-course"],
]


@pytest.mark.parametrize("argv", GRADING_COMMANDS, ids=lambda argv: " ".join(argv[:2]))
def test_without_nbgrader_every_grading_command_says_how_to_install_it(argv, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_NBGRADER, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"bpwidgets {argv[0]}: error: nbgrader is not installed: "
        "install it with `pip install 'bpwidgets[grading]'`"
    ]
    assert not (tmp_path / "new-course").exists()


def test_release_works_when_the_venv_bin_folder_is_not_on_path(tmp_path):
    bare_path = os.pathsep.join(["/usr/bin", "/bin"])
    assert shutil.which("alembic", path=bare_path) is None  # else this test proves nothing
    env = {**os.environ, "PATH": bare_path, "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter")}
    command = [sys.executable, "-m", "bpwidgets", "release", "--check"]
    done = subprocess.run(
        command + ["--source", str(SOURCE_DIR), "--dest", str(tmp_path / "copies")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == 1  # the student copy is not there: it drifted
    assert done.stdout.startswith(f"drifted: {tmp_path / 'copies' / '01_sample.ipynb'}")
