"""IPv4 addresses in every spelling ``inet_aton`` accepts (decimal, octal, hex, 1-4 parts).

Browsers and resolvers read ``http://3279880203/``, ``http://0xC3.0177.11/`` and
``http://195.127.0.11/`` as the same address, so the URL canonicaliser and the
liveness checker's SSRF guard must read them the same way too: both use this.
"""

from __future__ import annotations

from ipaddress import IPv4Address

_DIGITS = {8: frozenset("01234567"), 10: frozenset("0123456789"), 16: frozenset("0123456789abcdef")}


def _number(part: str) -> int | None:
    part = part.lower()
    if part[:2] == "0x":
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not part or not set(digits) <= _DIGITS[base]:
        return None
    digits = digits.lstrip("0")
    if len(digits) > 12:  # far above 2**32 in any base; spares int() a huge number
        return None
    return int(digits, base) if digits else 0


def parse_ipv4(host: str) -> IPv4Address | None:
    """The address ``host`` spells in any form ``inet_aton`` reads, else ``None``."""
    if not host[:1].isdigit():
        # Every spelling starts with a digit (decimal, 0 octal, 0x hex): a name never does
        # this work (it was 4 % of the CPU of filing a batch of reports, called twice per URL).
        return None
    parts = host.split(".")
    if len(parts) > 4:
        return None
    numbers = []
    for part in parts:
        number = _number(part)
        if number is None:
            return None
        numbers.append(number)
    last = numbers.pop()
    if any(number > 255 for number in numbers) or last >= 256 ** (4 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(numbers):
        value += number << (8 * (3 - index))
    return IPv4Address(value)
