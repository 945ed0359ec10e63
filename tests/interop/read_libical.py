"""Read calendars with libical (Evolution's and GNOME's parser), through libical-glib.

Run by Debian's /usr/bin/python3, which has the bindings (gir1.2-ical-3.0,
python3-gi); the test venv need not. Same protocol as read_icaljs.mjs:
stdin {"instances": N, "calendars": {name: ics text}}, stdout per name
{"events": {uid: {"start", "end", "instances", "alarms", "summary",
"description", "url"}}} or {"error": ...},
date-times in UTC, dates as YYYY-MM-DD. Instances come from libical's own
expansion (icalcomponent_foreach_recurrence: RRULE, RDATE, EXDATE); alarms
per instance from icaltime_add, libical's own time arithmetic. A changed
occurrence (a VEVENT with the series' UID and a RECURRENCE-ID) takes the
place of the instance whose start is the instant libical reads its
RECURRENCE-ID as, the way Evolution detaches instances.
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


def earliest(calendar, vevent, start):
    """DTSTART or an earlier RDATE: where the instances begin."""
    first = start
    rdate = vevent.get_first_property(ICal.PropertyKind.RDATE_PROPERTY)
    while rdate is not None:
        moment = in_zone(calendar, rdate, rdate.get_rdate().get_time())
        if not start.is_date() and seconds(moment) < seconds(first):
            first = moment
        rdate = vevent.get_next_property(ICal.PropertyKind.RDATE_PROPERTY)
    return first


def read_event(calendar, vevent, count, changed):
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
                found.append((span.get_start(), span.get_end()))

            until = start.clone()
            until.set_is_date(False)
            until.adjust(366 * years, 0, 0, 0)
            # From a day before: libical checks DTSTART's own span as if its
            # wall clock were UTC, and leaves it out east of Greenwich.
            since = earliest(calendar, vevent, start).clone()
            since.adjust(-1, 0, 0, 0)
            vevent.foreach_recurrence(since, until, collect, None)
            if len(found) >= count:
                break
        # libical calls back for the RDATEs after the rule's instances;
        # clients show them in order of time.
        found = sorted(found)[:count]
        for begin, finish in found:
            override = changed.get(begin) if not start.is_date() else None
            if override is not None:
                begin, finish = seconds(override.get_dtstart()), seconds(override.get_dtend())
                instances.append([utc_text(begin), utc_text(finish)])
                alarms.append(alarms_at(override, override.get_dtstart()))
            elif start.is_date():
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


def in_zone(calendar, prop, moment):
    """A property's time in its TZID's zone, found in the calendar as libical finds DTSTART's."""
    tzid = prop.get_parameter_as_string("TZID")
    if tzid and not moment.is_utc():
        moment.set_timezone(calendar.get_timezone(tzid))
    return moment


def recurrence_id(calendar, vevent):
    prop = vevent.get_first_property(ICal.PropertyKind.RECURRENCEID_PROPERTY)
    return in_zone(calendar, prop, prop.get_recurrenceid())


def read(text, count):
    calendar = ICal.Component.new_from_string(text)
    if calendar is None:
        raise ValueError("libical could not parse the calendar")
    masters, changed = [], {}
    vevent = calendar.get_first_component(ICal.ComponentKind.VEVENT_COMPONENT)
    while vevent is not None:
        if vevent.get_first_property(ICal.PropertyKind.RECURRENCEID_PROPERTY) is None:
            masters.append(vevent)
        else:  # keyed by the instant libical reads the RECURRENCE-ID as
            changed.setdefault(vevent.get_uid(), {})[seconds(recurrence_id(calendar, vevent))] = vevent
        vevent = calendar.get_next_component(ICal.ComponentKind.VEVENT_COMPONENT)
    return {"events": {vevent.get_uid(): read_event(calendar, vevent, count, changed.get(vevent.get_uid(), {})) for vevent in masters}}


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
