"""The book's first page for a reader in a hurry: a few findings in plain words.

Each lead finding is built from the numbers of a detailed finding (:mod:`analysis.findings.key`), so
the two never disagree, and is written for a journalist:

* magnitudes that matter — £ a household a year in whole pounds, £ million a year for a place,
  shares of homes, gigawatt-hours — with the price date beside every sum of money;
* no analyst's words (concentration index, robust, draws, decile, MWp …): ranges are "from … to …";
* nothing under :data:`~analysis.findings.words.MONEY_TOL` presented as a gain ("about nothing"),
  and sums under :data:`FEW_POUNDS` called what they are ("only about £3 a year");
* direction words picked from the numbers by the same rules as the detailed findings, and the
  findings that cut against the argument kept, in plain words.

:data:`LEAD_FINDINGS` lists them in order; :func:`lead_findings` runs them (a finding the store
cannot give is pending, with the reason).
"""

from __future__ import annotations

from typing import Callable

from analysis.findings.formats import _finite, gbp, gbp_compact, mwp, num, pct
from analysis.findings.key import (charging_income, heat_and_district, policy_framings, pv_potential,
                                   roofs_and_homes, run_all)
from analysis.findings.queries import (CHAPTERS, ECONOMICS_TABLES, SCENARIOS, Finding, Pending, _interval, _summary,
                                       assumption, owner_shares_by_decile, place_name, poorest_tenth_income, tables)
from analysis.findings.words import MONEY_TOL, SAME_REL, Unavailable, more_or_less, sign_choice

