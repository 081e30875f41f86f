"""``build(model, **values)`` makes the instance ``model(**values)`` makes, for every model of
the project: the same value in every concrete field, defaults made afresh where Django makes
them afresh, foreign keys given as objects both set and cached."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import models
from django.db.models.signals import post_init, pre_init

from hotline.accounts.models import Organisation
from hotline.cases.models import Item, ItemKind, Report, ReportItem
from hotline.fast_insert import build

pytestmark = pytest.mark.django_db

MODELS = [
    model
    for model in apps.get_models()
    if model.__module__.startswith("hotline.") or model._meta.app_label == "django_tasks_database"
]


def _values(obj: models.Model) -> dict[str, Any]:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def _made_afresh(model: type[models.Model]) -> set[str]:
    """Fields whose default Django computes per instance (a fresh dict, a new uuid, now)."""
    return {
        field.attname
        for field in model._meta.concrete_fields
        if field.has_default() and callable(field.default)
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_a_model_built_with_nothing_given_is_the_model_with_its_defaults(
    model: type[models.Model],
) -> None:
    built, made = build(model), model()
    afresh = _made_afresh(model)
    expected = {k: v for k, v in _values(made).items() if k not in afresh}
    assert {k: v for k, v in _values(built).items() if k not in afresh} == expected
    for attname in afresh:
        value, other = getattr(built, attname), getattr(build(model), attname)
        assert type(value) is type(getattr(made, attname))
        if isinstance(value, (dict, list)):
            assert value is not other  # a mutable default is never shared between instances
    assert built._state.adding
    assert built._state.db is None


def test_the_project_has_models_with_fresh_defaults_and_foreign_keys() -> None:
    # What the parametrised test covers must include both kinds, or it checks less than it says.
    assert any(_made_afresh(model) for model in MODELS)
    assert any(field.many_to_one for model in MODELS for field in model._meta.concrete_fields)


def test_given_values_and_foreign_keys_are_set_as_the_keyword_path_sets_them() -> None:
    organisation = Organisation.objects.create(name="Built ESP", kind="industry", country="US")
    report = Report.objects.create(reference="HL-BUILD-1", submitted_by=organisation)
    item = Item.objects.create(kind=ItemKind.FILE, md5="0" * 32)
    given = {"report": report, "item": item, "submitted_value": "x" * 10}

    built, made = build(ReportItem, **given), ReportItem(**given)

    assert _values(built) == _values(made)
    assert built.report_id == report.pk
    assert built.item_id == item.pk
    assert ReportItem.report.field.is_cached(built)
    assert built.report is report
    by_id = build(ReportItem, report_id=report.pk, item_id=item.pk)
    assert (by_id.report_id, by_id.item_id) == (report.pk, item.pk)
    assert build(Report, submitted_by=None).submitted_by_id is None


def test_a_wrong_field_or_a_wrong_object_is_refused_as_django_refuses_it() -> None:
    with pytest.raises(TypeError, match="no field 'colour'"):
        build(Report, colour="red")
    organisation = Organisation(name="Not a report", kind="industry", country="US")
    with pytest.raises(ValueError, match="must be a"):
        build(ReportItem, report=organisation)


def test_init_signals_are_sent_where_something_listens() -> None:
    seen: list[tuple[str, Any]] = []

    def pre(sender: Any, **kwargs: Any) -> None:
        seen.append(("pre", sender))

    def post(sender: Any, instance: models.Model, **kwargs: Any) -> None:
        seen.append(("post", instance.reference))  # type: ignore[attr-defined]

    build(Report, reference="HL-QUIET")
    assert seen == []
    pre_init.connect(pre, sender=Report)
    post_init.connect(post, sender=Report)
    try:
        built = build(Report, reference="HL-HEARD")
    finally:
        pre_init.disconnect(pre, sender=Report)
        post_init.disconnect(post, sender=Report)
    assert seen == [("pre", Report), ("post", "HL-HEARD")]
    afresh = _made_afresh(Report)
    made = Report(reference="HL-HEARD")
    assert {k: v for k, v in _values(built).items() if k not in afresh} == {
        k: v for k, v in _values(made).items() if k not in afresh
    }
