"""The public travel-and-tourism form: receipts, status, anonymity, and every bad input."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.cases.actions import check_receipt
from hotline.cases.models import Channel, Concern, Item, Report, ReportStatus
from hotline.routing.models import JurisdictionProfile
from hotline.tourism.actions import close_case, send_referrals
from hotline.tourism.models import TravelReport
from tests.conftest import World
from tests.factories import deliver_outbox
from tests.tourism.factories import travel_world

VALID: dict[str, Any] = {
    "country": "TH",
    "city": "Synthetic Bay",
    "venue_type": "beach",
    "venue_name": "Example Beach Bar",
    "map_point": "13.756331, 100.501765",
    "occurred_on": "2026-03-14",
    "occurred_time": "21:30",
    "time_zone": "Asia/Bangkok",
    "observed": "Synthetic test report: a man offered a child money on the beach.",
    "suspect_name": "Jon Example",
    "suspect_nationality": "DE",
    "children_count": "2",
    "child_age": "12_14",
    "child_gender": "girl",
    "reporter_country": "BE",
}


def _post(data: dict[str, Any], client: Client | None = None, **headers: Any) -> Any:
    return (client or Client()).post(reverse("tourism:report"), data, **headers)


def _status(reference: str, secret: str) -> str:
    response = Client().post(reverse("intake:status"), {"reference": reference, "secret": secret})
    return str(response.context["report"].status)


@pytest.mark.django_db
def test_valid_report_is_stored_as_a_travel_report_with_a_receipt() -> None:
    response = _post(VALID)

    assert response.status_code == 200
    report = Report.objects.get()
    travel = TravelReport.objects.get()
    assert check_receipt(report.reference, response.context["secret"]) == report
    assert (report.channel, report.concern, report.status) == (
        Channel.PUBLIC_WEB,
        Concern.TRAVEL,
        ReportStatus.RECEIVED,
    )
    assert report.description == VALID["observed"]
    assert Item.objects.count() == 0
    assert (travel.latitude, travel.longitude) == (Decimal("13.75633"), Decimal("100.50177"))
    assert travel.occurred_at is not None
    assert travel.occurred_at.isoformat() == "2026-03-14T14:30:00+00:00"
    assert (travel.suspect_nationality, travel.reporter_country) == ("DE", "BE")
    assert (report.contact, report.consent_to_contact, travel.consent_to_share_identity) == (
        "",
        False,
        False,
    )
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_no_address_or_user_agent_is_stored_anywhere() -> None:
    _post(VALID, REMOTE_ADDR="192.0.2.44", HTTP_USER_AGENT="SyntheticTravelBrowser/2.0")

    from django.apps import apps
    from django.db import connection

    tables = set(connection.introspection.table_names())  # other apps may be mid-migration
    dump = "\n".join(
        repr(row)
        for model in apps.get_models()
        if model._meta.db_table in tables
        for row in model._default_manager.all().values()
    )
    assert "192.0.2.44" not in dump
    assert "SyntheticTravelBrowser" not in dump


@pytest.mark.django_db
def test_status_page_follows_a_travel_report_from_received_to_closed(world: World) -> None:
    travel_world()
    receipt = _post(VALID).context
    reference, secret = receipt["report"].reference, receipt["secret"]
    travel = TravelReport.objects.get()

    received = _status(reference, secret)
    send_referrals(travel, acting_user=world.alice)
    deliver_outbox()  # referrals are sent when their e-mails are delivered
    action_taken = _status(reference, secret)
    close_case(travel, reason="Referred; nothing more to do here.", acting_user=world.alice)
    closed = _status(reference, secret)

    assert (received, action_taken, closed) == ("received", "action_taken", "closed")


@pytest.mark.django_db
def test_danger_box_shows_the_emergency_number_of_the_country_at_once() -> None:
    JurisdictionProfile.objects.create(country="TH", emergency_number="191")

    html = _post({**VALID, "child_in_danger": "on"}).content.decode()

    assert '<strong class="mono" id="emergency-number">191</strong>' in html


@pytest.mark.django_db
def test_danger_box_uses_the_shipped_dataset_without_a_profile() -> None:
    html = _post({**VALID, "country": "TH", "child_in_danger": "on"}).content.decode()

    # Thailand's police, not 112 (the bug the issue reports), with its other services.
    assert '<strong class="mono" id="emergency-number">191</strong>' in html
    assert '<li>Tourist police: <span class="mono">1155</span></li>' in html


@pytest.mark.django_db
def test_danger_box_says_unknown_for_a_country_without_a_known_number(settings: Any) -> None:
    settings.EMERGENCY_NUMBER = "112"  # the instance's own number is for its own country only

    html = _post({**VALID, "country": "LA", "child_in_danger": "on"}).content.decode()

    assert 'id="emergency-number"' not in html
    assert "112" not in html
    assert "We do not know the emergency number of Laos" in html


@pytest.mark.django_db
def test_no_danger_box_without_the_danger_flag() -> None:
    html = _post(VALID).content.decode()

    assert 'id="emergency-number"' not in html


@pytest.mark.django_db
def test_form_lists_the_emergency_numbers_that_are_known() -> None:
    JurisdictionProfile.objects.create(country="KH", emergency_number="1288")
    JurisdictionProfile.objects.create(country="BE")

    response = Client().get(reverse("tourism:report"))
    rows = {row.country: row for row in response.context["emergency_numbers"]}

    assert (rows["TH"].call_first, rows["KH"].call_first, rows["BE"].call_first) == (
        "191",
        "1288",  # an administrator's number wins over the dataset's
        "112",
    )
    assert "LA" not in rows
    assert rows["KH"].source_title == "Set by this hotline's administrator"
    assert (
        '<tr data-country="TH"><th scope="row">Thailand</th><td class="mono">191</td>'
        in response.content.decode()
    )


@pytest.mark.django_db
def test_form_is_served_in_russian_with_country_names_in_russian() -> None:
    response = Client().get(reverse("tourism:report"), HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()

    assert response["Content-Language"] == "ru"
    assert '<option value="TH">Таиланд</option>' in html


@pytest.mark.django_db
def test_contact_and_consents_are_kept_when_given() -> None:
    _post(
        {
            **VALID,
            "contact": " witness@reporter.example.test ",
            "consent_to_contact": "on",
            "consent_to_share_identity": "on",
            "willing_to_give_statement": "on",
            "holds_photos": "on",
        }
    )

    travel = TravelReport.objects.select_related("report").get()
    assert (
        travel.report.contact,
        travel.report.consent_to_contact,
        travel.consent_to_share_identity,
        travel.willing_to_give_statement,
        travel.holds_photos,
    ) == ("witness@reporter.example.test", True, True, True, True)


@pytest.mark.django_db
def test_report_language_is_the_language_of_the_page() -> None:
    _post(VALID, HTTP_ACCEPT_LANGUAGE="ru")

    assert Report.objects.get().language == "ru"


def _tomorrow_plus_one() -> str:
    return (timezone.now() + timedelta(days=2)).date().isoformat()


def _later_today() -> dict[str, str]:
    """A local time one hour ahead, on a date the form accepts, in a zone where that exists."""
    from zoneinfo import ZoneInfo

    for zone in ("UTC", "Asia/Tokyo", "America/New_York"):
        local = timezone.now().astimezone(ZoneInfo(zone))
        if local.hour < 22:
            soon = local + timedelta(hours=1)
            return {
                "occurred_on": soon.date().isoformat(),
                "occurred_time": soon.strftime("%H:%M"),
                "time_zone": zone,
            }
    raise AssertionError("unreachable: one of the zones is before 22:00")


BAD_INPUTS: list[tuple[dict[str, Any], str, str]] = [
    ({"country": ""}, "country", "This field is required."),
    (
        {"country": "XX"},
        "country",
        "Select a valid choice. XX is not one of the available choices.",
    ),
    ({"city": ""}, "city", "This field is required."),
    ({"city": "   "}, "city", "This field is required."),
    (
        {"city": "x" * 201},
        "city",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    ({"venue_type": ""}, "venue_type", "This field is required."),
    (
        {"venue_type": "spaceship"},
        "venue_type",
        "Select a valid choice. spaceship is not one of the available choices.",
    ),
    (
        {"venue_name": "x" * 201},
        "venue_name",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (
        {"address": "x" * 501},
        "address",
        "Ensure this value has at most 500 characters (it has 501).",
    ),
    (
        {"map_point": "somewhere near the pier"},
        "map_point",
        "Enter latitude and longitude separated by a comma, for example 13.75630, 100.50180.",
    ),
    (
        {"map_point": "13.7"},
        "map_point",
        "Enter latitude and longitude separated by a comma, for example 13.75630, 100.50180.",
    ),
    (
        {"map_point": "nan, 100"},
        "map_point",
        "Enter latitude and longitude separated by a comma, for example 13.75630, 100.50180.",
    ),
    (
        {"map_point": "91, 100"},
        "map_point",
        "Latitude must be between -90 and 90, longitude between -180 and 180.",
    ),
    (
        {"map_point": "13, -180.5"},
        "map_point",
        "Latitude must be between -90 and 90, longitude between -180 and 180.",
    ),
    ({"occurred_on": ""}, "occurred_on", "This field is required."),
    ({"occurred_on": "2026-02-30"}, "occurred_on", "Enter a valid date."),
    ({"occurred_on": "14/03/2026"}, "occurred_on", "Enter a valid date."),
    ({"occurred_on": "1899-12-31"}, "occurred_on", "Enter a date from 1900 onwards."),
    (
        {"occurred_on": "FUTURE", "occurred_time": "", "time_zone": ""},
        "occurred_on",
        "The date cannot be in the future.",
    ),
    ({"occurred_time": "25:00"}, "occurred_time", "Enter a valid time."),
    ({"occurred_time": "LATER_TODAY"}, "occurred_time", "This time is in the future."),
    (
        {"time_zone": "Mars/Olympus_Mons"},
        "time_zone",
        "Select a valid choice. Mars/Olympus_Mons is not one of the available choices.",
    ),
    ({"observed": ""}, "observed", "This field is required."),
    (
        {"observed": "x" * 5001},
        "observed",
        "Ensure this value has at most 5000 characters (it has 5001).",
    ),
    (
        {"suspect_name": "x" * 201},
        "suspect_name",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (
        {"suspect_description": "x" * 2001},
        "suspect_description",
        "Ensure this value has at most 2000 characters (it has 2001).",
    ),
    (
        {"suspect_nationality": "ZZ"},
        "suspect_nationality",
        "Select a valid choice. ZZ is not one of the available choices.",
    ),
    (
        {"suspect_languages": "x" * 201},
        "suspect_languages",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (
        {"suspect_vehicle": "x" * 201},
        "suspect_vehicle",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (
        {"suspect_plate": "x" * 31},
        "suspect_plate",
        "Ensure this value has at most 30 characters (it has 31).",
    ),
    (
        {"suspect_lodging": "x" * 201},
        "suspect_lodging",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (
        {"company_involved": "x" * 201},
        "company_involved",
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (
        {"children_count": "0"},
        "children_count",
        "Ensure this value is greater than or equal to 1.",
    ),
    (
        {"children_count": "101"},
        "children_count",
        "Ensure this value is less than or equal to 100.",
    ),
    ({"children_count": "several"}, "children_count", "Enter a whole number."),
    (
        {"child_age": "ancient"},
        "child_age",
        "Select a valid choice. ancient is not one of the available choices.",
    ),
    (
        {"child_gender": "x"},
        "child_gender",
        "Select a valid choice. x is not one of the available choices.",
    ),
    (
        {"child_description": "x" * 2001},
        "child_description",
        "Ensure this value has at most 2000 characters (it has 2001).",
    ),
    (
        {"other_witnesses": "x" * 2001},
        "other_witnesses",
        "Ensure this value has at most 2000 characters (it has 2001).",
    ),
    (
        {"reporter_country": "EU"},
        "reporter_country",
        "Select a valid choice. EU is not one of the available choices.",
    ),
    (
        {"contact": "x" * 255},
        "contact",
        "Ensure this value has at most 254 characters (it has 255).",
    ),
    (
        {"consent_to_contact": "on"},
        "contact",
        "Give an e-mail address or phone number, or untick the consent box.",
    ),
    (
        {"consent_to_share_identity": "on", "contact": "  "},
        "consent_to_share_identity",
        "There are no contact details to share: give them above, or untick this box.",
    ),
    (
        {"willing_to_give_statement": "on"},
        "willing_to_give_statement",
        "To arrange a statement we need a way to reach you: give contact details above, or untick this box.",
    ),
    ({"website": "http://spam.example.test"}, "website", "Please leave this field empty."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field", "message"), BAD_INPUTS)
def test_bad_input_gets_its_field_error_and_nothing_is_stored(
    change: dict[str, str], field: str, message: str
) -> None:
    data = {**VALID, **change}
    if data["occurred_on"] == "FUTURE":
        data["occurred_on"] = _tomorrow_plus_one()
    if data["occurred_time"] == "LATER_TODAY":
        data.update(_later_today())

    response = _post(data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert Report.objects.count() == 0
    assert TravelReport.objects.count() == 0


@pytest.mark.django_db
def test_errors_are_tied_to_their_fields_for_screen_readers() -> None:
    html = _post({**VALID, "city": ""}).content.decode()

    assert 'id="id_city_errors"' in html
    assert '<a href="#id_city">' in html


@pytest.mark.django_db
def test_only_the_required_fields_are_enough() -> None:
    minimal = {k: VALID[k] for k in ("country", "city", "venue_type", "occurred_on", "observed")}

    response = _post(minimal)

    travel = TravelReport.objects.get()
    assert response.status_code == 200
    assert (travel.occurred_on, travel.occurred_time, travel.occurred_at, travel.latitude) == (
        date(2026, 3, 14),
        None,
        None,
        None,
    )


@pytest.mark.django_db
def test_rate_limit_refuses_with_a_clear_message_and_stores_nothing(settings: Any) -> None:
    settings.TOURISM_REPORTS_PER_HOUR = 2
    client = Client()
    for _ in range(2):
        _post(VALID, client, REMOTE_ADDR="192.0.2.30")

    response = _post(VALID, client, REMOTE_ADDR="192.0.2.30")

    assert response.context["form"].non_field_errors() == [
        "Too many reports from your connection in the last hour. Please try again later; nothing was stored."
    ]
    assert TravelReport.objects.count() == 2
    assert _post(VALID, REMOTE_ADDR="192.0.2.31").status_code == 200
