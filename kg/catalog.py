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
holds). Computed here rather than in SPARQL, a name is looked up by a constant, which every
engine answers from its index (Oxigraph: 0.1 ms instead of 60 ms for a key computed with BIND),
and no engine's string functions (Virtuoso's REPLACE mangles non-Latin-1 characters) come into it.
An empty value means "any": its ``$NAME_key`` is left unbound, a SPARQL variable that matches
every name (a constant test such as ``FILTER(STR($name) = "")`` in a UNION instead made Oxigraph
scan every statement: 0.2 ms to 3 ms on the example corpus), and ``null`` in Cypher, which a
query tests with ``IS NULL``.

>>> catalog = load_catalog()
>>> query = catalog["lora-variants-for-task"]
>>> arguments = query.arguments({"task": "question answering", "method": "Low-Rank Adaptation"})
>>> arguments["task"], arguments["method_key"]
('question answering', 'lowrankadaptation')
>>> query.arguments({"domain": ""})["domain_key"] is None
True
>>> load_catalog(language="cypher")["lora-variants-for-task"].path.name
'lora-variants-for-task.cypher'

A user's own queries (``--queries DIR``, files of the same format) join the catalog, and a query
file can be named by its path (:func:`find_query`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KgError
from .files import resource_dir
from .store import QueryError, no_value_given, parameters_of
from .vocab import normalize_name

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
    required: list[str] = field(default_factory=list)  # parameters without a default (a headerless file's)

    def arguments(self, given: dict[str, str]) -> dict[str, str | None]:
        """Defaults overlaid with the given values, each also as ``NAME_key`` (``None`` for an empty
        value: any name); an unknown name, or a required one not given, is an error."""
        unknown = set(given) - set(self.params)
        if unknown:
            known = ", ".join(self.params) or "none"
            raise KgError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))} (parameters: {known})")
        missing = [name for name in self.required if name not in given]
        if missing:
            raise KgError(f"query {self.name!r} {no_value_given(missing)}")
        values: dict[str, str | None] = {**self.params, **given}
        keys = {f"{name}_key": normalize_name(str(value)) or None for name, value in values.items()}
        return {**values, **keys}


def parse_query_file(path: Path, require_header: bool = True) -> CannedQuery:
    """Read one ``.rq`` or ``.cypher`` file and its header; ``KgError("FILE:LINE: ...")`` if malformed.

    Without ``require_header`` (a file named by its path) a file may have no header: then every
    ``$name`` (or ``$name_key``) the query uses is a parameter without a default, which must be given.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KgError(f"{path}: no such query file") from None
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
        if require_header:
            raise KgError(f"{path}:1: the header has no '{comment} question:' line")
        query.question = f"(the query in {path})"
    if not query.params and not require_header:
        # $NAME_key is parameter NAME's value normalised (see CannedQuery.arguments), not a parameter of its own
        used = (name.removesuffix("_key") or name for name in parameters_of(text, path.suffix))
        query.required = list(dict.fromkeys(used))
        query.params = dict.fromkeys(query.required, "")
    return query


def did_you_mean(name: str, names: Iterable[str]) -> str:
    """`` (did you mean X?)`` for the names close to ``name``, or nothing.

    >>> did_you_mean("leaderbord", ["leaderboard", "what-beats"])
    " (did you mean 'leaderboard'?)"
    """
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    return f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""


def lookup(catalog: dict[str, CannedQuery], name: str) -> CannedQuery:
    """``catalog[name]``, or a :class:`~kg.store.QueryError` that names the close ones and says how
    to list the catalog."""
    if name not in catalog:
        raise QueryError(f"no canned query {name!r}{did_you_mean(name, catalog)} (`kg query --list` lists them)")
    return catalog[name]


def is_query_path(name: str) -> bool:
    """Whether ``name`` names a query file rather than a canned query: an existing file, or a name
    ending in ``.rq`` or ``.cypher``."""
    return name.endswith((".rq", ".cypher", ".sparql")) or Path(name).is_file()


def find_query(catalog: dict[str, CannedQuery], name: str) -> CannedQuery:
    """The canned query ``name``, or the query file at the path ``name`` (:func:`is_query_path`),
    which needs no header (:func:`parse_query_file`). A file's query keeps the path as its name."""
    if name not in catalog and is_query_path(name):
        query = parse_query_file(Path(name), require_header=False)
        query.name = name
        return query
    return lookup(catalog, name)


def load_catalog(
    folder: Path | None = None,
    language: str = "sparql",
    extra: Iterable[str | Path] = (),
    on_warning: Callable[[str], None] | None = None,
) -> dict[str, CannedQuery]:
    """All canned queries of a folder (default: the shipped ``queries/``) in one language
    (``sparql`` or ``cypher``), by name, then those of each ``extra`` folder (a user's ``--queries
    DIR``). A user's query of a shipped name replaces it, each such replacement handed to
    ``on_warning``; a missing folder, or one with no query file, is a :class:`KgError`."""
    folder = Path(folder) if folder is not None else resource_dir("queries")
    catalog = {path.stem: parse_query_file(path) for path in sorted(folder.glob("*" + SUFFIX[language]))}
    for more in map(Path, extra):
        if not more.is_dir():
            raise KgError(f"{more}: no such folder of queries (--queries takes a folder of .rq and .cypher files)")
        if not any(more.glob("*.rq")) and not any(more.glob("*.cypher")):
            raise KgError(f"{more}: no .rq or .cypher query files here")
        for path in sorted(more.glob("*" + SUFFIX[language])):
            if path.stem in catalog and on_warning is not None:
                on_warning(f"{path} replaces the query {path.stem!r} of {catalog[path.stem].path}")
            catalog[path.stem] = parse_query_file(path)
    return catalog
