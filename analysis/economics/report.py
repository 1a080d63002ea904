"""Where the money goes: the ``ledger`` command's report, read from a place's store.

For every ownership scenario: who invests, the value created, every party's net money a year
and where it lands (households, the public purse, outside parties), and what households get per
household, by income decile, tenure and dwelling type — at the prices of the store's price date,
in its currency.
"""

from __future__ import annotations

import math

import pandas as pd

from analysis import store
from analysis import tables as T
from analysis.economics.incidence import PARTIES
from analysis.economics.kernel import TENURES
from analysis.economics.scenarios import MODEL_LABELS, SCENARIOS
from analysis.errors import InputError

ROOF_SET_LABELS = {"own": "its own choice of roofs", "worthwhile_roofs": "the roofs where panels are worth building",
                   "all_roofs": "every suitable roof", "market_roofs": "the market's roofs"}
#: Who owns the panels (invests) under each model, by party name.
INVESTORS = {"market": ("households", "private_landlords", "housing_revenue_account", "public_bodies", "businesses",
                        "faith_communities"),
             "market_batteries": ("households", "private_landlords", "housing_revenue_account", "public_bodies",
                                  "businesses", "faith_communities"),
             "market_breakeven": ("households", "private_landlords", "housing_revenue_account", "public_bodies",
                                  "businesses", "faith_communities"),
             "aggregator": ("aggregator",), "coop": ("coop_members",), "public": ("public_bodies",)}


def _clean(value):
    """A float for JSON (None for NaN)."""
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def ledger_report(db, scenario: str | None = None) -> dict:
    """Where the money goes in each scenario (or one), from the store ``db``.

    Returns
    -------
    dict
        ``place``, ``price_date`` (YYYY-MM), ``currency`` and ``scenarios``: a list of objects with
        ``id``, ``ownership``, ``roofs``, ``installed_mwp``, ``value_created_per_year``, ``parties``
        (``party``, ``label``, ``per_year``, ``lands_on``, ``whose``, ``invests``), ``lands_on``
        (totals) and ``households`` (``net_per_household``, ``by_decile`` — ten values, None where a
        decile has no households —, ``by_tenure``, ``by_dwelling``).

    Raises
    ------
    analysis.errors.InputError
        A store that is missing, not a store, holds no money results, or lacks the scenario.
    """
    con = store.open_results(db, (T.SCENARIO_SUMMARY, T.SCENARIO_PARTIES, T.SCENARIO_DECILE, T.SCENARIO_TENURE))
    try:
        meta = store.meta(con)
        summary = con.execute(f"SELECT * FROM {T.SCENARIO_SUMMARY}").df().set_index("scenario")
        if scenario is not None and scenario not in summary.index:
            raise InputError(f"no scenario {scenario[:60]!r} in the store", path=db,
                             fix=f"use one of {', '.join(summary.index)}")
        names = [scenario] if scenario else [s for s in SCENARIOS if s in summary.index]
        parties = con.execute(f"SELECT scenario, party, sum(amount_per_year) AS amount FROM {T.SCENARIO_PARTIES} "
                              "GROUP BY 1, 2").df()
        decile = con.execute(f"SELECT scenario, decile, net_per_household FROM {T.SCENARIO_DECILE}").df()
        tenure = con.execute(f"SELECT scenario, tenure, net_per_household FROM {T.SCENARIO_TENURE}").df()
        have = store.table_names(con)
        dwelling = (con.execute(f"SELECT scenario, dwelling, net_per_household FROM {T.SCENARIO_DWELLING}").df()
                    if T.SCENARIO_DWELLING in have else pd.DataFrame(columns=["scenario", "dwelling", "net_per_household"]))
    finally:
        con.close()
    out = []
    for name in names:
        row = summary.loc[name]
        model, roof_set, distribution = SCENARIOS.get(name, (row.get("model"), row.get("roof_set"), "equal"))
        mine = parties[parties["scenario"] == name]
        listed = []
        for party, amount in zip(mine["party"], mine["amount"]):
            info = PARTIES[party]
            listed.append({"party": party, "label": info.label, "per_year": _clean(amount), "lands_on": info.lands_on,
                           "whose": info.whose, "invests": party in INVESTORS.get(model, ())})
        listed.sort(key=lambda p: -abs(p["per_year"] or 0))
        by_decile = {int(d): v for d, v in decile[decile["scenario"] == name][["decile", "net_per_household"]].to_numpy()}
        ownership = MODEL_LABELS.get(model, model) + (" (returned progressively)" if distribution == "progressive" else "")
        out.append({
            "id": name, "ownership": ownership, "roofs": ROOF_SET_LABELS.get(roof_set, roof_set),
            "installed_mwp": _clean(row["installed_mwp"]), "value_created_per_year": _clean(row["real_value"]),
            "grants_per_year": _clean(row.get("grants", 0.0)),
            "climate_value_per_year": _clean(row.get("climate_value", 0.0)),
            "parties": listed,
            "lands_on": {where: _clean(sum(p["per_year"] or 0 for p in listed if p["lands_on"] == where))
                         for where in ("households", "public", "outside")},
            "households": {
                "net_per_household": _clean(row["net_per_household"]),
                "by_decile": [_clean(by_decile[d]) if d in by_decile else None for d in range(1, 11)],
                "by_tenure": {t: _clean(v) for t, v in tenure[tenure["scenario"] == name][["tenure", "net_per_household"]]
                              .to_numpy() if t in TENURES},
                "by_dwelling": {d: _clean(v) for d, v in dwelling[dwelling["scenario"] == name][
                    ["dwelling", "net_per_household"]].to_numpy()}}})
    return {"place": meta.get("place"), "price_date": meta.get("price_date"), "currency": meta.get("currency"),
            "scenarios": out}


def ledger_text(report: dict) -> str:
    """The report as a readable table, one block per scenario."""
    cur = report.get("currency") or ""
    lines = [f"Where the money goes — {report.get('place') or 'this place'}, at {report.get('price_date') or '?'} prices, "
             f"{cur} a year"]
    for sc in report["scenarios"]:
        lines.append("")
        lines.append(f"{sc['id']}: {sc['ownership']} on {sc['roofs']} — {sc['installed_mwp']:,.1f} MWp, "
                     f"value created {_money(sc['value_created_per_year'])}"
                     + (f" (+ climate value {_money(sc['climate_value_per_year'])})"
                        if sc.get("climate_value_per_year") else "")
                     + (f", grants {_money(sc['grants_per_year'])}" if sc.get("grants_per_year") else ""))
        for p in sc["parties"]:
            if abs(p["per_year"] or 0) < 0.5:
                continue
            lines.append(f"  {p['label'][:34]:34s} {_money(p['per_year']):>14s}  {p['lands_on']:10s}"
                         + ("  invests" if p["invests"] else ""))
        lands = sc["lands_on"]
        lines.append(f"  {'lands on households / public / outside':34s} "
                     f"{_money(lands['households'])} / {_money(lands['public'])} / {_money(lands['outside'])}")
        hh = sc["households"]
        deciles = " ".join("   –" if v is None else f"{v:4.0f}" for v in hh["by_decile"])
        lines.append(f"  per household {_money(hh['net_per_household'], 2)}; by income decile (poorest first): {deciles}")
        lines.append("  by tenure: " + ", ".join(f"{t.replace('_', ' ')} {_money(v, 2)}" for t, v in hh["by_tenure"].items()))
    return "\n".join(lines)


def _money(value, decimals: int = 0) -> str:
    if value is None:
        return "–"
    sign = "−" if value < 0 else ""
    return f"{sign}{abs(value):,.{decimals}f}"
