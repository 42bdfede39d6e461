import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.conftest import REPORT
from topics.text.sentences import heading_path, outline_level, split_units


def test_splits_at_sentence_ends_inside_quotes_too():
    units = split_units("他说：“要守住底线。坚持到底。”随后散会。好！", "r")
    assert [u.text for u in units] == ["他说：“要守住底线。", "坚持到底。”", "随后散会。", "好！"]


def test_an_ellipsis_ends_a_sentence():
    units = split_units("她笑着说：“我只是普通检察官……”确实，她很普通。", "r")
    assert [u.text for u in units] == ["她笑着说：“我只是普通检察官……”", "确实，她很普通。"]


def test_title_dateline_byline_and_salutation_stand_on_their_own_lines():
    text = ("某某市检察院举办首届检察文化节暨青年干警读书分享会系列活动\n"
            "2012年08月03日08:15 检察在线-法治周刊 林晓光 马骁 何春生\n"
            "来源：某某市人民检察院政治部宣传处\n"
            "□某某省某某市人民检察院党组成员、政治部主任张某某\n"
            "各位代表：\n"
            "日前，某某市检察院以“法治之光”为主题，举办了首届检察文化节。")
    texts = [u.text for u in split_units(text, "r")]
    assert texts == ["某某市检察院举办首届检察文化节暨青年干警读书分享会系列活动",
                     "2012年08月03日08:15检察在线-法治周刊林晓光马骁何春生",
                     "来源：某某市人民检察院政治部宣传处",
                     "□某某省某某市人民检察院党组成员、政治部主任张某某",
                     "各位代表：",
                     "日前，某某市检察院以“法治之光”为主题，举办了首届检察文化节。"]


def test_a_long_line_broken_off_mid_sentence_is_rejoined():
    text = ("全院各党支部依托主题党日等载体，丰富学习教育形式，通过开展学习研讨、主题演讲、知识竞赛\n"
            "等活动，推动党纪学习教育走深走实。")
    assert len(split_units(text)) == 1


def test_book_title_marks_are_not_split():
    units = split_units("学习《关于加强新时代检察机关法律监督工作的意见；全文》。", "r")
    assert len(units) == 1


def test_semicolon_ends_a_unit():
    assert [u.text for u in split_units("举办培训班；建立导师制。")] == ["举办培训班；", "建立导师制。"]


def test_rejoins_lines_broken_inside_a_sentence():
    text = ("全院各党支部依托“三会一\n\n课”、主题党日等载体，丰富学习教育形式，通过开展学习研讨等活动，"
            "开展理论学习。")
    units = split_units(text)
    assert len(units) == 1
    assert "三会一课" in units[0].text


def test_markdown_remnants_are_cleaned():
    units = split_units("### \\_\\_\\_\n\n## **一、强化政治建设**\n\n正文一句。")
    assert [u.text for u in units] == ["一、强化政治建设", "正文一句。"]


def test_spaces_inside_chinese_are_removed():
    assert split_units("队 伍素能是本。")[0].text == "队伍素能是本。"


def test_the_text_as_written_keeps_its_spaces():
    text = "一、 政治建设\n传承红色基因 践行初心使命，  坚持\u3000党建引领。开展学习。\n"
    units = split_units(text, "r")
    assert [u.text for u in units] == ["一、政治建设", "传承红色基因践行初心使命，坚持党建引领。",
                                       "开展学习。"]
    assert [u.shown for u in units] == ["一、 政治建设", "传承红色基因 践行初心使命， 坚持\u3000党建引领。",
                                        "开展学习。"]
    assert units[2].written is None  # nothing dropped: no second copy


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("检察 \u3000\n。a一、")), max_size=40))
def test_the_text_as_written_is_the_text_with_spaces(text):
    for unit in split_units(text, "r"):
        assert unit.shown.replace(" ", "").replace("\u3000", "") == unit.text.replace(" ", "")
        assert set(unit.shown) - set(text) <= {" "}


