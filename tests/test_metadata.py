"""Paper metadata in the graph: authors in order, typed dates, venues and identifiers, in RDF,
node-link JSON and the exports, checked by the shapes, and the time- and people-aware questions."""

import json
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import XSD

from kg.catalog import load_catalog
from kg.graph import author_node, build_graph
from kg.rdf import graph_ntriples, ntriples, parse_ntriples
from kg.resolve import resolve
from kg.store import open_store
from kg.validate import validate

RES = "https://w3id.org/kg-ml/resource/"


def answer(build_dir: Path, query_name: str, **given) -> list[tuple]:
    query = load_catalog()[query_name]
    table = open_store(build_dir).select(query.text, query.arguments(given))
    assert table.columns == query.columns
    return [tuple(None if v is None else str(v) for v in row) for row in table.rows]


def one_paper(**meta) -> dict:
    return {
        "id": "p1",
        "title": "FooNet",
        "abstract": "We propose FooNet.",
        **meta,
        "entities": [{"name": "FooNet", "type": "Model"}],
        "relations": [],
        "results": [],
    }


def graph_of(*records):
    return build_graph(list(records), resolve(list(records)))


def test_authors_are_nodes_in_the_papers_order_and_one_node_across_papers():
    a = one_paper(authors=["Ada Lovelace", "Alan Turing"])
    b = {**one_paper(authors=["Alan Turing"]), "id": "p2", "title": "BarNet"}
    graph = graph_of(a, b)
    turing = author_node("Alan Turing")
    assert graph.nodes[turing] == {"kind": "Author", "label": "Alan Turing"}
    positions = {(u, d["paper"]): d["position"] for u, v, d in graph.in_edges(turing, data=True)}
    assert positions == {("paper/p1", "p1"): 2, ("paper/p2", "p2"): 1}
    assert graph.nodes["paper/p1"]["authors"] == ["Ada Lovelace", "Alan Turing"]


def test_the_year_is_a_number_from_the_year_or_the_date_and_junk_years_stay_out_of_the_graph():
    graph = graph_of(one_paper(date="2021-06-17"))
    assert graph.nodes["paper/p1"]["year"] == 2021
    graph = graph_of(one_paper(year="n.d."))
    assert "year" not in graph.nodes["paper/p1"]


@pytest.mark.parametrize(
    ("date", "datatype"), [("2021", XSD.gYear), ("2021-06", XSD.gYearMonth), ("2021-06-17", XSD.date)]
)
def test_dates_are_typed_as_precisely_as_given(date, datatype):
    rdf = parse_ntriples("".join(ntriples(graph_of(one_paper(date=date)))))
    issued = URIRef("http://purl.org/dc/terms/issued")
    assert list(rdf.objects(URIRef(RES + "paper/p1"), issued)) == [Literal(date, datatype=datatype)]


def test_identifiers_link_out_and_the_venue_is_a_resource():
    rdf = parse_ntriples("".join(ntriples(graph_of(one_paper(doi="10.1000/xyz<1>", pmid="123", venue="ICLR 2022")))))
    paper = URIRef(RES + "paper/p1")
    same = {str(o) for o in rdf.objects(paper, URIRef("https://schema.org/sameAs"))}
    # a DOI's characters that cannot stand in an IRI are escaped, never written raw
    assert same == {"https://doi.org/10.1000/xyz%3C1%3E", "https://pubmed.ncbi.nlm.nih.gov/123/"}
    venue = URIRef(RES + "venue/iclr-2022")
    assert (paper, URIRef("https://schema.org/isPartOf"), venue) in rdf
    assert str(rdf.value(venue, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))) == "ICLR 2022"


def test_a_build_writes_ordered_authors_and_conforms_to_the_shapes(metadata_build):
    store = open_store(metadata_build)
    rows = store.select(
        "SELECT ?n ?name WHERE { res:paper/2106.09685 bibo:authorList ?list . ?list ?member ?a . "
        "?a schema:name ?name . FILTER(STRSTARTS(STR(?member), STR(rdf:_))) "
        "BIND(xsd:integer(STRAFTER(STR(?member), '#_')) AS ?n) } ORDER BY ?n".replace("res:", "<" + RES).replace(
            "2106.09685 ", "2106.09685> "
        )
    ).rows
    assert [str(name) for _, name in rows][:2] == ["Edward J. Hu", "Yelong Shen"]
    assert str(rows[-1][1]) == "Weizhu Chen" and len(rows) == 8
    assert validate(metadata_build).conforms
    node_link = json.loads((metadata_build / "graph.json").read_text())
    paper = next(n for n in node_link["nodes"] if n["id"] == "paper/2106.09685")
    assert (paper["year"], paper["date"], paper["venue"], paper["arxiv"]) == (
        2021,
        "2021-06-17",
        "ICLR 2022",
        "2106.09685",
    )


