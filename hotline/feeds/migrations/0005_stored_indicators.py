"""Each entry keeps its STIX indicator's text (``stix.stored_indicator``): its addition and,
once it left its list, its revocation, so a TAXII page is a join of stored text. Entries that
exist already get theirs here, in batches by primary key (the same on SQLite and PostgreSQL)."""

from django.db import migrations, models

from hotline.feeds import queries, stix
from hotline.feeds.queries import Version

BATCH = 2000


def render_stored_indicators(apps, schema_editor):
    Entry = apps.get_model("feeds", "Entry")
    last = 0
    while batch := list(Entry.objects.filter(pk__gt=last).order_by("pk")[:BATCH]):
        for entry in batch:
            record = queries.record_of(entry)
            entry.stix_added = stix.stored_indicator(Version(entry.added_serial, record, False))
            if entry.removed_serial is not None:
                entry.stix_revoked = stix.stored_indicator(
                    Version(entry.removed_serial, record, True)
                )
        Entry.objects.bulk_update(batch, ["stix_added", "stix_revoked"])
        last = batch[-1].pk


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
