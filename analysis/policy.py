"""The policy matrix: who owns the networks, how their costs are recovered, who owns rooftop generation.

Each cell ``<network>/<recovery>/<generation>`` is one run of the economics kernel
(:mod:`analysis.economics`): the generation model's flows (:func:`analysis.economics.generation`)
plus network charges, levies and supply margins (:func:`analysis.economics.network_and_supply`).
The cell ``private/volumetric/<g>`` is exactly the ownership scenario ``<g>`` of
:mod:`analysis.scenarios` (tested); ``municipal`` is the scenario ``public``.

* **network** — ``private`` (regulated, investor-owned) or ``public`` (saves
  ``public_network_saving_share`` of the network part of the charges — policy levies are not
  saved — booked against ``network_owners``);
* **recovery** of domestic network and policy costs — ``volumetric`` (per kWh bought from the
  grid), ``fixed`` (the same per household) or ``progressive`` (in proportion to income);
  non-domestic customers always pay per kWh;
* **generation** — ``market``, ``market_batteries``, ``aggregator`` (rent-a-roof), ``coop`` or
  ``municipal``, each at its own scale.

Money is the change in £/yr against today: private networks, per-kWh recovery, no rooftop PV.
Named framings from the UK debate pick cells (:data:`FRAMINGS`); their headlines get intervals
from the same joint parameter draws as the scenarios.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from analysis import economics as ec
from analysis import inequality, scenarios
from analysis.quality import QualityLog

NETWORKS = ec.NETWORKS
RECOVERIES = ec.RECOVERIES
GENERATIONS = ("market", "market_batteries", "aggregator", "coop", "municipal")
GENERATION_MODEL = {"market": "market", "market_batteries": "market_batteries", "aggregator": "aggregator",
                    "coop": "coop", "municipal": "public"}
FRAMINGS = {
    "Liberalised market": dict(network="private", recovery="volumetric", generation="market_batteries", supply="private"),
    "Bringing Energy Home": dict(network="public", recovery="volumetric", generation="market_batteries", supply="private"),
    "Community energy": dict(network="public", recovery="volumetric", generation="coop", supply="private"),
    "Green New Deal": dict(network="public", recovery="progressive", generation="municipal", supply="public"),
}
#: Headlines whose drivers (rank correlation with each drawn parameter) are tabulated.
DRIVER_METRICS = ("net_per_household", "top_minus_bottom_gbp", "bottom_decile_net")


def cell_name(network: str, recovery: str, generation: str) -> str:
    return f"{network}/{recovery}/{generation}"


def generations(units, groups, params, curve, names=GENERATIONS, cache: dict | None = None) -> dict:
    """Generation models at their own scale: name -> :class:`analysis.economics.Generation`.

    ``cache`` holds models already run on these units, parameters and curve (keyed as in
    :func:`analysis.scenarios.run_scenarios`, whose own-scale runs are these models) and
    receives the ones run here.
    """
    cache = {} if cache is None else cache
    if "base" not in cache:
        cache["base"] = ec.base_quantities(units, params, curve)
    out = {}
    for g in names:
        key = (GENERATION_MODEL[g], "own")
        if key not in cache:
            cache[key] = ec.generation(units, groups, params, curve, GENERATION_MODEL[g], base=cache["base"])
        out[g] = cache[key]
    return out


def run_cell(gen: ec.Generation, groups: ec.Groups, params: dict, network: str, recovery: str,
             supply: str = "private") -> ec.Ledger:
    """The full ledger of one cell: generation flows plus network charges, levies and supply."""
    return gen.ledger.merge(ec.network_and_supply(gen, groups, params, network, recovery, supply))


def suits_of_charges(ledger: ec.Ledger, groups: ec.Groups) -> float:
    """Suits index of domestic network and policy charges per household against area income (central draw)."""
    charges = ledger.extras["domestic_charges_gbp"][:, :, 0].sum(axis=1)
    h = groups.households.sum(axis=1)
    ok = h > 0
    per = charges[ok] / h[ok]
    if per.sum() <= 0:
        return float("nan")
    return inequality.suits(per, groups.income_mean_gbp[ok], h[ok])


def policy_step(buildings: pd.DataFrame, potential: pd.DataFrame, areas: pd.DataFrame, assumptions, seed: int,
                log: QualityLog | None = None, pv_profile=None, n_draws: int = scenarios.N_DRAWS,
                curve: ec.SelfConsumptionCurve | None = None, prepared: tuple | None = None,
                shared: dict | None = None) -> dict:
    """Run every matrix cell and the named framings; parties, deciles, tenures, intervals and drivers.

    Parameters
    ----------
    buildings, potential, areas : pandas.DataFrame
        As for :func:`analysis.scenarios.economics_step`.
    assumptions : analysis.config.Assumptions
    seed : int
        Seeds the parameter draws (the same draws as the economics step for the same seed).
    log : QualityLog, optional
    pv_profile : array, optional
        Hourly PV output of 1 kWp at the place (for the self-consumption curve).
    n_draws : int
        Parameter draws for the framings (0 skips them).
    curve : SelfConsumptionCurve, optional
        Precomputed self-consumption curve.
    prepared : tuple, optional
        ``(units, groups)`` from :func:`analysis.scenarios.prepare` on the same frames.
    shared : dict, optional
        The dict passed to :func:`analysis.scenarios.economics_step` of the same run: its
        classes, generation models, draws and the cells that are ownership scenarios
        (``private/volumetric/<g>``) are reused. Results are identical with or without it.

    Returns
    -------
    dict of pandas.DataFrame
        ``policy_cells``, ``policy_decile``, ``policy_tenure``, ``policy_parties``,
        ``policy_framings``, ``policy_robustness``, ``policy_aggregator``, ``policy_drivers``.
    """
    log = log if log is not None else QualityLog()
    buildings_units, groups = prepared or scenarios.prepare(buildings, potential, areas, log)
    curve = curve or scenarios.build_curve(assumptions, pv_profile, log=log)
    work = scenarios.shared_work(shared, buildings_units, assumptions, curve)
    units, params = scenarios.central_inputs(work, buildings_units, groups, assumptions)  # per-area classes
    gens = generations(units, groups, params, curve, cache=work.setdefault("central generations", {}))
    scenario_results = work.get("central results", {})
    rows, dec_rows, ten_rows, party_rows = [], [], [], []
    for network, recovery, generation in itertools.product(NETWORKS, RECOVERIES, GENERATIONS):
        name = cell_name(network, recovery, generation)
        gen = gens[generation]
        scenario = GENERATION_MODEL[generation]  # the ownership scenario of this model at its own scale
        if (network, recovery) == ("private", "volumetric") and scenario in scenario_results:
            ledger, m, dec, ten = scenario_results[scenario]
            dec, ten = ({("cell" if k == "scenario" else k): (name if k == "scenario" else v) for k, v in t.items()}
                        for t in (dec, ten))
        else:
            ledger = run_cell(gen, groups, params, network, recovery)
            losing = scenarios.households_losing(gen, ledger, units, groups)
            m = {k: float(v[0]) for k, v in scenarios.metrics(gen, ledger, units, groups, losing=losing).items()}
            dec, ten = scenarios.group_columns(name, gen, ledger, units, groups, losing=losing, key="cell")
        dec_rows.append(dec)
        ten_rows.append(ten)
        party_rows += scenarios.party_records(name, ledger)
        parties = ledger.party_totals()
        rows.append({"cell": name, "network": network, "recovery": recovery, "generation": generation, **m,
                     "suits_network_charges": suits_of_charges(ledger, groups),
                     "suits_fixed_by_construction": recovery == "progressive",
                     "leaves_households_gbp": float(sum(parties.get(k, np.zeros(1))[0] for k in
                                                        ("private_landlords", "private_freeholders", "businesses",
                                                         "aggregator", "capital_providers")))})
    framing_rows = []
    central = {}
    for label, f in FRAMINGS.items():
        gen = gens[f["generation"]]
        ledger = run_cell(gen, groups, params, f["network"], f["recovery"], f["supply"])
        m = {k: float(v[0]) for k, v in scenarios.metrics(gen, ledger, units, groups).items()}
        central[label] = m
        parties = ledger.party_totals()
        framing_rows.append({"framing": label, **f, **m,
                             "public_savings_gbp": float(-parties.get("network_owners", np.zeros(1))[0]
                                                         - parties.get("supplier_shareholders", np.zeros(1))[0])})
    # Rent-a-roof depends on a generation tariff that no longer exists: show it at each level.
    agg_rows = []
    for level in ("low", "central", "high"):
        tariff = assumptions.get("ownership_models", "aggregator_generation_tariff_gbp_per_kwh", level)
        p = dict(params, aggregator_generation_tariff_gbp_per_kwh=np.array([tariff]))
        if np.array_equal(p["aggregator_generation_tariff_gbp_per_kwh"], params["aggregator_generation_tariff_gbp_per_kwh"]):
            gen = gens["aggregator"]
        else:  # the tariff does not enter the base quantities
            gen = ec.generation(units, groups, p, curve, "aggregator", base=work["central generations"]["base"])
        ledger = run_cell(gen, groups, p, "private", "volumetric")
        parties = ledger.party_totals()
        agg_rows.append({"level": level, "tariff_gbp_per_kwh": tariff, "installed_mwp": float(gen.installed_kwp.sum() / 1000),
                         "aggregator_gbp": float(parties.get("aggregator", np.zeros(1))[0]),
                         "households_net_gbp": float(ledger.households().sum())})
    robust, drivers = pd.DataFrame(), pd.DataFrame()
    if n_draws:
        classes, deciles, dparams, draw_table = scenarios.draw_inputs(work, buildings_units, groups, assumptions,
                                                                      n_draws, seed)
        dgens = generations(classes, deciles, dparams, curve, sorted({f["generation"] for f in FRAMINGS.values()}),
                            cache=work.setdefault(("draw generations", n_draws, seed), {}))
        scenario_draws = work.get(("draw metrics", n_draws, seed), {})
        dmetrics = {}
        for label, f in FRAMINGS.items():
            gen = dgens[f["generation"]]
            scenario = GENERATION_MODEL[f["generation"]]
            if (f["network"], f["recovery"], f["supply"]) == ("private", "volumetric", "private") and scenario in scenario_draws:
                dmetrics[label] = scenario_draws[scenario]  # the ownership scenario's own draws
                continue
            ledger = run_cell(gen, deciles, dparams, f["network"], f["recovery"], f["supply"])
            dmetrics[label] = scenarios.metrics(gen, ledger, classes, deciles)
        comparisons = {f"{a} minus Liberalised market: {metric}": (a, "Liberalised market", metric)
                       for a in FRAMINGS if a != "Liberalised market"
                       for metric in ("net_per_household", "bottom_decile_net", "top_minus_bottom_gbp",
                                      "social_rented_net_per_household")}
        robust = scenarios.robustness(dmetrics, central, comparisons).rename(columns={"scenario": "framing"})
        drivers = parameter_drivers(draw_table, dmetrics, DRIVER_METRICS)
    return {"policy_cells": pd.DataFrame(rows), "policy_decile": scenarios.frame_of(dec_rows),
            "policy_tenure": scenarios.frame_of(ten_rows),
            "policy_parties": pd.DataFrame(party_rows, columns=["cell", "party", "component", "gbp_per_year"]),
            "policy_framings": pd.DataFrame(framing_rows), "policy_robustness": robust,
            "policy_aggregator": pd.DataFrame(agg_rows), "policy_drivers": drivers}


def parameter_drivers(draw_table: pd.DataFrame, draw_metrics: dict, metric_names, top: int = 5) -> pd.DataFrame:
    """Which drawn parameters move each headline most: Spearman rank correlation across the draws.

    Returns
    -------
    pandas.DataFrame
        ``scenario``, ``metric``, ``parameter``, ``rank_correlation`` (the ``top`` largest in size).
    """
    def rankdata(x):
        return pd.Series(x).rank().to_numpy()

    wide = draw_table.pivot(index="draw", columns="name", values="value")
    ranks = wide.rank().to_numpy()  # every column at once (average ranks for ties)
    ranks = (ranks - ranks.mean(0)) / ranks.std(0)
    rows = []
    for scenario, mets in draw_metrics.items():
        for metric in metric_names:
            y = np.asarray(mets[metric], dtype=float)
            if not np.all(np.isfinite(y)) or np.std(y) == 0:
                continue
            ry = rankdata(y)
            ry = (ry - ry.mean()) / ry.std()
            rho = ranks.T @ ry / len(ry)
            order = np.argsort(-np.abs(rho))[:top]
            rows += [{"scenario": scenario, "metric": metric, "parameter": wide.columns[i],
                      "rank_correlation": float(rho[i])} for i in order]
    return pd.DataFrame(rows)
