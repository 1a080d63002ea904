"""Inputs of the money model: roofs (units) and areas (groups) from the store tables, and classes of similar roofs.

:func:`prepare` validates the buildings, their potential and the areas, imputes what is missing
(and logs it), splits rows of houses mapped as one outline into one roof per house, and returns
:class:`~analysis.economics.kernel.Units` (one per roof) and
:class:`~analysis.economics.kernel.Groups` (one per area). :func:`class_units` aggregates roofs
into classes of similar roofs per area (central results) or per income decile (parameter
draws): a sufficient statistic for every headline, so the cost does not grow with buildings ×
scenarios × draws.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import inequality
from analysis.economics import kernel as k
from analysis.errors import InputError
from analysis.quality import QualityLog

REQUIRED_BUILDING_COLUMNS = ("building_id", "area_id", "dwellings", "dw_owner_occupied", "dw_social_rented",
                             "dw_private_rented", "dw_other", "roof_owner", "consents")
REQUIRED_POTENTIAL_COLUMNS = ("building_id", "kwp_low", "kwp_central", "kwp_high", "kwh_low", "kwh_central",
                              "kwh_high")
#: Non-domestic electricity per m² of non-domestic floor when a building has no demand [kWh/m²/yr].
NONDOMESTIC_KWH_PER_M2_DEFAULT = 100.0
#: Electricity per home when a place has no metered statistics [kWh/yr] (a default, logged): the packaged
#: assumption ``heat.domestic_elec_kwh_per_dwelling`` that the demand step uses too (one figure, not two).
KWH_PER_HOME_DEFAULT = 3300.0
USE_CLASSES = ("domestic", "mixed", "non_domestic", "ancillary")
FLAT_TYPES = ("converted_flat", "purpose_built_flat", "commercial_flat")
TENURE_COLUMNS = ("dw_owner_occupied", "dw_social_rented", "dw_private_rented", "dw_other")
#: Area income columns, neutral name first (``income_mean_gbp`` is the name of places set up before 2026-12).
INCOME_COLUMNS = ("income_mean", "income_mean_gbp")


def _require(frame: pd.DataFrame, columns, name: str, fix: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"table {name} lacks column(s) {', '.join(missing)}", record=name, fix=fix)


def area_income(areas: pd.DataFrame) -> np.ndarray | None:
    """Mean household income per area (any of :data:`INCOME_COLUMNS`), or None when the place has none."""
    for column in INCOME_COLUMNS:
        if column in areas:
            return pd.to_numeric(areas[column], errors="coerce").to_numpy(dtype=float)
    return None


def codes(values, categories) -> np.ndarray:
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


def prepare(buildings: pd.DataFrame, potential: pd.DataFrame, areas: pd.DataFrame, log: QualityLog | None = None
            ) -> tuple[k.Units, k.Groups]:
    """Roof units and area groups from the store tables (validated; gaps logged).

    Parameters
    ----------
    buildings : pandas.DataFrame
        One row per building with :data:`REQUIRED_BUILDING_COLUMNS`; ``use_class``,
        ``elec_demand_kwh``, ``levels`` and ``dwelling_type`` when known (else derived and
        logged); with ``dwelling_type``, a row of houses mapped as one outline is split into one
        roof per house (:func:`analysis.ownership.roof_units`).
    potential : pandas.DataFrame
        ``building_potential``: kWp and kWh at low/central/high per building.
    areas : pandas.DataFrame
        ``area_id``; ``households`` and ``income_mean`` when known; ``elec_kwh`` and
        ``elec_meters`` for the domestic demand of mixed-use buildings.
    log : QualityLog, optional
        Receives every default or imputation (step ``economics``).

    Returns
    -------
    (Units, Groups)
    """
    log = log if log is not None else QualityLog()
    _require(buildings, REQUIRED_BUILDING_COLUMNS, "buildings",
             "run the ownership step that allocates homes, tenure and roof owners first")
    _require(potential, REQUIRED_POTENTIAL_COLUMNS, "building_potential", "run the roof step first")
    _require(areas, ("area_id",), "areas", "give every area an id (areas.id in the place config)")
    b = pd.DataFrame(buildings.drop(columns=["geometry", "geom"], errors="ignore")).reset_index(drop=True)
    if "use_class" not in b:
        b["use_class"] = "unknown"
    unknown = ~b["use_class"].isin(USE_CLASSES)
    if unknown.any():
        b.loc[unknown, "use_class"] = np.where(b.loc[unknown, "dwellings"].fillna(0) > 0, "domestic", "non_domestic")
        log.record("economics", "use_class", records=len(b), derived=int(unknown.sum()),
                   note="missing use class: domestic where the building has dwellings, else non-domestic")
    area_ids = pd.Index(areas["area_id"])
    code = codes(b["area_id"], area_ids)
    if np.any(code < 0):
        bad = b.loc[code < 0, "building_id"].iloc[0]
        raise InputError(f"building {str(bad)[:60]} refers to an area missing from the areas table", record="buildings",
                         fix="assign every building to an area of the place")
    bad_owner = ~b["roof_owner"].isin(k.ROOF_OWNERS)
    if bad_owner.any():
        row = b.loc[bad_owner].iloc[0]
        raise InputError(f"building {str(row.building_id)[:60]}: roof_owner {str(row.roof_owner)[:40]!r} is not one of "
                         f"{', '.join(k.ROOF_OWNERS)}", record="buildings.roof_owner", fix="use one of those names")
    dwell = b[list(TENURE_COLUMNS)].fillna(0).to_numpy(dtype=float)
    if np.any(dwell < 0):
        raise InputError("negative dwelling counts by tenure", record="buildings.dw_*", fix="counts must be >= 0")
    total = b["dwellings"].fillna(0).to_numpy(dtype=float)
    off = np.abs(dwell.sum(axis=1) - total) > 1e-6
    if off.any():
        raise InputError(f"building {str(b.loc[off, 'building_id'].iloc[0])[:60]}: tenure counts do not sum to dwellings",
                         record="buildings.dw_*",
                         fix="dw_owner_occupied + dw_social_rented + dw_private_rented + dw_other = dwellings")

    aligned = len(potential) == len(b) and bool((potential["building_id"].array == b["building_id"].array).all())
    pot = (potential.reset_index(drop=True) if aligned  # one row per building in the same order: no lookup by id
           else potential.set_index("building_id").reindex(b["building_id"]))
    missing_pot = pot["kwp_central"].isna().to_numpy()
    log.record("economics", "building_potential", records=len(b), observed=int((~missing_pot).sum()))
    log.default("economics", "building_potential", int(missing_pot.sum()), 0.0,
                "buildings without a potential row carry no PV")
    pot = pot[list(REQUIRED_POTENTIAL_COLUMNS[1:])].fillna(0.0).reset_index(drop=True)

    a = areas.set_index("area_id")
    dwellings_area = np.bincount(code, weights=total, minlength=len(a))
    if "households" in a:
        households_area = pd.to_numeric(a["households"], errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float)
    else:
        households_area = dwellings_area
        log.default("economics", "households", len(a), "the dwellings placed on buildings",
                    "the place gives no household counts per area")
    income = area_income(a)
    if income is None:
        income = np.full(len(a), np.nan)
        log.default("economics", "income_mean", len(a), "none",
                    "the place gives no household income: results by income decile are not computed, and "
                    "charges shared by income count its households at the national mean income")
        median = np.nan
    else:
        weights = np.where(np.isfinite(income), households_area, 0.0)
        median = inequality.weighted_median(np.nan_to_num(income), weights) if weights.sum() > 0 else np.nan
        n_missing = int(np.isnan(income).sum())
        log.record("economics", "income_mean", records=len(a), observed=len(a) - n_missing, imputed=n_missing,
                   note="missing area income set to the household-weighted median" if n_missing else "")
        income = np.where(np.isnan(income), median, income)

    # Domestic demand of mixed buildings: their dwellings at the area's mean kWh per meter; the rest is non-domestic.
    elec = a["elec_kwh"].to_numpy(dtype=float) if "elec_kwh" in a else np.full(len(a), np.nan)
    meters = a["elec_meters"].to_numpy(dtype=float) if "elec_meters" in a else np.full(len(a), np.nan)
    per_meter = np.divide(elec, meters, out=np.full(len(a), np.nan), where=meters > 0)
    no_meter = np.isnan(per_meter)
    if no_meter.any():
        if (~no_meter).any():
            fill = float(np.nanmedian(per_meter))
            log.record("economics", "kwh_per_meter", records=len(a), imputed=int(no_meter.sum()),
                       note=f"areas without metered electricity use {fill:,.0f} kWh per meter (the place's median)")
        else:
            fill = KWH_PER_HOME_DEFAULT
            log.default("economics", "kwh_per_meter", int(no_meter.sum()), f"{KWH_PER_HOME_DEFAULT:,.0f} kWh per home (a GB figure)",
                        note="the place has no metered electricity statistics: map elec_kwh and elec_meters "
                             "under areas.statistics")
        per_meter = np.where(no_meter, fill, per_meter)
    demand = (pd.to_numeric(b["elec_demand_kwh"], errors="coerce").to_numpy(dtype=float) if "elec_demand_kwh" in b
              else np.full(len(b), np.nan))
    no_demand = np.isnan(demand)
    if no_demand.any():
        nd_floor = (b["nondomestic_floor_m2"].fillna(0).to_numpy(dtype=float) if "nondomestic_floor_m2" in b
                    else np.zeros(len(b)))
        nd_floor = np.where(np.isin(b["use_class"].to_numpy(), ["domestic", "ancillary"]), 0.0, nd_floor)
        demand = np.where(no_demand, total * per_meter[code] + nd_floor * NONDOMESTIC_KWH_PER_M2_DEFAULT, demand)
        log.record("economics", "elec_demand_kwh", records=len(b), imputed=int(no_demand.sum()),
                   default=f"{NONDOMESTIC_KWH_PER_M2_DEFAULT:g} kWh/m2 of non-domestic floor",
                   note="missing demand = dwellings x area kWh per meter + non-domestic floor x default "
                        "(CIBSE TM46 order of magnitude)")
    levels = pd.to_numeric(b["levels"], errors="coerce").to_numpy(dtype=float) if "levels" in b \
        else np.full(len(b), np.nan)
    if np.isnan(levels).any():
        n_missing = int(np.isnan(levels).sum())
        levels = np.where(np.isnan(levels), np.where(total > 4, 5.0, 2.0), levels)
        log.record("economics", "levels", records=len(b), imputed=n_missing,
                   note="storeys for the access cost: 2 for buildings of up to 4 homes, 5 above")
    if "dwelling_type" in b:
        flat = b["dwelling_type"].astype(object).isin(FLAT_TYPES).to_numpy() | \
            ((b["dwelling_type"].astype(object) != "house").to_numpy() & (total > 1))
    else:
        flat = total > 1
    b["_flat"] = flat
    b["levels"] = levels
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
        dwell = b[list(TENURE_COLUMNS)].fillna(0).to_numpy(dtype=float)
        total = b["dwellings"].fillna(0).to_numpy(dtype=float)
    use = codes(b["use_class"], USE_CLASSES)
    dom = np.where(use == USE_CLASSES.index("domestic"), demand,
                   np.where(use == USE_CLASSES.index("mixed"), np.minimum(demand, total * per_meter[code]), 0.0))
    nd = np.clip(demand - dom, 0, None)
    owner = codes(b["roof_owner"], k.ROOF_OWNERS)
    nd_party = np.where(owner == k.ROOF_OWNERS.index("public_body"), 1,
                        np.where(owner == k.ROOF_OWNERS.index("faith_community"), 2, 0))
    consents = b["consents"].fillna(1).clip(lower=1).to_numpy(dtype=float)
    public_kind = np.zeros(len(b), dtype=np.int64)  # by use; a public body of unknown use (an operator tag): "other"
    if "use_category" in b:
        category = b["use_category"].astype(object).fillna("").to_numpy(dtype=object)
        for use, kind in k.PUBLIC_KIND_OF_USE.items():
            public_kind[category == use] = k.PUBLIC_KINDS.index(kind)
    public_kind[owner != k.ROOF_OWNERS.index("public_body")] = 0
    ratio = income / median if np.isfinite(median) and median > 0 else np.ones(len(a))
    units = k.Units(
        group=code.astype(np.int64), n_buildings=np.ones(len(b)),
        kwp=pot["kwp_central"].to_numpy(dtype=float), kwp_low=pot["kwp_low"].to_numpy(dtype=float),
        kwp_high=pot["kwp_high"].to_numpy(dtype=float), kwh=pot["kwh_central"].to_numpy(dtype=float),
        kwh_low=pot["kwh_low"].to_numpy(dtype=float), kwh_high=pot["kwh_high"].to_numpy(dtype=float),
        demand_dom_kwh=dom, demand_nd_kwh=nd, dwellings=dwell, flat=b["_flat"].to_numpy(dtype=bool),
        access=k.access_counts(b["levels"].to_numpy(dtype=float)), nd_bands=k.nondomestic_bands(nd, nd),
        roof_owner=owner.astype(np.int64),
        nd_party=nd_party.astype(np.int64), consents=consents, income_ratio=np.nan_to_num(ratio, nan=1.0)[code],
        public_kind=public_kind)
    groups = area_groups(units, len(a), a.index.to_numpy(), income)
    differs = np.abs(groups.households.sum(axis=1) - households_area) > 0.5
    if differs.any() and "households" in a:
        log.record("economics", "households", records=len(a), derived=int(differs.sum()),
                   note=f"{int(differs.sum())} area(s) where dwellings on buildings differ from census households; "
                        "the buildings' dwellings are used as households")
    return units, groups


def area_groups(units: k.Units, n_areas: int, area_ids, income) -> k.Groups:
    """Area groups: households and demand by slot summed from the units; income deciles of areas."""
    slots = units.slot_weights()
    households = k.group_sum(n_areas, units.group, slots * units.dwellings.sum(axis=1)[:, None])
    demand_dom = k.group_sum(n_areas, units.group, slots * units.demand_dom_kwh[:, None])
    onehot = np.zeros((len(units), len(k.ND_PARTIES)))
    onehot[np.arange(len(units)), units.nd_party] = 1.0
    demand_nd = k.group_sum(n_areas, units.group, onehot * units.demand_nd_kwh[:, None])
    total = households.sum(axis=1)
    decile = np.zeros(n_areas, dtype=int)
    income = np.asarray(income, dtype=float)
    ok = (total > 0) & np.isfinite(income)
    if ok.any():
        decile[ok] = inequality.deciles(income[ok], total[ok])
    return k.Groups(ids=np.asarray(area_ids), households=households, income_mean=income,
                    demand_dom_kwh=demand_dom, demand_nd_kwh=demand_nd, decile=decile)


KWP_BINS = np.concatenate([[0.0], np.geomspace(1.0, 1000.0, 11), [np.inf]])
RATIO_BINS = np.concatenate([[0.0], np.geomspace(0.1, 10.0, 7), [np.inf]])
#: Coarser bins for the classes of the parameter draws (per decile): fewer classes, the same sums.
KWP_BINS_COARSE = np.concatenate([[0.0], np.geomspace(1.0, 1000.0, 10), [np.inf]])
RATIO_BINS_COARSE = np.concatenate([[0.0], np.geomspace(0.1, 10.0, 5), [np.inf]])


#: Decision bits (:data:`~analysis.economics.kernel.DECISION_BITS`) that split the classes of the draws
#: (all of them: with only the roof sets' bits a co-op's value per decile was 26 % off).
DECILE_DECISION_MASK = 0b11111


def class_units(units: k.Units, groups: k.Groups, by: str = "decile") -> tuple[k.Units, k.Groups]:
    """Aggregate roofs into classes of similar roofs per income decile (draws) or per area (central).

    A class is (decile or area, roof owner, flats or not, kWp-per-building bin, generation/demand
    ratio bin, consents bin, has homes, a public body's kind, the owners' decisions at the central
    assumptions (:func:`~analysis.economics.kernel.roof_decisions`); per area also blocks of five
    storeys or more). Class
    quantities are sums — access costs and non-domestic price bands through their exact sufficient
    statistics (:func:`~analysis.economics.kernel.access_counts`,
    :func:`~analysis.economics.kernel.nondomestic_bands`); the PV cost curve and
    self-consumption are evaluated at the class's mean building,
    so the class result approximates the building-level one (tested within a few per cent). With
    ``by="decile"`` groups become deciles (areas without households or income join the first);
    with ``by="area"`` they stay the areas.
    """
    dec = np.clip(groups.decile[units.group] - 1, 0, 9) if by == "decile" else units.group
    # Every decision splits classes, per area and per decile (a class that averaged a yes and a no would
    # decide differently from its roofs: tested within a few per cent).
    decision_mask = (1 << len(k.DECISION_BITS)) - 1 if by == "area" else DECILE_DECISION_MASK
    kwp_bins, ratio_bins = (KWP_BINS_COARSE, RATIO_BINS_COARSE) if by == "decile" else (KWP_BINS, RATIO_BINS)
    n = units.n_buildings
    kwp_b = np.divide(units.kwp, n, out=np.zeros(len(units)), where=n > 0)
    demand = units.demand_dom_kwh + units.demand_nd_kwh
    ratio = np.divide(units.kwh, demand, out=np.full(len(units), 1e6), where=demand > 0)
    has_homes = units.dwellings.sum(axis=1) > 0
    # One integer key per class (mixed radix over the fields), then one factorisation: no pandas group-by.
    fields = [(np.asarray(dec, dtype=np.int64), int(np.max(dec)) + 1 if len(dec) else 1),
              (units.roof_owner.astype(np.int64), len(k.ROOF_OWNERS)), (units.flat.astype(np.int64), 2),
              (units.access[:, 2].astype(np.int64) if by == "area" else np.zeros(len(units), dtype=np.int64), 2),
              (np.digitize(kwp_b, kwp_bins).astype(np.int64), len(kwp_bins) + 1),
              (np.digitize(ratio, ratio_bins).astype(np.int64), len(ratio_bins) + 1),
              (np.digitize(units.consents, [1.5, 5.5]).astype(np.int64), 3), (has_homes.astype(np.int64), 2),
              (np.zeros(len(units), dtype=np.int64) if units.public_kind is None else units.public_kind,
               len(k.PUBLIC_KINDS)),
              (np.zeros(len(units), dtype=np.int64) if units.decisions is None else units.decisions & decision_mask,
               2 ** len(k.DECISION_BITS))]
    key = np.zeros(len(units), dtype=np.int64)
    for values, radix in fields:
        key = key * radix + values
    code, unique_keys = pd.factorize(key, sort=True)
    level0 = unique_keys // int(np.prod([r for _, r in fields[1:]]))
    m = len(unique_keys)
    total = lambda x: k.group_sum(m, code, np.asarray(x, dtype=float))  # noqa: E731
    nb = total(n)
    first = np.zeros(m, dtype=np.int64)
    first[code[::-1]] = np.arange(len(units))[::-1]  # one member per class, for its categorical fields
    classes = k.Units(
        group=level0, n_buildings=nb, kwp=total(units.kwp), kwp_low=total(units.kwp_low),
        kwp_high=total(units.kwp_high), kwh=total(units.kwh), kwh_low=total(units.kwh_low),
        kwh_high=total(units.kwh_high), demand_dom_kwh=total(units.demand_dom_kwh),
        demand_nd_kwh=total(units.demand_nd_kwh), dwellings=total(units.dwellings), flat=units.flat[first],
        access=total(units.access), nd_bands=total(units.nd_bands), roof_owner=units.roof_owner[first],
        nd_party=units.nd_party[first], consents=total(units.consents * n) / nb,
        income_ratio=total(units.income_ratio * n) / nb,
        public_kind=None if units.public_kind is None else units.public_kind[first],
        decisions=None if units.decisions is None else units.decisions[first])
    if by == "area":
        return classes, groups
    return classes, decile_groups(groups)


def decile_groups(groups: k.Groups) -> k.Groups:
    """The areas' groups summed into ten income deciles (areas without a decile join the first)."""
    area_dec = np.clip(groups.decile - 1, 0, 9)
    hh = k.group_sum(10, area_dec, groups.households)
    w = groups.households.sum(axis=1)
    finite = np.isfinite(groups.income_mean)
    income = np.divide(k.group_sum(10, area_dec, (np.where(finite, groups.income_mean, 0.0) * w)[:, None])[:, 0],
                       k.group_sum(10, area_dec, (w * finite)[:, None])[:, 0], out=np.full(10, np.nan),
                       where=k.group_sum(10, area_dec, (w * finite)[:, None])[:, 0] > 0)
    out = k.Groups(ids=np.arange(1, 11), households=hh, income_mean=income,
                   demand_dom_kwh=k.group_sum(10, area_dec, groups.demand_dom_kwh),
                   demand_nd_kwh=k.group_sum(10, area_dec, groups.demand_nd_kwh),
                   decile=np.where(np.isfinite(income) & (hh.sum(axis=1) > 0), np.arange(1, 11), 0))
    return out


