"""Heat and electricity demand of buildings: homes by typology, other buildings by benchmark.

* **Homes** — heated floor area × specific demand by kind (house or flat) and age band from
  ``data/typology/heat_typology_gb.csv`` (low/central/high), space heating plus hot water. Where
  the census counts an area's households by accommodation type, a home's heated floor is the
  English Housing Survey's mean usable floor of its type (``dwelling_floor_*_m2``; a house takes
  the mean over its area's detached, semi-detached and terraced houses): the map decides where
  the homes are, the census how many and of what type. Elsewhere it is the building's residential
  floor (outline × storeys) × ``heated_floor_factor``. Outline × storeys is a poor measure of a
  home's floor: storeys are estimated for most buildings, and outlines hold stairs, shops and
  offices the use tags miss. Against metered gas per Camden neighbourhood, the census floor gives
  a correlation of 0.89 where outline × storeys gave 0.66 (the validation chapter). Where the age is imputed, the specific
  demand is the average over the kind's age distribution (:data:`analysis.attributes.AGE_PRIOR`),
  so unknown ages do not all fall into one band.
* **Non-domestic** — floor area × ``nondomestic_gia_factor`` × CIBSE TM46 typical benchmarks by
  category (``data/typology/nondomestic_benchmarks.csv``): heat = fossil-thermal benchmark ×
  boiler efficiency, electricity = electricity benchmark; mixed buildings count their ground
  floor as non-domestic and the floors above as homes.
* **Domestic electricity** — the area's observed mean use per meter (DESNZ/BEIS) × dwellings.
* **Months** — space heating follows London degree days, hot water is flat.

References
----------
.. [1] CIBSE TM46:2008 Energy benchmarks. Chartered Institution of Building Services Engineers.
.. [2] BRE (2014). TABULA/EPISCOPE residential typology for the UK.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.attributes import AGE_BANDS, AGE_PRIOR
from analysis.config import PROJECT_ROOT
from analysis.errors import InputError
from analysis.quality import QualityLog, labels

TYPOLOGY_PATH = PROJECT_ROOT / "data" / "typology" / "heat_typology_gb.csv"
BENCHMARKS_PATH = PROJECT_ROOT / "data" / "typology" / "nondomestic_benchmarks.csv"
#: Share of annual space heating by month, London degree days (base 15.5 °C, CIBSE TM41 shape).
SPACE_HEAT_MONTH_SHARE = np.array([0.17, 0.15, 0.13, 0.09, 0.05, 0.02, 0.01, 0.01, 0.03, 0.07, 0.12, 0.15])
SPACE_HEAT_MONTH_SHARE = SPACE_HEAT_MONTH_SHARE / SPACE_HEAT_MONTH_SHARE.sum()
LEVELS = ("low", "central", "high")
#: Share of non-domestic heat used for hot water (ASSUMED; offices and shops use little), the
#: rest follows the space-heating months in the seasonal balance.
NONDOMESTIC_DHW_SHARE = 0.10


# The three functions below keep the simple per-building form used by the kernel benchmark
# (synthetic buildings with one kind and age band each); the pipeline uses building_energy.
def read_typology(path=TYPOLOGY_PATH) -> pd.DataFrame:
    """The heat-demand typology table (kind × age band → kWh/m²·yr, low/central/high)."""
    table = pd.read_csv(path)
    needed = {"building_kind", "age_band", "space_heat_kwh_per_m2", "space_heat_low", "space_heat_high", "dhw_kwh_per_m2"}
    if not needed <= set(table.columns):
        raise InputError(f"typology lacks columns {sorted(needed - set(table.columns))}", path=path,
                         fix="see data/typology/README.md for the format")
    return table


#: What a building's heat demand is modelled as (the store's ENUM and the labels use this order).
BUILDING_KINDS = ("house", "flat", "non_domestic", "unheated")


def building_kind(building_type, use, levels) -> np.ndarray:
    """``house``, ``flat`` or ``non_domestic`` from generator type or OSM use and storeys.

    Rules are applied to the few distinct values (factorised), then spread to every building.
    """
    use_codes, use_values = pd.factorize(pd.Series(use, dtype="object").fillna(""), use_na_sentinel=None)
    lowered = np.array([str(u).lower() for u in use_values], dtype=object)
    per_use = np.where(np.isin(lowered, ["house", "detached", "semidetached_house", "terrace", "bungalow"]), "house",
                       np.where(np.isin(lowered, ["apartments", "flats", "mixed"]), "flat",
                                np.where(np.isin(lowered, ["residential", "yes", ""]), "?", "non_domestic")))
    kind = per_use[use_codes] if len(per_use) else np.array([], dtype=object)
    levels = np.nan_to_num(np.asarray(levels, dtype=float), nan=2.0)
    kind = np.where(kind == "?", np.where(levels >= 4, "flat", "house"), kind)  # residential, type unknown
    if building_type is not None:
        type_codes, type_values = pd.factorize(pd.Series(building_type, dtype="object").fillna(""), use_na_sentinel=None)
        per_type = np.array(["house" if str(t).startswith("house") else
                             "flat" if t in ("converted_house", "flat_block", "mixed_use") else "" for t in type_values],
                            dtype=object)
        override = per_type[type_codes] if len(per_type) else np.array([], dtype=object)
        kind = np.where(override != "", override, kind)
    return kind.astype(str)


def age_band(year_built, default_band: str = "1945-1964") -> tuple[np.ndarray, np.ndarray]:
    """Age band from year built; the default band (flagged assumed) where the year is missing."""
    year = np.asarray(year_built, dtype=float)
    edges = np.array([upper for _, upper in AGE_BANDS], dtype=float)
    labels = np.array([label for label, _ in AGE_BANDS])
    idx = np.searchsorted(edges, np.nan_to_num(year, nan=0.0), side="right")
    bands = labels[np.clip(idx, 0, len(labels) - 1)]
    missing = np.isnan(year)
    return np.where(missing, default_band, bands), missing


def heat_demand(footprint_m2, levels, kind, band, typology: pd.DataFrame, heated_floor_factor: float) -> pd.DataFrame:
    """Annual heat demand (space heating + hot water) per building, low/central/high.

    Parameters
    ----------
    footprint_m2 : array-like
        Footprint [m²] (must be ≥ 0).
    levels : array-like
        Storeys [-].
    kind, band : array of str
        Building kind and age band (rows of the typology).
    typology : pandas.DataFrame
        From :func:`read_typology`.
    heated_floor_factor : float
        Heated / gross floor area [-].

    Returns
    -------
    pandas.DataFrame
        ``heated_floor_m2`` [m²], ``space_heat_kwh``, ``dhw_kwh``, ``heat_kwh_low``,
        ``heat_kwh_central``, ``heat_kwh_high`` [kWh/yr].
    """
    footprint = np.asarray(footprint_m2, dtype=float)
    if np.any(footprint < 0) or np.any(~np.isfinite(footprint)):
        raise InputError("negative or missing footprint area", fix="repair the footprints (areas must be > 0 m²)")
    floor = footprint * np.maximum(np.nan_to_num(np.asarray(levels, dtype=float), nan=1.0), 1.0) * heated_floor_factor
    # Look rows up by integer codes (a string MultiIndex over millions of buildings is slow).
    table = typology.reset_index(drop=True)
    kinds, bands = list(table["building_kind"].unique()), list(table["age_band"].unique())
    row_of = np.full((len(kinds), len(bands)), -1)
    row_of[[kinds.index(k) for k in table["building_kind"]], [bands.index(b) for b in table["age_band"]]] = np.arange(len(table))
    k_fact, k_vals = pd.factorize(pd.Series(np.asarray(kind, dtype=object)))
    b_fact, b_vals = pd.factorize(pd.Series(np.asarray(band, dtype=object)))
    k_codes = np.array([kinds.index(v) if v in kinds else -1 for v in k_vals], dtype=int)[k_fact]
    b_codes = np.array([bands.index(v) if v in bands else -1 for v in b_vals], dtype=int)[b_fact]
    rows = np.where((k_codes >= 0) & (b_codes >= 0), row_of[np.maximum(k_codes, 0), np.maximum(b_codes, 0)], -1)
    if np.any(rows < 0):
        i = int(np.argmax(rows < 0))
        raise InputError(f"typology has no row for kind={np.asarray(kind)[i]!r}, age band={np.asarray(band)[i]!r}",
                         path=TYPOLOGY_PATH, fix="add the row to the typology table")
    space = table["space_heat_kwh_per_m2"].to_numpy(dtype=float)[rows]
    dhw = table["dhw_kwh_per_m2"].to_numpy(dtype=float)[rows]
    low = table["space_heat_low"].to_numpy(dtype=float)[rows]
    high = table["space_heat_high"].to_numpy(dtype=float)[rows]
    return pd.DataFrame({
        "heated_floor_m2": floor,
        "space_heat_kwh": floor * space,
        "dhw_kwh": floor * dhw,
        "heat_kwh_low": floor * (low + dhw),
        "heat_kwh_central": floor * (space + dhw),
        "heat_kwh_high": floor * (high + dhw),
    })


def monthly_demand(space_heat_kwh: float, dhw_kwh: float) -> np.ndarray:
    """Split annual space heating (degree-day shape) and hot water (flat) into 12 months [kWh]."""
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / 365
    return space_heat_kwh * SPACE_HEAT_MONTH_SHARE + dhw_kwh * days


def read_benchmarks(path=BENCHMARKS_PATH) -> pd.DataFrame:
    """The non-domestic benchmark table, indexed by category (see ``data/typology/README.md``)."""
    table = pd.read_csv(path)
    needed = {"category", "tm46_category", "elec_kwh_per_m2", "fossil_kwh_per_m2", "heat_basis"}
    if not needed <= set(table.columns):
        raise InputError(f"benchmarks lack columns {sorted(needed - set(table.columns))}", path=path,
                         fix="see data/typology/README.md for the format")
    return table.set_index("category")


def specific_domestic_demand(kind, band, band_imputed, typology: pd.DataFrame) -> dict:
    """Space heating (low/central/high) and hot water per m² heated floor [kWh/m²·yr] per building.

    Parameters
    ----------
    kind : array of str
        ``house`` or ``flat``.
    band : array of str
        Age band labels (:data:`analysis.attributes.AGE_BANDS`).
    band_imputed : array of bool
        True where the band was imputed: the kind's age distribution is used instead.
    typology : pandas.DataFrame
        From :func:`read_typology`.
    """
    table = typology.set_index(["building_kind", "age_band"])
    band_labels = [label for label, _ in AGE_BANDS]
    # Kinds and bands as integer codes of their few distinct values: the lookup is one gather.
    kind_codes, kinds = pd.factorize(pd.Series(np.asarray(kind, dtype=object)), use_na_sentinel=False)
    band_codes, bands = pd.factorize(pd.Series(np.asarray(band, dtype=object)), use_na_sentinel=False)
    band_index = (np.array([band_labels.index(b) if b in band_labels else 0 for b in bands], dtype=np.int64)[band_codes]
                  if len(bands) else np.zeros(0, np.int64))
    imputed = np.asarray(band_imputed, dtype=bool)
    out = {}
    for column in ("space_heat_low", "space_heat_kwh_per_m2", "space_heat_high", "dhw_kwh_per_m2"):
        by_kind = np.empty((len(kinds), len(band_labels)))
        prior_mean = np.empty(len(kinds))
        for j, k in enumerate(kinds):
            by_band = table.loc[k][column].reindex(band_labels).to_numpy(dtype=float)
            if np.isnan(by_band).any():
                raise InputError(f"typology has no complete row set for kind {k!r}", path=TYPOLOGY_PATH,
                                 fix="give every age band for each kind")
            prior = np.asarray(AGE_PRIOR.get(k, AGE_PRIOR["flat"]), dtype=float)
            by_kind[j], prior_mean[j] = by_band, float(prior @ by_band / prior.sum())
        out[column] = np.where(imputed, prior_mean[kind_codes], by_kind[kind_codes, band_index])
    return out


def area_rows(buildings: pd.DataFrame, areas: pd.DataFrame) -> np.ndarray:
    """Row of each building's area in ``areas`` (−1 where none): the ``area_row`` column when the
    pipeline set it (integer codes made once), else looked up by ``area_id``."""
    if "area_row" in buildings:
        return buildings["area_row"].to_numpy(dtype=np.int64)
    return pd.Index(areas["area_id"].astype(str)).get_indexer(buildings["area_id"].astype(str))


#: Census households of each house form (TS044 columns, :data:`analysis.homes.TYPE_COLUMNS`) and the
#: ``heat`` assumption giving its usable floor per home; caravans take the flat figure.
HOUSE_FLOOR_ASSUMPTION = {"dwellings_detached": "dwelling_floor_detached_m2",
                          "dwellings_semi": "dwelling_floor_semi_m2",
                          "dwellings_terraced": "dwelling_floor_terraced_m2",
                          "dwellings_caravan": "dwelling_floor_flat_m2"}
FLAT_FLOOR_ASSUMPTION = "dwelling_floor_flat_m2"


def census_floor_per_home(areas: pd.DataFrame, floor_m2: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Usable floor of a house and of a flat in each area, from its census households by type [m²].

    Parameters
    ----------
    areas : pandas.DataFrame
        Optional census counts ``dwellings_detached``, ``dwellings_semi``, ``dwellings_terraced``,
        ``dwellings_caravan`` and the flat columns of :data:`analysis.homes.TYPE_COLUMNS` [households].
    floor_m2 : dict
        Usable floor per home by ``heat`` assumption name (``dwelling_floor_*_m2``) [m²].

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Per area (rows of ``areas``): a house's floor, the mean over the area's houses of their
        form's floor, and a flat's floor [m²]. NaN where the area has no census counts by type (or
        no house, for the house figure): the map's floor is used there.
    """
    from analysis.homes import TYPE_COLUMNS

    n = len(areas)
    count = lambda col: areas[col].fillna(0).to_numpy(dtype=float) if col in areas else np.zeros(n)  # noqa: E731
    houses = sum(count(col) for col in HOUSE_FLOOR_ASSUMPTION)
    house_floor = sum(count(col) * floor_m2[name] for col, name in HOUSE_FLOOR_ASSUMPTION.items())
    counted = sum(count(col) for cols in TYPE_COLUMNS.values() for col in cols) > 0
    per_house = np.divide(house_floor, houses, out=np.full(n, np.nan), where=houses > 0)
    per_flat = np.where(counted, floor_m2[FLAT_FLOOR_ASSUMPTION], np.nan)
    return per_house, per_flat


