// The peer: build the benchmark calendar with ical-generator (Node), the fastest
// compliant generator we know, from the resolved events of workload.py.
//
//     node benchmarks/peers/ical_generator.mjs bench.json OUT.ics
//
// One calendar, one event per item, VTIMEZONEs from @touch4it/ical-timezones
// (ical-generator writes none by itself), written with toString().
import { readFileSync, writeFileSync } from "node:fs";
import ical from "ical-generator";
import { getVtimezoneComponent } from "@touch4it/ical-timezones";

const [source, target] = process.argv.slice(2);
const data = JSON.parse(readFileSync(source, "utf-8"));
const meta = data.calendar;
const calendar = ical({
  prodId: "//keydates benchmarks//ical-generator peer//EN",
  name: meta.name,
  description: meta.description,
  timezone: { name: meta.timezone, generator: getVtimezoneComponent },
});
const stamp = new Date(meta.dtstamp);
for (const item of data.events) {
  const event = {
    id: item.uid,
    stamp,
    summary: item.title,
    description: item.description,
    categories: item.tags.map((name) => ({ name })),
    url: item.url,
    status: item.status,
    transparency: item.transp,
    allDay: item.all_day,
  };
  if (item.all_day) {
    event.start = item.start; // floating dates: ical-generator writes VALUE=DATE for allDay
    event.end = item.end;
  } else {
    event.start = item.start; // local wall time in tzid
    event.end = item.end;
    event.timezone = item.tzid;
  }
  calendar.createEvent(event);
}
writeFileSync(target, calendar.toString());
