"""Read calendars with the parsers real clients use, and say what each one saw.

`read_calendars({name: ics bytes})` gives, per parser, per calendar, either
{"error": message} or {"events": {uid: {"start", "end", "instances",
"alarms"}}}: every date-time in UTC ("2026-03-08T14:00:00Z"), dates as
"2026-03-08", the first instances as [start, end] pairs and, per instance,
the time each VALARM fires (floating, without Z, for all-day events), and
the SUMMARY, DESCRIPTION and URL as read. A changed occurrence (a VEVENT
with the series' UID and a RECURRENCE-ID) is read through its series, as
clients show it: in its instance's place.
Parsers:

- "ical": Home Assistant's strict `ical` package (its own timeline);
- "icalendar": icalendar with recurring_ical_events;
- "icaljs": Mozilla's ical.js (Thunderbird, Nextcloud), run with node from
  tests/interop/ (`npm ci` there installs it);
- "libical": libical through libical-glib (Evolution, GNOME), run by
  Debian's /usr/bin/python3 (packages gir1.2-ical-3.0 and python3-gi).
- "vobject": vobject (Radicale), its own VTIMEZONE reading and rruleset;
  ends and alarms by the RFC's arithmetic, as for the other Python ones.

Each of node and libical is started once per call, for all calendars. TZIDs
are renamed to names no parser knows, so that each must read the file's own
VTIMEZONE instead of its zone database. Alarms follow each library's own time
arithmetic (ICAL.Time.addDuration, icaltime_add, the RFC's for the Python
ones), since that is what the clients built on them fire at.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import icalendar
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream
from ical.timeline import calendar_timeline

HERE = Path(__file__).parent / "interop"
SYSTEM_PYTHON = "/usr/bin/python3"
PARSERS = ("ical", "icalendar", "icaljs", "libical", "vobject")
UTC = timezone.utc
_TZID_RE = re.compile(r"(TZID[=:])([^:;\r\n]+)")
_WINDOWS_YEARS = (1, 10, 100, 1000)


def show(moment: date | datetime) -> str:
    """A date or an aware date-time as the readers report it."""
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.isoformat(timespec="seconds")  # floating: an alarm of an all-day event
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def rename_zones(text: str) -> str:
    """The calendar with every TZID renamed to one unique to this text."""
    tag = hashlib.sha1(text.encode()).hexdigest()[:10]
    names: dict[str, str] = {}

    def renamed(match: re.Match) -> str:
        name = names.setdefault(match[2], f"Keydates-Test-{tag}-{len(names)}")
        return match[1] + name

    return _TZID_RE.sub(renamed, text)


def read_calendars(calendars: dict[str, bytes], instances: int = 5, parsers=PARSERS) -> dict[str, dict[str, dict]]:
    """What each parser reads in each calendar (see the module docstring)."""
    texts = {name: rename_zones(data.decode("utf-8")) for name, data in calendars.items()}
    readers = {"ical": _read_ical, "icalendar": _read_icalendar, "icaljs": _read_icaljs, "libical": _read_libical, "vobject": _read_vobject}
    return {parser: readers[parser](texts, instances) for parser in parsers}


def events_of(readings: dict[str, dict[str, dict]], name: str) -> dict[str, dict[str, dict]]:
    """Per parser, the events it read in calendar `name`; fails on a parser's error."""
    found = {}
    for parser, calendars in readings.items():
        reading = calendars[name]
        assert "error" not in reading, f"{parser} rejected {name}: {reading['error']}"
        found[parser] = reading["events"]
    return found


# --- the readers ---------------------------------------------------------------


def _run(command: list[str], texts: dict[str, str], instances: int) -> dict[str, dict]:
    request = json.dumps({"instances": instances, "calendars": texts})
    done = subprocess.run(command, input=request, capture_output=True, text=True, cwd=HERE, timeout=600)
    if done.returncode:
        raise RuntimeError(f"{command[0]} failed: {done.stderr}")
    return json.loads(done.stdout)


def _read_icaljs(texts, instances):
    return _run(["node", "read_icaljs.mjs"], texts, instances)


def _read_libical(texts, instances):
    return _run([SYSTEM_PYTHON, "read_libical.py"], texts, instances)


def _each(texts, read_one):
    result = {}
    for name, text in texts.items():
        try:
            result[name] = {"events": read_one(text)}
        except Exception as error:  # noqa: BLE001 - a parser's refusal is a finding
            result[name] = {"error": f"{type(error).__name__}: {error}"}
    return result


def _read_ical(texts, instances):
    def read(text):
        calendar = IcsCalendarStream.calendar_from_ics(text)
        events = {}
        for event in calendar.events:
            if event.recurrence_id:
                continue
            found = []
            series = [e for e in calendar.events if e.uid == event.uid]
            for item in calendar_timeline(series, UTC):
                found.append(item)
                if len(found) == instances:
                    break
            events[event.uid] = {
                "start": show(event.dtstart),
                "end": show(event.end),
                "instances": [[show(item.dtstart), show(item.end)] for item in found],
                "alarms": [[show(_fire(item.dtstart, alarm.trigger)) for alarm in item.alarm] for item in found],
                "summary": event.summary or "",
                "description": event.description or "",
                "url": event.url or "",
            }
        return events

    return _each(texts, read)