def test_section_paths_name_the_headings_above_a_unit():
    from topics.text.sentences import section_paths

    text = ("某院工作报告\n\n一、加强政治建设\n\n开展学习。\n（一）抓理论 武装\n深入学习。\n"
            "二、加强队伍建设\n培养人才。\n")
    units = split_units(text, "a") + split_units("前言。\n一、甲\n内容。", "b")
    paths = section_paths(units)
    assert [(u.shown, p) for u, p in zip(units, paths, strict=True)] == [
        ("某院工作报告", ()),  # the title is no section
        ("一、加强政治建设", ("一、加强政治建设",)),
        ("开展学习。", ("一、加强政治建设",)),
        ("（一）抓理论 武装", ("一、加强政治建设", "（一）抓理论 武装")),
        ("深入学习。", ("一、加强政治建设", "（一）抓理论 武装")),
        ("二、加强队伍建设", ("二、加强队伍建设",)),
        ("培养人才。", ("二、加强队伍建设",)),
        ("前言。", ()), ("一、甲", ("一、甲",)), ("内容。", ("一、甲",))]
    # a numbered heading over the whole report is a section, not a title
    units = split_units("# 一、依法履职\n办理案件。", "c")
    assert section_paths(units) == [("一、依法履职",), ("一、依法履职",)]


def _reference_sections(units):
    """section_paths one unit at a time: the headings above it (heading_path), title left out."""
    from topics.text.sentences import heading_path

    paths = []
    for unit in units:
        mine = [u for u in units if u.report == unit.report]
        own = [unit] if unit.is_heading else []
        path = tuple(u.shown for u in [*reversed(heading_path(mine, mine[unit.index])), *own])
        first = mine[0]
        titled = (first.is_heading and len(mine) > 1 and outline_level(first.text) is None
                  and all(heading_path(mine, u)[-1:] == [first] for u in mine[1:]))
        paths.append(path[1:] if titled else path)
    return paths


@settings(max_examples=2000, deadline=None)
@given(st.text(st.sampled_from(list(" \t\u3000\xa0#aZ1检。，“*_ \u2028")), max_size=24),
       st.integers(0, 5))
def test_lines_of_spaces_alone_are_cleaned_as_by_the_general_loop(raw, base):
    """Lines whose only characters to strip are spaces (their own path), as the loop does.

    Spaces noted where they were dropped included; and as the reference.
    """
    from topics.text import sentences

    fast = sentences._clean_line(raw, base)
    original = sentences._has_markup
    try:
        sentences._has_markup = lambda line: True  # every line through the general loop
        general = sentences._clean_line(raw, base)
    finally:
        sentences._has_markup = original
    assert (fast.chars, list(fast.offsets), fast.md_level, fast.spaces) == \
        (general.chars, list(general.offsets), general.md_level, general.spaces)
    expected = _clean_line_reference(raw, base)
    if expected[0]:
        assert (fast.chars, list(fast.offsets), fast.md_level, fast.gaps) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(
    ["# 报告", "## 一、甲", "一、乙", "（一）丙 丁", "1.戊", "正文。", "标题行", "\n"]), max_size=8),
    max_size=3))
def test_section_paths_equal_the_unit_by_unit_reference(reports):
    from topics.text.sentences import section_paths, shown_texts

    units = [u for i, lines in enumerate(reports) for u in split_units("\n".join(lines), f"r{i}")]
    assert section_paths(units) == _reference_sections(units)
    assert shown_texts(units) == [u.shown for u in units]


def test_plain_lines_are_never_headings():
    text = "表1 办案情况\n1、起诉 ｜ 30件\n一、政治建设\n"
    units = split_units(text, "r", rejoin=False, plain_lines=frozenset({0, 1}))
    assert [(u.text, u.is_heading) for u in units] == [
        ("表1办案情况", False), ("1、起诉｜30件", False), ("一、政治建设", True)]


def test_outline_levels():
    assert outline_level("一、强化") == 1
    assert outline_level("（二）深化") == 2
    assert outline_level("3. 完善") == 3
    assert outline_level("（4）健全") == 4
    assert outline_level("一是加强") == 5
    assert outline_level("2024年以来") is None


def test_headings_are_units_and_sentences_know_their_heading():
    units = split_units(REPORT, "r")
    texts = [u.text for u in units]
    heading = units[texts.index("二、加强人才培养，提升履职素能")]
    assert heading.is_heading and heading.level == 1
    training = units[texts.index("举办业务培训班；")]
    assert not training.is_heading
    assert units[training.heading] is heading
    assert heading_path(units, training)[0] is heading
    third = units[texts.index("三、从严治检，正风肃纪")]
    assert third.is_heading
    assert units[texts.index("严格执行“三个规定”，开展警示教育。")].heading == third.index


def test_run_in_yishi_heading_is_its_own_unit():
    units = split_units("一、强化政治建设。一是加强理论武装。开展专题学习。")
    assert [u.is_heading for u in units] == [True, True, False]
    assert units[2].heading == 1 and units[1].heading == 0


