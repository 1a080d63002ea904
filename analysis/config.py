"""Place configuration (YAML) and model assumptions with units, sources and ranges.

A place config names the files for one place and how their columns map onto ours; the
assumption files give every model parameter as ``{value, low, high, unit, source}``. Both are
checked **before anything runs**:

* YAML is parsed with a bounded safe loader: at most :data:`MAX_YAML_BYTES`, no aliases or
  anchors (an "alias bomb" cannot expand), nesting at most :data:`MAX_YAML_DEPTH` deep.
* The place config is validated with a pydantic schema (:class:`PlaceSchema`): types, allowed
  values, required keys. Every violation becomes one line — file, key, what was expected and an
  example of a valid value — and all of them are reported at once (:class:`ConfigError`).
* The CRS must be a projected CRS in metres (areas in degrees are meaningless).
* Every path stays inside an allowed folder (:func:`allowed_roots`) and names a regular file.
* Assumption values, including place overrides, must lie in their physical range
  (:func:`physical_range`: shares in 0–1, densities > 0, losses < 100 % ...).
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, ValidationError,
                      model_validator)

from analysis.errors import ConfigError, InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Places that ship with the project, by name.
EMBEDDED_PLACES = {"camden": PROJECT_ROOT / "data" / "camden" / "place.yml",
                   "london": PROJECT_ROOT / "data" / "london" / "place.yml"}
DEFAULT_PLACE = "camden"
LEVELS = ("low", "central", "high")
#: Largest YAML file read (place configs and assumption files are a few kB).
MAX_YAML_BYTES = 1 << 20
#: Deepest nesting of mappings/lists accepted in a YAML file.
MAX_YAML_DEPTH = 20
#: Environment variable naming extra data folders a place config may read from (``os.pathsep``-separated).
DATA_DIRS_ENV = "ANALYSIS_DATA_DIRS"


# --------------------------------------------------------------------------------------------
# Bounded YAML
# --------------------------------------------------------------------------------------------

class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases/anchors and deep nesting.

    Aliases are what make a "billion laughs" document explode in memory; place configs never
    need them, so refusing them outright is simpler and safer than capping the expansion.
    """

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.constructor.ConstructorError(
                None, None, "aliases (*name) are not allowed in this file", event.start_mark)
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.constructor.ConstructorError(
                None, None, "anchors (&name) are not allowed in this file", event.start_mark)
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.constructor.ConstructorError(
                    None, None, f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def _refuse_duplicate_keys(loader, node) -> None:
    """PyYAML keeps the last of two equal keys silently: one of the user's values would be ignored."""
    seen = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.get(key)
        except TypeError:  # an unhashable key (a list as key): the base class reports it
            continue
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first given at line {first})", key_node.start_mark)
        seen[key] = key_node.start_mark.line + 1


class _PackagedLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """The libyaml safe loader (about ten times faster than the pure-Python one) for the packaged
    assumption files, which are ours: duplicate keys are still refused (:class:`_BoundedLoader`'s
    rule); the alias and depth limits guard users' files only."""

    def construct_mapping(self, node, deep=False):
        _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path, packaged: bool = False) -> dict:
    """Read a YAML mapping with a bounded safe loader and one-line errors.

    Parameters
    ----------
    path : str or os.PathLike
        A regular file of at most :data:`MAX_YAML_BYTES` bytes.
    packaged : bool
        One of the package's own files: read with :class:`_PackagedLoader`.

    Returns
    -------
    dict
        The top-level mapping.

    Raises
    ------
    analysis.errors.InputError
        Missing or special file, too large, not UTF-8, invalid YAML, aliases/anchors, not a mapping.
    """
    from analysis.ingest.checks import check_input_file

    path = Path(path)
    check_input_file(path, "YAML file", MAX_YAML_BYTES,
                     missing_fix="check the path, or run `python -m analysis new-place NAME`")
    with open(path, "rb") as handle:
        raw = handle.read(MAX_YAML_BYTES + 1)
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(f"larger than {MAX_YAML_BYTES // 1024} kB", path=path, fix="a place config is a short text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", path=path, fix="save the file as UTF-8") from exc
    try:
        data = yaml.load(text, Loader=_PackagedLoader if packaged else _BoundedLoader)  # noqa: S506 — safe loaders
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if "alias" in problem or "anchor" in problem:
            fix = "write the values out in full instead of using &anchors and *aliases"
        elif problem.startswith("duplicate key"):
            fix = "keep one of the two entries (YAML would silently use only the last)"
        else:
            fix = "fix the indentation or quoting at that line"
        raise InputError(f"invalid YAML ({problem})", path=path, record=where, fix=fix) from exc
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping (key: value lines)", path=path, fix="see the template from new-place")
    return data


# --------------------------------------------------------------------------------------------
# Assumptions
# --------------------------------------------------------------------------------------------

