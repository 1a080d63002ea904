"""Who lives under each roof and who owns it: occupant tenure per dwelling, roof owner per building.

Tenure is known per area (Census TS054), not per home. :func:`allocate_tenure` gives each
building's dwellings a tenure by a documented, seeded rule, so that per-area sums equal the
census; :func:`roof_owners` then says who holds the **roof** — the freeholder, which for a block
of flats is not the households under it — and how many parties must agree before panels go up.

Tenure rule (per area, seeded; ``rtb`` = right-to-buy leasehold share of council blocks):

1. **Social rented** homes go to whole buildings, in this order of preference: buildings whose
   ``operator`` names a council or housing association; purpose-built blocks (drawn at random
   with probability rising with size — estates are large blocks); converted houses; houses;
   flats over shops. In a purpose-built social block a share ``rtb`` of the flats were sold
   under Right to Buy: they stay in the block (the council remains freeholder) but their
   occupants are owner-occupiers or private renters, allocated in steps 2–3.
2. **Owner-occupied** homes go, at random within each preference class, to houses first, then
   converted flats, then flats in blocks (including right-to-buy flats), then flats over shops.
3. The rest are **private rented** (and the few "lives rent free", kept separately).

Roof owner (freeholder) of a building with homes: a house belongs to its owner-occupier, its
landlord or its social landlord; a converted house let by one landlord belongs to that landlord,
one with owner-occupied (leasehold) flats to a *private freeholder* — often the leaseholders
together (share of freehold), all of whom must agree; a purpose-built block chosen as social
belongs to the social landlord, any other block to a private freeholder (a company); a building
with flats over shops to a private freeholder. Non-domestic roofs: schools, universities,
hospitals, clinics, civic, cultural and transport buildings, or an ``operator`` naming a public
body → ``public_body``; places of worship → ``faith_community``; the rest → ``commercial``.
Garages and sheds take the owner of the nearest building within 30 m.

A terrace mapped as one outline holding several houses is split into **roof units**
(:func:`roof_units`), one per house, each with its own owner — the economics works on units.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.quality import (DERIVED, OBSERVED, P_DERIVED, P_IMPUTED, P_OBSERVED, PROVENANCE, QualityLog,
                              labels)

TENURES = ["owner_occupied", "social_rented", "private_rented", "other_tenure"]
ROOF_OWNERS = ["owner_occupier", "private_landlord", "social_landlord", "private_freeholder", "public_body",
               "commercial", "faith_community"]
#: England and Wales, Census 2021 TS054 (all 35,672 LSOAs): shares used only where a place gives
#: no tenure counts (recorded as a default in the data-quality log).
NATIONAL_TENURE_SHARES = {"owner_occupied": 0.6254, "social_rented": 0.1706, "private_rented": 0.2027,
                          "other_tenure": 0.0013}
PUBLIC_CATEGORIES = {"school", "university", "hospital", "clinic", "public", "cultural", "transport"}
SOCIAL_OPERATOR = re.compile(r"council|borough|\bcity of\b|housing|homes\b|peabody|clarion|genesis|sanctuary|"
                             r"\bguinness\b|\bl&q\b|origin|\bmetropolitan\b|\bnotting hill\b|\bnhg\b|"
                             r"one housing|southern housing|hyde|octavia|family mosaic|circle", re.IGNORECASE)
PUBLIC_OPERATOR = re.compile(r"\bnhs\b|university|\bucl\b|college|school|academy|\btfl\b|transport for london|"
                             r"network rail|police|fire brigade|library|\bcouncil\b|borough", re.IGNORECASE)
TYPES = ["house", "converted_flat", "purpose_built_flat", "commercial_flat"]


def _matches(pattern: re.Pattern, values) -> np.ndarray:
    """Whether each value (None/NaN as "") matches ``pattern``; the regex runs once per distinct value."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))  # missing values get code -1
    hit = np.array([bool(pattern.search(str(u))) for u in uniques] + [bool(pattern.search(""))], dtype=bool)
    return hit[codes]  # code -1 takes the last entry: the missing value as ""


def _operator(buildings: pd.DataFrame):
    """The ``operator`` tag of every building (None where the column is absent)."""
    return buildings["operator"].to_numpy(dtype=object) if "operator" in buildings else np.full(len(buildings), None)


