"""The extractor on small abstracts written for these tests, plus floors on the dev and held-out gold."""

import json
import time
from pathlib import Path

import pytest

from kg.extract import extract
from kg.records import Paper
from kg.vocab import load_vocabulary

VOCAB = {
    "models.yaml": "models:\n  - name: Gemma\n  - name: SAM\n    aliases: [Segment Anything Model]\n"
    "  - name: Mistral\n",
    "methods.yaml": "methods:\n  - name: LoRA\n    aliases: [Low-Rank Adaptation]\n    broader: PEFT\n"
    "  - name: prefix tuning\n    broader: PEFT\n"
    "  - name: PEFT\n    aliases: [parameter-efficient fine-tuning]\n  - name: fine-tuning\n"
    "  - name: task arithmetic\n",
    "datasets.yaml": "datasets:\n  - name: MedQA\n  - name: PubMedQA\n  - name: AlpacaEval\n    metric: win rate\n",
    "tasks.yaml": "tasks:\n  - name: image segmentation\n    aliases: [segmentation, medical image segmentation]\n"
    "  - name: question answering\n  - name: image classification\n  - name: classification\n",
    "modalities.yaml": "modalities:\n  - name: CT\n    aliases: [computed tomography]\n  - name: image\n",
    "domains.yaml": "domains:\n  - name: medical\n  - name: pathology\n",
    "metrics.yaml": "metrics:\n  - name: accuracy\n  - name: win rate\n  - name: dice\n    aliases: [Dice score]\n"
    "  - name: auc\n    aliases: [AUROC]\n  - name: precision@k\n    aliases: [P@1, P@10]\n"
    "  - name: hota\n  - name: wer\n    aliases: [word error rates]\n"
    "  - name: inception score\n    aliases: [IS]\n  - name: average precision\n    aliases: [AP]\n",
    "stoplist.yaml": "generic:\n  - large language models\n  - LLMs\n",
}


@pytest.fixture(scope="module")
def vocab(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vocab")
    for name, text in VOCAB.items():
        (folder / name).write_text(text, encoding="utf-8")
    return load_vocabulary(folder)


def run(vocab, title, abstract):
    return extract(Paper(id="t1", title=title, abstract=abstract), vocab)


def names(record, etype=None):
    return {e["name"] for e in record["entities"] if etype in (None, e["type"])}


def triples(record):
    return {(r["subject"], r["predicate"], r["object"]) for r in record["relations"]}


def test_proposal_typed_by_appositive(vocab):
    rec = run(
        vocab,
        "Robust tumour delineation",
        "We introduce KidneyBench, a new benchmark of 300 CT scans for medical image segmentation.",
    )
    assert ("KidneyBench", "Dataset") in {(e["name"], e["type"]) for e in rec["entities"]}
    assert ("@paper", "proposes", "KidneyBench") in triples(rec)


def test_title_proposal_and_known_relations(vocab):
    rec = run(
        vocab,
        "TumorLoRA: cheap adaptation of SAM for CT segmentation",
        "We fine-tune the Segment Anything Model with LoRA for medical image segmentation of computed tomography.",
    )
    assert ("@paper", "proposes", "TumorLoRA") in triples(rec)
    assert ("TumorLoRA", "applied_to", "image segmentation") in triples(rec)
    assert ("@paper", "in_domain", "medical") in triples(rec)
    assert {"SAM", "LoRA", "CT"} <= names(rec)


def test_acronym_expansion_is_one_entity(vocab):
    rec = run(vocab, "On sparse adapters", "We study Gated Sparse Adapter Tuning (GSAT) and compare GSAT to LoRA.")
    entity = next(e for e in rec["entities"] if e["name"] == "GSAT")
    assert entity["type"] == "Method"
    assert entity["aliases"] == ["Gated Sparse Adapter Tuning"]
    assert "Gated Sparse Adapter Tuning" not in names(rec)


def test_hyphenated_derivation_typed_by_known_part(vocab):
    rec = run(vocab, "Small models", "Med-Gemma-Lite answers questions better than Gemma.")
    assert ("Med-Gemma-Lite", "Model") in {(e["name"], e["type"]) for e in rec["entities"]}
    assert ("Med-Gemma-Lite", "outperforms", "Gemma") in triples(rec)


def test_results_and_relative_gains(vocab):
    rec = run(vocab, "QA study", "Our model reaches 71.3% accuracy on MedQA, improving by 4.2% over Gemma.")
    results = [(r["metric"], r["value"], r["unit"], r["dataset"]) for r in rec["results"]]
    assert results == [("accuracy", 71.3, "%", "MedQA")]


def test_metric_before_number(vocab):
    rec = run(vocab, "Seg study", "The network obtains a Dice score of 0.91 on the liver.")
    assert [(r["metric"], r["value"], r["unit"]) for r in rec["results"]] == [("dice", 0.91, None)]


def test_a_short_cased_metric_form_is_no_plain_word(vocab):
    # "IS" is the inception score and "AP" average precision; "is" and "ap" are words
    assert results_of(run(vocab, "QA study", "Its accuracy is 78% on MedQA.")) == [("@paper", "MedQA", "accuracy", 78)]
    assert results_of(run(vocab, "Gen study", "The generator reaches an IS of 9.1 and an AP of 41.2.")) == [
        ("@paper", None, "average precision", 41.2),
        ("@paper", None, "inception score", 9.1),
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "It shows gains of up to 2.7 accuracy points on MedQA.",  # a difference in points
        "FooNet beats Gemma, achieving 2.17%, 2.37%, and 2.39% accuracy gains on MedQA.",  # plural gains
        "On MedQA, FooNet raises performance (6% \u2191 Dice score) over Gemma.",  # an arrow
        "FooNet surpasses Gemma by an average score of 9.4% on MedQA.",  # "by ... of"
        "FooNet (1) learns the Dice score of each slice, (2) is tuned with LoRA.",  # an enumeration
    ],
)
def test_a_change_in_a_score_is_no_result(vocab, sentence):
    assert run(vocab, "A study", sentence)["results"] == []


