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
from hotline.cases.actions import ReportInput, Verdict, file_report
from hotline.cases.models import Channel, Concern
from tests.access import LOGIN, PERSONAS, STAFF, Row, api, everyone, staff
from tests.conftest import World, signed_in
from tests.factories import (
    AssessedItemFactory,
    ItemFactory,
    ReferralFactory,
    UserFactory,
    routing_world,
)


def _item(world: World) -> dict[str, Any]:
    item = ItemFactory.create(url="http://matrix.example.test/a")
    return {"pk": item.pk}


def _item_with_verdict(world: World) -> dict[str, Any]:
    # Given by a third analyst: nobody is offered to confirm their own verdict.
    item = AssessedItemFactory.create(
        url="http://matrix.example.test/a",
        legality="doubtful",
        analyst=UserFactory.create(username="grace"),
    )
    return {"pk": item.pk, "assessment_pk": item.assessment.pk}


def _pending_confirmation(world: World) -> dict[str, Any]:
    item = AssessedItemFactory.create(
        url="http://matrix.example.test/a", legality="not_illegal", analyst=world.alice
    )
    return {"assessment_pk": item.assessment.pk}


def _held_request(world: World) -> dict[str, Any]:
    from tests.matching.self_submissions import image, submit

    return {"pk": submit(image()).submission.pk}


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
    from hotline.routing.models import PoliceUnit

    police = routing_world().police
    PoliceUnit.objects.filter(pk=police.pk).update(organisation=world.police)
    referral = ReferralFactory.create(
        url="http://referral.example.test/1",
        verdict=Verdict(
            legality="baseline", scheme="inhope", severity="baseline", age_group="pubescent"
        ),
        analyst=world.alice,
    )
    return {"pk": referral.pk}


def _notice(world: World) -> dict[str, Any]:
    from hotline.takedown.actions import add_to_notice

    referral = ReferralFactory.create(url="http://notice.example.test/1", destination="notice")
    return {"pk": add_to_notice(referral.online_item, referral=referral).pk}


def _media(world: World) -> dict[str, Any]:
    import io

    from django.test import override_settings

    from hotline.cases.media import attach_media
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
    # Public, counts only; 503 here because no worker runs beside the test client.
    "readyz": Row(everyone(503)),
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
    "cases:next": Row(staff("alice", "charlie", status=302), method="post"),
    "cases:confirm_known": Row(staff("alice", "charlie", status=302), method="post"),
    "cases:confirmations": Row(staff("charlie")),
    "cases:confirm": Row(staff("charlie", status=302), kwargs=_pending_confirmation, method="post"),
    "staff_home": Row(
        {**staff(), "alice": 302, "charlie": 302, "dave": 302, "erin": 302, "frank": 302}
    ),
    "routing:referrals": Row(staff("alice", "charlie", "dave")),
    "takedown:notices": Row(staff("alice", "charlie")),
    "takedown:notice": Row(staff("alice", "charlie"), kwargs=_notice),
    "search": Row(staff("alice", "charlie", "dave")),
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
    "removal:page": Row(everyone()),
    "removal:status": Row(everyone()),
    "removal:submit": Row(everyone(405)),  # POST only (JSON from the page)
    "removal_staff:list": Row(staff("alice", "charlie")),
    "removal_staff:decide": Row(staff("charlie", status=400), kwargs=_held_request, method="post"),
    "intake:privacy": Row(everyone()),
    "admin:index": Row(staff("erin")),
    "api_openapi": Row(everyone()),
    "api_whoami": Row(api(feed=200, company=200)),
    # An unsigned POST is refused for everyone: partners sign with their Ed25519 key instead.
    "api_federation_inbox": Row(everyone(401), method="post", json_body={}),
    "api_match": Row(api(), method="post", json_body={"hashes": ["md5:" + "0" * 32]}),
    "api_reports": Row(api(company=201), method="post", json_body=BATCH),
    # CyberTipline-compatible API: only an intake credential gets past authentication; the
    # test instance has no NCMEC XSD configured, so the flow then answers 503 (configuration).
    "cybertip_status": Row(api(company=503)),
    "cybertip_xsd": Row(api(company=503)),
    "cybertip_submit": Row(api(company=503), method="post"),
    "cybertip_upload": Row(api(company=503), method="post"),
    "cybertip_fileinfo": Row(api(company=503), method="post"),
    "cybertip_finish": Row(api(company=503), method="post"),
    "cybertip_retract": Row(api(company=503), method="post"),
    "api_report_status": Row(api(company=200), kwargs=_company_report),
    # media is off by default: the company's token is accepted, the upload refused (403)
    "api_report_media": Row(api(company=403), kwargs=_company_report, method="post"),
}

# Each app may keep its rows beside its tests, in tests/<app>/access_rows.py (ROWS).
for _module in ("accounts", "routing", "feeds", "tourism", "monitoring", "core", "outbox", "audit"):
    MATRIX.update(import_module(f"tests.{_module}.access_rows").ROWS)

IGNORED = {"set_language"}  # POST-only language switch, open to all by design


# --- Django admin ------------------------------------------------------------------------------
# Every registered model's list, add, change, delete and history pages, and the site's own
# pages. Only administrators get in; everyone else signed in gets 403, the rest the staff
# sign-in (with its throttle and two-factor step), never Django admin's own login form.

