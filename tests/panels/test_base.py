"""The panel framework: state, hide, synchronous updates, error line, PNG rendering, MIME bundle."""

from __future__ import annotations

import base64
import io
import json

import ipywidgets as widgets
import numpy as np
import PIL.Image
import pytest

from bpwidgets.panels.base import LABEL_STYLE, PANEL_CLASS, Panel, png_bytes
from bpwidgets.panels.text_sprites import FAST_TEXT

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class SquarePanel(Panel):
    """A minimal panel: a point on y = x², as in the base module's docstring."""

    figsize = (3.0, 2.0)

    def __init__(self, *, hide=(), **state):
        self.computations = 0
        controls = {
            "x": widgets.FloatSlider(value=1.0, min=-3, max=3, description="x", style=LABEL_STYLE),
            "colour": widgets.Dropdown(options=["blue", "orange"], value="blue", description="colour"),
            "grid": widgets.Checkbox(value=False, description="grid"),
            "reset": widgets.Button(description="reset"),
        }
        controls["reset"].on_click(self._reset)
        super().__init__(controls, hide=hide, state=state)

    def setup_figure(self, figure):
        self.ax = figure.add_subplot()
        self.ax.set_xlim(-3, 3)
        self.ax.set_ylim(-1, 10)
        (self.point,) = self.ax.plot([], [], "o", markersize=12)

    def compute(self):
        self.computations += 1
        x = self.state["x"]
        if x == 0:
            raise ValueError("x must be non-zero; got 0")
        return {"x": x, "y": x * x}

    def draw(self, data):
        self.point.set_data([data["x"]], [data["y"]])
        self.point.set_color(self.state["colour"])
        self.ax.grid(self.state["grid"])
        self.set_caption(f"x² = {data['y']:.2f}")

    def describe(self):
        return f"A point at x = {self.state['x']:.2f} on the parabola y = x²."

    def _reset(self, _button):
        with self.hold():
            self.controls["x"].value = 1.0
            self.controls["colour"].value = "blue"
            self.controls["grid"].value = False


def test_initial_render_is_a_png_in_the_image_widget():
    panel = SquarePanel()
    assert panel.image.format == "png"
    assert bytes(panel.image.value).startswith(PNG_SIGNATURE)
    assert panel.render_png() == panel.image.value
    assert panel.caption_text == "x² = 1.00"
    assert panel.error == ""


def test_setting_a_control_value_redraws_synchronously():
    panel = SquarePanel()
    before = panel.render_png()
    panel.controls["x"].value = 2.0
    assert panel.caption_text == "x² = 4.00"
    assert panel.render_png() != before


def test_state_lists_value_controls_only_and_is_json_friendly():
    panel = SquarePanel(x=-1.5, colour="orange", grid=True)
    assert panel.state == {"x": -1.5, "colour": "orange", "grid": True}
    json.dumps(panel.state)


def test_state_round_trip_reproduces_the_same_png():
    panel = SquarePanel()
    panel.controls["x"].value = 2.5
    panel.controls["colour"].value = "orange"
    assert SquarePanel(**panel.state).render_png() == panel.render_png()


def test_unknown_state_name_raises_listing_the_known_controls():
    with pytest.raises(TypeError, match=r"no control 'y'.*'x', 'colour', 'grid'"):
        SquarePanel(y=1.0)


def test_hide_hides_the_control_but_it_still_drives_the_panel():
    panel = SquarePanel(hide=["colour", "reset"])
    assert panel.controls["colour"].layout.display == "none"
    assert panel.controls["reset"].layout.display == "none"
    assert panel.controls["x"].layout.display != "none"
    panel.controls["x"].value = 3.0
    assert panel.caption_text == "x² = 9.00"


def test_hide_unknown_name_raises_naming_the_controls():
    with pytest.raises(ValueError, match=r"hide must name controls.*got 'colours'"):
        SquarePanel(hide=["colours"])


def test_error_line_shows_message_keeps_picture_and_clears_on_next_good_update():
    panel = SquarePanel()
    good = panel.render_png()
    panel.controls["x"].value = 0.0
    assert panel.error == "x must be non-zero; got 0"
    assert "x must be non-zero" in panel.error_line.value
    assert "color:" in panel.error_line.value
    assert panel.image.value == good
    panel.controls["x"].value = 2.0
    assert panel.error == ""
    assert panel.error_line.value == ""
    assert panel.image.value != good


def test_construction_with_bad_state_raises():
    with pytest.raises(ValueError, match="x must be non-zero"):
        SquarePanel(x=0.0)


def test_hold_batches_several_changes_into_one_computation():
    panel = SquarePanel()
    panel.controls["x"].value = 2.0
    panel.computations = 0
    panel.controls["reset"].click()
    assert panel.computations == 1
    assert panel.state == {"x": 1.0, "colour": "blue", "grid": False}


