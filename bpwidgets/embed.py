"""Static HTML export: a panel that stays interactive in a page with no kernel.

A course page (Jupyter Book, Sphinx, a plain HTML page in an LMS) has no Python behind it, so a
panel's callbacks cannot run there. Instead we precompute: every combination of the exported
control values is rendered once to a PNG "frame", and the page's controls are wired to those
frames in the browser with ``jslink`` to ``Stack.selected_index`` (one nested Stack level per
control). The standard widget HTML manager (``@jupyter-widgets/html-manager``'s ``embed.js``)
renders the widgets; by default it comes from the jsDelivr CDN, ``embed_url=`` points at any
other copy (e.g. one unpacked next to the page for offline use).

Which controls vary and with which values comes from ``panel.export_grid()``; ``grid=`` overrides
it per control. Controls with a single value stay fixed and are not shown. The page size is
checked against a cap (``max_bytes``, default 5 MB) before anything is written.
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
from ipywidgets.embed import DEFAULT_EMBED_SCRIPT_URL, dependency_state, embed_minimal_html

DEFAULT_MAX_BYTES = 5_000_000
BASE64_GROWTH = 4 / 3  # PNG bytes grow by a third when embedded as base64 text
PAGE_OVERHEAD = 20_000  # bytes of HTML, scripts tags and widget state besides the frames

class ExportTooLarge(ValueError):
    """The page would exceed the size cap; the message says how to raise it or thin the grid."""


@dataclass(frozen=True)
class Frame:
    """One precomputed view: the figure's PNG and the caption shown under it."""

    png: bytes
    caption_html: str


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: the page, its size, and the grid it precomputed."""

    path: Path
    size_bytes: int
    n_frames: int
    n_unique_images: int
    grid: dict[str, list]

    def __str__(self) -> str:
        varying = ", ".join(f"{name} ({len(values)})" for name, values in self.grid.items())
        return (
            f"wrote {self.path} ({self.size_bytes / 1e6:.2f} MB): {self.n_frames} frames "
            f"({self.n_unique_images} distinct images) over {varying or 'no controls'}"
        )


def export_grid(panel, grid: dict[str, Sequence] | None = None) -> dict[str, list]:
    """The controls that vary in the page and their values: the panel's choice, then ``grid``."""
    chosen = {name: list(values) for name, values in panel.export_grid().items()}
    for name, values in (grid or {}).items():
        if name not in panel.state:
            known = ", ".join(map(repr, panel.state))
            raise ValueError(f"grid names unknown control {name!r}; known controls: {known}")
        if len(values) == 0:
            raise ValueError(f"grid[{name!r}] must list at least one value; got none")
        chosen[name] = list(values)
    return {name: values for name, values in chosen.items() if len(values) > 1}


def render_frames(panel, grid: dict[str, list], progress: Callable[[int, int], None] | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES,
                  before_frame: Callable[[object], None] | None = None) -> list[Frame]:
    """Render every combination of ``grid`` (first control outermost); restores the panel's state.

    ``before_frame(panel)`` runs after the controls are set and before the picture is taken,
    e.g. ``lambda p: p.step(200)`` to show a playground after some training.
    """
    combos = list(itertools.product(*grid.values()))
    original = panel.state
    frames: list[Frame] = []
    try:
        for k, combo in enumerate(combos):
            frames.append(_render_one(panel, dict(zip(grid, combo, strict=True)), before_frame))
            if k == 0:
                _check_size(_estimate_bytes(len(frames[0].png) * len(combos)), max_bytes, grid)
            if progress:
                progress(k + 1, len(combos))
    finally:
        with panel.hold():
            for name, value in original.items():
                panel.controls[name].value = value
    return frames


def page_widget(panel, grid: dict[str, list], frames: list[Frame]) -> widgets.VBox:
    """Build the kernel-free widget tree: exported controls jslinked to nested Stacks of frames."""
    images = _shared_images(frames)
    views = [widgets.VBox([images[f.png], widgets.HTML(f.caption_html)]) for f in frames]
    controls = {name: _static_control(panel.controls[name], values) for name, values in grid.items()}
    body = _nested_stacks(views, [len(v) for v in grid.values()], list(controls.values()))
    rows = [widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))]
    if "step" in controls and isinstance(panel.controls.get("play"), widgets.Play):
        rows.insert(0, _play_for(controls["step"]))
    return widgets.VBox([*rows, body])


def static_widget(panel, grid: dict[str, Sequence] | None = None, *,
                  max_bytes: int = DEFAULT_MAX_BYTES,
                  before_frame: Callable[[object], None] | None = None) -> StaticView:
    """The kernel-free widget tree ``to_html`` writes, to display in a notebook cell."""
    chosen = export_grid(panel, grid)
    frames = render_frames(panel, chosen, None, max_bytes, before_frame)
    root = page_widget(panel, chosen, frames)
    view = StaticView(root.children, start_png=panel.render_png(), text=panel.describe())
    root.close()  # its children live on in the view
    return view


