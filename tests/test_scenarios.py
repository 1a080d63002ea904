"""Ownership scenarios: inputs, equal capacity, tenure and decile results, draws, robustness, adoption."""

import numpy as np
import pandas as pd
import pytest

from analysis import economics as ec
from analysis import scenarios, store
from analysis.config import load_assumptions
from analysis.errors import InputError
from analysis.ingest.adoption import read_observed_adoption
from analysis.quality import QualityLog


@pytest.fixture(scope="module")
def curve():
    h, g = ec.standard_load_profiles()
    return ec.self_consumption_curve(ec.clear_sky_pv_shape(51.5), h, g)


@pytest.fixture(scope="module")
def city():
    return scenarios.synthetic_inputs(6000, buildings_per_area=150, seed=3)


@pytest.fixture(scope="module")
def step(city, curve):
    buildings, potential, areas, area_heat = city
    log = QualityLog()
    return scenarios.economics_step(buildings, potential, areas, area_heat, load_assumptions(), seed=4, log=log,
                                    n_draws=40, curve=curve), log


def test_prepare_rejects_bad_input_with_one_line(city):
    buildings, potential, areas, _ = city
    with pytest.raises(InputError, match="roof_owner 'landlord'"):
        scenarios.prepare(buildings.assign(roof_owner=buildings["roof_owner"].where(buildings.index > 0, "landlord")),
                          potential, areas)
    with pytest.raises(InputError, match="lacks column"):
        scenarios.prepare(buildings.drop(columns="consents"), potential, areas)
    with pytest.raises(InputError, match="do not sum"):
        scenarios.prepare(buildings.assign(dw_other=buildings["dw_other"] + 1), potential, areas)


def test_missing_demand_and_use_are_imputed_and_logged(city):
    buildings, potential, areas, _ = city
    log = QualityLog()
    units, groups = scenarios.prepare(buildings.drop(columns=["elec_demand_kwh", "use_class"]), potential, areas, log)
    q = log.frame().set_index("field")
    assert q.loc["elec_demand_kwh", "imputed"] == len(buildings)
    assert q.loc["use_class", "derived"] == len(buildings)
    assert np.all(units.demand_dom_kwh >= 0)


def test_a_row_of_houses_becomes_one_roof_per_house():
    b = pd.DataFrame({"building_id": ["row"], "area_id": ["a"], "use_class": ["domestic"], "dwelling_type": ["house"],
                      "dwellings": [3], "dw_owner_occupied": [2], "dw_social_rented": [0], "dw_private_rented": [1],
                      "dw_other": [0], "roof_owner": ["owner_occupier"], "consents": [3], "elec_demand_kwh": [9000.0]})
    pot = pd.DataFrame({"building_id": ["row"], "kwp_low": [9.0], "kwp_central": [12.0], "kwp_high": [15.0],
                        "kwh_low": [8000.0], "kwh_central": [10_800.0], "kwh_high": [13_000.0]})
    areas = pd.DataFrame({"area_id": ["a"], "households": [3.0], "income_mean_gbp": [40_000.0],
                          "elec_kwh": [9000.0], "elec_meters": [3.0]})
    units, _ = scenarios.prepare(b, pot, areas)
    assert len(units) == 3 and np.allclose(units.kwp, 4.0) and np.allclose(units.demand_dom_kwh, 3000.0)
    assert sorted(np.array(ec.ROOF_OWNERS)[units.roof_owner]) == ["owner_occupier", "owner_occupier", "private_landlord"]
    assert np.all(units.consents == 1)


def test_equal_capacity_variants_install_equal_kwp_on_the_same_roofs(city, curve):
    buildings, potential, areas, _ = city
    units, groups = scenarios.prepare(buildings, potential, areas)
    runs = scenarios.run_scenarios(units, groups, scenarios.central_parameters(load_assumptions()), curve)
    for roof_set, reference in (("all_roofs", "market@all_roofs"), ("market_roofs", "market")):
        ref_gen = runs[reference][0]
        for name, (gen, _) in runs.items():
            if name.endswith(f"@{roof_set}"):
                assert np.array_equal(gen.share, ref_gen.share), name
                assert gen.installed_kwp.sum() == pytest.approx(ref_gen.installed_kwp.sum(), rel=1e-12)
    assert runs["public@all_roofs"][0].installed_kwp.sum() == pytest.approx(units.kwp.sum())


