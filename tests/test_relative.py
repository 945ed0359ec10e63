"""Events placed relative to another: chains, windows, times, business days
across China's Spring Festival (with its working Saturday), moving anchors."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from conftest import DEFAULT_TIMELINE, event_file, parse, run, vevents
from keydates.relative import Offset, parse_offset

SEED = DEFAULT_TIMELINE.read_text(encoding="utf-8")
CN = "Asia/Shanghai"


def seed_with(tmp_path, extra: str, *, country: str | None = "CN") -> tuple:
    """The default timeline (its [calendar] naming `country`) plus extra events; built."""
    text = SEED.replace('refresh = "PT6H"', f'refresh = "PT6H"\ncountry = "{country}"' if country else 'refresh = "PT6H"')
    folder = tmp_path / "events"
    folder.mkdir(exist_ok=True)
    path = folder / DEFAULT_TIMELINE.name
    path.write_text(text + "\n" + extra, encoding="utf-8")
    out = tmp_path / "dist"
    result = run("build", folder, "-o", out)
    assert result.exit_code == 0, result.output
    return path, out, vevents((out / "all.ics").read_bytes())


def uid(event_id: str) -> str:
    return f"{event_id}.alibaba-qwen-cny-2026@keydates"


def dependent(event_id: str, anchor: str, offset: str, **more: str) -> str:
    lines = [f'[[event]]\nid = "{event_id}"\ntitle = "{event_id}"\nrelative_to = "{anchor}"\noffset = "{offset}"\nurl = "https://example.org/"']
    lines += [f"{key} = {value}" for key, value in more.items()]
    return "\n".join(lines) + "\n"


def nth_working_day(day: date, n: int) -> date:
    """The truth from the holidays package's own arithmetic (not keydates')."""
    return holidays.country_holidays("CN").get_nth_working_day(day, n)


def test_business_days_across_the_spring_festival(tmp_path):
    extra = "".join([
        dependent("call", "alibaba-quarterly-results", "+1 business day"),
        dependent("orders-close", "spring-festival-holiday", "-1 business day"),
        dependent("orders-close-early", "spring-festival-holiday", "-3 business days"),
        dependent("back-at-work", "spring-festival-holiday", "+2 business days"),
    ])
    _, _, events = seed_with(tmp_path, extra)
    starts = {name: events[uid(name)]["DTSTART"].dt for name in ("call", "orders-close", "orders-close-early", "back-at-work")}
    assert starts["call"] == nth_working_day(date(2026, 2, 19), 1) == date(2026, 2, 24)  # the results fall in the holiday
    # The day before the block is Saturday 14 February, a make-up working day.
    assert starts["orders-close"] == nth_working_day(date(2026, 2, 15), -1) == date(2026, 2, 14)
    assert starts["orders-close-early"] == nth_working_day(date(2026, 2, 15), -3) == date(2026, 2, 12)
    assert starts["back-at-work"] == nth_working_day(date(2026, 2, 23), 2) == date(2026, 2, 25)
    assert events[uid("call")]["DTEND"].dt == date(2026, 2, 25)


def test_without_a_country_business_days_are_weekdays(tmp_path):
    _, _, events = seed_with(tmp_path, dependent("orders-close", "spring-festival-holiday", "-1 business day"), country=None)
    assert events[uid("orders-close")]["DTSTART"].dt == date(2026, 2, 13)  # Friday: the Saturday is not counted


def test_a_chain_of_dependents(tmp_path):
    extra = dependent("a", "alibaba-quarterly-results", "+1d") + dependent("b", "a", "+2w") + dependent("c", "b", "-3d")
    _, _, events = seed_with(tmp_path, extra)
    assert [events[uid(x)]["DTSTART"].dt for x in "abc"] == [date(2026, 2, 20), date(2026, 3, 6), date(2026, 3, 3)]
    # A tentative anchor makes its dependents tentative.
    assert {str(events[uid(x)]["STATUS"]) for x in "abc"} == {"TENTATIVE"}


def test_after_a_span_counts_from_its_last_day_before_it_from_its_first(tmp_path):
    extra = dependent("after", "spring-festival-holiday", "+1d") + dependent("before", "spring-festival-holiday", "-1d") + dependent("during", "spring-festival-holiday", "0d")
    _, _, events = seed_with(tmp_path, extra)
    assert (events[uid("after")]["DTSTART"].dt, events[uid("after")]["DTEND"].dt) == (date(2026, 2, 24), date(2026, 2, 25))
    assert events[uid("before")]["DTSTART"].dt == date(2026, 2, 14)
    assert (events[uid("during")]["DTSTART"].dt, events[uid("during")]["DTEND"].dt) == (date(2026, 2, 15), date(2026, 2, 24))


def test_a_window_gives_a_window(tmp_path):
    path, out, events = seed_with(tmp_path, dependent("v4-review", "deepseek-v4", "+1w"))
    review = events[uid("v4-review")]
    assert (review["DTSTART"].dt, review["DTEND"].dt) == (date(2026, 2, 18), date(2026, 2, 28))  # 11-20 Feb, a week on
    assert str(review["STATUS"]) == "TENTATIVE"
    rows = json.loads(run("list", path, "--format", "json", "--today", "2026-02-01").stdout)
    row = next(r for r in rows if r["id"] == "v4-review")
    assert row["when"] == "1 week after mid-February 2026"
    assert row["relative_to"] == "alibaba-qwen-cny-2026/deepseek-v4"


def test_own_time_of_day_and_zone(tmp_path):
    extra = dependent("call", "alibaba-quarterly-results", "+1d", time='"09:30"') + dependent(
        "call-ny", "alibaba-quarterly-results", "+1d", time="20:00:00", timezone='"America/New_York"', duration='"90m"')
    _, out, events = seed_with(tmp_path, extra)
    call, call_ny = events[uid("call")], events[uid("call-ny")]
    assert call["DTSTART"].dt == datetime(2026, 2, 20, 9, 30, tzinfo=ZoneInfo(CN))
    assert call["DTEND"].dt - call["DTSTART"].dt == timedelta(hours=1)
    assert call_ny["DTSTART"].dt == datetime(2026, 2, 20, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    assert call_ny["DTEND"].dt - call_ny["DTSTART"].dt == timedelta(minutes=90)
    assert str(call["TRANSP"]) == "OPAQUE"  # timed: busy


def test_a_timed_anchor_keeps_its_wall_clock_time_across_a_clock_change(tmp_path):
    path = event_file(tmp_path, """
        [[event]]
        id = "keynote"
        title = "Keynote"
        start = 2026-03-27T10:00:00
        duration = "45m"
        url = "https://example.org/"

        [[event]]
        id = "recap"
        title = "Recap"
        relative_to = "keynote"
        offset = "+2d"
        url = "https://example.org/"
    """, header='[calendar]\nname = "Conf"\ntimezone = "Europe/Berlin"\n')
    out = tmp_path / "dist"
    assert run("build", path, "-o", out).exit_code == 0
    recap = vevents((out / "test.ics").read_bytes())["recap.test@keydates"]
    berlin = ZoneInfo("Europe/Berlin")
    assert recap["DTSTART"].dt == datetime(2026, 3, 29, 10, 0, tzinfo=berlin)  # after the change to summer time
    assert recap["DTEND"].dt == datetime(2026, 3, 29, 10, 45, tzinfo=berlin)
    assert recap["DTSTART"].dt.utcoffset() == timedelta(hours=2)


def test_an_anchor_in_another_calendar(tmp_path):
    folder = tmp_path / "events"
    folder.mkdir()
    shutil.copyfile(DEFAULT_TIMELINE, folder / DEFAULT_TIMELINE.name)
    (folder / "press.toml").write_text(
        '[calendar]\nname = "Press"\ntimezone = "Europe/London"\n\n'
        + dependent("briefing", "alibaba-qwen-cny-2026/alibaba-quarterly-results", "+1d", time='"08:00"'),
        encoding="utf-8",
    )
    out = tmp_path / "dist"
    result = run("build", folder, "-o", out)
    assert result.exit_code == 0, result.output
    briefing = vevents((out / "press.ics").read_bytes())["briefing.press@keydates"]
    assert briefing["DTSTART"].dt == datetime(2026, 2, 20, 8, 0, tzinfo=ZoneInfo("Europe/London"))


def test_the_relation_is_shown_in_list_page_and_feed(tmp_path):
    path, out, events = seed_with(tmp_path, dependent("analyst-call", "alibaba-quarterly-results", "+1d"))
    assert "1 day after Alibaba quarterly results." in str(events[uid("analyst-call")]["DESCRIPTION"])
    listed = run("list", path, "--today", "2026-02-01").stdout
    assert "analyst-call (tentative; 1 day after Alibaba quarterly results)" in listed
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "(1 day after Alibaba quarterly results)" in page


def test_moving_the_anchor_moves_its_dependents_and_bumps_their_sequence(tmp_path):
    extra = dependent("call", "alibaba-quarterly-results", "+1 business day") + dependent("follow-up", "call", "+1w")
    path, out, events = seed_with(tmp_path, extra)
    assert {x: events[uid(x)]["SEQUENCE"] for x in ("call", "follow-up", "qwen-campaign-start")} == {"call": 0, "follow-up": 0, "qwen-campaign-start": 0}
    path.write_text(path.read_text(encoding="utf-8").replace("date = 2026-02-19", "date = 2026-02-26"), encoding="utf-8")
    result = run("build", path.parent, "-o", out, env={"SOURCE_DATE_EPOCH": "1771000000"})
    assert result.exit_code == 0, result.output
    assert "(3 events changed)" in result.stdout  # the anchor and both dependents
    moved = vevents((out / "all.ics").read_bytes())
    assert moved[uid("call")]["DTSTART"].dt == date(2026, 2, 27)
    assert moved[uid("follow-up")]["DTSTART"].dt == date(2026, 3, 6)
    assert {x: moved[uid(x)]["SEQUENCE"] for x in ("alibaba-quarterly-results", "call", "follow-up", "qwen-campaign-start")} == {
        "alibaba-quarterly-results": 1, "call": 1, "follow-up": 1, "qwen-campaign-start": 0}
    parse((out / "all.ics").read_bytes())  # both parsers accept it


@pytest.mark.parametrize(
    ("text", "offset"),
    [("+1d", Offset(1, "days")), ("-2w", Offset(-2, "weeks")), ("+3 business days", Offset(3, "business days")),
     ("3 business days before", Offset(-3, "business days")), ("1 day after", Offset(1, "days")), ("0d", Offset(0, "days")),
     ("- 1 working day", Offset(-1, "business days"))],
)
def test_offsets(text, offset):
    assert parse_offset(text) == offset


@pytest.mark.parametrize("text", ["+1 month", "1", "+-1d", "-1d before", "tomorrow", "+99999999d"])
def test_bad_offsets(text):
    with pytest.raises(ValueError):
        parse_offset(text)
