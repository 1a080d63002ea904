"""Campaign toolkit: a one-page fact sheet for a neighbourhood, a drawn boundary or a list of buildings.

The fact sheet is plain HTML with an inline SVG map (no scripts, no network), laid out for A4
printing from any browser; ``--pdf`` prints it with headless Chromium when one is installed.
Everything on it is read from the place's store; nothing is recomputed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis import currency, findings, funding, store, tables
from analysis.charts import OWNER_LABELS, PALETTE, SCENARIO_LABELS
from analysis.errors import InputError
from analysis.jobs import jobs_range

OWNER_COLOURS = {owner: PALETTE[owner] for owner in OWNER_LABELS}  # the book's colours (charts.PALETTE)


def safe_name(text: str, fallback: str = "selection") -> str:
    """A file-name-safe slug (letters, digits, dashes) for user-supplied names."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", str(text)).strip("-").lower()[:60]
    return slug or fallback


#: Largest user file read by the toolkit (a buildings list or a drawn boundary) [bytes].
MAX_USER_FILE_BYTES = 200 << 20


def _selection_ids(con, building_ids) -> None:
    """Put the selected ids in a temp table, as data (a bound DataFrame, never spliced into SQL)."""
    ids = pd.DataFrame({"building_id": pd.Series([str(b) for b in building_ids], dtype=object)}).drop_duplicates()
    con.execute("CREATE OR REPLACE TEMP TABLE selection (building_id VARCHAR PRIMARY KEY)")
    con.register("__selection_ids", ids)
    try:
        con.execute("INSERT INTO selection SELECT building_id FROM __selection_ids")
    finally:
        con.unregister("__selection_ids")


def select_area(con, area_id: str) -> tuple[list[str], str]:
    """Buildings of one area (by id); the area's name. The id is bound as data, never SQL."""
    area_id = str(area_id).strip()
    row = con.execute("SELECT name FROM areas WHERE area_id = ?", [area_id]).fetchone()
    if row is None:
        sample = [r[0] for r in con.execute("SELECT area_id FROM areas ORDER BY area_id LIMIT 3").fetchall()]
        shown = area_id if len(area_id) <= 60 else area_id[:57] + "..."
        raise InputError(f"no area with id {shown!r} in the store", record="--area",
                         fix=f"use an id like {', '.join(sample)} (see the areas table or the book's data tables)")
    ids = [r[0] for r in con.execute("SELECT building_id FROM buildings WHERE area_id = ?", [area_id]).fetchall()]
    return ids, (f"{row[0]}, {area_id}" if str(row[0]) != area_id else area_id)


def select_boundary(con, path, crs: str) -> tuple[list[str], str, object]:
    """Buildings intersecting a user boundary (any CRS; reprojected). Returns ids, name, polygon."""
    from analysis.ingest.areas import read_vector
    from analysis.ingest.checks import check_input_file

    check_input_file(path, "boundary file", MAX_USER_FILE_BYTES, missing_fix="check the path of the boundary file")
    frame = read_vector(path, crs, what="boundary")
    polygon = shapely.union_all(frame.geometry.to_numpy())
    rows = con.execute("SELECT building_id FROM buildings WHERE ST_Intersects(geom, ST_GeomFromWKB(?))",
                       [shapely.to_wkb(polygon)]).fetchall()
    if not rows:
        extent = con.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                             "(SELECT ST_Extent_Agg(geom) AS e FROM areas)").fetchone()
        raise InputError("the boundary contains no buildings of this place", path=path,
                         fix=f"draw it inside the place's extent {tuple(round(v) for v in extent)} ({crs})")
    name_col = next((c for c in ("name", "Name", "NAME") if c in frame.columns), None)
    name = str(frame[name_col].iloc[0]) if name_col else Path(path).stem
    return [r[0] for r in rows], name, polygon


def select_list(con, path, crs: str) -> tuple[list[str], str, dict]:
    """Buildings named in a CSV by ``building_id`` or located by ``lat``/``lon`` (WGS84) points.

    Returns
    -------
    ids, name, report
        ``report`` counts matched and unmatched rows (unmatched row numbers listed).
    """
    from analysis.ingest.checks import check_input_file

    path = Path(path)
    check_input_file(path, "buildings list (CSV)", MAX_USER_FILE_BYTES, missing_fix="check the path of the buildings list")
    try:
        try:
            table = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        except UnicodeDecodeError:
            table = pd.read_csv(path, dtype=str, encoding="latin-1")
    except pd.errors.EmptyDataError as exc:
        raise InputError("the list is empty", path=path, fix="add a header row and one building per row") from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"not a readable CSV ({' '.join(str(exc).split())[:100]})", path=path,
                         fix="save the list as comma-separated values with one header row") from exc
    if table.empty:
        raise InputError("the list has a header but no buildings", path=path, record="row 2",
                         fix="add one building per row under the header (building_id, or lat and lon)")
    cols = {str(c).lower().strip(): c for c in table.columns}
    if "building_id" in cols:
        wanted = table[cols["building_id"]].fillna("").str.strip()
        _selection_ids(con, wanted)
        found = {r[0] for r in con.execute("SELECT building_id FROM buildings JOIN selection USING (building_id)").fetchall()}
        matched = wanted.isin(found).to_numpy()
        ids = sorted(found)
    elif {"lat", "lon"} <= set(cols) or {"latitude", "longitude"} <= set(cols):
        lat = pd.to_numeric(table[cols.get("lat", cols.get("latitude"))], errors="coerce")
        lon = pd.to_numeric(table[cols.get("lon", cols.get("longitude"))], errors="coerce")
        bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
        if bad.all():
            raise InputError("no valid lat/lon in the list", path=path, record=f"row {int(np.argmax(bad)) + 2}",
                             fix="give decimal degrees (WGS84), e.g. lat 51.55, lon -0.15")
        pts = gpd.GeoSeries(gpd.points_from_xy(lon.fillna(0), lat.fillna(0)), crs=4326).to_crs(crs)
        ids, matched = [], np.zeros(len(table), dtype=bool)
        for i, point in enumerate(pts):  # one lookup per listed building (lists are short)
            if bad.iloc[i]:
                continue
            row = con.execute("SELECT building_id FROM buildings WHERE ST_DWithin(geom, ST_GeomFromWKB(?), 15) "
                              "ORDER BY ST_Distance(geom, ST_GeomFromWKB(?)) LIMIT 1",
                              [shapely.to_wkb(point), shapely.to_wkb(point)]).fetchone()
            if row:
                ids.append(row[0])
                matched[i] = True
        ids = sorted(set(ids))
    else:
        raise InputError("the list needs a building_id column or lat and lon columns", path=path, record="header",
                         fix="name the columns building_id, or lat and lon (decimal degrees)")
    if not ids:
        raise InputError("none of the listed buildings is in this place's store", path=path,
                         fix="check the ids or coordinates belong to the place you ran")
    unmatched = [int(i) + 2 for i in np.flatnonzero(~matched)]
    return ids, path.stem, {"rows": len(table), "matched": int(matched.sum()), "unmatched_rows": unmatched[:20]}


