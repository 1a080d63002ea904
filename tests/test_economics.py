"""Economics kernel: capex curve, annuities, self-consumption, the ledger — hand-computed to the penny."""

import numpy as np
import pytest

from analysis import economics as ec
from analysis import scenarios
from analysis.config import load_assumptions
from analysis.errors import InputError


# ------------------------------------------------------------------------------------------
# Costs
# ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["low", "central", "high"])
def test_capex_per_kwp_falls_and_total_rises_with_size_continuously(level):
    p = load_assumptions().level("economics", level)
    k = np.geomspace(0.5, 500, 20_000)  # steps of 0.035 % in size
    total = ec.capex_gbp(k, p)
    assert np.all(np.diff(total) > 0)  # a bigger system costs more in total
    assert np.all(np.diff(total / k) < 0)  # and less per kWp
    # No cliff anywhere (the old curve fell 37 % at 10 kWp): neighbouring sizes differ smoothly.
    assert np.max(np.abs(np.diff(total / k)) / (total / k)[1:]) < 0.01
    assert ec.capex_gbp(0.0, p) == 0.0


def test_capex_matches_the_desnz_medians_it_was_fitted_to():
    # DESNZ small-scale PV cost data 2024/25 medians at the typical sizes assumed in economics.yml.
    p = load_assumptions().level("economics")
    for kwp, median_gbp_per_kw in ((3.5, 1876), (6.5, 1780), (20.0, 1256)):
        assert ec.capex_gbp(kwp, p) / kwp == pytest.approx(median_gbp_per_kw, rel=0.07)  # stated fit tolerance


def test_capex_exponent_outside_zero_one_is_a_clear_error():
    p = dict(load_assumptions().level("economics"), capex_size_exponent=1.2)
    with pytest.raises(InputError, match="capex_size_exponent"):
        ec.capex_gbp(4.0, p)


def test_annuity_and_replacement_factors_known_values():
    assert ec.capital_recovery_factor(0.0, 20) == pytest.approx(1 / 20)
    assert ec.capital_recovery_factor(0.05, 20) == pytest.approx(0.0802425872, rel=1e-9)  # standard annuity table
    # Inverter every 12 years in a 25-year life: replaced at years 12 and 24.
    assert ec.replacement_present_value(100.0, 0.05, 12, 25) == pytest.approx(100 * (1.05 ** -12 + 1.05 ** -24))
    assert ec.replacement_present_value(100.0, 0.05, 12, 24) == pytest.approx(100 * 1.05 ** -12)  # not in year 24
    assert ec.life_average_output_factor(0.005, 25) == pytest.approx(0.94)


# ------------------------------------------------------------------------------------------
# Self-consumption
# ------------------------------------------------------------------------------------------

def test_hourly_simulation_by_hand():
    # Four hours: PV in the middle two, flat load. Normalised: pv = [0, .5, .5, 0], load = [.25] * 4.
    pv, load = [0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 1.0, 1.0]
    ss = ec.simulate_self_sufficiency(pv, load, ratios=[1.0], batteries=[0.0, 1e6], round_trip_efficiency=1.0)
    assert ss[0, 0] == pytest.approx(0.5)  # direct use: 0.25 in each sunny hour
    assert ss[0, 1] == pytest.approx(0.75)  # a large lossless battery also serves the last hour (not the first)
    # Load only at night (hours 0 and 3), half as much PV: 0.5 charged at 90 %, 0.45 stored, 0.405 delivered.
    night = [1.0, 0.0, 0.0, 1.0]
    lossless = ec.simulate_self_sufficiency(pv, night, ratios=[0.5], batteries=[1e6], round_trip_efficiency=1.0)
    lossy = ec.simulate_self_sufficiency(pv, night, ratios=[0.5], batteries=[1e6], round_trip_efficiency=0.81)
    assert lossless[0, 0] == pytest.approx(0.5) and lossy[0, 0] == pytest.approx(0.405)


@pytest.fixture(scope="module")
def curve():
    h, g = ec.standard_load_profiles()
    return ec.self_consumption_curve(ec.clear_sky_pv_shape(51.5), h, g)


