"""Every write of the feeds app: entries joining and leaving lists, subscriptions, publication.

Each change to a list takes the list's serial row under lock, raises it by one and stamps the
entry with it, in the caller's transaction, with its audit event. Nothing is ever deleted: an
entry that leaves keeps its row with the serial and reason it left.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.accounts.models import ApiCredential, User
from hotline.audit.actions import record
from hotline.cases.models import Item, ItemKind, Legality
from hotline.feeds import queries, rpz, stix, values
from hotline.feeds.models import (
    LIST_OF_KIND,
    Collection,
    Entry,
    EntryKind,
    FeedList,
    FeedSubscription,
    RemovalReason,
    Serial,
)
from hotline.feeds.queries import Version
from hotline.matching.events import SelfSubmissionShared, SelfSubmissionWithdrawn
from hotline.matching.models import SelfSubmission, SelfSubmittedFile, SubmittedMedia
from hotline.matching.queries import video_hash_of
from hotline.matching.self_submitted import CATEGORY, LIST_LABEL
from hotline.matching.vpdq.features import VpdqFeature, to_lines
from hotline.routing.actions import close_sent_referrals
from hotline.routing.engine import final_assessment, profile
from hotline.routing.events import ReferralDispatched
from hotline.routing.models import Destination, Referral
from hotline.routing.outcomes import Outcome, Sent
from hotline.takedown.events import RemovalConfirmed

logger = logging.getLogger(__name__)

Actor = User | ApiCredential | None
INDICATOR_KINDS = (EntryKind.MERCHANT_ID, EntryKind.CRYPTO_WALLET, EntryKind.PHONE)


class NotAllowed(Exception):
    """The change is refused (law, verdict or state); the message says why, for an analyst."""


# --- serials ---------------------------------------------------------------------------------


def _locked_serial(feed_list: str) -> Serial:
    row = Serial.objects.select_for_update().filter(feed_list=feed_list).first()
    if row is None:
        try:
            with transaction.atomic():
                Serial.objects.create(feed_list=feed_list)
        except IntegrityError:  # created by a concurrent transaction a moment ago
            pass
        row = Serial.objects.select_for_update().get(feed_list=feed_list)
    return row


def _advance(row: Serial) -> tuple[int, datetime]:
    """The next serial and its moment; moments never go back, even if the clock does."""
    now = timezone.now()
    if row.changed_at is not None and now <= row.changed_at:
        now = row.changed_at + timedelta(microseconds=1)
    row.value += 1
    row.changed_at = now
    row.save(update_fields=["value", "changed_at"])
    return row.value, now


def _add(
    kind: str,
    value: str,
    value_hash: str,
    *,
    actor: Actor,
    item: Item | None = None,
    attributes: dict[str, Any] | None = None,
    note: str = "",
) -> tuple[Entry, bool]:
    """Put a value on its list (idempotent: a value already live is returned, not repeated)."""
    feed_list = LIST_OF_KIND[kind]
    row = _locked_serial(feed_list)
    existing = Entry.objects.filter(kind=kind, value_hash=value_hash, removed_serial__isnull=True)
    if (found := existing.first()) is not None:
        return found, False
    serial, now = _advance(row)
    entry = Entry(
        feed_list=feed_list,
        kind=kind,
        value=value,
        value_hash=value_hash,
        attributes=attributes or {},
        note=note,
        item=item,
        added_serial=serial,
        added_at=now,
    )
    entry.stix_added = stix.stored_indicator(Version(serial, queries.record_of(entry), False))
    entry.save(force_insert=True)
    record(
        "feeds.entry.add",
        actor=actor,
        obj=entry,
        detail={"list": feed_list, "kind": kind, "value": value, "serial": serial},
    )
    if kind == EntryKind.DOMAIN:
        _queue_rpz_publication()
    return entry, True


def _remove(entry: Entry, *, reason: str, note: str, actor: Actor) -> bool:
    """Take an entry off its list; False when it had already left."""
    row = _locked_serial(entry.feed_list)
    locked = Entry.objects.select_for_update().get(pk=entry.pk)
    if locked.removed_serial is not None:
        return False
    serial, now = _advance(row)
    locked.removed_serial = serial
    locked.removed_at = now
    locked.removal_reason = reason
    locked.removal_note = note
    locked.stix_revoked = stix.stored_indicator(Version(serial, queries.record_of(locked), True))
    locked.save(
        update_fields=[
            "removed_serial",
            "removed_at",
            "removal_reason",
            "removal_note",
            "stix_revoked",
        ]
    )
    entry.refresh_from_db()
    record(
        "feeds.entry.remove",
        actor=actor,
        obj=locked,
        detail={
            "list": locked.feed_list,
            "kind": locked.kind,
            "value": locked.value,
            "serial": serial,
            "reason": reason,
            "note": note,
        },
    )
    if locked.kind == EntryKind.DOMAIN:
        _queue_rpz_publication()
    return True


def _queue_rpz_publication() -> None:
    from hotline.feeds.tasks import publish_rpz

    # In the same transaction (the task queue is in the database): the zone is rebuilt exactly
    # when the change is committed.
    publish_rpz.enqueue()


# --- the blocklist ---------------------------------------------------------------------------


@transaction.atomic
def list_page(item: Item, *, actor: Actor = None) -> Entry:
    """Put an assessed web page on the blocklist (page level: only this URL is blocked)."""
    if item.kind != ItemKind.URL or not item.canonical_url:
        raise NotAllowed("only web addresses can go on the blocklist")
    expression = values.url_expression(item.canonical_url)
    entry, _ = _add(
        EntryKind.URL,
        item.canonical_url,
        values.sha256_hex(expression),
        actor=actor,
        item=item,
        note=f"assessed as illegal (item {item.pk})",
    )
    return entry


def blocklist_dispatcher(referral: Referral) -> Outcome:
    """Routing's ``blocklist`` destination: list the page; routing marks the referral sent."""
    list_page(referral.online_item, actor=None)
    return Sent(at=timezone.now(), outcome="on the blocklist")


