"""Who can reach what: every URL of the instance, for every persona.

Later features add their URLs to ``MATRIX``; the completeness test fails when a
URL has no row, so no page ships without a decision on who may see it.
"""

from __future__ import annotations

import json
from importlib import import_module
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hotline.accounts.models import Role
from hotline.cases.actions import ReportInput, Verdict, assess_item, file_report
from hotline.cases.models import Channel, Concern, Item
from tests.access import LOGIN, PERSONAS, STAFF, Row, api, everyone, staff
from tests.conftest import World, signed_in


def _item(world: World) -> dict[str, Any]:
    filed = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB, concern=Concern.CSAM, urls=["http://matrix.example.test/a"]
        ),
        actor=None,
    )
    return {"pk": filed.new_items[0].pk}


def _item_with_verdict(world: World) -> dict[str, Any]:
    pk = _item(world)["pk"]
    assessment = assess_item(
        Item.objects.get(pk=pk), Verdict(legality="doubtful"), acting_user=world.alice
    )
    return {"pk": pk, "assessment_pk": assessment.pk}


def _pending_confirmation(world: World) -> dict[str, Any]:
    pk = _item(world)["pk"]
    assessment = assess_item(
        Item.objects.get(pk=pk), Verdict(legality="not_illegal"), acting_user=world.alice
    )
    return {"assessment_pk": assessment.pk}


def _company_report(world: World) -> dict[str, Any]:
    from dataclasses import replace

    filed = file_report(
        replace(
            ReportInput(
                channel=Channel.COMPANY_API, concern=Concern.CSAM, urls=["http://c.example.test/"]
            ),
            submitted_by=world.hotline_b,
            external_id="matrix-1",
        ),
        actor=None,
    )
    return {"reference": filed.report.reference}


def _police_referral(world: World) -> dict[str, Any]:
    from hotline.routing.models import PoliceUnit, Referral
    from tests.routing.factories import hosted_item, routing_world

    rw = routing_world()
    PoliceUnit.objects.filter(pk=rw.police.pk).update(organisation=world.police)
    item = hosted_item("http://referral.example.test/1", country="FR")
    assess_item(
        item,
        Verdict(legality="baseline", scheme="inhope", severity="baseline", age_group="pubescent"),
        acting_user=world.alice,
    )
    return {"pk": Referral.objects.get(item=item, destination="police").pk}


def _media(world: World) -> dict[str, Any]:
    import io

    from django.test import override_settings

    from hotline.matching.uploads import attach_media
    from tests.matching.test_uploads import benign_jpeg, file_item

    data = benign_jpeg()
    with override_settings(MEDIA_UPLOADS=True):
        media = attach_media(file_item(data), io.BytesIO(data), actor=world.alice)
    return {"pk": media.pk}


BATCH = {
    "reports": [
        {"external_id": "m-1", "incident_type": "csam", "urls": ["http://m.example.test/1"]}
    ]
}

