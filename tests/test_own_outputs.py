"""An input folder holds more than reports: the output being written and earlier outputs of
topics are never read as reports (each skip said in one line); inputs that failed are listed
in the outputs."""

import json
import os

import pytest
from click.testing import CliRunner

from tests.conftest import REPORT
from topics.cli import main
from topics.pipeline.inputs import earlier_output
from topics.read.files import expand_inputs


def _run(model, *args):
    return CliRunner().invoke(main, [str(a) for a in args] + ["--model", str(model)])


@pytest.fixture
def reports(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "a.txt").write_text(REPORT, encoding="utf-8")
    (folder / "b.md").write_text("严格执行三个规定，开展警示教育。\n", encoding="utf-8")
    return folder


def _records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_running_twice_into_the_input_folder_does_not_double(tiny_model_dir, reports):
    out = reports / "labelled.jsonl"
    first = _run(tiny_model_dir, "classify", reports, "--format", "jsonl", "--out", out)
    assert first.exit_code == 0 and "skipped" not in first.stderr
    before = _records(out)
    again = _run(tiny_model_dir, "classify", reports, "--format", "jsonl", "--out", out)
    assert again.exit_code == 0, again.output
    assert _records(out) == before and {r["report"] for r in before} == {"reports/a.txt", "reports/b.md"}
    assert f"topics: skipped {out}: the output file of this run, not read as input\n" in \
        again.stderr
    assert ", 0 failed, 1 skipped, " in again.stderr


@pytest.mark.parametrize("fmt,name,what", [
    ("jsonl", "old.jsonl", "labelled records written by topics"),
    ("jsonl", "old.txt", "labelled records written by topics"),
    ("csv", "old.txt", "a csv of labelled units written by topics"),
    ("table", "old.md", "a table of labelled units written by topics"),
    ("html", "old.txt", "an html page written by topics"),
    ("xlsx", "old.docx", "an xlsx workbook written by topics"),
])
def test_an_earlier_output_in_a_folder_is_skipped_with_a_note(tiny_model_dir, reports,
                                                              tmp_path, fmt, name, what):
    old = reports / name
    assert _run(tiny_model_dir, "classify", reports, "--format", fmt, "--out", old).exit_code == 0
    result = _run(tiny_model_dir, "classify", reports, "--format", "jsonl")
    assert result.exit_code == 0, result.output
    assert {r["report"] for r in map(json.loads, result.stdout.splitlines())} == {"reports/a.txt",
                                                                              "reports/b.md"}
    notes = [line for line in result.stderr.splitlines() if "topics: skipped" in line]
    assert notes[0].startswith(f"topics: skipped {old}: {what}") and len(notes) == 1
    assert notes[0].endswith(", not a report")


def test_a_labelled_file_given_by_name_is_still_read(tiny_model_dir, reports, tmp_path):
    old = tmp_path / "old.jsonl"
    assert _run(tiny_model_dir, "classify", reports, "--format", "jsonl", "--out", old).exit_code == 0
    result = _run(tiny_model_dir, "classify", old, "--format", "jsonl")
    assert result.exit_code == 0 and "skipped" not in result.stderr
    assert len(result.stdout.splitlines()) == len(_records(old))


def test_expand_inputs_excludes_the_output_by_path_inode_and_temporary_file(tmp_path):
    for name in ("a.txt", "out.txt", ".out.txt.x1y2.tmp", "b.txt"):
        (tmp_path / name).write_text("甲。", encoding="utf-8")
    os.link(tmp_path / "b.txt", tmp_path / "c.txt")
    (tmp_path / "d.txt").symlink_to(tmp_path / "a.txt")
    assert list(expand_inputs([str(tmp_path)], (".txt", ".tmp"), exclude=[tmp_path / "out.txt"])) \
        == [str(tmp_path / n) for n in ("a.txt", "b.txt", "c.txt", "d.txt")]
    assert list(expand_inputs([str(tmp_path)], exclude=[str(tmp_path / "c.txt")])) == \
        [str(tmp_path / n) for n in ("a.txt", "d.txt", "out.txt")]  # b.txt is c.txt
    linked = tmp_path / "e.txt"
    linked.symlink_to(tmp_path / "out.txt")
    assert list(expand_inputs([str(tmp_path / "a.txt"), str(linked)],
                              exclude=[tmp_path / "out.txt"])) == [str(tmp_path / "a.txt")]