@pytest.mark.parametrize("text", [
    "存在的差距：一是理论学习不够深入。二是工作作风有待改进。三是创新能力不足。",
    "主要做法：一是加强学习，提高素质；二是完善制度；三是狠抓落实。",
    "要求有三：（一）学习不够。（二）作风不实。",
    "问题有二：1.学习不够；2.作风不实。",
])
def test_outline_items_run_into_a_paragraph_are_units_and_headings_alike(text):
    units = split_units(text)
    lead, *items = units
    assert lead.text.endswith("：") and not lead.is_heading
    assert len(items) >= 2
    assert all(u.is_heading for u in items)
    assert len({u.level for u in items}) == 1
    assert "".join(u.text for u in units) == text


def test_a_number_after_a_colon_that_starts_no_list_stays_in_its_sentence():
    assert [u.text for u in split_units("增幅为：1.5倍。比例：10.2%。")] == ["增幅为：1.5倍。",
                                                                      "比例：10.2%。"]


def test_units_record_report_index_and_offsets():
    units = split_units(REPORT, "report.txt")
    assert [u.index for u in units] == list(range(len(units)))
    for unit in units:
        assert unit.report == "report.txt"
        assert REPORT[unit.start] == unit.text[0]
        assert REPORT[unit.end - 1] == unit.text[-1]


def test_units_know_their_paragraph():
    units = split_units("一、强化政治建设\n加强理论武装。开展专题学习。\n\n严格执行三个规定。\n")
    assert [u.paragraph for u in units] == [0, 1, 1, 2]
    wrapped = split_units("全面构建四级学习体系，不断夯实检察队伍思想政治根基，持续\n推进支部标准化规范化建设。"
                          "再说一句。", rejoin=True)
    assert {u.paragraph for u in wrapped} == {0}
    units = split_units(REPORT)
    assert [u.paragraph for u in units] == sorted(u.paragraph for u in units)


def test_long_units_are_capped_at_commas():
    text = "，".join(["开展专题学习教育活动"] * 100) + "。"
    units = split_units(text, max_chars=120)
    assert all(len(u.text) <= 120 for u in units)
    assert "".join(u.text for u in units) == text


def _visible(text):
    return [c for c in text if not c.isspace()]


alphabet = st.sampled_from(list("检察院党建人才培养。！？；，：“”《》\"#*_\\ \n\tab1一、（）是xX"))


@settings(deadline=None, max_examples=300)
@given(st.text(alphabet=alphabet, max_size=200) | st.text(max_size=200))
def test_no_characters_lost_and_offsets_point_at_the_text(text):
    units = split_units(text, "r", max_chars=50)
    for unit in units:
        assert unit.text and unit.text == unit.text.strip()
        assert 0 <= unit.start < unit.end <= len(text)
        # every character of the unit (whitespace runs become one space) comes, in order,
        # from original[start:end]
        source = iter(text[unit.start:unit.end])
        assert all(ch in source for ch in unit.text if not ch.isspace())
    # every letter, digit or CJK character of the input reaches some unit
    kept = "".join(u.text for u in units)
    assert [c for c in text if c.isalnum()] == [c for c in kept if c.isalnum()]


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("一二三十是、.．（）()1２0٣①⑳⑴ 检察。")), max_size=8))
def test_outline_level_is_the_first_marker_that_matches(text):
    from topics.text.sentences import _OUTLINE_MARKERS

    expected = next((level for pattern, level in _OUTLINE_MARKERS if pattern.match(text)), None)
    assert outline_level(text) == expected


def _spans_terminal_by_terminal(text: str) -> list[tuple[int, int]]:
    """The splitter's earlier algorithm: each terminal outside quotes ends a sentence."""

    from topics.text.sentences import _ALNUM, _TERMINAL, _TERMINAL_TAIL, _quote_spans

    quotes = _quote_spans(text)  # book titles
    spans, start = [], 0
    for match in _TERMINAL.finditer(text):
        i = match.start()
        if i < start or any(s < i < e - 1 for s, e in quotes):
            continue
        end = _TERMINAL_TAIL.match(text, i + 1).end()
        spans.append((start, end))
        start = end
    if start < len(text):
        spans.append((start, len(text)))
    merged = []
    for s, e in spans:
        if merged and not _ALNUM.search(text, s, e):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return [span for span in merged if text[span[0]:span[1]].strip()]


