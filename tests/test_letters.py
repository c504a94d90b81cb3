"""Letters: rendered from templates, written as PDF and DOCX, read back as a recipient would."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import pypdf
import pytest

from contingency.letters.docx import write_docx
from contingency.letters.pdf import write_pdf
from contingency.letters.render import (
    build,
    money,
    parse,
    render_text,
    uk_date,
    uk_datetime,
)
from contingency.notification import DocumentFormat, NotificationKind
from contingency.rules.identifiers import format_nhs_number
from contingency.rules.notifications import EXERCISE_MARK
from contingency.services import notifications as service
from contingency.services.errors import BadInput
from tests.conftest import NOW
from tests.tui_support import demo_store

NHS = re.compile(r"\b999 \d{3} \d{4}\b")


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def docx_text(path: Path) -> tuple[str, list[list[str]], str, str]:
    """(paragraphs, table rows, page header, page footer) as python-docx reads them."""
    document = docx.Document(path)
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    rows = [[c.text for c in row.cells] for table in document.tables for row in table.rows]
    section = document.sections[0]
    return (paragraphs, rows, "\n".join(p.text for p in section.header.paragraphs),
            "\n".join(p.text for p in section.footer.paragraphs))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """Every letter of the demo care-home incident, as PDF and DOCX, with the store that made them."""
    folder = tmp_path_factory.mktemp("demo")
    store = demo_store(folder)
    files = service.generate(store, 1, folder / "letters", formats=(DocumentFormat.PDF, DocumentFormat.DOCX))
    people = {p.id: p for p in store.people.all(1)}
    yield store, files, people
    store.close()


def test_one_letter_per_body_and_per_person_each_as_pdf_and_docx(generated):
    store, files, people = generated
    by_kind: dict[NotificationKind, set[str]] = {}
    for f in files:
        by_kind.setdefault(f.notification.kind, set()).add(f.notification.reference)
    assert len(by_kind[NotificationKind.COUNCIL]) == 5
    assert len(by_kind[NotificationKind.CROSS_BORDER]) == 2
    assert len(by_kind[NotificationKind.ICB]) == 2
    assert by_kind[NotificationKind.CQC] == {"INC1-CQC-v1"}
    assert len(by_kind[NotificationKind.PERSON]) == len(people)
    assert len(files) == 2 * (5 + 2 + 2 + 1 + len(people))
    for f in files:
        assert f.path.suffix == f".{f.format.value}"
        recorded = [d.sha256 for d in store.notifications.documents(f.notification.id) if d.format is f.format]
        assert recorded == [f.sha256]


def test_the_pdfs_and_docx_files_open_and_say_who_they_are_for(generated):
    _, files, _ = generated
    for f in files:
        if f.format is DocumentFormat.PDF:
            text = "\n".join(pdf_pages(f.path))
        else:
            paragraphs, rows, _, _ = docx_text(f.path)
            text = paragraphs + "\n" + "\n".join(" | ".join(r) for r in rows)
        assert f.notification.reference in text
        assert f.notification.recipient_name in " ".join(text.split())


def test_no_letter_names_anyone_who_belongs_to_another_body(generated):
    """Data minimisation: every person a letter names, by NHS number or by name, is one it covers."""
    _, files, people = generated
    nhs = {format_nhs_number(p.facts.nhs_number): p.id for p in people.values() if p.facts.nhs_number}
    for f in files:
        covered = set(f.notification.people)
        if f.format is DocumentFormat.PDF:
            text = " ".join(" ".join(pdf_pages(f.path)).split())
            names = ""
        else:
            paragraphs, rows, _, _ = docx_text(f.path)
            text = " ".join((paragraphs + " " + " ".join(c for r in rows for c in r)).split())
            names = text
        found = {nhs[n] for n in NHS.findall(text)}
        assert found == covered, (f.path.name, found ^ covered)
        allowed = {people[i].facts.display_name for i in covered} | {f.notification.recipient_name}
        for person in people.values():
            if person.facts.display_name in names:
                assert person.facts.display_name in allowed, (f.path.name, person.facts.display_name)
        if f.notification.kind is NotificationKind.CQC:
            assert found == set() and not any(p.facts.last_name in text for p in people.values())


def test_every_exercise_document_says_so_in_header_footer_and_file_name(generated):
    _, files, _ = generated
    for f in files:
        assert f.path.name.startswith("EXERCISE-NOT-A-REAL-INCIDENT_")
        if f.format is DocumentFormat.PDF:
            for page in pdf_pages(f.path):
                lines = page.strip().splitlines()
                assert EXERCISE_MARK in lines[0] and EXERCISE_MARK in lines[-1], f.path.name
                assert f.notification.reference in lines[-1]
        else:
            _, _, header, footer = docx_text(f.path)
            assert EXERCISE_MARK in header and EXERCISE_MARK in footer
            assert f.notification.reference in footer


def test_a_council_letter_carries_what_section_13_asks_for(generated):
    _, files, _ = generated
    wakefield = next(f for f in files if f.notification.recipient_ref == "la:E08000036"
                     and f.format is DocumentFormat.PDF)
    text = " ".join(" ".join(pdf_pages(wakefield.path)).split())
    for words in ("CQC provider ID: 1-101999001", "SI 2015/301 reg 2(2)(a)", "We became aware: 00:40 GMT on 23 November 2026",
                  "s.48(2)", "s.48(7)", "co-operate", "care and support plan", "named officer",
                  "we will recover from you the cost we incur", "Weekly cost before the failure", "£",
                  "SI 2014/2829", "4 months",
                  "Please co-operate with us (Care Act 2014 ss.6-7) and, within 48 hours of receiving this letter", "art 6(1)(e)", "art 9(2)(h)", "Data Protection Officer",
                  "ordinary residence alone gives no right to recover"):
        assert words in text, words
    assert "[verify" not in text and "brief rule" not in text


def test_the_person_letter_says_what_section_13_asks_for_in_plain_english(generated):
    _, files, people = generated
    letters = [f for f in files if f.notification.kind is NotificationKind.PERSON and f.format is DocumentFormat.PDF]
    s48 = next(f for f in letters if people[f.notification.people[0]].determination.charge_route
               and people[f.notification.people[0]].determination.charge_route.value == "s48(5)")
    text = " ".join(" ".join(pdf_pages(s48.path)).split())
    for words in ("What has happened", "care will continue", "We do not need to assess", "How you will be involved",
                  "only what it costs us", "Information and advice from us are always free",
                  "one point of contact", "0113 496 0000"):
        assert words in text, words
    for f in letters:  # a letter about someone else's care never reaches them by name in the file name
        assert people[f.notification.people[0]].facts.last_name not in f.path.name


def test_a_cross_border_letter_routes_disputes_to_sch_1_and_si_2014_2843(generated):
    _, files, _ = generated
    cardiff = next(f for f in files if f.notification.recipient_ref == "la:W06000015" and f.format is DocumentFormat.PDF)
    text = " ".join(" ".join(pdf_pages(cardiff.path)).split())
    assert "Sch 1 para 5" in text and "SI 2014/2843" in text and "s.49" in text


# --- templates ---------------------------------------------------------------------------------------------


def test_a_missing_field_is_an_error_naming_the_field_the_template_and_the_line(store, make_incident, tmp_path,
                                                                                monkeypatch):
    incident = make_incident()
    own = tmp_path / "council-templates"
    own.mkdir()
    (own / "letter-cqc.md.j2").write_text('{% extends "letter-base.md.j2" %}\n{% block title %}Notice{% endblock %}\n'
                                          "{% block body %}\nReference {{ letter.reference }}\n"
                                          "Lead: {{ incident.chief_executive }}\n{% endblock %}\n")
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(own))
    with pytest.raises(BadInput) as caught:
        service.preview(store, incident.id, "cqc")
    message = str(caught.value)
    assert "chief_executive" in message and "letter-cqc.md.j2, line 5" in message


def test_a_councils_own_template_replaces_the_shipped_one(store, make_incident, tmp_path, monkeypatch):
    incident = make_incident()
    own = tmp_path / "council-templates"
    own.mkdir()
    (own / "letter-cqc.md.j2").write_text('{% extends "letter-base.md.j2" %}\n'
                                          "{% block title %}Leeds local CQC notice{% endblock %}\n"
                                          "{% block body %}\nIncident {{ incident.provider }}.\n{% endblock %}\n")
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(own))
    files = service.generate(store, incident.id, tmp_path / "out", recipients=["cqc"])
    text = "\n".join(pdf_pages(files[0].path))
    assert "Leeds local CQC notice" in text and "Incident Meadowbrook Care Homes Ltd." in text
    assert "Leeds City Council" in text, "the shipped letterhead still frames the council's own body"


def test_a_broken_template_reports_its_line(store, make_incident, tmp_path, monkeypatch):
    incident = make_incident()
    (tmp_path / "letter-cqc.md.j2").write_text("line one\n{% if %}\n")
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(tmp_path))
    with pytest.raises(BadInput, match=r"letter-cqc\.md\.j2, line 2"):
        service.preview(store, incident.id, "cqc")


def test_templates_run_in_a_sandbox(store, make_incident, tmp_path, monkeypatch):
    incident = make_incident()
    (tmp_path / "letter-cqc.md.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(tmp_path))
    with pytest.raises(BadInput, match="letter template .*letter-cqc.md.j2, line 1: .*(unsafe|__class__)"):
        service.preview(store, incident.id, "cqc")


def test_an_override_folder_that_does_not_exist_is_reported(store, make_incident, tmp_path, monkeypatch):
    incident = make_incident()
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(tmp_path / "missing"))
    with pytest.raises(BadInput, match="CONTINGENCY_TEMPLATES .* not a folder"):
        service.preview(store, incident.id, "cqc")


def test_filters_write_uk_dates_london_times_and_pounds():
    assert uk_date(date(2026, 11, 23)) == "23 November 2026"
    assert uk_datetime(datetime(2026, 11, 23, 1, 40, tzinfo=UTC)) == "01:40 GMT on 23 November 2026"
    assert uk_datetime(datetime(2026, 7, 1, 23, 30, tzinfo=UTC)) == "00:30 BST on 2 July 2026"
    assert money(123456) == "£1,234.56" and money(5) == "£0.05" and money(-250) == "-£2.50"
    with pytest.raises(TypeError):
        money(12.5)
    with pytest.raises(TypeError):
        uk_datetime(datetime(2026, 11, 23, 1, 40))


def test_a_value_can_never_become_markup(tmp_path, monkeypatch):
    (tmp_path / "letter-test.md.j2").write_text("{{ name }}\n\n| Name | Note |\n|---|---|\n| {{ name }} | ok |\n")
    monkeypatch.setenv("CONTINGENCY_TEMPLATES", str(tmp_path))
    hostile = "# Boss | **loud** \\\nnext"
    blocks = parse(render_text("letter-test.md.j2", {"name": hostile}))
    assert [b.kind for b in blocks] == ["paragraph", "table"]
    flat = "# Boss | **loud** \\ next"
    assert blocks[0].lines == (blocks[0].lines[0],) and "Boss" in blocks[0].lines[0]
    from contingency.letters.render import cell, plain

    assert plain(blocks[0].lines[0]) == flat
    assert cell(blocks[1].rows[1][0]) == (flat, False) and blocks[1].rows[1][1] == "ok"


def _claim_context() -> dict:
    return {
        "exercise": False, "exercise_mark": EXERCISE_MARK,
        "council": {"name": "Leeds City Council", "short_name": "Leeds", "team": "Commissioning",
                    "officer": "Sam Patel", "address_lines": ["Civic Hall", "Leeds LS1 1UR"], "phone": "0113 000 0000",
                    "email": "claims@example.gov.uk"},
        "incident": {"provider": "Meadowbrook Care Homes Ltd"},
        "letter": {"reference": "INC1-CLAIM-BRD-1", "date": NOW, "recipient": "City of Bradford Metropolitan "
                   "District Council", "basis": "Care Act 2014 s.48(7)", "reply_by": datetime(2026, 12, 23, tzinfo=UTC),
                   "replaces": None},
        "claim": {"period_start": date(2026, 11, 23), "period_end": date(2026, 12, 6), "total_pence": 246912,
                  "lines": [{"name": "George Exercisely", "item": "Residential care, interim placement",
                             "period": "23/11/2026 to 06/12/2026", "route": "s.48(7) council", "amount_pence": 123456},
                            {"name": "Alice Specimore", "item": "Residential care", "period": "23/11/2026 to "
                             "06/12/2026", "route": "s.48(7) council", "amount_pence": 123456}]},
    }


def test_the_claim_cover_letter_renders_to_pdf_and_docx(tmp_path):
    letter, text = build("letter-claim-cover.md.j2", _claim_context(), stem="INC1-CLAIM-BRD-1", header="Leeds",
                         footer="INC1-CLAIM-BRD-1", issued_at=NOW, author="Commissioning")
    assert letter.title == "Reimbursement claim INC1-CLAIM-BRD-1: 23 November 2026 to 6 December 2026"
    write_pdf(letter, tmp_path / "claim.pdf")
    write_docx(letter, tmp_path / "claim.docx")
    pdf = " ".join(" ".join(pdf_pages(tmp_path / "claim.pdf")).split())
    assert "£1,234.56" in pdf and "£2,469.12" in pdf and "23 December 2026" in pdf and "s.48(7)" in pdf
    _, rows, _, _ = docx_text(tmp_path / "claim.docx")
    assert rows[0] == ["Person", "What", "Period", "Route", "Amount"]
    assert rows[-1] == ["Total", "", "", "", "£2,469.12"]
    assert "**" in text and "**" not in pdf, "bold is markup, never printed"
    paragraphs, _, _, _ = docx_text(tmp_path / "claim.docx")
    assert "**" not in paragraphs


def _letter_with(name: str, rows: int = 1):
    context = _claim_context()
    context["claim"]["lines"] = [{**context["claim"]["lines"][0], "name": name}] * rows
    return build("letter-claim-cover.md.j2", context, stem="x", header=EXERCISE_MARK, footer="x", issued_at=NOW,
                 author="t")[0]


def test_letters_outside_latin_1_still_print(tmp_path):
    letter = _letter_with("Łucja Wróbel-Ŵyn – “Nan”")
    write_pdf(letter, tmp_path / "a.pdf")
    write_docx(letter, tmp_path / "a.docx")
    assert "Łucja Wróbel-Ŵyn – “Nan”" in " ".join(" ".join(pdf_pages(tmp_path / "a.pdf")).split())
    assert "Łucja Wróbel-Ŵyn – “Nan”" in [c for row in docx_text(tmp_path / "a.docx")[1] for c in row]
    assert EXERCISE_MARK in pdf_pages(tmp_path / "a.pdf")[0]


def test_a_long_table_repeats_its_header_on_every_page(tmp_path):
    letter = _letter_with("George Exercisely", rows=150)
    write_pdf(letter, tmp_path / "long.pdf")
    pages = pdf_pages(tmp_path / "long.pdf")
    assert len(pages) > 3
    assert all("Person What Period Route Amount" in " ".join(page.split()) for page in pages[1:-1])
    assert sum(" ".join(page.split()).count("George Exercisely") for page in pages) == 150
