"""A data path that never lies (issue 13): hostile and careless input, interrupted runs, honest failure.

One test (or more) per case of the issue's "Tried" list that concerns config, weather, store,
CLI, exports and the area/building checks. Each asserts the outcome a user sees: the exit code
or exception, a one-line message naming the file/key/record and the fix, and that what was
stored before is unchanged.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from analysis import config, exports, store
from analysis.errors import ConfigError, InputError, Interrupted
from analysis.ingest import checks
from analysis.ingest.weather import check_weather_place, read_weather
from analysis.quality import QualityLog
from cli_runner import run_cli
from conftest import DATA, ROOT

EPW = ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"
LSOA = ROOT / "data" / "camden" / "lsoa" / "Camden_lsoa11.shp"


def cli(*args, timeout=120, **kw):
    """``python -m analysis ARGS`` in a child process (forked from pre-imported libraries: see cli_runner)."""
    return run_cli(*args, timeout=timeout, **kw)


def one_line_error(out):
    """The CLI printed exactly one error line and no traceback."""
    lines = out.stderr.strip().splitlines()
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert len(lines) == 1, out.stderr
    return lines[0]


def write_place(folder, **overrides):
    """A small valid place config in ``folder`` (three Camden LSOAs' worth of keys), with overrides."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = {"name": "Test place", "crs": "EPSG:27700", "currency": "GBP", "seed": 1,
           "areas": {"file": str(LSOA), "id": "LSOA11CD"},
           "buildings": {"source": "synthetic"}, "weather": str(EPW)}
    for key, value in overrides.items():
        raw[key] = value
    path = folder / "place.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
    return path


# ---------------------------------------------------------------------------------------------
# 1. Place config: schema, bounded YAML, CRS, paths, physical ranges
# ---------------------------------------------------------------------------------------------

def test_small_valid_place_loads(tmp_path):
    cfg = config.load_place(write_place(tmp_path))
    assert cfg.name == "Test place" and cfg.schema.buildings.source == "synthetic"
    assert EPW in cfg.input_files()


def test_camden_config_is_valid():
    """The embedded data/camden/place.yml passes the schema and the CRS check."""
    path = ROOT / "data" / "camden" / "place.yml"
    raw = config.read_yaml(path)
    schema = config.validate_place(raw, path)
    config.check_crs(schema.crs, path)
    stats = schema.areas.statistics
    assert stats[2].lookup.from_ == "LSOA21CD" and isinstance(stats[3].columns["dwellings_converted_flat"], list)
    assert schema.buildings.licence.startswith("©")


def test_embedded_places_validate():
    for name in config.EMBEDDED_PLACES:
        assert config.load_place(name).schema is not None


def test_alias_bomb_is_refused_fast(tmp_path):
    path = write_place(tmp_path)
    text = path.read_text() + textwrap.dedent("""\
        unused: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        """)
    path.write_text(text)
    start = time.process_time()  # CPU time: the alias bomb is refused before it is expanded, whatever the load
    with pytest.raises(InputError, match=r"anchors .* are not allowed") as info:
        config.load_place(path)
    assert time.process_time() - start < 2
    assert str(path) in info.value.one_line() and "line " in info.value.one_line()
    out = cli("run", "--place", str(path), timeout=60)
    assert out.returncode == 1 and "not allowed" in one_line_error(out)


def test_deep_nesting_and_huge_yaml_are_refused(tmp_path):
    deep = tmp_path / "deep.yml"
    deep.write_text("a: " + "[" * 50 + "]" * 50 + "\n")
    with pytest.raises(InputError, match="nested deeper"):
        config.read_yaml(deep)
    huge = tmp_path / "huge.yml"
    huge.write_text("a: " + "x" * (config.MAX_YAML_BYTES + 10))
    with pytest.raises(InputError, match=r"is 1,024 kB, more than a YAML file can be \(1,024 kB\)"):
        config.read_yaml(huge)


@pytest.mark.parametrize("key,value,needle", [
    ("areas", {"file": 5, "id": "LSOA11CD"}, "key areas.file: expected text, got 5 — e.g. file:"),
    ("areas", {"file": str(LSOA), "id": "LSOA11CD", "statistics": "stats.csv"},
     "key areas.statistics: expected a list"),
    ("buildings", "osm", "key buildings: expected a mapping"),
    ("seed", "abc", "key seed: expected a whole number, got 'abc' — e.g. seed:"),
    ("weather_format", "csv", "key weather_format: expected one of 'epw', 'tmy3', 'pvgis' or 'pvwatts'"),
    ("buildings", {"source": "file"}, "key buildings.file: required when source is file"),
    ("areas", {"file": str(LSOA), "id": "LSOA11CD", "statistics": [{"file": "x.csv", "id": "a",
                                                                    "columns": {"households": 3}}]},
     "key areas.statistics[0].columns.households: expected a source column name or a list"),
    ("wether", "x.epw", "key wether: unknown key (did you mean weather?)"),
])
def test_wrong_types_name_key_expected_and_example(tmp_path, key, value, needle):
    path = write_place(tmp_path, **{key: value})
    with pytest.raises(ConfigError) as info:
        config.load_place(path)
    lines = info.value.lines()
    assert any(needle in line for line in lines), lines
    assert all(line.startswith(str(path)) and "\n" not in line for line in lines)


def test_every_violation_is_its_own_line_in_the_cli(tmp_path):
    path = write_place(tmp_path, seed="abc", crs="EPSG:4326", buildings="osm")
    out = cli("run", "--place", str(path), timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {path}: key ") for line in lines)
    assert any("key crs: EPSG:4326 is geographic" in line and "EPSG:27700" in line for line in lines)


def test_geographic_crs_is_an_error_with_the_fix(tmp_path):
    with pytest.raises(ConfigError, match=r"key crs: EPSG:4326 is geographic \(degrees\).*fix: use a projected CRS"):
        config.load_place(write_place(tmp_path, crs="EPSG:4326"))
    with pytest.raises(ConfigError, match="not a known CRS"):
        config.load_place(write_place(tmp_path / "b", crs="EPSG:999999"))


def _first_assumption(unit_pattern):
    """An assumption whose unit matches (names change as the model grows; units say what it is)."""
    row = next(r for r in config.load_assumptions().table() if re.search(unit_pattern, r["unit"]))
    return row["group"], row["name"]


@pytest.mark.parametrize("unit,value,needle", [
    (r"^fraction", 5, "{name}.value = 5 is outside the physical range >= 0 and <= 1"),
    (r"kWp/m2", -1, "{name}.value = -1 is outside the physical range > 0"),
    (r"^percent", 150, "{name}.value = 150 is outside the physical range >= 0 and < 100"),
    (r"^percent", 100, "{name}.value = 100 is outside"),
    (r"^fraction", "lots", "{name} is 'lots', expected a number"),
    (r"^percent", {"value": 10, "low": 20, "high": 30}, "need low <= value <= high"),
])
def test_assumption_overrides_are_checked_against_physical_ranges(tmp_path, unit, value, needle):
    """Usable share 5, module density −1 kWp/m² and losses 150 % once stored negative capacity."""
    group, name = _first_assumption(unit)
    path = write_place(tmp_path, assumptions={group: {name: value}})
    needle = needle.format(name=name)
    with pytest.raises(InputError) as info:
        config.load_place(path)
    assert needle in info.value.one_line() and str(path) in info.value.one_line() and "fix:" in info.value.one_line()


def test_unknown_assumption_names_the_known_ones(tmp_path):
    group, name = _first_assumption(r"^fraction")
    path = write_place(tmp_path, assumptions={group: {name + "_typo": 0.5}})
    with pytest.raises(InputError, match=rf"{path}: assumptions: unknown assumption {group}.{name}_typo — fix: known "
                                         rf"names in {group}: .*{name}"):
        config.load_place(path)


def test_physical_ranges_cover_every_packaged_assumption():
    table = config.load_assumptions().table()
    known = [row for row in table if config.physical_range(row["name"], row["unit"])]
    assert len(known) >= 0.9 * len(table)  # the rest are elasticities (any sign is physical)
    assert config.physical_range("losses_pct", "percent") == (0.0, 100.0, False, True)
    assert config.physical_range("adoption_income_elasticity", "- (uptake ~ income^elasticity)") is None


def test_path_rule_place_folder_and_data_folders(tmp_path, monkeypatch):
    """Paths stay inside the config's folder, a `data` folder at or above it, the project's data/, or
    ANALYSIS_DATA_DIRS."""
    place = tmp_path / "estates" / "ours"
    shared = tmp_path / "estates" / "data"
    shared.mkdir(parents=True)
    (shared / "w.epw").write_bytes(EPW.read_bytes())
    path = write_place(place, weather="../data/w.epw")
    assert config.load_place(path).resolve("../data/w.epw") == (shared / "w.epw").resolve()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "w.epw").write_bytes(EPW.read_bytes())
    path = write_place(place, weather="../../elsewhere/w.epw")
    with pytest.raises(ConfigError, match=r"key weather: \.\./\.\./elsewhere/w\.epw is outside the place folder"):
        config.load_place(path)
    monkeypatch.setenv(config.DATA_DIRS_ENV, str(elsewhere))
    assert config.load_place(path).name == "Test place"
    with pytest.raises(ConfigError, match="outside the place folder"):
        config.load_place(write_place(place, weather="/etc/passwd"))


