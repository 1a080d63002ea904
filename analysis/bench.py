"""Benchmark: N synthetic buildings through ingest → roofs → shading → yields → per-area roll-up.

Measures buildings/s per step, peak RSS, and the speed-up over a naive per-building pvlib
``ModelChain`` loop timed on a sample **in the same run**. The same run reports the kernel
with and without the shading steps (horizon profiles from neighbours, sun-path histogram),
and the potential with and without shading. Targets (DESIGN §6, 2 cores): 1,000,000 buildings
with shading ≤ 25 s and ≤ 2 GB peak RSS.

The synthetic city: 1,000 buildings per km² placed at random in 1 km² areas; 85 % houses
(2-3 storeys, 40-140 m², pitched roofs by the roof rule), 15 % blocks (4-11 storeys,
200-900 m², flat from 5 storeys); heights are storeys × 3 m plus the pitched roof's rise.

Every step is timed by the wall clock and by CPU time (this process's threads and its shading
worker processes, both cores' work added up): on a shared machine the CPU time is the steadier
figure. DuckDB runs in memory here
(ingest and SQL roll-up); writing a store file is the pipeline's store step, measured by
``bench --full``.
"""

from __future__ import annotations

import resource
import sys
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pvlib
import pyarrow as pa
import shapely

from analysis import config as config_mod
from analysis import heat, roofs, shading, solar, store
from analysis.ingest import synthetic
from analysis.ingest.weather import read_weather

