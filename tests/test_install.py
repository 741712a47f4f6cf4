"""kg installed from its wheel, outside the checkout, builds the same graph as the checkout does.

The wheel is built from a copy of the files that go into it (so nothing of the checkout can leak
in), installed into a fresh virtual environment, and run from a folder outside the checkout. The
new environment sees the checkout's environment's packages (the dependencies) through a .pth
file, but not its editable install of kg, whose finder is only installed by a .pth file that a
path added this way never runs. Offline: no index is asked for anything.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

import pytest
from test_serve import free_port

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("pyproject.toml", "README.md", "LICENSE", "kg", "queries", "schemas", "data")


def run(*command, cwd, env=None):
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=600, env=env or os.environ
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The bin/ folder of a fresh environment where kg is installed from its wheel."""
    tmp = tmp_path_factory.mktemp("install")
    source = tmp / "source"
    for name in SHIPPED:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-w",
        tmp / "dist",
        source,
        cwd=tmp,
        env=env,
    )
    (wheel,) = (tmp / "dist").glob("kg-*.whl")
    venv = tmp / "venv"
    run(sys.executable, "-m", "venv", venv, cwd=tmp)
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp).strip())
    # the dependencies: this environment's packages; its kg is an editable finder its own .pth installs, never run here
    (purelib / "kg-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "--no-deps", wheel, cwd=tmp, env=env)
    where = run(python, "-c", "import kg; print(kg.__file__)", cwd=tmp)
    assert where.startswith(str(purelib)), f"kg imported from {where}, not from the wheel"
    return venv / "bin"


@pytest.mark.slow
def test_the_installed_wheel_builds_the_same_graph_as_the_checkout(installed, example_build, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": ""}
    output = run(installed / "kg", "build", "--out", "mine", "--no-embeddings", "--workers", "1", cwd=outside, env=env)
    assert output.startswith("built mine/: 120 papers, ")
    ours = json.loads((outside / "mine" / "manifest.json").read_text())
    theirs = json.loads((example_build / "manifest.json").read_text())
    # the vocabulary came along (an installed kg used to load none, silently, and find a fraction of the names)
    assert ours["vocabulary_hash"] == theirs["vocabulary_hash"]
    assert ours["summary"] == theirs["summary"]
    assert ours["validation"] == theirs["validation"]
    assert (outside / "mine" / "extractions.jsonl").read_bytes() == (example_build / "extractions.jsonl").read_bytes()
    assert (outside / "mine" / "graph.json").read_bytes() == (example_build / "graph.json").read_bytes()
    # the canned queries came along too
    listing = json.loads(run(installed / "kg", "query", "--list", "--format", "json", cwd=outside, env=env))
    assert "leaderboard" in {query["name"] for query in listing}
    answer = run(installed / "kg", "query", "leaderboard", "--build", "mine", "--format", "json", cwd=outside, env=env)
    assert json.loads(answer)
    # the router's question words came along (schemas/question-words.yaml)
    asked = run(
        installed / "kg",
        "ask",
        "Which LoRA variants were used for image segmentation?",
        "--build",
        "mine",
        cwd=outside,
        env=env,
    )
    assert asked.startswith("query: lora-variants-for-task  method=LoRA  task=image segmentation\n")
    # the server's page templates came along: the installed `kg serve` renders its pages
    port = free_port()
    server = subprocess.Popen(
        [installed / "kg", "serve", "--build", "mine", "--port", str(port), "--workers", "1"],
        cwd=outside,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        page = fetch(f"http://127.0.0.1:{port}/entity/method/lora", server)
        assert "<h1>LoRA" in page and "Low-Rank Adaptation" in page
    finally:
        server.terminate()
        server.wait(timeout=10)


def fetch(url: str, server: subprocess.Popen) -> str:
    """A page of a server that is starting: asked again until it answers (or the server exits)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"kg serve exited: {server.stderr.read()}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within 60 s")
