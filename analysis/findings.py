"""Findings driven by data: sentences whose numbers *and* direction words come from the store.

A rerun with other data or assumptions can flip a sign; a typed "overstates" or "regressive"
would then be wrong while the glued numbers beside it changed. This module keeps the words
with the numbers:

* **words** — small pure functions that pick a direction word from numbers with a stated
  threshold (:func:`more_or_less`, :func:`higher_or_lower`, :func:`wider_or_narrower`,
  :func:`gain_progressivity`, :func:`cost_progressivity`, :func:`robustness`);
* **formats** — signed currency with a true minus sign (``−£2``), ranges (``−£8 to £0``), no
  ``−0``, plural-aware counts (``1 contiguous zone``, ``3 contiguous zones``);
* **findings** — functions ``f(con) -> Finding`` that read the store and return the sentence,
  its numbers, their ranges, the rule behind each word and the chapter that shows the evidence;
  :func:`key_findings` (the book's first page) and :func:`evidence_against` ("Where the evidence
  cuts against the argument") run them and report which could not be written and why.

Economics findings (who gains, equal capacity, tenure, robust or fragile) read the tables of
the economics step through :data:`ECONOMICS_TABLES`, the one place that names them: when that
step renames a table or column, change the mapping (or the few lines of the slot function),
not the book pages. A finding whose tables are absent is reported as *pending*, never
silently dropped.

Thresholds (stated on the pages that use them):

=============================  ======  =======================================================
constant                       value   meaning
=============================  ======  =======================================================
:data:`SAME_REL`               0.05    two amounts within 5 % of the larger are "about the same"
:data:`INDEX_BAND`             0.05    an index within ±0.05 of zero is "proportional"/"even"
:data:`ROBUST_SHARE`           0.90    a sign that holds in ≥ 90 % of parameter draws is "robust"
:data:`MONEY_TOL`              1.0     £ per household a year under which two sums are the same
:data:`VALUE_TOL`              10,000  £ a year under which a place's total value is "about zero"
:data:`MUNICH_HALVING_RATIO`   0.50    heat bill / gas bill at or below which Munich's halving
                                       "carries over"
:data:`MUNICH_PART_RATIO`      0.75    … up to which it "carries over in part"
:data:`DRAW_INTERVAL_PCT`      90      the interval over parameter draws (5th–95th percentile)
=============================  ======  =======================================================
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from analysis import currency, store

#: True minus sign (U+2212): "−£2", not the hyphen "-£2" or "£-2".
MINUS = "\u2212"
#: Non-breaking space between a number and its unit ("35 %", "350 GWh").
NBSP = "\u00a0"
#: Relative tolerance under which two amounts are "about the same" [fraction of the larger].
SAME_REL = 0.05
#: Half-width of the band around zero in which a distribution index counts as even/proportional [-].
INDEX_BAND = 0.05
#: Share of parameter draws in which a sign must hold for a conclusion to be "robust" [fraction].
ROBUST_SHARE = 0.90
#: Money amounts per household that differ by less than this are "about the same" [£/household/yr].
MONEY_TOL = 1.0
#: A place's total value a year within ± this counts as "about zero" [£/yr].
VALUE_TOL = 10_000.0
#: A scheme's heat bill at or below this multiple of the gas bill carries Munich's reported halving
#: over ("halved": 0.5 of the bill) [-].
MUNICH_HALVING_RATIO = 0.5
#: Up to this multiple of the gas bill the halving carries over in part; above it, not at all [-].
MUNICH_PART_RATIO = 0.75
#: The interval shown with every headline over the parameter draws: 5th to 95th percentile
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
    """Large sums in words: ``£1.2 million``, ``−£350,000`` below a million, ``£2.1 billion``."""
    if not _finite(value):
        return "n/a"
    size = abs(float(value))
    if size >= 1e9:
        return gbp(value / 1e9, decimals) + " billion"
    if size >= 1e6:
        return gbp(value / 1e6, decimals) + " million"
    return gbp(value, 0)


def gbp_range(low, high, decimals: int = 0) -> str:
    """A money range ``−£8 to £0`` (low first; "to", never a dash next to a minus sign)."""
    lo, hi = sorted((low, high)) if _finite(low) and _finite(high) else (low, high)
    return f"{gbp(lo, decimals)} to {gbp(hi, decimals)}"


#: Amounts per household below this size are shown in pence (``−£0.66``), larger ones in whole pounds [£].
PENCE_BELOW = 10.0


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


# --------------------------------------------------------------------------------------------
# Direction words (each with the rule that picks it)
# --------------------------------------------------------------------------------------------

def _shown(value) -> str:
    """A number as a reader sees it in a "missing number" note: ``32.8``, ``missing``."""
    return f"{float(value):,.3g}" if _finite(value) else "a missing number"


def _compare(value, reference, rel_tol: float, words: tuple[str, str, str], abs_tol: float = 0.0) -> str:
    if not (_finite(value) and _finite(reference)):
        raise NoValue(f"cannot compare {_shown(value)} with {_shown(reference)}")
    value, reference = float(value), float(reference)
    scale = max(abs(value), abs(reference))
    if scale == 0 or abs(value - reference) <= max(rel_tol * scale, abs_tol):
        return words[2]
    return words[0] if value > reference else words[1]


#: Comparatives with their preposition, for :func:`more_or_less` in a sentence ("more than the …").
THAN = ("more than", "less than", "about as much as")


def more_or_less(value, reference, rel_tol: float = SAME_REL, words=("more", "less", "about as much"),
                 abs_tol: float = 0.0) -> str:
    """``"more"`` if ``value`` exceeds ``reference`` by more than ``rel_tol`` of the larger (and by more
    than ``abs_tol``), ``"less"`` if it falls short by as much, else ``"about as much"``."""
    return _compare(value, reference, rel_tol, tuple(words), abs_tol)


def higher_or_lower(value, reference, rel_tol: float = SAME_REL, words=("higher", "lower", "about the same"),
                    abs_tol: float = 0.0) -> str:
    """``"higher"``/``"lower"``/``"about the same"`` with the rule of :func:`more_or_less`."""
    return _compare(value, reference, rel_tol, tuple(words), abs_tol)


def wider_or_narrower(gap, reference_gap, rel_tol: float = SAME_REL,
                      words=("wider", "narrower", "about as wide", "reversed"), abs_tol: float = 0.0) -> str:
    """Compare two gaps (e.g. richest-minus-poorest £), a reversal first.

    ``"reversed"`` when the gaps point opposite ways and each is larger than ``abs_tol`` (the
    poorest gain more under one, the richest under the other: a change of direction, whatever
    the sizes); otherwise the *absolute* sizes are compared: ``"wider"`` when ``|gap|`` exceeds
    ``|reference_gap|`` by more than ``rel_tol`` of the larger (and ``abs_tol``), ``"narrower"``,
    or ``"about as wide"``. Give three ``words`` to compare sizes only.
    """
    if not (_finite(gap) and _finite(reference_gap)):
        raise NoValue(f"cannot compare {_shown(gap)} with {_shown(reference_gap)}")
    gap, reference_gap = float(gap), float(reference_gap)
    if len(words) > 3 and gap * reference_gap < 0 and min(abs(gap), abs(reference_gap)) > abs_tol:
        return words[3]
    return _compare(abs(gap), abs(reference_gap), rel_tol, tuple(words[:3]), abs_tol)


def gap_side(gap, abs_tol: float = 0.0, words=("the richest tenth gains more", "the poorest tenth gains more",
                                              "the richest and the poorest tenth gain about the same")) -> str:
    """Which end of the income scale a richest-minus-poorest gap favours (``abs_tol``: a gap no
    larger than this is "about the same")."""
    if not _finite(gap):
        raise NoValue("the place has no income by neighbourhood, so no gap between richest and poorest")
    g = float(gap)
    return words[2] if abs(g) <= abs_tol else (words[0] if g > 0 else words[1])


def gain_progressivity(concentration_index, band: float = INDEX_BAND) -> str:
    """Word for how a *gain* is spread over households ranked by income.

    Parameters
    ----------
    concentration_index : float
        Concentration index of the gain in £ (households ranked from poorest to richest) [-]:
        positive when richer households get more pounds, negative when poorer ones do.
    band : float
        Half-width of the "evenly spread" band around zero [-].

    Returns
    -------
    str
        ``"regressive"`` (C > band: the gain concentrates among richer households),
        ``"progressive"`` (C < −band) or ``"evenly spread"``.
    """
    if not _finite(concentration_index):
        raise NoValue("no concentration index")
    c = float(concentration_index)
    return "regressive" if c > band else ("progressive" if c < -band else "evenly spread")


def cost_progressivity(suits_index, band: float = INDEX_BAND) -> str:
    """Word for how a *cost* is borne across incomes (Suits index S, Suits 1977).

    ``"progressive"`` if S > band (costs rise faster than income), ``"regressive"`` if
    S < −band, else ``"proportional"`` (costs roughly in proportion to income).
    """
    if not _finite(suits_index):
        raise NoValue("no Suits index")
    s = float(suits_index)
    return "progressive" if s > band else ("regressive" if s < -band else "proportional")


def share_of_draws(share, threshold: float = ROBUST_SHARE) -> str:
    """A share of draws as a percentage that never contradicts its verdict: ``"89.7 %"`` (not ``"90 %"``)
    when it falls just short of the threshold, whole percentages otherwise."""
    if not _finite(share):
        return "n/a"
    whole = pct(share)
    crosses = (round(float(share) * 100) >= threshold * 100) != (float(share) >= threshold)
    return pct(share, 1) if crosses else whole


def robustness(share_same_sign, threshold: float = ROBUST_SHARE) -> str:
    """``"robust"`` when a sign holds in at least ``threshold`` of parameter draws, else ``"fragile"``."""
    if not _finite(share_same_sign):
        raise NoValue("no share of draws")
    return "robust" if float(share_same_sign) >= threshold else "fragile"


def share_words(fraction, tol: float = SAME_REL) -> str:
    """``"fewer than half"``, ``"about half"`` or ``"more than half"`` (within ``tol`` of one half: about half)."""
    if not _finite(fraction):
        raise NoValue("no share")
    f = float(fraction)
    return "about half" if abs(f - 0.5) <= tol else ("fewer than half" if f < 0.5 else "more than half")


def gain_or_loss(value, words=("gain", "loss", "no change")) -> str:
    """``"gain"`` for a positive amount that rounds to at least £1, ``"loss"`` for a negative one."""
    v = round(float(value))
    return words[0] if v > 0 else (words[1] if v < 0 else words[2])


def sign_choice(value, positive: str, negative: str, zero: str, tol: float) -> str:
    """A word for the sign of ``value``: ``zero`` within ±``tol`` (a stated tolerance, e.g.
    :data:`MONEY_TOL` per household or :data:`VALUE_TOL` for a place's total), else ``positive`` or
    ``negative``."""
    if not _finite(value):
        raise NoValue("no value")
    v = float(value)
    return zero if abs(v) <= tol else (positive if v > 0 else negative)


def munich_carries_over(bill_ratio) -> str:
    """Whether Munich's reported halving of heating bills carries over, from a scheme's heat bill
    as a multiple of the gas bill: ``"carries over"`` at or below :data:`MUNICH_HALVING_RATIO`,
    ``"carries over in part"`` up to :data:`MUNICH_PART_RATIO`, else ``"does not carry over"``."""
    if not _finite(bill_ratio):
        raise NoValue("no bill ratio")
    r = float(bill_ratio)
    return "carries over" if r <= MUNICH_HALVING_RATIO else (
        "carries over in part" if r <= MUNICH_PART_RATIO else "does not carry over")


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

#: The chapters findings link to (MyST document names, relative to ``book/``).
CHAPTERS = {"pv": "03_rooftop_pv", "heat": "04_heat", "ownership": "05_ownership", "gains": "06_who_gains",
            "data": "02_data_methods", "validation": "08_validation", "methods": "methods"}


class Unavailable(Exception):
    """A finding cannot be written from this store (a table or column is missing)."""


class NoValue(Unavailable, ValueError):
    """A direction word asked of a missing or non-finite number (a place without incomes, say): the
    finding that needs it is pending, never written with a guessed word."""


@dataclass(frozen=True)
class Finding:
    """One quotable finding.

    Attributes
    ----------
    key : str
        Stable id (``"pv_potential"``).
    lead : str
        A short bold lead-in (no numbers, no direction words typed by hand).
    sentence : str
        The finding as Markdown: every number and direction word came from the store.
    chapter : str
        Document that shows the evidence (see :data:`CHAPTERS`).
    values : dict
        The numbers in the sentence, unformatted (units in the key names).
    ranges : dict
        ``name -> (low, high)`` for numbers that have a range.
    rule : str
        The threshold or rule that chose each direction word.
    sources : tuple of str
        Store tables read.
    basis : str
        For numbers shown without a range, why (e.g. "counts from one seeded allocation, not
        estimates with a range"); rendered after the sentence.
    """

    key: str
    lead: str
    sentence: str
    chapter: str
    values: dict = field(default_factory=dict)
    ranges: dict = field(default_factory=dict)
    rule: str = ""
    sources: tuple = ()
    basis: str = ""


@dataclass(frozen=True)
class Pending:
    """A finding that could not be written from this store, and why."""

    key: str
    lead: str
    reason: str
    chapter: str


def tables(con) -> set[str]:
    """Names of the tables in the store."""
    return store.table_names(con)


def _columns(con, table: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                      [table]).fetchall()}


def require(con, table: str, columns=()) -> None:
    """Raise :class:`Unavailable` unless ``table`` (with ``columns``) is in the store."""
    if table not in tables(con):
        raise Unavailable(f"table {table} is not in this store")
    missing = [c for c in columns if c not in _columns(con, table)]
    if missing:
        raise Unavailable(f"table {table} lacks {', '.join(missing)}")


def _one(con, sql: str, params=None) -> pd.Series:
    return con.execute(sql, params or []).df().iloc[0]


def place_name(con) -> str:
    """The place's name from the store's ``meta`` table (``"the place"`` if absent)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'place'").fetchone()
    except Exception:  # noqa: BLE001 — an old store without meta: a neutral name, not a failure
        return "the place"
    return row[0] if row else "the place"


def assumption(con, group: str, name: str) -> pd.Series:
    """One row of the store's ``assumptions`` table (value, low, high, unit, source)."""
    frame = con.execute('SELECT * FROM assumptions WHERE "group" = ? AND name = ?', [group, name]).df()
    if frame.empty:
        raise Unavailable(f"assumption {group}.{name} is not in this store")
    return frame.iloc[0]


def pv_potential(con) -> Finding:
    """Rooftop PV a year (low–high) against the electricity homes use."""
    require(con, "area_potential", ["kwh_low", "kwh_central", "kwh_high", "kwp_central", "elec_demand_kwh"])
    t = _one(con, """SELECT sum(kwh_low)/1e6 lo, sum(kwh_central)/1e6 gwh, sum(kwh_high)/1e6 hi,
                     sum(kwp_central)/1e3 mwp, sum(elec_demand_kwh)/1e6 elec, sum(buildings_suitable) nb
                     FROM area_potential""")
    word = more_or_less(t.gwh, t.elec, words=THAN)
    sentence = (f"{place_name(con)}'s roofs could generate about **{num(t.gwh)}{NBSP}GWh** of electricity a year "
                f"({num_range(t.lo, t.hi, unit='GWh')} over the roof assumptions) from "
                f"{mwp(t.mwp)}{NBSP}MWp on {count(t.nb, 'suitable building')}: **{word}** the "
                f"{num(t.elec)}{NBSP}GWh its households use at home ({pct(t.gwh / t.elec)} of it).")
    return Finding("pv_potential", "Solar electricity", sentence, CHAPTERS["pv"],
                   values={"gwh": t.gwh, "mwp": t.mwp, "domestic_elec_gwh": t.elec, "share_of_domestic": t.gwh / t.elec},
                   ranges={"gwh": (t.lo, t.hi), "share_of_domestic": (t.lo / t.elec, t.hi / t.elec)},
                   rule=f"'more'/'less' when the central output differs from domestic use by more than "
                        f"{pct(SAME_REL)} of the larger",
                   sources=("area_potential",))


#: Published LiDAR-based shares to compare the roof rules with: key -> (share, what it is a share of, citation).
SUITABILITY_ANCHORS = {
    "sunroof_buildings": (0.79, "of rooftops analysed technically viable for solar (Google Project Sunroof, "
                                "all US states)", "google_sunroof2017"),
    "gagnon_small_buildings": (0.83, "of small buildings with at least one suitable roof plane (Gagnon et al., US)",
                               "gagnon2016"),
    "gagnon_small_area": (0.26, "of small buildings' roof area suitable for PV (Gagnon et al., US)", "gagnon2016"),
}
#: Gagnon et al.'s "small building": a footprint under 5,000 ft² [m²].
SMALL_BUILDING_M2 = 5000 * 0.09290304


def suitability(con) -> pd.DataFrame:
    """Share of buildings with a suitable plane and share of roof area on suitable planes, low/central/high.

    Rows: ``measure`` (``buildings`` or ``roof_area``) × ``group`` (``all`` or ``small``: footprint
    under :data:`SMALL_BUILDING_M2`, Gagnon et al.'s small buildings); columns ``low``, ``central``,
    ``high`` (the roof assumptions' cases, ``roof_planes.suitable_low/central/high``, after shading)
    and ``unshaded`` (central rules, no neighbours) [fractions].
    """
    require(con, "roof_planes", ["building_id", "area_m2", "suitable_low", "suitable_central", "suitable_high",
                                 "suitable_unshaded"])
    require(con, "buildings", ["building_id", "footprint_m2"])
    rows = []
    for group, where in (("all", "TRUE"), ("small", "b.footprint_m2 < $small")):
        t = con.execute(f"""
            WITH per AS (SELECT p.building_id, sum(p.area_m2) a,
                     bool_or(p.suitable_low) sl, bool_or(p.suitable_central) sc, bool_or(p.suitable_high) sh,
                     bool_or(p.suitable_unshaded) su,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_low), 0) al,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_central), 0) ac,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_high), 0) ah,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_unshaded), 0) au
                 FROM roof_planes p JOIN buildings b USING (building_id) WHERE {where} GROUP BY 1)
            SELECT count(*) n, avg(sl::INT) bl, avg(sc::INT) bc, avg(sh::INT) bh, avg(su::INT) bu,
                   sum(al) / sum(a) al, sum(ac) / sum(a) ac, sum(ah) / sum(a) ah, sum(au) / sum(a) au FROM per""",
                        {"small": SMALL_BUILDING_M2} if group == "small" else {}).df().iloc[0]
        rows.append({"measure": "buildings", "group": group, "buildings": int(t.n), "low": t.bl, "central": t.bc,
                     "high": t.bh, "unshaded": t.bu})
        rows.append({"measure": "roof_area", "group": group, "buildings": int(t.n), "low": t.al, "central": t.ac,
                     "high": t.ah, "unshaded": t.au})
    frame = pd.DataFrame(rows)
    # the low and high cases need not order the shares the same way: keep low <= high for ranges
    lo, hi = frame[["low", "high"]].min(axis=1), frame[["low", "high"]].max(axis=1)
    frame["low"], frame["high"] = lo, hi
    return frame


def roof_owners(con) -> Finding:
    """Whose roofs carry the capacity (low–high over the roof assumptions), against owner-occupiers'
    share of homes."""
    require(con, "buildings", ["roof_owner", "dw_owner_occupied"])
    require(con, "building_potential", ["kwp_low", "kwp_central", "kwp_high"])
    from analysis.charts import label

    own = con.execute("""SELECT b.roof_owner, sum(p.kwp_central) kwp, sum(p.kwp_low) lo, sum(p.kwp_high) hi
                         FROM buildings b JOIN building_potential p USING (building_id)
                         GROUP BY 1 ORDER BY kwp DESC""").df().set_index("roof_owner")
    hh = _one(con, "SELECT sum(dw_owner_occupied) oo, sum(dwellings) dw FROM buildings")
    shares = own / own.sum()  # per roof-assumption case: central, low and high capacity
    oo = shares.reindex(["owner_occupier"]).fillna(0.0).iloc[0]
    oo_share, oo_lo, oo_hi = float(oo.kwp), float(min(oo.lo, oo.hi, oo.kwp)), float(max(oo.lo, oo.hi, oo.kwp))
    oo_hh = hh.oo / hh.dw
    top = shares.index[0]
    word = more_or_less(oo_share, oo_hh, words=THAN)
    lead_owner = label(top).lower()
    top_lo, top_hi = sorted((float(shares.loc[top, "lo"]), float(shares.loc[top, "hi"])))
    def rng(lo, hi, central, what=""):  # no "(33 %)" when both ends round to the central share
        text = pct_range(lo, hi)
        return "" if text == pct(central) else f" ({text}{what})"

    sentence = (f"Owner-occupiers' own roofs carry **{pct(oo_share)}** of the solar capacity"
                f"{rng(oo_lo, oo_hi, oo_share, ' over the roof assumptions')} — **{word}** their {pct(oo_hh)} share of "
                f"homes; the largest share, **{pct(shares.loc[top, 'kwp'])}**"
                f"{rng(top_lo, top_hi, shares.loc[top, 'kwp'])}, is on roofs owned by {_plural_owner(lead_owner)}.")
    return Finding("roof_owners", "Who owns the roofs", sentence, CHAPTERS["ownership"],
                   values={"owner_occupier_capacity_share": oo_share, "owner_occupier_home_share": oo_hh,
                           "largest_owner": top, "largest_owner_share": float(shares.loc[top, "kwp"])},
                   ranges={"owner_occupier_capacity_share": (oo_lo, oo_hi), "largest_owner_share": (top_lo, top_hi)},
                   rule=f"'more'/'less' when the shares differ by more than {pct(SAME_REL)} of the larger",
                   sources=("buildings", "building_potential"),
                   basis="the share of homes is a count of the census households placed on buildings, not an "
                         "estimate with a range")


def _plural_owner(label_text: str) -> str:
    """``"private freeholder" → "private freeholders"`` for owner labels in prose."""
    special = {"council or housing association": "the council or housing associations", "business": "businesses",
               "public body": "public bodies", "faith or community group": "faith or community groups"}
    return special.get(label_text, label_text + "s")


#: Why counts of homes carry no range (said under the finding).
HOMES_BASIS = ("counts of the census households placed on buildings by one seeded allocation (tenure by "
               "neighbourhood is observed; which building holds which home is imputed), not estimates with a range")
#: The same for a sentence about homes inside a longer finding.
HOMES_BASIS_IN = "the homes are " + HOMES_BASIS


def homes_basis(con, inside: bool = False) -> str:
    """:data:`HOMES_BASIS`, saying so when the tenure was not observed but assumed (no tenure data)."""
    text = HOMES_BASIS if store.tenure_observed(con) else HOMES_BASIS.replace(
        "tenure by neighbourhood is observed", "tenure is assumed: England and Wales 2021 shares, as this place "
                                               "gives no tenure counts")
    return ("the homes are " + text) if inside else text


def homes_under_others_roofs(con) -> Finding:
    """Homes whose household does not own the roof above it, and consents per block."""
    require(con, "buildings", ["roof_owner", "dwellings", "dw_owner_occupied", "consents"])
    t = _one(con, """SELECT sum(dwellings) dw,
                        sum(dwellings) FILTER (WHERE roof_owner <> 'owner_occupier') other,
                        sum(dw_owner_occupied) oo,
                        sum(dw_owner_occupied) FILTER (WHERE roof_owner <> 'owner_occupier') oo_other,
                        median(consents) FILTER (WHERE dwellings > 1) consents_blocks
                     FROM buildings WHERE dwellings > 0""")
    share = t.other / t.dw
    sentence = (f"**{pct(share)}** of homes ({num(t.other)} of {num(t.dw)}) sit under a roof their household does "
                f"not own; even among owner-occupied homes it is {pct(t.oo_other / t.oo)} (flats under a "
                f"freeholder's roof).")
    return Finding("homes_under_others_roofs", "Roofs are not the homes under them", sentence,
                   CHAPTERS["ownership"],
                   values={"share_homes_not_owning_roof": share, "homes": t.dw,
                           "owner_occupied_share_not_owning_roof": t.oo_other / t.oo,
                           "median_consents_multi_home": t.consents_blocks},
                   sources=("buildings",), basis=homes_basis(con))


def roofs_and_homes(con) -> Finding:
    """Who owns the roofs and the homes under them, in one finding (the key-findings page)."""
    r, h = roof_owners(con), homes_under_others_roofs(con)
    return Finding("roofs_and_homes", "Who owns the roofs", r.sentence + " " + h.sentence, CHAPTERS["ownership"],
                   values=r.values | h.values, ranges=r.ranges, rule=r.rule, sources=r.sources + h.sources,
                   basis=homes_basis(con, inside=True))


def heat_demand(con) -> Finding:
    """Heat demand (low–high), homes against non-domestic buildings."""
    require(con, "area_heat", ["heat_kwh_low", "heat_kwh_central", "heat_kwh_high", "heat_kwh_domestic",
                               "heat_kwh_nondomestic"])
    t = _one(con, """SELECT sum(heat_kwh_low)/1e6 lo, sum(heat_kwh_central)/1e6 gwh, sum(heat_kwh_high)/1e6 hi,
                     sum(heat_kwh_domestic)/1e6 dom, sum(heat_kwh_nondomestic)/1e6 nondom FROM area_heat""")
    word = more_or_less(t.nondom, t.dom, words=THAN)
    sentence = (f"Buildings need about **{num(t.gwh)}{NBSP}GWh** of heat a year ({num_range(t.lo, t.hi, unit='GWh')}); "
                f"offices, shops, schools and other non-domestic buildings need **{word}** homes: "
                f"{num(t.nondom)}{NBSP}GWh against {num(t.dom)}{NBSP}GWh.")
    return Finding("heat_demand", "Heat", sentence, CHAPTERS["heat"],
                   values={"heat_gwh": t.gwh, "domestic_gwh": t.dom, "nondomestic_gwh": t.nondom},
                   ranges={"heat_gwh": (t.lo, t.hi)},
                   rule=f"'more'/'less' when the two differ by more than {pct(SAME_REL)} of the larger",
                   sources=("area_heat",))


def district_heat(con) -> Finding:
    """Contiguous zones dense enough for district heating, and their share of demand."""
    require(con, "heat_cells", ["heat_mwh", "zone_id", "dh_zone"])
    threshold = assumption(con, "heat", "dh_density_threshold_mwh_per_ha")
    min_zone = assumption(con, "heat", "dh_min_zone_gwh")
    t = _one(con, """SELECT count(DISTINCT zone_id) FILTER (WHERE dh_zone) zones,
                        coalesce(sum(heat_mwh) FILTER (WHERE dh_zone), 0) / nullif(sum(heat_mwh), 0) zone_share,
                        count(*) FILTER (WHERE dh_zone) cells
                     FROM heat_cells""")
    zones = int(t.zones)
    zone_text = count(zones, "contiguous zone")
    verb = "passes" if zones == 1 else "pass"
    sentence = (f"{zone_text.capitalize()} {verb} both district-heating tests (hectare cells of at least "
                f"{num(threshold.value)}{NBSP}MWh/ha·yr, joined into zones of at least {num(min_zone.value)}{NBSP}GWh/yr); "
                f"{'it holds' if zones == 1 else 'they hold'} **{pct(t.zone_share)}** of the heat demand.")
    return Finding("district_heat", "District heating", sentence, CHAPTERS["heat"],
                   values={"zones": zones, "share_of_heat_in_zones": t.zone_share, "cells": int(t.cells),
                           "density_threshold_mwh_per_ha": threshold.value, "min_zone_gwh": min_zone.value},
                   ranges={"density_threshold_mwh_per_ha": (threshold.low, threshold.high),
                           "min_zone_gwh": (min_zone.low, min_zone.high)},
                   sources=("heat_cells", "assumptions"))


def solar_heat_check(con) -> Finding:
    """The model's Ackermannbogen solar fraction against the range reported for the real scheme."""
    require(con, "heat_checks", ["check", "solar_fraction", "solar_fraction_no_store", "reported_solar_fraction_low",
                                 "reported_solar_fraction_high", "flats", "store_m3", "collector_m2"])
    frame = con.execute("SELECT * FROM heat_checks WHERE \"check\" = 'ackermannbogen'").df()
    if frame.empty:
        raise Unavailable("heat_checks has no Ackermannbogen row")
    a = frame.iloc[0]
    lo, hi = a.reported_solar_fraction_low, a.reported_solar_fraction_high
    where = "below" if a.solar_fraction < lo else ("above" if a.solar_fraction > hi else "within")
    sentence = (f"Modelled with this book's weather and collector model, a scheme sized like Munich's Ackermannbogen "
                f"({num(a.collector_m2)}{NBSP}m² of collectors, a {num(a.store_m3)}{NBSP}m³ seasonal store, "
                f"{num(a.flats)} flats) covers **{pct(a.solar_fraction)}** of its heat — **{where}** the "
                f"{pct_range(lo, hi)} reported for the real scheme — and {pct(a.solar_fraction_no_store)} without "
                f"the seasonal store.")
    return Finding("solar_heat_check", "Solar heat with seasonal storage", sentence, CHAPTERS["heat"],
                   values={"solar_fraction": a.solar_fraction, "solar_fraction_no_store": a.solar_fraction_no_store,
                           "position": where},
                   ranges={"reported_solar_fraction": (lo, hi)},
                   rule="'below'/'within'/'above' the reported range",
                   sources=("heat_checks",))


def data_basis(con) -> Finding:
    """How much of the building stock rests on observation rather than imputation."""
    require(con, "data_quality", ["step", "field", "records", "observed", "parsed", "derived", "imputed"])
    dq = con.execute("SELECT * FROM data_quality WHERE step = 'buildings'").df().set_index("field")
    if "levels" not in dq.index:
        raise Unavailable("data_quality has no buildings.levels row")
    lv = dq.loc["levels"]
    n = _one(con, "SELECT count(*) n, sum(dwellings) dw FROM buildings")
    observed = lv.parsed / lv.records
    sentence = (f"The {num(n.n)} buildings are real OpenStreetMap footprints; {pct(observed)} of them have mapped "
                f"storeys and the rest are imputed, as are the homes and tenures placed on them from the census "
                f"(every such gap is counted in the data-quality table).")
    return Finding("data_basis", "What is observed", sentence, CHAPTERS["data"],
                   values={"buildings": n.n, "levels_observed_share": observed},
                   sources=("data_quality", "buildings"))


# --------------------------------------------------------------------------------------------
# Economics slots (issue 12). The economics step's tables are named ONLY here: when it renames
# a table or column, change this mapping or the few lines of the slot function below.
# --------------------------------------------------------------------------------------------

#: Table names of the economics step (working names as of this writing; see the module docstring).
ECONOMICS_TABLES = {
    "summary": "scenario_summary",        # one row per scenario: installed_mwp, net_per_household, ...
    "robustness": "scenario_robustness",  # scenario, metric, kind, central, low, high, share_same_sign
    "tenure": "scenario_tenure",          # scenario, tenure, net_per_household, ...
    "framings": "policy_framings",        # framing, network, recovery, generation, supply, net_per_household, ...
    "framing_robustness": "policy_robustness",  # framing, metric, kind, central, low, high, share_same_sign
    "cells": "policy_cells",              # cell ("network/recovery/generation"), net_per_household, ...
    "heat": "heat_ownership",             # model (council, coop, esco), saving_per_connected_household, ...
    "roof_owners": "scenario_roof_owners",  # scenario, roof_owner, installed_kwp
}
#: Scenario ids of the economics step: the market at its own scale, and the equal-capacity variants
#: (every model on the same roofs) that separate ownership from scale.
SCENARIOS = {"market": "market", "public": "public", "coop": "coop", "market_batteries": "market_batteries",
             "equal_market": "market@worthwhile_roofs", "equal_public": "public@worthwhile_roofs",
             "equal_coop": "coop@worthwhile_roofs", "equal_aggregator": "aggregator@worthwhile_roofs",
             "all_market": "market@all_roofs"}
#: The policy framings, in the order the book shows them (names as in the store).
FRAMINGS = ("Liberalised market", "Bringing Energy Home", "Community energy", "Green New Deal")
#: Heat-ownership models and their scenario ids in the robustness table.
HEAT_MODELS = {"council": "heat_council", "coop": "heat_coop", "esco": "heat_esco"}


def _summary(con, keys) -> pd.DataFrame:
    table = ECONOMICS_TABLES["summary"]
    require(con, table, ["scenario", "installed_mwp", "net_per_household", "bottom_decile_net", "top_decile_net",
                         "top_minus_bottom", "concentration_benefit_deciles"])
    ids = [SCENARIOS[k] for k in keys]
    frame = con.execute(f"SELECT * FROM {table} WHERE scenario IN ({', '.join('?' * len(ids))})", ids).df()
    missing = sorted(set(ids) - set(frame["scenario"]))
    if missing:
        raise Unavailable(f"{table} has no scenario {', '.join(missing)}")
    return frame.set_index("scenario")


def _interval(con, scenario: str, metric: str, table: str | None = None, key: str = "scenario"):
    """(low, high, share of draws with the central sign) of a metric, or None without draws."""
    table = table or ECONOMICS_TABLES["robustness"]
    if table not in tables(con):
        return None
    row = con.execute(f"SELECT low, high, share_same_sign FROM {table} WHERE {key} = ? AND metric = ? "
                      "AND kind = 'level'", [scenario, metric]).fetchone()
    return row


def _difference(con, scenario: str, reference: str, metric: str, table: str | None = None, key: str = "scenario"):
    """(low, high, share of draws with the central sign) of ``scenario − reference`` for a metric, or None."""
    table = table or ECONOMICS_TABLES["robustness"]
    if table not in tables(con):
        return None
    return con.execute(f"SELECT low, high, share_same_sign FROM {table} WHERE kind = 'difference' AND metric = ? "
                       f"AND {key} = ?", [metric, f"{scenario} minus {reference}: {metric}"]).fetchone()


def _gap_caveat(con, scenario: str) -> str:
    """``", though not in 25 % of the draws"`` when the richest-minus-poorest gap of ``scenario`` keeps its
    sign in too few draws to be robust (a fragile gap is never stated bare); else empty."""
    iv = _interval(con, scenario, "top_minus_bottom")
    if not iv or not _finite(iv[2]) or robustness(iv[2]) == "robust":
        return ""
    return f" in the central case, though not in {pct(1 - float(iv[2]))} of the draws: a **fragile** difference"


def _range_text(iv, what: str = "over the parameter draws") -> str:
    """``"−£2.39 to −£0.13 over the parameter draws, a sign that is **robust**"`` (empty without draws)."""
    if not iv or not all(_finite(v) for v in iv):
        return ""
    return f"{gbp_auto_range(iv[0], iv[1])} {what}, a sign that is **{robustness(iv[2])}**"


def who_gains_market(con) -> Finding:
    """SLOT (economics): how much the market builds, and what households get from it, in plain words."""
    s = _summary(con, ["market", "equal_market"])
    own, cap = s.loc[SCENARIOS["market"]], s.loc[SCENARIOS["equal_market"]]
    iv = _interval(con, SCENARIOS["market"], "net_per_household")
    net = float(own.net_per_household)
    amount = ("about nothing" if abs(net) < MONEY_TOL else gbp_auto(net))
    rng = (f" ({gbp_auto_range(min(iv[0], iv[1]), max(iv[0], iv[1]))} over the uncertain assumptions)"
           if iv and all(_finite(v) for v in iv[:2]) else "")
    sentence = (f"Left to the market, owners would add {mwp(own.installed_mwp)}{NBSP}MWp of panels, "
                f"{pct(own.installed_mwp / cap.installed_mwp) if cap.installed_mwp > 0 else 'none'} of what the roofs "
                f"where panels are worth building could take, and households would gain **{amount}** a year each on "
                f"average{rng}: {gbp_auto(own.bottom_decile_net)} in the poorest tenth of neighbourhoods, "
                f"{gbp_auto(own.top_decile_net)} in the richest ({gap_side(own.top_minus_bottom, MONEY_TOL)}"
                f"{_gap_caveat(con, SCENARIOS['market'])}).")
    return Finding("who_gains_market", "What the market would do", sentence, CHAPTERS["gains"],
                   values={"installed_mwp": own.installed_mwp, "possible_mwp": cap.installed_mwp, "net": net,
                           "top_decile_net": own.top_decile_net, "bottom_decile_net": own.bottom_decile_net,
                           "gap": own.top_minus_bottom},
                   ranges={"net": (iv[0], iv[1])} if iv else {},
                   rule=f"'about nothing' under {gbp(MONEY_TOL)} a household a year; which tenth gains more when the "
                        f"gap exceeds {gbp(MONEY_TOL)}",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]),
                   basis="" if iv else "no parameter draws in this store: central values only")


