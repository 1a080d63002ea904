"""Findings driven by data: direction words, formats, and findings read from a real store."""

import duckdb
import pandas as pd
import pytest

from analysis import findings as F


# ---- formats ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kwargs, text", [
    (-2, {}, "−£2"), (2, {"signed": True}, "+£2"), (-0.4, {}, "£0"), (1234.6, {}, "£1,235"),
    (-8.25, {"decimals": 1}, "−£8.2"), (float("nan"), {}, "n/a"),
])
def test_gbp_true_minus_and_no_negative_zero(value, kwargs, text):
    assert F.gbp(value, **kwargs) == text


def test_ranges_counts_and_percentages():
    assert F.gbp_range(-8.3, -0.2) == "−£8 to £0"
    assert F.gbp_range(5, -3) == "−£3 to £5"  # low first, whatever the order given
    assert F.num_range(195.4, 549.5, unit="GWh") == "195–550\u00a0GWh"
    assert F.num_range(-3, 5) == "−3 to 5"
    assert F.num(-0.004, 2) == "0.00" and F.num(-1234.5) == "−1,234" and F.num(3, signed=True) == "+3"
    assert F.pct(0.354) == "35\u00a0%" and F.pct_range(0.45, 0.5) == "45–50\u00a0%"
    assert F.count(1, "contiguous zone") == "1 contiguous zone"
    assert F.count(3, "contiguous zone") == "3 contiguous zones"
    assert F.count(2, "party", "parties") == "2 parties" and F.count(0, "zone") == "0 zones"
    assert F.gbp_compact(2.34e6) == "£2.3 million" and F.gbp_compact(-350_000) == "−£350,000"


# ---- words and their thresholds ---------------------------------------------------------------

def test_more_or_less_with_its_tolerance():
    assert F.more_or_less(110, 100) == "more" and F.more_or_less(90, 100) == "less"
    assert F.more_or_less(104, 100) == "about as much"  # within 5 % of the larger
    assert F.more_or_less(0.4, -0.6, abs_tol=F.MONEY_TOL) == "about as much"  # pennies are not a difference
    assert F.higher_or_lower(0, 0) == "about the same"
    assert F.more_or_less(350, 337, words=F.THAN) == "about as much as"
    with pytest.raises(ValueError):
        F.more_or_less(float("nan"), 1)


def test_wider_or_narrower_compares_absolute_gaps():
    assert F.wider_or_narrower(-30, 10) == "wider"  # a gap of −£30 is wider than one of £10
    assert F.wider_or_narrower(10, -30) == "narrower"
    assert F.wider_or_narrower(10.2, 10) == "about as wide"


def test_progressivity_words_follow_the_sign_conventions():
    assert F.gain_progressivity(0.3) == "regressive"      # gains lean to richer households
    assert F.gain_progressivity(-0.3) == "progressive"
    assert F.gain_progressivity(0.01) == "evenly spread"
    assert F.cost_progressivity(0.2) == "progressive"     # Suits > 0: costs rise faster than income
    assert F.cost_progressivity(-0.2) == "regressive"
    assert F.cost_progressivity(0.0) == "proportional"


def test_robustness_and_share_words():
    assert F.robustness(0.95) == "robust" and F.robustness(0.9) == "robust" and F.robustness(0.6) == "fragile"
    assert F.share_words(0.30) == "fewer than half" and F.share_words(0.52) == "about half"
    assert F.share_words(0.7) == "more than half"


# ---- findings from a store ------------------------------------------------------------------

@pytest.fixture(scope="module")
def con(camden_store):
    from analysis import store

    c = store.connect(camden_store, read_only=True)
    yield c
    c.close()


def test_key_findings_from_the_camden_store(con):
    key, pending = F.key_findings(con)
    keys = {f.key for f in key}
    assert {"pv_potential", "roof_owners", "homes_under_others_roofs", "heat_and_district"} <= keys
    assert 5 <= len(F.KEY_FINDINGS) <= 7  # five to seven quotable findings
    assert len(key) + len(pending) == len(F.KEY_FINDINGS)
    pv = next(f for f in key if f.key == "pv_potential")
    gwh = con.execute("SELECT sum(kwh_central)/1e6 FROM area_potential").fetchone()[0]
    assert pv.values["gwh"] == pytest.approx(gwh)
    assert F.num(gwh) in pv.sentence  # the sentence carries the store's number
    lo, hi = pv.ranges["gwh"]
    assert lo <= gwh <= hi
    for f in key:
        assert f.chapter and f.sentence and "-£" not in f.sentence and "£-" not in f.sentence
        assert not any(w in f.sentence for w in (" 1 zones", "zone(s)", "−0 ", "−£0"))


