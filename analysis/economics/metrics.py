"""Headline numbers of a scenario: per household, by income decile, tenure and dwelling type; losers; ranges.

Decile figures use the groups' deciles (areas ranked by mean household income, household-weighted).
Household incomes are area means (no income by tenure). A household "loses" when its net change
is below minus :data:`LOSS_THRESHOLD` a year (rounding dust is not a loss).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import inequality
from analysis.economics import kernel as k
from analysis.economics.incidence import PARTY_LIST
from analysis.economics.scenarios import SCENARIOS

LOSS_THRESHOLD = 1.0
#: Share of draws in which a headline's sign must hold for it to be called robust.
ROBUST_SHARE = 0.90
#: Household components that are costs to bill payers (the cost shift and levies).
COST_COMPONENTS = ("network_charges", "generation_levy")
#: Household components, in the order tables show them.
HOUSEHOLD_COMPONENTS = ("bill_savings", "ppa_savings", "communal_savings", "owner_income", "service_charges",
                        "roof_rent", "top_up_grant", "community_fund", "member_interest", "public_return",
                        "supply_return", "public_network_saving", "network_charges", "generation_levy")


def households_losing(gen: k.Generation, ledger: k.Ledger, units: k.Units, groups: k.Groups,
                      threshold: float = LOSS_THRESHOLD) -> np.ndarray:
    """Expected households whose net change is below −threshold, by group and slot ``(G, 8, D)``.

    Money specific to a unit (its occupants' savings, its owner's income, service charges) reaches
    only households of units that install (expected share ``s``); everything else (cost shift,
    pooled returns, member interest, levies) is shared evenly by the households of a group and slot.
    """
    total = ledger.households()  # (G, 8, D)
    s = gen.share
    G = len(groups)
    out = np.zeros_like(total)
    kind = units.flat.astype(np.int64)
    for slot in range(k.N_SLOTS):
        t, kd = k.SLOT_TENURE[slot], k.SLOT_KIND[slot]
        rows = np.flatnonzero((units.dwellings[:, t] > 0) & (kind == kd))
        h = groups.households[:, slot]
        if not rows.size or not np.any(h > 0):
            continue
        hh = units.dwellings[rows, t]
        g = units.group[rows]
        s_r = s[rows]
        spec = gen.specific_for(rows, t)
        installed = k.group_sum(G, g, hh[:, None] * s_r)
        specific = k.group_sum(G, g, hh[:, None] * s_r * spec)
        common = np.divide(total[:, slot, :] - specific, h[:, None], out=np.zeros_like(specific), where=h[:, None] > 0)
        loses_installed = k.group_sum(G, g, hh[:, None] * s_r * ((common[g] + spec) < -threshold))
        out[:, slot, :] = loses_installed + (common < -threshold) * (h[:, None] - installed)
    return out


def _components(ledger: k.Ledger) -> dict:
    """Household money by component ``(G, 8, D)``."""
    comps = {}
    for (party, component), arr in ledger.entries.items():
        if party in ("households", "coop_members"):
            comps[component] = comps.get(component, 0.0) + arr[:, :k.N_SLOTS, :]
    return comps


def metrics(gen: k.Generation, ledger: k.Ledger, units: k.Units, groups: k.Groups,
            losing: np.ndarray | None = None) -> dict:
    """Headline numbers of one scenario for every draw, each an array ``(D,)``.

    ``losing`` is :func:`households_losing` of the same arguments when already computed.
    """
    net = ledger.households()  # (G, 8, D)
    h = groups.households  # (G, 8)
    H = max(h.sum(), 1e-9)
    comps = _components(ledger)
    cost = sum(comps.get(c, 0.0) for c in COST_COMPONENTS)
    cost = cost if np.ndim(cost) else np.zeros_like(net)
    benefit = net - cost
    D = net.shape[2]
    landing = ledger.landing_totals()
    parties = ledger.party_totals()
    out = {"installed_mwp": gen.installed_kwp.sum(axis=0) / 1000,
           "generation_gwh": gen.generation_kwh.sum(axis=0) / 1e6,
           "self_consumed_gwh": gen.self_consumed_kwh.sum(axis=0) / 1e6,
           "capex": gen.capex.sum(axis=0),
           "real_value": ledger.real_value.sum(axis=0),
           "climate_value": gen.climate_value if gen.climate_value is not None else np.zeros(net.shape[2]),
           "to_households": landing["households"], "to_public": landing["public"], "to_outside": landing["outside"],
           "net_per_household": net.sum(axis=(0, 1)) / H,
           "cost_shift_per_household": -cost.sum(axis=(0, 1)) / H,
           "grants": gen.grant}
    for party in PARTY_LIST:
        out[f"{party.name}_net"] = parties.get(party.name, np.zeros(D))
    for pool in ("community_fund", "public_return"):
        out[f"{pool}_per_household"] = comps[pool].sum(axis=(0, 1)) / H if pool in comps else np.zeros(D)
    dec = groups.decile
    hh_dec = np.bincount(dec, weights=h.sum(axis=1), minlength=11)[1:11]
    net_dec = np.stack([net[dec == d].sum(axis=(0, 1)) for d in range(1, 11)])  # (10, D)
    ben_dec = np.stack([benefit[dec == d].sum(axis=(0, 1)) for d in range(1, 11)])
    inc_dec = np.array([(np.nan_to_num(groups.income_mean[dec == d]) * h[dec == d].sum(axis=1)).sum()
                        for d in range(1, 11)])
    per = lambda x, w: np.divide(x, w[:, None], out=np.full_like(x, np.nan), where=w[:, None] > 0)  # noqa: E731
    per_dec = per(net_dec, hh_dec)
    inc_per = np.divide(inc_dec, hh_dec, out=np.full(10, np.nan), where=hh_dec > 0)
    out["bottom_decile_net"], out["top_decile_net"] = per_dec[0], per_dec[9]
    out["top_minus_bottom"] = per_dec[9] - per_dec[0]
    out["bottom_decile_net_pct_income"] = per_dec[0] * 100 / inc_per[0] if inc_per[0] > 0 else np.full(D, np.nan)
    out["top_decile_net_pct_income"] = per_dec[9] * 100 / inc_per[9] if inc_per[9] > 0 else np.full(D, np.nan)
    ok = hh_dec > 0
    out["concentration_benefit_deciles"] = (inequality.concentration_index_draws(per(ben_dec, hh_dec)[ok], inc_per[ok],
                                                                                 hh_dec[ok])
                                            if ok.sum() >= 2 else np.full(D, np.nan))
    losing = households_losing(gen, ledger, units, groups) if losing is None else losing
    out["households_losing"] = losing.sum(axis=(0, 1))
    out["share_losing"] = out["households_losing"] / H
    net_t, losing_t, h_t = k.slots_to_tenure(net), k.slots_to_tenure(losing), groups.by_tenure
    for t, tenure in enumerate(k.TENURES[:3]):
        ht = h_t[:, t].sum()
        out[f"{tenure}_net_per_household"] = net_t[:, t, :].sum(axis=0) / ht if ht > 0 else np.full(D, np.nan)
        out[f"{tenure}_share_losing"] = losing_t[:, t, :].sum(axis=0) / ht if ht > 0 else np.full(D, np.nan)
    net_k = k.slots_to_kind(net)
    h_k = h.reshape(len(groups), k.N_TENURES, 2).sum(axis=1)
    for kd, kind in enumerate(k.DWELLING_KINDS):
        hk = h_k[:, kd].sum()
        out[f"{kind}_net_per_household"] = net_k[:, kd, :].sum(axis=0) / hk if hk > 0 else np.full(D, np.nan)
    out["ledger_imbalance"] = ledger.imbalance()
    return out


#: Headline metrics whose value a scenario's return rule sets, not the data (never reported as findings).
FIXED_METRICS = {"equal": ("concentration_benefit_deciles", "top_minus_bottom"),
                 "progressive": ("concentration_benefit_deciles",)}


def fixed_by_construction(name: str, metric: str | None = None) -> str:
    """Why an index of this scenario is set by its rule rather than found ('' when it is not).

    With ``metric``, '' unless that metric is one the rule fixes (:data:`FIXED_METRICS`).
    """
    model, _, distribution = SCENARIOS.get(name, (name, "own", "equal"))
    if model != "public":
        return ""
    if metric is not None and metric not in FIXED_METRICS.get(distribution, ()):
        return ""
    if distribution == "equal":
        return ("public surplus returned equally per household: the gap between the richest and the poorest "
                "tenth comes only from roof rent and bill savings, not from the return")
    return "public surplus returned in proportion to 1/income: it favours the poorest by construction"


# ----------------------------------------------------------------------------------------------
# Tables
# ----------------------------------------------------------------------------------------------

def area_columns(name: str, gen: k.Generation, ledger: k.Ledger, groups: k.Groups) -> dict:
    """Per area (central draw): households, installed kWp and kWh, household money by component, per household."""
    comps = _components(ledger)
    h = groups.households.sum(axis=1)
    div = lambda x: np.divide(x, h, out=np.zeros_like(h), where=h > 0)  # noqa: E731
    out = {"scenario": name, "area_id": groups.ids, "households": h, "income_mean": groups.income_mean,
           "decile": groups.decile, "installed_kwp": gen.installed_kwp[:, 0], "installed_kwh": gen.generation_kwh[:, 0],
           "buildings_installed": gen.installed_buildings[:, 0]}
    for comp in HOUSEHOLD_COMPONENTS:
        out[comp] = comps[comp][:, :, 0].sum(axis=1) if comp in comps else np.zeros(len(h))
    net = ledger.households()[:, :, 0].sum(axis=1)
    cost = -(out["network_charges"] + out["generation_levy"])
    out["net"] = net
    out["net_per_household"] = div(net)
    out["cost_shift_per_household"] = div(cost)
    out["benefit_per_household"] = div(net + cost)
    out["net_pct_income"] = np.divide(out["net_per_household"] * 100, groups.income_mean,
                                      out=np.full(len(h), np.nan), where=np.nan_to_num(groups.income_mean) > 0)
    return out


def frame_of(parts: list) -> pd.DataFrame:
    """One frame from column dicts with the same keys: arrays are concatenated, a string is
    repeated to its part's length."""
    if not parts:
        return pd.DataFrame()
    lengths = [next(len(v) for v in part.values() if not isinstance(v, str)) for part in parts]
    return pd.DataFrame({key: np.concatenate([np.repeat(np.asarray(part[key]), n) if isinstance(part[key], str)
                                              else np.asarray(part[key]) for part, n in zip(parts, lengths)])
                         for key in parts[0]})


