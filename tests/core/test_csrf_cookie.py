"""An anonymous reporter's device keeps no lasting cookie: the CSRF cookie ends with the
browser session, no server-side session is opened, and the public form still works."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from hotline.cases.models import Report

REPORT = {
    "urls": "http://gallery.example.test/a",
    "concern": "csam",
    "where_found": "a link in a chat",
    "description": "synthetic test report",
}


@pytest.mark.django_db
def test_public_form_sets_a_browser_session_csrf_cookie_and_no_session() -> None:
    client = Client(enforce_csrf_checks=True)

    response = client.get(reverse("intake:report_online"))

    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert (cookie["max-age"], cookie["expires"]) == ("", "")
    assert cookie["httponly"] is True
    assert settings.SESSION_COOKIE_NAME not in response.cookies


@pytest.mark.django_db
def test_public_form_posts_with_the_session_cookie_token_and_leaves_no_session() -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(reverse("intake:report_online"))
    token = page.context["csrf_token"]

    response = client.post(
        reverse("intake:report_online"), {**REPORT, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 200
    assert Report.objects.count() == 1
    assert settings.SESSION_COOKIE_NAME not in client.cookies


@pytest.mark.django_db
def test_public_form_refuses_a_post_without_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("intake:report_online"))

    response = client.post(reverse("intake:report_online"), REPORT)

    assert response.status_code == 403
    assert Report.objects.count() == 0