@transaction.atomic
def unlist_removed_item(item: Item) -> int:
    """Removal hook: the content is confirmed gone, so its pages leave the blocklist and their
    STIX indicators are revoked. Dedicated domains, payment and phone indicators stay (they
    name the operator, not one copy of the content) until an analyst lifts them."""
    removed = 0
    for entry in Entry.objects.filter(item=item, kind=EntryKind.URL, removed_serial__isnull=True):
        removed += _remove(
            entry,
            reason=RemovalReason.CONTENT_REMOVED,
            note="content confirmed removed",
            actor=None,
        )
    close_sent_referrals(
        item,
        destination=Destination.BLOCKLIST,
        outcome="taken off the blocklist: content confirmed removed",
    )
    return removed


def unlist_after_removal(event: RemovalConfirmed) -> None:
    """Listens to ``removal_confirmed``: the removed item's pages leave the blocklist."""
    unlist_removed_item(event.item)


@transaction.atomic
def lift_entry(entry: Entry, *, reason: str, acting_user: User) -> bool:
    """An analyst takes an entry off its list before the content is gone; a reason is required."""
    reason = reason.strip()
    if not reason:
        raise NotAllowed("lifting an entry needs a reason")
    return _remove(entry, reason=RemovalReason.LIFTED, note=reason, actor=acting_user)


def blocking_allowed() -> bool:
    home = profile(settings.INSTANCE_COUNTRY)
    return bool(home is not None and home.blocking_allowed)


@transaction.atomic
def mark_domain_dedicated(
    domain: str, *, reason: str, acting_user: User, item: Item | None = None
) -> Entry:
    """Block a whole domain (and its subdomains): only for a domain an analyst found dedicated
    to abuse material, with the reason. Goes into the DNS response-policy zone."""
    name = values.normalise_domain(domain)
    reason = reason.strip()
    if not reason:
        raise NotAllowed("marking a domain as dedicated needs a reason")
    if not blocking_allowed():
        raise NotAllowed("blocking is not allowed in our jurisdiction (see the legal matrix)")
    rpz.check_owner_fits(name, rpz.zone_config())
    entry, created = _add(
        EntryKind.DOMAIN,
        name,
        values.sha256_hex(values.domain_expression(name)),
        actor=acting_user,
        item=item,
        note=reason,
        attributes={"marked_by": acting_user.get_username()},
    )
    if not created:
        raise NotAllowed(f"{name} is already blocked as a dedicated domain")
    return entry


def _final_illegal_verdict(item: Item) -> Any:
    assessment = final_assessment(item)
    if assessment is None or assessment.legality not in (Legality.BASELINE, Legality.NATIONAL):
        raise NotAllowed("indicators are recorded for items finally assessed as illegal")
    return assessment


