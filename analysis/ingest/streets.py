"""Streets: the roads a building fronts, and the main street of each area.

Roads come from the buildings' OpenStreetMap extract (:func:`read_osm_streets`) or from a place's
layer of lines (``constraints:`` of kind ``street``). They say which way a building's front faces
(:func:`street_bearing`; the roof slopes facing the street, :mod:`analysis.ingest.constraints`, and
the ridges of row houses, :func:`analysis.roofs.ridge_along_street`) and give each area a street a
reader knows it by (:func:`main_streets`).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import InputError

#: OSM ``highway`` classes a building fronts. Service roads, footways, paths and tracks run behind
#: buildings as often as before them, so they do not count.
FRONTING_HIGHWAYS = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
                     "living_street", "pedestrian", "motorway_link", "trunk_link", "primary_link", "secondary_link",
                     "tertiary_link")


def read_osm_streets(path, crs: str) -> gpd.GeoDataFrame:
    """Roads a building can front (:data:`FRONTING_HIGHWAYS`) from an OSM extract, as lines in ``crs``.

    Read with GDAL's OSM driver (pyogrio), filtered in the driver: a borough's extract reads in well
    under a second.
    """
    import pyogrio

    where = "highway IN (" + ", ".join(f"'{h}'" for h in FRONTING_HIGHWAYS) + ")"
    try:
        lines = pyogrio.read_dataframe(str(path), layer="lines", columns=["highway", "name"], where=where)
    except Exception as exc:  # noqa: BLE001 — any reader failure is the file's, said in one line
        raise InputError(f"cannot read streets from the OSM extract ({type(exc).__name__})", path=path,
                         fix="download the extract again") from exc
    lines = lines[lines.geometry.notna()]
    return lines.set_crs(4326, allow_override=True).to_crs(crs).reset_index(drop=True) if len(lines) else \
        gpd.GeoDataFrame({"highway": [], "name": []}, geometry=[], crs=crs)


def street_bearing(footprints, streets, reach_m: float) -> np.ndarray:
    """Grid bearing from each footprint to the nearest road within ``reach_m`` of its outline [°].

    Parameters
    ----------
    footprints : array of shapely polygons
        Building outlines in a projected CRS [m].
    streets : array of shapely lines
        Roads (:func:`read_osm_streets`), same CRS.
    reach_m : float
        Farthest a road may lie from the outline [m] (``constraints.street_reach_m``).

    Returns
    -------
    numpy.ndarray
        Bearing clockwise from grid north, from the outline's centre to the nearest point of that
        road [°]; NaN where no road lies within reach.
    """
    footprints = np.asarray(footprints, dtype=object)
    out = np.full(len(footprints), np.nan)
    streets = np.asarray(streets, dtype=object)
    if not len(footprints) or not len(streets):
        return out
    tree = shapely.STRtree(streets)
    which, nearest = tree.query_nearest(footprints, max_distance=reach_m, all_matches=False)
    centre = shapely.centroid(footprints[which])
    on_road = shapely.line_interpolate_point(streets[nearest], shapely.line_locate_point(streets[nearest], centre))
    dx = shapely.get_x(on_road) - shapely.get_x(centre)
    dy = shapely.get_y(on_road) - shapely.get_y(centre)
    out[which] = np.degrees(np.arctan2(dx, dy)) % 360.0
    return out


#: Road classes of a neighbourhood's own streets: preferred when naming it (a main road such as Finchley
#: Road runs through many neighbourhoods and would name them all alike).
LOCAL_HIGHWAYS = ("residential", "living_street", "pedestrian", "unclassified")


def main_streets(area_geoms, streets: gpd.GeoDataFrame) -> np.ndarray:
    """The named local road (:data:`LOCAL_HIGHWAYS`) with the most length inside each area, else the named
    road of any class with the most: the street a reader knows the area by.

    Parameters
    ----------
    area_geoms : array of shapely polygons
        The areas, in the streets' CRS [m].
    streets : GeoDataFrame
        Roads with a ``name`` column (:func:`read_osm_streets`), or None.

    Returns
    -------
    numpy.ndarray of str
        One name per area; '' where no named road lies inside it.
    """
    areas = np.asarray(area_geoms, dtype=object)
    out = np.full(len(areas), "", dtype=object)
    if streets is None or not len(streets) or "name" not in streets or not len(areas):
        return out
    named = streets[streets["name"].notna() & (streets["name"].astype(str).str.strip() != "")]
    if not len(named):
        return out
    lines = named.geometry.to_numpy()
    tree = shapely.STRtree(lines)
    area_i, line_i = tree.query(areas, predicate="intersects")
    if not len(area_i):
        return out
    length = shapely.length(shapely.intersection(lines[line_i], areas[area_i]))
    local = (named["highway"].isin(LOCAL_HIGHWAYS).to_numpy() if "highway" in named
             else np.zeros(len(named), dtype=bool))
    frame = pd.DataFrame({"area": area_i, "name": named["name"].astype(str).to_numpy()[line_i], "length": length,
                          "local": local[line_i]})
    best = frame.groupby(["area", "name"], sort=True).agg(length=("length", "sum"), local=("local", "any")).reset_index() \
        .sort_values(["area", "local", "length", "name"], ascending=[True, False, False, True]).drop_duplicates("area")
    out[best["area"].to_numpy()] = best["name"].to_numpy()
    return out
