"""Data quality and provenance: what was observed, parsed, dropped, derived, imputed or defaulted.

Every step that reads data or fills a gap records it here instead of doing it silently. The log
becomes the store's ``data_quality`` table; the run summary, the book and the fact sheets read
it from there. One row per (step, field):

=============  ===========================================================================
column         meaning
=============  ===========================================================================
step           where it happened (``buildings``, ``areas``, ``weather``, ``homes`` …)
field          the attribute (``levels``, ``height_m``, ``households`` …)
records        records the field applies to (e.g. buildings read)
observed       records carrying a value in the source (tag present, cell not empty)
parsed         observed values that parsed to a plausible value and were kept
dropped        observed values that could not be parsed or were implausible (dropped)
derived        records filled by a documented rule from other *observed* fields
imputed        records filled from area statistics, neighbours or a fitted model
defaulted      records given a fixed default value (``default`` says which)
default        the default used, as text (empty when none)
note           one line on how the gaps were filled, or an example of a dropped value
=============  ===========================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

COLUMNS = ["step", "field", "records", "observed", "parsed", "dropped", "derived", "imputed", "defaulted",
           "default", "note"]
#: Provenance labels stored per building and field (``<field>_source`` columns).
OBSERVED, DERIVED, IMPUTED, DEFAULTED = "observed", "derived", "imputed", "default"
#: The provenance labels in a fixed order: integer codes (:func:`labels`) index this tuple.
PROVENANCE = (OBSERVED, DERIVED, IMPUTED, DEFAULTED)
P_OBSERVED, P_DERIVED, P_IMPUTED, P_DEFAULTED = range(4)


def labels(codes, vocabulary) -> pd.Categorical:
    """Per-building labels from integer codes into ``vocabulary`` (-1: missing), as a Categorical.

    Millions of labels from a small fixed set (provenance, roof owner, use class ...) built as
    arrays of Python strings cost about 0.1 s per million each time pandas turns them into its
    string type and back; as codes they cost almost nothing, and the store writes both as the
    same ENUM. Compare them with strings as usual (``==``, ``isin``).
    """
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int8), categories=list(vocabulary))


def codes_of(values, vocabulary, what: str = "label") -> np.ndarray:
    """Integer codes (int8, -1 for missing) of text ``values`` in ``vocabulary``.

    Raises
    ------
    ValueError
        A value outside the vocabulary (never silently made missing).
    """
    cat = values.array if isinstance(values, pd.Series) else values
    codes = pd.Categorical(cat, categories=list(vocabulary)).codes.astype(np.int8)  # a new array: callers may write
    if (codes < 0).any():
        text = np.asarray(cat, dtype=object)
        unknown = pd.unique(text[(codes < 0) & pd.notna(text)])
        if len(unknown):
            raise ValueError(f"{what} {unknown[:3].tolist()} not one of {list(vocabulary)}")
    return codes


def text_column(values, index=None) -> pd.Series:
    """Free text (e.g. a mapped ``roof:shape``) kept as Python objects: no conversion to pandas'
    string type for a column that is only passed on to the store."""
    return pd.Series(np.asarray(values, dtype=object), index=index, dtype=object, copy=False)


@dataclass
class QualityLog:
    """Collects data-quality rows during a run (see the module docstring for the columns)."""

    rows: dict = field(default_factory=dict)

    def record(self, step: str, field_name: str, **counts) -> None:
        """Add (or update) the row for ``step``/``field_name``; counts are added to earlier ones.

        Parameters
        ----------
        step, field_name : str
            Where and what.
        **counts
            Any of :data:`COLUMNS` (numbers are summed with earlier calls; text replaces it).
        """
        unknown = set(counts) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown data-quality columns {sorted(unknown)}")
        row = self.rows.setdefault((step, field_name), {c: 0 for c in COLUMNS[2:9]} | {"default": "", "note": ""})
        for key, value in counts.items():
            if key in ("default", "note"):
                row[key] = str(value)
            else:
                row[key] += int(value)

    def default(self, step: str, field_name: str, records: int, value, note: str = "") -> None:
        """Record that ``records`` records got the fixed default ``value`` for ``field_name``."""
        if records:
            self.record(step, field_name, defaulted=records, default=value, note=note)

    def frame(self) -> pd.DataFrame:
        """The log as a table with :data:`COLUMNS` (empty table with those columns if nothing was logged)."""
        rows = [{"step": s, "field": f, **r} for (s, f), r in self.rows.items()]
        return pd.DataFrame(rows, columns=COLUMNS)

    def defaults_used(self) -> list[str]:
        """One line per defaulted field, for the run summary."""
        return [f"{s}.{f}: {r['defaulted']:,} record(s) set to {r['default']}" for (s, f), r in self.rows.items()
                if r["defaulted"]]
