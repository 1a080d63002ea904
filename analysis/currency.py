"""The currency money is shown in: its code (from the store's ``meta``) and the symbol written before amounts.

Amounts are formatted in one place (:mod:`analysis.findings` formatters, :mod:`analysis.charts` number
locale and labels, :func:`analysis.book.glue`), all of which ask :func:`symbol` here. The book sets the
store's currency once per page (:func:`analysis.book.setup` → :func:`use`), so a place in euros reads
``−€2`` and ``€ a year`` everywhere and never ``£``. Labels written with ``£`` in code (chart titles,
column names) are translated at the output by :func:`localise`.

Why not Babel: its locale data would add ~30 MB for the handful of symbols used here, and the book's
number style (true minus before the symbol, "to" in ranges) is the project's own either way.
"""

from __future__ import annotations

#: Symbols written before an amount; a currency not listed is written as its code and a thin space ("CHF 2").
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "JPY": "¥", "INR": "₹", "KRW": "₩", "NGN": "₦", "PHP": "₱",
           "ILS": "₪", "TRY": "₺", "UAH": "₴", "VND": "₫", "PLN": "zł\u202f", "SEK": "kr\u202f", "NOK": "kr\u202f",
           "DKK": "kr\u202f"}
#: Currency names in words, for prose ("pounds", "euros"); others are named by their code.
NAMES = {"GBP": "pounds", "EUR": "euros", "USD": "US dollars", "CHF": "Swiss francs", "JPY": "yen"}

#: The hundredth of each currency, written after an amount ("7.3 p", "7.3 c"); others write "cents of CODE".
MINOR = {"GBP": "p", "EUR": "c", "USD": "¢", "CHF": "Rp.", "AUD": "c", "CAD": "¢", "NZD": "c"}

_state = {"code": "GBP"}


def symbol_of(code: str | None) -> str:
    """The symbol written before amounts in ``code``: ``£``, ``€``; else the code and a narrow space."""
    code = (code or "GBP").upper()
    return SYMBOLS.get(code, f"{code}\u202f")


def use(code: str | None) -> str:
    """Make ``code`` (ISO 4217, e.g. ``EUR``) the currency of every amount formatted from now on; return its symbol."""
    _state["code"] = (code or "GBP").upper()
    return symbol()


def code() -> str:
    """The ISO code of the currency in use (``GBP`` unless :func:`use` said otherwise)."""
    return _state["code"]


def symbol() -> str:
    """The symbol of the currency in use."""
    return symbol_of(_state["code"])


def minor() -> str:
    """The hundredth of the currency in use ("p" for pounds, "c" for euros; else "hundredths of CODE")."""
    return MINOR.get(_state["code"], f"hundredths of {_state['code']}")


def name() -> str:
    """The currency in use in words ("pounds", "euros"; else its code)."""
    return NAMES.get(_state["code"], _state["code"])


def localise(text):
    """``text`` with every ``£`` written as the symbol of the currency in use (unchanged in pounds)."""
    if not isinstance(text, str) or _state["code"] == "GBP":
        return text
    return text.replace("£", symbol())


#: Word joiner (U+2060): no line break between a sign and the currency symbol ("−£2" stays on one line).
WORD_JOINER = "\u2060"


def no_break(text):
    """``text`` with a word joiner between each minus or plus sign and the symbol in use that follows it."""
    if not isinstance(text, str):
        return text
    import re

    return re.sub(f"([\u2212+])(?={re.escape(symbol())})", "\\1" + WORD_JOINER, text)
