"""Property tests over the readers and the segmenter, and a short atheris run over the readers."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from topics.errors import InputError
from topics.read.documents import expansion_limit, report_from_bytes
from topics.read.files import decode_bytes
from topics.text.segment import Segmenter

SEGMENTER = Segmenter()


@settings(deadline=None, max_examples=300)
@given(st.binary(max_size=400) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_decoding_any_bytes_gives_text_or_a_clear_error(data):
    try:
        text = decode_bytes(data, "x.txt")
    except InputError as exc:
        assert str(exc).startswith("x.txt: ")
    else:
        assert isinstance(text, str)


_SIGNATURES = st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
                               b"\xef\xbb\xbf", b"\xff\xfe", b"\xff\xfe\x00\x00"])


@settings(deadline=None, max_examples=200)
@given(_SIGNATURES, st.binary(max_size=400))
def test_stdin_bytes_give_a_bounded_text_or_a_clear_error(signature, data):
    try:
        report = report_from_bytes(signature + data, "<stdin>", "", None, 1000)
    except InputError as exc:
        assert str(exc).startswith("<stdin>: ") and "\n" not in str(exc)
    else:
        assert report.text.strip() and len(report.text) <= expansion_limit(1000)


def test_stdin_holding_a_zip_of_a_later_version_is_refused_clearly(tmp_path):
    """zipfile raises NotImplementedError for a version it cannot extract (found by atheris)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6:central + 8] = (226).to_bytes(2, "little")  # version needed: 22.6
    with pytest.raises(NotImplementedError):
        zipfile.ZipFile(io.BytesIO(bytes(data)))
    with pytest.raises(InputError, match="^<stdin>: "):
        report_from_bytes(bytes(data), "<stdin>", "", None, 1000)


@settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=120))
def test_segmentation_loses_no_characters(text):
    assert "".join(SEGMENTER.tokens(text)) == text
    assert all(token and token in text for token in SEGMENTER.content_tokens(text))


def test_atheris_fuzzes_the_readers(tmp_path):
    if importlib.util.find_spec("atheris") is None:
        if os.environ.get("CI"):
            pytest.fail("atheris must be installed in CI (it is in the test extras)")
        pytest.skip("atheris is not installed")
    from tests.read import hostile
    from tests.read.test_documents import PARAGRAPHS, make_docx, make_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_docx(tmp_path / "seed.docx", PARAGRAPHS)
    make_pdf(tmp_path / "seed.pdf", PARAGRAPHS)
    (corpus / "txt").write_bytes(b"\x00" + "一、标题\n正文。第二句！".encode("gbk"))
    (corpus / "docx").write_bytes(b"\x01" + (tmp_path / "seed.docx").read_bytes())
    (corpus / "pdf").write_bytes(b"\x02" + (tmp_path / "seed.pdf").read_bytes())
    # the new limits (the target lowers them): bombs past them, .jsonl, and stdin by signature
    (corpus / "docx-bomb").write_bytes(b"\x01" + hostile.docx_with_document(
        tmp_path / "seed.docx", hostile.DOCUMENT_START + hostile.paragraph("正文。"),
        b" " * 4095 + b"\n", 128, hostile.DOCUMENT_END))
    (corpus / "pdf-bomb").write_bytes(b"\x02" + hostile.pdf_bomb(hostile.MIB))
    (corpus / "cid-pdf").write_bytes(b"\x02" + hostile.cid_pdf())
    (corpus / "jsonl").write_bytes(b"\x03" + '{"text": "正文。", "report": "a"}\n'.encode())
    (corpus / "stdin-docx").write_bytes(b"\x04" + (tmp_path / "seed.docx").read_bytes())
    (corpus / "utf16").write_bytes(b"\x00" + "一、标题\n正文。".encode("utf-16-le"))
    target = Path(__file__).resolve().parents[2] / "fuzz" / "fuzz_readers.py"
    result = subprocess.run(
        [sys.executable, str(target), "-max_total_time=20", "-rss_limit_mb=4096", "-timeout=30",
         str(corpus)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr
