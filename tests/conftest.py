"""Shared fixtures: one pipeline run of the embedded place into a temporary store."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"


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
