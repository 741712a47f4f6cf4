"""Reading the formats researchers have: arXiv, OpenAlex, Semantic Scholar, PubMed, BibTeX, RIS,
CSL-JSON, CSV/TSV; told by content; folders that name what they skip; one paper from many sources."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from kg.cli import cli
from kg.errors import KgError
from kg.readers import InputError, read_papers
from kg.readers.formats import detect

SOURCES = Path(__file__).parent / "data" / "sources"
LORA_V2 = (
    "Fine-tuning every weight of a large pretrained language model is costly to train and to store. We propose "
    "LoRA, which freezes the pretrained weights and injects trainable low-rank decomposition matrices into each "
    "Transformer layer. On GPT-3 175B, LoRA trains 10,000 times fewer parameters than full fine-tuning while "
    "matching its quality on GLUE and E2E NLG, with no added inference latency."
)
MEDPALM_DOI = "10.1038/s41586-023-06291-2"


def read(*names, **options):
    """The papers, problems and warnings of reading the fixtures ``names`` with ``skip_bad``."""
    problems, warnings = [], []
    papers = list(
        read_papers(
            [SOURCES / name for name in names],
            skip_bad=True,
            on_problem=problems.append,
            on_warning=warnings.append,
            **options,
        )
    )
    return papers, problems, warnings


def by_id(papers):
    return {paper.id: paper for paper in papers}


def test_arxiv_snapshot_named_json_is_told_by_its_content():
    assert detect(SOURCES / "arxiv-snapshot.json", given=True) == ("arxiv", "")
    papers, problems, _ = read("arxiv-snapshot.json")
    assert not problems
    lora, medpalm, old = papers
    assert (lora.id, lora.title, lora.abstract) == (
        "2106.09685",
        "LoRA: Low-Rank Adaptation of Large Language Models",
        LORA_V2,
    )
    assert lora.meta == {
        "authors": ["Edward J. Hu", "Yelong Shen", "Phillip Wallis", "Zeyuan Allen-Zhu"],
        "date": "2021-06-17",  # v1's "created", not update_date
        "year": 2021,
        "venue": "arXiv",
        "url": "https://arxiv.org/abs/2106.09685",
        "arxiv": "2106.09685",
        "categories": ["cs.CL", "cs.AI", "cs.LG"],
    }
    assert medpalm.meta["doi"] == MEDPALM_DOI and medpalm.meta["venue"] == "Nature 620, 172-180 (2023)"
    assert old.id == "hep-th/9901001" and old.meta["authors"] == ["A. Author Jr."]
    assert old.meta["date"] == "2008-02-03"  # no versions: update_date


def test_arxiv_atom_feed():
    papers, problems, _ = read("arxiv-atom.xml")
    assert not problems
    lora, qlora = papers
    assert (lora.id, lora.title) == ("2106.09685", "LoRA: Low-Rank Adaptation of Large Language Models")
    assert lora.abstract.startswith("We propose LoRA, which freezes") and "\n" not in lora.abstract
    assert lora.meta["authors"] == ["Edward J. Hu", "Yelong Shen"] and lora.meta["date"] == "2021-06-17"
    assert lora.meta["categories"] == ["cs.CL", "cs.LG"]
    assert qlora.meta["categories"] == ["cs.LG", "cs.CL"]  # the primary category first
    assert qlora.meta["doi"] == "10.48550/arxiv.2305.14314" and qlora.meta["venue"] == "NeurIPS 2023"
    assert qlora.meta["url"] == "http://arxiv.org/abs/2305.14314v1"


def test_openalex_abstract_is_rebuilt_from_its_inverted_index():
    papers, problems, _ = read("openalex-works.jsonl")
    assert not problems
    lora, medpalm = papers
    assert lora.id == "W3168867926" and lora.abstract == LORA_V2
    assert lora.meta["authors"] == ["Edward J. Hu", "Yelong Shen", "Weizhu Chen"]
    assert lora.meta["doi"] == "10.48550/arxiv.2106.09685" and lora.meta["arxiv"] == "2106.09685"
    assert lora.meta["venue"] == "arXiv (Cornell University)" and lora.meta["date"] == "2021-06-17"
    assert lora.meta["keywords"] == ["Low-rank Adaptation", "Artificial intelligence", "Topic Modeling"]
    assert medpalm.meta["pmid"] == "37438534" and medpalm.meta["openalex"] == "W4384071683"
    assert medpalm.meta["doi"] == MEDPALM_DOI and medpalm.meta["venue"] == "Nature"


def test_semantic_scholar_graph_api_response():
    papers, problems, _ = read("s2-graph-api.json")
    assert not problems
    dora, medpalm = papers
    assert dora.id == "da053e2a4ba1b244940c8f2cad5dcdf0d730f85f" == dora.meta["s2"]
    assert dora.source.endswith("s2-graph-api.json:5")  # the line where the item starts
    assert dora.meta["arxiv"] == "2402.09353" and dora.meta["date"] == "2024-02-14"
    assert dora.meta["authors"] == ["Shih-Yang Liu", "Chien-Yi Wang"]
    assert medpalm.meta["pmid"] == "37438534" and medpalm.meta["doi"] == MEDPALM_DOI


def test_semantic_scholar_papers_are_joined_with_their_abstracts_by_corpusid():
    papers, problems, _ = read("s2-papers.jsonl", "s2-abstracts.jsonl")
    (qlora,) = papers
    assert qlora.title == "QLoRA: Efficient Finetuning of Quantized LLMs"
    assert qlora.abstract.startswith("We present QLoRA, which backpropagates")
    assert qlora.id == qlora.meta["s2"] == "32ac52069e562d4f900afee70bdca63f53461481"  # from its url
    assert qlora.meta["venue"] == "Neural Information Processing Systems" and qlora.meta["year"] == 2023
    (nowhere,) = problems
    assert str(nowhere).startswith(f"{SOURCES / 's2-papers.jsonl'}:2: paper ")
    assert "has no abstract" in nowhere.message and "999000111 is in no abstracts file given" in nowhere.message


def test_semantic_scholar_papers_alone_say_where_the_abstracts_are():
    papers_file = SOURCES / "s2-papers.jsonl"
    with pytest.raises(InputError, match=r"s2-papers.jsonl:1: .*has no abstract.*'abstracts' dataset"):
        list(read_papers([papers_file]))


def test_pubmed_structured_abstract_is_joined_with_its_labels():
    papers, problems, _ = read("pubmed.xml")
    assert not problems
    medpalm, sam = papers
    assert medpalm.id == "pmid:37438534" and medpalm.title == "Large language models encode clinical knowledge"
    assert medpalm.abstract == (
        "BACKGROUND: Large language models can answer medical questions, but measuring how well is hard. "
        "METHODS: We evaluate PaLM and Flan-PaLM on MultiMedQA, six medical question answering datasets and a set "
        "of consumer questions. RESULTS: Instruction prompt tuning yields Med-PaLM, which reaches 67.6% accuracy "
        "on MedQA (p < 0.05)."
    )
    assert medpalm.meta == {
        "authors": ["Karan Singhal", "Shekoofeh Azizi"],
        "date": "2023-08-03",
        "year": 2023,
        "venue": "Nature",
        "url": "https://pubmed.ncbi.nlm.nih.gov/37438534/",
        "doi": MEDPALM_DOI,
        "pmid": "37438534",
        "keywords": ["Natural Language Processing", "Artificial Intelligence", "large language models"],
    }
    assert medpalm.source.endswith("pubmed.xml:4") and sam.source.endswith("pubmed.xml:63")
    assert sam.title == "Segmenting CT2 volumes with SAM adapters"  # inline <sup>, <i> kept as text
    assert sam.meta["authors"] == ["Medical Imaging Consortium", "Maria Rossi Jr"]
    assert (sam.meta["date"], sam.meta["year"]) == ("2022", 2022)  # MedlineDate "2022 Mar-Apr"


HOSTILE_XML = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
]>
<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>
<ArticleTitle>&c;</ArticleTitle><Abstract><AbstractText>&c;&c;&c;</AbstractText></Abstract>
</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>
"""


