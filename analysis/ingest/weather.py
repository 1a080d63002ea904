"""Typical-year weather readers: EPW, TMY3, PVGIS TMY (csv/json/epw) and PVWatts 8760 exports.

Every reader returns ``(data, metadata)`` like :mod:`pvlib.iotools`:

* ``data`` — hourly :class:`pandas.DataFrame` with columns ``ghi``, ``dni``, ``dhi`` [W/m²],
  ``temp_air`` [°C], ``wind_speed`` [m/s]; index = timestamps at the **end** of each hourly
  interval, re-indexed onto one calendar year so the index is monotonic (a typical year mixes
  months from different years, and pvlib's Fuentes temperature model needs a monotonic index).
* ``metadata`` — dict with ``latitude``, ``longitude`` [°], ``altitude`` [m], ``tz`` (pvlib
  fixed-offset name), ``name`` and ``source`` (the format).

Checked by meaning, each failure a one-line :class:`analysis.errors.InputError`:

* the file itself: FIFOs, devices, folders and files above :data:`MAX_WEATHER_BYTES` are refused
  before anything is opened, and every read is bounded;
* the hours: 8,760 rows (or 8,784 with 29 February, which is dropped), in order — each row's
  own month, day and hour must be the next hour of the year (rows in shuffled order are refused,
  never relabelled); PVGIS rows must come from the years PVGIS reports in ``months_selected``;
* the header: latitude in −90…90, longitude in −180…180 (and, with :func:`check_weather_place`,
  close to the place);
* units: irradiance in W/m² (not kWh/m²), temperature in °C (not tenths or Kelvin);
* night-time zeros: sunlight while the sun is well below the horizon means shifted time stamps
  or a wrong location; and closure: DNI·cos(zenith) + DHI must add up to GHI over the daylight
  hours (swapped columns or mixed units fail it).

Gaps filled with a default (missing wind speed) are recorded in a
:class:`analysis.quality.QualityLog` when one is passed, never silently.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

from analysis.errors import InputError
from analysis.ingest.checks import check_input_file

WEATHER_COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
FORMATS = ("epw", "tmy3", "pvgis", "pvwatts")
#: Non-leap reference year the typical year is re-indexed onto.
REFERENCE_YEAR = 2019
#: Largest weather file read [bytes] (an hourly year is 1–4 MB in any of the formats).
MAX_WEATHER_BYTES = 64 << 20
#: Wind speed used where a file has none [m/s] (recorded as a default in the quality log).
DEFAULT_WIND_SPEED = 1.0
#: Sun at least this far below the horizon counts as night [degrees of zenith].
NIGHT_ZENITH_DEG = 96.0
#: Largest share of sunlit hours (GHI > 20 W/m²) allowed at night before the file is refused.
MAX_NIGHT_SUN_SHARE = 0.02
#: Weather station farther than this from the place is refused [km]; beyond ``WARN_KM`` it is logged.
MAX_DISTANCE_KM, WARN_DISTANCE_KM = 300.0, 100.0
#: Largest relative error of the closure DNI·cos(z) + DHI = GHI summed over daylight hours.
CLOSURE_TOLERANCE = 0.05
_CUM_DAYS = np.concatenate([[0], np.cumsum([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])])


def detect_format(path) -> str:
    """Guess the weather file format from its name and first bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Weather file.

    Returns
    -------
    str
        One of ``"epw"``, ``"tmy3"``, ``"pvgis"``, ``"pvwatts"``.
    """
    path = Path(path)
    head = _head(path)
    suffix = path.suffix.lower()
    first = head.splitlines()[0] if head else ""
    if first.startswith("LOCATION,") or suffix == ".epw":
        return "epw"
    if first.startswith("PVWatts"):
        return "pvwatts"
    if suffix == ".json" or first.lstrip().startswith("{") or first.startswith("Latitude (decimal degrees)"):
        return "pvgis"
    if "PVGIS" in head[:2000] or "T2m" in head[:4000]:
        return "pvgis"
    parts = first.split(",")
    if len(parts) >= 7 and parts[0].strip().isdigit():
        return "tmy3"
    raise InputError(
        "cannot tell the weather format (not EPW, TMY3, PVGIS TMY or PVWatts 8760)",
        path=path,
        record="line 1",
        fix="pass --format epw|tmy3|pvgis|pvwatts, or use a weather file in one of these formats",
    )


def _head(path: Path, size: int = 8192) -> str:
    check_input_file(path, "weather file", MAX_WEATHER_BYTES, missing_fix="check the path")
    with open(path, "rb") as handle:  # bounded: never more than `size` bytes
        raw = handle.read(size)
    if not raw.strip():
        raise InputError("file is empty", path=path, fix="download the weather file again")
    return raw.decode("utf-8", errors="replace")


def read_weather(path, fmt: str | None = None, log=None):
    """Read a typical-year weather file into pvlib's vocabulary.

    Parameters
    ----------
    path : str or os.PathLike
        EPW, TMY3 CSV, PVGIS TMY (csv, json or epw) or PVWatts hourly export.
    fmt : str, optional
        Force the format (``epw``, ``tmy3``, ``pvgis``, ``pvwatts``); detected when omitted.
    log : analysis.quality.QualityLog, optional
        Receives the defaults used (e.g. missing wind speed) and dropped 29 February hours.

    Returns
    -------
    data : pandas.DataFrame
        Hourly ``ghi``, ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C], ``wind_speed`` [m/s],
        indexed by the end of each interval on year :data:`REFERENCE_YEAR`.
    metadata : dict
        ``latitude``, ``longitude`` [°], ``altitude`` [m], ``tz``, ``name``, ``source``.

    Raises
    ------
    analysis.errors.InputError
        Missing, empty, truncated or malformed file, or values in the wrong units.
    """
    path = Path(path)
    _head(path)  # refuses special, empty and oversized files before any parser opens them
    fmt = (fmt or detect_format(path)).lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown weather format {fmt!r}", fix=f"use one of {', '.join(FORMATS)}")
    readers = {"epw": _read_epw, "tmy3": _read_tmy3, "pvgis": _read_pvgis, "pvwatts": read_pvwatts_8760}
    try:
        data, meta = readers[fmt](path)
    except InputError:
        raise
    except Exception as exc:  # parser errors from pvlib/pandas: say which file and what to do
        raise InputError(
            f"could not be read as {fmt.upper()} ({type(exc).__name__}: {str(exc)[:120]})",
            path=path,
            fix="check the file is complete and in the stated format (or pass --format)",
        ) from exc
    check_location(meta, path)
    data = check_weather(data, path, log)
    check_night(data, meta, path)
    if log is not None and meta.get("altitude_defaulted"):
        log.default("weather", "altitude", 1, "0 m", note="the file states no elevation (solar position barely depends on it)")
    if log is not None and meta.get("feb29_dropped"):
        log.record("weather", "hours", records=8760 + meta["feb29_dropped"], dropped=meta["feb29_dropped"],
                   note="29 February removed to fit the non-leap reference year")
    meta["source"] = fmt
    return data, meta


def _slots(month, day, hour0) -> np.ndarray:
    """Hour of a non-leap year (0 … 8759) from month, day and start-of-interval hour (−1 if invalid)."""
    month, day, hour0 = (np.asarray(v, dtype=float) for v in (month, day, hour0))
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (hour0 >= 0) & (hour0 <= 23)
    m = np.clip(month, 1, 12).astype(int)
    ok &= day <= np.diff(_CUM_DAYS)[m - 1]
    slot = (_CUM_DAYS[m - 1] + day - 1) * 24 + hour0
    return np.where(ok, slot, -1).astype(int)


def _to_reference_year(data: pd.DataFrame, path, month, day, hour0, first_line: int = 1) -> pd.DataFrame:
    """Put a typical year onto one calendar year (end-of-interval labels), checking its hours.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows in file order.
    month, day, hour0 : array-like
        Each row's own month, day and start-of-interval hour (0–23), as the file states them.
    first_line : int
        File line of the first data row (for messages).
    """
    month, day, hour0 = (np.asarray(v) for v in (month, day, hour0))
    n = len(data)
    if n not in (8760, 8784):
        raise InputError(f"has {n} hourly rows, expected 8760 (or 8784 in a leap year)", path=path,
                         fix="use a complete hourly typical-year file")
    feb29 = (month == 2) & (day == 29)
    if feb29.any():
        keep = ~feb29
        data, month, day, hour0 = data[keep], month[keep], day[keep], hour0[keep]
        lines = np.flatnonzero(keep) + first_line
    else:
        lines = np.arange(n) + first_line
    if len(data) != 8760:
        raise InputError(f"has {len(data)} hourly rows after removing 29 February, expected 8760", path=path,
                         fix="use a complete hourly typical-year file")
    slots = _slots(month, day, hour0)
    wrong = np.flatnonzero(slots != np.arange(8760))
    if wrong.size:
        i = int(wrong[0])
        def hour_text(slot: int) -> str:
            start = pd.Timestamp(REFERENCE_YEAR, 1, 1) + pd.Timedelta(hours=slot)
            return f"{start:%d %b %H}:00–{start + pd.Timedelta(hours=1):%H}:00"

        found = "an invalid date" if slots[i] < 0 else hour_text(int(slots[i]))
        problem = ("rows are not in time order" if len(np.unique(slots)) == 8760 and slots.min() >= 0
                   else "hours are missing or repeated")
        raise InputError(f"{problem}: expected the hour {hour_text(i)} but found {found}", path=path,
                         record=f"line {int(lines[i])}",
                         fix="use the file as downloaded (rows sorted by month, day and hour, each hour once)")
    tz = getattr(data.index, "tz", None)
    index = pd.date_range(f"{REFERENCE_YEAR}-01-01 01:00", periods=8760, freq="h", tz=tz)
    out = data.copy()
    out.index = index
    out.attrs["feb29_dropped"] = int(feb29.sum())
    return out


def _read_epw(path: Path):
    raw, meta = pvlib.iotools.read_epw(path)
    data = raw[WEATHER_COLUMNS].astype(float)
    # EPW hour h (1–24) is the interval (h−1):00–h:00; the rows keep that order and are relabelled
    # onto the reference year with end-of-interval stamps (the first hour → 01:00).
    data = _to_reference_year(data, path, raw["month"], raw["day"], raw["hour"].to_numpy() - 1, first_line=9)
    return data, {
        "latitude": float(meta["latitude"]),
        "longitude": float(meta["longitude"]),
        "altitude": float(meta["altitude"]),
        "tz": data.index.tz.zone if hasattr(data.index.tz, "zone") else str(data.index.tz),
        "name": str(meta.get("city", path.stem)),
        "feb29_dropped": data.attrs["feb29_dropped"],
    }


def _read_tmy3(path: Path):
    raw, meta = pvlib.iotools.read_tmy3(path, coerce_year=REFERENCE_YEAR, map_variables=True)
    data = raw[WEATHER_COLUMNS].astype(float)
    date = pd.to_datetime(raw["Date (MM/DD/YYYY)"], format="%m/%d/%Y", errors="coerce")
    hour = pd.to_numeric(raw["Time (HH:MM)"].astype(str).str.split(":").str[0], errors="coerce")
    # TMY3 stamps the end of each hour (01:00 … 24:00): start-of-interval hour = stamp − 1.
    data = _to_reference_year(data, path, date.dt.month, date.dt.day, hour - 1, first_line=3)
    return data, {
        "latitude": float(meta["latitude"]),
        "longitude": float(meta["longitude"]),
        "altitude": float(meta["altitude"]),
        "tz": str(data.index.tz),
        "name": str(meta.get("Name", path.stem)),
        "feb29_dropped": data.attrs["feb29_dropped"],
    }


def _read_pvgis(path: Path):
    suffix = path.suffix.lower()
    if suffix == ".epw" or _head(path).startswith("LOCATION,"):
        return _read_epw(path)
    fmt = "json" if suffix == ".json" or _head(path).lstrip().startswith("{") else "csv"
    result = pvlib.iotools.read_pvgis_tmy(path, pvgis_format=fmt, map_variables=True)
    raw, meta = result[0], result[-1]
    data = raw[WEATHER_COLUMNS].astype(float)
    stamps = raw.index  # UTC, start of each hour, each month from its own year
    selected = {int(m["month"]): int(m["year"]) for m in meta.get("months_selected", []) or []}
    if selected:
        # The months PVGIS selected give each month's year: rows must come from exactly those
        # (never sort by the real time stamps: that would put the months in the order of their years).
        wrong = np.flatnonzero(stamps.year.to_numpy() != pd.Series(stamps.month).map(selected).to_numpy())
        if wrong.size:
            i = int(wrong[0])
            raise InputError(f"row {i + 1} is from {stamps[i]:%Y-%m}, but PVGIS selected {selected.get(stamps[i].month)} "
                             f"for month {stamps[i].month}", path=path, record=f"row {i + 1}",
                             fix="download the TMY from PVGIS again (rows and months_selected disagree)")
    data = _to_reference_year(data, path, stamps.month, stamps.day, stamps.hour, first_line=1)
    loc = meta.get("location", meta.get("inputs", {}).get("location", {})) if isinstance(meta, dict) else {}
    return data, {
        "latitude": float(loc.get("latitude", meta.get("latitude", np.nan))),
        "longitude": float(loc.get("longitude", meta.get("longitude", np.nan))),
        "altitude": float(loc.get("elevation", meta.get("elevation", 0.0))),
        "altitude_defaulted": loc.get("elevation", meta.get("elevation")) is None,
        "tz": "UTC",
        "name": path.stem,
        "months_selected": selected,
        "feb29_dropped": data.attrs["feb29_dropped"],
    }


def read_pvwatts_8760(path):
    """Read an NREL PVWatts hourly export (its own weather and its own results).

    Parameters
    ----------
    path : str or os.PathLike
        PVWatts "Hourly PV Performance Data" CSV (17 header lines, 8760 rows, a Totals row).

    Returns
    -------
    data : pandas.DataFrame
        ``ghi`` [W/m²] (from beam and diffuse), ``dni``, ``dhi`` [W/m²], ``temp_air`` [°C],
        ``wind_speed`` [m/s], and PVWatts' own ``poa_pvwatts`` [W/m²], ``temp_cell_pvwatts``
        [°C], ``dc_w``, ``ac_w`` [W]; index at the end of each hour, local standard time.
    metadata : dict
        ``latitude``, ``longitude``, ``altitude``, ``tz``, system size ``dc_kw`` and the
        array settings read from the header (``tilt``, ``azimuth``, ``losses_pct``, ...).
    """
    path = Path(path)
    check_input_file(path, "PVWatts export", MAX_WEATHER_BYTES)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    header = {}
    for line in lines[:17]:
        key, _, rest = line.partition(",")
        header[key.strip().rstrip(":")] = rest.split(",")[0].strip().strip('"')
    table = pd.read_csv(path, skiprows=17)
    table = table[pd.to_numeric(table["Month"], errors="coerce").notna()].astype(float)
    if len(table) != 8760:
        raise InputError(f"has {len(table)} hourly rows, expected 8760", path=path, fix="export all hours from PVWatts")
    # PVWatts stamps the start of each hour (0–23); only the order is checked here, the index is built below.
    _to_reference_year(table, path, table["Month"], table["Day"], table["Hour"], first_line=19)
    lat = float(header["Lat (deg N)"])
    lon = -float(header["Long (deg W)"])
    tz = f"Etc/GMT{int(-round(lon / 15)):+d}"  # local standard time, as PVWatts uses
    start = pd.Timestamp(f"{REFERENCE_YEAR}-01-01 01:00", tz=tz)
    index = pd.date_range(start, periods=8760, freq="h")
    cols = table.columns
    data = pd.DataFrame(
        {
            "dni": table[cols[3]].to_numpy(),
            "dhi": table[cols[4]].to_numpy(),
            "temp_air": table[cols[5]].to_numpy(),
            "wind_speed": table[cols[6]].to_numpy(),
            "poa_pvwatts": table[cols[7]].to_numpy(),
            "temp_cell_pvwatts": table[cols[8]].to_numpy(),
            "dc_w": table[cols[9]].to_numpy(),
            "ac_w": table[cols[10]].to_numpy(),
        },
        index=index,
    )
    # GHI is not exported; rebuild it from beam and diffuse at mid-hour sun position.
    solpos = pvlib.solarposition.get_solarposition(index - pd.Timedelta(minutes=30), lat, lon,
                                                   altitude=float(header["Elev (m)"]))
    cosz = np.cos(np.radians(solpos["zenith"].to_numpy())).clip(min=0)
    data.insert(0, "ghi", data["dni"].to_numpy() * cosz + data["dhi"].to_numpy())
    meta = {
        "latitude": lat,
        "longitude": lon,
        "altitude": float(header["Elev (m)"]),
        "tz": tz,
        "name": header.get("Location", path.stem),
        "dc_kw": float(header["DC System Size (kW)"]),
        "tilt": float(header["Array Tilt (deg)"]),
        "azimuth": float(header["Array Azimuth (deg)"]),
        "losses_pct": float(header["System Losses"]),
        "inverter_efficiency_pct": float(header["Invert Efficiency"]),
        "dc_ac_ratio": float(header["DC to AC Size Ratio"]),
        "array_type": header["Array Type"],
    }
    return data, meta


def check_weather(data: pd.DataFrame, path=None, log=None) -> pd.DataFrame:
    """Check weather columns are present, numeric and in the expected units.

    Parameters
    ----------
    data : pandas.DataFrame
        Weather with :data:`WEATHER_COLUMNS`.
    path : str, optional
        File name used in error messages.
    log : analysis.quality.QualityLog, optional
        Receives the hours whose wind speed was missing and set to :data:`DEFAULT_WIND_SPEED`.

    Returns
    -------
    pandas.DataFrame
        The same data; missing wind speeds set to :data:`DEFAULT_WIND_SPEED` [m/s] (logged),
        irradiance clipped at 0 W/m².
    """
    missing = [c for c in WEATHER_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(f"missing weather columns {missing}", path=path, fix="supply GHI, DNI, DHI, air temperature and wind speed")
    for col in ("ghi", "dni", "dhi", "temp_air"):
        values = pd.to_numeric(data[col], errors="coerce")
        bad = values.isna() | ~np.isfinite(values.astype(float))
        if bad.any():
            when = data.index[bad.to_numpy().argmax()]
            raise InputError(f"column {col} has {int(bad.sum())} missing or non-numeric values (first at {when})",
                             path=path, fix="fill the gaps or use a complete typical-year file")
    data = data.copy()
    data[["ghi", "dni", "dhi", "temp_air"]] = data[["ghi", "dni", "dhi", "temp_air"]].astype(float)
    ghi_max = data["ghi"].max()
    if ghi_max < 5:
        raise InputError(f"GHI peaks at {ghi_max:.3g}; looks like kWh/m² rather than W/m²", path=path,
                         fix="convert irradiance to W/m² (multiply hourly kWh/m² by 1000)")
    if ghi_max > 1500 or data["dni"].max() > 1400:
        raise InputError(f"irradiance peaks at {max(ghi_max, data['dni'].max()):.0f} W/m², above the physical limit",
                         path=path, fix="irradiance must be in W/m² (not Wh/m² summed over a day, not J/cm²)")
    if (data[["ghi", "dni", "dhi"]] < -5).any().any():
        raise InputError("negative irradiance values", path=path, fix="irradiance must be ≥ 0 W/m²")
    t_min, t_max = data["temp_air"].min(), data["temp_air"].max()
    if t_max > 65 or t_min < -70:
        raise InputError(f"air temperature ranges {t_min:.0f}…{t_max:.0f}; looks like tenths of a degree or Kelvin",
                         path=path, fix="air temperature must be in °C")
    wind = pd.to_numeric(data["wind_speed"], errors="coerce").astype(float)
    wind[~np.isfinite(wind) | (wind < 0) | (wind > 100)] = np.nan  # EPW writes 999 for "missing"
    gaps = int(wind.isna().sum())
    if gaps and log is not None:
        log.default("weather", "wind_speed", gaps, f"{DEFAULT_WIND_SPEED:g} m/s",
                    note="hours without a valid wind speed (cell temperature uses it)")
    data["wind_speed"] = wind.fillna(DEFAULT_WIND_SPEED)
    data[["ghi", "dni", "dhi"]] = data[["ghi", "dni", "dhi"]].clip(lower=0)
    return data


def check_location(meta: dict, path=None) -> None:
    """The header's latitude and longitude must be real coordinates."""
    lat, lon = meta.get("latitude"), meta.get("longitude")
    if lat is None or not np.isfinite(lat) or not -90 <= lat <= 90:
        raise InputError(f"latitude {lat} is outside −90…90", path=path, record="header",
                         fix="fix the LOCATION line (decimal degrees, north positive) or download the file again")
    if lon is None or not np.isfinite(lon) or not -180 <= lon <= 180:
        raise InputError(f"longitude {lon} is outside −180…180", path=path, record="header",
                         fix="fix the LOCATION line (decimal degrees, east positive) or download the file again")


