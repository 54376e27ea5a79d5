"""The package foundation: cheap imports, a numpy-only core, the CLI and the linter."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

import bpwidgets
from bpwidgets import cli


def run_python(code: str) -> str:
    """Run ``code`` in a fresh interpreter and return what it printed."""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip()


def test_core_imports_numpy_and_stdlib_only():
    printed = run_python(
        "import sys, bpwidgets.core as c\n"
        "for name in c.__all__: getattr(c, name)\n"
        "heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'traitlets', 'nbformat')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    assert printed == "[]"


def test_import_bpwidgets_does_not_load_panels():
    printed = run_python(
        "import sys, bpwidgets\n"
        "print([m for m in ('matplotlib', 'ipywidgets', 'bpwidgets.panels') if m in sys.modules])"
    )
    assert printed == "[]"


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"bpwidgets {bpwidgets.__version__}"


def test_help_lists_usage(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "usage: bpwidgets" in capsys.readouterr().out


def test_console_script_installed():
    exe = shutil.which("bpwidgets")
    assert exe, "the bpwidgets console script is not on PATH; install with pip install -e ."
    result = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and bpwidgets.__version__ in result.stdout


def test_unknown_lazy_name_raises_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        bpwidgets.Nope  # noqa: B018


def test_ruff_lint_clean(repo_root):
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "bpwidgets", "tests", "benchmarks", "scripts"],
        cwd=repo_root, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_license_file_matches_the_declared_mit_license():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pyproject = (root / "pyproject.toml").read_text(encoding="utf-8")
    assert 'license = { text = "MIT" }' in pyproject
    text = (root / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Permission is hereby granted, free of charge" in text
