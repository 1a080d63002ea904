"""The book: strict build (into a temporary folder), then every page in headless Chromium (offline, charts drawn).

The build, and one visit of every page at phone and desktop width, are shared with ``test_book_layout.py``
(``book_build.py``: one build and one browse per session).
"""

import re

import pytest

from book_build import WIDTHS, browse, built_book, pages, require_chromium, serve
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
    lead, _ = findings.lead_findings(con)
    con.close()
    assert len(key) >= 5 and 3 <= len(lead) <= 7
    page = _text(book_html / "book" / "intro.html")
    for f in key + lead:  # each finding's lead appears on the page
        assert f.lead.replace("'", "’") in page or f.lead in page, f.key
    # the plain findings come first, under "Key findings"; the detailed ones after them
    detail = page.index('id="the-findings-in-detail"')  # the section's heading (its name is in the page's contents too)
    assert page.index(lead[0].lead.replace("'", "’")[:40]) < detail < page.index(key[0].lead, detail)
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


@pytest.fixture(scope="session")
def visits(server, book_html, tmp_path_factory):
    require_chromium()
    return browse(book_html, server, tmp_path_factory.mktemp("browse"))


def test_every_page_in_chromium(visits, book_html):
    """Every page loads (200) with no console error at either width, its charts drawn; the area map has one
    shape per neighbourhood, equations are typeset, every download link answers, nothing leaves the server."""
    problems = []
    for width_name in WIDTHS:
        for name in pages(book_html):
            record = visits["visits"][(name, width_name)]
            assert record["status"] == 200, (name, width_name)
            if record["errors"] or record["problems"]:
                problems.append((name, width_name, (record["errors"] + record["problems"])[:3]))
    desktop = {name: visits["visits"][(name, "desktop")] for name in pages(book_html)}
    pv = desktop["book/03_rooftop_pv.html"]
    assert pv["charts"] >= 2
    assert pv["map_png_bytes"] > 10_000
    assert max(pv["chart_paths"]) >= 133  # a map with one shape per neighbourhood
    assert desktop["book/methods.html"]["mathjax_svgs"] > 5  # equations typeset by the book's own MathJax
    downloads = desktop["book/downloads.html"]["downloads"]
    assert downloads and all(status == 200 for status in downloads.values()), downloads
    outside = visits["outside"]
    assert not outside, f"requests left localhost: {outside[:5]}"
    assert not problems, problems


def test_one_colour_per_owner_model_and_tenure_across_the_book(book_html):
    """Every chart that names an owner type, an ownership model or a tenure gives it the same colour
    (charts.PALETTE): an owner type once changed colour between charts."""
    import json

    from analysis import charts

    seen: dict = {}
    scales = 0
    for name in pages(book_html):
        html = (book_html / name).read_text(encoding="utf-8")
        for payload in re.findall(r"var spec=(\{.*?\});window\.vegaSpecs", html):
            spec = json.loads(payload.replace("<\\/", "</"))

            def walk(node):
                nonlocal scales
                if isinstance(node, dict):
                    scale = node.get("scale") if isinstance(node.get("scale"), dict) else None
                    if scale and isinstance(scale.get("domain"), list) and isinstance(scale.get("range"), list) \
                            and all(isinstance(c, str) and c.startswith("#") for c in scale["range"]):
                        scales += 1
                        for value, colour in zip(scale["domain"], scale["range"]):
                            seen.setdefault(value, set()).add(colour)
                    for v in node.values():
                        walk(v)
                elif isinstance(node, list):
                    for v in node:
                        walk(v)
            walk(spec)
    assert scales >= 5  # the palette is in use, not only defined
    clashes = {value: colours for value, colours in seen.items() if len(colours) > 1}
    assert not clashes, clashes
    for value, colours in seen.items():
        expected = charts.colour_of(value)
        assert expected is None or colours == {expected}, (value, colours, expected)


def test_one_household_total_across_the_book(book_html, camden_store):
    """The households placed on buildings are the book's one total: no page prints another count within 1 %
    of it, except the census tenure table's own total on the data page, where the difference is explained."""
    from analysis import store

    con = store.connect(camden_store, read_only=True)
    placed, ts054 = con.execute("SELECT (SELECT sum(dwellings) FROM buildings), (SELECT sum(households) FROM areas)"
                                ).fetchone()
    con.close()
    text = {name: re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", _text(book_html / name), flags=re.S))
            for name in pages(book_html)}
    seen = 0
    for name, page in text.items():
        for match in re.finditer(r"(?<![\d,.])(\d{1,3}(?:,\d{3})+|\d{4,})(?![\d,.])", page):
            value = float(match.group(1).replace(",", ""))
            if abs(value - placed) > 0.01 * placed or value == round(placed) or value == round(placed, -3):
                seen += value == round(placed)
                continue
            assert value == round(ts054) and name == "book/02_data_methods.html", \
                (name, match.group(1), page[max(0, match.start() - 80):match.end() + 40])
    assert seen >= 2  # the intro and the data page at least