def test_a_rate_in_frames_a_second_is_no_score(vocab):
    rec = run(vocab, "A study", "FooNet reaches 71.3% accuracy at 25 FPS on MedQA.")
    assert results_of(rec) == [("FooNet", "MedQA", "accuracy", 71.3)]


def test_generic_phrases_are_not_entities(vocab):
    rec = run(vocab, "A look at LLMs", "Large language models (LLMs) are widely used.")
    assert rec["entities"] == []


def test_deterministic_and_serialisable(vocab):
    paper = ("FooNet: x", "We propose FooNet, a model using LoRA and PEFT on MedQA with 80% accuracy.")
    first = json.dumps(run(vocab, *paper), sort_keys=True)
    assert first == json.dumps(run(vocab, *paper), sort_keys=True)
    assert ("LoRA", "variant_of", "PEFT") in triples(run(vocab, *paper))


def results_of(record):
    return sorted(((r["subject"], r["dataset"], r["metric"], r["value"]) for r in record["results"]), key=str)


def test_results_pairs_in_order_and_versus(vocab):
    rec = run(
        vocab,
        "QA study",
        "We present KiwiLM, a medical model. KiwiLM achieves 81.7% and 74.2% accuracy "
        "on MedQA and PubMedQA, surpassing Gemma (70.1% vs. 66.0%).",
    )
    assert ("KiwiLM", "MedQA", "accuracy", 81.7) in results_of(rec)
    assert ("KiwiLM", "PubMedQA", "accuracy", 74.2) in results_of(rec)
    assert ("Gemma", None, "accuracy", 66.0) in results_of(rec)


def test_result_metric_forms_and_default_subject(vocab):
    rec = run(
        vocab,
        "Seg",
        "We study tumour delineation. The approach reaches a Dice of 0.85 and AUC 0.91, "
        "an improvement of 3.2% over prior work.",
    )
    assert results_of(rec) == [("@paper", None, "auc", 0.91), ("@paper", None, "dice", 0.85)]


def test_scores_of_compared_models(vocab):
    rec = run(
        vocab,
        "QA study",
        "We present KiwiLM, a medical model. On MedQA, KiwiLM attains an accuracy of 71.2%, "
        "surpassing LoRA's 65.0% by 6.2%, and Gemma at 60.1%.",
    )
    assert results_of(rec) == [
        ("Gemma", "MedQA", "accuracy", 60.1),
        ("KiwiLM", "MedQA", "accuracy", 71.2),
        ("LoRA", "MedQA", "accuracy", 65.0),
    ]


def test_bare_percentages_on_benchmarks_with_comparisons(vocab):
    rec = run(
        vocab,
        "QA study",
        "We present KiwiLM, a medical model. KiwiLM surpasses Gemma on all benchmarks, "
        "including 64.3% on MedQA (compared to 58.5% for Mistral) and 77.9% on PubMedQA (compared to 60.2%).",
    )
    assert results_of(rec) == [
        ("Gemma", "PubMedQA", "accuracy", 60.2),
        ("KiwiLM", "MedQA", "accuracy", 64.3),
        ("KiwiLM", "PubMedQA", "accuracy", 77.9),
        ("Mistral", "MedQA", "accuracy", 58.5),
    ]


