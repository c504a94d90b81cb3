"""Identifiers, UK dates and times, authority names, column headers and funding words."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from contingency.models import ICB, Authority
from contingency.paths import resource_dir
from contingency.person import Flag, Funding
from contingency.rules.authorities import (
    AuthorityIndex,
    AuthorityNotResolved,
    ICBIndex,
    _strip_council_words,
    normalise,
)
from contingency.rules.columns import CANONICAL, field_for_header
from contingency.rules.identifiers import (
    BadIdentifier,
    check_cqc_id,
    format_nhs_number,
    normalise_nhs_number,
)
from contingency.rules.normalise import FieldParser, FieldProblem, parse_money_pence
from contingency.rules.times import (
    BadDate,
    format_elapsed,
    format_local,
    from_utc_iso,
    parse_local_datetime,
    parse_uk_date,
    to_utc_iso,
)


def _rows(name: str) -> list[dict[str, str]]:
    with (resource_dir("db") / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


AUTHORITY_ROWS = _rows("authorities.csv")
AUTHORITIES = AuthorityIndex(Authority(**{**r, "gss_code": r["gss_code"] or None}) for r in AUTHORITY_ROWS)
ICBS = ICBIndex(ICB(**r) for r in _rows("icbs.csv"))

# --- NHS numbers (Modulus 11) ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["9434765919", "943 476 5919", "943-476-5919", " 943 476 5919 ", "9999999999"])
def test_valid_nhs_numbers(text):
    assert normalise_nhs_number(text) == "".join(ch for ch in text if ch.isdigit())


def test_nhs_number_check_digit_eleven_means_zero():
    # 100000006: weighted sum 10*1 + 2*6 = 22, remainder 0, so 11 - 0 = 11, which is written as 0.
    assert normalise_nhs_number("1000000060") == "1000000060"
    with pytest.raises(BadIdentifier, match="check digit"):
        normalise_nhs_number("1000000061")


@pytest.mark.parametrize(("text", "why"), [
    ("9434765918", "check digit"),
    ("9434765910", "check digit"),
    ("1000000010", "check digit"),  # 100000001 gives a check digit of 10: never a valid NHS number
    ("1000000011", "check digit"),
    ("943476591", "10 digits"),
    ("94347659190", "10 digits"),
    ("94347659l9", "10 digits"),
    ("", "10 digits"),
    ("9.43477E+09", "10 digits"),
])
def test_invalid_nhs_numbers(text, why):
    with pytest.raises(BadIdentifier, match=why) as caught:
        normalise_nhs_number(text)
    assert repr(text) in str(caught.value), "the message quotes what was typed"


def test_check_digit_ten_body_really_has_check_ten():
    body = "100000001"
    total = sum(int(d) * w for d, w in zip(body, range(10, 1, -1)))
    assert 11 - total % 11 == 10
    for last in "0123456789":
        with pytest.raises(BadIdentifier):
            normalise_nhs_number(body + last)


def test_format_nhs_number():
    assert format_nhs_number("9434765919") == "943 476 5919"


# --- CQC IDs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1-101234567", "1-12345678", "1-12345678901", "  1-101234567 "])
def test_valid_cqc_ids(text):
    assert check_cqc_id(text) == text.strip()


@pytest.mark.parametrize("text", ["1-1234567", "1-123456789012", "2-101234567", "1101234567", "1-10123456X",
                                  "RXX-1", ""])
def test_invalid_cqc_ids(text):
    with pytest.raises(BadIdentifier, match="1-101234567"):
        check_cqc_id(text, what="CQC location ID")


# --- UK dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("03/04/2026", date(2026, 4, 3)),  # day first: 3 April, never 4 March
    ("3/4/2026", date(2026, 4, 3)),
    ("12/01/2026", date(2026, 1, 12)),
    ("23/11/2026", date(2026, 11, 23)),
    ("23-11-2026", date(2026, 11, 23)),
    ("23.11.2026", date(2026, 11, 23)),
    ("23 Nov 2026", date(2026, 11, 23)),
    ("23 November 2026", date(2026, 11, 23)),
    ("2026-11-23", date(2026, 11, 23)),
    ("2026-04-03", date(2026, 4, 3)),
    ("29/02/2028", date(2028, 2, 29)),
    ("46349", date(2026, 11, 23)),  # Excel serial as text
    (46349, date(2026, 11, 23)),  # Excel serial as a number
    (46349.75, date(2026, 11, 23)),  # a serial with a time part
    (14704, date(1940, 4, 3)),
    (1, date(1899, 12, 31)),
])
def test_parse_uk_date(text, expected):
    assert parse_uk_date(text) == expected


@pytest.mark.parametrize("text", ["1940", "03/1940", "April 1940", "1"])
def test_partial_dates_are_refused_not_completed_from_today(text):
    """A date of birth of '1940' must not silently become 23 November 1940 (today's day and month)."""
    with pytest.raises(BadDate):
        parse_uk_date(text)


def test_year_first_with_slashes_is_year_month_day():
    """'2026/11/03' is how some systems export dates: year, month, day. It must not become 11 March."""
    assert parse_uk_date("2026/11/03") == date(2026, 11, 3)


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("not a date", "day first, like 23/11/2026"),
    ("31/02/2026", "23/11/2026"),
    ("2026-02-30", "not a real date"),
    ("2026-13-01", "not a real date"),
    ("99999", "not an Excel date serial"),
    (0, "not an Excel date serial"),
])
def test_bad_dates_say_what_is_expected(text, message):
    with pytest.raises(BadDate, match=message):
        parse_uk_date(text)


