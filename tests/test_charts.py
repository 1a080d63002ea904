"""Charts a reader can read: labels, pounds with a true minus, wrapped titles, container width, maps."""

import json

import altair as alt
import pandas as pd
import pytest

from analysis import charts


@pytest.mark.parametrize("code, words", [
    ("electricity_gwh", "Electricity (GWh/yr)"), ("bill_payers_cost_shift", "Cost shifted to other bill payers"),
    ("converted_flat", "Converted flat"), ("owner_occupier", "Owner-occupier"), ("market", "Market-led"),
    ("private/volumetric/market", "Private networks, charges per kWh, Market-led"),
    ("public/progressive/municipal", "Public networks, charges by income, Municipal"),
    ("public@worthwhile_roofs minus market@worthwhile_roofs: net_per_household",
     "Public ownership, roofs where panels are worth building minus Market-led, roofs where panels are worth building"),
    ("households_net_per_mwp", "Households' net gain per MWp (£/yr)"),
    ("heat_council", "Solar district heat, council"),
    ("public@worthwhile_roofs", "Public ownership, roofs where panels are worth building"),
    ("public@all_roofs", "Public ownership, all suitable roofs"),
    ("heat_kwh_nondomestic", "Heat non-domestic (kWh)"), ("usable_m2", "Usable roof area (m²)"),
    ("Already words", "Already words"),
])
def test_label_table_and_fallback(code, words):
    assert charts.label(code) == words


def test_no_code_name_survives_labelling():
    for code in ["adoption_owner_occupier_adopters", "sdh_solar_fraction", "top_minus_bottom", "share_losing"]:
        text = charts.label(code)
        assert "_" not in text and text[0].isupper()


def test_old_label_dicts_still_work():
    assert charts.SCENARIO_LABELS["coop"] == "Community co-op"
    assert charts.OWNER_LABELS["social_landlord"] == "Council or housing association"


def test_theme_writes_pounds_with_a_true_minus():
    locale = charts.theme()["config"]["locale"]["number"]
    assert locale["currency"] == ["£", ""] and locale["minus"] == "\u2212"
    assert charts.GBP.startswith("$")  # d3's currency symbol, which the locale makes £


def test_titles_wrap_and_single_charts_fill_their_container():
    long = "Net gain per household, £/yr, by neighbourhood income decile under every ownership model"
    chart = alt.Chart(pd.DataFrame({"a": [1], "b": [2]}), title=long).mark_bar().encode(
        x=alt.X("a:Q", title="An axis title that is much too long to fit on a phone screen in one line"), y="b:Q")
    spec = charts.prepare_spec(chart.to_dict())
    assert isinstance(spec["title"], list) and all(len(line) <= charts.TITLE_CHARS for line in spec["title"])
    assert " ".join(spec["title"]) == long  # wrapped, not cut
    assert isinstance(spec["encoding"]["x"]["title"], list)
    assert spec["width"] == "container"
    concat = charts.prepare_spec(alt.vconcat(chart, chart).to_dict())
    assert "width" not in concat  # concatenations keep their own sizes


