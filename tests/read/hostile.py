"""Builders of hostile files for the tests: decompression bombs, crafted zips and PDFs.

Bombs are made without compressing their expanded size: deflate blocks ended by a full
flush do not depend on what came before, so one compressed 1 MiB block is repeated.
"""

import struct
import zlib

MIB = 1 << 20


def deflate_repeated(prefix: bytes, chunk: bytes, count: int, suffix: bytes) -> bytes:
    """Raw deflate of ``prefix + chunk * count + suffix``, made in milliseconds."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert again == block  # a full flush resets the dictionary
    tail = compressor.compress(suffix) + compressor.flush()
    return head + block * count + tail


def crc_repeated(prefix: bytes, chunk: bytes, count: int, suffix: bytes) -> int:
    crc = zlib.crc32(prefix)
    for _ in range(count):
        crc = zlib.crc32(chunk, crc)
    return zlib.crc32(suffix, crc)


def zip_bytes(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of ``(name, raw deflate data, crc32, declared expanded size)`` members."""
    out, central = b"", b""
    for name, data, crc, size in members:
        encoded = name.encode()
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                               len(data), size, len(encoded), 0, 0, 0, 0, 0, len(out)) + encoded
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size,
                           len(encoded), 0) + encoded + data
    return out + central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members),
                                       len(members), len(central), len(out), 0)


def docx_members(path) -> list[tuple[str, bytes, int, int]]:
    """The members of a real .docx, deflated again, for :func:`zip_bytes`."""
    import zipfile

    members = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            data = archive.read(info)
            compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((info.filename, compressor.compress(data) + compressor.flush(),
                            zlib.crc32(data), len(data)))
    return members


def docx_with_document(path, prefix: bytes, chunk: bytes = b"", count: int = 0,
                       suffix: bytes = b"", declared: int | None = None) -> bytes:
    """The .docx at ``path`` with ``word/document.xml`` = ``prefix + chunk*count + suffix``.

    ``declared`` overrides the expanded size the zip states (a zip that lies).
    """
    size = len(prefix) + len(chunk) * count + len(suffix)
    document = ("word/document.xml", deflate_repeated(prefix, chunk, count, suffix),
                crc_repeated(prefix, chunk, count, suffix), size if declared is None else declared)
    return zip_bytes([m if m[0] != "word/document.xml" else document for m in docx_members(path)])


DOCUMENT_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                  b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
                  b'main"><w:body>')
DOCUMENT_END = b"</w:body></w:document>"


def paragraph(text: str) -> bytes:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()


def pdf_bytes(objects: list[bytes]) -> bytes:
    """A PDF of ``objects`` (numbered from 1; object 1 the catalog), with its xref table."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)


def pdf_stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def one_page_pdf(content: bytes, fonts: list[bytes] = (), extra: bytes = b"") -> bytes:
    """A one-page PDF whose content stream is ``content`` and fonts /F1 ... (objects 5...)."""
    resources = b""
    if fonts:
        resources = b"/Resources << /Font << /F1 5 0 R >> >>"
    return pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>",
                      b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                      b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
                      + resources + b" >>",
                      pdf_stream(content, extra), *fonts])


def pdf_bomb(expanded: int) -> bytes:
    """A one-page PDF whose content stream is ``expanded`` bytes of spaces, deflated."""
    count = expanded // MIB
    chunk = b" " * MIB
    data = deflate_repeated(b"", chunk, count, b"")
    adler = 1
    for _ in range(count):
        adler = zlib.adler32(chunk, adler)
    zlib_data = b"\x78\x9c" + data + struct.pack(">I", adler)
    return one_page_pdf(zlib_data, extra=b"/Filter /FlateDecode ")


def cid_pdf() -> bytes:
    """A PDF whose only font has no Unicode map: pdfminer reads ``(cid:N)`` placeholders."""
    fonts = [b"<< /Type /Font /Subtype /Type0 /BaseFont /ABC /Encoding /Identity-H "
             b"/DescendantFonts [6 0 R] >>",
             b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /ABC /CIDSystemInfo << /Registry "
             b"(Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R /DW 1000 >>",
             b"<< /Type /FontDescriptor /FontName /ABC /Flags 4 /FontBBox [0 0 1000 1000] "
             b"/ItalicAngle 0 /Ascent 1000 /Descent 0 /CapHeight 1000 /StemV 80 >>"]
    content = b"BT /F1 12 Tf 72 700 Td <" + b"".join(b"%04X" % n for n in range(1, 60)) + b"> Tj ET"
    return one_page_pdf(content, fonts)
