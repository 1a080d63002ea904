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

==========================  =====  ==========================================================
constant                    value  meaning
==========================  =====  ==========================================================
:data:`SAME_REL`            0.05   two amounts within 5 % of the larger are "about the same"
:data:`INDEX_BAND`          0.05   an index within ±0.05 of zero is "proportional"/"even"
:data:`ROBUST_SHARE`        0.90   a sign that holds in ≥ 90 % of parameter draws is "robust"
:data:`MONEY_TOL`           1.0    £ per household a year under which two sums are the same
==========================  =====  ==========================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

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
    return f"{sign}£{text[len(sign):]}" + (f" per {per}" if per else "")


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


def num_range(low, high, decimals: int = 0, unit: str = "") -> str:
    """A range of plain numbers: ``195–550 GWh``; with a negative end ``−3 to 5 %``."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    lo, hi = sorted((float(low), float(high)))
    a, b = num(lo, decimals), num(hi, decimals)
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

def _compare(value, reference, rel_tol: float, words: tuple[str, str, str], abs_tol: float = 0.0) -> str:
    if not (_finite(value) and _finite(reference)):
        raise ValueError(f"cannot compare {value!r} with {reference!r}")
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
                      words=("wider", "narrower", "about as wide"), abs_tol: float = 0.0) -> str:
    """Compare the *absolute* size of two gaps (e.g. richest-minus-poorest £): ``"wider"`` when
    ``|gap|`` exceeds ``|reference_gap|`` by more than ``rel_tol`` of the larger (and ``abs_tol``)."""
    return _compare(abs(float(gap)), abs(float(reference_gap)), rel_tol, tuple(words), abs_tol)


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
        raise ValueError("no concentration index")
    c = float(concentration_index)
    return "regressive" if c > band else ("progressive" if c < -band else "evenly spread")


def cost_progressivity(suits_index, band: float = INDEX_BAND) -> str:
    """Word for how a *cost* is borne across incomes (Suits index S, Suits 1977).

    ``"progressive"`` if S > band (costs rise faster than income), ``"regressive"`` if
    S < −band, else ``"proportional"`` (costs roughly in proportion to income).
    """
    if not _finite(suits_index):
        raise ValueError("no Suits index")
    s = float(suits_index)
    return "progressive" if s > band else ("regressive" if s < -band else "proportional")


def robustness(share_same_sign, threshold: float = ROBUST_SHARE) -> str:
    """``"robust"`` when a sign holds in at least ``threshold`` of parameter draws, else ``"fragile"``."""
    if not _finite(share_same_sign):
        raise ValueError("no share of draws")
    return "robust" if float(share_same_sign) >= threshold else "fragile"


def share_words(fraction, tol: float = SAME_REL) -> str:
    """``"fewer than half"``, ``"about half"`` or ``"more than half"`` (within ``tol`` of one half: about half)."""
    if not _finite(fraction):
        raise ValueError("no share")
    f = float(fraction)
    return "about half" if abs(f - 0.5) <= tol else ("fewer than half" if f < 0.5 else "more than half")


def gain_or_loss(value, words=("gain", "loss", "no change")) -> str:
    """``"gain"`` for a positive amount that rounds to at least £1, ``"loss"`` for a negative one."""
    v = round(float(value))
    return words[0] if v > 0 else (words[1] if v < 0 else words[2])


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

#: The chapters findings link to (MyST document names, relative to ``book/``).
CHAPTERS = {"pv": "03_rooftop_pv", "heat": "04_heat", "ownership": "05_ownership", "gains": "06_who_gains",
            "data": "02_data_methods", "validation": "08_validation", "methods": "methods"}


class Unavailable(Exception):
    """A finding cannot be written from this store (a table or column is missing)."""


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
    """

    key: str
    lead: str
    sentence: str
    chapter: str
    values: dict = field(default_factory=dict)
    ranges: dict = field(default_factory=dict)
    rule: str = ""
    sources: tuple = ()


@dataclass(frozen=True)
class Pending:
    """A finding that could not be written from this store, and why."""

    key: str
    lead: str
    reason: str
    chapter: str