#: Physical ranges by unit (regex on the ``unit`` text) then by name suffix: (low, high, low_open, high_open).
UNIT_RANGES = [
    (r"^percent", (0.0, 100.0, False, True)),            # losses < 100 %
    (r"^(fraction|share)\b", (0.0, 1.0, False, False)),
    (r"^per year", (0.0, 1.0, False, False)),            # discount / dividend rates
    (r"^deg\b", (0.0, 90.0, False, False)),              # tilts
    (r"kWp/m2", (0.0, 0.5, True, False)),                # module density: > 0, below any real module
    (r"^[a-z][a-z ]* / [a-z]", (0.0, 1.2, True, False)),  # efficiencies and area ratios
    (r"^(m2|m3|m\b|K\b|years|storeys|GBP|GWh|MWh|kWh)", (0.0, math.inf, False, False)),
    (r"^count\b", (0.0, math.inf, True, False)),
    (r"^- \((factor|multiplies|uptake relative)", (0.0, math.inf, False, False)),  # multipliers: never negative
]
NAME_RANGES = [
    (r"(_share|_ratio|_fraction|efficiency)$|^share_|_share_of_", (0.0, 1.0, False, False)),
    (r"_pct$", (0.0, 100.0, False, True)),
    (r"_(m2|m3|m|years|gbp|kwh|mwh|gwh|k)$|_per_", (0.0, math.inf, False, False)),
]


def physical_range(name: str, unit: str) -> tuple[float, float, bool, bool] | None:
    """The physically meaningful range of an assumption, from its unit (else its name).

    Parameters
    ----------
    name : str
        Assumption name, e.g. ``usable_share_flat``.
    unit : str
        Its unit text, e.g. ``fraction of roof area``.

    Returns
    -------
    tuple or None
        ``(low, high, low_open, high_open)``; None when nothing is known (e.g. an elasticity).
    """
    for pattern, bounds in UNIT_RANGES:
        if re.search(pattern, str(unit)):
            return bounds
    for pattern, bounds in NAME_RANGES:
        if re.search(pattern, name):
            return bounds
    return None


def _range_text(bounds) -> str:
    low, high, low_open, high_open = bounds
    left = f"> {low:g}" if low_open else f">= {low:g}"
    if math.isinf(high):
        return left
    return f"{left} and {'<' if high_open else '<='} {high:g}"


def _check_assumption(group: str, name: str, entry, path) -> dict:
    required = ("value", "low", "high", "unit", "source")
    key = f"assumptions.{group}.{name}"
    if not isinstance(entry, dict) or any(k not in entry for k in required):
        raise InputError(f"{key} needs keys {', '.join(required)}", path=path,
                         fix="give value, low, high, unit and source, e.g. {value: 0.7, low: 0.6, high: 0.75, "
                             "unit: fraction, source: \"...\"}")
    for k in ("value", "low", "high"):
        value = entry[k]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise InputError(f"{key}.{k} is {value!r}, expected a finite number", path=path,
                             fix="write a plain number in the stated unit, e.g. 0.7")
    if not entry["low"] <= entry["value"] <= entry["high"]:
        raise InputError(f"{key}: need low <= value <= high, got {entry['low']} / {entry['value']} / {entry['high']}",
                         path=path, fix="reorder the range")
    bounds = physical_range(name, entry["unit"])
    if bounds:
        low, high, low_open, high_open = bounds
        for k in ("value", "low", "high"):
            v = entry[k]
            if v < low or v > high or (low_open and v == low) or (high_open and v == high):
                raise InputError(f"{key}.{k} = {v:g} is outside the physical range {_range_text(bounds)} "
                                 f"({entry['unit']})", path=path,
                                 fix=f"give a value {_range_text(bounds)} in {entry['unit']}")
    return entry


@dataclass
class Assumptions:
    """Model parameters by group, each with value, low, high, unit and source.

    ``price_date`` (``YYYY-MM``) and ``currency`` say at which prices and in which currency every
    money result is; the ``prices`` group comes from the dated price table
    (:mod:`analysis.economics.prices`).
    """

    groups: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)
    price_date: str = ""
    currency: str = "GBP"
    price_table: str = ""
    warnings: list = field(default_factory=list)

    def get(self, group: str, name: str, level: str = "central") -> float:
        """Value of one assumption at ``level`` (``low``, ``central`` or ``high``)."""
        entry = self.groups[group][name]
        return float(entry["value" if level == "central" else level])

    def level(self, group: str, level: str = "central") -> dict:
        """All values of a group at one level, as ``{name: float}``."""
        return {name: self.get(group, name, level) for name in self.groups[group]}

    def table(self):
        """Flat list of dicts (group, name, value, low, high, unit, source) for the store/book."""
        return [dict(group=g, name=n, **{k: e[k] for k in ("value", "low", "high", "unit", "source")},
                     date=str(e["date"]) if e.get("date") is not None else None)
                for g, entries in self.groups.items() for n, e in entries.items()]