def test_every_scenario_balances_and_reports_tenure_and_deciles(step, city):
    tables, _ = step
    summary = tables["scenario_summary"]
    assert set(summary["scenario"]) == set(scenarios.SCENARIOS)
    assert np.all(np.abs(summary["ledger_imbalance_gbp"]) < 1e-6 * np.maximum(1, summary["real_value_gbp"].abs()))
    hh = city[2]["households"].sum()
    for name, g in tables["scenario_tenure"].groupby("scenario"):
        assert g["households"].sum() == pytest.approx(hh)
        assert {"net_pct_income", "households_losing", "share_losing"} <= set(g.columns)
        assert np.all((g["share_losing"] >= 0) & (g["share_losing"] <= 1))
    dec = tables["scenario_decile"]
    assert dec.groupby("scenario")["households"].sum().round().eq(round(hh)).all()
    # Money from a scenario's tables adds up: area nets = tenure nets = decile nets.
    area = tables["scenario_area"].groupby("scenario")["net"].sum()
    tenure = tables["scenario_tenure"].assign(t=lambda d: d.net_per_household * d.households).groupby("scenario")["t"].sum()
    assert np.allclose(area.sort_index(), tenure.sort_index(), atol=1e-6)
    # Drawn ledgers balance too.
    draws = tables["scenario_draws"]
    imbalance = draws[draws["metric"] == "ledger_imbalance_gbp"]["value"].abs().max()
    real = draws[draws["metric"] == "real_value_gbp"]["value"].abs().max()
    assert imbalance < 1e-6 * max(1.0, real)


def test_public_equal_return_is_equal_per_household_and_flagged_not_a_finding(step):
    tables, _ = step
    area = tables["scenario_area"].query("scenario == 'public' and households > 0")
    assert np.allclose(area["pooled_return"] / area["households"], (area["pooled_return"] / area["households"]).iloc[0])
    summary = tables["scenario_summary"].set_index("scenario")
    assert "by construction" in summary.loc["public", "fixed_by_construction"]
    robust = tables["scenario_robustness"]
    fixed = robust[(robust.scenario == "public") & (robust.metric == "concentration_benefit_deciles")]
    assert fixed.empty  # an index fixed by construction is not reported as a finding


def test_losers_are_households_that_pay_the_shift_without_panels():
    """Two households in one area; one adopts. Under per-kWh recovery the other pays part of the shift."""
    units, groups = two_homes()
    # Cheap panels (800 £/kWp, no scaffolding), so that adopting pays at the household's cost of capital.
    p = dict(scenarios.central_parameters(load_assumptions()), capex_gbp_per_kwp_at_4kwp=np.array([800.0]),
             scaffolding_gbp_per_system=np.array([0.0]))
    h, g = ec.standard_load_profiles()
    curve = ec.self_consumption_curve(ec.clear_sky_pv_shape(51.5), h, g)
    gen = ec.generation(units, groups, p, curve, "market", share=np.array([1.0, 0.0]))
    assert ledger_household(gen, 0) > 0  # the adopter's own money, before the shift
    ledger = gen.ledger.merge(ec.network_and_supply(gen, groups, p))
    losing = scenarios.households_losing(gen, ledger, units, groups, threshold=0.0)
    per_household_shift = -ledger.entries[("households", "network_charges")].sum() / 2
    assert per_household_shift > 0
    # The adopter gains its savings; the other household only pays its share of the shift: it loses.
    assert losing.sum() == pytest.approx(1.0)
    assert losing[0, 1, 0] == pytest.approx(1.0)  # the private renter, not the owner-occupier


