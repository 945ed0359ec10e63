"""An .ics export (Google, Outlook, Apple, Thunderbird) as a calendar to import.

icalendar reads the file and x-wr-timezone applies Google's X-WR-TIMEZONE
as RFC 5545 would have it; this maps what they read onto keydates' keys,
noting per event what has no place (docs/import.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import x_wr_timezone

from keydates import ids, schema, zones
from keydates.convert import NO_TITLE, Converted, Note, as_text, clean, iso_duration, one_line, reminder, show, sort_key, unescaped
from keydates.errors import InputError, Problem, plural


# Properties that only record the source program's bookkeeping: keydates
# writes its own (UID is kept; DTSTAMP, SEQUENCE... come from the lock).
BOOKKEEPING = {
    "UID", "DTSTAMP", "CREATED", "LAST-MODIFIED", "SEQUENCE", "DTSTART", "DTEND", "DURATION",
    "SUMMARY", "DESCRIPTION", "LOCATION", "URL", "CATEGORIES", "STATUS", "TRANSP", "RRULE",
    "EXDATE", "RDATE", "RECURRENCE-ID",
    "X-MICROSOFT-CDO-APPT-SEQUENCE", "X-MICROSOFT-CDO-OWNERAPPTID", "X-MICROSOFT-CDO-ALLDAYEVENT",
    "X-MICROSOFT-CDO-INSTTYPE", "X-MICROSOFT-CDO-INTENDEDSTATUS", "X-MICROSOFT-CDO-BUSYSTATUS",
    "X-MICROSOFT-DONOTFORWARDMEETING", "X-MICROSOFT-DISALLOW-COUNTER", "X-MICROSOFT-REQUESTEDATTENDANCEMODE",
    "X-MICROSOFT-ISRESPONSEREQUESTED", "X-MICROSOFT-CDO-OWNER-CRITICAL-CHANGE", "X-MICROSOFT-CDO-ATTENDEE-CRITICAL-CHANGE",
    "X-MOZ-GENERATION", "X-MOZ-LASTACK", "X-MOZ-RECEIVED-SEQUENCE", "X-MOZ-RECEIVED-DTSTAMP",
    "X-MOZ-SEND-INVITATIONS", "X-MOZ-SEND-INVITATIONS-UNDISCLOSED", "X-MOZ-SNOOZE-TIME", "X-MOZ-FAKED-MASTER",
    "X-APPLE-TRAVEL-ADVISORY-BEHAVIOR", "X-APPLE-CREATOR-IDENTITY", "X-APPLE-CREATOR-TEAM-IDENTITY",
    "X-LIC-LOCATION", "X-WR-ALARMUID",
}  # fmt: skip
# Values that say nothing beyond the default (Outlook writes them on every event).
DEFAULTS = {("CLASS", "PUBLIC"), ("PRIORITY", "0"), ("PRIORITY", "5"), ("X-MICROSOFT-CDO-IMPORTANCE", "1")}
CALENDAR_KNOWN = {
    "VERSION", "PRODID", "CALSCALE", "METHOD", "X-WR-CALNAME", "NAME", "X-WR-CALDESC", "DESCRIPTION",
    "X-WR-TIMEZONE", "REFRESH-INTERVAL", "X-PUBLISHED-TTL", "X-WR-RELCALID", "X-MS-OLK-FORCEINSPECTOROPEN",
}  # fmt: skip
STATUSES = {"CONFIRMED": "confirmed", "TENTATIVE": "tentative", "CANCELLED": "cancelled"}



def read_ics(path: Path, data: bytes) -> Converted:
    """One calendar from an .ics export (several VCALENDARs in a file are joined)."""
    try:
        calendars = icalendar.Calendar.from_ical(data, multiple=True)
    except (ValueError, KeyError, IndexError) as e:
        raise InputError([Problem(path, f"cannot read as iCalendar: {e}")]) from None
    if not calendars:
        raise InputError([Problem(path, "no VCALENDAR in this file")])
    source = calendars[0]
    for extra in calendars[1:]:
        for component in extra.subcomponents:
            source.add_component(component)
    try:
        source = x_wr_timezone.to_standard(source)
    except (ValueError, KeyError) as e:
        raise InputError([Problem(path, f"cannot apply X-WR-TIMEZONE: {e}")]) from None
    name = one_line(unescaped(source.get("X-WR-CALNAME") or source.get("NAME"))) or path.stem.replace("-", " ").replace("_", " ")
    meta = {"name": name}
    item = Converted(path, meta, source=source)
    description = clean(unescaped(source.get("X-WR-CALDESC") or source.get("DESCRIPTION")))
    events = list(source.walk("VEVENT"))
    meta["timezone"] = _calendar_zone(source, events)
    if description:
        meta["description"] = description
    refresh = source.get("REFRESH-INTERVAL") or source.get("X-PUBLISHED-TTL")
    if refresh is not None:
        try:
            length = icalendar.vDuration.from_ical(str(refresh.to_ical().decode() if hasattr(refresh, "to_ical") else refresh))
            if length > timedelta(0):
                meta["refresh"] = iso_duration(length)
        except ValueError:
            item.note(None, f"refresh interval {refresh!s} is not a duration: not carried over")
    others = sorted({key for key in source if key not in CALENDAR_KNOWN})
    if others:
        item.note(None, f"calendar properties not carried over: {', '.join(others)}")
    kinds = Counter(component.name for component in source.subcomponents if component.name not in ("VEVENT", "VTIMEZONE"))
    for kind, count in sorted(kinds.items()):
        item.note(None, f"{plural(count, kind)} not carried over: keydates keeps events only")
    _events(item, events)
    return item


def _calendar_zone(source, events) -> str:
    """X-WR-TIMEZONE, else the zone most events use, else UTC."""
    wr = source.get("X-WR-TIMEZONE")
    if wr is not None and zones.by_name(str(wr)):
        return zones.by_name(str(wr))
    used = Counter()
    for event in events:
        start = event.get("DTSTART")
        if start is not None and isinstance(start.dt, datetime) and start.dt.tzinfo is not None:
            name = _zone(start)
            if name and name != "UTC":
                used[name] += 1
    return used.most_common(1)[0][0] if used else "UTC"


def _events(item: Converted, events: list) -> None:
    masters: dict[str, object] = {}
    changes: dict[str, list] = {}
    order: list = []
    for event in events:
        uid = as_text(event.get("UID"))
        if event.get("RECURRENCE-ID") is not None and uid:
            changes.setdefault(uid, []).append(event)
            continue
        if uid and uid in masters:
            kept = max(masters[uid], event, key=lambda e: (int(e.get("SEQUENCE", 0) or 0), str(e.get("DTSTAMP", ""))))
            dropped = event if kept is masters[uid] else masters[uid]
            item.notes.append(Note("", f"two events have the UID {uid!r}: kept {as_text(kept.get('SUMMARY'))!r}, not {as_text(dropped.get('SUMMARY'))!r} (a calendar holds each UID once)"))
            order[order.index(masters[uid])] = kept
            masters[uid] = kept
            continue
        if uid:
            masters[uid] = event
        order.append(event)
    for uid in changes:
        if uid not in masters:  # an occurrence without its series (an invitation to one meeting)
            for change in changes[uid]:
                order.append(change)
    taken: set[str] = set()
    for event in order:
        uid = as_text(event.get("UID"))
        own = changes.get(uid, []) if event.get("RECURRENCE-ID") is None else []
        _event(item, event, own, taken)


def _event(item: Converted, event, changes: list, taken: set[str]) -> None:
    """One VEVENT (with its changed occurrences) as an [[event]] table."""
    title = one_line(as_text(event.get("SUMMARY"))) or NO_TITLE
    start_prop = event.get("DTSTART")
    day = (start_prop.dt.date() if isinstance(start_prop.dt, datetime) else start_prop.dt) if start_prop is not None else None
    table: dict = {"id": ids.unique(ids.slug(title) or "event", taken, day.isoformat() if day else "")}
    item.events.append(table)
    item.comments.append([])
    index = len(item.events) - 1
    if start_prop is None:
        item.events.pop()
        item.comments.pop()
        item.notes.append(Note("", f"event {title!r} has no DTSTART: not carried over"))
        return
    uid = as_text(event.get("UID"))
    try:
        table["uid"] = schema.given_uid(uid)
    except schema.Invalid as e:
        item.note(index, f"UID {uid!r} cannot be kept ({e}): keydates makes one")
    if title == NO_TITLE:
        item.note(index, "no SUMMARY in the source: titled (no title)")
    table["title"] = title
    zone = _when(item, index, table, event)
    if event.get("RECURRENCE-ID") is not None:
        item.note(index, f"changes one occurrence ({show(event['RECURRENCE-ID'].dt)}) of a series that is not in the file: kept as an event of its own")
    _repeat(item, index, table, event, changes, zone)
    _content(item, index, table, event)
    _alarms(item, index, table, event)
    _unknown(item, index, event)


def _zone(prop) -> str | None:
    """The IANA zone of a DTSTART-like property; "UTC"; or None (floating or unknown)."""
    value = prop.dt if hasattr(prop, "dt") else prop
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    if not isinstance(value, datetime) or value.tzinfo is None:
        return zones.by_name(tzid) if tzid else None
    key = getattr(value.tzinfo, "key", None)
    if key:
        return "UTC" if key in zones.UTC_NAMES else key
    if value.utcoffset() == timedelta(0) and value.tzinfo in (timezone.utc,):
        return "UTC"
    return zones.by_name(tzid or str(value.tzinfo)) or zones.by_offsets(value.tzinfo, value.replace(tzinfo=None))


def _when(item: Converted, index: int, table: dict, event) -> str | None:
    """date / start / end / timezone; the zone of the event (None: all-day)."""
    start = event["DTSTART"]
    value = start.dt
    end_prop, duration = event.get("DTEND"), event.get("DURATION")
    if not isinstance(value, datetime):
        end = end_prop.dt if end_prop is not None else value + (duration.dt if duration is not None else timedelta(days=1))
        if isinstance(end, datetime):
            end = end.date()
        end = max(end, value + timedelta(days=1))  # DTEND equal to DTSTART: one day, as clients show it
        if end == value + timedelta(days=1):
            table["date"] = value
        else:
            table["start"], table["end"] = value, end - timedelta(days=1)  # keydates' end is the last day
        return None
    zone = _zone(start)
    calendar_zone = item.calendar["timezone"]
    if value.tzinfo is None:
        tzid = start.params.get("TZID")
        if zone:
            item.note(index, f"zone {tzid!r} has no VTIMEZONE in the file: read as {zone}, from its name")
        else:
            item.note(index, f"a floating time (no zone in the source{f'; {tzid!r} is no zone keydates knows' if tzid else ''}): read as {calendar_zone}")
        zone = zone or calendar_zone
        value = value.replace(tzinfo=ZoneInfo(zone) if zone != "UTC" else timezone.utc)
    elif zone is None:
        item.note(index, f"zone {start.params.get('TZID', str(value.tzinfo))!r} matches no IANA zone: written in UTC, so a repeat that crosses a clock change may move by an hour")
        zone = "UTC"
    elif start.params.get("TZID") and zones.by_name(start.params["TZID"]) is None:
        item.note(index, f"zone {start.params['TZID']!r} is written as {zone}, which has the same offsets")
    if end_prop is not None:
        end = end_prop.dt
        if not isinstance(end, datetime):
            end = datetime.combine(end, time(), value.tzinfo)
        elif end.tzinfo is None:
            end = end.replace(tzinfo=value.tzinfo)
    else:
        end = value + (duration.dt if duration is not None else timedelta(0))
    table["start"] = _local(value, zone)
    table["end"] = _local(max(end, value), zone)
    if zone != calendar_zone and zone != "UTC":
        table["timezone"] = zone
    return zone


def _local(value: datetime, zone: str) -> datetime:
    """A time as the file writes it: wall clock in its zone, or with +00:00 for UTC."""
    if zone == "UTC":
        return value.astimezone(timezone.utc)
    return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _same_kind(value, table: dict, zone: str | None):
    """An EXDATE/RDATE/RECURRENCE-ID value in the form of the event's start."""
    if zone is None:  # all-day: the day, on the clock it was written on
        return value.date() if isinstance(value, datetime) else value
    if not isinstance(value, datetime):
        start = table["start"]
        value = datetime.combine(value, start.time() if zone != "UTC" else start.timetz())
        return value
    if value.tzinfo is None:
        return value if zone != "UTC" else value.replace(tzinfo=timezone.utc)
    return _local(value, zone)