def load_assumptions(extra_files=(), overrides: dict | None = None, overrides_path=None, prices=None) -> Assumptions:
    """Load the packaged assumption files, the prices of one period, then extra files, then per-place overrides.

    Every value (packaged, from files or overridden) is checked against its physical range.

    Parameters
    ----------
    extra_files : iterable of path
        More YAML files in the same form (later files win).
    overrides : dict, optional
        ``{group: {name: {value/low/high...}}}`` or ``{group: {name: number}}`` (sets value,
        widens the range to contain it).
    overrides_path : path, optional
        The place config the overrides come from (for messages).
    prices : analysis.economics.prices.PriceSet, optional
        The prices of the chosen period (default: the packaged GB table's latest period).
    """
    from analysis.economics.prices import load_price_set

    prices = prices if prices is not None else load_price_set()
    groups: dict = {"prices": {}}
    sources = []
    problems = []  # every violation, one line each, reported together (not one per run)
    broken = set()  # file entries already reported: an override of one is not "unknown" too
    packaged = resources.files("analysis") / "data"
    files = sorted(p for p in packaged.iterdir() if p.name.endswith(".yml"))
    for path in list(files) + [Path(p) for p in extra_files]:
        data = read_yaml(path, packaged=path in files)
        sources.append(str(path))
        for group, entries in data.items():
            if entries is None:
                continue
            if not isinstance(entries, dict):
                problems.append(f"{path}: key {group}: expected a mapping of assumptions, got "
                                f"{type(entries).__name__} — e.g. {group}: {{name: {{value: 1, low: 0, high: 2, "
                                f"unit: m, source: ...}}}}")
                continue
            for name, entry in entries.items():
                try:
                    groups.setdefault(group, {})[name] = _check_assumption(group, name, entry, path)
                except InputError as exc:
                    problems.append(exc.one_line())
                    broken.add((group, name))
    problems += convert_gbp_assumptions(groups, prices)
    for name, entry in prices.entries.items():
        try:
            groups["prices"][name] = _check_assumption("prices", name, dict(entry), prices.table_path)
        except InputError as exc:
            problems.append(exc.one_line())
    where = overrides_path or "place config"
    warnings = []
    overrides = _renamed_overrides(overrides or {}, where, warnings)
    for group, entries in overrides.items():
        if not isinstance(entries, dict):
            problems.append(InputError(f"assumptions.{group} is {entries!r}, expected a mapping of name: value",
                                       path=where, fix=f"e.g. assumptions: {{{group}: {{some_name: 0.5}}}}").one_line())
            continue
        for name, entry in entries.items():
            if (group, name) in broken:
                continue
            try:
                groups[group][name] = _override(groups, group, name, entry, where)
            except InputError as exc:
                problems.append(exc.one_line())
    if problems:
        raise ConfigError(problems, path=where)
    return Assumptions(groups, sources, price_date=prices.period, currency=prices.currency,
                       price_table=str(prices.table_path), warnings=warnings)


def convert_gbp_assumptions(groups: dict, prices) -> list[str]:
    """Packaged assumptions in GBP (capital costs, fees, grants…) in the currency of the place's prices.

    A place priced in pounds is left as it is. Any other needs the rate ``fx_per_gbp`` in its price
    table: every packaged amount whose unit is in GBP is multiplied by it (value, low and high) and
    its unit and source say so. Without the rate, a one-line problem is returned instead: UK costs
    are never used as if they were another currency's.

    Parameters
    ----------
    groups : dict
        ``{group: {name: entry}}`` of the packaged files, changed in place.
    prices : analysis.economics.prices.PriceSet

    Returns
    -------
    list of str
        Problems (empty when converted or nothing to convert).
    """
    code = str(prices.currency).upper()
    if code == "GBP":
        return []
    in_gbp = [(g, n) for g, entries in groups.items() for n, e in entries.items()
              if isinstance(e, dict) and "GBP" in str(e.get("unit", ""))]
    if not in_gbp:
        return []
    fx = prices.fx_per_gbp
    if fx is None:
        return [f"{prices.table_path}: prices in {code} but no fx_per_gbp row: {len(in_gbp)} packaged costs (capital "
                f"cost per kWp, fees, grants…) are UK values in GBP — fix: add a dated row "
                f"`fx_per_gbp,YYYY-MM,<{code} per GBP>,,,{code} per GBP,<source>` (or override those assumptions)"]
    rate = float(fx["value"])
    for group, name in in_gbp:
        entry = dict(groups[group][name])
        for key in ("value", "low", "high"):
            if isinstance(entry.get(key), (int, float)):
                entry[key] = float(entry[key]) * rate
        entry["unit"] = str(entry["unit"]).replace("GBP", code)
        entry["source"] = (f"{entry.get('source', '')} — a UK value converted at {rate:g} {code}/GBP "
                           f"({fx['source']}, {fx['date']})")
        groups[group][name] = entry
    return []


def _renamed_overrides(overrides: dict, where, warnings: list) -> dict:
    """Place overrides with old assumption names mapped to their new group and name (each noted in ``warnings``)."""
    from analysis.economics.params import RENAMED, RETIRED, RETIRED_WHY

    if not isinstance(overrides, dict):
        return overrides
    out: dict = {}
    for group, entries in overrides.items():
        if not isinstance(entries, dict):
            out[group] = entries
            continue
        for name, entry in entries.items():
            if (group, name) in RETIRED:
                raise ConfigError([InputError(f"assumptions.{group}.{name} is no longer used: {RETIRED_WHY}",
                                              record="assumptions",
                                              fix=f"remove it; see {RETIRED[(group, name)]}").one_line()], path=where)
            new = RENAMED.get((group, name))
            if new:
                warnings.append(f"{where}: assumptions.{group}.{name} is now assumptions.{new[0]}.{new[1]} "
                                f"(the old name still works; rename it to silence this)")
                group_, name_ = new
            else:
                group_, name_ = group, name
            out.setdefault(group_, {})[name_] = entry
    return out


