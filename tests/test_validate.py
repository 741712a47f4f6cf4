"""Validating a graph as a person would: a hand-written graph, broken one way at a time, and the real build."""

import json
import shutil
from decimal import Decimal

import networkx as nx
import pytest
from click.testing import CliRunner
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV

from kg.cli import cli
from kg.files import resource_dir
from kg.graph import sample_papers
from kg.rdf import KGO, PROPERTIES, SCHEMA, graph_ntriples, to_rdf
from kg.records import ENTITY_TYPES, PAPER, RELATIONS
from kg.validate import validate

RES = Namespace("https://w3id.org/kg-ml/resource/")
MLS = Namespace("http://www.w3.org/ns/mls#")

VALID = """
@base <https://w3id.org/kg-ml/resource/> .
@prefix kgo: <https://w3id.org/kg-ml/ontology#> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix schema: <https://schema.org/> .

<paper/p1> a kgo:Paper, schema:ScholarlyArticle ;
    rdfs:label "SALT: Singular Value Adaptation" ;
    dcterms:title "SALT: Singular Value Adaptation" ;
    dcterms:identifier "p1" ;
    dcterms:abstract "We propose SALT, a LoRA variant, and fine-tune MedSAM from SAM." ;
    kgo:mentions <method/salt>, <method/lora>, <model/medsam>, <model/sam>, <dataset/isic> ;
    kgo:proposes <method/salt> ;
    kgo:evaluatedOn <dataset/isic> ;
    kgo:reports <result/r1> .

<method/salt> a kgo:Method ; rdfs:label "SALT" ; skos:prefLabel "SALT" ; kgo:matchKey "salt" ;
    kgo:variantOf <method/lora> ;
    kgo:hasResult <result/r1> .
<method/lora> a kgo:Method ; rdfs:label "LoRA" ; skos:prefLabel "LoRA" ;
    skos:altLabel "Low-Rank Adaptation" ; kgo:matchKey "lora", "lowrankadaptation" ;
    skos:broader <method/peft> .
<method/peft> a kgo:Method ; rdfs:label "parameter-efficient fine-tuning" ;
    skos:prefLabel "parameter-efficient fine-tuning" ; kgo:matchKey "parameterefficientfinetuning" .
<model/medsam> a kgo:Model ; rdfs:label "MedSAM" ; skos:prefLabel "MedSAM" ; kgo:matchKey "medsam" ;
    kgo:fineTunedFrom <model/sam> .
<model/sam> a kgo:Model ; rdfs:label "SAM" ; skos:prefLabel "SAM" ; kgo:matchKey "sam" .
<dataset/isic> a kgo:Dataset ; rdfs:label "ISIC" ; skos:prefLabel "ISIC" ; kgo:matchKey "isic" .

<result/r1> a kgo:Result ; rdfs:label "dice 85.2%" ;
    kgo:metric "dice" ; kgo:value 85.2 ; kgo:unit "%" ;
    kgo:datasetName "ISIC" ; kgo:onDataset <dataset/isic> ;
    kgo:evidence "SALT reaches a dice of 85.2% on ISIC." .

<statement/s1> a rdf:Statement ;
    rdf:subject <method/salt> ; rdf:predicate kgo:variantOf ; rdf:object <method/lora> ;
    prov:wasDerivedFrom <paper/p1> ;
    kgo:evidence "SALT extends LoRA." ; kgo:confidence 0.900 ; kgo:extractorVersion "1.0.0" .
"""

RESULT, SALT, LORA, STATEMENT = RES["result/r1"], RES["method/salt"], RES["method/lora"], RES["statement/s1"]


@pytest.fixture
def graph() -> Graph:
    return Graph().parse(data=VALID, format="turtle")


def errors(report):
    """(focus, path, value) of each sh:Violation; warnings are left out."""
    return {(v.focus, v.path, v.value) for v in report.violations if v.severity == "Violation"}


def test_a_hand_written_valid_graph_conforms(graph):
    report = validate(graph)
    assert report.conforms, report.format()
    assert report.count == 0 and report.violations == []
    assert report.format() == "conforms"


def test_a_result_without_value_is_named(graph):
    graph.remove((RESULT, KGO.value, None))
    report = validate(graph)
    assert not report.conforms
    assert errors(report) == {(RESULT, "kgo:value", None)}
    assert report.format().splitlines()[1].split()[:3] == ["Violation", "res:result/r1", "kgo:value:"]


