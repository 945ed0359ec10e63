"""keydates import: exports shaped like Google's, Outlook's, Apple's and
Thunderbird's (tests/data/import/, see its README) round-trip with the same
UIDs, starts, ends and first 20 instances, read by icalendar with
recurring-ical-events and by the strict `ical` parser; every loss is noted."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timezone
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream

from conftest import run

CORPUS = Path(__file__).parent / "data" / "import"
ICS = sorted(CORPUS.glob("*.ics"))
INSTANCES = 20
HORIZON = datetime(2050, 1, 1, tzinfo=timezone.utc)


def _instant(value):
    """Dates as dates, times as UTC: what both sides must agree on."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    return value


def _by_icalendar(data: bytes) -> dict[str, list]:
    """UID -> its first instances as (start, end), through recurring-ical-events."""
    calendar = icalendar.Calendar.from_ical(data)
    result = {}
    for uid in {str(e["UID"]) for e in calendar.walk("VEVENT")}:
        mini = icalendar.Calendar()
        for component in calendar.subcomponents:
            if component.name == "VTIMEZONE" or str(component.get("UID")) == uid:
                mini.add_component(component)
        found = [e for e in islice(recurring_ical_events.of(mini).all(), INSTANCES + 10) if str(e.get("STATUS", "")).upper() != "CANCELLED"]
        result[uid] = sorted(((_instant(e["DTSTART"].dt), _instant(e["DTEND"].dt)) for e in found), key=_key)[:INSTANCES]
    return result


def _by_ical(data: bytes) -> dict[str, list]:
    """The same through the strict `ical` parser's own timeline."""
    calendar = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    result: dict[str, list] = {}
    for event in calendar.timeline:
        if _key((_instant(event.dtstart),)) > _key((HORIZON,)):
            break
        if event.status and str(event.status).upper().endswith("CANCELLED"):
            continue
        result.setdefault(event.uid, []).append((_instant(event.dtstart), _instant(event.dtend)))
    return {uid: sorted(found, key=_key)[:INSTANCES] for uid, found in result.items()}


def _key(pair):
    value = pair[0]
    return value.timestamp() if isinstance(value, datetime) else datetime.combine(value, datetime.min.time(), timezone.utc).timestamp()


def _masters(data: bytes) -> dict[str, tuple]:
    """UID -> (DTSTART, DTEND) of the series itself."""
    calendar = icalendar.Calendar.from_ical(data)
    result = {}
    for event in calendar.walk("VEVENT"):
        if event.get("RECURRENCE-ID") is None:
            end = event["DTEND"].dt if event.get("DTEND") is not None else event["DTSTART"].dt + event["DURATION"].dt
            result[str(event["UID"])] = (_instant(event["DTSTART"].dt), _instant(end))
    return result


def _import_and_build(tmp_path, *files, extra=()):
    events = tmp_path / "events"
    result = run("import", *files, "--into", events, *extra)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    checked = run("check", events)
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "dist"
    built = run("build", events, "-o", out)
    assert built.exit_code == 0, built.output
    return result, events, out


@pytest.mark.parametrize("source", ICS, ids=[path.stem for path in ICS])
def test_ics_round_trip_keeps_uids_instants_and_instances(tmp_path, source):
    result, events, out = _import_and_build(tmp_path, source)
    (written,) = events.glob("*.toml")
    data = (out / f"{written.stem}.ics").read_bytes()
    original = source.read_bytes()
    # The same UIDs, and each series starts and ends at the same instant.
    assert _masters(data) == _masters(original)
    # The same first instances, as icalendar with recurring-ical-events reads both.
    assert _by_icalendar(data) == _by_icalendar(original)
    # And as the strict `ical` parser reads both, where it can read the source.
    try:
        theirs = _by_ical(original)
    except (TypeError, ValueError):
        theirs = None  # ical cannot read it (apple.ics: RDATE;VALUE=PERIOD); it must read ours
    ours = _by_ical(data)
    if theirs is not None:
        assert ours == theirs
    assert set(ours) == set(_masters(original))
    assert "instance" not in result.stderr  # no instance differs


