"""Panels already on roofs (mapped or listed), their summaries, and the market's uptake refitted to observations."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis import adoption
from analysis.economics import kernel as k
from analysis.economics import metrics
from analysis.errors import InputError
from analysis.ingest import existing_pv

CRS = "EPSG:27700"


def squares():
    """Three 10 m square buildings side by side, 50 m apart."""
    geoms = [shapely.box(x, 0, x + 10, 10) for x in (0.0, 50.0, 100.0)]
    return gpd.GeoDataFrame({"building_id": ["a", "b", "c"]}, geometry=geoms, crs=CRS)


def test_parse_output_kw_reads_units_and_ignores_yes():
    got = existing_pv.parse_output_kw(["4 kW", "3,5 kWp", "1.2 MW", "yes", None, "250 W"])
    assert got[:3] == pytest.approx([4.0, 3.5, 1200.0])
    assert np.isnan(got[3]) and np.isnan(got[4])
    assert got[5] == pytest.approx(0.25)


def test_attach_points_outlines_and_sizes_per_building():
    """A tagged node, two untagged nodes on one roof (one installation), an outline of 20 m², a point 12 m
    away from the nearest roof (attached) and one far away (dropped)."""
    inst = gpd.GeoDataFrame({
        "ref": ["n1", "n2", "n3", "w4", "n5", "n6"],
        "kwp_tagged": [4.0, np.nan, np.nan, np.nan, np.nan, 2.0],
        "area_m2": [0.0, 0.0, 0.0, 20.0, 0.0, 0.0]},
        geometry=[shapely.Point(5, 5), shapely.Point(55, 5), shapely.Point(56, 6), shapely.box(101, 1, 105, 6),
                  shapely.Point(122, 5), shapely.Point(500, 500)], crs=CRS)
    out = existing_pv.attach(inst, squares(), None, 0.2, 3.5, "osm").set_index("building_id")
    assert out.loc["a", "kwp"] == pytest.approx(4.0) and out.loc["a", "kwp_source"] == "tagged"
    assert out.loc["b", "kwp"] == pytest.approx(3.5) and out.loc["b", "kwp_source"] == "default"
    assert out.loc["c", "kwp"] == pytest.approx(20 * 0.2)  # the outline; the point 12 m away adds no size of its own
    assert len(out) == 3  # the far point is not on any building


def test_with_yield_uses_the_roof_or_the_fixed_fallback():
    e = pd.DataFrame({"building_id": ["a", "b"], "kwp": [2.0, 1.0]})
    got = existing_pv.with_yield(e, ["a", "b"], np.array([900.0, np.nan]), fallback=800.0)
    assert got["kwh"].tolist() == pytest.approx([1800.0, 800.0])


@pytest.mark.parametrize("body, message", [
    ("building_id,kwp\na,3\na,3\n", "listed twice"),
    ("building_id,kwp\na,-2\n", "above 0"),
    ("building_id,kwp\nzz,2\n", "not a building of the place"),
    ("kwp\n3\n", "neither building_id nor lat and lon"),
    ("building_id,size\na,3\n", "lack a kwp column"),
    ("lat,lon,kwp\n95,0,3\n", "neither a building_id nor a valid lat and lon"),
])
def test_bad_installation_files_fail_in_one_line_naming_the_row(tmp_path, body, message):
    path = tmp_path / "installations.csv"
    path.write_text(body)
    with pytest.raises(InputError, match=message) as err:
        existing_pv.read_installations_csv(path, CRS, ["a", "b", "c"])
    text = err.value.one_line()
    assert "installations.csv" in text and "\n" not in text
    if "row" in message or message in ("listed twice", "above 0", "not a building of the place"):
        assert "row 2" in text or "row 3" in text


def test_listed_installations_attach_by_id_and_by_point(tmp_path):
    path = tmp_path / "installations.csv"
    # a building around a point in Camden given in WGS84, projected the way the reader projects it
    lat, lon = 51.5390, -0.1426
    at = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(CRS).iloc[0]
    buildings = squares()
    buildings.loc[2, "geometry"] = shapely.box(at.x - 5, at.y - 5, at.x + 5, at.y + 5)
    path.write_text(f"building_id,lat,lon,kwp,year\na,,,3.6,2019\n,{lat},{lon},10,2022\n")
    listed = existing_pv.read_installations_csv(path, CRS, ["a", "b", "c"])
    out = existing_pv.attach(listed, buildings, None, 0.2, 3.5, "register").set_index("building_id")
    assert out.loc["a", "kwp"] == pytest.approx(3.6) and out.loc["a", "year"] == 2019
    assert out.loc["c", "kwp"] == pytest.approx(10.0)


def test_existing_summary_by_owner_tenure_and_decile():
    b = pd.DataFrame({"building_id": ["a", "b", "c"], "area_id": ["x", "x", "y"],
                      "roof_owner": ["owner_occupier", "private_freeholder", "commercial"], "dwellings": [1, 4, 0],
                      "dw_owner_occupied": [1, 2, 0], "dw_social_rented": [0, 0, 0], "dw_private_rented": [0, 2, 0],
                      "dw_other": [0, 0, 0]})
    e = pd.DataFrame({"building_id": ["a", "b", "c"], "kwp": [4.0, 8.0, 50.0]})
    terms = pd.DataFrame({"area_id": ["x", "y"], "households": [5.0, 0.0], "decile": [1, 0]})
    s = adoption.existing_summary(b, e, terms).set_index(["dimension", "group"])
    assert s.loc[("roof_owner", "commercial"), "kwp"] == 50.0
    assert s.loc[("tenure", "owner_occupied"), "kwp"] == pytest.approx(4.0 + 4.0)
    assert s.loc[("tenure", "private_rented"), "kwp"] == pytest.approx(4.0)
    assert s.loc[("tenure", "no_homes"), "kwp"] == pytest.approx(50.0)
    assert s.loc[("decile", "1"), "kwp_per_1000_households"] == pytest.approx(1000 * 12 / 5)
    tenure = s.loc["tenure"]
    assert tenure["kwp"].sum() == pytest.approx(62.0)


def synthetic_terms(n=400, seed=2):
    rng = np.random.default_rng(seed)
    ratio = np.exp(rng.normal(0, 0.4, n))
    return pd.DataFrame({"area_id": np.arange(n).astype(str), "households": rng.integers(500, 900, n).astype(float),
                         "income_mean": 40_000 * ratio, "decile": rng.integers(1, 11, n), "income_ratio": ratio,
                         "owner_occupier_base": rng.uniform(2, 6, n), "other_installs": rng.uniform(0.5, 2, n)})


def test_fit_uptake_recovers_known_parameters():
    terms = synthetic_terms(n=4000)  # the scales trade off against each other: many areas pin them down
    truth = (0.6, 1.8, 1.5)
    counts = np.random.default_rng(3).poisson(adoption.expected_installs(terms, *truth))
    s1, s2, e = adoption.fit_uptake(terms, counts)
    assert s1 == pytest.approx(truth[0], rel=0.25) and s2 == pytest.approx(truth[1], rel=0.25)
    assert e == pytest.approx(truth[2], abs=0.35)


def test_adoption_fit_tests_on_held_out_areas_with_intervals():
    terms = synthetic_terms()
    counts = np.random.default_rng(4).poisson(adoption.expected_installs(terms, 1.0, 1.0, 1.0))
    observed = pd.DataFrame({"area_id": terms["area_id"], "installations": counts})
    fit, params = adoption.adoption_fit(terms, observed, 1.0, "synthetic", seed=1, n_boot=60)
    fit = fit.set_index("metric")
    assert fit["areas_fitted"].iloc[0] + fit["areas_tested"].iloc[0] == len(terms)
    row = fit.loc["rank correlation with income"]
    assert row["observed"] > 0.3 and row["model"] > 0.5  # rises with income in truth and in the model
    assert row["observed_low"] <= row["observed"] <= row["observed_high"]
    assert fit.loc["rank correlation with observed", "model"] > 0.2
    p = params.set_index("parameter")
    assert p.loc["owner-occupiers' income elasticity", "low"] <= 1.0 <= p.loc["owner-occupiers' income elasticity", "high"]


def test_uptake_terms_rebuild_the_markets_installs():
    units = k.Units(group=np.array([0, 0, 1]), n_buildings=np.array([10.0, 5.0, 4.0]), kwp=np.ones(3), kwp_low=np.ones(3),
                    kwp_high=np.ones(3), kwh=np.ones(3), kwh_low=np.ones(3), kwh_high=np.ones(3),
                    demand_dom_kwh=np.ones(3), demand_nd_kwh=np.zeros(3), dwellings=np.ones((3, 4)),
                    flat=np.zeros(3, dtype=bool), access=np.zeros((3, 3)), nd_bands=np.zeros((3, 3)),
                    roof_owner=np.array([0, 5, 0]), nd_party=np.zeros(3, dtype=int), consents=np.ones(3),
                    income_ratio=np.array([1.5, 1.5, 0.8]))
    groups = k.Groups(ids=np.array(["x", "y"]), households=np.ones((2, 8)), income_mean=np.array([60e3, 32e3]),
                      demand_dom_kwh=np.zeros((2, 8)), demand_nd_kwh=np.zeros((2, 3)), decile=np.array([9, 2]))
    share = np.array([0.1, 0.2, 0.05])
    terms = metrics.uptake_terms(units, share, groups, elasticity=1.0)
    assert adoption.expected_installs(terms, 1.0, 1.0, 1.0) == pytest.approx([10 * 0.1 + 5 * 0.2, 4 * 0.05])


def test_average_ranks_equal_scipy_rankdata_with_ties():
    from scipy.stats import rankdata

    from analysis.adoption import average_ranks

    rng = np.random.default_rng(3)
    for size in (0, 1, 2, 7, 40):
        x = rng.integers(0, 4, size=size).astype(float)
        np.testing.assert_allclose(average_ranks(x), rankdata(x))
    np.testing.assert_allclose(average_ranks([3.0, 1.0, 2.0]), [3.0, 1.0, 2.0])
