"""VTIMEZONE components for IANA zones, trimmed to the years a calendar uses.

zoneinfo is the truth, but it lists no transitions, so we find them by
sampling the zone's state (offset, dst, name) and bisecting each change to
the second. Regular yearly changes become RRULE observances, which Outlook
reads best; the rest become RDATEs, one per line, because Thunderbird's
ical.js reads only the first date of a list (see docs/clients.md).
"""

from __future__ import annotations

import calendar
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

__all__ = ["OPEN_THROUGH", "transitions", "vtimezone_lines"]

# Sampling step when looking for changes inside the calendar's years.
# tzdata has no two changes less than four days apart (the closest:
# Africa/Freetown, 1939); a change and its reversal within one step would
# go unseen.
_STEP = timedelta(days=3)
# Looking back for the change that started the observance in force at the
# start: coarse steps may skip a short excursion, but that lies before the
# calendar, and the change found still leads into the right state.
_BACK_STEP = timedelta(days=30)
# Before the earliest change in tzdata (Europe/Amsterdam, 1835).
_FLOOR = datetime(1800, 1, 1)
# DTSTART when the zone never changed before the calendar: Windows' epoch,
# early enough for any date people put in calendars.
_BEFORE_ALL = datetime(1601, 1, 1)
_NO_DST = timedelta(0)

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# For rules without end. tzdata's changes that follow no yearly rule end
# in 2087 (Morocco's predicted Ramadan pauses); after them every zone keeps
# a fixed offset or its final yearly rule. A VTIMEZONE written through
# OPEN_THROUGH, its yearly RRULEs left open, so holds for every instance
# tzdata knows about, and for later ones as far as its final rule goes.
OPEN_THROUGH = 2100
# Years looked at past the last one written, to tell a yearly rule that goes
# on from one that stops, and its weekday ("last Sunday" or "4th Sunday").
_LOOKAHEAD = 15


def vtimezone_lines(tzid: str, first: datetime, last: datetime | None) -> list[str]:
    """Return BEGIN:VTIMEZONE ... END:VTIMEZONE for `tzid` covering the instants first..last.

    `first` and `last` are aware; the lines come unfolded, without CRLF.
    `last` None means no end (a rule without COUNT or UNTIL): the component
    then holds through OPEN_THROUGH, every change tzdata lists, and its
    final yearly rules stay open.

    The component covers whole UTC years, from the change in force on
    1 January of `first`'s year to the last change in `last`'s year: the
    bytes stay the same while events move within those years, and a single
    date still gets both its STANDARD and its DAYLIGHT rule.

    No X-LIC-LOCATION: the TZID already is the IANA name that Thunderbird
    looks up, and dateutil's tzical, which icalendar uses to read zones it
    does not know, rejects the property.

    Raises zoneinfo.ZoneInfoNotFoundError for an unknown zone.
    """
    if first.tzinfo is None or (last is not None and last.tzinfo is None):
        raise ValueError("first and last must be aware datetimes")
    if last is not None and last < first:
        raise ValueError(f"last ({last}) is before first ({first})")
    first_year = first.astimezone(timezone.utc).year
    last_year = OPEN_THROUGH if last is None else last.astimezone(timezone.utc).year
    if first_year < 2 or last_year > 9997 - _LOOKAHEAD:  # keep datetime arithmetic in range
        raise ValueError(f"years {first_year}..{last_year} are out of range")
    return list(_lines(tzid, first_year, max(first_year, last_year), last is None))


def transitions(tzid: str, first: datetime, last: datetime | None) -> list[tuple[datetime, timedelta, timedelta]]:
    """The zone's changes of UTC offset from the year of `first` through that of
    `last` (None: OPEN_THROUGH), as (naive UTC instant, offset before, offset after)."""
    first_year = first.astimezone(timezone.utc).year
    last_year = OPEN_THROUGH if last is None else last.astimezone(timezone.utc).year
    return list(_offset_changes(tzid, first_year, max(first_year, last_year)))


@functools.lru_cache(maxsize=64)
def _offset_changes(tzid: str, first_year: int, last_year: int) -> tuple:
    zone = ZoneInfo(tzid)
    found = _changes(zone, datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1))
    return tuple((c.at, c.before, c.after) for c in found if c.before != c.after)


