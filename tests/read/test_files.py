import codecs

import pytest

from topics.errors import InputError
from topics.read.files import expand_inputs, read_text

TEXT = "一、强化政治建设\n深入学习贯彻党的二十大精神，落实第一议题制度。"


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                                          ("gbk", b""), ("gb18030", b""), ("utf-16", b"")])
def test_encodings(tmp_path, encoding, bom):
    path = tmp_path / "r.txt"
    path.write_bytes(bom + TEXT.encode(encoding))
    assert read_text(path) == TEXT


def test_forced_encoding(tmp_path):
    path = tmp_path / "r.txt"
    path.write_bytes(TEXT.encode("gbk"))
    assert read_text(path, encoding="gbk") == TEXT
    with pytest.raises(InputError, match="cannot decode as utf-8"):
        read_text(path, encoding="utf-8")


@pytest.mark.parametrize("content,message", [
    (b"", "empty report"), (b" \n\t\n", "empty report"), (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
])
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "r.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_text(path)


def test_missing_file_and_size_limit(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_text(tmp_path / "none.txt")
    path = tmp_path / "big.txt"
    path.write_text("字" * 1000, encoding="utf-8")
    with pytest.raises(InputError, match="over the size limit of 100 bytes"):
        read_text(path, max_bytes=100)


def test_expand_inputs(tmp_path):
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "d" / "sub" / "a.md").write_text("x", encoding="utf-8")
    (tmp_path / "d" / "skip.png").write_bytes(b"x")
    (tmp_path / "empty").mkdir()
    out = list(expand_inputs([str(tmp_path / "d"), "-", str(tmp_path / "none"), str(tmp_path / "empty")]))
    assert out[:3] == [str(tmp_path / "d" / "b.txt"), str(tmp_path / "d" / "sub" / "a.md"), "-"]
    assert [str(e) for e in out[3:]] == [f"{tmp_path / 'none'}: no such file or directory",
                                        f"{tmp_path / 'empty'}: directory holds no reports (.txt, .md, .docx, .pdf)"]


@pytest.mark.parametrize("grown", [False, True])
def test_a_file_is_read_whole_and_one_that_grew_past_the_limit_is_refused(tmp_path, monkeypatch,
                                                                        grown):
    """read_bytes reads what fstat says, then on up to the limit if the file grew meanwhile."""
    import os

    from topics.read import files

    path = tmp_path / "r.txt"
    path.write_bytes(b"x" * 100)
    if grown:  # the file grows between the size taken and the read: fstat says 3 bytes
        real = os.fstat

        def fstat(fd):
            stat = real(fd)
            return os.stat_result((*stat[:6], 3, *stat[7:])) if stat.st_size == 100 else stat

        monkeypatch.setattr(files.os, "fstat", fstat)
    assert files.read_bytes(path, 1000) == b"x" * 100
    assert files.read_bytes(path, 100) == b"x" * 100
    with pytest.raises(InputError, match="r.txt"):
        files.read_bytes(path, 99)


@pytest.mark.parametrize("length", [0, 1, 99, 100, 101, 70_000, 100_000, 100_001, 140_000])
@pytest.mark.parametrize("size", [0, 3, 100, 70_000, 200_000])
def test_read_all_reads_to_the_end_or_one_byte_past_the_limit(tmp_path, length, size):
    """_read_all reads what a whole read would, whatever size it was told (a file that grew
    or shrank), and stops one byte past its limit."""
    import os

    from topics.read import files

    data = (bytes(range(256)) * (length // 256 + 1))[:length]
    path = tmp_path / "r.bin"
    path.write_bytes(data)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        assert files._read_all(descriptor, size, 100_000) == data[:100_001]
    finally:
        os.close(descriptor)