def party_records(label: str, ledger: k.Ledger, draw: int = 0) -> list:
    """``(label, party, component, lands_on, amount)`` of one ledger and draw."""
    from analysis.economics.incidence import PARTIES

    return [(label, party, component, PARTIES[party].lands_on, float(arr[:, :, draw].sum()))
            for (party, component), arr in sorted(ledger.entries.items())]


def group_columns(name: str, gen, ledger, units, groups, losing: np.ndarray | None = None, key: str = "scenario"
                  ) -> tuple[dict, dict, dict]:
    """Per income decile, per tenure and per dwelling type (central draw): households, net, benefit and cost
    per household, % of income, households losing. Returns three column dicts (see :func:`frame_of`)."""
    net = ledger.households()[:, :, 0]
    comps = _components(ledger)
    cost = -sum(comps[c][:, :, 0] for c in COST_COMPONENTS if c in comps) if any(c in comps for c in COST_COMPONENTS) \
        else np.zeros_like(net)
    losing = (households_losing(gen, ledger, units, groups) if losing is None else losing)[:, :, 0]
    h = groups.households
    inc = np.nan_to_num(groups.income_mean)[:, None] * h
    kwp = gen.installed_kwp[:, 0]

    def by_decile(values):  # (G,) -> (10,): sums over the groups of each decile (decile 0: no income)
        return np.bincount(groups.decile, weights=values, minlength=11)[1:11]

    def columns(label_key, labels, hh, sums):
        keep = hh > 0
        hh = hh[keep]
        s = {name_: v[keep] for name_, v in sums.items()}
        income = np.divide(s["inc"], hh)
        return {key: name, label_key: np.asarray(labels)[keep], "households": hh,
                "income_mean": np.where(income > 0, income, np.nan),
                "net_per_household": s["net"] / hh, "cost_per_household": s["cost"] / hh,
                "benefit_per_household": (s["net"] + s["cost"]) / hh, "households_losing": s["losing"],
                "share_losing": s["losing"] / hh,
                "net_pct_income": np.divide(s["net"] * 100, s["inc"], out=np.full(len(hh), np.nan), where=s["inc"] > 0)}

    dec = columns("decile", np.arange(1, 11), by_decile(h.sum(axis=1)),
                  {"inc": by_decile(inc.sum(axis=1)), "net": by_decile(net.sum(axis=1)),
                   "cost": by_decile(cost.sum(axis=1)), "losing": by_decile(losing.sum(axis=1))})
    dec["installed_kwp"] = by_decile(kwp)[by_decile(h.sum(axis=1)) > 0]
    tenure = lambda x: k.slots_to_tenure(x[:, :, None])[:, :, 0].sum(axis=0)  # noqa: E731
    ten = columns("tenure", k.TENURES, tenure(h), {"inc": tenure(inc), "net": tenure(net), "cost": tenure(cost),
                                                   "losing": tenure(losing)})
    kind = lambda x: k.slots_to_kind(x[:, :, None])[:, :, 0].sum(axis=0)  # noqa: E731
    kinds = columns("dwelling", k.DWELLING_KINDS, kind(h), {"inc": kind(inc), "net": kind(net), "cost": kind(cost),
                                                            "losing": kind(losing)})
    return dec, ten, kinds


