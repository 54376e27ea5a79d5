"""An existing nbgrader course as input and output of ``bpwidgets grade --course DIR``.

Input: every ``submitted/<student>/<assignment>/*.ipynb`` of the course, graded against the
course's own ``source/<assignment>/``. Output: the course's gradebook and ``autograded/`` folder,
written the way ``nbgrader autograde`` writes them, with nbgrader's own code wherever no student
code runs: the student and the submission (with its ``timestamp.txt``) are created through the
Gradebook API, the autograded notebook is the submission passed through nbgrader's sanitizing
preprocessors (outputs cleared, test cells restored from the gradebook, kernelspec overwritten,
metadata checked), each test cell then gets the outputs nbgrader reads a score from (nothing for
full marks, an error for none, the points as its result for partial credit), and nbgrader's
SaveAutoGrades, AssignLatePenalties and CheckCellMetadata store the grades. The formgrader,
``nbgrader generate_feedback`` and ``nbgrader export`` therefore work on them unchanged.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from pathlib import Path

from bpwidgets.grading.report import ItemResult, SubmissionResult

FAILED_CHECK = "bpwidgets"  # the ``ename`` of the error output written into a failing test cell


class CourseError(Exception):
    """The course folder or the assignment cannot be graded; the message says why."""


class Course:
    """An nbgrader course folder, configured by its own ``nbgrader_config.py``."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise CourseError(f"--course must be an nbgrader course folder; got {root}")
        self.config = self._load_config()

    def _load_config(self):
        """Return the course's nbgrader configuration (its nbgrader_config.py, if any)."""
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader

        config = Config()
        if (self.root / "nbgrader_config.py").is_file():
            config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.root = str(self.root)
        return config

    @property
    def coursedir(self):
        """nbgrader's CourseDirectory of this course (paths, course id, gradebook URL)."""
        from nbgrader.coursedir import CourseDirectory

        return CourseDirectory(config=self.config)

    def gradebook(self):
        """Open the course's gradebook (a context manager)."""
        from nbgrader.api import Gradebook

        coursedir = self.coursedir
        return Gradebook(coursedir.db_url, coursedir.course_id)

    def source_dir(self, assignment: str) -> Path:
        """The folder of the assignment's instructor notebooks."""
        return self.root / "source" / assignment

    def submitted_dir(self, assignment: str, student: str) -> Path:
        """The folder of one student's hand-in of ``assignment``."""
        return self.root / "submitted" / student / assignment

    def check_assignment(self, assignment: str) -> None:
        """Raise CourseError unless the assignment has a source and is in the gradebook."""
        from nbgrader.api import MissingEntry

        if not self.source_dir(assignment).is_dir():
            raise CourseError(
                f"no assignment {assignment!r}: {self.source_dir(assignment)} is missing"
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy chatter from nbgrader's gradebook
            with self.gradebook() as gradebook:
                try:
                    gradebook.find_assignment(assignment)
                except MissingEntry:
                    raise CourseError(
                        f"assignment {assignment!r} is not in the gradebook: run "
                        f"`nbgrader generate_assignment {assignment}` in {self.root} first"
                    ) from None

    def submissions(self, assignment: str) -> list[Path]:
        """Return every submitted notebook of ``assignment``, sorted by student then name."""
        pattern = f"submitted/*/{assignment}/*.ipynb"
        return sorted(self.root.glob(pattern), key=lambda p: (student_of(p), p.name))

    def record(self, assignment: str, results: list[SubmissionResult]) -> None:
        """Write graded results into the gradebook and autograded/, as nbgrader autograde does."""
        by_student: dict[str, list[SubmissionResult]] = defaultdict(list)
        for result in results:
            by_student[student_of(Path(result.submission))].append(result)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy chatter from nbgrader's gradebook
            for student, graded in sorted(by_student.items()):
                self._record_student(assignment, student, graded)

    def _record_student(self, assignment: str, student: str, results) -> None:
        """Record one student's hand-in: student, submission, then each graded notebook."""
        timestamp = self.coursedir.get_existing_timestamp(
            str(self.submitted_dir(assignment, student))
        )
        with self.gradebook() as gradebook:
            gradebook.update_or_create_student(student)
            extra = {"timestamp": timestamp} if timestamp else {}
            gradebook.update_or_create_submission(assignment, student, **extra)
            notebooks = [nb.name for nb in gradebook.find_assignment(assignment).notebooks]
        submitted = {Path(result.submission).stem: result for result in results}
        for notebook in notebooks:
            result = submitted.get(notebook)
            if result is None:
                self._score_missing(assignment, student, notebook)
            elif result.graded:
                self._record_notebook(assignment, student, result)

    def _resources(self, assignment: str, student: str, notebook: str) -> dict:
        """The ``resources`` nbgrader's preprocessors read their course context from."""
        from nbconvert.exporters.exporter import ResourcesDict

        resources = ResourcesDict()
        resources["nbgrader"] = {
            "notebook": notebook,
            "assignment": assignment,
            "student": student,
            "db_url": self.coursedir.db_url,
        }
        return resources

    def _record_notebook(self, assignment: str, student: str, result: SubmissionResult) -> None:
        """Write one autograded notebook and let nbgrader store its grades."""
        import nbformat
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.converters import Autograde
        from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, SaveAutoGrades

        path = Path(result.submission)
        resources = self._resources(assignment, student, path.stem)
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        sanitizers = Autograde.class_traits()["sanitize_preprocessors"].default()
        # called, not .preprocess(): a step disabled by the course's config stays disabled
        for step in sanitizers:
            notebook, resources = step(config=self.config)(notebook, resources)
        write_scores(notebook, result.items)
        for step in (
            ClearMetadataPreprocessor,
            SaveAutoGrades,
            AssignLatePenalties,
            CheckCellMetadata,
        ):
            notebook, resources = step(config=self.config)(notebook, resources)
        target = self.root / "autograded" / student / assignment / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, target)

    def _score_missing(self, assignment: str, student: str, notebook: str) -> None:
        """Give zero to a notebook the student did not hand in (nbgrader autograde does too)."""
        with self.gradebook() as gradebook:
            submitted = gradebook.find_submission_notebook(notebook, assignment, student)
            for grade in submitted.grades:
                grade.auto_score = 0
                grade.needs_manual_grade = False
            gradebook.db.commit()


