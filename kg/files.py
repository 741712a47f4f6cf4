"""Writing files so that a crash never leaves one half-written.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_write(target) as handle:
...     _ = handle.write("done")
>>> target.read_text()
'done'
"""

from __future__ import annotations

import json
import os
import select
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .errors import KgError

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_write(path: str | Path, mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path``; rename it over ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The writer's pid in the name tells a killed writer's leftovers from a live one's file.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
    try:
        text = "b" not in mode
        with os.fdopen(handle, mode, encoding="utf-8" if text else None, newline="\n" if text else None) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes files private; outputs are ordinary files
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_jsonl(path: str | Path, records: Iterable[dict]) -> int:
    """Write one JSON object a line, atomically; returns how many were written."""
    count = 0
    with atomic_write(path) as stream:
        for record in records:
            stream.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
            count += 1
    return count


def write_json(path: str | Path, data) -> None:
    """Write pretty, key-sorted JSON atomically, so that equal data gives equal bytes."""
    with atomic_write(path) as stream:
        json.dump(data, stream, ensure_ascii=False, indent=2, sort_keys=True)
        stream.write("\n")


def resource_dir(name: str) -> Path:
    """``queries``, ``schemas`` or ``data``: what the package ships, found by the import system.

    An installed wheel holds them inside the package, as ``kg.queries``, ``kg.schemas`` and
    ``kg.data`` (pyproject.toml maps the checkout's top-level folders there). An editable install
    or a bare checkout has them beside ``kg/``: setuptools' editable finder cannot import a folder
    without ``__init__.py`` inside a regular package, so there the checkout's folder is taken, and
    only where ``kg/`` sits in the checkout of this project. Never a ``queries/`` or ``data/``
    folder that another package left in site-packages; a missing folder is an error, not an empty one.

    >>> (resource_dir("queries") / "leaderboard.rq").is_file()
    True
    """
    import importlib.util

    try:
        spec = importlib.util.find_spec(f"{__package__}.{name}")
    except ImportError:
        spec = None
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        if Path(location).is_dir():
            return Path(location)
    package = Path(__file__).resolve().parent
    checkout = package.parent / name
    if checkout.is_dir() and (package.parent / "pyproject.toml").is_file():
        return checkout
    raise KgError(f"kg's {name}/ folder is missing from its installation ({package}): reinstall kg")


class Locked(KgError):
    """Another process holds the folder's lock."""


def die_with(process: int) -> None:
    """End this process (a build's pool worker) as soon as ``process`` (the build) ends, even when it
    is killed outright: an orphan would go on writing into the build folder, and a worker forked
    from the build would hold the folder's lock and its caller's pipes for good. A thread waits on
    the process's pidfd (Linux 5.3 and later); elsewhere this is a no-op.

    >>> die_with(os.getpid())
    """
    try:
        watched = os.pidfd_open(process)
    except ProcessLookupError:  # it ended before the watch was in place
        os._exit(1)
    except (AttributeError, OSError):  # no pidfds here
        return
    threading.Thread(target=_exit_when_readable, args=(watched,), daemon=True).start()


def _exit_when_readable(descriptor: int) -> None:
    select.select([descriptor], [], [])  # a pidfd turns readable when its process ends
    os._exit(1)


@contextmanager
def folder_lock(folder: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (a ``.lock`` file in it) or raise :class:`Locked` at once.

    Two builds into one folder would interleave their files; the second one refuses instead.
    The lock is released by the operating system even if the holder is killed; the next holder
    removes the temporary files (``.*.tmp``, see :func:`atomic_write`) such a holder left.
    """
    import fcntl

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise Locked(f"{folder}: another build is writing here (pid {holder}); try again when it ends") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        # What killed writers left behind (kg search writes its cache here without the lock: spare the living).
        for debris in folder.glob(".*.tmp"):
            if not _alive(debris.name[: -len(".tmp")].rsplit(".", 2)[-2]):
                debris.unlink(missing_ok=True)
        for debris in folder.glob(".sort.*"):  # kg.rdf.write_rdf's scratch folders, only ever made under this lock
            shutil.rmtree(debris, ignore_errors=True)
        try:
            yield
        finally:
            handle.truncate(0)


def _alive(pid: str) -> bool:
    """Whether the process ``pid`` (text, from a file name) still runs."""
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
