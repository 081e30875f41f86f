"""The translation workflow: which strings are public, and how complete each catalogue is.

``hotline/locale/public.pot`` holds every string a member of the public can see: the strings
of every template a public page renders (extracted with Django's own ``templatize`` and GNU
``xgettext``, so untaken branches count too) and every string the public pages looked up while
rendering, error messages included (recorded by ``tests/site/test_public_strings.py``, which
also fails when the file is stale; ``make public-strings`` rewrites it).

Every language of ``HOTLINE_LANGUAGES`` must translate all of them: in its own catalogue, or,
for Django's own messages ("This field is required."), in Django's catalogue for that language.
The staff languages' catalogues cover the staff pages as well.
"""

from __future__ import annotations

import gettext as gettext_module
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
import polib
from django.utils.translation import to_locale
from django.utils.translation.template import templatize

from hotline import languages

LOCALE = Path(__file__).resolve().parents[1] / "locale"
PUBLIC_POT = LOCALE / "public.pot"
DJANGO_LOCALE = Path(django.__file__).resolve().parent / "conf" / "locale"
# Header fields every catalogue carries, so a reader knows how it was made.
PRODUCED_BY = "X-Hotline-Produced-By"
REVIEWED = "X-Hotline-Reviewed"

Key = tuple[str, str]  # (msgctxt or "", msgid)

_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def placeholders(text: str) -> list[str]:
    """The placeholders of a message, sorted: ``%(name)s``, ``%s``, ``{name}``."""
    return sorted(_PLACEHOLDER.findall(text))


def catalogue_path(code: str) -> Path:
    return LOCALE / to_locale(code) / "LC_MESSAGES" / "django.po"


