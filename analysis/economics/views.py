"""The money tables a reader sees: built from a store's money tables, for the book and fact sheets.

Each function takes an open store connection and returns a small frame or a sentence part; the
book's notebooks call them instead of doing sums themselves (tested in ``tests/test_views.py``).
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from analysis import store
from analysis import tables as T
from analysis.economics.incidence import PARTIES
from analysis.economics.report import INVESTORS
from analysis.economics.scenarios import SCENARIOS

#: The ownership models a reader compares, in order.
MODELS = ("market", "aggregator", "coop", "public")
LANDINGS = ("households", "public", "outside")
LANDING_LABELS = {"households": "Households", "public": "Public purses", "outside": "Outside parties"}


def month_words(price_date) -> str:
    """A price date ``"2026-07"`` as words: ``"July 2026"`` (empty when there is none or it is malformed)."""
    try:
        year, month = str(price_date or "").split("-")
        return f"{calendar.month_name[int(month)]} {year}"
    except (ValueError, IndexError):
        return ""


def price_month(con) -> str:
    """The store's price date as words: ``"July 2026"`` (empty when the store has none)."""
    return month_words(store.meta(con).get("price_date"))


def currency(con) -> str:
    """The store's currency code (GBP when the store predates the record)."""
    return store.meta(con).get("currency") or "GBP"


def prices(con) -> pd.Series:
    """The prices of the store's period, by name [currency/kWh or /day]."""
    return con.execute(f"SELECT name, value FROM {T.PRICES}").df().set_index("name")["value"]


def _has(con, table: str) -> bool:
    return table in store.table_names(con)


def scenario_table(con, names) -> pd.DataFrame:
    """One row per scenario: capacity, value created, where the money lands, grants, net per household [currency/yr]."""
    s = con.execute(f"SELECT * FROM {T.SCENARIO_SUMMARY}").df().set_index("scenario")
    names = [n for n in names if n in s.index]
    cols = ["installed_mwp", "real_value", "climate_value", "to_households", "to_public", "to_outside", "grants",
            "net_per_household", "share_losing"]
    return s.loc[names, [c for c in cols if c in s.columns]].reset_index()


def landing_frame(con, names) -> pd.DataFrame:
    """Long frame (scenario, lands_on, amount) of where each scenario's money ends [currency/yr]."""
    p = con.execute(f"SELECT scenario, lands_on, sum(amount_per_year) AS amount FROM {T.SCENARIO_PARTIES} "
                    "GROUP BY 1, 2").df()
    p = p[p["scenario"].isin(names)]
    full = pd.MultiIndex.from_product([list(names), list(LANDINGS)], names=["scenario", "lands_on"])
    return p.set_index(["scenario", "lands_on"]).reindex(full, fill_value=0.0).reset_index()


def ledger_table(con, scenario: str) -> pd.DataFrame:
    """Every party of one scenario: its net money a year, where it lands, whether it owns the panels."""
    p = con.execute(f"SELECT party, sum(amount_per_year) AS amount FROM {T.SCENARIO_PARTIES} WHERE scenario = ? "
                    "GROUP BY 1", [scenario]).df()
    model = SCENARIOS.get(scenario, (scenario,))[0]
    p["lands_on"] = p["party"].map(lambda x: PARTIES[x].lands_on)
    p["owns_the_panels"] = p["party"].isin(INVESTORS.get(model, ())).map({True: "yes", False: ""})
    p = p[p["amount"].abs() >= 0.5].copy()
    p["order"] = -p["amount"].abs()
    return p.sort_values("order").drop(columns="order").reset_index(drop=True)


def top_landing(con, scenario: str) -> tuple[str, float]:
    """Where most of a scenario's net money goes: (households/public/outside, its share of the positive flows)."""
    f = landing_frame(con, [scenario]).set_index("lands_on")["amount"]
    positive = f.clip(lower=0)
    if positive.sum() <= 0:
        return "", float("nan")
    return str(positive.idxmax()), float(positive.max() / positive.sum())


def ranking_table(con, top: int = 5) -> pd.DataFrame:
    """The assumptions that change the order of the ownership models most, with what each does."""
    if not _has(con, T.RANKING_DRIVERS):
        return pd.DataFrame()
    r = con.execute(f"SELECT * FROM {T.RANKING_DRIVERS} ORDER BY rank LIMIT ?", [top]).df()
    a = con.execute(f'SELECT "group", name, low, value, high, unit, source FROM {T.ASSUMPTIONS}').df()
    r = r.merge(a.rename(columns={"name": "parameter"}), on=["parameter", "group"], how="left")
    return r


