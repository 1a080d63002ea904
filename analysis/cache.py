"""A small content-addressed cache for results that depend only on input files and code.

The yield grid depends on the weather file, the PV settings and the code of :mod:`analysis.solar`;
the parsed footprints on the OSM file and the reader's code. Recomputing them on every run costs
most of a small place's run time, so they are kept in ``<build dir>/cache/`` under a key made of
the SHA-256 of everything they depend on. A changed input, setting or line of code gives a new
key; an unreadable or corrupt entry is recomputed (and overwritten), never trusted. Entries are
written to a temporary file and renamed, so a crash never leaves half an entry; two processes
that need the same missing entry compute it once (the second waits on a lock, then reads it).

Set ``ANALYSIS_NO_CACHE=1`` to bypass it (the benchmark does, to measure the work itself).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import tempfile
from pathlib import Path

from analysis import config as config_mod

PACKAGE = Path(__file__).resolve().parent


def cache_dir() -> Path:
    """``<build dir>/cache`` (``ANALYSIS_BUILD_DIR`` overrides the build dir, as for stores)."""
    root = Path(os.environ.get("ANALYSIS_BUILD_DIR", config_mod.PROJECT_ROOT / "build"))
    return root / "cache"


def code_hash(*modules: str) -> str:
    """SHA-256 of package source files, e.g. ``code_hash("solar.py", "heat/collector.py")``."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode())
        digest.update((PACKAGE / name).read_bytes())
    return digest.hexdigest()[:16]


def key_of(**parts) -> str:
    """A cache key from JSON-serialisable parts (file hashes, settings, code hashes)."""
    payload = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


def cached(kind: str, key: str, compute):
    """``compute()``'s result, from the cache when an entry for ``kind``/``key`` exists.

    Parameters
    ----------
    kind : str
        What is cached (a file-name prefix, e.g. ``"yield-grid"``).
    key : str
        From :func:`key_of`.
    compute : callable
        Called with no arguments when there is no usable entry; its result must be picklable.
    """
    if os.environ.get("ANALYSIS_NO_CACHE"):
        return compute()
    path = cache_dir() / f"{kind}-{key}.pkl"
    found = _load(path)
    if found is not None:
        return found[0]
    with _computing(path):  # another process computing the same entry: wait for it and read its result
        found = _load(path)
        if found is not None:
            return found[0]
        value = compute()
        _store(path, value)
    return value


def _load(path: Path):
    """``(value,)`` from a cache entry, or None when it is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        with open(path, "rb") as handle:
            return (pickle.load(handle),)
    except Exception:  # corrupt or from another library version: recompute and overwrite
        return None


@contextlib.contextmanager
def _computing(path: Path):
    """Hold an exclusive lock on ``<entry>.lock`` (released by the kernel if the process dies);
    no lock where the folder cannot be written (the entry is then simply computed)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path.with_suffix(".lock"), "a")
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _store(path: Path, value) -> None:
    """Write an entry atomically (temporary file, then rename); a full or read-only disk is no error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
    except OSError:  # a read-only or full disk: the run goes on without caching
        try:
            os.unlink(handle.name)
        except (OSError, UnboundLocalError):
            pass
