"""Building footprints from files: GeoJSON, GPKG, Shapefile, GeoParquet (incl. Overture) and OSM.

All readers return one vocabulary: ``building_id``, ``use``, ``levels``, ``height_m`` [m],
``roof_shape``, ``year_built``, ``dwellings`` and a polygon geometry in the place's metric CRS,
plus flags saying which attributes were observed. Invalid geometries are repaired (counted),
empty or non-polygon features dropped (counted), missing CRS is an error.

OSM tags used: ``building`` (use), ``building:levels``, ``height``, ``roof:shape``,
``start_date``/``building:year``. Overture's ``class``, ``num_floors``, ``height``,
``roof_shape`` map the same way.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.ingest.areas import clean_geometries, read_vector

#: Source column candidates for each of our attributes (first match wins).
COLUMN_CANDIDATES = {
    "building_id": ["building_id", "id", "osm_id", "@id", "fid", "toid", "ID"],
    "use": ["use", "building", "class", "subtype", "building_use"],
    "levels": ["levels", "building:levels", "building_levels", "num_floors", "storeys"],
    "height_m": ["height_m", "height", "building:height"],
    "roof_shape": ["roof_shape", "roof:shape"],
    "year_built": ["year_built", "start_date", "building:year", "construction_year"],
    "dwellings": ["dwellings", "building:flats", "flats", "units"],
}
STOREY_HEIGHT_M = 3.0
DEFAULT_LEVELS = 2.0
OVERPASS_URL = "https://overpass-api.de/api/interpreter"


def _first(frame: pd.DataFrame, names: list[str], mapping: dict, key: str):
    if key in mapping:
        if mapping[key] not in frame.columns:
            raise InputError(f"column {mapping[key]!r} (mapped to {key}) not in the file",
                             fix=f"available columns: {', '.join(map(str, list(frame.columns)[:10]))}")
        return frame[mapping[key]]
    for name in names:
        if name in frame.columns:
            return frame[name]
    return None


def _numeric(series, path, column, low, high) -> np.ndarray:
    if series is None:
        return np.full(0, np.nan)
    text = series.astype(str).str.extract(r"(-?\d+(?:\.\d+)?)")[0]
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
    bad = (values < low) | (values > high)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError(f"{column} = {values[i]:g} is outside {low}–{high}", path=path, record=f"feature {i}",
                         fix=f"check the {column} unit (metres, storeys) or remove the value")
    return values


def normalise_buildings(frame: gpd.GeoDataFrame, path=None, mapping: dict | None = None) -> gpd.GeoDataFrame:
    """Map a footprint table onto our columns and fill gaps with flagged assumptions.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Footprints in a projected CRS [m].
    path : path, optional
        Source file, for messages.
    mapping : dict, optional
        ``{our_name: source_column}`` overriding :data:`COLUMN_CANDIDATES`.

    Returns
    -------
    geopandas.GeoDataFrame
        Our vocabulary plus ``height_assumed``, ``levels_assumed``, ``age_assumed`` flags and
        ``synthetic`` = False.
    """
    mapping = mapping or {}
    n = len(frame)
    ids = _first(frame, COLUMN_CANDIDATES["building_id"], mapping, "building_id")
    ids = pd.Series(np.arange(n), index=frame.index).astype(str) if ids is None else ids.astype(str)
    dup = ids.duplicated()
    if dup.any():
        raise InputError(f"duplicate building id {ids[dup].iloc[0]!r} ({int(dup.sum())} duplicates)", path=path,
                         fix="give each footprint a unique id, or drop the id column to number them")
    out = gpd.GeoDataFrame({"building_id": ids.to_numpy()}, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    use = _first(frame, COLUMN_CANDIDATES["use"], mapping, "use")
    out["use"] = (use.fillna("yes").astype(str).str.lower().to_numpy() if use is not None else "yes")
    levels = _numeric(_first(frame, COLUMN_CANDIDATES["levels"], mapping, "levels"), path, "levels", 0, 200)
    height = _numeric(_first(frame, COLUMN_CANDIDATES["height_m"], mapping, "height_m"), path, "height", 0, 1000)
    levels = levels if levels.size else np.full(n, np.nan)
    height = height if height.size else np.full(n, np.nan)
    out["levels_assumed"] = np.isnan(levels)
    out["height_assumed"] = np.isnan(height)
    levels = np.where(np.isnan(levels), np.where(np.isnan(height), DEFAULT_LEVELS, np.round(height / STOREY_HEIGHT_M)), levels)
    out["levels"] = np.maximum(levels, 1.0)
    out["height_m"] = np.where(np.isnan(height), out["levels"] * STOREY_HEIGHT_M, height)
    roof = _first(frame, COLUMN_CANDIDATES["roof_shape"], mapping, "roof_shape")
    out["roof_shape"] = roof.where(roof.notna(), None).to_numpy() if roof is not None else None
    year = _numeric(_first(frame, COLUMN_CANDIDATES["year_built"], mapping, "year_built"), path, "year_built", 1000, 2100)
    out["year_built"] = year if year.size else np.nan
    out["age_assumed"] = np.isnan(out["year_built"].to_numpy(dtype=float))
    dwell = _numeric(_first(frame, COLUMN_CANDIDATES["dwellings"], mapping, "dwellings"), path, "dwellings", 0, 5000)
    out["dwellings"] = dwell if dwell.size else np.nan
    out["footprint_m2"] = out.geometry.area
    out["synthetic"] = False
    out.attrs.update(frame.attrs)
    return out


def read_buildings(path, crs: str, mapping: dict | None = None, layer=None) -> gpd.GeoDataFrame:
    """Read footprints from GeoJSON, GPKG, Shapefile, GeoParquet or OSM PBF.

    Parameters
    ----------
    path : path
        Footprint file. ``.osm.pbf`` goes through :func:`read_osm_pbf`.
    crs : str
        The place's projected CRS (e.g. ``EPSG:27700``).
    mapping : dict, optional
        Column mapping ``{our_name: source_column}``.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`normalise_buildings`; ``attrs`` holds ``repaired`` and ``dropped`` counts.
    """
    path = Path(path)
    if path.name.endswith(".osm.pbf") or path.suffix == ".pbf":
        return read_osm_pbf(path, crs)
    if path.suffix.lower() in (".parquet", ".geoparquet") and is_overture(path):
        return read_overture(path, crs, mapping)
    frame = read_vector(path, crs, layer=layer, what="buildings")
    return normalise_buildings(frame, path, mapping)


OVERTURE_COLUMNS = {"id", "geometry", "num_floors", "class", "subtype", "roof_shape", "height"}


def is_overture(path) -> bool:
    """True for an Overture Maps buildings parquet (its column names; CRS is always EPSG:4326)."""
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path).names)
    except Exception:
        return False
    return {"id", "geometry"} <= names and len(names & (OVERTURE_COLUMNS - {"id", "geometry"})) >= 2


def read_overture(path, crs: str, mapping: dict | None = None, bounding_box=None) -> gpd.GeoDataFrame:
    """Overture Maps buildings (GeoParquet, EPSG:4326) read with DuckDB, optionally within a WGS84 box.

    Parameters
    ----------
    path : path
        Overture ``theme=buildings/type=building`` parquet file (or a local extract of it).
    crs : str
        Target projected CRS.
    bounding_box : sequence of float, optional
        ``(minx, miny, maxx, maxy)`` in degrees; filters on the geometry's extent.
    """
    from analysis import store

    con = store.connect()
    try:
        cols = {r[0]: r[1] for r in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()}
        geom = "geometry" if cols["geometry"].upper().startswith("GEOMETRY") else "ST_GeomFromWKB(geometry)"
        keep = [c for c in ("id", "class", "subtype", "height", "num_floors", "roof_shape") if c in cols]
        where, params = "", [str(path)]
        if bounding_box is not None:
            where = "WHERE ST_Intersects(g, ST_MakeEnvelope(?, ?, ?, ?))"
            params += [float(v) for v in bounding_box]
        sql = (f"SELECT {', '.join(store.quote_identifier(c) for c in keep)}, ST_AsWKB(g) AS wkb FROM "
               f"(SELECT *, {geom} AS g FROM read_parquet(?)) {where}")
        frame = con.execute(sql, params).df()
    except Exception as exc:
        raise InputError(f"cannot read the Overture parquet ({str(exc).splitlines()[0][:140]})", path=path,
                         fix="download the buildings theme again (e.g. with overturemaps download --type=building)") from exc
    finally:
        con.close()
    if frame.empty:
        raise InputError("no buildings in the Overture file (or inside the box)", path=path, fix="check the extent")
    geoms = gpd.GeoSeries.from_wkb(frame.pop("wkb").apply(bytes), crs=4326)
    out = gpd.GeoDataFrame(frame, geometry=geoms.to_numpy(), crs=4326).to_crs(crs)
    out = clean_geometries(out, path, "buildings")
    mapping = {"building_id": "id", **({"use": "class"} if "class" in out else {}), **(mapping or {})}
    return normalise_buildings(out, path, mapping)


def read_osm_pbf(path, crs: str, bounding_box=None) -> gpd.GeoDataFrame:
    """Buildings from an OpenStreetMap ``.osm.pbf`` extract (via pyrosm).

    Parameters
    ----------
    path : path
        OSM PBF extract (e.g. from Geofabrik or BBBike).
    crs : str
        Target projected CRS.
    bounding_box : list of float, optional
        ``[minx, miny, maxx, maxy]`` in WGS84 to read only part of the extract.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, fix="download an .osm.pbf extract for your place")
    try:
        import pyrosm
    except ImportError as exc:
        raise InputError("pyrosm is needed to read .osm.pbf files", fix="pip install pyrosm") from exc
    try:
        osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
        frame = osm.get_buildings(extra_attributes=["roof:shape", "building:levels", "height", "start_date"])
    except Exception as exc:
        raise InputError(f"cannot read the OSM extract ({type(exc).__name__}: {str(exc)[:120]})", path=path,
                         fix="download the extract again (it may be truncated)") from exc
    if frame is None or len(frame) == 0:
        raise InputError("no buildings in the OSM extract", path=path, fix="choose an extract that covers your place")
    frame = frame.rename(columns={"id": "osm_id"})
    frame["osm_id"] = frame["osm_type"].astype(str).str[0] + frame["osm_id"].astype(str) if "osm_type" in frame else frame["osm_id"]
    frame = frame.set_crs(4326, allow_override=True) if frame.crs is None else frame
    frame = clean_geometries(frame.to_crs(crs), path, "buildings")
    frame = frame.drop_duplicates("osm_id")
    return normalise_buildings(frame, path, {"building_id": "osm_id"})


