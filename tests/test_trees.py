"""Trees as shading obstacles: crowns from points, rows and woods, seasonal transmissivity, the blend of a
tree horizon with the buildings' one, the OSM extract's trees in the Camden run, and a place's own tree file."""


import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis import config, shading
from analysis.errors import InputError
from analysis.ingest import trees as T
from conftest import ROOT
from tests.cli_runner import run_cli
from tests.test_context import place as fitzrovia_place, run_potential

PARAMS = {"tree_height_m": 10.0, "crown_diameter_m": 8.0, "wood_height_m": 15.0, "transmissivity_leaf_on": 0.03,
          "transmissivity_leaf_off": 0.5, "leaf_on_first_day": 97, "leaf_on_last_day": 300}


def raw(geoms, heights=None, crowns=None, kinds=None):
    n = len(geoms)
    kinds = kinds or ["tree" if g.geom_type == "Point" else "tree_row" if "Line" in g.geom_type else "wood"
                      for g in geoms]
    return gpd.GeoDataFrame({"kind": kinds, "height_tag": heights or [None] * n, "crown_tag": crowns or [None] * n},
                            geometry=geoms, crs=27700)


def test_crowns_from_points_rows_and_woods():
    wood = shapely.box(0, 0, 50, 40)
    out = T.crowns(raw([shapely.Point(0, 0), shapely.Point(10, 0), shapely.LineString([(0, 0), (100, 0)]), wood],
                       heights=["18 m", None, None, "banana"], crowns=[None, "4", None, None]), PARAMS)
    assert list(out["kind"]) == ["tree", "tree", "tree_row", "wood"]
    np.testing.assert_allclose(out["height_m"], [18.0, 10.0, 10.0, 15.0])  # tag, then assumptions by kind
    assert list(out["height_source"]) == ["tag", "assumed", "assumed", "assumed"]
    area = shapely.area(out.geometry.to_numpy())
    assert 0.8 * np.pi * 16 < area[0] < np.pi * 16  # an octagon inside the 8 m crown's circle
    assert 0.8 * np.pi * 4 < area[1] < np.pi * 4  # its own 4 m crown tag
    assert area[2] == pytest.approx(100 * 8 + np.pi * 16, rel=0.1)  # a row: its length times the crown width
    assert area[3] == pytest.approx(2000)  # a wood as drawn


def test_annual_transmissivity_weights_the_seasons_by_sunshine():
    index = pd.date_range("2021-01-01", periods=8760, freq="h")
    summer_only = pd.DataFrame({"ghi": np.where((index.dayofyear >= 120) & (index.dayofyear <= 250), 500.0, 0.0)},
                               index=index)
    assert T.annual_transmissivity(summer_only, PARAMS) == pytest.approx(0.03)
    even = pd.DataFrame({"ghi": np.full(8760, 100.0)}, index=index)
    share_on = (300 - 97 + 1) / 365
    assert T.annual_transmissivity(even, PARAMS) == pytest.approx(share_on * 0.03 + (1 - share_on) * 0.5, rel=1e-3)


@pytest.fixture(scope="module")
def hist(london_weather):
    weather, meta = london_weather
    return shading.sun_path_histogram(weather, meta)


def test_a_tree_blends_linearly_between_no_tree_and_a_solid_one(hist):
    """A 14 m tree 6 m south of a roof at 6 m: transmissivity 1 leaves the buildings-only result, 0 the result
    of a solid crown, and anything between is the straight blend of the two."""
    building = shading.prepare_shaders(np.asarray([shapely.box(-5, 0, 5, 8)], dtype=object), [6.0])
    crown = T.crowns(raw([shapely.Point(0, -7)], heights=["14"]), PARAMS)
    trees = shading.prepare_shaders(crown.geometry.to_numpy(), crown["height_m"].to_numpy())
    args = (np.array([[0.0, 4.0]]), np.array([6.0]), np.array([30.0]), np.array([180.0]), np.array([0]), building, hist)
    alone = shading.shade_arrays(*args)
    solid = shading.shade_arrays(*args, trees=trees, tree_transmissivity=0.0)
    half = shading.shade_arrays(*args, trees=trees, tree_transmissivity=0.5)
    clear = shading.shade_arrays(*args, trees=trees, tree_transmissivity=1.0)
    assert solid["effective_ratio"][0] < alone["effective_ratio"][0] - 0.05  # the tree does shade this roof
    for name in ("effective_ratio", "poa_kwh_per_m2", "sky_view_factor"):
        assert half[name][0] == pytest.approx(0.5 * alone[name][0] + 0.5 * solid[name][0], rel=1e-6)
        assert clear[name][0] == alone[name][0]
    assert half["tree_loss"][0] == pytest.approx(1 - half["effective_ratio"][0] / alone["effective_ratio"][0], rel=1e-5)
    assert alone["tree_loss"][0] == 0


def test_a_tree_lower_than_the_roof_does_not_shade(hist):
    building = shading.prepare_shaders(np.asarray([shapely.box(-5, 0, 5, 8)], dtype=object), [12.0])
    crown = T.crowns(raw([shapely.Point(0, -7)], heights=["8"]), PARAMS)
    trees = shading.prepare_shaders(crown.geometry.to_numpy(), crown["height_m"].to_numpy())
    out = shading.shade_arrays(np.array([[0.0, 4.0]]), np.array([12.0]), np.array([30.0]), np.array([180.0]),
                               np.array([0]), building, hist, trees=trees, tree_transmissivity=0.1)
    assert out["tree_loss"][0] == 0


