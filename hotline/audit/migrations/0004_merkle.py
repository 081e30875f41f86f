"""The audit log becomes an append-only Merkle tree (RFC 9162) instead of a hash chain.

Writers no longer link an event to the previous one (that needed a lock on the log's end):
``hash`` is now the leaf hash of the event's own content, ``seq`` is given later by the
sequencer, and signed tree heads (``TreeHead``) carry the tamper evidence.

Events written before keep their ``seq``. Their old chain is verified first: a broken chain
stops the migration rather than being sealed into a freshly signed tree (investigate with
``hotline audit verify`` on the previous release). Then their hashes are recomputed in the new
form and the first sequencer run signs a head over them.

The triggers now refuse every UPDATE but the one assignment of ``seq`` to an event without
one, and (PostgreSQL) every DELETE, on events and heads alike.
"""

import hashlib
import json
from datetime import UTC
from importlib import import_module

from django.db import migrations, models

POSTGRES_UP = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND NEW.seq IS NOT NULL
       AND to_jsonb(NEW) - 'seq' = to_jsonb(OLD) - 'seq' THEN
        RETURN NEW;  -- the sequencer placing an event; nothing else may change
    END IF;
    RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE OR REPLACE FUNCTION audit_head_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_append_only BEFORE UPDATE OR DELETE ON audit_treehead
    FOR EACH ROW EXECUTE FUNCTION audit_head_append_only();
"""
POSTGRES_DOWN = """
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_head_append_only ON audit_treehead;
DROP FUNCTION IF EXISTS audit_head_append_only();
"""
_UNCHANGED = " AND ".join(
    f"NEW.{column} IS OLD.{column}"
    for column in (
        "id", "at", "actor", "organisation", "action", "object_type", "object_id", "detail", "hash"
    )
)
SQLITE_UP = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent "
    f"WHEN NOT (OLD.seq IS NULL AND NEW.seq IS NOT NULL AND {_UNCHANGED}) "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
    "CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_treehead "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_update;",
    "DROP TRIGGER IF EXISTS audit_head_no_update;",
]


def drop_old_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent")
    elif schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_event_no_update")


def restore_old_triggers(apps, schema_editor):
    import_module("hotline.audit.migrations.0002_append_only").forwards(apps, schema_editor)


def _stamp(at):
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _old_hash(event):
    payload = {
        "seq": event.seq,
        "at": _stamp(event.at),
        "actor": event.actor,
        "organisation": event.organisation,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _leaf_hash(event):
    payload = {
        "at": _stamp(event.at),
        "actor": event.actor,
        "organisation": event.organisation,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "detail": event.detail,
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(b"\x00" + canonical.encode()).hexdigest()


def rehash_old_chain(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    previous, expected_seq = "0" * 64, 1
    batch = []
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq or event.prev_hash != previous or _old_hash(event) != event.hash:
            raise RuntimeError(
                f"audit chain broken at event #{event.seq}: not converting it into a signed tree. "
                "Run 'hotline audit verify' on the previous release and investigate first."
            )
        previous, expected_seq = event.hash, event.seq + 1
        event.hash = _leaf_hash(event)
        batch.append(event)
        if len(batch) >= 2000:
            AuditEvent.objects.bulk_update(batch, ["hash"])
            batch = []
    if batch:
        AuditEvent.objects.bulk_update(batch, ["hash"])


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_chaincheck_and_filter_indexes")]

    operations = [
        migrations.RunPython(drop_old_triggers, restore_old_triggers),
        migrations.AlterField(
            model_name="auditevent", name="hash", field=models.CharField(max_length=64)
        ),
        migrations.RunPython(rehash_old_chain, migrations.RunPython.noop),
        migrations.RemoveField(model_name="auditevent", name="prev_hash"),
        migrations.RemoveIndex(model_name="auditevent", name="audit_actor_seq_idx"),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AlterModelOptions(name="auditevent", options={"ordering": ["id"]}),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(fields=["actor", "id"], name="audit_actor_id_idx"),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(seq__isnull=True), fields=["id"], name="audit_pending_idx"
            ),
        ),
        migrations.CreateModel(
            name="TreeHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("tree_size", models.BigIntegerField(unique=True)),
                ("root_hash", models.CharField(max_length=64)),
                ("timestamp_ms", models.BigIntegerField()),
                ("origin", models.CharField(max_length=300)),
                ("key_id", models.CharField(max_length=80)),
                ("signature", models.CharField(max_length=128)),
                ("frontier", models.JSONField(default=list)),
            ],
            options={"ordering": ["tree_size"]},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
