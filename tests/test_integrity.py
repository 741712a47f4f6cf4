"""The whole-graph checks (schemas/checks.yaml, kg.integrity): the clean example build passes, and each
error planted into a copy of its store is flagged, by its check only, naming the offending node."""

import json
import re
import shutil
import sys

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import KgError
from kg.integrity import load_checks, run_checks
from kg.rdf import PREFIXES, PROPERTIES, REIFIED
from kg.validate import validate

PREFIX_TEXT = "".join(f"PREFIX {name}: <{namespace}>\n" for name, namespace in PREFIXES.items())
RES = "https://w3id.org/kg-ml/resource/"


@pytest.fixture(scope="module")
def clean(example_build) -> bytes:
    """The example build's store, dumped once; each test plants its error into a copy."""
    return ox.Store.read_only(str(example_build / "store")).dump(format=ox.RdfFormat.N_QUADS)


@pytest.fixture
def store(clean) -> ox.Store:
    copy = ox.Store()
    copy.bulk_load(clean, format=ox.RdfFormat.N_QUADS)
    return copy


def one(store: ox.Store, sparql: str) -> list[str]:
    """The first answer of a query, as N-Triples terms (to write into an update)."""
    solution = next(iter(store.query(PREFIX_TEXT + sparql)), None)
    assert solution is not None, f"the example build has nothing for {sparql}"
    return [str(term) for term in solution]


def plant(store: ox.Store, update: str) -> None:
    store.update(PREFIX_TEXT + update)


def swap(store: ox.Store, node: str, predicate: str, old: str, new: str) -> None:
    """Plant: ``node predicate old`` becomes ``node predicate new``."""
    plant(store, f"DELETE DATA {{ {node} {predicate} {old} }} ; INSERT DATA {{ {node} {predicate} {new} }}")


def statement(subject: str, predicate: str, obj: str, paper: str, key: str) -> str:
    """A relation triple with a complete provenance record: well-formed, so only what it says can be wrong."""
    record = f"<{RES}statement/planted-{key}>"
    return (
        f"{subject} {predicate} {obj} . {record} a rdf:Statement ; rdf:subject {subject} ; "
        f"rdf:predicate {predicate} ; rdf:object {obj} ; prov:wasDerivedFrom {paper} ; kgo:confidence 0.9 ."
    )


def flagged(store: ox.Store) -> set[tuple[str, str]]:
    """(check, offending node) of every violation; each message names its node."""
    found = run_checks(store)
    for violation in found:
        assert violation.check and violation.severity == "Violation"
        assert "res:" + str(violation.focus).removeprefix(RES) in violation.message, violation.message
    return {(str(v.check), f"<{v.focus}>") for v in found}


def test_the_clean_example_build_has_no_violations(example_build, store):
    assert run_checks(store) == []
    report = validate(example_build)  # a build folder: the shapes and the checks, on its store
    assert report.conforms and not [v for v in report.violations if v.severity == "Violation"], report.format()
    validation = json.loads((example_build / "manifest.json").read_text())["validation"]
    assert validation["violations"] == 0 and validation["checks"] == len(load_checks().checks)


# 1
def test_a_fine_tuned_from_cycle_of_three_models(store):
    paper, a, b, c = one(
        store,
        "SELECT ?paper ?a ?b ?c { ?paper kgo:mentions ?a, ?b, ?c . ?a a kgo:Model . ?b a kgo:Model . ?c a kgo:Model "
        "FILTER (STR(?a) < STR(?b) && STR(?b) < STR(?c)) }",
    )
    edges = [(a, b), (b, c), (c, a)]
    planted = [statement(s, "kgo:fineTunedFrom", o, paper, f"cycle-{n}") for n, (s, o) in enumerate(edges)]
    plant(store, "INSERT DATA { " + " ".join(planted) + " }")
    assert flagged(store) == {("fine-tuned-from-cycle", node) for node in (a, b, c)}


# 2
def test_a_model_that_outperforms_itself(store):
    paper, model = one(store, "SELECT ?paper ?model { ?paper kgo:mentions ?model . ?model a kgo:Model }")
    plant(store, f"INSERT DATA {{ {statement(model, 'kgo:outperforms', model, paper, 'self')} }}")
    assert flagged(store) == {("outperforms-itself", model)}