def _repeat(item: Converted, index: int, table: dict, event, changes: list, zone: str | None) -> None:
    rules = event.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules] if rules is not None else []
    if len(rules) > 1:
        item.note(index, f"{len(rules)} RRULEs: only the first is carried over (RFC 5545 deprecates more than one)")
    if event.get("EXRULE") is not None:
        item.note(index, "EXRULE not carried over (deprecated by RFC 5545; keydates has except dates)")
    if rules:
        table["repeat"] = _rule_text(rules[0], zone, item.calendar["timezone"])
    also, moved = [], []
    for value in _dates(event.get("RDATE")):
        if isinstance(value, tuple):  # a PERIOD: its own start and end
            begin, finish = value
            finish = begin + finish if isinstance(finish, timedelta) else finish
            also.append(_same_kind(begin, table, zone))
            moved.append({"occurrence": also[-1], "end": _same_kind(finish, table, zone)})
        else:
            also.append(_same_kind(value, table, zone))
    excepted = [_same_kind(value, table, zone) for value in _dates(event.get("EXDATE"))]
    for change in sorted(changes, key=lambda c: str(c["RECURRENCE-ID"].to_ical())):
        occurrence = _same_kind(change["RECURRENCE-ID"].dt, table, zone)
        if change["RECURRENCE-ID"].params.get("RANGE", "").upper() == "THISANDFUTURE":
            item.note(index, f"the change of {show(occurrence)} applies to later occurrences too (RANGE=THISANDFUTURE): only this one is changed here")
        if as_text(change.get("STATUS")).upper() == "CANCELLED":
            excepted.append(occurrence)
            continue
        override = _override(item, index, table, event, change, occurrence, zone)
        if override is not None:
            moved.append(override)
    if not rules and not also:
        if changes:
            item.note(index, f"{plural(len(changes), 'changed occurrence')} of an event that does not repeat: not carried over")
        return
    occurs = _occurs(table, zone)
    extra = [value for value in dict.fromkeys(also) if not occurs(value)]
    kept_except = []
    for value in dict.fromkeys(excepted):
        if occurs(value) or value in extra:
            kept_except.append(value)
        else:
            item.note(index, f"EXDATE {show(value)} is not an occurrence (it removed nothing): left out")
    for override in moved:
        if not occurs(override["occurrence"]) and override["occurrence"] not in extra:
            extra.append(override["occurrence"])  # RECURRENCE-ID off the rule: an extra occurrence, as readers take it
    if extra:
        table["also"] = sorted(extra, key=sort_key)
    if kept_except:
        table["except"] = sorted(kept_except, key=sort_key)
    kept = [o for o in moved if o["occurrence"] not in kept_except]
    if kept:
        table["override"] = sorted({sort_key(o["occurrence"]): o for o in kept}.values(), key=lambda o: sort_key(o["occurrence"]))


