"""Figures: each statistic as a table (the data, exported as CSV) and a chart drawn from it.

One registry serves the dashboard, the annual report and the CSV exports, so a chart, its
table and its CSV can never disagree. Adding a figure is adding one builder here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.monitoring import charts, queries
from hotline.monitoring.charts import Chart, Series
from hotline.monitoring.periods import Period
from hotline.routing.models import ReferralStatus

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


@dataclass(frozen=True)
class Figure:
    key: str
    title: str
    table: Table
    chart: Chart | None = None
    note: str = ""

    @property
    def svg(self) -> SafeString | None:
        return charts.render(self.chart) if self.chart is not None else None


Builder = Callable[[Period, datetime], Figure]
FIGURES: dict[str, Builder] = {}
# Sections of the dashboard and the annual report, in reading order: (title, figure keys).
SECTIONS: list[tuple[object, list[str]]] = []


def figure(key: str, section: object) -> Callable[[Builder], Builder]:
    """Register a figure builder under ``key`` in a dashboard section."""

    def register(builder: Builder) -> Builder:
        FIGURES[key] = builder
        for title, keys in SECTIONS:
            if title is section:  # the same constant; == would translate it at import
                keys.append(key)
                break
        else:
            SECTIONS.append((section, [key]))
        return builder

    return register


def build(key: str, period: Period, now: datetime | None = None) -> Figure:
    return FIGURES[key](period, now or timezone.now())


def build_sections(period: Period, now: datetime | None = None) -> list[tuple[str, list[Figure]]]:
    now = now or timezone.now()
    return [(str(title), [build(key, period, now) for key in keys]) for title, keys in SECTIONS]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _count_figure(
    key: str,
    title: str,
    counts: Sequence[queries.Count],
    *,
    kind: str = "hbar",
    heading: str,
    note: str = "",
    description: str = "",
) -> Figure:
    chart = Chart(
        key=key,
        kind=kind,
        title=title,
        description=description or title,
        categories=tuple(c.label for c in counts),
        series=(Series(_("Count"), tuple(float(c.count) for c in counts)),),
    )
    table = Table((heading, _("Count")), tuple((c.label, c.count) for c in counts))
    return Figure(key, title, table, chart, note)


# --- reports and assessments ----------------------------------------------------------------

REPORTS = gettext_lazy("Reports received")
ASSESSMENT = gettext_lazy("Assessment")
HOSTING = gettext_lazy("Hosting")
REMOVAL = gettext_lazy("Time to removal")
REFERRALS = gettext_lazy("Referrals")
FEEDS = gettext_lazy("Feed consumers")
TOURISM = gettext_lazy("Travel and tourism")


@figure("reports_by_month", REPORTS)
def _reports_by_month(period: Period, now: datetime) -> Figure:
    counts = queries.reports_by_month(period)
    title = _("Reports received per month")
    return _count_figure(
        "reports_by_month",
        title,
        counts,
        kind="line",
        heading=_("Month"),
        description=_("Line chart of the number of reports received in each month of the period."),
    )


@figure("reports_by_channel", REPORTS)
def _reports_by_channel(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "reports_by_channel",
        _("Reports by channel"),
        queries.reports_by_channel(period),
        heading=_("Channel"),
    )


@figure("reports_by_concern", REPORTS)
def _reports_by_concern(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "reports_by_concern",
        _("Reports by type"),
        queries.reports_by_concern(period),
        heading=_("Type"),
        note=_("The type is what the reporter said the report is about."),
    )


@figure("assessment_outcomes", ASSESSMENT)
def _assessment_outcomes(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "assessment_outcomes",
        _("Assessment outcomes"),
        queries.assessment_outcomes(period),
        heading=_("Verdict"),
        note=_(
            "Items given a final verdict in the period (confirmed where four eyes apply); the latest verdict per item counts."
        ),
    )


@figure("illegal_by_severity", ASSESSMENT)
def _illegal_by_severity(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "illegal_by_severity",
        _("Illegal items by severity"),
        queries.illegal_by_severity(period),
        heading=_("Severity"),
    )


@figure("backlog", ASSESSMENT)
def _backlog(period: Period, now: datetime) -> Figure:
    backlog = queries.backlog(now)
    figure_ = _count_figure(
        "backlog",
        _("Backlog by age"),
        backlog.by_age,
        kind="bar",
        heading=_("Waiting for"),
        description=_(
            "Bar chart of the items waiting for a verdict, by how long they have waited."
        ),
    )
    note = _(
        "Now, whatever the period: %(waiting)s waiting for assessment, %(confirm)s for a supervisor's confirmation; median wait %(median)s hours, oldest %(oldest)s hours."
    ) % {
        "waiting": backlog.waiting,
        "confirm": backlog.awaiting_confirmation,
        "median": "—" if backlog.median_age_hours is None else f"{backlog.median_age_hours:.1f}",
        "oldest": "—" if backlog.oldest_age_hours is None else f"{backlog.oldest_age_hours:.1f}",
    }
    return Figure(figure_.key, figure_.title, figure_.table, figure_.chart, note)


# --- hosting --------------------------------------------------------------------------------


@figure("hosting_countries", HOSTING)
def _hosting_countries(period: Period, now: datetime) -> Figure:
    counts = queries.hosting_countries(period)
    figure_ = _count_figure(
        "hosting_countries",
        _("Hosting countries of illegal material"),
        counts[:15],
        heading=_("Country"),
    )
    table = Table(figure_.table.columns, tuple((c.label, c.count) for c in counts))
    note = _("Items judged illegal in the period; the chart shows the 15 largest.")
    return Figure(figure_.key, figure_.title, table, figure_.chart, note)


@figure("hosting_providers", HOSTING)
def _hosting_providers(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "hosting_providers",
        _("Hosting providers noticed"),
        queries.hosting_providers(period),
        heading=_("Hosting provider"),
        note=_(
            "Items judged illegal in the period, by the provider their notice went to (15 largest)."
        ),
    )


# --- time to removal ------------------------------------------------------------------------


@figure("removal_summary", REMOVAL)
def _removal_summary(period: Period, now: datetime) -> Figure:
    home = queries.home_country()
    overall = queries.time_to_removal(period, now=now)
    domestic = queries.time_to_removal(period, country=home, now=now)

    def share(removal: queries.Removal, key: str) -> float | None:
        return removal.shares[key].percent

    labels = (
        ("24h", _("Removed within 24 hours (%)")),
        ("3d", _("Removed within 3 days (%)")),
        ("7d", _("Removed within 7 days (%)")),
    )
    rows: list[tuple[Cell, ...]] = [
        (_("Illegal items received"), overall.items, domestic.items),
        (_("Removed"), overall.removed, domestic.removed),
        (_("Still online"), overall.still_online, domestic.still_online),
        (_("Median time to removal (hours)"), _r(overall.median_hours), _r(domestic.median_hours)),
        (_("90th percentile (hours)"), _r(overall.p90_hours), _r(domestic.p90_hours)),
    ]
    rows += [(label, share(overall, key), share(domestic, key)) for key, label in labels]
    domestic_label = _("Hosted in %(country)s") % {"country": queries.country_label(home)}
    chart = Chart(
        key="removal_summary",
        kind="bar",
        title=_("Share removed within 24 hours, 3 days and 7 days"),
        description=_(
            "Bar chart of the percentage of illegal items removed within each window, for all items and for those hosted in our country."
        ),
        categories=(_("24 hours"), _("3 days"), _("7 days")),
        series=(
            Series(_("All hosting countries"), tuple(share(overall, k) or 0.0 for k, _l in labels)),
            Series(domestic_label, tuple(share(domestic, k) or 0.0 for k, _l in labels)),
        ),
        unit="%",
    )
    note = _(
        "Illegal items received in the period, from first report to confirmed removal. Percentages count every item whose window has passed; an item still online counts as not removed in time."
    )
    return Figure(
        "removal_summary",
        _("Removed within 24 hours, 3 days and 7 days"),
        Table(("", _("All hosting countries"), domestic_label), tuple(rows)),
        chart,
        note,
    )


@figure("removal_distribution", REMOVAL)
def _removal_distribution(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "removal_distribution",
        _("How long removal took"),
        queries.removal_distribution(period),
        kind="bar",
        heading=_("Time to removal"),
        description=_("Bar chart of illegal items by how long their removal took."),
    )


@figure("removal_by_month", REMOVAL)
def _removal_by_month(period: Period, now: datetime) -> Figure:
    months = queries.removal_by_month(period, now=now)
    # Months with nothing received have no share at all: no point rather than a false 0 %.
    measured = [(month, r) for month, r in months if r.shares["3d"].percent is not None]
    rows = tuple(
        (month, r.items, r.removed, _r(r.median_hours), r.shares["3d"].percent)
        for month, r in months
    )
    chart = Chart(
        key="removal_by_month",
        kind="line",
        title=_("Share removed within 3 days, by month received"),
        description=_(
            "Line chart of the percentage of illegal items removed within 3 days, for the items received in each month."
        ),
        categories=tuple(month for month, _r2 in measured),
        series=(
            Series(
                _("Removed within 3 days (%)"),
                tuple(r.shares["3d"].percent or 0.0 for _m, r in measured),
            ),
        ),
        unit="%",
    )
    table = Table(
        (_("Month"), _("Illegal items"), _("Removed"), _("Median hours"), _("Within 3 days (%)")),
        rows,
    )
    return Figure("removal_by_month", chart.title, table, chart)


@figure("slowest_providers", REMOVAL)
def _slowest_providers(period: Period, now: datetime) -> Figure:
    providers = queries.slowest_providers(period)
    rows = tuple(
        (p.provider, p.items, p.removed, p.still_online, _r(p.median_hours)) for p in providers
    )
    chart = Chart(
        key="slowest_providers",
        kind="hbar",
        title=_("Slowest hosting providers (median hours to removal)"),
        description=_(
            "Horizontal bar chart of the ten hosting providers with the longest median time to removal."
        ),
        categories=tuple(p.provider for p in providers),
        series=(Series(_("Median hours"), tuple(_r(p.median_hours) or 0.0 for p in providers)),),
        unit="h",
    )
    table = Table(
        (
            _("Hosting provider"),
            _("Illegal items"),
            _("Removed"),
            _("Still online"),
            _("Median hours"),
        ),
        rows,
    )
    return Figure("slowest_providers", _("Slowest hosting providers"), table, chart)


# --- referrals and feeds --------------------------------------------------------------------


@figure("referrals", REFERRALS)
def _referrals(period: Period, now: datetime) -> Figure:
    rows = queries.referral_outcomes(period)
    statuses = ReferralStatus.choices
    chart = Chart(
        key="referrals",
        kind="stacked",
        title=_("Referrals by destination and status"),
        description=_(
            "Stacked bar chart of the referrals made in the period, for each destination split by current status."
        ),
        categories=tuple(r.label for r in rows),
        series=tuple(
            Series(str(label), tuple(float(r.by_status[value]) for r in rows))
            for value, label in statuses
            if any(r.by_status[value] for r in rows)
        ),
    )
    table = Table(
        (
            _("Destination"),
            _("Total"),
            *(str(label) for _v, label in statuses),
            _("Answered"),
            _("Median days to answer"),
        ),
        tuple(
            (
                r.label,
                r.total,
                *(r.by_status[value] for value, _l in statuses),
                r.answered,
                r.median_days_to_answer,
            )
            for r in rows
        ),
    )
    note = _(
        "Referrals created in the period. Answered: acknowledged, acted on or closed by the recipient; days counted from sending to the first answer."
    )
    return Figure("referrals", _("Referrals and their outcomes"), table, chart, note)


@figure("travel_cases", TOURISM)
def _travel_cases(period: Period, now: datetime) -> Figure:
    cases = queries.travel_cases(period)
    note = _(
        "%(received)s travel reports received in the period; the chart shows the referrals sent, by ground. Authorities answered after a median of %(median)s days; %(waiting)s referrals are waiting for a follow-up now."
    ) % {
        "received": cases.received,
        "median": "—" if cases.median_days_to_answer is None else cases.median_days_to_answer,
        "waiting": cases.awaiting_follow_up,
    }
    return _count_figure(
        "travel_cases",
        _("Travel referrals by ground"),
        cases.by_ground,
        heading=_("Referred to"),
        note=note,
    )


@figure("travel_countries", TOURISM)
def _travel_countries(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "travel_countries",
        _("Travel reports by country of the offence"),
        queries.travel_cases(period).by_country[:15],
        heading=_("Country"),
    )


@figure("enforcement_outcomes", TOURISM)
def _enforcement_outcomes(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "enforcement_outcomes",
        _("Enforcement outcomes of travel referrals"),
        queries.enforcement_outcomes(period),
        heading=_("Outcome"),
        note=_(
            "Steps reached in the period; a referral acknowledged and then charged counts under both. “No action” shows where offences went unpunished."
        ),
    )


@figure("code_members", TOURISM)
def _code_members(period: Period, now: datetime) -> Figure:
    return _count_figure(
        "code_members",
        _("Members of The Code"),
        queries.code_members(now),
        heading=_("Companies"),
        note=_("Now, whatever the period."),
    )


@figure("feed_pulls", FEEDS)
def _feed_pulls(period: Period, now: datetime) -> Figure:
    pulls = queries.feed_pulls(period)
    chart = Chart(
        key="feed_pulls",
        kind="hbar",
        title=_("Feed pulls by consumer"),
        description=_("Horizontal bar chart of how often each consumer pulled each feed."),
        categories=tuple(f"{p.consumer} · {p.feed}" for p in pulls[:15]),
        series=(Series(_("Pulls"), tuple(float(p.pulls) for p in pulls[:15])),),
    )
    table = Table(
        (_("Consumer"), _("Feed"), _("Pulls"), _("First pull"), _("Last pull")),
        tuple(
            (
                p.consumer,
                p.feed,
                p.pulls,
                timezone.localtime(p.first).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(p.last).strftime("%Y-%m-%d %H:%M"),
            )
            for p in pulls
        ),
    )
    return Figure("feed_pulls", _("Feed consumers' pulls"), table, chart)
