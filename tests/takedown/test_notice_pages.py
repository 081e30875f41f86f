"""The notice pages: the e-mail and XARF attachment as sent (or, before the first send, as
they will go out), the schedule of repeats and escalation, and each send's delivery state."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from hotline.takedown.actions import send_due_notices
from hotline.takedown.models import Notice
from tests.conftest import World, signed_in
from tests.factories import ReferralFactory, deliver_outbox

pytestmark = pytest.mark.django_db


def _html(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


@pytest.fixture
def notice(world: World, settings: object) -> Notice:
    settings.BASE_URL = "https://hotline.example.test"  # type: ignore[attr-defined]
    settings.TAKEDOWN_ESCALATE_AFTER = 2  # type: ignore[attr-defined]
    settings.TAKEDOWN_ESCALATION_EMAIL = "escalation@example.test"  # type: ignore[attr-defined]
    referral = ReferralFactory.create(destination="notice")
    return Notice.objects.get(notice_items__referral=referral)


def test_unsent_notice_previews_the_email_and_its_xarf(world: World, notice: Notice) -> None:
    html = _html(signed_in(world.alice).get(reverse("takedown:notice", args=[notice.pk])))

    assert "Draft, not queued" in html
    assert re.search(r'class="mono sent-subject">[^<]*Takedown notice', html)
    assert "xarf-" in html
    assert "&quot;category&quot;: &quot;content&quot;" in html
    assert "first notice" in html
    assert "Nothing has been queued for sending yet." in html


def test_sent_notice_lists_every_send_with_its_delivery_and_the_schedule(
    world: World, notice: Notice
) -> None:
    send_due_notices()
    deliver_outbox()

    html = _html(signed_in(world.alice).get(reverse("takedown:notice", args=[notice.pk])))

    sends = re.findall(r'<article class="report sent-message" id="sent-', html)
    assert len(sends) == 1
    assert 'data-delivery="delivered"' in html
    xarf = re.search(r"<pre tabindex=\"0\" class=\"message\">(\{.*?\})</pre>", html, re.S)
    assert xarf is not None
    report = json.loads(unescape(xarf.group(1)))
    assert (report["category"], report["type"]) == ("content", "csam")
    schedule = re.search(r'<ol id="notice-schedule">(.*?)</ol>', html, re.S)
    assert schedule is not None
    assert re.findall(r"reminder (\d)", schedule.group(1)) == ["1", "2", "3", "4"]
    assert schedule.group(1).count("escalation") == 1
    assert "copy to escalation@example.test" in html


def test_notices_list_counts_items_still_online(world: World, notice: Notice) -> None:
    html = _html(signed_in(world.alice).get(reverse("takedown:notices")))

    assert f'<a href="{reverse("takedown:notice", args=[notice.pk])}">{notice.pk}</a>' in html
    assert "1 of 1 online" in html


def test_police_and_partners_do_not_read_notices(world: World, notice: Notice) -> None:
    for user in (world.dave, world.bob):
        response = signed_in(user).get(reverse("takedown:notice", args=[notice.pk]))
        assert response.status_code == 403
