"""nbgrader's Execute preprocessor, hardened against submissions that fight the grader.

Two additions, nothing else changes (timeouts, interrupts and error capture stay nbgrader's):

- a kernel that dies (``os._exit``, a segfault) or stays busy after the timeout's interrupt no
  longer fails the whole submission: the cell responsible and every later code cell get an
  error output saying so, so the tests that ran before still score their points (a cell whose
  output merely arrived late, the kernel being idle again, does not stop the run);
- before each autograded test cell the check modules are dropped from ``sys.modules``, so the
  test cell's own ``from bpwidgets.grading.checks import ...`` loads them fresh from disk even
  if a student cell patched or deleted them.
"""

from __future__ import annotations

import time
from queue import Empty

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute

# Reloaded fresh before each test cell. Not bpwidgets.core.value: reloading it would make the
# student's Value objects instances of a stale class.
TRUSTED_MODULES = (
    "bpwidgets.grading.checks",
    "bpwidgets.grading.mistakes",
    "bpwidgets.core.gradcheck",
    "bpwidgets.core.validate",
)
_FORGET_TRUSTED_MODULES = (
    "import sys as _bpw_sys\n"
    f"for _bpw_name in {TRUSTED_MODULES!r}:\n"
    "    _bpw_sys.modules.pop(_bpw_name, None)\n"
    "del _bpw_sys, _bpw_name\n"
)
KERNEL_STOPPED = "KernelStopped"


def _error_output(evalue: str) -> NotebookNode:
    """Return an nbformat error output carrying ``evalue`` as the reason."""
    return NotebookNode(
        output_type="error",
        ename=KERNEL_STOPPED,
        evalue=evalue,
        traceback=[f"{KERNEL_STOPPED}: {evalue}"],
    )


def _death_reason(cell_index: int) -> str:
    """Explain a kernel death in words a student can act on."""
    return (
        f"the kernel died while running cell {cell_index} "
        "(os._exit, a crash or running out of memory)"
    )


def _stuck_reason(cell_index: int, timeout) -> str:
    """Explain a cell that ignored the interrupt sent at its timeout."""
    return (
        f"cell {cell_index} was still running after the {timeout} s limit and ignored the "
        "interrupt (a loop that catches KeyboardInterrupt?)"
    )


class GuardedExecute(Execute):
    """nbgrader's Execute that survives a dying or stuck kernel and reloads the checks per test."""

    def preprocess(self, nb, resources=None, km=None):
        """Execute the notebook, remembering whether (and why) execution had to stop."""
        self._stop_reason = None
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        """Run one cell; once the kernel is dead or stuck, mark the cell instead of running it."""
        if cell.cell_type != "code":
            return cell, resources
        if self._stop_reason is not None:
            cell.outputs = [_error_output(f"not run: {self._stop_reason}")]
            return cell, resources
        try:
            if utils.is_grade(cell) and not utils.is_solution(cell):
                self._forget_trusted_modules()
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._stop_reason = _death_reason(index)
        except CellTimeoutError:
            if self._kernel_answers():  # only its output was slow to arrive: carry on
                return cell, resources
            self._stop_reason = _stuck_reason(index, self.timeout)
        cell.outputs.append(_error_output(self._stop_reason))
        return cell, resources

    def _kernel_answers(self, patience: float = 3.0) -> bool:
        """True when the kernel replies to a kernel_info request, i.e. it is not busy."""
        msg_id = self.kc.kernel_info()
        get_reply = run_sync(self.kc.shell_channel.get_msg)
        deadline = time.monotonic() + patience
        while (left := deadline - time.monotonic()) > 0:
            try:
                reply = get_reply(timeout=left)
            except Empty:
                return False
            if reply["parent_header"].get("msg_id") == msg_id:
                return True
        return False

    def _forget_trusted_modules(self) -> None:
        """Silently drop the check modules from the kernel's ``sys.modules``."""
        msg_id = self.kc.execute(_FORGET_TRUSTED_MODULES, silent=True, store_history=False)
        self.wait_for_reply(msg_id)


def autograde_preprocessors() -> list:
    """Return nbgrader's autograde preprocessors with Execute replaced by GuardedExecute."""
    from nbgrader.converters import Autograde

    defaults = Autograde.class_traits()["autograde_preprocessors"].default()
    return [GuardedExecute if step is Execute else step for step in defaults]
