"""Roof planes from building footprints (LOD2-like from roof shapes), usable area and potential.

Rules (DESIGN §4; every number is an assumption in ``analysis/data/assumptions.yml``, groups
``roofs``, ``pv`` and ``shading``, with a low/central/high range and a source):

* **Roof shape.** An OSM ``roof:shape`` value (observed, or derived/imputed by the reader) maps
  to a family (:data:`SHAPE_FAMILY`). Where it is missing or unknown the rule is (flagged
  *assumed*): **flat** for ``flat_min_levels`` storeys or more, for non-domestic or mixed
  buildings with a footprint of at least ``flat_min_footprint_nonres_m2``, and for ancillary
  buildings (garages, sheds: mostly felt flat roofs in London); **gabled** otherwise.
* **Geometry** from the footprint's minimum rotated rectangle (long side L, short side W, long
  axis bearing θ); horizontal plane areas are scaled so they add up to the real footprint.

  ============  ==========================================================================
  family        planes
  ============  ==========================================================================
  gabled        two planes facing θ ± 90°, ridge on the long axis, tilt ``pitched_tilt_deg``
  hipped        (also pyramidal, half-hipped) two trapezoids facing θ ± 90° and two
                triangular ends facing θ and θ + 180°, all at ``pitched_tilt_deg`` (equal
                pitch: the ridge is L − W long)
  mansard       four steep lower slopes (``mansard_lower_tilt_deg``, ``mansard_lower_depth_m``
                deep in plan) around a flat top that gets racked modules — the London mansard
                storey; the steep slopes are kept but rarely pass suitability
  gambrel       four planes: steep lower (``gambrel_lower_tilt_deg``) and shallow upper
                (``gambrel_upper_tilt_deg``) on each long side, each a quarter of the plan
  skillion      one plane at ``skillion_tilt_deg`` facing the equator-side normal of the long
                axis (OSM rarely tags ``roof:direction``; optimistic, and small in effect)
  flat          one plane; PV on racks tilted ``flat_rack_tilt_deg`` towards the equator,
                module area = usable area × ``ground_coverage_ratio``
  curved        dome, onion, round, cone: one horizontal plane with no usable area
                (standard modules do not fit curved roofs)
  ============  ==========================================================================

* **Heights for shading.** ``height_m`` is the top of the building. A pitched roof rises
  ``W/2·tan(tilt)`` above its eaves (kept at least ``min_eaves_height_m`` above ground). Each
  plane's representative point sits at the centroid of the plane in plan and at the mean
  height of the roof; every building casts shade as an LOD1 block at that mean roof height
  (the volume-equivalent block, as LOD1.2 models use), so a row of equal houses does not
  shade itself and a taller neighbour does.
* **Usable area** per plane: setbacks from every edge (``pitched_edge_setback_m`` in the
  plane, ``flat_edge_setback_m`` from a flat roof's real outline, using the rectangle with the
  footprint's area and perimeter), then the share lost to obstructions (chimneys, dormers,
  roof windows on pitched roofs; plant, lift rooms, rooflights, access on flat roofs).
* **Suitability** (after shading): module area ≥ ``min_array_module_m2`` and shaded specific
  yield ≥ ``min_relative_yield`` × the best unshaded yield at the place (NREL/Sunroof style).
* **Ranges.** Plane geometry is fixed at central values; low/central/high move setbacks,
  obstruction shares, minimum array size, the yield threshold, ground-coverage ratio, module
  density and system losses, each in the direction that lowers (low) or raises (high) the
  potential.

All functions are vectorised over buildings (shapely 2 / numpy); no per-building Python loop.

References
----------
.. [1] Gagnon, P., Margolis, R., Melius, J., Phillips, C., Elmore, R. (2016). Rooftop Solar
   Photovoltaic Technical Potential in the United States. NREL/TP-6A20-65298.
.. [2] RISCAuthority / Fire Protection Association (2016). RC62: Recommendations for fire
   safety with photovoltaic panel installations.
.. [3] Biljecki, F., Ledoux, H., Stoter, J. (2016). An improved LOD specification for 3D
   building models. Computers, Environment and Urban Systems 59, 25-37 (LOD1.2 block heights).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from analysis.errors import InputError

LEVELS = ("low", "central", "high")
#: OSM ``roof:shape`` values → roof family.
SHAPE_FAMILY = {
    "flat": "flat",
    "gabled": "gabled", "gable": "gabled", "pitched": "gabled", "saltbox": "gabled", "double_saltbox": "gabled",
    "butterfly": "gabled", "cross_gabled": "gabled", "sawtooth": "gabled", "quadruple_saltbox": "gabled",
    "hipped": "hipped", "half-hipped": "hipped", "half_hipped": "hipped", "side_hipped": "hipped",
    "pyramidal": "hipped", "hip": "hipped", "tented": "hipped", "gabled_hipped": "hipped",
    "mansard": "mansard", "gambrel": "gambrel",
    "skillion": "skillion", "lean_to": "skillion", "monopitch": "skillion", "shed": "skillion",
    "dome": "curved", "onion": "curved", "round": "curved", "cone": "curved", "conical": "curved",
    "spherical": "curved", "barrel": "curved", "arched": "curved",
}
FAMILIES = ("flat", "gabled", "hipped", "mansard", "gambrel", "skillion", "curved")
PITCHED_TAGS = {k for k, v in SHAPE_FAMILY.items() if v not in ("flat",)}  # kept for callers of the old API
RESIDENTIAL_USES = {"residential", "house", "detached", "semidetached_house", "terrace", "apartments",
                    "flats", "bungalow", "mixed", "yes", "", "dormitory", "cabin", "houseboat", "static_caravan"}
ANCILLARY_USES = {"garage", "garages", "shed", "carport", "hut", "roof", "kiosk", "storage_tank", "toilets",
                  "bicycle_parking", "greenhouse", "outbuilding", "allotment_house"}
#: Roof assumptions whose higher value *lowers* the potential (used the other way round for ranges).
INVERSE_PARAMS = {"pitched_edge_setback_m", "flat_edge_setback_m", "obstruction_share_pitched",
                  "obstruction_share_flat", "min_array_module_m2", "min_relative_yield"}
#: Level-dependent roof assumptions (the others are read at the central value).
RANGED_PARAMS = INVERSE_PARAMS | {"ground_coverage_ratio", "module_density_kwp_per_m2"}


def release_memory() -> None:
    """Return freed heap pages to the OS (glibc ``malloc_trim``; a no-op elsewhere).

    Millions of temporary GEOS geometries, freed in worker threads, otherwise stay in those
    threads' heaps and inflate the process's resident memory for the rest of the run.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def potential_params(params_by_level: dict, level: str) -> dict:
    """Roof assumptions for the low/central/high *potential* case.

    ``params_by_level`` holds the assumption table's own low/central/high columns; for the
    parameters in :data:`INVERSE_PARAMS` the low-potential case takes the high value and vice versa.
    """
    flip = {"low": "high", "central": "central", "high": "low"}[level]
    out = dict(params_by_level["central"])
    for name in RANGED_PARAMS & set(out):
        out[name] = params_by_level[flip if name in INVERSE_PARAMS else level][name]
    return out


