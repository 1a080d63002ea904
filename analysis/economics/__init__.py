"""The money model: who pays and who gains from rooftop solar and solar heat, owner by owner.

Layers, each importing only those above it (a test checks there is no cycle):

* :mod:`~analysis.economics.params` — typed parameters (one field per assumption, units in docs);
* :mod:`~analysis.economics.prices` — the dated price table and the price set of a quarter;
* :mod:`~analysis.economics.incidence` — the parties of the ledger and where each lands;
* :mod:`~analysis.economics.kernel` — costs, self-consumption, owners' routes to market, the ledger;
* :mod:`~analysis.economics.inputs` — roofs and areas from the store; classes of similar roofs;
* :mod:`~analysis.economics.draws` — joint parameter draws;
* :mod:`~analysis.economics.scenarios` — ownership models on roof sets;
* :mod:`~analysis.economics.metrics` — per household, by decile, tenure and dwelling type; ranges;
* :mod:`~analysis.economics.heat_ownership` — who owns solar district heat, against gas and heat pumps;
* :mod:`~analysis.economics.policy` — the network × recovery × generation matrix and framings;
* :mod:`~analysis.economics.sensitivity` — which parameters move the results and the ranking;
* :mod:`~analysis.economics.step` — the pipeline step: store tables;
* :mod:`~analysis.economics.report` — the ``ledger`` command's report from a store.
"""
