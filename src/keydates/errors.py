"""The errors users see, and the few helpers that word them.

One base class; Click prints it and exits 1.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

import click


class KeydatesError(click.ClickException):
    """Any failure caused by the input or the environment, not by a bug."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, pointing at the spot."""

    path: Path | str
    message: str
    event: str | None = None  # "event 'deepseek-v4'" or "event #3"
    field: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = [printable(str(self.path))]
        if self.event:
            where.append(self.event)
        if self.field:
            where.append(self.field)
        return ": ".join([*where, self.message])


class InputError(KeydatesError):
    """The input has problems: each is printed on a line of its own."""

    def __init__(self, problems: list[Problem], *, writes: bool = False):
        self.problems = problems
        self.writes = writes  # whether the command would have written files (build)
        super().__init__("\n".join(str(p) for p in problems))

    def show(self, file: IO | None = None) -> None:
        for problem in self.problems:
            click.echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True, file=file)
        count = sum(not problem.warning for problem in self.problems) or len(self.problems)
        summary = plural(count, "problem") + " found"
        click.echo(summary + ("; nothing was written." if self.writes else "."), err=True, file=file)


def printable(text: str) -> str:
    """Text with every non-printable character escaped (file names can hold line breaks)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 problem', '2 problems'."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def did_you_mean(word: object, choices: Iterable[str], n: int = 1, fold_case: bool = False) -> str:
    """' (did you mean 'title'?)' for a near miss among `choices`, else ''."""
    if not isinstance(word, str):
        return ""
    choices = list(choices)
    if fold_case:
        folded = {choice.casefold(): choice for choice in choices}
        close = [folded[m] for m in difflib.get_close_matches(word.casefold(), folded, n=n, cutoff=0.6)]
    else:
        close = difflib.get_close_matches(word, choices, n=n, cutoff=0.6)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def show(value: date) -> str:
    """A date or wall-clock time as messages write it: 2026-02-06, 2026-02-06T09:30."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    return value.isoformat()
