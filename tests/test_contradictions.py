"""A graph that cannot contradict itself (issue 13, item 7).

Each class of contradiction a newcomer saw on real papers, prevented in the extractor and tested
here on sentences made up for the test (never an annotated abstract's wording); the graph-wide
ones are also caught by the SHACL shapes (schemas/shapes.ttl), tested by planting the triple.
"""

import pytest
from rdflib import RDF, RDFS, Graph, Literal, Namespace
from rdflib.namespace import SKOS

from kg.extract import extract
from kg.extract import relations as R
from kg.extract.results import sentence_results
from kg.records import Paper
from kg.vocab import load_vocabulary

VOCAB = load_vocabulary()


def record(abstract: str, title: str = "T") -> dict:
    return extract(Paper("p1", title, abstract), VOCAB)


def triples(rec: dict, predicate: str | None = None) -> set:
    return {
        (r["subject"], r["predicate"], r["object"])
        for r in rec["relations"]
        if predicate is None or r["predicate"] == predicate
    }


def entities(rec: dict) -> set:
    return {(e["name"], e["type"]) for e in rec["entities"]}


def results(rec: dict) -> set:
    return {(r["subject"], r["dataset"], r["metric"], r["value"], r["unit"]) for r in rec["results"]}


# --- lineage ------------------------------------------------------------------------------------


def test_a_comparison_gives_no_lineage():
    # the rivals of "outperforms" are compared against, never the base of anything
    rec = record("We propose Med-SAX, a SAM adapter. Med-SAX outperforms SAM and the fine-tuned MedSAM on kidneys.")
    assert triples(rec, "fine_tuned_from") == set()
    assert {("Med-SAX", "outperforms", "SAM"), ("Med-SAX", "outperforms", "MedSAM")} <= triples(rec)
    rec = record("We introduce SAM. In our tests, SAM clearly surpasses the fine-tuned MedSAM.")
    assert triples(rec, "fine_tuned_from") == set()


def test_a_rival_called_the_base_model_still_is_one():
    rec = record("We present FooMed. FooMed shows large gains over its base model (Mistral 7B) on triage.")
    assert ("FooMed", "fine_tuned_from", "Mistral 7B") in triples(rec)


def test_a_fine_tuned_from_that_closes_a_cycle_is_dropped():
    # against the vocabulary: MedSAM is known to be fine-tuned from SAM
    rec = record("We introduce SAM. SAM is fine-tuned from MedSAM.")
    assert ("SAM", "fine_tuned_from", "MedSAM") not in triples(rec)
    types = {"SAM": "Model", "MedSAM": "Model"}
    kept = R.consistent([R.relation("SAM", "fine_tuned_from", "MedSAM", "", 0.9)], types, VOCAB)
    assert kept == []
    # within the record: the more confident of two opposite edges stays, a longer cycle is closed by none
    rels = [
        R.relation("A", "fine_tuned_from", "B", "", 0.6),
        R.relation("B", "fine_tuned_from", "C", "", 0.6),
        R.relation("C", "fine_tuned_from", "A", "", 0.5),
    ]
    kept = R.consistent(rels, dict.fromkeys("ABC", "Model"), VOCAB)
    assert {(r["subject"], r["object"]) for r in kept} == {("A", "B"), ("B", "C")}


def test_models_adapted_from_a_base_are_fine_tuned_from_it_not_variants():
    rec = record("We compare LLaVA-Med with LLaVA and SAM-Med2D with SAM on medical visual question answering.")
    assert {("LLaVA-Med", "fine_tuned_from", "LLaVA"), ("SAM-Med2D", "fine_tuned_from", "SAM")} <= triples(rec)
    assert triples(rec, "variant_of") == set()
    rec = record("We study LLaVA-Med, which adapts LLaVA to biomedicine, and SAM-Med2D, obtained by fine-tuning SAM.")
    assert {("LLaVA-Med", "fine_tuned_from", "LLaVA"), ("SAM-Med2D", "fine_tuned_from", "SAM")} <= triples(rec)
    assert triples(rec, "variant_of") == set()