# 3
def test_a_relation_without_provenance_record(store):
    model, dataset = one(
        store,
        "SELECT ?model ?dataset { ?model a kgo:Model . ?dataset a kgo:Dataset "
        "FILTER NOT EXISTS { ?model kgo:evaluatedOn ?dataset } }",
    )
    plant(store, f"INSERT DATA {{ {model} kgo:evaluatedOn {dataset} }}")
    assert flagged(store) == {("statement-without-record", model)}
    (violation,) = run_checks(store)
    assert violation.path == "kgo:evaluatedOn" and f"<{violation.value}>" == dataset


def test_a_record_of_a_triple_the_graph_does_not_assert(store):
    record, subject, predicate, obj = one(
        store, "SELECT ?record ?s ?p ?o { ?record rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o }"
    )
    plant(store, f"DELETE DATA {{ {subject} {predicate} {obj} }}")
    assert flagged(store) == {("record-without-statement", record)}


def test_a_relation_whose_subject_no_record_describes(store):
    # the other path of the streamed check: a subject with no record at all, beside one with records
    paper, method = one(
        store, "SELECT ?paper ?method { ?paper kgo:proposes ?p ; kgo:mentions ?method . ?method a kgo:Method }"
    )
    stranger = f"<{RES}method/planted-stranger>"
    plant(store, f"INSERT DATA {{ {stranger} kgo:variantOf {method} . {paper} kgo:usesMethod {stranger} }}")
    assert flagged(store) == {("statement-without-record", stranger), ("statement-without-record", paper)}


def test_the_checked_relations_are_those_with_records():
    # statement-without-record reads kg.rdf.REIFIED itself; record-without-statement lists them
    (check,) = [c for c in load_checks().checks if c.name == "record-without-statement"]
    listed = set(re.findall(r"kgo:\w+", check.query.split("NOT IN", 1)[1].split(")", 1)[0]))
    assert listed == {f"kgo:{PROPERTIES[p].split('#')[1]}" for p in REIFIED}


# 4
def test_a_record_that_claims_another_paper(store):
    record, paper, other = one(
        store,
        "SELECT ?record ?paper ?other { ?record rdf:predicate kgo:variantOf ; rdf:subject ?s ; rdf:object ?o ; "
        "prov:wasDerivedFrom ?paper . ?other a kgo:Paper "
        "FILTER NOT EXISTS { ?other kgo:mentions ?s } FILTER NOT EXISTS { ?other kgo:mentions ?o } }",
    )
    swap(store, record, "prov:wasDerivedFrom", paper, other)
    assert flagged(store) == {("record-claims-another-paper", record)}


def test_a_record_of_one_papers_statement_that_names_another_paper(store):
    # the other paper mentions the domain: the record is still about the first paper, not about it
    record, paper, other = one(
        store,
        "SELECT ?record ?paper ?other { ?record rdf:predicate kgo:inDomain ; rdf:subject ?paper ; rdf:object ?domain ; "
        "prov:wasDerivedFrom ?paper . ?other kgo:mentions ?domain FILTER (?other != ?paper) }",
    )
    swap(store, record, "prov:wasDerivedFrom", paper, other)
    assert flagged(store) == {("record-claims-another-paper", record)}


def test_a_result_reported_by_another_paper_than_its_record_names(store):
    result, paper, other = one(
        store,
        "SELECT ?result ?paper ?other { ?paper kgo:reports ?result . ?other a kgo:Paper FILTER (?other != ?paper) }",
    )
    plant(store, f"DELETE DATA {{ {paper} kgo:reports {result} }} ; INSERT DATA {{ {other} kgo:reports {result} }}")
    assert flagged(store) == {("result-claims-another-paper", result)}
    (violation,) = run_checks(store)
    assert "res:" + other.strip("<>").removeprefix(RES) in violation.message


# 5
def test_a_predicate_outside_the_closed_set(store):
    model, dataset = one(store, "SELECT ?model ?dataset { ?model kgo:evaluatedOn ?dataset }")
    authors = f"<{RES}paper/x/authors>"  # rdf:_1, rdf:_2 ... of an author list are standard terms
    plant(store, f"INSERT DATA {{ {model} kgo:evaluatedIn {dataset} . {authors} rdf:_12 {model} }}")
    assert flagged(store) == {("closed-predicates", model)}
    (violation,) = run_checks(store)
    assert violation.message.startswith("kgo:evaluatedIn is neither declared in ontology.ttl")


# 6
def test_a_percentage_above_100(store):
    result, value = one(store, 'SELECT ?result ?value { ?result kgo:unit "%" ; kgo:value ?value }')
    swap(store, result, "kgo:value", value, "120.5")
    assert flagged(store) == {("percentage-above-100", result)}


NO_UNIT = "FILTER NOT EXISTS { ?result kgo:unit ?unit }"


