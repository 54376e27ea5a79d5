"""The widgets that give a panel's picture and animation names a screen reader announces."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from bpwidgets.core.value import Value
from bpwidgets.panel_registry import ALL_PANELS, PANELS_NEEDING_ARGUMENTS, panel_class
from bpwidgets.panels.chain_rule import ChainRulePanel
from bpwidgets.panels.described_image import DescribedImage
from bpwidgets.panels.play_button import PLAY_CLASS, PlayBox, name_plays


def test_described_image_text_is_its_tooltip_and_its_model_has_an_empty_description():
    image = DescribedImage("a parabola", format="png")
    assert image.text == image.tooltip == "a parabola"
    state = image.get_state(drop_defaults=True)  # as static pages store it
    assert state["tooltip"] == "a parabola" and state["description"] == ""
    image.text = ""
    assert image.tooltip is None and image.text == ""
    with pytest.raises(TypeError, match="text must be a str; got int"):
        image.text = 3


def test_play_box_hides_the_plays_buttons_and_names_its_toggle():
    play = widgets.Play(max=5)
    box = PlayBox(play)
    assert list(box.children) == [box.button, play] and PLAY_CLASS in box._dom_classes
    assert play.layout.display == "none" and box.layout.display is None
    assert box.button.description == "play" and box.button.tooltip
    assert PlayBox(widgets.Play(description="train")).button.description == "train"
    # the browser-side link drives the Play from the button (and back)
    assert box.link.source == (box.button, "value") and box.link.target == (play, "playing")
    box.button.value = True
    assert (box.button.description, box.button.icon) == ("pause", "pause")
    box.button.value = False
    assert box.button.description == "play"
    box.close()
    assert box.link.comm is None and box.comm is None
    with pytest.raises(TypeError, match="play must be an ipywidgets.Play; got IntSlider"):
        PlayBox(widgets.IntSlider())


def test_name_plays_replaces_plays_at_any_depth_and_keeps_other_widgets():
    slider, play = widgets.IntSlider(), widgets.Play()
    inner = widgets.VBox([widgets.HBox([play, slider])])
    rows = [inner, widgets.Play()]
    boxes = name_plays(rows)
    assert isinstance(rows[1], PlayBox) and boxes[id(rows[1].play)] is rows[1]
    row = inner.children[0]
    assert isinstance(row.children[0], PlayBox) and row.children[1] is slider
    assert boxes[id(play)] is row.children[0]


def test_every_control_of_every_panel_has_a_name_and_every_button_a_tooltip():
    for name in ALL_PANELS:
        cls = panel_class(name)
        panel = cls(Value) if name in PANELS_NEEDING_ARGUMENTS else cls()
        buttons = [box.button for box in panel._play_boxes.values()]
        for control_name, control in [*panel.controls.items(), *(("play", b) for b in buttons)]:
            assert control.description.strip(), (name, control_name)
            if isinstance(control, (widgets.Button, widgets.ToggleButton)):
                # without a tooltip the front end writes title="null" on a button
                assert control.tooltip, (name, control_name)
        panel.close()


def test_a_panels_play_box_follows_show_and_hide():
    shown = ChainRulePanel()
    (box,) = shown._play_boxes.values()
    assert box.play is shown.controls["play"] and box.layout.display is None
    hidden = ChainRulePanel(hide=["play"])
    (box,) = hidden._play_boxes.values()
    assert box.layout.display == "none"
    hidden.show_control("play", True)  # hidden by the caller: stays hidden
    assert box.layout.display == "none"
