"""Every control of every panel over its whole range: the kernel is never held over 1 s.

One control at a time from the defaults (waiting for each picture), then every numeric control
at its maximum and every choice through its options there (a student's quick succession of
changes, each superseding the last). The driver is benchmarks/panel_sweep.py, which
bench_panels_sweep.py also prints.
"""

import sys
import warnings
from pathlib import Path

import pytest

import bpwidgets.panels as panels
from bpwidgets.panel_registry import PANELS

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from panel_sweep import run_sweep  # noqa: E402

pytestmark = [pytest.mark.background, pytest.mark.slow]
MAX_HOLD = 1.0  # seconds a change may hold the kernel


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", PANELS.values())  # the panels that open with defaults
def test_every_control_over_its_range_holds_the_kernel_at_most_one_second(name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sweep = run_sweep(getattr(panels, name), wait_limit=300, maxima_wait=60)
    # a dependency's own deprecation notices (e.g. pyparsing's under Matplotlib 3.8) are not ours
    ours = [w for w in caught if not (issubclass(w.category, DeprecationWarning)
                                      and "bpwidgets" not in w.filename)]
    assert [str(w.message) for w in ours] == []
    held = [(c.control, c.value, round(c.hold, 2)) for c in sweep.changes if c.hold > MAX_HOLD]
    assert held == [], f"changes holding the kernel over {MAX_HOLD} s"
    for c in sweep.changes[1:-1]:
        if not (c.awaited and c.state_changed):
            continue
        assert c.picture is not None, f"{c.control}={c.value!r}: no picture within the limit"
        assert c.new_picture or c.error, f"{c.control}={c.value!r}: no new picture"
        assert not c.error or " must " in c.error, f"{c.control}={c.value!r}: {c.error}"
    final = sweep.changes[-1]
    assert final.new_picture or not final.state_changed, "no picture at all at the maxima"
    assert final.error == ""
