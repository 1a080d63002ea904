"""Findings driven by data: direction words, formats, and findings read from a real store."""

import re

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


def test_wider_or_narrower_reports_a_reversal_before_comparing_sizes():
    # the market's gap −£24.5 (the poorest gain more) against public +£10.9 (the richest gain more): a reversal
    assert F.wider_or_narrower(10.9, -24.5, abs_tol=F.MONEY_TOL) == "reversed"
    assert F.wider_or_narrower(21.2, -24.5) == "reversed"
    assert F.wider_or_narrower(-30, -10) == "wider" and F.wider_or_narrower(10, 30) == "narrower"
    assert F.wider_or_narrower(10.2, 10) == "about as wide"
    assert F.wider_or_narrower(0.4, -20, abs_tol=F.MONEY_TOL) == "narrower"  # pennies do not point anywhere
    assert F.wider_or_narrower(-30, 10, words=("wider", "narrower", "about as wide")) == "wider"  # sizes only
    assert F.gap_side(10.9) == "the richest tenth gains more" and F.gap_side(-24.5) == "the poorest tenth gains more"
    assert F.gap_side(0.2, abs_tol=1).startswith("the richest and the poorest")


def test_signed_numbers_use_a_true_minus_sign():
    assert F.num_sig(-0.000356) == "−0.00036" and F.num_sig(0.2667, signed=True) == "+0.27"
    assert F.num_sig(-0.1277, signed=True) == "−0.13" and F.num_sig(0) == "0"
    assert "-" not in F.num_sig(-3.6e-7) and "e" not in F.num_sig(-3.6e-7)
    assert F.gbp_auto(-0.378) == "−£0.38" and F.gbp_auto(64.2) == "£64" and F.gbp_auto(-703.6) == "−£704"
    assert F.gbp_auto_range(-2.39, -0.13) == "−£2 to −£0.13" and F.gbp_auto(8.47) == "£8" and F.gbp_auto_range(-104, 95) == "−£104 to £95"
    assert F.pct_range(0.331, 0.334) == "33\u00a0%"  # both ends round alike: one number, not "33–33 %"
    assert F.ordinal(5) == "5th" and F.ordinal(95) == "95th" and F.ordinal(22) == "22nd" and F.ordinal(11) == "11th"


def test_munich_words_follow_their_stated_thresholds():
    assert F.munich_carries_over(F.MUNICH_HALVING_RATIO) == "carries over"
    assert F.munich_carries_over((F.MUNICH_HALVING_RATIO + F.MUNICH_PART_RATIO) / 2) == "carries over in part"
    assert F.munich_carries_over(1.62) == "does not carry over"
    assert F.sign_choice(-703, "save", "lose", "neither", F.MONEY_TOL) == "lose"
    assert F.sign_choice(0.4, "save", "lose", "neither", F.MONEY_TOL) == "neither"


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
    assert {"pv_potential", "roofs_and_homes", "heat_and_district"} <= keys
    assert 5 <= len(F.KEY_FINDINGS) <= 7  # five to seven quotable findings
    assert {"policy_framings", "heat_and_district"} <= {func.__name__ for func, _ in F.KEY_FINDINGS}
    for f in key:  # every finding carries its range, or says why it has none
        assert f.ranges or f.basis, f.key
    assert len(key) + len(pending) == len(F.KEY_FINDINGS)
    pv = next(f for f in key if f.key == "pv_potential")
    gwh = con.execute("SELECT sum(kwh_central)/1e6 FROM area_potential").fetchone()[0]
    assert pv.values["gwh"] == pytest.approx(gwh)
    assert F.num(gwh) in pv.sentence  # the sentence carries the store's number
    lo, hi = pv.ranges["gwh"]
    assert lo <= gwh <= hi
    for f in key:
        assert f.chapter and f.sentence and "-£" not in f.sentence and "£-" not in f.sentence
        assert not any(w in f.sentence for w in (" 1 zones", "zone(s)", "−0 "))
        assert not re.search(r"−£?0(?![.,\d])", f.sentence), f.sentence  # no negative zero (−£0.38 is fine)