@pytest.mark.parametrize(
    "abstract, derived, base",
    [
        ("We evaluate Guanaco, which is fine-tuned from LLaMA, on open-domain dialogue.", "Guanaco", "LLaMA"),
        ("In our study, Vicuna is fine-tuned from LLaMA with QLoRA for dialogue.", "Vicuna", "LLaMA"),
        ("We propose BarDoc, fine-tuned on top of Mistral 7B, for report generation.", "BarDoc", "Mistral 7B"),
        ("We fine-tune LLaMA-2 on triage notes to obtain BazMed, a medical assistant.", "BazMed", "LLaMA-2"),
        ("We train FooChat, which is fine-tuned from Qwen2 with QLoRA, for clinical dialogue.", "FooChat", "Qwen2"),
    ],
)
def test_lineage_said_outright_is_read(abstract, derived, base):
    rec = record(abstract)
    assert (derived, "fine_tuned_from", base) in triples(rec)
    assert (base, "fine_tuned_from", derived) not in triples(rec)


def test_a_model_fine_tuned_from_another_is_not_a_kind_of_fine_tuning():
    rec = record("We introduce FooMed, a clinical assistant. FooMed is fine-tuned from Mistral 7B on clinical notes.")
    assert ("FooMed", "fine_tuned_from", "Mistral 7B") in triples(rec)
    assert ("FooMed", "variant_of", "fine-tuning") not in triples(rec)


# --- comparisons ----------------------------------------------------------------------------------


def test_a_method_does_not_beat_the_model_it_is_applied_to():
    rec = record("We apply LoRA to GPT-2 and RoBERTa. LoRA outperforms GPT-2 on the E2E benchmark.")
    assert ("GPT-2", "uses_method", "LoRA") in triples(rec)
    assert ("LoRA", "outperforms", "GPT-2") not in triples(rec)


def test_what_a_method_uses_is_not_its_loser_unless_the_sentence_compares_them():
    # "exceeds a budget by utilizing LoRA": LoRA is the means, nothing is compared with it
    rec = record(
        "We propose FooPT, which plugs into existing tuners. Our FooPT first identifies sensitive weights, "
        "whose count exceeds a preset budget by utilizing structured tuning methods, e.g., LoRA or adapters."
    )
    assert triples(rec, "outperforms") == set()
    # "uses LoRA to outperform X": the user wins, not the means
    rec = record("We propose FooPT. FooPT uses LoRA to outperform full fine-tuning on VTAB-1k.")
    assert triples(rec, "outperforms") == {("FooPT", "outperforms", "full fine-tuning")}
    # a method built on LoRA may still beat plain LoRA, when the sentence says so
    rec = record("We propose FooPT, built upon LoRA. FooPT outperforms LoRA by 2.1% on VTAB-1k.")
    assert ("FooPT", "outperforms", "LoRA") in triples(rec)


def test_outperforms_holds_only_between_comparable_things():
    types = {"FooNet": "Model", "LoRA": "Method", "BarQA": "Dataset", "triage": "Task"}
    rels = [
        R.relation("FooNet", "outperforms", "LoRA", "", 0.6),  # model vs method: the guideline allows it
        R.relation("FooNet", "outperforms", "BarQA", "", 0.6),
        R.relation("BarQA", "outperforms", "FooNet", "", 0.4),
        R.relation("LoRA", "outperforms", "triage", "", 0.6),
    ]
    kept = R.consistent(rels, types)
    assert {(r["subject"], r["object"]) for r in kept} == {("FooNet", "LoRA")}


def test_of_two_opposite_outperforms_the_surer_stays():
    types = dict.fromkeys(["A", "B", "C", "D"], "Model")
    rels = [
        R.relation("A", "outperforms", "B", "", 0.6),
        R.relation("B", "outperforms", "A", "", 0.55),
        R.relation("C", "outperforms", "D", "", 0.6),
        R.relation("D", "outperforms", "C", "", 0.6),
    ]
    assert {(r["subject"], r["object"]) for r in R.consistent(rels, types)} == {("A", "B")}


# --- results -------------------------------------------------------------------------------------


def test_a_score_goes_to_the_benchmark_not_the_training_set():
    rec = record("Our model is trained on MetaMathQA and then reaches 66.5% accuracy on GSM8K.")
    assert results(rec) == {("@paper", "GSM8K", "accuracy", 66.5, "%")}
    # named as what was trained on, a dataset is no default test bed where the paper names a benchmark
    rec = record(
        "We instruction-tune Mistral 7B on the MetaMathQA dataset. Our model then reaches 66.5% accuracy. "
        "We test it on GSM8K."
    )
    assert {r["dataset"] for r in rec["results"]} == {"GSM8K"}
    rec = record("Trained on MetaMathQA, our tutor reaches 41.2% accuracy on GSM8K and 12.5% on MATH.")
    assert "MetaMathQA" not in {r["dataset"] for r in rec["results"]}


