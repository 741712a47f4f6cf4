"""The vocabulary loader: file shapes, lookups, hierarchy and the content hash."""

from pathlib import Path

import pytest

from kg.errors import KgError
from kg.vocab import _read_yaml, cased_key, load_vocabulary, normalize_name, vocabulary_hash

SHIPPED = Path(__file__).parent.parent / "schemas" / "vocab"


def shipped_entries(skip=()):
    """(file, raw entry) for every named entry of the checkout's vocabulary files but those in ``skip``."""
    for path in sorted(SHIPPED.glob("*.yaml")):
        if path.name not in skip:
            yield from ((path, raw) for raw in _read_yaml(path) if isinstance(raw, dict) and raw.get("name"))


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def make_vocab(folder):
    write(
        folder,
        "methods.yaml",
        "methods:\n  - name: LoRA\n    aliases: [Low-Rank Adaptation]\n"
        "    broader: parameter-efficient fine-tuning\n  - name: parameter-efficient fine-tuning\n"
        "    aliases: [PEFT]\n",
    )
    write(folder, "models.yaml", "- name: Llama 2\n  family: LLaMA\n- name: LLaMA\n- name: FooMed\n  base: [LLaMA]\n")
    write(folder, "metrics.yaml", "metrics:\n  - name: auc\n    aliases: [AUROC]\n")
    write(folder, "stoplist.yaml", "generic:\n  - large language models\n")
    return load_vocabulary(folder)


def test_normalize_ignores_case_spaces_hyphens_dots():
    assert normalize_name("LLaMA-2") == normalize_name("llama 2") == normalize_name("Llama_2")


def test_lookup_by_name_and_alias(tmp_path):
    vocab = make_vocab(tmp_path)
    assert vocab.lookup("low rank adaptation") == ("LoRA", "Method")
    assert vocab.lookup("llama-2") == ("Llama 2", "Model")  # bare-list file accepted
    assert vocab.lookup("unknown thing") is None


def test_hierarchy_base_metrics_stoplist(tmp_path):
    vocab = make_vocab(tmp_path)
    assert vocab.broader("LoRA") == "parameter-efficient fine-tuning"
    assert vocab.family("llama2") == "LLaMA"
    assert vocab.base("FooMed") == ["LLaMA"]
    assert vocab.metric("AUROC") == "auc"
    assert vocab.is_generic("Large Language Models")


def test_cased_forms_and_corpora(tmp_path):
    write(
        tmp_path,
        "datasets.yaml",
        "datasets:\n  - name: MIMIC\n  - name: SAM\n  - name: LongBench\n  - {name: PubMed, kind: corpus}\n",
    )
    vocab = load_vocabulary(tmp_path)
    assert vocab.is_corpus("pubmed") and not vocab.is_corpus("MIMIC") and not vocab.is_corpus("unknown")
    # short or all-caps names must keep their case in text; other names need not
    assert {normalize_name(n) for n in ("MIMIC", "SAM")} <= vocab.cased
    assert normalize_name("LongBench") not in vocab.cased


def test_a_missing_or_empty_vocabulary_is_an_error_not_an_empty_one(tmp_path):
    # it used to load empty, silently: an installed kg that lost its files extracted nothing
    with pytest.raises(KgError, match="nowhere: no vocabulary files here"):
        load_vocabulary(tmp_path / "nowhere")
    write(tmp_path, "models.yaml", "models: []\n")
    with pytest.raises(KgError, match="list no entry"):
        load_vocabulary(tmp_path)


def test_the_shipped_vocabulary_is_found_by_default():
    vocab = load_vocabulary()
    assert vocab.lookup("Low-Rank Adaptation") == ("LoRA", "Method") and len(vocab.entries) > 1000


