"""The errors users see. One base class; Click prints it and exits 1."""

from __future__ import annotations

from dataclasses import dataclass
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
        where = [str(self.path)]
        if self.event:
            where.append(self.event)
        if self.field:
            where.append(self.field)
        return ": ".join([*where, self.message])


class InputError(KeydatesError):
    """The input has problems: each is printed on a line of its own."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))

    def show(self, file: IO | None = None) -> None:
        for problem in self.problems:
            click.echo(f"{'warning' if problem.warning else 'error'}: {problem}", err=True, file=file)
        count = sum(not problem.warning for problem in self.problems) or len(self.problems)
        noun = "problem" if count == 1 else "problems"
        click.echo(f"{count} {noun} found; nothing was written.", err=True, file=file)