def tables(con) -> set[str]:
    """Names of the tables in the store."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


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
                f"{num(t.mwp)}{NBSP}MWp on {count(t.nb, 'suitable building')}: **{word}** the "
                f"{num(t.elec)}{NBSP}GWh its households use at home ({pct(t.gwh / t.elec)} of it).")
    return Finding("pv_potential", "Solar electricity", sentence, CHAPTERS["pv"],
                   values={"gwh": t.gwh, "mwp": t.mwp, "domestic_elec_gwh": t.elec, "share_of_domestic": t.gwh / t.elec},
                   ranges={"gwh": (t.lo, t.hi), "share_of_domestic": (t.lo / t.elec, t.hi / t.elec)},
                   rule=f"'more'/'less' when the central output differs from domestic use by more than "
                        f"{pct(SAME_REL)} of the larger",
                   sources=("area_potential",))


def roof_owners(con) -> Finding:
    """Whose roofs carry the capacity, against owner-occupiers' share of households."""
    require(con, "buildings", ["roof_owner", "dw_owner_occupied"])
    require(con, "building_potential", ["kwp_central"])
    from analysis.charts import label

    own = con.execute("""SELECT b.roof_owner, sum(p.kwp_central) kwp, sum(p.kwp_low) lo, sum(p.kwp_high) hi
                         FROM buildings b JOIN building_potential p USING (building_id)
                         GROUP BY 1 ORDER BY kwp DESC""").df()
    hh = _one(con, "SELECT sum(dw_owner_occupied) oo, sum(dwellings) dw FROM buildings")
    share = own.set_index("roof_owner")["kwp"] / own["kwp"].sum()
    oo_share = float(share.get("owner_occupier", 0.0))
    oo_hh = hh.oo / hh.dw
    top = own.iloc[0]
    word = more_or_less(oo_share, oo_hh, words=THAN)
    lead_owner = label(top.roof_owner).lower()
    sentence = (f"Owner-occupiers' own roofs carry **{pct(oo_share)}** of the solar capacity — **{word}** "
                f"their {pct(oo_hh)} share of homes; the largest share, **{pct(share.iloc[0])}**, is on roofs "
                f"owned by {_plural_owner(lead_owner)}.")
    return Finding("roof_owners", "Who owns the roofs", sentence, CHAPTERS["ownership"],
                   values={"owner_occupier_capacity_share": oo_share, "owner_occupier_home_share": oo_hh,
                           "largest_owner": top.roof_owner, "largest_owner_share": float(share.iloc[0])},
                   rule=f"'more'/'less' when the shares differ by more than {pct(SAME_REL)} of the larger",
                   sources=("buildings", "building_potential"))


def _plural_owner(label_text: str) -> str:
    """``"private freeholder" → "private freeholders"`` for owner labels in prose."""
    special = {"council or housing association": "the council or housing associations", "business": "businesses",
               "public body": "public bodies", "faith or community group": "faith or community groups"}
    return special.get(label_text, label_text + "s")


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
                f"freeholder's roof). A typical building of several homes needs the agreement of "
                f"{count(t.consents_blocks, 'party', 'parties')} before panels go up.")
    return Finding("homes_under_others_roofs", "Roofs are not the homes under them", sentence,
                   CHAPTERS["ownership"],
                   values={"share_homes_not_owning_roof": share, "homes": t.dw,
                           "owner_occupied_share_not_owning_roof": t.oo_other / t.oo,
                           "median_consents_multi_home": t.consents_blocks},
                   sources=("buildings",))


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


def heat_and_district(con) -> Finding:
    """Heat demand (homes against other buildings) and the district-heating zones, in one finding."""
    h, d = heat_demand(con), district_heat(con)
    return Finding("heat_and_district", "Heat and district heating", h.sentence + " " + d.sentence, CHAPTERS["heat"],
                   values=h.values | d.values, ranges=h.ranges | d.ranges, rule=h.rule, sources=h.sources + d.sources)


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
}
#: Scenario ids of the economics step: the market at its own scale, and the equal-capacity variants
#: (every model on the same roofs) that separate ownership from scale.
SCENARIOS = {"market": "market", "public": "public", "coop": "coop",
             "equal_market": "market@all_roofs", "equal_public": "public@all_roofs", "equal_coop": "coop@all_roofs"}


