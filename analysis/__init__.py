"""Bringing energy home: rooftop solar, heat and who owns them — per building and neighbourhood.

Public API (one module per step, as pvlib does it)::

    from analysis import pipeline, solar, heat, inequality
    result = pipeline.run("camden")                 # fills build/camden.duckdb
    weather, meta = analysis.read_weather("x.epw")  # EPW, TMY3, PVGIS, PVWatts
    solar.annual_pv_yield(weather, meta, tilt=35, azimuth=180)
    inequality.gini(values, weights=households)

``import analysis`` is light (no pandas, pvlib or scipy): ``read_weather`` is loaded on first use
(PEP 562), so ``python -m analysis --help`` and one-line errors answer in a fraction of a second.
"""

__version__ = "0.1.0"

from analysis.errors import InputError  # noqa: E402

__all__ = ["InputError", "read_weather", "__version__"]

#: Names loaded on first access: name -> module that defines it (pandas and pvlib load with it).
_LAZY = {"read_weather": "analysis.ingest.weather"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
