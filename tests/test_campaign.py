"""Campaign toolkit: boundary → fact sheet, lists, exports, templates, bad input, Chromium screenshot."""

import re
import shutil
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from analysis import campaign, exports, store
from analysis.errors import InputError
from book_build import CHROMIUM, require_chromium
from cli_runner import run_cli
from conftest import DATA, ROOT


def cli(*args):
    """``python -m analysis ARGS`` in a child process (forked from pre-imported libraries: see cli_runner)."""
    return run_cli(*args, timeout=600)


def test_boundary_to_factsheet_as_in_readme(camden_store, tmp_path):
    """README: `python -m analysis factsheet --boundary our_estate.geojson` after `run`."""
    out = cli("factsheet", "--db", str(camden_store), "--boundary", str(DATA / "boundary_inside_camden.geojson"),
              "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    page = next(tmp_path.glob("factsheet-*.html")).read_text()
    for needle in ("roofs (", "m² usable", "MWp", "GWh/yr", "homes' worth", "district-heating", "job-years",
                   "fuel-poor homes here", "who must agree",
                   "Who owns the roofs", "Market-led", "Community co-op", "<svg", "Caveats", "Sources",
                   "© OpenStreetMap contributors", "Storeys were mapped for", "roof owners and leaseholders"):
        assert needle in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "") and "https://" not in page  # offline


def test_factsheet_numbers_match_store(camden_store, tmp_path):
    result = campaign.make_factsheet(db=camden_store, area="E01000842", out_dir=tmp_path)
    con = store.connect(camden_store, read_only=True)
    n = con.execute("SELECT count(*) FROM buildings WHERE area_id = 'E01000842'").fetchone()[0]
    kwh = con.execute("SELECT kwh_central FROM area_potential WHERE area_id = 'E01000842'").fetchone()[0]
    con.close()
    assert result["buildings"] == n
    assert f"{kwh / 1e6:,.1f} GWh/yr" in result["html"].read_text()


def test_buildings_list_by_id_and_by_point(camden_store, tmp_path):
    con = store.connect(camden_store, read_only=True)
    rows = con.execute("SELECT building_id, ST_X(ST_Centroid(geom)) x, ST_Y(ST_Centroid(geom)) y FROM buildings "
                       "WHERE area_id = 'E01000850' LIMIT 3").df()
    con.close()
    ids = tmp_path / "ids.csv"
    pd.DataFrame({"building_id": [*rows.building_id, "no-such-building"]}).to_csv(ids, index=False)
    result = campaign.make_factsheet(db=camden_store, buildings_list=ids, out_dir=tmp_path)
    assert result["buildings"] == 3 and result["report"]["unmatched_rows"] == [5]
    pts = gpd.GeoSeries(gpd.points_from_xy(rows.x, rows.y), crs=27700).to_crs(4326)
    ll = tmp_path / "points.csv"
    pd.DataFrame({"name": ["a", "b", "c", "far"], "lat": [*pts.y, 55.9], "lon": [*pts.x, -3.2]}).to_csv(ll, index=False)
    result = campaign.make_factsheet(db=camden_store, buildings_list=ll, out_dir=tmp_path)
    assert result["buildings"] == 3 and result["report"]["matched"] == 3


@pytest.mark.parametrize("kind,content,match", [
    ("boundary", "far", "contains no buildings"),
    ("boundary", "nocrs", "no CRS"),
    ("list", "nothing", "building_id column or lat and lon"),
    ("area", "E0000000X", "no area with id"),
])
def test_factsheet_bad_input(camden_store, tmp_path, kind, content, match):
    args = {}
    if kind == "boundary" and content == "far":
        args["boundary"] = DATA / "boundary_edinburgh.geojson"
    elif kind == "boundary":
        path = tmp_path / "nocrs.shp"
        gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.box(0, 0, 1, 1)]).to_file(path)
        args["boundary"] = path
    elif kind == "list":
        path = tmp_path / "l.csv"
        path.write_text("address\n1 High Street\n")
        args["buildings_list"] = path
    else:
        args["area"] = content
    with pytest.raises(InputError, match=match):
        campaign.make_factsheet(db=camden_store, out_dir=tmp_path, **args)