def _toy_roofs(rows):
    """An in-memory store with ``buildings`` and ``building_potential`` from
    ``(building_id, roof_owner, dwellings, owner_occupied, kwp)`` rows (low = 0.8, high = 1.2 × kwp)."""
    import duckdb

    c = duckdb.connect()
    c.execute("CREATE TABLE buildings (building_id VARCHAR, roof_owner VARCHAR, dwellings DOUBLE, dw_owner_occupied DOUBLE)")
    c.execute("CREATE TABLE building_potential (building_id VARCHAR, kwp_low DOUBLE, kwp_central DOUBLE, kwp_high DOUBLE)")
    for b, owner, dw, oo, kwp in rows:
        c.execute("INSERT INTO buildings VALUES (?, ?, ?, ?)", [b, owner, dw, oo])
        c.execute("INSERT INTO building_potential VALUES (?, ?, ?, ?)", [b, 0.8 * kwp, kwp, 1.2 * kwp])
    return c


def test_roof_owner_finding_on_a_toy_store_with_known_answers():
    """Known answers, not the finding's own values read back: owner-occupiers hold 10 of 100 kWp (10 %)
    and 6 of 10 homes (60 %) → "less than"; a business holds the largest share (70 %)."""
    c = _toy_roofs([("a", "owner_occupier", 6, 6, 10.0), ("b", "social_landlord", 4, 0, 20.0),
                    ("c", "commercial", 0, 0, 70.0)])
    f = F.roof_owners(c)
    assert f.values["owner_occupier_capacity_share"] == pytest.approx(0.10)
    assert f.values["owner_occupier_home_share"] == pytest.approx(0.60)
    assert "**less than** their 60\u00a0% share of homes" in f.sentence
    assert "**70\u00a0%**" in f.sentence and "owned by businesses" in f.sentence
    # Turned round: owner-occupiers hold 90 % of the capacity and 60 % of the homes → "more than".
    c = _toy_roofs([("a", "owner_occupier", 6, 6, 90.0), ("b", "social_landlord", 4, 0, 10.0)])
    assert "**more than** their 60\u00a0% share of homes" in F.roof_owners(c).sentence


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
            "top_decile_net": net + gap / 2, "top_minus_bottom": gap, "concentration_benefit_deciles": conc}


def test_evidence_mechanism_flags_sign_flips_wider_gaps_and_concentration():
    rows = [_row("market", 20, 1, 2, 0.5), _row("public", 200, 50, 0, 0.0), _row("coop", 100, 5, 3, 0.2),
            _row("market@worthwhile_roofs", 400, 40, 10, 0.1), _row("public@worthwhile_roofs", 400, 30, -25, 0.01),
            _row("coop@worthwhile_roofs", 400, 45, 5, 0.3)]
    rob = [("public@worthwhile_roofs", "net_per_household", "level", 30, -20, 90, 0.6),   # crosses zero, fragile
           ("coop", "net_per_household", "level", 5, 1, 9, 1.0)]                  # holds: not listed
    c = _toy_store(rows, rob)
    flips = F.sign_flips(c)
    assert [f.key for f in flips] == ["sign_flip_equal_public"] and "**fragile**" in flips[0].sentence
    assert "−£20 to £90" in flips[0].sentence
    # market +£10 (richest gain more), public −£25 (poorest gain more): a reversal the argument expects, not listed
    assert F.wider_gaps(c) == []
    rows_r = [dict(r) for r in rows]
    rows_r[3] = _row("market@worthwhile_roofs", 400, 40, -10, 0.1)   # the market favours the poorest,
    rows_r[4] = _row("public@worthwhile_roofs", 400, 30, 25, 0.01)   # public ownership the richest: listed
    rows_r[5] = _row("coop@worthwhile_roofs", 400, 45, -10, 0.3)     # the co-op as the market: not listed
    gaps = F.wider_gaps(_toy_store(rows_r, rob))
    assert [f.key for f in gaps] == ["wider_gap_equal_public"] and "**reverses**" in gaps[0].sentence
    assert "the richest tenth gains more" in gaps[0].sentence and "£25" in gaps[0].sentence
    rows_w = [dict(r) for r in rows]
    rows_w[4] = _row("public@worthwhile_roofs", 400, 30, 25, 0.01)   # same direction, wider: "wider"
    assert "**wider**" in F.wider_gaps(_toy_store(rows_w, rob))[0].sentence
    conc = {f.key for f in F.concentrated_gains(c)}
    assert conc == {"concentrated_coop", "concentrated_equal_coop"}
    short = F.equal_capacity_short(c)
    assert short and "**less than**" in short[0].sentence  # public at equal scale leaves less than the market
    # flip the data: public now beats the market and the gap narrows — the words follow
    rows[4] = _row("public@worthwhile_roofs", 400, 80, 2, 0.01)
    c2 = _toy_store(rows, rob)
    assert F.wider_gaps(c2) == []
    assert "**more than**" in F.equal_capacity(c2).sentence