def test_special_files_in_config_are_refused(tmp_path):
    fifo = tmp_path / "weather.epw"
    os.mkfifo(fifo)
    path = write_place(tmp_path, weather="weather.epw")
    with pytest.raises(ConfigError, match="key weather: weather.epw is a named pipe"):
        config.load_place(path)
    (tmp_path / "folder.epw").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        config.load_place(write_place(tmp_path, weather="folder.epw"))
    with pytest.raises(ConfigError, match="does not exist"):
        config.load_place(write_place(tmp_path, weather="missing.epw"))
    with open(tmp_path / "huge.epw", "wb") as handle:  # sparse: takes no disk
        handle.truncate(checks.MAX_INPUT_BYTES + 1)
    with pytest.raises(ConfigError, match="key weather: huge.epw is larger than 2 GB"):
        config.load_place(write_place(tmp_path, weather="huge.epw"))


# ---------------------------------------------------------------------------------------------
# 2. Weather by meaning
# ---------------------------------------------------------------------------------------------

def _epw_lines():
    lines = EPW.read_text().splitlines()
    return lines[:8], lines[8:]


def test_shuffled_epw_rows_are_refused_not_relabelled(tmp_path):
    """Shuffled rows once gave 464 kWh/kWp instead of 931 (exit 0)."""
    head, rows = _epw_lines()
    rng = np.random.default_rng(1)
    path = tmp_path / "shuffled.epw"
    path.write_text("\n".join(head + [rows[i] for i in rng.permutation(len(rows))]) + "\n")
    out = cli("pv-yield", "--weather", str(path), "--tilt", "35", "--azimuth", "180", timeout=60)
    assert out.returncode == 1
    line = one_line_error(out)
    assert "rows are not in time order" in line and "line 9" in line and str(path) in line and "fix:" in line


def test_two_swapped_hours_are_refused(tmp_path):
    head, rows = _epw_lines()
    rows[100], rows[101] = rows[101], rows[100]
    path = tmp_path / "swap.epw"
    path.write_text("\n".join(head + rows) + "\n")
    with pytest.raises(InputError, match=r"line 109: .*expected the hour 05 Jan 04:00–05:00 but found 05 Jan 05:00"):
        read_weather(path)


def test_leap_year_epw_has_feb29_dropped_and_logged(tmp_path):
    head, rows = _epw_lines()
    feb28 = [r for r in rows if r.split(",")[1:3] == ["2", "28"]]
    feb29 = [",".join(["2000", "2", "29"] + r.split(",")[3:]) for r in feb28]  # a leap year's 29 February
    cut = rows.index(feb28[-1]) + 1
    path = tmp_path / "leap.epw"
    path.write_text("\n".join(head + rows[:cut] + feb29 + rows[cut:]) + "\n")
    log = QualityLog()
    data, _ = read_weather(path, log=log)
    assert len(data) == 8760
    assert log.frame().set_index("field").loc["hours", "dropped"] == 24


@pytest.mark.parametrize("field,value,needle", [(6, "999", "header: latitude 999.0 is outside −90…90"),
                                                (7, "-200", "header: longitude -200.0 is outside −180…180")])
def test_epw_header_location_out_of_range(tmp_path, field, value, needle):
    head, rows = _epw_lines()
    parts = head[0].split(",")
    parts[field] = value
    head[0] = ",".join(parts)
    path = tmp_path / "loc.epw"
    path.write_text("\n".join(head + rows) + "\n")
    out = cli("pv-yield", "--weather", str(path), "--tilt", "35", "--azimuth", "180", timeout=60)
    line = one_line_error(out)
    assert out.returncode == 1 and needle in line and "header: header" not in line and "fix: fix the LOCATION" in line


def test_sunlight_at_night_is_refused(tmp_path):
    """Time stamps shifted by 6 hours (the irradiance columns rotated against the dates)."""
    head, rows = _epw_lines()
    cells = [r.split(",") for r in rows]
    shifted = [cells[(i - 6) % len(cells)][13:16] for i in range(len(cells))]  # GHI, DNI, DHI
    out_rows = [",".join(c[:13] + s + c[16:]) for c, s in zip(cells, shifted)]
    path = tmp_path / "night.epw"
    path.write_text("\n".join(head + out_rows) + "\n")
    with pytest.raises(InputError, match="of sunlit hours fall at night"):
        read_weather(path)


def test_swapped_irradiance_columns_are_refused(london_weather):
    """GHI and DNI swapped: each column alone is in range, together they do not add up."""
    from analysis.ingest.weather import check_night

    data, meta = london_weather
    swapped = data.copy()
    swapped[["ghi", "dni"]] = data[["dni", "ghi"]].to_numpy()
    with pytest.raises(InputError, match=r"x.epw: GHI, DNI and DHI do not add up: DNI·cos\(zenith\) \+ DHI = .*"
                                         r"fix: check the irradiance columns are in the right order"):
        check_night(swapped, meta, "x.epw")
    check_night(data, meta, "x.epw")  # the real file closes


def test_weather_far_from_the_place_is_refused():
    _, meta = read_weather(DATA / "tmy_45.000_8.000_2005_2023.epw")  # northern Italy
    with pytest.raises(InputError, match=r"km from the place"):
        check_weather_place(meta, 51.55, -0.16, "tmy.epw")
    log = QualityLog()
    _, gatwick = read_weather(EPW)
    km = check_weather_place(gatwick, 51.55, -0.16, EPW, log)  # Camden
    assert 40 < km < 50 and log.frame().empty


def test_missing_wind_speed_is_a_recorded_default(tmp_path):
    head, rows = _epw_lines()
    cells = [r.split(",") for r in rows]
    for c in cells[:100]:
        c[21] = "999"  # EPW's "missing"
    path = tmp_path / "wind.epw"
    path.write_text("\n".join(head + [",".join(c) for c in cells]) + "\n")
    log = QualityLog()
    data, _ = read_weather(path, log=log)
    assert (data["wind_speed"].iloc[:100] == 1.0).all()
    row = log.frame().set_index("field").loc["wind_speed"]
    assert row["defaulted"] == 100 and row["default"] == "1 m/s"