def _columns(con, table: str) -> set[str]:
    """Column names of a store table (empty when the table is absent)."""
    return {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                      [table]).fetchall()}


def defaults_used(con) -> pd.DataFrame:
    """Defaults the place's run used in place of missing data: one row per field.

    Read from the store's ``data_quality`` table (which field, how many records, which default);
    a store without that table falls back to the run summary's ``defaults_used`` lines.

    Returns
    -------
    pandas.DataFrame
        ``step``, ``field``, ``defaulted`` (records), ``default`` (text); tenure, households, homes,
        income and energy first, then by records.
    """
    if {"step", "field", "defaulted", "default"} <= _columns(con, "data_quality"):
        # Those that change who gains first (tenure, households, homes, income, energy), then the rest.
        return con.execute('SELECT step, field, defaulted, "default" FROM data_quality WHERE defaulted > 0 '
                           "ORDER BY CASE step WHEN 'tenure' THEN 0 WHEN 'areas' THEN 1 WHEN 'homes' THEN 2 "
                           "WHEN 'economics' THEN 3 WHEN 'energy' THEN 4 ELSE 5 END, defaulted DESC, field").df()
    run = store.last_run(con) or {}
    lines = json.loads(run.get("summary") or "{}").get("defaults_used", [])
    rows = []
    for line in lines:  # "step.field: N record(s) set to DEFAULT" (analysis.quality.QualityLog.defaults_used)
        match = re.match(r"^([^.]+)\.(.+?): ([\d,]+) record\(s\) set to (.*)$", line)
        if match:
            rows.append({"step": match[1], "field": match[2], "defaulted": int(match[3].replace(",", "")),
                         "default": match[4]})
    return pd.DataFrame(rows, columns=["step", "field", "defaulted", "default"])


