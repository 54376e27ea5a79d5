"""Contract C1 over every lesson: test cells decide nothing in the student's kernel, and no
student copy shows an answer.

- Every check in a test cell has the form ``check_*(label, lambda: student_code(...), expected)``
  where ``expected`` is a literal or a call into ``bpwidgets.grading.references``; student code
  (any name the cell does not define itself) is only touched inside the answer thunk; no
  ``assert``, no finite differences, no ``expected = ...`` in a test cell.
- No line of a solution block appears in any student copy, and no code cell of a student copy
  contains an expression of a solution block (up to renamed variables) — except the ones the
  lesson's explanation cells show on purpose (a forward pass, the error E).
"""

from __future__ import annotations

import ast
import builtins
import copy
import re
import textwrap

import nbformat
import pytest

from bpwidgets.lessons import SOURCE_DIR, STUDENT_DIR, lesson_files

SOURCES = lesson_files(SOURCE_DIR)
STUDENTS = lesson_files(STUDENT_DIR)
# Check function -> positions of its expected-value arguments (label 0 and answer 1 come first).
CHECKS = {
    "check_array": (2,),
    "check_scalar": (2,),
    "check_shape": (2,),
    "check_gradients": (2,),
    "check_text": (2,),
    "check_between": (2, 3),
    "record_answer": (),
}
FORBIDDEN_NAMES = {"numerical_grad", "finite_differences"}
SOLUTION_BLOCK = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.DOTALL)


