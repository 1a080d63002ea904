"""Ownership scenarios on real roofs: who installs, who gets the money, by area, decile and tenure.

Every scenario is one generation model of :mod:`analysis.economics` (``market``,
``market_batteries``, ``aggregator``, ``coop``, ``public``; public with an ``equal`` or
``progressive`` return) on one **roof set**:

* ``own`` — each model at its own scale: investors install only where it pays them, consent is
  needed from every party on the roof (``consent_probability_per_party``);
* ``all_roofs`` — every model on every suitable roof (equal capacity, the same roofs);
* ``market_roofs`` — every model on exactly the roofs the market would fill (equal capacity).

Comparing models on the same roofs separates *who owns* from *how much is built*.

Results are reported per area, per household-weighted income decile of areas and per occupant
tenure (owner-occupier, social renter, private renter, other): £ per household, gains as % of
income, and the number and share of households that lose more than
:data:`LOSS_THRESHOLD_GBP` a year. Household incomes are area means (no income by tenure).

**Uncertainty** comes from joint parameter draws (:func:`draw_parameters`: Latin hypercube,
triangular marginals with the mode at the central value, seeded). The draws run on classes of
similar buildings per income decile (:func:`class_units`), a sufficient statistic for every
headline, so their cost does not grow with buildings × draws. Each headline gets a 90 %
interval and the share of draws in which its sign holds (:func:`robustness`).

The area bootstrap is not used: Camden's areas are a census, not a sample.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from analysis import economics as ec
from analysis import inequality
from analysis.errors import InputError
from analysis.quality import QualityLog

#: A household "loses" when its net change is below minus this [£/yr] (ignores rounding dust).
LOSS_THRESHOLD_GBP = 1.0
#: Share of draws in which a headline's sign must hold for it to be called robust.
ROBUST_SHARE = 0.90
N_DRAWS = 300
#: Parameter groups drawn jointly (every entry with low < high), plus single entries from other groups.
DRAWN_GROUPS = ("economics", "adoption", "ownership_models", "batteries", "policy", "heat_ownership")
DRAWN_EXTRA = (("heat", "boiler_efficiency"),)
#: Scenarios: name -> (model, roof set, public distribution).
SCENARIOS = {
    "market": ("market", "own", "equal"),
    "market_batteries": ("market_batteries", "own", "equal"),
    "aggregator": ("aggregator", "own", "equal"),
    "coop": ("coop", "own", "equal"),
    "public": ("public", "own", "equal"),
    "public_progressive": ("public", "own", "progressive"),
    "market@all_roofs": ("market", "all_roofs", "equal"),
    "aggregator@all_roofs": ("aggregator", "all_roofs", "equal"),
    "coop@all_roofs": ("coop", "all_roofs", "equal"),
    "public@all_roofs": ("public", "all_roofs", "equal"),
    "public_progressive@all_roofs": ("public", "all_roofs", "progressive"),
    "aggregator@market_roofs": ("aggregator", "market_roofs", "equal"),
    "coop@market_roofs": ("coop", "market_roofs", "equal"),
    "public@market_roofs": ("public", "market_roofs", "equal"),
    "public_progressive@market_roofs": ("public", "market_roofs", "progressive"),
}
REQUIRED_BUILDING_COLUMNS = ("building_id", "area_id", "dwellings", "dw_owner_occupied", "dw_social_rented",
                             "dw_private_rented", "dw_other", "roof_owner", "consents")
#: Non-domestic electricity per m² of non-domestic floor when a building has no demand [kWh/m²/yr].
NONDOMESTIC_KWH_PER_M2_DEFAULT = 100.0
REQUIRED_POTENTIAL_COLUMNS = ("building_id", "kwp_low", "kwp_central", "kwp_high", "kwh_low", "kwh_central",
                              "kwh_high")
USE_CLASSES = ("domestic", "mixed", "non_domestic", "ancillary")


# ----------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------

def _require(frame: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"table {name} lacks column(s) {', '.join(missing)}", record=name,
                         fix="run the ownership step that allocates homes, tenure and roof owners first")


def prepare(buildings: pd.DataFrame, potential: pd.DataFrame, areas: pd.DataFrame, log: QualityLog | None = None
            ) -> tuple[ec.Units, ec.Groups]:
    """Building-level units and area groups from the store tables (validated; gaps logged).

    Parameters
    ----------
    buildings : pandas.DataFrame
        One row per building with :data:`REQUIRED_BUILDING_COLUMNS`; ``use_class`` and
        ``elec_demand_kwh`` when known (else derived from dwellings and logged); with
        ``dwelling_type``, a row of houses mapped as one outline is split into one roof per
        house (:func:`analysis.ownership.roof_units`).
    potential : pandas.DataFrame
        ``building_potential``: kWp and kWh at low/central/high per building.
    areas : pandas.DataFrame
        ``area_id``, ``households``, ``income_mean_gbp``; ``elec_kwh`` and ``elec_meters`` for
        the domestic demand of mixed-use buildings.
    log : QualityLog, optional
        Receives every default or imputation (step ``economics``).

    Returns
    -------
    (Units, Groups)
    """
    log = log if log is not None else QualityLog()
    _require(buildings, REQUIRED_BUILDING_COLUMNS, "buildings")
    _require(potential, REQUIRED_POTENTIAL_COLUMNS, "building_potential")
    _require(areas, ("area_id", "households", "income_mean_gbp"), "areas")
    b = pd.DataFrame(buildings.drop(columns=["geometry", "geom"], errors="ignore")).reset_index(drop=True)
    if "use_class" not in b:
        b["use_class"] = "unknown"
    unknown = ~b["use_class"].isin(USE_CLASSES)
    if unknown.any():
        b.loc[unknown, "use_class"] = np.where(b.loc[unknown, "dwellings"].fillna(0) > 0, "domestic", "non_domestic")
        log.record("economics", "use_class", records=len(b), derived=int(unknown.sum()),
                   note="missing use class: domestic where the building has dwellings, else non-domestic")
    area_ids = pd.Index(areas["area_id"])
    code = _codes(b["area_id"], area_ids)
    if np.any(code < 0):
        bad = b.loc[code < 0, "building_id"].iloc[0]
        raise InputError(f"building {bad} refers to an area missing from the areas table", record="buildings",
                         fix="assign every building to an area of the place")
    bad_owner = ~b["roof_owner"].isin(ec.ROOF_OWNERS)
    if bad_owner.any():
        row = b.loc[bad_owner].iloc[0]
        raise InputError(f"building {row.building_id}: roof_owner {row.roof_owner!r} is not one of "
                         f"{', '.join(ec.ROOF_OWNERS)}", record="buildings.roof_owner", fix="use one of those names")
    tenure_cols = ["dw_owner_occupied", "dw_social_rented", "dw_private_rented", "dw_other"]
    dwell = b[tenure_cols].fillna(0).to_numpy(dtype=float)
    if np.any(dwell < 0):
        raise InputError("negative dwelling counts by tenure", record="buildings.dw_*", fix="counts must be >= 0")
    total = b["dwellings"].fillna(0).to_numpy(dtype=float)
    off = np.abs(dwell.sum(axis=1) - total) > 1e-6
    if off.any():
        raise InputError(f"building {b.loc[off, 'building_id'].iloc[0]}: tenure counts do not sum to dwellings",
                         record="buildings.dw_*", fix="dw_owner_occupied + dw_social_rented + dw_private_rented + dw_other = dwellings")

    aligned = len(potential) == len(b) and bool((potential["building_id"].array == b["building_id"].array).all())
    pot = (potential.reset_index(drop=True) if aligned  # one row per building in the same order: no lookup by id
           else potential.set_index("building_id").reindex(b["building_id"]))
    missing_pot = pot["kwp_central"].isna().to_numpy()
    log.record("economics", "building_potential", records=len(b), observed=int((~missing_pot).sum()))
    log.default("economics", "building_potential", int(missing_pot.sum()), 0.0,
                "buildings without a potential row carry no PV")
    pot = pot[list(REQUIRED_POTENTIAL_COLUMNS[1:])].fillna(0.0).reset_index(drop=True)

    a = areas.set_index("area_id")
    households_area = a["households"].fillna(0).clip(lower=0).to_numpy(dtype=float)
    income = a["income_mean_gbp"].to_numpy(dtype=float)
    median = inequality.weighted_median(income, households_area)
    n_missing_income = int(np.isnan(income).sum())
    log.record("economics", "income_mean_gbp", records=len(a), observed=len(a) - n_missing_income,
               imputed=n_missing_income, note="missing area income set to the household-weighted median" if n_missing_income else "")
    income = np.where(np.isnan(income), median, income)

    # Domestic demand of mixed buildings: their dwellings at the area's mean kWh per meter; the rest is non-domestic.
    elec = a["elec_kwh"].to_numpy(dtype=float) if "elec_kwh" in a else np.full(len(a), np.nan)
    meters = a["elec_meters"].to_numpy(dtype=float) if "elec_meters" in a else np.full(len(a), np.nan)
    per_meter = np.divide(elec, meters, out=np.full(len(a), np.nan), where=meters > 0)
    no_meter = np.isnan(per_meter)
    if no_meter.any():
        if (~no_meter).any():  # other areas of the place have meters: their median (imputed)
            fill = float(np.nanmedian(per_meter))
            log.record("economics", "kwh_per_meter", records=len(a), imputed=int(no_meter.sum()),
                       note=f"areas without metered electricity use {fill:,.0f} kWh per meter (the place's median)")
        else:  # no electricity statistics at all: a fixed default, reported as such
            fill = 3000.0
            log.default("economics", "kwh_per_meter", int(no_meter.sum()), "3,000 kWh per meter",
                        note="the place has no metered electricity statistics (DESNZ/BEIS)")
        per_meter = np.where(no_meter, fill, per_meter)
    demand = (b["elec_demand_kwh"].to_numpy(dtype=float) if "elec_demand_kwh" in b else np.full(len(b), np.nan))
    no_demand = np.isnan(demand)
    if no_demand.any():
        nd_floor = (b["nondomestic_floor_m2"].fillna(0).to_numpy(dtype=float) if "nondomestic_floor_m2" in b
                    else np.zeros(len(b)))
        use_now = b["use_class"].to_numpy()
        nd_floor = np.where(np.isin(use_now, ["domestic", "ancillary"]), 0.0, nd_floor)
        demand = np.where(no_demand, total * per_meter[code] + nd_floor * NONDOMESTIC_KWH_PER_M2_DEFAULT, demand)
        log.record("economics", "elec_demand_kwh", records=len(b), imputed=int(no_demand.sum()),
                   default=f"{NONDOMESTIC_KWH_PER_M2_DEFAULT:g} kWh/m2 of non-domestic floor",
                   note="missing demand = dwellings x area kWh per meter + non-domestic floor x default "
                        "(CIBSE TM46 order of magnitude)")
    # A row of houses mapped as one outline: one roof (and owner) per house, sharing the outline's potential.
    if "dwelling_type" in b:
        from analysis.ownership import roof_units

        b["_row"] = np.arange(len(b))
        b["elec_demand_kwh"] = demand
        units_frame = roof_units(b)
        split = len(units_frame) - len(b)
        if split:
            log.record("economics", "roof_units", records=len(b), derived=split,
                       note=f"{split:,} extra roofs from rows of houses mapped as one outline (one owner per house)")
        rows = units_frame["_row"].to_numpy()
        share = units_frame["roof_share"].to_numpy(dtype=float)
        b = units_frame.drop(columns=["_row"]).reset_index(drop=True)
        pot = pot.iloc[rows].reset_index(drop=True).mul(share, axis=0)
        demand = b["elec_demand_kwh"].to_numpy(dtype=float) * share
        code = code[rows]
        dwell = b[tenure_cols].fillna(0).to_numpy(dtype=float)
        total = b["dwellings"].fillna(0).to_numpy(dtype=float)
    use = _codes(b["use_class"], USE_CLASSES)  # integer codes: no string comparisons per building
    dom = np.where(use == USE_CLASSES.index("domestic"), demand,
                   np.where(use == USE_CLASSES.index("mixed"), np.minimum(demand, total * per_meter[code]), 0.0))
    nd = np.clip(demand - dom, 0, None)

    owner = _codes(b["roof_owner"], ec.ROOF_OWNERS)
    nd_party = np.where(owner == ec.ROOF_OWNERS.index("public_body"), 1,
                        np.where(owner == ec.ROOF_OWNERS.index("faith_community"), 2, 0))
    consents = b["consents"].fillna(1).clip(lower=1).to_numpy(dtype=float)
    units = ec.Units(
        group=code.astype(np.int64), n_buildings=np.ones(len(b)),
        kwp=pot["kwp_central"].to_numpy(dtype=float), kwp_low=pot["kwp_low"].to_numpy(dtype=float),
        kwp_high=pot["kwp_high"].to_numpy(dtype=float), kwh=pot["kwh_central"].to_numpy(dtype=float),
        kwh_low=pot["kwh_low"].to_numpy(dtype=float), kwh_high=pot["kwh_high"].to_numpy(dtype=float),
        demand_dom_kwh=dom, demand_nd_kwh=nd, dwellings=dwell, roof_owner=owner.astype(np.int64),
        nd_party=nd_party.astype(np.int64), consents=consents, income_ratio=(income / median)[code],
        nondomestic_profile=np.isin(use, [USE_CLASSES.index("non_domestic"), USE_CLASSES.index("ancillary")]))
    groups = area_groups(units, len(a), a.index.to_numpy(), income)
    hh_from_buildings = groups.households.sum(axis=1)
    differs = np.abs(hh_from_buildings - households_area) > 0.5
    if differs.any():
        log.record("economics", "households", records=len(a), derived=int(differs.sum()),
                   note=f"{int(differs.sum())} area(s) where dwellings on buildings differ from census households; "
                        "the buildings' dwellings are used as households")
    return units, groups


def _codes(values: pd.Series, categories) -> np.ndarray:
    """Position of each value in ``categories`` (−1 when absent) ``(N,)`` [int64].

    String columns use Arrow's hash lookup (about ten times faster than a pandas index on a
    million rows); other types a pandas index.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(values, from_pandas=True)
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        categories = list(categories)
        if (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) and all(isinstance(c, str) for c in categories):
            found = pc.index_in(arr, value_set=pa.array(categories, type=arr.type))
            return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    except (pa.ArrowException, TypeError, ValueError):  # mixed types: the general lookup below
        pass
    return pd.Index(categories).get_indexer(values).astype(np.int64)


