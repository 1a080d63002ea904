"""Solar heat, heat demand, heat density, district-heating fit and seasonal storage.

* **Collectors** — ISO 9806 steady-state efficiency per m² of aperture, hourly, on the same
  plane-of-array irradiance as PV (:func:`analysis.solar.plane_irradiance`), with an ASHRAE
  incidence-angle modifier on beam and a constant one on diffuse light.
* **Demand** — heated floor area (footprint × storeys × factor) × specific demand by building
  kind and age band from ``data/typology/heat_typology_gb.csv`` (low/central/high).
* **Density** — MWh/ha·yr per area and on a 100 m grid (DuckDB), candidate cells above a
  threshold, contiguous zones (8-neighbour) above a minimum total (Hotmaps style).
* **Solar district heating** — monthly balance of collector yield, demand and a seasonal
  store with monthly losses: solar fraction with and without seasonal storage.
* **Roof competition** — PV only, solar heat only, or a split (hot-water collectors sized per
  dwelling on the best planes, PV on the rest); each m² of roof is counted once.

References
----------
.. [1] ISO 9806:2017 Solar energy — Solar thermal collectors — Test methods.
.. [2] Fonseca, J. A. et al. (2016). City Energy Analyst (CEA) collector defaults.
.. [3] Persson, U., Werner, S. (2011). Heat distribution and the future competitiveness of
   district heating. Applied Energy 88, 568–576.
.. [4] Bauer, D. et al. (2010). German central solar heating plants with seasonal heat storage.
   Solar Energy 84, 612–623.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import pvlib
import shapely

from analysis import solar
from analysis.config import PROJECT_ROOT
from analysis.errors import InputError


@dataclass(frozen=True)
class Collector:
    """ISO 9806 steady-state collector coefficients (per m² aperture).

    Attributes
    ----------
    eta0 : float
        Peak (zero-loss) efficiency [-].
    a1 : float
        Linear heat-loss coefficient [W/m²K].
    a2 : float
        Quadratic heat-loss coefficient [W/m²K²].
    b0 : float
        ASHRAE incidence-angle-modifier coefficient for beam light [-].
    k_diffuse : float
        Incidence-angle modifier for diffuse light [-].
    """

    name: str
    eta0: float
    a1: float
    a2: float
    b0: float
    k_diffuse: float


#: Defaults from City Energy Analyst (Fonseca et al. 2016), from SPF collector test reports.
COLLECTORS = {
    "flat-plate": Collector("flat-plate", eta0=0.775, a1=3.91, a2=0.0081, b0=0.10, k_diffuse=0.90),
    "evacuated-tube": Collector("evacuated-tube", eta0=0.721, a1=0.89, a2=0.0199, b0=0.05, k_diffuse=0.95),
}
#: Grid columns: (column, collector, mean fluid temperature °C).
HEAT_GRID_COLUMNS = [("heat_fp50_kwh_per_m2", "flat-plate", 50.0),
                     ("heat_fp70_kwh_per_m2", "flat-plate", 70.0),
                     ("heat_et70_kwh_per_m2", "evacuated-tube", 70.0)]
TYPOLOGY_PATH = PROJECT_ROOT / "data" / "typology" / "heat_typology_gb.csv"
AGE_BANDS = [("pre-1919", 1919), ("1919-1944", 1945), ("1945-1964", 1965), ("1965-1980", 1981),
             ("1981-2002", 2003), ("2003+", 10_000)]
#: Share of annual space heating by month, London degree days (base 15.5 °C, CIBSE TM41 shape).
SPACE_HEAT_MONTH_SHARE = np.array([0.17, 0.15, 0.13, 0.09, 0.05, 0.02, 0.01, 0.01, 0.03, 0.07, 0.12, 0.15])
SPACE_HEAT_MONTH_SHARE = SPACE_HEAT_MONTH_SHARE / SPACE_HEAT_MONTH_SHARE.sum()
WATER_KWH_PER_M3_K = 1.163  # volumetric heat capacity of water [kWh/m³K]


def get_collector(name: str) -> Collector:
    """Collector coefficients by name (``flat-plate`` or ``evacuated-tube``)."""
    try:
        return COLLECTORS[name]
    except KeyError:
        raise InputError(f"unknown collector {name!r}", fix=f"use one of {', '.join(COLLECTORS)}") from None


def collector_heat(poa_direct, poa_diffuse, aoi, temp_air, collector: Collector, mean_fluid_temp: float) -> np.ndarray:
    """Hourly useful heat of a solar-thermal collector, ISO 9806 steady state.

    q = η0·G_eff − a1·(Tm − Ta) − a2·(Tm − Ta)², clipped at zero, where
    G_eff = K_b(θ)·G_beam + K_d·G_diffuse and K_b(θ) = 1 − b0·(1/cos θ − 1) (ASHRAE).

    Parameters
    ----------
    poa_direct, poa_diffuse : array-like
        Beam and diffuse (sky + ground) irradiance on the collector plane [W/m²].
    aoi : array-like
        Angle of incidence of beam light [°].
    temp_air : array-like
        Ambient air temperature [°C]; broadcasts against the irradiance arrays.
    collector : Collector
    mean_fluid_temp : float
        Mean fluid temperature Tm [°C] (hot water ~50, district heating 60–80).

    Returns
    -------
    numpy.ndarray
        Useful heat per m² of aperture [W/m²], ≥ 0.

    References
    ----------
    .. [1] ISO 9806:2017, quasi-steady-state efficiency equation without dynamic terms.
    """
    if not -20 <= mean_fluid_temp <= 150:
        raise InputError(f"mean fluid temperature {mean_fluid_temp} °C is out of range",
                         fix="give a temperature between 20 and 150 °C (hot water ~50, district heating 60-80)")
    k_beam = np.nan_to_num(pvlib.iam.ashrae(np.asarray(aoi, dtype=float), b=collector.b0), nan=0.0)
    g_eff = k_beam * np.asarray(poa_direct, dtype=float) + collector.k_diffuse * np.asarray(poa_diffuse, dtype=float)
    delta_t = mean_fluid_temp - np.asarray(temp_air, dtype=float)
    q = collector.eta0 * g_eff - collector.a1 * delta_t - collector.a2 * delta_t ** 2
    return np.clip(q, 0.0, None)


def hourly_collector_heat(weather, solpos, tilt, azimuth, collector: Collector, mean_fluid_temp: float,
                          albedo: float = 0.2) -> np.ndarray:
    """Hourly heat [W/m²] on one or many planes, shape (hours,) or (hours, planes)."""
    scalar = np.ndim(tilt) == 0 and np.ndim(azimuth) == 0
    irr = solar.plane_irradiance(weather, solpos, tilt, azimuth, albedo)
    q = collector_heat(irr["poa_direct"], irr["poa_diffuse"], irr["aoi"],
                       weather["temp_air"].to_numpy()[:, None], collector, mean_fluid_temp)
    return q[:, 0] if scalar else q


def annual_heat_yield(weather, metadata, tilt: float, azimuth: float, collector: str = "flat-plate",
                      mean_fluid_temp: float = 50.0) -> dict:
    """Annual useful heat of 1 m² aperture on one plane.

    Returns
    -------
    dict
        ``kwh_per_m2`` [kWh/m²/yr] and ``monthly_kwh_per_m2`` (list of 12).
    """
    solar.check_orientation(tilt, azimuth)
    solpos = solar.solar_position(weather, metadata)
    q = hourly_collector_heat(weather, solpos, float(tilt), float(azimuth), get_collector(collector), mean_fluid_temp)
    monthly = pd.Series(q, index=weather.index - pd.Timedelta(minutes=30)).resample("MS").sum() / 1000
    return {"kwh_per_m2": float(q.sum() / 1000), "monthly_kwh_per_m2": [float(v) for v in monthly.to_numpy()]}


def add_heat_to_grid(grid: pd.DataFrame, weather, metadata, assumptions=None, chunk: int = 96) -> pd.DataFrame:
    """Add annual collector yields [kWh/m²] for :data:`HEAT_GRID_COLUMNS` to the yield grid.

    Also stores the monthly yield profile of every bin for the 70 °C flat-plate case as
    ``grid.attrs["heat_monthly_fp70"]`` (bins × 12) [kWh/m²], for the seasonal-storage balance.
    """
    out = grid.copy()
    solpos = solar.solar_position(weather, metadata)
    tilt, azimuth = out["tilt_deg"].to_numpy(), out["azimuth_deg"].to_numpy()
    month = (weather.index - pd.Timedelta(minutes=30)).month.to_numpy()
    month_matrix = (month[:, None] == np.arange(1, 13)[None, :]).astype(float)
    monthly_fp70 = np.empty((len(out), 12))
    values = {column: np.empty(len(out)) for column, _, _ in HEAT_GRID_COLUMNS}
    temp_air = weather["temp_air"].to_numpy()[:, None]
    for start in range(0, len(out), chunk):
        sl = slice(start, start + chunk)
        irr = solar.plane_irradiance(weather, solpos, tilt[sl], azimuth[sl])  # once per chunk, all collectors
        for column, name, temp in HEAT_GRID_COLUMNS:
            q = collector_heat(irr["poa_direct"], irr["poa_diffuse"], irr["aoi"], temp_air, COLLECTORS[name], temp)
            values[column][sl] = q.sum(axis=0) / 1000
            if column == "heat_fp70_kwh_per_m2":
                monthly_fp70[sl] = (q.T @ month_matrix) / 1000
    for column, _, _ in HEAT_GRID_COLUMNS:
        out[column] = values[column]
    for m in range(12):
        out[f"fp70_m{m + 1:02d}"] = monthly_fp70[:, m]
    return out


def read_typology(path=TYPOLOGY_PATH) -> pd.DataFrame:
    """The heat-demand typology table (kind × age band → kWh/m²·yr, low/central/high)."""
    table = pd.read_csv(path)
    needed = {"building_kind", "age_band", "space_heat_kwh_per_m2", "space_heat_low", "space_heat_high", "dhw_kwh_per_m2"}
    if not needed <= set(table.columns):
        raise InputError(f"typology lacks columns {sorted(needed - set(table.columns))}", path=path,
                         fix="see data/typology/README.md for the format")
    return table


def building_kind(building_type, use, levels) -> np.ndarray:
    """``house``, ``flat`` or ``non_domestic`` from generator type or OSM use and storeys.

    Rules are applied to the few distinct values (factorised), then spread to every building.
    """
    use_codes, use_values = pd.factorize(pd.Series(use, dtype="object").fillna(""), use_na_sentinel=None)
    lowered = np.array([str(u).lower() for u in use_values], dtype=object)
    per_use = np.where(np.isin(lowered, ["house", "detached", "semidetached_house", "terrace", "bungalow"]), "house",
                       np.where(np.isin(lowered, ["apartments", "flats", "mixed"]), "flat",
                                np.where(np.isin(lowered, ["residential", "yes", ""]), "?", "non_domestic")))
    kind = per_use[use_codes] if len(per_use) else np.array([], dtype=object)
    levels = np.nan_to_num(np.asarray(levels, dtype=float), nan=2.0)
    kind = np.where(kind == "?", np.where(levels >= 4, "flat", "house"), kind)  # residential, type unknown
    if building_type is not None:
        type_codes, type_values = pd.factorize(pd.Series(building_type, dtype="object").fillna(""), use_na_sentinel=None)
        per_type = np.array(["house" if str(t).startswith("house") else
                             "flat" if t in ("converted_house", "flat_block", "mixed_use") else "" for t in type_values],
                            dtype=object)
        override = per_type[type_codes] if len(per_type) else np.array([], dtype=object)
        kind = np.where(override != "", override, kind)
    return kind.astype(str)


def age_band(year_built, default_band: str = "1945-1964") -> tuple[np.ndarray, np.ndarray]:
    """Age band from year built; the default band (flagged assumed) where the year is missing."""
    year = np.asarray(year_built, dtype=float)
    edges = np.array([upper for _, upper in AGE_BANDS], dtype=float)
    labels = np.array([label for label, _ in AGE_BANDS])
    idx = np.searchsorted(edges, np.nan_to_num(year, nan=0.0), side="right")
    bands = labels[np.clip(idx, 0, len(labels) - 1)]
    missing = np.isnan(year)
    return np.where(missing, default_band, bands), missing


def heat_demand(footprint_m2, levels, kind, band, typology: pd.DataFrame, heated_floor_factor: float) -> pd.DataFrame:
    """Annual heat demand (space heating + hot water) per building, low/central/high.

    Parameters
    ----------
    footprint_m2 : array-like
        Footprint [m²] (must be ≥ 0).
    levels : array-like
        Storeys [-].
    kind, band : array of str
        Building kind and age band (rows of the typology).
    typology : pandas.DataFrame
        From :func:`read_typology`.
    heated_floor_factor : float
        Heated / gross floor area [-].

    Returns
    -------
    pandas.DataFrame
        ``heated_floor_m2`` [m²], ``space_heat_kwh``, ``dhw_kwh``, ``heat_kwh_low``,
        ``heat_kwh_central``, ``heat_kwh_high`` [kWh/yr].
    """
    footprint = np.asarray(footprint_m2, dtype=float)
    if np.any(footprint < 0) or np.any(~np.isfinite(footprint)):
        raise InputError("negative or missing footprint area", fix="repair the footprints (areas must be > 0 m²)")
    floor = footprint * np.maximum(np.nan_to_num(np.asarray(levels, dtype=float), nan=1.0), 1.0) * heated_floor_factor
    # Look rows up by integer codes (a string MultiIndex over millions of buildings is slow).
    table = typology.reset_index(drop=True)
    kinds, bands = list(table["building_kind"].unique()), list(table["age_band"].unique())
    row_of = np.full((len(kinds), len(bands)), -1)
    row_of[[kinds.index(k) for k in table["building_kind"]], [bands.index(b) for b in table["age_band"]]] = np.arange(len(table))
    k_fact, k_vals = pd.factorize(pd.Series(np.asarray(kind, dtype=object)))
    b_fact, b_vals = pd.factorize(pd.Series(np.asarray(band, dtype=object)))
    k_codes = np.array([kinds.index(v) if v in kinds else -1 for v in k_vals], dtype=int)[k_fact]
    b_codes = np.array([bands.index(v) if v in bands else -1 for v in b_vals], dtype=int)[b_fact]
    rows = np.where((k_codes >= 0) & (b_codes >= 0), row_of[np.maximum(k_codes, 0), np.maximum(b_codes, 0)], -1)
    if np.any(rows < 0):
        i = int(np.argmax(rows < 0))
        raise InputError(f"typology has no row for kind={np.asarray(kind)[i]!r}, age band={np.asarray(band)[i]!r}",
                         path=TYPOLOGY_PATH, fix="add the row to the typology table")
    space = table["space_heat_kwh_per_m2"].to_numpy(dtype=float)[rows]
    dhw = table["dhw_kwh_per_m2"].to_numpy(dtype=float)[rows]
    low = table["space_heat_low"].to_numpy(dtype=float)[rows]
    high = table["space_heat_high"].to_numpy(dtype=float)[rows]
    return pd.DataFrame({
        "heated_floor_m2": floor,
        "space_heat_kwh": floor * space,
        "dhw_kwh": floor * dhw,
        "heat_kwh_low": floor * (low + dhw),
        "heat_kwh_central": floor * (space + dhw),
        "heat_kwh_high": floor * (high + dhw),
    })


def monthly_demand(space_heat_kwh: float, dhw_kwh: float) -> np.ndarray:
    """Split annual space heating (degree-day shape) and hot water (flat) into 12 months [kWh]."""
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / 365
    return space_heat_kwh * SPACE_HEAT_MONTH_SHARE + dhw_kwh * days


def solar_district_heating(collector_m2: float, monthly_yield_kwh_per_m2, monthly_demand_kwh, store_m3: float,
                           delta_t_k: float = 60.0, loss_per_month: float = 0.04,
                           network_loss_share: float = 0.12) -> dict:
    """Monthly energy balance of a solar district-heating scheme with a seasonal store.

    Each month: collector heat (less network losses) meets demand directly; any surplus
    charges the store up to its capacity (volume × 1.163 kWh/m³K × ΔT); the store loses
    ``loss_per_month`` of its content; in deficit months it discharges. The year is run three
    times from an empty store so the result is the periodic steady state. Without a seasonal
    store, surplus is lost (a diurnal buffer is assumed, so monthly netting is an upper bound).

    Parameters
    ----------
    collector_m2 : float
        Collector aperture [m²].
    monthly_yield_kwh_per_m2 : array of 12
        Collector heat per m² by month [kWh/m²].
    monthly_demand_kwh : array of 12
        Heat demand at the buildings by month [kWh].
    store_m3 : float
        Seasonal store volume [m³] (0 = none).
    delta_t_k : float
        Usable temperature swing of the store [K].
    loss_per_month : float
        Fraction of the stored heat lost each month [-].
    network_loss_share : float
        Fraction of collected heat lost in the network [-].

    Returns
    -------
    dict
        ``solar_fraction`` and ``solar_fraction_no_store`` [-], ``solar_delivered_kwh``,
        ``collected_kwh``, ``store_losses_kwh``, ``dumped_kwh``, ``demand_kwh`` [kWh/yr],
        ``store_capacity_kwh`` [kWh], ``delivered_kwh_per_m2`` [kWh/m²/yr].
    """
    if collector_m2 < 0 or store_m3 < 0:
        raise InputError("collector area and store volume must be >= 0", fix="give positive sizes")
    supply = collector_m2 * np.asarray(monthly_yield_kwh_per_m2, dtype=float) * (1 - network_loss_share)
    demand = np.asarray(monthly_demand_kwh, dtype=float)
    capacity = store_m3 * WATER_KWH_PER_M3_K * delta_t_k
    content = 0.0
    for _ in range(3):
        delivered = losses = dumped = 0.0
        for m in range(12):
            direct = min(supply[m], demand[m])
            surplus = supply[m] - direct
            deficit = demand[m] - direct
            charge = min(surplus, capacity - content)
            dumped += surplus - charge
            content += charge
            discharge = min(deficit, content)
            content -= discharge
            loss = content * loss_per_month
            content -= loss
            losses += loss
            delivered += direct + discharge
    no_store = np.minimum(supply, demand).sum()
    total = demand.sum()
    return {
        "solar_fraction": delivered / total if total else 0.0,
        "solar_fraction_no_store": no_store / total if total else 0.0,
        "solar_delivered_kwh": delivered,
        "solar_delivered_no_store_kwh": float(no_store),
        "collected_kwh": float(supply.sum() / (1 - network_loss_share)) if network_loss_share < 1 else 0.0,
        "store_losses_kwh": losses,
        "dumped_kwh": dumped,
        "demand_kwh": float(total),
        "store_capacity_kwh": capacity,
        "delivered_kwh_per_m2": delivered / collector_m2 if collector_m2 else 0.0,
    }


def allocate_roof_scenarios(planes: pd.DataFrame, dwellings: pd.Series, area_per_dwelling_m2: float) -> pd.DataFrame:
    """Module/collector area per plane under three roof-use scenarios (no roof m² counted twice).

    Parameters
    ----------
    planes : pandas.DataFrame
        Roof planes with ``building_id``, ``suitable``, ``module_m2`` [m²], ``relative_yield``.
    dwellings : pandas.Series
        Dwellings per building, indexed by ``building_id``.
    area_per_dwelling_m2 : float
        Hot-water collector area per dwelling in the split scenario [m²].

    Returns
    -------
    pandas.DataFrame
        Per plane: ``pv_m2_<s>`` and ``heat_m2_<s>`` for s in pv_only, heat_only, split, with
        ``pv_m2 + heat_m2 <= module_m2``.
    """
    usable = np.where(planes["suitable"], planes["module_m2"], 0.0)
    out = pd.DataFrame(index=planes.index)
    out["pv_m2_pv_only"], out["heat_m2_pv_only"] = usable, 0.0
    out["pv_m2_heat_only"], out["heat_m2_heat_only"] = 0.0, usable
    # Split: collectors go on each building's best planes first, up to its hot-water target.
    order = planes.assign(_usable=usable).sort_values(["building_id", "relative_yield"], ascending=[True, False])
    target = order["building_id"].map(dwellings.fillna(1).clip(lower=1) * area_per_dwelling_m2).to_numpy()
    before = order.groupby("building_id")["_usable"].cumsum().to_numpy() - order["_usable"].to_numpy()
    heat = np.clip(target - before, 0, order["_usable"].to_numpy())
    split_heat = pd.Series(heat, index=order.index).reindex(planes.index).to_numpy()
    out["heat_m2_split"] = split_heat
    out["pv_m2_split"] = usable - split_heat
    return out


def heat_step(buildings, planes, areas, grid, weather, meta, cfg):
    """Heat demand, density, DH zones, solar heat and roof scenarios for a place.

    Returns
    -------
    (dict of pandas.DataFrame, list of str)
        Tables to store and SQL roll-ups to run in the store's transaction.
    """
    a = cfg.assumptions
    typology = read_typology()
    kind = building_kind(buildings.get("building_type"), buildings["use"], buildings["levels"])
    band, band_assumed = age_band(buildings["year_built"], cfg.raw.get("default_age_band", "1945-1964"))
    demand = heat_demand(buildings["footprint_m2"], buildings["levels"], kind, band, typology,
                         a.get("heat", "heated_floor_factor"))
    # Cell of each building from its bounding-box centre (cheaper than centroids; same cell at 100 m).
    bounds = shapely.bounds(buildings.geometry.to_numpy())
    cell = a.get("heat", "grid_cell_m")
    bheat = pd.DataFrame({
        "building_id": buildings["building_id"].to_numpy(), "area_id": buildings["area_id"].to_numpy(),
        "building_kind": kind, "age_band": band, "age_assumed": band_assumed | buildings.get(
            "age_assumed", pd.Series(False, index=buildings.index)).fillna(True).to_numpy(dtype=bool),
        "cell_x": np.floor((bounds[:, 0] + bounds[:, 2]) / 2 / cell).astype(np.int64),
        "cell_y": np.floor((bounds[:, 1] + bounds[:, 3]) / 2 / cell).astype(np.int64),
    })
    bheat = pd.concat([bheat, demand], axis=1)

    # Collector yields per plane (70 °C flat plate for district heating, 50 °C for hot water).
    fp70 = solar.interpolate_grid(grid, "heat_fp70_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    fp50 = solar.interpolate_grid(grid, "heat_fp50_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    by_id = buildings.set_index("building_id")[["dwellings", "area_id"]]  # indexed once (millions of rows)
    dwellings = by_id["dwellings"].astype(float)
    alloc = allocate_roof_scenarios(planes, dwellings, a.get("heat", "collector_area_per_dwelling_m2"))
    density = planes["kwp_central"].to_numpy() / np.where(planes["module_m2"] > 0, planes["module_m2"], 1)
    density = np.where(planes["suitable"], density, 0.0)
    scen = pd.DataFrame({"building_id": planes["building_id"].to_numpy(), "plane": planes["plane"].to_numpy()})
    for s in ("pv_only", "heat_only", "split"):
        scen[f"pv_kwh_{s}"] = alloc[f"pv_m2_{s}"].to_numpy() * density * planes["pv_kwh_per_kwp"].to_numpy()
        heat_yield = fp50 if s == "split" else fp70  # split = household hot water at 50 °C
        scen[f"heat_kwh_{s}"] = alloc[f"heat_m2_{s}"].to_numpy() * heat_yield
        scen[f"heat_m2_{s}"] = alloc[f"heat_m2_{s}"].to_numpy()
    scen["collector_m2_max"] = alloc["heat_m2_heat_only"].to_numpy()

    # Heat-density grid in DuckDB, then contiguous candidate zones (8-neighbour labelling).
    with duckdb.connect() as con:
        con.register("bheat", bheat)
        cells = con.execute(
            "SELECT cell_x, cell_y, sum(heat_kwh_central) / 1000 AS heat_mwh, count(*) AS buildings "
            "FROM bheat GROUP BY cell_x, cell_y ORDER BY cell_x, cell_y").df()
    cell_ha = (cell / 100.0) ** 2
    cells["heat_mwh_per_ha"] = cells["heat_mwh"] / cell_ha
    cells["candidate"] = cells["heat_mwh_per_ha"] >= a.get("heat", "dh_density_threshold_mwh_per_ha")
    cells["zone_id"] = label_zones(cells)
    zone_total = cells[cells["zone_id"] > 0].groupby("zone_id")["heat_mwh"].sum()
    qualifying = zone_total[zone_total >= a.get("heat", "dh_min_zone_gwh") * 1000].index
    cells["dh_zone"] = cells["zone_id"].isin(qualifying)
    cells["x_m"] = (cells["cell_x"] + 0.5) * cell
    cells["y_m"] = (cells["cell_y"] + 0.5) * cell

    # Solar district heating per area: all suitable roofs as 70 °C collectors + seasonal store.
    month_cols = [f"fp70_m{m:02d}" for m in range(1, 13)]
    best = grid.loc[grid["heat_fp70_kwh_per_m2"].idxmax()]
    profile = best[month_cols].to_numpy(dtype=float) / best["heat_fp70_kwh_per_m2"]
    per_area = scen.assign(area_id=planes["building_id"].map(by_id["area_id"]).to_numpy())
    area_collect = per_area.groupby("area_id").agg(collector_m2=("collector_m2_max", "sum"),
                                                   heat_kwh_heat_only=("heat_kwh_heat_only", "sum"))
    area_demand = bheat.groupby("area_id")[["space_heat_kwh", "dhw_kwh"]].sum()
    rows = []
    for area_id, dem in area_demand.iterrows():  # one small balance per area (133 here), not per building
        m2 = float(area_collect["collector_m2"].get(area_id, 0.0))
        annual = float(area_collect["heat_kwh_heat_only"].get(area_id, 0.0))
        result = solar_district_heating(
            m2, profile * (annual / m2 if m2 else 0.0), monthly_demand(dem["space_heat_kwh"], dem["dhw_kwh"]),
            m2 * a.get("heat", "store_m3_per_m2_collector"), a.get("heat", "store_usable_delta_t_k"),
            a.get("heat", "store_loss_per_month"), a.get("heat", "network_loss_share"))
        rows.append({"area_id": area_id, "sdh_collector_m2": m2, "sdh_store_m3": m2 * a.get("heat", "store_m3_per_m2_collector"),
                     "sdh_solar_fraction": result["solar_fraction"],
                     "sdh_solar_fraction_no_store": result["solar_fraction_no_store"],
                     "sdh_delivered_kwh": result["solar_delivered_kwh"]})
    sdh = pd.DataFrame(rows)

    tables = {"building_heat": bheat, "roof_scenarios": scen, "heat_cells": cells, "area_sdh": sdh}
    sql = [AREA_HEAT_SQL.format(
        boiler=float(a.get("heat", "boiler_efficiency")),
        threshold=float(a.get("heat", "dh_density_threshold_mwh_per_ha")))]
    return tables, sql


def label_zones(cells: pd.DataFrame) -> np.ndarray:
    """Connected-component labels (8-neighbour) of candidate cells; 0 for non-candidates."""
    from scipy import ndimage

    cand = cells[cells["candidate"]]
    labels = np.zeros(len(cells), dtype=np.int64)
    if cand.empty:
        return labels
    x0, y0 = cand["cell_x"].min(), cand["cell_y"].min()
    shape = (int(cand["cell_x"].max() - x0 + 1), int(cand["cell_y"].max() - y0 + 1))
    raster = np.zeros(shape, dtype=bool)
    raster[(cand["cell_x"] - x0).to_numpy(), (cand["cell_y"] - y0).to_numpy()] = True
    labelled, _ = ndimage.label(raster, structure=np.ones((3, 3), dtype=int))
    labels[cells["candidate"].to_numpy()] = labelled[(cand["cell_x"] - x0).to_numpy(), (cand["cell_y"] - y0).to_numpy()]
    return labels


AREA_HEAT_SQL = """
CREATE OR REPLACE TABLE area_heat AS
WITH bh AS (
    SELECT area_id, sum(heated_floor_m2) AS heated_floor_m2, sum(heat_kwh_low) AS heat_kwh_low,
           sum(heat_kwh_central) AS heat_kwh_central, sum(heat_kwh_high) AS heat_kwh_high,
           avg(age_assumed::INTEGER) AS share_age_assumed
    FROM building_heat GROUP BY area_id),
