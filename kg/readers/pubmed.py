"""PubMed/MEDLINE XML (``efetch.fcgi?db=pubmed&retmode=xml``, the annual baseline files): each
``PubmedArticle``. A structured abstract's sections are joined as ``"BACKGROUND: ... METHODS: ..."``.
A paper's id is ``pmid:`` and its PMID.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from . import Problem, Records, normal, xmlstream


def records(path: Path, lines: Iterator[tuple[int, str]], problem: Problem) -> Records:
    for line, article in xmlstream.elements(path, lines, problem, "PubmedArticle"):
        yield line, _record(article)


def _record(article: Element) -> dict:
    citation = article.find("MedlineCitation")
    citation = citation if citation is not None else Element("MedlineCitation")
    pmid = normal.pmid(xmlstream.text(citation.find("PMID")))
    body = citation.find("Article")
    body = body if body is not None else Element("Article")
    sections = []
    for part in body.findall("Abstract/AbstractText"):
        label = part.get("Label")
        sections.append(f"{label}: {xmlstream.text(part)}" if label else xmlstream.text(part))
    ids = {node.get("IdType"): xmlstream.text(node) for node in article.findall("PubmedData/ArticleIdList/ArticleId")}
    elocations = {node.get("EIdType"): xmlstream.text(node) for node in body.findall("ELocationID")}
    date = _date(body.find("Journal/JournalIssue/PubDate"))
    keywords = [xmlstream.text(node) for node in citation.findall("MeshHeadingList/MeshHeading/DescriptorName")]
    keywords += [xmlstream.text(node) for node in citation.findall("KeywordList/Keyword")]
    return {
        "id": f"pmid:{pmid}" if pmid else None,
        "title": xmlstream.text(body.find("ArticleTitle")).removesuffix("."),  # MEDLINE ends every title with one
        "abstract": " ".join(section for section in sections if section),
        "authors": normal.texts([_author(author) for author in body.findall("AuthorList/Author")]),
        "date": date,
        "year": normal.year_of(date),
        "venue": xmlstream.text(body.find("Journal/Title")),
        "url": f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        "doi": normal.doi(ids.get("doi") or elocations.get("doi")),
        "pmid": pmid,
        "keywords": normal.unique(normal.texts(keywords)),
    }


def _author(author: Element) -> str:
    """The author as "ForeName LastName Suffix", or a group's CollectiveName."""
    collective = xmlstream.text(author.find("CollectiveName"))
    if collective:
        return collective
    given = xmlstream.text(author.find("ForeName")) or xmlstream.text(author.find("Initials"))
    return " ".join(
        normal.texts([given, xmlstream.text(author.find("LastName")), xmlstream.text(author.find("Suffix"))])
    )


def _date(pubdate: Element | None) -> str:
    """Year, Month ("Mar" or "3") and Day; a MedlineDate ("2021 Mar-Apr", a span) gives its year only."""
    if pubdate is None:
        return ""
    year = xmlstream.text(pubdate.find("Year"))
    if year:
        return normal.date(year, xmlstream.text(pubdate.find("Month")), xmlstream.text(pubdate.find("Day")))
    return normal.iso_date(xmlstream.text(pubdate.find("MedlineDate"))[:4])
