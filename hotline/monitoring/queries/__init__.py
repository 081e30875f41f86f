"""The statistics: every figure of the dashboards, the annual report and the public page.

Each function reads one period (``Period``) and returns plain dataclasses; nothing here
writes. Definitions (which rows count, which timestamps bound them) are in the docstrings
and in docs/monitoring.md; the tests compute each one by hand on a known data set.
"""

from __future__ import annotations

from hotline.monitoring.queries._common import (
    FEED_PULL_ACTION_PREFIX,
    FINAL,
    ILLEGAL,
    Count,
    Share,
    country_label,
    home_country,
    percentile,
)
from hotline.monitoring.queries.referrals import (
    FeedPulls,
    ReferralRow,
    answered_within,
    feed_pulls,
    referral_outcomes,
)
from hotline.monitoring.queries.removal import (
    ProviderRemoval,
    Removal,
    removal_by_month,
    removal_distribution,
    removed_within,
    slowest_providers,
    time_to_removal,
)
from hotline.monitoring.queries.reports import (
    Backlog,
    Verdict,
    assessment_outcomes,
    backlog,
    final_verdicts,
    hosting_countries,
    hosting_providers,
    illegal_by_severity,
    reports_by_channel,
    reports_by_concern,
    reports_by_month,
)
from hotline.monitoring.queries.tourism import (
    TravelCases,
    code_members,
    enforcement_outcomes,
    travel_cases,
    travel_referrals_answered_within,
)

__all__ = [
    "FEED_PULL_ACTION_PREFIX",
    "FINAL",
    "ILLEGAL",
    "Backlog",
    "Count",
    "FeedPulls",
    "ProviderRemoval",
    "ReferralRow",
    "Removal",
    "Share",
    "TravelCases",
    "Verdict",
    "answered_within",
    "assessment_outcomes",
    "backlog",
    "code_members",
    "country_label",
    "enforcement_outcomes",
    "feed_pulls",
    "final_verdicts",
    "home_country",
    "hosting_countries",
    "hosting_providers",
    "illegal_by_severity",
    "percentile",
    "referral_outcomes",
    "removal_by_month",
    "removal_distribution",
    "removed_within",
    "reports_by_channel",
    "reports_by_concern",
    "reports_by_month",
    "slowest_providers",
    "time_to_removal",
    "travel_cases",
    "travel_referrals_answered_within",
]
