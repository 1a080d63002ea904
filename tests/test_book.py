"""The book: strict build (into a temporary folder), then every page in headless Chromium (offline, charts drawn).

The build is shared with ``test_book_layout.py`` (``book_build.py``: one build per session).
"""

import re

import pytest

from book_build import CHROMIUM, CHROMIUM_ARGS, built_book, keep_offline, pages, require_chromium, serve

# Known noise of a stock Jupyter Book 1 build (BOOK_OFFLINE.md §5): the theme declares thebe's
# config twice and logs an empty theme mode once. Anything else is a real error.
ALLOWED_CONSOLE = ("Identifier 'THEBE_JS_URL' has already been declared", "Got invalid theme mode")
CHAPTERS = ("intro", "01_argument", "02_data_methods", "03_rooftop_pv", "04_heat", "05_ownership", "06_who_gains",
            "evidence", "07_toolkit", "downloads", "08_validation", "methods", "glossary", "references")


@pytest.fixture(scope="session")
def book_html(tmp_path_factory, camden_store):
    return built_book(tmp_path_factory.mktemp("book-build"), camden_store)


@pytest.fixture(scope="session")
def server(book_html):
    return serve(book_html)


def _text(path) -> str:
    return path.read_text(encoding="utf-8")


def test_book_has_every_chapter_and_glued_numbers(book_html, camden_store):
    from analysis import store

    names = pages(book_html)
    for stem in CHAPTERS:
        assert f"book/{stem}.html" in names
    text = _text(book_html / "book" / "03_rooftop_pv.html")
    con = store.connect(camden_store, read_only=True)
    synthetic = con.execute("SELECT bool_and(synthetic) FROM buildings").fetchone()[0]
    con.close()
    assert ("Synthetic buildings" in text) == bool(synthetic)  # the banner says so exactly when it is so
    assert "cdn.jsdelivr" not in text
    for name in names:
        assert "glue:text" not in _text(book_html / name), name  # every glued number resolved


def test_key_findings_page_reads_the_store(book_html, camden_store):
    from analysis import findings, store

    con = store.connect(camden_store, read_only=True)
    key, _ = findings.key_findings(con)
    con.close()
    assert len(key) >= 5
    page = _text(book_html / "book" / "intro.html")
    for f in key:  # each finding's lead and its first glued number appear on the page
        assert f.lead in page, f.key
    assert page.count('href="03_rooftop_pv.html"') >= 1 and 'href="evidence.html"' in page


def test_footer_version_date_and_attribution_on_every_page(book_html):
    from analysis import __version__

    for name in pages(book_html):
        text = _text(book_html / name)
        assert f"Version {__version__}" in text, name
        assert re.search(r"built \d{4}-\d{2}-\d{2}", text), name
        assert "© OpenStreetMap contributors" in text and "OGL v3" in text, name


def test_downloads_written_into_the_built_site(book_html):
    downloads = book_html / "downloads"
    page = _text(book_html / "book" / "downloads.html")
    links = re.findall(r"href=['\"]\.\./downloads/([^'\"]+)['\"]", page)
    assert {"areas.csv", "areas.parquet", "buildings.csv", "buildings.parquet"} <= set(links)
    for name in links:
        assert (downloads / name).is_file() and (downloads / name).stat().st_size > 0, name
    assert "ODbL" in (downloads / "README.txt").read_text() and "ODbL" in page


def test_references_complete_with_capitals(book_html):
    refs = _text(book_html / "book" / "references.html")
    for needle in ("Bringing Energy Home", "Socialist Green New Deal", "German central solar heating plants",
                   "TM46", "PVWatts", "U.S.", "Census 2021", "OpenStreetMap", "Solar PV cost data",
                   "Solar photovoltaics deployment"):
        assert needle.lower() in refs.lower(), needle
    for needle in ("PVWatts", "U.S.", "TM46", "Labour", "OpenStreetMap"):
        assert needle in refs, f"{needle} lost its capitals"


def test_every_page_in_chromium(server, book_html, tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    problems = []
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1100, "height": 900})
        outside = keep_offline(context, server)
        for name in pages(book_html):
            page = context.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            response = page.goto(f"{server}/{name}", wait_until="load")
            assert response.status == 200, name
            charts = page.locator(".vega-chart")
            n = charts.count()
            if n:
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.vega-chart')].every(c => c.querySelector('svg, canvas'))",
                    timeout=20000)
            errors = [e for e in errors if not any(a in e for a in ALLOWED_CONSOLE)]
            if errors:
                problems.append((name, errors[:3]))
            if name == "book/03_rooftop_pv.html":
                assert n >= 2
                paths = [charts.nth(i).locator("svg path").count() for i in range(n)]
                area_map = charts.nth(max(range(n), key=lambda i: paths[i]))
                area_map.scroll_into_view_if_needed()
                page.screenshot(path=str(tmp_path / "map.png"), full_page=False)
                assert (tmp_path / "map.png").stat().st_size > 10_000
                assert max(paths) >= 133  # a map with one shape per neighbourhood
            if name == "book/methods.html":  # equations typeset by the book's own MathJax
                page.wait_for_function("() => document.querySelectorAll('mjx-container svg').length > 5",
                                       timeout=20000)
            if name == "book/downloads.html":
                for href in page.locator("a.download").evaluate_all("els => els.map(e => e.href)"):
                    assert page.request.get(href).status == 200, href
            page.close()
        context.close()
    assert not outside, f"requests left localhost: {outside[:5]}"
    assert not problems, problems
