"""The one text sanitiser (issue 11): what is kept of what people paste, and text that every document accepts."""
import csv
import io
import unicodedata

import openpyxl
import pytest
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from agencies.models import Agency
from agencies.tests.factories import AgencyFactory
from agencies.text import clean_text, csv_cell, safe_text, sheet_cell

PASTED = "Kết quả\x01 năm\x0b2025:\x1b[0m\ttổ chức\u00a03\u202fhội nghị\r\nxúc tiến\u202e\x7f\x85\ufffe\ud800"


def test_an_office_paste_keeps_its_words_lines_and_tabs():
    text, dropped = clean_text(PASTED)
    assert text == "Kết quả năm\n2025:[0m\ttổ chức 3 hội nghị\nxúc tiến"
    assert dropped


def test_line_ends_and_spaces_are_normalised_without_counting_as_dropped():
    assert clean_text("a\r\nb\rc\x0cd\u2028e\u00a0f") == ("a\nb\nc\nd\ne f", False)
    assert clean_text("Sở Ngoại vụ") == ("Sở Ngoại vụ", False)


def test_decomposed_vietnamese_is_composed_also_across_a_dropped_character():
    typed = unicodedata.normalize("NFD", "Hội nghị")
    text, dropped = clean_text(typed[:2] + "\x01" + typed[2:])
    assert text == "Hội nghị" and dropped


def test_bidirectional_overrides_that_disguise_text_are_dropped():
    assert clean_text("hoa_don\u202eexe.pdf") == ("hoa_donexe.pdf", True)
    assert clean_text("\u2066a\u2069\u200bb\ufeff") == ("ab", True)


def test_safe_text_of_anything():
    assert safe_text(None) == "" and safe_text(12) == "12" and safe_text("x\x01y") == "xy"


def test_csv_cells_that_a_spreadsheet_would_run_are_quoted_out():
    for typed in ('=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "  =1+1", "\r=1"):
        assert csv_cell(typed).startswith("'"), typed
    assert csv_cell("Sở Công Thương") == "Sở Công Thương" and csv_cell("a=b") == "a=b"
    assert csv_cell(-5) == -5 and csv_cell(83.3) == 83.3 and csv_cell(None) == ""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell('=1+"2"'), csv_cell("x\x01,y")])
    assert buffer.getvalue() == '"\'=1+""2""","x,y"\r\n'


def test_sheet_cells_of_text_are_text_and_numbers_stay_numbers():
    sheet = openpyxl.Workbook().active
    assert sheet_cell(sheet, 1, 1, '=HYPERLINK("http://evil","x")').data_type == "s"
    assert sheet_cell(sheet, 1, 2, "#N/A").data_type == "s"
    assert sheet_cell(sheet, 1, 3, "a\x01b").value == "ab"
    assert sheet_cell(sheet, 1, 4, 7).data_type == "n" and sheet_cell(sheet, 1, 5, None).value is None


@pytest.mark.django_db
def test_the_model_fields_clean_on_every_path():
    agency = AgencyFactory(name="Sở\x01 Ngoại vụ\x1b")
    assert Agency.objects.values_list("name", flat=True).get(pk=agency.pk) == "Sở Ngoại vụ"
    Agency.objects.filter(pk=agency.pk).update(name="Sở\x0b\x02 Ngoại vụ")
    assert Agency.objects.values_list("name", flat=True).get(pk=agency.pk) == "Sở\n Ngoại vụ"


# --- properties, for any text at all (lone surrogates included), with what office pastes bring made frequent ---

ANY_TEXT = st.text(st.one_of(st.characters(exclude_categories=()), st.sampled_from(PASTED + "\u0301\u0323\u2028")))

@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_input_cleaning_is_idempotent_and_nfc(value):
    text, _dropped = clean_text(value)
    assert clean_text(text) == (text, False)
    assert unicodedata.is_normalized("NFC", text)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_safe_text_is_accepted_by_openpyxl_and_by_the_xml_of_docx(value):
    text = safe_text(value)
    assert unicodedata.is_normalized("NFC", text)
    sheet = openpyxl.Workbook().active
    sheet_cell(sheet, 1, 1, text)  # openpyxl raises IllegalCharacterError on what XML forbids
    etree.SubElement(etree.Element("p"), "t").text = text  # lxml raises ValueError likewise
    Document().add_paragraph(text)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_no_csv_cell_starts_a_formula(value):
    cell = csv_cell(value)
    assert not cell.lstrip().startswith(("=", "+", "-", "@")) or cell.startswith("'")