def test_curve_never_exceeds_demand_or_generation_and_rises_with_size_and_battery(curve):
    for tab in curve.table.values():
        assert np.all(tab <= 1 + 1e-12) and np.all(tab <= curve.ratios[:, None] + 1e-12)
        assert np.all(np.diff(tab, axis=0) >= -1e-12)  # more PV, more demand met
        assert np.all(np.diff(tab, axis=1) >= -1e-12)  # bigger battery, more demand met
    # A typical house (generation ≈ demand) meets roughly a third of its demand without a battery
    # (Luthander et al. 2015: 25-40 %); with a 5 kWh battery for 3.3 MWh/yr, much more.
    i = np.argmin(np.abs(curve.ratios - 1.0))
    assert 0.25 < curve.table["domestic"][i, 0] < 0.45
    assert ec.self_sufficiency(curve, False, 1.0, 1.5) > 0.5


def test_self_sufficiency_interpolates_the_table_in_log_ratio_then_battery(curve):
    # Reference, one value at a time: np.interp in log ratio for every battery column, then in battery size.
    rng = np.random.default_rng(0)
    n = 400
    ratio = np.exp(rng.uniform(np.log(5e-4), np.log(300), n))
    battery = np.where(rng.random(n) < 0.2, 0.0, rng.uniform(0, 15, n))  # beyond the grid: clipped to its end
    nd = rng.random(n) < 0.3
    log_ratios = np.log(curve.ratios)
    ref = np.empty(n)
    for k in range(n):
        tab = curve.table["non_domestic" if nd[k] else "domestic"]
        x = np.log(np.clip(ratio[k], curve.ratios[0], curve.ratios[-1]))
        columns = [np.interp(x, log_ratios, tab[:, c]) for c in range(len(curve.batteries))]
        value = ratio[k] if ratio[k] < curve.ratios[0] else np.interp(min(battery[k], curve.batteries[-1]),
                                                                      curve.batteries, columns)
        ref[k] = min(value, ratio[k], 1.0)
    np.testing.assert_allclose(ec.self_sufficiency(curve, nd, ratio, battery), ref, rtol=1e-12, atol=1e-15)
    no_battery = ec.self_sufficiency(curve, nd[:, None], ratio[:, None], 0.0)[:, 0]  # the fast path
    np.testing.assert_allclose(no_battery, ec.self_sufficiency(curve, nd, ratio, np.zeros(n)), rtol=1e-12)


def test_self_consumption_is_capped_by_demand_for_every_building(curve):
    buildings, potential, areas, _ = scenarios.synthetic_inputs(3000, seed=5)
    units, groups = scenarios.prepare(buildings, potential, areas)
    a = load_assumptions()
    params, _ = scenarios.draw_parameters(a, 16, seed=3)
    for factor in (1.0, 2.0):  # even a profile factor above 1 cannot push use past demand
        p = dict(params, self_consumption_profile_factor=params["self_consumption_profile_factor"] * factor)
        base = ec.base_quantities(units, p, curve)
        demand = base["demand"]
        assert np.all(base["sc_plain"] <= demand + 1e-9) and np.all(base["sc_plain"] <= base["kwh"] + 1e-9)
        gen = ec.generation(units, groups, p, curve, "market_batteries", share=np.ones(len(units)), base=base)
        assert np.all(gen.self_consumed_kwh <= ec._by_group(len(groups), units.group, np.broadcast_to(demand, base["kwh"].shape)) + 1e-6)


# ------------------------------------------------------------------------------------------
# A tiny case computed by hand, per ownership model
# ------------------------------------------------------------------------------------------

class FlatCurve(ec.SelfConsumptionCurve):
    """Self-sufficiency 0.3 whenever generation ≥ 0.3 × demand (so a house uses 1,080 of 3,600 kWh)."""


def flat_curve():
    ratios = np.geomspace(1e-3, 100, 61)
    batteries = np.array([0.0, 10.0])
    tab = np.minimum(ratios, 0.3)[:, None] * np.ones((1, 2))
    return ec.SelfConsumptionCurve(ratios, batteries, {"domestic": tab, "non_domestic": tab})