def _override(groups: dict, group: str, name: str, entry, where) -> dict:
    """One place override of a packaged assumption, merged and checked (raises :class:`InputError`)."""
    if group not in groups or name not in groups[group]:
        known = sorted(groups.get(group, {})) if group in groups else sorted(groups)
        close = difflib.get_close_matches(str(name if group in groups else group), known, n=3, cutoff=0.5)
        shown = close + [k for k in known if k not in close][:12 - len(close)]
        raise InputError(f"unknown assumption {group}.{name}", path=where, record="assumptions",
                         fix=f"known {'names in ' + group if group in groups else 'groups'}: "
                             f"{', '.join(shown)}{', ...' if len(known) > len(shown) else ''}")
    merged = copy.deepcopy(groups[group][name])
    if isinstance(entry, dict):
        unknown = set(entry) - {"value", "low", "high", "unit", "source", "date"}
        if unknown:
            raise InputError(f"assumptions.{group}.{name} has unknown keys {sorted(unknown)}", path=where,
                             fix="use value, low, high, unit, source, date")
        merged.update(entry)
    else:
        if not isinstance(entry, (int, float)) or isinstance(entry, bool):
            raise InputError(f"assumptions.{group}.{name} is {entry!r}, expected a number", path=where,
                             fix=f"e.g. {name}: {merged['value']} ({merged['unit']})")
        merged["value"] = entry
        merged["low"], merged["high"] = min(merged["low"], entry), max(merged["high"], entry)
        merged["source"] = f"place override ({merged['source']})"
    return _check_assumption(group, name, merged, where)


# --------------------------------------------------------------------------------------------
# Place config schema
# --------------------------------------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


#: A non-empty name (file path, column, id): an empty string is never meant.
Name = Annotated[str, StringConstraints(min_length=1, max_length=1000)]

#: Our names for area statistics (``columns`` keys); a key close to one of these is taken for a typo.
AREA_COLUMNS = (
    "name", "households", "population", "income_mean", "income_median", "income_mean_gbp", "income_median_gbp",
    "owned_outright", "owned_mortgage",
    "shared_ownership", "social_rented_council", "social_rented_other", "private_rented_landlord",
    "private_rented_other", "rent_free", "owner_occupied", "social_rented", "private_rented", "other_tenure",
    "dwellings", "dwellings_detached", "dwellings_semi", "dwellings_terraced", "dwellings_purpose_built_flat",
    "dwellings_converted_flat", "dwellings_commercial_flat", "dwellings_caravan", "elec_kwh", "elec_meters",
    "gas_kwh", "gas_meters", "imd_rank", "imd_decile", "borough", "fuel_poor_households",
)


#: Area columns renamed to neutral names (old -> new); the old names are still read, with a note.
OLD_AREA_COLUMNS = {"income_mean_gbp": "income_mean", "income_median_gbp": "income_median"}


class LookupSchema(_Strict):
    """Re-key a statistics table from one area code to another (e.g. 2021 → 2011 LSOAs)."""

    file: Name
    from_: Name = Field(alias="from")
    to: Name
    weight: Name | None = None


class StatisticsSchema(_Strict):
    """One statistics CSV joined onto the areas."""

    file: Name
    id: Name
    columns: dict[str, Any]
    thousands: Annotated[str, StringConstraints(min_length=1, max_length=1)] | None = None
    required: StrictBool | None = None
    lookup: LookupSchema | None = None

    @model_validator(mode="after")
    def _columns(self):
        if not self.columns:
            raise ValueError("columns: expected at least one `our_name: source column` entry")
        for ours, theirs in self.columns.items():
            ok = (isinstance(theirs, str) and theirs) or (isinstance(theirs, list) and theirs
                                                          and all(isinstance(t, str) and t for t in theirs))
            if not ok:
                raise ValueError(f"columns.{ours}: expected a source column name or a list of names to sum, "
                                 f"got {theirs!r}")
            if ours not in AREA_COLUMNS:
                close = difflib.get_close_matches(ours, AREA_COLUMNS, n=1, cutoff=0.8)
                if close:  # other new names are carried into the areas table as they are
                    raise ValueError(f"columns.{ours}: unknown statistic (did you mean {close[0]}?)")
        return self


class AreasSchema(_Strict):
    """Area boundaries and their statistics."""

    file: Name
    id: Name
    name: Name | None = None
    columns: dict[str, Name] | None = None
    statistics: list[StatisticsSchema] = Field(default_factory=list)

    @model_validator(mode="after")
    def _columns(self):
        for ours in self.columns or {}:
            if ours not in AREA_COLUMNS:
                close = difflib.get_close_matches(ours, AREA_COLUMNS, n=1, cutoff=0.6)
                raise ValueError(f"columns.{ours}: unknown statistic"
                                 + (f" (did you mean {close[0]}?)" if close else f" (known: {', '.join(AREA_COLUMNS[:6])}, …)"))
        return self


class BuildingsSchema(_Strict):
    """Where building footprints come from."""

    source: Literal["file", "synthetic"] = "file"
    file: Name | None = None
    layer: Name | StrictInt | None = None
    columns: dict[str, Name] | None = None
    licence: Name | None = None
    dwelling_types: Literal["estimate"] | None = None
    context_file: Name | None = None

    @model_validator(mode="after")
    def _file_needed(self):
        from analysis.ingest.buildings import COLUMN_CANDIDATES

        unknown = [ours for ours in self.columns or {} if ours not in COLUMN_CANDIDATES]
        if unknown:
            hints = []
            for ours in unknown:  # "id" → building_id (a name we look for), "year" → year_built (spelling)
                known = [k for k, names in COLUMN_CANDIDATES.items() if ours in names or ours.lower() in names]
                close = known or difflib.get_close_matches(ours, list(COLUMN_CANDIDATES), n=1, cutoff=0.5)
                hints.append(f"{ours}" + (f" (did you mean {close[0]}?)" if close else ""))
            raise ValueError(f"columns.{unknown[0]}: unknown building column(s) {', '.join(hints)}; known: "
                             f"{', '.join(list(COLUMN_CANDIDATES)[:9])}")
        if self.source == "file" and not self.file:
            raise ValueError("file: required when source is file (or set source: synthetic)")
        return self


