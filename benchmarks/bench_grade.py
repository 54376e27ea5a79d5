"""Cost of `bpwidgets grade` against plain nbgrader on the same submissions, in the same run.

Baseline: nbgrader's own command line in a fresh course folder (`nbgrader generate_assignment`
then `nbgrader autograde`), the steps an instructor would otherwise type. Against it:
`bpwidgets grade --json` as a user runs it (a fresh process), and `grade_submissions` called
again in a warm process (nbgrader imported, empty gradebook cached), which is what a second
batch in the same session costs. All grade the sample lesson's correct solution N times.

Run: ``python benchmarks/bench_grade.py`` (about 30-60 seconds; one kernel per submission).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO / "tests" / "grading" / "fixtures" / "notebooks" / "source"
LESSON = "01_sample"
N_SUBMISSIONS = 4


def make_submissions(folder: Path) -> list[Path]:
    """Write N copies of the lesson's instructor source as submissions; return their paths."""
    paths = []
    for index in range(N_SUBMISSIONS):
        path = folder / f"student{index}" / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True)
        shutil.copyfile(SOURCE_DIR / f"{LESSON}.ipynb", path)
        paths.append(path)
    return paths


def time_nbgrader_cli(submissions: list[Path], folder: Path) -> tuple[float, list[float]]:
    """Seconds for nbgrader generate_assignment + autograde; return the scores too."""
    root = folder / "course"
    (root / "source" / LESSON).mkdir(parents=True)
    shutil.copyfile(SOURCE_DIR / f"{LESSON}.ipynb", root / "source" / LESSON / f"{LESSON}.ipynb")
    for index, path in enumerate(submissions):
        target = root / "submitted" / f"student{index}" / LESSON / f"{LESSON}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
    (root / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'bench'\n")
    start = time.perf_counter()
    for step in (["generate_assignment", LESSON], ["autograde", LESSON]):
        subprocess.run([sys.executable, "-m", "nbgrader", *step], cwd=root, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "bench") as gradebook:
        scores = [gradebook.find_submission(LESSON, f"student{i}").score for i in range(len(submissions))]
    return seconds, scores


def time_bpwidgets_cli(submissions: list[Path]) -> tuple[float, list[float]]:
    """Seconds for `bpwidgets grade --json` in a fresh process; return the scores too."""
    command = [sys.executable, "-m", "bpwidgets", "grade", *map(str, submissions)]
    start = time.perf_counter()
    done = subprocess.run(
        command + ["--json", "--source", str(SOURCE_DIR)], check=True, capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    return seconds, [entry["score"] for entry in json.loads(done.stdout)]


def time_warm_api(submissions: list[Path]) -> tuple[float, list[float]]:
    """Seconds for a second grade_submissions call in this (already warm) process."""
    from bpwidgets.grading.autograde import grade_submissions

    grade_submissions(submissions[:1], SOURCE_DIR)  # warm up: imports, cached empty gradebook
    start = time.perf_counter()
    results = grade_submissions(submissions, SOURCE_DIR)
    return time.perf_counter() - start, [result.score for result in results]


def main() -> None:
    """Print the table: total and per-submission seconds, ratio against nbgrader's CLI."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        submissions = make_submissions(folder)
        rows = [
            ("nbgrader CLI (baseline)", *time_nbgrader_cli(submissions, folder)),
            ("bpwidgets grade (fresh process)", *time_bpwidgets_cli(submissions)),
            ("grade_submissions (warm process)", *time_warm_api(submissions)),
        ]
    baseline = rows[0][1]
    print(f"{N_SUBMISSIONS} submissions of {LESSON} (4 points each), one kernel per submission\n")
    print(f"{'run':<34} {'seconds':>8} {'per sub.':>9} {'ratio':>6}  scores")
    for name, seconds, scores in rows:
        per = seconds / N_SUBMISSIONS
        print(f"{name:<34} {seconds:8.2f} {per:9.2f} {seconds / baseline:6.2f}  {scores}")


if __name__ == "__main__":
    main()
