"""The policy matrix: who owns the networks, how their costs are recovered, who owns rooftop generation.

Each cell ``<network>/<recovery>/<generation>`` is one run of the kernel
(:mod:`analysis.economics.kernel`): a generation model at its own scale
(:func:`~analysis.economics.kernel.generation`) plus network charges, levies, public networks and
supply (:func:`~analysis.economics.kernel.network_and_supply`). The cell
``private/volumetric/<g>`` is exactly the ownership scenario ``<g>`` (tested).

* **network** — ``private`` (regulated, investor-owned) or ``public`` (saves
  ``public_network_saving_share`` of network costs, less the yearly cost of compensating the
  owners above the asset value, ``network_compensation_cost_share``, paid by the Treasury);
* **recovery** of domestic network and policy costs per kWh today — ``volumetric``, ``fixed``
  (the same per household) or ``progressive`` (in proportion to income);
* **generation** — ``market``, ``market_batteries``, ``aggregator``, ``coop`` or ``municipal``.

Named framings from the UK debate pick cells (:data:`FRAMINGS`). Each framing's difference from
the liberalised market rests on a few assumptions, named in :data:`FRAMING_ASSUMPTIONS`; the
sensitivity step (:mod:`analysis.economics.sensitivity`) shows how far each moves it.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from analysis import inequality
from analysis.economics import kernel as k
from analysis.economics import metrics as m
from analysis.economics.scenarios import Runner

NETWORKS = k.NETWORKS
RECOVERIES = k.RECOVERIES
GENERATIONS = ("market", "market_batteries", "aggregator", "coop", "municipal")
GENERATION_MODEL = {"market": "market", "market_batteries": "market_batteries", "aggregator": "aggregator",
                    "coop": "coop", "municipal": "public"}
FRAMINGS = {
    "Liberalised market": dict(network="private", recovery="volumetric", generation="market_batteries", supply="private"),
    "Bringing Energy Home": dict(network="public", recovery="volumetric", generation="market_batteries", supply="private"),
    "Community energy": dict(network="public", recovery="volumetric", generation="coop", supply="private"),
    "Green New Deal": dict(network="public", recovery="progressive", generation="municipal", supply="public"),
}
#: The assumptions each framing's difference from the liberalised market rests on (the rest is data).
FRAMING_ASSUMPTIONS = {
    "Bringing Energy Home": ("public_network_saving_share", "network_compensation_cost_share",
                             "network_share_of_domestic_bill"),
    "Community energy": ("public_network_saving_share", "network_compensation_cost_share", "ppa_discount_coop",
                         "discount_rate_coop", "coop_share_of_other_roofs", "community_fund_targeting"),
    "Green New Deal": ("public_network_saving_share", "network_compensation_cost_share", "public_supply_margin_on_bill",
                       "ppa_discount_public", "public_share_of_other_roofs", "discount_rate_public"),
}
REFERENCE_FRAMING = "Liberalised market"


def cell_name(network: str, recovery: str, generation: str) -> str:
    return f"{network}/{recovery}/{generation}"


def run_cell(runner: Runner, network: str, recovery: str, generation: str, supply: str = "private"
             ) -> tuple[k.Generation, k.Ledger]:
    """The generation and full ledger of one cell (or framing)."""
    gen = runner.generation(GENERATION_MODEL[generation], "own")
    return gen, gen.ledger.merge(k.network_and_supply(gen, runner.groups, runner.params, network, recovery, supply))


def suits_of_charges(ledger: k.Ledger, groups: k.Groups) -> float:
    """Suits index of domestic network and policy charges per household against area income (central draw)."""
    charges = ledger.extras["domestic_charges"][:, :, 0].sum(axis=1)
    h = groups.households.sum(axis=1)
    ok = (h > 0) & np.isfinite(groups.income_mean)
    if ok.sum() < 2:
        return float("nan")
    per = charges[ok] / h[ok]
    if per.sum() <= 0:
        return float("nan")
    return inequality.suits(per, groups.income_mean[ok], h[ok])


def policy_tables(runner: Runner, scenario_results: dict | None = None) -> dict:
    """Every matrix cell and framing at the central parameters: cells, deciles, tenures, parties, framings.

    ``scenario_results`` (scenario -> (ledger, metrics, decile, tenure columns)) reuses the
    ownership scenarios for the cells they equal.
    """
    scenario_results = scenario_results or {}
    rows, dec_rows, ten_rows, party_rows = [], [], [], []
    units, groups = runner.units, runner.groups
    for network, recovery, generation in itertools.product(NETWORKS, RECOVERIES, GENERATIONS):
        name = cell_name(network, recovery, generation)
        scenario = GENERATION_MODEL[generation]
        if (network, recovery) == ("private", "volumetric") and scenario in scenario_results:
            ledger, met, dec, ten = scenario_results[scenario]
            dec, ten = ({("cell" if key == "scenario" else key): (name if key == "scenario" else v) for key, v in t.items()}
                        for t in (dec, ten))
        else:
            gen, ledger = run_cell(runner, network, recovery, generation)
            losing = m.households_losing(gen, ledger, units, groups)
            met = {key: float(v[0]) for key, v in m.metrics(gen, ledger, units, groups, losing=losing).items()}
            dec, ten, _ = m.group_columns(name, gen, ledger, units, groups, losing=losing, key="cell")
        dec_rows.append(dec)
        ten_rows.append(ten)
        party_rows += m.party_records(name, ledger)
        rows.append({"cell": name, "network": network, "recovery": recovery, "generation": generation, **met,
                     "suits_network_charges": suits_of_charges(ledger, groups),
                     # all charges in proportion to income (Suits 0 by construction) only when the rule moves all of them
                     "suits_fixed_by_construction": bool(recovery == "progressive" and np.all(
                         runner.params.network_policy_per_kwh >= runner.params.shifted_per_kwh_domestic))})
    framing_rows = []
    central = {}
    for label, f in FRAMINGS.items():
        gen, ledger = run_cell(runner, **f)
        met = {key: float(v[0]) for key, v in m.metrics(gen, ledger, units, groups).items()}
        central[label] = met
        parties = ledger.component_totals()
        reform = ledger.extras.get("recovery_reform")
        households = max(float(groups.households.sum()), 1e-9)
        framing_rows.append({"framing": label, **f, **met,
                             "recovery_reform_per_household": float(reform[:, :, 0].sum()) / households
                             if reform is not None else 0.0,
                             "network_saving": float(-parties.get(("network_owners", "public_network_saving"),
                                                                  np.zeros(1))[0]),
                             "network_compensation": float(parties.get(("network_owners", "compensation"),
                                                                       np.zeros(1))[0]),
                             "supply_return": float(-parties.get(("suppliers", "supply_margin"), np.zeros(1))[0]),
                             "rests_on": ", ".join(FRAMING_ASSUMPTIONS.get(label, ()))})
    return {"policy_cells": pd.DataFrame(rows), "policy_decile": m.frame_of(dec_rows),
            "policy_tenure": m.frame_of(ten_rows),
            "policy_parties": pd.DataFrame(party_rows, columns=["cell", "party", "component", "lands_on", "amount_per_year"]),
            "policy_framings": pd.DataFrame(framing_rows)}, central


def framing_draw_metrics(runner: Runner, scenario_draws: dict | None = None) -> dict:
    """Metrics of every framing over the parameter draws of ``runner`` (decile classes)."""
    scenario_draws = scenario_draws or {}
    out = {}
    for label, f in FRAMINGS.items():
        scenario = GENERATION_MODEL[f["generation"]]
        if (f["network"], f["recovery"], f["supply"]) == ("private", "volumetric", "private") and scenario in scenario_draws:
            out[label] = scenario_draws[scenario]
            continue
        gen, ledger = run_cell(runner, **f)
        out[label] = m.metrics(gen, ledger, runner.units, runner.groups)
    return out


def framing_comparisons() -> dict:
    """Each framing against the liberalised market (label -> (a, b, metric))."""
    return {f"{a} minus {REFERENCE_FRAMING}: {metric}": (a, REFERENCE_FRAMING, metric)
            for a in FRAMINGS if a != REFERENCE_FRAMING
            for metric in ("net_per_household", "bottom_decile_net", "top_minus_bottom", "social_rented_net_per_household")}


def aggregator_tariff_table(runner_at, assumptions) -> pd.DataFrame:
    """Rent-a-roof at each level of the (closed) generation tariff: it depends on a subsidy that no longer exists.

    ``runner_at(params)`` returns a :class:`Runner` on the central units for those parameters.
    """
    rows = []
    for level in ("low", "central", "high"):
        tariff = assumptions.get("ownership_models", "aggregator_generation_tariff_per_kwh", level)
        runner = runner_at(tariff)
        gen, ledger = run_cell(runner, "private", "volumetric", "aggregator")
        parties = ledger.party_totals()
        rows.append({"level": level, "tariff_per_kwh": tariff, "installed_mwp": float(gen.installed_kwp.sum() / 1000),
                     "aggregator_net": float(parties.get("aggregator", np.zeros(1))[0]),
                     "households_net": float(ledger.households().sum())})
    return pd.DataFrame(rows)
