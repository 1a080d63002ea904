"""The book's findings: functions ``f(con) -> Finding`` that read the store and write a sentence."""

from __future__ import annotations

import re
from typing import Callable

import pandas as pd

from analysis import store
from analysis.findings.formats import (
    count, DRAW_INTERVAL_PCT, _finite, gbp, gbp_auto, gbp_auto_range, gbp_compact, mwp, NBSP, num,
    num_range, num_sig, pct, pct_range,
)
from analysis.findings.words import (
    gap_side, higher_or_lower, MONEY_TOL, more_or_less, NoValue, ROBUST_SHARE, robustness, SAME_REL,
    share_of_draws, sign_choice, THAN, Unavailable, VALUE_TOL,
)
from analysis.findings.queries import (
    assumption, CHAPTERS, _columns, _difference, ECONOMICS_TABLES, Finding, FRAMINGS, HEAT_MODELS,
    _interval, _one, Pending, place_name, require, SCENARIOS, _summary, tables,
)


def pv_potential(con) -> Finding:
    """Rooftop PV a year (low–high) against the electricity homes use."""
    require(con, "area_potential", ["kwh_low", "kwh_central", "kwh_high", "kwp_central", "elec_demand_kwh"])
    t = _one(con, """SELECT sum(kwh_low)/1e6 lo, sum(kwh_central)/1e6 gwh, sum(kwh_high)/1e6 hi,
                     sum(kwp_central)/1e3 mwp, sum(elec_demand_kwh)/1e6 elec, sum(buildings_suitable) nb
                     FROM area_potential""")
    word = more_or_less(t.gwh, t.elec, words=THAN)
    sentence = (f"{place_name(con)}'s roofs could generate about **{num(t.gwh)}{NBSP}GWh** of electricity a year "
                f"({num_range(t.lo, t.hi, unit='GWh')} over the roof assumptions) from "
                f"{mwp(t.mwp)}{NBSP}MWp on {count(t.nb, 'suitable building')}: **{word}** the "
                f"{num(t.elec)}{NBSP}GWh its households use at home ({pct(t.gwh / t.elec)} of it).")
    return Finding("pv_potential", "Solar electricity", sentence, CHAPTERS["pv"],
                   values={"gwh": t.gwh, "mwp": t.mwp, "domestic_elec_gwh": t.elec, "share_of_domestic": t.gwh / t.elec},
                   ranges={"gwh": (t.lo, t.hi), "share_of_domestic": (t.lo / t.elec, t.hi / t.elec)},
                   rule=f"'more'/'less' when the central output differs from domestic use by more than "
                        f"{pct(SAME_REL)} of the larger",
                   sources=("area_potential",))


#: Published LiDAR-based shares to compare the roof rules with: key -> (share, what it is a share of, citation).
SUITABILITY_ANCHORS = {
    "sunroof_buildings": (0.79, "of rooftops analysed technically viable for solar (Google Project Sunroof, "
                                "all US states)", "google_sunroof2017"),
    "gagnon_small_buildings": (0.83, "of small buildings with at least one suitable roof plane (Gagnon et al., US)",
                               "gagnon2016"),
    "gagnon_small_area": (0.26, "of small buildings' roof area suitable for PV (Gagnon et al., US)", "gagnon2016"),
}
#: Gagnon et al.'s "small building": a footprint under 5,000 ft² [m²].
SMALL_BUILDING_M2 = 5000 * 0.09290304


#: Building groups of :func:`suitability` (SQL conditions on ``buildings b``).
SUITABILITY_GROUPS = {"all": "TRUE", "small": "b.footprint_m2 < $small",
                      "houses": "b.dwelling_type = 'house'",
                      "flats": "b.dwellings > 0 AND coalesce(b.dwelling_type, '') <> 'house'",
                      "non_domestic": "coalesce(b.dwellings, 0) = 0"}


def suitability(con) -> pd.DataFrame:
    """Share of buildings with a suitable plane and share of roof area on suitable planes, low/central/high.

    Rows: ``measure`` (``buildings``, ``roof_area`` on suitable planes, or ``usable_area``: the area left
    on suitable planes after setbacks and obstructions, central case only) × ``group`` (:data:`SUITABILITY_GROUPS`: ``all``;
    ``small``, footprint under :data:`SMALL_BUILDING_M2`, Gagnon et al.'s small buildings; ``houses``,
    ``flats`` and ``non_domestic`` buildings; groups without buildings are left out); columns ``low``, ``central``,
    ``high`` (the roof assumptions' cases, ``roof_planes.suitable_low/central/high``, after shading)
    and ``unshaded`` (central rules, no neighbours) [fractions].
    """
    require(con, "roof_planes", ["building_id", "area_m2", "suitable_low", "suitable_central", "suitable_high",
                                 "suitable_unshaded"])
    require(con, "buildings", ["building_id", "footprint_m2"])
    rows = []
    for group, where in SUITABILITY_GROUPS.items():
        t = con.execute(f"""
            WITH per AS (SELECT p.building_id, sum(p.area_m2) a,
                     bool_or(p.suitable_low) sl, bool_or(p.suitable_central) sc, bool_or(p.suitable_high) sh,
                     bool_or(p.suitable_unshaded) su,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_low), 0) al,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_central), 0) ac,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_high), 0) ah,
                     coalesce(sum(p.area_m2) FILTER (WHERE p.suitable_unshaded), 0) au,
                     coalesce(sum(p.usable_m2) FILTER (WHERE p.suitable_central), 0) uc
                 FROM roof_planes p JOIN buildings b USING (building_id) WHERE {where} GROUP BY 1)
            SELECT count(*) n, avg(sl::INT) bl, avg(sc::INT) bc, avg(sh::INT) bh, avg(su::INT) bu,
                   sum(al) / sum(a) al, sum(ac) / sum(a) ac, sum(ah) / sum(a) ah, sum(au) / sum(a) au,
                   sum(uc) / sum(a) uc FROM per""",
                        {"small": SMALL_BUILDING_M2} if "$small" in where else {}).df().iloc[0]
        if not t.n:
            continue
        rows.append({"measure": "buildings", "group": group, "buildings": int(t.n), "low": t.bl, "central": t.bc,
                     "high": t.bh, "unshaded": t.bu})
        rows.append({"measure": "roof_area", "group": group, "buildings": int(t.n), "low": t.al, "central": t.ac,
                     "high": t.ah, "unshaded": t.au})
        rows.append({"measure": "usable_area", "group": group, "buildings": int(t.n), "low": float("nan"),
                     "central": t.uc, "high": float("nan"), "unshaded": float("nan")})
    frame = pd.DataFrame(rows)
    # the low and high cases need not order the shares the same way: keep low <= high for ranges
    lo, hi = frame[["low", "high"]].min(axis=1), frame[["low", "high"]].max(axis=1)
    frame["low"], frame["high"] = lo, hi
    return frame