def who_pays(con) -> Finding:
    """SLOT (economics): what the place's households gain against what bill payers elsewhere pay and
    what the panels are worth to the system, for a public company on the roofs it controls."""
    s = _summary(con, ["public"])
    p = s.loc[SCENARIOS["public"]]
    if "bill_payers_elsewhere_net" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks bill_payers_elsewhere_net (a store from before 2026-12)")
    place = place_name(con) or "the place"
    hh, per = float(p.to_households), float(p.net_per_household)
    elsewhere = -float(p.bill_payers_elsewhere_net)
    value, climate = float(p.real_value), float(p.climate_value) if "climate_value" in s.columns else 0.0
    iv = _interval(con, SCENARIOS["public"], "net_per_household")
    rng = (f", {gbp_auto_range(min(iv[0], iv[1]), max(iv[0], iv[1]))} over the uncertain assumptions"
           if iv and all(_finite(v) for v in iv[:2]) else "")
    off = sign_choice(hh, "better off", "worse off", "about as well off", VALUE_TOL)
    pays = sign_choice(elsewhere, "pay", "save", "pay about", VALUE_TOL)
    worth = sign_choice(value + climate, "are worth more than they cost", "cost more than they are worth",
                        "are worth about what they cost", VALUE_TOL)
    sentence = (f"A public energy company putting panels on the roofs the council controls ({mwp(p.installed_mwp)}"
                f"{NBSP}MWp) would leave {place}'s households {gbp_compact(abs(hh))} a year **{off}** "
                f"({gbp_auto(per)} a household{rng}), while bill payers elsewhere in the country would **{pays}** "
                f"{gbp_compact(abs(elsewhere))} a year: power used where it is made saves its user the whole unit rate, "
                f"but the networks, levies and suppliers' costs in that rate are still owed and are charged to "
                f"everyone else. Counted at what their power saves the system, and with the emissions they avoid, "
                f"the panels **{worth}** (their power is worth {gbp_compact(value)} a year net of their cost; the "
                f"emissions they avoid are worth {gbp_compact(climate)} a year besides).")
    return Finding("who_pays", "Who pays", sentence, CHAPTERS["gains"],
                   values={"households_gbp": hh, "per_household": per, "elsewhere_gbp": elsewhere, "value_gbp": value,
                           "climate_gbp": climate, "installed_mwp": float(p.installed_mwp)},
                   ranges={"per_household": (iv[0], iv[1])} if iv else {},
                   rule=f"'better off'/'pay'/'cost more' by sign, 'about' within {gbp_compact(VALUE_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]),
                   basis="" if iv else "no parameter draws in this store: central values only")


