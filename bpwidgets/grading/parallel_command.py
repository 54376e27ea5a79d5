"""The batch options of ``bpwidgets grade``: how many at once, where, and from which course.

``--jobs N`` grades N submissions at once on this machine; ``--scheduler ADDRESS`` sends them to
a Dask cluster instead; ``--course DIR --assignment NAME`` takes the submissions from an nbgrader
course and writes the grades back into its gradebook; ``--lms canvas|moodle`` gives ``--csv`` the
layout of that system's gradebook import. Grading one submission is ``grade_alone``; where it
runs, and the progress line on stderr, are decided here.
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from bpwidgets.grading.report import SubmissionResult

LMS_LAYOUTS = ("canvas", "moodle")


def grade_alone(submission: Path, *, source_dir: Path, options: dict) -> SubmissionResult:
    """Grade one submission on its own: C2's ``grade_one`` with options as a plain dict."""
    from bpwidgets.grading.autograde import GradeOptions, grade_one

    return grade_one(Path(submission), source_dir=Path(source_dir), options=GradeOptions(**options))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare --jobs, --scheduler, --course, --assignment and --lms."""
    from bpwidgets.cli_errors import positive_int
    from bpwidgets.grading.parallel import default_jobs

    parser.add_argument(
        "--jobs",
        type=positive_int,
        default=None,
        metavar="N",
        help=f"grade N submissions at once (default: the number of CPUs, {default_jobs()} here)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on a Dask cluster (tcp://host:8786); needs bpwidgets[cluster]",
    )
    parser.add_argument(
        "--course",
        type=Path,
        metavar="DIR",
        help="an nbgrader course: grade its submitted/<student>/NAME/*.ipynb into its gradebook",
    )
    parser.add_argument("--assignment", metavar="NAME", help="the assignment of --course to grade")
    parser.add_argument(
        "--lms",
        choices=LMS_LAYOUTS,
        help="write --csv as that system's gradebook import (a row per student)",
    )


def usage_error(args: argparse.Namespace) -> str | None:
    """Return what is wrong with the combination of batch options, or None."""
    if args.jobs is not None and args.scheduler:
        return "--jobs and --scheduler exclude each other (the cluster decides how many at once)"
    if (args.course is None) != (args.assignment is None):
        return "--course DIR and --assignment NAME go together"
    if args.course is not None and args.submissions:
        return "give either submission files or --course, not both"
    if args.course is None and not args.submissions:
        return "give the submissions to grade, or --course DIR --assignment NAME"
    if args.lms and args.csv is None:
        return f"--lms {args.lms} writes the --csv FILE: give --csv too"
    return None


class BatchError(Exception):
    """The batch cannot start (course, assignment or cluster unusable); the message says why."""


def _run_where_asked(paths, source_dir, options, on_result, args) -> list[SubmissionResult]:
    """Grade ``paths`` on the Dask cluster of --scheduler, else in --jobs local processes."""
    from bpwidgets.grading.parallel import default_jobs, grade_in_processes

    if args.scheduler:
        from bpwidgets.grading.cluster import ClusterError, grade_on_cluster

        try:
            return grade_on_cluster(
                paths, grade_alone, source_dir, options, on_result, address=args.scheduler
            )
        except ClusterError as error:
            raise BatchError(str(error)) from None
    grade = functools.partial(grade_alone, source_dir=source_dir, options=options)
    return grade_in_processes(paths, grade, args.jobs or default_jobs(), on_result)


def grade_batch(
    paths: list[Path], source_dir: Path, args: argparse.Namespace
) -> list[SubmissionResult]:
    """Grade ``paths`` where the options say, showing progress on stderr; results in order.

    With a results log, each result is logged the moment it arrives, and with ``--resume``
    the submissions the log already holds (same path, same content) are not graded again.
    """
    from bpwidgets.grading.autograde import results_log_for
    from bpwidgets.grading.parallel_progress import Progress
    from bpwidgets.grading.results_log import submission_digest

    log = results_log_for(args)
    done = log.finished() if log is not None else {}
    digests = [submission_digest(path) for path in paths]
    results = [done.get((str(path), digest)) for path, digest in zip(paths, digests, strict=True)]
    todo = [index for index, result in enumerate(results) if result is None]
    options = {"timeout": args.timeout, "sandbox": args.sandbox}
    progress = Progress(len(todo), sys.stderr)

    def on_result(position: int, result: SubmissionResult) -> None:
        if log is not None:
            log.append(result, digests[todo[position]])
        progress.update(result)

    try:
        fresh = _run_where_asked(
            [paths[index] for index in todo], source_dir, options, on_result, args
        )
    finally:
        progress.close()
    for index, result in zip(todo, fresh, strict=True):
        results[index] = result
    return results


def grade_requested(args: argparse.Namespace) -> list[SubmissionResult]:
    """Grade the files given, or every submission of --course's assignment (then record it)."""
    if args.course is None:
        return grade_batch(args.submissions, args.source, args)
    from bpwidgets.grading.gradebook import Course, CourseError

    try:
        course = Course(args.course)
        course.check_assignment(args.assignment)
    except CourseError as error:
        raise BatchError(str(error)) from None
    source_dir = course.source_dir(args.assignment)
    results = grade_batch(course.submissions(args.assignment), source_dir, args)
    course.record(args.assignment, results)
    return results


def write_csv(results: list[SubmissionResult], args: argparse.Namespace) -> None:
    """Write --csv: a row per submission × item, or with --lms that system's import layout."""
    from bpwidgets.grading import lms, report

    if not args.lms:
        report.write_csv(results, args.csv)
    elif args.course is None:
        lms.write_lms_csv(lms.sheet_from_results(results), args.lms, args.csv)
    else:
        from bpwidgets.grading.gradebook import Course

        with Course(args.course).gradebook() as gradebook:
            lms.write_lms_csv(lms.sheet_from_gradebook(gradebook), args.lms, args.csv)
