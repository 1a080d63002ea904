"""Altair theme, an offline renderer, and the chart and map builders used by the book and fact sheets.

Charts render with the vega, vega-lite and vega-embed scripts served by the book itself
(``book/_vendor``, listed in ``_config.yml``): the renderer below emits only a ``<div>`` and a
``vegaEmbed(...)`` call, never a CDN address. Palettes are colour-blind safe (viridis for
sequential maps, Okabe–Ito for categories); charts use container width so they fit a phone.
"""

from __future__ import annotations

import hashlib
import html
import json

import altair as alt
import pandas as pd

#: Okabe & Ito (2008) colour-blind-safe categorical palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SCENARIO_LABELS = {"market": "Market-led", "public": "Public (equal return)",
                   "public_progressive": "Public (progressive return)", "coop": "Community co-op"}
OWNER_LABELS = {"owner_occupier": "Owner-occupier", "private_landlord": "Private landlord",
                "social_landlord": "Council or housing association", "private_freeholder": "Private freeholder",
                "public_body": "Public body", "commercial": "Business", "faith_community": "Faith or community group",
                "community": "Community"}


def theme() -> dict:
    """The project's Altair theme (readable type, no chart border, responsive width)."""
    return {"config": {
        "view": {"stroke": None, "continuousWidth": 320, "continuousHeight": 260},
        "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
        "axis": {"labelFontSize": 12, "titleFontSize": 13, "grid": True, "gridColor": "#e5e5e5"},
        "legend": {"labelFontSize": 12, "titleFontSize": 12, "orient": "bottom"},
        "title": {"fontSize": 15, "anchor": "start"},
        "range": {"category": OKABE_ITO},
    }}


def offline_renderer(spec: dict, **_) -> dict:
    """Altair renderer: a div and a vegaEmbed call using the page's own vega scripts."""
    payload = json.dumps(spec, sort_keys=True, separators=(",", ":"))
    div_id = "vis-" + hashlib.sha1(payload.encode()).hexdigest()[:12]  # stable ids keep builds cacheable
    payload = payload.replace("</", "<\\/")  # never close the script tag from inside the JSON
    script = (
        "(function(){var spec=%s;var opts={actions:{export:true,source:false,compiled:false,editor:false},"
        "renderer:'svg'};function draw(){vegaEmbed('#%s',spec,opts).catch(function(e){console.error(e);});}"
        "if(window.vegaEmbed){draw();}else{window.addEventListener('load',draw);}})();" % (payload, div_id)
    )
    return {"text/html": f'<div id="{div_id}" class="vega-chart" style="width:100%"></div>\n<script>{script}</script>'}


def enable() -> None:
    """Register and enable the offline renderer and the theme (call once per notebook)."""
    alt.renderers.register("offline", offline_renderer)
    alt.renderers.enable("offline")
    alt.theme.register("energy_home", enable=True)(theme)
    alt.data_transformers.disable_max_rows()


def geo_features(frame: pd.DataFrame, geometry_geojson: str = "geojson") -> dict:
    """Inline GeoJSON FeatureCollection from a frame with a GeoJSON-text geometry column."""
    features = []
    for record in frame.to_dict(orient="records"):
        geom = json.loads(record.pop(geometry_geojson))
        features.append({"type": "Feature", "geometry": geom,
                         "properties": {k: (None if pd.isna(v) else v) for k, v in record.items()}})
    return {"type": "FeatureCollection", "features": features}


def choropleth(frame: pd.DataFrame, value: str, title: str, value_title: str, tooltip: list,
               scheme: str = "viridis", fmt: str = ",.0f") -> alt.Chart:
    """Map of areas coloured by ``value`` (``frame`` has a ``geojson`` WGS84 geometry column)."""
    data = alt.Data(values=geo_features(frame)["features"])
    tips = []
    for column, kind, label, *rest in tooltip:  # (column, Q/N, title[, format])
        extra = {"format": rest[0] if rest else fmt} if kind == "Q" else {}
        tips.append(alt.Tooltip(f"properties.{column}:{kind}", title=label, **extra))
    return alt.Chart(data, title=title).mark_geoshape(stroke="white", strokeWidth=0.4).encode(
        color=alt.Color(f"properties.{value}:Q", title=value_title, scale=alt.Scale(scheme=scheme),
                        legend=alt.Legend(format=fmt, orient="bottom", gradientLength=240)),
        tooltip=tips,
    ).project(type="mercator").properties(width="container", height=380)


def bars(frame: pd.DataFrame, x: str, y: str, title: str, x_title: str, y_title: str, color: str | None = None,
         horizontal: bool = False, fmt: str = ",.0f", sort=None) -> alt.Chart:
    """Bar chart with tooltips (grouped by ``color`` when given; ``sort`` = category order)."""
    enc_x = alt.X(f"{x}", title=x_title, sort=sort, axis=alt.Axis(labelAngle=0) if sort else alt.Undefined)
    enc_y = alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt))
    if horizontal:
        enc_x, enc_y = alt.X(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)), alt.Y(f"{x}", title=x_title, sort="-x")
    chart = alt.Chart(frame, title=title).mark_bar().encode(
        x=enc_x, y=enc_y, tooltip=[alt.Tooltip(c) for c in frame.columns if frame[c].dtype != object][:6]
        + [alt.Tooltip(c) for c in frame.columns if frame[c].dtype == object][:2])
    if color:
        chart = chart.encode(color=alt.Color(color, title=None), xOffset=alt.XOffset(color) if not horizontal else alt.Undefined)
    return chart.properties(width="container", height=280)


def lines(frame: pd.DataFrame, x: str, y: str, color: str, title: str, x_title: str, y_title: str,
          diagonal: bool = False, fmt: str = ".0%") -> alt.Chart:
    """Line chart (e.g. Lorenz curves), optionally with the line of equality."""
    chart = alt.Chart(frame, title=title).mark_line(point=False, strokeWidth=2.5).encode(
        x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format=fmt)),
        y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=fmt)),
        color=alt.Color(f"{color}:N", title=None), tooltip=[x, y, color])
    if diagonal:
        line = pd.DataFrame({x: [0.0, 1.0], y: [0.0, 1.0]})
        chart = alt.layer(alt.Chart(line).mark_line(color="#888", strokeDash=[4, 4]).encode(x=f"{x}:Q", y=f"{y}:Q"), chart)
    return chart.properties(width="container", height=320)


def data_table(frame: pd.DataFrame, caption: str, max_rows: int = 20, floatfmt: str = "{:,.1f}"):
    """A collapsible HTML table: the text alternative for a chart (shown under it)."""
    from IPython.display import HTML

    shown = frame.head(max_rows)
    table = shown.to_html(index=False, float_format=lambda v: floatfmt.format(v), border=0, classes="table")
    more = f"<p>Showing {len(shown)} of {len(frame)} rows.</p>" if len(frame) > max_rows else ""
    return HTML(f"<details class='chart-data'><summary>Data behind the chart: {html.escape(caption)}</summary>"
                f"{table}{more}</details>")
