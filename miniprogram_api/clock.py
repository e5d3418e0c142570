"""Time as the mini-program and the people see it: UTC in the database, Asia/Shanghai for people.

Phones send ISO 8601 times, sometimes without an offset (then they mean Shanghai wall time); days,
"today" and date filters are Shanghai days (settings.TIME_ZONE). One home for these rules so that every
app cuts days the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .errors import unprocessable


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    """A phone's time as an aware UTC datetime; one without an offset is Asia/Shanghai wall time."""
    if moment is None:
        return None
    moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment
    return moment.astimezone(UTC)


def shanghai_day_start(day: date) -> datetime:
    """The first instant of a Shanghai day (aware)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def local_today(now: datetime | None = None) -> date:
    """Today's date in Asia/Shanghai."""
    return timezone.localdate(now or timezone.now())


def days_q(field: str, date_from: date | None = None, date_to: date | None = None) -> Q:
    """`field` within the Shanghai days date_from … date_to, both included (either may be open)."""
    query = Q()
    if date_from is not None:
        query &= Q(**{f"{field}__gte": shanghai_day_start(date_from)})
    if date_to is not None:
        query &= Q(**{f"{field}__lt": shanghai_day_start(date_to + timedelta(days=1))})
    return query


def shanghai() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime | date) -> date:
    """The first day of the Shanghai month that `moment` (aware datetime, or a date) falls in."""
    day = timezone.localtime(moment, shanghai()).date() if isinstance(moment, datetime) else moment
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """First days of every month from first's to last's, both included."""
    month, out = month_of(first), []
    while month <= last:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def by_month(field: str) -> TruncMonth:
    """An annotation cutting `field` (a UTC datetime column) into Shanghai months, in the database."""
    return TruncMonth(field, tzinfo=shanghai())


EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def check_dates(*days: date | None) -> None:
    """Refuse dates no statistics can mean (and that datetime arithmetic would overflow on): 422."""
    for day in days:
        if day is not None and not EARLIEST <= day <= LATEST:
            raise unprocessable("invalid_date", f"日期应在 {EARLIEST} 至 {LATEST} 之间",
                                detail=[{"field": "date", "type": "range", "message": str(day)}])
