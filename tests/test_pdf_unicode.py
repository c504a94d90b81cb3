"""PDF letters print every name DejaVu Sans can draw, and say so when they cannot (issue 10)."""

from __future__ import annotations

import unicodedata

import pypdf
import pytest

from contingency.letters.pdf import cannot_print, warning_for, write_pdf
from contingency.notification import DocumentFormat
from contingency.services import notifications as service
from contingency.services.people import add_person, parse_changes
from tests.test_letters import _letter_with

ZOE_COMBINING = "Zoe\u0308 Hart"  # 'ë' typed as e + U+0308, as some systems export it

NAMES = [
    pytest.param("Łucja Wąsowska", id="polish"),
    pytest.param("Αικατερίνη Παπαδοπούλου", id="greek"),
    pytest.param("Дмитрий Иванов", id="russian"),
    pytest.param(ZOE_COMBINING, id="combining-diaeresis"),
    pytest.param("Gwenllian ap Dafydd-Ŵyn", id="welsh"),
]


def pdf_text(path) -> str:
    reader = pypdf.PdfReader(path)
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def embedded_fonts(path) -> set[str]:
    fonts = set()
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


@pytest.mark.parametrize("name", NAMES)
def test_names_outside_windows_1252_print_as_written(tmp_path, name):
    letter = _letter_with(name)
    write_pdf(letter, tmp_path / "a.pdf")
    text = pdf_text(tmp_path / "a.pdf")
    assert unicodedata.normalize("NFC", name) in text
    assert "?" not in text and "\ufffd" not in text
    fonts = embedded_fonts(tmp_path / "a.pdf")
    if name == ZOE_COMBINING:  # composed, it is 'Zoë', which the built-in font has
        assert fonts == {"/Helvetica", "/Helvetica-Bold"}
    else:
        assert any("DejaVuSans" in font for font in fonts)
    assert cannot_print(letter) == () and warning_for(letter) == ""
    # Subset embedding: a one-page letter, not two 700 KB fonts.
    assert (tmp_path / "a.pdf").stat().st_size < 80_000


def test_a_letter_windows_1252_can_spell_keeps_the_built_in_font(tmp_path):
    letter = _letter_with("Renée O’Brien – “Nan”")
    write_pdf(letter, tmp_path / "a.pdf")
    assert "Renée O’Brien – “Nan”" in pdf_text(tmp_path / "a.pdf")
    assert embedded_fonts(tmp_path / "a.pdf") == {"/Helvetica", "/Helvetica-Bold"}


@pytest.mark.parametrize(("name", "words"), [
    pytest.param("王秀英", ("王秀英",), id="chinese-no-glyphs"),
    pytest.param("محمد عبد الله", ("محمد", "عبد", "الله"), id="arabic-needs-shaping"),
    pytest.param("Ada (王秀英) Lovelace", ("王秀英",), id="mixed"),
])
def test_a_name_the_font_cannot_draw_is_flagged_never_a_silent_question_mark(tmp_path, name, words):
    letter = _letter_with(name)
    write_pdf(letter, tmp_path / "a.pdf")
    text = pdf_text(tmp_path / "a.pdf")
    assert "?" not in text, "no silent '?'"
    assert "\ufffd" in text, "the PDF shows a replacement mark where the name cannot be drawn"
    assert cannot_print(letter) == words
    assert warning_for(letter).startswith("the PDF cannot print ")
    assert warning_for(letter).endswith("; send the DOCX")
    assert words[0] in warning_for(letter)


def test_the_warning_lists_a_few_names_then_counts_the_rest():
    letter = _letter_with("王一 王二 王三 王四 王五")
    assert warning_for(letter) == "the PDF cannot print these names (王一, 王二, 王三 and 2 more); send the DOCX"


def test_generate_warns_on_the_pdf_and_not_on_the_docx(store, make_incident, tmp_path):
    incident = make_incident()
    people = {name: add_person(store, incident.id, parse_changes(store, {
        "first_name": first, "last_name": last, "date_of_birth": "03/04/1940", "funding": "LA",
        "funding_body": "Bradford", "weekly_cost_pence": "950.00"})) for name, (first, last) in {
            "chinese": ("秀英", "王"), "greek": ("Αικατερίνη", "Παπαδοπούλου")}.items()}
    files = service.generate(store, incident.id, tmp_path / "out", formats=(DocumentFormat.PDF, DocumentFormat.DOCX),
                             recipients=[f"person:{p.id}" for p in people.values()])
    warnings = {(f.notification.recipient_ref, f.format): f.warning for f in files}
    chinese, greek = (f"person:{people[k].id}" for k in ("chinese", "greek"))
    assert "the PDF cannot print" in warnings[chinese, DocumentFormat.PDF]
    assert "王" in warnings[chinese, DocumentFormat.PDF]
    assert warnings[chinese, DocumentFormat.PDF].endswith("send the DOCX")
    assert warnings[chinese, DocumentFormat.DOCX] == ""
    assert warnings[greek, DocumentFormat.PDF] == warnings[greek, DocumentFormat.DOCX] == ""
    greek_pdf = next(f.path for f in files if f.notification.recipient_ref == greek and f.format is DocumentFormat.PDF)
    assert "Αικατερίνη" in pdf_text(greek_pdf)
