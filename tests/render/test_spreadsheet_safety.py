"""Text that looks like a formula stays text in csv and xlsx (OWASP's CSV injection
guidance); jsonl keeps the text exactly."""

import csv
import io
import json

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from topics.cli import main
from topics.render.tables import FORMULA_STARTS, spreadsheet_text

LINES = ['=HYPERLINK("http://example.com","点击")加强队伍建设。', "+一是加强政治建设。",
         "-二是从严治检，开展警示教育。", "@全体干警落实三个规定。", "＝三是深化司法体制改革。",
         "举办业务培训班，提升履职素能。"]


@pytest.fixture
def formula_report(tmp_path):
    path = tmp_path / "=cmd.txt"
    path.write_text("\n\n".join(LINES) + "\n", encoding="utf-8")
    return path


def _classify(tiny_model_dir, path, fmt, out):
    result = CliRunner().invoke(main, ["classify", str(path), "--model", str(tiny_model_dir),
                                       "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("value,safe", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-2", "'-2"), ("@x", "'@x"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("＝1", "'＝1"), ("一是", "一是"), ("", ""), ("x=1", "x=1"), (-2.5, -2.5),
    (3, 3),
])
def test_spreadsheet_text(value, safe):
    assert spreadsheet_text(value) == safe


def test_csv_cells_never_start_a_formula(tiny_model_dir, formula_report, tmp_path):
    out = tmp_path / "out.csv"
    _classify(tiny_model_dir, formula_report, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    texts = [row["text"] for row in rows]
    assert texts[:5] == ["'" + line for line in LINES[:5]]
    assert texts[-1] == LINES[-1]
    assert {row["report"] for row in rows} == {"'=cmd.txt"}
    assert not [value for row in rows for value in row.values()
                if value.startswith(FORMULA_STARTS)]


def test_xlsx_cells_are_text_not_formulas(tiny_model_dir, formula_report, tmp_path):
    out = tmp_path / "out.xlsx"
    _classify(tiny_model_dir, formula_report, "xlsx", out)
    sheet = load_workbook(out)["sentences"]
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index("text")] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == LINES  # the text as written, no quote added
    assert all(cell.data_type == "s" for cell in cells)
    assert [cell.quotePrefix for cell in cells] == [True] * 5 + [False]
    assert not [cell for row in load_workbook(out).worksheets for line in row.iter_rows()
                for cell in line if cell.data_type in ("f", "e")]


def test_jsonl_keeps_the_text_exactly(tiny_model_dir, formula_report, tmp_path):
    out = tmp_path / "out.jsonl"
    _classify(tiny_model_dir, formula_report, "jsonl", out)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in records] == LINES and records[0]["report"] == "=cmd.txt"


def test_workbook_cells_are_never_formulas_or_error_values():
    from topics.render.tables import _workbook_bytes

    book = load_workbook(io.BytesIO(_workbook_bytes([("s", [["a", "b", "c"],
                                                           ["=1+1", "#N/A", -1.5]])])))
    cells = book["s"][2]
    assert [(c.value, c.data_type) for c in cells] == [("=1+1", "s"), ("#N/A", "s"), (-1.5, "n")]
