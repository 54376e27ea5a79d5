"""`bpwidgets grade --jobs N` and `--scheduler`: the same report as one at a time.

Twelve mixed submissions of the sample lesson (honest, wrong, hostile) are graded once with
``--jobs 1``, once with ``--jobs 2`` and once on a real local Dask cluster (a `dask scheduler`
and two `dask worker` processes started here, one of them killed mid-batch); all three JSON
reports must be byte-identical. The scheduler and the progress line are also tested alone with
fake graders.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from bpwidgets.cli import main
from bpwidgets.grading import cluster as cluster_module
from bpwidgets.grading.parallel import DIED, grade_in_processes
from bpwidgets.grading.parallel_progress import Progress, clock_text
from bpwidgets.grading.report import SubmissionResult

from .fixtures.submissions import SOURCE_DIR, SUBMISSIONS, write_submissions

TIMEOUT = 5
# every fixture but the slowest (an interrupt-proof loop costs two timeouts)
MIXED = [name for name in SUBMISSIONS if name != "unstoppable_loop"]
RESUMED = 4  # the cluster run grades these first, then resumes the batch from its results log


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """Run the bpwidgets command in-process; return (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def mixed(tmp_path_factory) -> list[Path]:
    """The twelve submissions, written once for the module."""
    paths = write_submissions(tmp_path_factory.mktemp("mixed"))
    assert len(MIXED) == 12
    return [paths[name] for name in MIXED]


def grade_cli(paths: list[Path], *options: str) -> tuple[int, str, str]:
    """Grade ``paths`` with `bpwidgets grade --json` and the given options."""
    argv = ["grade", *map(str, paths), "--json", "--timeout", str(TIMEOUT)]
    return run_cli(argv + ["--source", str(SOURCE_DIR), *options])


@pytest.fixture(scope="module")
def one_at_a_time(mixed):
    """The reference report: --jobs 1."""
    return grade_cli(mixed, "--jobs", "1")


@pytest.fixture(scope="module")
def two_at_once(mixed):
    """The report of --jobs 2."""
    return grade_cli(mixed, "--jobs", "2")


def test_reference_run_grades_every_submission_as_the_fixtures_expect(one_at_a_time, mixed):
    results = json.loads(one_at_a_time[1])
    assert [r["submission"] for r in results] == [str(p) for p in mixed]
    for name, result in zip(MIXED, results, strict=True):
        assert result["error"] is None, name
        expected = SUBMISSIONS[name][1]
        assert {i["grade_id"]: i["score"] for i in result["items"]} == expected, name


def test_two_jobs_give_the_same_json_in_the_same_order(one_at_a_time, two_at_once):
    assert two_at_once[0] == one_at_a_time[0] == 0
    assert two_at_once[1] == one_at_a_time[1]


def test_progress_lines_count_every_submission_on_stderr(two_at_once, mixed):
    lines = [line for line in two_at_once[2].splitlines() if " done, " in line]
    assert len(lines) == len(mixed)
    assert lines[-1].startswith(f"{len(mixed)}/{len(mixed)} done, 0 not graded, ETA 0:00 | ")
    finished = {line.split(" | ")[1].rsplit(":", 1)[0] for line in lines}
    assert finished == {str(p) for p in mixed}


# --- a real local Dask cluster, one worker killed mid-batch ---


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(*argv: str, log: Path) -> subprocess.Popen:
    """Start a `dask` command of this environment in its own process group."""
    dask = Path(sys.executable).parent / "dask"
    with open(log, "w") as handle:
        return subprocess.Popen(
            [str(dask), *argv], stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    """Kill a started command and everything in its process group."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """`dask scheduler` + two single-threaded `dask worker` (w1, w2) on 127.0.0.1, torn down after."""
    from distributed import Client

    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = {
        "scheduler": start(
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            port,
            "--dashboard-address",
            f"127.0.0.1:{free_port()}",
            log=logs / "scheduler.log",
        )
    }
    try:
        for name in ("w1", "w2"):
            processes[name] = start(
                "worker",
                address,
                "--name",
                name,
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                log=logs / f"{name}.log",
            )
        with Client(address, timeout="120s", set_as_default=False) as client:
            client.wait_for_workers(2, timeout=300)
            yield {"address": address, "processes": processes, "client": client}
    finally:
        for process in processes.values():
            stop(process)


@pytest.fixture(scope="module")
def on_cluster(mixed, cluster, tmp_path_factory):
    """Grade the first 4 on the cluster into a results log, then all twelve with --resume,
    killing a busy worker once two of the remaining eight are done."""
    folder = tmp_path_factory.mktemp("cluster-run")
    log, out = folder / "results.jsonl", folder / "report.json"
    command = [sys.executable, "-m", "bpwidgets", "grade", "--json", "--timeout", str(TIMEOUT)]
    command += ["--source", str(SOURCE_DIR), "--scheduler", cluster["address"]]
    command += ["--results-log", str(log)]
    first = subprocess.run(command + list(map(str, mixed[:RESUMED])), capture_output=True)
    assert first.returncode == 0, first.stderr[-2000:]
    progress, killed = [], {}
    with open(out, "w") as stdout:
        grader = subprocess.Popen(
            command + ["--resume", *map(str, mixed)],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in grader.stderr:
            if " done, " not in line:
                continue
            progress.append(line.rstrip("\n"))
            if len(progress) == 2:
                killed = kill_a_busy_worker(cluster)
        grader.wait(timeout=60)
    return {
        "status": grader.returncode,
        "json": out.read_text(),
        "progress": progress,
        "killed": killed,
        "log": [json.loads(line) for line in log.read_text().splitlines()],
    }


def kill_a_busy_worker(cluster) -> dict:
    """SIGKILL the process group of a worker that is grading something; say what it had."""
    client = cluster["client"]
    names = {addr: w["name"] for addr, w in client.scheduler_info()["workers"].items()}
    busy = {names[addr]: keys for addr, keys in client.processing().items() if keys}
    name = "w2" if "w2" in busy else next(iter(busy))
    os.killpg(cluster["processes"][name].pid, signal.SIGKILL)
    cluster["processes"][name].wait(timeout=30)
    return {"name": name, "keys": list(busy[name])}


def test_cluster_gives_the_same_json_as_one_at_a_time(on_cluster, one_at_a_time):
    assert on_cluster["status"] == one_at_a_time[0] == 0
    assert on_cluster["json"].strip() == one_at_a_time[1].strip()


def test_killing_a_worker_mid_batch_loses_nothing_and_grades_nothing_twice(on_cluster, mixed):
    assert on_cluster["killed"]["keys"], "the killed worker was grading something"
    lines = on_cluster["progress"]
    left = [str(p) for p in mixed[RESUMED:]]
    assert len(lines) == len(left)  # one progress line per submission: none reported twice
    finished = [line.split(" | ")[1].rsplit(":", 1)[0] for line in lines]
    assert sorted(finished) == sorted(left)  # --resume: the logged four were not graded again
    assert lines[-1].startswith(f"{len(left)}/{len(left)} done, 0 not graded")


def test_cluster_results_log_has_each_submission_once(on_cluster, mixed):
    logged = [entry["result"]["submission"] for entry in on_cluster["log"]]
    assert sorted(logged) == sorted(str(p) for p in mixed)


def test_unreachable_scheduler_is_one_line_and_exit_two(mixed, capsys, monkeypatch):
    monkeypatch.setattr(cluster_module, "CONNECT_TIMEOUT", "2s")  # the message, not the wait, is tested
    free = f"tcp://127.0.0.1:{free_port()}"
    assert main(["grade", str(mixed[0]), "--scheduler", free, "--source", str(SOURCE_DIR)]) == 2
    assert f"cannot reach the Dask scheduler at {free}" in capsys.readouterr().err


# --- the scheduler alone, with fake graders (fast) ---


def fake_grade(path: Path) -> SubmissionResult:
    """Pretend to grade: the file holds 'seconds to take, points' (or 'die', or 'raise')."""
    text = Path(path).read_text()
    if text == "die":
        os._exit(9)
    if text == "raise":
        raise ValueError("broken grader")
    seconds, points = text.split(",")
    time.sleep(float(seconds))
    return SubmissionResult(str(path), "l", float(points), 4.0)


def fakes(folder: Path, contents: list[str]) -> list[Path]:
    """Write one fake submission per content string."""
    paths = []
    for index, text in enumerate(contents):
        paths.append(folder / f"s{index}")
        paths[-1].write_text(text)
    return paths


def test_results_keep_input_order_when_they_finish_out_of_order(tmp_path):
    paths = fakes(tmp_path, ["0.0,1", "1.0,2", "0.3,3", "0.0,4"])
    finished = []
    results = grade_in_processes(paths, fake_grade, 2, lambda i, r: finished.append(i))
    assert [r.score for r in results] == [1.0, 2.0, 3.0, 4.0]
    assert sorted(finished) == [0, 1, 2, 3] and finished != [0, 1, 2, 3]


def test_a_dying_worker_costs_only_its_own_submission(tmp_path):
    paths = fakes(tmp_path, ["0.2,1", "die", "0.2,3", "raise", "0.0,4"])
    reported = []
    results = grade_in_processes(paths, fake_grade, 2, lambda i, r: reported.append(i))
    assert [r.score for r in results] == [1.0, 0.0, 3.0, 0.0, 4.0]
    assert results[1].error == DIED
    assert results[3].error == "grading failed: ValueError: broken grader"
    assert sorted(reported) == [0, 1, 2, 3, 4]  # each reported exactly once


def test_jobs_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="jobs must be a whole number >= 1; got 0"):
        grade_in_processes(fakes(tmp_path, ["0,1"]), fake_grade, 0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["x.ipynb", "--jobs", "0"], "argument --jobs: expects a whole number >= 1; got '0'"),
        (["x.ipynb", "--jobs", "2", "--scheduler", "tcp://h:1"], "--jobs and --scheduler"),
    ],
)
def test_bad_batch_options_exit_two(argv, message, capsys):
    with contextlib.suppress(SystemExit):
        assert main(["grade", *argv]) == 2
    assert message in capsys.readouterr().err


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def ticking(*times: float):
    """A fake clock returning ``times`` one after another."""
    values = iter(times)
    return lambda: next(values)


def result(score: float, error: str | None = None) -> SubmissionResult:
    """A finished submission worth ``score`` of 4 points."""
    return SubmissionResult("alice.ipynb", "l", score, 4.0, error=error)


def test_plain_progress_is_one_line_per_submission_with_failures_and_eta():
    stream = io.StringIO()
    progress = Progress(4, stream, clock=ticking(0.0, 10.0, 20.0))
    progress.update(result(3.0))
    progress.update(result(0.0, error="not a notebook"))
    progress.close()
    assert stream.getvalue().splitlines() == [
        "1/4 done, 0 not graded, ETA 0:30 | alice.ipynb: 3/4",
        "2/4 done, 1 not graded, ETA 0:20 | alice.ipynb: NOT GRADED",
    ]


def test_terminal_progress_is_a_bar_redrawn_in_place():
    stream = FakeTerminal()
    progress = Progress(2, stream, clock=ticking(0.0, 5.0, 8.0))
    progress.update(result(4.0))
    progress.close()
    text = stream.getvalue()
    assert text.startswith("\r[############............] 1/2 done, 0 not graded, ETA 0:05")
    assert text.endswith("\n1 done in 0:08, 0 not graded\n")


def test_clock_text_shows_minutes_and_hours():
    assert [clock_text(s) for s in (0, 59.6, 61, 3600 + 62)] == ["0:00", "1:00", "1:01", "1:01:02"]


def test_gateway_address_connects_through_dask_gateway(monkeypatch):
    from bpwidgets.grading import cluster as cluster_module

    calls = []

    class FakeGatewayCluster:
        def get_client(self, set_as_default):
            calls.append(("client", set_as_default))
            return "a client"

    class FakeGateway:
        def connect(self, name):
            calls.append(("connect", name))
            return FakeGatewayCluster()

    monkeypatch.setitem(sys.modules, "dask_gateway", types.SimpleNamespace(Gateway=FakeGateway))
    assert cluster_module._client("gateway://traefik-gateway:80/5f8a01") == "a client"
    assert calls == [("connect", "5f8a01"), ("client", False)]
    monkeypatch.setitem(sys.modules, "dask_gateway", None)  # not installed
    with pytest.raises(cluster_module.ClusterError, match="install dask-gateway"):
        cluster_module._client("gateway://traefik-gateway:80/5f8a01")
