"""A travel referral package in words: each field of ``travel_package`` with its label and
its value as people read it (choices by their label, countries by their name), so a liaison
never reads ``name_or_alias`` or ``apparent_age: 6_11``."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.tourism.countries import country_name
from hotline.tourism.models import ChildAge, ChildGender, VenueType

Label = str | Promise

SUSPECT_LABELS: dict[str, Label] = {
    "name_or_alias": _("Name or alias"),
    "description": _("Description"),
    "apparent_nationality": _("Apparent nationality"),
    "languages": _("Languages spoken"),
    "vehicle": _("Vehicle"),
    "number_plate": _("Number plate"),
    "hotel_and_room": _("Hotel and room"),
    "company_involved": _("Company involved"),
}
CHILDREN_LABELS: dict[str, Label] = {
    "number": _("Number of children"),
    "apparent_age": _("Apparent age"),
    "gender": _("Gender"),
    "description": _("Description"),
}


def _choice(choices: type[Any], value: str) -> Label:
    return choices(value).label if value in choices.values else value


def _value(section: str, key: str, value: Any) -> Any:
    if section == "suspect" and key == "apparent_nationality" and value:
        return country_name(str(value))
    if section == "children" and key == "apparent_age" and value:
        return _choice(ChildAge, str(value))
    if section == "children" and key == "gender" and value:
        return _choice(ChildGender, str(value))
    return value


def labelled(section: str, block: dict[str, Any]) -> list[tuple[Label, Any]]:
    """The non-empty fields of one block of the package (``suspect``, ``children``) as
    ``(label, value)`` pairs, in the package's order; unknown keys keep their key."""
    labels = {"suspect": SUSPECT_LABELS, "children": CHILDREN_LABELS}[section]
    return [
        (labels.get(key, key), _value(section, key, value))
        for key, value in block.items()
        if value not in (None, "", [])
    ]


def venue_label(value: str) -> Label:
    return _choice(VenueType, value)
