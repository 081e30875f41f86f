"""``hotline feeds``: publish the RPZ zone, show the lists, manage TAXII subscriptions."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.accounts.models import ApiCredential
from hotline.feeds import actions, queries
from hotline.feeds.models import Collection, FeedList, FeedSubscription


def _credential(key_id: str) -> ApiCredential:
    credential = ApiCredential.objects.filter(key_id=key_id).first()
    if credential is None:
        raise CommandError(f"no API credential with key id {key_id!r}")
    return credential


def _collection(alias: str) -> Collection:
    collection = Collection.objects.filter(alias=alias).first()
    if collection is None:
        known = ", ".join(Collection.objects.values_list("alias", flat=True))
        raise CommandError(f"no collection {alias!r}; known: {known}")
    return collection


class Command(BaseCommand):
    help = "Feeds: publish the DNS zone, show serials and collections, manage subscriptions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        publish = sub.add_parser(
            "publish", help="write the RPZ zone file and reload the DNS server"
        )
        publish.add_argument("--force", action="store_true", help="write even if unchanged")
        sub.add_parser("status", help="print each list's serial and size, and the collections")
        for name in ("subscribe", "unsubscribe"):
            action = sub.add_parser(name, help=f"{name} a credential to a TAXII collection")
            action.add_argument("key_id", help="the credential's key id (hl_<key id>_...)")
            action.add_argument("collection", help="the collection's alias")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "publish":
            done = actions.publish_rpz_zone(force=options["force"])
            if not done.written:
                self.stdout.write(f"{done.path} is already at serial {done.serial}")
                return
            reload = {None: "no reload command", True: "reloaded", False: "RELOAD FAILED"}
            self.stdout.write(
                f"{done.path}: serial {done.serial}, {done.domains} domains"
                f" ({reload[done.reloaded]})"
            )
            if done.reloaded is False:
                raise CommandError("the reload command failed; see the log")
        elif action == "status":
            for feed_list in FeedList:
                serial = queries.current_serial(feed_list)
                live = queries.live_at(feed_list, serial).count()
                self.stdout.write(f"{feed_list.value:10} serial {serial:>8}  {live:>8} live")
            for collection in Collection.objects.all():
                readers = FeedSubscription.objects.filter(collection=collection).count()
                self.stdout.write(
                    f"collection {collection.alias} {collection.pk} ({collection.tlp},"
                    f" {readers} subscribers)"
                )
        else:
            credential = _credential(options["key_id"])
            collection = _collection(options["collection"])
            if action == "subscribe":
                actions.subscribe(credential, collection, acting_user=None)
            else:
                actions.unsubscribe(credential, collection, acting_user=None)
            self.stdout.write(f"{action}d {credential.key_id} to {collection.alias}")
