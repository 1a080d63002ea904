"""Ownership scenarios, the policy matrix and draws on a synthetic city: balance, incidence, decisions, routes."""

import numpy as np
import pandas as pd
import pytest

from analysis import store
from analysis import tables as T
from analysis.adoption import adoption_comparison
from analysis.config import load_assumptions
from analysis.economics import draws, inputs, metrics, policy, sensitivity, step
from analysis.economics import heat_ownership as ho
from analysis.economics import kernel as k
from analysis.economics.incidence import OUTSIDE_INVESTORS, PARTIES
from analysis.economics.params import Params
from analysis.economics.scenarios import SCENARIOS, Runner
from analysis.errors import InputError
from analysis.ingest.adoption import read_observed_adoption
from analysis.quality import QualityLog


@pytest.fixture(scope="module")
def curve():
    h, g = k.standard_load_profiles()
    return k.self_consumption_curve(k.clear_sky_pv_shape(51.5), h, g)


@pytest.fixture(scope="module")
def city():
    return inputs.synthetic_inputs(6000, buildings_per_area=150, seed=3)


@pytest.fixture(scope="module")
def prepared(city):
    buildings, potential, areas, _ = city
    return inputs.prepare(buildings, potential, areas)


@pytest.fixture(scope="module")
def drawn(prepared, curve):
    """Every scenario over 24 joint parameter draws, on the roofs themselves (not classes)."""
    units, groups = prepared
    params, _ = draws.draw_params(load_assumptions(), 24, seed=5)
    runner = Runner(units, groups, params, curve)
    return runner, {name: runner.scenario(name) for name in SCENARIOS}


@pytest.fixture(scope="module")
def step_tables(city, curve):
    buildings, potential, areas, area_heat = city
    log = QualityLog()
    return step.economics_tables(buildings, potential, areas, area_heat, load_assumptions(), seed=4, log=log,
                                 n_draws=30, curve=curve), log


def test_every_scenario_and_draw_balances_to_the_penny(drawn):
    _, runs = drawn
    for name, (gen, ledger) in runs.items():
        scale = max(1.0, float(np.abs(ledger.real_value.sum(axis=0)).max()))
        assert np.all(np.abs(ledger.imbalance()) < 0.005), (name, ledger.imbalance())  # half a penny a year
        assert scale > 0


def test_every_pound_lands_on_households_public_or_outside(drawn):
    _, runs = drawn
    for name, (_, ledger) in runs.items():
        landing = ledger.landing_totals()
        assert set(landing) == {"households", "public", "outside"}
        np.testing.assert_allclose(sum(landing.values()), ledger.total(), rtol=1e-12, atol=1e-6)
        for party, _ in ledger.entries:
            assert PARTIES[party].lands_on in ("households", "public", "outside")
        assert not any(p == "private_freeholders" for p, _ in ledger.entries)  # an intermediary keeps nothing


def test_no_outside_investor_invests_at_a_loss(drawn):
    """Where an outside investor (a landlord, a business, a rent-a-roof company) installs, its own objective is
    not negative: at its own scale because it chooses so, on equal roof sets because a grant makes it whole."""
    runner, runs = drawn
    for name, (gen, _) in runs.items():
        outside = np.isin(gen.investor_party, OUTSIDE_INVESTORS)
        installed = gen.share > 1e-12
        worst = np.where(outside[:, None] & installed, gen.investor_net, 0.0).min()
        assert worst > -1e-6, (name, worst)


def test_grants_are_paid_only_on_equal_roof_sets_and_balance(drawn):
    _, runs = drawn
    for name, (gen, ledger) in runs.items():
        _, roof_set, _ = SCENARIOS[name]
        paid = ledger.component_totals().get(("treasury", "top_up_grant"), np.zeros(1))
        received = sum(v for (p, c), v in ledger.component_totals().items() if c == "top_up_grant" and p != "treasury")
        if roof_set == "own":
            assert np.all(gen.grant == 0) and np.all(paid == 0), name
        else:
            np.testing.assert_allclose(-np.broadcast_to(paid, gen.grant.shape), gen.grant, rtol=1e-9, atol=1e-6)
        np.testing.assert_allclose(paid + (received if np.ndim(received) else 0.0), 0.0, atol=1e-6)


