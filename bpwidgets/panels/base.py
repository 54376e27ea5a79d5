"""The panel framework: controls + a persistent figure + a caption + an error line.

A panel is an ``ipywidgets.VBox`` (CSS class ``bpwidgets-panel``) holding, top to bottom: rows
of controls, an ``Image`` showing the figure as PNG whose text alternative is the panel's
``describe()`` (:class:`~bpwidgets.panels.described_image.DescribedImage`), a one-line caption,
an error line, a folded text description of the figure (an HTML ``<details>`` element), and a
hidden ``Output`` whose script names the slider handles for screen readers
(:mod:`~bpwidgets.panels.slider_names`).

The figure is one ``matplotlib.figure.Figure`` on an Agg canvas (never pyplot), so the panel
looks the same in JupyterLab, Notebook 7, VS Code, Colab, Voila and static HTML, whatever the
kernel's matplotlib backend. Its artists are created once and updated in place. The canvas
(:class:`bpwidgets.panels.text_sprites.SpriteCanvasAgg`) renders each distinct line of text once
and reuses its pixels, since text is most of the cost of a redraw.

The life cycle of one update
----------------------------
``control change → sync_controls(changed) → compute() → draw(data) → PNG → Image``.

- ``sync_controls(changed)`` is the one place that may change controls: which are shown
  (``show_control``), their ranges, values that follow other values (a mode's defaults, a step
  clamped to the run's end), and the panel's own working state (a new network). ``changed``
  lists the names of the controls changed since the last update, oldest first.
- ``compute()`` is pure: it reads ``self.state`` and returns data (caches aside); it may raise.
- ``draw(data)`` updates the artists in place from that data.

How to write a panel
--------------------
Subclass :class:`Panel` and implement four methods (and ``sync_controls`` when controls depend
on each other)::

    class SquarePanel(Panel):
        figsize = (5, 3)                       # inches; dpi is Panel.dpi

        def __init__(self, *, hide=(), **state):
            controls = {"x": widgets.FloatSlider(value=1.0, min=-3, max=3,
                                                 description="x", style=LABEL_STYLE)}
            super().__init__(controls, hide=hide, state=state)

        def setup_figure(self, figure):        # once: create axes and artists
            self.ax = figure.add_subplot()
            self.point, = self.ax.plot([], [], "o")

        def compute(self):                     # pure: read self.state, return data, may raise
            x = self.state["x"]
            if x == 0:
                raise ValueError("x must be non-zero; got 0")
            return {"x": x, "y": x * x}

        def draw(self, data):                  # update artists in place, no new figure/axes
            self.point.set_data([data["x"]], [data["y"]])
            self.set_caption(f"x² = {data['y']:.2f}")

        def describe(self):                    # text description of the current figure
            return f"A point at x = {self.state['x']:.2f} on the parabola y = x²."

What the base class does for you
--------------------------------
- ``panel.controls`` (dict name → widget), ``panel.image``, ``panel.figure``, ``panel.state``
  (dict name → value of every control that has a value, except ``Play`` animation drivers;
  JSON-friendly). ``SomePanel(**panel.state)`` restores a state; unknown names raise TypeError.
- ``hide=["name", ...]`` hides controls (they still work from code); unknown names raise.
  ``show_control(name, shown)`` shows or hides a control as the state requires, in
  ``sync_controls``; a control hidden with ``hide=`` stays hidden.
- Setting ``panel.controls[name].value`` recomputes and re-renders synchronously, so tests and
  lessons drive a panel without any display. ``with panel.hold(): ...`` batches several changes
  into one redraw; use it in button handlers that set several controls.
- A failing ``compute`` (any exception) shows its message in the error line
  (``panel.error``), keeps the previous picture and leaves the panel usable; the next good
  update clears it. Raising ``ValueError`` with a message that names the parameter, the allowed
  values and what came is the house style (see ``bpwidgets.core.validate``).
  During construction errors are raised instead, so a wrong argument fails loudly.
- Control changes made while an update runs (in ``sync_controls``, e.g. clamping a slider's
  ``max``) do not trigger another redraw; read control values after you change them.
- ``_repr_mimebundle_`` adds an ``image/png`` of the current figure next to the widget view.
- Controls that appear later (e.g. one per input of an edited formula) are registered with
  ``add_control(name, widget)`` / ``remove_control(name)``; the caller places them in a row.
- The image sits in ``panel.figure_box`` (scrolls sideways when needed). ``fit_width = True``
  (default) shrinks a wide picture to the page; ``False`` keeps its native size so text stays
  readable. Resize the figure in ``draw`` with ``self.figure.set_size_inches`` if the content
  needs it (the chain-rule panel does when the graph changes).
- Override ``arrange_controls()`` to lay the controls out in several rows.
- Every ``Play`` in those rows is shown behind a named play/pause button
  (:class:`~bpwidgets.panels.play_button.PlayBox`; ``show_control`` shows or hides the pair);
  every described widget without a tooltip gets its description as one (ipywidgets would
  write ``title="null"``).

Hooks for static export and docs
--------------------------------
- ``panel.render_png()`` → PNG bytes of the figure for the current state (no display needed):
  set controls (inside ``hold()``), then call it.
- ``panel.export_grid()`` → dict control name → list of values worth pre-rendering. Default:
  every option of a Dropdown/ToggleButtons/RadioButtons, both states of a Checkbox, the full
  range of an IntSlider with at most ``MAX_GRID_STEPS`` values, otherwise only the current value.
  Override it (or set ``export_controls``, a tuple of names) to choose.
- ``panel.snapshot(path)`` writes the current PNG to a file.
- ``panel.static(grid=...)`` → the precomputed kernel-free widget tree (``bpwidgets.embed``).
- ``panel.close()`` closes every widget of the panel and drops its figure, so nothing keeps
  a dropped panel alive (ipywidgets remembers every open widget until it is closed).

Colours come from :mod:`bpwidgets.panels.palette` (Okabe–Ito, "PuOr", "cividis").
"""