@pytest.mark.parametrize("content", [
    REPORT,
    "== 第一部分 ==\n正文。\n",
    json.dumps({"text": "甲", "id": 1}, ensure_ascii=False) + "\n",
    json.dumps({"text": "甲", "label": "other"}) + "\n",
    "report,text\n甲,乙\n",
    "<!DOCTYPE html><html><body><p>正文</p></body></html>",
])
def test_reports_and_data_are_not_taken_for_outputs(tmp_path, content):
    path = tmp_path / "r.txt"
    path.write_text(content, encoding="utf-8")
    assert earlier_output(path) is None


def test_a_fifo_is_not_opened_to_see_whether_it_is_an_output(tmp_path):
    fifo = tmp_path / "x.jsonl"
    os.mkfifo(fifo)
    assert earlier_output(fifo) is None  # returns at once, no writer needed


# -- failed inputs are listed in the outputs ----------------------------------------------------

@pytest.fixture
def with_a_broken_file(reports):
    (reports / "broken.txt").write_bytes(b"")
    return reports


def test_html_lists_the_failed_inputs(tiny_model_dir, with_a_broken_file, tmp_path):
    out = tmp_path / "out.html"
    result = _run(tiny_model_dir, "classify", with_a_broken_file, "--format", "html", "--out", out)
    assert result.exit_code == 1
    page = out.read_text(encoding="utf-8")
    assert ('<section class="failed"><h2>未能读取的文件 Inputs not read (1)</h2><table><tr>'
            f"<th>文件 file</th><th>原因 reason</th></tr><tr><td>{with_a_broken_file}/broken.txt"
            "</td><td>empty report (no text)</td></tr></table></section>") in page
    good = _run(tiny_model_dir, "classify", with_a_broken_file / "a.txt", "--format", "html",
                "--out", out)
    assert good.exit_code == 0 and 'class="failed"' not in out.read_text(encoding="utf-8")


