"""CLI usage errors: one line naming the option, what it expects and what came; exit status 2;
outputs checked writable before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpwidgets import cli
from bpwidgets.cli_errors import UsageError, check_writable_file, notebooks_in
from bpwidgets.grading import parallel_command


def run_cli(args: list[str]) -> int:
    """The exit status of ``bpwidgets ARGS`` (argparse's own errors exit through SystemExit)."""
    try:
        return cli.main(args)
    except SystemExit as exit_info:
        return exit_info.code


def one_error_line(capsys, command: str) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"bpwidgets {command}: error: "), err
    return err


@pytest.fixture()
def no_grading(monkeypatch):
    """Records the submissions grading would start on, without running nbgrader."""
    started = []
    monkeypatch.setattr(parallel_command, "grade_requested",
                        lambda args: started.append(args.submissions) or [])
    return started


@pytest.fixture()
def a_file(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("not a folder")
    return path


def test_export_refuses_an_unwritable_output_before_rendering(capsys, a_file):
    assert run_cli(["export", "chain_rule", "-o", str(a_file / "page.html")]) == 2
    err = one_error_line(capsys, "export")
    assert f"-o/--output expects a file to write; got '{a_file / 'page.html'}'" in err
    assert "is not a folder" in err and "rendering frame" not in err


def test_export_refuses_a_folder_as_output(capsys, tmp_path):
    assert run_cli(["export", "chain_rule", "-o", str(tmp_path)]) == 2
    assert "expects a file to write; got" in one_error_line(capsys, "export")


def test_grade_checks_csv_before_grading(capsys, a_file, no_grading, tmp_path):
    notebook = tmp_path / "a.ipynb"
    notebook.write_text("{}")
    assert run_cli(["grade", str(notebook), "--csv", str(a_file / "grades.csv")]) == 2
    assert "--csv expects a file to write" in one_error_line(capsys, "grade")
    assert no_grading == []


def test_grade_a_folder_grades_the_notebooks_inside(no_grading, tmp_path):
    for name in ("b/2.ipynb", "a.ipynb", "b/.ipynb_checkpoints/2-checkpoint.ipynb", "n.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("{}")
    assert run_cli(["grade", str(tmp_path)]) == 0
    assert no_grading == [[tmp_path / "a.ipynb", tmp_path / "b" / "2.ipynb"]]


def test_grade_a_folder_without_notebooks_is_a_usage_error(capsys, no_grading, tmp_path):
    assert run_cli(["grade", str(tmp_path)]) == 2
    err = one_error_line(capsys, "grade")
    assert "SUBMISSION expects notebooks or folders holding notebooks" in err
    assert "a folder with no .ipynb file" in err and no_grading == []


def test_grade_timeout_error_is_one_line(capsys):
    assert run_cli(["grade", "x.ipynb", "--timeout", "soon"]) == 2
    assert "argument --timeout" in one_error_line(capsys, "grade")


def test_release_checks_dest_before_executing_sources(capsys, a_file):
    assert run_cli(["release", "--dest", str(a_file)]) == 2
    assert "--dest expects a folder to write into; got" in one_error_line(capsys, "release")


def test_unknown_option_is_one_line(capsys):
    assert run_cli(["export", "chain_rule", "--nope"]) == 2
    err = capsys.readouterr().err
    assert err == "bpwidgets: error: unrecognized arguments: --nope (see bpwidgets --help)\n"


def test_writable_checks_accept_missing_folders_and_report_unwritable_ones(tmp_path):
    check_writable_file("-o", tmp_path / "new" / "deeper" / "page.html")
    with pytest.raises(UsageError, match="where nothing can be written"):
        check_writable_file("-o", Path("/proc/page.html"))
    assert notebooks_in("X", [tmp_path / "missing.ipynb"]) == [tmp_path / "missing.ipynb"]
