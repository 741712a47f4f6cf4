"""The graph in the file formats of other graph tools: GraphML, GEXF, Cytoscape.js, node-link JSON, Neo4j CSV.

GraphML and GEXF attributes are scalars, so a list attribute (``aliases``, ``papers``, a paper's
``authors``) is written as its JSON text, ``["LoRA", "Low-Rank Adaptation"]``, which reads back
with ``json.loads``; missing values are left out. Cytoscape.js and node-link JSON keep lists as lists.

The Neo4j export is one folder of CSV files in the layout ``neo4j-admin database import`` reads:
a nodes file per kind (``id:ID``, ``:LABEL``, typed properties such as ``aliases:string[]``, arrays
joined with ``;``) and a relationships file per predicate (``:START_ID``, ``:END_ID``, ``:TYPE``,
``paper``, ``evidence``, ``confidence:float``). Neo4j's arrays have no escape, so a ``;`` inside an
array item is written as ``,``.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("method/lora", kind="Method", label="LoRA", aliases=["Low-Rank Adaptation"], papers=[])
>>> flat(g).nodes["method/lora"]["aliases"]
'["Low-Rank Adaptation"]'
>>> neo4j_type([0.5, 1.0]), neo4j_type([["a"], []]), neo4j_type(["x", 3])
('float', 'string[]', 'string')
"""

from __future__ import annotations

import csv
import json
import os
import shlex
import shutil
from pathlib import Path

import networkx as nx

from ..errors import KgError
from ..files import atomic_write, write_json
from ..graph import write_node_link

FORMATS = ("graphml", "gexf", "cytoscape", "nodelink", "neo4j-csv")


def export(graph: nx.MultiDiGraph, fmt: str, out: str | Path) -> str:
    """Write ``graph`` as ``fmt`` to ``out`` (a file, or a folder for ``neo4j-csv``); returns a one-line report."""
    counts = f"{graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges"
    if fmt == "graphml":
        with atomic_write(out, "wb") as stream:
            nx.write_graphml(flat(graph), stream)
    elif fmt == "gexf":
        with atomic_write(out, "wb") as stream:
            nx.write_gexf(flat(graph), stream)
    elif fmt == "cytoscape":
        write_json(out, cytoscape(graph))
    elif fmt == "nodelink":
        write_node_link(graph, out)  # what a build writes as graph.json
    elif fmt == "neo4j-csv":
        files = write_neo4j_csv(graph, out)
        return f"wrote {out}/ ({counts}, {len(files)} files); import with:\n  {neo4j_import_command(out, files)}"
    else:
        raise KgError(f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    return f"wrote {out} ({counts})"


def flat(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy whose attributes are all scalars: lists and dicts as JSON text, ``None`` left out."""

    def scalars(data: dict) -> dict:
        return {
            k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, tuple, dict)) else v
            for k, v in data.items()
            if v is not None
        }

    copy: nx.MultiDiGraph = nx.MultiDiGraph(**scalars(graph.graph))
    copy.add_nodes_from((n, scalars(d)) for n, d in graph.nodes(data=True))
    # types-networkx types only Graph's (u, v) and (u, v, data); a multigraph takes (u, v, key, data) too
    copy.add_edges_from((u, v, k, scalars(d)) for u, v, k, d in graph.edges(keys=True, data=True))  # type: ignore[misc]
    return copy


def cytoscape(graph: nx.MultiDiGraph) -> dict:
    """Cytoscape.js elements JSON: ``{"elements": {"nodes": [{"data": ...}], "edges": [{"data": ...}]}}``.
    Each node's ``name`` is its label; an edge's ``id`` is ``source->target#key``."""
    nodes = [{"data": {**data, "id": node, "name": data.get("label", node)}} for node, data in graph.nodes(data=True)]
    edges = [
        {"data": {**data, "id": f"{u}->{v}#{key}", "source": u, "target": v, "key": key}}
        for u, v, key, data in graph.edges(keys=True, data=True)
    ]
    return {"data": {"name": "kg"}, "directed": True, "multigraph": True, "elements": {"nodes": nodes, "edges": edges}}


def neo4j_type(values: list) -> str:
    """The Neo4j import type of a property from its values: long, float, boolean, string[] or string."""
    present = [v for v in values if v is not None and v != ""]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "long"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "float"
    if present and all(isinstance(v, (list, tuple)) for v in present):
        return "string[]"
    return "string"


def _cell(value, kind: str) -> str:
    if value is None:
        return ""
    if kind == "string[]":
        return ";".join(str(item).replace(";", ",") for item in value)
    if kind == "boolean":
        return str(value).lower()
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, tuple, dict)) else str(value)


