"""Stable identifiers: an entity's IRI, once minted, survives rebuilds with more papers, merges and
splits; a retired IRI answers with the one replacing it; papers are keyed by their identifiers."""

import json

import pyoxigraph as ox
import pytest

from kg.build import build
from kg.errors import KgError
from kg.ids import IdRegistry, assign
from kg.readers import read_papers
from kg.resolve import Overrides, resolve

RES = "https://w3id.org/kg-ml/resource/"
REPLACED = "http://purl.org/dc/terms/isReplacedBy"


def record(pid, *names, kind="Model"):
    entities = [{"name": name, "type": kind} for name in names]
    return {
        "id": pid,
        "title": f"Paper {pid}",
        "abstract": "An abstract.",
        "entities": entities,
        "relations": [],
        "results": [],
    }


def write_records(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def entity_ids(out):
    nodes = json.loads((out / "graph.json").read_text())["nodes"]
    return {n["id"] for n in nodes if n["kind"] not in ("Paper", "Result", "Author")}


def test_a_more_frequent_spelling_does_not_move_the_iri(tmp_path):
    out = tmp_path / "build"
    first = [record("p1", "FooNet", "BarNet")]
    build(records=[write_records(tmp_path / "a.jsonl", first)], out=out, embeddings=False)
    assert {"model/foonet", "model/barnet"} <= entity_ids(out)
    more = [*first, record("p2", "Foo-Net"), record("p3", "Foo-Net"), record("p4", "BazNet")]
    build(records=[write_records(tmp_path / "b.jsonl", more)], out=out, embeddings=False)
    assert entity_ids(out) == {"model/foonet", "model/barnet", "model/baznet"}
    label = {n["id"]: n["label"] for n in json.loads((out / "graph.json").read_text())["nodes"]}
    assert label["model/foonet"] == "Foo-Net"  # the label follows the corpus; the IRI does not
    # without the registry the same corpus names the node after its label: the registry is what kept it
    fresh = tmp_path / "fresh"
    build(records=[tmp_path / "b.jsonl"], out=fresh, embeddings=False)
    assert "model/foo-net" in entity_ids(fresh)


def test_a_merge_retires_one_iri_and_points_it_at_the_other(tmp_path):
    out = tmp_path / "build"
    corpus = write_records(tmp_path / "a.jsonl", [record("p1", "FooNet"), record("p2", "Foo Network")])
    build(records=[corpus], out=out, embeddings=False)
    assert {"model/foonet", "model/foo-network"} <= entity_ids(out)
    merges = tmp_path / "merges.yaml"
    merges.write_text("merge:\n  - [FooNet, Foo Network]\n")
    build(records=[corpus], out=out, embeddings=False, merges_file=merges)
    assert "model/foo-network" not in entity_ids(out) and "model/foonet" in entity_ids(out)
    store = ox.Store.read_only(str(out / "store"))
    replaced = list(store.quads_for_pattern(ox.NamedNode(RES + "model/foo-network"), ox.NamedNode(REPLACED), None))
    assert [q.object.value for q in replaced] == [RES + "model/foonet"]
    # undoing the merge brings the retired IRI back for its names, not a new one
    build(records=[corpus], out=out, embeddings=False)
    assert {"model/foonet", "model/foo-network"} <= entity_ids(out)


def test_a_split_keeps_the_iri_with_the_node_holding_most_names():
    records = [
        {"id": "p1", "entities": [{"name": "MedSAM", "type": "Model", "aliases": ["Medical SAM", "SAM"]}]},
        {"id": "p2", "entities": [{"name": "MedSAM", "type": "Model"}]},
    ]
    registry = IdRegistry()
    assert list(assign(resolve(records), registry).nodes) == ["model/medsam"]
    split = assign(resolve(records, overrides=Overrides(splits=[["MedSAM", "SAM"]])), registry)
    # MedSAM keeps two of the three names, so the IRI; SAM is a node of its own, minted anew
    assert split.node_id("Model", "Medical SAM") == split.node_id("Model", "MedSAM") == "model/medsam"
    assert split.node_id("Model", "SAM") == "model/sam"
    assert registry.retired() == {}


def test_a_minted_id_never_reuses_one_given_before():
    registry = IdRegistry(ids={"Model\tgone": "model/foonet"})
    resolution = assign(resolve([{"id": "p1", "entities": [{"name": "FooNet", "type": "Model"}]}]), registry)
    # "FooNet" was never registered; its slug is taken by a name no paper mentions now
    (minted,) = resolution.nodes
    assert minted.startswith("model/foonet-")


def test_the_registry_travels_to_a_fresh_build_folder(tmp_path):
    corpus = write_records(tmp_path / "a.jsonl", [record("p1", "FooNet")])
    ids = tmp_path / "ids.json"
    build(records=[corpus], out=tmp_path / "one", embeddings=False, ids_file=ids)
    assert json.loads(ids.read_text())["ids"] == {"Model\tfoonet": "model/foonet"}
    renamed = write_records(
        tmp_path / "b.jsonl", [record("p1", "FooNet"), record("p2", "Foo-Net"), record("p3", "Foo-Net")]
    )
    build(records=[renamed], out=tmp_path / "two", embeddings=False, ids_file=ids)
    assert entity_ids(tmp_path / "two") == {"model/foonet"}
    assert (tmp_path / "two" / "ids.json").read_text() == ids.read_text()
    # the same input and registry again: nothing to redo
    assert build(records=[renamed], out=tmp_path / "two", embeddings=False, ids_file=ids).up_to_date


def test_an_unreadable_registry_is_a_one_line_error(tmp_path):
    bad = tmp_path / "ids.json"
    bad.write_text("{not json")
    with pytest.raises(KgError, match=r"ids.json:1: not an id registry"):
        IdRegistry.load(bad)


@pytest.mark.slow
def test_every_iri_of_a_build_survives_a_build_with_more_papers(tmp_path):
    """The example corpus, half then whole (embeddings on, as users build): every entity IRI of the
    first build is in the second, or answers with the IRI that replaced it."""
    from kg.build import default_inputs

    papers = list(read_papers(default_inputs()))
    half = write_records(
        tmp_path / "half.jsonl", [{"id": p.id, "title": p.title, "abstract": p.abstract} for p in papers[:60]]
    )
    whole = write_records(
        tmp_path / "whole.jsonl", [{"id": p.id, "title": p.title, "abstract": p.abstract} for p in papers]
    )
    out = tmp_path / "build"
    build([half], out)
    before = entity_ids(out)
    build([whole], out)
    after = entity_ids(out)
    store = ox.Store.read_only(str(out / "store"))
    retired = {
        q.subject.value.removeprefix(RES): q.object.value.removeprefix(RES)
        for q in store.quads_for_pattern(None, ox.NamedNode(REPLACED), None)
    }
    assert len(after) > len(before)
    assert all(iri in after or retired.get(iri) in after for iri in before)
    assert len(before - after) == len(set(retired) & before)


def test_papers_without_an_id_are_keyed_by_their_identifiers(tmp_path):
    rows = [
        {"title": "A", "abstract": "x.", "arxiv": "2106.09685", "doi": "10.48550/arXiv.2106.09685"},
        {"title": "B", "abstract": "x.", "doi": "10.1000/xyz123"},
        {"title": "C", "abstract": "x.", "pmid": "34567890"},
        {"title": "D", "abstract": "x."},
        {"id": "mine", "title": "E", "abstract": "x.", "doi": "10.1000/abc"},
    ]
    path = write_records(tmp_path / "papers.jsonl", rows)
    ids = [paper.id for paper in read_papers([path])]
    assert ids[:3] == ["2106.09685", "doi:10.1000/xyz123", "pmid:34567890"]
    assert ids[3].startswith("p-") and ids[4] == "mine"
