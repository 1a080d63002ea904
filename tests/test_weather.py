"""Weather readers: formats, reference year, unit checks, broken files."""

import pytest

from analysis.errors import InputError
from analysis.ingest.weather import check_weather, detect_format, read_weather
from conftest import DATA, ROOT

EPW = ROOT / "data" / "weather" / "GBR_London.Gatwick.037760_IWEC.epw"


def test_epw_reads_to_one_monotonic_year(london_weather):
    data, meta = london_weather
    assert len(data) == 8760 and data.index.is_monotonic_increasing
    assert data.index[0].hour == 1  # end-of-interval label for 00:00-01:00
    assert meta["latitude"] == pytest.approx(51.15) and meta["source"] == "epw"
    assert 900 < data["ghi"].sum() / 1000 < 1150  # London GHI kWh/m2/yr


def test_pvgis_epw_and_formats():
    data, meta = read_weather(DATA / "tmy_45.000_8.000_2005_2023.epw")
    assert len(data) == 8760 and meta["latitude"] == pytest.approx(45.0)
    assert detect_format(ROOT / "data" / "validation" / "pvwatts_8760_roofmount.csv") == "pvwatts"


def test_tmy3_from_pvlib_package():
    import pvlib
    from pathlib import Path
    path = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
    data, meta = read_weather(path)
    assert detect_format(path) == "tmy3"
    assert len(data) == 8760 and data.index.is_monotonic_increasing


@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"LOCATION,x\n" + b"garbage\n" * 5, "could not be read"),
    (b"hello world\n", "cannot tell the weather format"),
])
def test_broken_files(tmp_path, content, match):
    path = tmp_path / "bad.epw" if content.startswith(b"LOC") or not content else tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match):
        read_weather(path)


def test_truncated_epw(tmp_path):
    lines = EPW.read_text().splitlines()
    path = tmp_path / "short.epw"
    path.write_text("\n".join(lines[:8 + 4000]) + "\n")
    with pytest.raises(InputError, match="8760"):
        read_weather(path)


def test_units_are_checked(london_weather):
    data, _ = london_weather
    kwh = data.copy()
    kwh[["ghi", "dni", "dhi"]] /= 1000
    with pytest.raises(InputError, match="kWh/m²"):
        check_weather(kwh, "x.epw")
    tenths = data.copy()
    tenths["temp_air"] *= 10
    with pytest.raises(InputError, match="tenths"):
        check_weather(tenths, "x.epw")
    text = data.copy()
    text["ghi"] = text["ghi"].astype(object)
    text.iloc[5, text.columns.get_loc("ghi")] = "n/a"
    with pytest.raises(InputError, match="non-numeric"):
        check_weather(text, "x.epw")


def test_missing_file():
    with pytest.raises(InputError, match="not found"):
        read_weather("does/not/exist.epw")


def test_pvgis_json_with_mixed_years(tmp_path, london_weather):
    """A PVGIS TMY JSON (months from different years, UTC, start-of-hour stamps) reads onto one year."""
    import json
    data, _ = london_weather
    start = data.index - __import__("pandas").Timedelta(hours=1)
    years = {m: 2005 + m for m in range(1, 13)}  # each month from another year, as PVGIS does
    stamps = [f"{years[t.month]}{t.month:02d}{t.day:02d}:{t.hour:02d}00" for t in start]
    rows = [{"time(UTC)": s, "T2m": float(r.temp_air), "RH": 70.0, "G(h)": float(r.ghi), "Gb(n)": float(r.dni),
             "Gd(h)": float(r.dhi), "IR(h)": 300.0, "WS10m": float(r.wind_speed), "WD10m": 200.0, "SP": 101000.0}
            for s, r in zip(stamps, data.itertuples())]
    doc = {"inputs": {"location": {"latitude": 51.15, "longitude": -0.18, "elevation": 62.0}},
           "outputs": {"months_selected": [{"month": m, "year": y} for m, y in years.items()], "tmy_hourly": rows},
           "meta": {"inputs": {}}}
    path = tmp_path / "tmy_51.150_-0.180.json"
    path.write_text(json.dumps(doc))
    assert detect_format(path) == "pvgis"
    out, meta = read_weather(path)
    assert len(out) == 8760 and out.index.is_monotonic_increasing and meta["latitude"] == pytest.approx(51.15)
    assert out["ghi"].sum() == pytest.approx(data["ghi"].sum())