@transaction.atomic
def record_indicator(
    item: Item,
    *,
    kind: str,
    value: str,
    network: str = "",
    note: str = "",
    acting_user: User,
) -> Entry:
    """Record a payment identifier (for payment companies) or a phone number (for mobile
    operators) found with an item; it goes on its own list at once."""
    _final_illegal_verdict(item)
    network = values.normalise_network(network)
    if kind == EntryKind.PHONE:
        clean = values.normalise_phone(value)
    elif kind == EntryKind.CRYPTO_WALLET:
        clean = values.normalise_wallet(value)
    elif kind == EntryKind.MERCHANT_ID:
        clean = values.normalise_identifier(value)
    else:
        raise NotAllowed(f"{kind!r} is not a payment or phone indicator")
    attributes = {"network": network} if network else {}
    entry, _ = _add(
        kind,
        clean,
        values.sha256_hex(values.indicator_key(kind, clean, network)),
        actor=acting_user,
        item=item,
        attributes=attributes,
        note=note.strip() or f"recorded with item {item.pk}",
    )
    return entry


FILE_HASHES = ("sha256", "sha1", "md5", "pdq")


@transaction.atomic
def list_file(item: Item, *, actor: Actor = None) -> Entry | None:
    """Put a file confirmed as abuse material on the hash list (all its hashes, with category
    and severity; a video we hashed also with its vPDQ frames, ``vpdq``: Meta's text lines);
    None for an item with no hash."""
    assessment = _final_illegal_verdict(item)
    present = [(name, getattr(item, name)) for name in FILE_HASHES if getattr(item, name)]
    if item.kind != ItemKind.FILE or not present:
        return None
    attributes: dict[str, Any] = dict(present)
    if item.pdq and item.pdq_quality is not None:
        attributes["pdq_quality"] = item.pdq_quality
    if item.md5 and (features := video_hash_of(item.md5)):
        attributes["vpdq"] = to_lines(features)
    attributes["category"] = assessment.legality
    if assessment.scheme and assessment.severity:
        attributes["severity"] = f"{assessment.scheme}:{assessment.severity}"
    algorithm, value = present[0]
    entry, _ = _add(
        EntryKind.FILE,
        value,
        values.sha256_hex(f"{algorithm}:{value}"),
        actor=actor,
        item=item,
        attributes=attributes,
        note=f"confirmed {assessment.legality} (item {item.pk})",
    )
    return entry


def publish_listed_hashes(event: ReferralDispatched) -> None:
    """Listens to ``referral_dispatched``: a file referred to the ``hashlist`` destination
    (routing put it on the own hash list) also goes on the hash feed and into the TAXII hash
    collection."""
    if event.referral.destination != Destination.HASHLIST:
        return
    try:
        list_file(event.referral.online_item, actor=None)
    except NotAllowed:
        return  # no final illegal verdict: nothing to publish


# --- hashes the person depicted submitted ---------------------------------------------------


def self_reported_value_hash(file_pk: int) -> str:
    """One entry per submitted file, never shared between requests: a withdrawal takes exactly
    that person's files off the list, even when someone else sent the same picture."""
    return values.sha256_hex(f"self_reported_file:{file_pk}")


def _self_reported_attributes(file: SelfSubmittedFile) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "md5": file.md5,
        "category": CATEGORY,
        "label": LIST_LABEL,
        "media": file.media,
        "self_submitted_file": file.pk,
    }
    if file.media == SubmittedMedia.IMAGE:
        attributes["pdq"] = file.pdq
        attributes["pdq_quality"] = file.pdq_quality
    else:
        # The same form as a listed video's frames (Meta's text lines), from which every feed
        # format writes its own: python-threatexchange's signal string on /changes, a CSV cell...
        attributes["vpdq"] = to_lines(
            [
                VpdqFeature(frame_number=number, quality=quality, pdq=pdq, timestamp=seconds)
                for number, seconds, quality, pdq in file.vpdq
            ]
        )
    return attributes


@transaction.atomic
def list_self_submission(submission: SelfSubmission) -> int:
    """Put each file of a shared removal request on the self-reported hash list (its own list,
    serial, scope and TAXII collection); returns how many entries were added."""
    added = 0
    for file in submission.files.order_by("position"):
        _, created = _add(
            EntryKind.SELF_REPORTED_FILE,
            file.md5,
            self_reported_value_hash(file.pk),
            actor=None,
            attributes=_self_reported_attributes(file),
            note=f"removal request {submission.reference}, file {file.position + 1}",
        )
        added += created
    return added


