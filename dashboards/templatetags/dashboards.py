"""Table cells of the dashboards, rendered in Python: the inspector overview has thousands of
them, and a template include per cell costs more than the whole rest of the page."""

from functools import lru_cache

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import override

from ..tables import LIGHTS, Figure

register = template.Library()

LIGHT_CLASSES = {"good": "text-bg-success", "watch": "text-bg-warning", "act": "text-bg-danger"}


@lru_cache(maxsize=8)
def _texts(language):
    """The words of the cells in `language`, escaped once (not once per cell)."""
    with override(language):
        return {"hidden": escape(_("Fewer than 10 students: not shown")),
                **{key: (symbol, escape(word)) for key, (symbol, word) in LIGHTS.items()}}


@register.filter
def light(figure, compact=False):
    """A traffic light: colour, symbol and word (for screen readers only when compact)."""
    if not getattr(figure, "light", ""):
        return ""
    symbol, word = _texts(get_language())[figure.light]
    css = f"badge light-{figure.light} {LIGHT_CLASSES[figure.light]}"
    if compact:
        return mark_safe(f'<span class="{css}" title="{word}"><span aria-hidden="true">{symbol}</span>'
                         f'<span class="visually-hidden"> {word}</span></span>')
    return mark_safe(f'<span class="{css}"><span aria-hidden="true">{symbol}</span> {word}</span>')


@register.filter
def td(cell):
    """One <td>: a Figure right-aligned with its light, "<10" explained; text as it is.
    Figures are numbers we formatted ourselves; only text cells need escaping."""
    if not isinstance(cell, Figure):
        return format_html("<td>{}</td>", "" if cell is None else cell)
    if cell.suppressed:
        hidden = _texts(get_language())["hidden"]
        return mark_safe(f'<td class="text-end text-nowrap text-body-secondary" title="{hidden}">&lt;10</td>')
    text = escape(str(cell))
    if cell.light:
        return mark_safe(f'<td class="text-end text-nowrap">{text} {light(cell, True)}</td>')
    return mark_safe(f'<td class="text-end text-nowrap">{text}</td>')
