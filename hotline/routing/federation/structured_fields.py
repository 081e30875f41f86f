"""The part of RFC 8941 (Structured Field Values for HTTP) that message signatures need.

``Signature-Input``, ``Signature`` and ``Content-Digest`` are structured-field dictionaries.
This module parses a dictionary whose members are items or inner lists, with parameters, and
serialises items and inner lists back, following the algorithms of RFC 8941 section 4 to the
letter (the signature base is built from the serialised form, so one stray space would break
every signature). All bare item types are understood: integers, decimals, strings, tokens,
byte sequences and booleans. Lists as a top-level type are not needed and not offered.

Parsing never trusts its input: anything that is not a valid dictionary raises
``StructuredFieldError`` with a message saying where and why, and nothing else is ever raised.
"""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = [
    "BareItem",
    "InnerList",
    "Item",
    "Parameters",
    "StructuredFieldError",
    "Token",
    "parse_dictionary",
    "serialize_inner_list",
    "serialize_item",
]


class StructuredFieldError(ValueError):
    """A field value is not a valid structured field of the expected type."""


@dataclass(frozen=True)
class Token:
    """An sf-token (``application/json``, ``*foo``), kept apart from an sf-string."""

    value: str


BareItem = int | Decimal | str | Token | bytes | bool
Parameters = dict[str, BareItem]


@dataclass(frozen=True)
class Item:
    """A bare item with its parameters."""

    value: BareItem
    params: Parameters = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    """A parenthesised list of items, with parameters of its own."""

    items: list[Item]
    params: Parameters = field(default_factory=dict)


_LCALPHA = frozenset(string.ascii_lowercase)
_ALPHA = frozenset(string.ascii_letters)
_DIGIT = frozenset(string.digits)
_KEY_FIRST = _LCALPHA | {"*"}
_KEY_REST = _LCALPHA | _DIGIT | {"_", "-", ".", "*"}
_TCHAR = _ALPHA | _DIGIT | frozenset("!#$%&'*+-.^_`|~")
_TOKEN_REST = _TCHAR | {":", "/"}
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/=")
_MAX_INTEGER = 999_999_999_999_999


