"""Static HTML export: a panel that stays interactive in a page with no kernel.

A course page (Jupyter Book, Sphinx, a plain HTML page in an LMS) has no Python behind it, so a
panel's callbacks cannot run there. Instead we precompute: every combination of the exported
control values is rendered once to a PNG "frame", and the page's controls are wired to those
frames in the browser with ``jslink`` to ``Stack.selected_index`` (one nested Stack level per
control). The standard widget HTML manager (``@jupyter-widgets/html-manager``'s ``embed.js``)
renders the widgets. It comes from the jsDelivr CDN by default, from ``embed_url=`` (e.g. a copy
unpacked next to the page), or, with ``self_contained=True``, from inside the page itself (see
:mod:`bpwidgets.html_manager`), so the page works from ``file://`` and offline.

If the widgets cannot load (offline with a CDN page, JavaScript off), the page shows a message
and the picture of the starting view instead of a blank space.

Which controls vary and with which values comes from ``panel.export_grid()``; ``grid=`` overrides
it per control. Controls with a single value stay fixed and are not shown. The number of frames
is checked against ``max_frames`` before anything is rendered, and the page size against
``max_bytes`` (5 MB) from the first frame on and before anything is written. A failed export
leaves the panel as it was.
"""

from __future__ import annotations

import base64
import html
import itertools
import json
import math
import numbers
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ipywidgets as widgets
from ipywidgets.embed import dependency_state, embed_data

from bpwidgets import html_manager
from bpwidgets.panels.base import PANEL_CLASS
from bpwidgets.panels.described_image import DescribedImage
from bpwidgets.panels.play_button import PlayBox
from bpwidgets.panels.slider_names import page_script, slider_namer

DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_MAX_FRAMES = 3_000
BASE64_GROWTH = 4 / 3  # PNG bytes grow by a third when embedded as base64 text
PAGE_OVERHEAD = 20_000  # bytes of HTML, scripts tags and widget state besides the frames


class ExportTooLarge(ValueError):
    """The page would exceed the size or frame cap; the message says how to raise it or thin
    the grid."""


class GridError(ValueError):
    """A grid the page cannot show truthfully (a value the control cannot take, or a control
    whose change changes other controls)."""


@dataclass(frozen=True)
class Frame:
    """One precomputed view: the figure's PNG, the caption shown under it and the picture's
    text alternative (the panel's ``describe()``)."""

    png: bytes
    caption_html: str
    text: str = ""


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


@dataclass(frozen=True)
class _Page:
    text: str
    frames: list[Frame]
    grid: dict[str, list]


def export_grid(panel, grid: dict[str, Sequence] | None = None) -> dict[str, list]:
    """The controls that vary in the page and their values: the panel's choice, then ``grid``."""
    chosen = {name: list(values) for name, values in panel.export_grid().items()}
    for name, values in (grid or {}).items():
        if name not in panel.state:
            known = ", ".join(map(repr, panel.state))
            raise ValueError(f"grid names unknown control {name!r}; known controls: {known}")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise ValueError(f"grid[{name!r}] must be a list of values; got {values!r}")
        if len(values) == 0:
            raise ValueError(f"grid[{name!r}] must list at least one value; got none")
        _check_values(name, panel.controls[name], list(values))
        chosen[name] = list(values)
    return {name: values for name, values in chosen.items() if len(values) > 1}


def frame_count(grid: dict[str, list]) -> int:
    """How many frames ``grid`` needs (the product of its lengths), computed without rendering."""
    return math.prod(len(values) for values in grid.values())


def render_frames(panel, grid: dict[str, list], progress: Callable[[int, int], None] | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES,
                  before_frame: Callable[[object], None] | None = None, *,
                  max_frames: int = DEFAULT_MAX_FRAMES, fixed_bytes: int = 0) -> list[Frame]:
    """Render every combination of ``grid`` (first control outermost); restores the panel's state.

    The frame count is checked against ``max_frames`` before anything renders; the page size
    (frames plus ``fixed_bytes`` of scripts) against ``max_bytes`` from the first frame on.
    ``before_frame(panel)`` runs after the controls are set and before the picture is taken,
    e.g. ``lambda p: p.step(200)`` to show a playground after some training.
    """
    total = frame_count(grid)
    _check_frame_count(total, max_frames, grid)
    original = panel.state
    frames: list[Frame] = []
    distinct: set[bytes] = set()
    try:
        baseline = _check_grid_is_independent(panel, grid, original)
        previous = original
        for k, combo in enumerate(itertools.product(*grid.values())):
            values = dict(zip(grid, combo, strict=True))
            frames.append(_render_one(panel, values, before_frame))
            _check_unchanged(panel, grid, baseline, previous, values)
            previous = values
            distinct.add(frames[-1].png)
            estimate = sum(map(len, distinct)) if k else len(frames[0].png) * total
            _check_size(_estimate_bytes(estimate) + fixed_bytes, max_bytes, grid)
            if progress:
                progress(k + 1, total)
    finally:
        _restore(panel, original)
    return frames


