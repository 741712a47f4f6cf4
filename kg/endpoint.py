"""A build's graph in a SPARQL 1.1 server: push it into a named graph, run queries there.

:func:`push` replaces the named graph it wrote last time (by default ``<base IRI>graph``), so a
second push never duplicates a triple. With a Graph Store URL (the SPARQL 1.1 Graph Store HTTP
Protocol) that is one HTTP PUT of the graph as N-Triples; without one it is SPARQL 1.1 Update: the triples
go into a staging graph in batches of ``INSERT DATA``, then ``MOVE`` replaces the named graph in one
step, so readers never see half a graph. :func:`select` runs a query over the pushed graph only
(the protocol's ``default-graph-uri``), with parameters bound exactly as for the local store.

Credentials are answered to the server's challenge (HTTP Basic or Digest) and never appear in an
error or a report. Only the standard library's ``urllib`` speaks HTTP.

>>> default_graph_iri("https://w3id.org/kg-ml/resource/")
'https://w3id.org/kg-ml/resource/graph'
>>> public_url("http://dba:secret@localhost:8890/sparql-auth?graph=x")
'http://localhost:8890/sparql-auth'
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import KgError
from .rdf import PREFIXES, graph_ntriples
from .store import ALL, Page, Table, _py, bind_parameters, build_advice, shorten

BATCH = 2000  # triples a SPARQL Update request; Virtuoso takes far more, small servers may not
TIMEOUT = 300  # seconds one request may take
# One line, so that the server's "line N" in an error is the line of the query as written.
PREFIX_LINE = " ".join(f"PREFIX {name}: <{namespace}>" for name, namespace in PREFIXES.items()) + " "


class EndpointError(KgError):
    """The server could not be reached, refused us, or answered an error: one line saying which."""


@dataclass
class PushReport:
    endpoint: str  # without credentials
    graph: str
    triples: int  # in the build's graph, and in the server's named graph after the push
    method: str  # "graph store" or "update"
    requests: int
    seconds: float


def default_graph_iri(base: str) -> str:
    """The named graph a build is pushed to: its base IRI + ``graph``."""
    return base + "graph"


def public_url(url: str) -> str:
    """A URL as it may be shown: no user, password, query string or fragment."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def build_graph_iri(build_dir: str | Path) -> str:
    """The default named graph of a build, from the base IRI in its manifest."""
    manifest = Path(build_dir) / "manifest.json"
    if not manifest.is_file():
        raise EndpointError(f"{build_dir}: no complete build here ({build_advice(build_dir)})")
    return default_graph_iri(json.loads(manifest.read_text(encoding="utf-8"))["base_iri"])


def push(
    build_dir: str | Path,
    endpoint: str,
    graph_iri: str | None = None,
    user: str | None = None,
    password: str | None = None,
    *,
    graph_store: str | None = None,
    batch: int = BATCH,
) -> PushReport:
    """Replace the named graph ``graph_iri`` on the server with the build's graph; check the count.

    ``endpoint`` is the server's SPARQL endpoint (query and update); ``graph_store``, if the
    server has one, its Graph Store Protocol URL (Virtuoso: ``/sparql-graph-crud-auth``).
    """
    started = time.monotonic()
    graph_iri = graph_iri or build_graph_iri(build_dir)
    _check_iri(graph_iri)
    if not (Path(build_dir) / "store").is_dir():
        raise EndpointError(f"{build_dir}: no built graph (build it again: {build_advice(build_dir)})")
    lines = [line for line in graph_ntriples(build_dir).decode("utf-8").splitlines() if line.strip()]
    if graph_store:
        method, requests = "graph store", 1
        url = graph_store + ("&" if "?" in graph_store else "?") + urllib.parse.urlencode({"graph": graph_iri})
        # N-Triples is Turtle, and every Graph Store implementation reads Turtle.
        body = ("\n".join(lines) + "\n").encode("utf-8")
        authorize = _authorizer(url, user, password)
        _open(
            urllib.request.Request(url, body, {"Content-Type": "text/turtle; charset=utf-8"}, method="PUT"), authorize
        )
    else:
        method, requests = "update", 0
        staging = graph_iri + "-staging"
        updates = [f"DROP SILENT GRAPH <{staging}>"]
        updates += [
            f"INSERT DATA {{ GRAPH <{staging}> {{\n" + "\n".join(lines[i : i + batch]) + "\n} }"
            for i in range(0, len(lines), batch)
        ]
        updates.append(f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph_iri}>")
        authorize = _authorizer(endpoint, user, password)
        for update in updates:
            _post(endpoint, {"update": update}, authorize)
            requests += 1
    count = select(
        endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", graph_iri=graph_iri, user=user, password=password
    ).rows[0][0]
    if count != len(lines):
        raise EndpointError(
            f"{public_url(endpoint)}: graph <{graph_iri}> holds {count} triples after the push, "
            f"the build has {len(lines)}"
        )
    return PushReport(public_url(endpoint), graph_iri, len(lines), method, requests, time.monotonic() - started)