def test_mimebundle_has_png_and_text_beside_the_widget_view():
    panel = SquarePanel(x=2.0)
    bundle = panel._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == panel.render_png()
    assert "parabola" in bundle["text/plain"]
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_description_is_a_visible_text_and_the_pictures_text_alternative():
    panel = SquarePanel(x=2.0)
    assert "x = 2.00" in panel.description_box.value
    assert panel.image.text == panel.describe() == panel.image.tooltip
    panel.controls["x"].value = -1.5
    assert "x = -1.50" in panel.image.text
    # the front ends put the tooltip on the <img> only for a model with an empty description
    assert panel.image.get_state()["description"] == ""
    assert PANEL_CLASS in panel._dom_classes


def test_export_grid_enumerates_options_and_checkbox_and_keeps_float_value():
    grid = SquarePanel(x=2.0).export_grid()
    assert grid == {"x": [2.0], "colour": ["blue", "orange"], "grid": [False, True]}


def test_snapshot_writes_the_png(tmp_path):
    panel = SquarePanel()
    path = panel.snapshot(tmp_path / "square.png")
    assert path.read_bytes() == panel.render_png()


def test_panel_is_a_vbox_with_image_caption_and_error_line():
    panel = SquarePanel()
    assert isinstance(panel, widgets.VBox)
    for part in (panel.figure_box, panel.caption, panel.error_line):
        assert part in panel.children
    assert panel.figure_box.children == (panel.image,)
    assert panel.image.layout.max_width == "100%"  # fit_width: shrink to the page


def _text_figure(canvas_class):
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 2), dpi=100)
    canvas_class(figure)
    figure.text(0.05, 0.7, "∂E/∂w5 = 0.7414 · 0.1868", fontsize=11, color="#D55E00")
    figure.text(0.5, 0.3, "value -2\ngrad 1.5", ha="center", va="center", fontweight="bold")
    figure.text(0.9, 0.5, "rotated", rotation=90)
    return figure


@pytest.mark.skipif(not FAST_TEXT, reason="this Matplotlib lacks the fast text path's internals; "
                    "the public path is tested in test_text_fallback.py")
def test_sprite_canvas_draws_the_same_text_as_plain_agg_and_reuses_it():
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bpwidgets.panels.text_sprites import SpriteCanvasAgg

    plain, sprites = _text_figure(FigureCanvasAgg), _text_figure(SpriteCanvasAgg)
    plain.canvas.draw()
    sprites.canvas.draw()
    first = np.asarray(sprites.canvas.buffer_rgba()).copy()
    reference = np.asarray(plain.canvas.buffer_rgba()).astype(int)
    assert np.abs(first.astype(int) - reference).mean() < 1.0  # only sub-pixel snapping differs
    ink = (reference[..., :3] < 128).any(axis=2)  # dark pixels: the glyphs
    assert ((first[..., :3] < 128).any(axis=2) & ink).sum() > 0.8 * ink.sum()
    assert len(sprites.canvas._sprites) == 3  # three horizontal lines; rotated text is not cached
    sprites.canvas.draw()
    assert (np.asarray(sprites.canvas.buffer_rgba()) == first).all()
    assert len(sprites.canvas._sprites) == 3


def test_sprite_canvas_applies_text_alpha_once():
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bpwidgets.panels.text_sprites import SpriteCanvasAgg

    darkest = []
    for canvas_class in (FigureCanvasAgg, SpriteCanvasAgg):
        figure = Figure(figsize=(2, 1), dpi=100)
        canvas_class(figure)
        figure.text(0.1, 0.4, "faint", alpha=0.5, color="black", fontsize=14)
        figure.canvas.draw()
        darkest.append(int(np.asarray(figure.canvas.buffer_rgba())[..., 0].min()))
    assert abs(darkest[0] - darkest[1]) <= 3
    assert 100 < darkest[0] < 160  # black at half alpha on white


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_png_bytes_decodes_to_the_same_pixels(mode):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(7, 5, len(mode)), dtype=np.uint8)
    png = png_bytes(PIL.Image.fromarray(pixels, mode))
    decoded = PIL.Image.open(io.BytesIO(png))
    assert png.startswith(PNG_SIGNATURE)
    assert decoded.mode == mode
    assert np.array_equal(np.asarray(decoded), pixels)


def test_panel_png_has_the_figure_pixels():
    panel = SquarePanel(x=2.0)
    canvas = panel.figure.canvas
    expected = np.asarray(canvas.buffer_rgba())[..., :3]  # opaque figure: encoded as RGB
    decoded = np.asarray(PIL.Image.open(io.BytesIO(panel.render_png())))
    assert np.array_equal(decoded, expected)


