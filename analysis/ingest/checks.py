"""Checks of input files, areas and buildings by meaning, not only by type.

Pure functions the pipeline calls after reading; each returns a cleaned copy and records what it
dropped or fixed in an :class:`analysis.quality.QualityLog`. The rule for records (as for OSM
tags): an invalid record is **dropped and counted**, never fatal; a run is refused only when the
remainder is not meaningful (:data:`MIN_KEPT_SHARE`), and problems that make every number wrong
(a geographic CRS, counts that contradict each other in every area) are errors.

File guards (:func:`check_input_file`) refuse FIFOs, devices, sockets, folders and oversized
files **before** opening them, so no read can block or exhaust memory.
"""

from __future__ import annotations

import os
import re
import stat

import numpy as np
import pandas as pd

from analysis.errors import InputError

#: Default cap on any input file read whole [bytes]; larger inputs must be streamed by their reader.
MAX_INPUT_BYTES = 2 << 30
#: A run is refused when fewer than this share of records survive the checks.
MIN_KEPT_SHARE = 0.5

#: Plausible building attribute ranges: (low, high, unit). Values outside are dropped (counted).
BUILDING_RANGES = {
    "footprint_m2": (5.0, 100_000.0, "m²"),    # a garden shed .. the largest London footprints (~8 ha sheds)
    "height_m": (2.0, 330.0, "m"),             # one storey .. the Shard (310 m)
    "levels": (1.0, 100.0, "storeys"),
    "year_built": (1000.0, 2100.0, "year"),
    "dwellings": (0.0, 2_000.0, "homes"),
}
STOREY_HEIGHT_M = (2.2, 6.0)  # plausible height per storey [m]; outside it, the height/levels pair is dubious


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------

def special_file_problem(path) -> str | None:
    """Why ``path`` cannot be read as a data file (missing, folder, FIFO, device...), or None.

    Uses ``os.stat`` only: a FIFO or device is never opened (opening a FIFO blocks).
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "is a socket, not a regular file"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return None


def check_input_file(path, what: str, max_bytes: int = MAX_INPUT_BYTES, missing_fix: str = "check the path") -> int:
    """Refuse anything but a regular, non-empty file of at most ``max_bytes``; return its size.

    Parameters
    ----------
    path : path
        The input file.
    what : str
        What it should be ("weather file", "YAML file"), for the message.
    max_bytes : int
        Largest size accepted [bytes].
    missing_fix : str
        The fix suggested when the file does not exist.

    Returns
    -------
    int
        File size [bytes].
    """
    problem = special_file_problem(path)
    if problem == "does not exist":
        raise InputError("file not found", path=path, fix=missing_fix)
    if problem:
        raise InputError(f"{problem}", path=path, fix=f"name a {what} (a regular file)")
    size = os.stat(path).st_size
    if size == 0:
        raise InputError("file is empty", path=path, fix=f"export or download the {what} again")
    if size > max_bytes:
        raise InputError(f"is {_size(size)}, more than a {what} can be ({_size(max_bytes)})",
                         path=path, fix=f"check this is the right file (a {what})")
    return size


def _size(n: int) -> str:
    return f"{n / 2**20:,.0f} MB" if n >= 10 * 2**20 else f"{n / 2**10:,.0f} kB"


def read_bounded(path, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` of a regular file (refusing larger ones)."""
    check_input_file(path, "file", max_bytes)
    with open(path, "rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew while we read it
        raise InputError(f"larger than {max_bytes:,} bytes", path=path, fix="check this is the right file")
    return data


# --------------------------------------------------------------------------------------------
# Numbers as people write them
# --------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*(?:ca?\.?\s*|~\s*|c\s*)?([-+]?(?:\d+(?:[.,]\d+)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
                     r"(m|metres?|meters?|ft|feet|')?\s*$")


