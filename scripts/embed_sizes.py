"""Print what each way of putting a panel in course material costs in bytes (docs/embed.md).

    python scripts/embed_sizes.py

For a few panels and grids it measures: the page ``bpwidgets export`` writes (loading the widget
library from the CDN) and its ``--self-contained`` version (what the Sphinx directive copies into
``_static/bpwidgets``), an executed notebook holding the live panel or ``panel.static()`` saved
with widget state, and that notebook converted by nbconvert to HTML. Sizes in kB (1000 bytes).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert import HTMLExporter

from bpwidgets import panels

CIRCUIT = {"expression": "(x + y) * z", "x": -2, "y": 5, "z": -4}
# label -> (panel class, its state, the grid; None = the panel's own grid)
CASES = {
    "chain_rule, every step (10 frames)": ("ChainRulePanel", CIRCUIT, None),
    "chain_rule, 4 steps": ("ChainRulePanel", CIRCUIT, {"step": [0, 3, 6, 9]}),
    "network, 3 views (other controls fixed)": (
        "NetworkPanel", {}, {"view": ["weight", "gradient", "update"],
                             "node_view": ["activation"], "weight": ["w5"]}),
}


def notebook_sizes(cell: str) -> tuple[int, int]:
    """Bytes of the executed one-cell notebook (widget state saved) and of its nbconvert HTML."""
    source = f"from bpwidgets.panels import ChainRulePanel, NetworkPanel\n{cell}"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    NotebookClient(notebook, timeout=300, kernel_name="python3", store_widget_state=True).execute()
    body, _ = HTMLExporter().from_notebook_node(notebook)
    return len(nbformat.writes(notebook).encode()), len(body.encode())


def main() -> None:
    """Measure every case and print one table row each (sizes in kB)."""
    print(f"| {'panel and grid':42} | export (CDN) | self-contained / directive "
          "| notebook: live | .static() | nbconvert HTML: live | .static() |")
    print(f"|{'-' * 44}|--------------|----------------------------|----------------|"
          "-----------|----------------------|-----------|")
    with tempfile.TemporaryDirectory() as folder:
        for label, (name, state, grid) in CASES.items():
            panel, make = getattr(panels, name)(**state), f"{name}(**{state!r})"
            page = panel.to_html(Path(folder) / "page.html", grid=grid).size_bytes
            inlined = panel.to_html(Path(folder) / "page.html", grid=grid,
                                    self_contained=True).size_bytes
            live, live_html = notebook_sizes(make)
            static, static_html = notebook_sizes(f"{make}.static(grid={grid!r})")
            print(f"| {label:42} | {page / 1e3:9.0f} kB | {inlined / 1e3:23.0f} kB "
                  f"| {live / 1e3:11.0f} kB "
                  f"| {static / 1e3:6.0f} kB | {live_html / 1e3:17.0f} kB "
                  f"| {static_html / 1e3:6.0f} kB |")


if __name__ == "__main__":
    main()
