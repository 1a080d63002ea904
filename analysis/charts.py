"""Altair theme, an offline renderer, one label table, and the chart and map builders of the book and fact sheets.

Charts render with the vega, vega-lite and vega-embed scripts served by the book itself
(``book/_vendor``, listed in ``_config.yml``): the renderer below emits only a ``<div>`` and a
``vegaEmbed(...)`` call, never a CDN address. Palettes are colour-blind safe (viridis for
sequential maps, Okabe–Ito for categories).

What a reader sees, and where it is decided:

* **labels** — :data:`LABELS` is the one table from code names (``market``, ``owner_occupier``,
  ``converted_flat``, ``electricity_gwh`` …) to words; :func:`label` falls back to a readable
  form (``"Heat demand (GWh)"``) for a code it does not know, so no code name reaches a reader.
* **money** — the theme's number locale writes ``−£2`` (true minus sign before the pound sign)
  for the formats :data:`GBP` and :data:`GBP_SIGNED`.
* **titles** — long chart and axis titles are wrapped into lines (Vega title arrays) by the
  renderer, so they never clip on a phone; category labels on axes and legends wrap into lines
  (a Vega label expression) instead of ending in "…"; bars with many long names turn horizontal.
* **layout** — single charts take their container's width (``width: "container"``); data
  tables scroll inside their own box (``book/_static/book.css``).
* **ranges** — :func:`whiskers` and :func:`band` draw low–high ranges; :func:`bars_by_quantity`
  keeps quantities with different units (heat and electricity) on separate axes.
* **maps** — :func:`choropleth` adds a few place labels (:func:`place_labels` frames) and the
  data attribution (:data:`ATTRIBUTION`) under every map.
"""

from __future__ import annotations

import copy
import hashlib
import html
import json
import math
import re
import textwrap

import altair as alt
import numpy as np
import pandas as pd

from analysis import currency

#: Okabe & Ito (2008) colour-blind-safe categorical palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

