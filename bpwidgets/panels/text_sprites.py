"""An Agg canvas that renders each distinct line of text once and then reuses its pixels.

Text dominates the cost of redrawing a panel: Matplotlib shapes every string and rasterises
every glyph on every draw (about 0.4 ms per label plus 0.06 ms per glyph), while a panel
shows the same names, numbers and formulas frame after frame. ``SpriteCanvasAgg`` keeps an
LRU cache of rendered lines ("sprites": small RGBA images with straight alpha), keyed by the
string, font, colour, size and dpi, and composites a cached sprite with ``draw_image``.
A new line (a number that changed) is rasterised from cached glyph bitmaps, pixel for pixel
what Agg would draw, so only glyphs never seen before go through FreeType.

The anchor of a cached line is snapped to whole pixels (at most half a pixel from where Agg
would put it). Rotated text and math text (``$...$``) are drawn the usual way.

The cache uses private Matplotlib internals (FreeType layout and glyph rendering, the C++
renderer's ``draw_text_image``). ``FAST_TEXT`` says whether this Matplotlib has them all; where
it does not (older or newer releases), ``SpriteCanvasAgg`` is a plain ``FigureCanvasAgg`` and text
is drawn by Matplotlib's public path, pixel-close to the fast one (compared in the tests).
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

MAX_SPRITES = 2048  # distinct lines kept per canvas
MAX_GLYPHS = 4096  # distinct glyph bitmaps kept per canvas
IDENTITY = np.array([[0x10000, 0], [0, 0x10000]])  # FreeType's 16.16 fixed-point unit matrix
PAD = 2  # pixels around a line: antialiasing and overhanging glyphs


def _fast_text_available() -> bool:
    """True when this Matplotlib has every internal the sprite renderer calls."""
    try:
        from matplotlib.backends import _backend_agg
        from matplotlib.backends.backend_agg import get_hinting_flag  # noqa: F401
        from matplotlib.ft2font import FT2Font, RenderMode  # noqa: F401
    except ImportError:
        return False
    needed = [(FT2Font, "_layout"), (FT2Font, "_render_glyph"), (FT2Font, "_set_transform"),
              (RendererAgg, "_prepare_font"), (_backend_agg.RendererAgg, "draw_text_image")]
    return all(hasattr(owner, name) for owner, name in needed)


FAST_TEXT = _fast_text_available()


class SpriteRendererAgg(RendererAgg):
    """RendererAgg whose ``draw_text`` draws plain horizontal lines from a sprite cache."""

    def __init__(self, width, height, dpi, sprites: OrderedDict, glyphs: OrderedDict):
        super().__init__(width, height, dpi)
        self._sprites = sprites
        self._glyphs = glyphs

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        """Composite the cached sprite of ``s``; render and cache it on first use."""
        if ismath or angle != 0 or not s:
            return super().draw_text(gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)
        key = (s, _font_key(prop), gc.get_rgb(), gc.get_alpha(), gc.get_antialiased(), self.dpi)
        sprite = self._sprites.get(key)
        if sprite is None:
            sprite = self._render_sprite(gc, s, prop, mtext)
            self._sprites[key] = sprite
            if len(self._sprites) > MAX_SPRITES:
                self._sprites.popitem(last=False)
        else:
            self._sprites.move_to_end(key)
        pixels, left, top = sprite
        # (x, y) is the baseline start, y counted from the top; draw_image takes the
        # lower-left corner counted from the bottom.
        bottom = self.height - (round(y) - top) - pixels.shape[0]
        image_gc = self.new_gc()
        image_gc.copy_properties(gc)  # keeps the clip box
        image_gc.set_alpha(None)  # the text's alpha is already in the sprite
        self.draw_image(image_gc, round(x) + left, bottom, pixels)
        image_gc.restore()

    def _render_sprite(self, gc, s, prop, mtext):
        """Rasterise one line on a transparent scratch canvas; return (RGBA, left, top).

        The scratch canvas is sized generously from the font size (no second text layout is
        needed to measure the line); the sprite is then cropped to the pixels with ink.
        """
        em = prop.get_size_in_points() * self.dpi / 72
        width = math.ceil(len(s) * em * 1.2 + 2 * em) + 2 * PAD
        height = math.ceil(3 * em) + 2 * PAD
        baseline = PAD + math.ceil(2 * em)
        canvas = RendererAgg(width, height, self.dpi)
        sprite_gc = canvas.new_gc()
        sprite_gc.copy_properties(gc)
        sprite_gc.set_clip_rectangle(None)
        sprite_gc.set_clip_path(None)
        self._draw_glyphs(canvas, sprite_gc, baseline, s, prop, mtext)
        sprite_gc.restore()
        pixels = np.asarray(canvas.buffer_rgba())
        rows = np.flatnonzero(pixels[..., 3].any(axis=1))
        cols = np.flatnonzero(pixels[..., 3].any(axis=0))
        if rows.size == 0:  # only spaces
            return np.zeros((1, 1, 4), np.uint8), 0, 0
        top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        # draw_image wants the bottom row first.
        sprite = np.ascontiguousarray(pixels[top:bottom, left:right][::-1])
        return sprite, int(left) - PAD, baseline - int(top)


    def _draw_glyphs(self, canvas, gc, baseline, s, prop, mtext):
        """Draw one line at (PAD, baseline) on ``canvas`` like Agg does, glyph bitmaps cached.

        A new number is a new line but mostly old glyphs: rasterising each glyph once saves
        most of the cost of a new sprite. Agg places each glyph at a 1/64-pixel position; the
        cache key holds that fraction, so the pixels are exactly those Agg would draw.
        """
        from matplotlib.backends.backend_agg import get_hinting_flag

        font = canvas._prepare_font(prop)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        size = prop.get_size_in_points()
        for item in font._layout(s, flags=get_hinting_flag(), features=features,
                                 language=language):
            x = round(0x40 * (PAD + item.x))
            y = round(0x40 * (canvas.height - baseline + item.y))  # FreeType's y is upwards
            buffer, left, top = self._glyph(item.ft_object, size, item.glyph_index,
                                            x % 0x40, y % 0x40, gc.get_antialiased())
            left, top = left + x // 0x40, top + y // 0x40
            # draw_text_image's y is downwards and names the bitmap's bottom side.
            canvas._renderer.draw_text_image(buffer, left, int(canvas.height) - top
                                             + buffer.shape[0], 0, gc)

    def _glyph(self, font, size, glyph_index, x_fraction, y_fraction, antialiased):
        """(bitmap, left, top) of one glyph drawn at a sub-pixel offset from the origin."""
        key = (font.fname, size, self.dpi, glyph_index, x_fraction, y_fraction, antialiased)
        glyph = self._glyphs.get(key)
        if glyph is not None:
            self._glyphs.move_to_end(key)
            return glyph
        from matplotlib.backends.backend_agg import get_hinting_flag
        from matplotlib.ft2font import RenderMode

        font.set_size(size, self.dpi)
        font._set_transform(IDENTITY, [x_fraction, y_fraction])
        bitmap = font._render_glyph(glyph_index, get_hinting_flag(),
                                    RenderMode.NORMAL if antialiased else RenderMode.MONO)
        buffer = np.array(bitmap.buffer)  # a copy: FreeType reuses its glyph slot
        if not antialiased:
            buffer *= 0xff
        glyph = self._glyphs[key] = (buffer, bitmap.left, bitmap.top)
        if len(self._glyphs) > MAX_GLYPHS:
            self._glyphs.popitem(last=False)
        return glyph


class SpriteCanvasAgg(FigureCanvasAgg):
    """FigureCanvasAgg drawing text through a per-canvas sprite cache (where ``fast_text``)."""

    fast_text = FAST_TEXT  # False: plain FigureCanvasAgg behaviour, public Matplotlib only

    def __init__(self, figure=None):
        super().__init__(figure)
        self._sprites: OrderedDict = OrderedDict()
        self._glyphs: OrderedDict = OrderedDict()
        self._sprite_key = None

    def get_renderer(self, *args, **kwargs):
        """Return the (cached) sprite renderer for the figure's current size and dpi."""
        if not self.fast_text:
            return super().get_renderer(*args, **kwargs)
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._sprite_key != key:
            self.renderer = SpriteRendererAgg(w, h, self.figure.dpi, self._sprites,
                                              self._glyphs)
            self._sprite_key = key
        elif kwargs.get("cleared") or (args and args[0]):  # Matplotlib < 3.7 clears here
            self.renderer.clear()
        return self.renderer


def _font_key(prop) -> tuple:
    """An immutable snapshot of a (mutable) FontProperties."""
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(),
            prop.get_math_fontfamily())
