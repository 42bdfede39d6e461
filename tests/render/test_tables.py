"""The terminal table: wrapped to the terminal's width, a header, names, profiles first."""

import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.cli import main
from topics.render.tables import display_width, wrap_columns

_CHARS = st.sampled_from(list("检察队伍建设，。、“”（）《》ab1.% -") + ["COVID-19", "2021年"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_CHARS, max_size=60).map("".join), st.integers(1, 40))
def test_wrapped_lines_fit_and_keep_every_character(text, width):
    lines = wrap_columns(text, width)
    assert lines
    assert all(display_width(line) <= max(width, 2) for line in lines)
    assert re.sub(r"\s", "", "".join(lines)) == re.sub(r"\s", "", text)
    if " " not in text:
        assert "".join(lines) == text


def test_wrapping_keeps_closers_and_words_together():
    lines = wrap_columns("坚定拥护“两个确立”，同比上升12.5%，covering measures", 9)
    assert not any(line[0] in "，。”" for line in lines)
    assert not any(line[-1] == "“" for line in lines)
    assert "12.5%，" in "".join(lines) and any("covering" == line for line in lines)


def run(*args, columns=None):
    env = {"COLUMNS": str(columns)} if columns else {"COLUMNS": ""}
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture
def two_reports(tmp_path, report_file):
    other = tmp_path / "other.txt"
    other.write_text("一、依法履职\n\n依法办理公益诉讼案件，开展司法救助。深化司法体制改革，推进数字检察"
                     "建设，为经济社会高质量发展提供有力司法保障。\n", encoding="utf-8")
    return report_file, other


def test_table_fits_the_terminal_with_profile_first(tiny_model_dir, two_reports, taxonomy):
    result = run("classify", *two_reports, "--model", tiny_model_dir, columns=72)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(display_width(line) for line in lines) <= 72
    for name in ("report.txt", "other.txt"):
        start = next(i for i, line in enumerate(lines) if line.startswith(f"== {name} ("))
        header = next(i for i in range(start, len(lines)) if lines[i].startswith("index"))
        profile = next(i for i in range(start, len(lines)) if lines[i].startswith("Theme profile"))
        assert profile < header  # the profile first, then the header, then the units
        assert re.match(r"\s+0 ", lines[header + 1])
    for theme in taxonomy.themes:  # Chinese and English names in the profile
        assert any(theme.name_zh in line and theme.id in line for line in lines)
    # wrapped text goes on under its column, never at column 0
    header = next(line for line in lines if line.startswith("index"))
    text_column = display_width(header[:header.index("text")])
    more = [line for line in lines if line.startswith(" " * text_column) and line.strip()]
    assert all(display_width(line) - display_width(line.lstrip()) == text_column for line in more)
    assert more, "some sentence is longer than a line at 72 columns"
    # a batch ends with its overall profile, which counts every unit
    assert lines[-4 - len(taxonomy.ids)].startswith("== all 2 reports")
    units = sum(int(re.search(r"\((\d+) units\)", line).group(1))
                for line in lines if line.startswith("== ") and "all" not in line)
    assert lines[-1].split()[-1] == str(units)


def test_table_wide_and_not_a_terminal_keep_a_unit_on_one_line(tiny_model_dir, two_reports):
    plain = run("classify", *two_reports, "--model", tiny_model_dir)
    wide = run("classify", *two_reports, "--model", tiny_model_dir, "--wide", columns=40)
    narrow = run("classify", *two_reports, "--model", tiny_model_dir, columns=40)
    assert plain.stdout == wide.stdout
    assert len(narrow.stdout.splitlines()) > len(plain.stdout.splitlines())
    jsonl = run("classify", *two_reports, "--model", tiny_model_dir, "--format", "jsonl")
    rows = [re.match(r"\s*\d+ [ #] \S+\s+\S+\s+\d\.\d\d  (.*)$", line)
            for line in plain.stdout.splitlines()]
    texts = [row.group(1) for row in rows if row]
    assert texts == [re.search(r'"text": "([^"]*)"', line).group(1) for line in jsonl.stdout.splitlines()]


def test_profile_only(tiny_model_dir, two_reports):
    result = run("classify", *two_reports, "--model", tiny_model_dir, "--profile-only")
    assert result.exit_code == 0
    assert result.stdout.count("Theme profile of") == 3  # two reports and all of them
    assert "index" not in result.stdout
    bad = run("classify", *two_reports, "--model", tiny_model_dir, "--profile-only", "--format", "csv")
    assert bad.exit_code == 2 and "--profile-only is for --format table" in bad.output


def _reference_width(text):
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.integers(1, 40))
def test_display_width_and_clip_are_the_character_by_character_ones(text, width):
    from topics.render.tables import clip, pad

    assert display_width(text) == _reference_width(text)
    expected = text
    if _reference_width(expected) > width:  # one character off the end at a time
        while _reference_width(expected) > width - 1:
            expected = expected[:-1]
        expected += "…"
    assert clip(text, width) == pad(expected, width)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CHARS, max_size=30).map("".join), st.integers(2, 40))
def test_a_text_that_fits_is_the_one_line_the_loop_makes(text, width):
    from topics.render.tables import _wrapped

    assert wrap_columns(text, width) == _wrapped(text, width)
    assert (_wrapped(text, width) == [text]) == (display_width(text) <= width)
