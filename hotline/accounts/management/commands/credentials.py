"""``hotline credentials``: issue, list, rotate and revoke machine clients' API credentials.

The same actions as the staff credential pages (audited, with no acting user: the command's
operator is whoever runs it on the server). ``issue`` and ``rotate`` print the token once, as
the last line of their output, so a script can take it with ``tail -n 1``; it is never stored.
TAXII collections are chosen with ``hotline feeds subscribe``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hotline.accounts.actions import (
    CredentialInputError,
    issue_credential,
    revoke_credential,
    rotate_credential,
)
from hotline.accounts.forms import MAX_OVERLAP_HOURS
from hotline.accounts.models import SCOPE_HELP, ApiCredential, ClientKind, Organisation, Scope


class Command(BaseCommand):
    help = "Machine clients' API credentials: scopes, issue, list, rotate, revoke."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("scopes", help="list the scopes and what each opens")
        issue = sub.add_parser("issue", help="issue a credential and print its token once")
        issue.add_argument("--organisation", required=True, help="the organisation's exact name")
        issue.add_argument("--name", required=True, help="what the token is for")
        issue.add_argument("--kind", required=True, choices=ClientKind.values)
        issue.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            help="a scope (repeat for several); 'hotline credentials scopes' lists them",
        )
        listing = sub.add_parser("list", help="list the credentials (tab-separated)")
        listing.add_argument("--all", action="store_true", help="also revoked and expired ones")
        rotate = sub.add_parser("rotate", help="issue a successor and print its token once")
        rotate.add_argument("key_id", help="the key id of the credential to rotate")
        rotate.add_argument(
            "--overlap-hours",
            type=int,
            default=0,
            help=f"hours the old token keeps working (0 to {MAX_OVERLAP_HOURS}; default 0)",
        )
        revoke = sub.add_parser("revoke", help="revoke a credential at once")
        revoke.add_argument("key_id", help="the key id of the credential to revoke")
        revoke.add_argument("--reason", required=True, help="why (recorded in the audit log)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "scopes":
            for scope in Scope:
                self.stdout.write(f"{scope.value}\t{scope.label}\t{SCOPE_HELP[scope]}")
        elif action == "issue":
            self._issue(options)
        elif action == "list":
            self._list(everything=options["all"])
        elif action == "rotate":
            self._rotate(options)
        else:
            credential = self._credential(options["key_id"])
            revoke_credential(credential, acting_user=None, reason=options["reason"])
            self.stdout.write(f"Revoked {credential.key_id} ({credential.name}).")

    def _issue(self, options: dict[str, Any]) -> None:
        organisation = Organisation.objects.filter(name=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"--organisation: no organisation named {options['organisation']!r}")
        try:
            issued = issue_credential(
                organisation=organisation,
                name=options["name"],
                kind=options["kind"],
                scopes=options["scopes"],
                acting_user=None,
            )
        except CredentialInputError as exc:
            raise CommandError(f"--{exc.field.rstrip('s')}: {exc}") from None
        credential = issued.credential
        self.stdout.write(
            f"Issued {credential.key_id} ({credential.name}, {organisation.name}) with "
            f"{', '.join(credential.scopes)}. The token is shown this once:"
        )
        self.stdout.write(issued.token)

    def _list(self, *, everything: bool) -> None:
        credentials = ApiCredential.objects.select_related("organisation").order_by(
            "organisation__name", "name", "created_at"
        )
        for credential in credentials:
            state = _state(credential)
            if not everything and state.startswith(("revoked", "expired")):
                continue
            self.stdout.write(
                f"{credential.key_id}\t{credential.organisation.name}\t{credential.name}\t"
                f"{credential.kind}\t{','.join(credential.scopes)}\t{state}"
            )

    def _rotate(self, options: dict[str, Any]) -> None:
        credential = self._credential(options["key_id"])
        hours = options["overlap_hours"]
        if not 0 <= hours <= MAX_OVERLAP_HOURS:
            raise CommandError(f"--overlap-hours: between 0 and {MAX_OVERLAP_HOURS}")
        try:
            issued = rotate_credential(credential, acting_user=None, overlap=timedelta(hours=hours))
        except CredentialInputError as exc:
            raise CommandError(f"{options['key_id']}: {exc}") from None
        old = "stops working now" if not hours else f"keeps working for {hours} h"
        self.stdout.write(
            f"Rotated {credential.key_id}: the old token {old}; successor "
            f"{issued.credential.key_id}. Its token is shown this once:"
        )
        self.stdout.write(issued.token)

    def _credential(self, key_id: str) -> ApiCredential:
        credential = ApiCredential.objects.filter(key_id=key_id).first()
        if credential is None:
            raise CommandError(
                f"no credential has the key id {key_id!r} ('hotline credentials list')"
            )
        return credential


def _state(credential: ApiCredential) -> str:
    if credential.revoked_at is not None:
        return f"revoked {credential.revoked_at:%Y-%m-%d %H:%M}"
    if credential.expires_at is not None:
        word = "expired" if credential.expires_at <= timezone.now() else "active until"
        return f"{word} {credential.expires_at:%Y-%m-%d %H:%M}"
    return "active"
