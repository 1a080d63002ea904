"""Project set-up: pins agree, data have provenance, the spatial extension loads offline."""

import re
import tomllib

import yaml

from analysis import store
from conftest import ROOT


def _norm(req):
    return re.sub(r"\s+", "", req).lower()


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = set(map(_norm, project["dependencies"]))
    for extra in project["optional-dependencies"].values():
        wanted |= set(map(_norm, extra))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    got = {_norm(r) for r in pip if not r.startswith("-e")}
    assert got == wanted


def test_spatial_loads_from_the_wheel_without_network():
    con = store.connect()
    assert con.execute("SELECT ST_Area(ST_GeomFromText('POLYGON((0 0,2 0,2 2,0 2,0 0))'))").fetchone()[0] == 4.0
    assert con.execute("SELECT current_setting('autoinstall_known_extensions')").fetchone()[0] is False


def test_every_data_folder_has_a_readme():
    for folder in [p for p in (ROOT / "data").iterdir() if p.is_dir()]:
        assert (folder / "README.md").is_file(), folder


def test_no_cdn_in_book_or_package():
    for path in [*ROOT.joinpath("book").glob("*.md"), ROOT / "_config.yml", *ROOT.joinpath("analysis").rglob("*.py")]:
        text = path.read_text()
        assert not re.search(r"cdn\.jsdelivr|unpkg\.com|cdnjs", text), path
