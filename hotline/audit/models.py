"""The append-only audit log: events, and the signed heads of the Merkle tree over them."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """One read or write of sensitive data.

    Written in the transaction of what it records, with ``hash`` = the RFC 9162 leaf hash of
    its canonical entry (``hotline.audit.actions.entry_bytes``) and no position yet: writers
    never wait for each other. The sequencer (``integrate``) later gives each committed event
    its place ``seq`` (1-based; the tree's leaf index is ``seq - 1``) and signs the new tree
    head. Database triggers (migration 0004) refuse every UPDATE except that one assignment of
    ``seq``, and every DELETE (PostgreSQL).
    """

    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=200, help_text="user:<username>, client:<key id> or system")
    organisation = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            # The auditors' filters: by actor and by date range.
            models.Index(fields=["actor", "id"], name="audit_actor_id_idx"),
            models.Index(fields=["at"], name="audit_at_idx"),
            # What the sequencer has still to integrate: small, and found without a scan.
            models.Index(
                fields=["id"], condition=models.Q(seq__isnull=True), name="audit_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        place = f"#{self.seq}" if self.seq is not None else "(pending)"
        return f"{place} {self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action}"


class TreeHead(models.Model):
    """A signed statement that the first ``tree_size`` events (by ``seq``) have Merkle root
    ``root_hash``; one per sequencer batch. Append-only like the events.

    ``frontier`` holds the roots of the tree's perfect subtrees along its right edge (hex,
    largest first), so the next batch extends the tree without reading old events; it is not
    trusted by verification, which recomputes everything from the events.
    """

    tree_size = models.BigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    timestamp_ms = models.BigIntegerField()
    origin = models.CharField(max_length=300)
    key_id = models.CharField(max_length=80)
    signature = models.CharField(max_length=128)
    frontier = models.JSONField(default=list)

    class Meta:
        ordering = ["tree_size"]

    def __str__(self) -> str:
        return f"tree head {self.tree_size} {self.root_hash[:12]}"


class ChainCheck(models.Model):
    """The outcome of one verification of the whole log, kept so the audit page can show
    the last result without re-reading every event on each visit.

    Not part of the log itself: a check is a fact about the tree up to
    ``checked_through_seq`` (its size) with root ``head_hash``; the event that records the
    check comes after it.
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