WEATHER = config_mod.PROJECT_ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"
BUILDINGS_PER_AREA = 1000
#: Steps that exist only because of shading (the "without shading" figure leaves them out). The
#: sun-path histogram is built in the yield grid's pass over the orientation bins (about 1 s of
#: that step), so it stays in the figure without shading.
SHADING_STEPS = ("shading (horizons, sky view, beam loss)",)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MB] (Linux ru_maxrss is in kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_peak_rss_mb() -> float:
    """Peak resident memory of the largest finished worker process [MB] (the shading workers are
    forked: most of their pages are the parent's, shared, and counted in both figures)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU seconds of this process (all threads) and of its finished worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def polygon_wkb(coords: np.ndarray) -> pa.Array:
    """Well-known binary of single-ring polygons, written by numpy (no Python object per polygon).

    Parameters
    ----------
    coords : numpy.ndarray (n, k, 2)
        Closed rings of k points each [m].

    Returns
    -------
    pyarrow.BinaryArray
        Little-endian WKB (type 3, one ring of k points), one value per polygon.
    """
    n, k = coords.shape[:2]
    record = np.dtype([("order", "u1"), ("type", "<u4"), ("rings", "<u4"), ("points", "<u4"), ("xy", "<f8", (2 * k,))])
    wkb = np.empty(n, dtype=record)
    wkb["order"], wkb["type"], wkb["rings"], wkb["points"] = 1, 3, 1, k
    wkb["xy"] = coords.reshape(n, 2 * k)
    raw = pa.py_buffer(wkb.tobytes())
    return pa.FixedSizeBinaryArray.from_buffers(pa.binary(record.itemsize), n, [None, raw]).cast(pa.binary())


def synthetic_city(n: int, seed: int = 1) -> tuple[pd.DataFrame, np.ndarray]:
    """n rectangular footprints on a grid of 1 km² areas, mixed houses and blocks, with heights (vectorised).

    Returns
    -------
    frame : pandas.DataFrame
        ``building_id``, ``area_id``, ``footprint_m2`` [m²], ``levels``, ``height_m`` [m], ``use``,
        ``use_class``, ``roof_shape``.
    footprints : numpy.ndarray of shapely.Polygon
        Aligned with ``frame`` (EPSG:27700 metres).
    """
    rng = np.random.default_rng(seed)
    area_index = np.arange(n) // BUILDINGS_PER_AREA
    side = int(np.ceil(np.sqrt(area_index.max() + 1))) if n else 1
    ax, ay = area_index % side, area_index // side
    cx = ax * 1000 + rng.uniform(0, 1000, n)
    cy = ay * 1000 + rng.uniform(0, 1000, n)
    block = rng.random(n) < 0.15
    footprint = np.where(block, rng.uniform(200, 900, n), rng.uniform(40, 140, n))
    aspect = np.where(block, 2.5, 1.6)
    width = np.sqrt(footprint / aspect)
    bearing = rng.uniform(0, 180, n)
    geoms = synthetic.rectangles(cx, cy, width, width * aspect, bearing)
    levels = np.where(block, rng.integers(4, 12, n), rng.integers(2, 4, n)).astype(float)
    pitched = levels < 5  # the roof rule: houses and 4-storey blocks get gables
    height = levels * 3.0 + np.where(pitched, width / 2 * np.tan(np.radians(35.0)), 0.0)
    frame = pd.DataFrame({
        "building_id": np.arange(n, dtype=np.int64),
        "area_id": area_index.astype(np.int64),
        "footprint_m2": shapely.area(geoms),
        "levels": levels,
        "height_m": height,
        "use": pd.array(["house", "apartments"], dtype="str").take(block.astype(np.intp)),
        "use_class": pd.array(["domestic"], dtype="str").take(np.zeros(n, dtype=np.intp)),
        "roof_shape": None,
    })
    return frame, geoms


def naive_seconds_per_building(weather, meta, buildings, geoms, params, sample: int) -> float:
    """Time a per-building pvlib ModelChain (one Array per roof plane) on a sample."""
    location = pvlib.location.Location(meta["latitude"], meta["longitude"], altitude=meta["altitude"])
    planes = roofs.roof_planes(buildings.iloc[:sample].reset_index(drop=True), geoms[:sample], params, meta["latitude"])
    temp = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    start = time.perf_counter()
    for _, bplanes in planes.groupby("building_id"):  # the naive way: one ModelChain per building
        arrays = [pvlib.pvsystem.Array(pvlib.pvsystem.FixedMount(row.tilt_deg, row.azimuth_deg),
                                       module_parameters={"pdc0": 1000, "gamma_pdc": -0.0047},
                                       temperature_model_parameters=temp) for row in bplanes.itertuples()]
        system = pvlib.pvsystem.PVSystem(arrays=arrays, inverter_parameters={"pdc0": 1000 * len(arrays) / 0.96})
        chain = pvlib.modelchain.ModelChain(system, location, aoi_model="physical", spectral_model="no_loss",
                                            transposition_model="perez")
        chain.run_model(weather)
    return (time.perf_counter() - start) / max(planes["building_id"].nunique(), 1)


def run_benchmark(n_buildings: int, naive_sample: int = 20, verbose: bool = True) -> dict:
    """Run the benchmark and return the figures (also printed when ``verbose``).

    Returns
    -------
    dict
        ``buildings``, ``seconds`` (with shading), ``seconds_without_shading``,
        ``buildings_per_second``, ``cpu_seconds`` (both cores added up), ``peak_rss_mb``,
        ``naive_seconds_per_building``, ``speedup_vs_naive``, ``total_gwh`` (shaded) and
        ``unshaded_gwh``, ``planes``, ``shading_loss_pct`` (of the unshaded potential),
        ``steps`` (wall seconds per step) and ``cpu_steps`` (CPU seconds per step).
    """
    assumptions = config_mod.load_assumptions()
    params = assumptions.level("roofs")
    weather, meta = read_weather(WEATHER)
    steps, cpu_steps = {}, {}
    t0, c0 = time.perf_counter(), cpu_seconds()
    clock = [t0, c0]

    def lap(name):
        wall, cpu = time.perf_counter(), cpu_seconds()
        steps[name], cpu_steps[name] = wall - clock[0], cpu - clock[1]
        clock[:] = [wall, cpu]
        if verbose:  # progress while it runs (the table comes at the end)
            print(f"bench: {name} done in {steps[name]:.1f} s", file=sys.stderr, flush=True)

    frame, footprints = synthetic_city(n_buildings)
    lap("generate")

    con = store.connect(":memory:")
    lap("DuckDB in memory, spatial extension")
    incoming = pa.Table.from_pandas(frame[["building_id", "area_id", "footprint_m2", "levels", "height_m"]],
                                    preserve_index=False).append_column(
        "wkb", polygon_wkb(shapely.get_coordinates(footprints).reshape(n_buildings, -1, 2)))
    con.register("incoming", incoming)
    con.execute("CREATE TABLE buildings AS SELECT * EXCLUDE (wkb), ST_GeomFromWKB(wkb) AS geom FROM incoming")
    con.unregister("incoming")
    del incoming
    lap("ingest (DuckDB + spatial)")

    sp = roofs.shading_params(assumptions)
    grid, histogram = shading.place_grid_and_histogram(weather, meta, assumptions, sp["n_sectors"],
                                                       sp["elevation_step_deg"])
    lap("yield grid + sun-path histogram (pvlib)")

    city = gpd.GeoDataFrame(frame, geometry=footprints, crs="EPSG:27700")
    sub = {}
    planes = roofs.plane_potential(city, grid, weather, meta, assumptions, meta["latitude"], timings=sub,
                                   histogram=histogram)
    del city, histogram
    roofs.release_memory()
    lap("roof step")
    for name, key in (("roofs", "roof planes"), ("shading (horizons, sky view, beam loss)", "shading"),
                      ("yields", "yields and capacity")):
        steps[name], cpu_steps[name] = sub[key], sub["cpu"][key]
    del steps["roof step"], cpu_steps["roof step"]

    grid = heat.add_heat_to_grid(grid, weather, meta)
    lap("heat grid (collectors, 3 levels)")

    kind = heat.building_kind(None, frame["use"], frame["levels"])
    demand = heat.heat_demand(frame["footprint_m2"], frame["levels"], kind, np.full(n_buildings, "1945-1964"),
                              heat.read_typology(), assumptions.get("heat", "heated_floor_factor"))
    bounds = shapely.bounds(footprints)  # cell from the bounding-box centre, as the pipeline does
    cells = pd.DataFrame({"x": np.floor((bounds[:, 0] + bounds[:, 2]) / 200), "y": np.floor((bounds[:, 1] + bounds[:, 3]) / 200),
                          "kwh": demand["heat_kwh_central"].to_numpy()}).groupby(["x", "y"])["kwh"].sum()
    fp70 = solar.interpolate_grid(grid, "heat_fp70_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    solar_heat = float(np.sum(np.where(planes["suitable"], planes["module_m2"], 0) * fp70))
    lap("heat demand, density, solar heat")

    slim = pa.Table.from_pandas(planes[["building_id", "kwp_central", "kwh_low", "kwh_central", "kwh_high",
                                        "unshaded_kwh_central"]], preserve_index=False)
    con.register("planes", slim)
    con.execute("""
        CREATE TABLE area_potential AS
        SELECT b.area_id, count(DISTINCT b.building_id) AS buildings, sum(p.kwp_central) AS kwp,
               sum(p.kwh_low) AS kwh_low, sum(p.kwh_central) AS kwh_central, sum(p.kwh_high) AS kwh_high,
               sum(p.unshaded_kwh_central) AS unshaded_kwh_central
        FROM planes p JOIN buildings b ON b.building_id = CAST(p.building_id AS BIGINT) GROUP BY b.area_id""")
    total, unshaded = con.execute("SELECT sum(kwh_central), sum(unshaded_kwh_central) FROM area_potential").fetchone()
    con.close()
    lap("roll-up (SQL)")
    seconds, cpu_total = time.perf_counter() - t0, cpu_seconds() - c0
    without = seconds - sum(steps[s] for s in SHADING_STEPS)
    cpu_without = cpu_total - sum(cpu_steps[s] for s in SHADING_STEPS)
    naive = naive_seconds_per_building(weather, meta, frame, footprints, params, min(naive_sample, n_buildings))
    result = {
        "buildings": n_buildings,
        "planes": int(len(planes)),
        "seconds": round(seconds, 3),
        "seconds_without_shading": round(without, 3),
        "buildings_per_second": round(n_buildings / seconds, 1),
        "cpu_seconds": round(cpu_total, 3),
        "cpu_seconds_without_shading": round(cpu_without, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "worker_peak_rss_mb": round(child_peak_rss_mb(), 1),
        "naive_seconds_per_building": round(naive, 5),
        "speedup_vs_naive": round(naive * n_buildings / seconds, 1),
        "total_gwh": round(total / 1e6, 3),
        "unshaded_gwh": round(unshaded / 1e6, 3),
        "shading_loss_pct": round(100 * (1 - total / unshaded), 2) if unshaded else 0.0,
        "heat_cells": int(len(cells)),
        "solar_heat_gwh": round(solar_heat / 1e6, 3),
        "heat_share_of_runtime": round((steps["heat grid (collectors, 3 levels)"]
                                        + steps["heat demand, density, solar heat"]) / seconds, 3),
        "steps": {k: round(v, 3) for k, v in steps.items()},
        "cpu_steps": {k: round(v, 3) for k, v in cpu_steps.items()},
    }
    if verbose:
        print(f"benchmark: {n_buildings:,} synthetic buildings ({len(planes):,} roof planes), London weather")
        print(f"  {'step':<40} {'wall':>8}  {'CPU':>8}  buildings/s (wall)")
        for name, secs in steps.items():
            rate = f"{n_buildings / secs:,.0f}" if secs > 0 else ""
            print(f"  {name:<40} {secs:7.2f} s {cpu_steps[name]:7.2f} s  {rate}")
        print(f"  {'end to end, with shading':<40} {seconds:7.2f} s {cpu_total:7.2f} s  "
              f"{result['buildings_per_second']:,.0f}")
        print(f"  {'end to end, without the shading steps':<40} {without:7.2f} s {cpu_without:7.2f} s  "
              f"{n_buildings / without:,.0f}")
        print(f"  potential {result['total_gwh']:,.1f} GWh/yr with shading, {result['unshaded_gwh']:,.1f} without "
              f"({result['shading_loss_pct']:.1f} % lost to neighbours' shade)")
        print(f"  heat steps: {result['heat_share_of_runtime']:.0%} of the run time")
        print(f"  peak RSS {result['peak_rss_mb']:,.0f} MB (largest shading worker {result['worker_peak_rss_mb']:,.0f} MB, "
              f"pages mostly shared with this process); naive ModelChain loop {naive * 1000:.1f} ms/building "
              f"→ speed-up {result['speedup_vs_naive']:,.0f}×")
    return result


# ------------------------------------------------------------------------------------------------
# The whole pipeline (``bench --full``)
# ------------------------------------------------------------------------------------------------

#: Statistics a synthetic benchmark place carries (from the London scale run's areas).
FULL_STATISTICS = ("households", "population", "income_mean_gbp", "owned_outright", "owned_mortgage",
                   "shared_ownership", "social_rented_council", "social_rented_other", "private_rented_landlord",
                   "private_rented_other", "rent_free", "dwellings", "dwellings_detached", "dwellings_semi",
                   "dwellings_terraced", "dwellings_purpose_built_flat", "dwellings_converted_flat",
                   "dwellings_commercial_flat", "dwellings_caravan", "elec_meters", "elec_kwh", "gas_meters", "gas_kwh",
                   "imd_rank", "imd_decile")


def benchmark_place(n_buildings: int, folder):
    """Write a place config of about ``n_buildings`` synthetic buildings and return its path.

    The areas are London's neighbourhoods with their real statistics (Census 2021 dwelling types
    and tenure, income, metered energy), taken in order until the expected number of buildings
    is reached; beyond all of London (~1.79 M buildings) they repeat, each repeat moved 50 km
    east or west with new ids, so that every area keeps a realistic mix.

    Parameters
    ----------
    n_buildings : int
        Target number of buildings (the run reports the exact count).
    folder : path
        Where the areas, statistics and ``place.yml`` are written.
    """
    from pathlib import Path

    import yaml

    from analysis.ingest import areas as areas_mod

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    london = areas_mod.read_areas(config_mod.load_place("london"))
    # Areas in order until their expected buildings reach N (repeats of London continue the count).
    expected = synthetic.expected_buildings(london)
    copies = int(np.ceil(n_buildings / max(expected.sum(), 1.0)))
    running = np.cumsum(np.tile(expected, copies))
    n_areas = max(1, int(np.searchsorted(running, n_buildings)) + 1)
    pieces = []
    for copy in range(int(np.ceil(n_areas / len(london)))):
        take = london.iloc[: min(len(london), n_areas - copy * len(london))].copy()
        if copy:
            shift = 50_000.0 * ((copy + 1) // 2) * (1 if copy % 2 else -1)
            take["geometry"] = take.geometry.translate(xoff=shift)
            take["area_id"] = take["area_id"] + f"-{copy}"
        pieces.append(take)
    areas = gpd.GeoDataFrame(pd.concat(pieces, ignore_index=True), crs=london.crs)
    stats = [c for c in FULL_STATISTICS if c in areas]
    areas[["area_id", "name", "geometry"]].to_file(folder / "areas.gpkg", driver="GPKG")
    areas[["area_id", *stats]].to_csv(folder / "statistics.csv", index=False)
    place = {
        "name": f"Benchmark ({n_buildings:,} synthetic buildings)", "crs": "EPSG:27700", "currency": "GBP",
        "seed": 20110327,
        "areas": {"file": "areas.gpkg", "id": "area_id", "name": "name",
                  "statistics": [{"file": "statistics.csv", "id": "area_id", "columns": {c: c for c in stats}}]},
        "buildings": {"source": "synthetic"},
        "weather": str(WEATHER),
    }
    (folder / "place.yml").write_text(yaml.safe_dump(place, sort_keys=False), encoding="utf-8")
    return folder / "place.yml"


def run_economics_benchmark(n_buildings: int = 1_000_000, n_draws: int | None = None, seed: int = 0,
                            verbose: bool = True) -> dict:
    """The money step (:func:`analysis.economics.step.economics_tables`) on N synthetic buildings, no cache.

    Wall time is what a user waits; CPU time (this process, all threads) is what the work costs
    and is the figure to compare on a shared, busy machine.

    Returns
    -------
    dict
        ``buildings``, ``seconds`` (wall, prepare + money step), ``buildings_per_second``,
        ``cpu_seconds``, ``parts`` (seconds per part of the step), ``peak_rss_mb``.
    """
    import os

    from analysis.config import load_assumptions
    from analysis.economics import draws, inputs, kernel, step

    buildings, potential, areas, area_heat = inputs.synthetic_inputs(n_buildings)
    assumptions = load_assumptions()
    curve = step.build_curve(assumptions, kernel.clear_sky_pv_shape(51.5))
    previous = os.environ.get("ANALYSIS_NO_CACHE")
    os.environ["ANALYSIS_NO_CACHE"] = "1"  # measure the work, not the cache
    try:
        t0, c0 = time.perf_counter(), cpu_seconds()
        tables = step.economics_tables(buildings, potential, areas, area_heat, assumptions, seed, curve=curve,
                                       n_draws=draws.N_DRAWS if n_draws is None else n_draws)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    finally:
        if previous is None:
            os.environ.pop("ANALYSIS_NO_CACHE", None)
        else:
            os.environ["ANALYSIS_NO_CACHE"] = previous
    parts = {r.part: round(r.seconds, 3) for r in tables["economics_timings"].itertuples()}
    out = {"buildings": n_buildings, "seconds": round(seconds, 3), "buildings_per_second": round(n_buildings / seconds, 1),
           "cpu_seconds": round(cpu, 3), "parts": parts, "peak_rss_mb": round(peak_rss_mb(), 1)}
    if verbose:
        print(f"bench --economics: money step on {n_buildings:,} synthetic buildings: {seconds:.2f} s "
              f"({out['buildings_per_second']:,.0f} buildings/s; CPU {cpu:.2f} s; peak RSS {out['peak_rss_mb']:,.0f} MB)")
        for name, secs in parts.items():
            print(f"  {name:<36} {secs:7.2f} s")
    return out


def run_full_benchmark(n_buildings: int, verbose: bool = True, folder=None) -> dict:
    """The whole pipeline on about ``n_buildings`` synthetic buildings, with per-step figures.

    Every step of :func:`analysis.pipeline.run` — areas, buildings (generation, homes, tenure,
    roof owners), weather and yield grid (cached after the first run, as in the pipeline), roof
    planes with shading and PV, heat, ownership scenarios with parameter draws, the policy
    matrix, validation and the store (a DuckDB file) — timed by wall clock and CPU, with the
    peak resident memory of the process.

    Returns
    -------
    dict
        ``buildings`` (exact), ``areas``, ``seconds`` (wall, whole run), ``cpu_seconds``,
        ``buildings_per_second``, ``peak_rss_mb``, ``steps`` and ``cpu_steps`` (per step),
        ``store_mb`` (size of the store file).
    """
    import os
    import tempfile
    from pathlib import Path

    from analysis import pipeline

    with tempfile.TemporaryDirectory(prefix="bench-full-") as tmp:
        root = Path(folder) if folder else Path(tmp)
        place = benchmark_place(n_buildings, root / "place")
        db = root / "bench.duckdb"
        t0, c0 = time.perf_counter(), cpu_seconds()
        result = pipeline.run(place, db_path=db, quiet=not verbose, replace=True)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - c0
        size = os.path.getsize(db) / 1e6
    summary = result.summary
    n = int(summary["buildings"])
    out = {"buildings": n, "areas": int(summary["areas"]), "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
           "buildings_per_second": round(n / seconds, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
           "worker_peak_rss_mb": round(child_peak_rss_mb(), 1),
           "steps": {k: round(v, 2) for k, v in result.timings.items()},
           "cpu_steps": {k: round(v, 2) for k, v in result.cpu.items()}, "store_mb": round(size, 1)}
    if verbose:
        print(f"bench --full: {n:,} synthetic buildings in {out['areas']:,} areas (London's statistics), whole pipeline")
        print(f"  {'step':<36} {'wall':>8}  {'CPU':>8}  buildings/s (wall)")
        for name, secs in out["steps"].items():
            rate = f"{n / secs:,.0f}" if secs > 0 else ""
            print(f"  {name:<36} {secs:7.2f} s {out['cpu_steps'].get(name, 0.0):7.2f} s  {rate}")
        print(f"  {'whole run (incl. start-up of the run)':<36} {seconds:7.2f} s {cpu:7.2f} s  {n / seconds:,.0f}")
        print(f"  peak RSS {out['peak_rss_mb']:,.0f} MB (largest shading worker {out['worker_peak_rss_mb']:,.0f} MB, "
              f"pages mostly shared); store {size:,.0f} MB")
    return out