@settings(max_examples=1000, deadline=None)
@given(st.text(st.sampled_from(list('检察。！？；!?;“”‘’「」『』《》（）()"，a1 \n—')), max_size=40))
def test_sentence_spans_equal_the_terminal_by_terminal_split(text):
    from topics.text.sentences import _sentence_spans

    assert _sentence_spans(text) == _spans_terminal_by_terminal(text)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(list(" \t\u3000\ufeff\\*_a检")), max_size=10))
def test_lines_needing_cleaning_are_found_as_by_the_plain_pattern(text):
    import re

    from topics.text.sentences import _has_markup, _may_need_cleaning

    assert _has_markup(text) == bool(re.search(r"[\ufeff\\]|\*\*|__", text))
    if re.search(r"[\s\ufeff\\]|\*\*|__", text):
        assert _may_need_cleaning(text)  # (it may say so of a line with nothing to strip)


def test_the_class_of_chinese_characters_is_what_is_cjk_accepts():
    import re
    import sys

    from topics.text.sentences import _CJK_CLASS, _is_cjk

    chinese = re.compile(f"[{_CJK_CLASS}]")
    assert [c for c in map(chr, range(sys.maxunicode + 1))
            if (chinese.match(c) is not None) != _is_cjk(c)] == []


def test_a_line_with_a_space_but_the_plain_one_or_a_bom_is_not_printable():
    from topics.text.sentences import SPACES

    assert not any(c.isprintable() for c in SPACES.replace(" ", "") + "\ufeff")


def _clean_line_reference(raw: str, base: int):
    """The cleaning of one line, character by character: what ``_clean_line`` must equal."""
    from topics.text.sentences import _ALNUM, _MD_HEADING, _is_cjk

    md_level = None
    pos = 0
    match = _MD_HEADING.match(raw)
    if match:
        md_level = len(match.group(1))
        pos = match.end()
    chars: list[str] = []
    offsets: list[int] = []
    gaps = False
    n = len(raw)
    while pos < n:
        ch = raw[pos]
        if ch == "\\" and pos + 1 < n and not raw[pos + 1].isalnum():
            pos += 1  # markdown escape: keep the escaped character only
            continue
        if raw.startswith("**", pos) or raw.startswith("__", pos):
            pos += 2
            continue
        if ch.isspace() or ch == "\ufeff":
            prev = chars[-1] if chars else ""
            nxt = raw[pos + 1 : pos + 2]
            if prev and nxt and not nxt.isspace():
                if not (_is_cjk(prev) or _is_cjk(nxt)):
                    if prev != " ":
                        chars.append(" ")
                        offsets.append(base + pos)
                else:
                    gaps = True
            pos += 1
            continue
        chars.append(ch)
        offsets.append(base + pos)
        pos += 1
    while chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    text = "".join(chars)
    if not _ALNUM.search(text):
        return "", [], None, False
    return text, offsets, md_level, gaps


@settings(max_examples=2000, deadline=None)
@given(st.text(st.sampled_from(list(" \t\u3000\ufeff\\*_#aZ1检。，“ \u2028")), max_size=24),
       st.integers(0, 5))
def test_clean_line_equals_the_character_by_character_reference(raw, base):
    from topics.text.sentences import _clean_line

    line = _clean_line(raw, base)
    expected = _clean_line_reference(raw, base)
    if not expected[0]:
        assert not line.chars
    else:
        assert (line.chars, list(line.offsets), line.md_level, line.gaps) == expected


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(st.sampled_from(list(" \u3000\ufeff\\*_#a1检。\r")), max_size=12),
                max_size=6))
def test_lines_are_the_cleaned_lines_that_hold_a_letter_or_digit(raw_lines):
    from topics.text.sentences import _lines

    text = "\n".join(raw_lines)
    expected, base = [], 0
    for raw in text.splitlines(keepends=True):
        cleaned = _clean_line_reference(raw.rstrip("\r\n"), base)
        if cleaned[0]:
            expected.append(cleaned)
        base += len(raw)
    assert [(line.chars, list(line.offsets), line.md_level, line.gaps)
            for line in _lines(text)] == expected



def test_the_spaces_written_out_are_what_str_isspace_accepts():
    import sys

    from topics.text.sentences import SPACES

    assert SPACES == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("检察一二1a是、.。；！?”）“：:《》 \u3000#*_\\①（(")),
                        max_size=16), max_size=6),
       st.sampled_from(["\n", "\r\n"]), st.integers(4, 300), st.booleans())
@example(["一、加强队伍建设。二、严明纪律。1.抓好落实。（一）强化学习。", "①是。检察院。", "二、是。"],
         "\n", 300, True)  # easy lines of several sentences, outline headings among them
