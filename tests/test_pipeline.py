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


def test_money_lands_with_exactly_one_party(camden_store):
    parties = q(camden_store, "SELECT * FROM scenario_parties")
    for scenario, g in parties.groupby("scenario"):
        p = g.set_index("party")["gbp_per_year"]
        flows = p[~p.index.str.startswith("_")].sum()
        assert flows == pytest.approx(p["_real_value"], rel=1e-9), scenario
    area = q(camden_store, "SELECT scenario, sum(cost_shift) cs FROM scenario_area GROUP BY 1").set_index("scenario")["cs"]
    shift = parties[parties.party == "bill_payers_cost_shift"].set_index("scenario")["gbp_per_year"]
    for scenario in area.index:
        assert area[scenario] == pytest.approx(shift[scenario], abs=1e-6)  # cost shift = avoided charges


def test_market_gains_concentrate_on_the_rich_and_public_does_not(camden_store):
    idx = q(camden_store, "SELECT * FROM scenario_indices WHERE measure = 'concentration_benefit'").set_index("scenario")
    assert idx.loc["market", "low"] > 0.05  # gains go to richer neighbourhoods, interval excludes zero
    assert idx.loc["public", "estimate"] == pytest.approx(0.0, abs=1e-9)
    assert idx.loc["public_progressive", "high"] < 0


def test_volumetric_recovery_with_owner_adoption_is_regressive_on_small_case():
    """Two areas, same electricity use: the rich one adopts; everyone pays the shift per kWh."""
    import pandas as pd
    econ = pd.DataFrame({"building_id": ["r", "p"], "area_id": ["rich", "poor"], "owner_type": ["owner_occupier"] * 2,
                         "dwellings": [1, 1], "kwp": [4.0, 4.0], "kwh": [3600.0, 3600.0]})
    areas = pd.DataFrame({"area_id": ["rich", "poor"], "households": [1.0, 1.0], "income_mean_gbp": [90_000.0, 20_000.0],
                          "elec_kwh": [3500.0, 3500.0]})
    from analysis.config import load_assumptions
    p = load_assumptions().level("economics")
    p["capex_gbp_per_kwp_small"] = 1000.0  # a system that pays for itself, so adopting is a gain
    flows = ownership.scenario_flows(econ, areas, p, 0.35, "market")["area"].set_index("area_id")
    assert flows.loc["rich", "net"] > flows.loc["poor", "net"]
    assert flows.loc["poor", "cost_shift"] < 0  # the poor household pays part of the shift
    share_of_income = -flows["cost_shift"] / flows["income_mean_gbp"]
    assert share_of_income["poor"] > share_of_income["rich"]  # regressive


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


def test_seeded_allocation_is_reproducible(camden_store):
    a = q(camden_store, "SELECT * FROM scenario_decile ORDER BY scenario, decile")
    assert len(a) == 40 and a["households"].sum() == pytest.approx(4 * 97534)
