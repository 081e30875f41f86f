"""Every user-facing string is translated, and the compiled catalogues match the sources."""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parents[2] / "hotline" / "locale"


@pytest.mark.parametrize("language", ["fr", "ru"])
def test_catalogue_is_complete_and_compiled(language: str) -> None:
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as f:
        mo = gettext.GNUTranslations(f)

    untranslated = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    stale = [
        e.msgid
        for e in po
        if not e.obsolete
        and not e.msgid_plural
        and e.msgstr
        and (mo.pgettext(e.msgctxt, e.msgid) if e.msgctxt else mo.gettext(e.msgid)) != e.msgstr
    ]

    assert untranslated == []
    assert stale == []  # run `hotline compilemessages` in hotline/ after editing a .po file
