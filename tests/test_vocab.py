"""The vocabulary loader: file shapes, lookups, hierarchy and the content hash."""

from pathlib import Path

from kg.vocab import _read_yaml, cased_key, load_vocabulary, normalize_name, vocabulary_hash


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


def test_missing_folder_loads_empty(tmp_path):
    assert load_vocabulary(tmp_path / "nowhere").lookup("LoRA") is None


def test_hash_changes_with_content(tmp_path):
    make_vocab(tmp_path)
    before = vocabulary_hash(tmp_path)
    assert before == vocabulary_hash(tmp_path)
    write(tmp_path, "tasks.yaml", "tasks:\n  - name: summarization\n")
    assert vocabulary_hash(tmp_path) != before


def test_shipped_vocabulary_names_each_entry_once():
    # an entry written twice loses the second one's aliases and hierarchy to the first
    folder = Path(__file__).parent.parent / "schemas" / "vocab"
    # names distinct.yaml tells apart by case (BioMedGPT, BiomedGPT) are two entries
    case_sensitive = load_vocabulary(folder).case_sensitive
    for path in sorted(folder.glob("*.yaml")):
        names = [
            cased_key(name) if normalize_name(name) in case_sensitive else normalize_name(name)
            for name in (str(raw["name"]) for raw in _read_yaml(path) if isinstance(raw, dict) and raw.get("name"))
        ]
        assert len(names) == len(set(names)), (path.name, sorted({n for n in names if names.count(n) > 1}))