def synthetic_inputs(n_buildings: int, buildings_per_area: int = 400, seed: int = 1) -> tuple:
    """Synthetic buildings, potential, areas and area heat in the money model's input schema (vectorised).

    Houses (70 %), blocks of flats (18 %), non-domestic (8 %) and mixed buildings (4 %), with
    tenure, roof owners, storeys, demand and potential of plausible sizes; for the benchmark and tests.

    Returns ``(buildings, potential, areas, area_heat)``.
    """
    rng = np.random.default_rng(seed)
    n_areas = max(1, n_buildings // buildings_per_area)
    area = rng.integers(0, n_areas, n_buildings)
    kind = rng.choice(4, n_buildings, p=[0.70, 0.18, 0.08, 0.04])  # house, block, non-domestic, mixed
    dwellings = np.select([kind == 0, kind == 1, kind == 3], [1, rng.integers(6, 60, n_buildings),
                                                              rng.integers(1, 6, n_buildings)], 0)
    dw = rng.multinomial(dwellings, [0.45, 0.22, 0.30, 0.03])  # occupant tenure of each dwelling
    owner = np.where(kind == 0, np.where(dw[:, 0] > 0, "owner_occupier", np.where(dw[:, 1] > 0, "social_landlord",
                                                                                   "private_landlord")),
                     np.where(kind == 1, rng.choice(["social_landlord", "private_freeholder"], n_buildings),
                              np.where(kind == 3, "private_freeholder",
                                       rng.choice(["commercial", "public_body", "faith_community"], n_buildings,
                                                  p=[0.8, 0.15, 0.05]))))
    use = np.array(["domestic", "domestic", "non_domestic", "mixed"])[kind]
    dwelling_type = np.array(["house", "purpose_built_flat", "house", "commercial_flat"])[kind]
    levels = np.where(kind == 1, rng.integers(4, 12, n_buildings), rng.integers(2, 4, n_buildings)).astype(float)
    kwp = np.where(kind == 0, rng.uniform(2, 6, n_buildings), rng.uniform(10, 120, n_buildings))
    kwh = kwp * rng.uniform(800, 950, n_buildings)
    ids = np.char.add("b", np.arange(n_buildings).astype(str))
    area_ids = np.char.add("a", np.arange(n_areas).astype(str))
    buildings = pd.DataFrame({"building_id": ids, "area_id": area_ids[area], "use_class": use, "dwellings": dwellings,
                              "dw_owner_occupied": dw[:, 0], "dw_social_rented": dw[:, 1], "dw_private_rented": dw[:, 2],
                              "dw_other": dw[:, 3], "roof_owner": owner, "dwelling_type": dwelling_type,
                              "levels": levels, "consents": np.where(kind == 1, rng.integers(1, 4, n_buildings), 1),
                              "elec_demand_kwh": np.where(kind == 2, kwp * 1500, dwellings * 3000.0
                                                          + (kind == 3) * kwp * 800)})
    potential = pd.DataFrame({"building_id": ids, "kwp_low": kwp * 0.8, "kwp_central": kwp, "kwp_high": kwp * 1.2,
                              "kwh_low": kwh * 0.75, "kwh_central": kwh, "kwh_high": kwh * 1.3})
    hh = np.bincount(area, weights=dwellings, minlength=n_areas)
    areas = pd.DataFrame({"area_id": area_ids, "households": hh,
                          "income_mean": rng.lognormal(np.log(45_000), 0.35, n_areas),
                          "elec_kwh": hh * 3000.0, "elec_meters": hh})
    area_heat = pd.DataFrame({"area_id": area_ids, "dh_candidate_area": rng.random(n_areas) < 0.5,
                              "share_buildings_in_dh_zone": rng.uniform(0.3, 1, n_areas), "heat_kwh_central": hh * 11_000,
                              "heat_kwh_domestic": hh * 9_000, "sdh_solar_fraction": rng.uniform(0.1, 0.3, n_areas),
                              "sdh_collector_m2": hh * 4.0, "sdh_store_m3": hh * 8.0})
    return buildings, potential, areas, area_heat
