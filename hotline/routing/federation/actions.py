"""Every write of federation: the partner directory, forwards out, messages in, statuses back.

Outgoing messages are queued in the outbox in the transaction of the change that causes them
(``send_message``); the ``http`` channel signs each delivery attempt with our key. Incoming
messages arrive verified (``views.inbox``) and are applied once each (``receive_message``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import URLValidator
from django.db import models, transaction
from django.utils import timezone

from hotline.accounts.actions import create_organisation
from hotline.accounts.models import Organisation, OrganisationKind, User, validate_country
from hotline.audit.actions import record
from hotline.cases.actions import FileInput, ReportInput, file_report
from hotline.cases.events import ItemAssessed
from hotline.cases.models import (
    Channel,
    CloseReason,
    Item,
    ItemKind,
    ItemStatus,
    Legality,
)
from hotline.outbox.actions import enqueue, park
from hotline.outbox.models import MessageStatus, OutboxMessage
from hotline.routing.actions import update_referral
from hotline.routing.engine import final_assessment
from hotline.routing.events import PartnerReportedRemoval, partner_reported_removal
from hotline.routing.federation.identity import parse_public_key, sign_outgoing
from hotline.routing.federation.keys import KeyFormatError, key_id_for, public_key_to_text
from hotline.routing.federation.protocol import (
    ACK,
    ASSESSED,
    FORWARD,
    NOT_ILLEGAL,
    PING,
    REMOVED,
    SIGNER_NAME,
    STATUS,
    Ack,
    Forward,
    InvalidMessage,
    Message,
    Ping,
    Status,
    envelope,
    inbox_url,
)
from hotline.routing.models import (
    Destination,
    FederationMessage,
    InboundForward,
    Partner,
    Referral,
    ReferralStatus,
)
from hotline.routing.outcomes import AwaitingDelivery, Outcome, Waiting
from hotline.routing.packages import item_package

# A referral only moves forward: a late or repeated message never undoes a later step.
_LIFECYCLE = [
    ReferralStatus.QUEUED,
    ReferralStatus.SENT,
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.ACTED_ON,
    ReferralStatus.CLOSED,
]


@dataclass(frozen=True)
class Answer:
    """What the inbox answers a message: HTTP status and JSON body (stored for replays)."""

    status: int
    body: dict[str, Any]


class PartnerError(ValueError):
    """A partner cannot be registered as given; the message says what to fix."""


# --- the partner directory ------------------------------------------------------------------


@transaction.atomic
def add_partner(
    *,
    name: str,
    country: str,
    base_url: str,
    public_key: str,
    countries: Sequence[str] = (),
    expected_key_id: str = "",
    acting_user: User | None,
) -> Partner:
    """Trust another Hotline instance: its organisation (a hotline), inbox and public key.

    An organisation of that name is reused if it is a hotline without a partner entry yet.
    ``countries`` (default: ``country``) are those whose hosted content we forward to it.
    ``expected_key_id``, when given, must be the key id of ``public_key`` (the partner reads
    theirs out over another channel, so a key mangled or swapped on the way is refused).
    """
    try:
        key = parse_public_key(public_key)
    except KeyFormatError as exc:
        raise PartnerError(f"public key: {exc}") from None
    base_url = base_url.strip().rstrip("/")
    try:
        URLValidator(schemes=["http", "https"])(base_url)
    except ValidationError:
        raise PartnerError(
            f"base URL: expected https://host[:port] (or http:// for tests), got {base_url!r}"
        ) from None
    country = country.strip().upper()
    codes = [code.strip().upper() for code in countries if code.strip()] or [country]
    for code in dict.fromkeys([country, *codes]):
        try:
            validate_country(code)
        except ValidationError:
            raise PartnerError(f"{code!r} is not an ISO 3166-1 alpha-2 country code") from None
    key_id = key_id_for(key)
    if expected_key_id and expected_key_id.strip() != key_id:
        raise PartnerError(f"the public key's id is {key_id}, not {expected_key_id.strip()}")
    if _key_in_use(key_id):
        raise PartnerError(f"a partner with this public key ({key_id}) is already registered")
    organisation = Organisation.objects.filter(name=name).first()
    if organisation is None:
        organisation = create_organisation(
            name=name, kind=OrganisationKind.HOTLINE, country=country, acting_user=acting_user
        )
    elif organisation.kind != OrganisationKind.HOTLINE or organisation.is_own:
        raise PartnerError(f"{name!r} is an organisation here that is not a partner hotline")
    elif Partner.objects.filter(organisation=organisation).exists():
        raise PartnerError(f"{name!r} is already a partner")
    partner = Partner(
        organisation=organisation,
        base_url=base_url,
        key_id=key_id,
        public_key=public_key_to_text(key),
        countries=codes,
    )
    try:
        partner.full_clean()
    except ValidationError as exc:
        raise PartnerError("; ".join(exc.messages)) from None
    partner.save(force_insert=True)
    record(
        "partner.add",
        actor=acting_user,
        obj=partner,
        detail={"organisation": name, "key_id": key_id, "base_url": base_url, "countries": codes},
    )
    return partner


@transaction.atomic
def set_partner_countries(
    partner: Partner, countries: Sequence[str], *, acting_user: User | None
) -> Partner:
    """Change the countries whose hosted content routing forwards to ``partner``."""
    codes = list(dict.fromkeys(code.strip().upper() for code in countries if code.strip()))
    if not codes:
        raise PartnerError("countries: name at least one ISO 3166-1 alpha-2 country code")
    for code in codes:
        try:
            validate_country(code)
        except ValidationError:
            raise PartnerError(f"{code!r} is not an ISO 3166-1 alpha-2 country code") from None
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    before = list(partner.countries)
    partner.countries = codes
    partner.save(update_fields=["countries"])
    record(
        "partner.countries",
        actor=acting_user,
        obj=partner,
        detail={"before": before, "after": codes},
    )
    return partner


def _key_in_use(key_id: str, *, exclude: Partner | None = None) -> bool:
    """Whether a partner signs with this key, or did until its last replacement."""
    partners = Partner.objects.filter(models.Q(key_id=key_id) | models.Q(previous_key_id=key_id))
    if exclude is not None:
        partners = partners.exclude(pk=exclude.pk)
    return partners.exists()


def _retire(partner: Partner) -> None:
    partner.previous_key_id = ""
    partner.previous_public_key = ""
    partner.previous_key_expires_at = None


MAX_KEY_OVERLAP_HOURS = 24 * 30


@transaction.atomic
def replace_partner_key(
    partner: Partner,
    *,
    public_key: str,
    expected_key_id: str = "",
    overlap_hours: int = 24,
    acting_user: User | None,
) -> Partner:
    """Pin the partner's new public key. Their old key stays accepted for ``overlap_hours``
    (messages they signed before switching still arrive), then is refused; 0 retires it at once.
    ``expected_key_id``, when given, must be the new key's id (read out over another channel)."""
    try:
        key = parse_public_key(public_key)
    except KeyFormatError as exc:
        raise PartnerError(f"public key: {exc}") from None
    if not 0 <= overlap_hours <= MAX_KEY_OVERLAP_HOURS:
        raise PartnerError(f"overlap: between 0 and {MAX_KEY_OVERLAP_HOURS} hours")
    key_id = key_id_for(key)
    if expected_key_id and expected_key_id.strip() != key_id:
        raise PartnerError(f"the public key's id is {key_id}, not {expected_key_id.strip()}")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if key_id == locked.key_id:
        raise PartnerError(f"public key: {key_id} is already this partner's pinned key")
    if _key_in_use(key_id, exclude=locked) or key_id == locked.previous_key_id:
        raise PartnerError(f"a partner with this public key ({key_id}) is already registered")
    old_key_id = locked.key_id
    now = timezone.now()
    if overlap_hours:
        locked.previous_key_id = locked.key_id
        locked.previous_public_key = locked.public_key
        locked.previous_key_expires_at = now + timedelta(hours=overlap_hours)
    else:
        _retire(locked)
    locked.key_id = key_id
    locked.public_key = public_key_to_text(key)
    locked.save(
        update_fields=[
            "key_id",
            "public_key",
            "previous_key_id",
            "previous_public_key",
            "previous_key_expires_at",
        ]
    )
    record(
        "partner.key_replace",
        actor=acting_user,
        obj=locked,
        detail={
            "old_key_id": old_key_id,
            "new_key_id": key_id,
            "old_key_accepted_until": (
                locked.previous_key_expires_at.isoformat()
                if locked.previous_key_expires_at
                else None
            ),
        },
    )
    return locked


