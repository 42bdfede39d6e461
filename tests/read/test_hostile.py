"""Hostile inputs, generated here: each is refused with one clear InputError naming the file,
or read safely; decompression bombs run in a child process whose peak memory is measured."""

import codecs
import io
import json
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.read import hostile
from tests.read.test_documents import PARAGRAPHS, PLAIN, make_docx, make_pdf
from topics.errors import InputError, printable
from topics.pipeline.inputs import load_input, read_stdin
from topics.read.documents import read_report
from topics.read.files import decode_bytes, expand_inputs, report_name

GIB = 1 << 30
#: Peak memory (RSS) a child reading one bomb may reach: the interpreter and the readers'
#: imports take about 100 MB, the bounded expansion at most 80 MB more; the unbounded
#: readers took 2 to 4 GB on these files.
CEILING_MB = 400


def _refused(path, message, **options):
    with pytest.raises(InputError) as caught:
        read_report(path, **options)
    text = str(caught.value)
    assert text.startswith(printable(path) + ": ") and message in text, text
    assert "\n" not in text
    return text


#: The address space of the child reading a bomb.
AS_LIMIT = 2 << 30
PRINT_PEAK = """
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print("peak kB:", line.split()[1])
"""
READ_IN_CHILD = """
from topics.errors import InputError
from topics.read.documents import read_report
try:
    read_report({path!r})
except InputError as exc:
    print("refused:", exc)
else:
    print("read")
"""
needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux /proc")


def _limit_memory():
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (AS_LIMIT, AS_LIMIT))