def test_flats_use_no_more_than_the_communal_load_without_kit(drawn):
    runner, runs = drawn
    base, units = runner.base, runner.units
    flats = units.flat
    for name, (gen, _) in runs.items():
        plan = k.choose_route(units, base, gen.model if gen.model != "market_batteries" else "market")[0]
        without_kit = flats[:, None] & ~gen.kit
        assert np.all(np.where(without_kit, plan.use["domestic"], 0.0) == 0.0), name  # no flat's meter reached
        assert np.all(plan.use["communal"] <= base.communal + 1e-9)
        on_site = sum(plan.use.values())
        reach = base.communal + units.demand_nd_kwh[:, None] + np.where(gen.kit | ~flats[:, None],
                                                                        units.demand_dom_kwh[:, None], 0.0)
        assert np.all(on_site <= reach + 1e-6), name


def test_the_kit_is_costed_where_it_is_taken(drawn):
    runner, runs = drawn
    gen = runs["coop@all_roofs"][0]
    assert gen.kit.any()  # on some blocks the co-op sells to the flats
    plan = k.choose_route(runner.units, runner.base, "coop")[0]
    np.testing.assert_allclose(np.where(gen.kit, plan.upfront, 0.0),
                               np.where(gen.kit, runner.base.capex + runner.base.kit_capex, 0.0), rtol=1e-12)


def test_equal_roof_sets_install_the_same_capacity(drawn):
    runner, runs = drawn
    for roof_set, reference in (("worthwhile_roofs", "market@worthwhile_roofs"), ("all_roofs", "market@all_roofs"),
                                ("market_roofs", "market")):
        ref = runs[reference][0]
        for name, (gen, _) in runs.items():
            if name.endswith(f"@{roof_set}"):
                np.testing.assert_array_equal(gen.share, ref.share, err_msg=name)
    assert runs["public@all_roofs"][0].installed_kwp.sum(axis=0) == pytest.approx(runner.base.kwp.sum(axis=0))
    # worthwhile roofs are worth building whoever owns them: the real value of the market's own route plus the
    # climate value is positive there (and nowhere else, for houses and non-domestic roofs)
    worth = k.worthwhile(runner.units, runner.base)
    direct = k.plan_for(runner.units, runner.base, "market", "direct").real + k.climate_value(runner.base)
    assert np.all(np.where(worth & ~runner.units.flat[:, None], direct, 1.0) > 0)
    assert np.all(np.where(~worth & ~runner.units.flat[:, None] & (runner.base.kwp > 0), direct, -1.0) <= 0)


def test_households_losing_by_hand():
    """Two homes in one area; the owner-occupier adopts. Per-kWh recovery charges the private renter part of
    the network costs the adopter no longer pays: the renter loses, the adopter does not."""
    units = k.Units(group=np.array([0, 0]), n_buildings=np.ones(2), kwp=np.array([4.0, 4.0]), kwp_low=np.array([4.0, 4.0]),
                    kwp_high=np.array([4.0, 4.0]), kwh=np.array([3600.0, 3600.0]), kwh_low=np.array([3600.0, 3600.0]),
                    kwh_high=np.array([3600.0, 3600.0]), demand_dom_kwh=np.array([3500.0, 3500.0]),
                    demand_nd_kwh=np.zeros(2), dwellings=np.array([[1.0, 0, 0, 0], [0, 0, 1.0, 0]]),
                    flat=np.zeros(2, dtype=bool), access=k.access_counts(np.array([2.0, 2.0])),
                    nd_bands=np.zeros((2, 3)), roof_owner=np.array([0, 1]), nd_party=np.zeros(2, dtype=int),
                    consents=np.ones(2), income_ratio=np.ones(2))
    groups = inputs.area_groups(units, 1, np.array(["a"]), np.array([40e3]))
    p = Params.from_assumptions(load_assumptions()).replace(capex_per_kwp_at_4kwp=800.0, access_cost_house=0.0)
    h, g = k.standard_load_profiles()
    curve = k.self_consumption_curve(k.clear_sky_pv_shape(51.5), h, g)
    gen = k.generation(units, groups, p, curve, "market", share=np.array([1.0, 0.0]))
    ledger = gen.ledger.merge(k.network_and_supply(gen, groups, p))
    losing = metrics.households_losing(gen, ledger, units, groups, threshold=0.0)
    assert losing.sum() == pytest.approx(1.0)
    assert losing[0, 2 * 2 + 0, 0] == pytest.approx(1.0)  # slot: private renter in a house
    assert -ledger.entries[("households", "network_charges")].sum() > 0


