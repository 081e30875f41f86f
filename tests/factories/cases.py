"""Reports, items and assessments, made the way the product makes them.

A report is filed through ``file_report`` (as the public form and the intake API do), a
hosting trace is stored through the hosting app's ``store_trace`` (what enrichment stores
after its DNS, IP-data and RDAP lookups, here with fixed synthetic findings instead of
network lookups), and a verdict goes through ``assess_item`` -- so routing, blocklists, hash
lists and timelines follow exactly as they do in production.
"""

from __future__ import annotations

import hashlib
from typing import Any

import factory
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.cases.actions import (
    FiledReport,
    FileInput,
    ReportInput,
    Verdict,
    assess_item,
    file_report,
)
from hotline.cases.models import Assessment, Channel, Concern, Item, Legality
from hotline.hosting.actions import store_trace
from hotline.hosting.ipinfo import IpInfo
from hotline.hosting.models import HostingTrace
from hotline.hosting.rdap import AbuseLookup
from hotline.hosting.resolvers import Resolution
from hotline.hosting.trace import IpFinding, TraceFindings
from tests.factories.accounts import UserFactory

HOSTING_IP = "192.0.2.10"
HOSTING_ASN = 64500
DEFAULT_ABUSE = "abuse@host.example.test"


class ReportFactory(factory.Factory[ReportInput]):
    """A report filed through ``file_report``; returns the ``FiledReport`` (report, receipt
    secret, new and known items). One synthetic URL unless ``urls`` or ``files`` say otherwise."""

    class Meta:
        model = ReportInput

    channel = Channel.PUBLIC_WEB
    concern = Concern.CSAM
    urls: Any = factory.Sequence(lambda n: [f"http://site{n}.example.test/page"])
    files: Any = ()
    child_in_danger = False

    @classmethod
    def _create(cls, model_class: type[ReportInput], *args: Any, **kwargs: Any) -> FiledReport:
        actor = kwargs.pop("actor", None)
        return file_report(model_class(*args, **kwargs), actor=actor)


def file_hashes(n: int) -> FileInput:
    """Distinct, obviously synthetic hashes of file number ``n`` (hashes of a label, no file)."""
    label = f"synthetic file {n}".encode()
    return FileInput(
        md5=hashlib.md5(label).hexdigest(),  # noqa: S324  (an identifier, not security)
        sha1=hashlib.sha1(label).hexdigest(),  # noqa: S324
        sha256=hashlib.sha256(label).hexdigest(),
    )


def trace_hosting(
    item: Item, *, country: str, abuse_email: str = DEFAULT_ABUSE, ip: str = HOSTING_IP
) -> Item:
    """Give a URL item the hosting trace enrichment would find: one address in ``country``
    whose RDAP abuse contact is ``abuse_email``. Stored by ``store_trace`` and linked to the
    item as the hosting enricher links it."""
    now = timezone.now()
    abuse = AbuseLookup(
        kind="ip",
        query=ip,
        email=abuse_email,
        name=f"Hosting {country}",
        source="test RDAP",
        fetched_at=now,
    )
    info = IpInfo(
        ip=ip,
        country=country,
        country_source="test IP data",
        country_data_date=timezone.now().date(),
        asn=HOSTING_ASN,
        as_org=f"Hosting {country}",
        asn_source="test IP data",
        asn_data_date=timezone.now().date(),
    )
    trace: HostingTrace = store_trace(
        TraceFindings(
            host=item.host,
            registrable_domain=item.registrable_domain or None,
            looked_up_at=now,
            resolver="static",
            resolution=Resolution((ip,)),
            addresses=(IpFinding(info=info, cdn=None, abuse=abuse),),
            registrar_abuse=None,
        ),
        acting_user=None,
    )
    with transaction.atomic():
        # What hotline.cases' hosting enricher does with the trace it stored.
        Item.objects.filter(pk=item.pk).update(hosting_trace=trace, hosting_country=country)
    item.refresh_from_db()
    return item


class ItemFactory(factory.Factory[Item]):
    """A reported web address: a report filed for ``url``, its item returned.

    ``hosted_in`` (a country code) adds the hosting trace with ``abuse_email`` as the hosting
    provider's abuse contact; without it the item is not traced yet, as right after intake.
    """

    class Meta:
        model = Item

    url = factory.Sequence(lambda n: f"http://item{n}.example.test/page")
    channel = Channel.PUBLIC_WEB
    concern = Concern.CSAM
    child_in_danger = False
    hosted_in = ""
    abuse_email = DEFAULT_ABUSE

    @classmethod
    def _create(cls, model_class: type[Item], *args: Any, **kwargs: Any) -> Item:
        filed = file_report(
            ReportInput(
                channel=kwargs["channel"],
                concern=kwargs["concern"],
                urls=[kwargs["url"]],
                child_in_danger=kwargs["child_in_danger"],
            ),
            actor=None,
        )
        item = (filed.new_items or filed.known_items)[0]
        if kwargs["hosted_in"]:
            trace_hosting(item, country=kwargs["hosted_in"], abuse_email=kwargs["abuse_email"])
        return item


