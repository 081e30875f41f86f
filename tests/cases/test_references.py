"""References and receipt secrets: their form, and every character drawn from the whole
alphabet at every position."""

from __future__ import annotations

import re
from collections import Counter

from hotline.cases import references
from hotline.intake.schema import REFERENCE_SCHEMA


def test_the_forms() -> None:
    assert re.search(REFERENCE_SCHEMA["pattern"], references.new_reference())
    assert re.fullmatch(
        r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", references.new_secret()
    )


def test_every_position_takes_every_character_about_equally() -> None:
    """3,200 secrets: about 100 of each of the 32 characters at each of the 16 positions. A
    character never drawn (bits taken from the wrong place, an alphabet cut short) or one drawn
    twice as often as it should be fails here; chance alone does not (a count outside 40-180
    has a probability below 1e-9 per cell)."""
    drawn = [references.new_secret().replace("-", "") for _ in range(3200)]
    for position in range(16):
        counts = Counter(secret[position] for secret in drawn)
        assert set(counts) == set(references.ALPHABET), position
        assert min(counts.values()) >= 40, (position, counts)
        assert max(counts.values()) <= 180, (position, counts)
