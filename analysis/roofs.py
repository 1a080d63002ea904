"""Roof planes from building footprints (LOD1): flat or gable, tilt, azimuth, usable area.

Rules (DESIGN §4; every number is an assumption in ``analysis/data/assumptions.yml`` with a
low/central/high range and a source):

* **Flat or pitched.** An observed ``roof_shape`` tag wins. Otherwise (flagged *assumed*):
  flat when the building has ``flat_min_levels`` storeys or more, or is non-residential with a
  footprint of at least ``flat_min_footprint_nonres_m2``; pitched otherwise.
* **Pitched → gable.** The ridge runs along the long side of the footprint's minimum rotated
  rectangle; two planes face either side of it (azimuths normal to the ridge), each covering
  half the footprint, tilted ``pitched_tilt_deg``; sloped area = horizontal area / cos(tilt).
  Hipped roofs are treated as gables (their end planes are small and often unsuitable).
* **Flat → racked modules** tilted ``flat_rack_tilt_deg`` facing the equator, module area =
  usable roof area × ground-coverage ratio.
* **Usable share** of each plane, **module density** [kWp/m²] and the **suitability** rule
  (usable module area ≥ ``min_plane_usable_m2`` and specific yield ≥ ``min_relative_yield`` of
  the best orientation at the place, NREL Gagnon et al. 2016 style).

All functions are vectorised over buildings (shapely 2 / numpy); no per-building Python loop.

References
----------
.. [1] Gagnon, P., Margolis, R., Melius, J., Phillips, C., Elmore, R. (2016). Rooftop Solar
   Photovoltaic Technical Potential in the United States. NREL/TP-6A20-65298.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

FLAT_TAGS = {"flat"}
PITCHED_TAGS = {"gabled", "hipped", "pitched", "half-hipped", "mansard", "gambrel", "saltbox", "skillion",
                "side_hipped", "round", "pyramidal", "dome", "onion", "gable"}
RESIDENTIAL_USES = {"residential", "house", "detached", "semidetached_house", "terrace", "apartments",
                    "flats", "bungalow", "mixed", "yes", ""}


def ridge_bearing(footprints) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bearing of each footprint's long axis, from its minimum rotated rectangle.

    Parameters
    ----------
    footprints : array of shapely.Polygon
        Footprints in a projected CRS [m].

    Returns
    -------
    bearing_deg : numpy.ndarray
        Bearing of the long side, clockwise from grid north, in [0, 180) [°].
    long_m, short_m : numpy.ndarray
        Side lengths of the rectangle [m].
    """
    rect = shapely.minimum_rotated_rectangle(np.asarray(footprints))
    coords = shapely.get_coordinates(rect)
    counts = shapely.get_num_coordinates(rect)
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # Degenerate rectangles (lines, points) have < 4 coordinates: treat as zero-size.
    ok = counts >= 4
    s = np.where(ok, start, 0)
    p0, p1, p2 = coords[s], coords[np.minimum(s + 1, len(coords) - 1)], coords[np.minimum(s + 2, len(coords) - 1)]
    e1, e2 = p1 - p0, p2 - p1
    l1, l2 = np.hypot(*e1.T), np.hypot(*e2.T)
    long_vec = np.where((l1 >= l2)[:, None], e1, e2)
    bearing = np.degrees(np.arctan2(long_vec[:, 0], long_vec[:, 1])) % 180.0
    long_m = np.where(ok, np.maximum(l1, l2), 0.0)
    short_m = np.where(ok, np.minimum(l1, l2), 0.0)
    return bearing, long_m, short_m