def _summary(con, keys) -> pd.DataFrame:
    table = ECONOMICS_TABLES["summary"]
    require(con, table, ["scenario", "installed_mwp", "net_per_household", "bottom_decile_net", "top_decile_net",
                         "top_minus_bottom_gbp", "concentration_benefit_deciles"])
    ids = [SCENARIOS[k] for k in keys]
    frame = con.execute(f"SELECT * FROM {table} WHERE scenario IN ({', '.join('?' * len(ids))})", ids).df()
    missing = sorted(set(ids) - set(frame["scenario"]))
    if missing:
        raise Unavailable(f"{table} has no scenario {', '.join(missing)}")
    return frame.set_index("scenario")


def _interval(con, scenario: str, metric: str):
    """(low, high, share of draws with the central sign) of a metric, or None without draws."""
    table = ECONOMICS_TABLES["robustness"]
    if table not in tables(con):
        return None
    row = con.execute(f"SELECT low, high, share_same_sign FROM {table} WHERE scenario = ? AND metric = ? "
                      "AND kind = 'level'", [scenario, metric]).fetchone()
    return row


def _difference(con, scenario: str, reference: str, metric: str):
    """(low, high, share of draws with the central sign) of ``scenario − reference`` for a metric, or None."""
    table = ECONOMICS_TABLES["robustness"]
    if table not in tables(con):
        return None
    return con.execute(f"SELECT low, high, share_same_sign FROM {table} WHERE kind = 'difference' AND metric = ? "
                       "AND scenario = ?", [metric, f"{scenario} minus {reference}: {metric}"]).fetchone()


def who_gains_market(con) -> Finding:
    """SLOT (economics): how much the market builds, and how its gains are spread over income deciles."""
    s = _summary(con, ["market", "equal_market"])
    own, cap = s.loc[SCENARIOS["market"]], s.loc[SCENARIOS["equal_market"]]
    word = (gain_progressivity(own.concentration_benefit_deciles) if abs(own.concentration_benefit_deciles) <= 1
            else "mixed (gains and losses across deciles)")
    iv = _interval(con, SCENARIOS["market"], "top_minus_bottom_gbp")
    rng = (f"; {gbp_range(iv[0], iv[1])} over the parameter draws, a sign that is **{robustness(iv[2])}**"
           if iv else "")
    sentence = (f"Left to the market, owners install {num(own.installed_mwp)}{NBSP}MWp of the "
                f"{num(cap.installed_mwp)}{NBSP}MWp the roofs could take ({pct(own.installed_mwp / cap.installed_mwp)}); "
                f"its benefits are **{word}** (concentration index {num(own.concentration_benefit_deciles, 2, signed=True)}), "
                f"and net of costs the richest tenth of households gets {gbp(own.top_decile_net)} a year per household "
                f"against {gbp(own.bottom_decile_net)} for the poorest tenth (a gap of {gbp(own.top_minus_bottom_gbp)}{rng}).")
    return Finding("who_gains_market", "Who gains from a market-led roll-out", sentence, CHAPTERS["gains"],
                   values={"installed_mwp": own.installed_mwp, "possible_mwp": cap.installed_mwp,
                           "top_decile_net": own.top_decile_net, "bottom_decile_net": own.bottom_decile_net,
                           "gap": own.top_minus_bottom_gbp, "concentration": own.concentration_benefit_deciles},
                   ranges={"gap": (iv[0], iv[1])} if iv else {},
                   rule=f"'regressive' if the concentration index of benefits exceeds +{INDEX_BAND}, 'progressive' "
                        f"below −{INDEX_BAND}; 'robust' if the sign holds in at least {pct(ROBUST_SHARE)} of draws",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]))


