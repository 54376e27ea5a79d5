"""One batch of hostile submissions between honest ones, graded with `--sandbox required`.

The batch (one `bpwidgets grade` run, module-scoped) holds honest submissions first, then one
hostile submission per attack class (tests/grading/fixtures/hostile.py), then honest ones
again. The tests check what the issue promises: honest submissions score exactly as when
graded alone, each hostile one scores no more than it earned, nothing secret reaches the
report, no file outside the grader's own output changes, and no process outlives the batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

import bpwidgets
from bpwidgets.grading.autograde import GradeOptions, grade_one

from .fixtures.hostile import ATTACKS, SLEEP_MARKER, write_hostile
from .fixtures.submissions import LESSON, SOURCE_DIR, SUBMISSIONS, filled_in
from .test_grade import run_cli

TIMEOUT = 4
HONEST_BEFORE = ["all_correct", "sum_not_mean"]
HONEST_AFTER = ["flipped_sign", "missing_local"]
SECRET_ENV = "BPWIDGETS_TEST_SECRET"
# text of the instructor source that must never reach a student: hidden tests and their values
HIDDEN_MARKERS = [
    "BEGIN HIDDEN",
    "worked out by hand",
    "-2.5, 11.0",
    "0.19661193324148185",
    "BEGIN SOLUTION",
]
PACKAGE = Path(bpwidgets.__file__).resolve().parent


def checksums(*roots: Path) -> dict[str, str]:
    """sha256 of every file under ``roots`` (compiled-bytecode caches left out)."""
    sums = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for path in files:
            if "__pycache__" not in path.parts:
                sums[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def sandbox_processes() -> list[str]:
    """Processes that must be gone after grading: this environment's sandboxes and executors
    (other worktrees may be grading at the same time), and the attacks' marker sleeps."""
    out = subprocess.run(["ps", "-eo", "pid,stat,args"], capture_output=True, text=True).stdout
    left = []
    for line in out.splitlines()[1:]:
        args = line.split(None, 2)[2]
        ours = sys.prefix in args and ("bwrap" in args or "sandbox_kernel" in args)
        if ours or f"sleep {SLEEP_MARKER}" in args:
            left.append(line)
    return left


def write_honest(folder: Path, names: list[str], suffix: str) -> dict[str, Path]:
    """Write honest submissions (answers from SUBMISSIONS) as ``<name>_<suffix>``."""
    paths = {}
    for name in names:
        path = folder / f"{name}_{suffix}" / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(filled_in(SUBMISSIONS[name][0])), encoding="utf-8")
        paths[f"{name}_{suffix}"] = path
    return paths


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """Grade honest, hostile, honest submissions in one sandboxed run; snapshot before and after."""
    root = tmp_path_factory.mktemp("hostile")
    source_dir = root / "source"
    shutil.copytree(SOURCE_DIR, source_dir)
    secret_dir = root / "secret"
    secret_dir.mkdir()
    token = secrets.token_hex(16)
    (secret_dir / "token.txt").write_text(token)
    os.environ[SECRET_ENV] = env_token = secrets.token_hex(16)
    submissions, out = root / "submissions", root / "out"
    submissions.mkdir()
    out.mkdir()
    honest = write_honest(submissions, HONEST_BEFORE, "before")
    paths = {
        "source": source_dir / f"{LESSON}.ipynb",
        "source_dir": source_dir,
        "package": PACKAGE,
        "other_submission": honest["all_correct_before"],
        "submissions": submissions,
        "csv": out / "grades.csv",
        "log": out / "grades.jsonl",
        "secret_file": secret_dir / "token.txt",
        "secret_env": SECRET_ENV,
        "grader_pid": os.getpid(),
    }
    hostile = write_hostile(submissions, {key: str(value) for key, value in paths.items()})
    after = write_honest(submissions, HONEST_AFTER, "after")
    ordered = {**honest, **hostile, **after}
    watched = (submissions, source_dir, secret_dir, PACKAGE, Path("/etc/passwd"))
    before_sums = checksums(*watched)
    argv = ["grade", *map(str, ordered.values()), "--json", "--csv", str(paths["csv"])]
    argv += ["--results-log", str(paths["log"]), "--sandbox", "required", "--timeout", str(TIMEOUT)]
    status, stdout = run_cli([*argv, "--source", str(source_dir)])
    results = {name: entry for name, entry in zip(ordered, json.loads(stdout), strict=True)}
    yield {
        "status": status,
        "stdout": stdout,
        "results": results,
        "paths": ordered,
        "outputs": [paths["csv"], paths["log"]],
        "source_dir": source_dir,
        "secrets": [token, env_token],
        "before": before_sums,
        "after": checksums(*watched),
        "processes": sandbox_processes(),
    }
    os.environ.pop(SECRET_ENV, None)


