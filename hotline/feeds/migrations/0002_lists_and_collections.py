"""One serial per list, and the two TAXII collections (web pages and domains; file hashes).

Collection ids are fixed so documentation and consumers' configurations stay valid across
instances; administrators subscribe each consumer to what it may read.
"""

import uuid

from django.db import migrations

LISTS = ["blocklist", "payment", "phone", "hashes"]
COLLECTIONS = [
    (
        uuid.UUID("99507c8a-2614-4a65-8ea7-8495158113f0"),
        "blocklist",
        "Blocklist: web pages and dedicated domains",
        "STIX 2.1 indicators of every web page and dedicated domain on the blocklist;"
        " revoked when they leave it.",
        "blocklist",
    ),
    (
        uuid.UUID("d5493cf0-795f-4917-be5f-98cd167b76cf"),
        "hashes",
        "Confirmed file hashes",
        "STIX 2.1 indicators with the MD5, SHA-1 and SHA-256 (and PDQ in x_pdq) of files"
        " confirmed as child sexual abuse material.",
        "hashes",
    ),
]


def forwards(apps, schema_editor):
    Serial = apps.get_model("feeds", "Serial")
    Collection = apps.get_model("feeds", "Collection")
    for name in LISTS:
        Serial.objects.get_or_create(feed_list=name)
    for pk, alias, title, description, feed_list in COLLECTIONS:
        Collection.objects.get_or_create(
            pk=pk,
            defaults={
                "alias": alias,
                "title": title,
                "description": description,
                "feed_list": feed_list,
                "tlp": "amber+strict",
            },
        )


class Migration(migrations.Migration):
    dependencies = [("feeds", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