@example(["学习《条例。规定》精神。落实《办法》。", "差距：一是不足。二是欠缺。", "重点：抓落实。",
          "“检察”工作。“a”。", "学习 900 余次。推进 2024 年工作。", "检察院工作。" * 30, ""],
         "\n", 20, True)  # titles hiding a terminal or not, run-in lists, quotes, spaces, long
@example(["检察院队伍建设" * 7, "检察院工作。一、加强学习。", "二、严明纪律", "检察院工作。"], "\r\n", 300,
         True)  # an easy line that carries on the wrapped line before it; one after a heading
def test_lines_of_whole_sentences_split_as_by_the_general_path(lines, newline, max_chars,
                                                               rejoin):
    """Lines that _EASY takes (units straight from _SENTENCE) give the general path's units."""
    import re
    from dataclasses import astuple

    from topics.text import sentences

    text = newline.join(lines)
    fast = list(map(astuple, split_units(text, "r", max_chars, rejoin)))
    original = sentences._EASY
    try:
        sentences._EASY = re.compile("(?!)")  # no line is easy: every one the general way
        general = list(map(astuple, split_units(text, "r", max_chars, rejoin)))
    finally:
        sentences._EASY = original
    assert fast == general


def _continues_reference(prev, nxt, min_chars):
    """``_continues`` with its tests in the order they were first written."""
    from operator import gt

    from topics.text.sentences import _CLOSERS, _CLOSING, _ENDS, _OPENING, _TERMINALS

    tail = prev.chars.rstrip(_CLOSERS) or prev.chars
    if tail[-1] in _ENDS:
        return False
    if prev.looks_like_heading or nxt.looks_like_heading:
        return False
    if prev.stands_alone or nxt.stands_alone or prev.plain or nxt.plain:
        return False
    last = max(map(prev.chars.rfind, _TERMINALS))
    open_part = prev.chars[last + 1:]
    if any(map(gt, map(open_part.count, _OPENING), map(open_part.count, _CLOSING))):
        return True
    return (last >= 0 and len(prev.chars) >= min(min_chars, 20)) or len(prev.chars) >= min_chars


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["检察院", "队伍建设", "检", "。", "；", "，", "：", "”", "“",
                                          "（", "）", "《", "来源", " ", "1、", "一、", "#", "a"]),
                         min_size=1, max_size=16).map("".join), min_size=2, max_size=4),
       st.integers(10, 45), st.sets(st.integers(0, 3)))
@example(["检察院队伍建设。检察院队伍建设检察院检察", "检察院队伍建设。"], 30, set())  # 20 characters
def test_a_line_goes_on_in_the_next_as_by_the_reference(lines, min_chars, plain):
    from topics.text.sentences import _continues, _lines

    cleaned = _lines("\n".join(lines), frozenset(plain))
    for prev, nxt in zip(cleaned, cleaned[1:], strict=False):
        assert _continues(prev, nxt, min_chars) == _continues_reference(prev, nxt, min_chars)



def test_an_easy_line_that_carries_on_a_wrapped_line_is_joined_to_it():
    """An easy line (taken as its characters) is still joined to a line broken before it."""
    from topics.text.sentences import _paragraphs

    first = "检察院队伍建设" * 7  # 49 characters, no terminal: a full line of its layout
    paragraphs = list(_paragraphs(f"{first}\n检察院工作。\n检察院工作。\n"))
    assert [(type(p).__name__, getattr(p, "chars", p), at) for p, at in paragraphs] == [
        ("_Line", first + "检察院工作。", 0), ("str", "检察院工作。", 57)]
    units = split_units(f"{first}\n检察院工作。\n检察院工作。\n")
    assert [(u.text, u.start, u.end, u.paragraph) for u in units] == [
        (first + "检察院工作。", 0, 56, 0), ("检察院工作。", 57, 63, 1)]


@pytest.mark.parametrize("text", ["a\n", "发展。"])  # a unit per line; many units in one line
def test_a_report_of_more_units_than_the_limit_is_refused(monkeypatch, text):
    import topics.text.sentences as sentences
    from topics.errors import InputError

    monkeypatch.setattr(sentences, "MAX_UNITS", 3)
    assert len(split_units(text * 3, "r.txt")) == 3
    with pytest.raises(InputError) as caught:
        split_units(text * 4, "r.txt")
    assert str(caught.value) == "r.txt: has more than 3 sentences; split it into smaller files"