def _peak_of_child(code: str) -> tuple[float, str]:
    """Run ``code`` in a fresh interpreter: its peak RSS in MB and what it printed.

    The peak is the child's own (``VmHWM`` of its address space after exec; ``ru_maxrss``
    would count the forked copy of this test process too); its address space is capped by
    ``RLIMIT_AS`` so that a regression fails the test instead of filling the machine.
    """
    result = subprocess.run([sys.executable, "-c", code + PRINT_PEAK], capture_output=True,
                            text=True, preexec_fn=_limit_memory, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    output, _, peak = result.stdout.rpartition("peak kB: ")
    return int(peak) / 1024, output


@pytest.fixture(scope="module")
def docx_bomb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bombs")
    make_docx(folder / "seed.docx", PARAGRAPHS)
    path = folder / "bomb.docx"
    path.write_bytes(hostile.docx_with_document(
        folder / "seed.docx", hostile.DOCUMENT_START + b"<w:p><w:r><w:t>",
        b"A" * hostile.MIB, GIB // hostile.MIB, b"</w:t></w:r></w:p>" + hostile.DOCUMENT_END))
    return path


@needs_proc
def test_a_docx_bomb_is_refused_within_a_memory_ceiling(docx_bomb):
    assert docx_bomb.stat().st_size < 5_000_000  # 1 GiB of XML in a few MB
    peak, output = _peak_of_child(READ_IN_CHILD.format(path=str(docx_bomb)))
    assert "refused:" in output and "bomb.docx: the .docx's parts expand to more than" in output
    assert peak < CEILING_MB, f"{peak:.0f} MB"


@needs_proc
def test_a_pdf_bomb_is_refused_within_a_memory_ceiling(tmp_path):
    path = tmp_path / "bomb.pdf"
    path.write_bytes(hostile.pdf_bomb(GIB))
    assert path.stat().st_size < 2_000_000
    peak, output = _peak_of_child(READ_IN_CHILD.format(path=str(path)))
    assert "refused:" in output and "compressed streams expand to more than" in output
    assert peak < CEILING_MB, f"{peak:.0f} MB"


def test_a_zip_that_understates_its_sizes_is_refused(tmp_path):
    make_docx(tmp_path / "seed.docx", PARAGRAPHS)
    path = tmp_path / "liar.docx"
    path.write_bytes(hostile.docx_with_document(
        tmp_path / "seed.docx", hostile.DOCUMENT_START, hostile.paragraph("甲" * 100).ljust(
            hostile.MIB, b" "), 64, hostile.DOCUMENT_END, declared=1000))
    _refused(path, "Word .docx file")


def test_expansion_limits_follow_max_size(tmp_path):
    from topics.read.documents import expansion_limit

    assert expansion_limit(20 * hostile.MIB) == 80 * hostile.MIB
    assert expansion_limit(hostile.MIB) == 32 * hostile.MIB  # the floor
    make_docx(tmp_path / "seed.docx", PARAGRAPHS)
    path = tmp_path / "big.docx"  # 40 MiB of XML: read by default, refused at --max-size 5
    path.write_bytes(hostile.docx_with_document(
        tmp_path / "seed.docx", hostile.DOCUMENT_START + hostile.paragraph("正文。"),
        (b" " * 8191 + b"<w:bookmarkEnd/>") * 128, 40, hostile.DOCUMENT_END))
    assert "正文。" in read_report(path).text
    _refused(path, "expand to more than 33,554,432 bytes", max_bytes=5 * hostile.MIB)
    pdf = tmp_path / "big.pdf"
    pdf.write_bytes(hostile.pdf_bomb(40 * hostile.MIB))
    _refused(pdf, "no text layer")  # read (spaces only), not refused for its size
    _refused(pdf, "expand to more than 33,554,432 bytes", max_bytes=5 * hostile.MIB)


def test_run_length_streams_are_bounded_too(tmp_path):
    path = tmp_path / "runs.pdf"  # 600 KB of runs of 128 spaces: 38.4 MB
    path.write_bytes(hostile.one_page_pdf(bytes([129, 32]) * 300_000 + b"\x80",
                                          extra=b"/Filter /RunLengthDecode "))
    _refused(path, "expand to more than 33,554,432 bytes", max_bytes=hostile.MIB)
    _refused(path, "no text layer")  # within the default limit: read


def test_a_zip_with_too_many_members(tmp_path):
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as archive:
        for number in range(10_001):
            archive.writestr(f"m/{number}", b"")
    _refused(path, "10,001 members in the .docx zip, more than 10,000 (a zip bomb?)")


def test_nested_zips_are_not_expanded(tmp_path):
    make_docx(tmp_path / "seed.docx", PARAGRAPHS)
    inner = hostile.zip_bytes([("big", hostile.deflate_repeated(b"", bytes(hostile.MIB), 1024,
                                                                b""), 0, GIB)])
    members = hostile.docx_members(tmp_path / "seed.docx")
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    members.append(("word/embeddings/x.zip", compressor.compress(inner) + compressor.flush(),
                    zlib.crc32(inner), len(inner)))
    path = tmp_path / "nested.docx"
    path.write_bytes(hostile.zip_bytes(members))
    assert "强化政治建设" in read_report(path).text


def test_billion_laughs_and_deep_nesting_in_docx_xml(tmp_path):
    make_docx(tmp_path / "seed.docx", PARAGRAPHS)
    entities = b'<!DOCTYPE w:document [<!ENTITY a "ha">' + b"".join(
        b'<!ENTITY %s "%s">' % (chr(98 + i).encode(), (b"&" + chr(97 + i).encode() + b";") * 10)
        for i in range(9)) + b"]>"
    laughs = tmp_path / "laughs.docx"
    laughs.write_bytes(hostile.docx_with_document(
        tmp_path / "seed.docx", hostile.DOCUMENT_START.replace(b"<w:document", entities
                                                               + b"<w:document", 1)
        + hostile.paragraph("正文。&j;"), suffix=hostile.DOCUMENT_END))
    try:
        text = read_report(laughs).text
    except InputError as exc:
        assert str(exc).startswith(f"{laughs}: ")
    else:
        assert len(text) < 1000  # the entity is not expanded (10**9 "ha")
    deep = tmp_path / "deep.docx"
    deep.write_bytes(hostile.docx_with_document(
        tmp_path / "seed.docx", hostile.DOCUMENT_START + b"<w:p>" * 100_000,
        suffix=b"</w:p>" * 100_000 + hostile.DOCUMENT_END))
    _refused(deep, "damaged Word .docx file")


@pytest.mark.parametrize("entity", [b'"\xe5\x9d\x9a\xe6\x8c\x81"', b'SYSTEM "file:///etc/hostname"'])
def test_a_docx_declaring_entities_is_refused_not_read_without_their_text(tmp_path, entity):
    make_docx(tmp_path / "seed.docx", PARAGRAPHS)
    path = tmp_path / "entity.docx"
    path.write_bytes(hostile.docx_with_document(
        tmp_path / "seed.docx", hostile.DOCUMENT_START.replace(
            b"<w:document", b"<!DOCTYPE d [<!ENTITY a " + entity + b">]><w:document", 1)
        + hostile.paragraph("&a;党的全面领导。") + hostile.paragraph("正文。"),
        suffix=hostile.DOCUMENT_END))
    with pytest.raises(InputError) as caught:
        read_report(path)
    assert str(caught.value) == (f"{path}: not a Word .docx: its part /word/document.xml declares "
                                 f"a DOCTYPE (XML entities), which Word never writes")


def test_fifo_device_symlink_and_directory_are_refused(tmp_path):
    fifo = tmp_path / "x.txt"
    os.mkfifo(fifo)
    _refused(fifo, "is a named pipe (FIFO), not a regular file")
    _refused(Path("/dev/zero"), "is a device, not a regular file")
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")
    _refused(link, "is a device, not a regular file")
    (tmp_path / "dir.txt").mkdir()
    _refused(tmp_path / "dir.txt", "is a directory")
    import socket

    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "s.txt"))
        _refused(tmp_path / "s.txt", "is a socket, not a regular file")
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    _refused(loop, "cannot read: Too many levels of symbolic links")
    with pytest.raises(InputError, match="x.txt: is a named pipe"):
        load_input(str(fifo))


def test_a_file_removed_after_listing(tmp_path):
    path = tmp_path / "gone.txt"
    path.write_text(PLAIN, encoding="utf-8")
    (item,) = expand_inputs([str(tmp_path)])
    path.unlink()
    with pytest.raises(InputError, match=r"gone.txt: no such file$"):
        load_input(item)


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be"])
def test_utf32_with_bom_is_not_read_as_utf16(codec):
    data = (codecs.BOM_UTF32_LE + PLAIN.encode("utf-32-le") if codec == "utf-32-le" else
            codecs.BOM_UTF32_BE + PLAIN.encode("utf-32-be") if codec == "utf-32-be" else
            PLAIN.encode(codec))
    assert decode_bytes(data, "r.txt") == PLAIN


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(codec):
    assert decode_bytes(PLAIN.encode(codec), "r.txt") == PLAIN


def test_nul_bytes_after_a_bom_and_binary_hint():
    with pytest.raises(InputError, match=r"^r.txt: binary data \(NUL characters\)"):
        decode_bytes(codecs.BOM_UTF8 + b"\x00\x01\x02\x03" * 100, "r.txt")
    with pytest.raises(InputError, match="try --encoding utf-16-le or utf-16-be"):
        decode_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4, "r.txt")


