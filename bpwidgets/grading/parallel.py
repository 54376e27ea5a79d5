"""``bpwidgets grade --jobs N``: grade N submissions at once, one worker process each.

Grading one submission is a self-contained job (contract C2 of the board): a picklable
``grade(path) -> SubmissionResult`` with its own temporary folder and sandbox. This module only
schedules those jobs: the first in the grader process itself, the others in worker processes
forked after it (so they start with its imports and caches). Results come back in the order of ``paths`` whatever the
order they finish in, so ``--jobs 2`` prints exactly what ``--jobs 1`` prints; ``on_result`` is
called once per submission as soon as its result exists (progress, streaming to the results log).
A worker process that dies breaks its pool: the submissions that pool had not finished are graded
again in a fresh pool, and if that one breaks too, one pool each, so that only a submission that
kills its own lone worker is reported as not graded.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from bpwidgets.grading.report import SubmissionResult

Grader = Callable[[Path], SubmissionResult]
OnResult = Callable[[int, SubmissionResult], None]
PARALLEL_ROUNDS = 2  # pools tried with all jobs before isolating the submissions left
# fork: workers inherit the grader's imports instead of paying them again (seconds each on a
# busy machine). Safe here: the grader runs no threads of its own, and for "fork"
# ProcessPoolExecutor starts all its workers before its own management thread.
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
DIED = "the grading process died while grading it (the submission ended its own worker process)"


def default_jobs() -> int:
    """Return the number of CPUs this process may run on (the default of ``--jobs``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def failed(path: Path, reason: str) -> SubmissionResult:
    """Return the result of a submission that could not be graded, saying why."""
    return SubmissionResult(
        submission=str(path), lesson=None, score=0.0, max_score=0.0, items=[], error=reason
    )


def grade_safely(grade: Grader, path: Path) -> SubmissionResult:
    """Run ``grade(path)``; an exception becomes the submission's error, never the batch's."""
    try:
        return grade(path)
    except Exception as error:  # one submission's failure must not stop the others
        return failed(path, f"grading failed: {type(error).__name__}: {error}")


def grade_in_processes(
    paths: Sequence[Path], grade: Grader, jobs: int, on_result: OnResult | None = None
) -> list[SubmissionResult]:
    """Grade every path with ``jobs`` worker processes; return the results in input order."""
    if jobs < 1:
        raise ValueError(f"jobs must be a whole number >= 1; got {jobs!r}")
    report = on_result or (lambda index, result: None)
    results: list[SubmissionResult | None] = [None] * len(paths)
    if jobs == 1 or len(paths) <= 1:
        for index, path in enumerate(paths):
            results[index] = grade_safely(grade, path)
            report(index, results[index])
        return results
    # the first one is graded here: the workers, forked after it, inherit its imports and caches
    # instead of each paying them at once (no time is lost: the pool would wait for them anyway)
    results[0] = grade_safely(grade, paths[0])
    report(0, results[0])
    pending, rounds = list(range(1, len(paths))), 0
    while pending:
        if rounds < PARALLEL_ROUNDS:
            pending = _run_pool(paths, pending, grade, jobs, results, report)
        else:  # pools keep breaking: find the culprit, one submission per pool
            for index in pending:
                if _run_pool(paths, [index], grade, 1, results, report):
                    results[index] = failed(paths[index], DIED)
                    report(index, results[index])
            pending = []
        rounds += 1
    return results


def _run_pool(paths, indices, grade, jobs, results, report) -> list[int]:
    """Grade ``indices`` in one process pool; return those lost to a dying worker process."""
    context = multiprocessing.get_context(START_METHOD)
    lost = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(indices)), mp_context=context) as pool:
        running = {pool.submit(grade_safely, grade, paths[index]): index for index in indices}
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index = running.pop(future)
                try:
                    results[index] = future.result()
                except BrokenProcessPool:
                    lost.append(index)
                    continue
                report(index, results[index])
    return sorted(lost)