def hand_params(**changes):
    """Round numbers: P = 21 p incl. 5 % VAT (20 p excl.), half of it network and policy, export 5 p,
    capex 1,000 £/kWp (4 kWp: £4,000, no scaffolding), O&M 10 £/kWp, 20 years, no degradation,
    capital at 0 % except households (5 %), consent £100 per party, roof rent 5 £/kWp."""
    p = {k: v for k, v in load_assumptions().level("economics").items()}
    for group in ("adoption", "ownership_models", "batteries", "policy", "heat_ownership"):
        p.update(load_assumptions().level(group))
    p.update(retail_price_gbp_per_kwh=0.21, vat_rate_domestic_energy=0.05, network_policy_share_of_unit_price=0.5,
             retail_price_nondomestic_gbp_per_kwh=0.20, export_tariff_gbp_per_kwh=0.05, capex_gbp_per_kwp_at_4kwp=1000.0,
             capex_size_exponent=0.5, scaffolding_gbp_per_system=0.0, vat_rate_installation_domestic=0.0,
             om_gbp_per_kwp_year=10.0, inverter_replacement_gbp_per_kwp=0.0, lifetime_years=20.0,
             degradation_per_year=0.0, discount_rate_public=0.0, discount_rate_household=0.05,
             discount_rate_commercial=0.0, discount_rate_coop=0.0, discount_rate_aggregator=0.0,
             consent_cost_gbp_per_party=100.0, consent_probability_per_party=1.0, roof_rent_gbp_per_kwp_year=5.0,
             self_consumption_profile_factor=1.0, potential_level=0.0, coop_occupant_discount=0.2,
             aggregator_generation_tariff_gbp_per_kwh=0.10, public_network_saving_share=0.0)
    p.update(changes)
    return ec.as_draws(p)


def one_building(owner="owner_occupier", use="domestic", dwellings=1):
    dw = np.array([[float(dwellings), 0, 0, 0]])
    dom = 3600.0 if use == "domestic" else 0.0
    units = ec.Units(group=np.array([0]), n_buildings=np.ones(1), kwp=np.array([4.0]), kwp_low=np.array([4.0]),
                     kwp_high=np.array([4.0]), kwh=np.array([3600.0]), kwh_low=np.array([3600.0]),
                     kwh_high=np.array([3600.0]), demand_dom_kwh=np.array([dom]), demand_nd_kwh=np.array([3600.0 - dom]),
                     dwellings=dw, roof_owner=np.array([ec.ROOF_OWNERS.index(owner)]), nd_party=np.array([0]),
                     consents=np.ones(1), income_ratio=np.ones(1), nondomestic_profile=np.array([use != "domestic"]))
    groups = ec.Groups(ids=np.array(["a"]), households=dw, income_mean_gbp=np.array([40_000.0]),
                       demand_dom_kwh=np.array([[dom, 0, 0, 0]]), demand_nd_kwh=np.array([[3600.0 - dom, 0, 0]]),
                       decile=np.array([1]))
    return units, groups


def run_one(model, **changes):
    units, groups = one_building()
    p = hand_params(**changes)
    gen = ec.generation(units, groups, p, flat_curve(), model, share=np.ones(1))
    ledger = gen.ledger.merge(ec.network_and_supply(gen, groups, p))
    flows = {(party, comp): round(float(arr.sum()), 2) for (party, comp), arr in ledger.entries.items()
             if abs(arr.sum()) > 1e-9}
    return flows, round(float(ledger.real_value.sum()), 2), ledger


# Shared by hand: self-consumed 1,080 kWh, exported 2,520 kWh; network part r0 = 10 p/kWh; the lone
# household pays all network costs R = 360 £ on 2,520 kWh bought, 108 £ more than r0 × 2,520.
NETWORK = {("households", "network_charges"): -113.40, ("treasury", "vat_on_bills"): None}


