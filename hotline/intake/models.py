"""Intake bookkeeping: idempotency keys of machine submissions."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` and the answer it got, so a retry gets the same answer."""

    credential = models.ForeignKey(
        "accounts.ApiCredential", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["credential", "key"], name="one_answer_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.credential_id}:{self.key}"


class CybertipState(models.TextChoices):
    OPEN = "open", "open"
    FINISHED = "finished", "finished"
    RETRACTED = "retracted", "retracted"


class CybertipSubmission(models.Model):
    """A report opened over the CyberTipline-compatible API; filed as a Report on /finish.

    Its primary key is the numeric ``reportId`` the client is given. ``document`` keeps every
    element and attribute of the report XML as ``[path, value]`` rows, so what our model does
    not hold is still shown to analysts.
    """

    id = models.BigAutoField(primary_key=True)
    credential = models.ForeignKey(
        "accounts.ApiCredential", on_delete=models.CASCADE, related_name="+"
    )
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(max_length=10, choices=CybertipState.choices)
    xml = models.TextField(blank=True)
    document = models.JSONField(default=list)
    opened_at = models.DateTimeField(default=timezone.now)
    modified_at = models.DateTimeField(default=timezone.now)
    report = models.OneToOneField(
        "cases.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="cybertip"
    )

    def __str__(self) -> str:
        return f"cybertip:{self.pk}"


class CybertipFile(models.Model):
    """A file of a CyberTipline submission: uploaded (hashed, content not kept) or hash-only."""

    submission = models.ForeignKey(
        CybertipSubmission, on_delete=models.CASCADE, related_name="files"
    )
    file_id = models.CharField(max_length=32, unique=True)
    uploaded = models.BooleanField()
    md5 = models.CharField(max_length=32, blank=True)
    sha1 = models.CharField(max_length=40, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.BigIntegerField(null=True)
    file_name = models.CharField(max_length=255, blank=True)
    details = models.JSONField(null=True)  # the fileDetails as [path, value] rows
    details_xml = models.TextField(blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.file_id
