"""The economics kernel: costs, self-consumption, tariffs and a ledger that books every £ to one party.

Ownership scenarios (:mod:`analysis.scenarios`) and the policy matrix (:mod:`analysis.policy`) both
run on this module; neither computes money on its own.

**Units and draws.** Every function works on *units* — single buildings, or classes of similar
buildings (then quantities are class totals and ``n_buildings`` says how many) — and on *draws*
of the parameters: a parameter is an array of shape ``(D,)`` and unit quantities broadcast to
``(U, D)``. The central case is ``D = 1``. Nothing loops over buildings or draws in Python.

**Money, per representative year** [£/yr, real]:

* capital (PV capex from a continuous curve of system size, scaffolding, consents, inverter
  replacements, batteries) is annualised at the owner's cost of capital; the ledger counts its
  real cost at the public borrowing rate (``discount_rate_public``) and books the difference,
  the return above that rate, to ``capital_providers`` (lenders, or savers forgoing interest;
  co-op members for a co-op);
* output is the life-average year (degradation); self-consumption comes from an hourly
  simulation on a standard load profile (with or without a battery) and is **capped by the
  building's demand by construction**;
* a domestic kWh used on site saves its occupant the retail price incl. VAT; the Treasury loses
  the VAT; the network and policy part of the price is recovered from everyone else (see
  :func:`network_and_supply`); export is paid at the export tariff, taken as its wholesale value.

**The ledger identity** (tested for every scenario, cell and draw): the flows to all parties sum
to the real value created,

    (1 − s) · p · SC_dom + (1 − s) · P_nd · SC_nd + x · export − O&M − capital at the public rate,

with ``p`` the domestic price excl. VAT, ``P_nd`` the non-domestic price, ``s`` the network and
policy share and ``x`` the export tariff. Transfers (cost shift, VAT, roof rent, levies, interest
premia, pooled returns) net to zero.

References
----------
.. [1] DESNZ (2025). Small-scale solar PV cost data 2024/25 (MCS installation database).
.. [2] BDEW (2025). Standardlastprofile Strom (H25, G25), via ``demandlib``.
.. [3] Luthander, R. et al. (2015). Photovoltaic self-consumption in buildings: a review.
   Applied Energy 142, 80–94.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.errors import InputError

TENURES = ("owner_occupied", "social_rented", "private_rented", "other")
ROOF_OWNERS = ("owner_occupier", "private_landlord", "social_landlord", "private_freeholder", "public_body",
               "commercial", "faith_community")
#: Who receives a roof owner's money (owner-occupiers are households of tenure ``owner_occupied``).
ROOF_OWNER_PARTY = {"owner_occupier": "households", "private_landlord": "private_landlords",
                    "social_landlord": "social_landlords", "private_freeholder": "private_freeholders",
                    "public_body": "public_bodies", "commercial": "businesses", "faith_community": "faith_communities"}
#: Non-domestic occupants and bill payers (the occupant of a non-domestic building is taken to be its roof owner;
#: non-domestic space in buildings of other owners is let to businesses).
ND_PARTIES = ("businesses", "public_bodies", "faith_communities")
PARTIES = ("households", "coop_members", "community_fund", "private_landlords", "social_landlords",
           "private_freeholders", "public_bodies", "businesses", "faith_communities", "aggregator", "esco",
           "capital_providers", "treasury", "network_owners", "supplier_shareholders")
#: Parties that are households (their money is booked to a tenure).
HOUSEHOLD_PARTIES = ("households", "coop_members")
NO_TENURE = len(TENURES)  # index of the "not a household" slot in the tenure axis
#: Owners who pay VAT on an installation and cannot reclaim it (households, residential landlords).
VAT_PAYING_OWNERS = ("owner_occupier", "private_landlord", "social_landlord", "private_freeholder")
RATIO_GRID = np.geomspace(1e-3, 100.0, 90)  # annual generation / annual demand [-]
BATTERY_GRID = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0])  # kWh per MWh/yr of demand


# ----------------------------------------------------------------------------------------------
# Costs
# ----------------------------------------------------------------------------------------------

def capex_gbp(kwp_per_system, p: dict) -> np.ndarray:
    """Installed cost of one PV system as a continuous function of its size [£].

    ``capex = scaffolding + c4 · k · (k / 4)^−b`` with ``k`` the system size: the cost per kWp
    falls with size (``b > 0``) while the total rises (``b < 1``); fitted to DESNZ 2024/25 medians.

    Parameters
    ----------
    kwp_per_system : array-like
        System size [kWp]; zero or negative sizes cost nothing.
    p : dict
        ``capex_gbp_per_kwp_at_4kwp`` [£/kWp], ``capex_size_exponent`` [-],
        ``scaffolding_gbp_per_system`` [£]; scalars or arrays of shape ``(D,)``.

    Returns
    -------
    numpy.ndarray
        Cost excl. VAT [£], shaped like the broadcast of the inputs.
    """
    k = np.asarray(kwp_per_system, dtype=float)
    b = np.asarray(p["capex_size_exponent"], dtype=float)
    if np.any((b <= 0) | (b >= 1)):
        raise InputError("capex_size_exponent must be in (0, 1) so that cost per kWp falls and total cost rises",
                         record="economics.capex_size_exponent", fix="use a value such as 0.2")
    safe = np.where(k > 0, k, 1.0)
    cost = p["scaffolding_gbp_per_system"] + p["capex_gbp_per_kwp_at_4kwp"] * safe * (safe / 4.0) ** -b
    return np.where(k > 0, cost, 0.0)


def capital_recovery_factor(rate, years) -> np.ndarray:
    """Annuity factor r / (1 − (1 + r)^−n) [1/yr]: the annual payment per £ of capital (1/n at r = 0)."""
    r = np.asarray(rate, dtype=float)
    n = np.asarray(years, dtype=float)
    safe = np.where(r > 0, r, 1.0)
    return np.where(r > 0, safe / (1 - (1 + safe) ** -n), 1 / n)


def replacement_present_value(cost, rate, interval_years, lifetime_years, max_replacements: int = 4) -> np.ndarray:
    """Present value of replacing a part every ``interval_years`` within the system life [£].

    Replacements happen at years ``j · interval`` for ``j ≥ 1`` while ``j · interval < lifetime``.
    """
    r, interval, life = (np.asarray(v, dtype=float) for v in (rate, interval_years, lifetime_years))
    factor = sum(np.where(j * interval < life, (1 + r) ** (-j * interval), 0.0) for j in range(1, max_replacements + 1))
    return np.asarray(cost, dtype=float) * factor


def life_average_output_factor(degradation, lifetime_years) -> np.ndarray:
    """Mean output over the life relative to year one, 1 − d·(n − 1)/2 [-] (linear degradation)."""
    return 1 - np.asarray(degradation, dtype=float) * (np.asarray(lifetime_years, dtype=float) - 1) / 2


# ----------------------------------------------------------------------------------------------
# Self-consumption
# ----------------------------------------------------------------------------------------------

@dataclass
class SelfConsumptionCurve:
    """Self-sufficiency (share of annual demand met on site) by generation/demand ratio and battery size.

    ``table[profile][i, j]`` is the share of annual demand met by PV at ``ratios[i]`` (annual
    generation / annual demand) with a battery of ``batteries[j]`` kWh per MWh/yr of demand.
    It never exceeds 1 (all demand) nor the ratio (all generation).
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
    """Self-sufficiency curves for a domestic and a non-domestic load profile (see :func:`simulate_self_sufficiency`)."""
    table = {"domestic": simulate_self_sufficiency(pv_shape, domestic_load, round_trip_efficiency=round_trip_efficiency),
             "non_domestic": simulate_self_sufficiency(pv_shape, nondomestic_load,
                                                       round_trip_efficiency=round_trip_efficiency)}
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
    profile : array of bool
        True where the non-domestic profile applies (broadcasts with ``ratio``).
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
    # Linear in log ratio between grid rows i and i + 1, then linear in battery size between columns:
    # corner values gathered from both tables at once (no masks per profile or battery column).
    step = (log_grid[-1] - log_grid[0]) / (len(log_grid) - 1)
    if np.allclose(np.diff(log_grid), step, rtol=1e-9, atol=0):  # a geometric grid: the row by arithmetic
        i = np.clip(((lr - log_grid[0]) / step).astype(np.int64), 0, len(log_grid) - 2)
    else:
        i = np.clip(np.searchsorted(log_grid, lr, side="right") - 1, 0, len(log_grid) - 2)
    t = (lr - log_grid[i]) / (log_grid[i + 1] - log_grid[i])
    n_batteries = len(curve.batteries)
    flat = np.stack([curve.table["domestic"], curve.table["non_domestic"]]).ravel()  # (profile, ratio, battery)
    row = (np.broadcast_to(np.asarray(profile, dtype=bool), shape) * len(log_grid) + i) * n_batteries

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