def roof_owners(con) -> Finding:
    """Whose roofs carry the capacity (low–high over the roof assumptions), against owner-occupiers'
    share of homes."""
    require(con, "buildings", ["roof_owner", "dw_owner_occupied"])
    require(con, "building_potential", ["kwp_low", "kwp_central", "kwp_high"])
    from analysis.charts import label

    own = con.execute("""SELECT b.roof_owner, sum(p.kwp_central) kwp, sum(p.kwp_low) lo, sum(p.kwp_high) hi
                         FROM buildings b JOIN building_potential p USING (building_id)
                         GROUP BY 1 ORDER BY kwp DESC""").df().set_index("roof_owner")
    hh = _one(con, "SELECT sum(dw_owner_occupied) oo, sum(dwellings) dw FROM buildings")
    shares = own / own.sum()  # per roof-assumption case: central, low and high capacity
    oo = shares.reindex(["owner_occupier"]).fillna(0.0).iloc[0]
    oo_share, oo_lo, oo_hi = float(oo.kwp), float(min(oo.lo, oo.hi, oo.kwp)), float(max(oo.lo, oo.hi, oo.kwp))
    oo_hh = hh.oo / hh.dw
    top = shares.index[0]
    word = more_or_less(oo_share, oo_hh, words=THAN)
    lead_owner = label(top).lower()
    top_lo, top_hi = sorted((float(shares.loc[top, "lo"]), float(shares.loc[top, "hi"])))
    def rng(lo, hi, central, what=""):  # no "(33 %)" when both ends round to the central share
        text = pct_range(lo, hi)
        return "" if text == pct(central) else f" ({text}{what})"

    sentence = (f"Owner-occupiers' own roofs carry **{pct(oo_share)}** of the solar capacity"
                f"{rng(oo_lo, oo_hi, oo_share, ' over the roof assumptions')} — **{word}** their {pct(oo_hh)} share of "
                f"homes; the largest share, **{pct(shares.loc[top, 'kwp'])}**"
                f"{rng(top_lo, top_hi, shares.loc[top, 'kwp'])}, is on roofs owned by {_plural_owner(lead_owner)}.")
    return Finding("roof_owners", "Who owns the roofs", sentence, CHAPTERS["ownership"],
                   values={"owner_occupier_capacity_share": oo_share, "owner_occupier_home_share": oo_hh,
                           "largest_owner": top, "largest_owner_share": float(shares.loc[top, "kwp"])},
                   ranges={"owner_occupier_capacity_share": (oo_lo, oo_hi), "largest_owner_share": (top_lo, top_hi)},
                   rule=f"'more'/'less' when the shares differ by more than {pct(SAME_REL)} of the larger",
                   sources=("buildings", "building_potential"),
                   basis="the share of homes is a count of the census households placed on buildings, not an "
                         "estimate with a range")


def _plural_owner(label_text: str) -> str:
    """``"private freeholder" → "private freeholders"`` for owner labels in prose."""
    special = {"council or housing association": "the council or housing associations", "business": "businesses",
               "public body": "public bodies", "faith or community group": "faith or community groups"}
    return special.get(label_text, label_text + "s")


#: Why counts of homes carry no range (said under the finding).
HOMES_BASIS = ("counts of the census households placed on buildings by one seeded allocation (tenure by "
               "neighbourhood is observed; which building holds which home is imputed), not estimates with a range")
#: The same for a sentence about homes inside a longer finding.
HOMES_BASIS_IN = "the homes are " + HOMES_BASIS


def homes_basis(con, inside: bool = False) -> str:
    """:data:`HOMES_BASIS`, saying so when the tenure was not observed but assumed (no tenure data)."""
    text = HOMES_BASIS if store.tenure_observed(con) else HOMES_BASIS.replace(
        "tenure by neighbourhood is observed", "tenure is assumed: England and Wales 2021 shares, as this place "
                                               "gives no tenure counts")
    return ("the homes are " + text) if inside else text


def homes_under_others_roofs(con) -> Finding:
    """Homes whose household does not own the roof above it, and consents per block."""
    require(con, "buildings", ["roof_owner", "dwellings", "dw_owner_occupied", "consents"])
    t = _one(con, """SELECT sum(dwellings) dw,
                        sum(dwellings) FILTER (WHERE roof_owner <> 'owner_occupier') other,
                        sum(dw_owner_occupied) oo,
                        sum(dw_owner_occupied) FILTER (WHERE roof_owner <> 'owner_occupier') oo_other,
                        median(consents) FILTER (WHERE dwellings > 1) consents_blocks
                     FROM buildings WHERE dwellings > 0""")
    share = t.other / t.dw
    sentence = (f"**{pct(share)}** of homes ({num(t.other)} of {num(t.dw)}) sit under a roof their household does "
                f"not own; even among owner-occupied homes it is {pct(t.oo_other / t.oo)} (flats under a "
                f"freeholder's roof).")
    return Finding("homes_under_others_roofs", "Roofs are not the homes under them", sentence,
                   CHAPTERS["ownership"],
                   values={"share_homes_not_owning_roof": share, "homes": t.dw,
                           "owner_occupied_share_not_owning_roof": t.oo_other / t.oo,
                           "median_consents_multi_home": t.consents_blocks},
                   sources=("buildings",), basis=homes_basis(con))


def roofs_and_homes(con) -> Finding:
    """Who owns the roofs and the homes under them, in one finding (the key-findings page)."""
    r, h = roof_owners(con), homes_under_others_roofs(con)
    return Finding("roofs_and_homes", "Who owns the roofs", r.sentence + " " + h.sentence, CHAPTERS["ownership"],
                   values=r.values | h.values, ranges=r.ranges, rule=r.rule, sources=r.sources + h.sources,
                   basis=homes_basis(con, inside=True))


