"""graph_layout: columns, edges left to right, distinct positions, few crossings, step → edge."""

from __future__ import annotations

from collections import defaultdict

import pytest

from bpwidgets.core.graph import graph_layout
from bpwidgets.core.value import Value


def small_network():
    """A little 2-2-1 tanh network with shared inputs and a reused bias (about 25 nodes)."""
    x1, x2, b = Value(0.5, "x1"), Value(-1.0, "x2"), Value(0.1, "b")
    h1 = (x1 * Value(0.3, "w1") + x2 * Value(-0.2, "w2") + b).tanh()
    h2 = (x1 * Value(0.7, "w3") + x2 * Value(0.4, "w4") + b).tanh()
    out = h1 * Value(1.5, "v1") + h2 * Value(-0.5, "v2")
    loss = (out - 0.25) ** 2
    loss.label = "loss"
    return loss


def crossing_pairs(layout) -> int:
    """Count edge pairs whose straight segments cross in their interiors (independent check)."""
    points = {n.id: (n.x, n.y) for n in layout.nodes}

    def orientation(p, q, r):
        value = (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
        return (value > 0) - (value < 0)

    segments = [(points[e.source], points[e.target]) for e in layout.edges]
    count = 0
    for i, (p1, p2) in enumerate(segments):
        for q1, q2 in segments[i + 1:]:
            if {p1, p2} & {q1, q2}:
                continue  # sharing a node is not a crossing
            if (orientation(p1, p2, q1) * orientation(p1, p2, q2) < 0
                    and orientation(q1, q2, p1) * orientation(q1, q2, p2) < 0):
                count += 1
    return count


@pytest.mark.parametrize("leaves", ["left", "near_use"])
def test_every_edge_points_right_and_root_is_alone_on_the_right(leaves):
    root = small_network()
    layout = graph_layout(root, leaves=leaves)
    for edge in layout.edges:
        assert layout.nodes[edge.source].x < layout.nodes[edge.target].x
    last = max(n.layer for n in layout.nodes)
    assert [n.id for n in layout.nodes if n.layer == last] == [layout.root]
    assert layout.nodes[layout.root].name == "loss"
    assert layout.n_layers == last + 1


def test_leaves_are_leftmost_and_columns_follow_the_longest_path():
    layout = graph_layout(small_network())
    parents = defaultdict(list)
    for edge in layout.edges:
        parents[edge.target].append(edge.source)
    for node in layout.nodes:
        if node.op == "":
            assert node.layer == 0
        else:
            assert node.layer == 1 + max(layout.nodes[p].layer for p in parents[node.id])


def test_near_use_puts_each_leaf_just_before_its_first_user():
    layout = graph_layout(small_network(), leaves="near_use")
    users = defaultdict(list)
    for edge in layout.edges:
        users[edge.source].append(layout.nodes[edge.target].layer)
    for node in layout.nodes:
        if node.op == "":
            assert node.layer == min(users[node.id]) - 1


@pytest.mark.parametrize("leaves", ["left", "near_use"])
def test_no_two_nodes_share_a_position_and_rows_are_evenly_spread(leaves):
    layout = graph_layout(small_network(), leaves=leaves)
    positions = [(n.x, n.y) for n in layout.nodes]
    assert len(set(positions)) == len(positions)
    columns = defaultdict(list)
    for node in layout.nodes:
        columns[node.layer].append(node)
    for column in columns.values():
        column.sort(key=lambda n: n.row)
        assert [n.row for n in column] == list(range(len(column)))
        heights = [n.y for n in column]
        assert all(a - b == 1.0 for a, b in zip(heights, heights[1:], strict=False))  # 1 apart, top first
        assert sum(heights) == 0.0  # centred
    assert layout.max_rows == max(len(c) for c in columns.values())


def test_layout_is_deterministic():
    first, second = graph_layout(small_network()), graph_layout(small_network())
    assert first.nodes == second.nodes and first.edges == second.edges


def test_nodes_describe_the_values_in_forward_order():
    root = small_network()
    root.backward()
    layout = graph_layout(root)
    order = root.topo()
    assert len(layout.nodes) == len(order) and layout.values == tuple(order)
    for node, value in zip(layout.nodes, order, strict=True):
        assert (node.data, node.grad, node.op, node.label) == (value.data, value.grad, value.op,
                                                               value.label)
        assert node.id == order.index(value) == layout.node_id(value)
    names = {n.name for n in layout.nodes}
    assert {"x1", "w4", "b", "loss"} <= names
    constant = root.parents[0].parents[1]  # the 0.25 in (out - 0.25) ** 2
    assert layout.nodes[order.index(constant)].name == f"c{order.index(constant)}"


def test_edges_carry_operand_positions_and_map_from_steps():
    a = Value(3.0, "a")
    square = a * a
    root = square + a
    layout = graph_layout(root)
    steps = root.backward()
    assert len(layout.edges) == len(steps) == 4
    for step in steps:
        edge = layout.edges[layout.edge_index(step)]
        assert edge.source == layout.node_id(step.input)
        assert edge.target == layout.node_id(step.output)
        assert edge.operand == step.operand
    assert len({layout.edge_index(s) for s in steps}) == 4  # a*a's two edges stay distinct


def test_crossings_are_removed_when_possible():
    # In forward order x0..x3 the edges x3→m0 and x1→m1 cross; ordering x0, x3, x1, x2 avoids it.
    x0, x1, x2, x3 = (Value(float(i), f"x{i}") for i in range(4))
    root = x0 * x3 + x1 * x2
    assert crossing_pairs(graph_layout(root)) == 0


def test_barycentre_ordering_beats_forward_order_on_a_network():
    root = small_network()
    layout = graph_layout(root)
    # The same columns in plain forward order, for comparison.
    rows = defaultdict(int)
    naive_nodes = []
    column_sizes = defaultdict(int)
    for node in layout.nodes:
        column_sizes[node.layer] += 1
    for node in layout.nodes:
        row = rows[node.layer]
        rows[node.layer] += 1
        naive_nodes.append(type(node)(**{**node.__dict__, "row": row,
                                         "y": (column_sizes[node.layer] - 1) / 2 - row}))
    naive = type(layout)(tuple(naive_nodes), layout.edges, layout.root, layout.n_layers,
                         layout.max_rows, layout.values)
    assert crossing_pairs(layout) < crossing_pairs(naive)


def test_a_single_leaf_is_a_graph_of_one_node():
    layout = graph_layout(Value(2.0))
    assert [(n.name, n.layer, n.y) for n in layout.nodes] == [("L", 0, 0.0)]
    assert layout.edges == ()


def test_bad_input():
    with pytest.raises(TypeError, match="root must be a Value; got float"):
        graph_layout(1.0)
    with pytest.raises(ValueError, match="leaves must be one of 'left', 'near_use'; got 'right'"):
        graph_layout(Value(1.0), leaves="right")
    with pytest.raises(KeyError, match="not a node of this graph"):
        graph_layout(Value(1.0)).node_id(Value(1.0))