def test_a_user_layer_adds_entries_and_extends_known_ones(tmp_path):
    shipped = load_vocabulary()
    write(
        tmp_path,
        "models.yaml",
        "- name: ZorgLM-7B\n  aliases: [Zorg 7B]\n  family: ZorgLM\n- name: LLaMA\n  aliases: [Lama-the-first]\n",
    )
    write(tmp_path, "stoplist.yaml", "- our pipeline\n")
    write(tmp_path, "distinct.yaml", "- [ZorgLM-7B, zorglm-7b]\n")
    assert shipped.lookup("Zorg 7B") is None and shipped.lookup("Lama-the-first") is None
    vocab = load_vocabulary(layers=[tmp_path])
    assert vocab.lookup("zorg 7b") == ("ZorgLM-7B", "Model") and vocab.family("ZorgLM-7B") == "ZorgLM"
    llama = vocab.entry("LLaMA", "Model")
    # extended, not replaced: the shipped aliases stay, the user's are added
    assert llama is not None and set(shipped.entry("LLaMA", "Model").aliases) < set(llama.aliases)
    assert vocab.lookup("Lama-the-first") == ("LLaMA", "Model")
    assert vocab.is_generic("our pipeline") and vocab.is_generic("large language models")
    assert ("ZorgLM-7B", "zorglm-7b") in vocab.distinct and len(vocab.distinct) == len(shipped.distinct) + 1


def test_a_user_layer_gives_a_spelling_a_sense(tmp_path):
    write(
        tmp_path,
        "methods.yaml",
        "- {name: bar tuning, aliases: [bar],\n"
        "   sense: {forms: [bar], follow: [tuning], context: [fine-tune, adapters]}}\n",
    )
    vocab = load_vocabulary(layers=[tmp_path])
    name, sense = vocab.senses[normalize_name("bar")]
    assert name == "bar tuning" and "bar tuning" in vocab.sensed_names
    paper = "We fine-tune  adapters with bar."
    assert sense.holds("with bar.", 8, paper) and sense.holds("bar tuning", 3, paper)
    assert not sense.holds("a bar chart", 5, paper)  # qualifies another word
    assert not sense.holds("with bar.", 8, "We plot a bar.")  # the paper speaks of no tuning
    assert not load_vocabulary().senses.get(normalize_name("bar"))


def test_a_user_layer_changes_the_vocabulary_hash(tmp_path):
    write(tmp_path, "methods.yaml", "- FooTune\n")
    first = vocabulary_hash(layers=[tmp_path])
    assert first != vocabulary_hash() and first == vocabulary_hash(layers=[tmp_path])
    write(tmp_path, "methods.yaml", "- FooTune\n- BarTune\n")
    assert vocabulary_hash(layers=[tmp_path]) != first


@pytest.mark.parametrize(
    "files, message",
    [
        ({}, r"mine: no vocabulary files here"),
        ({"methods.yaml": "- name: LoRA\n  aliases: [a, b\n"}, r"methods\.yaml:3: not YAML"),
        ({"method.yaml": "- LoRA\n"}, r"method\.yaml: not a vocabulary file \(the names are models\.yaml"),
        ({"models.yaml": "- {aliases: [x]}\n"}, r"models\.yaml: entry 1 .* is neither a name nor a mapping"),
        (
            {"methods.yaml": "- FooTune\n- {name: BarTune, aliases: [bar], sense: {forms: [baz]}}\n"},
            r"methods\.yaml: entry 2 \('BarTune'\): sense forms \['baz'\] are not spellings of 'BarTune'",
        ),
        ({"methods.yaml": "- {name: BarTune, sense: [bar]}\n"}, r"methods\.yaml: entry 1 \('BarTune'\): sense is a"),
    ],
)
def test_a_bad_user_layer_is_one_error_naming_the_file(tmp_path, files, message):
    folder = tmp_path / "mine"
    folder.mkdir()
    for name, text in files.items():
        write(folder, name, text)
    with pytest.raises(KgError, match=message):
        load_vocabulary(layers=[folder])
    with pytest.raises(KgError, match="nowhere: no such vocabulary folder"):
        load_vocabulary(layers=[tmp_path / "nowhere"])


def test_hash_changes_with_content(tmp_path):
    make_vocab(tmp_path)
    before = vocabulary_hash(tmp_path)
    assert before == vocabulary_hash(tmp_path)
    write(tmp_path, "tasks.yaml", "tasks:\n  - name: summarization\n")
    assert vocabulary_hash(tmp_path) != before


