"""Where the evidence cuts against the argument: checks that report what weakens it."""

from __future__ import annotations

from typing import Callable

from analysis.findings.formats import (
    _finite, gbp, gbp_auto, gbp_auto_range, gbp_compact, money_decimals, num, pct, pct_range,
)
from analysis.findings.words import (
    gain_progressivity, gap_side, INDEX_BAND, MONEY_TOL, more_or_less, munich_carries_over,
    MUNICH_HALVING_RATIO, MUNICH_PART_RATIO, ROBUST_SHARE, robustness, SAME_REL, share_of_draws,
    sign_choice, THAN, Unavailable, VALUE_TOL, wider_or_narrower,
)
from analysis.findings.queries import (
    assumption, CHAPTERS, ECONOMICS_TABLES, Finding, FRAMINGS, HEAT_MODELS, _interval, Pending, require,
    SCENARIOS, _summary,
)
from analysis.findings.key import (
    equal_capacity, _framings, _heat_borough, _range_text, roof_owners, solar_heat_check, _why,
)


# --------------------------------------------------------------------------------------------
# Where the evidence cuts against the argument
# --------------------------------------------------------------------------------------------

#: Headline metrics whose sign the evidence page checks across parameter draws.
SIGN_METRICS = {"net_per_household": "the net gain per household", "bottom_decile_net": "the poorest tenth's net gain",
                "social_rented_net_per_household": "social renters' net gain"}
#: Ownership models the argument favours (their gains should be positive and evenly spread).
FAVOURED = {"public": "public ownership", "coop": "a community co-operative",
            "equal_public": "public ownership at equal capacity", "equal_coop": "a co-operative at equal capacity"}


def sign_flips(con) -> list[Finding]:
    """Favoured models whose headline gains change sign across the joint parameter draws (one finding per model)."""
    table = ECONOMICS_TABLES["robustness"]
    require(con, table, ["scenario", "metric", "kind", "central", "low", "high", "share_same_sign"])
    out = []
    for key, name in FAVOURED.items():
        parts, values = [], {}
        for metric, what in SIGN_METRICS.items():
            row = con.execute(f"SELECT central, low, high, share_same_sign FROM {table} WHERE scenario = ? "
                              "AND metric = ? AND kind = 'level'", [SCENARIOS[key], metric]).fetchone()
            if row is None or not all(_finite(v) for v in row):
                continue
            central, low, high, share = row
            d = money_decimals(low, high)
            if share >= ROBUST_SHARE or round(low, d) * round(high, d) >= 0:
                continue  # the sign holds, or the range does not cross zero at the precision shown
            parts.append(f"{what} ({gbp_auto(central)} a year in the central case, {gbp_auto_range(low, high)} over "
                         f"the draws; its sign holds in {share_of_draws(share)} of them)")
            values[metric] = {"central": central, "low": low, "high": high, "share_same_sign": share}
        if not parts:
            continue
        listed = parts[0] if len(parts) == 1 else "; ".join(parts[:-1]) + "; and " + parts[-1]
        out.append(Finding(
            f"sign_flip_{key}", "A sign that does not hold",
            f"Under {name} the sign is **{robustness(min(v['share_same_sign'] for v in values.values()))}** for "
            f"{listed}.", CHAPTERS["gains"], values=values,
            rule=f"listed when a range crosses zero and its sign holds in fewer than {pct(ROBUST_SHARE)} of draws",
            sources=(table,)))
    return out


def equal_capacity_short(con) -> list[Finding]:
    """Favoured models that leave households less than the market does on the same roofs."""
    f = equal_capacity(con)
    v = f.values
    short = [k for k in ("public", "coop") if more_or_less(v[k], v["market"], abs_tol=MONEY_TOL) == "less"]
    return [f] if short else []


