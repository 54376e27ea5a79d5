"""GuardedExecute's decisions after a dead or stuck kernel, without starting a kernel.

nbgrader's own Execute (the parent class) is replaced by a stand-in that fails on chosen
cells, so each branch is exercised deterministically; the real kernels are exercised by the
hostile submissions in test_grade.py.
"""

from __future__ import annotations

import pytest
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_markdown_cell
from nbgrader.preprocessors import Execute

from bpwidgets.grading.guarded_execute import GuardedExecute


@pytest.fixture()
def run_cells(monkeypatch):
    """Run GuardedExecute cell by cell with Execute.preprocess_cell failing as told."""

    def run(failures: dict[int, Exception], kernel_answers: bool = True):
        executed = []

        def parent_preprocess_cell(self, cell, resources, index):
            if index in failures:
                raise failures[index]
            executed.append(index)
            cell.outputs = []
            return cell, resources

        monkeypatch.setattr(Execute, "preprocess_cell", parent_preprocess_cell)
        monkeypatch.setattr(GuardedExecute, "_forget_trusted_modules", lambda self: None)
        monkeypatch.setattr(GuardedExecute, "_kernel_answers", lambda self: kernel_answers)
        guarded = GuardedExecute(timeout=7)
        guarded._stop_reason = None
        cells = [new_code_cell(f"cell {i}") for i in range(4)] + [new_markdown_cell("text")]
        for index, cell in enumerate(cells):
            guarded.preprocess_cell(cell, {}, index)
        return executed, cells

    return run


def evalues(cell) -> list[str]:
    """The messages of a cell's error outputs."""
    return [output["evalue"] for output in cell.outputs if output["output_type"] == "error"]


def test_dead_kernel_marks_its_cell_and_skips_the_rest(run_cells):
    executed, cells = run_cells({1: DeadKernelError("Kernel died")})
    assert executed == [0]
    assert "the kernel died while running cell 1" in evalues(cells[1])[0]
    assert all(evalues(c)[0].startswith("not run: the kernel died") for c in cells[2:4])
    assert cells[4].get("outputs") is None  # markdown cells are left alone


def test_stuck_kernel_stops_the_run(run_cells):
    executed, cells = run_cells({2: CellTimeoutError("Timeout waiting for IOPub output")}, False)
    assert executed == [0, 1]
    assert "still running after the 7 s limit and ignored the interrupt" in evalues(cells[2])[0]
    assert evalues(cells[3])[0].startswith("not run: cell 2 was still running")


def test_late_output_from_an_idle_kernel_does_not_stop_the_run(run_cells):
    executed, cells = run_cells({2: CellTimeoutError("Timeout waiting for IOPub output")}, True)
    assert executed == [0, 1, 3]
    assert evalues(cells[3]) == []