def _rule_text(rule, zone: str | None, calendar_zone: str) -> str:
    """The RRULE as keydates takes it: UNTIL a DATE for all-day events, else UTC."""
    parts = dict(rule)
    until = parts.pop("UNTIL", [None])[0]
    text = icalendar.vRecur(parts).to_ical().decode()
    if until is None:
        return text
    if zone is None:
        if isinstance(until, datetime) and until.tzinfo is not None:
            # Outlook writes an all-day rule's end as local midnight in UTC.
            until = until.astimezone(ZoneInfo(calendar_zone))
        day = until.date() if isinstance(until, datetime) else until
        return f"{text};UNTIL={day:%Y%m%d}"
    if not isinstance(until, datetime):
        until = datetime.combine(until, time(23, 59, 59))
    if until.tzinfo is None:
        until = until.replace(tzinfo=ZoneInfo(zone) if zone != "UTC" else timezone.utc)
    return f"{text};UNTIL={until.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"


def _occurs(table: dict, zone: str | None):
    """Whether a value (the form of the start) is one of the rule's starts."""
    from keydates.recurrence import is_occurrence, make_rule

    if "repeat" not in table:
        return lambda value: value == (table.get("date") or table.get("start"))
    start = table.get("date") or table["start"]
    tz = None if zone in (None, "UTC") else zone
    aware = start if zone is None or start.tzinfo else start.replace(tzinfo=ZoneInfo(zone))
    try:
        rule = make_rule(table["repeat"], aware, tz)
    except ValueError:
        return lambda value: True  # validate reports the rule itself
    def occurs(value) -> bool:
        moment = value if zone is None or value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))
        try:
            return is_occurrence(rule, aware, tz, moment)
        except (ValueError, OverflowError):
            return False
    return occurs


