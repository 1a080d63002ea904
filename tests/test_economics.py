"""The money kernel: costs, self-consumption, owners' routes to market, and hand-computed cases to the penny."""

import numpy as np
import pytest

from analysis.config import load_assumptions
from analysis.economics import draws
from analysis.economics import kernel as k
from analysis.economics.incidence import PARTIES
from analysis.economics.params import Params
from analysis.errors import InputError


# ------------------------------------------------------------------------------------------
# Costs
# ------------------------------------------------------------------------------------------

def central():
    return Params.from_assumptions(load_assumptions())


@pytest.mark.parametrize("level", ["low", "central", "high"])
def test_capex_per_kwp_falls_and_total_rises_with_size_continuously(level):
    p = Params.from_assumptions(load_assumptions(), level if level != "central" else "central")
    sizes = np.linspace(0.5, 500, 2000)
    access = k.access_counts(np.full(len(sizes), 2.0))
    cost = k.pv_capex(sizes[:, None], np.ones(len(sizes)), access, p)[:, 0]
    assert np.all(np.diff(cost) > 0)  # more panels always cost more ...
    variable = cost - k.access_cost(access, p)[:, 0]
    per_kwp = variable / sizes
    below_g99 = sizes <= k.G98_LIMIT_KWP  # (the G99 fee is a step, not a slope)
    assert np.all(np.diff(per_kwp[below_g99]) < 0)  # ... and less per kWp


def test_capex_matches_the_desnz_medians_with_a_national_access_cost():
    """DESNZ 2024/25 medians (MCS) include a national-average access cost of about £800 a job; at typical sizes
    3.5, 6.5 and 20 kWp the curve plus £800 is within 10 % of 1,876 / 1,780 / 1,256 £/kW."""
    p = central()
    for size, median in ((3.5, 1876), (6.5, 1780), (20.0, 1256)):
        variable = k.pv_capex(np.array([[size]]), np.ones(1), np.zeros((1, 3)), p)[0, 0]
        if size > k.G98_LIMIT_KWP:
            variable -= p.grid_application_cost[0]
        assert (variable + 800) / size == pytest.approx(median, rel=0.10), size


def test_access_cost_by_storeys_and_class_sums_are_exact():
    p = central()
    house, extra, block = p.access_cost_house[0], p.access_cost_per_extra_storey[0], p.access_cost_block[0]
    levels = np.array([1, 2, 3, 4, 5, 12])
    cost = k.access_cost(k.access_counts(levels), p)[:, 0]
    assert cost.tolist() == pytest.approx([house, house, house + extra, house + 2 * extra, block, block])
    # a class of all six buildings: the summed counts give the summed cost
    assert k.access_cost(k.access_counts(levels).sum(axis=0, keepdims=True), p)[0, 0] == pytest.approx(cost.sum())


def test_g99_reinforcement_and_structure_apply_above_their_thresholds():
    p = central().replace(capex_per_kwp_at_4kwp=0.0 + 1e-9, access_cost_house=0.0, access_cost_block=0.0,
                          access_cost_per_extra_storey=0.0)
    sizes = np.array([[11.0], [12.0], [50.0], [60.0]])
    cost = k.pv_capex(sizes, np.ones(4), np.zeros((4, 3)), p)[:, 0]
    g99, reinf, struct = p.grid_application_cost[0], p.grid_reinforcement_per_kwp[0], p.structural_cost_large_roof[0]
    assert cost == pytest.approx([0.0, g99, g99, g99 + 10 * reinf + struct], abs=1e-3)


def test_capex_exponent_outside_zero_one_is_a_clear_error():
    p = central().replace(capex_size_exponent=1.2)
    with pytest.raises(InputError, match="capex_size_exponent"):
        k.pv_capex(np.ones((1, 1)), np.ones(1), np.zeros((1, 3)), p)


