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


def _buildings_for_counts(counts: dict, rng: np.random.Generator) -> pd.DataFrame:
    """Building rows (type, dwellings, levels, footprint) for one area's dwelling counts."""
    parts = []
    for btype, spec in BUILDING_TYPES.items():
        n_dw = int(round(counts.get(btype, 0) or 0))
        if n_dw <= 0:
            continue
        if btype == "flat_block":
            sizes, storeys, probs = map(np.array, zip(*FLAT_BLOCKS))
            draws = rng.choice(len(sizes), size=n_dw // int(sizes.min()) + 1, p=probs)
            cum = np.cumsum(sizes[draws])
            k = int(np.searchsorted(cum, n_dw)) + 1
            dw = sizes[draws[:k]].copy()
            dw[-1] -= cum[k - 1] - n_dw  # last block takes the remainder
            lv = np.minimum(storeys[draws[:k]], np.maximum(dw // 2, 1))
            fp = np.ceil(dw / lv) * spec["area"]
        else:
            n_b = max(1, int(round(n_dw / spec["dwellings"])))
            dw = np.full(n_b, n_dw // n_b)
            dw[: n_dw - dw.sum()] += 1
            lv = rng.choice(spec["levels"], size=n_b)
            fp = np.clip(rng.normal(spec["area"], spec["sd"], n_b), spec["area"] * 0.4, None)
        parts.append(pd.DataFrame({"building_type": btype, "dwellings": dw.astype(int), "levels": lv.astype(float),
                                   "footprint_m2": fp.astype(float)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["building_type", "dwellings", "levels", "footprint_m2"])


def _points_in_polygon(polygon, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform random points inside a polygon (vectorised rejection sampling)."""
    minx, miny, maxx, maxy = polygon.bounds
    shapely.prepare(polygon)
    out = np.empty((0, 2))
    fill = max(polygon.area / ((maxx - minx) * (maxy - miny)), 0.05)
    while len(out) < n:
        k = int((n - len(out)) / fill * 1.2) + 16
        pts = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        out = np.vstack([out, pts[shapely.contains_xy(polygon, pts[:, 0], pts[:, 1])]])
    return out[:n]


def rectangles(cx, cy, width, length, bearing_deg) -> np.ndarray:
    """Rectangular footprints from centres, sizes [m] and long-axis bearing [° from north].

    Returns
    -------
    numpy.ndarray of shapely.Polygon
    """
    theta = np.radians(bearing_deg)
    ux, uy = np.sin(theta), np.cos(theta)  # long axis
    vx, vy = uy, -ux  # short axis
    hl, hw = length / 2, width / 2
    corners = np.stack([
        np.column_stack([cx + s1 * hl * ux + s2 * hw * vx, cy + s1 * hl * uy + s2 * hw * vy])
        for s1, s2 in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1))
    ], axis=1)
    return shapely.polygons(corners)


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
    missing = [c for c in COUNT_COLUMNS.values() if c not in areas.columns]
    if missing:
        from analysis.errors import InputError
        raise InputError(f"areas lack dwelling-type counts {missing} needed to generate buildings",
                         fix="map KS401EW (or similar) columns in the place config, or give a buildings file")
    frames = []
    geoms = []
    counts_table = np.array(areas[list(COUNT_COLUMNS.values())].fillna(0), dtype=float)  # a writable copy
    if "dwellings_caravan" in areas:  # caravans and mobile homes: single dwellings, generated as small detached houses
        counts_table[:, list(COUNT_COLUMNS).index("house_detached")] += areas["dwellings_caravan"].fillna(0).to_numpy()
    # One loop iteration per AREA (hundreds to thousands), each vectorised over its buildings.
    for k, (area_id, polygon, row) in enumerate(zip(areas["area_id"], areas.geometry, counts_table)):
        if on_progress:
            on_progress(k + 1, len(areas))
        rng = np.random.default_rng(area_seed(seed, area_id))
        counts = {btype: value for btype, value in zip(COUNT_COLUMNS, row)}
        table = _buildings_for_counts(counts, rng)
        if table.empty:
            continue
        n = len(table)
        grid = rng.uniform(0, 90)  # the area's street grid; buildings align to it or across it
        bearing = (grid + 90 * rng.integers(0, 2, n) + rng.normal(0, 6, n)) % 180
        aspect = table["building_type"].map({k: v["aspect"] for k, v in BUILDING_TYPES.items()}).to_numpy()
        width = np.sqrt(table["footprint_m2"].to_numpy() / aspect)
        pts = _points_in_polygon(polygon, n, rng)
        geoms.append(rectangles(pts[:, 0], pts[:, 1], width, width * aspect, bearing))
        kind = np.where(table["building_type"].str.startswith("house"), "house", table["building_type"])
        age_idx = np.empty(n, dtype=int)
        for k in np.unique(kind):
            sel = kind == k
            age_idx[sel] = rng.choice(len(AGE_BANDS), size=int(sel.sum()), p=AGE_SHARES[k])
        table["age_band"] = [AGE_BANDS[i][0] for i in age_idx]
        table["year_built"] = np.array([AGE_BANDS[i][1] for i in age_idx], dtype=float)
        table.insert(0, "area_id", area_id)
        table.insert(0, "building_id", [f"{area_id}-{i:05d}" for i in range(n)])
        frames.append(table)
    table = pd.concat(frames, ignore_index=True)
    table["use"] = table["building_type"].map({k: v["use"] for k, v in BUILDING_TYPES.items()})
    table["height_m"] = table["levels"] * STOREY_HEIGHT_M
    table["roof_shape"] = None
    table["synthetic"] = True
    table["age_assumed"] = True
    geometry = np.concatenate(geoms)
    table["footprint_m2"] = shapely.area(geometry)
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
    ``synthetic`` is True; dwellings are the census counts the generator placed.
    """
    from analysis.homes import DWELLING_TYPES

    out = buildings.copy()
    stock = out["building_type"].map(STOCK_OF_TYPE)
    out["use_class"] = stock.str[0]
    out["use_group"] = stock.str[1]
    out["dwelling_type"] = stock.str[2]
    out["use_category"] = np.where(out["use_class"] == "mixed", "retail", "")
    levels = out["levels"].to_numpy(dtype=float)
    floor = out["footprint_m2"].to_numpy(dtype=float) * levels
    out["residential_floor_m2"] = np.where(out["use_class"] == "mixed", floor * (levels - 1) / levels, floor)
    out["nondomestic_floor_m2"] = floor - out["residential_floor_m2"]
    for dtype in DWELLING_TYPES:
        out[f"dw_{dtype}"] = np.where(out["dwelling_type"] == dtype, out["dwellings"], 0).astype(np.int64)
    out["levels_low"], out["levels_high"] = levels, levels
    for field in ("use", "levels", "height", "age", "dwellings", "roof_shape"):
        out[f"{field}_source"] = "imputed"
    out["age_source"] = "imputed"
    out["flats"] = np.nan
    return out