def test_losses_are_noted_per_event_and_in_the_file(tmp_path):
    result, events, _ = _import_and_build(tmp_path, CORPUS / "google.ics", CORPUS / "thunderbird.ics", CORPUS / "apple.ics")
    notes = result.stderr
    assert "event 'weekly-sync': not carried over: ATTENDEE (2), ORGANIZER, X-GOOGLE-CONFERENCE" in notes
    assert "thunderbird.toml: 1 VTODO not carried over: keydates keeps events only" in notes
    assert "event 'conference-talk': not carried over: CLASS" in notes
    assert "board.toml: calendar properties not carried over: X-APPLE-CALENDAR-COLOR" in notes
    assert "event 'board-meeting': not carried over: X-APPLE-STRUCTURED-LOCATION" in notes
    assert "event 'founding-day': an alarm of ACTION AUDIO: carried over as a display reminder" in notes
    text = (events / "product-team.toml").read_text(encoding="utf-8")
    assert "# not carried over: ATTENDEE (2), ORGANIZER, X-GOOGLE-CONFERENCE\n[[event]]\nid = \"weekly-sync\"" in text
    assert result.stdout.splitlines()[-1].startswith(f"{len(notes.splitlines())} notes;")


def test_what_is_carried_over_from_google(tmp_path):
    _, events, out = _import_and_build(tmp_path, CORPUS / "google.ics")
    text = (events / "product-team.toml").read_text(encoding="utf-8")
    assert 'name = "Product team"' in text and 'description = "Launches, reviews and the weekly sync"' in text
    assert 'timezone = "Europe/Berlin"' in text
    assert 'remind = [\n    "10m",\n]' in text
    assert "[[event.override]]\noccurrence = 2026-03-16 09:30:00\nstart = 2026-03-17 14:00:00" in text
    feed = icalendar.Calendar.from_ical((out / "product-team.ics").read_bytes())
    moved = [e for e in feed.walk("VEVENT") if e.get("RECURRENCE-ID") is not None]
    assert [str(e["UID"]) for e in moved] == ["5s6d7f8g9h0j1k2l3z4x5c6v7b@google.com"]
    assert moved[0]["DTSTART"].dt == datetime(2026, 3, 17, 14, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(moved[0]["LOCATION"]) == "Room Nil"
    call = next(e for e in feed.walk("VEVENT") if str(e["UID"]).startswith("9m8n"))
    assert call["DTSTART"].dt.astimezone(timezone.utc) == datetime(2026, 3, 12, 16, 0, tzinfo=timezone.utc)
    assert str(call["STATUS"]) == "TENTATIVE"


def test_outlook_zones_and_all_day_rule_end(tmp_path):
    result, events, out = _import_and_build(tmp_path, CORPUS / "outlook.ics")
    assert "zone 'Customized Time Zone' is written as Europe/Berlin, which has the same offsets" in result.stderr
    text = (events / "kalender.toml").read_text(encoding="utf-8")
    assert "W. Europe Standard Time" not in text  # a Windows name becomes the IANA one
    feed = icalendar.Calendar.from_ical((out / "kalender.ics").read_bytes())
    week = next(e for e in feed.walk("VEVENT") if str(e["SUMMARY"]) == "Planungswoche")
    days = [e["DTSTART"].dt for e in recurring_ical_events.of(feed).between(date(2026, 6, 1), date(2026, 9, 1)) if str(e["SUMMARY"]) == "Planungswoche"]
    assert days == [date(2026, 6, 29), date(2026, 7, 27)]  # 13 July excepted; UNTIL is local midnight of the 28th
    assert str(week["TRANSP"]) == "TRANSPARENT"


def test_csv_from_google_and_outlook(tmp_path):
    result, events, out = _import_and_build(tmp_path, CORPUS / "google.csv", CORPUS / "outlook.csv", extra=("--timezone", "Europe/Berlin"))
    berlin = ZoneInfo("Europe/Berlin")
    google = {str(e["SUMMARY"]): e for e in icalendar.Calendar.from_ical((out / "google.ics").read_bytes()).walk("VEVENT")}
    assert google["Product launch"]["DTSTART"].dt == date(2026, 3, 10) and google["Product launch"]["DTEND"].dt == date(2026, 3, 11)
    assert (google["Hannover Messe"]["DTSTART"].dt, google["Hannover Messe"]["DTEND"].dt) == (date(2026, 4, 20), date(2026, 4, 25))
    assert google["Investor call"]["DTSTART"].dt == datetime(2026, 3, 12, 17, 0, tzinfo=berlin)
    assert google["Investor call"]["DTEND"].dt == datetime(2026, 3, 12, 18, 0, tzinfo=berlin)
    assert str(google["Investor call"]["DESCRIPTION"]).startswith('With the New York office; bring the "Q1" deck')
    assert "event 'investor-call': columns not carried over: Private" in result.stderr
    outlook = {str(e["SUMMARY"]): e for e in icalendar.Calendar.from_ical((out / "outlook.ics").read_bytes()).walk("VEVENT")}
    # Outlook ends an all-day event at midnight after its last day.
    assert (outlook["Planungswoche"]["DTSTART"].dt, outlook["Planungswoche"]["DTEND"].dt) == (date(2026, 6, 29), date(2026, 7, 4))
    assert (outlook["Betriebsausflug"]["DTSTART"].dt, outlook["Betriebsausflug"]["DTEND"].dt) == (date(2026, 9, 18), date(2026, 9, 19))
    assert str(outlook["Betriebsausflug"]["TRANSP"]) == "OPAQUE"  # "Show time as" 3: out of office
    alarm = outlook["Quartalszahlen"].walk("VALARM")[0]
    assert alarm["TRIGGER"].dt.total_seconds() == -15 * 60  # reminder at 7:45 for 8:00
    assert [str(c) for c in outlook["Quartalszahlen"]["CATEGORIES"].cats] == ["Finanzen", "Rot"]
    assert "not UTF-8: read as Windows-1252" in result.stderr
    assert "columns not carried over: Meeting Organizer, Required Attendees" in result.stderr


def test_csv_with_other_columns_through_map(tmp_path):
    result, events, out = _import_and_build(
        tmp_path, CORPUS / "spreadsheet.csv",
        extra=("--timezone", "Europe/Berlin", "--map", "title=Name,date=When,description=Notes,url=Link"),
    )
    text = (events / "spreadsheet.toml").read_text(encoding="utf-8")
    assert 'when = "mid-March 2026"' in text
    assert 'id = "office-opening-in-muenchen"' in text
    feed = {str(e["SUMMARY"]): e for e in icalendar.Calendar.from_ical((out / "spreadsheet.ics").read_bytes()).walk("VEVENT")}
    assert feed["Office opening in München"]["DTSTART"].dt == datetime(2026, 4, 1, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert str(feed["Series A announcement"]["URL"]) == "https://example.org/news/series-a"
    assert [str(c) for c in feed["Series A announcement"]["CATEGORIES"].cats] == ["finance", "press"]


def test_several_files_into_one_calendar(tmp_path):
    _, events, out = _import_and_build(tmp_path, CORPUS / "google.ics", CORPUS / "apple.ics", extra=("--calendar", "team"))
    assert sorted(p.name for p in events.glob("*.toml")) == ["team.toml"]
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical((out / "team.ics").read_bytes()).walk("VEVENT")}
    assert uids == set(_masters((CORPUS / "google.ics").read_bytes())) | set(_masters((CORPUS / "apple.ics").read_bytes()))


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        ("exists", ("google.ics",), "product-team.toml already exists; nothing was written"),
        ("", ("not-a-calendar.ics",), "not-a-calendar.ics: cannot read as iCalendar"),
        ("", ("ambiguous.csv", "--timezone", "UTC"), "ambiguous.csv: dates like '03/04/2026' can be day/month or month/day: give --date-order dmy or mdy"),
        ("", ("google.csv",), "google.csv: row 4: has a time of day but CSV has no zone: give --timezone"),
        ("", ("spreadsheet.csv", "--map", "title=Nmae"), "--map: no column 'Nmae' (did you mean 'Name'?)"),
        ("", ("spreadsheet.csv", "--map", "titel=Name"), "--map: 'titel' is not a field (did you mean 'title'?)"),
        ("", ("google.ics", "--calendar", "All"), "--calendar: 'All' is not a valid id"),
    ],
    ids=["target-exists", "not-ics", "ambiguous-dates", "csv-needs-zone", "map-unknown-column", "map-unknown-field", "bad-calendar-id"],
)
def test_refusals_write_nothing(tmp_path, setup, args, message):
    events = tmp_path / "events"
    events.mkdir()
    for name in ("google.ics", "google.csv", "spreadsheet.csv"):
        shutil.copyfile(CORPUS / name, tmp_path / name)
    (tmp_path / "not-a-calendar.ics").write_text("hello\n", encoding="utf-8")
    (tmp_path / "ambiguous.csv").write_text("Subject,Start Date\nA,03/04/2026\nB,05/06/2026\n", encoding="utf-8")
    if setup == "exists":
        (events / "product-team.toml").write_text("# mine\n", encoding="utf-8")
    before = sorted(p.name for p in events.iterdir())
    result = run("import", tmp_path / args[0], *args[1:], "--into", events)
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert message in result.stderr, result.stderr
    assert sorted(p.name for p in events.iterdir()) == before


def test_a_uid_already_in_the_events_folder_is_not_imported_twice(tmp_path):
    events = tmp_path / "events"
    assert run("import", CORPUS / "google.ics", "--into", events).exit_code == 0
    again = run("import", CORPUS / "google.ics", "--into", events, "--calendar", "copy")
    assert again.exit_code == 0, again.output
    assert "its UID '1a2b3c4d5e6f7g8h9i0jklmnop@google.com' is already used in" in again.stderr
    assert run("check", events).exit_code == 0