NEO4J_FILE = "{}_{}.csv"  # nodes_Model.csv, relationships_FINE_TUNED_FROM.csv


def write_neo4j_csv(graph: nx.MultiDiGraph, out: str | Path) -> list[str]:
    """Write the folder of Neo4j import CSV files; returns their names. The folder is written beside
    ``out`` and renamed into place, so a failure leaves the previous export as it was."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(not _ours(p) for p in out.iterdir())):
        raise KgError(f"{out} exists and is not a neo4j-csv export; choose another --out")
    staging = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        names = _write_neo4j_files(graph, staging)
        retired = out.with_name(f".{out.name}.{os.getpid()}.old")
        if out.exists():
            out.rename(retired)
        staging.rename(out)
        shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return names


def _ours(path: Path) -> bool:
    return path.is_file() and path.suffix == ".csv" and path.name.startswith(("nodes_", "relationships_"))


def _write_neo4j_files(graph: nx.MultiDiGraph, folder: Path) -> list[str]:
    names = []
    by_kind: dict[str, list[tuple[str, dict]]] = {}
    for node, data in graph.nodes(data=True):
        by_kind.setdefault(data.get("kind", "Node"), []).append((node, data))
    for kind, members in sorted(by_kind.items()):
        keys = sorted({k for _, data in members for k in data} - {"kind"})
        types = {k: neo4j_type([data.get(k) for _, data in members]) for k in keys}
        header = ["id:ID", ":LABEL"] + [k if types[k] == "string" else f"{k}:{types[k]}" for k in keys]
        rows = [[node, kind] + [_cell(data.get(k), types[k]) for k in keys] for node, data in sorted(members)]
        names.append(_write_csv(folder / NEO4J_FILE.format("nodes", kind), header, rows))
    by_type: dict[str, list[tuple[str, str, dict]]] = {}
    for u, v, data in graph.edges(data=True):
        by_type.setdefault(data["predicate"].upper(), []).append((u, v, data))
    for rel_type, edges in sorted(by_type.items()):
        keys = sorted({k for _, _, data in edges for k in data} - {"predicate"})
        types = {k: neo4j_type([data.get(k) for _, _, data in edges]) for k in keys}
        header = [":START_ID", ":END_ID", ":TYPE"] + [k if types[k] == "string" else f"{k}:{types[k]}" for k in keys]
        rows = [[u, v, rel_type] + [_cell(data.get(k), types[k]) for k in keys] for u, v, data in edges]
        names.append(_write_csv(folder / NEO4J_FILE.format("relationships", rel_type), header, rows))
    return names


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with open(path, "w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        writer.writerows(rows)
    return path.name


def neo4j_import_args(
    folder: str | Path, files: list[str], database: str = "neo4j", array_delimiter: str = ";", multiline: bool = True
) -> list[str]:
    """The arguments of ``neo4j-admin`` that import the folder's files into a new database ``database``.

    The database comes right after ``full``: each ``--nodes``/``--relationships`` takes every name
    after it that is no option, so a database named last would be read as one more file. An
    array delimiter that is no printable character is given as ``U+XXXX``.

    >>> neo4j_import_args("out", ["nodes_Model.csv", "relationships_USES_METHOD.csv"])[3:]
    ['neo4j', '--array-delimiter=;', '--multiline-fields=true', '--nodes=out/nodes_Model.csv', \
'--relationships=out/relationships_USES_METHOD.csv']
    """
    delimiter = array_delimiter if array_delimiter.isprintable() else f"U+{ord(array_delimiter):04X}"
    args = ["database", "import", "full", database, f"--array-delimiter={delimiter}"]
    args.append(f"--multiline-fields={'true' if multiline else 'false'}")
    return args + [
        f"--{'nodes' if name.startswith('nodes_') else 'relationships'}={Path(folder) / name}" for name in files
    ]


def neo4j_import_command(folder: str | Path, files: list[str]) -> str:
    """The ``neo4j-admin`` command line that loads the folder into a new database ``neo4j``."""
    return shlex.join(["neo4j-admin", *neo4j_import_args(folder, files)])
