"""Verdicts in words: ``{{ assessment|severity_label }}``, ``{% verdict_summary a %}``."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from hotline.cases.classification import SCHEMES
from hotline.cases.models import AgeGroup, Assessment, Legality

register = template.Library()


@register.filter
def severity_label(assessment: Assessment) -> str:
    """The severity as its scheme names it ("A1: prepubescent minor, sex act"), '' if none."""
    scheme = SCHEMES.get(assessment.scheme)
    if scheme is None or not assessment.severity:
        return ""
    try:
        return str(scheme.category(assessment.severity).label)
    except KeyError:
        return f"{scheme.label}: {assessment.severity}"


@register.simple_tag
def verdict_summary(assessment: Assessment) -> str:
    """Legality, severity and age group in one line of words."""
    parts = [str(assessment.get_legality_display())]
    severity = severity_label(assessment)
    if severity:
        parts.append(severity)
    if assessment.age_group:
        parts.append(str(AgeGroup(assessment.age_group).label))
    return " · ".join(parts)


def _category_words(category: str) -> str:
    return str(Legality(category).label) if category in Legality.values else category


@register.filter
def match_provenance(match: dict[str, Any]) -> str:
    """A hash-list match in words: which list, which hash, how near, how trusted."""
    if not match:
        return ""
    distance = match.get("distance")
    how = (
        _("video frames matched by vPDQ")
        if match.get("algorithm") == "vpdq"
        else _("exact %(algorithm)s match") % {"algorithm": str(match.get("algorithm", "")).upper()}
        if not distance
        else _("%(algorithm)s at distance %(distance)s")
        % {"algorithm": str(match.get("algorithm", "")).upper(), "distance": distance}
    )
    return _("list “%(list)s” (trust %(trust)s), %(how)s, classified %(category)s") % {
        "list": match.get("list", "?"),
        "trust": match.get("trust_level", "?"),
        "how": how,
        "category": _category_words(str(match.get("category", "?"))),
    }


@register.filter
def data_key(radio: Any) -> str:
    """The shortcut key of one radio button of a ``KeyedRadioSelect`` (shown upper-case)."""
    return str(radio.data.get("attrs", {}).get("data-key", "")).upper()


@register.filter
def scheme_short(label: object) -> str:
    """A scheme's label up to its first space or bracket ("NCMEC", "UK", "INHOPE")."""
    return str(label).split(" ", 1)[0].split("(", 1)[0]