def select(
    endpoint: str,
    sparql: str,
    params: dict | None = None,
    graph_iri: str | None = None,
    *,
    user: str | None = None,
    password: str | None = None,
    page: Page = ALL,
) -> Table:
    """Run a SELECT or ASK query at the endpoint over ``graph_iri`` (else the server's default graph).

    The project's prefixes are predeclared and ``$name`` parameters bound as in :mod:`kg.store`;
    ``page`` keeps some of the rows, as the local store does.
    """
    form = {"query": PREFIX_LINE + bind_parameters(sparql, params)}
    if graph_iri:
        _check_iri(graph_iri)
        form["default-graph-uri"] = graph_iri
    body = _post(endpoint, form, _authorizer(endpoint, user, password))
    try:
        answer = json.loads(body)
        if "boolean" in answer:
            return Table(["ask"], [[bool(answer["boolean"])]])
        columns = answer["head"]["vars"]
        if columns == ["__ASK_RETVAL"]:  # Virtuoso 7.2 answers ASK as one row (true) or none (false)
            return Table(["ask"], [[bool(answer["results"]["bindings"])]])
        rows, total = page.take(answer["results"]["bindings"], lambda row: [_value(row.get(c)) for c in columns])
        return Table(columns, rows, total, page.offset)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise EndpointError(f"{public_url(endpoint)}: the answer is not SPARQL JSON results") from None


def _value(binding: dict | None):
    """A SPARQL JSON binding as the local store gives it (numbers as numbers, IRIs as strings)."""
    if binding is None:
        return None
    if binding["type"] in ("literal", "typed-literal") and "datatype" in binding:
        return _py(ox.Literal(binding["value"], datatype=ox.NamedNode(binding["datatype"])))
    return binding["value"]


def _check_url(url: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise EndpointError(f"{public_url(url)!r} is not an http(s) URL of a SPARQL endpoint")
    if parts.username is not None or parts.password is not None:
        raise EndpointError(f"{public_url(url)}: give the user and password apart, not inside the URL")


def _check_iri(iri: str) -> None:
    if not iri or any(c in iri for c in '<>"{}|^`\\ \n\t'):
        raise EndpointError(f"graph IRI {iri!r} is not a valid IRI")


Authorize = Callable[[urllib.request.Request], "str | None"]


def _authorizer(url: str, user: str | None, password: str | None) -> Authorize:
    """What each request to ``url`` sends as its Authorization header, learnt from one challenge.

    The challenge is asked for with a body-less HEAD: a server that challenges a large PUT or
    POST may close the connection before the body is sent, so no body travels unauthorised.
    """
    if user is None:
        return lambda request: None
    try:
        _open(urllib.request.Request(url, method="HEAD"), lambda request: None)
        return lambda request: None  # no challenge: the server does not ask for credentials here
    except _Challenged as challenged:
        scheme, _, fields = challenged.header.partition(" ")
    if scheme.lower() == "basic":
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
        authorize = lambda request: "Basic " + token  # noqa: E731
    elif scheme.lower() == "digest":
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, url, user, password or "")
        digest = urllib.request.HTTPDigestAuthHandler(passwords)  # the standard library's Digest arithmetic
        challenge = urllib.request.parse_keqv_list(urllib.request.parse_http_list(fields))

        def authorize(request: urllib.request.Request) -> str:
            answer = digest.get_authorization(request, challenge)  # None: a challenge it cannot answer
            if answer is None:
                raise EndpointError(
                    f"{public_url(url)}: the server's Digest challenge names an algorithm or "
                    "protection kg cannot answer"
                )
            return "Digest " + answer
    else:
        raise EndpointError(
            f"{public_url(url)}: the server asks for {scheme or 'unknown'} authentication; kg answers Basic and Digest"
        )
    try:  # the credentials, tried on a body-less request: a wrong password fails here, cleanly
        _open(urllib.request.Request(url, method="HEAD"), authorize)
    except _Refused:
        raise
    except EndpointError:
        pass  # HEAD itself may be unsupported (Virtuoso: 501); the credentials were accepted
    return authorize


class _Challenged(EndpointError):
    """HTTP 401 to a request without credentials; ``header`` is the server's challenge."""

    def __init__(self, message: str, header: str):
        super().__init__(message)
        self.header = header


class _Refused(EndpointError):
    """HTTP 401 to a request with credentials."""


def _open(request: urllib.request.Request, authorize: Authorize) -> bytes:
    """Send one request; every way it can fail becomes one EndpointError line that names no credential."""
    _check_url(request.full_url)
    where = public_url(request.full_url)
    authorization = authorize(request)
    if authorization:
        request.add_unredirected_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code == 401 and authorization:
            raise _Refused(f"{where}: HTTP 401, the server refused the user and password") from None
        if error.code == 401:
            raise _Challenged(
                f"{where}: HTTP 401, the server needs a user and password", error.headers.get("WWW-Authenticate", "")
            ) from None
        if error.code == 403:
            raise EndpointError(f"{where}: HTTP 403, the server denies this user access") from None
        raise EndpointError(f"{where}: HTTP {error.code}: {_message(error)}") from None
    except urllib.error.URLError as error:
        raise EndpointError(f"{where}: cannot reach the server ({_reason(error.reason)})") from None
    except TimeoutError:
        raise EndpointError(f"{where}: no answer within {TIMEOUT} s") from None
    except OSError as error:  # a connection reset or broken mid-answer
        raise EndpointError(f"{where}: connection failed ({_reason(error)})") from None
    except ValueError as error:  # http.client's InvalidURL: a bad port or host
        raise EndpointError(f"{where}: not a usable URL ({error.__class__.__name__})") from None


def _post(url: str, form: dict, authorize: Authorize) -> bytes:
    body = urllib.parse.urlencode(form).encode("utf-8")
    headers = {
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Accept": "application/sparql-results+json",
    }
    return _open(urllib.request.Request(url, body, headers, method="POST"), authorize)


def _reason(reason) -> str:
    return getattr(reason, "strerror", None) or str(reason)


def _message(error: urllib.error.HTTPError) -> str:
    """The first line of the server's error text, or the HTTP reason phrase."""
    try:
        text = error.read().decode(error.headers.get_content_charset() or "utf-8", "replace")
    except OSError:
        text = ""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "") or str(error.reason)
    return shorten(line, 300)
