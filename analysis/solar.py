"""Rooftop PV yield: pvlib physics once per (tilt, azimuth) bin, then a lookup per roof plane.

The yield of a plane depends only on the weather, its tilt and its azimuth, so the hourly
physics runs once per orientation bin — all bins at once as 2-D arrays (hours × bins) — and
each roof plane gets its annual yield by bilinear interpolation in the grid. Cost grows with
bins × hours plus planes, never with planes × hours.

Chain (PVWatts v5 as implemented in pvlib): mid-interval solar position → Perez transposition
(albedo 0.2) → physical IAM on the beam component → cell temperature → ``pvwatts_dc`` →
system losses (14.08 % default) → PVWatts inverter (DC/AC 1.2, 96 % nominal efficiency).

References
----------
.. [1] Dobos, A. P. (2014). PVWatts Version 5 Manual. NREL/TP-6A20-62641.
.. [2] Holmgren, W. F., Hansen, C. W., Mikofski, M. A. (2018). pvlib python. JOSS 3(29), 884.
.. [3] Perez, R. et al. (1990). Modeling daylight availability and irradiance components from
   direct and global irradiance. Solar Energy 44(5), 271–289.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib

from analysis.errors import InputError

#: PVWatts v5 defaults (Dobos 2014).
PVWATTS_LOSSES_PCT = 14.08
PVWATTS_DC_AC_RATIO = 1.2
PVWATTS_INVERTER_EFFICIENCY = 0.96
PVWATTS_GAMMA_STANDARD = -0.0047  # 1/K, "standard" module
#: Installed nominal operating cell temperature for Fuentes [°C] (PVWatts v5: 49 roof, 45 rack).
INOCT_C = {"roof": 49.0, "rack": 45.0}
#: Reference plane used to fit the fast Faiman model to Fuentes on the place's own weather.
FIT_TILT_DEG, FIT_AZIMUTH_DEG = 30.0, 180.0
DEFAULT_TILTS = np.arange(0, 91, 5, dtype=float)
DEFAULT_AZIMUTHS = np.arange(0, 360, 10, dtype=float)


@dataclass(frozen=True)
class PVSystem:
    """Settings of a 1 kWdc PVWatts-style system.

    Attributes
    ----------
    mount : str
        ``"roof"`` (flush, hotter) or ``"rack"`` (open rack).
    losses_pct : float
        System losses [%] (soiling, shading, wiring, mismatch, …).
    gamma_pdc : float
        Power temperature coefficient [1/K].
    dc_ac_ratio : float
        DC nameplate over AC inverter rating [-].
    inverter_efficiency : float
        Nominal inverter efficiency [-].
    albedo : float
        Ground reflectance [-].
    temperature_model : str
        ``"fuentes"`` (PVWatts' own; a per-hour Python loop in pvlib, used for single planes
        and validation) or ``"faiman"`` (vectorised, used for the orientation grid; its
        U0, U1 are fitted to Fuentes on the place's weather, see :func:`fit_faiman`).
    faiman_u0, faiman_u1 : float, optional
        Faiman heat-loss coefficients [W/m²K] and [W/m³sK]; fitted when left as None.
    """

    mount: str = "roof"
    losses_pct: float = PVWATTS_LOSSES_PCT
    gamma_pdc: float = PVWATTS_GAMMA_STANDARD
    dc_ac_ratio: float = PVWATTS_DC_AC_RATIO
    inverter_efficiency: float = PVWATTS_INVERTER_EFFICIENCY
    albedo: float = 0.2
    temperature_model: str = "faiman"
    faiman_u0: float | None = None
    faiman_u1: float | None = None

    def __post_init__(self):
        if self.mount not in INOCT_C:
            raise InputError(f"unknown mount {self.mount!r}", fix="use --mount roof or --mount rack")
        if not 0 <= self.losses_pct < 100:
            raise InputError(f"losses {self.losses_pct} % out of range", fix="give losses between 0 and 99 %")
        if self.temperature_model not in ("fuentes", "faiman"):
            raise InputError(f"unknown temperature model {self.temperature_model!r}", fix="use fuentes or faiman")


def check_orientation(tilt, azimuth):
    """Raise a clear error for tilts outside 0–90° or azimuths outside 0–360°.

    Parameters
    ----------
    tilt : array-like
        Plane tilt from horizontal [°].
    azimuth : array-like
        Plane azimuth, clockwise from north (180 = south) [°].
    """
    tilt = np.asarray(tilt, dtype=float)
    azimuth = np.asarray(azimuth, dtype=float)
    if np.any(~np.isfinite(tilt)) or np.any((tilt < 0) | (tilt > 90)):
        raise InputError(f"tilt must be between 0 and 90 degrees, got {tilt.min() if tilt.size else tilt}",
                         fix="give the roof tilt from horizontal in degrees (0 = flat, 90 = wall)")
    if np.any(~np.isfinite(azimuth)) or np.any((azimuth < 0) | (azimuth > 360)):
        raise InputError(f"azimuth must be between 0 and 360 degrees, got {azimuth.max() if azimuth.size else azimuth}",
                         fix="give the azimuth clockwise from north (90 = east, 180 = south, 270 = west)")


def solar_position(weather: pd.DataFrame, metadata: dict) -> pd.DataFrame:
    """Sun position at the middle of each hourly interval.

    Parameters
    ----------
    weather : pandas.DataFrame
        Hourly weather indexed by the **end** of each interval.
    metadata : dict
        ``latitude``, ``longitude`` [°] and ``altitude`` [m].

    Returns
    -------
    pandas.DataFrame
        pvlib solar position (``apparent_zenith``, ``zenith``, ``azimuth`` [°]), indexed like
        ``weather``, plus ``dni_extra`` [W/m²] and ``airmass`` [-].
    """
    mid = weather.index - pd.Timedelta(minutes=30)
    solpos = pvlib.solarposition.get_solarposition(
        mid, metadata["latitude"], metadata["longitude"], altitude=metadata.get("altitude", 0.0),
        temperature=weather["temp_air"].to_numpy(),
    )
    solpos.index = weather.index
    solpos["dni_extra"] = pvlib.irradiance.get_extra_radiation(mid).to_numpy()
    solpos["airmass"] = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"]).to_numpy()
    return solpos


def plane_irradiance(weather: pd.DataFrame, solpos: pd.DataFrame, tilt, azimuth, albedo: float = 0.2) -> dict:
    """Plane-of-array irradiance for one or many planes at once (Perez 1990).

    Shared by PV (:func:`pv_ac_per_kwp`) and solar heat (:mod:`analysis.heat`), so there is one
    transposition code path.

    Parameters
    ----------
    weather : pandas.DataFrame
        ``ghi``, ``dni``, ``dhi`` [W/m²].
    solpos : pandas.DataFrame
        From :func:`solar_position`.
    tilt, azimuth : float or 1-D array
        Plane tilt [°] and azimuth [°, clockwise from north]; arrays give one column per plane.
    albedo : float
        Ground reflectance [-].

    Returns
    -------
    dict of numpy.ndarray
        ``poa_global``, ``poa_direct``, ``poa_diffuse`` [W/m²] and ``aoi`` [°], each shaped
        (hours,) for scalar inputs or (hours, planes).
    """
    tilt = np.atleast_1d(np.asarray(tilt, dtype=float))[None, :]
    azimuth = np.atleast_1d(np.asarray(azimuth, dtype=float))[None, :]
    col = lambda s: np.asarray(s, dtype=float)[:, None]  # noqa: E731 - hours as a column
    zen, az = col(solpos["apparent_zenith"]), col(solpos["azimuth"])
    with np.errstate(invalid="ignore", divide="ignore"):
        irr = pvlib.irradiance.get_total_irradiance(
            tilt, azimuth, zen, az, col(weather["dni"]), col(weather["ghi"]), col(weather["dhi"]),
            dni_extra=col(solpos["dni_extra"]), airmass=col(solpos["airmass"]),
            model="perez", albedo=albedo,
        )
        aoi = pvlib.irradiance.aoi(tilt, azimuth, zen, az)
    out = {k: np.nan_to_num(np.asarray(irr[k], dtype=float)) for k in ("poa_global", "poa_direct", "poa_diffuse")}
    out["aoi"] = np.asarray(aoi, dtype=float)
    return out


def fuentes_cell_temperature(poa_global, temp_air, wind_speed, noct_installed: float, surface_tilt: float,
                             index) -> np.ndarray:
    """PVWatts' Fuentes (1987) cell temperature, pvlib's algorithm on plain Python floats.

    :func:`pvlib.temperature.fuentes` steps through the hours with numpy scalars; this is the
    same loop, the same operations in the same order (with pvlib's defaults for module size,
    heights, emissivity and absorption), on Python floats: equal to pvlib within 1e-12 (tested;
    Python's ``math`` and numpy's scalar functions may round a last bit differently on some CPUs) and
    about three times faster. Used to fit :func:`fit_faiman`; validation keeps pvlib's own.

    Parameters
    ----------
    poa_global : array-like
        Plane irradiance [W/m²].
    temp_air : array-like
        Air temperature [°C].
    wind_speed : array-like
        Wind speed at 9.144 m [m/s].
    noct_installed : float
        Installed nominal operating cell temperature [°C].
    surface_tilt : float
        Module tilt [°].
    index : pandas.DatetimeIndex
        Time stamps (the thermal lag uses the step between them).

    Returns
    -------
    numpy.ndarray
        Cell temperature [°C].

    References
    ----------
    .. [1] Fuentes, M. K. (1987). A Simplified Thermal Model for Flat-Plate Photovoltaic
       Arrays. SAND85-0330, Sandia National Laboratories.
    """
    boltz, emiss, absorp = 5.669e-8, 0.84, 0.83
    module_height, wind_height, module_width, module_length = 5, 9.144, 0.31579, 1.2
    xlen = 2 * (module_width * module_length) / (module_width + module_length)
    xlen3, turbulent, laminar = xlen**3, 0.71**0.4, 0.71**0.67
    sin_tilt = float(np.sin(np.radians(surface_tilt)))
    tinoct = noct_installed + 273.15
    # Convection at NOCT, ground temperature ratio, capacitance: as pvlib (Fuentes' Appendix A).
    tave = (tinoct + 293.15) / 2
    densair = 0.003484 * 101325.0 / tave
    visair = 0.24237e-6 * tave**0.76 / densair
    hforce = 0.8600 / (1.0 * xlen / visair)**0.5 * densair * 1.0 * 1007 / laminar
    grashof = 9.8 / tave * (tinoct - 293.15) * xlen3 / visair**2 * sin_tilt
    hfree = 0.21 * (grashof * 0.71)**0.32 * (2.1695e-4 * tave**0.84) / xlen
    hconv = (hfree**3 + hforce**3)**(1/3)
    hground = emiss * boltz * (tinoct**2 + 293.15**2) * (tinoct + 293.15)
    backrat = ((absorp * 800.0 - emiss * boltz * (tinoct**4 - 282.21**4) - hconv * (tinoct - 293.15))
               / ((hground + hconv) * (tinoct - 293.15)))
    tground = min(max((tinoct**4 - backrat * (tinoct**4 - 293.15**4))**0.25, 293.15), tinoct)
    tgrat = (tground - 293.15) / (tinoct - 293.15)
    convrat = (absorp * 800 - emiss * boltz * (2 * tinoct**4 - 282.21**4 - tground**4)) / (hconv * (tinoct - 293.15))
    cap = 11000
    if tinoct > 321.15:
        cap = cap * (1 + (tinoct - 321.15) / 12)
    seconds = np.diff(np.asarray(index, dtype="datetime64[ns]")).astype(np.int64) / 1e9
    hours = np.concatenate([seconds[:1], seconds]) / 3600  # the first step taken equal to the second
    tamb_array = np.asarray(temp_air, dtype=float) + 273.15
    sun_array = np.asarray(poa_global, dtype=float) * absorp
    tsky_array = 0.68 * (0.0552 * tamb_array**1.5) + 0.32 * tamb_array
    windmod_array = np.asarray(wind_speed, dtype=float) * (module_height / wind_height)**0.2 + 1e-4
    tmod0, sun0, out, exp = 293.15, 0.0, [], math.exp
    # A loop over hours is inherent (each hour starts from the last one's temperature).
    for tamb, sun, windmod, tsky, dtime in zip(tamb_array.tolist(), sun_array.tolist(), windmod_array.tolist(),
                                             tsky_array.tolist(), hours.tolist()):
        tmod = tmod0
        for _ in range(10):
            tave = (tmod + tamb) / 2
            densair = 0.003484 * 101325.0 / tave
            visair = 0.24237e-6 * tave**0.76 / densair
            reynold = windmod * xlen / visair
            if reynold > 1.2e5:
                hforce = 0.0282 / reynold**0.2 * densair * windmod * 1007 / turbulent
            else:
                hforce = 0.8600 / reynold**0.5 * densair * windmod * 1007 / laminar
            grashof = 9.8 / tave * abs(tmod - tamb) * xlen3 / visair**2 * sin_tilt
            hfree = 0.21 * (grashof * 0.71)**0.32 * (2.1695e-4 * tave**0.84) / xlen
            hconv = convrat * (hfree**3 + hforce**3)**(1/3)
            hsky = emiss * boltz * (tmod**2 + tsky**2) * (tmod + tsky)
            tground = tamb + tgrat * (tmod - tamb)
            hground = emiss * boltz * (tmod**2 + tground**2) * (tmod + tground)
            eigen = - (hconv + hsky + hground) / cap * dtime * 3600
            ex = exp(eigen) if eigen > -10 else 0
            tmod = tmod0 * ex + ((1 - ex) * (hconv * tamb + hsky * tsky + hground * tground + sun0
                                             + (sun - sun0) / eigen) + sun - sun0) / (hconv + hsky + hground)
        out.append(tmod)
        tmod0, sun0 = tmod, sun
    return np.array(out) - 273.15


def fit_faiman(weather: pd.DataFrame, solpos: pd.DataFrame, mount: str, albedo: float = 0.2,
               quality=None) -> tuple[float, float]:
    """Fit Faiman's U0, U1 to PVWatts' Fuentes model on this weather (one reference plane).

    Fuentes is PVWatts' own cell-temperature model but loops over hours in Python, too slow
    for hundreds of bins; Faiman is vectorised. Fitting Faiman to Fuentes on the place's own
    weather, on a 30° south plane, keeps the grid within ~0.3 % of the validated chain.

    Parameters
    ----------
    weather, solpos : pandas.DataFrame
        Hourly weather and :func:`solar_position`.
    mount : str
        ``"roof"`` or ``"rack"`` (Fuentes INOCT 49 or 45 °C).
    albedo : float
        Ground reflectance [-].
    quality : analysis.quality.QualityLog, optional
        Where too few sunny hours leave nothing to fit (fewer than 50 hours above 200 W/m² —
        a broken or mis-scaled weather file, or a polar place), Faiman's published defaults
        (U0 25 W/m²K, U1 6.84 W/m³sK) are used **and recorded** here; without a log that case
        raises :class:`~analysis.errors.InputError` instead of falling back silently.

    Returns
    -------
    (float, float)
        U0 [W/m²K] and U1 [W/m³sK].
    """
    poa = plane_irradiance(weather, solpos, FIT_TILT_DEG, FIT_AZIMUTH_DEG, albedo)["poa_global"][:, 0]
    temp_air = weather["temp_air"].to_numpy()
    wind = weather["wind_speed"].to_numpy()
    t_fuentes = fuentes_cell_temperature(poa, temp_air, wind, INOCT_C[mount], FIT_TILT_DEG, weather.index)
    sunny = (poa > 200) & (t_fuentes - temp_air > 1)
    if sunny.sum() < 50:  # polar night or broken file: Faiman's published defaults, never silently
        problem = (f"only {int(sunny.sum())} hours above 200 W/m² on a 30° equator-facing plane: too few to fit "
                   "the cell-temperature model")
        if quality is None:
            raise InputError(problem, path=getattr(weather, "attrs", {}).get("source"),
                             fix="check the weather file's irradiance columns and units (W/m², hourly)")
        quality.default("weather", "faiman_u0_u1", 1, "25.0 W/m2K, 6.84 W/m3sK (Faiman 2008)", problem)
        return 25.0, 6.84
    # poa / (Tc − Ta) = U0 + U1·ws, weighted by irradiance (energy-relevant hours).
    y = poa[sunny] / (t_fuentes[sunny] - temp_air[sunny])
    design = np.c_[np.ones(sunny.sum()), wind[sunny]]
    w = poa[sunny]
    u0, u1 = np.linalg.lstsq(design * w[:, None], y * w, rcond=None)[0]
    return float(u0), float(max(u1, 0.0))


def cell_temperature(poa_global, temp_air, wind_speed, tilt, system: PVSystem, index=None, faiman_u=None):
    """Cell temperature [°C] by Fuentes (PVWatts, one plane) or Faiman (vectorised).

    Parameters
    ----------
    poa_global : numpy.ndarray
        Plane irradiance [W/m²], (hours,) or (hours, planes).
    temp_air : array-like
        Air temperature [°C], (hours,).
    wind_speed : array-like
        Wind speed at 10 m [m/s], (hours,).
    tilt : float
        Plane tilt [°] (Fuentes only).
    system : PVSystem
    index : pandas.DatetimeIndex, optional
        Monotonic hourly index (needed by Fuentes).
    faiman_u : (float, float), optional
        U0 [W/m²K], U1 [W/m³sK] for Faiman.
    """
    temp_air = np.asarray(temp_air, dtype=float)
    wind_speed = np.asarray(wind_speed, dtype=float)
    if system.temperature_model == "fuentes":
        series = lambda a: pd.Series(a, index=index)  # noqa: E731
        return pvlib.temperature.fuentes(
            series(poa_global), series(temp_air), series(wind_speed), INOCT_C[system.mount], surface_tilt=tilt,
        ).to_numpy()
    u0, u1 = faiman_u
    if poa_global.ndim == 2:
        temp_air, wind_speed = temp_air[:, None], wind_speed[:, None]
    return pvlib.temperature.faiman(poa_global, temp_air, wind_speed, u0, u1)


def pv_ac_per_kwp(weather: pd.DataFrame, solpos: pd.DataFrame, tilt, azimuth, system: PVSystem | None = None) -> dict:
    """Hourly AC output of 1 kWdc on one or many planes (PVWatts v5 chain).

    Parameters
    ----------
    weather : pandas.DataFrame
        Hourly ``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s].
    solpos : pandas.DataFrame
        From :func:`solar_position`.
    tilt, azimuth : float or 1-D array
        Plane orientation(s) [°].
    system : PVSystem, optional
        PVWatts defaults (roof mount) when omitted.

    Returns
    -------
    dict of numpy.ndarray
        ``ac_w`` (AC power of 1 kWdc) [W], ``dc_w`` [W], ``poa_global`` [W/m²],
        ``temp_cell`` [°C]; shaped (hours,) or (hours, planes).
    """
    system = system or PVSystem()
    check_orientation(tilt, azimuth)
    scalar = np.ndim(tilt) == 0 and np.ndim(azimuth) == 0
    irr = plane_irradiance(weather, solpos, tilt, azimuth, system.albedo)
    iam = np.nan_to_num(pvlib.iam.physical(irr["aoi"]), nan=0.0)
    if scalar:
        irr = {k: v[:, 0] for k, v in irr.items()}
        iam = iam[:, 0]
    if system.temperature_model == "fuentes" and not scalar:
        raise InputError("the Fuentes temperature model runs one plane at a time",
                         fix="use PVSystem(temperature_model='faiman') for many planes")
    faiman_u = None
    if system.temperature_model == "faiman":
        faiman_u = (system.faiman_u0, system.faiman_u1)
        if None in faiman_u:
            faiman_u = fit_faiman(weather, solpos, system.mount, system.albedo)
    return pv_from_irradiance(irr, iam, weather, system, faiman_u, float(np.max(tilt)))


def pv_from_irradiance(irr: dict, iam, weather: pd.DataFrame, system: PVSystem, faiman_u=None,
                       tilt: float | None = None) -> dict:
    """The PVWatts chain after transposition: IAM on the beam, cell temperature, DC, inverter.

    Parameters
    ----------
    irr : dict of numpy.ndarray
        ``poa_global``, ``poa_direct``, ``poa_diffuse`` [W/m²], (hours,) or (hours, planes).
    iam : numpy.ndarray
        Incidence-angle modifier of the beam [-], shaped like ``irr``'s arrays.
    weather : pandas.DataFrame
        ``temp_air`` [°C], ``wind_speed`` [m/s].
    system : PVSystem
    faiman_u : (float, float), optional
        Faiman U0 [W/m²K], U1 [W/m³sK] (Faiman model).
    tilt : float, optional
        Plane tilt [°] (Fuentes model).

    Returns
    -------
    dict
        As :func:`pv_ac_per_kwp`.
    """
    effective = irr["poa_direct"] * iam + irr["poa_diffuse"]
    temp_cell = cell_temperature(irr["poa_global"], weather["temp_air"], weather["wind_speed"],
                                 tilt, system, weather.index, faiman_u)
    pdc0 = 1000.0  # W, 1 kWdc
    dc = pvlib.pvsystem.pvwatts_dc(effective, temp_cell, pdc0, system.gamma_pdc)
    dc = dc * (1 - system.losses_pct / 100)
    pac0 = pdc0 / system.dc_ac_ratio
    ac = pvlib.inverter.pvwatts(dc, pac0 / system.inverter_efficiency, eta_inv_nom=system.inverter_efficiency)
    ac = np.clip(np.nan_to_num(np.asarray(ac, dtype=float)), 0, None)
    return {"ac_w": ac, "dc_w": np.asarray(dc, dtype=float), "poa_global": irr["poa_global"], "temp_cell": temp_cell}


def annual_pv_yield(weather: pd.DataFrame, metadata: dict, tilt: float, azimuth: float,
                    system: PVSystem | None = None) -> dict:
    """Annual yield of 1 kWdc on one plane.

    Parameters
    ----------
    weather, metadata
        From :func:`analysis.ingest.weather.read_weather`.
    tilt, azimuth : float
        Plane orientation [°].
    system : PVSystem, optional
        Defaults to PVWatts v5 roof mount with the Fuentes temperature model.

    Returns
    -------
    dict
        ``kwh_per_kwp`` [kWh/kWp/yr], ``poa_kwh_per_m2`` [kWh/m²/yr] and ``monthly_kwh_per_kwp``
        (list of 12) [kWh/kWp].
    """
    system = system or PVSystem(temperature_model="fuentes")
    solpos = solar_position(weather, metadata)
    out = pv_ac_per_kwp(weather, solpos, float(tilt), float(azimuth), system)
    monthly = pd.Series(out["ac_w"], index=weather.index - pd.Timedelta(minutes=30)).resample("MS").sum() / 1000
    return {
        "kwh_per_kwp": float(out["ac_w"].sum() / 1000),
        "poa_kwh_per_m2": float(out["poa_global"].sum() / 1000),
        "monthly_kwh_per_kwp": [float(v) for v in monthly.to_numpy()],
    }


def yield_grid(weather: pd.DataFrame, metadata: dict, tilts=DEFAULT_TILTS, azimuths=DEFAULT_AZIMUTHS,
               system: PVSystem | None = None, chunk: int = 96, quality=None) -> pd.DataFrame:
    """Annual PV yield [kWh/kWp] and plane irradiance [kWh/m²] for every (tilt, azimuth) bin.

    Parameters
    ----------
    weather, metadata
        From :func:`analysis.ingest.weather.read_weather`.
    tilts, azimuths : 1-D array
        Bin centres [°]; azimuths wrap at 360.
    system : PVSystem, optional
        Defaults to roof mount with the vectorised Faiman cell temperature (fitted once).
    chunk : int
        Bins computed together (bounds memory at hours × chunk arrays).
    quality : analysis.quality.QualityLog, optional
        Passed to :func:`fit_faiman`.

    Returns
    -------
    pandas.DataFrame
        One row per bin: ``tilt_deg``, ``azimuth_deg``, ``pv_kwh_per_kwp``, ``poa_kwh_per_m2``.
    """
    system = system or PVSystem()
    solpos = solar_position(weather, metadata)
    if system.temperature_model == "faiman" and None in (system.faiman_u0, system.faiman_u1):
        u0, u1 = fit_faiman(weather, solpos, system.mount, system.albedo, quality)
        system = dataclasses.replace(system, faiman_u0=u0, faiman_u1=u1)
    tt, aa = np.meshgrid(np.asarray(tilts, float), np.asarray(azimuths, float), indexing="ij")
    tt, aa = tt.ravel(), aa.ravel()
    pv = np.empty(tt.size)
    poa = np.empty(tt.size)
    for start in range(0, tt.size, chunk):
        sl = slice(start, start + chunk)
        out = pv_ac_per_kwp(weather, solpos, tt[sl], aa[sl], system)
        pv[sl] = out["ac_w"].sum(axis=0) / 1000
        poa[sl] = out["poa_global"].sum(axis=0) / 1000
    return pd.DataFrame({"tilt_deg": tt, "azimuth_deg": aa, "pv_kwh_per_kwp": pv, "poa_kwh_per_m2": poa})


def grid_table(grid: pd.DataFrame, column: str) -> np.ndarray:
    """One yield-grid column as a (tilts, azimuths) table, rows and columns in ascending order."""
    tilts = np.unique(grid["tilt_deg"].to_numpy())
    azimuths = np.unique(grid["azimuth_deg"].to_numpy())
    return grid.pivot(index="tilt_deg", columns="azimuth_deg", values=column).loc[tilts, azimuths].to_numpy()


@dataclass(frozen=True)
class GridLookup:
    """Where many planes fall in a regular (tilt, azimuth) grid: lower cell and weights.

    Made once per set of planes (:func:`grid_lookup`) and applied to as many grid columns as
    needed (:meth:`__call__`), so the search and the weights are not repeated per column.
    """

    i: np.ndarray  # lower tilt node
    j: np.ndarray  # lower azimuth node (the first node repeats at +360°)
    ft: np.ndarray  # weight of the upper tilt node [-]
    fa: np.ndarray  # weight of the upper azimuth node [-]

    def __call__(self, table: np.ndarray) -> np.ndarray:
        """Bilinear interpolation of a (tilts, azimuths) table (:func:`grid_table`) at the planes."""
        # Azimuth axis periodic: the first column again at +360°.
        table = np.concatenate([table, table[:, :1]], axis=1)
        i, j, ft, fa = self.i, self.j, self.ft, self.fa
        return ((1 - ft) * (1 - fa) * table[i, j] + ft * (1 - fa) * table[i + 1, j]
                + (1 - ft) * fa * table[i, j + 1] + ft * fa * table[i + 1, j + 1])


def grid_lookup(tilts, azimuths, tilt, azimuth) -> GridLookup:
    """Cells and weights of plane orientations in a regular grid (tilt clamped, azimuth periodic).

    Parameters
    ----------
    tilts, azimuths : 1-D array
        The grid's ascending nodes [°].
    tilt, azimuth : array-like
        Plane orientations [°]; azimuth wraps around 360.
    """
    tilts = np.asarray(tilts, dtype=float)
    azimuths = np.asarray(azimuths, dtype=float)
    tilt = np.clip(np.asarray(tilt, dtype=float), tilts[0], tilts[-1])
    azimuth = np.mod(np.asarray(azimuth, dtype=float), 360.0)
    az_nodes = np.append(azimuths, azimuths[0] + 360.0)
    i = np.clip(np.searchsorted(tilts, tilt, side="right") - 1, 0, len(tilts) - 2)
    j = np.clip(np.searchsorted(az_nodes, azimuth, side="right") - 1, 0, len(az_nodes) - 2)
    ft = (tilt - tilts[i]) / (tilts[i + 1] - tilts[i])
    fa = (azimuth - az_nodes[j]) / (az_nodes[j + 1] - az_nodes[j])
    return GridLookup(i, j, ft, fa)


def interpolate_grid(grid: pd.DataFrame, column: str, tilt, azimuth, lookup: GridLookup | None = None) -> np.ndarray:
    """Bilinear interpolation of a yield-grid column at many plane orientations.

    Parameters
    ----------
    grid : pandas.DataFrame
        From :func:`yield_grid` (regular in tilt and azimuth).
    column : str
        Column to interpolate, e.g. ``"pv_kwh_per_kwp"``.
    tilt, azimuth : array-like
        Plane orientations [°]; azimuth wraps around 360.
    lookup : GridLookup, optional
        :func:`grid_lookup` of these planes in this grid, if already made (saves the search).

    Returns
    -------
    numpy.ndarray
        Interpolated values, one per plane, in the column's unit.
    """
    if lookup is None:
        lookup = grid_lookup(np.unique(grid["tilt_deg"].to_numpy()), np.unique(grid["azimuth_deg"].to_numpy()),
                             tilt, azimuth)
    return lookup(grid_table(grid, column))


#: Tilts of the rack-mount grid (flat roofs carry racks tilted 10-15°).
RACK_TILTS = np.arange(0, 26, 5, dtype=float)


def system_from_assumptions(assumptions, mount: str = "roof", level: str = "central") -> PVSystem:
    """A :class:`PVSystem` with the place's ``pv`` assumptions (losses, albedo) for one mount.

    Parameters
    ----------
    assumptions : analysis.config.Assumptions
        Packaged assumptions with the place's overrides applied.
    mount : str
        ``"roof"`` (flush on pitched roofs) or ``"rack"`` (flat roofs).
    level : str
        Assumption level (``central`` for the grid; ranges scale yields afterwards).
    """
    pv = assumptions.groups.get("pv", {})
    losses = assumptions.get("pv", "losses_pct", level) if "losses_pct" in pv else PVWATTS_LOSSES_PCT
    albedo = assumptions.get("pv", "albedo", level) if "albedo" in pv else 0.2
    return PVSystem(mount=mount, losses_pct=losses, albedo=albedo)


def place_yield_grid(weather: pd.DataFrame, metadata: dict, assumptions, tilts=DEFAULT_TILTS,
                     azimuths=DEFAULT_AZIMUTHS, quality=None) -> pd.DataFrame:
    """The place's PV yield grid with its own ``pv`` assumptions, roof and rack mount.

    Place overrides of ``pv.losses_pct`` and ``pv.albedo`` reach the grid here. Pitched planes
    use the roof-mount columns; flat roofs' racks use ``pv_rack_kwh_per_kwp`` (open rack runs
    cooler), computed for tilts up to 25° (NaN above, where no rack is).

    Returns
    -------
    pandas.DataFrame
        :func:`yield_grid` columns plus ``pv_rack_kwh_per_kwp`` [kWh/kWp/yr]; ``attrs`` holds
        ``losses_pct`` and ``albedo`` used.
    """
    roof = system_from_assumptions(assumptions, "roof")
    grid = yield_grid(weather, metadata, tilts, azimuths, roof, quality=quality)
    rack_tilts = np.asarray(tilts, dtype=float)[np.asarray(tilts, dtype=float) <= RACK_TILTS.max()]
    rack = yield_grid(weather, metadata, rack_tilts, azimuths, system_from_assumptions(assumptions, "rack"),
                      quality=quality)
    grid = grid.merge(rack[["tilt_deg", "azimuth_deg", "pv_kwh_per_kwp"]].rename(
        columns={"pv_kwh_per_kwp": "pv_rack_kwh_per_kwp"}), on=["tilt_deg", "azimuth_deg"], how="left")
    grid.attrs.update(losses_pct=roof.losses_pct, albedo=roof.albedo)
    return grid
