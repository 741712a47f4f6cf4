"""From extraction records to graph, RDF, the Oxigraph store and the canned queries.

The records here are the hand-annotated dev gold (the guideline's own format), so these tests
check the graph, RDF and query stages independently of how good the extractor is.
"""

import json
import time
from collections import Counter

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib

from kg.catalog import load_catalog
from kg.files import atomic_write
from kg.graph import build_graph, iter_graph, summary, write_node_link
from kg.rdf import KGO, ntriples, to_rdf
from kg.resolve import resolve
from kg.store import QueryError, StoreLoader, create_store, open_store
from kg.vocab import Entry, Vocabulary
from kg.write import write_graph

VOCAB = Vocabulary(
    [
        Entry("LoRA", "Method", ("Low-Rank Adaptation",), {"broader": "parameter-efficient fine-tuning"}),
        Entry("parameter-efficient fine-tuning", "Method", ("PEFT",)),
        Entry("DoRA", "Method", (), {"broader": "LoRA"}),
    ]
)


def gold_records(gold_path):
    records = []
    for line in gold_path.read_text().splitlines():
        record = json.loads(line)
        for part in ("entities", "relations", "results"):
            record[part] = [item for item in record[part] if not item.get("optional")]
        records.append(record)
    return records


@pytest.fixture(scope="module")
def gold_build(tmp_path_factory, gold_path):
    records = gold_records(gold_path)
    graph = build_graph(records, resolve(records, VOCAB), VOCAB)
    folder = tmp_path_factory.mktemp("build")
    rdf = to_rdf(graph)
    with atomic_write(folder / "graph.ttl", "wb") as stream:
        rdf.serialize(stream, format="turtle")
    create_store(folder / "graph.ttl", folder / "store")
    (folder / "manifest.json").write_text("{}")  # the mark of a complete build, which open_store asks for
    return graph, folder


def test_graph_holds_known_facts_with_provenance(gold_build, gold_path):
    graph, _ = gold_build
    edges = {(u, v, d["predicate"]): d for u, v, d in graph.edges(data=True)}
    salt = edges[("method/salt", "method/lora", "variant_of")]
    assert salt["paper"] == "seed-103"
    assert ("paper/seed-103", "method/salt", "proposes") in edges
    assert graph.nodes["model/pmc-llama"]["kind"] == "Model"
    assert ("method/lora", "method/parameter-efficient-fine-tuning", "broader") in edges  # from the vocabulary
    counts = summary(graph)
    assert counts["papers"] == 120
    assert counts["results"] == sum(len(r["results"]) for r in gold_records(gold_path))
    assert graph.graph["dropped"] == {}  # every gold statement names entities of the right types


def test_same_graph_gives_byte_identical_turtle(gold_build, gold_path, tmp_path):
    _, folder = gold_build
    records = gold_records(gold_path)
    graph = build_graph(records, resolve(records, VOCAB), VOCAB)
    again = tmp_path / "again.ttl"
    with atomic_write(again, "wb") as stream:
        to_rdf(graph).serialize(stream, format="turtle")
    assert again.read_bytes() == (folder / "graph.ttl").read_bytes()


def test_rdf_reifies_statements_with_paper_evidence_and_confidence(gold_build):
    _, folder = gold_build
    rows = (
        open_store(folder)
        .select("""
        SELECT ?paper ?confidence WHERE {
          ?s rdf:subject ?salt ; rdf:predicate kgo:variantOf ; rdf:object ?lora ;
             prov:wasDerivedFrom ?p ; kgo:confidence ?confidence .
          ?salt rdfs:label "SALT" . ?lora rdfs:label "LoRA" . ?p dcterms:identifier ?paper }""")
        .rows
    )
    assert rows == [["seed-103", 1.0]]


def test_canned_queries_answer_the_common_questions(gold_build):
    _, folder = gold_build
    store, catalog = open_store(folder), load_catalog()

    def run(name, **params):
        query = catalog[name]
        return store.select(query.text, query.arguments(params))

    variants = run("lora-variants-for-task")
    assert "SALT" in [row[0] for row in variants.rows]
    assert variants.columns == catalog["lora-variants-for-task"].columns
    bases = {row[0]: row[1:] for row in run("most-fine-tuned-base-models").rows}
    assert bases["LLaMA2"][0] == 2 and set(bases["LLaMA2"][1].split(" | ")) == {"Hippo", "BioMedGPT-LM"}
    assert bases["LLaMA"] == [1, "Zhongjing"]
    assert run("model-lineage", model="Flan-PaLM").rows == [["PaLM", "family"]]
    lineage = run("model-lineage", model="med palm").rows  # names match as the guideline says
    assert ["Flan-PaLM", "base model"] in lineage and ["PaLM", "ancestor"] in lineage
    board = run("leaderboard", dataset="MedQA", metric="accuracy").rows
    assert board and board == sorted(board, key=lambda row: -row[1])
    assert ["OpenMedLM", 72.6, "%"] in [row[:3] for row in board]


def normalised(row):
    """A row with each GROUP_CONCAT list sorted: SPARQL leaves the order inside a group open."""
    return repr([" | ".join(sorted(v.split(" | "))) if isinstance(v, str) and " | " in v else v for v in row])


@pytest.mark.slow
def test_every_canned_query_runs_on_both_engines_with_the_same_answers(gold_build):
    _, folder = gold_build
    oxigraph, rdflib_engine = open_store(folder), open_store(folder, "rdflib")
    for name, query in load_catalog().items():
        arguments = query.arguments({})
        ours, theirs = oxigraph.select(query.text, arguments), rdflib_engine.select(query.text, arguments)
        assert ours.columns == query.columns, name
        assert sorted(map(normalised, ours.rows)) == sorted(map(normalised, theirs.rows)), name


