"""The ``bpwidgets export`` command: write a panel as a standalone interactive HTML page.

Imports stay light here (the parser is built for every ``bpwidgets`` call); the panels and
the exporter load inside :func:`run`.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bpwidgets.cli_errors import (
    UsageError,
    check_writable_file,
    finite_positive,
    json_object,
    positive_int,
)
from bpwidgets.cli_errors import report as report_error
from bpwidgets.panel_registry import PANELS, panel_class  # CLI name -> class name; no imports

# bpwidgets.embed's DEFAULT_MAX_BYTES (in MB) and DEFAULT_MAX_FRAMES; not imported, so
# building the parser stays light (a test checks they agree).
DEFAULT_MAX_MB = 5.0
DEFAULT_MAX_FRAMES = 3_000



def add_arguments(parser) -> None:
    """Arguments of ``bpwidgets export``."""
    parser.add_argument("panel", choices=sorted(PANELS), help="which panel to export")
    parser.add_argument("-o", "--output", default=None,
                        help="page to write (default: PANEL.html in the current folder)")
    parser.add_argument("--state", default={}, type=json_object,
                        help='JSON object of control values, e.g. \'{"expression": "x * y"}\'')
    parser.add_argument("--grid", action="append", default=[], type=grid_item,
                        metavar="NAME=V1,V2,...",
                        help="values to precompute for one control (repeatable)")
    parser.add_argument("--max-mb", type=finite_positive, default=DEFAULT_MAX_MB,
                        help="size cap of the page in MB (default: %(default)s)")
    parser.add_argument("--max-frames", type=positive_int, default=DEFAULT_MAX_FRAMES,
                        help="cap on the number of precomputed views (default: %(default)s)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--self-contained", action="store_true",
                       help="inline the widget HTML manager: one file that works offline and "
                            "from file:// (about 2 MB more)")
    where.add_argument("--embed-url", default=None,
                       help="URL of the widget HTML manager's embed.js (default: jsDelivr CDN)")
    parser.add_argument("--html-manager", default=None, metavar="DIR",
                        help="with --self-contained: an unpacked @jupyter-widgets/html-manager "
                             "npm package to inline (default: $BPWIDGETS_HTML_MANAGER, else a "
                             "copy fetched with npm into the user cache)")


def run(args) -> int:
    """Run ``bpwidgets export``: build the panel, write the page, print the report."""
    from traitlets import TraitError

    from bpwidgets.embed import to_html
    from bpwidgets.html_manager import HtmlManagerUnavailable

    output = Path(args.output or f"{args.panel}.html")
    try:
        check_writable_file("-o/--output", output)
        if args.html_manager is not None and not args.self_contained:
            raise UsageError("--html-manager", "--self-contained beside it", "it alone")
        try:
            panel = panel_class(args.panel)(**args.state)
        except (ValueError, TypeError, TraitError) as error:
            raise UsageError("--state", f"values {args.panel} accepts",
                             f"{json.dumps(args.state)} ({_first_line(error)})") from None
        report = to_html(panel, output, grid=dict(args.grid), max_bytes=int(args.max_mb * 1e6),
                         max_frames=args.max_frames, embed_url=args.embed_url,
                         self_contained=args.self_contained,
                         html_manager_dir=args.html_manager, progress=True)
    except (UsageError, ValueError, TypeError) as error:
        return report_error("export", error)
    except HtmlManagerUnavailable as error:
        report_error("export", error)
        return 1
    print(report)
    return 0


def grid_item(item: str) -> tuple[str, list]:
    """argparse type: ``NAME=V1,V2`` as a name and values (JSON numbers/booleans, else strings)."""
    try:
        return _parse_grid(item)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parse_grid(item: str) -> tuple[str, list]:
    """Parse ``NAME=V1,V2`` into a name and values; ValueError if it has another shape."""
    name, sep, values = item.partition("=")
    if not sep or not name or not values:
        raise ValueError(f"expects NAME=V1,V2,...; got {item!r}")
    return name, [_parse_value(v.strip()) for v in values.split(",")]


def _parse_value(text: str):
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return value if isinstance(value, (int, float, bool)) else text


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
