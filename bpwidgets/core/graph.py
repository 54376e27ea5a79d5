"""A Value graph as plain data for drawing: nodes in layered columns, edges left to right.

``graph_layout(root)`` puts the leaves in column 0 and every other node one column right of its
deepest parent (the longest path from the leaves), so the root ends alone in the last column and
every edge points right. Within a column, nodes are ordered by the barycentre heuristic (the mean
height of their neighbours, swept left→right and right→left a few times) and the ordering with
the fewest edge crossings is kept, then neighbours in a column are swapped wherever that
removes crossings. Rows are evenly spaced one unit apart, centred on y = 0.

Node ids are forward indices: node ``i`` is ``root.topo()[i]``, so ids match the ``v<k>`` / ``c<k>``
display names and a ``ChainRuleStep`` maps to its edge through ``layout.edge_index(step)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .validate import check_choice
from .value import ChainRuleStep, Value, display_names

LEAF_PLACEMENTS = ("left", "near_use")
SWEEPS = 4  # barycentre passes, alternating left→right and right→left
TRANSPOSE_PASSES = 4  # rounds of swapping neighbours that removes crossings
MAX_EDGES_FOR_CROSSING_COUNT = 600  # beyond this, one sweep without counting (pairs grow as E²)


@dataclass(frozen=True)
class GraphNode:
    """One node: what it is, what it holds, and where to draw it."""

    id: int  # forward index: the position in root.topo()
    name: str  # display name (label, or L / v<k> / c<k>)
    label: str
    op: str  # "" for leaves
    data: float
    grad: float  # .grad when the layout was made
    is_constant: bool
    layer: int  # column: 0 for leaves, 1 + the deepest parent's column otherwise
    row: int  # position in the column, 0 at the top
    x: float  # equal to layer
    y: float  # rows one unit apart, centred on 0, row 0 highest


@dataclass(frozen=True)
class GraphEdge:
    """An arrow from a parent (operand) to the node computed from it."""

    source: int  # parent id
    target: int  # child id
    operand: int  # the parent's position among the child's operands


@dataclass(frozen=True)
class GraphLayout:
    """Nodes (indexed by id), edges, and the size of the drawing."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    root: int  # id of the root node
    n_layers: int
    max_rows: int  # the most nodes in one column
    values: tuple[Value, ...] = field(repr=False, compare=False)  # values[id] is the node's Value
    _ids: dict = field(init=False, repr=False, compare=False)
    _edge_positions: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_ids", {id(v): i for i, v in enumerate(self.values)})
        positions = {(e.target, e.operand): k for k, e in enumerate(self.edges)}
        object.__setattr__(self, "_edge_positions", positions)

    def node_id(self, value: Value) -> int:
        """Return the id of ``value``; KeyError if it is not part of this graph."""
        try:
            return self._ids[id(value)]
        except KeyError:
            raise KeyError(f"{value!r} is not a node of this graph") from None

    def edge_index(self, step: ChainRuleStep) -> int:
        """Return the position in ``edges`` of the edge a chain-rule step runs back along."""
        return self._edge_positions[(self.node_id(step.output), step.operand)]


def graph_layout(root: Value, leaves: str = "left") -> GraphLayout:
    """Lay out the graph that computes ``root`` in columns, root right.

    ``leaves="left"`` puts every leaf in column 0; ``leaves="near_use"`` puts each leaf one column
    before its first user, which shortens edges in graphs where weights enter late (Mazur's).
    """
    if not isinstance(root, Value):
        raise TypeError(f"root must be a Value; got {type(root).__name__}")
    check_choice("leaves", leaves, LEAF_PLACEMENTS)
    order = root.topo()
    ids = {id(v): i for i, v in enumerate(order)}
    parents = [[ids[id(p)] for p in v.parents] for v in order]
    layers = _longest_path_layers(parents)
    if leaves == "near_use":
        layers = _leaves_near_use(layers, parents)
    columns = _order_rows(_columns(layers), parents)
    names = display_names(root)
    row_of = {node: row for column in columns for row, node in enumerate(column)}
    nodes = tuple(
        GraphNode(
            id=i, name=names[i], label=v.label, op=v.op, data=v.data, grad=v.grad,
            is_constant=v.is_constant, layer=layers[i], row=row_of[i], x=float(layers[i]),
            y=_row_height(row_of[i], len(columns[layers[i]])),
        )
        for i, v in enumerate(order)
    )
    edges = tuple(
        GraphEdge(source=p, target=i, operand=k)
        for i, ps in enumerate(parents) for k, p in enumerate(ps)
    )
    return GraphLayout(nodes, edges, root=len(order) - 1, n_layers=len(columns),
                       max_rows=max(len(c) for c in columns), values=tuple(order))


def _longest_path_layers(parents: list[list[int]]) -> list[int]:
    """Column of each node: 0 for leaves, else 1 + the largest column among its parents."""
    layers: list[int] = []
    for ps in parents:  # forward order: parents are placed before their children
        layers.append(1 + max(layers[p] for p in ps) if ps else 0)
    return layers