@dataclass(frozen=True)
class _Change:
    """A change of the zone's state: the onset of an observance."""

    at: datetime  # naive UTC
    before: timedelta  # UTC offset just before: TZOFFSETFROM
    after: timedelta  # TZOFFSETTO
    name: str
    daylight: bool

    @property
    def local(self) -> datetime:
        # DTSTART and RDATE of an observance are local time in the offset
        # in force before the onset (RFC 5545 3.6.5, TZOFFSETFROM).
        return self.at + self.before

    @property
    def group(self) -> tuple:
        return (self.daylight, self.before, self.after, self.name)


@functools.lru_cache(maxsize=64)
def _lines(tzid: str, first_year: int, last_year: int, open_end: bool = False) -> tuple[str, ...]:
    zone = ZoneInfo(tzid)
    start, end = datetime(first_year, 1, 1), datetime(last_year + 1, 1, 1)
    # Changes after the calendar's years only tell whether a yearly rule
    # still holds, so that its RRULE can stay open; none is written.
    ahead = _LOOKAHEAD if open_end else 1
    changes = [_in_force(zone, start), *_changes(zone, start, datetime(last_year + 1 + ahead, 1, 1))]
    lines = ["BEGIN:VTIMEZONE", f"TZID:{tzid}"]
    for block in _observances(_runs(changes), end):
        lines += block
    lines.append("END:VTIMEZONE")
    return tuple(lines)


def _observances(runs: list[tuple[list[_Change], str]], end: datetime) -> list[list[str]]:
    """Write runs before `end` as observances: RRULE for yearly runs, RDATEs for the rest."""
    blocks: list[tuple[datetime, list[str]]] = []
    loose: dict[tuple, list[_Change]] = {}
    for run, rule in runs:
        kept = [c for c in run if c.at < end]
        if not kept:
            continue
        if not rule:
            loose.setdefault(run[0].group, []).append(run[0])
            continue
        if len(kept) < len(run):
            limit = ""  # the rule still holds after the calendar's years
        else:
            # COUNT, not UNTIL: UNTIL would have to be UTC (RFC 5545
            # 3.8.5.3) next to a local DTSTART, which dateutil-based readers
            # (the `ical` package, ics-py) refuse, failing the whole file.
            limit = f";COUNT={len(kept)}"
        rrule = f"RRULE:FREQ=YEARLY;{rule}{limit}"
        blocks.append((kept[0].at, _block(kept[0], [rrule])))
    for group in loose.values():
        # Every onset is an RDATE, DTSTART's too: ical.js (Thunderbird)
        # skips DTSTART once there is an RDATE, the `ical` package skips it
        # unless there is an RRULE, and the repeat is harmless (RFC 5545
        # 3.8.5.3: duplicate instances are ignored).
        rdates = [f"RDATE:{c.local:%Y%m%dT%H%M%S}" for c in group]
        blocks.append((group[0].at, _block(group[0], rdates)))
    blocks.sort(key=lambda block: block[0])
    return [lines for _, lines in blocks]


def _block(onset: _Change, recurrence: list[str]) -> list[str]:
    # STANDARD or DAYLIGHT only labels the observance; the offsets decide.
    kind = "DAYLIGHT" if onset.daylight else "STANDARD"
    return [
        f"BEGIN:{kind}",
        f"DTSTART:{onset.local:%Y%m%dT%H%M%S}",
        *recurrence,
        f"TZOFFSETFROM:{_offset(onset.before)}",
        f"TZOFFSETTO:{_offset(onset.after)}",
        f"TZNAME:{onset.name}",
        f"END:{kind}",
    ]


def _runs(changes: list[_Change]) -> list[tuple[list[_Change], str]]:
    """Split changes into runs of consecutive years that one yearly rule describes.

    Each run comes with its rule, "BYMONTH=3;BYDAY=2SU", or "" if it has
    a single change.
    """
    by_group: dict[tuple, list[_Change]] = {}
    for change in sorted(changes, key=lambda c: c.at):
        by_group.setdefault(change.group, []).append(change)
    runs = []
    for group in by_group.values():
        run, ordinals = [group[0]], _ordinals(group[0].local)
        for change in group[1:]:
            prev, cur = run[-1].local, change.local
            common = ordinals & _ordinals(cur)
            if common and _slot(cur) == _slot(prev) and cur.year == prev.year + 1:
                run.append(change)
                ordinals = common
            else:
                runs.append((run, _rule(run, ordinals)))
                run, ordinals = [change], _ordinals(cur)
        runs.append((run, _rule(run, ordinals)))
    return runs


