from __future__ import annotations

from hotline.routing.destinations import DISPATCHERS
from hotline.site import pipeline


def test_pipeline_connects_each_listener_once_in_its_written_order() -> None:
    pipeline.connect()  # again: connecting twice must not duplicate anything

    assert {event.name: event.listeners for event in pipeline.EVENTS} == {
        "cases.item_assessed": [
            "hotline.takedown.actions.note_assessed",
            "hotline.routing.actions.route_after_verdict",
            "hotline.routing.federation.actions.tell_origin_after_verdict",
        ],
        "routing.referral_dispatched": ["hotline.feeds.actions.publish_listed_hashes"],
        "outbox.message_delivered": [
            "hotline.routing.actions.note_message_delivered",
            "hotline.takedown.actions.note_notice_delivered",
        ],
        "routing.referral_delivered": ["hotline.takedown.actions.note_referral_delivered"],
        "routing.referral_cancelled": ["hotline.takedown.actions.drop_cancelled_notice"],
        "routing.partner_reported_removal": ["hotline.takedown.actions.confirm_partner_removal"],
        "takedown.removal_confirmed": [
            "hotline.takedown.actions.tell_partners_of_removal",
            "hotline.feeds.actions.unlist_after_removal",
        ],
        "matching.self_submission_shared": ["hotline.feeds.actions.publish_self_submission"],
        "matching.self_submission_withdrawn": [
            "hotline.feeds.actions.withdraw_self_submission_entries"
        ],
    }


def test_every_destination_has_exactly_one_dispatcher() -> None:
    assert {key: f"{value.__module__}.{value.__name__}" for key, value in DISPATCHERS.items()} == {
        "police": "hotline.routing.destinations.police",
        "interpol": "hotline.routing.destinations.police",
        "hashlist": "hotline.routing.destinations.own_hash_list",
        "partner": "hotline.routing.federation.actions.forward_referral",
        "notice": "hotline.takedown.destinations.notice",
        "blocklist": "hotline.feeds.actions.blocklist_dispatcher",
    }
