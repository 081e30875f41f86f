"""``hotline federation``: this instance's federation key, and the partner instances it trusts."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hotline.routing.federation.actions import (
    PartnerError,
    add_partner,
    ping_partner,
    replace_partner_key,
    retire_previous_key,
    set_partner_active,
    set_partner_countries,
)
from hotline.routing.federation.identity import (
    instance_key_id,
    instance_private_key,
    instance_public_key_text,
)
from hotline.routing.federation.keys import public_key_to_pem
from hotline.routing.federation.protocol import inbox_url
from hotline.routing.models import Partner


class Command(BaseCommand):
    help = (
        "Federation with partner hotlines: print this instance's key for partners ('key'), "
        "trust a partner instance ('add-partner'), list the partners ('partners'), test the "
        "connection ('ping'), set the countries a partner covers ('countries'), pin a partner's new "
        "key ('replace-key', 'retire-key'), stop or resume trusting one ('deactivate', "
        "'activate')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        key = sub.add_parser("key", help="print our key id and public key, to give to partners")
        key.add_argument("--pem", action="store_true", help="also print the public key as PEM")
        add = sub.add_parser("add-partner", help="trust another Hotline instance")
        add.add_argument("--name", required=True, help="the partner hotline's name")
        add.add_argument("--country", required=True, help="its country, e.g. DE")
        add.add_argument(
            "--base-url", required=True, help="its address, e.g. https://hotline.example.test"
        )
        add.add_argument(
            "--public-key",
            required=True,
            help="its public key, as 'hotline federation key' prints it",
        )
        add.add_argument(
            "--countries",
            default="",
            help="comma-separated countries whose hosted content goes to it (default: --country)",
        )
        add.add_argument(
            "--key-id",
            default="",
            help="the key id the partner read out to you; refused if the public key does not match",
        )
        sub.add_parser("partners", help="list the partner instances")
        ping = sub.add_parser("ping", help="send a signed test message to a partner's inbox")
        ping.add_argument("partner", help="the partner hotline's name")
        countries = sub.add_parser("countries", help="set the countries a partner covers")
        countries.add_argument("partner", help="the partner hotline's name")
        countries.add_argument("codes", help="comma-separated ISO codes, e.g. DE,AT")
        replace = sub.add_parser(
            "replace-key", help="pin a partner's new public key; its old one stays valid a while"
        )
        replace.add_argument("partner", help="the partner hotline's name")
        replace.add_argument("--public-key", required=True, help="its new public key")
        replace.add_argument(
            "--key-id", default="", help="the new key id the partner read out to you"
        )
        replace.add_argument(
            "--overlap-hours",
            type=int,
            default=24,
            help="hours the old key is still accepted (default 24; 0 retires it now)",
        )
        retire = sub.add_parser("retire-key", help="refuse a partner's replaced key from now on")
        retire.add_argument("partner", help="the partner hotline's name")
        deactivate = sub.add_parser(
            "deactivate", help="stop trusting a partner: its messages are refused"
        )
        deactivate.add_argument("partner", help="the partner hotline's name")
        deactivate.add_argument("--reason", required=True, help="why (kept in the audit log)")
        activate = sub.add_parser("activate", help="trust a deactivated partner again")
        activate.add_argument("partner", help="the partner hotline's name")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "key":
            self._key(pem=options["pem"])
        elif action == "add-partner":
            self._add_partner(options)
        elif action == "ping":
            self._ping(self._partner(options["partner"]))
        elif action == "countries":
            try:
                partner = set_partner_countries(
                    self._partner(options["partner"]),
                    options["codes"].split(","),
                    acting_user=None,
                )
            except PartnerError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{partner.organisation.name} covers {', '.join(partner.countries)}")
        elif action in ("replace-key", "retire-key", "deactivate", "activate"):
            try:
                self.stdout.write(self._change(action, self._partner(options["partner"]), options))
            except PartnerError as exc:
                raise CommandError(str(exc)) from None
        else:
            self._partners()

    def _change(self, action: str, partner: Partner, options: dict[str, Any]) -> str:
        name = partner.organisation.name
        if action == "replace-key":
            partner = replace_partner_key(
                partner,
                public_key=options["public_key"],
                expected_key_id=options["key_id"],
                overlap_hours=options["overlap_hours"],
                acting_user=None,
            )
            until = partner.previous_key_expires_at
            old = (
                f"old key {partner.previous_key_id} accepted until {until.isoformat()}"
                if until
                else "old key retired"
            )
            return f"{name}: new key {partner.key_id} pinned; {old}"
        if action == "retire-key":
            retire_previous_key(partner, acting_user=None)
            return f"{name}: previous key retired; only {partner.key_id} is accepted"
        if action == "deactivate":
            set_partner_active(partner, active=False, reason=options["reason"], acting_user=None)
            return f"{name}: deactivated; its messages are refused"
        set_partner_active(partner, active=True, acting_user=None)
        return f"{name}: active again"

    def _key(self, *, pem: bool) -> None:
        try:
            key_id = instance_key_id()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Key id:     {key_id}")
        self.stdout.write(f"Public key: {instance_public_key_text()}")
        if pem:
            self.stdout.write(public_key_to_pem(instance_private_key().public_key()), ending="")

    def _add_partner(self, options: dict[str, Any]) -> None:
        try:
            partner = add_partner(
                name=options["name"],
                country=options["country"],
                base_url=options["base_url"],
                public_key=options["public_key"],
                countries=options["countries"].split(","),
                expected_key_id=options["key_id"],
                acting_user=None,
            )
        except PartnerError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Partner {partner.organisation.name} added: key {partner.key_id}, "
            f"covers {', '.join(partner.countries)}, inbox {inbox_url(partner.base_url)}"
        )

    def _partner(self, name: str) -> Partner:
        partner = (
            Partner.objects.select_related("organisation").filter(organisation__name=name).first()
        )
        if partner is None:
            raise CommandError(f"no partner named {name!r} ('hotline federation partners')")
        return partner

    def _ping(self, partner: Partner) -> None:
        result = ping_partner(partner, acting_user=None)
        if not result.ok:
            status = f"HTTP {result.status}" if result.status else "no answer"
            reason = f" ({result.reason})" if result.reason else ""
            raise CommandError(
                f"ping {partner.organisation.name}: {status}{reason}: {result.detail}"
            )
        self.stdout.write(f"ping {partner.organisation.name}: ok, {result.detail}")

    def _partners(self) -> None:
        for partner in Partner.objects.select_related("organisation"):
            state = "active" if partner.active else "inactive"
            previous = (
                f"\t(previous {partner.previous_key_id} until "
                f"{partner.previous_key_expires_at.isoformat()})"
                if partner.previous_key_valid() and partner.previous_key_expires_at
                else ""
            )
            self.stdout.write(
                f"{partner.organisation.name}\t{state}\t{','.join(partner.countries)}\t"
                f"{partner.base_url}\t{partner.key_id}{previous}"
            )