def test_a_negative_ratio(store):
    result, value = one(
        store, f'SELECT ?result ?value {{ ?result kgo:metric "accuracy" ; kgo:value ?value {NO_UNIT} }}'
    )
    swap(store, result, "kgo:value", value, "-0.3")
    assert flagged(store) == {("negative-ratio", result)}


def test_a_negative_correlation_is_no_error(store):
    result, metric, value = one(
        store, f"SELECT ?result ?metric ?value {{ ?result kgo:metric ?metric ; kgo:value ?value {NO_UNIT} }}"
    )
    swap(store, result, "kgo:metric", metric, '"mcc"')
    swap(store, result, "kgo:value", value, "-0.3")
    assert flagged(store) == set()


# 7
def test_a_node_of_two_disjoint_classes(store):
    (model,) = one(store, "SELECT ?model { ?model a kgo:Model }")
    plant(store, f"INSERT DATA {{ {model} a kgo:Method }}")
    assert flagged(store) == {("disjoint-classes", model)}


# 8
@pytest.mark.parametrize(
    "date",
    ['"twenty"', '"twenty"^^xsd:gYear', '"2021-13"^^xsd:gYearMonth', '"2021-6-1"^^xsd:date', '"2021"^^xsd:integer'],
)
def test_a_malformed_date(store, date):
    papers = [one(store, f"SELECT ?paper {{ ?paper a kgo:Paper }} OFFSET {n} LIMIT 1")[0] for n in (0, 1)]
    # a well-formed date of each kind on another paper is fine
    fine = '"2021"^^xsd:gYear, "2021-06"^^xsd:gYearMonth, "2021-06-17"^^xsd:date'
    plant(store, f"INSERT DATA {{ {papers[0]} dcterms:issued {date} . {papers[1]} dcterms:issued {fine} }}")
    assert flagged(store) == {("malformed-date", papers[0])}


# 9
@pytest.mark.parametrize("count", ['"-2"^^xsd:integer', "2.5", '"two"', '"two"^^xsd:integer'])
def test_a_bad_paper_count(store, count):
    node, old = one(store, "SELECT ?node ?count { ?node a kgo:CoMention ; kgo:paperCount ?count }")
    swap(store, node, "kgo:paperCount", old, count)
    assert flagged(store) == {("bad-paper-count", node)}


# 10
@pytest.mark.parametrize("confidence", ['"high"', '"0.9"', "1.5", "-0.1", '"0.9"^^xsd:double', '"x"^^xsd:decimal'])
def test_a_mistyped_or_out_of_range_confidence(store, confidence):
    record, old = one(store, "SELECT ?record ?confidence { ?record kgo:confidence ?confidence }")
    swap(store, record, "kgo:confidence", old, confidence)
    assert flagged(store) == {("bad-confidence", record)}


# ---------------------------------------------------------------------------------------------
# Gates and the checks file
# ---------------------------------------------------------------------------------------------


def test_kg_validate_fails_on_a_planted_error(example_build, tmp_path):
    build = tmp_path / "build"
    shutil.copytree(example_build, build)
    store = ox.Store(str(build / "store"))
    (model,) = one(store, "SELECT ?model { ?model a kgo:Model }")
    plant(store, f"INSERT DATA {{ {model} kgo:outperforms {model} }}")
    store.flush()
    del store
    result = CliRunner().invoke(cli, ["validate", "--build", str(build)])
    assert result.exit_code == 1, result.output
    assert result.output.startswith("does not conform: 2 violations")  # itself, and with no record
    assert "[outperforms-itself]" in result.output and "[statement-without-record]" in result.output
    assert model.strip("<>").removeprefix(RES) in result.output


def test_build_check_fails_on_a_cycle_the_records_state(tmp_path):
    def paper(pid: str, model: str, base: str) -> dict:
        sentence = f"{model} is fine-tuned from {base}."
        return {
            "id": pid,
            "title": sentence,
            "abstract": sentence,
            "entities": [{"name": model, "type": "Model"}, {"name": base, "type": "Model"}],
            "relations": [{"subject": model, "predicate": "fine_tuned_from", "object": base, "evidence": sentence}],
            "results": [],
        }

    records = tmp_path / "records.jsonl"
    records.write_text(
        "".join(json.dumps(paper(*args)) + "\n" for args in [("p1", "FooNet", "BarNet"), ("p2", "BarNet", "FooNet")])
    )
    out = tmp_path / "build"
    result = CliRunner().invoke(
        cli, ["build", "--records", str(records), "--out", str(out), "--no-embeddings", "--check"]
    )
    assert result.exit_code == 3, result.output
    assert "shapes: does NOT conform (2 violations" in result.output