def _read_icalendar(texts, instances):
    def read(text):
        calendar = icalendar.Calendar.from_ical(text)
        zones = list(calendar.walk("VTIMEZONE"))
        events = {}
        vevents = list(calendar.walk("VEVENT"))
        for event in vevents:
            if "RECURRENCE-ID" in event:
                continue
            single = icalendar.Calendar()
            for component in (*zones, *(e for e in vevents if e["UID"] == event["UID"])):
                single.add_component(component)
            start = event["DTSTART"].dt
            found = []
            for years in _WINDOWS_YEARS:
                first = _earliest(event) if isinstance(start, datetime) else datetime(start.year, start.month, start.day)
                window = recurring_ical_events.of(single).between(first - timedelta(days=1), first + timedelta(days=366 * years))
                found = sorted(window, key=_start_key)[:instances]  # changed occurrences come last
                if len(found) == instances:
                    break
            if "DTEND" in event:
                end = event["DTEND"].dt
            else:  # RFC 5545 3.6.1: a day, or no time at all
                end = start + event["DURATION"].dt if "DURATION" in event else start + timedelta(days=0 if isinstance(start, datetime) else 1)
            events[str(event["UID"])] = {
                "start": show(start),
                "end": show(end),
                "instances": [[show(item["DTSTART"].dt), show(item["DTEND"].dt)] for item in found],
                "alarms": [
                    [show(_fire(item["DTSTART"].dt, alarm["TRIGGER"].dt)) for alarm in item.walk("VALARM")]
                    for item in found
                ],
                "summary": str(event.get("SUMMARY", "")),
                "description": str(event.get("DESCRIPTION", "")),
                "url": str(event.get("URL", "")),
            }
        return events

    return _each(texts, read)


def _start_key(component) -> datetime:
    start = component["DTSTART"].dt
    return start.astimezone(UTC) if isinstance(start, datetime) else datetime(start.year, start.month, start.day, tzinfo=UTC)


def _earliest(event) -> datetime:
    """DTSTART or an earlier RDATE: where the instances begin."""
    rdates = event.get("RDATE", [])
    moments = [moment.dt for rdate in (rdates if isinstance(rdates, list) else [rdates]) for moment in rdate.dts]
    return min([event["DTSTART"].dt, *(m for m in moments if isinstance(m, datetime))])


def _read_vobject(texts, instances):
    def read(text):
        calendar = vobject.readOne(text)
        vevents = list(getattr(calendar, "vevent_list", []))
        changed = {}
        for event in vevents:
            if hasattr(event, "recurrence_id"):
                changed.setdefault(event.uid.value, {})[_key(event.recurrence_id.value)] = event
        events = {}
        for event in vevents:
            if hasattr(event, "recurrence_id"):
                continue
            start = event.dtstart.value
            end = _vobject_end(event)
            found = []
            if hasattr(event, "rrule") or hasattr(event, "rdate"):
                for moment in event.getrruleset(addRDate=True):
                    found.append(moment)
                    if len(found) == instances:
                        break
            else:
                found = [start]
            spans, alarms = [], []
            for moment in found:
                override = changed.get(event.uid.value, {}).get(_key(moment))
                source = override if override is not None else event
                begin = override.dtstart.value if override is not None else moment
                if not isinstance(start, datetime) and isinstance(begin, datetime):
                    begin = begin.date()
                alarms.append([show(_fire(begin, alarm.trigger.value)) for alarm in getattr(source, "valarm_list", [])])
                if override is not None:
                    spans.append([show(override.dtstart.value), show(_vobject_end(override))])
                elif isinstance(start, datetime):
                    spans.append([show(moment), show(moment.astimezone(UTC) + (end.astimezone(UTC) - start.astimezone(UTC)))])
                else:
                    day = moment.date() if isinstance(moment, datetime) else moment
                    spans.append([show(day), show(day + (end - start))])
            events[event.uid.value] = {
                "start": show(start), "end": show(end), "instances": spans,
                "alarms": alarms,
                "summary": event.summary.value if hasattr(event, "summary") else "",
                "description": event.description.value if hasattr(event, "description") else "",
                "url": event.url.value if hasattr(event, "url") else "",
            }
        return events

    return _each(texts, read)


def _vobject_end(event):
    start = event.dtstart.value
    if hasattr(event, "dtend"):
        return event.dtend.value
    if hasattr(event, "duration"):
        return start + event.duration.value
    return start + timedelta(days=0 if isinstance(start, datetime) else 1)


def _key(moment):
    return moment.astimezone(UTC) if isinstance(moment, datetime) else moment


def _fire(start, trigger):
    """When an alarm fires by RFC 5545 3.3.6: days on the wall clock, the rest exact.

    These parsers give a relative trigger as a timedelta, so its whole days
    stand for the D part ("PT24H" would be read as "P1D").
    """
    if isinstance(trigger, datetime):
        return trigger
    if not isinstance(start, datetime):
        start = datetime(start.year, start.month, start.day)  # floating midnight
        return start + trigger
    sign = -1 if trigger < timedelta(0) else 1
    length = abs(trigger)
    days = timedelta(days=length.days)
    wall = start + sign * days  # aware arithmetic: on the wall clock
    return (wall.astimezone(UTC) + sign * (length - days)).astimezone(UTC)
