"""The DuckDB store: one file per place, spatial loaded offline, results swapped in atomically.

* The ``spatial`` extension is loaded from the file shipped in the ``duckdb-extension-spatial``
  wheel (the plain install command would try to download it, and fails offline).
* :func:`write_results` replaces **all** result tables of the previous run and appends a ``runs``
  row (listing the tables it wrote) inside one transaction: a failed, killed or interrupted run
  leaves the previous results exactly as they were. Tables a run did not write are dropped, so
  no stale table survives next to new results. Ctrl-C/SIGTERM are held back only while the
  transaction commits, so the outcome is always one of two and is reported honestly
  (:class:`analysis.errors.Interrupted` says which).
* One place per store: a run for another place stops with a message unless ``replace=True``.
* One writer at a time: :func:`writer_lock` takes an exclusive lock on ``<store>.lock``
  (released by the kernel if the process dies, so a crash never leaves a stale lock).
* A full disk is one line (:class:`analysis.errors.InputError`), the previous results intact.
* Identifiers are quoted and values bound as parameters; no user string is spliced into SQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from analysis.errors import InputError, Interrupted

SCHEMA_VERSION = 2
#: Tables that hold the store's history, not a run's results (never dropped by a new run).
PROVENANCE_TABLES = ("runs", "meta")
#: DuckDB's memory while a run writes its tables [MB] (beyond it, it writes blocks to the file).
WRITER_MEMORY_MB = 512
#: DuckDB settings while a run writes: its memory bound; no row-group merging at checkpoints (a
#: partitioned run appends each table in several pieces; the last row group of each piece is
#: partly filled, and DuckDB's checkpoint would merge those by rewriting the table's row groups
#: from the first one it merges: 1.09 M buildings, 2-3 s of CPU and +200 MB of file; with merging
#: off the checkpoint takes 0.04 s).
WRITER_SETTINGS = (f"SET memory_limit = '{WRITER_MEMORY_MB}MB'", "SET max_vacuum_tasks = 0")
#: A run's own store connection (:class:`StoreBuilder`) also writes on one thread: it writes beside
#: the computation, which keeps both cores busy, and DuckDB's second thread only adds switching
#: (bench --full 1 M, three runs each: 33.1 -> 30.2 s, CPU 51.7 -> 46.4 s).
BUILDER_SETTINGS = (*WRITER_SETTINGS, "SET threads = 1")
#: Rows per DuckDB row group (its default): frames are handed over in batches of this size.
ROW_GROUP_ROWS = 122_880
#: Words in OS/DuckDB errors that mean the disk (or the file-size limit) is full.
DISK_FULL = ("No space left on device", "File too large", "Disk quota exceeded")

#: Result tables (created by the pipeline) and the columns each must at least have.
REQUIRED_COLUMNS = {
    "areas": ["area_id", "name", "households", "population", "income_mean_gbp", "owner_occupied",
              "private_rented", "social_rented", "other_tenure", "area_ha", "geom", "geom_wgs84"],
    "buildings": ["building_id", "area_id", "footprint_m2", "height_m", "levels", "use", "roof_shape",
                  "year_built", "dwellings", "roof_owner", "synthetic", "roof_shape_assumed", "geom"],
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
    message VARCHAR,
    tables VARCHAR
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


#: Extension files whose signature DuckDB has checked in this process: path -> (size, mtime).
_SIGNATURE_CHECKED: dict[str, tuple[int, int]] = {}


def _file_stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


def connect(path=None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a DuckDB database (file or in-memory) with spatial loaded offline.

    The spatial extension comes from the ``duckdb-extension-spatial`` wheel. Its signature is
    checked by DuckDB on the process's first connection; later connections load the same file
    (same path, size and modification time) without the check, which costs ~0.25 s each. Nothing
    else is ever loaded: autoloading is off and no user text reaches SQL unbound.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Database file; in-memory when omitted.
    read_only : bool
        Open read-only (notebooks and fact sheets).
    """
    extension = spatial_extension_path()
    stamp = _file_stamp(extension)
    # DuckDB checks the extension's signature on every LOAD (~0.25 s, more than most queries here).
    # The first connection of a process checks it; later ones load the same, unchanged file unchecked.
    checked = _SIGNATURE_CHECKED.get(str(extension)) == stamp
    config = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false",
              "allow_unsigned_extensions": "true" if checked else "false"}
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
    con.execute(f"LOAD '{_sql_literal(str(extension))}'")
    _SIGNATURE_CHECKED[str(extension)] = stamp
    with contextlib.suppress(duckdb.Error):  # in a Jupyter kernel DuckDB refuses to touch the setting
        con.execute("SET enable_progress_bar = false")  # the run prints its own progress; DuckDB's bar garbles it
    return con


