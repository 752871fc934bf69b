"""Pages write numbers with the same formatter as CSV, PDF and e-mail (portal.numbers)."""

from decimal import Decimal

from django.template import Context, Template
from django.utils import translation


def render(text, **context):
    return Template("{% load numbers %}" + text).render(Context(context))


def test_templates_write_numbers_like_every_export():
    with translation.override("nl"):
        assert render("{{ g|number }}", g=5.45) == "5,5"
        assert render("{{ g|number:2 }}", g=Decimal("6.75")) == "6,75"
        assert render('{{ w|number:"-1" }}|{{ v|number:"-1" }}', w=2.0, v=1.5) == "2|1,5"
        assert render("{{ p|percent }}", p=62.5) == "62,5 %"
        assert render("{{ m|money }}", m=12000) == "12.000,00"
        assert render("{{ g|number }}", g=None) == "–"


def test_a_value_that_is_not_a_number_is_shown_as_it_is():
    assert render("{{ g|number }}", g="vr") == "vr"
