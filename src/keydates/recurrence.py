"""Repeating events: read `repeat`/`until`/`count`, check the rule, expand it.

Rules are RFC 5545 RRULEs, read here against the grammar of RFC 5545
3.3.10 (python-dateutil, which expands them, accepts far more: BYMONTH=13,
its own BYEASTER, a newline followed by more properties), and written back in
one canonical spelling. They are expanded on the wall clock of the event's
zone (RFC 5545 3.3.10), so a weekly 09:00 meeting stays at 09:00 across a
daylight-saving change.

Work is bounded: dateutil looks for the next occurrence until the year 9999,
which for a rule that rarely or never matches took seconds (a DAILY rule
that never matches: 8 s). Every expansion here is shifted by whole 400-year
Gregorian cycles (which keep every date, weekday and leap year in place) so
that the last moment asked about lies within 400 years of 9999, and daily
rules are searched a year at a time. Rules repeating more often than daily
must end within MAX_INSTANCES of their periods and instances.
"""

from __future__ import annotations

import difflib
import heapq
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from dateutil.rrule import DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY, rrule, weekday

from keydates.model import last_day
from keydates.vtimezone import transitions

SHORT_FORMS = {
    "yearly": "FREQ=YEARLY",
    "quarterly": "FREQ=MONTHLY;INTERVAL=3",
    "monthly": "FREQ=MONTHLY",
    "weekly": "FREQ=WEEKLY",
    "daily": "FREQ=DAILY",
}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQS = {"SECONDLY": SECONDLY, "MINUTELY": MINUTELY, "HOURLY": HOURLY, "DAILY": DAILY, "WEEKLY": WEEKLY, "MONTHLY": MONTHLY, "YEARLY": YEARLY}
SUB_DAILY = ("SECONDLY", "MINUTELY", "HOURLY")
# The length of one period of each frequency, for bounds.
PERIODS = {
    "SECONDLY": relativedelta(seconds=1), "MINUTELY": relativedelta(minutes=1), "HOURLY": relativedelta(hours=1),
    "DAILY": relativedelta(days=1), "WEEKLY": relativedelta(weeks=1), "MONTHLY": relativedelta(months=1),
    "YEARLY": relativedelta(years=1),
}  # fmt: skip
MAX_COUNT = 10_000  # COUNT and INTERVAL
MAX_INSTANCES = 10_000  # periods and instances of a rule repeating more often than daily
FIRST_YEAR, LAST_YEAR = 1583, 2999  # as validate's dates
# A rule part: (lowest, highest, signed) for numbered lists, per RFC 5545 3.3.10.
NUMBERED = {
    "BYSECOND": (0, 59, False), "BYMINUTE": (0, 59, False), "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True), "BYYEARDAY": (1, 366, True), "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False), "BYSETPOS": (1, 366, True),
}  # fmt: skip
NOUNS = {
    "BYSECOND": "seconds", "BYMINUTE": "minutes", "BYHOUR": "hours", "BYMONTHDAY": "days of the month",
    "BYYEARDAY": "days of the year", "BYWEEKNO": "week numbers", "BYMONTH": "months", "BYSETPOS": "positions",
}  # fmt: skip
PARTS = ("FREQ", "UNTIL", "COUNT", "INTERVAL", *NUMBERED, "BYDAY", "WKST")
# Where RFC 5545 3.3.10 forbids a part, by FREQ.
NOT_WITH = {
    "BYWEEKNO": ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY"),
    "BYYEARDAY": ("DAILY", "WEEKLY", "MONTHLY"),
    "BYMONTHDAY": ("WEEKLY",),
}
_ALLOWED_RE = re.compile(r"[A-Za-z0-9=;,+\- ]*")
_WEEKDAY_RE = re.compile(r"([+-]?)(\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)")
_UNTIL_RE = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?|(\d{4})-(\d{2})-(\d{2})")
_NUMBER_RE = re.compile(r"([+-]?)(\d+)")
UTC = timezone.utc


class _Rule:
    """A rule read by parse_rule: its parts in order, values in their canonical form."""

    def __init__(self, parts: dict):
        self.parts = parts

    @property
    def freq(self) -> str:
        return self.parts["FREQ"]

    def text(self) -> str:
        """The canonical RRULE value: FREQ first (RFC 5545 3.3.10), upper case, no needless signs or zeros."""
        items = [("FREQ", self.freq)] + [(k, v) for k, v in self.parts.items() if k != "FREQ"]
        return ";".join(f"{key}={_value_text(key, value)}" for key, value in items)


def _value_text(key: str, value) -> str:
    if key == "BYDAY":
        return ",".join(f"{n if n else ''}{day}" for n, day in value)
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return str(value)