def test_pvgis_rows_must_match_months_selected(tmp_path, london_weather):
    data, _ = london_weather
    start = data.index - pd.Timedelta(hours=1)
    years = {m: 2005 + m for m in range(1, 13)}
    stamps = [f"{years[t.month]}{t.month:02d}{t.day:02d}:{t.hour:02d}00" for t in start]
    rows = [{"time(UTC)": s, "T2m": float(r.temp_air), "RH": 70.0, "G(h)": float(r.ghi), "Gb(n)": float(r.dni),
             "Gd(h)": float(r.dhi), "IR(h)": 300.0, "WS10m": float(r.wind_speed), "WD10m": 200.0, "SP": 101000.0}
            for s, r in zip(stamps, data.itertuples())]
    selected = [{"month": m, "year": y} for m, y in years.items()]
    selected[2]["year"] = 1999  # March said to come from 1999, the rows say 2008
    doc = {"inputs": {"location": {"latitude": 51.15, "longitude": -0.18, "elevation": 62.0}},
           "outputs": {"months_selected": selected, "tmy_hourly": rows}, "meta": {"inputs": {}}}
    path = tmp_path / "tmy.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=r"is from 2008-03, but PVGIS selected 1999 for month 3"):
        read_weather(path)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_special_weather_files_are_refused_fast(tmp_path, kind):
    """A FIFO once hung, /dev/zero ended in MemoryError."""
    if kind == "fifo":
        target = tmp_path / "w.epw"
        os.mkfifo(target)
    elif kind == "device":
        target = "/dev/zero"
    else:
        target = tmp_path
    out = cli("pv-yield", "--weather", str(target), "--tilt", "35", "--azimuth", "180", timeout=60)
    assert out.returncode == 1
    line = one_line_error(out)
    assert {"fifo": "named pipe", "device": "is a device", "folder": "is a folder"}[kind] in line and "fix:" in line


def test_huge_weather_file_is_refused_by_size(tmp_path):
    path = tmp_path / "huge.epw"
    with open(path, "wb") as handle:  # sparse: no disk used
        handle.truncate(100 << 20)
    with pytest.raises(InputError, match=r"is 100 MB, more than a weather file can be"):
        read_weather(path)


# ---------------------------------------------------------------------------------------------
# 3. Store safety
# ---------------------------------------------------------------------------------------------

def _tables(scale=1.0, n=10):
    return {"results": pd.DataFrame({"area_id": [f"A{i}" for i in range(n)], "kwh": np.arange(n) * scale})}


def _write(db, place="Camden", **kw):
    con = store.connect(db)
    try:
        return store.write_results(con, kw.pop("tables", _tables()), run={"place": place}, path=db, **kw)
    finally:
        con.close()


def _read(db, sql):
    """Rows of ``sql`` on the store, read-only. Plain DuckDB: these queries need no spatial functions,
    and loading the extension costs time (store.connect has DuckDB check its signature once per process)."""
    con = duckdb.connect(str(db), read_only=True, config={"autoload_known_extensions": "false",
                                                          "autoinstall_known_extensions": "false"})
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def previous(tmp_path_factory):
    """``previous(db, place)`` puts at ``db`` a store holding one earlier run of ``place`` (what
    ``_write(db, place)`` writes: table results, sum(kwh) = 45, run 1). Written once per place and
    copied, for the tests that only need such a store to start from."""
    folder = tmp_path_factory.mktemp("previous")
    templates = {}

    def make(db, place="Camden"):
        if place not in templates:
            templates[place] = folder / f"{len(templates)}.duckdb"
            _write(templates[place], place)
        shutil.copy(templates[place], db)
        return db

    return make


@pytest.mark.slow  # runs the pipeline, a CLI command on real data or a pytest session
def test_another_place_is_refused_unless_replace(tmp_path):
    db = tmp_path / "s.duckdb"
    _write(db, "Camden")
    with pytest.raises(InputError, match=r"this store holds results for 'Camden', not 'London' — fix: pass --replace"):
        _write(db, "London", tables=_tables(2.0))
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]
    store.check_store_for_place(db, "Camden")
    with pytest.raises(InputError, match="holds results for 'Camden'"):
        store.check_store_for_place(db, "London")
    _write(db, "London", tables=_tables(2.0), replace=True)
    assert _read(db, "SELECT sum(kwh) FROM results") == [(90.0,)]
    assert _read(db, "SELECT value FROM meta WHERE key = 'place'") == [("London",)]


def test_a_run_replaces_all_result_tables_and_lists_them(tmp_path):
    """Tables the new run did not write (e.g. heat, with the heat step off) do not survive beside it."""
    db = tmp_path / "s.duckdb"
    _write(db, tables={**_tables(), "building_heat": pd.DataFrame({"x": [1]})})
    _write(db, tables=_tables(3.0), derived_sql=["CREATE TABLE rollup AS SELECT sum(kwh) AS kwh FROM results"])
    names = {r[0] for r in _read(db, "SELECT table_name FROM information_schema.tables")}
    assert names == {"results", "rollup", "runs", "meta"}
    runs = _read(db, "SELECT run_id, status, tables FROM runs ORDER BY run_id")
    assert [json.loads(r[2]) for r in runs] == [["building_heat", "results"], ["results", "rollup"]]


def test_failed_write_leaves_previous_results_and_quality_is_stored(tmp_path):
    db = tmp_path / "s.duckdb"
    log = QualityLog()
    log.default("weather", "wind_speed", 12, "1 m/s")
    _write(db, quality=log)
    assert _read(db, "SELECT step, field, defaulted, \"default\" FROM data_quality") == [("weather", "wind_speed", 12, "1 m/s")]
    with pytest.raises(RuntimeError, match="simulated"):
        _write(db, tables=_tables(5.0), fail_after="results")
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]
    assert _read(db, "SELECT count(*) FROM data_quality") == [(1,)]


def test_no_quality_log_means_no_table_not_an_empty_one(tmp_path):
    db = tmp_path / "s.duckdb"
    _write(db)
    assert "data_quality" not in {r[0] for r in _read(db, "SELECT table_name FROM information_schema.tables")}


def test_concurrent_writers_are_refused(tmp_path):
    db = tmp_path / "s.duckdb"
    with store.writer_lock(db):
        with store.writer_lock(db):  # re-entrant within one process (the CLI holds it around a run)
            pass
        holder = subprocess.run([sys.executable, "-c", "from analysis import store\n"
                                 f"with store.writer_lock({str(db)!r}): pass"], capture_output=True, text=True,
                                cwd=ROOT, timeout=60)
        assert holder.returncode == 1 and re.search(r"another run is writing this store \(pid \d+", holder.stderr)
    with store.writer_lock(db):  # released: free again
        pass


class _CommitSignaller:
    """A connection proxy that delivers a signal to this process just before COMMIT runs."""

    def __init__(self, con, signum):
        self.con, self.signum = con, signum

    def execute(self, sql, *args):
        if sql == "COMMIT":
            os.kill(os.getpid(), self.signum)
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_commit_is_held_and_reported_honestly(tmp_path, signum, previous):
    """Ctrl-C during the commit once reported failure while the new results were in fact stored."""
    db = tmp_path / "s.duckdb"
    previous(db)
    previous = signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(Interrupted(s)))
    con = store.connect(db)
    try:
        with pytest.raises(Interrupted) as info:
            store.write_results(_CommitSignaller(con, signum), _tables(2.0), run={"place": "Camden"})
    finally:
        con.close()
        signal.signal(signal.SIGTERM, previous)
    assert info.value.stored is True and info.value.run_id == 2 and info.value.exit_code == 128 + signum
    assert "after the new results were stored completely (run 2)" in info.value.one_line()
    assert _read(db, "SELECT sum(kwh) FROM results") == [(90.0,)]