def student_of(path: Path) -> str:
    """The student id of ``submitted/<student>/<assignment>/<notebook>.ipynb``."""
    return Path(path).parent.parent.name


def _outputs(item: ItemResult) -> list:
    """The outputs from which nbgrader's ``determine_grade`` reads ``item``'s score."""
    from nbformat.v4 import new_output

    outputs = []
    if item.feedback and item.score > 0:
        outputs.append(new_output("stream", name="stdout", text=item.feedback + "\n"))
    if item.score <= 0:
        lines = item.feedback.splitlines() or ["no points"]
        outputs.append(new_output("error", ename=FAILED_CHECK, evalue=lines[0], traceback=lines))
    elif item.score < item.max_score:  # nbgrader's partial credit: the cell's result is the points
        outputs.append(
            new_output("execute_result", data={"text/plain": repr(item.score)}, execution_count=1)
        )
    return outputs


def write_scores(notebook, items: list[ItemResult]) -> None:
    """Give each autograded test cell the outputs that score it as ``items`` say; check it."""
    from nbgrader import utils

    by_id = {item.grade_id: item for item in items}
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type != "code" or grade_id not in by_id:
            continue
        if not utils.is_grade(cell) or utils.is_solution(cell):
            continue
        cell.outputs = _outputs(by_id[grade_id])
        score, _ = utils.determine_grade(cell)
        if score != by_id[grade_id].score:
            raise RuntimeError(
                f"nbgrader would read {score} points for {grade_id}, not {by_id[grade_id].score}"
            )
