"""Solar heat (ISO 9806), heat demand, density, seasonal storage (Ackermannbogen)."""

import numpy as np
import pandas as pd
import pytest

from analysis import heat
from analysis.errors import InputError
from conftest import DATA


def test_collector_hand_computed_case():
    fp = heat.COLLECTORS["flat-plate"]
    # Normal incidence, 800 W/m² beam + 200 W/m² diffuse, Ta 20 °C, Tm 50 °C:
    # G_eff = 800 + 0.9 * 200 = 980; q = 0.775*980 - 3.91*30 - 0.0081*900 = 759.5 - 117.3 - 7.29 = 634.91
    q = heat.collector_heat(800.0, 200.0, 0.0, 20.0, fp, 50.0)
    assert float(q) == pytest.approx(634.91, abs=0.01)
    assert float(heat.collector_heat(0.0, 50.0, 0.0, 0.0, fp, 80.0)) == 0.0  # losses exceed gains: clipped


def test_evacuated_tube_beats_flat_plate_at_high_temperature(london_weather):
    w, m = london_weather
    fp50 = heat.annual_heat_yield(w, m, 45, 180, "flat-plate", 50)["kwh_per_m2"]
    fp70 = heat.annual_heat_yield(w, m, 45, 180, "flat-plate", 70)["kwh_per_m2"]
    et70 = heat.annual_heat_yield(w, m, 45, 180, "evacuated-tube", 70)["kwh_per_m2"]
    assert fp70 < fp50 < 550 and et70 > fp70
    # UK solar hot water yields 300-500 kWh/m²·yr (EST field trials; SPF reports for central Europe).
    assert 300 < fp50 < 500
    # The model is deterministic: its outputs are pinned too, so a change to it shows (change deliberately).
    assert (fp50, fp70, et70) == pytest.approx((427.498, 281.527, 472.259), abs=0.01)


def test_ackermannbogen_bracket(london_weather):
    """Ackermannbogen (Munich, ~1,150 kWh/m² GHI) reports ~45-50 % solar fraction. Our weather files
    bracket Munich: London (~1,000 kWh/m²) must come out below the published band and the sunnier
    45°N PVGIS year above it; delivered heat per m² in London within 20 % of ~310 kWh/m²."""
    w, m = london_weather
    london = heat.ackermannbogen_check(w, m)
    from analysis.ingest.weather import read_weather
    south = heat.ackermannbogen_check(*read_weather(DATA / "tmy_45.000_8.000_2005_2023.epw"))
    assert 0.30 <= london["solar_fraction"] <= 0.50
    assert 0.45 <= south["solar_fraction"] <= 0.80
    assert london["delivered_kwh_per_m2"] == pytest.approx(310, rel=0.2)
    assert london["solar_fraction"] > london["solar_fraction_no_store"]  # the store helps
    # Pinned (deterministic; the bands above are the physical check): change deliberately.
    assert (london["solar_fraction"], london["delivered_kwh_per_m2"], london["solar_fraction_no_store"],
            south["solar_fraction"]) == pytest.approx((0.35815, 295.7593, 0.28420, 0.70974), rel=1e-4)


def test_store_balance_conserves_energy():
    y = np.array([10, 20, 40, 60, 80, 90, 90, 80, 50, 30, 15, 8.0])
    d = heat.monthly_demand(80_000, 20_000)
    r = heat.solar_district_heating(500, y, d, 1000, 60, 0.03, 0.1)
    collected_net = 500 * y.sum() * 0.9
    assert r["solar_delivered_kwh"] + r["store_losses_kwh"] + r["dumped_kwh"] <= collected_net + 1e-6
    assert 0 <= r["solar_fraction_no_store"] <= r["solar_fraction"] <= 1
    no_store = heat.solar_district_heating(500, y, d, 0, 60, 0.03, 0.1)
    assert no_store["solar_fraction"] == pytest.approx(no_store["solar_fraction_no_store"])