def test_deviations_cutoffs_and_gaps_between_pairs(vocab):
    rec = run(
        vocab,
        "Seg",
        "We study tumour delineation. The network reaches a Dice of 0.91 \\pm 0.02 mm and "
        "0.88 ± 0.03 on MedQA and PubMedQA, respectively, and P@10 of 0.8. "
        "It gains 2.5% (90.7% vs. 88.2%) in accuracy over Gemma.",
    )
    found = results_of(rec)
    assert ("@paper", "MedQA", "dice", 0.91) in found and ("@paper", "PubMedQA", "dice", 0.88) in found
    assert ("@paper", None, "precision@10", 0.8) in found
    values = {value for *_, value in found}
    assert 90.7 in values and 88.2 in values
    assert not values & {0.02, 0.03, 2.5}


def test_a_list_of_scores_takes_the_metric_named_after_it(vocab):
    rec = run(
        vocab,
        "Tracking",
        "We propose KiwiTrack. KiwiTrack reaches 61.2 and 62.5 HOTA on MedQA and PubMedQA, respectively. "
        "It reaches word error rates of 3.3%/6.4% on the clean and noisy test sets of MedQA. "
        "It is 0.7% and 1.9% accuracy better than Gemma, with a penalty of 0.2 mean accuracy on PubMedQA.",
    )
    found = results_of(rec)
    assert ("KiwiTrack", "MedQA", "hota", 61.2) in found and ("KiwiTrack", "PubMedQA", "hota", 62.5) in found
    assert ("KiwiTrack", "MedQA", "wer", 3.3) in found and ("KiwiTrack", "MedQA", "wer", 6.4) in found
    # differences are not scores, for every number of the list
    assert not {value for *_, value in found} & {0.7, 1.9, 0.2}


def test_fine_tuned_from_cues(vocab):
    rec = run(
        vocab,
        "Clinical assistants",
        "We introduce MedKiwi, a Gemma-based assistant for question answering. "
        "We also release KiwiChat, fine-tuned from Mistral and Gemma.",
    )
    assert {
        ("MedKiwi", "fine_tuned_from", "Gemma"),
        ("KiwiChat", "fine_tuned_from", "Mistral"),
        ("KiwiChat", "fine_tuned_from", "Gemma"),
    } <= triples(rec)


def test_more_base_model_cues(vocab):
    rec = run(
        vocab,
        "Segmentation",
        "We propose SegKiwi, built upon the large-scale segmentation model, SAM. "
        "We also introduce ChatKiwi, an assistant using Mistral as its foundation model.",
    )
    assert {("SegKiwi", "fine_tuned_from", "SAM"), ("ChatKiwi", "fine_tuned_from", "Mistral")} <= triples(rec)
    rec = run(vocab, "KiwiVL: a medical assistant", "Based on Gemma, we continue pre-training on medical data.")
    assert ("KiwiVL", "fine_tuned_from", "Gemma") in triples(rec)


def test_variants_named_after_their_parent(vocab):
    rec = run(vocab, "Models", "We study a domain-specific version of Mistral (KiwiT5) on MedQA.")
    assert ("KiwiT5", "variant_of", "Mistral") in triples(rec)


def test_outperforms_skips_means_and_classes(vocab):
    rec = run(
        vocab, "FooTune: tuning", "We propose FooTune. FooTune outperforms PEFT (LoRA) by fine-tuning few weights."
    )
    assert ("FooTune", "outperforms", "LoRA") in triples(rec)
    assert not {("FooTune", "outperforms", "PEFT"), ("FooTune", "outperforms", "fine-tuning")} & triples(rec)


def test_methods_of_rivals_and_training_sets(vocab):
    rec = run(
        vocab,
        "KiwiSet: instructions",
        "We release KiwiSet, an instruction dataset of 5,000 dialogues. "
        "Our model trained on it surpasses models that leveraged costly fine-tuning.",
    )
    assert ("@paper", "uses_method", "fine-tuning") not in triples(rec)
    assert ("@paper", "evaluated_on", "KiwiSet") not in triples(rec)


def test_coordinated_proposals_and_compared_first(vocab):
    rec = run(
        vocab,
        "Benchmarks",
        "We release FooQA and BarQA, two new benchmarks. "
        "Compared to Gemma, our model achieves superior accuracy on FooQA.",
    )
    assert {("@paper", "proposes", "FooQA"), ("@paper", "proposes", "BarQA")} <= triples(rec)
    assert ("FooQA", "Dataset") in {(e["name"], e["type"]) for e in rec["entities"]}


def test_task_phrases_and_narrow_domains(vocab):
    rec = run(vocab, "Imaging", "We study CT classification and readmission prediction in medical pathology practice.")
    assert {"image classification", "readmission prediction"} <= names(rec, "Task")
    assert names(rec, "Domain") == {"medical"}