def sensitivity_swings(con, scenario: str, metric: str = "net_per_household", top: int = 5) -> pd.DataFrame:
    """The assumptions that move one headline most (one at a time, low to high)."""
    if not _has(con, T.SENSITIVITY):
        return pd.DataFrame()
    return con.execute(f"SELECT parameter, low_value, high_value, central, at_low, at_high, swing FROM {T.SENSITIVITY} "
                       "WHERE scenario = ? AND metric = ? ORDER BY swing DESC NULLS LAST LIMIT ?",
                       [scenario, metric, top]).df()


def heat_bills(con) -> pd.DataFrame:
    """A connected home's yearly heat bill under each owner, against gas and against a heat pump, at the
    borough scale and in the one estate where a council scheme saves most [currency/yr per home]."""
    h = con.execute(f"SELECT * FROM {T.HEAT_OWNERSHIP}").df()
    area = con.execute(f"SELECT * FROM {T.HEAT_OWNERSHIP_AREA}").df()
    w = area["households_connected"].fillna(0).to_numpy()
    rows = []
    for scale in ("borough", "estate"):
        if scale == "estate":
            est = h[(h["scale"] == "estate")]
            if est.empty:
                continue
            sel = area["area_id"] == est["area_id"].iloc[0]
        else:
            sel = w > 0
        weights = w * sel
        if weights.sum() <= 0:
            continue
        mean = lambda col: float(np.nansum(area[col].to_numpy() * weights) / weights.sum())  # noqa: E731
        row = {"scale": scale, "homes_connected": float(weights.sum()), "gas_bill": mean("gas_bill_per_home"),
               "heat_pump_bill": mean("heat_pump_bill_per_home")}
        for model in ("council", "coop", "esco"):
            built = area[f"{model}_bill_per_home"].notna().to_numpy() & (weights > 0)
            row[f"{model}_bill"] = (float(np.nansum(area[f"{model}_bill_per_home"].to_numpy() * weights * built)
                                          / (weights * built).sum()) if built.any() else np.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=["scale", "homes_connected", "gas_bill", "heat_pump_bill", "council_bill",
                                       "coop_bill", "esco_bill"])


#: Who the headline chart shows, in order: the place's households, its public purses, bill payers
#: elsewhere and every other outside party.
HEADLINE_GROUPS = ("Households here", "Public purses", "Bill payers elsewhere", "Other outside parties")


def largest_outside_parties(con, names, top: int = 3) -> pd.DataFrame:
    """The outside parties (bill payers elsewhere apart) that gain most in the scenarios ``names``.

    Returns
    -------
    DataFrame
        Indexed by ``party``: ``min`` and ``max`` of its money over the scenarios [currency/yr],
        largest ``max`` first; only parties that gain, at most ``top`` of them.
    """
    p = con.execute(f"SELECT scenario, party, sum(amount_per_year) AS amount FROM {T.SCENARIO_PARTIES} "
                    "WHERE lands_on = 'outside' AND party <> 'bill_payers_elsewhere' GROUP BY 1, 2").df()
    ranked = p[p["scenario"].isin(list(names))].groupby("party")["amount"].agg(["min", "max"])
    ranked = ranked.sort_values("max", ascending=False).head(top)
    return ranked[ranked["max"] > 0]


def who_gains_who_pays(con, names) -> pd.DataFrame:
    """Long frame (scenario, group, amount) of each scenario's money by :data:`HEADLINE_GROUPS` [currency/yr]."""
    p = con.execute(f"SELECT scenario, party, lands_on, sum(amount_per_year) AS amount FROM {T.SCENARIO_PARTIES} "
                    "GROUP BY 1, 2, 3").df()
    p = p[p["scenario"].isin(names)]
    group = np.select([p["lands_on"] == "households", p["lands_on"] == "public", p["party"] == "bill_payers_elsewhere"],
                      list(HEADLINE_GROUPS[:3]), HEADLINE_GROUPS[3])
    out = p.assign(group=group).groupby(["scenario", "group"], as_index=False)["amount"].sum()
    full = pd.MultiIndex.from_product([list(names), list(HEADLINE_GROUPS)], names=["scenario", "group"])
    return out.set_index(["scenario", "group"]).reindex(full, fill_value=0.0).reset_index()
