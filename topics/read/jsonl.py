"""JSON Lines files of records (units to label, labels): read and checked line by line."""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..errors import InputError, printable
from .files import open_regular


def read_jsonl(path: str | Path, required: tuple[str, ...] = ("text",),
               error: type[Exception] = InputError, max_bytes: int | None = None
               ) -> list[dict]:
    r"""Read JSON Lines records, checking that each has the ``required`` string fields.

    Blank lines are skipped. Errors name the file and the line. Only a regular file is
    read, of at most ``max_bytes`` (None: no limit). A string with a lone surrogate
    (``"\ud800"``, which no output can write) is an error of its line; so is a number no
    output can write (``NaN``, ``Infinity``, ``1e999999``) or an integer too long to convert.
    """
    import io

    path = Path(path)
    shown = printable(path)
    limit = max_bytes if max_bytes is not None else float("inf")
    try:
        handle = io.TextIOWrapper(open_regular(path, limit), encoding="utf-8-sig")
    except InputError as exc:
        raise error(str(exc)) from None
    records = []
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                records.append(_record(line, number, shown, required, error))
        except UnicodeDecodeError as exc:
            raise error(f"{shown}: not UTF-8: {exc}") from None
    if not records:
        raise error(f"{shown}: no records")
    return records


class _NumberError(ValueError):
    """A number no output can write back as JSON, or too long to convert."""


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # past sys.get_int_max_str_digits()
        raise _NumberError(f"an integer of {len(text.lstrip('-')):,} digits is too long") from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NumberError(f"the number {text[:40]} is out of range")
    return value


def _no_constant(name: str):
    raise _NumberError(f"{name} is not a number JSON allows")


def _record(line: str, number: int, shown: str, required: tuple[str, ...],
            error: type[Exception]) -> dict:
    where = f"{shown}, line {number}"
    try:
        record = json.loads(line, parse_int=_integer, parse_float=_finite,
                            parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{where}: malformed JSON: {exc.msg}") from None
    except _NumberError as exc:
        raise error(f"{where}: {exc}") from None
    except RecursionError:
        raise error(f"{where}: JSON nested too deep") from None
    if not isinstance(record, dict):
        raise error(f"{where}: a record must be a JSON object")
    for key in required:
        if not isinstance(record.get(key), str) or not record[key].strip():
            raise error(f"{where}: missing or empty {key!r} field")
    if "\\ud" in line.lower():  # an escaped surrogate: fine in pairs, not alone
        try:
            json.dumps(record, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise error(f"{where}: a lone surrogate (an unpaired \\ud800-\\udfff escape) is "
                        f"not a character") from None
    record["_line"] = number
    return record
