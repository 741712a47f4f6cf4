"""The vocabulary loader: file shapes, lookups, hierarchy and the content hash."""
from kg.vocab import load_vocabulary, normalize_name, vocabulary_hash


def write(folder, name, text):
    (folder / name).write_text(text, encoding="utf-8")


def make_vocab(folder):
    write(folder, "methods.yaml", "methods:\n  - name: LoRA\n    aliases: [Low-Rank Adaptation]\n"
          "    broader: parameter-efficient fine-tuning\n  - name: parameter-efficient fine-tuning\n"
          "    aliases: [PEFT]\n")
    write(folder, "models.yaml", "- name: Llama 2\n  family: LLaMA\n- name: LLaMA\n"
          "- name: FooMed\n  base: [LLaMA]\n")
    write(folder, "metrics.yaml", "metrics:\n  - name: auc\n    aliases: [AUROC]\n")
    write(folder, "stoplist.yaml", "generic:\n  - large language models\n")
    return load_vocabulary(folder)


def test_normalize_ignores_case_spaces_hyphens_dots():
    assert normalize_name("LLaMA-2") == normalize_name("llama 2") == normalize_name("Llama_2")


def test_lookup_by_name_and_alias(tmp_path):
    vocab = make_vocab(tmp_path)
    assert vocab.lookup("low rank adaptation") == ("LoRA", "Method")
    assert vocab.lookup("llama-2") == ("Llama 2", "Model")   # bare-list file accepted
    assert vocab.lookup("unknown thing") is None


def test_hierarchy_base_metrics_stoplist(tmp_path):
    vocab = make_vocab(tmp_path)
    assert vocab.broader("LoRA") == "parameter-efficient fine-tuning"
    assert vocab.family("llama2") == "LLaMA"
    assert vocab.base("FooMed") == ["LLaMA"]
    assert vocab.metric("AUROC") == "auc"
    assert vocab.is_generic("Large Language Models")


def test_missing_folder_loads_empty(tmp_path):
    assert load_vocabulary(tmp_path / "nowhere").lookup("LoRA") is None


def test_hash_changes_with_content(tmp_path):
    make_vocab(tmp_path)
    before = vocabulary_hash(tmp_path)
    assert before == vocabulary_hash(tmp_path)
    write(tmp_path, "tasks.yaml", "tasks:\n  - name: summarization\n")
    assert vocabulary_hash(tmp_path) != before
