"""The catalog of canned questions in ``queries/``: ``NAME.rq`` (SPARQL) and its twin ``NAME.cypher``.

A header is a run of comment lines (``#`` in SPARQL, ``//`` in Cypher) at the top of the file::

    # question: Which variants of a method were tested on a task?
    # param: method = LoRA    the parent method (matched on any of its names)
    # param: task = image segmentation
    # param: domain = ""  empty: any domain
    # columns: variant, dataset, papers

Parameters appear in the query as ``$method``; :func:`kg.store.bind_parameters` binds them in
SPARQL, Neo4j binds them as Cypher parameters. A SPARQL query that normalises a name parameter
writes ``STR(REPLACE(LCASE(STRDT($name, xsd:string)), ...))``: Virtuoso 7.2 turns the non-Latin-1
characters of a plain literal into "?" in REPLACE, but not those of a typed one; the outer STR()
makes the key a plain literal again, which rdflib's engine needs to compare it with stored keys.

>>> catalog = load_catalog()
>>> query = catalog["lora-variants-for-task"]
>>> query.arguments({"task": "question answering"})["method"]
'LoRA'
>>> load_catalog(language="cypher")["lora-variants-for-task"].path.name
'lora-variants-for-task.cypher'
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .files import resource_dir

QUERIES = resource_dir("queries")
SUFFIX = {"sparql": ".rq", "cypher": ".cypher"}
COMMENT = {".rq": "#", ".cypher": "//"}
_HEADER = re.compile(r"(?:#|//)\s*(question|param|columns)\s*:\s*(.*)")
# name = default  help text (two spaces before the help); "" is an empty default
_PARAM = re.compile(r'(\w+)\s*=\s*("[^"]*"|\S+(?: \S+)*)(?:\s{2,}(.*))?$')


@dataclass
class CannedQuery:
    name: str
    question: str
    text: str  # the query as written, header included
    path: Path
    params: dict[str, str] = field(default_factory=dict)  # name -> default
    param_help: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)

    def arguments(self, given: dict[str, str]) -> dict[str, str]:
        """Defaults overlaid with the given values; an unknown parameter name is an error."""
        unknown = set(given) - set(self.params)
        if unknown:
            known = ", ".join(self.params) or "none"
            raise ValueError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
        return {**self.params, **given}


def parse_query_file(path: Path) -> CannedQuery:
    """Read one ``.rq`` or ``.cypher`` file and its header; ``ValueError("FILE:LINE: ...")`` if malformed."""
    text = path.read_text(encoding="utf-8")
    comment = COMMENT.get(path.suffix, "#")
    query = CannedQuery(name=path.stem, question="", text=text, path=path)
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith(comment):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match.groups()
        if key == "question":
            query.question = value.strip()
        elif key == "columns":
            query.columns = [c.strip() for c in value.split(",") if c.strip()]
        else:
            param = _PARAM.match(value.strip())
            if not param:
                raise ValueError(f"{path}:{number}: a parameter is written 'name = default  help'")
            name, default, help_text = param.groups()
            query.params[name] = default[1:-1] if default.startswith('"') else default
            query.param_help[name] = (help_text or "").strip()
    if not query.question:
        raise ValueError(f"{path}:1: the header has no '{comment} question:' line")
    return query


def load_catalog(folder: Path = QUERIES, language: str = "sparql") -> dict[str, CannedQuery]:
    """All canned queries of a folder in one language (``sparql`` or ``cypher``), by name."""
    return {path.stem: parse_query_file(path) for path in sorted(Path(folder).glob("*" + SUFFIX[language]))}