def test_background_sentence_gives_no_paper_methods(vocab):
    rec = run(
        vocab, "A look at adapters", "Prior studies fine-tune models with LoRA. We instead study PEFT for segmentation."
    )
    assert ("@paper", "uses_method", "LoRA") not in triples(rec)
    assert ("@paper", "uses_method", "PEFT") in triples(rec)


def _seconds(vocab, abstract, tries=3):
    """The best of a few timings (a busy machine only ever adds time)."""
    best = float("inf")
    for _ in range(tries):
        start = time.perf_counter()
        run(vocab, "T", abstract)
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "(" * n + ")" * n,
        lambda n: "Low-Rank " * n,
        lambda n: "a1 " * n,
        lambda n: "12.5% vs. " * n,
        lambda n: "We propose FooNet, " * n,
        lambda n: "Gemma reaches a Dice of 0.91 (72.6% vs. 70.1%) on MedQA, " * n,
        lambda n: "We propose FooNet, a LoRA variant. " * n,
    ],
    ids=["parens", "words", "tokens", "versus", "proposals", "results", "sentences"],
)
def test_pathological_input_finishes(vocab, make):
    # the work must grow linearly: 4x the input may take about 4x the time, never the 16x
    # of a quadratic step. The small size is grown until it takes long enough to time.
    n = 250
    small = _seconds(vocab, make(n))
    while small < 0.1 and n < 64_000:
        n *= 2
        small = _seconds(vocab, make(n))
    large = _seconds(vocab, make(4 * n))
    assert large < 10.0
    assert large / small < 8.0, (n, small, large)


def test_models_a_proposed_technique_is_applied_to_use_it(vocab):
    rec = run(
        vocab,
        "Cheap tuning",
        "We propose FooTune, a PEFT method. FooTune performs better than LoRA in quality on Gemma and Mistral.",
    )
    assert {("Gemma", "uses_method", "FooTune"), ("Mistral", "uses_method", "FooTune")} <= triples(rec)
    # the test beds after "on" are not what FooTune beats; LoRA is
    assert ("FooTune", "outperforms", "LoRA") in triples(rec)
    assert ("FooTune", "outperforms", "Gemma") not in triples(rec)


def test_compared_models_do_not_use_the_proposal(vocab):
    rec = run(
        vocab,
        "Cheap tuning",
        "We propose FooTune, a PEFT method. FooTune outperforms strong models such as Gemma and Mistral.",
    )
    assert ("Gemma", "uses_method", "FooTune") not in triples(rec)
    assert ("FooTune", "outperforms", "Gemma") in triples(rec)


@pytest.mark.parametrize(
    "title, proposed",
    [
        ("Prefix-Tuning: Optimizing Continuous Prompts for Generation", True),
        ("Prefix-Tuning: A Survey of Continuous Prompts", False),
    ],
)
def test_title_naming_a_known_technique_proposes_it(vocab, title, proposed):
    rec = run(vocab, title, "Fine-tuning is the standard way to adapt models to tasks.")
    assert (("@paper", "proposes", "prefix tuning") in triples(rec)) is proposed


def test_title_with_comma_subtitle_proposes_its_head(vocab):
    rec = run(
        vocab,
        "FooGPT-Vision, Towards Medical Visual Knowledge at Scale",
        "We train a medical model FooGPT-Vision on image-text pairs.",
    )
    assert ("@paper", "proposes", "FooGPT-Vision") in triples(rec)


@pytest.mark.parametrize(
    "sentence, dataset",
    [
        (
            "To achieve this, we gather and process a large-scale CT dataset, FooSet-140K, from public sources.",
            "FooSet-140K",
        ),
        (
            "We refine image-text pairs, resulting in the creation of the FooVision dataset with 1M samples.",
            "FooVision",
        ),
        ("We also fine-tune it on our long instruction-following FooAlpaca dataset.", "FooAlpaca"),
    ],
)
def test_datasets_the_authors_make_are_proposed(vocab, sentence, dataset):
    rec = run(vocab, "A study", sentence)
    assert ("@paper", "proposes", dataset) in triples(rec)
    assert (dataset, "Dataset") in {(e["name"], e["type"]) for e in rec["entities"]}


def test_a_dataset_the_authors_use_is_not_proposed(vocab):
    rec = run(vocab, "A study", "We build a model and evaluate it on the KvasirFoo dataset.")
    assert ("@paper", "proposes", "KvasirFoo") not in triples(rec)


def test_the_base_model_does_not_take_the_score(vocab):
    rec = run(
        vocab,
        "FooPO: preference optimisation",
        "We propose FooPO, a new alignment method. Our top model, built on Gemma, achieves a 72.4% accuracy on MedQA.",
    )
    assert [(r["subject"], r["value"]) for r in rec["results"]] == [("FooPO", 72.4)]


