"""Solar heat, heat demand and district heating — one module per model.

* :mod:`analysis.heat.collector` — ISO 9806 collectors, hourly and on the yield grid;
* :mod:`analysis.heat.demand` — heat and electricity demand of homes (typology) and other
  buildings (CIBSE TM46 benchmarks);
* :mod:`analysis.heat.district` — heat density, district-heating zones, solar district heating
  with seasonal storage, roof competition between PV and collectors, and the pipeline step.

The names below are re-exported so ``from analysis import heat; heat.annual_heat_yield(...)``
keeps working.
"""

from analysis.heat.collector import (COLLECTORS, HEAT_GRID_COLUMNS, Collector, add_heat_to_grid,  # noqa: F401
                                     annual_heat_yield, collector_heat, get_collector, hourly_collector_heat)
from analysis.heat.demand import (BUILDING_KINDS, SPACE_HEAT_MONTH_SHARE, age_band,  # noqa: F401
                                  building_energy, building_kind, heat_demand, monthly_demand, read_benchmarks,
                                  read_typology, specific_domestic_demand)
from analysis.heat.district import (ACKERMANNBOGEN, WATER_KWH_PER_M3_K, ackermannbogen_check,  # noqa: F401
                                    PLACE_HEAT_COLUMNS, allocate_roof_scenarios, building_heat_tables, heat_step,
                                    label_zones, place_heat_tables, solar_district_heating)
