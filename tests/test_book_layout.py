"""Every page at phone width (390 px) and desktop width (1,280 px) in headless Chromium, offline.

For each page and width: no horizontal page overflow, every chart drawn, no chart wider than
its container, and no chart title clipped (the rendered title text equals the spec's, with no
ellipsis; axis and legend titles and labels carry no ellipsis either). Uses the session's one book build
and its one visit of every page at each width (``book_build.browse``, which ``test_book`` reads too).
``ENERGY_HOME_SCREENSHOTS=DIR`` also saves a full-page screenshot of every page at both widths into DIR
(to look at them).
"""

import pytest

from book_build import CHROMIUM, CHROMIUM_ARGS, MEASURE, WIDTHS, browse, built_book, pages, require_chromium, serve

#: Pixels of tolerance for sub-pixel rounding.
SLACK = 1.5

@pytest.fixture(scope="session")
def book_html(tmp_path_factory, camden_store):
    return built_book(tmp_path_factory.mktemp("book-build"), camden_store)


@pytest.fixture(scope="session")
def server(book_html):
    return serve(book_html)


@pytest.fixture(scope="session")
def visits(server, book_html, tmp_path_factory):
    require_chromium()
    return browse(book_html, server, tmp_path_factory.mktemp("browse"))


def test_pages_fit_phone_and_desktop(visits, book_html):
    problems, seen_charts = [], 0
    for width_name in WIDTHS:
        for name in pages(book_html):
            record = visits["visits"][(name, width_name)]
            m = record["measure"]
            where = f"{name} @ {width_name}"
            problems += [f"{where}: {p}" for p in record["problems"]]
            if m["pageWidth"] > m["viewport"] + SLACK or m["wide"]:
                problems.append(f"{where}: page is {m['pageWidth']} px wide in a {m['viewport']} px window; "
                                f"sticking out: {'; '.join(m['wide'][:3])}")
            for c in m["charts"]:
                seen_charts += 1
                if not c["drawn"]:
                    problems.append(f"{where}: chart {c['id']} not drawn")
                elif c["chartWidth"] > c["boxWidth"] + SLACK:
                    problems.append(f"{where}: chart {c['id']} is {c['chartWidth']:.0f} px in a "
                                    f"{c['boxWidth']:.0f} px container")
                if c["specTitle"] and c["renderedTitle"] != c["specTitle"]:
                    problems.append(f"{where}: chart {c['id']} title clipped: {c['renderedTitle']!r}")
                if c["clipped"]:
                    problems.append(f"{where}: chart {c['id']} clipped titles {c['clipped'][:2]}")
    assert seen_charts > 0, "no chart found on any page"
    left = visits["outside"]
    assert not left, f"requests left localhost: {left[:5]}"
    assert not problems, "\n".join(problems[:40])


def test_layout_checks_catch_overflow_and_clipped_titles():
    """The measurements above can fail: a crafted page with each fault."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    page_html = """<html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
    <body style="margin:0"><article>
      <p>fits</p><div id="wide" style="width:600px">too wide for a phone</div>
      <div class="table-scroll" style="overflow-x:auto"><table style="width:900px"><tr><td>scrolls in its box</td>
      </tr></table></div>
      <div id="vis-x" class="vega-chart" style="width:300px"><svg width="500" height="100">
        <g class="role-title-text"><text>A long title…</text></g>
        <g class="role-axis-title"><text x="480" y="50">cut off at the edge of the chart</text></g></svg></div>
    </article><script>window.vegaSpecs = {"vis-x": {"title": ["A long title", "in two lines"]}};</script>
    </body></html>"""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(**WIDTHS["phone"]).new_page()
        page.set_content(page_html)
        m = page.evaluate(MEASURE, 390)
        browser.close()
    assert any("too wide" in w for w in m["wide"]) and not any("scrolls" in w for w in m["wide"])
    (chart,) = m["charts"]
    assert chart["drawn"] and chart["chartWidth"] > chart["boxWidth"] + SLACK
    assert chart["renderedTitle"] != chart["specTitle"] and "A long title…" in chart["clipped"]
    assert "cut off at the edge of the chart" in chart["clipped"]