#: The label table: every code name a chart, table or sentence may show, and its words.
LABELS = {
    # ownership scenarios and models
    "market": "Market-led", "market_batteries": "Market-led with batteries", "aggregator": "Rent-a-roof company",
    "market_breakeven": "Market, every owner acting on the money", "bill_payers_elsewhere": "Bill payers elsewhere",
    "public": "Public ownership", "public_progressive": "Public ownership, returned progressively",
    "coop": "Community co-op", "municipal": "Municipal", "council": "Council", "esco": "Private energy company",
    "worthwhile_roofs": "roofs where panels are worth building", "all_roofs": "all suitable roofs", "market_roofs": "the market's roofs",
    "own": "own choice of roofs",
    # where money lands, and the parties of the ledger
    "to_households": "To households (£/yr)", "to_public": "To public purses (£/yr)", "to_outside": "To outside parties (£/yr)",
    "grants": "Grants needed (£/yr)", "housing_revenue_account": "Social landlords' rent accounts",
    "public_bodies": "Public bodies", "private_landlords": "Private landlords", "businesses": "Businesses",
    "capital_providers": "Lenders and shareholders", "suppliers": "Electricity suppliers", "treasury": "Treasury",
    "network_owners": "Network owners", "coop_members": "Co-op members", "households": "Households",
    "faith_communities": "Faith and community organisations",
    "pv_only": "PV only", "heat_only": "Solar heat only", "split": "PV and solar hot water",
    # roof owners and owner types
    "owner_occupier": "Owner-occupier", "private_landlord": "Private landlord",
    "social_landlord": "Council or housing association", "private_freeholder": "Private freeholder",
    "public_body": "Public body", "commercial": "Business", "faith_community": "Faith or community group",
    "community": "Community",
    # occupant tenure
    "owner_occupied": "Owner-occupied", "social_rented": "Social rented", "private_rented": "Private rented",
    "other": "Other", "other_tenure": "Other tenure",
    # use classes and building kinds
    "domestic": "Homes only", "mixed": "Homes and other uses", "non_domestic": "Non-domestic",
    "ancillary": "Shed or garage", "house": "House", "flat": "Flat", "unheated": "Unheated",
    "house_form": "House-like building", "block": "Block of flats", "unknown": "Unknown use",
    # dwelling types
    "converted_flat": "Converted flat", "purpose_built_flat": "Purpose-built flat",
    "commercial_flat": "Flat in a commercial building", "detached": "Detached house", "semi": "Semi-detached house",
    "terraced": "Terraced house", "caravan": "Caravan or mobile home",
    # parties of the ledger and their components
    "households": "Households", "businesses": "Businesses", "capital_providers": "Lenders and investors",
    "network_owners": "Network owners", "private_freeholders": "Private freeholders",
    "public_bodies": "Public bodies", "community_fund": "Community fund", "faith_communities": "Faith communities",
    "private_landlords": "Private landlords", "social_landlords": "Social landlords", "treasury": "Treasury (VAT)",
    "coop_members": "Co-op members", "bill_payers": "All bill payers",
    "network_charges": "Bill costs shifted between bill payers", "owner_income": "Owner's income",
    "interest_above_public_rate": "Interest above the public rate", "vat_on_bills": "VAT on bills",
    "profit": "Profit", "roof_rent": "Roof rent", "pooled_return": "Pooled return", "bill_savings": "Bill savings",
    "public_network_saving": "Public network saving", "vat_on_installation": "VAT on installation",
    "free_power": "Free power", "surplus": "Surplus", "bill_payers_cost_shift": "Cost shifted to other bill payers",
    # policy matrix
    "private": "Private", "volumetric": "Per kWh", "fixed": "Per household", "progressive": "By income",
    # outputs and columns
    "electricity_gwh": "Electricity (GWh/yr)", "heat_gwh": "Heat (GWh/yr)", "gwh": "GWh/yr", "mwp": "MWp",
    "kwh_per_household": "PV per household (kWh/yr)", "net_per_household": "Net gain per household (£/yr)",
    "benefit_per_household": "Benefit per household (£/yr)", "cost_per_household": "Cost per household (£/yr)",
    "installed_kwp": "Installed capacity (kWp)", "installed_mwp": "Installed capacity (MWp)",
    "share_losing": "Share of households losing", "decile": "Income decile (1 = poorest)",
    "imd_decile": "IMD decile (1 = most deprived)", "gbp_m": "£ million a year",
    "heat_density_mwh_per_ha": "Heat density (MWh/ha·yr)", "mwh_per_ha": "Heat density (MWh/ha·yr)",
    "usable_m2": "Usable roof area (m²)", "area_id": "Area code", "name": "Name", "buildings": "Buildings",
    "buildings_suitable": "Suitable buildings", "pv_share_of_domestic_elec": "PV as share of domestic electricity",
    "kwp_central": "Capacity, central (kWp)", "kwh_central": "Output, central (kWh/yr)",
    "kwh_low": "Output, low (kWh/yr)", "kwh_high": "Output, high (kWh/yr)",
    "top_minus_bottom": "Richest minus poorest tenth (£/household/yr)",
    "bottom_decile_net": "Poorest tenth, net (£/household/yr)", "top_decile_net": "Richest tenth, net (£/household/yr)",
    "concentration_benefit_deciles": "Concentration index of gains",
    "households_net_per_mwp": "Households' net gain per MWp (£/yr)",
    "to_households": "Households' net gain (£/yr)", "real_value": "Value created (£/yr)",
    "cost_shift_per_household": "Cost shifted to other bills (£/household/yr)",
    "community_fund_per_household": "Community fund per household (£/yr)",
    "owner_occupied_net_per_household": "Owner-occupiers, net (£/household/yr)",
    "social_rented_net_per_household": "Social renters, net (£/household/yr)",
    "private_rented_net_per_household": "Private renters, net (£/household/yr)",
    "bottom_decile_net_pct_income": "Poorest tenth, net (% of income)",
    "top_decile_net_pct_income": "Richest tenth, net (% of income)", "net_pct_income": "Net gain (% of income)",
    "income_mean_gbp": "Mean household income (£/yr)", "income_mean": "Mean household income (£/yr)",
    "households_losing": "Households losing",
    "suits_network_charges": "Suits index of network charges", "amount_per_year": "£ a year",
    "scenario": "Scenario", "tenure": "Tenure", "party": "Party", "component": "Component", "cell": "Policy cell",
    "framing": "Policy framing", "model": "Owner", "metric": "Measure", "verdict": "Verdict",
    "share_same_sign": "Share of draws with the central sign",
    # heat ownership (solar district heating by owner)
    "heat_council": "Solar district heat, council", "heat_coop": "Solar district heat, co-op",
    "heat_esco": "Solar district heat, private company", "saving_per_connected_household":
    "Saving per connected household (£/yr)", "bill_ratio": "Heat bill as a multiple of the gas bill",
    "share_connected_losing": "Share of connected households losing", "households_connected": "Households connected",
    "solar_heat_gwh": "Solar heat (GWh/yr)", "areas_built": "Areas built", "owner_net": "Owner's return (£/yr)",
    "bottom3_decile_saving_gbp": "Saving of the poorest three tenths (£/yr)", "capex_gbp": "Capital cost (£)",
    "ledger_imbalance": "Ledger imbalance (£/yr)", "treasury_net": "Treasury (£/yr)",
}
#: Owner types in the plural, for sentences ("on the roofs of public bodies").
OWNER_PLURAL = {"owner_occupier": "Owner-occupiers", "private_landlord": "Private landlords",
                "social_landlord": "Councils and housing associations", "private_freeholder": "Freeholders of flats",
                "public_body": "Public bodies", "commercial": "Businesses", "faith_community": "Faith and community groups"}
#: Parts of a policy-matrix cell id ("public/progressive/municipal"): who owns the networks and how their
#: costs are recovered (the generation part is labelled by :data:`LABELS`).
NETWORK_LABELS = {"private": "Private networks", "public": "Public networks"}
RECOVERY_LABELS = {"volumetric": "charges per kWh", "fixed": "charges per household", "progressive": "charges by income"}
#: Kept for existing callers: views of :data:`LABELS`.
SCENARIO_LABELS = {k: LABELS[k] for k in ("market", "public", "public_progressive", "coop")}
OWNER_LABELS = {k: LABELS[k] for k in ("owner_occupier", "private_landlord", "social_landlord", "private_freeholder",
                                        "public_body", "commercial", "faith_community", "community")}

