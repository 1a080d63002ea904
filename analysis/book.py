"""Helpers the book's notebooks use: open the store read-only, glue numbers, label synthetic data.

Notebooks stay thin: they read the DuckDB store written by ``python -m analysis run`` and
call these helpers; no model code runs in a notebook.
"""

from __future__ import annotations

import os

import pandas as pd

from analysis import charts, store
from analysis.config import DEFAULT_PLACE, load_place


def open_store(place: str | None = None):
    """Read-only connection to the place's store (``ENERGY_HOME_DB`` overrides the path)."""
    path = os.environ.get("ENERGY_HOME_DB") or store.default_db_path(load_place(place or DEFAULT_PLACE).slug)
    return store.connect(path, read_only=True)


def setup():
    """Enable the offline chart renderer and return a store connection."""
    charts.enable()
    return open_store()


def q(con, sql: str, params=None) -> pd.DataFrame:
    """Run a read-only query and return a DataFrame."""
    return con.execute(sql, params or []).df()


def glue(name: str, value, fmt: str = "{:,.0f}") -> str:
    """Glue a formatted number into the page (``{glue:text}`name```) and return the text."""
    from myst_nb import glue as _glue

    text = fmt.format(value) if value is not None and not (isinstance(value, float) and pd.isna(value)) else "n/a"
    _glue(name, text, display=False)
    return text


def synthetic_banner(con):
    """A visible label when the buildings in the store are synthetic (every page that uses them)."""
    from IPython.display import HTML

    synthetic = con.execute("SELECT bool_and(synthetic) FROM buildings").fetchone()[0]
    if not synthetic:
        return HTML("")
    return HTML("<div class='admonition warning synthetic-banner'><p class='admonition-title'>Synthetic buildings</p>"
                "<p>The buildings on this page are <strong>synthetic</strong>: generated per neighbourhood from the "
                "real 2011 Census counts of dwelling types, with assumed footprints, storeys, ages and owners. "
                "Totals per neighbourhood follow real data; individual buildings do not exist. Load real "
                "footprints with <code>python -m analysis fetch-osm</code> to replace them.</p></div>")


def sync_execution_cache(project_root=None) -> bool:
    """Drop the book's execution cache when the store's results changed since the last build.

    Jupyter Book caches notebook outputs by notebook source, not by the data they read, so a
    new run with other inputs, assumptions or code would otherwise show stale numbers. The
    fingerprint covers the latest run of every store the book reads (Camden and London).

    Returns
    -------
    bool
        True when the cache was cleared.
    """
    import hashlib
    import shutil
    from pathlib import Path

    from analysis.config import PROJECT_ROOT

    root = Path(project_root or PROJECT_ROOT)
    key = ""
    for place in ("camden", "london"):
        path = store.default_db_path(place)
        if not path.is_file():
            continue
        con = store.connect(path, read_only=True)
        try:
            run = store.last_run(con)
        finally:
            con.close()
        if run is not None:  # run id too: same inputs rerun still count as new results
            key += f"{place}|{run['run_id']}|{run['code_version']}|{run['config_hash']}|{run['input_hashes']};"
    fingerprint = hashlib.sha256(key.encode()).hexdigest()
    marker = root / "_build" / ".store-fingerprint"
    if marker.is_file() and marker.read_text() == fingerprint:
        return False
    # Sphinx also keeps parsed pages (.doctrees) and re-reads only changed sources: drop both.
    for folder in (".jupyter_cache", ".doctrees", "jupyter_execute"):
        shutil.rmtree(root / "_build" / folder, ignore_errors=True)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(fingerprint)
    return True
