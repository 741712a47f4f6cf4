"""Hostile input at every reader: the outcome is papers or one InputError naming file and line.

Never another exception, never a hang, never memory that grows with the garbage. Hypothesis runs a
fixed, derandomized profile (HOSTILE: 200 examples a test, no deadline) so CI sees the same inputs
every time; each example is bounded by a generous wall-clock alarm instead of a timing assert.
"""

import contextlib
import json
import signal
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg import readers
from kg.cli import cli
from kg.readers import InputError, read_papers

EXAMPLES = 200
HOSTILE = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS_PER_INPUT = 10  # a hang, not slowness: each input here is read in milliseconds
SUFFIXES = (".txt", ".jsonl", ".csv")

ABSTRACT = (
    "We propose DoRA, a weight-decomposed low-rank adaptation that fine-tunes magnitude and direction "
    "separately. DoRA consistently outperforms LoRA when fine-tuning LLaMA on commonsense reasoning. Code is available."
)


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_bound(seconds=SECONDS_PER_INPUT):
    def alarm(signum, frame):
        raise Hang(f"no outcome within {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def outcome(inputs, skip_bad, **limits):
    """Read ``inputs``; the papers, or the InputError. Anything else fails the test."""
    warnings = []
    try:
        with time_bound():
            papers = list(read_papers(inputs, skip_bad=skip_bad, on_warning=warnings.append, **limits))
    except InputError as error:
        return None, error, warnings
    return papers, None, warnings


def check_outcome(inputs, files, **limits):
    """Both modes (fail on the first bad record, and skip bad records) end in papers or one located error."""
    lines = {str(f): f.read_bytes().count(b"\n") + f.read_bytes().count(b"\r") + 1 for f in files}
    for skip_bad in (False, True):
        papers, error, warnings = outcome(inputs, skip_bad, **limits)
        if error is not None:
            text = str(error)
            assert "\n" not in text and "\r" not in text, text
            assert error.path in lines or error.path in map(str, inputs), text
            assert 1 <= error.line <= lines.get(error.path, 1), text
            assert text.startswith(f"{error.path}:{error.line}: ")
            continue
        assert papers
        for paper in papers:
            for text in (paper.id, paper.title, paper.abstract):
                assert text and not readers._BAD_CHAR.search(text)
            assert len(paper.title) <= readers.MAX_TITLE_CHARS
            assert len(paper.abstract) <= limits.get("max_abstract_chars", readers.DEFAULT_MAX_ABSTRACT_CHARS)
            assert not readers._BAD_ID.search(paper.id)
            json.dumps(paper.to_record(), ensure_ascii=False).encode("utf-8")  # writable as UTF-8
        for warning in warnings:
            assert "\n" not in warning and warning.split(":")[0] in lines


def with_file(suffix, content: bytes, **limits):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(content)
        check_outcome([path], [path], **limits)


# Random bytes, as each format ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", SUFFIXES)
@HOSTILE
@given(content=st.binary(max_size=4000))
def test_random_bytes(suffix, content):
    with_file(suffix, content)


# Valid files, then broken: truncated, BOMs, NULs, invalid UTF-8, mixed line endings, stray quotes ----

NASTY = st.sampled_from(
    [
        b"\xef\xbb\xbf",
        b"\x00",
        b"\xff",
        b"\xc3",
        b"\xed\xa0\x80",
        b"\r",
        b"\r\n",
        b"\n\n",
        b'"',
        b",",
        b"{",
        b"}",
        b"[",
        b"\\",
        b"\\ud800",
        b"\x0b",
        b"\x1b",
        b"\xe2\x80\xa8",
        b"\t",
    ]
)
TEXT = st.text(st.characters(codec="utf-8"), max_size=300)  # any character, surrogates aside


def jsonl_file(records):
    return "".join(json.dumps(r, ensure_ascii=bool(i % 2)) + "\n" for i, r in enumerate(records)).encode()


def csv_file(records):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "title", "abstract"])
    writer.writerows([[r["id"], r["title"], r["abstract"]] for r in records])
    return buffer.getvalue().encode()