def graded_test_cells(path):
    """(grade_id, source) of every graded test cell of a lesson source."""
    notebook = nbformat.read(path, as_version=4)
    return [(c.metadata.nbgrader["grade_id"], c.source) for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade")]


def _parents(tree):
    """Map every node of ``tree`` to its parent."""
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _ancestors(node, parents):
    """The chain of parents of ``node`` up to the module."""
    while node in parents:
        node = parents[node]
        yield node


def _bound_names(tree) -> set[str]:
    """Every name the cell binds itself: imports, assignments, defs, arguments, loop targets."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _is_reference_call(node) -> bool:
    """True for ``references.something(...)``."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id.startswith("references"))


def _is_literal(node) -> bool:
    """True for a constant written out (numbers, strings, lists/dicts/tuples of them)."""
    try:
        ast.literal_eval(node)
    except ValueError:
        return False
    return True


def _check_name(call) -> str | None:
    """The check function a call invokes, or None."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name if name in CHECKS else None


def c1_violations(source: str) -> list[str]:
    """Ways a test cell breaks contract C1 (empty when it follows it)."""
    tree = ast.parse(source)
    parents, bound = _parents(tree), _bound_names(tree)
    known = bound | set(dir(builtins))
    problems = []

    def outside_lambda(node):
        return not any(isinstance(a, ast.Lambda) for a in _ancestors(node, parents))

    # Helpers that touch student code outside a lambda may only be called from thunks too.
    touching: set[str] = set()
    changed = True
    while changed:
        changed = False
        for fn in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
            if fn.name in touching:
                continue
            for node in ast.walk(fn):
                if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                        and (node.id not in known or node.id in touching)
                        and not any(isinstance(a, ast.Lambda) for a in _ancestors(node, parents)
                                    if a is not fn and fn in _ancestors(a, parents))):
                    touching.add(fn.name)
                    changed = True
                    break
    checks = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assert):
            problems.append(f"line {node.lineno}: assert decides in the student's kernel")
        if isinstance(node, ast.Name):
            if node.id in FORBIDDEN_NAMES or node.id.startswith("expected"):
                problems.append(f"line {node.lineno}: computes an expectation ({node.id})")
            elif (isinstance(node.ctx, ast.Load) and (node.id not in known or node.id in touching)
                  and outside_lambda(node)
                  and not any(isinstance(a, ast.FunctionDef) and a.name in touching
                              for a in _ancestors(node, parents))):
                problems.append(f"line {node.lineno}: {node.id} used outside an answer thunk")
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_NAMES:
            problems.append(f"line {node.lineno}: computes an expectation ({node.attr})")
        if isinstance(node, ast.Call) and _check_name(node):
            checks.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.Call)):
            called = node.name if isinstance(node, ast.FunctionDef) else (
                getattr(node.func, "id", None) or getattr(node.func, "attr", ""))
            if called.startswith("check_"):  # the grader withholds every check_* call's arguments
                problems.append(f"line {node.lineno}: {called} is named like a check but is not one")
        if _is_reference_call(node):
            call = parents.get(node)
            if isinstance(call, ast.keyword):
                call = parents.get(call)
            if not (isinstance(call, ast.Call) and _check_name(call)):
                problems.append(f"line {node.lineno}: references used outside a check's arguments")
    if not checks:
        problems.append("no check_* call")
    for call in checks:
        name = _check_name(call)
        if len(call.args) < 2 or not isinstance(call.args[1], ast.Lambda):
            problems.append(f"line {call.lineno}: {name}'s answer must be a lambda thunk")
        for position in CHECKS[name]:
            if position >= len(call.args):
                problems.append(f"line {call.lineno}: {name} without its expected value")
                continue
            expected = call.args[position]
            if not (_is_literal(expected) or _is_reference_call(expected)):
                problems.append(f"line {call.lineno}: {name}'s expected value is computed in the "
                                "cell (use a literal or references.*)")
    return problems


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_test_cells_follow_contract_c1(source):
    problems = {grade_id: c1_violations(text) for grade_id, text in graded_test_cells(source)}
    assert not {k: v for k, v in problems.items() if v}, problems


def test_the_c1_lint_catches_answers_computed_in_a_test_cell():
    # The visible cells the issue found: answers computed by formulas, decisions by assert.
    assert c1_violations(
        "delta_o = (out_o - target) * out_o * (1.0 - out_o)\n"
        "check_array('d', lambda: output_deltas(out_o, target), delta_o)\n")
    assert c1_violations("import math\ncheck_scalar('f', lambda: f(64), math.sqrt(1 / 3))\n")
    assert c1_violations("check_scalar('f', f(2.0), 12.0)\n")  # student code outside a thunk
    assert c1_violations("x = answer()\ncheck_scalar('f', lambda: x, 12.0)\n")
    assert c1_violations("assert answer == 'A'\n")
    assert c1_violations("from bpwidgets.grading import references\n"
                         "e = references.f(2)\ncheck_scalar('f', lambda: f(2), 1.0)\n")
    assert c1_violations("def check_case(seed):\n    check_scalar('f', lambda: f(seed), 1.0)\n\n"
                         "check_case(seed=0)\n")
    assert c1_violations("def helper():\n    return student(1)\n\n"
                         "check_scalar('f', lambda: 1.0, 1.0)\nhelper()\n")
    assert not c1_violations(
        "import numpy as np\nfrom bpwidgets.grading import references\n"
        "from bpwidgets.grading.checks import check_array\n\n"
        "def run(seed):\n    return student(np.ones(seed))\n\n"
        "check_array('s', lambda: run(2), references.f(np.ones(2)), previous=[1.0, -1.0])\n")


def solution_blocks(path) -> list[str]:
    """The dedented code between BEGIN and END SOLUTION in a lesson source."""
    notebook = nbformat.read(path, as_version=4)
    return [textwrap.dedent(block) for cell in notebook.cells if cell.cell_type == "code"
            for block in SOLUTION_BLOCK.findall(cell.source)]


def substantive_lines(block: str) -> set[str]:
    """Solution lines that compute something (not `else:` or a bare `return x`)."""
    lines = {line.strip() for line in block.splitlines()}
    return {line for line in lines
            if len(line) >= 12 and re.search(r"[-+*/@(]", line) and not line.startswith("#")}


def _canonical(node) -> str:
    """``ast.dump`` of an expression with its names renamed in order of appearance."""
    names: dict[str, str] = {}
    node = copy.deepcopy(node)
    for name in ast.walk(node):
        if isinstance(name, ast.Name):
            name.id = names.setdefault(name.id, f"v{len(names)}")
    return ast.dump(node)


def answer_expressions(block: str) -> set[str]:
    """Canonical forms of the non-trivial expressions a solution block returns or assigns."""
    shapes = set()
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, (ast.Return, ast.Assign, ast.AugAssign)) and node.value is not None:
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for value in values:
                operations = sum(isinstance(n, (ast.BinOp, ast.Call)) for n in ast.walk(value))
                if operations >= 2:
                    shapes.add(_canonical(value))
    return shapes


def student_code(path) -> list[str]:
    """The code cells of a student copy."""
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_every_source_has_its_student_copy():
    assert SOURCES and [p.name for p in SOURCES] == [p.name for p in STUDENTS]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_no_solution_line_appears_in_any_student_copy(source):
    lines = set().union(*map(substantive_lines, solution_blocks(source)))
    assert lines, f"{source.stem}: no solution lines found"
    leaked = {(student.stem, line) for student in STUDENTS for code in student_code(student)
              for line in code.splitlines() if line.strip() in lines}
    assert not leaked, leaked


def given_expressions(path) -> set[str]:
    """Canonical expressions of the lesson's own explanation cells (forward passes, losses)."""
    notebook = nbformat.read(path, as_version=4)
    return {_canonical(node) for cell in notebook.cells
            if cell.cell_type == "code" and "nbgrader" not in cell.metadata
            for node in ast.walk(ast.parse(cell.source)) if isinstance(node, ast.expr)}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_no_student_copy_cell_computes_an_exercise_answer(source):
    # What the lesson explains on purpose (the forward pass, the error E) is not an answer.
    shapes = set().union(*map(answer_expressions, solution_blocks(source))) - given_expressions(source)
    found = []
    for student in STUDENTS:
        for code in student_code(student):
            for node in ast.walk(ast.parse(code)):
                if isinstance(node, ast.expr) and _canonical(node) in shapes:
                    found.append((student.stem, ast.unparse(node)))
    assert not found, found


def test_the_answer_scan_sees_renamed_answers():
    shapes = answer_expressions("return (out_o - target) * out_o * (1.0 - out_o)\n")
    visible = ast.parse("delta = (y - t) * y * (1.0 - y)").body[0].value
    assert _canonical(visible) in shapes
    assert "np.outer(layer_input, delta)" and answer_expressions("return np.outer(a, b) * 2\n")
