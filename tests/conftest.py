from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def example_corpus() -> Path:
    return ROOT / "data" / "hf_papers_fine_tuning_medical.txt"


@pytest.fixture(scope="session")
def gold_path() -> Path:
    return ROOT / "tests" / "data" / "dev_gold.jsonl"