def page_widget(panel, grid: dict[str, list], frames: list[Frame]) -> widgets.VBox:
    """Build the kernel-free widget tree: exported controls jslinked to nested Stacks of frames."""
    images = _shared_images(frames)
    views = [widgets.VBox([images[f.png], widgets.HTML(f.caption_html)]) for f in frames]
    controls = {name: _static_control(panel.controls[name], values) for name, values in grid.items()}
    body = _nested_stacks(views, [len(v) for v in grid.values()], list(controls.values()))
    rows = [widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap"))]
    if "step" in controls and isinstance(panel.controls.get("play"), widgets.Play):
        rows.insert(0, PlayBox(_play_for(controls["step"])))
    root = widgets.VBox([*rows, body, slider_namer()])  # the namer: its sliders' handles
    root.add_class(PANEL_CLASS)
    return root


def page_html(panel, *, grid: dict[str, Sequence] | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, max_frames: int = DEFAULT_MAX_FRAMES,
              self_contained: bool = True, html_manager_dir=None, embed_url: str | None = None,
              title: str | None = None, progress: bool = False,
              before_frame: Callable[[object], None] | None = None) -> str:
    """The page of ``panel`` as HTML text; self-contained (works offline, from file://) by default.

    Options as for :func:`to_html`. Raises ``ExportTooLarge``, ``GridError`` or ``ValueError``
    for a page that cannot be built, and ``html_manager.HtmlManagerUnavailable`` when a
    self-contained page finds no copy of the widget HTML manager; the panel is left as it was.
    """
    return _build_page(panel, grid=grid, max_bytes=max_bytes, max_frames=max_frames,
                       self_contained=self_contained, html_manager_dir=html_manager_dir,
                       embed_url=embed_url, title=title, progress=progress,
                       before_frame=before_frame).text


def static_widget(panel, grid: dict[str, Sequence] | None = None, *,
                  max_bytes: int = DEFAULT_MAX_BYTES, max_frames: int = DEFAULT_MAX_FRAMES,
                  before_frame: Callable[[object], None] | None = None) -> StaticView:
    """The kernel-free widget tree ``to_html`` writes, to display in a notebook cell."""
    chosen = export_grid(panel, grid)
    frames = render_frames(panel, chosen, None, max_bytes, before_frame, max_frames=max_frames)
    root = page_widget(panel, chosen, frames)
    view = StaticView(root.children, start_png=panel.render_png(), text=panel.describe())
    root.close()  # its children live on in the view
    return view


class StaticView(widgets.VBox):
    """A precomputed panel view; without widget state a notebook shows its starting picture."""

    def __init__(self, children, *, start_png: bytes, text: str):
        super().__init__(children)
        self.add_class(PANEL_CLASS)
        self._start_png, self._text = start_png, text

    def _repr_mimebundle_(self, **kwargs):
        """The widget view plus the starting frame as PNG and a text description."""
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        bundle["image/png"] = base64.b64encode(self._start_png).decode("ascii")
        bundle["text/plain"] = f"precomputed panel: {self._text}"
        return bundle


def to_html(panel, path, *, grid: dict[str, Sequence] | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES, max_frames: int = DEFAULT_MAX_FRAMES,
            embed_url: str | None = None, self_contained: bool = False, html_manager_dir=None,
            title: str | None = None, progress: bool = False,
            before_frame: Callable[[object], None] | None = None) -> ExportReport:
    """Write ``panel`` as a standalone interactive HTML page at ``path`` and report its size.

    ``self_contained=True`` inlines the widget HTML manager (found as described in
    :mod:`bpwidgets.html_manager`; ``html_manager_dir`` names a local copy), else the page
    loads it from ``embed_url`` (default: the jsDelivr CDN).
    """
    page = _build_page(panel, grid=grid, max_bytes=max_bytes, max_frames=max_frames,
                       self_contained=self_contained, html_manager_dir=html_manager_dir,
                       embed_url=embed_url, title=title, progress=progress,
                       before_frame=before_frame)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page.text, encoding="utf-8")
    return ExportReport(path, len(page.text.encode("utf-8")), len(page.frames),
                        len({f.png for f in page.frames}), page.grid)