def equal_capacity(con) -> Finding:
    """SLOT (economics): ownership compared at equal installed capacity on the same roofs."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    m, p, c = (s.loc[SCENARIOS[k]] for k in ("equal_market", "equal_public", "equal_coop"))
    word_p = more_or_less(p.net_per_household, m.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    word_c = more_or_less(c.net_per_household, m.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    diff = _difference(con, SCENARIOS["equal_public"], SCENARIOS["equal_market"], "net_per_household")
    diff_c = _difference(con, SCENARIOS["equal_coop"], SCENARIOS["equal_market"], "net_per_household")
    rng = f"; over the parameter draws the difference ranges {_range_text(diff, '')}" if _range_text(diff) else ""
    rng = rng.replace(" , a sign", ", a sign")
    rng_c = f"; difference {_range_text(diff_c, '')}".replace(" , a sign", ", a sign") if _range_text(diff_c) else ""
    # The public company's own roofs can be about as large a set: say they are other roofs, not the same scheme.
    other = ""
    try:
        own_mwp = float(_summary(con, ["public"]).loc[SCENARIOS["public"], "installed_mwp"])
        if _finite(own_mwp) and mwp(own_mwp) == mwp(m.installed_mwp):
            other = (" (not the council-controlled roofs a public company would choose itself, which happen to add up to "
                     "about the same capacity)")
    except (KeyError, Unavailable):
        pass
    sentence = (f"On the same roofs — the {mwp(m.installed_mwp)}{NBSP}MWp where panels are worth building{other} — public "
                f"ownership leaves households "
                f"**{word_p}** the market does ({gbp_auto(p.net_per_household)} against {gbp_auto(m.net_per_household)} "
                f"per household a year{rng}); a co-operative leaves them **{word_c}** the market does "
                f"({gbp_auto(c.net_per_household)}{rng_c}).")
    ranges = {}
    if diff:
        ranges["public_minus_market"] = (diff[0], diff[1])
    if diff_c:
        ranges["coop_minus_market"] = (diff_c[0], diff_c[1])
    return Finding("equal_capacity", "Ownership at equal scale", sentence, CHAPTERS["gains"],
                   values={"mwp": m.installed_mwp, "market": m.net_per_household, "public": p.net_per_household,
                           "coop": c.net_per_household},
                   ranges=ranges,
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and "
                        f"by more than {gbp(MONEY_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]),
                   basis="" if ranges else "no parameter draws in this store: central values only")


def tenure_gains(con) -> Finding:
    """SLOT (economics): social renters against owner-occupiers under market and public ownership, with ranges."""
    table = ECONOMICS_TABLES["tenure"]
    require(con, table, ["scenario", "tenure", "net_per_household"])
    ids = [SCENARIOS["market"], SCENARIOS["public"]]
    t = con.execute(f"SELECT scenario, tenure, net_per_household FROM {table} WHERE scenario IN (?, ?)", ids).df()
    t = t.pivot(index="scenario", columns="tenure", values="net_per_household")
    if not {"owner_occupied", "social_rented"} <= set(t.columns) or not set(ids) <= set(t.index):
        raise Unavailable(f"{table} lacks owner-occupied/social-rented rows for market and public")
    mk, pb = t.loc[ids[0]], t.loc[ids[1]]
    word_m = more_or_less(mk.social_rented, mk.owner_occupied, words=THAN, abs_tol=MONEY_TOL)
    word_p = more_or_less(pb.social_rented, pb.owner_occupied, words=THAN, abs_tol=MONEY_TOL)
    ranges = {}
    for key, scen in (("market", ids[0]), ("public", ids[1])):
        for ten in ("social_rented", "owner_occupied"):
            iv = _interval(con, scen, f"{ten}_net_per_household")
            if iv and all(_finite(v) for v in iv):
                ranges[f"{key}_{ten}"] = (iv[0], iv[1])

    def r(key):
        return f" ({gbp_auto_range(*ranges[key])} over the draws)" if key in ranges else ""

    summary_table = ECONOMICS_TABLES["summary"]
    fixed = None
    if summary_table in tables(con) and "fixed_by_construction" in _columns(con, summary_table):
        fixed = con.execute(f"SELECT fixed_by_construction FROM {summary_table} WHERE scenario = ?", [ids[1]]).fetchone()
    rule_note = (", equal shares per household as its return rule sets"
                 if fixed and fixed[0] and word_p.startswith("about") else "")
    sentence = (f"Under the market, social renters net **{word_m}** owner-occupiers: {gbp_auto(mk.social_rented)} a year "
                f"per household{r('market_social_rented')} against {gbp_auto(mk.owner_occupied)}"
                f"{r('market_owner_occupied')}; under public ownership they net **{word_p}** owner-occupiers"
                f"{rule_note}: {gbp_auto(pb.social_rented)}{r('public_social_rented')} against "
                f"{gbp_auto(pb.owner_occupied)}{r('public_owner_occupied')}.")
    return Finding("tenure_gains", "Renters and owners", sentence, CHAPTERS["gains"],
                   values={"market_social": mk.social_rented, "market_owner": mk.owner_occupied,
                           "public_social": pb.social_rented, "public_owner": pb.owner_occupied},
                   ranges=ranges,
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and "
                        f"by more than {gbp(MONEY_TOL)} a year",
                   sources=(table, ECONOMICS_TABLES["robustness"]),
                   basis="" if ranges else "no parameter draws in this store: central values only")


def _framings(con) -> pd.DataFrame:
    table = ECONOMICS_TABLES["framings"]
    require(con, table, ["framing", "network", "recovery", "generation", "supply", "net_per_household"])
    f = con.execute(f"SELECT * FROM {table}").df().set_index("framing")
    missing = [n for n in FRAMINGS if n not in f.index]
    if missing:
        raise Unavailable(f"{table} has no framing {', '.join(missing)}")
    return f.loc[list(FRAMINGS)]


def policy_framings(con) -> Finding:
    """SLOT (policy): the four policy framings side by side, each with its range over the draws."""
    f = _framings(con)
    rob = ECONOMICS_TABLES["framing_robustness"]
    parts, ranges = [], {}
    for name in FRAMINGS:
        iv = _interval(con, name, "net_per_household", table=rob, key="framing")
        text = f"{gbp_auto(f.loc[name, 'net_per_household'])} under *{name}*"
        notes = []
        if iv and all(_finite(v) for v in iv):
            ranges[name] = (iv[0], iv[1])
            notes.append(gbp_auto_range(iv[0], iv[1]))
        reform = float(f.loc[name, "recovery_reform_per_household"]) if "recovery_reform_per_household" in f else 0.0
        if _finite(reform) and abs(reform) > MONEY_TOL:
            notes.append(f"{gbp_auto(reform)} of it from its charging rule alone")
        parts.append(text + (f" ({'; '.join(notes)})" if notes else ""))
    order = f["net_per_household"].sort_values(ascending=False)
    best, second = order.index[0], order.index[1]
    word = more_or_less(order.iloc[0], order.iloc[1], words=THAN, abs_tol=MONEY_TOL)
    lead = _difference(con, best, FRAMINGS[0], "net_per_household", table=rob, key="framing") \
        if best != FRAMINGS[0] else None
    lead_text = (f"; its lead over the *{FRAMINGS[0]}* is **{robustness(lead[2])}** over the draws"
                 if lead and _finite(lead[2]) else "")
    sentence = (f"A year per household (with ranges over the parameter draws), households net "
                f"{', '.join(parts[:-1])} and {parts[-1]}: *{best}* leaves them **{word}** *{second}*, the next{lead_text}."
                f"{_charging_rule_words(con, f)}")
    return Finding("policy_framings", "Four policy framings", sentence, CHAPTERS["gains"],
                   values={name: float(f.loc[name, "net_per_household"]) for name in FRAMINGS} | {"best": best},
                   ranges=ranges,
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and by more "
                        f"than {gbp(MONEY_TOL)} a year; 'robust' if the lead holds in at least {pct(ROBUST_SHARE)} of draws",
                   sources=(ECONOMICS_TABLES["framings"], rob),
                   basis="" if ranges else "no parameter draws in this store: central values only")


def _charging_rule_words(con, framings: pd.DataFrame) -> str:
    """Why a framing's charging rule moves money, in plain words: charges shared by income fall on places
    richer than the country's mean — and that comparison rests on an assumed national income."""
    if "recovery_reform_per_household" not in framings or not (framings["recovery_reform_per_household"]
                                                                 < -MONEY_TOL).any():
        return ""
    try:
        national = assumption(con, "tariffs", "national_mean_income")
    except Unavailable:
        return ""
    income = _one(con, "SELECT sum(income_mean_gbp * households) / nullif(sum(households) FILTER "
                       "(WHERE income_mean_gbp IS NOT NULL), 0) AS avg_income FROM areas").avg_income
    if not _finite(income):
        return ""
    place = place_name(con) or "the place"
    return (f" Sharing network charges by income moves them onto places that earn more than the country's average: "
            f"{place}'s households' mean income in the model's data is {gbp(income)} a year, against an assumed "
            f"national mean of {gbp(national.value)} ({gbp(national.low)} to {gbp(national.high)}; "
            f"{national.date} terms) — the charging rule's cost here rests on that comparison.")