def test_exports_round_trip(camden_store, tmp_path):
    paths = exports.export(camden_store, tmp_path, "EPSG:27700")
    assert {p.name for p in paths} == {f"{n}.{e}" for n in ("buildings", "areas") for e in ("parquet", "geojson", "csv")} \
        | {"LICENCE.txt"}
    assert "ODbL" in (tmp_path / "LICENCE.txt").read_text()  # exported footprints are OpenStreetMap data
    b = gpd.read_parquet(tmp_path / "buildings.parquet")
    a = gpd.read_file(tmp_path / "areas.geojson")
    assert len(a) == 133 and a.crs.to_epsg() == 4326 and b.crs.to_epsg() == 27700
    assert b["kwh_central"].sum() == pytest.approx(a["kwh_central"].sum(), rel=1e-9)
    assert "geometry_wkt" in pd.read_csv(tmp_path / "areas.csv", nrows=1).columns


def test_new_place_template_is_valid_yaml_and_refuses_overwrite(tmp_path):
    import yaml
    out = cli("new-place", "Kentish Town \"estate\"; DROP TABLE runs", "--dir", str(tmp_path))
    assert out.returncode == 0, out.stderr
    target = next(tmp_path.glob("*/place.yml"))
    data = yaml.safe_load(target.read_text())
    assert data["name"].startswith("Kentish Town") and data["crs"] == "EPSG:27700"
    again = cli("new-place", "Kentish Town \"estate\"; DROP TABLE runs", "--dir", str(tmp_path))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_bad_place_configs(tmp_path):
    bad_yaml = tmp_path / "a.yml"
    bad_yaml.write_text("name: x\n  crs: [unclosed\n")
    out = cli("run", "--place", str(bad_yaml))
    assert out.returncode == 1 and "invalid YAML" in out.stderr and "Traceback" not in out.stderr
    latin = tmp_path / "b.yml"
    latin.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    out = cli("run", "--place", str(latin))
    assert out.returncode == 1 and "UTF-8" in out.stderr
    missing = tmp_path / "c.yml"
    missing.write_text("name: x\ncrs: EPSG:27700\nareas: {file: nope.geojson, id: code}\nweather: w.epw\n")
    out = cli("run", "--place", str(missing))
    assert out.returncode == 1 and "does not exist" in out.stderr and len(out.stderr.strip().splitlines()) >= 1


