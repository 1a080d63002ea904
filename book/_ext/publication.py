"""Sphinx extension for the book as a publication: page footer and data downloads.

* **Footer** — every page shows the package version, the code version (commit) and the build
  date, and the data attribution ("Map data © OpenStreetMap contributors (ODbL); contains ONS
  data (OGL v3)"), through the theme's ``extra_footer``.
* **Downloads** — when the HTML build finishes, the per-area and per-building results, the key
  findings and the evidence checks are written to ``<html>/downloads/`` by
  :func:`analysis.book.write_downloads` (which calls :func:`analysis.exports.export`), so every
  build — ``make book`` or a test's temporary build — carries the files its
  ``downloads`` page links to. A failure is a Sphinx warning, which the strict build
  (``-W``) turns into an error: a book never links to files it does not have.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def _footer(app, config) -> None:
    from analysis import book

    options = dict(config.html_theme_options or {})
    options["extra_footer"] = book.footer_html()
    config.html_theme_options = options


def _downloads(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    from analysis import book

    out_dir = Path(app.outdir) / "downloads"
    try:
        written = book.write_downloads(out_dir)
    except Exception as exc:  # noqa: BLE001 — reported as a warning; -W makes the build fail
        logger.warning(f"data downloads not written to {out_dir}: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}")
        return
    logger.info(f"data downloads: {len(written)} files in {out_dir}")


def setup(app):
    app.connect("config-inited", _footer)
    app.connect("build-finished", _downloads)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
