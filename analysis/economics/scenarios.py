"""Ownership scenarios: each generation model on a roof set, with the network and policy layer.

Every scenario is one generation model of :mod:`analysis.economics.kernel` (``market``,
``market_batteries``, ``aggregator``, ``coop``, ``public``; public with an ``equal`` or
``progressive`` return) on one **roof set**:

* ``own`` — each model at its own scale: each owner installs where its own decision rule says
  so, and consent is needed from every party on the roof;
* ``worthwhile_roofs`` — every model on the roofs where panels create value (their real value,
  at the public rate, is positive whoever owns them): the fairest equal-scale comparison;
* ``all_roofs`` — every model on every suitable roof (equal capacity, the same roofs), which
  needs grants where panels do not pay;
* ``market_roofs`` — every model on exactly the roofs the market would fill.

On the equal roof sets every owner keeps its own route to market; where an owner's objective
would be negative on a roof the Treasury pays it a top-up grant, booked and shown: a comparison
never rests on someone running a hidden loss.

:class:`Runner` holds one set of units, groups, parameters and curve, and runs each
``(model, roof set)`` once; the ownership scenarios and the policy matrix share it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from analysis.economics import kernel as k
from analysis.economics.params import Params

#: Scenarios: name -> (model, roof set, public distribution).
SCENARIOS = {
    "market": ("market", "own", "equal"),
    "market_batteries": ("market_batteries", "own", "equal"),
    "market_breakeven": ("market_breakeven", "own", "equal"),
    "aggregator": ("aggregator", "own", "equal"),
    "coop": ("coop", "own", "equal"),
    "public": ("public", "own", "equal"),
    "public_progressive": ("public", "own", "progressive"),
    "market@worthwhile_roofs": ("market", "worthwhile_roofs", "equal"),
    "aggregator@worthwhile_roofs": ("aggregator", "worthwhile_roofs", "equal"),
    "coop@worthwhile_roofs": ("coop", "worthwhile_roofs", "equal"),
    "public@worthwhile_roofs": ("public", "worthwhile_roofs", "equal"),
    "public_progressive@worthwhile_roofs": ("public", "worthwhile_roofs", "progressive"),
    "market@all_roofs": ("market", "all_roofs", "equal"),
    "aggregator@all_roofs": ("aggregator", "all_roofs", "equal"),
    "coop@all_roofs": ("coop", "all_roofs", "equal"),
    "public@all_roofs": ("public", "all_roofs", "equal"),
    "public_progressive@all_roofs": ("public", "all_roofs", "progressive"),
    "aggregator@market_roofs": ("aggregator", "market_roofs", "equal"),
    "coop@market_roofs": ("coop", "market_roofs", "equal"),
    "public@market_roofs": ("public", "market_roofs", "equal"),
    "public_progressive@market_roofs": ("public", "market_roofs", "progressive"),
}
ROOF_SETS = ("own", "worthwhile_roofs", "all_roofs", "market_roofs")
#: Plain-words labels of the models (charts, findings, the ledger command share them).
MODEL_LABELS = {"market": "Market", "market_batteries": "Market with batteries",
                "market_breakeven": "Market, every owner acting on the money", "aggregator": "Rent-a-roof company",
                "coop": "Community co-op", "public": "Public ownership"}


@dataclass
class Runner:
    """One place's units, groups, parameters and curve; runs each (model, roof set) once."""

    units: k.Units
    groups: k.Groups
    params: Params
    curve: k.SelfConsumptionCurve
    base: k.Base | None = None
    generations: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.base is None:
            self.base = k.base_quantities(self.units, self.params, self.curve)

    def generation(self, model: str, roof_set: str = "own") -> k.Generation:
        """The model on a roof set (equal distribution of a public surplus)."""
        key = (model, roof_set)
        if key not in self.generations:
            share = None
            if roof_set == "all_roofs":
                share = np.ones(len(self.units))
            elif roof_set == "worthwhile_roofs":  # roofs found worthwhile at the central assumptions, roof by roof
                share = (self.units.worthwhile if self.units.worthwhile is not None
                         else k.worthwhile(self.units, self.base)).astype(float)
            elif roof_set == "market_roofs":
                share = self.generation("market", "own").share
            self.generations[key] = k.generation(self.units, self.groups, self.params, self.curve, model,
                                                 share=share, base=self.base)
        return self.generations[key]

    def scenario(self, name: str) -> tuple[k.Generation, k.Ledger]:
        """A scenario of :data:`SCENARIOS`: its generation and its ledger with the network layer."""
        model, roof_set, distribution = SCENARIOS[name]
        gen = self.generation(model, roof_set)
        if distribution != "equal":
            gen = redistribute(gen, self.groups, distribution)
        return gen, gen.ledger.merge(k.network_and_supply(gen, self.groups, self.params))


def redistribute(gen: k.Generation, groups: k.Groups, distribution: str) -> k.Generation:
    """The same public generation with its pooled surplus returned by another rule (no rerun)."""
    if groups.households.sum() <= 0:  # nobody to return it to: it stayed with the Treasury under every rule
        return gen
    returned = {("households", c) for (name, c) in gen.pools if name == "public_return"}
    entries = {key: v.copy() for key, v in gen.ledger.entries.items() if key not in returned}
    ledger = k.Ledger(gen.ledger.n_groups, gen.ledger.n_draws, entries, gen.ledger.real_value.copy())
    for (name, component), pool in gen.pools.items():
        if name != "public_return":
            continue
        entries.pop(("households", component), None)
        if groups.households.sum() > 0:
            ledger.book("households", component, k.return_weights(groups, distribution, pool) * pool[None, None, :])
        else:
            ledger.entries[("households", component)] = gen.ledger.entries[("households", component)].copy()
    return k.Generation(**{**gen.__dict__, "ledger": ledger, "memo": {}})


def run_scenarios(runner: Runner, names=None) -> dict:
    """Run scenarios (default: all of :data:`SCENARIOS`) with private networks and per-kWh recovery.

    Returns
    -------
    dict
        name -> (Generation, Ledger incl. network charges).
    """
    return {name: runner.scenario(name) for name in (names or SCENARIOS)}