def test_market_uptake_follows_the_payback_curve_and_income(prepared):
    units, _ = prepared
    two = units.subset(np.array([np.flatnonzero(units.roof_owner == 0)[0], np.flatnonzero(units.roof_owner == 1)[0]]))
    two = k.Units(**{**two.__dict__, "income_ratio": np.ones(2)})
    p = Params.from_assumptions(load_assumptions())
    share = k.market_uptake(two, p, np.array([[10.0], [10.0]]))
    decay = p.adoption_payback_decay_per_year[0]
    assert share[0, 0] == pytest.approx(np.exp(-10 * decay))
    assert share[1, 0] == pytest.approx(p.adoption_private_landlord[0] * np.exp(-10 * decay))
    richer = k.Units(**{**two.__dict__, "income_ratio": np.array([2.0, 2.0])})
    assert k.market_uptake(richer, p, np.array([[10.0], [10.0]]))[0, 0] > share[0, 0]
    assert np.all(k.market_uptake(two, p, np.full((2, 1), np.inf)) == 0)


def test_class_level_results_approximate_the_roof_level_result(prepared, curve):
    units, groups = prepared
    p = Params.from_assumptions(load_assumptions())
    units = step.Inputs.of(units, groups, p, curve).units
    fine = Runner(units, groups, p, curve)
    areas, _ = inputs.class_units(units, groups, by="area")
    deciles, dgroups = inputs.class_units(units, groups, by="decile")
    assert areas.kwp.sum() == pytest.approx(units.kwp.sum()) and deciles.dwellings.sum() == pytest.approx(units.dwellings.sum())
    for coarse in (Runner(areas, groups, p, curve), Runner(deciles, dgroups, p, curve)):
        for name in ("market", "public@worthwhile_roofs", "coop", "public@all_roofs"):
            a = metrics.metrics(*fine.scenario(name), units, groups)
            b = metrics.metrics(*coarse.scenario(name), coarse.units, coarse.groups)
            assert b["real_value"][0] == pytest.approx(a["real_value"][0], rel=0.06, abs=5e3), name
            assert b["installed_mwp"][0] == pytest.approx(a["installed_mwp"][0], rel=0.06, abs=0.05), name
            assert b["net_per_household"][0] == pytest.approx(a["net_per_household"][0], abs=2.0), name


def test_step_tables_balance_and_report_deciles_tenures_dwellings(step_tables, city):
    tables, _ = step_tables
    summary = tables[T.SCENARIO_SUMMARY]
    assert set(summary["scenario"]) == set(SCENARIOS)
    assert np.all(np.abs(summary["ledger_imbalance"]) < 0.01)
    hh = city[2]["households"].sum()
    for table in (T.SCENARIO_TENURE, T.SCENARIO_DWELLING, T.SCENARIO_DECILE):
        assert tables[table].groupby("scenario")["households"].sum().round().eq(round(hh)).all(), table
    area = tables[T.SCENARIO_AREA].groupby("scenario")["net"].sum()
    tenure = tables[T.SCENARIO_TENURE].assign(t=lambda d: d.net_per_household * d.households).groupby("scenario")["t"].sum()
    np.testing.assert_allclose(area.sort_index(), tenure.sort_index(), atol=1e-6)
    parties = tables[T.SCENARIO_PARTIES]
    assert set(parties["lands_on"]) <= {"households", "public", "outside"}
    per = parties.groupby("scenario")["amount_per_year"].sum()
    np.testing.assert_allclose(per.loc[summary["scenario"]], summary["real_value"], rtol=1e-9, atol=0.01)
    d = tables[T.SCENARIO_DRAWS]
    assert d[d.metric == "ledger_imbalance"]["value"].abs().max() < 0.01


def test_prices_carry_their_date_in_the_tables(step_tables):
    tables, _ = step_tables
    prices = tables[T.PRICES].set_index("name")
    a = load_assumptions()
    assert (prices["price_date"] == a.price_date).all() and prices["date"].str.match(r"^\d{4}-\d{2}$").all()
    assert prices.loc["retail_price_per_kwh", "value"] == a.get("prices", "retail_price_per_kwh")


def test_public_equal_return_is_equal_per_household_and_flagged(step_tables):
    tables, _ = step_tables
    area = tables[T.SCENARIO_AREA].query("scenario == 'public' and households > 0")
    per = area["public_return"] / area["households"]
    assert np.allclose(per, per.iloc[0])
    summary = tables[T.SCENARIO_SUMMARY].set_index("scenario")
    assert "equally" in summary.loc["public", "fixed_by_construction"]
    robust = tables[T.SCENARIO_ROBUSTNESS]
    assert robust[(robust.scenario == "public") & (robust.metric == "concentration_benefit_deciles")].empty


