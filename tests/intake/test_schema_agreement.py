"""The published schema and the validator agree: the test walks every property of the
intake schema and, for each constraint it states, sends a value that breaks exactly that
constraint (refused, naming the field) and, for bounds, one that just meets it (accepted).
A constraint the walker does not know fails the test, so a new rule cannot go unchecked."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from hotline.intake.schema import (
    ACCOUNT_SCHEMA,
    FILE_SCHEMA,
    NO_NUL,
    REPORT_SCHEMA,
    WEB_ADDRESS_FORMAT,
)
from tests.conftest import World
from tests.intake.test_api import post, report

pytestmark = pytest.mark.django_db

Path = tuple[str | int, ...]
DELETE = object()
ANNOTATIONS = ("description", "x-pattern-message")
SAMPLE_ITEMS = {
    "urls": "http://example.test/a",
    "files": {"md5": "c" * 32},
    "reported_accounts": {"username": "u.invalid"},
    "annotations": "viral",
}


def _field(path: Path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _value_violations(spec: dict[str, Any], name: str) -> Iterator[tuple[str, Any]]:
    """(keyword, a value breaking it) for each constraint of a leaf property."""
    for keyword, rule in spec.items():
        if keyword in ANNOTATIONS:
            continue
        if keyword == "type":
            yield keyword, {"string": 1, "integer": "1", "boolean": "true", "array": "x"}[rule]
            yield keyword + ":null", None
        elif keyword == "minLength":
            yield keyword, "a" * (rule - 1)
        elif keyword == "maxLength":
            yield keyword, "a" * (rule + 1)
        elif keyword == "pattern":
            yield keyword, "a\u0000" if rule == NO_NUL else "g" * 32
        elif keyword == "enum":
            yield keyword, "not-in-the-list"
        elif keyword == "format":
            yield keyword, {"date-time": "2026-11-27 08:30", WEB_ADDRESS_FORMAT: "not a url"}[rule]
        elif keyword == "minimum":
            yield keyword, rule - 1
        elif keyword == "maximum":
            yield keyword, rule + 1
        elif keyword == "maxItems":
            yield keyword, [SAMPLE_ITEMS[name]] * (rule + 1)
        elif keyword == "items":
            continue  # walked as its own property below
        else:
            pytest.fail(f"the walker does not know the keyword {keyword!r}; teach it")


def _boundaries(spec: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    if "maxLength" in spec and spec.get("format") is None:
        yield "maxLength", "a" * spec["maxLength"]
    if "maximum" in spec:
        yield "maximum", spec["maximum"]
    if "minimum" in spec:
        yield "minimum", spec["minimum"]


def _object_cases(spec: dict[str, Any], at: Path) -> Iterator[tuple[str, Path, Any, str]]:
    """(case id, where to write, value or DELETE, field the error must name)."""
    for keyword in spec:
        if keyword not in (
            "type",
            "additionalProperties",
            "properties",
            "required",
            "anyOf",
            "minProperties",
            *ANNOTATIONS,
        ):
            pytest.fail(f"the walker does not know the object keyword {keyword!r}; teach it")
    for name in spec.get("required", []):
        yield f"{_field(at)}.{name}:required", (*at, name), DELETE, _field((*at, name))
    yield f"{_field(at)}:additionalProperties", (*at, "zz"), 1, _field((*at, "zz"))
    for name, prop in spec["properties"].items():
        for keyword, value in _value_violations(prop, name):
            yield f"{_field((*at, name))}:{keyword}", (*at, name), value, _field((*at, name))
        if prop.get("type") == "array" and prop["items"].get("type") != "object":
            for keyword, value in _value_violations(prop["items"], name):
                where = (*at, name, 0)
                yield f"{_field(where)}:{keyword}", where, value, _field(where)


def _cases() -> Iterator[Any]:
    report_at: Path = ("reports", 0)
    file_at: Path = (*report_at, "files", 0)
    account_at: Path = (*report_at, "reported_accounts", 0)
    for spec, at in (
        (REPORT_SCHEMA, report_at),
        (FILE_SCHEMA, file_at),
        (ACCOUNT_SCHEMA, account_at),
    ):
        for case_id, where, value, field in _object_cases(spec, at):
            yield pytest.param(where, value, field, id=case_id)
    yield pytest.param(file_at, {"file_name": "x"}, _field(file_at), id="files:anyOf")
    yield pytest.param(account_at, {}, _field(account_at), id="reported_accounts:minProperties")


def _write(body: dict[str, Any], where: Path, value: Any) -> dict[str, Any]:
    body = copy.deepcopy(body)
    target: Any = body
    for part in where[:-1]:
        target = target[part]
    if value is DELETE:
        del target[where[-1]]
    else:
        target[where[-1]] = value
    return body


@pytest.mark.parametrize(("where", "value", "field"), list(_cases()))
def test_each_schema_constraint_is_enforced_by_the_validator(
    world: World, where: Path, value: Any, field: str
) -> None:
    body = _write({"reports": [report()]}, where, value)
    published = jsonschema.Draft202012Validator(REPORT_SCHEMA)
    assert published.is_valid(report())  # the starting point keeps to the schema

    response = post(world, body)

    assert response.status_code == 422, response.content[:300]
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == [field] or (where[-1] == "incident_type" and field in fields)
    if not (isinstance(value, str) and (value == "not a url" or " 08:30" in value)):
        assert not published.is_valid(body["reports"][0])  # a real breach of the schema


def _boundary_cases() -> Iterator[Any]:
    for spec, at in (
        (REPORT_SCHEMA, ("reports", 0)),
        (FILE_SCHEMA, ("reports", 0, "files", 0)),
        (ACCOUNT_SCHEMA, ("reports", 0, "reported_accounts", 0)),
    ):
        for name, prop in spec["properties"].items():
            for keyword, value in _boundaries(prop):
                yield pytest.param((*at, name), value, id=f"{_field((*at, name))}:{keyword}")


@pytest.mark.parametrize(("where", "value"), list(_boundary_cases()))
def test_each_bound_itself_is_accepted(world: World, where: Path, value: Any) -> None:
    body = _write({"reports": [report()]}, where, value)
    if where[-1] in ("md5", "sha1", "sha256", "pdq"):
        pytest.fail("hashes have no length bound to meet")

    response = post(world, body)

    assert response.status_code == 201, json.dumps(response.json())[:300]
