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

from analysis.findings.formats import _finite, gbp, gbp_compact, num, pct
from analysis.findings.key import (equal_capacity, heat_and_district, pv_potential, roofs_and_homes, run_all,
                                   who_gains_market, who_pays, policy_framings, _charging_income)
from analysis.findings.queries import CHAPTERS, Finding, Pending, owner_shares_by_decile, place_name
from analysis.findings.words import MONEY_TOL, SAME_REL, Unavailable, more_or_less, sign_choice

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
    if whole == 10 and tenths < 9.85:
        return "nearly all"
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
    if not _finite(value) or abs(value) >= 1e6:
        return gbp_compact(value)
    digits = max(0, len(str(int(abs(value)))) - 2)
    return gbp(round(float(value), -digits))


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
    sentence = (f"Solar panels on {place}'s suitable roofs — {num(v['mwp'])} megawatts of them — could make about "
                f"{num(v['gwh'])} gigawatt-hours of electricity a year, {word} the {num(v['domestic_elec_gwh'])} gigawatt-hours its "
                f"households use at home ({pct(v['share_of_domestic'])}). How much of each roof can take panels is "
                f"uncertain: from {num(lo_hi[0])} to {num(lo_hi[1])} gigawatt-hours.")
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
                   basis="the homes are the census households of each neighbourhood, placed on its buildings by the "
                         "model: which home is in which building is estimated")


def market(con) -> Finding:
    """What owners investing for their own return would build, and what households would get from it."""
    f = who_gains_market(con)
    v = f.values
    share = v["installed_mwp"] / v["possible_mwp"] if v["possible_mwp"] > 0 else float("nan")
    built = "little would be built" if _finite(share) and share < 0.5 else "much of what pays would be built"
    gains = sign_choice(v["net"], "households would gain", "households would lose", "households would gain", MONEY_TOL)
    amount = per_household(abs(v["net"]) if v["net"] < -MONEY_TOL else v["net"])
    lead = (f"Left to the market, {built} and households would gain next to nothing"
            if abs(v["net"]) < FEW_POUNDS else f"Left to the market, {built}")
    rng = f.ranges.get("net")
    sentence = (f"Owners investing for their own return would put up {num(v['installed_mwp'])} megawatts of panels, "
                f"{pct(share)} of what is worth building on {place_name(con)}'s roofs, and {gains} {amount} a year "
                f"each on average ({from_to(*rng) + ', ' if rng else ''}{_prices(con)}).")
    return Finding("market", lead, sentence, CHAPTERS["gains"], values=v, ranges=f.ranges,
                   rule=f"'about nothing' under {gbp(MONEY_TOL)} a household a year; 'only about' under "
                        f"{gbp(FEW_POUNDS)}; 'little would be built' under half of what is worth building",
                   sources=f.sources)


def shared_ownership(con) -> Finding:
    """Public and co-operative ownership against the market on the same roofs, and who pays for the gain."""
    e, p = equal_capacity(con), who_pays(con)
    v = {f"equal_{k}": x for k, x in e.values.items()} | p.values
    better = [name for key, name in (("coop", "a community co-operative"), ("public", "public ownership"))
              if more_or_less(e.values[key], e.values["market"], abs_tol=MONEY_TOL) == "more"]
    place = place_name(con)
    lead = ("Council or community ownership would leave households more than the market"
            if better else "Council or community ownership would not leave households more than the market")
    if better and p.values["elsewhere_gbp"] > max(p.values["households_gbp"], 0):
        lead += ", but bill payers elsewhere would pay more than they gain"
    elif better and p.values["elsewhere_gbp"] > 0.5 * max(p.values["households_gbp"], 0):
        lead += ", partly paid for by bill payers elsewhere"
    sentence = (f"On the same roofs, a community co-operative would leave households {gbp(e.values['coop'])} a year "
                f"each and public ownership {gbp(e.values['public'])}, against {per_household(e.values['market'])} "
                f"under the market ({_prices(con)}). A public energy company on the roofs the council controls "
                f"would leave {place}'s households {total(p.values['households_gbp'])} a year better off "
                f"({gbp(p.values['per_household'])} each")
    rng = p.ranges.get("per_household")
    sentence += f", {from_to(*rng)})." if rng else ")."
    if p.values["elsewhere_gbp"] > 0:
        sentence += (f" But bill payers in the rest of the country would pay {total(p.values['elsewhere_gbp'])} "
                     f"a year more: power used where it is made skips the network charges and levies in the price of "
                     f"electricity, and everyone else's bills make them up.")
    if p.values["value_gbp"] < 0:
        sentence += (f" Counted at what the power is worth to the whole system, the panels cost "
                     f"{total(-p.values['value_gbp'])} a year more than they save; the emissions they avoid are "
                     f"worth {total(p.values['climate_gbp'])} a year.")
    return Finding("shared_ownership", lead, sentence, CHAPTERS["gains"], values=v,
                   ranges={f"equal_{k}": x for k, x in e.ranges.items()} | p.ranges,
                   rule=f"'more' when the amounts differ by more than {pct(SAME_REL)} of the larger and by more than "
                        f"{gbp(MONEY_TOL)} a year", sources=e.sources + p.sources)