INTERRUPT_SCRIPT = """
import signal, sys, numpy as np, pandas as pd
from analysis import cli, store

db = sys.argv[1]
before = store.last_run_id(db)
signal.signal(signal.SIGTERM, cli._raise_on_sigterm)  # as the CLI does
con = store.connect(db)
try:
    n = 3_000_000
    tables = {f"t{i}": pd.DataFrame({"a": np.arange(n) * 2.0, "b": np.arange(n) % 7}) for i in range(6)}
    print("writing", flush=True)
    store.write_results(con, tables, run={"place": "Camden"}, path=db)
    con.close()
    # Done: a signal from now on must not kill the exiting interpreter (the test reads exit 0 as
    # "finished first"; a signal during the last close once ended the script with -SIGINT).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
except KeyboardInterrupt as exc:  # Interrupted is one; as the CLI: say what the store holds
    con.close()
    exc = store.explain_interrupt(exc, db, before)
    print(exc.one_line(), file=sys.stderr)
    sys.exit(exc.exit_code)
"""


@pytest.mark.slow  # runs the pipeline, a CLI command on real data or a pytest session
@pytest.mark.parametrize("signum,stage", [(signal.SIGINT, "table:t0"), (signal.SIGTERM, "table:t3"),
                                          (signal.SIGINT, "table:t5"), (signal.SIGTERM, "commit")])