def test_robustness_ranges_include_the_central_value_and_follow_the_draws():
    d = {"s": {"m": np.array([1.0] * 95 + [-1.0] * 5), "n": np.array([1.0] * 60 + [-1.0] * 40)}}
    table = metrics.robustness(d, {"s": {"m": 2.0, "n": 0.5}}).set_index("metric")
    assert table.loc["m", "share_same_sign"] == pytest.approx(0.95) and table.loc["m", "verdict"] == "robust"
    assert table.loc["n", "verdict"] == "fragile"
    assert table.loc["m", "high"] == 2.0  # widened to the central value, which lies above every draw


def test_policy_cells_equal_the_scenarios_and_balance(step_tables):
    tables, _ = step_tables
    cells = tables[T.POLICY_CELLS].set_index("cell")
    summary = tables[T.SCENARIO_SUMMARY].set_index("scenario")
    assert len(cells) == 30
    for generation, scenario in (("market", "market"), ("coop", "coop"), ("municipal", "public")):
        for metric in ("installed_mwp", "real_value", "net_per_household"):
            assert cells.loc[f"private/volumetric/{generation}", metric] == pytest.approx(summary.loc[scenario, metric])
    assert (cells["ledger_imbalance"].abs() < 0.01).all()
    assert cells.loc["private/volumetric/market", "cost_shift_per_household"] > 0
    assert cells.loc["private/fixed/municipal", "suits_network_charges"] < 0
    prog = cells.loc["private/progressive/municipal"]
    # only network and policy costs follow income; the rest stays per kWh: progressive, but not exactly 0
    assert prog["suits_network_charges"] > cells.loc["private/fixed/municipal", "suits_network_charges"]
    assert not prog["suits_fixed_by_construction"]
    assert cells.loc["public/volumetric/market", "net_per_household"] > cells.loc["private/volumetric/market",
                                                                                 "net_per_household"]


def test_framings_name_their_assumptions_count_compensation_and_have_drivers(step_tables):
    tables, _ = step_tables
    f = tables[T.POLICY_FRAMINGS].set_index("framing")
    assert f.loc["Bringing Energy Home", "network_compensation"] > 0  # the former owners are paid
    assert "public_network_saving_share" in f.loc["Bringing Energy Home", "rests_on"]
    assert f.loc["Green New Deal", "supply_return"] != 0
    drivers = tables[T.FRAMING_DRIVERS]
    top = drivers[drivers.framing == "Bringing Energy Home"].iloc[0]
    assert top["parameter"] in policy.FRAMING_ASSUMPTIONS["Bringing Energy Home"] and top["named"]


def test_sensitivity_and_ranking_drivers(step_tables):
    tables, _ = step_tables
    sens = tables[T.SENSITIVITY]
    row = sens[(sens.parameter == "retail_price_per_kwh") & (sens.scenario == "market") & (sens.metric == "net_per_household")]
    assert len(row) == 1 and row["swing"].iloc[0] > 0
    ranking = tables[T.RANKING_DRIVERS]
    assert list(ranking["rank"][:5]) == [1, 2, 3, 4, 5]
    assert ranking["order_changes"].is_monotonic_decreasing or (ranking["order_changes"].diff().fillna(0) <= 0).all()


def test_one_at_a_time_columns():
    a = load_assumptions()
    params, columns = sensitivity.one_at_a_time(a)
    assert params.n_draws == 1 + len(columns)
    name, group, level, value = columns[0]
    assert getattr(params, name)[1] == value and getattr(params, name)[0] == a.get(group, name)
    others = [n for n in Params.names() if n != name]
    assert all(getattr(params, n)[1] == getattr(params, n)[0] for n in others)


