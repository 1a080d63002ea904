"""Neighbours given in a place's context file shade the roofs at the study area's edge in `run`."""

import shutil

import duckdb
import geopandas as gpd
import pytest
import shapely
import yaml

from analysis.config import PROJECT_ROOT
from tests.cli_runner import run_cli

FIXTURE = PROJECT_ROOT / "tests" / "data" / "fitzrovia_heights"
EPW = PROJECT_ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"


def place(folder, with_context=False, **extra):
    """The Fitzrovia square as a place (``extra`` keys added to its config, e.g. ``trees``)."""
    folder.mkdir()
    for f in FIXTURE.iterdir():
        shutil.copy(f, folder / f.name)
    gpd.GeoDataFrame({"area_id": ["square"]}, geometry=[shapely.box(529200, 181600, 529600, 182000)],
                     crs=27700).to_file(folder / "area.geojson")
    raw = {"name": "Fitzrovia square", "crs": "EPSG:27700", "currency": "GBP",
           "areas": {"file": "area.geojson", "id": "area_id"},
           "buildings": {"source": "file", "file": "buildings.shp", **({"context_file": "context.gpkg"}
                                                                       if with_context else {})},
           "weather": str(EPW), **extra}
    (folder / "place.yml").write_text(yaml.safe_dump(raw))
    return folder / "place.yml"


def run_potential(config, db):
    """Run a test place through the CLI into ``db`` and return its buildings' central kWh and shading loss."""
    out = run_cli("run", "--place", str(config), "--db", str(db), "--quiet", timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT building_id, kwh_central, shading_loss FROM building_potential "
                           "ORDER BY building_id").df().set_index("building_id")
    finally:
        con.close()


@pytest.mark.slow  # two pipeline runs of 264 buildings
def test_context_file_shades_the_edge_of_the_study_area(tmp_path):
    stores = {}
    for with_context in (False, True):
        cfg = place(tmp_path / f"p{int(with_context)}", with_context)
        stores[with_context] = run_potential(cfg, tmp_path / f"{int(with_context)}.duckdb")
    without, with_ = stores[False], stores[True]
    assert list(without.index) == list(with_.index)  # the context is never reported as the place's own
    darker = (with_.shading_loss > without.shading_loss + 1e-6).sum()
    assert darker > 0.2 * len(with_)  # the neighbours beyond the square shade many of its roofs
    assert (with_.shading_loss >= without.shading_loss - 1e-9).all()  # more obstacles never mean more sun
    assert with_.kwh_central.sum() < without.kwh_central.sum()
