"""Fuzzing: randomly corrupted copies of the embedded inputs (truncated, shuffled, wrong types).

The rule for every case: a clean :class:`analysis.errors.InputError` (one line naming the file),
or a valid result with numbers in range — never another exception (a traceback), a hang
(more than 30 s) or a silently wrong answer.

Seeded and bounded: the default run tries ``FUZZ_CASES`` cases per input (default 30) in
process, and ``FUZZ_RUN_CASES`` whole-pipeline runs through the CLI (default 2, ~10-20 CPU-s each,
bounded at 30 CPU-s and 120 s wall clock: see :data:`RUN_WALL_S`; a child forked from pre-imported
libraries, ``cli_runner``, so the CPU bound counts the run, not the imports).
Raise them to fuzz harder, e.g. ``FUZZ_CASES=500 FUZZ_RUN_CASES=20 pytest tests/test_fuzz.py``.
A failure prints the seed and the kind of corruption, which reproduce it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from analysis import config, solar, store
from analysis.errors import InputError
from analysis.ingest.weather import read_weather
from cli_runner import run_cli
from conftest import ROOT

EPW = ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"
CASES = int(os.environ.get("FUZZ_CASES", "30"))
RUN_CASES = int(os.environ.get("FUZZ_RUN_CASES", "2"))
HANG_S = 30
#: Wall-clock bound of one whole-pipeline case. The issue's 30 s hang bound is applied to these runs as
#: CPU time (RLIMIT_CPU, see :func:`_cpu_limit`): a cold run of the small place needs ~20 CPU-s, but
#: measured on this shared 2-core machine its wall time was 19-40 s for the same case as other jobs
#: loaded it, so a 30 s wall bound would fail honest runs. A run that waits without computing (a
#: blocking read, the FIFO kind of hang) uses no CPU and is caught by this looser wall bound instead.
RUN_WALL_S = 120
WRONG_VALUES = ["lots", "", "NaN", "1e309", "-999999", "12 m", "3;4", "=1+1", "null", "0x1F", "\x00", "é", "-0"]


@contextlib.contextmanager
def time_limit(seconds: int, what: str):
    """Fail a case that takes longer than ``seconds`` (a hang), in the main thread."""
    def alarm(signum, frame):
        raise TimeoutError(f"{what} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def corrupt_lines(lines: list[str], rng: np.random.Generator, first_data: int, sep: str = ","):
    """One random corruption of a text table; returns (lines, description)."""
    kind = rng.choice(["truncate", "shuffle", "wrong_type", "delete", "duplicate", "swap_columns", "garbage"])
    out = list(lines)
    body = len(out) - first_data
    if kind == "truncate":
        cut = int(rng.integers(1, len(out)))
        out = out[:cut] + ([out[cut][: int(rng.integers(0, max(1, len(out[cut]))))]] if cut < len(out) else [])
        return out, f"truncate at line {cut}"
    if kind == "shuffle":
        start = first_data + int(rng.integers(0, body - 2))
        stop = min(len(out), start + int(rng.integers(2, 200)))
        block = out[start:stop]
        rng.shuffle(block)
        out[start:stop] = block
        return out, f"shuffle lines {start}-{stop}"
    if kind == "wrong_type":
        picks = rng.integers(first_data, len(out), size=int(rng.integers(1, 6)))
        for i in picks:
            cells = out[i].split(sep)
            j = int(rng.integers(0, len(cells)))
            cells[j] = str(rng.choice(WRONG_VALUES))
            out[i] = sep.join(cells)
        return out, f"wrong types on lines {sorted(map(int, picks))}"
    if kind == "delete":
        i = first_data + int(rng.integers(0, body))
        n = int(rng.integers(1, 30))
        del out[i:i + n]
        return out, f"delete lines {i}-{i + n}"
    if kind == "duplicate":
        i = first_data + int(rng.integers(0, body))
        out.insert(i, out[i])
        return out, f"duplicate line {i}"
    if kind == "swap_columns":
        ncol = len(out[first_data].split(sep))
        a, b = (int(x) for x in rng.choice(ncol, size=2, replace=False))
        for i in range(first_data, len(out)):
            cells = out[i].split(sep)
            if len(cells) > max(a, b):
                cells[a], cells[b] = cells[b], cells[a]
                out[i] = sep.join(cells)
        return out, f"swap columns {a} and {b}"
    i = int(rng.integers(0, len(out)))
    out[i] = "".join(chr(int(c)) for c in rng.integers(1, 0x2FF, size=int(rng.integers(1, 80))))
    return out, f"garbage on line {i}"


# ---------------------------------------------------------------------------------------------
# Weather: read + PV yield, in process
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clean_yield():
    weather, meta = read_weather(EPW)
    return solar.annual_pv_yield(weather, meta, 35, 180)["kwh_per_kwp"]


@pytest.mark.parametrize("seed", range(CASES))
def test_corrupted_weather_gives_clean_error_or_valid_yield(tmp_path, seed, clean_yield):
    rng = np.random.default_rng(1000 + seed)
    lines, what = corrupt_lines(EPW.read_text().splitlines(), rng, first_data=8)
    path = tmp_path / "w.epw"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    case = f"seed {1000 + seed}: {what}"
    try:
        with time_limit(HANG_S, case):
            weather, meta = read_weather(path)
            kwh = solar.annual_pv_yield(weather, meta, 35, 180)["kwh_per_kwp"]
    except InputError as exc:
        line = exc.one_line()
        assert "\n" not in line and str(path) in line, case
        return
    # Accepted: the corruption was harmless (a few plausible values); the answer must still be right.
    assert np.isfinite(kwh) and 0.8 * clean_yield < kwh < 1.2 * clean_yield, f"{case}: {kwh:.0f} vs {clean_yield:.0f}"


# ---------------------------------------------------------------------------------------------
# Place config, in process
# ---------------------------------------------------------------------------------------------

def _paths(node, prefix=()):
    """Every key path in a nested config."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield prefix + (i,)
            yield from _paths(value, prefix + (i,))