#: Test hook (never set in use): ``ANALYSIS_TEST_HOLD_AT=<stage>`` makes a writer that reaches that
#: stage print ``HOLD_LINE + stage`` to stderr and wait (up to 10 minutes) until the file named by
#: ``ANALYSIS_TEST_HOLD_RELEASE`` exists. Interrupt tests signal or kill the process while it is held —
#: at a known moment, never by a timer. Stages: ``table:<name>`` (after writing that table, main
#: thread only), ``commit`` (all tables written, before the transaction commits), ``swap`` (the new
#: store file complete, before it replaces the old one).
HOLD_AT_ENV, HOLD_RELEASE_ENV = "ANALYSIS_TEST_HOLD_AT", "ANALYSIS_TEST_HOLD_RELEASE"
HOLD_LINE = "store: holding at "


def _hold(stage: str) -> None:
    if os.environ.get(HOLD_AT_ENV) != stage or threading.current_thread() is not threading.main_thread():
        return
    import sys
    import time

    print(HOLD_LINE + stage, file=sys.stderr, flush=True)
    release = Path(os.environ.get(HOLD_RELEASE_ENV) or "/nonexistent/release")
    deadline = time.monotonic() + 600
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _sql_literal(text: str) -> str:
    """Escape a string for a single-quoted SQL literal (only for statements that cannot bind)."""
    return text.replace("'", "''")


def quote_identifier(name: str) -> str:
    """Quote a SQL identifier (table or column name) safely."""
    return '"' + str(name).replace('"', '""') + '"'


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the provenance tables if they are missing, and migrate old ones (idempotent)."""
    con.execute(RUNS_DDL)
    con.execute("ALTER TABLE runs ADD COLUMN IF NOT EXISTS tables VARCHAR")  # schema 1 → 2
    con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


def table_names(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of every table and view in the store."""
    return {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}


def result_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the result tables in the store (everything but :data:`PROVENANCE_TABLES`)."""
    rows = con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                       "AND table_type = 'BASE TABLE' ORDER BY table_name").fetchall()
    return [r[0] for r in rows if r[0] not in PROVENANCE_TABLES]


def store_place(con: duckdb.DuckDBPyConnection) -> str | None:
    """The place whose results the store holds (``meta.place``, else the latest ok run's place)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "meta" in tables:
        row = con.execute("SELECT value FROM meta WHERE key = 'place'").fetchone()
        if row:
            return row[0]
    if "runs" in tables:
        row = con.execute("SELECT place FROM runs WHERE status = 'ok' ORDER BY run_id DESC LIMIT 1").fetchone()
        if row:
            return row[0]
    return None


def check_place(con: duckdb.DuckDBPyConnection, place: str | None, replace: bool = False, path=None) -> None:
    """Refuse to write ``place``'s results into a store that holds another place's, unless ``replace``.

    Raises
    ------
    analysis.errors.InputError
        The store holds results for another place.
    """
    held = store_place(con)
    if place is not None and held is not None and held != place and not replace:
        raise InputError(f"this store holds results for {held!r}, not {place!r}", path=path,
                         fix="pass --replace to overwrite them, or --db to write this place to its own store")


def check_store_for_place(db_path, place: str, replace: bool = False) -> None:
    """Before a run starts: refuse early if the store at ``db_path`` belongs to another place.

    Cheap (opens the store read-only); :func:`write_results` checks again under the lock.
    """
    path = Path(db_path)
    if not path.is_file() or replace:
        return
    con = connect(path, read_only=True)
    try:
        check_place(con, place, replace, path)
    finally:
        con.close()


@contextlib.contextmanager
def writer_lock(db_path):
    """Hold an exclusive lock on ``<db_path>.lock`` while writing; refuse if another run holds it.

    The lock is an ``flock`` on an open file: the kernel releases it when the process ends,
    however it ends, so it is never stale.

    Raises
    ------
    analysis.errors.InputError
        Another process is writing this store.
    """
    import fcntl

    lock_path = Path(os.path.abspath(str(db_path) + ".lock"))
    if lock_path in _HELD_LOCKS:  # re-entrant within this process (the CLI holds it for a whole run)
        yield lock_path
        return
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise InputError(f"another run is writing this store ({holder})", path=db_path,
                             fix="wait for it to finish, or pass --db to write elsewhere") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {dt.datetime.now():%Y-%m-%d %H:%M:%S}")
        handle.flush()
        _HELD_LOCKS.add(lock_path)
        try:
            yield lock_path
        finally:
            _HELD_LOCKS.discard(lock_path)
    finally:
        handle.close()  # releases the lock


_HELD_LOCKS: set = set()


def last_run_id(db_path) -> int | None:
    """Id of the latest successful run in the store file (None when there is none or no file)."""
    path = Path(db_path)
    if not path.is_file():
        return None
    con = connect(path, read_only=True)
    try:
        run = last_run(con)
    finally:
        con.close()
    return None if run is None else int(run["run_id"])


def explain_interrupt(exc: KeyboardInterrupt, db_path, previous_run_id: int | None) -> Interrupted:
    """What an interrupt left in the store, found by looking at it (for interrupts outside the commit).

    Parameters
    ----------
    exc : KeyboardInterrupt
        The interrupt (an :class:`~analysis.errors.Interrupted` that already knows is returned as is).
    db_path : path
        The store the run was writing.
    previous_run_id : int or None
        The latest successful run before this one started.
    """
    if isinstance(exc, Interrupted) and exc.stored is not None:
        return exc
    signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
    try:
        now = last_run_id(db_path)
    except Exception:  # noqa: BLE001 — cannot look: say so rather than guess
        return Interrupted(signum, None, previous_run_id)
    if now is not None and now != previous_run_id:
        return Interrupted(signum, stored=True, run_id=now)
    return Interrupted(signum, stored=False, run_id=previous_run_id)


@contextlib.contextmanager
def _on_signals(received: list, interrupt: bool):
    """While inside: note SIGINT/SIGTERM in ``received``; then interrupt at once, or hold them back.

    ``interrupt=True`` while tables are written (DuckDB turns the exception a handler raises
    during a query into ``RuntimeError: Query interrupted``; the note says which signal it was).
    ``interrupt=False`` while the transaction commits, so the outcome is all or nothing and known.
    """
    if threading.current_thread() is not threading.main_thread():
        yield received
        return
    old = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum, frame):
        received.append(signum)
        if interrupt:
            raise Interrupted(signum)

    for sig in old:
        signal.signal(sig, handler)
    try:
        yield received
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def _is_interrupt(exc: BaseException) -> bool:
    return isinstance(exc, (KeyboardInterrupt, duckdb.InterruptException)) or (
        isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower())


