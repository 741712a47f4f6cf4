"""The catalog of canned questions in ``queries/``: ``NAME.rq`` (SPARQL) and its twin ``NAME.cypher``.

A header is a run of comment lines (``#`` in SPARQL, ``//`` in Cypher) at the top of the file::

    # question: Which variants of a method were tested on a task?
    # param: method = LoRA    the parent method (matched on any of its names)
    # param: task = image segmentation
    # param: domain = ""  empty: any domain
    # columns: variant, dataset, papers

Parameters appear in the query as ``$method``; :func:`kg.store.bind_parameters` binds them in
SPARQL, Neo4j binds them as Cypher parameters. Each parameter also comes as ``$NAME_key``: its
value normalised as names are matched (:func:`kg.vocab.normalize_name`, what ``kgo:matchKey``
holds). Computed here rather than in SPARQL, a name is looked up by a constant, which every engine
answers from its index (Oxigraph: 0.1 ms instead of 60 ms for a key computed with BIND), and
no engine's string functions (Virtuoso's REPLACE mangles non-Latin-1 characters) come into it.

>>> catalog = load_catalog()
>>> query = catalog["lora-variants-for-task"]
>>> arguments = query.arguments({"task": "question answering", "method": "Low-Rank Adaptation"})
>>> arguments["task"], arguments["method_key"]
('question answering', 'lowrankadaptation')
>>> load_catalog(language="cypher")["lora-variants-for-task"].path.name
'lora-variants-for-task.cypher'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KgError
from .files import resource_dir
from .store import QueryError
from .vocab import normalize_name

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
        """Defaults overlaid with the given values, each also as ``NAME_key``; an unknown name is an error."""
        unknown = set(given) - set(self.params)
        if unknown:
            known = ", ".join(self.params) or "none"
            raise KgError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
        values = {**self.params, **given}
        return {**values, **{f"{name}_key": normalize_name(str(value)) for name, value in values.items()}}


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
                raise KgError(f"{path}:{number}: a parameter is written 'name = default  help'")
            name, default, help_text = param.groups()
            query.params[name] = default[1:-1] if default.startswith('"') else default
            query.param_help[name] = (help_text or "").strip()
    if not query.question:
        raise KgError(f"{path}:1: the header has no '{comment} question:' line")
    return query


def lookup(catalog: dict[str, CannedQuery], name: str) -> CannedQuery:
    """``catalog[name]``, or a :class:`~kg.store.QueryError` that says how to list the catalog."""
    if name not in catalog:
        raise QueryError(f"no canned query {name!r} (run `kg query --list` to list them)")
    return catalog[name]


def load_catalog(folder: Path = QUERIES, language: str = "sparql") -> dict[str, CannedQuery]:
    """All canned queries of a folder in one language (``sparql`` or ``cypher``), by name."""
    return {path.stem: parse_query_file(path) for path in sorted(Path(folder).glob("*" + SUFFIX[language]))}
