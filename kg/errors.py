"""The one base class of the errors kg expects and reports as a single line.

Bad input, a bad query, a missing build, an unreachable server: each module raises a subclass of
:class:`KgError` (``InputError``, ``QueryError``, ...), and the command line prints it as
``error: ...`` and exits 1. Anything else is a bug, and surfaces as one.

>>> issubclass(__import__("kg.readers").readers.InputError, KgError)
True
"""

from __future__ import annotations


class KgError(Exception):
    """An expected failure, with a message fit for the user (it names the file, line or paper)."""