#: The size of a typical home's rooftop system, to put a place's capacity in homes' terms [kWp].
HOME_SYSTEM_KWP = 4.0
#: A gain per household a year under this is "only about £N" in the lead [currency/household/yr].
FEW_POUNDS = 5.0
#: Words for whole numbers of tenths ("nine in ten").
_TENTHS = ("none", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_ten(share: float) -> str:
    """A share as "N in ten", with "nearly"/"over" when it is more than 0.15 of a tenth off.

    >>> in_ten(0.879), in_ten(0.9), in_ten(0.42)
    ('nearly nine in ten', 'nine in ten', 'over four in ten')
    """
    tenths = float(share) * 10
    whole = int(round(tenths))
    if whole == 0:
        return "none" if tenths == 0 else "fewer than one in ten"
    if whole == 10:
        return "all" if tenths >= 10 else "nearly all" if tenths < 9.85 else "almost all"
    word = f"{_TENTHS[whole]} in ten"
    if tenths - whole < -0.15:
        return "nearly " + word
    if tenths - whole > 0.15:
        return "over " + word
    return word


def _prices(con) -> str:
    """``"July 2026 prices"`` from the store (``"today's prices"`` when it has no price date)."""
    from analysis.economics.views import price_month

    month = price_month(con)
    return f"{month} prices" if month else "today's prices"


def home_systems(mwp: float, nearest: int) -> str:
    """A capacity as a count of home-sized systems (:data:`HOME_SYSTEM_KWP`), rounded to ``nearest``: "94,000"."""
    return num(round(mwp * 1000 / HOME_SYSTEM_KWP / nearest) * nearest)


def per_household(value: float) -> str:
    """A gain per household a year in words: "about nothing", "only about £3", "£27"."""
    if not _finite(value) or abs(value) < MONEY_TOL:
        return "about nothing"
    if abs(value) < FEW_POUNDS:
        return f"only about {gbp(value)}"
    return gbp(value)


def total(value: float) -> str:
    """A sum a year for a whole place, rounded as a reader would say it: "£2.5 million", "£970,000".

    >>> total(968_423), total(2_509_684), total(-12_345)
    ('£970,000', '£2.5 million', '−£12,000')
    """
    return gbp_compact(value)


def from_to(low: float, high: float, gain: str = "gaining") -> str:
    """A range of money a household a year in plain words: "from £7 to £47"; "from losing £453 to
    gaining £93" when it crosses zero; "a loss of £110 to £130" when both ends are losses."""
    low, high = sorted((float(low), float(high)))
    if low < -MONEY_TOL and high > MONEY_TOL:
        return f"from losing {gbp(-low)} to {gain} {gbp(high)}"
    if high < -MONEY_TOL:
        return f"a loss of {gbp(-high)} to {gbp(-low)}"
    return f"from {gbp(low)} to {gbp(high)}"


def power(con) -> Finding:
    """How much electricity the roofs could make, against what the homes use."""
    f = pv_potential(con)
    v, lo_hi = f.values, f.ranges.get("gwh", (float("nan"), float("nan")))
    word = more_or_less(v["gwh"], v["domestic_elec_gwh"], words=("more than", "less than", "about as much as"))
    lead = {"about as much as": "The roofs could make about as much electricity as the homes use",
            "more than": "The roofs could make more electricity than the homes use",
            "less than": f"The roofs could make {pct(v['share_of_domestic'])} of the electricity the homes use"}[word]
    place = place_name(con)
    sentence = (f"Panels on {place}'s suitable roofs — as many as {home_systems(v['mwp'], 1000)} "
                f"home-sized systems of {num(HOME_SYSTEM_KWP)} kW — could make about {num(v['gwh'])} million "
                f"kilowatt-hours (the units on an electricity bill) a year, {word} the {num(v['domestic_elec_gwh'])} "
                f"million its households use at home. How much of each roof can take panels is uncertain: from "
                f"{num(lo_hi[0])} to {num(lo_hi[1])} million.")
    return Finding("power", lead, sentence, CHAPTERS["pv"], values=v, ranges=f.ranges,
                   rule=f"'about as much as' within {pct(SAME_REL)} of the larger", sources=f.sources)


def roofs(con) -> Finding:
    """How many households live under a roof they do not own, and who owns the roofs by neighbourhood income."""
    f = roofs_and_homes(con)
    v = dict(f.values)
    not_own = v["share_homes_not_owning_roof"] * v["homes"]
    sentence = (f"{pct(v['share_homes_not_owning_roof'])} of homes ({num(not_own)} of {num(v['homes'])}) sit under a "
                f"roof someone else owns: a landlord, a freeholder, a council or a housing association. "
                f"Owner-occupiers' own roofs carry {pct(v['owner_occupier_capacity_share'])} of the room for panels.")
    try:
        shares = owner_shares_by_decile(con).pivot(index="decile", columns="roof_owner", values="share")
    except Unavailable:
        shares = None
    if shares is not None and {1, 10} <= set(shares.index):
        v |= {"poorest_social_share": float(shares.loc[1, "social_landlord"]),
              "poorest_owner_occupier_share": float(shares.loc[1, "owner_occupier"]),
              "richest_owner_occupier_share": float(shares.loc[10, "owner_occupier"])}
        sentence += (f" In the poorest tenth of neighbourhoods, councils and housing associations own "
                     f"{pct(v['poorest_social_share'])} of that roof space and owner-occupiers "
                     f"{pct(v['poorest_owner_occupier_share'])}; in the richest tenth, owner-occupiers own "
                     f"{pct(v['richest_owner_occupier_share'])}.")
    lead = f"{in_ten(v['share_homes_not_owning_roof']).capitalize()} households live under a roof they do not own"
    return Finding("roofs", lead, sentence, CHAPTERS["ownership"], values=v, ranges=f.ranges,
                   sources=f.sources + ("areas",),
                   basis="who lives in which building is estimated by the model from census counts for each "
                         "neighbourhood")


def market(con) -> Finding:
    """What owners investing for their own return would build, and what households would get from it."""
    # Read here, not through who_gains_market: its richest-poorest gap needs incomes, this finding does not.
    s = _summary(con, ["market", "equal_market"])
    own, cap = s.loc[SCENARIOS["market"]], s.loc[SCENARIOS["equal_market"]]
    iv = _interval(con, SCENARIOS["market"], "net_per_household")
    v = {"installed_mwp": float(own.installed_mwp), "possible_mwp": float(cap.installed_mwp),
         "net": float(own.net_per_household)}
    ranges = {"net": (min(iv[:2]), max(iv[:2]))} if iv and all(_finite(x) for x in iv[:2]) else {}
    share = v["installed_mwp"] / v["possible_mwp"] if v["possible_mwp"] > 0 else float("nan")
    built = "little would be built" if _finite(share) and share < 0.5 else "much of what pays would be built"
    gains = sign_choice(v["net"], "households would gain", "households would lose", "households would gain", MONEY_TOL)
    amount = per_household(abs(v["net"]) if v["net"] < -MONEY_TOL else v["net"])
    lead = (f"Left to the market, {built} and households would gain about nothing" if abs(v["net"]) < MONEY_TOL
            else f"Left to the market, {built} and households would gain only a few pounds a year"
            if 0 < v["net"] < FEW_POUNDS else f"Left to the market, {built}")
    rng = ranges.get("net")
    sentence = (f"Owners investing for their own return would put up about "
                f"{home_systems(v['installed_mwp'], 100)} home-sized systems' worth of panels "
                f"({mwp(v['installed_mwp'])} megawatts), "
                f"{pct(share)} of what is worth building on {place_name(con)}'s roofs, and {gains} {amount}"
                f"{'' if amount == 'about nothing' else ' a year each on average'} "
                f"({from_to(*rng) + ', ' if rng else ''}{_prices(con)}).")
    return Finding("market", lead, sentence, CHAPTERS["gains"], values=v, ranges=ranges,
                   rule=f"'about nothing' under {gbp(MONEY_TOL)} a household a year; 'only about' under "
                        f"{gbp(FEW_POUNDS)}; 'little would be built' under half of what is worth building",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]))