def test_a_malformed_checks_file_is_named(tmp_path):
    broken = tmp_path / "checks.yaml"
    broken.write_text("checks:\n  - name: x\n    severity: Fatal\n    message: m\n    query: SELECT ?node {}\n")
    with pytest.raises(KgError, match=r"checks.yaml: check 1 \(x\): the severity must be one of"):
        load_checks(broken)


def test_a_check_is_one_entry_of_the_file(tmp_path, store):
    extended = tmp_path / "checks.yaml"
    text = (load_checks().path).read_text()
    extended.write_text(
        text
        + '  - name: unlabelled-model\n    severity: Warning\n    message: "{node} has no rdfs:label"\n'
        + "    query: SELECT ?node { ?node a kgo:Model MINUS { ?node rdfs:label ?label } }\n"
    )
    (model,) = one(store, "SELECT ?model { ?model a kgo:Model }")
    plant(store, f"DELETE WHERE {{ {model} rdfs:label ?label }}")
    (found,) = run_checks(store, load_checks(extended))
    assert (found.check, found.severity, f"<{found.focus}>") == ("unlabelled-model", "Warning", model)


def test_a_check_whose_message_names_a_variable_it_does_not_select(tmp_path, store):
    broken = tmp_path / "checks.yaml"
    broken.write_text("checks:\n  - name: x\n    severity: Info\n    message: '{nod}'\n    query: SELECT ?node {}\n")
    with pytest.raises(KgError, match=r"check x: the query does not select \?nod, which its message names"):
        run_checks(store, load_checks(broken))


def test_a_check_may_be_a_function_that_streams_the_store(tmp_path, store, monkeypatch):
    module = tmp_path / "my_checks.py"
    module.write_text(
        "import pyoxigraph as ox\n"
        "LABEL = ox.NamedNode('http://www.w3.org/2000/01/rdf-schema#label')\n"
        "def long_labels(store):\n"
        "    for quad in store.quads_for_pattern(None, LABEL, None):\n"
        "        if len(quad.object.value) > 200:\n"
        "            yield {'node': quad.subject, 'value': quad.object}\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    checks = tmp_path / "checks.yaml"
    checks.write_text(
        "checks:\n  - name: long-label\n    severity: Warning\n"
        "    message: '{node} has a label of over 200 characters'\n    function: my_checks:long_labels\n"
    )
    assert run_checks(store, load_checks(checks)) == []
    (model,) = one(store, "SELECT ?model { ?model a kgo:Model }")
    plant(store, f'INSERT DATA {{ {model} rdfs:label "{"x" * 201}" }}')
    (found,) = run_checks(store, load_checks(checks))
    assert (found.check, f"<{found.focus}>") == ("long-label", model)
    assert found.message.endswith("has a label of over 200 characters")
    sys.modules.pop("my_checks")


@pytest.mark.parametrize(
    "function, says",
    [
        ("kg.integrity:no_such_check", "no function kg.integrity:no_such_check"),
        ("kg.integrity", "the function must be module:name"),
    ],
)
def test_a_check_naming_no_function_is_named(tmp_path, function, says):
    broken = tmp_path / "checks.yaml"
    broken.write_text(f"checks:\n  - name: x\n    severity: Info\n    message: m\n    function: {function}\n")
    with pytest.raises(KgError, match=rf"checks.yaml: check 1 \(x\): {says}"):
        load_checks(broken)


def test_a_check_has_a_query_or_a_function_not_both(tmp_path):
    broken = tmp_path / "checks.yaml"
    broken.write_text(
        "checks:\n  - name: x\n    severity: Info\n    message: m\n    query: SELECT ?node {}\n"
        "    function: kg.integrity:statements_without_record\n"
    )
    with pytest.raises(KgError, match=r"a check has exactly a name, a severity, a message and a query \(or a"):
        load_checks(broken)


def test_a_function_whose_rows_lack_a_variable_its_message_names(tmp_path, store, monkeypatch):
    (tmp_path / "nodeless_checks.py").write_text("def rows(store):\n    yield {'node': None, 'value': None}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    broken = tmp_path / "checks.yaml"
    broken.write_text(
        "checks:\n  - name: x\n    severity: Info\n    message: '{node} {path}'\n    function: nodeless_checks:rows\n"
    )
    with pytest.raises(KgError, match=r"check x: the function gives no \?path, which its message names"):
        run_checks(store, load_checks(broken))
    sys.modules.pop("nodeless_checks")