def charging(con) -> Finding:
    """The four policy packages, and what charging network costs by income does to this place."""
    f = policy_framings(con)
    v, ranges = f.values, f.ranges
    best = v["best"]
    reform = _charging_income(con)
    sentence = (f"Of the four policy packages the book compares, {best} leaves households the most: "
                f"{per_household(v[best])} a year each"
                + (f" ({from_to(*ranges[best])}, {_prices(con)})." if best in ranges else f" ({_prices(con)}).")
                )
    lead = f"Of four policy packages, {best} leaves households the most"
    gnd, place = "Green New Deal", place_name(con)
    if reform and gnd in v and v[gnd] < -MONEY_TOL:
        owners_best = max(abs(x) for k, x in v.items() if k in ranges and k != gnd)
        lead = (f"Charging network costs by income would cost {place}'s households more than any other policy "
                f"package would gain them" if -v[gnd] > owners_best else
                f"Charging network costs by income would cost {place}'s households")
        sentence += (f" The {gnd}, which charges network and policy costs by income, would cost {place}'s "
                     f"households {gbp(-v[gnd])} a year each"
                     + (f" ({from_to(*ranges[gnd])})" if gnd in ranges else "")
                     + (f"; the charging rule alone costs them {gbp(-reform['reform'])}, partly offset by what the "
                        f"rest of the package gives them" if reform["reform"] < v[gnd] else
                        f", {gbp(-reform['reform'])} of it from that charging rule alone")
                     + f". They earn more than the "
                     f"country's average ({gbp(reform['income'])} a year against an assumed {gbp(reform['national'])}, "
                     f"{reform['date']} terms), so the rule moves costs onto them and off bill payers elsewhere.")
    return Finding("charging", lead, sentence, CHAPTERS["gains"], values=v | ({} if not reform else reform),
                   ranges=ranges, rule=f.rule.split(";")[0], sources=f.sources)


def heat(con) -> Finding:
    """What a council heat network would do to heating bills."""
    f = heat_and_district(con)
    v = f.values
    if "ownership_saving" not in v:
        raise Unavailable("the store has no heat-network ownership results")
    saving = v["ownership_saving"]
    verb = sign_choice(saving, "cut", "raise", "not change", MONEY_TOL)
    lead = f"A council heat network would {verb} heating bills at today's prices"
    fuel = ("Solar collectors would cost more than the gas they save, so it would run on gas boilers, and its"
            if v.get("ownership_solar_heat_gwh", 0) < 0.05 else "Its")
    bill = more_or_less(v["ownership_bill_ratio"], 1.0, words=("more than", "less than", "about the same as"))
    each = {"cut": f"each household would save {gbp(saving)} a year",
            "raise": f"each household would pay {gbp(-saving)} a year more",
            "not change": "households would neither save nor lose"}[verb]
    rng = f.ranges.get("ownership_saving")
    sentence = (f"A council-owned heat network could connect {num(v['ownership_households_connected'])} households "
                f"in the densest parts of {place_name(con)}. {fuel} heat would cost {bill} gas: {each}"
                + (f" ({from_to(*rng, gain='saving')}, {_prices(con)})." if rng else f" ({_prices(con)}).")
                + (" A private energy company would build nowhere." if v.get("ownership_esco_areas_built", 1) == 0 else ""))
    return Finding("heat", lead, sentence, CHAPTERS["heat"], values=v, ranges=f.ranges,
                   rule=f"'cut'/'raise' beyond {gbp(MONEY_TOL)} a year; 'about the same as' gas within {pct(SAME_REL)}",
                   sources=f.sources)


#: The lead findings, in the order the first page shows them.
LEAD_FINDINGS: list[tuple[Callable, str]] = [
    (power, "Electricity from the roofs"),
    (roofs, "Who owns the roofs"),
    (market, "What the market would do"),
    (shared_ownership, "Council or community ownership"),
    (charging, "How costs are charged"),
    (heat, "Heat networks"),
]


def lead_findings(con) -> tuple[list[Finding], list[Pending]]:
    """The book's lead findings (:data:`LEAD_FINDINGS`) and the ones this store cannot give."""
    return run_all(con, LEAD_FINDINGS)
