"""The Binder launch: repo2docker's build plan, and the environment ``binder/`` builds.

There is no Docker daemon here, so the image itself is never built. Instead:

- ``jupyter-repo2docker --no-build`` renders the Dockerfile it would build (no daemon needed);
  we check it picks Python 3.11 and installs ``binder/requirements.txt`` *after* copying the
  whole repository (the requirements install bpwidgets itself from ``.``).
- The build is emulated: a fresh virtual environment, ``pip install -r
  binder/requirements.txt`` from a copy of the repository (as repo2docker does, from the
  repository root), then ``binder/postBuild``, which hands out the lessons into
  ``bpwidgets-lessons/`` (where the launch URL points) and removes the instructor material.
  No file left in the tree contains a solution or hidden test, and every student notebook in
  ``bpwidgets-lessons/`` is executed headless in that environment. Students see the feedback
  cells of unfinished exercises fail; every other cell must run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BINDER_DIR = REPO_ROOT / "binder"
STUDENT_DIR = REPO_ROOT / "bpwidgets" / "lessons"
SOURCE_DIR = STUDENT_DIR / "source"
LAUNCH_DIR = "bpwidgets-lessons"  # where binder/postBuild puts the lessons and the launch URL points
SECRETS = ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS")

# Left out of the copy the emulated build installs from: VCS data, local environments, outputs.
NOT_COPIED = (".git", ".venv*", "artifacts", "build", "dist", "*.egg-info", "__pycache__",
              ".pytest_cache", ".ruff_cache", ".hypothesis", ".ipynb_checkpoints")

PIP_TIMEOUT = 900  # seconds; a warm pip cache installs in about a minute
NOTEBOOK_TIMEOUT = 300  # seconds per student notebook

# Run by the virtual environment's Python: execute each notebook given on the command line
# with nbclient (errors allowed, as a student runs all cells) and print, as JSON, where the
# kernel's Python lives and every error output with its cell's nbgrader metadata.
RUNNER = r"""
import json, sys
import nbformat
from nbclient import NotebookClient

report = {"notebooks": {}}
probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
    "import sys, bpwidgets; print(sys.prefix); print(bpwidgets.__file__)")])
NotebookClient(probe, timeout=120, kernel_name="python3").execute()
report["kernel_prefix"], report["bpwidgets_file"] = probe.cells[0].outputs[0]["text"].split()
for path in sys.argv[1:]:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            allow_errors=True, resources={"metadata": {"path": "."}})
    client.execute()
    errors = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors.append({"cell": index, "nbgrader": cell.metadata.get("nbgrader", {}),
                               "ename": output["ename"], "evalue": output["evalue"]})
    report["notebooks"][path] = errors
print("REPORT " + json.dumps(report))
"""


def student_notebooks() -> list[Path]:
    """The student copies of the lessons, in lesson order."""
    return sorted(STUDENT_DIR.glob("[0-9][0-9]_*.ipynb"))


def assigned_names(source: str) -> set[str]:
    """Names a cell assigns at its top level (``name = ...``)."""
    return set(re.findall(r"^(\w+)\s*=", source, flags=re.MULTILINE))


def names_solutions_define(source_notebook: Path) -> set[str]:
    """Names the instructor's solution cells assign (a stub leaves them undefined)."""
    notebook = nbformat.read(source_notebook, as_version=4)
    names = set()
    for cell in notebook.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            names |= assigned_names(cell.source)
    return names


def is_expected_student_error(error: dict, undefined: set[str]) -> bool:
    """True for the failures an unfinished exercise causes, and only those.

    A stub raises NotImplementedError; a feedback (graded test) cell reports it as an
    AssertionError saying the exercise is "not implemented yet" (or naming the
    NotImplementedError it met, or a name "not defined yet"); and any cell meets a
    NameError for a variable in ``undefined`` (what the unfinished solutions, and the cells
    that failed because of them, would have defined).
    """
    if error["ename"] == "NotImplementedError":
        return True
    if error["ename"] == "AssertionError":
        undefined_yet = re.search(r"(\w+) is not defined yet", error["evalue"])
        return error["nbgrader"].get("grade", False) and (
            "not implemented yet" in error["evalue"] or "NotImplementedError" in error["evalue"]
            or bool(undefined_yet) and undefined_yet[1] in undefined)
    missing = re.fullmatch(r"name '(\w+)' is not defined", error["evalue"])
    return error["ename"] == "NameError" and bool(missing) and missing[1] in undefined


