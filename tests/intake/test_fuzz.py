"""schemathesis against our own OpenAPI document, through the real WSGI application.

Every check schemathesis has is on (no 5xx, documented status codes and content types,
responses matching their schemas, schema-valid data accepted, schema-invalid data refused),
with a fixed seed and a bounded number of examples so CI stays quick and repeatable.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from hotline.intake.schema import WEB_ADDRESS_FORMAT
from tests.conftest import World

pytestmark = pytest.mark.django_db

# The one rule of the intake schema that JSON Schema cannot spell is published as a format of
# our own; schemathesis learns its values here (the validator's tests cover what it refuses).
# A label neither starts nor ends with '-'; a top-level domain is never all digits.
_LABEL = st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,19}[a-z0-9])?", fullmatch=True)
_TOP_LEVEL = st.from_regex(r"[a-z](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
_HOST = st.one_of(
    st.builds(
        lambda labels, top: ".".join([*labels, top]),
        st.lists(_LABEL, min_size=1, max_size=3),
        _TOP_LEVEL,
    ),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda address: f"[{address}]"),
)
_PATH = st.from_regex(r"(/[A-Za-z0-9._~%-]{0,12}){0,4}(\?[A-Za-z0-9=&]{0,12})?", fullmatch=True)
WEB_ADDRESSES = st.builds(
    lambda scheme, host, port, path: f"{scheme}{host}{port}{path}",
    st.sampled_from(["http://", "https://", "HTTP://", ""]),
    _HOST,
    st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")),
    _PATH,
)
schemathesis.openapi.format(WEB_ADDRESS_FORMAT, WEB_ADDRESSES)


# Loaded from the running application, as a client would (schemathesis' lazy fixture loader
# reads a pytest internal that pytest 9 no longer has).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
_keys = itertools.count()


def _repeated_external_ids(body: Any) -> bool:
    # Unique within a batch is the one body rule JSON Schema has no keyword for (the schema
    # says it in words); such a batch must be refused, naming the repeat.
    if not isinstance(body, dict) or not isinstance(body.get("reports"), list):
        return False
    ids = [r.get("external_id") for r in body["reports"] if isinstance(r, dict)]
    ids = [i for i in ids if isinstance(i, str)]
    return len(ids) != len(set(ids))


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # The WSGI handler closes the database connection after each request (as in production);
    # Django's own test client switches that off so the test's transaction survives. So here.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


FUZZ = settings(
    max_examples=10,
    derandomize=True,  # a fixed seed: the same cases on every run
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_api_with_a_valid_token_never_errs_and_keeps_to_its_schema(case: Any, world: World) -> None:
    if case.headers and str(case.headers.get("Idempotency-Key", "")).strip():
        # A client sends a new key with a new body; one key for two bodies is a 422 by design
        # (test_api.py), a matter of state that no schema can promise against.
        case.headers["Idempotency-Key"] = f"{next(_keys)}-{case.headers['Idempotency-Key']}"[:200]
    auth = {"Authorization": f"Bearer {world.intake_token}"}
    if case.meta.generation.mode.is_positive and _repeated_external_ids(case.body):
        response = case.call(headers=auth)
        assert response.status_code == 422
        assert "repeats reports[" in response.text
        return
    case.call_and_validate(headers=auth)


@schema.parametrize()
@settings(FUZZ, max_examples=5)
def test_api_without_the_right_credential_answers_only_401_or_403(case: Any, world: World) -> None:
    for authorization in ("", "Bearer hl_nosuchkey_nosecret", f"Bearer {world.feed_token}"):
        # Some generated cases bring their own Authorization header (schemathesis probes a
        # missing or malformed one), so the rule is the brief's: 401 or 403, nothing else.
        response = case.call(headers={"Authorization": authorization})

        assert response.status_code in (401, 403), (authorization, response.text[:300])
        case.validate_response(
            response,
            checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
        )
