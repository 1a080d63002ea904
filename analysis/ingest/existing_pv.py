"""Panels already on the roofs: mapped solar generators or a list of installations, attached to buildings.

Two sources, either or both:

* **OpenStreetMap** — generators tagged ``generator:source=solar`` in a place's ``.osm.pbf``
  (nodes and areas). Their size is read from ``generator:output:electricity`` where mappers gave
  one ("4 kW", "3.5 kWp"; "yes" says only that it makes electricity), else from the area of a
  mapped outline (module density of the ``pv`` assumptions), else a default per installation.
  Mappers often put one node on each row of panels: all untagged nodes on one building count as
  one installation.
* **A CSV of installations** — one row per installation: ``building_id`` or ``lat`` and ``lon``
  (WGS84), ``kwp`` and optionally ``year``.

OpenStreetMap's mapping of panels is incomplete and uneven (large, visible arrays are mapped more
often than a house's roof): the counts are a floor, and the book compares them with published
totals where a place has them.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import InputError
from analysis.quality import QualityLog

#: Columns of the store's ``existing_pv`` table.
COLUMNS = ["building_id", "kwp", "kwh", "kwp_source", "source", "ref", "year"]
#: A point this far [m] from every building is not attached (mapped in a yard, a car park, a field).
MAX_DISTANCE_M = 15.0
_KW = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(k|m)?w(?:p)?\s*$", re.IGNORECASE)


def parse_output_kw(values) -> np.ndarray:
    """kWp from ``generator:output:electricity`` text ("4 kW", "3.5 kWp", "1.2 MW"); NaN when none is given."""
    out = np.full(len(values), np.nan)
    for i, text in enumerate(values):
        if not isinstance(text, str):
            continue
        m = _KW.match(text)
        if m:
            number = float(m.group(1).replace(",", "."))
            unit = (m.group(2) or "").lower()
            out[i] = number * (1000.0 if unit == "m" else 1.0 if unit == "k" else 0.001)
    return out


def read_osm_solar(path, crs: str, bounding_box=None) -> gpd.GeoDataFrame:
    """Solar generators of an ``.osm.pbf`` extract: ``ref`` (n123/w456), ``kwp_tagged``, ``area_m2``, geometry.

    Returns an empty frame when the extract maps none.
    """
    import pyrosm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
        found = osm.get_data_by_custom_criteria(custom_filter={"generator:source": ["solar"]}, filter_type="keep",
                                                keep_nodes=True, keep_ways=True, keep_relations=True)
    empty = gpd.GeoDataFrame({"ref": [], "kwp_tagged": [], "area_m2": []}, geometry=[], crs=crs)
    if found is None or len(found) == 0:
        return empty
    found = found.set_crs(4326, allow_override=True).to_crs(crs)
    kind = found["osm_type"].astype(str).str[0] if "osm_type" in found else "x"
    ref = kind + found["id"].astype(str)
    tagged = parse_output_kw(found["generator:output:electricity"].to_numpy(dtype=object)
                             if "generator:output:electricity" in found else np.full(len(found), None))
    geom = found.geometry
    area = np.where(geom.geom_type.isin(["Polygon", "MultiPolygon"]), geom.area, 0.0)
    out = gpd.GeoDataFrame({"ref": ref.to_numpy(), "kwp_tagged": tagged, "area_m2": area}, geometry=geom.to_numpy(), crs=crs)
    return out.drop_duplicates("ref").reset_index(drop=True)


def place_installations(cfg, buildings: gpd.GeoDataFrame, log: QualityLog | None = None) -> pd.DataFrame:
    """The panels already on a place's buildings (real footprints): from the place's CSV
    (``existing_pv.file``) and the solar generators of its OSM buildings file (unless
    ``existing_pv.osm: false``), attached once for the whole place. Rows: :data:`COLUMNS` without ``kwh``."""
    a = cfg.assumptions
    spec = cfg.raw.get("existing_pv") or {}
    density = a.get("roofs", "module_density_kwp_per_m2")
    default = a.get("pv", "existing_pv_default_kwp")
    parts = []
    building_file = (cfg.raw.get("buildings") or {}).get("file", "")
    if spec.get("osm", True) and str(building_file).endswith(".pbf"):
        path = cfg.resolve(building_file)
        bounds = buildings.to_crs(4326).total_bounds if len(buildings) else None
        osm = read_osm_solar(path, cfg.crs, None if bounds is None else list(bounds))
        parts.append(attach(osm, buildings, None, density, default, "osm", log))
    if spec.get("file"):
        path = cfg.resolve(spec["file"])
        listed = read_installations_csv(path, cfg.crs, buildings["building_id"])
        parts.append(attach(listed, buildings, None, density, default, spec.get("source") or Path(path).name, log))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("kwp", "kwh", "year") else object) for c in COLUMNS})
    both = pd.concat(parts, ignore_index=True)
    # A building listed in both: the listed size wins (a register knows sizes; mappers rarely do).
    both["_listed"] = both["source"] != "osm"
    both = both.sort_values("_listed", ascending=False).drop_duplicates("building_id").drop(columns="_listed")
    return both.reset_index(drop=True)


def read_installations_csv(path, crs: str, building_ids=None) -> gpd.GeoDataFrame:
    """A place's list of installations: ``building_id`` or ``lat``/``lon``, ``kwp``, optional ``year``.

    Raises
    ------
    analysis.errors.InputError
        One line naming the file, the row and the fix: no way to place a row, a size that is not a
        positive number, an unknown building id, a duplicate row.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the installations ({type(exc).__name__})", path=path,
                         fix="give a CSV with columns building_id (or lat and lon), kwp[, year]") from exc
    cols = {c.strip().lower(): c for c in table.columns}
    if "kwp" not in cols:
        raise InputError("installations lack a kwp column", path=path, fix="add kwp: the size of each installation in kWp")
    has_id = "building_id" in cols
    has_point = "lat" in cols and "lon" in cols
    if not has_id and not has_point:
        raise InputError("installations have neither building_id nor lat and lon", path=path,
                         fix="give each row the building_id of its roof, or its lat and lon (WGS84)")
    kwp = pd.to_numeric(table[cols["kwp"]], errors="coerce")
    bad = ~np.isfinite(kwp) | (kwp <= 0) | (kwp > 1e5)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"kwp {str(table[cols['kwp']].iloc[i])[:20]!r} is not a size in kWp above 0", path=path,
                         record=f"row {i + 2}", fix="write the installed capacity in kWp, e.g. 3.6")
    year = pd.to_numeric(table[cols["year"]], errors="coerce") if "year" in cols else pd.Series(np.nan, index=table.index)
    key = [cols[c] for c in ("building_id", "lat", "lon", "kwp", "year") if c in cols]
    dup = table.duplicated(key)
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise InputError("the same installation is listed twice", path=path, record=f"row {i + 2}",
                         fix="keep one row per installation (or give them different sizes or years)")
    geometry = [None] * len(table)
    ids = table[cols["building_id"]].str.strip() if has_id else pd.Series([None] * len(table))
    if has_point:
        lat = pd.to_numeric(table[cols["lat"]], errors="coerce")
        lon = pd.to_numeric(table[cols["lon"]], errors="coerce")
        ok = lat.between(-90, 90) & lon.between(-180, 180)
        need = ~ok & (ids.isna() | (ids == "")).to_numpy()
        if need.any():
            i = int(np.flatnonzero(need.to_numpy())[0])
            raise InputError("a row has neither a building_id nor a valid lat and lon", path=path, record=f"row {i + 2}",
                             fix="give lat in -90..90 and lon in -180..180 (WGS84 degrees), or the building_id")
        points = gpd.GeoSeries(gpd.points_from_xy(lon.where(ok), lat.where(ok)), crs=4326).to_crs(crs)
        geometry = [p if good else None for p, good in zip(points, ok)]
    elif (ids.isna() | (ids == "")).any():
        i = int(np.flatnonzero((ids.isna() | (ids == "")).to_numpy())[0])
        raise InputError("a row has no building_id", path=path, record=f"row {i + 2}", fix="give every row its building_id")
    if building_ids is not None and has_id:
        known = pd.Index(pd.Series(building_ids).astype(str))
        given = ids.notna() & (ids != "")
        unknown = given & (known.get_indexer(ids.fillna("")) < 0)
        unknown &= pd.Series([g is None for g in geometry], index=table.index)  # a point can still place it
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            raise InputError(f"building_id {str(ids.iloc[i])[:40]!r} is not a building of the place", path=path,
                             record=f"row {i + 2}", fix="use the ids of the store's buildings table (or give lat and lon)")
    return gpd.GeoDataFrame({"ref": [f"{path.name}:{i + 2}" for i in range(len(table))], "building_id": ids.to_numpy(),
                             "kwp_tagged": kwp.to_numpy(dtype=float), "area_m2": 0.0, "year": year.to_numpy(dtype=float)},
                            geometry=geometry, crs=crs)