def _slot(local: datetime) -> tuple:
    return local.month, local.weekday(), local.time()


def _ordinals(local: datetime) -> set[int]:
    """BYDAY ordinals that pick this day in its month: its nth weekday, and -1 if the last."""
    ordinals = {(local.day - 1) // 7 + 1}
    if local.day + 7 > calendar.monthrange(local.year, local.month)[1]:
        ordinals.add(-1)
    return ordinals


def _rule(run: list[_Change], ordinals: set[int]) -> str:
    if len(run) == 1:
        return ""
    local = run[0].local
    ordinal = -1 if -1 in ordinals else min(ordinals)  # "last Sunday" over "5th Sunday"
    return f"BYMONTH={local.month};BYDAY={ordinal}{_WEEKDAYS[local.weekday()]}"


def _offset(delta: timedelta) -> str:
    """UTC-OFFSET value, with seconds only when there are any (RFC 5545 3.3.14)."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02}{minutes:02}" + (f"{seconds:02}" if seconds else "")


# --- Reading zoneinfo -------------------------------------------------------
# Instants are UTC on whole seconds, as tzdata's changes are, held the way
# tzinfo.fromutc() takes them: UTC wall clock with tzinfo=zone. Sampling is
# the hot loop (25,000 samples for 200 years), and this avoids a replace()
# per sample.


def _state(zone: ZoneInfo, utc: datetime) -> tuple[timedelta, timedelta, str]:
    local = zone.fromutc(utc)
    # Same tzinfo on both sides, so the difference is the wall clock's: the
    # UTC offset, without the zone lookup that utcoffset() repeats.
    return local - utc, local.dst(), local.tzname()


def _change(zone: ZoneInfo, lo: datetime, hi: datetime, *, into: bool = False) -> _Change:
    """Bisect to the second a change between lo and hi, whose states differ.

    The change found leaves lo's state or, with `into`, enters hi's state.
    """
    fixed = _state(zone, hi if into else lo)
    low, high = 0, int((hi - lo).total_seconds())
    while high - low > 1:
        mid = (low + high) // 2
        if (_state(zone, lo + timedelta(seconds=mid)) == fixed) == into:
            high = mid
        else:
            low = mid
    at = lo + timedelta(seconds=high)
    before, _, _ = _state(zone, at - timedelta(seconds=1))
    after, dst, name = _state(zone, at)
    return _Change(at.replace(tzinfo=None), before, after, name, dst != _NO_DST)


def _changes(zone: ZoneInfo, start: datetime, end: datetime) -> list[_Change]:
    """All changes after start (naive UTC) up to end or a little beyond."""
    changes = []
    lo, end = start.replace(tzinfo=zone), end.replace(tzinfo=zone)
    state_lo = _state(zone, lo)
    while lo < end:  # may look up to a step past end: harmless
        hi = lo + _STEP
        state_hi = _state(zone, hi)
        while state_hi != state_lo:  # in case a step holds several changes
            change = _change(zone, lo, hi)
            changes.append(change)
            lo = change.at.replace(tzinfo=zone)
            state_lo = _state(zone, lo)
        lo, state_lo = hi, state_hi
    return changes


def _in_force(zone: ZoneInfo, start: datetime) -> _Change:
    """The last change at or before start (naive UTC); if none, a pseudo change at 1601-01-01."""
    hi, floor = start.replace(tzinfo=zone), _FLOOR.replace(tzinfo=zone)
    state = _state(zone, hi)
    while hi > floor:
        lo = hi - _BACK_STEP
        if _state(zone, lo) != state:
            return _change(zone, lo, hi, into=True)
        hi = lo
    offset, dst, name = state
    local = min(_BEFORE_ALL, start)
    return _Change(local - offset, offset, offset, name, dst != _NO_DST)
