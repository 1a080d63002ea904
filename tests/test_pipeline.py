"""End to end on Camden: store contents, roll-ups, accounting identities, failure safety."""

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import numpy as np
import pytest

from analysis import pipeline, store
from conftest import ROOT
from test_fuzz import _small_place


def q(db, sql):
    """``sql`` on the store as a frame, read-only. Plain DuckDB: these queries need no spatial functions,
    and loading the extension costs time (store.connect has DuckDB check its signature once per process)."""
    con = duckdb.connect(str(db), read_only=True, config={"autoload_known_extensions": "false",
                                                          "autoinstall_known_extensions": "false"})
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_homes_heat_follows_metered_gas_across_neighbourhoods(camden_store):
    """Homes' floor from the census type (English Housing Survey means) follows metered gas per
    neighbourhood better than outline × storeys: correlation 0.87 against 0.66 (Camden, 2019 gas).
    Pinned loosely (≥ 0.8 and above the outline figure by ≥ 0.1), total within ±15 %."""
    from analysis.heat.demand import metered_fit

    g = q(camden_store, """SELECT modelled_gas_heat_kwh m, modelled_gas_heat_kwh_map_floor f, observed_gas_heat_kwh o
                           FROM area_heat WHERE observed_gas_heat_kwh > 0 AND modelled_gas_heat_kwh > 0""")
    bias, r = metered_fit(g["m"], g["o"])
    _, r_map = metered_fit(g["f"], g["o"])
    assert len(g) > 100 and r >= 0.8 and r >= r_map + 0.1 and abs(bias) <= 15


def test_store_has_all_tables_and_a_run(camden_store):
    tables = set(q(camden_store, "SELECT table_name FROM information_schema.tables")["table_name"])
    for name in [*store.REQUIRED_COLUMNS, "runs", "area_heat", "heat_cells", "scenario_decile", "scenario_summary",
                 "validation", "assumptions", "roof_scenarios", "data_quality", "heat_checks", "area_owners"]:
        assert name in tables
    run = q(camden_store, "SELECT * FROM runs WHERE status = 'ok'").iloc[-1]
    assert len(run["config_hash"]) == 16 and "data/camden/place.yml" in run["input_hashes"]
    assert "data/camden/osm/camden.osm.pbf" in run["input_hashes"]
    areas = q(camden_store, "SELECT count(*) n, sum(households) h, sum(dwellings) d FROM areas").iloc[0]
    assert areas.n == 133 and areas.h == 92784 and areas.d == 92733  # Camden, Census 2021 TS054 / TS044
    b = q(camden_store, "SELECT count(*) n, bool_or(synthetic) s, sum(dwellings) d FROM buildings").iloc[0]
    assert 20_000 <= b.n <= 21_000 and not b.s and b.d == 92733  # real OSM buildings, every household placed


def test_every_building_field_has_its_provenance(camden_store):
    src = q(camden_store, """SELECT count(*) FILTER (WHERE levels_source IS NULL) a, count(*) FILTER (WHERE use_source IS NULL) b,
        count(*) FILTER (WHERE age_source IS NULL) c, count(*) FILTER (WHERE roof_owner_source IS NULL) d,
        count(*) FILTER (WHERE dwellings_source IS NULL) e, count(*) FILTER (WHERE tenure_source IS NULL) f,
        count(*) FILTER (WHERE height_source IS NULL) g, count(*) FILTER (WHERE floor_source IS NULL) h,
        count(*) FILTER (WHERE consents_source IS NULL) i,
        count(*) FILTER (WHERE roof_shape_source IS NULL AND building_id IN (SELECT building_id FROM roof_planes)) j,
        count(*) FILTER (WHERE elec_demand_kwh > 0 AND elec_demand_source IS NULL) k,
        count(DISTINCT levels_source) kinds, count(DISTINCT roof_shape_source) shapes FROM buildings""").iloc[0]
    assert (src[list("abcdefghijk")] == 0).all() and src.kinds == 3 and src.shapes == 3  # observed, derived, imputed
    unshaped = q(camden_store, "SELECT count(*) n FROM buildings WHERE roof_shape IS NULL AND building_id IN "
                               "(SELECT building_id FROM roof_planes)").iloc[0]
    assert unshaped.n == 0  # untagged roofs carry the family the roof step chose
    dq = q(camden_store, "SELECT * FROM data_quality").set_index(["step", "field"])
    assert dq.loc[("buildings", "levels"), "observed"] > 4000 and dq.loc[("buildings", "levels"), "imputed"] > 10_000
    assert dq.loc[("buildings", "year_built"), "records"] > 20_000
    assert dq.loc[("buildings", "year_built"), "imputed"] > 20_000  # imputed ages are counted, not hidden
    assert dq.loc[("buildings", "roof_shape"), "derived"] + dq.loc[("buildings", "roof_shape"), "imputed"] > 15_000


