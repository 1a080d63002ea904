"""Planning constraints on roofs: listed buildings, glazed roofs and conservation areas.

Two sources, combined:

* **the buildings file's own tags** (:func:`analysis.ingest.buildings.roof_constraints`): OSM
  ``listed_status``, ``heritage``, ``HE_ref``, ``historic=building`` → *listed*;
  ``roof:material=glass``, glasshouses and train stations → *glazed*;
* **a place's layers** (``constraints:`` in ``place.yml``): GeoJSON, GPKG or Shapefile of points
  or polygons, each with a ``kind``: ``listed`` (e.g. Historic England's National Heritage List
  points), ``glazed``, or ``conservation_area`` (polygons). A point marks the footprint it lies in;
  a polygon the footprints whose representative point it holds.

Rules, England (Town and Country Planning (General Permitted Development) Order 2015, Schedule 2,
Part 14; Planning (Listed Buildings and Conservation Areas) Act 1990):

* **listed** — panels need listed building consent, generally refused on principal roof slopes:
  no potential in the central case; the potential is kept as *with consent* (reported apart);
* **glazed** — glass roofs and train sheds carry no panels;
* **conservation area** — permitted development keeps roof panels (Part 14, Class A, forbids only a
  wall fronting a highway), but Article 4 directions, common in London's conservation areas,
  remove the right on roof slopes fronting a highway, and design guidance resists panels seen
  from the street. The central case follows that cautious reading: a pitched slope that faces a
  street (:func:`street_facing`) carries no potential, kept as *with consent*; flat roofs (panels
  behind the parapet) and rear slopes keep theirs.

Which way a slope faces the street comes from the nearest road (:data:`FRONTING_HIGHWAYS`) within
``street_reach_m`` of the outline: OSM highways of the buildings extract, or a place's layer of
kind ``street`` (lines).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import InputError
from analysis.ingest.streets import read_osm_streets, street_bearing
from analysis.quality import QualityLog

KINDS = ("listed", "glazed", "conservation_area", "street")


def street_facing(azimuth_deg, tilt_deg, flat, street_true_bearing_deg, half_angle_deg: float) -> np.ndarray:
    """Whether each roof plane is a pitched slope facing the street [bool].

    Parameters
    ----------
    azimuth_deg, tilt_deg : array
        The plane's true azimuth and tilt [°].
    flat : array of bool
        Flat roofs and flat tops (panels on racks behind the parapet: never "facing" the street).
    street_true_bearing_deg : array
        True bearing from the building to its street [°]; NaN where it has none.
    half_angle_deg : float
        A slope faces the street when its azimuth lies within this angle of that bearing [°].
    """
    gap = np.abs((np.asarray(azimuth_deg, float) - np.asarray(street_true_bearing_deg, float) + 180.0) % 360.0 - 180.0)
    return (~np.asarray(flat, bool)) & (np.asarray(tilt_deg, float) > 0) & np.isfinite(gap) & (gap <= half_angle_deg)


def read_layer(path, crs: str, lines: bool = False) -> gpd.GeoDataFrame:
    """A constraint layer in the place's CRS (points or polygons; lines for ``lines``), with a one-line
    error when unreadable."""
    path = Path(path)
    try:
        layer = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 — any reader failure is the user's file
        raise InputError(f"cannot read the constraint layer ({type(exc).__name__})", path=path,
                         fix="give a GeoJSON, GPKG or Shapefile of points or polygons") from exc
    if layer.crs is None:
        raise InputError("the constraint layer has no CRS", path=path, fix="save it with its coordinate reference system")
    layer = layer[layer.geometry.notna() & ~layer.geometry.is_empty]
    kinds = set(layer.geometry.geom_type)
    allowed = {"LineString", "MultiLineString"} if lines else {"Point", "MultiPoint", "Polygon", "MultiPolygon"}
    if not kinds <= allowed:
        raise InputError(f"the constraint layer holds {sorted(kinds - allowed)}", path=path,
                         fix="a street layer holds lines (the roads)" if lines else
                         "keep points (e.g. listed building entries) or polygons (areas) only")
    return layer.to_crs(crs)


def marked(buildings: gpd.GeoDataFrame, layer: gpd.GeoDataFrame) -> np.ndarray:
    """``(N,)`` bool: footprints holding a point of ``layer`` or whose representative point a polygon holds."""
    out = np.zeros(len(buildings), dtype=bool)
    if not len(layer) or not len(buildings):
        return out
    geoms = layer.geometry.to_numpy()
    points = np.array([g.geom_type in ("Point", "MultiPoint") for g in geoms])
    if points.any():
        tree = shapely.STRtree(buildings.geometry.to_numpy())
        _, hit = tree.query(geoms[points], predicate="within")
        out[hit] = True
    if (~points).any():
        tree = shapely.STRtree(geoms[~points])
        reps = buildings.geometry.representative_point().to_numpy()
        inside, _ = tree.query(reps, predicate="within")
        out[inside] = True
    return out


def place_streets(layers: list, resolve, crs: str, osm_extract=None) -> tuple[gpd.GeoDataFrame | None, str | None]:
    """The place's roads and where they come from: its ``street`` layers (``constraints:``), else the
    buildings' OSM extract, else none (``(None, None)``)."""
    street_layers = [spec for spec in layers or [] if spec["kind"] == "street"]
    if street_layers:
        frames = [read_layer(resolve(spec["file"]), crs, lines=True) for spec in street_layers]
        streets = pd.concat([f[[c for c in ("name", "geometry") if c in f]] for f in frames], ignore_index=True)
        return gpd.GeoDataFrame(streets, geometry="geometry", crs=crs), (street_layers[-1].get("source")
                                                                        or Path(street_layers[-1]["file"]).name)
    if osm_extract is not None:
        return read_osm_streets(osm_extract, crs), "the OSM extract's roads"
    return None, None