def test_heat_demand_known_case_one_hectare():
    typ = heat.read_typology()
    # One 100 m × 100 m block: 10 flats buildings of 500 m² × 4 storeys, 1965-1980 flats (110 + 22 kWh/m²).
    d = heat.heat_demand(np.full(10, 500.0), np.full(10, 4.0), np.full(10, "flat"), np.full(10, "1965-1980"), typ, 0.8)
    assert d["heat_kwh_central"].sum() == pytest.approx(10 * 500 * 4 * 0.8 * 132)
    assert (d["heat_kwh_low"] < d["heat_kwh_central"]).all() and (d["heat_kwh_central"] < d["heat_kwh_high"]).all()
    cells = pd.DataFrame({"cell_x": [0, 1, 5], "cell_y": [0, 1, 5], "candidate": [True, True, True]})
    assert list(heat.label_zones(cells)) == [1, 1, 2]  # diagonal neighbours join, far cell apart


def test_bad_heat_inputs():
    typ = heat.read_typology()
    with pytest.raises(InputError, match="negative"):
        heat.heat_demand([-5.0], [2], ["house"], ["pre-1919"], typ, 0.8)
    with pytest.raises(InputError, match="unknown collector"):
        heat.get_collector("solar-kettle")
    with pytest.raises(InputError, match="typology has no row"):
        heat.heat_demand([50.0], [2], ["castle"], ["pre-1919"], typ, 0.8)
    band, assumed = heat.age_band([1890, np.nan, 2010])
    assert list(band) == ["pre-1919", "1945-1964", "2003+"] and list(assumed) == [False, True, False]


def test_roof_competition_never_double_counts():
    planes = pd.DataFrame({"building_id": ["a", "a", "b"], "suitable": [True, True, False],
                           "module_m2": [20.0, 15.0, 30.0], "relative_yield": [0.8, 0.95, 0.9]})
    alloc = heat.allocate_roof_scenarios(planes, pd.Series({"a": 3, "b": 1}), 2.0)
    for s in ("pv_only", "heat_only", "split"):
        total = alloc[f"pv_m2_{s}"] + alloc[f"heat_m2_{s}"]
        np.testing.assert_allclose(total, [20, 15, 0])
    assert alloc["heat_m2_split"].tolist() == [0.0, 6.0, 0.0]  # 3 dwellings × 2 m² on the best plane


def test_building_energy_homes_by_typology_offices_by_tm46():
    """Hand-computed: a pre-1919 house, an office (TM46 general office) and a shop with flats above."""
    import pandas as pd

    from analysis.config import load_assumptions
    from analysis.heat import building_energy

    a = load_assumptions()
    b = pd.DataFrame({"building_id": ["h", "o", "m"], "area_id": ["A"] * 3, "footprint_m2": [50.0, 400.0, 100.0],
                      "levels": [2.0, 5.0, 3.0], "use_class": ["domestic", "non_domestic", "mixed"],
                      "use_category": ["", "office", "retail"], "dwellings": [1, 0, 2],
                      "dwelling_type": ["house", None, "commercial_flat"], "residential_floor_m2": [100.0, 0.0, 200.0],
                      "nondomestic_floor_m2": [0.0, 2000.0, 100.0], "age_band": ["pre-1919", "1945-1964", "pre-1919"],
                      "age_source": ["observed", "imputed", "observed"]})
    areas = pd.DataFrame({"area_id": ["A"], "elec_kwh": [3_000_000.0], "elec_meters": [1000.0]})
    e = building_energy(b, areas, a).set_index("building_id")
    f = a.get("heat", "heated_floor_factor")
    assert e.loc["h", "heat_kwh_domestic"] == pytest.approx(100 * f * (190 + 20))  # typology: house, pre-1919
    gia = a.get("heat", "nondomestic_gia_factor")
    assert e.loc["o", "heat_kwh_nondomestic"] == pytest.approx(2000 * gia * 120 * a.get("heat", "boiler_efficiency"))
    assert e.loc["o", "elec_kwh_nondomestic"] == pytest.approx(2000 * gia * 95)  # TM46 general office
    assert e.loc["m", "heat_kwh_nondomestic"] == pytest.approx(100 * gia * a.get("heat", "retail_heat_kwh_per_m2"))
    assert e.loc["m", "heat_kwh_domestic"] == pytest.approx(200 * f * (150 + 22))  # flats, pre-1919
    assert e.loc["h", "elec_kwh_domestic"] == pytest.approx(3000) and e.loc["m", "elec_kwh_domestic"] == pytest.approx(6000)
    assert (e["heat_kwh_low"] < e["heat_kwh_central"]).all() and (e["heat_kwh_central"] < e["heat_kwh_high"]).all()