def parse_rule(text: str) -> _Rule:
    """Read an RRULE value strictly by RFC 5545 3.3.10; raise ValueError naming the part at fault.

    Harmless spellings are accepted and normalised: lower case, spaces
    around separators, an RRULE: prefix, leading zeros and plus signs.
    """
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:"):]
    if "=" not in body:
        raise ValueError(f"cannot read {text.strip()!r} as a rule: write a short form (yearly, quarterly, monthly, weekly, daily) or an RFC 5545 RRULE such as 'FREQ=MONTHLY;INTERVAL=3;COUNT=8'")
    bad = next((c for c in body if not _ALLOWED_RE.fullmatch(c)), None)
    if bad is not None:
        raise ValueError(f"the character {_char_name(bad)} cannot be in a rule: write parts like FREQ=WEEKLY;BYDAY=MO, separated by ';'")
    parts: dict = {}
    for item in body.split(";"):
        if not item.strip():
            continue
        key, sep, value = item.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value:
            raise ValueError(f"cannot read {item.strip()!r} in {text.strip()!r}: each part is NAME=VALUE, as in 'FREQ=MONTHLY;INTERVAL=3;COUNT=8'")
        if key == "DTSTART":
            raise ValueError("the rule starts at the event's start; leave DTSTART out")
        if key == "BYEASTER":
            raise ValueError("BYEASTER is python-dateutil's own extension, not part of RFC 5545; calendar apps reject it")
        if key not in PARTS:
            hint = difflib.get_close_matches(key, PARTS, n=1)
            raise ValueError(f"{key} is not a rule part{f' (did you mean {hint[0]}?)' if hint else ''}: RFC 5545 knows {', '.join(PARTS)}")
        if key in parts:
            raise ValueError(f"{key} appears twice in the rule")
        parts[key] = _part_value(key, value)
    if "FREQ" not in parts:
        raise ValueError(f"{text.strip()!r} has no FREQ (e.g. FREQ=WEEKLY)")
    if "UNTIL" in parts and "COUNT" in parts:
        raise ValueError("a rule takes UNTIL or COUNT, not both (RFC 5545 3.3.10)")
    _check_freq(parts)
    return _Rule(parts)


def _char_name(char: str) -> str:
    names = {"\n": "a line break", "\r": "a carriage return", "\t": "a tab"}
    return f"U+{ord(char):04X} ({names.get(char, repr(char))})"


def _part_value(key: str, value: str):
    items = [item.strip() for item in value.split(",")]
    if key == "FREQ":
        if value not in FREQS:
            raise ValueError(f"FREQ={value}: FREQ takes {', '.join(FREQS)}")
        return value
    if key == "WKST":
        if value not in DAY_CODES:
            raise ValueError(f"WKST={value}: WKST takes a weekday, {', '.join(DAY_CODES)}")
        return value
    if key == "UNTIL":
        if not _UNTIL_RE.fullmatch(value):
            raise ValueError(f"UNTIL={value}: UNTIL takes a date like 20261231 or a time like 20261231T235959Z")
        return value
    if key in ("COUNT", "INTERVAL"):
        if not value.isdigit() or not 1 <= int(value) <= MAX_COUNT:
            raise ValueError(f"{key}={value}: {key} takes a whole number from 1 to {MAX_COUNT:,}")
        return int(value)
    if key == "BYDAY":
        days = []
        for item in items:
            match = _WEEKDAY_RE.fullmatch(item)
            if not match or (match[2] is not None and not 1 <= int(match[2]) <= 53) or (match[1] and match[2] is None):
                raise ValueError(f"BYDAY={value}: BYDAY takes weekdays ({', '.join(DAY_CODES)}), each optionally after a position from 1 to 53 or -53 to -1, like 1MO or -1FR")
            n = int(match[2]) * (-1 if match[1] == "-" else 1) if match[2] else 0
            days.append((n, match[3]))
        return tuple(dict.fromkeys(days))
    low, high, signed = NUMBERED[key]
    numbers = []
    for item in items:
        match = _NUMBER_RE.fullmatch(item)
        number = int(match[2]) * (-1 if match[1] == "-" else 1) if match else None
        if number is None or (match[1] and not signed) or not low <= abs(number) <= high or (signed and number == 0):
            span = f"{low} to {high} or -{high} to -{low}" if signed else f"{low} to {high}"
            extra = " (60, a leap second, is not supported)" if key == "BYSECOND" and item == "60" else ""
            raise ValueError(f"{key}={value}: {key} takes {NOUNS[key]} from {span}{extra}")
        numbers.append(number)
    return tuple(dict.fromkeys(numbers))


