"""Funding routes: which public programmes can pay for panels or heat on a kind of roof.

The table (``analysis/data/funding/GB.csv``, README beside it) lists programmes with the roof owners
they can pay (the model's owner codes, plus ``community_coop`` for community-energy groups), what
they pay for, their dates and their status at a stated date. Matching is by owner type only: income
tests, EPC bands and application windows are in the table's words for a reader to check, not
decided here. A place outside Great Britain has no table unless it gives one.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

import pandas as pd

from analysis.errors import InputError

#: Statuses under which a programme is worth naming to a campaign (others are history).
LIVE = ("open", "announced")
COLUMNS = ("programme", "funder", "budget_gbp", "roof_owners", "technology", "pays_for", "opens", "closes", "status",
           "status_date", "source", "url", "verified")


def read_table(path=None) -> pd.DataFrame:
    """The funding table (the packaged GB one by default, read once per process), checked.

    Raises
    ------
    analysis.errors.InputError
        A missing column or an unknown status, naming the file and the row.
    """
    if path is None:  # a fact sheet per neighbourhood asks for it 133 times
        return _packaged().copy()
    return _read(Path(path))


@functools.lru_cache(maxsize=1)
def _packaged() -> pd.DataFrame:
    return _read(Path(str(resources.files("analysis") / "data" / "funding" / "GB.csv")))


def _read(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str).fillna("")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the funding table ({type(exc).__name__})", path=path,
                         fix=f"give a CSV with columns {', '.join(COLUMNS)}") from exc
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise InputError(f"funding table lacks column(s) {', '.join(missing)}", path=path, record="header",
                         fix=f"columns: {', '.join(COLUMNS)}")
    bad = ~table["status"].isin(("open", "announced", "in delivery", "closed"))
    if bad.any():
        row = int(bad.to_numpy().argmax())
        raise InputError(f"unknown status {table['status'].iloc[row][:30]!r}", path=path, record=f"row {row + 2}",
                         fix="use open, announced, in delivery or closed")
    return table


def routes(owner: str, table: pd.DataFrame, statuses=LIVE, technology: str = "pv") -> list[str]:
    """Programmes in ``table`` that can pay for ``technology`` (``pv`` or ``heat``) on a roof of ``owner``
    and whose status is in ``statuses``.

    Parameters
    ----------
    owner : str
        A roof-owner code (``social_landlord``, ``public_body``…) or ``community_coop``.
    table : pandas.DataFrame
        From :func:`read_table`.

    Examples
    --------
    >>> t = pd.DataFrame({"programme": ["A", "B", "C", "D"], "roof_owners": ["public_body;faith_community",
    ...                   "public_body", "owner_occupier", "public_body"], "status": ["open", "closed", "open", "open"],
    ...                   "technology": ["pv;heat", "pv", "pv", "heat"]})
    >>> routes("public_body", t), routes("public_body", t, technology="heat")
    (['A'], ['A', 'D'])
    """
    split = lambda column: table[column].str.split(";").map(lambda codes: [c.strip() for c in codes])  # noqa: E731
    fit = (split("roof_owners").map(lambda codes: owner in codes) & split("technology").map(lambda t: technology in t)
           & table["status"].isin(statuses))
    return table.loc[fit, "programme"].tolist()
