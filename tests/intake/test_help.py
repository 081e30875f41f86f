"""What a reporter is told after reporting: next steps, status, and help by concern."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import reverse

from hotline.intake import help as reporter_help
from tests.intake.test_public_form import VALID, _post


def _resource_keys(html: str) -> list[str]:
    import re

    return re.findall(r'data-resource="([a-z0-9_]+)"', html)


@pytest.mark.django_db
def test_receipt_says_what_happens_next_and_how_to_check_the_status() -> None:
    html = _post(VALID).content.decode()

    assert 'id="next-steps"' in html
    assert "An analyst looks at every address you sent." in html
    assert (
        "<dt>Received</dt><dd>We have received your report. An analyst will look at it.</dd>"
        in html
    )
    assert f'href="{reverse("intake:status")}"' in html


@pytest.mark.django_db
def test_sextortion_receipt_points_to_hash_removal_and_helplines(settings: Any) -> None:
    settings.INSTANCE_COUNTRY = "FR"

    html = _post({**VALID, "concern": "sextortion"}).content.decode()

    # Local services first, then the ones open to everyone; the UK-only one is not offered.
    assert _resource_keys(html) == [
        "fr_3018",
        "fr_119",
        "take_it_down",
        "stopncii",
        "child_helplines",
    ]
    assert "Do not pay and do not send anything more" in html


@pytest.mark.django_db
def test_csam_receipt_gives_no_sextortion_advice(settings: Any) -> None:
    settings.INSTANCE_COUNTRY = "DE"

    html = _post(VALID).content.decode()

    assert _resource_keys(html) == ["take_it_down", "child_helplines"]
    assert "Do not pay" not in html


@pytest.mark.django_db
def test_help_is_translated(settings: Any) -> None:
    settings.INSTANCE_COUNTRY = "DE"

    html = _post({**VALID, "concern": "sextortion"}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Ne payez pas" in html
    assert "Ce qui se passe ensuite" in html


def _write(tmp_path: Path, document: Any) -> str:
    path = tmp_path / "help.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


@pytest.mark.django_db
def test_instance_file_replaces_the_defaults(settings: Any, tmp_path: Path) -> None:
    settings.HELP_RESOURCES_FILE = _write(
        tmp_path,
        {
            "replace_defaults": True,
            "resources": [
                {
                    "key": "local_line",
                    "name": "Local line",
                    "url": "https://help.example.test/",
                    "phone": "0800",
                    "description": {"en": "Talk to us.", "fr": "Parlez-nous."},
                    "concerns": "all",
                }
            ],
        },
    )

    html = _post(VALID, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert _resource_keys(html) == ["local_line"]
    assert "Parlez-nous." in html


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], 'HOTLINE_HELP_RESOURCES_FILE: expected {"resources": [...]} at the top'),
        ({"resources": [{"key": "a"}]}, "HOTLINE_HELP_RESOURCES_FILE entry 1: 'name' is missing"),
        (
            {
                "resources": [
                    {
                        "key": "a",
                        "name": "A",
                        "url": "http://help.example.test/",
                        "description": {"en": "x"},
                        "concerns": "all",
                    }
                ]
            },
            "HOTLINE_HELP_RESOURCES_FILE entry 1: 'url' must start with https://, "
            "got 'http://help.example.test/'",
        ),
        (
            {
                "resources": [
                    {
                        "key": "a",
                        "name": "A",
                        "url": "https://help.example.test/",
                        "description": {"en": "x"},
                        "concerns": ["weather"],
                    }
                ]
            },
            "HOTLINE_HELP_RESOURCES_FILE entry 1: 'concerns' must be \"all\" or a list of "
            "csam, grooming, other, sextortion, trafficking, travel",
        ),
    ],
)
def test_a_bad_instance_file_names_the_entry_and_field(
    tmp_path: Path, document: Any, message: str
) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        reporter_help.load_resources(_write(tmp_path, document))

    assert str(raised.value) == message


def test_system_check_reports_a_bad_file(settings: Any, tmp_path: Path) -> None:
    settings.HELP_RESOURCES_FILE = _write(tmp_path, {"resources": "no"})

    errors = reporter_help.check_help_resources()

    assert [e.id for e in errors] == ["hotline.intake.E001"]


def test_default_resources_are_https_and_sourced() -> None:
    assert [
        r.key
        for r in reporter_help.DEFAULT_RESOURCES
        if not (r.url.startswith("https://") and r.source.startswith("https://"))
    ] == []


@pytest.mark.django_db
def test_footer_links_the_privacy_notice_and_the_contact(settings: Any) -> None:
    settings.CONTACT_EMAIL = "contact@example.test"

    html = Client().get(reverse("intake:report_online")).content.decode()
    privacy = Client().get(reverse("intake:privacy"))

    assert f'<a href="{reverse("intake:privacy")}">Privacy notice</a>' in html
    assert '<a href="mailto:contact@example.test">contact@example.test</a>' in html
    assert privacy.status_code == 200
    assert "no IP address" in privacy.content.decode()


@pytest.mark.django_db
def test_footer_links_an_external_privacy_notice_when_configured(settings: Any) -> None:
    settings.PRIVACY_NOTICE_URL = "https://hotline.example.test/privacy"

    html = Client().get(reverse("intake:report_online")).content.decode()

    assert '<a href="https://hotline.example.test/privacy">Privacy notice</a>' in html