def _rectangle_dims(geoms: np.ndarray):
    """Footprints that are exact, non-square rectangles, with their rectangle read off directly.

    A rectangle is its own minimum rotated rectangle, so GEOS (~10 µs a footprint) is not
    needed for them: synthetic stock is all rectangles, and so are many mapped buildings.
    Squares (sides equal within 1e-6) are left to GEOS, whose corner order decides which side
    counts as "long" there.

    Returns
    -------
    mask : numpy.ndarray of bool
        Which footprints are such rectangles.
    bearing, long_m, short_m, centre
        Their long-axis grid bearing [0, 180) [°], sides [m] and centre [m], for the masked ones.
    """
    mask = ((shapely.get_type_id(geoms) == 3) & (shapely.get_num_interior_rings(geoms) == 0)
            & (shapely.get_num_coordinates(geoms) == 5))
    idx = np.flatnonzero(mask)
    corners = shapely.get_coordinates(geoms[idx]).reshape(-1, 5, 2)
    edges = np.diff(corners, axis=1)  # four sides
    length = np.hypot(edges[..., 0], edges[..., 1])
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = (edges * np.roll(edges, -1, axis=1)).sum(axis=2) / (length * np.roll(length, -1, axis=1))
    l1, l2 = length[:, 0], length[:, 1]
    ok = ((np.abs(cosine) < 1e-9).all(axis=1) & (length > 0).all(axis=1)
          & (np.abs(l1 - l2) > 1e-6 * np.maximum(l1, l2)))
    mask[idx[~ok]] = False
    corners, edges, l1, l2 = corners[ok], edges[ok], l1[ok], l2[ok]
    long_vec = np.where((l1 >= l2)[:, None], edges[:, 0], edges[:, 1])
    bearing = np.degrees(np.arctan2(long_vec[:, 0], long_vec[:, 1])) % 180.0
    return mask, bearing, np.maximum(l1, l2), np.minimum(l1, l2), (corners[:, 0] + corners[:, 2]) / 2


def _mrr_dims(footprints) -> tuple[np.ndarray, ...]:
    """Minimum rotated rectangle: long-axis bearing [0, 180) [°], long and short side [m], centre."""
    geoms = np.asarray(footprints)
    n = len(geoms)
    bearing, long_m, short_m, centre = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros((n, 2))
    rect, *dims = _rectangle_dims(geoms)
    bearing[rect], long_m[rect], short_m[rect], centre[rect] = dims
    rest = np.flatnonzero(~rect)
    if rest.size:
        bearing[rest], long_m[rest], short_m[rest], centre[rest] = _geos_mrr_dims(geoms[rest])
    return bearing, long_m, short_m, centre


#: Roof families whose ridge runs along the street in a terrace (their planes face front and back).
RIDGED_FAMILIES = ("gabled", "hipped", "gambrel")
#: Dwelling types of houses in a row, or flats in a converted one: the ridge runs along the street.
STREET_RIDGE_DWELLINGS = ("house", "converted_flat")


def ridge_along_street(dims: tuple, family, street_bearing_deg, row_house) -> tuple[np.ndarray, ...]:
    """Rectangle dimensions with the ridge turned to run along the street where a house fronts one.

    A terraced house's outline is deeper than its frontage, so the long axis of its rectangle points
    at the street; but a row of houses is roofed along the row, its ridge parallel to the street and its
    slopes facing front and back. Where a house (``row_house``) with a ridged roof fronts a street
    (``street_bearing_deg``, :func:`analysis.ingest.streets.street_bearing`) and its rectangle's long
    axis lies nearer the line to the street than the street itself, the two sides swap: the ridge
    follows the short side.

    Parameters
    ----------
    dims : tuple
        :func:`_mrr_dims`: long-axis grid bearing [°], long and short side [m], centre [m].
    family : array of int
        Roof family codes (:data:`FAMILY_CODE`).
    street_bearing_deg : array
        Grid bearing from the building to its street [°]; NaN where none.
    row_house : array of bool
        Houses, or houses converted into flats.

    Returns
    -------
    tuple
        ``dims`` with bearing, long and short swapped where the ridge turns; "long" is then the ridge's side.
    """
    bearing, long_m, short_m, centre = dims
    street = np.asarray(street_bearing_deg, dtype=float)
    ridged = np.isin(family, [FAMILY_CODE[f] for f in RIDGED_FAMILIES])
    # The long axis is within 45° of the line to the street: it points at the street, not along it.
    towards = np.abs(np.cos(np.radians(bearing - np.nan_to_num(street)))) > np.sqrt(0.5)
    turn = ridged & np.asarray(row_house, bool) & np.isfinite(street) & towards
    return (np.where(turn, (bearing + 90.0) % 180.0, bearing), np.where(turn, short_m, long_m),
            np.where(turn, long_m, short_m), centre)