def factsheet_data(con, building_ids: list[str]) -> dict:
    """All numbers for a fact sheet of the given buildings, read from the store."""
    _selection_ids(con, building_ids)
    one = lambda sql: con.execute(sql).df().iloc[0]  # noqa: E731
    # Potential without neighbours' shade (stores from before shading was modelled lack it: n/a).
    unshaded = ("sum(unshaded_kwh_central)" if "unshaded_kwh_central" in _columns(con, "building_potential")
                else "NULL::DOUBLE")
    pv = one(f"""SELECT count(*) AS buildings, count(*) FILTER (WHERE suitable_planes > 0) AS suitable,
        sum(usable_m2) AS usable_m2, sum(kwp_low) kwp_low, sum(kwp_central) kwp_central, sum(kwp_high) kwp_high,
        sum(kwh_low) kwh_low, sum(kwh_central) kwh_central, sum(kwh_high) kwh_high,
        {unshaded} AS unshaded_kwh_central
        FROM building_potential JOIN selection USING (building_id)""")
    b = one("""SELECT sum(dwellings) AS dwellings, bool_and(synthetic) AS synthetic, avg(roof_shape_assumed::INT) AS roof_assumed,
        count(DISTINCT area_id) AS areas, sum(dw_owner_occupied) AS owner_occupied, sum(dw_social_rented) AS social_rented,
        sum(dw_private_rented) + sum(dw_other) AS private_rented, sum(consents) AS consents,
        avg((levels_source = 'observed')::INT) AS levels_observed, avg((use_source = 'observed')::INT) AS use_observed,
        avg((use_source = 'imputed')::INT) AS use_imputed, avg((roof_owner_source = 'observed')::INT) AS owner_observed,
        avg((roof_owner_source = 'imputed')::INT) AS owner_imputed, avg((age_source = 'observed')::INT) AS age_observed
        FROM buildings JOIN selection USING (building_id)""")
    heat = one("""SELECT sum(h.heat_kwh_central) AS demand_kwh, sum(rs.heat_kwh_heat_only) AS solar_heat_kwh,
        avg(c.dh_zone::INT) AS share_in_dh_zone, sum(h.heat_kwh_central) / 1000 /
        nullif(count(DISTINCT (c.cell_x, c.cell_y)), 0) AS mwh_per_cell
        FROM building_heat h JOIN selection USING (building_id)
        LEFT JOIN (SELECT building_id, sum(heat_kwh_heat_only) AS heat_kwh_heat_only FROM roof_scenarios GROUP BY 1) rs USING (building_id)
        LEFT JOIN heat_cells c USING (cell_x, cell_y)""")
    owners = con.execute("""SELECT b.roof_owner, count(*) AS buildings, sum(b.dwellings) AS dwellings, sum(p.kwp_central) AS kwp
        FROM buildings b JOIN selection USING (building_id) JOIN building_potential p USING (building_id)
        GROUP BY 1 ORDER BY kwp DESC""").df()
    money = con.execute("""WITH w AS (SELECT area_id, sum(dwellings) AS dw FROM buildings JOIN selection USING (building_id) GROUP BY 1)
        SELECT s.scenario, sum(s.net_per_household * w.dw) / sum(w.dw) AS net, sum(s.benefit_per_household * w.dw) / sum(w.dw) AS benefit,
               sum(s.cost_shift_per_household * w.dw) / sum(w.dw) AS cost
        FROM scenario_area s JOIN w USING (area_id) GROUP BY 1""").df().set_index("scenario")
    geoms = con.execute("""SELECT b.building_id, ST_AsWKB(b.geom) AS wkb, b.roof_owner, p.kwh_central
        FROM buildings b JOIN selection USING (building_id) JOIN building_potential p USING (building_id)""").df()
    existing = (con.execute("""SELECT count(DISTINCT e.building_id) AS buildings, coalesce(sum(e.kwp), 0) AS kwp,
        string_agg(DISTINCT e.source, ', ') AS sources FROM existing_pv e JOIN selection USING (building_id)""").df().iloc[0]
                if "existing_pv" in store.table_names(con) else None)
    # Fuel-poor households: each home counts at its neighbourhood's published share (DESNZ LILEE); n/a
    # where the place gives no fuel-poverty column.
    fuel = (one("""SELECT sum(b.dwellings * a.fuel_poor_households / nullif(a.households, 0)) AS fuel_poor,
        sum(b.dwellings) FILTER (WHERE a.fuel_poor_households IS NOT NULL) AS homes_known
        FROM buildings b JOIN selection USING (building_id) JOIN areas a USING (area_id)""")
            if "fuel_poor_households" in _columns(con, "areas") else None)
    heat_scheme = (con.execute("SELECT bill_ratio, saving_per_connected_household FROM heat_ownership "
                               "WHERE model = 'council' AND scale = 'borough' AND households_connected > 0").fetchone()
                   if "heat_ownership" in store.table_names(con) else None)
    info = store.place_info(con, fallback_crs="unknown")
    table = place_funding_table(info)
    routes = (sorted({r for owner in owners["roof_owner"].astype(str) for r in funding.routes(owner, table)}
                     | set(funding.routes("community_coop", table)))
              if table is not None else None)
    assumptions = con.execute("SELECT * FROM assumptions").df()
    work = (jobs_range(float(pv["kwp_central"] or 0) / 1000, assumptions)
            if ((assumptions["group"] == "jobs").sum() >= 3) else None)
    run = store.last_run(con) or {}
    summary = json.loads(run.get("summary") or "{}")
    per_home = kwh_per_home(con, selection=True)
    trees = (con.execute("SELECT coalesce(max(records), 0) FROM data_quality WHERE step = 'trees' "
                         "AND field = 'crowns'").fetchone()[0] if "data_quality" in store.table_names(con) else 0)
    return {"pv": pv, "buildings": b, "kwh_per_home": per_home, "trees": int(trees), "heat": heat, "owners": owners,
            "money": money, "geoms": geoms, "run": run, "summary": summary, "defaults": defaults_used(con),
            "existing": existing, "meta": store.meta(con), "info": info,
            "fuel": fuel, "jobs": work, "funding": routes, "bills": typical_bills(con, per_home),
            "heat_scheme": heat_scheme,
            "tenure_words": ("census shares of the neighbourhood" if store.tenure_observed(con) else
                             "assumed England and Wales shares: this place gives no tenure counts")}


def kwh_per_home(con, selection: bool = False) -> float:
    """Electricity a home uses a year [kWh]: the metered mean of the place's neighbourhoods (only those
    holding the ``selection`` table's buildings when ``selection``), else the per-home default the
    money step uses (logged there as a default)."""
    from analysis.economics.inputs import KWH_PER_HOME_DEFAULT

    where = ("WHERE area_id IN (SELECT DISTINCT area_id FROM buildings JOIN selection USING (building_id))"
             if selection else "")
    value = con.execute(f"SELECT sum(elec_kwh) / nullif(sum(elec_meters), 0) FROM areas {where}").fetchone()[0]
    return float(value) if value is not None and np.isfinite(value) else KWH_PER_HOME_DEFAULT


def money_words(meta: dict) -> tuple[str, str]:
    """(currency symbol or code, price date as words) from the store's meta."""
    from analysis.economics.views import month_words

    from analysis.currency import symbol_of

    return symbol_of(meta.get("currency")), month_words(meta.get("price_date")) or "the store's"


def svg_map(geoms: pd.DataFrame, boundary=None, width: int = 640, height: int = 360) -> str:
    """Inline SVG of footprints coloured by owner type (and the boundary outline)."""
    shapes = shapely.from_wkb(geoms["wkb"].apply(bytes).to_numpy())
    parts = list(shapes) + ([boundary] if boundary is not None else [])
    minx, miny, maxx, maxy = shapely.total_bounds(np.array(parts, dtype=object))
    span = max(maxx - minx, maxy - miny, 1.0)
    scale = min((width - 20) / max(maxx - minx, 1), (height - 20) / max(maxy - miny, 1))
    tx = lambda x: 10 + (x - minx) * scale  # noqa: E731
    ty = lambda y: height - 10 - (y - miny) * scale  # noqa: E731

    def path(geom):
        out = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords)
                out.append("M" + " L".join(f"{tx(x):.1f},{ty(y):.1f}" for x, y in xy) + " Z")
        return " ".join(out)

    items = []
    if boundary is not None:
        items.append(f'<path d="{path(boundary)}" fill="#f4f4f4" stroke="#555" stroke-dasharray="4 3" stroke-width="1.2"/>')
    for geom, owner in zip(shapes, geoms["roof_owner"]):
        colour = OWNER_COLOURS.get(owner, "#999")
        items.append(f'<path d="{path(geom)}" fill="{colour}" stroke="#333" stroke-width="0.3">'
                     f'<title>{html.escape(OWNER_LABELS.get(owner, str(owner)))}</title></path>')
    target = span / 4  # a scale bar about a quarter of the map, rounded to 1, 2 or 5 × 10^k metres
    base = 10 ** np.floor(np.log10(target))
    bar_m = max(m * base for m in (1, 2, 5) if m * base <= target)
    bar_px = bar_m * scale
    items.append(f'<line x1="12" y1="{height - 6}" x2="{12 + bar_px:.1f}" y2="{height - 6}" stroke="#000" stroke-width="2"/>'
                 f'<text x="{16 + bar_px:.1f}" y="{height - 3}" font-size="10">{bar_m:,.0f} m</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="Map of the selected buildings coloured by roof owner">{"".join(items)}</svg>')