def apply_layers(buildings: gpd.GeoDataFrame, layers: list, resolve, crs: str, log: QualityLog | None = None,
                 osm_extract=None, street_reach_m: float = 30.0, streets=None) -> gpd.GeoDataFrame:
    """Buildings with ``roof_constraint``, ``conservation_area`` and ``street_bearing_deg`` (grid bearing to
    the street they front, :func:`street_bearing`) set from their tags and the place's layers.

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprints with ``roof_constraint`` from their tags (else none).
    layers : list of dict
        ``file``, ``kind`` (:data:`KINDS`) and optional ``source`` per layer (``constraints:``).
    resolve : callable
        Path of a file named in the config.
    osm_extract : path, optional
        The buildings' OSM extract: its roads are the streets when no layer of kind ``street`` is given.
    street_reach_m : float
        Farthest a fronted road lies from the outline [m].
    streets : tuple, optional
        :func:`place_streets` already read (roads and their source); read here when not given.
    """
    out = buildings.copy()
    if "roof_constraint" not in out:
        out["roof_constraint"] = ""
    constraint = out["roof_constraint"].fillna("").astype(object).to_numpy()
    conservation = np.zeros(len(out), dtype=bool)
    tagged = {kind: int((constraint == kind).sum()) for kind in ("listed", "glazed")}
    roads, source = streets if streets is not None else place_streets(layers, resolve, crs, osm_extract)
    out["street_bearing_deg"] = (street_bearing(out.geometry.to_numpy(), roads.geometry.to_numpy(), street_reach_m)
                                 if roads is not None else np.nan)
    if log is not None:
        fronting = int(np.isfinite(out["street_bearing_deg"]).sum())
        log.record("constraints", "street", records=len(out), derived=fronting,
                   note=(f"{fronting} buildings front a road within {street_reach_m:g} m ({source}): their slopes facing "
                         "it are street-facing" if source else "no streets (no OSM extract, no street layer): no slope "
                         "counts as street-facing"))
    for spec in [spec for spec in layers or [] if spec["kind"] != "street"]:
        layer = read_layer(resolve(spec["file"]), crs)
        hit = marked(out, layer)
        if spec["kind"] == "conservation_area":
            conservation |= hit
        elif spec["kind"] == "glazed":
            constraint = np.where(hit, "glazed", constraint)
        else:
            constraint = np.where(hit & (constraint != "glazed"), "listed", constraint)
        if log is not None:
            log.record("constraints", spec["kind"], records=len(layer), observed=int(hit.sum()),
                       note=f"{int(hit.sum())} buildings marked by {spec.get('source') or Path(spec['file']).name}")
    out["roof_constraint"] = pd.array(constraint, dtype=object)
    out["conservation_area"] = conservation
    if log is not None:
        log.record("constraints", "tags", records=len(out), observed=sum(tagged.values()),
                   note=f"from the buildings' own tags: {tagged['listed']} listed, {tagged['glazed']} glazed or "
                        "train sheds (no potential in the central case; listed kept as 'with consent')")
    return out


def presume_listed(buildings: gpd.GeoDataFrame, before_year: float, log: QualityLog | None = None) -> gpd.GeoDataFrame:
    """Buildings with a mapped construction year up to ``before_year`` counted as listed.

    England's principles of selection for listing (DCMS, *Principles of Selection for Listed
    Buildings*, November 2018) list all buildings from before 1700 that keep a significant share of
    their original fabric, and most from 1700 to 1850. A building whose mapped ``start_date`` falls
    in that period, with no listing tag, is therefore presumed listed (the British Museum, 1753, is
    not tagged in OpenStreetMap). Only observed years count: an imputed age band is not evidence.

    Parameters
    ----------
    buildings : GeoDataFrame
        With ``roof_constraint``, ``year_built`` and ``age_source``.
    before_year : float
        Last construction year presumed listed (``constraints.presume_listed_before_year``; 0 turns
        the presumption off, e.g. outside England).
    """
    out = buildings.copy()
    if "year_built" not in out or before_year <= 0:
        return out
    year = pd.to_numeric(out["year_built"], errors="coerce").to_numpy(dtype=float)
    observed = (out["age_source"].astype(object).to_numpy() == "observed") if "age_source" in out else np.isfinite(year)
    constraint = out["roof_constraint"].fillna("").astype(object).to_numpy()
    old = observed & np.isfinite(year) & (year <= before_year) & (constraint == "")
    out["roof_constraint"] = pd.array(np.where(old, "listed", constraint), dtype=object)
    if log is not None:
        log.record("constraints", "presumed listed", records=int((observed & np.isfinite(year)).sum()),
                   derived=int(old.sum()),
                   note=f"{int(old.sum())} untagged buildings with a mapped construction year up to {before_year:.0f} "
                        f"presumed listed (England's principles of selection, DCMS 2018)")
    return out
