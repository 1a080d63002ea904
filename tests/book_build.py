"""One strict book build per test session, shared by ``test_book.py`` and ``test_book_layout.py``.

The build reads temporary stores and writes into a temporary folder — never the repository's
``build/`` or ``_build/``:

* Camden: the session's ``camden_store`` (``conftest.py``), passed as ``ENERGY_HOME_DB``;
* London (the appendix's scale run): the same config on a two-borough sample
  (``tests/data/london_sample/place.yml``, synthetic buildings, ~50,000) into a temporary
  ``ANALYSIS_BUILD_DIR`` — the whole of London takes minutes and belongs to ``make book``;
* ``jupyter-book build . -W -n --keep-going --path-output <tmp>`` (strict, as ``make book``).

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
#: Arguments for Debian's Chromium under Playwright (see /work/shared/BOOK_OFFLINE.md §6).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

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
    stores = tmp_root / "stores"
    env = os.environ | {"ENERGY_HOME_DB": str(camden_db), "ANALYSIS_BUILD_DIR": str(stores)}
    sample = ROOT / "tests" / "data" / "london_sample" / "place.yml"
    run = subprocess.run([sys.executable, "-m", "analysis", "run", "--place", str(sample), "--quiet"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=1800)
    if run.returncode != 0:
        _CACHE["error"] = f"London scale run failed: {run.stdout[-1500:]}{run.stderr[-1500:]}"
        raise AssertionError(_CACHE["error"])
    out = tmp_root / "book"
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
    """Abort every request of a browser context that leaves ``server``; return the list they are recorded in."""
    outside = []

    def route(r):
        if r.request.url.startswith(server) or r.request.url.startswith("data:"):
            return r.continue_()
        outside.append(r.request.url)
        return r.abort()

    context.route("**/*", route)
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