@pytest.mark.parametrize(
    ("triple", "message"),
    [
        ('<{p}> <http://purl.org/dc/terms/issued> "twenty" .', "dcterms:issued"),
        ('<{p}> <https://w3id.org/kg-ml/ontology#year> "2021" .', "kgo:year"),
        ("<{p}> <http://purl.org/dc/terms/creator> <{r}model/gpt-3> .", "kgo:Author"),
        ('<{p}> <http://purl.org/ontology/bibo/doi> "https://doi.org/10.1/x" .', "bibo:doi"),
    ],
)
def test_the_shapes_flag_bad_metadata(metadata_build, tmp_path, triple, message):
    text = graph_ntriples(metadata_build).decode() + triple.format(p=RES + "paper/2106.09685", r=RES) + "\n"
    (tmp_path / "graph.nt").write_text(text)
    report = validate(tmp_path / "graph.nt")
    assert not report.conforms
    assert any(message in v.message for v in report.violations), report.format()


def test_first_to_propose_lists_proposers_earliest_first(metadata_build):
    assert answer(metadata_build, "first-to-propose", name="Low-Rank Adaptation") == [
        ("LoRA", "2021-06-17", "LoRA: Low-Rank Adaptation of Large Language Models", "2106.09685")
    ]
    assert answer(metadata_build, "first-to-propose", name="no such method") == []


def test_methods_by_year_gives_each_variants_first_year(metadata_build):
    rows = answer(metadata_build, "methods-by-year", method="LoRA")
    years = {method: year for method, year, _ in rows}
    assert years["AdaLoRA"] == "2023" and years["DoRA"] == "2024" and years["LoRA+"] == "2024"
    assert "LoRA" not in years  # a method is not its own variant
    assert [int(year) for _, year, _ in rows] == sorted(int(year) for _, year, _ in rows)
    every = {method for method, _, _ in answer(metadata_build, "methods-by-year")}
    assert {"LoRA", "prefix tuning"} <= every


def test_most_active_authors_counts_papers_per_person(metadata_build):
    rows = answer(metadata_build, "most-active-authors", name="LoRA")
    assert rows[0] == ("Weizhu Chen", "2")  # an author of both LoRA and AdaLoRA
    assert all(papers == "1" for _, papers in rows[1:])


def test_newest_results_come_newest_first(metadata_build):
    rows = answer(metadata_build, "newest-results", dataset="GLUE")
    dates = [row[0] for row in rows]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2024-02"
    assert ("2023-03-18", "AdaLoRA", "accuracy", "89.5", "%") in [row[:5] for row in rows]


def test_the_page_offers_a_year_filter_and_does_not_draw_authors(metadata_build):
    from kg.export import load_graph
    from kg.export.html import page_data

    graph = load_graph(metadata_build)
    data = page_data(graph, frozenset(), graph)
    assert data["years"] == [2021, 2023, 2024]
    assert not any(n["kind"] == "Author" for n in data["nodes"])
    lora = next(n for n in data["nodes"] if n["id"] == "method/lora")
    assert lora["years"] == [2021, 2023, 2024]
    paper = next(n for n in data["nodes"] if n["id"] == "paper/2106.09685")
    assert [
        "authors",
        "Edward J. Hu; Yelong Shen; Phillip Wallis; Zeyuan Allen-Zhu; Yuanzhi Li; Shean Wang; Lu Wang; Weizhu Chen",
    ] in paper["facts"]


FIRST_AUTHOR = """
SELECT ?id ?year ?first ?value WHERE {
  ?paper dcterms:identifier ?id ; kgo:year ?year ; bibo:authorList/rdf:_1/schema:name ?first .
  OPTIONAL { ?paper ?identifier ?value . FILTER(?identifier = <PROPERTY>) }
} ORDER BY ?id"""


@pytest.mark.parametrize(
    ("source", "paper_id", "year", "first", "prop", "value"),
    [
        ("arXiv snapshot, Atom feed, BibTeX, CSL-JSON", "2106.09685", 2021, "Edward J. Hu", "arxivId", "2106.09685"),
        ("OpenAlex", "2106.09685", 2021, "Edward J. Hu", "openalexId", "W3168867926"),
        ("PubMed", "pmid:36000001", 2022, "Medical Imaging Consortium", "pmid", "36000001"),
        ("PubMed merged by DOI", "2212.13138", 2022, "Karan Singhal", "pmid", "37438534"),
        (
            "Semantic Scholar",
            "2305.14314",
            2023,
            "Tim Dettmers",
            "semanticScholarId",
            "32ac52069e562d4f900afee70bdca63f53461481",
        ),
        ("BibTeX", "muller_adapters_2022", 2022, "Jörg Müller", None, None),
    ],
)
def test_each_source_builds_with_its_metadata_queryable(sources_build, source, paper_id, year, first, prop, value):
    namespace = "http://purl.org/ontology/bibo/" if prop == "pmid" else "https://w3id.org/kg-ml/ontology#"
    rows = open_store(sources_build).select(FIRST_AUTHOR.replace("PROPERTY", namespace + (prop or "none"))).rows
    found = {str(row[0]): (int(row[1]), str(row[2]), row[3] and str(row[3])) for row in rows}
    assert found[paper_id] == (year, first, value), source


def test_the_same_paper_from_five_sources_is_one_paper(sources_build):
    titles = [json.loads(line)["title"] for line in (sources_build / "extractions.jsonl").read_text().splitlines()]
    assert sum(title.startswith("LoRA: Low-Rank Adaptation") for title in titles) == 1
    assert validate(sources_build).conforms
