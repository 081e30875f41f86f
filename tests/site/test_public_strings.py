"""Which strings the public sees: every public page visited in its states, every string recorded.

The test walks each public page as a reporter would — empty, with errors, valid, rate-limited,
with its receipt and status — records every template rendered and every message looked up,
and compares the union with ``hotline/locale/public.pot``. A new public string therefore fails
here until ``make public-strings`` rewrites the file, and then fails the completeness test of
every language that has not translated it (tests/core/test_translations.py).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import translation

from hotline.cases.models import Concern
from hotline.core import emergency
from hotline.intake import help as public_help
from hotline.intake.removal import STATE_EXPLANATIONS as REMOVAL_EXPLANATIONS
from hotline.intake.views import STATUS_EXPLANATIONS
from hotline.site import translations
from tests.intake.test_public_form import VALID as ONLINE_VALID
from tests.matching.self_submissions import image, video
from tests.tourism.test_public_form import VALID as TRAVEL_VALID

TEMPLATE_ROOT = Path(translations.__file__).resolve().parents[1]


@contextmanager
def recording() -> Iterator[tuple[set[translations.Key], set[Path]]]:
    """Every (context, message) looked up and every template rendered inside the block."""
    messages: set[translations.Key] = set()
    templates: set[Path] = set()
    trans: Any = translation._trans  # type: ignore[attr-defined]
    originals: dict[str, Callable[..., str]] = {
        name: getattr(trans, name) for name in ("gettext", "ngettext", "pgettext", "npgettext")
    }

    def gettext(message: str) -> str:
        messages.add(("", str(message)))
        return originals["gettext"](message)

    def ngettext(singular: str, plural: str, number: int) -> str:
        messages.add(("", str(singular)))
        return originals["ngettext"](singular, plural, number)

    def pgettext(context: str, message: str) -> str:
        messages.add((str(context), str(message)))
        return originals["pgettext"](context, message)

    def npgettext(context: str, singular: str, plural: str, number: int) -> str:
        messages.add((str(context), str(singular)))
        return originals["npgettext"](context, singular, plural, number)

    def rendered(sender: Any, template: Any, **kwargs: Any) -> None:
        name = getattr(template.origin, "name", None)
        if name and Path(name).is_file() and TEMPLATE_ROOT in Path(name).resolve().parents:
            templates.add(Path(name).resolve())

    for name, wrapper in (
        ("gettext", gettext),
        ("ngettext", ngettext),
        ("pgettext", pgettext),
        ("npgettext", npgettext),
    ):
        setattr(trans, name, wrapper)
    template_rendered.connect(rendered)
    try:
        yield messages, templates
    finally:
        template_rendered.disconnect(rendered)
        for name, original in originals.items():
            setattr(trans, name, original)


def _walk(client: Client) -> None:
    """Every public page in every state a reporter can bring it to."""

    def ok(response: Any, *statuses: int) -> Any:
        assert response.status_code in (statuses or (200,)), response
        return response

    ok(client.get(reverse("home")))
    # The online report: empty, wrong, valid (receipt), then its status, good and bad.
    online = reverse("intake:report_online")
    ok(client.get(online))
    ok(client.post(online, {}))
    ok(client.post(online, {**ONLINE_VALID, "urls": "not a url", "contact": "nobody@"}))
    receipt = ok(client.post(online, {**ONLINE_VALID, "child_in_danger": "on"}))
    status = reverse("intake:status")
    ok(client.get(status))
    ok(client.post(status, {}))
    ok(client.post(status, {"reference": "HL-0000-0000", "secret": "wrong"}))
    ok(
        client.post(
            status,
            {"reference": receipt.context["report"].reference, "secret": receipt.context["secret"]},
        )
    )
    for explanation in STATUS_EXPLANATIONS.values():  # each status a report can be in
        str(explanation)
    for concern in Concern.values:  # the receipt's help differs by concern
        ok(client.post(online, {**ONLINE_VALID, "concern": concern}))
    for resource in public_help.DEFAULT_RESOURCES:  # help shown in other countries too
        str(resource.text)
    for text in (*public_help.SEXTORTION_ADVICE, *emergency.SERVICES.values()):
        str(text)
    ok(client.get(reverse("intake:privacy")))
    # The travel report: empty, wrong, valid with danger (receipt).
    travel = reverse("tourism:report")
    ok(client.get(travel))
    ok(client.post(travel, {}))
    ok(client.post(travel, {**TRAVEL_VALID, "occurred_on": "tomorrow", "map_point": "north"}))
    ok(client.post(travel, {**TRAVEL_VALID, "child_in_danger": "on"}))
    ok(client.get(reverse("tourism:code_members")))
    ok(client.get(reverse("monitoring:transparency")))
    ok(client.get(reverse("monitoring:transparency"), {"year": "not a year"}), 400)
    ok(client.get(reverse("feeds:stop_page")))
    ok(client.get("/no-such-page/"), 404)
    # The hash-only removal request: its page, a valid and a malformed submission, the status
    # of the receipt, and withdrawal.
    ok(client.get(reverse("removal:page")))
    submit = reverse("removal:submit")
    ok(
        client.post(
            submit, json.dumps({"files": [{"md5": "nope"}]}), content_type="application/json"
        ),
        422,
    )
    answer = ok(
        client.post(
            submit,
            json.dumps({"files": [image(), video()], "receipt": True}),
            content_type="application/json",
        ),
        201,
    ).json()
    removal_status = reverse("removal:status")
    ok(client.get(removal_status))
    ok(client.post(removal_status, {"reference": "RR-0000-0000", "secret": "wrong"}))
    receipt_fields = {"reference": answer["reference"], "secret": answer["secret"]}
    ok(client.post(removal_status, receipt_fields))
    ok(client.post(removal_status, {**receipt_fields, "withdraw": "yes"}))
    for explanation in REMOVAL_EXPLANATIONS.values():
        str(explanation)


def _walk_rate_limited(client: Client) -> None:
    client.post(reverse("intake:report_online"), ONLINE_VALID)
    client.post(reverse("intake:status"), {"reference": "HL-0000-0000", "secret": "x"})
    client.post(reverse("tourism:report"), TRAVEL_VALID)
    client.post(reverse("removal:status"), {"reference": "HL-0000-0000", "secret": "x"})
    client.post(
        reverse("removal:submit"), json.dumps({"files": [image()]}), content_type="application/json"
    )


@pytest.mark.django_db
def test_public_pot_holds_exactly_the_strings_the_public_sees(settings: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with recording() as (messages, templates):
        _walk(client)
        settings.INTAKE_REPORTS_PER_HOUR = 0
        settings.INTAKE_STATUS_CHECKS_PER_HOUR = 0
        settings.TOURISM_REPORTS_PER_HOUR = 0
        settings.SELF_REPORT_SUBMISSIONS_PER_HOUR = 0
        _walk_rate_limited(Client(HTTP_ACCEPT_LANGUAGE="en"))

    entries: dict[translations.Key, polib.POEntry] = {
        (entry.msgctxt or "", entry.msgid): entry
        for entry in translations.template_messages(sorted(templates))
    }
    for context, message in messages:
        entries.setdefault(
            (context, message), polib.POEntry(msgctxt=context or None, msgid=message)
        )
    entries = {key: entry for key, entry in entries.items() if key[1]}

    if os.environ.get("HOTLINE_WRITE_PUBLIC_POT"):
        translations.write_public_pot(entries)
    committed = {(e.msgctxt or "", e.msgid) for e in translations.public_messages()}
    new, gone = sorted(set(entries) - committed), sorted(committed - set(entries))
    assert (new, gone) == ([], []), "public strings changed: run `make public-strings`"
    assert len(templates) >= 10  # the walk really rendered the public pages
