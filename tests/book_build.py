"""One strict book build per test session, shared by ``test_book.py`` and ``test_book_layout.py``.

The build reads temporary stores and writes into a temporary folder — never the repository's
``build/`` or ``_build/``:

* Camden: the session's ``camden_store`` (``conftest.py``), passed as ``ENERGY_HOME_DB``;
* London (the appendix's scale run): the same config on a two-borough sample
  (``tests/data/london_sample/place.yml``, synthetic buildings, ~50,000) into a temporary store,
  passed as ``ENERGY_HOME_DB_LONDON`` — the whole of London takes minutes and belongs to ``make book``;
* the pages executed in parallel into the build's cache (:func:`analysis.book.execute_pages`), then
  ``jupyter-book build . -W -n --keep-going --path-output <tmp>`` (strict, as ``make book``).

Both test modules call :func:`built_book` from a session fixture; the result (or the failure)
is cached here, so the book is built once however many modules use it.

Developer shortcut (never set in CI): ``ENERGY_HOME_TEST_BOOK_HTML=/path/_build/html`` reuses an
existing build instead of building one.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Arguments for Debian's Chromium under Playwright (see /work/shared/BOOK_OFFLINE.md §6). No host
#: name resolves but 127.0.0.1 (the test server), so nothing can be fetched from outside; requests
#: are still recorded (:func:`keep_offline`) and the tests fail on any that leave the server.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]

_CACHE: dict = {}


def built_book(tmp_root: Path, camden_db: Path) -> Path:
    """Build the book once per session and return its ``html`` folder (raises the build's failure)."""
    if "html" in _CACHE:
        return _CACHE["html"]
    if "error" in _CACHE:
        raise AssertionError(_CACHE["error"])
    shortcut = os.environ.get("ENERGY_HOME_TEST_BOOK_HTML")
    if shortcut:
        _CACHE["html"] = Path(shortcut)
        return _CACHE["html"]
    # The London store by its own variable, so the run keeps the session's build folder and the
    # yield grid cached there by the Camden run (the same weather and settings: ~8 s not redone).
    london_db = tmp_root / "stores" / "london.duckdb"
    env = os.environ | {"ENERGY_HOME_DB": str(camden_db), "ENERGY_HOME_DB_LONDON": str(london_db)}
    sample = ROOT / "tests" / "data" / "london_sample" / "place.yml"
    run = subprocess.run([sys.executable, "-m", "analysis", "run", "--place", str(sample), "--db", str(london_db),
                          "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        _CACHE["error"] = f"London scale run failed: {run.stdout[-1500:]}{run.stderr[-1500:]}"
        raise AssertionError(_CACHE["error"])
    out = tmp_root / "book"
    # As `make book`: the pages are executed in parallel into the build's cache, then rendered.
    pre = subprocess.run([sys.executable, "-c", f"from analysis import book; print(book.execute_pages(output={str(out)!r}))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if pre.returncode != 0:
        _CACHE["error"] = f"executing the pages failed: {pre.stdout[-1500:]}{pre.stderr[-1500:]}"
        raise AssertionError(_CACHE["error"])
    jb = Path(sys.executable).parent / "jupyter-book"
    result = subprocess.run([str(jb), "build", str(ROOT), "-W", "-n", "--keep-going", "--path-output", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
    html = out / "_build" / "html"
    if result.returncode != 0 or not (html / "index.html").is_file():
        _CACHE["error"] = "strict book build failed:\n" + result.stdout[-4000:] + result.stderr[-2000:]
        raise AssertionError(_CACHE["error"])
    _CACHE["html"] = html
    return html


def serve(html: Path) -> str:
    """Serve ``html`` on 127.0.0.1 (once per session); return the base URL."""
    if "url" in _CACHE:
        return _CACHE["url"]
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # no access log in the test output
            pass

    handler = functools.partial(Quiet, directory=str(html))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _CACHE["url"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    return _CACHE["url"]


def keep_offline(context, server: str) -> list:
    """Record every request of a browser context that leaves ``server``; return the list they are recorded in.

    Such requests cannot reach anything (:data:`CHROMIUM_ARGS` resolves no host but 127.0.0.1). They
    are watched, not intercepted: Playwright turns the browser's HTTP cache off in a context with
    routes, and every page would then fetch the book's ~3 MB of scripts and fonts again.
    """
    outside = []

    def seen(request):
        if not (request.url.startswith(server) or request.url.startswith("data:")):
            outside.append(request.url)

    context.on("request", seen)
    return outside


def pages(html_root: Path) -> list[str]:
    """Every chapter page of the built book (``book/*.html``), relative to the html root."""
    return sorted(p.relative_to(html_root).as_posix() for p in (html_root / "book").glob("*.html"))


def require_chromium() -> None:
    """Skip without Chromium on a developer's machine; with ``CI=true`` a missing browser fails the run."""
    import pytest

    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but Chromium is missing at {CHROMIUM}: the browser tests must run in CI")
    pytest.skip("Debian chromium not installed (.ci/run installs it)")


#: The widths every page is looked at (``test_book_layout``; ``test_book`` reads the same visits).
WIDTHS = {"phone": dict(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                        has_touch=True),
          "desktop": dict(viewport={"width": 1280, "height": 900})}
#: Pixels of tolerance for sub-pixel rounding.
SLACK = 1.5

MEASURE = """(limit) => {
  const doc = document.documentElement;
  // `limit` is the device width: a phone widens its layout viewport (window.innerWidth) to fit
  // content that sticks out, so the window's own width cannot be the yardstick.
  const out = {pageWidth: Math.max(doc.scrollWidth, document.body.scrollWidth), viewport: limit,
               charts: [], wide: []};
  // Content sticking out to the right of the window, unless a box it sits in scrolls or clips on
  // purpose (tables, code, wide equations): the theme hides page overflow, so that content would
  // simply be cut off.
  const stop = document.querySelector('article') || document.body;  // the theme's own boxes above it do not count
  const scrolls = el => { for (let a = el.parentElement; a && a !== stop && a !== document.body; a = a.parentElement) {
      if (['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(a).overflowX)) return true; }
    return false; };
  for (const el of stop.querySelectorAll('*')) {
    if (el.closest('mjx-assistive-mml, .vega-actions, details:not([open]) > :not(summary)')) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0 && r.right > limit + 1.5 && !scrolls(el)) {
      out.wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ?
                    '.' + el.className.split(' ')[0] : '') + ' right=' + Math.round(r.right) + ' "' +
                    (el.textContent || '').trim().slice(0, 40) + '"');
      if (out.wide.length > 5) break;
    }
  }
  const norm = s => (s || '').replace(/\\s+/g, '');
  const flat = t => t == null ? [] : (typeof t === 'string' ? [t] : Array.isArray(t) ? t :
                                       (t.text != null ? flat(t.text) : []));
  for (const box of document.querySelectorAll('.vega-chart')) {
    const svg = box.querySelector('svg, canvas');
    const spec = (window.vegaSpecs || {})[box.id];
    const titles = [...box.querySelectorAll('.role-title-text')].map(t => t.textContent);
    const axisTitles = [...box.querySelectorAll('.role-axis-title, .role-legend-title, .role-axis-label, '
                                                + '.role-legend-label')].map(t => t.textContent);
    // Text drawn outside the chart's own SVG box is cut off by it (no ellipsis, but unreadable).
    const frame = svg ? svg.getBoundingClientRect() : null;
    const outside = frame ? [...box.querySelectorAll('.role-title-text text, .role-axis-title text, '
        + '.role-axis-label text, .role-legend-label text, .role-legend-title text')].filter(t => {
          const r = t.getBoundingClientRect();
          return r.width > 0 && (r.right > frame.right + 1.5 || r.left < frame.left - 1.5 || r.top < frame.top - 1.5
                                 || r.bottom > frame.bottom + 1.5); }).map(t => t.textContent) : [];
    out.charts.push({
      id: box.id,
      drawn: !!svg && svg.getBoundingClientRect().width > 0 && svg.getBoundingClientRect().height > 0,
      chartWidth: svg ? svg.getBoundingClientRect().width : 0,
      boxWidth: box.getBoundingClientRect().width,
      specTitle: spec ? norm(flat(spec.title).join('')) : null,
      renderedTitle: titles.length ? norm(titles[0]) : '',
      clipped: titles.concat(axisTitles).filter(t => t.includes('…')).concat(outside),
    });
  }
  return out;
}"""


#: Known noise of a stock Jupyter Book 1 build (BOOK_OFFLINE.md §5): the theme declares thebe's
#: config twice and logs an empty theme mode once. Anything else is a real error.
ALLOWED_CONSOLE = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")
CHART_TIMEOUT_MS = 20000
#: Pages loading at once in :func:`browse` (Chromium renders them side by side).
PAGES_AT_ONCE = 3


def browse(html_root: Path, server: str, shots_dir: Path) -> dict:
    """Load every page once at each of :data:`WIDTHS` in headless Chromium and record what the book
    tests check (once per session; both test modules assert on the records).

    Per page and width: the HTTP status, console errors (less :data:`ALLOWED_CONSOLE`), the layout
    measurements (:data:`MEASURE`, after the charts are drawn and MathJax has typeset), and
    ``problems`` met on the way (a chart or equation that did not appear in time). At desktop width
    also: the rooftop-PV page's charts and a screenshot of its area map, the methods page's typeset
    equations, and the status of every download link. ``outside``: requests that left the server.
    ``ENERGY_HOME_SCREENSHOTS=DIR`` also saves a full-page screenshot of every page at both widths.
    """
    if "visits" in _CACHE:
        return _CACHE["visits"]
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("ENERGY_HOME_SCREENSHOTS")
    visits, outside = {}, []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width_name, options in WIDTHS.items():
            context = browser.new_context(**options)
            outside.append(keep_offline(context, server))  # filled while pages load
            names = pages(html_root)
            # A few pages load at once (Chromium renders them side by side while we measure the first):
            # 3 at a time took 30 s for the whole book against 46 s one by one.
            for start in range(0, len(names), PAGES_AT_ONCE):
                opened = []
                for name in names[start:start + PAGES_AT_ONCE]:
                    page = context.new_page()
                    record = {"errors": [], "problems": []}
                    page.on("console", lambda m, r=record: r["errors"].append(m.text) if m.type == "error" else None)
                    page.on("pageerror", lambda e, r=record: r["errors"].append(str(e)))
                    response = page.goto(f"{server}/{name}", wait_until="commit")
                    record["status"] = response.status if response else None
                    opened.append((name, page, record))
                for name, page, record in opened:
                    page.wait_for_load_state("load")
                    visits[(name, width_name)] = _inspect(page, name, width_name, options, record, shots_dir, shots)
            context.close()
        browser.close()
    _CACHE["visits"] = {"visits": visits, "outside": [url for urls in outside for url in urls]}
    return _CACHE["visits"]


def _inspect(page, name: str, width_name: str, options: dict, record: dict, shots_dir: Path, shots) -> dict:
    """What the book tests check on one loaded page (see :func:`browse`); closes the page."""
    from playwright.sync_api import Error as PlaywrightError

    charts = page.locator(".vega-chart")
    record["charts"] = charts.count()
    try:
        if record["charts"]:
            page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')]"
                                   ".every(c => c.querySelector('svg, canvas'))", timeout=CHART_TIMEOUT_MS)
        if page.evaluate("() => !!window.MathJax"):  # equations typeset asynchronously: wait for them
            page.wait_for_function("() => window.MathJax.startup && window.MathJax.startup.promise",
                                   timeout=CHART_TIMEOUT_MS)
            page.evaluate("() => window.MathJax.startup.promise")
    except PlaywrightError as exc:
        record["problems"].append(f"charts or equations not drawn: {str(exc).splitlines()[0]}")
    # Container-width charts resize once after the first draw: wait until every chart's width is the
    # same over two animation frames (a condition, not a fixed sleep).
    page.wait_for_function("""() => new Promise(done => {
        const widths = () => [...document.querySelectorAll('.vega-chart svg')].map(s => s.getBoundingClientRect().width).join();
        const before = widths();
        requestAnimationFrame(() => requestAnimationFrame(() => done(widths() === before)));
    })""", timeout=CHART_TIMEOUT_MS)
    record["measure"] = page.evaluate(MEASURE, options["viewport"]["width"])
    if width_name == "desktop":
        record["mathjax_svgs"] = page.evaluate("() => document.querySelectorAll('mjx-container svg').length")
        if name == "book/03_rooftop_pv.html" and record["charts"]:
            paths = [charts.nth(i).locator("svg path").count() for i in range(record["charts"])]
            area_map = charts.nth(max(range(len(paths)), key=lambda i: paths[i]))
            area_map.scroll_into_view_if_needed()
            shot = shots_dir / "map.png"
            page.screenshot(path=str(shot), full_page=False)
            record["chart_paths"], record["map_png_bytes"] = paths, shot.stat().st_size
        if name == "book/downloads.html":
            record["downloads"] = {href: page.request.get(href).status for href in
                                   page.locator("a.download").evaluate_all("els => els.map(e => e.href)")}
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / f"{Path(name).stem}-{width_name}.png"), full_page=True)
    page.close()
    record["errors"] = [e for e in record["errors"] if not any(a in e for a in ALLOWED_CONSOLE)]
    return record
