"""Uses, storeys, homes on buildings, occupant tenure and roof owners — on crafted places."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from analysis import attributes, homes, ownership
from analysis.config import load_assumptions
from analysis.ingest.areas import apportion
from analysis.quality import QualityLog

PARAMS = load_assumptions().level("homes")


def _buildings(rows):
    """rows: (area, tag, footprint side [m], levels, extra dict)."""
    geoms, records = [], []
    for i, (area, tag, side, levels, extra) in enumerate(rows):
        x = 1000 * ord(area[-1]) + 30 * i
        geoms.append(shapely.box(x, 0, x + side, side))
        records.append({"building_id": f"b{i}", "area_id": area, "use": tag, "levels": float(levels),
                        "levels_source": "observed", "flats": np.nan, "landuse": None, "poi_count": 0, **extra})
    frame = gpd.GeoDataFrame(records, geometry=geoms, crs=27700)
    frame["footprint_m2"] = frame.area
    use = attributes.classify_use(frame)
    frame[use.columns] = use
    return frame


def _areas(**counts):
    rows = []
    for area, c in counts.items():
        rows.append({"area_id": area, "dwellings_detached": 0, "dwellings_semi": 0, "dwellings_caravan": 0,
                     "dwellings_terraced": c.get("houses", 0), "dwellings_purpose_built_flat": c.get("blocks", 0),
                     "dwellings_converted_flat": c.get("converted", 0), "dwellings_commercial_flat": c.get("over_shops", 0),
                     "owner_occupied": c.get("oo", 0), "social_rented": c.get("sr", 0),
                     "private_rented": c.get("pr", 0), "other_tenure": 0})
    return pd.DataFrame(rows)


def test_uses_from_tags_landuse_and_shops():
    frame = _buildings([("A", "house", 8, 2, {}), ("A", "school", 30, 2, {}), ("A", "garage", 4, 1, {}),
                        ("A", "yes", 10, 3, {"shop": "bakery"}), ("A", "yes", 10, 1, {"shop": "kiosk"}),
                        ("A", "yes", 12, 3, {"landuse": "residential"}), ("A", "yes", 12, 3, {"landuse": "industrial"}),
                        ("A", "yes", 12, 3, {"amenity": "place_of_worship"}), ("A", "yes", 12, 3, {})])
    got = frame.set_index("building_id")[["use_class", "use_category", "use_source"]]
    assert got.loc["b0"].tolist() == ["domestic", "", "observed"]
    assert got.loc["b1"].tolist() == ["non_domestic", "school", "observed"]
    assert got.loc["b2", "use_class"] == "ancillary"
    assert got.loc["b3"].tolist() == ["mixed", "food_retail", "derived"]  # shop below, homes possible above
    assert got.loc["b4", "use_class"] == "non_domestic"  # a single-storey shop
    assert got.loc["b5"].tolist() == ["unknown", "", "derived"]  # in residential landuse: a home candidate
    assert got.loc["b6"].tolist() == ["non_domestic", "industrial", "derived"]
    assert got.loc["b7", "use_category"] == "worship"
    assert got.loc["b8", "use_class"] == "unknown"


def test_homes_per_area_equal_the_census_and_a_house_is_one_home():
    frame = _buildings([("A", "house", 8, 2, {}), ("A", "house", 8, 2, {}), ("A", "apartments", 25, 6, {}),
                        ("A", "yes", 10, 3, {}), ("A", "yes", 10, 4, {"shop": "cafe"}), ("A", "yes", 40, 8, {}),
                        ("B", "terrace", 40, 3, {}), ("B", "yes", 3, 1, {})])
    areas = _areas(A={"houses": 2, "blocks": 40, "converted": 3, "over_shops": 2}, B={"houses": 3})
    log = QualityLog()
    got = homes.allocate_homes(frame, areas, PARAMS, log)
    frame[got.columns] = got
    per_area = frame.groupby("area_id")["dwellings"].sum()
    assert per_area["A"] == 47 and per_area["B"] == 3
    b = frame.set_index("building_id")
    assert b.loc["b0", "dwellings"] == 1 and b.loc["b1", "dwellings"] == 1  # houses
    assert b.loc["b2", "dwelling_type"] == "purpose_built_flat" and b.loc["b2", "dwellings"] > 1
    assert b.loc["b4", "dwelling_type"] == "commercial_flat" and b.loc["b4", "dwellings"] == 2
    assert b.loc["b6", "dwellings"] == 3 and b.loc["b6", "dwelling_type"] == "house"  # a terrace outline of 3 houses
    assert b.loc["b7", "use_class"] == "ancillary"  # a 9 m² untagged outline: a shed, not a home
    assert log.frame().set_index("field").loc["dwellings", "note"].startswith("50 of 50 census households")


def test_untagged_buildings_left_non_domestic_when_floor_is_not_needed():
    rows = [("A", "house", 8, 2, {})] + [("A", "yes", 30, 5, {}) for _ in range(10)]
    frame = _buildings(rows)
    got = homes.allocate_homes(frame, _areas(A={"houses": 1, "converted": 2}), PARAMS)
    assert got["dwellings"].sum() == 3
    assert (got["use_class"] == "non_domestic").sum() >= 8 and (got.loc[got["use_class"] == "non_domestic", "use_source"] == "imputed").all()


def test_observed_flats_kept():
    frame = _buildings([("A", "apartments", 30, 6, {"flats": 24.0}), ("A", "apartments", 30, 6, {})])
    got = homes.allocate_homes(frame, _areas(A={"blocks": 40}), PARAMS)
    assert got["dwellings"].tolist() == [24, 16] and got["dwellings_source"].iloc[0] == "observed"


def test_tenure_sums_and_roof_owners():
    frame = _buildings([("A", "house", 8, 2, {}), ("A", "house", 8, 2, {}), ("A", "apartments", 25, 6, {}),
                        ("A", "apartments", 25, 6, {"operator": "London Borough of Camden"}), ("A", "yes", 12, 4, {}),
                        ("A", "school", 40, 2, {}), ("A", "church", 20, 1, {})])
    areas = _areas(A={"houses": 2, "blocks": 60, "converted": 4, "oo": 20, "sr": 30, "pr": 16})
    placed = homes.allocate_homes(frame, areas, PARAMS)
    frame[placed.columns] = placed
    occ = ownership.allocate_tenure(frame, areas, {"rtb_leasehold_share": 0.3}, seed=1)
    assert occ[["dw_owner_occupied", "dw_social_rented", "dw_private_rented", "dw_other"]].sum().tolist() == [20, 30, 16, 0]
    assert (occ.sum(axis=1, numeric_only=True) - occ["social_block"] >= 0).all()
    frame[occ.columns] = occ
    owners = ownership.roof_owners(frame, occ).set_index(frame["building_id"])
    assert owners.loc["b3", "roof_owner"] == "social_landlord" and owners.loc["b3", "roof_owner_source"] == "observed"
    assert owners.loc["b5", "roof_owner"] == "public_body" and owners.loc["b6", "roof_owner"] == "faith_community"
    houses = owners.loc[["b0", "b1"], "roof_owner"]
    assert set(houses) <= {"owner_occupier", "private_landlord", "social_landlord"}
    # The council block's roof belongs to the council even though some flats are leasehold (right to buy).
    b3 = occ.set_index(frame["building_id"]).loc["b3"]
    assert b3["dw_social_rented"] > 0 and owners.loc["b3", "consents"] == 1


def test_converted_house_of_leaseholders_needs_everyone():
    frame = _buildings([("A", "house", 9, 4, {})])
    areas = _areas(A={"converted": 3, "oo": 3})
    frame[homes.allocate_homes(frame, areas, PARAMS).columns] = homes.allocate_homes(frame, areas, PARAMS)
    occ = ownership.allocate_tenure(frame, areas, {"rtb_leasehold_share": 0.3}, seed=1)
    frame[occ.columns] = occ
    owners = ownership.roof_owners(frame, occ)
    assert owners["roof_owner"].iloc[0] == "private_freeholder" and owners["consents"].iloc[0] == 3


def test_roof_units_split_rows_of_houses():
    frame = pd.DataFrame({"building_id": ["row", "block"], "roof_owner": ["owner_occupier", "social_landlord"],
                          "dwelling_type": ["house", "purpose_built_flat"], "dwellings": [3, 10],
                          "dw_owner_occupied": [2, 0], "dw_social_rented": [0, 10], "dw_private_rented": [1, 0],
                          "dw_other": [0, 0], "consents": [3, 1]})
    units = ownership.roof_units(frame)
    assert len(units) == 4 and units.groupby("building_id")["roof_share"].sum().tolist() == [1.0, 1.0]
    row = units[units.building_id == "row"]
    assert sorted(row["roof_owner"]) == ["owner_occupier", "owner_occupier", "private_landlord"]
    assert (row["consents"] == 1).all()


def test_storeys_imputed_from_neighbours_with_a_band():
    rng = np.random.default_rng(0)
    rows = [("A", "house", 8, 3 if i % 10 else np.nan, {}) for i in range(120)]
    frame = _buildings(rows)
    frame["levels_source"] = np.where(frame["levels"].notna(), "observed", None)
    frame["height_m"], frame["height_source"] = np.nan, None
    log = QualityLog()
    got = attributes.impute_levels(frame, frame["use_group"], 3.0, log)
    imputed = got["levels_source"] == "imputed"
    assert imputed.sum() == 12 and (got.loc[imputed, "levels"] == 3).all()
    assert (got.loc[imputed, "levels_low"] <= got.loc[imputed, "levels"]).all()
    assert (got["height_m"] == got["levels"] * 3).all()
    assert "cross-validated" in log.frame().set_index("field").loc["levels", "note"]
    del rng


def test_census_2021_onto_2011_areas_keeps_totals():
    table = pd.DataFrame({"households": [100.0, 51.0, 40.0], "name": ["x", "y", "z"]}, index=["N1", "N2", "N3"])
    lookup = pd.DataFrame({"from": ["N1", "N2", "N2", "N3"], "to": ["O1", "O2", "O3", "O3"],
                           "w": ["10", "1", "2", "5"]})
    out = apportion(table.drop(columns="name"), lookup, "from", "to", "w")
    # N1 one-to-one, N2 merged from O2 and O3 (split 1:2), N3 split from O3 (summed back)
    assert out.loc["O1", "households"] == 100 and out.loc["O2", "households"] == 17
    assert out.loc["O3", "households"] == 34 + 40 and out["households"].sum() == 191
    assert (out["households"] == out["households"].round()).all()


@pytest.mark.slow
def test_camden_homes_equal_census_per_lsoa(camden_store):
    from analysis import store
    con = store.connect(camden_store, read_only=True)
    d = con.execute("""SELECT a.area_id, a.dwellings AS census, coalesce(sum(b.dwellings), 0) AS placed,
        sum(b.dw_owner_occupied) oo, a.owner_occupied FROM areas a LEFT JOIN buildings b USING (area_id) GROUP BY ALL""").df()
    n, synthetic = con.execute("SELECT count(*), bool_or(synthetic) FROM buildings").fetchone()
    con.close()
    assert (d["census"] == d["placed"]).all() and d["census"].sum() == 92733
    assert 20_000 <= n <= 21_000 and not synthetic


@pytest.mark.parametrize("seed", range(12))
def test_random_places_always_sum_to_the_census(seed):
    """Property: whatever the mix of outlines and census counts, every household is placed once."""
    rng = np.random.default_rng(seed)
    tags = ["house", "terrace", "apartments", "yes", "yes", "residential", "school", "garage"]
    rows = [(rng.choice(["A", "B"]), rng.choice(tags), float(rng.uniform(3, 40)), int(rng.integers(1, 9)),
             {"shop": "cafe"} if rng.random() < 0.1 else {}) for _ in range(int(rng.integers(1, 25)))]
    frame = _buildings(rows)
    counts = {a: {"houses": int(rng.integers(0, 40)), "blocks": int(rng.integers(0, 300)),
                  "converted": int(rng.integers(0, 60)), "over_shops": int(rng.integers(0, 10))} for a in ("A", "B")}
    got = homes.allocate_homes(frame, _areas(**counts), PARAMS)
    frame[got.columns] = got
    placed = frame.groupby("area_id")["dwellings"].sum()
    for area, c in counts.items():
        assert placed.get(area, 0) == (sum(c.values()) if area in set(frame["area_id"]) else 0)
    assert (got[[f"dw_{t}" for t in homes.DWELLING_TYPES]].sum(axis=1) == got["dwellings"]).all()
    assert (got[[f"dw_{t}" for t in homes.DWELLING_TYPES]] >= 0).all().all()


def test_fill_respects_room_and_never_goes_negative():
    out = homes._fill(10, np.array([1.0, 1.0, 1.0]), np.array([2, -3, 100]))
    assert out.tolist() == [2, 0, 8]


def test_a_building_named_for_its_use_is_not_filled_with_homes():
    """Camden Ambulance Station (building=yes) had held 302 social flats, churches and schools a few
    each. A name that says what the building is makes it non-domestic, unless it also says homes
    ("Church House", "Hospital Court") or a tag says apartments."""
    frame = _buildings([("A", "yes", 40, 5, {"name": "Camden Ambulance Station", "poi_count": 1}),
                        ("A", "yes", 40, 5, {"name": "Danish Church"}),
                        ("A", "yes", 40, 5, {"name": "Harmood Children\u2019s Centre"}),
                        ("A", "yes", 40, 5, {"name": "Church House"}),
                        ("A", "yes", 40, 5, {"name": "Sarum Hall School", "building_use": "apartments"}),
                        ("A", "yes", 40, 5, {"name": "Centre Point Tower"}),
                        ("A", "apartments", 40, 5, {"name": "Old School"}),
                        ("A", "yes", 40, 5, {"name": None})])
    assert list(frame["use_category"][:3]) == ["public", "worship", "cultural"]
    assert (frame["use_class"][:3] == "non_domestic").all() and (frame["use_source"][:3] == "derived").all()
    assert frame["use_class"].iloc[3] == "unknown" and frame["use_class"].iloc[4] == "domestic"
    assert list(frame["use_class"][5:]) == ["unknown", "domestic", "unknown"]
    placed = homes.allocate_homes(frame, _areas(A={"blocks": 40}), load_assumptions().level("homes"))
    assert placed["dwellings"].iloc[:3].sum() == 0 and placed["dwellings"].sum() == 40


def test_names_ending_in_centre_and_shops_and_offices_are_not_homes():
    assert attributes.name_category(["Aga Khan Centre", "Army Reserve Centre", "Centre Point Tower",
                                     "Royal Mail Delivery Office", "Morrisons", "Parcelforce Depot",
                                     "Wellcome Trust"]).tolist() == ["other", "other", "", "office", "food_retail",
                                                                     "storage", ""]


def test_student_halls_hold_no_census_households():
    frame = _buildings([("A", "residential", 40, 5, {"name": "London House, Goodenough College"}),
                        ("A", "residential", 40, 5, {"name": "Garden Halls"}),
                        ("A", "residential", 40, 5, {"name": "Parliament Hill Mansions"}),
                        ("A", "apartments", 40, 5, {"name": "College Court"})])
    assert frame["use_category"].tolist()[:2] == ["accommodation", "accommodation"]
    assert frame["use_class"].tolist() == ["non_domestic", "non_domestic", "domestic", "domestic"]


def test_a_train_shed_is_one_floor_however_tall():
    """Euston's shed had six imputed storeys of heated floor (55 GWh of heat, the borough's largest load)."""
    frame = _buildings([("A", "train_station", 100, float("nan"), {"levels_source": "imputed"}),
                        ("A", "yes", 20, float("nan"), {"levels_source": "imputed"})])
    frame["height_m"], frame["height_source"] = np.nan, None
    out = attributes.impute_levels(frame, frame["use_group"])
    assert out["levels"].iloc[0] == 1.0 and out["levels_source"].iloc[0] == "derived"
    assert out["height_m"].iloc[0] > 3.0  # its height stays: it shades its neighbours
    assert out["levels"].iloc[1] >= 1.0 and out["levels_source"].iloc[1] == "imputed"


def test_a_visitor_attraction_is_never_a_block_of_homes():
    """Freemasons' Hall (building=yes, tourism=yes, shops nearby) was filled with 60 social flats."""
    frame = _buildings([("A", "yes", 40, 5, {"tourism": "yes", "poi_count": 2}),
                        ("A", "yes", 40, 5, {"tourism": "attraction"}),
                        ("A", "yes", 40, 5, {"tourism": "museum"}),
                        ("A", "yes", 40, 5, {"tourism": "apartment"}),
                        ("A", "yes", 40, 5, {"tourism": "no"})])
    assert list(frame["use_class"][:2]) == ["non_domestic", "non_domestic"]
    assert list(frame["use_category"][:3]) == ["other", "other", "cultural"]
    assert frame["use_class"].iloc[3] != "non_domestic" or frame["use_category"].iloc[3] == "hotel"
    assert frame["use_class"].iloc[4] == "unknown"  # tourism=no says nothing
