"""Heat density, district-heating zones, solar district heating with seasonal storage, roof use.

* **Density** — MWh/ha·yr per area and on a 100 m grid (DuckDB), candidate cells above a
  threshold, contiguous zones (8-neighbour) above a minimum total (Hotmaps style).
* **Solar district heating** — monthly balance of collector yield, demand and a seasonal
  store with monthly losses: solar fraction with and without seasonal storage.
* **Roof competition** — PV only, solar heat only, or a split (hot-water collectors sized per
  dwelling on the best planes, PV on the rest); each m² of roof is counted once.

References
----------
.. [1] Persson, U., Werner, S. (2011). Heat distribution and the future competitiveness of
   district heating. Applied Energy 88, 568–576.
.. [2] Bauer, D. et al. (2010). German central solar heating plants with seasonal heat storage.
   Solar Energy 84, 612–623.
.. [3] Pezzutto, S. et al. (2019). Hotmaps D2.3 WP2 report — open data set for the EU28.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import shapely

from analysis import solar
from analysis.errors import InputError
from analysis.heat.collector import annual_heat_yield
from analysis.heat.demand import building_energy, monthly_demand

WATER_KWH_PER_M3_K = 1.163  # volumetric heat capacity of water [kWh/m³K]


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
    # Rule: every building gets at least one home's worth of hot-water collectors (offices, shops use some).
    target = order["building_id"].map(dwellings.fillna(0).clip(lower=1) * area_per_dwelling_m2).to_numpy()
    before = order.groupby("building_id")["_usable"].cumsum().to_numpy() - order["_usable"].to_numpy()
    heat = np.clip(target - before, 0, order["_usable"].to_numpy())
    split_heat = pd.Series(heat, index=order.index).reindex(planes.index).to_numpy()
    out["heat_m2_split"] = split_heat
    out["pv_m2_split"] = usable - split_heat
    return out


def heat_step(buildings, planes, areas, grid, weather, meta, cfg, log=None):
    """Heat demand, density, DH zones, solar heat and roof scenarios for a place.

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with use, dwellings and age (see :func:`analysis.heat.demand.building_energy`).
    planes : pandas.DataFrame
        Roof planes with ``suitable``, ``module_m2``, ``kwp_central``, ``pv_kwh_per_kwp``.
    areas : pandas.DataFrame
        Areas with domestic electricity statistics.
    grid : pandas.DataFrame
        Yield grid with the collector columns of :data:`analysis.heat.collector.HEAT_GRID_COLUMNS`.
    cfg : analysis.config.PlaceConfig
    log : analysis.quality.QualityLog, optional

    Returns
    -------
    (dict of pandas.DataFrame, list of str)
        Tables to store (``building_heat``, ``roof_scenarios``, ``heat_cells``, ``area_sdh``,
        ``heat_checks``) and SQL roll-ups to run in the store's transaction.
    """
    a = cfg.assumptions
    energy = building_energy(buildings, areas, a, log)
    # Cell of each building from its bounding-box centre (cheaper than centroids; same cell at 100 m).
    bounds = shapely.bounds(buildings.geometry.to_numpy())
    cell = a.get("heat", "grid_cell_m")
    bheat = energy.assign(
        age_band=buildings["age_band"].to_numpy(), age_assumed=buildings["age_source"].to_numpy() != "observed",
        cell_x=np.floor((bounds[:, 0] + bounds[:, 2]) / 2 / cell).astype(np.int64),
        cell_y=np.floor((bounds[:, 1] + bounds[:, 3]) / 2 / cell).astype(np.int64)).reset_index(drop=True)

    # Collector yields per plane (70 °C flat plate for district heating, 50 °C for hot water).
    fp70 = solar.interpolate_grid(grid, "heat_fp70_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    fp50 = solar.interpolate_grid(grid, "heat_fp50_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    by_id = buildings.set_index("building_id")[["dwellings", "area_id"]]  # indexed once (millions of rows)
    alloc = allocate_roof_scenarios(planes, by_id["dwellings"].astype(float), a.get("heat", "collector_area_per_dwelling_m2"))
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
        con.register("bheat", bheat[["cell_x", "cell_y", "heat_kwh_central"]])
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
    store_ratio = a.get("heat", "store_m3_per_m2_collector")
    rows = []
    for area_id, dem in area_demand.iterrows():  # one small balance per area (hundreds), not per building
        m2 = float(area_collect["collector_m2"].get(area_id, 0.0))
        annual = float(area_collect["heat_kwh_heat_only"].get(area_id, 0.0))
        result = solar_district_heating(
            m2, profile * (annual / m2 if m2 else 0.0), monthly_demand(dem["space_heat_kwh"], dem["dhw_kwh"]),
            m2 * store_ratio, a.get("heat", "store_usable_delta_t_k"),
            a.get("heat", "store_loss_per_month"), a.get("heat", "network_loss_share"))
        rows.append({"area_id": area_id, "sdh_collector_m2": m2, "sdh_store_m3": m2 * store_ratio,
                     "sdh_solar_fraction": result["solar_fraction"],
                     "sdh_solar_fraction_no_store": result["solar_fraction_no_store"],
                     "sdh_delivered_kwh": result["solar_delivered_kwh"]})
    sdh = pd.DataFrame(rows, columns=["area_id", "sdh_collector_m2", "sdh_store_m3", "sdh_solar_fraction",
                                      "sdh_solar_fraction_no_store", "sdh_delivered_kwh"])
    check = ackermannbogen_check(weather, meta, a.get("heat", "store_loss_per_month"), a.get("heat", "network_loss_share"))
    checks = pd.DataFrame([{"check": "ackermannbogen", **{k: v for k, v in ACKERMANNBOGEN.items()}, **check,
                            "reported_solar_fraction_low": 0.45, "reported_solar_fraction_high": 0.50,
                            "reported_delivered_kwh_per_m2": 310.0}])
    tables = {"building_heat": bheat, "roof_scenarios": scen, "heat_cells": cells, "area_sdh": sdh, "heat_checks": checks}
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
    SELECT area_id, sum(heated_floor_m2) AS heated_floor_m2, sum(nondomestic_floor_m2) AS nondomestic_floor_m2,
           sum(heat_kwh_low) AS heat_kwh_low, sum(heat_kwh_central) AS heat_kwh_central,
           sum(heat_kwh_high) AS heat_kwh_high, sum(heat_kwh_domestic) AS heat_kwh_domestic,
           sum(heat_kwh_nondomestic) AS heat_kwh_nondomestic, sum(elec_kwh_nondomestic) AS elec_kwh_nondomestic,
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
       bh.heated_floor_m2, bh.nondomestic_floor_m2, bh.heat_kwh_low, bh.heat_kwh_central, bh.heat_kwh_high,
       bh.heat_kwh_domestic, bh.heat_kwh_nondomestic, bh.elec_kwh_nondomestic,
       bh.heat_kwh_central / 1000 / a.area_ha AS heat_density_mwh_per_ha,
       bh.heat_kwh_central / 1000 / a.area_ha >= {threshold} AS dh_candidate_area,
       zone.share_buildings_in_dh_zone, bh.share_age_assumed,
       rs.* EXCLUDE (area_id),
       s.sdh_collector_m2, s.sdh_store_m3, s.sdh_solar_fraction, s.sdh_solar_fraction_no_store, s.sdh_delivered_kwh,
       a.gas_kwh AS observed_gas_kwh, a.gas_kwh * {boiler} AS observed_gas_heat_kwh,
       least(1.0, a.gas_meters / nullif(coalesce(a.dwellings, a.elec_meters), 0)) AS gas_share_of_dwellings,
       bh.heat_kwh_domestic * least(1.0, a.gas_meters / nullif(coalesce(a.dwellings, a.elec_meters), 0))
           AS modelled_gas_heat_kwh
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