def test_annuity_and_replacement_factors_known_values():
    assert float(k.capital_recovery_factor(0.05, 20)) == pytest.approx(0.0802426, abs=1e-7)
    assert float(k.capital_recovery_factor(0.0, 20)) == pytest.approx(0.05)
    # replacements at years 12 and 24 of a 25-year life at 3.5 %
    assert float(k.replacement_present_value(100.0, 0.035, 12, 25)) == pytest.approx(100 * (1.035 ** -12 + 1.035 ** -24))
    assert float(k.life_average_output_factor(0.005, 25)) == pytest.approx(0.94)


def test_nondomestic_price_by_size_band_sums_exactly_over_classes():
    p = central()
    per_building = np.array([10_000.0, 100_000.0, 1_000_000.0])
    bands = k.nondomestic_bands(per_building, per_building)
    price = k.nondomestic_price(bands, p)[:, 0]
    base = p.nondomestic_price_per_kwh[0]
    assert price == pytest.approx([base * p.nondomestic_price_factor_micro[0], base, base * p.nondomestic_price_factor_large[0]])
    pooled = k.nondomestic_price(bands.sum(axis=0, keepdims=True), p)[0, 0]
    assert pooled * per_building.sum() == pytest.approx((price * per_building).sum())


# ------------------------------------------------------------------------------------------
# Self-consumption
# ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def curve():
    h, g = k.standard_load_profiles()
    return k.self_consumption_curve(k.clear_sky_pv_shape(51.5), h, g)


def test_hourly_simulation_by_hand():
    pv = np.array([0.0, 2.0, 2.0, 0.0])
    load = np.array([1.0, 1.0, 1.0, 1.0])
    # ratio 1 (generation = demand): two hours served directly, half of the demand
    ss = k.simulate_self_sufficiency(pv, load, ratios=[1.0], batteries=[0.0, 250.0], round_trip_efficiency=1.0)
    assert ss[0, 0] == pytest.approx(0.5)
    # a battery of 0.25 of annual demand stores the surplus of hours 1-2 (0.25) and serves hour 3 with it
    assert ss[0, 1] == pytest.approx(0.75)


def test_curve_never_exceeds_demand_or_generation_and_communal_is_flat(curve):
    for name in k.PROFILES:
        tab = curve.table[name]
        assert np.all(tab <= 1 + 1e-12) and np.all(tab <= curve.ratios[:, None] + 1e-12)
        assert np.all(np.diff(tab, axis=0) >= -1e-12) and np.all(np.diff(tab, axis=1) >= -1e-12)
    # a constant load takes at most the PV's share of hours: below the domestic evening-peak profile at small sizes
    assert curve.table["communal"][0, 0] == pytest.approx(curve.ratios[0], rel=1e-6)


def test_split_self_consumption_shares_output_and_caps_every_load(curve):
    kwh = np.array([[3000.0], [30_000.0]])
    loads = {"domestic": np.array([[3000.0], [1000.0]]), "communal": np.array([[600.0], [0.0]]),
             "non_domestic": np.array([[0.0], [500.0]])}
    for factor in (1.0, 2.5):  # even a factor above 1 cannot push use past demand or output
        use = k.split_self_consumption(curve, kwh, loads, np.array([[factor]]))
        total = sum(use.values())
        assert np.all(total <= kwh + 1e-9)
        for name, load in loads.items():
            assert np.all(use[name] <= load + 1e-9)


# ------------------------------------------------------------------------------------------
# Hand-computed cases: one roof, round numbers, every owner and route, to the penny
# ------------------------------------------------------------------------------------------

def flat_curve():
    """Self-sufficiency min(ratio, 0.3) for every load profile: a house with 3,600 kWh uses 1,080 of 3,600 kWh."""
    ratios = np.geomspace(1e-3, 100, 61)
    tab = np.minimum(ratios, 0.3)[:, None] * np.ones((1, 2))
    return k.SelfConsumptionCurve(ratios, np.array([0.0, 10.0]), {name: tab for name in k.PROFILES})