@pytest.mark.parametrize(
    "doctype",
    [HOSTILE_XML, HOSTILE_XML.replace('<!ENTITY a "aaaa', '<!ENTITY a SYSTEM "file:///etc/passwd"><!ENTITY z "')],
)
def test_xml_entity_declarations_are_refused(tmp_path, doctype):
    path = tmp_path / "hostile.xml"
    path.write_text(doctype)
    with pytest.raises(InputError, match=r"hostile.xml:\d: XML entity declarations are refused"):
        list(read_papers([path]))


def test_zotero_bibtex_export_becomes_plain_text_and_names_the_entry_without_abstract():
    papers, problems, _ = read("zotero.bib")
    lora, muller = papers
    assert (lora.id, lora.title) == ("hu_lora_2021", "LoRA: Low-Rank Adaptation of Large Language Models")
    assert "training 10\N{EN DASH}100 times fewer" in lora.abstract and "{" not in lora.abstract
    assert lora.meta["authors"] == ["Edward J. Hu", "Yelong Shen", "Phillip Wallis"]
    assert (lora.meta["date"], lora.meta["year"]) == ("2021-06", 2021)
    assert (lora.meta["doi"], lora.meta["arxiv"]) == ("10.48550/arxiv.2106.09685", "2106.09685")
    assert muller.title == "Adapter Tuning for München Clinical Notes"
    assert muller.meta["authors"] == ["Jörg Müller", "Clinical NLP Group"]
    assert muller.meta["venue"] == "Proceedings of the Clinical NLP Workshop"
    assert "hospitals — a domain" in muller.abstract
    assert [str(problem) for problem in problems] == [
        f"{SOURCES / 'zotero.bib'}:26: entry nobody_2023 has no abstract (title: 'A Preprint Without an Abstract')"
    ]


