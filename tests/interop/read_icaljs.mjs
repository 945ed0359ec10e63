// Read calendars with Mozilla's ical.js (Thunderbird's and Nextcloud's parser).
// stdin: {"instances": N, "calendars": {name: ics text}}
// stdout: {name: {"events": {uid: event}} or {"error": message}}, each event
// {"start", "end", "instances": [[start, end], ...], "alarms": [[time, ...], ...],
// "summary", "description", "url"}:
// date-times in UTC (2026-03-08T14:00:00Z), dates as 2026-03-08; alarms per
// instance, computed with ICAL.Time.addDuration as Thunderbird does. Changed
// occurrences (RECURRENCE-ID) take their instance's place.
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const request = JSON.parse(readFileSync(0, "utf8"));

function show(time) {
  if (time.isDate) return time.toString();
  return new Date(time.toUnixTime() * 1000).toISOString().replace(".000Z", "Z");
}

function alarmsAt(vevent, start) {
  return vevent.getAllSubcomponents("valarm").map((alarm) => {
    const trigger = alarm.getFirstPropertyValue("trigger");
    if (trigger instanceof ICAL.Time) return show(trigger);
    const at = start.clone();
    if (at.isDate) {
      at.isDate = false; // floating midnight, as Thunderbird starts an all-day event
      at.addDuration(trigger);
      return at.toString();
    }
    at.addDuration(trigger);
    return show(at);
  });
}

function readEvent(vevent) {
  const event = new ICAL.Event(vevent);
  const instances = [];
  const alarms = [];
  if (event.isRecurring()) {
    const iterator = event.iterator();
    for (let next = iterator.next(); next && instances.length < request.instances; next = iterator.next()) {
      const details = event.getOccurrenceDetails(next);
      instances.push([show(details.startDate), show(details.endDate)]);
      alarms.push(alarmsAt(vevent, details.startDate));
    }
  } else {
    instances.push([show(event.startDate), show(event.endDate)]);
    alarms.push(alarmsAt(vevent, event.startDate));
  }
  const text = (name) => vevent.getFirstPropertyValue(name) ?? "";
  return {
    start: show(event.startDate), end: show(event.endDate), instances, alarms,
    summary: text("summary"), description: text("description"), url: text("url"),
  };
}

const result = {};
for (const [name, text] of Object.entries(request.calendars)) {
  try {
    const calendar = new ICAL.Component(ICAL.parse(text));
    const events = {};
    for (const vevent of calendar.getAllSubcomponents("vevent")) {
      // A changed occurrence (RECURRENCE-ID) is read through its series:
      // ICAL.Event relates the calendar's exceptions to their master.
      if (vevent.hasProperty("recurrence-id")) continue;
      events[vevent.getFirstPropertyValue("uid")] = readEvent(vevent);
    }
    result[name] = { events };
  } catch (error) {
    result[name] = { error: String(error && error.message ? error.message : error) };
  }
}
process.stdout.write(JSON.stringify(result));