def wider_gaps(con) -> list[Finding]:
    """Favoured models whose richest-minus-poorest gap, at the market's scale, is wider than the market's
    or points the other way (the richest gain more where under the market the poorest do)."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    m = s.loc[SCENARIOS["equal_market"]]
    out = []
    for key in ("equal_public", "equal_coop"):
        row = s.loc[SCENARIOS[key]]
        word = wider_or_narrower(row.top_minus_bottom, m.top_minus_bottom, abs_tol=MONEY_TOL)
        if word not in ("wider", "reversed") or (word == "reversed" and row.top_minus_bottom < 0):
            continue  # a gap turned towards the poorest is what the argument expects, not evidence against it
        name = FAVOURED[key].replace(" at equal capacity", "")
        if word == "reversed":
            sentence = (f"With the same roofs built, the gap between the richest and the poorest tenth of households "
                        f"**reverses** under {name}: {gap_side(row.top_minus_bottom)} "
                        f"({gbp_auto(row.top_minus_bottom)} a year per household, richest minus poorest), where under "
                        f"the market {gap_side(m.top_minus_bottom)} ({gbp_auto(m.top_minus_bottom)}).")
            if key == "equal_coop":
                try:  # the co-op's tilt to the poorest comes from an assumption: say which
                    fund = assumption(con, "ownership_models", "community_fund_targeting")
                    sentence += (f" The co-operative's side of this rests on an **assumption**: {pct(fund.value)} of its "
                                 f"community fund is spent on the poorest three tenths ({pct(fund.low)} to "
                                 f"{pct(fund.high)} over the draws).")
                except Unavailable:
                    pass
            lead = "A gap that reverses"
        else:
            sentence = (f"With the same roofs built, the gap between the richest and the poorest tenth of households is "
                        f"**{word}** under {name} ({gbp_auto(row.top_minus_bottom)} a year per household) than "
                        f"under the market ({gbp_auto(m.top_minus_bottom)}).")
            lead = "A wider gap"
        out.append(Finding(
            f"wider_gap_{key}", lead, sentence, CHAPTERS["gains"],
            values={"gap": row.top_minus_bottom, "market_gap": m.top_minus_bottom, "word": word},
            rule=f"listed when the gaps point opposite ways (each beyond {gbp(MONEY_TOL)}), or when the absolute gap "
                 f"exceeds the market's by more than {pct(SAME_REL)}",
            sources=(ECONOMICS_TABLES["summary"],)))
    return out


def coop_tilt_assumed(con) -> list[Finding]:
    """A co-operative whose gains lean to the poorest on the same roofs: that tilt rests on how it spends its
    community fund, an assumption."""
    s = _summary(con, ["equal_coop"])
    gap = float(s.loc[SCENARIOS["equal_coop"], "top_minus_bottom"])
    if not _finite(gap) or gap > -MONEY_TOL:
        return []
    fund = assumption(con, "ownership_models", "community_fund_targeting")
    return [Finding(
        "coop_tilt_assumed", "A tilt to the poorest that is assumed",
        f"With the same roofs built, a co-operative's gains lean to the poorest tenth of households "
        f"({gbp_auto(gap)} a year per household, richest minus poorest), but this rests on an **assumption**: "
        f"{pct(fund.value)} of its community fund is spent on the poorest three tenths ({pct(fund.low)} to "
        f"{pct(fund.high)} over the draws).",
        CHAPTERS["gains"], values={"gap": gap, "fund_share": float(fund.value)},
        rule=f"listed when the co-operative's richest-minus-poorest gap is below −{gbp(MONEY_TOL)}",
        sources=(ECONOMICS_TABLES["summary"], "assumptions"))]


def concentrated_gains(con) -> list[Finding]:
    """Favoured models whose own gains concentrate among richer households (index above the band)."""
    s = _summary(con, ["coop", "equal_coop", "public", "equal_public"])
    out = []
    for key in ("coop", "equal_coop", "public", "equal_public"):
        row = s.loc[SCENARIOS[key]]
        c = row.concentration_benefit_deciles
        fixed = str(row.get("fixed_by_construction", "") or "")
        # |C| > 1 happens only when gains change sign across deciles (a mean near zero): not a finding;
        # nor is an index the scenario's own return rule sets.
        if not _finite(c) or abs(c) > 1 or gain_progressivity(c) != "regressive" or "concentration" in fixed:
            continue
        out.append(Finding(
            f"concentrated_{key}", "Gains that concentrate",
            f"Under {FAVOURED[key]} the gains still lean to richer households: their concentration index is "
            f"{num(c, 2, signed=True)} (**{gain_progressivity(c)}**).", CHAPTERS["gains"],
            values={"concentration": c},
            rule=f"listed when the concentration index of gains exceeds +{INDEX_BAND} (and lies within ±1, i.e. "
                 "gains do not change sign across deciles)",
            sources=(ECONOMICS_TABLES["summary"],)))
    return out


def value_by_ownership(con) -> Finding:
    """Whether who owns the panels changes the value they create (the same roofs), not only who gets it."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    if "real_value" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks real_value")
    m, p, c = (float(s.loc[SCENARIOS[k], "real_value"]) for k in ("equal_market", "equal_public", "equal_coop"))
    word = more_or_less(p, m, words=THAN, abs_tol=VALUE_TOL)
    iv = _interval(con, SCENARIOS["equal_public"], "real_value")
    rng = (f" ({gbp_compact(min(iv[0], iv[1]))} to {gbp_compact(max(iv[0], iv[1]))} over the draws, a sign that is "
           f"**{robustness(iv[2])}**)" if iv and all(_finite(v) for v in iv) else "")
    same_third = abs(p - c) <= VALUE_TOL
    third = ("a public owner or a co-operative" if same_third else "a public owner")
    why = (" Third-party owners pay to sell the power on site (metering and billing), for rooftop leases and for "
           "the agreement of every party with a say over a roof; a roof's owner using its own power pays none of it "
           "({doc}`02_data_methods`)." if word == "less than" else "")
    sentence = (f"Who owns the panels changes the value they create, not only who gets it: on the roofs where panels "
                f"are worth building, "
                f"panels held by {third} create {gbp_compact(p)} a year{rng} — **{word}** the {gbp_compact(m)} when "
                f"each roof's owner holds them." + why) if word != "about as much as" else (
                f"On the roofs where panels are worth building, panels held by {third} create {gbp_compact(p)} a "
                f"year{rng}, **about as much "
                f"as** the {gbp_compact(m)} when each roof's owner holds them: ownership decides who gets the value.")
    return Finding("value_by_ownership", "Ownership and value", sentence, CHAPTERS["gains"],
                   values={"owner_held_gbp": m, "public_gbp": p, "coop_gbp": c, "word": word},
                   ranges={"public_gbp": (iv[0], iv[1])} if iv else {},
                   rule=f"'more'/'less' when the totals differ by more than {pct(SAME_REL)} of the larger and by more "
                        f"than {gbp_compact(VALUE_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"],))


