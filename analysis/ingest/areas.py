"""Neighbourhoods (areas) and their statistics: boundaries + CSV tables joined on an id.

The place config maps the source columns onto ours::

    areas:
      file: lsoa/Camden_lsoa11.shp        # GeoJSON, GPKG, Shapefile or GeoParquet
      id: LSOA11CD
      statistics:
        - file: census2011/KS402EW_lsoa11.csv
          id: GeographyCode
          columns: {households: KS402EW0001, owned_outright: KS402EW0002}

A column may sum several source columns (``dwellings_converted_flat: [A, B]``). Statistics
published on other area codes are brought onto the place's areas with a best-fit ``lookup``
(e.g. Census 2021 LSOAs onto 2011 LSOAs)::

        - file: census2021/ts054.csv
          id: lsoa21_code
          lookup: {file: lookup.csv, from: LSOA21CD, to: LSOA11CD, weight: TotalRes11}

Each source area's counts go to the target areas it maps to: unchanged and split areas sum
exactly; a source area shared by several targets (merges) is split by ``weight`` (e.g. the
targets' resident population) and rounded by largest remainder, so the target counts are whole
numbers that add up to the source counts (:func:`apportion`).

Derived columns (when their parts exist): ``owner_occupied`` = owned outright + mortgage +
shared ownership; ``social_rented`` = council + other social; ``private_rented`` = landlord +
other private; ``other_tenure`` = rent free.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis.errors import InputError

TENURE_PARTS = {
    "owner_occupied": ["owned_outright", "owned_mortgage", "shared_ownership"],
    "social_rented": ["social_rented_council", "social_rented_other"],
    "private_rented": ["private_rented_landlord", "private_rented_other"],
    "other_tenure": ["rent_free"],
}
#: File endings read by GDAL's GeoJSON driver (untyped fields: see :func:`read_vector`).
GEOJSON_SUFFIXES = (".geojson", ".json", ".geojsonl", ".geojsons")
NUMERIC_HINTS = ("households", "population", "income", "kwh", "meters", "dwellings", "owned", "rented", "rent_free",
                 "imd", "shared")


def read_vector(path, crs: str | None, layer=None, what: str = "boundaries") -> gpd.GeoDataFrame:
    """Read a vector file, check its CRS and repair invalid geometries (counted).

    Parameters
    ----------
    path : path
        GeoJSON, GPKG, Shapefile, FlatGeobuf or (Geo)Parquet.
    crs : str, optional
        Target projected CRS (e.g. ``EPSG:27700``); the data are reprojected to it.
    what : str
        Used in messages ("boundaries", "buildings").

    Returns
    -------
    geopandas.GeoDataFrame
        In ``crs``, with ``attrs["repaired"]`` and ``attrs["dropped"]`` counts.
    """
    from analysis.ingest import checks

    path = Path(path)
    checks.check_input_file(path, what, missing_fix=f"check the {what} path in the place config")
    try:
        with warnings.catch_warnings():  # e.g. pyogrio's "could not parse column as JSON" for mixed-type tags
            warnings.simplefilter("ignore")
            if path.suffix.lower() in (".parquet", ".geoparquet"):
                frame = gpd.read_parquet(path)
            else:
                # GeoJSON has no field types: GDAL guesses them, and reads an id such as "T0001" as the
                # time 00:01:00. Ids and tags are text; dates we need are parsed by our own checks.
                options = {"DATE_AS_STRING": "YES"} if path.suffix.lower() in GEOJSON_SUFFIXES else {}
                frame = gpd.read_file(path, layer=layer, **options)
    except ValueError as exc:
        if "geo metadata" in str(exc):  # a plain Parquet table: no geometry column at all
            raise no_geometry_error(path, what) from None
        raise InputError(f"cannot read {what} ({type(exc).__name__}: {str(exc).splitlines()[0][:140]})", path=path,
                         fix="check the file opens in QGIS; supported: GeoJSON, GPKG, Shapefile, GeoParquet") from exc
    except Exception as exc:  # pyogrio / arrow errors: one line with the file
        raise InputError(f"cannot read {what} ({type(exc).__name__}: {str(exc).splitlines()[0][:140]})", path=path,
                         fix="check the file opens in QGIS; supported: GeoJSON, GPKG, Shapefile, GeoParquet") from exc
    if not isinstance(frame, gpd.GeoDataFrame):  # e.g. a CSV: GDAL reads it as a table without geometry
        raise no_geometry_error(path, what, list(frame.columns))
    if len(frame) == 0:
        raise InputError(f"no {what} in the file", path=path, fix="check the layer or the export")
    if frame.crs is None:
        raise InputError("has no CRS", path=path, fix="set it (e.g. ogr2ogr -a_srs EPSG:27700) or add a .prj file")
    checks.check_coordinates_match_crs(frame, path, what)
    return clean_geometries(frame.to_crs(crs) if crs else frame, path, what)


def no_geometry_error(path, what: str, columns: list | None = None) -> InputError:
    """The one-line error for a table of attributes without geometry (a CSV, a plain Parquet file).

    Parameters
    ----------
    path : path
        The file.
    what : str
        "buildings", "area boundaries", ...
    columns : list, optional
        The columns the file does have (the first few are named, so the user sees what was read).
    """
    have = f" (it has columns {', '.join(map(str, columns[:6]))}{', ...' if len(columns) > 6 else ''})" if columns else ""
    return InputError(f"the file has no geometry{have}: {what} need polygons", path=path,
                      fix="give a GeoJSON, GPKG, Shapefile or GeoParquet file of polygons with a CRS (e.g. ogr2ogr "
                          "-f GPKG out.gpkg in.shp); a CSV table of attributes cannot be used here")


def clean_geometries(frame: gpd.GeoDataFrame, path, what: str) -> gpd.GeoDataFrame:
    """Repair invalid polygons with ``make_valid``, drop empty/non-areal ones; count both."""
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    if invalid.any():
        fixed = shapely.make_valid(geoms[invalid])
        # make_valid can return collections: keep only the polygonal part.
        fixed = np.array([_polygonal(g) for g in fixed], dtype=object)  # loop only over invalid ones
        geoms = geoms.copy()
        geoms[invalid] = fixed
    types = shapely.get_type_id(geoms)
    areal = np.isin(types, [3, 6]) & ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    out = frame.copy()
    out = out.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs))
    out = out[areal].copy()
    out.attrs.update(repaired=int(invalid.sum()), dropped=int((~areal).sum()), source=str(path))
    if len(out) == 0:
        raise InputError(f"no polygon {what} left after dropping {int((~areal).sum())} empty or non-polygon features",
                         path=path, fix="the file must hold polygons (footprints or boundaries)")
    return out


def _polygonal(geom):
    if geom is None:
        return None
    if shapely.get_type_id(geom) in (3, 6):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if shapely.get_type_id(g) in (3, 6)]
    return shapely.union_all(parts) if parts else None


def read_table(path, id_column: str, columns: dict, thousands: str | None = None) -> pd.DataFrame:
    """Read a statistics CSV (optionally gzipped) and map columns onto our names.

    Parameters
    ----------
    path : path
        CSV file; UTF-8 (with or without BOM) or Latin-1.
    id_column : str
        Column holding the area id.
    columns : dict
        ``{our_name: source_column}``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``area_id`` with ``our_name`` columns; numeric where the name suggests a
        count or amount.
    """
    import zlib

    from analysis.ingest import checks

    path = Path(path)
    checks.check_input_file(path, "statistics table", missing_fix="check the statistics path in the place config")
    wanted = {id_column, *(s for theirs in columns.values() for s in ([theirs] if isinstance(theirs, str) else theirs))}
    try:
        # Only the mapped columns are parsed (national tables have dozens the place does not use).
        try:
            frame = pd.read_csv(path, thousands=thousands, encoding="utf-8-sig", dtype=str, usecols=lambda c: c in wanted)
        except UnicodeDecodeError:
            frame = pd.read_csv(path, thousands=thousands, encoding="latin-1", dtype=str, usecols=lambda c: c in wanted)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, EOFError, OSError, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the CSV ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})", path=path,
                         fix="check it is a complete comma-separated table with a header row (gzip files: download "
                             "again)") from exc
    sources = {ours: [theirs] if isinstance(theirs, str) else list(theirs) for ours, theirs in columns.items()}
    missing = [c for c in [id_column, *(s for group in sources.values() for s in group)] if c not in frame.columns]
    if missing:
        try:
            header = list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
        except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, OSError, EOFError, zlib.error):
            header = list(frame.columns)
        raise InputError(f"missing columns {missing}", path=path, record="header",
                         fix=f"map existing columns in the place config (file has: {', '.join(header[:8])}, ...)")
    duplicated = frame[id_column].duplicated(keep=False)
    duplicate_ids = set(frame.loc[duplicated, id_column].str.strip())
    out = pd.DataFrame({"area_id": frame[id_column].str.strip()})
    for ours, group in sources.items():
        if len(group) > 1:  # a sum of several source columns
            parts = [read_table_column(frame, c, thousands, path) for c in group]
            out[ours] = np.sum(parts, axis=0)
            continue
        theirs = group[0]
        values = frame[theirs]
        if any(h in ours for h in NUMERIC_HINTS):
            out[ours] = numeric_values(values, theirs, thousands, path)
        else:
            out[ours] = values
    out = out.set_index("area_id")
    # Duplicated ids are ambiguous: an error only if the place uses them (checked by read_areas).
    out.attrs["duplicate_ids"] = duplicate_ids
    return out[~out.index.duplicated(keep="first")] if duplicate_ids else out


def read_table_column(frame: pd.DataFrame, column: str, thousands, path) -> np.ndarray:
    """One numeric column of a statistics table, with the same checks as :func:`read_table`."""
    return numeric_values(frame[column], column, thousands, path).to_numpy(dtype=float)


def numeric_values(values: pd.Series, column: str, thousands, path, first_row: int = 2) -> pd.Series:
    """A column of counts or amounts as floats: plain, finite numbers >= 0 (blank = missing).

    Parameters
    ----------
    values : pandas.Series
        The column as read (text or numbers).
    column : str
        Its name in the file (named in the error).
    thousands : str or None
        Thousands separator to strip.
    path : path
        The file (named in the error).
    first_row : int
        The file's row number of the first value (2 for a CSV with a header row, 1 for a boundary file).

    Raises
    ------
    analysis.errors.InputError
        One line naming the file, the row and the value (cut to 40 characters): text, a negative or a
        non-finite number (``inf``, ``1e999``).
    """
    text = values.astype("string")
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    numeric = pd.to_numeric(text, errors="coerce").astype(float)
    bad = (numeric.isna() & values.notna() & (text.str.strip() != "")).fillna(False).to_numpy(dtype=bool)
    bad |= (numeric < 0).fillna(False).to_numpy(dtype=bool) | np.isinf(numeric.to_numpy(dtype=float))
    if bad.any():
        row = int(np.argmax(bad))
        shown = str(values.iloc[row])
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        raise InputError(f"column {column} has a value that is not a plain finite number >= 0: {shown!r}", path=path,
                         record=f"row {row + first_row}",
                         fix="counts and amounts must be plain numbers >= 0 (no units, text or infinities)")
    return numeric


def apportion(table: pd.DataFrame, lookup: pd.DataFrame, source: str, target: str, weight: str | None) -> pd.DataFrame:
    """Bring counts on source areas onto target areas with a best-fit lookup.

    Parameters
    ----------
    table : pandas.DataFrame
        Counts indexed by source area id (numeric columns are apportioned, others dropped).
    lookup : pandas.DataFrame
        One row per (source, target) pair, columns ``source``, ``target`` and optionally ``weight``.
    source, target : str
        Column names of the source and target ids in ``lookup``.
    weight : str, optional
        Column used to split a source area among several targets (e.g. the targets' 2011
        population); equal shares when omitted.

    Returns
    -------
    pandas.DataFrame
        Counts indexed by target id: exact sums for one-to-one and many-to-one pairs; a source
        shared among several targets is split by weight and rounded by largest remainder, so
        every source's counts are kept in total and each target gets whole numbers.
    """
    pairs = lookup[[source, target] + ([weight] if weight else [])].dropna(subset=[source, target]).copy()
    pairs[source], pairs[target] = pairs[source].astype(str).str.strip(), pairs[target].astype(str).str.strip()
    pairs = pairs.drop_duplicates([source, target])
    w = pd.to_numeric(pairs[weight], errors="coerce").fillna(0).clip(lower=0).to_numpy() if weight else np.ones(len(pairs))
    pairs["_w"] = w
    totals = pairs.groupby(source)["_w"].transform("sum")
    n_targets = pairs.groupby(source)["_w"].transform("size")
    pairs["_share"] = np.where(totals > 0, pairs["_w"] / totals.replace(0, np.nan), 1.0 / n_targets)
    numeric = table.select_dtypes("number")
    joined = pairs.join(numeric, on=source, how="inner")
    out = {}
    group_key = joined[source].to_numpy()
    for column in numeric.columns:
        exact = joined["_share"].to_numpy() * joined[column].to_numpy(dtype=float)
        out[column] = _largest_remainder(exact, group_key)
    result = pd.DataFrame(out, index=joined.index).assign(**{target: joined[target].to_numpy()})
    return result.groupby(target)[list(numeric.columns)].sum(min_count=1)


def _largest_remainder(exact: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Round ``exact`` shares to whole numbers so that each group keeps its (whole) total."""
    exact = np.nan_to_num(exact)
    base = np.floor(exact + 1e-9)
    frame = pd.DataFrame({"g": group, "rem": exact - base, "base": base, "exact": exact})
    short = (frame.groupby("g")["exact"].transform("sum").round() - frame.groupby("g")["base"].transform("sum"))
    order = frame.sort_values(["g", "rem"], ascending=[True, False]).groupby("g").cumcount()
    return base + (order.reindex(frame.index).to_numpy() < short.to_numpy())


