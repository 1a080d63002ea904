"""Roof planes from roof shapes, the unknown-shape rule, usable area from setbacks and
obstructions, suitability after shading, and the ranges."""

import numpy as np
import pandas as pd
import pytest
import shapely

from analysis import config, roofs
from analysis.errors import InputError
from analysis.quality import QualityLog

RECT = shapely.Polygon([(0, 0), (20, 0), (20, 8), (0, 8)])  # long axis east-west


@pytest.fixture(scope="module")
def levels():
    a = config.load_assumptions()
    return {lv: a.level("roofs", lv) for lv in config.LEVELS}


def frame(shapes, levels_=2.0, use="house", height=9.0, use_class=None):
    n = len(shapes)
    out = pd.DataFrame({"building_id": [f"b{i}" for i in range(n)], "footprint_m2": RECT.area, "levels": levels_,
                        "height_m": height, "use": use, "roof_shape": shapes})
    if use_class is not None:
        out["use_class"] = use_class
    return out


def test_roof_rules_on_known_shapes(levels):
    params = levels["central"]
    f = pd.DataFrame({"building_id": ["h", "t"], "footprint_m2": [160.0, 160.0], "levels": [2.0, 8.0],
                      "use": ["house", "apartments"], "roof_shape": [None, None]})
    planes = roofs.roof_planes(f, np.array([RECT, RECT]), params, 51.5)
    house = planes[planes.building_id == "h"]
    assert sorted(house["azimuth_deg"].round()) == [0.0, 180.0]
    assert house["area_m2"].sum() == pytest.approx(160 / np.cos(np.radians(35)))
    tower = planes[planes.building_id == "t"]
    assert len(tower) == 1 and tower["mount"].iloc[0] == "rack" and tower["is_flat"].iloc[0]
    assert planes["roof_shape_assumed"].all()


@pytest.mark.parametrize("shape,n_planes,azimuths", [
    ("gabled", 2, [0, 180]), ("hipped", 4, [0, 90, 180, 270]), ("pyramidal", 4, [0, 90, 180, 270]),
    ("mansard", 5, [0, 90, 180, 180, 270]), ("gambrel", 4, [0, 0, 180, 180]), ("skillion", 1, [180]),
    ("flat", 1, [180]), ("dome", 1, [180]),
])
def test_families_cover_the_footprint(levels, shape, n_planes, azimuths):
    planes = roofs.roof_planes(frame([shape]), np.array([RECT]), levels["central"], 51.5)
    assert len(planes) == n_planes
    assert sorted(planes["azimuth_deg"].round()) == azimuths
    assert planes["horizontal_m2"].sum() == pytest.approx(RECT.area)
    assert (planes["area_m2"] >= planes["horizontal_m2"] - 1e-9).all()
    assert not planes["roof_shape_assumed"].any()  # no source column: a tag counts as observed
    # Shading points lie on the roof, below its top.
    inside = shapely.contains_xy(RECT.buffer(1e-6), planes["x"], planes["y"])
    assert inside.all() and (planes["z"] <= 9.0).all()


def test_hipped_geometry_by_hand(levels):
    p = levels["central"]
    planes = roofs.roof_planes(frame(["hipped"]), np.array([RECT]), p, 51.5).set_index("azimuth_deg")
    # Equal pitch: trapezoids (20 + 12)/2 × 4 m, triangles 8 × 4 / 2 (plan areas).
    assert planes.loc[180.0, "horizontal_m2"] == pytest.approx(64.0)
    assert planes.loc[90.0, "horizontal_m2"] == pytest.approx(16.0)
    rise = 4 * np.tan(np.radians(p["pitched_tilt_deg"]))
    assert planes["z"].iloc[0] == pytest.approx(9.0 - rise / 2)  # mean roof height


def test_unknown_shape_rule_and_provenance(levels):
    p = levels["central"]
    shapes = [None, None, None, None, "weird", "gabled"]
    fam, assumed = roofs.classify_roofs(shapes, [2, 6, 2, 1, 2, 2], ["house", "apartments", "school", "garage", "house", "house"],
                                        [80, 300, 900, 15, 80, 80], p,
                                        use_class=["domestic", "domestic", "non_domestic", "ancillary", "domestic", "domestic"],
                                        roof_shape_source=[None, None, None, None, "observed", "imputed"])
    assert list(fam) == ["gabled", "flat", "flat", "flat", "gabled", "gabled"]
    assert list(assumed) == [True, True, True, True, True, True]  # unknown tag, or shape not observed
    _, assumed = roofs.classify_roofs(["hipped"], [2], ["house"], [80], p, roof_shape_source=["observed"])
    assert not assumed[0]