def third_party_value_short(con) -> list[Finding]:
    """Public or co-operative panels creating less value than owner-held ones on the same roofs."""
    f = value_by_ownership(con)
    return [f] if f.values["word"] == "less than" else []


def cost_shift_small(con) -> list[Finding]:
    """The market's cost shift onto other bill payers, when it is under :data:`MONEY_TOL` per household."""
    s = _summary(con, ["market", "market_batteries"])
    if "cost_shift_per_household" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks cost_shift_per_household")
    mk, mb = (float(s.loc[SCENARIOS[k], "cost_shift_per_household"]) for k in ("market", "market_batteries"))
    if max(abs(mk), abs(mb)) >= MONEY_TOL:
        return []
    iv = _interval(con, SCENARIOS["market"], "cost_shift_per_household")
    rng = f" ({gbp_auto_range(iv[0], iv[1])} over the draws)" if iv and all(_finite(v) for v in iv) else ""
    elsewhere = -float(s.loc[SCENARIOS["market"], "bill_payers_elsewhere_net"]) if "bill_payers_elsewhere_net" in s \
        else float("nan")
    away = (f"; bill payers elsewhere pick up {gbp_compact(elsewhere)} a year" if _finite(elsewhere) else "")
    return [Finding(
        "cost_shift_small", "A cost shift that leaves the place",
        f"At the scale the market would build, the costs that self-consumers no longer pay and the place's other "
        f"households pick up come to {gbp_auto(mk)} per household a year{rng}, {gbp_auto(mb)} with batteries: "
        f"**{more_or_less(max(abs(mk), abs(mb)), MONEY_TOL, words=THAN, rel_tol=0)}** {gbp(MONEY_TOL)}, because they "
        f"are recovered across the country{away}.",
        CHAPTERS["gains"], values={"market": mk, "market_batteries": mb, "elsewhere": elsewhere},
        rule=f"listed when the place's share of the shift is under {gbp(MONEY_TOL)} per household a year",
        sources=(ECONOMICS_TABLES["summary"],))]


