"""The sandbox itself: what a submission's executor sees and may do, and `--sandbox` policy."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path

import pytest

import bpwidgets
from bpwidgets.cli import main
from bpwidgets.grading import sandbox
from bpwidgets.grading.autograde import GradeOptions
from bpwidgets.grading.sandbox_session import ExecutorSession

from .fixtures.submissions import SOURCE_DIR, SUBMISSIONS, write_submissions

LESSON_SOURCES = Path(bpwidgets.__file__).resolve().parent / "lessons" / "source"

PROBE = """
import os, socket
facts = {"sources": os.listdir(SOURCES), "uid": os.getuid(), "root": sorted(os.listdir("/")), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
         "env": "BPWIDGETS_SANDBOX" in os.environ, "cwd": os.getcwd()}
try:
    socket.create_connection(("1.1.1.1", 53), timeout=1)
    facts["network"] = True
except OSError:
    facts["network"] = False
for path in ("/usr/probe", "/tmp/probe"):
    try:
        open(path, "w").write("x")
        facts[path] = "written"
    except OSError as error:
        facts[path] = type(error).__name__
raise AssertionError(repr(facts))
"""


@pytest.fixture(scope="module")
def inside():
    """What a cell sees inside a fresh sandbox (reported through its error text)."""
    options = GradeOptions(timeout=20)
    with ExecutorSession(
        sandboxed=True,
        source_dir=SOURCE_DIR,
        scratch=None,
        settings=options.executor_settings(True),
        timeout=20,
        deadline=time.monotonic() + 60,
    ) as session:
        reply = session.run(f"SOURCES = {str(LESSON_SOURCES)!r}\n" + PROBE, test=False)
    assert reply.status == "error"
    return eval(reply.error.removeprefix("AssertionError: "))  # noqa: S307 - our own repr of plain data


def test_the_lesson_sources_inside_the_package_are_hidden(inside):
    assert any(LESSON_SOURCES.glob("*.ipynb"))  # they are there for the grader
    assert inside["sources"] == []  # and not for a submission


def test_the_executor_is_an_unprivileged_user_in_its_own_namespaces(inside):
    assert inside["uid"] >= 200_000
    assert inside["pids"] == ["1", "2"]  # the sandbox's init and the executor: nothing of the host
    assert inside["network"] is False


def test_the_filesystem_is_the_system_python_and_package_read_only_with_a_private_tmp(inside):
    bound = {
        Path(path).resolve().parts[1] for path in (sys.prefix, sys.base_prefix, bpwidgets.__file__)
    }
    assert (
        set(inside["root"]) == {"usr", "bin", "lib", "lib64", "sbin", "proc", "dev", "tmp"} | bound
    )
    assert "etc" not in inside["root"] and inside["cwd"] == "/tmp"
    assert (
        inside["/usr/probe"] in ("OSError", "PermissionError") and inside["/tmp/probe"] == "written"
    )
    assert inside["env"] is False  # nothing of the grader's environment


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run the bpwidgets command in-process; return (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def no_bwrap(monkeypatch):
    """A machine without bwrap (for this test only)."""
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    monkeypatch.setattr(sandbox, "_warned", False)
    sandbox.bwrap_problem.cache_clear()
    yield
    sandbox.bwrap_problem.cache_clear()


def test_required_without_bwrap_exits_two_with_the_reason(no_bwrap, tmp_path):
    path = write_submissions(tmp_path)["all_correct"]
    status, out, err = run_cli(
        ["grade", str(path), "--sandbox", "required", "--source", str(SOURCE_DIR)]
    )
    assert status == 2 and out == ""
    assert err.strip().splitlines() == [
        "bpwidgets grade: error: cannot sandbox the submissions (bwrap (Debian/Ubuntu package "
        "'bubblewrap') is not installed); install bubblewrap or use --sandbox off"
    ]


def test_auto_without_bwrap_warns_once_and_grades_unsandboxed(no_bwrap, tmp_path):
    paths = write_submissions(tmp_path)
    names = ["all_correct", "flipped_sign"]
    argv = ["grade", *(str(paths[n]) for n in names), "--json", "--jobs", "1", "--sandbox", "auto"]
    status, out, err = run_cli([*argv, "--source", str(SOURCE_DIR)])
    assert status == 0
    warnings = [line for line in err.splitlines() if "WITHOUT a sandbox" in line]
    assert len(warnings) == 1 and warnings[0].startswith("bpwidgets grade: warning:")
    for name, result in zip(names, json.loads(out), strict=True):
        assert {i["grade_id"]: i["score"] for i in result["items"]} == SUBMISSIONS[name][1]