class AdoptionSchema(_Strict):
    """Observed installations per area (optional)."""

    file: Name
    id: Name
    count: Name
    kw: Name | None = None
    source: Name | None = None


class PublishedTotalSchema(_Strict):
    """A published total of the place's installations, to compare the mapped panels with."""

    installations: float | None = Field(default=None, ge=0)
    kw: float | None = Field(default=None, ge=0)
    source: Name


class ExistingPvSchema(_Strict):
    """Panels already on the roofs: a CSV of installations, whether to read OSM's mapped panels, and a
    published total to compare them with."""

    file: Name | None = None
    source: Name | None = None
    osm: StrictBool | None = None
    published: PublishedTotalSchema | None = None


class ConstraintSchema(_Strict):
    """A layer of planning constraints on roofs (see :mod:`analysis.ingest.constraints`)."""

    file: Name
    kind: Literal["listed", "glazed", "conservation_area", "street"]
    source: Name | None = None


class TreesSchema(_Strict):
    """Trees that shade roofs (see :mod:`analysis.ingest.trees`): ``source: osm`` reads them from the OSM
    buildings extract (the default when ``buildings.file`` is a ``.osm.pbf``), ``file`` reads a tree
    file, ``source: none`` leaves trees out."""

    source: Literal["osm", "file", "none"] | None = None
    file: Name | None = None
    columns: dict[Literal["height", "diameter_crown"], Name] | None = None

    @model_validator(mode="after")
    def _file_needed(self):
        if self.source == "file" and not self.file:
            raise ValueError("file: required when source is file (or set source: osm or none)")
        if self.file and self.source in ("osm", "none"):
            raise ValueError(f"file: given with source: {self.source} (drop one)")
        return self


class PricesSchema(_Strict):
    """Which dated prices a place's money results use (see :mod:`analysis.economics.prices`)."""

    file: Name | None = None
    period: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None


class PlaceSchema(_Strict):
    """The top level of a place config (see the template written by ``new-place``)."""

    model_config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)

    name: str = Field(min_length=1, max_length=200)
    crs: Name
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    seed: StrictInt | None = Field(default=None, ge=0, le=2**32 - 1)
    areas: AreasSchema
    buildings: BuildingsSchema | None = None
    weather: Name
    weather_format: Literal["epw", "tmy3", "pvgis", "pvwatts"] | None = None
    weather_max_km: float | None = Field(default=None, gt=0, le=20_000)
    credits: list[Annotated[str, StringConstraints(min_length=1, max_length=300)]] | None = None
    default_age_band: Name | None = None
    assumptions: dict[str, Any] | None = None
    assumption_files: list[Name] | None = None
    observed_adoption: AdoptionSchema | None = None
    prices: PricesSchema | None = None
    existing_pv: ExistingPvSchema | None = None
    constraints: list[ConstraintSchema] | None = None
    trees: TreesSchema | None = None