def _check_freq(parts: dict) -> None:
    """The restrictions RFC 5545 3.3.10 puts on parts by FREQ."""
    freq = parts["FREQ"]
    for key, freqs in NOT_WITH.items():
        if key in parts and freq in freqs:
            allowed = [f for f in FREQS if f not in freqs]
            raise ValueError(f"{key} cannot be used with FREQ={freq}, only with FREQ={_either(allowed)} (RFC 5545 3.3.10)")
    ordinals = [f"{n}{day}" for n, day in parts.get("BYDAY", ()) if n]
    if ordinals:
        if freq not in ("MONTHLY", "YEARLY"):
            raise ValueError(f"BYDAY={ordinals[0]}: a numbered weekday goes only with FREQ=MONTHLY or FREQ=YEARLY (RFC 5545 3.3.10); with FREQ={freq} write BYDAY={ordinals[0].lstrip('-+0123456789')}")
        if "BYWEEKNO" in parts:
            raise ValueError(f"BYDAY={ordinals[0]}: a numbered weekday cannot go with BYWEEKNO (RFC 5545 3.3.10)")
        if freq == "MONTHLY" or "BYMONTH" in parts:
            wrong = [n for n, _ in parts["BYDAY"] if abs(n) > 5]
            if wrong:
                raise ValueError(f"BYDAY={ordinals[0]}: within a month a weekday's position runs from 1 to 5 or -5 to -1")
    if "BYSETPOS" in parts and not any(key.startswith("BY") and key != "BYSETPOS" for key in parts):
        raise ValueError("BYSETPOS only picks among the dates of another BY part (RFC 5545 3.3.10), e.g. FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")
    many = [key for key in ("BYHOUR", "BYMINUTE", "BYSECOND") if len(parts.get(key, ())) > 1]
    if freq == "YEARLY" and many:
        # Valid, but ical.js takes only the first time of a yearly rule.
        raise ValueError(
            f"{many[0]} with several values in a yearly rule is read as its first value only by Thunderbird (ical.js);"
            " give one time per event, or repeat monthly with BYMONTH (e.g. FREQ=MONTHLY;BYMONTH=12;BYMONTHDAY=31;BYHOUR=9,21)"
        )
    if "BYWEEKNO" in parts:
        # Valid, but Thunderbird's ical.js expands FREQ=YEARLY;BYWEEKNO=2;BYDAY=MO
        # as every Monday from week 2 on, and other readers disagree on the first.
        raise ValueError("BYWEEKNO is read differently by calendar apps (Thunderbird repeats it every week); say the same days with BYMONTH with BYMONTHDAY or BYDAY, e.g. FREQ=YEARLY;BYMONTH=1;BYDAY=2MO")