rs AS (
    SELECT b.area_id,
           sum(pv_kwh_pv_only) AS pv_kwh_pv_only, sum(heat_kwh_pv_only) AS heat_kwh_pv_only,
           sum(pv_kwh_heat_only) AS pv_kwh_heat_only, sum(heat_kwh_heat_only) AS heat_kwh_heat_only,
           sum(pv_kwh_split) AS pv_kwh_split, sum(heat_kwh_split) AS heat_kwh_split,
           sum(heat_m2_heat_only) AS collector_m2_max
    FROM roof_scenarios r JOIN buildings b USING (building_id) GROUP BY b.area_id),
zone AS (
    SELECT b.area_id, avg(c.dh_zone::INTEGER) AS share_buildings_in_dh_zone
    FROM building_heat b JOIN heat_cells c USING (cell_x, cell_y) GROUP BY b.area_id)
SELECT a.area_id, a.name, a.households, a.area_ha,
       bh.heated_floor_m2, bh.heat_kwh_low, bh.heat_kwh_central, bh.heat_kwh_high,
       bh.heat_kwh_central / 1000 / a.area_ha AS heat_density_mwh_per_ha,
       bh.heat_kwh_central / 1000 / a.area_ha >= {threshold} AS dh_candidate_area,
       zone.share_buildings_in_dh_zone, bh.share_age_assumed,
       rs.* EXCLUDE (area_id),
       s.sdh_collector_m2, s.sdh_store_m3, s.sdh_solar_fraction, s.sdh_solar_fraction_no_store, s.sdh_delivered_kwh,
       a.gas_kwh AS observed_gas_kwh, a.gas_kwh * {boiler} AS observed_gas_heat_kwh,
       least(1.0, a.gas_meters / nullif(coalesce(a.dwellings, a.elec_meters), 0)) AS gas_share_of_dwellings,
       bh.heat_kwh_central * least(1.0, a.gas_meters / nullif(coalesce(a.dwellings, a.elec_meters), 0)) AS modelled_gas_heat_kwh
