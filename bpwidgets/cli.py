"""The ``bpwidgets`` command: ``--version``, ``--help`` and one subcommand per task.

Each subcommand lives beside the code it drives and exposes two functions,
``add_arguments(parser)`` and ``run(args) -> int``; this module only wires them up.
Subcommand modules are imported when the parser is built, so they keep their own
top-level imports light (heavy imports go inside ``run``).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bpwidgets import __version__
from bpwidgets.cli_errors import OneLineParser

# name -> (module, one-line help). Add a subcommand by adding a row here.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "lessons": ("bpwidgets.lessons.handout", "copy fresh student copies of the lessons into a working folder"),
    "release": ("bpwidgets.grading.release", "generate the student notebooks from the instructor sources"),
    "grade": ("bpwidgets.grading.autograde", "autograde submitted notebooks with nbgrader"),
    "course": ("bpwidgets.grading.course_init", "set up an nbgrader course from the lessons"),
    "export": ("bpwidgets.export_command", "write a panel as an interactive HTML page (no kernel)"),
}


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every registered subcommand (errors: one line, exit 2)."""
    parser = OneLineParser(  # subcommand parsers are OneLineParsers too
        prog="bpwidgets",
        description="Interactive panels and graded lessons that make backpropagation visible.",
    )
    parser.add_argument("--version", action="version", version=f"bpwidgets {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit status (2 for usage errors)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 0
    return int(args._run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