def roof_owner_columns(name: str, gen: k.Generation, units: k.Units, base: k.Base) -> dict:
    """Installed kWp, buildings and shared-solar kit by roof owner (central draw)."""
    by_owner = lambda x: np.bincount(units.roof_owner, weights=x, minlength=len(k.ROOF_OWNERS))  # noqa: E731
    s = gen.share[:, 0]
    return {"scenario": name, "roof_owner": np.asarray(k.ROOF_OWNERS),
            "installed_kwp": by_owner(s * base.kwp[:, 0]), "buildings_installed": by_owner(s * units.n_buildings),
            "buildings_with_kit": by_owner(s * units.n_buildings * gen.kit[:, 0]),
            "grants": by_owner(gen.grant_per_unit[:, 0])}


# ----------------------------------------------------------------------------------------------
# Ranges over the parameter draws
# ----------------------------------------------------------------------------------------------

def robustness(draw_metrics: dict, central: dict, comparisons: dict | None = None) -> pd.DataFrame:
    """Each headline with its central value, 90 % range over the draws and the share of draws in
    which its sign matches the central sign; ``robust`` when that share ≥ :data:`ROBUST_SHARE`.

    The range is widened to include the central value where the draws' 5-95 % band misses it (the
    central value is computed on every roof, the draws on classes of roofs per decile, and skewed
    distributions can put the central value near an end).

    Parameters
    ----------
    draw_metrics : dict
        scenario -> metric -> array ``(D,)``.
    central : dict
        scenario -> metric -> float (the roof-level central result).
    comparisons : dict, optional
        label -> (scenario_a, scenario_b, metric): the difference a − b is a headline too.
    """
    keys, values_list, centres, scales = [], [], [], []

    def row(scenario, metric, values, centre, kind, parts=()):
        if not np.isfinite(centre):
            return
        keys.append((scenario, metric, kind))
        values_list.append(np.asarray(values, dtype=float))
        centres.append(float(centre))
        sizes = [np.abs(np.asarray(v, dtype=float)) for v in (values, [centre], *parts)]
        finite = np.concatenate([x[np.isfinite(x)] for x in sizes])
        scales.append(float(finite.max()) if finite.size else 0.0)

    for scenario, mets in draw_metrics.items():
        for metric, values in mets.items():
            if metric == "ledger_imbalance" or metric not in central.get(scenario, {}):
                continue
            if fixed_by_construction(scenario, metric):
                continue
            row(scenario, metric, values, central[scenario][metric], "level")
    for label, (a, b, metric) in (comparisons or {}).items():
        if a in draw_metrics and b in draw_metrics:
            row(label, metric, draw_metrics[a][metric] - draw_metrics[b][metric],
                central[a][metric] - central[b][metric], "difference",
                parts=(draw_metrics[a][metric], draw_metrics[b][metric]))
    columns = ["scenario", "metric", "kind", "central", "low", "median", "high", "share_same_sign", "verdict"]
    if not keys:
        return pd.DataFrame(columns=columns)
    values = np.vstack(values_list)
    centre = np.array(centres)
    low, median, high = _row_quantiles(values, [0.05, 0.5, 0.95])
    finite = np.isfinite(values)
    scale = np.array(scales)[:, None]
    sign = np.where(np.abs(values) <= 1e-9 * scale, 0.0, np.sign(values))
    sign_centre = np.where(np.abs(centre) <= 1e-9 * scale[:, 0], 0.0, np.sign(centre))[:, None]
    share = ((sign == sign_centre) & finite).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
    frame = pd.DataFrame(keys, columns=["scenario", "metric", "kind"])
    frame["central"] = centre
    frame["low"], frame["median"], frame["high"] = np.fmin(low, centre), median, np.fmax(high, centre)
    frame["share_same_sign"] = share
    frame["verdict"] = np.where(share >= ROBUST_SHARE, "robust", "fragile")
    return frame[columns]


