"""Table cells of the dashboards, rendered in Python: the inspector overview has thousands of
them, and a template include per cell costs more than the whole rest of the page."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..tables import Figure

register = template.Library()

LIGHT_CLASSES = {"good": "text-bg-success", "watch": "text-bg-warning", "act": "text-bg-danger"}


@register.filter
def light(figure, compact=False):
    """A traffic light: colour, symbol and word (for screen readers only when compact)."""
    if not getattr(figure, "light", ""):
        return ""
    if compact:
        return format_html('<span class="badge light-{} {}" title="{}"><span aria-hidden="true">{}</span>'
                           '<span class="visually-hidden"> {}</span></span>', figure.light,
                           LIGHT_CLASSES[figure.light], figure.light_word, figure.light_symbol, figure.light_word)
    return format_html('<span class="badge light-{} {}"><span aria-hidden="true">{}</span> {}</span>',
                       figure.light, LIGHT_CLASSES[figure.light], figure.light_symbol, figure.light_word)


@register.filter
def td(cell):
    """One <td>: a Figure right-aligned with its light, "<10" explained; text as it is."""
    if not isinstance(cell, Figure):
        return format_html("<td>{}</td>", "" if cell is None else cell)
    if cell.suppressed:
        return format_html('<td class="text-end text-nowrap text-body-secondary" title="{}">{}</td>',
                           _("Fewer than 10 students: not shown"), str(cell))
    if cell.light:
        return format_html('<td class="text-end text-nowrap">{} {}</td>', str(cell), light(cell, True))
    return format_html('<td class="text-end text-nowrap">{}</td>', str(cell))
