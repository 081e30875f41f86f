"""A small synthetic data set whose every statistic is computed by hand in the tests.

Calendar year 2025 (UTC). Reserved names only (``*.example.test``); no content anywhere.
Times are chosen so each figure has one obvious answer; the comments say what counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.accounts.models import User
from hotline.cases.models import (
    Assessment,
    Channel,
    Concern,
    Confirmation,
    Item,
    ItemStatus,
    Report,
)
from hotline.routing.models import Destination, HostingProvider, Referral, ReferralStatus
from hotline.takedown.models import Timeline

YEAR = 2025
# "Now" for the statistics: after every window of the 2025 items has passed.
NOW = datetime(2026, 1, 10, tzinfo=UTC)


def at(month: int, day: int, hour: int = 0, year: int = YEAR) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


_counter = iter(range(1, 10_000))


def report(when: datetime, channel: str, concern: str) -> Report:
    n = next(_counter)
    return Report.objects.create(
        reference=f"T-{n:05d}", channel=channel, concern=concern, received_at=when
    )


def item(
    *,
    received: datetime,
    country: str = "",
    status: str = ItemStatus.ASSESSED,
) -> Item:
    url = f"http://item{next(_counter)}.example.test/"
    return Item.objects.create(
        kind="url",
        canonical_url=url,
        canonical_url_hash=hashlib.sha256(url.encode()).hexdigest(),
        host=url.split("/")[2],
        hosting_country=country,
        first_reported_at=received,
        last_reported_at=received,
        status=status,
    )


def verdict(
    target: Item,
    legality: str,
    when: datetime,
    analyst: User,
    confirmation: str = Confirmation.NOT_REQUIRED,
) -> Assessment:
    severity = legality if legality in ("baseline", "national") else ""
    return Assessment.objects.create(
        item=target,
        analyst=analyst,
        created_at=when,
        legality=legality,
        scheme="inhope" if severity else "",
        severity=severity,
        confirmation=confirmation,
    )


def provider(name: str) -> HostingProvider:
    slug = name.lower().replace(" ", "-")
    return HostingProvider.objects.create(
        name=name, abuse_email=f"abuse@{slug}.example.test", source="manual"
    )


def notice(
    target: Item,
    host: HostingProvider,
    sent: datetime,
    *,
    status: str = ReferralStatus.SENT,
    closed_at: datetime | None = None,
) -> Referral:
    return Referral.objects.create(
        item=target,
        destination=Destination.NOTICE,
        status=status,
        country=target.hosting_country,
        hosting_provider=host,
        created_at=sent,
        sent_at=sent,
        closed_at=closed_at,
    )


@dataclass
class Dataset:
    items: dict[str, Item]


def build(analyst: User) -> Dataset:
    """Reports, items, verdicts, timelines and referrals of 2025, plus a few just outside."""
    # Reports: in 2025 public_web 3, company_api 1, partner 1; csam 3, grooming 1, travel 1;
    # January 2, February 1, March 2. Two reports just outside the year do not count.
    report(at(1, 10), Channel.PUBLIC_WEB, Concern.CSAM)
    report(at(1, 20), Channel.PUBLIC_WEB, Concern.CSAM)
    report(at(2, 5), Channel.COMPANY_API, Concern.CSAM)
    report(at(3, 15), Channel.PARTNER, Concern.GROOMING)
    report(at(3, 20), Channel.PUBLIC_WEB, Concern.TRAVEL)
    report(datetime(2024, 12, 31, 23, 59, 59, tzinfo=UTC), Channel.PUBLIC_WEB, Concern.CSAM)
    report(datetime(2026, 1, 1, tzinfo=UTC), Channel.STAFF, Concern.OTHER)

    host_a, host_b, host_c = provider("Host A"), provider("Host B"), provider("Host C")
    # name: (received, country, verdict, hours to removal or None, provider, confirmation)
    specs: dict[str, tuple[datetime, str, str, float | None, HostingProvider | None, str]] = {
        "i1": (at(1, 10), "FR", "baseline", 10, host_a, Confirmation.NOT_REQUIRED),
        "i2": (at(1, 20), "FR", "national", 30, host_a, Confirmation.NOT_REQUIRED),
        "i3": (at(2, 5), "FR", "baseline", 100, host_b, Confirmation.NOT_REQUIRED),
        "i4": (at(3, 1), "DE", "baseline", 200, host_b, Confirmation.NOT_REQUIRED),
        "i5": (at(3, 15), "DE", "baseline", None, host_c, Confirmation.NOT_REQUIRED),
        "i6": (at(4, 1), "FR", "not_illegal", 50, None, Confirmation.NOT_REQUIRED),
        "i7": (at(5, 1), "US", "baseline", 60, None, Confirmation.PENDING),
        "i8": (
            datetime(2024, 12, 20, tzinfo=UTC),
            "FR",
            "baseline",
            5,
            None,
            Confirmation.NOT_REQUIRED,
        ),
        "i9": (at(6, 1), "", "national", 72, None, Confirmation.CONFIRMED),
        "i10": (at(7, 1), "DE", "baseline", 20, host_c, Confirmation.NOT_REQUIRED),
    }
    items: dict[str, Item] = {}
    for name, (received, country, legality, hours, host, confirmation) in specs.items():
        status = (
            ItemStatus.AWAITING_CONFIRMATION
            if confirmation == Confirmation.PENDING
            else ItemStatus.ASSESSED
        )
        target = item(received=received, country=country, status=status)
        items[name] = target
        verdict(target, legality, received + timedelta(hours=1), analyst, confirmation)
        Timeline.objects.create(
            item=target,
            received_at=received,
            assessed_at=received + timedelta(hours=1),
            removed_at=None if hours is None else received + timedelta(hours=hours),
        )
        if (
            host is not None and name == "i1"
        ):  # Host A closed this notice 12 hours after it was sent
            notice(
                target,
                host,
                received + timedelta(hours=1),
                status=ReferralStatus.CLOSED,
                closed_at=received + timedelta(hours=13),
            )
        elif host is not None:
            notice(target, host, received + timedelta(hours=1))
    # i6 was first judged doubtful, then not illegal: only the latest verdict counts.
    Assessment.objects.filter(item=items["i6"]).update(created_at=at(4, 2))
    verdict(items["i6"], "doubtful", at(4, 1, 1), analyst)
    # i11: a verdict rejected by a supervisor does not count; the item is back in the queue.
    items["i11"] = item(received=at(8, 1), country="FR", status=ItemStatus.NEW)
    verdict(items["i11"], "baseline", at(8, 1, 1), analyst, Confirmation.REJECTED)

    # Police referrals: answered after 2 and 10 days, one never answered; a cancelled forward.
    police: dict[str, tuple[datetime, dict[str, Any]]] = {
        "i1": (
            at(1, 10, 3),
            {"status": ReferralStatus.ACKNOWLEDGED, "acknowledged_at": at(1, 12, 3)},
        ),
        "i3": (at(2, 5, 3), {"status": ReferralStatus.ACTED_ON, "acted_on_at": at(2, 15, 3)}),
        "i4": (at(3, 1, 3), {"status": ReferralStatus.SENT}),
        "i8": (datetime(2024, 12, 20, 3, tzinfo=UTC), {"status": ReferralStatus.SENT}),
    }
    for name, (sent, fields) in police.items():
        Referral.objects.create(
            item=items[name],
            destination=Destination.POLICE,
            country="FR",
            created_at=sent - timedelta(hours=1),
            sent_at=sent,
            **fields,
        )
    Referral.objects.create(
        item=items["i5"],
        destination=Destination.PARTNER,
        country="DE",
        status=ReferralStatus.CANCELLED,
        created_at=at(3, 15, 2),
    )
    return Dataset(items)


def backlog_items() -> None:
    """Four more items waiting at NOW: 2 hours, 2 days, 5 days (four eyes) and 10 days."""
    for age, status in (
        (timedelta(hours=2), ItemStatus.NEW),
        (timedelta(days=2), ItemStatus.NEW),
        (timedelta(days=5), ItemStatus.AWAITING_CONFIRMATION),
        (timedelta(days=10), ItemStatus.NEW),
    ):
        item(received=NOW - age, country="FR", status=status)