def test_pdf_glyph_codes_and_password(tmp_path):
    path = tmp_path / "codes.pdf"
    path.write_bytes(hostile.cid_pdf())
    _refused(path, "text layer is glyph codes ((cid:N)) without a Unicode map")
    from reportlab.pdfgen import canvas

    locked = tmp_path / "locked.pdf"
    drawing = canvas.Canvas(str(locked), encrypt="secret")
    drawing.drawString(72, 700, "text")
    drawing.save()
    _refused(locked, "the PDF is password-protected")


def test_many_pages_and_characters_are_bounded(tmp_path, monkeypatch):
    from topics.read import documents

    path = tmp_path / "r.pdf"
    make_pdf(path, PARAGRAPHS * 3)
    text = read_report(path).text
    half = len(text) // 2  # the file is smaller than its text's limit, its text not
    with pytest.raises(InputError, match=f"r.pdf: more than {half:,} characters of text"):
        documents.pdf_text(path, max_bytes=half)
    monkeypatch.setattr(documents, "MAX_PAGES", 0)
    _refused(path, "more than 0 pages")


@pytest.mark.parametrize("suffix", [".doc", ".wps"])
def test_old_office_formats_say_how_to_convert(tmp_path, suffix):
    path = tmp_path / f"报告{suffix}"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    _refused(path, "files are not supported; save it as .docx (or .txt) first, e.g. with "
                   f'LibreOffice: soffice --headless --convert-to docx "报告{suffix}"')
    renamed = tmp_path / "renamed.txt"
    renamed.write_bytes(path.read_bytes())
    _refused(renamed, "Word 97-2003 .doc (or other OLE2) files are not supported")