def hand_params(**changes):
    """Round numbers: retail 21 p incl. 5 % VAT (20 p excl.); non-domestic 20 p; export tied 10 p, untied 5 p,
    half of households tied (7.5 p), system value 6 p; a kWh used on site worth 9 p to the system (50 % above
    the system value), so 11 p of a kWh not bought is recovered from all bill payers (the place alone: no
    national area unless a test sets one); PV 1,000 £/kWp at
    4 kWp (£4,000) with no access, grid or structural cost; O&M 10 £/kWp; 20 years, no degradation; capital
    at 0 % except households and landlords (5 %); consent £100 per party; roof rent 5 £/kWp; landlords keep a
    quarter of their tenants' saving; PPA discounts 20 % (co-op, public) and 10 % (aggregator); on-site sale
    1 p/kWh; shared-solar kit £500 a flat; communal supply 300 kWh a flat; a rooftop lease £400 a roof;
    landlords sell to commercial tenants 10 % below their price."""
    values = {name: float(v[0]) for name, v in Params.from_assumptions(load_assumptions()).as_dict().items()}
    values.update(
        retail_price_per_kwh=0.21, vat_rate_domestic_energy=0.05, onsite_value_premium=0.5,
        national_domestic_kwh=0.0, national_nondomestic_kwh=0.0, national_households=0.0, national_mean_income=0.0,
        roof_lease_cost_per_site=400.0, ppa_discount_landlord=0.1, council_share_of_social_homes=1.0,
        inverter_replacement_floor_per_kwp=0.0, onsite_sale_cost_single_per_kwh=0.01, network_policy_per_kwh=0.11,
        council_share_of_schools=1.0,
        nondomestic_price_per_kwh=0.20, nondomestic_price_factor_micro=1.0, nondomestic_price_factor_large=1.0,
        export_price_tied_per_kwh=0.10, export_price_untied_per_kwh=0.05, export_tied_share_households=0.5,
        export_system_value_per_kwh=0.06, export_ppa_share_of_system_value=0.9,
        capex_per_kwp_at_4kwp=1000.0, capex_size_exponent=0.5, access_cost_house=0.0, access_cost_per_extra_storey=0.0,
        access_cost_block=0.0, grid_application_cost=0.0, grid_reinforcement_per_kwp=0.0, structural_cost_large_roof=0.0,
        vat_rate_installation_domestic=0.0, om_per_kwp_year=10.0, inverter_replacement_per_kwp=0.0, lifetime_years=20.0,
        degradation_per_year=0.0, discount_rate_public=0.0, discount_rate_household=0.05, discount_rate_commercial=0.0,
        discount_rate_coop=0.0, discount_rate_aggregator=0.0, consent_cost_per_party=100.0,
        consent_probability_per_party=1.0, roof_rent_per_kwp_year=5.0, self_consumption_profile_factor=1.0,
        potential_level=0.0, landlord_rent_capture_share=0.25, social_landlord_recovery_share=0.0,
        ppa_discount_coop=0.2, ppa_discount_public=0.2, ppa_discount_aggregator=0.1, onsite_sale_cost_per_kwh=0.01,
        shared_solar_cost_per_flat=500.0, communal_load_kwh_per_flat=300.0, aggregator_generation_tariff_per_kwh=0.0,
        public_network_saving_share=0.0)
    values.update(changes)
    return Params.from_values(values)


def one_roof(owner="owner_occupier", tenure=(1, 0, 0, 0), flat=False, dom=3600.0, nd=0.0, levels=2.0, kind="civic"):
    """One roof of 4 kWp making 3,600 kWh/yr; homes by tenure, their demand and non-domestic demand; a public
    body's roof is of ``kind``."""
    dw = np.array([tenure], dtype=float)
    nd_party = {"public_body": 1, "faith_community": 2}.get(owner, 0)
    units = k.Units(group=np.array([0]), n_buildings=np.ones(1), kwp=np.array([4.0]), kwp_low=np.array([4.0]),
                    kwp_high=np.array([4.0]), kwh=np.array([3600.0]), kwh_low=np.array([3600.0]),
                    kwh_high=np.array([3600.0]), demand_dom_kwh=np.array([dom]), demand_nd_kwh=np.array([nd]),
                    dwellings=dw, flat=np.array([flat]), access=k.access_counts(np.array([levels])),
                    nd_bands=k.nondomestic_bands(np.array([nd]), np.array([nd])),
                    roof_owner=np.array([k.ROOF_OWNERS.index(owner)]), nd_party=np.array([nd_party]),
                    consents=np.ones(1), income_ratio=np.ones(1),
                    public_kind=np.array([k.PUBLIC_KINDS.index(kind) if owner == "public_body" else 0]))
    slots = units.slot_weights() * dw.sum()
    groups = k.Groups(ids=np.array(["a"]), households=slots, income_mean=np.array([40_000.0]),
                      demand_dom_kwh=units.slot_weights() * dom, demand_nd_kwh=np.array([[nd * (nd_party == 0),
                                                                                         nd * (nd_party == 1),
                                                                                         nd * (nd_party == 2)]]),
                      decile=np.array([1]))
    return units, groups