def test_png_bytes_rejects_other_modes():
    with pytest.raises(ValueError, match=r"image.mode must be one of \['RGB', 'RGBA'\]; got 'L'"):
        png_bytes(PIL.Image.new("L", (2, 2)))


def _baseline_text_figure(canvas_class, text):
    """One line of text anchored at whole pixels, so sprite snapping moves nothing."""
    from matplotlib.figure import Figure
    from matplotlib.transforms import IdentityTransform

    figure = Figure(figsize=(3, 1), dpi=100)
    canvas_class(figure)
    figure.text(12, 40, text, fontsize=9, va="baseline", transform=IdentityTransform())
    return figure


@pytest.mark.skipif(not FAST_TEXT, reason="this Matplotlib lacks the fast text path's internals; "
                    "the public path is tested in test_text_fallback.py")
def test_sprite_glyph_cache_draws_exactly_what_agg_draws_and_reuses_glyphs():
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from bpwidgets.panels.text_sprites import SpriteCanvasAgg

    sprites = _baseline_text_figure(SpriteCanvasAgg, "grad 0.5969")
    sprites.canvas.draw()
    glyphs_used = len(sprites.canvas._glyphs)
    assert glyphs_used == len(set("grad 0.5969"))  # one bitmap per distinct character…
    sprites.texts[0].set_text("grad 9.6590")  # same glyphs, new order: a new sprite
    sprites.canvas.draw()
    assert len(sprites.canvas._sprites) == 2
    assert len(sprites.canvas._glyphs) == glyphs_used  # …and every glyph was reused
    plain = _baseline_text_figure(FigureCanvasAgg, "grad 9.6590")
    plain.canvas.draw()
    assert np.array_equal(np.asarray(sprites.canvas.buffer_rgba()),
                          np.asarray(plain.canvas.buffer_rgba()))


class LinkedPanel(SquarePanel):
    """SquarePanel whose ``grid`` control is shown only for positive x, via sync_controls."""

    def __init__(self, **kwargs):
        self.order, self.changes = [], []
        super().__init__(**kwargs)

    def sync_controls(self, changed):
        self.order.append("sync")
        self.changes.append(changed)
        self.show_control("grid", self.controls["x"].value > 0)
        self.controls["x"].max = 3.0  # a control change inside the update: no second update

    def compute(self):
        self.order.append("compute")
        return super().compute()


def test_sync_controls_runs_before_compute_with_the_changed_names_in_order():
    panel = LinkedPanel()
    assert panel.order == ["sync", "compute"] and panel.changes == [()]
    with panel.hold():
        panel.controls["colour"].value = "orange"
        panel.controls["x"].value = -1.0
        panel.controls["colour"].value = "blue"
    assert panel.changes[-1] == ("x", "colour")
    assert panel.order == ["sync", "compute"] * 2 and panel.computations == 2
    assert panel.controls["grid"].layout.display == "none"
    panel.controls["x"].value = 2.0
    assert panel.controls["grid"].layout.display is None


def test_show_control_keeps_a_control_hidden_by_the_caller():
    panel = LinkedPanel(hide=["grid"])
    panel.controls["x"].value = 2.0
    assert panel.controls["grid"].layout.display == "none"
    assert panel.error == ""


def _control_traits(panel) -> dict:
    return {name: (repr(getattr(w, "value", None)), getattr(w, "min", None),
                   getattr(w, "max", None), getattr(w, "description", None),
                   getattr(w, "disabled", None), w.layout.display)
            for name, w in panel.controls.items()}


@pytest.mark.parametrize("name, make, change", [
    ("chain_rule", lambda p: p.ChainRulePanel("x * y", x=2, y=3),
     {"expression": "tanh(a) + a * b"}),
    ("network", lambda p: p.NetworkPanel(), {"steps": 2}),
    ("gradient_flow", lambda p: p.GradientFlowPanel(depth=3, width=8, batch=8),
     {"init": "normal", "steps": 2}),
    ("loss_surface", lambda p: p.LossSurfacePanel(), {"mode": "rosenbrock", "steps": 30}),
    ("playground", lambda p: p.PlaygroundPanel(), {"layers": 1, "dataset": "xor"}),
])
def test_compute_and_draw_leave_every_control_as_sync_controls_left_it(name, make, change):
    """The life cycle's contract: only sync_controls changes controls; compute/draw only read."""
    import bpwidgets.panels as panels

    panel = make(panels)
    seen = []
    compute, draw = panel.compute, panel.draw

    def checked_compute():
        seen.append(_control_traits(panel))
        return compute()

    def checked_draw(data):
        draw(data)
        assert _control_traits(panel) == seen[-1], f"{name}: compute/draw changed a control"

    panel.compute, panel.draw = checked_compute, checked_draw
    for control, value in change.items():
        panel.controls[control].value = value
        assert panel.error == ""
    assert len(seen) == len(change)
