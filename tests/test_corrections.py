"""Corrections: a curator's fixes, kept in their own file, applied after every extraction, shown in
the provenance, and reported when they no longer match."""

import json
import shutil

import pytest

from kg.build import build
from kg.corrections import Corrections
from kg.errors import KgError
from kg.extract import RuleExtractor
from kg.rdf import graph_ntriples

CURATED = '<https://w3id.org/kg-ml/ontology#curated> "true"^^<http://www.w3.org/2001/XMLSchema#boolean> .'


def record():
    return {
        "id": "p1",
        "title": "FooNet: segmenting CT with SD-Tran",
        "abstract": "We propose FooNet, fine-tuned from SD-Tran. FooNet outperforms GPT-2 on BarSet. "
        "FooNet reaches 85.2% dice on BarSet. We thank MICCAI.",
        "entities": [
            {"name": "FooNet", "type": "Model"},
            {"name": "SD-Tran", "type": "Model", "aliases": ["SDT"]},
            {"name": "GPT-2", "type": "Model"},
            {"name": "BarSet", "type": "Dataset"},
            {"name": "MICCAI", "type": "Method"},
            {"name": "CT", "type": "Modality"},
        ],
        "relations": [
            {"subject": "@paper", "predicate": "proposes", "object": "FooNet"},
            {"subject": "FooNet", "predicate": "fine_tuned_from", "object": "SDT"},
            {"subject": "FooNet", "predicate": "outperforms", "object": "GPT-2"},
            {"subject": "FooNet", "predicate": "uses_method", "object": "MICCAI"},
        ],
        "results": [{"subject": "FooNet", "dataset": "BarSet", "metric": "dice", "value": 8.52, "unit": "%"}],
    }


def fixed(text: str, rec=None):
    fixes = Corrections.parse(text, "fixes.yaml")
    return fixes.apply(rec or record()), fixes


def triples(rec):
    return {(r["subject"], r["predicate"], r["object"], r.get("curated", False)) for r in rec["relations"]}


def test_each_fix_changes_what_it_names_and_marks_what_it_made():
    out, fixes = fixed("""
p1:
  - drop: {subject: foonet, predicate: outperforms, object: gpt 2}
  - rename: {from: SD-Tran, to: SD-Trans}
  - drop_entity: MICCAI
  - retype: {name: GPT-2, type: Method}
  - add: {subject: FooNet, predicate: evaluated_on, object: BarSet, evidence: "FooNet outperforms GPT-2 on BarSet."}
  - add_entity: {name: segmentation, type: Task}
  - add: {subject: "@paper", predicate: applied_to, object: segmentation, evidence: "segmenting CT"}
  - drop_result: {subject: FooNet, metric: dice, value: 8.52}
  - add_result: {subject: FooNet, dataset: BarSet, metric: Dice, value: 85.2, unit: "%",
                 evidence: "FooNet reaches 85.2% dice on BarSet."}
""")
    assert fixes.unmatched(["p1"]) == []
    assert triples(out) == {
        ("@paper", "proposes", "FooNet", False),
        ("FooNet", "fine_tuned_from", "SD-Trans", True),
        ("FooNet", "evaluated_on", "BarSet", True),
        ("@paper", "applied_to", "segmentation", True),
    }
    entities = {e["name"]: (e["type"], e.get("curated", False)) for e in out["entities"]}
    assert entities == {
        "FooNet": ("Model", False),
        "SD-Trans": ("Model", True),
        "GPT-2": ("Method", True),
        "BarSet": ("Dataset", False),
        "CT": ("Modality", False),
        "segmentation": ("Task", True),
    }
    assert [(r["metric"], r["value"], r["curated"]) for r in out["results"]] == [("dice", 85.2, True)]
    assert record() == record() and out is not record()  # the input record is not changed