def heat_ownership_losing(con) -> list[Finding]:
    """Solar district heat owned by the council or a co-op that leaves connected households worse off than gas."""
    table = ECONOMICS_TABLES["heat"]
    require(con, table, ["model", "households_connected", "saving_per_connected_household", "bill_ratio",
                         "share_connected_losing"])
    h = _heat_borough(con, table)
    losing = [m for m in ("council", "coop") if m in h.index and h.loc[m, "households_connected"] > 0
              and h.loc[m, "saving_per_connected_household"] < -MONEY_TOL]
    if not losing:
        return []
    c = h.loc[losing[0]]
    names = {"council": "the council", "coop": "a co-operative"}
    iv = _interval(con, HEAT_MODELS[losing[0]], "saving_per_connected_household")
    rng = f" ({_range_text(iv)})" if _range_text(iv) else ""
    other = [m for m in losing[1:]]
    other_text = "".join(f"; owned by {names[m]}, {gbp_auto(h.loc[m, 'saving_per_connected_household'])} "
                         f"({num(h.loc[m, 'bill_ratio'], 2)} times the gas bill)" for m in other)
    munich = munich_carries_over(c.bill_ratio)
    solar = float(c["solar_heat_gwh"]) if "solar_heat_gwh" in c.index and _finite(c["solar_heat_gwh"]) else None
    scheme = ("A solar district-heating scheme" if solar is None or solar > 0 else
              "A district-heating scheme (fed by gas boilers: no solar collectors pay at these prices)")
    sentence = (f"{scheme} owned by {names[losing[0]]} would **lose money** for the households it "
                f"connects: their heat would cost {num(c.bill_ratio, 2)} times their gas bill, "
                f"{gbp_auto(c.saving_per_connected_household)} a year per connected household{rng}, and "
                f"{pct(c.share_connected_losing)} of connected households would lose{other_text}. Munich's reported "
                f"halving of heating bills **{munich}** at these costs (a halving needs heat at "
                f"{num(MUNICH_HALVING_RATIO, 2)} times the gas bill or less; part of it holds up to "
                f"{num(MUNICH_PART_RATIO, 2)} times).")
    return [Finding("heat_ownership_losing", "District heat that costs more", sentence, CHAPTERS["gains"],
                    values={"model": losing[0], "saving": c.saving_per_connected_household, "bill_ratio": c.bill_ratio,
                            "share_connected_losing": c.share_connected_losing, "munich": munich},
                    ranges={"saving": (iv[0], iv[1])} if iv else {},
                    rule=f"listed when connected households lose more than {gbp(MONEY_TOL)} a year; Munich's halving "
                         f"carries over at a bill ratio ≤ {num(MUNICH_HALVING_RATIO, 2)}, in part ≤ "
                         f"{num(MUNICH_PART_RATIO, 2)}",
                    sources=(table, ECONOMICS_TABLES["robustness"]))]


#: A change in the value created smaller than this counts as batteries "about paying for themselves" [£/yr].
BATTERY_VALUE_TOL = 1_000.0