def reported_item(url: str, **options: Any) -> Item:
    """Shorthand for ``ItemFactory(url=url, ...)``."""
    item: Item = ItemFactory.create(url=url, **options)
    return item


class FileItemFactory(factory.Factory[Item]):
    """A file known by its hashes, reported through the company API (``file_report``)."""

    class Meta:
        model = Item

    hashes = factory.Sequence(file_hashes)
    channel = Channel.COMPANY_API
    concern = Concern.CSAM

    @classmethod
    def _create(cls, model_class: type[Item], *args: Any, **kwargs: Any) -> Item:
        filed = file_report(
            ReportInput(
                channel=kwargs["channel"], concern=kwargs["concern"], files=[kwargs["hashes"]]
            ),
            actor=None,
        )
        return (filed.new_items or filed.known_items)[0]


ILLEGAL_SEVERITY: dict[str, str] = {Legality.BASELINE: "baseline", Legality.NATIONAL: "national"}


def verdict(
    legality: str = Legality.BASELINE,
    *,
    scheme: str | None = None,
    severity: str | None = None,
    age_group: str | None = None,
    **fields: Any,
) -> Verdict:
    """A verdict as an analyst fills the form: illegal ones carry the INHOPE severity and an
    age group unless told otherwise; doubtful and not illegal carry neither."""
    illegal = legality in ILLEGAL_SEVERITY
    return Verdict(
        legality=legality,
        scheme=scheme if scheme is not None else ("inhope" if illegal else ""),
        severity=severity if severity is not None else ILLEGAL_SEVERITY.get(legality, ""),
        age_group=age_group if age_group is not None else ("prepubescent" if illegal else ""),
        **fields,
    )


def _analyst() -> User:
    return (
        User.objects.filter(roles__role=Role.ANALYST).order_by("pk").first() or UserFactory.create()
    )


def _assess(item: Item, kwargs: dict[str, Any]) -> Item:
    analyst = kwargs.pop("analyst", None) or _analyst()
    chosen = kwargs.pop("verdict", None) or verdict(
        kwargs.pop("legality"),
        scheme=kwargs.pop("scheme"),
        severity=kwargs.pop("severity"),
        age_group=kwargs.pop("age_group"),
    )
    assessment: Assessment = assess_item(item, chosen, acting_user=analyst)
    item.refresh_from_db()
    item.assessment = assessment  # type: ignore[attr-defined]  # handy for the test
    return item


# The declarations an assessed factory takes for ``assess_item`` rather than for the item.
ASSESSMENT_OPTIONS = ("legality", "scheme", "severity", "age_group", "analyst", "verdict")


def _assessment_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {name: kwargs.pop(name) for name in ASSESSMENT_OPTIONS}


class AssessedItemFactory(ItemFactory):
    """A reported web address assessed through ``assess_item`` (illegal, INHOPE baseline, by
    default; ``legality``/``severity``/``scheme``/``age_group`` or a whole ``verdict`` change
    that). ``analyst`` defaults to the first analyst, made if there is none. Routing runs as
    after any final verdict: with ``hosted_in`` set and routing configured, referrals follow.
    The item's ``assessment`` attribute is the new assessment."""

    legality = Legality.BASELINE
    scheme = None
    severity = None
    age_group = None
    analyst = None
    verdict = None

    @classmethod
    def _create(cls, model_class: type[Item], *args: Any, **kwargs: Any) -> Item:
        assessment_options = _assessment_options(kwargs)
        item = super()._create(model_class, *args, **kwargs)
        return _assess(item, assessment_options)


class AssessedFileFactory(FileItemFactory):
    """A file known by its hashes, assessed through ``assess_item`` (baseline by default):
    routing then confirms its hashes on the hash lists."""

    legality = Legality.BASELINE
    scheme = None
    severity = None
    age_group = None
    analyst = None
    verdict = None

    @classmethod
    def _create(cls, model_class: type[Item], *args: Any, **kwargs: Any) -> Item:
        assessment_options = _assessment_options(kwargs)
        item = super()._create(model_class, *args, **kwargs)
        return _assess(item, assessment_options)
