from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.cases.actions import check_receipt
from hotline.cases.models import Item, Report, ReportStatus

VALID = {
    "urls": "http://Bad.Example.test/a/../gallery?id=1#top\nexample.test/other",
    "concern": "csam",
    "where_found": "a link in a chat",
    "description": "synthetic test report",
}


def _post(data: dict[str, Any], client: Client | None = None, **headers: str) -> Any:
    return (client or Client()).post(reverse("intake:report_online"), data, **headers)


@pytest.mark.django_db
def test_valid_report_is_stored_and_gives_a_receipt() -> None:
    response = _post(VALID, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="SyntheticBrowser/1.0")

    assert response.status_code == 200
    report = Report.objects.get()
    secret = response.context["secret"]
    assert check_receipt(report.reference, secret) == report
    assert sorted(Item.objects.values_list("canonical_url", flat=True)) == [
        "http://bad.example.test/gallery?id=1",
        "http://example.test/other",
    ]
    assert report.status == ReportStatus.RECEIVED
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_no_address_or_user_agent_is_stored_anywhere() -> None:
    _post(VALID, REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT="SyntheticBrowser/1.0")

    from django.apps import apps

    stored = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            stored.append(repr(row))
    dump = "\n".join(stored)
    assert "192.0.2.10" not in dump
    assert "SyntheticBrowser" not in dump


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"urls": ""}, "urls", "This field is required."),
        ({"urls": "   \n  "}, "urls", "This field is required."),
        (
            {"urls": "http://ok.example.test/\nhttp://"},
            "urls",
            "Line 2 is not a web address: http://",
        ),
        (
            {"urls": "\n".join(f"http://h{i}.example.test/" for i in range(21))},
            "urls",
            "Enter at most 20 addresses in one report; send the rest in another report.",
        ),
        ({"concern": ""}, "concern", "This field is required."),
        (
            {"concern": "weather"},
            "concern",
            "Select a valid choice. weather is not one of the available choices.",
        ),
        (
            {"consent_to_contact": "on"},
            "contact",
            "Give an e-mail address or phone number, or untick the consent box.",
        ),
        (
            {"description": "x" * 5001},
            "description",
            "Ensure this value has at most 5000 characters (it has 5001).",
        ),
        ({"website": "http://spam.example.test"}, "website", "Please leave this field empty."),
    ],
)
def test_bad_input_gets_field_error_and_nothing_is_stored(
    change: dict[str, str], field: str, message: str
) -> None:
    response = _post({**VALID, **change})

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert Report.objects.count() == 0
    assert Item.objects.count() == 0


@pytest.mark.django_db
def test_errors_are_tied_to_their_fields_for_screen_readers() -> None:
    html = _post({**VALID, "urls": ""}).content.decode()

    assert 'id="id_urls_errors"' in html
    assert 'aria-describedby="id_urls_errors id_urls_helptext"' in html
    assert '<a href="#id_urls">' in html


@pytest.mark.django_db
def test_rate_limit_refuses_with_a_clear_message_and_stores_nothing(settings: Any) -> None:
    settings.INTAKE_REPORTS_PER_HOUR = 2
    client = Client()
    for _ in range(2):
        _post(VALID, client, REMOTE_ADDR="192.0.2.20")

    response = _post(VALID, client, REMOTE_ADDR="192.0.2.20")

    assert response.context["form"].non_field_errors() == [
        "Too many reports from your connection in the last hour. Please try again later; nothing was stored."
    ]
    assert Report.objects.count() == 2
    assert _post(VALID, REMOTE_ADDR="192.0.2.21").status_code == 200  # another connection is fine