def test_fixes_that_match_nothing_are_reported_with_file_line_and_why():
    _, fixes = fixed("""
p1:
  - drop: {subject: FooNet, predicate: variant_of, object: GPT-2}
  - add: {subject: FooNet, predicate: uses_method, object: LoRA, evidence: "FooNet outperforms GPT-2 on BarSet."}
  - add: {subject: FooNet, predicate: evaluated_on, object: BarSet, evidence: "a sentence nobody wrote"}
  - add: {subject: BarSet, predicate: outperforms, object: FooNet, evidence: "FooNet outperforms GPT-2 on BarSet."}
p9:
  - drop_entity: FooNet
"*":
  - drop_entity: Nothing-like-this
""")
    assert fixes.unmatched(["p1"]) == [
        "fixes.yaml:3: paper p1: drop subject=FooNet, predicate=variant_of, object=GPT-2: no such relation",
        "fixes.yaml:4: paper p1: add subject=FooNet, predicate=uses_method, object=LoRA, evidence=FooNet outperforms "
        "GPT-2 on BarSet.: its object 'LoRA' is no entity of the paper (add_entity it first)",
        "fixes.yaml:5: paper p1: add subject=FooNet, predicate=evaluated_on, object=BarSet, evidence=a sentence nobody "
        "wrote: its evidence is not in the paper's title or abstract",
        "fixes.yaml:6: paper p1: add subject=BarSet, predicate=outperforms, object=FooNet, evidence=FooNet outperforms "
        "GPT-2 on BarSet.: outperforms does not take a Dataset as its subject",
        "fixes.yaml:8: paper p9: drop_entity FooNet: no such paper in the input",
        "fixes.yaml:10: every paper: drop_entity Nothing-like-this: matched nothing",
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("p1: [{delete: {name: X}}]", "fixes.yaml:1: paper p1: unknown fix 'delete'"),
        ("p1:\n  - drop: {subject: A, object: B}", "fixes.yaml:2: paper p1: drop lacks predicate"),
        ("p1:\n  - add: {subject: A, predicate: likes, object: B, evidence: x}", "unknown predicate 'likes'"),
        ("p1:\n  - retype: {name: A, type: Gadget}", "unknown entity type 'Gadget'"),
        ("p1:\n  - drop_result: {subject: A, metric: f1, value: high}", "drop_result's value must be a number"),
        ("p1: {drop: x}", "paper p1: its fixes must be a list"),
        ("p1: [drop: {subject: [a}", "fixes.yaml:1: invalid YAML"),
        ("- p1", "fixes.yaml:1: corrections are a mapping of paper id to a list of fixes"),
    ],
)
def test_a_bad_corrections_file_is_one_line_naming_file_and_line(text, message):
    with pytest.raises(KgError, match=message.replace("(", r"\(").replace("'", "'")):
        Corrections.parse(text, "fixes.yaml")


OPENMEDLM = "p-1480ed38c38e"  # "OpenMedLM: Prompt engineering can out-perform fine-tuning ..." in the example corpus
EVIDENCE = "We employed a series of prompting strategies, including zero-shot, few-shot, chain-of-thought"


def corrections_file(path):
    path.write_text(f"""
{OPENMEDLM}:
  - drop: {{subject: OpenMedLM, predicate: uses_method, object: fine-tuning}}
  - add_entity: {{name: ensemble voting, type: Method}}
  - add: {{subject: OpenMedLM, predicate: uses_method, object: ensemble voting, evidence: "{EVIDENCE}"}}
no-such-paper:
  - drop_entity: LoRA
""")
    return path


def statements(out):
    nt = graph_ntriples(out).decode()
    return nt, {line.split(" ")[0] for line in nt.splitlines() if CURATED in line}


@pytest.mark.slow
def test_corrections_survive_re_extraction_by_a_new_extractor_version(tmp_path, example_corpus, monkeypatch):
    fixes = corrections_file(tmp_path / "fixes.yaml")
    out = tmp_path / "build"
    report = build([example_corpus], out, corrections=[fixes], embeddings=False)
    assert report.unmatched == [f"{fixes}:7: paper no-such-paper: drop_entity LoRA: no such paper in the input"]
    assert json.loads((out / "manifest.json").read_text())["unmatched_corrections"] == report.unmatched
    raw = next(
        json.loads(line)
        for line in (out / "extractions.jsonl").read_text().splitlines()
        if json.loads(line)["id"] == OPENMEDLM
    )
    # extractions.jsonl keeps what the extractor said (so it can be reused); the graph holds the fixes
    assert any(r["object"] == "fine-tuning" and r["predicate"] == "uses_method" for r in raw["relations"])
    nt, curated = statements(out)
    assert len(curated) == 1
    assert '"ensemble voting"' in nt
    graph = json.loads((out / "graph.json").read_text())
    uses = {
        (e["target"], e.get("curated", False))
        for e in graph["edges"]
        if e["paper"] == OPENMEDLM and e["predicate"] == "uses_method"
    }
    assert ("method/ensemble-voting", True) in uses and not any(t == "method/fine-tuning" for t, _ in uses)

    monkeypatch.setattr(RuleExtractor, "version", "9.9.9")
    again = build([example_corpus], out, corrections=[fixes], embeddings=False)
    assert again.reused == 0 and json.loads((out / "manifest.json").read_text())["extractor_version"] == "9.9.9"
    assert statements(out)[1] == curated


@pytest.mark.slow
def test_a_corrections_file_in_an_input_folder_is_applied_and_part_of_the_fingerprint(tmp_path, example_corpus):
    folder = tmp_path / "papers"
    folder.mkdir()
    shutil.copy(example_corpus, folder)
    out = tmp_path / "build"
    build([folder], out, embeddings=False)
    assert statements(out)[1] == set()
    corrections_file(folder / "corrections.yaml")
    report = build([folder], out, embeddings=False)
    assert not report.up_to_date and len(statements(out)[1]) == 1
    assert build([folder], out, embeddings=False).up_to_date