def area_groups(units: ec.Units, n_areas: int, area_ids, income) -> ec.Groups:
    """Area groups: households and demand by tenure summed from the units; income deciles of areas."""
    households = ec._group_sum(n_areas, units.group, units.dwellings)
    dw_total = units.dwellings.sum(axis=1)
    split = np.divide(units.dwellings, dw_total[:, None], out=np.zeros_like(units.dwellings), where=dw_total[:, None] > 0)
    split[dw_total == 0, 3] = 1.0
    demand_dom = ec._group_sum(n_areas, units.group, split * units.demand_dom_kwh[:, None])
    onehot = np.zeros((len(units), len(ec.ND_PARTIES)))
    onehot[np.arange(len(units)), units.nd_party] = 1.0
    demand_nd = ec._group_sum(n_areas, units.group, onehot * units.demand_nd_kwh[:, None])
    total = households.sum(axis=1)
    decile = np.zeros(n_areas, dtype=int)
    ok = total > 0
    if ok.any():
        decile[ok] = inequality.deciles(np.asarray(income, dtype=float)[ok], total[ok])
    return ec.Groups(ids=np.asarray(area_ids), households=households, income_mean_gbp=np.asarray(income, dtype=float),
                     demand_dom_kwh=demand_dom, demand_nd_kwh=demand_nd, decile=decile)


KWP_BINS = np.concatenate([[0.0], np.geomspace(1.0, 1000.0, 11), [np.inf]])
RATIO_BINS = np.concatenate([[0.0], np.geomspace(0.1, 10.0, 7), [np.inf]])


def class_units(units: ec.Units, groups: ec.Groups, by: str = "decile") -> tuple[ec.Units, ec.Groups]:
    """Aggregate buildings into classes of similar buildings per income decile (draws) or per area (central).

    A class is (decile, roof owner, load profile, kWp-per-building bin, generation/demand ratio
    bin, consents bin, has dwellings). Class quantities are sums; the capex curve and the
    self-consumption curve are evaluated at the class's mean building, so the class result
    approximates the building-level one (tested within a few per cent). With ``by="decile"``
    groups become deciles; with ``by="area"`` they stay the areas (classes within each area).
    """
    dec = groups.decile[units.group] if by == "decile" else units.group
    kwp_b = np.divide(units.kwp, units.n_buildings, out=np.zeros(len(units)), where=units.n_buildings > 0)
    demand = units.demand_dom_kwh + units.demand_nd_kwh
    ratio = np.divide(units.kwh, demand, out=np.full(len(units), 1e6), where=demand > 0)
    consent_bin = np.digitize(units.consents, [1.5, 5.5])
    has_homes = units.dwellings.sum(axis=1) > 0
    # One integer key per class (mixed radix over the fields), then one sort: no pandas group-by.
    fields = [(np.asarray(dec, dtype=np.int64), int(np.max(dec)) + 1 if len(dec) else 1),
              (units.roof_owner.astype(np.int64), len(ec.ROOF_OWNERS)), (units.nondomestic_profile.astype(np.int64), 2),
              (np.digitize(kwp_b, KWP_BINS).astype(np.int64), len(KWP_BINS) + 1),
              (np.digitize(ratio, RATIO_BINS).astype(np.int64), len(RATIO_BINS) + 1),
              (consent_bin.astype(np.int64), 3), (has_homes.astype(np.int64), 2)]
    key = np.zeros(len(units), dtype=np.int64)
    for values, radix in fields:
        key = key * radix + values
    codes, unique_keys = pd.factorize(key, sort=True)  # as np.unique(key, return_inverse=True), by hashing
    level0 = unique_keys // int(np.prod([r for _, r in fields[1:]]))
    n = len(unique_keys)
    total = lambda x: ec._group_sum(n, codes, np.asarray(x, dtype=float))  # noqa: E731
    nb = total(units.n_buildings)
    first = np.zeros(n, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(units))[::-1]  # one member per class, for its categorical fields
    classes = ec.Units(
        group=np.clip(level0 - 1, 0, 9) if by == "decile" else level0, n_buildings=nb,
        kwp=total(units.kwp), kwp_low=total(units.kwp_low), kwp_high=total(units.kwp_high), kwh=total(units.kwh),
        kwh_low=total(units.kwh_low), kwh_high=total(units.kwh_high), demand_dom_kwh=total(units.demand_dom_kwh),
        demand_nd_kwh=total(units.demand_nd_kwh), dwellings=total(units.dwellings),
        roof_owner=units.roof_owner[first], nd_party=units.nd_party[first],
        consents=total(units.consents * units.n_buildings) / nb,
        income_ratio=total(units.income_ratio * units.n_buildings) / nb, nondomestic_profile=units.nondomestic_profile[first])
    if by == "area":
        return classes, groups
    area_dec = np.clip(groups.decile - 1, 0, 9)
    hh = ec._group_sum(10, area_dec, groups.households)
    w = groups.households.sum(axis=1)
    income = np.divide(ec._group_sum(10, area_dec, (groups.income_mean_gbp * w)[:, None])[:, 0], hh.sum(axis=1),
                       out=np.zeros(10), where=hh.sum(axis=1) > 0)
    deciles = ec.Groups(ids=np.arange(1, 11), households=hh, income_mean_gbp=income,
                        demand_dom_kwh=ec._group_sum(10, area_dec, groups.demand_dom_kwh),
                        demand_nd_kwh=ec._group_sum(10, area_dec, groups.demand_nd_kwh), decile=np.arange(1, 11))
    return classes, deciles


