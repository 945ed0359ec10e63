"""Repeating events: read `repeat`/`until`/`count`, check the rule, expand it.

Rules are RFC 5545 RRULEs, checked and expanded with python-dateutil. They
are expanded on the wall clock of the event's zone (RFC 5545 3.3.10), so a
weekly 09:00 meeting stays at 09:00 across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

SHORT_FORMS = {
    "yearly": "FREQ=YEARLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "monthly": "FREQ=MONTHLY",
    "weekly": "FREQ=WEEKLY",
    "daily": "FREQ=DAILY",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def make_rule(repeat: str, start: date | datetime, tz: str | None, until=None, count=None) -> str:
    """Return the RRULE value to publish; raise ValueError saying what is wrong.

    `repeat` is a short form (yearly, quarterly, monthly, weekly, daily) or an
    RRULE; `until` (a date or datetime) and `count` go with short forms only.
    """
    text = repeat.strip()
    short = SHORT_FORMS.get(text.lower())
    if short is None:
        if until is not None or count is not None:
            raise ValueError("put UNTIL or COUNT inside the rule, or use a short form (yearly, quarterly, monthly, weekly, daily) with until/count")
        parts = _parse_parts(text)
    else:
        parts = _parse_parts(short)
        if until is not None:
            parts["UNTIL"] = until
        if count is not None:
            parts["COUNT"] = str(count)
    if "UNTIL" in parts and "COUNT" in parts:
        raise ValueError("a rule takes UNTIL or COUNT, not both (RFC 5545 3.3.10)")
    if "COUNT" in parts and (not parts["COUNT"].isdigit() or int(parts["COUNT"]) < 1):
        raise ValueError(f"COUNT must be a whole number of at least 1, not {parts['COUNT']!r}")
    if "UNTIL" in parts:
        parts["UNTIL"] = _until_value(parts["UNTIL"], start, tz)
    rule = ";".join(f"{key}={value}" for key, value in parts.items())
    first = next(iter(_expand(rule, start, tz)), None)
    if first is None:
        raise ValueError(f"the rule {rule} produces no occurrence from {_show(start)}")
    if first != _naive(start, tz):
        raise ValueError(
            f"start {_show(start)} ({WEEKDAYS[start.weekday()]}) is not an occurrence of {rule};"
            f" the first one would be {_show(first if isinstance(start, datetime) else first.date())}:"
            " start on a day the rule produces"
        )
    return rule


def _parse_parts(text: str) -> dict:
    body = text[len("RRULE:"):] if text.upper().startswith("RRULE:") else text
    parts = {}
    for item in body.split(";"):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ValueError(f"cannot read {text!r} as a rule: write short form (yearly, quarterly, monthly, weekly, daily) or an RFC 5545 RRULE such as 'FREQ=MONTHLY;INTERVAL=3;COUNT=8'")
        key = key.strip().upper()
        if key in parts:
            raise ValueError(f"{key} appears twice in {text!r}")
        if key == "DTSTART":
            raise ValueError("the rule starts at the event's start; leave DTSTART out")
        parts[key] = value.strip().upper()
    if "FREQ" not in parts:
        raise ValueError(f"{text!r} has no FREQ (e.g. FREQ=WEEKLY)")
    try:
        rrulestr(";".join(f"{k}={v}" for k, v in parts.items() if k != "UNTIL"), dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError) as e:
        raise ValueError(f"cannot read {text!r} as a rule: {e}") from None
    return parts


def _until_value(until, start: date | datetime, tz: str | None) -> str:
    """UNTIL as RFC 5545 wants it: a DATE for all-day events, else UTC."""
    if isinstance(until, str):
        until = _parse_until_text(until)
    if not isinstance(start, datetime):
        if isinstance(until, datetime):
            until = until.date()
        return f"{until:%Y%m%d}"
    zone = ZoneInfo(tz) if tz else start.tzinfo
    if not isinstance(until, datetime):  # a day: up to its end
        until = datetime.combine(until, time(23, 59, 59))
    if until.tzinfo is None:
        until = until.replace(tzinfo=zone)
    return f"{until.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def _parse_until_text(text: str) -> date | datetime:
    for fmt in ("%Y%m%dT%H%M%SZ", "%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            value = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt.endswith("Z"):
            return value.replace(tzinfo=timezone.utc)
        return value if "T" in fmt else value.date()
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"cannot read UNTIL {text!r}: write it like 20261231 or 2026-12-31") from None


def _expand(rule: str, start: date | datetime, tz: str | None):
    """dateutil's rule on naive wall-clock times (UNTIL turned to wall clock too)."""
    parts = dict(item.split("=", 1) for item in rule.split(";"))
    if "UNTIL" in parts:
        until = _parse_until_text(parts["UNTIL"])
        if isinstance(until, datetime):
            until = _naive(until, tz)
        else:
            until = datetime.combine(until, time())
        parts["UNTIL"] = f"{until:%Y%m%dT%H%M%S}"
    text = ";".join(f"{k}={v}" for k, v in parts.items())
    return rrulestr(text, dtstart=_naive(start, tz))


def _naive(moment: date | datetime, tz: str | None) -> datetime:
    """The wall-clock time the rule runs on: local in the zone, or UTC."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time())
    zone = ZoneInfo(tz) if tz else timezone.utc
    return moment.astimezone(zone).replace(tzinfo=None)


def occurrences(event) -> Iterator[tuple[date | datetime, date | datetime]]:
    """Yield (start, end) of every occurrence in order, EXDATEs left out.

    Each occurrence lasts as long as the first, measured exactly (RFC 5545
    3.8.5.3), so a one-hour meeting stays one hour across a clock change.
    """
    if not event.repeat:
        yield event.start, event.end
        return
    timed = isinstance(event.start, datetime)
    zone = ZoneInfo(event.timezone) if event.timezone else timezone.utc
    length = _utc(event.end) - _utc(event.start) if timed else event.end - event.start
    skip = {_utc(x) if timed else x for x in event.exceptions}
    for local in _expand(event.repeat, event.start, event.timezone):
        if not timed:
            start = local.date()
            if start not in skip:
                yield start, start + length
            continue
        start = local.replace(tzinfo=zone)
        if _utc(start) not in skip:
            yield start, (_utc(start) + length).astimezone(zone)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc)


def is_occurrence(rule: str, start: date | datetime, tz: str | None, moment: date | datetime) -> bool:
    """Whether `moment` (same kind as start) is one of the rule's starts."""
    return not not_occurrences(rule, start, tz, [moment])


def not_occurrences(rule: str, start: date | datetime, tz: str | None, moments) -> list:
    """Those of `moments` (same kind as start) that are not starts of the rule.

    One walk of the rule up to the latest of them, however many there are
    (a walk per moment made 10,000 EXDATEs take minutes).
    """
    targets = {_naive(moment, tz): moment for moment in moments}
    if not targets:
        return []
    found = set(_expand(rule, start, tz).between(min(targets), max(targets), inc=True))
    return [moment for target, moment in targets.items() if target not in found]


def _show(value) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    return value.isoformat()
