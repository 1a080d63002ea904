"""Helpers the book's notebooks use: open the store read-only, glue numbers and words, show findings,
place labels for maps, the data downloads and the page footer.

Notebooks stay thin: they read the DuckDB store written by ``python -m analysis run`` and
call these helpers; no model code runs in a notebook. Where the stores are:

* the default place (Camden): ``ENERGY_HOME_DB`` if set, else ``build/camden.duckdb``;
* another place, e.g. London: ``ENERGY_HOME_DB_LONDON`` if set, else ``build/london.duckdb``
  (``ANALYSIS_BUILD_DIR`` moves ``build/``; tests build the book from temporary stores).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from analysis import charts, currency, store
from analysis.config import DEFAULT_PLACE, load_place


def store_path(place: str | None = None):
    """Path of a place's store for the book (see the module docstring for the variables)."""
    slug = load_place(place or DEFAULT_PLACE).slug
    default = load_place(DEFAULT_PLACE).slug
    override = os.environ.get("ENERGY_HOME_DB") if slug == default else None
    override = override or os.environ.get(f"ENERGY_HOME_DB_{slug.upper().replace('-', '_')}")
    return Path(override) if override else Path(store.default_db_path(slug))


def open_store(place: str | None = None):
    """Read-only connection to the place's store (``ENERGY_HOME_DB`` overrides the default place's path)."""
    return store.connect(store_path(place), read_only=True)


def setup():
    """Enable the offline chart renderer, show money in the store's currency and return a store connection."""
    charts.enable()
    con = open_store()
    info = store.place_info(con, fallback_crs=load_place(DEFAULT_PLACE).crs)
    currency.use(info.currency)
    charts.use_attribution(charts.map_attribution(info))
    from analysis.economics.views import month_words

    when = month_words(info.price_date)
    charts.use_source(f"Source: this book's model, {info.name}", f"{when} prices" if when else "")
    glue_place(con, info)
    return con


def possessive(name: str) -> str:
    """``"Camden"`` → ``"Camden’s"``, ``"Les Ulis"`` → ``"Les Ulis’"`` (typographic apostrophe)."""
    return f"{name}\u2019" if name.endswith("s") else f"{name}\u2019s"


def weather_station(con) -> str:
    """The weather station of the store's run in words (``"London Gatwick"``, ``"Helsinki"``)."""
    run = store.last_run(con) or {}
    import json as _json

    name = str(_json.loads(run.get("summary") or "{}").get("weather_name") or "").strip()
    return " ".join(part.capitalize() for part in name.replace("/", " ").split()) or "the place's weather file"


_GLUED_PLACE: list = []


def glue_place(con, info) -> None:
    """Glue the place's name on every page: ``place`` ("Camden"), ``place_pos`` ("Camden’s"),
    ``weather_station`` ("London Gatwick") and ``currency_name`` ("pounds") — prose never types them."""
    if _GLUED_PLACE:  # once per page (a page may call setup twice)
        return
    _GLUED_PLACE.append(info.name)
    try:
        glue_text("place", info.name)
        glue_text("place_pos", possessive(info.name))
        glue_text("weather_station", weather_station(con))
        glue_text("currency_name", currency.name())
        uk = info.currency == "GBP"
        tenure_known = store.tenure_observed(con)
        glue_text("tenure_source", "Census 2021" if tenure_known and uk else
                  ("the place's own statistics" if tenure_known else
                   "assumed: England and Wales 2021 shares, as this place gives no tenure counts"))
        glue_text("price_cap", "under the Ofgem cap" if uk else "in the place's price table")
        glue_text("rest_of_country", "Britain" if uk else "the country")
    except ImportError:  # outside a notebook (scripts, tests) there is nothing to glue into
        pass


def is_embedded_place(con) -> bool:
    """True when the store is the embedded place's (Camden): pages show its sourced data table."""
    return store.place_info(con, fallback_crs="unknown").name == load_place(DEFAULT_PLACE).name


