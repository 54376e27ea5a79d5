"""Long panel updates run on the panel's worker: the kernel is not held, the latest state wins."""

import time

import ipywidgets as widgets
import numpy as np
import pytest

from bpwidgets.core.gradflow import gradient_flow
from bpwidgets.panels import background
from bpwidgets.panels.base import Panel
from bpwidgets.panels.gradient_flow import GradientFlowPanel

pytestmark = pytest.mark.background
SLICE = 0.02  # seconds per slice of the slow panel's work


class SlowPanel(Panel):
    """A panel whose compute takes ``n`` slices of SLICE seconds, with a checkpoint each."""

    figsize = (2, 1)

    def __init__(self, **state):
        self.slices_done = []  # per job: how many slices ran
        self.partials = 0
        controls = {"n": widgets.IntSlider(value=1, min=0, max=200, description="n")}
        super().__init__(controls, state=state)

    def setup_figure(self, figure):
        self.text = figure.text(0.5, 0.5, "")

    def compute(self):
        n = self.state["n"]
        self.slices_done.append(0)
        for k in range(n):
            time.sleep(SLICE)
            self.slices_done[-1] += 1
            background.checkpoint("slices", k + 1, n)
            background.show_partial(k + 1)
        return n

    def draw(self, data):
        self.shown = data
        self.partials += 1
        self.text.set_text(str(data))


def timed_set(panel, name, value) -> float:
    """Set a control as the front end would and return how long the kernel was held."""
    start = time.perf_counter()
    panel.controls[name].value = value
    return time.perf_counter() - start


def poll(condition, seconds=30.0) -> bool:
    """Wait until ``condition()`` holds (True) or ``seconds`` pass (False)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_quick_update_is_shown_before_the_change_returns():
    panel = SlowPanel()
    assert timed_set(panel, "n", 2) < 1.0
    assert not panel.busy and panel.shown == 2 and panel.status_line.value == ""
    start = time.perf_counter()
    assert panel.wait() is True and time.perf_counter() - start < 0.05  # nothing pending
    panel.close()


def test_long_work_goes_on_in_the_background_with_progress_and_partial_pictures():
    panel = SlowPanel()
    assert timed_set(panel, "n", 150) < 1.0  # 3 s of work
    assert panel.busy and "computing" in panel.status_line.value
    assert poll(lambda: "slices" in panel.status_line.value and " of 150" in
                panel.status_line.value)
    assert poll(lambda: panel.partials >= 3)  # intermediate pictures while it runs
    assert panel.wait(timeout=60) and panel.shown == 150
    assert panel.status_line.value == "" and panel.error == ""
    assert 'role="status"' not in panel.status_line.value
    panel.close()


def test_the_next_change_supersedes_stale_work():
    panel = SlowPanel()
    assert timed_set(panel, "n", 200) < 1.0
    assert poll(lambda: panel.slices_done[-1] >= 5)
    assert timed_set(panel, "n", 3) < 1.0
    assert panel.wait(timeout=60)
    assert panel.shown == 3 and panel.state["n"] == 3
    assert panel.slices_done[-2] < 200  # the stale job stopped at a checkpoint
    panel.close()


def test_a_failing_job_shows_its_error_and_construction_still_raises():
    class Failing(SlowPanel):
        def compute(self):
            if self.state["n"] == 7:
                raise ValueError("n must not be 7; got 7")
            return super().compute()

    panel = Failing()
    panel.controls["n"].value = 7
    assert panel.error == "n must not be 7; got 7"
    panel.controls["n"].value = 1
    assert panel.error == ""
    with pytest.raises(ValueError, match="must not be 7"):
        Failing(n=7)
    panel.close()


def test_close_ends_the_worker_thread():
    panel = SlowPanel()
    panel.controls["n"].value = 100
    thread = panel._worker._thread
    panel.close()
    thread.join(timeout=5)
    assert not thread.is_alive()


def test_gradient_flow_training_continues_the_run_and_matches_the_synchronous_picture():
    config = {"depth": 4, "width": 16, "batch": 16, "init": "xavier", "lr": 0.05}
    panel = GradientFlowPanel(**config)
    panel.controls["steps"].value = 20
    panel.wait()
    run = panel._run
    panel.controls["steps"].value = 25  # 5 more steps, not 25 from scratch
    panel.wait()
    assert panel._run is run and run.steps_reached == 25
    panel.controls["steps"].value = 10  # a lookup
    panel.wait()
    assert run.steps_reached == 25 and panel.flow.step == 10
    expected = gradient_flow(steps=10, activation="tanh", seed=0, **config)
    np.testing.assert_array_equal(panel.flow.deltas.norm, expected.deltas.norm)
    assert panel.flow.message == expected.message
    panel.close()
    assert panel._run is None
