"""The economics kernel: costs, self-consumption, owners' routes to market and a ledger with incidence.

Ownership scenarios (:mod:`analysis.economics.scenarios`), the policy matrix
(:mod:`analysis.economics.policy`) and heat ownership all run on this module.

**Units and draws.** Every function works on *units* — single roofs, or classes of similar roofs
(then quantities are class totals and ``n_buildings`` says how many) — and on *draws* of the
parameters (:class:`~analysis.economics.params.Params`, arrays of shape ``(D,)``); unit quantities
broadcast to ``(U, D)``. Nothing loops over buildings or draws in Python.

**Money, per representative year** [currency/yr, real]: capital is annualised at the investing
owner's cost of capital; the ledger counts its real cost at the public borrowing rate
(``discount_rate_public``) and books the difference to whoever is paid it (``capital_providers``,
or co-op members). Output is the life-average year (degradation).

**Routes to market.** Each owner sells or uses the power the way that owner really can:

* an owner-occupied **house** uses it behind its meter and exports at a household export tariff
  (a tied/untied mix, ``export_tied_share_households``);
* a **private landlord's** tenants use it behind their meters; the landlord recovers a share of
  their saving in the rent (``landlord_rent_capture_share``: the split incentive) and sells
  export untied;
* a **social landlord's** tenants use it (less an optional recovery, ``social_landlord_recovery_share``);
  its rent account takes the export and the costs;
* a **freeholder** of flats recharges the costs through service charges and credits the panels'
  earnings to the service-charge account: everything passes through to its leaseholders;
* in a **block of flats** the roof array reaches only the landlord's communal supply
  (``communal_load_kwh_per_flat``) — unless shared-solar kit is installed, at
  ``shared_solar_cost_per_flat``, which puts it behind every flat's meter. Every owner picks the
  route that serves its objective better;
* **businesses, public bodies, faith communities** use it behind their own meters at the
  non-domestic price of their size;
* **third parties** (a rent-a-roof company, a co-operative, a public energy company) pay roof
  rent, sell on-site power to the occupants under a PPA at a discount (``ppa_discount_*``) with a
  metering and billing cost (``onsite_sale_cost_per_kwh``), and export untied. The co-op's
  surplus goes to its community fund, which spends it on households by a stated rule; the public
  company's is returned to households equally or progressively. No one gets a supplier's margin
  for free.

Export earns its owner the tariff it can get; the **system value** of exported power
(``export_system_value_per_kwh``) is the real value, and the difference is the suppliers' spread.

**Who decides.** At its own scale each owner installs where its own objective is met (the market
by a payback uptake curve; investors where they profit; public and social owners where their
books balance). On equal roof sets (every suitable roof, or the market's roofs) an owner whose
objective would be negative on a roof is paid a visible **top-up grant** by the Treasury, so no
one runs a hidden loss.

**The ledger identity** (tested for every scenario, cell and draw): the flows to all parties sum
to the real value created,

    o · (SC_dom + SC_comm) + (P_nd − r_nd) · SC_nd + v · export − O&M − capital − on-site sale costs,

with ``o`` the on-site value of a kWh (:attr:`~analysis.economics.params.Params.onsite_value`),
``P_nd`` the non-domestic price, ``r_nd`` what a non-domestic kWh not bought leaves owed, ``v``
the system value of export, and capital at the reference rate (:func:`reference_rate`). The
difference between what users save and ``o`` is recovered from every bill payer
(:func:`network_and_supply`). Every party lands on
households, the public purse or a named outside party (:mod:`analysis.economics.incidence`).

References
----------
.. [1] DESNZ (2025). Solar PV cost data 2024/25 (MCS installation database).
.. [2] BDEW (2025). Standardlastprofile Strom (H25, G25), via ``demandlib``.
.. [3] Luthander, R. et al. (2015). Photovoltaic self-consumption in buildings: a review.
   Applied Energy 142, 80–94.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.economics.incidence import HOUSEHOLD_PARTIES, PARTIES
from analysis.economics.params import Params
from analysis.errors import InputError

TENURES = ("owner_occupied", "social_rented", "private_rented", "other")
DWELLING_KINDS = ("house", "flat")
N_TENURES = len(TENURES)
#: Household slots of the ledger: tenure × dwelling kind, slot = 2 · tenure + kind.
N_SLOTS = N_TENURES * len(DWELLING_KINDS)
NO_HOUSEHOLD = N_SLOTS  # index of the "not a household" slot
SLOT_TENURE = np.repeat(np.arange(N_TENURES), 2)
SLOT_KIND = np.tile(np.arange(2), N_TENURES)
ROOF_OWNERS = ("owner_occupier", "private_landlord", "social_landlord", "private_freeholder", "public_body",
               "commercial", "faith_community")
#: Non-domestic occupants (the occupant of non-domestic space is taken to be its roof owner, or a business).
ND_PARTIES = ("businesses", "public_bodies", "faith_communities")
#: Who receives a roof owner's money; ``None``: households (owner-occupier) or leaseholders (freeholder).
OWNER_PARTY = {"owner_occupier": None, "private_landlord": "private_landlords",
               "social_landlord": "housing_revenue_account", "private_freeholder": None,
               "public_body": "public_bodies", "commercial": "businesses", "faith_community": "faith_communities"}
#: Owners who pay VAT on an installation and cannot reclaim it (residential owners).
VAT_PAYING_OWNERS = ("owner_occupier", "private_landlord", "social_landlord", "private_freeholder")
#: Owners who act for the people under their roofs (their objective counts the occupants' savings).
SERVING_OWNERS = ("social_landlord", "public_body")
PROFILES = ("domestic", "non_domestic", "communal")
RATIO_GRID = np.geomspace(1e-3, 100.0, 90)  # annual generation / annual demand [-]
BATTERY_GRID = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0])  # kWh per MWh/yr of demand
#: G98 connect-and-notify limit: 16 A per phase, three-phase [kWp]; above it G99 applies.
G98_LIMIT_KWP = 11.04
#: Systems above this size per building need structural works and may need reinforcement [kWp].
LARGE_SYSTEM_KWP = 50.0
#: Non-domestic size bands (DESNZ Quarterly Energy Prices): micro below, large above [kWh/yr].
ND_MICRO_KWH, ND_LARGE_KWH = 20_000.0, 500_000.0
GENERATION_MODELS = ("market", "market_batteries", "market_breakeven", "aggregator", "coop", "public")
#: Kinds of public body by the use of the building (0: a public body of no known use).
PUBLIC_KINDS = ("other", "school", "university", "health", "civic", "culture", "transport")
#: Building uses (``use_category``) of each public kind.
PUBLIC_KIND_OF_USE = {"school": "school", "university": "university", "hospital": "health", "clinic": "health",
                      "public": "civic", "cultural": "culture", "transport": "transport"}
#: Bits of :attr:`Units.decisions`: what each owner decides on a roof at the central assumptions.
DECISION_BITS = ("worthwhile", "market", "aggregator", "coop", "public")
THIRD_PARTY_MODELS = ("aggregator", "coop", "public")


# ----------------------------------------------------------------------------------------------
# Costs
# ----------------------------------------------------------------------------------------------

def access_counts(levels) -> np.ndarray:
    """What the access cost of each building depends on ``(N, 3)``: buildings of up to four storeys,
    their storeys above two (at most two), buildings of five storeys or more.

    The access cost is linear in these counts, so classes of buildings sum them exactly.
    """
    lv = np.asarray(levels, dtype=float)
    low = lv < 5
    return np.column_stack([low, np.where(low, np.clip(lv - 2, 0, 2), 0.0), ~low]).astype(float)


def access_cost(counts, p: Params) -> np.ndarray:
    """Access (scaffolding, hoist, edge protection) of a unit's buildings ``(U, D)`` [currency].

    One or two storeys: ``access_cost_house``; three or four: plus ``access_cost_per_extra_storey``
    a storey; five or more: ``access_cost_block``.

    Parameters
    ----------
    counts : array (U, 3)
        :func:`access_counts`, summed over the unit's buildings.
    p : Params
    """
    c = np.asarray(counts, dtype=float)
    return (c[:, 0:1] * p.row("access_cost_house") + c[:, 1:2] * p.row("access_cost_per_extra_storey")
            + c[:, 2:3] * p.row("access_cost_block"))


def pv_capex(kwp_per_building, n_buildings, access, p: Params) -> np.ndarray:
    """Installed cost of a unit's PV systems, excl. VAT ``(U, D)`` [currency].

    Per building ``c4 · k · (k / 4)^−b + G99 (k > 11.04 kWp) + reinforcement · (k − 50)⁺ +
    structural (k > 50 kWp)`` with ``k`` the system size [kWp] — the variable cost per kWp falls
    with size (``0 < b < 1``) while the total rises — times the unit's buildings, plus access.

    Parameters
    ----------
    kwp_per_building : array (U, D)
        System size per building [kWp]; zero or negative sizes cost nothing.
    n_buildings : array (U,)
        Buildings of the unit [-].
    access : array (U, 3)
        :func:`access_counts` of the unit's buildings.
    p : Params
    """
    k = np.asarray(kwp_per_building, dtype=float)
    b = p.row("capex_size_exponent")
    if np.any((b <= 0) | (b >= 1)):
        raise InputError("capex_size_exponent must be in (0, 1) so that cost per kWp falls and total cost rises",
                         record="costs.capex_size_exponent", fix="use a value such as 0.2")
    safe = np.where(k > 0, k, 1.0)
    variable = p.row("capex_per_kwp_at_4kwp") * safe * (safe / 4.0) ** -b
    grid = (safe > G98_LIMIT_KWP) * p.row("grid_application_cost") \
        + np.clip(safe - LARGE_SYSTEM_KWP, 0, None) * p.row("grid_reinforcement_per_kwp")
    structural = (safe > LARGE_SYSTEM_KWP) * p.row("structural_cost_large_roof")
    n = np.asarray(n_buildings, dtype=float)[:, None]
    return np.where(k > 0, n * (variable + grid + structural) + access_cost(access, p), 0.0)


def inverter_cost_per_kwp(kwp_per_building, p: Params) -> np.ndarray:
    """Cost of one inverter replacement per kWp ``(U, D)`` [currency/kWp]: ``inverter_replacement_per_kwp``
    at 4 kWp, falling with size like the panels' variable cost (``capex_size_exponent``), never below
    ``inverter_replacement_floor_per_kwp`` (large string inverters)."""
    size = np.clip(np.asarray(kwp_per_building, dtype=float), 1e-9, None)
    scaled = p.row("inverter_replacement_per_kwp") * (size / 4.0) ** (-p.row("capex_size_exponent"))
    return np.maximum(np.minimum(scaled, p.row("inverter_replacement_per_kwp")), p.row("inverter_replacement_floor_per_kwp"))


def capital_recovery_factor(rate, years) -> np.ndarray:
    """Annuity factor r / (1 − (1 + r)^−n) [1/yr]: the yearly payment per unit of capital (1/n at r = 0)."""
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    safe = np.where(r > 0, r, 1.0)
    return np.where(r > 0, safe / (1 - (1 + safe) ** -n), 1 / n)


def replacement_present_value(cost, rate, interval_years, lifetime_years, max_replacements: int = 4) -> np.ndarray:
    """Present value of replacing a part every ``interval_years`` within the system life [currency].

    Replacements happen at years ``j · interval`` for ``j ≥ 1`` while ``j · interval < lifetime``.
    """
    r, interval, life = (np.asarray(v, dtype=float) for v in (rate, interval_years, lifetime_years))
    factor = sum(np.where(j * interval < life, (1 + r) ** (-j * interval), 0.0) for j in range(1, max_replacements + 1))
    return np.asarray(cost, dtype=float) * factor


def life_average_output_factor(degradation, lifetime_years) -> np.ndarray:
    """Mean output over the life relative to year one, 1 − d·(n − 1)/2 [-] (linear degradation)."""
    return 1 - np.asarray(degradation, dtype=float) * (np.asarray(lifetime_years, dtype=float) - 1) / 2


def nondomestic_bands(nd_kwh_per_building, nd_kwh) -> np.ndarray:
    """Non-domestic demand by price band ``(N, 3)`` [kWh/yr]: of users below 20 MWh/yr, between, above 500 MWh/yr."""
    per = np.asarray(nd_kwh_per_building, dtype=float)
    kwh = np.asarray(nd_kwh, dtype=float)
    return np.column_stack([np.where(per < ND_MICRO_KWH, kwh, 0.0),
                            np.where((per >= ND_MICRO_KWH) & (per <= ND_LARGE_KWH), kwh, 0.0),
                            np.where(per > ND_LARGE_KWH, kwh, 0.0)])


def nondomestic_price(bands, p: Params) -> np.ndarray:
    """Mean non-domestic unit price of a unit's occupants ``(U, D)`` [currency/kWh], weighted by their demand in
    each size band (micro users pay more per kWh, large users less)."""
    b = np.asarray(bands, dtype=float)
    total = b.sum(axis=1, keepdims=True)
    factor = (b[:, 0:1] * p.row("nondomestic_price_factor_micro") + b[:, 1:2]
              + b[:, 2:3] * p.row("nondomestic_price_factor_large"))
    factor = np.divide(factor, total, out=np.ones_like(factor), where=total > 0)
    return p.row("nondomestic_price_per_kwh") * factor


# ----------------------------------------------------------------------------------------------
# Self-consumption
# ----------------------------------------------------------------------------------------------

@dataclass
class SelfConsumptionCurve:
    """Self-sufficiency (share of annual demand met on site) by generation/demand ratio and battery size.

    ``table[profile][i, j]`` is the share of annual demand met by PV at ``ratios[i]`` (annual
    generation / annual demand) with a battery of ``batteries[j]`` kWh per MWh/yr of demand, for
    each of :data:`PROFILES`. It never exceeds 1 (all demand) nor the ratio (all generation).
    """

    ratios: np.ndarray
    batteries: np.ndarray
    table: dict
    source: str = ""

    def frame(self) -> pd.DataFrame:
        """Long table (profile, ratio, battery_kwh_per_mwh, self_sufficiency, self_consumption) for the store."""
        rows = []
        for profile, tab in self.table.items():
            r, b = np.meshgrid(self.ratios, self.batteries, indexing="ij")
            rows.append(pd.DataFrame({"profile": profile, "ratio": r.ravel(), "battery_kwh_per_mwh": b.ravel(),
                                      "self_sufficiency": tab.ravel(), "self_consumption": (tab / r).ravel()}))
        return pd.concat(rows, ignore_index=True)


def simulate_self_sufficiency(pv_shape, load_shape, ratios=RATIO_GRID, batteries=BATTERY_GRID,
                              round_trip_efficiency: float = 0.9) -> np.ndarray:
    """Hourly simulation of on-site use of PV with an optional battery, for many sizes at once.

    Each hour PV serves the load directly; a surplus charges the battery (up to its capacity) and
    the rest is exported; a deficit is met from the battery, then the grid. Annual totals are
    normalised so that demand = 1.

    Parameters
    ----------
    pv_shape, load_shape : array-like
        Hourly PV output and demand (any units; each is normalised to sum to 1) [-].
    ratios : array-like
        Annual generation / annual demand [-].
    batteries : array-like
        Usable battery capacity per MWh of annual demand [kWh/MWh].
    round_trip_efficiency : float
        AC round-trip efficiency, split equally between charge and discharge [-].

    Returns
    -------
    numpy.ndarray
        Self-sufficiency, shape ``(len(ratios), len(batteries))`` [-].
    """
    pv = np.clip(np.asarray(pv_shape, dtype=float), 0, None)
    load = np.clip(np.asarray(load_shape, dtype=float), 0, None)
    if pv.shape != load.shape or pv.sum() <= 0 or load.sum() <= 0:
        raise InputError("PV and load profiles must be equally long and positive",
                         fix="pass 8,760 hourly values of each")
    pv, load = pv / pv.sum(), load / load.sum()
    ratios = np.asarray(ratios, dtype=float)
    capacity = np.asarray(batteries, dtype=float)[None, :] / 1000.0  # per unit of annual demand
    gen = ratios[:, None] * pv[None, :]  # (R, hours)
    direct = np.minimum(gen, load[None, :])
    served = direct.sum(axis=1)[:, None] * np.ones((1, capacity.shape[1]))
    if np.any(capacity > 0):
        eta = np.sqrt(round_trip_efficiency)
        surplus, deficit = gen - direct, load[None, :] - direct
        soc = np.zeros((len(ratios), capacity.shape[1]))
        from_battery = np.zeros_like(soc)
        # The state of charge carries from hour to hour: a loop over the 8,760 hours, vectorised over all sizes.
        for t in range(pv.size):
            soc = np.minimum(soc + surplus[:, t, None] * eta, capacity)
            out = np.minimum(deficit[:, t, None], soc * eta)
            soc = soc - out / eta
            from_battery += out
        served = served + from_battery
    return np.minimum(served, np.minimum(ratios[:, None], 1.0))


def self_consumption_curve(pv_shape, domestic_load, nondomestic_load, round_trip_efficiency: float = 0.9,
                           source: str = "") -> SelfConsumptionCurve:
    """Self-sufficiency curves for the domestic, non-domestic and communal (constant) load profiles.

    The communal supply of a block of flats (stair and corridor lighting, lifts, pumps) is taken
    as a constant load: lights that burn day and night, lifts through the day.
    """
    loads = {"domestic": domestic_load, "non_domestic": nondomestic_load,
             "communal": np.ones_like(np.asarray(domestic_load, dtype=float))}
    table = {name: simulate_self_sufficiency(pv_shape, load, round_trip_efficiency=round_trip_efficiency)
             for name, load in loads.items()}
    return SelfConsumptionCurve(RATIO_GRID.copy(), BATTERY_GRID.copy(), table, source)


def standard_load_profiles(year: int = 2019) -> tuple[np.ndarray, np.ndarray]:
    """Hourly BDEW 2025 standard load profiles (H25 household, G25 business) from ``demandlib`` [kW, 1 GWh/yr].

    The profiles are German; UK domestic demand has the same evening peak and daytime trough,
    and the factor ``self_consumption_profile_factor`` (with its range) covers the mismatch.
    """
    import demandlib.bdew as bdew

    index = pd.date_range(f"{year}-01-01", periods=8760, freq="h")
    return bdew.H25(index).to_numpy(dtype=float), bdew.G25(index).to_numpy(dtype=float)


def hourly_pv_shape(weather: pd.DataFrame, metadata: dict, tilt: float = 35.0, azimuth: float = 180.0) -> np.ndarray:
    """Hourly AC output of 1 kWp on a typical roof plane at the place (8,760 values) [W]."""
    from analysis import solar

    # pvlib's default Faiman coefficients: cell temperature barely changes the hourly *shape*.
    out = solar.pv_ac_per_kwp(weather, solar.solar_position(weather, metadata), tilt, azimuth,
                              solar.PVSystem(temperature_model="faiman", faiman_u0=25.0, faiman_u1=6.84))
    return np.asarray(out["ac_w"], dtype=float)[:8760]


def clear_sky_pv_shape(latitude: float, longitude: float = 0.0, tilt: float = 35.0, azimuth: float = 180.0) -> np.ndarray:
    """Fallback hourly PV shape from a clear-sky model when no weather is given (8,760 values) [W/m²].

    Clear skies overstate midday output relative to mornings and evenings; the pipeline uses the
    place's weather instead, and a run that falls back to this says so in its data-quality log.
    """
    import pvlib

    times = pd.date_range("2019-01-01 00:30", periods=8760, freq="h", tz="UTC")
    location = pvlib.location.Location(latitude, longitude)
    sky = location.get_clearsky(times)
    pos = location.get_solarposition(times)
    poa = pvlib.irradiance.get_total_irradiance(tilt, azimuth, pos["apparent_zenith"], pos["azimuth"],
                                                sky["dni"], sky["ghi"], sky["dhi"])
    return np.nan_to_num(poa["poa_global"].to_numpy(dtype=float))


def self_sufficiency(curve: SelfConsumptionCurve, profile, ratio, battery_kwh_per_mwh) -> np.ndarray:
    """Interpolate the curve (log ratio, linear battery) for many units at once [-].

    Parameters
    ----------
    curve : SelfConsumptionCurve
    profile : int or array of int
        Index into :data:`PROFILES` (broadcasts with ``ratio``).
    ratio : array
        Annual generation / annual demand [-], any shape.
    battery_kwh_per_mwh : array
        Battery capacity per MWh/yr of demand [kWh/MWh], broadcastable to ``ratio``.
    """
    ratio = np.asarray(ratio, dtype=float)
    shape = np.broadcast_shapes(ratio.shape, np.shape(battery_kwh_per_mwh), np.shape(profile))
    r = np.broadcast_to(ratio, shape)
    log_grid = np.log(curve.ratios)
    lr = np.log(np.clip(r, curve.ratios[0], curve.ratios[-1]))
    # Linear in log ratio between grid rows i and i + 1, then linear in battery size between columns.
    step = (log_grid[-1] - log_grid[0]) / (len(log_grid) - 1)
    if np.allclose(np.diff(log_grid), step, rtol=1e-9, atol=0):  # a geometric grid: the row by arithmetic
        i = np.clip(((lr - log_grid[0]) / step).astype(np.int64), 0, len(log_grid) - 2)
    else:
        i = np.clip(np.searchsorted(log_grid, lr, side="right") - 1, 0, len(log_grid) - 2)
    t = (lr - log_grid[i]) / (log_grid[i + 1] - log_grid[i])
    n_batteries = len(curve.batteries)
    flat = np.stack([curve.table[name] for name in PROFILES]).ravel()  # (profile, ratio, battery)
    row = (np.broadcast_to(np.asarray(profile, dtype=np.int64), shape) * len(log_grid) + i) * n_batteries

    def column(j):
        lo = flat[row + j]
        return lo + t * (flat[row + n_batteries + j] - lo)

    battery = np.asarray(battery_kwh_per_mwh, dtype=float)
    if battery.ndim == 0 and float(battery) == curve.batteries[0]:  # no battery: the first column only
        out = column(0)
    else:
        b = np.clip(np.broadcast_to(battery, shape), 0, curve.batteries[-1])
        j = np.clip(np.searchsorted(curve.batteries, b, side="right") - 1, 0, n_batteries - 2)
        w = (b - curve.batteries[j]) / (curve.batteries[j + 1] - curve.batteries[j])
        lo = column(j)
        out = lo + w * (column(j + 1) - lo)
    # Below the grid every kWh is used on site (the curve tends to the ratio); never above 1 or the ratio.
    out = np.where(r < curve.ratios[0], r, out)
    return np.minimum(out, np.minimum(r, 1.0))


def split_self_consumption(curve: SelfConsumptionCurve, kwh, loads: dict, factor, battery=None) -> dict:
    """On-site use of an array's output by several loads behind the meters it reaches ``(U, D)`` each [kWh/yr].

    The output is shared among the loads in proportion to their annual demand (each then sees the
    array's ratio of generation to the loads' total); each load's use is its demand times its
    profile's self-sufficiency at that ratio, times ``factor``. The total never exceeds the
    output, and no load's use exceeds its demand.

    Parameters
    ----------
    kwh : array (U, D)
        Annual output [kWh/yr].
    loads : dict
        Profile name -> demand ``(U, 1)`` or ``(U, D)`` [kWh/yr].
    factor : array (1, D)
        ``self_consumption_profile_factor`` [-].
    battery : dict, optional
        Profile name -> battery size [kWh per MWh/yr of that load's demand] (``(U, D)``).
    """
    total = sum(np.broadcast_to(load, kwh.shape) for load in loads.values())
    ratio = np.divide(kwh, total, out=np.full_like(kwh, 1e6), where=total > 0)
    out = {}
    for name, load in loads.items():
        b = 0.0 if not battery or name not in battery else battery[name]
        use = np.broadcast_to(load, kwh.shape) * self_sufficiency(curve, PROFILES.index(name), ratio, b) * factor
        out[name] = np.minimum(use, np.broadcast_to(load, kwh.shape))
    used = sum(out.values())
    scale = np.divide(kwh, used, out=np.ones_like(kwh), where=used > kwh)  # only when factor > 1 pushed past output
    return {name: use * np.minimum(scale, 1.0) for name, use in out.items()}


# ----------------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------------

@dataclass
class Units:
    """Roofs (or classes of similar roofs) that can carry PV; every array has one entry per unit.

    Quantities are totals over the unit's ``n_buildings`` buildings.
    """

    group: np.ndarray            # int: row of the unit's group (area or decile) in :class:`Groups`
    n_buildings: np.ndarray      # buildings represented [-]
    kwp: np.ndarray              # suitable capacity, central [kWp]
    kwp_low: np.ndarray
    kwp_high: np.ndarray
    kwh: np.ndarray              # annual generation of that capacity, central [kWh/yr]
    kwh_low: np.ndarray
    kwh_high: np.ndarray
    demand_dom_kwh: np.ndarray   # occupants' domestic electricity demand [kWh/yr]
    demand_nd_kwh: np.ndarray    # non-domestic occupants' demand [kWh/yr]
    dwellings: np.ndarray        # (U, 4) households by occupant tenure (:data:`TENURES`)
    flat: np.ndarray             # bool: the unit's homes are flats (reached only via communal supply or kit)
    access: np.ndarray           # (U, 3) :func:`access_counts` of the unit's buildings (what access costs depend on)
    nd_bands: np.ndarray         # (U, 3) non-domestic demand by price band [kWh/yr] (:func:`nondomestic_bands`)
    roof_owner: np.ndarray       # int index into :data:`ROOF_OWNERS`
    nd_party: np.ndarray         # int index into :data:`ND_PARTIES`
    consents: np.ndarray         # parties whose agreement the roof needs, mean per building [-] (>= 1)
    income_ratio: np.ndarray     # area income / household-weighted median [-]
    public_kind: np.ndarray | None = None  # int index into :data:`PUBLIC_KINDS` (public bodies' roofs; else 0)
    decisions: np.ndarray | None = None    # int bits of :data:`DECISION_BITS`, decided roof by roof (central)

    def __len__(self) -> int:
        return len(self.group)

    @property
    def worthwhile(self) -> np.ndarray | None:
        """bool: panels create value here at the central assumptions (decided roof by roof), or None."""
        return None if self.decisions is None else (self.decisions & 1).astype(bool)

    def kind_is(self, *names) -> np.ndarray:
        """``(U,)`` bool: a public body's roof of one of the kinds ``names`` (:data:`PUBLIC_KINDS`)."""
        kinds = np.zeros(len(self), dtype=np.int64) if self.public_kind is None else self.public_kind
        return (self.roof_owner == ROOF_OWNERS.index("public_body")) & np.isin(kinds, [PUBLIC_KINDS.index(n)
                                                                                     for n in names])

    def subset(self, mask) -> "Units":
        return Units(**{k: (v[mask] if v is not None else None) for k, v in self.__dict__.items()})

    def slot_weights(self) -> np.ndarray:
        """Share of each unit's households in each ledger slot ``(U, 8)`` (tenure × house/flat)."""
        total = self.dwellings.sum(axis=1)
        split = np.divide(self.dwellings, total[:, None], out=np.zeros_like(self.dwellings, dtype=float),
                          where=total[:, None] > 0)
        split[total == 0, N_TENURES - 1] = 1.0  # no homes: any residual to "other" (never used for money)
        out = np.zeros((len(self), N_SLOTS))
        kind = self.flat.astype(np.int64)
        for t in range(N_TENURES):
            out[np.arange(len(self)), 2 * t + kind] = split[:, t]
        return out


@dataclass
class Groups:
    """Areas (or income deciles) to which money is attributed; one row per group."""

    ids: np.ndarray              # area_id or decile
    households: np.ndarray       # (G, 8) by slot (tenure × house/flat)
    income_mean: np.ndarray      # mean household income [currency/yr]
    demand_dom_kwh: np.ndarray   # (G, 8) domestic demand incl. communal supplies, by slot [kWh/yr]
    demand_nd_kwh: np.ndarray    # (G, 3) non-domestic demand by party (:data:`ND_PARTIES`) [kWh/yr]
    decile: np.ndarray           # household-weighted income decile of the group (1-10; 0: no households)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def by_tenure(self) -> np.ndarray:
        """Households by tenure ``(G, 4)``."""
        return self.households.reshape(len(self), N_TENURES, 2).sum(axis=2)


def slots_to_tenure(values: np.ndarray) -> np.ndarray:
    """Sum the 8 household slots of axis 1 into the 4 tenures: ``(G, 8, ...)`` -> ``(G, 4, ...)``."""
    shape = values.shape
    return values.reshape(shape[0], N_TENURES, 2, *shape[2:]).sum(axis=2)


def slots_to_kind(values: np.ndarray) -> np.ndarray:
    """Sum the 8 household slots of axis 1 into house and flat: ``(G, 8, ...)`` -> ``(G, 2, ...)``."""
    shape = values.shape
    return values.reshape(shape[0], N_TENURES, 2, *shape[2:]).sum(axis=1)


# ----------------------------------------------------------------------------------------------
# The ledger
# ----------------------------------------------------------------------------------------------

@dataclass
class Ledger:
    """Annual money flows by (party, component), group and slot, for every draw [currency/yr].

    Each entry is an array of shape ``(G, 9, D)``: groups × (eight household slots — tenure ×
    house/flat — then "not a household") × draws. Household parties use the slots; all others
    the last. ``real_value`` (``(G, D)``) is the value created, attributed to the group of the roof.
    """

    n_groups: int
    n_draws: int
    entries: dict = field(default_factory=dict)
    real_value: np.ndarray | None = None
    extras: dict = field(default_factory=dict)  # side results (e.g. domestic network charges), not money flows

    def __post_init__(self):
        if self.real_value is None:
            self.real_value = np.zeros((self.n_groups, self.n_draws))

    def book(self, party: str, component: str, values) -> None:
        """Add flows; ``values`` is ``(G, 8, D)`` for household parties and ``(G, D)`` otherwise."""
        if party not in PARTIES:
            raise ValueError(f"unknown party {party!r}")
        arr = self.entries.setdefault((party, component), np.zeros((self.n_groups, N_SLOTS + 1, self.n_draws)))
        values = np.asarray(values, dtype=float)
        if party in HOUSEHOLD_PARTIES:
            arr[:, :N_SLOTS, :] += np.broadcast_to(values, (self.n_groups, N_SLOTS, self.n_draws))
        else:
            arr[:, N_SLOTS, :] += np.broadcast_to(values, (self.n_groups, self.n_draws))

    def merge(self, other: "Ledger") -> "Ledger":
        """A new ledger holding both ledgers' entries and real value."""
        out = Ledger(self.n_groups, self.n_draws, {k: v.copy() for k, v in self.entries.items()},
                     self.real_value + other.real_value, {**self.extras, **other.extras})
        for key, arr in other.entries.items():
            out.entries[key] = out.entries[key] + arr if key in out.entries else arr.copy()
        return out

    def party_totals(self) -> dict:
        """Total per party, each an array ``(D,)``."""
        out = {}
        for (party, _), arr in self.entries.items():
            out[party] = out.get(party, 0.0) + arr.sum(axis=(0, 1))
        return out

    def component_totals(self) -> dict:
        """Total per (party, component), each an array ``(D,)``."""
        return {key: arr.sum(axis=(0, 1)) for key, arr in self.entries.items()}

    def landing_totals(self) -> dict:
        """Totals by where money lands (``households``, ``public``, ``outside``), each ``(D,)``."""
        out = {k: np.zeros(self.n_draws) for k in ("households", "public", "outside")}
        for party, value in self.party_totals().items():
            out[PARTIES[party].lands_on] = out[PARTIES[party].lands_on] + value
        return out

    def total(self) -> np.ndarray:
        """Sum over all parties ``(D,)`` — equals ``real_value.sum(0)`` (the ledger identity)."""
        return sum(arr.sum(axis=(0, 1)) for arr in self.entries.values()) if self.entries else np.zeros(self.n_draws)

    def imbalance(self) -> np.ndarray:
        """Ledger total minus real value per draw [currency/yr]; zero up to rounding."""
        return self.total() - self.real_value.sum(axis=0)

    def households(self, components=None) -> np.ndarray:
        """Household parties' flows ``(G, 8, D)`` (optionally only some components)."""
        out = np.zeros((self.n_groups, N_SLOTS, self.n_draws))
        for (party, component), arr in self.entries.items():
            if party in HOUSEHOLD_PARTIES and (components is None or component in components):
                out += arr[:, :N_SLOTS, :]
        return out

    def party_group(self, party: str) -> np.ndarray:
        """One party's flows by group ``(G, D)`` (summed over slots and components)."""
        out = np.zeros((self.n_groups, self.n_draws))
        for (p, _), arr in self.entries.items():
            if p == party:
                out += arr.sum(axis=1)
        return out

    def frame(self, draw: int = 0) -> pd.DataFrame:
        """Party × component totals for one draw, one row each (with where each lands)."""
        rows = [{"party": p, "component": c, "lands_on": PARTIES[p].lands_on, "amount_per_year": float(arr[:, :, draw].sum())}
                for (p, c), arr in sorted(self.entries.items())]
        return pd.DataFrame(rows, columns=["party", "component", "lands_on", "amount_per_year"])


# ----------------------------------------------------------------------------------------------
# Sums over units (sparse, linear in the number of units)
# ----------------------------------------------------------------------------------------------

_BLOCK_CACHE: list = []


def _block_matrix(groups_n: int, group: np.ndarray, weights: np.ndarray | None = None,
                  category: np.ndarray | None = None, n_categories: int = 1):
    """Sparse ``(K·G, U)`` matrix that sums units into K blocks of G group rows in one product.

    With ``weights`` ``(U, K)`` unit ``u`` adds ``weights[u, k]`` times its value to row
    ``k·G + group[u]`` (e.g. its households' slot shares); with ``category`` ``(U,)`` it adds its
    value once, to block ``category[u]`` (e.g. its roof owner). Matrices are kept for the last few
    unit sets (by identity of the arrays).
    """
    from scipy import sparse

    key = weights if weights is not None else category
    for cached_group, cached_key, n, matrix in _BLOCK_CACHE:
        if cached_group is group and cached_key is key and n == groups_n:
            return matrix
    u = len(group)
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        k = w.shape[1]
        rows = (np.arange(k)[None, :] * groups_n + group[:, None]).ravel()
        cols = np.repeat(np.arange(u), k)
        data = w.ravel()
        keep = data != 0
        rows, cols, data = rows[keep], cols[keep], data[keep]
    else:
        k = n_categories
        rows, cols, data = np.asarray(category) * groups_n + group, np.arange(u), np.ones(u)
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(k * groups_n, u))
    _BLOCK_CACHE.insert(0, (group, key, groups_n, matrix))
    del _BLOCK_CACHE[24:]
    return matrix