class _Parser:
    """A cursor over the input; every ``parse_*`` follows the RFC 8941 section 4.2 algorithm."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, reason: str) -> StructuredFieldError:
        return StructuredFieldError(f"{reason} at character {self.pos}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def skip(self, characters: str) -> None:
        while not self.at_end() and self.text[self.pos] in characters:
            self.pos += 1

    def expect(self, character: str) -> None:
        if self.peek() != character:
            raise self.fail(f"expected {character!r}")
        self.pos += 1

    def parse_dictionary(self) -> dict[str, Item | InnerList]:
        members: dict[str, Item | InnerList] = {}
        while not self.at_end():
            key = self.parse_key()
            member: Item | InnerList
            if self.peek() == "=":
                self.pos += 1
                member = self.parse_item_or_inner_list()
            else:
                member = Item(True, self.parse_parameters())
            members[key] = member
            self.skip(" \t")
            if self.at_end():
                return members
            self.expect(",")
            self.skip(" \t")
            if self.at_end():
                raise self.fail("trailing comma")
        return members

    def parse_item_or_inner_list(self) -> Item | InnerList:
        if self.peek() == "(":
            return self.parse_inner_list()
        return self.parse_item()

    def parse_inner_list(self) -> InnerList:
        self.expect("(")
        items: list[Item] = []
        while not self.at_end():
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(items, self.parse_parameters())
            items.append(self.parse_item())
            if not self.at_end() and self.peek() not in (" ", ")"):
                raise self.fail("expected a space or ')' after an inner-list item")
        raise self.fail("unterminated inner list")

    def parse_item(self) -> Item:
        value = self.parse_bare_item()
        return Item(value, self.parse_parameters())

    def parse_parameters(self) -> Parameters:
        params: Parameters = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.parse_key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.parse_bare_item()
            params[key] = value
        return params

    def parse_key(self) -> str:
        if self.peek() not in _KEY_FIRST:
            raise self.fail("expected a key (lower-case letter or '*')")
        start = self.pos
        self.pos += 1
        while not self.at_end() and self.text[self.pos] in _KEY_REST:
            self.pos += 1
        return self.text[start : self.pos]

    def parse_bare_item(self) -> BareItem:
        first = self.peek()
        if first == "-" or (first and first in _DIGIT):
            return self.parse_number()
        if first == '"':
            return self.parse_string()
        if first == ":":
            return self.parse_byte_sequence()
        if first == "?":
            return self.parse_boolean()
        if first == "*" or (first and first in _ALPHA):
            return self.parse_token()
        raise self.fail("expected an item")

    def parse_number(self) -> int | Decimal:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        if self.peek() not in _DIGIT:
            raise self.fail("expected a digit")
        digits_start = self.pos
        is_decimal = False
        while not self.at_end():
            character = self.text[self.pos]
            if character in _DIGIT:
                self.pos += 1
            elif character == "." and not is_decimal:
                if self.pos - digits_start > 12:
                    raise self.fail("decimal with more than 12 integer digits")
                is_decimal = True
                self.pos += 1
            else:
                break
            if not is_decimal and self.pos - digits_start > 15:
                raise self.fail("integer with more than 15 digits")
            if is_decimal and self.pos - digits_start > 16:
                raise self.fail("decimal with more than 16 characters")
        number = self.text[start : self.pos]
        if not is_decimal:
            return int(number)
        if number.endswith("."):
            raise self.fail("decimal without fractional digits")
        if len(number.rsplit(".", 1)[1]) > 3:
            raise self.fail("decimal with more than 3 fractional digits")
        return Decimal(number)

    def parse_string(self) -> str:
        self.expect('"')
        characters: list[str] = []
        while not self.at_end():
            character = self.text[self.pos]
            self.pos += 1
            if character == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise self.fail("invalid escape in string")
                characters.append(escaped)
                self.pos += 1
            elif character == '"':
                return "".join(characters)
            elif not " " <= character <= "~":
                raise self.fail("string contains a character outside printable ASCII")
            else:
                characters.append(character)
        raise self.fail("unterminated string")

    def parse_token(self) -> Token:
        start = self.pos
        self.pos += 1
        while not self.at_end() and self.text[self.pos] in _TOKEN_REST:
            self.pos += 1
        return Token(self.text[start : self.pos])

    def parse_byte_sequence(self) -> bytes:
        self.expect(":")
        end = self.text.find(":", self.pos)
        if end == -1:
            raise self.fail("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        if not set(encoded) <= _BASE64:
            raise self.fail("byte sequence contains a character outside base64")
        self.pos = end + 1
        # RFC 8941 asks parsers to accept missing padding; padding inside the data is refused.
        unpadded = encoded.rstrip("=")
        if "=" in unpadded:
            raise self.fail("byte sequence has padding before its end")
        padded = unpadded + "=" * (-len(unpadded) % 4)
        try:
            return base64.b64decode(padded, validate=True)
        except binascii.Error:
            raise self.fail("byte sequence is not valid base64") from None

    def parse_boolean(self) -> bool:
        self.expect("?")
        value = self.peek()
        if value not in ("0", "1"):
            raise self.fail("boolean must be ?0 or ?1")
        self.pos += 1
        return value == "1"


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """Parse a structured-field dictionary; raise ``StructuredFieldError`` if ``text`` is not one.

    Leading and trailing spaces and tabs are ignored (HTTP strips them from field values); an
    empty value is an empty dictionary, as RFC 8941 says.
    """
    if not text.isascii():
        raise StructuredFieldError("field value contains a character outside ASCII")
    parser = _Parser(text.strip(" \t"))
    return parser.parse_dictionary()


def serialize_item(item: Item) -> str:
    """Serialise an item with its parameters (RFC 8941 section 4.1.3)."""
    return _serialize_bare_item(item.value) + _serialize_parameters(item.params)


def serialize_inner_list(inner_list: InnerList) -> str:
    """Serialise an inner list with its parameters (RFC 8941 section 4.1.1.1)."""
    members = " ".join(serialize_item(item) for item in inner_list.items)
    return f"({members}){_serialize_parameters(inner_list.params)}"


def _serialize_parameters(params: Parameters) -> str:
    parts: list[str] = []
    for key, value in params.items():
        _check_key(key)
        parts.append(f";{key}" if value is True else f";{key}={_serialize_bare_item(value)}")
    return "".join(parts)


def _check_key(key: str) -> None:
    if not key or key[0] not in _KEY_FIRST or not set(key[1:]) <= _KEY_REST:
        raise StructuredFieldError(f"{key!r} is not a valid key")


def _serialize_bare_item(value: BareItem) -> str:
    # bool before int: True is an int to Python but a boolean to RFC 8941.
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > _MAX_INTEGER:
            raise StructuredFieldError(f"integer {value} is out of range")
        return str(value)
    if isinstance(value, Decimal):
        return _serialize_decimal(value)
    if isinstance(value, str):
        return _serialize_string(value)
    if isinstance(value, Token):
        return _serialize_token(value)
    return ":" + base64.b64encode(value).decode("ascii") + ":"


def _serialize_decimal(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.001"), rounding=ROUND_HALF_EVEN)
    if abs(rounded) >= Decimal("1000000000000"):
        raise StructuredFieldError(f"decimal {value} is out of range")
    text = format(rounded, "f").rstrip("0")
    return text + "0" if text.endswith(".") else text


def _serialize_string(value: str) -> str:
    if not all(" " <= character <= "~" for character in value):
        raise StructuredFieldError("string contains a character outside printable ASCII")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _serialize_token(token: Token) -> str:
    text = token.value
    if not text or not (text[0] in _ALPHA or text[0] == "*") or not set(text[1:]) <= _TOKEN_REST:
        raise StructuredFieldError(f"{text!r} is not a valid token")
    return text
