"""Command line: ``python -m analysis <command>`` or the ``energy-home`` console script.

Every command prints a one-line error and exits non-zero on bad input (``--debug`` shows the
traceback).
"""

from __future__ import annotations

import argparse
import errno
import json
import signal
import sys
import threading
import warnings
from pathlib import Path

from analysis.errors import InputError, Interrupted

EXAMPLES = {
    "run": "examples:\n  python -m analysis run\n  python -m analysis run --place my_estate/place.yml --db out/estate.duckdb",
    "pv-yield": "examples:\n  python -m analysis pv-yield --weather data/weather/GBR_London.Gatwick.037760_IWEC.epw "
                "--tilt 35 --azimuth 180\n  python -m analysis pv-yield --weather tmy.csv --tilt 10 --azimuth 90 --mount rack --json",
    "heat-yield": "examples:\n  python -m analysis heat-yield --weather data/weather/GBR_London.Gatwick.037760_IWEC.epw "
                  "--tilt 45 --azimuth 180 --collector flat-plate --mean-temp 50 --json",
    "bench": "examples:\n  python -m analysis bench --buildings 100000\n  python -m analysis bench --buildings 1000000 --json\n"
             "  python -m analysis bench --full --buildings 1000000\n  python -m analysis bench --economics --buildings 1000000",
    "roof-irradiance": "examples:\n  python -m analysis roof-irradiance --buildings tests/data/fitzrovia_heights/buildings.shp "
                       "--height-column height --weather data/weather/GBR_London.Gatwick.037760_IWEC.epw --out roofs.csv\n"
                       "  python -m analysis roof-irradiance --buildings estate.gpkg --context neighbours.gpkg --roof flat "
                       "--weather tmy.epw --out estate_roofs.csv",
    "factsheet": "examples:\n  python -m analysis factsheet --area E01000842\n"
                 "  python -m analysis factsheet --boundary our_estate.geojson --out leaflets/ --pdf\n"
                 "  python -m analysis factsheet --buildings-list school_roofs.csv   (columns building_id, or lat and lon)",
    "export": "examples:\n  python -m analysis export --out gis/   (buildings and areas as GeoParquet, GeoJSON and CSV)",
    "new-place": "examples:\n  python -m analysis new-place \"Kentish Town estate\" --dir places/",
    "ledger": "examples:\n  python -m analysis ledger\n  python -m analysis ledger --scenario public@worthwhile_roofs\n"
              "  python -m analysis ledger --db out/estate.duckdb --json",
    "fetch-osm": "examples:\n  python -m analysis fetch-osm --place camden   (needs internet; writes data/camden/buildings/osm.geojson)",
}


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {value}")
    return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as argparse does, with a hint
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analysis", description="Rooftop solar, heat and who owns them.")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    fmt = argparse.RawDescriptionHelpFormatter

    p = sub.add_parser("run", help="run the whole pipeline for a place", epilog=EXAMPLES["run"], formatter_class=fmt)
    p.add_argument("--place", default="camden", help="embedded place name or path to a place .yml (default: camden)")
    p.add_argument("--db", help="DuckDB store to write (default: build/<place>.duckdb)")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.add_argument("--replace", action="store_true",
                   help="allow replacing a store that holds results for another place")
    p.add_argument("--force", action="store_true",
                   help="run even if the store already holds results of the same inputs, code and options")
    p.add_argument("--price-date", metavar="YYYY-MM",
                   help="use the prices of that quarter (default: the place's prices.period, else the latest)")

    for name, helptext in (("pv-yield", "annual AC yield of 1 kWdc on one plane (PVWatts v5 chain)"),
                           ("heat-yield", "annual heat of 1 m² of solar collector on one plane (ISO 9806)")):
        p = sub.add_parser(name, help=helptext, epilog=EXAMPLES[name], formatter_class=fmt)
        p.add_argument("--weather", required=True, help="EPW, TMY3 CSV, PVGIS TMY (csv/json/epw) or PVWatts export")
        p.add_argument("--format", choices=["epw", "tmy3", "pvgis", "pvwatts"], help="force the weather format")
        p.add_argument("--tilt", type=_float, required=True, help="degrees from horizontal (0-90)")
        p.add_argument("--azimuth", type=_float, required=True, help="degrees clockwise from north (180 = south)")
        p.add_argument("--json", action="store_true", help="print one JSON line")
        if name == "pv-yield":
            p.add_argument("--mount", choices=["roof", "rack"], default="roof")
            p.add_argument("--losses", type=_float, default=14.08, help="system losses in %% (default 14.08)")
        else:
            p.add_argument("--collector", choices=["flat-plate", "evacuated-tube"], default="flat-plate")
            p.add_argument("--mean-temp", type=_float, default=50.0, help="mean fluid temperature °C (default 50)")

    p = sub.add_parser("roof-irradiance", help="annual irradiation on each roof, with and without shading by neighbours",
                       epilog=EXAMPLES["roof-irradiance"], formatter_class=fmt)
    p.add_argument("--buildings", required=True, help="target footprints: GeoJSON, GPKG, Shapefile, GeoParquet or .osm.pbf "
                   "(projected CRS in metres)")
    p.add_argument("--context", help="more buildings that cast shade but are not reported")
    p.add_argument("--trees", help="trees that shade through their leaves: points, rows as lines, woods as polygons, "
                   "optional height and diameter_crown columns in metres")
    p.add_argument("--height-column", help="column with building height in metres (default: height/height_m, else storeys)")
    p.add_argument("--id-column", help="column with the building id (default: id/osm_id/..., else row numbers)")
    p.add_argument("--roof", choices=["auto", "flat"], default="auto",
                   help="auto: roof shapes from tags and rules; flat: every roof horizontal")
    p.add_argument("--weather", required=True, help="EPW, TMY3 CSV, PVGIS TMY or PVWatts export")
    p.add_argument("--format", choices=["epw", "tmy3", "pvgis", "pvwatts"], help="force the weather format")
    p.add_argument("--out", required=True, help="CSV to write (one row per target building)")

    p = sub.add_parser("bench", help="benchmark the pipeline kernel on N synthetic buildings", epilog=EXAMPLES["bench"],
                       formatter_class=fmt)
    p.add_argument("--buildings", type=_positive_int, default=100_000)
    p.add_argument("--naive-sample", type=_positive_int, default=20, help="buildings timed with a naive ModelChain loop")
    p.add_argument("--full", action="store_true",
                   help="the whole pipeline (buildings, roofs, shading, PV, heat, economics, policy, store) on a "
                        "synthetic place of about N buildings with London's statistics, per step")
    p.add_argument("--economics", action="store_true",
                   help="the money step alone (scenarios, heat ownership, policy, draws, sensitivity) on N buildings")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("fetch-osm", help="download real OSM buildings for a place (needs internet)",
                       epilog=EXAMPLES["fetch-osm"], formatter_class=fmt)
    p.add_argument("--place", default="camden")
    p.add_argument("--out", help="GeoJSON to write (default: <place folder>/buildings/osm.geojson)")

    p = sub.add_parser("factsheet", help="one-page fact sheet for an area, a boundary or a list of buildings",
                       epilog=EXAMPLES["factsheet"], formatter_class=fmt)
    p.add_argument("--place", default="camden", help="embedded place name or place .yml (default: camden)")
    p.add_argument("--db", help="store to read (default: build/<place>.duckdb)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--area", help="an area id, e.g. an LSOA code")
    where.add_argument("--boundary", help="GeoJSON/GPKG polygon (any CRS) around the buildings of interest")
    where.add_argument("--buildings-list", help="CSV with building_id, or lat and lon, one building per row")
    p.add_argument("--out", help="output folder (default: build/factsheets)")
    p.add_argument("--title", help="the sheet's title (default: the boundary's `name` property, the area's name, "
                                   "or the file's name)")
    p.add_argument("--pdf", action="store_true", help="also print an A4 PDF with headless Chromium")

    p = sub.add_parser("export", help="per-building and per-area results for GIS", epilog=EXAMPLES["export"],
                       formatter_class=fmt)
    p.add_argument("--place", default="camden")
    p.add_argument("--db")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--format", action="append", choices=["geoparquet", "geojson", "csv"],
                   help="repeat for several (default: all three)")

    p = sub.add_parser("new-place", help="write a commented place config template", epilog=EXAMPLES["new-place"],
                       formatter_class=fmt)
    p.add_argument("name", help="the place's name")
    p.add_argument("--dir", default=".", help="parent folder (a sub-folder named after the place is created)")

    p = sub.add_parser("ledger", help="where the money goes: every party's money in each ownership scenario",
                       epilog=EXAMPLES["ledger"], formatter_class=fmt)
    p.add_argument("--place", default="camden", help="embedded place name or place .yml (default: camden)")
    p.add_argument("--db", help="store to read (default: build/<place>.duckdb)")
    p.add_argument("--scenario", help="one scenario id (default: all), e.g. public@worthwhile_roofs")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = sub.add_parser("golden", help="compare a store's headline values with the pinned ones (tests/data/golden)")
    p.add_argument("--place", default="camden", help="embedded place name or place .yml (default: camden)")
    p.add_argument("--db", help="store to read (default: build/<place>.duckdb)")
    p.add_argument("--update", action="store_true",
                   help="rewrite the pinned values from this store (review the printed differences first)")

    p = sub.add_parser("summary", help="print the headline table of a store")
    p.add_argument("--place", default="camden")
    p.add_argument("--db")
    return parser


