"""Every user-facing string is translated, and the compiled catalogues match the sources.

The staff languages (French, Russian) translate every string; every public language translates
every string of hotline/locale/public.pot (which tests/site/test_public_strings.py keeps true).
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

from hotline import languages
from hotline.site import translations

LOCALE = Path(__file__).resolve().parents[2] / "hotline" / "locale"
README = Path(__file__).resolve().parents[2] / "README.md"
SHIPPED = [code for code in languages.BY_CODE if code != "en"]


@pytest.mark.parametrize("language", ["fr", "ru"])
def test_staff_catalogue_is_complete(language: str) -> None:
    po = polib.pofile(str(translations.catalogue_path(language)))

    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]

    assert untranslated == []


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogue_is_compiled(language: str) -> None:
    po = polib.pofile(str(translations.catalogue_path(language)))
    with translations.catalogue_path(language).with_suffix(".mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)

    stale = [
        e.msgid
        for e in po
        if not e.obsolete
        and not e.msgid_plural
        and e.msgstr
        and (mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt else mo.gettext(e.msgid)) != e.msgstr
    ]

    assert stale == []  # run `hotline compilemessages` in hotline/ after editing a .po file


@pytest.mark.parametrize("language", settings.PUBLIC_LANGUAGES)
def test_every_public_string_is_translated(language: str) -> None:
    row = translations.status(language, settings.STAFF_LANGUAGES)

    assert row.public_missing == []  # `hotline translations missing <language>` lists them


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_the_placeholders_of_the_source(language: str) -> None:
    po = polib.pofile(str(translations.catalogue_path(language)))

    assert translations.placeholder_errors(po) == []


def test_placeholder_check_catches_a_renamed_or_dropped_placeholder() -> None:
    po = polib.POFile()
    po.append(polib.POEntry(msgid="Call %(number)s now", msgstr="Appelez %(numero)s"))
    po.append(polib.POEntry(msgid="Report %(year)s", msgstr="Rapport"))
    po.append(polib.POEntry(msgid="Fine %(a)s {b}", msgstr="{b} %(a)s"))

    assert translations.placeholder_errors(po) == ["Call %(number)s now", "Report %(year)s"]


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogue_says_how_it_was_produced_and_whether_it_was_reviewed(language: str) -> None:
    po = polib.pofile(str(translations.catalogue_path(language)))

    assert po.metadata.get(translations.PRODUCED_BY, "").strip() != ""
    assert po.metadata.get(translations.REVIEWED) in {"no", "yes"}
    assert po.metadata["Language"] == translations.catalogue_path(language).parts[-3]


def test_readme_names_every_catalogue_awaiting_review() -> None:
    awaiting = sorted(
        code
        for code in SHIPPED
        if polib.pofile(str(translations.catalogue_path(code))).metadata[translations.REVIEWED]
        != "yes"
    )
    section = (
        README.read_text("utf-8").split("### Languages awaiting review", 1)[1].split("\n#", 1)[0]
    )

    assert sorted(re.findall(r"`([a-z]{2,3}(?:-latn)?)`", section)) == awaiting


def test_glossary_gives_every_term_in_every_public_language_with_a_source() -> None:
    import csv

    def read(code: str) -> list[dict[str, str]]:
        path = LOCALE / "glossary" / f"{code}.csv"
        if not path.exists():
            return []
        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))

    terms = [row["term"] for row in read("en")]
    missing = {}
    for code in settings.PUBLIC_LANGUAGES:
        given = {
            row["term"]
            for row in read(code)
            if row["translation"].strip() and row["source"].strip()
        }
        if set(terms) - given:
            missing[code] = sorted(set(terms) - given)

    assert len(terms) >= 9
    assert missing == {}
