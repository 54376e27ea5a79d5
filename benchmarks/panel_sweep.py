"""Drive every control of a panel over its whole range and time how long each change holds
the kernel (the setter returning) and how long until its picture is shown.

Shared by tests/panels/test_sweep.py (which asserts the bounds) and
benchmarks/bench_panels_sweep.py (which prints them). Two phases per panel:

1. one control at a time from the defaults, over evenly spaced values from its minimum to its
   maximum (every option of a choice, both states of a box, a click of every button),
   waiting for the picture after each change;
2. every numeric control at its maximum, then every choice through its options there, each
   change made as a student would make them in a row (without waiting: each one supersedes
   the last), then the picture of the final state is awaited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import ipywidgets as widgets
import numpy as np

POINTS = 5  # values per numeric control: min, max and three between
FORMULAS = ("x * y + z", "tanh(a * b) + sigmoid(c)", "q" * 31 + " * y", "(x + y) * z")
FREE_NUMBERS = (-1.0, 0.0, 1e-3, 0.5, 50.0)  # for number boxes without bounds
_CHOICES = (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)
_NUMERIC = (widgets.IntSlider, widgets.FloatSlider, widgets.FloatLogSlider,
            widgets.BoundedIntText, widgets.BoundedFloatText)


@dataclass
class Change:
    """One control change: what, how long the kernel was held, until the picture (seconds)."""

    control: str
    value: object
    hold: float
    picture: float | None = None  # None: not awaited (phase 2) or not shown within the limit
    new_picture: bool = False
    error: str = ""
    state_changed: bool = True  # False: the value was already set (nothing to redraw)
    awaited: bool = False  # the picture was waited for (phase 1 and the final state)


@dataclass
class Sweep:
    """Every change of one panel's sweep."""

    panel: str
    changes: list = field(default_factory=list)

    def holds(self) -> np.ndarray:
        """Kernel holds of every change, seconds."""
        return np.array([c.hold for c in self.changes])

    def pictures(self) -> np.ndarray:
        """Control-to-picture times of the awaited changes, seconds."""
        return np.array([c.picture for c in self.changes if c.picture is not None])


def sweep_values(widget) -> list:
    """The values one control is driven through (see the module docstring)."""
    if isinstance(widget, widgets.FloatLogSlider):
        exponents = np.linspace(widget.min, widget.max, POINTS)
        return [float(widget.base ** e) for e in exponents]
    if isinstance(widget, _NUMERIC):
        values = np.linspace(widget.min, widget.max, POINTS)
        if isinstance(widget, (widgets.IntSlider, widgets.BoundedIntText)):
            return sorted({int(round(v)) for v in values})
        return [float(v) for v in values]
    if isinstance(widget, widgets.FloatText):
        return list(FREE_NUMBERS)
    if isinstance(widget, _CHOICES):
        return [o[1] if isinstance(o, tuple) else o for o in widget.options]
    if isinstance(widget, widgets.SelectMultiple):
        options = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return [(o,) for o in options] + [tuple(options)]
    if isinstance(widget, widgets.Checkbox):
        return [not widget.value, widget.value]
    if isinstance(widget, widgets.Text):
        return list(FORMULAS)
    if isinstance(widget, widgets.Play):
        return [int(v) for v in np.linspace(widget.min, min(widget.max, widget.min + 40), 3)]
    return []


def change(panel, name, value, wait_limit: float | None) -> Change:
    """Make one change as the front end would; time the hold and (optionally) the picture."""
    widget = panel.controls[name]
    shown, before = panel.pictures_shown, panel.state
    start = time.perf_counter()
    if isinstance(widget, widgets.Button):
        widget.click()
    else:
        widget.value = value
    hold = time.perf_counter() - start
    record = Change(name, value, hold)
    record.state_changed = panel.state != before
    if wait_limit is not None:
        record.awaited = True
        done = panel.wait(timeout=wait_limit)
        record.picture = time.perf_counter() - start if done else None
        record.new_picture = panel.pictures_shown > shown
        record.error = panel.error
    return record


