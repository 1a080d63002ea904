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

import numpy as np
import pandas as pd
import shapely

from analysis import solar
from analysis.errors import InputError
from analysis.heat.collector import annual_heat_yield
from analysis.heat.demand import SPACE_HEAT_MONTH_SHARE, building_energy, monthly_demand

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


def solar_district_heating_many(collector_m2, monthly_yield_kwh_per_m2, monthly_demand_kwh, store_m3,
                                delta_t_k: float = 60.0, loss_per_month: float = 0.04,
                                network_loss_share: float = 0.12) -> dict:
    """:func:`solar_district_heating` for many schemes at once (vectorised over schemes).

    Parameters
    ----------
    collector_m2, store_m3 : array (N,)
        Collector aperture [m²] and seasonal store volume [m³] of each scheme.
    monthly_yield_kwh_per_m2 : array (N, 12)
        Collector heat per m² by month [kWh/m²].
    monthly_demand_kwh : array (N, 12)
        Heat demand at the buildings by month [kWh].

    Returns
    -------
    dict
        ``solar_fraction``, ``solar_fraction_no_store`` [-] and ``solar_delivered_kwh`` [kWh/yr], each (N,).
    """
    m2 = np.asarray(collector_m2, dtype=float)
    store = np.asarray(store_m3, dtype=float)
    if np.any(m2 < 0) or np.any(store < 0):
        raise InputError("collector area and store volume must be >= 0", fix="give positive sizes")
    supply = m2[:, None] * np.asarray(monthly_yield_kwh_per_m2, dtype=float) * (1 - network_loss_share)
    demand = np.asarray(monthly_demand_kwh, dtype=float)
    capacity = store * WATER_KWH_PER_M3_K * delta_t_k
    content = np.zeros(len(m2))
    for _ in range(3):  # three years from an empty store: the periodic steady state (as the scalar version)
        delivered = np.zeros(len(m2))
        for m in range(12):
            direct = np.minimum(supply[:, m], demand[:, m])
            charge = np.minimum(supply[:, m] - direct, capacity - content)
            content = content + charge
            discharge = np.minimum(demand[:, m] - direct, content)
            content = (content - discharge) * (1 - loss_per_month)
            delivered = delivered + direct + discharge
    total = demand.sum(axis=1)
    no_store = np.minimum(supply, demand).sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    return {"solar_fraction": np.where(total > 0, delivered / safe, 0.0),
            "solar_fraction_no_store": np.where(total > 0, no_store / safe, 0.0), "solar_delivered_kwh": delivered}


