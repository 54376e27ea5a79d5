"""Run in a subprocess by test_memory.py: RSS growth over create/close cycles of one panel."""

import ctypes
import gc
import sys
import time
from pathlib import Path

import bpwidgets.panels as panels

# Panels that need an argument (bpwidgets.panel_registry.PANELS_NEEDING_ARGUMENTS) get one here.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "grading" / "fixtures"))
from student_values import CorrectValue  # noqa: E402

ARGUMENTS = {"AutogradComparePanel": (CorrectValue,)}


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc), after handing freed heap pages back
    to the system (glibc keeps them otherwise, which would count freed memory as held)."""
    gc.collect()
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def cycle(cls) -> None:
    panel = cls(*ARGUMENTS.get(cls.__name__, ()))
    panel.render_png()
    panel.close()


if __name__ == "__main__":
    cls = getattr(panels, sys.argv[1])
    cycles = int(sys.argv[2])
    for _ in range(5):  # warm up: imports, caches, fonts, text sprites, allocator pools
        cycle(cls)
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    for _ in range(cycles):
        cycle(cls)
    gc.collect()
    print(rss_bytes() - before, time.perf_counter() - start)
