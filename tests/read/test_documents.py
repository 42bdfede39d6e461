"""The same report as UTF-8, GBK and UTF-16 text, Word and PDF gives the same units."""

import pytest

from topics.errors import InputError
from topics.read.documents import drop_page_furniture, read_report
from topics.text.sentences import split_units

PARAGRAPHS = [
    ("h1", "某区人民检察院关于队伍建设情况的报告"),
    ("p", "主任、各位副主任、各位委员："),
    ("h2", "一、强化政治建设，筑牢忠诚根基"),
    ("p", "深入学习贯彻习近平新时代中国特色社会主义思想，落实“第一议题”制度，党支部严格落实“三会一课”制度，"
          "组织开展主题党日活动十二次，引导干警坚定理想信念。"),
    ("h2", "二、加强人才培养，提升履职素能"),
    ("p", "举办业务培训班；建立导师制，通过传帮带培养年轻干部，两名干警在全省业务竞赛中获评标兵能手。"),
    ("h2", "三、从严治检，正风肃纪"),
    ("p", "严格执行“三个规定”，开展警示教育，加强廉政风险防控，推进全面从严治检向纵深发展。"),
]
PLAIN = "\n\n".join(text for _, text in PARAGRAPHS) + "\n"


def texts(report):
    return [u.text for u in split_units(report.text, "r", rejoin=report.rejoin)]


@pytest.fixture
def expected():
    return [u.text for u in split_units(PLAIN, "r")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "utf-16"])
def test_text_encodings(tmp_path, expected, encoding):
    path = tmp_path / "r.txt"
    path.write_bytes(PLAIN.encode(encoding))
    assert texts(read_report(path)) == expected


def make_docx(path, paragraphs, table=None, caption=None):
    from docx import Document

    document = Document()
    for kind, text in paragraphs:
        if kind == "h1":
            document.add_heading(text, level=1)
        elif kind == "h2":
            document.add_heading(text, level=2)
        else:
            document.add_paragraph(text)
    if caption:
        document.add_paragraph(caption)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    document.save(str(path))


def test_docx_paragraphs_headings_and_tables(tmp_path, expected):
    path = tmp_path / "r.docx"
    make_docx(path, PARAGRAPHS, table=[["项目", "数量"], ["培训班", "12期"]])
    report = read_report(path)
    units = split_units(report.text, "r", rejoin=report.rejoin, plain_lines=report.plain_lines)
    assert [u.text for u in units][:len(expected)] == expected
    # Word's heading styles mark headings even without an outline marker
    assert units[0].is_heading and units[0].text == PARAGRAPHS[0][1]
    # the header row (column names) is left out; data rows are body text, not headings
    assert [(u.text, u.is_heading) for u in units][len(expected):] == [("培训班｜12期", False)]


def test_docx_table_caption_and_rows_are_body_text(tmp_path):
    path = tmp_path / "r.docx"
    make_docx(path, PARAGRAPHS[:3], caption="表1 2023年队伍建设情况统计表",
              table=[["项目", "数量"], ["1、业务培训", "12期"], ["党日活动", "12次"],
                     ["多段\n单元格", "开展警示教育，加强廉政风险防控。"]])
    report = read_report(path)
    units = split_units(report.text, "r", rejoin=report.rejoin, plain_lines=report.plain_lines)
    table = units[-4:]
    assert [u.shown for u in table] == ["表1 2023年队伍建设情况统计表", "1、业务培训 ｜ 12期",
                                        "党日活动 ｜ 12次",
                                        "多段 单元格 ｜ 开展警示教育，加强廉政风险防控。"]
    assert "项目 ｜ 数量" not in report.text
    assert not any(u.is_heading for u in table)
    # the rows sit in the section of the heading above the table
    assert all(u.heading == units[2].index for u in table)


