"""Parse free-text map tags ("12 m", "3;4", "c1890", "late 19th century") into numbers.

OpenStreetMap values are typed by hand. Each parser takes an array of raw values and returns
the parsed numbers with NaN where nothing usable was found, plus a status per record:

* ``missing``  — no value in the source;
* ``parsed``   — a plausible value was read;
* ``dropped``  — a value was present but could not be parsed or was implausible.

Nothing here raises on a bad value: bad values are dropped and counted by the caller
(:func:`analysis.ingest.buildings.normalise_buildings`), never fatal. The rules follow the OSM
wiki's conventions for ``height``, ``building:levels`` and ``start_date``:

* lengths default to metres; ``ft``/``'`` and ``"`` (feet and inches) are converted; several
  values (``"3;4"``, ``"3-4"``) give the largest (the tallest part sets the roof);
* years accept ``1890``, ``c1890``, ``~1890``, ``1890s`` (→ 1895), ``1890..1900`` and
  ``1890-1900`` (→ mid-point), ISO dates, ``C19``/``19th century`` (→ 1850) with ``early``,
  ``mid`` and ``late`` (→ 1815, 1850, 1885 for the 19th), and ``before 1900``/``pre-1900``
  (→ 1890).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

MISSING, PARSED, DROPPED = "missing", "parsed", "dropped"
FEET_M = 0.3048
INCH_M = 0.0254

_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_FEET_INCHES = re.compile(rf"^\s*({_NUMBER})\s*'\s*(?:({_NUMBER})\s*\"?)?\s*$")
_APPROX = r"(?:~|c\.?|ca\.?|circa|about|approx\.?|approximately|roughly|around)?"
_WITH_UNIT = re.compile(rf"^\s*{_APPROX}\s*({_NUMBER})\s*(m|metres?|meters?|ft|feet|foot)?\.?\s*$", re.IGNORECASE)


def _text(values) -> pd.Series:
    """Values as stripped strings; None, NaN and empty strings become None."""
    def clean(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        s = str(v).strip()
        return s or None

    return pd.Series([clean(v) for v in np.asarray(values, dtype=object).ravel()], dtype="object")


def _status(present: np.ndarray, ok: np.ndarray) -> np.ndarray:
    return np.where(~present, MISSING, np.where(ok, PARSED, DROPPED)).astype(object)


def _split_values(text: str) -> list[str]:
    # "3;4" (OSM multi-value) and "3-4"/"3 to 4" (ranges) — but keep a leading minus and exponents.
    parts = re.split(r"\s*;\s*|\s*,\s*|\s+to\s+|(?<=\d)\s*[-–]\s*(?=\d)", text)
    return [p for p in parts if p]


def _one_length(text: str) -> float:
    m = _FEET_INCHES.match(text)
    if m:
        return float(m.group(1)) * FEET_M + float(m.group(2) or 0) * INCH_M
    m = _WITH_UNIT.match(text)
    if not m:
        return np.nan
    value = float(m.group(1))
    unit = (m.group(2) or "m").lower()
    return value * FEET_M if unit.startswith(("ft", "fe", "fo")) else value


def parse_length_m(values, low: float = 2.0, high: float = 400.0) -> tuple[np.ndarray, np.ndarray]:
    """Heights and lengths in metres from tag text.

    Parameters
    ----------
    values : array-like
        Raw values (str, numbers or None), e.g. ``"12"``, ``"12 m"``, ``"40 ft"``, ``"1.2e2"``,
        ``"3;4"``.
    low, high : float
        Plausible range [m]; values outside are dropped.

    Returns
    -------
    values_m : numpy.ndarray
        Parsed lengths [m], NaN where missing or dropped.
    status : numpy.ndarray of str
        ``missing``, ``parsed`` or ``dropped`` per record.
    """
    text = _text(values)
    out = np.array([np.nan if t is None else max((_one_length(p) for p in _split_values(t)), default=np.nan)
                    for t in text], dtype=float)
    ok = np.isfinite(out) & (out >= low) & (out <= high)
    out[~ok] = np.nan
    return out, _status(text.notna().to_numpy(), ok)


def parse_count(values, low: float = 1.0, high: float = 200.0, allow_fraction: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Counts such as storeys or flats from tag text (``"4"``, ``"3.5"``, ``"3;4"`` → 4).

    Parameters
    ----------
    values : array-like
        Raw values.
    low, high : float
        Plausible range; values outside are dropped.
    allow_fraction : bool
        Keep halves such as ``3.5`` storeys (mansard and half-levels); when False,
        non-integers are dropped.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Parsed counts (NaN where missing or dropped) and the status per record.
    """
    text = _text(values)
    parsed = []
    for t in text:
        if t is None:
            parsed.append(np.nan)
            continue
        numbers = []
        for part in _split_values(t):
            m = re.fullmatch(rf"{_APPROX}\s*({_NUMBER})", part.strip(), re.IGNORECASE)
            numbers.append(float(m.group(1)) if m else np.nan)
        parsed.append(np.nan if not numbers or np.isnan(numbers).any() else max(numbers))
    out = np.asarray(parsed, dtype=float)
    ok = np.isfinite(out) & (out >= low) & (out <= high)
    if not allow_fraction:
        ok &= np.isclose(out, np.round(out))
    out[~ok] = np.nan
    return out, _status(text.notna().to_numpy(), ok)