def test_a_bare_score_takes_the_benchmarks_headline_metric(vocab):
    rec = run(
        vocab,
        "FooPO: preference optimisation",
        "We propose FooPO, a new alignment method. Training Gemma with FooPO surpasses models including "
        "Mistral: achieving up to 12.2% on AlpacaEval and 71.0% on MedQA.",
    )
    assert {(r["subject"], r["metric"], r["value"], r["dataset"]) for r in rec["results"]} == {
        ("FooPO", "win rate", 12.2, "AlpacaEval"),
        ("FooPO", "accuracy", 71.0, "MedQA"),
    }


def _gold_report(name):
    evaluate = pytest.importorskip("kg.evaluate")
    gold = evaluate.load_records(Path(__file__).parent / "data" / name)
    vocab = load_vocabulary()
    preds = [extract(Paper(id=r["id"], title=r["title"], abstract=r["abstract"]), vocab) for r in gold]
    return evaluate.score(preds, gold)


# floors: just below the scores reached when last tuned (the held-out results, only 13 of
# them, allow about two errors)
@pytest.mark.parametrize(
    "name, entities, relations, results",
    [
        ("dev_gold.jsonl", 0.85, 0.70, 0.79),
        # papers outside the example corpus: the rules must generalise
        ("heldout.jsonl", 0.88, 0.70, 0.90),
        # annotated from the guideline alone; the first blind set's errors were read once it was scored
        ("heldout_blind.jsonl", 0.88, 0.60, 0.45),
        # scored once, unseen, before it joined the tests: the honest check (only 11 results in it)
        ("heldout_blind2.jsonl", 0.84, 0.59, 0.33),
        # 245 abstracts from across ML (vision, NLP, speech, RL, graphs, science, efficient ML), annotated
        # from the guideline alone; the vocabulary was written without them
        ("field_gold.jsonl", 0.70, 0.50, 0.35),
        # 64 more, set aside by a hash of their titles and scored once per extractor version
        # (1.5.0: 0.735, 0.556, 0.098)
        ("field_blind.jsonl", 0.72, 0.55, 0.09),
    ],
)
def test_gold_floor(name, entities, relations, results):
    report = _gold_report(name)
    assert report.entities.f1 >= entities
    assert report.relations.f1 >= relations
    assert report.results.f1 >= results


def test_a_proposal_dropped_as_background_leaves_a_record():
    # The vocabulary's MIMIC-III inside a coined name, dropped later: the extractor once raised KeyError.
    record = run(
        load_vocabulary(),
        "MIMIC-III summaries: a benchmark",
        "In this paper we present MIMIC-III summaries, a benchmark of clinical notes. "
        "We evaluate GPT-4 on MIMIC-III summaries and reach 81.2% accuracy.",
    )
    names = {e["name"] for e in record["entities"]}
    assert "GPT-4" in names
    assert all(r["subject"] in names | {"@paper"} and r["object"] in names for r in record["relations"])


def test_generic_plurals_and_venues_are_not_entities_and_adam_stays_adam():
    # classes a newcomer saw as junk entities: a class of models under its acronym, a venue read as a method
    vocab = load_vocabulary()
    record = extract(
        Paper(
            "p1",
            "T",
            "Foundation models (FMs) and masked language models (MLMs) were presented at MICCAI and NeurIPS. "
            "We train with Adam.",
        ),
        vocab,
    )
    assert {(e["name"], e["type"]) for e in record["entities"] if e["type"] != "Modality"} == {("Adam", "Method")}


def test_the_shipped_vocabulary_keeps_the_two_biomedgpts_apart():
    vocab = load_vocabulary()
    assert vocab.lookup("BiomedGPT") == ("BiomedGPT", "Model")
    assert vocab.lookup("BioMedGPT-10B") == vocab.lookup("BioMedGPT") == ("BioMedGPT", "Model")


@pytest.mark.parametrize(
    "abstract, proposed",
    [
        # the authors' verb after another of theirs ("We analyse ... and propose")
        ("We analyse the lesion scale and propose a large-size feature pyramid network (LFPN) for detection.", "LFPN"),
        # a naming word: "namely"
        ("We propose a pruning method, namely structurally-aware adaptive pruning (SAAP), for LLMs.", "SAAP"),
        # passive: "a novel ... (FGNN) is proposed"
        ("Based on this graph, a novel Full Graph Neural Network (FGNN) is proposed to learn dependencies.", "FGNN"),
        # "our ... (TWM)"
        ("Our transformer-based world model (TWM) generates new experience for the policy.", "TWM"),
        # "This research proposes"
        ("This research proposes a Prompt-driven Adaptive Token (PrATo) pruning method for segmentation.", "PrATo"),
    ],
)
def test_an_acronym_the_authors_define_is_proposed(vocab, abstract, proposed):
    rec = run(vocab, "A study", abstract)
    assert ("@paper", "proposes", proposed) in triples(rec)