@transaction.atomic
def retire_previous_key(partner: Partner, *, acting_user: User | None) -> Partner:
    """End the overlap now: the partner's key of before its last replacement is refused."""
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if not locked.previous_key_id:
        raise PartnerError("this partner has no previous key to retire")
    retired = locked.previous_key_id
    _retire(locked)
    locked.save(update_fields=["previous_key_id", "previous_public_key", "previous_key_expires_at"])
    record("partner.key_retire", actor=acting_user, obj=locked, detail={"key_id": retired})
    return locked


@transaction.atomic
def set_partner_active(
    partner: Partner, *, active: bool, reason: str = "", acting_user: User | None
) -> Partner:
    """Deactivate a partner (its signed messages are refused with ``partner_deactivated``,
    nothing new is forwarded to it, and the messages still queued for it are parked) or
    activate it again. ``reason`` is required to deactivate; audited."""
    reason = reason.strip()
    if not active and not reason:
        raise PartnerError("reason: say why the partner is deactivated")
    locked = Partner.objects.select_for_update().get(pk=partner.pk)
    if locked.active == active:
        state = "active" if active else "deactivated"
        raise PartnerError(f"this partner is already {state}")
    locked.active = active
    locked.save(update_fields=["active"])
    detail: dict[str, Any] = {"reason": reason} if reason else {}
    if not active:
        # What was queued for it stays, parked: an administrator unparks it from the outbox
        # page if the partner is trusted again.
        waiting = OutboxMessage.objects.filter(
            channel="http", destination=inbox_url(locked.base_url), status=MessageStatus.PENDING
        )
        for message in waiting:
            park(message, reason=f"partner deactivated: {reason}", acting_user=acting_user)
        detail["parked_messages"] = len(waiting)
    record(
        "partner.activate" if active else "partner.deactivate",
        actor=acting_user,
        obj=locked,
        detail=detail,
    )
    return locked