# ----------------------------------------------------------------------------------------------
# Inputs: units, groups, parameters
# ----------------------------------------------------------------------------------------------

@dataclass
class Units:
    """Buildings (or classes of buildings) that can carry PV; every array has one entry per unit.

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
    roof_owner: np.ndarray       # int index into :data:`ROOF_OWNERS`
    nd_party: np.ndarray         # int index into :data:`ND_PARTIES` (who occupies non-domestic space)
    consents: np.ndarray         # parties whose agreement the roof needs, mean per building [-] (>= 1)
    income_ratio: np.ndarray     # area income / household-weighted median [-]
    nondomestic_profile: np.ndarray  # bool: use the non-domestic load profile

    def __len__(self) -> int:
        return len(self.group)

    def subset(self, mask) -> "Units":
        return Units(**{k: v[mask] for k, v in self.__dict__.items()})


@dataclass
class Groups:
    """Areas (or income deciles) to which money is attributed; one row per group."""

    ids: np.ndarray              # area_id or decile
    households: np.ndarray       # (G, 4) by tenure
    income_mean_gbp: np.ndarray  # mean household income [£/yr]
    demand_dom_kwh: np.ndarray   # (G, 4) domestic demand by tenure [kWh/yr]
    demand_nd_kwh: np.ndarray    # (G, 3) non-domestic demand by party (:data:`ND_PARTIES`) [kWh/yr]
    decile: np.ndarray           # household-weighted income decile of the group (1-10)

    def __len__(self) -> int:
        return len(self.ids)


def as_draws(params: dict) -> dict:
    """Parameters as float arrays of shape ``(D,)`` (scalars become ``(1,)``)."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
    sizes = {a.size for a in arrays.values()} - {1}
    if len(sizes) > 1:
        raise InputError(f"parameter draws have different lengths {sorted(sizes)}", fix="draw all parameters together")
    n = sizes.pop() if sizes else 1
    return {k: (np.full(n, a[0]) if a.size == 1 else a) for k, a in arrays.items()}


# ----------------------------------------------------------------------------------------------
# The ledger
# ----------------------------------------------------------------------------------------------

@dataclass
class Ledger:
    """Annual money flows by (party, component), group and tenure, for every draw [£/yr].

    Each entry is an array of shape ``(G, 5, D)``: groups × (four occupant tenures, then "not a
    household") × draws. Household parties use the tenure slots; all others the last slot.
    ``real_value`` (``(G, D)``) is the value created, attributed to the group of the roof.
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
        """Add flows; ``values`` is ``(G, 4, D)`` for household parties and ``(G, D)`` otherwise."""
        if party not in PARTIES:
            raise ValueError(f"unknown party {party!r}")
        arr = self.entries.setdefault((party, component), np.zeros((self.n_groups, NO_TENURE + 1, self.n_draws)))
        values = np.asarray(values, dtype=float)
        if party in HOUSEHOLD_PARTIES:
            arr[:, :NO_TENURE, :] += np.broadcast_to(values, (self.n_groups, NO_TENURE, self.n_draws))
        else:
            arr[:, NO_TENURE, :] += np.broadcast_to(values, (self.n_groups, self.n_draws))

    def merge(self, other: "Ledger") -> "Ledger":
        """A new ledger holding both ledgers' entries and real value."""
        out = Ledger(self.n_groups, self.n_draws, {k: v.copy() for k, v in self.entries.items()},
                     self.real_value + other.real_value, {**self.extras, **other.extras})
        for key, arr in other.entries.items():
            if key in out.entries:
                out.entries[key] = out.entries[key] + arr
            else:
                out.entries[key] = arr.copy()
        return out

    def party_totals(self) -> dict:
        """Total £/yr per party, each an array ``(D,)``."""
        out = {}
        for (party, _), arr in self.entries.items():
            out[party] = out.get(party, 0.0) + arr.sum(axis=(0, 1))
        return out

    def total(self) -> np.ndarray:
        """Sum over all parties ``(D,)`` — equals ``real_value.sum(0)`` (the ledger identity)."""
        return sum(arr.sum(axis=(0, 1)) for arr in self.entries.values()) if self.entries else np.zeros(self.n_draws)

    def imbalance(self) -> np.ndarray:
        """Ledger total minus real value per draw [£/yr]; zero up to rounding."""
        return self.total() - self.real_value.sum(axis=0)

    def households(self, components=None) -> np.ndarray:
        """Household parties' flows ``(G, 4, D)`` (optionally only some components)."""
        out = np.zeros((self.n_groups, NO_TENURE, self.n_draws))
        for (party, component), arr in self.entries.items():
            if party in HOUSEHOLD_PARTIES and (components is None or component in components):
                out += arr[:, :NO_TENURE, :]
        return out

    def party_group(self, party: str) -> np.ndarray:
        """One party's flows by group ``(G, D)`` (summed over tenures and components)."""
        out = np.zeros((self.n_groups, self.n_draws))
        for (p, _), arr in self.entries.items():
            if p == party:
                out += arr.sum(axis=1)
        return out

    def frame(self, draw: int = 0) -> pd.DataFrame:
        """Party × component totals for one draw (£/yr), one row each."""
        rows = [{"party": p, "component": c, "gbp_per_year": float(arr[:, :, draw].sum())}
                for (p, c), arr in sorted(self.entries.items())]
        return pd.DataFrame(rows, columns=["party", "component", "gbp_per_year"])