def test_a_dataset_fine_tuned_on_and_tested_on_keeps_its_scores():
    # the same benchmark's training split, then its test split: still the benchmark
    rec = record(
        "On the GSM8K benchmark, we compare adapters. Fine-tuning Mistral 7B on GSM8K, FooLoRA attains "
        "an accuracy of 71.5%."
    )
    assert ("FooLoRA", "GSM8K", "accuracy", 71.5, "%") in results(rec)
    # a paper's one benchmark, fine-tuned on and then tested on
    rec = record("We fine-tune our tutor on ScienceQA. When fine-tuned on ScienceQA, it reaches an accuracy of 90.2%.")
    assert {r["dataset"] for r in rec["results"]} == {"ScienceQA"}


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Our estimator achieves a mean absolute error of 9.25 mmHg on the test cohort.", [(9.25, None)]),
        (
            "The tuned model reaches a mean absolute error of 4.1 mmHg and an accuracy of 88.4%.",
            [(4.1, None), (88.4, "%")],
        ),
        ("Our network achieves a Dice of 85.2 ± 1.3 on BraTS.", [(85.2, None)]),
        ("Our network achieves a Dice of 85.2% ± 1.3% on BraTS.", [(85.2, "%")]),
        ("Our network achieves a Dice score of 85.2±1.3 on BraTS.", [(85.2, None)]),
        ("FooSeg reaches a Dice of 0.852 (± 0.013) on BraTS.", [(0.852, None)]),
    ],
)
def test_units_and_deviations_keep_the_number_as_printed(sentence, expected):
    # the schema's unit is "%" or null: another unit leaves it null, but the value is the printed number,
    # and the deviation after "±" is neither a result of its own nor the value
    rec = record(sentence)
    assert sorted((r["value"], r["unit"]) for r in rec["results"]) == sorted(expected)
    assert all(r["value"] != 0 for r in rec["results"])


def test_sentence_results_read_a_deviation_as_part_of_its_number():
    found = sentence_results("It reaches an AUC of 0.91 ± 0.02 and 0.88 ± 0.03.", [], VOCAB, "@paper")
    assert sorted(r["value"] for r in found) == [0.88, 0.91]


# --- junk entities --------------------------------------------------------------------------------


def test_class_plurals_and_venues_are_no_entities():
    rec = record(
        "Medical vision-language models (Med-VLMs) and Bio-LLMs are popular, as are TSFMs. "
        "We propose FooVLM, accepted at MICCAI 2024, and compare it with several Med-LVLMs."
    )
    names = {name for name, _ in entities(rec)}
    assert names.isdisjoint({"Med-VLMs", "Bio-LLMs", "TSFMs", "Med-LVLMs", "Med-LVLM", "MICCAI"})
    assert ("FooVLM", "Model") in entities(rec)


@pytest.mark.parametrize("acronym", ["SD-Trans", "CM-Trans"])
def test_an_acronym_ending_in_s_keeps_its_s(acronym):
    rec = record("We propose a Shift-Dilated Transform (SD-Trans) and a Cross-Modal Trans (CM-Trans) block.")
    names = {name for name, _ in entities(rec)}
    assert acronym in names and acronym[:-1] not in names


def test_adam_stays_adam():
    rec = record("We optimise FooNet with Adam [12] and a cosine schedule; Adam is also used for the baselines.")
    assert ("Adam", "Method") in entities(rec)
    assert "AdamW" not in {name for name, _ in entities(rec)}


def test_a_model_name_before_benchmark_names_the_data_not_the_model():
    rec = record("Our chatbot wins most head-to-head comparisons on the Vicuna benchmark.")
    assert ("Vicuna", "Model") not in entities(rec)
    assert ("Vicuna Bench", "Dataset") in entities(rec)
    rec = record("We score FooChat on the Koala test set and on the Alpaca evaluation set.")
    assert {("Koala", "Model"), ("Alpaca", "Model")}.isdisjoint(entities(rec))


