"""Direction words, each picked from numbers by a stated threshold (the constants below)."""

from __future__ import annotations

from analysis.findings.formats import _finite, pct


#: Relative tolerance under which two amounts are "about the same" [fraction of the larger].
SAME_REL = 0.05
#: Half-width of the band around zero in which a distribution index counts as even/proportional [-].
INDEX_BAND = 0.05
#: Share of parameter draws in which a sign must hold for a conclusion to be "robust" [fraction].
ROBUST_SHARE = 0.90
#: Money amounts per household that differ by less than this are "about the same" [£/household/yr].
MONEY_TOL = 1.0
#: A place's total value a year within ± this counts as "about zero" [£/yr].
VALUE_TOL = 10_000.0
#: A scheme's heat bill at or below this multiple of the gas bill carries Munich's reported halving
#: over ("halved": 0.5 of the bill) [-].
MUNICH_HALVING_RATIO = 0.5
#: Up to this multiple of the gas bill the halving carries over in part; above it, not at all [-].
MUNICH_PART_RATIO = 0.75
#: The interval shown with every headline over the parameter draws: 5th to 95th percentile


class Unavailable(Exception):
    """A finding cannot be written from this store (a table or column is missing)."""


class NoValue(Unavailable, ValueError):
    """A direction word asked of a missing or non-finite number (a place without incomes, say): the
    finding that needs it is pending, never written with a guessed word."""


# --------------------------------------------------------------------------------------------
# Direction words (each with the rule that picks it)
# --------------------------------------------------------------------------------------------

def _shown(value) -> str:
    """A number as a reader sees it in a "missing number" note: ``32.8``, ``missing``."""
    return f"{float(value):,.3g}" if _finite(value) else "a missing number"


def _compare(value, reference, rel_tol: float, words: tuple[str, str, str], abs_tol: float = 0.0) -> str:
    if not (_finite(value) and _finite(reference)):
        raise NoValue(f"cannot compare {_shown(value)} with {_shown(reference)}")
    value, reference = float(value), float(reference)
    scale = max(abs(value), abs(reference))
    if scale == 0 or abs(value - reference) <= max(rel_tol * scale, abs_tol):
        return words[2]
    return words[0] if value > reference else words[1]


#: Comparatives with their preposition, for :func:`more_or_less` in a sentence ("more than the …").
THAN = ("more than", "less than", "about as much as")


def more_or_less(value, reference, rel_tol: float = SAME_REL, words=("more", "less", "about as much"),
                 abs_tol: float = 0.0) -> str:
    """``"more"`` if ``value`` exceeds ``reference`` by more than ``rel_tol`` of the larger (and by more
    than ``abs_tol``), ``"less"`` if it falls short by as much, else ``"about as much"``."""
    return _compare(value, reference, rel_tol, tuple(words), abs_tol)


def higher_or_lower(value, reference, rel_tol: float = SAME_REL, words=("higher", "lower", "about the same"),
                    abs_tol: float = 0.0) -> str:
    """``"higher"``/``"lower"``/``"about the same"`` with the rule of :func:`more_or_less`."""
    return _compare(value, reference, rel_tol, tuple(words), abs_tol)


def wider_or_narrower(gap, reference_gap, rel_tol: float = SAME_REL,
                      words=("wider", "narrower", "about as wide", "reversed"), abs_tol: float = 0.0) -> str:
    """Compare two gaps (e.g. richest-minus-poorest £), a reversal first.

    ``"reversed"`` when the gaps point opposite ways and each is larger than ``abs_tol`` (the
    poorest gain more under one, the richest under the other: a change of direction, whatever
    the sizes); otherwise the *absolute* sizes are compared: ``"wider"`` when ``|gap|`` exceeds
    ``|reference_gap|`` by more than ``rel_tol`` of the larger (and ``abs_tol``), ``"narrower"``,
    or ``"about as wide"``. Give three ``words`` to compare sizes only.
    """
    if not (_finite(gap) and _finite(reference_gap)):
        raise NoValue(f"cannot compare {_shown(gap)} with {_shown(reference_gap)}")
    gap, reference_gap = float(gap), float(reference_gap)
    if len(words) > 3 and gap * reference_gap < 0 and min(abs(gap), abs(reference_gap)) > abs_tol:
        return words[3]
    return _compare(abs(gap), abs(reference_gap), rel_tol, tuple(words[:3]), abs_tol)


