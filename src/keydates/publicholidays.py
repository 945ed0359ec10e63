"""Public holidays from the `holidays` package, as the blocks of days people get off.

Pure: no TOML, no icalendar. `holiday_blocks` turns the settings of one
`[[holidays]]` table into sorted, frozen `HolidayBlock`s with stable ids.

How a block is found: a day is off when the source says it is not a working
day (`HolidayBase.is_working_day`: a holiday, or a weekend day that is not one
of the country's make-up working days in `weekend_workdays`).
`HolidayBase.get_nth_working_day(day, -1 / +1)` gives the working days around a
holiday; everything between them is the block. This is how
`holidays.utils.list_long_breaks` finds long breaks too.

Naming: a title joins the holidays of a block with " / ", leaving out
substituted days off and "(observed)" copies (they stay in `names`). An id is
`country[-subdiv]-year-name`, from the English name of the holiday covering
most days of the block, so it survives a change of `language` and an
"(estimated)" date being confirmed; repeats get -2, -3 in date order.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

import holidays
from holidays import HolidayBase, registry

TITLE_SEPARATOR = " / "
ID_LANGUAGE = "en_US"  # ids come from English names, so changing `language` keeps UIDs
_OBSERVED_LABELS = ("observed_estimated_label", "observed_label_before", "observed_label")
_OBSERVED_ESTIMATED_LABEL = _OBSERVED_LABELS[0]
_ESTIMATED_LABEL = "estimated_label"
_DAY_OFF_LABEL = "substituted_label"
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class HolidayBlock:
    """One holiday, or a run of days off around one or more holidays (both ends inclusive)."""

    id: str
    title: str
    first: date
    last: date
    names: tuple[str, ...]  # every distinct name the source gives these days, in date order


class HolidaySourceError(ValueError):
    """Bad source settings; `field` names the key, str() is one line with the choices."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return self.message


def holiday_blocks(
    country: str,
    years: Sequence[int],
    *,
    subdiv: str | None = None,
    language: str | None = None,
    only: Sequence[str] = (),
    blocks: bool = False,
) -> list[HolidayBlock]:
    """Return the public holidays of a country as blocks sorted by first day.

    With `blocks=False` each entry is one holiday; consecutive days carrying
    the same names (CN's three Spring Festival days) are one entry, so a
    calendar shows one bar instead of three identical events. With
    `blocks=True` each entry is a whole run of days off: holidays, substituted
    days off and the weekend days touching them, minus make-up working days.

    Neighbouring years are read too, so a block crossing New Year is whole even
    when only one of its years is requested; a block is returned when one of
    its holidays falls in a requested year, and its id does not depend on
    which years were requested. `only` keeps the entries with a name (in
    `language` or in English) containing one of the strings, ignoring case;
    it never cuts days out of a block.
    """
    source = _entity(country)
    code = source.country
    subdiv = _check_subdiv(source, subdiv)
    wanted = _check_years(source, years)
    language = _check_language(source, language)
    terms = _check_only(only)

    # Read the years around the requested ones, so blocks crossing New Year are whole.
    covered = range(source.start_year, source.end_year + 1)
    loaded = sorted({y + step for y in wanted for step in (-1, 0, 1)} & set(covered))
    id_language = _id_language(source)
    named = _load(code, subdiv, loaded, id_language)
    shown = named if language == id_language else _load(code, subdiv, loaded, language)
    id_labels, shown_labels = _Labels(named), _Labels(shown)

    prefix = "-".join(_slug(part) for part in (code, subdiv) if part)
    found = []  # (block, its holiday dates, names `only` may match)
    for first, last, days in _day_off_runs(named) if blocks else _same_name_runs(named):
        names = _names(shown, days)
        if blocks:
            year, id_name = id_labels.main_holiday(named, days)
            title = shown_labels.title(names)
        else:
            year, id_name = first.year, id_labels.stable(named.get_list(first)[0])
            title = TITLE_SEPARATOR.join(names)
        block = HolidayBlock(f"{prefix}-{year}-{_slug(id_name)}", title, first, last, names)
        found.append((block, days, names + _names(named, days)))

    # Number repeated ids over every loaded year, before the year and `only`
    # filters, so an id never depends on which years or names were asked for.
    ids = _unique([block.id for block, _, _ in found])
    kept = [
        (replace(block, id=block_id), matchable)
        for block_id, (block, days, matchable) in zip(ids, found)
        if any(day.year in wanted for day in days)
    ]
    if terms:
        kept = _select(kept, terms, _where(code, subdiv, wanted), shown_labels)
    return [block for block, _ in kept]


