"""Number formats for findings: signed currency with a true minus sign, ranges, counts, shares."""

from __future__ import annotations

import math

import pandas as pd

from analysis import currency



#: True minus sign (U+2212): "−£2", not the hyphen "-£2" or "£-2".
MINUS = "\u2212"
#: Non-breaking space between a number and its unit ("35 %", "350 GWh").
NBSP = "\u00a0"
#: (:func:`analysis.scenarios.robustness`), i.e. the central 90 % of draws [%]. A test checks it
#: against the draws in the store.
DRAW_INTERVAL_PCT = 90
DRAW_QUANTILES = (0.05, 0.95)

# --------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------

def _finite(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and not pd.isna(value)


def num(value, decimals: int = 0, signed: bool = False, unit: str = "") -> str:
    """A number with thousands separators, a true minus sign and never ``−0``.

    Parameters
    ----------
    value : float
        The number (``None``/NaN gives ``"n/a"``).
    decimals : int
        Digits after the decimal point.
    signed : bool
        Prefix ``+`` on positive values (for changes and differences).
    unit : str
        Appended after a non-breaking space (``"GWh"``, ``"%"``).

    Examples
    --------
    >>> num(-0.004, 2), num(-1234.5), num(3, signed=True, unit="%")
    ('0.00', '−1,234', '+3\\xa0%')
    """
    if not _finite(value):
        return "n/a"
    rounded = round(float(value), decimals)
    if rounded == 0:  # -0.004 rounds to -0.0: shown as 0, without a sign
        rounded = 0.0
    text = f"{abs(rounded):,.{decimals}f}"
    sign = MINUS if rounded < 0 else ("+" if signed and rounded > 0 else "")
    return sign + text + (NBSP + unit if unit else "")


def gbp(value, decimals: int = 0, signed: bool = False, per: str = "") -> str:
    """Money in pounds with the sign before the symbol: ``−£2``, ``£1,250``, ``+£8`` (signed).

    Parameters
    ----------
    value : float
        Amount [£].
    decimals : int
        Digits after the decimal point.
    signed : bool
        Prefix ``+`` on gains.
    per : str
        Appended as ``" per <per>"`` (e.g. ``"household a year"``).
    """
    if not _finite(value):
        return "n/a"
    text = num(value, decimals, signed)
    sign = text[0] if text[0] in (MINUS, "+") else ""
    return f"{sign}{currency.symbol()}{text[len(sign):]}" + (f" per {per}" if per else "")


def gbp_compact(value, decimals: int = 1) -> str:
    """Large sums in words, rounded as a reader would say them: ``£1.2 million``, ``£2.1 billion``,
    and below a million two significant figures (``−£350,000``, ``£970,000`` for 968,423)."""
    if not _finite(value):
        return "n/a"
    size = abs(float(value))
    if size >= 1e9:
        return gbp(value / 1e9, decimals) + " billion"
    if size >= 1e6:
        return gbp(value / 1e6, decimals) + " million"
    digits = max(0, len(str(int(size))) - 2)
    return gbp(round(float(value), -digits))


def gbp_range(low, high, decimals: int = 0) -> str:
    """A money range ``−£8 to £0`` (low first; "to", never a dash next to a minus sign)."""
    lo, hi = sorted((low, high)) if _finite(low) and _finite(high) else (low, high)
    return f"{gbp(lo, decimals)} to {gbp(hi, decimals)}"


#: Amounts per household below this size are shown in pence (``−£0.66``, never a false ``£0``), larger ones in
#: whole pounds (``£8``, not ``£8.47``: pennies a year are noise to a reader) [£].
PENCE_BELOW = 1.0


def money_decimals(*values) -> int:
    """Decimals for amounts of money shown together: 2 when every one is below :data:`PENCE_BELOW`
    (so ``−£0.38`` is not shown as ``£0``), else 0."""
    finite = [abs(float(v)) for v in values if _finite(v)]
    return 2 if finite and max(finite) < PENCE_BELOW else 0


def gbp_auto(value, signed: bool = False) -> str:
    """Money per household with pence when small: ``−£0.66``, ``£27.88``… ``£114``."""
    return gbp(value, money_decimals(value), signed)


def gbp_auto_range(low, high) -> str:
    """A money range with the decimals of :func:`gbp_auto` for its larger end: ``−£2.39 to −£0.13``; an
    end that would round to ``£0`` keeps its pence (``£0.35 to £39``, never a false ``£0``)."""
    if not (_finite(low) and _finite(high)):
        return gbp_range(low, high)
    lo, hi = sorted((float(low), float(high)))
    d = money_decimals(lo, hi)

    def end(v):
        return gbp(v, 2 if (d == 0 and v != 0 and round(v) == 0) else d)

    return f"{end(lo)} to {end(hi)}"


def mwp(value) -> str:
    """Capacity in MWp as a reader sees it: whole MWp from 10 up, one decimal below, two below 1
    (a small place's 0.485 MWp is "0.49", never "0")."""
    if not _finite(value):
        return "n/a"
    size = abs(float(value))
    return num(value, 0 if size >= 10 else (1 if size >= 1 else 2))


def num_sig(value, digits: int = 2, signed: bool = False, unit: str = "") -> str:
    """A number to ``digits`` significant figures with a true minus sign: ``−0.00036``, ``+0.27``, ``−0.13``.

    For small shares and indices whose size is what matters (``"{:+.2g}"`` would print a hyphen).
    """
    if not _finite(value):
        return "n/a"
    v = float(value)
    if v == 0:
        return "0" + (NBSP + unit if unit else "")
    text = f"{abs(v):.{digits}g}"
    if "e" in text:  # very small or large: fixed notation, never "3.6e-04"
        exponent = int(math.floor(math.log10(abs(v))))
        text = f"{abs(v):.{max(digits - 1 - exponent, 0)}f}"
    sign = MINUS if v < 0 else ("+" if signed else "")
    return sign + text + (NBSP + unit if unit else "")


def num_range(low, high, decimals: int = 0, unit: str = "") -> str:
    """A range of plain numbers: ``195–550 GWh``; with a negative end ``−3 to 5 %``."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    lo, hi = sorted((float(low), float(high)))
    a, b = num(lo, decimals), num(hi, decimals)
    if a == b:  # both ends round to the same number: one number, not "33–33 %"
        return a + (NBSP + unit if unit else "")
    sep = " to " if (a.startswith(MINUS) or b.startswith(MINUS)) else "–"
    return a + sep + b + (NBSP + unit if unit else "")


def pct(fraction, decimals: int = 0, signed: bool = False) -> str:
    """A fraction as a percentage: ``0.354 → "35 %"`` (non-breaking space before ``%``)."""
    return num(None if not _finite(fraction) else float(fraction) * 100, decimals, signed, unit="%")


def pct_range(low, high, decimals: int = 0) -> str:
    """A range of fractions as percentages: ``"45–50 %"``."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    return num_range(float(low) * 100, float(high) * 100, decimals, unit="%")


def ordinal(n) -> str:
    """``5 → "5th"``, ``1 → "1st"``, ``22 → "22nd"``, ``95 → "95th"``."""
    n = int(round(float(n)))
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def interval_words() -> str:
    """The interval over the parameter draws in words: ``"the central 90 % of draws, 5th to 95th percentile"``."""
    lo, hi = DRAW_QUANTILES
    return f"the central {DRAW_INTERVAL_PCT}{NBSP}% of draws, {ordinal(lo * 100)} to {ordinal(hi * 100)} percentile"


def count(n, singular: str, plural: str | None = None) -> str:
    """A count with the right noun: ``1 contiguous zone``, ``3 contiguous zones``, ``0 zones``.

    Parameters
    ----------
    n : int
        The count (formatted with thousands separators).
    singular, plural : str
        Noun forms; ``plural`` defaults to ``singular + "s"``.
    """
    n = int(n)
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
