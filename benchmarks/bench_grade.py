"""Throughput of `bpwidgets grade` against nbgrader's own `nbgrader autograde`, in the same run.

Twenty-four submissions of lesson 02 (the instructor solution handed in 24 times: every cell
runs, every check passes), graded by four contenders, each timed in its own block:

- `nbgrader autograde` (the anchor): a course folder made by `nbgrader generate_assignment`
  (untimed), then the autograde command line as an instructor types it;
- `bpwidgets grade --jobs 1`, `--jobs 2` (fresh processes, as a user runs them);
- `bpwidgets grade --scheduler` on a local Dask cluster of two single-threaded workers
  (started untimed before, torn down after).

Printed: seconds, submissions per minute, submissions per minute per core, ratios, whether the
issue's targets are met (--jobs 1 >= 1.5x nbgrader, --jobs 2 >= 1.6x --jobs 1), the scores
each contender gave (they must agree) and the machine's load.

Run: ``python benchmarks/bench_grade.py [N_SUBMISSIONS]`` (several minutes; one kernel each).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bpwidgets.grading.course import DEFAULT_SOURCE

REPO = Path(__file__).resolve().parent.parent
SOURCE_DIR = REPO / DEFAULT_SOURCE  # an absolute DEFAULT_SOURCE stays as it is
LESSON = "02_backprop_by_hand"
N_SUBMISSIONS = 24
BIN = Path(sys.executable).parent


def environment(folder: Path) -> dict:
    """Environment of every command: this venv's bin first, a private Jupyter config."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(folder / "jupyter-config")}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    return env


def make_submissions(folder: Path, count: int) -> list[Path]:
    """Hand the lesson's solution in ``count`` times, one student folder each."""
    paths = []
    for index in range(count):
        path = folder / "hand-in" / f"student{index:02d}" / f"{LESSON}.ipynb"
        path.parent.mkdir(parents=True)
        shutil.copyfile(SOURCE_DIR / f"{LESSON}.ipynb", path)
        paths.append(path)
    return paths


def time_nbgrader(submissions: list[Path], folder: Path) -> tuple[float, list[float]]:
    """Seconds of `nbgrader autograde` on a generated course; the scores from its gradebook."""
    root = folder / "nbgrader-course"
    (root / "source" / LESSON).mkdir(parents=True)
    shutil.copyfile(SOURCE_DIR / f"{LESSON}.ipynb", root / "source" / LESSON / f"{LESSON}.ipynb")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\nc.CourseDirectory.course_id = 'bench'\n"
    )
    for path in submissions:
        target = root / "submitted" / path.parent.name / LESSON / f"{LESSON}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(path, target)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    run = dict(cwd=root, env=environment(folder), check=True, capture_output=True)
    subprocess.run(nbgrader + ["generate_assignment", LESSON], **run)
    start = time.perf_counter()
    subprocess.run(nbgrader + ["autograde", LESSON], **run)
    seconds = time.perf_counter() - start
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "bench") as gradebook:
        students = [path.parent.name for path in submissions]
        scores = [gradebook.find_submission(LESSON, student).score for student in students]
    return seconds, scores


def time_bpwidgets(
    submissions: list[Path], folder: Path, *options: str
) -> tuple[float, list[float]]:
    """Seconds of `bpwidgets grade --json OPTIONS` in a fresh process; its scores."""
    command = [sys.executable, "-m", "bpwidgets", "grade", *map(str, submissions), "--json"]
    command += ["--source", str(SOURCE_DIR), *options]
    start = time.perf_counter()
    done = subprocess.run(command, env=environment(folder), capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"bpwidgets grade {' '.join(options)} failed:\n{done.stderr[-2000:]}")
    return seconds, [entry["score"] for entry in json.loads(done.stdout)]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def local_cluster(folder: Path, workers: int = 2):
    """A `dask scheduler` and ``workers`` single-threaded `dask worker`s; yields the address."""
    from distributed import Client

    address = f"tcp://127.0.0.1:{free_port()}"
    env = environment(folder)
    dask = [str(BIN / "dask")]
    quiet = dict(
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    port = address.rsplit(":", 1)[1]
    scheduler = ["scheduler", "--host", "127.0.0.1", "--port", port, "--dashboard-address", ":0"]
    processes = [subprocess.Popen(dask + scheduler, **quiet)]
    try:
        for _ in range(workers):
            worker = ["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]
            processes.append(subprocess.Popen(dask + worker, **quiet))
        with Client(address, timeout="120s", set_as_default=False) as client:
            client.wait_for_workers(workers, timeout=300)
        yield address
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and CPU count."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def main() -> None:
    """Time the four contenders and print the table, ratios and targets."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else N_SUBMISSIONS
    print(f"before: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        folder = Path(tmp)
        submissions = make_submissions(folder, count)
        rows = [("nbgrader autograde (anchor)", 1, *time_nbgrader(submissions, folder))]
        rows.append(
            ("bpwidgets grade --jobs 1", 1, *time_bpwidgets(submissions, folder, "--jobs", "1"))
        )
        rows.append(
            ("bpwidgets grade --jobs 2", 2, *time_bpwidgets(submissions, folder, "--jobs", "2"))
        )
        with local_cluster(folder) as address:
            cluster = time_bpwidgets(submissions, folder, "--scheduler", address)
        rows.append(("bpwidgets grade --scheduler (2 workers)", 2, *cluster))
    print(f"after:  {load()}\n")
    print(f"{count} submissions of {LESSON} (the solution, every check passing)\n")
    print(
        f"{'contender':<40} {'cores':>5} {'seconds':>8} {'subs/min':>9} {'/min/core':>9} {'vs anchor':>9}  scores"
    )
    anchor = count / rows[0][2]
    rate = {}
    for name, cores, seconds, scores in rows:
        rate[name] = count / seconds
        print(
            f"{name:<40} {cores:>5} {seconds:8.1f} {60 * rate[name]:9.2f} {60 * rate[name] / cores:9.2f} "
            f"{rate[name] / anchor:8.2f}x  {sorted(set(scores))}"
        )
    jobs1 = rate["bpwidgets grade --jobs 1"]
    jobs2 = rate["bpwidgets grade --jobs 2"]
    print(f"\n--jobs 1 / nbgrader: {jobs1 / anchor:.2f}x (target >= 1.5x)")
    print(f"--jobs 2 / --jobs 1: {jobs2 / jobs1:.2f}x (target >= 1.6x)")
    scored = {name: sorted(scores) for name, _, _, scores in rows}
    print("same scores everywhere:", len({tuple(s) for s in scored.values()}) == 1)


if __name__ == "__main__":
    main()
