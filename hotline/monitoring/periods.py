"""The period a statistic covers: whole days from ``start`` to ``end`` (both included)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in the instance's time zone."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a period cannot end before it starts")

    @property
    def since(self) -> datetime:
        """The first instant of the period (aware)."""
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        """The first instant after the period (aware): filter with ``< until``."""
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> Iterator[Period]:
        """The calendar months the period touches, each clipped to the period."""
        first = self.start.replace(day=1)
        while first <= self.end:
            following = (first + timedelta(days=32)).replace(day=1)
            yield Period(max(first, self.start), min(following - timedelta(days=1), self.end))
            first = following

    def query(self) -> str:
        """The query string that selects this period on the dashboard and exports."""
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def last_twelve_months(cls, today: date | None = None) -> Period:
        """The default: the twelve months up to and including today."""
        today = today or timezone.localdate()
        try:
            start = today.replace(year=today.year - 1)
        except ValueError:  # 29 February
            start = today.replace(year=today.year - 1, day=28)
        return cls(start + timedelta(days=1), today)
