"""Annual irradiation on building roofs with shading by neighbours (the ``roof-irradiance`` command).

For comparison with other tools (UMEP SEBE, PVGIS with horizon, the GLA Solar Opportunity
Map): read target footprints (and optional context buildings that only cast shade) from any
supported vector file in a metric CRS, build their roof planes (:mod:`analysis.roofs`; flat
roofs stay horizontal here, or every roof with ``roof="flat"``), find each plane's horizon
from all buildings (:mod:`analysis.shading`) and report, per target building, the annual
plane-of-array irradiation averaged over its roof planes by sloped area.

Heights come from the height column (``--height-column``, else ``height``/``height_m``), else
from storeys × the storey height; buildings with neither get the default of two storeys,
counted in :attr:`RoofIrradiance.notes`. ``.osm.pbf`` extracts and Overture parquet (always
longitude/latitude) are projected to their local UTM zone; any other file must already be in a
projected CRS in metres.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from analysis import config as config_mod
from analysis import roofs, shading
from analysis.errors import InputError
from analysis.quality import QualityLog

OUTPUT_COLUMNS = ["building_id", "roof_kwh_per_m2", "unshaded_kwh_per_m2", "shading_loss_pct", "sky_view_factor"]
DEFAULT_LEVELS = 2.0


@dataclass
class RoofIrradiance:
    """Result of :func:`roof_irradiance`: the per-building table and what was assumed."""

    table: pd.DataFrame
    planes: pd.DataFrame
    crs: str
    quality: QualityLog = field(default_factory=QualityLog)
    notes: list = field(default_factory=list)


def read_footprints(path, id_column: str | None = None, height_column: str | None = None, crs=None,
                    what: str = "buildings", quality: QualityLog | None = None) -> gpd.GeoDataFrame:
    """Footprints from a vector file or OSM extract, in a metric CRS, with heights.

    Parameters
    ----------
    path : path
        GeoJSON, GPKG, Shapefile, FlatGeobuf, GeoParquet (incl. Overture) or ``.osm.pbf``.
    id_column, height_column : str, optional
        Source columns for ``building_id`` and ``height_m`` [m]; an explicitly named column that
        the file lacks is an error.
    crs : optional
        Reproject to this CRS (context files follow their targets); else keep the file's own
        projected CRS (geographic files are refused, OSM/Overture go to local UTM).
    what : str
        ``buildings`` or ``context`` (messages and the quality log).
    quality : QualityLog, optional
        Records buildings whose height had to be defaulted.
    """
    from analysis.ingest import buildings as reader
    from analysis.ingest.areas import read_vector

    path = Path(path)
    mapping = {k: v for k, v in (("building_id", id_column), ("height_m", height_column)) if v}
    lonlat = path.name.endswith(".pbf") or (path.suffix.lower() in (".parquet", ".geoparquet") and path.is_file()
                                            and reader.is_overture(path))
    if lonlat:
        # Read in Web Mercator (projected: the reader's area sorting stays right), then go to UTM.
        frame = reader.read_buildings(path, "EPSG:3857", mapping or None)
        target = crs or frame.estimate_utm_crs()
        frame = frame.to_crs(target)
    else:
        raw = read_vector(path, None, what=what)
        if crs is not None:
            raw = raw.to_crs(crs)
        elif not raw.crs.is_projected:
            raise InputError(f"{what} are in a geographic CRS ({raw.crs.to_string()}), not metres", path=path,
                             fix="reproject to a projected CRS in metres, e.g. ogr2ogr -t_srs EPSG:27700 out.gpkg in.shp")
        if height_column and height_column not in raw.columns:
            raise InputError(f"no column {height_column!r} for --height-column", path=path,
                             fix=f"columns are: {', '.join(map(str, [c for c in raw.columns if c != 'geometry'][:12]))}")
        frame = reader.normalise_buildings(raw, path, mapping or None)
    frame["footprint_m2"] = frame.geometry.area
    levels = pd.to_numeric(frame.get("levels"), errors="coerce") if "levels" in frame else pd.Series(np.nan, index=frame.index)
    height = pd.to_numeric(frame.get("height_m"), errors="coerce") if "height_m" in frame else pd.Series(np.nan, index=frame.index)
    no_height = height.isna() & levels.isna()
    if no_height.any() and quality is not None:
        quality.default(what, "levels", int(no_height.sum()), f"{DEFAULT_LEVELS:g} storeys",
                        "no height and no storeys in the data")
    frame["levels"] = levels.fillna(DEFAULT_LEVELS).clip(lower=1.0).to_numpy()
    frame["height_m"] = height.to_numpy()  # filled from levels by roofs.check_buildings (recorded there)
    return frame


def roof_irradiance(buildings_path, weather_path, context_path=None, height_column: str | None = None,
                    id_column: str | None = None, roof: str = "auto", weather_format: str | None = None,
                    assumptions=None, progress=None, trees_path=None) -> RoofIrradiance:
    """Annual roof irradiation with and without shading, per target building.

    Parameters
    ----------
    buildings_path : path
        Target footprints (reported).
    weather_path : path
        EPW, TMY3, PVGIS TMY or PVWatts export.
    context_path : path, optional
        Buildings that cast shade but are not reported (targets shade each other too).
    height_column, id_column : str, optional
        Source column names for height [m] and id.
    roof : str
        ``auto`` (roof shapes from tags and rules) or ``flat`` (every roof horizontal).
    weather_format : str, optional
        Force the weather format.
    assumptions : analysis.config.Assumptions, optional
        Defaults to the packaged assumptions (``roofs`` and ``shading`` groups).
    progress : callable, optional
        ``progress(done, total)`` in planes.
    trees_path : path, optional
        Trees that shade through their leaves (points, rows as lines, woods as polygons, optional
        ``height`` and ``diameter_crown`` columns; :mod:`analysis.ingest.trees`).

    Returns
    -------
    RoofIrradiance
        ``table`` has one row per target building with :data:`OUTPUT_COLUMNS`:
        ``roof_kwh_per_m2`` and ``unshaded_kwh_per_m2`` [kWh/m²/yr] averaged over the roof's
        planes by sloped area, ``shading_loss_pct`` [%] and ``sky_view_factor`` [-]
        (area-weighted; 1 = open sky).
    """
    from analysis.ingest.weather import read_weather

    if roof not in ("auto", "flat"):
        raise InputError(f"unknown roof mode {roof!r}", fix="use --roof auto or --roof flat")
    assumptions = assumptions or config_mod.load_assumptions()
    quality = QualityLog()
    targets = read_footprints(buildings_path, id_column, height_column, what="buildings", quality=quality)
    context = None
    if context_path is not None:
        context = read_footprints(context_path, None, height_column, crs=targets.crs, what="context", quality=quality)
    weather, meta = read_weather(weather_path, weather_format)
    storey = (assumptions.get("buildings", "storey_height_m")
              if "storey_height_m" in assumptions.groups.get("buildings", {}) else 3.0)
    targets = roofs.check_buildings(targets, quality, storey)
    params = assumptions.level("roofs")
    sp = roofs.shading_params(assumptions)
    bx0, by0, bx1, by1 = targets.total_bounds
    offset = shading.grid_north_offset_deg(targets.crs, (bx0 + bx1) / 2, (by0 + by1) / 2)
    if roof == "flat":  # every roof horizontal, also for shading: blocks at full height
        targets = targets.assign(roof_shape="flat")
    heights = []
    planes = roofs.roof_planes(targets, targets.geometry.to_numpy(), params, meta["latitude"], offset,
                               rack_flat=False, force_flat=(roof == "flat"), shading_heights=heights)
    albedo = assumptions.get("pv", "albedo") if "albedo" in assumptions.groups.get("pv", {}) else 0.2
    tilts = np.unique(np.r_[np.arange(0, 91, 5.0)])
    hist = shading.sun_path_histogram_cached(weather, meta, weather_path, weather_format, tilts, np.arange(0, 360, 10.0),
                                             sp["n_sectors"], sp["elevation_step_deg"], albedo)
    if roof == "flat":
        context = None if context is None else context.assign(roof_shape="flat")
    trees = None
    if trees_path is not None:
        from analysis.ingest import trees as trees_mod

        trees = trees_mod.crowns(trees_mod.read_tree_file(trees_path, targets.crs.to_string()),
                                 assumptions.level("trees"))
    shade_of = roofs.prepare_shade(targets, context, trees, weather, assumptions, hist, offset, params, quality,
                                   heights[0])
    shaders = shade_of.buildings
    shade = pd.DataFrame(shade_of.planes(planes[["x", "y"]].to_numpy(), planes["z"].to_numpy(),
                                         planes["tilt_deg"].to_numpy(), planes["azimuth_deg"].to_numpy(),
                                         planes["building_index"].to_numpy(), progress=progress), index=planes.index)
    planes = pd.concat([planes, shade], axis=1)
    w = planes["area_m2"].to_numpy()
    grouped = pd.DataFrame({
        "building_id": planes["building_id"], "w": w,
        "shaded": planes["poa_kwh_per_m2"] * w, "open": planes["unshaded_poa_kwh_per_m2"] * w,
        "svf": planes["sky_view_factor"] * w,
    }).groupby("building_id", sort=False).sum()
    table = pd.DataFrame({"building_id": targets["building_id"].to_numpy()}).join(grouped, on="building_id")
    weight = table["w"].where(table["w"] > 0)
    table["roof_kwh_per_m2"] = table["shaded"] / weight
    table["unshaded_kwh_per_m2"] = table["open"] / weight
    table["shading_loss_pct"] = 100 * (1 - table["shaded"] / table["open"].where(table["open"] > 0))
    table["sky_view_factor"] = table["svf"] / weight
    notes = quality.defaults_used()
    notes.append(f"CRS {targets.crs.to_string()}, {len(targets):,} target and "
                 f"{len(shaders.height_m) - len(targets):,} context buildings, "
                 + (f"{len(trees):,} trees, " if trees is not None else "") + f"{len(planes):,} roof planes; "
                 f"horizon {sp['n_sectors']} sectors within {sp['radius_m']:g} m")
    return RoofIrradiance(table[OUTPUT_COLUMNS], planes, targets.crs.to_string(), quality, notes)


def write_csv(result: RoofIrradiance, out) -> Path:
    """Write the per-building table to ``out`` (folders created), rounded sensibly.

    Ids are data, not formulas: text cells starting with ``= + - @``, tab or CR are neutralised
    and line breaks quoted, as in every other CSV export (:func:`analysis.exports.write_csv`).
    """
    from analysis.exports import write_csv as write_data_csv

    out = Path(out)
    if out.suffix.lower() != ".csv":
        raise InputError("the output must be a .csv file", path=out, fix="give --out results.csv")
    out.parent.mkdir(parents=True, exist_ok=True)
    table = result.table.round({"roof_kwh_per_m2": 1, "unshaded_kwh_per_m2": 1, "shading_loss_pct": 2,
                                "sky_view_factor": 4})
    return write_data_csv(table, out)