def test_homes_take_their_census_type_floor_where_the_census_counts_them():
    """Area A counts 2 detached and 2 terraced houses and 10 flats: a house there has the mean of the
    two forms' floors, a flat the flat floor, whatever the outline × storeys; area B has no counts by
    type, so its homes keep outline × storeys × heated_floor_factor. Low and high follow the floor ranges."""
    import pandas as pd

    from analysis.config import load_assumptions
    from analysis.heat import building_energy
    from analysis.heat.demand import census_floor_per_home

    a = load_assumptions()
    floor = {k: a.get("heat", f"dwelling_floor_{k}_m2") for k in ("detached", "semi", "terraced", "flat")}
    b = pd.DataFrame({"building_id": ["h", "f", "x"], "area_id": ["A", "A", "B"], "footprint_m2": [80.0, 300.0, 80.0],
                      "levels": [3.0, 6.0, 3.0], "use_class": ["domestic"] * 3, "use_category": [""] * 3,
                      "dwellings": [1, 10, 1], "dwelling_type": ["house", "purpose_built_flat", "house"],
                      "residential_floor_m2": [240.0, 1800.0, 240.0], "age_band": ["pre-1919"] * 3,
                      "age_source": ["observed"] * 3})
    areas = pd.DataFrame({"area_id": ["A", "B"], "elec_kwh": [1e6, 1e6], "elec_meters": [300.0, 300.0],
                          "dwellings_detached": [2.0, None], "dwellings_terraced": [2.0, None],
                          "dwellings_purpose_built_flat": [10.0, None]})
    per_house, per_flat = census_floor_per_home(areas, {f"dwelling_floor_{k}_m2": v for k, v in floor.items()})
    assert per_house[0] == pytest.approx((2 * floor["detached"] + 2 * floor["terraced"]) / 4)
    assert per_flat[0] == floor["flat"] and np.isnan(per_house[1]) and np.isnan(per_flat[1])
    e = building_energy(b, areas, a).set_index("building_id")
    assert e.loc["h", "heated_floor_m2"] == pytest.approx(per_house[0])
    assert e.loc["f", "heated_floor_m2"] == pytest.approx(10 * floor["flat"])
    assert e.loc["x", "heated_floor_m2"] == pytest.approx(240 * a.get("heat", "heated_floor_factor"))
    assert e.loc["h", "heat_kwh_domestic"] == pytest.approx(per_house[0] * (190 + 20))  # typology: house, pre-1919
    # What outline × storeys would have given, kept for the validation's comparison.
    assert e.loc["h", "heat_kwh_domestic_map_floor"] == pytest.approx(240 * a.get("heat", "heated_floor_factor") * 210)
    assert e.loc["x", "heat_kwh_domestic_map_floor"] == pytest.approx(e.loc["x", "heat_kwh_domestic"])
    low = a.get("heat", "dwelling_floor_flat_m2", "low") / floor["flat"]
    assert e.loc["f", "heat_kwh_low"] < e.loc["f", "heat_kwh_central"] * low * 1.0001


def test_metered_fit_by_hand():
    """Modelled 10 % above observed everywhere: bias +10 %, correlation 1; three areas needed; bad rows left out."""
    from analysis.heat.demand import metered_fit

    bias, r = metered_fit([11.0, 22.0, 33.0, 5.0], [10.0, 20.0, 30.0, 0.0])
    assert bias == pytest.approx(10.0) and r == pytest.approx(1.0)
    bias, r = metered_fit([1.0, 3.0, 2.0], [3.0, 1.0, 2.0])
    assert bias == pytest.approx(0.0) and r == pytest.approx(-1.0)
    assert all(np.isnan(metered_fit([1.0, 2.0], [1.0, 2.0])))
