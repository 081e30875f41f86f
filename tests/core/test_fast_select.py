"""``hotline.fast_select.load`` makes the instances a queryset makes: the same values of the
same types (the converters of both databases applied), loaded (not "adding"), two models from
one row."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone

from hotline.accounts.models import ApiCredential, Organisation
from hotline.cases.actions import FileInput, ReportInput, close_item, file_report
from hotline.cases.models import Channel, CloseReason, Concern, Item, Report
from hotline.fast_select import columns, load
from tests.core.test_fast_insert import AWKWARD

pytestmark = pytest.mark.django_db


def _values(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _types(obj: models.Model) -> dict[str, type]:
    return {name: type(value) for name, value in _values(obj).items()}


def test_items_and_reports_are_those_the_orm_loads() -> None:
    filed = file_report(
        ReportInput(
            channel=Channel.PUBLIC_WEB,
            concern=Concern.CSAM,
            description=AWKWARD,
            reported_accounts=[{"handle": AWKWARD, "n": 1, "flag": True}],
            incident_time=timezone.now(),
            urls=["http://select.example.test/a"],
            files=[FileInput(md5="ab" * 16, file_size=1234)],
        ),
        actor=None,
    )
    close_item(filed.new_items[0], reason=CloseReason.REMOVED, acting_user=None)  # closed_at set

    for model in (Item, Report):
        table = model._meta.db_table
        statement = f"SELECT {columns(model, 't')} FROM {table} t ORDER BY t.id"  # noqa: S608
        loaded = [obj for (obj,) in load(statement, [], model)]
        expected = list(model.objects.order_by("id"))
        assert [_values(o) for o in loaded] == [_values(o) for o in expected]
        assert [_types(o) for o in loaded] == [_types(o) for o in expected]
        assert all(not o._state.adding and o._state.db == connection.alias for o in loaded)
    item = Item.objects.get(canonical_url="http://select.example.test/a")
    assert item.closed_at is not None  # the case with an aware date was covered


def test_two_models_from_one_row_and_no_rows() -> None:
    organisation = Organisation.objects.create(name="Select Test", kind="industry", country="US")
    ApiCredential.objects.create(
        organisation=organisation,
        name="select",
        kind="company_intake",
        scopes=["intake", AWKWARD],
        key_id="selecttest",
        secret_hash="0" * 64,
        expires_at=timezone.now(),
    )
    statement = (
        f"SELECT {columns(ApiCredential, 'c')}, {columns(Organisation, 'o')} "  # noqa: S608
        f"FROM {ApiCredential._meta.db_table} c "
        f"JOIN {Organisation._meta.db_table} o ON o.id = c.organisation_id WHERE c.key_id = %s"
    )
    [(credential, owner)] = load(statement, ["selecttest"], ApiCredential, Organisation)
    stored = ApiCredential.objects.get(key_id="selecttest")
    assert _values(credential) == _values(stored)
    assert _types(credential) == _types(stored)
    assert _values(owner) == _values(organisation)
    assert _types(owner) == _types(Organisation.objects.get(pk=organisation.pk))
    assert load(statement, ["nobody"], ApiCredential, Organisation) == []
