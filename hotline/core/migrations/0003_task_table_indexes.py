"""Indexes on the task table (django-tasks-db's, which we do not own) for the worker's and the
health page's own queries; its own partial index on READY tasks serves the claim query.

* running tasks by start (the reaper, the health page's running counts): partial, small;
* tasks by start, newest first (the health page's "last task of each worker");
* successful tasks by finish (the weekly prune), partial.

Plain SQL that SQLite and PostgreSQL both understand (partial indexes, IF NOT EXISTS), so the
same migration serves both; ``docs/scaling.md`` lists them.
"""

from __future__ import annotations

from django.db import migrations

TABLE = "django_tasks_database_dbtaskresult"

INDEXES = [
    ("hotline_task_running_idx", "started_at", "WHERE status = 'RUNNING'"),
    ("hotline_task_started_idx", "started_at", ""),
    ("hotline_task_succeeded_idx", "finished_at", "WHERE status = 'SUCCESSFUL'"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_alert_state"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON {TABLE} ({column}) {where}".strip(),
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, column, where in INDEXES
    ]
