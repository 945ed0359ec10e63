"""Public holidays from the `holidays` package: blocks of days off, names, ids, errors."""

import re
from datetime import date, timedelta

import holidays
import pytest

from keydates.publicholidays import HolidayBlock, HolidaySourceError, holiday_blocks

ID_SHAPE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def spans(blocks: list[HolidayBlock]) -> list[tuple[date, date]]:
    return [(b.first, b.last) for b in blocks]


def block_on(blocks: list[HolidayBlock], day: date) -> HolidayBlock:
    (block,) = [b for b in blocks if b.first <= day <= b.last]
    return block


# China 2026, from the State Council notice of 2025-11-04 (国务院办公厅关于2026年部分节假日安排的通知,
# as published by Xinhua: https://politics.gmw.cn/2025-11/04/content_38391083.htm);
# make-up working days Jan 4 (Sun), Feb 14 (Sat), Feb 28 (Sat), May 9 (Sat), Sep 20 (Sun), Oct 10 (Sat).
CN_2026_OFFICIAL = [
    (date(2026, 1, 1), date(2026, 1, 3)),  # New Year's Day, 3 days
    (date(2026, 2, 15), date(2026, 2, 23)),  # Spring Festival, 9 days
    (date(2026, 4, 4), date(2026, 4, 6)),  # Tomb-Sweeping Day, 3 days
    (date(2026, 5, 1), date(2026, 5, 5)),  # Labour Day, 5 days
    (date(2026, 6, 19), date(2026, 6, 21)),  # Dragon Boat Festival, 3 days
    (date(2026, 9, 25), date(2026, 9, 27)),  # Mid-Autumn Festival, 3 days
    (date(2026, 10, 1), date(2026, 10, 7)),  # National Day, 7 days
]


def test_source_knows_cn_2026_make_up_working_days():
    # The premise of the CN blocks: `holidays` marks these weekend days as working days.
    cn = holidays.country_holidays("CN", years=2026)
    for day in (date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)):
        assert cn.is_weekend(day) and cn.is_working_day(day), day


def test_cn_2026_blocks_match_the_official_schedule():
    blocks = holiday_blocks("CN", [2026], language="en_US", blocks=True)
    assert spans(blocks) == CN_2026_OFFICIAL


def test_cn_2026_spring_festival_is_nine_days_between_make_up_saturdays():
    blocks = holiday_blocks("CN", [2026], language="en_US", blocks=True)
    spring = block_on(blocks, date(2026, 2, 17))
    assert (spring.first, spring.last) == (date(2026, 2, 15), date(2026, 2, 23))
    assert (spring.last - spring.first).days + 1 == 9
    assert spring.id == "cn-2026-chinese-new-year-spring-festival"
    assert spring.title == "Chinese New Year's Eve / Chinese New Year (Spring Festival)"
    assert spring.names == (
        "Chinese New Year's Eve",
        "Chinese New Year (Spring Festival)",
        "Day off (substituted from 02/14/2026)",
        "Day off (substituted from 02/28/2026)",
    )


def test_cn_2026_national_day_block():
    blocks = holiday_blocks("CN", [2026], language="en_US", blocks=True)
    national = block_on(blocks, date(2026, 10, 1))
    assert (national.first, national.last) == (date(2026, 10, 1), date(2026, 10, 7))
    assert national.id == "cn-2026-national-day"
    assert national.title == "National Day"  # "(observed)" and substituted days off stay in names only
    assert "National Day (observed)" in national.names


def test_cn_2025_national_day_and_mid_autumn_share_one_block():
    blocks = holiday_blocks("CN", [2025], language="en_US", blocks=True)
    block = block_on(blocks, date(2025, 10, 6))
    assert (block.first, block.last) == (date(2025, 10, 1), date(2025, 10, 8))
    assert block.title == "National Day / Mid-Autumn Festival"
    assert block.id == "cn-2025-national-day"  # the holiday covering most days names the block


