"""Policy matrix on the economics kernel: consistency with the scenarios, recovery rules, framings."""

import numpy as np
import pandas as pd
import pytest

from analysis import economics as ec
from analysis import policy, scenarios, store
from analysis.config import load_assumptions


@pytest.fixture(scope="module")
def curve():
    h, g = ec.standard_load_profiles()
    return ec.self_consumption_curve(ec.clear_sky_pv_shape(51.5), h, g)


@pytest.fixture(scope="module")
def result(curve):
    buildings, potential, areas, area_heat = scenarios.synthetic_inputs(5000, buildings_per_area=250, seed=21)
    a = load_assumptions()
    tables = policy.policy_step(buildings, potential, areas, a, seed=2, n_draws=40, curve=curve)
    econ = scenarios.economics_step(buildings, potential, areas, area_heat, a, seed=2, n_draws=0, curve=curve)
    return tables, econ


def test_private_volumetric_cells_are_the_ownership_scenarios(result):
    tables, econ = result
    cells = tables["policy_cells"].set_index("cell")
    summary = econ["scenario_summary"].set_index("scenario")
    for generation, scenario in (("market", "market"), ("market_batteries", "market_batteries"),
                                 ("aggregator", "aggregator"), ("coop", "coop"), ("municipal", "public")):
        cell = cells.loc[f"private/volumetric/{generation}"]
        for metric in ("installed_mwp", "real_value_gbp", "net_per_household", "households_losing"):
            assert cell[metric] == pytest.approx(summary.loc[scenario, metric], rel=1e-9, abs=1e-9), (generation, metric)


def test_every_cell_balances_and_recovers_network_costs(result):
    tables, _ = result
    cells = tables["policy_cells"]
    assert len(cells) == 30
    assert (cells["ledger_imbalance_gbp"].abs() < 1e-6 * np.maximum(1, cells["real_value_gbp"].abs())).all()
    parties = tables["policy_parties"].groupby("cell")["gbp_per_year"].sum()
    for row in cells.itertuples():
        assert parties[row.cell] == pytest.approx(row.real_value_gbp, rel=1e-9, abs=1e-6)


def test_recovery_rules(result):
    cells = result[0]["policy_cells"].set_index("cell")
    # Per-kWh recovery of a market with behind-the-meter use shifts costs; a fixed charge does not.
    assert cells.loc["private/volumetric/market", "cost_shift_per_household"] > 0
    # A fixed charge per household is regressive (Suits < 0); charges in proportion to income are
    # proportional by construction (Suits 0) and flagged so.
    assert cells.loc["private/fixed/municipal", "suits_network_charges"] < 0
    prog = cells.loc["private/progressive/municipal"]
    assert prog["suits_network_charges"] == pytest.approx(0.0, abs=1e-9) and prog["suits_fixed_by_construction"]
    # Public networks lower charges: households gain against private networks, same generation.
    assert cells.loc["public/volumetric/market", "net_per_household"] > cells.loc["private/volumetric/market", "net_per_household"]


def test_batteries_raise_the_cost_shift(result):
    cells = result[0]["policy_cells"].set_index("cell")
    assert (cells.loc["private/volumetric/market_batteries", "cost_shift_per_household"]
            > cells.loc["private/volumetric/market", "cost_shift_per_household"])


def test_framings_have_intervals_and_drivers(result):
    tables, _ = result
    framings = tables["policy_framings"]
    assert set(framings["framing"]) == set(policy.FRAMINGS)
    robust = tables["policy_robustness"]
    assert set(robust["framing"]) >= set(policy.FRAMINGS)
    assert (robust["low"] <= robust["high"]).all() and robust["verdict"].isin(["robust", "fragile"]).all()
    drivers = tables["policy_drivers"]
    assert drivers["rank_correlation"].abs().max() <= 1 and not drivers.empty
    agg = tables["policy_aggregator"].set_index("level")
    assert agg.loc["high", "installed_mwp"] >= agg.loc["central", "installed_mwp"]  # a tariff makes rent-a-roof pay


@pytest.mark.slow
def test_policy_tables_in_the_store(camden_store):
    con = store.connect(camden_store, read_only=True)
    try:
        cells = con.execute("SELECT * FROM policy_cells").df()
        framings = con.execute("SELECT framing FROM policy_framings").df()["framing"].tolist()
        parties = con.execute("SELECT cell, sum(gbp_per_year) s FROM policy_parties GROUP BY 1").df().set_index("cell")["s"]
    finally:
        con.close()
    assert len(cells) == 30 and set(framings) == set(policy.FRAMINGS)
    for row in cells.itertuples():
        assert parties[row.cell] == pytest.approx(row.real_value_gbp, rel=1e-9, abs=1e-3)


def test_work_shared_between_the_steps_gives_the_same_tables(curve):
    # The economics and policy steps of a run share classes, draws and generation models; every
    # table must be the same as when each step computes everything itself (in either order).
    buildings, potential, areas, area_heat = scenarios.synthetic_inputs(2500, buildings_per_area=250, seed=8)
    a = load_assumptions()
    prepared = scenarios.prepare(buildings, potential, areas)
    kw = dict(n_draws=12, curve=curve, prepared=prepared)

    def both(shared, policy_first=False):
        steps = [lambda: scenarios.economics_step(buildings, potential, areas, area_heat, a, 5, shared=shared, **kw),
                 lambda: policy.policy_step(buildings, potential, areas, a, 5, shared=shared, **kw)]
        out = {}
        for step in (steps[::-1] if policy_first else steps):
            out.update(step())
        out.pop("economics_timings")
        return out

    alone = both(None)
    for shared_run in (both({}), both({}, policy_first=True)):
        assert set(shared_run) == set(alone)
        for name, frame in alone.items():
            pd.testing.assert_frame_equal(shared_run[name], frame, obj=name)
    # A dict filled for other inputs is emptied, never reused.
    shared: dict = {}
    scenarios.economics_step(buildings, potential, areas, area_heat, a, 5, shared=shared, n_draws=0, curve=curve)
    other = scenarios.prepare(buildings, potential.assign(kwp_central=potential["kwp_central"] * 2), areas)
    doubled = policy.policy_step(buildings, potential, areas, a, 5, n_draws=0, curve=curve, prepared=other, shared=shared)
    alone_doubled = policy.policy_step(buildings, potential, areas, a, 5, n_draws=0, curve=curve, prepared=other)
    pd.testing.assert_frame_equal(doubled["policy_cells"], alone_doubled["policy_cells"])