def page_file(records):
    return ("Header line\n\n" + "".join(f"{r['title']}\n\n{r['abstract']}\n\n" for r in records)).encode()


WRITERS = {".jsonl": jsonl_file, ".csv": csv_file, ".txt": page_file}
RECORDS = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.one_of(st.text(max_size=20), st.sampled_from(["a", "b", "a b", "x<y", "1"])),
            "title": st.one_of(TEXT, st.just("DoRA")),
            "abstract": st.one_of(TEXT, st.just(ABSTRACT), TEXT.map(lambda t: ABSTRACT + t)),
        }
    ),
    min_size=1,
    max_size=5,
)


@st.composite
def broken(draw, suffix):
    content = bytearray(WRITERS[suffix](draw(RECORDS)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(content)))
        content[at:at] = draw(NASTY)
    if draw(st.booleans()):
        content = content[: draw(st.integers(0, len(content)))]  # truncated
    if draw(st.booleans()):
        ending = draw(st.sampled_from([b"\r\n", b"\r"]))
        content = bytearray(
            b"".join(line + (ending if i % 2 else b"\n") for i, line in enumerate(bytes(content).split(b"\n")))
        )
    return bytes(content)


@pytest.mark.parametrize("suffix", SUFFIXES)
@HOSTILE
@given(data=st.data())
def test_broken_valid_files(suffix, data):
    with_file(suffix, data.draw(broken(suffix)))


# Any JSON value a line, deeply nested ones included ---------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "title", "abstract", "year", "authors", "url", "venue", "x"]), children, max_size=6
        )
    ),
    max_leaves=20,
)


