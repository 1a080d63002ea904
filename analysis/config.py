"""Place configuration (YAML) and model assumptions with units, sources and ranges.

A place config names the files for one place and how their columns map onto ours; the
assumption files give every model parameter as ``{value, low, high, unit, source}``. Both are
read with ``yaml.safe_load`` and checked early, with one-line errors naming the file and key.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from analysis.errors import InputError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: Places that ship with the project, by name.
EMBEDDED_PLACES = {"camden": PROJECT_ROOT / "data" / "camden" / "place.yml",
                   "london": PROJECT_ROOT / "data" / "london" / "place.yml"}
DEFAULT_PLACE = "camden"
LEVELS = ("low", "central", "high")


def read_yaml(path) -> dict:
    """Read a YAML mapping safely, with a one-line error on bad syntax or encoding."""
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path, fix="check the path, or run `python -m analysis new-place NAME`")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text (byte {exc.start})", path=path, fix="save the file as UTF-8") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        raise InputError(f"invalid YAML ({getattr(exc, 'problem', exc)})", path=path, record=where,
                         fix="fix the indentation or quoting at that line") from exc
    if not isinstance(data, dict):
        raise InputError("expected a YAML mapping (key: value lines)", path=path, fix="see the template from new-place")
    return data


def _check_assumption(group: str, name: str, entry, path) -> dict:
    required = ("value", "low", "high", "unit", "source")
    if not isinstance(entry, dict) or any(k not in entry for k in required):
        raise InputError(f"assumption {group}.{name} needs keys {', '.join(required)}", path=path,
                         fix="give value, low, high, unit and source")
    for key in ("value", "low", "high"):
        if not isinstance(entry[key], (int, float)) or isinstance(entry[key], bool):
            raise InputError(f"assumption {group}.{name}.{key} is {entry[key]!r}, not a number", path=path,
                             fix="write a plain number in the stated unit")
    if not entry["low"] <= entry["value"] <= entry["high"]:
        raise InputError(f"assumption {group}.{name}: need low <= value <= high, got "
                         f"{entry['low']} / {entry['value']} / {entry['high']}", path=path, fix="reorder the range")
    return entry


@dataclass
class Assumptions:
    """Model parameters by group, each with value, low, high, unit and source."""

    groups: dict = field(default_factory=dict)
    sources: list = field(default_factory=list)

    def get(self, group: str, name: str, level: str = "central") -> float:
        """Value of one assumption at ``level`` (``low``, ``central`` or ``high``)."""
        entry = self.groups[group][name]
        return float(entry["value" if level == "central" else level])

    def level(self, group: str, level: str = "central") -> dict:
        """All values of a group at one level, as ``{name: float}``."""
        return {name: self.get(group, name, level) for name in self.groups[group]}

    def table(self):
        """Flat list of dicts (group, name, value, low, high, unit, source) for the store/book."""
        return [dict(group=g, name=n, **{k: e[k] for k in ("value", "low", "high", "unit", "source")})
                for g, entries in self.groups.items() for n, e in entries.items()]


def load_assumptions(extra_files=(), overrides: dict | None = None) -> Assumptions:
    """Load the packaged assumption files, then extra files, then per-place overrides.

    Parameters
    ----------
    extra_files : iterable of path
        More YAML files in the same form (later files win).
    overrides : dict, optional
        ``{group: {name: {value/low/high...}}}`` or ``{group: {name: number}}`` (sets value,
        keeps the range only if it still contains it).
    """
    groups: dict = {}
    sources = []
    packaged = resources.files("analysis") / "data"
    files = sorted(p for p in packaged.iterdir() if p.name.endswith(".yml"))
    for path in list(files) + [Path(p) for p in extra_files]:
        data = read_yaml(path)
        sources.append(str(path))
        for group, entries in data.items():
            for name, entry in (entries or {}).items():
                groups.setdefault(group, {})[name] = _check_assumption(group, name, entry, path)
    for group, entries in (overrides or {}).items():
        for name, entry in (entries or {}).items():
            if group not in groups or name not in groups[group]:
                raise InputError(f"unknown assumption {group}.{name}", record="assumptions",
                                 fix=f"known groups: {', '.join(sorted(groups))}")
            merged = copy.deepcopy(groups[group][name])
            if isinstance(entry, dict):
                merged.update(entry)
            else:
                merged["value"] = entry
                merged["low"], merged["high"] = min(merged["low"], entry), max(merged["high"], entry)
                merged["source"] = f"place override ({merged['source']})"
            groups[group][name] = _check_assumption(group, name, merged, "place config")
    return Assumptions(groups, sources)


@dataclass
class PlaceConfig:
    """A place: its files, column mappings, CRS, weather and assumptions."""

    name: str
    path: Path
    crs: str
    raw: dict
    assumptions: Assumptions

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


def load_place(place: str | Path | None = None) -> PlaceConfig:
    """Load a place by embedded name (``camden``) or by the path of its YAML config.

    Parameters
    ----------
    place : str or path, optional
        Embedded place name or config path; the default place when omitted.
    """
    place = place or DEFAULT_PLACE
    path = EMBEDDED_PLACES.get(str(place).lower(), Path(place))
    if not Path(path).exists() and str(place).lower() not in EMBEDDED_PLACES and not str(place).endswith((".yml", ".yaml")):
        raise InputError(f"unknown place {place!r}", fix=f"use one of {', '.join(EMBEDDED_PLACES)} or a path to a place .yml")
    path = Path(path).resolve()
    raw = read_yaml(path)
    for key in ("name", "crs", "areas", "weather"):
        if key not in raw:
            raise InputError(f"missing key {key!r}", path=path, fix="see the template from `python -m analysis new-place`")
    extra = [(path.parent / f).resolve() for f in raw.get("assumption_files", [])]
    assumptions = load_assumptions(extra, raw.get("assumptions"))
    return PlaceConfig(name=str(raw["name"]), path=path, crs=str(raw["crs"]), raw=raw, assumptions=assumptions)


def file_sha256(path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes (first 16 hex digits)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()[:16]