@pytest.mark.slow  # runs the pipeline
def test_place_with_quotes_and_sql_in_names_runs(tmp_path):
    """A user place whose name and ids hold quotes and SQL metacharacters: stored verbatim, no injection."""
    folder = tmp_path / "p"
    folder.mkdir()
    x0, y0 = 530_000, 180_000  # central London, where EPSG:27700 <-> WGS84 round trips are exact to mm
    box = lambda a, b, c, d: shapely.box(x0 + a, y0 + b, x0 + c, y0 + d)  # noqa: E731
    areas = gpd.GeoDataFrame({"code": ["A'1", "B\"; DROP TABLE runs; --"], "nm": ["O'Brien Court", "Robert \"Bob\" Hall"]},
                             geometry=[box(0, 0, 200, 200), box(200, 0, 400, 200)], crs=27700)
    areas.to_file(folder / "areas.geojson")
    pd.DataFrame({"code": areas.code, "hh": [40, 60], "inc": [25000, 52000]}).to_csv(folder / "stats.csv", index=False)
    blds = gpd.GeoDataFrame({"id": ["x'1", "x2", "x3"], "building:levels": ["2", "6", None], "building": ["house", "apartments", "yes"]},
                            geometry=[box(10, 10, 30, 20), box(250, 50, 300, 80), box(100, 100, 110, 130)],
                            crs=27700).to_crs(4326)  # different CRS: reprojected
    blds.to_file(folder / "b.geojson")
    shutil.copy(ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw", folder / "w.epw")
    (folder / "place.yml").write_text(
        "name: \"O'Brien; DROP TABLE runs\"\ncrs: EPSG:27700\nareas:\n  file: areas.geojson\n  id: code\n  name: nm\n"
        "  statistics:\n    - file: stats.csv\n      id: code\n      columns: {households: hh, income_mean_gbp: inc}\n"
        "buildings:\n  source: file\n  file: b.geojson\nweather: w.epw\n")
    db = tmp_path / "p.duckdb"
    out = cli("run", "--place", str(folder / "place.yml"), "--db", str(db), "--quiet")
    assert out.returncode == 0, out.stderr
    con = store.connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    assert set(con.execute("SELECT name FROM areas").df()["name"]) == {"O'Brien Court", "Robert \"Bob\" Hall"}
    assert con.execute("SELECT count(*) FROM buildings").fetchone()[0] == 3
    con.close()
    # The user's own footprints (no licence given) are not passed off as OpenStreetMap data.
    page = campaign.make_factsheet(db=db, area="A'1", out_dir=tmp_path / "fs")["html"].read_text()
    assert "Footprints are real (the place's buildings file)" in page and "OpenStreetMap" not in page


def test_overture_parquet_read_by_duckdb(tmp_path):
    from analysis.ingest.buildings import read_buildings
    squares = [shapely.box(-0.14 + i * 0.0003, 51.55, -0.1398 + i * 0.0003, 51.5501) for i in range(3)]
    frame = pd.DataFrame({"id": ["o1", "o2", "o3"], "geometry": shapely.to_wkb(squares), "height": [6.0, None, 30.0],
                          "num_floors": [2, 3, None], "class": ["house", "residential", "apartments"], "roof_shape": ["gabled", None, "flat"]})
    path = tmp_path / "overture.parquet"
    frame.to_parquet(path)
    b = read_buildings(path, "EPSG:27700")
    assert list(b["building_id"]) == ["o1", "o2", "o3"] and b.crs.to_epsg() == 27700
    assert b["levels"].tolist() == [2.0, 3.0, 10.0] and b["roof_shape"].tolist()[0] == "gabled"
    assert (b["footprint_m2"] > 100).all()


def test_factsheet_screenshot_and_pdf(camden_store, tmp_path):
    require_chromium()  # skips on a developer's machine without Chromium; with CI=true it fails
    from playwright.sync_api import sync_playwright
    result = campaign.make_factsheet(db=camden_store, boundary=DATA / "boundary_inside_camden.geojson", out_dir=tmp_path, pdf=True)
    pdf = result["pdf"].read_bytes()
    assert pdf[:4] == b"%PDF"
    # One A4 page: a leaflet a campaigner prints (it once spilled onto a second page).
    assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1 and re.findall(rb"/Count\s+(\d+)", pdf) == [b"1"]
    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(str(tmp_path / "prof"), executable_path=CHROMIUM, headless=True,
                                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
        requests = []
        ctx.on("request", lambda r: requests.append(r.url))
        page = ctx.new_page()
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.goto(result["html"].as_uri())
        assert page.locator("svg path").count() > 10
        page.screenshot(path=str(tmp_path / "factsheet.png"), full_page=True)
        height = page.evaluate("document.body.scrollHeight")
        # On a phone the columns stack and wide tables scroll inside themselves: the page never runs off the
        # side (its two columns once put the owners' table and the money past a 390 px screen).
        page.set_viewport_size({"width": 390, "height": 844})
        phone_width = page.evaluate("document.documentElement.scrollWidth")
        ctx.close()
    assert phone_width <= 391, phone_width
    assert all(u.startswith("file:") for u in requests)
    assert (tmp_path / "factsheet.png").stat().st_size > 20_000
    assert height < 1123 * 1.5  # about one printed page


def test_unknown_columns_are_named(tmp_path):
    from analysis.ingest.areas import read_table
    from analysis.ingest.buildings import read_buildings
    path = tmp_path / "s.csv"
    path.write_text("code,hh\nA,10\n")
    with pytest.raises(InputError, match="missing columns"):
        read_table(path, "code", {"households": "households_2021"})
    gj = tmp_path / "b.geojson"
    gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.box(530000, 180000, 530010, 180010)], crs=27700).to_file(gj)
    with pytest.raises(InputError, match="'floors'"):
        read_buildings(gj, "EPSG:27700", {"levels": "floors"})