def _geos_mrr_dims(geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """:func:`_mrr_dims` by GEOS's minimum rotated rectangle (any footprint)."""
    # In blocks of 50,000 (GEOS rectangles are freed block by block), two threads at a time
    # (shapely releases the GIL): the four corners are all that is kept.
    blocks = [geoms[i:i + 50_000] for i in range(0, len(geoms), 50_000)] or [geoms]

    def corners(block):
        coords, which = shapely.get_coordinates(shapely.minimum_rotated_rectangle(block), return_index=True)
        return coords, which, len(block)

    with ThreadPoolExecutor(2) as pool:
        parts = list(pool.map(corners, blocks))
    offsets = np.cumsum([0] + [p[2] for p in parts[:-1]])
    coords = np.concatenate([p[0] for p in parts]) if parts else np.empty((0, 2))
    which = np.concatenate([p[1] + off for p, off in zip(parts, offsets)]) if parts else np.empty(0, int)
    counts = np.bincount(which, minlength=len(geoms))
    start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ok = counts >= 4  # lines and points (degenerate footprints) get zero size
    s = np.where(ok, start, 0)
    last = max(len(coords) - 1, 0)
    p0, p1, p2 = coords[s], coords[np.minimum(s + 1, last)], coords[np.minimum(s + 2, last)]
    e1, e2 = p1 - p0, p2 - p1
    l1, l2 = np.hypot(*e1.T), np.hypot(*e2.T)
    long_vec = np.where((l1 >= l2)[:, None], e1, e2)
    bearing = np.degrees(np.arctan2(long_vec[:, 0], long_vec[:, 1])) % 180.0
    centre = (p0 + p2) / 2
    if (~ok).any():  # degenerate footprints: their centroid
        centre[~ok] = shapely.get_coordinates(shapely.centroid(geoms[~ok]))
    release_memory()  # the rectangles were built and freed in worker threads' heaps
    return (bearing, np.where(ok, np.maximum(l1, l2), 0.0), np.where(ok, np.minimum(l1, l2), 0.0), centre)


def _text_table(values, n: int, func) -> np.ndarray:
    """``func`` of each value as lower-case stripped text ("" when missing), computed once per distinct value.

    ``func`` maps an object array of distinct texts to an array of results; millions of
    buildings carry a handful of distinct tags, so string work is done on those only.
    """
    if values is None:
        return np.asarray(func(np.array([""], dtype=object)))[np.zeros(n, dtype=np.intp)]
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    codes, uniques = pd.factorize(series)
    texts = pd.Series(np.asarray(uniques, dtype=object), dtype="object").astype(str).str.lower().str.strip()
    table = np.asarray(func(np.append(texts.to_numpy(dtype=object), "")))
    return table[codes]  # code -1 (missing) takes the last entry, ""


def _text(values, n) -> np.ndarray:
    return _text_table(values, n, lambda texts: texts)


def _use_class_code(texts: np.ndarray) -> np.ndarray:
    return np.where(np.isin(texts, list(ANCILLARY_USES)), 2, np.where(np.isin(texts, list(RESIDENTIAL_USES)), 0, 1))


USE_CLASSES = np.array(["domestic", "non_domestic", "ancillary"], dtype=object)


def use_class_from_use(use) -> np.ndarray:
    """domestic / non_domestic / ancillary from a raw OSM ``building`` value (when no use_class is given)."""
    return USE_CLASSES[_text_table(use, len(use), _use_class_code)]


#: Roof family → integer code (index in :data:`FAMILIES`), for vectorised work without strings.
FAMILY_CODE = {family: code for code, family in enumerate(FAMILIES)}
#: Roof planes each family gets (:func:`roof_planes`).
PLANES_PER_FAMILY = np.array([1, 2, 4, 5, 4, 1, 1])
#: Plane kinds (setback geometry): code → name.
KINDS = ("rect", "tri", "flat", "flat_top", "curved")


def _classify_codes(roof_shape, levels, use, footprint_m2, params: dict, use_class=None,
                    roof_shape_source=None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`classify_roofs` as integer family codes (index in :data:`FAMILIES`)."""
    n = len(footprint_m2)
    shape_code = _text_table(roof_shape, n, lambda texts: np.array(
        [FAMILY_CODE.get(SHAPE_FAMILY.get(t), -1) for t in texts], dtype=np.int8))
    known = shape_code >= 0
    levels = np.nan_to_num(np.asarray(levels, dtype=float), nan=1.0)
    if use_class is not None:
        flags = _text_table(use_class, n, lambda t: np.isin(t, ["non_domestic", "mixed"]) * 1 + (t == "ancillary") * 2)
        nonres, ancillary = (flags & 1).astype(bool), (flags & 2).astype(bool)
    else:
        cls = _text_table(use, n, _use_class_code)
        nonres, ancillary = cls == 1, cls == 2
    big_nonres = nonres & (np.asarray(footprint_m2, float) >= params["flat_min_footprint_nonres_m2"])
    rule_flat = (levels >= params["flat_min_levels"]) | big_nonres | ancillary
    family = np.where(known, shape_code, np.where(rule_flat, FAMILY_CODE["flat"], FAMILY_CODE["gabled"])).astype(np.int8)
    assumed = ~known
    if roof_shape_source is not None:
        assumed |= _text_table(roof_shape_source, n, lambda t: t != "observed")
    return family, assumed


def classify_roofs(roof_shape, levels, use, footprint_m2, params: dict, use_class=None,
                   roof_shape_source=None) -> tuple[np.ndarray, np.ndarray]:
    """Roof family per building, and whether it was assumed by rule rather than observed.

    Parameters
    ----------
    roof_shape : array of str or None
        OSM-style ``roof:shape`` value, or missing.
    levels : array of float
        Storeys above ground [-].
    use : array of str
        Raw building use (``house``, ``apartments``, ``school`` …).
    footprint_m2 : array of float
        Footprint area [m²].
    params : dict
        Roof assumptions (``flat_min_levels``, ``flat_min_footprint_nonres_m2``).
    use_class : array of str, optional
        domestic / mixed / non_domestic / ancillary; derived from ``use`` when omitted.
    roof_shape_source : array of str, optional
        observed / derived / imputed; a shape that was not observed counts as assumed.

    Returns
    -------
    family : numpy.ndarray of str
        One of :data:`FAMILIES`.
    assumed : numpy.ndarray of bool
        True where the family does not rest on an observed ``roof:shape`` tag.
    """
    family, assumed = _classify_codes(roof_shape, levels, use, footprint_m2, params, use_class, roof_shape_source)
    return np.asarray(FAMILIES, dtype=object)[family], assumed


def _roof_rise(family, short_m, height_m, params) -> np.ndarray:
    """Height of the roof above its eaves [m] (kept below ``height_m − min_eaves_height_m``).

    ``family`` holds integer family codes (:data:`FAMILY_CODE`).
    """
    tan = lambda deg: np.tan(np.radians(deg))  # noqa: E731
    code = FAMILY_CODE
    rise = np.select(
        [family == code["gabled"], family == code["hipped"], family == code["mansard"], family == code["gambrel"],
         family == code["skillion"], family == code["curved"]],
        [short_m / 2 * tan(params["pitched_tilt_deg"]), short_m / 2 * tan(params["pitched_tilt_deg"]),
         np.minimum(params["mansard_lower_depth_m"], short_m / 4) * tan(params["mansard_lower_tilt_deg"]),
         short_m / 4 * (tan(params["gambrel_lower_tilt_deg"]) + tan(params["gambrel_upper_tilt_deg"])),
         short_m * tan(params["skillion_tilt_deg"]), short_m / 2],
        0.0)
    return np.clip(np.minimum(rise, np.asarray(height_m, float) - params["min_eaves_height_m"]), 0.0, None)


def shading_height(buildings: pd.DataFrame, footprints, params: dict) -> np.ndarray:
    """Height of the LOD1 block a building casts shade with: its mean roof height [m].

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``height_m`` [m], ``levels``, ``use`` and optionally ``use_class``, ``roof_shape``,
        ``roof_shape_source``.
    footprints : array of shapely.Polygon
        Footprints [m].
    params : dict
        Roof assumptions at the central level.
    """
    footprint = shapely.area(np.asarray(footprints))
    family, _ = _classify_codes(buildings.get("roof_shape"), buildings["levels"], buildings.get("use"), footprint, params,
                                buildings.get("use_class"), buildings.get("roof_shape_source"))
    dims = street_ridges(buildings, _mrr_dims(footprints), family)
    height = buildings["height_m"].to_numpy(dtype=float)
    return height - _roof_rise(family, dims[2], height, params) / 2


def street_ridges(buildings: pd.DataFrame, dims: tuple, family) -> tuple:
    """``dims`` with row houses' ridges along their street (:func:`ridge_along_street`) where ``buildings``
    carry ``street_bearing_deg`` and ``dwelling_type``; as given otherwise. One rule for targets and for
    the same buildings shading another partition, so results do not depend on the partitions."""
    if "street_bearing_deg" not in buildings or "dwelling_type" not in buildings:
        return dims
    row_house = np.isin(buildings["dwelling_type"].astype(object).to_numpy(), STREET_RIDGE_DWELLINGS)
    return ridge_along_street(dims, family, buildings["street_bearing_deg"].to_numpy(float), row_house)


def _str_take(names, codes) -> pd.api.extensions.ExtensionArray:
    """Text column from integer codes into ``names`` (Arrow take: no Python string per row)."""
    return pd.array(list(names), dtype="str").take(np.asarray(codes, dtype=np.intp))


def _ids_take(ids: pd.Series, index: np.ndarray):
    """``ids`` at ``index`` (Arrow/numpy take, keeping the column's dtype; object ids as before)."""
    if ids.dtype == object:
        return ids.to_numpy()[index]
    return ids.array.take(index)


def _plane_arrays(family, bearing, long_m, short_m, centre, footprint, height, perimeter, params: dict,
                  latitude: float, north_offset_deg: float, rack_flat: bool) -> dict:
    """The planes of :func:`roof_planes` as numpy arrays (family and kind as integer codes).

    Parameters are per building: ``family`` codes (:data:`FAMILY_CODE`), the minimum rotated
    rectangle's grid ``bearing`` [°], sides and ``centre`` [m], ``footprint`` [m²], ``height``
    [m] and ``perimeter`` [m]. Rows come sorted by building, then plane; ``building_index``
    counts buildings from 0 in the order given.
    """
    n = len(family)
    bearing = bearing - north_offset_deg
    rise = _roof_rise(family, short_m, height, params)
    z_mean = height - rise / 2
    scale = np.where(long_m * short_m > 0, footprint / np.maximum(long_m * short_m, 1e-9), 1.0)
    equator = 180.0 if latitude >= 0 else 0.0
    cols = {k: [] for k in ("building_index", "plane", "tilt_deg", "azimuth_deg", "horizontal_m2", "x", "y", "z",
                            "kind", "edge_m", "depth_m", "rack")}

    def emit(sel, plane, tilt, azimuth, horizontal, off_along, off_normal, z, kind, edge, depth, mount="roof"):
        # Arrays per family, one table at the end (no per-family DataFrames: less memory).
        idx = np.flatnonzero(sel)
        if idx.size == 0:
            return
        b = np.radians(bearing[idx] + north_offset_deg)  # grid bearing for plan offsets
        take = lambda v: (np.asarray(v, float)[idx] if np.ndim(v) else np.full(idx.size, float(v)))  # noqa: E731
        along, normal = take(off_along), take(off_normal)
        cols["building_index"].append(idx)
        cols["plane"].append(np.full(idx.size, plane, dtype=np.int8))
        cols["tilt_deg"].append(take(tilt))
        cols["azimuth_deg"].append(take(azimuth) % 360.0)
        cols["horizontal_m2"].append(take(horizontal))
        cols["x"].append(centre[idx, 0] + along * np.sin(b) + normal * np.cos(b))  # long axis, normal (bearing + 90)
        cols["y"].append(centre[idx, 1] + along * np.cos(b) - normal * np.sin(b))
        cols["z"].append(take(z))
        cols["kind"].append(np.full(idx.size, KINDS.index(kind), dtype=np.int8))
        cols["edge_m"].append(take(edge))
        cols["depth_m"].append(take(depth))
        cols["rack"].append(np.full(idx.size, mount == "rack"))

    code = FAMILY_CODE
    t = params["pitched_tilt_deg"]
    cos_t = np.cos(np.radians(t))
    # Gabled: two halves.
    g = family == code["gabled"]
    for plane, side in ((0, 1.0), (1, -1.0)):
        emit(g, plane, t, bearing + (90.0 if side > 0 else 270.0), footprint / 2, 0.0, side * short_m / 4, z_mean,
             "rect", scale * long_m, short_m / 2 / cos_t)
    # Hipped: two trapezoids and two triangles at equal pitch.
    h = family == code["hipped"]
    if h.any():
        ridge = np.maximum(long_m - short_m, 0.0)
        trap_h = (2 * long_m - short_m) * short_m / 4 * scale
        tri_h = short_m ** 2 / 4 * scale
        trap_c = short_m / 2 - short_m / 2 * (long_m + 2 * ridge) / np.maximum(3 * (long_m + ridge), 1e-9)
        for plane, side in ((0, 1.0), (1, -1.0)):
            emit(h, plane, t, bearing + (90.0 if side > 0 else 270.0), trap_h, 0.0, side * trap_c, z_mean, "rect",
                 scale * (long_m + ridge) / 2, short_m / 2 / cos_t)
        for plane, side in ((2, 1.0), (3, -1.0)):
            emit(h, plane, t, bearing + (0.0 if side > 0 else 180.0), tri_h, side * (long_m / 2 - short_m / 6), 0.0,
                 z_mean, "tri", scale * short_m, short_m / 2 / cos_t)
    # Mansard: steep lower slopes around a flat top.
    m = family == code["mansard"]
    if m.any():
        depth = np.minimum(params["mansard_lower_depth_m"], short_m / 4)
        tm = params["mansard_lower_tilt_deg"]
        z_steep = height - rise / 2
        for plane, (along, normal, az, edge) in enumerate((
                (0.0, 1.0, 90.0, long_m - depth), (0.0, -1.0, 270.0, long_m - depth),
                (1.0, 0.0, 0.0, short_m - depth), (-1.0, 0.0, 180.0, short_m - depth))):
            half = (long_m if along else short_m) / 2
            emit(m, plane, tm, bearing + az, edge * depth * scale, along * (half - depth / 2),
                 normal * (short_m / 2 - depth / 2), z_steep, "rect", edge * scale, depth / np.cos(np.radians(tm)))
        top_h = np.maximum(long_m - 2 * depth, 0) * np.maximum(short_m - 2 * depth, 0) * scale
        emit(m, 4, params["flat_rack_tilt_deg"] if rack_flat else 0.0, np.full(n, equator),
             top_h, 0.0, 0.0, height, "flat_top", scale * np.maximum(long_m - 2 * depth, 0),
             np.maximum(short_m - 2 * depth, 0), "rack" if rack_flat else "roof")
    # Gambrel: steep lower and shallow upper plane on each long side.
    gb = family == code["gambrel"]
    for plane, (side, tilt, off) in enumerate(((1, params["gambrel_lower_tilt_deg"], 3 / 8), (-1, params["gambrel_lower_tilt_deg"], 3 / 8),
                                                (1, params["gambrel_upper_tilt_deg"], 1 / 8), (-1, params["gambrel_upper_tilt_deg"], 1 / 8))):
        emit(gb, plane, tilt, bearing + (90.0 if side > 0 else 270.0), footprint / 4, 0.0, side * off * short_m, z_mean,
             "rect", scale * long_m, short_m / 4 / np.cos(np.radians(tilt)))
    # Skillion: one plane, lower edge on the equator side.
    sk = family == code["skillion"]
    a1 = (bearing + 90.0) % 360.0
    towards = np.abs((a1 - equator + 180.0) % 360.0 - 180.0) <= 90.0
    ts = params["skillion_tilt_deg"]
    emit(sk, 0, ts, np.where(towards, a1, a1 + 180.0), footprint, 0.0, 0.0, z_mean, "rect", scale * long_m,
         short_m / np.cos(np.radians(ts)))
    # Flat (racked or horizontal) and curved (no usable area).
    f = family == code["flat"]
    emit(f, 0, params["flat_rack_tilt_deg"] if rack_flat else 0.0, np.full(n, equator), footprint, 0.0, 0.0, height,
         "flat", 0.0, 0.0, "rack" if rack_flat else "roof")
    c = family == code["curved"]
    emit(c, 0, 0.0, np.full(n, equator), footprint, 0.0, 0.0, z_mean, "curved", 0.0, 0.0)

    dtypes = {"building_index": np.int64, "plane": np.int8, "kind": np.int8, "rack": bool}
    arrays = {k: (np.concatenate(v) if v else np.empty(0, dtypes.get(k, float))) for k, v in cols.items()}
    del cols
    order = np.lexsort((arrays["plane"], arrays["building_index"]))
    arrays = {k: v[order] for k, v in arrays.items()}
    bi = arrays["building_index"] = arrays["building_index"].astype(np.int64)
    kind = arrays["kind"]
    flat_like = (kind == KINDS.index("flat")) | (kind == KINDS.index("flat_top")) | (kind == KINDS.index("curved"))
    arrays["area_m2"] = np.where(flat_like, arrays["horizontal_m2"],
                                 arrays["horizontal_m2"] / np.cos(np.radians(arrays["tilt_deg"])))
    arrays["is_flat"] = flat_like & (kind != KINDS.index("curved"))
    # Flat roofs: setbacks from the real outline via the rectangle of equal area and perimeter.
    area, per = footprint[bi], perimeter[bi]
    half_p = per / 2
    disc = np.maximum(half_p ** 2 - 4 * area, 0.0)
    w_eq = np.where(per > 0, (half_p - np.sqrt(disc)) / 2, 0.0)
    l_eq = np.where(w_eq > 0, area / np.maximum(w_eq, 1e-9), 0.0)
    is_flat_kind = kind == KINDS.index("flat")
    arrays["edge_m"] = np.where(is_flat_kind, l_eq, arrays["edge_m"])
    arrays["depth_m"] = np.where(is_flat_kind, w_eq, arrays["depth_m"])
    return arrays


def roof_planes(buildings: pd.DataFrame, footprints, params: dict, latitude: float, north_offset_deg: float = 0.0,
                rack_flat: bool = True, force_flat: bool = False, shading_heights: list | None = None,
                dims=None) -> pd.DataFrame:
    """Roof planes of every building from its roof family, with a shading point per plane.

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``building_id``, ``footprint_m2`` [m²], ``levels``, ``use``, ``roof_shape`` and, when
        present, ``height_m`` [m] (top of the building; else ``levels`` × 3 m), ``use_class``,
        ``roof_shape_source``.
    footprints : array of shapely.Polygon
        Footprints in a projected CRS [m], aligned with ``buildings``.
    params : dict
        Roof assumptions at the central level (see the module docstring).
    latitude : float
        Place latitude [°]; racks and skillions face the equator.
    north_offset_deg : float
        Grid bearing of true north (:func:`analysis.shading.grid_north_offset_deg`) [°];
        azimuths returned are true.
    rack_flat : bool
        Flat roofs carry racked modules (PV); False keeps them horizontal (irradiance on the roof).
    force_flat : bool
        Treat every roof as flat (``roof-irradiance --roof flat``).
    shading_heights : list, optional
        If given, the per-building shading height (:func:`shading_height`, computed from the
        same rectangles, saving a second pass) is appended to it.
    dims : tuple, optional
        Precomputed minimum rotated rectangles of these footprints (grid bearing, long and
        short side, centre), as from ``_mrr_dims``.

    Returns
    -------
    pandas.DataFrame
        One row per plane: ``building_id``, ``plane``, ``roof_family``, ``tilt_deg``,
        ``azimuth_deg`` (true, clockwise from north) [°], ``horizontal_m2`` and ``area_m2``
        (sloped) [m²], ``usable_m2``, ``module_m2`` [m²] (central rules), ``mount``
        (``roof``/``rack``), ``is_flat``, ``roof_shape_assumed``, ``x``, ``y`` [m] and ``z`` [m]
        (the shading point), ``building_index`` (row in ``buildings``), and the in-plane
        dimensions used by the setback rule (``edge_m``, ``depth_m``, ``plane_kind``).
    """
    geoms = np.asarray(footprints)
    n = len(buildings)
    footprint = buildings["footprint_m2"].to_numpy(dtype=float)
    if force_flat:
        family, assumed = np.full(n, FAMILY_CODE["flat"], dtype=np.int8), np.ones(n, dtype=bool)
    else:
        family, assumed = _classify_codes(buildings.get("roof_shape"), buildings["levels"], buildings.get("use"), footprint,
                                          params, buildings.get("use_class"), buildings.get("roof_shape_source"))
    bearing, long_m, short_m, centre = _mrr_dims(geoms) if dims is None else dims
    if "height_m" in buildings:
        height = buildings["height_m"].to_numpy(dtype=float)
    else:
        height = np.nan_to_num(buildings["levels"].to_numpy(dtype=float), nan=1.0) * 3.0
    if shading_heights is not None:
        shading_heights.append(height - _roof_rise(family, short_m, height, params) / 2)
    a = _plane_arrays(family, bearing, long_m, short_m, centre, footprint, height, shapely.length(geoms), params,
                      latitude, north_offset_deg, rack_flat)
    bi = a["building_index"]
    usable, module = _usable_arrays(a["kind"], a["edge_m"], a["depth_m"], a["area_m2"], a["rack"], params)
    return pd.DataFrame({
        "building_id": _ids_take(buildings["building_id"], bi), "plane": a["plane"],
        "roof_family": _str_take(FAMILIES, family[bi]), "tilt_deg": a["tilt_deg"], "azimuth_deg": a["azimuth_deg"],
        "horizontal_m2": a["horizontal_m2"], "area_m2": a["area_m2"], "usable_m2": usable, "module_m2": module,
        "mount": _str_take(("roof", "rack"), a["rack"]), "is_flat": a["is_flat"], "roof_shape_assumed": assumed[bi],
        "x": a["x"], "y": a["y"], "z": a["z"], "building_index": bi, "plane_kind": _str_take(KINDS, a["kind"]),
        "edge_m": a["edge_m"], "depth_m": a["depth_m"],
    }, copy=False)


def _usable_arrays(kind, edge, depth, area, rack, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """:func:`usable_area` on arrays: ``kind`` codes (:data:`KINDS`) → (usable, module) [m²]."""
    flat = (kind == KINDS.index("flat")) | (kind == KINDS.index("flat_top"))
    s = np.where(flat, params["flat_edge_setback_m"], params["pitched_edge_setback_m"])
    rect = np.maximum(edge - 2 * s, 0.0) * np.maximum(depth - 2 * s, 0.0)
    # Triangle (hip end): an inward offset by s scales it by (1 - s/r), r = inradius = 2A/P.
    tri_perimeter = edge + 2 * np.hypot(edge / 2, depth)
    r_in = np.where(tri_perimeter > 0, 2 * area / np.maximum(tri_perimeter, 1e-9), 0.0)
    tri = np.where(r_in > s, area * (1 - s / np.maximum(r_in, 1e-9)) ** 2, 0.0)
    inset = np.select([kind == KINDS.index("tri"), kind == KINDS.index("curved")], [tri, 0.0], np.minimum(rect, area))
    usable = inset * (1 - np.where(flat, params["obstruction_share_flat"], params["obstruction_share_pitched"]))
    module = np.where(rack, usable * params["ground_coverage_ratio"], usable)
    return usable, module


def _kind_codes(plane_kind) -> np.ndarray:
    return pd.Categorical(np.asarray(plane_kind, dtype=object), categories=list(KINDS)).codes


def usable_area(planes: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Usable and module area of each plane under one set of roof assumptions.

    Parameters
    ----------
    planes : pandas.DataFrame
        From :func:`roof_planes` (``plane_kind``, ``edge_m``, ``depth_m``, ``area_m2``,
        ``horizontal_m2``, ``mount``).
    params : dict
        ``pitched_edge_setback_m``, ``flat_edge_setback_m`` [m], ``obstruction_share_pitched``,
        ``obstruction_share_flat`` [-], ``ground_coverage_ratio`` [-].

    Returns
    -------
    pandas.DataFrame
        ``usable_m2`` (roof surface left after setbacks and obstructions) and ``module_m2``
        (module area that fits: usable area on pitched roofs, × ground-coverage ratio on racks) [m²].
    """
    usable, module = _usable_arrays(_kind_codes(planes["plane_kind"]), planes["edge_m"].to_numpy(float),
                                    planes["depth_m"].to_numpy(float), planes["area_m2"].to_numpy(float),
                                    (planes["mount"] == "rack").to_numpy(), params)
    return pd.DataFrame({"usable_m2": usable, "module_m2": module}, index=planes.index)


def _capacity_arrays(kind, edge, depth, area, rack, specific, best_yield_kwh_per_kwp: float,
                     params_by_level: dict) -> dict:
    """:func:`plane_capacity` on arrays: its new columns, in its order."""
    out = {"pv_kwh_per_kwp": specific, "relative_yield": specific / best_yield_kwh_per_kwp}
    for level in LEVELS:
        p = potential_params(params_by_level, level)
        usable, module = _usable_arrays(kind, edge, depth, area, rack, p)
        ok = (module >= p["min_array_module_m2"]) & (out["relative_yield"] >= p["min_relative_yield"])
        kwp = np.where(ok, module * p["module_density_kwp_per_m2"], 0.0)
        out[f"usable_m2_{level}"] = usable
        out[f"suitable_{level}"] = ok
        out[f"kwp_{level}"] = kwp
        out[f"kwh_{level}"] = kwp * specific
        if level == "central":
            out["usable_m2"], out["module_m2"], out["suitable"] = usable, module, ok
    return out


def plane_capacity(planes: pd.DataFrame, specific_yield_kwh_per_kwp: np.ndarray, best_yield_kwh_per_kwp: float,
                   params_by_level: dict, inplace: bool = False) -> pd.DataFrame:
    """Suitability, capacity [kWp] and yield [kWh/yr] per plane at low/central/high.

    Parameters
    ----------
    planes : pandas.DataFrame
        From :func:`roof_planes`.
    specific_yield_kwh_per_kwp : numpy.ndarray
        Annual AC yield of 1 kWp on each plane (shaded where shading was computed) [kWh/kWp/yr].
    best_yield_kwh_per_kwp : float
        Best unshaded specific yield of any orientation at the place [kWh/kWp/yr].
    params_by_level : dict
        ``{"low": {...}, "central": {...}, "high": {...}}``: the roof assumptions' own low,
        central and high columns (:func:`potential_params` turns them into potential cases).
    inplace : bool
        Add the columns to ``planes`` itself (saves a copy of a large table).

    Returns
    -------
    pandas.DataFrame
        ``planes`` plus ``pv_kwh_per_kwp``, ``relative_yield``, ``suitable`` (central case) and
        for each level ``usable_m2_<level>`` [m²], ``suitable_<level>``, ``kwp_<level>`` [kWp]
        and ``kwh_<level>`` [kWh/yr] (zero where unsuitable). ``usable_m2`` and ``module_m2``
        are the central case.
    """
    out = planes if inplace else planes.copy()
    cols = _capacity_arrays(_kind_codes(out["plane_kind"]), out["edge_m"].to_numpy(float), out["depth_m"].to_numpy(float),
                            out["area_m2"].to_numpy(float), (out["mount"] == "rack").to_numpy(),
                            np.asarray(specific_yield_kwh_per_kwp, dtype=float), best_yield_kwh_per_kwp, params_by_level)
    for name, values in cols.items():
        out[name] = values
    return out


def check_buildings(buildings, quality=None, storey_height_m: float = 3.0):
    """Check a buildings frame for :func:`plane_potential` and fill what may be filled, recorded.

    Returns a copy with ``building_id`` (str), ``footprint_m2``, ``height_m``, ``levels``,
    ``use``, ``use_class``, ``roof_shape``; a missing or empty ``height_m`` is filled from
    ``levels`` × ``storey_height_m`` and recorded in ``quality`` (``analysis.quality.QualityLog``).
    """
    import geopandas as gpd

    if not isinstance(buildings, gpd.GeoDataFrame):
        raise InputError(f"expected a GeoDataFrame of buildings, got {type(buildings).__name__}",
                         fix="read the file with analysis.ingest.buildings.read_buildings")
    if buildings.crs is None or not buildings.crs.is_projected:
        raise InputError(f"buildings need a projected CRS in metres, got {buildings.crs}",
                         fix="reproject with .to_crs(...), e.g. EPSG:27700 for Great Britain")
    for col in ("building_id", "levels"):
        if col not in buildings:
            raise InputError(f"buildings have no {col!r} column", fix="read them with analysis.ingest.buildings.read_buildings")
    out = buildings.copy()
    out["building_id"] = out["building_id"].astype(str)
    out["footprint_m2"] = out.geometry.area
    levels = pd.to_numeric(out["levels"], errors="coerce")
    if quality is not None and levels.isna().any():
        quality.default("roofs", "levels", int(levels.isna().sum()), "1 storey",
                        "storeys missing when the roofs were built (not imputed upstream)")
    out["levels"] = np.maximum(levels.fillna(1.0).to_numpy(float), 1.0)
    height = pd.to_numeric(out["height_m"], errors="coerce") if "height_m" in out else pd.Series(np.nan, index=out.index)
    missing = height.isna() | (height <= 0)
    if missing.any():
        height = height.where(~missing, out["levels"] * storey_height_m)
        if quality is not None:
            quality.default("roofs", "height_m", int(missing.sum()), f"levels x {storey_height_m:g} m",
                            "height missing: taken from storeys for roof geometry and shading")
    out["height_m"] = height.to_numpy(float)
    for col in ("use", "roof_shape", "roof_shape_source"):
        if col not in out:
            out[col] = None
    if "use_class" not in out:
        out["use_class"] = use_class_from_use(out["use"])
        if quality is not None:
            quality.record("roofs", "use_class", records=len(out), derived=len(out),
                           note="use class derived from the building tag (house, garage, school ...)")
    return out


def _ids_in(ids, among) -> np.ndarray:
    """Whether each id is one of ``among`` (Arrow hash lookup: pandas' ``isin`` on Arrow strings
    loops in Python over large sets) [bool]."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pa.array(pd.Series(ids).astype(str), type=pa.large_string())
    found = pc.is_in(values, value_set=pa.array(pd.Series(among).astype(str), type=pa.large_string()))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _levels(assumptions, group: str) -> dict:
    return {level: assumptions.level(group, level) for level in LEVELS}


def shading_params(assumptions) -> dict:
    """The ``shading`` assumptions at their central values (numerical settings, not ranges)."""
    s = assumptions.level("shading")
    return {"radius_m": s["search_radius_m"], "n_sectors": int(round(s["sectors"])),
            "min_elevation_deg": s["min_elevation_deg"], "elevation_step_deg": s["elevation_step_deg"]}


def building_shaders(buildings, context, params: dict, quality=None, target_heights=None):
    """Shaders (targets first, then context buildings not already among them) and their heights.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Checked targets (:func:`check_buildings`).
    context : geopandas.GeoDataFrame or None
        Buildings that cast shade but are not reported (any CRS; reprojected to the targets').
        Those flagged ``same_place`` (True: the place's own buildings of another partition) are
        kept as they are; the others (a file's margin beyond the place) are dropped where they
        duplicate a target's footprint.
    params : dict
        Roof assumptions at the central level.
    target_heights : array, optional
        The targets' shading heights if already known (from :func:`roof_planes`).
    """
    from analysis import shading

    geoms = buildings.geometry.to_numpy()
    heights = shading_height(buildings, geoms, params) if target_heights is None else np.asarray(target_heights, float)
    if context is not None and len(context):
        ctx = check_buildings(context.to_crs(buildings.crs) if context.crs != buildings.crs else context, quality)
        ctx = ctx[~_ids_in(ctx["building_id"], buildings["building_id"])]
        # Context footprints that duplicate a target's footprint (same place, other id) are dropped too.
        foreign = ~ctx["same_place"].fillna(False).to_numpy(dtype=bool) if "same_place" in ctx else np.ones(len(ctx), bool)
        if len(ctx) and foreign.any():
            tree = shapely.STRtree(geoms)
            ci, ti = tree.query(ctx.geometry.to_numpy(), predicate="intersects")
            keep = foreign[ci]
            ci, ti = ci[keep], ti[keep]
            if ci.size:
                overlap = shapely.area(shapely.intersection(ctx.geometry.to_numpy()[ci], geoms[ti]))
                dup = np.unique(ci[overlap > 0.5 * np.minimum(ctx["footprint_m2"].to_numpy()[ci], shapely.area(geoms[ti]))])
                ctx = ctx.drop(index=ctx.index[dup])
        geoms = np.concatenate([geoms, ctx.geometry.to_numpy()])
        heights = np.concatenate([heights, shading_height(ctx, ctx.geometry.to_numpy(), params)])
    return shading.prepare_shaders(geoms, heights)


@dataclass
class Shade:
    """Everything that shades a place's roofs, wired once: neighbouring buildings, tree crowns and the
    sun-path histogram with the ``shading`` settings. The pipeline, the benchmark (both through
    :func:`plane_potential`) and ``roof-irradiance`` (:func:`analysis.irradiance.roof_irradiance`) shade
    their planes with :meth:`planes`, so the physics of shade has one path.
    """

    buildings: object  # analysis.shading.Shaders, or None: no neighbours (the unshaded case)
    trees: object  # analysis.shading.Shaders of the crowns, or None
    tree_transmissivity: float  # share of light a crown passes over the year [-]
    histogram: object  # analysis.shading.SunPathHistogram
    radius_m: float
    min_elevation_deg: float
    north_offset_deg: float

    def planes(self, xy, z, tilt_deg, azimuth_deg, exclude, progress=None) -> dict:
        """Shaded irradiance of planes (:func:`analysis.shading.shade_arrays`; ``tree_loss`` included).

        ``xy``, ``z``, ``tilt_deg``, ``azimuth_deg`` and ``exclude`` are :func:`analysis.shading.shade_planes`'s
        ``points_xy``, ``points_z``, ``tilt_deg``, ``azimuth_deg`` and ``exclude`` (points [m], true angles [°],
        each plane's own building among the shaders or -1).
        """
        from analysis import shading

        tilt, azimuth = np.asarray(tilt_deg, dtype=float), np.asarray(azimuth_deg, dtype=float)
        if self.buildings is None:  # no neighbours: the open-sky values, same columns
            out = shading.shaded_arrays(self.histogram, np.zeros((len(tilt), self.histogram.n_sectors), np.float32),
                                        tilt, azimuth)
            out["horizon_mean_deg"] = out["horizon_max_deg"] = np.zeros(len(tilt), np.float32)
            out["tree_loss"] = np.zeros(len(tilt), np.float32)
            return out
        return shading.shade_arrays(np.asarray(xy, dtype=float).reshape(-1, 2), z, tilt, azimuth, exclude,
                                    self.buildings, self.histogram, radius_m=self.radius_m,
                                    min_elevation_deg=self.min_elevation_deg, north_offset_deg=self.north_offset_deg,
                                    trees=self.trees, tree_transmissivity=self.tree_transmissivity, progress=progress)


def prepare_shade(buildings, context, trees, weather: pd.DataFrame, assumptions, histogram, north_offset_deg: float,
                  roof_params: dict, quality=None, target_heights=None, with_shading: bool = True) -> Shade:
    """The :class:`Shade` of checked target buildings: their and the ``context``'s prisms, the ``trees``'
    crowns (:func:`analysis.ingest.trees.crowns`, optional) with their yearly transmissivity
    (:func:`analysis.ingest.trees.annual_transmissivity` on ``weather``), and ``histogram``.

    ``with_shading=False`` gives the open-sky case (no prisms, no crowns).
    """
    from analysis import shading

    sp = shading_params(assumptions)
    prisms = crowns = None
    tau = 1.0
    if with_shading:
        prisms = building_shaders(buildings, context, roof_params, quality, target_heights)
        if trees is not None and len(trees) and "trees" in assumptions.groups:
            from analysis.ingest.trees import annual_transmissivity

            tau = annual_transmissivity(weather, assumptions.level("trees"))
            crowns = shading.prepare_shaders(trees.geometry.to_numpy(), trees["height_m"].to_numpy(float))
    return Shade(prisms, crowns, tau, histogram, sp["radius_m"], sp["min_elevation_deg"], north_offset_deg)


def plane_potential(buildings, grid: pd.DataFrame, weather: pd.DataFrame, metadata: dict, assumptions, latitude: float,
                    context=None, progress=None, histogram=None, quality=None, with_shading: bool = True,
                    timings: dict | None = None, block_buildings: int = 300_000,
                    north_offset_deg: float | None = None, trees=None) -> pd.DataFrame:
    """Roof planes with shading, usable area, suitability and PV potential at low/central/high.

    This is the step the pipeline calls: roof planes from roof shapes → horizon from neighbours
    (targets and ``context``) → shaded irradiance via the sun-path histogram → shaded specific
    yield → usable area, suitability after shading, kWp and kWh per level.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Targets in a projected CRS [m]: ``building_id``, ``geometry``, ``levels``, ``height_m``
        [m] (top of the building) and, when known, ``use``, ``use_class``, ``roof_shape``,
        ``roof_shape_source``. Missing heights are filled from storeys and recorded.
    grid : pandas.DataFrame
        :func:`analysis.solar.place_yield_grid` (or :func:`analysis.solar.yield_grid`, then
        racks use the roof-mount yield, recorded in ``quality``).
    weather, metadata
        The place's hourly weather (for the sun-path histogram).
    assumptions : analysis.config.Assumptions
        With groups ``roofs``, ``pv``, ``shading``.
    latitude : float
        Place latitude [°].
    context : geopandas.GeoDataFrame, optional
        Buildings that cast shade but are not reported (e.g. beyond the study area's edge).
    progress : callable, optional
        ``progress(done, total)`` in buildings, after each block.
    histogram : analysis.shading.SunPathHistogram, optional
        Reused if given (it depends only on the weather and the grid's orientations).
    quality : analysis.quality.QualityLog, optional
        Records defaults used (missing heights, rack yield taken from the roof grid).
    with_shading : bool
        False skips neighbours (horizon 0 everywhere): the unshaded potential, same columns.
    timings : dict, optional
        Filled with wall seconds per sub-step (``roof planes``, ``sun-path histogram``,
        ``shading``, ``yields and capacity``), and under ``"cpu"`` the process's CPU seconds
        per sub-step, for the benchmark.
    block_buildings : int
        Buildings per spatial block (bounds memory; results do not depend on it). Big enough for
        a pipeline partition in one block: each block forks the shading workers anew, and every
        fork of a process of a few GB costs page-table copies and copy-on-write faults (London in
        blocks of 200,000: 53 s, 16 s of system time; in one block per partition: 47 s, 12 s).
    north_offset_deg : float, optional
        Grid bearing of true north for the place [°] (:func:`analysis.shading.grid_north_offset_deg`);
        by default taken at the centre of these buildings (give the place's own value when the
        buildings are one part of it, so every part uses the same).
    trees : geopandas.GeoDataFrame, optional
        Crowns that shade through their leaves (:func:`analysis.ingest.trees.crowns`: polygons with
        ``height_m``), in the buildings' CRS; their transmissivity over the year comes from the
        ``trees`` assumptions and the weather (:func:`analysis.ingest.trees.annual_transmissivity`).

    Returns
    -------
    pandas.DataFrame
        One row per plane: ``building_id``, ``plane``, ``roof_family``, ``tilt_deg``,
        ``azimuth_deg``, ``area_m2``, ``usable_m2``, ``module_m2``, ``mount``, ``is_flat``,
        ``roof_shape_assumed``, ``pv_kwh_per_kwp`` (shaded) and ``unshaded_pv_kwh_per_kwp``
        [kWh/kWp/yr], ``poa_kwh_per_m2`` and ``unshaded_poa_kwh_per_m2`` [kWh/m²/yr],
        ``shading_loss`` [0-1], ``sky_view_factor`` [0-1], ``horizon_mean_deg``,
        ``horizon_max_deg`` [°], ``relative_yield``, ``suitable`` and ``suitable_<level>``,
        ``kwp_<level>`` [kWp], ``kwh_<level>`` (shaded) [kWh/yr]; the potential as it would be
        without shading, central case: ``suitable_unshaded``, ``unshaded_kwp_central`` [kWp],
        ``unshaded_kwh_central`` [kWh/yr]; ``tree_loss``, the share of the plane's effective
        irradiance that trees take after buildings [0-1], and the central potential with buildings'
        shade but no trees, ``no_tree_kwp_central`` [kWp] and ``no_tree_kwh_central`` [kWh/yr]; ``building_row`` (row of the plane's building in
        ``buildings``, for lookups without string keys). Shares and horizon columns are
        float32. Rows come in spatial blocks (1 km strips), planes of a building together.
    """
    import time

    from analysis import shading, solar

    timings = {} if timings is None else timings
    cpu = timings.setdefault("cpu", {})
    clock = [time.perf_counter(), time.process_time()]

    def lap(name):
        now = time.perf_counter(), time.process_time()
        timings[name] = timings.get(name, 0.0) + now[0] - clock[0]
        cpu[name] = cpu.get(name, 0.0) + now[1] - clock[1]
        clock[:] = now

    roof_levels = _levels(assumptions, "roofs")
    central = roof_levels["central"]
    storey = assumptions.get("buildings", "storey_height_m") if "storey_height_m" in assumptions.groups.get("buildings", {}) else 3.0
    buildings = check_buildings(buildings, quality, storey)
    geoms = buildings.geometry.to_numpy()
    n = len(buildings)
    sp = shading_params(assumptions)
    if north_offset_deg is not None:
        offset = float(north_offset_deg)
    elif n:
        bx0, by0, bx1, by1 = buildings.total_bounds
        offset = shading.grid_north_offset_deg(buildings.crs, (bx0 + bx1) / 2, (by0 + by1) / 2)
    else:
        offset = 0.0
    # Per building once (shaders need every building): rectangles, roof family, shading height.
    dims = _mrr_dims(geoms)
    footprint = buildings["footprint_m2"].to_numpy(float)
    family, assumed = _classify_codes(buildings["roof_shape"], buildings["levels"], buildings["use"], footprint, central,
                                      buildings["use_class"], buildings["roof_shape_source"])
    dims = street_ridges(buildings, dims, family)
    height = buildings["height_m"].to_numpy(float)
    target_heights = height - _roof_rise(family, dims[2], height, central) / 2
    perimeter = shapely.length(geoms)
    lap("roof planes")
    tilts = np.unique(grid["tilt_deg"].to_numpy())
    azimuths = np.unique(grid["azimuth_deg"].to_numpy())
    if histogram is None:
        albedo = grid.attrs.get("albedo", assumptions.get("pv", "albedo") if "albedo" in assumptions.groups.get("pv", {}) else 0.2)
        histogram = shading.sun_path_histogram(weather, metadata, tilts, azimuths, sp["n_sectors"],
                                               sp["elevation_step_deg"], albedo)
    lap("sun-path histogram")
    shade_of = prepare_shade(buildings, context, trees, weather, assumptions, histogram, offset, central, quality,
                             target_heights, with_shading)
    release_memory()  # the edge arrays' temporaries
    lap("shading")
    pv = assumptions.groups.get("pv", {})
    best = float(grid["pv_kwh_per_kwp"].max())
    pv_table = solar.grid_table(grid, "pv_kwh_per_kwp")
    rack_grid = grid.dropna(subset=["pv_rack_kwh_per_kwp"]) if "pv_rack_kwh_per_kwp" in grid else None
    if rack_grid is not None:
        rack_nodes = np.unique(rack_grid["tilt_deg"].to_numpy()), np.unique(rack_grid["azimuth_deg"].to_numpy())
        rack_table = solar.grid_table(rack_grid, "pv_rack_kwh_per_kwp")
    base_loss = grid.attrs.get("losses_pct", assumptions.get("pv", "losses_pct") if "losses_pct" in pv else 14.08)
    loss_of = {lv: (assumptions.get("pv", "losses_pct", lv) if "losses_pct" in pv else base_loss) for lv in LEVELS}
    p_central = potential_params(roof_levels, "central")
    # Output columns preallocated (every family has a fixed number of planes) and filled block
    # by block: no per-block tables to concatenate, so the result is held once.
    total = int(PLANES_PER_FAMILY[family].sum()) if n else 0
    f8, f4 = np.float64, np.float32
    columns = {"plane": np.int8, "tilt_deg": f8, "azimuth_deg": f8, "area_m2": f8, "usable_m2": f8, "module_m2": f8,
               "is_flat": bool, "pv_kwh_per_kwp": f8, "relative_yield": f4,
               **{f"{c}_{lv}": t for lv in ("low", "central") for c, t in (("suitable", bool), ("kwp", f8), ("kwh", f8))},
               "suitable": bool, "suitable_high": bool, "kwp_high": f8, "kwh_high": f8, "unshaded_pv_kwh_per_kwp": f8, "poa_kwh_per_m2": f8, "unshaded_poa_kwh_per_m2": f8,
               "shading_loss": f4, "sky_view_factor": f4, "horizon_mean_deg": f4, "horizon_max_deg": f4,
               "suitable_unshaded": bool, "unshaded_kwp_central": f8, "unshaded_kwh_central": f8, "tree_loss": f4,
               "no_tree_kwp_central": f8, "no_tree_kwh_central": f8}
    out = {name: np.empty(total, dtype) for name, dtype in columns.items()}
    building_index, rack_of = np.empty(total, np.int64), np.empty(total, bool)
    # Buildings in spatial blocks (1 km strips): planes, shading and capacity of one block at a
    # time, so memory holds one block's working arrays plus the (lean) results.
    order = np.lexsort((dims[3][:, 0], np.floor(dims[3][:, 1] / 1000.0))) if n else np.empty(0, int)
    done, pos = 0, 0
    for start in range(0, n, block_buildings):
        idx = np.sort(order[start:start + block_buildings])
        a = _plane_arrays(family[idx], dims[0][idx], dims[1][idx], dims[2][idx], dims[3][idx], footprint[idx],
                          height[idx], perimeter[idx], central, latitude, offset, rack_flat=True)
        bi = idx[a["building_index"]]
        lap("roof planes")
        tilt, azimuth = a["tilt_deg"], a["azimuth_deg"]
        shade = shade_of.planes(np.column_stack([a["x"], a["y"]]), a["z"], tilt, azimuth, bi)
        lap("shading")
        rack = a["rack"]
        unshaded = solar.grid_lookup(tilts, azimuths, tilt, azimuth)(pv_table)
        if rack_grid is not None and rack.any():
            unshaded[rack] = solar.grid_lookup(*rack_nodes, tilt[rack], azimuth[rack])(rack_table)
        elif rack.any() and quality is not None:
            quality.default("roofs", "rack_pv_kwh_per_kwp", int(rack.sum()), "roof-mount grid",
                            "grid has no rack-mount column: flat-roof racks use the (warmer) roof-mount yield")
        specific = unshaded * shade["effective_ratio"]
        cap = _capacity_arrays(a["kind"], a["edge_m"], a["depth_m"], a["area_m2"], rack, specific, best, roof_levels)
        # System losses move yield, not capacity: scale kWh by (1 − loss) relative to the grid's own.
        for level, loss_level in (("low", "high"), ("central", "central"), ("high", "low")):
            cap[f"kwh_{level}"] *= (1 - loss_of[loss_level] / 100) / (1 - base_loss / 100)
        # Without shading (central case): suitability on the unshaded yield, for before/after tables.
        ok = (cap["module_m2"] >= p_central["min_array_module_m2"]) & (unshaded / best >= p_central["min_relative_yield"])
        unshaded_kwp = np.where(ok, cap["module_m2"] * p_central["module_density_kwp_per_m2"], 0.0)
        # Without trees (buildings' shade only), central case: what the trees take, suitability included.
        tree_loss = np.asarray(shade["tree_loss"], dtype=float)
        no_tree = np.where(tree_loss < 1, specific / np.maximum(1 - tree_loss, 1e-9), unshaded)
        ok_nt = (cap["module_m2"] >= p_central["min_array_module_m2"]) & (no_tree / best >= p_central["min_relative_yield"])
        no_tree_kwp = np.where(ok_nt, cap["module_m2"] * p_central["module_density_kwp_per_m2"], 0.0)
        block = {**a, **cap, "unshaded_pv_kwh_per_kwp": unshaded, "suitable_unshaded": ok,
                 "no_tree_kwp_central": no_tree_kwp,
                 "no_tree_kwh_central": no_tree_kwp * no_tree * (1 - loss_of["central"] / 100) / (1 - base_loss / 100),
                 "unshaded_kwp_central": unshaded_kwp,
                 "unshaded_kwh_central": unshaded_kwp * unshaded * (1 - loss_of["central"] / 100) / (1 - base_loss / 100)}
        for name in ("poa_kwh_per_m2", "unshaded_poa_kwh_per_m2", "shading_loss", "sky_view_factor",
                     "horizon_mean_deg", "horizon_max_deg", "tree_loss"):
            block[name] = shade[name]
        m = len(bi)
        for name, values in out.items():
            values[pos:pos + m] = block[name]
        building_index[pos:pos + m], rack_of[pos:pos + m] = bi, rack
        pos += m
        del a, cap, block, shade
        done += len(idx)
        release_memory()
        lap("yields and capacity")
        if progress is not None:
            progress(done, n)
    del shade_of
    result = pd.DataFrame({
        "building_id": _ids_take(buildings["building_id"], building_index), "plane": out.pop("plane"),
        "roof_family": _str_take(FAMILIES, family[building_index]),
        **{name: out.pop(name) for name in ("tilt_deg", "azimuth_deg", "area_m2", "usable_m2", "module_m2")},
        "mount": _str_take(("roof", "rack"), rack_of), "is_flat": out.pop("is_flat"),
        "roof_shape_assumed": assumed[building_index], **out,
        "building_row": building_index}, copy=False)
    lap("yields and capacity")
    return result