def building_energy(buildings: pd.DataFrame, areas: pd.DataFrame, assumptions, log: QualityLog | None = None) -> pd.DataFrame:
    """Annual heat and electricity demand of every building, homes and non-domestic parts apart.

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``building_id``, ``area_id``, ``footprint_m2`` [m²], ``levels``, ``use_class``,
        ``use_category``, ``dwellings``, ``dwelling_type``, ``residential_floor_m2`` [m²],
        ``age_band``, ``age_source``; optional ``levels_low``/``levels_high`` (storey band of
        imputed storeys, which widens the low and high heat cases).
    areas : pandas.DataFrame
        ``area_id``, ``elec_kwh``, ``elec_meters`` (domestic electricity); optional census households
        by accommodation type (:func:`census_floor_per_home`).
    assumptions : analysis.config.Assumptions
        Group ``heat``: ``heated_floor_factor``, ``dwelling_floor_*_m2``, ``nondomestic_gia_factor``, ``boiler_efficiency``,
        ``retail_heat_kwh_per_m2``, ``nondomestic_benchmark_low``/``high``,
        ``domestic_elec_kwh_per_dwelling`` (fallback where an area has no electricity data).

    Returns
    -------
    pandas.DataFrame
        ``heated_floor_m2``, ``nondomestic_floor_m2`` [m²]; ``space_heat_kwh``, ``dhw_kwh``,
        ``heat_kwh_domestic``, ``heat_kwh_domestic_map_floor`` (the homes' heat had their floor been
        outline × storeys × ``heated_floor_factor``), ``heat_kwh_nondomestic``, ``heat_kwh_low``,
        ``heat_kwh_central``, ``heat_kwh_high``, ``elec_kwh_domestic``, ``elec_kwh_nondomestic``, ``elec_demand_kwh``
        [kWh/yr]; ``building_kind``.
    """
    a = assumptions
    n = len(buildings)
    use_class = buildings["use_class"].to_numpy(dtype=object)
    levels = np.maximum(buildings["levels"].to_numpy(dtype=float), 1.0)
    floor = buildings["footprint_m2"].to_numpy(dtype=float) * levels
    if np.any(~np.isfinite(floor)) or np.any(floor < 0):
        raise InputError("negative or missing floor area", fix="repair the footprints (areas must be > 0 m²)")
    res_floor = buildings["residential_floor_m2"].fillna(0).to_numpy(dtype=float)
    dwellings = buildings["dwellings"].fillna(0).to_numpy(dtype=float)
    homes = dwellings > 0
    if "nondomestic_floor_m2" in buildings:
        nd_floor = buildings["nondomestic_floor_m2"].fillna(0).to_numpy(dtype=float)
    else:  # synthetic stock: the ground floor of mixed buildings
        nd_floor = np.select([use_class == "non_domestic", use_class == "mixed"], [floor, floor - res_floor], 0.0)
    kind = np.where(buildings["dwelling_type"].to_numpy(dtype=object) == "house", "house", "flat")
    spec = specific_domestic_demand(kind, buildings["age_band"].to_numpy(dtype=object),
                                    buildings["age_source"].to_numpy(dtype=object) != "observed", read_typology())
    factor = {lv: a.get("heat", "heated_floor_factor", lv) for lv in LEVELS}
    # Imputed storeys carry a low/high band: the map's floor area moves with it in the low and high cases.
    storeys = {lv: (buildings[f"levels_{lv}"].to_numpy(dtype=float) / levels if f"levels_{lv}" in buildings
                    else np.ones(n)) for lv in ("low", "high")}
    storeys = {lv: np.where(np.isfinite(v) & (v > 0), v, 1.0) for lv, v in storeys.items()}
    storeys["central"] = np.ones(n)
    # Where the census counts homes by type, a home's floor is its type's; elsewhere the map's.
    row = area_rows(buildings, areas)
    per_home = {}
    names = {*HOUSE_FLOOR_ASSUMPTION.values(), FLAT_FLOOR_ASSUMPTION}
    for lv in LEVELS:
        per_house, per_flat = census_floor_per_home(areas, {k: a.get("heat", k, lv) for k in names})
        per_area = np.where(kind == "house", per_house[np.maximum(row, 0)], per_flat[np.maximum(row, 0)]) \
            if len(areas) else np.full(n, np.nan)
        per_home[lv] = np.where(row >= 0, per_area, np.nan)
    from_census = homes & np.isfinite(per_home["central"])
    heated_of = {lv: np.where(from_census, dwellings * per_home[lv],
                              np.where(homes, res_floor * factor[lv] * storeys[lv], 0.0)) for lv in LEVELS}
    heated = heated_of["central"]
    space = heated * spec["space_heat_kwh_per_m2"]
    dhw = heated * spec["dhw_kwh_per_m2"]
    # The same homes had their floor been outline × storeys everywhere (the validation compares the two).
    map_floor_heat = np.where(homes, res_floor * factor["central"], 0.0) * (spec["space_heat_kwh_per_m2"]
                                                                            + spec["dhw_kwh_per_m2"])
    dom = {"low": heated_of["low"] * (spec["space_heat_low"] + spec["dhw_kwh_per_m2"]),
           "central": space + dhw,
           "high": heated_of["high"] * (spec["space_heat_high"] + spec["dhw_kwh_per_m2"])}

    bench = read_benchmarks()
    # Benchmarks per distinct category (a few dozen), then one gather for every building.
    cat_codes, cats = pd.factorize(buildings["use_category"].fillna("").astype(object), use_na_sentinel=False)
    cats = np.asarray(cats, dtype=object)
    cat_unknown = ~np.isin(cats, bench.index.to_numpy()) | np.isin(cats, ["", "other"])  # unclassified: general office
    per_cat = bench.reindex(np.where(cat_unknown, "other", cats))
    cat_heat = np.select([per_cat["heat_basis"].to_numpy() == "fossil", per_cat["heat_basis"].to_numpy() == "assumed"],
                         [per_cat["fossil_kwh_per_m2"].to_numpy(dtype=float) * a.get("heat", "boiler_efficiency"),
                          np.full(len(cats), a.get("heat", "retail_heat_kwh_per_m2"))], 0.0)
    unknown = cat_unknown[cat_codes] if len(cats) else np.zeros(n, bool)
    gia = nd_floor * a.get("heat", "nondomestic_gia_factor")
    nd_heat = gia * (cat_heat[cat_codes] if len(cats) else 0.0)
    nd_elec = gia * (per_cat["elec_kwh_per_m2"].to_numpy(dtype=float)[cat_codes] if len(cats) else 0.0)
    nd = {"low": nd_heat * a.get("heat", "nondomestic_benchmark_low") * storeys["low"], "central": nd_heat,
          "high": nd_heat * a.get("heat", "nondomestic_benchmark_high") * storeys["high"]}

    if {"elec_kwh", "elec_meters"} <= set(areas):
        meters = areas["elec_meters"].to_numpy(dtype=float)
        per_meter = np.divide(areas["elec_kwh"].to_numpy(dtype=float), meters, out=np.full(len(areas), np.nan),
                              where=meters > 0)
    else:
        per_meter = np.full(len(areas), np.nan)
    b_per_meter = np.where(row >= 0, per_meter[np.maximum(row, 0)], np.nan) if len(areas) else np.full(n, np.nan)
    fallback = a.get("heat", "domestic_elec_kwh_per_dwelling")
    missing = homes & ~np.isfinite(b_per_meter)
    if log is not None:
        log.default("energy", "domestic electricity per dwelling", int(dwellings[missing].sum()), f"{fallback:,.0f} kWh/yr",
                    note="areas without electricity statistics: a GB figure; map elec_kwh and elec_meters under "
                         "areas.statistics")
        log.record("energy", "homes' heated floor", records=int(dwellings[homes].sum()),
                   derived=int(dwellings[from_census].sum()), imputed=int(dwellings[homes & ~from_census].sum()),
                   note="derived: the English Housing Survey's mean floor for the home's census type; imputed: "
                        "the building's outline × storeys × heated_floor_factor shared among its homes")
        log.record("energy", "non-domestic benchmarks", records=int(np.sum(nd_floor > 0)),
                   derived=int(np.sum((nd_floor > 0) & ~unknown)),
                   imputed=int(np.sum((nd_floor > 0) & unknown)),
                   note="CIBSE TM46 typical benchmarks by category; unclassified buildings as general offices")
    elec_dom = dwellings * np.where(np.isfinite(b_per_meter), b_per_meter, fallback)
    return pd.DataFrame({
        "building_id": buildings["building_id"].array, "area_id": buildings["area_id"].array,
        "building_kind": labels(np.where(homes, np.where(kind == "house", BUILDING_KINDS.index("house"),
                                                         BUILDING_KINDS.index("flat")),
                                         np.where(nd_floor > 0, BUILDING_KINDS.index("non_domestic"),
                                                  BUILDING_KINDS.index("unheated"))), BUILDING_KINDS),
        "heated_floor_m2": heated, "nondomestic_floor_m2": gia,
        "space_heat_kwh": space + nd_heat * (1 - NONDOMESTIC_DHW_SHARE), "dhw_kwh": dhw + nd_heat * NONDOMESTIC_DHW_SHARE,
        "heat_kwh_domestic": dom["central"], "heat_kwh_domestic_map_floor": map_floor_heat, "heat_kwh_nondomestic": nd_heat,
        **{f"heat_kwh_{lv}": dom[lv] + nd[lv] for lv in LEVELS},
        "elec_kwh_domestic": elec_dom, "elec_kwh_nondomestic": nd_elec, "elec_demand_kwh": elec_dom + nd_elec,
    }, index=buildings.index)


def metered_fit(modelled, observed) -> tuple[float, float]:
    """How modelled heat per area compares with metered gas × boiler efficiency per area.

    Parameters
    ----------
    modelled, observed : array-like
        Per area, the same unit (e.g. GWh/yr); areas where either is missing or not positive
        are left out.

    Returns
    -------
    bias_pct : float
        (Σ modelled / Σ observed − 1) × 100 [%]; NaN with fewer than three areas.
    correlation : float
        Pearson correlation across areas [-]; NaN with fewer than three areas.
    """
    m, o = np.asarray(modelled, dtype=float), np.asarray(observed, dtype=float)
    keep = np.isfinite(m) & np.isfinite(o) & (m > 0) & (o > 0)
    m, o = m[keep], o[keep]
    if len(m) < 3:
        return float("nan"), float("nan")
    return float((m.sum() / o.sum() - 1) * 100), float(np.corrcoef(m, o)[0, 1])