def gap_side(gap, abs_tol: float = 0.0, words=("the richest tenth gains more", "the poorest tenth gains more",
                                              "the richest and the poorest tenth gain about the same")) -> str:
    """Which end of the income scale a richest-minus-poorest gap favours (``abs_tol``: a gap no
    larger than this is "about the same")."""
    if not _finite(gap):
        raise NoValue("the place has no income by neighbourhood, so no gap between richest and poorest")
    g = float(gap)
    return words[2] if abs(g) <= abs_tol else (words[0] if g > 0 else words[1])


def gain_progressivity(concentration_index, band: float = INDEX_BAND) -> str:
    """Word for how a *gain* is spread over households ranked by income.

    Parameters
    ----------
    concentration_index : float
        Concentration index of the gain in £ (households ranked from poorest to richest) [-]:
        positive when richer households get more pounds, negative when poorer ones do.
    band : float
        Half-width of the "evenly spread" band around zero [-].

    Returns
    -------
    str
        ``"regressive"`` (C > band: the gain concentrates among richer households),
        ``"progressive"`` (C < −band) or ``"evenly spread"``.
    """
    if not _finite(concentration_index):
        raise NoValue("no concentration index")
    c = float(concentration_index)
    return "regressive" if c > band else ("progressive" if c < -band else "evenly spread")


def cost_progressivity(suits_index, band: float = INDEX_BAND) -> str:
    """Word for how a *cost* is borne across incomes (Suits index S, Suits 1977).

    ``"progressive"`` if S > band (costs rise faster than income), ``"regressive"`` if
    S < −band, else ``"proportional"`` (costs roughly in proportion to income).
    """
    if not _finite(suits_index):
        raise NoValue("no Suits index")
    s = float(suits_index)
    return "progressive" if s > band else ("regressive" if s < -band else "proportional")


def share_of_draws(share, threshold: float = ROBUST_SHARE) -> str:
    """A share of draws as a percentage that never contradicts its verdict: ``"89.7 %"`` (not ``"90 %"``)
    when it falls just short of the threshold, whole percentages otherwise."""
    if not _finite(share):
        return "n/a"
    whole = pct(share)
    crosses = (round(float(share) * 100) >= threshold * 100) != (float(share) >= threshold)
    return pct(share, 1) if crosses else whole


def robustness(share_same_sign, threshold: float = ROBUST_SHARE) -> str:
    """``"robust"`` when a sign holds in at least ``threshold`` of parameter draws, else ``"fragile"``."""
    if not _finite(share_same_sign):
        raise NoValue("no share of draws")
    return "robust" if float(share_same_sign) >= threshold else "fragile"


def share_words(fraction, tol: float = SAME_REL) -> str:
    """``"fewer than half"``, ``"about half"`` or ``"more than half"`` (within ``tol`` of one half: about half)."""
    if not _finite(fraction):
        raise NoValue("no share")
    f = float(fraction)
    return "about half" if abs(f - 0.5) <= tol else ("fewer than half" if f < 0.5 else "more than half")


def gain_or_loss(value, words=("gain", "loss", "no change")) -> str:
    """``"gain"`` for a positive amount that rounds to at least £1, ``"loss"`` for a negative one."""
    v = round(float(value))
    return words[0] if v > 0 else (words[1] if v < 0 else words[2])


def sign_choice(value, positive: str, negative: str, zero: str, tol: float) -> str:
    """A word for the sign of ``value``: ``zero`` within ±``tol`` (a stated tolerance, e.g.
    :data:`MONEY_TOL` per household or :data:`VALUE_TOL` for a place's total), else ``positive`` or
    ``negative``."""
    if not _finite(value):
        raise NoValue("no value")
    v = float(value)
    return zero if abs(v) <= tol else (positive if v > 0 else negative)


def munich_carries_over(bill_ratio) -> str:
    """Whether Munich's reported halving of heating bills carries over, from a scheme's heat bill
    as a multiple of the gas bill: ``"carries over"`` at or below :data:`MUNICH_HALVING_RATIO`,
    ``"carries over in part"`` up to :data:`MUNICH_PART_RATIO`, else ``"does not carry over"``."""
    if not _finite(bill_ratio):
        raise NoValue("no bill ratio")
    r = float(bill_ratio)
    return "carries over" if r <= MUNICH_HALVING_RATIO else (
        "carries over in part" if r <= MUNICH_PART_RATIO else "does not carry over")