def classify_roofs(roof_shape, levels, use, footprint_m2, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Flat or pitched per building, and whether that was assumed.

    Parameters
    ----------
    roof_shape : array of str or None
        OSM-style ``roof:shape`` tag (observed) or missing.
    levels : array of float
        Storeys above ground [-].
    use : array of str
        Building use (``residential``, ``commercial``, ``school`` …).
    footprint_m2 : array of float
        Footprint area [m²].
    params : dict
        Roof assumptions at one level (``flat_min_levels``, ``flat_min_footprint_nonres_m2``).

    Returns
    -------
    is_flat : numpy.ndarray of bool
    assumed : numpy.ndarray of bool
        True where no usable ``roof_shape`` tag was observed.
    """
    shape = pd.Series(roof_shape, dtype="object").fillna("").astype(str).str.lower().str.strip().to_numpy()
    tagged_flat = np.isin(shape, list(FLAT_TAGS))
    tagged_pitched = np.isin(shape, list(PITCHED_TAGS))
    assumed = ~(tagged_flat | tagged_pitched)
    levels = np.nan_to_num(np.asarray(levels, dtype=float), nan=2.0)
    use = pd.Series(use, dtype="object").fillna("").astype(str).str.lower().to_numpy()
    nonres = ~np.isin(use, list(RESIDENTIAL_USES))
    rule_flat = (levels >= params["flat_min_levels"]) | (nonres & (np.asarray(footprint_m2) >= params["flat_min_footprint_nonres_m2"]))
    return np.where(assumed, rule_flat, tagged_flat), assumed


def roof_planes(buildings: pd.DataFrame, footprints, params: dict, latitude: float) -> pd.DataFrame:
    """Roof planes for every building (two per gable, one per flat roof).

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``building_id``, ``footprint_m2`` [m²], ``levels``, ``use``, ``roof_shape``.
    footprints : array of shapely.Polygon
        Footprints in a projected CRS [m], aligned with ``buildings``.
    params : dict
        Roof assumptions at one level (see module docstring).
    latitude : float
        Place latitude [°]; flat-roof racks face south north of the equator.

    Returns
    -------
    pandas.DataFrame
        ``building_id``, ``plane`` (0/1), ``tilt_deg``, ``azimuth_deg``, ``area_m2`` (sloped
        plane area) [m²], ``usable_m2`` [m²], ``module_m2`` [m²], ``mount`` (``roof``/``rack``),
        ``is_flat``, ``roof_shape_assumed``.
    """
    footprint = buildings["footprint_m2"].to_numpy(dtype=float)
    is_flat, assumed = classify_roofs(buildings["roof_shape"], buildings["levels"], buildings["use"], footprint, params)
    bearing, _, _ = ridge_bearing(footprints)
    ids = buildings["building_id"].to_numpy()

    pitched = ~is_flat
    tilt = params["pitched_tilt_deg"]
    half_sloped = footprint[pitched] / 2 / np.cos(np.radians(tilt))
    az_a = (bearing[pitched] + 90.0) % 360.0
    az_b = (bearing[pitched] + 270.0) % 360.0
    usable_p = half_sloped * params["usable_share_pitched"]
    n_p = int(pitched.sum())
    gable = pd.DataFrame({
        "building_id": np.concatenate([ids[pitched], ids[pitched]]),
        "plane": np.repeat(np.array([0, 1], dtype=np.int8), n_p),
        "tilt_deg": np.full(2 * n_p, float(tilt)),
        "azimuth_deg": np.concatenate([az_a, az_b]),
        "area_m2": np.concatenate([half_sloped, half_sloped]),
        "usable_m2": np.concatenate([usable_p, usable_p]),
        "module_m2": np.concatenate([usable_p, usable_p]),
        "mount": "roof",
        "is_flat": False,
        "roof_shape_assumed": np.concatenate([assumed[pitched], assumed[pitched]]),
    })
    usable_f = footprint[is_flat] * params["usable_share_flat"]
    flat = pd.DataFrame({
        "building_id": ids[is_flat],
        "plane": np.zeros(int(is_flat.sum()), dtype=np.int8),
        "tilt_deg": float(params["flat_rack_tilt_deg"]),
        "azimuth_deg": 180.0 if latitude >= 0 else 0.0,
        "area_m2": footprint[is_flat],
        "usable_m2": usable_f,
        "module_m2": usable_f * params["ground_coverage_ratio"],
        "mount": "rack",
        "is_flat": True,
        "roof_shape_assumed": assumed[is_flat],
    })
    return pd.concat([gable, flat], ignore_index=True)


def plane_capacity(planes: pd.DataFrame, specific_yield_kwh_per_kwp: np.ndarray, best_yield_kwh_per_kwp: float,
                   params_by_level: dict) -> pd.DataFrame:
    """Suitability, capacity [kWp] and yield [kWh/yr] per plane at low/central/high.

    Parameters
    ----------
    planes : pandas.DataFrame
        From :func:`roof_planes` at the central level (geometry of planes is fixed; the ranges
        move usable share, ground-coverage ratio and module density).
    specific_yield_kwh_per_kwp : numpy.ndarray
        Annual AC yield of 1 kWp on each plane [kWh/kWp/yr].
    best_yield_kwh_per_kwp : float
        Best specific yield of any orientation at the place [kWh/kWp/yr].
    params_by_level : dict
        ``{"low": {...}, "central": {...}, "high": {...}}`` roof assumptions.

    Returns
    -------
    pandas.DataFrame
        ``planes`` plus ``pv_kwh_per_kwp``, ``relative_yield``, ``suitable`` and for each level
        ``kwp_<level>`` [kWp] and ``kwh_<level>`` [kWh/yr] (zero where unsuitable).
    """
    out = planes.copy()
    out["pv_kwh_per_kwp"] = specific_yield_kwh_per_kwp
    out["relative_yield"] = specific_yield_kwh_per_kwp / best_yield_kwh_per_kwp
    central = params_by_level["central"]
    out["suitable"] = (out["module_m2"].to_numpy() >= central["min_plane_usable_m2"]) & (
        out["relative_yield"].to_numpy() >= central["min_relative_yield"])
    base_share = np.where(out["is_flat"], central["usable_share_flat"] * central["ground_coverage_ratio"],
                          central["usable_share_pitched"])
    gross = out["module_m2"].to_numpy() / base_share  # back to plane area the shares apply to
    suitable = out["suitable"].to_numpy()
    for level, p in params_by_level.items():
        share = np.where(out["is_flat"], p["usable_share_flat"] * p["ground_coverage_ratio"], p["usable_share_pitched"])
        kwp = np.where(suitable, gross * share * p["module_density_kwp_per_m2"], 0.0)
        out[f"kwp_{level}"] = kwp
        out[f"kwh_{level}"] = kwp * specific_yield_kwh_per_kwp
    return out