def _either(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def make_rule(repeat: str, start: date | datetime, tz: str | None, until=None, count=None) -> str:
    """Return the RRULE value to publish; raise ValueError saying what is wrong.

    `repeat` is a short form (yearly, quarterly, monthly, weekly, daily) or an
    RRULE; `until` (a date or datetime) and `count` go with short forms only.
    """
    short = SHORT_FORMS.get(repeat.strip().lower())
    if short is None and (until is not None or count is not None):
        raise ValueError("put UNTIL or COUNT inside the rule, or use a short form (yearly, quarterly, monthly, weekly, daily) with until/count")
    rule = parse_rule(short or repeat)
    parts = rule.parts
    if until is not None:
        parts["UNTIL"] = until
    if count is not None:
        if not 1 <= count <= MAX_COUNT:
            raise ValueError(f"count {count} is out of range: COUNT takes a whole number from 1 to {MAX_COUNT:,}")
        parts["COUNT"] = count
    all_day = not isinstance(start, datetime)
    if all_day and rule.freq in SUB_DAILY:
        raise ValueError(f"an all-day event repeats daily or less often, not FREQ={rule.freq}; give start a time of day")
    for key in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if all_day and key in parts:
            raise ValueError(f"{key} cannot be used on an all-day event (RFC 5545 3.3.10); give start a time of day")
    if not all_day and tz is None and start.utcoffset():
        _check_offset_rule(rule, start)
    if "UNTIL" in parts:
        parts["UNTIL"] = _until_value(parts["UNTIL"], start, tz)
    if rule.freq == "YEARLY" and (start.month, start.day) == (2, 29) and not any(
        key in parts for key in ("BYMONTH", "BYMONTHDAY", "BYYEARDAY", "BYDAY")
    ):
        # Same rule, spelled out: ical.js moves the implicit 29 February to
        # 1 March in other years; with the parts written it skips them, as
        # RFC 5545 3.3.10 and every other reader do.
        parts.update(BYMONTH=(2,), BYMONTHDAY=(29,))
    text = rule.text()
    first = _first(text, start, tz)
    if first is None:
        raise ValueError(f"the rule {text} produces no occurrence from {show_moment(start, tz)}")
    if first != _naive(start, tz):
        shown = first if not all_day else first.date()
        raise ValueError(
            f"start {show_moment(start, tz)} ({WEEKDAYS[_naive(start, tz).weekday()]}) is not an occurrence of {text};"
            f" the first one would be {_show_naive(shown, start, tz)}: start on a day the rule produces"
        )
    if rule.freq in SUB_DAILY:
        _check_sub_daily(text, start, tz)
    return text


def rule_notes(rule: str, start: date | datetime) -> list[str]:
    """Warnings about a valid rule that may not mean what its writer thinks."""
    parts = parse_rule(rule).parts
    days = parts.get("BYMONTHDAY", () if any(k in parts for k in ("BYDAY", "BYYEARDAY")) else (start.day,))
    notes = []
    if parts["FREQ"] == "YEARLY" and parts.get("BYMONTH") == (2,) and 29 in days:
        notes.append("29 February comes only in leap years, so this repeats every four years; for the last day of February every year write FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=-1")
    elif parts["FREQ"] == "MONTHLY" and "BYMONTHDAY" in parts and any(day > 28 for day in days) and "BYSETPOS" not in parts:
        # (a rule from the start's own day is checked by validate._skipped_months)
        worst = max(day for day in days if day > 28)
        notes.append(f"months without a {worst}{'st' if worst == 31 else 'th'} day are skipped (RFC 5545 3.3.10); for the last day of every month write FREQ=MONTHLY;BYMONTHDAY=-1")
    return notes


def _check_offset_rule(rule: _Rule, start: datetime) -> None:
    """A start with a UTC offset is written in UTC, where the rule then runs:
    only rules that mean the same there are allowed."""
    local, utc = start.date(), start.astimezone(UTC).date()
    by = [key for key in rule.parts if key.startswith("BY")]
    if by or (rule.freq in ("MONTHLY", "YEARLY") and local != utc):
        what = f"{by[0]}" if by else f"FREQ={rule.freq} from {start:%d %B} local time ({utc:%d %B} in UTC)"
        raise ValueError(
            f"a start with a UTC offset is written in UTC, where calendar apps would apply {what} by the UTC date;"
            " give the start a local time and timezone = \"...\" (an IANA zone) instead of the offset"
        )


def _check_sub_daily(rule: str, start: datetime, tz: str | None) -> None:
    """HOURLY, MINUTELY and SECONDLY rules must end within MAX_INSTANCES periods and instances."""
    parts = parse_rule(rule).parts
    if "UNTIL" not in parts and "COUNT" not in parts:
        raise ValueError(f"a rule repeating more often than daily must end: give COUNT or UNTIL (at most {MAX_INSTANCES:,} instances within {MAX_INSTANCES:,} periods)")
    begin = _naive(start, tz)
    last = datetime(LAST_YEAR, 12, 31, 23, 59, 59)
    try:
        horizon = min(begin + PERIODS[parts["FREQ"]] * (parts.get("INTERVAL", 1) * MAX_INSTANCES), last)
    except (OverflowError, ValueError):  # past datetime's year 9999
        horizon = last
    limit = f"within {MAX_INSTANCES:,} of its periods (FREQ={parts['FREQ']};INTERVAL={parts.get('INTERVAL', 1)}: until {_show_naive(horizon, start, tz)})"
    if "UNTIL" in parts and _until_wall(parts["UNTIL"], tz, start) > horizon:
        raise ValueError(f"a rule repeating more often than daily must end {limit}; give an earlier UNTIL")
    found = 0
    for _ in _instances(rule, begin, horizon):
        found += 1
        if found > MAX_INSTANCES:
            raise ValueError(f"this rule gives more than {MAX_INSTANCES:,} instances; give a smaller COUNT or an earlier UNTIL")
    if "COUNT" in parts and found < parts["COUNT"]:
        raise ValueError(f"a rule repeating more often than daily must end {limit}; its COUNT={parts['COUNT']} instances do not fit in that")


def _until_value(until, start: date | datetime, tz: str | None) -> str:
    """UNTIL as RFC 5545 wants it: a DATE for all-day events, else UTC."""
    if isinstance(until, str):
        until = _parse_until_text(until)
    if not FIRST_YEAR <= until.year <= LAST_YEAR:
        raise ValueError(f"UNTIL {until:%Y-%m-%d} is out of range: keydates takes years {FIRST_YEAR} to {LAST_YEAR}")
    if not isinstance(start, datetime):
        if isinstance(until, datetime):
            until = until.date()
        return f"{until:%Y%m%d}"
    zone = ZoneInfo(tz) if tz else start.tzinfo
    if not isinstance(until, datetime):  # a day: up to its end
        until = datetime.combine(until, time(23, 59, 59))
    if until.tzinfo is None:
        until = until.replace(tzinfo=zone)
    return f"{until.astimezone(UTC):%Y%m%dT%H%M%SZ}"


def _parse_until_text(text: str) -> date | datetime:
    match = _UNTIL_RE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        if match[4]:
            return date(int(match[4]), int(match[5]), int(match[6]))
        day = datetime.strptime(match[1], "%Y%m%d")
        if not match[2]:
            return day.date()
        value = datetime.strptime(match[1] + match[2], "%Y%m%d%H%M%S")
        return value.replace(tzinfo=UTC) if match[3] else value
    except ValueError:
        raise ValueError(f"cannot read UNTIL {text!r}: write it like 20261231 or 2026-12-31") from None


def _until_wall(text: str, tz: str | None, start: date | datetime) -> datetime:
    """UNTIL on the wall clock the rule runs on."""
    until = _parse_until_text(text)
    if isinstance(until, datetime):
        return _naive(until, tz, start)
    return datetime.combine(until, time())


# --- expansion, bounded -------------------------------------------------------


@lru_cache(maxsize=4096)
def _dateutil_rule(rule: str, begin: datetime, until: datetime | None, scan: bool) -> rrule:
    """dateutil's rrule for our canonical text, on naive wall-clock times.

    With `scan`, a DAILY rule with INTERVAL=1 and no BYSETPOS is given as
    the YEARLY rule of the same days: the same instances, but a rule that
    rarely matches is searched a year at a time, not a day at a time.
    """
    parts = parse_rule(rule).parts
    freq = parts["FREQ"]
    days = [weekday(DAY_CODES.index(code), n or None) for n, code in parts.get("BYDAY", ())]
    if scan and freq == "DAILY" and parts.get("INTERVAL", 1) == 1 and "BYSETPOS" not in parts:
        if any(k in parts for k in ("BYMONTH", "BYMONTHDAY", "BYDAY")):
            freq = "YEARLY"
            if not any(k in parts for k in ("BYMONTHDAY", "BYDAY")):
                days = [weekday(n) for n in range(7)]  # every day of the months
    return rrule(
        FREQS[freq], dtstart=begin, interval=parts.get("INTERVAL", 1), wkst=DAY_CODES.index(parts.get("WKST", "MO")),
        count=parts.get("COUNT"), until=until, bysetpos=parts.get("BYSETPOS"), bymonth=parts.get("BYMONTH"),
        bymonthday=parts.get("BYMONTHDAY"), byyearday=parts.get("BYYEARDAY"), byweekday=days or None,
        byhour=parts.get("BYHOUR"), byminute=parts.get("BYMINUTE"), bysecond=parts.get("BYSECOND"),
        cache=False,
    )  # fmt: skip


def _instances(rule: str, begin: datetime, horizon: datetime, tz: str | None = None, start=None) -> Iterator[datetime]:
    """The rule's naive wall-clock instances from `begin` up to `horizon`, in order.

    Shifted by whole 400-year cycles so that `horizon` lies within 400
    years of dateutil's year 9999: its search past the last instance, which
    it cannot be told to stop, ends there.
    """
    if begin > horizon:
        return
    parts = parse_rule(rule).parts
    until = _until_wall(parts["UNTIL"], tz, start if start is not None else begin) if "UNTIL" in parts else None
    if until is not None:
        until = min(until, horizon)  # nothing past the horizon is asked for
    cycles = (9999 - horizon.year - 1) // 400
    shift = 400 * max(cycles, 0)
    moved = _dateutil_rule(rule, _years(begin, shift), _years(until, shift) if until else None, True)
    for moment in moved:
        found = _years(moment, -shift)
        if found > horizon:
            return
        yield found


def _years(moment: datetime, years: int) -> datetime:
    return moment.replace(year=moment.year + years)  # 400-year steps keep 29 February


def _first(rule: str, start: date | datetime, tz: str | None) -> datetime | None:
    begin = _naive(start, tz)
    return next(_instances(rule, begin, datetime(LAST_YEAR, 12, 31, 23, 59, 59), tz, start), None)


def _naive(moment: date | datetime, tz: str | None, start: date | datetime | None = None) -> datetime:
    """The wall-clock time the rule runs on: local in the zone, or in the start's own offset."""
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time())
    zone = ZoneInfo(tz) if tz else (start if isinstance(start, datetime) else moment).tzinfo or UTC
    return moment.astimezone(zone).replace(tzinfo=None)