def _heat_borough(con, table: str) -> pd.DataFrame:
    """The heat-ownership rows at borough scale, one per owner."""
    h = con.execute(f"SELECT * FROM {table}").df()
    if "scale" in h:
        h = h[h["scale"] == "borough"]
    return h.set_index("model")


def heat_ownership(con) -> Finding:
    """SLOT (heat ownership): what a council-owned solar district-heating scheme would do to heat bills."""
    table = ECONOMICS_TABLES["heat"]
    require(con, table, ["model", "areas_built", "households_connected", "solar_heat_gwh",
                         "saving_per_connected_household", "bill_ratio", "share_connected_losing"])
    h = _heat_borough(con, table)
    if "council" not in h.index:
        raise Unavailable(f"{table} has no council row")
    c = h.loc["council"]
    if not c.households_connected:
        raise Unavailable("no household would be connected to a council scheme in this store")
    saving = float(c.saving_per_connected_household)
    iv = _interval(con, HEAT_MODELS["council"], "saving_per_connected_household")
    verb = sign_choice(saving, "save", "lose", "neither save nor lose", MONEY_TOL)
    bills = higher_or_lower(c.bill_ratio, 1.0, words=("higher than", "lower than", "about the same as"))
    rng = f" ({_range_text(iv)})" if _range_text(iv) else ""
    esco = h.loc["esco"] if "esco" in h.index else None
    esco_text = ("" if esco is None else
                 "; a private energy company, charging just under the gas bill, would build nowhere"
                 if not esco.areas_built else
                 f"; a private energy company, charging just under the gas bill, would build in "
                 f"{count(esco.areas_built, 'area')}")
    solar = (f"supply {num(c.solar_heat_gwh)}{NBSP}GWh of solar heat a year" if c.solar_heat_gwh >= 0.05 else
             "get no solar collectors (at these prices they cost more than the gas they save: it would be a "
             "heat network fed by gas boilers)")
    sentence = (f"A council-owned district-heating scheme would connect {num(c.households_connected)} households "
                f"and {solar}; their heat bill would be "
                f"**{bills}** their gas bill ({num(c.bill_ratio, 2)} times), so connected households would **{verb}** "
                f"{gbp_auto(abs(saving))} a year each{rng}{esco_text}.")
    return Finding("heat_ownership", "Who would own solar district heat", sentence, CHAPTERS["gains"],
                   values={"households_connected": c.households_connected, "saving": saving,
                           "bill_ratio": c.bill_ratio, "share_connected_losing": c.share_connected_losing},
                   ranges={"saving": (iv[0], iv[1])} if iv else {},
                   rule=f"'save'/'lose' beyond {gbp(MONEY_TOL)} a year; bills 'about the same' within {pct(SAME_REL)}",
                   sources=(table, ECONOMICS_TABLES["robustness"]),
                   basis="" if iv else "no parameter draws in this store: central values only")


