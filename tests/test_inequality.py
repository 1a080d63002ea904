"""Weighted inequality measures: known values, expansion equivalence, pysal agreement."""

import numpy as np
import pytest

from analysis import inequality as ineq
from analysis.errors import InputError


def test_uniform_is_zero_and_all_to_one_is_one_minus_one_over_n():
    assert ineq.gini(np.full(10, 3.0)) == pytest.approx(0.0, abs=1e-12)
    for n in (2, 5, 100):
        x = np.zeros(n)
        x[-1] = 7.0
        assert ineq.gini(x) == pytest.approx(1 - 1 / n)


def test_weighted_equals_unweighted_on_expanded_data():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 10.0, 40)
    income = rng.normal(40_000, 9_000, 40).clip(5_000)
    w = rng.integers(1, 7, 40)
    xe, ie = np.repeat(x, w), np.repeat(income, w)
    assert ineq.gini(x, w) == pytest.approx(ineq.gini(xe), rel=1e-10)
    assert ineq.concentration_index(x, income, w) == pytest.approx(ineq.concentration_index(xe, ie), rel=1e-10)
    assert ineq.suits(x, income, w) == pytest.approx(ineq.suits(xe, ie), rel=1e-10)
    assert ineq.kakwani(x, income, w) == pytest.approx(ineq.kakwani(xe, ie), rel=1e-10)


def test_agrees_with_pysal_inequality_unweighted():
    from inequality.gini import Gini

    x = np.random.default_rng(7).lognormal(10, 0.8, 300)
    assert ineq.gini(x) == pytest.approx(Gini(x).g, rel=1e-9)


def test_published_example_gini_of_1_to_5():
    # Worked example: incomes 1, 2, 3, 4, 5 → G = Σ|xi − xj| / (2 n² μ) = 40 / 150 = 4/15.
    assert ineq.gini([1, 2, 3, 4, 5]) == pytest.approx(4 / 15)


def test_concentration_index_signs_and_gini_identity():
    income = np.array([10.0, 20, 30, 40, 50])
    assert ineq.concentration_index(income, income) == pytest.approx(ineq.gini(income))  # C(y by y) = G
    assert ineq.concentration_index(income[::-1], income) < 0  # pro-poor
    assert ineq.concentration_index(np.ones(5), income) == pytest.approx(0.0, abs=1e-12)
    proportional = 0.1 * income
    assert ineq.kakwani(proportional, income) == pytest.approx(0.0, abs=1e-12)
    assert ineq.suits(proportional, income) == pytest.approx(0.0, abs=1e-12)
    assert ineq.suits(np.ones(5), income) < 0  # flat payment: regressive
    assert ineq.suits(income ** 2, income) > 0  # progressive


def test_concentration_index_for_many_draws_at_once():
    rng = np.random.default_rng(4)
    income, w = rng.normal(40_000, 8_000, 30).clip(5_000), rng.integers(50, 900, 30)
    outcomes = rng.gamma(2.0, 5.0, (30, 7))
    many = ineq.concentration_index_draws(outcomes, income, w)
    for j in range(7):
        assert many[j] == pytest.approx(ineq.concentration_index(outcomes[:, j], income, w), rel=1e-12)
    assert np.isnan(ineq.concentration_index_draws(np.zeros((30, 1)), income, w)[0])


def test_deciles_and_table():
    income = np.arange(1, 101, dtype=float)
    d = ineq.deciles(income)
    assert list(np.bincount(d)[1:]) == [10] * 10
    t = ineq.decile_table(income, income)
    assert t["households"].sum() == 100 and t["top_bottom_ratio"] == pytest.approx(95.5 / 5.5)


def test_bootstrap_is_reproducible_and_brackets():
    rng = np.random.default_rng(1)
    x, y, w = rng.gamma(2, 1, 60), rng.normal(30_000, 5_000, 60), rng.integers(100, 2000, 60)
    a = ineq.bootstrap(ineq.concentration_index, x, y, weights=w, seed=11)
    b = ineq.bootstrap(ineq.concentration_index, x, y, weights=w, seed=11)
    assert a == b
    assert a["low"] <= a["estimate"] <= a["high"]