#: One colour per roof owner, ownership model, tenure and "where the money lands", the same on every
#: chart, map and fact sheet of the book (codes; their labels get the same colour, :func:`colour_scale`).
#: Okabe & Ito colours; a reader who learns "blue is the council" on one chart can rely on it.
PALETTE = {
    # roof owners (maps, ownership charts, fact sheets)
    "owner_occupier": "#0072B2", "private_landlord": "#E69F00", "social_landlord": "#009E73",
    "private_freeholder": "#CC79A7", "public_body": "#56B4E9", "commercial": "#D55E00",
    "faith_community": "#F0E442", "community": "#000000",
    # ownership models and scenarios
    "market": "#D55E00", "market_batteries": "#E69F00", "market_breakeven": "#F0E442", "aggregator": "#CC79A7",
    "coop": "#009E73", "public": "#0072B2", "public_progressive": "#56B4E9",
    # occupants' tenure
    "owner_occupied": "#0072B2", "social_rented": "#009E73", "private_rented": "#E69F00", "other": "#999999",
    # where the money lands
    "households": "#009E73", "public": "#0072B2", "outside": "#D55E00",
}
#: Where-the-money-lands labels (views.LANDING_LABELS) coloured as their codes.
_LANDING_LABELS = {"Households": "#009E73", "Public purses": "#0072B2", "Outside parties": "#D55E00",
                   # the headline chart's groups (views.who_gains_who_pays)
                   "Households here": "#009E73", "Bill payers elsewhere": "#D55E00", "Other outside parties": "#E69F00"}


def colour_of(value) -> str | None:
    """The book's colour for a code or its label (:data:`PALETTE`), or None."""
    if value in PALETTE:
        return PALETTE[value]
    if value in _LANDING_LABELS:
        return _LANDING_LABELS[value]
    text = str(value)
    base = text.split("@", 1)[0]  # "public@all_roofs" and its label take the model's colour
    if base in PALETTE:
        return PALETTE[base]
    for code, colour in PALETTE.items():
        if label(code) == text or (", " in text and label(code) == text.split(", ", 1)[0]):
            return colour
    return None


def colour_scale(values):
    """A Vega-Lite colour scale giving each of ``values`` its :data:`PALETTE` colour (in order of first
    appearance); ``alt.Undefined`` (the theme's colours) when some value has none or two share one."""
    domain = list(dict.fromkeys(str(v) for v in values if v is not None and not (isinstance(v, float) and v != v)))
    colours = [colour_of(v) for v in domain]
    if not domain or None in colours or len(set(colours)) < len(colours):
        return alt.Undefined
    return alt.Scale(domain=domain, range=colours)


#: Unit suffixes of code names and how a label shows them.
_UNITS = [("_gbp_per_kwh", "£/kWh"), ("_gbp_per_kwp", "£/kWp"), ("_kwh_per_kwp", "kWh/kWp"),
          ("_mwh_per_ha", "MWh/ha·yr"), ("_per_household", "per household"), ("_gwh", "GWh"), ("_mwh", "MWh"),
          ("_kwh", "kWh"), ("_mwp", "MWp"), ("_kwp", "kWp"), ("_gbp", "£"), ("_m2", "m²"), ("_m3", "m³"),
          ("_pct", "%"), ("_deg", "°"), ("_m", "m")]
_WORDS = {"pv": "PV", "dh": "district heating", "sdh": "solar district heating", "imd": "IMD", "elec": "electricity",
          "dw": "dwellings", "hh": "households", "coop": "co-op", "om": "O&M", "capex": "capital cost",
          "vat": "VAT", "kwp": "kWp", "kwh": "kWh", "gbp": "£", "lsoa": "LSOA", "nondomestic": "non-domestic"}

_INNER_UNITS = {"kwh": "kWh", "gwh": "GWh", "mwh": "MWh", "kwp": "kWp", "mwp": "MWp", "gbp": "£", "m2": "m²",
                "pct": "%"}
#: Data attribution under every map (OpenStreetMap footprints, ONS boundaries and statistics).
ATTRIBUTION = ["Map data © OpenStreetMap contributors (ODbL 1.0)",
               "Contains ONS data © Crown copyright (OGL v3)"]
#: d3 formats that the theme's locale renders as pounds: "£1,234", "−£2"; signed "+£8".
GBP, GBP_SIGNED = "$,.0f", "+$,.0f"
#: Characters per line before a chart title, an x-axis title or a y-axis title wraps (fits a 390 px phone,
#: where a chart is about 320 px wide beside its menu button).
TITLE_CHARS, AXIS_TITLE_CHARS, Y_TITLE_CHARS = 34, 30, 26
#: Characters per line of a legend label.
LEGEND_LABEL_CHARS = 22


def label(code) -> str:
    """Words for a code name: from :data:`LABELS`, else a readable form of the code.

    Parameters
    ----------
    code : str
        A scenario, owner, tenure, use, party or column name (``"electricity_gwh"``).
        Composite ids are labelled by parts: ``"public@all_roofs"`` →
        ``"Public (equal return), all suitable roofs"``; ``"private/volumetric/market"`` →
        ``"Private / Per kWh / Market-led"``.

    Returns
    -------
    str
        Text fit for a reader (non-strings are returned as text unchanged).
    """
    if not isinstance(code, str):
        return str(code)
    if code in LABELS:
        return LABELS[code]
    m = re.fullmatch(r"(.+?) minus (.+?)(?:: ([a-z0-9_]+))?", code)
    if m:  # a difference of two scenarios ("public@all_roofs minus market@all_roofs: net_per_household")
        return f"{label(m.group(1))} minus {label(m.group(2))}"
    if "@" in code:
        head, tail = code.split("@", 1)
        return f"{label(head)}, {label(tail)}"
    if "/" in code and " " not in code:
        parts = code.split("/")
        if len(parts) == 3 and parts[0] in NETWORK_LABELS:  # a policy cell: network / recovery / generation
            return f"{NETWORK_LABELS[parts[0]]}, {RECOVERY_LABELS.get(parts[1], label(parts[1]))}, {label(parts[2])}"
        return " / ".join(label(part) for part in parts)
    if not re.fullmatch(r"[a-z0-9_]+", code):
        return code  # already words
    unit = ""
    for suffix, text in _UNITS:
        if code.endswith(suffix) and len(code) > len(suffix):
            code, unit = code[: -len(suffix)], text
            break
    tokens = [w for w in code.split("_") if w]
    if not unit:  # a unit in the middle ("heat_kwh_nondomestic") moves to the end
        inner = [w for w in tokens if w in _INNER_UNITS]
        if inner and len(tokens) > 1:
            unit, tokens = _INNER_UNITS[inner[0]], [w for w in tokens if w != inner[0]]
    words = " ".join(_WORDS.get(w, w) for w in tokens)
    words = words[:1].upper() + words[1:]
    return f"{words} ({unit})" if unit else words