def _zone(event):
    return ZoneInfo(event.timezone) if event.timezone else event.start.tzinfo


def occurrences(event, horizon: date | None = None) -> Iterator[tuple[date | datetime, date | datetime]]:
    """Yield (start, end) of every occurrence up to `horizon`, in order of
    their original starts: the rule's and the additions (RDATE), EXDATEs
    left out, each override's own span in place of the occurrence it changes.

    Each occurrence lasts as long as the first, measured exactly (RFC 5545
    3.8.5.3), so a one-hour meeting stays one hour across a clock change.
    """
    if not event.repeat and not event.additions:
        yield event.start, event.end
        return
    timed = isinstance(event.start, datetime)
    last = datetime.combine(horizon or date(LAST_YEAR, 12, 31), time(23, 59, 59))
    zone = _zone(event) if timed else None
    length = _utc(event.end) - _utc(event.start) if timed else event.end - event.start
    skip = {_utc(x) if timed else x for x in event.exceptions}
    changed = {(_utc(o.occurrence) if timed else o.occurrence): o for o in event.overrides}
    begin = _naive(event.start, event.timezone)
    rule = _instances(event.repeat, begin, last, event.timezone, event.start) if event.repeat else iter([begin])
    extra = sorted(moment for moment in (_naive(x, event.timezone, event.start) for x in event.additions) if moment <= last)
    previous = None
    for local in heapq.merge(rule, extra):
        if local == previous:  # an RDATE the rule gives too: one occurrence (RFC 5545 3.8.5.2)
            continue
        previous = local
        start = local.replace(tzinfo=zone) if timed else local.date()
        key = _utc(start) if timed else start
        if timed and key.astimezone(zone).replace(tzinfo=None) != local:  # skipped by the clocks: shown past the gap
            start = key.astimezone(zone)
        if key in skip:
            continue
        if key in changed:
            yield changed[key].start, changed[key].end
        elif timed:
            yield start, (_utc(start) + length).astimezone(zone)
        else:
            yield start, start + length


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def is_occurrence(rule: str, start: date | datetime, tz: str | None, moment: date | datetime) -> bool:
    """Whether `moment` (same kind as start) is one of the rule's starts."""
    return not not_occurrences(rule, start, tz, [moment])