MATRIX: dict[str, Row] = {
    "home": Row(everyone()),
    "healthz": Row(everyone()),
    "accounts:login": Row({**everyone(), **dict.fromkeys(STAFF, 302)}),
    "accounts:logout": Row(everyone(302), method="post"),
    "accounts:totp_setup": Row({**everyone(LOGIN), **dict.fromkeys(STAFF, 200)}),
    # signed-in personas have no confirmed authenticator yet, so verify sends them to setup
    "accounts:totp_verify": Row({**everyone(LOGIN), **dict.fromkeys(STAFF, 302)}),
    "cases:queue": Row(staff("alice", "charlie")),
    "cases:item": Row(staff("alice", "charlie"), kwargs=_item),
    "cases:claim": Row(staff("alice", "charlie", status=302), kwargs=_item, method="post"),
    "cases:release": Row(staff("alice", "charlie", status=302), kwargs=_item, method="post"),
    "cases:confirm_earlier": Row(
        staff("alice", "charlie", status=302), kwargs=_item_with_verdict, method="post"
    ),
    "cases:confirmations": Row(staff("charlie")),
    "cases:confirm": Row(staff("charlie", status=302), kwargs=_pending_confirmation, method="post"),
    "staff_home": Row(
        {**staff(), "alice": 302, "charlie": 302, "dave": 302, "erin": 302, "bob": 403}
    ),
    "routing:referrals": Row(staff("alice", "charlie", "dave")),
    "routing:referral": Row(staff("alice", "charlie", "dave"), kwargs=_police_referral),
    "routing:rules": Row(staff("alice", "charlie")),
    "routing:override": Row(staff("charlie"), kwargs=lambda w: {"item_pk": _item(w)["pk"]}),
    "media:upload": Row(
        staff("alice", "charlie", status=302),
        kwargs=lambda w: {"item_pk": _item(w)["pk"]},
        method="post",
    ),
    "media:preview": Row(staff("alice", "charlie"), kwargs=_media),
    "media:clear": Row(staff("alice", "charlie"), kwargs=_media, method="post"),
    "intake:report_online": Row(everyone()),
    "intake:status": Row(everyone()),
    "admin:index": Row(staff("erin")),
    "api_openapi": Row(everyone()),
    "api_whoami": Row(api(feed=200, company=200)),
    # An unsigned POST is refused for everyone: partners sign with their Ed25519 key instead.
    "api_federation_inbox": Row(everyone(401), method="post", json_body={}),
    "api_match": Row(api(), method="post", json_body={"hashes": ["md5:" + "0" * 32]}),
    "api_reports": Row(api(company=201), method="post", json_body=BATCH),
    "api_report_status": Row(api(company=200), kwargs=_company_report),
    # media is off by default: the company's token is accepted, the upload refused (403)
    "api_report_media": Row(api(company=403), kwargs=_company_report, method="post"),
}

# Each app may keep its rows beside its tests, in tests/<app>/access_rows.py (ROWS).
for _module in ("accounts", "routing", "feeds", "tourism", "monitoring"):
    MATRIX.update(import_module(f"tests.{_module}.access_rows").ROWS)

# Django admin's own URLs all sit behind admin:index's permission check.
IGNORED_PREFIXES = ("admin:",)
IGNORED = {"set_language"}  # POST-only language switch, open to all by design


def _all_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, ns)
            elif p.name:
                names.add(f"{namespace}{p.name}")

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_has_an_access_decision() -> None:
    undecided = {
        name
        for name in _all_url_names() - set(MATRIX) - IGNORED
        if not name.startswith(IGNORED_PREFIXES)
    }

    assert undecided == set()


def _client(persona: str, world: World) -> tuple[Client, dict[str, str]]:
    if persona == "anonymous":
        return Client(), {}
    if persona == "feed":
        return Client(), {"HTTP_AUTHORIZATION": f"Bearer {world.feed_token}"}
    if persona == "company":
        return Client(), {"HTTP_AUTHORIZATION": f"Bearer {world.intake_token}"}
    return signed_in(getattr(world, persona)), {}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(name: str, persona: str, world: World) -> None:
    row = MATRIX[name]
    kwargs = row.kwargs(world) if callable(row.kwargs) else row.kwargs
    client, headers = _client(persona, world)
    url = reverse(name, kwargs=kwargs)
    extra: dict[str, Any] = {}
    if row.json_body is not None:
        extra = {"data": json.dumps(row.json_body), "content_type": "application/json"}

    response = getattr(client, row.method)(url, **extra, **headers)

    expected = row.expected[persona]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    else:
        assert response.status_code == expected


def test_partner_staff_with_analyst_role_sees_no_case_data(world: World) -> None:
    item_pk = _item(world)["pk"]

    response = signed_in(world.bob).get(reverse("cases:item", kwargs={"pk": item_pk}))

    assert world.bob.has_role(Role.ANALYST)
    assert response.status_code == 403
