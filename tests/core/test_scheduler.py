from __future__ import annotations

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from hotline.core import schedule
from hotline.core.models import ScheduledJob
from hotline.core.registry import Registry


@pytest.mark.django_db
def test_scheduler_enqueues_when_due_and_not_again_until_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hotline.core.tasks import prune_platform_state

    monkeypatch.setattr(schedule, "JOBS", Registry("periodic job"))
    schedule.register_periodic("prune", every=timedelta(hours=1), task=prune_platform_state)

    assert schedule.enqueue_due_jobs() == ["prune"]
    assert schedule.enqueue_due_jobs() == []
    ScheduledJob.objects.filter(name="prune").update(
        last_enqueued_at=ScheduledJob.objects.get(name="prune").last_enqueued_at
        - timedelta(hours=2)
    )
    assert schedule.enqueue_due_jobs() == ["prune"]
    assert (
        DBTaskResult.objects.filter(task_path="hotline.core.tasks.prune_platform_state").count()
        == 2
    )