def run_one(model, owner="owner_occupier", share=np.ones(1), neighbours=0, params=None, **roof):
    units, groups = one_roof(owner, **roof)
    groups.households[0, 0] += neighbours  # households of the area under other roofs (no demand here)
    p = params or hand_params()
    gen = k.generation(units, groups, p, flat_curve(), model, share=share)
    ledger = gen.ledger.merge(k.network_and_supply(gen, groups, p))
    flows = {}
    for (party, comp), arr in ledger.entries.items():
        if abs(arr.sum()) > 1e-9:
            flows[(party, comp)] = round(float(arr.sum()), 2)
    return flows, round(float(ledger.real_value.sum()), 2), ledger, gen


CRF5 = 0.05 / (1 - 1.05 ** -20)  # £4,000 at 5 % over 20 years: £320.97 a year
# Shared by the houses below: 1,080 kWh used on site, 2,520 exported. Recovered r0 = 20 − 9 = 11 p/kWh; the
# lone household (the place is the whole area) pays all of R = £396 on 2,520 kWh bought: £118.80 more than
# r0 × 2,520, +5 % VAT = £124.74.


def test_owner_occupier_house_behind_the_meter_by_hand():
    flows, real, _, _ = run_one("market")
    assert flows[("households", "bill_savings")] == 226.80  # 1,080 kWh × 21 p
    assert flows[("households", "owner_income")] == round(0.075 * 2520 - 40 - 4000 * CRF5, 2)  # −171.97
    assert flows[("capital_providers", "interest_above_public_rate")] == round(4000 * CRF5 - 200, 2)  # 120.97
    assert flows[("suppliers", "export_spread")] == -37.80  # pays 7.5 p for power worth 6 p
    assert flows[("treasury", "vat_on_bills")] == round(-10.80 + 5.94, 2)
    assert flows[("households", "network_charges")] == -124.74
    assert real == 8.40  # 9 p × 1,080 + 6 p × 2,520 − 40 − 4,000/20
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_private_landlord_house_split_incentive_by_hand():
    flows, real, _, gen = run_one("market", "private_landlord", tenure=(0, 0, 1, 0))
    assert flows[("households", "bill_savings")] == 170.10  # the tenant keeps three quarters of 226.80
    # the landlord: a quarter of the saving in rent, untied export 5 p, less O&M and capital at 5 %
    assert flows[("private_landlords", "owner_income")] == round(56.70 + 126 - 40 - 4000 * CRF5, 2)
    assert flows[("suppliers", "export_spread")] == 25.20  # buys at 5 p, worth 6 p
    assert real == 8.40 and sum(flows.values()) == pytest.approx(real, abs=0.011)
    # on the equal roof set the landlord would lose: a visible grant from the Treasury makes it whole
    grant = -(56.70 + 126 - 40 - 4000 * CRF5)
    assert flows[("treasury", "top_up_grant")] == round(-grant, 2)
    assert flows[("private_landlords", "top_up_grant")] == round(grant, 2)
    assert gen.investor_net[0, 0] == pytest.approx(0.0, abs=1e-9)