def _build_page(panel, *, grid, max_bytes, max_frames, self_contained, html_manager_dir,
                embed_url, title, progress, before_frame) -> _Page:
    """Check the options, render the frames, assemble the page and check its size."""
    _check_whole_number("max_bytes", max_bytes)
    _check_whole_number("max_frames", max_frames)
    if self_contained and embed_url is not None:
        raise ValueError("embed_url and self_contained=True exclude each other (an inlined "
                         f"page loads no script); got embed_url={embed_url!r}")
    chosen = export_grid(panel, grid)
    _check_frame_count(frame_count(chosen), max_frames, chosen)
    loader = _manager_html(self_contained, html_manager_dir, embed_url)
    start = _start_index(chosen, panel.state)
    frames = render_frames(panel, chosen, _print_progress if progress else None, max_bytes,
                           before_frame, max_frames=max_frames, fixed_bytes=len(loader))
    text = _page_html(page_widget(panel, chosen, frames), loader,
                      title or f"bpwidgets — {type(panel).__name__}", panel.describe(),
                      frames[start].png, embed_url or html_manager.CDN_URL, self_contained)
    _check_size(len(text.encode("utf-8")), max_bytes, chosen)
    return _Page(text, frames, chosen)


# --- checks ----------------------------------------------------------------------------------

