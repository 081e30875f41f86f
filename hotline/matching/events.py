"""Events of the matching app (see ``hotline.core.events`` for the style and
``hotline.site.pipeline`` for who listens, in which order)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.core.events import Event
from hotline.matching.models import SelfSubmission


@dataclass(frozen=True)
class SelfSubmissionShared:
    """A hash-only removal request may now be shared with participating platforms: it was
    submitted and nothing in it is on the benign allow-list, or staff released it after a
    check. Sent by ``submit_self_submission`` and ``release_self_submission``."""

    submission: SelfSubmission


@dataclass(frozen=True)
class SelfSubmissionWithdrawn:
    """The person withdrew their request with its receipt: every feed must drop its hashes.
    Sent by ``withdraw_self_submission`` (also for a held request, which was never shared)."""

    submission: SelfSubmission


self_submission_shared: Event[SelfSubmissionShared] = Event(
    "matching.self_submission_shared", SelfSubmissionShared
)
self_submission_withdrawn: Event[SelfSubmissionWithdrawn] = Event(
    "matching.self_submission_withdrawn", SelfSubmissionWithdrawn
)
