"""Write the interactive static page of every panel into docs/embed/ (run from the checkout).

    python scripts/build_embed_pages.py [--out docs/embed]

Each page uses a grid small enough to stay well under the 5 MB cap; see README, "Panels in
static course pages".
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bpwidgets import panels
from bpwidgets.panel_registry import PANELS

# One page per panel of the registry (keyed by its name), plus extra pages of some panels.
PAGES = {
    "chain_rule": dict(make=lambda: panels.ChainRulePanel("(x + y) * z", x=-2, y=5, z=-4),
                       grid=None),
    "network": dict(make=panels.NetworkPanel,
                    grid={"node_view": ["activation"], "weight": ["w5", "w1"]}),
    "gradient_flow": dict(make=panels.GradientFlowPanel,
                          grid={"depth": [5, 20, 50], "activation": ["tanh", "relu"],
                                "init": ["standard", "xavier", "he"], "seed": [0]}),
    # Gradient descent on the quadratic bowl (λ = 1, 10): 2/λ_max = 0.2 separates
    # convergence from divergence; the Play button walks the trajectory.
    "loss_surface": dict(make=panels.LossSurfacePanel,
                         grid={"mode": ["quadratic"], "view": ["contour"], "resolution": None,
                               "lr": [0.05, 0.15, 0.19, 0.21],
                               "step": [0, 1, 2, 3, 5, 8, 12, 20, 30, 40]}),
    "playground": dict(make=panels.PlaygroundPanel,
                       grid={"dataset": ["moons", "circles", "xor", "spiral"],
                             "activation": ["tanh", "relu"], "layers": None, "neurons": None,
                             "optimizer": None, "l2": None, "seed": None},
                       before_frame=lambda panel: panel.step(150)),
}
EXTRA_PAGES = {
    "chain_rule_neuron": dict(
        make=lambda: panels.ChainRulePanel("1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))",
                                           w0=2, x0=-1, w1=-3, x1=-2, w2=-3),
        grid=None),
}


def all_pages() -> dict:
    """The page of every registered panel (in registry order), then the extra pages."""
    missing = [name for name in PANELS if name not in PAGES]
    if missing:
        raise ValueError(f"PAGES needs a page for every panel of the registry; missing {missing}")
    return {**{name: PAGES[name] for name in PANELS}, **EXTRA_PAGES}


def fixed_current(panel, grid: dict | None) -> dict | None:
    """Replace ``None`` entries of ``grid`` by the control's current value (kept fixed)."""
    if grid is None:
        return None
    return {name: [panel.state[name]] if values is None else values
            for name, values in grid.items()}


def main() -> None:
    """Export every page in PAGES and print each report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/embed", type=Path)
    args = parser.parse_args()
    for name, page in all_pages().items():
        panel = page["make"]()
        report = panel.to_html(args.out / f"{name}.html", grid=fixed_current(panel, page["grid"]),
                               before_frame=page.get("before_frame"),
                               title=f"bpwidgets — {type(panel).__name__}")
        print(report)


if __name__ == "__main__":
    main()
