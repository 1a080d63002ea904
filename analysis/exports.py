"""Exports for GIS users: per-building and per-area results as GeoParquet, GeoJSON and CSV.

CSV cells are data, not formulas: text starting with ``= + - @`` is neutralised
(:func:`neutralise_formulas`) so a hostile building id cannot run in a spreadsheet, and a line
break inside a cell cannot split a row (:func:`write_csv`, used by every CSV the package writes).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import geopandas as gpd
import pandas as pd
import shapely

from analysis import store, tables
from analysis.errors import InputError

FORMATS = ("geoparquet", "geojson", "csv")
#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with ``'`` (shown as text).

    Only text (object/string) columns are touched: numbers, including negative ones, stay numbers.

    Parameters
    ----------
    frame : pandas.DataFrame

    Returns
    -------
    pandas.DataFrame
        A copy with cells starting with ``= + - @``, tab or carriage return prefixed by ``'``.
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            text = out[col]
            risky = text.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
            if risky.any():
                out[col] = text.mask(risky, "'" + text.astype(str))
    return out


def write_csv(frame: pd.DataFrame, path) -> Path:
    """Write ``frame`` as a CSV whose cells are data: formulas neutralised, no row can be split.

    Text starting with ``= + - @``, tab or CR is prefixed (:func:`neutralise_formulas`); rows end in
    CRLF (RFC 4180), which makes the writer quote every cell holding a CR or LF, so a carriage
    return inside an id cannot start a new row in a spreadsheet (with LF endings a bare CR is
    written unquoted).

    Parameters
    ----------
    frame : pandas.DataFrame
    path : path
        The file to write (its folder must exist).

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    neutralise_formulas(frame).to_csv(path, index=False, lineterminator="\r\n")
    return path


BUILDINGS_SQL = """
SELECT b.building_id, b.area_id, b.use, b.use_class, b.use_category, b.use_source, b.levels, b.levels_source,
       b.height_m, b.height_source, b.dwellings, b.dwelling_type, b.dwellings_source, b.dw_owner_occupied,
       b.dw_social_rented, b.dw_private_rented, b.dw_other, b.roof_owner, b.roof_owner_source, b.consents, b.synthetic,
       b.roof_shape, b.roof_shape_source, b.age_band, b.age_source, p.suitable_planes, p.usable_m2, p.kwp_low,
       p.kwp_central, p.kwp_high, p.kwh_low, p.kwh_central, p.kwh_high, h.heat_kwh_central, ST_AsWKB(b.geom) AS wkb
FROM buildings b JOIN building_potential p USING (building_id) LEFT JOIN building_heat h USING (building_id)
"""
AREAS_SQL = """
SELECT a.area_id, a.name, a.households, a.income_mean_gbp AS income_mean, a.owner_occupied, a.social_rented, a.private_rented,
       p.buildings, p.kwp_central, p.kwh_low, p.kwh_central, p.kwh_high, p.kwh_per_household,
       h.heat_kwh_central, h.heat_density_mwh_per_ha, h.dh_candidate_area, h.sdh_solar_fraction, ST_AsWKB(a.geom) AS wkb
FROM areas a JOIN area_potential p USING (area_id) LEFT JOIN area_heat h USING (area_id)
"""


def export(db, out_dir, crs: str | None = None, formats=FORMATS) -> list[Path]:
    """Write ``buildings.*`` and ``areas.*`` to ``out_dir`` in the given formats.

    Parameters
    ----------
    db : path
        The place's store.
    out_dir : path
        Folder to write into (created).
    crs : str, optional
        CRS of the stored geometries: read from the store (:func:`analysis.store.place_info`); ``crs``
        is only used for a store too old to record it. GeoJSON is written in WGS84 (RFC 7946).
    formats : sequence of str
        Any of ``geoparquet``, ``geojson``, ``csv`` (geometry as WKT).
    """
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise InputError(f"unknown export format {bad[0]!r}", fix=f"use {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = store.open_results(db, (tables.BUILDINGS, tables.BUILDING_POTENTIAL, tables.AREAS, tables.AREA_POTENTIAL))
    written = []
    try:
        info = store.place_info(con, fallback_crs=crs)
        crs = info.crs
        present = set(store.result_tables(con))
        for name, sql in (("buildings", BUILDINGS_SQL), ("areas", AREAS_SQL)):
            heat_table = "building_heat" if name == "buildings" else "area_heat"
            if heat_table not in present:  # a run with the heat step off: heat columns are empty, not an error
                sql = sql.replace(f"LEFT JOIN {heat_table} h", "LEFT JOIN (SELECT NULL::VARCHAR AS building_id, "
                                  "NULL::VARCHAR AS area_id, NULL::DOUBLE AS heat_kwh_central, NULL::DOUBLE AS "
                                  "heat_density_mwh_per_ha, NULL::BOOLEAN AS dh_candidate_area, NULL::DOUBLE AS "
                                  "sdh_solar_fraction) h")
            try:
                frame = con.execute(sql).df()
            except (duckdb.BinderException, duckdb.CatalogException) as exc:  # a store from an older version
                raise InputError(f"the store lacks what the {name} export needs ({' '.join(str(exc).split())[:140]})",
                                 path=db, fix="rerun `python -m analysis run` with this version, then export") from None
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
                    table = gdf.assign(geometry_wkt=shapely.to_wkt(geoms, rounding_precision=2)).drop(columns="geometry")
                    write_csv(pd.DataFrame(table), path)
                written.append(path)
        if "buildings" in present:
            synthetic = con.execute("SELECT bool_and(synthetic) FROM buildings").fetchone()[0]
            notice = out_dir / "LICENCE.txt"
            notice.write_text(licence_notice(info, bool(synthetic)), encoding="utf-8")
            written.append(notice)
    finally:
        con.close()
    return written


def licence_notice(info: store.PlaceInfo, synthetic: bool) -> str:
    """The licence text written beside exported files: the footprints' licence (OpenStreetMap's is
    ODbL, share-alike), then the store's credits for the place's other inputs."""
    lines = [f"Bringing energy home — exported results for {info.name} (geometry CRS {info.crs}; money in "
             f"{info.currency}" + (f" at {info.price_date} prices" if info.price_date else "") + ")", ""]
    licence = info.buildings_licence
    if synthetic:
        lines.append("buildings.*: SYNTHETIC buildings generated from census counts (no third-party footprints).")
    elif "openstreetmap" in licence.lower():
        lines += [f"buildings.*: footprints {licence}.",
                  "This file set is a derived database of OpenStreetMap data and is shared under the Open Database",
                  "Licence (ODbL 1.0): https://opendatacommons.org/licenses/odbl/1-0/ — attribution: "
                  "\"© OpenStreetMap contributors\" (https://www.openstreetmap.org/copyright)."]
    else:
        lines.append(f"buildings.*: footprints {licence or 'under a licence the place config does not state'}.")
    others = [c for c in info.credits if not c.startswith("Buildings:")]
    if others:
        lines += ["", "Inputs and their credits:"] + [f"- {c}" for c in others]
    return "\n".join(lines) + "\n"