def shading_caveat(shaded_kwh, unshaded_kwh, trees: int = 0) -> str:
    """The caveat on shade: what is modelled (neighbouring buildings, mapped trees) and its effect.

    Parameters
    ----------
    shaded_kwh, unshaded_kwh : float
        Central annual generation with and without shade [kWh/yr]; ``unshaded`` is NaN for stores
        made before shading was modelled.
    trees : int
        Trees, rows and woods the run shaded roofs with (0: trees not modelled).
    """
    if unshaded_kwh is None or pd.isna(unshaded_kwh) or not unshaded_kwh > 0:
        return ("Shading by neighbouring buildings is not in this store (made before it was modelled: rerun); trees "
                "are not modelled either, so potential is on the high side.")
    loss = 100 * (1 - shaded_kwh / unshaded_kwh)
    energy = lambda kwh: f"{kwh / 1e6:,.2f} GWh/yr" if unshaded_kwh >= 1e6 else f"{kwh / 1e3:,.1f} MWh/yr"  # noqa: E731
    what = (f"neighbouring buildings and {trees:,} mapped trees (seen through their leaves)" if trees
            else "neighbouring buildings")
    tail = ("Trees missing from the map are not counted, so where they shade roofs the potential is on the high side."
            if trees else "Trees are not modelled, so where trees shade roofs the potential is on the high side.")
    return (f"Shade from {what} is modelled: it takes {loss:.1f} % off these roofs' electricity "
            f"({energy(unshaded_kwh)} without it, {energy(shaded_kwh)} with it). {tail}")


def defaults_caveat(defaults: pd.DataFrame | None, limit: int = 4) -> str:
    """One caveat naming the defaults used in place of missing data (HTML-escaped), or "".

    Parameters
    ----------
    defaults : pandas.DataFrame, optional
        :func:`defaults_used` rows (step, field, defaulted, default), those that matter most first.
    limit : int
        At most this many fields are named (the rest are counted; all are in the store).
    """
    if defaults is None or defaults.empty:
        return ""
    items = [f"{html.escape(str(r.field))}: {int(r.defaulted):,} record{'s' * (int(r.defaulted) != 1)} set to "
             f"{html.escape(str(r.default))}" for r in defaults.head(limit).itertuples()]
    more = len(defaults) - limit
    return ("Defaults were used in place of missing data in this place's run — " + "; ".join(items)
            + (f"; and {more} more field{'s' * (more > 1)} (see the store's data_quality table)" if more > 0 else "")
            + ".")


