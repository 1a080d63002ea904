"""Synthetic buildings per area from observed dwelling counts — clearly flagged ``synthetic``.

Where real footprints are not loaded, each area gets buildings generated from its **observed**
2011 Census dwelling types (KS401EW: detached, semi-detached, terraced houses; purpose-built
flats; converted flats; flats in commercial buildings). Counts of dwellings are real; the
footprints, positions, storeys and ages of the buildings are **assumed** by the rules in
:data:`BUILDING_TYPES` and :data:`AGE_BANDS` below, seeded per area so results are
reproducible bit for bit. Non-domestic buildings (offices, schools, hospitals) are not in the
census tables and are therefore **absent**: roof potential of a real place is larger.

Rules (typical London values; sources: English Housing Survey 2019 floor-area tables for
dwelling sizes, London Plan 2021 density guidance for storeys of flat blocks):

=================  =========  ============  ===========  ======  =============================
type               dwellings  footprint m²  aspect l/w   levels  use
=================  =========  ============  ===========  ======  =============================
house_detached     1          110 ± 25      1.2          2–3     residential
house_semi         1          75 ± 15       1.3          2–3     residential
house_terraced     1          58 ± 12       1.8          2–4     residential
converted_house    3          85 ± 15       1.8          3–4     residential (flats)
flat_block         12–90      70 per flat   2.5          4–12    residential (flats)
                              per floor
mixed_use          2          150 ± 40      1.6          3–5     mixed (shop + flats)
=================  =========  ============  ===========  ======  =============================
"""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.quality import P_IMPUTED, PROVENANCE, codes_of, labels, text_column

#: Per type: dwellings per building, footprint mean/sd [m²], aspect, storeys choices, use.
BUILDING_TYPES = {
    "house_detached": dict(dwellings=1, area=110, sd=25, aspect=1.2, levels=(2, 3), use="residential"),
    "house_semi": dict(dwellings=1, area=75, sd=15, aspect=1.3, levels=(2, 3), use="residential"),
    "house_terraced": dict(dwellings=1, area=58, sd=12, aspect=1.8, levels=(2, 3, 4), use="residential"),
    "converted_house": dict(dwellings=3, area=85, sd=15, aspect=1.8, levels=(3, 4), use="residential"),
    "flat_block": dict(dwellings=None, area=70, sd=0, aspect=2.5, levels=None, use="residential"),
    "mixed_use": dict(dwellings=2, area=150, sd=40, aspect=1.6, levels=(3, 4, 5), use="mixed"),
}
#: Purpose-built blocks: (flats, storeys, probability) — mansion blocks to council towers.
FLAT_BLOCKS = [(12, 4, 0.35), (24, 5, 0.30), (48, 8, 0.25), (90, 12, 0.10)]
#: Census count column feeding each type.
COUNT_COLUMNS = {
    "house_detached": "dwellings_detached",
    "house_semi": "dwellings_semi",
    "house_terraced": "dwellings_terraced",
    "converted_house": "dwellings_converted_flat",
    "flat_block": "dwellings_purpose_built_flat",
    "mixed_use": "dwellings_commercial_flat",
}
#: Age bands (label, representative year) and assumed shares by type (inner-London stock).
AGE_BANDS = [("pre-1919", 1900), ("1919-1944", 1930), ("1945-1964", 1955), ("1965-1980", 1972),
             ("1981-2002", 1990), ("2003+", 2008)]
