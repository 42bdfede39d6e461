"""atheris fuzz target for the readers: any bytes as .txt, .docx, .pdf, .jsonl or stdin.

Run: python fuzz/fuzz_readers.py -max_total_time=60 [corpus_dir]
Anything but an InputError escaping a reader is a bug. The limits are lowered (64 KiB
files, documents expanding to 256 KiB), so that the fuzzer reaches them: a reader that
expands past them without refusing the input fails the run.
"""

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from topics.errors import InputError
    from topics.pipeline.inputs import load_input
    from topics.read import documents
    from topics.read.documents import read_report, report_from_bytes
    from topics.read.files import decode_bytes
    from topics.text.sentences import split_units

_DIR = Path(tempfile.mkdtemp(prefix="topics-fuzz-"))
_SUFFIXES = (".txt", ".docx", ".pdf", ".jsonl", "-")
MAX_BYTES = 64 << 10
documents.MIN_EXPANSION = 256 << 10
EXPANDED = documents.expansion_limit(MAX_BYTES)


def test_one_input(data: bytes) -> None:
    """Read ``data`` (its first byte picks the kind of input) and split what decodes."""
    if not data:
        return
    suffix = _SUFFIXES[data[0] % len(_SUFFIXES)]
    body = data[1:]
    try:
        text = decode_bytes(body, "<fuzz>")
    except InputError:
        text = None
    if text is not None:
        units = split_units(text, "fuzz", max_chars=80)
        for unit in units:
            assert 0 <= unit.start < unit.end <= len(text)
    try:
        if suffix == "-":
            text = report_from_bytes(body, "<stdin>", "", None, MAX_BYTES).text
        else:
            path = _DIR / f"input{suffix}"
            path.write_bytes(body)
            if suffix == ".jsonl":
                text = "".join(u.text for u in load_input(str(path), max_bytes=MAX_BYTES).units)
            else:
                text = read_report(path, max_bytes=MAX_BYTES).text
    except InputError:
        return
    assert len(text) <= EXPANDED, (suffix, len(text))


def main() -> None:
    """Run the fuzzer with libFuzzer's command-line options."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
