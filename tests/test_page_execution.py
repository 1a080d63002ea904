"""The book's pages executed in parallel into Jupyter Book's cache (``analysis.book.execute_pages``)."""

import pytest

from analysis import book

PAGE = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

# {title}

```{{code-cell}} ipython3
{code}
```
"""


@pytest.mark.slow
def test_pages_run_once_failures_left_to_the_build(tmp_path):
    from jupyter_cache import get_cache
    from myst_nb.core.read import read_myst_markdown_notebook

    (tmp_path / "book").mkdir()
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/good\nparts:\n  - chapters:\n"
                                       "      - file: book/bad\n      - file: book/text\n")
    (tmp_path / "book" / "good.md").write_text(PAGE.format(title="Good", code="print(6 * 7)"))
    (tmp_path / "book" / "bad.md").write_text(PAGE.format(title="Bad", code="raise ValueError('no store')"))
    (tmp_path / "book" / "text.md").write_text("# Only words\n")
    out = tmp_path / "out"

    first = book.execute_pages(tmp_path, output=out, jobs=2)
    assert (first["executed"], first["failed"], first["cached"]) == (["good"], ["bad"], [])
    # What Jupyter Book looks up: the page as myst-nb reads it matches the stored, executed notebook.
    cache = get_cache(str(out / "_build" / ".jupyter_cache"))
    page = read_myst_markdown_notebook((tmp_path / "book" / "good.md").read_text(), add_source_map=True)
    stored = cache.get_cache_bundle(cache.match_cache_notebook(page).pk).nb
    assert stored.cells[-1].outputs[0]["text"].strip() == "42"

    again = book.execute_pages(tmp_path, output=out, jobs=2)
    assert (again["executed"], again["cached"], again["failed"]) == ([], ["good"], ["bad"])
    (tmp_path / "book" / "good.md").write_text(PAGE.format(title="Good", code="print(6 * 9)"))
    assert book.execute_pages(tmp_path, output=out, jobs=2)["executed"] == ["good"]  # changed code runs again