def heat_demand(con) -> Finding:
    """Heat demand (low–high), homes against non-domestic buildings."""
    require(con, "area_heat", ["heat_kwh_low", "heat_kwh_central", "heat_kwh_high", "heat_kwh_domestic",
                               "heat_kwh_nondomestic"])
    t = _one(con, """SELECT sum(heat_kwh_low)/1e6 lo, sum(heat_kwh_central)/1e6 gwh, sum(heat_kwh_high)/1e6 hi,
                     sum(heat_kwh_domestic)/1e6 dom, sum(heat_kwh_nondomestic)/1e6 nondom FROM area_heat""")
    word = more_or_less(t.nondom, t.dom, words=THAN)
    sentence = (f"Buildings need about **{num(t.gwh)}{NBSP}GWh** of heat a year ({num_range(t.lo, t.hi, unit='GWh')}); "
                f"offices, shops, schools and other non-domestic buildings need **{word}** homes: "
                f"{num(t.nondom)}{NBSP}GWh against {num(t.dom)}{NBSP}GWh.")
    return Finding("heat_demand", "Heat", sentence, CHAPTERS["heat"],
                   values={"heat_gwh": t.gwh, "domestic_gwh": t.dom, "nondomestic_gwh": t.nondom},
                   ranges={"heat_gwh": (t.lo, t.hi)},
                   rule=f"'more'/'less' when the two differ by more than {pct(SAME_REL)} of the larger",
                   sources=("area_heat",))


def district_heat(con) -> Finding:
    """Contiguous zones dense enough for district heating, and their share of demand."""
    require(con, "heat_cells", ["heat_mwh", "zone_id", "dh_zone"])
    threshold = assumption(con, "heat", "dh_density_threshold_mwh_per_ha")
    min_zone = assumption(con, "heat", "dh_min_zone_gwh")
    t = _one(con, """SELECT count(DISTINCT zone_id) FILTER (WHERE dh_zone) zones,
                        coalesce(sum(heat_mwh) FILTER (WHERE dh_zone), 0) / nullif(sum(heat_mwh), 0) zone_share,
                        count(*) FILTER (WHERE dh_zone) cells
                     FROM heat_cells""")
    zones = int(t.zones)
    zone_text = count(zones, "contiguous zone")
    verb = "passes" if zones == 1 else "pass"
    sentence = (f"{zone_text.capitalize()} {verb} both district-heating tests (hectare cells of at least "
                f"{num(threshold.value)}{NBSP}MWh/ha·yr, joined into zones of at least {num(min_zone.value)}{NBSP}GWh/yr); "
                f"{'it holds' if zones == 1 else 'they hold'} **{pct(t.zone_share)}** of the heat demand.")
    return Finding("district_heat", "District heating", sentence, CHAPTERS["heat"],
                   values={"zones": zones, "share_of_heat_in_zones": t.zone_share, "cells": int(t.cells),
                           "density_threshold_mwh_per_ha": threshold.value, "min_zone_gwh": min_zone.value},
                   ranges={"density_threshold_mwh_per_ha": (threshold.low, threshold.high),
                           "min_zone_gwh": (min_zone.low, min_zone.high)},
                   sources=("heat_cells", "assumptions"))


def tree_shade(con) -> Finding:
    """What the mapped trees take off the roofs' electricity (the ``tree_loss`` of each plane)."""
    require(con, "roof_planes", ["tree_loss", "kwh_central", "kwp_central", "suitable", "no_tree_kwh_central",
                                 "no_tree_kwp_central"])
    require(con, "data_quality", ["step", "field", "records", "observed"])
    q = con.execute("SELECT records, observed FROM data_quality WHERE step = 'trees' AND field = 'crowns'").fetchone()
    if q is None or not q[0]:
        raise Unavailable("no trees were modelled in this store")
    t = _one(con, """SELECT count(*) FILTER (WHERE tree_loss > 0 AND no_tree_kwp_central > 0) AS planes,
                            count(*) FILTER (WHERE no_tree_kwp_central > 0) AS suitable_planes,
                            count(*) FILTER (WHERE no_tree_kwp_central > 0 AND NOT suitable) AS lost_planes,
                            (sum(no_tree_kwh_central) - sum(kwh_central)) / 1e6 AS gwh,
                            (sum(no_tree_kwp_central) - sum(kwp_central)) / 1e3 AS mwp,
                            sum(no_tree_kwh_central) / 1e6 AS total_gwh FROM roof_planes""")
    a = {name: assumption(con, "trees", name).value for name in
         ("transmissivity_leaf_on", "transmissivity_leaf_off", "leaf_on_first_day", "leaf_on_last_day",
          "tree_height_m", "wood_height_m")}
    share = t.gwh / t.total_gwh if t.total_gwh > 0 else 0.0
    sentence = (f"The {num(q[0])} trees, tree rows and woods on the map shade roofs too, through their crowns: a "
                f"crown in leaf lets {pct(a['transmissivity_leaf_on'])} of the light through, a bare one "
                f"{pct(a['transmissivity_leaf_off'])} (in leaf from day {num(a['leaf_on_first_day'])} to day "
                f"{num(a['leaf_on_last_day'])} of the year). Heights are mapped for {num(q[1])} of them; the rest are "
                f"assumed ({num(a['tree_height_m'])} m a tree, {num(a['wood_height_m'])} m a wood). They shade "
                f"{num(t.planes)} of the {num(t.suitable_planes)} roof planes that buildings' shade leaves suitable, "
                f"leave {num(t.lost_planes)} of them too dark to be worth panels, and take "
                f"{num_sig(t.mwp, 2)}{NBSP}MWp and {num_sig(t.gwh, 2)}{NBSP}GWh a year off the potential "
                f"({pct(share, 1)} of its electricity).")
    return Finding("tree_shade", "Trees", sentence, CHAPTERS["pv"],
                   values={"trees": q[0], "heights_mapped": q[1], "planes": t.planes, "lost_planes": t.lost_planes,
                           "mwp": t.mwp, "gwh": t.gwh, "share": share},
                   sources=("roof_planes", "data_quality", "assumptions"),
                   basis="tree heights are mostly assumed, so this is an estimate without a range")


