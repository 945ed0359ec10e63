"""Ways of saying when: uncertain windows ("mid-february 2026") and durations."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from icalendar import vDuration

from keydates.model import LENGTH_UNITS, Length, Reminder

# Parts of a month, as inclusive day ranges; None = the month's last day.
WINDOWS = {"early": (1, 10), "mid": (11, 20), "late": (21, None)}

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9

WINDOW_FORMS = (
    "early|mid|late MONTH YEAR (e.g. 'mid-february 2026')",
    "MONTH YEAR ('january 2025')",
    "Qn YEAR ('q3 2026')",
    "Hn YEAR ('h2 2026')",
    "YEAR ('2027')",
)

_WINDOW_RE = re.compile(
    r"""^(?:
        (?:(?P<part>early|mid|late)[\s-]+)?(?P<month>[a-z]+)\.?\s+(?P<myear>\d{4})
      | (?P<period>[qh])(?P<n>\d)\s+(?P<pyear>\d{4})
      | (?P<year>\d{4})
    )$""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Window:
    """An uncertain span: the phrase as people say it and the days it covers."""

    phrase: str
    first: date
    last: date  # inclusive
    # What the phrase says, for wording it in any language (describe.window_phrase):
    part: str | None = None  # early, mid, late
    month: int | None = None
    period: str | None = None  # "Q" (quarter) or "H" (half year)
    number: int | None = None  # which quarter or half


def parse_window(text: str) -> Window:
    """Parse a window phrase; raise ValueError listing the accepted forms."""
    phrase = " ".join(text.lower().split())
    match = _WINDOW_RE.match(phrase)
    try:
        if not match:
            raise ValueError
        if match["year"]:
            year = int(match["year"])
            return Window(match["year"], date(year, 1, 1), date(year, 12, 31))
        if match["period"]:
            return _period_window(match["period"], int(match["n"]), int(match["pyear"]))
        return _month_window(match["part"], match["month"], int(match["myear"]))
    except ValueError as e:
        reason = f"{e}; " if str(e) else ""
        raise ValueError(
            f"cannot read {text!r} as a window: {reason}accepted forms: {', '.join(WINDOW_FORMS)}"
        ) from None


def _period_window(period: str, n: int, year: int) -> Window:
    months_per_period = 3 if period == "q" else 6
    if not 1 <= n <= 12 // months_per_period:
        raise ValueError(f"there is no {period.upper()}{n}")
    first_month = (n - 1) * months_per_period + 1
    last_month = first_month + months_per_period - 1
    last_day = calendar.monthrange(year, last_month)[1]
    return Window(
        f"{period.upper()}{n} {year}", date(year, first_month, 1), date(year, last_month, last_day),
        period=period.upper(), number=n,
    )


def _month_window(part: str | None, month_name: str, year: int) -> Window:
    month = MONTHS.get(month_name)
    if month is None:
        raise ValueError(f"{month_name!r} is not a month")
    month_days = calendar.monthrange(year, month)[1]
    first, last = WINDOWS[part] if part else (1, month_days)
    label = f"{calendar.month_name[month]} {year}"
    if part:
        label = f"{part}-{label}"
    return Window(label, date(year, month, first), date(year, month, last or month_days), part=part, month=month)


_SHORT_DURATION_RE = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def parse_duration(text: str) -> timedelta:
    """Parse an ISO 8601 duration ('PT45M', 'P3D') or a short one ('1h30m', '2d')."""
    compact = text.strip().replace(" ", "").lower()
    short = _SHORT_DURATION_RE.match(compact)
    if compact and short:
        weeks, days, hours, minutes = (int(part or 0) for part in short.groups())
        return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    try:
        return vDuration.from_ical(compact.upper())
    except ValueError:
        raise ValueError(
            f"cannot read {text!r} as a duration: use ISO 8601 ('PT45M', 'P3D', 'P1DT2H')"
            " or a short form ('45m', '1h30m', '2d', '1w')"
        ) from None


_LENGTH_RE = re.compile(rf"^(\d{{1,6}})([{''.join(LENGTH_UNITS)}])$", re.ASCII)
LENGTH_FORMS = "a whole number and d, w, m or y (days, weeks, months, years), such as '90d', '12w', '6m' or '2y'"


def parse_length(text: str) -> Length:
    """Parse a rolling window's length ('90d', '12w', '6m', '2y'); raise ValueError saying the form."""
    match = _LENGTH_RE.match(text.strip().lower())
    if not match:
        raise ValueError(f"cannot read {text!r} as a length: give {LENGTH_FORMS}")
    return Length(int(match[1]), match[2])