ADMIN_VIEWS = ("changelist", "add", "change", "delete", "history")
# Records written only by the application's actions: administrators may look, not add or delete.
ADMIN_READ_ONLY = {
    # Credentials are issued, rotated and revoked on the staff pages and the command, which
    # show the token once and audit each step; the admin only shows them.
    "accounts.apicredential",
    "django_tasks_database.dbtaskresult",
    "feeds.entry",
    "outbox.outboxmessage",
    "routing.referral",
}
ADMIN_NO_ADD = ADMIN_READ_ONLY


def _admin_object(label: str, world: World) -> Any:
    """A stored object of the model ``label`` (app_label.model_name) for its admin pages."""
    from django.contrib.auth.models import Group

    from hotline.accounts.models import ApiCredential
    from hotline.feeds import actions as feed_actions
    from hotline.feeds.models import Collection
    from hotline.matching.actions import create_hash_list
    from hotline.matching.tasks import purge_expired_media
    from hotline.outbox.actions import enqueue
    from hotline.routing.models import HostingProvider, Referral
    from hotline.tourism.models import PartnerTravelContact
    from tests.feeds.access_rows import _domain
    from tests.routing.factories import routing_world

    if label == "auth.group":
        return Group.objects.create(name="Matrix")
    if label == "django_tasks_database.dbtaskresult":
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.get(id=purge_expired_media.enqueue().id)
    if label == "accounts.user":
        return world.bob
    if label == "accounts.organisation":
        return world.hotline_b
    if label == "accounts.apicredential":
        return ApiCredential.objects.order_by("pk").first()
    if label == "outbox.outboxmessage":
        return enqueue("email", "matrix@example.test", {"subject": "Matrix", "body": "-"})
    if label == "matching.hashlist":
        return create_hash_list(name="Matrix", acting_user=None)
    if label == "feeds.collection":
        return Collection.objects.order_by("alias").first()
    if label == "feeds.feedsubscription":
        credential = ApiCredential.objects.get(organisation=world.isp)
        collection = Collection.objects.order_by("alias").first()
        return feed_actions.subscribe(credential, collection, acting_user=None)  # type: ignore[arg-type]
    if label == "feeds.entry":
        return _domain(world)
    if label in ("routing.referral", "routing.hostingprovider"):
        Referral.objects.get(pk=_police_referral(world)["pk"])
        model = Referral if label == "routing.referral" else HostingProvider
        return model.objects.order_by("pk").first()
    if label == "tourism.partnertravelcontact":
        partner = routing_world().partner
        return PartnerTravelContact.objects.create(partner=partner, email="travel@b.example.test")
    routing_world()
    app_label, model_name = label.split(".")
    from django.apps import apps

    return apps.get_model(app_label, model_name).objects.order_by("pk").first()


def _admin_rows() -> dict[str, Row]:
    from django.contrib import admin

    rows: dict[str, Row] = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        for view in ADMIN_VIEWS:
            allowed = not (view in ("add", "delete") and label in ADMIN_NO_ADD)
            expected = staff("erin") if allowed else staff()
            if view in ("changelist", "add"):
                rows[f"{prefix}_{view}"] = Row(expected)
            else:
                rows[f"{prefix}_{view}"] = Row(
                    expected,
                    kwargs=lambda w, label=label: {"object_id": _admin_object(label, w).pk},
                )
    rows["admin:auth_user_password_change"] = Row(staff("erin"), kwargs=lambda w: {"id": w.bob.pk})
    return rows


ADMIN_MATRIX: dict[str, Row] = {
    **_admin_rows(),
    "admin:app_list": Row(staff("erin"), kwargs={"app_label": "routing"}),
    "admin:jsi18n": Row(staff("erin")),
    "admin:login": Row(everyone(LOGIN)),
    # An administrator is signed out through the staff sign-out (audited).
    "admin:logout": Row({**staff(), "erin": LOGIN}, method="post"),
    "admin:password_change": Row(staff("erin")),
    "admin:password_change_done": Row(staff("erin")),
    # Organisations have no public page: the shortcut answers 404 to an administrator.
    "admin:view_on_site": Row(
        {**staff(), "erin": 404},
        kwargs=lambda w: {
            "content_type_id": _content_type_id("accounts.organisation"),
            "object_id": w.hotline_b.pk,
        },
    ),
    # Without its query parameters the autocomplete refuses everyone signed in.
    "admin:autocomplete": Row(staff()),
}


def _content_type_id(label: str) -> int:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(apps.get_model(label)).pk


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
    undecided = _all_url_names() - set(MATRIX) - set(ADMIN_MATRIX) - IGNORED

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

    assert _answer(response, row.expected[persona]) == row.expected[persona]


def _answer(response: Any, expected: int | str) -> int | str:
    """The status; LOGIN where LOGIN is expected and the answer is a redirect to sign-in."""
    to_sign_in = response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    return LOGIN if expected == LOGIN and to_sign_in else int(response.status_code)


# One test per admin URL with every persona inside it: the pages are many, the world is costly.
@pytest.mark.parametrize("name", sorted(ADMIN_MATRIX))
def test_admin_access(name: str, world: World) -> None:
    row = ADMIN_MATRIX[name]
    url = reverse(name, kwargs=row.kwargs(world) if callable(row.kwargs) else row.kwargs)

    answers = {
        persona: _answer(getattr(_client(persona, world)[0], row.method)(url), expected)
        for persona, expected in row.expected.items()
    }

    assert answers == row.expected


def test_partner_staff_with_analyst_role_sees_no_case_data(world: World) -> None:
    item_pk = _item(world)["pk"]

    response = signed_in(world.bob).get(reverse("cases:item", kwargs={"pk": item_pk}))

    assert world.bob.has_role(Role.ANALYST)
    assert response.status_code == 403