def render_factsheet(title: str, data: dict, place: str, boundary=None, selection_note: str = "") -> str:
    """The fact sheet as a complete, self-contained HTML page (A4 print layout)."""
    pv, b, heat, money = data["pv"], data["buildings"], data["heat"], data["money"]
    f0 = lambda v: "n/a" if v is None or pd.isna(v) else f"{v:,.0f}"  # noqa: E731
    f1 = lambda v: "n/a" if v is None or pd.isna(v) else f"{v:,.1f}"  # noqa: E731
    homes = pv["kwh_central"] / data["kwh_per_home"] if data["kwh_per_home"] else np.nan
    owners_rows = "".join(
        f"<tr><td><span class='dot' style='background:{OWNER_COLOURS.get(r.roof_owner, '#999')}'></span>"
        f"{html.escape(OWNER_LABELS.get(r.roof_owner, str(r.roof_owner)))}</td><td>{f0(r.buildings)}</td>"
        f"<td>{f0(r.dwellings)}</td><td>{f1(r.kwp)}</td></tr>" for r in data["owners"].itertuples())
    pct = lambda v: "n/a" if v is None or pd.isna(v) else f"{100 * v:.0f} %"  # noqa: E731
    tenure_line = (f"The {f0(b['dwellings'])} homes here are {f0(b['owner_occupied'])} owner-occupied, "
                   f"{f0(b['social_rented'])} socially rented and {f0(b['private_rented'])} privately rented "
                   f"({data['tenure_words']}, allocated to buildings); putting panels on all these roofs "
                   f"needs the agreement of about {f0(b['consents'])} roof owners and leaseholders.")
    cur, when = money_words(data.get("meta") or {})
    currency.use((data.get("meta") or {}).get("currency"))
    # Sign before the symbol, pence when small, never "£-0" (findings.gbp_auto): "−£0.38", "£27".
    amount = lambda v: html.escape(findings.gbp_auto(v))  # noqa: E731
    money_rows = "".join(
        f"<tr><td>{SCENARIO_LABELS[s]}</td><td>{amount(money.loc[s, 'benefit'])}</td><td>{amount(money.loc[s, 'cost'])}</td>"
        f"<td><strong>{amount(money.loc[s, 'net'])}</strong></td></tr>" for s in SCENARIO_LABELS if s in money.index)
    ex = data.get("existing")
    existing_line = ("" if ex is None else
                     f"<p><small>Panels already on these roofs: {f0(ex['buildings'])} buildings, {f1(ex['kwp'])} kWp "
                     f"({html.escape(str(ex['sources'] or 'none recorded'))}; mapped panels are an undercount). The "
                     f"potential above is what more panels could add.</small></p>")
    synthetic = bool(b["synthetic"])
    caveats = [
        shading_caveat(pv["kwh_central"], pv["unshaded_kwh_central"], data.get("trees", 0)),
        f"Money figures are per household per year for the neighbourhoods these buildings are in, at {when} prices "
        f"({html.escape(str((data.get('meta') or {}).get('currency') or 'GBP'))}); they compare ownership structures "
        "and are not a forecast.",
    ]
    defaults = defaults_caveat(data.get("defaults"))
    if defaults:
        caveats.append(defaults)
    if synthetic:
        caveats.insert(0, "<strong>The buildings are synthetic</strong>: generated from real census counts of "
                          "dwelling types; footprints, storeys, ages and owners are assumed.")
    else:
        licence_text = data["summary"].get("buildings_licence") or ""
        origin = "OpenStreetMap" if "openstreetmap" in licence_text.lower() else "the place's buildings file"
        caveats.insert(0, f"Footprints are real ({origin}). Storeys were mapped for {pct(b['levels_observed'])} of "
                          f"these buildings and estimated for the rest; use was tagged for {pct(b['use_observed'])} and "
                          f"inferred for {pct(b['use_imputed'])} from how many homes the census counts here; roof owners "
                          f"are recorded for {pct(b['owner_observed'])}, otherwise inferred from tenure and use.")
    share_dh = heat["share_in_dh_zone"]
    dh_text = ("most of these buildings sit in a dense heat zone where a heat network fits"
               if share_dh is not None and share_dh >= 0.5 else "heat demand here is below the district-heating threshold for most buildings")
    info = data["info"]
    # The store's credits for the place's inputs (footprints first), then the model's own references.
    sources = "; ".join([*info.credits, "model: pvlib (PVWatts v5 chain) validated against NREL PVWatts, ISO 9806 "
                                         "collectors, CIBSE TM46 benchmarks"]) + "."
    licence = "" if synthetic else info.buildings_licence
    osm = "openstreetmap" in licence.lower()
    attribution = " (openstreetmap.org/copyright)" if osm else ""
    run = data["run"]
    work = data.get("jobs")
    jobs_kpi = ("n/a", "jobs: rerun the place with this version") if work is None else (
        f"{f0(work['central'].install_job_years)} job-years",
        f"to fit these panels ({f0(work['low'].install_job_years)}–{f0(work['high'].install_job_years)}), then "
        f"{f1(work['central'].maintenance_jobs)} jobs looking after them for {f0(work['central'].life_years)} years")
    fuel = data.get("fuel")
    fuel_poor = None if fuel is None or pd.isna(fuel["fuel_poor"]) else float(fuel["fuel_poor"])
    fuel_kpi = (("n/a", "fuel-poor homes: the place gives no fuel-poverty figures") if fuel_poor is None else
                (f0(fuel_poor), f"fuel-poor homes here ({pct(fuel_poor / max(float(b['dwellings'] or 0), 1))} of homes; "
                                "DESNZ, low income and low energy efficiency)"))
    kpis = [(f0(pv['buildings']), f"roofs ({f0(pv['suitable'])} with a suitable plane, {f0(pv['usable_m2'])} m² usable)"),
            (f"{f1(pv['kwp_central'] / 1000)} MWp", f"solar capacity ({f1(pv['kwp_low'] / 1000)}–{f1(pv['kwp_high'] / 1000)})"),
            (f"{f1(pv['kwh_central'] / 1e6)} GWh/yr", f"electricity ({f1(pv['kwh_low'] / 1e6)}–{f1(pv['kwh_high'] / 1e6)}); "
                                                      f"{f1(pv['unshaded_kwh_central'] / 1e6)} without neighbours' shade"),
            (f0(homes), "homes' worth of electricity a year"),
            jobs_kpi, fuel_kpi,
            (f0(b['consents']), "roof owners and leaseholders who must agree"),
            (f"{f1((heat['demand_kwh'] or 0) / 1e6)} GWh/yr", "heat demand of these buildings"),
            (f"{f1((heat['solar_heat_kwh'] or 0) / 1e6)} GWh/yr", "solar heat if the roofs carried collectors instead"),
            (f"{f0((share_dh or 0) * 100)} %", "of buildings in a district-heating zone")]
    routes = data.get("funding")
    funding_html = ("" if routes is None else
                    f"<h2>Funding that could fit the panels</h2><p><small>{html.escape('; '.join(routes) or 'none open or announced')} "
                    "— programmes open or announced for these roof owners or a community group (check each with "
                    "its funder).</small></p>")
    scheme = data.get("heat_scheme")
    heat_bill = ""
    if scheme is not None and scheme[0] is not None and np.isfinite(scheme[0]):
        saving = float(scheme[1])
        heat_bill = (f" A council heat network would charge connected homes {scheme[0]:.2f} times their gas bill "
                     f"({amount(abs(saving))} a year {'less' if saving > 0 else 'more'} than gas for each home)")
        heat_bill += ("; Ofgem has regulated heat networks' service and prices since 27 January 2026."
                      if currency.code() == "GBP" else ".")
    bills = data.get("bills")
    bills_html = ""
    if bills is not None and len(bills):
        wide = bills.pivot(index="tenure", columns="model", values="bill_after").reindex(
            [t for t in BILL_TENURES if t in set(bills["tenure"])])
        head = "".join(f"<th>{html.escape(BILL_HEADS.get(m, SCENARIO_LABELS.get(m, m)))}</th>" for m in BILL_MODELS
                       if m in wide.columns)
        body = "".join(f"<tr><td>{BILL_TENURES[t]}</td><td>{amount(float(bills['bill_today'].iloc[0]))}</td>"
                       + "".join(f"<td>{amount(wide.loc[t, m])}</td>" for m in BILL_MODELS if m in wide.columns)
                       + "</tr>" for t in wide.index)
        bills_html = (f"<h2>A household's electricity bill a year</h2><table><tr><th>Household</th><th>Today</th>{head}"
                      f"</tr>{body}</table><small>{f0(data['kwh_per_home'])} kWh a year at {when} prices, less the "
                      f"household's net gain under each way of owning the panels ({html.escape(place)}-wide figures "
                      "by tenure).</small>")
    kpi_html = "".join(f"<div class='kpi'><b>{html.escape(v, quote=False)}</b><span>{html.escape(t, quote=False)}</span></div>"
                       for v, t in kpis)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} — rooftop energy fact sheet</title>
