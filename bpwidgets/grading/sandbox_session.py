"""Drive one executor from the grader: send cells, wait for replies under a deadline, kill at the end.

The grader never blocks on the executor: every reply is awaited with ``select`` under the
cell's limit (plus a grace period for the executor's own alarm) and the submission's overall
limit; a reply that is late, too long or not JSON ends the session (a frozen, stuck or
flooding executor looks just like that). Ending a session kills the executor's whole process
tree (its PID namespace when sandboxed, its process group otherwise).
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from bpwidgets.grading.sandbox import start_executor

GRACE_SECONDS = 3.0  # beyond the cell limit, for the executor's own alarm to report a timeout
START_SECONDS = 60.0  # limit for the executor to start (imports)
MAX_REPLY_BYTES = 64 * 1024 * 1024


class SessionOver(Exception):
    """The executor can take no more cells; the message is why (for the student)."""


@dataclass
class CellReply:
    """What the executor said about one cell."""

    status: str  # "ok", "error" or "timeout"
    error: str | None = None
    records: list = field(default_factory=list)


class ExecutorSession:
    """One executor process for one submission (a context manager that always kills it)."""

    def __init__(
        self,
        *,
        sandboxed: bool,
        source_dir,
        scratch,
        settings: dict,
        timeout: float,
        deadline: float,
    ):
        self.timeout = timeout
        self.deadline = deadline
        self._buffer = b""
        self._process = start_executor(
            sandboxed=sandboxed,
            source_dir=source_dir,
            scratch_mb=settings["max_file_mb"],
            scratch=scratch,
        )
        self._send({**settings, "timeout": timeout})
        reply = self._receive(min(START_SECONDS, self._left()), what="start")
        if reply.get("ready") is not True:
            raise SessionOver("the executor did not start")
        # sandboxed: bwrap -> the namespace's init -> the executor (only child before any cell)
        self._init = _children(self._process.pid)[:1] if sandboxed else []
        self._executor = _children(self._init[0])[:1] if self._init else []

    def __enter__(self) -> ExecutorSession:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _left(self) -> float:
        """Seconds left for the whole submission."""
        return self.deadline - time.monotonic()

    def _send(self, message: dict) -> None:
        """Write one request line without ever blocking past the submission's deadline.

        The executor reads only between cells; one that stopped reading (a forged reply, then a
        freeze) must not hang the grader on a full pipe.
        """
        data = json.dumps(message).encode("utf-8") + b"\n"
        fd = self._process.stdin.fileno()
        os.set_blocking(fd, False)
        while data:
            left = min(self._left(), self.timeout + GRACE_SECONDS)
            if left <= 0 or not select.select([], [fd], [], left)[1]:
                raise SessionOver("the kernel stopped reading its cells (it froze)")
            try:
                data = data[os.write(fd, data[: 1 << 16]) :]
            except BlockingIOError:
                continue
            except OSError:  # a closed pipe: the executor is gone
                raise SessionOver("the kernel died (os._exit, a crash or running out of memory)") from None

    def run(self, code: str, *, test: bool) -> CellReply:
        """Run one cell; return the executor's reply or raise SessionOver saying why it cannot."""
        self._send({"code": code, "test": test})
        wait = self.timeout + GRACE_SECONDS
        if self._left() < wait:
            wait = max(self._left(), 0.0)
            reply = self._receive(wait, what="submission")
        else:
            reply = self._receive(wait, what="cell")
        status = reply.get("status")
        records = reply.get("records")
        if status not in ("ok", "error", "timeout") or not isinstance(records, list):
            raise SessionOver("the kernel sent a malformed reply")
        error = reply.get("error")
        self._sweep()
        return CellReply(status, error if isinstance(error, str) else None, records)

    def _sweep(self) -> None:
        """Kill every process the cell left behind in the sandbox (all but its init and the executor).

        Orphans are adopted by the sandbox's init, so they are its children or the executor's
        descendants; a fork bomb that outlives its cell is gone before the next cell runs.
        """
        if not self._init or not self._executor:
            return
        for _ in range(10):
            strays = [pid for pid in _children(self._init[0]) if pid != self._executor[0]]
            strays += _children(self._executor[0])
            if not strays:
                return
            for pid in strays:
                for victim in [pid, *_descendants(pid)]:
                    try:
                        os.kill(victim, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass

    def _receive(self, seconds: float, *, what: str) -> dict:
        """Read one reply line within ``seconds``; raise SessionOver on silence, EOF or garbage."""
        end = time.monotonic() + seconds
        stdout = self._process.stdout
        while b"\n" not in self._buffer:
            left = end - time.monotonic()
            if left <= 0 or not select.select([stdout], [], [], left)[0]:
                raise SessionOver(self._silence_reason(what))
            chunk = os.read(stdout.fileno(), 1 << 20)
            if not chunk:
                raise SessionOver("the kernel died (os._exit, a crash or running out of memory)")
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise SessionOver("the kernel sent more data than any answer needs")
        line, self._buffer = self._buffer.split(b"\n", 1)
        try:
            reply = json.loads(line)
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise SessionOver("the kernel sent a malformed reply") from None
        if not isinstance(reply, dict):
            raise SessionOver("the kernel sent a malformed reply")
        return reply

    def _silence_reason(self, what: str) -> str:
        """Why no reply came in time."""
        if what == "submission":
            return "the submission ran out of its total time limit"
        if what == "start":
            return "the kernel did not start in time"
        return (
            f"the cell was still running after the {self.timeout:g} s limit and did not stop "
            "(it ignored the interrupt, or the kernel froze)"
        )

    def close(self) -> None:
        """Kill the executor and everything it started; wait for it."""
        process = self._process
        for stream in (process.stdin, process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        # the sandbox's init first (bwrap reaps it and exits: no zombie left), then the rest
        for pid in _children(process.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            process.kill()
        try:
            os.killpg(process.pid, signal.SIGKILL)  # unsandboxed: the executor's process group
        except (ProcessLookupError, PermissionError):
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children first)."""
    found, queue = [], _children(pid)
    while queue:
        child = queue.pop()
        found.append(child)
        queue.extend(_children(child))
    return found


def _children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc), [] when it is gone."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]