AGE_SHARES = {
    "house": [0.70, 0.12, 0.06, 0.05, 0.04, 0.03],
    "converted_house": [0.85, 0.10, 0.03, 0.02, 0.0, 0.0],
    "flat_block": [0.12, 0.10, 0.22, 0.30, 0.12, 0.14],
    "mixed_use": [0.60, 0.15, 0.08, 0.07, 0.05, 0.05],
}
STOREY_HEIGHT_M = 3.0
#: Integer codes of the building types (position in :data:`BUILDING_TYPES`) and per-code lookups.
TYPE_NAMES = np.array(list(BUILDING_TYPES), dtype=object)
_ASPECT = np.array([spec["aspect"] for spec in BUILDING_TYPES.values()])
_USE = np.array([spec["use"] for spec in BUILDING_TYPES.values()], dtype=object)
_BLOCK_SIZES, _BLOCK_STOREYS, _BLOCK_PROBS = map(np.array, zip(*FLAT_BLOCKS))
#: Age-share kind of each type code, numbered in the order of the kinds' names.
_AGE_KIND_NAMES = sorted(AGE_SHARES)
_AGE_KIND = np.array([_AGE_KIND_NAMES.index("house" if t.startswith("house") else t) for t in BUILDING_TYPES])
_AGE_LABELS = np.array([label for label, _ in AGE_BANDS], dtype=object)
_AGE_YEARS = np.array([year for _, year in AGE_BANDS], dtype=float)


#: Flat share of dwellings from gross dwelling density d [dwellings/ha]:
#: share = 1 / (1 + exp(-(B0 + B1·ln d))). ASSUMED: chosen to pass ~25 % flats at 15 dwellings/ha
#: (outer-London suburbs of semis and terraces) and ~85 % at 70 dwellings/ha (Camden's median
#: neighbourhood: 87 % flats observed in 2011). On Camden's 133 LSOAs it gives an RMSE of about
#: 0.12 in flat share against the census (tests/test_synthetic.py). Used only where a place has no
#: dwelling-type counts (e.g. the London-wide scale test), and flagged ``types_estimated``.
FLAT_SHARE_B0, FLAT_SHARE_B1 = -6.080, 1.840
#: Split of flats (Camden 2011: purpose-built 61 %, converted 35 %, in commercial buildings 4 %).
FLAT_SPLIT = {"dwellings_purpose_built_flat": 0.61, "dwellings_converted_flat": 0.35, "dwellings_commercial_flat": 0.04}
#: Split of houses by density band [dwellings/ha] → (detached, semi, terraced). ASSUMED from the
#: English Housing Survey pattern: suburbs are mostly semis, inner areas mostly terraces.
HOUSE_SPLIT_BY_DENSITY = [(30.0, (0.25, 0.45, 0.30)), (60.0, (0.05, 0.35, 0.60)), (np.inf, (0.02, 0.13, 0.85))]


def estimate_dwelling_types(areas: pd.DataFrame, dwellings_column: str = "dwellings") -> pd.DataFrame:
    """Dwelling-type counts from total dwellings and density, where the census types are missing.

    Parameters
    ----------
    areas : pandas.DataFrame
        ``area_ha`` [ha] and a dwellings count (``dwellings``, else ``elec_meters`` — one
        domestic electricity meter ≈ one dwelling).

    Returns
    -------
    pandas.DataFrame
        ``areas`` plus the :data:`COUNT_COLUMNS` counts and ``types_estimated`` = True.
    """
    out = areas.copy()
    total = out[dwellings_column] if dwellings_column in out and out[dwellings_column].notna().any() else out["elec_meters"]
    total = pd.to_numeric(total, errors="coerce").fillna(0).clip(lower=0).to_numpy()
    density = total / np.maximum(out["area_ha"].to_numpy(dtype=float), 1e-6)
    flat_share = 1 / (1 + np.exp(-(FLAT_SHARE_B0 + FLAT_SHARE_B1 * np.log(np.maximum(density, 0.1)))))
    flats = total * flat_share
    houses = total - flats
    for col, share in FLAT_SPLIT.items():
        out[col] = np.round(flats * share)
    split = np.empty((len(out), 3))
    for upper, shares in reversed(HOUSE_SPLIT_BY_DENSITY):
        split[density < upper] = shares
    for k, col in enumerate(("dwellings_detached", "dwellings_semi", "dwellings_terraced")):
        out[col] = np.round(houses * split[:, k])
    out["types_estimated"] = True
    return out


