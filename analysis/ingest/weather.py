"""Typical-year weather readers: EPW, TMY3, PVGIS TMY (csv/json/epw) and PVWatts 8760 exports.

Every reader returns ``(data, metadata)`` like :mod:`pvlib.iotools`:

* ``data`` — hourly :class:`pandas.DataFrame` with columns ``ghi``, ``dni``, ``dhi`` [W/m²],
  ``temp_air`` [°C], ``wind_speed`` [m/s]; index = timestamps at the **end** of each hourly
  interval, re-indexed onto one calendar year so the index is monotonic (a typical year mixes
  months from different years, and pvlib's Fuentes temperature model needs a monotonic index).
* ``metadata`` — dict with ``latitude``, ``longitude`` [°], ``altitude`` [m], ``tz`` (pvlib
  fixed-offset name), ``name`` and ``source`` (the format).

Units are checked: irradiance in kWh/m² or temperatures in tenths of a degree are refused with
a one-line :class:`analysis.errors.InputError`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

from analysis.errors import InputError

WEATHER_COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
FORMATS = ("epw", "tmy3", "pvgis", "pvwatts")
#: Non-leap reference year the typical year is re-indexed onto.
REFERENCE_YEAR = 2019


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
    if not path.exists():
        raise InputError("file not found", path=path, fix="check the path")
    if path.is_dir():
        raise InputError("is a folder, not a weather file", path=path, fix="name the file itself")
    raw = path.read_bytes()[:size]
    if not raw.strip():
        raise InputError("file is empty", path=path, fix="download the weather file again")
    return raw.decode("utf-8", errors="replace")


def read_weather(path, fmt: str | None = None):
    """Read a typical-year weather file into pvlib's vocabulary.

    Parameters
    ----------
    path : str or os.PathLike
        EPW, TMY3 CSV, PVGIS TMY (csv, json or epw) or PVWatts hourly export.
    fmt : str, optional
        Force the format (``epw``, ``tmy3``, ``pvgis``, ``pvwatts``); detected when omitted.

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
    fmt = (fmt or detect_format(path)).lower()
    if fmt not in FORMATS:
        raise InputError(f"unknown weather format {fmt!r}", fix=f"use one of {', '.join(FORMATS)}")
    _head(path)
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
    data = check_weather(data, path)
    meta["source"] = fmt
    return data, meta


def _to_reference_year(data: pd.DataFrame, path) -> pd.DataFrame:
    """Put a typical year onto one calendar year (end-of-interval labels), 8760 rows."""
    if len(data) < 8760:
        raise InputError(
            f"has {len(data)} hourly rows, expected 8760 (a full typical year)",
            path=path,
            fix="use a complete hourly typical-year file",
        )
    data = data.iloc[:8760] if len(data) == 8760 else _drop_feb29(data)
    tz = data.index.tz
    index = pd.date_range(f"{REFERENCE_YEAR}-01-01 01:00", periods=8760, freq="h", tz=tz)
    out = data.copy()
    out.index = index
    return out


def _drop_feb29(data: pd.DataFrame) -> pd.DataFrame:
    keep = ~((data.index.month == 2) & (data.index.day == 29))
    data = data[keep]
    if len(data) != 8760:
        raise InputError(f"has {len(data)} hourly rows after removing 29 February, expected 8760")
    return data


def _read_epw(path: Path):
    data, meta = pvlib.iotools.read_epw(path)
    data = data[WEATHER_COLUMNS].astype(float)
    # EPW hour 1 = 00:00–01:00; pvlib labels it 01:00 (end of interval) — keep that convention.
    data = _to_reference_year(data, path)
    return data, {
        "latitude": float(meta["latitude"]),
        "longitude": float(meta["longitude"]),
        "altitude": float(meta["altitude"]),
        "tz": data.index.tz.zone if hasattr(data.index.tz, "zone") else str(data.index.tz),
        "name": str(meta.get("city", path.stem)),
    }


def _read_tmy3(path: Path):
    data, meta = pvlib.iotools.read_tmy3(path, coerce_year=REFERENCE_YEAR, map_variables=True)
    data = data[WEATHER_COLUMNS].astype(float)
    # read_tmy3 labels hour 24 as 00:00 of 1 January (coerced); sort to a monotonic year.
    data = data.sort_index()
    data = _to_reference_year(data.iloc[np.r_[1:len(data), 0]] if data.index[0].hour == 0 else data, path)
    return data, {
        "latitude": float(meta["latitude"]),
        "longitude": float(meta["longitude"]),
        "altitude": float(meta["altitude"]),
        "tz": str(data.index.tz),
        "name": str(meta.get("Name", path.stem)),
    }


def _read_pvgis(path: Path):
    fmt = None
    suffix = path.suffix.lower()
    if suffix == ".epw" or _head(path).startswith("LOCATION,"):
        return _read_epw(path)
    fmt = "json" if suffix == ".json" else "csv"
    result = pvlib.iotools.read_pvgis_tmy(path, pvgis_format=fmt, map_variables=True)
    data, meta = result[0], result[-1]
    data = data[WEATHER_COLUMNS].astype(float)
    # PVGIS TMY is in UTC, stamped at the start of the hour: shift to end-of-interval labels.
    data.index = data.index + pd.Timedelta(hours=1)
    data = _to_reference_year(data.sort_index(), path)
    loc = meta.get("location", meta.get("inputs", {}).get("location", {})) if isinstance(meta, dict) else {}
    return data, {
        "latitude": float(loc.get("latitude", meta.get("latitude", np.nan))),
        "longitude": float(loc.get("longitude", meta.get("longitude", np.nan))),
        "altitude": float(loc.get("elevation", meta.get("elevation", 0.0))),
        "tz": "UTC",
        "name": path.stem,
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
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    header = {}
    for line in lines[:17]:
        key, _, rest = line.partition(",")
        header[key.strip().rstrip(":")] = rest.split(",")[0].strip().strip('"')
    table = pd.read_csv(path, skiprows=17)
    table = table[pd.to_numeric(table["Month"], errors="coerce").notna()].astype(float)
    if len(table) != 8760:
        raise InputError(f"has {len(table)} hourly rows, expected 8760", path=path, fix="export all hours from PVWatts")
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


def check_weather(data: pd.DataFrame, path=None) -> pd.DataFrame:
    """Check weather columns are present, numeric and in the expected units.

    Parameters
    ----------
    data : pandas.DataFrame
        Weather with :data:`WEATHER_COLUMNS`.
    path : str, optional
        File name used in error messages.

    Returns
    -------
    pandas.DataFrame
        The same data (gaps in wind speed filled with 1 m/s, documented default).
    """
    missing = [c for c in WEATHER_COLUMNS if c not in data.columns]
    if missing:
        raise InputError(f"missing weather columns {missing}", path=path, fix="supply GHI, DNI, DHI, air temperature and wind speed")
    for col in ("ghi", "dni", "dhi", "temp_air"):
        values = pd.to_numeric(data[col], errors="coerce")
        bad = values.isna()
        if bad.any():
            when = data.index[bad.to_numpy().argmax()]
            raise InputError(f"column {col} has {int(bad.sum())} missing or non-numeric values (first at {when})",
                             path=path, fix="fill the gaps or use a complete typical-year file")
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
    data = data.copy()
    data["wind_speed"] = pd.to_numeric(data["wind_speed"], errors="coerce").fillna(1.0)
    data[["ghi", "dni", "dhi"]] = data[["ghi", "dni", "dhi"]].clip(lower=0)
    return data

