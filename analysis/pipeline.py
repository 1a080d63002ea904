"""Run every step for a place and swap its results into its DuckDB store in one step.

Steps: areas → buildings → weather → yield grid → roof planes → PV capacity and yield →
heat → ownership and scenarios → policy matrix → validation → store (one transaction; the
roll-ups per building and area are computed by integer codes before it, see
:func:`potential_tables`). Big places run in partitions (:data:`PARTITION_BUILDINGS`), each
written while the next is computed. The new store is built as a file beside the old one and
renamed over it at the end (:class:`analysis.store.StoreBuilder`): a failed or interrupted run
changes nothing that was stored before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from analysis import config as config_mod
from analysis import attributes, cache, heat, homes, ownership, roofs, shading, solar, store
from analysis import tables as T
from analysis.ingest import areas as areas_mod
from analysis.ingest import buildings as buildings_mod
from analysis.ingest import checks, existing_pv, synthetic
from analysis.ingest import constraints as constraints_mod
from analysis.ingest import streets as streets_mod
from analysis.quality import IMPUTED, PROVENANCE, QualityLog
from analysis.ingest.weather import MAX_DISTANCE_KM, check_weather_place, read_pvwatts_8760, read_weather

LEVELS = config_mod.LEVELS
#: Area statistics used by later steps; NaN when a place does not provide them.
OPTIONAL_AREA_COLUMNS = ["dwellings", "gas_kwh", "gas_meters", "elec_kwh", "elec_meters", "income_median_gbp",
                         "imd_rank", "imd_decile", "mapped_floor_m2", "needed_floor_m2", "floor_coverage",
                         "fuel_poor_households"]

#: The buildings table: identity, observed/imputed attributes with provenance, homes, tenure, owner.
BUILDING_COLUMNS = [
    "building_id", "area_id", "building_type", "use", "use_class", "use_group", "use_category", "use_source",
    "footprint_m2", "levels", "levels_low", "levels_high", "levels_source", "height_m", "height_source",
    "roof_shape", "roof_shape_source", "roof_shape_assumed", "year_built", "age_band", "age_source",
    "residential_floor_m2", "nondomestic_floor_m2", "dwellings", "dwelling_type", "dwellings_source",
    "dw_house", "dw_converted_flat", "dw_purpose_built_flat", "dw_commercial_flat",
    "dw_owner_occupied", "dw_social_rented", "dw_private_rented", "dw_other", "social_block", "tenure_source",
    "roof_owner", "roof_owner_source", "consents", "consents_source", "elec_demand_kwh", "elec_demand_source",
    "floor_source", "operator", "name", "synthetic", "roof_constraint", "conservation_area",
]

#: Per-area sums of the building potential (additive over partitions) behind ``area_potential``.
AREA_SUM_COLUMNS = ("usable_m2", "roof_m2", "kwp_low", "kwp_central", "kwp_high", "kwh_low", "kwh_central", "kwh_high",
                    "unshaded_kwp_central", "unshaded_kwh_central", "existing_kwp", "existing_kwh", "consent_kwp",
                    "consent_kwh")


def typical_yield(grid: pd.DataFrame | None, tilt: float = 35.0, azimuth: float = 180.0) -> float | None:
    """The place's annual yield of a typical installation [kWh/kWp]: the yield grid's bin nearest a
    south-facing 35° roof (None without a grid)."""
    if grid is None or not len(grid):
        return None
    d = (grid["tilt_deg"] - tilt) ** 2 + ((grid["azimuth_deg"] - azimuth + 180) % 360 - 180) ** 2
    return float(grid["pv_kwh_per_kwp"].to_numpy()[int(np.argmin(d.to_numpy()))])


def potential_tables(buildings: pd.DataFrame, planes: pd.DataFrame, areas: pd.DataFrame,
                     existing: pd.DataFrame | None = None, fallback_yield: float | None = None) -> dict:
    """Roll-ups of the roof planes: ``building_potential`` (one row per building) and, for
    ``area_potential``, per-area sums (additive, so partitions of a place add up).

    Sums by integer row codes (the planes' ``building_row``, the buildings' ``area_row``) with
    numpy: the same result as SQL joins on the id strings, which take seconds per million planes.
    Buildings without a suitable plane get zeros; shading loss and sky-view factor are
    roof-area-weighted (NaN without roof planes).

    Parameters
    ----------
    buildings : pandas.DataFrame
        ``building_id``, ``area_id``, optional ``area_row``.
    planes : pandas.DataFrame
        Roof planes (:func:`analysis.roofs.plane_potential`), optional ``building_row``.
    areas : pandas.DataFrame
        The place's areas (rows of ``area_row``).
    existing : pandas.DataFrame, optional
        Panels already on the place's roofs (:func:`analysis.ingest.existing_pv.place_installations`).
    fallback_yield : float, optional
        Yield of existing panels on roofs without a suitable plane [kWh/kWp] (:func:`typical_yield`).

    Returns
    -------
    dict
        ``building_potential`` (DataFrame) [m², kWp, kWh/yr, counts, shares], ``existing_pv`` (the
        panels on these buildings, with their output) and ``area_sums``
        (dict of per-area arrays: ``buildings``, ``buildings_suitable``,
        ``buildings_suitable_unshaded`` and :data:`AREA_SUM_COLUMNS`); see :func:`area_potential_table`.
    """
    n, n_areas = len(buildings), len(areas)
    if "building_row" in planes:
        rows = planes["building_row"].to_numpy(dtype=np.int64)
    else:
        rows = pd.Index(buildings["building_id"].astype(str)).get_indexer(planes["building_id"].astype(str))
    keep = rows >= 0
    rows = rows[keep]

    def col(name):
        return planes[name].to_numpy()[keep]

    def by_building(values):
        return np.bincount(rows, weights=np.asarray(values, dtype=float), minlength=n)

    suitable, unshaded_ok = col("suitable").astype(bool), col("suitable_unshaded").astype(bool)
    roof = col("area_m2").astype(float)
    bp = {"building_id": buildings["building_id"].array, "area_id": buildings["area_id"].array,  # no string copies
          "suitable_planes": np.bincount(rows[suitable], minlength=n).astype(np.int64),
          "suitable_planes_unshaded": np.bincount(rows[unshaded_ok], minlength=n).astype(np.int64),
          "usable_m2": by_building(np.where(suitable, col("usable_m2"), 0.0)), "roof_m2": by_building(roof)}
    for name in ("kwp_low", "kwp_central", "kwp_high", "kwh_low", "kwh_central", "kwh_high",
                 "unshaded_kwp_central", "unshaded_kwh_central", "consent_kwp", "consent_kwh"):
        bp[name] = by_building(col(name)) if name in planes else np.zeros(n)
    on_roofs = existing_pv.with_yield(existing if existing is not None else existing_pv.attach(None, buildings, None, 0, 0, ""),
                                      buildings["building_id"], np.divide(bp["kwh_central"], bp["kwp_central"],
                                                                          out=np.full(n, np.nan), where=bp["kwp_central"] > 0),
                                      fallback=fallback_yield)
    at = pd.Index(pd.Series(buildings["building_id"]).astype(str)).get_indexer(on_roofs["building_id"].astype(str))
    bp["existing_kwp"] = np.bincount(at, weights=on_roofs["kwp"].to_numpy(dtype=float), minlength=n)
    bp["existing_kwh"] = np.bincount(at, weights=on_roofs["kwh"].to_numpy(dtype=float), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        has_roof = bp["roof_m2"] != 0
        for name in ("shading_loss", "sky_view_factor"):
            bp[name] = np.where(has_roof, by_building(roof * col(name).astype(float)) / np.where(has_roof, bp["roof_m2"], 1),
                                np.nan)

    if "area_row" in buildings:
        area_of = buildings["area_row"].to_numpy(dtype=np.int64)
    else:
        area_of = pd.Index(areas["area_id"].astype(str)).get_indexer(buildings["area_id"].astype(str))
    inside = area_of >= 0
    a_rows = area_of[inside]

    def by_area(values):
        return np.bincount(a_rows, weights=np.asarray(values, dtype=float)[inside], minlength=n_areas)

    sums = {"buildings": np.bincount(a_rows, minlength=n_areas).astype(np.int64),
            "buildings_suitable": by_area(bp["suitable_planes"] > 0).astype(np.int64),
            "buildings_suitable_unshaded": by_area(bp["suitable_planes_unshaded"] > 0).astype(np.int64),
            **{name: by_area(bp[name]) for name in AREA_SUM_COLUMNS}}
    return {"building_potential": pd.DataFrame(bp), "existing_pv": on_roofs, "area_sums": sums}


def remaining_potential(building_potential: pd.DataFrame) -> pd.DataFrame:
    """kWp and kWh per building at each level, less the panels already there (never below zero):
    what new panels could add, which the money step works on."""
    out = {"building_id": building_potential["building_id"].array}
    existing = {q: building_potential[f"existing_{q}"].to_numpy(dtype=float) for q in ("kwp", "kwh")}
    for q in ("kwp", "kwh"):
        for lv in LEVELS:
            out[f"{q}_{lv}"] = np.clip(building_potential[f"{q}_{lv}"].to_numpy(dtype=float) - existing[q], 0, None)
    return pd.DataFrame(out)


def area_potential_table(areas: pd.DataFrame, sums: dict) -> pd.DataFrame:
    """``area_potential``: the per-area sums of :func:`potential_tables` (added over partitions)
    with the area's households and the PV per household and share of domestic electricity."""
    n_areas = len(areas)
    households = areas["households"].to_numpy(dtype=float)
    elec = areas["elec_kwh"].to_numpy(dtype=float) if "elec_kwh" in areas else np.full(n_areas, np.nan)
    # An area without electricity statistics: its households at the per-home default that the demand and
    # money steps use (recorded there as a default in data_quality), so no share is left blank.
    from analysis.economics.inputs import KWH_PER_HOME_DEFAULT

    elec = np.where(np.isfinite(elec), elec, households * KWH_PER_HOME_DEFAULT)
    zeros = np.zeros(n_areas)
    ap = {"area_id": areas["area_id"].to_numpy(), "name": areas["name"].to_numpy(), "households": households,
          "area_ha": areas["area_ha"].to_numpy(dtype=float)}
    for name in ("buildings", "buildings_suitable", "buildings_suitable_unshaded"):
        ap[name] = np.asarray(sums.get(name, zeros), dtype=np.int64)
    for name in AREA_SUM_COLUMNS:
        ap[name] = np.asarray(sums.get(name, zeros), dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ap["kwh_per_household"] = np.where(households != 0, ap["kwh_central"] / np.where(households != 0, households, 1),
                                           np.nan)
        ap["elec_demand_kwh"] = elec
        ap["pv_share_of_domestic_elec"] = np.where(elec != 0, ap["kwh_central"] / np.where(elec != 0, elec, 1), np.nan)
    return pd.DataFrame(ap)


def _cpu_now() -> float:
    """CPU seconds of this process (all threads) and of its finished workers (the shading processes)."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Progress:
    """Step-by-step progress on stderr: step, count, seconds, items per second."""

    def __init__(self, total_steps: int, quiet: bool = False, stream=None):
        self.total, self.done, self.quiet = total_steps, 0, quiet
        self.stream = stream or sys.stderr
        self.timings: dict[str, float] = {}
        self.cpu: dict[str, float] = {}  # CPU seconds per step, workers included (robust on a shared machine)
        self._t0 = time.perf_counter()
        self._step_t = self._t0
        self._step_cpu = _cpu_now()

    def tick(self, name: str, done: int, total: int, unit: str = "buildings") -> None:
        """Within-step progress with rate and ETA, at most about once a second."""
        now = time.perf_counter()
        if self.quiet or (now - getattr(self, "_last_tick", 0.0) < 1.0 and done < total):
            return
        self._last_tick = now
        elapsed = max(now - self._step_t, 1e-9)
        rate = done / elapsed
        eta = (total - done) / rate if rate > 0 else float("nan")
        print(f"      {name}: {done:,}/{total:,} {unit} ({rate:,.0f}/s, ETA {eta:.0f} s)", file=self.stream, flush=True)

    def lap(self, name: str) -> None:
        """Add the time since the last step or lap to ``name`` (steps done partition by partition)."""
        now, cpu_now = time.perf_counter(), _cpu_now()
        self.timings[name] = self.timings.get(name, 0.0) + now - self._step_t
        self.cpu[name] = self.cpu.get(name, 0.0) + cpu_now - self._step_cpu
        self._step_t, self._step_cpu = now, cpu_now

    def note(self, text: str) -> None:
        """An indented line of within-step progress."""
        if not self.quiet:
            print(f"      {text}", file=self.stream, flush=True)

    def close_laps(self, names, items: int, unit: str = "buildings") -> None:
        """Report steps accumulated by :meth:`lap` as done (one line each)."""
        for name in names:
            self.done += 1
            seconds, cpu = self.timings.get(name, 0.0), self.cpu.get(name, 0.0)
            if self.quiet:
                continue
            rate = f" ({items / seconds:,.0f} {unit}/s)" if items and seconds > 0 else ""
            print(f"[{self.done}/{self.total}] {name}: {items:,} {unit} in {seconds:.1f} s{rate}, CPU {cpu:.1f} s — "
                  f"{time.perf_counter() - self._t0:.1f} s elapsed", file=self.stream, flush=True)

    def step(self, name: str, items: int | None = None, unit: str = "buildings") -> None:
        now, cpu_now = time.perf_counter(), _cpu_now()
        seconds = now - self._step_t
        self.cpu[name] = cpu_now - self._step_cpu
        self._step_t, self._step_cpu = now, cpu_now
        self.done += 1
        self.timings[name] = seconds
        if self.quiet:
            return
        rate = f" ({items / seconds:,.0f} {unit}/s)" if items and seconds > 0 else ""
        count = f" {items:,} {unit}" if items is not None else ""
        print(f"[{self.done}/{self.total}] {name}:{count} in {seconds:.1f} s{rate}, CPU {self.cpu[name]:.1f} s — "
              f"{now - self._t0:.1f} s elapsed", file=self.stream, flush=True)


@dataclass
class RunResult:
    """What a run produced: the tables written and a summary."""

    db_path: str
    run_id: int
    summary: dict
    timings: dict = field(default_factory=dict)
    up_to_date: bool = False
    cpu: dict = field(default_factory=dict)  # CPU seconds per step (all threads of this process)


def load_buildings(cfg, areas: gpd.GeoDataFrame, log: QualityLog,
                   progress: Progress | None = None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
    """Buildings of a place with every attribute the later steps need, each with its provenance.

    Real footprints (``buildings: source: file``): read and parse the file
    (:mod:`analysis.ingest.buildings`), assign each to the area holding its representative point,
    check by meaning (:func:`analysis.ingest.checks.check_buildings`), classify uses and impute
    storeys (:mod:`analysis.attributes`), place census households on them (:mod:`analysis.homes`).
    Synthetic buildings (``source: synthetic``) are generated from dwelling-type counts and
    flagged. Both then get occupant tenure and roof owners (:mod:`analysis.ownership`).

    Returns the buildings and the *context*: buildings of the file outside every area, which
    shade roofs at the place's edge but are not reported (None for synthetic places).
    """
    a = cfg.assumptions
    context = None
    section = cfg.raw.get("buildings", {"source": "synthetic"})
    if section.get("source", "file") == "synthetic":
        if section.get("dwelling_types") == "estimate":
            areas = synthetic.estimate_dwelling_types(areas)
        tick = (lambda done, total: progress.tick("generating buildings", done, total, "areas")) if progress else None
        frame = synthetic.as_stock(synthetic.generate_buildings(areas, int(cfg.raw.get("seed", 20110327)), tick))
        log.record("buildings", "synthetic", records=len(frame), imputed=len(frame),
                   note="every building generated from census dwelling counts; footprints, storeys, ages assumed")
    else:
        path = cfg.resolve(section["file"])
        everything = _read_buildings_cached(path, cfg, section, log)
        frame = buildings_mod.assign_areas(everything, areas)
        context = _context_buildings(everything, frame, a)
        if section.get("context_file"):  # the user's neighbours beyond the study area: they cast shade too
            path = cfg.resolve(section["context_file"])
            given = _given_context(buildings_mod.read_buildings(path, cfg.crs, section.get("columns"), log=log), frame, a)
            if given is not None:
                given = given.assign(building_id="context:" + given["building_id"].astype(str))
                context = given if context is None else pd.concat([context, given], ignore_index=True)
                log.record("buildings", "context_file", records=len(given), observed=len(given),
                           note="neighbouring buildings from the place's context file shade the roofs at its edge")
        log.record("buildings", "area", records=len(frame) + frame.attrs.get("outside", 0), parsed=len(frame),
                   dropped=frame.attrs.get("outside", 0), note="buildings whose representative point lies outside "
                   "every area are left out (the extract covers a margin around the place)")
        frame = checks.check_buildings(frame, areas, log, path)
        streets = constraints_mod.place_streets(cfg.raw.get("constraints"), cfg.resolve, cfg.crs,
                                                osm_extract=path if str(path).endswith(".pbf") else None)
        frame = constraints_mod.apply_layers(frame, cfg.raw.get("constraints"), cfg.resolve, cfg.crs, log,
                                             street_reach_m=a.get("constraints", "street_reach_m"), streets=streets)
        # Each area's main street, the name a reader knows it by (restored from the cache with the areas' columns).
        areas["street"] = streets_mod.main_streets(areas.geometry.to_numpy(), streets[0])
        presume = presume_listed_year(cfg)
        if presume:
            frame = constraints_mod.presume_listed(frame, presume, log)
        elif "presume_listed_before_year" in a.groups.get("constraints", {}):
            log.record("constraints", "presumed listed", records=0,
                       note="England's listing presumption not applied: the place is not on the British National Grid "
                            "(set assumptions: {constraints: {presume_listed_before_year: 1850}} to apply it)")
        use = attributes.classify_use(frame, log)
        frame[use.columns] = use
        storeys = attributes.impute_levels(frame, frame["use_group"], a.get("buildings", "storey_height_m"), log,
                                           seed=int(cfg.raw.get("seed", 0)))
        frame[storeys.columns] = storeys
        coverage = homes.floor_coverage(frame, areas, a.level("homes")).set_index("area_id")
        for column in coverage.columns:
            areas[column] = areas["area_id"].map(coverage[column]).to_numpy()
        low = coverage["floor_coverage"] < 0.5
        log.record("homes", "floor_coverage", records=len(coverage), observed=int((~low).sum()), dropped=int(low.sum()),
                   note=f"{int(low.sum())} of {len(coverage)} areas have mapped floor area for less than half of their "
                        f"census homes (buildings missing from the map: homes are packed onto the mapped ones)")
        placed = homes.allocate_homes(frame, areas, a.level("homes"), log)
        frame[placed.columns] = placed
        kind = np.where(frame["dwelling_type"] == "house", "house",
                        np.where(frame["dwellings"] > 0, "flat", "non_domestic"))
        default_band = cfg.raw.get("default_age_band")
        ages = attributes.age_bands(frame["year_built"], kind, default_band)
        unknown_age = int((ages["age_source"] == IMPUTED).sum())
        if unknown_age:
            log.default("buildings", "age band", unknown_age,
                        f"the place's default_age_band {default_band}" if default_band else
                        "the most common band of each kind in inner London (houses pre-1919; EHS 2019, VOA)",
                        note="buildings without a construction year; give year_built or default_age_band")
        frame["age_band"], frame["age_source"] = ages["age_band"].to_numpy(), ages["age_source"].to_numpy()
        frame["building_type"] = None
    frame = frame.reset_index(drop=True)
    occupants = ownership.allocate_tenure(frame, areas, a.level("ownership"), int(cfg.raw.get("seed", 0)), log)
    frame[occupants.columns] = occupants
    owners = ownership.roof_owners(frame, occupants, log)
    frame[owners.columns] = owners
    return frame, context


def read_place_areas(cfg, log: QualityLog) -> gpd.GeoDataFrame:
    """The place's areas with their statistics, checked by meaning; dwellings = the sum of the
    accommodation types where those are given (homes are placed by type)."""
    read = areas_mod.read_areas(cfg)
    for column in read.attrs.get("replaced_boundary_columns", []):
        log.record("areas", column, records=len(read), note="given in both the boundary file and a statistics table: "
                                                            "the table's values are used")
    areas = checks.check_areas(read, log, cfg.resolve(cfg.section("areas")["file"]))
    types = [c for columns in homes.TYPE_COLUMNS.values() for c in columns if c in areas]
    if types:
        by_type = homes.census_counts(areas).sum(axis=1).to_numpy(dtype=float)
        if "dwellings" in areas:
            given = areas["dwellings"].to_numpy(dtype=float)
            off = int(np.sum(np.isfinite(given) & (np.abs(given - by_type) > 0)))
            if off:
                log.record("areas", "dwellings", records=len(areas), derived=off,
                           note=f"in {off} area(s) the total differed from the sum of accommodation types after "
                                f"apportioning (rounding of merged areas); the sum of types is used")
        areas["dwellings"] = by_type
    return areas


def _section_files(cfg, section) -> dict:
    """SHA-256 of every file a config section names (keys ``file``), by path."""
    out = {}

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("file", "context_file") and isinstance(v, str):
                    path = cfg.resolve(v)
                    out[str(path)] = config_mod.file_sha256(path) if path.is_file() else None
                    for sidecar in path.parent.glob(path.stem + ".*"):  # a shapefile's .dbf, .shx, .prj
                        if sidecar != path and sidecar.is_file():
                            out[str(sidecar)] = config_mod.file_sha256(sidecar)
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(section)
    return out


def _areas_key(cfg) -> str:
    return cache.key_of(files=_section_files(cfg, cfg.section("areas")), section=cfg.section("areas"), crs=cfg.crs,
                        code=cache.code_hash("ingest/areas.py", "ingest/checks.py", "homes.py", "quality.py", "config.py"),
                        function=inspect.getsource(read_place_areas))


def _areas_cached(cfg, log: QualityLog) -> gpd.GeoDataFrame:
    """:func:`read_place_areas`, cached by the areas' files, settings and code (its log replayed)."""
    def compute():
        sub = QualityLog()
        return read_place_areas(cfg, sub), sub.rows

    areas, rows = cache.cached("areas", _areas_key(cfg), compute)
    _replay(log, rows)
    return areas


def _real_buildings_cached(cfg, areas, log: QualityLog, progress=None):
    """:func:`load_buildings` for real footprints, cached by everything it reads: the footprint
    file, the areas (their key), the buildings/homes/ownership assumptions, the seed and the code
    (its log replayed, the areas' floor-coverage columns restored)."""
    section = cfg.raw.get("buildings", {})
    before = set(areas.columns)

    def compute():
        sub = QualityLog()
        frame, context = load_buildings(cfg, areas, sub, progress)
        added = {c: areas[c].to_numpy() for c in areas.columns if c not in before}
        return frame, context, added, sub.rows

    a = cfg.assumptions
    key = cache.key_of(areas=_areas_key(cfg), buildings=_section_files(cfg, section), section=section,
                       constraints=(cfg.raw.get("constraints"), _section_files(cfg, {"layers": cfg.raw.get("constraints")})),
                       assumptions={g: a.groups.get(g) for g in ("buildings", "homes", "ownership", "constraints")},
                       seed=cfg.raw.get("seed"), crs=cfg.crs,
                       code=cache.code_hash("attributes.py", "homes.py", "ownership.py", "quality.py", "ingest/buildings.py",
                                            "ingest/tags.py", "ingest/checks.py", "ingest/areas.py",
                                            "ingest/constraints.py", "ingest/streets.py"),
                       function=inspect.getsource(load_buildings) + inspect.getsource(_context_buildings)
                       + inspect.getsource(_given_context) + inspect.getsource(_as_context)
                       + inspect.getsource(presume_listed_year))
    frame, context, added, rows = cache.cached("place-buildings", key, compute)
    for column, values in added.items():
        areas[column] = values
    _replay(log, rows)
    return frame, context


#: The CRS of places in Great Britain, where England's listing presumption applies by default.
BRITISH_GRID = "EPSG:27700"


def with_street(names, streets) -> np.ndarray:
    """Area names with their main street in brackets where they have one (:func:`analysis.ingest.streets.main_streets`),
    unless the name already holds it."""
    names = pd.Series(names, dtype="object").fillna("").astype(str)
    streets = pd.Series(streets, dtype="object").fillna("").astype(str)
    return np.array([f"{n} ({s})" if s and s.lower() not in n.lower() else n for n, s in zip(names, streets)],
                    dtype=object)


def presume_listed_year(cfg) -> float:
    """Last construction year presumed listed (``constraints.presume_listed_before_year``), or 0.

    The presumption follows England's principles of selection, so by default it applies only to places
    on the British National Grid; a place elsewhere applies it by setting the assumption itself.
    """
    if "presume_listed_before_year" not in cfg.assumptions.groups.get("constraints", {}):
        return 0.0
    own = ((cfg.raw.get("assumptions") or {}).get("constraints") or {}).get("presume_listed_before_year")
    if own is None and str(cfg.crs).upper() != BRITISH_GRID:
        return 0.0
    return float(cfg.assumptions.get("constraints", "presume_listed_before_year"))


def tree_source(cfg) -> tuple[str, object]:
    """Where the place's trees come from: ``("osm", extract)``, ``("file", path)`` or ``("none", None)``.

    Without a ``trees:`` key, trees are read from the buildings file when it is an OSM extract.
    """
    section = cfg.raw.get("trees") or {}
    source = section.get("source") or ("file" if section.get("file") else None)
    buildings = cfg.raw.get("buildings") or {}
    extract = buildings.get("file") if buildings.get("source", "file") == "file" else None
    is_pbf = bool(extract) and str(extract).endswith(".pbf")
    if source is None:
        source = "osm" if is_pbf else "none"
    if source == "osm":
        if not is_pbf:
            from analysis.errors import InputError

            raise InputError("trees: source: osm needs buildings.file to be an .osm.pbf extract", path=cfg.path,
                             fix="give trees: {file: trees.geojson}, or trees: {source: none}")
        return "osm", cfg.resolve(extract)
    if source == "file":
        return "file", cfg.resolve(section["file"])
    return "none", None


def _trees_cached(cfg, log: QualityLog):
    """The place's tree crowns with heights (:mod:`analysis.ingest.trees`), cached by the tree file,
    the ``trees`` assumptions and the code; None when the place has none."""
    from analysis.ingest import trees as trees_mod

    kind, path = tree_source(cfg)
    if kind == "none" or "trees" not in cfg.assumptions.groups:
        log.record("trees", "crowns", records=0, note="no trees: roofs are shaded by buildings only"
                   + (" (trees: source: none)" if kind == "none" and cfg.raw.get("trees") else ""))
        return None
    params = cfg.assumptions.level("trees")

    def compute():
        raw = (trees_mod.read_osm_trees(path, cfg.crs) if kind == "osm"
               else trees_mod.read_tree_file(path, cfg.crs, (cfg.raw.get("trees") or {}).get("columns")))
        out = trees_mod.crowns(raw, params)
        return out, out.attrs.get("dropped", 0)

    key = cache.key_of(file=config_mod.file_sha256(path), kind=kind, crs=cfg.crs, params=params,
                       columns=(cfg.raw.get("trees") or {}).get("columns"),
                       code=cache.code_hash("ingest/trees.py", "ingest/tags.py", "ingest/areas.py"))
    crowns, dropped = cache.cached("trees", key, compute)
    by_kind = crowns["kind"].value_counts()
    tagged = int((crowns["height_source"] == "tag").sum())
    log.record("trees", "crowns", records=len(crowns) + dropped, observed=tagged,
               imputed=len(crowns) - tagged, dropped=dropped,
               note=f"{by_kind.get('tree', 0)} trees, {by_kind.get('tree_row', 0)} tree rows and "
                    f"{by_kind.get('wood', 0)} woods shade roofs through their crowns; heights without a tag assumed "
                    f"({params['tree_height_m']:g} m a tree, {params['wood_height_m']:g} m a wood)")
    return crowns


def _replay(log: QualityLog, rows: dict) -> None:
    """Add data-quality rows recorded by a cached step to this run's log."""
    for (step, field_name), row in rows.items():
        log.record(step, field_name, **row)


def _read_buildings_cached(path, cfg, section: dict, log: QualityLog) -> gpd.GeoDataFrame:
    """The footprint file parsed (cached by file content, reader code and settings)."""
    def read():
        sub = QualityLog()
        frame = buildings_mod.read_buildings(path, cfg.crs, section.get("columns"), layer=section.get("layer"), log=sub)
        return frame, sub.rows

    key = cache.key_of(file=config_mod.file_sha256(path), crs=cfg.crs, columns=section.get("columns"),
                       layer=section.get("layer"), code=cache.code_hash("ingest/buildings.py", "ingest/tags.py",
                                                                        "ingest/areas.py", "quality.py"))
    frame, rows = cache.cached("buildings", key, read)
    _replay(log, rows)
    return frame


def _yield_grid_cached(weather, meta, weather_path, cfg, log: QualityLog, with_heat: bool) -> pd.DataFrame:
    """PV (roof and rack) and collector yield grid of the place (cached by weather, settings and code)."""
    def compute():
        sub = QualityLog()
        grid = solar.place_yield_grid(weather, meta, cfg.assumptions, quality=sub)
        if with_heat:
            grid = heat.add_heat_to_grid(grid, weather, meta, cfg.assumptions)
        return grid, sub.rows

    key = cache.key_of(weather=config_mod.file_sha256(weather_path), fmt=cfg.raw.get("weather_format"),
                       pv=cfg.assumptions.groups.get("pv"), heat=with_heat,
                       code=cache.code_hash("solar.py", "heat/collector.py", "ingest/weather.py", "quality.py"))
    grid, rows = cache.cached("yield-grid", key, compute)
    _replay(log, rows)
    return grid


def _sun_path_cached(weather, meta, weather_path, grid: pd.DataFrame, cfg):
    """The place's sun-path histogram for shading (cached like the yield grid)."""
    from analysis import shading

    sp = roofs.shading_params(cfg.assumptions)
    tilts, azimuths = np.unique(grid["tilt_deg"].to_numpy()), np.unique(grid["azimuth_deg"].to_numpy())
    return shading.sun_path_histogram_cached(weather, meta, weather_path, cfg.raw.get("weather_format"), tilts, azimuths,
                                             sp["n_sectors"], sp["elevation_step_deg"], grid.attrs.get("albedo", 0.2))


def _given_context(given: gpd.GeoDataFrame, inside: gpd.GeoDataFrame, assumptions) -> gpd.GeoDataFrame | None:
    """Buildings of a place's context file that are not the place's own (their representative point
    lies in none of the place's footprints), with heights imputed where the file gives none."""
    points = given.geometry.representative_point().to_numpy()
    tree = shapely.STRtree(inside.geometry.to_numpy())
    hit, _ = tree.query(points, predicate="within")
    keep = np.ones(len(given), dtype=bool)
    keep[hit] = False
    return _as_context(given[keep], assumptions) if keep.any() else None


def _context_buildings(everything: gpd.GeoDataFrame, inside: gpd.GeoDataFrame, assumptions) -> gpd.GeoDataFrame | None:
    """Buildings of the file outside every area: they shade roofs at the place's edge (heights imputed)."""
    outside = everything[~roofs._ids_in(everything["building_id"], inside["building_id"])]
    return None if outside.empty else _as_context(outside, assumptions)


def _as_context(outside: gpd.GeoDataFrame, assumptions) -> gpd.GeoDataFrame:
    """Buildings that only cast shade: use classified and storeys imputed, the columns shading reads."""
    outside = outside.copy()
    use = attributes.classify_use(outside)
    outside[use.columns] = use
    storeys = attributes.impute_levels(outside, outside["use_group"], assumptions.get("buildings", "storey_height_m"))
    outside[storeys.columns] = storeys
    return outside[["building_id", "geometry", "height_m", "levels", "use", "use_class", "roof_shape"]]


#: Plane columns that carry potential (zeroed on constrained roofs).
POTENTIAL_COLUMNS = [f"{q}_{lv}" for q in ("kwp", "kwh") for lv in LEVELS] + ["unshaded_kwp_central",
                                                                              "unshaded_kwh_central",
                                                                              "no_tree_kwp_central",
                                                                              "no_tree_kwh_central"]


def constrained_planes(buildings: pd.DataFrame, planes: pd.DataFrame, north_offset_deg: float = 0.0,
                       half_angle_deg: float = 60.0) -> pd.DataFrame:
    """Roof planes with no potential on listed and glazed roofs and on street-facing pitched slopes in
    conservation areas (:mod:`analysis.ingest.constraints`); their central potential, except on glass,
    is kept as ``consent_kwp`` / ``consent_kwh`` (what consent could add). ``street_facing`` marks every
    pitched slope that faces the street its building fronts (``street_bearing_deg``, grid bearing;
    ``north_offset_deg`` turns it true), in a conservation area or not."""
    out = planes.copy()
    out["consent_kwp"], out["consent_kwh"] = 0.0, 0.0
    out["street_facing"] = False
    if not len(out):
        return out
    row = out["building_row"].to_numpy()
    if "street_bearing_deg" in buildings:
        bearing = buildings["street_bearing_deg"].to_numpy(dtype=float)[row] - north_offset_deg
        out["street_facing"] = constraints_mod.street_facing(out["azimuth_deg"], out["tilt_deg"], out["is_flat"],
                                                             bearing, half_angle_deg)
    if "roof_constraint" not in buildings:
        return out
    kind = buildings["roof_constraint"].fillna("").astype(str).to_numpy()[row]
    conservation = (buildings["conservation_area"].fillna(False).to_numpy(dtype=bool)[row]
                    if "conservation_area" in buildings else np.zeros(len(out), bool))
    front = conservation & out["street_facing"].to_numpy() & (kind == "")
    listed, blocked = (kind == "listed") | front, np.isin(kind, ["listed", "glazed"]) | front
    out.loc[listed, "consent_kwp"] = out.loc[listed, "kwp_central"]
    out.loc[listed, "consent_kwh"] = out.loc[listed, "kwh_central"]
    for column in [c for c in POTENTIAL_COLUMNS if c in out]:
        out.loc[blocked, column] = 0.0
    out.loc[blocked, "suitable"] = False
    return out


def compute_planes(buildings: gpd.GeoDataFrame, grid: pd.DataFrame, weather, meta: dict, cfg, log: QualityLog,
                   context=None, progress: Progress | None = None, histogram=None,
                   north_offset_deg: float | None = None, trees=None) -> pd.DataFrame:
    """Roof planes with shading, usable area, suitability, kWp and kWh at low/central/high.

    See :func:`analysis.roofs.plane_potential`; ``context`` holds buildings that cast shade on
    the place's roofs but are not part of it (the extract's margin beyond the boundary, other
    partitions' buildings nearby); ``north_offset_deg`` is the place's (one value for all parts);
    ``trees`` are crowns that shade through their leaves (:mod:`analysis.ingest.trees`).
    """
    tick = (lambda done, total: progress.tick("roof planes and shading", done, total, "buildings")) if progress else None
    return roofs.plane_potential(buildings, grid, weather, meta, cfg.assumptions, meta["latitude"], context=context,
                                 progress=tick, quality=log, histogram=histogram, north_offset_deg=north_offset_deg,
                                 trees=trees)


ROWS_REFERENCE = "Rows of panels, pvlib infinite rows (London weather)"


def rows_of_panels_validation(project_root=config_mod.PROJECT_ROOT) -> list[dict]:
    """Validation rows of the shading method against pvlib's infinite rows (:func:`shading.rows_of_panels`),
    on the London typical year shipped in ``data/weather``; one "not run" row without it."""
    path = project_root / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"
    if not path.is_file():
        return [dict(reference=ROWS_REFERENCE, model="horizon and sun-path histogram",
                     metric=f"not run: {path.name} missing", reference_value=np.nan, model_value=np.nan,
                     tolerance_pct=np.nan)]
    weather, meta = read_weather(path)
    hist = shading.sun_path_histogram(weather, meta, tilts=np.unique([c[0] for c in shading.ROW_CASES]),
                                      azimuths=np.array([170.0, 180.0, 190.0]))
    rows = []
    for tilt, gcr, x, tolerance in shading.ROW_CASES:
        case = shading.rows_of_panels(weather, meta, hist, tilt, gcr, x)
        rows.append(dict(reference=ROWS_REFERENCE,
                         model=f"horizon and sun-path histogram: tilt {tilt:.0f}°, rows {gcr:.0%} covered, "
                               f"{x:.0%} up the panel, masked below {case['masking_angle_deg']:.0f}°",
                         metric="plane-of-array [kWh/m²]", reference_value=case["reference_kwh_per_m2"],
                         model_value=case["model_kwh_per_m2"], tolerance_pct=tolerance))
    return rows


def validation_table(project_root=config_mod.PROJECT_ROOT) -> pd.DataFrame:
    """Model vs NREL PVWatts 8760 exports (annual AC, POA, worst month) and the shading method vs pvlib's
    infinite rows (:func:`rows_of_panels_validation`), for the book's appendix."""
    rows = []
    for mount, label in (("roof", "roofmount"), ("rack", "rackmount")):
        path = project_root / "data" / "validation" / f"pvwatts_8760_{label}.csv"
        if not path.is_file():  # a check that did not run is "not run", never "passed"
            rows.append(dict(reference=f"PVWatts v5 Golden CO, {mount} mount", model="pvlib chain",
                             metric=f"not run: {path.name} missing", reference_value=np.nan, model_value=np.nan,
                             tolerance_pct=np.nan))
            continue
        weather, meta = read_pvwatts_8760(path)
        for model in ("fuentes", "faiman"):
            system = solar.PVSystem(mount=mount, temperature_model=model)
            result = solar.annual_pv_yield(weather, meta, meta["tilt"], meta["azimuth"], system)
            ref_kwh = weather["ac_w"].sum() / 1000 / meta["dc_kw"]
            ref_month = (weather["ac_w"].groupby((weather.index - pd.Timedelta(minutes=30)).month).sum()
                         / 1000 / meta["dc_kw"]).to_numpy()
            month_err = np.max(np.abs(np.array(result["monthly_kwh_per_kwp"]) / ref_month - 1)) * 100
            rows += [
                dict(reference=f"PVWatts v5 Golden CO, {mount} mount", model=f"pvlib chain, {model} cell temp.",
                     metric="annual AC [kWh/kWp]", reference_value=ref_kwh, model_value=result["kwh_per_kwp"],
                     tolerance_pct=1.0),
                dict(reference=f"PVWatts v5 Golden CO, {mount} mount", model=f"pvlib chain, {model} cell temp.",
                     metric="plane-of-array [kWh/m²]", reference_value=weather["poa_pvwatts"].sum() / 1000,
                     model_value=result["poa_kwh_per_m2"], tolerance_pct=1.0),
                dict(reference=f"PVWatts v5 Golden CO, {mount} mount", model=f"pvlib chain, {model} cell temp.",
                     metric="worst month, |error| [%]", reference_value=0.0, model_value=month_err, tolerance_pct=3.0),
            ]
    rows += rows_of_panels_validation(project_root)
    table = pd.DataFrame(rows)
    ratio = table["model_value"] / table["reference_value"].replace(0, np.nan) - 1
    table["difference_pct"] = np.where(table["reference_value"] == 0, table["model_value"], ratio * 100)
    ran = table["model_value"].notna()
    table["within_tolerance"] = (table["difference_pct"].abs() <= table["tolerance_pct"]) & ran
    table["status"] = np.where(~ran, "not run", np.where(table["within_tolerance"], "pass", "fail"))
    return table


def _wkb(geoms) -> np.ndarray:
    return shapely.to_wkb(np.asarray(geoms), output_dimension=2)


def code_fingerprint() -> str:
    """SHA-256 (16 hex digits) of the package's code and packaged data: what results depend on
    besides the place's own files. Unlike the git commit, it also sees uncommitted edits."""
    import hashlib

    root = config_mod.PROJECT_ROOT
    files = sorted([*(root / "analysis").rglob("*.py"), *(root / "analysis" / "data").glob("*.yml"),
                    *(root / "data" / "typology").glob("*.csv"), *(root / "data" / "validation").glob("*.csv")])
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def input_hashes(cfg) -> dict:
    """SHA-256 of the place config and every file it names, keyed by path (relative to the project)."""
    return {str(p.relative_to(config_mod.PROJECT_ROOT)) if p.is_relative_to(config_mod.PROJECT_ROOT) else str(p):
            config_mod.file_sha256(p) for p in [cfg.path, *cfg.input_files()] if p.is_file()}


def up_to_date(cfg, db_path, options: dict) -> dict | None:
    """The store's latest run when it was made from the same inputs, code and options, else None."""
    if not Path(db_path).is_file():
        return None
    con = store.connect(db_path, read_only=True)
    try:
        last = store.last_run(con)
    finally:
        con.close()
    if last is None:
        return None
    summary = json.loads(last.get("summary") or "{}")
    key = {"config": cfg.config_hash(), "inputs": input_hashes(cfg), "code": code_fingerprint(), "options": options}
    return summary if summary.get("run_key") == key else None


def run(place=None, db_path=None, quiet: bool = False, fail_after: str | None = None,
        with_heat: bool = True, with_ownership: bool = True, replace: bool = False,
        force: bool = True, price_date: str | None = None) -> RunResult:
    """Run the whole pipeline for a place and swap its results into the store.

    Parameters
    ----------
    place : str, path or analysis.config.PlaceConfig, optional
        Embedded place name or config path (default: Camden), or a place already loaded (with its
        prices: ``price_date`` is then not used).
    db_path : path, optional
        Store file (default ``build/<place>.duckdb``).
    quiet : bool
        No progress output.
    fail_after : str, optional
        Test hook: fail after writing this table, inside the transaction.
    with_heat, with_ownership : bool
        Run the heat and ownership steps (on by default).
    replace : bool
        Allow overwriting a store that holds another place's results.
    force : bool
        Run even when the store already holds results of the same inputs, code and options
        (False: such a store is reused as it is and the run returns at once, ``up_to_date``).
    price_date : str, optional
        ``YYYY-MM``: the quarter whose prices the money results use (default: the place's own
        ``prices.period``, else the latest in its price table).

    Returns
    -------
    RunResult
    """
    started = dt.datetime.now()
    cfg = place if isinstance(place, config_mod.PlaceConfig) else config_mod.load_place(place, price_date)
    db_path = db_path or store.default_db_path(cfg.slug)
    options = {"with_heat": with_heat, "with_ownership": with_ownership}
    store.check_store_for_place(db_path, cfg.name, replace)  # before minutes of work, not at the end
    with store.writer_lock(db_path):  # re-entrant: the CLI may hold it already
        return _run(cfg, db_path, options, started, quiet, fail_after, with_heat, with_ownership, replace, force)


#: A place is worked through in partitions of about this many buildings (groups of whole areas
#: that lie together), each written to the store while the next is computed, so memory grows
#: with the partition, not the place. Results do not depend on it (Camden is one partition).
PARTITION_BUILDINGS = 250_000
#: Expected buildings per dwelling when partitioning a synthetic place whose dwelling types are
#: not given (they are estimated when the buildings are generated).
SYNTHETIC_BUILDINGS_PER_DWELLING = 0.5
#: Building columns the economics and policy steps read (kept for them across partitions).
ECONOMICS_COLUMNS = ["building_id", "area_id", "area_row", "dwellings", "dw_owner_occupied", "dw_social_rented",
                     "dw_private_rented", "dw_other", "roof_owner", "consents", "use_class", "dwelling_type",
                     "elec_demand_kwh", "nondomestic_floor_m2", "use_category", "operator", "levels"]
PLANE_COLUMNS = ["building_id", "plane", "tilt_deg", "azimuth_deg", "area_m2", "usable_m2", "module_m2", "mount",
                 "is_flat", "roof_shape_assumed", "pv_kwh_per_kwp", "relative_yield", "suitable",
                 *[f"{q}_{lv}" for q in ("kwp", "kwh") for lv in LEVELS]]
GEOMETRY_COLUMNS = {"areas": ["geom", "geom_wgs84"], "buildings": ["geom"]}
#: Text columns with a fixed set of values, stored as DuckDB ENUM types (cheaper to write and
#: read than text; queries compare them with strings as usual). A value outside its set stops the
#: run with a message: the sets below are the code's own vocabularies.
STORE_ENUMS = {
    "types": {
        "provenance": PROVENANCE,
        "use_class": attributes.USE_CLASSES,
        "use_group": tuple(attributes.USE_GROUPS),
        "roof_owner": tuple(ownership.ROOF_OWNERS),
        "dwelling_type": tuple(homes.DWELLING_TYPES),
        "age_band": tuple(label for label, _ in attributes.AGE_BANDS),
        "roof_family": tuple(roofs.FAMILIES),
        "mount": ("roof", "rack"),
        "building_kind": heat.BUILDING_KINDS,
        "building_type": tuple(synthetic.TYPE_NAMES),
    },
    "columns": {
        "buildings": {**{c: "provenance" for c in (
            "use_source", "levels_source", "height_source", "roof_shape_source", "age_source", "dwellings_source",
            "tenure_source", "roof_owner_source", "consents_source", "elec_demand_source", "floor_source")},
            "use_class": "use_class", "use_group": "use_group", "roof_owner": "roof_owner",
            "dwelling_type": "dwelling_type", "age_band": "age_band", "building_type": "building_type"},
        "roof_planes": {"roof_family": "roof_family", "mount": "mount"},
        "building_heat": {"building_kind": "building_kind", "age_band": "age_band"},
    },
}


def area_partitions(areas: gpd.GeoDataFrame, weights, target: float) -> list[np.ndarray]:
    """Groups of area rows that lie together, each of about ``target`` total weight.

    Areas are ordered along a Z-order (Morton) curve of their centroids and cut into
    ``round(total / target)`` runs of equal weight (no small remainder at the end): partitions
    are compact, so few of their buildings are shaded from outside them.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
    weights : array
        Per area, e.g. buildings (or expected buildings).
    target : float
        Weight per partition.

    Returns
    -------
    list of numpy.ndarray
        Area row numbers per partition (every area in exactly one).
    """
    n = len(areas)
    weights = np.nan_to_num(np.asarray(weights, dtype=float), nan=0.0)
    if n == 0 or weights.sum() <= target * 1.5:
        return [np.arange(n)]
    centre = areas.geometry.centroid
    x, y = centre.x.to_numpy(), centre.y.to_numpy()
    scale = lambda v: ((v - v.min()) / max(np.ptp(v), 1e-9) * 65535).astype(np.uint64)  # noqa: E731
    code = np.zeros(n, dtype=np.uint64)
    xi, yi = scale(x), scale(y)
    for bit in range(16):  # interleave the bits of x and y
        code |= ((xi >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit)
        code |= ((yi >> np.uint64(bit)) & np.uint64(1)) << np.uint64(2 * bit + 1)
    order = np.argsort(code, kind="stable")
    # As many partitions as the target size fits best, all about the same size (no small remainder
    # at the end); an area goes to the partition its middle falls in.
    parts = max(1, int(round(weights.sum() / target)))
    size = weights.sum() / parts
    w = weights[order]
    middle = np.cumsum(w) - w / 2
    cut = np.minimum((middle / size).astype(np.int64), parts - 1)
    if (w <= 0).any():  # areas without weight go with the weighted area before them (or the first)
        last = np.maximum.accumulate(np.where(w > 0, np.arange(n), -1))
        cut = cut[np.where(last >= 0, last, int(np.argmax(w > 0)))]
    return [np.sort(order[cut == k]) for k in np.unique(cut)]


class BuildingSource:
    """The buildings of a place, handed out partition by partition with the buildings that shade them.

    Real footprints are read and given their attributes, homes, tenure and owners for the whole
    place at once (storeys are imputed from neighbours, homes per area); synthetic buildings are
    generated per partition (each area has its own random stream). ``context`` of a partition:
    buildings outside it within the shading search radius (for real footprints also those of
    the file beyond the place's boundary), which cast shade but are not reported.
    """

    def __init__(self, cfg, areas: gpd.GeoDataFrame, log: QualityLog, progress: Progress | None = None):
        self.cfg, self.areas, self.log, self.progress = cfg, areas, log, progress
        section = cfg.raw.get("buildings", {"source": "synthetic"})
        self.synthetic = section.get("source", "file") == "synthetic"
        self.reach = float(roofs.shading_params(cfg.assumptions)["radius_m"]) + 50.0  # + a footprint's overhang
        self.frame, self.file_context = (None, None) if self.synthetic else _real_buildings_cached(cfg, areas, log, progress)
        if "street" in areas and "name" in areas:  # "Camden 014C (Fitzjohn's Avenue)": a code and a street people know
            areas["name"] = with_street(areas["name"], areas["street"])
        self.trees = _trees_cached(cfg, log)
        self.area_index = pd.Index(areas["area_id"].astype(str))
        if self.frame is not None:
            self.frame["area_row"] = self.area_index.get_indexer(self.frame["area_id"].astype(str))
            self.weights = np.bincount(self.frame["area_row"].to_numpy()[self.frame["area_row"].to_numpy() >= 0],
                                       minlength=len(areas))
        else:
            self.weights = synthetic.expected_buildings(areas)  # from the dwelling-type counts
            if self.weights is None:  # types estimated later, from the dwellings
                dwellings = areas["dwellings"] if "dwellings" in areas else areas.get("households",
                                                                                     pd.Series(0, index=areas.index))
                self.weights = (pd.to_numeric(dwellings, errors="coerce").fillna(0).to_numpy()
                                * SYNTHETIC_BUILDINGS_PER_DWELLING)
        self.attrs = {} if self.frame is None else dict(self.frame.attrs)
        # Panels already on the roofs, attached once for the whole place (points near a partition's
        # edge must find the building they are on, whichever partition it falls in).
        self.existing_pv = (existing_pv.place_installations(cfg, self.frame, log) if self.frame is not None
                            else existing_pv.place_installations(cfg, gpd.GeoDataFrame(
                                {"building_id": []}, geometry=[], crs=areas.crs), log))

    def partitions(self, target: int | None = None) -> list[np.ndarray]:
        """Area rows per partition (:func:`area_partitions`, :data:`PARTITION_BUILDINGS` by default)."""
        return area_partitions(self.areas, self.weights, target or PARTITION_BUILDINGS)

    def trees_near(self, part: gpd.GeoDataFrame, whole: bool):
        """The crowns that can shade a partition's roofs (all of them for the whole place)."""
        if self.trees is None or not len(self.trees) or whole:
            return self.trees
        return _in_box(self.trees, part, self.reach)

    def partition(self, rows: np.ndarray, whole: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]:
        """Buildings of the areas ``rows`` (with ``area_row``) and their shading context."""
        if not self.synthetic:
            if whole:
                return self.frame, self.file_context
            inside = np.isin(self.frame["area_row"].to_numpy(), rows)
            part = self.frame[inside].reset_index(drop=True)
            near = _near(self.frame.geometry.to_numpy(), part.geometry.to_numpy(), self.reach) & ~inside
            others = _context_columns(self.frame[near])
            ctx = [c for c in (others, _in_box(self.file_context, part, self.reach)) if c is not None and len(c)]
            return part, (pd.concat(ctx, ignore_index=True) if ctx else None)
        part, _ = load_buildings(self.cfg, self.areas.iloc[rows].reset_index(drop=True), self.log, self.progress)
        part["area_row"] = self.area_index.get_indexer(part["area_id"].astype(str))
        if whole:
            return part, None
        # Areas outside the partition within reach of it: generated again as shade only (their own
        # partition generates the same buildings, from the same per-area streams).
        others = np.setdiff1d(np.arange(len(self.areas)), rows)
        geoms = self.areas.geometry.to_numpy()
        # Within reach of any of the partition's areas (a tree query: no union of hundreds of areas).
        near = shapely.STRtree(geoms[rows]).query(geoms[others], predicate="dwithin", distance=self.reach)[0]
        touching = others[np.unique(near)]
        if not len(touching):
            return part, None
        shade = synthetic.as_stock(synthetic.generate_buildings(self.areas.iloc[touching].reset_index(drop=True),
                                                                int(self.cfg.raw.get("seed", 20110327))))
        return part, _context_columns(shade)


def _context_columns(frame):
    """The columns of shading context buildings (see :func:`_context_buildings`) for the place's own
    buildings of other partitions (``same_place``: never dropped as duplicates of a target)."""
    if frame is None or not len(frame):
        return None
    columns = ["building_id", "geometry", "height_m", "levels", "use", "use_class", "roof_shape",
               *[c for c in ("street_bearing_deg", "dwelling_type") if c in frame]]  # their roofs' ridges (shade height)
    out = gpd.GeoDataFrame(frame[columns], geometry="geometry", crs=frame.crs).reset_index(drop=True)
    out["same_place"] = True
    return out


def _near(geoms, targets, reach: float) -> np.ndarray:
    """Which of ``geoms`` lie within ``reach`` [m] of the bounding box of ``targets``."""
    if not len(targets):
        return np.zeros(len(geoms), dtype=bool)
    tx0, ty0, tx1, ty1 = shapely.total_bounds(targets)
    b = shapely.bounds(geoms)
    return (b[:, 2] >= tx0 - reach) & (b[:, 0] <= tx1 + reach) & (b[:, 3] >= ty0 - reach) & (b[:, 1] <= ty1 + reach)


def _in_box(context, part, reach: float):
    if context is None or not len(context):
        return None
    return context[_near(context.geometry.to_numpy(), part.geometry.to_numpy(), reach)]


def _run(cfg, db_path, options, started, quiet, fail_after, with_heat, with_ownership, replace, force) -> RunResult:
    """The body of :func:`run`, under the store's writer lock."""
    if not force and fail_after is None:
        summary = up_to_date(cfg, db_path, options)
        if summary is not None:
            if not quiet:
                print(f"{db_path}: up to date (same inputs, code and options as run {store.last_run_id(db_path)})",
                      file=sys.stderr)
            return RunResult(str(db_path), store.last_run_id(db_path), summary, {}, up_to_date=True)
    progress = Progress(10, quiet)

    log = QualityLog()
    areas = _areas_cached(cfg, log)
    progress.step("areas", len(areas), "areas")
    # Real footprints are read and prepared now, before the weather: a bad file fails in a second.
    source = BuildingSource(cfg, areas, log, progress)
    progress.lap("buildings, homes and owners")

    weather_path = cfg.resolve(cfg.raw["weather"])
    weather, meta = read_weather(weather_path, cfg.raw.get("weather_format"), log=log)
    centre = areas.geometry.union_all().centroid
    lon, lat = gpd.GeoSeries([centre], crs=areas.crs).to_crs(4326).iloc[0].coords[0]
    check_weather_place(meta, lat, lon, weather_path, log, max_km=float(cfg.raw.get("weather_max_km") or MAX_DISTANCE_KM))
    grid = _yield_grid_cached(weather, meta, weather_path, cfg, log, with_heat)
    histogram = _sun_path_cached(weather, meta, weather_path, grid, cfg)
    progress.step("weather and yield grid", len(grid), "bins")

    # The new store is built beside the old one and swapped in at the end (one rename).
    writer = store.StoreBuilder(db_path, run={"place": cfg.name, "config_hash": cfg.config_hash(),
                                              "input_hashes": input_hashes(cfg), "started_at": started,
                                              "meta": store_meta(cfg, meta)},
                                geometry_columns=GEOMETRY_COLUMNS, replace=replace, fail_after=fail_after,
                                enums=STORE_ENUMS)
    try:
        writer.begin()
        try:
            tables, summary, n_buildings = _compute(cfg, areas, source, writer, weather, meta, grid, histogram, log,
                                                    progress, with_heat, with_ownership)
            for name, frame in tables.items():
                writer.put(name, frame)
            summary["defaults_used"] = log.defaults_used()
            summary["run_key"] = {"config": cfg.config_hash(), "inputs": input_hashes(cfg), "code": code_fingerprint(),
                                  "options": options}
            summary["timings_s"] = {k: round(v, 2) for k, v in progress.timings.items()}
            summary["cpu_s"] = {k: round(v, 2) for k, v in progress.cpu.items()}
            writer.run["summary"] = summary
        except BaseException as exc:
            writer.abort(exc)
        run_id = writer.commit(quality=log)
    except Exception as exc:
        from analysis.errors import InputError

        if not isinstance(exc, InputError):  # a wrong store or a full disk: nothing to record, or no room
            with contextlib.suppress(Exception):
                con = store.connect(db_path)
                try:
                    store.record_failed_run(con, cfg.name, f"{type(exc).__name__}: {exc}", started)
                finally:
                    con.close()
        raise
    progress.step("store", n_buildings)
    summary["timings_s"] = {k: round(v, 2) for k, v in progress.timings.items()}
    summary["cpu_s"] = {k: round(v, 2) for k, v in progress.cpu.items()}
    return RunResult(str(db_path), run_id, summary, progress.timings, cpu=progress.cpu)


def _compute(cfg, areas, source: BuildingSource, writer, weather, meta, grid, histogram, log, progress,
             with_heat: bool, with_ownership: bool) -> tuple[dict, dict, int]:
    """Every step after the weather: partitions of buildings (each written as soon as it is done),
    then the place-wide steps. Returns the remaining tables, the run summary and the building count."""
    parts = source.partitions()
    # True north in the grid at the place's centre: one value for every partition.
    x0, y0, x1, y1 = areas.total_bounds
    north = shading.grid_north_offset_deg(areas.crs, (x0 + x1) / 2, (y0 + y1) / 2)
    keep: dict[str, list] = {"economics": [], "potential": [], "heat": [], "scenarios": [], "has_planes": [],
                             "area_rows": []}
    area_sums: dict[str, np.ndarray] = {}
    n_buildings, synthetic_all, n_planes = 0, True, 0
    for k, rows in enumerate(parts):
        whole = len(parts) == 1
        buildings, context = source.partition(rows, whole)
        progress.lap("buildings, homes and owners")
        planes = compute_planes(buildings, grid, weather, meta, cfg, log, context, progress, histogram, north,
                                trees=source.trees_near(buildings, whole))
        planes = constrained_planes(buildings, planes, north,
                                    cfg.assumptions.get("constraints", "street_facing_half_angle_deg"))
        assumed = np.ones(len(buildings), dtype=bool)  # no roof plane: nothing known about the roof
        assumed[planes["building_row"].to_numpy()] = planes["roof_shape_assumed"].to_numpy(dtype=bool)
        buildings["roof_shape_assumed"] = assumed
        progress.lap("roof planes and PV yield")
        heat_frames = None
        if with_heat:
            heat_frames = heat.building_heat_tables(buildings, planes, areas, grid, cfg, log)
            # Occupants' electricity demand, for self-consumption (homes: metered mean; others: TM46).
            buildings["elec_demand_kwh"] = heat_frames[0]["elec_demand_kwh"].to_numpy()  # same rows
        provenance = attributes.complete_provenance(buildings, planes, log)
        buildings[provenance.columns] = provenance
        progress.lap("heat demand and district heating")
        potential = potential_tables(buildings, planes, areas, source.existing_pv, typical_yield(grid))
        for name, values in potential["area_sums"].items():
            area_sums[name] = area_sums.get(name, 0) + values
        writer.put("buildings", buildings_table(buildings))
        writer.put("roof_planes", planes[[*PLANE_COLUMNS, *[c for c in planes.columns
                                                             if c not in PLANE_COLUMNS and c != "building_row"]]])
        writer.put("building_potential", potential["building_potential"])
        writer.put(T.EXISTING_PV, potential["existing_pv"])
        has_planes = np.bincount(planes["building_row"].to_numpy(), minlength=len(buildings)) > 0
        if heat_frames is not None:
            writer.put("building_heat", heat_frames[0])
            writer.put("roof_scenarios", heat_frames[1])
            keep["heat"].append(heat_frames[0][heat.PLACE_HEAT_COLUMNS["building_heat"]])
            keep["scenarios"].append(heat_frames[1][heat.PLACE_HEAT_COLUMNS["roof_scenarios"]])
        keep["economics"].append(pd.DataFrame(buildings[[c for c in ECONOMICS_COLUMNS if c in buildings]]))
        keep["potential"].append(remaining_potential(potential["building_potential"]))
        keep["has_planes"].append(has_planes)
        keep["area_rows"].append(buildings["area_row"].to_numpy())
        n_buildings += len(buildings)
        n_planes += len(planes)
        synthetic_all &= bool(buildings["synthetic"].all())
        del buildings, planes, context, heat_frames, potential
        progress.lap("store: writing partitions")  # handing frames to the writer (it writes in the background)
        if len(parts) > 1:
            progress.note(f"partition {k + 1}/{len(parts)}: {n_buildings:,} buildings so far")
    progress.close_laps(["buildings, homes and owners", "roof planes and PV yield", "heat demand and district heating"],
                        n_buildings)
    writer.checkpoint()  # the big tables, folded into the file while the place-wide steps run

    b_area = np.concatenate(keep.pop("area_rows"))
    has_planes = np.concatenate(keep.pop("has_planes"))
    economics_frame = pd.concat(keep.pop("economics"), ignore_index=True)
    potential = pd.concat(keep.pop("potential"), ignore_index=True)
    if "households" not in areas.columns:  # a place without household counts: the homes placed on its buildings
        placed = economics_frame.groupby("area_id")["dwellings"].sum() if "dwellings" in economics_frame else pd.Series()
        areas["households"] = areas["area_id"].map(placed).fillna(0).to_numpy(dtype=float)
        log.default("areas", "households", len(areas), "the homes placed on the buildings",
                    "the place gives no household counts per area")
    tables: dict = {"area_potential": area_potential_table(areas, area_sums)}
    if with_heat:
        bheat = pd.concat(keep.pop("heat"), ignore_index=True)
        scen = pd.concat(keep.pop("scenarios"), ignore_index=True)
        tables.update(heat.place_heat_tables(areas, bheat, scen, b_area, has_planes, grid, weather, meta, cfg))
        del bheat, scen
    progress.step("district heating zones and solar district heat (place)", len(b_area))
    if with_ownership:
        own_tables, _ = economics_tables(economics_frame, potential, areas, tables, cfg, log, (weather, meta),
                                         progress=progress, existing=source.existing_pv)
        tables.update(own_tables)
    else:
        progress.step("ownership and scenarios", n_buildings)
    progress.step("policy matrix", n_buildings)

    validation = cache.cached("validation", cache.key_of(
        files={p.name: config_mod.file_sha256(p) for p in sorted((config_mod.PROJECT_ROOT / "data" / "validation").glob("*.csv"))},
        code=cache.code_hash("solar.py", "ingest/weather.py", "shading.py"),
        function=inspect.getsource(validation_table) + inspect.getsource(rows_of_panels_validation)),
        validation_table)  # not every edit of this module
    progress.step("validation", len(validation), "checks")

    area_cols = [c for c in areas.columns if c != "geometry"]
    areas_out = pd.DataFrame(areas[area_cols])
    areas_out["geom"] = _wkb(areas.geometry)
    areas_out["geom_wgs84"] = _wkb(areas.geometry.simplify(4.0).to_crs(4326))  # 4 m: maps only
    for col in [*store.REQUIRED_COLUMNS["areas"], *OPTIONAL_AREA_COLUMNS]:
        if col not in areas_out:
            areas_out[col] = np.nan
    attrs = source.attrs
    summary = {
        "place": cfg.name, "areas": len(areas), "buildings": n_buildings, "roof_planes": n_planes,
        "partitions": len(parts), "synthetic_buildings": synthetic_all,
        "buildings_licence": cfg.raw.get("buildings", {}).get("licence", ""),
        "repaired_geometries": int(attrs.get("repaired", 0)),
        "dropped_geometries": int(attrs.get("dropped", 0)),
        "buildings_outside_areas": int(attrs.get("outside", 0)),
        "weather": cfg.raw["weather"], "weather_name": meta.get("name"),
        "latitude": meta["latitude"], "longitude": meta["longitude"],
        "best_kwh_per_kwp": float(grid["pv_kwh_per_kwp"].max()),
    }
    tables.update({"areas": areas_out, "yield_grid": grid, "assumptions": pd.DataFrame(cfg.assumptions.table()),
                   "validation": validation})
    return tables, summary, n_buildings


def store_meta(cfg, weather_meta: dict | None = None) -> dict:
    """What the store records about its place (:data:`analysis.tables.META_KEYS`): every command,
    export and the book read these from the store, never from the default place's config.

    ``credits`` is a JSON list of lines (:func:`place_credits`); ``licences`` the footprints' licence.
    """
    a = cfg.assumptions
    return {"place": cfg.name, "crs": str(cfg.crs), "currency": a.currency, "price_date": a.price_date,
            "price_table": a.price_table, "credits": json.dumps(place_credits(cfg, weather_meta), ensure_ascii=False),
            "licences": buildings_licence(cfg)}


def buildings_licence(cfg) -> str:
    """The footprints' licence as the config states it; OpenStreetMap files are ODbL whatever it says."""
    section = cfg.raw.get("buildings") or {}
    stated = str(section.get("licence") or "").strip()
    if section.get("source") == "synthetic":
        return "synthetic buildings generated from the place's dwelling counts (no third-party footprints)"
    if str(section.get("file") or "").lower().endswith((".osm.pbf", ".osm")) and "openstreetmap" not in stated.lower():
        return "© OpenStreetMap contributors, ODbL 1.0" + (f"; {stated}" if stated else "")
    return stated


def place_credits(cfg, weather_meta: dict | None = None) -> list[str]:
    """Who to credit for a place's inputs, one line each: the footprints' licence, then the config's
    ``credits:`` lines; without them, each input file is named with a note that its credit is missing.

    Parameters
    ----------
    cfg : analysis.config.PlaceConfig
    weather_meta : dict, optional
        The weather file's header (``name``, ``source``), to name the station.
    """
    section = cfg.raw.get("buildings") or {}
    licence = buildings_licence(cfg)
    lines = [f"Buildings: {licence}" if licence else
             f"Buildings: {Path(str(section.get('file') or '')).name} (no licence stated: set buildings.licence "
             "in the place config)"]
    if cfg.raw.get("credits"):
        return lines + [str(line) for line in cfg.raw["credits"]]
    missing = "no credit stated: list it under credits: in the place config"
    areas = cfg.raw.get("areas") or {}
    lines.append(f"Boundaries: {Path(str(areas.get('file'))).name} ({missing})")
    for stat in areas.get("statistics") or []:
        lines.append(f"Statistics: {Path(str(stat.get('file'))).name} ({missing})")
    station = (weather_meta or {}).get("name")
    lines.append(f"Weather: {Path(str(cfg.raw.get('weather'))).name}"
                 + (f", station {str(station).title()}" if station else "") + f" ({missing})")
    return lines


def buildings_table(buildings: gpd.GeoDataFrame) -> pd.DataFrame:
    """The store's ``buildings`` rows: :data:`BUILDING_COLUMNS` (missing ones empty) and WKB geometry."""
    out = pd.DataFrame({c: (buildings[c].array if c in buildings else None) for c in BUILDING_COLUMNS})
    out["roof_shape"] = out["roof_shape"].astype("object")
    out["geom"] = _wkb(buildings.geometry)
    return out


def building_sums(buildings: pd.DataFrame, planes: pd.DataFrame, columns) -> pd.DataFrame:
    """Per building (rows aligned with ``buildings``), the sum of plane ``columns`` (0 without planes).

    Uses the planes' ``building_row`` (integer codes from the roof step) where present, else
    looks the buildings up by ``building_id``.
    """
    n = len(buildings)
    if "building_row" in planes:
        rows = planes["building_row"].to_numpy(dtype=np.int64)
    else:
        rows = pd.Index(buildings["building_id"].astype(str)).get_indexer(planes["building_id"].astype(str))
    ok = rows >= 0
    out = {"building_id": buildings["building_id"].array}
    for column in columns:
        out[column] = np.bincount(rows[ok], weights=planes[column].to_numpy(dtype=float)[ok], minlength=n)
    return pd.DataFrame(out)


def economics_tables(buildings, potential, areas, heat_tables: dict, cfg, log: QualityLog | None = None,
                     weather_and_meta=None, progress: Progress | None = None,
                     existing: pd.DataFrame | None = None) -> tuple[dict, list]:
    """The money step (:func:`analysis.economics.step.economics_tables`) on the store's frames: store tables.

    ``potential`` holds kWp and kWh per building (:func:`building_sums`, rows aligned with
    ``buildings``), or is the roof planes themselves (summed here). ``progress`` (if given) is
    told when the scenarios are done; the caller closes the policy step. Returns the tables and
    an (empty) list of SQL roll-ups.
    """
    from analysis.economics import kernel
    from analysis.economics import step as money

    log = log if log is not None else QualityLog()
    frame = pd.DataFrame(buildings.drop(columns="geometry", errors="ignore"))
    if "plane" in potential:  # roof planes: summed per building
        potential = building_sums(buildings, potential, [f"{q}_{lv}" for q in ("kwp", "kwh") for lv in LEVELS])
    area_frame = pd.DataFrame(areas.drop(columns="geometry", errors="ignore"))
    weather_path = cfg.resolve(cfg.raw["weather"])
    weather, meta = weather_and_meta or read_weather(weather_path, cfg.raw.get("weather_format"), log=log)
    # The self-consumption curve depends on the weather only through the hourly PV shape: cached by
    # the weather file (and battery efficiency and code), a rerun skips the shape as well.
    curve_key = cache.key_of(weather=config_mod.file_sha256(weather_path), fmt=cfg.raw.get("weather_format"),
                             eff=cfg.assumptions.get("batteries", "battery_round_trip_efficiency"),
                             code=cache.code_hash("economics/kernel.py", "economics/step.py", "solar.py",
                                                  "ingest/weather.py"))
    curve = cache.cached("self-consumption-curve-weather", curve_key, lambda: money.build_curve(
        cfg.assumptions, kernel.hourly_pv_shape(weather, meta), log=log))
    seed = int(cfg.raw.get("seed", 0))
    area_heat = heat_tables.get("area_heat")  # from the heat step (None when it did not run)

    def tick(part):
        if progress is not None and part == "ownership scenarios":
            progress.step("ownership and scenarios", len(frame))

    tables = money.economics_tables(frame, potential, area_frame, area_heat, cfg.assumptions, seed, log, curve=curve,
                                    progress=tick)
    tables["area_owners"] = area_owners(frame, potential, area_frame)
    tables.update(adoption_tables(cfg, frame, area_frame, potential, tables, existing, seed))
    return tables, []


def adoption_tables(cfg, frame: pd.DataFrame, area_frame: pd.DataFrame, potential: pd.DataFrame, tables: dict,
                    existing: pd.DataFrame | None, seed: int) -> dict:
    """The panels already on the roofs by owner, tenure and decile, and the market's uptake checked
    against observed installations: a place's file of installations per area
    (``observed_adoption``) where it gives one, else the buildings with panels already mapped."""
    from analysis import adoption
    from analysis.ingest.adoption import read_observed_adoption

    out = {}
    terms = tables.get(T.MARKET_UPTAKE_TERMS)
    if existing is not None and terms is not None:
        summary = adoption.existing_summary(frame, existing, terms)
        sources = ", ".join(sorted(set(existing["source"].astype(str)))) if len(existing) else "none"
        totals = [{"dimension": "total", "group": "mapped", "buildings": float(existing["building_id"].nunique()),
                   "kwp": float(existing["kwp"].sum()), "source": sources}]
        published = (cfg.raw.get("existing_pv") or {}).get("published")
        if published:
            totals.append({"dimension": "total", "group": "published",
                           "buildings": float(published.get("installations") or np.nan),
                           "kwp": float(published.get("kw") or np.nan), "source": published["source"]})
        out[T.EXISTING_PV_SUMMARY] = pd.concat([summary, pd.DataFrame(totals)], ignore_index=True)
    spec = cfg.raw.get("observed_adoption")
    observed, label = None, ""
    if spec:
        observed = read_observed_adoption(cfg.resolve(spec["file"]), spec["id"], spec["count"], spec.get("kw"))
        label = spec.get("source") or "observed installations per area (place file)"
        from analysis.economics import inputs

        _, groups = inputs.prepare(frame, potential, area_frame)
        out[T.ADOPTION_AREA], out[T.ADOPTION_COMPARISON] = adoption.adoption_comparison(
            observed, tables["scenario_area"].query("scenario == 'market'"), groups)
    elif existing is not None and len(existing):
        area_of = pd.Series(frame["area_id"].to_numpy(), index=frame["building_id"].astype(str))
        areas_with = area_of.reindex(existing["building_id"].astype(str).unique()).dropna()
        observed = areas_with.value_counts().rename_axis("area_id").reset_index(name="installations")
        sources = sorted(set(existing["source"].astype(str))) if "source" in existing else []
        label = ("buildings with panels mapped in OpenStreetMap" if sources == ["osm"]
                 else f"buildings with panels ({', '.join(sources)})")
    if observed is not None and terms is not None and terms["households"].sum() > 0:
        elasticity = float(cfg.assumptions.get("adoption", "adoption_income_elasticity"))
        out[T.ADOPTION_FIT], out[T.ADOPTION_FIT_PARAMETERS] = adoption.adoption_fit(terms, observed, elasticity, label,
                                                                                     seed)
    return out


def area_owners(buildings: pd.DataFrame, potential: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    """Roof owners per area: buildings, dwellings, kWp and kWh (central) by owner type.

    ``potential`` has one row per building in the order of ``buildings`` (:func:`building_sums`).
    Grouped by integer codes of area and owner (read by the ownership chapter and fact sheets).
    """
    area_of = (buildings["area_row"].to_numpy(dtype=np.int64) if "area_row" in buildings
               else pd.Index(areas["area_id"].astype(str)).get_indexer(buildings["area_id"].astype(str)))
    owner_code, owners = pd.factorize(buildings["roof_owner"].astype(object), use_na_sentinel=False)
    key = area_of * max(len(owners), 1) + owner_code
    keys, group = np.unique(key, return_inverse=True)
    sums = {name: np.bincount(group, weights=values, minlength=len(keys)) for name, values in (
        ("dwellings", buildings["dwellings"].fillna(0).to_numpy(dtype=float)),
        ("kwp", potential["kwp_central"].to_numpy(dtype=float)), ("kwh", potential["kwh_central"].to_numpy(dtype=float)))}
    area_ids = areas["area_id"].to_numpy()
    return pd.DataFrame({"area_id": area_ids[keys // max(len(owners), 1)],
                         "roof_owner": np.asarray(owners, dtype=object)[keys % max(len(owners), 1)],
                         "buildings": np.bincount(group, minlength=len(keys)).astype(np.int64), **sums})


def summary_table(db_path) -> pd.DataFrame:
    """Headline totals from a store, for the CLI's final table."""
    con = store.open_results(db_path, (T.AREA_POTENTIAL,))
    try:
        return con.execute("""
            SELECT count(*) AS areas, sum(buildings) AS buildings, sum(buildings_suitable) AS suitable_buildings,
                   round(sum(kwp_low) / 1000, 1) AS mwp_low, round(sum(kwp_central) / 1000, 1) AS mwp_central,
                   round(sum(kwp_high) / 1000, 1) AS mwp_high,
                   round(sum(kwh_low) / 1e6, 1) AS gwh_low, round(sum(kwh_central) / 1e6, 1) AS gwh_central,
                   round(sum(kwh_high) / 1e6, 1) AS gwh_high
            FROM area_potential""").df()
    finally:
        con.close()

