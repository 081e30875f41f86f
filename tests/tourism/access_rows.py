"""Access-matrix rows for the tourism app's URLs (merged into tests/test_access_matrix.py)."""

from __future__ import annotations

from typing import Any

from hotline.routing.models import Referral
from hotline.tourism import queries
from hotline.tourism.actions import (
    CompanyInput,
    draft_company_notice,
    link_company,
    save_company,
    send_referrals,
)
from hotline.tourism.models import Company
from tests.access import Row, everyone, staff
from tests.conftest import World
from tests.factories import deliver_outbox
from tests.tourism.factories import file, travel_world


def _case(world: World) -> dict[str, Any]:
    return {"pk": file().travel.pk}


def _referred(world: World) -> Referral:
    """A case referred to three police units; the DE unit belongs to dave's organisation."""
    travel_world(nationality_org=world.police)
    travel = file().travel
    send_referrals(travel, acting_user=world.alice)
    deliver_outbox()  # referrals are sent when their e-mails are delivered
    [referral] = [r for r in travel.referrals if r.primary_ground == "suspect_nationality"]
    return referral


def _referral(world: World) -> dict[str, Any]:
    return {"pk": _referred(world).pk}


def _company(world: World) -> Company:
    return save_company(
        CompanyInput(
            name="Example Tours",
            kind="tour_operator",
            country="TH",
            contact_email="protect@tours.example.test",
        ),
        acting_user=world.alice,
    )


def _company_pk(world: World) -> dict[str, Any]:
    return {"pk": _company(world).pk}


def _member_pk(world: World) -> dict[str, Any]:
    from datetime import date

    company = _company(world)
    Company.objects.filter(pk=company.pk).update(code_member=True, member_since=date(2020, 1, 1))
    return {"pk": company.pk}


def _notice(world: World) -> dict[str, Any]:
    travel = queries.travel_report_of(_referred(world))
    company = _company(world)
    link_company(travel, company, acting_user=world.alice)
    notice = draft_company_notice(
        travel, company, text="Please check your guest records.", acting_user=world.alice
    )
    return {"pk": notice.pk}


CASE_WORKERS = ("alice", "charlie")

ROWS: dict[str, Row] = {
    "tourism:report": Row(everyone()),
    "tourism:code_members": Row(everyone()),
    "tourism:cases": Row(staff(*CASE_WORKERS)),
    "tourism:case": Row(staff(*CASE_WORKERS), kwargs=_case),
    "tourism:referrals": Row(staff(*CASE_WORKERS, "dave")),
    "tourism:referral": Row(staff(*CASE_WORKERS, "dave"), kwargs=_referral),
    "tourism:notices": Row(staff(*CASE_WORKERS, "dave")),
    "tourism:notice": Row(staff(*CASE_WORKERS, "dave"), kwargs=_notice),
    "tourism:statistics": Row(staff(*CASE_WORKERS)),
    "tourism:companies": Row(staff(*CASE_WORKERS)),
    # only Code monitors (no persona of the matrix holds that role) add companies and reports
    "tourism:company_new": Row(staff()),
    "tourism:company": Row(staff(*CASE_WORKERS), kwargs=_company_pk),
    "tourism:annual_report": Row(staff(), kwargs=_member_pk),
}