def solar_heat_check(con) -> Finding:
    """The model's Ackermannbogen solar fraction against the range reported for the real scheme."""
    require(con, "heat_checks", ["check", "solar_fraction", "solar_fraction_no_store", "reported_solar_fraction_low",
                                 "reported_solar_fraction_high", "flats", "store_m3", "collector_m2"])
    frame = con.execute("SELECT * FROM heat_checks WHERE \"check\" = 'ackermannbogen'").df()
    if frame.empty:
        raise Unavailable("heat_checks has no Ackermannbogen row")
    a = frame.iloc[0]
    lo, hi = a.reported_solar_fraction_low, a.reported_solar_fraction_high
    where = "below" if a.solar_fraction < lo else ("above" if a.solar_fraction > hi else "within")
    sentence = (f"Modelled with this book's weather and collector model, a scheme sized like Munich's Ackermannbogen "
                f"({num(a.collector_m2)}{NBSP}m² of collectors, a {num(a.store_m3)}{NBSP}m³ seasonal store, "
                f"{num(a.flats)} flats) covers **{pct(a.solar_fraction)}** of its heat — **{where}** the "
                f"{pct_range(lo, hi)} reported for the real scheme — and {pct(a.solar_fraction_no_store)} without "
                f"the seasonal store.")
    return Finding("solar_heat_check", "Solar heat with seasonal storage", sentence, CHAPTERS["heat"],
                   values={"solar_fraction": a.solar_fraction, "solar_fraction_no_store": a.solar_fraction_no_store,
                           "position": where},
                   ranges={"reported_solar_fraction": (lo, hi)},
                   rule="'below'/'within'/'above' the reported range",
                   sources=("heat_checks",))


def data_basis(con) -> Finding:
    """How much of the building stock rests on observation rather than imputation."""
    require(con, "data_quality", ["step", "field", "records", "observed", "parsed", "derived", "imputed"])
    dq = con.execute("SELECT * FROM data_quality WHERE step = 'buildings'").df().set_index("field")
    if "levels" not in dq.index:
        raise Unavailable("data_quality has no buildings.levels row")
    lv = dq.loc["levels"]
    n = _one(con, "SELECT count(*) n, sum(dwellings) dw FROM buildings")
    observed = lv.parsed / lv.records
    sentence = (f"The {num(n.n)} buildings are real OpenStreetMap footprints; {pct(observed)} of them have mapped "
                f"storeys and the rest are imputed, as are the homes and tenures placed on them from the census "
                f"(every such gap is counted in the data-quality table).")
    return Finding("data_basis", "What is observed", sentence, CHAPTERS["data"],
                   values={"buildings": n.n, "levels_observed_share": observed},
                   sources=("data_quality", "buildings"))


def _gap_caveat(con, scenario: str) -> str:
    """``", though not in 25 % of the draws"`` when the richest-minus-poorest gap of ``scenario`` keeps its
    sign in too few draws to be robust (a fragile gap is never stated bare); else empty."""
    iv = _interval(con, scenario, "top_minus_bottom")
    if not iv or not _finite(iv[2]) or robustness(iv[2]) == "robust":
        return ""
    return f" in the central case, though not in {pct(1 - float(iv[2]))} of the draws: a **fragile** difference"


def _range_text(iv, what: str = "over the parameter draws") -> str:
    """``"−£2.39 to −£0.13 over the parameter draws, a sign that is **robust**"`` (empty without draws)."""
    if not iv or not all(_finite(v) for v in iv):
        return ""
    return f"{gbp_auto_range(iv[0], iv[1])} {what}, a sign that is **{robustness(iv[2])}**"


def who_gains_market(con) -> Finding:
    """SLOT (economics): how much the market builds, and what households get from it, in plain words."""
    s = _summary(con, ["market", "equal_market"])
    own, cap = s.loc[SCENARIOS["market"]], s.loc[SCENARIOS["equal_market"]]
    iv = _interval(con, SCENARIOS["market"], "net_per_household")
    net = float(own.net_per_household)
    amount = ("about nothing" if abs(net) < MONEY_TOL else gbp_auto(net))
    rng = (f" ({gbp_auto_range(min(iv[0], iv[1]), max(iv[0], iv[1]))} over the uncertain assumptions)"
           if iv and all(_finite(v) for v in iv[:2]) else "")
    sentence = (f"Left to the market, owners would add {mwp(own.installed_mwp)}{NBSP}MWp of panels, "
                f"{pct(own.installed_mwp / cap.installed_mwp) if cap.installed_mwp > 0 else 'none'} of what the roofs "
                f"where panels are worth building could take, and households would gain **{amount}** a year each on "
                f"average{rng}: {gbp_auto(own.bottom_decile_net)} in the poorest tenth of neighbourhoods, "
                f"{gbp_auto(own.top_decile_net)} in the richest ({gap_side(own.top_minus_bottom, MONEY_TOL)}"
                f"{_gap_caveat(con, SCENARIOS['market'])}).")
    return Finding("who_gains_market", "What the market would do", sentence, CHAPTERS["gains"],
                   values={"installed_mwp": own.installed_mwp, "possible_mwp": cap.installed_mwp, "net": net,
                           "top_decile_net": own.top_decile_net, "bottom_decile_net": own.bottom_decile_net,
                           "gap": own.top_minus_bottom},
                   ranges={"net": (iv[0], iv[1])} if iv else {},
                   rule=f"'about nothing' under {gbp(MONEY_TOL)} a household a year; which tenth gains more when the "
                        f"gap exceeds {gbp(MONEY_TOL)}",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]),
                   basis="" if iv else "no parameter draws in this store: central values only")