# ----------------------------------------------------------------------------------------------
# Generation: who owns the panels, who uses the power, who pays for what
# ----------------------------------------------------------------------------------------------

GENERATION_MODELS = ("market", "market_batteries", "aggregator", "coop", "public")


@dataclass
class Generation:
    """Money and energy of one generation model on a set of units (see :func:`generation`)."""

    model: str
    ledger: Ledger
    share: np.ndarray                  # (U, D) expected share of each unit's roofs installed
    installed_kwp: np.ndarray          # (G, D)
    generation_kwh: np.ndarray         # (G, D) life-average annual output
    behind_meter_dom: np.ndarray       # (G, 4, D) domestic kWh used on site without passing a supplier
    behind_meter_nd: np.ndarray        # (G, 3, D)
    self_consumed_kwh: np.ndarray      # (G, D) all on-site use (incl. power sold on site by a public owner)
    levy_gbp: np.ndarray               # (D,) generation tariff to be recovered from all bill payers
    unit_per_household: np.ndarray     # (U, D) £/yr to every household of an installing building (savings)
    unit_owner_extra: np.ndarray       # (U, D) £/yr more to each owner-occupied household there (owner income, rent)
    capex_gbp: np.ndarray              # (G, D) capital spent (excl. VAT)
    pool_gbp: np.ndarray | None = None  # (D,) public owner's surplus before it is returned
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # derived sums kept by their users


def _roof_owner_index(name: str) -> int:
    return ROOF_OWNERS.index(name)


def _owner_mask(owner: np.ndarray, names) -> np.ndarray:
    return np.isin(owner, [_roof_owner_index(o) for o in names])


_ONEHOT_CACHE: list = []


