"""Extractors are plugins: a second one, registered through the ``kg.extractors`` entry-point group
as any package would, builds a graph under its own name; and no paper an extractor fails on takes
a run down with it."""

import json

import pytest
from click.testing import CliRunner

from kg.build import FAILURES_LOG, build
from kg.cli import cli
from kg.errors import KgError
from kg.extract import EXTRACTOR_VERSION, RuleExtractor
from kg.extractors import Extractor, available_extractors, load_extractor, validate_record
from kg.rdf import graph_ntriples
from kg.records import Paper

# A package of its own, found on sys.path like any installed distribution.
PLUGIN = '''
class Shouting:
    """Proposes one Model per paper: the title's first word in capitals. Fails on titles with BOOM."""

    name = "shouting"
    version = "0.1"

    def __init__(self, vocab=None):
        self.vocab = vocab

    def extract(self, paper):
        if "BOOM" in paper.title:
            raise RuntimeError("cannot read this one")
        name = paper.title.split()[0].upper()
        return {**paper.to_record(), "entities": [{"name": name, "type": "Model"}],
                "relations": [{"subject": "@paper", "predicate": "proposes", "object": name,
                               "evidence": paper.title, "confidence": 0.5}],
                "results": []}


class Gadgets:
    """Returns records the schema refuses (an entity type the guideline does not have)."""

    name = "gadgets"
    version = "1"

    def __init__(self, vocab=None):
        pass

    def extract(self, paper):
        return {**paper.to_record(), "entities": [{"name": "X", "type": "Gadget"}], "relations": [], "results": []}
'''

PAPERS = [
    {
        "id": "a1",
        "title": "Foonet for chest X-ray reports",
        "abstract": "We propose FooNet, fine-tuned from LLaMA with LoRA.",
    },
    {"id": "a2", "title": "BOOM: an abstract that breaks the extractor", "abstract": "We study DPO on MedQA."},
    {"id": "a3", "title": "Barnet segments CT", "abstract": "BarNet uses SAM for CT segmentation."},
]


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    site = tmp_path / "site"
    info = site / "kg_test_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "kg_test_plugin.py").write_text(PLUGIN)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kg-test-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[kg.extractors]\nshouting = kg_test_plugin:Shouting\ngadgets = kg_test_plugin:Gadgets\n"
    )
    monkeypatch.syspath_prepend(str(site))


@pytest.fixture
def papers(tmp_path):
    path = tmp_path / "papers.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PAPERS))
    return path


def kg(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_the_rules_are_one_registered_extractor():
    rules = load_extractor("rules")
    assert isinstance(rules, RuleExtractor) and isinstance(rules, Extractor)
    assert (rules.name, rules.version) == ("rules", EXTRACTOR_VERSION)
    with pytest.raises(KgError, match=r"no extractor named 'nope' \(installed: .*rules"):
        load_extractor("nope")


def test_a_second_extractor_builds_a_graph_under_its_own_name(plugin, tmp_path, papers):
    assert {"rules", "shouting", "gadgets"} <= set(available_extractors())
    listed = kg("extractors")
    assert listed.exit_code == 0 and "shouting\t0.1\tkg_test_plugin.Shouting" in listed.output
    out = tmp_path / "build"
    good = [p for p in PAPERS if "BOOM" not in p["title"]]
    (tmp_path / "good.jsonl").write_text("".join(json.dumps(p) + "\n" for p in good))
    report = build([tmp_path / "good.jsonl"], out, extractor="shouting", embeddings=False)
    assert report.summary["entities"] == {"Model": 2}
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["extractor"], manifest["extractor_version"]) == ("shouting", "0.1")
    records = [json.loads(line) for line in (out / "extractions.jsonl").read_text().splitlines()]
    assert [(r["extractor"], r["extractor_version"]) for r in records] == [("shouting", "0.1")] * 2
    nt = graph_ntriples(out).decode()
    # each paper names the agent that read it; the build's activity is associated with it
    agent = "<https://w3id.org/kg-ml/resource/agent/shouting/0.1>"
    assert nt.count(f"<https://w3id.org/kg-ml/ontology#extractedBy> {agent} .") == 2
    assert f'{agent} <http://www.w3.org/2000/01/rdf-schema#label> "shouting 0.1" .' in nt
    assert f"<http://www.w3.org/ns/prov#wasAssociatedWith> {agent} ." in nt
    assert "agent/rules/" not in nt
    # The same papers through the rules: another extractor, so nothing of the first build is reused.
    again = build([tmp_path / "good.jsonl"], out, extractor="rules", embeddings=False)
    assert not again.up_to_date and again.reused == 0
    assert (
        "<https://w3id.org/kg-ml/ontology#extractedBy> <https://w3id.org/kg-ml/resource/agent/rules/"
        in graph_ntriples(out).decode()
    )


