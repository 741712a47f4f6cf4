import os
import tempfile
from pathlib import Path

import pytest

from kg.build import build

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def example_corpus() -> Path:
    return ROOT / "data" / "hf_papers_fine_tuning_medical.txt"


@pytest.fixture(scope="session")
def gold_path() -> Path:
    return ROOT / "tests" / "data" / "dev_gold.jsonl"


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> Path:
    """The example corpus built once, without embeddings. Shared: a test that changes a build copies it."""
    out = tmp_path_factory.mktemp("example") / "build"
    build(None, out, embeddings=False)
    return out


@pytest.fixture(scope="session")
def metadata_build(tmp_path_factory) -> Path:
    """tests/data/metadata_papers.jsonl built once: seven PEFT papers with authors, dates, venues and ids."""
    out = tmp_path_factory.mktemp("metadata") / "build"
    build([ROOT / "tests" / "data" / "metadata_papers.jsonl"], out, embeddings=False)
    return out


@pytest.fixture(scope="session")
def sources_build(tmp_path_factory) -> Path:
    """Every reader's fixture (tests/data/sources) built as one folder: one paper from several sources is one paper."""
    out = tmp_path_factory.mktemp("sources") / "build"
    build([ROOT / "tests" / "data" / "sources"], out, embeddings=False, skip_bad=True)
    return out


@pytest.fixture(scope="module")
def browser():
    """A real headless Chromium (Debian's), with a fresh profile, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 900},
        )
        yield context
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With KG_NO_SKIPS=1 (what `make test` and CI set) a skipped test fails: servers and browsers
    are installed there, so a skip would only hide that a test did not run."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("KG_NO_SKIPS") == "1" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped, but KG_NO_SKIPS=1 asks every test to run: {report.longrepr}"