class StaticView(widgets.VBox):
    """A precomputed panel view; without widget state a notebook shows its starting picture."""

    def __init__(self, children, *, start_png: bytes, text: str):
        super().__init__(children)
        self._start_png, self._text = start_png, text

    def _repr_mimebundle_(self, **kwargs):
        """The widget view plus the starting frame as PNG and a text description."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = base64.b64encode(self._start_png).decode("ascii")
        bundle["text/plain"] = f"precomputed panel: {self._text}"
        return bundle


def to_html(panel, path, *, grid: dict[str, Sequence] | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES, embed_url: str | None = None,
            title: str | None = None, progress: bool = False,
            before_frame: Callable[[object], None] | None = None) -> ExportReport:
    """Write ``panel`` as a standalone interactive HTML page at ``path`` and report its size."""
    if not isinstance(max_bytes, int) or max_bytes <= 0:
        raise ValueError(f"max_bytes must be a whole number of bytes > 0; got {max_bytes!r}")
    chosen = export_grid(panel, grid)
    frames = render_frames(panel, chosen, _print_progress if progress else None, max_bytes,
                           before_frame)
    root = page_widget(panel, chosen, frames)
    text = _page_html(root, title or f"bpwidgets — {type(panel).__name__}", panel.describe(),
                      embed_url or DEFAULT_EMBED_SCRIPT_URL)
    size = len(text.encode("utf-8"))
    _check_size(size, max_bytes, chosen)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return ExportReport(path, size, len(frames), len({f.png for f in frames}), chosen)


# --- frames ----------------------------------------------------------------------------------

def _render_one(panel, values: dict, before_frame=None) -> Frame:
    """Set the controls to ``values`` (one redraw) and capture the picture and caption."""
    with panel.hold():
        for name, value in values.items():
            panel.controls[name].value = value
    if before_frame is not None:
        before_frame(panel)
    png = panel.render_png()
    caption = panel.caption.value
    if panel.error:
        caption += panel.error_line.value
    return Frame(png, caption)


def _estimate_bytes(png_bytes: int) -> int:
    return int(png_bytes * BASE64_GROWTH) + PAGE_OVERHEAD


def _check_size(size: int, max_bytes: int, grid: dict[str, list]) -> None:
    if size <= max_bytes:
        return
    counts = " × ".join(f"{len(v)} {name}" for name, v in grid.items()) or "1"
    raise ExportTooLarge(
        f"the page would be about {size / 1e6:.2f} MB ({counts} frames), over the cap of "
        f"{max_bytes / 1e6:.2f} MB: raise max_bytes (CLI: --max-mb) or thin the grid, e.g. "
        f"grid={{{next(iter(grid), 'step')!r}: [fewer values]}} (CLI: --grid NAME=V1,V2)"
    )


def _print_progress(done: int, total: int) -> None:
    print(f"\rrendering frame {done}/{total}", end="\n" if done == total else "",
          file=sys.stderr, flush=True)


# --- the static widget tree ------------------------------------------------------------------

def _shared_images(frames: list[Frame]) -> dict[bytes, widgets.Image]:
    """One Image widget per distinct PNG, so repeated pictures are stored once in the page."""
    images: dict[bytes, widgets.Image] = {}
    for frame in frames:
        if frame.png not in images:
            images[frame.png] = widgets.Image(value=frame.png, format="png",
                                              layout=widgets.Layout(max_width="100%"))
    return images


def _static_control(control: widgets.Widget, values: list) -> widgets.Widget:
    """A kernel-free stand-in for ``control`` whose ``index`` selects one of ``values``."""
    description = control.description or ""
    style = {"description_width": "initial"}
    labels = [_label(control, v) for v in values]
    start = values.index(control.value) if control.value in values else 0
    if isinstance(control, (widgets.Dropdown, widgets.RadioButtons, widgets.ToggleButtons)):
        kind = type(control)
        return kind(options=labels, index=start, description=description, style=style)
    if isinstance(control, widgets.Checkbox):
        return widgets.ToggleButtons(options=labels, index=start, description=description,
                                     style=style)
    return widgets.SelectionSlider(options=labels, index=start, description=description,
                                   style=style, continuous_update=True,
                                   layout=widgets.Layout(width="420px"))


def _label(control: widgets.Widget, value) -> str:
    """The text a static control shows for ``value`` (an option's own label where it has one)."""
    for option in getattr(control, "options", ()):
        if isinstance(option, tuple) and len(option) == 2 and option[1] == value:
            return str(option[0])
    if isinstance(control, widgets.Checkbox):
        return "on" if value else "off"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _nested_stacks(views: list, sizes: list[int], controls: list) -> widgets.Widget:
    """Group ``views`` (first control outermost) into Stacks, each linked to its control's index."""
    if not sizes:
        return views[0]
    inner = len(views) // sizes[0]
    children = [_nested_stacks(views[i * inner:(i + 1) * inner], sizes[1:], controls[1:])
                for i in range(sizes[0])]
    stack = widgets.Stack(children, selected_index=controls[0].index)
    widgets.jslink((controls[0], "index"), (stack, "selected_index"))
    return stack


def _play_for(step_control: widgets.SelectionSlider) -> widgets.Play:
    """A Play button that walks the step control through all its frames."""
    play = widgets.Play(value=step_control.index, min=0, max=len(step_control.options) - 1,
                        interval=700, description="play")
    widgets.jslink((play, "value"), (step_control, "index"))
    return play


def _page_html(root: widgets.Widget, title: str, description: str, embed_url: str) -> str:
    """The standalone page: a title, a usage line, the widgets and a text description."""
    # embed_minimal_html fills {title} and {snippet}; braces in our own text must be doubled.
    text = html.escape(description).replace("{", "{{").replace("}", "}}")
    template = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>{title}</title>\n<style>"
        "body {{font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 62em;"
        " padding: 0 1em; color: #222}} h1 {{font-size: 1.3em}} .bpwidgets-note {{color: #555}}"
        "</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
        '<p class="bpwidgets-note">Move the controls: every view was computed in advance, '
        "so this page needs no Python kernel.</p>\n{snippet}\n"
        "<details><summary>Text description of the figure at its starting state</summary>"
        f'<p class="bpwidgets-description">{text}</p></details>\n</body>\n</html>\n'
    )
    buffer = io.StringIO()
    # Only the widgets this page shows, not every widget alive in the kernel.
    embed_minimal_html(buffer, views=[root], title=html.escape(title), template=template,
                       embed_url=embed_url, state=dependency_state([root]))
    return buffer.getvalue()