def not_occurrences(rule: str, start: date | datetime, tz: str | None, moments) -> list:
    """Those of `moments` (same kind as start) that are not starts of the rule.

    One walk of the rule up to the latest of them, however many there are
    (a walk per moment made 10,000 EXDATEs take minutes).
    """
    targets = {_naive(moment, tz, start): moment for moment in moments}
    remaining = set(targets)
    if remaining:
        for found in _instances(rule, _naive(start, tz), max(remaining), tz, start):
            remaining.discard(found)
            if not remaining:
                break
    return [moment for target, moment in targets.items() if target in remaining]


def span_end(event) -> date | datetime | None:
    """The latest an occurrence can end, worked out from UNTIL or COUNT without
    expanding the rule; None for a rule without end, or one whose COUNT gives no
    cheap bound (its periods may be skipped). For sizing VTIMEZONEs."""
    if not event.repeat:
        return event.end
    parts = parse_rule(event.repeat).parts
    length = event.end - event.start if not isinstance(event.start, datetime) else _utc(event.end) - _utc(event.start)
    zone = _zone(event) if isinstance(event.start, datetime) else None
    if "UNTIL" in parts:
        last = _until_wall(parts["UNTIL"], event.timezone, event.start)
    elif "COUNT" in parts and (parts["FREQ"] in SUB_DAILY or _dense(parts, event.start)):
        steps = parts["COUNT"] * parts.get("INTERVAL", 1) if parts["FREQ"] not in SUB_DAILY else MAX_INSTANCES * parts.get("INTERVAL", 1)
        try:
            last = _naive(event.start, event.timezone) + PERIODS[parts["FREQ"]] * steps
        except (OverflowError, ValueError):
            return None
    else:
        return None
    if last.year > LAST_YEAR:
        return None
    if zone is None:
        return last.date() + length
    return (_utc(last.replace(tzinfo=zone)) + length + timedelta(days=1)).astimezone(zone)


def may_touch(event, first: date | None, last: date | None) -> bool:
    """Whether an occurrence of the event may touch a day from `first` to `last`
    (inclusive, on the occurrence's own wall clock; None: no bound).

    For [calendar] window. Bounded: the rule is never walked, only its first
    start and the latest end worked out from UNTIL or COUNT (span_end), so a
    yearly event is kept in a window between two of its dates, and a rule
    without such a bound is taken to go on for ever.
    """
    spans = [(event.start, event.end), *((o.start, o.end) for o in event.overrides)]
    spans += [(addition, addition + (event.end - event.start)) for addition in event.additions]
    earliest = min(start.date() if isinstance(start, datetime) else start for start, _ in spans)
    if last is not None and earliest > last:
        return False
    if first is None:
        return True
    latest = max(last_day(start, end) for start, end in spans)
    if event.repeat:
        end = span_end(event)
        if end is None:
            return True
        latest = max(latest, last_day(event.start, end))
    return latest >= first


def _dense(parts: dict, start: date | datetime) -> bool:
    """Whether every period of the rule surely holds an instance, so that
    COUNT periods bound it (no BYSETPOS, no day that some periods lack)."""
    freq = parts["FREQ"]
    if "BYSETPOS" in parts or "BYYEARDAY" in parts or (freq in ("DAILY", "WEEKLY") and "BYMONTH" in parts):
        return False
    if freq == "MONTHLY" and "BYMONTH" in parts:
        return False
    if freq == "DAILY" and any(k in parts for k in ("BYMONTHDAY", "BYDAY")):
        return False
    days = parts.get("BYMONTHDAY", ())
    ordinals = [n for n, _ in parts.get("BYDAY", ())]
    if any(abs(day) > 28 for day in days) or any(abs(n) > 4 for n in ordinals):
        return False
    if freq == "MONTHLY" and not days and not ordinals and "BYDAY" not in parts and start.day > 28:
        return False
    return not (freq == "YEARLY" and (start.month, start.day) == (2, 29))


# --- instances that calendar apps read differently ----------------------------


MAX_MOVED = 400  # occurrences of one event written apart from its rule
ONLY_START = "FREQ=DAILY;COUNT=1"  # a rule giving DTSTART alone


