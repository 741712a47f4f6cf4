"""``kg serve``: a build's graph over HTTP, read-only. A Starlette application served by uvicorn.

- ``/sparql``: the SPARQL 1.1 Protocol (GET and POST; see :mod:`kg.server.sparql`); updates are
  refused with 403. A browser asking for HTML gets a query form.
- ``/``: the counts, a question box (``kg ask``), a name search and every canned question as a form.
- ``/entity/<id>``, ``/paper/<id>``: one resource with every statement, its paper, evidence and
  confidence (see :mod:`kg.server.pages`).
- ``/answer/<query>?param=value``: a canned answer as a table, with CSV and JSON downloads and the
  SPARQL and Cypher behind it.
- ``/graph?focus=<id>``: the graph view around some resources; a node's link adds it to the focus.

Pages are rendered on the server and work without JavaScript; CORS lets browser clients of other
origins query ``/sparql``.

>>> from starlette.testclient import TestClient
>>> import tempfile
>>> from kg.build import build
>>> out = tempfile.mkdtemp()
>>> _ = build(None, out, embeddings=False)
>>> with TestClient(create_app(out, workers=1)) as client:
...     client.get("/sparql", params={"query": "ASK { ?s a kgo:Paper }"}).json()["boolean"]
True
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from ..ask import TYPE_ORDER, Context, Routing, param_specs, route_in
from ..catalog import load_catalog
from ..errors import KgError
from ..store import bind_parameters, is_update, open_store
from .pages import Site, identifier_links
from .sparql import SOLUTION_FORMATS, QueryRunner, SparqlFailure

_templates = Environment(loader=PackageLoader("kg.server", "templates"), autoescape=select_autoescape())


def quote_path(text: str) -> str:
    """A resource's path (``method/lora``) as it goes into a page's address."""
    return urllib.parse.quote(text, safe="/")


_templates.globals["quote"] = quote_path
FOCUS_LIMIT = 12  # resources a graph view starts from; an answer's first rows
SHOWN_ROWS = 500  # rows an answer page lists; the downloads hold them all


def create_app(
    build: str | Path, *, query_dirs: tuple[str, ...] = (), timeout: float = 30.0, workers: int = 2
) -> Starlette:
    """The server's application for one build folder: queries of ``/sparql`` and canned answers run
    in ``workers`` processes, each cancelled after ``timeout`` seconds."""
    build = Path(build)
    open_store(build)  # a missing or half-made build is a one-line error now, not at the first request
    site = Site(build)
    catalog = load_catalog(extra=query_dirs)
    cyphers = load_catalog(language="cypher", extra=query_dirs)
    state: dict = {}

    @asynccontextmanager
    async def lifespan(app):
        state["runner"] = QueryRunner(build / "store", workers=workers, timeout=timeout)
        try:
            yield
        finally:
            state["runner"].close()

    def page(template: str, status: int = 200, **context) -> HTMLResponse:
        context.setdefault("title", "")
        html = _templates.get_template(template).render(build=build.resolve().name, **context)
        return HTMLResponse(html, status_code=status)

    def not_found(what: str) -> HTMLResponse:
        return page("error.html", 404, title="Not found", message=what)

    # Each canned question as a form: a field that takes names of one kind suggests them.
    questions = [
        {
            "query": query,
            "fields": [
                {
                    "name": spec.name,
                    "default": spec.default,
                    "help": query.param_help.get(spec.name, ""),
                    "list": spec.types[0] if len(spec.types) == 1 and spec.types[0] in TYPE_ORDER else "",
                }
                for spec in param_specs(query, TYPE_ORDER)
            ],
        }
        for query in catalog.values()
    ]

    async def home(request: Request) -> Response:
        counts, names = await run_in_threadpool(lambda: (site.counts, site.names))
        return page("home.html", counts=counts, names=names, questions=questions)

    async def search(request: Request) -> Response:
        text = request.query_params.get("q", "").strip()
        hits = await run_in_threadpool(site.find, text) if text else []
        return page("search.html", title=f"Search: {text}", text=text, hits=hits)

    async def entity(request: Request) -> Response:
        local = request.path_params["id"]
        found = await run_in_threadpool(site.entity, local)
        if found is None:
            # a retired IRI (its names went into another node) leads to that node, permanently
            if heir := await run_in_threadpool(site.replaced_by, local):
                return RedirectResponse("/entity/" + urllib.parse.quote(heir), status_code=301)
            return not_found(f"the graph has no entity {local!r}")
        drawing = await run_in_threadpool(_drawing, site, [local])
        return page("entity.html", title=found["label"], entity=found, drawing=drawing)

    async def paper(request: Request) -> Response:
        local = "paper/" + request.path_params["id"]
        found = await run_in_threadpool(site.paper, local)
        if found is None:
            return not_found(f"the graph has no paper {local!r}")
        return page("paper.html", title=found["title"], paper=found, links=identifier_links(found))

    async def answer(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in catalog:
            return not_found(f"no canned question {name!r}")
        canned = catalog[name]
        given = {k: v for k, v in request.query_params.items() if k not in ("format",)}
        try:
            arguments = canned.arguments(given)
            sparql = bind_parameters(canned.text, arguments)
            table = await run_in_threadpool(state["runner"].table, sparql)
        except KgError as error:
            return page("error.html", 400, title="Bad request", message=str(error))
        except SparqlFailure as failure:
            return page("error.html", failure.status, title="Query failed", message=failure.reason)
        fmt = request.query_params.get("format")
        if fmt in ("csv", "json"):
            media = "text/csv" if fmt == "csv" else "application/json"
            disposition = f'attachment; filename="{name}.{fmt}"'
            return Response(table.render(fmt) + "\n", media_type=media, headers={"Content-Disposition": disposition})
        shown = table.rows[:SHOWN_ROWS]
        cells = {str(v) for row in shown for v in row if isinstance(v, str)}
        links = await run_in_threadpool(site.resolve_names, cells)
        focus = list(dict.fromkeys(links[c] for row in shown for c in map(str, row) if c in links))[:FOCUS_LIMIT]
        drawing = await run_in_threadpool(_drawing, site, focus) if focus else ""
        declared = {p: arguments[p] for p in canned.params}
        return page(
            "answer.html",
            title=canned.question,
            query=canned,
            declared=declared,
            table=table,
            shown=shown,
            links=links,
            sparql=canned.text,
            cypher=cyphers[name].text if name in cyphers else "",
            download=urllib.parse.urlencode(declared),
            drawing=drawing,
        )

    def route(question: str) -> Routing:
        if "names" not in state:  # the graph's names, read once, at the first question
            state["names"] = Context.of(build, catalog)
        return route_in(question, state["names"])

    async def ask(request: Request) -> Response:
        question = request.query_params.get("q", "").strip()
        if not question:
            return RedirectResponse("/", status_code=303)
        routing = await run_in_threadpool(route, question)
        if routing.query:
            target = f"/answer/{routing.query}?" + urllib.parse.urlencode(routing.params)
            return RedirectResponse(target, status_code=303)
        return page("ask.html", title=question, question=question, candidates=routing.candidates)

    async def graph(request: Request) -> Response:
        focus = list(dict.fromkeys(request.query_params.getlist("focus")))
        if not focus:
            return RedirectResponse("/", status_code=303)
        drawing = await run_in_threadpool(_drawing, site, focus)
        return page("graph.html", title="Graph view", focus=focus, drawing=drawing)

    async def sparql(request: Request) -> Response:
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        body = (await request.body()).decode("utf-8", "replace") if request.method == "POST" else ""
        form = urllib.parse.parse_qs(body) if content_type == "application/x-www-form-urlencoded" else {}
        if "update" in request.query_params or "update" in form or content_type == "application/sparql-update":
            return _failure(403, "this endpoint is read-only: SPARQL updates are refused")
        if content_type == "application/sparql-query":
            query = body
        else:
            query = (form.get("query") or [request.query_params.get("query", "")])[0]
        accept = request.headers.get("accept", "")
        if not query:
            if "text/html" in accept:
                return page("sparql.html", title="SPARQL")
            return _failure(
                400,
                "no query: send one as the `query` parameter (GET or form POST) or as an application/sparql-query body",
            )
        if is_update(query):
            return _failure(403, "this endpoint is read-only: SPARQL updates are refused")
        defaults = request.query_params.getlist("default-graph-uri") + form.get("default-graph-uri", [])
        named = request.query_params.getlist("named-graph-uri") + form.get("named-graph-uri", [])
        if accept.startswith("text/html"):  # a browser following a link: show the answer as JSON text
            accept = next(iter(SOLUTION_FORMATS)) + ", text/turtle;q=0.9"
        try:
            answer = await run_in_threadpool(state["runner"].run, query, accept, defaults, named)
        except SparqlFailure as failure:
            return _failure(failure.status, failure.reason)
        return Response(answer.body, media_type=answer.media_type)

    routes = [
        Route("/", home),
        Route("/search", search),
        Route("/entity/{id:path}", entity),
        Route("/paper/{id:path}", paper),
        Route("/answer/{name}", answer),
        Route("/ask", ask),
        Route("/graph", graph),
        Route("/sparql", sparql, methods=["GET", "POST"]),
    ]
    middleware = [Middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"], allow_headers=["*"])]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


def serve(
    build: str | Path, *, host: str = "127.0.0.1", port: int = 8000, announce: Callable[[str], None] = print, **options
) -> None:
    """Serve a build until interrupted (uvicorn; ``options`` as for :func:`create_app`); ``announce``
    is handed the address once the build is found good."""
    import uvicorn

    app = create_app(build, **options)
    announce(f"serving {build}/ at http://{host}:{port}/ (SPARQL endpoint: http://{host}:{port}/sparql); Ctrl-C stops")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _failure(status: int, reason: str) -> PlainTextResponse:
    return PlainTextResponse(reason + "\n", status_code=status)


def _drawing(site: Site, focus: list[str]) -> str:
    from ..export.view import draw

    graph = site.neighbourhood(focus)
    if not graph.number_of_nodes():
        return ""

    def href(node: str) -> str:  # a focused node opens its page; another joins the focus (expands)
        if node in focus:
            return "/" + quote_path(node) if node.startswith("paper/") else "/entity/" + quote_path(node)
        return "/graph?" + urllib.parse.urlencode([("focus", f) for f in [*focus, node]])

    return draw(graph, set(focus) & set(graph.nodes), href=href)
