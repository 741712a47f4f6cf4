"""Lean provenance: one node per quoted sentence, with its offset in the abstract; the extractor
named once per paper; the build as one prov:Activity."""

import json

import pyoxigraph as ox

from kg.build import build
from kg.rdf import graph_ntriples

PREFIXES = """PREFIX kgo: <https://w3id.org/kg-ml/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
TITLE = "SALT: singular value adaptation"
SENTENCE = "SALT extends LoRA and beats it on ISIC."
ABSTRACT = "Segmentation needs adaptation. " + SENTENCE + " It is small."


def corpus(path):
    record = {
        "id": "p1",
        "title": TITLE,
        "abstract": ABSTRACT,
        "entities": [
            {"name": "SALT", "type": "Method"},
            {"name": "LoRA", "type": "Method"},
            {"name": "ISIC", "type": "Dataset"},
        ],
        "relations": [
            {"subject": "SALT", "predicate": "variant_of", "object": "LoRA", "evidence": SENTENCE},
            {"subject": "SALT", "predicate": "outperforms", "object": "LoRA", "evidence": SENTENCE},
            {"subject": "SALT", "predicate": "evaluated_on", "object": "ISIC", "evidence": SENTENCE},
            {"subject": "@paper", "predicate": "proposes", "object": "SALT", "evidence": TITLE},
        ],
        "results": [],
    }
    path.write_text(json.dumps(record) + "\n")
    return path


def test_statements_share_one_sentence_node_with_its_offset(tmp_path):
    build(records=[corpus(tmp_path / "p.jsonl")], out=tmp_path / "b", embeddings=False)
    store = ox.Store.read_only(str(tmp_path / "b" / "store"))
    rows = list(
        store.query(
            PREFIXES
            + """SELECT ?sentence (COUNT(?st) AS ?n) ?offset ?exact ?paper WHERE {
                 ?st kgo:sentence ?sentence . ?sentence oa:exact ?exact ; prov:wasQuotedFrom ?paper .
                 OPTIONAL { ?sentence kgo:offset ?offset } }
                 GROUP BY ?sentence ?offset ?exact ?paper ORDER BY ?sentence"""
        )
    )
    paper = "https://w3id.org/kg-ml/resource/paper/p1"
    got = [
        (r["sentence"].value, int(r["n"].value), r["offset"] and int(r["offset"].value), r["exact"].value) for r in rows
    ]
    assert got == [
        (paper + "/sentence/31", 3, 31, SENTENCE),  # three statements, one sentence
        (paper + "/title", 1, None, TITLE),
    ]
    assert {r["paper"].value for r in rows} == {paper}
    assert ABSTRACT[31 : 31 + len(SENTENCE)] == SENTENCE
    # the offset is what SPARQL's SUBSTR reads back from the abstract
    check = (
        PREFIXES
        + """ASK { ?s kgo:offset ?o ; oa:exact ?e ; prov:wasQuotedFrom/dcterms:abstract ?a
                                FILTER(SUBSTR(?a, ?o + 1, STRLEN(?e)) = ?e) }"""
    )
    assert store.query(check)
    nt = graph_ntriples(tmp_path / "b").decode()
    assert nt.count(f'"{SENTENCE}" .') == 1  # the sentence once (besides the abstract), however many quote it
    assert "ontology#evidence>" not in nt and "ontology#extractorVersion>" not in nt


def test_the_extractor_is_named_once_per_paper_and_the_build_is_one_activity(tmp_path):
    records = corpus(tmp_path / "p.jsonl")
    build(records=[records], out=tmp_path / "one", embeddings=False, formats=["nt"])
    build(records=[records], out=tmp_path / "two", embeddings=False, formats=["nt"])
    store = ox.Store.read_only(str(tmp_path / "one" / "store"))
    agents = list(
        store.query(PREFIXES + "SELECT ?agent ?label WHERE { ?p kgo:extractedBy ?agent . ?agent rdfs:label ?label }")
    )
    assert [(r["agent"].value.rsplit("/resource/", 1)[1], r["label"].value) for r in agents] == [
        ("agent/records", "records")
    ]
    activities = list(
        store.query(
            PREFIXES + "SELECT ?a ?with WHERE { ?a a prov:Activity ; prov:wasAssociatedWith ?with } ORDER BY ?with"
        )
    )
    assert len({r["a"].value for r in activities}) == 1
    assert [r["with"].value.rsplit("/resource/", 1)[1] for r in activities] == ["agent/kg/0.1.0", "agent/records"]
    # the same input, the same activity IRI: two builds of it are the same bytes
    assert (tmp_path / "one" / "graph.nt").read_bytes() == (tmp_path / "two" / "graph.nt").read_bytes()


def test_graph_jsonld_is_compact_json_ld_with_the_published_context(tmp_path):
    """JSON-LD 1.1 read back by rdflib's processor is the same graph as graph.nt, and its context is
    the one the package publishes in schemas/context.jsonld."""
    import rdflib
    from rdflib.compare import isomorphic

    from kg.files import resource_dir

    build(records=[corpus(tmp_path / "p.jsonl")], out=tmp_path / "b", embeddings=False, formats=["jsonld"])
    document = json.loads((tmp_path / "b" / "graph.jsonld").read_text())
    published = json.loads((resource_dir("schemas") / "context.jsonld").read_text())
    assert document["@context"] == published["@context"]
    assert {
        "@id": "res:paper/p1/sentence/31",
        "oa:exact": [SENTENCE],
        "prov:wasQuotedFrom": [{"@id": "res:paper/p1"}],
        "kgo:offset": [{"@value": "31", "@type": "xsd:integer"}],
    } in document["@graph"]
    from_json_ld = rdflib.Graph().parse(tmp_path / "b" / "graph.jsonld", format="json-ld")
    from_nt = rdflib.Graph().parse(data=graph_ntriples(tmp_path / "b"), format="nt")
    assert len(from_nt) > 50 and isomorphic(from_json_ld, from_nt)
