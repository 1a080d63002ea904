"""Exports for GIS users: per-building and per-area results as GeoParquet, GeoJSON and CSV."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import shapely

from analysis import store
from analysis.errors import InputError

FORMATS = ("geoparquet", "geojson", "csv")

BUILDINGS_SQL = """
SELECT b.building_id, b.area_id, b.building_type, b.use, b.levels, b.dwellings, b.owner_type, b.synthetic,
       b.roof_shape_assumed, b.age_assumed, p.suitable_planes, p.usable_m2, p.kwp_low, p.kwp_central, p.kwp_high,
       p.kwh_low, p.kwh_central, p.kwh_high, h.heat_kwh_central, ST_AsWKB(b.geom) AS wkb
FROM buildings b JOIN building_potential p USING (building_id) LEFT JOIN building_heat h USING (building_id)
"""
AREAS_SQL = """
SELECT a.area_id, a.name, a.households, a.income_mean_gbp, a.owner_occupied, a.social_rented, a.private_rented,
       p.buildings, p.kwp_central, p.kwh_low, p.kwh_central, p.kwh_high, p.kwh_per_household,
       h.heat_kwh_central, h.heat_density_mwh_per_ha, h.dh_candidate_area, h.sdh_solar_fraction, ST_AsWKB(a.geom) AS wkb
FROM areas a JOIN area_potential p USING (area_id) LEFT JOIN area_heat h USING (area_id)
"""


def export(db, out_dir, crs: str, formats=FORMATS) -> list[Path]:
    """Write ``buildings.*`` and ``areas.*`` to ``out_dir`` in the given formats.

    Parameters
    ----------
    db : path
        The place's store.
    out_dir : path
        Folder to write into (created).
    crs : str
        CRS of the stored geometries (the place CRS); GeoJSON is written in WGS84 (RFC 7946).
    formats : sequence of str
        Any of ``geoparquet``, ``geojson``, ``csv`` (geometry as WKT).
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"unknown export format {bad[0]!r}", fix=f"use {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = store.connect(db, read_only=True)
    written = []
    try:
        for name, sql in (("buildings", BUILDINGS_SQL), ("areas", AREAS_SQL)):
            frame = con.execute(sql).df()
            geoms = shapely.from_wkb(frame.pop("wkb").apply(bytes).to_numpy())
            gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)
            for fmt in formats:
                if fmt == "geoparquet":
                    path = out_dir / f"{name}.parquet"
                    gdf.to_parquet(path)
                elif fmt == "geojson":
                    path = out_dir / f"{name}.geojson"
                    gdf.to_crs(4326).to_file(path, driver="GeoJSON")
                else:
                    path = out_dir / f"{name}.csv"
                    gdf.assign(geometry_wkt=shapely.to_wkt(geoms, rounding_precision=2)).drop(columns="geometry").to_csv(path, index=False)
                written.append(path)
    finally:
        con.close()
    return written