def working_days(country: str, subdiv: str | None = None) -> Callable[[date], bool]:
    """Whether a day is a working day in a country: not a weekend day or a
    public holiday, or one of its official make-up working days (China's
    working Saturdays) as the source knows them. For business-day offsets."""
    source = _entity(country)
    subdiv = _check_subdiv(source, subdiv)
    # expand=True: the years are read as they are asked for.
    calendar = holidays.country_holidays(source.country, subdiv=subdiv, language=source.default_language)
    return calendar.is_working_day


def _entity(country: object) -> type[HolidayBase]:
    supported = holidays.list_supported_countries(include_aliases=True)
    code = country.upper() if isinstance(country, str) else country
    if code not in supported:
        choices = sorted(holidays.list_supported_countries(include_aliases=False))
        raise HolidaySourceError(
            "country",
            f"country {_show(country)} is not supported{_did_you_mean_country(country, choices)}; "
            f"supported codes: {', '.join(choices)}",
        )
    try:
        return type(holidays.country_holidays(code))
    except (NotImplementedError, ValueError) as e:
        raise HolidaySourceError("country", f"country {_show(country)}: {e}") from None


def _did_you_mean_country(country: object, codes: list[str]) -> str:
    """Suggest codes for a near-miss code ("DU") or an English name ("Germany")."""
    if not isinstance(country, str):
        return ""
    # registry.COUNTRIES: module name ("united_kingdom") -> (class name, alpha-2, alpha-3, ...)
    by_name = {module: entry[1] for module, entry in getattr(registry, "COUNTRIES", {}).items()}
    name = re.sub(r"[\s-]+", "_", country.strip().casefold())
    if matches := difflib.get_close_matches(name, by_name, n=1, cutoff=0.8):
        return f' (did you mean "{by_name[matches[0]]}"?)'
    return _did_you_mean(country.upper(), codes)


def _check_subdiv(source: type[HolidayBase], subdiv: object) -> str | None:
    if subdiv is None:
        return None
    codes = list(source.subdivisions)
    if source.parent_entity is not None:
        codes += [c for c in source.parent_entity.subdivisions if c not in codes]
    aliases = dict(source.subdivisions_aliases)
    if isinstance(subdiv, str):
        if subdiv in codes:
            return subdiv
        if subdiv in aliases:
            return aliases[subdiv]
        folded = {c.casefold(): c for c in codes} | {a.casefold(): aliases[a] for a in aliases}
        if subdiv.casefold() in folded:
            return folded[subdiv.casefold()]
    if not codes:
        raise HolidaySourceError(
            "subdiv",
            f"subdiv {_show(subdiv)} is given but the source has no subdivisions for {source.country}",
        )
    raise HolidaySourceError(
        "subdiv",
        f"subdiv {_show(subdiv)} is not a subdivision of {source.country}"
        f"{_did_you_mean(subdiv, codes + list(aliases))}; choices: {', '.join(sorted(codes))}",
    )


def _check_years(source: type[HolidayBase], years: Sequence[int]) -> set[int]:
    if isinstance(years, (str, bytes)) or not isinstance(years, Sequence):
        raise HolidaySourceError("years", f"years must be a list of years, not {_show(years)}")
    if not years:
        raise HolidaySourceError("years", "years is empty; give at least one year, e.g. [2026]")
    for year in years:
        if not isinstance(year, int) or isinstance(year, bool):
            raise HolidaySourceError(
                "years", f"years: {_show(year)} is not a year; give whole numbers like 2026"
            )
        if not source.start_year <= year <= source.end_year:
            raise HolidaySourceError(
                "years",
                f"years: {year} is outside what the source covers for {source.country} "
                f"({source.start_year}-{source.end_year})",
            )
    return set(years)


