"""`bpwidgets release`: nbgrader-generated student copies, byte-identical on every run.

The drift test runs over the committed lessons (``bpwidgets/lessons/source``) and the sample fixture
lesson, so it guards the real course as soon as lessons are committed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from bpwidgets.grading.normalize import dumps, lesson_of, normalized_student_copy
from bpwidgets.grading.release import lesson_sources, release_texts
from bpwidgets.lessons import SOURCE_DIR as LESSON_SOURCE_DIR

from .fixtures.submissions import LESSON, SOURCE_DIR, STUDENT_COPY
from .test_grade import run_cli

REPO = Path(__file__).resolve().parents[2]
COURSE_SOURCES = lesson_sources(LESSON_SOURCE_DIR)
ALL_SOURCES = [SOURCE_DIR / f"{LESSON}.ipynb", *COURSE_SOURCES]


@pytest.fixture(scope="module")
def released() -> dict[str, str]:
    """Every lesson (fixture and course) released once through nbgrader."""
    return release_texts(ALL_SOURCES)


@pytest.mark.parametrize("source", ALL_SOURCES, ids=lambda path: path.stem)
def test_committed_student_copy_matches_its_source(released, source):
    student = source.parent.parent / f"{source.stem}.ipynb"
    assert student.is_file(), f"{student} is missing: run `bpwidgets release`"
    assert student.read_text(encoding="utf-8") == released[source.stem], (
        f"{student} drifted from {source}: run `bpwidgets release` and commit both"
    )


def test_release_is_deterministic(released):
    again = release_texts([SOURCE_DIR / f"{LESSON}.ipynb"])
    assert again[LESSON].encode("utf-8") == released[LESSON].encode("utf-8")


def test_student_copy_hides_solutions_and_hidden_tests(released):
    student = json.loads(released[LESSON])
    text = json.dumps(student)
    assert "BEGIN SOLUTION" not in text and "x.T @ delta / x.shape[0]" not in text
    assert "HIDDEN TESTS" not in text and "batch_size=3" not in text
    assert "raise NotImplementedError()" in text
    assert lesson_of(student) == LESSON
    tests = [c for c in student["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert [c["metadata"]["nbgrader"]["grade_id"] for c in tests] == [
        "ex1_tests",
        "ex2_tests",
        "ex3_tests",
    ]
    assert all(c["metadata"]["editable"] is False for c in tests)


def test_volatile_metadata_outputs_and_missing_ids_are_normalised():
    notebook = nbformat.read(SOURCE_DIR / f"{LESSON}.ipynb", as_version=4)
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    notebook.metadata["language_info"]["version"] = "3.11.7"
    notebook.metadata["celltoolbar"] = "Create Assignment"
    code = next(cell for cell in notebook.cells if cell.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="hello\n")]
    code.execution_count = 7
    code.metadata["execution"] = {"iopub.execute_input": "2026-11-27T23:00:00Z"}
    for cell in notebook.cells:
        del cell["id"]
    result = json.loads(dumps(normalized_student_copy(notebook, LESSON)))
    assert set(result["metadata"]) == {"bpwidgets", "kernelspec", "language_info"}
    assert "version" not in result["metadata"]["language_info"]
    first_code = next(cell for cell in result["cells"] if cell["cell_type"] == "code")
    assert first_code["outputs"] == [] and first_code["execution_count"] is None
    assert "execution" not in first_code["metadata"]
    ids = [cell["id"] for cell in result["cells"]]
    assert ids[:2] == ["intro", "setup"] and len(set(ids)) == len(ids)


def test_check_reports_drift_and_release_repairs_it(tmp_path, capsys):
    source, dest = tmp_path / "source", tmp_path / "students"
    source.mkdir()
    shutil.copyfile(SOURCE_DIR / f"{LESSON}.ipynb", source / f"{LESSON}.ipynb")
    dest.mkdir()
    argv = ["release", "--source", str(source), "--dest", str(dest)]
    status, out = run_cli(argv + ["--check"])
    assert status == 1 and f"drifted: {dest / LESSON}.ipynb" in out
    assert not (dest / f"{LESSON}.ipynb").exists()  # --check writes nothing

    status, out = run_cli(argv)
    assert status == 0 and f"wrote {dest / LESSON}.ipynb" in out
    assert (dest / f"{LESSON}.ipynb").read_bytes() == STUDENT_COPY.read_bytes()
    mtime = (dest / f"{LESSON}.ipynb").stat().st_mtime_ns
    assert run_cli(argv) == (0, "")  # nothing changed, nothing rewritten
    assert (dest / f"{LESSON}.ipynb").stat().st_mtime_ns == mtime
    assert run_cli(argv + ["--check"]) == (0, "1 student copies match their sources\n")

    (dest / f"{LESSON}.ipynb").write_text("edited by hand", encoding="utf-8")
    status, out = run_cli(argv + ["--check"])
    assert status == 1 and "drifted" in out


def test_release_usage_and_authoring_errors(tmp_path, capsys):
    assert run_cli(["release", "--source", str(tmp_path / "missing")])[0] == 2
    broken = nbformat.read(SOURCE_DIR / f"{LESSON}.ipynb", as_version=4)
    intro = broken.cells[0]
    intro.cell_type, intro.source = "code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"
    intro.outputs, intro.execution_count = [], None
    intro.metadata.nbgrader["cell_type"] = "code"
    (tmp_path / "source").mkdir()
    nbformat.write(broken, tmp_path / "source" / "04_broken.ipynb")
    status, _ = run_cli(["release", "--source", str(tmp_path / "source"), "--dest", str(tmp_path)])
    assert status == 1
    assert "nbgrader generate_assignment failed" in capsys.readouterr().err