def unexpected_student_errors(student: Path, source: Path, errors: list[dict]) -> list[dict]:
    """The errors of a student run that an unfinished exercise does not explain."""
    cells = nbformat.read(student, as_version=4).cells
    undefined = names_solutions_define(source)
    unexpected = []
    for error in sorted(errors, key=lambda error: error["cell"]):
        if is_expected_student_error(error, undefined):
            undefined |= assigned_names(cells[error["cell"]].source)  # never got defined
        else:
            unexpected.append(error)
    return unexpected


def test_binder_requirements_install_the_repository_itself():
    lines = [line.split("#", 1)[0].strip() for line in
             (BINDER_DIR / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line] == ["."]
    assert re.fullmatch(r"python-3\.\d+\n?", (BINDER_DIR / "runtime.txt").read_text())


def test_repo2docker_plans_python_311_and_installs_after_copying_the_repository():
    repo2docker = shutil.which("jupyter-repo2docker")
    assert repo2docker, "jupyter-repo2docker is missing: pip install -e '.[test]'"
    result = subprocess.run(
        [repo2docker, "--no-build", "--user-id", "1000", "--user-name", "jovyan", str(REPO_ROOT)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Building conda environment for python=3.11" in result.stderr
    dockerfile = result.stdout
    copy_repository = dockerfile.index("COPY --chown=1000:1000 src/ ${REPO_DIR}/")
    install = dockerfile.index('pip install --no-cache-dir -r "binder/requirements.txt"')
    assert copy_repository < install, "the install must see the whole repository ('.')"
    assert "WORKDIR ${REPO_DIR}" in dockerfile[:install]


def copy_repository(destination: Path) -> Path:
    """Copy the checkout (without VCS data and local outputs), as repo2docker does."""
    shutil.copytree(REPO_ROOT, destination, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return destination


def build_environment(repo: Path, venv: Path) -> dict[str, str]:
    """Create a virtual environment and install what ``binder/`` asks for; return its env."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {key: value for key, value in os.environ.items()
           if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["VIRTUAL_ENV"] = str(venv)
    env["MPLBACKEND"] = "Agg"
    install = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
         "-r", "binder/requirements.txt"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=PIP_TIMEOUT,
    )
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    post_build = repo / "binder" / "postBuild"
    result = subprocess.run(["bash", str(post_build)], cwd=repo, env=env,
                            capture_output=True, text=True, timeout=PIP_TIMEOUT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return env


@pytest.mark.slow
def test_binder_environment_runs_every_student_notebook(tmp_path):
    notebooks = student_notebooks()
    assert notebooks, f"no student notebook in {STUDENT_DIR}"
    repo = copy_repository(tmp_path / "repo")
    venv = tmp_path / "venv"
    env = build_environment(repo, venv)
    env["JUPYTER_CONFIG_DIR"] = str(tmp_path / "jupyter-config")
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path / "jupyter-runtime")
    # The student's tree: the lessons where the launch URL points, no answer anywhere.
    launch = repo / LAUNCH_DIR
    assert sorted(p.name for p in launch.glob("*.ipynb")) == [p.name for p in notebooks]
    leaks = [path for path in repo.rglob("*") if path.is_file() and path.suffix in (".ipynb", ".py")
             and any(secret in path.read_text(errors="replace") for secret in SECRETS)]
    assert not leaks, f"instructor material left where a student's file browser reaches: {leaks}"
    relative = [path.name for path in notebooks]
    result = subprocess.run(
        [str(venv / "bin" / "python"), "-c", RUNNER, *relative],
        cwd=launch, env=env, capture_output=True, text=True,
        timeout=NOTEBOOK_TIMEOUT * (len(notebooks) + 1),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout.split("REPORT ", 1)[1])

    # The kernel ran in the new environment, on bpwidgets installed there (not the checkout).
    assert Path(report["kernel_prefix"]).resolve() == venv.resolve()
    assert Path(report["bpwidgets_file"]).resolve().is_relative_to(venv.resolve())

    for name, errors in report["notebooks"].items():
        unexpected = unexpected_student_errors(launch / name, SOURCE_DIR / name, errors)
        assert not unexpected, f"{name}: errors a student should not see: {unexpected}"
        notebook = nbformat.read(launch / name, as_version=4)
        stubs = [cell for cell in notebook.cells
                 if cell.metadata.get("nbgrader", {}).get("solution")
                 and "NotImplementedError" in cell.source]
        if stubs:
            assert errors, f"{name} has exercise stubs, yet no feedback cell failed"


def test_student_error_policy_accepts_only_what_an_unfinished_exercise_causes():
    feedback = {"grade": True}
    assert is_expected_student_error({"ename": "NotImplementedError", "evalue": "", "nbgrader": {}}, set())
    assert is_expected_student_error(
        {"ename": "AssertionError", "evalue": "f: not implemented yet — replace ...",
         "nbgrader": feedback}, set())
    assert is_expected_student_error(
        {"ename": "NameError", "evalue": "name 'my_panel' is not defined", "nbgrader": feedback},
        {"my_panel"})
    assert is_expected_student_error(
        {"ename": "AssertionError", "nbgrader": feedback,
         "evalue": "f of my_panel: my_panel is not defined yet — finish the exercise above"},
        {"my_panel"})
    assert not is_expected_student_error(
        {"ename": "AssertionError", "nbgrader": feedback,
         "evalue": "f: np is not defined yet — finish the exercise above"}, {"my_panel"})
    assert is_expected_student_error(
        {"ename": "AssertionError", "nbgrader": feedback,
         "evalue": "g: a method still raises NotImplementedError — finish it first"}, set())
    # A wrong answer's message, a typo'd name, or any error outside a feedback cell is a bug.
    assert not is_expected_student_error(
        {"ename": "AssertionError", "evalue": "f: expected 1, got 2", "nbgrader": feedback}, set())
    assert not is_expected_student_error(
        {"ename": "NameError", "evalue": "name 'np' is not defined", "nbgrader": {}},
        {"my_panel"})
    assert not is_expected_student_error(
        {"ename": "ValueError", "evalue": "bad", "nbgrader": {}}, set())


def test_errors_that_follow_from_a_stub_are_expected_and_others_are_not(tmp_path):
    new_cell = nbformat.v4.new_code_cell
    solution = {"nbgrader": {"solution": True, "grade": False}}
    source = nbformat.v4.new_notebook(cells=[
        new_cell("settings = {'lr': 0.1}", metadata=solution),
        new_cell("params = train(**settings)"),
        new_cell("print(params, typo)"),
    ])
    student = nbformat.v4.new_notebook(cells=[
        new_cell("raise NotImplementedError()", metadata=solution), *source.cells[1:]])
    nbformat.write(source, tmp_path / "source.ipynb")
    nbformat.write(student, tmp_path / "student.ipynb")

    def name_error(cell, name):
        return {"cell": cell, "nbgrader": {}, "ename": "NameError",
                "evalue": f"name '{name}' is not defined"}

    stub = {"cell": 0, "nbgrader": solution["nbgrader"], "ename": "NotImplementedError",
            "evalue": ""}
    follow_ups = [stub, name_error(1, "settings"), name_error(2, "params")]
    assert unexpected_student_errors(
        tmp_path / "student.ipynb", tmp_path / "source.ipynb", follow_ups) == []
    typo = name_error(2, "typo")
    assert unexpected_student_errors(
        tmp_path / "student.ipynb", tmp_path / "source.ipynb", [stub, typo]) == [typo]