def is_disk_full(exc: BaseException) -> bool:
    """True for errors that mean the disk or the file-size limit is full."""
    return any(word in str(exc) for word in DISK_FULL) or getattr(exc, "errno", None) in (28, 27, 122)


def _disk_full_error(con, exc, path) -> InputError:
    import shutil

    free = ""
    if path is not None:
        with contextlib.suppress(OSError):
            free = f", {shutil.disk_usage(Path(path).parent).free / 2**20:,.0f} MB free"
    return InputError(f"the disk is full while writing the store ({' '.join(str(exc).split())[:100]}{free})",
                      path=path, fix="free disk space or pass --db on another disk; the previous results are unchanged")


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
                  run: dict | None = None, fail_after: str | None = None, derived_sql=(), quality=None,
                  replace: bool = False, path=None) -> int:
    """Replace all result tables and record the run, in one transaction.

    Every result table of the previous run is dropped inside the transaction, so after a
    commit the store holds exactly what this run wrote (listed in ``runs.tables``); after a
    failure or interrupt it holds exactly what it held before. (:class:`RunWriter` does the same
    table by table, writing in the background while the caller computes.)

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
    quality : analysis.quality.QualityLog or pandas.DataFrame, optional
        The run's data-quality log, stored as table ``data_quality``. When omitted no such
        table is written (absent means "not recorded", never "no problems").
    replace : bool
        Allow replacing a store that holds another place's results.
    path : path, optional
        The store file (for messages).

    Returns
    -------
    int
        The new ``run_id``.

    Raises
    ------
    analysis.errors.Interrupted
        SIGINT/SIGTERM; ``stored`` says whether the new results were committed.
    analysis.errors.InputError
        Another place's store (without ``replace``), or the disk filled up.
    """
    writer = RunWriter(con, run, geometry_columns, replace=replace, path=path, fail_after=fail_after, background=False)
    writer.begin()
    try:
        with _on_signals(writer.noted, interrupt=True):
            for name, frame in tables.items():
                writer.put(name, frame)
    except BaseException as exc:
        writer.abort(exc)
        raise  # abort raised the honest error; not reached
    return writer.commit(quality=quality, derived_sql=derived_sql)


