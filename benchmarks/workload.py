"""Generate a seeded benchmark workload: N events as keydates TOML and as resolved JSON.

    python benchmarks/workload.py N OUTDIR [--seed S]

writes ``OUTDIR/bench.toml`` (one keydates calendar) and ``OUTDIR/bench.json``
(the same events with every field resolved, for the icalendar baseline).
The same N and seed give byte-identical files.

Mix: 50% one-day, 20% multi-day, 20% timed (half Asia/Shanghai, the calendar
zone; half America/New_York), 10% uncertain windows.  Titles are about 40
characters, a fifth with Chinese; descriptions about 120 characters with commas,
semicolons, a line break and now and then a double quote or a backslash; two
tags; a URL.  Dates run from 2020 to 2030.

bench.json is ``{"calendar": {...}, "events": [...]}``.  Each event has
``id, uid, kind, title, all_day, start, end, tzid, description, tags, url,
status, transp``: ``start``/``end`` are ISO dates (all-day) or naive local
ISO datetimes in ``tzid`` (timed), and ``end`` is exclusive, i.e. the RFC 5545
DTEND value (an all-day end is the day after the last day, RFC 5545 3.6.1).
Windows are resolved to all-day spans: early = 1-10, mid = 11-20,
late = 21-end of month; a month, quarter, half or year covers all its days.
"""

from __future__ import annotations

import argparse
import calendar
import json
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

CALENDAR_ZONE = "Asia/Shanghai"
OTHER_ZONE = "America/New_York"
FIRST_DAY = date(2020, 1, 1)
LAST_DAY = date(2030, 12, 31)
DTSTAMP = "2026-01-01T00:00:00Z"

# Ten slots per ten events: 5 one-day, 2 multi-day, 2 timed, 1 window.
KIND_SLOTS = ("date",) * 5 + ("span",) * 2 + ("timed",) * 2 + ("window",)

MONTHS = [m.lower() for m in calendar.month_name[1:]]
WINDOW_PARTS = {"early": (1, 10), "mid": (11, 20), "late": (21, None)}
# Window forms and their weights: early/mid/late MONTH YEAR, MONTH YEAR, Qn, Hn, YEAR.
WINDOW_FORMS = ("part",) * 10 + ("month",) * 5 + ("quarter",) * 3 + ("half", "year")

# Timed events start 07:00-20:45 and end the same day by 23:45, so New York times
# never fall in the skipped (02:00-03:00, March) or repeated (01:00-02:00,
# November) local hours of a DST change.
START_HOURS = range(7, 21)
START_MINUTES = (0, 15, 30, 45)
DURATIONS = (30, 45, 60, 90, 120, 180)

COMPANIES = (
    "Acme Robotics", "Northwind Traders", "Globex Corp", "Initech Systems",
    "Umbrella Biotech", "Stark Industries", "Wayne Enterprises", "Tyrell Corp",
    "Cyberdyne Labs", "Soylent Foods", "Hooli Cloud", "Pied Piper",
    "Vandelay Imports", "Massive Dynamic", "Aperture Science", "Oscorp Energy",
)
COMPANIES_ZH = (
    "阿里巴巴", "腾讯控股", "宁德时代", "比亚迪", "贵州茅台", "中国平安",
    "小米集团", "美团", "京东", "百度", "网易", "中芯国际",
)
TOPICS = (
    "quarterly earnings call", "annual shareholder meeting", "product launch event",
    "investor day keynote", "dividend record date", "bond coupon payment",
    "regulatory filing deadline", "board strategy review", "developer conference",
    "supply chain briefing", "guidance update webcast", "analyst roundtable",
)
TOPICS_ZH = (
    "业绩发布会", "股东大会", "新品发布会", "投资者开放日", "分红登记日", "战略说明会",
)
REGIONS = ("APAC", "EMEA", "Americas", "Greater China", "Nordics", "LatAm", "Global")
# Sentence pieces; _description capitalises the first of each sentence.
CLAUSES = (
    "dial-in details follow by email",
    "slides are posted an hour before",
    "questions go through the IR desk",
    "consensus is in the shared sheet",
    "the press embargo lifts at 09:00",
    "the replay stays up for 30 days",
    "watch the margin guidance",
    'management calls it a "reset year"',
    "notes go to \\\\ir-share\\calls",
    "time zones differ, check twice",
    "会议资料将提前一小时发布",
    "请通过投资者关系部门提问",
)
TAGS = (
    "earnings", "asia", "americas", "europe", "dividends", "bonds", "launch",
    "regulatory", "conference", "agm", "macro", "tech", "energy", "health",
)