def test_interrupt_while_writing_leaves_the_old_results_complete(tmp_path, signum, stage, previous):
    """Ctrl-C while tables are written once exited 1 with "RuntimeError: Query interrupted". The writer
    is held at a known stage (the store's test hook) and signalled there: never by a timer, so the
    test cannot pass by finishing first. (A signal during the commit itself: the test above.)"""
    db = tmp_path / "s.duckdb"
    previous(db)
    script = tmp_path / "write.py"
    script.write_text(INTERRUPT_SCRIPT)
    env = os.environ | {store.HOLD_AT_ENV: stage, store.HOLD_RELEASE_ENV: str(tmp_path / "never-released")}
    proc = subprocess.Popen([sys.executable, str(script), str(db)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "writing"
        line = proc.stderr.readline()
        assert line.strip() == store.HOLD_LINE + stage, line
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "the new results were not stored; the store keeps its previous results (run 1)" in err
    names = {r[0] for r in _read(db, "SELECT table_name FROM information_schema.tables")}
    assert names == {"results", "runs", "meta"} and _read(db, "SELECT run_id, status FROM runs") == [(1, "ok")]
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]


DISK_FULL_SCRIPT = """
import resource, signal, sys, numpy as np, pandas as pd
from analysis import store
from analysis.errors import InputError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a full disk: writes fail with an error instead of a signal
con = store.connect(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (4 << 20, 4 << 20))
try:
    store.write_results(con, {"big": pd.DataFrame({"x": np.random.default_rng(1).random(3_000_000)})},
                        run={"place": "Camden"}, path=sys.argv[1])
except InputError as exc:
    print("error: " + exc.one_line(), file=sys.stderr)
    sys.exit(1)
"""


@pytest.mark.slow  # runs the pipeline, a CLI command on real data or a pytest session
def test_full_disk_is_one_line_and_keeps_previous_results(tmp_path, previous):
    """A disk that filled while storing once printed 175 lines of warnings."""
    db = tmp_path / "s.duckdb"
    previous(db)
    script = tmp_path / "full.py"
    script.write_text(DISK_FULL_SCRIPT)
    out = subprocess.run([sys.executable, str(script), str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    line = one_line_error(out)
    assert "the disk is full while writing the store" in line and "fix: free disk space" in line
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]


# ---------------------------------------------------------------------------------------------
# 4. Hostile strings
# ---------------------------------------------------------------------------------------------

def test_new_place_name_with_newline_adds_no_keys(tmp_path):
    name = 'Evil "estate"\nweather: /etc/passwd\n# comment: x\\'
    out = cli("new-place", name, "--dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    path = next(tmp_path.glob("*/place.yml"))
    raw = yaml.safe_load(path.read_text())
    assert raw["name"] == name and raw["weather"] == "weather.epw"
    assert list(raw) == ["name", "crs", "currency", "seed", "areas", "buildings", "weather"]
    assert path.parent.parent == tmp_path and "/" not in path.parent.name


def test_new_place_template_validates_once_filled(tmp_path):
    out = cli("new-place", "Our estate", "--dir", str(tmp_path))
    assert out.returncode == 0
    path = tmp_path / "our-estate" / "place.yml"
    schema = config.validate_place(config.read_yaml(path), path)  # the template's keys are all known
    config.check_crs(schema.crs, path)
    with pytest.raises(ConfigError, match="does not exist"):  # but its files are still to be supplied
        config.load_place(path)


def test_csv_export_neutralises_formulas():
    frame = pd.DataFrame({"building_id": ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "ok", None],
                          "kwh": [-1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    out = exports.neutralise_formulas(frame)
    assert out["building_id"].tolist()[:5] == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "ok"]
    assert out["kwh"].tolist()[0] == -1.0


def _small_store(db):
    """A store holding just what exports and the fact-sheet selection read, with hostile ids."""
    square = lambda x, y, s: shapely.box(x, y, x + s, y + s)  # noqa: E731
    area = square(530000, 184000, 500)
    ids = ["=cmd|' /C calc'!A0", "+SUM(1)", "plain", "@x"]
    buildings = pd.DataFrame({"building_id": ids, "area_id": "E01000001", "building_type": "house", "use": "residential",
                              "levels": 2.0, "dwellings": 1, "owner_type": "owner_occupier", "synthetic": False,
                              "roof_shape_assumed": True, "age_assumed": True,
                              "geom": shapely.to_wkb([square(530010 + 20 * i, 184010, 10) for i in range(4)])})
    potential = pd.DataFrame({"building_id": ids, "suitable_planes": 1, "usable_m2": 50.0, "kwp_low": 5.0,
                              "kwp_central": 6.0, "kwp_high": 7.0, "kwh_low": 4000.0, "kwh_central": 5000.0,
                              "kwh_high": 6000.0})
    areas = pd.DataFrame({"area_id": ["E01000001"], "name": ["Somewhere"], "households": [4], "income_mean_gbp": [1.0],
                          "owner_occupied": [4], "social_rented": [0], "private_rented": [0],
                          "geom": [shapely.to_wkb(area)]})
    area_pot = pd.DataFrame({"area_id": ["E01000001"], "buildings": [4], "kwp_central": [24.0], "kwh_low": [1.0],
                             "kwh_central": [2.0], "kwh_high": [3.0], "kwh_per_household": [0.5]})
    # Every other column the export reads, as the current export SQL names them (empty values).
    for frame, alias in ((buildings, "b"), (potential, "p"), (areas, "a"), (area_pot, "p")):
        sql = exports.BUILDINGS_SQL if frame is buildings or frame is potential else exports.AREAS_SQL
        for col in re.findall(rf"\b{alias}\.(\w+)", sql):
            if col not in frame and col != "geom":
                frame[col] = None
    con = store.connect(db)
    try:
        store.write_results(con, {"buildings": buildings, "building_potential": potential, "areas": areas,
                                  "area_potential": area_pot}, {"buildings": ["geom"], "areas": ["geom"]},
                            run={"place": "Camden"})
    finally:
        con.close()


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory):
    """``_small_store`` written once; each test works on its own copy."""
    db = tmp_path_factory.mktemp("hostile") / "s.duckdb"
    _small_store(db)
    return db


def test_export_csv_of_hostile_ids(tmp_path, hostile_store):
    db = shutil.copy(hostile_store, tmp_path / "s.duckdb")
    out = cli("export", "--db", str(db), "--out", str(tmp_path / "gis"), "--format", "csv")
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(tmp_path / "gis" / "buildings.csv", dtype=str)
    assert not table["building_id"].str.match(r"^[=+\-@]").any()
    assert "'=cmd|' /C calc'!A0" in table["building_id"].tolist()


@pytest.mark.parametrize("area_id", ["' OR 1=1 --", "x'; DROP TABLE areas; --", "%", "' UNION SELECT 1 --",
                                     "A" * 10_000, "E01000001' OR '1'='1"])
def test_factsheet_area_with_sql_looking_ids_answers_fast(tmp_path, area_id, hostile_store):
    db = shutil.copy(hostile_store, tmp_path / "s.duckdb")
    out = cli("factsheet", "--db", str(db), "--area", area_id, "--out", str(tmp_path))
    assert out.returncode == 1
    line = one_line_error(out)
    assert "no area with id" in line and "fix: use an id like E01000001" in line and len(line) < 400
    assert _read(db, "SELECT count(*) FROM areas") == [(1,)]


def test_buildings_list_with_only_a_header(tmp_path, hostile_store):
    db = shutil.copy(hostile_store, tmp_path / "s.duckdb")
    listing = tmp_path / "list.csv"
    listing.write_text("building_id\n")
    out = cli("factsheet", "--db", str(db), "--buildings-list", str(listing), "--out", str(tmp_path))
    assert out.returncode == 1
    line = one_line_error(out)
    assert str(listing) in line and "header but no buildings" in line and "fix:" in line


# ---------------------------------------------------------------------------------------------
# 5. Areas and buildings by meaning (ingest/checks.py)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("12", 12.0), ("1.2e2", 120.0), ("12 m", 12.0), ("12m", 12.0), ("3;4", 4.0), ("c. 7", 7.0), ("2,5", 2.5),
    ("30 ft", 9.144), (5, 5.0), ("abc", np.nan), ("", np.nan), (None, np.nan), ("inf", np.nan), ("1;x", np.nan),
])
def test_parse_number_as_mappers_write(raw, expected):
    values, unparsed = checks.parse_number([raw], unit="m")
    assert values[0] == pytest.approx(expected, nan_ok=True)
    assert unparsed[0] == (np.isnan(expected) and raw not in ("", None))


def _areas_frame(households=(80, 500), owners=(50, 300)):
    geoms = [shapely.box(0, 0, 200, 400), shapely.box(200, 0, 400, 400)]  # 8 ha each
    return gpd.GeoDataFrame({"area_id": ["A", "B"], "households": list(households), "owner_occupied": list(owners),
                             "private_rented": [10, 100], "social_rented": [10, 50], "other_tenure": [0, 0],
                             "dwellings": [85, 510], "area_ha": [8.0, 8.0]}, geometry=geoms, crs="EPSG:27700")


def test_tenure_above_households_is_scaled_and_logged_in_a_minority():
    """1,100 owner-occupiers in an area of 80 households once passed silently."""
    frame = pd.concat([_areas_frame()] * 2, ignore_index=True)
    frame["area_id"] = ["A", "B", "C", "D"]
    frame.loc[0, "owner_occupied"] = 1100
    log = QualityLog()
    out = checks.check_areas(gpd.GeoDataFrame(frame, crs="EPSG:27700"), log, "stats.csv")
    tenure = out.loc[0, ["owner_occupied", "private_rented", "social_rented", "other_tenure"]].sum()
    assert tenure == pytest.approx(80)
    assert "A" in log.frame().set_index("field").loc["tenure", "note"]


def test_tenure_above_households_everywhere_is_an_error():
    with pytest.raises(InputError, match=r"stats.csv: tenure counts exceed households in 2 of 2 areas \(e.g. area A: "
                                         r"1,120 > 80\).*fix: check the tenure and household columns"):
        checks.check_areas(_areas_frame(owners=(1100, 3000)), None, "stats.csv")


def test_negative_counts_are_dropped_and_counted():
    frame = _areas_frame()
    frame.loc[1, "dwellings"] = -5
    log = QualityLog()
    out = checks.check_areas(frame, log)
    assert np.isnan(out.loc[1, "dwellings"]) and log.frame().set_index("field").loc["dwellings", "dropped"] == 1


def test_geographic_areas_are_an_error():
    with pytest.raises(InputError, match="areas would be computed in degrees.*fix: set crs in place.yml"):
        checks.check_areas(_areas_frame().to_crs(4326))


def _buildings(n=10, **columns):
    geoms = [shapely.box(10 + 15 * i, 10, 20 + 15 * i, 20) for i in range(n)]
    data = {"building_id": [f"b{i}" for i in range(n)], "area_id": "A", **columns}
    return gpd.GeoDataFrame(data, geometry=geoms, crs="EPSG:27700")


def test_huge_footprint_is_dropped_and_counted():
    """A 100 km² footprint inside an 8 ha area was stored (12 TWh)."""
    frame = _buildings()
    frame.loc[0, "geometry"] = shapely.box(0, 0, 10_000, 10_000)
    log = QualityLog()
    out = checks.check_buildings(frame, _areas_frame(), log, "b.geojson")
    assert len(out) == 9 and "b0" not in set(out["building_id"])
    row = log.frame().set_index("field").loc["footprint_m2"]
    assert row["dropped"] == 1 and "outside 5–100,000" in row["note"]


def test_footprint_mostly_outside_its_area_is_dropped():
    frame = _buildings()
    frame.loc[1, "geometry"] = shapely.box(150, 10, 260, 20)  # mostly in area B, assigned to A
    out = checks.check_buildings(frame, _areas_frame(), QualityLog())
    assert "b1" not in set(out["building_id"]) and len(out) == 9


def test_attribute_values_are_parsed_and_implausible_ones_dropped():
    frame = _buildings(5, height_m=["1.2e2", "12 m", "3;4", "0.5", "abc"], levels=["30", "4", "1", "2", "2"],
                       year_built=["1890", "7", None, "2023", "c. 1930"])
    log = QualityLog()
    out = checks.check_buildings(frame, None, log)
    height = out["height_m"].to_numpy()
    assert height[0] == 120.0 and height[1] == 12.0 and height[2] == 4.0
    assert np.isnan(height[3]) and np.isnan(height[4])  # 0.5 m is below one storey; "abc" unparsable
    year = out["year_built"].to_numpy()
    assert year[0] == 1890 and np.isnan(year[1]) and year[4] == 1930
    fields = log.frame().set_index("field")
    assert fields.loc["year_built", "dropped"] == 1 and fields.loc["height_m", "dropped"] >= 2


def test_buildings_run_refused_when_most_are_implausible():
    frame = _buildings()
    for i in range(6):
        frame.loc[i, "geometry"] = shapely.box(0, 0, 1, 1)  # 1 m² "buildings"
    with pytest.raises(InputError, match=r"b.gpkg: only 4 of 10 buildings have a plausible footprint.*at least 50%"):
        checks.check_buildings(frame, None, QualityLog(), "b.gpkg")


def test_buildings_without_crs_or_in_degrees():
    frame = _buildings().set_crs(None, allow_override=True)
    with pytest.raises(InputError, match="the buildings have no CRS"):
        checks.check_buildings(frame)
    with pytest.raises(InputError, match="degrees"):
        checks.check_buildings(_buildings().to_crs(4326))


# ---------------------------------------------------------------------------------------------
# 6. The `run` command: refused early, before minutes of work
# ---------------------------------------------------------------------------------------------

def test_run_into_another_places_store_stops_at_once(tmp_path, previous):
    """A place run into another place's store once replaced its results without a word."""
    db = tmp_path / "s.duckdb"
    previous(db, "London")
    out = cli("run", "--place", "camden", "--db", str(db), "--quiet", timeout=120)
    assert out.returncode == 1
    line = one_line_error(out)
    assert str(db) in line and "holds results for 'London', not 'Camden'" in line and "--replace" in line
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]