def make_pdf(path, paragraphs, chars_per_line=34, lines_per_page=8, text_layer=True):
    """Draw paragraphs wrapped into short lines over several pages, with a running
    header and page numbers, as Word-exported PDFs have."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    lines = []
    for _, text in paragraphs:
        lines.extend(text[i:i + chars_per_line] for i in range(0, len(text), chars_per_line))
    pdf = canvas.Canvas(str(path))
    pages = [lines[i:i + lines_per_page] for i in range(0, len(lines), lines_per_page)]
    for number, page in enumerate(pages, start=1):
        if text_layer:
            pdf.setFont("STSong-Light", 11)
            pdf.drawString(72, 800, "某区人民检察院文件")
            for row, line in enumerate(page):
                pdf.drawString(72, 760 - 20 * row, line)
            pdf.drawString(290, 40, f"- {number} -")
        else:
            pdf.rect(72, 300, 400, 400, fill=1)  # a picture of a page, no text
        pdf.showPage()
    pdf.save()
    return len(pages)


def test_pdf_pages_are_rejoined_without_headers_and_page_numbers(tmp_path, expected):
    path = tmp_path / "r.pdf"
    assert make_pdf(path, PARAGRAPHS) >= 2
    report = read_report(path)
    assert "文件" not in report.text and "- 1 -" not in report.text
    assert texts(report) == expected


def test_scanned_pdf_has_a_clear_message(tmp_path):
    path = tmp_path / "scan.pdf"
    make_pdf(path, PARAGRAPHS, text_layer=False)
    with pytest.raises(InputError, match="no text layer"):
        read_report(path)


@pytest.mark.parametrize("name,content,message", [
    ("image.docx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable Word .docx file"),
    ("image.pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PDF"),
    ("empty.docx", b"", "not a readable Word .docx file"),
])
def test_broken_documents(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_report(path)


def test_truncated_documents(tmp_path):
    docx = tmp_path / "r.docx"
    make_docx(docx, PARAGRAPHS)
    docx.write_bytes(docx.read_bytes()[:400])
    with pytest.raises(InputError, match=r"r.docx: .*Word"):
        read_report(docx)
    pdf = tmp_path / "r.pdf"
    make_pdf(pdf, PARAGRAPHS)
    pdf.write_bytes(pdf.read_bytes()[:300])
    with pytest.raises(InputError, match=r"r.pdf: .*PDF"):
        read_report(pdf)


def test_page_furniture_rules():
    pages = [["报告 第1页", "正文一", "正文二", "第 1 页"], ["报告 第2页", "正文三", "2/5"],
             ["报告 第3页", "正文四", "- 3 -"]]
    assert drop_page_furniture(pages) == [["正文一", "正文二"], ["正文三"], ["正文四"]]


def test_same_report_in_four_formats_gets_the_same_labels(tmp_path, tiny_model_dir):
    import json

    from click.testing import CliRunner

    from topics.cli import main

    (tmp_path / "utf8.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "gbk.txt").write_bytes(PLAIN.encode("gbk"))
    make_docx(tmp_path / "word.docx", PARAGRAPHS)
    make_pdf(tmp_path / "scan-free.pdf", PARAGRAPHS)
    labelled = {}
    for name in ("utf8.txt", "gbk.txt", "word.docx", "scan-free.pdf"):
        result = CliRunner().invoke(main, ["classify", str(tmp_path / name), "--model", str(tiny_model_dir),
                                           "--format", "jsonl"])
        assert result.exit_code == 0, result.output
        labelled[name] = [(r["text"], r["theme"]) for r in map(json.loads, result.stdout.splitlines())]
    assert labelled["utf8.txt"] == labelled["gbk.txt"] == labelled["word.docx"] == labelled["scan-free.pdf"]


def test_a_folder_of_mixed_files_with_one_broken(tmp_path, tiny_model_dir):
    import json

    from click.testing import CliRunner

    from topics.cli import main

    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_bytes(PLAIN.encode("gb18030"))
    make_docx(folder / "b.docx", PARAGRAPHS)
    make_pdf(folder / "sub" / "c.pdf", PARAGRAPHS)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n%garbage")
    (folder / "notes.png").write_bytes(b"\x89PNG")  # not a report type: ignored
    result = CliRunner().invoke(main, ["classify", str(folder), "--model", str(tiny_model_dir),
                                       "--format", "jsonl"])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("topics: error:")]
    assert len(errors) == 1 and str(folder / "broken.pdf") in errors[0]
    reports = {json.loads(line)["report"] for line in result.stdout.splitlines()}
    assert reports == {"in/a.txt", "in/b.docx", "in/sub/c.pdf"}  # the folder and the path inside