def test_usable_area_by_hand(levels):
    p = levels["central"]
    planes = roofs.roof_planes(frame(["gabled", "flat"]), np.array([RECT, RECT]), p, 51.5)
    gable = planes.iloc[0]
    s, depth = p["pitched_edge_setback_m"], 4 / np.cos(np.radians(p["pitched_tilt_deg"]))
    assert gable["usable_m2"] == pytest.approx((20 - 2 * s) * (depth - 2 * s) * (1 - p["obstruction_share_pitched"]))
    assert gable["module_m2"] == gable["usable_m2"]
    flat = planes[planes.is_flat].iloc[0]
    s = p["flat_edge_setback_m"]
    assert flat["usable_m2"] == pytest.approx((20 - 2 * s) * (8 - 2 * s) * (1 - p["obstruction_share_flat"]))
    assert flat["module_m2"] == pytest.approx(flat["usable_m2"] * p["ground_coverage_ratio"])


def test_small_roofs_and_curved_roofs_get_nothing(levels):
    shed = shapely.box(0, 0, 3, 2.5)
    f = pd.DataFrame({"building_id": ["shed", "dome"], "footprint_m2": [7.5, RECT.area], "levels": [1.0, 2.0],
                      "height_m": [2.5, 9.0], "use": ["shed", "church"], "roof_shape": [None, "dome"]})
    planes = roofs.roof_planes(f, np.array([shed, RECT]), levels["central"], 51.5)
    out = roofs.plane_capacity(planes, np.full(len(planes), 900.0), 950.0, levels)
    assert not out["suitable"].any() and (out["kwp_high"] == 0).all()
    assert out.loc[out.building_id == "dome", "usable_m2"].sum() == 0


def test_suitability_after_shading_and_ranges(levels):
    planes = roofs.roof_planes(frame(["gabled"] * 3), np.array([RECT] * 3), levels["central"], 51.5)
    specific = np.array([900.0, 600.0, 900.0, 600.0, 640.0, 600.0])  # b2's south plane shaded to 640
    out = roofs.plane_capacity(planes, specific, 950.0, levels)
    rel = specific / 950
    assert list(out["suitable"]) == list(rel >= levels["central"]["min_relative_yield"])
    assert not out["suitable"].iloc[4]  # shaded below 70 % of the best: dropped
    assert (out["suitable_high"] >= out["suitable_central"]).all() and (out["suitable_central"] >= out["suitable_low"]).all()
    assert (out["kwp_low"] <= out["kwp_central"]).all() and (out["kwp_central"] <= out["kwp_high"]).all()
    assert (out["usable_m2_low"] < out["usable_m2_central"]).all() and (out["usable_m2_central"] < out["usable_m2_high"]).all()


def test_potential_params_flip_inverse_parameters(levels):
    low = roofs.potential_params(levels, "low")
    assert low["obstruction_share_flat"] == levels["high"]["obstruction_share_flat"]
    assert low["module_density_kwp_per_m2"] == levels["low"]["module_density_kwp_per_m2"]
    assert low["pitched_tilt_deg"] == levels["central"]["pitched_tilt_deg"]  # geometry stays central


def test_check_buildings_records_and_refuses():
    import geopandas as gpd
    g = gpd.GeoDataFrame({"building_id": [1, 2], "levels": [3, None], "use": ["house", "garage"]},
                         geometry=[RECT, shapely.box(30, 0, 33, 3)], crs="EPSG:27700")
    log = QualityLog()
    out = roofs.check_buildings(g, log)
    assert list(out["height_m"]) == [9.0, 3.0] and list(out["use_class"]) == ["domestic", "ancillary"]
    row = log.frame().set_index("field").loc["height_m"]
    assert row["defaulted"] == 2
    with pytest.raises(InputError, match="projected CRS"):
        roofs.check_buildings(g.to_crs(4326))
    with pytest.raises(InputError, match="GeoDataFrame"):
        roofs.check_buildings(pd.DataFrame(g))


def test_a_terraced_house_is_roofed_along_its_street():
    """A 5 m wide, 12 m deep house with its street to the north: the ridge turns to run east-west, along
    the street, and the slopes face front and back. Not turned: a street along the long side, a block of
    flats, a flat roof, no street."""
    from analysis import roofs

    n = 5
    dims = (np.zeros(n), np.full(n, 12.0), np.full(n, 5.0), np.zeros((n, 2)))  # long axis north-south
    family = np.array([roofs.FAMILY_CODE[f] for f in ("gabled", "gabled", "gabled", "flat", "hipped")])
    street = np.array([0.0, 90.0, 0.0, 0.0, np.nan])
    row_house = np.array([True, True, False, True, True])
    bearing, long_m, short_m, _ = roofs.ridge_along_street(dims, family, street, row_house)
    assert bearing.tolist() == [90.0, 0.0, 0.0, 0.0, 0.0]
    assert long_m.tolist() == [5.0, 12.0, 12.0, 12.0, 12.0] and short_m.tolist() == [12.0, 5.0, 5.0, 5.0, 5.0]
