"""Observed installations per area (a place's optional ``observed_adoption`` input).

A place may give a CSV of installations per area — e.g. MCS installation counts, DESNZ/Ofgem
sub-regional Feed-in Tariff statistics (installations and capacity per LSOA, published as
spreadsheets by DESNZ) or a network operator's low-carbon-technology register — so that the
market scenario's pattern can be compared with what was actually installed::

    observed_adoption:          # optional: observed installations per area
      file: installations.csv
      id: LSOA11CD
      count: installations
      kw: capacity_kw           # optional
      source: "MCS / DESNZ sub-regional statistics, 2024"

Nothing is downloaded: save the published table as CSV next to the place config. The project
ships no such file for Camden.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.errors import InputError


def read_observed_adoption(path, id_column: str, count_column: str, kw_column: str | None = None) -> pd.DataFrame:
    """Read observed installations per area from a CSV file.

    Parameters
    ----------
    path : str or path
        CSV file (UTF-8, header row).
    id_column : str
        Column with the area code (matched to the place's ``area_id``).
    count_column : str
        Column with the number of installations [-].
    kw_column : str, optional
        Column with installed capacity [kW].

    Returns
    -------
    pandas.DataFrame
        ``area_id``, ``installations`` and, with ``kw_column``, ``capacity_kw``; one row per
        area (rows of the same area are summed).

    Raises
    ------
    InputError
        One line naming the file, the row and the fix: missing file or column, a count that is
        not a non-negative number, an empty area code.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, fix="check observed_adoption.file in the place config")
    try:
        table = pd.read_csv(path, dtype={id_column: str}, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", path=path, fix="save the file as UTF-8 CSV") from exc
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"not a readable CSV ({exc})".splitlines()[0], path=path, fix="save it as comma-separated CSV") from exc
    wanted = [id_column, count_column] + ([kw_column] if kw_column else [])
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise InputError(f"column(s) {', '.join(missing)} not found (columns: {', '.join(map(str, table.columns))})",
                         path=path, fix="set observed_adoption.id / count / kw to the file's column names")
    out = pd.DataFrame({"area_id": table[id_column].astype("string").str.strip()})
    if out["area_id"].isna().any() or (out["area_id"] == "").any():
        row = int(np.flatnonzero(out["area_id"].isna() | (out["area_id"] == ""))[0]) + 2
        raise InputError(f"empty area code in column {id_column}", path=path, record=f"row {row}",
                         fix="fill in the area code or delete the row")
    for source, target in [(count_column, "installations")] + ([(kw_column, "capacity_kw")] if kw_column else []):
        values = pd.to_numeric(table[source], errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(f"{source} = {table[source].iloc[row]!r} is not a non-negative number", path=path,
                             record=f"row {row + 2}", fix=f"write a plain number in {source}")
        out[target] = values.to_numpy(dtype=float)
    return out.groupby("area_id", as_index=False).sum()
