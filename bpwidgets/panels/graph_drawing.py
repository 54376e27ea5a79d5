"""Draw a computation graph (from ``bpwidgets.core.graph_layout``) with artists made once.

Each node is a rounded box with its name on top and two lines below (value, gradient); an op
node has a small circle with its operation on the side its operands come from. Edges run from
each operand's box to the op circle, then one short edge from the circle to the result.

Use ``graph_layout(root, leaves="near_use")``: leaves sit one column before their first use,
which keeps columns short. Shallow graphs flow left → right (as in CS231n); deep graphs (more
than ``MAX_COLUMNS_ACROSS`` columns) flow top → bottom, so they grow down the notebook page
instead of off its side.

``GraphDrawing.update`` restyles nodes and edges in place (texts, colours, widths); it never
creates artists, so stepping through a graph is cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.collections import LineCollection
from matplotlib.patches import Circle, FancyBboxPatch

from bpwidgets.core.activations import ACTIVATIONS
from bpwidgets.panels.palette import BOX_FILL, MUTED, NEUTRAL

MAX_COLUMNS_ACROSS = 7  # deeper graphs are drawn top to bottom

# Sizes in inches: the axes spans the whole drawing area at one data unit per inch.
BOX_WIDTH = 1.05
BOX_HEIGHT = 0.62
OP_RADIUS = 0.17
OP_GAP = 0.08  # between an op circle and its box
ACROSS_PITCH = 1.85  # between columns, left → right flow
ACROSS_ROW_PITCH = 0.86  # between rows, left → right flow
DOWN_PITCH = 1.25  # between columns, top → bottom flow (op circle sits above the box)
DOWN_ROW_PITCH = 1.35  # between rows, top → bottom flow
MARGIN = 0.25

OP_SYMBOLS = {"+": "+", "-": "−", "*": "×", "/": "÷", "neg": "−x"}  # activations: their record


@dataclass(frozen=True)
class NodeStyle:
    """How one node looks at one moment."""

    text: str  # the two lines under the name
    edge_colour: str = NEUTRAL
    line_width: float = 1.0
    fill: str = BOX_FILL
    text_colour: str = "black"


def op_symbol(op: str) -> str:
    """Short symbol for an op: × for *, σ for sigmoid, ^2 for **2."""
    if op.startswith("**"):
        return "^" + op[2:]
    record = ACTIVATIONS.get(op)
    if record is not None:
        return record.symbol or op
    return OP_SYMBOLS.get(op, op)


class GraphDrawing:
    """Artists for one graph on one axes: boxes, names, value texts, op circles, edges."""

    def __init__(self, ax, layout):
        self.ax = ax
        grid = [(node.layer, node.y) for node in layout.nodes]
        n_columns = 1 + max(col for col, _ in grid)
        self.down = n_columns > MAX_COLUMNS_ACROSS
        self.centres = [self._place(col, height) for col, height in grid]
        self.size = self._extent([bool(node.op) for node in layout.nodes])
        self._artists = []
        self.boxes, self.names, self.texts, self.op_centres = [], [], [], {}
        for node in layout.nodes:
            self._add_node(node)
        self.edge_keys = [(e.source, e.target) for e in layout.edges]
        self.edges = LineCollection(self._edge_segments(layout), colors=NEUTRAL, linewidths=1.0,
                                    capstyle="round", zorder=1)
        ax.add_collection(self.edges)
        self._artists.append(self.edges)
        width, height = self.size
        ax.set_xlim(0, width)
        ax.set_ylim(-height, 0)

    # --- geometry ------------------------------------------------------------------------------
    def _place(self, column: int, height: float) -> tuple[float, float]:
        """Centre of a node in inches, before shifting into the positive quadrant."""
        if self.down:
            return (-height * DOWN_ROW_PITCH, -column * DOWN_PITCH)
        return (column * ACROSS_PITCH, height * ACROSS_ROW_PITCH)

    def _extent(self, has_op: list[bool]) -> tuple[float, float]:
        """Shift centres so the drawing starts at (0, 0) going right and down; return its size."""
        op_room = 2 * OP_RADIUS + OP_GAP
        lefts = [x - BOX_WIDTH / 2 - (op_room if op and not self.down else 0)
                 for (x, _), op in zip(self.centres, has_op, strict=True)]
        tops = [y + BOX_HEIGHT / 2 + (op_room if op and self.down else 0)
                for (_, y), op in zip(self.centres, has_op, strict=True)]
        left, top = min(lefts) - MARGIN, max(tops) + MARGIN
        right = max(x for x, _ in self.centres) + BOX_WIDTH / 2 + MARGIN
        bottom = min(y for _, y in self.centres) - BOX_HEIGHT / 2 - MARGIN
        self.centres = [(x - left, y - top) for x, y in self.centres]
        return right - left, top - bottom

    def _in_point(self, node_id: int) -> tuple[float, float]:
        """Where edges into a node end: its op circle, else its box's input side."""
        if node_id in self.op_centres:
            x, y = self.op_centres[node_id]
            return (x, y + OP_RADIUS) if self.down else (x - OP_RADIUS, y)
        x, y = self.centres[node_id]
        return (x, y + BOX_HEIGHT / 2) if self.down else (x - BOX_WIDTH / 2, y)

    def _out_point(self, node_id: int) -> tuple[float, float]:
        x, y = self.centres[node_id]
        return (x, y - BOX_HEIGHT / 2) if self.down else (x + BOX_WIDTH / 2, y)

    def _edge_segments(self, layout) -> list:
        return [(self._out_point(e.source), self._in_point(e.target)) for e in layout.edges]

    # --- artists -------------------------------------------------------------------------------
    def _add_node(self, node) -> None:
        x, y = self.centres[node.id]
        box = FancyBboxPatch((x - BOX_WIDTH / 2, y - BOX_HEIGHT / 2), BOX_WIDTH, BOX_HEIGHT,
                             boxstyle="round,pad=0,rounding_size=0.1", fc=BOX_FILL, ec=NEUTRAL,
                             lw=1.0, zorder=2)
        self.ax.add_patch(box)
        name = self.ax.text(x, y + BOX_HEIGHT / 2 - 0.05, _short(node.name, 12), ha="center",
                            va="top", fontsize=8.5, fontweight="bold", zorder=3)
        text = self.ax.text(x, y - 0.07, "", ha="center", va="center", fontsize=8,
                            linespacing=1.15, zorder=3, family="DejaVu Sans")
        self.boxes.append(box)
        self.names.append(name)
        self.texts.append(text)
        self._artists += [box, name, text]
        if node.op:
            self._add_op(node.id, x, y, op_symbol(node.op))

    def _add_op(self, node_id: int, x: float, y: float, symbol: str) -> None:
        offset = OP_RADIUS + OP_GAP
        cx, cy = (x, y + BOX_HEIGHT / 2 + offset) if self.down else (x - BOX_WIDTH / 2 - offset, y)
        self.op_centres[node_id] = (cx, cy)
        circle = Circle((cx, cy), OP_RADIUS, fc="white", ec=NEUTRAL, lw=1.0, zorder=2)
        self.ax.add_patch(circle)
        font = 10 if len(symbol) == 1 else 6.5
        label = self.ax.text(cx, cy, symbol, ha="center", va="center", fontsize=font, zorder=3)
        link = LineCollection([(self._in_side_of_box(x, y), self._circle_exit(cx, cy))],
                              colors=NEUTRAL, linewidths=1.0, zorder=1)
        self.ax.add_collection(link)
        self._artists += [circle, label, link]

    def _in_side_of_box(self, x: float, y: float) -> tuple[float, float]:
        return (x, y + BOX_HEIGHT / 2) if self.down else (x - BOX_WIDTH / 2, y)

    def _circle_exit(self, cx: float, cy: float) -> tuple[float, float]:
        return (cx, cy - OP_RADIUS) if self.down else (cx + OP_RADIUS, cy)

    # --- updates -------------------------------------------------------------------------------
    def update(self, styles: list[NodeStyle], edge_colours: list, edge_widths: list) -> None:
        """Restyle every node and edge in place."""
        for style, box, name, text in zip(styles, self.boxes, self.names, self.texts,
                                          strict=True):
            box.set_edgecolor(style.edge_colour)
            box.set_linewidth(style.line_width)
            box.set_facecolor(style.fill)
            text.set_text(style.text)
            text.set_color(style.text_colour)
            name.set_color(style.text_colour if style.text_colour == MUTED else "black")
        self.edges.set_colors(edge_colours)
        self.edges.set_linewidths(edge_widths)

    def remove(self) -> None:
        """Take every artist of this drawing off the axes (when the graph changes)."""
        for artist in self._artists:
            artist.remove()
        self._artists = []


def _short(text: str, limit: int) -> str:
    """Shorten long names with an ellipsis so they fit in a box."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