def test_evidence_reports_heat_losses_batteries_and_framing_gaps_from_the_data(con):
    heat = con.execute("SELECT model, saving_per_connected_household s, households_connected h FROM heat_ownership "
                       "WHERE scale = 'borough'").df().set_index("model")
    found = F.heat_ownership_losing(con)
    loses = heat.loc["council", "h"] > 0 and heat.loc["council", "s"] < -F.MONEY_TOL
    assert bool(found) == bool(loses)
    if found:
        assert F.gbp_auto(heat.loc["council", "s"]) in found[0].sentence and "**lose money**" in found[0].sentence
        assert found[0].values["munich"] == F.munich_carries_over(found[0].values["bill_ratio"])
    framings = con.execute("SELECT framing, generation FROM policy_framings").df()
    batteries = F.battery_assumption(con)
    assert bool(batteries) == bool((framings.generation == "market_batteries").any())
    if batteries:
        take = F.assumption(con, "batteries", "battery_adoption_owner_occupier_adopters")
        assert "**assumed**" in batteries[0].sentence and F.pct(take.value) in batteries[0].sentence
    gaps = {f.key: f for f in F.framing_vs_cell(con)}  # a framing and its matrix cell differ: by how much, and why
    framings = con.execute("SELECT framing, network, recovery, generation, net_per_household FROM policy_framings").df()
    cells = con.execute("SELECT cell, net_per_household FROM policy_cells").df().set_index("cell").net_per_household
    expected = {}
    for r in framings.itertuples():  # the tables read directly, not the finding's own values
        cell = cells.get(f"{r.network}/{r.recovery}/{r.generation}")
        if cell is not None and abs(r.net_per_household - cell) > F.MONEY_TOL:
            expected[f"framing_vs_cell_{r.framing.lower().replace(' ', '_')}"] = (r.net_per_household, cell)
    assert set(gaps) == set(expected)
    for key, (framing, cell) in expected.items():
        assert gaps[key].values["framing"] == pytest.approx(framing) and gaps[key].values["cell"] == pytest.approx(cell)
        assert F.gbp_auto(framing) in gaps[key].sentence and F.gbp_auto(cell) in gaps[key].sentence


def test_value_by_ownership_follows_the_store(con):
    f = F.value_by_ownership(con)
    v = con.execute("SELECT scenario, real_value FROM scenario_summary").df().set_index("scenario").real_value
    assert f.values["word"] == F.more_or_less(v["public@worthwhile_roofs"], v["market@worthwhile_roofs"], words=F.THAN,
                                               abs_tol=F.VALUE_TOL)
    assert F.gbp_compact(v["market@worthwhile_roofs"]) in f.sentence


def test_stated_draw_interval_is_the_one_in_the_store(con):
    import numpy as np

    row = con.execute("""SELECT r.scenario, r.metric, r.low, r.high FROM scenario_robustness r
                         WHERE kind = 'level' AND metric = 'net_per_household' AND scenario = 'market'""").fetchone()
    draws = con.execute("SELECT value FROM scenario_draws WHERE scenario = ? AND metric = ?", row[:2]).df().value
    lo, hi = np.quantile(draws, F.DRAW_QUANTILES)
    assert row[2] == pytest.approx(lo, rel=1e-6, abs=1e-9) and row[3] == pytest.approx(hi, rel=1e-6, abs=1e-9)
    assert F.DRAW_INTERVAL_PCT == round((F.DRAW_QUANTILES[1] - F.DRAW_QUANTILES[0]) * 100)