def test_market_by_hand():
    flows, real, ledger = run_one("market")
    crf5 = 0.05 / (1 - 1.05 ** -20)
    assert flows[("households", "bill_savings")] == 226.80  # 1,080 kWh × 21 p
    assert flows[("households", "owner_income")] == round(126.00 - 40.00 - 4000 * crf5, 2)  # export − O&M − annuity
    assert flows[("capital_providers", "interest_above_public_rate")] == round(4000 * crf5 - 200.00, 2)
    assert flows[("treasury", "vat_on_bills")] == round(-10.80 + 5.40, 2)  # VAT lost on 1,080 kWh, gained on the shift
    assert flows[("households", "network_charges")] == -113.40  # the cost shift, incl. VAT
    assert real == -6.00  # 0.5 × 20 p × 1,080 + 126 − 40 − 4,000/20
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_coop_by_hand():
    flows, real, _ = run_one("coop")
    assert flows[("households", "bill_savings")] == 45.36  # 20 % of 21 p × 1,080 kWh
    assert flows[("households", "roof_rent")] == 20.00  # 5 £/kWp to the owner-occupier
    # Fund: 80 % × 20 p × 1,080 + 126 − 40 − (4,000 + 100 consent)/20 − 20 rent
    assert flows[("community_fund", "surplus")] == 33.80
    assert flows[("treasury", "vat_on_bills")] == round(-2.16 + 5.40, 2)
    assert real == -11.00
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_public_by_hand():
    flows, real, _ = run_one("public")
    assert flows[("households", "roof_rent")] == 20.00
    # Sells 1,080 kWh through the meter at 21 p and pays network charges: keeps 10 p; + 126 − 40 − 205 − 20 rent.
    assert flows[("households", "pooled_return")] == -31.00
    assert ("households", "network_charges") not in flows  # no cost shift: nothing behind the meter
    assert ("treasury", "vat_on_bills") not in flows
    assert real == -11.00 and sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_aggregator_by_hand():
    flows, real, _ = run_one("aggregator")
    assert flows[("households", "free_power")] == 226.80
    assert flows[("aggregator", "profit")] == 241.00  # 126 export + 360 tariff (10 p × 3,600) − 40 − 205
    assert flows[("households", "generation_levy")] == -378.00  # the tariff, levied on 2,520 kWh bought, + VAT
    assert flows[("treasury", "vat_on_bills")] == round(-10.80 + 5.40 + 18.00, 2)
    assert real == -11.00 and sum(flows.values()) == pytest.approx(real, abs=0.011)


def battery_curve():
    """As :func:`flat_curve`, plus a battery column (1 kWh per MWh of demand) lifting self-sufficiency to 0.5."""
    ratios = np.geomspace(1e-3, 100, 61)
    tab = np.stack([np.minimum(ratios, 0.3), np.minimum(ratios, 0.5)], axis=1)
    return ec.SelfConsumptionCurve(ratios, np.array([0.0, 1.0]), {"domestic": tab, "non_domestic": tab})


def test_market_batteries_by_hand():
    """Owner-occupier at median income: 40 % take a 3.6 kWh battery (£1,000, 10 years), capital at 0 %."""
    units, groups = one_building()
    p = hand_params(discount_rate_household=0.0, battery_kwh=3.6, battery_capex_gbp=1000.0, battery_lifetime_years=10.0,
                    battery_adoption_owner_occupier_adopters=0.4, battery_income_elasticity=1.0)
    gen = ec.generation(units, groups, p, battery_curve(), "market_batteries", share=np.ones(1))
    ledger = gen.ledger.merge(ec.network_and_supply(gen, groups, p))
    flows = {k: round(float(v.sum()), 2) for k, v in ledger.entries.items() if abs(v.sum()) > 1e-9}
    # Self-consumed 1,080 + 0.4 × (1,800 − 1,080) = 1,368 kWh; exported 2,232 kWh.
    assert flows[("households", "bill_savings")] == 287.28  # 1,368 kWh × 21 p
    assert flows[("households", "owner_income")] == round(111.60 - 40.00 - 4000 / 20 - 400 / 10, 2)  # −168.40
    assert flows[("households", "network_charges")] == -143.64  # (360 − 10 p × 2,232) × 1.05
    assert flows[("treasury", "vat_on_bills")] == round(-13.68 + 6.84, 2)
    assert ("capital_providers", "interest_above_public_rate") not in flows  # all capital at 0 %
    real = round(float(ledger.real_value.sum()), 2)
    assert real == -31.60  # 0.5 × 20 p × 1,368 + 111.60 − 40 − 200 − 40
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)
    assert float(gen.capex_gbp.sum()) == pytest.approx(4000 + 0.4 * 1000)