def _weighted_order_key(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Keys whose descending order is a weighted random permutation (Efraimidis & Spirakis 2006),
    from uniform draws ``u`` in (0, 1)."""
    return np.log(np.maximum(u, 1e-300)) / np.maximum(weights, 1e-9)


def building_uniforms(building_id, seed: int, purpose: str) -> np.ndarray:
    """A uniform draw in [0, 1) per building from a keyed hash of its id (SipHash via pandas).

    The same building gets the same draw however the place is split into partitions or ordered,
    so allocations do not depend on how a run is chunked; ``purpose`` gives independent draws
    for different rules.
    """
    import hashlib

    key = hashlib.sha256(f"{seed}:{purpose}".encode()).hexdigest()[:16]
    ids = building_id if isinstance(building_id, np.ndarray) and building_id.dtype == object \
        else pd.Series(building_id).astype(str).to_numpy(dtype=object)
    hashed = pd.util.hash_array(ids, hash_key=key, categorize=False)
    return (hashed >> np.uint64(11)).astype(np.float64) / float(2 ** 53)


def area_tenure_counts(areas: pd.DataFrame, dwellings_by_area: pd.Series, log: QualityLog | None = None) -> pd.DataFrame:
    """Tenure counts per area scaled to the dwellings placed there (whole numbers, exact sums).

    Census tenure (TS054) and accommodation type (TS044) totals can differ by a household or
    two in an area (ONS perturbation); tenure shares are applied to the dwellings actually placed.
    Areas without tenure counts get the England and Wales shares (recorded as a default).
    """
    a = areas.set_index("area_id")
    have = all(t in a for t in TENURES[:3])
    shares = pd.DataFrame(index=a.index, columns=TENURES, dtype=float)
    missing = pd.Series(True, index=a.index)
    if have:
        counts = a[TENURES[:3]].astype(float).assign(other_tenure=a.get("other_tenure", 0.0)).fillna(0.0)
        total = counts.sum(axis=1)
        missing = total <= 0
        shares.loc[~missing] = counts[~missing].div(total[~missing], axis=0).to_numpy()
    shares.loc[missing] = [NATIONAL_TENURE_SHARES[t] for t in TENURES]
    if log is not None and missing.any():
        log.default("tenure", "tenure shares", int(missing.sum()),
                    "England and Wales 2021 shares (62.5 % owned, 17.1 % social, 20.3 % private rented)",
                    note="areas without tenure counts: a UK default; give the place's own counts (owner_occupied, "
                         "social_rented, private_rented) under areas.statistics or in the boundary file")
    n = dwellings_by_area.reindex(a.index).fillna(0).astype(int).to_numpy()
    exact = shares.to_numpy(dtype=float) * n[:, None]
    base = np.floor(exact).astype(int)
    short = n - base.sum(axis=1)
    order = np.argsort(-(exact - base), axis=1, kind="stable")
    rank = np.argsort(order, axis=1)
    base += (rank < short[:, None]).astype(int)
    return pd.DataFrame(base, index=a.index, columns=TENURES)


def allocate_tenure(buildings: pd.DataFrame, areas: pd.DataFrame, params: dict, seed: int,
                    log: QualityLog | None = None) -> pd.DataFrame:
    """Occupant tenure of every building's dwellings (see the module docstring).

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``area_id``, ``dw_house``, ``dw_converted_flat``, ``dw_purpose_built_flat``,
        ``dw_commercial_flat`` [dwellings], optional ``operator``.
    areas : pandas.DataFrame
        ``area_id`` and tenure counts ``owner_occupied``, ``social_rented``, ``private_rented``,
        ``other_tenure`` [households].
    params : dict
        ``ownership`` assumptions: ``rtb_leasehold_share`` [-].
    seed : int

    Returns
    -------
    pandas.DataFrame
        Indexed like ``buildings``: ``dw_owner_occupied``, ``dw_social_rented``,
        ``dw_private_rented``, ``dw_other`` (ints summing to the dwellings), ``social_block``
        (bool: chosen as a social landlord's building), ``tenure_source``.
    """
    n = len(buildings)
    by_type = np.column_stack([buildings[f"dw_{t}"].fillna(0).to_numpy(dtype=np.int64) for t in TYPES])
    dwellings = by_type.sum(axis=1)
    main = np.where(dwellings > 0, by_type.argmax(axis=1), -1)
    op_social = _matches(SOCIAL_OPERATOR, _operator(buildings))  # council or housing association
    # Areas as integer codes: sorting and grouping millions of buildings by strings is slow.
    area, area_names = pd.factorize(buildings["area_id"].astype(str))
    area = area.astype(np.int64)
    quotas = area_tenure_counts(areas, pd.Series(np.bincount(area, weights=dwellings, minlength=len(area_names))
                                                 .astype(np.int64), index=area_names), log)
    quota_of = quotas.reindex(area_names).fillna(0)
    rtb = params["rtb_leasehold_share"]
    # Random order within each preference class, drawn per building from its id (so partitions agree).
    ids = buildings["building_id"].astype(str).to_numpy(dtype=object)  # once for both draws
    social_key = _weighted_order_key(building_uniforms(ids, seed, "social"), np.maximum(dwellings, 1).astype(float))
    owner_key = building_uniforms(ids, seed, "owner")
    # Social preference class: operator-named first, blocks, converted houses, houses, flats over shops.
    social_class = np.select([op_social, main == 2, main == 1, main == 0, main == 3], [0, 1, 2, 3, 4], 9)
    social_capacity = np.where(main == 2, np.floor(dwellings * (1 - rtb) + 0.5), dwellings).astype(np.int64)
    owner_class = np.select([main == 0, main == 1, main == 2, main == 3], [0, 1, 2, 3], 9)

    social = np.zeros(n, dtype=np.int64)
    owned = np.zeros(n, dtype=np.int64)
    private = np.zeros(n, dtype=np.int64)
    chosen = np.zeros(n, dtype=bool)
    # Sort once by (area, class, key): every quota is then a running sum within the area.
    order_s = np.lexsort((-social_key, social_class, area))
    order_s = order_s[dwellings[order_s] > 0]
    area_s = area[order_s]
    quota_s = quota_of["social_rented"].to_numpy()[area_s]
    cap = social_capacity[order_s]
    before = _cumsum_by_group(cap, area_s) - cap
    take = np.clip(quota_s - before, 0, cap)
    social[order_s] = take
    # Areas where social renting is so common that right-to-buy flats cannot stay private: fill them too.
    short = quota_s - _cumsum_by_group(take, area_s)  # running shortfall; the last row per area counts
    last = np.r_[area_s[1:] != area_s[:-1], True] if order_s.size else np.zeros(0, bool)
    short_by_area = np.zeros(len(area_names))
    short_by_area[area_s[last]] = np.clip(short[last], 0, None)
    if short_by_area.sum() > 0:
        room = dwellings[order_s] - social[order_s]
        need = short_by_area[area_s]
        before = _cumsum_by_group(room, area_s) - room
        social[order_s] += np.clip(need - before, 0, room).astype(np.int64)
    chosen[order_s] = social[order_s] > 0
    left = dwellings - social
    order_o = np.lexsort((owner_key, owner_class, area))
    order_o = order_o[left[order_o] > 0]
    area_o = area[order_o]
    quota_o = quota_of["owner_occupied"].to_numpy()[area_o]
    cap = left[order_o]
    before = _cumsum_by_group(cap, area_o) - cap
    owned[order_o] = np.clip(quota_o - before, 0, cap)
    left = dwellings - social - owned
    # Private renters fill what is left, then the few who live rent free (same order).
    quota_p = quota_of["private_rented"].to_numpy()[area_o]
    cap = left[order_o]
    before = _cumsum_by_group(cap, area_o) - cap
    private[order_o] = np.clip(quota_p - before, 0, cap)
    other = dwellings - social - owned - private
    # Social quota larger than the dwellings' social capacity (rtb kept too many): recorded.
    unmet = int(quotas["social_rented"].sum() - social.sum())
    if log is not None:
        log.record("tenure", "occupant tenure", records=int(dwellings.sum()), imputed=int(dwellings.sum()),
                   note=f"census tenure per area allocated to dwellings by rule (social to blocks first, with "
                        f"{rtb:.0%} right-to-buy leaseholders in social blocks; owner-occupiers to houses first); "
                        f"{int(op_social.sum())} buildings named a social landlord as operator"
                        + (f"; {unmet:,} social-rented households had no room left and were counted as private"
                           if unmet > 0 else ""))
    return pd.DataFrame({"dw_owner_occupied": owned, "dw_social_rented": social, "dw_private_rented": private,
                         "dw_other": other, "social_block": chosen & (main >= 0),
                         "tenure_source": labels(np.where(dwellings > 0, P_IMPUTED, -1), PROVENANCE)},
                        index=buildings.index)


def _cumsum_by_group(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Running sum of ``values`` restarting at each change of ``groups`` (already sorted by group)."""
    total = np.cumsum(values)
    if len(values) == 0:
        return total
    starts = np.r_[True, groups[1:] != groups[:-1]]
    offset = np.maximum.accumulate(np.where(starts, total - values, 0))
    return total - offset


def roof_owners(buildings: gpd.GeoDataFrame, tenure: pd.DataFrame, log: QualityLog | None = None) -> pd.DataFrame:
    """Roof owner (freeholder) and consents needed for every building (see the module docstring).

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        ``use_class``, ``use_category``, ``dwelling_type``, ``dwellings``, optional ``operator``,
        geometry (for garages and sheds).
    tenure : pandas.DataFrame
        From :func:`allocate_tenure`.

    Returns
    -------
    pandas.DataFrame
        ``roof_owner`` (one of :data:`ROOF_OWNERS`), ``roof_owner_source`` and ``consents``
        (parties whose agreement the roof owner needs; at least 1).
    """
    n = len(buildings)
    use_class = buildings["use_class"].to_numpy(dtype=object)
    category = buildings["use_category"].fillna("").to_numpy(dtype=object)
    dtype = buildings["dwelling_type"].to_numpy(dtype=object)
    dwellings = buildings["dwellings"].fillna(0).to_numpy(dtype=np.int64)
    operator = _operator(buildings)
    op_public = _matches(PUBLIC_OPERATOR, operator)
    op_social = _matches(SOCIAL_OPERATOR, operator)
    oo, sr = tenure["dw_owner_occupied"].to_numpy(), tenure["dw_social_rented"].to_numpy()
    pr = tenure["dw_private_rented"].to_numpy() + tenure["dw_other"].to_numpy()
    social_block = tenure["social_block"].to_numpy(dtype=bool)
    homes = dwellings > 0

    # Owners and provenance as integer codes (into ROOF_OWNERS and PROVENANCE): no string per building.
    OO, PL, SL, PF, PB, CO, FC = (ROOF_OWNERS.index(name) for name in (
        "owner_occupier", "private_landlord", "social_landlord", "private_freeholder", "public_body", "commercial",
        "faith_community"))
    owner = np.full(n, CO, dtype=np.int8)
    source = np.full(n, P_IMPUTED, dtype=np.int8)
    consents = np.ones(n, dtype=np.int64)
    # Homes: the freeholder follows from the occupants' tenure (derived from the allocation).
    house = homes & (dtype == "house")
    owner[house] = np.select([sr[house] >= np.maximum(oo[house], pr[house]), oo[house] >= pr[house]], [SL, OO], PL)
    consents[house] = dwellings[house]  # a row of houses mapped as one outline: one owner per house
    conv = homes & (dtype == "converted_flat")
    owner[conv] = np.select([social_block[conv] | (sr[conv] == dwellings[conv]), pr[conv] == dwellings[conv]],
                            [SL, PL], PF)
    leasehold_house = conv & (owner == PF)
    consents[leasehold_house] = dwellings[leasehold_house]  # share of freehold: every leaseholder is a party
    block = homes & (dtype == "purpose_built_flat")
    owner[block] = np.where(social_block[block], SL, PF)
    owner[homes & (dtype == "commercial_flat")] = PF
    source[homes] = P_IMPUTED  # follows from the allocated tenure, which is itself imputed
    # Non-domestic roofs from their use.
    nd = ~homes
    owner[nd & np.isin(category, list(PUBLIC_CATEGORIES))] = PB
    owner[nd & (category == "worship")] = FC
    use_known = (buildings["use_source"].isin([OBSERVED, DERIVED]).to_numpy() if "use_source" in buildings
                 else np.zeros(n, dtype=bool))
    source[nd & (category != "") & use_known] = P_DERIVED
    # An operator tag naming a council or housing association (homes) or a public body is an observation.
    tagged_home = op_social & homes
    tagged_public = ~homes & op_public & (use_class != "ancillary")
    tagged_social = ~homes & op_social & ~op_public & (use_class != "ancillary")
    owner[tagged_home | tagged_social] = SL
    owner[tagged_public] = PB
    source[tagged_home | tagged_public | tagged_social] = P_OBSERVED
    # Garages and sheds: the owner of the nearest building with a known use within 30 m.
    anc = use_class == "ancillary"
    if anc.any() and (~anc).any():
        geoms = buildings.geometry
        near = gpd.sjoin_nearest(gpd.GeoDataFrame(geometry=geoms[anc].to_numpy(), crs=buildings.crs),
                                 gpd.GeoDataFrame({"_j": np.flatnonzero(~anc)}, geometry=geoms[~anc].to_numpy(),
                                                  crs=buildings.crs), max_distance=30.0, how="left")
        near = near[~near.index.duplicated()]
        j = near["_j"].to_numpy()
        found = np.isfinite(j.astype(float))
        idx = np.flatnonzero(anc)
        owner[idx[found]] = owner[j[found].astype(int)]
        source[idx[found]] = source[j[found].astype(int)]
        consents[idx] = 1
    if log is not None:
        log.record("ownership", "roof_owner", records=n, observed=int(np.sum(source == P_OBSERVED)),
                   parsed=int(np.sum(source == P_OBSERVED)), derived=int(np.sum(source == P_DERIVED)),
                   imputed=int(np.sum(source == P_IMPUTED)),
                   note="operator tags where mapped; non-domestic roofs derived from the building's use; roofs over "
                        "homes imputed from the allocated tenure")
    return pd.DataFrame({"roof_owner": labels(owner, ROOF_OWNERS), "roof_owner_source": labels(source, PROVENANCE),
                         "consents": consents}, index=buildings.index)


def roof_units(buildings: pd.DataFrame) -> pd.DataFrame:
    """One row per separately owned roof: a row of k houses mapped as one outline gives k units.

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``building_id``, ``roof_owner``, ``dwelling_type``, ``dwellings``, the ``dw_*`` tenure
        counts, ``consents`` and any per-building quantities to share out.

    Returns
    -------
    pandas.DataFrame
        ``unit_id``, ``building_id``, ``roof_share`` (fraction of the building's roof, summing to
        1 per building), ``roof_owner``, ``dwellings`` and tenure counts of the unit, ``consents``.
    """
    row = (buildings["dwelling_type"] == "house") & (buildings["dwellings"] > 1)
    single = buildings[~row].assign(unit_id=lambda d: d["building_id"], roof_share=1.0)
    rows = buildings[row]
    if rows.empty:
        return single.reset_index(drop=True)
    k = rows["dwellings"].to_numpy(dtype=np.int64)
    rep = rows.loc[rows.index.repeat(k)].copy()
    unit = np.concatenate([np.arange(m) for m in k])
    rep["unit_id"] = rep["building_id"].astype(str) + "#" + pd.Series(unit, index=rep.index).astype(str)
    rep["roof_share"] = 1.0 / np.repeat(k, k)
    # Each house takes one occupant tenure: owner-occupied first, then social, private, other.
    tenure = np.concatenate([np.repeat(np.arange(4), r) for r in rows[["dw_owner_occupied", "dw_social_rented",
                                                                        "dw_private_rented", "dw_other"]].to_numpy()])
    rep["roof_owner"] = np.array(["owner_occupier", "social_landlord", "private_landlord", "private_landlord"])[tenure]
    for j, col in enumerate(["dw_owner_occupied", "dw_social_rented", "dw_private_rented", "dw_other"]):
        rep[col] = (tenure == j).astype(np.int64)
    rep["dwellings"], rep["consents"] = 1, 1
    return pd.concat([single, rep], ignore_index=True)


def capacity_share_by_income_decile(capacity: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Who owns the roof capacity in each income tenth of neighbourhoods.

    Parameters
    ----------
    capacity : DataFrame
        ``area_id``, ``roof_owner``, ``kwp`` — capacity on each owner's roofs per area [kWp].
    areas : DataFrame
        ``area_id``, ``households`` [count] and ``income`` (mean household income [currency/yr];
        areas without one are left out).

    Returns
    -------
    DataFrame
        ``decile`` (1 = poorest tenth of neighbourhoods, household-weighted, see
        :func:`analysis.inequality.deciles`), ``roof_owner``, ``kwp`` [kWp] and ``share`` of the
        decile's capacity [0–1]; every owner of :data:`ROOF_OWNERS` appears in every decile (0 when
        it owns nothing there).
    """
    from analysis.inequality import deciles

    known = areas[areas["income"].notna() & (areas["households"] > 0)]
    decile = pd.Series(deciles(known["income"].to_numpy(float), known["households"].to_numpy(float)),
                       index=known["area_id"].to_numpy())
    by = capacity.assign(decile=capacity["area_id"].map(decile)).dropna(subset=["decile"])
    table = by.groupby(["decile", "roof_owner"])["kwp"].sum()
    owners = list(dict.fromkeys([*ROOF_OWNERS, *capacity["roof_owner"].dropna().unique()]))
    full = pd.MultiIndex.from_product([range(1, 11), owners], names=["decile", "roof_owner"])
    out = table.reindex(full, fill_value=0.0).reset_index()
    total = out.groupby("decile")["kwp"].transform("sum")
    out["share"] = np.divide(out["kwp"], total, out=np.zeros(len(out)), where=total > 0)
    return out