def test_shipped_vocabulary_names_each_entry_once():
    # an entry written twice loses the second one's aliases and hierarchy to the first
    # names distinct.yaml tells apart by case (BioMedGPT, BiomedGPT) are two entries
    case_sensitive = load_vocabulary(SHIPPED).case_sensitive
    for path in sorted(SHIPPED.glob("*.yaml")):
        names = [
            cased_key(name) if normalize_name(name) in case_sensitive else normalize_name(name)
            for name in (str(raw["name"]) for raw in _read_yaml(path) if isinstance(raw, dict) and raw.get("name"))
        ]
        assert len(names) == len(set(names)), (path.name, sorted({n for n in names if names.count(n) > 1}))


def test_a_user_layer_keeps_names_told_apart_by_case_apart(tmp_path):
    write(tmp_path, "models.yaml", "- name: BiomedGPT\n  aliases: [Zhang's BiomedGPT]\n")
    vocab = load_vocabulary(layers=[tmp_path])
    assert vocab.lookup("Zhang's BiomedGPT") == vocab.lookup("BiomedGPT") == ("BiomedGPT", "Model")
    assert vocab.lookup("BioMedGPT-10B") == vocab.lookup("BioMedGPT") == ("BioMedGPT", "Model")


@pytest.mark.parametrize(
    "one, other",
    [
        ("MOT17", "MOT20"),
        ("FB15k", "FB15k-237"),
        ("Kinetics-400", "Kinetics-600"),
        ("RefCOCO", "RefCOCO+"),
        ("MovieLens-1M", "MovieLens-20M"),
        ("WMT14", "WMT16"),
        ("SQuAD", "SQuAD 2.0"),
        ("BraTS 2020", "BraTS 2021"),
    ],
)
def test_distinct_benchmarks_are_distinct_entries(one, other):
    # scores on two test sets are not comparable: one node would put them on one leaderboard
    vocab = load_vocabulary()
    assert vocab.lookup(one) == (one, "Dataset") and vocab.lookup(other) == (other, "Dataset")


def test_shipped_entries_name_only_tasks_modalities_domains_and_parents_it_has():
    # a field naming what the vocabulary lacks (or names as another type) links to nothing
    vocab = load_vocabulary(SHIPPED)
    fields = {"task": "Task", "modality": "Modality", "domain": "Domain", "family": "Model", "base": "Model"}
    fields["broader"] = "Method"
    missing = []
    for path, raw in shipped_entries():
        for key, etype in fields.items():
            values = raw.get(key) or []
            for value in [values] if isinstance(values, str) else values:
                hit = vocab.lookup(str(value))
                if hit is None or hit[1] != etype:
                    missing.append((path.name, raw["name"], key, value))
    assert not missing, missing


def test_a_name_that_folds_into_a_plain_word_matches_only_its_own_spelling():
    # "MultiPL-E" and "multiple" are one string once case and hyphens are ignored
    from kg.extract.mentions import vocabulary_mentions

    vocab = load_vocabulary()
    assert vocab.lookup("MultiPL-E") == ("MultiPL-E", "Dataset")
    assert vocab.lookup("multiple") is None and vocab.lookup("Multiple") is None
    found = [m.name for m in vocabulary_mentions("Multiple models, the largest on MultiPL-E and LargeST.", vocab)[0]]
    assert found == ["MultiPL-E", "LargeST"]


def test_no_spelling_of_the_shipped_vocabulary_names_two_entries():
    # the loader gives a shared spelling to one entry only: the other silently loses it
    case_sensitive = load_vocabulary(SHIPPED).case_sensitive
    owner: dict[str, tuple] = {}
    shared = []
    for path, raw in shipped_entries(skip=("stoplist.yaml", "distinct.yaml", "metrics.yaml")):
        here = (path.name, str(raw["name"]))
        for form in (raw["name"], *(raw.get("aliases") or [])):
            key = normalize_name(str(form))
            key = cased_key(str(form)) if key in case_sensitive else key
            if owner.setdefault(key, here) != here:
                shared.append((form, owner[key], here))
    assert not shared, shared


def test_token_merging_is_not_token_pruning():
    # ToMe merges similar tokens; pruning drops them: one node for both would merge two families
    shipped = load_vocabulary()
    assert shipped.lookup("ToMe") == ("token merging", "Method")
    assert shipped.lookup("token pruning") == ("token pruning", "Method")
