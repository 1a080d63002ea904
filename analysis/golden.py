"""Pinned headline values of a store: what a regression would change in the book.

:func:`headline_values` reads the numbers the book's lead and chapters rest on (potential, the
ownership scenarios, the framings, heat, panels already there) from a store as one flat
``{name: value}`` dict. ``tests/data/golden/camden.json`` holds Camden's; a test compares a fresh
run with it at a tight tolerance. The file is rewritten only on purpose, by
``python -m analysis golden --update`` whose printed differences go into the commit message.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from analysis import store
from analysis import tables as T

#: Scenario columns pinned for every scenario of the summary.
SCENARIO_METRICS = ("installed_mwp", "real_value", "climate_value", "net_per_household", "to_households",
                    "to_public", "to_outside", "bill_payers_elsewhere_net", "grants", "bottom_decile_net",
                    "top_decile_net", "social_rented_net_per_household")
FRAMING_METRICS = ("net_per_household", "to_public", "bill_payers_elsewhere_net", "recovery_reform_per_household")
HEAT_METRICS = ("households_connected", "saving_per_connected_household", "bill_ratio")
#: Relative tolerance of the comparison (the model is deterministic; this only absorbs floating point).
REL_TOL = 1e-6
#: Absolute tolerance for values near zero [their unit].
ABS_TOL = 1e-6
GOLDEN_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "golden"


def headline_values(con) -> dict:
    """Every pinned number of a store, ``{"table.key.metric": value}`` (floats; NaN as None)."""
    out = {}
    have = store.table_names(con)

    def put(name, value):
        value = None if value is None else float(value)
        out[name] = None if value is not None and (math.isnan(value) or math.isinf(value)) else value

    pot = con.execute("SELECT sum(kwp_central) kwp, sum(kwh_central) kwh, sum(kwp_low) kwp_low, sum(kwp_high) kwp_high, "
                      "count(*) FILTER (WHERE suitable_planes > 0) suitable FROM building_potential").fetchone()
    for name, value in zip(("kwp_central", "kwh_central", "kwp_low", "kwp_high", "suitable_buildings"), pot):
        put(f"potential.{name}", value)
    put("buildings.count", con.execute("SELECT count(*) FROM buildings").fetchone()[0])
    put("buildings.dwellings", con.execute("SELECT sum(dwellings) FROM buildings").fetchone()[0])
    for table, key, metrics, prefix in ((T.SCENARIO_SUMMARY, "scenario", SCENARIO_METRICS, "scenario"),
                                        (T.POLICY_FRAMINGS, "framing", FRAMING_METRICS, "framing")):
        if table in have:
            frame = con.execute(f"SELECT * FROM {table}").df().set_index(key)
            for name in frame.index:
                for metric in (m for m in metrics if m in frame.columns):
                    put(f"{prefix}.{name}.{metric}", frame.loc[name, metric])
    if T.HEAT_OWNERSHIP in have:
        h = con.execute(f"SELECT * FROM {T.HEAT_OWNERSHIP}").df()
        for row in h.itertuples():
            for metric in HEAT_METRICS:
                put(f"heat.{row.model}.{row.scale}.{metric}", getattr(row, metric))
    if T.EXISTING_PV in have:
        n, kwp = con.execute(f"SELECT count(*), sum(kwp) FROM {T.EXISTING_PV}").fetchone()
        put("existing_pv.buildings", n)
        put("existing_pv.kwp", kwp)
    return out


def differences(values: dict, golden: dict, rel: float = REL_TOL, abs_tol: float = ABS_TOL) -> list[str]:
    """One line per pinned value that is missing, new or outside the tolerance."""
    lines = []
    for name in sorted(set(golden) | set(values)):
        if name not in values:
            lines.append(f"{name}: missing (pinned {golden[name]})")
        elif name not in golden:
            lines.append(f"{name}: new value {values[name]} (not pinned)")
        else:
            a, b = values[name], golden[name]
            if a is None or b is None:
                if a is not b:
                    lines.append(f"{name}: {b} -> {a}")
            elif abs(a - b) > max(abs_tol, rel * max(abs(a), abs(b))):
                lines.append(f"{name}: {b:.6g} -> {a:.6g} ({(a - b) / abs(b) * 100 if b else float('inf'):+.3g} %)")
    return lines


def load(place: str = "camden") -> dict:
    path = GOLDEN_DIR / f"{place}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def write(values: dict, place: str = "camden") -> Path:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    path = GOLDEN_DIR / f"{place}.json"
    path.write_text(json.dumps(values, indent=1, sort_keys=True) + "\n")
    return path
