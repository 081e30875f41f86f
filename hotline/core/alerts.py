"""E-mail alerts to administrators when the platform needs a person.

Kinds (each can be switched off with ``HOTLINE_ALERTS_KINDS``):

* ``no_worker``: no worker has beaten within its lease;
* ``queue_age``: a task name's oldest due task has waited longer than
  ``HOTLINE_ALERTS_QUEUE_AGE_MINUTES`` (one alert per task name);
* ``parked``: outbox messages gave up after their last attempt and wait for an administrator;
* ``feed_unpublished``: a feed's list changed more than ``HOTLINE_ALERTS_FEED_UNPUBLISHED_MINUTES``
  ago and consumers are still served the older serial;
* ``audit_chain``: the audit chain failed verification (checked by a worker task, it reads the
  whole chain).

Each alert has a key; an alert whose condition persists is sent again only after
``HOTLINE_ALERTS_REPEAT_MINUTES``. The cheap checks run inside the scheduler process
(``in_scheduler``): the alert that no worker is alive must not wait for a worker. For the same
reason alerts go straight to SMTP rather than through the outbox, which workers deliver.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from hotline.accounts.models import Role, User
from hotline.audit.actions import integrate_all, verify_chain
from hotline.core import health
from hotline.core.actions import record_alert_sent
from hotline.core.models import AlertState

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Alert:
    kind: str
    key: str  # what the rate limit counts per: the kind, or the kind and its subject
    subject: str
    body: str


def enabled(kind: str) -> bool:
    return kind in settings.ALERTS_KINDS


def recipients() -> list[str]:
    """``HOTLINE_ALERTS_RECIPIENTS``, or else every active administrator with an address."""
    if settings.ALERTS_RECIPIENTS:
        return list(settings.ALERTS_RECIPIENTS)
    return sorted(
        User.objects.filter(is_active=True, roles__role=Role.ADMINISTRATOR)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


def platform_alerts(*, now: datetime | None = None) -> list[Alert]:
    """The conditions that hold now, for every enabled kind but the audit chain."""
    now = now or timezone.now()
    alerts: list[Alert] = []
    if enabled("no_worker"):
        states = health.workers(now=now)
        if not any(state.alive for state in states):
            last = max((state.last_seen for state in states), default=None)
            alerts.append(
                Alert(
                    "no_worker",
                    "no_worker",
                    _("No worker is alive"),
                    _(
                        "No background worker has sent a heartbeat within the last %(lease)s "
                        "seconds (last heartbeat: %(last)s). Reports are not enriched and "
                        "messages are not delivered until a worker runs again."
                    )
                    % {
                        "lease": settings.WORKER_LEASE_SECONDS,
                        "last": last.isoformat() if last else _("never"),
                    },
                )
            )
    if enabled("queue_age"):
        limit = settings.ALERTS_QUEUE_AGE_MINUTES * 60
        for queue in health.queues(now=now):
            if queue.ready and queue.oldest_wait_seconds > limit:
                alerts.append(
                    Alert(
                        "queue_age",
                        f"queue_age:{queue.task_path}",
                        _("Tasks are waiting: %(task)s") % {"task": queue.task_path},
                        _(
                            "%(count)s task(s) %(task)s wait for a worker; the oldest has "
                            "waited %(minutes)s minutes (threshold: %(limit)s)."
                        )
                        % {
                            "count": queue.ready,
                            "task": queue.task_path,
                            "minutes": _minutes(queue.oldest_wait_seconds),
                            "limit": settings.ALERTS_QUEUE_AGE_MINUTES,
                        },
                    )
                )
    if enabled("parked"):
        parked = health.outbox_backlog().get(health.PARKED, 0)
        if parked:
            alerts.append(
                Alert(
                    "parked",
                    "parked",
                    _("Outgoing messages are parked"),
                    _(
                        "%(count)s outgoing message(s) failed after their last attempt and are "
                        "parked. An administrator can retry them in the administration pages."
                    )
                    % {"count": parked},
                )
            )
    if enabled("feed_unpublished"):
        cutoff = now - timedelta(minutes=settings.ALERTS_FEED_UNPUBLISHED_MINUTES)
        for feed in health.feed_publications():
            if feed.behind and feed.changed_at is not None and feed.changed_at < cutoff:
                alerts.append(
                    Alert(
                        "feed_unpublished",
                        f"feed_unpublished:{feed.feed}",
                        _("Feed not published: %(feed)s") % {"feed": feed.feed},
                        _(
                            "The %(feed)s list is at serial %(serial)s since %(changed)s, but "
                            "consumers are still served serial %(published)s."
                        )
                        % {
                            "feed": feed.feed,
                            "serial": feed.serial,
                            "changed": feed.changed_at.isoformat(),
                            "published": feed.published_serial
                            if feed.published_serial is not None
                            else _("none"),
                        },
                    )
                )
    return alerts


def audit_chain_alerts() -> list[Alert]:
    """An alert when the audit chain does not verify, naming its first problems."""
    if not enabled("audit_chain"):
        return []
    integrate_all()  # what was committed before the check is checked in place
    problems = []
    for problem in verify_chain():
        problems.append(f"#{problem.seq}: {problem.problem}")
        if len(problems) == 20:
            break
    if not problems:
        return []
    return [
        Alert(
            "audit_chain",
            "audit_chain",
            _("The audit chain failed verification"),
            _(
                "The audit log's hash chain does not verify; events may have been altered or "
                "removed. First problems:"
            )
            + "\n"
            + "\n".join(problems),
        )
    ]


def send_alerts(alerts: list[Alert], *, now: datetime | None = None) -> list[str]:
    """E-mail each alert not sent within the repeat interval; returns the keys sent. An alert
    whose e-mail fails is not recorded, so the next check tries again."""
    now = now or timezone.now()
    if not alerts:
        return []
    to = recipients()
    if not to:
        logger.warning(
            "alerts %s not sent: no recipients (set HOTLINE_ALERTS_RECIPIENTS or give an "
            "administrator an e-mail address)",
            ", ".join(alert.key for alert in alerts),
        )
        return []
    quiet_since = now - timedelta(minutes=settings.ALERTS_REPEAT_MINUTES)
    recent = set(
        AlertState.objects.filter(
            key__in=[alert.key for alert in alerts], last_sent_at__gt=quiet_since
        ).values_list("key", flat=True)
    )
    sent = []
    for alert in alerts:
        if alert.key in recent:
            continue
        message = EmailMessage(
            subject=f"[{settings.INSTANCE_NAME}] {alert.subject}",
            body=alert.body
            + "\n\n"
            + _("Health page: %(url)s") % {"url": settings.BASE_URL + reverse("health")},
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=to,
            headers={"X-Hotline-Alert": alert.kind},
        )
        try:
            message.send(fail_silently=False)
        except OSError as exc:  # smtplib's errors are OSErrors too
            logger.error("alert %s not sent: %s", alert.key, exc)
            continue
        record_alert_sent(key=alert.key, detail=alert.body, recipients=to, sent_at=now)
        sent.append(alert.key)
    return sent


def check_and_send() -> list[str]:
    """The periodic check: the platform's alerts that hold now, sent (rate-limited)."""
    with override(settings.LANGUAGE_CODE):
        return send_alerts(platform_alerts())


def verify_audit_and_send() -> list[str]:
    with override(settings.LANGUAGE_CODE):
        return send_alerts(audit_chain_alerts())