DE_2026 = [
    ((date(2026, 1, 1), date(2026, 1, 1)), "New Year's Day"),  # Thursday; Friday is a working day
    ((date(2026, 4, 3), date(2026, 4, 6)), "Good Friday / Easter Monday"),
    ((date(2026, 5, 1), date(2026, 5, 3)), "Labor Day"),
    ((date(2026, 5, 14), date(2026, 5, 14)), "Ascension Day"),
    ((date(2026, 5, 23), date(2026, 5, 25)), "Pentecost Monday"),  # Monday + the weekend before
    ((date(2026, 10, 3), date(2026, 10, 4)), "German Unity Day"),  # a Saturday holiday + Sunday
    ((date(2026, 12, 25), date(2026, 12, 27)), "Christmas Day / Second Day of Christmas"),
]


def test_de_2026_blocks_take_in_touching_weekends_only():
    blocks = holiday_blocks("DE", [2026], language="en_US", blocks=True)
    assert [((b.first, b.last), b.title) for b in blocks] == DE_2026


def test_us_observed_day_joins_its_holiday():
    blocks = holiday_blocks("US", [2026], language="en_US", blocks=True)
    july = block_on(blocks, date(2026, 7, 4))
    assert (july.first, july.last) == (date(2026, 7, 3), date(2026, 7, 5))
    assert july.title == "Independence Day"
    assert july.names == ("Independence Day (observed)", "Independence Day")
    memorial = block_on(blocks, date(2026, 5, 25))
    assert (memorial.first, memorial.last) == (date(2026, 5, 23), date(2026, 5, 25))


def test_a_weekend_alone_is_not_a_block():
    blocks = holiday_blocks("DE", [2026], language="en_US", blocks=True)
    days_off = {b.first + timedelta(days=n) for b in blocks for n in range((b.last - b.first).days + 1)}
    assert date(2026, 1, 3) not in days_off  # the weekend after New Year's Day (Friday is worked)
    assert date(2026, 6, 6) not in days_off
    assert all(b.names for b in blocks)


@pytest.mark.parametrize("years", [[2021], [2022], [2021, 2022]], ids=["2021", "2022", "both"])
def test_block_across_new_year_is_whole_and_keeps_its_id(years):
    blocks = holiday_blocks("US", years, language="en_US", blocks=True)
    block = block_on(blocks, date(2022, 1, 1))
    assert (block.first, block.last) == (date(2021, 12, 31), date(2022, 1, 2))
    assert block.id == "us-2022-new-years-day"
    assert block.names == ("New Year's Day (observed)", "New Year's Day")


def test_blocks_outside_the_requested_years_are_left_out():
    blocks = holiday_blocks("US", [2021], language="en_US", blocks=True)
    assert blocks[0].first == date(2021, 1, 1)
    assert blocks[-1].first == date(2021, 12, 31)  # the New Year block of 2022 starts in 2021
    entries = holiday_blocks("US", [2022], language="en_US")
    assert entries[0].first == date(2022, 1, 1)  # the observed day 2021-12-31 belongs to 2021


def test_without_blocks_one_entry_per_holiday_and_same_name_days_merge():
    entries = holiday_blocks("CN", [2026], language="en_US")
    february = [(e.first, e.last, e.title) for e in entries if e.first.month == 2]
    assert february == [
        (date(2026, 2, 16), date(2026, 2, 16), "Chinese New Year's Eve"),
        (date(2026, 2, 17), date(2026, 2, 19), "Chinese New Year (Spring Festival)"),
        (date(2026, 2, 20), date(2026, 2, 20), "Day off (substituted from 02/14/2026)"),
        (date(2026, 2, 23), date(2026, 2, 23), "Day off (substituted from 02/28/2026)"),
    ]
    christmas = [(e.first, e.last, e.title) for e in holiday_blocks("DE", [2026], language="en_US")][-2:]
    assert christmas == [
        (date(2026, 12, 25), date(2026, 12, 25), "Christmas Day"),
        (date(2026, 12, 26), date(2026, 12, 26), "Second Day of Christmas"),
    ]


def test_only_keeps_whole_blocks():
    blocks = holiday_blocks("CN", [2026], language="en_US", only=["national"], blocks=True)
    assert spans(blocks) == [(date(2026, 10, 1), date(2026, 10, 7))]
    assert "Day off (substituted from 10/10/2026)" in blocks[0].names


def test_only_terms_add_up_and_ignore_case():
    blocks = holiday_blocks("CN", [2026], language="en_US", only=["SPRING", "dragon boat"], blocks=True)
    assert spans(blocks) == [CN_2026_OFFICIAL[1], CN_2026_OFFICIAL[4]]


