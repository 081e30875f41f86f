from __future__ import annotations

import signal
import threading
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from hotline.outbox import actions
from hotline.outbox.models import MessageStatus, OutboxMessage
from tests.httpserver import Received, Recorder, serve
from tests.processes import start_hotline, stop, wait_for


def _message(url: str, body: dict[str, object] | None = None) -> OutboxMessage:
    return actions.enqueue("http", f"{url}/inbox", {"body": body or {"hello": "partner"}})


@pytest.mark.django_db
def test_enqueue_is_part_of_the_callers_transaction() -> None:
    def change_that_fails() -> None:
        with transaction.atomic():
            _message("http://127.0.0.1:9")
            raise RuntimeError("the change that caused the message failed")

    with pytest.raises(RuntimeError):
        change_that_fails()

    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_delivered_message_carries_idempotency_key() -> None:
    with serve() as (url, rec):
        message = _message(url)

        assert actions.deliver_due("w1") == 1

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert [r.headers["Idempotency-Key"] for r in rec.requests] == [str(message.id)]
    assert rec.requests[0].json() == {"hello": "partner"}


@pytest.mark.django_db
def test_server_error_is_retried_later_with_backoff(settings: object) -> None:
    settings.OUTBOX_BACKOFF_SECONDS = 60  # type: ignore[attr-defined]
    with serve(Recorder(respond=lambda r: (503, b'{"detail": "maintenance"}'))) as (url, _):
        message = _message(url)
        actions.deliver_due("w1")

    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert message.last_error == 'HTTP 503: {"detail": "maintenance"}'
    assert timedelta(seconds=47) < message.next_attempt_at - timezone.now() <= timedelta(seconds=72)
    assert actions.deliver_due("w1") == 0  # not due yet


@pytest.mark.django_db
def test_client_error_parks_the_message() -> None:
    with serve(Recorder(respond=lambda r: (400, b'{"detail": "bad field"}'))) as (url, _):
        message = _message(url)
        actions.deliver_due("w1")

    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.last_error == 'HTTP 400: {"detail": "bad field"}'


@pytest.mark.django_db
def test_unreachable_destination_is_parked_after_max_attempts(settings: object) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 2  # type: ignore[attr-defined]
    message = _message("http://127.0.0.1:9")  # discard port: connection refused

    actions.deliver_due("w1")
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    actions.deliver_due("w1")

    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 2)
    assert message.last_error.startswith("cannot reach http://127.0.0.1:9/inbox")


@pytest.mark.django_db
def test_leased_message_is_not_claimed_twice() -> None:
    message = _message("http://127.0.0.1:9")

    first = actions.claim_due("w1")
    second = actions.claim_due("w2")

    assert [m.id for m in first] == [message.id]
    assert second == []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_delivery_loses_nothing() -> None:
    release = threading.Event()

    def hang_first_then_accept(request: Received) -> tuple[int, bytes]:
        if not release.is_set():
            release.wait(60)  # the first worker dies while we hold its request
            return 500, b"{}"
        return 200, b"{}"

    with serve(Recorder(respond=hang_first_then_accept)) as (url, rec):
        message = _message(url, {"report": "synthetic-1"})
        first = start_hotline("worker", "--interval", "0.1", HOTLINE_OUTBOX_LEASE_SECONDS=2)
        try:
            wait_for(lambda: len(rec.requests) == 1, what="the first worker to start delivering")
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            stop(first)
        release.set()
        message.refresh_from_db()
        assert (message.status, message.attempts) == (MessageStatus.PENDING, 1)

        second = start_hotline("worker", "--interval", "0.1", HOTLINE_OUTBOX_LEASE_SECONDS=2)
        try:
            wait_for(
                lambda: OutboxMessage.objects.get(pk=message.pk).status == MessageStatus.DELIVERED,
                what="the second worker to deliver the message",
            )
        finally:
            output = stop(second)

    message.refresh_from_db()
    assert message.attempts == 2, output
    keys = [r.headers["Idempotency-Key"] for r in rec.requests]
    assert keys == [str(message.id), str(message.id)]  # the receiver can dedupe the repeat