def boundary_statistics(frame: pd.DataFrame, columns: dict, path) -> pd.DataFrame:
    """Statistics carried by the boundary file itself: its columns named as ours (``households``,
    ``population``, …; :data:`analysis.config.AREA_COLUMNS`), or mapped with ``areas.columns``
    (``{households: hh}``). A statistics table naming the same column later replaces it.

    Parameters
    ----------
    frame : pandas.DataFrame
        The boundary file's attributes (``area_id`` already named).
    columns : dict
        ``{our_name: boundary column}`` from ``areas.columns``.
    path : path
        The boundary file (named in errors).
    """
    from analysis.config import AREA_COLUMNS

    missing = [theirs for theirs in columns.values() if theirs not in frame.columns]
    if missing:
        raise InputError(f"areas.columns names {missing[0]!r}, which the boundary file lacks", path=path,
                         record="header", fix=f"use one of {', '.join(map(str, list(frame.columns)[:8]))}")
    mapping = {ours: theirs for ours, theirs in columns.items()}
    mapping |= {c: c for c in frame.columns if c in AREA_COLUMNS and c != "name" and c not in mapping}
    out = pd.DataFrame(index=frame.index)
    for ours, theirs in mapping.items():
        if any(h in ours for h in NUMERIC_HINTS):
            out[ours] = numeric_values(frame[theirs], str(theirs), None, path, first_row=1)
        else:
            out[ours] = frame[theirs]
    return out.reset_index(drop=True)