def relabel(frame: pd.DataFrame, values=(), columns: bool = True) -> pd.DataFrame:
    """A copy of ``frame`` with code values in ``values`` columns and (optionally) column names labelled."""
    out = frame.copy()
    for col in values:
        out[col] = out[col].map(label)
    if columns:
        out = out.rename(columns={c: label(c) for c in out.columns})
    return out


def wrap(text, width: int = TITLE_CHARS):
    """Split a title into lines of at most ``width`` characters (a list, Vega's multi-line title)."""
    if not isinstance(text, str) or len(text) <= width:
        return text
    return textwrap.wrap(text, width=width, break_long_words=False)


#: The source line under the titles of result charts (set per page by :func:`use_source`).
_source = {"text": ""}


#: Words in a chart title that say it shows money (its source line then carries the price date).
MONEY_WORDS = re.compile(r"[£€$¥]|\b(prices?|bills?|costs?|gains?|pays?|money|income|million a year|a year each)\b",
                         re.IGNORECASE)


def use_source(text: str, prices: str = "") -> None:
    """The source line every result chart of this page carries under its title from now on
    (:func:`analysis.book.setup` sets "Source: this book's model, <place>"); ``prices`` ("July 2026
    prices") is added only to charts whose title shows money (:data:`MONEY_WORDS`)."""
    _source["text"], _source["prices"] = str(text or ""), str(prices or "")


def source_line(title: str) -> str:
    """The page's source line for a chart with this ``title`` (the price date only where it shows money)."""
    base, prices = _source.get("text", ""), _source.get("prices", "")
    shows_money = MONEY_WORDS.search(str(title)) and prices not in str(title)  # a title with the date needs no repeat
    return base + (f"; {prices}" if base and prices and shows_money else "")


def chart_title(text: str, subtitle: str | None = None, width: int = TITLE_CHARS) -> alt.TitleParams:
    """A chart title that wraps instead of clipping (``alt.Chart(..., title=charts.chart_title(...))``);
    without a ``subtitle``, the page's source line (:func:`use_source`, :func:`source_line`)."""
    subtitle = subtitle if subtitle is not None else source_line(text)
    kwargs = {"subtitle": wrap(subtitle, width + 10)} if subtitle else {}
    return alt.TitleParams(text=wrap(text, width), **kwargs)


def wrap_label_expr(chars: int) -> str:
    """A Vega expression that breaks an axis or legend label into lines of about ``chars`` characters
    (an array of lines, which Vega draws as a multi-line label) instead of truncating it with "…"."""
    return (f"slice(split(replace(datum.label + '', regexp('(.{{1,{chars}}})(\\\\s+|$)', 'g'), '$1|'), '|'), 0, -1)")


def theme() -> dict:
    """The project's Altair theme (readable type, no border, pounds with a true minus, room for labels)."""
    return {"config": {
        "view": {"stroke": None, "continuousWidth": 320, "continuousHeight": 260},
        "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        "axis": {"labelFontSize": 12, "titleFontSize": 13, "grid": True, "gridColor": "#e5e5e5",
                 "labelLimit": 200, "titleLimit": 0},
        # Numbers on a continuous axis thin out on a phone; x titles end at the plot's right edge and
        # grow to the left, over the empty space under the y-axis labels, so they never run off the chart.
        "axisX": {"labelOverlap": "greedy", "titleAnchor": "end", "titleAlign": "right"},
        # Category labels wrap into lines instead of ending in "…" (long scenario and owner names).
        "axisXDiscrete": {"labelAngle": 0, "labelExpr": wrap_label_expr(14), "labelLimit": 0, "labelOverlap": False},
        "axisYDiscrete": {"labelExpr": wrap_label_expr(16), "labelLimit": 0},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom", "labelLimit": 0,
                   "columns": 1, "symbolLimit": 0},
        "title": {"fontSize": 15, "anchor": "start", "limit": 0, "subtitleFontSize": 12, "subtitleColor": "#555"},
        "range": {"category": OKABE_ITO},
        # d3-format locale: "$" means pounds, and negatives carry a true minus sign before the £.
        "locale": {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["£", ""],
                              "minus": "\u2212"}},
    }}


_TITLE_KEYS = ("title",)