class RunWriter:
    """A run's result tables written into the store in one transaction, table by table.

    :meth:`begin` checks the store's place, opens the transaction and drops every result table
    of the previous run (inside it); :meth:`put` adds a frame to a table — the first frame of a
    name creates the table, later ones append to it, so a place can be written partition by
    partition — either at once or, with ``background``, by a writer thread while the caller
    computes the next partition (DuckDB releases the GIL; at most two frames wait in the queue);
    :meth:`commit` waits for the writer, stores the data-quality log and the ``runs`` row and
    commits, holding Ctrl-C/SIGTERM back until the outcome is known; :meth:`abort` rolls back.
    Until the commit the store holds exactly what it held before.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    run : dict, optional
        Fields for the ``runs`` row (place, config_hash, input_hashes, summary, started_at);
        ``summary`` may be set later, before :meth:`commit`.
    geometry_columns : dict of {str: list of str}, optional
        Per table, the WKB columns to turn into ``GEOMETRY``.
    replace : bool
        Allow replacing a store that holds another place's results.
    path : path, optional
        The store file (for messages).
    fail_after : str, optional
        Test hook: fail after writing this table.
    background : bool
        Write in a background thread (True) or in :meth:`put` itself.
    enums : dict, optional
        ``{"types": {type_name: values}, "columns": {table: {column: type_name}}}``: text columns
        with a fixed set of values, stored as ENUM (a value outside the set is an error).
    """

    def __init__(self, con, run: dict | None = None, geometry_columns: dict | None = None, replace: bool = False,
                 path=None, fail_after: str | None = None, background: bool = True, enums: dict | None = None):
        self.con, self.run = con, dict(run or {})
        self.geometry_columns = geometry_columns or {}
        # Low-cardinality text columns stored as DuckDB ENUM types (about three times cheaper to
        # write than VARCHAR, and smaller): {"types": {name: values}, "columns": {table: {column: name}}}.
        self.enums = enums or {"types": {}, "columns": {}}
        self.replace, self.path, self.fail_after, self.background = replace, path, fail_after, background
        self.noted: list[int] = []  # signals seen while writing
        self.previous_id: int | None = None
        self._created: set[str] = set()
        self._queue = None
        self._thread = None
        self._error: BaseException | None = None
        self._open = False

    def begin(self) -> "RunWriter":
        """Check the store, start the transaction, drop the previous run's result tables."""
        con = self.con
        # DuckDB would keep every block of the new tables in memory until the commit (its default
        # limit is 80 % of RAM); a bound makes it write them out, so a big place's run stays lean.
        for setting in WRITER_SETTINGS:
            con.execute(setting)
        init_schema(con)
        check_place(con, self.run.get("place"), self.replace, self.path)
        previous = last_run(con)
        self.previous_id = None if previous is None else int(previous["run_id"])
        con.execute("BEGIN TRANSACTION")
        self._open = True
        try:
            for name in result_tables(con):  # the previous run's tables: none may survive beside new ones
                con.execute(f"DROP TABLE {quote_identifier(name)}")
            self._create_types()
        except BaseException as exc:
            self.abort(exc)
        if self.background:
            import queue

            self._queue = queue.Queue(maxsize=2)
            self._thread = threading.Thread(target=self._drain, name="store-writer", daemon=True)
            self._thread.start()
        return self

    def _create_types(self) -> None:
        """The ENUM types of :attr:`enums` (replacing earlier definitions of the same name)."""
        for type_name, values in self.enums["types"].items():
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", type_name):
                raise ValueError(f"bad type name {type_name!r}")
            members = ", ".join("'" + _sql_literal(str(v)) + "'" for v in values)
            self.con.execute(f"DROP TYPE IF EXISTS {quote_identifier(type_name)}")
            self.con.execute(f"CREATE TYPE {quote_identifier(type_name)} AS ENUM ({members})")

    def put(self, name: str, frame) -> None:
        """Add ``frame`` to table ``name`` (created by the first frame of that name)."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in PROVENANCE_TABLES:
            raise ValueError(f"bad table name {name!r}")
        self._raise_writer_error()
        if self._queue is None:
            self._write(name, frame)
        else:
            self._enqueue((name, frame))

    def _enqueue(self, item) -> None:
        """Hand ``item`` to the writer thread: wait for room, but notice a writer that failed meanwhile."""
        import queue

        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                self._raise_writer_error()

    def _drain(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # a failed writer only empties the queue
            try:
                if item is _CHECKPOINT:
                    self.con.execute("CHECKPOINT")
                else:
                    self._write(*item)
            except BaseException as exc:  # noqa: BLE001 — handed to the main thread
                self._error = exc

    def _raise_writer_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def _write(self, name: str, frame) -> None:
        if hasattr(frame, "columns") and len(frame.columns) == 0:
            raise ValueError(f"table {name} has no columns (a step returned an empty frame without its columns)")
        con = self.con
        view = f"__incoming_{name}"
        table = as_arrow(frame)
        con.register(view, table)
        try:
            geoms = self.geometry_columns.get(name, [])
            enum_of = self.enums["columns"].get(name, {})
            null_columns = _null_columns(table)
            label_columns = _dictionary_columns(table)  # pandas Categoricals: text unless an ENUM is asked for

            def expression(c):
                q = quote_identifier(c)
                if c in geoms:
                    return f"ST_GeomFromWKB({q}) AS {q}"
                if c in enum_of:
                    return f"CAST({q} AS {quote_identifier(enum_of[c])}) AS {q}"
                if c in null_columns or c in label_columns:
                    return f"CAST({q} AS VARCHAR) AS {q}"
                return q

            select = ", ".join(expression(c) for c in frame.columns)
            try:
                if name in self._created:
                    con.execute(f"INSERT INTO {quote_identifier(name)} BY NAME SELECT {select} FROM {quote_identifier(view)}")
                else:
                    con.execute(f"CREATE TABLE {quote_identifier(name)} AS SELECT {select} FROM {quote_identifier(view)}")
                    self._created.add(name)
            except duckdb.ConversionException as exc:
                if not enum_of:
                    raise
                raise RuntimeError(f"table {name}: a value outside the fixed set of one of its columns "
                                   f"{sorted(enum_of)} ({str(exc).splitlines()[0][:120]}); the set is in "
                                   f"analysis/pipeline.py STORE_ENUMS") from exc
        finally:
            con.unregister(view)
        _hold(f"table:{name}")
        if self.fail_after == name:
            raise RuntimeError(f"simulated failure after writing {name}")

    def _join(self) -> None:
        """Stop the writer thread after the queued frames (re-raising its error, if any)."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread, self._queue = None, None
        self._raise_writer_error()

    def _finish_tables(self, quality, derived_sql) -> list:
        """Wait for the writer, write the data-quality log, run the roll-ups; the tables written."""
        self._join()
        if quality is not None:
            self._write("data_quality", quality.frame() if hasattr(quality, "frame") else pd.DataFrame(quality))
        for statement in derived_sql:
            self.con.execute(statement)
        return result_tables(self.con)

    def _record_run(self, written: list) -> int:
        """Append the ``ok`` runs row (and the store's place) in :attr:`con`; the new run id."""
        con, run = self.con, self.run
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
        con.execute(
            "INSERT INTO runs (run_id, started_at, finished_at, status, place, code_version, config_hash,"
            " input_hashes, summary, message, tables) VALUES (?, ?, ?, 'ok', ?, ?, ?, ?, ?, NULL, ?)",
            [run_id, run.get("started_at", dt.datetime.now()), dt.datetime.now(), run.get("place"),
             code_version(), run.get("config_hash"), json.dumps(run.get("input_hashes", {})),
             json.dumps(run.get("summary", {}), default=str), json.dumps(written)])
        if run.get("place") is not None:
            con.execute("INSERT OR REPLACE INTO meta VALUES ('place', ?)", [str(run["place"])])
        for key, value in (run.get("meta") or {}).items():  # CRS, currency, price date, credits (analysis.tables.META_KEYS)
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                        [str(key), value if isinstance(value, str) else json.dumps(value, default=str)])
        return run_id

    def _stop_writer(self) -> None:
        """Interrupt the table being written, drop the frames still waiting, end the thread."""
        if self._thread is None:
            return
        with contextlib.suppress(Exception):
            self.con.interrupt()
        import queue

        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()
        with contextlib.suppress(BaseException):
            self._join()

    def _raise_honestly(self, exc: BaseException | None) -> None:
        """Re-raise ``exc`` as the error a user can act on: an interrupt as ``Interrupted(stored=False)``,
        a full disk as one line naming the store."""
        if exc is None:
            return
        if _is_interrupt(exc) or (isinstance(exc, Interrupted) and exc.stored is not True):
            signum = exc.signum if isinstance(exc, Interrupted) else (self.noted[0] if self.noted else signal.SIGINT)
            raise Interrupted(signum, stored=False, run_id=self.previous_id) from None
        if is_disk_full(exc):
            raise _disk_full_error(None, exc, self.path) from None
        raise exc

    def commit(self, quality=None, derived_sql=()) -> int:
        """Wait for the writer, store the data-quality log and the ``runs`` row, commit; the run id.

        Raises
        ------
        analysis.errors.Interrupted
            SIGINT/SIGTERM; ``stored`` says whether the new results were committed.
        analysis.errors.InputError
            The disk filled up.
        """
        con = self.con
        committed = False
        run_id = None
        try:
            with _on_signals(self.noted, interrupt=True):
                written = self._finish_tables(quality, derived_sql)
                run_id = self._record_run(written)
                _hold("commit")
            # From here the outcome must be all or nothing and known: hold Ctrl-C/SIGTERM back until the
            # commit (and the checkpoint that folds the log into the file) is done, then report them.
            with _on_signals([], interrupt=False) as received:
                con.execute("COMMIT")
                committed = True
                self._open = False
                con.execute("CHECKPOINT")
            if received:
                raise Interrupted(received[0], stored=True, run_id=run_id)
        except Interrupted as exc:
            if committed:
                raise
            self.abort(exc)
        except BaseException as exc:
            if committed:
                if _is_interrupt(exc):
                    raise Interrupted(self.noted[0] if self.noted else signal.SIGINT, stored=True,
                                      run_id=run_id) from None
                if is_disk_full(exc):  # the commit is in the write-ahead log; only folding it into the file failed
                    raise InputError(f"the new results (run {run_id}) were stored, but the disk filled up while "
                                     "tidying the store file", path=self.path,
                                     fix="free disk space before the next run") from None
                raise
            self.abort(exc)
        return run_id

    def abort(self, exc: BaseException | None = None) -> None:
        """Stop the writer and roll back; re-raise ``exc`` as the honest error (if given).

        An interrupt becomes :class:`~analysis.errors.Interrupted` with ``stored=False``; a full
        disk an :class:`~analysis.errors.InputError` naming the store.
        """
        self._stop_writer()
        if self._open:
            _rollback(self.con)
            self._open = False
        self._raise_honestly(exc)