from __future__ import annotations

import base64
import contextlib
import html
import struct
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.figure import Figure

from bpwidgets.panels import background
from bpwidgets.panels.described_image import DescribedImage
from bpwidgets.panels.palette import ERROR_TEXT
from bpwidgets.panels.play_button import name_plays
from bpwidgets.panels.slider_names import slider_namer
from bpwidgets.panels.text_sprites import SpriteCanvasAgg

# Give every control label room, so descriptions are not clipped to the default 90 px.
LABEL_STYLE = {"description_width": "initial"}
# Keyword arguments every panel slider takes: recompute on release, not while dragging.
# 340 px wide (ipywidgets' default is 300): a label such as "training steps" still leaves the
# track >= 120 px, enough to drag to a chosen value (measured in tests/e2e at a 1280 px window).
SLIDER_OPTIONS = {"style": LABEL_STYLE, "continuous_update": False, "layout": {"width": "340px"}}
# The same for FloatLogSlider, with a base-10 scale and a compact readout.
LOG_SLIDER_OPTIONS = {"base": 10, **SLIDER_OPTIONS, "readout_format": ".3g"}

# The CSS class of every panel's root element: pages and tests find a panel's DOM by it.
PANEL_CLASS = "bpwidgets-panel"

# Largest IntSlider range the default export grid enumerates value by value.
MAX_GRID_STEPS = 60

# Widgets whose value the default export grid enumerates completely.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_COLOUR_TYPES = {"RGB": 2, "RGBA": 6}  # PNG colour type per Pillow mode
_OPTION_WIDGETS = (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)


