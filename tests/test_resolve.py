"""Resolving names across papers: rules, vocabulary, forced merges/splits, embeddings."""

import pytest

from kg.embed import Embedder
from kg.errors import KgError
from kg.resolve import Overrides, resolve
from kg.vocab import Entry, Vocabulary


def paper(pid, *entities):
    return {"id": pid, "entities": [dict(e) for e in entities]}


def test_spelling_variants_and_aliases_become_one_node():
    records = [
        paper(
            "p1",
            {"name": "LLaMA-2", "type": "Model"},
            {"name": "LoRA", "type": "Method", "aliases": ["Low-Rank Adaptation"]},
        ),
        paper("p2", {"name": "Llama 2", "type": "Model"}, {"name": "low-rank adaptation", "type": "Method"}),
        paper("p3", {"name": "llama2", "type": "Model"}),
    ]
    resolution = resolve(records)
    llama = resolution.nodes[resolution.node_id("Model", "LLAMA_2")]
    assert llama.papers == ["p1", "p2", "p3"]
    assert (llama.label, llama.aliases) == ("LLaMA-2", ["Llama 2", "llama2"])
    lora = resolution.node_id("Method", "Low Rank Adaptation")
    assert lora == "method/lora"
    assert resolution.nodes[lora].merges == [
        {"name": "Low-Rank Adaptation", "into": "LoRA", "rule": "alias in paper p1"}
    ]


def test_same_name_of_two_types_stays_two_nodes():
    resolution = resolve(
        [paper("p1", {"name": "SAM", "type": "Model"}), paper("p2", {"name": "SAM", "type": "Method"})]
    )
    assert resolution.node_id("Model", "SAM") != resolution.node_id("Method", "SAM")


def test_vocabulary_merges_known_names_under_the_canonical_label():
    vocab = Vocabulary([Entry("Segment Anything Model", "Model", ("SAM", "Segment-Anything"))])
    resolution = resolve(
        [paper("p1", {"name": "SAM", "type": "Model"}), paper("p2", {"name": "segment anything", "type": "Model"})],
        vocab,
    )
    node = resolution.nodes[resolution.node_id("Model", "SAM")]
    assert node.label == "Segment Anything Model"
    assert node.id == resolution.node_id("Model", "segment-anything") == "model/segment-anything-model"
    assert {m["rule"] for m in node.merges} == {"vocabulary"}


def test_forced_merges_and_splits_from_a_file(tmp_path):
    rules = tmp_path / "merges.yaml"
    rules.write_text("merge:\n  - [Model:ChatGPT, GPT-3.5-turbo]\nsplit:\n  - [MedSAM, SAM]\n")
    records = [
        paper("p1", {"name": "ChatGPT", "type": "Model"}, {"name": "MedSAM", "type": "Model", "aliases": ["SAM"]}),
        paper("p2", {"name": "GPT-3.5-turbo", "type": "Model"}, {"name": "SAM", "type": "Model"}),
    ]
    resolution = resolve(records, overrides=Overrides.load(rules))
    assert resolution.node_id("Model", "ChatGPT") == resolution.node_id("Model", "GPT-3.5-turbo")
    assert resolution.node_id("Model", "MedSAM") != resolution.node_id("Model", "SAM")
    assert resolve(records).node_id("Model", "MedSAM") == resolve(records).node_id("Model", "SAM")


def test_a_split_of_names_that_differ_only_in_case_takes_effect(tmp_path):
    # BioMedGPT (PharMolix) and BiomedGPT (Zhang et al.) are two models; matching ignores case
    rules = tmp_path / "merges.yaml"
    rules.write_text("split:\n  - [BioMedGPT, BiomedGPT]\n")
    records = [
        paper("p1", {"name": "BioMedGPT", "type": "Model"}),
        paper("p2", {"name": "BiomedGPT", "type": "Model"}),
        paper("p3", {"name": "BIOMEDGPT", "type": "Model"}),
    ]
    assert len({resolve(records).node_id("Model", n) for n in ("BioMedGPT", "BiomedGPT")}) == 1
    split = resolve(records, overrides=Overrides.load(rules))
    pharmolix, zhang = split.node_id("Model", "BioMedGPT"), split.node_id("Model", "BiomedGPT")
    assert pharmolix != zhang
    assert split.nodes[pharmolix].papers == ["p1"] and split.nodes[zhang].papers == ["p2"]
    assert split.warnings == []


