"""Findings as Markdown and as a table (for the book's pages and the downloads)."""

from __future__ import annotations

import re

import pandas as pd

from analysis.findings.formats import gbp, num, pct
from analysis.findings.words import INDEX_BAND, MONEY_TOL, ROBUST_SHARE, SAME_REL


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

def to_markdown(findings, numbered: bool = True, link_text: str = "evidence", links: bool = True) -> str:
    """Findings as a Markdown list, each with a link to its chapter (MyST ``{doc}`` role; ``links=False``
    on the chapter itself)."""
    lines = []
    for i, f in enumerate(findings, 1):
        bullet = f"{i}." if numbered else "-"
        link = f" ({{doc}}`{link_text} <{f.chapter}>`)" if f.chapter and links else ""
        basis = f" *{f.basis[:1].upper() + f.basis[1:]}.*" if f.basis else ""
        lines.append(f"{bullet} **{f.lead}.** {f.sentence}{basis}{link}")
    return "\n".join(lines)


def pending_markdown(pending) -> str:
    """The findings this store could not give, as a Markdown list (said, never hidden)."""
    return "\n".join(f"- *{p.lead}*: not in this build — {p.reason}." for p in pending)


def rules_intro() -> str:
    """The thresholds behind every direction word, in one paragraph (for the key-findings page)."""
    return (f"Two amounts count as \"about the same\" when they differ by no more than {pct(SAME_REL)} of the larger "
            f"(sums of money per household also when they differ by less than {gbp(MONEY_TOL)} a year). "
            f"A distribution index between {num(-INDEX_BAND, 2)} and +{num(INDEX_BAND, 2)} counts as even (for costs: "
            f"proportional); above it, gains are regressive (they lean to richer households) and costs progressive. "
            f"A conclusion is \"robust\" when its sign holds in at least {pct(ROBUST_SHARE)} of the joint draws of the "
            f"model's parameters, and \"fragile\" otherwise.")


def rules_markdown(findings) -> str:
    """The rule behind each finding's direction words, as a Markdown list."""
    return "\n".join(f"- *{f.lead}*: {f.rule}." for f in findings if f.rule)


def frame(findings) -> pd.DataFrame:
    """Findings as a table (key, lead, sentence, chapter, values, ranges, rule) for downloads."""
    def plain(text: str) -> str:  # MyST roles and emphasis to plain text
        text = re.sub(r"\{[\w:.-]+\}`(?:[^`<]*<)?([^`>]*)>?`", r"\1", text)
        return text.replace("**", "").replace("*", "")

    return pd.DataFrame([{"key": f.key, "lead": f.lead, "sentence": plain(f.sentence),
                          "chapter": f.chapter, "values": f.values, "ranges": f.ranges, "rule": f.rule,
                          "basis": f.basis, "sources": ", ".join(f.sources)} for f in findings])