def test_documents_on_stdin_are_recognised_by_signature(tmp_path):
    make_docx(tmp_path / "r.docx", PARAGRAPHS)
    make_pdf(tmp_path / "r.pdf", PARAGRAPHS)
    expected = [u.text for u in load_input(str(tmp_path / "r.docx")).units]
    assert [u.text for u in read_stdin(io.BytesIO((tmp_path / "r.docx").read_bytes())).units
            ] == expected
    from_pdf = read_stdin(io.BytesIO((tmp_path / "r.pdf").read_bytes()))
    assert from_pdf.name == "<stdin>"
    assert [u.text for u in from_pdf.units] == [u.text for u in load_input(str(tmp_path / "r.pdf")).units]


def test_jsonl_obeys_max_size_and_names_a_lone_surrogate(tmp_path):
    path = tmp_path / "units.jsonl"
    path.write_text(json.dumps({"text": "严格执行三个规定。"}) + "\n"
                    + '{"text": "开展\\ud800警示教育。"}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"units.jsonl, line 2: a lone surrogate"):
        load_input(str(path))
    path.write_text(json.dumps({"text": "严格执行三个规定。" * 100}) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"units.jsonl: \d[\d,]* bytes is over the size limit "
                                         r"of 100 bytes"):
        load_input(str(path), max_bytes=100)
    paired = tmp_path / "paired.jsonl"
    paired.write_text('{"text": "笑\\ud83d\\ude00。"}\n', encoding="utf-8")
    assert load_input(str(paired)).units[0].text == "笑😀。"


# -- listing inputs ---------------------------------------------------------------------------


def _names(items):
    return [report_name(i) if not isinstance(i, InputError) else f"error: {i}" for i in items]


def test_reports_are_named_by_folder_and_path_inside(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for year in ("2023", "2024"):
        (tmp_path / year / "sub").mkdir(parents=True)
        (tmp_path / year / "工作报告.txt").write_text(PLAIN, encoding="utf-8")
        (tmp_path / year / "sub" / "news.txt").write_text(PLAIN, encoding="utf-8")
    items = list(expand_inputs(["2023", str(tmp_path / "2024") + "/", "2023/工作报告.txt"]))
    assert _names(items) == ["2023/sub/news.txt", "2023/工作报告.txt", "2024/sub/news.txt",
                             "2024/工作报告.txt", "工作报告.txt"]
    assert items[0] == os.path.join("2023", "sub", "news.txt")  # the path to read
    assert load_input(items[3]).units[0].report == "2024/工作报告.txt"
    monkeypatch.chdir(tmp_path / "2023")
    assert _names(expand_inputs(["."])) == ["sub/news.txt", "工作报告.txt"]


def test_reports_that_would_share_a_name_are_told_apart_by_their_folders(tmp_path):
    for folder in ("2023", "2024", "a/2023", "b/2023"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "工作报告.txt").write_text(PLAIN, encoding="utf-8")
    given = [str(tmp_path / "2023" / "工作报告.txt"), str(tmp_path / "2024" / "工作报告.txt")]
    assert _names(expand_inputs(given)) == ["2023/工作报告.txt", "2024/工作报告.txt"]
    assert _names(expand_inputs(given[:1])) == ["工作报告.txt"]
    assert _names(expand_inputs([str(tmp_path / "a" / "2023"), str(tmp_path / "b" / "2023")])
                  ) == ["a/2023/工作报告.txt", "b/2023/工作报告.txt"]
    assert _names(expand_inputs(given[:1] * 2)) == ["工作报告.txt"] * 2  # the same file twice


def test_natural_order_hidden_and_lock_files(tmp_path, caplog):
    for name in ("r10.txt", "r2.txt", "r1.txt", ".DS_Store.txt", "~$r3.docx", ".git/x.txt",
                 "a/r.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(PLAIN, encoding="utf-8")
    with caplog.at_level("INFO", logger="topics"):
        names = _names(expand_inputs([str(tmp_path)]))
    base = tmp_path.name
    assert names == [f"{base}/a/r.txt", f"{base}/r1.txt", f"{base}/r2.txt", f"{base}/r10.txt"]
    notes = caplog.text
    assert ".DS_Store.txt (hidden)" in notes and ".git (hidden)" in notes
    assert "~$r3.docx (an Office lock file)" in notes


def test_exclude_and_unsupported_formats_in_a_folder(tmp_path):
    (tmp_path / "a.txt").write_text(PLAIN, encoding="utf-8")
    (tmp_path / "out.jsonl").write_text("{}", encoding="utf-8")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    items = list(expand_inputs([str(tmp_path)], (".txt", ".jsonl"),
                               exclude=[tmp_path / "." / "out.jsonl"]))
    assert _names(items[:1]) == [f"{tmp_path.name}/a.txt"]
    assert len(items) == 2 and isinstance(items[1], InputError)
    assert str(items[1]).startswith(f"{tmp_path / 'old.doc'}: Word 97-2003 .doc files are not "
                                    f"supported")
    # the output given directly is left out too (labelling.input_items says so in a note)
    assert list(expand_inputs([str(tmp_path / "out.jsonl")], exclude=[tmp_path / "out.jsonl"])) == []


def test_a_batch_goes_on_past_bad_names_folders_and_depth(tmp_path, monkeypatch):
    root = tmp_path / "batch"
    root.mkdir()
    gbk = os.fsdecode(os.path.join(os.fsencode(root), "工作".encode("gbk") + b".txt"))
    Path(gbk).write_text(PLAIN, encoding="utf-8")
    (root / "locked").mkdir()
    (root / "locked" / "r.txt").write_text(PLAIN, encoding="utf-8")
    deep = root
    for _ in range(1100):  # Path.mkdir(parents=True) recurses too deep itself
        deep = deep / "d"
        deep.mkdir()
    (deep / "deep.txt").write_text(PLAIN, encoding="utf-8")
    (root / "loop").symlink_to(root)  # not followed
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    try:
        items = list(expand_inputs([str(root)]))
    finally:
        monkeypatch.undo()
        (deep / "deep.txt").unlink()
        for _ in range(1100):  # shutil.rmtree (pytest's clean-up) recurses too deep
            deep.rmdir()
            deep = deep.parent
    names = _names(items)
    assert names[0] == "batch/" + "/".join(["d"] * 1100) + "/deep.txt"
    assert names[1] == f"error: {root / 'locked'}: cannot read folder: Permission denied"
    assert names[2] == "batch/\\xb9\\xa4\\xd7\\xf7.txt" and len(names) == 3
    units = load_input(items[2]).units  # the GBK-named file is read
    assert units[0].report == names[2] and units[0].report.encode("utf-8")
