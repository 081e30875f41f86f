"""The legal matrix: sourced facts with history, CSV import/export, gap reports."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.monitoring import actions, legal_matrix
from hotline.monitoring.legal_matrix import (
    COMPANY_REPORTING_DUTIES,
    CSAM_DEFINED,
    CSAM_LEGISLATION,
    ISP_REPORTING,
    KNOWING_POSSESSION,
    TECHNOLOGY_OFFENCES,
    MatrixImportError,
)
from hotline.monitoring.models import LegalFactChange
from hotline.monitoring.regions import Region
from hotline.routing import legal
from hotline.routing.legal import LegalFact
from hotline.routing.models import JurisdictionProfile
from tests.conftest import World, signed_in

CHECKED = date(2026, 3, 1)
SOURCE = "Criminal Code art. 1 (synthetic test source)"


def _set(country: str, key: str, value: bool | str | None, world: World) -> LegalFactChange | None:
    return actions.set_legal_fact(
        country, key, value=value, source=SOURCE, checked_on=CHECKED, acting_user=world.erin
    )


def test_set_fact_is_read_by_routing_legal_fact(world: World) -> None:
    _set("th", legal.EXTRATERRITORIAL, True, world)

    assert legal.legal_fact("TH", legal.EXTRATERRITORIAL) == LegalFact(
        legal.EXTRATERRITORIAL, True, SOURCE, CHECKED
    )


def test_set_fact_keeps_history_and_audits(world: World) -> None:
    _set("TH", legal.DUAL_CRIMINALITY, True, world)
    actions.set_legal_fact(
        "TH",
        legal.DUAL_CRIMINALITY,
        value=False,
        source="Amended code (synthetic)",
        checked_on=date(2026, 4, 1),
        acting_user=world.erin,
    )

    history = list(
        LegalFactChange.objects.order_by("pk").values_list(
            "old_value", "old_source", "old_checked_on", "new_value", "source", "checked_on"
        )
    )
    assert history == [
        (None, "", None, True, SOURCE, CHECKED),
        (True, SOURCE, CHECKED, False, "Amended code (synthetic)", date(2026, 4, 1)),
    ]
    assert list(
        AuditEvent.objects.filter(action="legal_fact.change").values_list("actor", flat=True)
    ) == ["user:erin", "user:erin"]


def test_setting_the_same_fact_again_changes_nothing(world: World) -> None:
    _set("TH", legal.EXTRADITION, False, world)

    assert _set("TH", legal.EXTRADITION, False, world) is None
    assert LegalFactChange.objects.count() == 1


def test_clearing_a_fact_makes_it_unknown(world: World) -> None:
    _set("TH", legal.EXTRADITION, False, world)

    _set("TH", legal.EXTRADITION, None, world)

    assert legal.legal_fact("TH", legal.EXTRADITION).known is False
    assert JurisdictionProfile.objects.get(country="TH").legal_facts == {}


@pytest.mark.parametrize(
    ("source", "checked_on", "message"),
    [
        ("", CHECKED, "a value needs its source (law, article, or publication)"),
        (SOURCE, None, "a value needs the date it was checked"),
        (SOURCE, date(2999, 1, 1), "the date checked cannot be in the future"),
    ],
)
def test_a_value_without_source_or_date_is_refused(
    world: World, source: str, checked_on: date | None, message: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        actions.set_legal_fact(
            "TH",
            ISP_REPORTING,
            value=True,
            source=source,
            checked_on=checked_on,
            acting_user=world.erin,
        )

    assert (JurisdictionProfile.objects.count(), LegalFactChange.objects.count()) == (0, 0)


def test_blocking_fact_keeps_routing_flag_in_step(world: World) -> None:
    _set("FR", legal.BLOCKING, True, world)

    assert JurisdictionProfile.objects.get(country="FR").blocking_allowed is True


def test_gap_report_for_a_country(world: World) -> None:
    _set("KH", CSAM_LEGISLATION, True, world)
    _set("KH", CSAM_DEFINED, False, world)
    _set("KH", legal.DUAL_CRIMINALITY, True, world)  # required: a gap
    _set("KH", legal.BLOCKING, False, world)  # a policy choice, never a gap
    _set("KH", COMPANY_REPORTING_DUTIES, "None recorded (synthetic)", world)

    law = legal_matrix.country_law("KH")

    assert [c.key for c in law.missing] == [CSAM_DEFINED, legal.DUAL_CRIMINALITY]
    assert [c.key for c in law.met] == [CSAM_LEGISLATION]
    assert [c.key for c in law.unknown] == [
        TECHNOLOGY_OFFENCES,
        KNOWING_POSSESSION,
        ISP_REPORTING,
        legal.EXTRATERRITORIAL,
        legal.EXTRADITION,
    ]


def test_gap_report_for_a_region(world: World) -> None:
    for key in (c.key for c in legal_matrix.GAP_CRITERIA):
        _set("TH", key, key != legal.DUAL_CRIMINALITY, world)
    _set("KH", KNOWING_POSSESSION, False, world)
    region = Region("x", "Test region", ("KH", "LA", "TH"))

    report = legal_matrix.region_gaps(region)

    assert [law.country for law in report.countries] == ["KH", "LA", "TH"]
    assert [law.country for law in report.complete] == ["TH"]
    tallies = {t.criterion.key: (t.met, t.missing, t.unknown) for t in report.tallies}
    assert tallies[KNOWING_POSSESSION] == (1, 1, 1)
    assert tallies[CSAM_LEGISLATION] == (1, 0, 2)
    columns, rows = legal_matrix.gap_rows(report.countries)
    assert rows[0] == (
        "Cambodia (KH)",
        "unknown",
        "unknown",
        "unknown",
        "missing",
        "unknown",
        "unknown",
        "unknown",
        "unknown",
        "1",
        "7",
    )
    assert len(columns) == len(rows[0])


GOOD_CSV = (
    "country,key,value,source,checked_on\r\n"
    f"TH,{legal.EXTRATERRITORIAL},yes,{SOURCE},2026-03-01\r\n"
    f'th,{COMPANY_REPORTING_DUTIES},"ISPs report within 7 days, by e-mail",Decree 2 (synthetic),2026-02-01\r\n'
    "\r\n"
    f"KH,{KNOWING_POSSESSION},no,Law 3 (synthetic),2026-01-15\r\n"
)


def test_import_stores_every_row_with_history(world: World) -> None:
    result = actions.import_legal_matrix(GOOD_CSV, acting_user=world.erin)

    assert (result.changed, result.unchanged) == (3, 0)
    assert legal.legal_fact("TH", COMPANY_REPORTING_DUTIES).value == (
        "ISPs report within 7 days, by e-mail"
    )
    assert set(LegalFactChange.objects.values_list("via", flat=True)) == {"import"}
    assert AuditEvent.objects.filter(action="legal_matrix.import").count() == 1


def test_import_of_the_same_file_again_changes_nothing(world: World) -> None:
    actions.import_legal_matrix(GOOD_CSV, acting_user=world.erin)

    result = actions.import_legal_matrix(GOOD_CSV, acting_user=world.erin)

    assert (result.changed, result.unchanged) == (0, 3)


def test_import_with_errors_stores_nothing_and_names_every_line(world: World) -> None:
    bad = (
        "country,key,value,source,checked_on\n"
        f"TH,{legal.EXTRATERRITORIAL},yes,{SOURCE},2026-03-01\n"
        f"XX,{legal.EXTRADITION},yes,{SOURCE},2026-03-01\n"
        f"TH,not_a_key,yes,{SOURCE},2026-03-01\n"
        f"TH,{legal.EXTRADITION},perhaps,{SOURCE},2026-03-01\n"
        f"TH,{legal.BLOCKING},yes,,2026-03-01\n"
        f"TH,{legal.DUAL_CRIMINALITY},no,{SOURCE},01/03/2026\n"
        f"TH,{legal.EXTRATERRITORIAL},no,{SOURCE},2026-03-01\n"
    )

    with pytest.raises(MatrixImportError) as caught:
        actions.import_legal_matrix(bad, acting_user=world.erin)

    assert caught.value.errors == [
        "line 3: unknown country code 'XX'",
        "line 4: unknown criterion 'not_a_key'",
        "line 5: expected yes, no or nothing (unknown), got 'perhaps'",
        "line 6: a value needs its source (law, article, or publication)",
        "line 7: checked_on must be a date such as 2026-01-31",
        f"line 8: TH {legal.EXTRATERRITORIAL} already given on line 2",
    ]
    assert (JurisdictionProfile.objects.count(), LegalFactChange.objects.count()) == (0, 0)


def test_import_refuses_a_file_without_the_columns(world: World) -> None:
    with pytest.raises(MatrixImportError) as caught:
        actions.import_legal_matrix("country;key;value\nTH;x;y\n", acting_user=world.erin)

    assert caught.value.errors == [
        "line 1: missing columns: country, key, value, source, checked_on",
        "line 1: unknown columns: country;key;value",
    ]


def test_export_then_import_round_trips(world: World) -> None:
    actions.import_legal_matrix(GOOD_CSV, acting_user=world.erin)
    actions.set_legal_fact(
        "KH",
        legal.BLOCKING,
        value=True,
        source=legal_matrix.ILLUSTRATIVE_SOURCE,
        checked_on=CHECKED,
        illustrative=True,
        acting_user=None,
    )
    client = signed_in(world.alice)

    exported = client.get(reverse("monitoring:legal_export")).content.decode()

    assert exported == (
        "country,key,value,source,checked_on,illustrative\r\n"
        f"KH,{KNOWING_POSSESSION},no,Law 3 (synthetic),2026-01-15,\r\n"
        f"KH,{legal.BLOCKING},yes,{legal_matrix.ILLUSTRATIVE_SOURCE},2026-03-01,yes\r\n"
        f"TH,{legal.EXTRATERRITORIAL},yes,{SOURCE},2026-03-01,\r\n"
        f'TH,{COMPANY_REPORTING_DUTIES},"ISPs report within 7 days, by e-mail",Decree 2 (synthetic),2026-02-01,\r\n'
    )
    result = actions.import_legal_matrix(exported, acting_user=world.erin)
    assert (result.changed, result.unchanged) == (0, 4)


def test_import_page_lists_problems_with_line_numbers(world: World) -> None:
    upload = SimpleUploadedFile(
        "matrix.csv",
        f"country,key,value,source,checked_on\nZZ,{legal.EXTRADITION},yes,s,2026-01-01\n".encode(),
    )

    response = signed_in(world.erin).post(reverse("monitoring:legal_import"), {"file": upload})

    assert response.status_code == 400
    assert response.context["problems"] == ["line 2: unknown country code 'ZZ'"]


def test_edit_page_saves_a_sourced_fact(world: World) -> None:
    url = reverse("monitoring:legal_edit", kwargs={"country": "TH", "key": ISP_REPORTING})

    response = signed_in(world.erin).post(
        url, {"value": "yes", "source": SOURCE, "checked_on": "2026-03-01"}
    )

    assert response.status_code == 302
    assert legal.legal_fact("TH", ISP_REPORTING) == LegalFact(ISP_REPORTING, True, SOURCE, CHECKED)
    assert LegalFactChange.objects.get().changed_by == world.erin


def test_edit_page_refuses_a_value_without_source(world: World) -> None:
    url = reverse("monitoring:legal_edit", kwargs={"country": "TH", "key": ISP_REPORTING})

    response = signed_in(world.erin).post(
        url, {"value": "no", "source": "", "checked_on": "2026-03-01"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "a value needs its source (law, article, or publication)"
    ]
    assert JurisdictionProfile.objects.count() == 0


def test_matrix_page_marks_unsourced_values_unknown(world: World) -> None:
    # Written around the actions, as an old import might have: a value with no source.
    JurisdictionProfile.objects.create(
        country="LA", legal_facts={legal.EXTRADITION: {"value": True, "source": ""}}
    )

    response = signed_in(world.alice).get(
        reverse("monitoring:legal_country", kwargs={"country": "LA"})
    )

    cell = response.context["law"].cell(legal.EXTRADITION)
    assert (cell.text, cell.gap) == ("unknown", None)


def test_unknown_country_page_is_not_found(world: World) -> None:
    response = signed_in(world.alice).get(
        reverse("monitoring:legal_country", kwargs={"country": "QQ"})
    )

    assert response.status_code == 404


def test_region_gap_report_exports_csv(world: World, settings: object) -> None:
    settings.MONITORING_REGIONS = {"mk": {"name": "Mekong", "countries": ["th", "KH"]}}  # type: ignore[attr-defined]
    _set("TH", CSAM_LEGISLATION, True, world)
    url = reverse("monitoring:region_gaps_export", kwargs={"region": "mk"})

    response = signed_in(world.charlie).get(url)

    lines = response.content.decode().splitlines()
    assert response["Content-Disposition"] == 'attachment; filename="legal-gaps-mk.csv"'
    assert lines[0].startswith("Country,Legislation specific to child sexual abuse material,")
    assert lines[1:] == [
        "Cambodia (KH),unknown,unknown,unknown,unknown,unknown,unknown,unknown,unknown,0,8",
        "Thailand (TH),met,unknown,unknown,unknown,unknown,unknown,unknown,unknown,0,7",
    ]


def test_unknown_region_is_not_found(world: World) -> None:
    url = reverse("monitoring:region_gaps", kwargs={"region": "nowhere"})

    assert signed_in(world.charlie).get(url).status_code == 404


def test_illustrative_blocking_fact_leaves_routing_alone(world: World) -> None:
    JurisdictionProfile.objects.create(country="DE", blocking_allowed=True)

    actions.set_legal_fact(
        "DE",
        legal.BLOCKING,
        value=False,
        source=legal_matrix.ILLUSTRATIVE_SOURCE,
        checked_on=CHECKED,
        illustrative=True,
        acting_user=None,
    )

    assert JurisdictionProfile.objects.get(country="DE").blocking_allowed is True
