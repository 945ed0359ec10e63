"""How a date is told to people: one wording for the page, the list and the feed.

Every generated word comes from the gettext catalogs in `locale/` (Babel), and
every date is formatted by Babel for the language, so adding a language is
adding a catalog (docs/languages.md). Pure: from the model only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from importlib.resources import files

from babel import Locale, UnknownLocaleError
from babel.dates import format_interval, format_skeleton
from babel.lists import format_list
from babel.support import NullTranslations, Translations

from zoneinfo import ZoneInfo

from keydates.model import ChangeItem, Event, Relative, Summary, last_day
from keydates.recurrence import DAY_CODES, parse_rule
from keydates.when import parse_window

DOMAIN = "keydates"
DEFAULT_LANGUAGE = "en"
# Plain English writes dates day first, as keydates always has (19 Feb
# 2026): CLDR's international English. `en-US` gives Feb 19, 2026.
DATE_LOCALES = {"en": "en_001"}


def catalog_languages() -> tuple[str, ...]:
    """The languages with a catalog in locale/."""
    folder = files("keydates") / "locale"
    return tuple(sorted(entry.name for entry in folder.iterdir() if (entry / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()))


@dataclass(frozen=True)
class Language:
    """A language's words (its catalog) and its way of writing dates (its Babel locale)."""

    code: str  # a BCP 47 tag: en, de, en-US
    locale: Locale
    translations: NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


def language_tag(text: str) -> str:
    """The BCP 47 form of a language name (de, de-AT); ValueError if Babel or the catalogs don't know it."""
    try:
        locale = Locale.parse(text.replace("-", "_"))
    except (ValueError, TypeError, UnknownLocaleError):
        raise ValueError(f"{text!r} is not a language keydates knows; use a tag such as {', '.join(map(repr, catalog_languages()))}") from None
    if locale.language not in catalog_languages():
        raise ValueError(f"there is no catalog for {text!r}: keydates speaks {', '.join(catalog_languages())} (docs/languages.md says how to add one)")
    return "-".join(part for part in (locale.language, locale.script, locale.territory) if part)


@cache
def language(code: str = DEFAULT_LANGUAGE) -> Language:
    """The Language for a tag from language_tag()."""
    locale = Locale.parse(DATE_LOCALES.get(code, code.replace("-", "_")))
    translations = Translations.load(str(files("keydates") / "locale"), [code.replace("-", "_"), code.split("-")[0]], DOMAIN)
    return Language(code, locale, translations)


def language_name(tag: str) -> str:
    """A language's name in that language, for a language switch: 'Deutsch', 'English'."""
    name = Locale.parse(tag.replace("-", "_")).get_display_name() or tag
    return name[:1].upper() + name[1:]


def say(lang: Language, message: str, **values) -> str:
    """A message from the catalog, its {fields} filled in."""
    return lang.gettext(message).format(**values)


def full_day(day: date, lang: Language) -> str:
    """'Thu, 19 Feb 2026', 'Do., 19. Feb. 2026'."""
    return format_skeleton("yMMMEd", day, locale=lang.locale)


def open_day_range(first: date | None, last: date | None, lang: Language) -> str:
    """Days with a bound on one side or both, for rolling windows: '4 Nov 2025 – 2 Feb 2028', 'from 4 Nov 2025 on', 'up to 2 Feb 2028'."""
    if first is not None and last is not None:
        return day_range(first, last, lang)
    if first is not None:
        return say(lang, "from {day} on", day=format_skeleton("yMMMd", first, locale=lang.locale))
    return say(lang, "up to {day}", day=format_skeleton("yMMMd", last, locale=lang.locale))


def day_range(first: date, last: date, lang: Language) -> str:
    """Days first..last (inclusive): '19 Feb 2026', '15–23 Feb 2026', '28 Jan – 3 Feb 2026'."""
    if first == last:
        return format_skeleton("yMMMd", first, locale=lang.locale)
    return format_interval(first, last, "yMMMd", locale=lang.locale)


def short_day_range(first: date, last: date, lang: Language) -> str:
    """Days without the year, for the timeline's labels: '15 Feb', '15–23 Feb'."""
    if first == last:
        return format_skeleton("MMMd", first, locale=lang.locale)
    return format_interval(first, last, "MMMd", locale=lang.locale)


def month_name(day: date, lang: Language, year: bool = False) -> str:
    """'Feb', or 'Feb 2026' with the year: the timeline's month labels."""
    return format_skeleton("yMMM" if year else "MMM", day, locale=lang.locale)


def moment_text(moment: datetime, lang: Language) -> str:
    """A UTC time: '2 Feb 2026, 02:40 UTC'."""
    # The locale's way of joining a date and a time ('{1}, {0}' in English).
    joined = lang.locale.datetime_formats["medium"].format(_time(moment, lang), format_skeleton("yMMMd", moment, locale=lang.locale))
    return say(lang, "{time} UTC", time=joined)


def year_text(day: date, lang: Language) -> str:
    return format_skeleton("y", day, locale=lang.locale)


