"""Dated prices: the price table, the price set of a period, and parameters that match their assumptions."""

import numpy as np
import pandas as pd
import pytest

from analysis.config import load_assumptions
from analysis.economics import prices
from analysis.economics.params import RENAMED, Params
from analysis.errors import InputError


def test_default_period_is_the_latest_in_the_table_and_every_price_carries_its_date():
    table = prices.read_price_table(prices.packaged_table("GB"))
    ps = prices.price_set(table)
    assert ps.period == table["period"].max()
    for name, entry in ps.entries.items():
        assert entry["date"] <= ps.period and entry["low"] <= entry["value"] <= entry["high"], name
        assert entry["source"] and entry["unit"]
    a = load_assumptions()
    assert a.price_date == ps.period and a.currency == "GBP"
    assert a.get("prices", "retail_price_per_kwh") == ps.value("retail_price_per_kwh")


def test_a_period_selects_the_prices_in_force_then():
    table = prices.read_price_table(prices.packaged_table("GB"))
    jan = prices.price_set(table, "2026-02")  # any month of the quarter
    assert jan.value("retail_price_per_kwh") == pytest.approx(0.2769)  # Ofgem cap Jan-Mar 2026
    assert jan.value("standing_charge_per_day") == pytest.approx(0.5475)
    assert jan.value("gas_price_per_kwh") == pytest.approx(0.0593)
    assert jan.entries["retail_price_per_kwh"]["date"] == "2026-01"
    # the range: the lowest and highest cap of the two years up to the period
    assert jan.entries["retail_price_per_kwh"]["low"] == pytest.approx(0.2236)
    assert jan.entries["retail_price_per_kwh"]["high"] == pytest.approx(0.2769)
    with pytest.raises(InputError, match="no electricity_unit_rate price at or before 2020-01"):
        prices.price_set(table, "2020-01")
    with pytest.raises(InputError, match="not YYYY-MM"):
        prices.price_set(table, "July 2026")


@pytest.mark.parametrize("row, message", [
    ("electricity_unit_rte,2026-01,0.25,,,GBP/kWh,x", "line 2: unknown price series 'electricity_unit_rte'"),
    ("electricity_unit_rate,2026-13,0.25,,,GBP/kWh,x", "line 2: period '2026-13' is not YYYY-MM"),
    ("electricity_unit_rate,2026-01,-0.25,,,GBP/kWh,x", "line 2: value '-0.25' of electricity_unit_rate"),
    ("electricity_unit_rate,2026-01,lots,,,GBP/kWh,x", "line 2: value 'lots'"),
])
def test_bad_price_tables_get_one_line_errors(tmp_path, row, message):
    path = tmp_path / "prices.csv"
    path.write_text("series,period,value,low,high,unit,source\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        prices.read_price_table(path)
    assert message in exc.value.one_line() and "prices.csv" in exc.value.one_line()


def test_duplicate_and_missing_columns(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("series,period,value,unit,source\nexport_tied,2026-01,0.1,x,y\nexport_tied,2026-01,0.2,x,y\n")
    with pytest.raises(InputError, match="two rows for export_tied at 2026-01"):
        prices.read_price_table(path)
    path.write_text("series,period,value\nexport_tied,2026-01,0.1\n")
    with pytest.raises(InputError, match="lacks column"):
        prices.read_price_table(path)


def test_a_place_can_choose_its_period(tmp_path):
    table = prices.load_price_set(period="2025-01")
    a = load_assumptions(prices=table)
    assert a.price_date == "2025-01" and a.get("prices", "retail_price_per_kwh") == pytest.approx(0.2486)
    # export tariffs were first recorded later: the first observation is used, dated as it is, and noted
    assert a.groups["prices"]["export_price_tied_per_kwh"]["date"] > "2025-01"
    assert any(n.startswith("export_tied") for n in table.notes)


def test_every_param_field_has_a_dated_sourced_assumption_and_no_assumption_is_orphaned():
    a = load_assumptions()
    groups = Params.groups()
    for name, group in groups.items():
        entry = a.groups[group][name]
        for key in ("value", "low", "high", "unit", "source", "date"):
            assert entry.get(key) not in (None, ""), (group, name, key)
    money_groups = {g for g in groups.values()} - {"heat"}
    for group in money_groups:
        for name in a.groups[group]:
            assert groups.get(name) == group, f"{group}.{name} is in the YAML but not a Params field"
    p = Params.from_assumptions(a)
    assert p.n_draws == 1 and np.isfinite(p.domestic_electricity_bill).all()


def test_old_names_still_work_with_a_warning():
    a = load_assumptions(overrides={"economics": {"retail_price_gbp_per_kwh": 0.30}})
    assert a.get("prices", "retail_price_per_kwh") == 0.30
    assert any("retail_price_per_kwh" in w for w in a.warnings)
    for (group, old), (new_group, new) in RENAMED.items():
        assert new in Params.groups(), (old, new)


def test_params_reject_unknown_and_missing_names():
    values = Params.from_assumptions(load_assumptions()).as_dict()
    with pytest.raises(InputError, match="unknown"):
        Params.from_values({**values, "retail_price_gbp_per_kwh": 0.2})
    values.pop("lifetime_years")
    with pytest.raises(InputError, match="missing"):
        Params.from_values(values)
