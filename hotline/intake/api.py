"""Company (ESP) intake API: ``POST /api/v1/reports`` with batches and idempotency keys."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from hotline.accounts.models import ApiCredential, Scope
from hotline.audit.actions import record
from hotline.cases.bulk_intake import existing_external_ids, file_reports
from hotline.cases.media import attach_media
from hotline.cases.models import ItemKind, Report
from hotline.core.api import BadJson, api_endpoint, credential_of, json_body, problem
from hotline.core.group_commit import GroupCommit
from hotline.core.outage import DATABASE_ERRORS, is_transaction_conflict
from hotline.intake.models import IdempotencyKey
from hotline.intake.schema import (
    IDEMPOTENCY_KEY_SCHEMA,
    MAX_ERRORS,
    FieldError,
    parse_batch,
    reference_errors,
)
from hotline.matching.errors import MatchingError
from hotline.matching.uploads import UploadsDisabled

# A batch that lost a race to a concurrent one with the same external ids or key is run again:
# the second run finds what the winner stored and answers with it. Two runs are enough unless
# several clients race on the same ids at once; the third is a margin.
ATTEMPTS = 3


def _status_url(reference: str) -> str:
    return settings.BASE_URL + reverse("api_report_status", kwargs={"reference": reference})


def _status_urls() -> Callable[[str], str]:
    """``_status_url`` for the many references of a batch, from one ``reverse`` (which cost 5 %
    of a batch's CPU once per report). References are ``HL-`` and letters and digits of
    ``references.ALPHABET``: nothing in them is quoted in a URL."""
    marker = "HL-MARKER"
    prefix, suffix = _status_url(marker).split(marker)
    return lambda reference: prefix + reference + suffix


@api_endpoint(Scope.INTAKE, methods=("POST",))
def submit_reports(request: HttpRequest) -> HttpResponse:
    """Accept a batch; every report is committed before the answer, or none is."""
    credential = credential_of(request)
    try:
        body = json_body(request)
    except BadJson as exc:
        return problem(exc.status, "Unreadable body", str(exc))
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > IDEMPOTENCY_KEY_SCHEMA["maxLength"]:
        return _invalid(
            [FieldError("Idempotency-Key", "longer than 200 characters; use e.g. a UUID")],
            title="Invalid Idempotency-Key",
        )
    request_hash = hashlib.sha256(request.body).hexdigest()

    reports, errors = parse_batch(body)
    if errors:
        return _invalid(errors, title="Invalid reports")
    # Concurrent requests of this process are filed together (group commit).
    return _GROUP.run(_Submission(reports, credential, key, request_hash), alone=_submit_alone)


@dataclass(frozen=True)
class _Submission:
    reports: list[Any]
    credential: ApiCredential
    key: str  # the Idempotency-Key, or ""
    request_hash: str


def _submit_alone(submission: _Submission) -> HttpResponse:
    s = submission
    return _submit(s.reports, s.credential, s.key, s.request_hash)


class _SameKeyTwice(Exception):
    """Two requests of one group carry one idempotency key: they must run one after the other."""


def _file_group(submissions: Sequence[_Submission]) -> list[HttpResponse]:
    """File the reports of concurrent requests in one transaction, as ``_submit_once`` would
    one after another: a request whose idempotency key is stored is replayed, each credential's
    other requests are filed as one batch (reports in request order), and every request is
    answered with its own part (its key, if any, keeping that answer)."""
    keys = [(s.credential.pk, s.key) for s in submissions if s.key]
    if len(set(keys)) != len(keys):
        raise _SameKeyTwice  # the group runs alone, where the second waits for the first
    answers: list[HttpResponse | None] = [None] * len(submissions)
    stored_keys: dict[int, IdempotencyKey] = {}
    by_credential: dict[int, list[int]] = {}
    # durable: this block is the outermost, so its end is the commit, before any reply.
    with transaction.atomic(durable=True):
        for index, submission in enumerate(submissions):
            if submission.key:
                stored, created = IdempotencyKey.objects.select_for_update().get_or_create(
                    credential=submission.credential,
                    key=submission.key,
                    defaults={"request_hash": submission.request_hash},
                )
                if not created:
                    answers[index] = _replay(stored, submission.request_hash)
                    continue
                stored_keys[index] = stored
            by_credential.setdefault(submission.credential.pk, []).append(index)
        for indexes in by_credential.values():
            merged = [report for i in indexes for report in submissions[i].reports]
            _, answer = _file_batch(merged, submissions[indexes[0]].credential)
            results = iter(answer["reports"])
            for i in indexes:
                mine = {"reports": [next(results) for _ in submissions[i].reports]}
                created = any(result["result"] == "created" for result in mine["reports"])
                response = answers[i] = JsonResponse(mine, status=201 if created else 200)
                if i in stored_keys:
                    stored_keys[i].response_status = response.status_code
                    stored_keys[i].response_body = mine
                    stored_keys[i].save(update_fields=["response_status", "response_body"])
    return [answer for answer in answers if answer is not None]


_GROUP = GroupCommit(_file_group, limit=lambda: settings.INTAKE_GROUP_LIMIT)


def _submit(
    reports: list[Any], credential: ApiCredential, key: str, request_hash: str
) -> HttpResponse:
    for attempt in range(ATTEMPTS):
        try:
            return _submit_once(reports, credential, key, request_hash)
        except IntegrityError:
            # A concurrent request stored the same external id (or key) between our look-up
            # and our insert; its transaction has committed, so the next run sees its rows.
            if attempt == ATTEMPTS - 1:
                break
        except DATABASE_ERRORS as exc:
            # PostgreSQL ended the transaction to break a deadlock with another one (not
            # between two batches: they take items in one order; with another writer of the
            # same items). Nothing of it was kept: run it again.
            if not is_transaction_conflict(exc) or attempt == ATTEMPTS - 1:
                raise
    return problem(
        409,
        "Concurrent submission",
        "Another request with the same external ids is being stored; send this one again.",
    )


def _invalid(errors: list[FieldError], *, title: str) -> HttpResponse:
    shown = [e.as_dict() for e in errors[:MAX_ERRORS]]
    detail = "Nothing was stored. Correct the fields listed and send the whole batch again."
    if len(errors) > MAX_ERRORS:
        detail += f" The first {MAX_ERRORS} of {len(errors)} errors are listed."
    return problem(422, title, detail, errors=shown)


def _submit_once(
    reports: list[Any], credential: ApiCredential, key: str, request_hash: str
) -> HttpResponse:
    with transaction.atomic():
        if key:
            stored, created = IdempotencyKey.objects.select_for_update().get_or_create(
                credential=credential, key=key, defaults={"request_hash": request_hash}
            )
            if not created:
                return _replay(stored, request_hash)
        status, answer = _file_batch(reports, credential)
        if key:
            stored.response_status = status
            stored.response_body = answer
            stored.save(update_fields=["response_status", "response_body"])
    return JsonResponse(answer, status=status)


def _replay(stored: IdempotencyKey, request_hash: str) -> HttpResponse:
    if stored.request_hash != request_hash:
        return problem(
            422,
            "Idempotency-Key reused",
            "This key was used for a different body. Use a new key for a new submission.",
        )
    response = JsonResponse(stored.response_body, status=stored.response_status or 200)
    response["Idempotent-Replayed"] = "true"
    return response


def _file_batch(reports: list[Any], credential: Any) -> tuple[int, dict[str, Any]]:
    """File the batch's new reports together (set-wise queries: ``file_reports``); reports whose
    external id this organisation already used are answered as duplicates."""
    organisation = credential.organisation
    ids = [data.external_id for data in reports if data.external_id]
    existing = existing_external_ids(organisation.pk, ids)
    fresh = [
        replace(data, submitted_by=organisation)
        for data in reports
        if not (data.external_id and data.external_id in existing)
    ]
    filed = iter(file_reports(fresh, actor=credential) if fresh else [])
    status_url = _status_urls()
    results = []
    for data in reports:
        if data.external_id and data.external_id in existing:
            reference, result = existing[data.external_id], "duplicate"
        else:
            reference, result = next(filed).report.reference, "created"
        results.append(
            {
                "external_id": data.external_id,
                "reference": reference,
                "result": result,
                "status_url": status_url(reference),
            }
        )
    return (201 if fresh else 200), {"reports": results}


def _own_report(credential: ApiCredential, reference: str) -> Report | None:
    """A report this client's organisation submitted; never anybody else's."""
    return Report.objects.filter(reference=reference, submitted_by=credential.organisation).first()


def _bad_reference(reference: str) -> HttpResponse | None:
    """A 422 for a path segment that cannot be a reference (checked before any query)."""
    errors = reference_errors(reference)
    if not errors:
        return None
    return problem(
        422,
        "Not a report reference",
        "The path names no report.",
        errors=[e.as_dict() for e in errors],
    )


def _no_such_report() -> HttpResponse:
    return problem(
        404, "No such report", "No report with this reference was submitted by your organisation."
    )


@api_endpoint(Scope.INTAKE)
def report_status(request: HttpRequest, reference: str) -> HttpResponse:
    """The status of a report this client submitted (and only of those)."""
    credential = credential_of(request)
    if (refused := _bad_reference(reference)) is not None:
        return refused
    report = _own_report(credential, reference)
    if report is None:
        return _no_such_report()
    record("report.status_api", actor=credential, obj=report)
    return JsonResponse(
        {
            "reference": report.reference,
            "external_id": report.external_id,
            "status": report.status,
            "received_at": report.received_at.isoformat(),
        }
    )


@api_endpoint(Scope.INTAKE, methods=("POST",))
def upload_media(request: HttpRequest, reference: str) -> HttpResponse:
    """Attach the file behind one of a report's hash-only items (optional; where enabled).

    The upload must be the file the hashes describe; it is stored encrypted and purged
    after the instance's retention period. Nothing is stored when anything is wrong.
    """
    credential = credential_of(request)
    if (refused := _bad_reference(reference)) is not None:
        return refused
    report = _own_report(credential, reference)
    if report is None:
        return _no_such_report()
    if not settings.MEDIA_UPLOADS:
        return problem(
            403, "Media uploads are off", "This hotline keeps hashes only: send hashes, not files."
        )
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return problem(
            400, "No file", "Send the file as multipart/form-data in a field named 'file'."
        )
    items = [
        ri.item
        for ri in report.report_items.select_related("item")
        if ri.item.kind == ItemKind.FILE
    ]
    if not items:
        return problem(422, "No file items", "This report names no files by their hashes.")
    errors: list[str] = []
    for item in items:
        uploaded.seek(0)
        try:
            media = attach_media(item, uploaded, actor=credential)
        except UploadsDisabled as exc:
            return problem(403, "Media uploads are off", str(exc))
        except MatchingError as exc:
            errors.append(str(exc))
            continue
        return JsonResponse({"item": item.pk, "media": media.pk, "size": media.size}, status=201)
    return problem(
        422,
        "File refused",
        "Nothing was stored: " + "; ".join(sorted(set(errors))),
    )