def credits_markdown(con) -> str:
    """The store's credits as a Markdown list (for a place other than the embedded one)."""
    info = store.place_info(con, fallback_crs="unknown")
    lines = "\n".join(f"- {line}" for line in info.credits) or "- (the store records no credits)"
    return (f"The inputs of {info.name}, as its store records them (money in {info.currency}"
            + (f" at {info.price_date} prices" if info.price_date else "") + f"; geometry in {info.crs}):\n\n{lines}")


def q(con, sql: str, params=None) -> pd.DataFrame:
    """Run a read-only query and return a DataFrame."""
    return con.execute(sql, params or []).df()


#: Word joiner (U+2060): no line break inside "−£2" (a browser may break between the minus and the symbol).
WORD_JOINER = currency.WORD_JOINER


def no_break(text: str) -> str:
    """Keep a signed amount on one line on the page: a word joiner after the minus sign of ``−£2`` / ``+£8``
    (display only; the findings' own text, the CSV files and the tests keep the plain form). ``£`` written
    by a page is shown in the store's currency (:func:`analysis.currency.localise`)."""
    return currency.no_break(currency.localise(str(text)))


def true_minus(text: str) -> str:
    """Replace the hyphen-minus of negative numbers in formatted text with a true minus sign (U+2212),
    and drop the sign of a negative zero: ``"-0.13" → "−0.13"``, ``"-0.0" → "0.0"``, ``"£-2" → "−£2"``
    (any currency symbol: ``"€-2" → "−€2"``)."""
    import re

    sym = re.escape(currency.symbol())
    text = re.sub(f"({sym})-(?=\\d)", "-\\1", text)
    text = re.sub(f"(?<![\\w.])-(?=(?:{sym})?0+(?:\\.0+)?(?![\\d.]))", "", text)  # -0, -0.00, -£0: no sign
    return re.sub(f"(?<![\\w.])-(?=(?:{sym})?\\d)", "\u2212", text)


def glue(name: str, value, fmt: str = "{:,.0f}") -> str:
    """Glue a formatted number into the page (``{glue:text}`name```) and return the text.

    Negative numbers carry a true minus sign (:func:`true_minus`), whatever ``fmt`` writes.
    """
    from myst_nb import glue as _glue

    missing = value is None or (isinstance(value, float) and pd.isna(value))
    text = "n/a" if missing else true_minus(currency.localise(fmt.format(value)))
    _glue(name, no_break(text), display=False)
    return text


def glue_signed(name: str, value, decimals: int | None = None, digits: int = 2, unit: str = "") -> str:
    """Glue a signed number with a true minus sign: ``+0.27``, ``−0.13``, ``−0.00036`` (never ``-0.0003``).

    ``decimals`` fixes the digits after the point (:func:`analysis.findings.num`); without it the
    number has ``digits`` significant figures (:func:`analysis.findings.num_sig`), for small shares
    and indices. ``unit`` follows after a non-breaking space.
    """
    from analysis import findings

    text = (findings.num(value, decimals, signed=True, unit=unit) if decimals is not None
            else findings.num_sig(value, digits, signed=True, unit=unit))
    return glue_text(name, text)


def glue_text(name: str, text: str) -> str:
    """Glue a word or phrase chosen from data (e.g. :func:`analysis.findings.more_or_less`) into the page."""
    from myst_nb import glue as _glue

    _glue(name, no_break(str(text)), display=False)
    return str(text)


def glue_gbp(name: str, value, decimals: int = 0, signed: bool = False) -> str:
    """Glue money as ``−£2`` / ``£1,250`` / ``+£8`` (true minus sign, never ``£-2`` or ``−£0``)."""
    from analysis import findings

    return glue_text(name, findings.gbp(value, decimals, signed))


def glue_range(name: str, low, high, kind: str = "gbp", decimals: int = 0, unit: str = "") -> str:
    """Glue a range: money ``−£8 to £0`` (``kind="gbp"``), a share ``45–50 %`` (``"pct"``, fractions)
    or a number ``195–550 GWh`` (``"num"``)."""
    from analysis import findings

    text = {"gbp": lambda: findings.gbp_range(low, high, decimals),
            "pct": lambda: findings.pct_range(low, high, decimals),
            "num": lambda: findings.num_range(low, high, decimals, unit)}[kind]()
    return glue_text(name, text)