@dataclass(frozen=True)
class PingResult:
    """What a connection test found: ``ok`` only if the partner verified our signature and
    answered the ping; otherwise ``detail`` says what went wrong (their 401 ``reason`` when
    they refused our key, the network error when they could not be reached)."""

    ok: bool
    status: int | None
    detail: str
    reason: str = ""
    instance: str = ""


def _ping_result(status: int | None, raw: bytes, error: str = "") -> PingResult:
    try:
        body = json.loads(raw) if raw else {}
    except (ValueError, UnicodeDecodeError):
        body = {}
    if not isinstance(body, dict):
        body = {}
    if status == 200 and body.get("type") == PING and body.get("pong") is True:
        instance = str(body.get("instance", ""))[:200]
        return PingResult(True, status, f"answered by {instance or 'the partner'}", "", instance)
    if status is None:
        return PingResult(False, None, error)
    detail = str(body.get("detail") or body.get("title") or raw[:300].decode("utf-8", "replace"))
    return PingResult(False, status, detail, str(body.get("reason", ""))[:100])


def ping_partner(partner: Partner, *, acting_user: User | None) -> PingResult:
    """Send a signed ``ping`` to the partner's inbox now and report what came back (audited).

    Sent directly rather than through the outbox: a connection test must show the real
    answer of this moment, and a failed one is not worth retrying.
    """
    url = inbox_url(partner.base_url)
    body = json.dumps(envelope(PING, {}, message_id=str(uuid4())), separators=(",", ":"))
    headers = {"Content-Type": "application/json", "User-Agent": "Hotline federation ping"}
    try:
        headers.update(sign_outgoing("POST", url, body.encode(), headers))
        request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=settings.OUTBOX_HTTP_TIMEOUT) as response:  # noqa: S310
            result = _ping_result(response.status, response.read(65536))
    except urllib.error.HTTPError as exc:
        result = _ping_result(exc.code, exc.read(65536))
    except (urllib.error.URLError, OSError) as exc:
        result = _ping_result(None, b"", f"cannot reach {url}: {getattr(exc, 'reason', exc)}")
    except ImproperlyConfigured as exc:
        result = _ping_result(None, b"", f"our federation key is not configured: {exc}")
    record(
        "partner.ping",
        actor=acting_user,
        obj=partner,
        detail={
            "ok": result.ok,
            "status": result.status,
            "reason": result.reason,
            "detail": result.detail[:300],
        },
    )
    return result


