"""IANA names for the time zones other calendar programs write.

Google, Apple and Thunderbird name zones by IANA name (Thunderbird's older
exports with a prefix, /mozilla.org/20070129_1/Europe/Berlin); Outlook by
Windows name (W. Europe Standard Time), by a display name ("(UTC+01:00)
Amsterdam, Berlin, ...") or "Customized Time Zone" with its own VTIMEZONE.
A name is looked up in that order: IANA, icalendar's Windows table, a city
of a display name, and last a zone whose offsets match the file's own
definition day by day around the dates it is used for.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import datetime, timedelta, tzinfo
from functools import cache

from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

UTC_NAMES = {"UTC", "Etc/UTC", "GMT", "Etc/GMT", "Z", "Universal", "Zulu", "Etc/Universal", "Etc/Zulu"}


@cache
def _zones() -> tuple[str, ...]:
    """Every IANA zone, the ones Windows names stand for first (the usual choices)."""
    preferred = sorted(set(WINDOWS_TO_OLSON.values()))
    return tuple(dict.fromkeys([*preferred, *sorted(zoneinfo.available_timezones())]))


def _valid(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name in UTC_NAMES


def by_name(tzid: str) -> str | None:
    """The IANA zone a TZID names, or None if the name alone does not say."""
    name = tzid.strip().strip('"')
    if name in UTC_NAMES:
        return "UTC"
    parts = name.split("/")
    for start in range(len(parts)):  # /mozilla.org/20070129_1/Europe/Berlin -> Europe/Berlin
        candidate = "/".join(parts[start:])
        if candidate and _valid(candidate):
            return candidate
    if name in WINDOWS_TO_OLSON:
        return WINDOWS_TO_OLSON[name]
    cities = re.findall(r"[A-Za-z][A-Za-z .'-]+", name.split(")", 1)[-1]) if name.startswith("(") else []
    for city in cities:  # "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"
        slug = city.strip().replace(" ", "_")
        match = next((zone for zone in _zones() if zone.rsplit("/", 1)[-1] == slug), None)
        if match:
            return match
    return None


def by_offsets(zone: tzinfo, around: datetime) -> str | None:
    """An IANA zone whose UTC offset equals `zone`'s at noon every day of the
    year before `around` to two years after it; None if there is none."""
    year = around.year
    days = [datetime(year - 1, 1, 1, 12) + timedelta(days=n) for n in range(3 * 366)]
    wanted = [day.replace(tzinfo=zone).utcoffset() for day in days]
    for name in _zones():
        candidate = zoneinfo.ZoneInfo(name)
        if all(day.replace(tzinfo=candidate).utcoffset() == offset for day, offset in zip(days, wanted)):
            return name
    return None
