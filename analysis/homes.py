"""Homes on buildings: each area's census households placed on its residential floor area.

The census counts households per area by accommodation type (TS044: detached, semi-detached
and terraced houses, caravans; flats in purpose-built blocks; flats in converted houses or other
converted buildings; flats in commercial buildings). Footprints say where buildings are, rarely
how many homes they hold. :func:`allocate_homes` places every household of an area on one of its
buildings so that **per-area sums equal the census exactly** and:

* a house is one dwelling (a terrace mapped as one outline holds one house per
  ``terrace_house_footprint_m2`` of footprint); houses go to house-form buildings (``house``,
  ``terrace``, ``semidetached_house``, ``detached`` …), smallest first — large old houses are
  the ones most often converted into flats (English Housing Survey);
* flats in converted houses go to the remaining house-form and untagged buildings, at least two
  per building, in proportion to their residential floor area;
* flats in purpose-built blocks go to ``apartments`` outlines first, then to large or tall
  untagged or residential buildings, in proportion to residential floor area;
* flats in commercial buildings go to the upper floors of mixed buildings (shops below);
* a building's observed ``building:flats`` is kept where it fits the census.

Residential floor area = footprint × storeys, less the ground floor of mixed buildings.
Untagged buildings (``building=yes`` with no clue) are home candidates only while the area needs
floor area: once residential floor area per household exceeds ``max_floor_per_household_m2``
the least likely candidates (large, not in residential landuse) are left non-domestic
(*imputed*). Every building's dwellings carry a provenance label; the data-quality log says how
many households were placed by each rule and where the census could not be met (an area with no
building at all).

The loop runs over areas (hundreds), each step vectorised over the area's buildings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.quality import DERIVED, IMPUTED, OBSERVED, QualityLog

#: Census count columns (households by accommodation type) and the dwelling type each becomes.
TYPE_COLUMNS = {
    "house": ["dwellings_detached", "dwellings_semi", "dwellings_terraced", "dwellings_caravan"],
    "converted_flat": ["dwellings_converted_flat"],
    "purpose_built_flat": ["dwellings_purpose_built_flat"],
    "commercial_flat": ["dwellings_commercial_flat"],
}
DWELLING_TYPES = list(TYPE_COLUMNS)


def census_counts(areas: pd.DataFrame) -> pd.DataFrame:
    """Households by dwelling type per area (rows in ``areas`` order); zeros where not given."""
    out = pd.DataFrame(index=areas.index)
    for dtype, columns in TYPE_COLUMNS.items():
        present = [c for c in columns if c in areas]
        out[dtype] = areas[present].fillna(0).sum(axis=1).round() if present else 0.0
    return out.astype(int)


def _largest_remainder(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split a whole ``total`` over items by ``weights`` into whole numbers (Hamilton's method).

    With ``minimum``, every item that gets anything gets at least that many; when the total is
    too small for all, the heaviest items are served first.
    """
    n = len(weights)
    w = np.clip(np.nan_to_num(np.asarray(weights, dtype=float)), 0, None)
    out = np.zeros(n, dtype=np.int64)
    if total <= 0 or n == 0:
        return out
    if minimum:
        served = np.zeros(n, dtype=bool)
        served[np.argsort(-w, kind="stable")[: min(n, total // minimum)]] = True
        out[served] = minimum
        total -= minimum * int(served.sum())
        w = np.where(served, w, 0.0)
    if w.sum() <= 0:
        w = np.ones(n) if not minimum else (out > 0).astype(float)
    exact = total * w / w.sum()
    base = np.floor(exact).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:
        base[np.argsort(-(exact - base), kind="stable")[:rest]] += 1
    return out + base


def allocate_homes(buildings: pd.DataFrame, areas: pd.DataFrame, params: dict, log: QualityLog | None = None) -> pd.DataFrame:
    """Place every census household of every area on a building (see the module docstring).

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``area_id``, ``footprint_m2`` [m²], ``levels``, ``use`` (building tag), ``use_class``
        (domestic, mixed, non_domestic, ancillary, unknown), ``use_group``, ``landuse``,
        ``flats`` (observed ``building:flats`` or NaN).
    areas : pandas.DataFrame
        ``area_id`` and the census columns of :data:`TYPE_COLUMNS` [households].
    params : dict
        ``homes`` assumptions at one level: ``terrace_house_footprint_m2``,
        ``block_min_floor_m2``, ``max_floor_per_household_m2``, ``min_outbuilding_m2``.
    log : analysis.quality.QualityLog, optional

    Returns
    -------
    pandas.DataFrame
        Indexed like ``buildings``: ``dwellings`` (int), ``dwelling_type`` (one of
        :data:`DWELLING_TYPES` or None), ``dwellings_source``, ``residential_floor_m2`` [m²],
        ``use_class`` and ``use_source`` updated for untagged buildings.
    """
    n = len(buildings)
    floor = buildings["footprint_m2"].to_numpy(dtype=float) * np.maximum(buildings["levels"].to_numpy(dtype=float), 1.0)
    levels = np.maximum(buildings["levels"].to_numpy(dtype=float), 1.0)
    use_class = buildings["use_class"].to_numpy(dtype=object).copy()
    use_source = buildings["use_source"].to_numpy(dtype=object).copy()
    group = buildings["use_group"].to_numpy(dtype=object)
    tag = buildings["use"].fillna("").astype(str).str.lower().to_numpy()
    footprint = buildings["footprint_m2"].to_numpy(dtype=float)
    flats_obs = pd.to_numeric(buildings.get("flats", pd.Series(np.nan, index=buildings.index)), errors="coerce").to_numpy()
    landuse_res = (buildings.get("landuse", pd.Series(None, index=buildings.index)).astype(object) == "residential").to_numpy()
    # Residential floor: all of a home, the upper floors of a mixed building, all of a candidate.
    res_floor = np.where(np.isin(use_class, ["domestic", "unknown"]), floor,
                         np.where(use_class == "mixed", floor * (levels - 1) / levels, 0.0))
    # Tiny untagged outlines are sheds and garages, not homes.
    shed = (use_class == "unknown") & (footprint < params["min_outbuilding_m2"])
    use_class[shed], use_source[shed], res_floor[shed] = "ancillary", IMPUTED, 0.0

    by_type = np.zeros((n, len(DWELLING_TYPES)), dtype=np.int64)  # households per building and type
    source = np.full(n, None, dtype=object)
    counts = census_counts(areas.reset_index(drop=True))
    area_ids = areas["area_id"].astype(str).to_numpy()
    stats = {"placed": 0, "census": int(counts.to_numpy().sum()), "no_building": 0, "no_home_candidate": 0,
             "houses_over_capacity": 0, "candidates_left_non_domestic": 0, "observed_flats": 0}
    b_area = buildings["area_id"].astype(str).to_numpy()
    order = np.argsort(b_area, kind="stable")
    starts = np.searchsorted(b_area[order], area_ids, side="left")
    ends = np.searchsorted(b_area[order], area_ids, side="right")
    for a, (s, e) in enumerate(zip(starts, ends)):  # one iteration per AREA; vectorised inside
        need = counts.iloc[a].to_dict()
        total = int(sum(need.values()))
        if total == 0:
            continue
        idx = order[s:e]
        if idx.size == 0:
            stats["no_building"] += total
            continue
        _place_area(idx, need, res_floor, floor, footprint, group, tag, use_class, landuse_res, flats_obs, params,
                    by_type, source, stats)
    dwellings = by_type.sum(axis=1)
    dtype_out = np.where(dwellings > 0, np.array(DWELLING_TYPES, dtype=object)[by_type.argmax(axis=1)], None)
    # Untagged candidates that got no home are non-domestic (imputed); homes on them are imputed too.
    unknown = use_class == "unknown"
    got = dwellings > 0
    use_class[unknown & got], use_source[unknown & got] = "domestic", IMPUTED
    use_class[unknown & ~got], use_source[unknown & ~got] = "non_domestic", IMPUTED
    mixed_empty = (use_class == "mixed") & ~got
    use_class[mixed_empty] = "non_domestic"  # shop or office floors only
    dwellings = by_type.sum(axis=1)
    res_floor = np.where(use_class == "domestic", floor, np.where(use_class == "mixed", floor * (levels - 1) / levels, 0.0))
    # Where the use is uncertain (mixed, or an untagged outline given homes), homes take at most a
    # plausible floor area each; the rest of the building is non-domestic (offices, shops, storage).
    cap = by_type[:, 0] * params["max_floor_per_house_m2"] + by_type[:, 1:].sum(axis=1) * params["max_floor_per_flat_m2"]
    uncertain = (use_class == "mixed") | ((use_class == "domestic") & (use_source == IMPUTED))
    capped = uncertain & (res_floor > cap)
    res_floor = np.where(capped, cap, res_floor)
    nd_floor = np.where(use_class == "non_domestic", floor, np.where(dwellings > 0, floor - res_floor, 0.0))
    use_class[(use_class == "domestic") & (nd_floor > 1.0)] = "mixed"
    if log is not None:
        placed = int(dwellings.sum())
        log.record("homes", "dwellings", records=n, derived=int(np.sum(source == DERIVED)),
                   imputed=int(np.sum(source == IMPUTED)), observed=int(np.sum(source == OBSERVED)),
                   parsed=int(np.sum(source == OBSERVED)),
                   note=(f"{placed:,} of {stats['census']:,} census households placed on buildings"
                         + (f"; {stats['no_building']:,} in areas with no building" if stats["no_building"] else "")
                         + (f"; {stats['no_home_candidate']:,} on non-residential buildings (area has no home outline)"
                            if stats["no_home_candidate"] else "")
                         + (f"; {stats['houses_over_capacity']:,} houses beyond the house-form outlines placed as extra homes"
                            if stats["houses_over_capacity"] else "")))
        log.record("homes", "use", records=n, imputed=int(np.sum(unknown)),
                   note=f"{int(np.sum(unknown & got)):,} untagged buildings given homes, "
                        f"{int(np.sum(unknown & ~got)):,} left non-domestic, {int(shed.sum()):,} tiny ones treated as sheds; "
                        f"in {int(capped.sum()):,} buildings of uncertain use the floor beyond a plausible area per home "
                        f"({params['max_floor_per_house_m2']:g} m² per house, {params['max_floor_per_flat_m2']:g} m² per flat) "
                        f"is counted non-domestic")
    out = pd.DataFrame({"dwellings": dwellings, "dwelling_type": dtype_out, "dwellings_source": source,
                        "residential_floor_m2": res_floor, "nondomestic_floor_m2": nd_floor, "use_class": use_class,
                        "use_source": use_source},
                       index=buildings.index)
    for k, name in enumerate(DWELLING_TYPES):
        out[f"dw_{name}"] = by_type[:, k]
    return out


def _place_area(idx, need, res_floor, floor, footprint, group, tag, use_class, landuse_res, flats_obs, params,
                by_type, source, stats) -> None:
    """Place one area's households (``need`` by dwelling type) on its buildings ``idx`` (in place)."""
    total = sum(need.values())
    cls = use_class[idx]
    candidate = np.isin(cls, ["domestic", "unknown", "mixed"]) & (res_floor[idx] > 0)
    if not candidate.any():  # no home outline at all: use the largest non-ancillary buildings, imputed
        usable = idx[use_class[idx] != "ancillary"]
        usable = usable if usable.size else idx
        for k, kind in enumerate(DWELLING_TYPES):
            share = _largest_remainder(need[kind], floor[usable])
            by_type[usable, k] += share
            source[usable[share > 0]] = IMPUTED
        stats["no_home_candidate"] += total
        stats["placed"] += total
        return
    # Untagged candidates only while floor area is needed (large ones outside residential landuse first out).
    unknown = idx[(cls == "unknown") & (res_floor[idx] > 0)]
    known_floor = res_floor[idx][candidate & (cls != "unknown")].sum()
    cap = params["max_floor_per_household_m2"] * total
    if unknown.size and known_floor + res_floor[unknown].sum() > cap:
        likely = np.lexsort((res_floor[unknown], ~landuse_res[unknown]))  # residential landuse, small first
        keep = known_floor + np.cumsum(res_floor[unknown][likely]) <= max(cap, known_floor)
        keep[0] |= known_floor == 0  # always keep one if there is nothing else
        dropped = unknown[likely[~keep]]
        res_floor[dropped] = 0.0
        stats["candidates_left_non_domestic"] += int(dropped.size)
    free = idx[np.isin(use_class[idx], ["domestic", "unknown"]) & (res_floor[idx] > 0)]
    mixed = idx[(use_class[idx] == "mixed") & (res_floor[idx] > 0)]
    taken = np.zeros(len(res_floor), dtype=bool)

    def give(bidx, amounts, dtype, how):
        amounts = np.asarray(amounts, dtype=np.int64)
        hit = amounts > 0
        by_type[bidx[hit], DWELLING_TYPES.index(dtype)] += amounts[hit]
        source[bidx[hit]] = np.where(source[bidx[hit]] == None, how, source[bidx[hit]])  # noqa: E711
        taken[bidx[hit]] = True
        stats["placed"] += int(amounts.sum())

    # 1. Observed building:flats (kept where the census has that many flats left).
    obs = free[np.isfinite(flats_obs[free])]
    for b in obs:  # a handful of buildings per place
        kind = "purpose_built_flat" if need["purpose_built_flat"] >= flats_obs[b] else (
            "converted_flat" if need["converted_flat"] >= flats_obs[b] else None)
        if kind:
            give(np.array([b]), [int(flats_obs[b])], kind, OBSERVED)
            need[kind] -= int(flats_obs[b])
            stats["observed_flats"] += int(flats_obs[b])
    # 2. Houses: house-form outlines smallest first; a terrace outline holds several houses.
    houses = free[~taken[free] & (group[free] == "house_form")]
    houses = houses[np.argsort(res_floor[houses], kind="stable")]
    row_capacity = lambda b: np.maximum(np.round(footprint[b] / params["terrace_house_footprint_m2"]), 1).astype(np.int64)  # noqa: E731
    capacity = np.where(np.isin(tag[houses], ["terrace", "terraced_house"]), row_capacity(houses), 1)
    before = np.cumsum(capacity) - capacity
    amount = np.clip(need["house"] - before, 0, capacity)
    give(houses, amount, "house", DERIVED)
    left = need["house"] - int(amount.sum())
    if left > 0:  # more census houses than house outlines: small untagged outlines, smallest first
        spare = free[~taken[free] & (group[free] != "block") & (res_floor[free] < params["block_min_floor_m2"])]
        spare = spare[np.argsort(res_floor[spare], kind="stable")][:left]
        give(spare, np.ones(spare.size), "house", IMPUTED)
        left -= spare.size
    if left > 0:  # still more: rows of houses mapped as one outline (one house per terrace-house footprint)
        used = free[(by_type[free, 0] > 0)]
        used = used[np.argsort(res_floor[used], kind="stable")]
        room = np.clip(row_capacity(used) - by_type[used, 0], 0, None)
        amount = np.clip(left - (np.cumsum(room) - room), 0, room)
        give(used, amount, "house", IMPUTED)
        left -= int(amount.sum())
    if left > 0:  # last resort, recorded: spread over the house outlines by floor area
        used = free[(by_type[free, 0] > 0)] if np.any(by_type[free, 0] > 0) else free
        give(used, _largest_remainder(left, res_floor[used]), "house", IMPUTED)
        stats["houses_over_capacity"] += left
    # 3. Purpose-built flats: apartment blocks, then large or tall buildings, by residential floor area.
    blocks = free[~taken[free] & (group[free] == "block")]
    big = free[~taken[free] & (group[free] != "block") & (res_floor[free] >= params["block_min_floor_m2"])]
    for pool, how in ((blocks, DERIVED), (big, IMPUTED)):
        if need["purpose_built_flat"] <= 0 or pool.size == 0:
            continue
        # Each block holds at most one flat per 25 m² of floor (a dense studio block), so small pools overflow on.
        room = np.maximum(np.floor(res_floor[pool] / 25.0), 1).astype(np.int64)
        share = np.minimum(_largest_remainder(min(need["purpose_built_flat"], int(room.sum())), res_floor[pool]), room)
        give(pool, share, "purpose_built_flat", how)
        need["purpose_built_flat"] -= int(share.sum())
    # 4. Flats in commercial buildings: upper floors of mixed buildings.
    if need["commercial_flat"] > 0 and mixed.size:
        give(mixed, _largest_remainder(need["commercial_flat"], res_floor[mixed]), "commercial_flat", DERIVED)
        need["commercial_flat"] = 0
    # 5. Converted flats, then whatever could not be placed above: the remaining candidates
    #    (two or more flats in a converted house), else back onto buildings already used.
    for kind in ("converted_flat", "purpose_built_flat", "commercial_flat"):
        if need[kind] <= 0:
            continue
        rest = free[~taken[free]]
        if rest.size:
            share = _largest_remainder(need[kind], res_floor[rest], minimum=2 if kind == "converted_flat" else 0)
            give(rest, share, kind, DERIVED if kind == "converted_flat" else IMPUTED)
        else:
            pool = free if free.size else mixed
            give(pool, _largest_remainder(need[kind], res_floor[pool]), kind, IMPUTED)
        need[kind] = 0