def _row_quantiles(values: np.ndarray, q) -> np.ndarray:
    """``np.nanquantile(values, q, axis=1)``, rows free of NaN in one vectorised call."""
    out = np.full((len(q), values.shape[0]), np.nan)
    gaps = np.isnan(values).any(axis=1)
    if (~gaps).any():
        out[:, ~gaps] = np.quantile(values[~gaps], q, axis=1)
    some = gaps & np.isfinite(values).any(axis=1)
    if some.any():
        out[:, some] = np.nanquantile(values[some], q, axis=1)
    return out


def comparison_set() -> dict:
    """Equal-scale comparisons that separate ownership from scale (label -> (a, b, metric))."""
    out = {}
    for roof_set, base in (("worthwhile_roofs", "market@worthwhile_roofs"), ("all_roofs", "market@all_roofs"),
                           ("market_roofs", "market")):
        for other in ("public", "public_progressive", "coop", "aggregator"):
            a = f"{other}@{roof_set}"
            for metric in ("net_per_household", "bottom_decile_net", "top_minus_bottom",
                           "social_rented_net_per_household", "private_rented_net_per_household", "share_losing",
                           "grants"):
                out[f"{a} minus {base}: {metric}"] = (a, base, metric)
    return out


def uptake_terms(units: k.Units, share: np.ndarray, groups: k.Groups, elasticity: float) -> pd.DataFrame:
    """The market's expected installing buildings per area, split so that its uptake parameters can be
    refitted without rerunning it.

    Owner-occupiers' uptake is ``(income ratio)^elasticity × f(payback)`` and the income ratio is the
    area's, so per area ``owner_occupier_base`` (their installs at elasticity 0) times
    ``income_ratio^e`` gives their installs at any elasticity ``e``; ``other_installs`` are every other
    owner's (programmes, landlords, businesses).

    Parameters
    ----------
    units : Units
        Roof classes of the areas (each class within one area).
    share : array (U,)
        The market's expected installed share of each class's roofs (central draw).
    groups : Groups
        The areas.
    elasticity : float
        The income elasticity the market ran with.
    """
    n = len(groups)
    installs = np.asarray(share, dtype=float) * units.n_buildings
    oo = units.roof_owner == k.ROOF_OWNERS.index("owner_occupier")
    ratio = np.where(units.income_ratio > 0, units.income_ratio, 1.0)
    base = np.where(oo, installs / ratio ** elasticity, 0.0)
    area_ratio = np.ones(n)
    area_ratio[units.group] = ratio  # one ratio per area
    return pd.DataFrame({"area_id": groups.ids, "households": groups.households.sum(axis=1),
                         "income_mean": groups.income_mean, "decile": groups.decile, "income_ratio": area_ratio,
                         "owner_occupier_base": np.bincount(units.group, weights=base, minlength=n),
                         "other_installs": np.bincount(units.group, weights=np.where(oo, 0.0, installs), minlength=n)})
