"""The SPARQL store of a build: Oxigraph on disk (``<build>/store``), rdflib's engine on request.

Parameters are written ``$name`` in a query (a valid SPARQL variable, so the query also runs
unbound) and each is bound as one escaped RDF literal term, never as raw text: a value cannot
change what a query does. Both engines run the same bound text.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "graph.nt").write_text('<http://x/a> <http://www.w3.org/2000/01/rdf-schema#label> "LoRA" .')
>>> create_store(folder / "graph.nt", folder / "store")
>>> _ = (folder / "manifest.json").write_text("{}")  # what marks a build complete
>>> open_store(folder).select("SELECT ?s WHERE { ?s rdfs:label $name }", {"name": "LoRA"}).rows
[['http://x/a']]
"""

from __future__ import annotations

import csv
import io
import json
import queue
import re
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import cast

import pyoxigraph as ox
import rdflib
from rdflib.query import ResultRow
from rdflib.term import Node

from .errors import KgError
from .files import folder_lock
from .rdf import PREFIXES, graph_ntriples

ENGINES = ("oxigraph", "rdflib")
_PREFIXES = {name: str(namespace) for name, namespace in PREFIXES.items()}


class QueryError(KgError):
    """A query that cannot run: bad syntax, an update where only reads are allowed, a missing build."""


def is_update(sparql: str) -> bool:
    """Whether ``sparql`` parses as a SPARQL 1.1 update (INSERT, DELETE, DROP, CLEAR, LOAD, CREATE, ...).

    A real parse, not a keyword search: a query that mentions "DROP" in a string stays a query.

    >>> is_update('DROP ALL'), is_update('SELECT * { ?s ?p "DROP ALL" }'), is_update("")
    (True, False, False)
    """
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        operations = parseUpdate(sparql).get("request")
    except Exception:  # pyparsing raises errors of several classes
        return False
    return isinstance(operations, list) and bool(operations)


def _refuse_update(sparql: str) -> None:
    if is_update(sparql):
        raise QueryError("this is a SPARQL update, which would change the graph; pass --allow-update to run it")


# Strings, IRIs and comments are matched whole, so a "$x" inside them is never taken for a parameter.
SPARQL_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r'|<[^<>"{}|^`\\\s]*>'
    r"|#[^\n]*"
    r"|\$(\w+)"
)


def bind_parameters(sparql: str, params: dict | None) -> str:
    """Replace each ``$name`` variable that has a value by that value as one escaped literal term;
    one whose value is ``None`` becomes the unbound variable ``?name``, which matches anything.

    >>> print(bind_parameters('SELECT * { ?m rdfs:label $name FILTER(?x != "$name") }', {"name": 'a" } DROP ALL #'}))
    SELECT * { ?m rdfs:label "a\\" } DROP ALL #" FILTER(?x != "$name") }
    >>> bind_parameters("SELECT * { ?m kgo:matchKey $name_key }", {"name_key": None})
    'SELECT * { ?m kgo:matchKey ?name_key }'
    """
    if not params:
        return sparql

    def term(match: re.Match) -> str:
        name = match.group(1)
        if name not in params:
            return match.group(0)
        # ?name, not $name: some servers (Virtuoso) read $name as a parameter of their own
        return f"?{name}" if params[name] is None else str(_ox_term(params[name]))

    return SPARQL_TOKENS.sub(term, sparql)


@dataclass(frozen=True)
class Page:
    """Which rows of an answer to keep: ``limit`` of them (``None``: all) after the first ``offset``.

    The engines evaluate the whole answer in its own order and convert only the kept rows, so a page
    and the total come from one evaluation, and pages of one answer never overlap or leave a gap.

    >>> Page(limit=2, offset=1).take("abcd", str.upper)
    (['B', 'C'], 4)
    """

    limit: int | None = None
    offset: int = 0

    def take(self, rows: Iterable, convert: Callable) -> tuple[list, int]:
        """The rows of this page, each ``convert``-ed, and how many rows there were in all."""
        end = None if self.limit is None else self.offset + self.limit
        kept, total = [], 0
        for total, row in enumerate(rows, start=1):
            if total > self.offset and (end is None or total <= end):
                kept.append(convert(row))
        return kept, total


ALL = Page()


