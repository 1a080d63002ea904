"""Any place, any country: a non-UK place (central Helsinki, ``tests/data/helsinki``) with real OSM
footprints, real weather, one boundary with a household count and prices in euros — no census, income,
tenure or energy statistics — runs, exports where it is without ``--place``, prints a fact sheet and
builds the book with ``-W``, naming the place and its currency and never Camden or £.

Also the pieces that make that true, each on its own: money in the store's currency, UK costs
converted at a stated rate (or refused), statistics carried by the boundary file, the weather
distance override and the store's credits.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cli_runner import run_cli

ROOT = Path(__file__).resolve().parent.parent
HELSINKI = ROOT / "tests" / "data" / "helsinki"
#: The extract's bounds in WGS84 [°], with a margin: every exported building lies inside.
LON, LAT = (24.93, 24.96), (60.16, 60.18)


def _text(html_file: Path) -> str:
    """The visible text of a built page (scripts, styles and tags removed)."""
    import html

    page = html_file.read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory):
    """One CLI run of the Helsinki test place into a temporary store."""
    folder = tmp_path_factory.mktemp("helsinki")
    db = folder / "helsinki.duckdb"
    out = run_cli("run", "--place", HELSINKI / "place.yml", "--db", db, "--quiet", timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return folder, db, out


@pytest.mark.slow
def test_non_uk_place_runs_and_its_store_knows_its_place(helsinki):
    _, db, out = helsinki
    assert "Traceback" not in out.stderr
    assert "money at 2026-01 prices (EUR)" in out.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
        households = con.execute("SELECT sum(households) FROM areas").fetchone()[0]
        homes = con.execute("SELECT sum(dwellings) FROM buildings").fetchone()[0]
        capex = con.execute("SELECT unit FROM assumptions WHERE name = 'capex_per_kwp_at_4kwp'").fetchone()[0]
    finally:
        con.close()
    assert (meta["place"], meta["crs"], meta["currency"], meta["price_date"]) == ("Helsinki centre", "EPSG:3067", "EUR", "2026-01")
    credits = json.loads(meta["credits"])
    assert credits[0] == "Buildings: © OpenStreetMap contributors, ODbL 1.0"
    assert any("IWEC" in c for c in credits) and not any("Crown" in c or "ONS" in c for c in credits)
    # The household count comes from the boundary file (it was once ignored: 0 homes, all roofs commercial).
    assert households == 2400 and homes == pytest.approx(2400, abs=1)
    assert capex.startswith("EUR/kWp")  # UK costs converted at the stated rate, never used as euros
    # UK defaults that had to be used are said, as UK defaults, in the run summary.
    assert "England and Wales 2021 shares" in out.stdout and "3,300 kWh" in out.stdout


@pytest.mark.slow
def test_export_without_place_is_where_the_place_is(helsinki, tmp_path):
    """Exports once took Camden's CRS from the default config: Helsinki landed at 70° N 178° E."""
    import geopandas as gpd

    _, db, _ = helsinki
    out = run_cli("export", "--db", db, "--out", tmp_path, "--format", "geojson", "--format", "csv")
    assert out.returncode == 0, out.stderr
    lon0, lat0, lon1, lat1 = gpd.read_file(tmp_path / "buildings.geojson").total_bounds
    assert LON[0] < lon0 < lon1 < LON[1] and LAT[0] < lat0 < lat1 < LAT[1]
    notice = (tmp_path / "LICENCE.txt").read_text(encoding="utf-8")
    assert "Helsinki centre" in notice and "EPSG:3067" in notice and "EUR" in notice and "ODbL" in notice
    assert "Crown" not in notice and "Census" not in notice


@pytest.mark.slow
def test_fact_sheet_is_in_euros_and_names_no_other_place(helsinki, tmp_path):
    _, db, _ = helsinki
    out = run_cli("factsheet", "--db", db, "--area", "Kluuvi-Kaartinkaupunki", "--out", tmp_path)
    assert out.returncode == 0, out.stderr
    page = next(tmp_path.glob("factsheet-*.html")).read_text(encoding="utf-8")
    assert "Helsinki centre" in page and "€" in page
    assert "£" not in page and "Camden" not in page and "Crown copyright" not in page
    assert "n/a</b><span>homes" not in page  # homes' worth of electricity from the per-home default


