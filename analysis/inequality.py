"""Household-weighted inequality measures: Lorenz, Gini, concentration, Kakwani, Suits, deciles.

Areas are not people: every function takes ``weights`` (household counts) so that an area of
1,500 households counts 1,500 times. With integer weights each result equals the unweighted
result on the data expanded row by row (tested). ``inequality``/pysal has no weights; these
are independent implementations tested against it where unweighted.

References
----------
.. [1] Kakwani, N. C. (1977). Measurement of tax progressivity: an international comparison.
   Economic Journal 87(345), 71–80.
.. [2] Suits, D. B. (1977). Measurement of tax progressivity. American Economic Review 67(4).
.. [3] O'Donnell, O., van Doorslaer, E., Wagstaff, A., Lindelow, M. (2008). Analyzing Health
   Equity Using Household Survey Data, ch. 8 (concentration index, convenient covariance).
"""

from __future__ import annotations

import numpy as np

from analysis.errors import InputError


def _check(values, weights=None, name: str = "values", allow_negative: bool = False):
    x = np.asarray(values, dtype=float).ravel()
    if x.size == 0:
        raise InputError(f"{name} is empty", fix="pass at least one value")
    if np.any(~np.isfinite(x)):
        raise InputError(f"{name} has NaN or infinite entries", fix="drop or fill missing values first")
    if not allow_negative and np.any(x < 0):
        raise InputError(f"{name} has negative entries", fix="these measures need values >= 0")
    if weights is None:
        w = np.ones_like(x)
    else:
        w = np.asarray(weights, dtype=float).ravel()
        if w.shape != x.shape:
            raise InputError(f"weights have length {w.size}, {name} {x.size}", fix="pass one weight per value")
        if np.any(~np.isfinite(w)) or np.any(w < 0):
            raise InputError("weights must be finite and >= 0", fix="use household counts as weights")
        if w.sum() <= 0:
            raise InputError("weights sum to zero", fix="at least one weight must be positive")
    return x, w


def lorenz(values, weights=None):
    """Weighted Lorenz curve.

    Parameters
    ----------
    values : array-like
        Non-negative amounts per unit (e.g. £/household/yr of an area).
    weights : array-like, optional
        Units each value stands for (households).

    Returns
    -------
    population_share, value_share : numpy.ndarray
        Cumulative shares [0–1], starting at (0, 0).
    """
    x, w = _check(values, weights)
    order = np.argsort(x, kind="mergesort")
    x, w = x[order], w[order]
    total = np.sum(x * w)
    if total <= 0:
        raise InputError("values sum to zero", fix="a Lorenz curve needs a positive total")
    p = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    share = np.concatenate([[0.0], np.cumsum(x * w) / total])
    return p, share


def gini(values, weights=None) -> float:
    """Weighted Gini coefficient, G = 1 − Σ (p_i − p_{i−1})(L_i + L_{i−1}).

    Uniform values give 0; everything held by one of n equally weighted units gives 1 − 1/n.

    Parameters
    ----------
    values : array-like
        Non-negative amounts per unit.
    weights : array-like, optional
        Units each value stands for (households).

    Returns
    -------
    float
        Gini coefficient in [0, 1).
    """
    p, share = lorenz(values, weights)
    return float(1.0 - np.sum(np.diff(p) * (share[1:] + share[:-1])))


def fractional_rank(rank_by, weights=None) -> np.ndarray:
    """Weighted fractional rank R_i = (Σ_{j ranked below i} w_j + w_i/2) / W, ties averaged."""
    r, w = _check(rank_by, weights, "rank", allow_negative=True)
    order = np.argsort(r, kind="mergesort")
    cum = np.cumsum(w[order])
    mid = (cum - w[order] / 2) / w.sum()
    ranks = np.empty_like(mid)
    ranks[order] = mid
    # Equal incomes share the same (weighted mean) rank.
    uniq, inverse = np.unique(r, return_inverse=True)
    if uniq.size < r.size:
        sums = np.bincount(inverse, weights=ranks * w)
        ranks = (sums / np.bincount(inverse, weights=w))[inverse]
    return ranks