def _group_sum(groups_n: int, group: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Sum unit rows ``(U, ...)`` into group rows ``(G, ...)`` (a sparse one-hot product: linear in U)."""
    from scipy import sparse

    u = values.shape[0]
    flat = values.reshape(u, -1)
    if flat.shape[1] <= 4:  # few columns: one bincount each is fastest
        out = np.stack([np.bincount(group, weights=flat[:, j], minlength=groups_n) for j in range(flat.shape[1])], axis=1)
        return out.reshape((groups_n,) + values.shape[1:])
    for cached_group, n, matrix in _ONEHOT_CACHE:
        if cached_group is group and n == groups_n:
            break
    else:
        matrix = sparse.csr_matrix((np.ones(u), (group, np.arange(u))), shape=(groups_n, u))
        _ONEHOT_CACHE.insert(0, (group, groups_n, matrix))
        del _ONEHOT_CACHE[4:]
    return np.asarray(matrix @ flat).reshape((groups_n,) + values.shape[1:])


def _by_group(groups_n: int, group: np.ndarray, per_unit: np.ndarray) -> np.ndarray:
    """Sum ``(U, D)`` into ``(G, D)``."""
    return _group_sum(groups_n, group, np.asarray(per_unit, dtype=float))


_BLOCK_CACHE: list = []


def _block_matrix(groups_n: int, group: np.ndarray, weights: np.ndarray | None = None,
                  category: np.ndarray | None = None, n_categories: int = 1, column: int | None = None):
    """Sparse ``(K·G, U)`` matrix that sums units into K blocks of G group rows in one product.

    With ``weights`` ``(U, K)`` unit ``u`` adds ``weights[u, k]`` times its value to row
    ``k·G + group[u]`` (e.g. its households' tenure shares; only block ``column`` when given);
    with ``category`` ``(U,)`` it adds its value once, to block ``category[u]`` (e.g. its roof
    owner). One product replaces K masked copies of a ``(U, D)`` array; matrices are kept for the
    last few unit sets (by identity of the arrays).
    """
    from scipy import sparse

    key = weights if weights is not None else category
    for cached_group, cached_key, n, cached_column, matrix in _BLOCK_CACHE:
        if cached_group is group and cached_key is key and n == groups_n and cached_column == column:
            return matrix
    u = len(group)
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        w = w[:, column:column + 1] if column is not None else w
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
    _BLOCK_CACHE.insert(0, (group, key, groups_n, column, matrix))
    del _BLOCK_CACHE[16:]
    return matrix


def _block_sum(matrix, per_unit: np.ndarray, groups_n: int) -> np.ndarray:
    """``matrix @ per_unit`` for a :func:`_block_matrix` of ``groups_n`` groups: ``(U, D)`` into ``(K, G, D)``."""
    values = np.asarray(per_unit, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    return np.asarray(matrix @ values).reshape(-1, groups_n, values.shape[1])


def _scaled_potential(units: Units, level) -> tuple[np.ndarray, np.ndarray]:
    """kWp and kWh per unit at a potential level in [−1, 1] (−1 low, 0 central, 1 high): (U, D)."""
    lv = np.asarray(level, dtype=float)[None, :]
    up, down = np.clip(lv, 0, None), np.clip(-lv, 0, None)
    kwp = units.kwp[:, None] + up * (units.kwp_high - units.kwp)[:, None] - down * (units.kwp - units.kwp_low)[:, None]
    kwh = units.kwh[:, None] + up * (units.kwh_high - units.kwh)[:, None] - down * (units.kwh - units.kwh_low)[:, None]
    return np.clip(kwp, 0, None), np.clip(kwh, 0, None)


def tenure_split(units: Units) -> np.ndarray:
    """Share of each unit's households by tenure ``(U, 4)``; units without dwellings count as "other"."""
    dwell = units.dwellings
    total = dwell.sum(axis=1)
    split = np.divide(dwell, total[:, None], out=np.zeros_like(dwell, dtype=float), where=total[:, None] > 0)
    split[total == 0, NO_TENURE - 1] = 1.0
    return split


def owner_discount_rate(owner: np.ndarray, p: dict) -> tuple[np.ndarray, np.ndarray]:
    """Cost of capital of each roof owner investing on its own roof.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Rate class of each unit ``(U,)`` (0 household, 1 public, 2 commercial) and the rates
        of the three classes ``(3, D)`` [1/yr].
    """
    household = _owner_mask(owner, ("owner_occupier", "private_landlord", "social_landlord", "private_freeholder"))
    public = owner == _roof_owner_index("public_body")
    kind = np.where(household, 0, np.where(public, 1, 2))
    rates = np.stack([p["discount_rate_household"], p["discount_rate_public"], p["discount_rate_commercial"]])
    return kind, rates


def market_uptake(units: Units, p: dict, payback_years) -> np.ndarray:
    """Expected share of each unit's roofs whose owner installs PV in a market (U, D) [-].

    ``uptake = propensity × exp(−k · payback)``, capped at 0.9: the maximum market share at the
    owner's simple payback (NREL dGen residential curve, fitted), times the owner type's
    propensity relative to owner-occupiers; owner-occupiers' propensity is
    (area income / median)^elasticity. A roof that never pays back gets none.

    Parameters
    ----------
    units : Units
    p : dict
        ``adoption_*`` parameters, arrays ``(D,)``.
    payback_years : array (U, D)
        Upfront cost over first-year net income of the owner [yr]; ``inf`` when it never pays.
    """
    o = units.roof_owner
    by_owner = {"private_landlord": p["adoption_private_landlord"],
                "private_freeholder": p["adoption_private_landlord"], "social_landlord": p["adoption_social_landlord"],
                "public_body": p["adoption_public_body"], "commercial": p["adoption_commercial"],
                "faith_community": p["adoption_commercial"]}
    rate = np.zeros((len(units), len(p["adoption_commercial"])))
    mask = o == _roof_owner_index("owner_occupier")  # the income term on their rows only (a power per value)
    rate[mask] = units.income_ratio[mask, None] ** p["adoption_income_elasticity"][None, :]
    for name, value in by_owner.items():  # six other owner types, each a vectorised assignment
        mask = o == _roof_owner_index(name)
        rate[mask] = np.broadcast_to(np.atleast_2d(value), rate.shape)[mask]
    with np.errstate(over="ignore", invalid="ignore"):
        share = np.exp(-p["adoption_payback_decay_per_year"][None, :] * np.asarray(payback_years, dtype=float))
    return np.clip(rate * np.nan_to_num(share, nan=0.0), 0, 0.9)


def unit_prices(p: dict) -> tuple:
    """Prices per kWh of every draw, each ``(1, D)``: domestic VAT rate [-], domestic retail price
    incl. VAT, domestic price excl. VAT, network and policy share of it [-], non-domestic price
    and export tariff [£/kWh]."""
    vat = p["vat_rate_domestic_energy"][None, :]
    retail = p["retail_price_gbp_per_kwh"][None, :]
    return (vat, retail, retail / (1 + vat), p["network_policy_share_of_unit_price"][None, :],
            p["retail_price_nondomestic_gbp_per_kwh"][None, :], p["export_tariff_gbp_per_kwh"][None, :])


def base_quantities(units: Units, params: dict, curve: SelfConsumptionCurve) -> dict:
    """Model-independent quantities of every unit and draw (potential, demand, self-consumption, capex).

    Computed once and shared by all generation models on the same units and draws.
    """
    p = params
    n = units.n_buildings[:, None]
    kwp, kwh_year1 = _scaled_potential(units, p["potential_level"])
    kwh = kwh_year1 * life_average_output_factor(p["degradation_per_year"], p["lifetime_years"])[None, :]
    demand = (units.demand_dom_kwh + units.demand_nd_kwh)[:, None]
    ratio = np.divide(kwh, demand, out=np.full_like(kwh, 1e6), where=demand > 0)
    factor = p["self_consumption_profile_factor"][None, :]
    nd_profile = units.nondomestic_profile[:, None]
    # Self-consumption at full installation: demand × self-sufficiency, capped by demand and by output.
    sc_plain = np.minimum(np.minimum(self_sufficiency(curve, nd_profile, ratio, 0.0) * factor * demand, kwh), demand)
    kwp_per_building = np.divide(kwp, n, out=np.zeros_like(kwp), where=n > 0)
    return {"params": params, "kwp": kwp, "kwh": kwh, "demand": demand, "ratio": ratio, "sc_plain": sc_plain,
            "om_full": kwp * p["om_gbp_per_kwp_year"][None, :], "rent_full": kwp * p["roof_rent_gbp_per_kwp_year"][None, :],
            "inverter_kwp": p["inverter_replacement_gbp_per_kwp"][None, :] * kwp,
            "consent_odds": p["consent_probability_per_party"][None, :] ** np.clip(units.consents - 1, 0, None)[:, None],
            "capex": n * capex_gbp(kwp_per_building, p),  # excl. VAT
            "dom_frac": np.divide(units.demand_dom_kwh, demand[:, 0], out=np.zeros(len(units)),
                                  where=demand[:, 0] > 0)[:, None],
            "split": tenure_split(units)}


def generation(units: Units, groups: Groups, params: dict, curve: SelfConsumptionCurve, model: str,
               share=None, distribution: str = "equal", base: dict | None = None) -> Generation:
    """Money and energy flows of one generation model on the units, for every draw.

    Parameters
    ----------
    units, groups : Units, Groups
    params : dict
        All economics parameters as arrays ``(D,)`` (see :func:`as_draws`).
    curve : SelfConsumptionCurve
    model : str
        ``market`` (roof owners invest by the payback of their own income — landlords keep only
        export income, the split incentive; occupants keep bill savings), ``market_batteries``
        (the same; owner-occupier adopters add batteries by income), ``aggregator`` (rent-a-roof:
        a company owns the panels where it pays, keeps export and any generation tariff;
        occupants get the power used on site free), ``coop`` (a co-operative where it breaks
        even, selling on-site power at a discount, paying roof rent and member interest; its
        surplus goes to a community fund) or ``public`` (a public owner where it breaks even at
        the public rate, selling on-site power at the retail price through the meter, paying
        roof rent and returning its surplus to all households).
    share : array, optional
        Installed share of each unit's roofs ``(U,)`` or ``(U, D)``: the same roofs for every
        model in the equal-capacity comparisons. When omitted the model's own uptake applies
        (and consent is needed from every party on the roof).
    distribution : str
        ``public`` only: return the surplus ``equal`` per household or ``progressive`` (in
        proportion to 1/income; a loss in proportion to income, see :func:`return_weights`).
    base : dict, optional
        :func:`base_quantities` of these units and draws (computed when omitted).

    Returns
    -------
    Generation
    """
    if model not in GENERATION_MODELS:
        raise ValueError(f"unknown generation model {model!r}; expected one of {GENERATION_MODELS}")
    p = params
    n_draws = len(next(iter(p.values())))
    G, U = len(groups), len(units)
    ledger = Ledger(G, n_draws)
    g = units.group
    base = base if base is not None else base_quantities(units, p, curve)
    q = model_quantities(units, p, curve, base, model)
    kwp = base["kwp"]
    owner, nd_party = units.roof_owner, units.nd_party

    vat, retail, price_dom, ns, price_nd, export_price = unit_prices(p)

    # The model's own uptake (expected share of roofs) — or the given share for equal-capacity runs
    if share is None:
        s = own_share(units, p, base, q, model)
    else:
        s = np.broadcast_to(np.asarray(share, dtype=float).reshape(U, -1), (U, n_draws))
        s = np.where(kwp > 0, s, 0.0)

    # Every flow is the installed share times the flow of a full installation (``q``, per model):
    # one product per flow, then sparse sums by group (and tenure, non-domestic party or roof owner).
    by_tenure = _block_matrix(G, g, weights=base["split"])
    by_nd_party = _block_matrix(G, g, category=nd_party, n_categories=len(ND_PARTIES))
    by_owner = _block_matrix(G, g, category=owner, n_categories=len(ROOF_OWNERS))
    nd_present = np.bincount(nd_party, minlength=len(ND_PARTIES)) > 0
    owner_present = np.bincount(owner, minlength=len(ROOF_OWNERS)) > 0
    sum_g = lambda full: _by_group(G, g, s * full)  # noqa: E731  (U, D) flow of a full installation -> (G, D)
    sc_dom_t = _block_sum(by_tenure, s * q["sc_dom"], G).transpose(1, 0, 2)  # (G, 4, D) domestic self-consumption
    sc_nd_k = _block_sum(by_nd_party, s * q["sc_nd"], G)  # (3, G, D) non-domestic self-consumption by party
    sc_dom_g = sc_dom_t.sum(axis=1)
    installed_kwp, gen_g = sum_g(kwp), sum_g(base["kwh"])
    sc_g = sc_dom_g + sc_nd_k.sum(axis=0)  # the domestic and non-domestic shares of each unit's use sum to 1
    exported_g = gen_g - sc_g
    om_g = installed_kwp * p["om_gbp_per_kwp_year"][None, :]
    cap_ref_g = sum_g(q["cap_ref"])
    per_hh = np.zeros((U, n_draws))     # £ per household of an installing building, every tenure
    per_oo = np.zeros((U, n_draws))     # £ more per owner-occupied household there
    installed_hh = s > q["share_floor"]  # s × households > 1e-12

    def book_occupant_savings(price_dom_incl_vat, price_nd_saved, component):
        nonlocal per_hh
        ledger.book("households", component, sc_dom_t * price_dom_incl_vat[:, None, :])
        per_hh = per_hh + np.where(installed_hh, q["sc_dom_per_household"] * price_dom_incl_vat, 0.0)
        for k, party in enumerate(ND_PARTIES):
            if nd_present[k]:
                ledger.book(party, component, sc_nd_k[k] * price_nd_saved)

    def book_roof_owner(full, per_oo_household, component):
        """Money of the roof owner of each unit (``s`` × ``full``, (U, D)) to its party."""
        nonlocal per_oo
        per_owner = _block_sum(by_owner, s * full, G)
        for k, name in enumerate(ROOF_OWNERS):
            if not owner_present[k]:
                continue
            if name == "owner_occupier":
                own = np.zeros((G, NO_TENURE, n_draws))
                own[:, 0, :] = per_owner[k]
                ledger.book("households", component, own)
                per_oo = per_oo + np.where(s > q["share_floor_oo"], per_oo_household, 0.0)
            else:
                ledger.book(ROOF_OWNER_PARTY[name], component, per_owner[k])

    behind_meter = True
    pool = None
    levy = np.zeros(n_draws)
    if model in ("market", "market_batteries"):
        book_occupant_savings(retail, price_nd, "bill_savings")
        ledger.book("treasury", "vat_on_bills", -vat * price_dom * sc_dom_g)
        book_roof_owner(q["owner_income"], q["owner_income_per_oo"], "owner_income")
        ledger.book("capital_providers", "interest_above_public_rate", sum_g(q["interest_premium"]))
        ledger.book("treasury", "vat_on_installation", sum_g(q["vat_on_capex"]))
    elif model == "aggregator":
        book_occupant_savings(retail, price_nd, "free_power")
        ledger.book("treasury", "vat_on_bills", -vat * price_dom * sc_dom_g)
        tariff = p["aggregator_generation_tariff_gbp_per_kwh"][None, :]
        ledger.book("aggregator", "profit", sum_g(q["profit"]))
        ledger.book("capital_providers", "interest_above_public_rate", sum_g(q["interest_premium"]))
        levy = (gen_g * tariff).sum(axis=0)
    elif model == "coop":
        d = p["coop_occupant_discount"][None, :]
        book_occupant_savings(retail * d, price_nd * d, "bill_savings")
        # VAT: the grid sale is lost, the co-op's sale at (1 − d) of the price carries VAT again.
        ledger.book("treasury", "vat_on_bills", -vat * price_dom * sc_dom_g * d)
        book_roof_owner(q["rent"], q["rent_per_oo"], "roof_rent")
        ledger.book("community_fund", "surplus", sum_g(q["fund"]))
        members = membership_weights(groups, p)  # (G, 4, D), sums to 1 over groups and tenures
        ledger.book("coop_members", "interest_above_public_rate",
                    members * (s * q["interest_premium"]).sum(axis=0)[None, None, :])
    else:  # public: on-site power sold through the meter at the retail price (network charges paid)
        behind_meter = False
        book_roof_owner(q["rent"], q["rent_per_oo"], "roof_rent")
        pool = (s * q["pool"]).sum(axis=0)
        weights = return_weights(groups, distribution, pool)  # (G, 4, D)
        ledger.book("households", "pooled_return", weights * pool[None, None, :])

    ledger.real_value = ((1 - ns) * (price_dom * sc_dom_g + price_nd * sc_nd_k.sum(axis=0)) + exported_g * export_price
                         - om_g - cap_ref_g)
    if behind_meter:
        bm_dom = sc_dom_t
        bm_nd = sc_nd_k.transpose(1, 0, 2)
    else:
        bm_dom = np.zeros((G, NO_TENURE, n_draws))
        bm_nd = np.zeros((G, len(ND_PARTIES), n_draws))
    return Generation(model=model, ledger=ledger, share=s, installed_kwp=installed_kwp,
                      generation_kwh=gen_g, behind_meter_dom=bm_dom, behind_meter_nd=bm_nd,
                      self_consumed_kwh=sc_g, levy_gbp=levy, unit_per_household=per_hh,
                      unit_owner_extra=per_oo, capex_gbp=sum_g(q["capex_spent"]), pool_gbp=pool)


def model_quantities(units: Units, params: dict, curve: SelfConsumptionCurve, base: dict, model: str) -> dict:
    """Per-unit quantities of a *full* installation under one generation model ``(U, D)``.

    They do not depend on the installed share, so a model run on several roof sets (its own
    uptake, all roofs, the market's roofs) computes them once; they are kept in ``base``.
    Every flow of :func:`generation` is the installed share times one of these. They are kept
    only for the parameters ``base`` was computed with (other parameters: computed afresh).
    """
    cache = base.setdefault("models", {}) if base.get("params") is params else {}
    if model in cache:
        return cache[model]
    p = params
    n_draws = len(next(iter(p.values())))
    U = len(units)
    n = units.n_buildings[:, None]
    life = p["lifetime_years"][None, :]
    kwh, demand, sc_plain, capex = base["kwh"], base["demand"], base["sc_plain"], base["capex"]
    dom_frac = base["dom_frac"]
    owner = units.roof_owner
    oo = owner == _roof_owner_index("owner_occupier")
    third_party = model in ("aggregator", "coop", "public")
    extra_parties = units.consents[:, None] if third_party else np.clip(units.consents - 1, 0, None)[:, None]
    consent_cost = n * extra_parties * p["consent_cost_gbp_per_party"][None, :]

    _, _, price_dom, ns, price_nd, export_price = unit_prices(p)
    r_ref = p["discount_rate_public"][None, :]

    # Cost of capital by model: a few rate classes ``(K, D)`` and each unit's class ``(U,)``
    if model in ("market", "market_batteries"):
        rate_kind, rates = owner_discount_rate(owner, p)
    else:
        name = {"aggregator": "discount_rate_aggregator", "coop": "discount_rate_coop"}.get(model, "discount_rate_public")
        rate_kind, rates = np.zeros(U, dtype=np.int64), p[name][None, :]
    vat_install = (p["vat_rate_installation_domestic"][None, :] * _owner_mask(owner, VAT_PAYING_OWNERS)[:, None]
                   if model in ("market", "market_batteries") else np.zeros((1, n_draws)))
    inverter_kwp = base["inverter_kwp"]

    def annual_capital(kind, rate_classes, gross_capex, battery_capex):
        """Annualised capital of a full installation at each unit's rate (U, D) [£/yr]."""
        def per_unit(factor):  # factors per rate class (K, D), then per unit (one class: broadcast, no copy)
            return factor if len(rate_classes) == 1 else factor[kind]

        crf = per_unit(capital_recovery_factor(rate_classes, life))
        inverter = per_unit(replacement_present_value(1.0, rate_classes, p["inverter_life_years"][None, :], life))
        out = (gross_capex + consent_cost + inverter * inverter_kwp) * crf
        if np.ndim(battery_capex) and np.any(battery_capex):
            out = out + battery_capex * per_unit(capital_recovery_factor(rate_classes, p["battery_lifetime_years"][None, :]))
        return out

    # Battery take-up (owner-occupier adopters, market_batteries only)
    battery_capex = 0.0
    sc_full = sc_plain
    if model == "market_batteries":
        battery_prob = np.zeros((U, n_draws))  # owner-occupiers' rows only (a power per value)
        battery_prob[oo] = np.clip(p["battery_adoption_owner_occupier_adopters"][None, :]
                                   * units.income_ratio[oo, None] ** p["battery_income_elasticity"][None, :], 0, 1)
        per_building_mwh = np.divide(demand, n * 1000, out=np.ones_like(demand), where=demand > 0)
        sc_batt = np.minimum(np.minimum(self_sufficiency(curve, units.nondomestic_profile[:, None], base["ratio"],
                                                         p["battery_kwh"][None, :] / per_building_mwh)
                                        * p["self_consumption_profile_factor"][None, :] * demand, kwh), demand)
        sc_full = sc_plain + battery_prob * (sc_batt - sc_plain)
        battery_capex = n * battery_prob * p["battery_capex_gbp"][None, :]
    export_full = kwh - sc_full
    om_full, rent_full = base["om_full"], base["rent_full"]
    own_capital = annual_capital(rate_kind, rates, capex * (1 + vat_install), battery_capex)
    public_roof = (owner == _roof_owner_index("public_body"))[:, None]
    ref_kind = np.zeros(U, dtype=np.int64)
    cap_ref = annual_capital(ref_kind, r_ref, capex, battery_capex)  # real cost: excl. VAT, at the reference rate
    dwellings = units.dwellings.sum(axis=1)[:, None]
    dw_oo = units.dwellings[:, :1]
    # Smallest installed share at which a unit's households count as installing (s × households > 1e-12).
    floor = lambda dw: np.divide(1e-12, dw, out=np.full_like(dw, np.inf), where=dw > 0)  # noqa: E731
    sc_dom = sc_full * dom_frac
    q = {"third_party": third_party, "consent_cost": consent_cost, "vat_install": vat_install, "sc_full": sc_full,
         "export_full": export_full, "om_full": om_full, "own_capital": own_capital, "rent_full": rent_full,
         "public_roof": public_roof, "cap_ref": cap_ref,
         "capex_spent": capex + battery_capex if model == "market_batteries" else capex,
         "sc_dom": sc_dom, "sc_nd": sc_full * (1 - dom_frac), "share_floor": floor(dwellings), "share_floor_oo": floor(dw_oo),
         # £ per household of an installing building, per unit price of the power its occupants use
         "sc_dom_per_household": np.divide(sc_dom, dwellings, out=np.zeros_like(sc_dom), where=dwellings > 0)}
    per_oo = lambda full: np.divide(full, dw_oo, out=np.zeros_like(full), where=oo[:, None] & (dw_oo > 0))  # noqa: E731
    if model in ("market", "market_batteries"):
        q["vat_on_capex"] = capex * vat_install * capital_recovery_factor(r_ref, life)
        q["interest_premium"] = own_capital - cap_ref - q["vat_on_capex"]
        q["owner_income"] = export_full * export_price - om_full - own_capital
        q["owner_income_per_oo"] = per_oo(q["owner_income"])
    elif model == "aggregator":
        q["interest_premium"] = own_capital - cap_ref
        q["profit"] = (export_full * export_price + kwh * p["aggregator_generation_tariff_gbp_per_kwh"][None, :]
                       - own_capital - om_full)
    elif model == "coop":
        d = p["coop_occupant_discount"][None, :]
        q["interest_premium"] = own_capital - cap_ref
        q["rent"], q["rent_per_oo"] = rent_full, per_oo(rent_full)
        q["fund"] = (1 - d) * (price_dom * sc_dom + price_nd * q["sc_nd"]) + export_full * export_price - om_full - own_capital - rent_full
    else:
        rent = np.where(public_roof, 0.0, rent_full)
        q["rent"], q["rent_per_oo"] = rent, per_oo(rent)
        q["pool"] = (1 - ns) * (price_dom * sc_dom + price_nd * q["sc_nd"]) + export_full * export_price - om_full - cap_ref - rent
    cache[model] = q
    return q


def own_share(units: Units, params: dict, base: dict, q: dict, model: str) -> np.ndarray:
    """Expected share of each unit's roofs a model installs at its own scale ``(U, D)`` [-] (kept in ``base``).

    The market's PV decision is taken without batteries (an add-on decision), so ``market`` and
    ``market_batteries`` share it.
    """
    key = "market" if model == "market_batteries" else model
    cache = base.setdefault("own shares", {}) if base.get("params") is params else {}
    if key in cache:
        return cache[key]
    p = params
    kwp, kwh, sc_plain, capex, dom_frac = base["kwp"], base["kwh"], base["sc_plain"], base["capex"], base["dom_frac"]
    owner = units.roof_owner
    oo = owner == _roof_owner_index("owner_occupier")
    consent_odds = base["consent_odds"]
    _, retail, price_dom, ns, price_nd, export_price = unit_prices(p)
    sc_full, export_full, own_capital, om_full, rent_full = (q[k] for k in ("sc_full", "export_full", "own_capital",
                                                                            "om_full", "rent_full"))
    if key == "market":
        # The PV decision: the owner's own savings (landlords keep none: the split incentive) and
        # export, without a battery (batteries are an add-on decision).
        own_income = (np.where(oo[:, None], sc_plain * dom_frac * retail, 0.0)
                      + np.where(_owner_mask(owner, ("commercial", "public_body", "faith_community"))[:, None],
                                 sc_plain * (1 - dom_frac) * price_nd, 0.0)
                      + (kwh - sc_plain) * export_price - om_full)
        upfront = capex * (1 + q["vat_install"]) + q["consent_cost"]
        payback = np.divide(upfront, own_income, out=np.full_like(upfront, np.inf), where=own_income > 0)
        s = market_uptake(units, p, payback) * consent_odds
    elif key == "aggregator":
        profit = (export_full * export_price + kwh * p["aggregator_generation_tariff_gbp_per_kwh"][None, :]
                  - own_capital - om_full)
        rate_up = np.where(oo[:, None], p["aggregator_uptake_owner_occupier"][None, :],
                           p["aggregator_uptake_landlords"][None, :])
        s = (profit > 0) * rate_up * consent_odds
    elif key == "coop":
        d = p["coop_occupant_discount"][None, :]
        surplus = ((1 - d) * sc_full * (price_dom * dom_frac + price_nd * (1 - dom_frac))
                   + export_full * export_price - own_capital - om_full - rent_full)
        target = np.where(_owner_mask(owner, ("social_landlord", "public_body", "faith_community"))[:, None],
                          1.0, p["coop_share_of_other_roofs"][None, :])
        s = (surplus > 0) * target * consent_odds
    else:  # public: every suitable roof where it breaks even at the public rate and whose parties agree
        surplus = ((1 - ns) * sc_full * (price_dom * dom_frac + price_nd * (1 - dom_frac))
                   + export_full * export_price - own_capital - om_full - np.where(q["public_roof"], 0.0, rent_full))
        s = (surplus >= 0) * consent_odds
    cache[key] = np.where(kwp > 0, s, 0.0)
    return cache[key]


def membership_weights(groups: Groups, p: dict) -> np.ndarray:
    """Share of co-op members in each group and tenure ``(G, 4, D)``, skewed to higher incomes.

    Members per group ∝ households × rate × (income / median)^skew; within a group, members are
    spread over tenures in proportion to households (no tenure data on members).
    """
    h = groups.households
    total = h.sum(axis=1)
    median = _weighted_median(groups.income_mean_gbp, total)
    ratio = np.nan_to_num(groups.income_mean_gbp / median, nan=1.0)
    members = (h[:, :, None] * p["coop_membership_at_median_income"][None, None, :]
               * ratio[:, None, None] ** p["coop_membership_income_skew"][None, None, :])
    return members / members.sum(axis=(0, 1), keepdims=True)


def return_weights(groups: Groups, distribution: str, pool=None) -> np.ndarray:
    """Share of a pooled result for each group, tenure and draw ``(G, 4, D)``.

    ``equal``: the same per household. ``progressive``: a surplus in proportion to 1/income, a
    loss in proportion to income (a progressive rule must not charge a loss to the poorest
    first). ``pool`` (``(D,)`` £/yr) gives each draw's sign; without it the pool is taken as a
    surplus and the result has one draw.
    """
    h = groups.households.astype(float)
    sign = np.ones(1) if pool is None else np.sign(np.asarray(pool, dtype=float))
    if distribution == "equal":
        w = np.broadcast_to(h[:, :, None], (*h.shape, sign.size))
    elif distribution == "progressive":
        income = np.asarray(groups.income_mean_gbp, dtype=float)
        known = np.isfinite(income) & (income > 0) & (h.sum(axis=1) > 0)  # groups without households weigh nothing
        income = np.where(known, income, np.median(income[known]) if known.any() else 1.0)
        gain = np.divide(h, income[:, None], out=np.zeros_like(h), where=h > 0)
        loss = h * income[:, None]
        w = np.where(sign[None, None, :] < 0, (loss / loss.sum())[:, :, None], (gain / gain.sum())[:, :, None])
    else:
        raise ValueError(f"unknown distribution {distribution!r}")
    return w / w.sum(axis=(0, 1), keepdims=True)


def _weighted_median(values, weights) -> float:
    from analysis import inequality

    return inequality.weighted_median(values, weights)


# ----------------------------------------------------------------------------------------------
# Networks, cost recovery and supply
# ----------------------------------------------------------------------------------------------

NETWORKS = ("private", "public")
RECOVERIES = ("volumetric", "fixed", "progressive")
SUPPLIES = ("private", "public")


def network_and_supply(gen: Generation, groups: Groups, params: dict, network: str = "private",
                       recovery: str = "volumetric", supply: str = "private") -> Ledger:
    """Network and policy charges, levies and supply margins after a generation model [£/yr].

    The network and policy costs to recover are what the networks cost today, ``R = r0 · demand``
    (less a saving under public ownership on the network part of ``r0`` —
    ``network_share_of_network_policy`` — booked to ``network_owners``; policy levies are not
    saved), recovered in full:
    from domestic customers per kWh bought from the grid (``volumetric``), the same per
    household (``fixed``) or in proportion to income (``progressive``); from non-domestic
    customers always per kWh. Each group's change is booked against what the generation model
    assumed it pays (``r0`` per kWh it still buys), so power used behind the meter shifts costs
    onto everyone else's bills (the *cost shift*) under volumetric recovery, and is not a saving
    under the other rules. VAT on domestic charges goes to the Treasury. A generation tariff
    (aggregator) is levied per kWh on all grid purchases. Public supply returns the supplier's
    margin to households equally.

    Returns
    -------
    Ledger
        Flows of this layer only (its ``real_value`` is zero).
    """
    if network not in NETWORKS or recovery not in RECOVERIES or supply not in SUPPLIES:
        raise ValueError(f"unknown cell {network}/{recovery}/{supply}")
    p = params
    D = gen.levy_gbp.size
    G = len(groups)
    ledger = Ledger(G, D)
    vat = p["vat_rate_domestic_energy"][None, None, :]
    price_dom = p["retail_price_gbp_per_kwh"] / (1 + p["vat_rate_domestic_energy"])
    r0 = (p["network_policy_share_of_unit_price"] * price_dom)[None, None, :]
    r0_nd = (p["network_policy_share_of_unit_price"] * p["retail_price_nondomestic_gbp_per_kwh"])[None, None, :]
    # Public ownership saves on the networks (capital, dividends), not on policy levies, which are
    # the same whoever owns the wires: the saving applies to the network part of r0 only.
    saving = (p["public_network_saving_share"] * p["network_share_of_network_policy"] if network == "public"
              else np.zeros(D))
    demand_dom = groups.demand_dom_kwh[:, :, None]
    demand_nd = groups.demand_nd_kwh[:, :, None]
    grid_dom = np.clip(demand_dom - gen.behind_meter_dom, 0, None)
    grid_nd = np.clip(demand_nd - gen.behind_meter_nd, 0, None)
    cost_dom = r0[0, 0] * demand_dom.sum() * (1 - saving)  # (D,)
    cost_nd = r0_nd[0, 0] * demand_nd.sum() * (1 - saving)
    ledger.book("network_owners", "public_network_saving",
                np.full((G, D), -saving * (r0[0, 0] * demand_dom.sum() + r0_nd[0, 0] * demand_nd.sum()) / G))
    h = groups.households[:, :, None].astype(float)
    if recovery == "volumetric":
        weight = grid_dom
    elif recovery == "fixed":
        weight = np.broadcast_to(h, grid_dom.shape)
    else:
        income = np.nan_to_num(groups.income_mean_gbp, nan=np.nanmedian(groups.income_mean_gbp))
        weight = np.broadcast_to(h * income[:, None, None], grid_dom.shape)
    total_weight = weight.sum(axis=(0, 1), keepdims=True)
    charges = cost_dom[None, None, :] * np.divide(weight, total_weight, out=np.zeros_like(weight, dtype=float),
                                                  where=total_weight > 0)
    ledger.extras["domestic_charges_gbp"] = charges * (1 + vat)  # what households pay for networks and policy
    change = charges - r0 * grid_dom  # positive: households pay more than the generation model assumed
    ledger.book("households", "network_charges", -change * (1 + vat))
    ledger.book("treasury", "vat_on_bills", (vat * change).sum(axis=1))
    total_nd = grid_nd.sum(axis=(0, 1), keepdims=True)
    charges_nd = cost_nd[None, None, :] * np.divide(grid_nd, total_nd, out=np.zeros_like(grid_nd), where=total_nd > 0)
    change_nd = charges_nd - r0_nd * grid_nd
    for k, party in enumerate(ND_PARTIES):
        ledger.book(party, "network_charges", -change_nd[:, k, :])
    if np.any(gen.levy_gbp != 0):
        grid_total = grid_dom.sum(axis=(0, 1)) + grid_nd.sum(axis=(0, 1))
        unit_levy = np.divide(gen.levy_gbp, grid_total, out=np.zeros_like(grid_total), where=grid_total > 0)
        ledger.book("households", "generation_levy", -unit_levy[None, None, :] * grid_dom * (1 + vat))
        ledger.book("treasury", "vat_on_bills", (vat * unit_levy[None, None, :] * grid_dom).sum(axis=1))
        for k, party in enumerate(ND_PARTIES):
            ledger.book(party, "generation_levy", -unit_levy[None, :] * grid_nd[:, k, :])
    if supply == "public":
        margin = p["public_supply_margin_share"] * p["domestic_bill_gbp_per_household"] * h.sum()
        ledger.book("households", "supply_return", h / h.sum() * margin[None, None, :])
        ledger.book("supplier_shareholders", "supply_margin", np.full((G, D), -margin / G))
    return ledger