def check_night(data: pd.DataFrame, meta: dict, path=None) -> None:
    """Refuse sunlight at night and irradiance components that do not add up.

    * Sunlit hours (GHI > 20 W/m²) whose mid-hour sun is more than 6° below the horizon:
      more than :data:`MAX_NIGHT_SUN_SHARE` of sunlit hours means shifted time stamps (time
      zone) or a wrong location.
    * Closure over daylight hours: DNI·cos(zenith) + DHI must equal GHI within
      :data:`CLOSURE_TOLERANCE` (real typical years close within 0.3 %), and DHI may not exceed
      GHI in more than 1 % of daylight hours — otherwise columns are swapped or in mixed units.
    """
    sunlit = data["ghi"].to_numpy() > 20
    if not sunlit.any():
        raise InputError("no hour has sunlight (GHI > 20 W/m²)", path=path, fix="check the irradiance columns")
    zenith = pvlib.solarposition.get_solarposition(data.index - pd.Timedelta(minutes=30), meta["latitude"],
                                                   meta["longitude"])["zenith"].to_numpy()
    night_sun = sunlit & (zenith > NIGHT_ZENITH_DEG)
    share = night_sun.sum() / sunlit.sum()
    if share > MAX_NIGHT_SUN_SHARE:
        first = data.index[int(np.argmax(night_sun))]
        raise InputError(f"{share:.0%} of sunlit hours fall at night at lat {meta['latitude']:g}, lon "
                         f"{meta['longitude']:g} (first {first:%d %b %H:00})", path=path,
                         fix="check the time zone and the location in the header, and that rows are in time order")
    day = (zenith < 85) & (data["ghi"].to_numpy() > 50)
    if day.sum() > 100:
        ghi, dni, dhi = (data[c].to_numpy()[day] for c in ("ghi", "dni", "dhi"))
        closure = (dni * np.cos(np.radians(zenith[day])) + dhi).sum() / ghi.sum()
        diffuse_above = np.mean(dhi > 1.1 * ghi + 10)
        if abs(closure - 1) > CLOSURE_TOLERANCE or diffuse_above > 0.01:
            raise InputError(f"GHI, DNI and DHI do not add up: DNI·cos(zenith) + DHI = {closure:.2f} × GHI over "
                             f"daylight hours, DHI > GHI in {diffuse_above:.0%} of them", path=path,
                             fix="check the irradiance columns are in the right order and all in W/m²")