def test_roof_owner_word_follows_the_data(con):
    f = F.roof_owners(con)
    expected = F.more_or_less(f.values["owner_occupier_capacity_share"], f.values["owner_occupier_home_share"],
                              words=F.THAN)
    assert f"**{expected}**" in f.sentence


def test_evidence_checks_report_what_they_could_not_run(con):
    found, clear, pending = F.evidence_against(con)
    assert len(found) + len(clear) + len(pending) >= len(F.EVIDENCE_CHECKS)
    for p in pending:
        assert p.reason


def _toy_store(summary_rows, robustness_rows=()):
    c = duckdb.connect()
    c.register("s", pd.DataFrame(summary_rows))
    c.execute("CREATE TABLE scenario_summary AS SELECT * FROM s")
    rob = pd.DataFrame(list(robustness_rows), columns=["scenario", "metric", "kind", "central", "low", "high",
                                                        "share_same_sign"])
    c.register("r", rob)
    c.execute("CREATE TABLE scenario_robustness AS SELECT * FROM r")
    return c


def _row(scenario, mwp, net, gap, conc):
    return {"scenario": scenario, "installed_mwp": mwp, "net_per_household": net, "bottom_decile_net": net - gap / 2,
            "top_decile_net": net + gap / 2, "top_minus_bottom_gbp": gap, "concentration_benefit_deciles": conc}


def test_evidence_mechanism_flags_sign_flips_wider_gaps_and_concentration():
    rows = [_row("market", 20, 1, 2, 0.5), _row("public", 200, 50, 0, 0.0), _row("coop", 100, 5, 3, 0.2),
            _row("market@all_roofs", 400, 40, 10, 0.1), _row("public@all_roofs", 400, 30, -25, 0.01),
            _row("coop@all_roofs", 400, 45, 5, 0.3)]
    rob = [("public@all_roofs", "net_per_household", "level", 30, -20, 90, 0.6),   # crosses zero, fragile
           ("coop", "net_per_household", "level", 5, 1, 9, 1.0)]                  # holds: not listed
    c = _toy_store(rows, rob)
    flips = F.sign_flips(c)
    assert [f.key for f in flips] == ["sign_flip_equal_public"] and "**fragile**" in flips[0].sentence
    assert "−£20 to £90" in flips[0].sentence
    gaps = F.wider_gaps(c)
    assert [f.key for f in gaps] == ["wider_gap_equal_public"] and "**wider**" in gaps[0].sentence
    conc = {f.key for f in F.concentrated_gains(c)}
    assert conc == {"concentrated_coop", "concentrated_equal_coop"}
    short = F.equal_capacity_short(c)
    assert short and "**less than**" in short[0].sentence  # public at equal scale leaves less than the market
    # flip the data: public now beats the market and the gap narrows — the words follow
    rows[4] = _row("public@all_roofs", 400, 80, 2, 0.01)
    c2 = _toy_store(rows, rob)
    assert F.wider_gaps(c2) == []
    assert "**more than**" in F.equal_capacity(c2).sentence


def test_missing_economics_tables_are_pending_not_silent():
    c = duckdb.connect()
    with pytest.raises(F.Unavailable, match="scenario_summary"):
        F.who_gains_market(c)
    found, clear, pending = F.evidence_against(c)
    assert not found and len(pending) == len(F.EVIDENCE_CHECKS)
    assert F.pending_markdown(pending).count("not in this build") == len(pending)


def test_book_glue_helpers_format_like_the_findings(monkeypatch):
    from analysis import book

    glued = {}
    monkeypatch.setattr("myst_nb.glue", lambda name, value, display=False: glued.__setitem__(name, value))
    assert book.glue_gbp("a", -2.2) == "−£2" and glued["a"] == "−£2"
    assert book.glue_range("b", -8.3, -0.2) == "−£8 to £0"
    assert book.glue_range("c", 0.45, 0.5, kind="pct") == "45–50\u00a0%"
    assert book.glue_range("d", 195.4, 549.5, kind="num", unit="GWh") == "195–550\u00a0GWh"
