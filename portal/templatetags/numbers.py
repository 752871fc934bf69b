"""The number formatter of portal.numbers in templates: {% load numbers %}.

    {{ grade|number }}        5,5        ({{ x|number:2 }} two decimals; number:"-1" drops ",0")
    {{ score.grade|grade }}   6,5 or 6,75 (a grade: one decimal, two when given to the hundredth)
    {{ share|percent }}       33,3 %
    {{ amount|money }}        12.345,50
"""

from decimal import InvalidOperation

from django import template

from portal import numbers

register = template.Library()


def _safely(write, value, *args, **kwargs):
    try:
        return write(value, *args, **kwargs)
    except (TypeError, ValueError, InvalidOperation):
        return value


@register.filter
def number(value, places=1):
    places = int(places)
    return _safely(numbers.number, value, abs(places), trim=places < 0)


@register.filter
def grade(value):
    return _safely(numbers.grade, value)


@register.filter
def percent(value, places=1):
    return _safely(numbers.percent, value, int(places))


@register.filter
def money(value):
    return _safely(numbers.money, value)