@dataclass
class Table:
    """Query answers: column names and rows of plain Python values; where they are one page of a
    longer answer, ``total`` rows in all, of which these start after the first ``offset``."""

    columns: list[str]
    rows: list[list]
    total: int | None = None
    offset: int = 0

    def footer(self) -> str | None:
        """Where this page sits in the whole answer, when it does not hold all of it.

        >>> Table(["n"], [[3], [4]], total=5, offset=2).footer()
        'rows 3-4 of 5 (--offset 4 for the next page)'
        """
        if self.total is None or (self.offset == 0 and len(self.rows) == self.total):
            return None
        if not self.rows:
            return f"no rows after the first {self.offset} (of {self.total})"
        last = self.offset + len(self.rows)
        more = f" (--offset {last} for the next page)" if last < self.total else ""
        return f"rows {self.offset + 1}-{last} of {self.total}{more}"

    def render(self, fmt: str = "table") -> str:
        """The answers as an aligned text ``table``, ``json`` (a list of objects) or ``csv``.

        >>> print(Table(["model", "n"], [["LLaMA", 3]]).render())
        model  n
        -----  -
        LLaMA  3
        """
        if fmt == "json":
            return json.dumps(
                [dict(zip(self.columns, row, strict=True)) for row in self.rows], ensure_ascii=False, indent=2
            )
        if fmt == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            writer.writerow(self.columns)
            writer.writerows([["" if v is None else v for v in row] for row in self.rows])
            return buffer.getvalue().rstrip("\n")
        cells = [self.columns] + [[_cell(v) for v in row] for row in self.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


BULK_LOAD_BYTES = (
    8 << 20
)  # measured on a 1.3M-triple graph: 8 MB at a time loads fastest (5.1 s) in 110 MB; 64 MB took 7 s in 540 MB


def create_store(rdf_file: Path, folder: Path) -> None:
    """(Re)create the Oxigraph store from an RDF file (format by extension: ``.ttl``, ``.nt``, ...);
    the old store stays until the new one is whole."""
    with StoreLoader(folder) as loader:
        if Path(rdf_file).suffix == ".nt":
            # N-Triples can be cut at any line: one bulk load of a whole big file buffers gigabytes
            with open(rdf_file, "rb") as stream:
                while chunk := stream.readlines(BULK_LOAD_BYTES):
                    loader.store.bulk_load(b"".join(chunk), format=ox.RdfFormat.N_TRIPLES)
        else:
            loader.store.bulk_load(path=str(rdf_file), format=ox.RdfFormat.from_extension(Path(rdf_file).suffix[1:]))


class StoreLoader:
    """A new Oxigraph store for ``folder``, built beside it; it replaces the old one only when the
    block ends without an error, so a failed build leaves the last good store in place.

    :meth:`add` takes N-Triples lines in any order (repeats are fine: a store holds a set) and loads
    them on a thread of its own: Oxigraph's loader releases Python's lock, so the caller goes on
    producing lines meanwhile.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "store"
    >>> with StoreLoader(folder) as loader:
    ...     loader.add(['<http://x/a> <http://x/p> "b" .\\n'] * 2)
    >>> len(ox.Store.read_only(str(folder)))
    1
    """

    def __init__(self, folder: Path, chunk_bytes: int = BULK_LOAD_BYTES):
        self.folder = Path(folder)
        self.chunk_bytes = chunk_bytes

    def __enter__(self):
        self._staging = self.folder.with_name(self.folder.name + ".new")
        shutil.rmtree(self._staging, ignore_errors=True)
        self.store = ox.Store(str(self._staging))
        self._pending: list[str] = []
        self._size = 0
        self._queue: queue.Queue = queue.Queue(maxsize=4)  # a few chunks in flight bound the memory
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._load, name="store-loader", daemon=True)
        self._thread.start()
        return self

    def add(self, lines: list[str]) -> None:
        if self._error is not None:  # a chunk sent earlier failed to load
            raise self._error
        self._pending += lines
        self._size += sum(map(len, lines))
        if self._size >= self.chunk_bytes:
            self._send()

    def _send(self) -> None:
        if self._pending:
            self._queue.put("".join(self._pending).encode())
        self._pending, self._size = [], 0

    def _load(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self.store.bulk_load(chunk, format=ox.RdfFormat.N_TRIPLES)
                except BaseException as error:  # reported to the producer at its next add or at the end
                    self._error = error

    def __exit__(self, *failure):
        try:
            if failure[0] is None:
                self._send()
        finally:
            self._queue.put(None)
            self._thread.join()
        if failure[0] is not None or self._error is not None:
            del self.store
            shutil.rmtree(self._staging, ignore_errors=True)
            if self._error is not None and failure[0] is None:
                raise self._error
            return False
        self.store.flush()
        del self.store
        retired = self.folder.with_name(self.folder.name + ".old")
        shutil.rmtree(retired, ignore_errors=True)
        if self.folder.exists():
            self.folder.rename(retired)
        self._staging.rename(self.folder)
        shutil.rmtree(retired, ignore_errors=True)
        return False


def open_store(build: str | Path, engine: str = "oxigraph") -> OxigraphStore | RdflibStore:
    """Open a build's graph for reading with the named engine."""
    build = Path(build)
    if engine not in ENGINES:
        raise QueryError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if not (build / "store").is_dir():
        raise QueryError(f"{build}: no built graph here ({build_advice(build)})")
    if not (build / "manifest.json").exists():  # build.py writes it last: without it the store may be half-made
        raise QueryError(
            f"{build}: the build here is incomplete (no manifest.json: interrupted or still running); "
            f"run the `kg build ... --out {build}` that made it again to finish it"
        )
    if engine == "rdflib":
        graph = rdflib.Graph()
        graph.parse(data=graph_ntriples(build), format="nt")
        return RdflibStore(graph)
    return OxigraphStore(ox.Store.read_only(str(build / "store")))


def build_advice(build: str | Path) -> str:
    """What to run where a build folder holds no build: a build of the user's papers into it (a bare
    ``kg build --out`` would build the example corpus there).

    >>> build_advice("mypapers")
    'build one with `kg build PAPERS --out mypapers`, PAPERS being your files or folders of papers'
    """
    return f"build one with `kg build PAPERS --out {build}`, PAPERS being your files or folders of papers"


_CYPHER_PARAMETER = re.compile(r'"(?:[^"\\]|\\.)*"' r"|'(?:[^'\\]|\\.)*'" r"|`[^`]*`|//[^\n]*|\$(\w+)")


def parameters_of(text: str, suffix: str = ".rq") -> list[str]:
    """The ``$name`` parameters a query uses, in order of first use (not those in strings, IRIs or
    comments).

    >>> parameters_of('SELECT * { ?m rdfs:label $name ; kgo:x "$not" } # $nor')
    ['name']
    >>> parameters_of("MATCH (m {label: $name}) RETURN '$not' AS x", ".cypher")
    ['name']
    """
    pattern = _CYPHER_PARAMETER if suffix == ".cypher" else SPARQL_TOKENS
    return list(dict.fromkeys(m.group(1) for m in pattern.finditer(text) if m.group(1)))


def no_value_given(missing: list[str]) -> str:
    """How a query using parameters without a value is told: what to pass."""
    passes = " ".join(f"-p {name}=VALUE" for name in missing)
    return f"uses ${', $'.join(missing)} but no value is given: pass {passes}"


def check_parameters(sparql: str, params: dict) -> None:
    """A :class:`QueryError` where an ad-hoc query uses a ``$name`` no parameter gives (unbound, it
    would match anything) or a parameter is given that the query does not use.

    >>> check_parameters("SELECT * { ?m rdfs:label $name }", {"name": "LoRA"})
    >>> check_parameters("SELECT * { ?m rdfs:label $name }", {})
    Traceback (most recent call last):
    kg.store.QueryError: the query uses $name but no value is given: pass -p name=VALUE
    >>> check_parameters("SELECT * { ?m rdfs:label ?name }", {"name": "LoRA"})
    Traceback (most recent call last):
    kg.store.QueryError: -p name: the query has no $name
    """
    used = parameters_of(sparql)
    missing = [name for name in used if name not in params]
    if missing:
        raise QueryError(f"the query {no_value_given(missing)}")
    unused = [name for name in params if name not in used]
    if unused:
        raise QueryError(f"-p {unused[0]}: the query has no ${unused[0]}")


_PREFIX_DECLARED = re.compile(r"(?i)\bPREFIX\s+([A-Za-z][\w.-]*)?:")
_PREFIX_USED = re.compile(r"(?<![\w?$:.-])([A-Za-z][\w.-]*)?:(?=[\w%\\])")


def unknown_prefixes(sparql: str) -> list[str]:
    """The prefixes a query uses that are neither predeclared nor declared in it.

    >>> unknown_prefixes('PREFIX ex: <http://x/> SELECT * { ?s ex:p foo:bar ; rdfs:label "a:b" } # c:d')
    ['foo']
    """
    masked = SPARQL_TOKENS.sub(lambda m: m.group(0) if m.group(1) else " ", sparql)
    known = set(_PREFIXES) | {p or "" for p in _PREFIX_DECLARED.findall(masked)}
    return list(dict.fromkeys(p or "" for p in _PREFIX_USED.findall(masked) if (p or "") not in known))


def _syntax_error(sparql: str, error: Exception) -> QueryError:
    """One line for a query that does not parse: an unknown prefix named as such, else the parser's
    message without its list of every character it expected."""
    unknown = unknown_prefixes(sparql)
    if unknown:
        return QueryError(
            f"unknown prefix {unknown[0]}: (predeclared: {', '.join(sorted(_PREFIXES))}; "
            f"declare others with PREFIX {unknown[0]}: <...>)"
        )
    message = " ".join(str(error).split())
    head, expected, _ = message.partition(" expected one of ")
    if expected and len(message) > 200:
        message = head + " unexpected text here"
    return QueryError(f"SPARQL syntax error: {message}")


def update_store(build: str | Path, sparql: str, params: dict | None = None) -> int:
    """Run a SPARQL update on a build's Oxigraph store, holding the build's lock; returns the change
    in triple count. Only the store changes: graph.json and a graph.nt already written keep the graph
    as built (a serialisation asked for later is written from the store, the update included)."""
    build = Path(build)
    open_store(build)  # the same checks as a read: a complete build is there
    with folder_lock(build):
        store = ox.Store(str(build / "store"))
        before = len(store)
        try:
            store.update(bind_parameters(sparql, params), prefixes=_PREFIXES)
        except SyntaxError as error:
            raise _syntax_error(sparql, error) from None
        store.flush()
        return len(store) - before


class OxigraphStore:
    def __init__(self, store: ox.Store):
        self.store = store

    def select(self, sparql: str, params: dict | None = None, page: Page = ALL) -> Table:
        try:
            solutions = self.store.query(bind_parameters(sparql, params), prefixes=_PREFIXES)
        except SyntaxError as error:
            _refuse_update(sparql)
            raise _syntax_error(sparql, error) from None
        if isinstance(solutions, ox.QueryBoolean):
            return Table(["ask"], [[bool(solutions)]])
        if isinstance(solutions, ox.QueryTriples):
            return Table(
                ["subject", "predicate", "object"],
                [[_py(t.subject), _py(t.predicate), _py(t.object)] for t in solutions],
            )
        columns = [v.value for v in solutions.variables]
        rows, total = page.take(solutions, lambda solution: [_py(solution[c]) for c in columns])
        return Table(columns, rows, total, page.offset)


class RdflibStore:
    def __init__(self, graph: rdflib.Graph):
        self.graph = graph

    def select(self, sparql: str, params: dict | None = None, page: Page = ALL) -> Table:
        try:
            result = self.graph.query(bind_parameters(sparql, params), initNs=PREFIXES)
        except Exception as error:  # rdflib raises pyparsing errors of several classes
            _refuse_update(sparql)
            if unknown_prefixes(sparql):
                raise _syntax_error(sparql, error) from None
            raise QueryError(f"SPARQL error: {error}") from None
        if result.type == "ASK":
            return Table(["ask"], [[bool(result.askAnswer)]])
        # rdflib types the items of every kind of result as one union: triples here, rows below
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            triples = cast("Iterable[tuple[Node, Node, Node]]", result)
            return Table(["subject", "predicate", "object"], [[_py_rdflib(t) for t in triple] for triple in triples])
        columns = [str(v) for v in result.vars or ()]  # a SELECT result always has its variables
        rows, total = page.take(cast("Iterable[ResultRow]", result), lambda row: [_py_rdflib(row[c]) for c in columns])
        return Table(columns, rows, total, page.offset)


TABLE_CELL_CHARS = 70


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, an ellipsis marking the cut.

    >>> shorten("Low-Rank Adaptation", 8)
    'Low-Ran…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _cell(value) -> str:
    """A value for the text table, cut to a readable width (json and csv keep it whole)."""
    return shorten("" if value is None else str(value), TABLE_CELL_CHARS)


def _ox_term(value):
    if isinstance(value, bool):
        return ox.Literal(str(value).lower(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean"))
    if isinstance(value, (int, float)):
        return ox.Literal(value)
    return ox.Literal(str(value))


_NUMERIC = {"integer", "int", "long", "short", "decimal", "double", "float", "nonNegativeInteger"}


def _py(term):
    """An Oxigraph term as a plain Python value (IRIs as strings, numbers as numbers)."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value.rsplit("#", 1)[-1]
        if datatype in _NUMERIC:
            number = Decimal(term.value)
            return int(number) if datatype not in ("decimal", "double", "float") else float(number)
        if datatype == "boolean":
            return term.value == "true"
        return term.value
    return term.value


def _py_rdflib(term):
    if term is None:
        return None
    if isinstance(term, rdflib.Literal):
        value = term.toPython()
        if isinstance(value, Decimal):
            return float(value)
        return value if isinstance(value, (int, float, bool)) else str(term)
    return str(term)