def ledger_household(gen, tenure: int) -> float:
    return float(sum(arr[:, tenure, :].sum() for (party, _), arr in gen.ledger.entries.items() if party == "households"))


def two_homes():
    units = ec.Units(group=np.array([0, 0]), n_buildings=np.ones(2), kwp=np.array([4.0, 4.0]), kwp_low=np.array([4.0, 4.0]),
                     kwp_high=np.array([4.0, 4.0]), kwh=np.array([3600.0, 3600.0]), kwh_low=np.array([3600.0, 3600.0]),
                     kwh_high=np.array([3600.0, 3600.0]), demand_dom_kwh=np.array([3500.0, 3500.0]),
                     demand_nd_kwh=np.zeros(2), dwellings=np.array([[1.0, 0, 0, 0], [0, 1.0, 0, 0]]),
                     roof_owner=np.array([0, 1]), nd_party=np.zeros(2, dtype=int), consents=np.ones(2),
                     income_ratio=np.ones(2), nondomestic_profile=np.zeros(2, dtype=bool))
    groups = ec.Groups(ids=np.array(["a"]), households=np.array([[1.0, 1.0, 0, 0]]), income_mean_gbp=np.array([40e3]),
                       demand_dom_kwh=np.array([[3500.0, 3500.0, 0, 0]]), demand_nd_kwh=np.zeros((1, 3)),
                       decile=np.array([1]))
    return units, groups


def test_market_uptake_follows_the_payback_curve_and_income():
    units, _ = two_homes()
    p = scenarios.central_parameters(load_assumptions())
    payback = np.array([[10.0], [10.0]])
    share = ec.market_uptake(units, p, payback)
    k = p["adoption_payback_decay_per_year"][0]
    assert share[0, 0] == pytest.approx(np.exp(-10 * k))  # owner-occupier at median income
    assert share[1, 0] == pytest.approx(p["adoption_private_landlord"][0] * np.exp(-10 * k))
    richer = ec.Units(**{**units.__dict__, "income_ratio": np.array([2.0, 2.0])})
    assert ec.market_uptake(richer, p, payback)[0, 0] > share[0, 0]
    assert np.all(ec.market_uptake(units, p, np.full((2, 1), np.inf)) == 0)


def test_class_level_draws_approximate_the_building_level_result(city, curve):
    buildings, potential, areas, _ = city
    units, groups = scenarios.prepare(buildings, potential, areas)
    classes, deciles = scenarios.class_units(units, groups)
    assert classes.kwp.sum() == pytest.approx(units.kwp.sum()) and classes.dwellings.sum() == pytest.approx(units.dwellings.sum())
    p = scenarios.central_parameters(load_assumptions())
    fine = scenarios.run_scenarios(units, groups, p, curve, ["market", "public@all_roofs", "coop"])
    coarse = scenarios.run_scenarios(classes, deciles, p, curve, ["market", "public@all_roofs", "coop"])
    for name in fine:
        a = scenarios.metrics(*fine[name], units, groups)
        b = scenarios.metrics(*coarse[name], classes, deciles)
        assert b["real_value_gbp"][0] == pytest.approx(a["real_value_gbp"][0], rel=0.05, abs=2e3), name
        assert b["installed_mwp"][0] == pytest.approx(a["installed_mwp"][0], rel=0.05, abs=0.01), name
        assert b["net_per_household"][0] == pytest.approx(a["net_per_household"][0], abs=2.0), name


def test_draws_are_seeded_latin_hypercube_within_ranges():
    a = load_assumptions()
    p1, t1 = scenarios.draw_parameters(a, 50, seed=9)
    p2, _ = scenarios.draw_parameters(a, 50, seed=9)
    assert all(np.array_equal(p1[k], p2[k]) for k in p1)
    for (g, n), vals in t1.groupby(["group", "name"])["value"]:
        e = a.groups[g][n]
        assert vals.between(e["low"], e["high"]).all()
        # Latin hypercube: one draw in each fiftieth of the (triangular) probability.
        lo, mode, hi = e["low"], e["value"], e["high"]
        c = (mode - lo) / (hi - lo)
        x = np.sort(vals.to_numpy())
        cdf = np.where(x < mode, (x - lo) ** 2 / ((hi - lo) * (mode - lo) + 1e-300), 1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode) + 1e-300))
        assert np.array_equal(np.floor(cdf * 50).astype(int), np.arange(50)), (n, c)