def test_robustness_table_shows_words_not_codes(con):
    t = F.robustness_table(con)
    assert len(t) == F.robust_or_fragile(con).values["headlines"]
    text = " ".join(t.astype(str).to_numpy().ravel())
    assert "@" not in text and "_" not in text and "-£" not in text and "£-" not in text
    assert set(t.Verdict) <= {"robust", "fragile"}


def test_suitability_shares_are_ordered_and_anchored(con):
    s = F.suitability(con)
    assert set(s.measure) == {"buildings", "roof_area", "usable_area"}
    assert set(s.group) == {"all", "small", "houses", "flats", "non_domestic"}
    ranged = s[s.measure != "usable_area"]
    assert ((ranged.low <= ranged.central + 1e-12) & (ranged.central <= ranged.high + 1e-12)).all()
    assert ((ranged.central <= ranged.unshaded + 1e-12)).all()  # shading never adds suitable roofs
    area = s.set_index(["measure", "group"])["central"]
    for group in F.SUITABILITY_GROUPS:  # setbacks and obstructions only take area away
        assert area[("usable_area", group)] < area[("roof_area", group)]
    by_type = s[(s.measure == "buildings") & s.group.isin(["houses", "flats", "non_domestic"])]
    assert by_type.buildings.sum() == s[(s.measure == "buildings") & (s.group == "all")].buildings.iloc[0]
    assert {k for k in F.SUITABILITY_ANCHORS} == {"sunroof_buildings", "gagnon_small_buildings", "gagnon_small_area"}


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
    assert book.glue_gbp("a", -2.2) == "−£2" and glued["a"] == "−\u2060£2"  # never broken over two lines
    assert book.glue_range("b", -8.3, -0.2) == "−£8 to £0"
    assert book.glue_range("c", 0.45, 0.5, kind="pct") == "45–50\u00a0%"
    assert book.glue_range("d", 195.4, 549.5, kind="num", unit="GWh") == "195–550\u00a0GWh"
    assert book.glue_signed("e", -0.000356, unit="%") == "−0.00036\u00a0%" and book.glue_signed("f", -0.1277, decimals=2) == "−0.13"
    assert book.glue("g", -0.13, "{:+.2f}") == "−0.13" and book.glue("h", -0.0003, "{:.1f}") == "0.0"
    assert book.glue("i", -2, "£{:,.0f}") == "−£2" and book.true_minus("gap -3 to -1") == "gap −3 to −1"


def test_evidence_lists_gains_paid_from_elsewhere_and_real_panels_against_income(con):
    """Two checks a cold read found missing from the evidence page, each listed exactly when its rows say so."""
    from analysis.findings import evidence

    s = con.execute("SELECT scenario, to_households, bill_payers_elsewhere_net FROM scenario_summary").df() \
        .set_index("scenario")
    listed = {f.key for f in evidence.gains_paid_from_elsewhere(con)}
    for key in ("equal_coop", "equal_public"):
        row = s.loc[F.SCENARIOS[key]]
        assert (f"paid_from_elsewhere_{key}" in listed) == (-row.bill_payers_elsewhere_net > max(row.to_households, 0))
    fit = con.execute("SELECT observed, observed_low, model FROM adoption_fit "
                      "WHERE metric = 'rank correlation with income'").fetchone()
    real = evidence.observed_uptake_not_by_income(con)
    assert bool(real) == (fit[2] > F.INDEX_BAND and fit[1] <= 0)
    if real:
        assert F.num(fit[0], 2) in real[0].sentence and F.num(fit[2], 2) in real[0].sentence


def test_the_coop_lean_to_the_poorest_is_listed_with_its_assumption(con):
    from analysis.findings import evidence

    gap = con.execute("SELECT top_minus_bottom FROM scenario_summary WHERE scenario = 'coop@worthwhile_roofs'").fetchone()[0]
    found = evidence.coop_tilt_assumed(con)
    assert bool(found) == (gap < -1)
    if found:
        assert F.gbp_auto(gap) in found[0].sentence and "**assumption**" in found[0].sentence