class Panel(widgets.VBox):
    """Base class: controls, a persistent Agg figure shown as PNG, a caption and an error line."""

    figsize: tuple[float, float] = (7.0, 4.5)
    dpi: int = 100
    fit_width: bool = True  # shrink the picture to the page; False: native size, scroll sideways
    export_controls: tuple[str, ...] | None = None  # None: every control in ``state``
    # Controls whose change resets others in sync_controls (a mode): an export grid may vary
    # them, the controls they move then follow per frame (they are not among the page's controls).
    export_leaders: tuple[str, ...] = ()
    # Seconds a control change waits for its picture before the work goes on in the background
    # (see panels/background.py); None waits until the picture is there (fully synchronous).
    patience: float | None = 0.15

    def __init__(self, controls: dict, *, hide: Iterable[str] = (), state: dict | None = None):
        self.controls = dict(controls)
        self._hold_depth = 0
        self._dirty = False
        self._busy = False
        self._error = ""
        self._png = b""
        self._hidden: set[str] = set()  # controls hidden by the caller: show_control keeps them so
        self._play_boxes: dict = {}  # id of a Play → its box (play_button.py)
        self._changed: list[str] = []  # names of controls changed since the last update, in order

        self.figure = Figure(figsize=self.figsize, dpi=self.dpi)
        SpriteCanvasAgg(self.figure)  # an Agg canvas that renders each text line once
        self.image = DescribedImage(format="png", layout=widgets.Layout(
            max_width="100%" if self.fit_width else "none"))
        self.figure_box = widgets.Box([self.image], layout=widgets.Layout(overflow="auto"))
        self.caption = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        self.error_line = widgets.HTML(layout=widgets.Layout(min_height="1.6em"))
        self.description_box = widgets.HTML()
        self.status_line = widgets.HTML(layout=widgets.Layout(min_height="1.2em"))
        self.slider_namer = slider_namer()  # hidden: names the slider handles in the browser
        self._worker = background.Worker(self._render_job, self._show_status,
                                         self._publish_partial)
        self._job_error: tuple | None = None  # (job, exception) of the last failed job
        self.pictures_shown = 0  # pictures put in the image so far (intermediate ones too)

        self._apply_state(state or {})
        self._hide(hide)
        self._figure_ready = False  # setup_figure runs on the worker, before the first draw
        for name, widget in list(self.controls.items()):
            self.add_control(name, widget)

        super().__init__(children=self._children())
        for widget in _descendants(self):  # the caption, error and description lines too
            _give_tooltip(widget)
        self.add_class(PANEL_CLASS)
        self._render(strict=True)

    # --- what subclasses implement ---------------------------------------------------------

    def setup_figure(self, figure: Figure) -> None:
        """Create axes and artists once (subclasses override)."""
        raise NotImplementedError

    def sync_controls(self, changed: tuple[str, ...]) -> None:
        """Bring controls in line with the state before ``compute`` (override when they depend on
        each other); ``changed`` names the controls changed since the last update, oldest first."""

    def compute(self):
        """Compute the data to draw from ``self.state``; raise on bad input (subclasses override)."""
        raise NotImplementedError

    def draw(self, data) -> None:
        """Update the artists in place from ``data`` (subclasses override)."""
        raise NotImplementedError

    def describe(self) -> str:
        """Return a text description of the current figure (subclasses override)."""
        return f"{type(self).__name__} figure."

    def arrange_controls(self) -> list[widgets.Widget]:
        """Return the rows of controls shown above the figure (override for a custom layout)."""
        wrap = widgets.Layout(flex_flow="row wrap", align_items="center")
        return [widgets.HBox(list(self.controls.values()), layout=wrap)]

    # --- public API ------------------------------------------------------------------------

    @property
    def state(self) -> dict:
        """Current control values by name (JSON-friendly); ``type(panel)(**state)`` restores it.

        Inside the panel's worker, the values the running update was started for."""
        snapshot = background.current_state()
        if snapshot is not None and background.in_worker():
            return dict(snapshot)
        return {
            name: _plain(widget.value)
            for name, widget in self.controls.items()
            if _is_state_widget(widget)
        }

    @property
    def error(self) -> str:
        """The message in the error line ('' when the last update succeeded)."""
        self.wait()
        return self._error

    @property
    def caption_text(self) -> str:
        """The caption's plain text."""
        self.wait()
        return getattr(self, "_caption_text", "")

    def add_control(self, name: str, widget: widgets.Widget) -> None:
        """Register a control created after construction (the caller places it in a row)."""
        self.controls[name] = widget
        _give_tooltip(widget)
        if _is_state_widget(widget):
            widget.observe(self._on_control_change, names="value")

    def remove_control(self, name: str) -> widgets.Widget:
        """Unregister a control and return it (the caller removes it from its row)."""
        widget = self.controls.pop(name)
        if _is_state_widget(widget):
            widget.unobserve(self._on_control_change, names="value")
        return widget

    def show_control(self, name: str, shown: bool) -> None:
        """Show or hide control ``name`` as the state requires; one hidden by ``hide=`` stays so."""
        visible = shown and name not in self._hidden
        control = self.controls[name]
        target = self._play_boxes.get(id(control), control)  # a Play shows or hides its box
        target.layout.display = None if visible else "none"

    def set_caption(self, text: str) -> None:
        """Show a one-line explanation under the figure."""
        self._caption_text = text
        self.caption.value = f"<span>{html.escape(text, quote=False)}</span>"

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Batch several control changes into one recompute and redraw at the end."""
        self._hold_depth += 1
        try:
            yield
        finally:
            self._hold_depth -= 1
            if self._hold_depth == 0 and self._dirty:
                self.refresh()

    def refresh(self) -> None:
        """Recompute and redraw now; a failure is shown in the error line."""
        self._render(strict=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the picture for the current state is shown (at once when nothing is
        pending); False if ``timeout`` seconds passed first."""
        if self._dirty and self._hold_depth == 0:
            self.refresh()
        return self._worker.wait(timeout)

    @property
    def busy(self) -> bool:
        """True while an update runs in the background (its progress is in the status line)."""
        return self._worker.busy

    def render_png(self) -> bytes:
        """Return the current figure as PNG bytes (no display needed)."""
        self.wait()
        return self._png

    def snapshot(self, path) -> Path:
        """Write the current figure to ``path`` as PNG and return the path."""
        path = Path(path)
        path.write_bytes(self.render_png())
        return path

    def to_html(self, path, **options):
        """Write this panel as a kernel-free interactive HTML page (see ``bpwidgets.embed``)."""
        from bpwidgets.embed import to_html

        return to_html(self, path, **options)

    def static(self, grid=None, **options):
        """This panel precomputed as a kernel-free widget tree to display in a notebook cell.

        The same tree ``to_html`` writes (``grid``, ``max_bytes``, ``max_frames``, ``before_frame``
        as there); saved with widget state, the notebook's controls work without a kernel.
        """
        from bpwidgets.embed import static_widget

        return static_widget(self, grid, **options)

    def export_grid(self) -> dict[str, list]:
        """Control name → values a static export should pre-render (see module docstring)."""
        names = self.export_controls or [n for n, w in self.controls.items() if _is_state_widget(w)]
        return {name: _grid_values(self.controls[name]) for name in names}

    def close(self) -> None:
        """Close this panel, every widget inside it and every control; drop the figure."""
        if getattr(self, "figure", None) is None:  # closed already, or never built
            super().close()
            return
        self._worker.close()
        for widget in [*_descendants(self), *(w for c in self.controls.values()
                                              for w in _descendants(c))]:
            if widget is not self:
                widget.close()
        self.figure.clear()
        self.figure = None
        self.controls.clear()
        self._png = b""
        super().close()

    def _repr_mimebundle_(self, **kwargs):
        """The widget view plus a static PNG and plain text, for notebooks without widget state."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = base64.b64encode(self.render_png()).decode("ascii")
        bundle["text/plain"] = f"{type(self).__name__}: {self.describe()}"
        return bundle

    # --- internals -------------------------------------------------------------------------

    def _children(self) -> list[widgets.Widget]:
        rows = self.arrange_controls()
        self._play_boxes = name_plays(rows)  # each Play behind a play/pause button with a name
        return [*rows, self.figure_box, self.status_line, self.caption, self.error_line,
                self.description_box, self.slider_namer]

    def _apply_state(self, state: dict) -> None:
        """Set initial control values; unknown names raise TypeError listing the known ones."""
        known = [n for n, w in self.controls.items() if _is_state_widget(w)]
        for name, value in state.items():
            if name not in known:
                raise TypeError(
                    f"{type(self).__name__} has no control {name!r}; "
                    f"known controls: {', '.join(map(repr, known))}"
                )
            self.controls[name].value = value

    def _hide(self, names: Iterable[str]) -> None:
        if isinstance(names, str):
            names = [names]
        for name in names:
            if name not in self.controls:
                raise ValueError(
                    f"hide must name controls of {type(self).__name__} "
                    f"({', '.join(map(repr, self.controls))}); got {name!r}"
                )
            self.controls[name].layout.display = "none"
            self._hidden.add(name)

    def _on_control_change(self, change) -> None:
        if self._busy or background.in_worker():
            return
        name = next((n for n, w in self.controls.items() if w is change["owner"]), None)
        if name in self._changed:
            self._changed.remove(name)
        self._changed.append(name)
        self._dirty = True
        if self._hold_depth == 0:
            self.refresh()

    def _render(self, strict: bool) -> None:
        """Sync the controls here, then compute, draw and encode on the panel's worker; wait
        ``patience`` seconds for the picture. On failure show the error, keep the old picture."""
        self._busy = True
        changed, self._changed = tuple(self._changed), []
        try:
            self.sync_controls(changed)
        except Exception as error:  # noqa: BLE001 - every failure belongs in the error line
            if strict:
                raise
            self._show_error(_message(error))
            return
        finally:
            self._busy = False
            self._dirty = False
        job = self._worker.submit(self.state)
        if not self._worker.wait(self.patience):
            self._worker.announce("computing the picture…")
        if strict and self._job_error is not None and self._job_error[0] is job:
            raise self._job_error[1]

    def _render_job(self, job) -> None:
        """On the worker: compute, draw and encode ``job``'s picture; show it if still latest."""
        try:
            if not self._figure_ready:  # off the main thread: building axes takes a while
                self.setup_figure(self.figure)
                self._figure_ready = True
            data = self.compute()
            background.checkpoint("the picture", 1, 1)  # superseded: skip drawing stale data
            self.draw(data)
            png = self._encode_png()
        except background.Superseded:
            raise
        except Exception as error:  # noqa: BLE001 - every failure belongs in the error line
            if self._worker.is_latest(job):
                self._job_error = (job, error)
                self._show_status("")
                self._show_error(_message(error))
            return
        if not self._worker.is_latest(job):
            return
        description = self.describe()
        self._png = png
        self.image.text = description  # the picture's text alternative (its <img title>)
        self.image.value = png
        self.pictures_shown += 1
        self._show_status("")
        self._show_error("")
        self.description_box.value = (
            "<details><summary>Text description of the figure</summary>"
            f"<p>{html.escape(description)}</p></details>"
        )

    def _publish_partial(self, job, data) -> None:
        """On the worker: show an intermediate picture of ``data`` while the work goes on."""
        self.draw(data)
        self.image.value = self._encode_png()
        self.pictures_shown += 1

    def _show_status(self, text: str) -> None:
        """The status line: what the worker computes now ('' when the picture is current)."""
        self.status_line.value = (
            f'<span role="status" aria-live="polite">{html.escape(text, quote=False)}</span>'
            if text else "")

    def _encode_png(self) -> bytes:
        """Draw the figure on its Agg canvas and encode the pixels as PNG."""
        canvas = self.figure.canvas
        canvas.draw()
        pixels = PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(),
                                      "raw", "RGBA", 0, 1)
        if self.figure.get_facecolor()[3] == 1.0:  # opaque background: RGB is smaller
            pixels = pixels.convert("RGB")
        return png_bytes(pixels)

    def _show_error(self, message: str) -> None:
        self._error = message
        if message:
            self.error_line.value = (
                f'<span role="alert" style="color:{ERROR_TEXT};font-weight:bold">'
                f"⚠ {html.escape(message, quote=False)}</span>"
            )
        else:
            self.error_line.value = ""