def test_heat_schemes_sized_by_cost_with_both_counterfactuals(city):
    _, _, areas, area_heat = city
    units, groups = inputs.prepare(*city[:3])
    p = Params.from_assumptions(load_assumptions())
    res = ho.heat_ownership(area_heat, groups, p)
    for model, r in res.items():
        assert np.all(np.abs(r["ledger"].imbalance()) < 0.01), model
    council = res["council"]
    built = council["connected"][:, 0] > 0
    # gas bill per home = gas / efficiency x unit rate + standing charge (for those who leave gas) + boiler
    ah = area_heat.set_index("area_id").reindex(groups.ids)
    i = np.flatnonzero(built)[0]
    heat_home = ah["heat_kwh_domestic"].to_numpy()[i] / groups.households.sum(axis=1)[i]
    gas = heat_home / p.boiler_efficiency[0] * p.gas_price_per_kwh[0] + p.gas_disconnection_share[0] * \
        p.gas_standing_charge_per_day[0] * 365 + p.gas_boiler_annual_cost[0]
    assert council["gas_bill"][i, 0] == pytest.approx(gas)
    hp = ((p.heat_pump_capex[0] - p.heat_pump_grant[0]) * k.capital_recovery_factor(p.discount_rate_household[0],
                                                                                     p.heat_pump_life_years[0])
          + p.heat_pump_annual_service[0] + heat_home / p.heat_pump_scop[0] * p.retail_price_per_kwh[0])
    assert council["heat_pump_bill"][i, 0] == pytest.approx(hp)
    esco = res["esco"]
    assert np.all(np.where(esco["built"], esco["ledger"].party_group("esco") >= -1e-9, True))


def test_store_sizing_prefers_no_store_where_stores_do_not_pay():
    from analysis.heat.district import size_solar_district_heating

    a = load_assumptions()
    demand = np.tile(np.array([[17, 15, 13, 9, 5, 2, 1, 1, 3, 7, 12, 15]]) * 1e4, (2, 1))
    yield_m2 = np.tile(np.array([[10, 20, 40, 60, 75, 80, 80, 70, 50, 30, 15, 8]], dtype=float), (2, 1))
    sized = size_solar_district_heating(np.array([2000.0, 2000.0]), yield_m2, demand, a)
    assert np.all(sized["store_m3"] <= sized["collector_m2"] * 3)
    assert np.all(sized["solar_fraction"] <= sized["solar_fraction_max"] + 1e-9)
    # with free stores and collectors, the scheme takes all roofs and the largest store
    free = type(a)({**a.groups, "heat_ownership": {**a.groups["heat_ownership"],
                                                   "sdh_store_capex_per_m3_at_5000m3": {**a.groups["heat_ownership"][
                                                       "sdh_store_capex_per_m3_at_5000m3"], "value": 0.0},
                                                   "sdh_collector_capex_per_m2": {**a.groups["heat_ownership"][
                                                       "sdh_collector_capex_per_m2"], "value": 0.0}}},
                   a.sources, a.price_date, a.currency, a.price_table)
    sized_free = size_solar_district_heating(np.array([2000.0, 2000.0]), yield_m2, demand, free)
    assert np.all(sized_free["collector_m2"] == 2000.0) and np.all(sized_free["store_m3"] > 0)


def test_prepare_rejects_bad_input_with_one_line(city):
    buildings, potential, areas, _ = city
    with pytest.raises(InputError, match="roof_owner 'landlord'"):
        inputs.prepare(buildings.assign(roof_owner=buildings["roof_owner"].where(buildings.index > 0, "landlord")),
                       potential, areas)
    with pytest.raises(InputError, match="lacks column"):
        inputs.prepare(buildings.drop(columns="consents"), potential, areas)
    with pytest.raises(InputError, match="do not sum"):
        inputs.prepare(buildings.assign(dw_other=buildings["dw_other"] + 1), potential, areas)
    with pytest.raises(InputError, match="missing from the areas table"):
        inputs.prepare(buildings, potential, areas.iloc[1:])


def test_a_place_without_income_or_households_still_runs(city, curve):
    buildings, potential, areas, area_heat = city
    log = QualityLog()
    bare = areas.drop(columns=["income_mean", "households"])
    tables = step.economics_tables(buildings, potential, bare, area_heat, load_assumptions(), seed=1, log=log,
                                   n_draws=0, curve=curve, with_sensitivity=False)
    q = log.frame().set_index("field")
    assert "income_mean" in q.index and "households" in q.index
    assert np.isfinite(tables[T.SCENARIO_SUMMARY]["net_per_household"]).all()
    assert tables[T.SCENARIO_DECILE].empty


def test_missing_demand_and_use_are_imputed_and_logged(city):
    buildings, potential, areas, _ = city
    log = QualityLog()
    units, _ = inputs.prepare(buildings.drop(columns=["elec_demand_kwh", "use_class", "levels"]), potential, areas, log)
    q = log.frame().set_index("field")
    assert q.loc["elec_demand_kwh", "imputed"] == len(buildings) and q.loc["use_class", "derived"] == len(buildings)
    assert q.loc["levels", "imputed"] == len(buildings)
    assert np.all(units.demand_dom_kwh >= 0)