def test_parameters_cannot_change_what_a_query_does(gold_build):
    _, folder = gold_build
    store, query = open_store(folder), load_catalog()["papers-mentioning"]
    for hostile in ['SALT" } ; DROP ALL ; #', "x' || true", "} UNION { ?paper ?p ?o }", "<http://evil> "]:
        assert store.select(query.text, query.arguments({"name": hostile})).rows == []
    assert store.select(query.text, query.arguments({"name": "SALT"})).rows


def test_updates_and_syntax_errors_are_refused(gold_build):
    graph, folder = gold_build
    with pytest.raises(QueryError):
        open_store(folder).select("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises(QueryError):
        open_store(folder).select("SELECT WHERE {")
    variants = {(u, v) for u, v, p in graph.edges(data="predicate") if p == "variant_of"}
    assert len(list(rdflib.Graph().parse(folder / "graph.ttl").triples((None, KGO.variantOf, None)))) == len(variants)


def test_every_variable_written_with_a_dollar_in_the_catalog_is_a_parameter():
    # An undeclared $name would stay a free variable and match everything.
    import re

    for language in ("sparql", "cypher"):
        for name, query in load_catalog(language=language).items():
            body = "\n".join(line for line in query.text.splitlines() if not line.startswith(("#", "//")))
            used = set(re.findall(r"\$(\w+)", body))
            assert used <= set(query.arguments({})), (language, name, used - set(query.arguments({})))
            assert {p for p in query.params if p in used or f"{p}_key" in used} == set(query.params), (language, name)


def test_each_result_points_to_its_metric_node(gold_build):
    graph, folder = gold_build
    rows = (
        open_store(folder)
        .select("""
        SELECT ?metric (COUNT(?r) AS ?results) WHERE {
          ?r a kgo:Result ; kgo:metric ?metric ; mls:specifiedBy ?m . ?m a kgo:Metric ; rdfs:label ?metric }
        GROUP BY ?metric""")
        .rows
    )
    expected = Counter(data["metric"] for _, data in graph.nodes(data=True) if data["kind"] == "Result")
    assert dict(rows) == dict(expected) and expected["accuracy"] > 0


def test_graph_json_is_node_link_data_byte_for_byte(gold_build, tmp_path):
    graph, _ = gold_build
    write_node_link(graph, tmp_path / "graph.json")
    expected = json.dumps(nx.node_link_data(graph, edges="edges"), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert (tmp_path / "graph.json").read_text(encoding="utf-8") == expected


def test_one_pass_writes_the_same_graph_to_every_output(gold_path, tmp_path):
    records = gold_records(gold_path)
    resolution = resolve(records, VOCAB)
    dropped = Counter()
    written = write_graph(
        iter_graph(records, resolution, VOCAB, dropped),
        tmp_path,
        papers=[r["id"] for r in records],
        dropped=dropped,
        ntriples=True,
    )
    in_memory = build_graph(records, resolution, VOCAB)
    assert written.summary == summary(in_memory)
    # graph.nt: sorted, no repeats, the triples of the in-memory graph and the co-mention counts;
    # the store holds exactly those
    lines = (tmp_path / "graph.nt").read_text(encoding="utf-8").splitlines(keepends=True)
    counts = [line for line in lines if "/resource/comention/" in line.split(" ")[0]]
    assert lines == sorted(set(lines))
    assert sorted(set(lines) - set(counts)) == sorted(set(ntriples(in_memory)))
    assert len(ox.Store.read_only(str(tmp_path / "store"))) == len(lines)
    # each co-mention count is the number of papers that mention both the method and the modality
    mentioned = {}
    for paper, node, predicate in in_memory.edges(data="predicate"):
        if predicate == "mentions":
            mentioned.setdefault(paper, set()).add(node)
    expected = Counter(
        (m, x)
        for nodes in mentioned.values()
        for m in nodes
        for x in nodes
        if m.startswith("method/") and x.startswith("modality/")
    )
    found = {
        (line.split("/comention/")[1].split("> ")[0]).replace("--", " ", 1): int(line.split('"')[1])
        for line in counts
        if "#paperCount>" in line
    }
    assert found == {f"{m} {x}": n for (m, x), n in expected.items()} and found
    back = nx.node_link_graph(json.loads((tmp_path / "graph.json").read_text()), edges="edges")
    assert sorted(back.edges(keys=True)) == sorted(in_memory.edges(keys=True))
    assert dict(back.nodes(data=True)) == dict(in_memory.nodes(data=True))


def test_a_store_load_that_fails_keeps_the_last_good_store(tmp_path):
    folder = tmp_path / "store"
    with StoreLoader(folder) as loader:
        loader.add(['<http://x/a> <http://x/p> "1" .\n'])
    with pytest.raises(SyntaxError), StoreLoader(folder, chunk_bytes=1) as loader:  # noqa: PT012 (raised on leaving)
        loader.add(['<http://x/b> <http://x/p> "2" .\n'])
        loader.add(["this is not N-Triples\n"])
    assert [str(q.subject) for q in ox.Store.read_only(str(folder))] == ["<http://x/a>"]
    assert not (tmp_path / "store.new").exists()


def test_a_load_error_the_loader_found_before_the_block_ended_still_clears_the_new_store(tmp_path):
    folder = tmp_path / "store"
    with pytest.raises(SyntaxError), StoreLoader(folder, chunk_bytes=1) as loader:  # noqa: PT012 (raised on leaving)
        loader.add(["this is not N-Triples\n"])
        deadline = time.monotonic() + 30  # let the loader's thread reach the bad chunk first
        while loader._error is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert loader._error is not None
    assert not folder.exists() and not (tmp_path / "store.new").exists()
