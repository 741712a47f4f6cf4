"""The facts the build derives while it writes (kg/write.py UseFacts) agree with the provenance
records they are derived from: each kgo:Usage's paper count, each paper's kgo:statesUsage,
kgo:paperUsesMethod and kgo:buildsOrUses, and each entity's kgo:firstYear and kgo:mentionCount are
what counting the records and mentions of the example build (for years, the metadata build) gives.
The canned questions read these facts instead of joining the records (issue 15), so a fact that
drifted from its records would change their answers.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.store import OxigraphStore

# What uses a method or model in a paper, from the records: the paper or model that uses it, and itself.
_USERS = """
  { SELECT DISTINCT ?used ?user ?paper WHERE {
      { ?u rdf:predicate kgo:usesMethod ; rdf:object ?used ; rdf:subject ?user ; prov:wasDerivedFrom ?paper }
      UNION
      { ?s rdf:predicate ?self ; rdf:subject ?used ; prov:wasDerivedFrom ?paper .
        FILTER(?self IN (kgo:appliedTo, kgo:hasModality)) BIND(?used AS ?user) } } }
  ?r rdf:predicate ?on_predicate ; rdf:subject ?user ; rdf:object ?on ; prov:wasDerivedFrom ?paper .
  FILTER(?on_predicate IN (kgo:appliedTo, kgo:hasModality))
"""

RECOUNTED = {
    "usage counts": (
        f"""SELECT ?used ?on (COUNT(DISTINCT ?paper) AS ?papers) WHERE {{ {_USERS}
              {{ ?on a kgo:Task . ?used a ?kind FILTER(?kind IN (kgo:Method, kgo:Model)) }}
              UNION {{ ?on a kgo:Modality . ?used a kgo:Method }} }} GROUP BY ?used ?on""",
        "SELECT ?used ?on ?papers { ?usage a kgo:Usage ; kgo:usageOf ?used ; kgo:usedOn ?on ; kgo:paperCount ?papers }",
    ),
    "usages each paper states": (
        f"""SELECT DISTINCT ?paper ?used ?on WHERE {{ {_USERS}
              ?on a kgo:Task . ?used a ?kind FILTER(?kind IN (kgo:Method, kgo:Model)) }}""",
        "SELECT ?paper ?used ?on { ?paper kgo:statesUsage [ kgo:usageOf ?used ; kgo:usedOn ?on ] }",
    ),
    "methods each paper uses": (
        "SELECT DISTINCT ?paper ?m { ?r rdf:predicate kgo:usesMethod ; rdf:object ?m ; prov:wasDerivedFrom ?paper }",
        "SELECT ?paper ?m { ?paper kgo:paperUsesMethod ?m }",
    ),
    "models each paper builds or uses": (
        """SELECT DISTINCT ?paper ?m {
             ?m a kgo:Model . { ?r rdf:subject ?m } UNION { ?r rdf:object ?m }
             ?r rdf:predicate ?p ; prov:wasDerivedFrom ?paper .
             FILTER(?p IN (kgo:proposes, kgo:fineTunedFrom, kgo:usesMethod, kgo:evaluatedOn, kgo:appliedTo,
                           kgo:hasModality)) }""",
        "SELECT ?paper ?m { ?paper kgo:buildsOrUses ?m }",
    ),
    "first years": (
        """SELECT ?x (MIN(?year) AS ?first) (COUNT(DISTINCT ?paper) AS ?papers) {
             ?paper kgo:mentions ?x ; kgo:year ?year } GROUP BY ?x""",
        "SELECT ?x ?first ?papers { ?x kgo:firstYear ?first ; kgo:mentionCount ?papers }",
    ),
}


# The build each fact is checked on: the example corpus, and for years the papers that have them.
BUILDS = {"first years": "metadata_build"}


@pytest.mark.parametrize("fact", sorted(RECOUNTED))
def test_a_stored_fact_is_what_the_records_give(request, fact):
    build = request.getfixturevalue(BUILDS.get(fact, "example_build"))
    store = OxigraphStore(ox.Store.read_only(str(build / "store")))
    recount, stored = RECOUNTED[fact]
    expected = sorted(map(tuple, store.select(recount).rows))
    assert len(expected) >= 5, f"the build has too few {fact} for this to prove anything"
    assert sorted(map(tuple, store.select(stored).rows)) == expected


def test_derived_facts_stay_out_of_graph_json(example_build):
    # The Neo4j loader reads graph.json: the facts are the RDF store's way of answering fast.
    graph = json.loads((example_build / "graph.json").read_text(encoding="utf-8"))
    assert not [node["id"] for node in graph["nodes"] if node["id"].startswith("usage/")]
    derived = {"statesUsage", "paperUsesMethod", "buildsOrUses", "firstYear", "mentionCount", "usageOf", "usedOn"}
    edges = graph.get("edges", graph.get("links", []))
    assert edges and not [edge for edge in edges if edge.get("predicate") in derived]
    assert not [node for node in graph["nodes"] if {"firstYear", "mentionCount"} & set(node)]
