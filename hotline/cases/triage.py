"""Triage priority from the signals on an item.

Urgent escalations and children in immediate danger first; then live content
and new (never seen) material; then known material, which only needs a
confirmation; repeated reports raise an item within its band.
"""

from __future__ import annotations

from hotline.cases.models import Item

URGENT = 1000
NEW_MATERIAL = 100
KNOWN_MATERIAL = 10
PER_REPORT = 5
MAX_REPORT_BONUS = 50


def compute_priority(item: Item) -> int:
    score = URGENT if item.urgent else 0
    score += KNOWN_MATERIAL if item.known_match else NEW_MATERIAL
    score += min(item.report_count * PER_REPORT, MAX_REPORT_BONUS)
    return score
