from datetime import date, timedelta

import pytest

from keydates.when import parse_duration, parse_window


@pytest.mark.parametrize(
    ("phrase", "first", "last", "label"),
    [
        ("mid-february 2026", date(2026, 2, 11), date(2026, 2, 20), "mid-February 2026"),
        ("Early March 2026", date(2026, 3, 1), date(2026, 3, 10), "early-March 2026"),
        ("late feb 2028", date(2028, 2, 21), date(2028, 2, 29), "late-February 2028"),  # leap year
        ("late-april 2026", date(2026, 4, 21), date(2026, 4, 30), "late-April 2026"),
        ("January 2025", date(2025, 1, 1), date(2025, 1, 31), "January 2025"),
        ("sept 2026", date(2026, 9, 1), date(2026, 9, 30), "September 2026"),
        ("Q1 2026", date(2026, 1, 1), date(2026, 3, 31), "Q1 2026"),
        ("q4 2026", date(2026, 10, 1), date(2026, 12, 31), "Q4 2026"),
        ("H2 2026", date(2026, 7, 1), date(2026, 12, 31), "H2 2026"),
        ("2027", date(2027, 1, 1), date(2027, 12, 31), "2027"),
        ("  MID   february   2026 ", date(2026, 2, 11), date(2026, 2, 20), "mid-February 2026"),
    ],
)
def test_window_days(phrase, first, last, label):
    window = parse_window(phrase)
    assert (window.first, window.last, window.phrase) == (first, last, label)


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("mid-febuary 2026", "'febuary' is not a month"),
        ("q5 2026", "there is no Q5"),
        ("h3 2026", "there is no H3"),
        ("soon", "accepted forms"),
        ("february", "accepted forms"),
        ("2026-02-15", "accepted forms"),
    ],
)
def test_bad_window_says_why_and_lists_forms(phrase, reason):
    with pytest.raises(ValueError) as caught:
        parse_window(phrase)
    assert reason in str(caught.value)
    assert "early|mid|late MONTH YEAR" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("PT45M", timedelta(minutes=45)),
        ("P3D", timedelta(days=3)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P2W", timedelta(weeks=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("45m", timedelta(minutes=45)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(weeks=1)),
        ("pt6h", timedelta(hours=6)),
    ],
)
def test_durations(text, length):
    assert parse_duration(text) == length


@pytest.mark.parametrize("text", ["P1M", "an hour", "", "1x", "P1Y"])
def test_bad_duration(text):
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration(text)