# One shared encoder: json.dumps(..., ensure_ascii=False) builds a new one per call.
_JSON = json.JSONEncoder(ensure_ascii=False).encode


def toml_string(text: str) -> str:
    """Return text as a TOML basic string."""
    # A JSON string is a TOML basic string: both escape '"', backslash and control
    # characters the same way.  ensure_ascii=False keeps non-BMP characters (emoji)
    # as UTF-8; ensure_ascii=True would write surrogate pairs ("\ud83d\ude00"),
    # which TOML rejects.  DEL is the one character TOML forbids raw that JSON allows.
    return _JSON(text).replace("\x7f", "\\u007f")


def _pick(rnd, seq):
    # seq[int(random() * len)] is about three times faster than Random.choice and,
    # being driven by one seeded Random, just as reproducible.
    return seq[int(rnd() * len(seq))]


def _title(rnd) -> str:
    if rnd() < 0.2:
        return (f"{_pick(rnd, COMPANIES_ZH)}{_pick(rnd, TOPICS_ZH)} "
                f"{_pick(rnd, COMPANIES)} {_pick(rnd, REGIONS)}")
    return f"{_pick(rnd, COMPANIES)} {_pick(rnd, TOPICS)} {_pick(rnd, REGIONS)}"


def _description(rnd) -> str:
    a, b, c, d = (_pick(rnd, CLAUSES) for _ in range(4))
    return f"{a[0].upper()}{a[1:]}, {b}; {c}.\n{d[0].upper()}{d[1:]}."


def _window(rnd) -> tuple[str, date, date]:
    """Return (window text, first day, last day) for a random uncertain window."""
    year = FIRST_DAY.year + int(rnd() * (LAST_DAY.year - FIRST_DAY.year + 1))
    form = _pick(rnd, WINDOW_FORMS)
    if form == "part" or form == "month":
        month = 1 + int(rnd() * 12)
        days = calendar.monthrange(year, month)[1]
        if form == "month":
            return f"{MONTHS[month - 1]} {year}", date(year, month, 1), date(year, month, days)
        part = _pick(rnd, tuple(WINDOW_PARTS))
        first, last = WINDOW_PARTS[part]
        return (f"{part}-{MONTHS[month - 1]} {year}",
                date(year, month, first), date(year, month, last or days))
    if form == "quarter":
        q = 1 + int(rnd() * 4)
        last_month = 3 * q
        return (f"Q{q} {year}", date(year, last_month - 2, 1),
                date(year, last_month, calendar.monthrange(year, last_month)[1]))
    if form == "half":
        h = 1 + int(rnd() * 2)
        return f"H{h} {year}", date(year, 6 * h - 5, 1), date(year, 6 * h, 30 if h == 1 else 31)
    return str(year), date(year, 1, 1), date(year, 12, 31)


