"""The federation inbox: ``POST /api/v1/federation/inbox``, signed messages from partners.

Checked in this order, cheapest and least revealing first: method (405), size (413), the
RFC 9421 signature against the partners' pinned keys (and a replaced key during its overlap)
with the shared nonce store (401, the problem's ``reason`` names what failed), the partner
still active (403 ``partner_deactivated``), media type (415), JSON (400), the message's fields
(422, with ``errors`` per field). Then the message is applied once (``receive_message``).
"""

from __future__ import annotations

import json
import logging

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hotline.core.api import problem
from hotline.routing.federation.actions import receive_message, stored_answer
from hotline.routing.federation.identity import parse_public_key
from hotline.routing.federation.keys import KeyFormatError, key_id_for
from hotline.routing.federation.nonces import DatabaseNonceStore
from hotline.routing.federation.protocol import MAX_MESSAGE_BYTES, InvalidMessage, parse_message
from hotline.routing.federation.signatures import SignatureError, verify_request
from hotline.routing.models import Partner

logger = logging.getLogger(__name__)


def _partner_with_key(key_id: str) -> tuple[Partner, str] | None:
    """The partner (active or not) that signs with ``key_id``, and that key's text: its pinned
    key, or the one of before its last replacement while the overlap lasts."""
    partner = Partner.objects.filter(key_id=key_id).select_related("organisation").first()
    if partner is not None:
        return partner, partner.public_key
    partner = Partner.objects.filter(previous_key_id=key_id).select_related("organisation").first()
    if partner is not None and partner.previous_key_valid():
        return partner, partner.previous_public_key
    return None


def partner_key(key_id: str) -> Ed25519PublicKey | None:
    """The public key a partner signs with under this id, or None. A deactivated partner's key
    is still resolved, so that its signed request is told it is deactivated (and nobody else
    learns it)."""
    found = _partner_with_key(key_id)
    if found is None:
        return None
    partner, text = found
    try:
        key = parse_public_key(text)
    except KeyFormatError:
        logger.warning("partner %s has an unreadable public key", partner.pk)
        return None
    if key_id_for(key) != key_id:
        logger.warning("partner %s: its key id does not match its public key", partner.pk)
        return None
    return key


@csrf_exempt
def inbox(request: HttpRequest) -> HttpResponse:
    """Receive one signed federation message."""
    if request.method != "POST":
        response = problem(405, "Method not allowed", "Send messages with POST.")
        response["Allow"] = "POST"
        return response
    if len(request.body) > MAX_MESSAGE_BYTES:
        return problem(413, "Message too large", f"At most {MAX_MESSAGE_BYTES} bytes.")
    try:
        verified = verify_request(
            method=request.method,
            url=request.build_absolute_uri(),
            headers=dict(request.headers),
            body=request.body,
            resolve_key=partner_key,
            seen_nonce=DatabaseNonceStore().seen,
            max_age=settings.FEDERATION_MAX_AGE_SECONDS,
        )
    except SignatureError as exc:
        logger.warning("federation message refused: %s (%s)", exc.reason, exc)
        return problem(401, "Signature not accepted", str(exc), reason=exc.reason)
    found = _partner_with_key(verified.key_id)
    if found is None:  # its key was replaced and retired a moment ago
        return problem(401, "Signature not accepted", "Unknown key.", reason="unknown key")
    partner = found[0]
    if not partner.active:
        logger.warning("federation message refused: partner %s is deactivated", partner.pk)
        return problem(
            403,
            "Partner deactivated",
            f"{settings.INSTANCE_NAME} has deactivated its partnership with "
            f"{partner.organisation.name}: no message is accepted. Ask its administrators.",
            reason="partner_deactivated",
        )
    if request.content_type != "application/json":
        return problem(415, "Unsupported media type", "Send the message as application/json.")
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        return problem(400, "Malformed JSON", f"The body is not valid JSON: {exc}")
    try:
        message = parse_message(data)
        try:
            answer = receive_message(
                partner, message, key_id=verified.key_id, signed_at=verified.created
            )
        except IntegrityError:
            # A concurrent delivery of the same message won the race: give its answer.
            replayed = stored_answer(partner, message.id)
            if replayed is None:
                raise InvalidMessage(
                    "This message conflicts with one received before.",
                    status=409,
                    title="Conflict",
                ) from None
            answer = replayed
    except InvalidMessage as exc:
        return problem(exc.status, exc.title, exc.detail, errors=exc.errors)
    return JsonResponse(answer.body, status=answer.status)
