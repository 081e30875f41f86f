"""`make run` (``hotline demo``): the demo logins and working API tokens are printed every time
it runs, not only the first; the fixed tokens exist in demo mode only."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client

from hotline.accounts.actions import demo_token, revoke_credential
from hotline.accounts.models import ApiCredential
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

TOKEN_LINE = re.compile(r"^  (.+?)\s{2,}(hl_\S+|\(revoked or expired\))$", re.M)


def _demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def _tokens(output: str) -> dict[str, str]:
    return dict(TOKEN_LINE.findall(output))


def test_every_run_prints_the_same_logins_and_working_tokens(settings: Any) -> None:
    settings.DEMO = True

    first = _demo()
    second = _demo()

    assert "  analyst      analyst-demo-2026" in second
    assert _tokens(first) == _tokens(second)
    tokens = _tokens(second)
    assert sorted(tokens) == ["ISP resolver feed", "Platform intake", "Prometheus"]
    client = Client()
    rpz = client.get(
        "/api/v1/feeds/rpz", HTTP_AUTHORIZATION=f"Bearer {tokens['ISP resolver feed']}"
    )
    metrics = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {tokens['Prometheus']}")
    intake = client.post(
        "/api/v1/reports",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {tokens['Platform intake']}",
    )
    assert (rpz.status_code, metrics.status_code) == (200, 200)
    assert intake.status_code == 422  # authenticated; the empty body is refused by field
    assert ApiCredential.objects.count() == 3  # issued once
    assert AuditEvent.objects.filter(action="credential.issue").count() == 3


def test_a_revoked_demo_token_is_not_printed_again(settings: Any) -> None:
    settings.DEMO = True
    _demo()
    revoke_credential(ApiCredential.objects.get(name="Prometheus"), acting_user=None)

    tokens = _tokens(_demo())

    assert tokens["Prometheus"] == "(revoked or expired)"
    assert tokens["ISP resolver feed"].startswith("hl_")


def test_no_fixed_tokens_outside_demo_mode(settings: Any) -> None:
    settings.DEMO = False

    output = _demo()

    assert _tokens(output) == {}
    assert "demo tokens need HOTLINE_DEMO=1" in output
    assert ApiCredential.objects.count() == 0
    with pytest.raises(ImproperlyConfigured, match="demo mode"):
        demo_token("Prometheus")


def test_demo_tokens_depend_on_the_instance_secret_key(settings: Any) -> None:
    settings.DEMO = True
    one = demo_token("Prometheus")
    settings.SECRET_KEY = "another-instance-" + "x" * 50

    assert demo_token("Prometheus") != one
