"""Who listens to which domain event, in which order: the one place that says so.

Lower apps announce what happened with typed events (``hotline.core.events``), each defined
by the owning app and sent from the one action that causes it; higher apps' listeners (plain
functions in their ``actions.py``) are connected here, in the order written below. Nothing
depends on ``INSTALLED_APPS``, and a test can read each event's ``listeners``.

Why one module and not each app's ``ready()``: the order matters (the timeline's
``assessed_at`` before routing, because routing's first referrals are steps after it; the
partner hears of a removal before the feeds re-publish), and an order spread over several
``ready()`` methods is an order nobody chose.

Listeners run in the sender's transaction: a listener's error rolls back the step.
"""

from __future__ import annotations

from hotline.cases.events import item_assessed
from hotline.feeds.actions import (
    publish_listed_hashes,
    publish_self_submission,
    unlist_after_removal,
    withdraw_self_submission_entries,
)
from hotline.matching.events import self_submission_shared, self_submission_withdrawn
from hotline.outbox.events import message_delivered
from hotline.routing.actions import note_message_delivered, route_after_verdict
from hotline.routing.events import (
    partner_reported_removal,
    referral_cancelled,
    referral_delivered,
    referral_dispatched,
)
from hotline.routing.federation.actions import tell_origin_after_verdict
from hotline.takedown.actions import (
    confirm_partner_removal,
    drop_cancelled_notice,
    note_assessed,
    note_notice_delivered,
    note_referral_delivered,
    tell_partners_of_removal,
)
from hotline.takedown.events import removal_confirmed

EVENTS = (
    item_assessed,
    referral_dispatched,
    message_delivered,
    referral_delivered,
    referral_cancelled,
    partner_reported_removal,
    removal_confirmed,
    self_submission_shared,
    self_submission_withdrawn,
)


def connect() -> None:
    """Connect every listener in order (idempotent: reconnects from scratch)."""
    for event in EVENTS:
        event.disconnect_all()

    # cases: an item has its final verdict.
    item_assessed.connect(note_assessed)  # takedown: the timeline's assessed_at, first
    item_assessed.connect(route_after_verdict)  # routing: plan and dispatch the referrals
    item_assessed.connect(tell_origin_after_verdict)  # federation: the partner that forwarded it

    # routing: a referral went through its dispatcher and the outcome is recorded.
    referral_dispatched.connect(publish_listed_hashes)  # feeds: hash list → hash feed + TAXII

    # outbox: a message was delivered (the receiver answered; sent_at is the delivery time).
    message_delivered.connect(note_message_delivered)  # routing: its referral is now sent
    message_delivered.connect(note_notice_delivered)  # takedown: notice sent, referrals sent

    # routing: a referral's message was delivered.
    referral_delivered.connect(note_referral_delivered)  # takedown: police / partner step

    # routing: a supervisor cancelled a referral before it went out.
    referral_cancelled.connect(drop_cancelled_notice)  # takedown: off the unsent notice

    # routing (federation): the partner says the content is removed.
    partner_reported_removal.connect(confirm_partner_removal)  # takedown: confirm the removal

    # takedown: the content is confirmed gone.
    removal_confirmed.connect(tell_partners_of_removal)  # federation: tell the origin partner
    removal_confirmed.connect(unlist_after_removal)  # feeds: off the blocklist, referral closed

    # matching: a hash-only removal request may be shared / was withdrawn with its receipt.
    self_submission_shared.connect(publish_self_submission)  # feeds: on the self-reported list
    self_submission_withdrawn.connect(withdraw_self_submission_entries)  # feeds: off every feed