def parse_number(values, unit: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers as mappers and spreadsheets write them.

    Accepts ``"12"``, ``"1.2e2"`` (120), ``"12 m"``, ``"12m"``, ``"3,5"`` (3.5), ``"c. 7"``, and
    for a list such as ``"3;4"`` the largest value (a building with parts of 3 and 4 storeys
    has 4 at its tallest). Feet (``"30 ft"``, ``"30'"``) are converted to metres when
    ``unit="m"``. Anything else is NaN and flagged as not parsed.

    Parameters
    ----------
    values : array-like
        Raw values (strings, numbers or missing).
    unit : str
        ``"m"`` to convert feet to metres; ``""`` otherwise.

    Returns
    -------
    numbers : numpy.ndarray
        Parsed values (NaN where missing or unparsable).
    unparsed : numpy.ndarray of bool
        True where a value was present but could not be parsed.
    """
    series = pd.Series(values, dtype=object)
    present = series.notna() & (series.astype(str).str.strip() != "")
    out = np.full(len(series), np.nan)
    numeric = pd.to_numeric(series, errors="coerce")  # fast path: real numbers and plain strings
    done = numeric.notna().to_numpy()
    out[done] = numeric[done].to_numpy(dtype=float)
    todo = np.flatnonzero(present.to_numpy() & ~done)
    # Loop only over the few text values that are not plain numbers (e.g. "12 m", "3;4").
    for i in todo:
        best = np.nan
        for part in re.split(r"[;|]", str(series.iloc[i])):
            match = _NUMBER.match(part)
            if not match:
                best = np.nan
                break
            number = float(match.group(1).replace(",", "."))
            if match.group(2) in ("ft", "feet", "'") and unit == "m":
                number *= 0.3048
            best = number if np.isnan(best) else max(best, number)
        out[i] = best
    out[~np.isfinite(out)] = np.nan
    unparsed = present.to_numpy() & np.isnan(out)
    return out, unparsed


# --------------------------------------------------------------------------------------------
# Areas
# --------------------------------------------------------------------------------------------

TENURE_TOTALS = ("owner_occupied", "private_rented", "social_rented", "other_tenure")
COUNT_COLUMNS = ("households", "population", "dwellings", *TENURE_TOTALS, "owned_outright", "owned_mortgage",
                 "shared_ownership", "social_rented_council", "social_rented_other", "private_rented_landlord",
                 "private_rented_other", "rent_free", "elec_meters", "gas_meters")
#: Tenure totals may exceed households by this share (rounding and disclosure control in census tables).
TENURE_TOLERANCE = 0.02


def check_crs_projected(frame, path=None, what: str = "areas") -> None:
    """Refuse a geographic (degree) or missing CRS: areas and distances need metres."""
    crs = getattr(frame, "crs", None)
    if crs is None:
        raise InputError(f"the {what} have no CRS", path=path,
                         fix="set one (e.g. ogr2ogr -a_srs EPSG:27700) or add a .prj file")
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or not units <= {"metre", "meter"}:
        raise InputError(f"the {what} are in {crs.to_string()} ({'degrees' if crs.is_geographic else units}); "
                         "areas would be computed in degrees", path=path,
                         fix="set crs in place.yml to a projected CRS in metres, e.g. EPSG:27700 or the local UTM zone")


def check_coordinates_match_crs(frame, path=None, what: str = "features") -> None:
    """Refuse coordinates that cannot be in the file's CRS, before any reprojection.

    The classic case: a GeoJSON written in metres (e.g. British National Grid) without a
    ``crs`` member is, by RFC 7946, in WGS84 degrees — GDAL says EPSG:4326 and reprojecting
    530,000 "degrees" gives nonsense (or infinities) instead of an error.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        As read, in its own CRS (call before ``to_crs``).
    """
    crs = getattr(frame, "crs", None)
    if crs is None or not crs.is_geographic or len(frame) == 0:
        return
    minx, miny, maxx, maxy = frame.total_bounds
    if not (np.isfinite([minx, miny, maxx, maxy]).all() and -180 <= minx and maxx <= 180 and -90 <= miny
            and maxy <= 90):
        raise InputError(f"the {what} say {crs.to_string()} (degrees) but their coordinates reach "
                         f"{maxx:,.0f}, {maxy:,.0f}: they look like metres", path=path,
                         fix="state the real CRS in the file (GeoJSON without a crs member means WGS84), e.g. "
                             "ogr2ogr -a_srs EPSG:27700 out.gpkg in.geojson")


def check_areas(areas, log=None, path=None):
    """Check area statistics by meaning; fix what can be fixed, count it, refuse nonsense.

    * counts (households, dwellings, tenure ...) must be finite and >= 0 — negative values are
      set to missing (counted);
    * tenure totals must not exceed households (+ :data:`TENURE_TOLERANCE`): such areas get
      their tenure counts scaled down to households (counted, area ids noted). Tenure cannot
      outnumber the homes placed on buildings either: :func:`analysis.ownership.area_tenure_counts`
      applies each area's tenure *shares* to the dwellings actually placed, so the per-area
      tenure sums equal the homes by construction (no separate check is needed);
    * areas must have a positive area in a projected CRS.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Output of :func:`analysis.ingest.areas.read_areas`.
    log : analysis.quality.QualityLog, optional
        Receives one row per fixed field.
    path : path, optional
        The boundary file (for messages).

    Returns
    -------
    geopandas.GeoDataFrame
        A checked copy.

    Raises
    ------
    analysis.errors.InputError
        Geographic CRS; no households anywhere; tenure above households in more than half the areas.
    """
    check_crs_projected(areas, path)
    out = areas.copy()
    n = len(out)
    for col in COUNT_COLUMNS:
        if col not in out:
            continue
        values = pd.to_numeric(out[col], errors="coerce").astype(float)
        bad = ~np.isfinite(values) & out[col].notna() | (values < 0)
        if bad.any():
            first = out.loc[bad, "area_id"].iloc[0]
            values[bad] = np.nan
            if log is not None:
                log.record("areas", col, records=n, observed=int(out[col].notna().sum()), dropped=int(bad.sum()),
                           note=f"negative or non-finite counts set to missing (first: area {first})")
        out[col] = values
    if "households" in out and not (out["households"].fillna(0) > 0).any():
        raise InputError("no area has any households", path=path,
                         fix="check the households column mapping in areas.statistics")
    present = [c for c in TENURE_TOTALS if c in out]
    if present and "households" in out:
        tenure = out[present].sum(axis=1, min_count=1)
        hh = out["households"]
        over = (tenure > hh * (1 + TENURE_TOLERANCE) + 1) & hh.notna()
        if over.mean() > MIN_KEPT_SHARE:
            first = out.loc[over, "area_id"].iloc[0]
            raise InputError(f"tenure counts exceed households in {int(over.sum())} of {n} areas (e.g. area {first}: "
                             f"{tenure[over].iloc[0]:,.0f} > {hh[over].iloc[0]:,.0f})", path=path,
                             fix="check the tenure and household columns come from the same table and year")
        if over.any():
            scale = (hh[over] / tenure[over]).to_numpy()
            for col in present:
                out.loc[over, col] = out.loc[over, col].to_numpy() * scale
            if log is not None:
                log.record("areas", "tenure", records=n, dropped=int(over.sum()), derived=int(over.sum()),
                           note=f"tenure above households scaled down to households in {int(over.sum())} area(s), "
                                f"e.g. {', '.join(map(str, out.loc[over, 'area_id'].head(3)))}")
    if "area_ha" in out:
        tiny = ~(out["area_ha"] > 0)
        if tiny.any():
            raise InputError(f"area {out.loc[tiny, 'area_id'].iloc[0]} has no area", path=path,
                             fix="check the boundary polygons")
    return out


# --------------------------------------------------------------------------------------------
# Buildings
# --------------------------------------------------------------------------------------------

def check_buildings(buildings, areas=None, log=None, path=None, min_kept_share: float = MIN_KEPT_SHARE):
    """Check buildings by meaning: drop implausible records and values, count them.

    * a CRS in metres is required;
    * footprints outside :data:`BUILDING_RANGES` (e.g. a 100 km² "building") are **dropped**;
    * a footprint larger than the area it is assigned to, or lying mostly outside it, is dropped
      (when ``areas`` is given and buildings carry ``area_id``);
    * height, levels, year and dwellings outside their ranges are set to missing (the value is
      dropped, the building kept) and counted — later steps impute them, flagged;
    * a height per storey outside :data:`STOREY_HEIGHT_M` drops the height (levels kept).

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Our building vocabulary (``building_id``, ``footprint_m2``, ``height_m``, ``levels`` ...).
    areas : geopandas.GeoDataFrame, optional
        Areas with ``area_id`` and polygons in the same CRS.
    log : analysis.quality.QualityLog, optional
        Receives one row per checked field.
    path : path, optional
        Source file, for messages.
    min_kept_share : float
        Refuse the run when fewer buildings than this share survive. [fraction]

    Returns
    -------
    geopandas.GeoDataFrame
        The kept buildings (a copy), ``footprint_m2`` recomputed from the geometry.

    Raises
    ------
    analysis.errors.InputError
        No CRS / degrees, no buildings, or fewer than ``min_kept_share`` kept.
    """
    import shapely

    check_crs_projected(buildings, path, "buildings")
    n = len(buildings)
    if n == 0:
        raise InputError("no buildings", path=path, fix="check the buildings file holds polygon footprints")
    out = buildings.copy()
    geoms = out.geometry.to_numpy()
    footprint = shapely.area(geoms)
    low, high, unit = BUILDING_RANGES["footprint_m2"]
    drop = ~((footprint >= low) & (footprint <= high))
    reasons = {"footprint outside 5–100,000 m²": int(drop.sum())}
    if areas is not None and "area_id" in out:
        area_geom = areas.set_index("area_id").geometry
        own = area_geom.reindex(out["area_id"]).to_numpy()
        known = ~pd.isna(own)
        inside = np.ones(n, dtype=bool)
        if known.any():
            # Most footprints lie wholly inside their area (a cheap test on prepared polygons);
            # the costly intersection is only for those that cross a boundary.
            shapely.prepare(own[known])
            crossing = np.flatnonzero(known)[~shapely.contains(own[known], geoms[known])]
            inter = shapely.area(shapely.intersection(geoms[crossing], own[crossing]))
            inside[crossing] = inter >= 0.5 * footprint[crossing]
        outside = ~inside & ~drop
        reasons["footprint mostly outside its area"] = int(outside.sum())
        drop |= outside
    out["footprint_m2"] = footprint
    kept = out[~drop].copy()
    if log is not None:
        log.record("buildings", "footprint_m2", records=n, observed=n, parsed=int((~drop).sum()),
                   dropped=int(drop.sum()), note="; ".join(f"{k}: {v}" for k, v in reasons.items() if v))
    if len(kept) < max(1, min_kept_share * n):
        raise InputError(f"only {len(kept):,} of {n:,} buildings have a plausible footprint inside their area "
                         f"({'; '.join(f'{k}: {v:,}' for k, v in reasons.items() if v)})", path=path,
                         fix=f"check the CRS and units of the footprints (at least {min_kept_share:.0%} must be kept)")
    for col in ("height_m", "levels", "year_built", "dwellings"):
        if col not in kept:
            continue
        values, unparsed = parse_number(kept[col].to_numpy(), "m" if col == "height_m" else "")
        low, high, unit = BUILDING_RANGES[col]
        implausible = np.isfinite(values) & ((values < low) | (values > high))
        values[implausible] = np.nan
        kept[col] = values
        if log is not None and (unparsed.any() or implausible.any()):
            log.record("buildings", col, records=len(kept), dropped=int(unparsed.sum() + implausible.sum()),
                       note=f"unparsable: {int(unparsed.sum())}, outside {low:g}–{high:g} {unit}: "
                            f"{int(implausible.sum())}")
    if {"height_m", "levels"} <= set(kept.columns):
        per_storey = kept["height_m"].to_numpy(dtype=float) / kept["levels"].to_numpy(dtype=float)
        levels = kept["levels"].to_numpy(dtype=float)
        # Too low a storey is always wrong (e.g. "1.2e2" once read as 1.2 m); too tall only for blocks
        # (a one- or two-storey church or warehouse can be 15 m high).
        odd = np.isfinite(per_storey) & ((per_storey < STOREY_HEIGHT_M[0])
                                         | ((per_storey > STOREY_HEIGHT_M[1]) & (levels > 2)))
        if odd.any():
            kept.loc[odd, "height_m"] = np.nan
            if log is not None:
                log.record("buildings", "height_m", dropped=int(odd.sum()),
                           note=f"height per storey outside {STOREY_HEIGHT_M[0]}–{STOREY_HEIGHT_M[1]} m dropped")
    kept.attrs.update(buildings.attrs, implausible_dropped=int(drop.sum()))
    return kept