def test_a_value_written_as_a_string_is_caught(graph):
    graph.set((RESULT, KGO.value, Literal("85.2")))
    report = validate(graph)
    assert errors(report) == {(RESULT, "kgo:value", Literal("85.2"))}
    assert 'res:result/r1  kgo:value = "85.2"' in report.format()


def test_a_result_with_two_values_or_an_unknown_unit_is_caught(graph):
    graph.add((RESULT, KGO.value, Literal(Decimal("86.0"))))
    graph.set((RESULT, KGO.unit, Literal("percent")))
    assert {path for _, path, _ in errors(validate(graph))} == {"kgo:value", "kgo:unit"}


def test_fine_tuned_from_a_dataset_names_both_ends(graph):
    graph.add((RES["model/medsam"], KGO.fineTunedFrom, RES["dataset/isic"]))
    report = validate(graph)
    assert errors(report) == {(RES["model/medsam"], "kgo:fineTunedFrom", RES["dataset/isic"])}
    assert "res:model/medsam  kgo:fineTunedFrom = res:dataset/isic" in report.format()
    assert "must be a kgo:Model" in report.violations[0].message


def test_a_relation_from_the_wrong_subject_is_caught(graph):
    graph.add((RES["dataset/isic"], KGO.inDomain, RES["method/lora"]))
    assert errors(validate(graph)) == {
        (RES["dataset/isic"], None, RES["dataset/isic"]),  # the subject must be a Paper
        (RES["dataset/isic"], "kgo:inDomain", RES["method/lora"]),  # the object must be a Domain
    }


def test_an_entity_without_label_is_named(graph):
    graph.remove((LORA, RDFS.label, None))
    report = validate(graph)
    assert errors(report) == {(LORA, "rdfs:label", None)}
    assert "res:method/lora  rdfs:label" in report.format()


def test_a_paper_without_title_or_identifier_is_named(graph):
    paper = RES["paper/p1"]
    graph.remove((paper, DCTERMS.title, None))
    graph.remove((paper, DCTERMS.identifier, None))
    assert errors(validate(graph)) == {(paper, "dcterms:title", None), (paper, "dcterms:identifier", None)}


def test_a_statement_without_paper_is_named(graph):
    graph.remove((STATEMENT, PROV.wasDerivedFrom, None))
    report = validate(graph)
    assert errors(report) == {(STATEMENT, "prov:wasDerivedFrom", None)}
    assert "res:statement/s1  prov:wasDerivedFrom" in report.format()


def test_a_statement_derived_from_something_other_than_a_paper_is_caught(graph):
    graph.set((STATEMENT, PROV.wasDerivedFrom, RES["model/sam"]))
    assert errors(validate(graph)) == {(STATEMENT, "prov:wasDerivedFrom", RES["model/sam"])}


def test_a_confidence_above_one_is_caught(graph):
    graph.set((STATEMENT, KGO.confidence, Literal(Decimal("1.5"))))
    report = validate(graph)
    assert errors(report) == {(STATEMENT, "kgo:confidence", Literal(Decimal("1.5")))}
    assert "from 0 to 1" in report.violations[0].message


def test_a_record_of_a_triple_the_graph_does_not_assert_is_caught(graph):
    graph.remove((SALT, KGO.variantOf, LORA))
    report = validate(graph)
    assert errors(report) == {(KGO.variantOf, None, STATEMENT)}
    assert "statement/s1" in report.violations[0].message


def test_with_the_checks_a_problem_is_reported_once(graph):
    """A shape marked kgs:check is the pyshacl form of a check: where the checks run, only the check does."""
    graph.set((STATEMENT, KGO.confidence, Literal(Decimal("1.5"))))
    graph.add((LORA, KGO.outperforms, LORA))
    shapes = {(v.focus, v.check) for v in validate(graph).violations if v.focus in (STATEMENT, KGO.outperforms)}
    assert shapes == {(STATEMENT, None), (KGO.outperforms, None)}
    both = validate(graph, checks=True)
    about = {STATEMENT, KGO.outperforms, LORA}
    planted = {None, "bad-confidence", "outperforms-itself", "statement-without-record"}
    assert {(v.focus, v.check) for v in both.violations if v.focus in about and v.check in planted} == {
        (STATEMENT, "bad-confidence"),
        (LORA, "outperforms-itself"),
        (LORA, "statement-without-record"),  # the planted triple has no provenance record
    }
    assert "[bad-confidence]" in both.format(limit=100)


