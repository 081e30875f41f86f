"""Feeds fixtures: a home jurisdiction that allows blocking, pages and files that routing puts
on the lists, consumers with their own credentials. Synthetic names under example.test only."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from hotline.accounts.actions import issue_credential
from hotline.accounts.models import ClientKind, Organisation, OrganisationKind, Scope
from hotline.cases.actions import FileInput, Verdict
from hotline.cases.models import Item
from hotline.feeds.models import Entry
from tests.conftest import World
from tests.factories import AssessedFileFactory, AssessedItemFactory, routing_world

BASELINE = Verdict(
    legality="baseline", scheme="inhope", severity="baseline", age_group="prepubescent"
)


@pytest.fixture(autouse=True)
def _feeds_dir(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """Zone files go to the test's own directory."""
    settings.FEEDS_DIR = tmp_path / "feeds"
    return settings.FEEDS_DIR


@pytest.fixture
def blocking(world: World) -> World:
    """World plus routing: home FR (blocking allowed), police, partner DE."""
    routing_world()
    return world


def listed_page(url: str, world: World) -> Entry:
    """A page hosted at home, assessed as baseline: routing puts it on the blocklist."""
    item = AssessedItemFactory.create(
        url=url, hosted_in="FR", verdict=BASELINE, analyst=world.alice
    )
    return Entry.objects.get(item=item, kind="url")


def confirmed_file(world: World, **hashes: Any) -> Item:
    """A file known by its hashes, assessed as baseline: routing confirms its hashes."""
    item: Item = AssessedFileFactory.create(
        hashes=FileInput(**hashes), verdict=BASELINE, analyst=world.alice
    )
    return item


@dataclass
class Consumer:
    organisation: Organisation
    token: str

    def client(self) -> tuple[Client, dict[str, Any]]:
        return Client(), {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}


def consumer(name: str, *scopes: str, kind: str = OrganisationKind.ISP) -> Consumer:
    """An organisation with one feed credential carrying ``scopes``."""
    from hotline.accounts.actions import create_organisation

    organisation = create_organisation(name=name, kind=kind, country="FR", acting_user=None)
    issued = issue_credential(
        organisation=organisation,
        name=f"{name} feed",
        kind=ClientKind.FEED_CONSUMER,
        scopes=list(scopes) or [Scope.FEED_URLS],
        acting_user=None,
    )
    return Consumer(organisation, issued.token)