def _override(item: Converted, index: int, table: dict, master, change, occurrence, zone: str | None) -> dict | None:
    """A changed occurrence as an [[event.override]] table; None (and a note) if keydates cannot hold it."""
    start_prop = change.get("DTSTART")
    start = start_prop.dt if start_prop is not None else change["RECURRENCE-ID"].dt
    if isinstance(start, datetime) != (zone is not None):
        item.note(index, f"the occurrence of {show(occurrence)} is changed to {'a timed' if zone is None else 'an all-day'} event, which a series cannot hold here: that occurrence keeps the series' time")
        return None
    override = {"occurrence": occurrence}
    new_start = _same_kind(start, table, zone)
    if new_start != occurrence:
        override["start"] = new_start
    end_prop, duration = change.get("DTEND"), change.get("DURATION")
    if end_prop is not None or duration is not None:
        end = end_prop.dt if end_prop is not None else start + duration.dt
        if zone is None:  # all-day: the last day, as event files write it
            end = end.date() if isinstance(end, datetime) else end
            override["end"] = max(end - timedelta(days=1), new_start)
        else:
            override["end"] = max(_same_kind(end, table, zone), new_start)
    for key, name in (("title", "SUMMARY"), ("description", "DESCRIPTION"), ("location", "LOCATION")):
        value = one_line(as_text(change.get(name))) if key == "title" else clean(as_text(change.get(name)))
        if value and value != (one_line(as_text(master.get(name))) if key == "title" else clean(as_text(master.get(name)))):
            override[key] = value
    status = STATUSES.get(as_text(change.get("STATUS")).upper())
    if status and status != STATUSES.get(as_text(master.get("STATUS")).upper(), "confirmed"):
        override["status"] = status
    lost = sorted({key for key in change if key not in BOOKKEEPING and (key, str(change[key])) not in DEFAULTS and key != "CATEGORIES"} - {"VALARM"})
    lost = [key for key in lost if str(change.get(key)) != str(master.get(key))]
    if lost:
        item.note(index, f"the change of {show(occurrence)} also sets {', '.join(lost)}: not carried over")
    return override


