"""Writing the audit log, integrating it into its Merkle tree, and verifying it.

Writers append events in their own transaction and never wait for each other: an event's
hash is the RFC 9162 leaf hash of its own content, known before anything else is. The
sequencer (``integrate``, run by the scheduler every few seconds, and before a verification or
an export) then takes the committed events not yet in the tree, gives them their places
``seq`` in commit-visible id order, and signs the new tree head with the log's Ed25519 key.
Tamper evidence comes from the tree: an edited event no longer matches its leaf hash, a
removed or reordered one changes every later root, and signed heads kept elsewhere (exported,
or fetched by partners) make a rewritten past provable by a consistency proof.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hotline.audit import merkle, signing
from hotline.audit.models import AuditEvent, ChainCheck, TreeHead
from hotline.fast_insert import build, insert_new

# What the chain's head was before the log had events (kept for the auditors' page and alerts).
GENESIS = "0" * 64
# Arbitrary constant naming the PostgreSQL advisory lock that keeps a second sequencer out.
# Only sequencers take it; writers take no lock at all.
_PG_SEQUENCER_LOCK = 0x484F5351  # "HOSQ"


def entry_bytes(
    *,
    at: datetime,
    actor: str,
    organisation: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
) -> bytes:
    """The canonical entry a leaf hash covers: sorted keys, no spaces, UTF-8, microsecond UTC
    time. External verifiers rebuild it from a CSV row or a proof."""
    payload = {
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": actor,
        "organisation": organisation,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "detail": detail,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_entry(event: AuditEvent) -> bytes:
    return entry_bytes(
        at=event.at,
        actor=event.actor,
        organisation=event.organisation,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        detail=event.detail,
    )


def event_hash(event: AuditEvent) -> str:
    """The hex RFC 9162 leaf hash of the event's content (what ``hash`` must hold)."""
    return merkle.leaf_hash(event_entry(event)).hex()


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


def _new_event(
    action: str,
    *,
    actor: AuditActor | None,
    obj: Any,
    object_type: str,
    object_id: str | int,
    detail: dict[str, Any] | None,
    at: datetime,
) -> AuditEvent:
    if obj is not None:
        object_type = object_type or f"{obj._meta.app_label}.{obj._meta.model_name}"
        object_id = object_id or obj.pk
    actor_name, organisation = describe_actor(actor)
    event = build(
        AuditEvent,
        at=at,
        actor=actor_name,
        organisation=organisation,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=json.loads(json.dumps(detail or {}, default=str)),
    )
    event.hash = event_hash(event)
    return event


def record(
    action: str,
    *,
    actor: AuditActor | None,
    obj: Any = None,
    object_type: str = "",
    object_id: str | int = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the audit log, inside the caller's transaction.

    Call it in the same transaction as the read or write it records, so an event exists
    exactly when the thing it records happened. One INSERT, no lock: concurrent writers do
    not wait for each other. The event gets its place in the tree (``seq``) from the
    sequencer once committed.
    """
    event = _new_event(
        action,
        actor=actor,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        at=timezone.now(),
    )
    event.save(force_insert=True)
    return event


@dataclass(frozen=True)
class EventSpec:
    """One event of a ``record_many`` call."""

    action: str
    obj: Any = None
    object_type: str = ""
    object_id: str | int = ""
    detail: dict[str, Any] | None = None


def record_many(specs: Sequence[EventSpec], *, actor: AuditActor | None) -> list[AuditEvent]:
    """Append several events by one actor in one statement (a batch of reports: COPY on
    PostgreSQL, see ``hotline.fast_insert``), inside the caller's transaction. Same guarantees
    as ``record``."""
    now = timezone.now()
    events = [
        _new_event(
            spec.action,
            actor=actor,
            obj=spec.obj,
            object_type=spec.object_type,
            object_id=spec.object_id,
            detail=spec.detail,
            at=now,
        )
        for spec in specs
    ]
    insert_new(events)
    return events


# ---------------------------------------------------------------------------------------
# The sequencer


def _frontier_of(head: TreeHead | None) -> merkle.Frontier:
    if head is not None:
        return merkle.Frontier(head.tree_size, [bytes.fromhex(h) for h in head.frontier])
    # No signed head yet: the events already placed (by migration 0004, from the old chain).
    frontier = merkle.Frontier()
    placed = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    frontier.extend(bytes.fromhex(h) for h in placed.values_list("hash", flat=True).iterator())
    return frontier


def _take_sequencer_lock() -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite: the database's single writer lock serialises sequencers
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_PG_SEQUENCER_LOCK])
        return bool(cursor.fetchone()[0])


def _place(placements: list[tuple[int, int]]) -> int:
    """Set ``seq`` on the given (id, seq) pairs still without one; the number of rows set."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE audit_auditevent AS e SET seq = p.seq "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS p(id, seq) "
                "WHERE e.id = p.id AND e.seq IS NULL",
                [[i for i, _ in placements], [s for _, s in placements]],
            )
            return int(cursor.rowcount)
        done = 0
        for event_id, seq in placements:
            cursor.execute(
                "UPDATE audit_auditevent SET seq = %s WHERE id = %s AND seq IS NULL",
                [seq, event_id],
            )
            done += cursor.rowcount
        return done


