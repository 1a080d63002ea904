"""The findings' access to the store: the tables they read, what a finding is, and why one is pending."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from analysis import store
from analysis.findings.words import Unavailable


# --------------------------------------------------------------------------------------------
# Findings
# --------------------------------------------------------------------------------------------

#: The chapters findings link to (MyST document names, relative to ``book/``).
CHAPTERS = {"pv": "03_rooftop_pv", "heat": "04_heat", "ownership": "05_ownership", "gains": "06_who_gains",
            "data": "02_data_methods", "validation": "08_validation", "methods": "methods"}
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


def income_column(con) -> str | None:
    """The store's column of mean household income per area (``income_mean``, or the older
    ``income_mean_gbp``), or None when the place gives none."""
    return next((c for c in ("income_mean", "income_mean_gbp") if c in _columns(con, "areas")), None)


#: Areas with an income needed before income tenths of neighbourhoods are shown [count].
MIN_AREAS_FOR_DECILES = 10


def owner_shares_by_decile(con) -> pd.DataFrame:
    """Share of the roof capacity each owner holds in each income tenth of neighbourhoods
    (:func:`analysis.ownership.capacity_share_by_income_decile` on the store's buildings).

    Raises :class:`Unavailable` when the place gives no income for at least
    :data:`MIN_AREAS_FOR_DECILES` areas.
    """
    from analysis.ownership import capacity_share_by_income_decile

    require(con, "buildings", ["area_id", "roof_owner"])
    require(con, "building_potential", ["kwp_central"])
    column = income_column(con)
    if column is None:
        raise Unavailable("this place gives no household income per neighbourhood")
    areas = con.execute(f"SELECT area_id, households, {column} AS income FROM areas").df()
    if areas["income"].notna().sum() < MIN_AREAS_FOR_DECILES:
        raise Unavailable(f"fewer than {MIN_AREAS_FOR_DECILES} neighbourhoods have a household income")
    capacity = con.execute("""SELECT b.area_id, b.roof_owner, sum(p.kwp_central) AS kwp FROM buildings b
                              JOIN building_potential p USING (building_id) GROUP BY 1, 2""").df()
    return capacity_share_by_income_decile(capacity, areas)


def poorest_tenth_income(con) -> float | None:
    """Mean household income of the poorest tenth of neighbourhoods, as the who-gains chapter shows it
    (``scenario_decile``), else from the areas (None without incomes)."""
    from analysis.inequality import deciles

    if "scenario_decile" in tables(con):
        row = con.execute("SELECT income_mean FROM scenario_decile WHERE decile = 1 AND income_mean IS NOT NULL "
                          "LIMIT 1").fetchone()
        if row is not None:
            return float(row[0])
    column = income_column(con)
    if column is None:
        return None
    a = con.execute(f"SELECT households, {column} AS income FROM areas WHERE households > 0 "
                    f"AND {column} IS NOT NULL").df()
    if len(a) < 10:
        return None
    d = deciles(a["income"].to_numpy(float), a["households"].to_numpy(float))
    low = a[d == 1]
    return float((low["income"] * low["households"]).sum() / low["households"].sum())
