"""Every write of the CyberTipline-compatible API, each audited in its own transaction.

A submission is open until ``finish_submission`` files it as one Report (all or nothing) or
``retract_submission`` cancels it; ``expire_submissions`` deletes the ones left unfinished.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from lxml import etree

from hotline.accounts.models import ApiCredential
from hotline.audit.actions import record
from hotline.cases.actions import file_report
from hotline.intake.cybertip import xml
from hotline.intake.cybertip.mapping import FileFacts, hashes_from_details, report_input
from hotline.intake.models import CybertipFile, CybertipState, CybertipSubmission


class FlowError(Exception):
    """A request the flow does not allow now; ``code`` is NCMEC's response code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _locked_open(credential: ApiCredential, report_id: int) -> CybertipSubmission:
    """The caller's own submission, row-locked, refused unless it is still open."""
    submission = (
        CybertipSubmission.objects.select_for_update()
        .filter(pk=report_id, organisation=credential.organisation)
        .first()
    )
    if submission is None:
        raise FlowError(xml.REPORT_DOES_NOT_EXIST, f"report {report_id} does not exist")
    if submission.state == CybertipState.RETRACTED:
        raise FlowError(xml.ALREADY_RETRACTED, f"report {report_id} was already retracted")
    if submission.state == CybertipState.FINISHED:
        raise FlowError(xml.ALREADY_FINISHED, f"report {report_id} was already finished")
    return submission


@transaction.atomic
def open_submission(
    *, credential: ApiCredential, raw: bytes, document: etree._Element
) -> CybertipSubmission:
    """Open a report from its validated ``<report>`` XML (NCMEC's /submit)."""
    submission = CybertipSubmission.objects.create(
        credential=credential,
        organisation=credential.organisation,
        state=CybertipState.OPEN,
        xml=raw.decode("utf-8", "replace"),
        document=xml.rows(document),
    )
    record("cybertip.open", actor=credential, obj=submission)
    return submission


@dataclass(frozen=True)
class FileHashes:
    md5: str = ""
    sha1: str = ""
    sha256: str = ""
    size: int | None = None
    file_name: str = ""


@transaction.atomic
def add_file(
    *, credential: ApiCredential, report_id: int, hashes: FileHashes, uploaded: bool
) -> CybertipFile:
    """Add a file to an open report (NCMEC's /upload): its hashes only, content never kept."""
    submission = _locked_open(credential, report_id)
    added = CybertipFile.objects.create(
        submission=submission,
        file_id=secrets.token_hex(16),
        uploaded=uploaded,
        md5=hashes.md5,
        sha1=hashes.sha1,
        sha256=hashes.sha256,
        size=hashes.size,
        file_name=hashes.file_name[:255],
    )
    submission.modified_at = timezone.now()
    submission.save(update_fields=["modified_at"])
    record("cybertip.file", actor=credential, obj=submission, detail={"file_id": added.file_id})
    return added


@transaction.atomic
def add_file_details(*, credential: ApiCredential, details: etree._Element) -> CybertipSubmission:
    """Attach a validated ``<fileDetails>`` to a file of an open report (NCMEC's /fileinfo)."""
    report_id = int(details.findtext("reportId") or "0")
    file_id = (details.findtext("fileId") or "").strip()
    submission = _locked_open(credential, report_id)
    target = submission.files.filter(file_id=file_id).first()
    if target is None:
        raise FlowError(
            xml.FILE_DOES_NOT_EXIST, f"file {file_id} is not part of report {report_id}"
        )
    if target.details is not None:
        raise FlowError(xml.INVALID_REQUEST, f"file {file_id} already has its details")
    hashes, errors = hashes_from_details(details)
    if errors:
        raise FlowError(xml.VALIDATION_FAILED, "; ".join(errors))
    for algorithm, value in hashes.items():
        stored = getattr(target, algorithm)
        if target.uploaded and stored and stored != value:
            # An uploaded file's own hashes are what we received; an original's differ and
            # are kept in the details rows, never overwriting the received ones.
            continue
        if not stored:
            setattr(target, algorithm, value)
    target.details = xml.rows(details)
    target.details_xml = etree.tostring(details, encoding="unicode")
    if not target.file_name:
        target.file_name = (
            details.findtext("originalFileName") or details.findtext("fileName") or ""
        )[:255]
    target.save(update_fields=["details", "details_xml", "md5", "sha1", "sha256", "file_name"])
    submission.modified_at = timezone.now()
    submission.save(update_fields=["modified_at"])
    record("cybertip.file_details", actor=credential, obj=submission, detail={"file_id": file_id})
    return submission


