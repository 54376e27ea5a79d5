"""The trusted side of grading: what a lesson's test cells are, what the kernel may see of them,
and the decision, made by re-running each test cell here with the real expected values.

This code runs in the grader process, which never runs student code. From the instructor
source it takes every test cell (``grade: true``, not a solution) with its points, and every
other locked cell, by ``grade_id``. The sandboxed kernel gets each test cell with every
argument after the answer thunk of each ``check_*`` call replaced by ``None``: expected
values, hints and options never enter the kernel, so no frame walk, gc walk or hook there can
copy one. The decision re-runs the unmodified cell with the checks in decide mode: each check
takes the answer the kernel recorded for it, compares exactly as in a lesson, and the cell
scores its points × passed / total checks.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import io
from dataclasses import dataclass
from pathlib import Path

from bpwidgets.grading.trusted_answers import Decider


@dataclass(frozen=True)
class GradedCell:
    """One autograded cell of the instructor source."""

    grade_id: str
    source: str  # trusted Python (magics already translated)
    points: float

    @functools.cached_property
    def kernel_code(self) -> str:
        """The cell as the sandboxed kernel runs it: check arguments after the thunk withheld."""
        return withhold_expected(self.source)


@dataclass(frozen=True)
class Lesson:
    """What grading needs of an instructor source notebook."""

    tests: dict[str, GradedCell]  # grade_id -> test cell, in reading order
    locked: dict[str, str]  # grade_id -> source of other locked code cells


def _python(source: str) -> str:
    """Cell source with IPython magics translated to plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _nbgrader(cell) -> dict:
    """The cell's nbgrader metadata (empty when absent or malformed)."""
    metadata = cell.get("metadata", {}).get("nbgrader", {})
    return metadata if isinstance(metadata, dict) else {}


def lesson_from_notebook(notebook) -> Lesson:
    """Read the test cells and locked cells of an instructor source notebook."""
    tests, locked = {}, {}
    for cell in notebook.get("cells", []):
        meta = _nbgrader(cell)
        grade_id = meta.get("grade_id")
        if cell.get("cell_type") != "code" or not isinstance(grade_id, str):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if meta.get("grade") and not meta.get("solution"):
            tests[grade_id] = GradedCell(grade_id, _python(source), float(meta.get("points") or 0))
        elif meta.get("locked") and not meta.get("solution"):
            locked[grade_id] = source
    return Lesson(tests, locked)


@functools.lru_cache(maxsize=32)
def _load_lesson(path: str, mtime_ns: int, size: int) -> Lesson:
    """Parse an instructor source once per version of the file."""
    import nbformat

    return lesson_from_notebook(nbformat.read(path, as_version=4))


def load_lesson(path: Path) -> Lesson:
    """The Lesson of an instructor source file (cached while the file is unchanged)."""
    stat = path.stat()
    return _load_lesson(str(path), stat.st_mtime_ns, stat.st_size)


CHECK_MODULES = ("bpwidgets.grading.checks", "bpwidgets.grading")


def _check_names() -> frozenset[str]:
    """The public checks of bpwidgets.grading.checks (check_array, check_scalar, ...)."""
    from bpwidgets.grading import checks

    return frozenset(name for name in dir(checks) if name.startswith("check_"))


def _local_check_names(tree: ast.AST, checks: frozenset[str]) -> set[str]:
    """Names under which the cell imported a check (``import ... as`` aliases included)."""
    names = set(checks)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in CHECK_MODULES:
            names.update(
                alias.asname for alias in node.names if alias.name in checks and alias.asname
            )
    return names


class _Withhold(ast.NodeTransformer):
    """Replace every check call's arguments after (name, thunk), and its keywords, with None."""

    def __init__(self, names: set[str], checks: frozenset[str]):
        self.names, self.checks = names, checks

    def _is_check(self, node: ast.Call) -> bool:
        """A call of a check by its (imported) name, or as an attribute (checks.check_array)."""
        func = node.func
        if isinstance(func, ast.Name):
            return func.id in self.names
        return isinstance(func, ast.Attribute) and func.attr in self.checks

    def visit_Call(self, node: ast.Call):
        self.generic_visit(node)
        if self._is_check(node):
            kept = node.args[:2]
            node.args = kept + [ast.Constant(None) for _ in node.args[2:]]
            node.keywords = [
                ast.keyword(arg=keyword.arg, value=ast.Constant(None))
                for keyword in node.keywords
                if keyword.arg is not None
            ]
        return node


def withhold_expected(source: str) -> str:
    """Return ``source`` with each check's expected value and options withheld (comments dropped)."""
    tree = ast.parse(source)
    checks = _check_names()
    tree = _Withhold(_local_check_names(tree, checks), checks).visit(tree)
    return ast.unparse(ast.fix_missing_locations(tree))


@dataclass(frozen=True)
class Decision:
    """Points and feedback for one test cell."""

    score: float
    feedback: str


def decide(cell: GradedCell, records: list, missing_reason: str) -> Decision:
    """Re-run ``cell`` with the real expected values and the recorded answers; score by check."""
    decider = Decider(records, missing_reason)
    namespace = {"__name__": "__bpwidgets_test__"}
    try:
        with decider.active(), contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"<test cell {cell.grade_id}>", "exec"), namespace)
    except Exception as error:  # the instructor's cell failed here: nothing can be decided
        return Decision(
            0.0, f"the test cell itself failed in the grader: {type(error).__name__}: {error}"
        )
    outcomes = decider.outcomes
    if not outcomes:
        return Decision(cell.points, "")
    passed = sum(ok for ok, _ in outcomes)
    failures = [message for ok, message in outcomes if not ok]
    score = round(cell.points * passed / len(outcomes), 6)
    if not failures:
        return Decision(score, "")
    summary = [f"{passed} of {len(outcomes)} checks passed"] if passed else []
    return Decision(score, "\n".join(summary + failures))