def test_bibtex_named_txt_is_read_as_bibtex():
    assert detect(SOURCES / "references-bibtex.txt", given=True) == ("bibtex", "")
    papers, _, _ = read("references-bibtex.txt")
    assert [paper.id for paper in papers] == ["hu_lora_2021", "muller_adapters_2022"]


def test_ris_records():
    papers, problems, _ = read("endnote.ris")
    (qlora,) = papers
    assert qlora.id == "dettmers2023" and qlora.meta["authors"] == ["Tim Dettmers", "Artidoro Pagnoni"]
    assert (qlora.meta["date"], qlora.meta["venue"]) == (
        "2023-05-23",
        "Advances in Neural Information Processing Systems",
    )
    assert qlora.meta["keywords"] == ["quantization", "low-rank adaptation"] and qlora.meta["arxiv"] == "2305.14314"
    assert [(problem.line, problem.message.split(" (")[0]) for problem in problems] == [(15, "record has no abstract")]


def test_csl_json_items():
    papers, problems, _ = read("zotero-csl.json")
    (lora,) = papers
    assert lora.id == "hu2021lora" and lora.abstract == LORA_V2
    assert (lora.meta["date"], lora.meta["authors"]) == ("2021-06-17", ["Edward J. Hu", "Yelong Shen"])
    assert lora.meta["keywords"] == [
        "Computer Science - Computation and Language",
        "Computer Science - Machine Learning",
    ]
    (medpalm,) = problems
    assert str(medpalm).startswith(f"{SOURCES / 'zotero-csl.json'}:31: item medpalm2023 has no abstract")


def test_csv_with_capitalised_headers_and_semicolons():
    papers, problems, _ = read("papers-semicolon.csv")
    assert not problems
    assert [(p.title, p.meta["year"]) for p in papers] == [
        ("DoRA: Weight-Decomposed Low-Rank Adaptation", "2024"),
        ("VeRA", "2024"),
    ]
    assert "separately; it outperforms" in papers[0].abstract  # a quoted semicolon is text
    assert papers[0].meta["authors"] == ["Shih-Yang Liu", "Chien-Yi Wang"]
    assert papers[1].meta["authors"] == ["Dawid J. Kopiczko"]


def test_tsv():
    (paper,), _, _ = read("papers.tsv")
    assert (paper.id, paper.title) == ("t1", "AdaLoRA: Adaptive Budget Allocation")
    assert (paper.meta["doi"], paper.meta["arxiv"]) == ("10.48550/arxiv.2303.10512", "2303.10512")


def test_column_map_names_the_sources_columns(tmp_path):
    columns = {"id": "paper id", "title": "Summary Title", "abstract": "SUMMARY", "year": "Published"}
    (paper,), _, _ = read("column-map.csv", column_map=columns)
    assert (paper.id, paper.title, paper.meta) == ("m1", "Prefix-Tuning", {"year": "2021"})
    lines = tmp_path / "mapped.jsonl"
    lines.write_text(json.dumps({"Name": "Prefix-Tuning", "Text": "We tune a prefix."}) + "\n")
    (paper,) = read_papers([lines], column_map={"title": "name", "abstract": "text"})
    assert (paper.title, paper.abstract) == ("Prefix-Tuning", "We tune a prefix.")
    with pytest.raises(KgError, match="column_map names field\\(s\\) kg does not have: summary"):
        list(read_papers([SOURCES / "column-map.csv"], column_map={"summary": "Summary"}))


