"""The policy matrix: who owns the networks, how their costs are recovered, who owns rooftop generation.

Each cell of the matrix is a named scenario ``<network>/<recovery>/<generation>``:

* **network** — ``private`` (regulated, investor-owned) or ``public`` (saves
  ``public_network_saving_share`` of network costs through cheaper capital and no dividends; the
  saving lowers everyone's network charges);
* **recovery** of network and policy costs — ``volumetric`` (per kWh taken from the grid),
  ``fixed`` (the same per household) or ``progressive`` (in proportion to household income);
* **generation** on the roofs — ``market`` (households and landlords adopt by income and
  tenure), ``market_batteries`` (the same, with home batteries among adopters), ``aggregator``
  (a company installs free on roofs it leases, keeps the export income, the household gets the
  power it uses — the UK feed-in-tariff-era "rent-a-roof" model), ``coop`` (community
  co-operative) or ``municipal`` (a public owner on every suitable roof, pooling the surplus).

Named framings from the UK debate pick cells: *Liberalised* = private / volumetric / market with
batteries; *Bringing Energy Home* = public networks, generation and supply private;
*Green New Deal* = public networks and supply, municipal generation, progressive recovery.

Accounting (tested): the total of network and policy costs ``R`` is what the networks cost
(less the public saving); it is recovered in full under every rule. Power used behind the meter
shrinks the volumetric base, so the unit rate rises from R/E to R/(E − S): the **cost shift**
(r1 − r0)·E equals the charges avoided by self-consumers, r1·S. Generation money flows add up to
the real value created, as in :mod:`analysis.ownership`.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from analysis import inequality
from analysis.ownership import capital_recovery_factor, market_adoption_share, system_capex

NETWORKS = ("private", "public")
RECOVERIES = ("volumetric", "fixed", "progressive")
GENERATIONS = ("market", "market_batteries", "aggregator", "coop", "municipal")
FRAMINGS = {
    "Liberalised market": dict(network="private", recovery="volumetric", generation="market_batteries", supply="private"),
    "Bringing Energy Home": dict(network="public", recovery="volumetric", generation="market_batteries", supply="private"),
    "Community energy": dict(network="public", recovery="volumetric", generation="coop", supply="private"),
    "Green New Deal": dict(network="public", recovery="progressive", generation="municipal", supply="public"),
}
COOP_OCCUPANT_DISCOUNT = 0.20
PARTIES = ["resident_households", "private_landlords", "social_landlords", "companies", "aggregator_shareholders",
           "coop_members", "community_fund", "public_budget", "finance", "bill_payers"]


def generation_flows(econ: pd.DataFrame, areas: pd.DataFrame, p: dict, q: dict, self_consumption: float,
                     generation: str) -> dict:
    """Money and energy of one generation model, by area and by party [£/yr, kWh/yr].

    Parameters
    ----------
    econ : pandas.DataFrame
        Per building ``area_code`` (row in ``areas``), ``owner_type``, ``kwp``, ``kwh``.
    areas : pandas.DataFrame
        ``households``, ``income_mean_gbp`` (row order = ``area_code``).
    p, q : dict
        ``economics`` and ``policy`` assumptions at one level.
    self_consumption : float
        On-site share of generation without a battery [-].
    generation : str
        One of :data:`GENERATIONS`.

    Returns
    -------
    dict
        ``resident`` (DataFrame per area of £/yr components), ``behind_meter_kwh`` (per area,
        the self-consumption that erodes the volumetric base), ``parties`` (dict £/yr),
        ``real_value`` (£/yr) and ``installed_kwp``.
    """
    n = len(areas)
    codes = econ["area_code"].to_numpy()
    owner = econ["owner_type"].to_numpy(dtype=object)
    kwh, kwp = econ["kwh"].to_numpy(dtype=float), econ["kwp"].to_numpy(dtype=float)
    households = areas["households"].fillna(0).clip(lower=0).to_numpy(dtype=float)
    income = areas["income_mean_gbp"].to_numpy(dtype=float)
    median = inequality.weighted_median(income, households)
    b_income = np.nan_to_num(income, nan=median)[codes]
    retail, export, life = p["retail_price_gbp_per_kwh"], p["export_tariff_gbp_per_kwh"], p["lifetime_years"]
    ns = p["network_policy_share_of_unit_price"]
    capex = system_capex(kwp, p)
    by_area = lambda v: np.bincount(codes, weights=v, minlength=n)  # noqa: E731
    oo, pl, sl = owner == "owner_occupier", owner == "private_landlord", owner == "social_landlord"
    other = ~(oo | pl | sl)
    income_factor = (b_income / median)

    sc = np.full(len(econ), self_consumption)
    battery_capex = np.zeros(len(econ))
    if generation in ("market", "market_batteries"):
        # PV only where it pays the owner (see ownership.market_adoption_share). Batteries are not
        # gated: households buy them for more than PV self-consumption (tariff arbitrage, backup),
        # which the model does not value.
        share = market_adoption_share(owner, kwh, capex, income_factor, p, self_consumption)
        rate = p["discount_rate_market"]
        if generation == "market_batteries":
            batt = np.where(oo, np.clip(q["battery_adoption_owner_occupier_adopters"]
                                        * income_factor ** q["battery_income_elasticity"], 0, 1), 0.0)
            sc = self_consumption + batt * (q["self_consumption_with_battery"] - self_consumption)
            battery_capex = share * batt * q["battery_capex_gbp"]
    elif generation == "aggregator":
        rate = q["aggregator_discount_rate"]
        # The aggregator keeps export income and any generation tariff; it installs only where that pays.
        tariff = q["aggregator_generation_tariff_gbp_per_kwh"]
        profit = kwh * (1 - self_consumption) * export + kwh * tariff - capex * capital_recovery_factor(rate, life)
        share = (profit > 0) * np.where(oo, q["aggregator_uptake_owner_occupier"], q["aggregator_uptake_landlords"])
    elif generation == "coop":
        share = np.where(sl | np.isin(owner, ["public_body", "community"]), 1.0, p["coop_share_of_other_roofs"])
        rate = p["coop_dividend_rate"]
    elif generation == "municipal":
        share = np.ones(len(econ))
        rate = p["discount_rate_public"]
    else:
        raise ValueError(f"unknown generation model {generation!r}")

    blife = q["battery_lifetime_years"]
    self_kwh = share * kwh * sc
    export_kwh = share * kwh - self_kwh
    annuity = share * capex * capital_recovery_factor(rate, life) + battery_capex * capital_recovery_factor(rate, blife)
    straight = share * capex / life + battery_capex / blife  # capital used up per year
    interest = annuity - straight
    # Real value: energy at its resource value (retail less network/policy part, export tariff) less capital used up.
    real_value = float(np.sum(self_kwh * retail * (1 - ns) + export_kwh * export - straight))

    resident = pd.DataFrame(0.0, index=areas.index, columns=["bill_savings", "owner_income", "pooled_return",
                                                             "member_interest", "community_fund", "tariff_levy"])
    parties = dict.fromkeys(PARTIES, 0.0)
    behind_meter = by_area(self_kwh)
    gross_savings = self_kwh * retail  # retail value of power not bought (includes the network part)
    if generation in ("market", "market_batteries"):
        resident["bill_savings"] = by_area(gross_savings)
        owner_net = export_kwh * export - annuity
        resident["owner_income"] = by_area(np.where(oo, owner_net, 0.0))
        parties["private_landlords"] = float(np.sum(np.where(pl, owner_net, 0.0)))
        parties["social_landlords"] = float(np.sum(np.where(sl, owner_net, 0.0)))
        parties["companies"] = float(np.sum(np.where(other, owner_net, 0.0)))
        parties["finance"] = float(np.sum(interest))
    elif generation == "aggregator":
        resident["bill_savings"] = by_area(gross_savings)  # the household's "free daytime power"
        tariff_income = share * kwh * q["aggregator_generation_tariff_gbp_per_kwh"]
        parties["aggregator_shareholders"] = float(np.sum(export_kwh * export + tariff_income - straight))
        demand = area_demand(areas)  # a feed-in tariff is levied on every household's electricity use
        resident["tariff_levy"] = -float(np.sum(tariff_income)) * demand / demand.sum()
    elif generation == "coop":
        resident["bill_savings"] = by_area(gross_savings * COOP_OCCUPANT_DISCOUNT)
        revenue = gross_savings * (1 - COOP_OCCUPANT_DISCOUNT) + export_kwh * export
        fund = float(np.sum(revenue - annuity))
        host = by_area(share * kwh)
        resident["community_fund"] = fund * host / host.sum() if host.sum() > 0 else 0.0
        members = households * p["coop_membership_at_median_income"] * (
            np.nan_to_num(income, nan=median) / median) ** p["coop_membership_income_skew"]
        resident["member_interest"] = float(np.sum(interest)) * members / members.sum()  # members live here
    else:  # municipal: sells on-site power at retail and pays network charges, so no base erosion
        behind_meter = np.zeros(n)
        pool = float(np.sum(gross_savings * (1 - ns) + export_kwh * export - annuity))
        resident["pooled_return"] = pool * households / households.sum()
        parties["finance"] = float(np.sum(interest))
    return {"resident": resident, "behind_meter_kwh": behind_meter, "parties": parties, "real_value": real_value,
            "installed_kwp": float(np.sum(share * kwp)), "installed_kwh": float(np.sum(share * kwh))}


def network_charges(areas: pd.DataFrame, total_cost_gbp: float, behind_meter_kwh: np.ndarray, recovery: str) -> dict:
    """Network and policy charges per area under a recovery rule [£/yr].

    Parameters
    ----------
    areas : pandas.DataFrame
        ``households``, ``income_mean_gbp``, ``elec_kwh`` (domestic demand) per area.
    total_cost_gbp : float
        Network and policy costs to recover [£/yr].
    behind_meter_kwh : numpy.ndarray
        Self-consumed kWh per area (not bought from the grid) [kWh/yr].
    recovery : str
        ``volumetric``, ``fixed`` or ``progressive``.

    Returns
    -------
    dict
        ``charges`` per area [£/yr]; for volumetric also ``unit_rate`` [£/kWh] on grid purchases.
    """
    households = areas["households"].fillna(0).clip(lower=0).to_numpy(dtype=float)
    demand = area_demand(areas)
    if recovery == "volumetric":
        grid = np.clip(demand - behind_meter_kwh, 0, None)
        rate = total_cost_gbp / grid.sum()
        return {"charges": rate * grid, "unit_rate": rate}
    if recovery == "fixed":
        charges = total_cost_gbp * households / households.sum()
    elif recovery == "progressive":
        income = areas["income_mean_gbp"].fillna(areas["income_mean_gbp"].median()).to_numpy(dtype=float)
        charges = total_cost_gbp * households * income / np.sum(households * income)
    else:
        raise ValueError(f"unknown recovery rule {recovery!r}")
    return {"charges": charges, "unit_rate": np.nan}


def area_demand(areas: pd.DataFrame) -> np.ndarray:
    """Domestic electricity demand per area [kWh/yr] (observed; 3,000 kWh per household if absent)."""
    households = areas["households"].fillna(0).clip(lower=0).to_numpy(dtype=float)
    demand = areas["elec_kwh"].fillna(0).to_numpy(dtype=float) if "elec_kwh" in areas else np.zeros(len(areas))
    return demand if demand.sum() > 0 else households * 3000.0


def run_cell(econ, areas, p, q, self_consumption, network, recovery, generation, supply="private") -> dict:
    """One matrix cell: per-area change in £/yr against today (private network, volumetric, no rooftop PV).

    Returns
    -------
    dict
        ``area`` (DataFrame), ``parties`` (£/yr, summing to ``real_value``), ``cost_shift`` (£/yr
        moved onto grid purchases by behind-the-meter use), ``avoided_charges`` (£/yr), ...
    """
    households = areas["households"].fillna(0).clip(lower=0).to_numpy(dtype=float)
    demand = area_demand(areas)
    gen = generation_flows(econ, areas, p, q, self_consumption, generation)
    r0 = p["network_policy_share_of_unit_price"] * p["retail_price_gbp_per_kwh"]  # today's unit rate [£/kWh]
    cost_today = r0 * demand.sum()
    saving = q["public_network_saving_share"] * cost_today if network == "public" else 0.0
    charges = network_charges(areas, cost_today - saving, gen["behind_meter_kwh"], recovery)
    resident = gen["resident"].copy()
    # Bill savings are valued at the full retail price; its network part is not saved by households
    # as a whole, so take it out and put the actual change in network charges back (no double count).
    resident["network_part_of_savings"] = -gen["behind_meter_kwh"] * r0
    resident["network_charges_change"] = -(charges["charges"] - r0 * demand)
    supply_return = 0.0
    if supply == "public":
        supply_return = q["public_supply_margin_share"] * q["domestic_bill_gbp_per_household"] * households.sum()
        resident["supply_return"] = supply_return * households / households.sum()
    resident["net"] = resident.sum(axis=1)
    if recovery == "volumetric":
        grid = np.clip(demand - gen["behind_meter_kwh"], 0, None)
        shift_by_area = (charges["unit_rate"] - r0 * (1 - saving / cost_today)) * grid
    else:
        shift_by_area = np.zeros(len(areas))
    avoided = r0 * (1 - saving / cost_today) * gen["behind_meter_kwh"].sum()
    div = lambda x: np.divide(x, households, out=np.zeros(len(areas)), where=households > 0)  # noqa: E731
    out = resident.assign(households=households, income_mean_gbp=areas["income_mean_gbp"].to_numpy(),
                          cost_shift=shift_by_area, network_charges=charges["charges"],
                          net_per_household=div(resident["net"].to_numpy()),
                          cost_shift_per_household=div(shift_by_area),
                          network_charges_per_household=div(charges["charges"]))
    parties = dict(gen["parties"])
    parties["resident_households"] = float(out["net"].sum())
    parties["network_investors"] = -saving  # public ownership: their returns become lower charges
    parties["supplier_shareholders"] = -supply_return
    return {"area": out, "parties": parties, "real_value": gen["real_value"], "cost_shift": float(shift_by_area.sum()),
            "avoided_charges": float(avoided), "network_saving": saving, "supply_return": supply_return,
            "installed_kwp": gen["installed_kwp"], "installed_kwh": gen["installed_kwh"]}


def cell_name(network: str, recovery: str, generation: str) -> str:
    return f"{network}/{recovery}/{generation}"


def policy_step(econ, areas, assumptions, seed: int, n_resamples: int = 200) -> dict:
    """Run every matrix cell and the named framings; indices, comparison table and sensitivity.

    Returns
    -------
    dict of pandas.DataFrame
        ``policy_cells`` (one row per cell: totals, indices with intervals), ``policy_decile``
        (per cell × decile), ``policy_parties``, ``policy_framings``, ``policy_sensitivity``.
    """
    p, q = assumptions.level("economics"), assumptions.level("policy")
    sc = assumptions.get("pv", "self_consumption_share")
    ok = areas["households"].fillna(0).to_numpy() > 0
    h = areas["households"].to_numpy(dtype=float)[ok]
    y = areas["income_mean_gbp"].to_numpy(dtype=float)[ok]
    deciles = inequality.deciles(y, h)
    rows, dec_rows, party_rows = [], [], []
    for network, recovery, generation in itertools.product(NETWORKS, RECOVERIES, GENERATIONS):
        name = cell_name(network, recovery, generation)
        res = run_cell(econ, areas, p, q, sc, network, recovery, generation)
        area = res["area"][ok]
        net_hh = area["net_per_household"].to_numpy()
        ci = inequality.bootstrap(inequality.concentration_index, net_hh, y, weights=h, n_resamples=n_resamples,
                                  seed=seed) if abs(np.sum(net_hh * h)) > 1e-6 else {"estimate": np.nan, "low": np.nan, "high": np.nan}
        charges = area["network_charges_per_household"].to_numpy()
        suits = (inequality.bootstrap(inequality.suits, charges, y, weights=h, n_resamples=n_resamples, seed=seed)
                 if charges.sum() > 0 else {"estimate": np.nan, "low": np.nan, "high": np.nan})
        per_dec = pd.DataFrame({"decile": deciles, "h": h, "net": net_hh * h, "shift": area["cost_shift_per_household"].to_numpy() * h,
                                "charges": charges * h}).groupby("decile").sum()
        for d, r in per_dec.iterrows():
            dec_rows.append({"cell": name, "decile": int(d), "households": r.h, "net_per_household": r.net / r.h,
                             "cost_shift_per_household": r["shift"] / r.h, "network_charges_per_household": r.charges / r.h})
        for party, value in res["parties"].items():
            party_rows.append({"cell": name, "party": party, "gbp_per_year": value})
        bottom, top = per_dec.iloc[0], per_dec.iloc[-1]
        same_sign = bool(np.all(net_hh >= 0) or np.all(net_hh <= 0))
        rows.append({"cell": name, "network": network, "recovery": recovery, "generation": generation,
                     "concentration_meaningful": same_sign,
                     "installed_mwp": res["installed_kwp"] / 1000, "real_value_gbp": res["real_value"],
                     "net_gbp_per_household": float(np.sum(net_hh * h) / h.sum()),
                     "bottom_decile_net": bottom.net / bottom.h, "top_decile_net": top.net / top.h,
                     "concentration_net": ci["estimate"], "concentration_low": ci["low"], "concentration_high": ci["high"],
                     "suits_network_charges": suits["estimate"], "suits_low": suits["low"], "suits_high": suits["high"],
                     "cost_shift_gbp": res["cost_shift"],
                     "avoided_charges_gbp": res["avoided_charges"],
                     "cost_shift_bottom_decile": bottom["shift"] / bottom.h, "cost_shift_top_decile": top["shift"] / top.h,
                     "leaves_neighbourhoods_gbp": sum(res["parties"][k] for k in ("private_landlords", "companies",
                                                                                  "aggregator_shareholders", "finance"))})
    framing_rows = []
    for label, f in FRAMINGS.items():
        res = run_cell(econ, areas, p, q, sc, f["network"], f["recovery"], f["generation"], f["supply"])
        area = res["area"][ok]
        net_hh = area["net_per_household"].to_numpy()
        ci = inequality.bootstrap(inequality.concentration_index, net_hh, y, weights=h, n_resamples=n_resamples, seed=seed)
        per_dec = pd.DataFrame({"decile": deciles, "h": h, "net": net_hh * h}).groupby("decile").sum()
        framing_rows.append({"framing": label, **f, "net_gbp_per_household": float(np.sum(net_hh * h) / h.sum()),
                             "concentration_meaningful": bool(np.all(net_hh >= 0) or np.all(net_hh <= 0)),
                             "bottom_decile_net": per_dec.net.iloc[0] / per_dec.h.iloc[0],
                             "top_decile_net": per_dec.net.iloc[-1] / per_dec.h.iloc[-1],
                             "concentration_net": ci["estimate"], "concentration_low": ci["low"],
                             "concentration_high": ci["high"], "real_value_gbp": res["real_value"],
                             "public_savings_gbp": res["network_saving"] + res["supply_return"],
                             "cost_shift_gbp": res["cost_shift"]})
    sens = sensitivity(econ, areas, assumptions, ok, y, h)
    # Rent-a-roof depends on a generation tariff that no longer exists: show it at each level.
    agg_rows = []
    for level in ("low", "central", "high"):
        tariff = assumptions.get("policy", "aggregator_generation_tariff_gbp_per_kwh", level)
        res = run_cell(econ, areas, p, dict(q, aggregator_generation_tariff_gbp_per_kwh=tariff), sc,
                       "private", "volumetric", "aggregator")
        area = res["area"][ok]
        agg_rows.append({"level": level, "tariff_gbp_per_kwh": tariff, "installed_mwp": res["installed_kwp"] / 1000,
                         "aggregator_gbp": res["parties"]["aggregator_shareholders"],
                         "households_net_gbp": float(area["net"].sum()), "cost_shift_gbp": res["cost_shift"]})
    return {"policy_aggregator": pd.DataFrame(agg_rows),"policy_cells": pd.DataFrame(rows), "policy_decile": pd.DataFrame(dec_rows),
            "policy_parties": pd.DataFrame(party_rows), "policy_framings": pd.DataFrame(framing_rows),
            "policy_sensitivity": sens}


def sensitivity(econ, areas, assumptions, ok, y, h) -> pd.DataFrame:
    """Which conclusions flip: each main parameter at its low and high value, for the framings."""
    base_p, base_q = assumptions.level("economics"), assumptions.level("policy")
    sc0 = assumptions.get("pv", "self_consumption_share")
    params = [("economics", "retail_price_gbp_per_kwh"), ("economics", "export_tariff_gbp_per_kwh"),
              ("economics", "network_policy_share_of_unit_price"), ("economics", "adoption_owner_occupier_at_median_income"),
              ("economics", "adoption_income_elasticity"), ("economics", "capex_gbp_per_kwp_small"),
              ("policy", "public_network_saving_share"), ("policy", "battery_adoption_owner_occupier_adopters"),
              ("pv", "self_consumption_share")]
    rows = []
    for group, name in params:
        for level in ("low", "central", "high"):
            p, q, sc = dict(base_p), dict(base_q), sc0
            value = assumptions.get(group, name, level)
            if group == "economics":
                p[name] = value
            elif group == "policy":
                q[name] = value
            else:
                sc = value
            for label, f in FRAMINGS.items():
                res = run_cell(econ, areas, p, q, sc, f["network"], f["recovery"], f["generation"], f["supply"])
                area = res["area"][ok]
                net_hh = area["net_per_household"].to_numpy()
                per_dec = pd.DataFrame({"d": inequality.deciles(y, h), "h": h, "net": net_hh * h}).groupby("d").sum()
                gap = per_dec.net.iloc[-1] / per_dec.h.iloc[-1] - per_dec.net.iloc[0] / per_dec.h.iloc[0]
                rows.append({"parameter": f"{group}.{name}", "level": level, "value": value, "framing": label,
                             "net_gbp_per_household": float(np.sum(net_hh * h) / h.sum()),
                             "top_minus_bottom_decile_gbp": float(gap), "favours_richer": bool(gap > 0)})
    return pd.DataFrame(rows)
