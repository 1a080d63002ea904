"""Which assumptions move the results, and which move the ranking of ownership models.

One at a time, every drawn assumption is set to its low and then its high value with all others
central. The variants run together as the "draws" of one run (column 0 central, then low and
high of each assumption), on the classes of roofs per income decile — so the whole tornado costs
about as much as one set of parameter draws.

The **ranking** is the order of the ownership models by households' net gain per household, at
their own scale and on the same roofs; an assumption moves it when its low or high value changes
that order. The five assumptions that change it most often (then by the largest swing) are the
ones the book names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.economics import metrics as m
from analysis.economics import policy
from analysis.economics.params import Params
from analysis.economics.scenarios import Runner

#: Scenarios whose order is "the ranking": own scale and every suitable roof.
RANKED = {"own": ("market", "aggregator", "coop", "public"),
          "worthwhile_roofs": ("market@worthwhile_roofs", "aggregator@worthwhile_roofs", "coop@worthwhile_roofs",
                               "public@worthwhile_roofs")}
SENSITIVITY_METRICS = ("net_per_household", "bottom_decile_net", "top_minus_bottom", "grants")


def one_at_a_time(assumptions) -> tuple[Params, list]:
    """Central parameters, then each drawn assumption at its low and its high value, as draws.

    Returns
    -------
    (Params, list)
        Params with ``1 + 2·N`` draws, and the list of ``(name, group, level, value)`` of columns 1...
    """
    central = Params.from_assumptions(assumptions)
    values = central.as_dict()
    groups = Params.groups()
    varied = [(n, g) for n, g in groups.items()
              if float(assumptions.groups[g][n]["high"]) > float(assumptions.groups[g][n]["low"])]
    width = 1 + 2 * len(varied)
    arrays = {n: np.full(width, float(v[0])) for n, v in values.items()}
    columns = []
    for i, (name, group) in enumerate(varied):
        for j, level in enumerate(("low", "high")):
            value = assumptions.get(group, name, level)
            arrays[name][1 + 2 * i + j] = value
            columns.append((name, group, level, value))
    return Params.from_values(arrays), columns


def sensitivity_tables(units, groups, curve, assumptions, scenario_names=None) -> dict:
    """The tornado of every headline, the drivers of each framing and the drivers of the ranking.

    Parameters
    ----------
    units, groups : Units, Groups
        Classes of roofs per income decile and the decile groups
        (:func:`analysis.economics.inputs.class_units`).
    curve : SelfConsumptionCurve
    assumptions : analysis.config.Assumptions

    Returns
    -------
    dict of pandas.DataFrame
        ``sensitivity`` (parameter, group, scenario, metric, central, at_low, at_high, swing),
        ``framing_drivers`` (framing, parameter, difference at low/central/high, swing, named:
        one of the assumptions the framing rests on) and ``ranking_drivers`` (parameter, order
        changes, largest swing of a model's net gain per household, rank).
    """
    params, columns = one_at_a_time(assumptions)
    runner = Runner(units, groups, params, curve)
    names = scenario_names or sorted({s for ss in RANKED.values() for s in ss})
    results = {name: m.metrics(*runner.scenario(name), units, groups) for name in names}
    framing = policy.framing_draw_metrics(runner, {"market_batteries": results.get("market_batteries")}
                                          if "market_batteries" in results else None)
    rows = []
    for scenario, met in results.items():
        for metric in SENSITIVITY_METRICS:
            values = np.asarray(met[metric], dtype=float)
            for i in range(0, len(columns), 2):
                name, group, _, low_value = columns[i]
                high_value = columns[i + 1][3]
                lo, hi = values[1 + i], values[2 + i]
                rows.append({"parameter": name, "group": group, "low_value": low_value, "high_value": high_value,
                             "scenario": scenario, "metric": metric, "central": values[0], "at_low": lo, "at_high": hi,
                             "swing": abs(hi - lo) if np.isfinite(hi - lo) else np.nan})
    sensitivity = pd.DataFrame(rows)
    framing_rows = []
    ref = np.asarray(framing[policy.REFERENCE_FRAMING]["net_per_household"], dtype=float)
    for label, met in framing.items():
        if label == policy.REFERENCE_FRAMING:
            continue
        diff = np.asarray(met["net_per_household"], dtype=float) - ref
        for i in range(0, len(columns), 2):
            name = columns[i][0]
            framing_rows.append({"framing": label, "parameter": name, "difference_central": diff[0],
                                 "difference_at_low": diff[1 + i], "difference_at_high": diff[2 + i],
                                 "swing": abs(diff[2 + i] - diff[1 + i]),
                                 "named": name in policy.FRAMING_ASSUMPTIONS.get(label, ())})
    framing_drivers = pd.DataFrame(framing_rows)
    if not framing_drivers.empty:
        framing_drivers = (framing_drivers.assign(_s=framing_drivers["swing"].round(6))
                           .sort_values(["framing", "_s", "parameter"], ascending=[True, False, True]).drop(columns="_s")
                           .groupby("framing").head(8).reset_index(drop=True))
    ranking = ranking_drivers(results, columns)
    return {"sensitivity": sensitivity, "framing_drivers": framing_drivers, "ranking_drivers": ranking}


def _order(values: np.ndarray) -> np.ndarray:
    """The order of models (rows) in each column, best first; ties within 1 % of the spread count as equal."""
    return np.argsort(-np.round(values, 6), axis=0, kind="stable")


def ranking_drivers(results: dict, columns: list, top: int = 5) -> pd.DataFrame:
    """How often each assumption's low or high value changes the order of the ownership models.

    Returns
    -------
    pandas.DataFrame
        parameter, order_changes (0-4: low and high, own scale and every roof), largest_swing
        (of any ranked model's net gain per household), the orders at low and high, and
        ``rank`` (1 = moves the ranking most).
    """
    rows = {}
    for scale, scenarios in RANKED.items():
        if not all(s in results for s in scenarios):
            continue
        values = np.stack([np.asarray(results[s]["net_per_household"], dtype=float) for s in scenarios])
        order = _order(values)
        central = order[:, 0]
        for i in range(0, len(columns), 2):
            name = columns[i][0]
            row = rows.setdefault(name, {"parameter": name, "group": columns[i][1], "order_changes": 0,
                                         "largest_swing": 0.0})
            for j, level in ((1 + i, "low"), (2 + i, "high")):
                changed = not np.array_equal(order[:, j], central)
                row["order_changes"] += int(changed)
                row[f"{scale}_order_at_{level}"] = " > ".join(scenarios[o].split("@")[0] for o in order[:, j])
            row["largest_swing"] = max(row["largest_swing"], float(np.nanmax(np.abs(values[:, 2 + i] - values[:, 1 + i]))))
        for name in rows:
            rows[name][f"{scale}_order_central"] = " > ".join(scenarios[o].split("@")[0] for o in central)
    frame = pd.DataFrame(list(rows.values()))
    if frame.empty:
        return frame
    # Ties (equal counts, swings equal up to rounding noise) are broken by name: the order must not
    # depend on how a sum was grouped (e.g. how a place was partitioned).
    frame["_swing"] = frame["largest_swing"].round(6)
    frame = frame.sort_values(["order_changes", "_swing", "parameter"], ascending=[False, False, True]
                              ).drop(columns="_swing").reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    return frame
