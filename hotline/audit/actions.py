"""Writing and verifying the audit chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils import timezone

from hotline.audit.models import AuditEvent, ChainCheck

GENESIS = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that serialises chain appends.
_PG_CHAIN_LOCK = 0x484F544C  # "HOTL"


def _canonical(
    *,
    seq: int,
    at: datetime,
    actor: str,
    organisation: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
    prev_hash: str,
) -> bytes:
    payload = {
        "seq": seq,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "organisation": organisation,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
        "prev_hash": prev_hash,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256(
        _canonical(
            seq=event.seq,
            at=event.at,
            actor=event.actor,
            organisation=event.organisation,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            detail=event.detail,
            prev_hash=event.prev_hash,
        )
    ).hexdigest()


class _Named(Protocol):
    name: str


class AuditActor(Protocol):
    """Who did something, as the audit log sees it: a person (``accounts.User``) or a machine
    client (``accounts.ApiCredential``). A protocol, so the audit log, which every app uses,
    knows nothing of the accounts app above it."""

    @property
    def audit_label(self) -> str: ...

    @property
    def organisation(self) -> _Named | None: ...


def describe_actor(actor: AuditActor | None) -> tuple[str, str]:
    """The actor and organisation strings recorded for a user, a machine client or the system."""
    if actor is None:
        return "system", ""
    organisation = actor.organisation.name if actor.organisation is not None else ""
    return actor.audit_label, organisation


def record(
    action: str,
    *,
    actor: AuditActor | None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit chain, inside the caller's transaction.

    Call it in the same transaction as the read or write it records, so an event
    exists exactly when the thing it records happened. Appends are serialised
    (an advisory lock on PostgreSQL, the write lock on SQLite) so concurrent
    writers extend one chain; ``seq`` is unique, so a fork cannot be stored.
    """
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
    actor_name, organisation = describe_actor(actor)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-seq").only("seq", "hash").first()
        event = AuditEvent(
            seq=(last.seq + 1) if last else 1,
            at=timezone.now(),
            actor=actor_name,
            organisation=organisation,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            detail=json.loads(json.dumps(detail or {}, default=str)),
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(*, expect_head: tuple[int, str] | None = None) -> Iterator[ChainProblem]:
    """Yield every place where the chain is broken; nothing means it is intact.

    Detects edited events (hash mismatch), deleted or inserted events (sequence
    gap or broken ``prev_hash`` link). Truncation of the newest events is only
    visible against a head recorded elsewhere (``hotline audit head``), passed as
    ``expect_head``.
    """
    expected_prev = GENESIS
    expected_seq = 1
    head: tuple[int, str] | None = None
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            yield ChainProblem(event.seq, f"sequence gap: expected #{expected_seq}")
        if event.prev_hash != expected_prev:
            yield ChainProblem(event.seq, "link broken: prev_hash does not match the event before")
        if event_hash(event) != event.hash:
            yield ChainProblem(event.seq, "content altered: hash does not match the event")
        expected_prev = event.hash
        expected_seq = event.seq + 1
        head = (event.seq, event.hash)
    if expect_head is not None:
        seq, digest = expect_head
        found = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if found != digest:
            yield ChainProblem(seq, "recorded head not found: events were removed or rewritten")
        elif head is not None and head[0] < seq:
            yield ChainProblem(seq, "chain ends before the recorded head")


# How many problems a stored check keeps: enough to start an investigation, while a chain
# broken near its start (every later event then fails too) does not fill a row with millions.
PROBLEMS_KEPT = 20


def check_chain(
    *, actor: AuditActor | None, expect_head: tuple[int, str] | None = None
) -> ChainCheck:
    """Verify the whole chain now, keep the outcome and audit that it was checked.

    The check covers the events up to the head seen when it starts (events appended while
    it runs are left to the next check); its own ``audit.verify`` event comes after that
    head. The reading happens outside any transaction: a long check must not hold one
    open, and only its short write needs one.
    """
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    problems: list[ChainProblem] = []
    count = 0
    if head is not None:
        through = expect_head if expect_head is not None else (head[0], head[1])
        problems = list(verify_chain(expect_head=through))
        count = AuditEvent.objects.filter(seq__lte=head[0]).count()
    elif expect_head is not None:
        problems = [ChainProblem(expect_head[0], "recorded head not found: the log is empty")]
    actor_name, _ = describe_actor(actor)
    with transaction.atomic():
        check = ChainCheck.objects.create(
            at=timezone.now(),
            actor=actor_name,
            events_checked=count,
            checked_through_seq=head[0] if head else None,
            head_hash=head[1] if head else "",
            ok=not problems,
            problem_count=len(problems),
            problems=[{"seq": p.seq, "problem": p.problem} for p in problems[:PROBLEMS_KEPT]],
        )
        record(
            "audit.verify",
            actor=actor,
            obj=check,
            detail={
                "ok": check.ok,
                "events": count,
                "through_seq": check.checked_through_seq,
                "problems": len(problems),
            },
        )
    return check