FROM areas a
LEFT JOIN bh USING (area_id) LEFT JOIN rs USING (area_id) LEFT JOIN zone USING (area_id)
LEFT JOIN area_sdh s USING (area_id)
"""


#: Munich Ackermannbogen solar district heating (Solites / SWM project data, as reported by
#: Bauer et al. 2010 and the Solites project sheet): 2,761 m² flat-plate collectors, a 6,000 m³
#: hot-water store discharged to ~10 °C by a heat pump (usable ΔT ≈ 80 K), 320 flats with
#: ~30,400 m² heated floor area at a low-energy standard (~75 kWh/m²·yr incl. hot water,
#: assumed), solar fraction ~45–50 %.
ACKERMANNBOGEN = {"collector_m2": 2761.0, "store_m3": 6000.0, "flats": 320, "heated_floor_m2": 30400.0,
                  "specific_demand_kwh_per_m2": 75.0, "dhw_share": 0.25, "delta_t_k": 80.0,
                  "tilt_deg": 30.0, "azimuth_deg": 180.0, "mean_fluid_temp_c": 60.0}


def ackermannbogen_check(weather, metadata, loss_per_month: float = 0.04, network_loss_share: float = 0.12) -> dict:
    """The model on Ackermannbogen's layout in the given weather (order-of-magnitude check).

    Returns
    -------
    dict
        As :func:`solar_district_heating`, plus ``annual_collector_kwh_per_m2``.
    """
    case = ACKERMANNBOGEN
    result = annual_heat_yield(weather, metadata, case["tilt_deg"], case["azimuth_deg"], "flat-plate",
                               case["mean_fluid_temp_c"])
    demand = case["heated_floor_m2"] * case["specific_demand_kwh_per_m2"]
    monthly = monthly_demand(demand * (1 - case["dhw_share"]), demand * case["dhw_share"])
    out = solar_district_heating(case["collector_m2"], result["monthly_kwh_per_m2"], monthly, case["store_m3"],
                                 case["delta_t_k"], loss_per_month, network_loss_share)
    out["annual_collector_kwh_per_m2"] = result["kwh_per_m2"]
    return out