def test_folder_names_the_files_it_cannot_read(tmp_path):
    shutil.copy(SOURCES / "pubmed.xml", tmp_path)
    (tmp_path / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (tmp_path / "notes.cfg").write_text("[section]\nkey = value\n")
    (tmp_path / ".cache").write_bytes(b"\x00")  # hidden: skipped silently
    papers, _, warnings = read(tmp_path)
    assert [paper.id for paper in papers] == ["pmid:37438534", "pmid:36000001"]
    assert warnings == [
        f"{tmp_path / 'figure.png'}: skipped: not a format kg reads (binary content)",
        f"{tmp_path / 'notes.cfg'}: skipped: not a format kg reads "
        "(no format matches its content, nor its extension .cfg)",
    ]


def test_folder_of_only_unreadable_files_names_them(tmp_path):
    for name in ("a.pdf", "b.docx", "c.zip", "d.bin"):
        (tmp_path / name).write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(InputError) as error:
        list(read_papers([tmp_path]))
    assert str(error.value) == (
        f"{tmp_path}:1: no papers found: 4 file(s) skipped, not a format kg reads (a.pdf, b.docx, c.zip, ...)"
    )


def test_kg_extract_shows_each_skipped_file_before_it_fails(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04\x00\x00binary")
    result = CliRunner().invoke(cli, ["extract", str(tmp_path), "--out", str(tmp_path / "x.jsonl")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"warning: {tmp_path / 'notes.docx'}: skipped: not a format kg reads (binary content)",
        f"error: {tmp_path}:1: no papers found: 1 file(s) skipped, not a format kg reads (notes.docx)",
    ]


def test_binary_file_given_by_name_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "paper.pdf"
    path.write_bytes(b"%PDF-1.7\n\x00\xff\xfe binary")
    with pytest.raises(InputError, match=r"paper.pdf:1: not a format kg reads \(binary content\)"):
        list(read_papers([path]))


def test_a_kg_build_folder_inside_the_input_is_skipped(tmp_path):
    shutil.copy(SOURCES / "zotero-csl.json", tmp_path)
    build = tmp_path / "out"
    build.mkdir()
    (build / "manifest.json").write_text("{}")
    (build / "extractions.jsonl").write_text(json.dumps({"id": "x", "title": "Old", "abstract": "Output."}) + "\n")
    papers, _, warnings = read(tmp_path)
    assert [paper.id for paper in papers] == ["hu2021lora"]
    assert warnings == [f"{build}: skipped: a kg build folder (its manifest.json is kg's output, not input)"]


def test_one_paper_from_arxiv_openalex_and_pubmed_is_merged():
    papers, problems, warnings = read("arxiv-snapshot.json", "openalex-works.jsonl", "pubmed.xml")
    assert not problems
    assert [paper.id for paper in papers] == ["2106.09685", "2212.13138", "hep-th/9901001", "pmid:36000001"]
    lora, medpalm = papers[:2]
    # the first record's id, text and metadata; what it lacks, from the others
    assert medpalm.title == "Large Language Models Encode Clinical Knowledge" and medpalm.meta["year"] == 2022
    assert (medpalm.meta["pmid"], medpalm.meta["openalex"]) == ("37438534", "W4384071683")
    assert medpalm.meta["keywords"] == ["Medicine"]  # OpenAlex came before PubMed
    assert lora.meta["openalex"] == "W3168867926" and lora.meta["doi"] == "10.48550/arxiv.2106.09685"
    snapshot, openalex, pubmed = (
        SOURCES / name for name in ("arxiv-snapshot.json", "openalex-works.jsonl", "pubmed.xml")
    )
    assert warnings == [
        f"{openalex}:1: same paper as {snapshot}:1 (arxiv 2106.09685): merged",
        f"{openalex}:2: same paper as {snapshot}:2 (doi {MEDPALM_DOI}): merged",
        f"{pubmed}:4: same paper as {snapshot}:2 (doi {MEDPALM_DOI}): merged",
    ]


def test_a_newer_arxiv_version_brings_its_text():
    papers, _, warnings = read("arxiv-atom.xml", "arxiv-snapshot.json")
    lora = papers[0]
    assert lora.source.endswith("arxiv-atom.xml:8") and lora.id == "2106.09685"
    assert lora.abstract == LORA_V2  # v2, from the snapshot, over the feed's v1
    assert lora.meta["url"] == "http://arxiv.org/abs/2106.09685v1" and len(lora.meta["authors"]) == 2
    assert warnings[0].endswith("(arxiv 2106.09685): merged")


def test_same_id_and_title_twice_is_one_paper(tmp_path):
    path = tmp_path / "twice.jsonl"
    first = {"id": "a", "title": "LoRA", "abstract": "We propose LoRA."}
    path.write_text(json.dumps(first) + "\n" + json.dumps({**first, "title": "lora", "venue": "ICLR"}) + "\n")
    warnings = []
    (paper,) = read_papers([path], on_warning=warnings.append)
    assert paper.title == "LoRA" and paper.meta == {"venue": "ICLR"}
    assert warnings == [f"{path}:2: same paper as {path}:1 (id a): merged"]
