from __future__ import annotations

from hotline.cases.events import item_assessed
from hotline.routing.destinations import DISPATCHERS
from hotline.routing.events import (
    partner_reported_removal,
    referral_cancelled,
    referral_dispatched,
)
from hotline.site import pipeline
from hotline.takedown.events import removal_confirmed


def test_pipeline_connects_each_listener_once_in_its_written_order() -> None:
    pipeline.connect()  # again: connecting twice must not duplicate anything

    assert {
        event.name: event.listeners
        for event in (
            item_assessed,
            referral_dispatched,
            referral_cancelled,
            partner_reported_removal,
            removal_confirmed,
        )
    } == {
        "cases.item_assessed": [
            "hotline.takedown.actions.note_assessed",
            "hotline.routing.actions.route_after_verdict",
            "hotline.routing.federation.actions.tell_origin_after_verdict",
        ],
        "routing.referral_dispatched": [
            "hotline.takedown.actions.note_referral_sent",
            "hotline.feeds.actions.publish_listed_hashes",
        ],
        "routing.referral_cancelled": ["hotline.takedown.actions.drop_cancelled_notice"],
        "routing.partner_reported_removal": ["hotline.takedown.actions.confirm_partner_removal"],
        "takedown.removal_confirmed": [
            "hotline.takedown.actions.tell_partners_of_removal",
            "hotline.feeds.actions.unlist_after_removal",
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
