"""The progress line of a grading batch on stderr: done/total, failures so far and an ETA.

On a terminal it is one bar redrawn in place (``tqdm``-style); in a log file or a CI job it is one
plain line per finished submission, so nothing is lost to carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from bpwidgets.grading.report import SubmissionResult

BAR_WIDTH = 24


def clock_text(seconds: float) -> str:
    """Return ``seconds`` as ``M:SS`` (or ``H:MM:SS`` from one hour on)."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts finished submissions and shows the batch's progress on ``stream``."""

    def __init__(self, total: int, stream: TextIO | None = None, clock=time.monotonic):
        self.total = total
        self.done = 0
        self.failures = 0
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.started = clock()
        self.bar = bool(getattr(self.stream, "isatty", lambda: False)())

    def eta(self) -> float | None:
        """Seconds left at the pace so far; None before the first submission is done."""
        if self.done == 0:
            return None
        return (self.clock() - self.started) / self.done * (self.total - self.done)

    def status(self) -> str:
        """Return ``7/12 done, 1 not graded, ETA 0:42`` for the batch so far."""
        eta = self.eta()
        left = "ETA ?" if eta is None else f"ETA {clock_text(eta)}"
        return f"{self.done}/{self.total} done, {self.failures} not graded, {left}"

    def update(self, result: SubmissionResult) -> None:
        """Count one finished submission and show the new state."""
        self.done += 1
        self.failures += not result.graded
        if self.bar:
            filled = BAR_WIDTH * self.done // max(self.total, 1)
            bar = "#" * filled + "." * (BAR_WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.status()} ")
        else:
            outcome = f"{result.score:g}/{result.max_score:g}" if result.graded else "NOT GRADED"
            self.stream.write(f"{self.status()} | {result.submission}: {outcome}\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (a terminal only), with the total time taken."""
        if self.bar:
            took = clock_text(self.clock() - self.started)
            self.stream.write(f"\n{self.done} done in {took}, {self.failures} not graded\n")
            self.stream.flush()
