"""``bpwidgets grade``: grade submissions in sandboxes, deciding every check where no student code runs.

Each submission gets its own executor in its own sandbox (bpwidgets.grading.sandbox), fed its
code cells in order; its test cells and locked cells come from the instructor source by
``grade_id`` (whatever the submission holds there), with each check's expected value and
options withheld, so the kernel only records the student's answers. The grader then re-runs
each test cell of the source here, where no student code ever ran, with the real expected
values and the recorded answers, and scores points × passed / total checks
(bpwidgets.grading.trusted_lesson). One bad submission never stops the others; with a results
log each result is written (and fsynced) as soon as it exists, and ``--resume`` reuses them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bpwidgets.grading import nbgrader_setup, parallel_command
from bpwidgets.grading.course import DEFAULT_SOURCE, add_source_argument, source_is_folder
from bpwidgets.grading.report import ItemResult, SubmissionResult

DEFAULT_TIMEOUT = 30


class SubmissionError(Exception):
    """A submission cannot be graded; the message is the reason shown to the instructor."""


def read_notebook(path: Path) -> dict:
    """Return the submission as an nbformat v4 notebook, or raise SubmissionError saying why not."""
    import nbformat

    if not path.is_file():
        raise SubmissionError(f"no such file: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SubmissionError(f"not a notebook: cannot read it as UTF-8 text ({error})") from None
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"not a notebook: invalid JSON ({error})") from None
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises many kinds for malformed notebooks
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise SubmissionError(f"not a notebook: {reason}") from None
    return notebook


def find_lesson(notebook: dict, path: Path, source_dir: Path) -> str:
    """Return the submission's lesson id: from release's metadata, else from the file name."""
    from bpwidgets.grading.course import check_lesson_id
    from bpwidgets.grading.normalize import lesson_of

    available = sorted(p.stem for p in source_dir.glob("*.ipynb"))
    declared = lesson_of(notebook)
    if declared is not None:
        try:
            check_lesson_id(declared)
        except ValueError as error:
            raise SubmissionError(str(error)) from None
        if declared in available:
            return declared
    if path.stem in available:
        return path.stem
    # a renamed download such as "alice-01_sample (1).ipynb": the longest lesson id in its name
    contained = [lesson for lesson in available if lesson in path.stem]
    if contained:
        return max(contained, key=len)
    looked_for = declared or path.stem
    raise SubmissionError(
        f"no lesson source for {looked_for!r} in {source_dir} (lessons there: "
        f"{', '.join(available) or 'none'})"
    )


def _progress(message: str) -> None:
    """Print a progress line to stderr (stdout stays clean for --json)."""
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class GradeOptions:
    """How to grade one submission: limits and sandbox policy (plain data, picklable)."""

    timeout: int = DEFAULT_TIMEOUT  # s per cell (wall)
    submission_timeout: int = 900  # s per submission (wall, whole sandbox)
    sandbox: str = "auto"  # "auto" | "required" | "off"
    memory_mb: int = 2048  # address space of the executor
    max_processes: int = 256  # processes and threads of the sandbox's uid
    max_file_mb: int = 256  # largest file written, and the scratch folder's size

    def executor_settings(self, sandboxed: bool) -> dict:
        """The limits the executor applies to itself before any student code."""
        from bpwidgets.grading.sandbox import sandbox_uid

        return {
            "memory_mb": self.memory_mb,
            "max_processes": self.max_processes if sandboxed else None,
            "max_file_mb": self.max_file_mb,
            "cpu_seconds": self.submission_timeout,
            "uid": sandbox_uid() if sandboxed else None,
        }



DEFAULT_OPTIONS = GradeOptions()  # frozen: safe to share as a default

MISSING_CELL = "this test cell is missing from the submission (deleted?); it scores 0"
MAX_SUBMISSION_BYTES = 50 * 1024 * 1024
MAX_CODE_CELLS = 2000


def _result(path: Path, lesson: str | None, items=(), error: str | None = None) -> SubmissionResult:
    """Build a SubmissionResult, totalling the item scores."""
    items = list(items)
    return SubmissionResult(
        submission=str(path),
        lesson=lesson,
        score=float(sum(item.score for item in items)),
        max_score=float(sum(item.max_score for item in items)),
        items=items,
        error=error,
    )


def _run_plan(notebook, lesson) -> tuple[list[tuple[str, str | None]], set[str]]:
    """The code cells to run as (code, test grade_id or None), and the test grade_ids present.

    Test and locked cells are taken from the instructor source by grade_id (first occurrence
    only); whatever the submission claims in its metadata otherwise, a cell is student code.
    """
    plan, used = [], set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if isinstance(grade_id, str) and grade_id not in used and grade_id in lesson.tests:
            used.add(grade_id)
            plan.append((lesson.tests[grade_id].kernel_code, grade_id))
        elif isinstance(grade_id, str) and grade_id not in used and grade_id in lesson.locked:
            used.add(grade_id)
            plan.append((lesson.locked[grade_id], None))
        else:
            plan.append((cell.source, None))
    return plan, used & set(lesson.tests)


def _missing_reason(status: str, error: str | None, timeout: float) -> str:
    """Why a check of a test cell has no recorded answer, from how the cell ended."""
    if status == "timeout":
        return f"the cell did not finish within the {timeout:g} s limit — an infinite loop or a very slow computation?"
    if status == "error":
        return f"the test cell stopped before this check ({error})"
    return "no answer was recorded for this check"


def _execute(
    plan, options: GradeOptions, source_dir: Path, sandboxed: bool
) -> dict[str, tuple[list, str]]:
    """Run the planned cells in one executor; return {test grade_id: (records, missing reason)}."""
    from bpwidgets.grading.sandbox_session import ExecutorSession, SessionOver

    # sandboxed, the scratch folder is the sandbox's own tmpfs: nothing of it ever reaches the disk
    scratch_dir = (
        contextlib.nullcontext()
        if sandboxed
        else tempfile.TemporaryDirectory(prefix="bpwidgets-grade-")
    )
    with scratch_dir as scratch:
        try:
            session = ExecutorSession(
                sandboxed=sandboxed,
                source_dir=source_dir,
                scratch=Path(scratch) if scratch else None,
                settings=options.executor_settings(sandboxed),
                timeout=options.timeout,
                deadline=time.monotonic() + options.submission_timeout,
            )
        except SessionOver as over:
            return {grade_id: ([], f"not run: {over}") for _, grade_id in plan if grade_id}
        with session:
            return _run_cells(session, plan, options.timeout)


def _run_cells(session, plan, timeout: float) -> dict[str, tuple[list, str]]:
    """Send the cells one by one; once the session is over, the rest are 'not run: <why>'."""
    from bpwidgets.grading.sandbox_session import SessionOver

    outcomes: dict[str, tuple[list, str]] = {}
    stopped = None
    for index, (code, grade_id) in enumerate(plan):
        if stopped is not None:
            if grade_id is not None:
                outcomes[grade_id] = ([], stopped)
            continue
        try:
            reply = session.run(code, test=grade_id is not None)
        except SessionOver as over:
            stopped = f"not run: {over} (in code cell {index + 1})"
            if grade_id is not None:
                outcomes[grade_id] = ([], str(over))
            continue
        if grade_id is not None:
            outcomes[grade_id] = (
                reply.records,
                _missing_reason(reply.status, reply.error, timeout),
            )
    return outcomes


def grade_one(
    submission: Path, *, source_dir: Path, options: GradeOptions = DEFAULT_OPTIONS
) -> SubmissionResult:
    """Grade one submission end to end in its own sandbox; never raises for a bad submission.

    Raises SandboxUnavailable only when ``options.sandbox == "required"`` and bwrap cannot run.
    """
    from bpwidgets.grading.sandbox import use_sandbox

    sandboxed = use_sandbox(options.sandbox)
    submission = Path(submission)
    lesson_id = None
    try:
        if submission.is_file() and submission.stat().st_size > MAX_SUBMISSION_BYTES:
            raise SubmissionError(f"the file is larger than {MAX_SUBMISSION_BYTES // 2**20} MB")
        notebook = read_notebook(submission)
        lesson_id = find_lesson(notebook, submission, source_dir)
        return _grade_notebook(submission, notebook, lesson_id, source_dir, options, sandboxed)
    except SubmissionError as error:
        return _result(submission, lesson_id, error=str(error))
    except Exception as error:  # a grading failure must never stop the batch
        return _result(
            submission, lesson_id, error=f"grading failed: {type(error).__name__}: {error}"
        )


def _grade_notebook(path, notebook, lesson_id, source_dir, options, sandboxed) -> SubmissionResult:
    """Run a parsed submission and decide each of its lesson's test cells."""
    from bpwidgets.grading.trusted_lesson import decide, load_lesson

    source = Path(source_dir) / f"{lesson_id}.ipynb"
    try:
        lesson = load_lesson(source)
    except Exception as error:
        raise SubmissionError(f"lesson source {source} could not be read: {error}") from None
    plan, present = _run_plan(notebook, lesson)
    if len(plan) > MAX_CODE_CELLS:
        raise SubmissionError(f"too many code cells ({len(plan)}; the limit is {MAX_CODE_CELLS})")
    outcomes = _execute(plan, options, Path(source_dir), sandboxed)
    items = []
    for grade_id, cell in lesson.tests.items():
        if grade_id not in present:
            items.append(ItemResult(grade_id, 0.0, cell.points, MISSING_CELL))
            continue
        records, reason = outcomes.get(grade_id, ([], "not run"))
        decision = decide(cell, records, reason)
        items.append(ItemResult(grade_id, decision.score, cell.points, decision.feedback))
    return _result(path, lesson_id, items)


