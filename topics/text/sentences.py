"""Turn the text of a report into sentence units.

The text is cleaned line by line (markdown remnants, spaces inside Chinese
text), lines broken inside a sentence are rejoined, and each paragraph is split
at 。！？； (never inside quotes or book-title marks). Outline headings such as
``一、`` ``（一）`` ``1.`` ``一是`` become units of their own, and every unit
knows the heading it sits under. Offsets always point into the original text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, partial
from itertools import chain, compress, groupby, repeat
from operator import add, attrgetter, gt, is_not, itemgetter, le, sub

from ..errors import InputError
from ..read._limits import MAX_UNITS

#: Longest unit, in characters; longer runs are split at commas or hard-wrapped.
MAX_UNIT_CHARS = 300

_TERMINALS = "。！？；!?;…"
_CLOSERS = "”’」』》）)】\"'"
# Terminals inside a book title end nothing; inside quotes they do (a quoted speech is
# several sentences, each a unit, as readers and the labelling guide count them).
_QUOTE_PAIRS = {"《": "》"}
(_QUOTE_OPENER,) = _QUOTE_PAIRS  # the one opener (the fast path of _sentence_spans)
_MAX_QUOTE_CHARS = 150
_BRACKETS = (("“", "”"), ("《", "》"), ("（", "）"), ("(", ")"))
_OPENING, _CLOSING = (tuple(pair[i] for pair in _BRACKETS) for i in (0, 1))
_OPENER = re.compile(f"[{re.escape(''.join(_OPENING))}]")
_SOFT_BREAKS = "，,、：:"

_CN_NUM = "一二三四五六七八九十"
# Every character str.isspace accepts (what \s matches), as literals (a class of literals
# alone is one table lookup a character in the regex engine). Must equal that set (tested).
SPACES = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
           "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
# (pattern, level): smaller level = higher in the outline.
_OUTLINE_MARKERS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(rf"^[{_CN_NUM}]{{1,3}}[、.．]"), 1),
    (re.compile(rf"^[（(][{_CN_NUM}]{{1,3}}[）)]"), 2),
    (re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))"), 3),
    (re.compile(r"^[（(]\d{1,2}[）)]|^[①-⑳]"), 4),
    (re.compile(rf"^[{_CN_NUM}]{{1,3}}是"), 5),
)
# One pattern for all markers, the first alternative that matches giving the level.
_OUTLINE = re.compile("|".join(f"({pattern.pattern[1:]})" for pattern, _ in _OUTLINE_MARKERS))
_OUTLINE_LEVELS = [level for _, level in _OUTLINE_MARKERS]
_OUTLINE_FIRST = frozenset(_CN_NUM + "（(" + "".join(map(chr, range(0x2460, 0x2474))))  # ①-⑳
# A colon that leads into the first item of an outline list run into a paragraph
# ("差距：一是……。二是……。"): the list starts a unit there, as its later items do.
_RUN_IN_LIST = re.compile(r"[：:](?=一是|一[、.．]|[（(]一[）)]|1[、．]|1\.(?!\d)|[（(]1[）)]|①)")
_MD_HEADING = re.compile(r"^\s*(#{1,6})\s*")
_ALNUM = re.compile(r"[^\W_]")  # what str.isalnum accepts
_TERMINAL = re.compile(f"[{re.escape(_TERMINALS)}]")
_TAIL = _TERMINALS + "”’」』）)"  # what may follow a sentence's terminal in it
_TERMINAL_TAIL = re.compile(f"[{re.escape(_TAIL)}]*")
# Possessive: what [^terminals] took, a terminal cannot take back (so a failure is quick).
_SENTENCE = re.compile(f"[^{re.escape(_TERMINALS)}]*+{_TERMINAL.pattern}{_TERMINAL_TAIL.pattern}"
                       f"|[^{re.escape(_TERMINALS)}]++")
_HIDE_TERMINALS = str.maketrans(_TERMINALS, "\0" * len(_TERMINALS))
_QUOTE_OPEN = re.compile(f"[{re.escape(''.join(_QUOTE_PAIRS))}]")
#: A line at least this long that ends without a terminal is taken to break a sentence
#: (less in narrow layouts, see ``_join_width``); shorter ones are titles, datelines, bylines.
_JOIN_MIN_CHARS = 45
_TITLE_MAX_CHARS = 40
# Lines that stand on their own whatever their length: datelines, sources, bylines, captions.
_SCAFFOLD = re.compile(
    r"^(?:来源|作者|记者|通讯员|编辑|责任编辑|责编|审核|校对|发布时间|发布日期|发布机关|时间|日期|"
    r"图为|图片|摄影|摄|供稿|文/|文／|□|■|▲|●|【)"
    r"|\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}")


@dataclass(slots=True)  # not frozen: one is made per unit; nothing changes it once made
class Unit:
    """One sentence or heading of a report.

    ``start``/``end`` are character offsets into the original text: the unit's
    characters all lie in ``original[start:end]``. ``heading`` is the index of
    the innermost heading the unit sits under (for a heading: its parent).
    ``paragraph`` numbers the report's paragraphs from 0 (None when not known).
    ``text`` has the spaces inside Chinese text removed (what the model reads);
    ``written`` is the text as written, with them, when it differs (else None).
    """

    report: str
    index: int
    text: str
    start: int
    end: int
    is_heading: bool = False
    level: int | None = None
    heading: int | None = None
    paragraph: int | None = None
    written: str | None = None

    @property
    def shown(self) -> str:
        """The text as written (``written``, else ``text``): what outputs show."""
        return self.text if self.written is None else self.written


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3000 <= code <= 0x303F  # CJK punctuation
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x2018 <= code <= 0x201F  # curly quotes
        or 0x20000 <= code <= 0x2FFFF
    )


def outline_level(text: str) -> int | None:
    """Return the outline level of a heading marker at the start of ``text``."""
    if not text or not (text[0] in _OUTLINE_FIRST or text[0].isdecimal()):  # \d: decimal
        return None
    match = _OUTLINE.match(text)
    return _OUTLINE_LEVELS[match.lastindex - 1] if match else None


class _Offsets:
    """Where each character of a cleaned line stands in the original text, run by run.

    The character at ``starts[k]`` of the line stands at ``origins[k]``, and those after it
    (up to ``starts[k + 1]``, else the line's ``size``) follow it one by one: ``offsets[i]``
    is found by bisection, with no list of every character's offset. A line whose
    characters all follow one another has a ``range`` instead (see :func:`_offsets`).
    """

    __slots__ = ("starts", "origins", "size")

    def __init__(self, starts: list[int], origins: list[int], size: int):
        self.starts, self.origins, self.size = starts, origins, size

    def __getitem__(self, position: int) -> int:
        run = bisect_right(self.starts, position) - 1
        return self.origins[run] + position - self.starts[run]

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[int]:
        ends = map(sub, [*self.starts[1:], self.size], self.starts)  # of each run, as lengths
        return chain.from_iterable(map(range, self.origins, map(add, self.origins, ends)))


def _offsets(starts: list[int], origins: list[int], size: int) -> _Offsets | range:
    """The offsets of a line of ``size`` characters in runs (see :class:`_Offsets`)."""
    if len(starts) == 1:
        return range(origins[0], origins[0] + size)
    return _Offsets(starts, origins, size)


def _runs(offsets: _Offsets | range) -> tuple[list[int], list[int]]:
    """``starts`` and ``origins`` of a line's offsets (see :class:`_Offsets`)."""
    if isinstance(offsets, range):
        return [0], [offsets.start]
    return offsets.starts, offsets.origins


@dataclass(slots=True)
class _Line:
    chars: str
    offsets: _Offsets | range  # of each character in the original text
    md_level: int | None  # number of '#' of a markdown heading, else None
    #: Where spaces next to Chinese text were dropped: ``(position in chars, space)``, the
    #: space standing before ``chars[position]`` as written (bylines, spaced titles, …).
    spaces: tuple[tuple[int, str], ...] = ()
    plain: bool = False  # body text whatever it looks like (a table row, a caption)
    easy: bool = False  # a line of whole sentences that split_units can take as they are

    @property
    def gaps(self) -> bool:
        """A line whose spaces between words were dropped (bylines, spaced titles)."""
        return bool(self.spaces)

    @property
    def looks_like_heading(self) -> bool:
        if self.plain:
            return False
        if self.md_level is not None:
            return True
        if outline_level(self.chars) is None:
            return False
        return len(self.chars) <= 60 and not _TERMINAL.search(self.chars, 0, len(self.chars) - 1)

    @property
    def stands_alone(self) -> bool:
        """A dateline, source, byline or caption line, or a short line of spaced words."""
        if len(self.chars) > 80 or _TERMINAL.search(self.chars):
            return False
        return self.gaps or _SCAFFOLD.search(self.chars) is not None


_TITLE_ENDS = _TERMINALS + "：:，,"  # a title ends with none of these (closers aside)


def _is_title(chars: str) -> bool:
    """A short standalone line with no sentence end: a title, subtitle or byline."""
    return (
        len(chars) <= _TITLE_MAX_CHARS
        and (chars.rstrip(_CLOSERS) or chars)[-1] not in _TITLE_ENDS
        and outline_level(chars) is None
    )


# What the cleaning loop stops at, in the order a left-to-right scan tries them: a backslash
# escaping a character that is not alphanumeric, ``**`` or ``__``, a run of spaces (or BOMs).
_CLEANING_STOPS = re.compile(r"(\\(?=[\W_]))|(\*\*|__)|([\s\ufeff]+)")


def _clean_line(raw: str, base: int) -> _Line:
    """Strip markdown and spaces inside Chinese text, keeping original offsets.

    Markdown escapes keep the escaped character only; ``**`` and ``__`` go; a space goes
    when a Chinese character is on either side of it (``gaps``), and is kept as one
    space between two other characters. Must split exactly as ``_clean_line_reference``
    in tests/text/test_sentences.py, its character-by-character reading.
    """
    md_level = None
    pos = 0
    match = _MD_HEADING.match(raw) if raw[:1] == "#" or raw[:1].isspace() else None
    if match:
        md_level = len(match.group(1))
        pos = match.end()
    rest = raw[pos:] if pos else raw
    if not _may_need_cleaning(rest):  # most lines: nothing to strip
        if not _ALNUM.search(rest):
            return _Line("", [], None)
        return _Line(rest, range(base + pos, base + len(raw)), md_level)
    if not _has_markup(rest):  # most of the others: spaces alone
        return _clean_spaces(rest, base + pos, md_level)
    chars: list[str] = []  # kept pieces of raw, and inserted single spaces
    starts: list[int] = []  # where each run of offsets starts in the kept text (_Offsets)
    origins: list[int] = []
    spaces: list[tuple[int, str]] = []  # (position in the kept text, the space dropped)
    length = 0  # characters kept so far
    prev = ""  # the last character kept
    n = len(raw)
    for stop in _CLEANING_STOPS.finditer(raw, pos):
        start, end = stop.span()
        if start > pos:
            chars.append(raw[pos:start])
            starts.append(length)
            origins.append(base + pos)
            length += start - pos
            prev = raw[start - 1]
        pos = end
        if stop.lastindex != 3:  # an escape or emphasis: dropped
            continue
        # In a run of spaces, only a space followed by something that is not a space acts:
        # the last one, and any followed by a BOM (a BOM is not a space).
        acting = [end - 1] if "\ufeff" not in raw[start:end] else [
            i for i in range(start, end) if i + 1 < n and not raw[i + 1].isspace()]
        for i in acting:
            nxt = raw[i + 1 : i + 2]
            if prev and nxt and not nxt.isspace():
                if not (_is_cjk(prev) or _is_cjk(nxt)):
                    if prev != " ":
                        chars.append(" ")
                        starts.append(length)
                        origins.append(base + i)
                        prev = " "
                        length += 1
                elif not spaces or spaces[-1][0] != length:  # a run: one space
                    spaces.append((length, " " if raw[i] != "\u3000" else raw[i]))
    if pos < n:
        chars.append(raw[pos:])
        starts.append(length)
        origins.append(base + pos)
    text = "".join(chars).rstrip(" ")  # only inserted spaces can end it: runs of their own
    del starts[bisect_left(starts, len(text)):]
    del origins[len(starts):]
    if not _ALNUM.search(text):
        return _Line("", [], None)  # separator lines such as "_____"
    return _Line(text, _offsets(starts, origins, len(text)), md_level, tuple(spaces))


def _may_need_cleaning(line: str) -> bool:
    """Whether ``line`` may hold a space, a BOM, a backslash, ``**`` or ``__`` to strip.

    A space other than " " or a BOM makes a line not printable (tested); so do other
    characters, which the cleaning then keeps as they are.
    """
    return (" " in line or not line.isprintable() or "\\" in line or "**" in line
            or "__" in line)


def _has_markup(line: str) -> bool:
    """Whether ``line`` holds a BOM, a backslash, ``**`` or ``__``: markup to strip."""
    return "\ufeff" in line or "\\" in line or "**" in line or "__" in line


_SPACE_RUNS = re.compile(r"(\s+)")  # split keeps the runs
# The characters _is_cjk accepts, as a class (tested to agree).
_CJK_CLASS = ("\u2018-\u201f\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef"
              "\U00020000-\U0002ffff")


@cache
def _kept_spaces() -> re.Pattern[str]:
    """A run of " " that _clean_spaces keeps (as one space): between two characters not Chinese.

    The run's first space leads the pattern (the engine skips to each " " at once), the
    character before it looked at from there. Compiled when first needed: its classes take
    milliseconds to compile.
    """
    return re.compile(rf" (?<=[^\s{_CJK_CLASS}] ) *(?=[^\s{_CJK_CLASS}])")


def _clean_spaces(line: str, base: int, md_level: int | None) -> _Line:
    """``_clean_line`` of a line (at ``base``) whose only characters to strip are spaces.

    Each run of spaces acts by its last space, between the characters around it (never
    spaces): between two that are not Chinese it is kept as one space; else it goes, noted
    in ``spaces``; runs at either end go. Piece by piece, not character by character: the
    same line as the general loop's (tested).
    """
    if line.isprintable():  # its spaces are all " " (the others are not printable)
        pieces = line.split(" ")  # a run of n spaces leaves n - 1 empty pieces
        if line.isascii() and "" not in pieces:  # each space kept: the line as it is
            if not _ALNUM.search(line):
                return _Line("", [], None)
            return _Line(line, range(base, base + len(line)), md_level)
        if not _kept_spaces().search(line):  # each space goes (most lines of Chinese text)
            return _without_spaces(pieces, base, md_level)
        runs: Iterator[str] = repeat(" ")
    else:
        pieces = _SPACE_RUNS.split(line)
        runs = iter(pieces[1::2])  # runs of any spaces between the pieces
        del pieces[1::2]
    chars: list[str] = []
    starts: list[int] = []  # where each run of offsets starts in the kept text (_Offsets)
    origins: list[int] = []
    spaces: list[tuple[int, str]] = []
    length, at = 0, base  # characters kept so far; the offset of the next piece
    prev = gap = ""  # the last character kept; the run of spaces before the piece
    for piece in pieces:
        if piece:
            if not prev:  # the line's first piece
                starts.append(length)
                origins.append(at)
            # below U+2018 nothing is Chinese (_is_cjk): most letters, digits
            elif ((prev < "\u2018" or not _is_cjk(prev))
                    and (piece[0] < "\u2018" or not _is_cjk(piece[0]))):
                chars.append(" ")  # kept: the run's last space, the piece right after it
                starts.append(length)
                origins.append(at - 1)
                length += 1
            else:
                spaces.append((length, "\u3000" if gap[-1] == "\u3000" else " "))
                starts.append(length)
                origins.append(at)
            chars.append(piece)
            length += len(piece)
            at += len(piece)
            prev = piece[-1]
        gap = next(runs, "")  # (an empty piece: the run goes on)
        at += len(gap)
    text = "".join(chars)
    if not _ALNUM.search(text):
        return _Line("", [], None)
    return _Line(text, _offsets(starts, origins, length), md_level, tuple(spaces))


def _without_spaces(pieces: list[str], base: int, md_level: int | None) -> _Line:
    """``_clean_spaces`` of a line (at ``base``) split at " ", when every space in it goes.

    Each piece but the first stands where the one before it ends, a space further on;
    each run of spaces between two pieces is noted in ``spaces`` where it went.
    """
    starts: list[int] = []  # where each kept piece starts in the text (_Offsets)
    origins: list[int] = []  # and in the original
    length, at = 0, base
    for piece in pieces:
        if piece:
            starts.append(length)
            origins.append(at)
            size = len(piece)
            length += size
            at += size + 1
        else:  # a space after a space
            at += 1
    text = "".join(pieces)
    if not _ALNUM.search(text):
        return _Line("", [], None)
    return _Line(text, _offsets(starts, origins, length), md_level,
                 tuple(zip(starts[1:], repeat(" "))))


# A line of whole sentences, each led by a letter or digit (or a bracket or opening quote
# and one), with no space or markup: nothing to clean, one paragraph of its own (it ends
# with a terminal), no title. With no terminal inside a book title (_HIDDEN_TERMINAL) and
# no colon leading into a list (_RUN_IN_LIST), every sentence is a unit as _SENTENCE finds
# it (see _is_easy). A cleaned line (spaces or markup dropped) is easy when its kept
# characters are so.
_EASY = re.compile(
    rf"(?:[（(“]?[^\W_][^{re.escape(_TERMINALS)}{SPACES}#\ufeff\\*_]*+"
    rf"{_TERMINAL.pattern}{_TERMINAL_TAIL.pattern})+")
# A book title (as _quote_spans finds them: to the first 》 at most 150 characters on)
# that hides a terminal. Any 《 may be looked at: one inside a title ends where it does.
_HIDDEN_TERMINAL = re.compile(
    rf"《(?=[^》]{{0,{_MAX_QUOTE_CHARS - 1}}}》)[^》{re.escape(_TERMINALS)}]*+"
    rf"[{re.escape(_TERMINALS)}]")
assert _QUOTE_PAIRS == {"《": "》"}  # (what _HIDDEN_TERMINAL spells out)


def _is_easy(chars: str) -> bool:
    """Whether a line of ``chars`` is easy (see _EASY): its units are its _SENTENCE pieces."""
    return (chars[-1] in _TAIL and _EASY.fullmatch(chars) is not None
            and ("《" not in chars or _HIDDEN_TERMINAL.search(chars) is None)
            and ("：" not in chars and ":" not in chars or _RUN_IN_LIST.search(chars) is None))


def _lines(text: str, plain_lines: frozenset[int] = frozenset()) -> list[_Line]:
    """The cleaned lines of ``text`` that hold a letter or a digit, in order.

    Lines numbered (from 0) in ``plain_lines`` are body text whatever they look like.
    """
    lines, bases = _line_items(text, plain_lines)
    return [line if type(line) is _Line else _easy_line(line, base)
            for line, base in zip(lines, bases, strict=True)]


def _easy_line(chars: str, base: int) -> _Line:
    """The :class:`_Line` of an easy line as written (a str of ``_line_items``) at ``base``."""
    return _Line(chars, range(base, base + len(chars)), None, (), False, True)


def _line_items(text: str, plain_lines: frozenset[int] = frozenset()
                ) -> tuple[list[_Line | str], list[int]]:
    """:func:`_lines` with each easy line that needed no cleaning as its characters (a str).

    Such a line's characters all follow one another in ``text`` from its offset, given with
    every line in the list beside (``_easy_line`` makes its ``_Line``).
    """
    lines: list[_Line | str] = []
    bases: list[int] = []  # where each line starts in text
    add, add_base, alnum = lines.append, bases.append, _ALNUM.search
    easy = _is_easy if not plain_lines else None
    base = 0
    for number, raw in enumerate(text.splitlines(keepends=True)):
        line = raw.rstrip("\r\n")
        if line:
            if easy and easy(line):
                add(line)
                add_base(base)
            elif line[0] == "#" or _may_need_cleaning(line):  # (else _clean_line keeps it)
                cleaned = _clean_line(line, base)
                chars = cleaned.chars
                if chars:
                    add(cleaned)
                    add_base(base)
                    if plain_lines and number in plain_lines:
                        cleaned.plain, cleaned.md_level = True, None
                    elif easy and cleaned.md_level is None and easy(chars):
                        cleaned.easy = True
            elif line[0].isalnum() or alnum(line):  # as _clean_line does with it, sooner
                add(_Line(line, range(base, base + len(line)), None, (), number in plain_lines))
                add_base(base)
        base += len(raw)
    return lines, bases


def _continues(prev: _Line, nxt: _Line, min_chars: int = _JOIN_MIN_CHARS) -> bool:
    """Whether ``nxt`` carries on the sentence that ``prev`` broke off.

    Only a line that ends without a terminal can; it does when a bracket or quote is
    left open, when a sentence ended inside it and another began, or when it is as long
    as the layout's full lines. Headings, datelines, bylines and captions stand alone.
    """
    # Every test below is a plain predicate: the cheap ones that decide most pairs go first.
    chars = prev.chars
    if (chars.rstrip(_CLOSERS) or chars)[-1] in _ENDS or prev.plain or nxt.plain:
        return False
    if prev.md_level is not None or nxt.md_level is not None:  # markdown headings
        return False
    if len(chars) < min(min_chars, 20) and not _OPENER.search(chars):
        return False  # too short for a full line, and no quote or bracket left open
    if len(chars) < min_chars:  # a full line goes on whatever ended in it
        last = max(map(chars.rfind, _TERMINALS))
        if not (last >= 0 and len(chars) >= min(min_chars, 20)):
            open_part = chars[last + 1:]  # short: goes on only with a quote or bracket left open
            if not any(map(gt, map(open_part.count, _OPENING), map(open_part.count, _CLOSING))):
                return False
    return not (prev.looks_like_heading or nxt.looks_like_heading
                or prev.stands_alone or nxt.stands_alone)


_ENDS = _TERMINALS + "：:"  # a line that ends with one of these (closers aside) goes on not


def _join_width(lines: list[_Line | str]) -> int:
    """How long a line must be to count as wrapped: 25 characters, less in narrow layouts."""
    lengths = sorted(filter(partial(le, 10), [len(line) if type(line) is str else len(line.chars)
                                              for line in lines]))
    if not lengths:
        return _JOIN_MIN_CHARS
    typical = lengths[int(0.8 * (len(lengths) - 1))]
    return max(10, min(_JOIN_MIN_CHARS, int(0.85 * typical)))


def _paragraphs(text: str, rejoin: bool = True, plain_lines: frozenset[int] = frozenset()
                ) -> Iterator[tuple[_Line | str, int]]:
    """The paragraphs of ``text``, lines broken inside a sentence rejoined, with their offsets.

    An easy line that needed no cleaning (a str of ``_line_items``) comes as itself: it
    ends a sentence, so nothing is joined to it; its offset comes with it.
    """
    lines, bases = _line_items(text, plain_lines)
    width = _join_width(lines)
    current: _Line | str | None = None
    at = 0  # current's offset
    for line, base in zip(lines, bases, strict=True):
        if (rejoin and current is not None and type(current) is _Line
                and not current.easy  # (it ends a sentence)
                and (current.chars.rstrip(_CLOSERS) or current.chars)[-1] not in _ENDS
                and _continues(current, nxt := (line if type(line) is _Line
                                                else _easy_line(line, base)), width)):
            shift = len(current.chars)
            (starts, origins), (more_starts, more_origins) = map(_runs, (current.offsets,
                                                                          nxt.offsets))
            offsets = _Offsets([*starts, *(start + shift for start in more_starts)],
                               [*origins, *more_origins], shift + len(nxt.chars))
            current = _Line(current.chars + nxt.chars, offsets, None,
                            current.spaces + tuple((p + shift, c) for p, c in nxt.spaces))
            continue
        if current is not None:
            yield current, at
        current, at = line, base
    if current is not None:
        yield current, at


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """Spans of balanced quotes and book titles no longer than a sentence or so."""
    spans = []
    i = 0
    while (match := _QUOTE_OPEN.search(text, i)) is not None:
        i = match.start()
        j = text.find(_QUOTE_PAIRS[text[i]], i + 1, i + 1 + _MAX_QUOTE_CHARS)
        if j != -1:
            spans.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return spans


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    """Split one paragraph into sentence spans ``[start, end)``.

    A sentence runs to its first terminal, with the terminals and closers after it;
    terminals inside quotes and book titles are hidden first, so they end nothing.
    """
    if _QUOTE_OPENER not in text:  # no book title: most paragraphs are one sentence
        first = _SENTENCE.match(text)  # (None for "" alone)
        if first is None or first.end() == len(text):
            return [(0, len(text))] if text.strip() else []
    masked = text
    quotes = _quote_spans(text) if _QUOTE_OPENER in text else ()
    if quotes:
        parts, last = [], 0
        for s, e in quotes:
            parts += [text[last:s + 1], text[s + 1:e - 1].translate(_HIDE_TERMINALS)]
            last = e - 1
        parts.append(text[last:])
        masked = "".join(parts)
    merged: list[tuple[int, int]] = []
    s = 0
    for sentence in _SENTENCE.findall(masked):  # one after another, the whole text
        e = s + len(sentence)
        if merged and not (text[s].isalnum() or _ALNUM.search(text, s, e)):
            merged[-1] = (merged[-1][0], e)  # trailing symbols (emoji, dashes) stay with it
        else:
            merged.append((s, e))
        s = e
    # Every span after the first holds a letter or digit; the first may be only spaces.
    if merged and not text[merged[0][0] : merged[0][1]].strip():
        del merged[0]
    return merged


def _run_in_lists(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split each span after a colon that leads into the first item of an outline list.

    The first item then starts a unit, as the later ones do after their sentence ends, so
    all the items are headings alike.
    """
    if "：" not in text and ":" not in text:
        return spans
    result = []
    for s, e in spans:
        for match in _RUN_IN_LIST.finditer(text, s, e):
            result.append((s, match.end()))
            s = match.end()
        result.append((s, e))
    return result


def _cap_span(text: str, start: int, end: int, limit: int) -> list[tuple[int, int]]:
    """Split a span longer than ``limit`` at the last comma before the limit."""
    pieces = []
    while end - start > limit:
        window = text[start : start + limit]
        cut = max(window.rfind(c) for c in _SOFT_BREAKS)
        cut = start + cut + 1 if cut > limit // 3 else start + limit
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def _written(piece: str, first: int, spaces: tuple[tuple[int, str], ...],
             positions: list[int]) -> str | None:
    """``piece`` (at ``first`` in its line) with the spaces dropped inside it put back.

    ``spaces`` are in the order of their positions (as ``_Line.spaces``), ``positions``.
    """
    start = bisect_right(positions, first)
    if start == len(positions) or positions[start] >= first + len(piece):
        return None  # (most pieces)
    inside = spaces[start:bisect_left(positions, first + len(piece), start)]
    parts, last = [], 0
    for p, c in inside:
        parts += [piece[last:p - first], c]
        last = p - first
    parts.append(piece[last:])
    return "".join(parts)



def _open_heading(stack: list[tuple[int, int]], level: int, index: int) -> int | None:
    """Open the heading ``index`` at ``level``: close those at its level or below it.

    ``stack`` holds the open headings' ``(level, index)``, outermost first; the heading's
    parent (the innermost one left open above it, else None) is returned.
    """
    while stack and stack[-1][0] >= level:
        stack.pop()
    parent = stack[-1][1] if stack else None
    stack.append((level, index))
    return parent


def split_units(text: str, report: str = "", max_chars: int = MAX_UNIT_CHARS,
                rejoin: bool = True, plain_lines: frozenset[int] = frozenset()) -> list[Unit]:
    """Split the text of a report into sentence and heading units.

    Parameters
    ----------
    text : str
        The report's text as read from its file.
    report : str
        The report's name, stored in every unit.
    max_chars : int
        Longest unit; longer sentences are split at commas or hard-wrapped.
    rejoin : bool
        Whether a line may break inside a sentence (plain text, PDF) or every
        line is a paragraph of its own (Word).
    plain_lines : frozenset of int
        Numbers (from 0) of the lines that are body text whatever they look like, never
        headings: a Word table's rows and caption.

    Returns
    -------
    list of Unit
        In text order, with ``index`` counting from 0.

    Raises
    ------
    InputError
        When the text splits into more than ``MAX_UNITS`` units (found as soon as it does).
    """
    units: list[Unit] = []
    add = units.append
    stack: list[tuple[int, int]] = []  # (level, unit index) of open headings
    parent = None  # the innermost open heading's index: stack[-1][1], or None
    for number, (para, at) in enumerate(_paragraphs(text, rejoin, plain_lines)):
        if len(units) > MAX_UNITS:
            break
        if type(para) is str:  # an easy line as written: its characters follow one another
            chars, offsets, plain, spaces, easy = para, range(at, at + len(para)), False, (), True
        else:
            chars, offsets, plain, spaces, easy = (para.chars, para.offsets, para.plain,
                                                   para.spaces, para.easy)
        # An easy line's units must be the general path's below (see
        # test_lines_of_whole_sentences_split_as_by_the_general_path).
        positions = list(map(itemgetter(0), spaces)) if spaces else []  # of each space
        sentences = _SENTENCE.findall(chars) if easy else None  # the line's all, in turn
        if sentences and (len(chars) <= max_chars or max(map(len, sentences)) <= max_chars):
            cs = 0  # where the sentence starts in chars
            for sentence in sentences:
                ce = cs + len(sentence)
                head = sentence[0]
                level = (None if not (head in _OUTLINE_FIRST or head.isdecimal())
                         else outline_level(sentence))
                written = _written(sentence, cs, spaces, positions) if spaces else None
                if level is None:
                    add(Unit(report, len(units), sentence, offsets[cs], offsets[ce - 1] + 1,
                             False, None, parent, number, written))
                else:
                    parent = len(units)
                    add(Unit(report, parent, sentence, offsets[cs], offsets[ce - 1] + 1, True,
                             level, _open_heading(stack, level, parent), number, written))
                cs = ce
            continue
        if type(para) is str:
            para = _easy_line(para, at)
        spans = _sentence_spans(chars)
        if "：" in chars or ":" in chars:
            spans = _run_in_lists(chars, spans)
        first = spans[0][0] if spans else 0  # the paragraph's first piece may be its title
        for s, e in spans:
            for cs, ce in ((s, e),) if e - s <= max_chars else _cap_span(chars, s, e, max_chars):
                while cs < ce and chars[cs] == " ":
                    cs += 1
                piece = chars[cs:ce].rstrip()
                if not piece:
                    continue
                # outline_level's own first check, here: most pieces start with no marker
                head = piece[0]
                level = (None if plain or not (head in _OUTLINE_FIRST or head.isdecimal())
                         else outline_level(piece))
                if level is None and cs == first and not plain:
                    md_level = para.md_level
                    if md_level is not None:
                        level = md_level - 7
                    elif len(chars) <= _TITLE_MAX_CHARS and _is_title(chars):
                        level = 0
                if level is not None and cs == s:  # a heading
                    parent = len(units)
                    add(Unit(report, parent, piece, offsets[cs],
                             offsets[cs + len(piece) - 1] + 1, True, level,
                             _open_heading(stack, level, parent), number,
                             _written(piece, cs, spaces, positions) if spaces else None))
                else:
                    add(Unit(report, len(units), piece, offsets[cs],
                             offsets[cs + len(piece) - 1] + 1, False, None, parent, number,
                             _written(piece, cs, spaces, positions) if spaces else None))
    if len(units) > MAX_UNITS:
        raise InputError(f"{report or 'the text'}: has more than {MAX_UNITS:,} sentences; split "
                         f"it into smaller files")
    return units


def heading_path(units: list[Unit], unit: Unit) -> list[Unit]:
    """Return the headings enclosing ``unit``, innermost first."""
    path = []
    current = unit.heading
    while current is not None:
        path.append(units[current])
        current = units[current].heading
    return path


def shown_texts(units: list[Unit]) -> list[str]:
    """``Unit.shown`` of every unit (the text as written), without a Python call per unit."""
    texts = list(map(attrgetter("text"), units))
    written = list(map(attrgetter("written"), units))
    for position in compress(range(len(units)), map(is_not, written, repeat(None))):
        texts[position] = written[position]
    return texts


def section_paths(units) -> list[tuple[str, ...]]:
    """Each unit's section: the texts of the headings it sits under, outermost first.

    A heading's section ends with the heading itself. A report's title (a first unit that
    is a heading without an outline marker, every other unit sitting under it) is left out:
    it is no section. ``units`` are :class:`Unit` objects (or anything with ``report``,
    ``index``, ``heading``, ``is_heading`` and ``shown``) of one or more reports, each
    report's units in text order; a heading that is not among them ends the path. Units of
    one section share its path. Only headings are looked at one by one (the writers call
    this for every report).
    """
    paths: list[tuple[str, ...]] = []
    start = 0
    for _, run in groupby(map(attrgetter("report"), units)):
        end = start + sum(1 for _ in run)
        paths += _report_sections(units[start:end])
        start = end
    return paths


def _report_sections(units) -> list[tuple[str, ...]]:
    """:func:`section_paths` of one report's units."""
    keys = list(map(attrgetter("heading"), units))  # a unit's section is its heading's…
    opened: dict[int | None, tuple[str, ...]] = {None: ()}
    for position in compress(range(len(units)), map(attrgetter("is_heading"), units)):
        unit = units[position]
        opened[unit.index] = (*opened.get(unit.heading, ()), unit.shown)
        keys[position] = unit.index  # … a heading's, its own
    first = units[0] if units else None
    if (first is not None and first.is_heading and len(units) > 1
            and opened[keys[0]] == (first.shown,) and outline_level(first.text) is None
            and all(map(opened.__contains__, keys[1:])) and None not in keys[1:]
            and all(len(path) > 1 for key, path in opened.items()  # one root heading
                    if key is not None and key != keys[0])):
        opened = {key: path[1:] for key, path in opened.items()}  # the title is no section
    return list(map(opened.get, keys, repeat(())))