def _block_sum(matrix, per_unit: np.ndarray, groups_n: int) -> np.ndarray:
    """``matrix @ per_unit`` for a :func:`_block_matrix` of ``groups_n`` groups: ``(U, D)`` into ``(K, G, D)``."""
    values = np.asarray(per_unit, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    return np.asarray(matrix @ values).reshape(-1, groups_n, values.shape[1])


def group_sum(groups_n: int, group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum unit rows ``(U, ...)`` into group rows ``(G, ...)`` (linear in U).

    A few columns: one bincount each; many (parameter draws): one sparse one-hot product.
    """
    values = np.asarray(values, dtype=float)
    flat = values.reshape(values.shape[0], -1)
    if flat.shape[1] <= 4:
        out = np.stack([np.bincount(group, weights=flat[:, j], minlength=groups_n) for j in range(flat.shape[1])],
                       axis=1)
    else:
        out = np.asarray(_block_matrix(groups_n, group, category=np.zeros(len(group), dtype=np.int64)) @ flat)
    return out.reshape((groups_n,) + values.shape[1:])


def _scaled_potential(units: Units, level) -> tuple[np.ndarray, np.ndarray]:
    """kWp and kWh per unit at a potential level in [−1, 1] (−1 low, 0 central, 1 high): (U, D)."""
    lv = np.asarray(level, dtype=float)[None, :]
    up, down = np.clip(lv, 0, None), np.clip(-lv, 0, None)
    kwp = units.kwp[:, None] + up * (units.kwp_high - units.kwp)[:, None] - down * (units.kwp - units.kwp_low)[:, None]
    kwh = units.kwh[:, None] + up * (units.kwh_high - units.kwh)[:, None] - down * (units.kwh - units.kwh_low)[:, None]
    return np.clip(kwp, 0, None), np.clip(kwh, 0, None)


# ----------------------------------------------------------------------------------------------
# Quantities shared by every model: potential, loads, on-site use by route, costs
# ----------------------------------------------------------------------------------------------

ROUTES = ("direct", "kit")


@dataclass
class Base:
    """Model-independent quantities of every unit and draw (see :func:`base_quantities`)."""

    params: Params
    kwp: np.ndarray              # (U, D) installed capacity of a full installation [kWp]
    kwh: np.ndarray              # (U, D) life-average annual output [kWh/yr]
    use: dict                    # route -> {"domestic", "communal", "non_domestic"} on-site use (U, D) [kWh/yr]
    capex: np.ndarray            # (U, D) PV capex excl. VAT, all buildings of the unit [currency]
    kit_capex: np.ndarray        # (U, D) shared-solar kit for the unit's flats [currency]
    inverter_kwp: np.ndarray     # (U, D) inverter replacement cost per replacement [currency]
    om: np.ndarray               # (U, D) O&M [currency/yr]
    nd_price: np.ndarray         # (U, D) non-domestic unit price of the unit's occupants [currency/kWh]
    consent_odds: np.ndarray     # (U, D) probability that every extra party agrees [-]
    slots: np.ndarray            # (U, 8) households' shares by slot
    split: np.ndarray            # (U, 4) households' shares by tenure (0 where no homes)
    communal: np.ndarray         # (U, D) communal supply demand of the unit's flats [kWh/yr]
    curve: SelfConsumptionCurve | None = None
    cache: dict = field(default_factory=dict, repr=False)

    def subset(self, rows: np.ndarray) -> "Base":
        """The quantities of some units only (a fresh cache)."""
        take = lambda x: x[rows] if isinstance(x, np.ndarray) and x.ndim >= 1 and x.shape[0] > 1 or (  # noqa: E731
            isinstance(x, np.ndarray) and x.ndim == 2 and x.shape[0] == 1 and len(rows) == 1) else x
        values = {}
        for name in ("kwp", "kwh", "capex", "kit_capex", "inverter_kwp", "om", "nd_price", "consent_odds", "slots",
                     "split", "communal"):
            values[name] = getattr(self, name)[rows]
        values["use"] = {route: {k: v[rows] for k, v in use.items()} for route, use in self.use.items()}
        return Base(params=self.params, curve=self.curve, **values)


def tenure_split(units: Units) -> np.ndarray:
    """Share of each unit's households by tenure ``(U, 4)`` (all zero for a unit without homes)."""
    dwell = units.dwellings
    total = dwell.sum(axis=1)
    return np.divide(dwell, total[:, None], out=np.zeros_like(dwell, dtype=float), where=total[:, None] > 0)


def base_quantities(units: Units, p: Params, curve: SelfConsumptionCurve) -> Base:
    """Potential, loads, on-site use by route, capex and O&M of every unit and draw (shared by all models)."""
    n = units.n_buildings[:, None]
    kwp, kwh_year1 = _scaled_potential(units, p.potential_level)
    kwh = kwh_year1 * life_average_output_factor(p.degradation_per_year, p.lifetime_years)[None, :]
    flats = np.where(units.flat, units.dwellings.sum(axis=1), 0.0)[:, None]
    communal = flats * p.row("communal_load_kwh_per_flat")
    dom = units.demand_dom_kwh[:, None]
    nd = units.demand_nd_kwh[:, None]
    factor = p.row("self_consumption_profile_factor")
    is_flat = units.flat[:, None]
    # Direct: a house's array reaches its homes; a block's only the communal supply. Kit: every flat too.
    direct = split_self_consumption(curve, kwh, {"domestic": np.where(is_flat, 0.0, dom), "communal": communal,
                                                 "non_domestic": nd}, factor)
    kit = split_self_consumption(curve, kwh, {"domestic": dom, "communal": communal, "non_domestic": nd}, factor)
    kit = {k: np.where(is_flat, kit[k], direct[k]) for k in kit}
    kwp_b = np.divide(kwp, n, out=np.zeros_like(kwp), where=n > 0)
    return Base(params=p, kwp=kwp, kwh=kwh, use={"direct": direct, "kit": kit},
                capex=pv_capex(kwp_b, units.n_buildings, units.access, p),
                kit_capex=np.where(is_flat & (kwp > 0), flats * p.row("shared_solar_cost_per_flat"), 0.0),
                inverter_kwp=inverter_cost_per_kwp(kwp_b, p) * kwp, om=kwp * p.row("om_per_kwp_year"),
                nd_price=nondomestic_price(units.nd_bands, p),
                consent_odds=p.row("consent_probability_per_party") ** np.clip(units.consents - 1, 0, None)[:, None],
                slots=units.slot_weights(), split=tenure_split(units), communal=communal, curve=curve)


def annual_capital(base: Base, units: Units, rate, capex, consent_cost, battery_capex=0.0) -> np.ndarray:
    """Annualised capital of a full installation ``(U, D)`` [currency/yr]: PV (and kit) capex, consents and
    inverter replacements over the system life at ``rate`` ((U, D) or (1, D)); a battery over its own life."""
    p = base.params
    life = p.row("lifetime_years")
    crf = capital_recovery_factor(rate, life)
    inverter = replacement_present_value(1.0, rate, p.row("inverter_life_years"), life)
    out = (capex + consent_cost + inverter * base.inverter_kwp) * crf
    if np.ndim(battery_capex):
        out = out + battery_capex * capital_recovery_factor(rate, p.row("battery_lifetime_years"))
    return out


# ----------------------------------------------------------------------------------------------
# Flows of one model on one route: who gets what from a full installation of each unit
# ----------------------------------------------------------------------------------------------

#: Recipient rules of a per-unit flow (besides a party name):
#: ``occupants`` — the unit's households by slot; ``owner_household`` — its owner-occupier
#: households; ``leaseholders`` — a freeholder's pass-through, flat by flat (owner-occupied and
#: other flats to households, privately rented flats to their buy-to-let landlords, social flats
#: to the rent account); ``roof_owner`` — the roof's owner by :data:`OWNER_PARTY` (a freeholder's
#: leaseholders); ``communal_payer`` — whoever pays the communal supply (social tenants through
#: service charges, else the roof's owner); ``nd_occupant`` — the unit's non-domestic occupant;
#: ``pool:<name>`` — money pooled across the place and spread by a rule (see :class:`Plan`).
RULES = ("occupants", "owner_household", "leaseholders", "roof_owner", "communal_payer", "nd_occupant")


@dataclass
class Plan:
    """Flows of a full installation of every unit under one model and route ``(U, D)`` each.

    ``flows`` is a list of ``(recipient, component, amount)`` with ``recipient`` a party name, a
    rule of :data:`RULES` or ``pool:<name>``; ``objective`` is what the investing owner weighs
    (its own money, plus its occupants' savings for public and social owners); ``investor`` says
    who receives a top-up grant (a rule or party, or an array of per-unit rules for the market);
    ``real`` is the value created.
    """

    flows: list
    objective: np.ndarray
    real: np.ndarray
    upfront: np.ndarray          # capital spent (excl. VAT), for payback and the capex total
    first_year_income: np.ndarray  # the investor's yearly income before capital (for payback)
    grant_to: str                # recipient of a top-up grant (rule or party)
    use: dict                    # on-site use by load (U, D)


def _unit_rates(units: Units, p: Params, model: str) -> np.ndarray:
    """Cost of capital of each unit's investor ``(U, D)`` (or ``(1, D)``) [1/yr]."""
    if model == "aggregator":
        return p.row("discount_rate_aggregator")
    if model == "coop":
        return p.row("discount_rate_coop")
    if model == "public":
        return p.row("discount_rate_public")
    owner = units.roof_owner
    household = np.isin(owner, [ROOF_OWNERS.index(o) for o in ("owner_occupier", "private_landlord",
                                                                "private_freeholder")])
    public = np.isin(owner, [ROOF_OWNERS.index(o) for o in ("social_landlord", "public_body")])
    return np.where(household[:, None], p.row("discount_rate_household"),
                    np.where(public[:, None], p.row("discount_rate_public"), p.row("discount_rate_commercial")))


def reference_rate(rate, p: Params) -> np.ndarray:
    """The rate at which the ledger counts capital as a real cost ``(U, D)`` or ``(1, D)``: the public
    borrowing rate, or the investor's own where it is lower (co-op members who accept less than the
    public rate lend at what they accept: their interest is then no loss to anyone)."""
    return np.minimum(rate, p.row("discount_rate_public"))


def export_price_untied(base: Base, units: Units) -> np.ndarray:
    """Export price of an exporter that is not a household ``(U, D)`` [currency/kWh]: the untied export
    tariff, or an export PPA at ``export_ppa_share_of_system_value`` of the system value for systems
    above 50 kWp per building, whichever pays more."""
    p = base.params
    kwp_b = np.divide(base.kwp, units.n_buildings[:, None], out=np.zeros_like(base.kwp),
                      where=units.n_buildings[:, None] > 0)
    ppa = p.row("export_ppa_share_of_system_value") * p.row("export_system_value_per_kwh")
    return np.where(kwp_b > LARGE_SYSTEM_KWP, np.maximum(ppa, p.row("export_price_untied_per_kwh")),
                    p.row("export_price_untied_per_kwh"))


def _owner_is(units: Units, *names) -> np.ndarray:
    """``(U, 1)`` bool: the unit's roof owner is one of ``names``."""
    return np.isin(units.roof_owner, [ROOF_OWNERS.index(n) for n in names])[:, None]


def market_plan(units: Units, base: Base, route: str, batteries: bool = False) -> Plan:
    """The market: each roof's owner invests on its own roof and uses its own route (see module docstring)."""
    p = base.params
    use = dict(base.use[route])
    kwh, capex = base.kwh, base.capex + (base.kit_capex if route == "kit" else 0.0)
    retail, vat = p.row("retail_price_per_kwh"), p.row("vat_rate_domestic_energy")
    p_ex = retail / (1 + vat)
    oo = _owner_is(units, "owner_occupier")
    landlord = _owner_is(units, "private_landlord")
    social = _owner_is(units, "social_landlord")
    freeholder = _owner_is(units, "private_freeholder")
    nd_owner = _owner_is(units, "public_body", "commercial", "faith_community")
    battery_capex = 0.0
    if batteries:  # owner-occupier adopters add a battery by income; it lifts their homes' use
        prob = np.clip(p.row("battery_adoption_owner_occupier_adopters")
                       * units.income_ratio[:, None] ** p.row("battery_income_elasticity"), 0, 1) * oo
        dom = units.demand_dom_kwh[:, None]
        size = np.divide(p.row("battery_kwh") * units.n_buildings[:, None] * 1000, dom,
                         out=np.zeros_like(kwh), where=dom > 0)
        with_battery = split_self_consumption(
            base.curve, kwh, {"domestic": np.where(units.flat[:, None], 0.0, dom), "communal": base.communal,
                                       "non_domestic": units.demand_nd_kwh[:, None]},
            p.row("self_consumption_profile_factor"), battery={"domestic": size})
        use = {k: use[k] + prob * (with_battery[k] - use[k]) for k in use}
        battery_capex = units.n_buildings[:, None] * prob * p.row("battery_capex")
    export = np.clip(kwh - sum(use.values()), 0, None)
    rate = _unit_rates(units, p, "market")
    consent = units.n_buildings[:, None] * np.clip(units.consents - 1, 0, None)[:, None] * p.row("consent_cost_per_party")
    vat_install = p.row("vat_rate_installation_domestic") * _owner_is(units, *VAT_PAYING_OWNERS)
    own_capital = annual_capital(base, units, rate, capex * (1 + vat_install), consent, battery_capex)
    r_ref = reference_rate(rate, p)
    cap_ref = annual_capital(base, units, r_ref, capex, consent, battery_capex)
    vat_on_install = capex * vat_install * capital_recovery_factor(r_ref, p.row("lifetime_years"))
    export_price = np.where(oo, p.export_price_household[None, :], export_price_untied(base, units))
    dom_saving = retail * use["domestic"]       # occupants' saving on their own meters, incl. VAT
    comm_saving = retail * use["communal"]      # the communal supply's saving, incl. VAT
    nd_saving = base.nd_price * use["non_domestic"]
    # Commercial space under another owner's roof (shops below flats): the owner sells the power to its
    # commercial tenants a little below their price, with a metering and billing cost.
    nd_sold = np.where(nd_owner, 0.0, use["non_domestic"])
    d_l = p.row("ppa_discount_landlord")
    nd_sale = ((1 - d_l) * base.nd_price - p.row("onsite_sale_cost_single_per_kwh")) * nd_sold
    phi = p.row("landlord_rent_capture_share")
    psi = p.row("social_landlord_recovery_share")
    # The owner's share of its occupants' saving: all of it for owner-occupiers (they are the occupants),
    # phi for private landlords (and buy-to-let leaseholders, below), psi for social landlords.
    captured = np.where(landlord, phi, np.where(social, psi, 0.0)) * dom_saving
    # The communal supply's saving goes to whoever pays for it: social tenants through their service
    # charges, else the owner (a freeholder's leaseholders through the service-charge account).
    owner_money = (export_price * export - base.om - own_capital + captured
                   + np.where(social, 0.0, comm_saving) + np.where(nd_owner, nd_saving, 0.0) + nd_sale)
    # A freeholder's leaseholders: the service-charge account (costs, export, communal supply) ...
    flows = [("occupants", "bill_savings", np.where(oo | freeholder, dom_saving, dom_saving - captured)),
             ("occupants", "communal_savings", np.where(social, comm_saving, 0.0)),
             ("nd_occupant", "bill_savings", d_l * base.nd_price * nd_sold),
             ("treasury", "vat_on_bills", -vat * p_ex * (use["domestic"] + use["communal"])),
             ("roof_owner", "owner_income", np.where(freeholder, 0.0, owner_money)),
             ("leaseholders", "service_charges", np.where(freeholder, owner_money, 0.0)),
             ("capital_providers", "interest_above_public_rate", own_capital - cap_ref - vat_on_install),
             ("treasury", "vat_on_installation", vat_on_install),
             ("suppliers", "export_spread", (p.row("export_system_value_per_kwh") - export_price) * export)]
    # ... and their buy-to-let members recover part of their tenants' saving in the rent.
    if np.any(freeholder):
        private_share = base.split[:, 2:3]
        flows.append(("occupants", "bill_savings", -np.where(freeholder, phi * dom_saving * private_share, 0.0)))
        flows.append(("private_landlords", "rent_premium", np.where(freeholder, phi * dom_saving * private_share, 0.0)))
    # What each owner weighs: its own money; owner-occupiers their own bills too; a freeholder's
    # leaseholders their service charges plus their own flats' savings; social landlords and
    # public bodies also their occupants' savings (they act for them).
    oo_flats = dom_saving * (base.split[:, 0:1] + phi * base.split[:, 2:3])
    objective = (owner_money + np.where(oo, dom_saving, 0.0) + np.where(freeholder, oo_flats, 0.0)
                 + np.where(social, dom_saving - captured + comm_saving, 0.0)
                 + np.where(_owner_is(units, "public_body"), dom_saving, 0.0))
    real = _real_value(p, base, use, export, cap_ref, sold_on_site=p.row("onsite_sale_cost_single_per_kwh") * nd_sold)
    first_year = objective + own_capital  # before capital: for the simple payback
    return Plan(flows, objective, real, capex + battery_capex, first_year,
                grant_to="roof_owner_or_leaseholders", use=use)


def third_party_plan(units: Units, base: Base, route: str, model: str) -> Plan:
    """A third party (aggregator, co-op, public company) owns the panels and sells on site under a PPA."""
    p = base.params
    use = base.use[route]
    kwh, capex = base.kwh, base.capex + (base.kit_capex if route == "kit" else 0.0)
    retail, vat = p.row("retail_price_per_kwh"), p.row("vat_rate_domestic_energy")
    p_ex = retail / (1 + vat)
    d = p.row({"aggregator": "ppa_discount_aggregator", "coop": "ppa_discount_coop",
               "public": "ppa_discount_public"}[model])
    export = np.clip(kwh - sum(use.values()), 0, None)
    # The investor's own roofs (a council company on the council's) need no lease and pay no rent;
    # every other roof needs its owners' consent and a rooftop lease (legal costs of both sides).
    own_roof = council_control(units, p) if model == "public" else 0.0
    consent = units.n_buildings[:, None] * (units.consents[:, None] * p.row("consent_cost_per_party")
                                            + p.row("roof_lease_cost_per_site")) * (1 - own_roof)
    rate = _unit_rates(units, p, model)
    own_capital = annual_capital(base, units, rate, capex, consent)
    cap_ref = annual_capital(base, units, reference_rate(rate, p), capex, consent)
    rent = (1 - own_roof) * base.kwp * p.row("roof_rent_per_kwp_year")
    sold_dom = use["domestic"] + use["communal"]
    sold = sold_dom + use["non_domestic"]
    # billing many homes costs more per kWh than one meter of one business or public body
    onsite_cost = (sold_dom * p.row("onsite_sale_cost_per_kwh")
                   + use["non_domestic"] * p.row("onsite_sale_cost_single_per_kwh"))
    tariff = kwh * p.row("aggregator_generation_tariff_per_kwh") if model == "aggregator" else 0.0
    export_price = export_price_untied(base, units)
    revenue = (1 - d) * (p_ex * sold_dom + base.nd_price * use["non_domestic"]) + export_price * export + tariff
    surplus = revenue - onsite_cost - base.om - own_capital - rent
    premium = own_capital - cap_ref
    occupant_gain = d * (retail * use["domestic"])
    flows = [("occupants", "ppa_savings", occupant_gain),
             ("communal_payer", "communal_savings", d * retail * use["communal"]),
             ("nd_occupant", "ppa_savings", d * base.nd_price * use["non_domestic"]),
             # VAT: lost on the grid purchase, charged again on the PPA sale at (1 − d) of the price
             ("treasury", "vat_on_bills", -d * vat * p_ex * sold_dom),
             ("roof_owner", "roof_rent", rent),
             ("suppliers", "export_spread", (p.row("export_system_value_per_kwh") - export_price) * export)]
    if model == "aggregator":
        flows += [("aggregator", "profit", surplus), ("capital_providers", "interest_above_public_rate", premium)]
        objective, grant_to = surplus, "aggregator"
    elif model == "coop":
        flows += [("pool:community_fund", "community_fund", surplus), ("pool:members", "member_interest", premium)]
        objective, grant_to = surplus, "pool:community_fund"
    else:
        flows += [("pool:public_return", "public_return", surplus)]
        objective, grant_to = surplus, "pool:public_return"
    real = _real_value(p, base, use, export, cap_ref, sold_on_site=onsite_cost)
    return Plan(flows, objective, real, capex, surplus + own_capital, grant_to=grant_to, use=use)


def _real_value(p: Params, base: Base, use: dict, export, cap_ref, sold_on_site) -> np.ndarray:
    """Value created by a full installation ``(U, D)``: power used on site at its on-site value (the
    system value plus avoided losses, :attr:`Params.onsite_value`), export at its system value, less
    O&M, capital at the public rate and the cost of selling on site. A business's kWh is valued at its
    own price less the costs recovered from everyone when it is not bought
    (:attr:`Params.shifted_per_kwh_nondomestic`): the on-site value, plus its band's price difference."""
    onsite = p.onsite_value[None, :]
    shifted_nd = p.shifted_per_kwh_nondomestic[None, :]
    return (onsite * (use["domestic"] + use["communal"]) + (base.nd_price - shifted_nd) * use["non_domestic"]
            + p.row("export_system_value_per_kwh") * export - base.om - cap_ref - sold_on_site)


def climate_value(base: Base) -> np.ndarray:
    """Value of the emissions a full installation avoids that no price in the model carries ``(U, D)``
    [currency/yr]: its output times ``climate_value_per_kwh``. Reported beside the money, never booked
    to a party. Kept in ``base.cache`` (every generation on these units asks for it)."""
    if ("climate",) not in base.cache:
        base.cache[("climate",)] = base.kwh * base.params.row("climate_value_per_kwh")
    return base.cache[("climate",)]


def council_control(units: Units, p: Params) -> np.ndarray:
    """Expected share of each unit's roofs the council controls ``(U, D)`` [-]: its council homes
    (``council_share_of_social_homes`` of social landlords' roofs), its civic buildings and its
    maintained schools (``council_share_of_schools``)."""
    social = (units.roof_owner == ROOF_OWNERS.index("social_landlord"))[:, None]
    return (social * p.row("council_share_of_social_homes") + units.kind_is("school")[:, None]
            * p.row("council_share_of_schools") + units.kind_is("civic")[:, None] * 1.0)


def plan_for(units: Units, base: Base, model: str, route: str) -> Plan:
    """The :class:`Plan` of one model and route (kept in ``base.cache``)."""
    key = ("plan", model, route)
    if key not in base.cache:
        if model in ("market", "market_batteries", "market_breakeven"):
            if model == "market_breakeven":  # the same owners and routes as the market; another decision rule
                base.cache[key] = plan_for(units, base, "market", route)
            else:
                base.cache[key] = market_plan(units, base, route, batteries=model == "market_batteries")
        else:
            base.cache[key] = third_party_plan(units, base, route, model)
    return base.cache[key]


def choose_route(units: Units, base: Base, model: str) -> tuple[Plan, np.ndarray]:
    """Each unit's route (shared-solar kit or not) by its investor's objective: the merged plan and ``kit`` (U, D)."""
    key = ("chosen", model)
    if key in base.cache:
        return base.cache[key]
    direct = plan_for(units, base, model, "direct")
    flats = np.flatnonzero(units.flat)
    if not flats.size:  # only houses and non-domestic roofs: the kit never applies
        base.cache[key] = (direct, np.zeros_like(direct.objective, dtype=bool))
        return base.cache[key]
    kit = plan_for(units.subset(flats), base.subset(flats), model, "kit")  # the kit route of the flats only
    better = kit.objective > direct.objective[flats]
    take_kit = np.zeros_like(direct.objective, dtype=bool)
    take_kit[flats] = better
    plan = _merge_routes(direct, kit, flats, better)
    base.cache[key] = (plan, take_kit)
    return plan, take_kit


def _merge_routes(direct: Plan, kit: Plan, flats: np.ndarray, better: np.ndarray) -> Plan:
    """One plan from the direct route of every unit and the kit route of the units ``flats`` where
    ``better`` ``(len(flats), D)`` says the kit is taken."""
    def pick(a, b):
        out = np.array(np.broadcast_to(a, direct.objective.shape), dtype=float)
        out[flats] = np.where(better, b, out[flats])
        return out

    flows = [(r, c, pick(a, b)) for (r, c, a), (_, _, b) in zip(direct.flows, kit.flows)]
    return Plan(flows, pick(direct.objective, kit.objective), pick(direct.real, kit.real),
                pick(direct.upfront, kit.upfront), pick(direct.first_year_income, kit.first_year_income),
                direct.grant_to, {k: pick(direct.use[k], kit.use[k]) for k in direct.use})


def roof_decisions(units: Units, p: Params, curve: SelfConsumptionCurve, chunk: int = 200_000) -> np.ndarray:
    """What each owner decides on every roof at the central assumptions ``(U,)`` [int bits of
    :data:`DECISION_BITS`]: panels create value (:func:`worthwhile`); they pay the roof's owner
    (its market objective); they pay an aggregator, a co-op, a public company. Worked through in
    chunks of roofs so that memory stays bounded; classes of roofs are formed within equal
    decisions, so a class never averages a yes and a no into a maybe."""
    central = p.draw(0)
    out = np.zeros(len(units), dtype=np.int64)
    for start in range(0, len(units), chunk):
        rows = np.arange(start, min(start + chunk, len(units)))
        part = units.subset(rows)
        base = base_quantities(part, central, curve)
        bits = [worthwhile(part, base)[:, 0],
                choose_route(part, base, "market")[0].objective[:, 0] >= 0,
                choose_route(part, base, "aggregator")[0].objective[:, 0] > 0,
                choose_route(part, base, "coop")[0].objective[:, 0] > 0,
                choose_route(part, base, "public")[0].objective[:, 0] >= 0]
        out[rows] = sum(b.astype(np.int64) << i for i, b in enumerate(bits))
    return out


def worthwhile(units: Units, base: Base) -> np.ndarray:
    """Roofs where panels are worth building ``(U, D)`` bool: the real value of a full installation
    (power used on site at its on-site value, export at its system value, less O&M and capital) plus
    the value of the emissions it avoids that no price carries (``climate_value_per_kwh``: a public
    appraisal's view, as in the Green Book) is positive on the route the roof's owner would take.
    The equal-scale comparison on "worthwhile roofs" uses them."""
    key = ("worthwhile",)
    if key not in base.cache:
        # on the route the roof's owner would take (with or without shared-solar kit): the comparison
        # on these roofs keeps each owner's route, so the test must too
        chosen, _ = choose_route(units, base, "market")
        base.cache[key] = (chosen.real + climate_value(base) > 0) & (base.kwp > 0)
    return base.cache[key]


# ----------------------------------------------------------------------------------------------
# Who installs: each model's own decision rule
# ----------------------------------------------------------------------------------------------

def market_uptake(units: Units, p: Params, payback_years) -> np.ndarray:
    """Expected share of each unit's roofs whose owner installs PV in a market ``(U, D)`` [-].

    Each owner decides as that owner does:

    * owner-occupiers: ``(area income / median)^elasticity · exp(−k · payback)`` — the share
      adopting at a simple payback, higher where incomes are higher;
    * private landlords and freeholders: ``adoption_private_landlord · exp(−k · payback)`` (the
      split incentive and the consent of leaseholders);
    * businesses and faith communities: ``adoption_commercial · exp(−k_business · payback)``
      (they want short paybacks);
    * social landlords and public bodies decide by programmes and budgets, not by payback: a fixed
      share of their roofs (``adoption_social_landlord``; ``adoption_public_programme`` for
      schools, universities, health and civic buildings; ``adoption_public_heritage_transport``
      for museums and stations) wherever panels pay at all.

    Capped at 0.9; a roof that never pays back gets none. Whether an owner needs the panels to
    repay its cost of capital is decided in :func:`own_share`.

    Parameters
    ----------
    units : Units
    p : Params
    payback_years : array (U, D)
        Upfront cost over first-year income of the investor [yr]; ``inf`` when it never pays.
    """
    o = units.roof_owner
    pay = np.asarray(payback_years, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        households = np.nan_to_num(np.exp(-p.adoption_payback_decay_per_year[None, :] * pay), nan=0.0)
        business = np.nan_to_num(np.exp(-p.adoption_payback_decay_business[None, :] * pay), nan=0.0)
    pays = np.isfinite(pay).astype(float)
    share = np.zeros((len(units), p.n_draws))

    def put(mask, values):
        share[mask] = np.broadcast_to(values, share.shape)[mask]

    oo = o == ROOF_OWNERS.index("owner_occupier")  # the income term on their rows only (a power per value)
    share[oo] = units.income_ratio[oo, None] ** p.adoption_income_elasticity[None, :] * households[oo]
    put(np.isin(o, [ROOF_OWNERS.index("private_landlord"), ROOF_OWNERS.index("private_freeholder")]),
        p.adoption_private_landlord[None, :] * households)
    put(np.isin(o, [ROOF_OWNERS.index("commercial"), ROOF_OWNERS.index("faith_community")]),
        p.adoption_commercial[None, :] * business)
    put(o == ROOF_OWNERS.index("social_landlord"), p.adoption_social_landlord[None, :] * pays)
    put(units.kind_is("other", "school", "university", "health", "civic"), p.adoption_public_programme[None, :] * pays)
    put(units.kind_is("culture", "transport"), p.adoption_public_heritage_transport[None, :] * pays)
    return np.clip(share, 0, 0.9)


def own_share(units: Units, base: Base, model: str) -> np.ndarray:
    """Expected share of each unit's roofs a model installs at its own scale ``(U, D)`` [-] (kept in ``base``).

    * market — :func:`market_uptake` on the owner's objective (batteries are an add-on decision,
      so ``market`` and ``market_batteries`` share it), times the odds that every extra party
      agrees; households may buy panels that do not repay their cost of capital (the uptake curve
      is what people do), every other owner only where they do;
    * market_breakeven — every owner installs wherever panels repay its cost of capital (what
      owners would do if they acted on the money alone), times the consent odds;
    * aggregator — where its profit is positive, on the share of roofs whose owners sign up;
    * co-op — where its surplus is positive, on the council's roofs (which back it) and faith
      roofs, and a share of others;
    * public — a council energy company, where its surplus is not negative, on the roofs the
      council controls (:func:`council_control`) and a share of others whose owners host it.
    """
    key = "market" if model == "market_batteries" else model
    cache_key = ("own share", key)
    if cache_key in base.cache:
        return base.cache[cache_key]
    p = base.params
    plan, _ = choose_route(units, base, key)
    if key == "market":
        upfront = plan.upfront * (1 + p.row("vat_rate_installation_domestic") * _owner_is(units, *VAT_PAYING_OWNERS))
        payback = np.divide(upfront, plan.first_year_income, out=np.full_like(upfront, np.inf),
                            where=plan.first_year_income > 0)
        pays = np.where(_owner_is(units, "owner_occupier"), 1.0, plan.objective >= 0)
        s = market_uptake(units, p, payback) * base.consent_odds * pays
    elif key == "market_breakeven":
        s = (plan.objective >= 0) * base.consent_odds
    elif key == "aggregator":
        host = np.where(_owner_is(units, "owner_occupier"), p.row("aggregator_uptake_owner_occupier"),
                        p.row("aggregator_uptake_landlords"))
        s = (plan.objective > 0) * host * base.consent_odds
    elif key == "coop":
        backed = np.clip(council_control(units, p) + _owner_is(units, "faith_community"), 0, 1)
        host = backed + (1 - backed) * p.row("coop_share_of_other_roofs")
        s = (plan.objective > 0) * host * base.consent_odds
    else:
        cc = council_control(units, p)
        host = cc + (1 - cc) * p.row("public_share_of_other_roofs")
        s = (plan.objective >= 0) * host * base.consent_odds
    base.cache[cache_key] = np.where(base.kwp > 0, s, 0.0)
    return base.cache[cache_key]


# ----------------------------------------------------------------------------------------------
# Generation: book a model's flows on a roof set
# ----------------------------------------------------------------------------------------------

@dataclass
class Generation:
    """Money and energy of one generation model on a set of units (see :func:`generation`)."""

    model: str
    ledger: Ledger
    share: np.ndarray                  # (U, D) expected share of each unit's roofs installed
    kit: np.ndarray                    # (U, D) bool: the unit takes shared-solar kit
    installed_kwp: np.ndarray          # (G, D)
    installed_buildings: np.ndarray    # (G, D) expected buildings (roof units) installing
    generation_kwh: np.ndarray         # (G, D) life-average annual output
    behind_meter_dom: np.ndarray       # (G, 8, D) domestic kWh (incl. communal supplies) used on site
    behind_meter_nd: np.ndarray        # (G, 3, D)
    self_consumed_kwh: np.ndarray      # (G, D) all on-site use
    levy: np.ndarray                   # (D,) generation tariff to be recovered from all bill payers
    specific: list                     # [(weights (U, 4), amount (U, D))]: money per household of each tenure in an
                                       # installing unit = sum of weights[:, t] × amount (see :meth:`specific_for`)
    capex: np.ndarray                  # (G, D) capital spent (excl. VAT)
    grant: np.ndarray                  # (D,) top-up grants paid by the Treasury
    investor_net: np.ndarray           # (U, D) the investor's objective after any grant, per installed unit
    investor_party: np.ndarray         # (U,) who invests in each unit (a party name or "households")
    pools: dict = field(default_factory=dict)   # (pool name, component) -> (D,) amount spread by its rule
    communal_demand: np.ndarray | None = None   # (G, 8, D) communal supplies' demand of the flats (all roofs) [kWh/yr]
    grant_per_unit: np.ndarray | None = None    # (U, D) expected top-up grant paid per unit [currency/yr]
    climate_value: np.ndarray | None = None     # (D,) value of emissions avoided that no price carries [currency/yr]
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def specific_for(self, rows: np.ndarray, tenure: int) -> np.ndarray:
        """Money specific to one household of ``tenure`` in each of the units ``rows``, if it installs ``(n, D)``."""
        out = np.zeros((len(rows), self.share.shape[1]))
        for weights, amount in self.specific:
            w = weights[rows, tenure]
            if np.any(w):
                out += w[:, None] * amount[rows]
        return out


def membership_weights(groups: Groups, p: Params) -> np.ndarray:
    """Share of co-op members in each group and slot ``(G, 8, D)``, skewed to higher incomes.

    Members per group ∝ households × rate × (income / median)^skew; within a group, members are
    spread over slots in proportion to households (no data on members' tenure).
    """
    from analysis import inequality

    h = groups.households
    total = h.sum(axis=1)
    known = np.isfinite(groups.income_mean) & (total > 0)
    median = inequality.weighted_median(groups.income_mean[known], total[known]) if known.any() else np.nan
    ratio = np.nan_to_num(groups.income_mean / median, nan=1.0) if np.isfinite(median) and median > 0 \
        else np.ones(len(groups))  # no incomes: members spread evenly
    members = (h[:, :, None] * p.coop_membership_at_median_income[None, None, :]
               * ratio[:, None, None] ** p.coop_membership_income_skew[None, None, :])
    s = members.sum(axis=(0, 1), keepdims=True)
    return np.divide(members, s, out=np.zeros_like(members), where=s > 0)


def return_weights(groups: Groups, distribution: str, pool=None) -> np.ndarray:
    """Share of a pooled result for each group, slot and draw ``(G, 8, D)``.

    ``equal``: the same per household. ``progressive``: a surplus in proportion to 1/income, a
    loss in proportion to income (a progressive rule must not charge a loss to the poorest
    first). ``pool`` (``(D,)``) gives each draw's sign; without it the pool is taken as a surplus
    and the result has one draw.
    """
    h = groups.households.astype(float)
    sign = np.ones(1) if pool is None else np.sign(np.asarray(pool, dtype=float))
    if h.sum() <= 0:
        return np.zeros((*h.shape, sign.size))
    if distribution == "equal":
        w = np.broadcast_to(h[:, :, None], (*h.shape, sign.size))
    elif distribution == "progressive":
        income = np.asarray(groups.income_mean, dtype=float)
        known = np.isfinite(income) & (income > 0) & (h.sum(axis=1) > 0)
        income = np.where(known, income, np.median(income[known]) if known.any() else 1.0)
        gain = np.divide(h, income[:, None], out=np.zeros_like(h), where=h > 0)
        loss = h * income[:, None]
        w = np.where(sign[None, None, :] < 0, (loss / loss.sum())[:, :, None], (gain / gain.sum())[:, :, None])
    else:
        raise ValueError(f"unknown distribution {distribution!r}")
    return w / w.sum(axis=(0, 1), keepdims=True)


def fund_weights(groups: Groups, p: Params) -> np.ndarray:
    """How a co-op's community fund is spent ``(G, 8, D)``: ``community_fund_targeting`` of it on the
    households of the poorest three income tenths (equally among them), the rest equally per household."""
    h = groups.households.astype(float)
    if h.sum() <= 0:
        return np.zeros((*h.shape, p.n_draws))
    equal = h / h.sum()
    poor = h * (np.isin(groups.decile, [1, 2, 3]))[:, None]
    poor = poor / poor.sum() if poor.sum() > 0 else equal
    t = p.community_fund_targeting[None, None, :]
    return t * poor[:, :, None] + (1 - t) * equal[:, :, None]


def _recipients(units: Units, base: Base, n_groups: int, rule: str):
    """Where a unit's money goes under a recipient rule: a sparse ``(P·G·9, U)`` matrix onto the ledger's
    (party, group, slot) cells, and per-household weights ``(U, 4)`` of the unit's households by tenure
    (the money specific to a household of an installing unit). Kept in ``base.cache``."""
    from scipy import sparse

    from analysis.economics.incidence import PARTY_LIST

    key = ("recipients", rule, n_groups)
    if key in base.cache:
        return base.cache[key]
    party_index = {party.name: i for i, party in enumerate(PARTY_LIST)}
    U = len(units)
    g = units.group
    kind = units.flat.astype(np.int64)
    dwell = units.dwellings.sum(axis=1)
    per_home = np.divide(1.0, dwell, out=np.zeros(U), where=dwell > 0)
    oo_dw = units.dwellings[:, 0]
    rows, cols, vals = [], [], []
    per_household = np.zeros((U, N_TENURES))

    def cell(party, slot):
        return (party_index[party] * n_groups + g) * (N_SLOTS + 1) + slot

    def add(mask, party, slot, weight):
        sel = np.flatnonzero(mask & (np.broadcast_to(weight, (U,)) != 0))
        rows.append(np.broadcast_to(cell(party, slot), (U,))[sel])
        cols.append(sel)
        vals.append(np.broadcast_to(weight, (U,))[sel])

    every = np.ones(U, dtype=bool)

    def occupants(mask):
        for slot in range(N_SLOTS):
            add(mask & (kind == SLOT_KIND[slot]), "households", slot, base.slots[:, slot])
        per_household[mask] += per_home[mask, None] * (units.dwellings[mask] > 0)

    def owner_household(mask):
        add(mask, "households", 2 * 0 + kind, np.ones(U))
        per_household[mask, 0] += np.divide(1.0, oo_dw, out=np.zeros(U), where=oo_dw > 0)[mask]

    def leaseholders(mask):
        for t in (0, 3):
            add(mask, "households", 2 * t + kind, base.split[:, t])
            per_household[mask, t] += per_home[mask] * (units.dwellings[mask, t] > 0)
        add(mask, "private_landlords", N_SLOTS, base.split[:, 2])
        add(mask, "housing_revenue_account", N_SLOTS, base.split[:, 1])
        add(mask & (dwell <= 0), "businesses", N_SLOTS, np.ones(U))  # a freeholder without homes: a company

    def roof_owner(mask):
        for k, name in enumerate(ROOF_OWNERS):
            m = mask & (units.roof_owner == k)
            if name == "owner_occupier":
                owner_household(m)
            elif name == "private_freeholder":
                leaseholders(m)
            else:
                add(m, OWNER_PARTY[name], N_SLOTS, np.ones(U))

    if rule == "occupants":
        occupants(every)
    elif rule == "owner_household":
        owner_household(every)
    elif rule == "leaseholders":
        leaseholders(every)
    elif rule in ("roof_owner", "roof_owner_or_leaseholders"):
        roof_owner(every)
    elif rule == "communal_payer":  # social tenants pay communal supplies through service charges; else the owner
        via_charges = units.roof_owner == ROOF_OWNERS.index("social_landlord")
        occupants(via_charges)
        roof_owner(~via_charges)
    elif rule == "nd_occupant":
        for k, party in enumerate(ND_PARTIES):
            add(units.nd_party == k, party, N_SLOTS, np.ones(U))
    else:
        add(every, rule, N_SLOTS, np.ones(U))
    matrix = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                               shape=(len(PARTY_LIST) * n_groups * (N_SLOTS + 1), U))
    base.cache[key] = (matrix, per_household)
    return base.cache[key]


def generation(units: Units, groups: Groups, p: Params, curve: SelfConsumptionCurve, model: str,
               share=None, distribution: str = "equal", base: Base | None = None) -> Generation:
    """Money and energy flows of one generation model on the units, for every draw.

    Parameters
    ----------
    units, groups : Units, Groups
    p : Params
    curve : SelfConsumptionCurve
    model : str
        One of :data:`GENERATION_MODELS` (see the module docstring for each route).
    share : array, optional
        Installed share of each unit's roofs ``(U,)`` or ``(U, D)``: the same roofs for every
        model in the equal-scale comparisons, where any investor whose objective is negative on a
        roof gets a top-up grant from the Treasury. When omitted the model's own decision applies
        (and consent is needed from every party on the roof).
    distribution : str
        ``public`` only: return the surplus ``equal`` per household or ``progressive``.
    base : Base, optional
        :func:`base_quantities` of these units and draws (computed when omitted).
    """
    from analysis.economics.incidence import PARTY_LIST

    if model not in GENERATION_MODELS:
        raise ValueError(f"unknown generation model {model!r}; expected one of {GENERATION_MODELS}")
    D, G, U = p.n_draws, len(groups), len(units)
    base = base if base is not None else base_quantities(units, p, curve)
    plan, kit = choose_route(units, base, "market" if model in ("market", "market_breakeven") else model)
    if model == "market_batteries":
        plan, kit = _battery_plan(units, base)
    own_scale = share is None
    if own_scale:
        s = own_share(units, base, model)
    else:
        s = np.broadcast_to(np.asarray(share, dtype=float).reshape(U, -1), (U, D))
        s = np.where(base.kwp > 0, s, 0.0)
    grant = np.zeros((U, D)) if own_scale else np.clip(-plan.objective, 0, None)
    flows = list(plan.flows)
    if not own_scale:
        flows += [("treasury", "top_up_grant", -grant), (plan.grant_to, "top_up_grant", grant)]
    ledger = Ledger(G, D)
    g = units.group
    # Every flow goes through its recipient rule's matrix onto the ledger's (party, group, slot) cells:
    # amounts of the same rule and component are summed first (one sparse product each).
    by_rule: dict = {}
    pools: dict = {}
    per_rule: dict = {}  # unscaled amounts per rule, for the money specific to a household
    for recipient, component, amount in flows:
        amount = np.broadcast_to(amount, (U, D))
        if recipient.startswith("pool:"):
            key = (recipient[5:], component)
            pools[key] = pools.get(key, 0.0) + (s * amount).sum(axis=0)
            continue
        key = (recipient, component)
        by_rule[key] = by_rule.get(key, 0.0) + amount
    n_cells = N_SLOTS + 1
    for (recipient, component), amount in by_rule.items():
        matrix, weights = _recipients(units, base, G, recipient)
        if np.any(weights):
            per_rule[recipient] = per_rule.get(recipient, 0.0) + amount
        cells = np.asarray(matrix @ (s * amount)).reshape(len(PARTY_LIST), G, n_cells, D)
        for i in np.flatnonzero(np.abs(cells).reshape(len(PARTY_LIST), -1).max(axis=1) > 0):
            party = PARTY_LIST[i].name
            arr = ledger.entries.setdefault((party, component), np.zeros((G, n_cells, D)))
            arr += cells[i]
    specific = [(_recipients(units, base, G, recipient)[1], amount) for recipient, amount in per_rule.items()]
    for (name, component), total in pools.items():
        if groups.households.sum() <= 0:  # a place without households: nobody to spread a pool to
            ledger.book("treasury", f"{component}_without_households", np.full((G, 1), 1.0 / G) * total[None, :])
        elif name == "members":
            ledger.book("coop_members", component, membership_weights(groups, p) * total[None, None, :])
        elif name == "community_fund":
            ledger.book("households", component, fund_weights(groups, p) * total[None, None, :])
        else:
            ledger.book("households", component, return_weights(groups, distribution, total) * total[None, None, :])
    ledger.real_value = group_sum(G, g, s * plan.real)
    use = plan.use
    slot_matrix = _block_matrix(G, g, weights=base.slots)
    nd_matrix = _block_matrix(G, g, category=units.nd_party, n_categories=len(ND_PARTIES))
    # the communal supply counts with the flats' households (they pay it through service charges or rent)
    bm_dom = _block_sum(slot_matrix, s * (use["domestic"] + use["communal"]), G).transpose(1, 0, 2)
    bm_nd = _block_sum(nd_matrix, s * use["non_domestic"], G).transpose(1, 0, 2)
    sc = s * sum(use.values())
    levy = (s * base.kwh * p.row("aggregator_generation_tariff_per_kwh")).sum(axis=0) if model == "aggregator" \
        else np.zeros(D)
    return Generation(model=model, ledger=ledger, share=s, kit=kit, installed_kwp=group_sum(G, g, s * base.kwp),
                      installed_buildings=group_sum(G, g, s * units.n_buildings[:, None]),
                      generation_kwh=group_sum(G, g, s * base.kwh), behind_meter_dom=bm_dom, behind_meter_nd=bm_nd,
                      self_consumed_kwh=group_sum(G, g, sc), levy=levy, specific=specific,
                      capex=group_sum(G, g, s * plan.upfront), grant=(s * grant).sum(axis=0),
                      investor_net=plan.objective + grant, investor_party=_investor_party(units, model), pools=pools,
                      communal_demand=_block_sum(slot_matrix, base.communal, G).transpose(1, 0, 2),
                      grant_per_unit=s * grant, climate_value=(s * climate_value(base)).sum(axis=0))


def _battery_plan(units: Units, base: Base) -> tuple[Plan, np.ndarray]:
    """The market with batteries, on the routes the market chose without them."""
    key = ("chosen", "market_batteries")
    if key not in base.cache:
        _, kit = choose_route(units, base, "market")
        direct = market_plan(units, base, "direct", batteries=True)
        flats = np.flatnonzero(units.flat)
        with_kit = market_plan(units.subset(flats), base.subset(flats), "kit", batteries=True)
        base.cache[key] = (_merge_routes(direct, with_kit, flats, kit[flats]), kit)
    return base.cache[key]


def _investor_party(units: Units, model: str) -> np.ndarray:
    """Who owns the panels on each unit: a party name (``households`` for owner-occupiers and leaseholders)."""
    if model == "aggregator":
        return np.full(len(units), "aggregator", dtype=object)
    if model == "coop":
        return np.full(len(units), "coop_members", dtype=object)
    if model == "public":
        return np.full(len(units), "public_bodies", dtype=object)
    names = np.array([OWNER_PARTY[o] or "households" for o in ROOF_OWNERS], dtype=object)
    return names[units.roof_owner]


# ----------------------------------------------------------------------------------------------
# Networks, cost recovery and supply
# ----------------------------------------------------------------------------------------------

NETWORKS = ("private", "public")
RECOVERIES = ("volumetric", "fixed", "progressive")
SUPPLIES = ("private", "public")


def recovery_area(place_total, national) -> np.ndarray:
    """The cost-recovery area's total of a basis ``(D,)``: the national figure, or the place's own
    when that is larger (a place outside the area, or national figures set to 0: the place recovers
    its costs alone)."""
    return np.maximum(np.asarray(national, dtype=float), np.asarray(place_total, dtype=float))


def network_and_supply(gen: Generation, groups: Groups, p: Params, network: str = "private",
                       recovery: str = "volumetric", supply: str = "private") -> Ledger:
    """Costs recovered from all bill payers, levies, public networks and supply after a generation model [currency/yr].

    **Recovery.** A kWh used on site saves its user the whole unit rate, but saves the system only
    its on-site value (:attr:`Params.onsite_value`). The rest — networks, policy levies, supplier
    costs and margin, :attr:`Params.shifted_per_kwh_domestic` per kWh — is still owed and is
    recovered from every bill payer of the cost-recovery area (Great Britain for the packaged
    values: ``national_domestic_kwh``, ``national_households``, ``national_mean_income``;
    ``national_nondomestic_kwh`` for businesses). The network and policy part
    (``network_policy_per_kwh``) of domestic costs is recovered per kWh bought from the grid
    (``volumetric``, today's rule), the same per household (``fixed``) or in proportion to income
    (``progressive``); the rest (wholesale cost above the value of power at solar hours, suppliers'
    costs) and non-domestic costs always per kWh. A rule other than per kWh also changes today's
    bills before any panel: that part alone is kept in ``extras["recovery_reform"]``. The place's
    households pay their share of the national total by that rule; the rest is paid by **bill
    payers elsewhere** (an outside party). Each group's change is booked against what the
    generation model assumed it pays (``shifted`` per kWh it still buys), so on-site use shifts
    costs onto other bill payers — in the place and, mostly, elsewhere. VAT on domestic charges
    goes to the Treasury. A generation tariff (``aggregator_generation_tariff_per_kwh``) is a
    levy on every kWh bought in the area, shared the same way.

    **Public networks** save ``public_network_saving_share`` of the place's network costs (a
    domestic bill's network share, ``network_share_of_domestic_bill``, and the non-domestic
    network share of the unit price); the saving is lost by the network owners and shared among
    the place's bill payers by the recovery rule. Compensation above the regulated asset value
    costs the Treasury ``network_compensation_cost_share`` of those network costs a year, paid to
    the former owners.

    **Public supply** returns ``public_supply_margin_on_bill`` of a typical electricity bill to
    every household (a negative margin is a loss they bear); the suppliers lose it.

    Returns
    -------
    Ledger
        Flows of this layer only (its ``real_value`` is zero).
    """
    if network not in NETWORKS or recovery not in RECOVERIES or supply not in SUPPLIES:
        raise ValueError(f"unknown cell {network}/{recovery}/{supply}")
    D = gen.levy.size
    G = len(groups)
    ledger = Ledger(G, D)
    spread = np.full((G, 1), 1.0 / G)  # an outside party's (or the whole place's) amount, spread over the groups
    vat = p.vat_rate_domestic_energy[None, None, :]
    r0 = p.shifted_per_kwh_domestic  # (D,)
    r0_nd = p.shifted_per_kwh_nondomestic
    demand_dom = np.broadcast_to(groups.demand_dom_kwh[:, :, None]
                                 + (0.0 if gen.communal_demand is None else gen.communal_demand), (G, N_SLOTS, D))
    demand_nd = groups.demand_nd_kwh[:, :, None]
    grid_dom = np.clip(demand_dom - gen.behind_meter_dom, 0, None)
    grid_nd = np.clip(demand_nd - gen.behind_meter_nd, 0, None)
    h = groups.households[:, :, None].astype(float)
    place_dom, place_nd = demand_dom.sum(axis=(0, 1)), demand_nd.sum(axis=(0, 1)) * np.ones(D)  # (D,)
    on_site_dom, on_site_nd = place_dom - grid_dom.sum(axis=(0, 1)), place_nd - grid_nd.sum(axis=(0, 1))
    area_dom = recovery_area(place_dom, p.national_domestic_kwh)
    area_nd = recovery_area(place_nd, p.national_nondomestic_kwh)
    # Two parts of what a kWh not bought leaves owed: network and policy costs (``network_policy_per_kwh``),
    # recovered by the rule; the rest (the wholesale cost in the price above the value of power at the
    # hours panels make it, suppliers' costs) stays with suppliers' per-kWh prices whatever the rule.
    r_rule = np.minimum(p.network_policy_per_kwh, r0)
    r_vol = r0 - r_rule
    area_grid = area_dom - on_site_dom
    if recovery == "volumetric":
        weight, area_weight = grid_dom, area_grid
    elif recovery == "fixed":
        weight = np.broadcast_to(h, grid_dom.shape)
        area_weight = recovery_area(h.sum(), p.national_households)
    else:
        known = np.isfinite(groups.income_mean)
        if known.any():  # areas without an income at the place's median
            income = np.nan_to_num(groups.income_mean, nan=np.nanmedian(groups.income_mean))[:, None] * np.ones(D)
        else:  # no income at all: households at the national mean (else they would pay nothing, a windfall)
            income = np.broadcast_to(p.national_mean_income[None, :], (G, D))
        weight = np.broadcast_to(h * income[:, None, :], grid_dom.shape)
        area_weight = recovery_area(weight.sum(axis=(0, 1)), p.national_households * p.national_mean_income)
    share = np.divide(weight, area_weight[None, None, :], out=np.zeros_like(weight, dtype=float),
                      where=area_weight[None, None, :] > 0)  # each slot's share of the area's total
    per_kwh = np.divide(grid_dom, area_grid[None, None, :], out=np.zeros_like(grid_dom, dtype=float),
                        where=area_grid[None, None, :] > 0)
    total_dom = r0 * area_dom  # (D,) owed by the area's households, whatever is used on site
    charges = (r_rule * area_dom)[None, None, :] * share + (r_vol * area_dom)[None, None, :] * per_kwh
    ledger.extras["domestic_charges"] = charges * (1 + vat)  # what households pay towards these costs
    if recovery != "volumetric":  # the rule's change to today's bills alone, before any panel (incl. VAT)
        ledger.extras["recovery_reform"] = -(r_rule * area_dom)[None, None, :] * (
            share - np.divide(demand_dom, area_dom[None, None, :], out=np.zeros_like(grid_dom, dtype=float),
                              where=area_dom[None, None, :] > 0)) * (1 + vat)
    change = charges - r0[None, None, :] * grid_dom  # positive: households pay more than the generation model assumed
    ledger.book("households", "network_charges", -change * (1 + vat))
    ledger.book("treasury", "vat_on_bills", (vat * change).sum(axis=1))
    elsewhere_dom = total_dom - charges.sum(axis=(0, 1)) - r0 * (area_dom - place_dom)
    unit_nd = np.divide(r0_nd * area_nd, area_nd - on_site_nd, out=np.zeros(D), where=area_nd - on_site_nd > 0)
    change_nd = unit_nd[None, None, :] * grid_nd - r0_nd[None, None, :] * grid_nd
    for k, party in enumerate(ND_PARTIES):
        if np.any(change_nd[:, k, :]):
            ledger.book(party, "network_charges", -change_nd[:, k, :])
    elsewhere_nd = (unit_nd - r0_nd) * (area_nd - place_nd)
    v = p.vat_rate_domestic_energy
    ledger.book("bill_payers_elsewhere", "network_charges",
                -spread * ((1 + v) * elsewhere_dom + elsewhere_nd)[None, :])
    ledger.book("treasury", "vat_on_bills", spread * (v * elsewhere_dom)[None, :])
    if network == "public":
        bill = p.domestic_electricity_bill / (1 + p.vat_rate_domestic_energy)  # excl. VAT
        net_dom = p.network_share_of_domestic_bill * bill * h.sum()  # (D,)
        net_nd = p.network_share_of_nondomestic_price * p.nondomestic_price_per_kwh * demand_nd.sum()
        saving_dom = p.public_network_saving_share * net_dom
        saving_nd = p.public_network_saving_share * net_nd
        place_weight = weight.sum(axis=(0, 1), keepdims=True)
        place_share = np.divide(weight, place_weight, out=np.zeros_like(weight, dtype=float), where=place_weight > 0)
        ledger.book("households", "public_network_saving", place_share * saving_dom[None, None, :] * (1 + vat))
        ledger.book("treasury", "vat_on_bills", -(place_share * saving_dom[None, None, :] * vat).sum(axis=1))
        total_nd = grid_nd.sum(axis=(0, 1), keepdims=True)
        nd_share = np.divide(grid_nd, total_nd, out=np.zeros_like(grid_nd), where=total_nd > 0)
        for k, party in enumerate(ND_PARTIES):
            if np.any(nd_share[:, k, :]):
                ledger.book(party, "public_network_saving", nd_share[:, k, :] * saving_nd[None, :])
        ledger.book("network_owners", "public_network_saving", -spread * (saving_dom + saving_nd)[None, :])
        compensation = p.network_compensation_cost_share * (net_dom + net_nd)
        ledger.book("network_owners", "compensation", spread * compensation[None, :])
        ledger.book("treasury", "compensation", -spread * compensation[None, :])
    if np.any(gen.levy != 0):  # a generation tariff: a levy on every kWh bought in the area
        area_grid = (area_dom - on_site_dom) + (area_nd - on_site_nd)
        unit_levy = np.divide(gen.levy, area_grid, out=np.zeros_like(area_grid), where=area_grid > 0)
        ledger.book("households", "generation_levy", -unit_levy[None, None, :] * grid_dom * (1 + vat))
        ledger.book("treasury", "vat_on_bills", (vat * unit_levy[None, None, :] * grid_dom).sum(axis=1))
        for k, party in enumerate(ND_PARTIES):
            if np.any(grid_nd[:, k, :]):
                ledger.book(party, "generation_levy", -unit_levy[None, :] * grid_nd[:, k, :])
        dom_elsewhere, nd_elsewhere = unit_levy * (area_dom - place_dom), unit_levy * (area_nd - place_nd)
        ledger.book("bill_payers_elsewhere", "generation_levy", -spread * ((1 + v) * dom_elsewhere + nd_elsewhere)[None, :])
        ledger.book("treasury", "vat_on_bills", spread * (v * dom_elsewhere)[None, :])
    if supply == "public":
        margin = p.public_supply_margin_on_bill * p.domestic_electricity_bill / (1 + p.vat_rate_domestic_energy) * h.sum()
        ledger.book("households", "supply_return", np.divide(h, h.sum(), out=np.zeros_like(h), where=h.sum() > 0)
                    * margin[None, None, :])
        ledger.book("suppliers", "supply_margin", np.full((G, 1), 1.0 / G) * -margin[None, :])
    return ledger