def markdown(text: str):
    """A Markdown output cell (MyST: roles such as ``{doc}`` resolve and are checked by the strict build).

    Empty text gives no output at all (``None``), not an empty cell.
    """
    from IPython.display import Markdown

    return Markdown(no_break(text)) if text else None


def show_findings(findings_list, numbered: bool = True, links: bool = True):
    """Findings (:class:`analysis.findings.Finding`) as a Markdown list with links to their chapters
    (``links=False`` on the chapter the links would point to)."""
    from analysis import findings as _f

    return markdown(_f.to_markdown(findings_list, numbered=numbered, links=links))


def place_labels(con, n: int = 5, min_distance_m: float = 1800.0) -> pd.DataFrame:
    """A few landmarks to print on maps: the largest named stations, museums, hospitals, universities and
    civic buildings, spread out.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The store (``buildings`` with ``name``, ``use_class`` and ``geom`` in the place CRS).
    n : int
        At most this many labels.
    min_distance_m : float
        Labels closer than this to a larger landmark are skipped (no pile-ups on a phone). [m]

    Returns
    -------
    pandas.DataFrame
        ``name``, ``lon``, ``lat`` [° WGS84], largest first (empty when no building is named).
    """
    import numpy as np

    crs = store.place_info(con, fallback_crs=load_place(DEFAULT_PLACE).crs).crs  # the store's own (bound: data, not SQL)
    cand = con.execute("""
        SELECT name, ST_X(c) x, ST_Y(c) y,
               ST_X(ST_Transform(c, $crs, 'EPSG:4326', always_xy := true)) lon,
               ST_Y(ST_Transform(c, $crs, 'EPSG:4326', always_xy := true)) lat
        FROM (SELECT name, footprint_m2, ST_Centroid(geom) c FROM buildings
              WHERE name IS NOT NULL AND length(name) BETWEEN 3 AND 32 AND use_class = 'non_domestic'
                    AND use_category IN ('transport', 'cultural', 'hospital', 'university', 'public')
                    AND NOT regexp_matches(name, '(?i)^((main|north|south|east|west|new|old|central) )?(building|block|wing|house|hall)s?$'))
        ORDER BY footprint_m2 DESC LIMIT 200""", {"crs": crs}).df()
    keep = []
    for i, row in cand.iterrows():  # greedy spacing over at most 200 rows; vectorised per row
        if keep and (np.hypot(cand.loc[keep, "x"] - row.x, cand.loc[keep, "y"] - row.y) < min_distance_m).any():
            continue
        if row["name"] in set(cand.loc[keep, "name"]):
            continue
        keep.append(i)
        if len(keep) == n:
            break
    return cand.loc[keep, ["name", "lon", "lat"]].reset_index(drop=True)