def test_a_model_variant_of_a_method_is_only_a_warning(graph):
    graph.add((RES["model/medsam"], KGO.variantOf, LORA))
    report = validate(graph)
    assert report.conforms and report.count == 1
    (warning,) = report.violations
    assert (warning.severity, warning.focus, warning.value) == ("Warning", RES["model/medsam"], LORA)
    assert report.format().startswith("conforms: 1 warning\n  Warning    res:model/medsam")


def test_format_stops_at_the_limit(graph):
    for name in ("a", "b", "c"):
        graph.add((RES[f"task/{name}"], RDF.type, KGO.Task))  # no label, no match key: two each
    report = validate(graph)
    lines = report.format(limit=4).splitlines()
    assert lines[0] == "does not conform: 6 violations"
    assert len(lines) == 6 and lines[-1] == "  ... and 2 more"


@pytest.mark.parametrize("predicate", sorted(RELATIONS))
def test_each_relation_allows_exactly_the_guideline_types(predicate):
    """Every subject kind × object kind: exactly the combinations RELATIONS forbids are violations."""
    kinds = ["Paper", *ENTITY_TYPES]
    subjects, objects = RELATIONS[predicate]
    allowed_subjects = {"Paper" if kind == PAPER else kind for kind in subjects}
    allowed_objects = {"Paper" if kind == PAPER else kind for kind in objects}
    graph = nx.MultiDiGraph()
    for kind in kinds:
        for end in ("s", "o"):
            node = f"{kind.lower()}/{end}"
            if kind == "Paper":
                graph.add_node(node, kind=kind, label="T", paper_id="p", title="T", abstract="A")
            else:
                graph.add_node(node, kind=kind, label=f"{kind} {end}", aliases=[])
    for s in kinds:
        for o in kinds:
            graph.add_edge(
                f"{s.lower()}/s",
                f"{o.lower()}/o",
                key=f"{predicate}@s",
                predicate=predicate,
                paper="s",
                evidence="",
                confidence=0.5,
            )  # paper "s": the node paper/s
    report = validate(to_rdf(graph))
    expected = {(RES[f"{s.lower()}/s"], None, RES[f"{s.lower()}/s"]) for s in kinds if s not in allowed_subjects}
    expected |= {
        (RES[f"{s.lower()}/s"], f"kgo:{PROPERTIES[predicate].split('#')[1]}", RES[f"{o.lower()}/o"])
        for s in kinds
        for o in kinds
        if o not in allowed_objects
    }
    assert errors(report) == expected


def test_what_the_writer_writes_conforms():
    graph = nx.MultiDiGraph()
    graph.add_node(
        "paper/p1",
        kind="Paper",
        label="SALT",
        paper_id="p1",
        title="SALT",
        abstract="...",
        year=2024,
        authors=["A. Author", "B. Author"],
    )
    graph.add_node("method/salt", kind="Method", label="SALT", aliases=[])
    graph.add_node("method/lora", kind="Method", label="LoRA", aliases=["Low-Rank Adaptation"])
    graph.add_node(
        "result/r1",
        kind="Result",
        label="dice 85.2%",
        metric="dice",
        value=85.2,
        unit="%",
        dataset_name="",
        evidence="dice 85.2%",
    )
    for source, target, predicate in [
        ("paper/p1", "method/salt", "proposes"),
        ("method/salt", "method/lora", "variant_of"),
        ("paper/p1", "method/lora", "mentions"),
        ("method/salt", "result/r1", "has_result"),
        ("paper/p1", "result/r1", "reports"),
        ("method/lora", "method/salt", "outperforms"),
    ]:
        graph.add_edge(
            source,
            target,
            key=f"{predicate}@p1",
            predicate=predicate,
            paper="p1",
            evidence="SALT extends LoRA.",
            confidence=1.0,
            extractor="rules",
            extractor_version="1.0.0",
            curated=predicate == "variant_of",
        )
    report = validate(to_rdf(graph, base="https://example.org/kg/"))
    assert report.conforms and report.count == 0, report.format()


@pytest.mark.slow
def test_the_example_build_conforms_in_a_few_seconds(example_build, tmp_path):
    report = validate(example_build)  # the build folder: the graph in its store
    assert report.conforms, report.format()
    assert errors(report) == set() and report.sampled is None  # 120 papers: the shapes see them all
    (tmp_path / "graph.nt").write_bytes(graph_ntriples(example_build))
    assert validate(tmp_path / "graph.nt").violations == report.violations