def test_second_run_on_a_busy_store_is_refused_at_once(tmp_path, previous):
    db = tmp_path / "s.duckdb"
    previous(db, "Camden")
    with store.writer_lock(db):
        out = cli("run", "--place", "camden", "--db", str(db), "--quiet", timeout=120)
    assert out.returncode == 1
    line = one_line_error(out)
    assert "another run is writing this store" in line and "fix: wait for it to finish" in line
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]


def test_geojson_in_metres_without_crs_member_is_refused(tmp_path):
    """A GeoJSON in metres with no CRS member is WGS84 by definition; its coordinates say otherwise."""
    frame = _buildings().to_crs(27700)
    frame.geometry = frame.geometry.translate(530000, 184000)
    path = tmp_path / "b.geojson"
    path.write_text(frame.to_json(drop_id=True).replace('"crs"', '"_crs"'))  # no crs member
    read = gpd.read_file(path)
    assert read.crs.to_epsg() == 4326  # what GDAL assumes
    with pytest.raises(InputError, match=r"b.geojson: the buildings say EPSG:4326 \(degrees\) but their coordinates "
                                         r"reach 530,\d+, 184,\d+: they look like metres — fix: state the real CRS"):
        checks.check_coordinates_match_crs(read, path, "buildings")
    checks.check_coordinates_match_crs(read.set_crs(27700, allow_override=True).to_crs(4326), path)  # real degrees


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_during_a_real_run_exits_130_and_keeps_the_store(tmp_path, signum, previous):
    """Through the CLI on a small real place: a clean message, 130 (143 for SIGTERM), the old store intact."""
    from test_fuzz import _small_place

    folder = tmp_path / "place"
    folder.mkdir()
    place = _small_place(folder)
    db = tmp_path / "s.duckdb"
    previous(db, "Granary Square")
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "run", "--place", str(place), "--db", str(db)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stderr:  # progress lines: interrupt once the pipeline is under way
        if line.startswith("[2/"):
            break
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "the new results were not stored; the store keeps its previous results (run 1)" in err
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)]


def test_export_of_an_old_store_is_one_line(tmp_path, previous):
    db = tmp_path / "s.duckdb"
    previous(db)  # a store without the export's tables
    out = cli("export", "--db", str(db), "--out", str(tmp_path / "gis"), "--format", "csv")
    assert out.returncode == 1
    line = one_line_error(out)
    assert str(db) in line and "the store holds no table buildings" in line and "fix: run `python -m analysis run --db" in line


# ---------------------------------------------------------------------------------------------
# 7. Found by the audit: files without geometry, ids in every CSV, duplicate keys, defaults shown,
#    small and odd but valid places
# ---------------------------------------------------------------------------------------------

def test_buildings_csv_without_geometry_is_one_line(tmp_path):
    """A CSV of attributes given as footprints once ended in "AttributeError: 'DataFrame' object has no
    attribute 'crs'"."""
    table = tmp_path / "roofs.csv"
    table.write_text("id,height\na,10\nb,12\n")
    out = cli("roof-irradiance", "--buildings", str(table), "--weather", str(EPW), "--out", str(tmp_path / "o.csv"),
              timeout=60)
    assert out.returncode == 1
    line = one_line_error(out)
    assert line.startswith(f"error: {table}: the file has no geometry (it has columns id, height)") and "fix: give a " \
        "GeoJSON, GPKG, Shapefile or GeoParquet file of polygons" in line
    assert not (tmp_path / "o.csv").exists()
    plain = tmp_path / "plain.parquet"  # a Parquet table without geo metadata: the same message
    pd.DataFrame({"id": ["a"]}).to_parquet(plain)
    from analysis.ingest.areas import read_vector
    with pytest.raises(InputError, match=r"plain.parquet: the file has no geometry: area boundaries need polygons"):
        read_vector(plain, "EPSG:27700", what="area boundaries")


@pytest.mark.parametrize("key", ["areas", "buildings"])
def test_place_file_without_geometry_stops_the_run_and_keeps_the_store(tmp_path, key, previous):
    (tmp_path / "table.csv").write_text("LSOA11CD,name\nE01000842,x\n")
    section = ({"areas": {"file": "table.csv", "id": "LSOA11CD"}} if key == "areas"
               else {"buildings": {"source": "file", "file": "table.csv"}})
    place = write_place(tmp_path, **section)
    db = tmp_path / "s.duckdb"
    previous(db, "Test place")
    out = cli("run", "--place", str(place), "--db", str(db), "--quiet", timeout=120)
    assert out.returncode == 1
    line = one_line_error(out)
    what = "area boundaries" if key == "areas" else "buildings"
    assert f"{tmp_path / 'table.csv'}: the file has no geometry" in line and f"{what} need polygons" in line
    assert "fix: give a GeoJSON" in line
    assert _read(db, "SELECT sum(kwh) FROM results") == [(45.0,)] and _read(db, "SELECT count(*) FROM runs") == [(1,)]


def test_roof_irradiance_csv_neutralises_formula_ids(tmp_path):
    """Building ids are data in the roof-irradiance CSV too (the same helper as the exports)."""
    from analysis import irradiance

    ids = ["=HYPERLINK(\"http://x\")", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "ok"]
    footprints = gpd.GeoDataFrame({"id": ids, "height": 6.0},
                                  geometry=[shapely.box(530000 + 20 * i, 180000, 530010 + 20 * i, 180010)
                                            for i in range(len(ids))], crs=27700)
    footprints.to_file(tmp_path / "b.gpkg")
    result = irradiance.roof_irradiance(tmp_path / "b.gpkg", EPW, id_column="id", height_column="height")
    path = irradiance.write_csv(result, tmp_path / "roofs.csv")
    written = pd.read_csv(path, dtype=str, keep_default_na=False)["building_id"].tolist()
    assert written == ["'" + i for i in ids[:-1]] + ["ok"]
    assert pd.read_csv(path)["roof_kwh_per_m2"].between(500, 1200).all()  # numbers stay numbers


def test_duplicate_yaml_keys_are_refused(tmp_path):
    path = write_place(tmp_path)
    path.write_text(path.read_text() + "weather: other.epw\n")  # PyYAML would keep the last, silently
    first = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("weather:"))
    last = len(path.read_text().splitlines())
    with pytest.raises(InputError) as info:
        config.load_place(path)
    assert info.value.one_line() == (f"{path}: line {last}: invalid YAML (duplicate key 'weather' (first given at line "
                                     f"{first})) — fix: keep one of the two entries (YAML would silently use only the "
                                     "last)")
    nested = tmp_path / "nested.yml"
    nested.write_text("name: x\nareas: {file: a.shp, id: A, id: B}\n")
    with pytest.raises(InputError, match=r"line 2: invalid YAML \(duplicate key 'id'"):
        config.read_yaml(nested)
    # The packaged assumption files are read with libyaml; duplicate keys are refused there too.
    with pytest.raises(InputError, match=r"line 2: invalid YAML \(duplicate key 'id'"):
        config.read_yaml(nested, packaged=True)
    out = cli("run", "--place", str(path), timeout=60)
    assert out.returncode == 1 and "duplicate key 'weather'" in one_line_error(out)