def test_homes_and_tenure_add_up_to_the_census(camden_store):
    d = q(camden_store, """SELECT a.area_id, a.dwellings AS census, sum(b.dwellings) AS placed,
           sum(b.dw_owner_occupied + b.dw_social_rented + b.dw_private_rented + b.dw_other) AS tenure
           FROM areas a JOIN buildings b USING (area_id) GROUP BY ALL""")
    assert (d["census"] == d["placed"]).all() and (d["placed"] == d["tenure"]).all()
    heat = q(camden_store, "SELECT sum(heat_kwh_domestic) dom, sum(heat_kwh_nondomestic) nd FROM building_heat").iloc[0]
    assert heat.dom > 0 and heat.nd > 0  # offices, schools and shops are in the heat totals


def test_area_totals_equal_sum_of_buildings(camden_store):
    diff = q(camden_store, """
        SELECT a.area_id, a.kwh_central - coalesce(sum(bp.kwh_central), 0) AS d, a.kwp_high - coalesce(sum(bp.kwp_high), 0) AS d2
        FROM area_potential a LEFT JOIN building_potential bp USING (area_id) GROUP BY a.area_id, a.kwh_central, a.kwp_high""")
    assert np.abs(diff["d"]).max() < 1e-6 and np.abs(diff["d2"]).max() < 1e-6
    tot = q(camden_store, "SELECT sum(kwh_central) a, (SELECT sum(kwh_central) FROM roof_planes) b FROM building_potential").iloc[0]
    assert tot.a == pytest.approx(tot.b)
    lo, mid, hi = q(camden_store, "SELECT sum(kwh_low), sum(kwh_central), sum(kwh_high) FROM area_potential").iloc[0]
    assert lo < mid < hi


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """One run of a small real place (Granary Square, without the ownership step) into a store the tests
    below copy: each starts from the same previous results without running the pipeline for them."""
    folder = tmp_path_factory.mktemp("small")
    (folder / "place").mkdir()
    place = _small_place(folder / "place")  # one neighbourhood of real footprints
    db = folder / "s.duckdb"
    first = pipeline.run(place, db_path=db, quiet=True, with_ownership=False, force=False)
    return place, db, first


def _copy_store(small_run, tmp_path, name):
    _, db, _ = small_run
    copy = tmp_path / name
    shutil.copy(db, copy)
    return copy


def test_failed_run_leaves_previous_results(small_run, tmp_path):
    place = small_run[0]
    db = _copy_store(small_run, tmp_path, "s.duckdb")
    before = q(db, "SELECT sum(kwh_central) s FROM area_potential").iloc[0].s
    with pytest.raises(RuntimeError, match="simulated"):
        pipeline.run(place, db_path=db, quiet=True, fail_after="roof_planes", with_ownership=False)
    assert q(db, "SELECT sum(kwh_central) s FROM area_potential").iloc[0].s == before
    runs = q(db, "SELECT status FROM runs ORDER BY run_id")["status"].tolist()
    assert runs == ["ok", "failed"]