@pytest.mark.parametrize("values,weights,match", [
    ([], None, "empty"), ([1, np.nan], None, "NaN"), ([1, -2], None, "negative"),
    ([1, 2], [1], "length"), ([1, 2], [0, 0], "zero"), ([0, 0], None, "sum to zero"),
])
def test_input_validation(values, weights, match):
    with pytest.raises(InputError, match=match):
        ineq.gini(values, weights)


def test_weighted_median():
    assert ineq.weighted_median([1, 2, 3], [1, 1, 5]) == 3
    assert ineq.weighted_median([5, 1, 3]) == 3
    x, w = np.array([10.0, 20, 30, np.nan]), np.array([2, 3, 4, 9])
    assert ineq.weighted_median(x, w) == np.median(np.repeat(x[:3], w[:3].astype(int)))  # NaN ignored


# --- worked by hand (the indices' definitions, not their signs) ------------------------------------

def test_concentration_index_by_hand():
    """Four households ranked by income 1..4 with outcomes 4, 3, 2, 1: fractional ranks 1/8, 3/8, 5/8,
    7/8 (mean 1/2), cov(y, r) = −1.25/4, mean y = 2.5, so C = 2·cov/mean = −0.25 exactly; reversed, +0.25."""
    from analysis.inequality import concentration_index

    assert concentration_index([4, 3, 2, 1], [1, 2, 3, 4]) == pytest.approx(-0.25, abs=1e-12)
    assert concentration_index([1, 2, 3, 4], [1, 2, 3, 4]) == pytest.approx(0.25, abs=1e-12)
    # Weights are households: a weight of 2 is the same as the household twice.
    assert concentration_index([4, 1], [1, 2], weights=[2, 1]) == pytest.approx(
        concentration_index([4, 4, 1], [1, 1, 2]), abs=1e-12)


def test_suits_and_kakwani_by_hand():
    """Suits (1977): S = 1 − L/K, L the area under the curve of cumulative payment share against
    cumulative income share, K = 1/2. Incomes 1 and 3, a flat payment of 1 each: points (0, 0),
    (1/4, 1/2), (1, 1); L = 1/16 + 9/16 = 5/8; S = 1 − 5/4 = −0.25 (regressive). A payment
    proportional to income: S = 0. Kakwani: C(payment) − Gini(income) = 0 − 0.25 and 0.25 − 0.25."""
    from analysis.inequality import gini, kakwani, suits

    assert suits([1, 1], [1, 3]) == pytest.approx(-0.25, abs=1e-12)
    assert suits([1, 3], [1, 3]) == pytest.approx(0.0, abs=1e-12)
    assert suits([0, 1], [1, 3]) == pytest.approx(1 - (0.75 * 0.5) / 0.5, abs=1e-12)  # all on the richer: +0.25
    assert gini([1, 3]) == pytest.approx(0.25, abs=1e-12)
    assert kakwani([1, 1], [1, 3]) == pytest.approx(-0.25, abs=1e-12)
    assert kakwani([1, 3], [1, 3]) == pytest.approx(0.0, abs=1e-12)


def test_decile_table_by_hand():
    """Twenty households with outcomes 0..19 ranked by the same: two per tenth; the poorest tenth holds
    0 and 1 (0.5 each on average), the richest 18 and 19 (18.5); top/bottom ratio of totals 37/1."""
    import numpy as np

    from analysis.inequality import decile_table, deciles

    assert deciles(np.arange(20)).tolist() == [d for d in range(1, 11) for _ in range(2)]
    t = decile_table(np.arange(20.0), np.arange(20))
    assert t["per_household"][0] == 0.5 and t["per_household"][-1] == 18.5
    assert t["total"].tolist() == [1.0 + 4 * d for d in range(10)] and t["top_bottom_ratio"] == 37.0