def template_messages(paths: list[Path]) -> list[polib.POEntry]:
    """Every translatable string of these templates, as ``makemessages`` would find them."""
    xgettext = shutil.which("xgettext")
    if xgettext is None:
        raise RuntimeError("xgettext is not installed (Debian: apt-get install gettext)")
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for index, path in enumerate(sorted(paths)):
            source = Path(tmp) / f"{index:03d}.py"
            source.write_text(templatize(path.read_text("utf-8"), origin=str(path)), "utf-8")
            sources.append(str(source))
        output = Path(tmp) / "out.pot"
        subprocess.run(  # noqa: S603 - a fixed program on our own files
            [
                xgettext, "--language=Python", "--from-code=UTF-8", "--no-location",
                "--keyword=gettext_noop", "--keyword=gettext_lazy", "--keyword=ngettext_lazy:1,2",
                "--keyword=pgettext:1c,2", "--keyword=npgettext:1c,2,3",
                "--keyword=pgettext_lazy:1c,2", "--keyword=npgettext_lazy:1c,2,3",
                "--output", str(output), *sources,
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        if not output.exists():  # xgettext writes nothing when there is nothing
            return []
        return [entry for entry in polib.pofile(str(output)) if entry.msgid]


def write_public_pot(entries: dict[Key, polib.POEntry]) -> None:
    pot = polib.POFile(wrapwidth=0)
    pot.metadata = {
        "Project-Id-Version": "Hotline public pages",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for key in sorted(entries):
        entry = entries[key]
        pot.append(
            polib.POEntry(
                msgctxt=entry.msgctxt or None,
                msgid=entry.msgid,
                msgid_plural=entry.msgid_plural or "",
                msgstr="",
                msgstr_plural={0: "", 1: ""} if entry.msgid_plural else {},
            )
        )
    pot.save(str(PUBLIC_POT))


def public_messages() -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(PUBLIC_POT)) if entry.msgid]


@dataclass
class Status:
    code: str
    english: str
    public_total: int
    public_missing: list[str]
    placeholder_errors: list[str]
    produced_by: str
    reviewed: str
    staff: bool

    @property
    def complete(self) -> bool:
        return not self.public_missing and not self.placeholder_errors


def _django_catalogue(code: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(
        "django", str(DJANGO_LOCALE), languages=[to_locale(code)], fallback=True
    )


def _translated(entry: polib.POEntry | None) -> bool:
    if entry is None or entry.obsolete or "fuzzy" in entry.flags:
        return False
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def placeholder_errors(po: polib.POFile) -> list[str]:
    """Messages whose translation names other placeholders than the source."""
    errors = []
    for entry in po:
        if entry.obsolete or not entry.msgid:
            continue
        if entry.msgid_plural:
            # A plural form may drop the count (Russian "one" forms often do), never add one.
            allowed = set(placeholders(entry.msgid) + placeholders(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                if form and not set(placeholders(form)) <= allowed:
                    errors.append(entry.msgid)
        elif entry.msgstr and placeholders(entry.msgstr) != placeholders(entry.msgid):
            errors.append(entry.msgid)
    return errors


def status(code: str, staff_languages: list[str]) -> Status:
    """How complete ``code``'s catalogue is for the public pages."""
    language = languages.BY_CODE[code]
    public = public_messages()
    path = catalogue_path(code)
    po = polib.pofile(str(path)) if path.exists() else polib.POFile()
    ours = {(entry.msgctxt or "", entry.msgid): entry for entry in po}
    django_catalogue = _django_catalogue(code)
    missing = []
    for entry in public:
        if code == "en":
            break
        if _translated(ours.get((entry.msgctxt or "", entry.msgid))):
            continue
        if not entry.msgctxt and django_catalogue.gettext(entry.msgid) != entry.msgid:
            continue
        missing.append(entry.msgid)
    return Status(
        code=code,
        english=language.english,
        public_total=len(public),
        public_missing=missing,
        placeholder_errors=placeholder_errors(po),
        produced_by=po.metadata.get(PRODUCED_BY, "" if code != "en" else "source language"),
        reviewed=po.metadata.get(REVIEWED, "" if code != "en" else "yes"),
        staff=code in staff_languages,
    )


def _plural_count(plural_forms: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    return int(match.group(1)) if match else 2


def sync_catalogue(code: str) -> tuple[Path, int]:
    """Create or update ``code``'s catalogue so it lists every public string.

    Existing translations are kept; a new catalogue gets the language's plural rule from CLDR
    and says in its header that it has not been reviewed. Returns the path and the number of
    strings added.
    """
    from babel.messages.plurals import get_plural

    language = languages.BY_CODE[code]
    path = catalogue_path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    po = polib.pofile(str(path), wrapwidth=0) if path.exists() else polib.POFile(wrapwidth=0)
    if not path.exists():
        plural = get_plural(language.cldr)
        po.metadata = {
            "Project-Id-Version": "Hotline",
            "Language": to_locale(code),
            "Language-Team": language.english,
            "MIME-Version": "1.0",
            "Content-Type": "text/plain; charset=UTF-8",
            "Content-Transfer-Encoding": "8bit",
            "Plural-Forms": f"nplurals={plural.num_plurals}; plural={plural.plural_expr};",
            PRODUCED_BY: "",
            REVIEWED: "no",
        }
    have = {(entry.msgctxt or "", entry.msgid) for entry in po}
    forms = _plural_count(po.metadata.get("Plural-Forms", ""))
    new_entries = [
        polib.POEntry(
            msgctxt=entry.msgctxt or None,
            msgid=entry.msgid,
            msgid_plural=entry.msgid_plural or "",
            msgstr="",
            msgstr_plural=dict.fromkeys(range(forms), "") if entry.msgid_plural else {},
            flags=["python-format"] if placeholders(entry.msgid) else [],
        )
        for entry in public_messages()
        if (entry.msgctxt or "", entry.msgid) not in have
    ]
    if not path.exists():
        po.extend(new_entries)
        po.save(str(path))
    elif new_entries:
        # Appended as text: the existing entries keep their wrapping, so a diff shows only
        # what was added (staff catalogues are maintained with makemessages).
        text = path.read_text("utf-8").rstrip("\n") + "\n"
        text += "".join("\n" + entry.__unicode__(wrapwidth=0) for entry in new_entries)
        path.write_text(text, "utf-8")
    added = len(new_entries)
    return path, added