#: An example of a valid value per key (list indices written ``[]``), for error messages.
EXAMPLES = {
    "name": 'name: "Kentish Town estate"',
    "crs": "crs: EPSG:27700   (a projected CRS in metres; elsewhere the local UTM zone, e.g. EPSG:32631)",
    "currency": "currency: GBP",
    "seed": "seed: 20110327",
    "areas": "areas: {file: areas.geojson, id: area_code, statistics: [...]}",
    "areas.file": "file: lsoa/areas.shp",
    "areas.id": "id: LSOA11CD",
    "areas.name": "name: LSOA11NM",
    "areas.statistics": "statistics: [{file: stats.csv, id: area_code, columns: {households: households}}]",
    "areas.statistics[]": "- {file: stats.csv, id: area_code, columns: {households: households}}",
    "areas.statistics[].file": "file: census/ts054.csv",
    "areas.statistics[].id": "id: GeographyCode",
    "areas.statistics[].columns": "columns: {households: KS402EW0001, dwellings_converted_flat: [colA, colB]}",
    "areas.statistics[].thousands": 'thousands: ","',
    "areas.statistics[].required": "required: false",
    "areas.statistics[].lookup": "lookup: {file: lookup.csv, from: LSOA21CD, to: LSOA11CD, weight: TotalRes11}",
    "buildings": "buildings: {source: file, file: buildings.geojson}",
    "buildings.source": "source: file   (or synthetic)",
    "buildings.file": "file: buildings.geojson",
    "buildings.layer": "layer: buildings",
    "buildings.columns": "columns: {levels: floors, height_m: height}",
    "buildings.licence": 'licence: "© OpenStreetMap contributors, ODbL 1.0"',
    "buildings.dwelling_types": "dwelling_types: estimate",
    "buildings.context_file": "context_file: neighbours.geojson",
    "weather": "weather: weather.epw",
    "weather_format": "weather_format: epw   (or tmy3, pvgis, pvwatts)",
    "weather_max_km": "weather_max_km: 600   (accept a weather station up to 600 km away; default 300)",
    "credits": 'credits: ["Boundaries: City of Helsinki, CC BY 4.0", "Weather: ASHRAE IWEC"]',
    "credits[]": '- "Boundaries: City of Helsinki, CC BY 4.0"',
    "areas.columns": "columns: {households: hh}   (statistics in the boundary file itself)",
    "default_age_band": "default_age_band: 1945-1964",
    "assumptions": "assumptions: {roofs: {usable_share_flat: 0.6}}",
    "assumption_files": "assumption_files: [my_assumptions.yml]",
    "observed_adoption": "observed_adoption: {file: installations.csv, id: LSOA11CD, count: installations}",
    "prices": "prices: {file: prices.csv, period: 2026-07}",
    "constraints": "constraints: [{file: listed_buildings.geojson, kind: listed, source: \"Historic England NHLE\"}]",
    "constraints[].kind": "kind: listed   (or glazed, conservation_area, street)",
    "constraints[].file": "file: conservation_areas.gpkg",
    "existing_pv": "existing_pv: {file: installations.csv, source: \"MCS register 2024\"}",
    "existing_pv.file": "file: installations.csv   (building_id or lat and lon, kwp[, year])",
    "existing_pv.osm": "osm: false   (do not read the panels mapped in the OSM buildings file)",
    "existing_pv.published": "published: {installations: 508, kw: 3260, source: \"MCS register 2012-2024\"}",
    "trees": "trees: {file: street_trees.geojson}   (or {source: osm}, {source: none})",
    "trees.source": "source: osm   (or file, none)",
    "trees.file": "file: street_trees.geojson   (points, rows as lines, woods as polygons)",
    "trees.columns": "columns: {height: HEIGHT_M, diameter_crown: CROWN_M}",
    "prices.file": "file: prices.csv   (series, period, value, unit, source: see analysis/data/prices/GB.csv)",
    "prices.period": "period: 2026-07   (the first month of the quarter whose prices to use)",
}

_EXPECTED = {
    "missing": "a required key is missing",
    "extra_forbidden": "unknown key",
    "string_type": "expected text",
    "int_type": "expected a whole number", "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number", "float_parsing": "expected a number",
    "bool_type": "expected true or false", "bool_parsing": "expected true or false",
    "dict_type": "expected a mapping (key: value lines)", "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "list_type": "expected a list (lines starting with '- ')",
}


def _key_of(loc) -> tuple[str, str]:
    """Dotted key with indices (``areas.statistics[0].file``) and the example key (``[]``)."""
    key, generic = "", ""
    for part in loc:
        if isinstance(part, int):
            key += f"[{part}]"
            generic += "[]"
        elif part in ("str", "int", "list[str]", "function-after[_columns(), StatisticsSchema]") or "[" in str(part):
            continue  # union member tags
        else:
            key += ("." if key else "") + str(part)
            generic += ("." if generic else "") + str(part)
    return key or "(top level)", generic


def _known_keys(generic: str) -> list[str]:
    parent = generic.rsplit(".", 1)[0] if "." in generic else ""
    model = {"": PlaceSchema, "areas": AreasSchema, "areas.statistics[]": StatisticsSchema,
             "areas.statistics[].lookup": LookupSchema, "buildings": BuildingsSchema,
             "observed_adoption": AdoptionSchema}.get(parent)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]


def _violation(path, error: dict) -> str:
    key, generic = _key_of(error["loc"])
    kind = error["type"]
    value = error.get("input")
    if kind == "value_error":
        expected = str(error.get("ctx", {}).get("error", error["msg"]))
        sub = expected.split(":", 1)[0]
        if re.fullmatch(r"[a-z_.]+", sub):  # the message names a sub-key: point at it
            key, generic = f"{key}.{sub}" if key != "(top level)" else sub, f"{generic}.{sub}".strip(".")
            expected = expected.split(":", 1)[1].strip()
    elif kind == "literal_error":
        expected = f"expected one of {error.get('ctx', {}).get('expected', '')}"
    elif kind == "extra_forbidden":
        known = _known_keys(generic)
        close = difflib.get_close_matches(str(error["loc"][-1]), known, n=1)
        expected = ("unknown key" + (f" (did you mean {close[0]}?)" if close else "")
                    + (f" (known keys here: {', '.join(known)})" if known else ""))
    elif kind in ("string_pattern_mismatch", "greater_than_equal", "less_than_equal", "string_too_short",
                  "string_too_long"):
        expected = error["msg"][0].lower() + error["msg"][1:]
    else:
        expected = _EXPECTED.get(kind, error["msg"])
    pointed = kind == "value_error" and key != _key_of(error["loc"])[0]  # the message names the sub-key itself
    got = "" if kind in ("missing", "extra_forbidden") or pointed else f", got {value!r:.60}"
    example = EXAMPLES.get(generic) or EXAMPLES.get(re.sub(r"\.[^.]+$", "", generic))
    line = f"{path}: key {key}: {expected}{got}"
    if example:
        line += f" — e.g. {example}"
    return " ".join(line.split())


def validate_place(raw: dict, path) -> PlaceSchema:
    """Validate a parsed place config; raise :class:`ConfigError` listing every violation.

    Parameters
    ----------
    raw : dict
        The YAML mapping.
    path : path
        The config file (named in each violation).
    """
    try:
        return PlaceSchema.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError([_violation(path, e) for e in exc.errors()], path=path) from None