@HOSTILE
@given(
    lines=st.lists(
        st.one_of(
            JSON.map(json.dumps),
            st.integers(1, 200_000).map(lambda n: "[" * n + "]" * n),
            st.integers(1, 10_000).map(
                lambda n: '{"title": "T", "abstract": "A.", "venue": ' + "[" * n + "]" * n + "}"
            ),
            st.integers(4000, 6000).map(lambda n: '{"id": ' + "7" * n + ', "title": "T", "abstract": "A."}'),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_json_lines(lines):
    with_file(".jsonl", "\n".join(lines).encode("utf-8", "surrogatepass"))


# Ragged CSV: rows of any length, quotes anywhere -------------------------------------------------------

FIELD = st.one_of(TEXT, st.just(ABSTRACT), st.sampled_from(['"', '""', '"a', 'a"b', "a,b", "\n", "\r\n"]))


@HOSTILE
@given(
    header=st.lists(st.sampled_from(["id", "title", "abstract", "year", "", "title "]), min_size=0, max_size=5),
    rows=st.lists(st.lists(FIELD, max_size=6), max_size=6),
    quoted=st.booleans(),
)
def test_ragged_csv(header, rows, quoted):
    def line(fields):
        return ",".join(f'"{f}"' if quoted else f for f in fields)

    with_file(".csv", "\n".join(line(r) for r in [header, *rows]).encode("utf-8", "surrogatepass"))


# Folders of all three --------------------------------------------------------------------------------


@HOSTILE
@given(
    files=st.lists(st.tuples(st.sampled_from(SUFFIXES), st.binary(max_size=500)), min_size=1, max_size=4),
    good=st.booleans(),
)
def test_folders_of_mixed_files(files, good):
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, (suffix, content) in enumerate(files):
            path = Path(folder) / f"{i}{suffix}"
            path.write_bytes(content)
            paths.append(path)
        if good:
            paths.append(Path(folder) / "z.jsonl")
            paths[-1].write_text(json.dumps({"id": "z", "title": "DoRA", "abstract": ABSTRACT}) + "\n")
        check_outcome([Path(folder)], paths)


# Sizes: 10 MB abstracts, 100k-character titles, lines with no end ------------------------------------

TEN_MB = ("Low-rank adaptation of large models. " * 300_000)[:10_000_000]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_ten_megabyte_abstract_is_cut_with_a_warning_naming_file_and_line(tmp_path, suffix):
    path = tmp_path / f"big{suffix}"
    path.write_bytes(
        WRITERS[suffix](
            [{"id": "small", "title": "DoRA", "abstract": ABSTRACT}, {"id": "big", "title": "Huge", "abstract": TEN_MB}]
        )
    )
    warnings = []
    with time_bound():
        small, big = read_papers([path], on_warning=warnings.append)
    line = {".jsonl": 2, ".csv": 3, ".txt": 7}[suffix]
    assert small.abstract == ABSTRACT
    assert len(big.abstract) <= 100_000 and TEN_MB.startswith(big.abstract) and not big.abstract.endswith(" ")
    assert warnings == [
        f"{path}:{line}: abstract of {len(TEN_MB.strip())} characters cut to 100000 (max_abstract_chars)"
    ]
    whole = list(read_papers([path], max_abstract_chars=0))[1]
    assert len(whole.abstract) == len(TEN_MB.strip())


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_hundred_thousand_character_title_is_an_error_at_its_line(tmp_path, suffix):
    path = tmp_path / f"title{suffix}"
    path.write_bytes(WRITERS[suffix]([{"id": "t", "title": "Adapter " * 12_500, "abstract": ABSTRACT}]))
    with pytest.raises(InputError) as error:
        list(read_papers([path]))
    line = {".jsonl": 1, ".csv": 2, ".txt": 3}[suffix]
    assert str(error.value).startswith(f"{path}:{line}: title of 99999 characters (at most 2000)")


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_a_line_without_end_costs_bounded_memory(tmp_path, monkeypatch, suffix):
    monkeypatch.setattr(readers, "MAX_RECORD_CHARS", 1_000_000)
    path = tmp_path / f"endless{suffix}"
    good = WRITERS[suffix]([{"id": "g", "title": "DoRA", "abstract": ABSTRACT}])
    path.write_bytes(
        good + b'"' + b"x" * 30_000_000 + b"\n" + good.split(b"\n", 1)[1]
        if suffix == ".csv"
        else good + b"x" * 30_000_000 + b"\n"
    )
    problems = []
    tracemalloc.start()
    try:
        with time_bound():
            papers = list(read_papers([path], skip_bad=True, on_problem=problems.append))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [p.title for p in papers][:1] == ["DoRA"]
    assert problems and "longer than 1000000 characters" in problems[0].message
    assert peak < 12_000_000, peak  # a few records' worth, not the 30 MB of garbage


def test_max_records_stops_reading_and_says_where(tmp_path):
    path = tmp_path / "many.jsonl"
    path.write_text(
        "".join(json.dumps({"id": f"p{i}", "title": f"T{i}", "abstract": ABSTRACT}) + "\n" for i in range(5))
    )
    warnings = []
    assert [p.id for p in read_papers([path], max_records=3, on_warning=warnings.append)] == ["p0", "p1", "p2"]
    assert warnings == [f"{path}:4: stopped after 3 records (max_records); this one and any after it are not read"]
    assert len(list(read_papers([path], max_records=5, on_warning=warnings.append))) == 5 and len(warnings) == 1


def test_too_many_bad_records_is_the_wrong_format_even_with_skip_bad(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_text("not json\n" * (readers.MAX_PROBLEMS + 5))
    skipped = []
    with pytest.raises(InputError, match=r"garbage.jsonl:1001: more than 1000 bad records"):
        list(read_papers([path], skip_bad=True, on_problem=skipped.append))
    assert len(skipped) == readers.MAX_PROBLEMS  # what is kept is bounded too


@pytest.mark.parametrize(
    "record, message",
    [
        ({"id": "a b", "title": "T", "abstract": "A."}, "field 'id' must be 1 to 200 characters without spaces"),
        ({"id": "x>", "title": "T", "abstract": "A."}, "field 'id' must be 1 to 200 characters"),
        ({"id": True, "title": "T", "abstract": "A."}, "field 'id' must be a string or a number"),
        ({"title": "T\u0000", "abstract": "A."}, "control character U+0000 in field 'title'"),
        ({"title": "T", "abstract": "A.\ud83d"}, "unpaired surrogate U+D83D in field 'abstract'"),
        ({"title": "T", "abstract": "A.", "authors": ["x\x01"]}, "control character U+0001 in field 'authors'"),
    ],
)
def test_values_that_would_break_the_writers_are_errors_at_their_line(tmp_path, record, message):
    path = tmp_path / "v.jsonl"
    path.write_text(json.dumps({"id": "ok", "title": "Fine", "abstract": "A."}) + "\n" + json.dumps(record) + "\n")
    with pytest.raises(InputError) as error:
        list(read_papers([path]))
    assert str(error.value).startswith(f"{path}:2: {message}")


def test_extract_command_cuts_and_stops_with_warnings(tmp_path):
    source = tmp_path / "papers.jsonl"
    source.write_text(
        "".join(
            json.dumps({"id": f"p{i}", "title": f"Paper {i}", "abstract": ABSTRACT * (i + 1)}) + "\n" for i in range(4)
        )
    )
    out = tmp_path / "x.jsonl"
    result = CliRunner().invoke(
        cli, ["extract", str(source), "--out", str(out), "--max-abstract-chars", "300", "--max-records", "3"]
    )
    assert result.exit_code == 0, result.output
    assert f"warning: {source}:2: abstract of {len(ABSTRACT) * 2} characters cut to 300" in result.output
    assert f"warning: {source}:4: stopped after 3 records" in result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["p0", "p1", "p2"] and max(len(r["abstract"]) for r in records) <= 300


def test_build_of_hostile_but_valid_text_succeeds_and_queries(tmp_path):
    """Quotes, braces, comment markers, backslashes, RTL marks and emoji in titles and abstracts go
    through the extractor, resolver and every writer into a store that answers."""
    import random

    rng = random.Random(8)
    alphabet = [
        *"\"'{}<>#/*\\$`|^%?&;:,.!-_ ()[]",
        "\u202e",
        "\u200b",
        "\U0001f600",
        "é",
        "ß",
        "\u2028",
        "\x7f",
        '"""',
        "DROP ALL",
        "DETACH DELETE",
        "//",
        "/*",
        "*/",
    ]
    rows = []
    for i in range(40):
        noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40)))
        rows.append(
            {
                "id": f"h{i}",
                "title": f"LoRA {noise}",
                "abstract": f"We fine-tune LLaMA with LoRA {noise}. " + ABSTRACT,
                "authors": [noise, "A. B."],
                "venue": {"name": noise},
            }
        )
    source = tmp_path / "hostile.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=bool(r["id"] < "h2")) + "\n" for r in rows))
    out = tmp_path / "build"
    result = CliRunner().invoke(cli, ["build", str(source), "--out", str(out), "--no-embeddings"])
    assert result.exit_code == 0, result.output
    count = CliRunner().invoke(
        cli,
        [
            "sparql",
            "SELECT (COUNT(?p) AS ?n) { ?p a schema:ScholarlyArticle }",
            "--build",
            str(out),
            "--format",
            "json",
        ],
    )
    assert json.loads(count.output) == [{"n": 40}]


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_special_files_are_refused_not_read_forever(tmp_path, special):
    import os

    path = Path(special) if special.startswith("/") else tmp_path / "papers.jsonl"
    if special == "fifo":
        os.mkfifo(path)
    with time_bound(), pytest.raises(InputError, match=f"^{path}:1: cannot read: not a regular file$"):
        list(read_papers([path]))