def test_landlord_does_not_invest_at_a_loss_at_its_own_scale():
    _, _, _, gen = run_one("market", "private_landlord", share=None, tenure=(0, 0, 1, 0))
    assert gen.share[0, 0] == 0.0  # its own money never repays the panels: it does not install


def freeholder_block():
    """A block of 4 flats (2 owner-occupied, 2 privately rented) using 3,600 kWh, communal supply 1,200 kWh."""
    return {"tenure": (2, 0, 2, 0), "flat": True, "dom": 3600.0}


def test_flats_reach_only_the_communal_supply_without_kit_by_hand():
    """Direct route: the array feeds the 1,200 kWh communal supply (uses 360, ratio 3); the kit route would reach
    the flats too (1,080 + 360 kWh) but costs £2,000 and the leaseholders lose more with it."""
    flows, real, _, gen = run_one("market", "private_freeholder", **freeholder_block())
    assert not gen.kit[0, 0]
    service = round(0.05 * 3240 - 40 - 4000 * CRF5 + 0.21 * 360, 2)  # −123.37: charged through the service charge
    leaseholders = flows[("households", "service_charges")] + flows[("private_landlords", "service_charges")]
    assert leaseholders == pytest.approx(service, abs=0.011)
    assert flows[("households", "service_charges")] == pytest.approx(service / 2, abs=0.011)  # the 2 owner-occupied flats
    assert ("households", "bill_savings") not in flows  # no flat's meter is reached
    assert gen.behind_meter_dom.sum() == pytest.approx(360.0)  # only the communal supply: never the flats' demand
    assert real == round(0.09 * 360 + 0.06 * 3240 - 40 - 200, 2)  # −13.20
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_shared_solar_kit_is_costed_and_reaches_the_flats():
    """A social landlord weighs its tenants' savings: with kit (£2,000) its tenants save 1,080 kWh × 21 p."""
    flows, real, _, gen = run_one("market", "social_landlord", tenure=(0, 4, 0, 0), flat=True, dom=3600.0)
    assert gen.kit[0, 0]
    assert flows[("households", "bill_savings")] == 226.80
    assert flows[("households", "communal_savings")] == round(0.21 * 360, 2)  # recharged to tenants, so saved by them
    # the rent account: untied export on 2,160 kWh, O&M, £6,000 (panels + kit) at the public rate (0 %)
    assert flows[("housing_revenue_account", "owner_income")] == round(0.05 * 2160 - 40 - 6000 / 20, 2)
    assert real == round(0.09 * 1440 + 0.06 * 2160 - 40 - 300, 2)
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_coop_on_a_house_by_hand():
    flows, real, _, _ = run_one("coop")
    assert flows[("households", "ppa_savings")] == 45.36  # 20 % of 21 p × 1,080 kWh
    assert flows[("households", "roof_rent")] == 20.00
    # surplus to the community fund: 80 % × 20 p × 1,080 + 5 p × 2,520 − 1 p × 1,080 − 40
    # − (4,000 + consent 100 + lease 400)/20 − 20
    assert flows[("households", "community_fund")] == 3.00
    assert flows[("treasury", "vat_on_bills")] == round(-2.16 + 5.94, 2)  # VAT lost on 20 % of the sale, gained on the shift
    assert real == -27.40 and sum(flows.values()) == pytest.approx(real, abs=0.011)  # 97.20 + 151.20 − 40 − 225 − 10.80


def test_public_company_on_a_council_roof_pays_its_sale_costs_by_hand():
    flows, real, _, _ = run_one("public", "public_body", neighbours=10, tenure=(0, 0, 0, 0), dom=0.0, nd=3600.0)
    assert flows[("public_bodies", "ppa_savings")] == 43.20  # 20 % of 20 p × 1,080 kWh
    assert ("households", "roof_rent") not in flows and ("public_bodies", "roof_rent") not in flows  # its own roof
    assert flows[("households", "public_return")] == 48.00  # 298.80 − 10.80 − 40 − 200: no lease, no consent
    assert flows[("public_bodies", "network_charges")] == -118.80  # the business cost shift, r0 = 20 − 9 = 11 p
    assert real == -2.40 and sum(flows.values()) == pytest.approx(real, abs=0.011)  # 97.20 + 151.20 − 240 − 10.80


