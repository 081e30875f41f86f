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