def check_crs(crs: str, path) -> None:
    """Require a projected CRS whose axes are in metres (areas in degrees are meaningless).

    Raises
    ------
    analysis.errors.ConfigError
    """
    import pyproj

    try:
        parsed = pyproj.CRS.from_user_input(crs)
    except pyproj.exceptions.CRSError:
        raise ConfigError([f"{path}: key crs: {crs!r} is not a known CRS — e.g. {EXAMPLES['crs']}"],
                          path=path) from None
    units = {axis.unit_name for axis in parsed.axis_info}
    if not parsed.is_projected or not units <= {"metre", "meter"}:
        kind = "geographic (degrees)" if parsed.is_geographic else f"not projected in metres (units {sorted(units)})"
        raise ConfigError([f"{path}: key crs: {crs} is {kind}; areas and distances need metres — fix: use a "
                           f"projected CRS, e.g. EPSG:27700 for Great Britain or the local UTM zone (EPSG:326NN "
                           f"north, EPSG:327NN south)"], path=path)


def allowed_roots(config_path) -> list[Path]:
    """Folders a place config may read from.

    The rule: a path in a place config must lie inside

    1. the config's own folder (and its sub-folders);
    2. a folder named ``data`` inside the config's folder or any folder above it — so
       ``data/camden/place.yml`` may read ``../london/...`` (inside the project's ``data/``), and
       ``~/estates/ours/place.yml`` may read ``~/estates/data/...``;
    3. the project's own ``data/`` tree;
    4. any folder listed in the environment variable ``ANALYSIS_DATA_DIRS`` (``os.pathsep``-separated).

    Paths are compared after making them absolute and removing ``..`` (symbolic links inside
    an allowed folder are the user's own and are followed).
    """
    folder = Path(os.path.abspath(Path(config_path).parent))
    roots = [folder]
    for parent in [folder, *folder.parents]:
        roots.append(parent / "data")
        if parent.name == "data":
            roots.append(parent)
    roots.append(PROJECT_ROOT / "data")
    roots += [Path(os.path.abspath(p)) for p in os.environ.get(DATA_DIRS_ENV, "").split(os.pathsep) if p]
    return list(dict.fromkeys(roots))


def _path_keys(schema: PlaceSchema) -> list[tuple[str, str]]:
    keys = [("areas.file", schema.areas.file), ("weather", schema.weather)]
    for i, stat in enumerate(schema.areas.statistics):
        keys.append((f"areas.statistics[{i}].file", stat.file))
        if stat.lookup:
            keys.append((f"areas.statistics[{i}].lookup.file", stat.lookup.file))
    if schema.buildings is not None:
        if schema.buildings.source == "file" and schema.buildings.file:
            keys.append(("buildings.file", schema.buildings.file))
        if schema.buildings.context_file:
            keys.append(("buildings.context_file", schema.buildings.context_file))
    for i, name in enumerate(schema.assumption_files or []):
        keys.append((f"assumption_files[{i}]", name))
    if schema.observed_adoption:
        keys.append(("observed_adoption.file", schema.observed_adoption.file))
    if schema.existing_pv and schema.existing_pv.file:
        keys.append(("existing_pv.file", schema.existing_pv.file))
    if schema.prices and schema.prices.file:
        keys.append(("prices.file", schema.prices.file))
    for i, layer in enumerate(schema.constraints or []):
        keys.append((f"constraints[{i}].file", layer.file))
    if schema.trees and schema.trees.file:
        keys.append(("trees.file", schema.trees.file))
    return keys


def check_paths(schema: PlaceSchema, path) -> None:
    """Every file the config names must stay inside :func:`allowed_roots` and be a regular file.

    FIFOs, devices, sockets and folders are refused by type (never opened: opening a FIFO
    blocks), files above :data:`analysis.ingest.checks.MAX_INPUT_BYTES` by size.
    """
    from analysis.ingest.checks import MAX_INPUT_BYTES, special_file_problem

    path = Path(path)
    roots = allowed_roots(path)
    problems = []
    for key, value in _path_keys(schema):
        if "\x00" in value:
            problems.append(f"{path}: key {key}: contains a NUL character — e.g. {EXAMPLES.get(key, 'file: data.csv')}")
            continue
        target = Path(os.path.abspath(path.parent / Path(value).expanduser()))
        if not any(target == root or target.is_relative_to(root) for root in roots):
            problems.append(f"{path}: key {key}: {value} is outside the place folder and the data folders "
                            f"— fix: copy the file into {path.parent} (or a `data` folder above it), or list its "
                            f"folder in {DATA_DIRS_ENV}")
            continue
        problem = special_file_problem(target)
        if problem is None and os.stat(target).st_size > MAX_INPUT_BYTES:
            problem = f"is larger than {MAX_INPUT_BYTES / 2**30:.0f} GB (read whole, it would exhaust memory)"
        if problem:
            problems.append(f"{path}: key {key}: {value} {problem} — fix: check the path (relative to {path.parent})")
    if problems:
        raise ConfigError(problems, path=path)