# ----------------------------------------------------------------------------------------------
# Parameters and draws
# ----------------------------------------------------------------------------------------------

def central_parameters(assumptions) -> dict:
    """Every parameter the kernel uses at its central value, as arrays of shape (1,)."""
    params = {}
    for group in DRAWN_GROUPS:
        params.update(assumptions.level(group))
    for group, name in DRAWN_EXTRA:
        params[name] = assumptions.get(group, name)
    return ec.as_draws(params)


def draw_parameters(assumptions, n_draws: int = N_DRAWS, seed: int = 0) -> tuple[dict, pd.DataFrame]:
    """Joint parameter draws: Latin hypercube, triangular(low, value, high) marginals, seeded.

    Parameters
    ----------
    assumptions : analysis.config.Assumptions
    n_draws : int
        Number of draws (a few hundred).
    seed : int
        The same seed gives the same draws.

    Returns
    -------
    (dict, pandas.DataFrame)
        Parameters as arrays ``(n_draws,)`` (undrawn ones repeated), and a long table
        (draw, group, name, value) of the drawn ones.
    """
    entries = [(g, n, e) for g in DRAWN_GROUPS for n, e in assumptions.groups[g].items()]
    entries += [(g, n, assumptions.groups[g][n]) for g, n in DRAWN_EXTRA]
    drawn = [(g, n, e) for g, n, e in entries if float(e["high"]) > float(e["low"])]
    u = latin_hypercube(n_draws, len(drawn), seed)
    params = {n: np.full(n_draws, float(e["value"])) for _, n, e in entries}
    rows = []
    for j, (g, n, e) in enumerate(drawn):
        params[n] = triangular_ppf(u[:, j], float(e["low"]), float(e["value"]), float(e["high"]))
        rows.append(pd.DataFrame({"draw": np.arange(n_draws), "group": g, "name": n, "value": params[n]}))
    return params, pd.concat(rows, ignore_index=True)


def latin_hypercube(n: int, d: int, seed: int) -> np.ndarray:
    """A Latin hypercube sample on [0, 1)^d: each column has one point in each of n equal strata."""
    rng = np.random.default_rng(seed)
    strata = np.argsort(rng.random((n, d)), axis=0)  # an independent permutation per column
    return (strata + rng.random((n, d))) / n


def triangular_ppf(u, low: float, mode: float, high: float) -> np.ndarray:
    """Inverse CDF of the triangular distribution on [low, high] with the given mode."""
    u = np.asarray(u, dtype=float)
    span = high - low
    c = (mode - low) / span
    return np.where(u < c, low + np.sqrt(u * span * (mode - low)), high - np.sqrt((1 - u) * span * (high - mode)))


# ----------------------------------------------------------------------------------------------
# Running scenarios
# ----------------------------------------------------------------------------------------------

def redistribute(gen: ec.Generation, groups: ec.Groups, distribution: str) -> ec.Generation:
    """The same public generation with its pooled surplus returned by another rule (no rerun)."""
    ledger = ec.Ledger(gen.ledger.n_groups, gen.ledger.n_draws,
                       {k: v.copy() for k, v in gen.ledger.entries.items() if k != ("households", "pooled_return")},
                       gen.ledger.real_value.copy())
    ledger.book("households", "pooled_return", ec.return_weights(groups, distribution, gen.pool_gbp) * gen.pool_gbp[None, None, :])
    out = ec.Generation(**{**gen.__dict__, "ledger": ledger})
    return out


def run_scenarios(units: ec.Units, groups: ec.Groups, params: dict, curve: ec.SelfConsumptionCurve,
                  names=None, cache: dict | None = None) -> dict:
    """Run scenarios (default: all of :data:`SCENARIOS`) with private networks and per-kWh recovery.

    Parameters
    ----------
    cache : dict, optional
        Generation models already run on these units, parameters and curve, by ``(model, roof
        set)``, plus their ``"base"`` quantities; filled with the ones run here (the policy step
        reuses them).

    Returns
    -------
    dict
        name -> (Generation, Ledger incl. network charges).
    """
    names = list(names or SCENARIOS)
    cache = {} if cache is None else cache
    out = {}
    market_share = None
    if "base" not in cache:
        cache["base"] = ec.base_quantities(units, params, curve)
    base = cache["base"]
    # One model's runs together (models in order of first appearance), so that its full-installation
    # flows can be freed after its last run: one model's at a time in memory, not five.
    models = list(dict.fromkeys(SCENARIOS[n][0] for n in names))
    runs_left = {m: sum(SCENARIOS[n][0] == m for n in names) for m in models}
    for name in sorted(names, key=lambda n: models.index(SCENARIOS[n][0])):
        model, roof_set, distribution = SCENARIOS[name]
        share = None
        if roof_set == "all_roofs":
            share = np.ones(len(units))
        elif roof_set == "market_roofs":
            if market_share is None:
                if ("market", "own") not in cache:
                    cache[("market", "own")] = ec.generation(units, groups, params, curve, "market", base=base)
                market_share = cache[("market", "own")].share
            share = market_share
        key = (model, roof_set)
        if key not in cache:
            cache[key] = ec.generation(units, groups, params, curve, model, share=share, base=base)
        gen = cache[key]
        if model == "public" and distribution != "equal":
            gen = redistribute(gen, groups, distribution)
        if key == ("market", "own"):
            market_share = gen.share
        ledger = gen.ledger.merge(ec.network_and_supply(gen, groups, params))
        out[name] = (gen, ledger)
        runs_left[model] -= 1
        if not runs_left[model]:
            base.get("models", {}).pop(model, None)
    base.pop("models", None)  # any left (e.g. the market's, run only for its roofs)
    return {name: out[name] for name in names}


def households_losing(gen: ec.Generation, ledger: ec.Ledger, units: ec.Units, groups: ec.Groups,
                      threshold: float = LOSS_THRESHOLD_GBP) -> np.ndarray:
    """Expected households whose net change is below −threshold, by group and tenure ``(G, 4, D)``.

    Money specific to a building (bill savings, owner income, roof rent to owner-occupiers, free
    power) reaches only households in buildings that install (expected share ``s``); everything
    else (cost shift, pooled returns, member interest, levies) is shared evenly by the households
    of a group and tenure.
    """
    total = ledger.households()  # (G, 4, D)
    s = gen.share  # (U, D)
    G = len(groups)
    out = np.zeros_like(total)
    # Group sums that depend on the generation only (not on the cell's ledger): kept with it, as
    # the policy matrix books one generation under six network and recovery rules.
    kept = gen.memo.get("losing")
    sums = kept[2] if kept is not None and kept[0] is units.dwellings and kept[1] == G else None
    new_sums = []
    for t, (rows, group_rows, hh_t, hh_sum) in enumerate(_tenure_rows(units, G)):  # four tenures, each vectorised
        # Only units with households of this tenure count: (n_t, D) work instead of (U, D).
        s_t = s[rows]
        specific_u = gen.unit_per_household[rows]  # £ per household of an installing building
        if t == 0:
            specific_u = specific_u + gen.unit_owner_extra[rows]
        if sums is None:
            new_sums.append((hh_t @ s_t, hh_t @ (specific_u * s_t)))  # installing households and their money (G, D)
        installed, specific = sums[t] if sums is not None else new_sums[t]
        h = groups.households[:, t:t + 1]
        common = np.divide(total[:, t, :] - specific, h, out=np.zeros_like(specific), where=h > 0)  # (G, D)
        # Installing households lose when common + specific money is below the threshold; the others
        # (all of a group's households of the tenure less the installing ones) when the common part is.
        loses_installed = hh_t @ (s_t * ((common[group_rows] + specific_u) < -threshold))
        out[:, t, :] = loses_installed + (common < -threshold) * (hh_sum - installed)
    if sums is None:
        gen.memo["losing"] = (units.dwellings, G, new_sums)
    return out


_TENURE_ROWS: list = []


def _tenure_rows(units: ec.Units, n_groups: int) -> list:
    """Per tenure: the units with households of it, their groups, a sparse ``(G, n_t)`` sum weighted
    by those households, and its row sums ``(G, 1)``; kept for the last few unit sets (by identity)."""
    from scipy import sparse

    for dwellings, group, n, value in _TENURE_ROWS:
        if dwellings is units.dwellings and group is units.group and n == n_groups:
            return value
    value = []
    for t in range(ec.NO_TENURE):
        rows = np.flatnonzero(units.dwellings[:, t] > 0)
        matrix = sparse.csr_matrix((units.dwellings[rows, t], (units.group[rows], np.arange(len(rows)))),
                                   shape=(n_groups, len(rows)))
        value.append((rows, units.group[rows], matrix, np.asarray(matrix.sum(axis=1))))
    _TENURE_ROWS.insert(0, (units.dwellings, units.group, n_groups, value))
    del _TENURE_ROWS[4:]
    return value


def _components(ledger: ec.Ledger) -> dict:
    """Household money by component ``(G, 4, D)`` plus the community fund by group ``(G, D)``."""
    comps = {}
    for (party, component), arr in ledger.entries.items():
        if party in ec.HOUSEHOLD_PARTIES:
            key = "member_interest" if party == "coop_members" else component
            comps[key] = comps.get(key, 0.0) + arr[:, :ec.NO_TENURE, :]
    return comps


