"""Extractors: what turns a paper into an extraction record, behind one small protocol.

An extractor has a ``name``, a ``version`` and ``extract(paper) -> record``, where the record is the
guideline's JSONL format (``schemas/record.schema.json``, ``docs/GUIDELINE.md``). The build stamps
every record with the name and version of what made it; they are part of the build's fingerprint
and of every statement's provenance, so a new version re-extracts and its statements can be told apart.

Extractors are plugins: each is an entry point of the group ``kg.extractors`` naming a callable
that takes the build's vocabulary (keyword ``vocab``) and returns an extractor. This package's own
rule extractor is registered the same way, as ``rules``. Another package adds one in its
``pyproject.toml``::

    [project.entry-points."kg.extractors"]
    my-ner = "my_package.extractor:MyExtractor"

and ``kg build --extractor my-ner`` uses it.

>>> rules = load_extractor("rules")
>>> rules.name
'rules'
>>> from kg.records import Paper
>>> record = rules.extract(Paper("p1", "FooNet", "We propose FooNet, fine-tuned from LLaMA."))
>>> validate_record(record)
[]
"""

from __future__ import annotations

import functools
import inspect
import json
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import KgError
from .files import resource_dir
from .records import Paper

ENTRY_POINT_GROUP = "kg.extractors"
DEFAULT_EXTRACTOR = "rules"
# What records given as they are (kg build --records) carry when they name no extractor of their own.
RECORDS_EXTRACTOR = "records"


@runtime_checkable
class Extractor(Protocol):
    """Turns one paper into one extraction record (a plain dict, JSON-serialisable, deterministic)."""

    name: str
    version: str

    def extract(self, paper: Paper) -> dict: ...


def available_extractors() -> list[str]:
    """The names of the installed extractors, sorted.

    >>> "rules" in available_extractors()
    True
    """
    return sorted({point.name for point in entry_points(group=ENTRY_POINT_GROUP)})


def load_extractor(name: str = DEFAULT_EXTRACTOR, vocab=None, model=None) -> Extractor:
    """The extractor registered as ``name``, made with ``vocab`` (None: the shipped vocabulary) and,
    where one is given, a trained ``model`` (a path ``kg train`` wrote)."""
    points = [point for point in entry_points(group=ENTRY_POINT_GROUP) if point.name == name]
    if not points:
        known = ", ".join(available_extractors()) or "none"
        raise KgError(f"no extractor named {name!r} (installed: {known})")
    if len({point.value for point in points}) > 1:
        raise KgError(
            f"two packages register an extractor named {name!r}: " + ", ".join(sorted(point.value for point in points))
        )
    try:
        factory = points[0].load()
    except (ImportError, AttributeError) as error:
        raise KgError(f"extractor {name!r} ({points[0].value}) cannot be loaded: {error}") from None
    if model is None:
        extractor = factory(vocab=vocab)
    else:
        if not Path(model).is_file():
            raise KgError(f"{model}: no such model file (kg train writes one)")
        if "model" not in inspect.signature(factory).parameters:
            raise KgError(f"extractor {name!r} takes no trained model")
        extractor = factory(vocab=vocab, model=model)
    if not isinstance(extractor, Extractor) or not extractor.name or not extractor.version:
        raise KgError(f"extractor {name!r} ({points[0].value}) lacks a name, a version or extract(paper)")
    return extractor


@functools.cache
def _record_validator():
    from jsonschema import Draft202012Validator

    schema = json.loads((resource_dir("schemas") / "record.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def validate_record(record) -> list[str]:
    """What is wrong with ``record`` against ``schemas/record.schema.json``, one line each (empty: valid).

    >>> validate_record({"id": "p1", "title": "T", "abstract": "A.", "entities": [{"name": "X", "type": "Gadget"}],
    ...                  "relations": [], "results": []})
    ["entities/0/type: 'Gadget' is not one of ['Model', 'Method', 'Dataset', 'Task', 'Modality', 'Domain']"]
    """
    errors = sorted(_record_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or 'record'}: {e.message}" for e in errors]
