"""What a static page shows in Chromium: the bytes of its visible figure image."""

from __future__ import annotations

import base64


def shown_png(page) -> bytes:
    """The bytes of the one visible figure image of ``page`` (a Playwright page or frame)."""
    page.wait_for_function("""() => {
        const shown = [...document.querySelectorAll('.widget-image')]
            .filter(img => img.offsetParent !== null);
        return shown.length === 1 && shown[0].naturalWidth > 0;
    }""")
    data = page.evaluate("""async () => {
        const img = [...document.querySelectorAll('.widget-image')]
            .find(img => img.offsetParent !== null);
        const buffer = await (await fetch(img.src)).arrayBuffer();
        let binary = '';
        new Uint8Array(buffer).forEach(b => binary += String.fromCharCode(b));
        return btoa(binary);
    }""")
    return base64.b64decode(data)


def step_slider(page, steps: list, frames: list, start: int) -> None:
    """Walk a page's one selection slider over ``steps``; each must show its frame's picture."""
    handle = page.locator(".widget-hslider .noUi-handle")
    handle.wait_for()
    assert shown_png(page) == frames[start].png, "the starting frame is wrong"
    handle.focus()
    handle.press("Home")
    for index, (label, expected) in enumerate(zip(map(str, steps), frames, strict=True)):
        page.wait_for_function(
            "s => document.querySelector('.widget-readout').textContent.trim() === s", arg=label)
        assert shown_png(page) == expected.png, f"step {label} shows the wrong picture"
        if index < len(frames) - 1:
            handle.press("ArrowRight")