COST_COMPONENTS = ("network_charges", "generation_levy")


def metrics(gen: ec.Generation, ledger: ec.Ledger, units: ec.Units, groups: ec.Groups,
            losing: np.ndarray | None = None) -> dict:
    """Headline numbers of one scenario for every draw, each an array ``(D,)``.

    Decile figures use the groups' deciles (areas ranked by income, household-weighted).
    ``losing`` is :func:`households_losing` of the same arguments when already computed.
    """
    net = ledger.households()  # (G, 4, D)
    h = groups.households  # (G, 4)
    H = h.sum()
    comps = _components(ledger)
    cost = sum(comps.get(c, 0.0) for c in COST_COMPONENTS)
    cost = cost if np.ndim(cost) else np.zeros_like(net)
    benefit = net - cost
    dec = groups.decile
    out = {"installed_mwp": gen.installed_kwp.sum(axis=0) / 1000,
           "real_value_gbp": ledger.real_value.sum(axis=0),
           "households_net_gbp": net.sum(axis=(0, 1)),
           "net_per_household": net.sum(axis=(0, 1)) / H,
           "cost_shift_per_household": -cost.sum(axis=(0, 1)) / H}
    mwp = out["installed_mwp"]
    out["households_net_per_mwp"] = np.divide(out["households_net_gbp"], mwp, out=np.full_like(mwp, np.nan), where=mwp > 1e-9)
    parties = ledger.party_totals()
    for party in ("treasury", "capital_providers", "community_fund", "private_landlords", "social_landlords",
                  "businesses", "aggregator", "public_bodies", "private_freeholders"):
        out[f"{party}_gbp"] = parties.get(party, np.zeros_like(mwp))
    out["community_fund_per_household"] = out["community_fund_gbp"] / H
    per_dec = np.zeros((10, net.shape[2]))
    ben_dec = np.zeros_like(per_dec)
    hh_dec = np.zeros(10)
    inc_dec = np.zeros(10)
    for d in range(1, 11):  # ten deciles
        m = dec == d
        hh_dec[d - 1] = h[m].sum()
        per_dec[d - 1] = net[m].sum(axis=(0, 1)) / max(hh_dec[d - 1], 1e-9)
        ben_dec[d - 1] = benefit[m].sum(axis=(0, 1)) / max(hh_dec[d - 1], 1e-9)
        inc_dec[d - 1] = (groups.income_mean_gbp[m] * h[m].sum(axis=1)).sum() / max(hh_dec[d - 1], 1e-9)
    out["bottom_decile_net"], out["top_decile_net"] = per_dec[0], per_dec[9]
    out["top_minus_bottom_gbp"] = per_dec[9] - per_dec[0]
    # A place with few areas has empty deciles: no income there, so no share of it (NaN, not a warning).
    pct = lambda net_d, inc_d: np.divide(net_d * 100, inc_d, out=np.full_like(net_d, np.nan), where=inc_d > 0)  # noqa: E731
    out["bottom_decile_net_pct_income"] = pct(per_dec[0], inc_dec[0])
    out["top_decile_net_pct_income"] = pct(per_dec[9], inc_dec[9])
    ok = hh_dec > 0
    out["concentration_benefit_deciles"] = inequality.concentration_index_draws(ben_dec[ok], inc_dec[ok], hh_dec[ok])
    losing = households_losing(gen, ledger, units, groups) if losing is None else losing
    out["households_losing"] = losing.sum(axis=(0, 1))
    out["share_losing"] = out["households_losing"] / H
    for t, tenure in enumerate(ec.TENURES[:3]):
        ht = h[:, t].sum()
        out[f"{tenure}_net_per_household"] = net[:, t, :].sum(axis=0) / max(ht, 1e-9)
        out[f"{tenure}_share_losing"] = losing[:, t, :].sum(axis=0) / max(ht, 1e-9)
    out["ledger_imbalance_gbp"] = ledger.imbalance()
    return out


#: Headline metrics whose value a scenario's return rule sets, not the data (never reported as findings).
FIXED_METRICS = {"equal": ("concentration_benefit_deciles", "top_minus_bottom_gbp"),
                 "progressive": ("concentration_benefit_deciles",)}


def fixed_by_construction(name: str, metric: str | None = None) -> str:
    """Why an index of this scenario is set by its rule rather than found ('' when it is not).

    With ``metric``, '' unless that metric is one the rule fixes (:data:`FIXED_METRICS`): an
    equal public return makes the concentration 0 and the richest-minus-poorest gap 0 apart
    from roof rent; a progressive one makes the concentration negative whenever there is a surplus.
    """
    model, _, distribution = SCENARIOS.get(name, (name, "own", "equal"))
    if model != "public":
        return ""
    if metric is not None and metric not in FIXED_METRICS.get(distribution, ()):
        return ""
    if distribution == "equal":
        return ("public surplus returned equally per household: concentration of gains 0 and the "
                "richest-minus-poorest gap 0 (but for roof rent) by construction")
    if distribution == "progressive":
        return "public surplus returned in proportion to 1/income: negative concentration by construction"
    return ""


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def area_table(name: str, gen: ec.Generation, ledger: ec.Ledger, groups: ec.Groups) -> pd.DataFrame:
    """Per area: households, installed kWp, money by component and per household (central draw)."""
    return pd.DataFrame(area_columns(name, gen, ledger, groups))


def area_columns(name: str, gen: ec.Generation, ledger: ec.Ledger, groups: ec.Groups) -> dict:
    """The columns of :func:`area_table` as arrays (``scenario`` as one string; see :func:`frame_of`)."""
    comps = _components(ledger)
    h = groups.households.sum(axis=1)
    div = lambda x: np.divide(x, h, out=np.zeros_like(h), where=h > 0)  # noqa: E731
    out = {"scenario": name, "area_id": groups.ids, "households": h, "income_mean_gbp": groups.income_mean_gbp,
           "decile": groups.decile, "installed_kwp": gen.installed_kwp[:, 0], "installed_kwh": gen.generation_kwh[:, 0]}
    for comp in ("bill_savings", "free_power", "owner_income", "roof_rent", "pooled_return", "member_interest",
                 "supply_return", "network_charges", "generation_levy"):
        out[comp] = comps[comp][:, :, 0].sum(axis=1) if comp in comps else np.zeros(len(h))
    net = ledger.households()[:, :, 0].sum(axis=1)
    cost = -(out["network_charges"] + out["generation_levy"])
    out["net"] = net
    out["cost_shift"] = -cost  # negative: households pay (kept for compatibility: scenario_area.cost_shift)
    out["net_per_household"] = div(net)
    out["cost_shift_per_household"] = div(cost)
    out["benefit_per_household"] = div(net + cost)
    out["community_fund_per_household"] = div(ledger.party_group("community_fund")[:, 0])
    out["net_pct_income"] = out["net_per_household"] / out["income_mean_gbp"] * 100
    return out


def frame_of(parts: list) -> pd.DataFrame:
    """One frame from column dicts with the same keys: arrays are concatenated, a string is
    repeated to its part's length (one frame at the end instead of one per scenario and a concat)."""
    if not parts:
        return pd.DataFrame()
    lengths = [next(len(v) for v in part.values() if not isinstance(v, str)) for part in parts]
    return pd.DataFrame({key: np.concatenate([np.repeat(np.asarray(part[key]), n) if isinstance(part[key], str)
                                              else np.asarray(part[key]) for part, n in zip(parts, lengths)])
                         for key in parts[0]})


def party_records(label: str, ledger: ec.Ledger, draw: int = 0) -> list:
    """``(label, party, component, £/yr)`` of one ledger and draw, as :meth:`analysis.economics.Ledger.frame`."""
    return [(label, party, component, float(arr[:, :, draw].sum())) for (party, component), arr in sorted(ledger.entries.items())]


