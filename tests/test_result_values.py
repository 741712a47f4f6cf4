"""Results a leaderboard can rank: each metric's direction and scale come from the vocabulary, a
fraction and a percentage compare alike, units are QUDT IRIs, and the ML-Schema terms are written."""

import json

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.errors import KgError
from kg.vocab import load_vocabulary

PREFIXES = """PREFIX kgo: <https://w3id.org/kg-ml/ontology#> PREFIX mls: <http://www.w3.org/ns/mls#>
PREFIX qudt: <http://qudt.org/schema/qudt/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def paper(pid, subject, metric, value, unit=None):
    result = {"subject": subject, "dataset": "WikiText-103", "metric": metric, "value": value, "unit": unit}
    result["evidence"] = "x"
    return {
        "id": pid,
        "title": f"Paper {pid}",
        "abstract": "An abstract.",
        "entities": [{"name": subject, "type": "Model"}, {"name": "WikiText-103", "type": "Dataset"}],
        "relations": [],
        "results": [result],
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("values")
    rows = [
        paper("p1", "AlphaLM", "accuracy", 72.6, "%"),
        paper("p2", "BetaLM", "accuracy", 0.81),
        paper("p3", "GammaLM", "accuracy", 64),
        paper("p4", "AlphaLM", "perplexity", 18.3),
        paper("p5", "BetaLM", "perplexity", 24.1),
    ]
    corpus = folder / "papers.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows))
    build(records=[corpus], out=folder / "build", embeddings=False)
    return folder / "build"


def test_the_vocabulary_says_which_metrics_rank_lower_first():
    vocab = load_vocabulary()
    assert [m for m in ("wer", "FID", "perplexity", "error rate", "mae") if not vocab.lower_is_better(m)] == []
    assert [m for m in ("accuracy", "AUROC", "dice", "bleu", "psnr") if vocab.lower_is_better(m)] == []


def test_fractions_and_percentages_compare_alike(built):
    results = {
        (n["label"], n["metric"]): n
        for n in json.loads((built / "graph.json").read_text())["nodes"]
        if n["kind"] == "Result"
    }
    scores = {label: n["score"] for (label, metric), n in results.items() if metric == "accuracy"}
    assert scores == {"accuracy 72.6%": 0.726, "accuracy 0.81": 0.81, "accuracy 64": 0.64}
    assert {n["lower_is_better"] for (_, metric), n in results.items() if metric == "perplexity"} == {True}
    assert {n["score"] for (_, metric), n in results.items() if metric == "perplexity"} == {18.3, 24.1}


def test_the_rdf_carries_ml_schema_values_directions_and_qudt_units(built):
    store = ox.Store.read_only(str(built / "store"))
    rows = store.query(
        PREFIXES
        + """SELECT ?metric ?value ?lower ?unit WHERE {
             ?r a mls:ModelEvaluation ; mls:hasValue ?value ; mls:specifiedBy ?m .
             ?m a mls:EvaluationMeasure ; rdfs:label ?metric ; kgo:lowerIsBetter ?lower .
             OPTIONAL { ?r qudt:unit ?unit } } ORDER BY ?metric ?value"""
    )
    got = [(r["metric"].value, r["value"].value, r["lower"].value, r["unit"] and r["unit"].value) for r in rows]
    assert got == [
        ("accuracy", "0.64", "false", None),
        ("accuracy", "0.726", "false", "http://qudt.org/vocab/unit/PERCENT"),
        ("accuracy", "0.81", "false", None),
        ("perplexity", "18.3", "true", None),
        ("perplexity", "24.1", "true", None),
    ]


def test_a_bad_ranking_field_in_a_users_vocabulary_names_the_file(tmp_path):
    mine = tmp_path / "vocab"
    mine.mkdir()
    (mine / "metrics.yaml").write_text("- {name: my score, better: smaller}\n")
    with pytest.raises(KgError, match=r"metrics.yaml: metric 'my score': better is 'smaller'"):
        load_vocabulary(layers=[mine])


def test_a_comparison_is_a_node_with_its_dataset_metric_and_evidence(tmp_path):
    sentence = "AlphaLM outperforms BetaLM in accuracy on MedQA, and is on par on PubMedQA."
    record = {
        "id": "p1",
        "title": "AlphaLM",
        "abstract": sentence,
        "entities": [
            {"name": "AlphaLM", "type": "Model"},
            {"name": "BetaLM", "type": "Model"},
            {"name": "MedQA", "type": "Dataset"},
            {"name": "PubMedQA", "type": "Dataset"},
            {"name": "question answering", "type": "Task"},
        ],
        "relations": [
            {"subject": "AlphaLM", "predicate": "outperforms", "object": "BetaLM", "evidence": sentence},
        ],
        "results": [
            {
                "subject": "AlphaLM",
                "dataset": "MedQA",
                "metric": "accuracy",
                "value": 72.6,
                "unit": "%",
                "evidence": "AlphaLM reaches 72.6% accuracy on MedQA question answering.",
            },
        ],
    }
    corpus = tmp_path / "papers.jsonl"
    corpus.write_text(json.dumps(record) + "\n")
    build(records=[corpus], out=tmp_path / "build", embeddings=False)
    store = ox.Store.read_only(str(tmp_path / "build" / "store"))
    rows = list(
        store.query(
            PREFIXES
            + """
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?winner ?loser ?dataset ?metric ?evidence WHERE {
          ?c a kgo:Comparison ; rdf:subject/rdfs:label ?winner ; rdf:object/rdfs:label ?loser ;
             kgo:comparedOn/rdfs:label ?dataset ; mls:specifiedBy/rdfs:label ?metric ;
             kgo:sentence/<http://www.w3.org/ns/oa#exact> ?evidence }
        ORDER BY ?dataset"""
        )
    )
    got = [tuple(r[v].value for v in ("winner", "loser", "dataset", "metric", "evidence")) for r in rows]
    # both datasets the sentence names: a reader decides; the paper's other datasets are not guessed
    assert got == [("AlphaLM", "BetaLM", d, "accuracy", sentence) for d in ("MedQA", "PubMedQA")]
    tasks = list(store.query(PREFIXES + "SELECT ?task WHERE { ?r kgo:onTask/rdfs:label ?task }"))
    assert [r["task"].value for r in tasks] == ["question answering"]
