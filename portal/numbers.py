"""Numbers as people read them: one formatter for pages, CSV, XLSX labels, PDF and e-mail.

The separators come from Django's format modules (`portal/formats/nl`, `.../en`), looked up
once per language, so a table of thousands of cells costs plain string formatting. Texts that
are stored (flag reasons, audit summaries) are written in the school's language and pass
``language="nl"``; pages use the active language.

    >>> number(5.5)            '5,5'
    >>> number(1234, 0)        '1.234'
    >>> percent(33.333)        '33,3 %'
    >>> money(12345.5)         '12.345,50'
    >>> grade(Decimal("6.50")) '6,5'   (grade(Decimal("6.75")) '6,75')
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.utils.formats import get_format
from django.utils.translation import get_language

DASH = "–"


@lru_cache(maxsize=8)
def _separators(language):
    return get_format("DECIMAL_SEPARATOR", language), get_format("THOUSAND_SEPARATOR", language)


def number(value, places=1, *, grouping=True, trim=False, language=None):
    """`value` with `places` decimals in the language's notation; None becomes a dash.

    `grouping` adds thousands separators (1.234); `trim` drops a fraction of zeros (2,0 -> 2)."""
    if value is None or value == "":
        return DASH
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if trim and value == value.to_integral_value():
        places = 0
    # Half up, as people round (5,45 -> 5,5), not Python's half to even.
    value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{value:,.{places}f}" if grouping else f"{value:.{places}f}"
    decimal, thousands = _separators(language or get_language() or "nl")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def grade_places(value):
    """The decimals a grade is written with: one (6,5; 7,0), two when it has hundredths (6,75)."""
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return 1 if value == value.quantize(Decimal("0.1")) else 2


def grade(value, *, language=None):
    """A grade as a report writes it: '6,5', '7,0', and '6,75' for a grade given to the hundredth."""
    if value is None or value == "":
        return DASH
    return number(value, grade_places(value), language=language)


def percent(value, places=1, *, language=None):
    """A share already in percent (33.3) as '33,3 %'."""
    if value is None or value == "":
        return DASH
    return f"{number(value, places, language=language)} %"


def money(value, places=2, *, language=None):
    """An amount in euros without the sign: '12.345,50' (callers write '€ ' or 'EUR')."""
    return number(value, places, language=language)


def signed(value, places=1, *, language=None):
    """A change with its sign: '+0,4', '−1,2' (a real minus sign), '0,0'."""
    if value is None or value == "":
        return DASH
    text = number(abs(Decimal(str(value))), places, language=language)
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text