def battery_assumption(con) -> list[Finding]:
    """Framings whose generation includes home batteries, whose take-up is an assumed share (no payback test)."""
    f = _framings(con)
    with_batteries = [n for n in FRAMINGS if f.loc[n, "generation"] == "market_batteries"]
    if not with_batteries:
        return []
    s = _summary(con, ["market", "market_batteries"])
    mk, mb = s.loc[SCENARIOS["market"]], s.loc[SCENARIOS["market_batteries"]]
    take = assumption(con, "batteries", "battery_adoption_owner_occupier_adopters")
    extra = float(mb.real_value - mk.real_value)  # what the batteries add to the value created [£/yr]
    pays = sign_choice(extra, "they save more than they cost", "they cost more than they save",
                       "they about pay for themselves", BATTERY_VALUE_TOL)
    net_word = more_or_less(mb.net_per_household, mk.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    names = " and ".join(f"*{n}*" for n in with_batteries)
    sentence = (f"The {names} framing{'s' if len(with_batteries) > 1 else ''} add home batteries to the market: "
                f"{pct(take.value)} of owner-occupiers who install panels are **assumed** to add one "
                f"({pct_range(take.low, take.high)} over the draws, more often the richer they are), with no payback "
                f"test. With batteries the panels create {gbp_compact(mb.real_value)} of value a year against "
                f"{gbp_compact(mk.real_value)} without, a change of {gbp_compact(extra)}: **{pays}** — and households net "
                f"{gbp_auto(mb.net_per_household)} a year each, **{net_word}** the {gbp_auto(mk.net_per_household)} "
                f"without them. That part of these framings' results is an assumption about who buys batteries, not a "
                f"finding about them.")
    return [Finding("battery_assumption", "An assumption behind two framings" if len(with_batteries) > 1
                    else "An assumption behind a framing", sentence, CHAPTERS["gains"],
                    values={"framings": with_batteries, "take_up": take.value, "value_with": mb.real_value,
                            "value_without": mk.real_value, "net_with": mb.net_per_household,
                            "net_without": mk.net_per_household},
                    ranges={"take_up": (take.low, take.high)},
                    rule=f"listed whenever a framing includes batteries; they 'cost more than they save' when they lower "
                         f"the value created by more than {gbp_compact(BATTERY_VALUE_TOL)} a year",
                    sources=(ECONOMICS_TABLES["framings"], ECONOMICS_TABLES["summary"], "assumptions"))]


def framing_vs_cell(con) -> list[Finding]:
    """Framings whose result differs from their cell of the policy matrix, and why (from the data)."""
    f = _framings(con)
    table = ECONOMICS_TABLES["cells"]
    require(con, table, ["cell", "net_per_household"])
    cells = con.execute(f"SELECT cell, net_per_household FROM {table}").df().set_index("cell")["net_per_household"]
    from analysis.charts import label

    out = []
    for name in FRAMINGS:
        row = f.loc[name]
        cell = f"{row.network}/{row.recovery}/{row.generation}"
        if cell not in cells.index:
            continue
        diff = float(row.net_per_household - cells[cell])
        if abs(diff) <= MONEY_TOL:
            continue
        word = more_or_less(row.net_per_household, cells[cell], words=THAN, abs_tol=MONEY_TOL)
        if row.supply != "private":
            try:
                margin = assumption(con, "policy", "public_supply_margin_share")
                margin_text = (f" — the supplier's margin, {pct(margin.value, 1)} of the electricity bill "
                               f"({pct_range(margin.low, margin.high, 1)}), returned to households")
            except Unavailable:
                margin_text = ""
            why = (f"every cell of the matrix keeps electricity supply private, while the framing also takes supply "
                   f"into public ownership{margin_text}: {gbp_auto(diff, signed=True)} per household a year")
        else:
            why = f"the two differ by {gbp_auto(diff, signed=True)} per household a year for a reason not in the store"
        out.append(Finding(
            f"framing_vs_cell_{name.lower().replace(' ', '_')}", "One policy, two numbers",
            f"*{name}* leaves households {gbp_auto(row.net_per_household)} a year each, **{word}** the "
            f"{gbp_auto(cells[cell])} of its cell in the policy matrix ({label(cell)}): {why}.", CHAPTERS["gains"],
            values={"framing": float(row.net_per_household), "cell": float(cells[cell]), "difference": diff},
            rule=f"listed when a framing and its cell differ by more than {gbp(MONEY_TOL)} per household a year",
            sources=(ECONOMICS_TABLES["framings"], table, "assumptions")))
    return out


def solar_heat_short(con) -> list[Finding]:
    """The Ackermannbogen check when the model falls short of the reported solar fraction."""
    f = solar_heat_check(con)
    return [f] if f.values["position"] == "below" else []


def owner_occupiers_small(con) -> list[Finding]:
    """Owner-occupiers' roofs carry less capacity than their share of homes: less for them to capture."""
    f = roof_owners(con)
    if f.values["owner_occupier_capacity_share"] >= f.values["owner_occupier_home_share"] * (1 - SAME_REL):
        return []
    return [f]


def gains_paid_from_elsewhere(con) -> list[Finding]:
    """Public or co-operative ownership on the same roofs whose households' gain is smaller than what bill
    payers elsewhere pay for it: a transfer between places more than value made here."""
    s = _summary(con, ["equal_public", "equal_coop"])
    if "bill_payers_elsewhere_net" not in s.columns or "to_households" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks bill_payers_elsewhere_net or to_households")
    out = []
    for key in ("equal_coop", "equal_public"):
        row = s.loc[SCENARIOS[key]]
        here, elsewhere = float(row.to_households), -float(row.bill_payers_elsewhere_net)
        if not (_finite(here) and _finite(elsewhere)) or elsewhere <= max(here, 0.0):
            continue
        out.append(Finding(
            f"paid_from_elsewhere_{key}", "Gains paid for elsewhere",
            f"On the same {num(float(row.installed_mwp))} MWp of roofs, {FAVOURED[key]} leaves the place's households "
            f"{gbp_compact(here)} a year better off while bill payers elsewhere in the country pay "
            f"{gbp_compact(elsewhere)} a year more: power used where it is made no longer pays its share of the "
            f"networks and levies, so the households' gain is a transfer from other places more than value made here.",
            CHAPTERS["gains"], values={"to_households": here, "elsewhere": elsewhere},
            rule="listed when bill payers elsewhere pay more than the place's households gain",
            sources=(ECONOMICS_TABLES["summary"],)))
    return out


def observed_uptake_not_by_income(con) -> list[Finding]:
    """Panels already on the place's roofs that do not follow income the way the market model's do."""
    from analysis import tables as T

    require(con, T.ADOPTION_FIT, ["metric", "source", "observed", "observed_low", "observed_high", "model"])
    row = con.execute(f"""SELECT source, observed, observed_low, observed_high, model, areas_tested
        FROM {T.ADOPTION_FIT} WHERE metric = 'rank correlation with income'""").fetchone()
    if row is None or not all(_finite(v) for v in row[1:5]):
        return []
    source, observed, low, high, model, areas = row
    if not (model > INDEX_BAND and low <= 0):  # the observed pattern does not clearly follow income as the model's does
        return []
    return [Finding(
        "observed_uptake_not_by_income", "Real panels and income",
        f"The panels already on the roofs ({source}, tested on {num(areas)} neighbourhoods) do not clearly follow "
        f"income: their rank correlation with neighbourhood income is {num(observed, 2)} ({num(low, 2)} to "
        f"{num(high, 2)}), against {num(model, 2)} for the market as modelled. The record is partial and small, but "
        f"it does not show the richer neighbourhoods taking the panels first.",
        CHAPTERS["gains"], values={"observed": observed, "low": low, "high": high, "model": model},
        rule=f"listed when the model's correlation exceeds {INDEX_BAND:g} and the observed interval reaches zero or below",
        sources=(T.ADOPTION_FIT,))]


#: Checks on the evidence page: (function, what it looks for). Economics checks first.
EVIDENCE_CHECKS: list[tuple[Callable, str]] = [
    (sign_flips, "gains of public or co-operative ownership whose sign changes across parameter draws"),
    (equal_capacity_short, "public or co-operative ownership leaving households less than the market on the same roofs"),
    (wider_gaps, "richest-minus-poorest gaps that are wider under public or co-operative ownership than under the "
                 "market, or that point the other way"),
    (concentrated_gains, "public or co-operative gains that still concentrate among richer households"),
    (coop_tilt_assumed, "a co-operative's lean to the poorest that rests on how it is assumed to spend its fund"),
    (third_party_value_short, "public or co-operative panels creating less value than owner-held panels on the same "
                              "roofs"),
    (cost_shift_small, "a cost shift onto other bill payers under the stated threshold per household a year"),
    (gains_paid_from_elsewhere, "public or co-operative gains smaller than what bill payers elsewhere pay for them"),
    (observed_uptake_not_by_income, "panels already on the roofs that do not follow income as the modelled market's do"),
    (battery_assumption, "framings whose result rests on an assumed take-up of home batteries"),
    (heat_ownership_losing, "a council- or co-op-owned solar district-heating scheme that costs connected households "
                            "more than gas"),
    (owner_occupiers_small, "owner-occupiers' roofs carrying less capacity than their share of homes"),
    (solar_heat_short, "a modelled Ackermannbogen solar fraction below the one reported for the real scheme"),
]
#: Numbers that differ between two tables, explained on the evidence page (not evidence against the argument).
RECONCILIATIONS: list[tuple[Callable, str]] = [
    (framing_vs_cell, "policy framings whose result differs from their cell of the policy matrix"),
]


def evidence_against(con, checks=None) -> tuple[list[Finding], list[str], list[Pending]]:
    """Run every check of :data:`EVIDENCE_CHECKS` (or ``checks``).

    Returns
    -------
    findings : list of Finding
        What the checks found (each sentence generated from the store).
    clear : list of str
        Checks that ran and found nothing (said on the page too).
    pending : list of Pending
        Checks this store cannot run, and why.
    """
    found, clear, pending = [], [], []
    for func, what in (EVIDENCE_CHECKS if checks is None else checks):
        try:
            hits = func(con)
        except Unavailable as exc:
            pending.append(Pending(func.__name__, what, _why(exc), CHAPTERS["gains"]))
            continue
        (found.extend(hits) if hits else clear.append(what))
    return found, clear, pending


def reconciliations(con) -> tuple[list[Finding], list[str], list[Pending]]:
    """Run :data:`RECONCILIATIONS` (same returns as :func:`evidence_against`)."""
    return evidence_against(con, RECONCILIATIONS)