def test_a_paper_the_extractor_fails_on_stops_the_run_with_one_line_and_keeps_the_last_build(plugin, tmp_path, papers):
    out = tmp_path / "build"
    assert kg("build", papers, "--out", out, "--no-embeddings").exit_code == 0  # the rules read all three
    before = (out / "manifest.json").read_bytes()
    result = kg("build", papers, "--out", out, "--no-embeddings", "--extractor", "shouting")
    assert result.exit_code == 1
    assert result.output == (f"error: {papers}:2: paper a2: extractor error: RuntimeError: cannot read this one\n")
    assert (out / "manifest.json").read_bytes() == before  # nothing half-written: the last build stands
    log = (out / FAILURES_LOG).read_text()
    assert "Traceback (most recent call last)" in log and f"{papers}:2 paper a2" in log


def test_with_skip_bad_the_failed_paper_is_skipped_listed_and_the_run_goes_on(plugin, tmp_path, papers):
    out = tmp_path / "build"
    result = kg(
        "build", papers, "--out", out, "--no-embeddings", "--extractor", "shouting", "--skip-bad", "--workers", 2
    )
    assert result.exit_code == 0, result.output
    assert f"skipped: {papers}:2: paper a2: extractor error: RuntimeError" in result.output
    assert f"the extractor failed on 1 papers, skipped (tracebacks in {out}/{FAILURES_LOG})" in result.output
    assert "Traceback" not in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failed_papers"] == ["a2"] and manifest["summary"]["papers"] == 2
    assert [json.loads(line)["id"] for line in (out / "extractions.jsonl").read_text().splitlines()] == ["a1", "a3"]
    assert "RuntimeError: cannot read this one" in (out / FAILURES_LOG).read_text()
    # the next clean build of the folder leaves no stale log behind
    (tmp_path / "two.jsonl").write_text("".join(json.dumps(p) + "\n" for p in (PAPERS[0], PAPERS[2])))
    assert (
        kg("build", tmp_path / "two.jsonl", "--out", out, "--no-embeddings", "--extractor", "shouting").exit_code == 0
    )
    assert not (out / FAILURES_LOG).exists()


def test_an_invalid_record_from_an_extractor_is_an_error_naming_the_paper(plugin, tmp_path, papers):
    result = kg("extract", papers, "--out", tmp_path / "x.jsonl", "--extractor", "gadgets")
    assert result.exit_code == 1
    assert result.output.startswith(
        f"error: {papers}:1: paper a1: extractor gadgets returned an invalid record: "
        "entities/0/type: 'Gadget' is not one of"
    )
    assert not (tmp_path / "x.jsonl").exists()


def test_kg_extract_skips_failed_papers_with_skip_bad_and_logs_their_tracebacks(plugin, tmp_path, papers):
    out = tmp_path / "x.jsonl"
    result = kg("extract", papers, "--out", out, "--extractor", "shouting")
    assert result.exit_code == 1 and not out.exists() and "Traceback" not in result.output
    result = kg("extract", papers, "--out", out, "--extractor", "shouting", "--skip-bad")
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["a1", "a3"]
    assert "Traceback" in (tmp_path / "x.jsonl.errors.log").read_text()


def test_records_are_validated_against_the_schema():
    record = RuleExtractor().extract(Paper("p1", "FooNet", "We propose FooNet, a LoRA variant."))
    assert validate_record(record) == []
    record["relations"].append({"subject": "FooNet", "predicate": "likes", "object": "LoRA"})
    assert validate_record(record)[0].startswith("relations/")