def test_xlsx_has_a_sheet_of_failed_inputs(tiny_model_dir, with_a_broken_file, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    missing = tmp_path / "missing.docx"
    result = _run(tiny_model_dir, "classify", with_a_broken_file, missing, "--format", "xlsx",
                  "--out", out)
    assert result.exit_code == 1
    assert list(load_workbook(out)["failed"].values) == [
        ("file", "reason"), (f"{with_a_broken_file}/broken.txt", "empty report (no text)"),
        (str(missing), "no such file or directory")]


def test_the_table_ends_with_the_failed_inputs(tiny_model_dir, with_a_broken_file):
    result = _run(tiny_model_dir, "classify", with_a_broken_file)
    assert result.exit_code == 1
    assert result.stdout.endswith(
        f"\nFailed inputs (1, not labelled):\n  {with_a_broken_file}/broken.txt: empty report "
        "(no text)\n")


def test_compare_does_not_read_its_output_either(tiny_model_dir, reports, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.txt").write_text("依法办理公益诉讼案件，开展司法救助。\n", encoding="utf-8")
    out = reports / "compare.txt"
    first = _run(tiny_model_dir, "compare", reports, other, "--format", "csv", "--out", out)
    assert first.exit_code == 0, first.output
    before = out.read_bytes()
    again = _run(tiny_model_dir, "compare", reports, other, "--format", "csv", "--out", out)
    assert again.exit_code == 0 and out.read_bytes() == before
    assert f"topics: skipped {out}: the output file of this run, not read as input" in again.stderr
    for fmt in ("csv", "table"):
        assert _run(tiny_model_dir, "compare", reports, other, "--format", fmt, "--out",
                    out).exit_code == 0
        assert earlier_output(out) == "a comparison written by topics (an earlier output)"


def test_the_output_as_the_only_input_is_refused(tiny_model_dir, tmp_path):
    report = tmp_path / "a.txt"
    report.write_text(REPORT, encoding="utf-8")
    result = _run(tiny_model_dir, "-q", "classify", report, "--out", report)
    assert result.exit_code == 2
    assert result.stderr.endswith(f"Error: --out {report} is one of the inputs ({report}); "
                                  f"write the output elsewhere\n")
    assert "skipped" not in result.stderr
    assert report.read_text(encoding="utf-8") == REPORT


@pytest.fixture
def two(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(REPORT, encoding="utf-8")
    (folder / "b.txt").write_text("严格执行三个规定，开展警示教育。\n", encoding="utf-8")
    (folder / "link.txt").symlink_to("b.txt")
    return folder


@pytest.mark.parametrize("args,held", [
    (["classify", "{d}/a.txt", "{d}/b.txt", "--out", "{d}/b.txt"], "{d}/b.txt"),
    (["classify", "{d}", "--out", "{d}/b.txt"], "{d}/b.txt"),
    (["classify", "{d}/a.txt", "{d}/b.txt", "--out", "{d}/link.txt"], "{d}/b.txt"),
    (["compare", "{d}/a.txt", "{d}/b.txt", "--out", "{d}/b.txt"], "{d}/b.txt"),
    (["select-k", "--k", "8", "--seeds", "2", "{d}/a.txt", "{d}/b.txt", "--chart", "{d}/b.txt"],
     "{d}/b.txt"),
])
def test_an_output_that_is_an_input_is_refused_before_any_work(tiny_model_dir, two, args, held):
    args, held = [a.format(d=two) for a in args], held.format(d=two)
    model = ["--model", str(tiny_model_dir)] if args[0] != "select-k" else []
    result = CliRunner().invoke(main, args + model)
    assert result.exit_code == 2, result.output
    assert result.stderr.endswith(f"Error: {args[-2]} {args[-1]} is one of the inputs "
                                  f"({held}); write the output elsewhere\n")
    assert (two / "b.txt").read_text(encoding="utf-8") == "严格执行三个规定，开展警示教育。\n"
    assert sorted(p.name for p in two.iterdir()) == ["a.txt", "b.txt", "link.txt"]


def test_an_output_that_would_not_be_read_anyway_is_not_mentioned(tiny_model_dir, reports):
    result = _run(tiny_model_dir, "classify", reports, "--format", "xlsx", "--out",
                  reports / "out.xlsx")
    assert result.exit_code == 0 and "skipped" not in result.stderr


@pytest.mark.parametrize("fmt", ["table", "html", "xlsx"])
def test_compare_lists_the_failed_inputs(tiny_model_dir, with_a_broken_file, tmp_path, fmt):
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.txt").write_text("依法办理公益诉讼案件，开展司法救助。\n", encoding="utf-8")
    out = tmp_path / f"cmp.{fmt}"
    result = _run(tiny_model_dir, "compare", with_a_broken_file, other, "--format", fmt,
                  "--out", out)
    assert result.exit_code == 1
    broken = f"{with_a_broken_file}/broken.txt"
    if fmt == "xlsx":
        from openpyxl import load_workbook

        assert list(load_workbook(out)["failed"].values) == [
            ("file", "reason"), (broken, "empty report (no text)")]
    elif fmt == "html":
        assert f"<tr><td>{broken}</td><td>empty report (no text)</td></tr>" in \
            out.read_text(encoding="utf-8")
    else:
        assert out.read_text(encoding="utf-8").endswith(
            f"\nFailed inputs (1, not labelled):\n  {broken}: empty report (no text)\n")