def who_pays(con) -> Finding:
    """SLOT (economics): what the place's households gain against what bill payers elsewhere pay and
    what the panels are worth to the system, for a public company on the roofs it controls."""
    s = _summary(con, ["public"])
    p = s.loc[SCENARIOS["public"]]
    if "bill_payers_elsewhere_net" not in s.columns:
        raise Unavailable(f"{ECONOMICS_TABLES['summary']} lacks bill_payers_elsewhere_net (a store from before 2026-12)")
    place = place_name(con) or "the place"
    hh, per = float(p.to_households), float(p.net_per_household)
    elsewhere = -float(p.bill_payers_elsewhere_net)
    value, climate = float(p.real_value), float(p.climate_value) if "climate_value" in s.columns else 0.0
    iv = _interval(con, SCENARIOS["public"], "net_per_household")
    rng = (f", {gbp_auto_range(min(iv[0], iv[1]), max(iv[0], iv[1]))} over the uncertain assumptions"
           if iv and all(_finite(v) for v in iv[:2]) else "")
    off = sign_choice(hh, "better off", "worse off", "about as well off", VALUE_TOL)
    pays = sign_choice(elsewhere, "pay", "save", "pay about", VALUE_TOL)
    worth = sign_choice(value + climate, "are worth more than they cost", "cost more than they are worth",
                        "are worth about what they cost", VALUE_TOL)
    sentence = (f"A public energy company putting panels on the roofs the council controls ({mwp(p.installed_mwp)}"
                f"{NBSP}MWp) would leave {place}'s households {gbp_compact(abs(hh))} a year **{off}** "
                f"({gbp_auto(per)} a household{rng}), while bill payers elsewhere in the country would **{pays}** "
                f"{gbp_compact(abs(elsewhere))} a year: power used where it is made saves its user the whole unit rate, "
                f"but the networks, levies and suppliers' costs in that rate are still owed and are charged to "
                f"everyone else. Counted at what their power saves the system, and with the emissions they avoid, "
                f"the panels **{worth}** (their power is worth {gbp_compact(value)} a year net of their cost; the "
                f"emissions they avoid are worth {gbp_compact(climate)} a year besides).")
    return Finding("who_pays", "Who pays", sentence, CHAPTERS["gains"],
                   values={"households_gbp": hh, "per_household": per, "elsewhere_gbp": elsewhere, "value_gbp": value,
                           "climate_gbp": climate, "installed_mwp": float(p.installed_mwp)},
                   ranges={"per_household": (iv[0], iv[1])} if iv else {},
                   rule=f"'better off'/'pay'/'cost more' by sign, 'about' within {gbp_compact(VALUE_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]),
                   basis="" if iv else "no parameter draws in this store: central values only")