def _check_age_band(schema: PlaceSchema, path) -> None:
    if schema.default_age_band is None:
        return
    table = PROJECT_ROOT / "data" / "typology" / "heat_typology_gb.csv"
    if not table.is_file():
        return
    import pandas as pd

    bands = sorted(pd.read_csv(table, usecols=["age_band"])["age_band"].unique())
    if schema.default_age_band not in bands:
        raise ConfigError([f"{path}: key default_age_band: expected one of {', '.join(bands)}, got "
                           f"{schema.default_age_band!r} — e.g. {EXAMPLES['default_age_band']}"], path=path)


@dataclass
class PlaceConfig:
    """A place: its files, column mappings, CRS, weather and assumptions."""

    name: str
    path: Path
    crs: str
    raw: dict
    assumptions: Assumptions
    schema: PlaceSchema | None = None

    @property
    def folder(self) -> Path:
        return self.path.parent

    def resolve(self, relative) -> Path:
        """A path from the config, resolved against the config's folder."""
        return (self.folder / relative).resolve()

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name.lower()).strip("-")

    def section(self, key: str) -> dict:
        value = self.raw.get(key)
        if not isinstance(value, dict):
            raise InputError(f"missing section {key!r}", path=self.path, fix="see the template from new-place")
        return value

    def input_files(self) -> list[Path]:
        """Every input file the config names (for provenance hashes)."""
        if self.schema is not None:
            return [self.resolve(value) for _, value in _path_keys(self.schema)]
        files = []

        def walk(node):
            if isinstance(node, dict):
                for k, v in node.items():
                    if k in ("file", "weather") and isinstance(v, str):
                        files.append(self.resolve(v))
                    else:
                        walk(v)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.raw)
        return files

    def config_hash(self) -> str:
        payload = json.dumps({"place": self.raw, "assumptions": self.assumptions.groups}, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_place(place: str | Path | None = None, price_date: str | None = None) -> PlaceConfig:
    """Load and validate a place by embedded name (``camden``) or by the path of its YAML config.

    Parameters
    ----------
    place : str or path, optional
        Embedded place name or config path; the default place when omitted.
    price_date : str, optional
        ``YYYY-MM``: use the prices of that quarter (default: the place's ``prices.period``, else
        the latest in its price table).

    Raises
    ------
    analysis.errors.InputError
        Unknown place or unreadable file; :class:`analysis.errors.ConfigError` (a subclass)
        listing every schema, CRS, path or assumption violation.
    """
    place = place or DEFAULT_PLACE
    path = EMBEDDED_PLACES.get(str(place).lower(), Path(place))
    if not Path(path).exists() and str(place).lower() not in EMBEDDED_PLACES and not str(place).endswith((".yml", ".yaml")):
        raise InputError(f"unknown place {place!r}", fix=f"use one of {', '.join(EMBEDDED_PLACES)} or a path to a place .yml")
    path = Path(path).resolve()
    raw = read_yaml(path)
    violations = []
    try:
        schema = validate_place(raw, path)
    except ConfigError as exc:
        violations += exc.violations
        schema = None
    if isinstance(raw.get("crs"), (str, int)):
        try:
            check_crs(str(raw["crs"]), path)
        except ConfigError as exc:
            violations += exc.violations
    if violations:
        raise ConfigError(violations, path=path)
    check_paths(schema, path)
    _check_age_band(schema, path)
    extra = [(path.parent / f).resolve() for f in schema.assumption_files or []]
    assumptions = load_assumptions(extra, schema.assumptions, overrides_path=path,
                                   prices=place_prices(schema, path, price_date))
    for old_name, new_name in OLD_AREA_COLUMNS.items():  # accepted, with a note: amounts are in the place's currency
        used = [stat for stat in schema.areas.statistics if old_name in stat.columns]
        if used or old_name in (schema.areas.columns or {}):
            assumptions.warnings.append(f"{path}: column name {old_name} is now {new_name} (amounts are in the place's "
                                        f"currency); the old name still works")
    return PlaceConfig(name=schema.name, path=path, crs=schema.crs, raw=raw, assumptions=assumptions, schema=schema)


def place_prices(schema: PlaceSchema, path, price_date: str | None = None):
    """The place's price set: its own table (``prices.file``) or the packaged GB one, at ``price_date``
    (else ``prices.period``, else the latest). A place in another currency must give its own table:
    UK prices are never applied silently to it."""
    from analysis.economics.prices import PACKAGED, load_price_set

    spec = schema.prices or PricesSchema()
    currency = schema.currency or "GBP"
    period = price_date or spec.period
    if spec.file:
        return load_price_set(Path(path).parent / spec.file, period, currency=currency)
    if currency not in PACKAGED.values():
        raise InputError(f"no prices are shipped for {currency}", path=path, record="prices",
                         fix="give prices: {file: prices.csv} with your own dated prices (series, period, value, unit, "
                             "source; copy analysis/data/prices/GB.csv as a template)")
    return load_price_set(None, period, currency=currency)


def file_sha256(path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (first 16 hex digits).

    Remembered for the process by path, size, modification time and inode (a run hashes its
    inputs for provenance and for several cache keys; an edited file gets a new entry).
    """
    st = os.stat(path)
    memo_key = (os.path.abspath(str(path)), st.st_size, st.st_mtime_ns, st.st_ino)
    if memo_key in _SHA_MEMO:
        return _SHA_MEMO[memo_key]
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    _SHA_MEMO[memo_key] = digest.hexdigest()[:16]
    return _SHA_MEMO[memo_key]


_SHA_MEMO: dict = {}
