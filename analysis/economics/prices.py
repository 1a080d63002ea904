"""Dated prices: the table of observed prices by period, and the price set of one quarter.

Every money result of the model is "at the prices of" one period (``YYYY-MM``, the first month
of a quarter). Prices come from a dated table, one row per series and period
(``analysis/data/prices/<COUNTRY>.csv`` or a place's own file), not from assumptions typed once:

=========================== ============================================================
series                      what
=========================== ============================================================
electricity_unit_rate       domestic unit rate incl. VAT (GB: the Ofgem cap, direct debit)
electricity_standing_charge domestic standing charge per day incl. VAT
gas_unit_rate               domestic gas unit rate incl. VAT
gas_standing_charge         domestic gas standing charge per day incl. VAT
export_tied                 export tariff tied to the household's own import supplier
export_untied               export tariff open to anyone (GB: Smart Export Guarantee)
export_system_value         value of exported power to the system (wholesale at solar hours)
nondomestic_unit_rate       small non-domestic users' unit rate excl. VAT
=========================== ============================================================

The price set of a period takes, for every series, the latest observation at or before it.
Its range (low, high) is the row's own low/high where given, else the lowest and highest
observation of the series in the two years up to the period (so a quarterly cap gets the
spread of recent caps). The default period is the latest in the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from analysis.errors import InputError

#: Table series -> parameter name in :class:`analysis.economics.params.Params` (and the ``prices``
#: group of the assumptions).
SERIES = {
    "electricity_unit_rate": "retail_price_per_kwh",
    "electricity_standing_charge": "standing_charge_per_day",
    "gas_unit_rate": "gas_price_per_kwh",
    "gas_standing_charge": "gas_standing_charge_per_day",
    "export_tied": "export_price_tied_per_kwh",
    "export_untied": "export_price_untied_per_kwh",
    "export_system_value": "export_system_value_per_kwh",
    "nondomestic_unit_rate": "nondomestic_price_per_kwh",
}
#: Optional series: ``fx_per_gbp`` — units of the table's currency per pound, dated. A place priced in
#: another currency needs it: the packaged cost assumptions are UK values in GBP and are converted at
#: this rate (:func:`analysis.config.load_assumptions`), never used as if they were its currency.
OPTIONAL_SERIES = ("fx_per_gbp",)
COLUMNS = ("series", "period", "value", "unit", "source")
PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
#: Series observed every quarter: a period before their first observation is refused.
QUARTERLY = ("electricity_unit_rate", "electricity_standing_charge", "gas_unit_rate", "gas_standing_charge")
#: Observations this many months before the period count towards its range.
RANGE_MONTHS = 24
#: Price tables shipped with the package, by country code -> currency.
PACKAGED = {"GB": "GBP"}


def _months(period: str) -> int:
    year, month = PERIOD.match(period).groups()
    return int(year) * 12 + int(month) - 1


def quarter_start(period: str) -> str:
    """The first month of the quarter holding ``period`` (``2026-08`` -> ``2026-07``)."""
    year, month = period.split("-")
    return f"{year}-{(int(month) - 1) // 3 * 3 + 1:02d}"


def packaged_table(country: str = "GB") -> Path:
    """Path of a price table shipped with the package."""
    if country not in PACKAGED:
        raise InputError(f"no price table is shipped for country {country!r}", record="prices",
                         fix=f"give your own (prices: {{file: prices.csv}} in the place config); shipped: "
                             f"{', '.join(PACKAGED)}")
    return Path(str(resources.files("analysis") / "data" / "prices" / f"{country}.csv"))


def read_price_table(path) -> pd.DataFrame:
    """Read and check a dated price table (one row per series and period).

    Parameters
    ----------
    path : path
        CSV with columns ``series, period, value, unit, source`` and optionally ``low``,
        ``high``, ``url``, ``verified``. ``period`` is ``YYYY-MM``; ``value`` in the place's
        currency per the unit given.

    Returns
    -------
    pandas.DataFrame
        The rows, sorted by series and period.

    Raises
    ------
    analysis.errors.InputError
        One line naming the file, the row and the fix.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype={"period": str, "series": str})
    except (OSError, pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot read the price table ({type(exc).__name__})", path=path,
                         fix="give a CSV with columns series, period, value, unit, source") from exc
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"price table lacks column(s) {', '.join(missing)}", path=path,
                         fix="columns: series, period (YYYY-MM), value, unit, source [, low, high, url]")
    for i, row in enumerate(table.itertuples(index=False), start=2):  # a few dozen rows: a loop says which one
        where = f"line {i}"
        if row.series not in SERIES and row.series not in OPTIONAL_SERIES:
            raise InputError(f"unknown price series {str(row.series)[:40]!r}", path=path, record=where,
                             fix=f"use one of {', '.join([*SERIES, *OPTIONAL_SERIES])}")
        if not isinstance(row.period, str) or not PERIOD.match(row.period):
            raise InputError(f"period {str(row.period)[:20]!r} is not YYYY-MM", path=path, record=where,
                             fix="write the first month the price applies, e.g. 2026-07")
        for column in ("value", "low", "high"):
            value = getattr(row, column, None)
            if column != "value" and (value is None or pd.isna(value)):
                continue
            number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
            if pd.isna(number) or number < 0 or number == float("inf"):
                raise InputError(f"{column} {str(value)[:20]!r} of {row.series} is not a finite price >= 0",
                                 path=path, record=where, fix="write a plain number in the stated unit")
    duplicated = table.duplicated(["series", "period"])
    if duplicated.any():
        row = table[duplicated].iloc[0]
        raise InputError(f"two rows for {row.series} at {row.period}", path=path,
                         record=f"line {int(duplicated.to_numpy().argmax()) + 2}", fix="keep one row per series and period")
    for column in ("value", "low", "high"):
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce")
    return table.sort_values(["series", "period"]).reset_index(drop=True)


