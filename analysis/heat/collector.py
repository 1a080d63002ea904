"""Solar-thermal collectors: ISO 9806 steady-state heat per m² of aperture, hourly and on the yield grid.

The collector sees the same plane-of-array irradiance as PV (:func:`analysis.solar.plane_irradiance`),
with an ASHRAE incidence-angle modifier on beam and a constant one on diffuse light.

References
----------
.. [1] ISO 9806:2017 Solar energy — Solar thermal collectors — Test methods.
.. [2] Fonseca, J. A. et al. (2016). City Energy Analyst (CEA) collector defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib

from analysis import solar
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