def _wrap_titles(node, width: int = TITLE_CHARS):
    """Wrap chart titles (and axis/legend titles) of a Vega-Lite spec in place."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "title" and isinstance(value, str):
                node[key] = wrap(value, width)
            elif key == "title" and isinstance(value, dict) and isinstance(value.get("text"), str):
                value["text"] = wrap(value["text"], width)
            elif key in ("data", "datasets", "values", "config"):
                continue
            elif key in ("y", "y2", "yOffset"):
                _wrap_titles(value, Y_TITLE_CHARS)  # a vertical axis is shorter than the chart is wide
            elif key in ("encoding", "x", "x2", "color", "size", "shape", "opacity"):
                _wrap_titles(value, AXIS_TITLE_CHARS)
            else:
                _wrap_titles(value, width)
    elif isinstance(node, list):
        for item in node:
            _wrap_titles(item, width)
    return node


_LEGEND_CHANNELS = ("color", "fill", "stroke", "shape", "strokeDash", "opacity", "size")


def _wrap_legend_labels(node) -> None:
    """Give every categorical legend a wrapping label expression (the legend config cannot carry one)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("data", "datasets", "values", "config"):
                continue
            if key == "encoding" and isinstance(value, dict):
                for channel in _LEGEND_CHANNELS:
                    enc = value.get(channel)
                    if isinstance(enc, dict) and enc.get("type") in ("nominal", "ordinal") and "field" in enc \
                            and enc.get("legend", {}) is not None:
                        enc["legend"] = {"labelExpr": wrap_label_expr(LEGEND_LABEL_CHARS)} | (enc.get("legend") or {})
            _wrap_legend_labels(value)
    elif isinstance(node, list):
        for item in node:
            _wrap_legend_labels(item)


def prepare_spec(spec: dict) -> dict:
    """What the renderer does to every spec: wrapped titles; container width for single charts.

    Parameters
    ----------
    spec : dict
        A Vega-Lite spec (as Altair's ``to_dict``).

    Returns
    -------
    dict
        A copy with titles wrapped and, for a single or layered chart without a width,
        ``width: "container"`` (so it never exceeds a phone screen).
    """
    spec = copy.deepcopy(spec)
    _wrap_titles(spec)  # data, datasets and config are skipped inside
    _wrap_legend_labels(spec)
    single = not any(k in spec for k in ("hconcat", "vconcat", "concat", "facet", "repeat"))
    if single and "width" not in spec:
        spec["width"] = "container"
    return spec


def offline_renderer(spec: dict, **_) -> dict:
    """Altair renderer: a div and a vegaEmbed call using the page's own vega scripts."""
    spec = prepare_spec(spec)
    # Titles, labels and the number locale are written in pounds; shown in the store's currency.
    payload = currency.localise(json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    div_id = "vis-" + hashlib.sha1(payload.encode()).hexdigest()[:12]  # stable ids keep builds cacheable
    payload = payload.replace("</", "<\\/")  # never close the script tag from inside the JSON
    script = (
        "(function(){var spec=%s;window.vegaSpecs=window.vegaSpecs||{};window.vegaSpecs['%s']=spec;"
        "var opts={actions:{export:true,source:false,compiled:false,editor:false},"
        "renderer:'svg'};function draw(){vegaEmbed('#%s',spec,opts).catch(function(e){console.error(e);});}"
        "if(window.vegaEmbed){draw();}else{window.addEventListener('load',draw);}})();" % (payload, div_id, div_id)
    )
    return {"text/html": f'<div id="{div_id}" class="vega-chart" style="width:100%"></div>\n<script>{script}</script>'}


def enable() -> None:
    """Register and enable the offline renderer and the theme (call once per notebook)."""
    alt.renderers.register("offline", offline_renderer)
    alt.renderers.enable("offline")
    alt.theme.register("energy_home", enable=True)(theme)
    alt.data_transformers.disable_max_rows()


def geo_features(frame: pd.DataFrame, geometry_geojson: str = "geojson") -> dict:
    """Inline GeoJSON FeatureCollection from a frame with a GeoJSON-text geometry column.

    Polygon rings are turned the way Vega's d3-geo expects (exterior clockwise): GeoJSON's own
    right-hand rule (RFC 7946, counter-clockwise exteriors, as shapely and DuckDB may write them)
    would make d3 fill the whole globe *outside* each shape — a map that is one solid block.
    """
    import shapely

    geoms = shapely.from_geojson(frame[geometry_geojson].to_numpy())
    fixed = shapely.to_geojson(shapely.orient_polygons(geoms, exterior_cw=True))
    frame = frame.assign(**{geometry_geojson: fixed})
    features = []
    for record in frame.to_dict(orient="records"):
        geom = json.loads(record.pop(geometry_geojson))
        features.append({"type": "Feature", "geometry": geom,
                         "properties": {k: (None if pd.isna(v) else v) for k, v in record.items()}})
    return {"type": "FeatureCollection", "features": features}


_attribution = {"lines": list(ATTRIBUTION)}


def map_attribution(info) -> list[str]:
    """Short credit lines under every map for a store's place (:class:`analysis.store.PlaceInfo`):
    the footprints' licence and the boundaries' credit (each cut to fit a phone-width map)."""
    lines = []
    if info.buildings_licence:
        lines.append(("Map data " if "openstreetmap" in info.buildings_licence.lower() else "Footprints ")
                     + info.buildings_licence.split(";")[0])
    if any("Crown copyright" in c for c in info.credits):
        lines.append(ATTRIBUTION[1])
    else:
        lines += [c for c in info.credits if c.startswith("Boundar")][:1]
    return [line if len(line) <= 70 else line[:69] + "…" for line in lines]


def use_attribution(lines) -> None:
    """The credit lines every map of this page carries from now on (set by :func:`analysis.book.setup`)."""
    _attribution["lines"] = list(lines)


def attribution_layer(lines=None, height: int = 380) -> alt.Chart:
    """The data attribution as small grey text in the map's bottom-left corner (a chart footnote that
    stays with the chart when it is saved as an image)."""
    data = pd.DataFrame({"text": [list(lines if lines is not None else _attribution["lines"])]})
    return alt.Chart(data).mark_text(align="left", baseline="bottom", fontSize=9, color="#444", lineHeight=11).encode(
        x=alt.value(0), y=alt.value(height), text="text")


def choropleth(frame: pd.DataFrame, value: str, title: str, value_title: str, tooltip: list,
               scheme: str = "viridis", fmt: str = ",.0f", labels: pd.DataFrame | None = None,
               attribution="place", height: int = 380) -> alt.LayerChart | alt.Chart:
    """Map of areas coloured by ``value`` (``frame`` has a ``geojson`` WGS84 geometry column).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per area with ``geojson`` (WGS84 GeoJSON text) and the columns named below.
    value : str
        Column to colour by.
    title, value_title : str
        Chart title (wrapped) and legend title (with its unit).
    tooltip : list of tuple
        ``(column, "Q"|"N", title[, format])`` per tooltip row.
    labels : pandas.DataFrame, optional
        A few place names to print on the map: columns ``name``, ``lon``, ``lat`` [°]
        (e.g. :func:`analysis.book.place_labels`).
    attribution : list of str, "place" or None
        Lines printed under the map (data licences); ``"place"`` (default) the credits of the store's
        place set by :func:`use_attribution`; ``None`` to omit.
    """
    data = alt.Data(values=geo_features(frame)["features"])
    tips = []
    for column, kind, tip_title, *rest in tooltip:  # (column, Q/N, title[, format])
        extra = {"format": rest[0] if rest else fmt} if kind == "Q" else {}
        tips.append(alt.Tooltip(f"properties.{column}:{kind}", title=tip_title, **extra))
    shapes = alt.Chart(data).mark_geoshape(stroke="white", strokeWidth=0.4).encode(
        color=alt.Color(f"properties.{value}:Q", title=value_title, scale=alt.Scale(scheme=scheme),
                        legend=alt.Legend(format=fmt, orient="bottom", gradientLength=220)),
        tooltip=tips,
    )
    layers = [shapes]
    if labels is not None and len(labels):
        # Names in the eastern half run to the left of their dot and sit above it, the others to the right
        # and below: on a phone's narrow map a name at the edge stays inside the chart instead of being
        # cut off, and two names near the middle do not run into each other.
        lon = labels["lon"].to_numpy(dtype=float)
        east = lon > (np.nanmin(lon) + np.nanmax(lon)) / 2
        layers.append(alt.Chart(labels[["name", "lon", "lat"]]).mark_circle(size=18, color="black", opacity=0.8)
                      .encode(longitude="lon:Q", latitude="lat:Q"))
        for side, align, dx, dy in ((~east, "left", 5, 9), (east, "right", -5, -5)):
            if not side.any():
                continue
            base = alt.Chart(labels.loc[side, ["name", "lon", "lat"]]).encode(longitude="lon:Q", latitude="lat:Q",
                                                                              text="name:N")
            layers += [base.mark_text(align=align, dx=dx, dy=dy, fontSize=10, fontWeight="bold", stroke="white",
                                      strokeWidth=3, strokeOpacity=0.9),
                       base.mark_text(align=align, dx=dx, dy=dy, fontSize=10, fontWeight="bold", color="#111")]
    if isinstance(attribution, str) and attribution == "place":
        attribution = _attribution["lines"]
    if attribution:
        layers.append(attribution_layer(attribution, height))
    chart = alt.layer(*layers, title=chart_title(title, "")) if len(layers) > 1 else shapes.properties(
        title=chart_title(title, ""))
    return chart.project(type="mercator").properties(width="container", height=height)


def _tooltips(frame: pd.DataFrame) -> list:
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])][:6]
    text = [c for c in frame.columns if _is_text(frame[c])][:2]
    return ([alt.Tooltip(c, title=label(c), format=",.4~g") for c in numeric]
            + [alt.Tooltip(c, title=label(c)) for c in text])