def heat_and_district(con) -> Finding:
    """Heat demand, the district-heating zones and (when the store has it) who would own a solar scheme."""
    h, d = heat_demand(con), district_heat(con)
    parts, values, ranges = [h, d], h.values | d.values, h.ranges | d.ranges
    try:
        o = heat_ownership(con)
        parts.append(o)
        values |= {f"ownership_{k}": v for k, v in o.values.items()}
        ranges |= {f"ownership_{k}": v for k, v in o.ranges.items()}
    except Unavailable:
        pass
    return Finding("heat_and_district", "Heat and district heating", " ".join(p.sentence for p in parts),
                   CHAPTERS["heat"], values=values, ranges=ranges,
                   rule="; ".join(p.rule for p in parts if p.rule),
                   sources=tuple(t for p in parts for t in p.sources),
                   basis="the zones are counted against stated thresholds, not estimated with a range (the thresholds' ranges are "
                         "in the heat chapter)")


#: Headline metrics of the robust-or-fragile table, and the models it covers (own scale, then equal capacity).
ROBUST_METRICS = ("net_per_household", "top_minus_bottom", "bottom_decile_net")
ROBUST_SCENARIOS = ("market", "public", "coop", "equal_market", "equal_public", "equal_coop")


def _robust_rows(con, metrics=ROBUST_METRICS, scenario_keys=ROBUST_SCENARIOS, differences=False) -> pd.DataFrame:
    table = ECONOMICS_TABLES["robustness"]
    require(con, table, ["scenario", "metric", "kind", "central", "low", "high", "share_same_sign"])
    ids = [SCENARIOS[k] for k in scenario_keys]
    r = con.execute(f"""SELECT scenario, metric, kind, central, low, high, share_same_sign FROM {table}
                        WHERE kind = 'level' AND metric IN ({', '.join('?' * len(metrics))})
                        AND scenario IN ({', '.join('?' * len(ids)) or 'NULL'})""", list(metrics) + ids).df()
    if differences:
        d = con.execute(f"""SELECT scenario, metric, kind, central, low, high, share_same_sign FROM {table}
                            WHERE kind = 'difference' AND metric IN ({', '.join('?' * len(metrics))})
                            AND scenario LIKE '%@worthwhile_roofs minus market@worthwhile_roofs:%'""", list(metrics)).df()
        r = pd.concat([r, d], ignore_index=True)
    order = {s: i for i, s in enumerate(ids)}
    r["_s"] = r.scenario.map(order).fillna(len(ids))
    pair = r.scenario.str.split(":").str[0]  # a difference row's pair of scenarios, without its metric
    models = ("public", "public_progressive", "coop", "aggregator", "market_batteries")  # favoured models first
    r["_p"] = [f"{next((i for i, m in enumerate(models) if p.startswith(m + '@')), len(models))}{p}" for p in pair]
    r["_m"] = r.metric.map({m: i for i, m in enumerate(metrics)})
    return r.sort_values(["kind", "_s", "_p", "_m"], ascending=[False, True, True, True]).drop(columns=["_s", "_p", "_m"])


