"""Export safety: frame caps before any rendering, grids the page can show truthfully, and a
panel left exactly as it was after any failed export."""

from __future__ import annotations

import pytest

from bpwidgets.embed import (
    DEFAULT_MAX_FRAMES,
    ExportTooLarge,
    GridError,
    export_grid,
    frame_count,
    render_frames,
    to_html,
)
from bpwidgets.panels.chain_rule import ChainRulePanel
from bpwidgets.panels.network import NetworkPanel


@pytest.fixture()
def circuit():
    return ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4)


@pytest.fixture()
def renders(circuit, monkeypatch):
    """Counts the circuit's recomputations."""
    calls = []
    original = circuit.refresh
    monkeypatch.setattr(circuit, "refresh", lambda: (calls.append(1), original())[1])
    return calls


def as_it_was(panel):
    """What must be unchanged after a failed export: the state, the picture, no error."""
    return panel.state, panel.render_png(), panel.error, sorted(panel.controls)


def test_a_huge_grid_is_refused_before_anything_renders(circuit, renders, tmp_path):
    huge = {name: [float(v) for v in range(1001)] for name in ("x", "y", "z")}
    assert frame_count(export_grid(circuit, huge)) == 1001 ** 3 * 10
    with pytest.raises(ExportTooLarge, match=r"10,030,030,010 frames .*over the cap of 3,000"
                                             r".*--max-frames"):
        to_html(circuit, tmp_path / "huge.html", grid=huge, max_bytes=10**15)
    assert renders == [] and not (tmp_path / "huge.html").exists()


def test_max_frames_is_the_cap_and_render_frames_checks_it_too(circuit, renders):
    assert DEFAULT_MAX_FRAMES == 3_000
    with pytest.raises(ExportTooLarge, match="needs 10 frames"):
        render_frames(circuit, export_grid(circuit), max_frames=9)
    assert renders == []
    assert len(render_frames(circuit, export_grid(circuit), max_frames=10)) == 10


def test_grid_values_the_control_would_clamp_or_reject_are_refused(circuit):
    with pytest.raises(GridError, match=r"grid\['step'\] values must be whole numbers from 0 "
                                        r"to 9 \(the control's range\); got -5, 1000"):
        export_grid(circuit, {"step": [-5, 0, 1000]})
    with pytest.raises(GridError, match=r"got 2\.5, 'abc'"):
        export_grid(circuit, {"step": [2.5, "abc"]})
    with pytest.raises(GridError, match=r"grid\['x'\] values must be numbers; got 'abc'"):
        export_grid(circuit, {"x": [1.0, "abc"]})
    network = NetworkPanel()
    with pytest.raises(GridError, match=r"grid\['view'\] values must be among the options .*"
                                        r"got 'nope'"):
        export_grid(network, {"view": ["nope"]})


def test_a_grid_over_a_control_that_changes_others_is_refused_and_the_panel_kept(circuit,
                                                                                  tmp_path):
    before = as_it_was(circuit)
    with pytest.raises(GridError, match=r"grid over 'expression': changing it also changes "
                                        r"other controls \('a', 'b', 'x', 'y', 'z', 'step'\)"):
        to_html(circuit, tmp_path / "e.html", grid={"expression": ["(x + y) * z", "a * b"]})
    assert as_it_was(circuit) == before and not (tmp_path / "e.html").exists()


def test_a_grid_over_inputs_that_keep_the_graph_renders(circuit):
    # Changing an input keeps the graph's shape: allowed, every frame renders.
    assert len(render_frames(circuit, {"x": [-2.0, 1.0], "step": [0, 9]})) == 4


def test_panel_is_kept_when_the_size_cap_stops_an_export(circuit, tmp_path):
    circuit.controls["step"].value = 6
    before = as_it_was(circuit)
    with pytest.raises(ExportTooLarge):
        to_html(circuit, tmp_path / "big.html", max_bytes=60_000)
    assert as_it_was(circuit) == before


def test_panel_is_kept_when_a_frame_hook_fails(circuit):
    circuit.controls["x"].value = 1.5
    before = as_it_was(circuit)

    def fail_on_third(panel):
        if panel.controls["step"].value == 3:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        render_frames(circuit, {"step": [1, 2, 3, 4], "x": [0.0, 2.0]}, before_frame=fail_on_third)
    assert as_it_was(circuit) == before


def test_panel_with_changed_inputs_is_restored_after_a_refused_expression_grid():
    panel = ChainRulePanel("a * b + c", a=2, b=-3, c=1)
    panel.controls["step"].value = 4
    before = as_it_was(panel)
    with pytest.raises(GridError):
        render_frames(panel, {"expression": ["a * b + c", "u - v"], "step": [0, 1]})
    assert as_it_was(panel) == before



def test_a_leader_control_in_the_grid_resets_its_dependents_per_frame(tmp_path):
    """The loss surface's default grid varies ``mode``, whose change resets lr, start and
    steps: each frame is that mode's own picture, and the panel is left as it was."""
    from bpwidgets.panels import LossSurfacePanel

    panel = LossSurfacePanel()
    before = panel.state
    frames = render_frames(panel, {"mode": ["quadratic", "rosenbrock"], "view": ["contour"]})
    assert panel.state == before
    assert frames[0].png == LossSurfacePanel(mode="quadratic").render_png()
    assert frames[1].png == LossSurfacePanel(mode="rosenbrock").render_png()
    panel.to_html(tmp_path / "surface.html")  # the panel's own default grid exports
    assert (tmp_path / "surface.html").stat().st_size > 0


def test_a_grid_varying_a_leader_and_one_of_its_dependents_is_refused():
    from bpwidgets.panels import LossSurfacePanel

    with pytest.raises(GridError):
        render_frames(LossSurfacePanel(), {"mode": ["quadratic", "rosenbrock"], "step": [0, 200]})
