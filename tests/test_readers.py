"""Reading papers from pages, JSONL, CSV and folders, and the errors bad input gets."""

import json

import pytest

from kg.readers import InputError, read_papers
from kg.records import paper_id_from_title

ABSTRACT = (
    "We propose DoRA, a weight-decomposed low-rank adaptation that fine-tunes magnitude and direction "
    "separately. DoRA consistently outperforms LoRA when fine-tuning LLaMA on commonsense reasoning. "
    "Code is available."
)


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_example_corpus_reads_120_papers_with_stable_ids(example_corpus):
    papers = list(read_papers([example_corpus]))
    assert len(papers) == 120
    assert papers[0].title == "Advancing Multimodal Medical Capabilities of Gemini"
    assert papers[0].abstract.startswith("Many clinical tasks require")
    assert papers[0].source.endswith(":11")  # the page header lines are skipped
    assert [p.id for p in papers] == [p.id for p in read_papers([example_corpus])]
    assert len({p.id for p in papers}) == 120


def test_page_title_without_abstract_is_reported_not_invented(tmp_path):
    page = write(tmp_path, "page.txt", f"Header\n\nDoRA\n\n{ABSTRACT}\n\nOrphan Title\n\nVeRA\n\n{ABSTRACT}\n")
    with pytest.raises(InputError) as error:
        list(read_papers([page]))
    assert str(error.value) == f"{page}:7: title without an abstract: 'Orphan Title'"
    problems = []
    papers = list(read_papers([page], skip_bad=True, on_problem=problems.append))
    assert [p.title for p in papers] == ["DoRA", "VeRA"]
    assert [e.line for e in problems] == [7]


def test_jsonl_keeps_ids_and_metadata(tmp_path):
    rows = [
        {
            "id": "arxiv:2402.09353",
            "title": "DoRA",
            "abstract": ABSTRACT,
            "year": 2024,
            "authors": ["S.-Y. Liu", "C.-Y. Wang"],
            "venue": "ICML",
            "url": "https://example.org/dora",
            "extra": 1,
        },
        {"title": "No id here", "abstract": ABSTRACT, "authors": "A. One; B. Two"},
    ]
    path = write(tmp_path, "papers.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    first, second = read_papers([path])
    assert first.id == "arxiv:2402.09353"
    assert first.meta == {
        "year": 2024,
        "url": "https://example.org/dora",
        "authors": ["S.-Y. Liu", "C.-Y. Wang"],
        "venue": "ICML",
    }
    assert second.id == paper_id_from_title("No id here")
    assert second.meta["authors"] == ["A. One", "B. Two"]


def test_csv_and_folder(tmp_path):
    (tmp_path / "b").mkdir()
    write(tmp_path / "b", "x.csv", f'id,title,abstract,year\nc1,"DoRA, again","{ABSTRACT}",2024\n')
    write(tmp_path, "a.jsonl", json.dumps({"id": "j1", "title": "VeRA", "abstract": ABSTRACT}) + "\n")
    write(tmp_path, ".hidden.jsonl", "not json\n")
    papers = list(read_papers([tmp_path]))
    assert [(p.id, p.title, p.meta.get("year")) for p in papers] == [
        ("j1", "VeRA", None),
        ("c1", "DoRA, again", "2024"),
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "bad.jsonl",
            '{"id": "a", "title": "T", "abstract": "A"}\n{"id": "b", "title": \n',
            "bad.jsonl:2: invalid JSON",
        ),
        ("list.jsonl", "[1, 2]\n", "list.jsonl:1: expected a JSON object, got list"),
        ("noabs.jsonl", '{"id": "a", "title": "T"}\n', "noabs.jsonl:1: record has no abstract"),
        ("ragged.csv", "id,title,abstract\na,T,A\nb,T\n", "ragged.csv:3: row has 2 fields, header has 3"),
        ("nocol.csv", "id,name\na,T\n", "nocol.csv:1: CSV header lacks column(s) abstract, title"),
        (
            "utf.jsonl",
            b'{"id": "a", "title": "T", "abstract": "A"}\n{"id": "b", "title": "\xff", "abstract": "A"}\n',
            "utf.jsonl:2: invalid UTF-8 in field 'title'",
        ),
        ("empty.jsonl", "\n\n", "empty.jsonl:1: no papers found (empty input)"),
        (
            "dup.jsonl",
            '{"id": "a", "title": "T", "abstract": "A"}\n{"id": "a", "title": "U", "abstract": "B"}\n',
            "dup.jsonl:2: duplicate paper id 'a'",
        ),
    ],
)
def test_bad_input_names_file_and_line(tmp_path, name, content, message):
    path = write(tmp_path, name, content)
    with pytest.raises(InputError) as error:
        list(read_papers([path]))
    assert str(error.value).startswith(f"{tmp_path}/{message}")


def test_skip_bad_reports_each_skipped_record(tmp_path):
    path = write(
        tmp_path, "mixed.jsonl", '{"id": "a", "title": "T", "abstract": "A"}\nnot json\n{"id": "c", "title": "U"}\n'
    )
    problems = []
    assert [p.id for p in read_papers([path], skip_bad=True, on_problem=problems.append)] == ["a"]
    assert [(e.line, e.message.split(":")[0]) for e in problems] == [
        (2, "invalid JSON"),
        (3, "record has no abstract (title"),
    ]


def test_bom_and_crlf_are_fine(tmp_path):
    path = write(tmp_path, "win.csv", '\ufeffid,title,abstract\r\nw1,T,"A b."\r\n'.encode("utf-8"))
    assert [p.id for p in read_papers([path])] == ["w1"]


def test_unreadable_file(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        list(read_papers([tmp_path / "missing.jsonl"]))
