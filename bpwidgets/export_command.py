"""The ``bpwidgets export`` command: write a panel as a standalone interactive HTML page.

Imports stay light here (the parser is built for every ``bpwidgets`` call); the panels and
the exporter load inside :func:`run`.
"""

from __future__ import annotations

import json
import sys

from bpwidgets.panel_registry import PANELS, panel_class  # CLI name -> class name; no imports

# bpwidgets.embed.DEFAULT_MAX_BYTES in MB; not imported, so building the parser stays light.
DEFAULT_MAX_MB = 5.0



def add_arguments(parser) -> None:
    """Arguments of ``bpwidgets export``."""
    parser.add_argument("panel", choices=sorted(PANELS), help="which panel to export")
    parser.add_argument("-o", "--output", default=None,
                        help="page to write (default: PANEL.html in the current folder)")
    parser.add_argument("--state", default="{}",
                        help='JSON object of control values, e.g. \'{"expression": "x * y"}\'')
    parser.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                        help="values to precompute for one control (repeatable)")
    parser.add_argument("--max-mb", type=float, default=DEFAULT_MAX_MB,
                        help="size cap of the page in MB (default: %(default)s)")
    parser.add_argument("--embed-url", default=None,
                        help="URL of the widget HTML manager's embed.js (default: jsDelivr CDN)")


def run(args) -> int:
    """Run ``bpwidgets export``: build the panel, write the page, print the report."""
    from bpwidgets.embed import to_html

    try:
        state = json.loads(args.state)
        if not isinstance(state, dict):
            raise ValueError(f"--state must be a JSON object; got {type(state).__name__}")
        grid = dict(_parse_grid(item) for item in args.grid)
        panel = panel_class(args.panel)(**state)
        report = to_html(panel, args.output or f"{args.panel}.html", grid=grid,
                         max_bytes=int(args.max_mb * 1e6), embed_url=args.embed_url,
                         progress=True)
    except (ValueError, TypeError) as error:  # json.JSONDecodeError is a ValueError
        print(f"bpwidgets export: error: {error}", file=sys.stderr)
        return 2
    print(report)
    return 0


def _parse_grid(item: str) -> tuple[str, list]:
    """Parse ``NAME=V1,V2`` into a name and values (JSON numbers/booleans, else strings)."""
    name, sep, values = item.partition("=")
    if not sep or not name or not values:
        raise ValueError(f"--grid must look like NAME=V1,V2,...; got {item!r}")
    return name, [_parse_value(v.strip()) for v in values.split(",")]


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text
