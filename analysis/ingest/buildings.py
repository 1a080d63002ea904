"""Building footprints from files: GeoJSON, GPKG, Shapefile, GeoParquet (incl. Overture) and OSM.

All readers return one vocabulary of **observed** attributes, parsed from whatever the source
holds (OSM tags are free text: "12 m", "3;4", "c1890" — see :mod:`analysis.ingest.tags`), with
a provenance label per field. Values that cannot be parsed or are implausible are dropped and
counted in the :class:`analysis.quality.QualityLog` — a bad tag is never fatal; a file is
rejected only when it is unreadable or holds no usable polygons. Gaps are filled later, with
their own provenance, by :mod:`analysis.attributes` (levels, height, use, age) and
:mod:`analysis.homes` (dwellings).

Columns returned (NaN/None where the source says nothing):

* ``building_id``, geometry (place CRS, metres), ``footprint_m2`` [m²], ``synthetic`` (False);
* ``use`` — the ``building`` tag in lower case (``yes`` when only "a building" is known), and the
  context tags ``building_use``, ``amenity``, ``shop``, ``office``, ``tourism``, ``healthcare``,
  ``leisure``, ``religion``, ``operator``, ``name``; from an OSM extract also ``landuse`` (the
  landuse polygon holding the footprint) and ``poi_count`` (shops, amenities, offices inside);
* ``levels`` [storeys] and ``height_m`` [m] with ``levels_source`` / ``height_source``
  (``observed``; ``derived`` when one was computed from the other or from ``building:part``
  areas); ``roof_shape`` (OSM ``roof:shape`` keyword) and ``roof_shape_source``; ``roof_levels``;
  ``year_built`` with ``age_source``; ``flats`` (``building:flats``) with ``flats_source``.

``building:part`` areas are read for heights only: each part's height and levels raise those of
the building that contains it (so no roof is counted twice); parts outside any building are
counted and ignored.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis.errors import InputError
from analysis.ingest import tags as T
from analysis.ingest.areas import clean_geometries, read_vector
from analysis.quality import DERIVED, OBSERVED, QualityLog

#: Source column candidates for each raw attribute (first match wins; a place may map its own).
COLUMN_CANDIDATES = {
    "building_id": ["building_id", "id", "osm_id", "@id", "fid", "toid", "ID"],
    "use": ["use", "building", "class", "building_use_class"],
    "building_use": ["building:use", "building_use"],
    "levels": ["levels", "building:levels", "building_levels", "num_floors", "storeys", "floors"],
    "height_m": ["height_m", "height", "building:height"],
    "roof_shape": ["roof_shape", "roof:shape"],
    "roof_levels": ["roof_levels", "roof:levels"],
    "year_built": ["year_built", "start_date", "building:year", "construction_year", "construction_date"],
    "flats": ["flats", "building:flats", "dwellings", "units"],
    **{tag: [tag] for tag in ("amenity", "shop", "office", "tourism", "healthcare", "leisure", "religion",
                              "operator", "name")},
}
#: ``roof:shape`` keywords understood downstream (OSM wiki Key:roof:shape, plus common variants).
ROOF_SHAPES = {"flat", "gabled", "hipped", "half-hipped", "half_hipped", "pyramidal", "skillion", "mansard",
               "gambrel", "dome", "onion", "round", "saltbox", "double_saltbox", "quadruple_saltbox", "cone",
               "side_hipped", "butterfly", "sawtooth", "gable", "pitched", "crosspitched", "cross_gabled"}
#: Storey height used to derive one of height/levels from the other [m] (an assumption with a
#: range lives in ``analysis/data/assumptions.yml``, group ``buildings``; this is the parser's
#: fixed conversion, recorded as ``derived``).
STOREY_HEIGHT_M = 3.0
#: Plausible ranges: values outside are dropped and counted.
LEVELS_RANGE = (1.0, 100.0)
HEIGHT_RANGE_M = (2.0, 400.0)
FLATS_RANGE = (1.0, 3000.0)
#: Tags that say a building is listed or protected (any value but "no"), and ``historic=building``.
HERITAGE_TAGS = ("listed_status", "heritage", "HE_ref", "listed")
#: Building types whose roofs carry no panels: glasshouses, and train sheds (glazed or operational roofs;
#: stations' panels come with a roof renewal, as at King's Cross, not from a roof owner's decision).
GLAZED_BUILDINGS = {"greenhouse", "glasshouse", "train_station"}
#: Roof constraints a building can carry (empty: none).
ROOF_CONSTRAINTS = ("", "listed", "glazed")
OSM_EXTRA_TAGS = ["building:levels", "height", "roof:shape", "roof:levels", "start_date", "building:flats",
                  "listed_status", "heritage", "HE_ref", "historic", "roof:material",
                  "building:use", "amenity", "shop", "office", "tourism", "healthcare", "leisure", "religion",
                  "operator", "name", "construction_date"]
OVERPASS_URL = "https://overpass-api.de/api/interpreter"


def _first(frame: pd.DataFrame, names: list[str], mapping: dict, key: str, path=None):
    if key in mapping:
        if mapping[key] not in frame.columns:
            raise InputError(f"column {mapping[key]!r} (mapped to {key}) not in the file", path=path,
                             fix=f"available columns: {', '.join(map(str, list(frame.columns)[:10]))}")
        return frame[mapping[key]]
    for name in names:
        if name in frame.columns:
            return frame[name]
    return None


def _log_parse(log: QualityLog | None, field: str, status: np.ndarray, raw) -> None:
    if log is None:
        return
    observed = int(np.sum(status != T.MISSING))
    dropped = status == T.DROPPED
    example = ""
    if dropped.any():
        values = pd.Series(raw, dtype="object").to_numpy()[dropped][:3]
        example = "dropped e.g. " + ", ".join(repr(str(v))[:30] for v in values)
    log.record("buildings", field, records=len(status), observed=observed, parsed=int(np.sum(status == T.PARSED)),
               dropped=int(dropped.sum()), note=example)


def roof_constraints(frame: pd.DataFrame, building_type: np.ndarray) -> np.ndarray:
    """``listed`` / ``glazed`` / ``""`` per footprint from its tags (:data:`HERITAGE_TAGS`,
    ``historic=building``, ``roof:material=glass``, :data:`GLAZED_BUILDINGS`); glazed wins."""
    n = len(frame)

    def tag(name):
        if name not in frame.columns:
            return np.full(n, "", dtype=object)
        values = frame[name].astype(object).where(frame[name].notna(), "").astype(str).str.strip().str.lower()
        return values.to_numpy(dtype=object)

    listed = np.zeros(n, dtype=bool)
    for name in HERITAGE_TAGS:
        v = tag(name)
        listed |= (v != "") & (v != "no") & (v != "none")
    listed |= tag("historic") == "building"
    glazed = (tag("roof:material") == "glass") | np.isin(np.asarray(building_type, dtype=object), list(GLAZED_BUILDINGS))
    return np.where(glazed, "glazed", np.where(listed, "listed", "")).astype(object)


def normalise_buildings(frame: gpd.GeoDataFrame, path=None, mapping: dict | None = None,
                        log: QualityLog | None = None) -> gpd.GeoDataFrame:
    """Map a footprint table onto our vocabulary of observed attributes (see the module docstring).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Footprints in a projected CRS [m], with the source's columns (OSM tag names or others).
    path : path, optional
        Source file, for messages.
    mapping : dict, optional
        ``{our_name: source_column}`` overriding :data:`COLUMN_CANDIDATES`.
    log : analysis.quality.QualityLog, optional
        Receives observed/parsed/dropped counts per field.

    Returns
    -------
    geopandas.GeoDataFrame
    """
    mapping = dict(mapping or {})
    col = lambda key: _first(frame, COLUMN_CANDIDATES[key], mapping, key, path)  # noqa: E731
    n = len(frame)
    ids = col("building_id")
    ids = pd.Series(np.arange(n), index=frame.index).astype(str) if ids is None else ids.astype(str)
    dup = ids.duplicated()
    if dup.any():
        raise InputError(f"duplicate building id {ids[dup].iloc[0]!r} ({int(dup.sum())} duplicates)", path=path,
                         record=f"feature {int(np.argmax(dup.to_numpy()))}",
                         fix="give each footprint a unique id, or drop the id column to number them")
    out = gpd.GeoDataFrame({"building_id": ids.to_numpy()}, geometry=frame.geometry.to_numpy(), crs=frame.crs)
    nothing = pd.Series([None] * n, dtype="object")

    def text(key, lower=False):
        values = col(key)
        if values is None:
            return nothing.to_numpy()
        cleaned = T._text(values.to_numpy()).tolist()
        return np.array([None if v is None else (v.lower() if lower else v)[:200] for v in cleaned], dtype=object)

    out["use"] = np.where(pd.isna(use := text("use", lower=True)), "yes", use).astype(object)
    for key in ("building_use", "amenity", "shop", "office", "tourism", "healthcare", "leisure", "religion"):
        out[key] = text(key, lower=True)
    out["operator"], out["name"] = text("operator"), text("name")
    out["roof_constraint"] = roof_constraints(frame, out["use"].to_numpy(dtype=object))
    for key in ("landuse", "poi_count"):
        out[key] = frame[key].to_numpy() if key in frame.columns else (None if key == "landuse" else 0)

    raw_levels, raw_height = col("levels"), col("height_m")
    levels, s_levels = T.parse_count(nothing if raw_levels is None else raw_levels.to_numpy(), *LEVELS_RANGE)
    height, s_height = T.parse_length_m(nothing if raw_height is None else raw_height.to_numpy(), *HEIGHT_RANGE_M)
    _log_parse(log, "levels", s_levels, nothing if raw_levels is None else raw_levels)
    _log_parse(log, "height_m", s_height, nothing if raw_height is None else raw_height)
    # Building parts (OSM) can give heights where the outline has none.
    part_levels = frame["part_levels"].to_numpy(dtype=float) if "part_levels" in frame else np.full(n, np.nan)
    part_height = frame["part_height_m"].to_numpy(dtype=float) if "part_height_m" in frame else np.full(n, np.nan)
    levels_src = np.where(np.isfinite(levels), OBSERVED, None).astype(object)
    height_src = np.where(np.isfinite(height), OBSERVED, None).astype(object)
    from_parts = ~np.isfinite(levels) & np.isfinite(part_levels)
    levels = np.where(from_parts, part_levels, levels)
    levels_src[from_parts] = DERIVED
    from_parts = ~np.isfinite(height) & np.isfinite(part_height)
    height = np.where(from_parts, part_height, height)
    height_src[from_parts] = DERIVED
    # One from the other (fixed storey height; recorded as derived).
    from_height = ~np.isfinite(levels) & np.isfinite(height)
    levels = np.where(from_height, np.maximum(np.round(height / STOREY_HEIGHT_M), 1.0), levels)
    levels_src[from_height] = DERIVED
    from_levels = ~np.isfinite(height) & np.isfinite(levels)
    height = np.where(from_levels, levels * STOREY_HEIGHT_M, height)
    height_src[from_levels] = DERIVED
    if log is not None:
        log.record("buildings", "levels", derived=int(np.sum(levels_src == DERIVED)))
        log.record("buildings", "height_m", derived=int(np.sum(height_src == DERIVED)))
    out["levels"], out["levels_source"] = levels, levels_src
    out["height_m"], out["height_source"] = height, height_src

    raw = col("roof_shape")
    shape, s_shape = T.parse_keyword(nothing if raw is None else raw.to_numpy(), ROOF_SHAPES)
    _log_parse(log, "roof_shape", s_shape, nothing if raw is None else raw)
    out["roof_shape"] = shape
    out["roof_shape_source"] = np.where(s_shape == T.PARSED, OBSERVED, None).astype(object)
    raw = col("roof_levels")
    roof_levels, _ = T.parse_count(nothing if raw is None else raw.to_numpy(), 0.0, 5.0)
    out["roof_levels"] = roof_levels
    raw = col("year_built")
    year, s_year = T.parse_year(nothing if raw is None else raw.to_numpy())
    _log_parse(log, "year_built", s_year, nothing if raw is None else raw)
    out["year_built"] = year
    out["age_source"] = np.where(np.isfinite(year), OBSERVED, None).astype(object)
    raw = col("flats")
    flats, s_flats = T.parse_count(nothing if raw is None else raw.to_numpy(), *FLATS_RANGE, allow_fraction=False)
    _log_parse(log, "flats", s_flats, nothing if raw is None else raw)
    out["flats"] = flats
    out["flats_source"] = np.where(np.isfinite(flats), OBSERVED, None).astype(object)
    out["footprint_m2"] = out.geometry.area
    out["synthetic"] = False
    out.attrs.update(frame.attrs)
    if log is not None:
        log.record("buildings", "footprint", records=n, observed=n, parsed=n,
                   note=f"{frame.attrs.get('repaired', 0)} invalid polygons repaired, "
                        f"{frame.attrs.get('dropped', 0)} empty or non-polygon features dropped")
    return out


def read_buildings(path, crs: str, mapping: dict | None = None, layer=None, log: QualityLog | None = None,
                   bounding_box=None) -> gpd.GeoDataFrame:
    """Read footprints from GeoJSON, GPKG, Shapefile, GeoParquet (incl. Overture) or OSM PBF.

    Parameters
    ----------
    path : path
        Footprint file. ``.osm.pbf`` goes through :func:`read_osm_pbf`.
    crs : str
        The place's projected CRS (e.g. ``EPSG:27700``).
    mapping : dict, optional
        Column mapping ``{our_name: source_column}``.
    log : analysis.quality.QualityLog, optional
        Receives per-field observed/parsed/dropped counts.

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`normalise_buildings`; ``attrs`` holds ``repaired`` and ``dropped`` counts.
    """
    path = Path(path)
    if path.name.endswith(".osm.pbf") or path.suffix == ".pbf":
        return read_osm_pbf(path, crs, bounding_box=bounding_box, log=log)
    if path.suffix.lower() in (".parquet", ".geoparquet") and is_overture(path):
        return read_overture(path, crs, mapping, bounding_box=bounding_box, log=log)
    frame = read_vector(path, crs, layer=layer, what="buildings")
    return normalise_buildings(frame, path, mapping, log)


OVERTURE_COLUMNS = {"id", "geometry", "num_floors", "class", "subtype", "roof_shape", "height"}


def is_overture(path) -> bool:
    """True for an Overture Maps buildings parquet (its column names; CRS is always EPSG:4326)."""
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path).names)
    except Exception:
        return False
    return {"id", "geometry"} <= names and len(names & (OVERTURE_COLUMNS - {"id", "geometry"})) >= 2


def read_overture(path, crs: str, mapping: dict | None = None, bounding_box=None,
                  log: QualityLog | None = None) -> gpd.GeoDataFrame:
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
    return normalise_buildings(out, path, mapping, log)


def read_osm_pbf(path, crs: str, bounding_box=None, log: QualityLog | None = None) -> gpd.GeoDataFrame:
    """Buildings from an OpenStreetMap ``.osm.pbf`` extract (via pyrosm), with their context.

    Besides the building outlines (ways and multipolygon relations) it reads ``building:part``
    areas (heights only, see the module docstring), ``landuse`` polygons (the one holding each
    footprint's representative point) and shops, amenities and offices mapped as points or areas
    inside footprints (``poi_count``), which :mod:`analysis.attributes` uses to tell homes from
    shops and offices.

    Parameters
    ----------
    path : path
        OSM PBF extract (e.g. from Geofabrik or BBBike).
    crs : str
        Target projected CRS.
    bounding_box : list of float, optional
        ``[minx, miny, maxx, maxy]`` in WGS84 to read only part of the extract.
    log : analysis.quality.QualityLog, optional
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, fix="download an .osm.pbf extract for your place")
    try:
        import pyrosm
    except ImportError as exc:
        raise InputError("pyrosm is needed to read .osm.pbf files", fix="pip install pyrosm") from exc
    try:
        with warnings.catch_warnings():  # pyrosm/pandas deprecation chatter is not the user's concern
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
            frame = osm.get_buildings(extra_attributes=OSM_EXTRA_TAGS)
            parts = osm.get_data_by_custom_criteria(custom_filter={"building:part": True}, filter_type="keep",
                                                     keep_nodes=False, extra_attributes=["building:levels", "height"])
            landuse = osm.get_landuse()
            pois = osm.get_pois(custom_filter={"shop": True, "amenity": True, "office": True, "craft": True})
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
    frame = _add_osm_context(frame, parts, landuse, pois, crs, log)
    return normalise_buildings(frame, path, {"building_id": "osm_id"}, log)