class Written(NamedTuple):
    """An event as written to the .ics (see written_form); instants are aware, in the event's zone."""

    start: date | datetime  # DTSTART
    end: date | datetime  # DTEND
    rule: str | None  # RRULE (ONLY_START beside RDATEs when the event has no rule)
    exceptions: tuple  # EXDATEs
    rdates: tuple  # RDATEs, one per line
    utc: frozenset  # UTC instants of the DTSTART, RDATEs and EXDATEs written in UTC
    moved: dict  # later occurrences written as changed ones: UTC instant -> the rule's own wall time


def written_form(event) -> Written:
    """DTSTART, RRULE, EXDATEs, RDATEs and changed occurrences that every reader resolves as zoneinfo does.

    An occurrence is fragile when its start or end is a wall time that
    happens twice (clocks going back) or not at all (going forward), or a
    clock change falls inside it: ical.js and libical take the second of two
    01:30s and add lengths on the wall clock, where RFC 5545 3.3.5 means the
    first and 3.8.5.3 an exact length. Such occurrences are said in instants:
    DTSTART moves to the first occurrence that is not fragile (COUNT lessened
    by those before it, which become RDATEs in UTC), later fragile ones become
    changed occurrences whose RECURRENCE-ID is the rule's own wall time (each
    reader matches it to its own instance) and whose times are exact, and
    `also` dates are written in UTC. An EXDATE with an RDATE in UTC
    would not do: in RFC readers the EXDATE takes the RDATE out too (RFC 5545
    3.8.5.1). Raise ValueError when no such form exists or it is too long.
    """
    # ical.js and the `ical` package leave DTSTART out of a set of RDATEs
    # without a rule (RFC 5545 3.8.5.2 puts it in): give them one that gives it alone.
    plain = Written(event.start, event.end, event.repeat or (ONLY_START if event.additions else None), event.exceptions, event.additions, frozenset(), {})
    if not isinstance(event.start, datetime) or not event.timezone or not (event.repeat or event.additions):
        return plain
    zone = ZoneInfo(event.timezone)
    length = _utc(event.end) - _utc(event.start)
    # libical's own expansion reads an RDATE's time as UTC, whatever its TZID:
    # `also` dates are instants, written in UTC. Not those changed by an
    # override, though: the `ical` package matches a RECURRENCE-ID to an
    # RDATE by their text, so both keep the TZID (and every reader but
    # libical's expansion matches them; see docs/clients.md).
    changed = {_utc(o.occurrence) for o in event.overrides}
    utc = {_utc(day) for day in event.additions} - changed
    if not event.repeat:
        if _fragile_at(zone, event.start, length):
            utc.add(_utc(event.start))
        return plain._replace(utc=frozenset(utc)) if utc else plain
    changes = transitions(event.timezone, event.start, span_end(event))
    fragile, checked = _fragile_walk(event, zone, length, changes)
    if not fragile:
        return plain._replace(utc=frozenset(utc)) if utc else plain
    skip = {_utc(day) for day in event.exceptions}
    begin = _naive(event.start, event.timezone)
    start, rule, exceptions, before = event.start, event.repeat, event.exceptions, []
    if begin in fragile:
        first = None
        for local in _instances(event.repeat, begin, datetime(LAST_YEAR, 12, 31, 23, 59, 59), event.timezone, event.start):
            if local not in fragile:  # within MAX_MOVED + 1 instances
                first = local
                break
            before.append(_instant(local, zone))
        if first is not None and first > checked and span_end(event) is None:  # past the changes looked at
            raise ValueError(_unwritable(
                event, fragile, f"every occurrence through {checked.year} is like", "so none can carry the rule; move the event out of the hour the clocks change, or give the rule an end (until or count)"
            ))
        if first is None:  # every occurrence fragile: no rule is left
            start, rule = before.pop(0), ONLY_START
            exceptions = tuple(day for day in event.exceptions if _utc(day) == _utc(start))
            utc.add(_utc(start))
        else:
            start = first.replace(tzinfo=zone)
            parts = parse_rule(event.repeat).parts
            if "COUNT" in parts:
                parts["COUNT"] -= len(before)
            rule = _Rule(parts).text()
            exceptions = tuple(day for day in event.exceptions if _utc(day) >= _utc(start))
        before = [moment for moment in before if _utc(moment) not in skip]
        utc.update(_utc(moment) for moment in before)
    moved = {}
    for local in fragile:
        wall = local.replace(tzinfo=zone)
        if rule != ONLY_START and local > _naive(start, event.timezone) and _utc(wall) not in skip:
            moved[_utc(wall)] = wall
    end = event.end if start == event.start else (_utc(start) + length).astimezone(zone)
    return Written(start, end, rule, exceptions, (*before, *event.additions), frozenset(utc), moved)


