"""kg.graph.iter_node_link, the streaming reader of graph.json, against json.load of the same file."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

from kg.graph import NodeLinkWriter, iter_node_link

# Items whose text holds what the reader looks for: the markers of an item's start and end and of
# the nodes' key inside strings, nested lists and objects, an empty object, non-ASCII text.
NODES = [
    ("paper/1", {"kind": "Paper", "title": 'A "quoted"\n    {title}\n    }', "authors": ["Jörg Müller", "李"]}),
    ("method/lora", {"kind": "Method", "label": "LoRA", "aliases": [], "papers": ["1", "2"], "meta": {"a": [1, {}]}}),
    ("result/1", {"kind": "Result", "value": 0.5, "extra": {"nested": {"deeper": ['\n  "nodes": [']}}}),
    ("empty", {}),
]
EDGES = [
    ("method/lora", "paper/1", "k1", {"confidence": 0.9, "evidence": "x\n    }", "paper": "1", "predicate": "uses"}),
    ("paper/1", "method/lora", "k2", {"predicate": "uses_method", "paper": "1", "position": 3, "more": {"x": []}}),
    ("method/lora", "method/lora", "k3", {"confidence": 1.0, "evidence": "", "paper": "", "predicate": "broader"}),
]
GRAPH = {"name": "kg", "counts": {"papers": 1, "nested": {"deep": [1, 2]}}, "list": [{"a": 1}]}


def write_node_link(path: Path, nodes=NODES, edges=EDGES, graph=GRAPH) -> Path:
    with NodeLinkWriter(path) as writer:
        for node, data in nodes:
            writer.add(("node", node, data))
        for source, target, key, data in edges:
            writer.add(("edge", source, target, key, data))
        writer.graph = graph
    return path


def expected(path: Path) -> list[tuple]:
    """The items of the file as json.load reads them, in the reader's order: edges, then nodes."""
    data = json.loads(path.read_text(encoding="utf-8"))
    items = []
    for edge in data.get("edges", data.get("links")):
        edge = dict(edge)
        items.append(("edge", edge.pop("source"), edge.pop("target"), edge.pop("key", None), edge))
    for node in data["nodes"]:
        node = dict(node)
        items.append(("node", node.pop("id"), node))
    return items


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 13, 64, 1 << 20])
def test_the_writers_layout_reads_as_json_load_reads_it_at_every_chunk_boundary(tmp_path, chunk):
    path = write_node_link(tmp_path / "graph.json")
    assert len(expected(path)) == len(NODES) + len(EDGES)
    assert list(iter_node_link(path, chunk=chunk)) == expected(path)


@pytest.mark.parametrize("chunk", [1, 4, 1 << 20])
def test_a_kind_can_be_read_alone_and_every_item_is_counted(tmp_path, chunk):
    path = write_node_link(tmp_path / "graph.json")
    for kind in ("node", "edge"):
        counts: Counter = Counter()
        assert list(iter_node_link(path, (kind,), counts, chunk=chunk)) == [i for i in expected(path) if i[0] == kind]
        assert counts == Counter(node=len(NODES), edge=len(EDGES))


@pytest.mark.parametrize("nodes, edges", [([], []), (NODES, []), ([], EDGES)])
def test_a_graph_without_nodes_or_edges(tmp_path, nodes, edges):
    path = write_node_link(tmp_path / "graph.json", nodes, edges, {})
    assert list(iter_node_link(path, chunk=3)) == expected(path)


def networkx_graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(**GRAPH)
    for node, data in NODES:
        graph.add_node(node, **data)
    for source, target, key, data in EDGES:
        graph.add_edge(source, target, key=key, **data)
    return graph


@pytest.mark.parametrize(
    "dump",
    [
        lambda data: json.dumps(data),  # one line
        lambda data: json.dumps(data, indent=2, sort_keys=True),  # the writer's layout, ASCII-escaped
        lambda data: json.dumps(data, indent=4),
    ],
)
@pytest.mark.parametrize("edges_key", ["edges", "links"])
def test_a_plain_json_dumps_of_a_node_link_graph_reads_as_json_load_reads_it(tmp_path, dump, edges_key):
    path = tmp_path / "graph.json"
    path.write_text(dump(nx.node_link_data(networkx_graph(), edges=edges_key)), encoding="utf-8")
    items = expected(path)
    assert len(items) == len(NODES) + len(EDGES)
    for chunk in (1, 5, 1 << 20):
        assert list(iter_node_link(path, chunk=chunk)) == items
    counts: Counter = Counter()
    assert list(iter_node_link(path, ("node",), counts)) == items[len(EDGES) :]
    assert counts == Counter(node=len(NODES), edge=len(EDGES))


def test_a_large_graph_streams_across_chunks_as_json_load_reads_it(tmp_path):
    """Enough items that the default chunk (a megabyte) ends inside items, markers and the graph's attributes."""
    nodes = [(f"paper/{i}", {"kind": "Paper", "title": "t" * (i % 300), "n": i}) for i in range(6000)]
    edges = [
        (f"paper/{i}", f"paper/{i + 1}", f"k{i}", {"paper": str(i), "evidence": "e" * (i % 500)}) for i in range(6000)
    ]
    path = write_node_link(tmp_path / "graph.json", nodes, edges, {"big": "g" * 3_000_000})
    assert path.stat().st_size > 3 << 20
    assert list(iter_node_link(path)) == expected(path)