def test_a_defined_name_not_the_known_name_inside_it_is_proposed(vocab):
    rec = run(vocab, "A study", "We propose LoRA with Group Relative Scaling (LGRS), a simple variant.")
    assert ("@paper", "proposes", "LGRS") in triples(rec)
    assert ("@paper", "proposes", "LoRA") not in triples(rec)


@pytest.mark.parametrize(
    "abstract",
    [
        "We propose a method for medical image segmentation (MIS) in CT.",
        "Our evaluation on the Kidney Tumour Corpus (KTC) shows gains.",
        "Prior work introduced Sparse Mixture Routing (SMR) for experts.",
    ],
)
def test_an_acronym_the_authors_use_is_not_proposed(vocab, abstract):
    rec = run(vocab, "A study", abstract)
    assert not [r for r in rec["relations"] if r["predicate"] == "proposes"]


def test_a_score_in_brackets_after_a_dataset_is_on_that_dataset(vocab):
    rec = run(
        vocab,
        "A study",
        "Mistral achieves new state of the art on MedQA (50.28% accuracy), PubMedQA (55.83% accuracy) and "
        "competitive results on AlpacaEval.",
    )
    found = {(r["dataset"], r["value"]) for r in rec["results"]}
    assert found == {("MedQA", 50.28), ("PubMedQA", 55.83)}


def test_a_score_with_its_metric_after_with_is_a_score_and_a_margin_is_not(vocab):
    rec = run(vocab, "A study", "Mistral ranks first on MedQA with 63.9 HOTA.")
    assert [(r["subject"], r["metric"], r["value"]) for r in rec["results"]] == [("Mistral", "hota", 63.9)]
    rec = run(vocab, "A study", "Mistral improves the baseline with 2.5 HOTA.")
    assert rec["results"] == []


def test_from_a_to_b_gives_the_base_its_first_score_and_the_method_the_second(vocab):
    rec = run(
        vocab,
        "KiwiTune: a test",
        "We propose KiwiTune. KiwiTune raises accuracy for Gemma-7B from 41.2% to 63.5% on MedQA, "
        "and from 10.1% to 14.3% on PubMedQA.",
    )
    assert results_of(rec) == sorted(
        [
            ("Gemma", "MedQA", "accuracy", 41.2),
            ("KiwiTune", "MedQA", "accuracy", 63.5),
            ("Gemma", "PubMedQA", "accuracy", 10.1),
            ("KiwiTune", "PubMedQA", "accuracy", 14.3),
        ],
        key=str,
    )
    # with no model before "from", the first number is no one's score
    rec = run(vocab, "A study", "Our method raises accuracy from 41.2% to 63.5% on MedQA.")
    assert [(r["subject"], r["value"]) for r in rec["results"]] == [("@paper", 63.5)]


def test_a_score_on_a_few_shot_benchmark_or_in_one_that_lists_its_metric(vocab):
    rec = run(vocab, "A study", "Gemma achieves 75.2% on five-shot MedQA and 7.3 in AlpacaEval.")
    assert results_of(rec) == [("Gemma", "AlpacaEval", "win rate", 7.3), ("Gemma", "MedQA", "accuracy", 75.2)]
    # "in" names no word that is no benchmark, and a bare number in a benchmark without a listed
    # metric is no score
    rec = run(vocab, "A study", "Gemma achieves 75.2% in Table 2. Gemma achieves 7.3 in MedQA.")
    assert results_of(rec) == [("Gemma", "MedQA", "accuracy", 75.2)]  # the paper's benchmark, not "Table"


def test_a_list_of_scores_for_a_metric_and_on_coined_benchmarks(vocab):
    rec = run(vocab, "A study", "On MedQA, the results of Gemma are 0.91, 0.88 and 0.85 for Dice score.")
    assert results_of(rec) == [("Gemma", "MedQA", "dice", v) for v in (0.85, 0.88, 0.91)]
    rec = run(
        vocab, "A study", "Gemma reaches 44.9%, 38.4% and 40.7% accuracy on KiwiQA, PearQA-2 and MedQA, respectively."
    )
    assert results_of(rec) == [
        ("Gemma", "KiwiQA", "accuracy", 44.9),
        ("Gemma", "MedQA", "accuracy", 40.7),
        ("Gemma", "PearQA-2", "accuracy", 38.4),
    ]
    # an increase in a metric is no score of it
    rec = run(vocab, "A study", "Gemma gains 2% to 5% for Dice score on MedQA.")
    assert rec["results"] == []