def test_bool_is_not_an_excel_serial():
    with pytest.raises(BadDate):
        parse_uk_date(True)


# --- times an officer types -----------------------------------------------------------------------------

NOV_0010 = datetime(2026, 11, 23, 0, 10, tzinfo=UTC)  # GMT: London = UTC


def test_bare_time_today():
    now = datetime(2026, 11, 23, 1, 40, tzinfo=UTC)
    assert parse_local_datetime("01:40", now=now) == now
    assert parse_local_datetime("01:00", now=now) == datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def test_an_impossible_time_says_what_a_time_of_day_is():
    for typed in ("25:99", "24:00", "07:60"):
        with pytest.raises(BadDate, match=r"is not a time of day: hours run 00 to 23, minutes 00 to 59"):
            parse_local_datetime(typed, now=NOV_0010)


def test_a_time_just_after_midnight_that_is_in_the_future_means_last_night():
    assert parse_local_datetime("23:50", now=NOV_0010) == datetime(2026, 11, 22, 23, 50, tzinfo=UTC)


def test_a_time_within_five_minutes_ahead_is_kept_for_today():
    assert parse_local_datetime("00:14", now=NOV_0010) == datetime(2026, 11, 23, 0, 14, tzinfo=UTC)


def test_bare_time_in_summer_is_bst():
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # 13:00 BST
    assert parse_local_datetime("09:30", now=now) == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)


def test_last_night_in_summer_is_bst():
    now = datetime(2026, 6, 30, 23, 10, tzinfo=UTC)  # 00:10 BST on 1 July
    assert parse_local_datetime("23:50", now=now) == datetime(2026, 6, 30, 22, 50, tzinfo=UTC)


def test_last_night_before_clocks_go_forward():
    """00:10 GMT on Sunday 29 March 2026 (clocks go forward at 01:00): '23:50' is 23:50 GMT on the 28th."""
    now = datetime(2026, 3, 29, 0, 10, tzinfo=UTC)
    assert parse_local_datetime("23:50", now=now) == datetime(2026, 3, 28, 23, 50, tzinfo=UTC)


def test_last_night_before_clocks_go_back():
    """00:10 BST on Sunday 25 October 2026 (23:10 UTC on the 24th): '23:50' is 23:50 BST on the 24th,
    40 minutes ago, not 40 minutes in the future."""
    now = datetime(2026, 10, 24, 23, 10, tzinfo=UTC)
    result = parse_local_datetime("23:50", now=now)
    assert result <= now
    assert result == datetime(2026, 10, 24, 22, 50, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("23/11/2026 01:40", datetime(2026, 11, 23, 1, 40, tzinfo=UTC)),
    ("01/07/2026 09:30", datetime(2026, 7, 1, 8, 30, tzinfo=UTC)),  # BST
    ("2026-07-01T09:30", datetime(2026, 7, 1, 8, 30, tzinfo=UTC)),
    ("2026-07-01T09:30+00:00", datetime(2026, 7, 1, 9, 30, tzinfo=UTC)),
])
def test_full_date_times(text, expected):
    assert parse_local_datetime(text, now=NOV_0010) == expected


@pytest.mark.parametrize("text", ["", "later", "25:99", "tomorrow-ish"])
def test_bad_times(text):
    with pytest.raises(BadDate):
        parse_local_datetime(text, now=NOV_0010)