def png_bytes(image: PIL.Image.Image) -> bytes:
    """Encode an RGB or RGBA image as PNG quickly: no row filters, zlib level 1.

    Pillow tries every PNG row filter on every row, which costs more than the compression
    itself; panel figures are mostly flat colour, so unfiltered rows compress about as well
    at half the time (a panel redraws on every control change).
    """
    if image.mode not in _PNG_COLOUR_TYPES:
        raise ValueError(f"image.mode must be one of {sorted(_PNG_COLOUR_TYPES)}; "
                         f"got {image.mode!r}")
    width, height = image.size
    row_bytes = width * len(image.mode)
    rows = np.zeros((height, 1 + row_bytes), np.uint8)  # column 0: filter type 0 (none)
    rows[:, 1:] = np.frombuffer(image.tobytes(), np.uint8).reshape(height, row_bytes)
    header = struct.pack(">IIBBBBB", width, height, 8, _PNG_COLOUR_TYPES[image.mode], 0, 0, 0)
    return b"".join([_PNG_SIGNATURE, _png_chunk(b"IHDR", header),
                     _png_chunk(b"IDAT", zlib.compress(rows, 1)), _png_chunk(b"IEND", b"")])


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data, CRC of type and data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _descendants(widget: widgets.Widget) -> list[widgets.Widget]:
    """``widget`` and every widget inside it: children of boxes at any depth, and the
    ``layout`` and ``style`` widgets each of them owns."""
    found, stack = [], [widget]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(getattr(current, "children", ()))
        for name in ("layout", "style"):
            owned = getattr(current, name, None)
            if isinstance(owned, widgets.Widget):
                found.append(owned)
    return found