def window_phrase(phrase: str, lang: Language) -> str:
    """A window phrase ('mid-February 2026') in the language ('Mitte Februar 2026')."""
    window = parse_window(phrase)
    year = str(window.first.year)
    if window.month:
        month = lang.locale.months["format"]["wide"][window.month]
        if window.part == "early":
            return say(lang, "early-{month} {year}", month=month, year=year)
        if window.part == "mid":
            return say(lang, "mid-{month} {year}", month=month, year=year)
        if window.part == "late":
            return say(lang, "late-{month} {year}", month=month, year=year)
        return format_skeleton("yMMMM", window.first, locale=lang.locale)
    if window.period == "Q":
        return say(lang, "Q{number} {year}", number=window.number, year=year)
    if window.period == "H":
        return say(lang, "H{number} {year}", number=window.number, year=year)
    return year


def _time(moment: datetime, lang: Language) -> str:
    return format_skeleton("Hm", moment, locale=lang.locale)


def when_text(event: Event, lang: Language, start: date | datetime | None = None, end: date | datetime | None = None) -> str:
    """The date of an event, or of one occurrence [start, end), as a person writes it."""
    start = event.start if start is None else start
    end = event.end if end is None else end
    if event.window:
        span = day_range(start, last_day(start, end), lang)
        return say(lang, "{window} (some time from {span})", window=window_label(event, lang), span=span)
    if not isinstance(start, datetime):
        last = last_day(start, end)
        return full_day(start, lang) if last == start else day_range(start, last, lang)
    zone = event.timezone or start.strftime("UTC%z")
    if end.date() == start.date():
        return f"{full_day(start.date(), lang)}, {_time(start, lang)}–{_time(end, lang)} {zone}"
    return f"{full_day(start.date(), lang)} {_time(start, lang)} – {full_day(end.date(), lang)} {_time(end, lang)} {zone}"


def window_label(event: Event, lang: Language) -> str:
    """A window's phrase; for one placed relative to a window, '1 day after mid-February 2026'."""
    phrase = window_phrase(event.window, lang)
    return relation(event.relative, lang, phrase) if event.relative else phrase


def relation(relative: Relative, lang: Language, anchor: str | None = None) -> str:
    """'1 day after Alibaba quarterly results', '3 business days before X', 'at the same time as X'.

    `anchor` names the anchor otherwise than by its title (a window's phrase).
    """
    name = anchor or relative.title
    count = abs(relative.amount)
    if relative.amount == 0:
        return say(lang, "at the same time as {name}", name=name)
    after = relative.amount > 0
    if relative.unit == "weeks":
        text = lang.ngettext("{count} week after {name}", "{count} weeks after {name}", count) if after else lang.ngettext("{count} week before {name}", "{count} weeks before {name}", count)
    elif relative.unit == "business days":
        text = lang.ngettext("{count} business day after {name}", "{count} business days after {name}", count) if after else lang.ngettext("{count} business day before {name}", "{count} business days before {name}", count)
    else:
        text = lang.ngettext("{count} day after {name}", "{count} days after {name}", count) if after else lang.ngettext("{count} day before {name}", "{count} days before {name}", count)
    return text.format(count=count, name=name)


def window_note(event: Event, lang: Language) -> str:
    """The sentence that opens a window's description: an expectation, not a date."""
    span = day_range(event.start, event.end - timedelta(days=1), lang)
    window = window_label(event, lang)
    if event.status == "tentative":
        return say(lang, "Expected {window} (some time from {span}; the exact date is not known).", window=window, span=span)
    return say(lang, "Date: {window} (some time from {span}; the exact day is not given).", window=window, span=span)


def description(event: Event, lang: Language) -> str:
    """The DESCRIPTION text: window note, the user's text, the source link.

    The links are repeated here because Google and Outlook don't show URL,
    and Google does not show CONFERENCE.
    """
    parts = []
    if event.relative and not event.window:  # a window says it in its note
        text = relation(event.relative, lang)
        parts.append(text[:1].upper() + text[1:] + ".")
    if event.window:
        parts.append(window_note(event, lang))
    if event.description:
        parts.append(event.description)
    if event.conference:  # Google ignores CONFERENCE
        parts.append(say(lang, "Join online: {url}", url=event.conference))
    if event.url:
        parts.append(say(lang, "Source: {url}", url=event.url))
    return "\n\n".join(parts)