# --- sending --------------------------------------------------------------------------------


@transaction.atomic
def send_message(
    partner: Partner, message_type: str, fields: dict[str, Any], *, related: models.Model
) -> OutboxMessage:
    """Queue one signed message to ``partner``'s inbox, in the caller's transaction.

    The body's ``id`` is the outbox message id, so every retry of it carries the same id and
    the partner applies it once.
    """
    message_id = uuid4()
    body = envelope(message_type, fields, message_id=str(message_id))
    payload: dict[str, Any] = {"body": body, "signer": SIGNER_NAME}
    message = enqueue(
        "http", inbox_url(partner.base_url), payload, related=related, message_id=message_id
    )
    record(
        "federation.send",
        actor=None,
        obj=related,
        detail={
            "partner": partner.organisation.name,
            "type": message_type,
            "message": str(message.id),
            "reference": fields.get("reference", ""),
            "status": fields.get("status", ""),
        },
    )
    return message


def forward_referral(referral: Referral) -> Outcome:
    """The PARTNER dispatcher: queue the signed forward; routing marks the referral sent when
    the partner's inbox accepted it (HTTP 2xx) and acknowledged when the ack arrives.

    Runs inside the routing transaction. What leaves is ``item_package``: metadata, the
    assessment, the hosting trace and hashes, never the reporter or a description.
    """
    partner = referral.partner
    if partner is None or not partner.active:
        return Waiting("the partner directory needs an administrator's look")
    package = item_package(referral.online_item, final_assessment(referral.online_item))
    message = send_message(
        partner, FORWARD, {"reference": str(referral.pk), "package": package}, related=referral
    )
    return AwaitingDelivery(message_id=message.pk)


def _tell(inbound: InboundForward, status: str, *, at: datetime, legality: str = "") -> None:
    """Tell the origin partner a status of the item it forwarded, once per status."""
    if status in inbound.statuses_sent or not inbound.partner.active:
        return
    fields: dict[str, Any] = {
        "reference": inbound.their_reference,
        "status": status,
        "at": at.isoformat(),
        "remote_reference": inbound.report.reference,
    }
    if legality:
        fields["legality"] = legality
    send_message(inbound.partner, STATUS, fields, related=inbound)
    inbound.statuses_sent = [*inbound.statuses_sent, status]
    inbound.save(update_fields=["statuses_sent"])


def _forwards_of(item: Item) -> list[InboundForward]:
    return list(
        InboundForward.objects.select_for_update()
        .filter(item=item)
        .select_related("partner__organisation", "report")
    )


def tell_origin_after_verdict(event: ItemAssessed) -> None:
    """Listens to ``item_assessed``: an item a partner forwarded was assessed; tell them what
    we found.

    Illegal: ``assessed`` (we act on it); not illegal: ``not_illegal``. A doubtful verdict
    decides nothing yet, so nothing is said.
    """
    item, assessment = event.item, event.assessment
    if assessment.legality == Legality.NOT_ILLEGAL:
        status = NOT_ILLEGAL
    elif assessment.is_illegal:
        status = ASSESSED
    else:
        return
    for inbound in _forwards_of(item):
        _tell(inbound, status, at=assessment.created_at, legality=assessment.legality)