def _keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse instead of handing it back to the system at once.

    A run allocates and frees gigabytes of short-lived arrays. By default glibc maps each array
    above its adaptive threshold (at most 32 MB) afresh and unmaps it when freed, so the kernel
    zeroes the same memory again and again (bench --full 1 M: ~1.6 M page faults, ~8 % of the CPU
    in the kernel's clear_page). Serving big arrays from the heap and keeping its top: three runs
    each, 29.1 -> 27.1 s, CPU 44.1 -> 40.9 s, the same peak memory (the run still returns memory
    at its own points: :func:`analysis.roofs.release_memory`). Set for this command-line process
    only, not for the library inside someone's notebook; nothing happens off glibc.
    """
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # glibc's mallopt parameter numbers
    # Older glibc caps the mapping threshold (32 MB); if it refuses, leave both alone: a fixed trim
    # threshold alone would turn off glibc's adaptive one and map more, not less.
    if libc.mallopt(m_mmap_threshold, 512 * 1024 * 1024) == 1:
        libc.mallopt(m_trim_threshold, 1024 * 1024 * 1024)


def _cmd_run(args) -> int:
    from analysis import pipeline, store
    from analysis.config import load_place

    cfg = load_place(args.place, args.price_date)  # the whole config (and prices) validated before anything runs
    _keep_freed_memory()
    db = Path(args.db) if args.db else store.default_db_path(cfg.slug)
    store.check_store_for_place(db, cfg.name, args.replace)  # fail fast, before minutes of work
    with store.writer_lock(db):  # a second run on this store is refused now, not at the end
        before = store.last_run_id(db)
        try:
            result = pipeline.run(cfg, db, quiet=args.quiet, replace=args.replace, force=args.force)
            for note in [*cfg.assumptions.warnings]:
                print(f"note: {note}", file=sys.stderr)
            table = pipeline.summary_table(result.db_path)
            print(f"run {result.run_id} {'reused (up to date; --force reruns)' if result.up_to_date else 'stored'} "
                  f"in {result.db_path}, money at {cfg.assumptions.price_date} prices ({cfg.assumptions.currency})"
                  + (" (buildings are SYNTHETIC, generated from census counts)"
                     if result.summary["synthetic_buildings"] else ""))
            print(table.T.to_string(header=False))
            _print_defaults(result.summary.get("defaults_used") or [])
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt) or RECEIVED:  # say what the store holds, found by looking at it
                raise store.explain_interrupt(_as_interrupt(exc), db, before) from None
            raise
    return 0


def _print_defaults(lines: list[str]) -> None:
    """The run's defaults used in place of missing data: which field, how many records, which default.

    ``lines`` are the run summary's ``defaults_used`` (``step.field: N record(s) set to DEFAULT``);
    the same rows are in the store's ``data_quality`` table, the book and the fact sheets.
    """
    if not lines:
        return
    print(f"defaults used in place of missing data ({len(lines)} field{'s' * (len(lines) > 1)}; "
          "table data_quality in the store):")
    for line in lines:
        print(f"  {line}")


def _cmd_yield(args, kind: str) -> int:
    from analysis import heat, solar
    from analysis.ingest.weather import read_weather

    solar.check_orientation(args.tilt, args.azimuth)
    weather, meta = read_weather(args.weather, args.format)
    if kind == "pv":
        system = solar.PVSystem(mount=args.mount, losses_pct=args.losses, temperature_model="fuentes")
        result = solar.annual_pv_yield(weather, meta, args.tilt, args.azimuth, system)
        if args.json:
            print(json.dumps({"kwh_per_kwp": round(result["kwh_per_kwp"], 2),
                              "poa_kwh_per_m2": round(result["poa_kwh_per_m2"], 2)}))
        else:
            print(f"{meta.get('name')}: {result['kwh_per_kwp']:.1f} kWh/kWp/yr AC "
                  f"(plane of array {result['poa_kwh_per_m2']:.1f} kWh/m²/yr), tilt {args.tilt:g}°, "
                  f"azimuth {args.azimuth:g}°, {args.mount} mount, losses {args.losses:g} %")
    else:
        result = heat.annual_heat_yield(weather, meta, args.tilt, args.azimuth, args.collector, args.mean_temp)
        if args.json:
            print(json.dumps({"kwh_per_m2": round(result["kwh_per_m2"], 2)}))
        else:
            print(f"{meta.get('name')}: {result['kwh_per_m2']:.1f} kWh/m²/yr of heat from a {args.collector} collector "
                  f"at {args.mean_temp:g} °C mean fluid temperature, tilt {args.tilt:g}°, azimuth {args.azimuth:g}°")
    return 0


def _cmd_roof_irradiance(args) -> int:
    from analysis import irradiance

    if Path(args.out).suffix.lower() != ".csv":  # refused before seconds of work (write_csv checks it too)
        raise InputError("the output must be a .csv file", path=args.out, fix="give --out results.csv")
    result = irradiance.roof_irradiance(args.buildings, args.weather, args.context, args.height_column, args.id_column,
                                        args.roof, args.format, trees_path=args.trees)
    path = irradiance.write_csv(result, args.out)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    table = result.table
    print(f"wrote {path}: {len(table):,} buildings, median roof irradiation {table['roof_kwh_per_m2'].median():.0f} "
          f"kWh/m²/yr (unshaded {table['unshaded_kwh_per_m2'].median():.0f}), median shading loss "
          f"{table['shading_loss_pct'].median():.1f} %")
    return 0


def _cmd_bench(args) -> int:
    from analysis import bench

    _keep_freed_memory()
    if args.full:
        result = bench.run_full_benchmark(args.buildings, verbose=not args.json)
    elif args.economics:
        result = bench.run_economics_benchmark(args.buildings, verbose=not args.json)
    else:
        result = bench.run_benchmark(args.buildings, naive_sample=args.naive_sample, verbose=not args.json)
    if args.json:
        print(json.dumps(result))
    return 0


def _cmd_fetch_osm(args) -> int:
    from analysis.config import load_place
    from analysis.ingest.areas import read_vector
    from analysis.ingest.buildings import fetch_osm_buildings

    cfg = load_place(args.place)
    areas = read_vector(cfg.resolve(cfg.section("areas")["file"]), cfg.crs)
    bbox = areas.to_crs(4326).total_bounds
    out = Path(args.out) if args.out else cfg.folder / "buildings" / "osm.geojson"
    path = fetch_osm_buildings(bbox, out)
    print(f"wrote {path}. To use it, set in {cfg.path}:\n  buildings:\n    source: file\n    file: {path.relative_to(cfg.folder) if path.is_relative_to(cfg.folder) else path}")
    return 0


def _cmd_factsheet(args) -> int:
    from analysis import campaign

    result = campaign.make_factsheet(args.place, args.db, args.area, args.boundary, args.buildings_list, args.out, args.pdf,
                                     title=args.title)
    print(f"fact sheet: {result['html']} ({result['buildings']:,} buildings)"
          + (f"; PDF: {result['pdf']}" if result["pdf"] else ""))
    report = result["report"]
    if report and report["unmatched_rows"]:
        print(f"note: {report['rows'] - report['matched']} listed rows matched no building "
              f"(rows {', '.join(map(str, report['unmatched_rows']))})")
    return 0


def _cmd_export(args) -> int:
    from analysis import exports, store
    from analysis.config import load_place

    # The store records its place and CRS: with --db the place config is not read at all.
    # (The place's CRS is only a fallback for a store written before stores recorded their CRS.)
    cfg = load_place(args.place)
    db = args.db or store.default_db_path(cfg.slug)
    for path in exports.export(db, args.out, crs=cfg.crs, formats=args.format or exports.FORMATS):
        print(path)
    return 0


def _cmd_new_place(args) -> int:
    from importlib import resources

    from analysis.campaign import safe_name

    folder = Path(args.dir) / safe_name(args.name, "place")
    target = folder / "place.yml"
    if target.exists():
        raise InputError("a place config already exists", path=target, fix="choose another name or edit that file")
    folder.mkdir(parents=True, exist_ok=True)
    template = (resources.files("analysis") / "data" / "place_template.yml.in").read_text(encoding="utf-8")
    # The name is data: a JSON string is a valid double-quoted YAML scalar (newlines, quotes and
    # backslashes escaped), so no name can add keys; comments get it flattened onto one line.
    flat = lambda text: " ".join(str(text).split())  # noqa: E731
    target.write_text(template.format(name_yaml=json.dumps(args.name, ensure_ascii=False), name_comment=flat(args.name),
                                      path=flat(target.as_posix())), encoding="utf-8")
    print(f"wrote {target}: edit the file paths and column names, then run\n"
          f"  python -m analysis run --place {target}")
    return 0


def _cmd_ledger(args) -> int:
    from analysis import store
    from analysis.economics import report

    if args.db:
        db = Path(args.db)
    else:
        from analysis.config import load_place

        db = store.default_db_path(load_place(args.place).slug)
    result = report.ledger_report(db, args.scenario)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else report.ledger_text(result))
    return 0


def _cmd_golden(args) -> int:
    from analysis import golden, store
    from analysis.config import load_place

    slug = load_place(args.place).slug
    db = Path(args.db) if args.db else store.default_db_path(slug)
    con = store.open_results(db, ("buildings", "building_potential", "areas", "area_potential"))
    try:
        values = golden.headline_values(con)
    finally:
        con.close()
    diff = golden.differences(values, golden.load(slug))
    print("\n".join(diff) if diff else f"{len(values)} headline values match the pinned ones")
    if args.update:
        print(f"pinned values written to {golden.write(values, slug)}")
        return 0
    return 1 if diff else 0


def _cmd_summary(args) -> int:
    from analysis import pipeline, store
    from analysis.config import load_place

    db = args.db or store.default_db_path(load_place(args.place).slug)
    print(pipeline.summary_table(db).T.to_string(header=False))
    return 0


#: Signals received during this command. Libraries sometimes turn the KeyboardInterrupt raised in
#: their callbacks into their own errors (pandas: "ParserError ... read(nbytes) failed"); this
#: list keeps the truth, so such an error is still reported as the interrupt it was.
RECEIVED: list[int] = []


def _raise_on_sigterm(signum, frame):
    RECEIVED.append(signum)
    raise Interrupted(signum)


def _as_interrupt(exc: BaseException) -> KeyboardInterrupt:
    if isinstance(exc, KeyboardInterrupt):
        return exc
    return Interrupted(RECEIVED[0] if RECEIVED else signal.SIGINT)


def _one_line_os_error(exc: OSError) -> str:
    """A disk-full or permission problem as one line (the rest of the chain is noise)."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return (f"no space left to write {exc.filename or 'the output'} ({exc.strerror}) — fix: free disk space or "
                "write elsewhere (--db / --out); stored results are unchanged")
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc} — fix: check the path and its permissions"


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    commands = {"run": _cmd_run, "pv-yield": lambda a: _cmd_yield(a, "pv"), "heat-yield": lambda a: _cmd_yield(a, "heat"),
                "bench": _cmd_bench, "roof-irradiance": _cmd_roof_irradiance, "fetch-osm": _cmd_fetch_osm, "summary": _cmd_summary,
                "factsheet": _cmd_factsheet, "export": _cmd_export, "new-place": _cmd_new_place, "ledger": _cmd_ledger,
                "golden": _cmd_golden}
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C and SIGTERM unwind the same way (rollback, one honest line, 130 / 143) and are noted.
        signal.signal(signal.SIGTERM, _raise_on_sigterm)
        signal.signal(signal.SIGINT, _raise_on_sigterm)
    if args.debug:
        return _dispatch(commands, args)
    # Library warnings (numpy, pandas, pyogrio) are collected, not sprayed over the terminal: one
    # summary line after a successful command; on an error the error line stands alone.
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            code = _dispatch(commands, args)
            _ignore_signals()  # the command has finished: a late Ctrl-C/SIGTERM cannot change its outcome
    except KeyboardInterrupt as exc:  # arrived between the command's own handling and the line above
        interrupt = _as_interrupt(exc)
        print(interrupt.one_line(), file=sys.stderr)
        return interrupt.exit_code
    # Deprecation notices are for developers (they show with --debug); the rest is about the data.
    caught = [w for w in caught if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning,
                                                               FutureWarning))]
    if code == 0 and caught:
        first = caught[0]
        print(f"note: {len(caught)} warning(s) from the model, e.g. {first.category.__name__}: "
              f"{' '.join(str(first.message).split())[:120]} ({Path(first.filename).name}:{first.lineno}); "
              "rerun with --debug to see them", file=sys.stderr)
    return code


def _ignore_signals() -> None:
    """Ignore SIGINT/SIGTERM from now on (in the main thread; the command's work is done)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _dispatch(commands, args) -> int:
    """Run one command; turn every failure into one line and an exit code."""
    try:
        try:
            return commands[args.command](args)
        except Exception as exc:
            if RECEIVED:  # an interrupt a library turned into its own error
                raise _as_interrupt(exc) from None
            raise
    except InputError as exc:
        if args.debug:
            raise
        for line in exc.lines():
            print(f"error: {line}", file=sys.stderr)
        return 1
    except Interrupted as exc:
        print(exc.one_line(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(Interrupted(signal.SIGINT).one_line(), file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(f"error: {_one_line_os_error(exc)}", file=sys.stderr)
        return 1
    except MemoryError:
        print("error: out of memory — fix: check the inputs are the right files (see --debug)", file=sys.stderr)
        return 1
    except Exception as exc:  # unexpected: still one line unless --debug
        if args.debug:
            raise
        text = " ".join(str(exc).split())[:200]
        print(f"error: {type(exc).__name__}: {text} (rerun with --debug for the traceback)", file=sys.stderr)
        return 1