def test_robustness_verdicts_follow_the_share_of_draws():
    draws = {"s": {"m": np.array([1.0] * 95 + [-1.0] * 5), "n": np.array([1.0] * 60 + [-1.0] * 40)}}
    table = scenarios.robustness(draws, {"s": {"m": 2.0, "n": 0.5}}).set_index("metric")
    assert table.loc["m", "share_same_sign"] == pytest.approx(0.95) and table.loc["m", "verdict"] == "robust"
    assert table.loc["n", "verdict"] == "fragile"


def test_robustness_signs_of_rounding_noise_count_as_zero():
    """A central value or draw at rounding level of the amounts it is made of has no sign; an
    infinite draw does not make every other draw look like noise."""
    big = np.full(100, 1e7)
    noise = np.r_[[3e-9] * 50, [-3e-9] * 50]  # what a sum in another order leaves of zero
    k = np.r_[[1.0] * 50, [2.0] * 20, [-3.0] * 29, [np.inf]]
    draws = {"a": {"m": big + noise, "k": k}, "b": {"m": big, "k": k}}
    central = {"a": {"m": 1e7 + 2e-9, "k": 1.5}, "b": {"m": 1e7, "k": 1.5}}
    table = scenarios.robustness(draws, central, {"a - b": ("a", "b", "m")}).set_index(["scenario", "metric"])
    assert table.loc[("a - b", "m"), "share_same_sign"] == 1.0  # all zero, like the centre
    assert table.loc[("a", "k"), "share_same_sign"] == pytest.approx(70 / 99)  # the infinite draw does not count
    assert table.loc[("a", "k"), "verdict"] == "fragile"


def test_observed_adoption_reader_and_comparison(tmp_path, city, curve):
    buildings, potential, areas, area_heat = city
    path = tmp_path / "installations.csv"
    ids = areas["area_id"].to_numpy()
    pd.DataFrame({"LSOA": ids, "n": np.arange(len(ids)) % 7, "kw": (np.arange(len(ids)) % 7) * 3.5}).to_csv(path, index=False)
    observed = read_observed_adoption(path, "LSOA", "n", "kw")
    assert list(observed.columns) == ["area_id", "installations", "capacity_kw"] and len(observed) == len(ids)
    tables = scenarios.economics_step(buildings, potential, areas, area_heat, load_assumptions(), 1,
                                      observed_adoption=observed, n_draws=0, curve=curve)
    cmp = tables["adoption_comparison"].set_index("metric")
    assert cmp.loc["installations", "observed"] == observed["installations"].sum()
    assert -1 <= cmp.loc["rank correlation of installations per household (Spearman)", "observed"] <= 1
    bad = tmp_path / "bad.csv"
    bad.write_text("LSOA,n\nE01,3\nE02,many\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv: row 3: n = 'many'"):
        read_observed_adoption(bad, "LSOA", "n")
    with pytest.raises(InputError, match="column"):
        read_observed_adoption(path, "LSOA11CD", "n")


def test_bench_callable_runs_on_synthetic_buildings():
    result = scenarios.bench_economics(3000, n_draws=20)
    assert result["buildings"] == 3000 and result["buildings_per_second"] > 0 and "policy step" in result["steps"]


