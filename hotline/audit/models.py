"""The append-only, hash-chained audit log."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One read or write of sensitive data.

    ``hash`` is SHA-256 over the canonical form of this event and ``prev_hash``,
    so editing, inserting or deleting any event breaks the chain from there on.
    Database triggers (migration 0002) refuse UPDATE and DELETE as a first line.
    """

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200, help_text="user:<username>, client:<key id> or system")
    organisation = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The auditors' filters: by actor and by date range.
            models.Index(fields=["actor", "seq"], name="audit_actor_seq_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action}"


class ChainCheck(models.Model):
    """The outcome of one verification of the whole chain, kept so the audit page can show
    the last result without re-reading every event on each visit.

    Not part of the chain itself: a check is a fact about the chain up to
    ``checked_through_seq``; the event that records the check comes after it.
    """

    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    events_checked = models.BigIntegerField()
    checked_through_seq = models.BigIntegerField(null=True)
    head_hash = models.CharField(max_length=64, blank=True)
    ok = models.BooleanField()
    problem_count = models.IntegerField(default=0)
    # The first problems found (seq and what is wrong), enough to start an investigation.
    problems = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]
        get_latest_by = ["at", "pk"]

    def __str__(self) -> str:
        state = "intact" if self.ok else f"BROKEN ({self.problem_count})"
        return f"check {self.at:%Y-%m-%d %H:%M:%S}: {state}"
