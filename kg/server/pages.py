"""What the browsing pages of ``kg serve`` show, read from a build's store: plain dicts and lists.

Every lookup starts from a constant IRI or name key, so each is answered from the store's indexes
whatever the size of the graph. Resources are named by their path under the build's base IRI
(``method/lora``, ``paper/2106.09685``), which is also their page's address.

>>> import tempfile
>>> from kg.build import build
>>> out = tempfile.mkdtemp()
>>> _ = build(None, out, embeddings=False)
>>> site = Site(out)
>>> entity = site.entity("method/lora")
>>> entity["label"], entity["kind"], "Low-Rank Adaptation" in entity["aliases"]
('LoRA', 'Method', True)
>>> any(s["predicate"] == "variant_of" for s in entity["statements"])
True
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import networkx as nx
import pyoxigraph as ox

from ..export import CONTEXT_PREDICATES, base_iri
from ..rdf import IDENTIFIER_PAGES, PREFIXES, PROPERTIES
from ..records import ENTITY_TYPES
from ..store import OxigraphStore
from ..vocab import normalize_name

KGO = str(PREFIXES["kgo"])
PREDICATE_OF = {str(prop): name for name, prop in PROPERTIES.items()}
# Drawn around a resource: the export's context statements, less the results (a table on its page).
VIEW_PREDICATES = tuple(sorted(CONTEXT_PREDICATES - {"has_result", "on_dataset", "on_task"}))
KINDS = ("Paper", *ENTITY_TYPES)
LISTED = 500  # names a parameter field suggests, statements and papers a page lists (the first by order)


class Site:
    """The pages' view of one build (its store opened read-only)."""

    def __init__(self, build: str | Path):
        self.build = Path(build)
        self.base = base_iri(self.build)
        self.store = ox.Store.read_only(str(self.build / "store"))

    def _select(self, sparql: str) -> list[dict]:
        table = OxigraphStore(self.store).select(sparql)
        return [dict(zip(table.columns, row, strict=True)) for row in table.rows]

    def local(self, iri: str) -> str:
        """A resource's path under the base IRI (its page's address); an outside IRI stays whole."""
        return iri[len(self.base) :] if iri.startswith(self.base) else iri

    def iri(self, local: str) -> str:
        return "<" + (self.base + local).replace(">", "%3E") + ">"

    @cached_property
    def merges(self) -> dict[str, list[dict]]:
        path = self.build / "merges.json"
        listed = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []
        return {item["id"]: item.get("merges", []) for item in listed}

    @cached_property
    def counts(self) -> dict[str, int]:
        """How many papers and entities of each kind, statements and results the graph holds."""
        rows = self._select(
            "SELECT ?type (COUNT(?s) AS ?n) WHERE { VALUES ?type { "
            + " ".join(f"kgo:{kind}" for kind in (*KINDS, "Result"))
            + " rdf:Statement } ?s a ?type } GROUP BY ?type"
        )
        found = {row["type"].rsplit("#", 1)[-1]: row["n"] for row in rows}
        return {kind: int(found.get(kind, 0)) for kind in (*KINDS, "Result", "Statement")}

    @cached_property
    def names(self) -> dict[str, list[str]]:
        """Each entity kind's names, the most-mentioned first (at most :data:`LISTED`): what a
        parameter field suggests."""
        names: dict[str, list[str]] = {}
        for kind in ENTITY_TYPES:
            rows = self._select(
                f"SELECT ?label (COUNT(?paper) AS ?n) WHERE {{ ?e a kgo:{kind} ; rdfs:label ?label . "
                f"OPTIONAL {{ ?paper kgo:mentions ?e }} }} GROUP BY ?label ORDER BY DESC(?n) ?label LIMIT {LISTED}"
            )
            names[kind] = [row["label"] for row in rows]
        rows = self._select("SELECT DISTINCT ?metric WHERE { ?r kgo:metric ?metric } ORDER BY ?metric")
        names["Metric"] = [row["metric"] for row in rows]
        return names

    def find(self, text: str, limit: int = 50) -> list[dict]:
        """Entities and papers whose name contains ``text`` (any case), exact names first."""
        needle = json.dumps(text.lower())
        rows = self._select(
            "SELECT DISTINCT ?s ?label ?type WHERE { ?s rdfs:label ?label ; a ?type . "
            f"FILTER(STRSTARTS(STR(?type), {json.dumps(KGO)}) && CONTAINS(LCASE(?label), {needle})) }}"
        )
        found = [
            {"id": self.local(row["s"]), "label": row["label"], "kind": row["type"].rsplit("#", 1)[-1]}
            for row in rows
            if row["type"].rsplit("#", 1)[-1] in KINDS
        ]
        key = normalize_name(text)
        found.sort(key=lambda hit: (normalize_name(hit["label"]) != key, len(hit["label"]), hit["label"]))
        return found[:limit]

    def resolve_names(self, values: set[str]) -> dict[str, str]:
        """Name -> the page of the entity that name matches (by match key), for linking answer cells."""
        keys: dict[str, str] = {}
        for value in values:
            for part in value.split(" | "):  # GROUP_CONCAT cells list several names
                if normalize_name(part):
                    keys[normalize_name(part)] = part
        if not keys:
            return {}
        listed = " ".join(json.dumps(key) for key in sorted(keys))
        rows = self._select(f"SELECT ?key ?e WHERE {{ VALUES ?key {{ {listed} }} ?e kgo:matchKey ?key }} ORDER BY ?e")
        found: dict[str, str] = {}
        for row in rows:
            found.setdefault(keys[row["key"]], self.local(row["e"]))
        return found

    def replaced_by(self, local: str) -> str | None:
        """Where a retired entity id leads now (``dcterms:isReplacedBy``, :mod:`kg.ids`), if it was retired."""
        rows = self._select(f"SELECT ?new WHERE {{ {self.iri(local)} dcterms:isReplacedBy ?new }}")
        return self.local(rows[0]["new"]) if rows else None

    def entity(self, local: str) -> dict | None:
        """An entity's kind, names, merges, statements (each with its paper, evidence and
        confidence), results and the papers mentioning it; ``None`` if the graph has no such entity."""
        iri = self.iri(local)
        rows = self._select(f"SELECT ?type ?label WHERE {{ {iri} a ?type ; rdfs:label ?label }}")
        kinds = [row["type"].rsplit("#", 1)[-1] for row in rows if row["type"].startswith(KGO)]
        kind = next((k for k in kinds if k in ENTITY_TYPES), None)
        if kind is None:
            return None
        aliases = [
            row["alias"]
            for row in self._select(f"SELECT ?alias WHERE {{ {iri} skos:altLabel ?alias }} ORDER BY ?alias")
        ]
        papers = self._select(f"SELECT ?paper ?title WHERE {{ ?paper kgo:mentions {iri} ; dcterms:title ?title }}")
        mentioned = sorted((row["title"], row["paper"]) for row in papers)
        statements, count = self.statements(f"{{ ?st rdf:subject {iri} }} UNION {{ ?st rdf:object {iri} }}")
        return {
            "id": local,
            "iri": iri[1:-1],
            "label": rows[0]["label"],
            "kind": kind,
            "aliases": aliases,
            "merges": self.merges.get(local, []),
            "statements": statements,
            "statement_count": count,
            "results": self.results(f"{iri} kgo:hasResult ?r ."),
            "papers": [{"id": self.local(paper), "title": title} for title, paper in mentioned[:LISTED]],
            "paper_count": len(mentioned),
        }

    def paper(self, local: str) -> dict | None:
        """A paper's metadata, abstract, authors in order, source links, and what was extracted from it."""
        iri = self.iri(local)
        rows = self._select(f"SELECT ?p ?o WHERE {{ {iri} ?p ?o }}")
        if not any(row["p"] == str(PREFIXES["rdf"]) + "type" and row["o"] == KGO + "Paper" for row in rows):
            return None
        fields: dict[str, list] = {}
        for row in rows:
            fields.setdefault(row["p"].rsplit("/", 1)[-1].rsplit("#", 1)[-1], []).append(row["o"])
        authors = self._select(
            f"SELECT ?author ?name ?slot WHERE {{ {iri} bibo:authorList ?list . ?list ?slot ?author . "
            "?author schema:name ?name }"
        )
        authors.sort(
            key=lambda row: int(row["slot"].rsplit("_", 1)[-1]) if row["slot"].rsplit("_", 1)[-1].isdigit() else 0
        )
        venue = self._select(f"SELECT ?name WHERE {{ {iri} schema:isPartOf ?v . ?v rdfs:label ?name }}")
        links = sorted(str(value) for value in fields.get("sameAs", []) + fields.get("url", []))
        return {
            "id": local,
            "iri": iri[1:-1],
            "title": (fields.get("title") or [local])[0],
            "abstract": (fields.get("abstract") or [""])[0],
            "identifier": (fields.get("identifier") or [""])[0],
            "date": str((fields.get("issued") or fields.get("year") or [""])[0]),
            "venue": venue[0]["name"] if venue else "",
            "authors": [row["name"] for row in authors],
            "keywords": sorted(str(v) for v in fields.get("keywords", []) + fields.get("subject", [])),
            "links": links,
            "statements": self.statements(f"?st prov:wasDerivedFrom {iri} .")[0],
            "results": self.results(f"{iri} kgo:reports ?r ."),
        }

    def statements(self, pattern: str) -> tuple[list[dict], int]:
        """The provenance records a graph pattern on ``?st`` picks, with both ends' names: the first
        :data:`LISTED` by relation, sorted by names, and how many there are."""
        # Picked by relation and id, then named: Oxigraph took 0.9 s to ORDER BY a hub's 7,296
        # records of a 10k build, Python a few milliseconds.
        picked = self._select(f"SELECT ?st ?p WHERE {{ {pattern} ?st rdf:predicate ?p }}")
        first = sorted((row["p"], row["st"]) for row in picked)[:LISTED]
        if not first:
            return [], 0
        listed = " ".join(f"<{st}>" for _, st in first)
        rows = self._select(
            f"SELECT ?s ?p ?o ?paper ?title ?evidence ?confidence ?sl ?ol WHERE {{ VALUES ?st {{ {listed} }} "
            "?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasDerivedFrom ?paper . "
            "?paper dcterms:title ?title . ?s rdfs:label ?sl . ?o rdfs:label ?ol . "
            "OPTIONAL { ?st kgo:sentence/oa:exact ?evidence } OPTIONAL { ?st kgo:confidence ?confidence } }"
        )
        statements = [
            {
                "subject": {"id": self.local(row["s"]), "label": row["sl"]},
                "predicate": PREDICATE_OF.get(row["p"], row["p"]),
                "object": {"id": self.local(row["o"]), "label": row["ol"]},
                "paper": {"id": self.local(row["paper"]), "title": row["title"]},
                "evidence": row["evidence"] or "",
                "confidence": row["confidence"],
            }
            for row in rows
        ]
        statements.sort(
            key=lambda s: (s["predicate"], s["subject"]["label"], s["object"]["label"], s["paper"]["title"])
        )
        return statements, len(picked)

    def results(self, pattern: str) -> list[dict]:
        """The results a graph pattern on ``?r`` picks: subject, metric, value, unit, dataset, paper, evidence."""
        rows = self._select(
            f"SELECT ?s ?sl ?metric ?value ?unit ?d ?dl ?dn ?paper ?title ?evidence WHERE {{ {pattern} "
            "?s kgo:hasResult ?r ; rdfs:label ?sl . ?r kgo:metric ?metric ; kgo:value ?value . "
            "?paper kgo:reports ?r ; dcterms:title ?title . OPTIONAL { ?r kgo:unit ?unit } "
            "OPTIONAL { ?r kgo:onDataset ?d . ?d rdfs:label ?dl } OPTIONAL { ?r kgo:datasetName ?dn } "
            "OPTIONAL { ?r kgo:sentence/oa:exact ?evidence } }"
        )
        results = [
            {
                "subject": {"id": self.local(row["s"]), "label": row["sl"]},
                "metric": row["metric"],
                "value": row["value"],
                "unit": row["unit"] or "",
                "dataset": {"id": self.local(row["d"]) if row["d"] else "", "label": row["dl"] or row["dn"] or ""},
                "paper": {"id": self.local(row["paper"]), "title": row["title"]},
                "evidence": row["evidence"] or "",
            }
            for row in rows
        ]
        results.sort(key=lambda r: (r["dataset"]["label"], r["metric"], -float(r["value"]), r["subject"]["label"]))
        return results

    def neighbourhood(self, focus: list[str]) -> nx.MultiDiGraph:
        """The focus resources, the statements that touch them and the other ends: what the graph
        view draws (nodes carry ``kind`` and ``label``, edges ``predicate``)."""
        values = " ".join(self.iri(local) for local in focus)
        props = ", ".join(f"<{PROPERTIES[name]}>" for name in VIEW_PREDICATES)
        rows = self._select(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?f {{ {values} }} "
            f"{{ ?f ?p ?o . BIND(?f AS ?s) }} UNION {{ ?s ?p ?f . BIND(?f AS ?o) }} FILTER(?p IN ({props})) }}"
        )
        graph: nx.MultiDiGraph = nx.MultiDiGraph()
        ends = {row["s"] for row in rows} | {row["o"] for row in rows} | {self.iri(f)[1:-1] for f in focus}
        listed = " ".join(f"<{iri}>" for iri in sorted(ends))
        for row in self._select(
            f"SELECT ?n ?type ?label WHERE {{ VALUES ?n {{ {listed} }} ?n a ?type ; rdfs:label ?label }}"
        ):
            kind = row["type"].rsplit("#", 1)[-1]
            if kind in KINDS:
                graph.add_node(self.local(row["n"]), kind=kind, label=row["label"])
        for row in rows:
            source, target = self.local(row["s"]), self.local(row["o"])
            if source in graph and target in graph:
                predicate = PREDICATE_OF[row["p"]]
                graph.add_edge(source, target, key=predicate, predicate=predicate)
        return graph


def identifier_links(paper: dict) -> list[tuple[str, str]]:
    """(name, address) of a paper's pages: DOI, arXiv, PubMed and the like, then its own URL."""
    named = []
    for link in paper["links"]:
        name = next((key for key, page in IDENTIFIER_PAGES.items() if link.startswith(page.split("{")[0])), "source")
        named.append((name, link))
    return named
