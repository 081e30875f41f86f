"""The shipped emergency-number dataset: every entry sourced, dated and well-formed."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pycountry
import pytest
from django.utils import timezone

from hotline.core import emergency

DOCUMENT = json.loads(emergency.DATASET.read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = DOCUMENT["entries"]
NUMBER = re.compile(r"[0-9]{2,6}\Z")


def test_dataset_has_one_entry_per_real_country() -> None:
    codes = [e["country"] for e in ENTRIES]

    assert len(codes) == len(set(codes))
    assert [c for c in codes if pycountry.countries.get(alpha_2=c) is None] == []


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["country"])
def test_every_entry_is_sourced_dated_and_well_formed(entry: dict[str, Any]) -> None:
    numbers = [n["number"] for n in entry["numbers"]]

    assert entry["source"]["url"].startswith("https://")
    assert len(entry["source"]["title"]) > 10
    assert date(2020, 1, 1) <= date.fromisoformat(entry["checked"]) <= timezone.localdate()
    assert all(NUMBER.match(n) for n in numbers), numbers
    assert entry["call_first"] in numbers
    assert {n["service"] for n in entry["numbers"]} <= set(emergency.SERVICES)


def test_countries_that_do_not_use_112_are_not_given_112() -> None:
    # The issue's bug: Thailand shown as 112. These countries' first number is their own.
    assert {c: emergency.for_country(c).call_first for c in ("TH", "US", "AU", "BR", "JP")} == {  # type: ignore[union-attr]
        "TH": "191",
        "US": "911",
        "AU": "000",
        "BR": "190",
        "JP": "110",
    }


def test_a_country_missing_from_the_dataset_is_unknown() -> None:
    assert (emergency.for_country("LA"), emergency.for_country("la")) == (None, None)


def test_home_number_comes_from_the_dataset_unless_set(settings: Any) -> None:
    settings.EMERGENCY_NUMBER = ""
    settings.INSTANCE_COUNTRY = "GB"
    from_dataset = emergency.home_number()
    settings.INSTANCE_COUNTRY = "LA"
    unknown = emergency.home_number()
    settings.EMERGENCY_NUMBER = "17"
    configured = emergency.home_number()

    assert (from_dataset, unknown, configured) == ("999", "", "17")
