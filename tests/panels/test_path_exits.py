"""path_exits: where a path leaves a box, which arrow points its way, merged notes."""

from __future__ import annotations

import numpy as np
import pytest

from bpwidgets.panels.path_exits import alignment, arrow, exits, off_plot, path_exit, plain_notes

BOX = ((-1.0, 1.0), (-1.0, 1.0))


@pytest.mark.parametrize(("dx", "dy", "expected"), [
    (1, 0, "→"), (1, 1, "↗"), (0, 2, "↑"), (-3, 3, "↖"), (-1, 0.1, "←"), (0.1, -5, "↓"),
])
def test_arrow_points_the_nearest_of_eight_ways(dx, dy, expected):
    assert arrow(dx, dy) == expected


def test_a_path_leaves_where_its_segment_crosses_the_edge():
    path = np.array([[0.0, 0.0], [0.5, 0.0], [3.0, 1.25]])
    step, point, _ = path_exit(path, *BOX)
    assert step == 2
    np.testing.assert_allclose(point, [1.0, 0.25])  # the segment meets x = 1 a fifth of the way


def test_an_overflow_leaves_onward_from_the_last_two_points():
    path = np.array([[0.0, 0.0], [0.0, -0.5], [np.nan, np.nan]])
    step, point, direction = path_exit(path, *BOX)
    assert step == 2 and arrow(*direction) == "↓"
    np.testing.assert_allclose(point, [0.0, -1.0])


def test_paths_that_stay_inside_or_start_outside_have_no_exit():
    assert path_exit(np.array([[0.0, 0.0], [0.5, 0.5]]), *BOX) is None
    assert path_exit(np.array([[2.0, 0.0], [0.5, 0.5]]), *BOX) is None


def test_an_unseen_start_is_pointed_at_from_the_nearest_edge():
    nearest, direction = off_plot((3.0, -0.5), *BOX)
    np.testing.assert_allclose(nearest, [1.0, -0.5])
    assert arrow(*direction) == "→"
    assert off_plot((0.0, 0.0), *BOX) is None


def test_runs_leaving_together_share_a_note():
    together = np.array([[0.0, 0.0], [0.0, 0.9], [0.0, 5.0]])
    elsewhere = np.array([[0.0, 0.0], [-5.0, 0.0]])
    notes = exits({"sgd": together, "momentum": together + [0.01, 0], "adam": elsewhere},
                  (0.0, 0.0), *BOX)
    assert [note.text for note in notes] == ["sgd, momentum\nleave at step 2 ↑",
                                             "adam leaves at step 1 ←"]


def test_notes_are_aligned_to_stay_inside_the_box():
    assert alignment((1.0, 0.0), *BOX)[:2] == ("right", "center")
    assert alignment((-1.0, 1.0), *BOX)[:2] == ("left", "top")


def test_runs_leaving_near_each_other_at_different_steps_share_a_note():
    early = np.array([[0.0, 0.0], [0.1, -5.0]])
    late = np.array([[0.0, 0.0], [0.0, -0.5], [-0.3, -5.0]])
    (note,) = exits({"adam": early, "sgd": late}, (0.0, 0.0), *BOX)
    assert note.text == "adam, sgd\nleave at steps 1–2 ↓"


def test_plain_notes_read_as_one_line_without_arrows():
    together = np.array([[0.0, 0.0], [0.0, 0.9], [0.0, 5.0]])
    notes = exits({"sgd": together, "adam": together}, (0.0, 0.0), *BOX)
    assert plain_notes(notes) == "sgd, adam leave at step 2"
