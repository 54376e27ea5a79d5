"""A play/pause button a screen reader can name, in front of an ipywidgets ``Play``.

ipywidgets' ``Play`` draws icon-only buttons (play/pause, stop, repeat) with no text, title or
label, so a screen reader announces only "button" (axe-core: button-name, critical), and no
trait of the widget reaches them. ``PlayBox(play)`` puts the ``Play`` in a box behind a
``ToggleButton`` whose text says what it does (the Play's description; "pause" while playing),
linked in the browser (``jslink``) to the Play's ``playing``, and hides the Play's own buttons. The ``Play`` still runs the animation (its timer
lives in the browser, so a static page animates too); pressing the button again pauses it,
and the Play switches the button off when it reaches its end.
"""

from __future__ import annotations

import ipywidgets as widgets

PLAY_CLASS = "bpwidgets-play"  # CSS class of the box holding the button and its Play


class PlayBox(widgets.HBox):
    """A named play/pause ``button`` and the ``play`` it starts and pauses (see module doc)."""

    def __init__(self, play: widgets.Play):
        if not isinstance(play, widgets.Play):
            raise TypeError(f"play must be an ipywidgets.Play; got {type(play).__name__}")
        self.play = play
        self.label = play.description or "play"  # the button's text while stopped
        # a tooltip always: without one the front end writes title="null" on the button
        self.button = widgets.ToggleButton(value=play.playing, description=self.label,
                                           icon="play", tooltip="play or pause the animation",
                                           layout=widgets.Layout(width="86px"))
        self.link = widgets.jslink((self.button, "value"), (play, "playing"))
        self.button.observe(self._show_state, names="value")
        super().__init__([self.button, play], layout=widgets.Layout(
            display=play.layout.display, align_items="center"))
        self.add_class(PLAY_CLASS)
        play.layout.display = "none"

    def _show_state(self, change) -> None:
        playing = change["new"]
        self.button.description = "pause" if playing else self.label
        self.button.icon = "pause" if playing else "play"

    def close(self) -> None:
        """Close the box and the browser-side link of button and Play."""
        link = getattr(self, "link", None)  # None when the constructor refused its argument
        if link is not None:
            link.close()
        super().close()


def name_plays(rows: list[widgets.Widget]) -> dict[int, PlayBox]:
    """Replace every ``Play`` inside ``rows`` (boxes at any depth) by its :class:`PlayBox`, in
    place; return the boxes by ``id`` of their Play."""
    boxes: dict[int, PlayBox] = {}
    for index, row in enumerate(rows):
        if isinstance(row, widgets.Play):
            boxes[id(row)] = rows[index] = PlayBox(row)
        elif isinstance(row, widgets.Box):
            children = list(row.children)
            boxes.update(name_plays(children))
            row.children = children
    return boxes
