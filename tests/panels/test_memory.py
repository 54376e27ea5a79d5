"""Dropped panels are freed: create/close cycles in a fresh subprocess keep the RSS flat."""

import subprocess
import sys
from pathlib import Path

import pytest

import bpwidgets.panels as panels

CYCLES = 50
ALLOWED_GROWTH = 20 * 2**20  # bytes over all cycles
PROBE = Path(__file__).with_name("memory_probe.py")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", panels.__all__)
def test_fifty_create_close_cycles_add_less_than_20_mb(name):
    result = subprocess.run([sys.executable, str(PROBE), name, str(CYCLES)],
                            capture_output=True, text=True, check=True)
    growth = int(result.stdout.split()[0])
    assert growth < ALLOWED_GROWTH, f"{name}: {growth / 2**20:.1f} MB held after {CYCLES} cycles"
    assert "Traceback" not in result.stderr, result.stderr


def test_close_closes_every_widget_and_drops_the_figure():
    panel = panels.NetworkPanel()
    owned = _open_widgets_of(panel)
    assert len(owned) > 20  # the rows, the controls, the image and their layouts and styles
    panel.close()
    assert panel.figure is None
    assert [w for w in owned if w.comm is not None] == []
    panel.close()  # closing twice is harmless


def _open_widgets_of(panel):
    from bpwidgets.panels.base import _descendants

    found = {id(w): w for w in _descendants(panel)}
    for control in panel.controls.values():
        found.update({id(w): w for w in _descendants(control)})
    return [w for w in found.values() if w.comm is not None]