def tell_origin_of_removal(item: Item, *, removed_at: datetime) -> None:
    """An item a partner forwarded is confirmed removed (takedown calls this when it confirms
    a removal); tell them when."""
    for inbound in _forwards_of(item):
        _tell(inbound, REMOVED, at=removed_at)


def _catch_up(inbound: InboundForward) -> None:
    """A forward of an item we had already decided on: say so at once."""
    item = inbound.item
    if item.status == ItemStatus.CLOSED and item.close_reason == CloseReason.NOT_ILLEGAL:
        _tell(inbound, NOT_ILLEGAL, at=item.closed_at or timezone.now())
    elif item.status == ItemStatus.ASSESSED:
        assessment = final_assessment(item)
        if assessment is not None and assessment.is_illegal:
            _tell(inbound, ASSESSED, at=assessment.created_at, legality=assessment.legality)


# --- receiving ------------------------------------------------------------------------------


def stored_answer(partner: Partner, message_id: UUID) -> Answer | None:
    """The answer a message from ``partner`` with this id already got, if any."""
    stored = (
        FederationMessage.objects.filter(partner=partner, message_id=message_id)
        .only("response_status", "response_body")
        .first()
    )
    if stored is None:
        return None
    return Answer(stored.response_status, stored.response_body)


@transaction.atomic
def receive_message(
    partner: Partner, message: Message, *, key_id: str, signed_at: datetime
) -> Answer:
    """Apply one verified message from ``partner``; a repeated message id gets the first answer.

    Raises ``InvalidMessage`` (nothing stored) when the message names something we do not
    know, such as a referral we never sent this partner.
    """
    if isinstance(message.content, Ping):
        record(
            "federation.ping",
            actor=None,
            obj=partner,
            detail={"partner": partner.organisation.name, "message": str(message.id)},
        )
        return Answer(
            200,
            {
                "id": str(message.id),
                "type": PING,
                "pong": True,
                "instance": settings.INSTANCE_NAME,
                "country": settings.INSTANCE_COUNTRY,
            },
        )
    previous = stored_answer(partner, message.id)
    if previous is not None:
        return previous
    # Stored first: a concurrent delivery of the same id waits on this row's unique key.
    stored = FederationMessage.objects.create(
        partner=partner,
        message_id=message.id,
        type=message.type,
        key_id=key_id,
        signed_at=signed_at,
    )
    content = message.content
    if isinstance(content, Forward):
        answer = _receive_forward(partner, content)
    elif isinstance(content, Ack):
        answer = _receive_ack(partner, content)
    else:
        answer = _receive_status(partner, content)
    body = {"id": str(message.id), "type": message.type, **answer.body}
    stored.response_status = answer.status
    stored.response_body = body
    stored.save(update_fields=["response_status", "response_body"])
    record(
        "federation.receive",
        actor=None,
        obj=stored,
        detail={"partner": partner.organisation.name, **answer.body},
    )
    return Answer(answer.status, body)


