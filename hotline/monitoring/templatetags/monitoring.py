"""Template filters for figures: table cells and numbers as people read them."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from hotline.monitoring.legal_matrix import BY_KEY

register = template.Library()


@register.filter
def cell(value: object) -> str:
    """A table cell: a dash for nothing, one decimal for fractions, thousands separated."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    return str(value)


@register.filter
def numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def fact_value(value: object) -> str:
    """A legal fact's value as people read it: yes, no, unknown or the text."""
    if value is None:
        return _("unknown")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@register.filter
def criterion_label(key: str) -> str:
    criterion = BY_KEY.get(key)
    return str(criterion.label) if criterion else key
