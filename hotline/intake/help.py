"""Help for reporters, by concern: where a person can get images removed or talk to someone.

The defaults below are services open to anyone, each named with its own site as the source
(see docs/public-pages.md for why each is here). An instance replaces or extends them with
``HOTLINE_HELP_RESOURCES_FILE``: a JSON list of resources in the shape of ``HelpResource``,
texts given per language (``{"en": "...", "fr": "..."}``), read once and checked at start
(a bad file raises ``ImproperlyConfigured`` naming the entry and the field).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error
from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hotline.cases.models import Concern

ALL_CONCERNS = frozenset(c.value for c in Concern)


@dataclass(frozen=True)
class HelpResource:
    key: str
    name: str
    url: str
    description: str | Promise | dict[str, str]
    concerns: frozenset[str]
    countries: frozenset[str] = frozenset()  # empty: everywhere
    phone: str = ""
    source: str = ""  # where the description was taken from, for the documentation

    @property
    def text(self) -> str:
        """The description in the active language (English, then any, when missing)."""
        if isinstance(self.description, dict):
            language = (get_language() or "en").split("-")[0]
            return (
                self.description.get(language)
                or self.description.get("en")
                or next(iter(self.description.values()), "")
            )
        return str(self.description)


DEFAULT_RESOURCES: tuple[HelpResource, ...] = (
    HelpResource(
        key="take_it_down",
        name="Take It Down (NCMEC)",
        url="https://takeitdown.ncmec.org/",
        description=_(
            "If nude or sexual images or videos of you were taken before you were 18, this free "
            "service helps stop them being shared. The images stay on your device: only a "
            "digital fingerprint (a hash) goes to the platforms that take part."
        ),
        concerns=frozenset({Concern.SEXTORTION, Concern.GROOMING, Concern.CSAM}),
        source="https://takeitdown.ncmec.org/",
    ),
    HelpResource(
        key="stopncii",
        name="StopNCII.org",
        url="https://stopncii.org/",
        description=_(
            "For adults (18 and over) whose intimate images are shared or threatened to be "
            "shared: the images stay on your device and only their hashes go to the platforms "
            "that take part."
        ),
        concerns=frozenset({Concern.SEXTORTION}),
        source="https://stopncii.org/",
    ),
    HelpResource(
        key="report_remove",
        name="Report Remove (Childline and IWF)",
        url="https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/",
        description=_(
            "For young people under 18 in the United Kingdom: report a nude image or video of "
            "yourself to have it removed, with support from Childline."
        ),
        concerns=frozenset({Concern.SEXTORTION, Concern.GROOMING, Concern.CSAM}),
        countries=frozenset({"GB"}),
        source="https://www.childline.org.uk/",
    ),
    HelpResource(
        key="child_helplines",
        name="Child Helpline International",
        url="https://childhelplineinternational.org/helplines/",
        description=_(
            "Find the free child helpline of your country, for children and young people and "
            "for adults worried about a child."
        ),
        concerns=ALL_CONCERNS,
        source="https://childhelplineinternational.org/",
    ),
    HelpResource(
        key="fr_3018",
        name="3018 (e-Enfance)",
        url="https://e-enfance.org/",
        phone="3018",
        description=_(
            "In France: free and confidential help for young people facing online harassment, "
            "sextortion or images shared without consent; the service can ask platforms to "
            "remove content quickly."
        ),
        concerns=frozenset({Concern.SEXTORTION, Concern.GROOMING, Concern.CSAM}),
        countries=frozenset({"FR"}),
        source="https://e-enfance.org/",
    ),
    HelpResource(
        key="fr_119",
        name="119 Allô Enfance en Danger",
        url="https://www.allo119.gouv.fr/",
        phone="119",
        description=_(
            "In France: the national number for children in danger and for anyone worried "
            "about a child, free, day and night."
        ),
        concerns=ALL_CONCERNS,
        countries=frozenset({"FR"}),
        source="https://www.allo119.gouv.fr/",
    ),
)

# What a reporter of sextortion should do at once (NCMEC's and the FBI's advice to victims).
SEXTORTION_ADVICE: tuple[Promise, ...] = (
    _("Do not pay and do not send anything more: paying rarely stops the threats."),
    _("Stop replying, but first keep the messages, the account names and the links."),
    _("Then block the account and report it on the platform where it contacted you."),
    _("Tell an adult you trust. It is not your fault, and you are not in trouble."),
)


def _resource_from(entry: Any, position: int) -> HelpResource:
    where = f"HOTLINE_HELP_RESOURCES_FILE entry {position}"
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f"{where}: expected an object")
    for field in ("key", "name", "url", "description", "concerns"):
        if field not in entry:
            raise ImproperlyConfigured(f"{where}: '{field}' is missing")
    url = str(entry["url"])
    if not url.startswith("https://"):
        raise ImproperlyConfigured(f"{where}: 'url' must start with https://, got {url!r}")
    description = entry["description"]
    if not (
        isinstance(description, dict)
        and description
        and all(isinstance(v, str) and v for v in description.values())
    ):
        raise ImproperlyConfigured(
            f'{where}: \'description\' must be texts by language, such as {{"en": "..."}}'
        )
    concerns = entry["concerns"]
    if concerns == "all":
        concerns = sorted(ALL_CONCERNS)
    if not isinstance(concerns, list) or not set(concerns) <= ALL_CONCERNS or not concerns:
        raise ImproperlyConfigured(
            f"{where}: 'concerns' must be \"all\" or a list of {', '.join(sorted(ALL_CONCERNS))}"
        )
    countries = entry.get("countries", [])
    if not isinstance(countries, list) or not all(
        isinstance(c, str) and len(c) == 2 for c in countries
    ):
        raise ImproperlyConfigured(f"{where}: 'countries' must be a list of two-letter codes")
    return HelpResource(
        key=str(entry["key"]),
        name=str(entry["name"]),
        url=url,
        description={str(k): str(v) for k, v in description.items()},
        concerns=frozenset(concerns),
        countries=frozenset(c.upper() for c in countries),
        phone=str(entry.get("phone", "")),
        source=str(entry.get("source", "")),
    )


def load_resources(path: str) -> tuple[HelpResource, ...]:
    """The resources of a ``HOTLINE_HELP_RESOURCES_FILE``: ``{"replace_defaults": bool,
    "resources": [...]}``. Without ``replace_defaults`` they come after the defaults."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ImproperlyConfigured(
            f"HOTLINE_HELP_RESOURCES_FILE: cannot read {path} ({exc.strerror})"
        ) from None
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"HOTLINE_HELP_RESOURCES_FILE: {path} is not JSON ({exc})"
        ) from None
    if not isinstance(document, dict) or not isinstance(document.get("resources"), list):
        raise ImproperlyConfigured(
            'HOTLINE_HELP_RESOURCES_FILE: expected {"resources": [...]} at the top'
        )
    own = tuple(_resource_from(e, i) for i, e in enumerate(document["resources"], start=1))
    return own if document.get("replace_defaults") else DEFAULT_RESOURCES + own


@lru_cache(maxsize=4)
def _configured(path: str) -> tuple[HelpResource, ...]:
    return load_resources(path) if path else DEFAULT_RESOURCES


def resources() -> tuple[HelpResource, ...]:
    """Every resource this instance offers (defaults, or its own file)."""
    return _configured(settings.HELP_RESOURCES_FILE)


def resources_for(concern: str, country: str | None = None) -> list[HelpResource]:
    """The resources for a reporter of ``concern``: those for everywhere and those for
    ``country`` (default: the instance's), local ones first."""
    country = (country or settings.INSTANCE_COUNTRY).upper()
    chosen = [
        r
        for r in resources()
        if concern in r.concerns and (not r.countries or country in r.countries)
    ]
    return sorted(chosen, key=lambda r: not r.countries)


def check_help_resources(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A system check: a bad ``HOTLINE_HELP_RESOURCES_FILE`` stops the start, naming the field."""
    try:
        resources()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="hotline.intake.E001")]
    return []