def _leaves_near_use(layers: list[int], parents: list[list[int]]) -> list[int]:
    """Move each leaf to the column just before the leftmost node that uses it."""
    first_use = [len(layers)] * len(layers)
    for child, ps in enumerate(parents):
        for p in ps:
            first_use[p] = min(first_use[p], layers[child])
    return [first_use[n] - 1 if not ps and first_use[n] < len(layers) else layer
            for n, (layer, ps) in enumerate(zip(layers, parents, strict=True))]


def _columns(layers: list[int]) -> list[list[int]]:
    columns: list[list[int]] = [[] for _ in range(max(layers) + 1)]
    for node, layer in enumerate(layers):
        columns[layer].append(node)
    return columns


def _order_rows(columns: list[list[int]], parents: list[list[int]]) -> list[list[int]]:
    """Reorder each column by barycentre sweeps; keep the ordering with the fewest crossings."""
    children: list[list[int]] = [[] for _ in parents]
    for child, ps in enumerate(parents):
        for p in ps:
            children[p].append(child)
    edges = [(p, c) for c, ps in enumerate(parents) for p in ps]
    count = len(edges) <= MAX_EDGES_FOR_CROSSING_COUNT
    best = [list(c) for c in columns]
    best_crossings = _crossings(best, edges) if count else 0
    current = best
    for sweep in range(SWEEPS if count else 1):
        rightward = sweep % 2 == 0
        current = _sweep(current, parents if rightward else children, rightward)
        if count:
            crossings = _crossings(current, edges)
            if crossings < best_crossings:
                best, best_crossings = current, crossings
        else:
            best = current
    return _transpose(best, edges) if count else best


def _sweep(columns: list[list[int]], neighbours: list[list[int]], rightward: bool):
    """One barycentre pass: sort each column by the mean height of its neighbours."""
    columns = [list(c) for c in columns]
    heights = _heights(columns)
    sequence = range(1, len(columns)) if rightward else range(len(columns) - 2, -1, -1)
    for layer in sequence:
        column = columns[layer]
        # Highest neighbour centre first; ties keep their current order.
        keys = {node: (-_centre(node, neighbours[node], heights), row)
                for row, node in enumerate(column)}
        column.sort(key=keys.__getitem__)
        for row, node in enumerate(column):
            heights[node] = _row_height(row, len(column))
    return columns


def _centre(node: int, linked: list[int], heights: dict[int, float]) -> float:
    """Mean height of the linked nodes; a node with none stays where it is."""
    return sum(heights[n] for n in linked) / len(linked) if linked else heights[node]


def _heights(columns: list[list[int]]) -> dict[int, float]:
    return {node: _row_height(row, len(c)) for c in columns for row, node in enumerate(c)}


def _row_height(row: int, column_size: int) -> float:
    """Rows one unit apart, centred on 0, row 0 at the top."""
    return (column_size - 1) / 2 - row


def _crossings(columns: list[list[int]], edges: list[tuple[int, int]]) -> int:
    """Count pairs of straight edges that cross (edges sharing an end point do not count)."""
    x, y = _positions(columns)
    return sum(_cross(a, b, x, y) for i, a in enumerate(edges) for b in edges[i + 1:])


def _transpose(columns: list[list[int]], edges: list[tuple[int, int]]) -> list[list[int]]:
    """Swap neighbours within a column wherever that removes crossings, until no swap helps."""
    columns = [list(c) for c in columns]
    x, y = _positions(columns)
    incident: dict[int, list[tuple[int, int]]] = {node: [] for node in x}
    for edge in edges:
        for node in edge:
            incident[node].append(edge)
    for _ in range(TRANSPOSE_PASSES):
        improved = False
        for column in columns:
            for row in range(len(column) - 1):
                u, v = column[row], column[row + 1]
                touched = incident[u] + incident[v]  # only their edges can change crossings
                before = sum(_cross(t, e, x, y) for t in touched for e in edges)
                y[u], y[v] = y[v], y[u]
                if sum(_cross(t, e, x, y) for t in touched for e in edges) < before:
                    column[row], column[row + 1] = v, u
                    improved = True
                else:
                    y[u], y[v] = y[v], y[u]
        if not improved:
            break
    return columns


def _positions(columns: list[list[int]]) -> tuple[dict[int, int], dict[int, float]]:
    x = {node: layer for layer, c in enumerate(columns) for node in c}
    return x, _heights(columns)


def _cross(a: tuple[int, int], b: tuple[int, int], x: dict, y: dict) -> bool:
    """True if straight edges a and b cross strictly between the columns they share."""
    (a0, a1), (b0, b1) = a, b
    lo, hi = max(x[a0], x[b0]), min(x[a1], x[b1])
    if hi <= lo:
        return False
    d_lo = _height_at(lo, a0, a1, x, y) - _height_at(lo, b0, b1, x, y)
    d_hi = _height_at(hi, a0, a1, x, y) - _height_at(hi, b0, b1, x, y)
    return d_lo * d_hi < 0


def _height_at(at: float, start: int, end: int, x: dict, y: dict) -> float:
    t = (at - x[start]) / (x[end] - x[start])
    return y[start] + t * (y[end] - y[start])
