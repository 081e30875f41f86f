"""Federation: hotline instances forward items to each other and report back what happened.

When content is hosted in a partner's country, routing refers the assessed item to that
partner (``Destination.PARTNER``); this package carries the referral over HTTP to the
partner's own Hotline instance, which files it as a report, acts there, and reports status
back. docs/federation.md is the same description for partners' administrators.

The protocol
============

Every message is one JSON object POSTed to ``{partner.base_url}/api/v1/federation/inbox``
with ``Content-Type: application/json``, signed with RFC 9421 HTTP Message Signatures
(Ed25519, ``hotline.routing.federation.signatures``: covers ``@method``, ``@target-uri``,
``content-digest`` (RFC 9530) and ``content-type``; ``created``/``expires``, a one-time
``nonce``, ``keyid`` = ``ed25519:<base64url sha-256 of the public key>``). The receiver knows
the sender by that key id: partners exchange public keys out of band (``hotline federation
key`` / ``hotline federation add-partner``). Each body has::

    {"id": "<uuid>", "type": "forward" | "ack" | "status" | "ping", "sent_at": "<ISO 8601>", ...}

``id`` is the sender's outbox message id: delivery is at least once, retries carry the same
id (with a fresh signature), and the receiver applies each id once, answering a repeat with
the answer it stored the first time.

``forward`` (origin → partner): ``reference`` (the origin's referral id) and ``package``,
``hotline.routing.packages.item_package``: the item (URL or hashes, host, hosting country,
report count, concerns), the origin's assessment and hosting trace. Never the reporter's
identity or contact, never a description, never media. The partner files a report (channel
``partner``, ``external_id`` = reference) and answers 201 ``{"reference", "remote_reference"}``.

``ack`` (partner → origin), queued when the forward is filed: ``{"reference": <the
origin's referral id>, "remote_reference": <the partner's report reference>}``; the origin's
referral becomes *acknowledged*.

``status`` (partner → origin): ``{"reference", "status", "at", "remote_reference"?,
"legality"?}`` with ``status`` one of ``assessed`` (illegal there; the partner acts on it:
referral *acted on*), ``not_illegal`` (referral *closed*) and ``removed`` (referral *closed*,
the item closed as removed at ``at``, so the origin's timeline shows the time to removal).
Each status is sent once per forward. A referral never moves backwards: messages that
arrive late or out of order change nothing but a missing remote reference.

``ping`` (either way, nothing else): a connection test from the administrators' partner page
or ``hotline federation ping``. It is signed and verified like every message and answered
200 ``{"id", "type": "ping", "pong": true, "instance", "country"}``; it is audited on both
sides and changes nothing else (it is not stored for replays: a repeat is answered again).

Answers: 2xx JSON on success (``{"id", "type", "reference", ...}``); problems (RFC 9457)
otherwise: 401 with ``reason`` for a signature that does not verify (unknown key, bad
signature, bad digest, expired, replayed nonce, ...), 400 malformed JSON, 415 not JSON,
413 too large, 422 with ``errors`` per field, 409 for a conflict. 4xx answers are final
for the sender's outbox (the message is parked); 5xx and network errors are retried.

Modules: ``signatures`` (RFC 9421 signing and verifying, pure), ``structured_fields`` (the
RFC 8941 subset signatures need, pure), ``keys`` (Ed25519 keys, their text forms and key ids),
``nonces`` (replay protection: the store's rules, the database store, an in-memory fake),
``protocol`` (message formats, pure), ``identity`` (our key, the outbox signer), ``actions``
(every write), ``views`` (the inbox), ``tasks`` (nonce purge), ``wiring`` (registers the
signer, the ``partner`` destination and the nonce purge).

Why our own RFC 8941 and RFC 9421 code, not a library
==============================================="""

from __future__ import annotations
