"""Report references and receipt secrets that a person can read aloud and write down."""

from __future__ import annotations

import secrets

# Crockford's base32 alphabet: no I, L, O or U, so nothing is misread.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _groups(length: int, group: int) -> str:
    # One draw of 5 bits per character (the alphabet has 32): uniform, as secrets.choice per
    # character is, with one call to the system's random source instead of one per character
    # (those calls were 7 % of the CPU of a batch of company reports).
    bits = secrets.randbits(5 * length)
    chars = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(length))
    return "-".join(chars[i : i + group] for i in range(0, length, group))


def new_reference() -> str:
    """e.g. ``HL-4KX9-T2QM`` (40 bits: unique enough to look up, not a secret)."""
    return f"HL-{_groups(8, 4)}"


def new_secret() -> str:
    """e.g. ``7WQ3-PM2K-XH9D-4RTA`` (80 bits): with the reference it opens the status page."""
    return _groups(16, 4)


def normalise(value: str) -> str:
    """Accept what people type: lower case, spaces, O for 0, I/L for 1."""
    cleaned = (
        value.strip().upper().replace(" ", "").replace("O", "0").replace("I", "1").replace("L", "1")
    )
    return cleaned