def equal_capacity(con) -> Finding:
    """SLOT (economics): ownership compared at equal installed capacity on the same roofs."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    m, p, c = (s.loc[SCENARIOS[k]] for k in ("equal_market", "equal_public", "equal_coop"))
    word_p = more_or_less(p.net_per_household, m.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    word_c = more_or_less(c.net_per_household, m.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    diff = _difference(con, SCENARIOS["equal_public"], SCENARIOS["equal_market"], "net_per_household")
    rng = (f"; over the parameter draws the difference ranges {gbp_range(diff[0], diff[1])}, a sign that is "
           f"**{robustness(diff[2])}**" if diff else "")
    sentence = (f"With the same {num(m.installed_mwp)}{NBSP}MWp on the same roofs, public ownership leaves households "
                f"**{word_p}** the market does ({gbp(p.net_per_household)} against {gbp(m.net_per_household)} per "
                f"household a year{rng}); a co-operative leaves them **{word_c}** the market does "
                f"({gbp(c.net_per_household)}).")
    return Finding("equal_capacity", "Ownership at equal scale", sentence, CHAPTERS["gains"],
                   values={"mwp": m.installed_mwp, "market": m.net_per_household, "public": p.net_per_household,
                           "coop": c.net_per_household},
                   ranges={"public_minus_market": (diff[0], diff[1])} if diff else {},
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and "
                        f"by more than {gbp(MONEY_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"],))


def tenure_gains(con) -> Finding:
    """SLOT (economics): social renters against owner-occupiers under market and public ownership."""
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
    sentence = (f"Under the market, social renters net **{word_m}** owner-occupiers ({gbp(mk.social_rented)} against "
                f"{gbp(mk.owner_occupied)} a year per household); under public ownership they net **{word_p}** owner-occupiers "
                f"({gbp(pb.social_rented)} against {gbp(pb.owner_occupied)}).")
    return Finding("tenure_gains", "Renters and owners", sentence, CHAPTERS["gains"],
                   values={"market_social": mk.social_rented, "market_owner": mk.owner_occupied,
                           "public_social": pb.social_rented, "public_owner": pb.owner_occupied},
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and "
                        f"by more than {gbp(MONEY_TOL)} a year",
                   sources=(table,))


def robust_or_fragile(con) -> Finding:
    """SLOT (economics): how many headline signs survive the joint parameter draws."""
    table = ECONOMICS_TABLES["robustness"]
    require(con, table, ["scenario", "metric", "kind", "share_same_sign"])
    heads = ["net_per_household", "top_minus_bottom_gbp", "bottom_decile_net"]
    ids = [SCENARIOS[k] for k in ("market", "public", "coop", "equal_market", "equal_public", "equal_coop")]
    r = con.execute(f"""SELECT scenario, metric, share_same_sign FROM {table} WHERE kind = 'level'
                        AND metric IN ({', '.join('?' * len(heads))}) AND scenario IN ({', '.join('?' * len(ids))})""",
                    heads + ids).df()
    if r.empty:
        raise Unavailable(f"{table} has no headline metrics")
    robust = int((r.share_same_sign >= ROBUST_SHARE).sum())
    sentence = (f"Of {count(len(r), 'headline sign')} (net gain, richest-minus-poorest gap and the poorest tenth's "
                f"gain under each ownership model), {num(robust)} {'is' if robust == 1 else 'are'} **robust** and "
                f"{num(len(r) - robust)} **fragile** over the joint parameter draws.")
    return Finding("robust_or_fragile", "How sure", sentence, CHAPTERS["gains"],
                   values={"headlines": len(r), "robust": robust},
                   rule=f"'robust' if the central sign holds in ≥ {pct(ROBUST_SHARE)} of draws",
                   sources=(table,))


#: Findings on the key-findings page, in order: (function, lead used when it is pending).
KEY_FINDINGS: list[tuple[Callable, str]] = [
    (pv_potential, "Solar electricity"),
    (roof_owners, "Who owns the roofs"),
    (homes_under_others_roofs, "Roofs are not the homes under them"),
    (who_gains_market, "Who gains from a market-led roll-out"),    # economics slot
    (equal_capacity, "Ownership at equal scale"),                  # economics slot
    (tenure_gains, "Renters and owners"),                          # economics slot
    (heat_and_district, "Heat and district heating"),
]


def run_all(con, entries) -> tuple[list[Finding], list[Pending]]:
    """Run finding functions; return the findings and, for the rest, why they are pending."""
    done, pending = [], []
    for func, lead in entries:
        try:
            done.append(func(con))
        except Unavailable as exc:
            chapter = CHAPTERS["gains"] if func in (who_gains_market, equal_capacity, tenure_gains, robust_or_fragile) \
                else ""  # noqa: E501
            pending.append(Pending(func.__name__, lead, str(exc), chapter))
    return done, pending


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
            if share >= ROBUST_SHARE or round(low) * round(high) >= 0:
                continue  # the sign holds, or the range does not cross zero in whole pounds
            parts.append(f"{what} ({gbp(central)} a year in the central case, {gbp_range(low, high)} over the draws; "
                         f"its sign holds in {pct(share)} of them)")
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
    """Favoured models whose richest-minus-poorest gap is wider than the market's at the same scale."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    m = s.loc[SCENARIOS["equal_market"]]
    out = []
    for key in ("equal_public", "equal_coop"):
        row = s.loc[SCENARIOS[key]]
        word = wider_or_narrower(row.top_minus_bottom_gbp, m.top_minus_bottom_gbp, abs_tol=MONEY_TOL)
        if word != "wider":
            continue
        out.append(Finding(
            f"wider_gap_{key}", "A wider gap",
            f"With the same roofs built, the gap between the richest and the poorest tenth of households is "
            f"**{word}** under {FAVOURED[key].replace(' at equal capacity', '')} ({gbp(row.top_minus_bottom_gbp)} "
            f"a year per household) than under the market ({gbp(m.top_minus_bottom_gbp)}).", CHAPTERS["gains"],
            values={"gap": row.top_minus_bottom_gbp, "market_gap": m.top_minus_bottom_gbp},
            rule=f"listed when the absolute gap exceeds the market's by more than {pct(SAME_REL)}",
            sources=(ECONOMICS_TABLES["summary"],)))
    return out