def test_a_title_case_method_scores_and_a_sentence_opening_technique_does_not(vocab):
    rec = run(vocab, "A study", "With Task Arithmetic achieving 45.8% accuracy on MedQA, merging works.")
    assert [r["subject"] for r in rec["results"]] == ["task arithmetic"]  # the vocabulary's name
    rec = run(vocab, "A study", "Fine-tuning achieves 45.8% accuracy on MedQA.")
    assert [r["subject"] for r in rec["results"]] == ["@paper"]


def test_a_thousands_count_glued_to_a_name_stays_in_it(vocab):
    rec = run(vocab, "A study", "We introduce SpotDiff10k, a curated dataset of image pairs.")
    assert ("@paper", "proposes", "SpotDiff10k") in triples(rec)


def test_coined_rivals_take_the_type_of_what_beats_them(vocab):
    rec = run(vocab, "FooNet", "We propose FooNet. FooNet outperforms BarGen-2 and QuxRet on MedQA with KiwiAdapt.")
    assert {("BarGen-2", "Model"), ("QuxRet", "Model")} <= {(e["name"], e["type"]) for e in rec["entities"]}
    assert {("FooNet", "outperforms", "BarGen-2"), ("FooNet", "outperforms", "QuxRet")} <= triples(rec)
    # what follows "on" or "with" is the setting of the comparison, not a rival
    assert "KiwiAdapt" not in names(rec)
    assert not {t for t in triples(rec) if t[1] == "outperforms" and t[2] in ("MedQA", "KiwiAdapt")}


def test_a_coined_measure_or_a_rivals_detail_is_no_rival(vocab):
    rec = run(
        vocab,
        "FooNet",
        "We propose FooNet. FooNet improves on the BarCliQ metric and outperforms QuxRet that needs ZedFP8 kernels.",
    )
    assert ("FooNet", "outperforms", "QuxRet") in triples(rec)
    assert not {"BarCliQ", "ZedFP8"} & names(rec)


@pytest.fixture(scope="module")
def shipped():
    """The vocabulary kg ships (these rules read the field's real names)."""
    return load_vocabulary()


def test_a_gap_in_a_measure_than_a_rival_is_a_win_and_no_score(shipped):
    rec = run(
        shipped,
        "FooNet",
        "We propose FooNet. FooNet shows 5.1 % higher mAP on COCO than BarDet-3, 3.7 % higher mAP than QuxDet "
        "and stronger performance than LLaMA-2.",
    )
    won = {t[2] for t in triples(rec) if t[:2] == ("FooNet", "outperforms")}
    assert won == {"BarDet-3", "QuxDet", "LLaMA-2"}
    # the next comparison's measure is no rival, and a gap over a rival is no rival's score
    assert "mAP" not in names(rec)
    assert not [r for r in rec["results"] if r["value"] in (5.1, 3.7)]


def test_compared_with_a_rival_a_reduction_is_a_win(shipped):
    rec = run(
        shipped,
        "FooSpeech",
        "We propose FooSpeech. Compared with HuBERT, FooSpeech achieves 13.7% relative WER reduction.",
    )
    assert ("FooSpeech", "outperforms", "HuBERT") in triples(rec)
    rec = run(shipped, "FooGen", "We propose FooGen. FooGen achieves an 18.6% FID reduction over direct fine-tuning.")
    assert ("FooGen", "outperforms", "fine-tuning") in triples(rec)


def test_test_beds_listed_settings_examples_and_release_dates_in_a_comparison(shipped):
    rec = run(
        shipped,
        "FooPrune",
        "We propose FooPrune. FooPrune outperforms BarPrune, achieving accuracy gains on LLaMA-7B, Vicuna-7B and "
        "Mistral 7B. FooPrune surpasses baselines under both fine-tuning and distillation setups. FooPrune aligns "
        "LLMs with specialised models (e.g., BioMedCLIP), achieving a gain over LoRA. FooPrune is the first to "
        "surpass GPT-4 Turbo (April 2024) and GPT-4o.",
    )
    won = {t[2] for t in triples(rec) if t[1] == "outperforms"}
    assert {"BarPrune", "LoRA", "GPT-4 Turbo", "GPT-4o"} <= won
    # models it was tested on, settings and an example are neither winners nor rivals
    assert not {"LLaMA", "Vicuna", "Mistral 7B", "fine-tuning", "knowledge distillation"} & won
    assert not [t for t in triples(rec) if t[1] == "outperforms" and t[0] == "BioMedCLIP"]


def test_a_list_of_test_beds_goes_on_past_a_size_outside_the_name(shipped):
    abstract = "We propose FooTune. We apply FooTune to LLaMA-7B, Vicuna-7B and Mistral 7B on FooQA."
    rec = run(shipped, "FooTune", abstract)
    beds = {t[0] for t in triples(rec) if t[1:] == ("uses_method", "FooTune")}
    assert {"LLaMA", "Vicuna", "Mistral 7B"} <= beds