def test_public_progressive_return_by_hand():
    """Two households, incomes £20k and £40k: a surplus is shared 2/3 : 1/3, a loss 1/3 : 2/3."""
    groups = ec.Groups(ids=np.array(["poor", "rich"]), households=np.array([[1.0, 0, 0, 0], [1.0, 0, 0, 0]]),
                       income_mean_gbp=np.array([20_000.0, 40_000.0]), demand_dom_kwh=np.zeros((2, 4)),
                       demand_nd_kwh=np.zeros((2, 3)), decile=np.array([1, 10]))
    w = ec.return_weights(groups, "progressive", np.array([30.0, -30.0]))
    assert w[:, 0, 0] * 30 == pytest.approx([20.0, 10.0])
    assert w[:, 0, 1] * -30 == pytest.approx([-10.0, -20.0])
    assert ec.return_weights(groups, "equal", np.array([30.0]))[:, 0, 0] * 30 == pytest.approx([15.0, 15.0])


def heat_case(**changes):
    """One candidate area, 100 owner-occupied homes all connected, 1 GWh of heat, 40 % solar."""
    import pandas as pd

    area_heat = pd.DataFrame({"area_id": ["a"], "dh_candidate_area": [True], "share_buildings_in_dh_zone": [1.0],
                              "heat_kwh_domestic": [1e6], "heat_kwh_central": [1e6], "sdh_solar_fraction": [0.4],
                              "sdh_collector_m2": [1000.0], "sdh_store_m3": [2000.0]})
    groups = ec.Groups(ids=np.array(["a"]), households=np.array([[100.0, 0, 0, 0]]), income_mean_gbp=np.array([40_000.0]),
                       demand_dom_kwh=np.zeros((1, 4)), demand_nd_kwh=np.zeros((1, 3)), decile=np.array([5]))
    p = dict(hand_params())
    p.update({k: np.array([float(v)]) for k, v in ({**dict(
        boiler_efficiency=0.8, gas_price_gbp_per_kwh=0.06, vat_rate_domestic_energy=0.05, gas_boiler_annual_cost_gbp=200,
        heat_connection_share=1.0, lifetime_years=20, heat_network_lifetime_years=40, sdh_collector_capex_gbp_per_m2=500,
        sdh_store_capex_gbp_per_m3=100, heat_network_capex_gbp_per_dwelling=5000, heat_network_om_share_of_capex=0.01,
        backup_heat_cost_gbp_per_kwh=0.05, discount_rate_public=0.0, discount_rate_coop=0.05,
        discount_rate_aggregator=0.0, esco_gas_parity_discount=0.05), **changes}).items()})
    res = scenarios.heat_ownership(area_heat, groups, p)
    return {m: {k: round(float(v.sum()), 2) for k, v in r["ledger"].entries.items()} | {
        "real": round(float(r["ledger"].real_value.sum()), 2), "built": bool(r["built"].all())} for m, r in res.items()}


def test_heat_schemes_by_hand():
    """Gas today: 1 GWh / 0.8 at 6 p incl. VAT = £75,000 + 100 boilers × £200 = £95,000 a year.
    Scheme at 0 %: collectors 500k/20 + store and network (200k + 500k)/40 + O&M 1 % of 1.2 M + backup
    600 MWh × 5 p = £84,500 a year."""
    out = heat_case()
    council = out["council"]
    assert council["built"]
    assert council[("households", "heat_bill_saving")] == 6275.00  # 95,000 − 84,500 × 1.05
    assert council[("treasury", "vat_on_bills")] == 653.57  # 5 % × (84,500 − 71,428.57 gas excl. VAT)
    assert council["real"] == 6928.57  # 71,428.57 + 20,000 − 84,500
    crf = lambda r, n: r / (1 - (1 + r) ** -n)  # noqa: E731
    coop_cost = 500_000 * crf(0.05, 20) + 700_000 * crf(0.05, 40) + 42_000
    coop = out["coop"]
    assert coop[("households", "heat_bill_saving")] == round(95_000 - 1.05 * coop_cost, 2)
    assert coop[("coop_members", "interest_above_public_rate")] == round(coop_cost - 84_500, 2)
    assert coop["real"] == 6928.57
    esco = out["esco"]  # charges 95 % of the gas bill: 85,952.38 excl. VAT, at a cost of 84,500
    assert esco["built"] and esco[("esco", "profit")] == 1452.38
    assert esco[("households", "heat_bill_saving")] == 4750.00
    assert esco[("treasury", "vat_on_bills")] == 726.19
    for model in out.values():
        assert sum(v for k, v in model.items() if isinstance(k, tuple)) == pytest.approx(model["real"], abs=0.02)
    assert not heat_case(discount_rate_aggregator=0.08)["esco"]["built"]  # at 8 % it does not pay


