"""Observed rooftop PV against the market scenario: where installations are, and who has them.

:func:`adoption_comparison` compares the market scenario's installations per household with
observed installations per area (a place's CSV of installations per area, or the panels mapped
in OpenStreetMap): rank correlation, and the concentration of installations by income and by
owner-occupier share — observed beside modelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis import inequality
from analysis.economics import kernel as k
from analysis.economics.inputs import TENURE_COLUMNS


def average_ranks(values) -> np.ndarray:
    """Ranks from 1, ties given their mean rank (as ``scipy.stats.rankdata``'s default).

    Written with numpy's argsort rather than taken from scipy: ``scipy.stats`` takes half a second
    to import, a tenth of a Camden run, for a function this short (tested against scipy).
    """
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    ordered = x[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(x) else np.empty(0, int)
    counts = np.diff(np.r_[starts, len(x)])
    ranks = np.empty(len(x))
    ranks[order] = np.repeat(starts + (counts + 1) / 2, counts)
    return ranks


def _spearman(x, y) -> float:
    """Spearman rank correlation of two arrays (NaN pairs dropped; NaN when either is constant)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    rx, ry = average_ranks(x[ok]), average_ranks(y[ok])
    if rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def adoption_comparison(observed: pd.DataFrame, market_area: pd.DataFrame, groups: k.Groups,
                        market_buildings=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare the market scenario's pattern of installations with observed installations per area.

    Parameters
    ----------
    observed : pandas.DataFrame
        ``area_id``, ``installations`` and optionally ``capacity_kw``.
    market_area : pandas.DataFrame
        The market scenario's ``scenario_area`` rows (``area_id``, ``installed_kwp``,
        ``buildings_installed``, ``households``).
    groups : Groups
        Area groups (households by slot, income).
    market_buildings : array, optional
        Expected installing buildings per area (default: ``market_area.buildings_installed``).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Per-area table and a comparison table (metric, observed, modelled).
    """
    h = groups.households.sum(axis=1)
    ma = market_area.set_index("area_id").reindex(groups.ids)
    modelled = ma["buildings_installed"].to_numpy(dtype=float) if market_buildings is None else np.asarray(market_buildings)
    oo = groups.by_tenure[:, 0]
    frame = pd.DataFrame({"area_id": groups.ids, "households": h, "income_mean": groups.income_mean,
                          "owner_occupier_share": np.divide(oo, h, out=np.zeros_like(h), where=h > 0),
                          "modelled_installations": modelled, "modelled_kwp": ma["installed_kwp"].to_numpy(dtype=float)})
    frame = frame.merge(observed, on="area_id", how="left")
    frame["observed_installations"] = frame.pop("installations")
    ok = (frame["households"] > 0) & frame["observed_installations"].notna()
    f = frame[ok]
    obs_rate = f["observed_installations"] / f["households"]
    mod_rate = f["modelled_installations"] / f["households"]
    rows = [{"metric": "areas compared", "observed": float(ok.sum()), "modelled": float(ok.sum())},
            {"metric": "installations", "observed": float(f["observed_installations"].sum()),
             "modelled": float(f["modelled_installations"].sum())},
            {"metric": "rank correlation of installations per household (Spearman)",
             "observed": _spearman(obs_rate, mod_rate) if len(f) > 2 else np.nan, "modelled": 1.0}]
    for label, col in (("income", "income_mean"), ("owner-occupier share", "owner_occupier_share")):
        usable = np.isfinite(f[col].to_numpy(dtype=float))
        rows.append({"metric": f"concentration index of installations by {label}",
                     "observed": inequality.concentration_index(obs_rate[usable], f[col][usable], f["households"][usable])
                     if obs_rate.sum() > 0 and usable.sum() > 1 else np.nan,
                     "modelled": inequality.concentration_index(mod_rate[usable], f[col][usable], f["households"][usable])
                     if mod_rate.sum() > 0 and usable.sum() > 1 else np.nan})
        rows.append({"metric": f"rank correlation of installations per household with {label}",
                     "observed": _spearman(obs_rate, f[col]) if len(f) > 2 else np.nan,
                     "modelled": _spearman(mod_rate, f[col]) if len(f) > 2 else np.nan})
    if "capacity_kw" in frame:
        rows.append({"metric": "capacity [kW]", "observed": float(f["capacity_kw"].sum()),
                     "modelled": float(f["modelled_kwp"].sum())})
    return frame, pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# The market's uptake split by who decides, per area, and its calibration against observations
# ----------------------------------------------------------------------------------------------

def expected_installs(terms: pd.DataFrame, scale_owner_occupier: float, scale_other: float, elasticity: float
                      ) -> np.ndarray:
    """Installing buildings per area at refitted uptake parameters ``(A,)``: owner-occupiers' base times
    ``scale × ratio^elasticity``, others' times their scale."""
    return (scale_owner_occupier * terms["owner_occupier_base"].to_numpy(dtype=float)
            * terms["income_ratio"].to_numpy(dtype=float) ** elasticity
            + scale_other * terms["other_installs"].to_numpy(dtype=float))


def fit_uptake(terms: pd.DataFrame, observed: np.ndarray) -> tuple[float, float, float]:
    """Poisson maximum-likelihood fit of (owner-occupier scale, others' scale, income elasticity) to
    observed installations per area (counts ``(A,)``): the uptake model's own structure, refitted.

    The elasticity is bounded to [−3, 3] and the scales to [1e-3, 1e3] (scipy L-BFGS-B).
    """
    from scipy.optimize import minimize

    y = np.asarray(observed, dtype=float)
    base = terms["owner_occupier_base"].to_numpy(dtype=float)
    other = terms["other_installs"].to_numpy(dtype=float)
    log_ratio = np.log(terms["income_ratio"].to_numpy(dtype=float))

    def nll(theta):  # Poisson negative log-likelihood and its gradient in (log s1, log s2, e)
        oo = np.exp(theta[0] + theta[2] * log_ratio) * base
        ot = np.exp(theta[1]) * other
        mu = np.clip(oo + ot, 1e-12, None)
        w = 1 - y / mu
        return float(np.sum(mu - y * np.log(mu))), np.array([w @ oo, w @ ot, w @ (oo * log_ratio)])

    bounds = [(np.log(1e-3), np.log(1e3))] * 2 + [(-3.0, 3.0)]
    best = min((minimize(nll, x0, jac=True, method="L-BFGS-B", bounds=bounds)
                for x0 in ([0.0, 0.0, 1.0], [0.0, 0.0, -1.0])), key=lambda r: r.fun)
    return float(np.exp(best.x[0])), float(np.exp(best.x[1])), float(best.x[2])


def _pattern(rate, income, households) -> tuple[float, float]:
    """(Spearman with income, concentration index by income) of a rate per household across areas."""
    ok = np.isfinite(rate) & np.isfinite(income) & (households > 0)
    if ok.sum() < 3 or np.nansum(rate[ok]) <= 0:
        return np.nan, np.nan
    return _spearman(rate[ok], income[ok]), inequality.concentration_index(rate[ok], income[ok], households[ok])


def adoption_fit(terms: pd.DataFrame, observed: pd.DataFrame, elasticity: float, source: str, seed: int = 0,
                 n_boot: int = 200) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Calibrate the market's uptake on half of the areas and test it on the other half.

    The areas are split at random (seeded) into two halves. On the first, :func:`fit_uptake` refits
    the owner-occupier scale, the others' scale and the income elasticity to the observed counts; on
    the second, the observed pattern (installations per household: rank correlation with income and
    concentration index by income) is compared with the market's as it runs (published
    parameters) and as refitted, and the rank correlation of modelled with observed. Intervals: 90 %
    of ``n_boot`` bootstrap resamples of the test areas (metrics) and of the fitting areas (parameters).

    Parameters
    ----------
    terms : pandas.DataFrame
        :func:`uptake_terms` of the market (with each area's households and income).
    observed : pandas.DataFrame
        ``area_id`` and ``installations`` (buildings with panels, or a register's count).
    elasticity : float
        The income elasticity the market ran with.
    source : str
        What the observations are (for the table).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        Metrics (``metric``, ``observed``, ``model``, ``calibrated`` with ``*_low`` / ``*_high``) and
        parameters (``parameter``, ``published``, ``fitted``, ``low``, ``high``).
    """
    rng = np.random.default_rng(seed)
    obs = observed.set_index("area_id")["installations"].reindex(terms["area_id"]).fillna(0.0).to_numpy(dtype=float)
    h = terms["households"].to_numpy(dtype=float)
    inc = terms["income_mean"].to_numpy(dtype=float)
    usable = np.flatnonzero(h > 0)
    order = rng.permutation(usable)
    train, test = np.sort(order[: len(order) // 2]), np.sort(order[len(order) // 2:])
    sub = lambda idx: terms.iloc[idx].reset_index(drop=True)  # noqa: E731
    s1, s2, e = fit_uptake(sub(train), obs[train])
    model = expected_installs(terms, 1.0, 1.0, elasticity)
    fitted = expected_installs(terms, s1, s2, e)

    def metrics(idx):
        rates = {"observed": obs[idx] / h[idx], "model": model[idx] / h[idx], "calibrated": fitted[idx] / h[idx]}
        out = {}
        for name, r in rates.items():
            out[("rank correlation with income", name)], out[("concentration index by income", name)] = \
                _pattern(r, inc[idx], h[idx])
        for name in ("model", "calibrated"):
            out[("rank correlation with observed", name)] = _spearman(rates[name], rates["observed"])
        out[("installations per 1,000 households", "observed")] = 1000 * obs[idx].sum() / h[idx].sum()
        out[("installations per 1,000 households", "model")] = 1000 * model[idx].sum() / h[idx].sum()
        out[("installations per 1,000 households", "calibrated")] = 1000 * fitted[idx].sum() / h[idx].sum()
        return out

    central = metrics(test)
    boots = [metrics(rng.choice(test, size=len(test), replace=True)) for _ in range(n_boot)]
    rows = {}
    for (metric, name), value in central.items():
        values = np.array([b[(metric, name)] for b in boots], dtype=float)
        row = rows.setdefault(metric, {"metric": metric, "source": source, "areas_fitted": len(train),
                                       "areas_tested": len(test)})
        row[name] = value
        row[f"{name}_low"], row[f"{name}_high"] = (np.nanpercentile(values, [5, 95]) if np.isfinite(values).any()
                                                   else (np.nan, np.nan))
    boot_params = []
    for _ in range(max(n_boot // 4, 20)):
        idx = rng.choice(train, size=len(train), replace=True)
        boot_params.append(fit_uptake(sub(idx), obs[idx]))
    boot_params = np.array(boot_params)
    param_rows = []
    for j, (name, published) in enumerate((("owner-occupiers' uptake scale", 1.0), ("other owners' uptake scale", 1.0),
                                           ("owner-occupiers' income elasticity", elasticity))):
        lo, hi = np.percentile(boot_params[:, j], [5, 95])
        param_rows.append({"parameter": name, "published": published, "fitted": (s1, s2, e)[j], "low": lo, "high": hi,
                           "source": source})
    return pd.DataFrame(list(rows.values())), pd.DataFrame(param_rows)


def existing_summary(buildings: pd.DataFrame, existing: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
    """Panels already on the roofs by roof owner, by occupants' tenure and by the income decile of the area.

    A building's kWp is shared among its homes' tenures in proportion to its dwellings (buildings
    without homes: ``no homes``).

    Returns
    -------
    pandas.DataFrame
        ``dimension`` (``roof_owner``, ``tenure``, ``decile``), ``group``, ``buildings`` (with panels;
        shares for tenure) and ``kwp``; ``households`` and ``kwp_per_1000_households`` for deciles.
    """
    cols = ["building_id", "area_id", "roof_owner", "dwellings", *TENURE_COLUMNS]
    b = pd.DataFrame(buildings[[c for c in cols if c in buildings]]).copy()
    e = existing.groupby(existing["building_id"].astype(str), sort=False)[["kwp"]].sum()
    b["building_id"] = b["building_id"].astype(str)
    on = b.join(e, on="building_id", how="inner")
    rows = []
    if on.empty:
        return pd.DataFrame(columns=["dimension", "group", "buildings", "kwp", "households",
                                     "kwp_per_1000_households"])
    for owner, g in on.groupby("roof_owner", sort=True):
        rows.append({"dimension": "roof_owner", "group": owner, "buildings": float(len(g)), "kwp": g.kwp.sum()})
    dw = on[list(TENURE_COLUMNS)].fillna(0).to_numpy(dtype=float)
    total = dw.sum(axis=1)
    share = np.divide(dw, total[:, None], out=np.zeros_like(dw), where=total[:, None] > 0)
    for j, tenure in enumerate(("owner_occupied", "social_rented", "private_rented", "other")):
        rows.append({"dimension": "tenure", "group": tenure, "buildings": float(share[:, j].sum()),
                     "kwp": float((share[:, j] * on.kwp).sum())})
    none = total <= 0
    rows.append({"dimension": "tenure", "group": "no_homes", "buildings": float(none.sum()),
                 "kwp": float(on.kwp[none].sum())})
    t = terms.set_index("area_id")
    dec = t["decile"].reindex(on["area_id"]).to_numpy()
    hh = terms.groupby("decile")["households"].sum()
    for d in range(1, 11):
        sel = dec == d
        kwp = float(on.kwp[sel].sum())
        rows.append({"dimension": "decile", "group": str(d), "buildings": float(sel.sum()), "kwp": kwp,
                     "households": float(hh.get(d, 0.0)),
                     "kwp_per_1000_households": 1000 * kwp / hh[d] if hh.get(d, 0) > 0 else np.nan})
    return pd.DataFrame(rows)