class SequencingConflict(RuntimeError):
    """Another sequencer placed some of the same events first; this batch was rolled back."""


def integrate(*, batch: int | None = None) -> TreeHead | None:
    """Place up to ``batch`` committed events into the tree and sign the new head.

    Idempotent and safe when two run: one transaction, a lock only sequencers take, and
    ``seq`` / ``tree_size`` unique. Returns the new head, or None when nothing was waiting (or
    another sequencer is at work right now).
    """
    limit = batch or settings.AUDIT_SEQUENCE_BATCH
    with transaction.atomic():
        if not _take_sequencer_lock():
            return None
        pending = list(
            AuditEvent.objects.filter(seq__isnull=True)
            .order_by("id")
            .values_list("id", "hash")[:limit]
        )
        if not pending:
            return None
        last = TreeHead.objects.order_by("-tree_size").first()
        frontier = _frontier_of(last)
        start = frontier.size
        placements = [(event_id, start + n) for n, (event_id, _) in enumerate(pending, 1)]
        if _place(placements) != len(placements):
            raise SequencingConflict("events were placed by another sequencer meanwhile")
        frontier.extend(bytes.fromhex(digest) for _, digest in pending)
        return _sign_head(frontier, after=last)


def integrate_all() -> int:
    """Integrate until nothing waits; the number of events placed."""
    placed = 0
    size = tree_size()
    while (head := integrate()) is not None:
        placed += head.tree_size - size
        size = head.tree_size
    return placed


def tree_size() -> int:
    """The size of the newest signed head (0 for an empty log)."""
    head = TreeHead.objects.order_by("-tree_size").values_list("tree_size", flat=True).first()
    return head or 0


def _sign_head(frontier: merkle.Frontier, *, after: TreeHead | None) -> TreeHead:
    root = frontier.root().hex()
    timestamp_ms = int(time.time() * 1000)
    if after is not None:  # heads' times never go backwards, whatever the clock does
        timestamp_ms = max(timestamp_ms, after.timestamp_ms)
    origin = settings.AUDIT_LOG_ORIGIN
    signature, key_id = signing.sign(
        signing.signed_bytes(
            origin=origin, tree_size=frontier.size, root_hash=root, timestamp_ms=timestamp_ms
        )
    )
    return TreeHead.objects.create(
        tree_size=frontier.size,
        root_hash=root,
        timestamp_ms=timestamp_ms,
        origin=origin,
        key_id=key_id,
        signature=signature,
        frontier=[h.hex() for h in frontier.hashes],
    )


# ---------------------------------------------------------------------------------------
# Verification


@dataclass(frozen=True)
class ChainProblem:
    seq: int  # the event's place, a head's tree size, or 0 for an event not yet placed
    problem: str


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys whose signed heads verify: the current one and retired ones."""
    current = signing.signing_key().public_key()
    keys = {signing.key_id(current): current}
    for text in settings.AUDIT_PREVIOUS_PUBLIC_KEYS:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))
        keys[signing.key_id(key)] = key
    return keys


def head_problem(head: TreeHead, keys: dict[str, Ed25519PublicKey]) -> str | None:
    """What is wrong with a head's signature, or None."""
    key = keys.get(head.key_id)
    if key is None:
        return f"signed head of {head.tree_size} events: signed by an unknown key {head.key_id}"
    statement = signing.signed_bytes(
        origin=head.origin,
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        timestamp_ms=head.timestamp_ms,
    )
    if not signing.signature_ok(statement, head.signature, key):
        return f"signed head of {head.tree_size} events: signature does not verify"
    return None