def test_killed_run_leaves_previous_results(small_run, tmp_path):
    """A run killed (SIGKILL: no cleanup) after writing its whole new store, just before the swap —
    held there by the store's test hook, so the kill lands at that moment and not by a timer."""
    place = small_run[0]
    db = _copy_store(small_run, tmp_path, "k.duckdb")
    before = q(db, "SELECT count(*) n, sum(kwh_central) s FROM area_potential").iloc[0]
    runs_before = q(db, "SELECT run_id FROM runs")["run_id"].tolist()
    env = os.environ | {store.HOLD_AT_ENV: "swap", store.HOLD_RELEASE_ENV: str(tmp_path / "never-released")}
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "run", "--place", str(place), "--db", str(db),
                             "--force"], cwd=ROOT, stderr=subprocess.PIPE, text=True, env=env)
    try:
        held = any(store.HOLD_LINE + "swap" in line for line in proc.stderr)  # reads until the line, or the end
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert held, "the run never reached the swap"
    assert proc.returncode == -signal.SIGKILL  # killed, not finished
    after = q(db, "SELECT count(*) n, sum(kwh_central) s FROM area_potential").iloc[0]
    assert after.n == before.n and after.s == before.s
    assert q(db, "SELECT run_id FROM runs")["run_id"].tolist() == runs_before  # the killed run is not recorded
    # The next run starts over from the leftover half-built file and is stored completely.
    pipeline.run(place, db_path=db, quiet=True, with_ownership=False, force=True)
    assert q(db, "SELECT run_id FROM runs")["run_id"].tolist() == [*runs_before, max(runs_before) + 1]
    assert q(db, "SELECT sum(kwh_central) s FROM area_potential").iloc[0].s == pytest.approx(before.s)


def test_unchanged_inputs_reuse_the_store(small_run, tmp_path):
    """`make book` on an unchanged checkout: a run with the same inputs, code and options is reused."""
    place, _, first = small_run
    db = _copy_store(small_run, tmp_path, "u.duckdb")
    again = pipeline.run(place, db_path=db, quiet=True, with_ownership=False, force=False)
    assert not first.up_to_date and again.up_to_date and again.run_id == first.run_id
    text = place.read_text()
    place.write_text(text + "\n# edited\n")
    try:
        third = pipeline.run(place, db_path=db, quiet=True, with_ownership=False, force=False)
    finally:
        place.write_text(text)  # the module's other tests use this place as it was
    assert not third.up_to_date and third.run_id == first.run_id + 1  # the config changed: a new run


def test_store_writes_frames_as_arrow_with_the_same_values(tmp_path):
    """write_results hands DuckDB an Arrow table: NaN and None become NULL, strings and bools survive."""
    import numpy as np
    import pandas as pd

    from analysis import store

    frame = pd.DataFrame({"id": ["a", None, "c"], "x": [1.5, np.nan, 3.0], "flag": [True, False, True],
                          "mixed": [1, "two", 3.0]})  # a column Arrow cannot type falls back to pandas
    assert store.as_arrow(frame.drop(columns="mixed")).__class__.__name__ == "Table"
    con = store.connect(tmp_path / "s.duckdb")
    store.write_results(con, {"t": frame.drop(columns="mixed"), "m": frame[["mixed"]].astype(str)})
    rows = con.execute("SELECT id, x, flag FROM t ORDER BY rowid").fetchall()
    assert rows == [("a", 1.5, True), (None, None, False), ("c", 3.0, True)]
    assert store.as_arrow(frame) is frame
    con.close()


def test_a_run_swaps_a_complete_new_store_in(small_run, tmp_path):
    """The new store is built beside the old one and renamed over it: a reader that opened the old
    store before the run still reads the old results; a killed run's half-built file is removed."""
    from analysis import store

    place = small_run[0]
    db = _copy_store(small_run, tmp_path, "w.duckdb")
    stale = db.with_name(db.name + ".building")
    stale.write_bytes(b"half a store from a killed run")
    reader = store.connect(db, read_only=True)  # as a book build would hold it
    old_runs = reader.execute("SELECT count(*) FROM runs").fetchone()[0]
    result = pipeline.run(place, db_path=db, quiet=True, with_ownership=False)
    assert reader.execute("SELECT count(*) FROM runs").fetchone()[0] == old_runs  # the old file, unchanged
    reader.close()
    assert not stale.exists() and not db.with_name(db.name + ".building.wal").exists()
    runs = q(db, "SELECT run_id, status FROM runs ORDER BY run_id")
    assert runs["run_id"].tolist() == list(range(1, old_runs + 2)) and result.run_id == old_runs + 1
    assert q(db, "SELECT value FROM meta WHERE key = 'place'").iloc[0, 0] == q(db, "SELECT place FROM runs "
                                                                                  "ORDER BY run_id").iloc[-1, 0]