#: Sizes tried for a solar district heating scheme: share of the roofs' collector area, and store per m².
SDH_COLLECTOR_SHARES = (0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
SDH_STORE_M3_PER_M2 = (0.0, 0.25, 0.5, 1.0, 2.0, 3.0)


def store_capex(store_m3, per_m3_at_5000: float, exponent: float) -> np.ndarray:
    """Seasonal tank store cost [currency]: ``V · c5000 · (V / 5,000 m³)^−e`` (economies of scale)."""
    v = np.asarray(store_m3, dtype=float)
    safe = np.where(v > 0, v, 1.0)
    return np.where(v > 0, safe * per_m3_at_5000 * (safe / 5000.0) ** -exponent, 0.0)


def size_solar_district_heating(collector_m2_max, yield_per_m2, demand_monthly, assumptions) -> dict:
    """The cheapest solar district heating scheme per area: collector area and store chosen by cost.

    Every combination of :data:`SDH_COLLECTOR_SHARES` (of the roofs' collector area) and
    :data:`SDH_STORE_M3_PER_M2` is balanced month by month; the one with the lowest yearly cost of
    heat (collectors and store annualised at the public rate over their lives, O&M, and gas from
    the energy centre for the rest) is kept. A store is built only where it lowers that cost, and
    no collector at all where solar heat costs more than the gas it displaces.

    Parameters
    ----------
    collector_m2_max : array (N,)
        Collector area the roofs can take [m²].
    yield_per_m2 : array (N, 12)
        Collector heat per m² by month [kWh/m²].
    demand_monthly : array (N, 12)
        Heat demand of the scheme's buildings by month [kWh].
    assumptions : analysis.config.Assumptions
        ``heat`` and ``heat_ownership`` entries, ``finance.discount_rate_public``, ``costs.lifetime_years``.

    Returns
    -------
    dict of arrays (N,)
        ``collector_m2``, ``store_m3``, ``solar_fraction``, ``solar_fraction_no_store``,
        ``solar_delivered_kwh``, ``annual_cost`` (of the chosen option) and
        ``solar_fraction_max`` (all roofs, 2 m³/m²: the technical reach, whatever it costs).
    """
    from analysis.economics.kernel import capital_recovery_factor

    a = assumptions
    n = len(collector_m2_max)
    m2_max = np.asarray(collector_m2_max, dtype=float)
    options = [(c, r) for c in SDH_COLLECTOR_SHARES for r in SDH_STORE_M3_PER_M2 if c > 0 or r == 0]
    k = len(options)
    share = np.repeat([c for c, _ in options], n)
    ratio = np.repeat([r for _, r in options], n)
    m2 = np.tile(m2_max, k) * share
    store = m2 * ratio
    balance = solar_district_heating_many(m2, np.tile(yield_per_m2, (k, 1)), np.tile(demand_monthly, (k, 1)), store,
                                          a.get("heat", "store_usable_delta_t_k"), a.get("heat", "store_loss_per_month"),
                                          a.get("heat", "network_loss_share"))
    rate = a.get("finance", "discount_rate_public")
    cap_coll = m2 * a.get("heat_ownership", "sdh_collector_capex_per_m2")
    cap_store = store_capex(store, a.get("heat_ownership", "sdh_store_capex_per_m3_at_5000m3"),
                            a.get("heat_ownership", "sdh_store_cost_exponent"))
    demand = np.tile(np.asarray(demand_monthly, dtype=float).sum(axis=1), k)
    cost = (cap_coll * capital_recovery_factor(rate, a.get("costs", "lifetime_years"))
            + cap_store * capital_recovery_factor(rate, a.get("heat_ownership", "heat_network_lifetime_years"))
            + a.get("heat_ownership", "heat_network_om_share_of_capex") * (cap_coll + cap_store)
            + (1 - balance["solar_fraction"]) * demand * a.get("heat_ownership", "backup_heat_cost_per_kwh"))
    best = cost.reshape(k, n).argmin(axis=0)
    pick = lambda x: np.asarray(x).reshape(k, n)[best, np.arange(n)]  # noqa: E731
    full = solar_district_heating_many(m2_max, yield_per_m2, demand_monthly, m2_max * a.get("heat", "store_m3_per_m2_collector"),
                                       a.get("heat", "store_usable_delta_t_k"), a.get("heat", "store_loss_per_month"),
                                       a.get("heat", "network_loss_share"))
    return {"collector_m2": pick(m2), "store_m3": pick(store), "solar_fraction": pick(balance["solar_fraction"]),
            "solar_fraction_no_store": pick(balance["solar_fraction_no_store"]),
            "solar_delivered_kwh": pick(balance["solar_delivered_kwh"]), "annual_cost": pick(cost),
            "solar_fraction_max": full["solar_fraction"]}


def allocate_roof_scenarios(planes: pd.DataFrame, dwellings, area_per_dwelling_m2: float,
                            building_row=None) -> pd.DataFrame:
    """Module/collector area per plane under three roof-use scenarios (no roof m² counted twice).

    Parameters
    ----------
    planes : pandas.DataFrame
        Roof planes with ``building_id``, ``suitable``, ``module_m2`` [m²], ``relative_yield``.
    dwellings : pandas.Series or array
        Dwellings per building: a Series indexed by ``building_id``, or with ``building_row``
        an array indexed by those rows.
    area_per_dwelling_m2 : float
        Hot-water collector area per dwelling in the split scenario [m²].
    building_row : array of int, optional
        Each plane's building as a row number (integer codes: no string lookups).

    Returns
    -------
    pandas.DataFrame
        Per plane: ``pv_m2_<s>`` and ``heat_m2_<s>`` for s in pv_only, heat_only, split, with
        ``pv_m2 + heat_m2 <= module_m2``.
    """
    usable = np.where(planes["suitable"].to_numpy(dtype=bool), planes["module_m2"].to_numpy(dtype=float), 0.0)
    if building_row is None:
        building_row, ids = pd.factorize(planes["building_id"].astype(str))
        per_building = pd.Series(dwellings).reindex(ids).to_numpy(dtype=float)
    else:
        building_row = np.asarray(building_row, dtype=np.int64)
        per_building = np.asarray(dwellings, dtype=float)
    # Rule: every building gets at least one home's worth of hot-water collectors (offices, shops use some).
    target_of = np.clip(np.nan_to_num(per_building, nan=0.0), 1, None) * area_per_dwelling_m2
    # Split: collectors go on each building's best planes first, up to its hot-water target.
    # One float sort key: building row, then the best plane first (relative yield lies in 0..1).
    relative = np.clip(np.nan_to_num(planes["relative_yield"].to_numpy(dtype=float), nan=0.0), 0.0, 1.0)
    order = np.argsort(building_row * 2.0 + (1.0 - relative) if len(building_row) < 2 ** 50 else
                       np.lexsort((-relative, building_row)), kind="stable")
    row_sorted, usable_sorted = building_row[order], usable[order]
    running = np.cumsum(usable_sorted)
    first = np.r_[True, row_sorted[1:] != row_sorted[:-1]] if len(order) else np.zeros(0, bool)
    start_total = (running - usable_sorted)[first]  # cumulative sum before each building's first plane
    before = running - usable_sorted - np.repeat(start_total, np.diff(np.r_[np.flatnonzero(first), len(order)]))
    heat_sorted = np.clip(target_of[row_sorted] - before, 0, usable_sorted)
    split_heat = np.empty_like(usable)
    split_heat[order] = heat_sorted
    return pd.DataFrame({"pv_m2_pv_only": usable, "heat_m2_pv_only": 0.0, "pv_m2_heat_only": 0.0,
                         "heat_m2_heat_only": usable, "heat_m2_split": split_heat, "pv_m2_split": usable - split_heat},
                        index=planes.index)


def heat_step(buildings, planes, areas, grid, weather, meta, cfg, log=None):
    """Heat demand, density, DH zones, solar heat and roof scenarios for a place.

    :func:`building_heat_tables` for the buildings, then :func:`place_heat_tables` for the
    place (the pipeline calls the two apart: the first per partition of a big place).

    Parameters
    ----------
    buildings : geopandas.GeoDataFrame
        Buildings with use, dwellings and age (see :func:`analysis.heat.demand.building_energy`);
        optional ``area_row`` (row of the building's area in ``areas``).
    planes : pandas.DataFrame
        Roof planes with ``suitable``, ``module_m2``, ``kwp_central``, ``pv_kwh_per_kwp``;
        optional ``building_row`` (row of the plane's building in ``buildings``).
    areas : pandas.DataFrame
        Areas with domestic electricity statistics.
    grid : pandas.DataFrame
        Yield grid with the collector columns of :data:`analysis.heat.collector.HEAT_GRID_COLUMNS`.
    cfg : analysis.config.PlaceConfig
    log : analysis.quality.QualityLog, optional

    Returns
    -------
    (dict of pandas.DataFrame, list of str)
        Tables to store (``building_heat``, ``roof_scenarios`` — roof use per building under the
        PV-only, heat-only and split scenarios —, ``heat_cells``, ``area_sdh``, ``area_heat``,
        ``heat_checks``); no SQL roll-ups are left for the store (empty list).
    """
    from analysis.heat.demand import area_rows

    bheat, scen = building_heat_tables(buildings, planes, areas, grid, cfg, log)
    has_planes = np.bincount(planes["building_row"].to_numpy(dtype=np.int64), minlength=len(buildings)) > 0 \
        if "building_row" in planes else buildings["building_id"].isin(planes["building_id"]).to_numpy()
    place = place_heat_tables(areas, bheat, scen, area_rows(buildings, areas), has_planes, grid, weather, meta, cfg)
    return {"building_heat": bheat, "roof_scenarios": scen, **place}, []


def building_heat_tables(buildings, planes, areas, grid, cfg, log=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per building: heat and electricity demand with its 100 m cell, and roof use under three scenarios.

    Parameters as :func:`heat_step`.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        ``building_heat`` (:func:`analysis.heat.demand.building_energy` plus ``age_band``,
        ``age_assumed``, ``cell_x``, ``cell_y``) and ``roof_scenarios`` (one row per building,
        rows aligned with ``buildings``) [kWh/yr, m²].
    """
    a = cfg.assumptions
    energy = building_energy(buildings, areas, a, log)
    # Cell of each building from its bounding-box centre (cheaper than centroids; same cell at 100 m).
    bounds = shapely.bounds(buildings.geometry.to_numpy())
    cell = a.get("heat", "grid_cell_m")
    bheat = energy.assign(
        age_band=buildings["age_band"].array, age_assumed=(buildings["age_source"] != "observed").to_numpy(),
        cell_x=np.floor((bounds[:, 0] + bounds[:, 2]) / 2 / cell).astype(np.int64),
        cell_y=np.floor((bounds[:, 1] + bounds[:, 3]) / 2 / cell).astype(np.int64)).reset_index(drop=True)
    if "building_row" in planes:
        p_row = planes["building_row"].to_numpy(dtype=np.int64)
    else:
        p_row = pd.Index(buildings["building_id"].astype(str)).get_indexer(planes["building_id"].astype(str))

    # Collector yields per plane (70 °C flat plate for district heating, 50 °C for hot water).
    fp70 = solar.interpolate_grid(grid, "heat_fp70_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    fp50 = solar.interpolate_grid(grid, "heat_fp50_kwh_per_m2", planes["tilt_deg"], planes["azimuth_deg"])
    alloc = allocate_roof_scenarios(planes, buildings["dwellings"].to_numpy(dtype=float),
                                    a.get("heat", "collector_area_per_dwelling_m2"), building_row=p_row)
    module = planes["module_m2"].to_numpy(dtype=float)
    density = planes["kwp_central"].to_numpy(dtype=float) / np.where(module > 0, module, 1)
    density = np.where(planes["suitable"].to_numpy(dtype=bool), density, 0.0)
    pv_per_kwp = planes["pv_kwh_per_kwp"].to_numpy(dtype=float)
    # Roof use per building: the planes' allocations summed (one row per building, not per plane).
    n_buildings = len(buildings)
    p_ok = p_row >= 0

    def per_building(values):
        return np.bincount(p_row[p_ok], weights=np.asarray(values, dtype=float)[p_ok], minlength=n_buildings)

    scen = {"building_id": buildings["building_id"].array}
    for s_name in ("pv_only", "heat_only", "split"):
        heat_yield = fp50 if s_name == "split" else fp70  # split = household hot water at 50 °C
        scen[f"pv_kwh_{s_name}"] = per_building(alloc[f"pv_m2_{s_name}"].to_numpy() * density * pv_per_kwp)
        scen[f"heat_kwh_{s_name}"] = per_building(alloc[f"heat_m2_{s_name}"].to_numpy() * heat_yield)
        scen[f"heat_m2_{s_name}"] = per_building(alloc[f"heat_m2_{s_name}"].to_numpy())
    scen["collector_m2_max"] = scen["heat_m2_heat_only"]
    return bheat, pd.DataFrame(scen, copy=False)


#: Columns of the per-building heat tables that the place-level heat step reads (a big place
#: keeps only these between its partitions).
PLACE_HEAT_COLUMNS = {
    "building_heat": ["cell_x", "cell_y", "heat_kwh_central", "space_heat_kwh", "dhw_kwh", "heated_floor_m2",
                      "nondomestic_floor_m2", "heat_kwh_low", "heat_kwh_high", "heat_kwh_domestic",
                      "heat_kwh_nondomestic", "elec_kwh_nondomestic", "age_assumed", "heat_kwh_domestic_map_floor"],
    "roof_scenarios": ["collector_m2_max", "heat_kwh_heat_only", "pv_kwh_pv_only", "heat_kwh_pv_only",
                       "pv_kwh_heat_only", "pv_kwh_split", "heat_kwh_split", "heat_m2_heat_only"],
}


def place_heat_tables(areas, bheat: pd.DataFrame, scen: pd.DataFrame, b_area: np.ndarray, has_planes: np.ndarray,
                      grid, weather, meta, cfg) -> dict:
    """The place's heat-density grid and district-heating zones, solar district heating per area,
    ``area_heat`` and the Ackermannbogen check, from every building's heat (rows aligned).

    Parameters
    ----------
    areas : pandas.DataFrame
    bheat, scen : pandas.DataFrame
        Per building (at least :data:`PLACE_HEAT_COLUMNS`), rows aligned with ``b_area``.
    b_area : array of int
        Area row of each building (−1: none).
    has_planes : array of bool
        Per building: it has at least one roof plane.
    grid, weather, meta, cfg
        As :func:`heat_step`.

    Returns
    -------
    dict of pandas.DataFrame
        ``heat_cells``, ``area_sdh``, ``area_heat``, ``heat_checks``.
    """
    a = cfg.assumptions
    n_areas = len(areas)
    cell = a.get("heat", "grid_cell_m")
    # Heat-density grid, then contiguous candidate zones (8-neighbour labelling).
    bx, by = bheat["cell_x"].to_numpy(), bheat["cell_y"].to_numpy()
    span = int(by.max() - by.min() + 1) if len(by) else 1
    keys, cell_code = np.unique((bx - (bx.min() if len(bx) else 0)) * span + (by - (by.min() if len(by) else 0)),
                                return_inverse=True)  # cells sorted by (x, y), as one integer key each
    cell_xy = np.column_stack([keys // span + (bx.min() if len(bx) else 0), keys % span + (by.min() if len(by) else 0)])
    cells = pd.DataFrame({"cell_x": cell_xy[:, 0], "cell_y": cell_xy[:, 1],
                          "heat_mwh": np.bincount(cell_code, weights=bheat["heat_kwh_central"].to_numpy(),
                                                  minlength=len(cell_xy)) / 1000,
                          "buildings": np.bincount(cell_code, minlength=len(cell_xy)).astype(np.int64)})
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
    by_area = lambda rows, values: _area_sum(rows, values, n_areas)  # noqa: E731
    collector_m2 = by_area(b_area, scen["collector_m2_max"].to_numpy())
    heat_only_kwh = by_area(b_area, scen["heat_kwh_heat_only"].to_numpy())
    space_kwh = by_area(b_area, bheat["space_heat_kwh"].to_numpy())
    dhw_kwh = by_area(b_area, bheat["dhw_kwh"].to_numpy())
    has_buildings = np.bincount(b_area[b_area >= 0], minlength=n_areas) > 0
    area_ids = areas["area_id"].to_numpy()
    # One scheme per area, sized by cost (collector area and store); all areas balanced at once.
    rows = np.flatnonzero(has_buildings)
    per_m2 = np.divide(heat_only_kwh[rows], collector_m2[rows], out=np.zeros(len(rows)), where=collector_m2[rows] > 0)
    demand_monthly = (space_kwh[rows, None] * SPACE_HEAT_MONTH_SHARE[None, :]
                      + dhw_kwh[rows, None] * (monthly_demand(0.0, 1.0))[None, :])
    sized = size_solar_district_heating(collector_m2[rows], per_m2[:, None] * profile[None, :], demand_monthly, a)
    sdh = pd.DataFrame({"area_id": area_ids[rows], "sdh_collector_m2_max": collector_m2[rows],
                        "sdh_collector_m2": sized["collector_m2"], "sdh_store_m3": sized["store_m3"],
                        "sdh_solar_fraction": sized["solar_fraction"],
                        "sdh_solar_fraction_no_store": sized["solar_fraction_no_store"],
                        "sdh_delivered_kwh": sized["solar_delivered_kwh"],
                        "sdh_solar_fraction_max": sized["solar_fraction_max"]})
    check = ackermannbogen_check(weather, meta, a.get("heat", "store_loss_per_month"), a.get("heat", "network_loss_share"))
    checks = pd.DataFrame([{"check": "ackermannbogen", **{k: v for k, v in ACKERMANNBOGEN.items()}, **check,
                            "reported_solar_fraction_low": 0.45, "reported_solar_fraction_high": 0.50,
                            "reported_delivered_kwh_per_m2": 310.0}])
    area_heat = area_heat_table(areas, bheat, b_area, scen, has_planes, cells["dh_zone"].to_numpy()[cell_code], sdh,
                                a.get("heat", "boiler_efficiency"), a.get("heat", "dh_density_threshold_mwh_per_ha"))
    return {"heat_cells": cells, "area_sdh": sdh, "area_heat": area_heat, "heat_checks": checks}


def _area_sum(rows: np.ndarray, values, n_areas: int) -> np.ndarray:
    """Sum of ``values`` per area row (rows < 0 — no area — are left out)."""
    ok = rows >= 0
    return np.bincount(rows[ok], weights=np.asarray(values, dtype=float)[ok], minlength=n_areas)


def area_heat_table(areas: pd.DataFrame, bheat: pd.DataFrame, b_area: np.ndarray, scen: pd.DataFrame,
                    has_planes: np.ndarray, in_zone: np.ndarray, sdh: pd.DataFrame, boiler_efficiency: float,
                    threshold_mwh_per_ha: float) -> pd.DataFrame:
    """Heat per area: demand, density, district-heating candidacy, roof scenarios, solar district
    heat and the comparison with metered gas (one row per area; NaN where an area has no buildings).

    Parameters
    ----------
    areas : pandas.DataFrame
        ``area_id``, ``name``, ``households``, ``area_ha`` [ha], ``gas_kwh``, ``gas_meters``,
        ``dwellings``, ``elec_meters`` (optional statistics may be NaN).
    bheat : pandas.DataFrame
        Per building heat (:func:`heat_step`), rows aligned with ``b_area``.
    b_area : array of int
        Area row of each building (−1: none).
    scen : pandas.DataFrame
        Roof scenarios per building, aligned with ``b_area``.
    has_planes : array of bool
        Per building: it has at least one roof plane.
    in_zone : array of bool
        Per building: its 100 m cell is in a qualifying district-heating zone.
    sdh : pandas.DataFrame
        Solar district heating per area (``area_sdh``).
    boiler_efficiency : float
        Gas boiler efficiency [-] (observed gas → heat).
    threshold_mwh_per_ha : float
        District-heating candidacy threshold [MWh/ha·yr].

    Returns
    -------
    pandas.DataFrame
        Columns as the store's ``area_heat`` table [kWh/yr, m², MWh/ha·yr, shares].
    """
    n = len(areas)
    count = np.bincount(b_area[b_area >= 0], minlength=n)
    has = count > 0
    plane_count = np.bincount(b_area[(b_area >= 0) & has_planes], minlength=n)

    def per_area(values, rows=b_area, present=has):
        return np.where(present, _area_sum(rows, values, n), np.nan)

    def col(name):
        return areas[name].to_numpy(dtype=float) if name in areas else np.full(n, np.nan)

    area_ha = col("area_ha")
    heat_central = per_area(bheat["heat_kwh_central"].to_numpy())
    density = heat_central / 1000 / area_ha
    out = {"area_id": areas["area_id"].to_numpy(), "name": areas["name"].to_numpy() if "name" in areas else None,
           "households": col("households"), "area_ha": area_ha}
    for name in ("heated_floor_m2", "nondomestic_floor_m2", "heat_kwh_low"):
        out[name] = per_area(bheat[name].to_numpy())
    out["heat_kwh_central"] = heat_central
    for name in ("heat_kwh_high", "heat_kwh_domestic", "heat_kwh_nondomestic", "elec_kwh_nondomestic"):
        out[name] = per_area(bheat[name].to_numpy())
    out["heat_density_mwh_per_ha"] = density
    out["dh_candidate_area"] = pd.array(np.where(np.isfinite(density), density >= threshold_mwh_per_ha, pd.NA),
                                        dtype="boolean")
    out["share_buildings_in_dh_zone"] = per_area(in_zone.astype(float)) / np.where(has, count, 1)
    out["share_age_assumed"] = per_area(bheat["age_assumed"].to_numpy(dtype=float)) / np.where(has, count, 1)
    any_planes = plane_count > 0
    for name in ("pv_kwh_pv_only", "heat_kwh_pv_only", "pv_kwh_heat_only", "heat_kwh_heat_only", "pv_kwh_split",
                 "heat_kwh_split"):
        out[name] = per_area(scen[name].to_numpy(), b_area, any_planes)
    out["collector_m2_max"] = per_area(scen["heat_m2_heat_only"].to_numpy(), b_area, any_planes)
    s = sdh.set_index("area_id").reindex(areas["area_id"].to_numpy())
    for name in ("sdh_collector_m2", "sdh_store_m3", "sdh_solar_fraction", "sdh_solar_fraction_no_store",
                 "sdh_delivered_kwh", "sdh_solar_fraction_max"):
        out[name] = s[name].to_numpy(dtype=float)
    gas = col("gas_kwh")
    out["observed_gas_kwh"] = gas
    out["observed_gas_heat_kwh"] = gas * boiler_efficiency
    dwellings = col("dwellings")
    denominator = np.where(np.isfinite(dwellings), dwellings, col("elec_meters"))
    share = np.divide(col("gas_meters"), denominator, out=np.full(n, np.nan), where=denominator != 0)
    share = np.where(np.isfinite(share), np.minimum(1.0, share), 1.0)  # as SQL least(1.0, NULL) = 1.0
    out["gas_share_of_dwellings"] = share
    out["modelled_gas_heat_kwh"] = out["heat_kwh_domestic"] * share
    # Homes' floor from outline × storeys instead of the census (for the validation's comparison).
    out["modelled_gas_heat_kwh_map_floor"] = per_area(bheat["heat_kwh_domestic_map_floor"].to_numpy()) * share
    return pd.DataFrame(out)


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
