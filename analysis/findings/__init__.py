"""Findings driven by data: sentences whose numbers *and* direction words come from the store.

A rerun with other data or assumptions can flip a sign; a typed "overstates" or "regressive"
would then be wrong while the glued numbers beside it changed. This package keeps the words
with the numbers, one module per concern (everything is importable from ``analysis.findings``):

* :mod:`~analysis.findings.formats` — signed currency with a true minus sign (``−£2``), ranges
  (``−£8 to £0``), no ``−0``, plural-aware counts (``1 contiguous zone``, ``3 contiguous zones``);
* :mod:`~analysis.findings.words` — small pure functions that pick a direction word from numbers
  with a stated threshold (:func:`more_or_less`, :func:`wider_or_narrower`, :func:`robustness` …);
* :mod:`~analysis.findings.queries` — what a :class:`Finding` is, the store tables findings read
  (:data:`ECONOMICS_TABLES`) and why a finding is :class:`Pending`;
* :mod:`~analysis.findings.key` — functions ``f(con) -> Finding`` that read the store and return
  the sentence, its numbers, their ranges, the rule behind each word and the chapter with the
  evidence; :func:`key_findings` runs the detailed set;
* :mod:`~analysis.findings.lead` — the book's first page for a reader in a hurry: a few plain
  findings built from the same numbers (:func:`lead_findings`);
* :mod:`~analysis.findings.evidence` — :func:`evidence_against` ("Where the evidence cuts against
  the argument") and the reconciliations;
* :mod:`~analysis.findings.render` — findings as Markdown and as a table for the downloads.

Economics findings (who gains, equal capacity, tenure, robust or fragile) read the tables of
the economics step through :data:`ECONOMICS_TABLES`, the one place that names them: when that
step renames a table or column, change the mapping (or the few lines of the slot function),
not the book pages. A finding whose tables are absent is reported as *pending*, never
silently dropped.

Thresholds (stated on the pages that use them):

=============================  ======  =======================================================
constant                       value   meaning
=============================  ======  =======================================================
:data:`SAME_REL`               0.05    two amounts within 5 % of the larger are "about the same"
:data:`INDEX_BAND`             0.05    an index within ±0.05 of zero is "proportional"/"even"
:data:`ROBUST_SHARE`           0.90    a sign that holds in ≥ 90 % of parameter draws is "robust"
:data:`MONEY_TOL`              1.0     £ per household a year under which two sums are the same
:data:`VALUE_TOL`              10,000  £ a year under which a place's total value is "about zero"
:data:`MUNICH_HALVING_RATIO`   0.50    heat bill / gas bill at or below which Munich's halving
                                       "carries over"
:data:`MUNICH_PART_RATIO`      0.75    … up to which it "carries over in part"
:data:`DRAW_INTERVAL_PCT`      90      the interval over parameter draws (5th–95th percentile)
=============================  ======  =======================================================
"""

from __future__ import annotations

from analysis.findings.formats import (  # noqa: F401
    DRAW_INTERVAL_PCT,
    DRAW_QUANTILES,
    MINUS,
    NBSP,
    PENCE_BELOW,
    _finite,
    count,
    gbp,
    gbp_auto,
    gbp_auto_range,
    gbp_compact,
    gbp_range,
    interval_words,
    money_decimals,
    mwp,
    num,
    num_range,
    num_sig,
    ordinal,
    pct,
    pct_range,
)
from analysis.findings.words import (  # noqa: F401
    INDEX_BAND,
    MONEY_TOL,
    MUNICH_HALVING_RATIO,
    MUNICH_PART_RATIO,
    NoValue,
    ROBUST_SHARE,
    SAME_REL,
    THAN,
    Unavailable,
    VALUE_TOL,
    _compare,
    _shown,
    cost_progressivity,
    gain_or_loss,
    gain_progressivity,
    gap_side,
    higher_or_lower,
    more_or_less,
    munich_carries_over,
    robustness,
    share_of_draws,
    share_words,
    sign_choice,
    wider_or_narrower,
)
from analysis.findings.queries import (  # noqa: F401
    CHAPTERS,
    ECONOMICS_TABLES,
    FRAMINGS,
    Finding,
    HEAT_MODELS,
    Pending,
    SCENARIOS,
    _columns,
    _difference,
    _interval,
    _one,
    MIN_AREAS_FOR_DECILES,
    income_column,
    owner_shares_by_decile,
    poorest_tenth_income,
    _summary,
    assumption,
    place_name,
    require,
    tables,
)
from analysis.findings.key import (  # noqa: F401
    HOMES_BASIS,
    HOMES_BASIS_IN,
    KEY_FINDINGS,
    ROBUST_METRICS,
    ROBUST_SCENARIOS,
    SMALL_BUILDING_M2,
    SUITABILITY_ANCHORS,
    SUITABILITY_GROUPS,
    TOTAL_METRICS,
    _GAINS_SLOTS,
    _charging_rule_words,
    charging_income,
    _framings,
    _gap_caveat,
    _heat_borough,
    _is_total,
    _metric_range,
    _metric_value,
    _model_label,
    _plural_owner,
    _range_text,
    _robust_rows,
    _why,
    data_basis,
    district_heat,
    equal_capacity,
    heat_and_district,
    heat_demand,
    heat_ownership,
    homes_basis,
    homes_under_others_roofs,
    key_findings,
    policy_framings,
    pv_potential,
    robust_or_fragile,
    robustness_table,
    roof_owners,
    roofs_and_homes,
    run_all,
    solar_heat_check,
    tree_shade,
    suitability,
    tenure_gains,
    who_gains_market,
    who_pays,
    word_or,
)
from analysis.findings.evidence import (  # noqa: F401
    BATTERY_VALUE_TOL,
    EVIDENCE_CHECKS,
    FAVOURED,
    RECONCILIATIONS,
    SIGN_METRICS,
    battery_assumption,
    concentrated_gains,
    cost_shift_small,
    equal_capacity_short,
    evidence_against,
    framing_vs_cell,
    heat_ownership_losing,
    owner_occupiers_small,
    reconciliations,
    sign_flips,
    solar_heat_short,
    third_party_value_short,
    value_by_ownership,
    wider_gaps,
)
from analysis.findings.render import (  # noqa: F401
    frame,
    pending_markdown,
    rules_intro,
    rules_markdown,
    to_markdown,
)
from analysis.findings.lead import (  # noqa: F401
    FEW_POUNDS,
    LEAD_FINDINGS,
    from_to,
    total,
    in_ten,
    lead_findings,
    per_household,
    quote_guide,
)
