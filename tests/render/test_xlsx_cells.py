"""The cells of an xlsx sheet (written by ``_sheet_data``, not openpyxl) read back as written."""

import io

import numpy as np
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment

from topics.render.tables import SheetStyle, _workbook_bytes

TEXTS = [" lead", "trail ", "  ", "a\r\nb", "&<>\"'", "tab\tinside", "　全角空格　", "中文",
         "=", "3.14", "TRUE"]


def _book(sheets, styles=None, failed=()):
    return load_workbook(io.BytesIO(_workbook_bytes(sheets, styles, failed)))


def test_text_reads_back_as_it_was_written():
    sheet = _book([("s", [["text"], *([text] for text in TEXTS)])])["s"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == TEXTS
    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.quotePrefix for cell in cells] == [text.startswith("=") for text in TEXTS]


def test_values_keep_their_type_as_openpyxl_writes_them():
    row = [True, False, np.bool_(True), float("nan"), np.float64(0.25), np.int64(3), 10**20,
           1e-300, 0.1 + 0.2, "x" * 40000, "", None, "bad\udcff", "x\x01y"]
    sheet = _book([("s", [[f"c{i}" for i in range(len(row))], row])])["s"]
    made = Workbook()  # what openpyxl itself writes of the same values, read back
    made.active.append(row[:10])
    saved = io.BytesIO()
    made.save(saved)
    reference = load_workbook(saved).active
    got = [(cell.value, cell.data_type) for cell in sheet[2]]
    assert got[:10] == [(cell.value, cell.data_type) for cell in reference[1]]
    assert got[2] == (1, "n")  # numpy's bool is a number to openpyxl
    assert len(got[9][0]) == 32767  # openpyxl's limit of a cell's text
    assert [value for value, _ in got[10:]] == [None, None, "bad\\xff", "x\\x01y"]  # escaped


def test_styles_are_set_per_column_and_on_every_row():
    wrap = Alignment(wrap_text=True, vertical="top")
    styles = {"s": SheetStyle(widths={"B": 33}, columns={2: {"alignment": wrap},
                                                          3: {"number_format": "0.0%"}})}
    sheet = _book([("s", [["a", "b", "c", "d"], ["=x", "=y", 0.5], ["short"]])], styles)["s"]
    assert [cell.font.b for cell in sheet[1]] == [True] * 4
    assert sheet.column_dimensions["B"].width == 33
    assert [sheet.cell(row, 2).alignment.wrap_text for row in (1, 2, 3)] == [None, True, True]
    assert [sheet.cell(row, 3).number_format for row in (1, 2, 3)] == [
        "General", "0.0%", "0.0%"]
    assert sheet["A2"].quotePrefix and not sheet["A2"].alignment.wrap_text
    assert sheet["B2"].quotePrefix and sheet["B2"].alignment.wrap_text  # both at once
    assert sheet["B3"].value is None and sheet["B3"].has_style  # an empty styled cell
    assert sheet.dimensions == sheet.auto_filter.ref == "A1:D3"
    assert sheet.freeze_panes == "A2"


def test_sheets_in_order_with_the_failed_inputs_last():
    book = _book([("one", [["h"], [1]]), ("empty", []), ("head", [["h"]])],
                 failed=[("=bad.docx", "#N/A")])
    assert book.sheetnames == ["one", "empty", "head", "failed"]
    assert book["empty"]["A1"].font.b and book["empty"].auto_filter.ref is None
    assert book["head"].auto_filter.ref is None
    failed = book["failed"]
    assert [(c.value, c.data_type, c.quotePrefix) for c in failed[2]] == [
        ("=bad.docx", "s", True), ("#N/A", "s", True)]


def test_spaces_at_the_ends_of_text_are_kept_for_excel():
    import zipfile

    data = _workbook_bytes([("s", [["h"], [" lead"], ["inner space"]])])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert '<t xml:space="preserve"> lead</t>' in sheet  # Excel trims it otherwise
    assert "<t>inner space</t>" in sheet