def _compute_slowly(log):
    import time

    with open(log, "a") as handle:
        handle.write("computed\n")
    time.sleep(0.5)
    return {"grid": 42}


def _cached_in_child(folder, log, out):
    import functools
    import os

    os.environ["ANALYSIS_BUILD_DIR"] = str(folder)
    from analysis import cache

    value = cache.cached("test-entry", "k1", functools.partial(_compute_slowly, log))
    with open(out, "a") as handle:
        handle.write(f"{value['grid']}\n")


def test_two_processes_needing_one_cache_entry_compute_it_once(tmp_path):
    """Both xdist workers (or two runs) start cold: the second waits for the first's entry."""
    import multiprocessing

    log, out = tmp_path / "log", tmp_path / "out"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_cached_in_child, args=(tmp_path / "build", log, out)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0]
    assert log.read_text().count("computed") == 1 and out.read_text().split() == ["42", "42"]


# ------------------------------------------------------------------------------------------------
# Partitions: a big place runs in parts; the results must not depend on how it is cut
# ------------------------------------------------------------------------------------------------

def test_area_partitions_are_even_compact_and_cover_every_area():
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 10_000, (500, 2))
    areas = gpd.GeoDataFrame(geometry=shapely.buffer(shapely.points(xy), 50.0), crs="EPSG:27700")
    weights = rng.uniform(50, 150, 500)  # 50,000 in all
    parts = pipeline.area_partitions(areas, weights, target=11_500)  # 4.35 targets: 4 even parts, no small fifth
    assert len(parts) == 4
    rows = np.concatenate(parts)
    assert sorted(rows.tolist()) == list(range(500))  # every area exactly once
    sizes = np.array([weights[p].sum() for p in parts])
    assert np.all(np.abs(sizes - weights.sum() / 4) <= weights.max())
    # Compact: each part's bounding box is far smaller than the place's.
    boxes = [np.ptp(xy[p], axis=0).prod() for p in parts]
    assert max(boxes) < 0.6 * np.ptp(xy, axis=0).prod()
    assert len(pipeline.area_partitions(areas, weights, target=40_000)) == 1  # 1.25 targets: one part
    # Areas without weight (no homes, no buildings) never make a partition of their own.
    line = gpd.GeoDataFrame(geometry=shapely.buffer(shapely.points(np.c_[np.arange(4) * 100.0, np.zeros(4)]), 10.0),
                            crs="EPSG:27700")
    for w in ([30, 0, 30, 0], [0, 30, 0, 30], [0, 0, 30, 30]):
        parts = pipeline.area_partitions(line, np.array(w, float), target=20)
        assert all(np.asarray(w)[p].sum() > 0 for p in parts), (w, parts)
        assert sorted(np.concatenate(parts).tolist()) == [0, 1, 2, 3]


def _result_tables(db) -> dict:
    """Every result table of a store, rows in a fixed order (text, integer and boolean columns
    first, then the numbers), without the run's own bookkeeping."""
    con = store.connect(db, read_only=True)
    try:
        out = {}
        for table in store.result_tables(con):
            cols = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? "
                               "ORDER BY ordinal_position", [table]).fetchall()
            kinds = dict(cols)

            def key(c):  # ENUMs as text, geometries as a digest of their WKB
                q = store.quote_identifier(c)
                if kinds[c] == "GEOMETRY":
                    return f"md5(hex(ST_AsWKB({q})))"
                return f"{q}::VARCHAR" if kinds[c].startswith("ENUM") else q

            exact = [c for c, t in cols if t not in ("DOUBLE", "FLOAT")]
            numbers = [c for c, t in cols if t in ("DOUBLE", "FLOAT")]
            select = ", ".join(f"{key(c)} AS {store.quote_identifier(c)}" for c, _ in cols)
            order = ", ".join(key(c) for c in exact + numbers)
            out[table] = con.execute(f"SELECT {select} FROM {store.quote_identifier(table)} ORDER BY {order}").df()
        return out
    finally:
        con.close()


