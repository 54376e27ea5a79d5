"""An ``ipywidgets.Image`` whose picture carries a text alternative screen readers announce.

ipywidgets' ``Image`` has no ``alt`` trait. Its ``tooltip`` becomes the ``title`` attribute of
the ``<img>``, which is the image's accessible name when it has no ``alt`` (axe-core's
image-alt rule accepts a non-empty title). But the widget managers of ipywidgets 8.1
(JupyterLab's, Notebook 7's and the html-manager 1.0.x of static pages) decide where the
tooltip goes with ``model.get("description").length``, and an Image model has no description:
the view then throws and the picture is never drawn (ipywidgets PR #3921 proposes the fix).
``DescribedImage`` gives its model an empty ``description`` (kept in embedded states too), so
every manager puts the tooltip on the ``<img>`` as its title; ``text`` sets it.
"""

from __future__ import annotations

import ipywidgets as widgets
from traitlets import Unicode


class DescribedImage(widgets.Image):
    """An Image whose ``text`` is its text alternative (the ``<img>``'s title)."""

    # Always "" once built: present only so the front end's tooltip code can read its length.
    # Declared None, so a state written without defaults (static pages) still carries the "".
    description = Unicode(None, allow_none=True, read_only=True).tag(sync=True)

    def __init__(self, text: str = "", **kwargs):
        super().__init__(**kwargs)
        self.set_trait("description", "")
        self.text = text

    @property
    def text(self) -> str:
        """The text alternative of the picture ('' when there is none yet)."""
        return self.tooltip or ""

    @text.setter
    def text(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"text must be a str; got {type(value).__name__}")
        self.tooltip = value or None
