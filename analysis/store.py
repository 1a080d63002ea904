"""The DuckDB store: one file per place, spatial loaded offline, results swapped in atomically.

* The ``spatial`` extension is loaded from the file shipped in the ``duckdb-extension-spatial``
  wheel (the plain install command would try to download it, and fails offline).
* :func:`write_results` replaces all result tables and appends a ``runs`` row inside one
  transaction: a failed or killed run leaves the previous results exactly as they were.
* Identifiers are quoted and values bound as parameters; no user string is spliced into SQL.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import duckdb
import pandas as pd

from analysis.errors import InputError

SCHEMA_VERSION = 1

#: Result tables (created by the pipeline) and the columns each must at least have.
REQUIRED_COLUMNS = {
    "areas": ["area_id", "name", "households", "population", "income_mean_gbp", "owner_occupied",
              "private_rented", "social_rented", "other_tenure", "area_ha", "geom", "geom_wgs84"],
    "buildings": ["building_id", "area_id", "footprint_m2", "height_m", "levels", "use", "roof_shape",
                  "year_built", "dwellings", "owner_type", "synthetic", "roof_shape_assumed", "geom"],
    "roof_planes": ["building_id", "plane", "tilt_deg", "azimuth_deg", "area_m2", "usable_m2", "mount", "suitable"],
    "yield_grid": ["tilt_deg", "azimuth_deg", "pv_kwh_per_kwp", "poa_kwh_per_m2"],
    "building_potential": ["building_id", "area_id", "kwp_central", "kwh_central", "kwh_low", "kwh_high"],
    "area_potential": ["area_id", "buildings", "kwp_central", "kwh_central", "kwh_low", "kwh_high"],
}

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    status VARCHAR,
    place VARCHAR,
    code_version VARCHAR,
    config_hash VARCHAR,
    input_hashes VARCHAR,
    summary VARCHAR,
    message VARCHAR
)
"""


def spatial_extension_path() -> Path:
    """Path of the spatial extension binary inside the installed wheel.

    Raises
    ------
    analysis.errors.InputError
        If ``duckdb-extension-spatial`` is missing or does not match the duckdb version.
    """
    try:
        import duckdb_extension_spatial
    except ImportError as exc:
        raise InputError("the duckdb-extension-spatial package is not installed",
                         fix="pip install 'duckdb-extension-spatial==%s'" % duckdb.__version__) from exc
    root = Path(duckdb_extension_spatial.__file__).parent / "extensions"
    exact = root / f"v{duckdb.__version__}" / "spatial.duckdb_extension"
    if exact.is_file():
        return exact
    found = sorted(root.glob("*/spatial.duckdb_extension"))
    if not found:
        raise InputError(f"no spatial extension file under {root}", fix="reinstall duckdb-extension-spatial")
    raise InputError(f"spatial extension is for {found[0].parent.name}, duckdb is v{duckdb.__version__}",
                     fix=f"pip install 'duckdb-extension-spatial=={duckdb.__version__}'")