@dataclass(frozen=True)
class PriceSet:
    """The prices of one period: assumption entries (value, low, high, unit, source, date) by parameter name."""

    period: str
    entries: dict
    table_path: str
    currency: str
    notes: tuple = ()  # series whose first observation is later than the period (used, and said so)
    fx_per_gbp: dict | None = None  # {value, unit, source, date}: the table's currency per GBP (OPTIONAL_SERIES)

    def value(self, name: str) -> float:
        return float(self.entries[name]["value"])


def price_set(table: pd.DataFrame, period: str | None = None, path="", currency: str = "GBP") -> PriceSet:
    """The price set of ``period`` (default: the latest period in the table).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`read_price_table`.
    period : str, optional
        ``YYYY-MM``; any month of a quarter selects the prices in force then.
    path : path-like
        Where the table came from (for messages and provenance).
    currency : str
        ISO 4217 code of the table's amounts.

    Returns
    -------
    PriceSet

    Raises
    ------
    analysis.errors.InputError
        A period before the first observation of some series, or a series missing.
    """
    latest = str(table["period"].max())
    period = latest if period is None else str(period)
    if not PERIOD.match(period):
        raise InputError(f"price period {period[:20]!r} is not YYYY-MM", record="prices.period",
                         fix=f"e.g. {latest} (the latest in {Path(str(path)).name or 'the table'})")
    at = _months(period)
    entries, notes = {}, []
    for series, name in SERIES.items():
        rows = table[table["series"] == series]
        if rows.empty:
            raise InputError(f"the price table has no {series} rows", path=path or None, record="prices",
                             fix=f"add rows for {series} (see analysis/data/prices/GB.csv)")
        months = rows["period"].map(_months)
        known = rows[months <= at]
        if known.empty and series in QUARTERLY:
            raise InputError(f"no {series} price at or before {period} (first: {rows['period'].min()})",
                             path=path or None, record="prices.period", fix=f"choose a period from {rows['period'].min()}")
        if known.empty:  # a series observed only later: its first observation, dated as it is (noted)
            known = rows.iloc[:1]
            notes.append(f"{series}: no observation at or before {period}; its first, of {known['period'].iloc[0]}, is used")
        row = known.iloc[-1]
        window = known["value"][known["period"].map(_months) > _months(str(row["period"])) - RANGE_MONTHS]
        low = row["low"] if "low" in row and pd.notna(row.get("low")) else window.min()
        high = row["high"] if "high" in row and pd.notna(row.get("high")) else window.max()
        value = float(row["value"])
        entries[name] = {"value": value, "low": float(min(low, value)), "high": float(max(high, value)),
                         "unit": str(row["unit"]), "source": str(row["source"]) + (
                             f" ({row['url']})" if "url" in row and isinstance(row.get("url"), str) else ""),
                         "date": str(row["period"])}
    fx = None
    rows = table[table["series"] == "fx_per_gbp"]
    if not rows.empty:
        known = rows[rows["period"].map(_months) <= at]
        row = (known if not known.empty else rows).iloc[-1]
        fx = {"value": float(row["value"]), "unit": str(row["unit"]), "source": str(row["source"]), "date": str(row["period"])}
    return PriceSet(period=period, entries=entries, table_path=str(path), currency=currency, notes=tuple(notes),
                    fx_per_gbp=fx)


def load_price_set(file=None, period: str | None = None, country: str = "GB", currency: str = "GBP") -> PriceSet:
    """Read a price table (a place's own ``file``, else the packaged one of ``country``) and select ``period``."""
    path = Path(file) if file else packaged_table(country)
    return price_set(read_price_table(path), period, path, currency)
