"""``bpwidgets course init DIR``: an nbgrader course folder set up from the bpwidgets lessons.

It writes what ``nbgrader`` needs to take over: ``nbgrader_config.py`` (the course id) and one
``source/<lesson>/<lesson>.ipynb`` per lesson, each lesson an nbgrader assignment. From there on
the course is the instructor's: ``nbgrader generate_assignment``, the formgrader, the exchange,
and ``bpwidgets grade --course DIR --assignment <lesson>`` to grade what was submitted.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from bpwidgets.grading import nbgrader_setup
from bpwidgets.grading.course import add_source_argument, check_lesson_id, source_is_folder

CONFIG = '''"""nbgrader configuration of this course (written by `bpwidgets course init`)."""

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821 (provided by nbgrader when it reads this file)
c.CourseDirectory.course_id = {course_id!r}
# Feedback for students leaves the hidden tests out (nbgrader's default shows them).
c.GenerateFeedback.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
'''


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare ``bpwidgets course init DIR [--course-id ID] [--lessons ...] [--source DIR]``."""
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="write nbgrader_config.py and source/<lesson>/ for every lesson into DIR",
        description="Set up an nbgrader course folder from the bpwidgets lessons.",
    )
    init.add_argument("folder", type=Path, metavar="DIR", help="the course folder (new or empty)")
    init.add_argument(
        "--course-id", default=None, metavar="ID", help="nbgrader course id (default: DIR's name)"
    )
    init.add_argument(
        "--lessons",
        nargs="+",
        metavar="LESSON",
        help="only these lessons (ids such as 02_backprop_by_hand; default: all)",
    )
    add_source_argument(init)


def lessons_to_copy(source_dir: Path, wanted: list[str] | None) -> list[Path]:
    """Return the source notebooks to copy; raise ValueError naming a lesson that is not there."""
    available = {path.stem: path for path in sorted(Path(source_dir).glob("*.ipynb"))}
    if not wanted:
        return list(available.values())
    missing = [lesson for lesson in wanted if lesson not in available]
    if missing:
        raise ValueError(
            f"--lessons: no lesson {', '.join(map(repr, missing))} in {source_dir} "
            f"(lessons there: {', '.join(available) or 'none'})"
        )
    return [available[lesson] for lesson in wanted]


def init_course(folder: Path, sources: list[Path], course_id: str) -> list[Path]:
    """Write the course's config and source folders; return the notebooks written."""
    existing = [folder / "nbgrader_config.py"] + [folder / "source" / s.stem for s in sources]
    clashes = [str(path) for path in existing if path.exists()]
    if clashes:
        raise FileExistsError(f"would overwrite {', '.join(clashes)}")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(CONFIG.format(course_id=course_id), encoding="utf-8")
    written = []
    for source in sources:
        lesson = check_lesson_id(source.stem)
        target = folder / "source" / lesson / f"{lesson}.ipynb"
        target.parent.mkdir(parents=True)
        shutil.copyfile(source, target)
        written.append(target)
    return written


def run(args: argparse.Namespace) -> int:
    """Set the course up and say what to do next; 2 on usage errors."""
    if not nbgrader_setup.ready("course") or not source_is_folder("course", args.source):
        return 2
    course_id = args.course_id or args.folder.resolve().name
    try:
        check_lesson_id(course_id)
        written = init_course(args.folder, lessons_to_copy(args.source, args.lessons), course_id)
    except (ValueError, FileExistsError) as error:
        print(f"bpwidgets course: error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    first = written[0].parent.name if written else "LESSON"
    print(
        f"course {course_id!r} ready in {args.folder}. Next, in that folder:\n"
        f"  nbgrader generate_assignment {first}      (release/{first}/ for the students)\n"
        f"  bpwidgets grade --course . --assignment {first}   (after submissions arrive)"
    )
    return 0
