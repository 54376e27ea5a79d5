"""Long panel updates off the kernel's main thread: latest state wins, progress shown.

A panel's update is ``sync_controls`` (main thread, quick: it may change controls) and then
``compute → draw → PNG`` (here, on one worker thread per panel). The main thread hands the work
over and waits at most ``Panel.patience`` seconds for the picture, so a quick update looks
synchronous and a long one never holds the kernel: the worker goes on, the panel's status
line says what it computes ("training step 37 of 100"), and the next control change
supersedes it. Long computations call :func:`checkpoint` between slices of work; there the
worker stops work whose state is no longer the latest (it raises :class:`Superseded`), reports
progress, and may show an intermediate picture (:func:`show_partial`).

Why a thread is safe here: the worker alone touches the figure; it sets only the panel's own
output widgets (image, caption, error and status lines), whose comm messages ipykernel (6 and
later) sends from any thread through its IOPub thread; ``compute`` reads the state the main
thread captured for the job (``panel.state`` inside the worker returns that snapshot), not
controls that may be changing under it. numpy releases the GIL in its array work, and pure
Python work gives it up every few milliseconds, so the kernel keeps answering.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

IDLE_SECONDS = 2.0  # a worker with nothing to do this long ends (a new job starts another)
PROGRESS_EVERY = 0.2  # seconds between two progress reports shown
PARTIAL_EVERY = 0.5  # seconds between two intermediate pictures shown

_local = threading.local()  # the job the current worker thread runs, if any


class Superseded(Exception):  # noqa: N818 - a signal, not an error
    """Raised at a checkpoint when a newer state has replaced the job's."""


class Job:
    """One update: the state it is for, its generation number and what it reports."""

    def __init__(self, generation: int, state: dict):
        self.generation = generation
        self.state = state
        self.started = time.perf_counter()
        self.last_progress = 0.0
        self.last_partial = 0.0


class Worker:
    """Runs the updates of one panel, newest first, on a thread of its own.

    ``render(job)`` computes, draws and publishes the picture for ``job`` (the panel's);
    ``progress(text)`` shows a status line; ``publish_partial(job, data)`` draws intermediate
    data. All three are called on the worker thread.
    """

    def __init__(self, render: Callable, progress: Callable, publish_partial: Callable):
        self._render = render
        self._progress = progress
        self._publish_partial = publish_partial
        self._lock = threading.Condition()
        self._pending: Job | None = None
        self._generation = 0  # of the newest job submitted
        self._finished = 0  # generation of the newest job that ended (picture or error)
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def latest(self) -> int:
        """The generation of the newest job submitted."""
        return self._generation

    def submit(self, state: dict) -> Job:
        """Queue the update for ``state``, replacing any job not yet started."""
        with self._lock:
            self._generation += 1
            self._pending = Job(self._generation, state)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="bpwidgets-panel")
                self._thread.start()
            self._lock.notify_all()
            return self._pending

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the newest job has ended; False if ``timeout`` seconds passed first."""
        if in_worker():
            return self._finished == self._generation
        with self._lock:
            return self._lock.wait_for(lambda: self._finished >= self._generation, timeout)

    def announce(self, text: str) -> None:
        """Show ``text`` in the status line if the newest job is still running."""
        with self._lock:
            if self._finished < self._generation:
                self._progress(text)

    @property
    def busy(self) -> bool:
        """True while the newest job has not ended."""
        return self._finished < self._generation

    def close(self) -> None:
        """Drop pending work; the thread ends after its current job."""
        with self._lock:
            self._closed = True
            self._pending = None
            self._finished = self._generation
            self._lock.notify_all()

    def is_latest(self, job: Job) -> bool:
        """True if no newer job was submitted after ``job``."""
        return job.generation == self._generation and not self._closed

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._lock.wait_for(lambda: self._pending or self._closed, IDLE_SECONDS):
                    if self._thread is threading.current_thread():
                        self._thread = None
                    return
                if self._closed:
                    return
                job, self._pending = self._pending, None
            self._run(job)

    def _run(self, job: Job) -> None:
        _local.job, _local.worker = job, self
        try:
            self._render(job)
        except Superseded:
            pass
        finally:
            _local.job = _local.worker = None
            with self._lock:
                if self.is_latest(job):  # else a newer job is pending and will finish
                    self._finished = job.generation
                    self._progress("")
                self._lock.notify_all()


def in_worker() -> bool:
    """True on a panel worker thread running a job."""
    return getattr(_local, "job", None) is not None


def current_state() -> dict | None:
    """The state snapshot of the job this worker thread runs, or None outside a worker."""
    job = getattr(_local, "job", None)
    return None if job is None else job.state


def checkpoint(what: str, done: int, total: int) -> None:
    """Between slices of long work: stop if superseded, else show "what: done of total".

    Outside a worker (a script computing synchronously) it does nothing.
    """
    job, worker = getattr(_local, "job", None), getattr(_local, "worker", None)
    if job is None:
        return
    if not worker.is_latest(job):
        raise Superseded
    now = time.perf_counter()
    if now - job.last_progress >= PROGRESS_EVERY and now - job.started >= PROGRESS_EVERY:
        job.last_progress = now
        worker._progress(f"computing {what}: {done} of {total}…")


def show_partial(data) -> None:
    """Draw ``data`` as an intermediate picture (at most every PARTIAL_EVERY seconds)."""
    job, worker = getattr(_local, "job", None), getattr(_local, "worker", None)
    if job is None or not worker.is_latest(job):
        return
    now = time.perf_counter()
    if now - job.last_partial >= PARTIAL_EVERY and now - job.started >= PARTIAL_EVERY:
        job.last_partial = now
        worker._publish_partial(job, data)
