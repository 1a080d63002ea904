"""Published figures a region's results are set beside (targets, installed capacity): never model inputs.

The tables are packaged in ``analysis/data/context/<region>.csv`` (README beside them); each figure
carries its unit, source and date so the book can say where it comes from.
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

COLUMNS = ("name", "value", "unit", "what", "source", "date", "url")


@functools.lru_cache(maxsize=4)
def region_figures(region: str) -> pd.DataFrame:
    """The packaged figures of ``region`` (``"london"``), indexed by ``name``; empty when there are none.

    Returns
    -------
    DataFrame
        ``value`` [``unit``], ``what``, ``source``, ``date`` (of the publication) and ``url`` per figure.
    """
    path = resources.files("analysis") / "data" / "context" / f"{region}.csv"
    if not path.is_file():
        return pd.DataFrame(columns=COLUMNS).set_index("name")
    table = pd.read_csv(path, dtype={"date": str})
    missing = [c for c in COLUMNS if c not in table]
    if missing:
        raise ValueError(f"{path}: columns {', '.join(missing)} missing")
    return table.set_index("name")
