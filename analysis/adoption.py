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


def _spearman(x, y) -> float:
    return float(pd.Series(np.asarray(x, dtype=float)).corr(pd.Series(np.asarray(y, dtype=float)), method="spearman"))


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