def test_all_assumption_violations_are_reported_at_once(tmp_path):
    (g1, n1), (g2, n2), (g3, n3) = (_first_assumption(r"^fraction"), _first_assumption(r"kWp/m2"),
                                    _first_assumption(r"^percent"))
    overrides = {}
    for group, name, value in ((g1, n1, 5), (g2, n2, -1), (g3, n3, "lots")):
        overrides.setdefault(group, {})[name] = value
    overrides.setdefault(g1, {})[n1 + "_typo"] = 0.5
    path = write_place(tmp_path, assumptions=overrides)
    with pytest.raises(ConfigError) as info:
        config.load_place(path)
    lines = info.value.lines()
    assert len(lines) == 4, lines
    assert all(line.startswith(f"{path}: ") and "fix:" in line and "\n" not in line for line in lines)
    for needle in (f"{n1}.value = 5 is outside", f"{n2}.value = -1 is outside", f"{n3} is 'lots'",
                   f"unknown assumption {g1}.{n1}_typo"):
        assert sum(needle in line for line in lines) == 1, (needle, lines)
    out = cli("run", "--place", str(path), timeout=60)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [f"error: {line}" for line in lines]


def test_place_labels_bind_the_crs(monkeypatch):
    """The store's CRS reaches SQL as a bound parameter: a hostile value cannot run as SQL. It is the
    store's own (labels of a Finnish store were once placed with the British grid of the default place)."""
    from types import SimpleNamespace

    from analysis import book

    crs = {"value": "EPSG:27700"}
    monkeypatch.setattr(store, "place_info", lambda con, fallback_crs=None: SimpleNamespace(crs=crs["value"]))
    con = store.connect()
    con.execute("CREATE TABLE buildings AS SELECT 'King''s Cross station' AS name, 'non_domestic' AS use_class, "
                "'transport' AS use_category, 5000.0 AS footprint_m2, ST_GeomFromText('POLYGON((530300 183000, "
                "530400 183000, 530400 183100, 530300 183100, 530300 183000))') AS geom")
    labels = book.place_labels(con)
    assert labels["name"].tolist() == ["King's Cross station"]
    lon, lat = gpd.GeoSeries([shapely.Point(530350, 183050)], crs=27700).to_crs(4326).iloc[0].coords[0]
    assert labels.loc[0, "lon"] == pytest.approx(lon, abs=1e-6) and labels.loc[0, "lat"] == pytest.approx(lat, abs=1e-6)
    crs["value"] = "EPSG:3067"  # the same numbers on the Finnish grid: a point in the Baltic, not London
    assert book.place_labels(con).loc[0, "lon"] > 15
    crs["value"] = "EPSG:27700', 'EPSG:4326') AS x FROM buildings; DROP TABLE buildings; --"
    with pytest.raises(Exception) as info:  # an unknown CRS: DuckDB's error, not a second statement
        book.place_labels(con)
    assert "DROP" not in type(info.value).__name__
    assert con.execute("SELECT count(*) FROM buildings").fetchone() == (1,)
    con.close()


