"""The book's lead: plain findings whose numbers are pinned to the store rows they come from."""

from __future__ import annotations

import dataclasses
import re

import pytest

from analysis import findings as F
from analysis.findings import lead as L

#: Analyst's words that belong in the chapters and methods, never in the lead.
JARGON = re.compile(r"concentration|kakwani|suits|robust|fragile|draws?\b|decile|regressive|progressive|"
                    r"volumetric|MWp|kWp|parameter|quantile|percentile|index", re.IGNORECASE)


@pytest.fixture(scope="module")
def con(camden_store):
    from analysis import store

    c = store.connect(camden_store, read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def lead(con):
    found, pending = F.lead_findings(con)
    assert not pending, pending
    return {f.key: f for f in found}


def test_three_to_seven_plain_findings_without_jargon_or_pennies(lead):
    assert 3 <= len(lead) <= 7
    for f in lead.values():
        text = f"{f.lead}. {f.sentence} {f.basis}"
        assert not JARGON.search(text), (f.key, JARGON.search(text))
        assert not re.search(r"£\d+\.\d(?!\d* (million|billion))", text), (f.key, text)  # no pennies
        for amount in re.findall(r"£([\d,]+)(?! million| billion)", text):
            assert float(amount.replace(",", "")) >= F.MONEY_TOL or "£0 to" in text, (f.key, amount)
        assert "−£" not in f.lead and "-£" not in text


def test_every_sum_of_money_carries_its_price_date(lead, con):
    from analysis.economics.views import price_month

    month = price_month(con)
    assert month
    for key in ("market", "shared_ownership", "charging", "heat"):
        assert f"{month} prices" in lead[key].sentence, key


def test_power_is_pinned_to_the_roof_potential_rows(lead, con):
    f = lead["power"]
    t = con.execute("SELECT kwh_central, kwh_low, kwh_high, elec_demand_kwh FROM area_potential").df()
    gwh, lo, hi, use = (t[c].sum() / 1e6 for c in ("kwh_central", "kwh_low", "kwh_high", "elec_demand_kwh"))
    assert f.values["gwh"] == pytest.approx(gwh)
    for value in (gwh, lo, hi, use):
        assert F.num(value) in f.sentence
    assert "about as much as" in f.sentence and abs(gwh / use - 1) <= F.SAME_REL  # the word follows the numbers


def test_roofs_are_pinned_to_the_buildings_table(lead, con):
    f = lead["roofs"]
    b = con.execute("SELECT roof_owner, dwellings FROM buildings WHERE dwellings > 0").df()
    others = b.loc[b.roof_owner != "owner_occupier", "dwellings"].sum()
    assert f.values["share_homes_not_owning_roof"] == pytest.approx(others / b.dwellings.sum())
    assert f"{F.num(others)} of {F.num(b.dwellings.sum())}" in f.sentence
    assert f.lead.startswith(L.in_ten(others / b.dwellings.sum()).capitalize())
    shares = F.owner_shares_by_decile(con)
    poorest = shares[(shares.decile == 1) & (shares.roof_owner == "social_landlord")].share.iloc[0]
    assert F.pct(poorest) in f.sentence


def test_market_and_ownership_are_pinned_to_the_scenario_rows(lead, con):
    s = con.execute("SELECT scenario, installed_mwp, net_per_household, to_households, bill_payers_elsewhere_net "
                    "FROM scenario_summary").df().set_index("scenario")
    market = lead["market"]
    assert market.values["net"] == pytest.approx(s.loc["market", "net_per_household"])
    assert L.per_household(s.loc["market", "net_per_household"]) in market.sentence
    assert F.num(s.loc["market", "installed_mwp"]) + " megawatts" in market.sentence
    shared = lead["shared_ownership"]
    same = s.loc[[F.SCENARIOS[k] for k in ("equal_market", "equal_public", "equal_coop")]]
    assert same.installed_mwp.nunique() == 1 and F.num(same.installed_mwp.iloc[0]) + " megawatts" in shared.sentence
    elsewhere = -same.bill_payers_elsewhere_net
    assert L.total(elsewhere.min()) in shared.sentence and L.total(elsewhere.max()) in shared.sentence
    assert F.gbp(s.loc[F.SCENARIOS["equal_coop"], "net_per_household"]) in shared.sentence
    assert F.gbp(s.loc[F.SCENARIOS["equal_public"], "net_per_household"]) in shared.sentence
    assert L.per_household(s.loc[F.SCENARIOS["equal_market"], "net_per_household"]) in shared.sentence


def test_the_quote_guide_names_each_roof_set_with_its_own_numbers(con):
    """The same owner gives different amounts on different roofs; the guide pairs each with its roofs."""
    s = con.execute("SELECT scenario, installed_mwp, net_per_household FROM scenario_summary").df().set_index("scenario")
    guide = L.quote_guide(con)
    for key in ("market", "public", "equal_coop", "equal_public", "equal_market"):
        assert L.per_household(s.loc[F.SCENARIOS[key], "net_per_household"]) in guide, key
    for key in ("market", "public", "equal_market"):
        assert F.mwp(s.loc[F.SCENARIOS[key], "installed_mwp"]) + " megawatts" in guide, key
    assert "July 2026 prices" in guide or "prices" in guide


def test_the_heat_lead_names_the_best_estate_scheme_from_its_row(lead, con):
    households, saving = con.execute("""SELECT households_connected, saving_per_connected_household FROM heat_ownership
        WHERE model = 'council' AND scale = 'estate'""").fetchone()
    network = con.execute("""SELECT households_connected FROM heat_ownership
        WHERE model = 'council' AND scale = 'borough'""").fetchone()[0]
    sentence = lead["heat"].sentence
    if saving >= 1 and households < 0.99 * network:
        assert f"save its {F.num(households)} connected households about {F.gbp(saving)} a year" in sentence
    else:
        assert "single best neighbourhood" not in sentence


def test_charging_and_heat_are_pinned_to_their_tables(lead, con):
    fr = con.execute("SELECT framing, net_per_household FROM policy_framings").df().set_index("framing")
    gnd = fr.loc["Green New Deal", "net_per_household"]
    assert F.gbp(-gnd) + " a year each" in lead["charging"].sentence
    best = fr.net_per_household.idxmax()
    assert best in lead["charging"].sentence
    h = con.execute("SELECT households_connected, saving_per_connected_household, bill_ratio FROM heat_ownership "
                    "WHERE model = 'council' AND scale = 'borough'").df().iloc[0]
    heat = lead["heat"]
    assert F.num(h.households_connected) in heat.sentence
    assert F.gbp(abs(h.saving_per_connected_household)) in heat.sentence
    assert ("raise" in heat.lead) == (h.bill_ratio > 1 + F.SAME_REL)
    assert ("not cut" in heat.lead) == (abs(h.bill_ratio - 1) <= F.SAME_REL)


def test_direction_words_follow_the_sign(monkeypatch, con):
    """A heat network that saves money is said to cut bills; one that costs, to raise them."""
    real = L.heat_and_district(con)
    for saving, ratio, word in ((120.0, 0.8, "cut"), (-120.0, 1.2, "raise"), (-30.0, 1.03, "not cut")):
        fake = dataclasses.replace(real, values=real.values | {"ownership_saving": saving, "ownership_bill_ratio": ratio},
                                   ranges={"ownership_saving": (saving - 10, saving + 10)})
        monkeypatch.setattr(L, "heat_and_district", lambda _con, fake=fake: fake)
        f = L.heat(con)
        assert f"would {word} heating bills" in f.lead
        assert "−£" not in f.sentence


@pytest.mark.parametrize("value, words", [(0.4, "about nothing"), (-0.6, "about nothing"), (2.71, "only about £3"),
                                          (27.06, "£27"), (float("nan"), "about nothing")])
def test_per_household_words(value, words):
    assert L.per_household(value) == words


@pytest.mark.parametrize("share, words", [(0.879, "nearly nine in ten"), (0.5, "five in ten"),
                                          (0.42, "over four in ten"), (0.04, "fewer than one in ten"), (0.97, "nearly all")])
def test_in_ten(share, words):
    assert L.in_ten(share) == words


def test_ranges_in_words():
    assert L.from_to(47.0, 7.0) == "from £7 to £47"
    assert L.from_to(-453.2, 92.9) == "from losing £453 to gaining £93"
    assert L.from_to(-130.0, -110.0) == "a loss of £110 to £130"
    assert L.total(5_833_837) == "£5.8 million" and L.total(968_423) == "£970,000"


def test_a_place_without_incomes_still_gets_its_plain_findings(monkeypatch, con):
    """Without incomes the roofs finding drops the income tenths and says nothing about them."""
    def no_income(_con):
        raise F.Unavailable("this place gives no household income per neighbourhood")

    monkeypatch.setattr(L, "owner_shares_by_decile", no_income)
    f = L.roofs(con)
    assert "tenth" not in f.sentence and "poorest_social_share" not in f.values


def test_london_context_figures_are_dated_and_sourced():
    from analysis import context

    gla = context.region_figures("london")
    assert gla.loc["solar_ambition_2030", "value"] == 1000 and gla.loc["solar_ambition_2050", "value"] == 2000
    assert gla["source"].str.len().min() > 20 and gla["date"].str.match(r"^\d{4}-\d{2}$").all()
    assert gla["url"].str.startswith("https://").all()
    assert context.region_figures("atlantis").empty  # a region without figures gets none, not an error


def test_in_ten_at_the_top():
    assert L.in_ten(2399 / 2400) == "almost all" and L.in_ten(1.0) == "all" and L.in_ten(0.97) == "nearly all"