@pytest.mark.slow
def test_book_builds_strictly_from_a_non_uk_store(helsinki):
    """The book from a non-Camden store once failed -W in five notebooks and said "Camden's roofs"."""
    folder, db, _ = helsinki
    out = folder / "book"
    env = os.environ | {"ENERGY_HOME_DB": str(db), "ENERGY_HOME_DB_LONDON": str(folder / "no-london.duckdb")}
    pre = subprocess.run([sys.executable, "-c", f"from analysis import book; print(book.execute_pages(output={str(out)!r}))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert pre.returncode == 0, pre.stderr[-3000:]
    jb = Path(sys.executable).parent / "jupyter-book"
    build = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
                           cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert build.returncode == 0, (build.stdout[-4000:] + build.stderr[-2000:])
    html = out / "_build" / "html"
    intro = _text(html / "book" / "intro.html")
    assert "Helsinki centre" in intro and "1 neighbourhood —" in intro and "€" in intro
    # Pages written from results: the place's name and currency, never Camden or pounds.
    for page in ("intro", "03_rooftop_pv", "04_heat", "05_ownership", "06_who_gains", "evidence", "downloads"):
        text = _text(html / "book" / f"{page}.html")
        assert "£" not in text, page
        assert "Camden" not in text, page
    assert "The London-wide scale run is not part of this build" in _text(html / "book" / "08_validation.html")
    sources = _text(html / "book" / "02_data_methods.html")
    assert "The inputs of Helsinki centre, as its store records them" in sources
    shutil.rmtree(out, ignore_errors=True)


# --- the pieces, without a pipeline run --------------------------------------------------------

def test_money_is_written_in_the_currency_in_use():
    from analysis import book, currency, findings

    try:
        assert currency.use("EUR") == "€"
        assert findings.gbp(-2.4) == "−€2" and findings.gbp_range(-8, 0) == "−€8 to €0"
        assert findings.gbp_auto(0.38) == "€0.38" and currency.minor() == "c"
        assert book.true_minus(currency.localise("£-2")) == "−€2" and book.no_break("−£3") == "−\u2060€3"
        currency.use("CHF")
        assert findings.gbp(1250) == "CHF\u202f1,250" and currency.localise("£ a year") == "CHF\u202f a year"
    finally:
        currency.use("GBP")
    assert findings.gbp(-2.4) == "−£2" and currency.localise("£ a year") == "£ a year"


def test_charts_and_tables_follow_the_currency():
    import pandas as pd

    from analysis import charts, currency

    try:
        currency.use("EUR")
        html = charts.offline_renderer(charts.bars(pd.DataFrame({"a": ["x"], "v": [-1.0]}), "a:N", "v", "Net (£/yr)",
                                                   "A", "£ a year", fmt=charts.GBP).to_dict())["text/html"]
        assert "€" in html and "£" not in html  # titles and the number locale
        table = charts.data_table(pd.DataFrame({"net_per_household": [-0.38]}), "Net (£ a year)").data
        assert "€" in table and "£" not in table and "−0.4" in table
    finally:
        currency.use("GBP")


def test_uk_costs_need_an_exchange_rate_in_another_currency(tmp_path):
    from analysis.config import ConfigError, load_place

    place = tmp_path / "p"
    shutil.copytree(HELSINKI, place)
    prices = place / "prices.csv"
    prices.write_text("".join(line for line in prices.read_text().splitlines(True) if not line.startswith("fx_per_gbp")))
    with pytest.raises(ConfigError) as err:
        load_place(place / "place.yml")
    assert "no fx_per_gbp row" in str(err.value) and "UK values in GBP" in str(err.value)
    euros = load_place(HELSINKI / "place.yml").assumptions.groups["costs"]["capex_per_kwp_at_4kwp"]
    pounds = load_place("camden").assumptions.groups["costs"]["capex_per_kwp_at_4kwp"]
    assert euros["value"] == pytest.approx(pounds["value"] * 1.17) and "1.17 EUR/GBP" in euros["source"]


def test_boundary_file_statistics_are_read_and_checked(tmp_path):
    import geopandas as gpd

    from analysis.config import load_place
    from analysis.errors import InputError
    from analysis.ingest.areas import read_areas

    areas = read_areas(load_place(HELSINKI / "place.yml"))
    assert areas["households"].tolist() == [2400.0]
    place = tmp_path / "p"
    shutil.copytree(HELSINKI, place)
    frame = gpd.read_file(place / "area.geojson")
    for bad, shown in (("inf", "'inf'"), ("9" * 400, "…")):
        frame["households"] = [bad]
        frame.to_file(place / "area.geojson", driver="GeoJSON")
        with pytest.raises(InputError) as err:
            read_areas(load_place(place / "place.yml"))
        line = err.value.one_line()
        assert "area.geojson" in line and "row 1" in line and shown in line and len(line) < 400


def test_unknown_boundary_statistic_is_refused_with_a_suggestion(tmp_path):
    from analysis.config import ConfigError, load_place

    place = tmp_path / "p"
    shutil.copytree(HELSINKI, place)
    cfg = place / "place.yml"
    cfg.write_text(cfg.read_text().replace("  id: alue\n", "  id: alue\n  columns: {househlds: households}\n"))
    with pytest.raises(ConfigError, match=r"areas.columns.househlds: unknown statistic \(did you mean households\?\)"):
        load_place(cfg)


def test_weather_farther_than_300_km_needs_the_override():
    from analysis.errors import InputError
    from analysis.ingest.weather import check_weather_place
    from analysis.quality import QualityLog

    amsterdam = {"latitude": 52.3, "longitude": 4.77}
    with pytest.raises(InputError, match=r"weather_max_km: 1550"):
        check_weather_place(amsterdam, 60.17, 24.94)
    log = QualityLog()
    km = check_weather_place(amsterdam, 60.17, 24.94, log=log, max_km=1600)
    assert 1500 < km < 1550
    assert "accepted by weather_max_km: 1600" in log.rows[("weather", "location")]["note"]


def test_credits_name_every_input_when_the_config_gives_none(tmp_path):
    from analysis.config import load_place
    from analysis.pipeline import place_credits

    place = tmp_path / "p"
    shutil.copytree(HELSINKI, place)
    cfg = place / "place.yml"
    text = cfg.read_text()
    cfg.write_text(text[:text.index("\ncredits:")] + "\n")
    lines = place_credits(load_place(cfg), {"name": "HELSINKI"})
    assert lines[0] == "Buildings: © OpenStreetMap contributors, ODbL 1.0"
    assert any(line.startswith("Boundaries: area.geojson (no credit stated") for line in lines)
    assert any(line.startswith("Weather: FIN_Helsinki.029740_IWEC.epw, station Helsinki") for line in lines)


def test_one_per_home_electricity_default():
    """The demand step and the money step once used 3,300 and 3,000 kWh for the same missing number."""
    from analysis.config import load_assumptions
    from analysis.economics.inputs import KWH_PER_HOME_DEFAULT

    assert KWH_PER_HOME_DEFAULT == load_assumptions().get("heat", "domestic_elec_kwh_per_dwelling", "central")


# --- the input path's last holes --------------------------------------------------------------

def test_template_documents_every_key():
    """The template written by `new-place` names every key the config accepts (it once lacked a third)."""
    from importlib import resources

    from analysis.config import AreasSchema, BuildingsSchema, PlaceSchema, PricesSchema

    text = (resources.files("analysis") / "data" / "place_template.yml.in").read_text(encoding="utf-8")
    for model in (PlaceSchema, AreasSchema, BuildingsSchema, PricesSchema):
        for name, field in model.model_fields.items():
            assert re.search(rf"\b{re.escape(field.alias or name)}:", text), f"{model.__name__}.{name}"
    for column in ("building_id", "year_built", "fx_per_gbp"):
        assert column in text


def test_unknown_building_columns_are_errors_with_suggestions(tmp_path):
    from analysis.config import ConfigError, load_place

    place = tmp_path / "p"
    shutil.copytree(HELSINKI, place)
    cfg = place / "place.yml"
    cfg.write_text(cfg.read_text().replace("  file: Helsinki.osm.pbf\n",
                                           "  file: Helsinki.osm.pbf\n  columns: {id: osm_id, year: start_date, foo: bar}\n"))
    with pytest.raises(ConfigError) as err:
        load_place(cfg)
    line = str(err.value)
    assert "id (did you mean building_id?)" in line and "year (did you mean year_built?)" in line and "foo" in line
    assert "got {" not in line  # the whole section is not echoed


def test_years_stored_as_decimals_are_read():
    """A GIS export writes 1943 as "1943.0": it was dropped and the age guessed."""
    import numpy as np

    from analysis.ingest.tags import parse_year

    years, status = parse_year(np.array(["1943.0", 1943.0, "1943.5", "c1890"], dtype=object))
    assert years[:2].tolist() == [1943.0, 1943.0] and np.isnan(years[2]) and years[3] == 1890
    assert status.tolist() == ["parsed", "parsed", "dropped", "parsed"]


@pytest.mark.parametrize("command", [("export", "--out", "OUT"), ("factsheet", "--area", "X", "--out", "OUT"),
                                     ("summary",), ("golden",), ("ledger",)])
def test_a_store_that_is_not_one_gives_one_line(command, tmp_path):
    """`--db` at a text file or an empty store once gave DuckDB catalog errors."""
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    text_file = tmp_path / "notes.duckdb"
    text_file.write_text("not a database\n")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for db, expected in ((text_file, "not a DuckDB store"), (empty, "the store holds no results")):
        out = run_cli(*args, "--db", db)
        assert out.returncode == 1, out.stderr
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0] and str(db) in lines[0] and "— fix:" in lines[0], lines


def test_jobs_by_hand():
    from analysis.config import load_assumptions
    from analysis.jobs import jobs, jobs_range

    j = jobs(10.0, 20.0, 0.5, 25.0)
    assert (j.install_job_years, j.maintenance_jobs, j.total_job_years) == (200.0, 5.0, 325.0)
    levels = jobs_range(2.0, load_assumptions())
    assert levels["low"].install_job_years == pytest.approx(2 * 13.6)
    assert levels["central"].install_job_years == 40 and levels["high"].maintenance_jobs == pytest.approx(1.4)
    with pytest.raises(ValueError):
        jobs(float("nan"), 20, 0.5, 25)


def test_neutral_income_name_and_the_old_one_with_a_note(tmp_path):
    """`income_mean` names income in any currency; `income_mean_gbp` (places set up before) still works."""
    from analysis.config import load_place
    from analysis.ingest.areas import read_areas

    place = tmp_path / "p"
    shutil.copytree(HELSINKI, place)
    (place / "stats.csv").write_text("alue,inc\nKluuvi-Kaartinkaupunki,52000\n")
    cfg = place / "place.yml"
    text = cfg.read_text()
    for name, noted in (("income_mean", False), ("income_mean_gbp", True)):
        cfg.write_text(text.replace("  id: alue\n", f"  id: alue\n  statistics:\n    - file: stats.csv\n      id: alue\n"
                                                      f"      columns: {{{name}: inc}}\n"))
        loaded = load_place(cfg)
        assert any("income_mean_gbp is now income_mean" in w for w in loaded.assumptions.warnings) == noted
        assert read_areas(loaded)["income_mean_gbp"].tolist() == [52000.0]  # the store's column, either way


@pytest.mark.slow
def test_a_place_without_incomes_gets_every_plain_finding_in_its_currency(helsinki):
    """The lead needs no incomes for the market finding (its richest-poorest gap does), and shows no range that
    is one amount, no pounds and no England-only listing presumption."""
    from analysis import currency, findings, store

    con = store.connect(helsinki[1], read_only=True)
    try:
        currency.use(store.place_info(con, fallback_crs="unknown").currency)
        lead, pending = findings.lead_findings(con)
        presumed = con.execute("SELECT coalesce(sum(derived), 0) FROM data_quality WHERE step = 'constraints' "
                               "AND field = 'presumed listed'").fetchone()[0]
    finally:
        currency.use("GBP")
        con.close()
    assert "market" in {f.key for f in lead}, [p.reason for p in pending]
    text = " ".join(f.lead + " " + f.sentence for f in lead)
    assert "€" in text and "£" not in text and "€0 to €0" not in text
    assert not re.search(r"(?<![\d.,])1 megawatts", text)  # a capacity under 10 MW keeps its decimal
    assert presumed == 0