def _check_whole_number(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a whole number > 0; got {value!r}")


def _check_values(name: str, control: widgets.Widget, values: list) -> None:
    """Refuse grid values ``control`` cannot take (it would clamp or reject them)."""
    if isinstance(control, (widgets.Dropdown, widgets.ToggleButtons, widgets.RadioButtons)):
        allowed = _option_values(control)
        bad = [v for v in values if v not in allowed]
        if bad:
            raise GridError(f"grid[{name!r}] values must be among the options "
                            f"{', '.join(map(repr, allowed))}; got {', '.join(map(repr, bad))}")
    elif isinstance(control, widgets.Checkbox):
        bad = [v for v in values if not isinstance(v, bool)]
        if bad:
            raise GridError(f"grid[{name!r}] values must be true/false; got "
                            f"{', '.join(map(repr, bad))}")
    elif hasattr(control, "min") and hasattr(control, "max"):
        low, high = control.min, control.max
        if isinstance(control, widgets.FloatLogSlider):
            low, high = control.base ** low, control.base ** high
        whole = isinstance(control.value, int)
        kind = "whole numbers" if whole else "numbers"
        bad = [v for v in values if not _number(v, whole) or not low <= v <= high]
        if bad:
            raise GridError(f"grid[{name!r}] values must be {kind} from {low:g} to {high:g} "
                            f"(the control's range); got {', '.join(map(repr, bad))}")
    elif isinstance(control.value, numbers.Real) and not isinstance(control.value, bool):
        bad = [v for v in values if not _number(v, isinstance(control.value, int))]
        if bad:
            raise GridError(f"grid[{name!r}] values must be numbers; got "
                            f"{', '.join(map(repr, bad))}")


def _number(value, whole: bool) -> bool:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return math.isfinite(value) and (not whole or float(value).is_integer())


def _option_values(control) -> list:
    return [o[1] if isinstance(o, tuple) and len(o) == 2 else o for o in control.options]


def _check_frame_count(total: int, max_frames: int, grid: dict[str, list]) -> None:
    if total <= max_frames:
        return
    raise ExportTooLarge(
        f"the grid needs {total:,} frames ({_counts(grid)}), over the cap of {max_frames:,}: "
        f"thin the grid (CLI: --grid NAME=V1,V2) or raise max_frames (CLI: --max-frames)")


def _check_size(size: int, max_bytes: int, grid: dict[str, list]) -> None:
    if size <= max_bytes:
        return
    raise ExportTooLarge(
        f"the page would be about {size / 1e6:.2f} MB ({_counts(grid)} frames), over the cap of "
        f"{max_bytes / 1e6:.2f} MB: raise max_bytes (CLI: --max-mb) or thin the grid, e.g. "
        f"grid={{{next(iter(grid), 'step')!r}: [fewer values]}} (CLI: --grid NAME=V1,V2)"
    )


def _counts(grid: dict[str, list]) -> str:
    return " × ".join(f"{len(v)} {name}" for name, v in grid.items()) or "1"


# --- controls that change other controls -----------------------------------------------------

def _signature(panel, grid: dict[str, list]) -> dict:
    """What the page assumes stays put while the grid's controls change: which controls exist,
    their ranges and options, and the values of the controls outside the grid."""
    signature = {}
    leading = any(name in grid for name in getattr(panel, "export_leaders", ()))
    for name, control in panel.controls.items():
        if not control.has_trait("value") or isinstance(control, widgets.Play):
            continue
        if leading and name not in grid:
            # a leader (e.g. the loss surface's mode) sets these from sync_controls for each
            # frame; the page shows only the grid's controls, so they may follow the leader
            continue
        shape = tuple(repr(getattr(control, trait, None)) for trait in ("min", "max", "options"))
        value = None if name in grid else repr(control.value)
        signature[name] = (id(control), shape, value)
    return signature


def _check_grid_is_independent(panel, grid: dict[str, list], original: dict) -> dict:
    """Before rendering the grid: try one other value of each control, one at a time, and
    refuse the grid if that changes other controls. Returns the signature to keep checking."""
    baseline = _signature(panel, grid)
    for name, values in grid.items():
        other = next((v for v in values if v != original[name]), None)
        if other is None:
            continue
        with panel.hold():
            panel.controls[name].value = other
        _check_unchanged(panel, grid, baseline, original, {name: other})
        _restore(panel, original)
    return baseline


def _check_unchanged(panel, grid, baseline: dict, before: dict, after: dict) -> None:
    """Raise GridError naming the controls whose change (``before`` → ``after``) moved others."""
    now = _signature(panel, grid)
    for name, value in after.items():
        shown = panel.controls[name].value if name in panel.controls else None
        if name in panel.controls and not _same(shown, value):
            raise GridError(f"grid[{name!r}] value {value!r} cannot be shown: the control "
                            f"turned it into {shown!r}")
    if now == baseline:
        return
    changed = sorted(set(now) ^ set(baseline)) + sorted(
        n for n in set(now) & set(baseline) if now[n] != baseline[n])
    causes = [n for n in grid if n in after and not _same(after[n], before.get(n))] or list(grid)
    one = causes[0]
    raise GridError(
        f"cannot precompute a grid over {', '.join(map(repr, causes))}: changing it also changes "
        f"other controls ({', '.join(map(repr, changed))}), so the page's controls would not "
        f"match its pictures; export one value at a time (grid={{{one!r}: [value]}}, "
        f"CLI: --grid {one}=VALUE or --state)")


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
        except TypeError:
            return False
    return a == b


def _restore(panel, original: dict) -> None:
    """Put every control back to ``original``; controls that reappear (e.g. inputs of a formula)
    are set in a second pass."""
    for _ in range(3):
        with panel.hold():
            for name, value in original.items():
                control = panel.controls.get(name)
                if control is not None and not _same(_plain_value(control.value), value):
                    control.value = value
        if panel.state == original:
            return


def _plain_value(value):
    return list(value) if isinstance(value, tuple) else value


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
    return Frame(png, caption, panel.image.text)  # the text shown with that picture


def _start_index(grid: dict[str, list], state: dict) -> int:
    """The index of the frame showing the panel's current values (the page's starting view)."""
    index = 0
    for name, values in grid.items():
        position = values.index(state[name]) if state[name] in values else 0
        index = index * len(values) + position
    return index


def _estimate_bytes(png_bytes: int) -> int:
    return int(png_bytes * BASE64_GROWTH) + PAGE_OVERHEAD


def _print_progress(done: int, total: int) -> None:
    print(f"\rrendering frame {done}/{total}", end="\n" if done == total else "",
          file=sys.stderr, flush=True)


# --- the static widget tree ------------------------------------------------------------------

def _shared_images(frames: list[Frame]) -> dict[bytes, DescribedImage]:
    """One Image widget per distinct PNG, so repeated pictures are stored once in the page;
    its text alternative is the description of the first frame showing it."""
    images: dict[bytes, DescribedImage] = {}
    for frame in frames:
        if frame.png not in images:
            images[frame.png] = DescribedImage(frame.text, value=frame.png, format="png",
                                               layout=widgets.Layout(max_width="100%"))
    return images


def _static_control(control: widgets.Widget, values: list) -> widgets.Widget:
    """A kernel-free stand-in for ``control`` whose ``index`` selects one of ``values``."""
    description = control.description or ""
    # a tooltip always: without one ipywidgets 8.1 writes title="null" on the label
    named = {"description": description, "tooltip": control.tooltip or description or None,
             "style": {"description_width": "initial"}}
    labels = [_label(control, v) for v in values]
    start = values.index(control.value) if control.value in values else 0
    if isinstance(control, (widgets.Dropdown, widgets.RadioButtons, widgets.ToggleButtons)):
        return type(control)(options=labels, index=start, **named)
    if isinstance(control, widgets.Checkbox):
        return widgets.ToggleButtons(options=labels, index=start, **named)
    return widgets.SelectionSlider(options=labels, index=start, **named, continuous_update=True,
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


# --- the page --------------------------------------------------------------------------------

_STYLE = (
    "body {font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 62em;"
    " padding: 0 1em; color: #222} h1 {font-size: 1.3em} .bpwidgets-note {color: #555}"
    " .bpwidgets-fallback {border: 2px solid #b35806; padding: .6em 1em; margin: 1em 0}"
    " .bpwidgets-fallback img {max-width: 100%}"
)

# Shows the fallback when the widget script fails to load, or when no widget has appeared
# a few seconds after the page loaded; hides it again if the widgets appear after all.
_FALLBACK_SCRIPT = """<script>
(function () {
  var failed = false, loadedAt = null, polls = 0;
  function rendered() {
    return document.querySelector(".bpwidgets-view .jupyter-widgets") !== null;
  }
  function update() {
    var box = document.getElementById("bpwidgets-fallback");
    if (!box) { return; }
    box.hidden = rendered() || !(failed || (loadedAt && Date.now() - loadedAt > 4000));
  }
  window.bpwidgetsManagerFailed = function () { failed = true; update(); };
  window.addEventListener("load", function () {
    loadedAt = Date.now();
    var timer = setInterval(function () {
      update();
      if (rendered() || ++polls > 240) { clearInterval(timer); }
    }, 250);
  });
})();
</script>"""


def _manager_html(self_contained: bool, folder, embed_url: str | None) -> str:
    """The script element(s) that load the widget HTML manager into the page."""
    if not self_contained:
        url = html.escape(embed_url or html_manager.CDN_URL, quote=True)
        # No crossorigin attribute: it makes Chromium refuse a local copy opened from file://.
        return f'<script src="{url}" onerror="bpwidgetsManagerFailed()"></script>'
    package = html_manager.locate(folder)
    notes = html_manager.license_note(package).replace("--", "- -")
    return f"<!-- {notes} -->\n<script>\n{html_manager.inline_script(package)}\n</script>"


def _page_html(root: widgets.Widget, loader: str, title: str, description: str,
               start_png: bytes, manager_url: str, self_contained: bool) -> str:
    """The standalone page: title, widgets, fallback picture, description, manager script."""
    # Only the widgets this page shows, not every widget alive in the kernel.
    data = embed_data(views=[root], state=dependency_state([root]))
    title_html, description_html = html.escape(title), html.escape(description)
    picture = base64.b64encode(start_png).decode("ascii")
    where = ("JavaScript is needed" if self_contained else
             f"it loads the widget library from {html.escape(manager_url)}; open the page "
             "online, or export it with --self-contained")
    fallback = (
        '<p role="alert"><strong>The interactive part could not load — here is the picture '
        f"of the starting view.</strong> ({where}.)</p>\n"
        f'<img src="data:image/png;base64,{picture}" alt="{description_html}">'
    )
    # webpack's embed.js looks for the address of a <script src> to resolve its assets; an
    # inlined copy has none (its assets are inlined too), so the page's first script gets one.
    first = '<script src="data:text/javascript,"></script>\n' if self_contained else ""
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n{first}<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title_html}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{title_html}</h1>\n"
        '<p class="bpwidgets-note">Move the controls: every view was computed in advance, '
        "so this page needs no Python kernel.</p>\n"
        '<script type="application/vnd.jupyter.widget-state+json">\n'
        f"{_script_json(data['manager_state'])}\n</script>\n"
        '<div class="bpwidgets-view"><script type="application/vnd.jupyter.widget-view+json">'
        f"{_script_json(data['view_specs'][0])}</script></div>\n"
        f'<div class="bpwidgets-fallback" id="bpwidgets-fallback" hidden>\n{fallback}\n</div>\n'
        f'<noscript><div class="bpwidgets-fallback">{fallback}</div></noscript>\n'
        "<details><summary>Text description of the figure at its starting state</summary>"
        f'<p class="bpwidgets-description">{description_html}</p></details>\n'
        f"{_FALLBACK_SCRIPT}\n{page_script()}\n{loader}\n</body>\n</html>\n"
    )


def _script_json(value) -> str:
    """JSON that cannot end its <script> element early ("<" written as its JSON escape)."""
    return json.dumps(value).replace("<", "\\u003c")
