"""Markers pytest cannot read from decorators (markers are registered in pyproject.toml).

Here rather than in tests/conftest.py so that ``pytest kg`` (the doctests alone) sees them too.
"""

import pytest

# Doctests cannot carry decorators: the slow ones are named here, by module.
SLOW_DOCTESTS = {
    "kg.search": "embeds the example corpus (~30 s)",
    "kg.embed": "loads the sentence-transformers model (~8 s)",
    "kg.build": "builds the example corpus (~4 s)",
    "kg.check": "builds the example corpus (~4 s)",
}
# A test that uses one of these fixtures starts a server or a browser, so it must carry the marker:
# otherwise `make check` would start one.
# (fixturenames holds the fixtures a test uses through others too.)
FIXTURE_MARKERS = {"virtuoso": "server", "neo4j_server": "server", "browser": "browser"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = []
    for item in items:
        if isinstance(item, pytest.DoctestItem) and item.name in SLOW_DOCTESTS:
            item.add_marker(pytest.mark.slow)
        for fixture in getattr(item, "fixturenames", ()):
            marker = FIXTURE_MARKERS.get(fixture)
            if marker and item.get_closest_marker(marker) is None:
                unmarked.append(f"{item.nodeid} (uses {fixture}: mark it {marker})")
    if unmarked:
        raise pytest.UsageError("tests without the marker their fixtures need:\n  " + "\n  ".join(unmarked))