def shared_ownership(con) -> Finding:
    """Co-operative, public and market ownership of the same roofs (the ones where panels are worth
    building), and who pays for what households gain."""
    keys = {"coop": "equal_coop", "public": "equal_public", "market": "equal_market"}
    s = _summary(con, list(keys.values()))
    row = {k: s.loc[SCENARIOS[v]] for k, v in keys.items()}
    if "bill_payers_elsewhere_net" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks bill_payers_elsewhere_net")
    net = {k: float(r.net_per_household) for k, r in row.items()}
    households = {k: float(r.to_households) for k, r in row.items()}
    elsewhere = {k: -float(r.bill_payers_elsewhere_net) for k, r in row.items()}
    value = {k: float(r.real_value) for k, r in row.items()}
    ranges = {k: iv[:2] for k in keys if (iv := _interval(con, SCENARIOS[keys[k]], "net_per_household"))}
    place = place_name(con)
    better = [k for k in ("coop", "public") if more_or_less(net[k], net["market"], abs_tol=MONEY_TOL) == "more"]
    lead = ("Council or community ownership would leave households more"
            if better else "Council or community ownership would not leave households more than the market")
    favoured = max(("coop", "public"), key=lambda k: net[k])
    if better and elsewhere[favoured] > max(households[favoured], 0):
        lead += f", but bill payers elsewhere would pay more than {place}'s households gain"
    elif better and elsewhere[favoured] > 0.5 * max(households[favoured], 0):
        lead += ", partly paid for by bill payers elsewhere"
    spans = [from_to(*ranges[k])[5:] for k in ("coop", "public", "market")
             if k in ranges and gbp(ranges[k][0]) != gbp(ranges[k][1])]
    rng = (", ".join(spans[:-1]) + " and " + spans[-1]) if len(spans) > 1 else "".join(spans)
    sentence = (f"On the {num(row['market'].installed_mwp)} megawatts of roofs where panels are worth building, a "
                f"community co-operative would leave {place}'s "
                f"households {per_household(net['coop'])} a year each, the council {per_household(net['public'])}, "
                f"owners investing for themselves {per_household(net['market'])} ({_prices(con)}"
                + (f"; from {rng} over the uncertain assumptions" if rng else "") + ").")
    low, high = min(elsewhere.values()), max(elsewhere.values())
    if low > 0:
        span = total(low) if total(low) == total(high) else f"{total(low)} to {total(high)}"
        sentence += (f" Whoever owns them, bill payers elsewhere would pay {span} a year more: electricity used in "
                     f"the building that makes it pays no share of the grid's costs and levies, so other bills pay more.")
    climate = float(row["public"].climate_value)
    if max(value.values()) < 0:
        sentence += (" On these roofs the panels cost more than their electricity is worth to the country as a whole"
                     + (", unless the carbon they save is counted." if min(value.values()) + climate > 0 else "."))
    return Finding("shared_ownership", lead, sentence, CHAPTERS["gains"],
                   values={"mwp": float(row["market"].installed_mwp)} | {f"{k}_net": net[k] for k in keys}
                   | {f"{k}_households": households[k] for k in keys} | {f"{k}_elsewhere": elsewhere[k] for k in keys}
                   | {f"{k}_value": value[k] for k in keys},
                   ranges={f"{k}_net": v for k, v in ranges.items()},
                   rule=f"'more' when the amounts differ by more than {pct(SAME_REL)} of the larger and by more than "
                        f"{gbp(MONEY_TOL)} a year", sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]))