def _corrupt_config(raw: dict, rng: np.random.Generator):
    raw = yaml.safe_load(yaml.safe_dump(raw))  # deep copy
    paths = list(_paths(raw))
    target = paths[int(rng.integers(0, len(paths)))]
    parent = raw
    for key in target[:-1]:
        parent = parent[key]
    kind = rng.choice(["delete", "wrong_type", "wrong_type", "rename"])
    wrong = [5, -1, 1.5, True, None, [], {}, ["x"], {"a": 1}, "lots", "", "../../../etc/passwd", "/dev/zero",
             "x" * 5000, "EPSG:4326", 10**20]
    if kind == "delete" and isinstance(parent, dict):
        del parent[target[-1]]
    elif kind == "rename" and isinstance(parent, dict):
        parent[str(target[-1]) + "_typo"] = parent.pop(target[-1])
    else:
        parent[target[-1]] = wrong[int(rng.integers(0, len(wrong)))]
    return raw, f"{kind} at {'.'.join(map(str, target))}"


@pytest.mark.parametrize("seed", range(CASES))
def test_corrupted_place_config_gives_clean_error_or_valid_config(tmp_path, seed):
    raw = config.read_yaml(config.EMBEDDED_PLACES["camden"])
    folder = tmp_path / "data" / "camden"  # same layout as the project: ../london etc. resolve inside data/
    folder.mkdir(parents=True)
    for entry in config.EMBEDDED_PLACES["camden"].parent.parent.iterdir():
        if entry.name != "camden":
            (tmp_path / "data" / entry.name).symlink_to(entry)
    for entry in config.EMBEDDED_PLACES["camden"].parent.iterdir():
        if entry.name != "place.yml":
            (folder / entry.name).symlink_to(entry)
    rng = np.random.default_rng(2000 + seed)
    corrupted, what = _corrupt_config(raw, rng)
    text = yaml.safe_dump(corrupted, allow_unicode=True)
    if rng.random() < 0.2:  # sometimes cut the file itself
        text = text[: int(rng.integers(0, len(text)))]
        what += " + truncated text"
    path = folder / "place.yml"
    path.write_text(text)
    case = f"seed {2000 + seed}: {what}"
    try:
        with time_limit(HANG_S, case):
            cfg = config.load_place(path)
    except InputError as exc:
        assert all("\n" not in line for line in exc.lines()) and str(path) in exc.one_line(), case
        return
    assert cfg.schema is not None and cfg.name, case  # accepted: a complete, validated config


# ---------------------------------------------------------------------------------------------
# The whole pipeline through the CLI, on a small real place (Granary Square, 13 OSM buildings)
# ---------------------------------------------------------------------------------------------

