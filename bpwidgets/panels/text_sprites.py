"""An Agg canvas that renders each distinct line of text once and then reuses its pixels.

Text dominates the cost of redrawing a panel: Matplotlib shapes every string and rasterises
every glyph on every draw (about 0.4 ms per label plus 0.06 ms per glyph), while a panel
shows the same names, numbers and formulas frame after frame. ``SpriteCanvasAgg`` keeps an
LRU cache of rendered lines ("sprites": small RGBA images with straight alpha), keyed by the
string, font, colour, size and dpi, and composites a cached sprite with ``draw_image``.

The anchor of a cached line is snapped to whole pixels (at most half a pixel from where Agg
would put it). Rotated text and math text (``$...$``) are drawn the usual way.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

MAX_SPRITES = 2048  # distinct lines kept per canvas
PAD = 2  # pixels around a line: antialiasing and overhanging glyphs


class SpriteRendererAgg(RendererAgg):
    """RendererAgg whose ``draw_text`` draws plain horizontal lines from a sprite cache."""

    def __init__(self, width, height, dpi, sprites: OrderedDict):
        super().__init__(width, height, dpi)
        self._sprites = sprites

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
        RendererAgg.draw_text(canvas, sprite_gc, PAD, baseline, s, prop, 0, mtext=mtext)
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


class SpriteCanvasAgg(FigureCanvasAgg):
    """FigureCanvasAgg drawing text through a per-canvas sprite cache."""

    def __init__(self, figure=None):
        super().__init__(figure)
        self._sprites: OrderedDict = OrderedDict()

    def get_renderer(self):
        """Return the (cached) sprite renderer for the figure's current size and dpi."""
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = SpriteRendererAgg(w, h, self.figure.dpi, self._sprites)
            self._lastKey = key
        return self.renderer


def _font_key(prop) -> tuple:
    """An immutable snapshot of a (mutable) FontProperties."""
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file(),
            prop.get_math_fontfamily())