def test_renderer_is_offline_and_records_the_spec():
    out = charts.offline_renderer(alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q").to_dict())
    html = out["text/html"]
    assert "vegaEmbed(" in html and "cdn" not in html and "window.vegaSpecs" in html
    assert "</script" not in html.split("<script>", 1)[1][:-len("</script>")]  # the JSON cannot close the tag


def test_map_has_place_labels_and_attribution():
    square = {"type": "Polygon", "coordinates": [[[0, 51], [0.1, 51], [0.1, 51.1], [0, 51.1], [0, 51]]]}
    frame = pd.DataFrame({"geojson": [json.dumps(square)], "v": [3.0], "name": ["A"]})
    labels = pd.DataFrame({"name": ["Euston"], "lon": [0.05], "lat": [51.05]})
    spec = charts.choropleth(frame, "v", "A map", "kWh", [("v", "Q", "Value")], labels=labels).to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert "Euston" in text and "© OpenStreetMap contributors" in text and "OGL v3" in text
    assert spec["width"] == "container"
    plain = charts.choropleth(frame, "v", "A map", "kWh", [("v", "Q", "Value")], attribution=None).to_dict()
    assert "OpenStreetMap" not in json.dumps(plain)
    # Names in the east run left of their dot, in the west right of it: none is cut off at a narrow map's edge.
    both = pd.DataFrame({"name": ["West End", "East End"], "lon": [0.01, 0.09], "lat": [51.05, 51.05]})
    spec = charts.choropleth(frame, "v", "A map", "kWh", [("v", "Q", "Value")], labels=both, attribution=None).to_dict()
    aligned = {spec["datasets"][layer["data"]["name"]][0]["name"]: layer["mark"]["align"] for layer in spec["layer"]
               if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "text"
               and "name" in layer.get("data", {})}
    assert aligned == {"West End": "left", "East End": "right"}


def test_quantities_with_different_units_get_separate_axes():
    frame = pd.DataFrame({"scenario": ["pv_only", "pv_only"], "gwh": [300.0, 10.0],
                          "output": ["Electricity", "Heat"]})
    chart = charts.bars_by_quantity(frame, "scenario:N", "gwh", "output", "Roof use", "Scenario",
                                    {"Electricity": "Electricity, GWh/yr", "Heat": "Heat, GWh/yr"})
    spec = chart.to_dict()
    assert len(spec["vconcat"]) == 2 and spec["resolve"]["scale"]["y"] == "independent"
    with pytest.raises(ValueError, match="unit"):
        charts.bars_by_quantity(frame, "scenario:N", "gwh", "output", "Roof use", "Scenario", {"Electricity": "GWh"})


def test_whiskers_and_band_draw_ranges():
    frame = pd.DataFrame({"decile": [1, 2], "net": [-2.0, 5.0], "lo": [-8.0, 1.0], "hi": [0.0, 9.0],
                          "scenario": ["market", "market"]})
    w = charts.whiskers(frame, "decile:O", "net", "lo", "hi", "Net gain", "Decile", "£/yr", color="scenario:N",
                        fmt=charts.GBP).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"] for layer in w["layer"]]
    assert marks == ["rule", "point"]
    b = charts.band(frame, "decile:O", "net", "lo", "hi", "scenario", "Net gain", "Decile", "£/yr").to_dict()
    assert [layer["mark"]["type"] for layer in b["layer"]] == ["area", "line"]


def test_data_table_labels_scrolls_and_has_no_negative_zero():
    frame = pd.DataFrame({"owner_type": ["owner_occupier"], "net_per_household": [-0.04], "gap": [-3.5]})
    html = charts.data_table(frame, "test").data
    assert "Owner-occupier" in html and "Net gain per household" in html and "table-scroll" in html
    assert "-0.0" not in html and "−3.5" in html and ">0.0<" in html


def test_map_rings_wind_the_way_d3_expects():
    """Counter-clockwise exteriors (RFC 7946) would fill the globe outside each shape in d3-geo."""
    import shapely

    ccw = {"type": "Polygon", "coordinates": [[[0, 51], [0.1, 51], [0.1, 51.1], [0, 51.1], [0, 51]]]}
    assert shapely.from_geojson(json.dumps(ccw)).exterior.is_ccw
    (feature,) = charts.geo_features(pd.DataFrame({"geojson": [json.dumps(ccw)], "v": [1]}))["features"]
    ring = shapely.geometry.shape(feature["geometry"]).exterior
    assert not ring.is_ccw and feature["properties"] == {"v": 1}


@pytest.mark.parametrize("value, fmt, shown", [(-0.38, "{:,.2f}", "\u22120.38"), (-0.001, "{:,.1f}", "0.0"),
                                               (-0.4, "{:,.0f}", "0"), (-12.5, "{:,.1f}", "\u221212.5"),
                                               (-0.05, "{:.0%}", "\u22125%"), (0.38, "{:,.2f}", "0.38")])
def test_table_cells_keep_the_minus_of_small_negatives_and_drop_negative_zero(value, fmt, shown):
    assert charts._fmt_cell(value, fmt) == shown


def test_source_line_carries_the_price_date_only_under_money_titles():
    from analysis import charts

    charts.use_source("Source: this book's model, Camden", "July 2026 prices")
    try:
        assert charts.source_line("Who gains and who pays (£ million a year)").endswith("; July 2026 prices")
        assert charts.source_line("Heat bills a year by owner").endswith("July 2026 prices")
        assert charts.source_line("Gains (£ a year, July 2026 prices)").count("July 2026") == 0  # said in the title
        assert charts.source_line("Rooftop PV lost to neighbours' shade, GWh/yr") == "Source: this book's model, Camden"
    finally:
        charts.use_source("")