def test_public_company_pays_rent_and_a_lease_on_a_roof_the_council_does_not_control():
    flows, _, _, _ = run_one("public", "public_body", neighbours=10, kind="university", tenure=(0, 0, 0, 0), dom=0.0,
                             nd=3600.0)
    assert flows[("public_bodies", "roof_rent")] == 20.00
    assert flows[("households", "public_return")] == round(298.80 - 10.80 - 40 - 225 - 20, 2)  # 3.00


def test_aggregator_on_a_business_roof_by_hand():
    flows, real, _, gen = run_one("aggregator", "commercial", tenure=(0, 0, 0, 0), dom=0.0, nd=3600.0)
    assert flows[("businesses", "ppa_savings")] == 21.60  # 10 % of 20 p × 1,080
    assert flows[("businesses", "roof_rent")] == 20.00
    # 90 % × 20 p × 1,080 + 5 p × 2,520 − 10.80 − 40 − (4,000 + 100 + 400)/20 − 20
    assert flows[("aggregator", "profit")] == 24.60
    assert real == -27.40 and sum(flows.values()) == pytest.approx(real, abs=0.011)
    assert gen.investor_party[0] == "aggregator"


def test_market_batteries_by_hand():
    """Owner-occupier at median income: 40 % add a battery (£1,000, 10 years) lifting self-sufficiency to 0.5."""
    units, groups = one_roof()
    ratios = np.geomspace(1e-3, 100, 61)
    tab = np.stack([np.minimum(ratios, 0.3), np.minimum(ratios, 0.5)], axis=1)
    curve = k.SelfConsumptionCurve(ratios, np.array([0.0, 1.0]), {name: tab for name in k.PROFILES})
    p = hand_params(discount_rate_household=0.0, battery_kwh=3.6, battery_capex=1000.0, battery_lifetime_years=10.0,
                    battery_adoption_owner_occupier_adopters=0.4, battery_income_elasticity=1.0)
    gen = k.generation(units, groups, p, curve, "market_batteries", share=np.ones(1))
    ledger = gen.ledger.merge(k.network_and_supply(gen, groups, p))
    flows = {key: round(float(v.sum()), 2) for key, v in ledger.entries.items() if abs(v.sum()) > 1e-9}
    # on site 1,080 + 0.4 × (1,800 − 1,080) = 1,368 kWh; exported 2,232
    assert flows[("households", "bill_savings")] == 287.28
    assert flows[("households", "owner_income")] == round(0.075 * 2232 - 40 - 4000 / 20 - 400 / 10, 2)
    real = round(float(ledger.real_value.sum()), 2)
    assert real == round(0.09 * 1368 + 0.06 * 2232 - 40 - 200 - 40, 2)
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_costs_not_saved_are_shared_with_bill_payers_elsewhere_by_hand():
    """A national area of 36,000 kWh (ten times the place): R = 11 p × 36,000 is recovered from 36,000 − 1,080
    kWh bought; the place's household pays 11 p × 2,520 × 1,080 / 34,920 more, bill payers elsewhere
    11 p × 32,400 × 1,080 / 34,920; together 11 p × 1,080, the costs the place's on-site use no longer pays."""
    p = hand_params(national_domestic_kwh=36_000.0, national_households=10.0)
    flows, real, _, _ = run_one("market", params=p)
    place = 0.11 * 2520 * 1080 / 34_920
    elsewhere = 0.11 * 32_400 * 1080 / 34_920
    assert flows[("households", "network_charges")] == round(-1.05 * place, 2)
    assert flows[("bill_payers_elsewhere", "network_charges")] == round(-1.05 * elsewhere, 2)
    assert place + elsewhere == pytest.approx(0.11 * 1080)
    assert real == 8.40 and sum(flows.values()) == pytest.approx(real, abs=0.011)
    # a flat charge per household across the area: the place's one household of ten pays a tenth of R
    fixed_units, fixed_groups = one_roof()
    gen = k.generation(fixed_units, fixed_groups, p, flat_curve(), "market", share=np.ones(1))
    layer = k.network_and_supply(gen, fixed_groups, p, recovery="fixed")
    assert layer.extras["domestic_charges"].sum() == pytest.approx(1.05 * 0.11 * 36_000 / 10)
    # only network and policy costs (here 5 p of the 11 p) move with the rule; the rest stays per kWh
    p5 = hand_params(national_domestic_kwh=36_000.0, national_households=10.0, network_policy_per_kwh=0.05)
    layer = k.network_and_supply(gen, fixed_groups, p5, recovery="fixed")
    assert layer.extras["domestic_charges"].sum() == pytest.approx(
        1.05 * (0.05 * 36_000 / 10 + 0.06 * 36_000 * 2520 / 34_920))
    # the rule's effect on today's bills alone: a tenth of the area's 5 p × 36,000 against 5 p × 3,600 used here
    assert layer.extras["recovery_reform"].sum() == pytest.approx(-1.05 * (0.05 * 36_000 / 10 - 0.05 * 3600))


