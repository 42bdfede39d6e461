"""The bad-input corpus: every case ends with a one-line message naming the file and the
problem, a non-zero exit code, no traceback and no output file; or, where the input can be
handled sensibly, it is handled."""

import codecs
import json
import os

import pytest
from click.testing import CliRunner

from tests.conftest import TINY
from tests.read import hostile
from tests.read.test_documents import PARAGRAPHS, make_docx, make_pdf
from topics.cli import main

GOOD = "一、从严治检\n\n严格执行“三个规定”，开展警示教育。举办业务培训班，提升履职素能。\n"


def _docx(path):
    make_docx(path, PARAGRAPHS)
    return path


def _truncated(make):
    def build(path):
        make(path, PARAGRAPHS)
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 3])
        return path
    return build


def _labels(records):
    def build(path):
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return path
    return build


def _write(data: bytes):
    def build(path):
        path.write_bytes(data)
        return path
    return build


def _empty_dir(path):
    path.mkdir()
    (path / "notes.png").write_bytes(b"\x89PNG")
    return path


def _big_unpunctuated(path):
    with open(path, "wb") as handle:
        chunk = ("检察机关队伍建设" * 8192).encode("utf-8")
        for _ in range(50 * 1024 * 1024 // len(chunk) + 1):
            handle.write(chunk)
    return path


def _fifo(path):
    os.mkfifo(path)
    return path


def _to_dev_zero(path):
    path.symlink_to("/dev/zero")
    return path


def _docx_bomb(path):  # word/document.xml expands to 1 GiB
    make_docx(path.with_name("seed.docx"), PARAGRAPHS)
    path.write_bytes(hostile.docx_with_document(
        path.with_name("seed.docx"), hostile.DOCUMENT_START + b"<w:p><w:r><w:t>",
        b"A" * hostile.MIB, 1024, b"</w:t></w:r></w:p>" + hostile.DOCUMENT_END))
    return path


def _pdf_bomb(path):  # a content stream that expands to 1 GiB
    path.write_bytes(hostile.pdf_bomb(1 << 30))
    return path


def _locked_pdf(path):
    from reportlab.pdfgen import canvas

    drawing = canvas.Canvas(str(path), encrypt="secret")
    drawing.drawString(72, 700, "text")
    drawing.save()
    return path


BAD_TAXONOMY = '[[themes]]\nid = "other"\n[[themes]]\nid = "other"\n'

# (case, file name, builder, command, message fragment)
CASES = [
    ("missing path", "nothing.txt", None, "classify", "no such file or directory"),
    ("folder with no reports", "empty_dir", _empty_dir, "classify", "directory holds no reports"),
    ("empty file", "empty.txt", _write(b""), "classify", "empty report (no text)"),
    ("whitespace only", "blank.txt", _write(" \n\t\u3000\n".encode()), "classify", "empty report (no text)"),
    ("binary renamed .txt", "program.txt", _write(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8),
     "classify", "binary data (NUL bytes), not a text report"),
    ("PNG renamed .docx", "picture.docx", _write(b"\x89PNG\r\n\x1a\n" + bytes(200)), "classify",
     "not a readable Word .docx file"),
    ("truncated .docx", "cut.docx", _truncated(make_docx), "classify", "Word .docx file"),
    ("truncated .pdf", "cut.pdf", _truncated(make_pdf), "classify", "PDF"),
    ("NUL bytes in text", "nul.txt", _write(GOOD.encode() * 400 + b"\x00" + GOOD.encode()), "classify",
     "binary data (NUL bytes)"),
    ("invalid UTF-8 claimed UTF-8", "bad-utf8.txt", _write(GOOD.encode("gbk")), "classify --encoding utf-8",
     "cannot decode as utf-8"),
    ("50 MB without sentence punctuation", "huge.txt", _big_unpunctuated, "classify",
     "over the size limit of 20,971,520 bytes (--max-size raises it)"),
    ("FIFO named .txt", "x.txt", _fifo, "classify", "is a named pipe (FIFO), not a regular file"),
    ("symlink to /dev/zero", "zero.txt", _to_dev_zero, "classify", "is a device, not a regular file"),
    ("NUL bytes after a UTF-8 BOM", "bom.txt", _write(codecs.BOM_UTF8 + b"\x00\x01\x02" * 300), "classify",
     "binary data (NUL characters)"),
    ("Word 97-2003 .doc", "old.doc", _write(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "classify",
     "Word 97-2003 .doc files are not supported; save it as .docx (or .txt) first, e.g. with LibreOffice: "
     'soffice --headless --convert-to docx "old.doc"'),
    (".docx expanding to 1 GiB", "bomb.docx", _docx_bomb, "classify", "parts expand to more than 83,886,080 bytes"),
    ("PDF stream expanding to 1 GiB", "bomb.pdf", _pdf_bomb, "classify",
     "compressed streams expand to more than 83,886,080 bytes"),
    ("PDF text layer of (cid:N)", "codes.pdf", _write(hostile.cid_pdf()), "classify",
     "the PDF's text layer is glyph codes ((cid:N)) without a Unicode map"),
    ("password-protected PDF", "locked.pdf", _locked_pdf, "classify", "the PDF is password-protected"),
    (".jsonl over --max-size", "units.jsonl", _labels([{"text": "严格执行三个规定。" * 100}]),
     "classify --max-size 0.001", "bytes is over the size limit of 1,048 bytes"),
    (".jsonl with a lone surrogate", "units.jsonl", _write(b'{"text": "\xe7\x94\xb2"}\n{"text": "a\\ud800"}\n'),
     "classify", "units.jsonl, line 2: a lone surrogate"),
    (".jsonl with a 5,000-digit integer", "units.jsonl",
     _write('{"text": "坚持党的领导。", "id": 1%s}\n'.encode() % (b"0" * 5000)), "classify",
     "units.jsonl, line 1: an integer of 5,001 digits is too long"),
    ("label: NaN", "labels.jsonl", _write(b'{"text": "\xe7\x94\xb2", "label": "other", "id": NaN}\n'),
     "evaluate", "labels.jsonl, line 1: NaN is not a number JSON allows"),
    ("label: unknown theme", "labels.jsonl", _labels([{"text": "甲", "label": "political"},
                                                     {"text": "乙", "label": "sports"}]),
     "evaluate", "labels.jsonl, line 2: unknown theme 'sports'"),
    ("label: duplicate id", "labels.jsonl",
     _labels([{"text": "甲", "label": "other", "report": "r", "index": 3},
              {"text": "乙", "label": "other", "report": "r", "index": 3}]),
     "train --labels", "labels.jsonl, line 2: duplicate id (report 'r', index 3) first seen on line 1"),
    ("label: missing text", "labels.jsonl", _labels([{"label": "other"}]), "train --labels",
     "labels.jsonl, line 1: missing or empty 'text' field"),
    ("label: malformed JSON on line 3", "labels.jsonl",
     _write(b'{"text": "\xe7\x94\xb2", "label": "other"}\n\n{"text": oops}\n'), "evaluate",
     "labels.jsonl, line 3: malformed JSON"),
    ("taxonomy: duplicate id", "taxonomy.toml", _write(BAD_TAXONOMY.encode()), "train --taxonomy",
     "taxonomy.toml: duplicate theme id 'other'"),
]


#: The one error line of each case, exactly ({dir}: the folder the case runs in).
EXACT = {
    "missing path":
        "topics: error: {dir}/nothing.txt: no such file or directory",
    "folder with no reports":
        "topics: error: {dir}/empty_dir: directory holds no reports (.txt, .md, .docx, .pdf, .jsonl)",
    "empty file":
        "topics: error: {dir}/empty.txt: empty report (no text)",
    "whitespace only":
        "topics: error: {dir}/blank.txt: empty report (no text)",
    "binary renamed .txt":
        "topics: error: {dir}/program.txt: binary data (NUL bytes), not a text report (if it is UTF-16 text, try --encoding utf-16-le or utf-16-be)",
    "PNG renamed .docx":
        "topics: error: {dir}/picture.docx: not a readable Word .docx file (File is not a zip file)",
    "truncated .docx":
        "topics: error: {dir}/cut.docx: not a readable Word .docx file (File is not a zip file)",
    "truncated .pdf":
        "topics: error: {dir}/cut.pdf: damaged or unreadable PDF (PdfminerException: Unexpected EOF)",
    "NUL bytes in text":
        "topics: error: {dir}/nul.txt: binary data (NUL bytes), not a text report (if it is UTF-16 text, try --encoding utf-16-le or utf-16-be)",
    "invalid UTF-8 claimed UTF-8":
        "topics: error: {dir}/bad-utf8.txt: cannot decode as utf-8: 'utf-8' codec can't decode byte 0xa1 in position 2: invalid start byte",
    "50 MB without sentence punctuation":
        "topics: error: {dir}/huge.txt: 52,494,336 bytes is over the size limit of 20,971,520 bytes (--max-size raises it)",
    "FIFO named .txt":
        "topics: error: {dir}/x.txt: is a named pipe (FIFO), not a regular file; pipe it to standard input (-) instead",
    "symlink to /dev/zero":
        "topics: error: {dir}/zero.txt: is a device, not a regular file",
    "NUL bytes after a UTF-8 BOM":
        "topics: error: {dir}/bom.txt: binary data (NUL characters), not a text report",
    "Word 97-2003 .doc":
        "topics: error: {dir}/old.doc: Word 97-2003 .doc files are not supported; save it as .docx (or .txt) first, e.g. with LibreOffice: soffice --headless --convert-to docx \"old.doc\"",
    ".docx expanding to 1 GiB":
        "topics: error: {dir}/bomb.docx: the .docx's parts expand to more than 83,886,080 bytes (a zip bomb?); --max-size raises the limit",
    "PDF stream expanding to 1 GiB":
        "topics: error: {dir}/bomb.pdf: its compressed streams expand to more than 83,886,080 bytes (a decompression bomb?); --max-size raises the limit",
    "PDF text layer of (cid:N)":
        "topics: error: {dir}/codes.pdf: the PDF's text layer is glyph codes ((cid:N)) without a Unicode map, not text; run OCR on it first (or export it again from the original)",
    "password-protected PDF":
        "topics: error: {dir}/locked.pdf: the PDF is password-protected; remove the password (or print it to a new PDF) first",
    ".jsonl over --max-size":
        "topics: error: {dir}/units.jsonl: 2,713 bytes is over the size limit of 1,048 bytes (--max-size raises it)",
    ".jsonl with a lone surrogate":
        "topics: error: {dir}/units.jsonl, line 2: a lone surrogate (an unpaired \\ud800-\\udfff escape) is not a character",
    ".jsonl with a 5,000-digit integer":
        "topics: error: {dir}/units.jsonl, line 1: an integer of 5,001 digits is too long",
    "label: NaN":
        "Error: {dir}/labels.jsonl, line 1: NaN is not a number JSON allows",
    "label: unknown theme":
        "Error: {dir}/labels.jsonl, line 2: unknown theme 'sports' (the taxonomy has political, talent, discipline, culture, management, performance, reform, other, or their Chinese names)",
    "label: duplicate id":
        "Error: {dir}/labels.jsonl, line 2: duplicate id (report 'r', index 3) first seen on line 1",
    "label: missing text":
        "Error: {dir}/labels.jsonl, line 1: missing or empty 'text' field",
    "label: malformed JSON on line 3":
        "Error: {dir}/labels.jsonl, line 3: malformed JSON: Expecting value",
    "taxonomy: duplicate id":
        "Error: {dir}/taxonomy.toml: duplicate theme id 'other'",
}


@pytest.mark.parametrize("case,name,build,command,message", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, name, build, command, message, tmp_path, tiny_model_dir, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TOPICS_HOME", str(tmp_path / "home"))
    path = tmp_path / name
    if build:
        build(path)
    args = command.split() + [str(path)]
    out = tmp_path / "out.jsonl"
    if args[0] in ("classify", "evaluate"):
        args += ["--model", str(tiny_model_dir)]
    if args[0] == "classify":
        args += ["--format", "jsonl", "--out", str(out)]
    if args[0] == "train":
        args += ["--out", str(tmp_path / "model"), "--no-eval"]
        if "--taxonomy" in args:
            args += ["--labels", str(_labels([{"text": t, "label": "other"} for t, _ in TINY])(tmp_path / "l.jsonl"))]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if "rror" in line]
    assert len(errors) == 1, result.output
    assert errors == [EXACT[case].replace("{dir}", str(tmp_path))]
    assert message in errors[0]  # the table's fragment says what the case is about
    assert "Traceback" not in result.output
    assert not out.exists() and not (tmp_path / "model").exists()


def test_verbose_shows_the_traceback(tmp_path, tiny_model_dir):
    path = tmp_path / "labels.jsonl"
    path.write_text("{oops\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["-v", "evaluate", str(path), "--model", str(tiny_model_dir)])
    assert result.exit_code == 1
    assert "Traceback" in result.output and "line 1: malformed JSON" in result.output


def _classify(tiny_model_dir, path, *extra):
    result = CliRunner().invoke(main, ["classify", str(path), "--model", str(tiny_model_dir),
                                       "--format", "jsonl", *extra])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_one_2mb_sentence_is_split_into_capped_units(tmp_path, tiny_model_dir):
    path = tmp_path / "long.txt"
    text = "，".join(["坚持严格执行三个规定并开展警示教育"] * 40000) + "。"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size > 2_000_000
    records = _classify(tiny_model_dir, path)
    assert all(len(r["text"]) <= 300 for r in records)
    assert "".join(r["text"] for r in records) == text  # nothing lost


def test_traditional_chinese_is_read_as_simplified(tmp_path, tiny_model_dir):
    simplified = tmp_path / "s.txt"
    simplified.write_text(GOOD, encoding="utf-8")
    traditional = tmp_path / "t.txt"
    traditional.write_text("一、從嚴治檢\n\n嚴格執行“三個規定”，開展警示教育。舉辦業務培訓班，提升履職素能。\n",
                           encoding="utf-8")
    plain = _classify(tiny_model_dir, simplified)
    converted = _classify(tiny_model_dir, traditional)
    assert [r["theme"] for r in converted] == [r["theme"] for r in plain]
    assert converted[1]["text"].startswith("嚴格執行")  # the text is kept as written
    assert converted[1]["confidence"] == pytest.approx(plain[1]["confidence"])


def test_html_markup_and_emoji_are_handled(tmp_path, tiny_model_dir):
    path = tmp_path / "page.txt"
    path.write_text("<html><body><h1>从严治检 🔥</h1><p>严格执行“三个规定”，开展警示教育。</p>"
                    "<p>举办业务培训班&amp;提升素能。👍</p><script>var x=1;</script></body></html>",
                    encoding="utf-8")
    texts = [r["text"] for r in _classify(tiny_model_dir, path)]
    assert texts == ["从严治检 🔥", "严格执行“三个规定”，开展警示教育。", "举办业务培训班&提升素能。👍"]


def test_a_folder_batch_goes_on_past_every_bad_entry(tmp_path, tiny_model_dir, monkeypatch):
    folder = tmp_path / "batch"
    (folder / "locked").mkdir(parents=True)
    (folder / "locked" / "r.txt").write_text(GOOD, encoding="utf-8")
    (folder / "r10.txt").write_text(GOOD, encoding="utf-8")
    (folder / "r2.txt").write_text(GOOD, encoding="utf-8")
    (folder / ".hidden.txt").write_bytes(b"")  # skipped, not an error
    (folder / "~$r2.docx").write_bytes(b"lock")  # skipped, not an error
    gbk = os.path.join(os.fsencode(folder), "工作".encode("gbk") + b"\n.txt")
    with open(gbk, "wb") as handle:
        handle.write(GOOD.encode("gbk"))
    (folder / "old.wps").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    os.mkfifo(folder / "pipe.txt")
    real_scandir = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: (_ for _ in ()).throw(
        PermissionError(13, "Permission denied")) if str(path).endswith("locked") else real_scandir(path))
    result = CliRunner().invoke(main, ["classify", str(folder), "--model", str(tiny_model_dir),
                                       "--format", "csv"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("topics: error:")]
    assert errors == [
        f"topics: error: {folder / 'locked'}: cannot read folder: Permission denied",
        f"topics: error: {folder / 'old.wps'}: WPS Office .wps files are not supported; save it as .docx "
        f'(or .txt) first, e.g. with LibreOffice: soffice --headless --convert-to docx "old.wps"',
        f"topics: error: {folder / 'pipe.txt'}: is a named pipe (FIFO), not a regular file; pipe it to "
        f"standard input (-) instead"]
    reports = [line.split(",")[0] for line in result.stdout.splitlines()[1:]]
    assert list(dict.fromkeys(reports)) == ["batch/r2.txt", "batch/r10.txt", "batch/\\xb9\\xa4\\xd7\\xf7\\n.txt"]


def test_a_batch_goes_on_past_a_jsonl_number_json_cannot_hold(tmp_path, tiny_model_dir):
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "h.jsonl").write_text('{"text": "坚持党的领导。", "id": 1e999999}\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", str(tmp_path / "h.jsonl"), str(tmp_path / "r.txt"),
                                       "--model", str(tiny_model_dir), "--format", "jsonl"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if "error" in line] == [
        f"topics: error: {tmp_path / 'h.jsonl'}, line 1: the number 1e999999 is out of range"]
    assert {json.loads(line)["report"] for line in result.stdout.splitlines()} == {"r.txt"}


def test_a_batch_goes_on_past_a_report_of_too_many_sentences(tmp_path, tiny_model_dir, monkeypatch):
    import topics.text.sentences as sentences

    monkeypatch.setattr(sentences, "MAX_UNITS", 5)
    (tmp_path / "r.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "lines.txt").write_text("a\n" * 6, encoding="utf-8")
    result = CliRunner().invoke(main, ["classify", "-j1", str(tmp_path / "lines.txt"),
                                       str(tmp_path / "r.txt"), "--model", str(tiny_model_dir),
                                       "--format", "jsonl"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line for line in result.stderr.splitlines() if "error" in line] == [
        "topics: error: lines.txt: has more than 5 sentences; split it into smaller files"]
    assert {json.loads(line)["report"] for line in result.stdout.splitlines()} == {"r.txt"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table", "html", "xlsx"])
def test_same_name_in_two_folders_stays_two_names(tmp_path, tiny_model_dir, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    for year in ("2023", "2024"):
        (tmp_path / year).mkdir()
        (tmp_path / year / "工作报告.txt").write_text(GOOD, encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(main, ["classify", "2023", "2024", "--model", str(tiny_model_dir),
                                       "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    if fmt == "xlsx":
        from openpyxl import load_workbook

        workbook = load_workbook(out, read_only=True)
        text = " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True)
                        for cell in row)
        workbook.close()
    else:
        text = out.read_text(encoding="utf-8-sig")
    assert "2023/工作报告.txt" in text and "2024/工作报告.txt" in text


@pytest.mark.parametrize("kind", ["docx", "pdf"])
def test_documents_piped_to_stdin(tmp_path, tiny_model_dir, kind):
    path = tmp_path / f"r.{kind}"
    if kind == "docx":  # with a table: short rows that are body text, not headings
        make_docx(path, PARAGRAPHS, table=[["项目", "数量"], ["培训班", "12期"], ["警示教育", "3次"]])
    else:
        make_pdf(path, PARAGRAPHS)
    piped = CliRunner().invoke(main, ["classify", "-", "--model", str(tiny_model_dir), "--format", "jsonl"],
                               input=path.read_bytes())
    assert piped.exit_code == 0, piped.output
    direct = _classify(tiny_model_dir, path)
    assert [json.loads(line)["text"] for line in piped.stdout.splitlines()] == [r["text"] for r in direct]
    # read alike: a Word table's rows are body text on stdin too, as from the file
    assert [json.loads(line).get("heading", False) for line in piped.stdout.splitlines()] == \
        [r.get("heading", False) for r in direct]
