"""Killing the grader mid-batch (SIGKILL) loses no finished result; `--resume` completes the batch.

The same five submissions are graded once without interruption and once by a grader process
that is killed as soon as its results log holds two lines, then rerun with ``--resume``: the
final JSON report must be identical, the results already logged are not graded again, and
the kill leaves no sandbox process and no temporary folder behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .fixtures.submissions import SOURCE_DIR, write_submissions
from .test_grade_hostile import sandbox_processes

NAMES = ["all_correct", "flipped_sign", "sum_not_mean", "missing_local", "raises"]


def grade_command(paths: list[Path], log: Path, *extra: str) -> list[str]:
    """The `bpwidgets grade` command line for ``paths`` with a results log."""
    argv = [sys.executable, "-m", "bpwidgets", "grade", *map(str, paths), "--json", "--jobs", "1"]
    return argv + [
        "--results-log",
        str(log),
        "--sandbox",
        "required",
        "--source",
        str(SOURCE_DIR),
        *extra,
    ]


def temporary_folders() -> set[str]:
    """bpwidgets' temporary folders in the system temp folder."""
    return {name for name in os.listdir(tempfile.gettempdir()) if name.startswith("bpwidgets-")}


def test_killed_grader_resumes_to_the_same_report(tmp_path):
    written = write_submissions(tmp_path / "submissions")
    paths = [written[name] for name in NAMES]
    reference = subprocess.run(
        grade_command(paths, tmp_path / "reference.jsonl"), capture_output=True, text=True
    )
    assert reference.returncode == 0, reference.stderr

    temporary_before = temporary_folders()
    log = tmp_path / "killed.jsonl"
    grader = subprocess.Popen(
        grade_command(paths, log), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and grader.poll() is None:
        if log.is_file() and log.read_text().count("\n") >= 2:
            break
        time.sleep(0.05)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    time.sleep(1.0)  # the sandbox of the submission in progress dies with its parent
    assert sandbox_processes() == []
    assert temporary_folders() <= temporary_before
    logged = log.read_text().splitlines()
    assert 2 <= len(logged) < len(paths)  # killed mid-batch, after two results were on disk

    resumed = subprocess.run(grade_command(paths, log, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout) == json.loads(reference.stdout)
    assert log.read_text().splitlines()[: len(logged)] == logged  # the finished ones were kept
    assert len(log.read_text().splitlines()) == len(paths)  # and not graded again