def group_tables(name: str, gen, ledger, units, groups, losing: np.ndarray | None = None, key: str = "scenario"
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per income decile and per tenure: households, net/benefit/cost per household, % of income, losers.

    ``losing`` is :func:`households_losing` of the same arguments when already computed; ``key``
    names the column that holds ``name``.
    """
    dec, ten = group_columns(name, gen, ledger, units, groups, losing, key)
    return pd.DataFrame(dec), pd.DataFrame(ten)


def group_columns(name: str, gen, ledger, units, groups, losing: np.ndarray | None = None, key: str = "scenario"
                  ) -> tuple[dict, dict]:
    """The columns of :func:`group_tables` as arrays (``key`` as one string; see :func:`frame_of`)."""
    net = ledger.households()[:, :, 0]
    comps = _components(ledger)
    cost = -sum(comps[c][:, :, 0] for c in COST_COMPONENTS if c in comps) if any(c in comps for c in COST_COMPONENTS) \
        else np.zeros_like(net)
    losing = (households_losing(gen, ledger, units, groups) if losing is None else losing)[:, :, 0]
    h = groups.households
    inc = groups.income_mean_gbp[:, None] * h
    kwp = gen.installed_kwp[:, 0]

    def by_decile(values):  # (G,) -> (10,): sums over the groups of each decile (decile 0: no households)
        return np.bincount(groups.decile, weights=values, minlength=11)[1:11]

    hh_d = by_decile(h.sum(axis=1))
    keep = hh_d > 0
    sums = {k: by_decile(v)[keep] for k, v in (("inc", inc.sum(axis=1)), ("kwp", kwp), ("net", net.sum(axis=1)),
                                                ("cost", cost.sum(axis=1)), ("losing", losing.sum(axis=1)))}
    hh_d = hh_d[keep]
    dec = dict({key: name, "decile": np.arange(1, 11)[keep], "households": hh_d,
                        "income_mean_gbp": sums["inc"] / hh_d, "installed_kwp": sums["kwp"],
                        "net_per_household": sums["net"] / hh_d, "cost_per_household": sums["cost"] / hh_d,
                        "benefit_per_household": (sums["net"] + sums["cost"]) / hh_d,
                        "households_losing": sums["losing"], "share_losing": sums["losing"] / hh_d,
                        "net_pct_income": sums["net"] / hh_d / (sums["inc"] / hh_d) * 100})
    hh_t = h.sum(axis=0)
    keep = hh_t > 0
    hh_t = hh_t[keep]
    inc_t, net_t, cost_t, losing_t = (x.sum(axis=0)[keep] for x in (inc, net, cost, losing))
    ten = dict({key: name, "tenure": np.asarray(ec.TENURES)[keep], "households": hh_t,
                        "income_mean_gbp": inc_t / hh_t, "net_per_household": net_t / hh_t,
                        "cost_per_household": cost_t / hh_t, "benefit_per_household": (net_t + cost_t) / hh_t,
                        "households_losing": losing_t, "share_losing": losing_t / hh_t,
                        "net_pct_income": net_t / hh_t / (inc_t / hh_t) * 100})
    return dec, ten


def roof_owner_table(name: str, gen: ec.Generation, units: ec.Units) -> pd.DataFrame:
    """Installed kWp by roof owner (central draw)."""
    return pd.DataFrame(roof_owner_columns(name, gen, units))


def roof_owner_columns(name: str, gen: ec.Generation, units: ec.Units) -> dict:
    """The columns of :func:`roof_owner_table` as arrays (see :func:`frame_of`)."""
    kwp, _ = ec._scaled_potential(units, np.zeros(1))
    by_owner = lambda x: np.bincount(units.roof_owner, weights=x, minlength=len(ec.ROOF_OWNERS))  # noqa: E731
    return {"scenario": name, "roof_owner": np.asarray(ec.ROOF_OWNERS),
            "installed_kwp": by_owner(gen.share[:, 0] * kwp[:, 0]),
            "buildings_installed": by_owner(gen.share[:, 0] * units.n_buildings)}


def robustness(draw_metrics: dict, central: dict, comparisons: dict | None = None) -> pd.DataFrame:
    """Each headline with its central value, 90 % interval over the draws and the share of draws
    in which its sign matches the central sign; ``robust`` when that share ≥ :data:`ROBUST_SHARE`.

    Parameters
    ----------
    draw_metrics : dict
        scenario -> metric -> array ``(D,)``.
    central : dict
        scenario -> metric -> float (the building-level central result).
    comparisons : dict, optional
        label -> (scenario_a, scenario_b, metric): the difference a − b is a headline too.
    """
    keys, values_list, centres = [], [], []

    scales = []  # per row: the size of the amounts it is made of [same units]

    def row(scenario, metric, values, centre, kind, parts=()):
        if not np.isfinite(centre):
            return
        keys.append((scenario, metric, kind))
        values_list.append(np.asarray(values, dtype=float))
        centres.append(float(centre))
        # A difference a - b is as noisy as a and b are large, not as the difference is.
        sizes = [np.abs(np.asarray(v, dtype=float)) for v in (values, [centre], *parts)]
        finite = np.concatenate([x[np.isfinite(x)] for x in sizes])
        scales.append(float(finite.max()) if finite.size else 0.0)

    for scenario, mets in draw_metrics.items():
        for metric, values in mets.items():
            if metric == "ledger_imbalance_gbp" or metric not in central.get(scenario, {}):
                continue
            if fixed_by_construction(scenario, metric):
                continue  # set by the return rule, not a finding
            row(scenario, metric, values, central[scenario][metric], "level")
    for label, (a, b, metric) in (comparisons or {}).items():
        if a in draw_metrics and b in draw_metrics:
            row(label, metric, draw_metrics[a][metric] - draw_metrics[b][metric],
                central[a][metric] - central[b][metric], "difference",
                parts=(draw_metrics[a][metric], draw_metrics[b][metric]))
    columns = ["scenario", "metric", "kind", "central", "low", "median", "high", "share_same_sign", "verdict"]
    if not keys:
        return pd.DataFrame(columns=columns)
    values = np.vstack(values_list)  # (rows, D): one quantile call for all headlines
    centre = np.array(centres)
    low, median, high = _row_quantiles(values, [0.05, 0.5, 0.95])
    finite = np.isfinite(values)
    # Signs of amounts at rounding level (1e-9 of the largest finite amount the row is made of) are
    # noise, not findings: they count as zero (otherwise the order of a sum, e.g. how a place was
    # partitioned, could flip them).
    scale = np.array(scales)[:, None]
    sign = np.where(np.abs(values) <= 1e-9 * scale, 0.0, np.sign(values))
    sign_centre = np.where(np.abs(centre) <= 1e-9 * scale[:, 0], 0.0, np.sign(centre))[:, None]
    same = sign == sign_centre
    share = (same & finite).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
    frame = pd.DataFrame(keys, columns=["scenario", "metric", "kind"])
    frame["central"], frame["low"], frame["median"], frame["high"] = centre, low, median, high
    frame["share_same_sign"] = share
    frame["verdict"] = np.where(share >= ROBUST_SHARE, "robust", "fragile")
    return frame[columns]


def _row_quantiles(values: np.ndarray, q) -> np.ndarray:
    """``np.nanquantile(values, q, axis=1)``, with rows free of NaN in one vectorised call
    (nanquantile works row by row) [same units as values]."""
    out = np.empty((len(q), values.shape[0]))
    gaps = np.isnan(values).any(axis=1)
    if (~gaps).any():
        out[:, ~gaps] = np.quantile(values[~gaps], q, axis=1)
    if gaps.any():
        out[:, gaps] = np.nanquantile(values[gaps], q, axis=1)
    return out


def verdict(share_same_sign: float, threshold: float = ROBUST_SHARE) -> str:
    """``robust`` when the sign holds in at least ``threshold`` of the draws, else ``fragile``."""
    return "robust" if share_same_sign >= threshold else "fragile"


#: Two amounts within this share of the larger are "about the same" (direction words in the book).
SAME_SHARE = 0.05


def compare_word(a: float, b: float, more: str = "more", less: str = "less", same: str = "about the same",
                 rel: float = SAME_SHARE) -> str:
    """``more`` if a exceeds b by more than ``rel`` of the larger magnitude, ``less`` if below, else ``same``."""
    scale = max(abs(a), abs(b))
    if scale == 0 or abs(a - b) <= rel * scale:
        return same
    return more if a > b else less


def sign_word(value: float, positive: str, negative: str, zero: str, tolerance: float = 0.5) -> str:
    """A word for the sign of ``value``, with ``zero`` inside ±``tolerance`` (e.g. £0.50)."""
    if abs(value) <= tolerance:
        return zero
    return positive if value > 0 else negative


def comparison_set() -> dict:
    """Equal-capacity comparisons that separate ownership from scale (label -> (a, b, metric))."""
    out = {}
    for roof_set, base in (("all_roofs", "market@all_roofs"), ("market_roofs", "market")):
        for other in ("public", "public_progressive", "coop", "aggregator"):
            a = f"{other}@{roof_set}"
            for metric in ("net_per_household", "bottom_decile_net", "top_minus_bottom_gbp",
                           "social_rented_net_per_household", "private_rented_net_per_household", "share_losing"):
                out[f"{a} minus {base}: {metric}"] = (a, base, metric)
    return out


# ----------------------------------------------------------------------------------------------
# Heat ownership: solar district heating with seasonal storage in district-heating zones
# ----------------------------------------------------------------------------------------------

HEAT_MODELS = ("council", "coop", "esco")


def heat_ownership(area_heat: pd.DataFrame, groups: ec.Groups, params: dict, log: QualityLog | None = None,
                   book_by_decile: bool = False) -> dict:
    """Who captures the savings of a solar district heat scheme, by owner (council, co-op, ESCO).

    In every district-heating candidate area, the dwellings in the zone that connect
    (``heat_connection_share``) give up their gas boilers for a heat network fed by rooftop
    collectors and a seasonal store (sized by the heat step), topped up by gas boilers in an
    energy centre. Owners differ in their cost of capital and tariff: the **council** charges
    cost (at the public rate), the **co-op** cost at its share interest (members get the premium),
    a private **ESCO** charges the gas counterfactual less a small discount and builds only where
    that pays at an investor's rate. VAT (5 %) is charged on gas and on heat. The counterfactual
    is gas at the retail price through a boiler of ``boiler_efficiency`` plus the boiler's annual
    cost.

    With ``book_by_decile`` the ledgers are kept by income decile (10 groups, as the decile
    groups of :func:`class_units`) instead of by area: enough for :func:`heat_metrics` with those
    groups, and many draws then need no ``areas × 5 × draws`` array per flow.

    Returns
    -------
    dict
        model -> dict with ``ledger`` (Ledger over the areas, households by tenure), ``built``
        (A, D) bool, ``connected`` (A,) households, ``per_household`` (A, D) £/yr per connected
        household, ``bill_ratio`` (D,) heat bill / gas counterfactual bill of connected homes,
        ``solar_kwh`` (A,), ``heat_kwh`` (A,).
    """
    log = log if log is not None else QualityLog()
    p = params
    D = len(p["gas_price_gbp_per_kwh"])
    ah = area_heat.set_index("area_id").reindex(groups.ids)
    cand = ah["dh_candidate_area"].fillna(False).astype(bool).to_numpy()
    share_zone = ah["share_buildings_in_dh_zone"].fillna(0).to_numpy(dtype=float)
    if "heat_kwh_domestic" in ah:
        heat_dom = ah["heat_kwh_domestic"].to_numpy(dtype=float)
    else:
        heat_dom = np.full(len(ah), np.nan)
    missing = np.isnan(heat_dom)
    if missing.any():
        heat_dom = np.where(missing, ah["heat_kwh_central"].fillna(0).to_numpy(dtype=float), heat_dom)
        log.record("economics", "heat_kwh_domestic", records=len(ah), imputed=int(missing.sum()),
                   note="no domestic/non-domestic split of heat demand: all modelled heat taken as domestic")
    heat_all = ah["heat_kwh_central"].fillna(0).to_numpy(dtype=float)
    f_solar = ah["sdh_solar_fraction"].fillna(0).to_numpy(dtype=float)
    coll = ah["sdh_collector_m2"].fillna(0).to_numpy(dtype=float)
    store = ah["sdh_store_m3"].fillna(0).to_numpy(dtype=float)
    hh = groups.households  # (A, 4)
    conn_share = p["heat_connection_share"][None, :]
    zone = (cand * share_zone)[:, None]
    connected = hh.sum(axis=1)[:, None] * zone * conn_share  # (A, D)
    heat = heat_dom[:, None] * zone * conn_share
    scale = np.divide(heat, heat_all[:, None], out=np.zeros_like(heat), where=heat_all[:, None] > 0)
    collector_m2, store_m3 = coll[:, None] * scale, store[:, None] * scale
    solar_kwh = f_solar[:, None] * heat
    vat = p["vat_rate_domestic_energy"][None, :]
    gas_ex = heat / p["boiler_efficiency"][None, :] * p["gas_price_gbp_per_kwh"][None, :] / (1 + vat)
    counterfactual = gas_ex * (1 + vat) + connected * p["gas_boiler_annual_cost_gbp"][None, :]  # households' bill today
    life_coll, life_net = p["lifetime_years"][None, :], p["heat_network_lifetime_years"][None, :]
    cap_coll = collector_m2 * p["sdh_collector_capex_gbp_per_m2"][None, :]
    cap_net = store_m3 * p["sdh_store_capex_gbp_per_m3"][None, :] + connected * p["heat_network_capex_gbp_per_dwelling"][None, :]
    running = p["heat_network_om_share_of_capex"][None, :] * (cap_coll + cap_net) \
        + (heat - solar_kwh) * p["backup_heat_cost_gbp_per_kwh"][None, :]

    def cost(rate):
        return (cap_coll * ec.capital_recovery_factor(rate, life_coll) + cap_net * ec.capital_recovery_factor(rate, life_net)
                + running)

    c_ref = cost(p["discount_rate_public"][None, :])
    real = gas_ex + connected * p["gas_boiler_annual_cost_gbp"][None, :] - c_ref
    tenure_split = np.divide(hh, hh.sum(axis=1, keepdims=True), out=np.zeros_like(hh), where=hh.sum(axis=1, keepdims=True) > 0)
    if book_by_decile:  # sums of area rows by decile (areas without households count in the first, as in class_units)
        n_ledger, area_decile = 10, np.clip(groups.decile - 1, 0, 9)
        to_ledger = lambda x: ec._group_sum(10, area_decile, np.asarray(x, dtype=float))  # noqa: E731
    else:
        n_ledger, to_ledger = len(groups), lambda x: x  # noqa: E731
    out = {}
    for model in HEAT_MODELS:
        ledger = ec.Ledger(n_ledger, D)
        if model == "council":
            c = c_ref
            built = (heat > 0)
            bill_ex = c
        elif model == "coop":
            c = cost(p["discount_rate_coop"][None, :])
            built = (heat > 0)
            bill_ex = c
        else:
            c = cost(p["discount_rate_aggregator"][None, :])
            bill_ex = (1 - p["esco_gas_parity_discount"][None, :]) * counterfactual / (1 + vat)
            built = (heat > 0) & (bill_ex >= c)
        b = built.astype(float)
        household_gain = b * (counterfactual - bill_ex * (1 + vat))
        ledger.book("households", "heat_bill_saving", to_ledger(tenure_split[:, :, None] * household_gain[:, None, :]))
        ledger.book("treasury", "vat_on_bills", to_ledger(b * vat * (bill_ex - gas_ex)))
        premium = b * (c - c_ref)
        if model == "coop":
            ledger.book("coop_members", "interest_above_public_rate",
                        to_ledger(ec.membership_weights(groups, p)) * premium.sum(axis=0)[None, None, :])
        elif model == "esco":
            ledger.book("esco", "profit", to_ledger(b * (bill_ex - c)))
            ledger.book("capital_providers", "interest_above_public_rate", to_ledger(premium))
        ledger.real_value = to_ledger(b * real)
        conn_built = b * connected
        bills = (b * bill_ex * (1 + vat)).sum(axis=0)
        today = (b * counterfactual).sum(axis=0)
        out[model] = {"ledger": ledger, "built": built, "connected": conn_built,
                      "per_household": np.divide(household_gain, conn_built, out=np.zeros_like(household_gain),
                                                 where=conn_built > 0),
                      "bill_ratio": np.divide(bills, today, out=np.full(D, np.nan), where=today > 0),
                      "solar_kwh": b * solar_kwh, "heat_kwh": b * heat, "capex_gbp": b * (cap_coll + cap_net)}
    return out


def heat_metrics(res: dict, groups: ec.Groups) -> dict:
    """Headlines of one heat owner per draw: connected households, saving per connected household,
    bill ratio, share of connected households losing, owner and Treasury totals."""
    ledger = res["ledger"]
    conn = res["connected"].sum(axis=0)
    hh_gain = ledger.households().sum(axis=(0, 1))
    losing = (res["connected"] * (res["per_household"] < -LOSS_THRESHOLD_GBP)).sum(axis=0)
    parties = ledger.party_totals()
    dec = groups.decile
    bottom = dec <= 3
    return {"households_connected": conn, "heat_gwh": res["heat_kwh"].sum(axis=0) / 1e6,
            "solar_heat_gwh": res["solar_kwh"].sum(axis=0) / 1e6,
            "saving_per_connected_household": np.divide(hh_gain, conn, out=np.full_like(conn, np.nan), where=conn > 0),
            "bill_ratio": res["bill_ratio"], "share_connected_losing": np.divide(losing, conn, out=np.full_like(conn, np.nan), where=conn > 0),
            "bottom3_decile_saving_gbp": ledger.households()[bottom].sum(axis=(0, 1)),
            "treasury_gbp": parties.get("treasury", np.zeros_like(conn)),
            "owner_gbp": parties.get("esco", parties.get("coop_members", np.zeros_like(conn))),
            "real_value_gbp": ledger.real_value.sum(axis=0), "ledger_imbalance_gbp": ledger.imbalance()}


def heat_tables(res_central: dict, groups: ec.Groups) -> dict:
    """Store tables of the central heat-ownership run: summary, by decile, by tenure."""
    summary, dec_rows, ten_rows = [], [], []
    h = groups.households
    for model, res in res_central.items():
        m = {k: float(v[0]) for k, v in heat_metrics(res, groups).items()}
        summary.append({"model": model, "areas_built": int(res["built"][:, 0].sum()), **m,
                        "capex_gbp": float(res["capex_gbp"][:, 0].sum())})
        gain = res["ledger"].households()[:, :, 0]
        conn = res["connected"][:, 0]
        share_t = np.divide(h, h.sum(axis=1, keepdims=True), out=np.zeros_like(h), where=h.sum(axis=1, keepdims=True) > 0)
        conn_t = conn[:, None] * share_t
        for d in range(1, 11):
            sel = groups.decile == d
            hh = h[sel].sum()
            if hh > 0:
                dec_rows.append({"model": model, "decile": d, "households": hh, "households_connected": conn[sel].sum(),
                                 "saving_per_household": gain[sel].sum() / hh,
                                 "saving_per_connected_household": gain[sel].sum() / max(conn[sel].sum(), 1e-9)
                                 if conn[sel].sum() > 0 else np.nan})
        for t, tenure in enumerate(ec.TENURES):
            hh = h[:, t].sum()
            if hh > 0:
                ten_rows.append({"model": model, "tenure": tenure, "households": hh,
                                 "households_connected": conn_t[:, t].sum(), "saving_per_household": gain[:, t].sum() / hh,
                                 "saving_per_connected_household": gain[:, t].sum() / conn_t[:, t].sum()
                                 if conn_t[:, t].sum() > 0 else np.nan})
    return {"heat_ownership": pd.DataFrame(summary), "heat_ownership_decile": pd.DataFrame(dec_rows),
            "heat_ownership_tenure": pd.DataFrame(ten_rows)}


# ----------------------------------------------------------------------------------------------
# Observed adoption
# ----------------------------------------------------------------------------------------------

def adoption_comparison(observed: pd.DataFrame, market_area: pd.DataFrame, groups: ec.Groups,
                        market_buildings: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare the market scenario's pattern of installations with observed installations per area.

    Parameters
    ----------
    observed : pandas.DataFrame
        ``area_id``, ``installations`` and optionally ``capacity_kw`` (from
        :func:`analysis.ingest.adoption.read_observed_adoption`).
    market_area : pandas.DataFrame
        The market scenario's ``scenario_area`` rows (``area_id``, ``installed_kwp``, ``households``).
    groups : Groups
        Area groups (households by tenure, income).
    market_buildings : numpy.ndarray
        Expected number of buildings installing per area under the market scenario.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Per-area table and a comparison table (metric, observed, modelled): Spearman rank
        correlation of installations per household, concentration index of installations
        by income, correlation with the owner-occupier share, totals.
    """
    def spearmanr(x, y) -> float:
        return float(pd.Series(np.asarray(x, dtype=float)).corr(pd.Series(np.asarray(y, dtype=float)), method="spearman"))

    h = groups.households.sum(axis=1)
    frame = pd.DataFrame({"area_id": groups.ids, "households": h, "income_mean_gbp": groups.income_mean_gbp,
                          "owner_occupier_share": np.divide(groups.households[:, 0], h, out=np.zeros_like(h), where=h > 0),
                          "modelled_installations": market_buildings,
                          "modelled_kwp": market_area.set_index("area_id").reindex(groups.ids)["installed_kwp"].to_numpy()})
    frame = frame.merge(observed, on="area_id", how="left")
    frame["observed_installations"] = frame.pop("installations")
    ok = (frame["households"] > 0) & frame["observed_installations"].notna()
    f = frame[ok]
    obs_rate = f["observed_installations"] / f["households"]
    mod_rate = f["modelled_installations"] / f["households"]
    rows = [{"metric": "areas compared", "observed": float(ok.sum()), "modelled": float(ok.sum())},
            {"metric": "installations", "observed": float(f["observed_installations"].sum()),
             "modelled": float(f["modelled_installations"].sum())},
            {"metric": "rank correlation of installations per household (Spearman)",
             "observed": spearmanr(obs_rate, mod_rate) if len(f) > 2 else np.nan, "modelled": 1.0}]
    for label, col in (("income", "income_mean_gbp"), ("owner-occupier share", "owner_occupier_share")):
        rows.append({"metric": f"concentration index of installations by {label}",
                     "observed": inequality.concentration_index(obs_rate, f[col], f["households"]) if obs_rate.sum() > 0 else np.nan,
                     "modelled": inequality.concentration_index(mod_rate, f[col], f["households"]) if mod_rate.sum() > 0 else np.nan})
        rows.append({"metric": f"rank correlation of installations per household with {label}",
                     "observed": spearmanr(obs_rate, f[col]) if len(f) > 2 else np.nan,
                     "modelled": spearmanr(mod_rate, f[col]) if len(f) > 2 else np.nan})
    if "capacity_kw" in frame:
        rows.append({"metric": "capacity [kW]", "observed": float(f["capacity_kw"].sum()),
                     "modelled": float(f["modelled_kwp"].sum())})
    return frame, pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# The pipeline step
# ----------------------------------------------------------------------------------------------

def build_curve(assumptions, pv_profile=None, latitude: float | None = None, log: QualityLog | None = None
                ) -> ec.SelfConsumptionCurve:
    """Self-consumption curve from the place's hourly PV shape and the standard load profiles.

    The hourly simulation depends only on the PV shape, the battery efficiency and the code, so
    it is kept in :mod:`analysis.cache` under a key of those (``ANALYSIS_NO_CACHE=1`` bypasses it).
    """
    import hashlib

    import demandlib

    from analysis import cache

    log = log if log is not None else QualityLog()
    if pv_profile is None:
        lat = 51.5 if latitude is None else float(latitude)
        log.default("economics", "pv_profile", 1, f"clear-sky PV shape at latitude {lat:.1f}",
                    "no hourly PV profile from the place's weather was given")
        pv_profile = ec.clear_sky_pv_shape(lat)
    eff = assumptions.get("batteries", "battery_round_trip_efficiency")

    def compute():
        domestic, nondomestic = ec.standard_load_profiles()
        return ec.self_consumption_curve(pv_profile, domestic, nondomestic, eff,
                                         source="hourly simulation: place PV shape x BDEW H25/G25 load profiles")

    profile = np.ascontiguousarray(pv_profile, dtype=float)
    key = cache.key_of(pv=hashlib.sha256(profile.tobytes()).hexdigest(), eff=float(eff),
                       demandlib=demandlib.__version__, code=cache.code_hash("economics.py"))
    return cache.cached("self-consumption-curve", key, compute)


def shared_work(shared: dict | None, buildings_units, assumptions, curve) -> dict:
    """The dict of work shared by the economics and policy steps of one run (a fresh one when ``None``).

    Both steps run the same generation models on the same classes of roofs with the same
    parameters; the first step leaves them in ``shared`` and the second reuses them. The dict is
    emptied when it was filled for other inputs (other units, assumptions or curve), so reuse can
    never mix runs.
    """
    if shared is None:
        return {}
    source = shared.get("_source")
    if source is None or any(a is not b for a, b in zip(source, (buildings_units, assumptions, curve))):
        shared.clear()
        shared["_source"] = (buildings_units, assumptions, curve)
    return shared


def central_inputs(work: dict, buildings_units: ec.Units, groups: ec.Groups, assumptions) -> tuple:
    """Per-area classes of roofs and the central parameters, computed once per shared work dict."""
    if "central inputs" not in work:
        units, _ = class_units(buildings_units, groups, by="area")
        work["central inputs"] = (units, central_parameters(assumptions))
    return work["central inputs"]


def draw_inputs(work: dict, buildings_units: ec.Units, groups: ec.Groups, assumptions, n_draws: int, seed: int) -> tuple:
    """Per-decile classes, decile groups, parameter draws and their table, computed once per shared work dict."""
    if "decile classes" not in work:
        work["decile classes"] = class_units(buildings_units, groups)
    key = ("parameter draws", n_draws, seed)
    if key not in work:
        work[key] = draw_parameters(assumptions, n_draws, seed)
    return (*work["decile classes"], *work[key])


def economics_step(buildings: pd.DataFrame, potential: pd.DataFrame, areas: pd.DataFrame, area_heat: pd.DataFrame,
                   assumptions, seed: int, log: QualityLog | None = None, observed_adoption: pd.DataFrame | None = None,
                   pv_profile=None, n_draws: int = N_DRAWS, curve: ec.SelfConsumptionCurve | None = None,
                   prepared: tuple | None = None, shared: dict | None = None) -> dict:
    """Ownership scenarios, heat ownership and parameter draws: the store tables of the economics step.

    Parameters
    ----------
    buildings, potential, areas, area_heat : pandas.DataFrame
        Store tables (see :func:`prepare`; ``area_heat`` from the heat step, may be None).
    assumptions : analysis.config.Assumptions
    seed : int
        Seeds the parameter draws.
    log : QualityLog, optional
        Defaults and imputations (step ``economics``).
    observed_adoption : pandas.DataFrame, optional
        Observed installations per area (``area_id``, ``installations``[, ``capacity_kw``]).
    pv_profile : array, optional
        Hourly PV output of 1 kWp at the place (8,760 values) for the self-consumption curve.
    n_draws : int
        Parameter draws (0 skips them).
    curve : SelfConsumptionCurve, optional
        A precomputed curve (the policy step reuses it).
    prepared : tuple, optional
        ``(units, groups)`` from :func:`prepare` on the same frames (shared with the policy step).
    shared : dict, optional
        Work shared with :func:`analysis.policy.policy_step` on the same ``prepared``,
        ``assumptions`` and ``curve`` (see :func:`shared_work`): pass the same dict to both.
        Results are identical with or without it.

    Returns
    -------
    dict of pandas.DataFrame
        ``scenario_area``, ``scenario_decile``, ``scenario_tenure``, ``scenario_parties``,
        ``scenario_summary``, ``scenario_roof_owners``, ``scenario_robustness``,
        ``scenario_draws``, ``parameter_draws``, ``self_consumption_curve``, ``heat_ownership``,
        ``heat_ownership_decile``, ``heat_ownership_tenure`` and, with observed adoption,
        ``adoption_area`` and ``adoption_comparison``.
    """
    log = log if log is not None else QualityLog()
    timings = {}
    t0 = time.perf_counter()
    buildings_units, groups = prepared or prepare(buildings, potential, areas, log)
    curve = curve or build_curve(assumptions, pv_profile, log=log)
    work = shared_work(shared, buildings_units, assumptions, curve)
    # Every result is per area, decile or tenure: classes of similar roofs within each area are a
    # sufficient statistic (tested against buildings), so the cost does not grow with buildings × scenarios.
    units, params = central_inputs(work, buildings_units, groups, assumptions)
    timings["prepare"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    runs = run_scenarios(units, groups, params, curve, cache=work.setdefault("central generations", {}))
    area_rows, dec_rows, ten_rows, party_rows, summary_rows, owner_rows = [], [], [], [], [], []
    central = {}
    central_results = work.setdefault("central results", {})
    for name, (gen, ledger) in runs.items():
        model, roof_set, distribution = SCENARIOS[name]
        losing = households_losing(gen, ledger, units, groups)
        m = {k: float(v[0]) for k, v in metrics(gen, ledger, units, groups, losing=losing).items()}
        central[name] = m
        area = area_columns(name, gen, ledger, groups)
        area_rows.append(area)
        dec, ten = group_columns(name, gen, ledger, units, groups, losing=losing)
        central_results[name] = (ledger, m, dec, ten)
        dec_rows.append(dec)
        ten_rows.append(ten)
        party_rows += party_records(name, ledger)
        owner_rows.append(roof_owner_columns(name, gen, units))
        ok = area["households"] > 0
        net_ok = area["net_per_household"][ok]
        ci_net = _safe_ci(net_ok, area["income_mean_gbp"][ok], area["households"][ok])
        ci_ben = _safe_ci(area["benefit_per_household"][ok], area["income_mean_gbp"][ok], area["households"][ok])
        same_sign = bool((net_ok >= 0).all() or (net_ok <= 0).all())
        summary_rows.append({"scenario": name, "model": model, "roof_set": roof_set, "distribution": distribution, **m,
                             "self_consumed_gwh": float(gen.self_consumed_kwh[:, 0].sum() / 1e6),
                             "generation_gwh": float(gen.generation_kwh[:, 0].sum() / 1e6),
                             "capex_gbp": float(gen.capex_gbp[:, 0].sum()),
                             "concentration_net_areas": ci_net, "concentration_net_meaningful": same_sign,
                             "concentration_benefit_areas": ci_ben, "fixed_by_construction": fixed_by_construction(name)})
    timings["scenarios (central, area classes)"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    heat_central = heat_ownership(area_heat, groups, params, log) if area_heat is not None else {}
    tables = heat_tables(heat_central, groups) if heat_central else {}
    timings["heat ownership"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    draws_long, robust, draw_table = [], pd.DataFrame(), pd.DataFrame()
    if n_draws:
        classes, deciles, dparams, draw_table = draw_inputs(work, buildings_units, groups, assumptions, n_draws, seed)
        druns = run_scenarios(classes, deciles, dparams, curve, cache=work.setdefault(("draw generations", n_draws, seed), {}))
        dmetrics = {name: metrics(gen, ledger, classes, deciles) for name, (gen, ledger) in druns.items()}
        work[("draw metrics", n_draws, seed)] = dict(dmetrics)
        if heat_central:
            hd = heat_ownership(area_heat, groups, dparams, book_by_decile=True)
            hc = {f"heat_{m}": {k: float(v[0]) for k, v in heat_metrics(r, groups).items()} for m, r in heat_central.items()}
            for m, r in hd.items():
                dmetrics[f"heat_{m}"] = heat_metrics(r, deciles)
            central.update(hc)
        robust = robustness(dmetrics, central, comparison_set())
        labels = [(name, metric) for name, mets in dmetrics.items() for metric in mets]
        draws_long = [pd.DataFrame({
            "scenario": np.repeat([name for name, _ in labels], n_draws), "metric": np.repeat([m for _, m in labels], n_draws),
            "draw": np.tile(np.arange(n_draws), len(labels)),
            "value": np.concatenate([np.asarray(dmetrics[name][m], dtype=float) for name, m in labels])})]
    timings["parameter draws"] = time.perf_counter() - t0

    summary = pd.DataFrame(summary_rows)
    tables.update({
        "scenario_area": frame_of(area_rows),
        "scenario_decile": frame_of(dec_rows),
        "scenario_tenure": frame_of(ten_rows),
        "scenario_parties": pd.DataFrame(party_rows, columns=["scenario", "party", "component", "gbp_per_year"]),
        "scenario_summary": summary,
        "scenario_roof_owners": frame_of(owner_rows),
        "scenario_robustness": robust,
        "scenario_draws": pd.concat(draws_long, ignore_index=True) if draws_long else pd.DataFrame(
            columns=["scenario", "metric", "draw", "value"]),
        "parameter_draws": draw_table,
        "self_consumption_curve": curve.frame(),
        "economics_timings": pd.DataFrame({"part": list(timings), "seconds": list(timings.values())}),
    })
    if observed_adoption is not None:
        gen_m, _ = runs["market"]
        market_buildings = ec._group_sum(len(groups), units.group, (gen_m.share[:, 0] * units.n_buildings))
        area_cmp, cmp = adoption_comparison(observed_adoption, tables["scenario_area"].query("scenario == 'market'"),
                                            groups, market_buildings)
        tables["adoption_area"], tables["adoption_comparison"] = area_cmp, cmp
    return tables


def _safe_ci(outcome, income, households) -> float:
    """Concentration index over areas, NaN when the mean is zero."""
    outcome = np.asarray(outcome, dtype=float)
    if abs(np.sum(outcome * np.asarray(households))) < 1e-9:
        return float("nan")
    return inequality.concentration_index(outcome, income, households)


# ----------------------------------------------------------------------------------------------
# Benchmark
# ----------------------------------------------------------------------------------------------

def synthetic_inputs(n_buildings: int, buildings_per_area: int = 400, seed: int = 1) -> tuple:
    """Synthetic buildings, potential, areas and area heat in the step's input schema (vectorised).

    Returns ``(buildings, potential, areas, area_heat)``.
    """
    rng = np.random.default_rng(seed)
    n_areas = max(1, n_buildings // buildings_per_area)
    area = rng.integers(0, n_areas, n_buildings)
    kind = rng.choice(4, n_buildings, p=[0.70, 0.18, 0.08, 0.04])  # house, block, non-domestic, mixed
    dwellings = np.select([kind == 0, kind == 1, kind == 3], [1, rng.integers(6, 60, n_buildings), rng.integers(1, 6, n_buildings)], 0)
    dw = rng.multinomial(dwellings, [0.45, 0.22, 0.30, 0.03])  # occupant tenure of each dwelling
    owner = np.where(kind == 0, np.where(dw[:, 0] > 0, "owner_occupier", "private_landlord"),
                     np.where(kind == 1, rng.choice(["social_landlord", "private_freeholder"], n_buildings),
                              rng.choice(["commercial", "public_body", "faith_community"], n_buildings, p=[0.8, 0.15, 0.05])))
    use = np.array(["domestic", "domestic", "non_domestic", "mixed"])[kind]
    kwp = np.where(kind == 0, rng.uniform(2, 6, n_buildings), rng.uniform(10, 120, n_buildings))
    kwh = kwp * rng.uniform(800, 950, n_buildings)
    ids = np.char.add("b", np.arange(n_buildings).astype(str))
    area_ids = np.char.add("a", np.arange(n_areas).astype(str))
    buildings = pd.DataFrame({"building_id": ids, "area_id": area_ids[area], "use_class": use, "dwellings": dwellings,
                              "dw_owner_occupied": dw[:, 0], "dw_social_rented": dw[:, 1], "dw_private_rented": dw[:, 2],
                              "dw_other": dw[:, 3], "roof_owner": owner,
                              "consents": np.where(kind == 1, rng.integers(1, 4, n_buildings), 1),
                              "elec_demand_kwh": np.where(kind == 2, kwp * 1500, dwellings * 3000.0)})
    potential = pd.DataFrame({"building_id": ids, "kwp_low": kwp * 0.8, "kwp_central": kwp, "kwp_high": kwp * 1.2,
                              "kwh_low": kwh * 0.75, "kwh_central": kwh, "kwh_high": kwh * 1.3})
    hh = np.bincount(area, weights=dwellings, minlength=n_areas)
    areas = pd.DataFrame({"area_id": area_ids, "households": hh, "income_mean_gbp": rng.lognormal(np.log(45_000), 0.35, n_areas),
                          "elec_kwh": hh * 3000.0, "elec_meters": hh})
    area_heat = pd.DataFrame({"area_id": area_ids, "dh_candidate_area": rng.random(n_areas) < 0.5,
                              "share_buildings_in_dh_zone": rng.uniform(0.3, 1, n_areas), "heat_kwh_central": hh * 11_000,
                              "heat_kwh_domestic": hh * 9_000, "sdh_solar_fraction": rng.uniform(0.1, 0.3, n_areas),
                              "sdh_collector_m2": hh * 4.0, "sdh_store_m3": hh * 8.0})
    return buildings, potential, areas, area_heat


def bench_economics(n_buildings: int = 1_000_000, n_draws: int = N_DRAWS, seed: int = 0, with_policy: bool = True) -> dict:
    """Time the economics step (and the policy step) on N synthetic buildings, for ``bench --full``.

    Wall time is what a user waits; CPU time (this process, all threads) is what the work costs
    and is the figure to compare on a shared, busy machine.

    Returns
    -------
    dict
        ``buildings``, ``seconds`` (wall, prepare + economics + policy), ``buildings_per_second``,
        ``cpu_seconds``, ``buildings_per_cpu_second``, ``steps`` (wall seconds per part),
        ``steps_cpu`` (CPU seconds per step), ``peak_rss_mb``.
    """
    import resource

    from analysis import policy
    from analysis.config import load_assumptions

    buildings, potential, areas, area_heat = synthetic_inputs(n_buildings)
    assumptions = load_assumptions()
    steps, steps_cpu = {}, {}

    def timed(name, run):
        wall, cpu = time.perf_counter(), time.process_time()
        out = run()
        steps[name], steps_cpu[name] = time.perf_counter() - wall, time.process_time() - cpu
        return out

    curve = timed("self-consumption curve", lambda: build_curve(assumptions, ec.clear_sky_pv_shape(51.5)))
    prepared = timed("prepare (validate, roofs per house)", lambda: prepare(buildings, potential, areas))
    shared: dict = {}
    tables = timed("economics step", lambda: economics_step(buildings, potential, areas, area_heat, assumptions, seed,
                                                            n_draws=n_draws, curve=curve, prepared=prepared, shared=shared))
    parts = {f"  {r.part}": r.seconds for r in tables["economics_timings"].itertuples()}
    if with_policy:
        timed("policy step", lambda: policy.policy_step(buildings, potential, areas, assumptions, seed, n_draws=n_draws,
                                                        curve=curve, prepared=prepared, shared=shared))
    counted = ("prepare (validate, roofs per house)", "economics step", "policy step")
    seconds = sum(steps.get(k, 0.0) for k in counted)
    cpu_seconds = sum(steps_cpu.get(k, 0.0) for k in counted)
    ordered = {k: steps[k] for k in steps if k != "policy step"} | parts | ({"policy step": steps["policy step"]}
                                                                          if with_policy else {})
    return {"buildings": n_buildings, "seconds": round(seconds, 3), "buildings_per_second": round(n_buildings / seconds, 1),
            "cpu_seconds": round(cpu_seconds, 3), "buildings_per_cpu_second": round(n_buildings / cpu_seconds, 1),
            "steps": {k: round(v, 3) for k, v in ordered.items()},
            "steps_cpu": {k: round(v, 3) for k, v in steps_cpu.items()},
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