def build_info(con=None) -> dict:
    """Version, commit, build date and the store's run, for the page footer and the citation."""
    import datetime as _dt

    from analysis import __version__

    info = {"version": __version__, "code_version": store.code_version(),
            "built": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")}
    if con is not None:
        run = store.last_run(con)
        if run is not None:
            info |= {"run_id": run["run_id"], "run_finished": str(run.get("finished_at", ""))[:16]}
    return info


def place_info():
    """The book's place as its store records it (:class:`analysis.store.PlaceInfo`), or None without a store."""
    path = store_path()
    if not Path(path).is_file():
        return None
    con = store.connect(path, read_only=True)
    try:
        return store.place_info(con, fallback_crs=load_place(DEFAULT_PLACE).crs)
    finally:
        con.close()


def footer_attribution(info=None) -> str:
    """The data credits on every page: the store's credits for the place's inputs (footprints first)."""
    info = info if info is not None else place_info()
    if info is None or not info.credits:
        return "Data credits: see the store's meta table."
    return "Data: " + "; ".join(info.credits) + "."


def footer_html() -> str:
    """The page footer: version, commit and build date, and the data attribution."""
    import html as _html

    info = build_info()
    return (f"<p class='build-info'>Version {_html.escape(info['version'])} "
            f"(code {_html.escape(info['code_version'])}), built {info['built']}. "
            f"{_html.escape(footer_attribution())}</p>")


DOWNLOAD_FORMATS = ("csv", "geoparquet")
#: Result tables written as CSV beside the per-area and per-building files: file -> (store tables, what).
#: Each row keeps the store's codes and gains a column of the words the book shows (``*_label``).
DOWNLOAD_TABLES = {
    "who_gains.csv": (("scenario_summary",), "Who gains: every ownership scenario at its own scale and on the same roofs"),
    "who_gains_by_decile.csv": (("scenario_decile",), "Who gains by neighbourhood income decile"),
    "who_gains_by_tenure.csv": (("scenario_tenure",), "Who gains by occupant tenure"),
    "robustness.csv": (("scenario_robustness", "policy_robustness"),
                       "Every headline with its range over the parameter draws, the share of draws with its sign, "
                       "robust or fragile"),
    "policy_framings.csv": (("policy_framings",), "The four policy framings (central values)"),
    "heat_ownership.csv": (("heat_ownership",), "Solar district heating by owner (central values)"),
}


def write_downloads(out_dir, db=None) -> list:
    """Write the book's data downloads into ``out_dir`` (the built site's ``downloads/`` folder).

    Per-area and per-building results as CSV and GeoParquet (written by :func:`analysis.exports.export`),
    the key findings and the evidence checks as CSV, and a README with the licences
    (the per-building files carry OpenStreetMap geometry: ODbL 1.0).

    Parameters
    ----------
    out_dir : path
        Folder to write into (created).
    db : path, optional
        The store (default: :func:`store_path`).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    from pathlib import Path

    from analysis import exports, findings

    out_dir = Path(out_dir)
    db = db or store_path()
    written = exports.export(db, out_dir, load_place(DEFAULT_PLACE).crs, DOWNLOAD_FORMATS)  # CRS: the store's own
    con = store.connect(db, read_only=True)
    try:
        kf, _ = findings.key_findings(con)
        ev, _, _ = findings.evidence_against(con)
        info = build_info(con)
        place = store.place_info(con, fallback_crs=load_place(DEFAULT_PLACE).crs)
    finally:
        con.close()
    written += write_result_tables(out_dir, db)
    written += write_campaign_files(out_dir, db)
    for name, items in (("key_findings.csv", kf), ("evidence_against.csv", ev)):
        exports.write_csv(findings.frame(items), out_dir / name)  # sentences are data, never formulas
        written.append(out_dir / name)
    from analysis.economics.views import month_words

    readme = out_dir / "README.txt"
    credits = "".join(f"             - {c}\n" for c in place.credits)
    readme.write_text(
        f"Bringing energy home - data downloads for {place.name} (version {info['version']}, code "
        f"{info['code_version']}, built {info['built']}, store run {info.get('run_id', 'n/a')}).\n\n"
        "areas.*      per-area results: households, tenure, PV potential (low/central/high), heat demand.\n"
        "buildings.*  per-building results on the place's footprints (licence in LICENCE.txt).\n"
        "key_findings.csv, evidence_against.csv: the sentences of the book's first pages with their numbers.\n"
        f"{TARGETS_CSV:<24s} where to start: council, housing-association, public and community roofs ranked by "
        "capacity, with homes, fuel-poor homes, parties to agree, jobs, funding routes and owner_estimated (the share "
        "of the site's buildings whose owner the model estimated: check those with HM Land Registry).\n"
        f"{FACTSHEETS_DIR + '/':<24s} a printable one-page fact sheet for every neighbourhood (index.html lists them).\n"
        + "".join(f"{f:<24s} {what}.\n" for f, (_, what) in DOWNLOAD_TABLES.items() if (out_dir / f).is_file())
        + f"             Money in {place.currency} a year at {month_words(place.price_date) or 'the store'} prices; "
        "codes as in the store, with *_label columns in words.\n"
        f"Credits:\n{credits}"
        f"CSV geometry is WKT in the place CRS ({place.crs}); GeoParquet carries its CRS.\n")
    written.append(readme)
    return written


#: The campaign's downloads: where to start (CSV) and a printable fact sheet for every neighbourhood.
TARGETS_CSV, FACTSHEETS_DIR = "where_to_start.csv", "factsheets"


def write_campaign_files(out_dir, db=None) -> list:
    """Write :data:`TARGETS_CSV` (:func:`analysis.campaign.targets`) and a fact sheet per area in
    :data:`FACTSHEETS_DIR` (:func:`analysis.campaign.area_factsheets`) into ``out_dir``."""
    from analysis import campaign, exports

    out_dir = Path(out_dir)
    db = db or store_path()
    con = store.connect(db, read_only=True)
    try:
        info = store.place_info(con, fallback_crs="unknown")
        frame = campaign.targets(con, campaign.place_funding_table(info))
    finally:
        con.close()
    exports.write_csv(frame, out_dir / TARGETS_CSV)
    return [out_dir / TARGETS_CSV, *campaign.area_factsheets(db, out_dir / FACTSHEETS_DIR)]


def write_result_tables(out_dir, db=None) -> list:
    """Write :data:`DOWNLOAD_TABLES` as CSV into ``out_dir`` (tables this store lacks are skipped).

    Codes stay as in the store (for joins and scripts); each code column gets a ``<column>_label``
    column with the words the book shows (:func:`analysis.charts.label`). Text cells a spreadsheet
    would run as a formula are neutralised.
    """
    from pathlib import Path

    from analysis import exports, findings

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = store.connect(db or store_path(), read_only=True)
    written = []
    try:
        present = findings.tables(con)
        for name, (sources, _what) in DOWNLOAD_TABLES.items():
            frames = []
            for table in sources:
                if table not in present:
                    continue
                frame = con.execute(f'SELECT * FROM "{table}"').df()  # table names from the constant above
                if len(sources) > 1:
                    frame.insert(0, "table", table)
                frames.append(frame)
            if not frames:
                continue
            frame = pd.concat(frames, ignore_index=True)
            for col in [c for c in ("scenario", "framing", "model", "tenure", "metric", "cell") if c in frame]:
                frame.insert(frame.columns.get_loc(col) + 1, f"{col}_label",
                             frame[col].map(lambda v: charts.label(v) if isinstance(v, str) else v))
            exports.neutralise_formulas(frame).to_csv(out_dir / name, index=False)
            written.append(out_dir / name)
    finally:
        con.close()
    return written


def synthetic_banner(con):
    """A visible label when the buildings in the store are synthetic (every page that uses them)."""
    from IPython.display import HTML

    synthetic = con.execute("SELECT bool_and(synthetic) FROM buildings").fetchone()[0]
    if not synthetic:
        return HTML("")
    return HTML("<div class='admonition warning synthetic-banner'><p class='admonition-title'>Synthetic buildings</p>"
                "<p>The buildings on this page are <strong>synthetic</strong>: generated per neighbourhood from the "
                "real Census counts of dwelling types, with assumed footprints, storeys, ages and owners. "
                "Totals per neighbourhood follow real data; individual buildings do not exist. Load real "
                "footprints with <code>python -m analysis fetch-osm</code> to replace them.</p></div>")


def sync_execution_cache(project_root=None) -> bool:
    """Drop the book's execution cache when the store's results changed since the last build.

    Jupyter Book caches notebook outputs by notebook source, not by the data they read, so a
    new run with other inputs, assumptions or code would otherwise show stale numbers. The
    fingerprint covers the latest run of every store the book reads (Camden and London) and the
    source of the modules that write the pages' sentences and charts (book, charts, findings).

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
        path = Path(store_path(place))
        if not path.is_file():
            continue
        con = store.connect(path, read_only=True)
        try:
            run = store.last_run(con)
        finally:
            con.close()
        if run is not None:  # run id too: same inputs rerun still count as new results
            key += f"{place}|{run['run_id']}|{run['code_version']}|{run['config_hash']}|{run['input_hashes']};"
    # The pages' sentences are written by these modules: a change to them is a change of results too.
    here = Path(__file__).resolve().parent
    for source in sorted([here / "book.py", here / "charts.py", *(here / "findings").glob("*.py")]):
        if source.is_file():
            key += f"{source.relative_to(here)}|{hashlib.sha256(source.read_bytes()).hexdigest()};"
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


def _toc_pages(root: Path) -> list[Path]:
    """The book's pages in ``_toc.yml`` order (MyST Markdown files)."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part.get("chapters", [])]
    return [root / f"{name}.md" for name in names if (root / f"{name}.md").is_file()]


def _execute_page(notebook, path: Path, timeout: int):
    """Execute one page's notebook in place (as Jupyter Book would, in the page's folder); return
    seconds and the error, if any."""
    from jupyter_cache.executors.utils import single_nb_execution

    try:
        result = single_nb_execution(notebook, cwd=str(path.parent), allow_errors=False, timeout=timeout,
                                     meta_override=True)
    except Exception as exc:  # e.g. no kernel could start: the build tries again and reports it
        return 0.0, exc
    return result.time, result.err


def execute_pages(project_root=None, output=None, jobs: int | None = None, timeout: int = 600) -> dict:
    """Execute the book's notebooks in parallel into Jupyter Book's execution cache.

    ``jupyter-book build`` (execution mode ``cache``) executes the pages one after another: about
    5 s each, most of it a kernel starting and importing the package. Pages whose code is already
    in the cache are skipped; the others run ``jobs`` at a time (one kernel each) and are stored as
    Jupyter Book would store them, so the build that follows only renders. A page that fails here
    is left out of the cache: the build runs it again and reports the error in its own words.

    Parameters
    ----------
    project_root : path, optional
        The book's folder (with ``_toc.yml``); the project by default.
    output : path, optional
        The build's ``--path-output`` (the cache is ``<output>/_build/.jupyter_cache``); the project
        folder by default.
    jobs : int, optional
        Pages executed at once; one more than the number of CPUs by default (a kernel spends
        part of its start waiting; on 2 cores 3 at a time took 36 s, 2 took 41 s, one by one 68 s).
    timeout : int
        Seconds per cell, as ``execute.timeout`` in ``_config.yml``.

    Returns
    -------
    dict
        ``executed``, ``cached`` (already up to date) and ``failed`` page names, and ``seconds``.
    """
    import time
    from concurrent.futures import ThreadPoolExecutor

    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import read_myst_markdown_notebook

    from analysis.config import PROJECT_ROOT

    started = time.perf_counter()
    root = Path(project_root or PROJECT_ROOT)
    cache = get_cache(str(Path(output or root) / "_build" / ".jupyter_cache"))
    todo, cached = [], []
    for path in _toc_pages(root):
        notebook = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), add_source_map=True, path=path)
        if not any(cell.cell_type == "code" for cell in notebook.cells):
            continue  # plain Markdown: nothing to execute
        try:
            cache.match_cache_notebook(notebook)
            cached.append(path.stem)
        except KeyError:
            todo.append((path, notebook))
    executed, failed = [], []
    # Threads are enough: each page runs in its own kernel process; the threads only wait on them.
    with ThreadPoolExecutor(max_workers=max(1, jobs or (os.cpu_count() or 1) + 1)) as pool:
        runs = pool.map(lambda page: _execute_page(page[1], page[0], timeout), todo)
        for (path, notebook), (seconds, error) in zip(todo, runs):
            if error is not None:
                failed.append(path.stem)
                continue
            cache.cache_notebook_bundle(CacheBundleIn(notebook, str(path), data={"execution_seconds": seconds}),
                                        check_validity=False, overwrite=True)
            executed.append(path.stem)
    return {"executed": executed, "cached": cached, "failed": failed,
            "seconds": round(time.perf_counter() - started, 1)}


def prepare_build(project_root=None, jobs: int | None = None) -> dict:
    """Before ``jupyter-book build``: drop a stale execution cache (:func:`sync_execution_cache`), then
    execute the changed pages in parallel (:func:`execute_pages`). Prints one line."""
    cleared = sync_execution_cache(project_root)
    done = execute_pages(project_root, jobs=jobs)
    print(f"book pages: {len(done['executed'])} executed in parallel, "
          f"{len(done['cached'])} unchanged, {len(done['failed'])} failed (the build reports them) "
          f"in {done['seconds']} s" + ("; results changed, cache cleared" if cleared else ""))
    return done