@pytest.mark.parametrize(
    ("abstract", "sense"),
    [
        ("We prompt GPT-4 in a zero-shot setting on FooQA.", True),
        ("Zero-shot, few-shot and chain-of-thought prompts are compared for Llama 3.", True),
        ("Our language model works zero-shot.", True),
        # "zero-shot" qualifies a task or a claim, or the paper speaks of no prompt or language model
        ("ZetaNet is a convolutional network for zero-shot segmentation of FooScan images.", False),
        ("ZetaNet, a convolutional network, shows strong zero-shot performance on FooScan.", False),
        ("In zero-shot settings, ZetaNet, a convolutional network, matches supervised networks.", False),
        ("We prompt GPT-4 for few-shot view synthesis.", False),
    ],
)
def test_a_bare_zero_or_few_shot_is_prompting_only_in_that_sense(shipped, abstract, sense):
    rec = run(shipped, "A study", abstract)
    assert bool({"zero-shot prompting", "few-shot prompting"} & names(rec, "Method")) == sense


def test_names_given_as_examples_of_a_head_take_its_type(vocab):
    rec = run(
        vocab,
        "FooLM",
        "We present FooLM-7B. FooLM-7B performs well, outperforming comparative models such as ZedGo-1.3B and "
        "KiwiMo-1.1B. Strong LLMs like KiwiCorp's Gemma are costly.",
    )
    assert {"ZedGo", "KiwiMo"} <= names(rec, "Model")
    assert {("FooLM", "outperforms", "ZedGo"), ("FooLM", "outperforms", "KiwiMo")} <= triples(rec)
    assert "KiwiCorp" not in names(rec)  # an owner, not an example


@pytest.mark.parametrize(
    "sentence",
    [
        "Experiments show the superior performance of our FooNet to Gemma.",
        "We demonstrate the superiority of FooNet over Gemma.",
        "FooNet is superior to Gemma.",
        "FooNet achieves higher accuracy compared to Gemma.",
        "FooNet achieves a 2x speed-up compared to Gemma, Mistral and LoRA.",
    ],
)
def test_comparisons_whose_winner_comes_first(vocab, sentence):
    rec = run(vocab, "FooNet", "We propose FooNet, a new model. " + sentence)
    assert ("FooNet", "outperforms", "Gemma") in triples(rec)


def test_being_competitive_is_not_winning(vocab):
    rec = run(
        vocab, "FooNet", "We propose FooNet. FooNet outperforms Gemma on MedQA and is competitive compared to Mistral."
    )
    assert ("FooNet", "outperforms", "Gemma") in triples(rec)
    assert ("FooNet", "outperforms", "Mistral") not in triples(rec)


def test_a_winner_named_before_the_model_it_was_tested_on(vocab):
    rec = run(vocab, "FooQuant", "We propose FooQuant. FooQuant reaches 6.9 FID on Mistral, outperforming BarQuant-2.")
    assert ("FooQuant", "outperforms", "BarQuant-2") in triples(rec)
    assert ("Mistral", "outperforms", "BarQuant-2") not in triples(rec)


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("FooNet outperforms Mistral-1.1B.", "Mistral"),  # a decimal size is the known model's size
        ("FooNet outperforms Gemma-1.5-pro.", "Gemma-1.5-pro"),  # a release is a name of its own
    ],
)
def test_versioned_and_sized_names_are_read_whole(vocab, sentence, name):
    rec = run(vocab, "FooNet", "We propose FooNet. " + sentence)
    assert name in names(rec, "Model")
    assert ("FooNet", "outperforms", name) in triples(rec)


def test_the_parts_the_authors_build_are_methods_their_model_uses(vocab):
    rec = run(
        vocab,
        "FooTrack",
        "We propose FooTrack, a new model. A temporal embedding boosting module is introduced, and "
        "a Rectangular Self-Calibration Module refines the masks.",
    )
    parts = {"temporal embedding boosting module", "Rectangular Self-Calibration Module"}
    assert parts <= names(rec, "Method")
    assert {("FooTrack", "uses_method", part) for part in parts} <= triples(rec)


@pytest.mark.parametrize(
    "sentence",
    [
        "It adds a linear layer.",  # one word is a kind of part, not a coined one
        "It keeps a frozen image encoder.",  # someone else's part
        "It adds a BERT-based text encoder.",  # mixed case: no name of a part
    ],
)
def test_a_kind_of_part_is_no_coined_method(vocab, sentence):
    rec = run(vocab, "FooTrack", "We propose FooTrack, a new model. " + sentence)
    assert not names(rec, "Method") - {"FooTrack"}