def _add_osm_context(frame: gpd.GeoDataFrame, parts, landuse, pois, crs: str, log: QualityLog | None) -> gpd.GeoDataFrame:
    """Join building parts (max height/levels), landuse and points of interest onto the outlines."""
    out = frame.copy()
    points = gpd.GeoDataFrame({"_row": np.arange(len(out))}, geometry=out.geometry.representative_point(), crs=crs)
    out["part_levels"], out["part_height_m"] = np.nan, np.nan
    if parts is not None and len(parts):
        parts = clean_geometries(parts.set_crs(4326, allow_override=True).to_crs(crs), "building:part", "parts")
        p_levels, _ = T.parse_count(parts.get("building:levels", pd.Series([None] * len(parts))).to_numpy(), *LEVELS_RANGE)
        p_height, _ = T.parse_length_m(parts.get("height", pd.Series([None] * len(parts))).to_numpy(), *HEIGHT_RANGE_M)
        part_pts = gpd.GeoDataFrame({"lv": p_levels, "h": p_height}, geometry=parts.representative_point(), crs=crs)
        hit = gpd.sjoin(part_pts, out[["geometry"]].assign(_row=np.arange(len(out))), how="left", predicate="within")
        inside = hit.dropna(subset=["_row"])
        agg = inside.groupby("_row")[["lv", "h"]].max()
        out.loc[out.index[agg.index.astype(int)], "part_levels"] = agg["lv"].to_numpy()
        out.loc[out.index[agg.index.astype(int)], "part_height_m"] = agg["h"].to_numpy()
        if log is not None:
            orphans = int(hit["_row"].isna().groupby(level=0).all().sum())
            log.record("buildings", "building:part", records=len(parts), observed=len(parts),
                       parsed=len(parts) - orphans, dropped=orphans,
                       note=f"parts give heights to the building holding them (never a second roof); "
                            f"{orphans} parts lie outside any building outline and are ignored")
    out["landuse"] = None
    if landuse is not None and len(landuse) and "landuse" in landuse:
        lu = clean_geometries(landuse.set_crs(4326, allow_override=True).to_crs(crs)[["landuse", "geometry"]],
                              "landuse", "landuse")
        lu = lu.assign(_area=lu.area).sort_values("_area")  # the smallest holding polygon is the most specific
        hit = gpd.sjoin(points, lu[["landuse", "geometry"]], how="left", predicate="within")
        first = hit.drop_duplicates("_row").set_index("_row")["landuse"]
        out["landuse"] = first.reindex(np.arange(len(out))).to_numpy()
    out["poi_count"] = 0
    if pois is not None and len(pois):
        poi_pts = gpd.GeoDataFrame(geometry=pois.set_crs(4326, allow_override=True).to_crs(crs).representative_point(),
                                   crs=crs)
        hit = gpd.sjoin(poi_pts, out[["geometry"]].assign(_row=np.arange(len(out))), how="inner", predicate="within")
        counts = np.bincount(hit["_row"].to_numpy(dtype=int), minlength=len(out))
        out["poi_count"] = counts
    return out


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