@pytest.mark.django_db
def test_status_page_shows_status_for_reference_and_secret_only() -> None:
    receipt = _post(VALID).context
    reference, secret = receipt["report"].reference, receipt["secret"]

    good = Client().post(
        reverse("intake:status"), {"reference": reference, "secret": secret.lower()}
    )
    wrong = Client().post(
        reverse("intake:status"), {"reference": reference, "secret": "AAAA-BBBB-CCCC-DDDD"}
    )

    assert good.context["report"].reference == reference
    assert 'data-status="received"' in good.content.decode()
    assert "synthetic test report" not in good.content.decode()  # nothing but the status
    assert wrong.context["report"] is None
    assert wrong.context["form"].non_field_errors() == [
        "No report matches this reference and code. Check both and try again."
    ]


@pytest.mark.django_db
def test_form_is_served_in_the_language_the_browser_asks_for() -> None:
    response = Client().get(reverse("intake:report_online"), HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in response.content.decode()


LONG_HOST = ("a" * 60 + ".") * 5 + "example.test"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("urls", "message"),
    [
        ("not a url", "Line 1 has no site name with a dot, such as example.com/page: not a url"),
        ("example", "Line 1 has no site name with a dot, such as example.com/page: example"),
        (
            "http://localhost/",
            "Line 1 has no site name with a dot, such as example.com/page: http://localhost/",
        ),
        (
            "http://exa mple.test/",
            "Line 1 has no site name with a dot, such as example.com/page: http://exa mple.test/",
        ),
        # Not an IP address (999 > 255) and no top-level domain is all digits.
        (
            "http://999.1.1.1/",
            "Line 1 has no site name with a dot, such as example.com/page: http://999.1.1.1/",
        ),
        (
            "http://example.123/",
            "Line 1 has no site name with a dot, such as example.com/page: http://example.123/",
        ),
        (
            "http://-bad.example.test/",
            "Line 1 has no site name with a dot, such as example.com/page: "
            "http://-bad.example.test/",
        ),
        (
            "http://bad-.example.test/",
            "Line 1 has no site name with a dot, such as example.com/page: "
            "http://bad-.example.test/",
        ),
        ("javascript:alert(1)", "Line 1 is not a web address: javascript:alert(1)"),
        ("mailto:a@example.test", "Line 1 is not a web address: mailto:a@example.test"),
        ("http://example.test:99999/", "Line 1 is not a web address: http://example.test:99999/"),
        (
            "ftp://example.test/file",
            "Line 1 must start with http:// or https://: ftp://example.test/file",
        ),
        (
            f"http://{LONG_HOST}/",
            f"Line 1 has a site name longer than 253 characters: {f'http://{LONG_HOST}/'[:100]}",
        ),
        (
            "http://" + "b" * 64 + ".example.test/",
            "Line 1 has a part of its site name longer than 63 characters: "
            + ("http://" + "b" * 64 + ".example.test/")[:100],
        ),
        (
            "http://example.test/" + "p" * 2100,
            "Line 1 is longer than 2048 characters: " + ("http://example.test/" + "p" * 2100)[:100],
        ),
    ],
)
def test_address_a_hotline_cannot_act_on_is_a_form_error(urls: str, message: str) -> None:
    response = _post({**VALID, "urls": urls})

    assert response.status_code == 200
    assert response.context["form"].errors["urls"] == [message]
    assert Report.objects.count() == 0


@pytest.mark.django_db
def test_address_errors_are_translated() -> None:
    response = _post({**VALID, "urls": "example"}, HTTP_ACCEPT_LANGUAGE="fr")

    assert response.context["form"].errors["urls"] == [
        "La ligne 1 n'a pas de nom de site avec un point, comme example.com/page : example"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "urls",
    [
        "example.test/page",
        "https://192.0.2.1/x",
        "http://[2001:db8::1]/",
        "bücher.example",
        "HTTP://WWW.EXAMPLE.TEST/Page",
        "http://xn--bcher-kva.example/",
        "http://_media.example.test/a",
        "http://a-b.example.test:8080/x?y=1",
        "//example.test/no-scheme",
    ],
)
def test_address_without_scheme_or_with_an_ip_is_accepted(urls: str) -> None:
    response = _post({**VALID, "urls": urls})

    assert response.status_code == 200
    assert Report.objects.count() == 1