def _check_language(source: type[HolidayBase], language: object) -> str | None:
    choices = sorted(source.supported_languages)
    if language is None:
        # Never let `holidays` guess from LANGUAGE / LC_ALL: output must not depend on the shell.
        return source.default_language
    if language in choices:
        return language
    if not choices:
        raise HolidaySourceError(
            "language",
            f"language {_show(language)} is not available for {source.country}: "
            "the source has its names in one language only; leave language out",
        )
    hint = _did_you_mean(language, choices)
    if not hint and isinstance(language, str):
        # "en" -> "en_US": difflib finds a short code too far from its regional form.
        regional = [c for c in choices if c.casefold().startswith(language.casefold() + "_")]
        hint = f" (did you mean {_quoted(regional)}?)" if regional else ""
    raise HolidaySourceError(
        "language",
        f"language {_show(language)} is not available for {source.country}{hint}; "
        f"choices: {', '.join(choices)}",
    )


def _check_only(only: Sequence[str]) -> list[str]:
    if isinstance(only, (str, bytes)) or not isinstance(only, Sequence):
        raise HolidaySourceError("only", f"only must be a list of names, not {_show(only)}")
    for term in only:
        if not isinstance(term, str) or not term.strip():
            raise HolidaySourceError("only", f"only: {_show(term)} is not a holiday name")
    return list(only)


def _id_language(source: type[HolidayBase]) -> str | None:
    languages = sorted(source.supported_languages)
    english = [lang for lang in languages if lang == "en" or lang.startswith("en_")]
    if ID_LANGUAGE in languages:
        return ID_LANGUAGE
    return english[0] if english else source.default_language


def _load(code: str, subdiv: str | None, years: list[int], language: str | None) -> HolidayBase:
    # expand=False: only the years read here exist, nothing appears behind our back.
    return holidays.country_holidays(
        code, subdiv=subdiv, years=years, expand=False, language=language
    )


def _day_off_runs(source: HolidayBase) -> list[tuple[date, date, tuple[date, ...]]]:
    """Group holidays into maximal runs of days off: (first, last, holiday dates)."""
    runs: list[tuple[date, date, list[date]]] = []
    for day in sorted(source):
        if runs and day <= runs[-1][1]:
            runs[-1][2].append(day)
            continue
        first = source.get_nth_working_day(day, -1) + _ONE_DAY
        last = source.get_nth_working_day(day, +1) - _ONE_DAY
        runs.append((first, last, [day]))
    return [(first, last, tuple(days)) for first, last, days in runs]


def _same_name_runs(source: HolidayBase) -> list[tuple[date, date, tuple[date, ...]]]:
    """Group holidays on consecutive days with the same names: (first, last, dates)."""
    runs: list[list[date]] = []
    for day in sorted(source):
        before = runs[-1][-1] if runs else None
        same = before and set(source.get_list(day)) == set(source.get_list(before))
        if same and day - before == _ONE_DAY:
            runs[-1].append(day)
        else:
            runs.append([day])
    return [(days[0], days[-1], tuple(days)) for days in runs]


def _names(source: HolidayBase, days: Sequence[date]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for day in days for name in source.get_list(day)))


