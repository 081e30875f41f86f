"""Each entry keeps its STIX indicator's text (``stix.stored_indicator``): its addition and,
once it left its list, its revocation, so a TAXII page is a join of stored text. Entries that
exist already get theirs here, in batches by primary key, one plain UPDATE per entry (the same
SQL on SQLite and PostgreSQL; ``bulk_update``'s CASE over a batch grows with its square)."""

from django.db import connections, migrations, models

from hotline.feeds import stix
from hotline.feeds.queries import FeedRecord, Version

BATCH = 2000
FIELDS = (
    "pk",
    "kind",
    "value",
    "value_hash",
    "attributes",
    "stix_id",
    "added_serial",
    "added_at",
    "removed_serial",
    "removed_at",
    "removal_reason",
)


def render_stored_indicators(apps, schema_editor):
    Entry = apps.get_model("feeds", "Entry")
    connection = connections[Entry.objects.db]
    quote = connection.ops.quote_name
    # Names from the model, quoted; values travel as parameters.
    sql = (
        f"UPDATE {quote(Entry._meta.db_table)} SET {quote('stix_added')} = %s,"  # noqa: S608
        f" {quote('stix_revoked')} = %s WHERE {quote('id')} = %s"
    )
    last = 0
    entries = Entry.objects.order_by("pk").values_list(*FIELDS)
    while rows := list(entries.filter(pk__gt=last)[:BATCH]):
        updates = []
        for row in rows:
            record = FeedRecord(*row)
            added = stix.stored_indicator(Version(record.added_serial, record, False))
            revoked = ""
            if record.removed_serial is not None:
                revoked = stix.stored_indicator(Version(record.removed_serial, record, True))
            updates.append((added, revoked, record.pk))
        with connection.cursor() as cursor:
            cursor.executemany(sql, updates)
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [
        ("feeds", "0004_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="stix_added",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="entry",
            name="stix_revoked",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(render_stored_indicators, migrations.RunPython.noop, elidable=True),
    ]
