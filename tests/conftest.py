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
if "ANALYSIS_BUILD_DIR" not in os.environ:  # set before any test imports the package's defaults
    os.environ["ANALYSIS_BUILD_DIR"] = tempfile.mkdtemp(prefix="energy-home-tests-")


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


#: Fixtures that run the whole pipeline (Camden, or a small place): their tests are ``slow``.
PIPELINE_FIXTURES = {"camden_store", "small_run", "two_buildings"}


def pytest_collection_modifyitems(config, items):
    """Markers for the fast lane (``make test-fast`` = ``-m "not slow"``): tests that run the
    pipeline (a fixture of :data:`PIPELINE_FIXTURES`, or marked ``slow`` where they run it
    themselves) or build the book are ``slow``; those that drive Chromium also ``browser``
    (written into the JUnit report as the property ``marker=browser``, read by ``.ci/run``)."""
    for item in items:
        module = item.module.__name__.rsplit(".", 1)[-1]
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())) or module in ("test_book", "test_book_layout"):
            item.add_marker(pytest.mark.slow)
        if module in ("test_book", "test_book_layout") or "chromium" in item.name.lower() or "screenshot" in item.name:
            item.add_marker(pytest.mark.browser)
    for item in items:  # the JUnit report says which tests drive a browser: CI (.ci/run) fails if one was skipped
        if item.get_closest_marker("browser") is not None:
            item.user_properties.append(("marker", "browser"))