def _give_tooltip(widget: widgets.Widget) -> None:
    """Give a described widget without a tooltip its description as one (or ''): ipywidgets
    8.1 writes a missing tooltip as title="null" on the widget's label, read out as "null"."""
    described = widget.has_trait("description") and widget.has_trait("tooltip")
    if described and widget.tooltip is None:
        widget.tooltip = widget.description or ""


def _is_state_widget(widget: widgets.Widget) -> bool:
    """True for controls whose value is panel state (not buttons, not Play animation drivers)."""
    return widget.has_trait("value") and not isinstance(widget, widgets.Play)


def _plain(value):
    """Make a widget value JSON-friendly (tuples become lists, numpy scalars become floats)."""
    if isinstance(value, tuple):
        return list(value)
    if hasattr(value, "item"):
        return value.item()
    return value


def _grid_values(widget: widgets.Widget) -> list:
    """The values of one control a static export enumerates by default."""
    if isinstance(widget, _OPTION_WIDGETS):
        return _option_values(widget)
    if isinstance(widget, widgets.Checkbox):
        return [False, True]
    if isinstance(widget, widgets.IntSlider) and widget.max - widget.min < MAX_GRID_STEPS:
        return list(range(widget.min, widget.max + 1, widget.step))
    return [_plain(widget.value)]


def _option_values(widget) -> list:
    """The values of a selection widget whose options are values or (label, value) pairs."""
    return [
        option[1] if isinstance(option, tuple) and len(option) == 2 else option
        for option in widget.options
    ]


def _message(error: Exception) -> str:
    """A readable one-line message for the error line."""
    text = str(error) or type(error).__name__
    if isinstance(error, (ValueError, TypeError)):
        return text
    return f"{type(error).__name__}: {text}"