def _assert_same_results(a, b):
    import pandas as pd

    left, right = _result_tables(a), _result_tables(b)
    assert sorted(left) == sorted(right)
    differ = []
    for table in left:
        if table == "economics_timings":  # seconds, not results
            continue
        x, y = left[table], right[table]
        try:
            pd.testing.assert_index_equal(x.columns, y.columns)
            assert len(x) == len(y), f"{len(x)} rows against {len(y)}"
            for column in x.columns:
                if pd.api.types.is_float_dtype(x[column]):
                    # Sums in another order differ in the last bits: 1e-9 of the column's scale.
                    scale = float(np.nanmax(np.abs(x[column].to_numpy(dtype=float)), initial=0.0))
                    np.testing.assert_allclose(y[column].to_numpy(dtype=float), x[column].to_numpy(dtype=float),
                                               rtol=1e-9, atol=1e-9 * max(scale, 1.0), equal_nan=True,
                                               err_msg=f"column {column}")
                else:
                    pd.testing.assert_series_equal(x[column], y[column], obj=f"column {column}")
        except AssertionError as exc:
            differ.append(f"table {table}: " + " | ".join(str(exc).strip().splitlines()[:4]))
    assert not differ, "\n".join(differ)


@pytest.mark.slow
def test_synthetic_results_do_not_depend_on_the_partitions(tmp_path, monkeypatch):
    """A synthetic place in one part and in three: the same buildings (each area has its own
    random stream), the same shade from the other parts' buildings, the same tables."""
    from analysis import bench

    place = bench.benchmark_place(9_000, tmp_path / "place")
    whole = pipeline.run(place, db_path=tmp_path / "whole.duckdb", quiet=True, replace=True)
    monkeypatch.setattr(pipeline, "PARTITION_BUILDINGS", 3_000)
    parts = pipeline.run(place, db_path=tmp_path / "parts.duckdb", quiet=True, replace=True)
    assert whole.summary["partitions"] == 1 and parts.summary["partitions"] == 3
    _assert_same_results(tmp_path / "whole.duckdb", tmp_path / "parts.duckdb")


def test_real_footprints_results_do_not_depend_on_the_partitions(camden_store, tmp_path, monkeypatch):
    """Camden's OSM footprints in about five parts equal the session's one-part run, table for table."""
    monkeypatch.setattr(pipeline, "PARTITION_BUILDINGS", 4_000)
    parts = pipeline.run("camden", db_path=tmp_path / "parts.duckdb", quiet=True)
    assert parts.summary["partitions"] >= 4
    _assert_same_results(camden_store, tmp_path / "parts.duckdb")


def test_the_buildings_cache_key_covers_every_module_the_step_calls():
    """A change to a module that load_buildings calls must invalidate its cache (a change to the street
    module once left stale area names in a rerun)."""
    import inspect
    import re
    import types
    from pathlib import Path

    step = inspect.getsource(pipeline.load_buildings)
    key = inspect.getsource(pipeline._real_buildings_cached)
    hashed = set(re.findall(r'"([\w/]+\.py)"', key[key.index("code=cache.code_hash("):]))
    root = Path(pipeline.__file__).parent
    called = {name for name in re.findall(r"\b(\w+)\.\w+\(", step)
              if isinstance(getattr(pipeline, name, None), types.ModuleType)
              and getattr(getattr(pipeline, name), "__name__", "").startswith("analysis.")}
    missing = sorted(Path(getattr(pipeline, name).__file__).relative_to(root).as_posix() for name in called)
    # synthetic.py serves synthetic places, which this cache (real footprints only) never holds.
    missing = [m for m in missing if m not in hashed and m not in ("cache.py", "config.py", "ingest/synthetic.py")]
    assert not missing, f"load_buildings calls modules its cache key does not hash: {missing}"