def verify_chain(*, expect_head: tuple[int, str] | None = None) -> Iterator[ChainProblem]:
    """Yield every place where the log is broken; nothing means it is intact.

    Detects edited events (content no longer matches its leaf hash), removed or inserted
    events (a gap in ``seq``, or a signed head whose root the events no longer produce),
    forged or unsigned heads, and truncation (the log ends before a signed head).
    ``expect_head`` (``SIZE:ROOT`` kept elsewhere, e.g. by a partner) catches a past rewritten
    together with its heads and signatures.
    """
    keys = trusted_keys()
    heads: Iterable[TreeHead] = TreeHead.objects.order_by("tree_size").iterator(chunk_size=2000)
    head_iter = iter(heads)
    next_head = next(head_iter, None)
    frontier = merkle.Frontier()
    expected_seq = 1
    expect_checked = False

    def at_size() -> Iterator[ChainProblem]:
        nonlocal next_head, expect_checked
        root: str | None = None
        while next_head is not None and next_head.tree_size <= frontier.size:
            if next_head.tree_size == frontier.size:
                root = root or frontier.root().hex()
                if next_head.root_hash != root:
                    yield ChainProblem(
                        next_head.tree_size,
                        f"signed head of {next_head.tree_size} events: "
                        "root hash does not match the events",
                    )
            if problem := head_problem(next_head, keys):
                yield ChainProblem(next_head.tree_size, problem)
            next_head = next(head_iter, None)
        if expect_head is not None and not expect_checked and expect_head[0] == frontier.size:
            expect_checked = True
            if (root or frontier.root().hex()) != expect_head[1]:
                yield ChainProblem(
                    expect_head[0], "recorded head not found: events were removed or rewritten"
                )

    placed = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for event in placed.iterator(chunk_size=2000):
        seq = event.seq or 0  # never None here (filtered); said for the type checker
        if seq != expected_seq:
            yield ChainProblem(seq, f"sequence gap: expected #{expected_seq}")
        if event_hash(event) != event.hash:
            yield ChainProblem(seq, "content altered: hash does not match the event")
        frontier.append(bytes.fromhex(event.hash))
        expected_seq = seq + 1
        yield from at_size()
    for event in AuditEvent.objects.filter(seq__isnull=True).order_by("id").iterator():
        if event_hash(event) != event.hash:
            yield ChainProblem(
                0, f"content altered: event id {event.pk} (not yet placed) does not match its hash"
            )
    while next_head is not None:
        yield ChainProblem(
            next_head.tree_size,
            f"the log ends at {frontier.size} events, before its signed head of "
            f"{next_head.tree_size}",
        )
        if problem := head_problem(next_head, keys):
            yield ChainProblem(next_head.tree_size, problem)
        next_head = next(head_iter, None)
    if expect_head is not None and not expect_checked:
        if expect_head[0] > frontier.size:
            yield ChainProblem(
                expect_head[0], "recorded head not found: events were removed or rewritten"
            )
        elif expect_head[0] == 0 and expect_head[1] != merkle.EMPTY_ROOT.hex():
            yield ChainProblem(0, "recorded head not found: events were removed or rewritten")


# How many problems a stored check keeps: enough to start an investigation, while a log
# broken near its start does not fill a row with millions.
PROBLEMS_KEPT = 20


def check_chain(
    *, actor: AuditActor | None, expect_head: tuple[int, str] | None = None
) -> ChainCheck:
    """Integrate what waits, verify the whole log, keep the outcome and audit the check.

    The check covers the tree up to the newest signed head seen when it starts (events written
    while it runs are left to the next check); its own ``audit.verify`` event comes after
    that. The reading happens outside any transaction: a long check must not hold one open,
    and only its short write needs one.
    """
    integrate_all()
    head = TreeHead.objects.order_by("-tree_size").first()
    problems = list(verify_chain(expect_head=expect_head))
    count = AuditEvent.objects.filter(seq__isnull=False).count()
    actor_name, _ = describe_actor(actor)
    with transaction.atomic():
        check = ChainCheck.objects.create(
            at=timezone.now(),
            actor=actor_name,
            events_checked=count,
            checked_through_seq=head.tree_size if head else None,
            head_hash=head.root_hash if head else "",
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