def area_seed(seed: int, area_id: str) -> int:
    """Seed for one area, stable across runs and independent of area order."""
    digest = hashlib.sha256(f"{seed}:{area_id}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _buildings_for_counts(counts: dict, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Buildings (type code, dwellings, levels, footprint [m²]) for one area's dwelling counts.

    Type codes index :data:`TYPE_NAMES`. The random draws are made in a fixed order (types in
    :data:`BUILDING_TYPES` order), so an area's buildings depend only on its seed and counts.
    """
    codes, dws, lvs, fps = [], [], [], []
    for code, (btype, spec) in enumerate(BUILDING_TYPES.items()):
        n_dw = int(round(counts.get(btype, 0) or 0))
        if n_dw <= 0:
            continue
        if btype == "flat_block":
            draws = rng.choice(len(_BLOCK_SIZES), size=n_dw // int(_BLOCK_SIZES.min()) + 1, p=_BLOCK_PROBS)
            cum = np.cumsum(_BLOCK_SIZES[draws])
            k = int(np.searchsorted(cum, n_dw)) + 1
            dw = _BLOCK_SIZES[draws[:k]].copy()
            dw[-1] -= cum[k - 1] - n_dw  # last block takes the remainder
            lv = np.minimum(_BLOCK_STOREYS[draws[:k]], np.maximum(dw // 2, 1))
            fp = np.ceil(dw / lv) * spec["area"]
        else:
            n_b = max(1, int(round(n_dw / spec["dwellings"])))
            dw = np.full(n_b, n_dw // n_b)
            dw[: n_dw - dw.sum()] += 1
            lv = rng.choice(spec["levels"], size=n_b)
            fp = np.clip(rng.normal(spec["area"], spec["sd"], n_b), spec["area"] * 0.4, None)
        codes.append(np.full(len(dw), code, dtype=np.int8))
        dws.append(dw)
        lvs.append(lv)
        fps.append(fp)
    if not codes:
        return np.zeros(0, np.int8), np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
    return (np.concatenate(codes), np.concatenate(dws).astype(np.int64), np.concatenate(lvs).astype(float),
            np.concatenate(fps).astype(float))


def _points_in_polygon(polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform random points inside a polygon (vectorised rejection sampling)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    parts = []
    found = 0
    fill = max(polygon.area / ((maxx - minx) * (maxy - miny)), 0.05)
    while found < n:
        k = int((n - found) / fill * 1.2) + 16
        pts = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        inside = pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]
        parts.append(inside)
        found += len(inside)
    return np.concatenate(parts)[:n]


def rectangles(cx, cy, width, length, bearing_deg) -> np.ndarray:
    """Rectangular footprints from centres, sizes [m] and long-axis bearing [° from north].

    Built in one call from a flat coordinate array (``shapely.from_ragged_array``), about
    three times faster than ``shapely.polygons`` on an (n, 5, 2) array; same polygons.

    Returns
    -------
    numpy.ndarray of shapely.Polygon
    """
    theta = np.radians(bearing_deg)
    ux, uy = np.sin(theta), np.cos(theta)  # long axis
    vx, vy = uy, -ux  # short axis
    hl, hw = np.asarray(length, dtype=float) / 2, np.asarray(width, dtype=float) / 2
    corners = np.stack([
        np.column_stack([cx + s1 * hl * ux + s2 * hw * vx, cy + s1 * hl * uy + s2 * hw * vy])
        for s1, s2 in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1))
    ], axis=1)
    n = len(corners)
    if n == 0:
        return np.empty(0, dtype=object)
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, corners.reshape(-1, 2),
                                     (np.arange(0, 5 * n + 1, 5), np.arange(n + 1)))


def expected_buildings(areas: pd.DataFrame) -> np.ndarray | None:
    """About how many buildings :func:`generate_buildings` makes in each area, before it runs.

    Dwellings of each type divided by the dwellings per building of that type (flats: the
    mean block of :data:`FLAT_BLOCKS`); None when the areas lack the dwelling-type counts. Used
    to cut a place into partitions of even size and to size the benchmark's place.
    """
    if any(c not in areas for c in COUNT_COLUMNS.values()):
        return None
    sizes, probs = _BLOCK_SIZES.astype(float), _BLOCK_PROBS / _BLOCK_PROBS.sum()
    total = np.zeros(len(areas))
    for btype, column in COUNT_COLUMNS.items():
        per_building = float(sizes @ probs) if btype == "flat_block" else float(BUILDING_TYPES[btype]["dwellings"])
        total += pd.to_numeric(areas[column], errors="coerce").fillna(0).clip(lower=0).to_numpy() / per_building
    if "dwellings_caravan" in areas:
        total += pd.to_numeric(areas["dwellings_caravan"], errors="coerce").fillna(0).clip(lower=0).to_numpy()
    return total


def generate_buildings(areas: gpd.GeoDataFrame, seed: int = 20110327, on_progress=None) -> gpd.GeoDataFrame:
    """Generate buildings for every area from its dwelling-type counts.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        ``area_id``, geometry (projected CRS, metres) and the count columns in
        :data:`COUNT_COLUMNS` [dwellings].
    seed : int
        Base seed; each area's stream is derived from it and the area id.
    on_progress : callable, optional
        ``on_progress(areas_done, areas_total)`` after each area.

    Returns
    -------
    geopandas.GeoDataFrame
        ``building_id``, ``area_id``, ``building_type``, ``dwellings``, ``levels``,
        ``height_m`` [m], ``footprint_m2`` [m²], ``use``, ``roof_shape`` (None: not observed),
        ``age_band``, ``year_built``, ``synthetic`` (True), ``age_assumed`` (True).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    missing = [c for c in COUNT_COLUMNS.values() if c not in areas.columns]
    if missing:
        from analysis.errors import InputError
        raise InputError(f"areas lack dwelling-type counts {missing} needed to generate buildings",
                         fix="map KS401EW (or similar) columns in the place config, or give a buildings file")
    counts_table = np.array(areas[list(COUNT_COLUMNS.values())].fillna(0), dtype=float)  # a writable copy
    if "dwellings_caravan" in areas:  # caravans and mobile homes: single dwellings, generated as small detached houses
        counts_table[:, list(COUNT_COLUMNS).index("house_detached")] += areas["dwellings_caravan"].fillna(0).to_numpy()
    area_ids = areas["area_id"].astype(str).to_numpy(dtype=object)
    per_area = np.zeros(len(areas), dtype=np.int64)
    parts: dict[str, list] = {k: [] for k in ("code", "dw", "lv", "fp", "age", "bearing", "x", "y")}
    # One loop iteration per AREA (thousands), numpy only inside: the area's own random stream
    # draws its buildings, street grid, positions and ages; everything else is done once below.
    for a, (area_id, polygon, row) in enumerate(zip(area_ids, areas.geometry, counts_table)):
        if on_progress:
            on_progress(a + 1, len(areas))
        rng = np.random.default_rng(area_seed(seed, area_id))
        code, dw, lv, fp = _buildings_for_counts(dict(zip(COUNT_COLUMNS, row)), rng)
        n = len(code)
        if n == 0:
            continue
        grid = rng.uniform(0, 90)  # the area's street grid; buildings align to it or across it
        bearing = (grid + 90 * rng.integers(0, 2, n) + rng.normal(0, 6, n)) % 180
        pts = _points_in_polygon(polygon, n, rng)
        kind = _AGE_KIND[code]
        age_idx = np.empty(n, dtype=np.int8)
        for k in np.unique(kind):  # kinds in the order of their names, as the streams were drawn
            sel = kind == k
            age_idx[sel] = rng.choice(len(AGE_BANDS), size=int(sel.sum()), p=AGE_SHARES[_AGE_KIND_NAMES[k]])
        per_area[a] = n
        for key, value in zip(parts, (code, dw, lv, fp, age_idx, bearing, pts[:, 0], pts[:, 1])):
            parts[key].append(value)
    if not per_area.sum():
        from analysis.errors import InputError
        raise InputError("the areas' dwelling-type counts are all zero: no buildings to generate",
                         fix="check the dwelling-type columns of the place's statistics")
    cols = {k: np.concatenate(v) for k, v in parts.items()}
    code = cols["code"]
    aspect = _ASPECT[code]
    width = np.sqrt(cols["fp"] / aspect)
    geometry = rectangles(cols["x"], cols["y"], width, width * aspect, cols["bearing"])
    area_of = np.repeat(area_ids, per_area)
    local = np.arange(len(code)) - np.repeat(np.cumsum(per_area) - per_area, per_area)
    building_id = pc.binary_join_element_wise(pa.array(area_of, pa.string()),
                                              pc.utf8_lpad(pc.cast(pa.array(local), pa.string()), 5, "0"), "-")
    levels = cols["lv"]
    # Labels from a fixed set as Categoricals built from codes (no string per building).
    table = pd.DataFrame({
        "building_id": pd.array(building_id, dtype="str"),
        "area_id": pd.array(area_of, dtype="str"),
        "building_type": labels(code, TYPE_NAMES),
        "dwellings": cols["dw"],
        "levels": levels,
        "footprint_m2": shapely.area(geometry),
        "age_band": labels(cols["age"], _AGE_LABELS),
        "year_built": _AGE_YEARS[cols["age"]],
        "use": text_column(_USE[code]),
        "height_m": levels * STOREY_HEIGHT_M,
        "roof_shape": text_column(np.full(len(code), None, dtype=object)),
        "synthetic": True,
        "age_assumed": True,
    })
    return gpd.GeoDataFrame(table, geometry=geometry, crs=areas.crs)


#: Synthetic building type → (use class, use group, dwelling type).
STOCK_OF_TYPE = {
    "house_detached": ("domestic", "house_form", "house"),
    "house_semi": ("domestic", "house_form", "house"),
    "house_terraced": ("domestic", "house_form", "house"),
    "converted_house": ("domestic", "house_form", "converted_flat"),
    "flat_block": ("domestic", "block", "purpose_built_flat"),
    "mixed_use": ("mixed", "mixed", "commercial_flat"),
}


def as_stock(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give generated buildings the same columns as real ones (use, homes by type, provenance).

    Everything about a synthetic building is assumed, so every ``*_source`` is ``imputed`` and
    ``synthetic`` is True; dwellings are the census counts the generator placed. Vectorised
    over the handful of building types (integer codes), not over buildings.
    """
    from analysis.attributes import USE_CLASSES, USE_GROUPS
    from analysis.homes import DWELLING_TYPES

    out = buildings.copy(deep=False)
    n = len(out)
    code = codes_of(out["building_type"], TYPE_NAMES, "building_type").astype(np.intp)
    # Per type (a handful): the codes of its use class, use group and dwelling type.
    of_type = np.array([[list(vocab).index(value) for vocab, value in zip((USE_CLASSES, USE_GROUPS, DWELLING_TYPES),
                                                                          STOCK_OF_TYPE[name])]
                        for name in TYPE_NAMES] + [[-1, -1, -1]], dtype=np.int8)  # last row: no type (code -1)
    use_code, group_code, dwelling_code = (of_type[code, k] for k in range(3))
    mixed = use_code == USE_CLASSES.index("mixed")
    out["use_class"] = labels(use_code, USE_CLASSES)
    out["use_group"] = labels(group_code, USE_GROUPS)
    out["dwelling_type"] = labels(dwelling_code, DWELLING_TYPES)
    out["use_category"] = text_column(np.where(mixed, "retail", ""), out.index)
    levels = out["levels"].to_numpy(dtype=float)
    floor = out["footprint_m2"].to_numpy(dtype=float) * levels
    residential = np.where(mixed, floor * (levels - 1) / levels, floor)
    out["residential_floor_m2"] = residential
    out["nondomestic_floor_m2"] = floor - residential
    dwellings = out["dwellings"].to_numpy()
    for k, dtype in enumerate(DWELLING_TYPES):
        out[f"dw_{dtype}"] = np.where(dwelling_code == k, dwellings, 0).astype(np.int64)
    out["levels_low"], out["levels_high"] = levels, levels
    for field in ("use", "levels", "height", "age", "dwellings", "roof_shape"):
        out[f"{field}_source"] = labels(np.full(n, P_IMPUTED, np.int8), PROVENANCE)
    out["flats"] = np.nan
    return out
