"""Camden's headline values against the pinned ones: a change in any of them is a change in the book.

When a change is meant, rerun Camden and ``python -m analysis golden --update``, and explain the
printed differences in the commit message.
"""

import duckdb
import pytest

from analysis import golden


@pytest.mark.slow  # reads the Camden store the pipeline fixture builds
def test_camden_headlines_match_the_pinned_values(camden_store):
    pinned = golden.load("camden")
    assert len(pinned) > 200  # potential, every scenario, framings, heat, existing panels
    con = duckdb.connect(str(camden_store), read_only=True)
    try:
        values = golden.headline_values(con)
    finally:
        con.close()
    diff = golden.differences(values, pinned)
    assert not diff, "headline values moved (rerun `python -m analysis golden --update` if meant):\n" + "\n".join(diff[:40])


def test_differences_catch_a_small_change_and_only_that():
    pinned = {"a": 100.0, "b": 0.0, "c": None}
    assert golden.differences({"a": 100.0, "b": 0.0, "c": None}, pinned) == []
    assert golden.differences({"a": 100.01, "b": 0.0, "c": None}, pinned) == ["a: 100 -> 100.01 (+0.01 %)"]
    assert golden.differences({"a": 100.0, "b": 1e-3, "c": None, "d": 1.0}, pinned) == [
        "b: 0 -> 0.001 (+inf %)", "d: new value 1.0 (not pinned)"]