@pytest.mark.slow
def test_economics_tables_in_the_store(camden_store):
    con = store.connect(camden_store, read_only=True)
    try:
        summary = con.execute("SELECT * FROM scenario_summary").df().set_index("scenario")
        area = con.execute("SELECT * FROM scenario_area WHERE scenario = 'market'").df()
        robust = con.execute("SELECT * FROM scenario_robustness").df()
        curve_rows = con.execute("SELECT max(self_sufficiency) m FROM self_consumption_curve").fetchone()[0]
        heat = con.execute("SELECT * FROM heat_ownership").df()
        assumptions = con.execute("SELECT * FROM assumptions WHERE \"group\" = 'economics'").df()
    finally:
        con.close()
    assert set(scenarios.SCENARIOS) <= set(summary.index)
    assert (summary["ledger_imbalance_gbp"].abs() < 1e-3).all()
    for col in ("area_id", "households", "net_per_household", "benefit_per_household", "cost_shift_per_household"):
        assert col in area.columns  # compatible with the fact sheets
    assert set(robust["verdict"]) <= {"robust", "fragile"} and len(robust) > 50
    assert curve_rows <= 1.0
    assert set(heat["model"]) == {"council", "coop", "esco"}
    assert assumptions["date"].notna().all()


def test_self_consumption_curve_is_cached_by_profile_and_efficiency(tmp_path, monkeypatch, curve):
    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("ANALYSIS_NO_CACHE", raising=False)
    a = load_assumptions()
    shape = ec.clear_sky_pv_shape(51.5)
    first = scenarios.build_curve(a, shape)
    assert len(list((tmp_path / "cache").glob("self-consumption-curve-*.pkl"))) == 1
    again = scenarios.build_curve(a, shape)
    for profile in ("domestic", "non_domestic"):  # the cached curve is the simulated one
        np.testing.assert_array_equal(again.table[profile], first.table[profile])
        np.testing.assert_array_equal(first.table[profile], curve.table[profile])
    other = scenarios.build_curve(a, ec.clear_sky_pv_shape(40.0))  # another place: a new entry
    assert len(list((tmp_path / "cache").glob("self-consumption-curve-*.pkl"))) == 2
    assert not np.array_equal(other.table["domestic"], first.table["domestic"])


def test_prepare_reads_codes_from_any_column_type(city):
    # Area, owner and use lookups give the same units whether the columns are Arrow strings,
    # Python objects or categoricals; an unknown area is still named.
    buildings, potential, areas, _ = city
    ref, _ = scenarios.prepare(buildings, potential, areas)
    for cast in (lambda c: c.astype(object), lambda c: c.astype("category")):
        other = buildings.assign(**{c: cast(buildings[c]) for c in ("area_id", "roof_owner", "use_class")})
        units, _ = scenarios.prepare(other, potential, areas.assign(area_id=cast(areas["area_id"])))
        for name in ("group", "roof_owner", "nd_party", "demand_dom_kwh", "demand_nd_kwh", "nondomestic_profile"):
            np.testing.assert_array_equal(getattr(units, name), getattr(ref, name), err_msg=name)
    with pytest.raises(InputError, match="missing from the areas table"):
        scenarios.prepare(buildings, potential, areas.iloc[1:])


def test_heat_draws_booked_by_decile_give_the_area_results(city):
    buildings, potential, areas, area_heat = city
    units, groups = scenarios.prepare(buildings, potential, areas)
    _, deciles = scenarios.class_units(units, groups)
    params, _ = scenarios.draw_parameters(load_assumptions(), 16, seed=2)
    by_area = scenarios.heat_ownership(area_heat, groups, params)
    by_decile = scenarios.heat_ownership(area_heat, groups, params, book_by_decile=True)
    for model in scenarios.HEAT_MODELS:
        assert by_decile[model]["ledger"].n_groups == 10
        expected, got = scenarios.heat_metrics(by_area[model], groups), scenarios.heat_metrics(by_decile[model], deciles)
        assert model == "esco" or expected["households_connected"].sum() > 0  # the ESCO may build nowhere
        for name, values in expected.items():
            np.testing.assert_allclose(got[name], values, rtol=1e-9, atol=1e-6, err_msg=f"{model} {name}")