def _model_label(scenario: str, short: bool = False) -> str:
    """Words for a table's model column; a difference ``"A@roofs minus market@roofs: m"`` reads
    ``"<A> vs market-led, <roofs>"`` (shorter than both labels in full), or ``"<A>"`` with ``short``
    (a table whose caption says what every row is compared with)."""
    from analysis.charts import label

    m = re.fullmatch(r"(.+?)@(\w+) minus market@\2(?:: \w+)?", scenario)
    if m:
        return label(m.group(1)) if short else f"{label(m.group(1))} vs market-led, {label(m.group(2))}"
    return label(scenario)


def robust_or_fragile(con) -> Finding:
    """SLOT (economics): how many headline signs survive the joint parameter draws."""
    r = _robust_rows(con)
    if r.empty:
        raise Unavailable(f"{ECONOMICS_TABLES['robustness']} has no headline metrics")
    robust = int((r.share_same_sign >= ROBUST_SHARE).sum())
    sentence = (f"Of {count(len(r), 'headline sign')} (net gain, richest-minus-poorest gap and the poorest tenth's "
                f"gain under each ownership model, at its own scale and on all suitable roofs), {num(robust)} "
                f"{'is' if robust == 1 else 'are'} **robust** and {num(len(r) - robust)} **fragile** over the joint "
                f"parameter draws (table below).")
    return Finding("robust_or_fragile", "Robust or fragile", sentence, CHAPTERS["gains"],
                   values={"headlines": len(r), "robust": robust},
                   rule=f"'robust' if the central sign holds in ≥ {pct(ROBUST_SHARE)} of draws",
                   sources=(ECONOMICS_TABLES["robustness"],),
                   basis="a count of the rows of the table below, not an estimate")


#: Headlines that are a place's totals a year (not amounts per household).
TOTAL_METRICS = ("real_value", "grants", "capex", "to_households", "to_public", "to_outside",
                 *(f"{party}_net" for party in ("households", "coop_members", "treasury", "housing_revenue_account",
                                                "public_bodies", "private_landlords", "businesses", "faith_communities",
                                                "aggregator", "esco", "capital_providers", "suppliers",
                                                "network_owners")), "owner_net")


def _is_total(metric: str) -> bool:
    """A place's total a year (``real_value``, ``treasury_net`` …), not an amount per household."""
    return metric in TOTAL_METRICS


def _metric_value(metric: str, value) -> str:
    """A headline value as a reader sees it: shares in %, indices to two figures, totals in words, else £."""
    if metric.startswith("share"):
        return pct(value, 1)
    if metric.startswith("concentration") or metric.endswith("pct_income"):
        return num_sig(value, 2, signed=True)
    if metric == "installed_mwp":
        return num(value, 1, unit="MWp")
    if _is_total(metric):
        return gbp_compact(value)
    return gbp_auto(value)


def _metric_range(metric: str, low, high) -> str:
    """A headline's range in the units of :func:`_metric_value`."""
    lo, hi = sorted((float(low), float(high)))
    if metric.startswith("share"):
        return pct_range(lo, hi, 1)
    if metric.startswith("concentration") or metric.endswith("pct_income"):
        return f"{num_sig(lo, 2)} to {num_sig(hi, 2)}"
    if metric == "installed_mwp":
        return num_range(lo, hi, 1, unit="MWp")
    if _is_total(metric):
        return f"{gbp_compact(lo)} to {gbp_compact(hi)}"
    return gbp_auto_range(lo, hi)


def robustness_table(con, metrics=ROBUST_METRICS, scenario_keys=ROBUST_SCENARIOS, differences=False,
                     short_models: bool = False) -> pd.DataFrame:
    """The robust-or-fragile table for a reader: labels, not codes; money with a true minus sign.

    Columns: ``Ownership model``, ``Measure``, ``Central``, ``Verdict`` (rule: :data:`ROBUST_SHARE`),
    ``Sign holds in`` and ``<N> % range over the draws``. Rows fixed by a scenario's own
    rule are not in the store's table (the economics step leaves them out).
    """
    from analysis.charts import label

    r = _robust_rows(con, metrics, scenario_keys, differences)
    return pd.DataFrame({  # the verdict early: on a phone the first columns are the ones seen without scrolling
        "Ownership model": [_model_label(v, short_models) for v in r.scenario],
        "Measure": r.metric.map(label),
        "Central": [_metric_value(m, v) for m, v in zip(r.metric, r.central)],
        "Verdict": [robustness(v) for v in r.share_same_sign],
        "Sign holds in": [share_of_draws(v) + " of draws" for v in r.share_same_sign],
        f"{DRAW_INTERVAL_PCT}{NBSP}% range over the draws": [_metric_range(m, lo, hi)
                                                             for m, lo, hi in zip(r.metric, r.low, r.high)],
    })


#: Findings on the key-findings page, in order: (function, lead used when it is pending).
KEY_FINDINGS: list[tuple[Callable, str]] = [
    (pv_potential, "Solar electricity"),
    (roofs_and_homes, "Who owns the roofs"),
    (who_gains_market, "What the market would do"),                # economics slot
    (who_pays, "Who pays"),                                         # economics slot
    (equal_capacity, "Ownership at equal scale"),                  # economics slot
    (policy_framings, "Four policy framings"),                     # policy slot
    (heat_and_district, "Heat and district heating"),              # incl. heat ownership
]
#: Finding functions whose evidence is in the who-gains chapter (pending ones link there).
_GAINS_SLOTS = ("who_gains_market", "who_pays", "equal_capacity", "tenure_gains", "robust_or_fragile",
                "policy_framings", "heat_ownership")


def run_all(con, entries) -> tuple[list[Finding], list[Pending]]:
    """Run finding functions; return the findings and, for the rest, why they are pending."""
    done, pending = [], []
    for func, lead in entries:
        try:
            done.append(func(con))
        except Unavailable as exc:
            chapter = CHAPTERS["gains"] if func.__name__ in _GAINS_SLOTS else ""
            pending.append(Pending(func.__name__, lead, _why(exc), chapter))
    return done, pending


def word_or(default: str, func, *args, **kwargs) -> str:
    """``func(*args)`` (a direction-word function), or ``default`` when a number it needs is missing."""
    try:
        return func(*args, **kwargs)
    except NoValue:
        return default


def _why(exc: Unavailable) -> str:
    """Why a finding is pending, in words (a missing number says so, not only which comparison failed)."""
    return f"a number it needs is missing for this place ({exc})" if isinstance(exc, NoValue) else str(exc)


def key_findings(con) -> tuple[list[Finding], list[Pending]]:
    """The book's key findings (see :data:`KEY_FINDINGS`) and the ones this store cannot give."""
    return run_all(con, KEY_FINDINGS)


# --------------------------------------------------------------------------------------------
# Where the evidence cuts against the argument
# --------------------------------------------------------------------------------------------

#: Headline metrics whose sign the evidence page checks across parameter draws.
SIGN_METRICS = {"net_per_household": "the net gain per household", "bottom_decile_net": "the poorest tenth's net gain",
                "social_rented_net_per_household": "social renters' net gain"}
#: Ownership models the argument favours (their gains should be positive and evenly spread).
FAVOURED = {"public": "public ownership", "coop": "a community co-operative",
            "equal_public": "public ownership at equal capacity", "equal_coop": "a co-operative at equal capacity"}


def sign_flips(con) -> list[Finding]:
    """Favoured models whose headline gains change sign across the joint parameter draws (one finding per model)."""
    table = ECONOMICS_TABLES["robustness"]
    require(con, table, ["scenario", "metric", "kind", "central", "low", "high", "share_same_sign"])
    out = []
    for key, name in FAVOURED.items():
        parts, values = [], {}
        for metric, what in SIGN_METRICS.items():
            row = con.execute(f"SELECT central, low, high, share_same_sign FROM {table} WHERE scenario = ? "
                              "AND metric = ? AND kind = 'level'", [SCENARIOS[key], metric]).fetchone()
            if row is None or not all(_finite(v) for v in row):
                continue
            central, low, high, share = row
            d = money_decimals(low, high)
            if share >= ROBUST_SHARE or round(low, d) * round(high, d) >= 0:
                continue  # the sign holds, or the range does not cross zero at the precision shown
            parts.append(f"{what} ({gbp_auto(central)} a year in the central case, {gbp_auto_range(low, high)} over "
                         f"the draws; its sign holds in {share_of_draws(share)} of them)")
            values[metric] = {"central": central, "low": low, "high": high, "share_same_sign": share}
        if not parts:
            continue
        listed = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]
        out.append(Finding(
            f"sign_flip_{key}", "A sign that does not hold",
            f"Under {name} the sign is **{robustness(min(v['share_same_sign'] for v in values.values()))}** for "
            f"{listed}.", CHAPTERS["gains"], values=values,
            rule=f"listed when a range crosses zero and its sign holds in fewer than {pct(ROBUST_SHARE)} of draws",
            sources=(table,)))
    return out


