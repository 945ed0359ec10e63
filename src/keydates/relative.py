"""Dates placed relative to another event: "+1d", "-2w", "+3 business days".

Pure: the offsets, the day arithmetic and the order in which dependents are
placed (anchors first, cycles and missing anchors found with the whole
chain). `validate` reads the keys and builds the events; the rules are in
docs/relative-dates.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import date, timedelta
from typing import NamedTuple

UNITS = {
    "d": "days", "day": "days", "days": "days",
    "w": "weeks", "week": "weeks", "weeks": "weeks",
    "bd": "business days", "business day": "business days", "business days": "business days",
    "working day": "business days", "working days": "business days",
}  # fmt: skip
OFFSET_FORMS = "'+1d', '-2w', '+3 business days', '0d'"
MAX_OFFSET_DAYS = 100 * 366  # keeps the arithmetic within datetime's range and business days bounded

_OFFSET_RE = re.compile(r"^(?P<sign>[+-]?)\s*(?P<amount>\d+)\s*(?P<unit>[a-z ]+?)\s*(?:(?P<word>after|before|later|earlier))?$")


class Offset(NamedTuple):
    """How far from its anchor an event is: `amount` (negative: before) `unit`s."""

    amount: int
    unit: str  # "days", "weeks" or "business days"


def parse_offset(text: str) -> Offset:
    """'+1d', '-2w', '+3 business days' (also '3 business days before'); ValueError otherwise."""
    phrase = " ".join(text.lower().split())
    match = _OFFSET_RE.match(phrase)
    unit = UNITS.get(match["unit"]) if match else None
    if unit is None:
        raise ValueError(f"cannot read {text!r} as an offset: write {OFFSET_FORMS}")
    if match["sign"] and match["word"]:
        raise ValueError(f"{text!r} gives the direction twice: write {OFFSET_FORMS}")
    amount = int(match["amount"])
    if amount * (7 if unit == "weeks" else 1) > MAX_OFFSET_DAYS:
        raise ValueError(f"{text!r} is more than 100 years")
    negative = match["sign"] == "-" or match["word"] in ("before", "earlier")
    return Offset(-amount if negative else amount, unit)


def shift(day: date, offset: Offset, working: Callable[[date], bool]) -> date:
    """The day `offset` away from `day`; business days count only days `working` says are working days."""
    if offset.unit == "days":
        return day + timedelta(days=offset.amount)
    if offset.unit == "weeks":
        return day + timedelta(weeks=offset.amount)
    step = timedelta(days=1 if offset.amount > 0 else -1)
    left = abs(offset.amount)
    while left:
        day += step
        if working(day):
            left -= 1
    return day


def weekdays_only(day: date) -> bool:
    """Business days where no country is named: Monday to Friday."""
    return day.weekday() < 5


Key = Hashable


def placement_order(
    anchors: dict[Key, Key], fixed: set[Key], broken: set[Key]
) -> tuple[list[Key], dict[Key, tuple[list[Key], str]]]:
    """The order to place dependents in (each after its anchor), and why the others cannot be.

    `anchors` maps each dependent to its anchor; `fixed` are events with
    their own date; `broken` are events with errors of their own, whose
    dependents are left out without a problem of their own. A problem is
    (chain, kind): the keys from the dependent to where it fails, and
    "cycle" or "missing" (the chain's last key is no event).
    """
    order: list[Key] = []
    problems: dict[Key, tuple[list[Key], str]] = {}
    settled: dict[Key, str] = {}  # "placed", "failed" or "skipped"
    for start in anchors:
        chain: list[Key] = []
        key = start
        while key in anchors and key not in settled and key not in chain:
            chain.append(key)
            key = anchors[key]
        if key in chain:  # a cycle: every member gets the cycle, those leading in the whole chain
            loop = chain[chain.index(key):]
            for member in loop:
                problems[member] = ([*loop[loop.index(member):], *loop[: loop.index(member)], member], "cycle")
                settled[member] = "failed"
            chain = chain[: chain.index(key)]
            outcome, tail, kind = "failed", [*loop, key], "cycle"
        elif key in settled:
            outcome = "placed" if settled[key] == "placed" else settled[key]
            tail, kind = problems[key] if outcome == "failed" else ([], "")
        elif key in fixed:
            outcome, tail, kind = "placed", [], ""
        elif key in broken:
            outcome, tail, kind = "skipped", [], ""
        else:
            outcome, tail, kind = "failed", [key], "missing"
        for position in range(len(chain) - 1, -1, -1):
            member = chain[position]
            settled[member] = outcome
            if outcome == "placed":
                order.append(member)
            elif outcome == "failed":
                problems[member] = ([*chain[position:], *tail], kind)
    return order, problems
