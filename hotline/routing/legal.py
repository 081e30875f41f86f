"""Legal facts per country, as routing and the travel-and-tourism referrals read them.

Stored in ``JurisdictionProfile.legal_facts`` as ``{key: {"value": ..., "source": ...,
"checked_on": "YYYY-MM-DD"}}``. The legal-matrix work (monitoring) edits them with
history and import/export; everyone reads them through ``legal_fact``. A value with
no source is shown as unknown: nothing is presented as current law without one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

from hotline.routing.models import JurisdictionProfile

# The facts routing and tourism referrals need (ICMEC criteria live beside them).
EXTRATERRITORIAL = "extraterritorial_jurisdiction"
DUAL_CRIMINALITY = "dual_criminality_required"
EXTRADITION = "extradition_possible"
BLOCKING = "isp_blocking_allowed"

LABELS = {
    EXTRATERRITORIAL: _("Extraterritorial jurisdiction over child sexual offences"),
    DUAL_CRIMINALITY: _("Dual criminality required"),
    EXTRADITION: _("Extradition of nationals possible"),
    BLOCKING: _("ISP blocking allowed"),
}


@dataclass(frozen=True)
class LegalFact:
    key: str
    value: bool | str | None  # None: unknown
    source: str
    checked_on: date | None

    @property
    def known(self) -> bool:
        return self.value is not None and bool(self.source)


def legal_fact(country: str, key: str) -> LegalFact:
    """One fact for one country; unknown (value None) where nothing sourced is recorded."""
    profile = JurisdictionProfile.objects.filter(country=country.upper()).first()
    raw = (profile.legal_facts if profile else {}).get(key) or {}
    if not isinstance(raw, dict) or not raw.get("source"):
        return LegalFact(key, None, "", None)
    checked = raw.get("checked_on")
    try:
        checked_on = date.fromisoformat(checked) if checked else None
    except (TypeError, ValueError):
        checked_on = None
    return LegalFact(key, raw.get("value"), str(raw["source"]), checked_on)


def facts_for(
    country: str, keys: tuple[str, ...] = (EXTRATERRITORIAL, DUAL_CRIMINALITY, EXTRADITION)
) -> list[LegalFact]:
    return [legal_fact(country, key) for key in keys]
