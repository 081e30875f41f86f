"""Test data made the way the product makes it: every factory's ``_create`` calls the owning
app's actions (file a report, store a hosting trace, assess, route, deliver, confirm removal),
so the audit trail, routing and timelines of a test's data are the real ones.

Shared builders: ``ReportFactory``, ``ItemFactory``/``reported_item``, ``AssessedItemFactory``,
``ReferralFactory``/``delivered_referral``, ``RemovedItemFactory``, users and organisations.
"""

from __future__ import annotations

from tests.factories.accounts import (
    PASSWORD,
    CredentialFactory,
    OrganisationFactory,
    UserFactory,
    own_hotline,
)
from tests.factories.cases import (
    AssessedFileFactory,
    AssessedItemFactory,
    FileItemFactory,
    ItemFactory,
    ReportFactory,
    file_hashes,
    reported_item,
    trace_hosting,
    verdict,
)
from tests.factories.matching import HashListFactory
from tests.factories.routing import (
    ReferralFactory,
    RoutingWorld,
    deliver_outbox,
    delivered_referral,
    hosted_item,
    routing_world,
)
from tests.factories.takedown import RemovedItemFactory

__all__ = [
    "PASSWORD",
    "AssessedFileFactory",
    "AssessedItemFactory",
    "CredentialFactory",
    "FileItemFactory",
    "HashListFactory",
    "ItemFactory",
    "OrganisationFactory",
    "ReferralFactory",
    "RemovedItemFactory",
    "ReportFactory",
    "RoutingWorld",
    "UserFactory",
    "deliver_outbox",
    "delivered_referral",
    "file_hashes",
    "hosted_item",
    "own_hotline",
    "reported_item",
    "routing_world",
    "trace_hosting",
    "verdict",
]