def points(result: dict) -> dict[str, float]:
    """{grade_id: score} of one JSON result."""
    return {item["grade_id"]: item["score"] for item in result["items"]}


def test_the_batch_has_an_attack_per_class_between_honest_submissions(hostile_batch):
    names = list(hostile_batch["results"])
    assert len(ATTACKS) + 2 >= 25
    assert names[:2] == ["all_correct_before", "sum_not_mean_before"]
    assert names[-2:] == ["flipped_sign_after", "missing_local_after"]


@pytest.mark.parametrize(
    "name", [f"{n}_before" for n in HONEST_BEFORE] + [f"{n}_after" for n in HONEST_AFTER]
)
def test_honest_submissions_score_exactly_as_when_graded_alone(hostile_batch, name):
    path = hostile_batch["paths"][name]
    alone = grade_one(
        path,
        source_dir=hostile_batch["source_dir"],
        options=GradeOptions(timeout=TIMEOUT, sandbox="required"),
    )
    assert hostile_batch["results"][name] == asdict(alone)
    assert points(hostile_batch["results"][name]) == SUBMISSIONS[name.rsplit("_", 1)[0]][1]


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_submission_scores_what_its_own_functions_earned(hostile_batch, name):
    result = hostile_batch["results"][name]
    earned = ATTACKS[name][1]
    assert result["error"] is None
    assert result["max_score"] == 4.0
    assert points(result) == earned  # never more (and the attack did not cost it its own points)


def test_forged_metadata_earns_nothing_and_adds_no_item(hostile_batch):
    result = hostile_batch["results"]["forged_metadata"]
    assert [item["grade_id"] for item in result["items"]] == ["ex1_tests", "ex2_tests", "ex3_tests"]
    assert result["score"] == 0.0 and result["max_score"] == 4.0


def test_five_thousand_cells_get_a_reason(hostile_batch):
    result = hostile_batch["results"]["five_thousand_cells"]
    assert "too many code cells (5" in result["error"]
    assert result["score"] == 0.0


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("sigstop_freeze", "did not stop (it ignored the interrupt, or the kernel froze)"),
        ("fork_bomb", "4 s limit"),
        ("huge_answer", "too large to grade"),
    ],
)
def test_the_submission_that_broke_its_kernel_gets_a_reason(hostile_batch, name, fragment):
    feedback = "\n".join(item["feedback"] for item in hostile_batch["results"][name]["items"])
    assert fragment in feedback


def test_no_secret_and_no_hidden_test_reaches_the_report(hostile_batch):
    reports = [hostile_batch["stdout"]] + [path.read_text() for path in hostile_batch["outputs"]]
    for text in reports:
        for secret in hostile_batch["secrets"] + HIDDEN_MARKERS:
            assert secret not in text


def test_exfiltration_attempts_only_saw_the_sandbox(hostile_batch):
    feedback = {
        name: "\n".join(item["feedback"] for item in hostile_batch["results"][name]["items"])
        for name in ("read_instructor_source", "read_system_secrets", "read_other_submissions")
    }
    assert "FileNotFoundError" in feedback["read_instructor_source"]
    assert "FileNotFoundError" in feedback["read_system_secrets"]
    assert "no env secret" in feedback["read_system_secrets"]


def test_no_file_outside_the_grader_output_changed(hostile_batch):
    assert hostile_batch["after"] == hostile_batch["before"]


def test_no_process_outlives_the_batch(hostile_batch):
    assert hostile_batch["processes"] == []


def test_every_submission_has_its_line_in_the_results_log(hostile_batch):
    lines = hostile_batch["outputs"][1].read_text().splitlines()
    logged = {entry["result"]["submission"]: entry["result"] for entry in map(json.loads, lines)}
    assert len(lines) == len(logged)  # one line each (in the order they finished)
    assert logged == {result["submission"]: result for result in hostile_batch["results"].values()}