def connect(path=None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB database (file or in-memory) with spatial loaded offline.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Database file; in-memory when omitted.
    read_only : bool
        Open read-only (notebooks and fact sheets).
    """
    config = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
              "allow_unsigned_extensions": "false"}
    if path is not None:
        path = Path(path)
        if read_only and not path.is_file():
            raise InputError("store not found", path=path, fix="run `python -m analysis run` first")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path) if path else ":memory:", read_only=read_only, config=config)
    except duckdb.IOException as exc:
        raise InputError(f"cannot open the store ({str(exc).splitlines()[0][:160]})", path=path,
                         fix="close other programs using it, or pass another --db") from exc
    con.execute(f"LOAD '{_sql_literal(str(spatial_extension_path()))}'")
    return con


def _sql_literal(text: str) -> str:
    """Escape a string for a single-quoted SQL literal (only for statements that cannot bind)."""
    return text.replace("'", "''")


def quote_identifier(name: str) -> str:
    """Quote a SQL identifier (table or column name) safely."""
    return '"' + str(name).replace('"', '""') + '"'


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the provenance tables if they are missing (idempotent)."""
    con.execute(RUNS_DDL)
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def code_version() -> str:
    """Package version plus the git commit when run from a checkout."""
    from analysis import __version__

    head = Path(__file__).resolve().parent.parent / ".git" / "HEAD"
    commit = ""
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            ref_file = head.parent / ref[5:]
            if ref_file.is_file():
                commit = ref_file.read_text().strip()[:12]
            else:
                packed = (head.parent / "packed-refs").read_text()
                commit = next((ln.split()[0][:12] for ln in packed.splitlines() if ln.endswith(ref[5:])), "")
        else:
            commit = ref[:12]
    except OSError:
        pass
    return f"{__version__}+{commit}" if commit else __version__


def write_results(con: duckdb.DuckDBPyConnection, tables: dict, geometry_columns: dict | None = None,
                  run: dict | None = None, fail_after: str | None = None, derived_sql=()) -> int:
    """Replace result tables and record the run, all in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    tables : dict of {str: pandas.DataFrame}
        Table name → data. Geometry columns hold WKB bytes.
    geometry_columns : dict of {str: list of str}, optional
        Per table, the WKB columns to turn into ``GEOMETRY``.
    run : dict, optional
        Fields for the ``runs`` row (place, config_hash, input_hashes, summary, started_at).
    fail_after : str, optional
        Test hook: raise after writing this table, to prove the rollback.
    derived_sql : sequence of str
        Statements run after the tables are written, in the same transaction (SQL roll-ups).

    Returns
    -------
    int
        The new ``run_id``.
    """
    init_schema(con)
    geometry_columns = geometry_columns or {}
    run = dict(run or {})
    con.execute("BEGIN TRANSACTION")
    try:
        for name, frame in tables.items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise ValueError(f"bad table name {name!r}")
            view = f"__incoming_{name}"
            con.register(view, frame)
            geoms = geometry_columns.get(name, [])
            select = ", ".join(
                f"ST_GeomFromWKB({quote_identifier(c)}) AS {quote_identifier(c)}" if c in geoms else quote_identifier(c)
                for c in frame.columns
            )
            con.execute(f"CREATE OR REPLACE TABLE {quote_identifier(name)} AS SELECT {select} FROM {quote_identifier(view)}")
            con.unregister(view)
            if fail_after == name:
                raise RuntimeError(f"simulated failure after writing {name}")
        for statement in derived_sql:
            con.execute(statement)
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?, NULL)",
            [run_id, run.get("started_at", dt.datetime.now()), dt.datetime.now(), run.get("place"), code_version(),
             run.get("config_hash"), json.dumps(run.get("input_hashes", {})), json.dumps(run.get("summary", {}))],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return run_id


def record_failed_run(con: duckdb.DuckDBPyConnection, place: str, message: str, started_at=None) -> None:
    """Append a ``failed`` runs row (results are untouched)."""
    init_schema(con)
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
    con.execute("INSERT INTO runs VALUES (?, ?, ?, 'failed', ?, ?, NULL, NULL, NULL, ?)",
                [run_id, started_at or dt.datetime.now(), dt.datetime.now(), place, code_version(), message[:500]])


def read_table(con: duckdb.DuckDBPyConnection, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """Read a whole table (or some columns) into pandas, with a clear error if it is missing."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if name not in tables:
        raise InputError(f"the store has no table {name!r}", fix="run `python -m analysis run` to fill it")
    cols = ", ".join(quote_identifier(c) for c in columns) if columns else "*"
    return con.execute(f"SELECT {cols} FROM {quote_identifier(name)}").df()


def last_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The latest successful run as a dict, or None."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'runs'").fetchone():
        return None
    row = con.execute("SELECT * FROM runs WHERE status = 'ok' ORDER BY run_id DESC LIMIT 1").df()
    return None if row.empty else row.iloc[0].to_dict()


def default_db_path(slug: str) -> Path:
    """Where a place's store lives unless ``--db`` says otherwise: ``build/<place>.duckdb``."""
    root = Path(os.environ.get("ANALYSIS_BUILD_DIR", Path(__file__).resolve().parent.parent / "build"))
    return root / f"{slug}.duckdb"
