"""Every page at phone width (390 px) and desktop width (1,280 px) in headless Chromium, offline.

For each page and width: no horizontal page overflow, every chart drawn, no chart wider than
its container, and no chart title clipped (the rendered title text equals the spec's, with no
ellipsis; axis and legend titles and labels carry no ellipsis either). Uses the session's one book build
(``book_build.py``). ``ENERGY_HOME_SCREENSHOTS=DIR`` also saves a full-page screenshot of every
page at both widths into DIR (to look at them).
"""

import os
from pathlib import Path

import pytest

from book_build import CHROMIUM, CHROMIUM_ARGS, built_book, keep_offline, pages, require_chromium, serve

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


@pytest.fixture(scope="session")
def book_html(tmp_path_factory, camden_store):
    return built_book(tmp_path_factory.mktemp("book-build"), camden_store)


@pytest.fixture(scope="session")
def server(book_html):
    return serve(book_html)


def test_pages_fit_phone_and_desktop(server, book_html):
    require_chromium()
    from playwright.sync_api import sync_playwright

    shots = os.environ.get("ENERGY_HOME_SCREENSHOTS")
    problems, outside, seen_charts = [], [], 0
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        for width_name, options in WIDTHS.items():
            context = browser.new_context(**options)
            outside.append(keep_offline(context, server))  # filled while pages load
            for name in pages(book_html):
                page = context.new_page()
                page.goto(f"{server}/{name}", wait_until="load")
                if page.locator(".vega-chart").count():
                    page.wait_for_function("() => [...document.querySelectorAll('.vega-chart')]"
                                           ".every(c => c.querySelector('svg, canvas'))", timeout=20000)
                if page.evaluate("() => !!window.MathJax"):  # equations typeset asynchronously: wait for them
                    page.wait_for_function("() => window.MathJax.startup && window.MathJax.startup.promise",
                                           timeout=20000)
                    page.evaluate("() => window.MathJax.startup.promise")
                page.wait_for_timeout(150)  # container-width charts resize once after the first draw
                m = page.evaluate(MEASURE, options["viewport"]["width"])
                where = f"{name} @ {width_name}"
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
                if shots:
                    Path(shots).mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(Path(shots) / f"{Path(name).stem}-{width_name}.png"), full_page=True)
                page.close()
            context.close()
        browser.close()
    assert seen_charts > 0, "no chart found on any page"
    left = [url for urls in outside for url in urls]
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