def test_only_matches_english_names_whatever_the_language():
    blocks = holiday_blocks("CN", [2026], language="zh_CN", only=["Spring Festival"], blocks=True)
    assert [(b.title, b.first, b.last) for b in blocks] == [
        ("农历除夕 / 春节", date(2026, 2, 15), date(2026, 2, 23))
    ]


def test_only_without_blocks_selects_entries():
    entries = holiday_blocks("CN", [2026], language="en_US", only=["chinese new year"])
    assert [e.title for e in entries] == ["Chinese New Year's Eve", "Chinese New Year (Spring Festival)"]


def test_cn_in_chinese():
    blocks = holiday_blocks("CN", [2026], language="zh_CN", blocks=True)
    titles = ["元旦", "农历除夕 / 春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
    assert [b.title for b in blocks] == titles
    assert "休息日（由 2026-02-14 调休）" in blocks[1].names
    assert "清明节（补假）" in blocks[2].names


def test_default_language_is_the_sources_not_the_shells(monkeypatch):
    # `holidays` itself would read LANGUAGE when no language is given.
    monkeypatch.setenv("LANGUAGE", "en_US")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    assert block_on(holiday_blocks("CN", [2026], blocks=True), date(2026, 10, 1)).title == "国庆节"
    assert holiday_blocks("DE", [2026])[-1].title == "Zweiter Weihnachtstag"


@pytest.mark.parametrize("blocks", [True, False], ids=["blocks", "days"])
def test_ids_do_not_depend_on_language(blocks):
    english = holiday_blocks("CN", [2026], language="en_US", blocks=blocks)
    for language in (None, "zh_CN", "zh_TW", "th"):
        other = holiday_blocks("CN", [2026], language=language, blocks=blocks)
        assert [b.id for b in other] == [b.id for b in english], language
        assert spans(other) == spans(english)


@pytest.mark.parametrize(
    ("country", "years", "blocks"),
    [
        ("CN", [2025, 2026], True),
        ("CN", [2026], False),
        ("US", [2021, 2022], True),
        ("TR", [2006, 2007], False),
    ],
)
def test_ids_are_well_formed_unique_stable_and_sorted(country, years, blocks):
    first = holiday_blocks(country, years, blocks=blocks)
    again = holiday_blocks(country, list(reversed(years)), blocks=blocks)
    assert first == again
    assert all(ID_SHAPE.fullmatch(b.id) for b in first), [b.id for b in first]
    assert len({b.id for b in first}) == len(first)
    assert [b.first for b in first] == sorted(b.first for b in first)


def test_repeated_ids_are_numbered_the_same_whichever_year_is_asked():
    # Eid al-Adha came twice in 2006 (January and December, running into 2007).
    ids_2006 = {b.first: b.id for b in holiday_blocks("TR", [2006], blocks=True) if "adha" in b.id}
    ids_2007 = {b.first: b.id for b in holiday_blocks("TR", [2007], blocks=True) if "adha" in b.id}
    assert ids_2006 == {date(2006, 1, 10): "tr-2006-eid-al-adha", date(2006, 12, 30): "tr-2006-eid-al-adha-2"}
    assert ids_2007[date(2006, 12, 30)] == "tr-2006-eid-al-adha-2"
    assert ids_2007[date(2007, 12, 20)] == "tr-2007-eid-al-adha"


@pytest.mark.parametrize("subdiv", ["BY", "by", "Bayern"])
def test_subdivision_adds_its_holidays_and_goes_into_the_id(subdiv):
    blocks = holiday_blocks("DE", [2026], subdiv=subdiv, language="en_US", blocks=True)
    epiphany = block_on(blocks, date(2026, 1, 6))
    assert (epiphany.id, epiphany.title) == ("de-by-2026-epiphany", "Epiphany")
    assert all(b.id.startswith("de-by-2026-") for b in blocks)


def test_country_aliases_and_case_are_accepted():
    assert holiday_blocks("chn", [2026], blocks=True) == holiday_blocks("CN", [2026], blocks=True)


CN_LANGUAGES = "choices: en_US, th, zh_CN, zh_TW"


@pytest.mark.parametrize(
    ("settings", "field", "expected"),
    [
        ({"country": "XX"}, "country", ['country "XX" is not supported', "supported codes: AD, AE", "CN, CO"]),
        ({"country": "Germany"}, "country", ['did you mean "DE"?', "supported codes:"]),
        ({"country": "CNN"}, "country", ['did you mean "CN"?']),
        (
            {"country": "DE", "subdiv": "Bavaria"},
            "subdiv",
            ['subdiv "Bavaria" is not a subdivision of DE', "choices: ", "BW, BY, HB"],
        ),
        ({"country": "DE", "subdiv": "byy"}, "subdiv", ['did you mean "BY"?']),
        ({"country": "DE", "subdiv": "Bayer"}, "subdiv", ['did you mean "Bayern"?']),
        ({"country": "CN", "subdiv": "BJ"}, "subdiv", ["no subdivisions for CN"]),
        ({"country": "DE", "years": [1980]}, "years", ["1980 is outside", "DE (1991-2100)"]),
        ({"country": "CN", "years": [2026, 2101]}, "years", ["2101 is outside", "CN (1950-2100)"]),
        ({"country": "DE", "years": []}, "years", ["at least one year"]),
        ({"country": "DE", "years": ["2026"]}, "years", ['"2026" is not a year']),
        ({"country": "DE", "years": [True]}, "years", ["True is not a year"]),
        ({"country": "DE", "years": 2026}, "years", ["must be a list of years"]),
        ({"country": "CN", "language": "fr"}, "language", ['"fr" is not available for CN', CN_LANGUAGES]),
        ({"country": "CN", "language": "en"}, "language", ['did you mean "en_US"?', CN_LANGUAGES]),
        ({"country": "CN", "language": "zh"}, "language", ['did you mean "zh_CN", "zh_TW"?']),
        ({"country": "DE", "language": "fr"}, "language", ["choices: de, en_US, th, uk"]),
        ({"country": "NZ", "language": "en_US"}, "language", ["not available for NZ", "one language only"]),
        (
            {"country": "CN", "language": "en_US", "only": ["Chinese New Yaer"]},
            "only",
            [
                'only "Chinese New Yaer" matches no holiday in CN 2026',
                '"Chinese New Year (Spring Festival)"',
                '"National Day"',
            ],
        ),
        (
            {"country": "CN", "language": "zh_CN", "only": ["国庆节", "Halloween"]},
            "only",
            ['"Halloween" matches no holiday', '"春节", "清明节"'],
        ),
        (
            {"country": "DE", "subdiv": "BY", "years": [2025, 2026], "only": ["Reformation"]},
            "only",
            ["no holiday in DE-BY 2025, 2026", '"Heilige Drei Könige"'],
        ),
        ({"country": "CN", "only": "Spring"}, "only", ['must be a list of names, not "Spring"']),
        ({"country": "CN", "only": [" "]}, "only", ['" " is not a holiday name']),
    ],
    ids=[
        "unknown-country",
        "country-name",
        "country-typo",
        "unknown-subdiv",
        "subdiv-typo",
        "subdiv-alias-typo",
        "country-without-subdivs",
        "year-before-source",
        "year-after-source",
        "no-years",
        "year-as-text",
        "year-as-bool",
        "years-not-a-list",
        "language-missing",
        "language-without-region",
        "language-two-regions",
        "language-choices-per-country",
        "country-without-translations",
        "only-typo",
        "only-one-of-two",
        "only-names-subdiv-and-years",
        "only-as-string",
        "only-blank",
    ],
)
@pytest.mark.parametrize("blocks", [True, False], ids=["blocks", "days"])
def test_bad_settings_name_the_field_and_the_choices(settings, field, expected, blocks):
    settings = {"years": [2026], **settings}
    with pytest.raises(HolidaySourceError) as caught:
        holiday_blocks(settings.pop("country"), settings.pop("years"), blocks=blocks, **settings)
    message = str(caught.value)
    assert caught.value.field == field
    for part in expected:
        assert part in message
    assert "\n" not in message
    assert isinstance(caught.value, ValueError)


def test_only_error_lists_holidays_not_days_off():
    with pytest.raises(HolidaySourceError) as caught:
        holiday_blocks("CN", [2026], language="en_US", only=["Christmas"], blocks=True)
    assert "Day off" not in str(caught.value)
    assert "(observed)" not in str(caught.value)
