"""Who owns the roofs, and who gains: owner types, ownership scenarios, money flows by decile.

**Owner types** (the freeholder of the roof): ``owner_occupier``, ``private_landlord``,
``social_landlord`` (council or housing association), ``public_body``, ``commercial``,
``community``. Where only area tenure totals exist (Census KS402EW), they are allocated to
buildings by a seeded, documented rule — *flagged assumed*:

1. social-rented dwellings go to purpose-built flat blocks first (council and housing-association
   estates; the landlord owns the roof even where some flats were sold under right-to-buy),
   then to converted houses, then houses;
2. owner-occupied dwellings go to houses first, then converted houses, then blocks;
3. the rest (private rented, rent free) are private-landlord buildings;
4. mixed-use buildings (flats over shops) are commercial; non-domestic buildings from a
   footprint file are public bodies (schools, hospitals, civic) or commercial by their use tag.
Within each step buildings are taken in a seeded random order until the dwelling quota is met.

**Scenarios** (parameters in ``analysis/data/economics.yml``, each with range and source):

* ``market`` — owners adopt with a probability by owner type and area income (expected values,
  no random draw); occupants keep the bill savings, owners keep export income and pay the
  capital; network and policy charges avoided on self-consumed power (the *cost shift*) are
  recovered from all households in proportion to their electricity use.
* ``public`` — a public owner installs on every suitable roof at the public discount rate, sells
  the power used on site at the retail price (paying network charges like any supplier, so no
  cost shift) and returns the pooled surplus equally to every household (``public_progressive``:
  in proportion to 1/income).
* ``coop`` — a community co-operative installs on all social-landlord roofs and a share of the
  others, sells on-site power to occupants at a 20 % discount, pays members interest on their
  shares (membership skewed to higher incomes) and puts the surplus in a community fund spent
  per household in the host areas. Behind-the-meter supply shifts network costs as in market.

Accounting identity (tested): the flows to all parties add up to the real value created,
self-consumed kWh × retail price × (1 − network/policy share) + exported kWh × export tariff −
straight-line capital cost; the cost shift is a transfer and nets to zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import inequality
from analysis.config import LEVELS

OWNER_TYPES = ["owner_occupier", "private_landlord", "social_landlord", "public_body", "commercial", "community"]
PUBLIC_USES = {"school", "hospital", "university", "college", "civic", "government", "public", "fire_station",
               "library", "townhall", "kindergarten", "church", "sports_centre"}
SCENARIOS = ["market", "public", "public_progressive", "coop"]
OUTSIDE_PARTIES = ["private_landlords", "social_landlords", "companies", "finance"]
COOP_OCCUPANT_DISCOUNT = 0.20  # share of the retail price co-op occupants save (Brixton Energy-style offers)
SMALL_SYSTEM_KWP = 10.0


def legacy_owner_type(buildings: pd.DataFrame) -> np.ndarray:
    """The six owner types of the scenario code below from the roof owners of :mod:`analysis.tenure`.

    Transitional: used until the economics kernel replaces the scenarios in this module.
    """
    mapping = {"private_freeholder": "private_landlord", "faith_community": "community"}
    return buildings["roof_owner"].map(lambda o: mapping.get(o, o)).to_numpy(dtype=object)


def allocate_owner_types(buildings: pd.DataFrame, areas: pd.DataFrame, seed: int) -> np.ndarray:
    """Owner type of every building from area tenure totals (seeded; see module docstring).

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``building_id``, ``area_id``, ``dwellings``, ``use``, ``building_type`` (optional).
    areas : pandas.DataFrame
        ``area_id``, ``owner_occupied``, ``social_rented`` [households] (NaN when unknown: then
        the place-wide English shares 63/17/20 % owner/social/private are assumed).
    seed : int

    Returns
    -------
    numpy.ndarray of str
        One of :data:`OWNER_TYPES` per building.
    """
    btype = buildings.get("building_type", pd.Series(None, index=buildings.index)).fillna("").astype(str).to_numpy()
    use = buildings["use"].fillna("").astype(str).str.lower().to_numpy()
    dwellings = buildings["dwellings"].fillna(1).clip(lower=0).to_numpy(dtype=float)
    owner = np.full(len(buildings), "private_landlord", dtype=object)
    non_domestic = ~np.isin(use, ["residential", "house", "detached", "semidetached_house", "terrace", "apartments",
                                  "flats", "bungalow", "yes", "mixed", ""])
    owner[np.isin(use, list(PUBLIC_USES))] = "public_body"
    owner[non_domestic & ~np.isin(use, list(PUBLIC_USES))] = "commercial"
    owner[(use == "mixed") | (btype == "mixed_use")] = "commercial"
    residential = owner == "private_landlord"
    # Preference order of building types for each tenure (flats more likely social, houses owned).
    kind = np.where(np.char.startswith(btype.astype(str), "house") | np.isin(use, ["house", "detached", "terrace",
                                                                                   "semidetached_house", "bungalow"]),
                    0, np.where(btype == "converted_house", 1, 2))
    kind = np.where((btype == "") & ~np.isin(use, ["house", "detached", "terrace", "semidetached_house", "bungalow"]),
                    np.where(dwellings > 3, 2, 0), kind)
    tenure = areas.set_index("area_id")
    area_ids = buildings["area_id"].to_numpy()
    rng = np.random.default_rng(seed)
    order_key = rng.random(len(buildings))  # one draw per building, in input order: reproducible
    for area_id, idx in pd.Series(np.arange(len(buildings))).groupby(area_ids):
        idx = idx.to_numpy()
        idx = idx[residential[idx]]
        if idx.size == 0:
            continue
        row = tenure.loc[area_id] if area_id in tenure.index else None
        total = dwellings[idx].sum()
        if row is None or pd.isna(row.get("owner_occupied")) or pd.isna(row.get("social_rented")):
            shares = {"social_landlord": 0.17, "owner_occupier": 0.63}
        else:
            households = max(float(row.get("households", np.nan) or 0), 1.0)
            shares = {"social_landlord": row["social_rented"] / households,
                      "owner_occupier": row["owner_occupied"] / households}
        free = np.ones(idx.size, dtype=bool)
        for tenure_name, preference in (("social_landlord", (2, 1, 0)), ("owner_occupier", (0, 1, 2))):
            quota = shares[tenure_name] * total
            rank = np.array([preference.index(k) for k in kind[idx]])
            order = np.lexsort((order_key[idx], rank))
            order = order[free[order]]
            cum = np.cumsum(dwellings[idx][order])
            # Take buildings while the quota is not yet met (the last one may overshoot by < 1 building).
            take = order[np.concatenate([[True], cum[:-1] < quota])[: order.size] & (quota > 0)]
            owner[idx[take]] = tenure_name
            free[take] = False
    return owner.astype(str)


def system_capex(kwp, p: dict) -> np.ndarray:
    """Installed cost of each system [£]: small (domestic) or large (block roof) £/kWp."""
    kwp = np.asarray(kwp, dtype=float)
    return kwp * np.where(kwp < SMALL_SYSTEM_KWP, p["capex_gbp_per_kwp_small"], p["capex_gbp_per_kwp_large"])


def market_adoption_share(owner, kwh, capex, income_ratio, p: dict, self_consumption: float) -> np.ndarray:
    """Expected share of each roof that its owner fills with PV in a market (0–1).

    Owners invest only where it pays them at the market discount rate: owner-occupiers and
    businesses keep the bill savings, landlords only the export income (tenants keep the
    savings) — the split incentive. Where it pays, uptake is the owner type's adoption rate;
    owner-occupiers' rate scales with (area income / median income)^elasticity.

    Parameters
    ----------
    owner : array of str
        Owner type per building.
    kwh, capex : array
        Annual generation [kWh/yr] and installed cost [£] of the building's suitable planes.
    income_ratio : array
        Area income over the household-weighted median income [-].
    p : dict
        ``economics`` assumptions at one level.
    self_consumption : float
        On-site share of generation [-].
    """
    landlord = np.isin(owner, ["private_landlord", "social_landlord"])
    owner_value = (np.where(landlord, 0.0, kwh * self_consumption * p["retail_price_gbp_per_kwh"])
                   + kwh * (1 - self_consumption) * p["export_tariff_gbp_per_kwh"]
                   - capex * capital_recovery_factor(p["discount_rate_market"], p["lifetime_years"]))
    rate = np.select(
        [owner == "owner_occupier", owner == "private_landlord", owner == "social_landlord"],
        [np.clip(p["adoption_owner_occupier_at_median_income"] * income_ratio ** p["adoption_income_elasticity"], 0, 0.9),
         p["adoption_private_landlord"], p["adoption_social_landlord"]], p["adoption_commercial"])
    return (owner_value > 0) * rate


def capital_recovery_factor(rate: float, years: float) -> float:
    """Annuity factor r / (1 − (1 + r)^−n) [1/yr]: annual payment per £ of capital."""
    return rate / (1 - (1 + rate) ** -years) if rate > 0 else 1 / years


def building_economics(buildings: pd.DataFrame, planes: pd.DataFrame, level: str = "central") -> pd.DataFrame:
    """Per building: kWp and kWh/yr of its suitable roof planes at one level."""
    per = planes.groupby("building_id")[[f"kwp_{level}", f"kwh_{level}"]].sum()
    out = buildings[["building_id", "area_id", "owner_type", "dwellings"]].copy()
    out["kwp"] = out["building_id"].map(per[f"kwp_{level}"]).fillna(0.0).to_numpy()
    out["kwh"] = out["building_id"].map(per[f"kwh_{level}"]).fillna(0.0).to_numpy()
    return out


def scenario_flows(econ: pd.DataFrame, areas: pd.DataFrame, p: dict, self_consumption: float,
                   scenario: str) -> dict:
    """Annual money flows of one scenario, by area and by party [£/yr].

    Parameters
    ----------
    econ : pandas.DataFrame
        From :func:`building_economics` (``area_id``, ``owner_type``, ``kwp``, ``kwh``).
    areas : pandas.DataFrame
        ``area_id``, ``households``, ``income_mean_gbp``, ``elec_kwh`` (domestic electricity).
    p : dict
        Economics parameters at one level (``economics`` group of the assumptions).
    self_consumption : float
        Share of generation used on site [-].
    scenario : str
        One of :data:`SCENARIOS`.

    Returns
    -------
    dict
        ``area`` (DataFrame per area: resident benefit components, cost shift, net, per household),
        ``parties`` (Series £/yr by party), ``real_value`` (£/yr), ``cost_shift`` (£/yr),
        ``installed_kwp``, ``installed_kwh``.
    """
    a = areas.set_index("area_id")
    households = a["households"].fillna(0).clip(lower=0)
    income = a["income_mean_gbp"]
    median_income = inequality.weighted_median(income, households)
    # Integer area codes once (string group-bys over millions of buildings are the slow part).
    codes = econ["area_code"].to_numpy() if "area_code" in econ else a.index.get_indexer(econ["area_id"])
    if np.any(codes < 0):
        raise ValueError("buildings refer to areas missing from the areas table")
    b_income = income.fillna(median_income).to_numpy()[codes]
    owner = econ["owner_type"].to_numpy(dtype=object)
    kwh, kwp = econ["kwh"].to_numpy(dtype=float), econ["kwp"].to_numpy(dtype=float)
    retail, export = p["retail_price_gbp_per_kwh"], p["export_tariff_gbp_per_kwh"]
    ns, life = p["network_policy_share_of_unit_price"], p["lifetime_years"]
    capex = system_capex(kwp, p)

    if scenario == "market":
        share = market_adoption_share(owner, kwh, capex, b_income / median_income, p, self_consumption)
        rate = p["discount_rate_market"]
    elif scenario in ("public", "public_progressive"):
        share = np.ones(len(econ))
        rate = p["discount_rate_public"]
    elif scenario == "coop":
        share = np.where(np.isin(owner, ["social_landlord", "public_body", "community"]), 1.0, p["coop_share_of_other_roofs"])
        rate = p["coop_dividend_rate"]
    else:
        raise ValueError(f"unknown scenario {scenario!r}")

    self_kwh = share * kwh * self_consumption
    export_kwh = share * kwh * (1 - self_consumption)
    annuity = share * capex * capital_recovery_factor(rate, life)
    straight = share * capex / life
    interest = annuity - straight
    real_value = float(np.sum(self_kwh * retail * (1 - ns) + export_kwh * export - straight))
    n_areas = len(a)
    by_area = lambda values: pd.Series(np.bincount(codes, weights=values, minlength=n_areas), index=a.index)  # noqa: E731

    resident = pd.DataFrame(0.0, index=a.index, columns=["bill_savings", "owner_income", "pooled_return",
                                                         "member_interest", "community_fund", "cost_shift"])
    parties = {}
    if scenario in ("market", "coop"):
        shift = float(np.sum(self_kwh * retail * ns))
        elec = a.get("elec_kwh", pd.Series(np.nan, index=a.index)).fillna(0)
        weights = elec if elec.sum() > 0 else households
        resident["cost_shift"] = shift * weights / weights.sum()
    else:
        shift = 0.0
    if scenario == "market":
        resident["bill_savings"] = by_area(self_kwh * retail)
        owner_net = export_kwh * export - annuity
        resident["owner_income"] = by_area(np.where(owner == "owner_occupier", owner_net, 0.0))
        parties["private_landlords"] = float(np.sum(np.where(owner == "private_landlord", owner_net, 0.0)))
        parties["social_landlords"] = float(np.sum(np.where(owner == "social_landlord", owner_net, 0.0)))
        parties["companies"] = float(np.sum(np.where(np.isin(owner, ["commercial", "public_body", "community"]), owner_net, 0.0)))
        parties["finance"] = float(np.sum(interest))
    elif scenario in ("public", "public_progressive"):
        pool = float(np.sum(self_kwh * retail * (1 - ns) + export_kwh * export - annuity))
        weights = households if scenario == "public" else households / income.fillna(median_income)
        resident["pooled_return"] = pool * weights / weights.sum()
        parties["finance"] = float(np.sum(interest))
    else:  # coop
        resident["bill_savings"] = by_area(self_kwh * retail * COOP_OCCUPANT_DISCOUNT)
        revenue = self_kwh * retail * (1 - COOP_OCCUPANT_DISCOUNT) + export_kwh * export
        fund = float(np.sum(revenue - annuity))
        host = by_area(share * kwh)
        resident["community_fund"] = fund * host / host.sum() if host.sum() > 0 else 0.0
        members = households * p["coop_membership_at_median_income"] * (
            income.fillna(median_income) / median_income) ** p["coop_membership_income_skew"]
        resident["member_interest"] = float(np.sum(interest)) * members / members.sum()
    resident["cost_shift"] = -resident["cost_shift"]
    resident["net"] = resident.sum(axis=1)
    parties["resident_households"] = float(resident["net"].sum() + shift)  # before paying the shift
    parties["bill_payers_cost_shift"] = -shift
    for name in OUTSIDE_PARTIES:
        parties.setdefault(name, 0.0)
    out = resident.copy()
    out["households"] = households
    out["income_mean_gbp"] = income
    out["net_per_household"] = np.where(households > 0, out["net"] / households.replace(0, np.nan), 0.0)
    out["benefit_per_household"] = np.where(
        households > 0, (out["net"] - out["cost_shift"]) / households.replace(0, np.nan), 0.0)
    out["cost_shift_per_household"] = np.where(households > 0, -out["cost_shift"] / households.replace(0, np.nan), 0.0)
    out["installed_kwp"] = by_area(share * kwp)
    out["installed_kwh"] = by_area(share * kwh)
    out["kwp_owned_by_residents"] = by_area(np.where(owner == "owner_occupier", share * kwp, 0.0)) \
        if scenario == "market" else 0.0
    return {"area": out.reset_index().rename(columns={"index": "area_id"}), "parties": pd.Series(parties),
            "real_value": real_value, "cost_shift": shift, "installed_kwp": float(np.sum(share * kwp)),
            "installed_kwh": float(np.sum(share * kwh)), "areas": n_areas}


def scenario_indices(area: pd.DataFrame, seed: int, n_resamples: int = 400) -> list[dict]:
    """Concentration index of net benefit and benefit, Suits and Kakwani of the cost shift, with CIs."""
    ok = area["households"] > 0
    h = area.loc[ok, "households"].to_numpy()
    y = area.loc[ok, "income_mean_gbp"].to_numpy()
    rows = []
    for measure, values, fn in (
        ("concentration_net", area.loc[ok, "net_per_household"].to_numpy(), inequality.concentration_index),
        ("concentration_benefit", area.loc[ok, "benefit_per_household"].to_numpy(), inequality.concentration_index),
        ("suits_cost_shift", area.loc[ok, "cost_shift_per_household"].to_numpy(), inequality.suits),
        ("kakwani_cost_shift", area.loc[ok, "cost_shift_per_household"].to_numpy(), inequality.kakwani),
    ):
        if measure.endswith("cost_shift") and not np.any(values > 0):
            rows.append({"measure": measure, "estimate": np.nan, "low": np.nan, "high": np.nan})
            continue
        if measure.startswith("concentration") and abs(np.sum(values * h)) < 1e-9:
            rows.append({"measure": measure, "estimate": np.nan, "low": np.nan, "high": np.nan})
            continue
        ci = inequality.bootstrap(fn, values, y, weights=h, n_resamples=n_resamples, seed=seed)
        rows.append({"measure": measure, "estimate": ci["estimate"], "low": ci["low"], "high": ci["high"]})
    return rows


def decile_rows(area: pd.DataFrame) -> pd.DataFrame:
    """Per household-weighted income decile: households, kWp, benefits, costs, net per household."""
    ok = area["households"] > 0
    sub = area[ok]
    d = inequality.deciles(sub["income_mean_gbp"].to_numpy(), sub["households"].to_numpy())
    grouped = sub.assign(decile=d).groupby("decile")
    table = grouped.agg(households=("households", "sum"), income_mean_gbp=("income_mean_gbp", "median"),
                        installed_kwp=("installed_kwp", "sum"), installed_kwh=("installed_kwh", "sum"),
                        kwp_owned_by_residents=("kwp_owned_by_residents", "sum"),
                        net=("net", "sum"), cost_shift=("cost_shift", "sum"))
    benefit = grouped.apply(lambda g: (g["net"] - g["cost_shift"]).sum(), include_groups=False)
    table["benefit_per_household"] = benefit / table["households"]
    table["cost_per_household"] = -table["cost_shift"] / table["households"]
    table["net_per_household"] = table["net"] / table["households"]
    return table.reset_index()


def ownership_step(buildings, planes, areas, cfg, n_resamples: int = 400):
    """All scenarios at the central level + sensitivity + allocation-seed spread, as store tables."""
    a = cfg.assumptions
    seed = int(cfg.raw.get("seed", 0))
    self_consumption = {lv: a.get("pv", "self_consumption_share", lv) for lv in LEVELS}
    econ = building_economics(buildings, planes)
    area_frame = pd.DataFrame(areas.drop(columns="geometry"))
    econ["area_code"] = pd.Index(area_frame["area_id"]).get_indexer(econ["area_id"])
    central = a.level("economics")
    area_rows, decile_tables, index_rows, party_rows = [], [], [], []
    for scenario in SCENARIOS:
        flows = scenario_flows(econ, area_frame, central, self_consumption["central"], scenario)
        area_rows.append(flows["area"].assign(scenario=scenario))
        decile_tables.append(decile_rows(flows["area"]).assign(scenario=scenario))
        for row in scenario_indices(flows["area"], seed, n_resamples):
            index_rows.append({"scenario": scenario, **row})
        for party, value in flows["parties"].items():
            party_rows.append({"scenario": scenario, "party": party, "gbp_per_year": value})
        party_rows.append({"scenario": scenario, "party": "_real_value", "gbp_per_year": flows["real_value"]})
        party_rows.append({"scenario": scenario, "party": "_installed_kwp", "gbp_per_year": flows["installed_kwp"]})

    # Sensitivity: one parameter at a time to its low and high value; every scenario.
    sens = []
    params = list(central) + ["self_consumption_share"]
    for name in params:
        for level in ("low", "high"):
            p = dict(central)
            sc = self_consumption["central"]
            if name == "self_consumption_share":
                sc = self_consumption[level]
            else:
                p[name] = a.get("economics", name, level)
            for scenario in SCENARIOS:
                flows = scenario_flows(econ, area_frame, p, sc, scenario)
                ar = flows["area"][flows["area"]["households"] > 0]
                total_net = float(ar["net"].sum())
                # Gains (before the cost shift) are non-negative, so their concentration index is well defined;
                # the index of net results is unstable where the mean net is close to zero.
                ci = (inequality.concentration_index(ar["benefit_per_household"], ar["income_mean_gbp"], ar["households"])
                      if ar["benefit_per_household"].abs().sum() > 1e-9 else np.nan)
                dec = decile_rows(flows["area"])
                sens.append({"parameter": name, "level": level, "scenario": scenario,
                             "net_gbp_per_household": total_net / ar["households"].sum(),
                             "concentration_benefit": ci,
                             "top_minus_bottom_decile_gbp": float(dec["net_per_household"].iloc[-1]
                                                                  - dec["net_per_household"].iloc[0])})
    # Allocation seeds: how much the assumed owner types move the market result.
    seeds = []
    for k in range(5):
        alt_econ = econ.assign(owner_type=allocate_owner_types(buildings, area_frame, seed + 1000 + k))
        flows = scenario_flows(alt_econ, area_frame, central, self_consumption["central"], "market")
        ar = flows["area"][flows["area"]["households"] > 0]
        seeds.append({"seed": seed + 1000 + k, "scenario": "market",
                      "concentration_benefit": inequality.concentration_index(
                          ar["benefit_per_household"], ar["income_mean_gbp"], ar["households"]),
                      "owner_occupier_kwp_share": float(flows["area"]["kwp_owned_by_residents"].sum()
                                                        / max(flows["installed_kwp"], 1e-9))})
    owners = buildings.groupby(["area_id", "owner_type"]).agg(buildings=("building_id", "size"),
                                                              dwellings=("dwellings", "sum")).reset_index()
    kwp = econ.groupby(["area_id", "owner_type"])[["kwp", "kwh"]].sum().reset_index()
    owners = owners.merge(kwp, on=["area_id", "owner_type"], how="left")
    from analysis import policy  # the policy matrix reuses this step's buildings and owners

    tables = {
        **policy.policy_step(econ, area_frame, a, seed, n_resamples=min(n_resamples, 200)),
        "scenario_area": pd.concat(area_rows, ignore_index=True),
        "scenario_decile": pd.concat(decile_tables, ignore_index=True),
        "scenario_indices": pd.DataFrame(index_rows),
        "scenario_parties": pd.DataFrame(party_rows),
        "scenario_sensitivity": pd.DataFrame(sens),
        "owner_seed_sensitivity": pd.DataFrame(seeds),
        "area_owners": owners,
    }
    return tables, []