def no_data(title: str):
    """What a chart shows when this place has nothing to draw: one plain line naming the chart."""
    from IPython.display import Markdown

    return Markdown(f"*{title.rstrip('.')}: nothing to show for this place.*")


def bars(frame: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str, color: str | None = None,
         horizontal: bool = False, fmt: str = ",.0f", sort=None, label_values: bool = True) -> alt.Chart:
    """Bar chart with tooltips (grouped by ``color`` when given; ``sort`` = category order).

    Category values (``x`` and ``color`` columns) that are code names are shown through
    :func:`label` (``label_values=False`` keeps them); give ``fmt=GBP`` for pounds. More than
    three categories with long names are drawn as horizontal bars, so every name stays readable
    on a phone.
    """
    if frame is None or frame.empty:
        return no_data(title)
    frame = frame.copy()
    fields = [f.split(":")[0] for f in (x, color) if f]
    if label_values:
        for col in fields:
            if col in frame and _is_text(frame[col]):
                frame[col] = frame[col].map(label)
        if isinstance(sort, list):
            sort = [label(s) for s in sort]
    categories = frame[fields[0]].astype(str).unique() if fields[0] in frame else []
    if not horizontal and len(categories) > 3 and max(len(c) for c in categories) > 12:
        horizontal = True  # long names side by side would overlap or be hidden at 390 px
    enc_x = alt.X(f"{x}", title=x_title, sort=sort,
                  axis=alt.Axis(labelAngle=0, labelLimit=120) if sort else alt.Undefined)
    enc_y = alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt))
    if horizontal:
        enc_x = alt.X(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt))
        enc_y = alt.Y(f"{x}", title=x_title, sort=sort or "-x")
    chart = alt.Chart(frame, title=chart_title(title)).mark_bar().encode(x=enc_x, y=enc_y,
                                                                                tooltip=_tooltips(frame))
    if color:
        column = color.split(":")[0]
        scale = colour_scale(frame[column]) if column in frame else alt.Undefined
        chart = chart.encode(color=alt.Color(color, title=None, scale=scale),
                             xOffset=alt.XOffset(color) if not horizontal else alt.Undefined,
                             yOffset=alt.YOffset(color) if horizontal else alt.Undefined)
    groups = frame[color.split(":")[0]].nunique() if color and color.split(":")[0] in frame else 1
    # Each category row is as tall as its bars or its wrapped label (about 12 characters a line at word
    # breaks, 14 px each), whichever is more: long names wrapped on a phone overlapped the next row's.
    rows = sum(max(groups * 12, math.ceil(len(str(c)) / 12) * 14 + 10) for c in categories)
    height = max(280, rows + 60) if horizontal else 280
    return chart.properties(width="container", height=height)


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, title: str, x_title: str, y_title: str,
            value_title: str, fmt: str = ",.0f", sort_x=None, sort_y=None, subtitle: str | None = None) -> alt.LayerChart:
    """A grid of cells coloured by ``value`` on a scale diverging at zero (losses orange, gains blue:
    two hues a colour-blind reader tells apart), each cell labelled with its value.

    Few columns (``x``) and more rows (``y``) fit a phone: rows take their wrapped labels' height.
    ``fmt`` is a d3 format (the chart's number locale gives the currency symbol).
    """
    if frame is None or frame.empty:
        return no_data(title)
    frame = frame.copy()
    span = float(frame[value].abs().max()) or 1.0
    rows = frame[y].astype(str).unique()
    height = sum(max(30, math.ceil(len(r) / 14) * 14 + 12) for r in rows)
    base = alt.Chart(frame, title=chart_title(title, subtitle)).encode(
        x=alt.X(f"{x}:N", title=x_title, sort=sort_x,
                axis=alt.Axis(labelAngle=0, orient="top", labelExpr=wrap_label_expr(9), grid=False, ticks=False)),
        y=alt.Y(f"{y}:N", title=y_title, sort=sort_y, axis=alt.Axis(labelLimit=140, grid=False, ticks=False)),
        tooltip=[alt.Tooltip(f"{y}:N", title=y_title or None), alt.Tooltip(f"{x}:N", title=x_title or None),
                 alt.Tooltip(f"{value}:Q", title=value_title, format=fmt)])
    cells = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(f"{value}:Q", title=value_title, legend=None,
                        scale=alt.Scale(scheme="blueorange", reverse=True, domain=[-span, span], domainMid=0)))
    text = base.mark_text(fontSize=12).encode(
        text=alt.Text(f"{value}:Q", format=fmt),
        color=alt.condition(f"abs(datum['{value}']) > {0.6 * span}", alt.value("white"), alt.value("black")))
    return (cells + text).properties(width="container", height=height)


