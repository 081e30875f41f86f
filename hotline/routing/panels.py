"""Extra context for the referral page from apps above routing (an extension point).

The referral page shows what a higher app knows of a referral without routing importing it:
takedown registers ``notice`` (the notice the referral's item is on, its schedule and sends).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.core.registry import Registry
from hotline.routing.models import Referral

ReferralPanel = Callable[[Referral], dict[str, Any]]
REFERRAL_PANELS: Registry[ReferralPanel] = Registry("referral page panel")


def referral_panel_context(referral: Referral) -> dict[str, Any]:
    """The template context every registered panel adds for ``referral``."""
    context: dict[str, Any] = {}
    for panel in REFERRAL_PANELS.values():
        context.update(panel(referral))
    return context