def test_the_vocabulary_tells_names_apart_by_case_where_it_lists_them_as_distinct():
    vocab = Vocabulary(
        [Entry("BioMedGPT", "Model", ("BioMedGPT-LM",)), Entry("BiomedGPT", "Model")],
        distinct=[["BioMedGPT", "BiomedGPT"]],
    )
    assert vocab.lookup("BiomedGPT") == ("BiomedGPT", "Model")
    assert vocab.lookup("BioMedGPT-LM") == ("BioMedGPT", "Model")
    records = [
        paper("p1", {"name": "BioMedGPT-LM", "type": "Model"}),
        paper("p2", {"name": "BiomedGPT", "type": "Model"}),
    ]
    resolution = resolve(records, vocab)
    assert resolution.node_id("Model", "BioMedGPT-LM") == resolution.node_id("Model", "BioMedGPT") == "model/biomedgpt"
    assert resolution.node_id("Model", "BiomedGPT") != "model/biomedgpt"


def test_merges_and_splits_naming_what_no_paper_mentions_are_reported(tmp_path):
    rules = tmp_path / "merges.yaml"
    rules.write_text("merge:\n  - [ChatGPT, Model:GPT-3.5]\nsplit:\n  - [MedSAM, SAMM]\n")
    records = [paper("p1", {"name": "ChatGPT", "type": "Model"}, {"name": "MedSAM", "type": "Model"})]
    resolution = resolve(records, overrides=Overrides.load(rules))
    assert resolution.warnings == [
        "split names 'SAMM', which no paper mentions",
        "merge names 'Model:GPT-3.5', which no paper mentions",
    ]


@pytest.mark.parametrize(
    "content, message",
    [
        ("merge: [[a]]\n", "must be a list of lists of two or more names"),
        ("merge: [a, b\n", "invalid YAML"),
        ("join: []\n", "expected a mapping"),
    ],
)
def test_bad_overrides_file_names_file_and_line(tmp_path, content, message):
    rules = tmp_path / "merges.yaml"
    rules.write_text(content)
    with pytest.raises(KgError, match=message) as error:
        Overrides.load(rules)
    assert str(error.value).startswith(f"{rules}:")


@pytest.mark.slow
def test_embeddings_never_merge_what_the_vocabulary_lists_apart(tmp_path):
    # "fine-tuning" and "full fine-tuning" embed at 0.957 with the shipped model
    records = [
        paper("p1", {"name": "fine-tuning", "type": "Method"}),
        paper("p2", {"name": "full fine-tuning", "type": "Method"}),
    ]
    embedder = Embedder(tmp_path / "cache.npz")
    merged = resolve(records, embedder=embedder, threshold=0.9)
    assert merged.node_id("Method", "fine-tuning") == merged.node_id("Method", "full fine-tuning")
    vocab = Vocabulary([Entry("fine-tuning", "Method"), Entry("full fine-tuning", "Method", ("FFT",))])
    apart = resolve(records, vocab, embedder=embedder, threshold=0.9)
    assert apart.node_id("Method", "fine-tuning") != apart.node_id("Method", "full fine-tuning")
    listed = resolve(
        records, Vocabulary(distinct=[["fine-tuning", "full fine-tuning"]]), embedder=embedder, threshold=0.9
    )
    assert listed.node_id("Method", "fine-tuning") != listed.node_id("Method", "full fine-tuning")


