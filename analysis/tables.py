"""Every table of a place's store, with its key columns: the one module that names them.

The writer (:mod:`analysis.pipeline`, :mod:`analysis.economics.step`) and every reader
(:mod:`analysis.findings`, exports, fact sheets, the book's notebooks, the ``ledger`` command)
import these names, so "go to definition" leads from a number in the book to the code that wrote
it. No domain imports here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """A store table: its name, the columns that identify a row, and what a row is."""

    name: str
    key: tuple
    row: str


# Provenance
META = "meta"
RUNS = "runs"
# Inputs and physics
AREAS = "areas"
BUILDINGS = "buildings"
ROOF_PLANES = "roof_planes"
BUILDING_POTENTIAL = "building_potential"
AREA_POTENTIAL = "area_potential"
YIELD_GRID = "yield_grid"
ASSUMPTIONS = "assumptions"
DATA_QUALITY = "data_quality"
VALIDATION = "validation"
BUILDING_HEAT = "building_heat"
ROOF_SCENARIOS = "roof_scenarios"
AREA_HEAT = "area_heat"
AREA_SDH = "area_sdh"
HEAT_CELLS = "heat_cells"
HEAT_CHECKS = "heat_checks"
AREA_OWNERS = "area_owners"
# Money
PRICES = "prices"
SCENARIO_SUMMARY = "scenario_summary"
SCENARIO_AREA = "scenario_area"
SCENARIO_DECILE = "scenario_decile"
SCENARIO_TENURE = "scenario_tenure"
SCENARIO_DWELLING = "scenario_dwelling"
SCENARIO_PARTIES = "scenario_parties"
SCENARIO_ROOF_OWNERS = "scenario_roof_owners"
SCENARIO_ROBUSTNESS = "scenario_robustness"
SCENARIO_DRAWS = "scenario_draws"
PARAMETER_DRAWS = "parameter_draws"
SELF_CONSUMPTION_CURVE = "self_consumption_curve"
HEAT_OWNERSHIP = "heat_ownership"
HEAT_OWNERSHIP_DECILE = "heat_ownership_decile"
HEAT_OWNERSHIP_TENURE = "heat_ownership_tenure"
HEAT_OWNERSHIP_AREA = "heat_ownership_area"
POLICY_CELLS = "policy_cells"
POLICY_DECILE = "policy_decile"
POLICY_TENURE = "policy_tenure"
POLICY_PARTIES = "policy_parties"
POLICY_FRAMINGS = "policy_framings"
POLICY_ROBUSTNESS = "policy_robustness"
POLICY_AGGREGATOR = "policy_aggregator"
POLICY_DRIVERS = "policy_drivers"
SENSITIVITY = "sensitivity"
FRAMING_DRIVERS = "framing_drivers"
RANKING_DRIVERS = "ranking_drivers"
ECONOMICS_TIMINGS = "economics_timings"
ADOPTION_AREA = "adoption_area"
ADOPTION_COMPARISON = "adoption_comparison"
MARKET_UPTAKE_TERMS = "market_uptake_terms"
ADOPTION_FIT = "adoption_fit"
ADOPTION_FIT_PARAMETERS = "adoption_fit_parameters"
EXISTING_PV = "existing_pv"
EXISTING_PV_SUMMARY = "existing_pv_summary"

TABLES = {t.name: t for t in (
    Table(META, ("key",), "one fact about the store: place, CRS, currency, price date, credits"),
    Table(RUNS, ("run_id",), "one run: time, code version, config and input hashes"),
    Table(AREAS, ("area_id",), "one neighbourhood: boundary and statistics"),
    Table(BUILDINGS, ("building_id",), "one building: footprint, attributes and their provenance, homes, owner"),
    Table(ROOF_PLANES, ("building_id", "plane"), "one roof plane: tilt, azimuth, area, shading, yield"),
    Table(BUILDING_POTENTIAL, ("building_id",), "one building's PV potential (low/central/high)"),
    Table(AREA_POTENTIAL, ("area_id",), "one area's PV potential"),
    Table(YIELD_GRID, ("tilt_deg", "azimuth_deg"), "PV and heat yield of one orientation"),
    Table(ASSUMPTIONS, ("group", "name"), "one assumption with value, low, high, unit, source, date"),
    Table(DATA_QUALITY, ("step", "field"), "how many records of a field were observed, derived, imputed"),
    Table(VALIDATION, ("check",), "one check against a published reference"),
    Table(BUILDING_HEAT, ("building_id",), "one building's heat demand"),
    Table(ROOF_SCENARIOS, ("building_id",), "one building's roof use: PV only, heat only, split"),
    Table(AREA_HEAT, ("area_id",), "one area's heat demand, density, district-heating fit and solar scheme"),
    Table(AREA_SDH, ("area_id",), "one area's solar district heating scheme, sized by cost"),
    Table(HEAT_CELLS, ("cell_x", "cell_y"), "one 100 m cell of heat density"),
    Table(HEAT_CHECKS, ("check",), "a heat model check (Munich Ackermannbogen)"),
    Table(AREA_OWNERS, ("area_id", "roof_owner"), "roofs of one owner type in one area"),
    Table(PRICES, ("name",), "one price of the chosen period, with its range, source and date"),
    Table(SCENARIO_SUMMARY, ("scenario",), "one ownership scenario's headlines (central)"),
    Table(SCENARIO_AREA, ("scenario", "area_id"), "one scenario in one area"),
    Table(SCENARIO_DECILE, ("scenario", "decile"), "one scenario for one income decile"),
    Table(SCENARIO_TENURE, ("scenario", "tenure"), "one scenario for one occupant tenure"),
    Table(SCENARIO_DWELLING, ("scenario", "dwelling"), "one scenario for houses or flats"),
    Table(SCENARIO_PARTIES, ("scenario", "party", "component"), "one money flow of a scenario and where it lands"),
    Table(SCENARIO_ROOF_OWNERS, ("scenario", "roof_owner"), "what a scenario installs on one owner type's roofs"),
    Table(SCENARIO_ROBUSTNESS, ("scenario", "metric", "kind"), "one headline's range over the parameter draws"),
    Table(SCENARIO_DRAWS, ("scenario", "metric", "draw"), "one headline in one parameter draw"),
    Table(PARAMETER_DRAWS, ("draw", "name"), "one drawn parameter value"),
    Table(SELF_CONSUMPTION_CURVE, ("profile", "ratio", "battery_kwh_per_mwh"), "on-site use by size and battery"),
    Table(HEAT_OWNERSHIP, ("model", "scale"), "one heat owner at borough or estate scale"),
    Table(HEAT_OWNERSHIP_DECILE, ("model", "decile"), "one heat owner for one income decile"),
    Table(HEAT_OWNERSHIP_TENURE, ("model", "tenure"), "one heat owner for one tenure"),
    Table(HEAT_OWNERSHIP_AREA, ("area_id",), "one area's heat scheme and the bills per home: gas, heat pump, network"),
    Table(POLICY_CELLS, ("cell",), "one network x recovery x generation cell"),
    Table(POLICY_DECILE, ("cell", "decile"), "one cell for one income decile"),
    Table(POLICY_TENURE, ("cell", "tenure"), "one cell for one tenure"),
    Table(POLICY_PARTIES, ("cell", "party", "component"), "one money flow of a cell"),
    Table(POLICY_FRAMINGS, ("framing",), "one named policy framing"),
    Table(POLICY_ROBUSTNESS, ("framing", "metric", "kind"), "one framing headline's range over the draws"),
    Table(POLICY_AGGREGATOR, ("level",), "rent-a-roof at one level of the closed generation tariff"),
    Table(POLICY_DRIVERS, ("scenario", "metric", "parameter"), "rank correlation of a headline with a parameter"),
    Table(SENSITIVITY, ("parameter", "scenario", "metric"), "one headline at one assumption's low and high"),
    Table(FRAMING_DRIVERS, ("framing", "parameter"), "how one assumption moves a framing's difference"),
    Table(RANKING_DRIVERS, ("parameter",), "how often one assumption changes the ranking of ownership models"),
    Table(ECONOMICS_TIMINGS, ("part",), "seconds per part of the money step"),
    Table(ADOPTION_AREA, ("area_id",), "observed and modelled installations in one area"),
    Table(ADOPTION_COMPARISON, ("metric",), "one measure of observed against modelled installations"),
    Table(MARKET_UPTAKE_TERMS, ("area_id",), "the market's installs in one area, owner-occupiers' at elasticity 0"),
    Table(ADOPTION_FIT, ("metric",), "observed, modelled and refitted installation patterns in the test areas"),
    Table(ADOPTION_FIT_PARAMETERS, ("parameter",), "one uptake parameter, published and refitted"),
    Table(EXISTING_PV, ("building_id",), "panels already on one building (OpenStreetMap or a list of installations)"),
    Table(EXISTING_PV_SUMMARY, ("dimension", "group"), "panels already on roofs by owner, tenure or decile"),
)}

#: Meta keys every store writes (read with :func:`analysis.store.meta`).
META_KEYS = ("schema_version", "place", "crs", "currency", "price_date", "price_table", "credits", "licences")
