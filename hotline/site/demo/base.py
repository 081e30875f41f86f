"""Demo data: synthetic organisations and one user per role, under reserved names only."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import transaction

from hotline.accounts import actions
from hotline.accounts.models import ClientKind, Organisation, OrganisationKind, Role, Scope, User
from hotline.cases.actions import FileInput, ReportInput, file_report
from hotline.cases.models import Channel, Concern
from hotline.routing import actions as routing_actions
from hotline.routing.models import PoliceChannel
from hotline.site.demo.monitoring import load_monitoring_demo
from hotline.site.demo.tourism import load_tourism_demo

DEMO_PASSWORD_SUFFIX = "-demo-2026"  # noqa: S105  (demo logins are printed on purpose)


@dataclass
class DemoSummary:
    logins: list[tuple[str, str, str, str]] = field(default_factory=list)
    tokens: list[tuple[str, str]] = field(default_factory=list)


DEMO_USERS = [
    ("analyst", [Role.ANALYST], "own"),
    ("supervisor", [Role.SUPERVISOR, Role.ANALYST], "own"),
    ("police", [Role.LAW_ENFORCEMENT_LIAISON], "police"),
    ("monitor", [Role.CODE_MONITOR], "own"),
    ("admin", [Role.ADMINISTRATOR], "own"),
    ("auditor", [Role.AUDITOR], "own"),
]


# (organisation, credential name, kind, scopes) of the demo API credentials.
DEMO_CREDENTIALS: list[tuple[str, str, ClientKind, list[Scope]]] = [
    ("isp", "ISP resolver feed", ClientKind.FEED_CONSUMER, [Scope.FEED_RPZ, Scope.FEED_URLS]),
    ("esp", "Platform intake", ClientKind.COMPANY_INTAKE, [Scope.INTAKE]),
    ("own", "Prometheus", ClientKind.FEED_CONSUMER, [Scope.METRICS]),
]


@transaction.atomic
def load_demo_data() -> DemoSummary:
    """Create the demo world once; running it again changes nothing and prints the same logins
    and (in demo mode) the same API tokens."""
    summary = DemoSummary()
    country = settings.INSTANCE_COUNTRY
    partner_country = "DE" if country != "DE" else "FR"
    orgs: dict[str, Organisation] = {}
    specs = {
        "own": (f"Demo Hotline ({country})", OrganisationKind.HOTLINE, country, True),
        "partner": (
            f"Partner Hotline ({partner_country})",
            OrganisationKind.HOTLINE,
            partner_country,
            False,
        ),
        "police": (
            f"Demo Police Unit ({country})",
            OrganisationKind.LAW_ENFORCEMENT,
            country,
            False,
        ),
        "isp": (f"Demo ISP ({country})", OrganisationKind.ISP, country, False),
        "esp": ("Demo Platform Inc.", OrganisationKind.INDUSTRY, "US", False),
    }
    created_now = not Organisation.objects.filter(is_own=True).exists()
    for key, (name, kind, org_country, own) in specs.items():
        existing = Organisation.objects.filter(name=name).first()
        orgs[key] = existing or actions.create_organisation(
            name=name, kind=kind, country=org_country, is_own=own, acting_user=None
        )
    for username, roles, org_key in DEMO_USERS:
        password = username + DEMO_PASSWORD_SUFFIX
        if not User.objects.filter(username=username).exists():
            actions.create_user(
                username=username,
                password=password,
                organisation=orgs[org_key],
                roles=roles,
                email=f"{username}@example.test",
                django_admin=Role.ADMINISTRATOR in roles,
                acting_user=None,
            )
        summary.logins.append((username, password, ", ".join(roles), orgs[org_key].name))
    if settings.DEMO:
        # Fixed tokens (demo mode only), so every `make run` prints tokens that work.
        for org_key, name, client_kind, scopes in DEMO_CREDENTIALS:
            issued = actions.ensure_demo_credential(
                organisation=orgs[org_key], name=name, kind=client_kind, scopes=scopes
            )
            summary.tokens.append((name, issued.token if issued else ""))
    if created_now:
        _demo_reports(orgs["esp"])
        _demo_routing(orgs)
        load_tourism_demo()
        load_monitoring_demo()
    return summary


def _demo_reports(esp: Organisation) -> None:
    """A few synthetic reports so the queue is not empty. Reserved names only."""
    public = ReportInput(channel=Channel.PUBLIC_WEB, concern=Concern.CSAM)
    file_report(
        replace(public, urls=["http://images.example.test/album/1"], description="Demo report."),
        actor=None,
    )
    file_report(
        replace(
            public,
            urls=["http://forum.example.test/thread/42"],
            child_in_danger=True,
            description="Demo: urgent.",
        ),
        actor=None,
    )
    file_report(
        replace(public, urls=["files.example.test/f/abc", "http://cdn.example.test/x.jpg"]),
        actor=None,
    )
    file_report(
        ReportInput(
            channel=Channel.COMPANY_API,
            concern=Concern.CSAM,
            submitted_by=esp,
            external_id="demo-0001",
            platform="Demo Chat",
            urls=["http://images.example.test/album/1"],
            files=[FileInput(md5="0" * 31 + "1", sha256="0" * 63 + "1", file_name="demo.jpg")],
            annotations=["generative_ai"],
        ),
        actor=None,
    )


def _demo_routing(orgs: dict[str, Organisation]) -> None:
    """Jurisdictions, police and the partner, so demo verdicts are routed."""
    own = settings.INSTANCE_COUNTRY
    routing_actions.ensure_jurisdiction(
        own, defaults={"blocking_allowed": True, "police_first": True, "police_hold_hours": 24}
    )
    routing_actions.ensure_police_unit(
        name=orgs["police"].name,
        country=own,
        organisation=orgs["police"],
        email="police@example.test",
    )
    routing_actions.ensure_police_unit(
        name="Demo INTERPOL National Central Bureau",
        country=own,
        email="ncb@example.test",
        channel=PoliceChannel.INTERPOL,
    )