def concentration_index(outcome, rank_by, weights=None) -> float:
    """Concentration index C = 2·cov_w(h, R) / μ_h of an outcome ranked by another variable.

    Positive when the outcome is concentrated among the higher-ranked (richer) units.

    Parameters
    ----------
    outcome : array-like
        Outcome per unit (e.g. benefit £/household/yr); may be negative (then interpret with care).
    rank_by : array-like
        Ranking variable (income per household) [£].
    weights : array-like, optional
        Households.

    Returns
    -------
    float
        In [−1, 1] for non-negative outcomes.
    """
    h, w = _check(outcome, weights, "outcome", allow_negative=True)
    rank = fractional_rank(rank_by, w)
    mu = np.sum(w * h) / w.sum()
    if mu == 0:
        raise InputError("outcome has zero mean", fix="the concentration index needs a non-zero mean")
    mean_r = np.sum(w * rank) / w.sum()
    cov = np.sum(w * (h - mu) * (rank - mean_r)) / w.sum()
    return float(2 * cov / mu)


def concentration_index_draws(outcomes, rank_by, weights=None) -> np.ndarray:
    """Concentration index of many outcome vectors at once (one per column), same ranking [-].

    Parameters
    ----------
    outcomes : array-like, shape (n, D)
        Outcome per unit (rows) for each of D parameter draws (columns).
    rank_by : array-like, shape (n,)
        Ranking variable (income) [£].
    weights : array-like, shape (n,), optional
        Households.

    Returns
    -------
    numpy.ndarray, shape (D,)
        C = 2·cov_w(h, R)/μ_h per column; NaN where the column's mean is zero.
    """
    h = np.asarray(outcomes, dtype=float)
    if h.ndim == 1:
        h = h[:, None]
    r, w = _check(rank_by, weights, "rank", allow_negative=True)
    if h.shape[0] != r.size:
        raise InputError(f"outcomes have {h.shape[0]} rows, ranks {r.size}", fix="pass one row per unit")
    rank = fractional_rank(r, w)
    wn = w / w.sum()
    mu = wn @ h
    cov = wn @ ((h - mu) * (rank - wn @ rank)[:, None])
    return np.divide(2 * cov, mu, out=np.full(h.shape[1], np.nan), where=np.abs(mu) > 1e-12)


def kakwani(payments, income, weights=None) -> float:
    """Kakwani progressivity index K = C_payments − G_income (> 0 progressive, < 0 regressive)."""
    return concentration_index(payments, income, weights) - gini(income, weights)


def suits(payments, income, weights=None) -> float:
    """Suits index of a payment: 1 − 2 × area under the payment concentration curve plotted
    against cumulative **income** share (> 0 progressive, < 0 regressive, 0 proportional).

    Parameters
    ----------
    payments : array-like
        Payment per household (e.g. cost shift £/household/yr), ≥ 0.
    income : array-like
        Income per household [£], ≥ 0.
    weights : array-like, optional
        Households.
    """
    t, w = _check(payments, weights, "payments")
    y, _ = _check(income, weights, "income")
    order = np.argsort(y, kind="mergesort")
    t, y, w = t[order], y[order], w[order]
    if np.sum(t * w) <= 0 or np.sum(y * w) <= 0:
        raise InputError("payments or income sum to zero", fix="the Suits index needs positive totals")
    income_share = np.concatenate([[0.0], np.cumsum(y * w) / np.sum(y * w)])
    pay_share = np.concatenate([[0.0], np.cumsum(t * w) / np.sum(t * w)])
    area = np.sum(np.diff(income_share) * (pay_share[1:] + pay_share[:-1]) / 2)
    return float(1 - 2 * area)


