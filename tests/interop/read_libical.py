"""Read calendars with libical (Evolution's and GNOME's parser), through libical-glib.

Run by Debian's /usr/bin/python3, which has the bindings (gir1.2-ical-3.0,
python3-gi); the test venv need not. Same protocol as read_icaljs.mjs:
stdin {"instances": N, "calendars": {name: ics text}}, stdout per name
{"events": {uid: {"start", "end", "instances", "alarms", "summary",
"description", "url"}}} or {"error": ...},
date-times in UTC, dates as YYYY-MM-DD. Instances come from libical's own
expansion (icalcomponent_foreach_recurrence: RRULE, RDATE, EXDATE); alarms
per instance from icaltime_add, libical's own time arithmetic.
"""

import json
import sys
from datetime import datetime, timezone

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as ICal  # noqa: E402

# libical calls back for every instance up to the end it is given, so the
# window grows until it holds enough.
WINDOWS_YEARS = (1, 10, 100, 1000)


def utc_text(seconds):
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def show(time):
    if time.is_date():
        return f"{time.get_year():04}-{time.get_month():02}-{time.get_day():02}"
    return utc_text(seconds(time))


def seconds(time):
    if time.is_utc():
        return time.as_timet()
    zone = time.get_timezone()
    if zone is None:
        raise ValueError(f"floating time {time.as_ical_string()}")
    return time.as_timet_with_zone(zone)


def alarms_at(vevent, start):
    found = []
    alarm = vevent.get_first_component(ICal.ComponentKind.VALARM_COMPONENT)
    while alarm is not None:
        trigger = alarm.get_first_property(ICal.PropertyKind.TRIGGER_PROPERTY).get_trigger()
        moment = trigger.get_time()
        if not moment.is_null_time():
            found.append(show(moment))
        else:
            at = start.clone()
            if at.is_date():  # floating midnight, as Evolution starts an all-day event
                at.set_is_date(False)
                at = at.add(trigger.get_duration())
                found.append(f"{at.get_year():04}-{at.get_month():02}-{at.get_day():02}T{at.get_hour():02}:{at.get_minute():02}:{at.get_second():02}")
            else:
                found.append(show(at.add(trigger.get_duration())))
        alarm = vevent.get_next_component(ICal.ComponentKind.VALARM_COMPONENT)
    return found


def read_event(vevent, count):
    start, end = vevent.get_dtstart(), vevent.get_dtend()
    instances, alarms = [], []
    recurring = vevent.get_first_property(ICal.PropertyKind.RRULE_PROPERTY) or vevent.get_first_property(ICal.PropertyKind.RDATE_PROPERTY)
    if recurring is None:
        instances.append([show(start), show(end)])
        alarms.append(alarms_at(vevent, start))
    else:
        for years in WINDOWS_YEARS:
            found = []

            def collect(component, span, data):
                if len(found) < count:
                    found.append((span.get_start(), span.get_end()))

            until = start.clone()
            until.set_is_date(False)
            until.adjust(366 * years, 0, 0, 0)
            # From a day before: libical checks DTSTART's own span as if its
            # wall clock were UTC, and leaves it out east of Greenwich.
            since = start.clone()
            since.adjust(-1, 0, 0, 0)
            vevent.foreach_recurrence(since, until, collect, None)
            if len(found) >= count:
                break
        for begin, finish in found:
            if start.is_date():
                day = ICal.Time.new_from_timet_with_zone(begin, True, None)
                last = ICal.Time.new_from_timet_with_zone(finish, True, None)
                instances.append([show(day), show(last)])
                alarms.append(alarms_at(vevent, day))
            else:
                instances.append([utc_text(begin), utc_text(finish)])
                zoned = ICal.Time.new_from_timet_with_zone(begin, False, ICal.Timezone.get_utc_timezone())
                if not start.is_utc():
                    zoned.convert_to_zone_inplace(start.get_timezone())  # the occurrence's wall clock
                alarms.append(alarms_at(vevent, zoned))
    url = vevent.get_first_property(ICal.PropertyKind.URL_PROPERTY)
    return {
        "start": show(start), "end": show(end), "instances": instances, "alarms": alarms,
        "summary": vevent.get_summary() or "", "description": vevent.get_description() or "",
        "url": url.get_value_as_string() if url else "",
    }


def read(text, count):
    calendar = ICal.Component.new_from_string(text)
    if calendar is None:
        raise ValueError("libical could not parse the calendar")
    events = {}
    vevent = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while vevent is not None:
        events[vevent.get_uid()] = read_event(vevent, count)
        vevent = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    return {"events": events}


def main():
    request = json.load(sys.stdin)
    result = {}
    for name, text in request["calendars"].items():
        try:
            result[name] = read(text, request["instances"])
        except Exception as error:  # one bad calendar must not hide the others
            result[name] = {"error": f"{type(error).__name__}: {error}"}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