def controls_of(panel) -> list:
    """(name, widget) of the panel's controls in order, buttons included."""
    return list(panel.controls.items())


def each_control(panel, sweep: Sweep, wait_limit: float, values_of) -> None:
    """Each control in turn through ``values_of(widget)`` (a list) from its start, back to
    its start after, each picture awaited; buttons are clicked."""
    for name, widget in controls_of(panel):
        if name not in panel.controls:  # removed by an earlier change (formula inputs)
            continue
        if isinstance(widget, widgets.Button):
            sweep.changes.append(change(panel, name, "click", wait_limit))
            continue
        start = widget.value
        for value in values_of(widget):
            sweep.changes.append(change(panel, name, value, wait_limit))
        if name in panel.controls and panel.controls[name].value != start:
            sweep.changes.append(change(panel, name, start, wait_limit))


def one_at_a_time(panel, sweep: Sweep, wait_limit: float) -> None:
    """Phase 1: each control over its range from the defaults, back to its start after."""
    each_control(panel, sweep, wait_limit, sweep_values)


def neighbour(widget):
    """The value one step from the control's current one (None: no such step, e.g. text)."""
    value = widget.value
    if isinstance(widget, widgets.FloatLogSlider):
        exponent = np.log(value) / np.log(widget.base) + widget.step
        if exponent > widget.max:
            exponent -= 2 * widget.step
        return float(widget.base ** exponent)
    if isinstance(widget, (*_NUMERIC, widgets.Play)):
        step = widget.step or 1
        return value + step if value + step <= widget.max else value - step
    if isinstance(widget, _CHOICES):
        options = [o[1] if isinstance(o, tuple) else o for o in widget.options]
        return options[(options.index(value) + 1) % len(options)] if len(options) > 1 else None
    if isinstance(widget, widgets.Checkbox):
        return not value
    return None


def nudge_each_control(panel, sweep: Sweep, wait_limit: float) -> None:
    """A student's small moves at the default sizes: each control one step (the next option,
    the other state) from its default and back, each picture awaited; buttons are clicked."""
    def one_step(widget) -> list:
        step = neighbour(widget)
        return [] if step is None or step == widget.value else [step]

    each_control(panel, sweep, wait_limit, one_step)


def all_at_maxima(panel, sweep: Sweep) -> None:
    """Phase 2: numeric controls to their maxima, then each choice's options, no waiting."""
    for name, widget in controls_of(panel):
        if isinstance(widget, _NUMERIC) and name in panel.controls:
            sweep.changes.append(change(panel, name, widget.max, None))
    for name, widget in controls_of(panel):
        if isinstance(widget, (*_CHOICES, widgets.Checkbox)) and name in panel.controls:
            for value in sweep_values(widget):
                sweep.changes.append(change(panel, name, value, None))


def run_sweep(cls, wait_limit: float = 120.0, maxima_wait: float | None = 120.0,
              make=None) -> Sweep:
    """Both phases on a new panel of ``cls``; closes the panel after. (The sweep test, marked
    ``background``, collects and freezes the session's older objects first: tests/conftest.py.)"""
    start = time.perf_counter()
    panel = make() if make else cls()
    sweep = Sweep(cls.__name__)
    sweep.changes.append(Change("(constructor)", None, time.perf_counter() - start))
    panel.wait()
    try:
        one_at_a_time(panel, sweep, wait_limit)
        shown, first = panel.pictures_shown, len(sweep.changes)
        all_at_maxima(panel, sweep)
        begin = time.perf_counter()
        done = panel.wait(timeout=maxima_wait)
        final = Change("(all at maxima)", None, 0.0,
                       time.perf_counter() - begin if done else None,
                       panel.pictures_shown > shown, panel.error if done else "",
                       any(c.state_changed for c in sweep.changes[first:]), awaited=True)
        sweep.changes.append(final)
    finally:
        thread = panel._worker._thread
        panel.close()
        if thread is not None:  # let unfinished work stop before the next panel is timed
            thread.join(timeout=600)
    return sweep
