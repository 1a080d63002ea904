"""Who would own solar district heat, and what it does to bills against gas and against heat pumps.

In every district-heating candidate area, the dwellings in the zone that connect
(``heat_connection_share``) give up their gas boilers for a heat network fed by rooftop
collectors and a seasonal store — each sized by cost in the heat step
(:func:`analysis.heat.district.size_solar_district_heating`: no store, or no collectors, where
they do not pay) — and topped up by gas boilers in an energy centre. Owners differ in their cost
of capital and tariff:

* a **council** charges cost (capital at the public rate);
* a **co-operative** charges cost at its share interest (members get the premium);
* a private **ESCO** charges the gas counterfactual less a small discount, and builds only where
  that pays at an investor's rate.

The **gas counterfactual** of a connected home is its gas (unit rate incl. VAT through a boiler
of ``boiler_efficiency``), the gas standing charge for the share of homes that give up gas
(``gas_disconnection_share``) and the boiler's yearly cost. The standing charge pays for the gas
network's fixed costs: when homes leave, the other gas customers pay it (a cost shift, booked to
households equally). The **heat-pump counterfactual** is an air-source heat pump per home (capital
less the Treasury's grant, annualised at the household rate, electricity at the domestic unit
rate through the seasonal COP, servicing): shown beside the bills, not booked.

Domestic heat per area is first scaled to the area's metered gas (:func:`calibrated_heat`).

Two scales are reported: the **borough** (every candidate area) and an **estate** (of the areas
of mostly flats with ordinary heat per home, the one where a council scheme saves most per home
— a few hundred homes, the scale of Munich's Ackermannbogen, 320 flats; :func:`estate_area`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.economics import kernel as k
from analysis.economics.params import Params
from analysis.heat.district import store_capex
from analysis.quality import QualityLog

HEAT_MODELS = ("council", "coop", "esco")
LOSS_THRESHOLD = 1.0


def _column(frame: pd.DataFrame, name: str, fill: float = 0.0) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").fillna(fill).to_numpy(dtype=float) if name in frame \
        else np.full(len(frame), fill)


def heat_ownership(area_heat: pd.DataFrame, groups: k.Groups, p: Params, log: QualityLog | None = None,
                   book_by_decile: bool = False) -> dict:
    """Who captures the savings of a solar district heat scheme, by owner (council, co-op, ESCO).

    Parameters
    ----------
    area_heat : pandas.DataFrame
        The heat step's ``area_heat`` (candidacy, zone share, demand, the sized scheme).
    groups : Groups
        Area groups (households by slot, income, deciles), rows in the order of ``area_heat``'s ids.
    p : Params
    book_by_decile : bool
        Keep the ledgers by income decile (10 groups) instead of by area (for many draws).

    Returns
    -------
    dict
        model -> dict with ``ledger``, ``built`` (A, D) bool, ``connected`` (A, D) households,
        ``per_household`` (A, D) saving per connected household, ``bill`` (A, D) heat bill per
        connected household incl. VAT, ``gas_bill`` and ``heat_pump_bill`` (A, D) counterfactuals
        per household, ``bill_ratio`` (D,) heat bill / gas bill of connected homes, ``solar_kwh``,
        ``heat_kwh``, ``capex`` (A, D); and ``"areas"`` -> the per-area inputs.
    """
    log = log if log is not None else QualityLog()
    D = p.n_draws
    ah = area_heat.set_index("area_id").reindex(groups.ids)
    cand = ah["dh_candidate_area"].fillna(False).astype(bool).to_numpy() if "dh_candidate_area" in ah \
        else np.zeros(len(ah), dtype=bool)
    share_zone = _column(ah, "share_buildings_in_dh_zone")
    heat_all = _column(ah, "heat_kwh_central")
    if "heat_kwh_domestic" in ah:
        heat_dom = _column(ah, "heat_kwh_domestic", np.nan)
        missing = np.isnan(heat_dom)
    else:
        heat_dom, missing = np.full(len(ah), np.nan), np.ones(len(ah), dtype=bool)
    if missing.any():
        heat_dom = np.where(missing, heat_all, heat_dom)
        log.record("economics", "heat_kwh_domestic", records=len(ah), imputed=int(missing.sum()),
                   note="no domestic/non-domestic split of heat demand: all modelled heat taken as domestic")
    heat_dom = calibrated_heat(ah, heat_dom, log)
    f_solar = _column(ah, "sdh_solar_fraction")
    coll, store = _column(ah, "sdh_collector_m2"), _column(ah, "sdh_store_m3")
    hh = groups.households.sum(axis=1)  # (A,)
    conn_share = p.row("heat_connection_share")
    zone = (cand * share_zone)[:, None]
    connected = hh[:, None] * zone * conn_share  # (A, D)
    heat = heat_dom[:, None] * zone * conn_share
    scale = np.divide(heat, heat_all[:, None], out=np.zeros_like(heat), where=heat_all[:, None] > 0)
    collector_m2, store_m3 = coll[:, None] * scale, store[:, None] * scale
    solar_kwh = f_solar[:, None] * heat
    vat = p.row("vat_rate_domestic_energy")
    gas_fuel = heat / p.row("boiler_efficiency") * p.row("gas_price_per_kwh")  # incl. VAT
    standing = connected * p.row("gas_disconnection_share") * p.row("gas_standing_charge_per_day") * 365
    boiler = connected * p.row("gas_boiler_annual_cost")
    counterfactual = gas_fuel + standing + boiler  # connected households' bill today
    life_hp = p.row("heat_pump_life_years")
    heat_pump = (connected * ((p.row("heat_pump_capex") - p.row("heat_pump_grant"))
                              * k.capital_recovery_factor(p.row("discount_rate_household"), life_hp)
                              + p.row("heat_pump_annual_service"))
                 + heat / p.row("heat_pump_scop") * p.row("retail_price_per_kwh"))
    cap_coll = collector_m2 * p.row("sdh_collector_capex_per_m2")
    cap_store = store_capex(store_m3, p.row("sdh_store_capex_per_m3_at_5000m3"), p.row("sdh_store_cost_exponent"))
    cap_net = connected * p.row("heat_network_capex_per_dwelling")
    running = (p.row("heat_network_om_share_of_capex") * (cap_coll + cap_store + cap_net)
               + (heat - solar_kwh) * p.row("backup_heat_cost_per_kwh"))
    life_coll, life_net = p.row("lifetime_years"), p.row("heat_network_lifetime_years")

    def cost(rate):
        return (cap_coll * k.capital_recovery_factor(rate, life_coll)
                + (cap_store + cap_net) * k.capital_recovery_factor(rate, life_net) + running)

    c_ref = cost(p.row("discount_rate_public"))
    gas_ex = gas_fuel / (1 + vat)
    # Real value: gas and boilers no longer bought, less the scheme at the public rate. The standing
    # charge pays for fixed network costs: not saved, shifted (booked below).
    real = gas_ex + boiler - c_ref
    slot_split = np.divide(groups.households, hh[:, None], out=np.zeros_like(groups.households), where=hh[:, None] > 0)
    everyone = groups.households / max(groups.households.sum(), 1e-9)  # (A, 8): the place's share of the others
    # The gas network's fixed costs are recovered from every gas customer of the area (Great Britain):
    # the place's households pay their share, bill payers elsewhere the rest.
    place_hh = groups.households.sum()
    place_share = np.divide(place_hh, k.recovery_area(place_hh, p.national_households),
                            out=np.ones(D), where=k.recovery_area(place_hh, p.national_households) > 0)
    if book_by_decile:
        n_ledger, area_decile = 10, np.clip(groups.decile - 1, 0, 9)
        to_ledger = lambda x: k.group_sum(10, area_decile, np.asarray(x, dtype=float))  # noqa: E731
    else:
        n_ledger, to_ledger = len(groups), lambda x: x  # noqa: E731
    out = {}
    for model in HEAT_MODELS:
        ledger = k.Ledger(n_ledger, D)
        if model == "council":
            c, built, bill_ex = c_ref, heat > 0, c_ref
        elif model == "coop":
            c = cost(p.row("discount_rate_coop"))
            built, bill_ex = heat > 0, c
        else:
            c = cost(p.row("discount_rate_aggregator"))
            bill_ex = (1 - p.row("esco_gas_parity_discount")) * counterfactual / (1 + vat)
            built = (heat > 0) & (bill_ex >= c)
        b = built.astype(float)
        gain = b * (counterfactual - bill_ex * (1 + vat))
        ledger.book("households", "heat_bill_saving", to_ledger(slot_split[:, :, None] * gain[:, None, :]))
        shifted = (b * standing).sum(axis=0)  # (D,) standing charges the other gas customers now pay
        ledger.book("households", "gas_standing_charge_shift",
                    to_ledger(-everyone[:, :, None] * (place_share * shifted)[None, None, :]))
        ledger.book("bill_payers_elsewhere", "gas_standing_charge_shift",
                    to_ledger(-np.full((len(groups), 1), 1.0 / len(groups)) * ((1 - place_share) * shifted)[None, :]))
        ledger.book("treasury", "vat_on_bills", to_ledger(b * vat * (bill_ex - gas_ex)))
        premium = b * (c - c_ref)
        if model == "coop":
            ledger.book("coop_members", "member_interest",
                        to_ledger(k.membership_weights(groups, p)) * premium.sum(axis=0)[None, None, :])
        elif model == "esco":
            ledger.book("esco", "profit", to_ledger(b * (bill_ex - c)))
            ledger.book("capital_providers", "interest_above_public_rate", to_ledger(premium))
        ledger.real_value = to_ledger(b * real)
        conn_built = b * connected
        bills = (b * bill_ex * (1 + vat)).sum(axis=0)
        today = (b * counterfactual).sum(axis=0)
        per = lambda x: np.divide(x, connected, out=np.full_like(x, np.nan), where=connected > 0)  # noqa: E731
        out[model] = {"ledger": ledger, "built": built, "connected": conn_built,
                      "per_household": np.divide(gain, conn_built, out=np.zeros_like(gain), where=conn_built > 0),
                      "bill": per(bill_ex * (1 + vat)), "gas_bill": per(counterfactual), "heat_pump_bill": per(heat_pump),
                      "bill_ratio": np.divide(bills, today, out=np.full(D, np.nan), where=today > 0),
                      "solar_kwh": b * solar_kwh, "heat_kwh": b * heat, "capex": b * (cap_coll + cap_store + cap_net),
                      "collector_m2": b * collector_m2, "store_m3": b * store_m3}
    return out


def heat_metrics(res: dict, groups: k.Groups) -> dict:
    """Headlines of one heat owner per draw: connected households, saving per connected household,
    bill ratio, share of connected households losing, owner and Treasury totals."""
    ledger = res["ledger"]
    conn = res["connected"].sum(axis=0)
    hh_gain = ledger.households(["heat_bill_saving"]).sum(axis=(0, 1))
    losing = (res["connected"] * (res["per_household"] < -LOSS_THRESHOLD)).sum(axis=0)
    parties = ledger.party_totals()
    zero = np.zeros_like(conn)
    return {"households_connected": conn, "heat_gwh": res["heat_kwh"].sum(axis=0) / 1e6,
            "solar_heat_gwh": res["solar_kwh"].sum(axis=0) / 1e6,
            "solar_share": np.divide(res["solar_kwh"].sum(axis=0), res["heat_kwh"].sum(axis=0), out=np.full_like(conn, np.nan),
                                     where=res["heat_kwh"].sum(axis=0) > 0),
            "saving_per_connected_household": np.divide(hh_gain, conn, out=np.full_like(conn, np.nan), where=conn > 0),
            "bill_ratio": res["bill_ratio"],
            "share_connected_losing": np.divide(losing, conn, out=np.full_like(conn, np.nan), where=conn > 0),
            "treasury_net": parties.get("treasury", zero),
            "owner_net": parties.get("esco", parties.get("coop_members", zero)),
            "real_value": ledger.real_value.sum(axis=0), "ledger_imbalance": ledger.imbalance()}


#: An area's modelled heat is scaled to its metered gas by at most this factor either way.
CALIBRATION_LIMIT = 3.0


def calibrated_heat(ah: pd.DataFrame, heat_dom: np.ndarray, log: QualityLog | None = None) -> np.ndarray:
    """Domestic heat per area ``(A,)`` [kWh/yr] scaled to metered gas where the place has it: by the
    area's metered gas heat (``observed_gas_heat_kwh``) over the model's heat of the homes on gas
    (``modelled_gas_heat_kwh``), within ``1 / CALIBRATION_LIMIT`` … ``CALIBRATION_LIMIT``; unchanged
    where either is missing. Bills and savings per home then rest on the metered use, not on the
    building model's error (which is largest in a few areas)."""
    if not {"observed_gas_heat_kwh", "modelled_gas_heat_kwh"} <= set(ah.columns):
        return heat_dom
    observed = pd.to_numeric(ah["observed_gas_heat_kwh"], errors="coerce").to_numpy(dtype=float)
    modelled = pd.to_numeric(ah["modelled_gas_heat_kwh"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(observed) & np.isfinite(modelled) & (modelled > 0) & (observed > 0)
    factor = np.ones(len(heat_dom))
    factor[ok] = np.clip(observed[ok] / modelled[ok], 1 / CALIBRATION_LIMIT, CALIBRATION_LIMIT)
    if log is not None and ok.any():
        log.record("economics", "heat_calibration", records=len(heat_dom), derived=int(ok.sum()),
                   note=f"domestic heat scaled to metered gas per area (median factor {np.median(factor[ok]):.2f}, "
                        f"range {factor[ok].min():.2f}-{factor[ok].max():.2f})")
    return heat_dom * factor


def estate_area(council: dict, groups: k.Groups, flat_share: float = 0.8, heat_ratio: float = 1.5) -> int:
    """The estate-scale example: of the areas where a council scheme connects homes, mostly flats
    (at least ``flat_share`` of households) and with ordinary heat per home (at most ``heat_ratio``
    times the median of those areas — not an area whose homes carry other buildings' heat), the one
    where the council scheme saves most per home; −1 when there is none (any connected area is
    taken when none is mostly flats)."""
    conn = council["connected"][:, 0]
    h = groups.households.sum(axis=1)
    flats = np.divide(groups.households[:, 1::2].sum(axis=1), h, out=np.zeros_like(h), where=h > 0)
    per_home_heat = np.divide(council["heat_kwh"][:, 0], conn, out=np.full(len(conn), np.nan), where=conn > 0)
    ok = conn > 0
    if not ok.any():
        return -1
    typical = per_home_heat <= heat_ratio * np.nanmedian(per_home_heat[ok])
    pick = ok & typical & (flats >= flat_share)
    pick = pick if pick.any() else ok & typical if (ok & typical).any() else ok
    saving = np.where(pick, council["per_household"][:, 0], -np.inf)
    return int(np.argmax(saving))


def heat_tables(res_central: dict, groups: k.Groups) -> dict:
    """Store tables of the central heat-ownership run: summary (borough and estate scale), by decile,
    by tenure, and per area (the schemes and the three bills per home)."""
    summary, dec_rows, ten_rows = [], [], []
    h = groups.households
    council = res_central["council"]
    estate = estate_area(council, groups)
    for model, res in res_central.items():
        m = {key: float(v[0]) for key, v in heat_metrics(res, groups).items()}
        summary.append({"model": model, "scale": "borough", "areas_built": int(res["built"][:, 0].sum()), **m,
                        "capex": float(res["capex"][:, 0].sum()), "collector_m2": float(res["collector_m2"][:, 0].sum()),
                        "store_m3": float(res["store_m3"][:, 0].sum())})
        if estate >= 0:
            one = {key: (v[estate:estate + 1] if isinstance(v, np.ndarray) and v.ndim == 2 else v) for key, v in res.items()
                   if key != "ledger"}
            conn = float(one["connected"][0, 0])
            heat_kwh = float(one["heat_kwh"][0, 0])
            summary.append({"model": model, "scale": "estate", "area_id": groups.ids[estate],
                            "areas_built": int(one["built"][0, 0]), "households_connected": conn,
                            "heat_gwh": heat_kwh / 1e6, "solar_heat_gwh": float(one["solar_kwh"][0, 0]) / 1e6,
                            "solar_share": float(one["solar_kwh"][0, 0]) / heat_kwh if heat_kwh > 0 else np.nan,
                            "saving_per_connected_household": float(one["per_household"][0, 0]) if conn > 0 else np.nan,
                            "bill_ratio": float(one["bill"][0, 0] / one["gas_bill"][0, 0]) if conn > 0 else np.nan,
                            "capex": float(one["capex"][0, 0]), "collector_m2": float(one["collector_m2"][0, 0]),
                            "store_m3": float(one["store_m3"][0, 0])})
        gain = res["ledger"].households(["heat_bill_saving"])[:, :, 0]
        conn = res["connected"][:, 0]
        share_slot = np.divide(h, h.sum(axis=1, keepdims=True), out=np.zeros_like(h), where=h.sum(axis=1, keepdims=True) > 0)
        conn_t = k.slots_to_tenure((conn[:, None] * share_slot)[:, :, None])[:, :, 0]
        gain_t = k.slots_to_tenure(gain[:, :, None])[:, :, 0]
        for d in range(1, 11):
            sel = groups.decile == d
            households = h[sel].sum()
            if households > 0:
                c = conn[sel].sum()
                dec_rows.append({"model": model, "decile": d, "households": households, "households_connected": c,
                                 "saving_per_household": gain[sel].sum() / households,
                                 "saving_per_connected_household": gain[sel].sum() / c if c > 0 else np.nan})
        h_t = groups.by_tenure
        for t, tenure in enumerate(k.TENURES):
            households = h_t[:, t].sum()
            if households > 0:
                c = conn_t[:, t].sum()
                ten_rows.append({"model": model, "tenure": tenure, "households": households, "households_connected": c,
                                 "saving_per_household": gain_t[:, t].sum() / households,
                                 "saving_per_connected_household": gain_t[:, t].sum() / c if c > 0 else np.nan})
    area = pd.DataFrame({"area_id": groups.ids, "households_connected": council["connected"][:, 0],
                         "collector_m2": council["collector_m2"][:, 0], "store_m3": council["store_m3"][:, 0],
                         "solar_share": np.divide(council["solar_kwh"][:, 0], council["heat_kwh"][:, 0],
                                                  out=np.full(len(groups), np.nan), where=council["heat_kwh"][:, 0] > 0),
                         "gas_bill_per_home": council["gas_bill"][:, 0], "heat_pump_bill_per_home": council["heat_pump_bill"][:, 0],
                         **{f"{m}_bill_per_home": np.where(res_central[m]["built"][:, 0], res_central[m]["bill"][:, 0], np.nan)
                            for m in HEAT_MODELS}})
    group_columns = ["model", "households", "households_connected", "saving_per_household",
                     "saving_per_connected_household"]
    return {"heat_ownership": pd.DataFrame(summary),
            "heat_ownership_decile": pd.DataFrame(dec_rows, columns=["model", "decile", *group_columns[1:]]),
            "heat_ownership_tenure": pd.DataFrame(ten_rows, columns=["model", "tenure", *group_columns[1:]]),
            "heat_ownership_area": area}