def overpass_query(bbox_wgs84) -> str:
    """Overpass QL for all building ways/relations in a WGS84 bounding box (south, west, north, east)."""
    minx, miny, maxx, maxy = bbox_wgs84
    box = f"{miny:.6f},{minx:.6f},{maxy:.6f},{maxx:.6f}"
    return f"[out:json][timeout:180];(way[\"building\"]({box});relation[\"building\"][\"type\"=\"multipolygon\"]({box}););out body;>;out skel qt;"


def osm_json_to_geojson(payload: dict) -> dict:
    """Turn an Overpass JSON answer (ways with node references) into a GeoJSON FeatureCollection."""
    nodes = {e["id"]: (e["lon"], e["lat"]) for e in payload.get("elements", []) if e["type"] == "node"}
    features = []
    for e in payload.get("elements", []):
        if e["type"] != "way" or "tags" not in e or "building" not in e["tags"]:
            continue
        ring = [nodes[n] for n in e.get("nodes", []) if n in nodes]
        if len(ring) < 4 or ring[0] != ring[-1]:
            continue
        tags = e["tags"]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"osm_id": f"w{e['id']}", **{k: tags.get(k) for k in (
                             "building", "building:levels", "height", "roof:shape", "start_date", "building:flats")}}})
    return {"type": "FeatureCollection", "features": features}