def _dates(prop) -> list:
    """The values of EXDATE or RDATE, however many lines and lists."""
    if prop is None:
        return []
    props = prop if isinstance(prop, list) else [prop]
    return [value.dt for p in props for value in p.dts]


def _content(item: Converted, index: int, table: dict, event) -> None:
    for key, name in (("description", "DESCRIPTION"), ("location", "LOCATION")):
        value = clean(as_text(event.get(name)))
        if value:
            table[key] = value
    url = as_text(event.get("URL"))
    if url:
        try:
            table["url"] = schema.http_url(url)
        except schema.Invalid:
            item.note(index, f"URL {url!r} is not a web address: added to the description")
            table["description"] = (table.get("description", "") + f"\n\nLink: {url}").strip()
    tags = []
    categories = event.get("CATEGORIES")
    for prop in categories if isinstance(categories, list) else [categories] if categories is not None else []:
        tags += [one_line(str(tag)).replace(",", " ") for tag in prop.cats]
    tags = [tag for tag in dict.fromkeys(tags) if tag]
    if tags:
        table["tags"] = tags
    status = STATUSES.get(as_text(event.get("STATUS")).upper())
    if status and status != "confirmed":
        table["status"] = status
    elif as_text(event.get("STATUS")) and not status:
        item.note(index, f"STATUS {as_text(event.get('STATUS'))} is not an event status: left out")
    busy = _busy(event)
    timed = "date" not in table and isinstance(table.get("start"), datetime)
    if busy is not None and busy != timed:
        table["busy"] = busy