@transaction.atomic
def unlist_self_submission(submission: SelfSubmission) -> int:
    """Take every file of a withdrawn removal request off the self-reported list: each feed
    shows it as removed from the next serial on, and it never comes back."""
    hashes = [self_reported_value_hash(pk) for pk in submission.files.values_list("pk", flat=True)]
    removed = 0
    for entry in Entry.objects.filter(
        kind=EntryKind.SELF_REPORTED_FILE, value_hash__in=hashes, removed_serial__isnull=True
    ).order_by("added_serial"):
        removed += _remove(
            entry, reason=RemovalReason.WITHDRAWN, note="withdrawn with the receipt", actor=None
        )
    return removed


def publish_self_submission(event: SelfSubmissionShared) -> None:
    """Listens to ``self_submission_shared``: the request's hashes go on the self-reported
    feeds."""
    list_self_submission(event.submission)


def withdraw_self_submission_entries(event: SelfSubmissionWithdrawn) -> None:
    """Listens to ``self_submission_withdrawn``: the request's hashes leave every feed."""
    unlist_self_submission(event.submission)


# --- consumers -------------------------------------------------------------------------------


@transaction.atomic
def subscribe(
    credential: ApiCredential, collection: Collection, *, acting_user: User | None
) -> FeedSubscription:
    """Let a consumer's credential read a TAXII collection."""
    subscription, _ = FeedSubscription.objects.get_or_create(
        credential=credential, collection=collection
    )
    record(
        "feeds.subscribe",
        actor=acting_user,
        obj=credential,
        detail={"collection": str(collection.pk), "alias": collection.alias},
    )
    return subscription


@transaction.atomic
def unsubscribe(
    credential: ApiCredential, collection: Collection, *, acting_user: User | None
) -> None:
    """Withdraw a consumer's access to a collection."""
    FeedSubscription.objects.filter(credential=credential, collection=collection).delete()
    record(
        "feeds.unsubscribe",
        actor=acting_user,
        obj=credential,
        detail={"collection": str(collection.pk), "alias": collection.alias},
    )


def audit_pull(credential: ApiCredential, feed: str, **detail: Any) -> None:
    """Every pull of a feed is audited: who, which feed, at which serial, in which form."""
    record("feeds.pull", actor=credential, obj=credential, detail={"feed": feed, **detail})


# --- publication -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Publication:
    path: Path
    serial: int
    domains: int
    written: bool
    reloaded: bool | None  # None: no reload command configured


def publish_rpz_zone(*, force: bool = False) -> Publication:
    """Write the response-policy zone at the current serial (atomically) and tell the DNS
    server to load it. Nothing is written when the file is already at that serial."""
    config = rpz.zone_config()
    path = rpz.zone_path(config)
    serial = queries.current_serial(FeedList.BLOCKLIST)
    if not force and rpz.published_serial(path) == serial:
        return Publication(path, serial, -1, written=False, reloaded=None)
    domains = queries.live_at(FeedList.BLOCKLIST, serial, [EntryKind.DOMAIN])
    names = domains.order_by("value").values_list("value", flat=True)
    count = rpz.write_zone(path, names.iterator(chunk_size=queries.CHUNK), serial, config)
    record(
        "feeds.rpz.publish",
        actor=None,
        object_type="feeds.zone",
        object_id=config.origin.to_text(omit_final_dot=True),
        detail={"serial": serial, "domains": count, "path": str(path)},
    )
    return Publication(path, serial, count, written=True, reloaded=_reload(config.origin.to_text()))


def _reload(origin: str) -> bool | None:
    command = str(settings.FEEDS_RPZ_RELOAD_COMMAND).strip()
    if not command:
        return None
    try:
        done = subprocess.run(  # noqa: S603 (the administrator's own command, no shell)
            shlex.split(command), capture_output=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.error("RPZ reload command for %s failed: %s", origin, exc)
        return False
    if done.returncode != 0:
        logger.error(
            "RPZ reload command for %s exited %s: %s",
            origin,
            done.returncode,
            done.stderr.decode(errors="replace").strip(),
        )
    return done.returncode == 0
