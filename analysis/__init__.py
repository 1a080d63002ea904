"""Bringing energy home: rooftop solar, heat and who owns them — per building and neighbourhood.

Public API (one module per step, as pvlib does it)::

    from analysis import pipeline, solar, heat, inequality
    result = pipeline.run("camden")                 # fills build/camden.duckdb
    weather, meta = analysis.read_weather("x.epw")  # EPW, TMY3, PVGIS, PVWatts
    solar.annual_pv_yield(weather, meta, tilt=35, azimuth=180)
    inequality.gini(values, weights=households)
"""

__version__ = "0.1.0"

from analysis.errors import InputError  # noqa: E402
from analysis.ingest.weather import read_weather  # noqa: E402

__all__ = ["InputError", "read_weather", "__version__"]