def test_landlord_sells_to_its_commercial_tenant_by_hand():
    """A shop let by a private landlord: the landlord sells 1,080 kWh at 90 % of 20 p less 1 p billing (17 p);
    the shop saves 10 % of 20 p."""
    flows, real, _, _ = run_one("market", "private_landlord", tenure=(0, 0, 0, 0), dom=0.0, nd=3600.0)
    assert flows[("businesses", "bill_savings")] == 21.60
    assert flows[("private_landlords", "owner_income")] == round(0.17 * 1080 + 0.05 * 2520 - 40 - 4000 * CRF5, 2)
    assert real == round(0.09 * 1080 + 0.06 * 2520 - 40 - 200 - 10.80, 2)  # −2.40
    assert sum(flows.values()) == pytest.approx(real, abs=0.011)


def test_each_owner_decides_by_its_own_rule():
    """Owner-occupiers and landlords by payback; social landlords and public bodies by programme shares wherever
    panels pay; museums and stations rarely; the break-even market wherever the owner's money is not negative."""
    p = hand_params(adoption_social_landlord=0.05, adoption_public_programme=0.1, adoption_public_heritage_transport=0.02)
    owners = ["owner_occupier", "social_landlord", "public_body", "public_body", "commercial"]
    kinds = ["other", "other", "school", "culture", "other"]
    units = k.Units(group=np.zeros(5, dtype=int), n_buildings=np.ones(5), kwp=np.ones(5), kwp_low=np.ones(5),
                    kwp_high=np.ones(5), kwh=np.ones(5), kwh_low=np.ones(5), kwh_high=np.ones(5),
                    demand_dom_kwh=np.ones(5), demand_nd_kwh=np.zeros(5), dwellings=np.zeros((5, 4)),
                    flat=np.zeros(5, dtype=bool), access=np.zeros((5, 3)), nd_bands=np.zeros((5, 3)),
                    roof_owner=np.array([k.ROOF_OWNERS.index(o) for o in owners]), nd_party=np.zeros(5, dtype=int),
                    consents=np.ones(5), income_ratio=np.ones(5),
                    public_kind=np.array([k.PUBLIC_KINDS.index(x) for x in kinds]))
    share = k.market_uptake(units, p, np.full((5, 1), 8.0))[:, 0]
    assert share[0] == pytest.approx(np.exp(-8 * p.adoption_payback_decay_per_year[0]))
    assert share[1:4] == pytest.approx([0.05, 0.1, 0.02])  # programmes: not by payback
    assert share[4] == pytest.approx(p.adoption_commercial[0] * np.exp(-8 * p.adoption_payback_decay_business[0]))
    assert np.all(k.market_uptake(units, p, np.full((5, 1), np.inf)) == 0)
    _, _, _, gen = run_one("market_breakeven", "social_landlord", share=None, tenure=(0, 1, 0, 0))
    assert gen.share[0, 0] in (0.0, 1.0)  # all or nothing: every owner acting on the money alone