def weighted_median(values, weights=None) -> float:
    """Median of ``values`` with each counted ``weights`` times (e.g. household-weighted income).

    NaN values are ignored. Returns the lower weighted median (the first value at which the
    cumulative weight reaches half the total).
    """
    x = np.asarray(values, dtype=float).ravel()
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float).ravel()
    keep = np.isfinite(x) & (w > 0)
    if not keep.any():
        raise InputError("no finite values with positive weight", fix="check incomes and household counts")
    x, w = x[keep], w[keep]
    order = np.argsort(x, kind="mergesort")
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, cum[-1] / 2)])


def deciles(rank_by, weights=None) -> np.ndarray:
    """Household-weighted decile (1–10) of each unit by its fractional rank midpoint."""
    rank = fractional_rank(rank_by, weights)
    return np.clip(np.ceil(rank * 10).astype(int), 1, 10)


def decile_table(outcome, rank_by, weights=None) -> dict:
    """Per decile: households, total and per-household outcome; plus top/bottom ratio.

    Returns
    -------
    dict
        ``decile`` (1–10), ``households``, ``total``, ``per_household`` arrays, and
        ``top_bottom_ratio`` (decile 10 over decile 1 per household).
    """
    h, w = _check(outcome, weights, "outcome", allow_negative=True)
    d = deciles(rank_by, w)
    households = np.bincount(d, weights=w, minlength=11)[1:]
    total = np.bincount(d, weights=h * w, minlength=11)[1:]
    per_household = np.divide(total, households, out=np.zeros(10), where=households > 0)
    ratio = per_household[9] / per_household[0] if per_household[0] else float("inf")
    return {"decile": np.arange(1, 11), "households": households, "total": total,
            "per_household": per_household, "top_bottom_ratio": float(ratio)}


def bootstrap(statistic, *arrays, weights=None, n_resamples: int = 500, confidence: float = 0.90, seed: int = 0):
    """Percentile bootstrap confidence interval for any of the measures above.

    Units (areas) are resampled with replacement together with their weights. This answers a
    *sampling* question — how much a measure would move if the units were a random sample of a
    larger population (e.g. surveyed households). A census of all of a place's areas is not a
    sample: there, uncertainty comes from the model's parameters (see
    :func:`analysis.scenarios.draw_parameters`), and a bootstrap interval must not be presented
    as the uncertainty of a finding.

    Parameters
    ----------
    statistic : callable
        ``statistic(*arrays, weights=...) -> float`` (e.g. :func:`concentration_index`).
    *arrays : array-like
        Per-unit inputs of equal length.
    weights : array-like, optional
        Households per unit.
    n_resamples : int
        Resamples (≥ 50).
    confidence : float
        Interval coverage, e.g. 0.90.
    seed : int
        Seed: the same seed gives the same interval bit for bit.

    Returns
    -------
    dict
        ``estimate``, ``low``, ``high``, ``n_resamples``, ``confidence``.
    """
    arrays = [np.asarray(a, dtype=float) for a in arrays]
    n = len(arrays[0])
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if any(len(a) != n for a in arrays) or len(w) != n:
        raise InputError("bootstrap inputs differ in length", fix="pass one value per unit in every array")
    if n_resamples < 50:
        raise InputError("too few resamples", fix="use n_resamples >= 50")
    rng = np.random.default_rng(seed)
    estimate = statistic(*arrays, weights=w)
    draws = np.empty(n_resamples)
    for b in range(n_resamples):  # resamples are independent statistics; each one is vectorised
        idx = rng.integers(0, n, n)
        try:
            draws[b] = statistic(*(a[idx] for a in arrays), weights=w[idx])
        except InputError:
            draws[b] = np.nan
    alpha = (1 - confidence) / 2
    low, high = np.nanquantile(draws, [alpha, 1 - alpha])
    return {"estimate": float(estimate), "low": float(low), "high": float(high),
            "n_resamples": n_resamples, "confidence": confidence}
