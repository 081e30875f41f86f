"""Indicators national targets are measured by, and a target's progress against its deadline.

An indicator is a small object in a registry: a key, a label, a unit and a function that
measures it over a period from the data. Adding one is adding one ``register(...)``. A
target whose indicator is ``MANUAL`` is measured by the evidence people enter instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.monitoring import queries
from hotline.monitoring.charts import Chart, Series, format_value
from hotline.monitoring.models import Comparison, NationalTarget
from hotline.monitoring.periods import Period

MANUAL = "manual"


@dataclass(frozen=True)
class Measurement:
    """An indicator's value over a period; ``None`` when there is nothing to measure yet."""

    value: float | None
    within: int | None = None
    eligible: int | None = None


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    unit: str
    comparison: str
    measure: Callable[[Period, dict[str, Any], datetime], Measurement]
    # parameter name -> (default, description) shown on the target form
    parameters: dict[str, tuple[Any, str | Promise]]

    def describe(self, parameters: dict[str, Any]) -> str:
        values = {
            name: parameters.get(name, default) for name, (default, _d) in self.parameters.items()
        }
        return str(self.label).format(**values)


INDICATORS: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    INDICATORS[indicator.key] = indicator
    return indicator


def _int(parameters: dict[str, Any], name: str, default: int) -> int:
    try:
        return max(0, int(parameters.get(name, default)))
    except (TypeError, ValueError):
        return default


def _scope(parameters: dict[str, Any]) -> str | None:
    return None if parameters.get("scope", "domestic") == "all" else queries.home_country()


def _share(share: queries.Share) -> Measurement:
    return Measurement(share.percent, share.within, share.eligible)


register(
    Indicator(
        "removal_within_days",
        gettext_lazy("Share of illegal material ({scope} hosting) removed within {days} days (%)"),
        "%",
        Comparison.AT_LEAST,
        lambda period, p, now: _share(
            queries.removed_within(
                period, timedelta(days=_int(p, "days", 3)), country=_scope(p), now=now
            )
        ),
        {
            "days": (3, gettext_lazy("Days from first report to removal")),
            "scope": ("domestic", gettext_lazy("domestic (hosted in our country) or all")),
        },
    )
)


def _median(period: Period, p: dict[str, Any], now: datetime) -> Measurement:
    removal = queries.time_to_removal(period, country=_scope(p), now=now)
    value = removal.median_hours
    return Measurement(None if value is None else round(value, 1), removal.removed, removal.items)


register(
    Indicator(
        "median_hours_to_removal",
        gettext_lazy("Median hours from first report to removal ({scope} hosting)"),
        "h",
        Comparison.AT_MOST,
        _median,
        {"scope": ("domestic", gettext_lazy("domestic (hosted in our country) or all"))},
    )
)

register(
    Indicator(
        "referrals_answered_within_days",
        gettext_lazy("Share of {destination} referrals answered within {days} days (%)"),
        "%",
        Comparison.AT_LEAST,
        lambda period, p, now: _share(
            queries.answered_within(
                period,
                timedelta(days=_int(p, "days", 60)),
                destination=str(p.get("destination", "police")),
                now=now,
            )
        ),
        {
            "days": (60, gettext_lazy("Days from sending to the recipient's first answer")),
            "destination": ("police", gettext_lazy("police, partner, interpol or notice")),
        },
    )
)


register(
    Indicator(
        "travel_referrals_answered_within_days",
        gettext_lazy("Share of tourism referrals answered within {days} days (%)"),
        "%",
        Comparison.AT_LEAST,
        lambda period, p, now: _share(
            queries.travel_referrals_answered_within(
                period, timedelta(days=_int(p, "days", 60)), now=now
            )
        ),
        {"days": (60, gettext_lazy("Days from sending to the authority's first answer"))},
    )
)


def indicator_choices() -> list[tuple[str, str]]:
    return [
        *((key, i.describe({})) for key, i in INDICATORS.items()),
        (MANUAL, _("Entered by hand, with evidence")),
    ]