def test_progressive_return_by_hand():
    """Two households, incomes £20k and £40k: a surplus is shared 2/3 : 1/3, a loss 1/3 : 2/3."""
    groups = k.Groups(ids=np.array(["poor", "rich"]), households=np.array([[1.0] + [0] * 7, [1.0] + [0] * 7]),
                      income_mean=np.array([20_000.0, 40_000.0]), demand_dom_kwh=np.zeros((2, 8)),
                      demand_nd_kwh=np.zeros((2, 3)), decile=np.array([1, 10]))
    w = k.return_weights(groups, "progressive", np.array([30.0, -30.0]))
    assert w[:, 0, 0] * 30 == pytest.approx([20.0, 10.0])
    assert w[:, 0, 1] * -30 == pytest.approx([-10.0, -20.0])


def test_community_fund_rule_by_hand():
    """Targeting 0.5: half of the fund to the poorest three tenths (equally among them), half to everyone."""
    groups = k.Groups(ids=np.array(["a", "b"]), households=np.array([[1.0] + [0] * 7, [3.0] + [0] * 7]),
                      income_mean=np.array([20_000.0, 60_000.0]), demand_dom_kwh=np.zeros((2, 8)),
                      demand_nd_kwh=np.zeros((2, 3)), decile=np.array([2, 9]))
    w = k.fund_weights(groups, hand_params(community_fund_targeting=0.5))
    assert w[:, 0, 0] == pytest.approx([0.5 * 1 + 0.5 * 0.25, 0.5 * 0.75])


def test_every_party_lands_on_households_public_or_outside():
    assert {p.lands_on for p in PARTIES.values()} == {"households", "public", "outside"}
    for name in ("treasury", "housing_revenue_account", "public_bodies"):
        assert PARTIES[name].lands_on == "public"
    for name in ("private_landlords", "businesses", "aggregator", "capital_providers", "suppliers", "network_owners",
                 "bill_payers_elsewhere"):
        assert PARTIES[name].lands_on == "outside"


def test_draws_are_seeded_latin_hypercube_within_ranges():
    a = load_assumptions()
    p1, table = draws.draw_params(a, 50, seed=3)
    p2, _ = draws.draw_params(a, 50, seed=3)
    assert np.array_equal(p1.retail_price_per_kwh, p2.retail_price_per_kwh)
    for name, group in Params.groups().items():
        e = a.groups[group][name]
        values = getattr(p1, name)
        assert np.all(values >= float(e["low"]) - 1e-12) and np.all(values <= float(e["high"]) + 1e-12), name
    drawn = table["name"].unique()
    assert "retail_price_per_kwh" in drawn and "battery_kwh" not in drawn  # fixed entries are not drawn
    strata = np.floor((p1.lifetime_years - 20) / 10 * 50)  # triangular, but each stratum of u holds one draw
    assert len(p1.lifetime_years) == 50 and len(np.unique(strata)) > 25


def test_charges_by_income_without_any_income_count_households_at_the_national_mean():
    """A place without incomes once paid nothing under a charge shared by income (its income counted as 0:
    a windfall of the whole rule). Now its households count at the national mean income, so the charge
    by income equals the flat charge per household."""
    import dataclasses

    p = hand_params(national_domestic_kwh=36_000.0, national_households=10.0, network_policy_per_kwh=0.05,
                    national_mean_income=40_000.0)
    units, groups = one_roof()
    groups = dataclasses.replace(groups, income_mean=np.full_like(np.asarray(groups.income_mean, dtype=float), np.nan))
    gen = k.generation(units, groups, p, flat_curve(), "market", share=np.ones(1))
    by_income = k.network_and_supply(gen, groups, p, recovery="progressive")
    flat = k.network_and_supply(gen, groups, p, recovery="fixed")
    assert by_income.extras["domestic_charges"].sum() == pytest.approx(flat.extras["domestic_charges"].sum())
    assert by_income.extras["recovery_reform"].sum() == pytest.approx(-1.05 * (0.05 * 36_000 / 10 - 0.05 * 3600))