def fetch_osm_buildings(bbox_wgs84, out_path, url: str = OVERPASS_URL, timeout: int = 300) -> Path:
    """Download real OSM buildings for a bounding box to GeoJSON (needs internet; never used by tests).

    Parameters
    ----------
    bbox_wgs84 : sequence of float
        ``(minx, miny, maxx, maxy)`` in degrees.
    out_path : path
        GeoJSON file to write (EPSG:4326).
    """
    data = urllib.parse.urlencode({"data": overpass_query(bbox_wgs84)}).encode()
    request = urllib.request.Request(url, data=data, headers={"User-Agent": "bringing-energy-home/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.load(response)
    except OSError as exc:
        raise InputError(f"could not reach the Overpass API ({exc})", fix="check your internet connection, or "
                         "download an .osm.pbf extract and set buildings.file to it") from exc
    geojson = osm_json_to_geojson(payload)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(geojson))
    return out_path


def assign_areas(buildings: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give each building the area containing its centroid; count and drop those outside all areas."""
    points = gpd.GeoDataFrame({"_row": np.arange(len(buildings))}, geometry=buildings.geometry.representative_point(),
                              crs=buildings.crs)
    joined = gpd.sjoin(points, areas[["area_id", "geometry"]], how="left", predicate="within")
    joined = joined.drop_duplicates("_row").sort_values("_row")
    out = buildings.copy()
    out["area_id"] = joined["area_id"].to_numpy()
    outside = out["area_id"].isna()
    out = out[~outside].copy()
    out.attrs.update(buildings.attrs, outside=int(outside.sum()))
    if out.empty:
        raise InputError("no building lies inside any area", path=buildings.attrs.get("source"),
                         fix="check both files cover the same place and CRS")
    return out
