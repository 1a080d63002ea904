"""Jobs: the work of putting panels on roofs and looking after them, for campaign figures.

Two survey ratios (``analysis/data/assumptions.yml``, group ``jobs``, each with low/central/high and
its source): installation job-years per MWp on buildings, and maintenance jobs per MWp for every
year the panels run. Jobs are counted where the work is, whoever owns the panels; who employs the
workers (an installer, a council's works team, a co-op's contractors) is an assumption of each
ownership model, not something the ratios say. The figures are not part of the money: wages are
inside the capital and running costs the ledger already pays.

Both ratios are national averages of surveys (BRE for DECC 2014; ClimateXChange 2024; IRENA 2017):
they include sales and office staff and fall as installers get faster. A place's own figure (a
quote for an estate) overrides them in ``assumptions:``.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The ``jobs`` assumptions this module reads (value, low, high each).
ASSUMPTIONS = ("install_job_years_per_mwp", "maintenance_fte_per_mwp", "system_life_years")


@dataclass(frozen=True)
class Jobs:
    """Jobs for an installed capacity at one assumption level."""

    mwp: float  #: capacity installed [MWp]
    install_job_years: float  #: full-time-equivalent job-years to install it [job-yr]
    maintenance_jobs: float  #: full-time jobs looking after it, every year it runs [FTE]
    life_years: float  #: years the maintenance jobs last [yr]

    @property
    def total_job_years(self) -> float:
        """Installation plus maintenance over the system's life [job-yr]."""
        return self.install_job_years + self.maintenance_jobs * self.life_years


def jobs(mwp: float, install_job_years_per_mwp: float, maintenance_fte_per_mwp: float,
         system_life_years: float) -> Jobs:
    """Jobs for ``mwp`` of rooftop PV.

    Parameters
    ----------
    mwp : float
        Capacity installed [MWp], >= 0.
    install_job_years_per_mwp : float
        Installation work [job-years per MWp].
    maintenance_fte_per_mwp : float
        Maintenance work [full-time jobs per MWp, every year].
    system_life_years : float
        Years the panels run [yr].

    Returns
    -------
    Jobs

    Examples
    --------
    >>> j = jobs(10.0, 20.0, 0.5, 25.0)
    >>> j.install_job_years, j.maintenance_jobs, j.total_job_years
    (200.0, 5.0, 325.0)
    """
    if not mwp >= 0:
        raise ValueError(f"capacity must be >= 0 MWp, got {mwp!r}")
    return Jobs(mwp=float(mwp), install_job_years=float(mwp) * install_job_years_per_mwp,
                maintenance_jobs=float(mwp) * maintenance_fte_per_mwp, life_years=float(system_life_years))


def jobs_range(mwp: float, assumptions) -> dict[str, Jobs]:
    """:func:`jobs` at the ``low``, ``central`` and ``high`` levels of the ``jobs`` assumptions.

    Parameters
    ----------
    mwp : float
        Capacity installed [MWp].
    assumptions : analysis.config.Assumptions or a store's assumptions table as a DataFrame
        (columns ``group``, ``name``, ``value``, ``low``, ``high``).
    """
    levels = {}
    for level in ("low", "central", "high"):
        values = [_get(assumptions, name, level) for name in ASSUMPTIONS]
        levels[level] = jobs(mwp, *values)
    return levels


def _get(assumptions, name: str, level: str) -> float:
    if hasattr(assumptions, "get") and not hasattr(assumptions, "columns"):
        return assumptions.get("jobs", name, level)
    rows = assumptions[(assumptions["group"] == "jobs") & (assumptions["name"] == name)]
    if rows.empty:
        raise KeyError(f"the store's assumptions have no jobs.{name} (rerun the place with this version)")
    return float(rows.iloc[0]["value" if level == "central" else level])
