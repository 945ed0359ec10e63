"""Event.content_hash writes its JSON by hand: it must match json.dumps exactly,
or every event in every lock file would look changed."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from conftest import reference_hash

from keydates.lock import content_hash, legacy_hash
from keydates.model import Event

PARIS = ZoneInfo("Europe/Paris")


EVENTS = [
    Event("a", "A", date(2026, 1, 1), date(2026, 1, 2)),
    Event(
        "every-field", 'Quote " back\\slash, 中文 \u2028 tab\t', datetime(2026, 3, 29, 1, 30, tzinfo=PARIS),
        datetime(2026, 3, 29, 3, 30, tzinfo=PARIS), timezone="Europe/Paris", window="mid-march 2026",
        description="line\nbreak; comma, \x7f \ud7ff", location="Zürich", url="https://example.com/?q=1&r=2",
        tags=("b", "ä", 'q"'), status="tentative", busy=True, repeat="FREQ=WEEKLY;COUNT=3",
        exceptions=(datetime(2026, 4, 5, 1, 30, tzinfo=PARIS),), reminders=(timedelta(days=-1), timedelta(minutes=-15, seconds=-1)),
    ),
    Event("utc", "", datetime(2026, 1, 1, 9, tzinfo=timezone(timedelta(hours=5, minutes=30))),
          datetime(2026, 1, 1, 10, tzinfo=timezone.utc), busy=False, tags=(), exceptions=(date(2026, 1, 8), date(2026, 1, 15))),
]


@pytest.mark.parametrize("event", EVENTS, ids=[e.id for e in EVENTS])
def test_content_hash_matches_json_dumps(event):
    assert content_hash(event) == reference_hash(event)
    assert legacy_hash(event) == reference_hash(event, identity=True)