def test_utc_round_trip_and_naive_times_refused():
    moment = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    assert to_utc_iso(moment) == "2026-07-01T08:30:00+00:00"
    assert from_utc_iso(to_utc_iso(moment)) == moment
    with pytest.raises(ValueError, match="timezone"):
        to_utc_iso(datetime(2026, 7, 1, 8, 30))
    with pytest.raises(ValueError, match="no timezone"):
        from_utc_iso("2026-07-01T08:30:00")


def test_format_local():
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert format_local(datetime(2026, 7, 1, 8, 30, tzinfo=UTC), now=now) == "09:30"
    assert format_local(datetime(2026, 6, 30, 8, 30, tzinfo=UTC), now=now) == "30/06/2026 09:30"
    assert format_local(datetime(2026, 11, 23, 1, 40, tzinfo=UTC)) == "23/11/2026 01:40"


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(0), "0m"),
    (timedelta(seconds=59), "0m"),
    (timedelta(minutes=12), "12m"),
    (timedelta(minutes=59), "59m"),
    (timedelta(hours=1), "1h 00m"),
    (timedelta(hours=3, minutes=5), "3h 05m"),
    (timedelta(hours=23, minutes=59), "23h 59m"),
    (timedelta(days=1), "1d 0h"),
    (timedelta(days=2, hours=4, minutes=30), "2d 4h"),
    (timedelta(days=40), "40d 0h"),
    (-timedelta(minutes=90), "-1h 30m"),
    (-timedelta(days=2, hours=1), "-2d 1h"),
])
def test_format_elapsed(delta, text):
    assert format_elapsed(delta) == text


# --- authorities ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("Leeds", "LDS"),
    ("Leeds City Council", "LDS"),
    ("LEEDS CC", "LDS"),
    ("leeds", "LDS"),
    ("  Leeds  ", "LDS"),
    ("E08000035", "LDS"),
    ("e08000035", "LDS"),
    ("LDS", "LDS"),
    ("lds", "LDS"),
    ("E08000016", "BNS"),  # Barnsley's code before 2025
    ("E08000038", "BNS"),
    ("E08000019", "SHF"),  # Sheffield's code before 2025
    ("E08000039", "SHF"),
    ("Brighton & Hove", "BNH"),
    ("Brighton and Hove City Council", "BNH"),
    ("City of London", "LND"),
    ("City of London Corporation", "LND"),
    ("Belfast HSC Trust", "BHSCT"),
    ("Belfast Health and Social Care Trust", "BHSCT"),
    ("Bradford", "BRD"),
    ("City of Bradford MDC", "BRD"),
    ("Cardiff", "CRF"),
    ("W06000015", "CRF"),
    ("Glasgow City", "GLG"),
    ("Warwickshire County Council", "WAR"),
])
def test_authority_resolution(text, code):
    assert AUTHORITIES.resolve(text).code == code


@pytest.mark.parametrize("text", ["Warks CC", "Leeds Rhinos", "", "   ", "Council", "E99999999"])
def test_unknown_authority_names_are_not_guessed(text):
    with pytest.raises(AuthorityNotResolved) as caught:
        AUTHORITIES.resolve(text)
    assert caught.value.candidates == ()
    assert "not a UK authority" in str(caught.value)


def test_unknown_authority_suggests_close_names():
    with pytest.raises(AuthorityNotResolved) as caught:
        AUTHORITIES.resolve("Bradferd")
    assert "Bradford" in caught.value.suggestions
    assert "did you mean" in str(caught.value)


def test_get_is_by_code_only():
    assert AUTHORITIES.get("LDS").name == "Leeds City Council"
    assert AUTHORITIES.get("E08000016").code == "BNS"
    assert AUTHORITIES.get("Leeds") is None


def test_every_authority_resolves_to_itself_by_name_code_and_gss():
    for authority in AUTHORITIES.authorities:
        assert AUTHORITIES.resolve(authority.code) == authority
        if authority.gss_code:
            assert AUTHORITIES.resolve(authority.gss_code) == authority
        for label in (authority.name, authority.nice_name):
            try:
                found = AUTHORITIES.resolve(label)
            except AuthorityNotResolved as exc:
                assert authority in exc.candidates, f"{label!r} ambiguous without itself"
            else:
                assert found == authority, f"{label!r} resolves to {found.name}"


