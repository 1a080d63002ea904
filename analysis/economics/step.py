"""The money step of the pipeline: ownership scenarios, heat ownership, the policy matrix, draws and sensitivity.

:func:`economics_tables` takes the store's buildings, potential, areas and area heat, and
returns every money table the store keeps (names from :mod:`analysis.tables`). Central results
are computed on classes of similar roofs per area (a sufficient statistic for every per-area,
per-decile and per-tenure figure, tested against roof-level results); parameter draws and the
one-at-a-time sensitivity on classes per income decile, so the cost does not grow with
buildings × draws.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis import cache, inequality
from analysis import tables as T
from analysis.economics import draws as dr
from analysis.economics import heat_ownership as ho
from analysis.economics import inputs
from analysis.economics import kernel as k
from analysis.economics import metrics as m
from analysis.economics import policy, sensitivity
from analysis.economics.scenarios import SCENARIOS, Runner
from analysis.quality import QualityLog

#: Headlines whose drivers (rank correlation with each drawn parameter) are tabulated.
DRIVER_METRICS = ("net_per_household", "top_minus_bottom", "bottom_decile_net")


def build_curve(assumptions, pv_profile=None, latitude: float | None = None, log: QualityLog | None = None
                ) -> k.SelfConsumptionCurve:
    """Self-consumption curves from the place's hourly PV shape and the standard load profiles.

    The hourly simulation depends only on the PV shape, the battery efficiency and the code, so
    it is kept in :mod:`analysis.cache` (``ANALYSIS_NO_CACHE=1`` bypasses it).
    """
    import demandlib

    from analysis import cache

    log = log if log is not None else QualityLog()
    if pv_profile is None:
        lat = 51.5 if latitude is None else float(latitude)
        log.default("economics", "pv_profile", 1, f"clear-sky PV shape at latitude {lat:.1f}",
                    "no hourly PV profile from the place's weather was given")
        pv_profile = k.clear_sky_pv_shape(lat)
    eff = assumptions.get("batteries", "battery_round_trip_efficiency")

    def compute():
        domestic, nondomestic = k.standard_load_profiles()
        return k.self_consumption_curve(pv_profile, domestic, nondomestic, eff,
                                        source="hourly simulation: place PV shape x BDEW H25/G25 load profiles, "
                                               "constant communal load")

    profile = np.ascontiguousarray(pv_profile, dtype=float)
    key = cache.key_of(pv=hashlib.sha256(profile.tobytes()).hexdigest(), eff=float(eff),
                       demandlib=demandlib.__version__, code=cache.code_hash("economics/kernel.py"))
    return cache.cached("self-consumption-curve", key, compute)


@dataclass
class Inputs:
    """What the money step works on: roof units and area groups, and their classes."""

    units: k.Units
    groups: k.Groups
    area_classes: k.Units
    decile_classes: k.Units
    deciles: k.Groups

    @classmethod
    def of(cls, units: k.Units, groups: k.Groups, params=None, curve=None) -> "Inputs":
        """Classes of roofs; with central ``params`` and ``curve`` each roof first learns whether panels
        create value on it and what each owner would decide (roof by roof, not per class)."""
        if params is not None and curve is not None:
            units = k.Units(**{**units.__dict__, "decisions": k.roof_decisions(units, params, curve)})
        area_classes, _ = inputs.class_units(units, groups, by="area")
        decile_classes, deciles = inputs.class_units(units, groups, by="decile")
        return cls(units, groups, area_classes, decile_classes, deciles)


def _safe_ci(outcome, income, households) -> float:
    """Concentration index over areas, NaN when the mean is zero or incomes are unknown."""
    outcome, income, households = (np.asarray(x, dtype=float) for x in (outcome, income, households))
    ok = np.isfinite(income) & np.isfinite(outcome) & (households > 0)
    if ok.sum() < 2 or abs(np.sum(outcome[ok] * households[ok])) < 1e-9:
        return float("nan")
    return inequality.concentration_index(outcome[ok], income[ok], households[ok])


def parameter_drivers(draw_table: pd.DataFrame, draw_metrics: dict, metric_names, top: int = 5) -> pd.DataFrame:
    """Which drawn parameters move each headline most: Spearman rank correlation across the draws."""
    if draw_table.empty:
        return pd.DataFrame(columns=["scenario", "metric", "parameter", "rank_correlation"])
    wide = draw_table.pivot(index="draw", columns="name", values="value")
    ranks = wide.rank().to_numpy()
    std = ranks.std(0)
    ranks = (ranks - ranks.mean(0)) / np.where(std > 0, std, 1.0)
    rows = []
    for scenario, mets in draw_metrics.items():
        for metric in metric_names:
            if metric not in mets:
                continue
            y = np.asarray(mets[metric], dtype=float)
            if not np.all(np.isfinite(y)) or np.std(y) == 0:
                continue
            ry = pd.Series(y).rank().to_numpy()
            ry = (ry - ry.mean()) / ry.std()
            rho = ranks.T @ ry / len(ry)
            order = np.argsort(-np.abs(rho))[:top]
            rows += [{"scenario": scenario, "metric": metric, "parameter": wide.columns[i],
                      "rank_correlation": float(rho[i])} for i in order]
    return pd.DataFrame(rows, columns=["scenario", "metric", "parameter", "rank_correlation"])


def economics_tables(buildings: pd.DataFrame, potential: pd.DataFrame, areas: pd.DataFrame,
                     area_heat: pd.DataFrame | None, assumptions, seed: int, log: QualityLog | None = None,
                     pv_profile=None, n_draws: int = dr.N_DRAWS, curve: k.SelfConsumptionCurve | None = None,
                     prepared: tuple | None = None, with_sensitivity: bool = True, progress=None) -> dict:
    """Every money table of a place (see the module docstring).

    Parameters
    ----------
    buildings, potential, areas : pandas.DataFrame
        Store tables (see :func:`analysis.economics.inputs.prepare`).
    area_heat : pandas.DataFrame or None
        From the heat step (None: no heat ownership).
    assumptions : analysis.config.Assumptions
        With the ``prices`` of the chosen period.
    seed : int
        Seeds the parameter draws.
    n_draws : int
        Parameter draws (0 skips them).
    prepared : tuple, optional
        ``(units, groups)`` from :func:`analysis.economics.inputs.prepare` on the same frames.
    progress : callable, optional
        Called with a short text after each part.

    Returns
    -------
    dict of pandas.DataFrame
        Keyed by the store's table names (:mod:`analysis.tables`).
    """
    log = log if log is not None else QualityLog()
    timings = {}
    t0 = time.perf_counter()
    units, groups = prepared or inputs.prepare(buildings, potential, areas, log)
    curve = curve or build_curve(assumptions, pv_profile, log=log)
    params = dr.central_params(assumptions)
    data = Inputs.of(units, groups, params, curve)
    del units  # the roofs themselves are summed into classes: only those are kept (memory grows with classes)
    data.units = None
    timings["prepare"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    runner = Runner(data.area_classes, groups, params, curve)
    area_rows, dec_rows, ten_rows, kind_rows, party_rows, summary_rows, owner_rows = [], [], [], [], [], [], []
    central, central_results = {}, {}
    for name in SCENARIOS:
        model, roof_set, distribution = SCENARIOS[name]
        gen, ledger = runner.scenario(name)
        losing = m.households_losing(gen, ledger, runner.units, groups)
        met = {key: float(v[0]) for key, v in m.metrics(gen, ledger, runner.units, groups, losing=losing).items()}
        central[name] = met
        area = m.area_columns(name, gen, ledger, groups)
        area_rows.append(area)
        dec, ten, kind = m.group_columns(name, gen, ledger, runner.units, groups, losing=losing)
        central_results[name] = (ledger, met, dec, ten)
        dec_rows.append(dec)
        ten_rows.append(ten)
        kind_rows.append(kind)
        party_rows += m.party_records(name, ledger)
        owner_rows.append(m.roof_owner_columns(name, gen, runner.units, runner.base))
        if name == "market":
            terms = m.uptake_terms(runner.units, gen.share[:, 0], groups, float(params.adoption_income_elasticity[0]))
        ok = area["households"] > 0
        net_ok = area["net_per_household"][ok]
        summary_rows.append({"scenario": name, "model": model, "roof_set": roof_set, "distribution": distribution, **met,
                             "buildings_with_kit": float((gen.share[:, 0] * runner.units.n_buildings
                                                          * gen.kit[:, 0]).sum()),
                             "concentration_net_areas": _safe_ci(net_ok, area["income_mean"][ok], area["households"][ok]),
                             "concentration_net_meaningful": bool((net_ok >= 0).all() or (net_ok <= 0).all()),
                             "concentration_benefit_areas": _safe_ci(area["benefit_per_household"][ok],
                                                                     area["income_mean"][ok], area["households"][ok]),
                             "fixed_by_construction": m.fixed_by_construction(name)})
    runner.base.cache.clear()  # the plans: every generation the policy matrix needs is kept in the runner
    timings["scenarios (central, area classes)"] = time.perf_counter() - t0
    if progress:
        progress("ownership scenarios")

    t0 = time.perf_counter()
    heat_central = ho.heat_ownership(area_heat, groups, params, log) if area_heat is not None else {}
    out = ho.heat_tables(heat_central, groups) if heat_central else {}
    timings["heat ownership"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    policy_out, framing_central = policy.policy_tables(runner, central_results)
    out.update(policy_out)
    # The tariff changes only the aggregator's plan and decision: the shared quantities are reused.
    out[T.POLICY_AGGREGATOR] = policy.aggregator_tariff_table(
        lambda tariff: Runner(data.area_classes, groups, params.replace(aggregator_generation_tariff_per_kwh=tariff),
                              curve, base=dataclasses.replace(runner.base, params=params.replace(
                                  aggregator_generation_tariff_per_kwh=tariff), cache={})), assumptions)
    del runner
    timings["policy matrix"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    robust = framing_robust = drivers = pd.DataFrame()
    draws_long, draw_table = [], pd.DataFrame(columns=["draw", "group", "name", "value"])
    key = uncertainty_key(data, curve, area_heat, assumptions, seed, n_draws, with_sensitivity)
    drawn = cache.cached("money-uncertainty", key, lambda: uncertainty(data, curve, area_heat, assumptions, seed, n_draws,
                                                                        with_sensitivity))
    if n_draws:
        dmetrics, fmetrics, draw_table = drawn["scenarios"], drawn["framings"], drawn["draw_table"]
        for model, res in heat_central.items():
            central[f"heat_{model}"] = {key: float(v[0]) for key, v in ho.heat_metrics(res, groups).items()}
        robust = m.robustness(dmetrics, central, m.comparison_set())
        framing_robust = m.robustness(fmetrics, framing_central, policy.framing_comparisons()).rename(
            columns={"scenario": "framing"})
        drivers = parameter_drivers(draw_table, {**dmetrics, **fmetrics}, DRIVER_METRICS)
        labels = [(name, metric) for name, mets in dmetrics.items() for metric in mets]
        draws_long = [pd.DataFrame({
            "scenario": np.repeat([name for name, _ in labels], n_draws), "metric": np.repeat([mt for _, mt in labels], n_draws),
            "draw": np.tile(np.arange(n_draws), len(labels)),
            "value": np.concatenate([np.asarray(dmetrics[name][mt], dtype=float) for name, mt in labels])})]
    timings["parameter draws"] = time.perf_counter() - t0
    if progress:
        progress("parameter draws")

    out.update(drawn.get("sensitivity", {}))
    out[T.MARKET_UPTAKE_TERMS] = terms

    out.update({
        T.SCENARIO_AREA: m.frame_of(area_rows),
        T.SCENARIO_DECILE: m.frame_of(dec_rows),
        T.SCENARIO_TENURE: m.frame_of(ten_rows),
        T.SCENARIO_DWELLING: m.frame_of(kind_rows),
        T.SCENARIO_PARTIES: pd.DataFrame(party_rows, columns=["scenario", "party", "component", "lands_on",
                                                              "amount_per_year"]),
        T.SCENARIO_SUMMARY: pd.DataFrame(summary_rows),
        T.SCENARIO_ROOF_OWNERS: m.frame_of(owner_rows),
        T.SCENARIO_ROBUSTNESS: robust,
        T.POLICY_ROBUSTNESS: framing_robust,
        T.POLICY_DRIVERS: drivers,
        T.SCENARIO_DRAWS: pd.concat(draws_long, ignore_index=True) if draws_long else pd.DataFrame(
            columns=["scenario", "metric", "draw", "value"]),
        T.PARAMETER_DRAWS: draw_table,
        T.SELF_CONSUMPTION_CURVE: curve.frame(),
        T.PRICES: price_table(assumptions),
        T.ECONOMICS_TIMINGS: pd.DataFrame({"part": list(timings), "seconds": list(timings.values())}),
    })
    return out


def uncertainty(data: Inputs, curve, area_heat, assumptions, seed: int, n_draws: int, with_sensitivity: bool) -> dict:
    """The parameter draws and the one-at-a-time sensitivity, on classes of roofs per income decile.

    Returns
    -------
    dict
        ``scenarios`` (scenario -> metric -> (D,)), ``framings`` (framing -> metric -> (D,)),
        ``draw_table`` and ``sensitivity`` (tables of :mod:`analysis.economics.sensitivity`).
    """
    out = {"scenarios": {}, "framings": {}, "draw_table": pd.DataFrame(columns=["draw", "group", "name", "value"]),
           "sensitivity": {}}
    if n_draws:
        dparams, out["draw_table"] = dr.draw_params(assumptions, n_draws, seed)
        runner = Runner(data.decile_classes, data.deciles, dparams, curve)
        dmetrics = _scenario_metrics_parallel(runner, data.decile_classes, data.deciles)
        if area_heat is not None:
            for model, res in ho.heat_ownership(area_heat, data.groups, dparams, book_by_decile=True).items():
                dmetrics[f"heat_{model}"] = ho.heat_metrics(res, data.deciles)
        out["scenarios"] = dmetrics
        out["framings"] = policy.framing_draw_metrics(runner, {"market_batteries": dmetrics["market_batteries"]})
    if with_sensitivity:
        out["sensitivity"] = sensitivity.sensitivity_tables(data.decile_classes, data.deciles, curve, assumptions)
    return out


def _scenario_metrics_parallel(runner: Runner, units: k.Units, groups: k.Groups) -> dict:
    """:func:`~analysis.economics.metrics.metrics` of every scenario on ``runner``, in two threads: the
    market's scenarios in one, the third parties' in the other (their plans share nothing but the
    market's roofs, which the second thread reaches last). NumPy releases the GIL in the large array
    operations that dominate; the result is the same as in one thread (tested)."""
    from concurrent.futures import ThreadPoolExecutor

    market = [n for n in SCENARIOS if SCENARIOS[n][0].startswith("market")]
    others = sorted((n for n in SCENARIOS if n not in market), key=lambda n: SCENARIOS[n][1] == "market_roofs")
    runner.generation("market", "own")  # shared by both threads (the market's roofs)

    def run(names):
        return {name: m.metrics(*runner.scenario(name), units, groups) for name in names}

    workers = min(2, os.cpu_count() or 1)
    if workers < 2:
        return run(list(SCENARIOS))
    with ThreadPoolExecutor(max_workers=2) as pool:
        parts = list(pool.map(run, [market, others]))
    merged = {**parts[0], **parts[1]}
    return {name: merged[name] for name in SCENARIOS}


def uncertainty_key(data: Inputs, curve, area_heat, assumptions, seed: int, n_draws: int, with_sensitivity: bool) -> str:
    """A cache key of everything :func:`uncertainty` depends on: the classes' numbers, the curve, the heat
    table, the assumptions (prices included), the seed and the money code."""
    digest = hashlib.sha256()
    for obj in (data.decile_classes, data.deciles):
        for name, value in sorted(vars(obj).items()):
            array = np.asarray(value)
            digest.update(name.encode())
            digest.update(np.ascontiguousarray(array).tobytes() if array.dtype.kind in "biuf"
                          else "\x00".join(map(str, array.ravel())).encode())
    for tab in curve.table.values():
        digest.update(np.ascontiguousarray(tab).tobytes())
    if area_heat is not None:
        digest.update(pd.util.hash_pandas_object(area_heat, index=False).to_numpy().tobytes())
    return cache.key_of(data=digest.hexdigest(), assumptions=assumptions.groups, seed=seed, n_draws=n_draws,
                        sensitivity=with_sensitivity,
                        code=cache.code_hash(*[f"economics/{f.name}" for f in sorted(
                            (cache.PACKAGE / "economics").glob("*.py"))], "heat/district.py"))


def price_table(assumptions) -> pd.DataFrame:
    """The prices every money result uses: one row per price with its value, range, unit, source and date."""
    rows = [{"name": name, **{key: entry.get(key) for key in ("value", "low", "high", "unit", "source")},
             "date": str(entry.get("date")), "price_date": assumptions.price_date, "currency": assumptions.currency}
            for name, entry in assumptions.groups["prices"].items()]
    return pd.DataFrame(rows)