@transaction.atomic
def finish_submission(
    *, credential: ApiCredential, report_id: int
) -> tuple[CybertipSubmission, list[str]]:
    """File an open report with all its files as one Report (NCMEC's /finish), or nothing."""
    submission = _locked_open(credential, report_id)
    files = list(submission.files.order_by("pk"))
    without = [f.file_id for f in files if not (f.md5 or f.sha1 or f.sha256)]
    if without:
        raise FlowError(
            xml.VALIDATION_FAILED,
            f"file {without[0]} has no MD5, SHA-1 or SHA-256: upload it or send originalFileHash",
        )
    document = xml.parse(submission.xml.encode("utf-8"), root="report")
    batched = document.find("batchedReport")
    if batched is not None and batched.get("reason") == "VIRAL_POTENTIAL_MEME" and len(files) > 1:
        raise FlowError(
            xml.VALIDATION_FAILED,
            "a VIRAL_POTENTIAL_MEME batched report takes one file; retract and send it again",
        )
    facts = [
        FileFacts(
            md5=f.md5,
            sha1=f.sha1,
            sha256=f.sha256,
            size=f.size,
            file_name=f.file_name,
            details=_details_element(f),
        )
        for f in files
    ]
    data = report_input(document, facts, external_id=f"cybertip:{submission.pk}")
    filed = file_report(replace(data, submitted_by=credential.organisation), actor=credential)
    submission.state = CybertipState.FINISHED
    submission.report = filed.report
    submission.modified_at = timezone.now()
    submission.save(update_fields=["state", "report", "modified_at"])
    record(
        "cybertip.finish",
        actor=credential,
        obj=submission,
        detail={"report": filed.report.reference},
    )
    return submission, [f.file_id for f in files]


def _details_element(stored: CybertipFile) -> etree._Element | None:
    if not stored.details_xml:
        return None
    return xml.parse(stored.details_xml.encode("utf-8"), root="fileDetails")


@transaction.atomic
def retract_submission(*, credential: ApiCredential, report_id: int) -> CybertipSubmission:
    """Cancel an open report (NCMEC's /retract): its XML and files are deleted at once."""
    submission = _locked_open(credential, report_id)
    submission.files.all().delete()
    submission.state = CybertipState.RETRACTED
    submission.xml = ""
    submission.document = []
    submission.modified_at = timezone.now()
    submission.save(update_fields=["state", "xml", "document", "modified_at"])
    record("cybertip.retract", actor=credential, obj=submission)
    return submission


@transaction.atomic
def expire_submissions(*, now: datetime | None = None) -> int:
    """Delete open reports past their time (``CYBERTIP_EXPIRY_HOURS`` after opening and
    ``CYBERTIP_IDLE_HOURS`` after the last change, whichever is later) and retracted ones
    as old; returns how many went."""
    moment = now if now is not None else timezone.now()
    opened_before = moment - timedelta(hours=settings.CYBERTIP_EXPIRY_HOURS)
    idle_before = moment - timedelta(hours=settings.CYBERTIP_IDLE_HOURS)
    stale = CybertipSubmission.objects.filter(
        state__in=[CybertipState.OPEN, CybertipState.RETRACTED],
        opened_at__lt=opened_before,
        modified_at__lt=idle_before,
    )
    ids = list(stale.values_list("pk", flat=True))
    if ids:
        CybertipFile.objects.filter(submission_id__in=ids).delete()
        CybertipSubmission.objects.filter(pk__in=ids).delete()
        record("cybertip.expire", actor=None, object_type="cybertip", detail={"report_ids": ids})
    return len(ids)
