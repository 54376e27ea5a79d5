"""AutogradComparePanel: the student's graph beside the core's, the reported node ringed."""

from __future__ import annotations

from bpwidgets.panels.autograd_compare import AutogradComparePanel
from bpwidgets.panels.palette import ERROR_TEXT, HIGHLIGHT
from tests.grading.fixtures.student_values import BUGGY, CorrectValue


def ringed_names(drawing) -> list[str]:
    return [name.get_text() for box, name in zip(drawing.boxes, drawing.names, strict=True)
            if box.get_linewidth() > 3]


def test_a_wrong_class_opens_on_the_failing_graph_with_its_first_wrong_node_ringed():
    panel = AutogradComparePanel(BUGGY["assign_not_accumulate"])
    assert panel.state == {"graph": "reuse"}
    reference, student = panel._drawings
    assert ringed_names(reference) == ringed_names(student) == ["a"]
    box = student.boxes[[n.get_text() for n in student.names].index("a")]
    assert box.get_edgecolor()[:3] == tuple(int(HIGHLIGHT[i:i + 2], 16) / 255 for i in (1, 3, 5))
    texts = {n.get_text(): t for n, t in zip(student.names, student.texts, strict=True)}
    assert texts["a"].get_text() == "value -2\ngrad -3 ✗"  # the student's number, marked
    assert "✗" not in texts["b"].get_text()
    assert texts["a"].get_color() == ERROR_TEXT and texts["b"].get_color() == "black"
    assert "`self.grad += ...`" in panel.caption_text


def test_a_correct_class_shows_equal_gradients_on_every_graph():
    panel = AutogradComparePanel(CorrectValue)
    for name in panel.export_grid()["graph"]:
        panel.controls["graph"].value = name
        assert panel.error == ""
        reference, student = panel._drawings
        assert ringed_names(student) == []
        grads = [t.get_text().split("grad ")[1] for t in reference.texts]
        mine = [t.get_text().split("grad ")[1] for t in student.texts]
        assert [g for g, m in zip(grads, mine, strict=True) if m != "–"] == \
            [m for m in mine if m != "–"]
        assert panel.caption_text.startswith("✓")


def test_a_class_that_cannot_build_the_graph_is_explained_not_raised():
    class Unfinished:
        def __init__(self, data):
            raise NotImplementedError

    panel = AutogradComparePanel(Unfinished)
    assert panel.error == "" and "NotImplementedError" in panel.caption_text
    assert "stopped" in panel.titles[1].get_text()