def equal_capacity_short(con) -> list[Finding]:
    """Favoured models that leave households less than the market does on the same roofs."""
    f = equal_capacity(con)
    v = f.values
    short = [k for k in ("public", "coop") if more_or_less(v[k], v["market"], abs_tol=MONEY_TOL) == "less"]
    return [f] if short else []


def wider_gaps(con) -> list[Finding]:
    """Favoured models whose richest-minus-poorest gap, at the market's scale, is wider than the market's
    or points the other way (the richest gain more where under the market the poorest do)."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    m = s.loc[SCENARIOS["equal_market"]]
    out = []
    for key in ("equal_public", "equal_coop"):
        row = s.loc[SCENARIOS[key]]
        word = wider_or_narrower(row.top_minus_bottom, m.top_minus_bottom, abs_tol=MONEY_TOL)
        if word not in ("wider", "reversed"):
            continue
        name = FAVOURED[key].replace(" at equal capacity", "")
        if word == "reversed":
            sentence = (f"With the same roofs built, the gap between the richest and the poorest tenth of households "
                        f"**reverses** under {name}: {gap_side(row.top_minus_bottom)} "
                        f"({gbp_auto(row.top_minus_bottom)} a year per household, richest minus poorest), where under "
                        f"the market {gap_side(m.top_minus_bottom)} ({gbp_auto(m.top_minus_bottom)}).")
            lead = "A gap that reverses"
        else:
            sentence = (f"With the same roofs built, the gap between the richest and the poorest tenth of households is "
                        f"**{word}** under {name} ({gbp_auto(row.top_minus_bottom)} a year per household) than "
                        f"under the market ({gbp_auto(m.top_minus_bottom)}).")
            lead = "A wider gap"
        out.append(Finding(
            f"wider_gap_{key}", lead, sentence, CHAPTERS["gains"],
            values={"gap": row.top_minus_bottom, "market_gap": m.top_minus_bottom, "word": word},
            rule=f"listed when the gaps point opposite ways (each beyond {gbp(MONEY_TOL)}), or when the absolute gap "
                 f"exceeds the market's by more than {pct(SAME_REL)}",
            sources=(ECONOMICS_TABLES["summary"],)))
    return out


def concentrated_gains(con) -> list[Finding]:
    """Favoured models whose own gains concentrate among richer households (index above the band)."""
    s = _summary(con, ["coop", "equal_coop", "public", "equal_public"])
    out = []
    for key in ("coop", "equal_coop", "public", "equal_public"):
        row = s.loc[SCENARIOS[key]]
        c = row.concentration_benefit_deciles
        fixed = str(row.get("fixed_by_construction", "") or "")
        # |C| > 1 happens only when gains change sign across deciles (a mean near zero): not a finding;
        # nor is an index the scenario's own return rule sets.
        if not _finite(c) or abs(c) > 1 or gain_progressivity(c) != "regressive" or "concentration" in fixed:
            continue
        out.append(Finding(
            f"concentrated_{key}", "Gains that concentrate",
            f"Under {FAVOURED[key]} the gains still lean to richer households: their concentration index is "
            f"{num(c, 2, signed=True)} (**{gain_progressivity(c)}**).", CHAPTERS["gains"],
            values={"concentration": c},
            rule=f"listed when the concentration index of gains exceeds +{INDEX_BAND} (and lies within ±1, i.e. "
                 "gains do not change sign across deciles)",
            sources=(ECONOMICS_TABLES["summary"],)))
    return out


def value_by_ownership(con) -> Finding:
    """Whether who owns the panels changes the value they create (the same roofs), not only who gets it."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    if "real_value" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks real_value")
    m, p, c = (float(s.loc[SCENARIOS[k], "real_value"]) for k in ("equal_market", "equal_public", "equal_coop"))
    word = more_or_less(p, m, words=THAN, abs_tol=VALUE_TOL)
    iv = _interval(con, SCENARIOS["equal_public"], "real_value")
    rng = (f" ({gbp_compact(min(iv[0], iv[1]))} to {gbp_compact(max(iv[0], iv[1]))} over the draws, a sign that is "
           f"**{robustness(iv[2])}**)" if iv and all(_finite(v) for v in iv) else "")
    same_third = abs(p - c) <= VALUE_TOL
    third = ("a public owner or a co-operative" if same_third else "a public owner")
    why = (" Third-party owners pay to sell the power on site (metering and billing), for rooftop leases and for "
           "the agreement of every party with a say over a roof; a roof's owner using its own power pays none of it "
           "({doc}`02_data_methods`)." if word == "less than" else "")
    sentence = (f"Who owns the panels changes the value they create, not only who gets it: on the roofs where panels "
                f"are worth building, "
                f"panels held by {third} create {gbp_compact(p)} a year{rng} — **{word}** the {gbp_compact(m)} when "
                f"each roof's owner holds them." + why) if word != "about as much as" else (
                f"On the roofs where panels are worth building, panels held by {third} create {gbp_compact(p)} a "
                f"year{rng}, **about as much "
                f"as** the {gbp_compact(m)} when each roof's owner holds them: ownership decides who gets the value.")
    return Finding("value_by_ownership", "Ownership and value", sentence, CHAPTERS["gains"],
                   values={"owner_held_gbp": m, "public_gbp": p, "coop_gbp": c, "word": word},
                   ranges={"public_gbp": (iv[0], iv[1])} if iv else {},
                   rule=f"'more'/'less' when the totals differ by more than {pct(SAME_REL)} of the larger and by more "
                        f"than {gbp_compact(VALUE_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"],))


def third_party_value_short(con) -> list[Finding]:
    """Public or co-operative panels creating less value than owner-held ones on the same roofs."""
    f = value_by_ownership(con)
    return [f] if f.values["word"] == "less than" else []


def cost_shift_small(con) -> list[Finding]:
    """The market's cost shift onto other bill payers, when it is under :data:`MONEY_TOL` per household."""
    s = _summary(con, ["market", "market_batteries"])
    if "cost_shift_per_household" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks cost_shift_per_household")
    mk, mb = (float(s.loc[SCENARIOS[k], "cost_shift_per_household"]) for k in ("market", "market_batteries"))
    if max(abs(mk), abs(mb)) >= MONEY_TOL:
        return []
    iv = _interval(con, SCENARIOS["market"], "cost_shift_per_household")
    rng = f" ({gbp_auto_range(iv[0], iv[1])} over the draws)" if iv and all(_finite(v) for v in iv) else ""
    elsewhere = -float(s.loc[SCENARIOS["market"], "bill_payers_elsewhere_net"]) if "bill_payers_elsewhere_net" in s \
        else float("nan")
    away = (f"; bill payers elsewhere pick up {gbp_compact(elsewhere)} a year" if _finite(elsewhere) else "")
    return [Finding(
        "cost_shift_small", "A cost shift that leaves the place",
        f"At the scale the market would build, the costs that self-consumers no longer pay and the place's other "
        f"households pick up come to {gbp_auto(mk)} per household a year{rng}, {gbp_auto(mb)} with batteries: "
        f"**{more_or_less(max(abs(mk), abs(mb)), MONEY_TOL, words=THAN, rel_tol=0)}** {gbp(MONEY_TOL)}, because they "
        f"are recovered across the country{away}.",
        CHAPTERS["gains"], values={"market": mk, "market_batteries": mb, "elsewhere": elsewhere},
        rule=f"listed when the place's share of the shift is under {gbp(MONEY_TOL)} per household a year",
        sources=(ECONOMICS_TABLES["summary"],))]


def heat_ownership_losing(con) -> list[Finding]:
    """Solar district heat owned by the council or a co-op that leaves connected households worse off than gas."""
    table = ECONOMICS_TABLES["heat"]
    require(con, table, ["model", "households_connected", "saving_per_connected_household", "bill_ratio",
                         "share_connected_losing"])
    h = _heat_borough(con, table)
    losing = [m for m in ("council", "coop") if m in h.index and h.loc[m, "households_connected"] > 0
              and h.loc[m, "saving_per_connected_household"] < -MONEY_TOL]
    if not losing:
        return []
    c = h.loc[losing[0]]
    names = {"council": "the council", "coop": "a co-operative"}
    iv = _interval(con, HEAT_MODELS[losing[0]], "saving_per_connected_household")
    rng = f" ({_range_text(iv)})" if _range_text(iv) else ""
    other = [m for m in losing[1:]]
    other_text = "".join(f"; owned by {names[m]}, {gbp_auto(h.loc[m, 'saving_per_connected_household'])} "
                         f"({num(h.loc[m, 'bill_ratio'], 2)} times the gas bill)" for m in other)
    munich = munich_carries_over(c.bill_ratio)
    solar = float(c["solar_heat_gwh"]) if "solar_heat_gwh" in c.index and _finite(c["solar_heat_gwh"]) else None
    scheme = ("A solar district-heating scheme" if solar is None or solar > 0 else
              "A district-heating scheme (fed by gas boilers: no solar collectors pay at these prices)")
    sentence = (f"{scheme} owned by {names[losing[0]]} would **lose money** for the households it "
                f"connects: their heat would cost {num(c.bill_ratio, 2)} times their gas bill, "
                f"{gbp_auto(c.saving_per_connected_household)} a year per connected household{rng}, and "
                f"{pct(c.share_connected_losing)} of connected households would lose{other_text}. Munich's reported "
                f"halving of heating bills **{munich}** at these costs (a halving needs heat at "
                f"{num(MUNICH_HALVING_RATIO, 2)} times the gas bill or less; part of it holds up to "
                f"{num(MUNICH_PART_RATIO, 2)} times).")
    return [Finding("heat_ownership_losing", "District heat that costs more", sentence, CHAPTERS["gains"],
                    values={"model": losing[0], "saving": c.saving_per_connected_household, "bill_ratio": c.bill_ratio,
                            "share_connected_losing": c.share_connected_losing, "munich": munich},
                    ranges={"saving": (iv[0], iv[1])} if iv else {},
                    rule=f"listed when connected households lose more than {gbp(MONEY_TOL)} a year; Munich's halving "
                         f"carries over at a bill ratio ≤ {num(MUNICH_HALVING_RATIO, 2)}, in part ≤ "
                         f"{num(MUNICH_PART_RATIO, 2)}",
                    sources=(table, ECONOMICS_TABLES["robustness"]))]