@pytest.mark.slow
def test_embeddings_merge_paraphrases_but_not_versions_or_neighbours(tmp_path):
    records = [
        paper(
            "p1",
            {"name": "medical image segmentation", "type": "Task"},
            {"name": "LLaMA-2", "type": "Model"},
            {"name": "MedQA", "type": "Dataset"},
        ),
        paper(
            "p2",
            {"name": "segmentation of medical images", "type": "Task"},
            {"name": "LLaMA-3", "type": "Model"},
            {"name": "MedMCQA", "type": "Dataset"},
        ),
    ]
    embedder = Embedder(tmp_path / "cache.npz")
    resolution = resolve(records, embedder=embedder, threshold=0.9)
    task = resolution.nodes[resolution.node_id("Task", "medical image segmentation")]
    assert task.id == resolution.node_id("Task", "segmentation of medical images")
    assert task.merges[0]["rule"].startswith("embedding similarity 0.9")
    assert resolution.node_id("Model", "LLaMA-2") != resolution.node_id("Model", "LLaMA-3")
    assert resolution.node_id("Dataset", "MedQA") != resolution.node_id("Dataset", "MedMCQA")
    embedder.save()
    assert sorted(Embedder(tmp_path / "cache.npz")._cache) == sorted(embedder._cache)  # cached by content hash


def test_resolution_is_deterministic_whatever_the_order():
    records = [
        paper("p1", {"name": "LoRA", "type": "Method", "aliases": ["Low-Rank Adaptation"]}),
        paper("p2", {"name": "Low-Rank Adaptation", "type": "Method"}),
        paper("p3", {"name": "LORA", "type": "Method"}),
    ]
    forward, backward = resolve(records), resolve(records[::-1])
    assert forward.report() == backward.report()


@pytest.mark.slow
def test_merge_threshold_is_measured_against_gold_aliases(tmp_path):
    from kg.evaluate import score_merges

    gold = [
        {
            "id": "g1",
            "entities": [
                {"name": "medical image segmentation", "type": "Task", "aliases": ["segmentation of medical images"]},
                {"name": "MedQA", "type": "Dataset"},
                {"name": "LLaMA-2", "type": "Model"},
            ],
        },
        {
            "id": "g2",
            "entities": [
                {"name": "MedMCQA", "type": "Dataset"},
                {"name": "LLaMA-3", "type": "Model"},
                {"name": "visual question answering", "type": "Task", "aliases": ["VQA"]},
            ],
        },
    ]
    strict, loose = score_merges(gold, Embedder(tmp_path / "cache.npz"), [0.9, 0.5])
    assert (strict.precision, strict.recall, strict.merges) == (1.0, 0.5, 1)  # the paraphrase, not the acronym
    assert loose.merges > strict.merges and loose.precision < 1.0  # MedQA ~ MedMCQA at 0.5


def test_names_a_paper_relates_are_never_merged_even_where_the_vocabulary_joins_them():
    """ "Llama 3.1 Instruct is fine-tuned from Llama 3.1": two models, whatever the vocabulary's aliases say."""
    vocab = Vocabulary([Entry("Llama 3.1", "Model", ("Llama 3.1 Instruct",))])
    base, tuned = {"name": "Llama 3.1", "type": "Model"}, {"name": "Llama 3.1 Instruct", "type": "Model"}
    elsewhere = [paper("p1", base), paper("p2", tuned)]
    assert resolve(elsewhere, vocab).node_id("Model", "Llama 3.1 Instruct") == "model/llama-3-1"
    related = [*elsewhere, paper("p3", base, tuned)]
    related[2]["relations"] = [{"subject": "Llama 3.1 Instruct", "predicate": "fine_tuned_from", "object": "Llama 3.1"}]
    resolution = resolve(related, vocab)
    instruct = resolution.node_id("Model", "Llama 3.1 Instruct")
    assert instruct != resolution.node_id("Model", "Llama 3.1") == "model/llama-3-1"
    # the vocabulary's name labels the node that holds it, not the one a paper set apart from it
    assert resolution.nodes[instruct].label == "Llama 3.1 Instruct"
