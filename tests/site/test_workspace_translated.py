"""The workspace pages of this change render in French and Russian without their English
strings (the full FR/RU completeness test over every staff page is its own test)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hotline.takedown.models import Notice
from tests.conftest import World, signed_in
from tests.factories import ItemFactory, ReferralFactory

pytestmark = pytest.mark.django_db

ENGLISH = (
    "Save and open the next item",
    "Your assessment",
    "Keys: B N D X legality",
    "required for illegal material",
    "Open the next item",
    "Waiting at least",
    "The package",
    "As it was sent",
    "Hosting trace",
    "Notices to hosting providers",
    "Every send",
    "Schedule",
    "looked up",
    "fixed host table",
    "Nothing waits for confirmation.",
)


@pytest.mark.parametrize("language", ["fr", "ru"])
def test_workspace_pages_have_no_english_left(
    world: World, settings: object, language: str
) -> None:
    settings.BASE_URL = "https://hotline.example.test"  # type: ignore[attr-defined]
    item = ItemFactory.create(hosted_in="DE")
    referral = ReferralFactory.create(destination="notice")
    notice = Notice.objects.get(notice_items__referral=referral)
    client = signed_in(world.charlie)
    client.cookies["django_language"] = language
    pages = [
        reverse("cases:queue"),
        reverse("cases:item", args=[item.pk]),
        reverse("cases:confirmations"),
        reverse("routing:referral", args=[referral.pk]),
        reverse("takedown:notices"),
        reverse("takedown:notice", args=[notice.pk]),
        reverse("search") + "?q=example.test",
    ]
    for url in pages:
        html = client.get(url, headers={"accept-language": language}).content.decode()
        assert f'<html lang="{language}"' in html, url
        left = [s for s in ENGLISH if s in html]
        assert left == [], (url, left)