# --- progress -------------------------------------------------------------------------------

MET = "met"
NOT_MET = "not_met"
MISSED = "missed"
NO_DATA = "no_data"
STATUS_LABELS = {
    MET: gettext_lazy("Met"),
    NOT_MET: gettext_lazy("Not met yet"),
    MISSED: gettext_lazy("Missed"),
    NO_DATA: gettext_lazy("No data yet"),
}


@dataclass(frozen=True)
class Progress:
    target: NationalTarget
    value: float | None
    measured: str  # what the value rests on, for the reader
    status: str
    time_elapsed_percent: float
    series: list[tuple[str, float | None]]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def description(self) -> str:
        indicator = INDICATORS.get(self.target.indicator)
        if indicator is None:
            return _("Entered by hand, with evidence")
        return indicator.describe(self.target.parameters)


def meets(target: NationalTarget, value: float) -> bool:
    goal = float(target.target_value)
    return value >= goal if target.comparison == Comparison.AT_LEAST else value <= goal


def measurement_period(target: NationalTarget, today: date) -> Period:
    """The window a computed indicator is measured over: ``window_days`` up to today
    (or up to the deadline, once it has passed), never before the target's start."""
    end = min(today, target.deadline)
    start = max(target.start_date, end - timedelta(days=max(target.window_days, 1) - 1))
    return Period(min(start, end), end)


def _elapsed(target: NationalTarget, today: date) -> float:
    total = (target.deadline - target.start_date).days
    done = (min(max(today, target.start_date), target.deadline) - target.start_date).days
    return round(100 * done / total, 1) if total > 0 else 100.0


def progress(
    target: NationalTarget, today: date | None = None, now: datetime | None = None
) -> Progress:
    """Where a target stands today: its value, whether it is met, and how much time is gone."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    indicator = INDICATORS.get(target.indicator)
    series: list[tuple[str, float | None]] = []
    if indicator is None:
        evidence = list(
            target.evidence.filter(measured_on__lte=today).order_by("measured_on", "pk")
        )
        series = [(e.measured_on.isoformat(), float(e.value)) for e in evidence]
        latest = evidence[-1] if evidence else None
        value = float(latest.value) if latest else None
        measured = (
            _("Evidence of %(date)s: %(evidence)s")
            % {"date": latest.measured_on.isoformat(), "evidence": latest.evidence}
            if latest
            else _("No evidence entered yet.")
        )
    else:
        period = measurement_period(target, today)
        measurement = indicator.measure(period, target.parameters, now)
        value = measurement.value
        measured = _("Computed over %(start)s to %(end)s") % {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
        if measurement.eligible is not None:
            measured += " " + _("(%(within)s of %(eligible)s)") % {
                "within": measurement.within,
                "eligible": measurement.eligible,
            }
        series = [
            (month.start.strftime("%Y-%m"), indicator.measure(month, target.parameters, now).value)
            for month in Period(
                max(target.start_date, period.end - timedelta(days=364)), period.end
            ).months()
        ]
    if value is None:
        status = NO_DATA
    elif meets(target, value):
        status = MET
    else:
        status = MISSED if today > target.deadline else NOT_MET
    return Progress(target, value, measured, status, _elapsed(target, today), series)


def progress_chart(progress: Progress) -> Chart:
    """The indicator month by month (or each piece of evidence), with the target drawn in."""
    target = progress.target
    points = [(label, value) for label, value in progress.series if value is not None]
    return Chart(
        key=f"target-{target.pk}",
        kind="line",
        title=str(target.title),
        description=_(
            "Line chart of the indicator over time, with the target value as a dashed line."
        ),
        categories=tuple(label for label, _v in points),
        series=(Series(progress.description, tuple(value for _l, value in points)),),
        unit=target.unit,
        reference=float(target.target_value),
        reference_label=_("Target: %(value)s")
        % {"value": format_value(float(target.target_value), target.unit)},
    )