def _small_place(folder: Path) -> Path:
    """A one-area place on the embedded Granary Square extract, every input copied into ``folder``."""
    import geopandas as gpd

    camden = config.load_place("camden")
    raw = yaml.safe_load(yaml.safe_dump(camden.raw))
    areas = gpd.read_file(camden.resolve(raw["areas"]["file"]))
    box = gpd.GeoSeries.from_xy([-0.12799, -0.12368], [51.53478, 51.53783], crs=4326).to_crs(areas.crs).total_bounds
    areas = areas[areas.intersects(gpd.GeoSeries.from_wkt([f"POLYGON(({box[0]} {box[1]},{box[2]} {box[1]},"
                                                           f"{box[2]} {box[3]},{box[0]} {box[3]},{box[0]} {box[1]}))"],
                                                          crs=areas.crs).iloc[0])]
    areas[[raw["areas"]["id"], "geometry"]].to_file(folder / "areas.geojson")
    raw["areas"]["file"] = "areas.geojson"
    raw["areas"].pop("name", None)
    for i, stat in enumerate(raw["areas"]["statistics"]):
        src = camden.resolve(stat["file"])
        stat["file"] = f"stat{i}{''.join(src.suffixes)}"
        shutil.copy(src, folder / stat["file"])
        if "lookup" in stat:
            shutil.copy(camden.resolve(stat["lookup"]["file"]), folder / f"lookup{i}.csv")
            stat["lookup"]["file"] = f"lookup{i}.csv"
    shutil.copy(ROOT / "data" / "camden" / "osm" / "granary-square.osm.pbf", folder / "buildings.osm.pbf")
    raw["buildings"]["file"] = "buildings.osm.pbf"
    shutil.copy(camden.resolve(raw["weather"]), folder / "weather.epw")
    raw["weather"] = "weather.epw"
    raw["name"] = "Granary Square"
    path = folder / "place.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False))
    return path


def _cpu_limit() -> None:
    """In the child: at most :data:`HANG_S` CPU seconds (then SIGXCPU ends it), and no core file."""
    import resource

    resource.setrlimit(resource.RLIMIT_CPU, (HANG_S, HANG_S + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _corrupt_file(path: Path, rng: np.random.Generator) -> str:
    if path.suffix in (".pbf", ".gz"):
        data = bytearray(path.read_bytes())
        cut = int(rng.integers(0, len(data)))
        if rng.random() < 0.5:
            path.write_bytes(bytes(data[:cut]))
            return f"truncate {path.name} at byte {cut}"
        data[cut:cut + 64] = rng.integers(0, 256, size=len(data[cut:cut + 64]), dtype=np.uint8).tobytes()
        path.write_bytes(bytes(data))
        return f"garbage bytes in {path.name} at {cut}"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    first = 8 if path.suffix == ".epw" else 1
    lines, what = corrupt_lines(lines, rng, first_data=min(first, len(lines) - 1))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    return f"{what} in {path.name}"


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(RUN_CASES))
def test_corrupted_small_place_runs_cleanly_or_fails_cleanly(tmp_path, seed):
    folder = tmp_path / "place"
    folder.mkdir()
    place = _small_place(folder)
    rng = np.random.default_rng(3000 + seed)
    targets = sorted(p for p in folder.iterdir() if p.name != "place.yml")
    target = targets[int(rng.integers(0, len(targets)))]
    case = f"seed {3000 + seed}: " + _corrupt_file(target, rng)
    db = tmp_path / "s.duckdb"
    try:
        out = run_cli("run", "--place", place, "--db", db, "--quiet", timeout=RUN_WALL_S, preexec_fn=_cpu_limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{case}: the run hung (> {RUN_WALL_S} s wall clock)")
    assert out.returncode != -signal.SIGXCPU, f"{case}: the run used more than {HANG_S} s of CPU (a hang)"
    assert "Traceback" not in out.stderr, f"{case}\n{out.stderr[-3000:]}"
    if out.returncode != 0:
        errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
        assert out.returncode == 1 and errors and len(out.stderr.strip().splitlines()) == len(errors), \
            f"{case}\n{out.stderr[-2000:]}"
        assert "rerun with --debug" not in errors[0], f"{case}: an unexpected error, not a message: {errors[0]}"
        return
    con = store.connect(db, read_only=True)
    try:
        totals = con.execute("SELECT count(*), sum(kwp_central), sum(kwh_central), sum(buildings) FROM area_potential"
                             ).fetchone()
        footprint = con.execute("SELECT sum(footprint_m2) FROM buildings").fetchone()[0]
        nans = con.execute("SELECT count(*) FROM area_potential WHERE NOT isfinite(kwh_central)").fetchone()[0]
    finally:
        con.close()
    areas, kwp, kwh, buildings = totals
    assert areas >= 1 and buildings >= 1 and nans == 0, case
    assert 0 < kwp <= 0.25 * footprint, f"{case}: {kwp:.0f} kWp on {footprint:.0f} m² of footprint"
    assert 500 < kwh / kwp < 1200, f"{case}: {kwh / kwp:.0f} kWh/kWp in London"