def test_commercial_roof_savings_land_with_the_commercial_owner():
    units, groups = one_building("commercial", use="non_domestic", dwellings=0)
    p = hand_params()
    gen = ec.generation(units, groups, p, flat_curve(), "market", share=np.ones(1))
    ledger = gen.ledger.merge(ec.network_and_supply(gen, groups, p))
    flows = {k: float(v.sum()) for k, v in ledger.entries.items()}
    assert flows[("businesses", "bill_savings")] == pytest.approx(1080 * 0.20)  # non-domestic price, no VAT
    assert flows.get(("households", "bill_savings"), 0.0) == 0.0
    assert flows[("businesses", "owner_income")] == pytest.approx(126 - 40 - 200)
    assert ledger.total() == pytest.approx(ledger.real_value.sum(axis=0))


def test_vat_on_an_installation_goes_to_the_treasury():
    flows, real, _ = run_one("market", vat_rate_installation_domestic=0.20, discount_rate_household=0.0)
    assert flows[("treasury", "vat_on_installation")] == 40.00  # 20 % of 4,000 over 20 years
    assert flows[("households", "owner_income")] == round(126 - 40 - 4800 / 20, 2)
    assert real == -6.00  # VAT is a transfer, not a cost to the economy
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


# ------------------------------------------------------------------------------------------
# Identities on many buildings and draws
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def many(curve):
    buildings, potential, areas, area_heat = scenarios.synthetic_inputs(4000, buildings_per_area=200, seed=11)
    units, groups = scenarios.prepare(buildings, potential, areas)
    params, _ = scenarios.draw_parameters(load_assumptions(), 24, seed=7)
    return units, groups, params, area_heat


@pytest.mark.parametrize("model", ec.GENERATION_MODELS)
@pytest.mark.parametrize("network", ec.NETWORKS)
@pytest.mark.parametrize("recovery", ec.RECOVERIES)
def test_ledger_balances_for_every_model_cell_and_draw(many, curve, model, network, recovery):
    units, groups, params, _ = many
    gen = ec.generation(units, groups, params, curve, model)
    ledger = gen.ledger.merge(ec.network_and_supply(gen, groups, params, network, recovery, "public"))
    scale = max(1.0, float(np.abs(ledger.real_value).sum()))
    assert np.all(np.abs(ledger.imbalance()) <= 1e-9 * scale + 1e-6)
    # Network costs are recovered in full (less any public saving, on the network part only) under every rule.
    charges = ledger.extras["domestic_charges_gbp"].sum(axis=(0, 1))
    r0 = params["network_policy_share_of_unit_price"] * params["retail_price_gbp_per_kwh"] / (1 + params["vat_rate_domestic_energy"])
    saving = (params["public_network_saving_share"] * params["network_share_of_network_policy"]
              if network == "public" else 0.0)
    expected = r0 * groups.demand_dom_kwh.sum() * (1 - saving) * (1 + params["vat_rate_domestic_energy"])
    assert charges == pytest.approx(expected, rel=1e-9)


def test_public_network_saving_leaves_policy_levies_whole(many, curve):
    """Public networks save on the network part of the charges; policy levies are recovered in full."""
    units, groups, params, _ = many
    gen = ec.generation(units, groups, params, curve, "market")
    private = ec.network_and_supply(gen, groups, params, "private").extras["domestic_charges_gbp"].sum(axis=(0, 1))
    public = ec.network_and_supply(gen, groups, params, "public").extras["domestic_charges_gbp"].sum(axis=(0, 1))
    network_part = private * params["network_share_of_network_policy"]
    assert private - public == pytest.approx(network_part * params["public_network_saving_share"], rel=1e-9)
    assert np.all(private - public < private * params["public_network_saving_share"])  # not the levies too