class StoreBuilder(RunWriter):
    """A run's store built as a new file beside the old one, then swapped in by one rename.

    The pipeline's writer for whole places: tables are written into ``<store>.building`` (each
    frame committed as it comes, so DuckDB keeps little in memory however big the place), the
    old store's history (``runs``, ``meta``) is copied in, and :meth:`commit` checkpoints the new
    file and ``os.replace`` moves it over the old one — atomic on POSIX file systems. Until that
    rename the old store is untouched (and readable by others); a failure or interrupt deletes
    the new file. Needs room on the disk for both files while it runs.

    Parameters
    ----------
    path : path
        The store file (it may not exist yet).
    run, geometry_columns, replace, fail_after, background, enums
        As :class:`RunWriter`.
    """

    def __init__(self, path, run: dict | None = None, geometry_columns: dict | None = None, replace: bool = False,
                 fail_after: str | None = None, background: bool = True, enums: dict | None = None):
        super().__init__(None, run, geometry_columns, replace=replace, path=path, fail_after=fail_after,
                         background=background, enums=enums)
        self.target = Path(path)
        self.building = self.target.with_name(self.target.name + ".building")
        self._history: tuple = ([], [])

    def begin(self) -> "StoreBuilder":
        """Check the old store (place, history), start the new file and the writer thread."""
        previous_runs, meta_rows = [], []
        if self.target.is_file():
            old = connect(self.target, read_only=True)
            try:
                check_place(old, self.run.get("place"), self.replace, self.target)
                tables = {r[0] for r in old.execute("SELECT table_name FROM information_schema.tables").fetchall()}
                if "runs" in tables:
                    previous_runs = old.execute("SELECT * FROM runs ORDER BY run_id").df()
                    ok = previous_runs[previous_runs["status"] == "ok"]
                    self.previous_id = int(ok["run_id"].max()) if len(ok) else None
                if "meta" in tables:
                    meta_rows = old.execute("SELECT key, value FROM meta").fetchall()
            finally:
                old.close()
        self._history = (previous_runs, meta_rows)
        for leftover in (self.building, Path(str(self.building) + ".wal")):
            leftover.unlink(missing_ok=True)  # an earlier run's half-built file
        self.con = connect(self.building)
        for setting in BUILDER_SETTINGS:
            self.con.execute(setting)
        self._open = True
        init_schema(self.con)
        self._create_types()
        if self.background:
            import queue

            # Room for one partition's five big frames: the next partition is computed while
            # they are written (London 66 -> 55 s); room for two partitions measured no faster.
            self._queue = queue.Queue(maxsize=6)
            self._thread = threading.Thread(target=self._drain, name="store-writer", daemon=True)
            self._thread.start()
        return self

    def checkpoint(self) -> None:
        """Fold the tables written so far into the file, in the background after the queued frames.

        DuckDB's automatic checkpoint would otherwise fall on a later, small write or on
        :meth:`commit` (London: ~2.5 s), after the big tables are done and the run is waiting.
        """
        self._raise_writer_error()
        if self._queue is None:
            self.con.execute("CHECKPOINT")
        else:
            self._enqueue(_CHECKPOINT)

    def commit(self, quality=None, derived_sql=()) -> int:
        """Finish the new file and swap it in; the new run id (see :class:`RunWriter`)."""
        con = self.con
        swapped = False
        run_id = None
        try:
            with _on_signals(self.noted, interrupt=True):
                written = self._finish_tables(quality, derived_sql)
                previous_runs, meta_rows = self._history
                if len(previous_runs):
                    con.register("__previous_runs", previous_runs)
                    con.execute("INSERT INTO runs BY NAME SELECT * FROM __previous_runs")
                    con.unregister("__previous_runs")
                for key, value in meta_rows:
                    con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [key, value])
                init_schema(con)  # schema version of this code
                run_id = self._record_run(written)
                con.execute("CHECKPOINT")
                con.close()
                self._open = False
                _fsync(self.building)
            _hold("swap")
            # The swap: one rename, with Ctrl-C/SIGTERM held back so the outcome is known.
            with _on_signals([], interrupt=False) as received:
                os.replace(self.building, self.target)
                swapped = True
                Path(str(self.target) + ".wal").unlink(missing_ok=True)  # the old file's (empty) log
                _fsync(self.target.parent)
            if received:
                raise Interrupted(received[0], stored=True, run_id=run_id)
        except Interrupted as exc:
            if swapped:
                raise
            self.abort(exc)
        except BaseException as exc:
            if swapped:
                raise
            self.abort(exc)
        return run_id

    def abort(self, exc: BaseException | None = None) -> None:
        """Stop the writer, delete the new file; re-raise ``exc`` as the honest error (if given)."""
        self._stop_writer()
        if self.con is not None and self._open:
            with contextlib.suppress(Exception):
                self.con.close()
            self._open = False
        for leftover in (self.building, Path(str(self.building) + ".wal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
        self._raise_honestly(exc)


#: The writer queue's request for a checkpoint (see :meth:`StoreBuilder.checkpoint`).
_CHECKPOINT = object()


def _fsync(path) -> None:
    """Flush a file (or a folder's entries) to the disk."""
    fd = os.open(str(path), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _null_columns(table) -> set:
    """Columns of an Arrow table with no type (every value missing): stored as text."""
    import pyarrow as pa

    if not isinstance(table, pa.Table):
        return set()
    return {f.name for f in table.schema if pa.types.is_null(f.type)}


def _dictionary_columns(table) -> set:
    """Columns of an Arrow table that are dictionary-encoded, or of a frame that are Categoricals."""
    import pyarrow as pa

    if isinstance(table, pd.DataFrame):  # a frame Arrow could not take: DuckDB would make ENUMs of these
        return {c for c in table.columns if isinstance(table[c].dtype, pd.CategoricalDtype)}
    if not isinstance(table, pa.Table):
        return set()
    return {f.name for f in table.schema if pa.types.is_dictionary(f.type)}


def as_arrow(frame):
    """A pandas frame as an Arrow table for DuckDB to scan in bulk (the frame itself if it cannot be).

    DuckDB scans pandas string and object columns value by value under the GIL (about 3x slower
    for the big tables); an Arrow table is read column by column. Same SQL types and values
    (NaN and None become NULL either way; tests/test_pipeline.py checks). A column Arrow cannot
    type (mixed Python objects) leaves the frame to DuckDB's pandas scan.
    """
    import pyarrow as pa

    if not isinstance(frame, pd.DataFrame):
        return frame
    try:
        table = pa.Table.from_pandas(pd.DataFrame(frame), preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        return frame
    # Batches of one DuckDB row group each: a connection with several threads writes them in
    # parallel (one chunk of millions of rows is written by one thread).
    return pa.Table.from_batches(table.to_batches(max_chunksize=ROW_GROUP_ROWS), schema=table.schema) \
        if table.num_rows > ROW_GROUP_ROWS else table


def _rollback(con) -> None:
    """Roll back; a connection broken by the error has already lost the uncommitted work."""
    with contextlib.suppress(duckdb.Error):
        con.execute("ROLLBACK")


def record_failed_run(con: duckdb.DuckDBPyConnection, place: str, message: str, started_at=None) -> None:
    """Append a ``failed`` runs row (results are untouched)."""
    init_schema(con)
    run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs").fetchone()[0]
    con.execute("INSERT INTO runs (run_id, started_at, finished_at, status, place, code_version, message) "
                "VALUES (?, ?, ?, 'failed', ?, ?, ?)",
                [run_id, started_at or dt.datetime.now(), dt.datetime.now(), place, code_version(), message[:500]])


#: A DuckDB database file carries this magic at byte 8 of its header.
DUCKDB_MAGIC = b"DUCK"


def open_results(path, tables=()) -> duckdb.DuckDBPyConnection:
    """Open a store read-only for reading results, with one-line errors for every way it can be wrong.

    Parameters
    ----------
    path : path-like
        The store (``--db``).
    tables : iterable of str
        Tables the caller needs (names from :mod:`analysis.tables`).

    Raises
    ------
    analysis.errors.InputError
        The file is missing, is not a DuckDB store, or holds no results (a needed table missing).
    """
    path = Path(path)
    if not path.is_file():
        others = sorted(p.name for p in path.parent.glob("*.duckdb")) if path.parent.is_dir() else []
        found = (f"; stores in {path.parent}: {', '.join(others[:4])} (e.g. --db {path.parent / others[0]})"
                 if others else "")
        raise InputError("store not found", path=path, fix="give --db the .duckdb file a run wrote, or run "
                                                           f"`python -m analysis run` first{found}")
    with open(path, "rb") as handle:
        header = handle.read(12)
    if len(header) < 12 or header[8:12] != DUCKDB_MAGIC:
        raise InputError("not a DuckDB store", path=path,
                         fix="give --db the .duckdb file a run wrote (python -m analysis run --db PATH)")
    try:
        con = connect(path, read_only=True)
    except duckdb.Error as exc:
        raise InputError(f"cannot read the store ({' '.join(str(exc).split())[:120]})", path=path,
                         fix="give --db the .duckdb file a run wrote; rerun `python -m analysis run` to rebuild it") from exc
    have = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    missing = [t for t in tables if t not in have]
    if missing:
        con.close()
        raise InputError(f"the store holds no {'results' if not have - set(PROVENANCE_TABLES) else 'table ' + missing[0]}",
                         path=path, fix=f"run `python -m analysis run --db {path}` (for your place: --place PLACE.yml)")
    return con


def meta(con: duckdb.DuckDBPyConnection) -> dict:
    """The store's ``meta`` table as a dict (place, CRS, currency, price date, credits; :data:`analysis.tables.META_KEYS`)."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_name = 'meta'").fetchone():
        return {}
    return dict(con.execute("SELECT key, value FROM meta").fetchall())


@dataclass(frozen=True)
class PlaceInfo:
    """What a store says about its place: every command, export, fact sheet and book page reads these."""

    name: str  #: the place's name, e.g. "Camden"
    crs: str  #: CRS of the stored geometries, e.g. "EPSG:27700"
    currency: str  #: ISO 4217 code of every amount, e.g. "GBP"
    price_date: str | None  #: "YYYY-MM" of the prices used
    credits: tuple[str, ...]  #: one line per credited input (footprints first)
    buildings_licence: str  #: the footprints' licence ("" when unstated)


def place_info(con: duckdb.DuckDBPyConnection, fallback_crs: str | None = None) -> PlaceInfo:
    """The store's :class:`PlaceInfo` (from ``meta``; a store written before ``meta`` held the place,
    CRS or credits falls back to its last run and ``fallback_crs``).

    Raises
    ------
    analysis.errors.InputError
        The store records no CRS and none is given.
    """
    m = meta(con)
    run = last_run(con) or {}
    crs = m.get("crs") or fallback_crs
    if not crs:
        raise InputError("the store does not record its CRS", fix="run the place again with this version "
                         "(`python -m analysis run --place PLACE.yml --db STORE`)")
    try:
        credits = tuple(json.loads(m["credits"])) if m.get("credits") else ()
    except (TypeError, ValueError):
        credits = (str(m["credits"]),)
    licence = m.get("licences")
    if licence is None:
        licence = json.loads(run.get("summary") or "{}").get("buildings_licence", "")
    return PlaceInfo(name=m.get("place") or str(run.get("place") or "this place"), crs=str(crs),
                     currency=(m.get("currency") or "GBP").upper(), price_date=m.get("price_date"),
                     credits=credits, buildings_licence=licence or "")


def tenure_observed(con: duckdb.DuckDBPyConnection) -> bool:
    """False when the run set tenure to the packaged England and Wales shares (the place gave no tenure
    counts; ``data_quality`` records it): pages and fact sheets then say the tenure is assumed."""
    if "data_quality" not in table_names(con):
        return True
    row = con.execute("SELECT sum(defaulted) FROM data_quality WHERE step = 'tenure' AND field = 'tenure shares'").fetchone()
    return not (row and row[0])


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