def bars_by_quantity(frame: pd.DataFrame, category: str, value: str, quantity: str, title: str,
                     category_title: str, units: dict, color: str | None = None, sort=None) -> alt.VConcatChart:
    """One bar chart per quantity, each with its own axis (never heat and electricity on one axis).

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table: ``category``, ``value`` and ``quantity`` columns (e.g. ``output`` with
        ``"Electricity"``/``"Heat"``).
    units : dict
        ``quantity value -> axis title with unit`` (``{"Electricity": "Electricity, GWh/yr"}``);
        every quantity in the frame must have one.
    """
    if frame is None or frame.empty:
        return no_data(title)
    missing = sorted(set(frame[quantity]) - set(units))
    if missing:
        raise ValueError(f"no unit given for quantities {missing}: each quantity gets its own axis and unit")
    parts = []
    for i, (q, axis_title) in enumerate(units.items()):
        sub = frame[frame[quantity] == q]
        if sub.empty:
            continue
        parts.append(bars(sub, category, value, axis_title if i else title, category_title, axis_title,
                          color=color, sort=sort).properties(width=300, height=200,
                                                             title=wrap(f"{label(q)}" if i else title)))
    return alt.vconcat(*parts).resolve_scale(y="independent", x="independent")


def whiskers(frame: pd.DataFrame, x: str, y: str, low: str, high: str, title: str, x_title: str, y_title: str,
             color: str | None = None, fmt: str = ",.0f") -> alt.LayerChart:
    """Points with low–high whiskers (the uncertainty of each value), e.g. £ per decile with its range.

    Parameters
    ----------
    frame : pandas.DataFrame
        Category ``x`` (e.g. ``"decile:O"``), central ``y`` and the ``low``/``high`` ends of its range.
    color : str, optional
        Series column (e.g. the scenario); points of a category are set side by side.
    fmt : str
        Axis and tooltip format (:data:`GBP` for pounds).
    """
    if frame is None or frame.empty:
        return no_data(title)
    frame = frame.copy()
    enc = {"x": alt.X(x, title=x_title, axis=alt.Axis(labelAngle=0))}
    if color:
        col = color.split(":")[0]
        if _is_text(frame[col]):
            frame[col] = frame[col].map(label)
        column = color.split(":")[0]
        enc |= {"color": alt.Color(color, title=None, scale=colour_scale(frame[column]) if column in frame else alt.Undefined),
                "xOffset": alt.XOffset(color)}
    tips = [alt.Tooltip(f"{c}:Q", title=label(c), format=fmt) for c in (y, low, high)]
    base = alt.Chart(frame).encode(**enc)
    rules = base.mark_rule(strokeWidth=2, opacity=0.7).encode(y=alt.Y(f"{low}:Q"), y2=alt.Y2(f"{high}:Q"))
    points = base.mark_point(filled=True, size=60, opacity=1).encode(
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)), tooltip=tips)
    return alt.layer(rules, points, title=chart_title(title)).properties(width="container", height=280)