_CENTURY_WORDS = {"early": 15, "mid": 50, "middle": 50, "late": 85}
_YEAR_RULES = [
    # (pattern, function of the match → year)
    (re.compile(r"^(\d{4})[-/]\d{1,2}(?:[-/]\d{1,2})?(?:t.*)?$"), lambda m: int(m.group(1))),  # ISO date
    (re.compile(r"^\d{1,2}[/.]\d{1,2}[/.](\d{4})$"), lambda m: int(m.group(1))),                 # 07/01/2013
    (re.compile(r"^(?:c\.?|ca\.?|circa|~|about|approx\.?|around|roughly)?\s*(\d{4})(?:\.0+)?$"), lambda m: int(m.group(1))),
    (re.compile(r"^(?:c\.?|ca\.?|circa|~)?\s*(\d{3})0s$"), lambda m: int(m.group(1)) * 10 + 5),  # 1930s
    (re.compile(r"^(\d{4})\s*(?:\.\.|-|–|to|/)\s*(\d{4})$"), lambda m: (int(m.group(1)) + int(m.group(2))) // 2),
    (re.compile(r"^(?:before|pre-?|<)\s*(\d{4})$"), lambda m: int(m.group(1)) - 10),
    (re.compile(r"^(?:after|post-?|>)\s*(\d{4})$"), lambda m: int(m.group(1)) + 10),
    (re.compile(r"^(early|mid|middle|late)?[\s-]*(\d{1,2})(?:st|nd|rd|th)?\s*(?:c\.?|century|cent\.?)$"),
     lambda m: (int(m.group(2)) - 1) * 100 + _CENTURY_WORDS.get(m.group(1) or "mid", 50)),
    (re.compile(r"^c(\d{1,2})$"), lambda m: (int(m.group(1)) - 1) * 100 + 50),                    # C19
]


def _one_year(text: str) -> float:
    t = re.sub(r"\s+", " ", text.strip().lower())
    for pattern, rule in _YEAR_RULES:
        m = pattern.match(t)
        if m:
            return float(rule(m))
    return np.nan


def parse_year(values, low: int = 1000, high: int = 2030) -> tuple[np.ndarray, np.ndarray]:
    """Construction year from ``start_date``-style text (see the module docstring).

    Parameters
    ----------
    values : array-like
        Raw values, e.g. ``"1890"``, ``"c1890"``, ``"1930s"``, ``"late 19th century"``.
    low, high : int
        Plausible years; others (a mapper's ``7``) are dropped.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Years (NaN where missing or dropped) and the status per record.
    """
    text = _text(values)
    out = np.array([np.nan if t is None else _mean_year(t) for t in text], dtype=float)
    ok = np.isfinite(out) & (out >= low) & (out <= high)
    out[~ok] = np.nan
    return out, _status(text.notna().to_numpy(), ok)


def _mean_year(text: str) -> float:
    parts = [p for p in re.split(r"\s*;\s*", text) if p]
    years = [_one_year(p) for p in parts]
    return float(np.mean(years)) if years and not np.isnan(years).any() else np.nan


def parse_keyword(values, known: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Lower-case keyword tags (e.g. ``roof:shape``); values outside ``known`` are dropped.

    Returns
    -------
    (numpy.ndarray of object, numpy.ndarray)
        The keyword or None, and the status per record.
    """
    text = _text(values)
    lowered = text.map(lambda t: None if t is None else t.lower().replace(" ", "_"))
    ok = lowered.isin(known).to_numpy()
    out = np.where(ok, lowered.to_numpy(dtype=object), None)
    return out, _status(text.notna().to_numpy(), ok)