def rule_text(event: Event, lang: Language) -> str:
    """A repeating event's rule in words: 'every week', 'every quarter, until 31 Dec 2027', 'every year, 5 times'.

    FREQ, INTERVAL, COUNT, UNTIL and a weekly rule's weekdays are worded;
    any other part is quoted as written ('every month (BYDAY=-1FR)'), which
    is exact if not pretty.
    """
    parts = dict(parse_rule(event.repeat).parts)
    freq, interval = parts.pop("FREQ"), parts.pop("INTERVAL", 1)
    count, until = parts.pop("COUNT", None), parts.pop("UNTIL", None)
    parts.pop("WKST", None)  # changes nothing a person sees in the rules keydates accepts
    if freq == "MONTHLY" and interval == 3:
        text = lang.gettext("every quarter")
    else:
        text = _every(freq, interval, lang).format(count=interval)
    days = parts.get("BYDAY")
    if freq == "WEEKLY" and days and all(n == 0 for n, _ in days):
        del parts["BYDAY"]
        names = [lang.locale.days["format"]["wide"][DAY_CODES.index(code)] for _, code in days]
        text = say(lang, "{rule} on {days}", rule=text, days=format_list(names, locale=lang.locale))
    if parts:
        text = say(lang, "{rule} ({parts})", rule=text, parts=";".join(f"{key}={_part_text(value)}" for key, value in parts.items()))
    if count is not None:
        text = lang.ngettext("{rule}, once", "{rule}, {count} times", count).format(rule=text, count=count)
    if until is not None:
        text = say(lang, "{rule}, until {day}", rule=text, day=day_range(_until_day(until, event), _until_day(until, event), lang))
    return text


def _every(freq: str, n: int, lang: Language) -> str:
    if freq == "YEARLY":
        return lang.ngettext("every year", "every {count} years", n)
    if freq == "MONTHLY":
        return lang.ngettext("every month", "every {count} months", n)
    if freq == "WEEKLY":
        return lang.ngettext("every week", "every {count} weeks", n)
    if freq == "DAILY":
        return lang.ngettext("every day", "every {count} days", n)
    if freq == "HOURLY":
        return lang.ngettext("every hour", "every {count} hours", n)
    if freq == "MINUTELY":
        return lang.ngettext("every minute", "every {count} minutes", n)
    return lang.ngettext("every second", "every {count} seconds", n)


def _part_text(value) -> str:
    if isinstance(value, tuple):
        return ",".join(f"{item[0] or ''}{item[1]}" if isinstance(item, tuple) else str(item) for item in value)
    return str(value)


def _until_day(text: str, event: Event) -> date:
    """The last day a rule's UNTIL (RFC 5545 form: a date, or a UTC or floating time) allows, on the event's clock."""
    if len(text) == 8:
        return datetime.strptime(text, "%Y%m%d").date()
    moment = datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S")
    if text.endswith("Z") and isinstance(event.start, datetime):
        zone = ZoneInfo(event.timezone) if event.timezone else event.start.tzinfo
        moment = moment.replace(tzinfo=timezone.utc).astimezone(zone)
    return moment.date()


def reminder_text(event: Event, lang: Language) -> str:
    """A reminder's DESCRIPTION (RFC 5545 3.6.6 requires one), which apps show as the alert."""
    return say(lang, "Reminder: {title}", title=event.title)


def summary_when(info: Summary, lang: Language) -> str:
    """The dates of an event as a change message quotes them (from the lock's summary)."""
    start, end = _iso(info.start), _iso(info.end)
    if info.window:
        return window_phrase(info.window, lang)
    if not isinstance(start, datetime):
        return day_range(start, last_day(start, end), lang)
    if info.timezone:
        zone = ZoneInfo(info.timezone)
        start, end = start.astimezone(zone), end.astimezone(zone)
    label = info.timezone or start.strftime("UTC%z")
    if end.date() == start.date():
        return f"{full_day(start.date(), lang)}, {_time(start, lang)}–{_time(end, lang)} {label}"
    return f"{full_day(start.date(), lang)} {_time(start, lang)} – {full_day(end.date(), lang)} {_time(end, lang)} {label}"


def change_text(item: ChangeItem, lang: Language) -> str:
    """One change as a sentence: 'Alibaba quarterly results moved from 19 Feb 2026 to 26 Feb 2026'."""
    new, old = item.new, item.old
    if item.kind == "removed":
        if old is None:
            return say(lang, "Removed: {title}", title=item.id)
        return say(lang, "Removed: {title} ({when})", title=old.title, when=summary_when(old, lang))
    if item.kind == "cancelled":
        return say(lang, "Cancelled: {title} ({when})", title=new.title, when=summary_when(new, lang))
    if item.kind == "restored":
        return say(lang, "Back: {title}, {when}", title=new.title, when=summary_when(new, lang))
    if item.kind == "added" or old is None:
        return say(lang, "New: {title}, {when}", title=new.title, when=summary_when(new, lang))
    title = new.title
    if old.title != new.title:
        title = say(lang, "{title} (renamed from “{old}”)", title=new.title, old=old.title)
    if (old.start, old.end, old.window) != (new.start, new.end, new.window):
        return say(lang, "{title} moved from {old} to {new}", title=title, old=summary_when(old, lang), new=summary_when(new, lang))
    if old.status != new.status:
        return say(lang, "{title} is now {status}", title=title, status=status_word(new.status, lang))
    if old.title != new.title:
        return title
    return say(lang, "{title} ({when}): details updated", title=title, when=summary_when(new, lang))


def status_word(status: str, lang: Language) -> str:
    words = {"confirmed": lang.gettext("confirmed"), "tentative": lang.gettext("tentative"), "cancelled": lang.gettext("cancelled")}
    return words.get(status, status)


def _iso(text: str) -> date | datetime:
    return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)