def band(frame: pd.DataFrame, x: str, y: str, low: str, high: str, color: str, title: str, x_title: str,
         y_title: str, fmt: str = ",.0f") -> alt.LayerChart:
    """Lines with a shaded low–high band per series (e.g. net £ by decile over parameter draws)."""
    if frame is None or frame.empty:
        return no_data(title)
    frame = frame.copy()
    if _is_text(frame[color]):
        frame[color] = frame[color].map(label)
    base = alt.Chart(frame).encode(x=alt.X(x, title=x_title, axis=alt.Axis(labelAngle=0)),
                                   color=alt.Color(f"{color}:N", title=None, scale=colour_scale(frame[color])))
    area = base.mark_area(opacity=0.18).encode(y=alt.Y(f"{low}:Q", title=y_title, axis=alt.Axis(format=fmt)),
                                               y2=f"{high}:Q")
    line = base.mark_line(point=True, strokeWidth=2.5).encode(
        y=f"{y}:Q", tooltip=[color, x] + [alt.Tooltip(f"{c}:Q", title=label(c), format=fmt) for c in (y, low, high)])
    return alt.layer(area, line, title=chart_title(title)).properties(width="container", height=300)


def lines(frame: pd.DataFrame, x: str, y: str, color: str, title: str, x_title: str, y_title: str,
          diagonal: bool = False, fmt: str = ".0%") -> alt.Chart:
    """Line chart (e.g. Lorenz curves), optionally with the line of equality."""
    if frame is None or frame.empty:
        return no_data(title)
    chart = alt.Chart(frame, title=chart_title(title)).mark_line(point=False, strokeWidth=2.5).encode(
        x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=fmt)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)),
        color=alt.Color(f"{color}:N", title=None, scale=colour_scale(frame[color])), tooltip=[x, y, color])
    if diagonal:
        line = pd.DataFrame({x: [0.0, 1.0], y: [0.0, 1.0]})
        chart = alt.layer(alt.Chart(line).mark_line(color="#888", strokeDash=[4, 4]).encode(x=f"{x}:Q", y=f"{y}:Q"), chart)
    return chart.properties(width="container", height=320)


def _is_text(series: pd.Series) -> bool:
    """True for text columns (object or the string dtype of pandas ≥ 3)."""
    return series.dtype == object or pd.api.types.is_string_dtype(series)


_NEG = re.compile(r"(?<![\w.])-(?=\d)")


def _fmt_cell(value, floatfmt: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"  # a missing number is a dash, never "NaN"
    text = floatfmt.format(value)
    if text.startswith("-") and set(re.sub(r"\D", "", text)) <= {"0"}:  # "-0.0" → "0.0": no negative zero
        text = text[1:]
    return _NEG.sub("\u2212", text)


def _no_break(value):
    """A word joiner between a minus sign and the currency symbol, so that "−£2" never breaks over two lines."""
    return currency.no_break(currency.localise(value))


#: Column names that hold counts (shown as whole numbers in tables) unless a unit says otherwise.
COUNT_COLUMN = re.compile(r"(^|_)(households|homes|buildings|dwellings|consents|parties|meters|count|n)(_|$)|losing$",
                          re.I)
UNIT_COLUMN = re.compile(r"per_|share|pct|_gbp|_kwh|_mwh|_gwh|_kwp|_mwp|_m2|ratio|net|saving", re.I)


def data_table(frame: pd.DataFrame, caption: str, max_rows: int = 20, floatfmt: str = "{:,.1f}",
               labels: bool = True, collapsed: bool = True):
    """A collapsible HTML table that scrolls inside its box: the text alternative for a chart.

    Column names and code values are shown through :func:`label` (``labels=False`` keeps
    them); negative numbers carry a true minus sign and ``−0.0`` is shown as ``0.0``.
    ``collapsed=False`` shows the table open with its caption (a table in its own right).
    """
    from IPython.display import HTML

    shown = frame.head(max_rows).copy()
    for col in shown.columns:  # counts of people, homes and buildings are whole numbers: "64,934", never "64,934.46"
        if pd.api.types.is_float_dtype(shown[col]) and COUNT_COLUMN.search(str(col)) and not UNIT_COLUMN.search(str(col)):
            shown[col] = shown[col].map(lambda v: "–" if pd.isna(v) else _fmt_cell(round(float(v)), "{:,.0f}"))
    if labels:
        shown = relabel(shown, values=[c for c in shown.columns if _is_text(shown[c])
                                       and shown[c].map(lambda v: isinstance(v, str) and v in LABELS).any()])
    shown = shown.copy()
    for col in [c for c in shown.columns if _is_text(shown[c])]:
        shown[col] = shown[col].map(_no_break)
    shown = shown.map(lambda v: "–" if v is None else v)  # a missing value is a dash, never "None" or "NaN"
    table = currency.localise(shown.to_html(index=False, float_format=lambda v: _fmt_cell(v, floatfmt), border=0,
                                            classes="table", na_rep="–"))
    caption = currency.localise(caption)
    more = f"<p>Showing {len(shown)} of {len(frame)} rows.</p>" if len(frame) > max_rows else ""
    if not collapsed:
        return HTML(f"<figure class='data-table'><figcaption>{html.escape(caption[:1].upper() + caption[1:])}"
                    f"</figcaption><div class='table-scroll'>{table}</div>{more}</figure>")
    return HTML(f"<details class='chart-data'><summary>Data behind the chart: {html.escape(caption)}</summary>"
                f"<div class='table-scroll'>{table}</div>{more}</details>")