class _Labels:
    """Recognise the source's derived names ("X (observed)", "Day off (substituted from ...)").

    Patterns come from the entity's own label templates in the loaded
    language, so this works for every country and translation.
    """

    def __init__(self, source: HolidayBase) -> None:
        self.observed = [p for a in _OBSERVED_LABELS if (p := _pattern(source, a))]
        self.estimated = _pattern(source, _ESTIMATED_LABEL)
        self.day_off = _pattern(source, _DAY_OFF_LABEL)
        self.observed_estimated = _pattern(source, _OBSERVED_ESTIMATED_LABEL)
        self.observed_label = getattr(source, "observed_label", "%s")
        self.tr = source.tr

    def is_day_off(self, name: str) -> bool:
        return bool(self.day_off and self.day_off.fullmatch(name))

    def is_observed(self, name: str) -> bool:
        return any(p.fullmatch(name) for p in self.observed)

    def base(self, name: str) -> str:
        """Return the holiday a derived name stands for: "X (observed, estimated)" -> "X"."""
        for pattern in (*self.observed, self.estimated):
            if pattern and (m := pattern.fullmatch(name)):
                return m.group(1)
        return name

    def stable(self, name: str) -> str:
        """Drop "(estimated)": the name must not change when the date gets confirmed."""
        if self.estimated and (m := self.estimated.fullmatch(name)):
            return m.group(1)
        if self.observed_estimated and (m := self.observed_estimated.fullmatch(name)):
            return self.tr(self.observed_label) % m.group(1)  # "(observed, estimated)" -> "(observed)"
        return name

    def title(self, names: Sequence[str]) -> str:
        """Join the holidays of a block, leaving out days off and observed copies."""
        proper = {self.base(n) for n in names if not self.is_day_off(n) and not self.is_observed(n)}
        kept = [
            n
            for n in names
            if not self.is_day_off(n) and not (self.is_observed(n) and self.base(n) in proper)
        ]
        return TITLE_SEPARATOR.join(kept or names)

    def main_holiday(self, source: HolidayBase, days: Sequence[date]) -> tuple[int, str]:
        """Return (year, name) of the holiday a block is named after.

        The holiday covering most days, the earliest on a tie; its year is
        where the holiday itself (not an observed copy) falls.
        """
        count: dict[str, int] = {}  # base name -> days it covers in the block
        first: dict[str, date] = {}  # base name -> its first day, observed copies included
        itself: dict[str, date] = {}  # base name -> first day of the holiday proper
        for day in days:
            for name in source.get_list(day):
                if self.is_day_off(name):
                    continue
                base = self.base(name)
                count[base] = count.get(base, 0) + 1
                first.setdefault(base, day)
                if not self.is_observed(name):
                    itself.setdefault(base, day)
        if not count:  # only substituted days off: name it after the first one
            return days[0].year, source.get_list(days[0])[0]
        main = min(count, key=lambda base: (-count[base], first[base], base))
        return itself.get(main, first[main]).year, main


def _pattern(source: HolidayBase, attribute: str) -> re.Pattern[str] | None:
    template = getattr(source, attribute, None)
    if not isinstance(template, str):
        return None
    text = source.tr(template)
    if text.count("%s") != 1 or text == "%s":  # "%s" alone would match every name
        return None
    before, after = text.split("%s")
    return re.compile(f"{re.escape(before)}(.+){re.escape(after)}", re.DOTALL)


def _select(
    found: list[tuple[HolidayBlock, tuple[str, ...]]], terms: list[str], where: str, labels: _Labels
) -> list[tuple[HolidayBlock, tuple[str, ...]]]:
    folded = [t.casefold() for t in terms]
    for term, key in zip(terms, folded):
        if not any(key in name.casefold() for _, names in found for name in names):
            available = dict.fromkeys(
                name
                for block, _ in found
                for name in block.names
                if not labels.is_day_off(name) and not labels.is_observed(name)
            )
            raise HolidaySourceError(
                "only",
                f"only {_show(term)} matches no holiday in {where}; holidays there: {_quoted(available)}",
            )
    return [
        (block, names) for block, names in found if any(k in n.casefold() for k in folded for n in names)
    ]


def _where(code: str, subdiv: str | None, years: set[int]) -> str:
    place = f"{code}-{subdiv}" if subdiv else code
    return f"{place} {', '.join(str(y) for y in sorted(years))}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    ascii_text = re.sub(r"['\u2019]", "", ascii_text)  # "New Year's Day" -> "new-years-day"
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "holiday"


def _unique(ids: list[str]) -> list[str]:
    """Number repeated ids in order: x, x-2, x-3 (the list is sorted by date)."""
    taken: set[str] = set()
    result = []
    for block_id in ids:
        candidate, n = block_id, 1
        while candidate in taken:
            n += 1
            candidate = f"{block_id}-{n}"
        taken.add(candidate)
        result.append(candidate)
    return result


def _did_you_mean(value: object, choices: Sequence[str]) -> str:
    if not isinstance(value, str):
        return ""
    folded = {choice.casefold(): choice for choice in choices}
    matches = difflib.get_close_matches(value.casefold(), folded, n=3)
    return f" (did you mean {_quoted(folded[m] for m in matches)}?)" if matches else ""


def _quoted(values) -> str:
    return ", ".join(f'"{v}"' for v in values)


def _show(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)