def test_a_big_builds_shapes_see_an_even_sample_as_built_and_its_checks_every_paper(example_build, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(example_build, build)
    # A result of a sampled paper and one of a paper left out both lose their metric,
    # in graph.json (what the sample is read from) but not in the store (what the checks read).
    graph = json.loads((build / "graph.json").read_text(encoding="utf-8"))
    papers = sorted(node["paper_id"] for node in graph["nodes"] if node["kind"] == "Paper")
    chosen = sample_papers(papers, 40)
    results = [node for node in graph["nodes"] if node["kind"] == "Result"]
    seen = next(node for node in results if node["paper"] in chosen)
    unseen = next(node for node in results if node["paper"] not in chosen)
    seen["metric"] = unseen["metric"] = ""
    (build / "graph.json").write_text(json.dumps(graph, indent=2, sort_keys=True), encoding="utf-8")

    report = validate(build, papers=40)
    assert report.sampled == (len(chosen), len(papers)) and 0 < len(chosen) < len(papers)
    found = errors(report)
    assert (RES[seen["id"]], "kgo:metric", Literal("")) in found
    assert not any(RES[unseen["id"]] in (focus, value) for focus, _, value in found)
    header = report.format().splitlines()[0]
    assert header.startswith("does not conform: ")
    assert header.endswith(f"(shapes on {len(chosen)} of {len(papers)} papers; checks on all)")
    assert validate(build, papers=None).conforms  # every paper, from the store
    shown = CliRunner().invoke(cli, ["validate", "--build", str(build), "--all-papers"])
    assert shown.exit_code == 0 and shown.output.startswith("conforms"), shown.output


def test_the_example_build_still_fails_when_broken(example_build):
    graph = Graph().parse(data=graph_ntriples(example_build), format="nt")
    result = next(graph.subjects(RDF.type, KGO.Result))
    graph.remove((result, KGO.value, None))
    report = validate(graph)
    assert not report.conforms and errors(report) == {(result, "kgo:value", None)}


# ---------------------------------------------------------------------------------------------
# The ontology
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(resource_dir("schemas") / "ontology.ttl")


def test_every_kgo_term_the_build_uses_is_declared_and_documented(example_build, ontology):
    data = Graph().parse(data=graph_ntriples(example_build), format="nt")
    used = {p for p in data.predicates() if p.startswith(str(KGO))}
    used |= {c for c in data.objects(None, RDF.type) if c.startswith(str(KGO))}
    assert used, "the build wrote no kgo: terms"
    for term in sorted(used):
        assert (term, RDF.type, None) in ontology, f"{term} is not declared"
        assert ontology.value(term, RDFS.label) and ontology.value(term, RDFS.comment), (
            f"{term} lacks a label or comment"
        )


def _classes(ontology: Graph, node) -> set[str]:
    """A domain or range as kind names: one class, or the members of its owl:unionOf."""
    union = ontology.value(node, OWL.unionOf)
    members = list(Collection(ontology, union)) if union is not None else [node]
    return {URIRef(m).split("#")[1] for m in members}


@pytest.mark.parametrize("predicate", sorted(RELATIONS))
def test_relation_domains_and_ranges_match_the_guideline(ontology, predicate):
    prop = PROPERTIES[predicate]
    subjects, objects = RELATIONS[predicate]
    assert _classes(ontology, ontology.value(prop, RDFS.domain)) == {"Paper" if k == PAPER else k for k in subjects}
    assert _classes(ontology, ontology.value(prop, RDFS.range)) == {"Paper" if k == PAPER else k for k in objects}


def test_the_ontology_aligns_with_shared_vocabularies(ontology):
    for cls, parent in [
        (KGO.Paper, SCHEMA.ScholarlyArticle),
        (KGO.Model, MLS.Model),
        (KGO.Dataset, MLS.Dataset),
        (KGO.Method, MLS.Algorithm),
        (KGO.Result, MLS.ModelEvaluation),
    ]:
        assert (cls, RDFS.subClassOf, parent) in ontology, (cls, parent)
    # the printed value is not the compared one (72.6 vs 0.726): no subproperty, or a result had two
    assert (KGO.value, RDFS.subPropertyOf, MLS.hasValue) not in ontology
    assert (KGO.value, RDFS.seeAlso, MLS.hasValue) in ontology