def test_progressive_return_charges_a_loss_to_the_richest_first(many):
    """A pooled loss shared 'progressively' falls on higher incomes, a surplus on lower ones."""
    _, groups, _, _ = many
    pool = np.array([100.0, -100.0])
    w = ec.return_weights(groups, "progressive", pool)
    per_household = w.sum(axis=1) / groups.households.sum(axis=1)[:, None]
    ok = groups.households.sum(axis=1) > 0
    rich, poor = np.nanargmax(np.where(ok, groups.income_mean_gbp, np.nan)), np.nanargmin(np.where(ok, groups.income_mean_gbp, np.nan))
    assert per_household[poor, 0] > per_household[rich, 0]  # surplus: the poorest get more per household
    assert per_household[rich, 1] > per_household[poor, 1]  # loss: the richest pay more per household
    assert np.allclose(w.sum(axis=(0, 1)), 1.0)
    equal = ec.return_weights(groups, "equal", pool)
    assert np.allclose(equal[..., 0], equal[..., 1])


def test_cost_shift_equals_avoided_network_charges(many, curve):
    units, groups, params, _ = many
    gen = ec.generation(units, groups, params, curve, "market", share=np.ones(len(units)))
    net = ec.network_and_supply(gen, groups, params)
    shift_excl_vat = -net.entries[("households", "network_charges")].sum(axis=(0, 1)) / (1 + params["vat_rate_domestic_energy"])
    r0 = params["network_policy_share_of_unit_price"] * params["retail_price_gbp_per_kwh"] / (1 + params["vat_rate_domestic_energy"])
    assert shift_excl_vat == pytest.approx(r0 * gen.behind_meter_dom.sum(axis=(0, 1)), rel=1e-9)
    fixed = ec.network_and_supply(gen, groups, params, recovery="fixed").extras["domestic_charges_gbp"]
    per_household = fixed.sum(axis=1) / groups.households.sum(axis=1)[:, None]
    ok = groups.households.sum(axis=1) > 0
    assert np.allclose(per_household[ok], per_household[ok][0])  # the same for everyone


def test_heat_ownership_ledgers_balance_and_esco_builds_only_where_it_pays(many):
    units, groups, params, area_heat = many
    res = scenarios.heat_ownership(area_heat, groups, params)
    for model, r in res.items():
        assert np.all(np.abs(r["ledger"].imbalance()) < 1e-6 * max(1.0, np.abs(r["ledger"].real_value).sum())), model
    esco = res["esco"]
    profit = esco["ledger"].party_group("esco")
    assert np.all(profit[esco["built"]] >= -1e-9)
    assert np.all(res["council"]["ledger"].party_group("capital_providers") == 0)  # council borrows at the reference rate


def test_quantities_kept_for_a_model_serve_only_the_same_parameters(many, curve):
    # Full-installation quantities and own uptake are kept in ``base`` per model; a run with other
    # parameters on the same base must not reuse them (e.g. the aggregator at another tariff).
    units, groups, params, _ = many
    base = ec.base_quantities(units, params, curve)
    first = ec.generation(units, groups, params, curve, "aggregator", base=base)
    again = ec.generation(units, groups, params, curve, "aggregator", base=base)
    assert again.share is first.share  # reused
    dearer = dict(params, aggregator_generation_tariff_gbp_per_kwh=params["aggregator_generation_tariff_gbp_per_kwh"] + 0.05)
    on_base = ec.generation(units, groups, dearer, curve, "aggregator", base=base)
    fresh = ec.generation(units, groups, dearer, curve, "aggregator")
    np.testing.assert_array_equal(on_base.share, fresh.share)
    assert on_base.installed_kwp.sum() > first.installed_kwp.sum()  # a tariff makes more roofs pay
    # The market with and without batteries takes the same PV decision (batteries are an add-on).
    np.testing.assert_array_equal(ec.generation(units, groups, params, curve, "market", base=base).share,
                                  ec.generation(units, groups, params, curve, "market_batteries").share)