def test_areas_without_crs_fail_the_run_with_one_line(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    gpd.GeoDataFrame({"code": ["A"]}, geometry=[shapely.box(0, 0, 100, 100)]).to_file(folder / "areas.shp")
    shutil.copy(ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw", folder / "w.epw")
    (folder / "place.yml").write_text("name: x\ncrs: EPSG:27700\nareas: {file: areas.shp, id: code}\n"
                                      "buildings: {source: synthetic}\nweather: w.epw\n")
    out = cli("run", "--place", str(folder / "place.yml"), "--db", str(tmp_path / "x.duckdb"))
    assert out.returncode == 1 and "has no CRS" in out.stderr and len(out.stderr.strip().splitlines()) == 1


@pytest.mark.slow  # runs the pipeline, a CLI command on real data or a pytest session
def test_ci_fails_when_a_marked_browser_test_is_skipped(tmp_path):
    """Issue 13: with CI=true no browser test may skip — not only the book's. The fact-sheet screenshot is
    marked ``browser`` (conftest), the mark reaches the JUnit report, and .ci/run's guard fails on it."""
    import re

    collected = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "browser",
                                "tests/test_campaign.py"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "tests/test_campaign.py::test_factsheet_screenshot_and_pdf" in collected.stdout, collected.stdout[-2000:]
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", tests / "conftest.py")  # the real marking hook
    (tests / "test_x.py").write_text("import pytest\n\ndef test_factsheet_screenshot_and_pdf():\n    pytest.skip('no "
                                     "chromium')\n\ndef test_other():\n    pytest.skip('not a browser test')\n")
    report = tmp_path / "junit.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests), f"--junitxml={report}"],
                   cwd=tmp_path, capture_output=True, text=True, timeout=120)
    guard = re.search(r"<<'PY'\n(.*?)\nPY\n", (ROOT / ".ci" / "run").read_text(), re.S).group(1)
    out = subprocess.run([sys.executable, "-c", guard, str(report)], capture_output=True, text=True)
    assert out.returncode == 1 and "tests.test_x.test_factsheet_screenshot_and_pdf" in out.stderr
    assert "test_other" not in out.stderr


def test_factsheet_counts_jobs_and_fuel_poverty_by_hand(camden_store, tmp_path):
    """One neighbourhood by hand: fuel-poor homes are its homes at the published LILEE share; jobs are its
    capacity times the sourced ratios (20 job-years per MWp to install, 0.5 jobs per MWp to maintain)."""
    from analysis.jobs import jobs

    con = store.connect(camden_store, read_only=True)
    homes, households, fuel_poor = con.execute("""SELECT (SELECT sum(dwellings) FROM buildings WHERE area_id = 'E01000842'),
        households, fuel_poor_households FROM areas WHERE area_id = 'E01000842'""").fetchone()
    kwp = con.execute("SELECT sum(kwp_central) FROM building_potential JOIN buildings USING (building_id) "
                      "WHERE buildings.area_id = 'E01000842'").fetchone()[0]
    con.close()
    page = campaign.make_factsheet(db=camden_store, area="E01000842", out_dir=tmp_path)["html"].read_text()
    assert f"<b>{homes * fuel_poor / households:,.0f}</b><span>fuel-poor homes here" in page
    j = jobs(kwp / 1000, 20, 0.5, 25)
    assert f"<b>{j.install_job_years:,.0f} job-years</b>" in page
    assert f"then {j.maintenance_jobs:,.1f} jobs looking after them for 25 years" in page


def test_factsheet_title_from_the_boundary_or_the_command(camden_store, tmp_path):
    import json

    boundary = json.loads((DATA / "boundary_inside_camden.geojson").read_text())
    boundary["features"][0]["properties"] = {"name": "Maiden Lane Estate"}
    named = tmp_path / "drawn.geojson"
    named.write_text(json.dumps(boundary))
    out = cli("factsheet", "--db", str(camden_store), "--boundary", str(named), "--out", str(tmp_path / "a"))
    assert out.returncode == 0, out.stderr
    assert "<h1>Maiden Lane Estate</h1>" in next((tmp_path / "a").glob("factsheet-maiden-lane-estate.html")).read_text()
    out = cli("factsheet", "--db", str(camden_store), "--boundary", str(named), "--out", str(tmp_path / "b"),
              "--title", "Our estate")
    assert out.returncode == 0, out.stderr
    assert "<h1>Our estate</h1>" in next((tmp_path / "b").glob("factsheet-our-estate.html")).read_text()


def test_where_to_start_by_hand(camden_store):
    """The top site's figures are its buildings' sums; funding routes follow the owner type."""
    from analysis import funding

    con = store.connect(camden_store, read_only=True)
    try:
        sites = campaign.targets(con, funding.read_table())
        top = sites.iloc[0]
        kwp, homes, consents, guessed = con.execute("""SELECT sum(p.kwp_central), sum(b.dwellings), sum(b.consents),
            avg((b.roof_owner_source::VARCHAR = 'imputed')::INT)
            FROM buildings b JOIN building_potential p USING (building_id)
            WHERE b.area_id = ? AND b.roof_owner::VARCHAR = ? AND p.suitable_planes > 0""",
                                           [top.area_id, top.roof_owner]).fetchone()
    finally:
        con.close()
    assert set(sites.roof_owner) <= set(campaign.TARGET_OWNERS) and sites.kwp.is_monotonic_decreasing
    assert top.kwp == pytest.approx(kwp) and top.homes == homes and top.parties_to_agree == consents
    assert top.owner_estimated == pytest.approx(guessed) and sites.owner_estimated.between(0, 1).all()
    assert top.install_job_years == pytest.approx(kwp / 1000 * 20)
    council = sites[sites.roof_owner == "social_landlord"].iloc[0]
    assert "Warm Homes Plan low-income upgrades" in council.funding_routes
    assert "Public Sector Decarbonisation Scheme" not in top.funding_routes  # closed: never offered


def test_funding_table_is_checked(tmp_path):
    from analysis import funding

    table = funding.read_table()
    assert funding.routes("public_body", table) and not funding.routes("nobody", table)
    bad = tmp_path / "f.csv"
    bad.write_text(",".join(funding.COLUMNS) + "\nA,B,1,public_body,pv,PV,2025,,maybe,2026-12,s,u,yes\n")
    with pytest.raises(InputError, match="unknown status 'maybe'"):
        funding.read_table(bad)


def test_a_fact_sheet_for_every_neighbourhood(camden_store, tmp_path):
    written = campaign.area_factsheets(camden_store, tmp_path)
    con = store.connect(camden_store, read_only=True)
    n = con.execute("SELECT count(DISTINCT area_id) FROM buildings").fetchone()[0]
    con.close()
    assert len(written) == n + 1 and (tmp_path / "index.html").read_text().count("<tr><td><a href=") == n
    assert "Funding that could fit" in written[0].read_text()
    assert "../../index.html" in (tmp_path / "index.html").read_text()  # a way back to the book


def test_typical_bills_by_hand(camden_store):
    """A home using 3,000 kWh pays 3,000 × the unit rate + 365 × the standing charge today; under a model,
    that less its tenure's net gain in the place's results; the fact sheet shows the same figures."""
    con = store.connect(camden_store, read_only=True)
    try:
        unit, standing = (con.execute("SELECT value FROM prices WHERE name = ?", [n]).fetchone()[0]
                          for n in ("retail_price_per_kwh", "standing_charge_per_day"))
        net = con.execute("SELECT net_per_household FROM scenario_tenure WHERE scenario = 'public' "
                          "AND tenure = 'social_rented'").fetchone()[0]
        bills = campaign.typical_bills(con, 3000)
    finally:
        con.close()
    today = 3000 * unit + 365 * standing
    row = bills[(bills.tenure == "social_rented") & (bills.model == "public")].iloc[0]
    assert row.bill_today == pytest.approx(today) and row.bill_after == pytest.approx(today - net)
    assert len(bills) == 9 and list(bills.tenure.unique()) == list(campaign.BILL_TENURES)