def _receive_forward(partner: Partner, forward: Forward) -> Answer:
    inbound = (
        InboundForward.objects.filter(partner=partner, their_reference=forward.reference)
        .select_related("report")
        .first()
    )
    if inbound is not None:  # the same referral sent again under a new message id
        return Answer(
            200, {"reference": forward.reference, "remote_reference": inbound.report.reference}
        )
    annotations = [
        f"Forwarded by the partner hotline {partner.organisation.name} "
        f"({partner.organisation.country}); their reference {forward.reference}."
    ]
    if forward.legality:
        verdict = ", ".join(part for part in (forward.legality, forward.severity) if part)
        annotations.append(f"Their assessment: {verdict}.")
    filed = file_report(
        ReportInput(
            channel=Channel.PARTNER,
            concern=forward.concern,
            urls=[forward.url] if forward.kind == ItemKind.URL else [],
            files=[_file_input(forward.hashes)] if forward.kind == ItemKind.FILE else [],
            submitted_by=partner.organisation,
            external_id=forward.reference,
            annotations=annotations,
        ),
        actor=None,
    )
    item = (filed.new_items + filed.known_items)[0]
    inbound = InboundForward.objects.create(
        partner=partner, their_reference=forward.reference, report=filed.report, item=item
    )
    send_message(
        partner,
        ACK,
        {"reference": forward.reference, "remote_reference": filed.report.reference},
        related=inbound,
    )
    _catch_up(inbound)
    return Answer(201, {"reference": forward.reference, "remote_reference": filed.report.reference})


def _file_input(hashes: dict[str, str]) -> FileInput:
    return FileInput(
        md5=hashes.get("md5", ""),
        sha1=hashes.get("sha1", ""),
        sha256=hashes.get("sha256", ""),
        pdq=hashes.get("pdq", ""),
    )


def _our_referral(partner: Partner, reference: str) -> Referral:
    referral = None
    if reference.isdigit():
        referral = (
            Referral.objects.select_for_update()
            # only forwards of items travel over federation (travel referrals are e-mailed)
            .filter(
                pk=int(reference),
                partner=partner,
                destination=Destination.PARTNER,
                item__isnull=False,
            )
            .first()
        )
    if referral is None:
        raise InvalidMessage(
            "We sent you no forward with this reference.",
            errors={"reference": ["No forward of ours to you has this reference."]},
        )
    if referral.status in (ReferralStatus.HELD, ReferralStatus.CANCELLED):
        raise InvalidMessage(
            f"This referral is {referral.status}: it was never forwarded.",
            errors={"reference": [f"The referral is {referral.status}."]},
            status=409,
            title="Conflict",
        )
    return referral


def _advance(
    referral: Referral, status: str, *, outcome: str = "", remote_reference: str = ""
) -> Referral:
    if _LIFECYCLE.index(ReferralStatus(status)) > _LIFECYCLE.index(ReferralStatus(referral.status)):
        return update_referral(
            referral,
            status=status,
            outcome=outcome,
            remote_reference=remote_reference,
            acting_user=None,
        )
    if remote_reference and not referral.remote_reference:
        return update_referral(
            referral, status=referral.status, remote_reference=remote_reference, acting_user=None
        )
    return referral


def _receive_ack(partner: Partner, ack: Ack) -> Answer:
    referral = _advance(
        _our_referral(partner, ack.reference),
        ReferralStatus.ACKNOWLEDGED,
        remote_reference=ack.remote_reference,
    )
    return Answer(200, {"reference": ack.reference, "referral_status": referral.status})


def _receive_status(partner: Partner, status: Status) -> Answer:
    referral = _our_referral(partner, status.reference)
    name = partner.organisation.name
    if status.status == ASSESSED:
        legality = f" ({status.legality})" if status.legality else ""
        referral = _advance(
            referral,
            ReferralStatus.ACTED_ON,
            outcome=f"{name} found it illegal{legality} and acts on it.",
            remote_reference=status.remote_reference,
        )
    elif status.status == NOT_ILLEGAL:
        referral = _advance(
            referral,
            ReferralStatus.CLOSED,
            outcome=f"Not illegal under the law where it is hosted, says {name}.",
            remote_reference=status.remote_reference,
        )
    else:
        referral = _advance(
            referral,
            ReferralStatus.CLOSED,
            outcome=f"Removed, as {name} confirmed.",
            remote_reference=status.remote_reference,
        )
        partner_reported_removal.send(
            PartnerReportedRemoval(
                item=referral.online_item,
                at=min(status.at, timezone.now()),
                source=f"partner {name}",
            )
        )
    return Answer(200, {"reference": status.reference, "referral_status": referral.status})