<style>
@page {{ size: A4; margin: 8mm; }}
body {{ font: 9.5pt/1.3 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #111; max-width: 190mm; margin: 0 auto; padding: 8px; }}
h1 {{ font-size: 16pt; margin: 0 0 2px; }} h2 {{ font-size: 10.5pt; margin: 6px 0 3px; border-bottom: 2px solid #0072B2; }}
.sub {{ color: #444; margin: 0 0 6px; }} .grid {{ display: grid; grid-template-columns: repeat(5, 1fr); gap: 4px; }}
.kpi {{ background: #f2f6fa; padding: 4px 5px; border-radius: 4px; }} .kpi b {{ display: block; font-size: 12.5pt; }}
.kpi span {{ font-size: 7.5pt; color: #333; }} table {{ border-collapse: collapse; width: 100%; font-size: 8.5pt; }}
td, th {{ padding: 1px 4px; border-bottom: 1px solid #ddd; text-align: right; }} td:first-child, th:first-child {{ text-align: left; }}
.dot {{ display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; }}
.two {{ display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }} .warn {{ border-left: 4px solid #D55E00; padding: 2px 8px; background: #fdf3ec; }}
p {{ margin: 3px 0; font-size: 8.5pt; }} svg {{ max-height: 52mm; }}
small {{ font-size: 7.5pt; color: #444; }} .foot {{ font-size: 6.8pt; color: #444; }} ul {{ margin: 2px 0; padding-left: 14px; font-size: 7.8pt; }}
@media (max-width: 600px) {{ .grid {{ grid-template-columns: 1fr 1fr; }} .two {{ grid-template-columns: minmax(0, 1fr); }} .two > * {{ min-width: 0; }}
  body {{ font-size: 11pt; }} p, ul, small {{ font-size: 10pt; }} table {{ display: block; overflow-x: auto; font-size: 10pt; }}
  svg {{ max-width: 100%; height: auto; }} }}
@media print {{ body {{ padding: 0; }} }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="sub">{html.escape(place)} · rooftop solar, heat and who owns the roofs · {html.escape(selection_note)}</p>
{"<p class='warn'>Synthetic buildings: figures follow real neighbourhood statistics, individual buildings are generated.</p>" if synthetic else ""}
<div class="grid">{kpi_html}</div>
<div class="two">
<div><h2>Map</h2>{svg_map(data['geoms'], boundary)}<small>Footprints coloured by roof owner (legend in the table).{
" Map data © OpenStreetMap contributors." if osm else ""}</small>
<h2>Heat</h2><p>Heat demand is {f1((heat['demand_kwh'] or 0) / 1e6)} GWh a year; {dh_text}.{heat_bill}</p>
{bills_html}</div>
<div><h2>Who owns the roofs</h2><table><tr><th>Owner</th><th>Buildings</th><th>Homes</th><th>kWp</th></tr>{owners_rows}</table>
<p><small>{html.escape(tenure_line)}</small></p>
{existing_line}
<h2>{html.escape(cur.strip())} per household per year</h2><table><tr><th>If the panels are owned…</th><th>Gain</th><th>Cost</th><th>Net</th></tr>{money_rows}</table>
<small>Gain: bill savings, returns, dividends, community fund. Cost: what the panels add to everyone's bills here.</small>
{funding_html}</div>
</div>
<h2>Caveats in plain words</h2><ul>{"".join(f"<li>{c}</li>" for c in caveats)}</ul>
<p class="foot"><b>Sources.</b> {html.escape(sources)} Store run {html.escape(str(run.get('run_id', '?')))}, code {html.escape(str(run.get('code_version', '?')))},
made {dt.date.today().isoformat()}.{attribution}</p>
</body></html>"""


def make_factsheet(place=None, db=None, area=None, boundary=None, buildings_list=None, out_dir=None,
                   pdf: bool = False, title: str | None = None) -> dict:
    """Write a fact sheet (HTML, optionally PDF) for an area, a boundary file or a buildings list.

    Returns
    -------
    dict
        ``html`` (path), ``pdf`` (path or None), ``buildings`` (count), ``report`` (list matching).
    """
    from analysis.config import load_place

    if sum(x is not None for x in (area, boundary, buildings_list)) != 1:
        raise InputError("choose exactly one of --area, --boundary or --buildings-list",
                         fix="e.g. --area E01000842, or --boundary our_estate.geojson")
    # The store records its place, CRS and credits: with --db the place config is not read at all.
    db = Path(db) if db else store.default_db_path(load_place(place).slug)
    con = store.open_results(db, (tables.BUILDINGS, tables.BUILDING_POTENTIAL, tables.AREAS))
    polygon, report = None, {}
    try:
        info = store.place_info(con, fallback_crs=load_place(place).crs if "crs" not in store.meta(con) else None)
        if area is not None:
            ids, name = select_area(con, area)
            note = "one neighbourhood"
        elif boundary is not None:
            ids, name, polygon = select_boundary(con, boundary, info.crs)
            note = f"buildings inside {Path(boundary).name}"
        else:
            ids, name, report = select_list(con, buildings_list, info.crs)
            note = f"{report['matched']} of {report['rows']} listed buildings found"
        data = factsheet_data(con, ids)
    finally:
        con.close()
    # Default: beside the stores (build/, or ANALYSIS_BUILD_DIR), never a fixed folder in the repository.
    out_dir = Path(out_dir) if out_dir else store.default_db_path("x").parent / "factsheets"
    out_dir.mkdir(parents=True, exist_ok=True)
    name = " ".join(str(title).split())[:120] if title else name  # --title, else the boundary's own name
    out = out_dir / f"factsheet-{safe_name(name)}.html"
    out.write_text(render_factsheet(name, data, info.name, polygon, note), encoding="utf-8")
    pdf_path = print_pdf(out) if pdf else None
    return {"html": out, "pdf": pdf_path, "buildings": len(ids), "report": report}


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def print_pdf(html_path: Path) -> Path:
    """Print an HTML file to A4 PDF with headless Chromium (no network)."""
    browser = chromium_path()
    if browser is None:
        raise InputError("--pdf needs Chromium", fix="install it (apt-get install chromium) or print the HTML from a browser")
    pdf = html_path.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                        html_path.resolve().as_uri()], check=True, capture_output=True, timeout=120)
    return pdf


#: Roof owners a campaign can start with: councils and housing associations, public bodies (schools,
#: town halls, health centres) and community buildings (faith and community groups).
TARGET_OWNERS = ("social_landlord", "public_body", "faith_community")


def targets(con, funding_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where to start: the roofs of councils, housing associations, public bodies and community
    buildings, one site per owner type and neighbourhood, ranked by solar capacity.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A store (read-only).
    funding_table : pandas.DataFrame, optional
        :func:`analysis.funding.read_table`; without it the ``funding_routes`` column is empty.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``site`` (the neighbourhood and owner, with its largest named building), ``area_id``,
        ``roof_owner``, ``owner_estimated`` (share of the buildings whose owner the model estimated rather
        than read from the map: check those with the Land Registry first) [0-1], ``owner_from_use`` (share
        whose owner follows from the building's use, e.g. a school's) [0-1], ``buildings``, ``kwp`` [kWp, central], ``kwh`` [kWh/yr], ``homes`` (homes under
        those roofs), ``fuel_poor_homes`` (at the neighbourhood's share; NaN without fuel-poverty data),
        ``parties_to_agree`` (roof owners and leaseholders), ``install_job_years`` (at the central
        ratio) and ``funding_routes`` (live programmes for that owner, ``; ``-separated).
    """
    from analysis.charts import OWNER_LABELS

    fuel = ("b.dwellings * a.fuel_poor_households / nullif(a.households, 0)"
            if "fuel_poor_households" in _columns(con, "areas") else "NULL::DOUBLE")
    sites = con.execute(f"""
        SELECT b.area_id, coalesce(a.name, b.area_id) AS area_name, b.roof_owner::VARCHAR AS roof_owner,
               count(*) AS buildings, sum(p.kwp_central) AS kwp, sum(p.kwh_central) AS kwh,
               sum(b.dwellings) AS homes, sum({fuel}) AS fuel_poor_homes, sum(b.consents) AS parties_to_agree,
               arg_max(coalesce(nullif(b.name, ''), ''), p.kwp_central) AS largest_named,
               max(p.kwp_central) AS largest_kwp,
               avg((b.roof_owner_source::VARCHAR = 'imputed')::INT) AS owner_estimated,
               avg((b.roof_owner_source::VARCHAR = 'derived')::INT) AS owner_from_use
        FROM buildings b JOIN building_potential p USING (building_id) JOIN areas a ON a.area_id = b.area_id
        WHERE b.roof_owner::VARCHAR IN ({", ".join("?" for _ in TARGET_OWNERS)}) AND p.suitable_planes > 0
        GROUP BY 1, 2, 3 ORDER BY kwp DESC, area_id, roof_owner""", list(TARGET_OWNERS)).df()
    assumptions = con.execute("SELECT * FROM assumptions").df()
    per_mwp = assumptions[(assumptions["group"] == "jobs") & (assumptions["name"] == "install_job_years_per_mwp")]
    sites["install_job_years"] = sites["kwp"] / 1000 * (float(per_mwp["value"].iloc[0]) if len(per_mwp) else np.nan)
    owner_words = sites["roof_owner"].map(lambda o: OWNER_LABELS.get(o, o))
    named = sites["largest_named"].fillna("")
    largest = np.where(named != "", named, "a building without a name on the map")
    sites["site"] = (owner_words + " roofs in " + sites["area_name"].astype(str) + "; largest: " + largest
                     + " (" + (sites["largest_kwp"].fillna(0)).map(lambda v: f"{v:,.0f}") + " kWp)")
    sites["funding_routes"] = (sites["roof_owner"].map(lambda o: "; ".join(funding.routes(o, funding_table)))
                               if funding_table is not None else "")
    sites.insert(0, "rank", np.arange(1, len(sites) + 1))
    return sites[["rank", "site", "area_id", "roof_owner", "owner_estimated", "owner_from_use", "buildings", "kwp", "kwh",
                  "homes", "fuel_poor_homes", "parties_to_agree", "install_job_years", "funding_routes"]]


def place_funding_table(info) -> pd.DataFrame | None:
    """The packaged funding table for a place priced in pounds (Great Britain); None elsewhere."""
    return funding.read_table() if info.currency == "GBP" else None


def area_factsheets(db, out_dir) -> list[Path]:
    """A fact sheet (HTML) for every area of a store, and ``index.html`` linking them, into ``out_dir``.

    One connection for all of them (a fact sheet is ~0.1 s); published with the book's downloads.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = store.open_results(db, (tables.BUILDINGS, tables.BUILDING_POTENTIAL, tables.AREAS))
    written, rows = [], []
    try:
        info = store.place_info(con, fallback_crs="unknown")
        for area_id, name in con.execute("SELECT area_id, coalesce(name, area_id) FROM areas ORDER BY area_id").fetchall():
            ids = [r[0] for r in con.execute("SELECT building_id FROM buildings WHERE area_id = ?", [area_id]).fetchall()]
            if not ids:
                continue
            title = f"{name}, {area_id}" if str(name) != str(area_id) else str(area_id)
            path = out_dir / f"factsheet-{safe_name(str(area_id))}.html"
            data = factsheet_data(con, ids)
            path.write_text(render_factsheet(title, data, info.name, None, "one neighbourhood"), encoding="utf-8")
            written.append(path)
            homes = float(data["buildings"]["dwellings"] or 0)
            fuel = data.get("fuel")
            fuel_pct = ("n/a" if fuel is None or pd.isna(fuel["fuel_poor"]) or not homes
                        else f"{100 * float(fuel['fuel_poor']) / homes:.0f} %")
            rows.append(f"<tr><td><a href='{html.escape(path.name)}'>{html.escape(str(name))}</a></td>"
                        f"<td>{html.escape(str(area_id))}</td><td>{homes:,.0f}</td>"
                        f"<td>{float(data['pv']['kwp_central'] or 0) / 1000:,.1f}</td><td>{fuel_pct}</td></tr>")
    finally:
        con.close()
    index = out_dir / "index.html"
    index.write_text(
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><meta name='viewport' "
        f"content='width=device-width, initial-scale=1'><title>Fact sheets — {html.escape(info.name)}</title><style>"
        "body{font:15px/1.4 system-ui,sans-serif;max-width:900px;margin:0 auto;padding:12px}"
        "table{border-collapse:collapse;width:100%}td,th{padding:4px 6px;border-bottom:1px solid #ddd;text-align:right}"
        "td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}"
        "input{font:inherit;padding:6px;width:100%;box-sizing:border-box;margin:8px 0}</style></head><body>"
        f"<p><a href='../../index.html'>← back to the book</a></p>"
        f"<h1>A fact sheet for every neighbourhood of {html.escape(info.name)}</h1>"
        "<p>One printable A4 page each: roofs, solar capacity, jobs, fuel-poor homes, who owns the roofs and who must "
        "agree, and what each way of owning the panels leaves households. Type to find a neighbourhood.</p>"
        "<input id='find' type='search' placeholder='Find a neighbourhood' aria-label='Find a neighbourhood'>"
        "<table><thead><tr><th>Neighbourhood</th><th>Code</th><th>Homes</th><th>Solar MWp</th><th>Fuel-poor homes</th>"
        f"</tr></thead><tbody id='rows'>{''.join(rows)}</tbody></table>"
        "<script>document.getElementById('find').addEventListener('input',function(e){var q=e.target.value.toLowerCase();"
        "document.querySelectorAll('#rows tr').forEach(function(r){r.style.display=r.textContent.toLowerCase()"
        ".indexOf(q)>=0?'':'none';});});</script></body></html>", encoding="utf-8")
    return [*written, index]


#: Tenures a campaign talks about, in the order a fact sheet shows them.
BILL_TENURES = {"social_rented": "Social renter", "private_rented": "Private renter", "owner_occupied": "Owner-occupier"}
#: Ownership models a fact sheet compares on bills.
BILL_MODELS = ("market", "public", "coop")
#: Short column heads of the fact sheet's bill table (it must fit a phone's width).
BILL_HEADS = {"market": "Market", "public": "Council", "coop": "Co-op"}


def typical_bills(con, kwh_per_home: float) -> pd.DataFrame:
    """A typical household's electricity bill a year today and under each ownership model, by tenure.

    Today's bill is ``kwh_per_home`` at the store's unit rate plus a year of the standing charge (both
    incl. VAT, at the store's price date); under a model it is that bill less the household's net gain
    in the place's results for its tenure (``scenario_tenure``: bill savings, returns, dividends and
    community fund, less the costs recovered on bills). The gain as a share of the tenure's mean
    income is ``pct_income``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    kwh_per_home : float
        Electricity a home uses a year [kWh] (the neighbourhoods' metered mean, or the default).

    Returns
    -------
    pandas.DataFrame
        ``tenure``, ``model``, ``bill_today``, ``net_gain``, ``bill_after`` [currency/yr] and
        ``pct_income`` [-] (NaN without incomes); empty when the store has no tenure results.
    """
    columns = ["tenure", "model", "bill_today", "net_gain", "bill_after", "pct_income"]
    if "scenario_tenure" not in store.table_names(con) or "prices" not in store.table_names(con):
        return pd.DataFrame(columns=columns)
    prices = con.execute("SELECT name, value FROM prices").df().set_index("name")["value"]
    bill = float(kwh_per_home) * float(prices["retail_price_per_kwh"]) + 365 * float(prices["standing_charge_per_day"])
    rows = con.execute(f"""SELECT tenure, scenario AS model, net_per_household AS net_gain, income_mean
        FROM scenario_tenure WHERE scenario IN ({', '.join('?' for _ in BILL_MODELS)})
          AND tenure IN ({', '.join('?' for _ in BILL_TENURES)})""", [*BILL_MODELS, *BILL_TENURES]).df()
    rows["bill_today"] = bill
    rows["bill_after"] = bill - rows["net_gain"]
    rows["pct_income"] = rows["net_gain"] / rows["income_mean"].where(rows["income_mean"] > 0)
    order = {t: i for i, t in enumerate(BILL_TENURES)} | {m: i for i, m in enumerate(BILL_MODELS)}
    return rows.sort_values(["tenure", "model"], key=lambda c: c.map(order)).reset_index(drop=True)[columns]