#: A change in the value created smaller than this counts as batteries "about paying for themselves" [£/yr].
BATTERY_VALUE_TOL = 1_000.0


def battery_assumption(con) -> list[Finding]:
    """Framings whose generation includes home batteries, whose take-up is an assumed share (no payback test)."""
    f = _framings(con)
    with_batteries = [n for n in FRAMINGS if f.loc[n, "generation"] == "market_batteries"]
    if not with_batteries:
        return []
    s = _summary(con, ["market", "market_batteries"])
    mk, mb = s.loc[SCENARIOS["market"]], s.loc[SCENARIOS["market_batteries"]]
    take = assumption(con, "batteries", "battery_adoption_owner_occupier_adopters")
    extra = float(mb.real_value - mk.real_value)  # what the batteries add to the value created [£/yr]
    pays = sign_choice(extra, "they save more than they cost", "they cost more than they save",
                       "they about pay for themselves", BATTERY_VALUE_TOL)
    net_word = more_or_less(mb.net_per_household, mk.net_per_household, words=THAN, abs_tol=MONEY_TOL / 10)
    names = " and ".join(f"*{n}*" for n in with_batteries)
    sentence = (f"The {names} framing{'s' if len(with_batteries) > 1 else ''} add home batteries to the market: "
                f"{pct(take.value)} of owner-occupiers who install panels are **assumed** to add one "
                f"({pct_range(take.low, take.high)} over the draws, more often the richer they are), with no payback "
                f"test. With batteries the panels create {gbp_compact(mb.real_value)} of value a year against "
                f"{gbp_compact(mk.real_value)} without, a change of {gbp_compact(extra)}: **{pays}** — and households net "
                f"{gbp_auto(mb.net_per_household)} a year each, **{net_word}** the {gbp_auto(mk.net_per_household)} "
                f"without them. That part of these framings' results is an assumption about who buys batteries, not a "
                f"finding about them.")
    return [Finding("battery_assumption", "An assumption behind two framings" if len(with_batteries) > 1
                    else "An assumption behind a framing", sentence, CHAPTERS["gains"],
                    values={"framings": with_batteries, "take_up": take.value, "value_with": mb.real_value,
                            "value_without": mk.real_value, "net_with": mb.net_per_household,
                            "net_without": mk.net_per_household},
                    ranges={"take_up": (take.low, take.high)},
                    rule=f"listed whenever a framing includes batteries; they 'cost more than they save' when they lower "
                         f"the value created by more than {gbp_compact(BATTERY_VALUE_TOL)} a year",
                    sources=(ECONOMICS_TABLES["framings"], ECONOMICS_TABLES["summary"], "assumptions"))]


def framing_vs_cell(con) -> list[Finding]:
    """Framings whose result differs from their cell of the policy matrix, and why (from the data)."""
    f = _framings(con)
    table = ECONOMICS_TABLES["cells"]
    require(con, table, ["cell", "net_per_household"])
    cells = con.execute(f"SELECT cell, net_per_household FROM {table}").df().set_index("cell")["net_per_household"]
    from analysis.charts import label

    out = []
    for name in FRAMINGS:
        row = f.loc[name]
        cell = f"{row.network}/{row.recovery}/{row.generation}"
        if cell not in cells.index:
            continue
        diff = float(row.net_per_household - cells[cell])
        if abs(diff) <= MONEY_TOL:
            continue
        word = more_or_less(row.net_per_household, cells[cell], words=THAN, abs_tol=MONEY_TOL)
        if row.supply != "private":
            try:
                margin = assumption(con, "policy", "public_supply_margin_share")
                margin_text = (f" — the supplier's margin, {pct(margin.value, 1)} of the electricity bill "
                               f"({pct_range(margin.low, margin.high, 1)}), returned to households")
            except Unavailable:
                margin_text = ""
            why = (f"every cell of the matrix keeps electricity supply private, while the framing also takes supply "
                   f"into public ownership{margin_text}: {gbp_auto(diff, signed=True)} per household a year")
        else:
            why = f"the two differ by {gbp_auto(diff, signed=True)} per household a year for a reason not in the store"
        out.append(Finding(
            f"framing_vs_cell_{name.lower().replace(' ', '_')}", "One policy, two numbers",
            f"*{name}* leaves households {gbp_auto(row.net_per_household)} a year each, **{word}** the "
            f"{gbp_auto(cells[cell])} of its cell in the policy matrix ({label(cell)}): {why}.", CHAPTERS["gains"],
            values={"framing": float(row.net_per_household), "cell": float(cells[cell]), "difference": diff},
            rule=f"listed when a framing and its cell differ by more than {gbp(MONEY_TOL)} per household a year",
            sources=(ECONOMICS_TABLES["framings"], table, "assumptions")))
    return out


def solar_heat_short(con) -> list[Finding]:
    """The Ackermannbogen check when the model falls short of the reported solar fraction."""
    f = solar_heat_check(con)
    return [f] if f.values["position"] == "below" else []


def owner_occupiers_small(con) -> list[Finding]:
    """Owner-occupiers' roofs carry less capacity than their share of homes: less for them to capture."""
    f = roof_owners(con)
    if f.values["owner_occupier_capacity_share"] >= f.values["owner_occupier_home_share"] * (1 - SAME_REL):
        return []
    return [f]


#: Checks on the evidence page: (function, what it looks for). Economics checks first.
EVIDENCE_CHECKS: list[tuple[Callable, str]] = [
    (sign_flips, "gains of public or co-operative ownership whose sign changes across parameter draws"),
    (equal_capacity_short, "public or co-operative ownership leaving households less than the market on the same roofs"),
    (wider_gaps, "richest-minus-poorest gaps that are wider under public or co-operative ownership than under the "
                 "market, or that point the other way"),
    (concentrated_gains, "public or co-operative gains that still concentrate among richer households"),
    (third_party_value_short, "public or co-operative panels creating less value than owner-held panels on the same "
                              "roofs"),
    (cost_shift_small, "a cost shift onto other bill payers under the stated threshold per household a year"),
    (battery_assumption, "framings whose result rests on an assumed take-up of home batteries"),
    (heat_ownership_losing, "a council- or co-op-owned solar district-heating scheme that costs connected households "
                            "more than gas"),
    (owner_occupiers_small, "owner-occupiers' roofs carrying less capacity than their share of homes"),
    (solar_heat_short, "a modelled Ackermannbogen solar fraction below the one reported for the real scheme"),
]
#: Numbers that differ between two tables, explained on the evidence page (not evidence against the argument).
RECONCILIATIONS: list[tuple[Callable, str]] = [
    (framing_vs_cell, "policy framings whose result differs from their cell of the policy matrix"),
]


def evidence_against(con, checks=None) -> tuple[list[Finding], list[str], list[Pending]]:
    """Run every check of :data:`EVIDENCE_CHECKS` (or ``checks``).

    Returns
    -------
    findings : list of Finding
        What the checks found (each sentence generated from the store).
    clear : list of str
        Checks that ran and found nothing (said on the page too).
    pending : list of Pending
        Checks this store cannot run, and why.
    """
    found, clear, pending = [], [], []
    for func, what in (EVIDENCE_CHECKS if checks is None else checks):
        try:
            hits = func(con)
        except Unavailable as exc:
            pending.append(Pending(func.__name__, what, _why(exc), CHAPTERS["gains"]))
            continue
        (found.extend(hits) if hits else clear.append(what))
    return found, clear, pending


def reconciliations(con) -> tuple[list[Finding], list[str], list[Pending]]:
    """Run :data:`RECONCILIATIONS` (same returns as :func:`evidence_against`)."""
    return evidence_against(con, RECONCILIATIONS)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def to_markdown(findings, numbered: bool = True, link_text: str = "evidence", links: bool = True) -> str:
    """Findings as a Markdown list, each with a link to its chapter (MyST ``{doc}`` role; ``links=False``
    on the chapter itself)."""
    lines = []
    for i, f in enumerate(findings, 1):
        bullet = f"{i}." if numbered else "-"
        link = f" ({{doc}}`{link_text} <{f.chapter}>`)" if f.chapter and links else ""
        basis = f" *{f.basis[:1].upper() + f.basis[1:]}.*" if f.basis else ""
        lines.append(f"{bullet} **{f.lead}.** {f.sentence}{basis}{link}")
    return "\n".join(lines)


def pending_markdown(pending) -> str:
    """The findings this store could not give, as a Markdown list (said, never hidden)."""
    return "\n".join(f"- *{p.lead}*: not in this build — {p.reason}." for p in pending)


def rules_intro() -> str:
    """The thresholds behind every direction word, in one paragraph (for the key-findings page)."""
    return (f"Two amounts count as \"about the same\" when they differ by no more than {pct(SAME_REL)} of the larger "
            f"(sums of money per household also when they differ by less than {gbp(MONEY_TOL)} a year). "
            f"A distribution index between {num(-INDEX_BAND, 2)} and +{num(INDEX_BAND, 2)} counts as even (for costs: "
            f"proportional); above it, gains are regressive (they lean to richer households) and costs progressive. "
            f"A conclusion is \"robust\" when its sign holds in at least {pct(ROBUST_SHARE)} of the joint draws of the "
            f"model's parameters, and \"fragile\" otherwise.")


def rules_markdown(findings) -> str:
    """The rule behind each finding's direction words, as a Markdown list."""
    return "\n".join(f"- *{f.lead}*: {f.rule}." for f in findings if f.rule)


def frame(findings) -> pd.DataFrame:
    """Findings as a table (key, lead, sentence, chapter, values, ranges, rule) for downloads."""
    def plain(text: str) -> str:  # MyST roles and emphasis to plain text
        text = re.sub(r"\{[\w:.-]+\}`(?:[^`<]*<)?([^`>]*)>?`", r"\1", text)
        return text.replace("**", "").replace("*", "")

    return pd.DataFrame([{"key": f.key, "lead": f.lead, "sentence": plain(f.sentence),
                          "chapter": f.chapter, "values": f.values, "ranges": f.ranges, "rule": f.rule,
                          "basis": f.basis, "sources": ", ".join(f.sources)} for f in findings])