def read_areas(config) -> gpd.GeoDataFrame:
    """Areas of a place with all configured statistics joined on their id.

    Parameters
    ----------
    config : analysis.config.PlaceConfig

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id``, ``name``, statistics columns, derived tenure totals, ``area_ha`` [ha],
        geometry in the place CRS.
    """
    from analysis.ingest import checks

    section = config.section("areas")
    path = config.resolve(section["file"])
    frame = read_vector(path, config.crs, what="area boundaries")
    id_col = section.get("id", "area_id")
    if id_col not in frame.columns:
        raise InputError(f"no id column {id_col!r}", path=path, fix=f"set areas.id to one of {list(frame.columns)[:8]}")
    frame = frame.rename(columns={id_col: "area_id"})
    frame["area_id"] = frame["area_id"].astype(str).str.strip()
    dup = frame["area_id"].duplicated()
    if dup.any():
        raise InputError(f"duplicate area id {frame['area_id'][dup].iloc[0]!r}", path=path, fix="area ids must be unique")
    if "name" in section and section["name"] in frame.columns:
        frame["name"] = frame[section["name"]].astype(str)
    own = boundary_statistics(frame, section.get("columns") or {}, path)
    frame = frame[["area_id", "name", "geometry"] if "name" in frame.columns else ["area_id", "geometry"]]
    frame = frame.set_index("area_id")
    if not own.empty:
        frame = frame.join(own.set_axis(frame.index))
    from_boundary = set(own.columns)
    replaced_columns: list[str] = []
    for stat in section.get("statistics", []):
        table = read_table(config.resolve(stat["file"]), stat.get("id", section.get("stat_id", "area_id")),
                           stat["columns"], stat.get("thousands"))
        clash = table.attrs.get("duplicate_ids", set()) & set(frame.index)
        if clash and not stat.get("lookup"):
            raise InputError(f"duplicate id {sorted(clash)[0]!r} ({len(clash)} of this place's areas appear twice)",
                             path=config.resolve(stat["file"]), fix="each area id must appear once")
        if stat.get("lookup"):
            spec = stat["lookup"]
            lookup_path = config.resolve(spec["file"])
            checks.check_input_file(lookup_path, "area lookup", missing_fix="check the lookup path in the place config")
            try:
                lookup = pd.read_csv(lookup_path, dtype=str)
            except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError) as exc:
                raise InputError(f"cannot read the lookup ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})",
                                 path=lookup_path, fix="check it is a comma-separated table with a header row") from exc
            absent = [c for c in (spec["from"], spec["to"], spec.get("weight")) if c and c not in lookup.columns]
            if absent:
                raise InputError(f"lookup lacks columns {absent}", path=lookup_path, record="header",
                                 fix=f"name the source, target and weight columns (file has {', '.join(lookup.columns[:8])})")
            text_cols = [c for c in table.columns if not pd.api.types.is_numeric_dtype(table[c])]
            # Only the source areas that map onto this place (with all their targets, so that a
            # source split among several areas keeps its whole total when rounded).
            targets = lookup[spec["to"]].astype(str).str.strip()
            sources = set(lookup.loc[targets.isin(frame.index), spec["from"]].astype(str).str.strip())
            if sources:
                lookup = lookup[lookup[spec["from"]].astype(str).str.strip().isin(sources)]
            table = apportion(table.drop(columns=text_cols), lookup, spec["from"], spec["to"], spec.get("weight"))
            if not set(table.index) & set(frame.index):
                raise InputError(f"the lookup maps no {spec['from']} code of {Path(stat['file']).name} onto this "
                                 f"place's {spec['to']} codes", path=lookup_path,
                                 fix="check the lookup's from/to columns and that it covers the place")
        replaced = [c for c in table.columns if c in from_boundary]  # a table replaces the boundary's own column
        frame, from_boundary = frame.drop(columns=replaced), from_boundary - set(replaced)
        replaced_columns += replaced
        overlap = [c for c in table.columns if c in frame.columns]
        frame = frame.join(table.drop(columns=overlap), how="left")
        if stat.get("required", True):
            cols = [c for c in table.columns if c not in overlap]
            missing = frame[cols].isna().all(axis=1) if cols else pd.Series(False, index=frame.index)
            if missing.all():
                raise InputError("no area id matches the boundaries", path=config.resolve(stat["file"]),
                                 fix="check the id column holds the same codes as the boundary file")
    frame = frame.reset_index()
    # Neutral names (income_mean) are stored under the store's column names (income_mean_gbp: amounts in
    # the place's currency, whatever it is; the name is the store schema's).
    from analysis.config import OLD_AREA_COLUMNS

    for stored, neutral in OLD_AREA_COLUMNS.items():
        if neutral in frame.columns:
            frame = frame.drop(columns=[stored], errors="ignore").rename(columns={neutral: stored})
    for total, parts in TENURE_PARTS.items():
        present = [p for p in parts if p in frame.columns]
        if present and total not in frame.columns:
            frame[total] = frame[present].sum(axis=1, min_count=1)
    if "name" not in frame.columns:
        frame["name"] = frame["area_id"]
    frame["name"] = frame["name"].fillna(frame["area_id"])
    frame["area_ha"] = frame.geometry.area / 1e4
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=config.crs)
    out.attrs["replaced_boundary_columns"] = replaced_columns  # said in the run's data-quality log
    return out