def test_a_row_of_houses_becomes_one_roof_per_house():
    b = pd.DataFrame({"building_id": ["row"], "area_id": ["a"], "use_class": ["domestic"], "dwelling_type": ["house"],
                      "dwellings": [3], "dw_owner_occupied": [2], "dw_social_rented": [0], "dw_private_rented": [1],
                      "dw_other": [0], "roof_owner": ["owner_occupier"], "consents": [3], "elec_demand_kwh": [9000.0],
                      "levels": [2.0]})
    pot = pd.DataFrame({"building_id": ["row"], "kwp_low": [9.0], "kwp_central": [12.0], "kwp_high": [15.0],
                        "kwh_low": [8000.0], "kwh_central": [10_800.0], "kwh_high": [13_000.0]})
    areas = pd.DataFrame({"area_id": ["a"], "households": [3.0], "income_mean": [40_000.0],
                          "elec_kwh": [9000.0], "elec_meters": [3.0]})
    units, _ = inputs.prepare(b, pot, areas)
    assert len(units) == 3 and np.allclose(units.kwp, 4.0) and np.allclose(units.demand_dom_kwh, 3000.0)
    assert sorted(np.array(k.ROOF_OWNERS)[units.roof_owner]) == ["owner_occupier", "owner_occupier", "private_landlord"]
    assert np.all(units.consents == 1) and not units.flat.any()


def test_observed_adoption_reader_and_comparison(tmp_path, city, step_tables):
    _, _, areas, _ = city
    tables, _ = step_tables
    path = tmp_path / "installations.csv"
    ids = areas["area_id"].to_numpy()
    pd.DataFrame({"LSOA": ids, "n": np.arange(len(ids)) % 7, "kw": (np.arange(len(ids)) % 7) * 3.5}).to_csv(path, index=False)
    observed = read_observed_adoption(path, "LSOA", "n", "kw")
    _, groups = inputs.prepare(*city[:3])
    _, cmp = adoption_comparison(observed, tables[T.SCENARIO_AREA].query("scenario == 'market'"), groups)
    cmp = cmp.set_index("metric")
    assert cmp.loc["installations", "observed"] == observed["installations"].sum()
    assert -1 <= cmp.loc["rank correlation of installations per household (Spearman)", "observed"] <= 1
    bad = tmp_path / "bad.csv"
    bad.write_text("LSOA,n\nE01,3\nE02,many\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.csv: row 3: n = 'many'"):
        read_observed_adoption(bad, "LSOA", "n")


def test_self_consumption_curve_is_cached(tmp_path, monkeypatch, curve):
    monkeypatch.setenv("ANALYSIS_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("ANALYSIS_NO_CACHE", raising=False)
    a = load_assumptions()
    shape = k.clear_sky_pv_shape(51.5)
    first = step.build_curve(a, shape)
    assert len(list((tmp_path / "cache").glob("self-consumption-curve-*.pkl"))) == 1
    again = step.build_curve(a, shape)
    for profile in k.PROFILES:
        np.testing.assert_array_equal(again.table[profile], first.table[profile])
        np.testing.assert_array_equal(first.table[profile], curve.table[profile])


@pytest.mark.slow
def test_money_tables_in_the_store(camden_store):
    con = store.connect(camden_store, read_only=True)
    try:
        summary = con.execute(f"SELECT * FROM {T.SCENARIO_SUMMARY}").df().set_index("scenario")
        meta = store.meta(con)
        prices = con.execute(f"SELECT * FROM {T.PRICES}").df()
        heat = con.execute(f"SELECT * FROM {T.HEAT_OWNERSHIP}").df()
        parties = con.execute(f"SELECT * FROM {T.SCENARIO_PARTIES}").df()
    finally:
        con.close()
    assert set(SCENARIOS) <= set(summary.index)
    assert (summary["ledger_imbalance"].abs() < 0.01).all()
    assert meta["price_date"] == load_assumptions().price_date and meta["currency"] == "GBP"
    assert (prices["price_date"] == meta["price_date"]).all()
    assert set(heat["model"]) == {"council", "coop", "esco"} and set(heat["scale"]) == {"borough", "estate"}
    assert set(parties["lands_on"]) == {"households", "public", "outside"}
