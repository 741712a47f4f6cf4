"""Metadata in the normal forms of :data:`kg.records.METADATA_FIELDS` and :data:`~kg.records.IDENTIFIERS`.

>>> doi("https://doi.org/10.48550/arXiv.2106.09685"), arxiv("arXiv:2106.09685v2"), arxiv_version("2106.09685v2")
('10.48550/arxiv.2106.09685', '2106.09685', 2)
>>> date(2021, "Jun", 17), given_family("Hu, Edward J.")
('2021-06-17', 'Edward J. Hu')
"""

from __future__ import annotations

import re
from email.utils import parsedate

_DOI = re.compile(r"10\.\d{4,9}/\S+")
# new-style ids (2106.09685, 0704.0001) and old-style ones (hep-th/9901001, math.GT/0309136)
_ARXIV = re.compile(r"(\d{4}\.\d{4,5}|[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?", re.IGNORECASE)
_OPENALEX = re.compile(r"\bW\d+\b")
_S2 = re.compile(r"\b[0-9a-f]{40}\b")
_PMID = re.compile(r"(\d{1,9})/?$")
MONTHS = {name: number for number, name in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}


def doi(text: object) -> str:
    """The DOI in ``text``, lower case, without its ``https://doi.org/`` (``""`` if none)."""
    found = _DOI.search(text) if isinstance(text, str) else None
    return found.group().lower().rstrip(".,;") if found else ""


def arxiv(text: object) -> str:
    """The arXiv id in ``text`` (an id, ``arXiv:`` id or abs/pdf link), without its version."""
    found = _ARXIV.search(text) if isinstance(text, str) else None
    return found.group(1) if found else ""


def arxiv_version(text: object) -> int:
    """The version in an arXiv id such as ``2106.09685v2`` (0 if it names none)."""
    found = _ARXIV.search(text) if isinstance(text, str) else None
    return int(found.group(2)) if found and found.group(2) else 0


def pmid(text: object) -> str:
    """A PubMed id: digits, from ``34567890`` or ``https://pubmed.ncbi.nlm.nih.gov/34567890``."""
    found = _PMID.search(text.strip()) if isinstance(text, str) else None
    return found.group(1) if found else str(text) if isinstance(text, int) and not isinstance(text, bool) else ""


def openalex(text: object) -> str:
    """An OpenAlex work id (``W3168867926``), from the id or its ``https://openalex.org/`` URL."""
    found = _OPENALEX.search(text) if isinstance(text, str) else None
    return found.group() if found else ""


def s2(text: object) -> str:
    """A Semantic Scholar paperId (40 hex digits), from the id or a paper URL."""
    found = _S2.search(text) if isinstance(text, str) else None
    return found.group() if found else ""


def identifiers(record: dict) -> None:
    """Put the identifiers a plain record gives (any form) in normal form, and an arXiv DOI's id under arxiv."""
    for key, normal in (("doi", doi), ("arxiv", arxiv), ("pmid", pmid), ("openalex", openalex), ("s2", s2)):
        if record.get(key) not in (None, ""):
            record[key] = normal(record[key]) or record[key]
    if str(record.get("doi", "")).startswith("10.48550/arxiv.") and not record.get("arxiv"):
        record["arxiv"] = arxiv(record["doi"])  # arXiv's own DOIs (DataCite) name the arXiv id


def date(year: object, month: object = None, day: object = None) -> str:
    """An ISO date as precise as the parts given: ``"2021"``, ``"2021-06"`` or ``"2021-06-17"``."""
    try:
        y = int(str(year).strip()[:4])
    except ValueError:
        return ""
    m = _month(month)
    try:
        d = int(str(day)) if m and day not in (None, "") else 0
    except ValueError:
        d = 0
    if not 1000 <= y <= 9999:
        return ""
    return f"{y:04d}-{m:02d}-{d:02d}" if 1 <= d <= 31 else f"{y:04d}-{m:02d}" if m else f"{y:04d}"


def _month(month: object) -> int:
    text = str(month or "").strip().lower()
    number = int(text) if text.isdigit() else MONTHS.get(text[:3], 0)
    return number if 1 <= number <= 12 else 0


def iso_date(text: object) -> str:
    """``"2021-06-17"``, ``"2021-06"``, ``"2021"`` or ``"2021/06/17/"`` (RIS) as an ISO date (``""`` if not one)."""
    parts = re.findall(r"\d+", text) if isinstance(text, str) else []
    return date(*parts[:3]) if parts and len(parts[0]) == 4 else ""


def email_date(text: object) -> str:
    """An e-mail style date (``"Mon, 2 Apr 2007 19:18:42 GMT"``, arXiv's versions) as ``"2007-04-02"``."""
    parsed = parsedate(text) if isinstance(text, str) else None
    return date(*parsed[:3]) if parsed else ""


def year_of(iso: str) -> int | None:
    return int(iso[:4]) if iso[:4].isdigit() else None


def given_family(name: str) -> str:
    """``"Family, Given"`` (BibTeX, RIS) as ``"Given Family"``; other names as they are, spaces joined."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) == 2 and all(parts):
        return f"{parts[1]} {parts[0]}"
    if len(parts) == 3 and all(parts):  # "Family, Jr., Given"
        return f"{parts[2]} {parts[0]} {parts[1]}"
    return " ".join(name.split())


def texts(value: object) -> list[str]:
    """The non-empty strings of a list (others dropped), or of a single string."""
    items = value if isinstance(value, list) else [value]
    return [" ".join(item.split()) for item in items if isinstance(item, str) and item.strip()]


def unique(items: list[str]) -> list[str]:
    """``items`` without repeats (case-insensitive), first occurrences kept in order."""
    firsts: dict[str, str] = {}
    for item in items:
        firsts.setdefault(item.casefold(), item)
    return list(firsts.values())
