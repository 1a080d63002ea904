"""Trees as shading obstacles: crowns with a height, from the OSM extract or the place's own tree file.

Sources
-------
* **OpenStreetMap** (``.osm.pbf``, via pyrosm): ``natural=tree`` points, ``natural=tree_row``
  lines, ``natural=wood`` and ``landuse=forest`` areas. Tags read: ``height`` and
  ``diameter_crown`` (metres; units such as ``"12 m"`` or ``"40'"`` parsed), else the ``trees``
  assumptions.
* **A tree file** (``trees: {file: ...}`` in ``place.yml``): GeoJSON, GPKG, Shapefile, FlatGeobuf or
  (Geo)Parquet of points (single trees), lines (rows) or polygons (crowns or woods), with optional
  columns ``height`` and ``diameter_crown`` [m] (other names mapped with ``columns:``) — a council's
  tree survey, say.

Each tree becomes a **crown**: a point is buffered to an octagon of the crown diameter, a line by half
the crown width, an area is kept as drawn. The crown is an extruded prism from the ground to the
tree's height, like a building (:func:`analysis.shading.prepare_shaders`); it shades with the
transmissivity of a crown (:func:`annual_transmissivity`), never fully. A crown's trunk zone is
not open in this model; for a roof above the crown's base that makes no difference.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import InputError
from analysis.ingest import tags as T

#: Heights outside this range are dropped as implausible for a tree [m].
TREE_HEIGHT_RANGE_M = (1.0, 60.0)
#: Crown diameters outside this range are dropped [m].
CROWN_RANGE_M = (0.5, 40.0)
#: Sides of the polygon a point tree's crown is drawn as (an octagon: 90 % of the circle's area).
CROWN_SIDES = 8
KINDS = ("tree", "tree_row", "wood")


def read_osm_trees(path, crs: str, bounding_box=None) -> gpd.GeoDataFrame:
    """Trees, tree rows and woods of an OSM extract (``kind``, ``height_tag``, ``crown_tag``, geometry in ``crs``).

    Raises
    ------
    analysis.errors.InputError
        The extract cannot be read.
    """
    path = Path(path)
    try:
        import pyrosm

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            osm = pyrosm.OSM(str(path), bounding_box=bounding_box)
            raw = osm.get_data_by_custom_criteria(
                custom_filter={"natural": ["tree", "tree_row", "wood"], "landuse": ["forest"]}, filter_type="keep",
                keep_nodes=True, keep_ways=True, keep_relations=True, extra_attributes=["height", "diameter_crown"])
    except Exception as exc:  # noqa: BLE001 — any reader failure is the file's, said in one line
        raise InputError(f"cannot read trees from the OSM extract ({type(exc).__name__}: {str(exc)[:120]})", path=path,
                         fix="download the extract again, or set `trees: none` in place.yml") from exc
    if raw is None or not len(raw):
        return empty(crs)
    natural = raw["natural"] if "natural" in raw else pd.Series([None] * len(raw), index=raw.index)
    landuse = raw["landuse"] if "landuse" in raw else pd.Series([None] * len(raw), index=raw.index)
    kind = np.where(natural == "tree", "tree", np.where(natural == "tree_row", "tree_row",
                    np.where((natural == "wood") | (landuse == "forest"), "wood", "")))
    frame = gpd.GeoDataFrame({"kind": kind,
                              "height_tag": raw["height"] if "height" in raw else None,
                              "crown_tag": raw["diameter_crown"] if "diameter_crown" in raw else None},
                             geometry=raw.geometry.to_numpy(), crs=4326)
    frame = frame[(frame["kind"] != "") & frame.geometry.notna()]
    return frame.to_crs(crs).reset_index(drop=True)


def read_tree_file(path, crs: str, columns: dict | None = None) -> gpd.GeoDataFrame:
    """A place's tree file as :func:`read_osm_trees` returns trees (kind from the geometry type).

    Parameters
    ----------
    path : path
        Points, lines or polygons with a CRS.
    crs : str
        The place's projected CRS.
    columns : dict, optional
        ``{"height": "<column>", "diameter_crown": "<column>"}`` when the file names them otherwise.
    """
    from analysis.ingest import checks

    path = Path(path)
    checks.check_input_file(path, "trees", missing_fix="check trees.file in the place config")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = gpd.read_file(path)
    except Exception as exc:  # noqa: BLE001 — any reader failure is the user's file, said in one line
        raise InputError(f"cannot read the tree file ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})",
                         path=path, fix="give a GeoJSON, GPKG, Shapefile or FlatGeobuf of points, lines or polygons") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame or frame.crs is None:
        raise InputError("the tree file has no geometry with a CRS", path=path,
                         fix="save points (trees), lines (rows) or polygons (woods) with their coordinate reference system")
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty].to_crs(crs).reset_index(drop=True)
    columns = {"height": "height", "diameter_crown": "diameter_crown", **(columns or {})}
    for key, column in columns.items():
        if key not in ("height", "diameter_crown"):
            raise InputError(f"unknown trees.columns key {key!r}", path=path, fix="use height and diameter_crown")
        if column != key and column not in frame:
            raise InputError(f"column {column!r} (trees.columns.{key}) is not in the tree file", path=path,
                             fix=f"name one of: {', '.join(map(str, frame.columns[:12]))}")
    kinds = frame.geom_type.map({"Point": "tree", "MultiPoint": "tree", "LineString": "tree_row",
                                 "MultiLineString": "tree_row", "Polygon": "wood", "MultiPolygon": "wood"})
    if kinds.isna().any():
        bad = int(np.flatnonzero(kinds.isna().to_numpy())[0])
        raise InputError(f"record {bad + 1} is a {frame.geom_type.iloc[bad]}, not a point, line or polygon", path=path,
                         fix="keep trees as points, tree rows as lines and woods as polygons")
    pick = lambda key: frame[columns[key]] if columns[key] in frame else None  # noqa: E731
    return gpd.GeoDataFrame({"kind": kinds.to_numpy(), "height_tag": pick("height"), "crown_tag": pick("diameter_crown")},
                            geometry=frame.geometry.to_numpy(), crs=frame.crs).reset_index(drop=True)


def empty(crs) -> gpd.GeoDataFrame:
    """No trees (the columns every reader returns)."""
    return gpd.GeoDataFrame({"kind": pd.Series([], dtype=object), "height_tag": pd.Series([], dtype=object),
                             "crown_tag": pd.Series([], dtype=object)}, geometry=[], crs=crs)


def crowns(trees: gpd.GeoDataFrame, params: dict) -> gpd.GeoDataFrame:
    """Crowns (polygons) with a height, from trees as read.

    Parameters
    ----------
    trees : GeoDataFrame
        ``kind``, ``height_tag``, ``crown_tag`` and geometry (:func:`read_osm_trees`, :func:`read_tree_file`).
    params : dict
        The ``trees`` assumptions at one level: ``tree_height_m``, ``crown_diameter_m``, ``wood_height_m`` [m].

    Returns
    -------
    GeoDataFrame
        ``kind``, ``height_m`` [m], ``height_source`` (``"tag"`` or ``"assumed"``), ``crown_m`` [m] and the
        crown polygon; trees without a usable geometry are left out (``attrs["dropped"]``).
    """
    if not len(trees):
        out = empty(trees.crs).assign(height_m=pd.Series([], dtype=float), height_source=pd.Series([], dtype=object),
                                      crown_m=pd.Series([], dtype=float))
        out.attrs["dropped"] = 0
        return out
    kind = trees["kind"].to_numpy(dtype=object)
    tag_h, _ = T.parse_length_m(_values(trees, "height_tag"), *TREE_HEIGHT_RANGE_M)
    tag_c, _ = T.parse_length_m(_values(trees, "crown_tag"), *CROWN_RANGE_M)
    default_h = np.where(kind == "wood", params["wood_height_m"], params["tree_height_m"])
    height = np.where(np.isfinite(tag_h), tag_h, default_h)
    crown = np.where(np.isfinite(tag_c), tag_c, params["crown_diameter_m"])
    geoms = trees.geometry.to_numpy()
    shape = np.where(kind == "wood", geoms,
                     shapely.buffer(geoms, crown / 2, quad_segs=max(1, CROWN_SIDES // 4)))
    area_kind = shapely.get_type_id(shape)
    usable = ~shapely.is_empty(shape) & np.isin(area_kind, [3, 6]) & (shapely.area(shape) > 0)
    out = gpd.GeoDataFrame({"kind": kind[usable], "height_m": height[usable],
                            "height_source": np.where(np.isfinite(tag_h), "tag", "assumed")[usable],
                            "crown_m": crown[usable]}, geometry=shapely.make_valid(shape[usable]), crs=trees.crs)
    out.attrs["dropped"] = int((~usable).sum())
    return out.reset_index(drop=True)


def _values(frame, column) -> np.ndarray:
    if column not in frame or frame[column] is None:
        return np.full(len(frame), None, dtype=object)
    return frame[column].to_numpy(dtype=object)


def annual_transmissivity(weather: pd.DataFrame, params: dict) -> float:
    """The share of the year's sunlight a deciduous crown lets through, weighted by when the sun shines.

    τ = w·τ_leaf_on + (1 − w)·τ_leaf_off, where *w* is the share of the year's global horizontal
    irradiance (``ghi`` of the place's weather) that falls between ``leaf_on_first_day`` and
    ``leaf_on_last_day``. Summer carries most of the sun, so τ stays close to the leaf-on value.

    Parameters
    ----------
    weather : DataFrame
        Hourly weather with a ``ghi`` column [W/m²] and a DatetimeIndex.
    params : dict
        The ``trees`` assumptions at one level (``transmissivity_leaf_on``, ``transmissivity_leaf_off`` [-],
        ``leaf_on_first_day``, ``leaf_on_last_day`` [day of year]).

    Returns
    -------
    float
        Annual transmissivity [-], between the leaf-on and leaf-off values.
    """
    ghi = np.clip(weather["ghi"].to_numpy(float), 0, None)
    doy = pd.DatetimeIndex(weather.index).dayofyear.to_numpy()
    total = ghi.sum()
    on = (doy >= params["leaf_on_first_day"]) & (doy <= params["leaf_on_last_day"])
    w = float(ghi[on].sum() / total) if total > 0 else 1.0
    return w * params["transmissivity_leaf_on"] + (1 - w) * params["transmissivity_leaf_off"]
