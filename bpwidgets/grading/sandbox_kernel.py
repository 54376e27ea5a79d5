"""The executor that runs one submission's cells inside the sandbox (``python -m`` this module).

It speaks JSON lines: the grader writes one request per line on stdin (first the settings,
then one cell each) and reads one reply per line from the executor's original stdout, which
is set aside before any student code runs (the student's own prints go to /dev/null). Before
the first cell it limits itself (address space, processes, file size, CPU seconds), gives up
root if it has it, and switches the checks to record mode. Solution and other cells run
through IPython (magics work); test cells run with their expected values already removed by
the grader, and each check records the student's answer. Nothing here is trusted once the
first student cell has run: the grader treats every reply as a claim about answers only.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys

from bpwidgets.grading.trusted_answers import Recorder

_LIMITS = {
    "memory_mb": (resource.RLIMIT_AS, 1024 * 1024),
    "max_processes": (resource.RLIMIT_NPROC, 1),
    "max_file_mb": (resource.RLIMIT_FSIZE, 1024 * 1024),
    "cpu_seconds": (resource.RLIMIT_CPU, 1),
}


class CellTimeout(BaseException):
    """Raised in the running cell when its time is up (not an Exception: `except Exception` misses it)."""


def _on_alarm(signum, frame):
    """SIGALRM handler: stop the running cell."""
    raise CellTimeout


def _limit_self(settings: dict) -> None:
    """Apply the resource limits, then drop root (when the sandbox gave us root)."""
    for key, (limit, unit) in _LIMITS.items():
        if settings.get(key):
            value = int(settings[key]) * unit
            resource.setrlimit(limit, (value, value))
    uid = settings.get("uid")
    if uid and os.getuid() == 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)


def _error_text(error: BaseException | None) -> str | None:
    """'Type: message' of a cell's error, cut short."""
    if error is None:
        return None
    try:
        message = str(error)
    except Exception:
        message = ""
    return f"{type(error).__name__}: {message}"[:300]


def _run_test_cell(shell, code: str, recorder: Recorder) -> tuple[str, str | None]:
    """Run a test cell (not through IPython: no history, no cached source); return its status."""
    recorder.start()
    try:
        exec(compile(code, "<test cell>", "exec"), shell.user_ns)
    except CellTimeout:
        return "timeout", None
    except BaseException as error:  # noqa: BLE001 - any failure ends the cell, not the executor
        return "error", _error_text(error)
    return "ok", None


def _run_cell(shell, code: str) -> tuple[str, str | None]:
    """Run a student or lesson cell through IPython; return its status."""
    try:
        result = shell.run_cell(code, store_history=True)
    except CellTimeout:
        return "timeout", None
    error = result.error_in_exec or result.error_before_exec
    if isinstance(error, CellTimeout):
        return "timeout", None
    return ("error", _error_text(error)) if error is not None else ("ok", None)


def serve(requests, reply) -> None:
    """Answer cell requests until stdin closes."""
    settings = json.loads(requests.readline())
    _limit_self(settings)
    os.environ.setdefault("MPLBACKEND", "Agg")
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance(colors="NoColor")
    recorder = Recorder()
    timeout = float(settings["timeout"])
    signal.signal(signal.SIGALRM, _on_alarm)
    reply({"ready": True})
    with recorder.active():
        for line in requests:
            request = json.loads(line)
            try:
                signal.setitimer(signal.ITIMER_REAL, timeout)
                try:
                    if request.get("test"):
                        status, error = _run_test_cell(shell, request["code"], recorder)
                    else:
                        status, error = _run_cell(shell, request["code"])
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except CellTimeout:  # the alarm may also strike just outside the cell
                status, error = "timeout", None
            records = recorder.stop()
            reply(
                {
                    "status": status,
                    "error": error,
                    "records": records if request.get("test") else [],
                }
            )


def main() -> None:
    """Set the reply channel aside, silence stdout/stderr for student code, then serve."""
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)

    def reply(message: dict) -> None:
        channel.write(json.dumps(message, allow_nan=False) + "\n")
        channel.flush()

    serve(sys.stdin, reply)


if __name__ == "__main__":
    main()
