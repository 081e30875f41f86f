"""Emergency telephone numbers by country, from the sourced dataset shipped with the project.

``data/emergency_numbers.json`` holds one entry per country: the numbers by service, the
one to call first when a child is in danger now, the source and the date it was last
compared with it. A country that is not there is *unknown*: pages say so, they never guess
(112 is not the number of Thailand, nor of most of the world). An administrator may set a
country's number on its jurisdiction profile; routing's queries prefer that one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DATASET = Path(__file__).resolve().parent / "data" / "emergency_numbers.json"

# The services an entry may list, in the reader's language.
SERVICES: dict[str, Promise] = {
    "general": _("Emergency services"),
    "police": _("Police"),
    "tourist_police": _("Tourist police"),
    "ambulance": _("Ambulance"),
    "fire": _("Fire brigade"),
    "fire_ambulance": _("Fire brigade and ambulance"),
}


@dataclass(frozen=True)
class ServiceNumber:
    service: str
    number: str

    @property
    def label(self) -> str:
        return str(SERVICES.get(self.service, self.service))


@dataclass(frozen=True)
class EmergencyEntry:
    country: str
    call_first: str
    numbers: tuple[ServiceNumber, ...]
    source_title: str
    source_url: str
    checked: date


@lru_cache(maxsize=1)
def dataset() -> dict[str, EmergencyEntry]:
    """Every entry of the shipped dataset by country code (read once per process)."""
    document = json.loads(DATASET.read_text(encoding="utf-8"))
    entries: dict[str, EmergencyEntry] = {}
    for row in document["entries"]:
        entries[row["country"]] = EmergencyEntry(
            country=row["country"],
            call_first=row["call_first"],
            numbers=tuple(ServiceNumber(n["service"], n["number"]) for n in row["numbers"]),
            source_title=row["source"]["title"],
            source_url=row["source"]["url"],
            checked=date.fromisoformat(row["checked"]),
        )
    return entries


def for_country(country: str) -> EmergencyEntry | None:
    """The dataset's entry for ``country`` (any case), or None: unknown."""
    return dataset().get(country.upper())


def home_number() -> str:
    """The number the instance's own pages tell a reporter to call: ``HOTLINE_EMERGENCY_NUMBER``
    when set, else the dataset's for ``HOTLINE_COUNTRY``; "" when neither is known."""
    if settings.EMERGENCY_NUMBER:
        return str(settings.EMERGENCY_NUMBER)
    entry = for_country(settings.INSTANCE_COUNTRY)
    return entry.call_first if entry else ""