def grade_submissions(
    paths: list[Path], source_dir: Path = DEFAULT_SOURCE, options: GradeOptions = DEFAULT_OPTIONS
) -> list[SubmissionResult]:
    """Grade each submission in turn in this process (the CLI's batches: parallel_command)."""
    results = []
    for number, path in enumerate(paths, start=1):
        started = time.perf_counter()
        results.append(grade_one(path, source_dir=source_dir, options=options))
        _progress(
            f"[{number}/{len(paths)}] {path} ({results[-1].lesson or '?'}): "
            f"{_outcome(results[-1])} in {time.perf_counter() - started:.1f} s"
        )
    return results


def _outcome(result: SubmissionResult) -> str:
    """Return '3/4' for a graded submission, else 'not graded'."""
    return f"{result.score:g}/{result.max_score:g}" if result.graded else "not graded"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``bpwidgets grade``."""
    from bpwidgets.cli_errors import positive_int
    from bpwidgets.grading.sandbox import SANDBOX_MODES

    parser.epilog = (
        "exit status: 0 when every submission was graded (whatever its score), "
        "1 when any could not be, 2 for usage errors or when --sandbox required cannot sandbox"
    )
    parser.add_argument(
        "submissions",
        nargs="*",
        type=Path,
        metavar="SUBMISSION.ipynb",
        help="notebooks to grade, or folders holding them (read only: graded as copies)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON list, one object per submission"
    )
    parser.add_argument(
        "--csv", type=Path, metavar="FILE", help="also write one row per submission × item"
    )
    parser.add_argument(
        "--timeout",
        type=positive_int,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit per cell (default: {DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "--sandbox",
        choices=SANDBOX_MODES,
        default=os.environ.get("BPWIDGETS_SANDBOX", "auto"),
        help="run each submission in a bubblewrap sandbox: auto (if bwrap works, else warn), "
        "required (exit 2 if it cannot), off (default: $BPWIDGETS_SANDBOX, else auto)",
    )
    parser.add_argument(
        "--results-log",
        type=Path,
        metavar="FILE",
        help="JSON-lines log, one line per graded submission, written as each finishes "
        "(default: FILE.jsonl beside --csv FILE)",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="reuse the results already in the results log (unchanged files only)",
    )
    add_source_argument(parser)
    parallel_command.add_arguments(parser)


def results_log_for(args: argparse.Namespace):
    """The ResultsLog of a run: --results-log, else FILE.jsonl beside --csv FILE, else None."""
    from bpwidgets.grading.results_log import ResultsLog

    path = args.results_log
    if path is None and args.csv is not None:
        path = args.csv.with_suffix(".jsonl")
    return ResultsLog(path, resume=args.resume) if path is not None else None


def run(args: argparse.Namespace) -> int:
    """Grade the submissions and print the report; 0 if all were graded, 1 if not, 2 on misuse."""
    from bpwidgets.cli_errors import UsageError, check_writable_file, notebooks_in, report
    from bpwidgets.grading.report import to_json, to_table
    from bpwidgets.grading.sandbox import SandboxUnavailable, use_sandbox

    problem = parallel_command.usage_error(args)
    if problem is None and args.resume and args.results_log is None and args.csv is None:
        problem = "--resume reads the results log: give --results-log FILE (or --csv FILE)"
    if problem is not None:
        print(f"bpwidgets grade: error: {problem}", file=sys.stderr)
        return 2
    if args.course is None and not source_is_folder("grade", args.source):
        return 2
    try:  # before any grading: folders become their notebooks, --csv must be writable
        args.submissions = notebooks_in("SUBMISSION", args.submissions)
        if args.csv is not None:
            check_writable_file("--csv", args.csv)
    except UsageError as error:
        return report("grade", error)
    if not nbgrader_setup.ready("grade"):
        return 2
    try:
        use_sandbox(args.sandbox)
    except SandboxUnavailable as error:
        print(f"bpwidgets grade: error: {error}", file=sys.stderr)
        return 2
    try:
        results = parallel_command.grade_requested(args)
    except parallel_command.BatchError as error:
        print(f"bpwidgets grade: error: {error}", file=sys.stderr)
        return 2
    print(to_json(results) if args.json else to_table(results))
    if args.csv is not None:
        parallel_command.write_csv(results, args)
    return 0 if all(result.graded for result in results) else 1
