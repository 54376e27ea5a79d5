"""The feedback card a failed check shows: a few lines instead of a traceback.

A failing check raises ``CheckFailure``, an ``AssertionError`` (nbgrader and the grader count
the test as failed and read its message as the feedback). IPython asks an exception for
``_render_traceback_()`` before it formats a traceback; ours returns the card, so JupyterLab,
Notebook 7, Voila and plain nbclient runs show what was checked, expected vs got, the
relative-error band and the hint — at most ``MAX_LINES`` lines, no frames of the checks module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

MAX_LINES = 8
_RED, _BOLD, _RESET = "\x1b[31m", "\x1b[1m", "\x1b[0m"


def card_lines(title: str, facts: Sequence[str] = (), hint: str | None = None) -> list[str]:
    """The card as plain lines: the title, indented facts, the hint; at most MAX_LINES.

    Lines are not wrapped here: notebook front ends wrap long output lines themselves.
    """
    lines = [title, *(f"  {fact}" for fact in facts)]
    if hint:
        lines.append(f"  Hint: {hint}")
    if len(lines) > MAX_LINES:
        lines = lines[: MAX_LINES - 1] + ["  …"]
    return lines


class CheckFailure(AssertionError):
    """A failed check; its message is the card, and IPython shows the card, not a traceback."""

    def _render_traceback_(self) -> list[str]:
        """The lines IPython shows instead of a traceback: the card, its title in red."""
        title, *rest = str(self).splitlines() or [""]
        return [f"{_RED}{_BOLD}✗ {title}{_RESET}", *rest]


# Named like its base class, so an error output's ``ename`` stays "AssertionError" for nbgrader,
# the grader's feedback extraction and the Binder error policy.
CheckFailure.__name__ = CheckFailure.__qualname__ = "AssertionError"


def fail(title: str, facts: Sequence[str] = (), hint: str | None = None) -> NoReturn:
    """Raise the CheckFailure whose message is this card (its parts kept as attributes)."""
    failure = CheckFailure("\n".join(card_lines(title, facts, hint)))
    failure.title, failure.facts, failure.hint = title, tuple(facts), hint
    raise failure from None