def concentrated_gains(con) -> list[Finding]:
    """Favoured models whose own gains concentrate among richer households (index above the band)."""
    s = _summary(con, ["coop", "equal_coop", "public", "equal_public"])
    out = []
    for key in ("coop", "equal_coop", "public", "equal_public"):
        row = s.loc[SCENARIOS[key]]
        c = row.concentration_benefit_deciles
        # |C| > 1 happens only when gains change sign across deciles (a mean near zero): not a finding.
        if not _finite(c) or abs(c) > 1 or gain_progressivity(c) != "regressive":
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
    (wider_gaps, "richest-minus-poorest gaps wider under public or co-operative ownership than under the market"),
    (concentrated_gains, "public or co-operative gains that still concentrate among richer households"),
    (owner_occupiers_small, "owner-occupiers' roofs carrying less capacity than their share of homes"),
    (solar_heat_short, "a modelled Ackermannbogen solar fraction below the one reported for the real scheme"),
]


def evidence_against(con) -> tuple[list[Finding], list[str], list[Pending]]:
    """Run every check of :data:`EVIDENCE_CHECKS`.

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
    for func, what in EVIDENCE_CHECKS:
        try:
            hits = func(con)
        except Unavailable as exc:
            pending.append(Pending(func.__name__, what, str(exc), CHAPTERS["gains"]))
            continue
        (found.extend(hits) if hits else clear.append(what))
    return found, clear, pending


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def to_markdown(findings, numbered: bool = True, link_text: str = "evidence") -> str:
    """Findings as a Markdown list, each with a link to its chapter (MyST ``{doc}`` role)."""
    lines = []
    for i, f in enumerate(findings, 1):
        bullet = f"{i}." if numbered else "-"
        link = f" ({{doc}}`{link_text} <{f.chapter}>`)" if f.chapter else ""
        lines.append(f"{bullet} **{f.lead}.** {f.sentence}{link}")
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
    return pd.DataFrame([{"key": f.key, "lead": f.lead, "sentence": f.sentence.replace("**", ""),
                          "chapter": f.chapter, "values": f.values, "ranges": f.ranges, "rule": f.rule,
                          "sources": ", ".join(f.sources)} for f in findings])