def distance_km(lat1, lon1, lat2, lon2) -> float:
    """Great-circle distance [km] between two WGS84 points (haversine, R = 6371 km)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return float(2 * 6371.0 * np.arcsin(np.sqrt(a)))


def check_weather_place(meta: dict, latitude: float, longitude: float, path=None, log=None,
                        max_km: float = MAX_DISTANCE_KM) -> float:
    """The weather must describe the place: refuse a station farther than ``max_km``.

    Parameters
    ----------
    meta : dict
        Weather metadata (``latitude``, ``longitude`` [°]).
    latitude, longitude : float
        A point of the place (e.g. the centroid of its areas in WGS84). [°]
    log : analysis.quality.QualityLog, optional
        Records a station farther than :data:`WARN_DISTANCE_KM` (allowed, noted).

    Returns
    -------
    float
        Distance from the place to the weather location [km].
    """
    km = distance_km(latitude, longitude, meta["latitude"], meta["longitude"])
    if km > max_km:
        raise InputError(f"the weather is for lat {meta['latitude']:g}, lon {meta['longitude']:g}, {km:,.0f} km from "
                         f"the place (lat {latitude:.2f}, lon {longitude:.2f})", path=path, record="header",
                         fix=f"use a typical year within {max_km:.0f} km (PVGIS gives one for any point), or accept "
                             f"this one with `weather_max_km: {math.ceil(km / 50) * 50:.0f}` in the place config")
    if km > WARN_DISTANCE_KM and log is not None:
        accepted = f", accepted by weather_max_km: {max_km:g}" if km > MAX_DISTANCE_KM else ""
        log.record("weather", "location", records=1, note=f"weather location {km:,.0f} km from the place{accepted}")
    return km