def charging(con) -> Finding:
    """The four policy packages, and what charging network costs by income does to this place."""
    f = policy_framings(con)
    v, ranges = f.values, f.ranges
    best = v["best"]
    reform = charging_income(con)
    what = {"Community energy": "a co-operative on publicly owned networks",
            "Bringing Energy Home": "publicly owned networks", "Liberalised market": "today's market with batteries",
            "Green New Deal": "public networks and supply, with costs charged by income"}
    best_text = (f"Of four policy packages the book compares, {best} ({what.get(best, 'see the chapter')}) leaves "
                 f"households the most: {per_household(v[best])} a year each"
                 + (f" ({from_to(*ranges[best])}, {_prices(con)})." if best in ranges else f" ({_prices(con)})."))
    sentence = (f"{best} ({what.get(best, 'see the chapter')}): {per_household(v[best])} a year each"
                + (f" ({from_to(*ranges[best])}, {_prices(con)})." if best in ranges else f" ({_prices(con)})."))
    lead = f"Of four policy packages, {best} leaves households the most"
    gnd, place = "Green New Deal", place_name(con)
    if reform and gnd in v and v[gnd] < -MONEY_TOL:
        national = assumption(con, "tariffs", "national_mean_income")
        unverified = "UNVERIFIED" in str(national.source).upper()
        poorest = poorest_tenth_income(con)
        everyone = poorest is not None and poorest > reform["national"]
        lead = (f"Charging network costs by income would cost {'every ' + place + ' neighbourhood' if everyone else place + chr(39) + 's households'} "
                f"more" + (", on an assumption not yet checked" if unverified else ""))
        sentence = (f"The {gnd} package would charge the costs of the grid by household income: it would cost "
                     f"{place}'s households "
                     f"{gbp(-v[gnd])} a year each" + (f" ({from_to(*ranges[gnd])})" if gnd in ranges else "")
                     + f", because they earn {gbp(reform['income'])} on average against an assumed national "
                     f"{gbp(reform['national'])} ({reform['date']} pounds"
                     + ("; not yet checked against a published figure" if unverified else "") + ")")
        if everyone:
            sentence += f". Even the poorest tenth of neighbourhoods ({gbp(poorest)}) pays more"
        sentence += ". " + best_text
    return Finding("charging", lead, sentence, CHAPTERS["gains"], values=v | ({} if not reform else reform),
                   ranges=ranges, rule=f.rule.split(";")[0], sources=f.sources)


