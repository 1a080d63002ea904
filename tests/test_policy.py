"""Policy matrix: accounting identities, cost shift, and the direction of known effects."""

import numpy as np
import pandas as pd
import pytest

from analysis import policy, store
from analysis.config import load_assumptions


@pytest.fixture(scope="module")
def small():
    """Two equal areas, one rich and one poor, each with one owner-occupied house roof."""
    econ = pd.DataFrame({"area_code": [0, 1], "owner_type": ["owner_occupier"] * 2, "kwp": [4.0, 4.0],
                         "kwh": [3600.0, 3600.0]})
    areas = pd.DataFrame({"area_id": ["rich", "poor"], "households": [100.0, 100.0],
                          "income_mean_gbp": [90_000.0, 20_000.0], "elec_kwh": [350_000.0, 350_000.0]})
    a = load_assumptions()
    # Cheaper capital and a FiT-era tariff, so that every model installs something in this small case.
    p = dict(a.level("economics"), capex_gbp_per_kwp_small=1000.0)
    q = dict(a.level("policy"), aggregator_generation_tariff_gbp_per_kwh=0.10)
    return econ, areas, p, q


def test_investors_only_install_where_it_pays():
    econ = pd.DataFrame({"area_code": [0, 0], "owner_type": ["owner_occupier", "private_landlord"], "kwp": [4.0, 4.0],
                         "kwh": [3600.0, 3600.0]})
    areas = pd.DataFrame({"area_id": ["a"], "households": [2.0], "income_mean_gbp": [40_000.0], "elec_kwh": [7000.0]})
    a = load_assumptions()
    p = dict(a.level("economics"), capex_gbp_per_kwp_small=1000.0)
    q = a.level("policy")
    market = policy.run_cell(econ, areas, p, q, 0.35, "private", "volumetric", "market")
    # The owner-occupier invests (keeps bill savings); the landlord, with export income only, does not.
    assert market["installed_kwp"] == pytest.approx(4.0 * p["adoption_owner_occupier_at_median_income"] * 1.0)
    none = policy.run_cell(econ, areas, p, dict(q, aggregator_generation_tariff_gbp_per_kwh=0.0), 0.35, "private",
                           "volumetric", "aggregator")
    assert none["installed_kwp"] == 0.0  # without a feed-in tariff, rent-a-roof does not pay at 8 % (2024 prices)


@pytest.mark.parametrize("network", policy.NETWORKS)
@pytest.mark.parametrize("recovery", policy.RECOVERIES)
@pytest.mark.parametrize("generation", policy.GENERATIONS)
def test_every_pound_lands_with_one_party(small, network, recovery, generation):
    econ, areas, p, q = small
    res = policy.run_cell(econ, areas, p, q, 0.35, network, recovery, generation, supply="public")
    assert sum(res["parties"].values()) == pytest.approx(res["real_value"], abs=1e-6)
    # Network costs are recovered in full under every rule (less the public saving).
    r0 = p["network_policy_share_of_unit_price"] * p["retail_price_gbp_per_kwh"]
    expected = r0 * 700_000.0 * (1 - (q["public_network_saving_share"] if network == "public" else 0.0))
    assert res["area"]["network_charges"].sum() == pytest.approx(expected)


def test_cost_shift_equals_avoided_charges(small):
    econ, areas, p, q = small
    for generation in ("market", "market_batteries", "aggregator", "coop"):
        res = policy.run_cell(econ, areas, p, q, 0.35, "private", "volumetric", generation)
        assert res["cost_shift"] > 0
        assert res["cost_shift"] == pytest.approx(res["avoided_charges"], rel=1e-9)
    municipal = policy.run_cell(econ, areas, p, q, 0.35, "private", "volumetric", "municipal")
    assert municipal["cost_shift"] == 0.0  # sold through the meter at the full price


def test_volumetric_owner_adoption_is_regressive_and_fixed_recovery_removes_the_shift(small):
    econ, areas, p, q = small
    vol = policy.run_cell(econ, areas, p, q, 0.35, "private", "volumetric", "market")["area"].set_index(areas["area_id"])
    # The rich area adopts more (income elasticity), the poor area pays part of the shift.
    assert vol.loc["poor", "cost_shift_per_household"] > 0
    assert vol.loc["rich", "net_per_household"] - vol.loc["poor", "net_per_household"] > 0
    fixed = policy.run_cell(econ, areas, p, q, 0.35, "private", "fixed", "market")["area"]
    assert np.allclose(fixed["cost_shift"], 0)


def test_batteries_raise_the_shift_and_public_networks_lower_charges(small):
    econ, areas, p, q = small
    plain = policy.run_cell(econ, areas, p, q, 0.35, "private", "volumetric", "market")
    batt = policy.run_cell(econ, areas, p, q, 0.35, "private", "volumetric", "market_batteries")
    assert batt["cost_shift"] > plain["cost_shift"]
    public = policy.run_cell(econ, areas, p, q, 0.35, "public", "volumetric", "market")
    assert public["area"]["network_charges"].sum() < plain["area"]["network_charges"].sum()


def test_progressive_recovery_charges_follow_income(small):
    econ, areas, p, q = small
    res = policy.run_cell(econ, areas, p, q, 0.35, "private", "progressive", "municipal")["area"]
    ratio = res["network_charges_per_household"].iloc[0] / res["network_charges_per_household"].iloc[1]
    assert ratio == pytest.approx(90_000 / 20_000)


def test_policy_tables_in_the_store(camden_store):
    con = store.connect(camden_store, read_only=True)
    cells = con.execute("SELECT * FROM policy_cells").df()
    framings = con.execute("SELECT framing FROM policy_framings").df()["framing"].tolist()
    parties = con.execute("SELECT cell, sum(gbp_per_year) s FROM policy_parties GROUP BY 1").df().set_index("cell")["s"]
    sens = con.execute("SELECT count(*) FROM policy_sensitivity").fetchone()[0]
    con.close()
    assert len(cells) == 30 and set(framings) == set(policy.FRAMINGS)
    for row in cells.itertuples():
        assert parties[row.cell] == pytest.approx(row.real_value_gbp, rel=1e-9, abs=1e-6)
    assert sens == 9 * 3 * len(policy.FRAMINGS)
