from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    """Wiring only, and there is nothing to wire: the own hash list's routing destination is
    routing's (hotline.routing.destinations), since matching knows nothing of cases or routing;
    expired media is purged by the retention run (hotline.monitoring.retention), which knows
    the items a referral or police hold still needs."""

    verbose_name = _("Hash matching")
    name = "hotline.matching"
    label = "matching"
