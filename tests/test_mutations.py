"""Mutation tests: damaged event files never crash a build or touch its output.

Hypothesis takes valid event files (the default timeline, and one with every
kind of event) and damages them: random bytes flipped, lines dropped or
repeated, values swapped for values of the wrong type or out of range. Every
damaged file must either build (to a calendar both parsers accept) or fail
with exit status 1 and messages naming the file, never with a traceback,
and a failed build must leave the published folder and the lock untouched.

Derandomized with a fixed number of examples, so CI sees the same cases every
time; set KEYDATES_EXAMPLES=N to hunt with N fresh random ones.
"""

from __future__ import annotations

import os
import re
import shutil

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import CALENDAR_HEADER, DEFAULT_TIMELINE, REPO, parse, run

SETTINGS = settings(
    max_examples=int(os.environ.get("KEYDATES_EXAMPLES", "150")),
    derandomize="KEYDATES_EXAMPLES" not in os.environ,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

EVERY_KIND = CALENDAR_HEADER + """\
description = "Every kind of event"
refresh = "PT1H"
url = "https://example.com/every.ics"

[[event]]
id = "one-day"
title = "One day, with a comma; and a \\\\N"
date = 2026-02-06
description = \"\"\"
Two lines,
of text.\"\"\"
location = "Hangzhou"
url = "https://example.com/a"
tags = ["a", "b"]
status = "confirmed"
busy = true

[[event]]
id = "span"
title = "Nine days"
start = 2026-02-15
end = 2026-02-23
url = "https://example.com/b"

[[event]]
id = "timed"
title = "Call"
start = 2026-02-19T09:00:00
end = 2026-02-19T10:30:00
timezone = "America/New_York"
remind = ["15m"]
url = "https://example.com/c"

[[event]]
id = "offset"
title = "Offset"
start = 2026-02-19T09:00:00+05:30
duration = "PT45M"
url = "https://example.com/d"

[[event]]
id = "weekly"
title = "Weekly"
start = 2026-02-02T08:00:00
duration = "1h"
repeat = "weekly"
count = 5
except = [2026-02-09T08:00:00]
url = "https://example.com/e"

[[event]]
id = "window"
title = "Expected"
when = "mid-february 2026"
url = "https://example.com/f"

[[holidays]]
country = "CN"
years = [2026]
blocks = true
"""

SEEDS = {"timeline": DEFAULT_TIMELINE.read_bytes(), "every": EVERY_KIND.encode()}
WRONG_VALUES = [
    "5", "-1", "0", "99999999999999999999", "1.5", "inf", "nan", "true", "false",
    '""', '"   "', '"x"', '"\\u0007"', "[]", '[1, "a"]', "[[1]]", "{}", "{ a = 1 }",
    "0001-01-01", "9999-12-31", "1969-12-31T23:59:59", "9999-12-31T23:00:00",
    "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "07:30:00",
    '"9999-12-31"', '"0001-01-01T00:00:00"', '"P99999999D"', '"PT0S"', '"-P1D"',
    '"FREQ=SECONDLY"', '"FREQ=DAILY;COUNT=99999999"', '"q9 2026"', '"late february 9999"',
    '"Etc/GMT+14"', '"../../etc/passwd"', '"Asia/Shanghai "', "[" * 1000 + "]" * 1000,
    "{ a = " * 500 + "1" + " }" * 500,
]  # fmt: skip
ASSIGNMENT = re.compile(rb"^([A-Za-z_-]+)\s*=\s*(.*)$", re.MULTILINE)


@st.composite
def damaged_files(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = SEEDS[name]
    for _ in range(draw(st.integers(1, 3))):
        how = draw(st.sampled_from(["flip", "drop", "repeat", "wrong-value", "wrong-value"]))
        if how == "flip":
            position = draw(st.integers(0, len(data) - 1))
            data = data[:position] + bytes([draw(st.integers(0, 255))]) + data[position + 1 :]
        elif how in ("drop", "repeat"):
            lines = data.split(b"\n")
            index = draw(st.integers(0, len(lines) - 1))
            lines[index : index + 1] = [] if how == "drop" else [lines[index]] * 2
            data = b"\n".join(lines)
        else:
            matches = list(ASSIGNMENT.finditer(data))
            match = draw(st.sampled_from(matches))
            value = draw(st.sampled_from(WRONG_VALUES)).encode()
            data = data[: match.start(2)] + value + data[match.end(2) :]
    return name, data


def snapshot(folder):
    return {path.relative_to(folder): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@SETTINGS
@given(damaged_files())
def test_damaged_files_fail_cleanly_or_build(tmp_path_factory, case):
    name, data = case
    folder = tmp_path_factory.mktemp("mutant")
    events = folder / "events"
    events.mkdir()
    source = events / f"{name}.toml"
    source.write_bytes(SEEDS[name])
    if name == "timeline":
        shutil.copyfile(REPO / "events" / "keydates.lock", events / "keydates.lock")
    first = run("build", events, "-o", folder / "dist")
    assert first.exit_code == 0, first.stderr
    before = snapshot(folder)

    source.write_bytes(data)
    result = run("build", events, "-o", folder / "dist")  # an exception here fails the test
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    if result.exit_code == 1:
        errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert errors, result.stderr
        assert all(str(source) in line for line in errors), result.stderr
        del before[source.relative_to(folder)]  # the damaged file itself
        after = snapshot(folder)
        del after[source.relative_to(folder)]
        assert after == before
    else:
        for feed in (folder / "dist").glob("*.ics"):
            parse(feed.read_bytes())
