"""The default routing rules (DESIGN.md §4 step 5); supervisors see them, administrators edit them."""

from django.db import migrations

DEFAULT_RULES = [
    (10, "hosted_home", ["police", "notice"], "Hosted at home: our police first, then (after any hold) the hosting provider."),
    (20, "hosted_partner", ["partner"], "Hosted in a partner's country: the partner hotline acts there."),
    (30, "hosted_no_partner", ["interpol", "notice"], "No partner there: police/INTERPOL channel plus a direct notice."),
    (40, "hosting_unknown", ["police"], "Hosting unknown (CDN, no data): our police; an analyst completes the trace."),
    (90, "always", ["blocklist", "hashlist"], "Where classification and law allow: blocklist and hash list."),
]


def forwards(apps, schema_editor):
    RoutingRule = apps.get_model("routing", "RoutingRule")
    if RoutingRule.objects.exists():
        return
    for position, condition, destinations, description in DEFAULT_RULES:
        RoutingRule.objects.create(
            position=position, condition=condition, destinations=destinations, description=description
        )


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
