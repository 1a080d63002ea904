"""End to end on Camden: store contents, roll-ups, accounting identities, failure safety."""

import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from analysis import ownership, pipeline, store
from conftest import ROOT


def q(db, sql):
    con = store.connect(db, read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_store_has_all_tables_and_a_run(camden_store):
    tables = set(q(camden_store, "SELECT table_name FROM information_schema.tables")["table_name"])
    for name in [*store.REQUIRED_COLUMNS, "runs", "area_heat", "heat_cells", "scenario_decile", "scenario_indices",
                 "validation", "assumptions", "roof_scenarios"]:
        assert name in tables
    run = q(camden_store, "SELECT * FROM runs WHERE status = 'ok'").iloc[-1]
    assert len(run["config_hash"]) == 16 and "data/camden/place.yml" in run["input_hashes"]
    areas = q(camden_store, "SELECT count(*) n, sum(households) h FROM areas").iloc[0]
    assert areas.n == 133 and areas.h == 97534  # Camden, 2011 Census
    assert q(camden_store, "SELECT bool_and(synthetic) s FROM buildings").iloc[0].s


def test_area_totals_equal_sum_of_buildings(camden_store):
    diff = q(camden_store, """
        SELECT a.area_id, a.kwh_central - coalesce(sum(bp.kwh_central), 0) AS d, a.kwp_high - coalesce(sum(bp.kwp_high), 0) AS d2
        FROM area_potential a LEFT JOIN building_potential bp USING (area_id) GROUP BY a.area_id, a.kwh_central, a.kwp_high""")
    assert np.abs(diff["d"]).max() < 1e-6 and np.abs(diff["d2"]).max() < 1e-6
    tot = q(camden_store, "SELECT sum(kwh_central) a, (SELECT sum(kwh_central) FROM roof_planes) b FROM building_potential").iloc[0]
    assert tot.a == pytest.approx(tot.b)
    lo, mid, hi = q(camden_store, "SELECT sum(kwh_low), sum(kwh_central), sum(kwh_high) FROM area_potential").iloc[0]
    assert lo < mid < hi


def test_generated_dwellings_match_census(camden_store):
    d = q(camden_store, """SELECT a.area_id, a.dwellings_detached + a.dwellings_semi + a.dwellings_terraced
           + a.dwellings_purpose_built_flat + a.dwellings_converted_flat + a.dwellings_commercial_flat AS census,
           sum(b.dwellings) AS generated FROM areas a JOIN buildings b USING (area_id) GROUP BY ALL""")
    assert (d["census"] - d["generated"]).abs().max() <= 1


def test_failed_run_leaves_previous_results(tmp_path):
    db = tmp_path / "s.duckdb"
    pipeline.run("camden", db_path=db, quiet=True, with_ownership=False)
    before = q(db, "SELECT sum(kwh_central) s FROM area_potential").iloc[0].s
    with pytest.raises(RuntimeError, match="simulated"):
        pipeline.run("camden", db_path=db, quiet=True, fail_after="roof_planes", with_ownership=False)
    assert q(db, "SELECT sum(kwh_central) s FROM area_potential").iloc[0].s == before
    runs = q(db, "SELECT status FROM runs ORDER BY run_id")["status"].tolist()
    assert runs == ["ok", "failed"]


def test_killed_run_leaves_previous_results(tmp_path):
    db = tmp_path / "k.duckdb"
    pipeline.run("camden", db_path=db, quiet=True, with_ownership=False)
    before = q(db, "SELECT count(*) n, sum(kwh_central) s FROM area_potential").iloc[0]
    proc = subprocess.Popen([sys.executable, "-m", "analysis", "run", "--db", str(db)], cwd=ROOT,
                            stderr=subprocess.PIPE, text=True)
    # Kill it once it reports the ownership step (before the store transaction commits).
    deadline = time.time() + 120
    for line in proc.stderr:
        if "heat demand" in line or time.time() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = q(db, "SELECT count(*) n, sum(kwh_central) s FROM area_potential").iloc[0]
    assert after.n == before.n and after.s == before.s
    # Rerun is idempotent: same numbers.
    pipeline.run("camden", db_path=db, quiet=True, with_ownership=False)
    assert q(db, "SELECT sum(kwh_central) s FROM area_potential").iloc[0].s == pytest.approx(before.s)


