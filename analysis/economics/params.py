"""Typed money parameters: one field per assumption, built once from the YAML and the price table.

Every kernel function takes a :class:`Params`. Each field is an array of shape ``(D,)``: one
value per parameter draw (``D = 1`` for the central case). The fields, their groups and units
are declared here; their values, ranges, sources and dates live in
``analysis/data/economics.yml`` (and ``heat.boiler_efficiency`` in ``assumptions.yml``) and, for
prices, in the dated price table (:mod:`analysis.economics.prices`). A test keeps the two in step.

Amounts are in the place's currency (GBP for the packaged UK values), real terms.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from analysis.errors import InputError


def _p(group: str, doc: str):
    """A parameter field: its assumptions group and a one-line description with the unit in brackets."""
    return field(metadata={"group": group, "doc": doc})


#: Old parameter names (before the money model of 2026-12) -> (group, new name). A place config
#: that overrides an old name still works, with a warning.
RENAMED = {
    ("economics", "retail_price_gbp_per_kwh"): ("prices", "retail_price_per_kwh"),
    ("economics", "retail_price_nondomestic_gbp_per_kwh"): ("prices", "nondomestic_price_per_kwh"),
    ("economics", "export_tariff_gbp_per_kwh"): ("prices", "export_price_untied_per_kwh"),
    ("economics", "vat_rate_domestic_energy"): ("tariffs", "vat_rate_domestic_energy"),
    ("economics", "capex_gbp_per_kwp_at_4kwp"): ("costs", "capex_per_kwp_at_4kwp"),
    ("economics", "capex_size_exponent"): ("costs", "capex_size_exponent"),
    ("economics", "scaffolding_gbp_per_system"): ("costs", "access_cost_house"),
    ("economics", "vat_rate_installation_domestic"): ("costs", "vat_rate_installation_domestic"),
    ("economics", "om_gbp_per_kwp_year"): ("costs", "om_per_kwp_year"),
    ("economics", "inverter_replacement_gbp_per_kwp"): ("costs", "inverter_replacement_per_kwp"),
    ("economics", "inverter_life_years"): ("costs", "inverter_life_years"),
    ("economics", "lifetime_years"): ("costs", "lifetime_years"),
    ("economics", "degradation_per_year"): ("costs", "degradation_per_year"),
    ("economics", "consent_cost_gbp_per_party"): ("costs", "consent_cost_per_party"),
    ("economics", "self_consumption_profile_factor"): ("costs", "self_consumption_profile_factor"),
    ("economics", "potential_level"): ("costs", "potential_level"),
    ("economics", "discount_rate_public"): ("finance", "discount_rate_public"),
    ("economics", "discount_rate_household"): ("finance", "discount_rate_household"),
    ("economics", "discount_rate_commercial"): ("finance", "discount_rate_commercial"),
    ("economics", "consent_probability_per_party"): ("routes", "consent_probability_per_party"),
    ("economics", "roof_rent_gbp_per_kwp_year"): ("routes", "roof_rent_per_kwp_year"),
    ("ownership_models", "coop_occupant_discount"): ("routes", "ppa_discount_coop"),
    ("ownership_models", "discount_rate_coop"): ("finance", "discount_rate_coop"),
    ("ownership_models", "discount_rate_aggregator"): ("finance", "discount_rate_aggregator"),
    ("ownership_models", "aggregator_generation_tariff_gbp_per_kwh"): ("ownership_models",
                                                                       "aggregator_generation_tariff_per_kwh"),
    ("batteries", "battery_capex_gbp"): ("batteries", "battery_capex"),
    ("heat_ownership", "gas_price_gbp_per_kwh"): ("prices", "gas_price_per_kwh"),
    ("heat_ownership", "gas_boiler_annual_cost_gbp"): ("heat_ownership", "gas_boiler_annual_cost"),
    ("heat_ownership", "sdh_collector_capex_gbp_per_m2"): ("heat_ownership", "sdh_collector_capex_per_m2"),
    ("heat_ownership", "heat_network_capex_gbp_per_dwelling"): ("heat_ownership", "heat_network_capex_per_dwelling"),
    ("heat_ownership", "backup_heat_cost_gbp_per_kwh"): ("heat_ownership", "backup_heat_cost_per_kwh"),
}


#: Parameters the money model no longer uses -> why, and what replaces them. A place config that
#: still overrides one stops with this message (silently ignoring it would change its results).
RETIRED = {
    ("economics", "network_policy_share_of_unit_price"): "tariffs.onsite_value_premium",
    ("tariffs", "network_policy_share_of_unit_rate"): "tariffs.onsite_value_premium",
    ("adoption", "adoption_public_body"): "adoption.adoption_public_programme and adoption.adoption_public_heritage_transport",
}
RETIRED_WHY = ("the money model (2026-12) values power used on site at its system value plus avoided losses "
               "(onsite_value_premium); the rest of the unit rate is recovered from all bill payers")


@dataclass(frozen=True)
class Params:
    """Every money parameter as an array over parameter draws ``(D,)``.

    Build with :meth:`from_assumptions` (one level of every entry) or :meth:`from_values`
    (arrays, e.g. Latin-hypercube draws). Units in brackets; "currency" is the place's.
    """

    # Prices of the chosen period (analysis.economics.prices)
    retail_price_per_kwh: np.ndarray = _p("prices", "domestic electricity unit rate incl. VAT [currency/kWh]")
    standing_charge_per_day: np.ndarray = _p("prices", "domestic electricity standing charge incl. VAT [currency/day]")
    gas_price_per_kwh: np.ndarray = _p("prices", "domestic gas unit rate incl. VAT [currency/kWh]")
    gas_standing_charge_per_day: np.ndarray = _p("prices", "domestic gas standing charge incl. VAT [currency/day]")
    export_price_tied_per_kwh: np.ndarray = _p("prices", "export tariff tied to the import supplier [currency/kWh]")
    export_price_untied_per_kwh: np.ndarray = _p("prices", "export tariff open to any exporter [currency/kWh]")
    export_system_value_per_kwh: np.ndarray = _p("prices", "value of exported power to the system [currency/kWh]")
    nondomestic_price_per_kwh: np.ndarray = _p("prices", "small non-domestic unit rate excl. VAT [currency/kWh]")
    # Tariff rules
    vat_rate_domestic_energy: np.ndarray = _p("tariffs", "VAT on domestic energy [-]")
    nondomestic_price_factor_micro: np.ndarray = _p("tariffs", "unit price of users < 20 MWh/yr relative to small users [-]")
    nondomestic_price_factor_large: np.ndarray = _p("tariffs", "unit price of users > 500 MWh/yr relative to small users [-]")
    export_tied_share_households: np.ndarray = _p("tariffs", "exporting households on a tied export tariff [-]")
    climate_value_per_kwh: np.ndarray = _p("tariffs", "value of emissions avoided that no price carries [currency/kWh]")
    network_policy_per_kwh: np.ndarray = _p("tariffs", "network and policy costs in the domestic unit rate excl. VAT [currency/kWh]")
    onsite_value_premium: np.ndarray = _p("tariffs", "value of a kWh used on site beyond its energy, share of the system value [-]")
    national_domestic_kwh: np.ndarray = _p("tariffs", "domestic electricity of the cost-recovery area (GB) [kWh/yr]")
    national_nondomestic_kwh: np.ndarray = _p("tariffs", "non-domestic electricity of the cost-recovery area [kWh/yr]")
    national_households: np.ndarray = _p("tariffs", "households of the cost-recovery area [-]")
    national_mean_income: np.ndarray = _p("tariffs", "mean household income of the cost-recovery area [currency/yr]")
    export_ppa_share_of_system_value: np.ndarray = _p("tariffs", "export PPA price of systems above 50 kWp, share of the system value [-]")
    typical_electricity_kwh_per_household: np.ndarray = _p("tariffs", "typical domestic electricity use [kWh/yr]")
    typical_gas_kwh_per_household: np.ndarray = _p("tariffs", "typical domestic gas use [kWh/yr]")
    # Costs
    capex_per_kwp_at_4kwp: np.ndarray = _p("costs", "variable PV cost at 4 kWp, excl. access and VAT [currency/kWp]")
    capex_size_exponent: np.ndarray = _p("costs", "fall of the variable cost per kWp with size, (kWp/4)^-b [-]")
    access_cost_house: np.ndarray = _p("costs", "access for a building of one or two storeys [currency]")
    access_cost_per_extra_storey: np.ndarray = _p("costs", "access per storey above two, three or four storeys [currency]")
    access_cost_block: np.ndarray = _p("costs", "access for a building of five storeys or more [currency]")
    grid_application_cost: np.ndarray = _p("costs", "G99 application per system above 11.04 kWp [currency]")
    grid_reinforcement_per_kwp: np.ndarray = _p("costs", "connection reinforcement per kWp above 50 kWp [currency/kWp]")
    structural_cost_large_roof: np.ndarray = _p("costs", "structural survey and works per building above 50 kWp [currency]")
    vat_rate_installation_domestic: np.ndarray = _p("costs", "VAT on PV for residential accommodation [-]")
    om_per_kwp_year: np.ndarray = _p("costs", "operation and maintenance [currency/kWp/yr]")
    inverter_replacement_per_kwp: np.ndarray = _p("costs", "inverter replacement [currency/kWp]")
    inverter_life_years: np.ndarray = _p("costs", "inverter life [yr]")
    lifetime_years: np.ndarray = _p("costs", "PV system life [yr]")
    degradation_per_year: np.ndarray = _p("costs", "output lost per year [-/yr]")
    consent_cost_per_party: np.ndarray = _p("costs", "legal and admin cost per consenting party [currency]")
    shared_solar_cost_per_flat: np.ndarray = _p("costs", "shared-solar kit per flat served [currency]")
    onsite_sale_cost_per_kwh: np.ndarray = _p("costs", "metering and billing of power a third party sells to homes [currency/kWh]")
    onsite_sale_cost_single_per_kwh: np.ndarray = _p("costs", "metering and billing of power sold to one business or public body [currency/kWh]")
    inverter_replacement_floor_per_kwp: np.ndarray = _p("costs", "inverter replacement of large systems [currency/kWp]")
    communal_load_kwh_per_flat: np.ndarray = _p("costs", "landlord's communal supply per flat [kWh/yr]")
    self_consumption_profile_factor: np.ndarray = _p("costs", "multiplier on simulated self-consumption [-]")
    potential_level: np.ndarray = _p("costs", "roof potential level, -1 low, 0 central, 1 high [-]")
    # Finance (real rates)
    discount_rate_public: np.ndarray = _p("finance", "councils, social landlords, public bodies; the reference rate [1/yr]")
    discount_rate_household: np.ndarray = _p("finance", "households, residential landlords, leaseholders [1/yr]")
    discount_rate_commercial: np.ndarray = _p("finance", "businesses and faith communities [1/yr]")
    discount_rate_coop: np.ndarray = _p("finance", "interest on co-op member shares [1/yr]")
    discount_rate_aggregator: np.ndarray = _p("finance", "investor-owned rent-a-roof company or ESCO [1/yr]")
    # Routes to market
    landlord_rent_capture_share: np.ndarray = _p("routes", "private tenant's savings a landlord recovers in rent [-]")
    social_landlord_recovery_share: np.ndarray = _p("routes", "social tenants' savings recovered by the landlord [-]")
    roof_rent_per_kwp_year: np.ndarray = _p("routes", "roof rent a third-party owner pays the roof's owner [currency/kWp/yr]")
    ppa_discount_landlord: np.ndarray = _p("routes", "landlord's price to commercial tenants below their price [-]")
    roof_lease_cost_per_site: np.ndarray = _p("routes", "legal cost of a rooftop lease for a third party [currency]")
    ppa_discount_coop: np.ndarray = _p("routes", "co-op's on-site price below the occupant's price [-]")
    ppa_discount_aggregator: np.ndarray = _p("routes", "aggregator's on-site price below the occupant's price [-]")
    ppa_discount_public: np.ndarray = _p("routes", "public company's on-site price below the occupant's price [-]")
    consent_probability_per_party: np.ndarray = _p("routes", "probability each additional party agrees [-]")
    # Market adoption
    adoption_payback_decay_per_year: np.ndarray = _p("adoption", "uptake = exp(-k x simple payback) [1/yr]")
    adoption_income_elasticity: np.ndarray = _p("adoption", "owner-occupier uptake ~ (income/median)^e [-]")
    adoption_private_landlord: np.ndarray = _p("adoption", "private landlords' and freeholders' uptake relative to owner-occupiers [-]")
    adoption_social_landlord: np.ndarray = _p("adoption", "social landlords' roofs with panels through programmes [-]")
    adoption_payback_decay_business: np.ndarray = _p("adoption", "businesses' uptake ~ exp(-k x simple payback) [1/yr]")
    adoption_commercial: np.ndarray = _p("adoption", "businesses' and faith communities' uptake at a zero payback [-]")
    adoption_public_programme: np.ndarray = _p("adoption", "schools', health and civic roofs with panels through programmes [-]")
    adoption_public_heritage_transport: np.ndarray = _p("adoption", "museums' and stations' roofs with panels [-]")
    # Ownership models
    council_share_of_social_homes: np.ndarray = _p("ownership_models", "social homes whose landlord is the council [-]")
    council_share_of_schools: np.ndarray = _p("ownership_models", "school roofs the council controls [-]")
    coop_share_of_other_roofs: np.ndarray = _p("ownership_models", "other roofs whose owners host a co-op array [-]")
    public_share_of_other_roofs: np.ndarray = _p("ownership_models", "roofs not under public control that host a public array [-]")
    coop_membership_at_median_income: np.ndarray = _p("ownership_models", "households holding co-op shares at median income [-]")
    coop_membership_income_skew: np.ndarray = _p("ownership_models", "membership ~ (income/median)^skew [-]")
    community_fund_targeting: np.ndarray = _p("ownership_models", "community fund spent on the poorest three tenths [-]")
    aggregator_uptake_owner_occupier: np.ndarray = _p("ownership_models", "owner-occupier roofs leased where it pays [-]")
    aggregator_uptake_landlords: np.ndarray = _p("ownership_models", "other roofs leased where it pays [-]")
    aggregator_generation_tariff_per_kwh: np.ndarray = _p("ownership_models", "generation tariff levied on bill payers [currency/kWh]")
    # Batteries
    battery_kwh: np.ndarray = _p("batteries", "usable capacity of a home battery [kWh]")
    battery_round_trip_efficiency: np.ndarray = _p("batteries", "AC round trip [-]")
    battery_capex: np.ndarray = _p("batteries", "installed home battery [currency]")
    battery_lifetime_years: np.ndarray = _p("batteries", "battery life [yr]")
    battery_adoption_owner_occupier_adopters: np.ndarray = _p("batteries", "owner-occupier PV adopters adding a battery [-]")
    battery_income_elasticity: np.ndarray = _p("batteries", "battery take-up ~ (income/median)^e [-]")
    # Policy
    public_network_saving_share: np.ndarray = _p("policy", "network costs saved by public ownership, gross [-]")
    network_compensation_cost_share: np.ndarray = _p("policy", "yearly interest on compensation above the asset value, share of network costs [-]")
    network_share_of_domestic_bill: np.ndarray = _p("policy", "network share of a domestic electricity bill [-]")
    network_share_of_nondomestic_price: np.ndarray = _p("policy", "network share of the non-domestic unit price [-]")
    public_supply_margin_on_bill: np.ndarray = _p("policy", "margin a public supplier returns, signed share of the bill [-]")
    # Heat ownership
    boiler_efficiency: np.ndarray = _p("heat", "seasonal efficiency of a home gas boiler [-]")
    gas_boiler_annual_cost: np.ndarray = _p("heat_ownership", "boiler replacement and servicing per home [currency/yr]")
    gas_disconnection_share: np.ndarray = _p("heat_ownership", "connected homes that give up gas and its standing charge [-]")
    heat_pump_capex: np.ndarray = _p("heat_ownership", "air-source heat pump installed, before grant [currency]")
    heat_pump_grant: np.ndarray = _p("heat_ownership", "heat pump grant paid by the Treasury [currency]")
    heat_pump_scop: np.ndarray = _p("heat_ownership", "seasonal coefficient of performance [-]")
    heat_pump_annual_service: np.ndarray = _p("heat_ownership", "heat pump servicing per home [currency/yr]")
    heat_pump_life_years: np.ndarray = _p("heat_ownership", "heat pump life [yr]")
    sdh_collector_capex_per_m2: np.ndarray = _p("heat_ownership", "rooftop collector installed [currency/m2]")
    sdh_store_capex_per_m3_at_5000m3: np.ndarray = _p("heat_ownership", "tank store at 5,000 m3 [currency/m3]")
    sdh_store_cost_exponent: np.ndarray = _p("heat_ownership", "store cost per m3 ~ (V/5000)^-e [-]")
    heat_network_capex_per_dwelling: np.ndarray = _p("heat_ownership", "network per connected dwelling [currency]")
    heat_network_om_share_of_capex: np.ndarray = _p("heat_ownership", "O&M per year, share of capex [-]")
    backup_heat_cost_per_kwh: np.ndarray = _p("heat_ownership", "heat from the energy centre's gas boilers [currency/kWh]")
    heat_connection_share: np.ndarray = _p("heat_ownership", "dwellings in a zone that connect [-]")
    heat_network_lifetime_years: np.ndarray = _p("heat_ownership", "pipes and store life [yr]")
    esco_gas_parity_discount: np.ndarray = _p("heat_ownership", "ESCO price below the gas counterfactual [-]")

    # ------------------------------------------------------------------------------------------
    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def groups(cls) -> dict:
        """Field name -> assumptions group."""
        return {f.name: f.metadata["group"] for f in dataclasses.fields(cls)}

    @classmethod
    def docs(cls) -> dict:
        """Field name -> one-line description with its unit."""
        return {f.name: f.metadata["doc"] for f in dataclasses.fields(cls)}

    @classmethod
    def from_values(cls, values: dict) -> "Params":
        """Params from ``{name: scalar or array}``; scalars and length-1 arrays repeat to the draws' length.

        Raises
        ------
        analysis.errors.InputError
            A missing or unknown name, or draws of different lengths.
        """
        names = cls.names()
        missing = [n for n in names if n not in values]
        unknown = [n for n in values if n not in names]
        if missing or unknown:
            raise InputError(f"money parameters: missing {missing[:5]}, unknown {unknown[:5]}", record="assumptions",
                             fix="every field of analysis.economics.params.Params, and only those")
        arrays = {k: np.atleast_1d(np.asarray(values[k], dtype=float)) for k in names}
        sizes = {a.size for a in arrays.values()} - {1}
        if len(sizes) > 1:
            raise InputError(f"parameter draws have different lengths {sorted(sizes)}", fix="draw all parameters together")
        n = sizes.pop() if sizes else 1
        return cls(**{k: (np.full(n, a[0]) if a.size == 1 else a.ravel()) for k, a in arrays.items()})

    @classmethod
    def from_assumptions(cls, assumptions, level: str = "central") -> "Params":
        """Every parameter at one level (``low``, ``central`` or ``high``) of the assumptions, shape ``(1,)``."""
        return cls.from_values({name: assumptions.get(group, name, level) for name, group in cls.groups().items()})

    @property
    def n_draws(self) -> int:
        return len(self.retail_price_per_kwh)

    def replace(self, **changes) -> "Params":
        """A copy with some fields changed (scalars repeat to the draws' length)."""
        values = {**self.as_dict(), **changes}
        return Params.from_values(values)

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def draw(self, index) -> "Params":
        """The draws at ``index`` (an int or an index array)."""
        idx = np.atleast_1d(index)
        return Params(**{k: v[idx] for k, v in self.as_dict().items()})

    # Derived prices used by every model, each ``(1, D)`` ----------------------------------------
    def row(self, name: str) -> np.ndarray:
        """One field as a ``(1, D)`` row, to broadcast against ``(U, D)`` arrays."""
        return getattr(self, name)[None, :]

    @property
    def domestic_price_ex_vat(self) -> np.ndarray:
        """Domestic unit rate excl. VAT ``(D,)`` [currency/kWh]."""
        return self.retail_price_per_kwh / (1 + self.vat_rate_domestic_energy)

    @property
    def export_price_household(self) -> np.ndarray:
        """Average export price of exporting households: a tied/untied mix ``(D,)`` [currency/kWh]."""
        s = self.export_tied_share_households
        return s * self.export_price_tied_per_kwh + (1 - s) * self.export_price_untied_per_kwh

    @property
    def onsite_value(self) -> np.ndarray:
        """Real value of a kWh used on site: the system value of power plus avoided losses and variable
        network costs ``(D,)`` [currency/kWh]."""
        return self.export_system_value_per_kwh * (1 + self.onsite_value_premium)

    @property
    def shifted_per_kwh_domestic(self) -> np.ndarray:
        """What a domestic kWh not bought from the grid no longer pays towards costs that do not go away
        with it ``(D,)`` [currency/kWh, excl. VAT]: the unit rate less the on-site value (networks,
        policy levies, supplier costs and margin), recovered from every bill payer instead."""
        return np.clip(self.domestic_price_ex_vat - self.onsite_value, 0, None)

    @property
    def shifted_per_kwh_nondomestic(self) -> np.ndarray:
        """:attr:`shifted_per_kwh_domestic` for a non-domestic kWh at the small-user price ``(D,)``."""
        return np.clip(self.nondomestic_price_per_kwh - self.onsite_value, 0, None)

    @property
    def domestic_electricity_bill(self) -> np.ndarray:
        """A typical household's electricity bill at the period's prices ``(D,)`` [currency/yr]."""
        return self.retail_price_per_kwh * self.typical_electricity_kwh_per_household + 365 * self.standing_charge_per_day