def test_context_is_not_read_as_data():
    # "protein" inside a background task ("from chess to protein-folding") is not the paper's modality
    rec = record(
        "AI systems have mastered challenges from chess to protein-folding. "
        "We propose FooAgent for radiology report generation."
    )
    assert ("protein", "Modality") not in entities(rec)
    rec = record("We propose FooFold, a model that reads protein sequences and predicts their structure.")
    assert ("protein", "Modality") in entities(rec)


# --- releases -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "abstract, released",
    [
        ("We release SA-1B, the largest segmentation dataset to date.", "SA-1B"),
        ("We also curate SA-Med2D-20M from public scans.", "SA-Med2D-20M"),
        ("Here we present PMC-15M, a dataset of figure-caption pairs, and train FooCLIP on it.", "PMC-15M"),
        ("We collect QuxSet, a dataset of 20K annotated dermoscopy images.", "QuxSet"),
        ("We study triage and compile ZapCorpus, a corpus of one million clinical notes.", "ZapCorpus"),
        ("We gather ZorbQA, a benchmark of 3,000 clinical questions, and evaluate GPT-4 on it.", "ZorbQA"),
    ],
)
def test_datasets_the_authors_release_are_proposed(abstract, released):
    rec = record(abstract)
    assert ("@paper", "proposes", released) in triples(rec)
    assert (released, "Dataset") in entities(rec)


def test_a_source_the_authors_collect_from_is_not_proposed():
    rec = record("We collect data from PubMed and MIMIC-III to train FooNet.")
    assert triples(rec, "proposes") == set()


# --- graph-wide shapes ----------------------------------------------------------------------------

RES = Namespace("https://w3id.org/kg-ml/resource/")
KGO = Namespace("https://w3id.org/kg-ml/ontology#")


@pytest.fixture
def graph() -> Graph:
    g = Graph()
    for path, kind, label in [
        ("model/sam", KGO.Model, "SAM"),
        ("model/medsam", KGO.Model, "MedSAM"),
        ("model/foosam", KGO.Model, "FooSAM"),
        ("method/lora", KGO.Method, "LoRA"),
        ("dataset/isic", KGO.Dataset, "ISIC"),
    ]:
        node = RES[path]
        g.add((node, RDF.type, kind))
        g.add((node, RDFS.label, Literal(label)))
        g.add((node, SKOS.prefLabel, Literal(label)))
        g.add((node, KGO.matchKey, Literal(label.lower())))
    g.add((RES["model/medsam"], KGO.fineTunedFrom, RES["model/sam"]))
    g.add((RES["model/foosam"], KGO.fineTunedFrom, RES["model/medsam"]))
    g.add((RES["model/foosam"], KGO.outperforms, RES["model/sam"]))
    return g


def violations(g: Graph) -> set:
    from kg.validate import validate

    report = validate(g)
    return {(v.focus, v.value) for v in report.violations if v.severity == "Violation"}


def test_the_planted_graph_conforms(graph):
    assert violations(graph) == set()


def test_a_fine_tuned_from_cycle_is_a_violation(graph):
    graph.add((RES["model/sam"], KGO.fineTunedFrom, RES["model/foosam"]))  # sam -> foosam -> medsam -> sam
    assert violations(graph) == {(KGO.fineTunedFrom, RES[f"model/{m}"]) for m in ("sam", "medsam", "foosam")}


def test_a_model_fine_tuned_from_itself_is_a_violation(graph):
    graph.add((RES["model/sam"], KGO.fineTunedFrom, RES["model/sam"]))
    assert (KGO.fineTunedFrom, RES["model/sam"]) in violations(graph)


def test_fine_tuned_from_a_method_is_a_violation(graph):
    # already one of kgs:FineTunedFromShape: both ends must be kgo:Model
    graph.add((RES["model/sam"], KGO.fineTunedFrom, RES["method/lora"]))
    assert violations(graph) == {(RES["model/sam"], RES["method/lora"])}


def test_outperforming_itself_is_a_violation(graph):
    graph.add((RES["method/lora"], KGO.outperforms, RES["method/lora"]))
    assert violations(graph) == {(KGO.outperforms, RES["method/lora"])}


def test_outperforming_something_not_comparable_is_a_violation(graph):
    # already one of kgs:OutperformsShape: a model or method outperforms a model or method only
    graph.add((RES["model/foosam"], KGO.outperforms, RES["dataset/isic"]))
    assert violations(graph) == {(RES["model/foosam"], RES["dataset/isic"])}
