"""The fast text path (private Matplotlib internals) is optional: without it, panels render
through Matplotlib's public path, pixel-close to the fast one."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import PIL.Image
import pytest

from bpwidgets import panels
from bpwidgets.panels import text_sprites

PANELS = ["ChainRulePanel", "NetworkPanel", "GradientFlowPanel", "LossSurfacePanel",
          "PlaygroundPanel"]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(PIL.Image.open(io.BytesIO(png)).convert("RGB")).astype(int)


def shift_tolerant_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pixel, the smallest channel difference between ``a`` and ``b`` moved by ≤ 1 pixel
    (the fast path snaps each text line to whole pixels)."""
    padded = np.pad(b, ((1, 1), (1, 1), (0, 0)), mode="edge")
    h, w = a.shape[:2]
    return np.min([np.abs(a - padded[1 + dy:1 + dy + h, 1 + dx:1 + dx + w]).max(axis=2)
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1)], axis=0)


@pytest.mark.parametrize("name", PANELS)
def test_public_text_path_renders_every_panel_pixel_close(name, monkeypatch):
    monkeypatch.setattr(text_sprites.SpriteCanvasAgg, "fast_text", False)
    public_panel = getattr(panels, name)()
    public = pixels(public_panel.render_png())
    assert public_panel.figure.canvas._sprites == {}  # nothing went through the sprite cache
    if not text_sprites.FAST_TEXT:
        assert public.std() > 10  # still a real picture; no fast path here to compare with
        return
    monkeypatch.setattr(text_sprites.SpriteCanvasAgg, "fast_text", True)
    fast_panel = getattr(panels, name)()
    fast = pixels(fast_panel.render_png())
    assert len(fast_panel.figure.canvas._sprites) > 0
    assert fast.shape == public.shape
    assert np.abs(fast - public).mean() < 2.5
    assert (shift_tolerant_difference(fast, public) > 64).mean() < 0.005


def test_fallback_is_chosen_when_an_internal_is_missing(repo_root):
    code = (
        "import matplotlib.backends.backend_agg\n"
        "import matplotlib.ft2font as ft2font\n"
        "if hasattr(ft2font, 'RenderMode'):\n"
        "    del ft2font.RenderMode  # as in Matplotlib 3.6-3.10\n"
        "from bpwidgets.panels import ChainRulePanel, text_sprites\n"
        "panel = ChainRulePanel()\n"
        "png = panel.render_png()\n"
        "print(text_sprites.FAST_TEXT, len(panel.figure.canvas._sprites), png[:4] == b'\\x89PNG')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, cwd=repo_root)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "0", "True"]
