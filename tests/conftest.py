"""Shared fixtures: one pipeline run of the embedded place into a temporary store.

Every test session works in a temporary build folder (``ANALYSIS_BUILD_DIR``): default stores and
the run cache go there, never into the repository's ``build/`` — subprocesses inherit it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
#: The session's build folder when this process made it (the controller; pytest-xdist workers inherit it).
_OWN_BUILD_DIR = None
if "ANALYSIS_BUILD_DIR" not in os.environ:  # set before any test imports the package's defaults
    os.environ["ANALYSIS_BUILD_DIR"] = _OWN_BUILD_DIR = tempfile.mkdtemp(prefix="energy-home-tests-")


def pytest_unconfigure(config):
    """Remove the session's build folder (stores, run cache) when the process that made it ends: runs
    once left a folder of several hundred MB in /tmp each."""
    import shutil

    if _OWN_BUILD_DIR and not hasattr(config, "workerinput"):
        shutil.rmtree(_OWN_BUILD_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def camden_store(tmp_path_factory):
    """Run the whole pipeline once on Camden; yield the store path."""
    from analysis import pipeline

    db = tmp_path_factory.mktemp("store") / "camden.duckdb"
    pipeline.run("camden", db_path=db, quiet=True)
    return db


@pytest.fixture(scope="session")
def london_weather():
    from analysis.ingest.weather import read_weather

    return read_weather(ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw")


@pytest.fixture(scope="session")
def pvwatts_roof():
    from analysis.ingest.weather import read_pvwatts_8760

    return read_pvwatts_8760(ROOT / "data" / "validation" / "pvwatts_8760_roofmount.csv")


#: Fixtures that run the whole pipeline (Camden, or a small place): their tests are ``slow``, and
#: each fixture's tests run in one pytest-xdist worker (``--dist loadgroup``), so it runs once.
PIPELINE_FIXTURES = {"camden_store": "camden", "small_run": "small_run", "two_buildings": "two_buildings",
                     "helsinki": "helsinki"}
#: The book modules share the Camden store and one build of the book (``book_build.py``).
BOOK_MODULES = ("test_book", "test_book_layout")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group markers
def pytest_collection_modifyitems(config, items):
    """Markers for the fast lane (``make test-fast`` = ``-m "not slow"``): tests that run the
    pipeline (a fixture of :data:`PIPELINE_FIXTURES`, or marked ``slow`` where they run it
    themselves) or build the book are ``slow``; those that drive Chromium also ``browser``
    (written into the JUnit report as the property ``marker=browser``, read by ``.ci/run``).

    Tests sharing a session or module fixture that runs the pipeline get one ``xdist_group``:
    the Camden store and the book build (about half the full suite's work) in one worker, while
    the other works through the rest."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        fixtures = set(getattr(item, "fixturenames", ()))
        groups = [group for name, group in PIPELINE_FIXTURES.items() if name in fixtures]
        if module in BOOK_MODULES:
            groups.insert(0, "camden")
        if groups:
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.xdist_group("camden" if "camden" in groups else groups[0]))
        if module in ("test_book", "test_book_layout") or "chromium" in item.name.lower() or "screenshot" in item.name:
            item.add_marker(pytest.mark.browser)
    for item in items:  # the JUnit report says which tests drive a browser: CI (.ci/run) fails if one was skipped
        if item.get_closest_marker("browser") is not None:
            item.user_properties.append(("marker", "browser"))


@pytest.fixture(autouse=True)
def _restore_signal_handlers():
    """Tests that run the CLI in this process (``main()`` installs SIGINT/SIGTERM handlers, and ignores
    both once a command has finished) leave the handlers as they found them."""
    import signal

    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in saved.items():
        if signal.getsignal(signum) is not handler and handler is not None:
            signal.signal(signum, handler)
