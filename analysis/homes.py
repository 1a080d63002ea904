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

Residential floor area = footprint × storeys, less the ground floor of mixed buildings. A
building holds at most one flat per ``min_floor_per_flat_m2`` of it; households no mapped
building has room for (where buildings are missing from the map) are spread by floor area and
counted. Untagged buildings (``building=yes`` with no clue) that get no home are left
non-domestic (*imputed*); in buildings whose use is uncertain, floor beyond a plausible area per
home counts as non-domestic. Every building's dwellings carry a provenance label; the
data-quality log says how many households were placed by each rule.

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
        served[np.argsort(-w, kind="stable")[: max(min(n, total // minimum), 1)]] = True  # at least the heaviest
        minimum = min(minimum, total)
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
        ``block_min_floor_m2``, ``min_floor_per_flat_m2``, ``min_outbuilding_m2``,
        ``max_floor_per_house_m2``, ``max_floor_per_flat_m2``.
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
    typed = any(c in areas for columns in TYPE_COLUMNS.values() for c in columns)
    if not typed and "households" in areas:  # no accommodation types: houses on house outlines, flats elsewhere
        total = areas["households"].fillna(0).round().astype(int).to_numpy()
        # House-shaped: house-form tags, and small outlines tagged as homes without a form (OSM
        # `building=residential` on a detached house): below the block size, one house each.
        house_shaped = (group == "house_form") | ((group == "unknown") & (use_class == "domestic")
                                                  & (res_floor < params["block_min_floor_m2"]))
        outlines = pd.Series(house_shaped).groupby(buildings["area_id"].astype(str).to_numpy()).sum()
        houses = np.minimum(total, outlines.reindex(area_ids).fillna(0).astype(int).to_numpy())
        counts["house"], counts["purpose_built_flat"] = houses, total - houses
        if log is not None:
            log.default("homes", "accommodation type", int(total.sum()),
                        "one house per house-shaped outline (house tags, and small outlines tagged as homes), "
                        "the rest as flats",
                        note="the place gives households but no accommodation types (Census TS044)")
    stats = {"placed": 0, "census": int(counts.to_numpy().sum()), "no_building": 0, "no_home_candidate": 0,
             "over_capacity": 0, "observed_flats": 0}
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
                         + (f"; {stats['over_capacity']:,} beyond the room of the mapped buildings "
                            f"(one flat per {params['min_floor_per_flat_m2']:g} m²) spread by floor area — buildings are "
                            f"missing from the map there" if stats["over_capacity"] else "")))
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


def _fill(total: int, weights: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` without exceeding ``room`` (water-filling)."""
    out = np.zeros(len(weights), dtype=np.int64)
    room = np.clip(room, 0, None).astype(np.int64)
    for _ in range(50):  # each pass fills at least one item to its room, so few passes are needed
        open_ = room > 0
        if total <= 0 or not open_.any():
            break
        share = np.minimum(_largest_remainder(total, np.where(open_, weights, 0.0)), room)
        out += share
        room -= share
        total -= int(share.sum())
    return out


def _place_area(idx, need, res_floor, floor, footprint, group, tag, use_class, landuse_res, flats_obs, params,
                by_type, source, stats) -> None:
    """Place one area's households (``need`` by dwelling type) on its buildings ``idx`` (in place).

    Order: observed ``building:flats``; houses on house-form outlines (smallest first), then on
    small untagged outlines; purpose-built flats on blocks, then on large untagged or residential
    buildings; flats over shops on mixed buildings; converted flats on what is left (two or more
    each). Every step respects a building's room — one flat per ``min_floor_per_flat_m2`` of
    residential floor — and only what no building has room for is spread by floor area (imputed,
    counted). Untagged candidates that get no home stay non-domestic.
    """
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
    free = idx[np.isin(cls, ["domestic", "unknown"]) & (res_floor[idx] > 0)]
    mixed = idx[(cls == "mixed") & (res_floor[idx] > 0)]
    # Untagged outlines in residential landuse are likelier homes than those outside it.
    likely = np.where(landuse_res[free] | (group[free] != "unknown"), 1.0, 0.5)
    flat_room = lambda b: np.maximum(np.floor(res_floor[b] / params["min_floor_per_flat_m2"]), 1).astype(np.int64)  # noqa: E731
    used = lambda b: by_type[b].sum(axis=1) > 0  # noqa: E731

    def give(bidx, amounts, dtype, how):
        amounts = np.asarray(amounts, dtype=np.int64)
        hit = amounts > 0
        by_type[bidx[hit], DWELLING_TYPES.index(dtype)] += amounts[hit]
        source[bidx[hit]] = np.where(source[bidx[hit]] == None, how, source[bidx[hit]])  # noqa: E711
        stats["placed"] += int(amounts.sum())
        need[dtype] -= int(amounts.sum())

    # 1. Observed building:flats (kept where the census has that many flats left).
    for b in free[np.isfinite(flats_obs[free])]:  # a handful of buildings per place
        kind = next((k for k in ("purpose_built_flat", "converted_flat") if need[k] >= flats_obs[b]), None)
        if kind:
            give(np.array([b]), [int(flats_obs[b])], kind, OBSERVED)
            stats["observed_flats"] += int(flats_obs[b])
    # 2. Houses: house-form outlines smallest first (a terrace outline holds several), then small
    #    untagged outlines, then more houses in long outlines (one per terrace-house footprint).
    row_capacity = lambda b: np.maximum(np.round(footprint[b] / params["terrace_house_footprint_m2"]), 1).astype(np.int64)  # noqa: E731
    houses = free[(group[free] == "house_form") & ~used(free)]
    houses = houses[np.argsort(res_floor[houses], kind="stable")]
    capacity = np.where(np.isin(tag[houses], ["terrace", "terraced_house"]), row_capacity(houses), 1)
    give(houses, np.clip(need["house"] - (np.cumsum(capacity) - capacity), 0, capacity), "house", DERIVED)
    spare = free[(group[free] == "unknown") & ~used(free) & (res_floor[free] < params["block_min_floor_m2"])]
    spare = spare[np.lexsort((res_floor[spare], -likely[np.searchsorted(free, spare)] if free.size else []))]
    give(spare[: max(need["house"], 0)], np.ones(min(spare.size, max(need["house"], 0))), "house", IMPUTED)
    if need["house"] > 0:
        rows = free[by_type[free, 0] > 0]
        give(rows, _fill(need["house"], res_floor[rows], row_capacity(rows) - by_type[rows, 0]), "house", IMPUTED)
    # 3. Purpose-built flats: blocks, then large untagged or residential buildings.
    blocks = free[(group[free] == "block") & ~used(free)]
    give(blocks, _fill(need["purpose_built_flat"], res_floor[blocks], flat_room(blocks)), "purpose_built_flat", DERIVED)
    big = free[(group[free] != "block") & ~used(free) & (res_floor[free] >= params["block_min_floor_m2"])]
    give(big, _fill(need["purpose_built_flat"], res_floor[big] * likely[np.searchsorted(free, big)], flat_room(big)),
         "purpose_built_flat", IMPUTED)
    # 4. Flats in commercial buildings: upper floors of mixed buildings.
    give(mixed, _fill(need["commercial_flat"], res_floor[mixed], flat_room(mixed)), "commercial_flat", DERIVED)
    # 5. Converted flats: the remaining house-form and untagged outlines, two or more flats each.
    rest = free[~used(free)]
    if need["converted_flat"] > 0 and rest.size:
        weights = res_floor[rest] * likely[np.searchsorted(free, rest)]
        share = _largest_remainder(need["converted_flat"], weights, minimum=2)
        give(rest, np.minimum(share, np.maximum(flat_room(rest), 2)), "converted_flat", DERIVED)
    # 6. What no building had room for: more flats on candidates with room left, then by floor area.
    for kind in ("converted_flat", "purpose_built_flat", "commercial_flat", "house"):
        if need[kind] <= 0:
            continue
        pool = np.concatenate([free, mixed]) if kind != "commercial_flat" else (mixed if mixed.size else free)
        room = flat_room(pool) - by_type[pool].sum(axis=1)
        give(pool, _fill(need[kind], res_floor[pool], room), kind, IMPUTED)
        if need[kind] > 0:
            stats["over_capacity"] += need[kind]
            give(pool, _largest_remainder(need[kind], res_floor[pool]), kind, IMPUTED)


def floor_coverage(buildings: pd.DataFrame, areas: pd.DataFrame, params: dict) -> pd.DataFrame:
    """How much of each area's census housing the mapped buildings can hold.

    ``mapped_floor_m2`` is the gross floor area of buildings that could hold homes (tagged homes,
    mixed and untagged outlines); ``needed_floor_m2`` the census households × a typical gross floor
    area per house or flat. A coverage well below 1 means buildings are missing from the map
    (homes are then packed onto the mapped ones and roof potential is understated).

    Returns
    -------
    pandas.DataFrame
        Per ``area_id``: ``mapped_floor_m2``, ``needed_floor_m2`` [m²], ``floor_coverage`` [-].
    """
    floor = buildings["footprint_m2"].to_numpy(dtype=float) * np.maximum(buildings["levels"].to_numpy(dtype=float), 1.0)
    could = buildings["use_group"].isin(["house_form", "block", "unknown", "mixed"]).to_numpy()
    mapped = pd.Series(np.where(could, floor, 0.0)).groupby(buildings["area_id"].to_numpy()).sum()
    counts = census_counts(areas.reset_index(drop=True))
    needed = pd.Series(counts["house"].to_numpy() * params["floor_per_house_m2"]
                       + counts[["converted_flat", "purpose_built_flat", "commercial_flat"]].sum(axis=1).to_numpy()
                       * params["floor_per_flat_m2"], index=areas["area_id"].to_numpy())
    mapped = mapped.reindex(needed.index).fillna(0.0)
    return pd.DataFrame({"area_id": needed.index, "mapped_floor_m2": mapped.to_numpy(), "needed_floor_m2": needed.to_numpy(),
                         "floor_coverage": (mapped / needed.replace(0, np.nan)).to_numpy()})

