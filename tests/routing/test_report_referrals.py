"""A referral is about exactly one item or one report (the database says so too)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from hotline.cases.models import Channel, Concern, Item, ItemKind, Report
from hotline.routing.models import Destination, Referral


@pytest.mark.django_db
def test_referral_needs_exactly_one_of_item_and_report() -> None:
    report = Report.objects.create(reference="R-1", channel=Channel.STAFF, concern=Concern.TRAVEL)
    item = Item.objects.create(kind=ItemKind.URL, canonical_url="http://example.test/")

    for about in ({}, {"item": item, "report": report}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Referral.objects.create(destination=Destination.POLICE, country="TH", **about)

    assert [
        Referral.objects.create(destination=Destination.POLICE, country="TH", **about).pk > 0
        for about in ({"item": item}, {"report": report})
    ] == [True, True]


@pytest.mark.django_db
def test_item_of_a_report_referral_is_refused() -> None:
    report = Report.objects.create(reference="R-2", channel=Channel.STAFF, concern=Concern.TRAVEL)
    referral = Referral.objects.create(report=report, destination=Destination.POLICE)

    with pytest.raises(ValueError, match="about a report"):
        referral.online_item  # noqa: B018 - the property is what is tested
