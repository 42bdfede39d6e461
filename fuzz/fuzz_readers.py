"""atheris fuzz target for the readers: any bytes as .txt, .docx or .pdf, and the splitter.

Run: python fuzz/fuzz_readers.py -max_total_time=60 [corpus_dir]
Anything but an InputError escaping a reader is a bug.
"""

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from topics.read.documents import read_report
    from topics.errors import InputError
    from topics.read.files import decode_bytes
    from topics.text.sentences import split_units

_DIR = Path(tempfile.mkdtemp(prefix="topics-fuzz-"))
_SUFFIXES = (".txt", ".docx", ".pdf")


def test_one_input(data: bytes) -> None:
    """Read ``data`` (its first byte picks the file type) and split what decodes."""
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
    path = _DIR / f"input{suffix}"
    path.write_bytes(body)
    try:
        read_report(path)
    except InputError:
        pass


def main() -> None:
    """Run the fuzzer with libFuzzer's command-line options."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