def generate(n: int, seed: int = 0) -> tuple[str, str]:
    """Return (bench.toml text, bench.json text) for n seeded events."""
    rng = random.Random(seed)
    rnd = rng.random
    kinds = [KIND_SLOTS[i % 10] for i in range(n)]
    rng.shuffle(kinds)
    width = max(6, len(str(n)))
    lo, span = FIRST_DAY.toordinal(), LAST_DAY.toordinal() - FIRST_DAY.toordinal() + 1
    one_day = timedelta(days=1)

    name = "Bench"
    cal_description = f"Synthetic keydates benchmark: {n} events, seed {seed}"
    toml = [
        "[calendar]",
        f"name = {toml_string(name)}",
        f"description = {toml_string(cal_description)}",
        f'timezone = "{CALENDAR_ZONE}"',
        "",
    ]
    cal = {"name": name, "description": cal_description,
           "timezone": CALENDAR_ZONE, "dtstamp": DTSTAMP}
    events = []
    for i, kind in enumerate(kinds):
        eid = f"e{i:0{width}d}"
        # Escaped once: a TOML basic string is also a JSON string.
        title = toml_string(_title(rnd))
        description = toml_string(_description(rnd))
        tag1 = _pick(rnd, TAGS)
        tag2 = _pick(rnd, TAGS)
        while tag2 == tag1:
            tag2 = _pick(rnd, TAGS)
        url = f"https://example.com/{tag1}/{eid}"
        tzid = "null"
        all_day = "true"
        status = "CONFIRMED"

        toml.append(f'[[event]]\nid = "{eid}"\ntitle = {title}')
        if kind == "date":
            day = date.fromordinal(lo + int(rnd() * span))
            toml.append(f"date = {day}")
            start, end = day, day + one_day
        elif kind == "span":
            first = date.fromordinal(lo + int(rnd() * span))
            last = first + timedelta(days=1 + int(rnd() * 9))
            toml.append(f"start = {first}\nend = {last}")
            start, end = first, last + one_day
        elif kind == "timed":
            all_day = "false"
            day = date.fromordinal(lo + int(rnd() * span))
            start = datetime(day.year, day.month, day.day,
                             _pick(rnd, START_HOURS), _pick(rnd, START_MINUTES))
            minutes = _pick(rnd, DURATIONS)
            end = start + timedelta(minutes=minutes)
            start, end = start.isoformat(), end.isoformat()
            if rnd() < 0.5:
                toml.append(f"start = {start}\nend = {end}")
            else:
                toml.append(f'start = {start}\nduration = "PT{minutes}M"')
            if rnd() < 0.5:
                tzid = f'"{OTHER_ZONE}"'
                toml.append(f'timezone = "{OTHER_ZONE}"')
            else:
                tzid = f'"{CALENDAR_ZONE}"'
        else:
            text, first, last = _window(rnd)
            toml.append(f'when = "{text}"')
            start, end = first, last + one_day
            status = "TENTATIVE"
        toml.append(f'description = {description}\ntags = ["{tag1}", "{tag2}"]\n'
                    f'url = "{url}"\n')
        events.append(
            f'{{"id": "{eid}", "uid": "{eid}@bench.keydates", "kind": "{kind}", '
            f'"title": {title}, "all_day": {all_day}, "start": "{start}", '
            f'"end": "{end}", "tzid": {tzid}, "description": {description}, '
            f'"tags": ["{tag1}", "{tag2}"], "url": "{url}", "status": "{status}", '
            f'"transp": "{"TRANSPARENT" if all_day == "true" else "OPAQUE"}"}}'
        )
    events_text = ",\n".join(events)
    json_text = f'{{"calendar": {_JSON(cal)},\n"events": [\n{events_text}\n]}}\n'
    return "\n".join(toml), json_text


def write(n: int, outdir: Path, seed: int = 0) -> tuple[Path, Path]:
    """Write bench.toml and bench.json for n events into outdir; return both paths."""
    outdir.mkdir(parents=True, exist_ok=True)
    toml_text, json_text = generate(n, seed)
    toml_path = outdir / "bench.toml"
    json_path = outdir / "bench.json"
    toml_path.write_text(toml_text, encoding="utf-8", newline="\n")
    json_path.write_text(json_text, encoding="utf-8", newline="\n")
    return toml_path, json_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of events")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    t0 = time.perf_counter()
    toml_path, json_path = write(args.n, args.outdir, args.seed)
    print(f"wrote {args.n} events to {toml_path} and {json_path} "
          f"in {time.perf_counter() - t0:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