def test_shared_loose_keys_are_reported_as_ambiguous_never_guessed():
    loose: dict[str, set[str]] = defaultdict(set)
    for authority in AUTHORITIES.authorities:
        for label in (authority.name, authority.nice_name):
            key = _strip_council_words(normalise(label))
            if key:
                loose[key].add(authority.code)
    assert len(loose) >= len(AUTHORITIES.authorities) - 2
    for key, codes in loose.items():
        try:
            found = AUTHORITIES.resolve(key)
        except AuthorityNotResolved as exc:
            assert len(codes) > 1, f"{key!r} belongs only to {codes} but does not resolve"
            assert {a.code for a in exc.candidates} == codes
            assert "use the code" in str(exc)
        else:
            # A unique loose key resolves to its one authority; a shared one may resolve only if it is
            # exactly one authority's own name.
            if len(codes) == 1:
                assert found.code in codes, f"{key!r} resolved to {found.code}, expected {codes}"
            else:
                assert normalise(found.name) == key or normalise(found.nice_name) == key


def test_ambiguity_is_reported_with_candidates():
    a = Authority(code="NTH", gss_code="E00000001", name="Northshire County Council", nice_name="Northshire",
                  nation="England", kind="county")
    b = Authority(code="NTB", gss_code="E00000002", name="Northshire Borough Council", nice_name="Northshire BC",
                  nation="England", kind="district")
    index = AuthorityIndex([a, b])
    with pytest.raises(AuthorityNotResolved) as caught:
        index.resolve("Northshire Council")
    assert set(caught.value.candidates) == {a, b}
    assert "could be more than one authority" in str(caught.value)
    assert index.resolve("Northshire").code == "NTH"  # an exact name still wins


def test_reference_data_codes_are_unique():
    codes = [r["code"] for r in AUTHORITY_ROWS]
    gss = [r["gss_code"] for r in AUTHORITY_ROWS if r["gss_code"]]
    assert len(codes) == len(set(codes))
    assert len(gss) == len(set(gss))
    assert {r["nation"] for r in AUTHORITY_ROWS} == {"England", "Wales", "Scotland", "Northern Ireland"}


@pytest.mark.parametrize("text", ["E54000054", "QWO", "NHS West Yorkshire Integrated Care Board", "West Yorkshire",
                                  "NHS West Yorkshire ICB", "qwo"])
def test_icb_resolution(text):
    assert ICBS.resolve(text).gss_code == "E54000054"


def test_unknown_icb():
    with pytest.raises(LookupError, match="not a current ICB"):
        ICBS.resolve("Leeds CCG")


# --- column headers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "field"), [
    ("Surname", "last_name"),
    ("Last name", "last_name"),
    ("LAST NAME", "last_name"),
    ("Forename", "first_name"),
    ("First name", "first_name"),
    ("DOB", "date_of_birth"),
    ("D.O.B.", "date_of_birth"),
    ("Date of birth", "date_of_birth"),
    ("NHS No", "nhs_number"),
    ("NHS No.", "nhs_number"),
    ("NHS number", "nhs_number"),
    ("Funded by", "funding"),
    ("Funding", "funding"),
    ("Placing authority", "funding_body"),
    ("Arranged by", "funding_body"),
    ("Placing LA", "funding_body"),
    ("OR", "or_code"),
    ("Home authority", "or_code"),
    ("Ordinary residence", "or_code"),
    ("OR status", "or_status"),
    ("NOK", "nominee_name"),
    ("Weekly fee", "weekly_cost_pence"),
    ("  Room  ", "service_address"),
    ("Client ID", "provider_ref"),
])
def test_header_synonyms(header, field):
    assert field_for_header(header) == field


@pytest.mark.parametrize("header", ["Favourite colour", "", "Column 7"])
def test_unknown_headers(header):
    assert field_for_header(header) is None


def test_every_canonical_header_maps_to_its_field():
    for field, header in CANONICAL.items():
        assert field_for_header(header) == field
        if field != "arranged_by":  # "arranged by" is a provider's word for the placing authority
            assert field_for_header(field) == field
    assert field_for_header("Who arranged") == "arranged_by"


# --- funding words -------------------------------------------------------------------------------------

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def parser() -> FieldParser:
    return FieldParser(AUTHORITIES, ICBS, ours="LDS", today=TODAY)


