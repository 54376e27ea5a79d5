"""``bpwidgets grade``: autograde submissions with nbgrader, one temporary course per run.

Each submission is copied (never touched in place) into a temporary nbgrader course as its own
student; its lesson comes from the notebook metadata written by release, else its file name.
nbgrader's autograde restores the test cells (hidden tests included) from the source, runs the
notebook in a fresh kernel with a per-cell timeout in the course folder, and stores points per
``grade_id`` in the gradebook, which is read back with each failing test's message as feedback.
One bad submission never stops the others.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
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


def _items(course, lesson: str, student: str, timeout: int) -> list[ItemResult]:
    """Read points per grade_id from the gradebook and feedback from the autograded notebook."""
    import nbformat

    from bpwidgets.grading.feedback import feedback_by_grade_id, grade_id_order

    executed = nbformat.read(course.autograded(lesson, student), as_version=4)
    feedback = feedback_by_grade_id(executed, timeout)
    order = grade_id_order(nbformat.read(course.path("source", lesson), as_version=4))
    grades = sorted(
        course.grades(lesson, student),
        key=lambda g: order.index(g.grade_id) if g.grade_id in order else len(order),
    )
    return [
        ItemResult(
            grade_id=grade.grade_id,
            score=grade.score,
            max_score=grade.max_score,
            feedback=_item_feedback(grade, feedback),
        )
        for grade in grades
    ]


MISSING_CELL = (
    "this cell is missing from the submission (deleted?); nbgrader left it for manual grading"
)


def _item_feedback(grade, feedback: dict[str, str]) -> str:
    """Return the feedback for one grade: the test's error, or why nbgrader could not score it."""
    if grade.grade_id not in feedback:
        return MISSING_CELL
    if grade.needs_manual_grade:
        return "needs manual grading"
    return feedback[grade.grade_id]


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


def _nbgrader_reason(outcome: dict) -> str:
    """Return the first error line of a failed nbgrader run's log (else of its traceback)."""
    text = outcome.get("log") or outcome.get("error") or ""
    errors = [line for line in text.splitlines() if line.startswith("[ERROR]")]
    lines = errors or [line for line in text.splitlines() if line.strip()]
    return lines[0].removeprefix("[ERROR] ").strip() if lines else "nbgrader autograde failed"


def grade_submissions(
    paths: list[Path], source_dir: Path = DEFAULT_SOURCE, timeout: int = DEFAULT_TIMEOUT
) -> list[SubmissionResult]:
    """Autograde every submission in one temporary nbgrader course; return one result each."""
    from bpwidgets.grading.course import TemporaryCourse

    results: list[SubmissionResult | None] = [None] * len(paths)
    queue = []
    for index, path in enumerate(paths):
        try:
            notebook = read_notebook(path)
            queue.append((index, path, find_lesson(notebook, path, source_dir)))
        except SubmissionError as error:
            results[index] = _result(path, None, error=str(error))
    with TemporaryCourse(timeout=timeout) as course:
        problems: dict[str, str | None] = {}  # lesson -> why its source could not be prepared
        for number, (index, path, lesson) in enumerate(queue, start=1):
            if lesson not in problems:
                problems[lesson] = _generate(course, lesson, source_dir / f"{lesson}.ipynb")
            if problems[lesson] is not None:
                results[index] = _result(path, lesson, error=problems[lesson])
                continue
            started = time.perf_counter()
            results[index] = _grade_safely(course, path, lesson, f"student{index:04d}", timeout)
            _progress(
                f"[{number}/{len(queue)}] {path} ({lesson}): {_outcome(results[index])} "
                f"in {time.perf_counter() - started:.1f} s"
            )
    return results


def _outcome(result: SubmissionResult) -> str:
    """Return '3/4' for a graded submission, else 'not graded'."""
    return f"{result.score:g}/{result.max_score:g}" if result.graded else "not graded"


def _grade_safely(course, path: Path, lesson: str, student: str, timeout: int) -> SubmissionResult:
    """Grade one submission; any failure becomes its error, so the others still get graded."""
    try:
        return _grade_one(course, path, lesson, student, timeout)
    except Exception as error:  # a grading failure must never stop the batch
        return _result(path, lesson, error=f"grading failed: {type(error).__name__}: {error}")


def _generate(course, lesson: str, source: Path) -> str | None:
    """Add and generate one lesson; return None on success, else the reason it failed."""
    try:
        course.add_lesson(lesson, source)
        course.generate(lesson)
    except (OSError, RuntimeError) as error:
        return f"lesson source {source} could not be prepared: {str(error).splitlines()[0]}"
    return None


def _grade_one(course, path: Path, lesson: str, student: str, timeout: int) -> SubmissionResult:
    """Autograde one submission already known to be a notebook of a known lesson."""
    course.submit(lesson, student, path)
    outcome = course.autograde(lesson, student)
    if not outcome.get("success") or not course.autograded(lesson, student).is_file():
        return _result(
            path, lesson, error=f"nbgrader could not grade it: {_nbgrader_reason(outcome)}"
        )
    return _result(path, lesson, _items(course, lesson, student, timeout))


def _positive_int(text: str) -> int:
    """argparse type: a whole number of seconds >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of seconds >= 1; got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``bpwidgets grade``."""
    parser.epilog = (
        "exit status: 0 when every submission was graded (whatever its score), "
        "1 when any could not be, 2 for usage errors"
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
        type=_positive_int,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time limit per cell (default: {DEFAULT_TIMEOUT})",
    )
    add_source_argument(parser)
    parallel_command.add_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Grade the submissions and print the report; 0 if all were graded, 1 if not, 2 on misuse."""
    from bpwidgets.cli_errors import UsageError, check_writable_file, notebooks_in, report
    from bpwidgets.grading.gradebook import CourseError
    from bpwidgets.grading.report import to_json, to_table

    problem = parallel_command.usage_error(args)
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
        results = parallel_command.grade_requested(args)
    except CourseError as error:
        print(f"bpwidgets grade: error: {error}", file=sys.stderr)
        return 2
    print(to_json(results) if args.json else to_table(results))
    if args.csv is not None:
        parallel_command.write_csv(results, args)
    return 0 if all(result.graded for result in results) else 1