def with_yield(existing: pd.DataFrame, building_id, kwh_per_kwp, fallback: float | None = None) -> pd.DataFrame:
    """Existing panels of some buildings with their annual output: kWp × the yield of the building's roof
    [kWh/kWp]; where a roof has no suitable plane, ``fallback`` (the place's yield of a typical
    installation, so that the answer never depends on which buildings are processed together; the
    median of the given buildings when not given)."""
    ids = pd.Index(pd.Series(building_id).astype(str))
    rows = ids.get_indexer(existing["building_id"].astype(str))
    mine = existing[rows >= 0].copy()
    specific = np.asarray(kwh_per_kwp, dtype=float)
    if fallback is None:
        fallback = float(np.nanmedian(specific)) if np.isfinite(specific).any() else 0.0
    per = specific[rows[rows >= 0]]
    mine["kwh"] = mine["kwp"].to_numpy(dtype=float) * np.where(np.isfinite(per), per, fallback)
    return mine.reset_index(drop=True)


def attach(installations: gpd.GeoDataFrame | None, buildings: gpd.GeoDataFrame, yield_kwh_per_kwp: np.ndarray | None,
           module_kwp_per_m2: float, default_kwp: float, source: str, log: QualityLog | None = None) -> pd.DataFrame:
    """Existing panels on the buildings: one row per building with panels (:data:`COLUMNS`).

    A point goes to the building it lies in (else the nearest within :data:`MAX_DISTANCE_M`); an
    outline to the building its representative point lies in; a listed ``building_id`` to that
    building. Per building: tagged sizes are summed; outlines without a size count
    ``area × module_kwp_per_m2``; untagged points count one installation of ``default_kwp`` per
    building (rows of panels mapped as several points are one installation).

    Parameters
    ----------
    installations : GeoDataFrame or None
        From :func:`read_osm_solar` or :func:`read_installations_csv` (same CRS as ``buildings``).
    buildings : GeoDataFrame
        ``building_id`` and footprints.
    yield_kwh_per_kwp : array or None
        Per building, the annual yield of its roof [kWh/kWp] (NaN where it has no suitable plane);
        None leaves ``kwh`` empty (see :func:`with_yield`).
    module_kwp_per_m2 : float
        Module density [kWp/m²].
    default_kwp : float
        Size of an installation mapped without size or outline [kWp].
    source : str
        ``osm`` or the CSV's name.
    """
    log = log if log is not None else QualityLog()
    if installations is None or len(installations) == 0 or len(buildings) == 0:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("kwp", "kwh", "year") else object) for c in COLUMNS})
    inst = installations.reset_index(drop=True)
    row = np.full(len(inst), -1, dtype=np.int64)
    ids = pd.Index(buildings["building_id"].astype(str))
    if "building_id" in inst:
        given = inst["building_id"].notna() & (inst["building_id"].astype(str) != "")
        row[given.to_numpy()] = ids.get_indexer(inst.loc[given, "building_id"].astype(str))
    has_geom = inst.geometry.notna().to_numpy() & (row < 0)
    if has_geom.any():
        pts = inst.geometry[has_geom].representative_point()
        tree = shapely.STRtree(buildings.geometry.to_numpy())
        hit_in, hit_b = tree.query(pts.to_numpy(), predicate="within")
        where = np.flatnonzero(has_geom)
        found = np.full(len(where), -1, dtype=np.int64)
        found[hit_in] = hit_b
        miss = found < 0
        if miss.any():
            near_in, near_b = tree.query_nearest(pts.to_numpy()[miss], max_distance=MAX_DISTANCE_M)
            sub = np.flatnonzero(miss)
            found[sub[near_in]] = near_b
        row[where] = found
    placed = row >= 0
    log.record("existing_pv", source, records=len(inst), observed=int(placed.sum()),
               note=f"{int((~placed).sum())} mapped installation(s) not on a building of the place (outside it, or "
                    f"more than {MAX_DISTANCE_M:g} m from any)" if (~placed).any() else "")
    inst, row = inst[placed].reset_index(drop=True), row[placed]
    tagged = inst["kwp_tagged"].to_numpy(dtype=float)
    area = inst["area_m2"].to_numpy(dtype=float)
    outline = np.where(np.isnan(tagged) & (area > 0), area * module_kwp_per_m2, np.nan)
    untagged_point = np.isnan(tagged) & np.isnan(outline)
    frame = pd.DataFrame({"row": row, "tagged": np.nan_to_num(tagged), "outline": np.nan_to_num(outline),
                          "point": untagged_point, "ref": inst["ref"].astype(str),
                          "year": inst["year"].to_numpy(dtype=float) if "year" in inst else np.nan})
    g = frame.groupby("row")
    per = pd.DataFrame({"tagged": g["tagged"].sum(), "outline": g["outline"].sum(), "point": g["point"].any(),
                        "ref": g["ref"].agg(lambda r: ";".join(sorted(r))[:200]), "year": g["year"].min()})
    per["kwp"] = per["tagged"] + per["outline"] + np.where((per["tagged"] + per["outline"] == 0) & per["point"],
                                                           default_kwp, 0.0)
    per["kwp_source"] = np.select([per["tagged"] > 0, per["outline"] > 0], ["tagged", "outline"], "default")
    rows = per.index.to_numpy()
    per["kwh"] = np.nan
    per["building_id"] = buildings["building_id"].to_numpy()[rows]
    per["source"] = source
    log.record("existing_pv", "kwp", records=len(per), observed=int((per["kwp_source"] == "tagged").sum()),
               derived=int((per["kwp_source"] == "outline").sum()), imputed=int((per["kwp_source"] == "default").sum()),
               note=f"size from the mapped outline ({module_kwp_per_m2:g} kWp/m2) or {default_kwp:g} kWp a building "
                    "where mappers gave none")
    out = per[COLUMNS].reset_index(drop=True)
    return out if yield_kwh_per_kwp is None else with_yield(out, buildings["building_id"], yield_kwh_per_kwp)
