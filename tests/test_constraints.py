"""Planning constraints on roofs: listed and glazed roofs carry no central potential, nor street-facing slopes in
conservation areas."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis import pipeline
from analysis.errors import InputError
from analysis.ingest import buildings as buildings_mod
from analysis.ingest import constraints

CRS = "EPSG:27700"


def row_of_three():
    return gpd.GeoDataFrame({"building_id": ["a", "b", "c"], "roof_constraint": ["", "", ""]},
                            geometry=[shapely.box(x, 0, x + 10, 10) for x in (0.0, 50.0, 100.0)], crs=CRS)


def test_tags_mark_listed_and_glazed_roofs():
    frame = pd.DataFrame({"listed_status": ["Grade II", None, "no", None, None],
                          "HE_ref": [None, "1379153", None, None, None],
                          "roof:material": [None, None, None, "glass", None]})
    kinds = buildings_mod.roof_constraints(frame, np.array(["yes", "yes", "yes", "yes", "train_station"], dtype=object))
    assert kinds.tolist() == ["listed", "listed", "", "glazed", "glazed"]


def test_layers_of_points_and_polygons(tmp_path):
    listed = gpd.GeoDataFrame({"ref": [1]}, geometry=[shapely.Point(55, 5)], crs=CRS)
    listed.to_file(tmp_path / "listed.geojson")
    area = gpd.GeoDataFrame({"name": ["CA"]}, geometry=[shapely.box(90, -5, 130, 20)], crs=CRS)
    area.to_file(tmp_path / "ca.gpkg")
    out = constraints.apply_layers(row_of_three(), [{"file": "listed.geojson", "kind": "listed"},
                                                    {"file": "ca.gpkg", "kind": "conservation_area"}],
                                   lambda name: tmp_path / name, CRS)
    assert out["roof_constraint"].tolist() == ["", "listed", ""]
    assert out["conservation_area"].tolist() == [False, False, True]


def test_unreadable_or_wrong_layer_is_one_line(tmp_path):
    (tmp_path / "bad.geojson").write_text("not json")
    with pytest.raises(InputError, match="cannot read the constraint layer") as err:
        constraints.read_layer(tmp_path / "bad.geojson", CRS)
    assert "\n" not in err.value.one_line()
    gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=CRS).to_file(tmp_path / "lines.gpkg")
    with pytest.raises(InputError, match="LineString"):
        constraints.read_layer(tmp_path / "lines.gpkg", CRS)


def test_constrained_planes_carry_no_potential_and_listed_keep_it_as_with_consent():
    buildings = pd.DataFrame({"roof_constraint": ["", "listed", "glazed"]})
    planes = pd.DataFrame({"building_row": [0, 1, 1, 2], "suitable": [True] * 4,
                           **{c: [10.0, 20.0, 30.0, 40.0] for c in pipeline.POTENTIAL_COLUMNS}})
    out = pipeline.constrained_planes(buildings, planes)
    assert out["kwp_central"].tolist() == [10.0, 0.0, 0.0, 0.0]
    assert out["kwh_high"].tolist() == [10.0, 0.0, 0.0, 0.0]
    assert out["consent_kwp"].tolist() == [0.0, 20.0, 30.0, 0.0]  # glazed roofs: none even with consent
    assert out["suitable"].tolist() == [True, False, False, False]


def test_buildings_mapped_as_built_before_1850_are_presumed_listed():
    """England lists all buildings before 1700 and most to 1850 (DCMS 2018): a mapped start_date in that period
    presumes a listing; an imputed age, a later year or an existing tag does not change anything."""
    import geopandas as gpd
    import shapely

    from analysis.ingest.constraints import presume_listed

    frame = gpd.GeoDataFrame({"roof_constraint": ["", "", "", "glazed", ""],
                              "year_built": [1753.0, 1851.0, 1700.0, 1800.0, np.nan],
                              "age_source": ["observed", "observed", "imputed", "observed", None]},
                             geometry=[shapely.box(i, 0, i + 1, 1) for i in range(5)], crs=27700)
    out = presume_listed(frame, 1850)
    assert list(out["roof_constraint"]) == ["listed", "", "", "glazed", ""]
    assert list(presume_listed(frame, 0)["roof_constraint"]) == list(frame["roof_constraint"])  # switched off


def test_camden_s_british_museum_is_presumed_listed(camden_store):
    import duckdb

    con = duckdb.connect(str(camden_store), read_only=True)
    row = con.execute("SELECT b.roof_constraint, sum(p.kwp_central), sum(p.consent_kwp) FROM buildings b JOIN "
                      "roof_planes p USING (building_id) WHERE b.name = 'British Museum' GROUP BY 1").fetchone()
    con.close()
    assert row[0] == "listed" and row[1] == 0 and row[2] > 500  # no central potential; kept 'with consent'


def test_the_listing_presumption_applies_on_the_british_grid_or_when_a_place_asks():
    from analysis import config
    from analysis.pipeline import presume_listed_year

    camden = config.load_place("camden")
    assert presume_listed_year(camden) == 1850
    helsinki = config.load_place(str(config.PROJECT_ROOT / "tests" / "data" / "helsinki" / "place.yml"))
    assert helsinki.crs.upper() != "EPSG:27700" and presume_listed_year(helsinki) == 0


def test_street_bearing_points_to_the_nearest_road_within_reach():
    houses = np.array([shapely.box(0, 0, 10, 10), shapely.box(0, 100, 10, 110), shapely.box(200, 0, 210, 10)])
    roads = np.array([shapely.LineString([(-50, 25), (60, 25)]),  # 15 m north of the first house
                      shapely.LineString([(160, -100), (160, 100)])])  # 40 m west of the third
    from analysis.ingest import streets

    bearing = streets.street_bearing(houses, roads, 30.0)
    assert bearing[0] == pytest.approx(0.0) and np.isnan(bearing[1]) and np.isnan(bearing[2])
    assert streets.street_bearing(houses, roads, 50.0)[2] == pytest.approx(270.0)
    assert np.isnan(streets.street_bearing(houses, np.array([], dtype=object), 30.0)).all()


def test_street_facing_slopes_are_pitched_and_turned_to_the_road():
    facing = constraints.street_facing([0.0, 180.0, 50.0, 70.0, 180.0, 0.0], [35, 35, 35, 35, 10, 35],
                                       [False, False, False, False, True, False], [0, 0, 0, 0, 0, np.nan], 60.0)
    assert facing.tolist() == [True, False, True, False, False, False]


def test_street_facing_slopes_in_a_conservation_area_keep_their_potential_only_with_consent(tmp_path):
    """A gabled house with its road to the north: in a conservation area its north slope (facing the road)
    carries nothing in the central case and is kept as "with consent"; its south slope keeps its
    potential. Outside, both keep it; the north slope is still marked street-facing."""
    buildings = pd.DataFrame({"roof_constraint": ["", ""], "conservation_area": [True, False],
                              "street_bearing_deg": [2.0, 2.0]})  # grid bearing; true north 2° east of grid north
    planes = pd.DataFrame({"building_row": [0, 0, 1, 1], "suitable": [True] * 4, "azimuth_deg": [0.0, 180.0] * 2,
                           "tilt_deg": [35.0] * 4, "is_flat": [False] * 4,
                           **{c: [10.0, 20.0, 30.0, 40.0] for c in pipeline.POTENTIAL_COLUMNS}})
    out = pipeline.constrained_planes(buildings, planes, north_offset_deg=2.0, half_angle_deg=60.0)
    assert out["street_facing"].tolist() == [True, False, True, False]
    assert out["kwp_central"].tolist() == [0.0, 20.0, 30.0, 40.0]
    assert out["consent_kwp"].tolist() == [10.0, 0.0, 0.0, 0.0]
    assert out["suitable"].tolist() == [False, True, True, True]


def test_a_street_layer_gives_the_roads(tmp_path):
    roads = gpd.GeoDataFrame({"name": ["High St"]}, geometry=[shapely.LineString([(-20, 30), (200, 30)])], crs=CRS)
    roads.to_file(tmp_path / "roads.gpkg")
    out = constraints.apply_layers(row_of_three(), [{"file": "roads.gpkg", "kind": "street"}],
                                   lambda name: tmp_path / name, CRS, street_reach_m=30.0)
    np.testing.assert_allclose(out["street_bearing_deg"], [0.0, 0.0, 0.0], atol=1e-9)
    gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)], crs=CRS).to_file(tmp_path / "points.gpkg")
    with pytest.raises(InputError, match="a street layer holds lines"):
        constraints.apply_layers(row_of_three(), [{"file": "points.gpkg", "kind": "street"}],
                                 lambda name: tmp_path / name, CRS)
    none = constraints.apply_layers(row_of_three(), [], lambda name: tmp_path / name, CRS)
    assert none["street_bearing_deg"].isna().all()


def test_camden_roads_come_from_the_extract(camden_store):
    from test_pipeline import q

    planes = q(camden_store, """SELECT count(*) FILTER (WHERE street_facing) AS facing,
        count(*) FILTER (WHERE street_facing AND is_flat) AS flat FROM roof_planes""").iloc[0]
    quality = q(camden_store, "SELECT derived, records FROM data_quality WHERE step = 'constraints' AND field = 'street'")
    assert planes["facing"] > 1000 and planes["flat"] == 0
    assert quality["derived"].iloc[0] > 0.8 * quality["records"].iloc[0]  # most buildings front a road


def test_each_area_is_known_by_its_longest_named_street():
    from analysis import pipeline
    from analysis.ingest import streets

    areas = np.array([shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100), shapely.box(400, 0, 500, 100)])
    roads = gpd.GeoDataFrame({"name": ["High Street", "Short Lane", "Long Road", None]},
                             geometry=[shapely.LineString([(10, 50), (90, 50)]), shapely.LineString([(50, 10), (50, 40)]),
                                       shapely.LineString([(150, 50), (290, 50)]), shapely.LineString([(410, 5), (490, 5)])],
                             crs=CRS)
    assert streets.main_streets(areas, roads).tolist() == ["High Street", "Long Road", ""]
    # A local street names its neighbourhood before a longer main road through it.
    classes = roads.assign(highway=["primary", "residential", "primary", "residential"])
    assert streets.main_streets(areas, classes).tolist() == ["Short Lane", "Long Road", ""]
    assert streets.main_streets(areas, None).tolist() == ["", "", ""]
    named = pipeline.with_street(["Camden 014C", "Camden 011A", "High Street North"], ["Fellows Road", "", "High Street"])
    assert named.tolist() == ["Camden 014C (Fellows Road)", "Camden 011A", "High Street North"]