def _busy(event) -> bool | None:
    transp = as_text(event.get("TRANSP")).upper()
    if transp in ("OPAQUE", "TRANSPARENT"):
        return transp == "OPAQUE"
    status = as_text(event.get("X-MICROSOFT-CDO-BUSYSTATUS")).upper()
    return None if not status else status != "FREE"


def _alarms(item: Converted, index: int, table: dict, event) -> None:
    phrases = []
    for alarm in event.walk("VALARM"):
        action = as_text(alarm.get("ACTION")).upper()
        if action == "NONE":  # RFC 9074: an alarm that does nothing (Apple's default placeholder)
            continue
        trigger = alarm.get("TRIGGER")
        if trigger is None:
            item.note(index, "an alarm without TRIGGER: not carried over")
            continue
        value = trigger.dt
        if isinstance(value, datetime):
            start = table.get("start")
            if not isinstance(start, datetime):
                item.note(index, "an alarm at a fixed time on an all-day event: not carried over")
                continue
            begin = event["DTSTART"].dt
            value = (value - begin) if value.tzinfo and begin.tzinfo else None
            if value is None:
                item.note(index, "an alarm at a fixed time without a zone: not carried over")
                continue
            if "repeat" in table:
                item.note(index, "an alarm at a fixed time on a repeating event: carried over as the same time before every occurrence")
        elif trigger.params.get("RELATED", "START").upper() == "END":
            value = value + _length(event)
        if value > timedelta(0):
            item.note(index, f"an alarm {iso_duration(value)} after the start: not carried over (keydates reminds before or at the start)")
            continue
        if action not in ("DISPLAY", ""):
            item.note(index, f"an alarm of ACTION {action}: carried over as a display reminder")
        phrases.append(reminder(-value))
    if phrases:
        table["remind"] = list(dict.fromkeys(phrases))


def _length(event) -> timedelta:
    start = event["DTSTART"].dt
    if event.get("DTEND") is not None:
        return event["DTEND"].dt - start
    if event.get("DURATION") is not None:
        return event["DURATION"].dt
    return timedelta(days=1) if not isinstance(start, datetime) else timedelta(0)



def _unknown(item: Converted, index: int, event) -> None:
    """Note every property keydates has no place for."""
    lost = Counter()
    for key, value in event.property_items(recursive=False):
        if key in ("BEGIN", "END") or key in BOOKKEEPING or (key, str(value.to_ical().decode() if hasattr(value, "to_ical") else value)) in DEFAULTS:
            continue
        if key == "X-ALT-DESC" and event.get("DESCRIPTION") is not None:
            continue  # Outlook's HTML copy of DESCRIPTION, which is kept as text
        lost[key] += 1
    if lost:
        item.note(index, "not carried over: " + ", ".join(f"{key} ({n})" if n > 1 else key for key, n in sorted(lost.items())))