def test_tree_files_with_bad_records_give_one_line(tmp_path):
    path = tmp_path / "trees.geojson"
    gpd.GeoDataFrame({"h": [12.0]}, geometry=[shapely.Point(529300, 181700)], crs=27700).to_file(path)
    frame = T.read_tree_file(path, "EPSG:27700", {"height": "h"})
    assert frame["kind"].tolist() == ["tree"] and frame["height_tag"].tolist() == [12.0]
    with pytest.raises(InputError, match="'HEIGHT' .* is not in the tree file"):
        T.read_tree_file(path, "EPSG:27700", {"height": "HEIGHT"})
    with pytest.raises(InputError, match="unknown trees.columns key"):
        T.read_tree_file(path, "EPSG:27700", {"girth": "h"})
    nocrs = tmp_path / "nocrs.csv"
    nocrs.write_text("not,a,vector\n")
    with pytest.raises(InputError):
        T.read_tree_file(nocrs, "EPSG:27700")


def test_the_camden_run_reads_the_extract_s_trees(camden_store):
    con = duckdb.connect(str(camden_store), read_only=True)
    quality = con.execute("SELECT records, observed, imputed, note FROM data_quality WHERE step = 'trees'").df()
    loss = con.execute("SELECT count(*) FILTER (WHERE tree_loss > 0) hit, count(*) n, max(tree_loss) mx "
                       "FROM roof_planes").df().iloc[0]
    con.close()
    assert quality.records.iloc[0] > 3000 and "tree rows" in quality.note.iloc[0]
    assert 0.05 * loss.n < loss.hit < 0.5 * loss.n  # trees shade some roofs, not most
    assert 0.2 < loss.mx <= 1.0


def test_the_trees_schema_and_source():
    from analysis.pipeline import tree_source

    camden = config.load_place("camden")
    kind, path = tree_source(camden)
    assert kind == "osm" and str(path).endswith(".osm.pbf")
    with pytest.raises(Exception, match="file: required"):
        config.PlaceSchema.model_validate({**camden.raw, "trees": {"source": "file"}})


FIXTURE = ROOT / "tests" / "data" / "fitzrovia_heights"
EPW = ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"


@pytest.mark.slow  # two pipeline runs of 264 buildings
def test_a_place_s_tree_file_shades_its_roofs(tmp_path):
    stores = {}
    for with_trees in (False, True):
        folder = tmp_path / f"p{int(with_trees)}"
        config = fitzrovia_place(folder, trees=({"file": "trees.geojson", "columns": {"height": "HEIGHT_M"}}
                                                if with_trees else {"source": "none"}))
        # A street tree every 12 m on a grid over the square, 25 m tall: some stand beside roofs.
        xs, ys = np.meshgrid(np.arange(529210, 529600, 12.0), np.arange(181610, 182000, 12.0))
        pts = gpd.GeoSeries(gpd.points_from_xy(xs.ravel(), ys.ravel()), crs=27700)
        buildings = gpd.read_file(folder / "buildings.shp").to_crs(27700)
        free = ~pts.intersects(buildings.buffer(1.0).union_all())
        kept = pts[free].to_numpy()
        gpd.GeoDataFrame({"HEIGHT_M": np.full(len(kept), 25.0)}, geometry=kept, crs=27700).to_file(folder / "trees.geojson")
        stores[with_trees] = run_potential(config, tmp_path / f"{int(with_trees)}.duckdb")
    without, with_ = stores[False], stores[True]
    assert (with_.shading_loss >= without.shading_loss - 1e-9).all()  # trees never add sun
    assert (with_.shading_loss > without.shading_loss + 1e-6).sum() > 0.2 * len(with_)
    assert with_.kwh_central.sum() < without.kwh_central.sum()


def test_roof_irradiance_takes_a_tree_file(tmp_path):
    """roof-irradiance shades through the same wiring as `run`: a row of tall trees along the square darkens roofs."""
    buildings = FIXTURE / "buildings.shp"
    frame = gpd.read_file(buildings).to_crs(27700)
    x0, y0, x1, y1 = frame.total_bounds
    xs = np.arange(x0, x1, 10.0)
    trees = gpd.GeoDataFrame({"height": np.full(len(xs), 30.0)},
                             geometry=gpd.points_from_xy(xs, np.full(len(xs), (y0 + y1) / 2)), crs=27700)
    trees = trees[~trees.intersects(frame.union_all())]
    trees.to_file(tmp_path / "trees.geojson")
    outs = {}
    for label, extra in (("without", []), ("with", ["--trees", str(tmp_path / "trees.geojson")])):
        out = run_cli("roof-irradiance", "--buildings", str(buildings), "--weather", str(EPW), "--out",
                      str(tmp_path / f"{label}.csv"), *extra, timeout=300)
        assert out.returncode == 0, out.stderr[-1500:]
        outs[label] = pd.read_csv(tmp_path / f"{label}.csv").set_index("building_id")
    assert "trees" in out.stderr
    darker = outs["with"].shading_loss_pct > outs["without"].shading_loss_pct + 0.01
    assert darker.sum() > 5 and (outs["with"].shading_loss_pct >= outs["without"].shading_loss_pct - 1e-6).all()