def shift(day: date, length: Length, sign: int) -> date:
    """The day `length` after (sign 1) or before (sign -1) `day`; a month or year
    from the 31st (or 29 February) lands on the last day of a shorter month."""
    amount = sign * length.amount
    if length.unit in ("d", "w"):
        return day + timedelta(days=amount * (7 if length.unit == "w" else 1))
    months = day.year * 12 + day.month - 1 + amount * (12 if length.unit == "y" else 1)
    year, month = divmod(months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def add_duration(start: datetime, length: timedelta) -> datetime:
    """Add a duration as RFC 5545 3.3.6 means it: days on the wall clock, hours exactly.

    So 'P1D' from 09:00 ends at 09:00 the next day even across a clock
    change, while 'PT1H' is always sixty minutes.
    """
    days = timedelta(days=length.days)
    wall = start + days
    return (wall.astimezone(timezone.utc) + (length - days)).astimezone(start.tzinfo)


REMINDER_FORMS = (
    "a duration before the start ('15m', '2h', '1d', '1w', 'PT30M', '2h before')",
    "'at start'",
    "a time of day ('09:00 the day before', '18:00 2 days before', '08:30 on the day')",
)

_TIME_OF_DAY_RE = re.compile(
    r"^(?P<hour>\d{1,2}):(?P<minute>\d{2})\s+(?:(?P<same>on the day|the same day)|(?P<one>the day before)|(?P<days>\d+)\s+days?\s+before)$"
)
# ISO 8601 durations, with days (nominal) kept apart from hours (exact).
_ISO_DURATION_RE = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_LONGEST_REMINDER = timedelta(days=10 * 366)


def parse_reminder(text: str) -> Reminder:
    """Read a reminder phrase (REMINDER_FORMS); raise ValueError listing the forms."""
    phrase = " ".join(text.lower().split())
    if phrase == "at start":
        return Reminder()
    match = _TIME_OF_DAY_RE.match(phrase)
    if match:
        hour, minute = int(match["hour"]), int(match["minute"])
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r}: {hour:02}:{minute:02} is not a time of day")
        days = 0 if match["same"] else 1 if match["one"] else int(match["days"])
        if days > _LONGEST_REMINDER.days:
            raise ValueError(f"{text!r} is more than {_LONGEST_REMINDER.days // 366} years before")
        return Reminder(days=days, at=time(hour, minute))
    body = phrase.removesuffix(" before").replace(" ", "")
    if body.startswith("-"):
        raise ValueError(f"{text!r}: give how long before the start, without a minus sign")
    short = _SHORT_DURATION_RE.match(body)
    iso = _ISO_DURATION_RE.match(body.upper())
    if body and short:
        weeks, days, hours, minutes = (int(part or 0) for part in short.groups())
        reminder = Reminder(days=7 * weeks + days, exact=timedelta(hours=hours, minutes=minutes))
    elif body not in ("", "P", "PT") and iso and not body.upper().endswith("T"):
        weeks, days, hours, minutes, seconds = (int(part or 0) for part in iso.groups())
        reminder = Reminder(days=7 * weeks + days, exact=timedelta(hours=hours, minutes=minutes, seconds=seconds))
    else:
        raise ValueError(f"cannot read {text!r} as a reminder: accepted forms: {'; '.join(REMINDER_FORMS)}")
    if timedelta(days=reminder.days) + reminder.exact > _LONGEST_REMINDER:
        raise ValueError(f"{text!r} is more than {_LONGEST_REMINDER.days // 366} years before")
    return reminder


def reminder_for(text: str, start: date | datetime) -> Reminder:
    """The reminder a phrase means for an event starting at `start`; a time of
    day after a timed event's start is an error."""
    reminder = parse_reminder(text)
    if reminder.at is not None and isinstance(start, datetime) and relative_trigger(reminder, start) < timedelta(0):
        raise ValueError(f"{text!r} is after the event starts")
    return reminder


def relative_trigger(reminder: Reminder, start: date | datetime) -> timedelta:
    """How long before the start, on the wall clock (negative: after it).

    For a time of day: the wall-clock distance from that time to the start
    on its own day. Calendar apps add a trigger to each occurrence's wall
    clock (ical.js, libical), so this fires at that time of day in every
    occurrence, across clock changes.
    """
    if reminder.at is None:
        return timedelta(days=reminder.days) + reminder.exact
    day = (start.date() if isinstance(start, datetime) else start) - timedelta(days=reminder.days)
    wall = start.replace(tzinfo=None) if isinstance(start, datetime) else datetime.combine(start, time())
    return wall - datetime.combine(day, reminder.at)


def reminder_instant(reminder: Reminder, start: datetime) -> datetime:
    """When the reminder fires, in UTC, for a timed start (RFC 5545 3.3.6: days on the wall clock)."""
    if reminder.at is not None:
        day = start.date() - timedelta(days=reminder.days)
        return datetime.combine(day, reminder.at, tzinfo=start.tzinfo).astimezone(timezone.utc)
    wall = start - timedelta(days=reminder.days)
    return wall.astimezone(timezone.utc) - reminder.exact


def trigger_parts(reminder: Reminder, start: date | datetime) -> tuple[bool, int, timedelta]:
    """The relative TRIGGER to write: (after the start?, nominal days, exact time).

    A time of day becomes whole days plus the time between on the clock,
    which calendar apps add on each occurrence's wall clock.
    """
    if reminder.at is None:
        return False, reminder.days, reminder.exact
    before = relative_trigger(reminder, start)
    after = before < timedelta(0)
    length = -before if after else before
    return after, length.days, length - timedelta(days=length.days)


def distinct_reminders(reminders, start: date | datetime, repeats: bool) -> tuple[Reminder, ...]:
    """The reminders less those that fire at the same instant as an earlier one.

    An event that does not repeat has one instant per reminder; for
    repeating and all-day events, reminders are the same when their
    triggers are ("1d" is not "24h": a day is nominal, RFC 5545 3.3.6).
    """
    seen, kept = set(), []
    for reminder in reminders:
        if isinstance(start, datetime) and not repeats:
            key = reminder_instant(reminder, start)
        else:
            key = trigger_parts(reminder, start)
        if key not in seen:
            seen.add(key)
            kept.append(reminder)
    return tuple(kept)