@pytest.mark.parametrize(("word", "body", "funding", "settled_body"), [
    ("LA", "Bradford", Funding.OTHER_ENGLISH_COUNCIL, "BRD"),
    ("LA", "Leeds", Funding.OWN_COUNCIL, "LDS"),
    ("Council", "Cardiff", Funding.WELSH_COUNCIL, "CRF"),
    ("Council", "Glasgow City", Funding.SCOTTISH_COUNCIL, "GLG"),
    ("council", "Belfast HSC Trust", Funding.NI_TRUST, "BHSCT"),
    ("Private", None, Funding.SELF_FUNDED, None),
    ("Self", None, Funding.SELF_FUNDED, None),
    ("Self-funded", None, Funding.SELF_FUNDED, None),
    ("DP", "Kirklees", Funding.DIRECT_PAYMENT, "KIR"),
    ("Direct payment", None, Funding.DIRECT_PAYMENT, None),
    ("CHC", None, Funding.NHS_CHC, None),
    ("NHS CHC", None, Funding.NHS_CHC, None),
    ("FNC", None, Funding.FNC, None),
    ("S117", "Bradford", Funding.S117, "BRD"),
    ("Joint", None, Funding.JOINT, None),
    ("Unknown", None, Funding.UNKNOWN, None),
    ("Kirklees", None, Funding.OTHER_ENGLISH_COUNCIL, "KIR"),  # the payer named in the funding column
    (None, "Bradford", Funding.OTHER_ENGLISH_COUNCIL, "BRD"),  # only the placing authority given
    ("Own", None, Funding.OWN_COUNCIL, "LDS"),
])
def test_funding_words(parser, word, body, funding, settled_body):
    parsed_word = parser.parse("funding", word) if word is not None else None
    body_code = parser.parse("funding_body", body) if body is not None else None
    settled, settled_code, problem = parser.settle_funding(parsed_word, body_code)
    assert (settled, settled_code, problem) == (funding, settled_body, "")


def test_council_without_which_council_is_a_problem(parser):
    settled, body, problem = parser.settle_funding(parser.parse("funding", "LA"), None)
    assert settled is Funding.UNKNOWN and body is None
    assert "placing authority" in problem


def test_unrecognised_funding_word(parser):
    with pytest.raises(FieldProblem, match="not recognised") as caught:
        parser.parse("funding", "Grandma")
    assert caught.value.kind is Flag.BAD_VALUE
    assert "'Grandma'" in str(caught.value)


def test_unresolved_authority_is_its_own_flag(parser):
    with pytest.raises(FieldProblem) as caught:
        parser.parse("funding_body", "Warks CC")
    assert caught.value.kind is Flag.AUTHORITY_UNRESOLVED
    assert "'Warks CC'" in str(caught.value)


@pytest.mark.parametrize(("raw", "pence"), [("850", 85000), ("£1,234.56", 123456), ("£ 850.00", 85000),
                                            ("0", 0), ("19.5", 1950)])
def test_money_is_integer_pence(raw, pence):
    assert parse_money_pence(raw) == pence


@pytest.mark.parametrize("raw", ["-5", "12.345", "lots", "£"])
def test_bad_money(raw):
    with pytest.raises(FieldProblem):
        parse_money_pence(raw)


@pytest.mark.parametrize(("raw", "message"), [
    ("01/01/2030", "in the future"),
    ("01/01/1890", "more than 120 years"),
    ("sometime", "date of birth"),
])
def test_bad_dates_of_birth(parser, raw, message):
    with pytest.raises(FieldProblem, match=message):
        parser.parse("date_of_birth", raw)


def test_date_of_birth_given_as_a_date_is_still_checked(parser):
    """A spreadsheet date cell in the future is as wrong as a typed one."""
    with pytest.raises(FieldProblem, match="in the future"):
        parser.parse("date_of_birth", date(2030, 1, 1))


@pytest.mark.parametrize(("text", "expected"), [
    ("03/04/40", date(1940, 4, 3)),  # a date of birth: 2040 is years ahead, so 1940
    ("23/11/26", date(2026, 11, 23)),
    ("01/01/27", date(2027, 1, 1)),  # within a year ahead: this century
    ("01/01/28", date(1928, 1, 1)),
])
def test_two_digit_years_pivot_on_today(text, expected):
    assert parse_uk_date(text, today=date(2026, 11, 23)) == expected


def test_two_digit_year_without_today_is_refused():
    with pytest.raises(BadDate, match="year in full"):
        parse_uk_date("03/04/40")


@pytest.mark.parametrize(("text", "expected"), [
    ("01:40 23/11/2026", datetime(2026, 11, 23, 1, 40, tzinfo=UTC)),
    ("23/11/2026 1:40pm", datetime(2026, 11, 23, 13, 40, tzinfo=UTC)),
    ("23/11/2026 01:40:30", datetime(2026, 11, 23, 1, 40, 30, tzinfo=UTC)),
    ("23/11/2026 1.40", datetime(2026, 11, 23, 1, 40, tzinfo=UTC)),
])
def test_a_typed_time_is_never_silently_dropped(text, expected):
    """The awareness time starts the duty (rule 6): a time the officer typed is read, or refused with a
    message, but never replaced by midnight."""
    try:
        result = parse_local_datetime(text, now=datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    except BadDate:
        return
    assert result == expected
