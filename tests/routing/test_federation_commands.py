"""``hotline federation``: the administrator's key printout and partner registration."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from hotline.accounts.models import Organisation, OrganisationKind
from hotline.audit.models import AuditEvent
from hotline.routing.federation.keys import (
    generate_private_key,
    key_id_for,
    private_key_to_pem,
    public_key_to_pem,
    public_key_to_text,
)
from hotline.routing.models import Partner

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("federation", *args, stdout=out)
    return out.getvalue()


def test_key_prints_our_key_id_and_public_key(settings: Any) -> None:
    key = generate_private_key()
    settings.FEDERATION_PRIVATE_KEY = private_key_to_pem(key)

    output = _run("key")

    assert output.splitlines() == [
        f"Key id:     {key_id_for(key.public_key())}",
        f"Public key: {public_key_to_text(key.public_key())}",
    ]


def test_add_partner_creates_the_hotline_and_its_partner_entry_audited() -> None:
    public = generate_private_key().public_key()

    output = _run(
        "add-partner",
        "--name=Hotline DE",
        "--country=de",
        "--base-url=https://hotline-de.example.test/",
        f"--public-key={public_key_to_text(public)}",
        "--countries=DE, at",
    )

    partner = Partner.objects.select_related("organisation").get()
    assert (partner.organisation.name, partner.organisation.kind, partner.organisation.country) == (
        "Hotline DE",
        OrganisationKind.HOTLINE,
        "DE",
    )
    assert (partner.base_url, partner.countries, partner.key_id, partner.active) == (
        "https://hotline-de.example.test",
        ["DE", "AT"],
        key_id_for(public),
        True,
    )
    assert output == (
        f"Partner Hotline DE added: key {key_id_for(public)}, covers DE, AT, "
        "inbox https://hotline-de.example.test/api/v1/federation/inbox\n"
    )
    assert list(
        AuditEvent.objects.filter(action="partner.add").values_list("object_id", flat=True)
    ) == [str(partner.pk)]


def test_add_partner_accepts_a_pem_public_key() -> None:
    public = generate_private_key().public_key()

    _run(
        "add-partner",
        "--name=Hotline AT",
        "--country=AT",
        "--base-url=https://hotline-at.example.test",
        f"--public-key={public_key_to_pem(public)}",
    )

    assert list(Partner.objects.values_list("public_key", "countries")) == [
        (public_key_to_text(public), ["AT"])
    ]


def test_add_partner_refuses_a_key_id_that_does_not_match_the_key() -> None:
    public = generate_private_key().public_key()
    other = key_id_for(generate_private_key().public_key())

    with pytest.raises(
        CommandError, match=f"the public key's id is {key_id_for(public)}, not {other}"
    ):
        _run(
            "add-partner",
            "--name=Hotline DE",
            "--country=DE",
            "--base-url=https://hotline-de.example.test",
            f"--public-key={public_key_to_text(public)}",
            f"--key-id={other}",
        )

    assert (Partner.objects.count(), Organisation.objects.count()) == (0, 0)


def test_add_partner_refuses_text_that_is_no_key() -> None:
    with pytest.raises(CommandError, match="public key: an Ed25519 public key is 43 characters"):
        _run(
            "add-partner",
            "--name=Hotline DE",
            "--country=DE",
            "--base-url=https://hotline-de.example.test",
            "--public-key=not a key",
        )

    assert Organisation.objects.count() == 0


def test_add_partner_refuses_the_same_key_twice() -> None:
    text = public_key_to_text(generate_private_key().public_key())
    common = ["--country=DE", "--base-url=https://hotline-de.example.test", f"--public-key={text}"]
    _run("add-partner", "--name=Hotline DE", *common)

    with pytest.raises(CommandError, match="already registered"):
        _run("add-partner", "--name=Hotline DE 2", *common)

    assert Partner.objects.count() == 1


def test_partners_lists_the_directory() -> None:
    public = generate_private_key().public_key()
    _run(
        "add-partner",
        "--name=Hotline DE",
        "--country=DE",
        "--base-url=https://hotline-de.example.test",
        f"--public-key={public_key_to_text(public)}",
    )

    assert _run("partners") == (
        f"Hotline DE\tactive\tDE\thttps://hotline-de.example.test\t{key_id_for(public)}\n"
    )
