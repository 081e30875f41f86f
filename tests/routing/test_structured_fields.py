"""The RFC 8941 subset: dictionaries parsed and items serialised as the RFC's algorithms say.

Examples marked "RFC 8941" are the RFC's own examples.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.routing.federation.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)


def test_parse_dictionary_rfc8941_strings_and_bytes() -> None:
    parsed = parse_dictionary('en="Applepie", da=:w4ZibGV0w6ZydGU=:')

    assert parsed == {
        "en": Item("Applepie"),
        "da": Item("Æbletærte".encode()),
    }


def test_parse_dictionary_rfc8941_booleans_and_parameters() -> None:
    parsed = parse_dictionary("a=?0, b, c; foo=bar")

    assert parsed == {
        "a": Item(False),
        "b": Item(True),
        "c": Item(True, {"foo": Token("bar")}),
    }


def test_parse_dictionary_rfc8941_decimal_and_inner_list() -> None:
    parsed = parse_dictionary("rating=1.5, feelings=(joy sadness)")

    assert parsed == {
        "rating": Item(Decimal("1.5")),
        "feelings": InnerList([Item(Token("joy")), Item(Token("sadness"))]),
    }


def test_parse_dictionary_inner_list_parameters() -> None:
    parsed = parse_dictionary('sig=("@method" "content-type";sf);created=-1;keyid="k\\"1"')

    assert parsed == {
        "sig": InnerList(
            [Item("@method"), Item("content-type", {"sf": True})],
            {"created": -1, "keyid": 'k"1'},
        )
    }


def test_parse_dictionary_empty() -> None:
    assert parse_dictionary("  ") == {}


def test_parse_dictionary_duplicate_key_last_wins() -> None:
    assert parse_dictionary("a=1, a=2") == {"a": Item(2)}


def test_parse_dictionary_unpadded_byte_sequence() -> None:
    assert parse_dictionary("a=:AQI:") == {"a": Item(b"\x01\x02")}


def test_parse_dictionary_integer_limits() -> None:
    assert parse_dictionary("a=-999999999999999") == {"a": Item(-999_999_999_999_999)}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a=1,", "trailing comma at character 4"),
        ("A=1", "expected a key (lower-case letter or '*') at character 0"),
        ("a=1 b=2", "expected ',' at character 4"),
        ("a=1234567890123456", "integer with more than 15 digits at character 18"),
        ("a=1.2345", "decimal with more than 3 fractional digits at character 8"),
        ("a=1234567890123.1", "decimal with more than 12 integer digits at character 15"),
        ("a=1.", "decimal without fractional digits at character 4"),
        ("a=-", "expected a digit at character 3"),
        ('a="x', "unterminated string at character 4"),
        ('a="\\x"', "invalid escape in string at character 4"),
        ('a="\t"', "string contains a character outside printable ASCII at character 4"),
        ("a=:AQI", "unterminated byte sequence at character 3"),
        ("a=:A=QI:", "byte sequence has padding before its end at character 8"),
        ("a=:A:", "byte sequence is not valid base64 at character 5"),
        ("a=:A-:", "byte sequence contains a character outside base64 at character 3"),
        ("a=?2", "boolean must be ?0 or ?1 at character 3"),
        ("a=(1 2", "unterminated inner list at character 6"),
        ("a=(1,2)", "expected a space or ')' after an inner-list item at character 4"),
        ("a=@", "expected an item at character 2"),
        ("a=é", "field value contains a character outside ASCII"),
    ],
)
def test_parse_dictionary_invalid(text: str, message: str) -> None:
    with pytest.raises(StructuredFieldError) as caught:
        parse_dictionary(text)

    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("item", "text"),
    [
        (Item(True), "?1"),
        (Item(False), "?0"),
        (Item(-42), "-42"),
        (Item(Decimal("2")), "2.0"),
        (Item(Decimal("1.5")), "1.5"),
        (Item(Decimal("0.0005")), "0.0"),
        (Item(Decimal("0.0015")), "0.002"),
        (Item('say "hi" \\'), '"say \\"hi\\" \\\\"'),
        (Item(Token("application/json")), "application/json"),
        (Item(b"\x01\x02"), ":AQI=:"),
        (Item("x", {"a": True, "b": False, "c": 1}), '"x";a;b=?0;c=1'),
    ],
)
def test_serialize_item_each_type(item: Item, text: str) -> None:
    assert serialize_item(item) == text


def test_serialize_inner_list_with_parameters() -> None:
    inner_list = InnerList([Item("@method"), Item("content-type")], {"created": 1})

    assert serialize_inner_list(inner_list) == '("@method" "content-type");created=1'


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (Item("é"), "string contains a character outside printable ASCII"),
        (Item(Token("1a")), "'1a' is not a valid token"),
        (Item(10**15), "integer 1000000000000000 is out of range"),
        (Item("x", {"Bad": 1}), "'Bad' is not a valid key"),
    ],
)
def test_serialize_item_invalid(item: Item, message: str) -> None:
    with pytest.raises(StructuredFieldError) as caught:
        serialize_item(item)

    assert str(caught.value) == message


SF_TEXT = st.text(alphabet=' \t();=:,"\\?*-.0123456789abcxyzAB+/@é', max_size=60)


@settings(max_examples=500, deadline=None)
@given(text=st.one_of(st.text(max_size=60), SF_TEXT))
def test_parse_dictionary_arbitrary_text_only_structured_field_error(text: str) -> None:
    try:
        parsed = parse_dictionary(text)
    except StructuredFieldError:
        return

    # What parses serialises back to something that parses to the same value.
    for key, member in parsed.items():
        if isinstance(member, InnerList):
            serialized = f"{key}={serialize_inner_list(member)}"
        else:
            serialized = f"{key}={serialize_item(member)}"
        assert parse_dictionary(serialized) == {key: member}