def _instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The instant a wall time of the rule is (the first of two, or moved past a gap; RFC 5545 3.3.5), on the clock that shows it."""
    return _utc(local.replace(tzinfo=zone)).astimezone(zone)


def _fragile_at(zone: ZoneInfo, start: datetime, length: timedelta) -> str:
    start_utc = _utc(start).replace(tzinfo=None)
    return _why_fragile(zone, start.astimezone(zone).replace(tzinfo=None), start_utc, start_utc + length)


def _fragile_walk(event, zone: ZoneInfo, length: timedelta, changes) -> tuple[dict[datetime, str], datetime]:
    """The rule's fragile occurrences (wall time -> why), excepted ones too, and the wall time they are checked up to.

    Only occurrences within two days of a clock change are looked at, up to
    the last change in `changes` (the zone's, as from vtimezone.transitions).
    """
    begin = _naive(event.start, event.timezone)
    if not changes or not _may_meet(event.repeat, begin, length, changes):
        return {}, begin
    horizon = min(changes[-1][0] + timedelta(days=2), datetime(LAST_YEAR, 12, 31, 23, 59, 59))
    checked = horizon.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    found: dict[datetime, str] = {}
    index = 0
    for local in _instances(event.repeat, begin, horizon, event.timezone, event.start):
        start_utc = _utc(local.replace(tzinfo=zone)).replace(tzinfo=None)
        while index < len(changes) and changes[index][0] + timedelta(days=2) < start_utc:
            index += 1
        if index == len(changes):
            break
        end_utc = start_utc + length
        if changes[index][0] - timedelta(days=2) > end_utc:
            continue
        why = _why_fragile(zone, local, start_utc, end_utc)
        if why:
            found[local] = why
            if len(found) > MAX_MOVED:
                raise ValueError(_unwritable(
                    event, found, f"more than {MAX_MOVED:,} occurrences are like", "and each is written apart from the rule; move the event out of the hour the clocks change, or give the rule an earlier end"
                ))
    return found, checked


def _unwritable(event, fragile: dict, what: str, advice: str) -> str:
    local, why = next(iter(fragile.items()))
    return f"{what} the one on {local.date().isoformat()}, which {why} ({event.timezone}): calendar apps read such times differently, {advice}"


def _why_fragile(zone: ZoneInfo, local: datetime, start_utc: datetime, end_utc: datetime) -> str:
    end_local = end_utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
    for wall, what in ((local, "starts"), (end_local, "ends")):
        first, second = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
        if first.utcoffset() != second.utcoffset():
            round_trip = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
            kind = "is skipped when clocks go forward" if round_trip != wall else "happens twice when clocks go back"
            return f"{what} at {wall:%H:%M}, a time that {kind}"
    if start_utc.replace(tzinfo=UTC).astimezone(zone).utcoffset() != end_utc.replace(tzinfo=UTC).astimezone(zone).utcoffset():
        return "spans a clock change"
    return ""


def _may_meet(rule: str, begin: datetime, length: timedelta, transitions) -> bool:
    """Whether an occurrence's times of day can come near a clock change (a quick test
    that spares expanding rules whose times never do, like a 09:30 meeting)."""
    parts = parse_rule(rule).parts
    if parts["FREQ"] in SUB_DAILY or length >= timedelta(hours=20):
        return True
    hours = parts.get("BYHOUR", (begin.hour,))
    minutes = parts.get("BYMINUTE", (begin.minute,))
    margin = timedelta(hours=3)  # the largest change is 2 hours (Antarctica/Troll)
    starts = [timedelta(hours=h, minutes=m) for h in hours for m in minutes]
    day = timedelta(days=1)
    for at, before, after in transitions:
        for offset in (before, after):
            wall = at + offset
            clock = timedelta(hours=wall.hour, minutes=wall.minute, seconds=wall.second)
            for start in starts:
                gap = (clock - start) % day  # how long after the start the change comes, on the clock
                if gap <= length + margin or gap >= day - margin:
                    return True
    return False


# --- messages -----------------------------------------------------------------


def zone_label(moment: datetime, tz: str | None) -> str:
    """The zone a time is shown in: the IANA name, or its UTC offset ('UTC-05:00')."""
    if tz:
        return tz
    offset = moment.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02}:{minutes % 60:02}"


def show_moment(value: date | datetime, tz: str | None) -> str:
    """A date, or a time with the zone it is in ('2026-03-02T22:00 UTC-05:00')."""
    if isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(tz)) if tz else value
        return f"{local.replace(tzinfo=None).isoformat(timespec='minutes')} {zone_label(value, tz)}"
    return value.isoformat()


def _show_naive(value: date | datetime, start: date | datetime, tz: str | None) -> str:
    """A wall-clock value of the rule, with the zone it is on."""
    if isinstance(value, datetime):
        return f"{value.isoformat(timespec='minutes')} {zone_label(start, tz)}"
    return value.isoformat()


def instance_problem(event) -> str | None:
    """Why a repeating timed event cannot be written so that every reader agrees (see written_form), or None.

    Its occurrences are checked up to its end, or through the years tzdata
    knows (vtimezone.OPEN_THROUGH) for a rule without end.
    """
    try:
        written_form(event)
    except ValueError as e:
        return str(e)
    return None