def heat(con) -> Finding:
    """What a council heat network would do to heating bills."""
    f = heat_and_district(con)
    v = f.values
    if "ownership_saving" not in v:
        raise Unavailable("the store has no heat-network ownership results")
    saving = v["ownership_saving"]
    bill = more_or_less(v["ownership_bill_ratio"], 1.0, words=("more than", "less than", "about as much as"))
    verb = {"more than": "raise", "less than": "cut", "about as much as": "not cut"}[bill]
    lead = f"A council heat network would {verb} heating bills at today's prices"
    fuel = ("Solar collectors would cost more than the gas they save, so it would burn gas, and its"
            if v.get("ownership_solar_heat_gwh", 0) < 0.05 else "Its")
    each = (f"about {gbp(abs(saving))} a year {'more' if saving < 0 else 'less'} for each household"
            if abs(saving) >= MONEY_TOL else "about the same for each household")
    rng = f.ranges.get("ownership_saving")
    spread = ""
    if rng:
        lo, hi = sorted(rng)
        spread = (f"; from {gbp(-lo)} more to {gbp(hi)} less" if lo < 0 < hi else
                  f"; from {gbp(-hi)} to {gbp(-lo)} more" if hi <= 0 else f"; from {gbp(lo)} to {gbp(hi)} less")
    sentence = (f"A council-owned heat network could reach {num(v['ownership_households_connected'])} households in "
                f"{place_name(con)}'s densest parts. {fuel} heat would cost {bill} gas: {each} ({_prices(con)}{spread})."
                + _best_estate(con, v["ownership_households_connected"])
                + (" A private heat company would not build one anywhere." if v.get("ownership_esco_areas_built", 1) == 0 else ""))
    return Finding("heat", lead, sentence, CHAPTERS["gains"], values=v, ranges=f.ranges,
                   rule=f"'raise'/'cut' when the heat bill differs from the gas bill by more than {pct(SAME_REL)}",
                   sources=f.sources)


def _best_estate(con, network_households: float) -> str:
    """A sentence on the best single-neighbourhood council scheme where it saves more than
    :data:`MONEY_TOL` a household and is smaller than the whole network of ``network_households``
    ('' otherwise, or without the table's estate rows: a place of one neighbourhood has no smaller scheme)."""
    if "heat_ownership" not in tables(con):
        return ""
    row = con.execute("""SELECT households_connected, saving_per_connected_household FROM heat_ownership
        WHERE model = 'council' AND scale = 'estate' AND households_connected > 0""").fetchone()
    if row is None or not _finite(row[1]) or row[1] < MONEY_TOL or row[0] >= 0.99 * network_households:
        return ""
    return (f" A smaller scheme in the single best neighbourhood would save its {num(row[0])} connected households "
            f"about {gbp(row[1])} a year each.")


#: The lead findings, in the order the first page shows them.
LEAD_FINDINGS: list[tuple[Callable, str]] = [
    (power, "Electricity from the roofs"),
    (roofs, "Who owns the roofs"),
    (market, "What the market would do"),
    (shared_ownership, "Council or community ownership"),
    (charging, "How costs are charged"),
    (heat, "Heat networks"),
]


def quote_guide(con) -> str:
    """Which household figure to quote for which question: the same owners on different roofs give
    different amounts, and the book shows each (Markdown, one sentence per roof set).

    Reads the money step's summary rows of the market and the public company on their own roofs and of
    the three owners on the same roofs (where panels are worth building); raises
    :class:`analysis.findings.Unavailable` when the store lacks them.
    """
    s = _summary(con, ["market", "public", "equal_market", "equal_public", "equal_coop"])
    row = {k: s.loc[SCENARIOS[k]] for k in ("market", "public", "equal_market", "equal_public", "equal_coop")}
    each = lambda k: per_household(float(row[k].net_per_household))  # noqa: E731
    return (f"**Which figure to quote.** For *who should own the same roofs* (the "
            f"{mwp(float(row['equal_market'].installed_mwp))} megawatts where panels are worth building): a "
            f"co-operative {each('equal_coop')} a household a year, the council {each('equal_public')}, the market "
            f"{each('equal_market')}. For *what each would build if left to choose its own roofs*: the market "
            f"{mwp(float(row['market'].installed_mwp))} megawatts and {each('market')}; the council, on the roofs it "
            f"controls, {mwp(float(row['public'].installed_mwp))} megawatts and {each('public')} ({_prices(con)}).")


def lead_findings(con) -> tuple[list[Finding], list[Pending]]:
    """The book's lead findings (:data:`LEAD_FINDINGS`) and the ones this store cannot give."""
    return run_all(con, LEAD_FINDINGS)
