"""read_input: the one entry of the read stage, for report files, stdin, .jsonl and folders."""

import io
import json

import pytest

from topics.errors import InputError, failed
from topics.read.inputs import STDIN, read_input, read_inputs


def test_a_report_file_stdin_and_a_jsonl_file(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("一、加强政治建设。\n开展警示教育。\n", encoding="gbk")
    units = tmp_path / "u.jsonl"
    units.write_text(json.dumps({"text": "举办培训班。", "id": 7}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    read = read_input(str(report))
    assert (read.name, read.records) == ("r.txt", None)
    assert read.report.text == "一、加强政治建设。\n开展警示教育。\n"
    piped = read_input("-", stdin=io.BytesIO(report.read_bytes()))
    assert (piped.name, piped.report) == (STDIN, read.report)
    records = read_input(str(units))
    assert (records.name, records.report) == ("u.jsonl", None)
    assert [(r["text"], r["id"]) for r in records.records] == [("举办培训班。", 7)]


def test_limits_and_encoding_are_checked_here(tmp_path):
    report = tmp_path / "r.txt"
    report.write_bytes("开展警示教育。".encode("gbk"))
    with pytest.raises(InputError, match=r"^<stdin>: "):
        read_input("-", max_bytes=4, stdin=io.BytesIO(report.read_bytes()))
    with pytest.raises(InputError, match=r"r\.txt: "):
        read_input(str(report), max_bytes=4)
    assert read_input(str(report), encoding="gbk").report.text == "开展警示教育。"


def test_read_inputs_expands_folders_and_goes_on_past_a_bad_input(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text("开展警示教育。", encoding="utf-8")
    (folder / "b.txt").write_text("", encoding="utf-8")
    (folder / "c.jsonl").write_text('{"text": "举办培训班。"}\n', encoding="utf-8")
    read = list(read_inputs([str(folder), str(tmp_path / "missing.txt")]))
    assert [r.name if not failed(r) else str(r) for r in read] == [
        "reports/a.txt", f"{folder / 'b.txt'}: empty report (no text)", "reports/c.jsonl",
        f"{tmp_path / 'missing.txt'}: no such file or directory"]