def _tiny_place(folder, n, households, stats=None, size=(8.0, 7.0), spacing=12.0, levels="2", area_id="T0001"):
    """A one-area place of ``n`` house footprints (GeoJSON) on a grid near King's Cross.

    Statistics: households and income only, plus ``stats`` (our column name -> value). Houses are
    wider than deep, so their ridges run east-west and the roofs face south and north. The area
    id looks like an ISO time on purpose ("T0001"): GeoJSON readers once turned it into 00:01:00.
    """
    folder.mkdir(parents=True, exist_ok=True)
    x0, y0 = 530_000, 183_000
    cols = max(1, int(np.sqrt(n)))
    rows = -(-n // cols)
    boxes = [shapely.box(x0 + 20 + spacing * (i % cols), y0 + 20 + spacing * (i // cols),
                         x0 + 20 + spacing * (i % cols) + size[0], y0 + 20 + spacing * (i // cols) + size[1])
             for i in range(n)]
    area = shapely.box(x0, y0, x0 + 40 + spacing * cols, y0 + 40 + spacing * rows)
    gpd.GeoDataFrame({"code": [area_id]}, geometry=[area], crs=27700).to_file(folder / "areas.geojson")
    table, columns = {"code": [area_id], "hh": [households], "inc": [30000]}, {"households": "hh", "income_mean_gbp": "inc"}
    for ours, value in (stats or {}).items():
        table[ours], columns[ours] = [value], ours
    pd.DataFrame(table).to_csv(folder / "stats.csv", index=False)
    gpd.GeoDataFrame({"id": [f"h{i}" for i in range(n)], "building": "house", "building:levels": levels},
                     geometry=boxes, crs=27700).to_file(folder / "buildings.geojson")
    (folder / "w.epw").write_bytes(EPW.read_bytes())
    raw = {"name": f"Tiny place {n}", "crs": "EPSG:27700", "seed": 1,
           "areas": {"file": "areas.geojson", "id": "code",
                     "statistics": [{"file": "stats.csv", "id": "code", "columns": columns}]},
           "buildings": {"source": "file", "file": "buildings.geojson"}, "weather": "w.epw"}
    path = folder / "place.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def two_buildings(tmp_path_factory):
    """A valid place of 2 houses without tenure or electricity statistics, run through the CLI once."""
    folder = tmp_path_factory.mktemp("two")
    place = _tiny_place(folder / "place", 2, 2)
    db = folder / "two.duckdb"
    out = cli("run", "--place", str(place), "--db", str(db), "--quiet", timeout=300)
    return place, db, out


def test_two_building_place_runs_cleanly(two_buildings):
    """A valid place with 2 buildings once failed with "outcome has zero mean"."""
    place, db, out = two_buildings
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
    assert out.returncode == 0, out.stderr
    assert len(out.stderr.strip().splitlines()) <= 1, out.stderr  # at most the one-line warning summary
    assert re.search(r"^run 1 stored in ", out.stdout, re.M)
    assert _read(db, "SELECT area_id FROM areas") == [("T0001",)]  # GeoJSON ids are text, never times
    buildings, kwh, bad = _read(db, "SELECT sum(buildings), sum(kwh_central), count(*) FILTER (WHERE NOT "
                                    "isfinite(kwh_central)) FROM area_potential")[0]
    assert buildings == 2 and bad == 0 and 2_000 < kwh < 30_000


def test_missing_tenure_and_electricity_are_recorded_defaults(two_buildings, tmp_path):
    """Missing tenure once became national shares, missing electricity 3,000 kWh — silently. Now each is
    in data_quality, the run's defaults_used, the CLI's run summary and the fact sheet."""
    place, db, out = two_buildings
    assert out.returncode == 0, out.stderr
    rows = dict(((s, f), (n, d)) for s, f, n, d in _read(
        db, 'SELECT step, field, defaulted, "default" FROM data_quality WHERE defaulted > 0'))
    assert rows[("tenure", "tenure shares")][0] == 1 and "England and Wales 2021 shares" in rows[("tenure", "tenure shares")][1]
    n_elec, elec = rows[("energy", "domestic electricity per dwelling")]
    assert n_elec == 2 and re.fullmatch(r"[\d,]+ kWh/yr", elec)
    summary = json.loads(_read(db, "SELECT summary FROM runs ORDER BY run_id DESC LIMIT 1")[0][0])
    assert any(line.startswith("tenure.tenure shares: 1 record(s) set to England and Wales") for line in summary["defaults_used"])
    assert f"energy.domestic electricity per dwelling: 2 record(s) set to {elec}" in summary["defaults_used"]
    printed = out.stdout.split("defaults used in place of missing data", 1)
    assert len(printed) == 2 and "table data_quality in the store" in printed[1]
    for line in summary["defaults_used"]:
        assert f"\n  {line}" in printed[1]
    sheet = cli("factsheet", "--place", str(place), "--db", str(db), "--area", "T0001", "--out", str(tmp_path), timeout=120)
    assert sheet.returncode == 0, sheet.stderr
    page = next(tmp_path.glob("factsheet-*.html")).read_text()
    assert "Defaults were used in place of missing data" in page
    assert "tenure shares: 1 record set to England and Wales 2021 shares" in page
    assert f"domestic electricity per dwelling: 2 records set to {elec}" in page


def test_factsheet_shows_shade_from_neighbours_not_a_stale_caveat(two_buildings, tmp_path):
    place, db, _ = two_buildings
    sheet = cli("factsheet", "--place", str(place), "--db", str(db), "--area", "T0001", "--out", str(tmp_path), timeout=120)
    assert sheet.returncode == 0, sheet.stderr
    page = next(tmp_path.glob("factsheet-*.html")).read_text()
    assert "No shading by neighbours" not in page
    shaded, unshaded = _read(db, "SELECT sum(kwh_central), sum(unshaded_kwh_central) FROM building_potential")[0]
    assert f"({unshaded / 1e3:,.1f} MWh/yr without it, {shaded / 1e3:,.1f} MWh/yr with it)" in page
    assert "without neighbours' shade" in page and "Trees are not modelled" in page


@pytest.mark.slow  # runs the pipeline
def test_800_small_houses_with_pv_above_demand(tmp_path):
    """800 small houses whose PV exceeds their demand once left 3 of 30 policy cells NaN/inf and printed
    174 lines of warnings."""
    place = _tiny_place(tmp_path / "place", 800, 800, {"elec_kwh": 800 * 1_500, "elec_meters": 800})
    db = tmp_path / "s.duckdb"
    out = cli("run", "--place", str(place), "--db", str(db), "--quiet", timeout=300)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr[-2000:]
    assert len(out.stderr.strip().splitlines()) <= 1, out.stderr  # no warning spam: one summary line at most
    pv, demand = _read(db, "SELECT sum(p.kwh_central), sum(h.elec_demand_kwh) FROM building_potential p "
                           "JOIN building_heat h USING (building_id)")[0]
    assert pv > 2 * demand  # the case the issue names
    cells = pd.DataFrame(store.connect(db, read_only=True).execute("SELECT * FROM policy_cells").df())
    assert len(cells) == 30
    numbers = cells.select_dtypes("number")
    assert not np.isinf(numbers.to_numpy()).any()
    headline = ["installed_mwp", "real_value", "to_households", "net_per_household",
                "cost_shift_per_household", "households_losing", "share_losing", "ledger_imbalance"]
    assert np.isfinite(cells[headline].to_numpy(dtype=float)).all()
    # Undefined by construction here, so NaN ("n/a"), never a number: with one area nine deciles are
    # empty (so the poorest or the richest tenth, their gap, their shares of income and the
    # concentration index), there are no flats, and an index over areas needs two of them.
    undefined = {"bottom_decile_net", "top_decile_net", "top_minus_bottom", "bottom_decile_net_pct_income",
                 "top_decile_net_pct_income", "concentration_benefit_deciles", "flat_net_per_household",
                 "suits_network_charges"}
    assert set(numbers.columns[numbers.isna().any()]) <= undefined


def test_missing_pvwatts_file_is_not_run_never_passed(tmp_path):
    """A missing PVWatts export once gave an empty validation table that the book read as "all checks pass"."""
    from analysis import pipeline

    folder = tmp_path / "data" / "validation"
    folder.mkdir(parents=True)
    (folder / "pvwatts_8760_roofmount.csv").write_bytes(
        (ROOT / "data" / "validation" / "pvwatts_8760_roofmount.csv").read_bytes())
    table = pipeline.validation_table(tmp_path)
    rack = table[table["reference"].str.contains("rack")]
    assert len(rack) == 1 and rack["status"].tolist() == ["not run"] and not rack["within_tolerance"].any()
    assert rack["metric"].iloc[0] == "not run: pvwatts_8760_rackmount.csv missing"
    assert (table.loc[table["reference"].str.contains("roof"), "status"] == "pass").all()
    (folder / "pvwatts_8760_roofmount.csv").unlink()
    none = pipeline.validation_table(tmp_path)
    assert none["status"].tolist() == ["not run"] * 3 and "pass" not in set(none["status"])  # PVWatts ×2, rows


def test_progressive_return_with_an_empty_group_has_finite_weights():
    """Empty deciles of small places (no households, no income) once made 0/0 weights."""
    import warnings

    from analysis.economics import kernel as ec

    groups = ec.Groups(ids=np.array([1, 2]), households=np.array([[10.0] + [0] * 7, [0] * 8]),
                       income_mean=np.array([30_000.0, 0.0]), demand_dom_kwh=np.zeros((2, 8)),
                       demand_nd_kwh=np.zeros((2, 3)), decile=np.array([1, 2]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w = ec.return_weights(groups, "progressive", np.array([100.0, -5.0]))
    assert np.isfinite(w).all() and np.allclose(w.sum(axis=(0, 1)), 1)


@pytest.mark.parametrize("background", [True, False])
def test_store_builder_checkpoint_in_the_middle_keeps_every_row(tmp_path, background):
    """The pipeline asks for a checkpoint after the big tables; rows written before and after it
    all land, and a failure after it still leaves the old store as it was."""
    path = tmp_path / "place.duckdb"
    frame = pd.DataFrame({"building_id": [f"b{i}" for i in range(1000)], "kwh": np.arange(1000.0)})
    writer = store.StoreBuilder(path, run={"place": "test"}, background=background).begin()
    writer.put("buildings", frame)
    writer.checkpoint()
    writer.put("buildings", frame.assign(building_id=frame["building_id"] + "x"))
    writer.put("areas", pd.DataFrame({"area_id": ["a"]}))
    first = writer.commit()
    con = store.connect(path, read_only=True)
    assert con.execute("SELECT count(*), sum(kwh) FROM buildings").fetchone() == (2000, 2 * frame["kwh"].sum())
    con.close()

    writer = store.StoreBuilder(path, run={"place": "test"}, background=background, fail_after="areas").begin()
    writer.put("buildings", frame.head(3))
    writer.checkpoint()
    with pytest.raises(RuntimeError, match="simulated failure after writing areas"):
        try:  # as the pipeline does: a failed put is aborted, a failure in the background ends the commit
            writer.put("areas", pd.DataFrame({"area_id": ["b"]}))
        except RuntimeError as exc:
            writer.abort(exc)
        writer.commit()
    con = store.connect(path, read_only=True)
    assert con.execute("SELECT count(*) FROM buildings").fetchone()[0] == 2000
    assert store.last_run(con)["run_id"] == first
    con.close()
    assert not (tmp_path / "place.duckdb.building").exists()


@pytest.mark.slow  # runs the CLI
@pytest.mark.parametrize("body, needle", [("building_id,kwp\nx1,-3\n", "row 2"), ("kwp\n3\n", "neither building_id")])
def test_bad_installations_file_is_one_line_and_keeps_previous_results(tmp_path, previous, body, needle):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "installations.csv").write_text(body)
    place = write_place(tmp_path / "p", existing_pv={"file": "installations.csv", "osm": False})
    db = previous(tmp_path / "store.duckdb")
    before = _read(db, "SELECT sum(kwh) FROM results")
    out = cli("run", "--place", str(place), "--db", str(db), "--replace", "--quiet")
    assert out.returncode != 0
    line = one_line_error(out)
    assert "installations.csv" in line and needle in line
    assert _read(db, "SELECT sum(kwh) FROM results") == before