def equal_capacity(con) -> Finding:
    """SLOT (economics): ownership compared at equal installed capacity on the same roofs."""
    s = _summary(con, ["equal_market", "equal_public", "equal_coop"])
    m, p, c = (s.loc[SCENARIOS[k]] for k in ("equal_market", "equal_public", "equal_coop"))
    word_p = more_or_less(p.net_per_household, m.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    word_c = more_or_less(c.net_per_household, m.net_per_household, words=THAN, abs_tol=MONEY_TOL)
    diff = _difference(con, SCENARIOS["equal_public"], SCENARIOS["equal_market"], "net_per_household")
    diff_c = _difference(con, SCENARIOS["equal_coop"], SCENARIOS["equal_market"], "net_per_household")
    rng = f"; over the parameter draws the difference ranges {_range_text(diff, '')}" if _range_text(diff) else ""
    rng = rng.replace(" , a sign", ", a sign")
    rng_c = f"; difference {_range_text(diff_c, '')}".replace(" , a sign", ", a sign") if _range_text(diff_c) else ""
    # The public company's own roofs can be about as large a set: say they are other roofs, not the same scheme.
    other = ""
    try:
        own_mwp = float(_summary(con, ["public"]).loc[SCENARIOS["public"], "installed_mwp"])
        if _finite(own_mwp) and mwp(own_mwp) == mwp(m.installed_mwp):
            other = (" (not the council-controlled roofs a public company would choose itself, which happen to add up to "
                     "about the same capacity)")
    except (KeyError, Unavailable):
        pass
    sentence = (f"On the same roofs — the {mwp(m.installed_mwp)}{NBSP}MWp where panels are worth building{other} — public "
                f"ownership leaves households "
                f"**{word_p}** the market does ({gbp_auto(p.net_per_household)} against {gbp_auto(m.net_per_household)} "
                f"per household a year{rng}); a co-operative leaves them **{word_c}** the market does "
                f"({gbp_auto(c.net_per_household)}{rng_c}).")
    ranges = {}
    if diff:
        ranges["public_minus_market"] = (diff[0], diff[1])
    if diff_c:
        ranges["coop_minus_market"] = (diff_c[0], diff_c[1])
    return Finding("equal_capacity", "Ownership at equal scale", sentence, CHAPTERS["gains"],
                   values={"mwp": m.installed_mwp, "market": m.net_per_household, "public": p.net_per_household,
                           "coop": c.net_per_household},
                   ranges=ranges,
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and "
                        f"by more than {gbp(MONEY_TOL)} a year",
                   sources=(ECONOMICS_TABLES["summary"], ECONOMICS_TABLES["robustness"]),
                   basis="" if ranges else "no parameter draws in this store: central values only")


def tenure_gains(con) -> Finding:
    """SLOT (economics): social renters against owner-occupiers under market and public ownership, with ranges."""
    table = ECONOMICS_TABLES["tenure"]
    require(con, table, ["scenario", "tenure", "net_per_household"])
    ids = [SCENARIOS["market"], SCENARIOS["public"]]
    t = con.execute(f"SELECT scenario, tenure, net_per_household FROM {table} WHERE scenario IN (?, ?)", ids).df()
    t = t.pivot(index="scenario", columns="tenure", values="net_per_household")
    if not {"owner_occupied", "social_rented"} <= set(t.columns) or not set(ids) <= set(t.index):
        raise Unavailable(f"{table} lacks owner-occupied/social-rented rows for market and public")
    mk, pb = t.loc[ids[0]], t.loc[ids[1]]
    word_m = more_or_less(mk.social_rented, mk.owner_occupied, words=THAN, abs_tol=MONEY_TOL)
    word_p = more_or_less(pb.social_rented, pb.owner_occupied, words=THAN, abs_tol=MONEY_TOL)
    ranges = {}
    for key, scen in (("market", ids[0]), ("public", ids[1])):
        for ten in ("social_rented", "owner_occupied"):
            iv = _interval(con, scen, f"{ten}_net_per_household")
            if iv and all(_finite(v) for v in iv):
                ranges[f"{key}_{ten}"] = (iv[0], iv[1])

    def r(key):
        return f" ({gbp_auto_range(*ranges[key])} over the draws)" if key in ranges else ""

    summary_table = ECONOMICS_TABLES["summary"]
    fixed = None
    if summary_table in tables(con) and "fixed_by_construction" in _columns(con, summary_table):
        fixed = con.execute(f"SELECT fixed_by_construction FROM {summary_table} WHERE scenario = ?", [ids[1]]).fetchone()
    rule_note = (", equal shares per household as its return rule sets"
                 if fixed and fixed[0] and word_p.startswith("about") else "")
    sentence = (f"Under the market, social renters net **{word_m}** owner-occupiers: {gbp_auto(mk.social_rented)} a year "
                f"per household{r('market_social_rented')} against {gbp_auto(mk.owner_occupied)}"
                f"{r('market_owner_occupied')}; under public ownership they net **{word_p}** owner-occupiers"
                f"{rule_note}: {gbp_auto(pb.social_rented)}{r('public_social_rented')} against "
                f"{gbp_auto(pb.owner_occupied)}{r('public_owner_occupied')}.")
    return Finding("tenure_gains", "Renters and owners", sentence, CHAPTERS["gains"],
                   values={"market_social": mk.social_rented, "market_owner": mk.owner_occupied,
                           "public_social": pb.social_rented, "public_owner": pb.owner_occupied},
                   ranges=ranges,
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and "
                        f"by more than {gbp(MONEY_TOL)} a year",
                   sources=(table, ECONOMICS_TABLES["robustness"]),
                   basis="" if ranges else "no parameter draws in this store: central values only")


def _framings(con) -> pd.DataFrame:
    table = ECONOMICS_TABLES["framings"]
    require(con, table, ["framing", "network", "recovery", "generation", "supply", "net_per_household"])
    f = con.execute(f"SELECT * FROM {table}").df().set_index("framing")
    missing = [n for n in FRAMINGS if n not in f.index]
    if missing:
        raise Unavailable(f"{table} has no framing {', '.join(missing)}")
    return f.loc[list(FRAMINGS)]


def policy_framings(con) -> Finding:
    """SLOT (policy): the four policy framings side by side, each with its range over the draws."""
    f = _framings(con)
    rob = ECONOMICS_TABLES["framing_robustness"]
    parts, ranges = [], {}
    for name in FRAMINGS:
        iv = _interval(con, name, "net_per_household", table=rob, key="framing")
        text = f"{gbp_auto(f.loc[name, 'net_per_household'])} under *{name}*"
        notes = []
        if iv and all(_finite(v) for v in iv):
            ranges[name] = (iv[0], iv[1])
            notes.append(gbp_auto_range(iv[0], iv[1]))
        reform = float(f.loc[name, "recovery_reform_per_household"]) if "recovery_reform_per_household" in f else 0.0
        if _finite(reform) and abs(reform) > MONEY_TOL:
            notes.append(f"{gbp_auto(reform)} of it from its charging rule alone")
        parts.append(text + (f" ({'; '.join(notes)})" if notes else ""))
    order = f["net_per_household"].sort_values(ascending=False)
    best, second = order.index[0], order.index[1]
    word = more_or_less(order.iloc[0], order.iloc[1], words=THAN, abs_tol=MONEY_TOL)
    lead = _difference(con, best, FRAMINGS[0], "net_per_household", table=rob, key="framing") \
        if best != FRAMINGS[0] else None
    lead_text = (f"; its lead over the *{FRAMINGS[0]}* is **{robustness(lead[2])}** over the draws"
                 if lead and _finite(lead[2]) else "")
    sentence = (f"A year per household (with ranges over the parameter draws), households net "
                f"{', '.join(parts[:-1])} and {parts[-1]}: *{best}* leaves them **{word}** *{second}*, the next{lead_text}."
                f"{_charging_rule_words(con, f)}")
    return Finding("policy_framings", "Four policy framings", sentence, CHAPTERS["gains"],
                   values={name: float(f.loc[name, "net_per_household"]) for name in FRAMINGS} | {"best": best},
                   ranges=ranges,
                   rule=f"'more'/'less' when the amounts differ by more than {pct(SAME_REL)} of the larger and by more "
                        f"than {gbp(MONEY_TOL)} a year; 'robust' if the lead holds in at least {pct(ROBUST_SHARE)} of draws",
                   sources=(ECONOMICS_TABLES["framings"], rob),
                   basis="" if ranges else "no parameter draws in this store: central values only")


def charging_income(con, framing: str = "Green New Deal") -> dict | None:
    """What a framing's charging rule costs the place and the income comparison it rests on:
    ``reform`` (its charging rule alone, per household a year), ``income`` (the place's
    household-weighted mean income), ``national`` with ``low``/``high`` and ``date`` (the assumed
    national mean income); None when the rule moves less than :data:`MONEY_TOL` onto the place or
    a number is missing."""
    f = _framings(con)
    if "recovery_reform_per_household" not in f or framing not in f.index:
        return None
    reform = float(f.loc[framing, "recovery_reform_per_household"])
    if not _finite(reform) or reform >= -MONEY_TOL:
        return None
    try:
        national = assumption(con, "tariffs", "national_mean_income")
    except Unavailable:
        return None
    income = _one(con, "SELECT sum(income_mean_gbp * households) / nullif(sum(households) FILTER "
                       "(WHERE income_mean_gbp IS NOT NULL), 0) AS avg_income FROM areas").avg_income
    if not _finite(income):
        return None
    return {"reform": reform, "income": float(income), "national": float(national.value),
            "low": float(national.low), "high": float(national.high), "date": str(national.date)}


def _charging_rule_words(con, framings: pd.DataFrame) -> str:
    """Why a framing's charging rule moves money, in plain words: charges shared by income fall on places
    richer than the country's mean — and that comparison rests on an assumed national income."""
    if "recovery_reform_per_household" not in framings or not (framings["recovery_reform_per_household"]
                                                                 < -MONEY_TOL).any():
        return ""
    c = charging_income(con, framings["recovery_reform_per_household"].idxmin())
    if c is None:
        return ""
    place = place_name(con) or "the place"
    return (f" Sharing network charges by income moves them onto places that earn more than the country's average: "
            f"{place}'s households' mean income in the model's data is {gbp(c['income'])} a year, against an assumed "
            f"national mean of {gbp(c['national'])} ({gbp(c['low'])} to {gbp(c['high'])}; "
            f"{c['date']} terms) — the charging rule's cost here rests on that comparison.")


def _heat_borough(con, table: str) -> pd.DataFrame:
    """The heat-ownership rows at borough scale, one per owner."""
    h = con.execute(f"SELECT * FROM {table}").df()
    if "scale" in h:
        h = h[h["scale"] == "borough"]
    return h.set_index("model")


def heat_ownership(con) -> Finding:
    """SLOT (heat ownership): what a council-owned solar district-heating scheme would do to heat bills."""
    table = ECONOMICS_TABLES["heat"]
    require(con, table, ["model", "areas_built", "households_connected", "solar_heat_gwh",
                         "saving_per_connected_household", "bill_ratio", "share_connected_losing"])
    h = _heat_borough(con, table)
    if "council" not in h.index:
        raise Unavailable(f"{table} has no council row")
    c = h.loc["council"]
    if not c.households_connected:
        raise Unavailable("no household would be connected to a council scheme in this store")
    saving = float(c.saving_per_connected_household)
    iv = _interval(con, HEAT_MODELS["council"], "saving_per_connected_household")
    verb = sign_choice(saving, "save", "lose", "neither save nor lose", MONEY_TOL)
    bills = higher_or_lower(c.bill_ratio, 1.0, words=("higher than", "lower than", "about the same as"))
    rng = f" ({_range_text(iv)})" if _range_text(iv) else ""
    esco = h.loc["esco"] if "esco" in h.index else None
    esco_text = ("" if esco is None else
                 "; a private energy company, charging just under the gas bill, would build nowhere"
                 if not esco.areas_built else
                 f"; a private energy company, charging just under the gas bill, would build in "
                 f"{count(esco.areas_built, 'area')}")
    solar = (f"supply {num(c.solar_heat_gwh)}{NBSP}GWh of solar heat a year" if c.solar_heat_gwh >= 0.05 else
             "get no solar collectors (at these prices they cost more than the gas they save: it would be a "
             "heat network fed by gas boilers)")
    sentence = (f"A council-owned district-heating scheme would connect {num(c.households_connected)} households "
                f"and {solar}; their heat bill would be "
                f"**{bills}** their gas bill ({num(c.bill_ratio, 2)} times), so connected households would **{verb}** "
                f"{gbp_auto(abs(saving))} a year each{rng}{esco_text}.")
    return Finding("heat_ownership", "Who would own solar district heat", sentence, CHAPTERS["gains"],
                   values={"households_connected": c.households_connected, "saving": saving,
                           "bill_ratio": c.bill_ratio, "share_connected_losing": c.share_connected_losing,
                           "solar_heat_gwh": c.solar_heat_gwh, "esco_areas_built": 0 if esco is None else esco.areas_built},
                   ranges={"saving": (iv[0], iv[1])} if iv else {},
                   rule=f"'save'/'lose' beyond {gbp(MONEY_TOL)} a year; bills 'about the same' within {pct(SAME_REL)}",
                   sources=(table, ECONOMICS_TABLES["robustness"]),
                   basis="" if iv else "no parameter draws in this store: central values only")


def heat_and_district(con) -> Finding:
    """Heat demand, the district-heating zones and (when the store has it) who would own a solar scheme."""
    h, d = heat_demand(con), district_heat(con)
    parts, values, ranges = [h, d], h.values | d.values, h.ranges | d.ranges
    try:
        o = heat_ownership(con)
        parts.append(o)
        values |= {f"ownership_{k}": v for k, v in o.values.items()}
        ranges |= {f"ownership_{k}": v for k, v in o.ranges.items()}
    except Unavailable:
        pass
    return Finding("heat_and_district", "Heat and district heating", " ".join(p.sentence for p in parts),
                   CHAPTERS["heat"], values=values, ranges=ranges,
                   rule="; ".join(p.rule for p in parts if p.rule),
                   sources=tuple(t for p in parts for t in p.sources),
                   basis="the zones are counted against stated thresholds, not estimated with a range (the thresholds' ranges are "
                         "in the heat chapter)")


#: Headline metrics of the robust-or-fragile table, and the models it covers (own scale, then equal capacity).
ROBUST_METRICS = ("net_per_household", "top_minus_bottom", "bottom_decile_net")
ROBUST_SCENARIOS = ("market", "public", "coop", "equal_market", "equal_public", "equal_coop")


def _robust_rows(con, metrics=ROBUST_METRICS, scenario_keys=ROBUST_SCENARIOS, differences=False) -> pd.DataFrame:
    table = ECONOMICS_TABLES["robustness"]
    require(con, table, ["scenario", "metric", "kind", "central", "low", "high", "share_same_sign"])
    ids = [SCENARIOS[k] for k in scenario_keys]
    r = con.execute(f"""SELECT scenario, metric, kind, central, low, high, share_same_sign FROM {table}
                        WHERE kind = 'level' AND metric IN ({', '.join('?' * len(metrics))})
                        AND scenario IN ({', '.join('?' * len(ids)) or 'NULL'})""", list(metrics) + ids).df()
    if differences:
        d = con.execute(f"""SELECT scenario, metric, kind, central, low, high, share_same_sign FROM {table}
                            WHERE kind = 'difference' AND metric IN ({', '.join('?' * len(metrics))})
                            AND scenario LIKE '%@worthwhile_roofs minus market@worthwhile_roofs:%'""", list(metrics)).df()
        r = pd.concat([r, d], ignore_index=True)
    order = {s: i for i, s in enumerate(ids)}
    r["_s"] = r.scenario.map(order).fillna(len(ids))
    pair = r.scenario.str.split(":").str[0]  # a difference row's pair of scenarios, without its metric
    models = ("public", "public_progressive", "coop", "aggregator", "market_batteries")  # favoured models first
    r["_p"] = [f"{next((i for i, m in enumerate(models) if p.startswith(m + '@')), len(models))}{p}" for p in pair]
    r["_m"] = r.metric.map({m: i for i, m in enumerate(metrics)})
    return r.sort_values(["kind", "_s", "_p", "_m"], ascending=[False, True, True, True]).drop(columns=["_s", "_p", "_m"])


def _model_label(scenario: str, short: bool = False) -> str:
    """Words for a table's model column; a difference ``"A@roofs minus market@roofs: m"`` reads
    ``"<A> vs market-led, <roofs>"`` (shorter than both labels in full), or ``"<A>"`` with ``short``
    (a table whose caption says what every row is compared with)."""
    from analysis.charts import label

    m = re.fullmatch(r"(.+?)@(\w+) minus market@\2(?:: \w+)?", scenario)
    if m:
        return label(m.group(1)) if short else f"{label(m.group(1))} vs market-led, {label(m.group(2))}"
    return label(scenario)


def robust_or_fragile(con) -> Finding:
    """SLOT (economics): how many headline signs survive the joint parameter draws."""
    r = _robust_rows(con)
    if r.empty:
        raise Unavailable(f"{ECONOMICS_TABLES['robustness']} has no headline metrics")
    robust = int((r.share_same_sign >= ROBUST_SHARE).sum())
    sentence = (f"Of {count(len(r), 'headline sign')} (net gain, richest-minus-poorest gap and the poorest tenth's "
                f"gain under each ownership model, at its own scale and on all suitable roofs), {num(robust)} "
                f"{'is' if robust == 1 else 'are'} **robust** and {num(len(r) - robust)} **fragile** over the joint "
                f"parameter draws (table below).")
    return Finding("robust_or_fragile", "Robust or fragile", sentence, CHAPTERS["gains"],
                   values={"headlines": len(r), "robust": robust},
                   rule=f"'robust' if the central sign holds in ≥ {pct(ROBUST_SHARE)} of draws",
                   sources=(ECONOMICS_TABLES["robustness"],),
                   basis="a count of the rows of the table below, not an estimate")


#: Headlines that are a place's totals a year (not amounts per household).
TOTAL_METRICS = ("real_value", "grants", "capex", "to_households", "to_public", "to_outside",
                 *(f"{party}_net" for party in ("households", "coop_members", "treasury", "housing_revenue_account",
                                                "public_bodies", "private_landlords", "businesses", "faith_communities",
                                                "aggregator", "esco", "capital_providers", "suppliers",
                                                "network_owners")), "owner_net")


def _is_total(metric: str) -> bool:
    """A place's total a year (``real_value``, ``treasury_net`` …), not an amount per household."""
    return metric in TOTAL_METRICS


def _metric_value(metric: str, value) -> str:
    """A headline value as a reader sees it: shares in %, indices to two figures, totals in words, else £."""
    if metric.startswith("share"):
        return pct(value, 1)
    if metric.startswith("concentration") or metric.endswith("pct_income"):
        return num_sig(value, 2, signed=True)
    if metric == "installed_mwp":
        return num(value, 1, unit="MWp")
    if _is_total(metric):
        return gbp_compact(value)
    return gbp_auto(value)


def _metric_range(metric: str, low, high) -> str:
    """A headline's range in the units of :func:`_metric_value`."""
    lo, hi = sorted((float(low), float(high)))
    if metric.startswith("share"):
        return pct_range(lo, hi, 1)
    if metric.startswith("concentration") or metric.endswith("pct_income"):
        return f"{num_sig(lo, 2)} to {num_sig(hi, 2)}"
    if metric == "installed_mwp":
        return num_range(lo, hi, 1, unit="MWp")
    if _is_total(metric):
        return f"{gbp_compact(lo)} to {gbp_compact(hi)}"
    return gbp_auto_range(lo, hi)


def robustness_table(con, metrics=ROBUST_METRICS, scenario_keys=ROBUST_SCENARIOS, differences=False,
                     short_models: bool = False) -> pd.DataFrame:
    """The robust-or-fragile table for a reader: labels, not codes; money with a true minus sign.

    Columns: ``Ownership model``, ``Measure``, ``Central``, ``Verdict`` (rule: :data:`ROBUST_SHARE`),
    ``Sign holds in`` and ``<N> % range over the draws``. Rows fixed by a scenario's own
    rule are not in the store's table (the economics step leaves them out).
    """
    from analysis.charts import label

    r = _robust_rows(con, metrics, scenario_keys, differences)
    return pd.DataFrame({  # the verdict early: on a phone the first columns are the ones seen without scrolling
        "Ownership model": [_model_label(v, short_models) for v in r.scenario],
        "Measure": r.metric.map(label),
        "Central": [_metric_value(m, v) for m, v in zip(r.metric, r.central)],
        "Verdict": [robustness(v) for v in r.share_same_sign],
        "Sign holds in": [share_of_draws(v) + " of draws" for v in r.share_same_sign],
        f"{DRAW_INTERVAL_PCT}{NBSP}% range over the draws": [_metric_range(m, lo, hi)
                                                             for m, lo, hi in zip(r.metric, r.low, r.high)],
    })


#: Findings on the key-findings page, in order: (function, lead used when it is pending).
KEY_FINDINGS: list[tuple[Callable, str]] = [
    (pv_potential, "Solar electricity"),
    (roofs_and_homes, "Who owns the roofs"),
    (who_gains_market, "What the market would do"),                # economics slot
    (who_pays, "Who pays"),                                         # economics slot
    (equal_capacity, "Ownership at equal scale"),                  # economics slot
    (policy_framings, "Four policy framings"),                     # policy slot
    (heat_and_district, "Heat and district heating"),              # incl. heat ownership
]
#: Finding functions whose evidence is in the who-gains chapter (pending ones link there).
_GAINS_SLOTS = ("who_gains_market", "who_pays", "equal_capacity", "tenure_gains", "robust_or_fragile",
                "policy_framings", "heat_ownership")


def run_all(con, entries) -> tuple[list[Finding], list[Pending]]:
    """Run finding functions; return the findings and, for the rest, why they are pending."""
    done, pending = [], []
    for func, lead in entries:
        try:
            done.append(func(con))
        except Unavailable as exc:
            chapter = CHAPTERS["gains"] if func.__name__ in _GAINS_SLOTS else ""
            pending.append(Pending(func.__name__, lead, _why(exc), chapter))
    return done, pending


def word_or(default: str, func, *args, **kwargs) -> str:
    """``func(*args)`` (a direction-word function), or ``default`` when a number it needs is missing."""
    try:
        return func(*args, **kwargs)
    except NoValue:
        return default


def _why(exc: Unavailable) -> str:
    """Why a finding is pending, in words (a missing number says so, not only which comparison failed)."""
    return f"a number it needs is missing for this place ({exc})" if isinstance(exc, NoValue) else str(exc)


def key_findings(con) -> tuple[list[Finding], list[Pending]]:
    """The book's key findings (see :data:`KEY_FINDINGS`) and the ones this store cannot give."""
    return run_all(con, KEY_FINDINGS)
