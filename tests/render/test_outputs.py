"""csv, xlsx and html outputs, compare, and the topic-model page (checked in Chromium)."""

import csv
import io
import json
import math
import os
import shutil
from pathlib import Path

import numpy as _np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from topics.cli import main
from topics.pipeline.model import UnitResult
from topics.render.jsonl import results_jsonl
from topics.render.records import unit_record

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def two_reports(tmp_path, report_file):
    other = tmp_path / "other.txt"
    other.write_text("一、依法履职\n\n依法办理公益诉讼案件，开展司法救助。深化司法体制改革，推进数字检察建设。\n",
                     encoding="utf-8")
    return report_file, other


def test_csv_opens_with_chinese_intact(tiny_model_dir, report_file, tmp_path):
    out = tmp_path / "out.csv"
    assert run("classify", report_file, "--model", tiny_model_dir, "--format", "csv", "--out", out).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0]["text"] == "某区人民检察院关于队伍建设情况的报告"
    assert "score_political" in rows[0]


def test_xlsx_has_four_sheets(tiny_model_dir, two_reports, tmp_path, taxonomy):
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    result = run("classify", *two_reports, "--model", tiny_model_dir, "--format", "xlsx", "--out", out)
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["sentences", "profiles", "sections", "topics"]
    sentences = list(book["sentences"].values)
    # the same columns, in the same order, as CSV (theme ids only, as in CSV and JSON Lines)
    csv_out = tmp_path / "out.csv"
    run("classify", *two_reports, "--model", tiny_model_dir, "--format", "csv", "--out", csv_out)
    csv_rows = list(csv.reader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert list(sentences[0]) == csv_rows[0]
    assert [(row[0], row[4], row[5]) for row in sentences[1:]] == [
        (row[0], row[4], row[5]) for row in csv_rows[1:]]
    assert {row[0] for row in sentences[1:]} == {"report.txt", "other.txt"}
    profiles = list(book["profiles"].values)
    assert len(profiles) == 3 and len(profiles[0]) == 2 + len(taxonomy.ids)
    assert all(abs(sum(row[2:]) - 1) < 1e-3 for row in profiles[1:])
    assert list(book["topics"].values)[0] == ("topic", "theme", "c_v", "u_mass", "words")


def test_xlsx_is_readable_in_a_spreadsheet(tiny_model_dir, two_reports, tmp_path, taxonomy):
    """Shares as percentages, the text wrapped in a wide column, filters, a frozen header, a chart."""
    from openpyxl import load_workbook

    out = tmp_path / "out.xlsx"
    assert run("classify", *two_reports, "--model", tiny_model_dir, "--format", "xlsx",
               "--out", out).exit_code == 0
    book = load_workbook(out)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
    sentences = book["sentences"]
    header = [c.value for c in sentences[1]]
    text = sentences.cell(row=2, column=header.index("text") + 1)
    assert text.alignment.wrap_text
    assert sentences.column_dimensions[text.column_letter].width >= 40
    profiles = book["profiles"]
    assert [c.value for c in profiles[1]][2:] == [f"{t.name_zh} {t.id}" for t in taxonomy.themes]
    shares = [c for row in profiles.iter_rows(min_row=2, min_col=3) for c in row]
    assert len(shares) == 2 * len(taxonomy.ids)
    assert all(c.number_format.endswith("%") and 0 <= c.value <= 1 for c in shares)
    (chart,) = profiles._charts
    assert len(chart.series) == len(taxonomy.ids)


def test_xlsx_needs_an_output_file(tiny_model_dir, report_file):
    result = run("classify", report_file, "--model", tiny_model_dir, "--format", "xlsx")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == \
        "Error: --format xlsx writes a binary workbook: give --out FILE.xlsx"


def test_compare_two_reports(tiny_model_dir, two_reports, tmp_path):
    result = run("compare", *two_reports, "--model", tiny_model_dir, "-n", "1")
    assert result.exit_code == 0, result.output
    assert "[1] report.txt" in result.stdout and "[2] other.txt" in result.stdout
    assert "percentage points" in result.stdout
    out = tmp_path / "cmp.csv"
    assert run("compare", *two_reports, "--model", tiny_model_dir, "--format", "csv", "--out", out).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["theme", "theme_zh", "share report.txt", "share other.txt", "pp other.txt - report.txt"]
    for row in rows[1:]:
        assert float(row[4]) == pytest.approx(float(row[3]) - float(row[2]), abs=0.11)
    xlsx = tmp_path / "cmp.xlsx"
    assert run("compare", *two_reports, "--model", tiny_model_dir, "--format", "xlsx", "--out", xlsx).exit_code == 0
    html = tmp_path / "cmp.html"
    assert run("compare", *two_reports, "--model", tiny_model_dir, "--format", "html", "--out", html).exit_code == 0
    assert "other.txt − report.txt" in html.read_text(encoding="utf-8")


def test_compare_one_input_is_its_profile_alone(tiny_model_dir, report_file, tmp_path):
    result = run("compare", report_file, "--model", tiny_model_dir)
    assert result.exit_code == 0, result.output
    assert "[1] report.txt" in result.stdout and "[2]" not in result.stdout
    out = tmp_path / "one.csv"
    assert run("compare", report_file, "--model", tiny_model_dir, "--format", "csv", "--out", out).exit_code == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["theme", "theme_zh", "share report.txt"]
    assert sum(float(row[2]) for row in rows[1:]) == pytest.approx(100, abs=0.5)


def test_compare_without_a_readable_input_says_so(tiny_model_dir, tmp_path):
    result = run("compare", tmp_path / "missing.txt", "--model", tiny_model_dir)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == \
        f"topics: error: {tmp_path / 'missing.txt'}: no such file or directory"
    assert result.stderr.endswith("Error: no readable input: nothing to compare\n")
    assert result.stdout == ""


@pytest.fixture
def two_years(tmp_path):
    """The same report name in two years' folders: 2023/工作报告.txt and 2024/工作报告.txt."""
    from tests.conftest import REPORT

    for year, extra in (("2023", ""), ("2024", "\n四、深化改革\n\n深化司法体制改革，推进数字检察建设。\n")):
        (tmp_path / year).mkdir()
        (tmp_path / year / "工作报告.txt").write_text(REPORT + extra, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("inputs", [["2023/工作报告.txt", "2024/工作报告.txt"], ["2023", "2024"]])
def test_compare_the_same_report_across_years(tiny_model_dir, two_years, inputs, monkeypatch):
    monkeypatch.chdir(two_years)
    result = run("compare", *inputs, "--model", tiny_model_dir, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert rows[0] == ["theme", "theme_zh", "share 2023", "share 2024", "pp 2024 - 2023"]
    table = run("compare", *inputs, "--model", tiny_model_dir).stdout
    for number, (name, path) in enumerate(zip(["2023", "2024"], inputs, strict=True), start=1):
        where = "" if path == name else f"{path}, "  # the path beside a shortened name
        assert f"[{number}] {name} ({where}" in table


def test_compare_by_section(tiny_model_dir, two_years, monkeypatch, taxonomy):
    monkeypatch.chdir(two_years)
    records = {year: [json.loads(line) for line in run(
        "classify", f"{year}/工作报告.txt", "--model", tiny_model_dir, "--format", "jsonl").stdout.splitlines()]
        for year in ("2023", "2024")}
    result = run("compare", "2023", "2024", "--by-section", "--model", tiny_model_dir, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert list(rows[0])[:4] == ["section", "heading 2023", "heading 2024", "theme"]
    assert [r["section"] for r in rows[::len(taxonomy.ids)]] == ["all", "0", "1", "2", "3", "4"]
    fourth = [r for r in rows if r["section"] == "4"]
    assert fourth[0]["heading 2023"] == "" and fourth[0]["heading 2024"] == "四、深化改革"
    for year in ("2023", "2024"):  # the shares are those of the units under the first heading
        first_heading = next(r["section"][0] for r in records[year] if r["section"])
        under = [r["theme"] for r in records[year] if r["section"][:1] == [first_heading]]
        for row in (r for r in rows if r["section"] == "1"):
            assert row[f"heading {year}"] == first_heading
            assert float(row[f"share {year}"]) == pytest.approx(
                100 * under.count(row["theme"]) / len(under), abs=0.06)
    table = run("compare", "2023", "2024", "--by-section", "--model", tiny_model_dir).stdout
    assert "section 4: [1] — (0 units); [2] 四、深化改革 (2 units)" in table


def test_html_is_self_contained(tiny_model_dir, two_reports, tmp_path):
    out = tmp_path / "r.html"
    assert run("classify", *two_reports, "--model", tiny_model_dir, "--format", "html", "--out", out).exit_code == 0
    page = out.read_text(encoding="utf-8")
    for remote in ("http://", "https://", "//cdn", "<link"):
        assert remote not in page.replace("http://www.w3.org/2000/svg", "")


def _chromium():
    """A headless Chromium driven by Selenium, or a skip (never in CI, where .ci/run installs it)."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        if os.environ.get("CI"):
            pytest.fail("CI must have Debian's chromium and chromium-driver (see .ci/run)")
        pytest.skip("chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1200,1600"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


@pytest.fixture
def browser():
    driver = _chromium()
    yield driver
    driver.quit()


def test_html_report_in_chromium(browser, tiny_model_dir, two_reports, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    out = tmp_path / "r.html"
    run("classify", *two_reports, "--model", tiny_model_dir, "--format", "html", "--out", out)
    records = [json.loads(line) for line in run("classify", *two_reports, "--model", tiny_model_dir,
                                                 "--format", "jsonl").stdout.splitlines()]
    browser.get(out.as_uri())
    # the charts are drawn: one bar per theme for all reports and for each, visible where the
    # share is not 0
    bars = browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    assert len(bars) == 3 * 8
    assert sum(1 for b in bars if b.rect["width"] > 5) >= 2
    # an overview first: a row per report linking to its section, with a stacked profile bar
    links = browser.find_elements(By.CSS_SELECTOR, "#overview table.overview a")
    assert [a.text for a in links] == ["report.txt", "other.txt"]
    for link in links:
        section = browser.find_element(By.ID, link.get_attribute("href").split("#")[1])
        assert section.find_element(By.TAG_NAME, "h2").text.startswith(link.text)
    assert browser.find_elements(By.CSS_SELECTOR, "#overview svg.stack rect.seg")
    # the text keeps the report's paragraphs
    from topics.text.sentences import split_units

    for path, section in zip(two_reports, browser.find_elements(By.CSS_SELECTOR, "section.report"),
                             strict=True):
        paragraphs = section.find_elements(By.CSS_SELECTOR, ".text p.para")
        units = split_units(path.read_text(encoding="utf-8"))
        assert len(paragraphs) == len({u.paragraph for u in units}) > 1
        tops = [p.rect["y"] for p in paragraphs]
        assert tops == sorted(set(tops))  # each on lines of its own
    # every sentence is on the page, highlighted in its theme's colour
    spans = browser.find_elements(By.CSS_SELECTOR, ".u")
    assert [s.text for s in spans] == [r["text"] for r in records]
    for span, record in zip(spans, records, strict=True):
        assert span.get_attribute("data-theme") == record["theme"]
        assert span.value_of_css_property("background-color") not in ("rgba(0, 0, 0, 0)", "transparent")
        assert f"{record['confidence']:.2f}" in span.get_attribute("title")
    # each report's shares by section: a row per top-level section, a cell per theme
    tables = browser.find_elements(By.CSS_SELECTOR, "table.sections")
    assert len(tables) == 2
    for table, name in zip(tables, ("report.txt", "other.txt"), strict=True):
        mine = [r for r in records if r["report"] == name]
        names = [td.text for td in table.find_elements(By.CSS_SELECTOR, "td.section-name")]
        assert [n for n in names if not n.startswith("（")] == list(dict.fromkeys(
            r["section"][0] for r in mine if r["section"]))
        assert all(td.is_displayed() for td in table.find_elements(By.CSS_SELECTOR, "td"))
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "classify-report.png"))
    shots = os.environ.get("TOPICS_SHOTS")
    if shots:
        browser.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                               " + window.scrollY - 200)", tables[0])
        browser.save_screenshot(str(Path(shots) / "classify-page-sections.png"))
    # the theme filter shows only the chosen theme's sentences
    def gaps_in(theme):  # pairs of the theme's sentences with others between them
        picked = [(r["report"], r["index"]) for r in records if r["theme"] == theme]
        return sum(1 for (a, i), (b, j) in zip(picked, picked[1:], strict=False)
                   if a == b and j != i + 1)

    theme = max(sorted({r["theme"] for r in records}), key=gaps_in)
    assert gaps_in(theme) > 0
    Select(browser.find_element(By.ID, "theme-filter")).select_by_value(theme)
    shown = [s for s in spans if s.is_displayed()]
    assert shown and all(s.get_attribute("data-theme") == theme for s in shown)
    assert len(shown) == sum(1 for r in records if r["theme"] == theme)
    # a ⋯ between shown sentences that are not next to each other in their report
    gaps = [s for s in shown if "gap" in s.get_attribute("class").split()]
    assert len(gaps) == gaps_in(theme)
    for gap in gaps:
        marker = browser.execute_script(
            "return getComputedStyle(arguments[0], '::before').content", gap)
        assert "⋯" in marker
    assert browser.find_element(By.ID, "shown-count").text == str(len(shown))
    browser.save_screenshot(str(ARTIFACTS / "classify-report-filtered.png"))
    Select(browser.find_element(By.ID, "theme-filter")).select_by_value("")
    assert all(s.is_displayed() for s in spans)


def test_topic_model_page_in_chromium(browser, tiny_model_dir, tmp_path, taxonomy):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from topics.render.html import theme_colors

    out = tmp_path / "topics.html"
    assert run("words", "--model", tiny_model_dir, "--html", out).exit_code == 0
    browser.get(out.as_uri())
    circles = browser.find_elements(By.CSS_SELECTOR, "#map circle.topic")
    data = json.loads(run("words", "--model", tiny_model_dir, "--format", "json").stdout)
    assert len(circles) == len(data["topics"])
    assert browser.find_elements(By.CSS_SELECTOR, "#words rect.word-bar")
    # no circle covers another (their geometry as drawn), and every one is inside the map
    drawn = [(float(c.get_attribute("cx")), float(c.get_attribute("cy")),
              float(c.get_attribute("r"))) for c in circles]
    for i, (x, y, r) in enumerate(drawn):
        assert r <= x <= 420 - r and r <= y <= 420 - r
        for x2, y2, r2 in drawn[i + 1:]:
            assert math.hypot(x - x2, y - y2) >= r + r2
    # each circle can be clicked at its centre: what is there is that circle, not another
    for circle, (x, y, _) in zip(circles, drawn, strict=True):
        hit = browser.execute_script(
            "var m=document.getElementById('map').getBoundingClientRect();"
            "return document.elementFromPoint(m.left+arguments[0], m.top+arguments[1]);", x, y)
        assert hit == circle
    # free topics in colours of their own, outlined dashed; tied ones in their theme's
    colors = theme_colors(taxonomy)
    for circle, topic in zip(circles, data["topics"], strict=True):
        fill = circle.get_attribute("fill").upper()
        if topic["theme"] is None:
            assert fill not in {c.upper() for c in colors.values()}
            assert circle.get_attribute("stroke-dasharray")
        else:
            assert fill == colors[topic["theme"]].upper()
    # λ said in one line, bars in the order listed with lengths in that order, at any λ
    assert "λ = 1" in browser.find_element(By.ID, "lambda-help").text
    slider = browser.find_element(By.ID, "lambda")
    for value in ("0", "0.6", "1"):
        browser.execute_script("arguments[0].value=arguments[1];"
                               "arguments[0].dispatchEvent(new Event('input'));", slider, value)
        bars = browser.find_elements(By.CSS_SELECTOR, "#words rect.word-bar")
        assert len(bars) > 3
        tops = [b.rect["y"] for b in bars]
        widths = [b.rect["width"] for b in bars]
        relevance = [float(b.get_attribute("data-relevance")) for b in bars]
        assert tops == sorted(tops)
        assert widths == sorted(widths, reverse=True)
        assert relevance == sorted(relevance, reverse=True)
    # a topic picked from the list or on the map shows its words
    Select(browser.find_element(By.ID, "topic-pick")).select_by_value("1")
    assert browser.find_element(By.ID, "topic-title").text.startswith("主题 1")
    circles = browser.find_elements(By.CSS_SELECTOR, "#map circle.topic")  # drawn anew
    assert float(circles[1].get_attribute("stroke-width")) > float(
        circles[0].get_attribute("stroke-width"))  # the picked one stands out
    circles[-1].click()
    assert browser.find_element(By.ID, "topic-title").text.startswith(f"主题 {len(circles) - 1}")
    assert browser.find_element(By.ID, "topic-pick").get_attribute("value") == str(len(circles) - 1)
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "topic-model.png"))


def test_compare_page_in_chromium(browser, tiny_model_dir, two_years, monkeypatch, tmp_path):
    from selenium.webdriver.common.by import By

    from topics.render.html import REPORT_COLORS

    monkeypatch.chdir(two_years)
    out = tmp_path / "cmp.html"
    args = ("compare", "2023/工作报告.txt", "2024/工作报告.txt", "--by-section", "--model", tiny_model_dir)
    assert run(*args, "--format", "html", "--out", out).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv").stdout.lstrip("\ufeff"))))
    whole = {r["theme"]: r for r in rows if r["section"] == "all"}
    browser.set_window_size(760, 1400)  # narrow: the theme names must still not wrap
    browser.get(out.as_uri())
    # one grouped chart: per theme a bar for each year, as long as its share
    bars = browser.find_elements(By.CSS_SELECTOR, "body > figure svg.grouped rect.bar-group")
    assert len(bars) == 2 * len(whole)
    per_share = []
    for bar in bars:
        share = float(whole[bar.get_attribute("data-theme")][f"share {bar.get_attribute('data-report')}"])
        assert float(bar.get_attribute("data-share")) * 100 == pytest.approx(share, abs=0.06)
        if share > 5:
            per_share.append(bar.rect["width"] / share)
    assert per_share and max(per_share) == pytest.approx(min(per_share), rel=0.03)
    fills = {bar.get_attribute("fill") for bar in bars}
    assert fills == set(REPORT_COLORS[:2])  # one colour per year, no red/green
    # the difference chart: a bar per theme on the side of zero its sign says
    zero = browser.find_element(By.CSS_SELECTOR, "svg.difference line.zero").rect["x"]
    diffs = browser.find_elements(By.CSS_SELECTOR, "svg.difference rect.diff-bar")
    assert len(diffs) == len(whole)
    for bar in diffs:
        d = float(bar.get_attribute("data-difference"))
        assert d == pytest.approx(float(whole[bar.get_attribute("data-theme")]["pp 2024 - 2023"]), abs=0.06)
        if d > 0:
            assert bar.rect["x"] >= zero - 1
        elif d < 0:
            assert bar.rect["x"] + bar.rect["width"] <= zero + 1
        assert bar.get_attribute("fill") == REPORT_COLORS[1]
    # differences are written in the text colour, neither red nor green
    text_color = browser.find_element(By.CSS_SELECTOR, "td.share").value_of_css_property("color")
    assert {c.value_of_css_property("color") for c in browser.find_elements(By.CSS_SELECTOR, "td.diff")} == {
        text_color}
    # theme names stay on one line, in the tables and left of the bars in the charts
    lines = browser.execute_script(
        "return Array.from(document.querySelectorAll('td.theme-name')).map(function(td){"
        "var range=document.createRange(); range.selectNodeContents(td);"
        "return [td.textContent, new Set(Array.from(range.getClientRects()).map("
        "function(r){return Math.round(r.bottom);})).size];});")
    assert len(lines) > 2 * len(whole) and all(n == 1 for _, n in lines), lines
    overlaps = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg.grouped, svg.difference')).map(function(svg){"
        "var right=Math.max.apply(null,Array.from(svg.querySelectorAll(':scope > text')).filter("
        "function(t){return t.getAttribute('x')==='0';}).map(function(t){return t.getBBox().width;}));"
        "return right <= 170;});")
    assert overlaps and all(overlaps)
    # one section per position, each with its chart
    sections = browser.find_elements(By.CSS_SELECTOR, "section.section")
    assert [s.get_attribute("data-position") for s in sections] == ["0", "1", "2", "3", "4"]
    shots = Path(os.environ.get("TOPICS_SHOTS", ARTIFACTS))
    shots.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(shots / "compare-page.png"))
    browser.execute_script("arguments[0].scrollIntoView()", sections[-1])
    browser.save_screenshot(str(shots / "compare-page-section.png"))


_TEXT = st.text(st.sampled_from(list('检察“”"\\\n\t\x00\x1f😀 aé/<>') + ["\u2028"]), max_size=12)
_SCORE = st.floats(0, 1, allow_nan=False)
# evidence weights that labelling never gives: the encoder's own text all the same
_ODD_WEIGHT = st.integers(-3, 3) | st.sampled_from([float("nan"), float("inf"), -1e300])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.builds(
    UnitResult, report=_TEXT, index=st.integers(0, 10**6), text=_TEXT, theme=_TEXT,
    confidence=_SCORE, scores=st.dictionaries(_TEXT, _SCORE, max_size=4),
    evidence=st.none() | st.lists(st.tuples(_TEXT, _SCORE | _ODD_WEIGHT), max_size=3),
    topic=st.none() | st.integers(0, 50), topic_theme=st.none() | _TEXT,
    id=st.none() | st.integers() | _TEXT | st.lists(st.integers(), max_size=2),
    is_heading=st.booleans(), section=st.lists(_TEXT, max_size=2).map(tuple)), max_size=4))
def test_jsonl_lines_are_what_json_writes(results):
    results = results + results[:1]  # the same report and theme keys again
    expected = "".join(json.dumps(unit_record(r), ensure_ascii=False) + "\n" for r in results)
    assert results_jsonl(results) == expected


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.lists(_TEXT, max_size=4, unique=True), st.lists(st.tuples(
    st.integers(0, 10**6), _TEXT, _TEXT, _SCORE, st.booleans(),
    st.lists(_TEXT, max_size=2).map(tuple)), min_size=1, max_size=5), st.data())
def test_jsonl_of_one_report_and_one_set_of_keys_is_what_json_writes(report, keys, rows, data):
    """One report, one set of theme keys, no ids, evidence or topics: scores column by column."""
    results = [UnitResult(report, index, text, theme, confidence,
                          {k: data.draw(_SCORE) for k in keys}, None, None, None,
                          is_heading=heading, section=section)
               for index, text, theme, confidence, heading, section in rows]
    expected = "".join(json.dumps(unit_record(r), ensure_ascii=False) + "\n" for r in results)
    assert results_jsonl(results) == expected


def test_jsonl_of_mixed_results_is_what_json_writes():
    def result(**changes):
        fields = dict(report="r", index=0, text="t", theme="a", confidence=0.5,
                      scores={"a": 0.5, "b": 0.5}, evidence=None, topic=None, topic_theme=None)
        return UnitResult(**{**fields, **changes})

    for other in (result(report="s"), result(id=3), result(evidence=[]), result(topic=1),
                  result(scores={"b": 0.5, "a": 0.5}), result(scores={"a": 1.0}),
                  result(topic=2, topic_theme="a"), result(is_heading=True, section=("一",))):
        assert results_jsonl([result(), other]) == "".join(
            json.dumps(unit_record(r), ensure_ascii=False) + "\n" for r in (result(), other))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [0.00005, 0.00015, 0.12345, 0.99995, 1.0, 0.0, 5e-324, 1 - 1e-16, 0.5]), max_size=20))
def test_four_places_is_round_then_repr(values):
    from topics.render.jsonl import four_places

    assert four_places(values) == [repr(round(v, 4)) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.floats() | st.floats(0, 1) | st.sampled_from(
    [0.00005, 0.00015, 0.12345, 0.99995, 1.0, 0.0, -0.0, 5e-324, 1 - 1e-16, 0.5, 0.00025]),
    max_size=20))
def test_fixed_four_is_what_format_writes(values):
    from topics.render._numbers import fixed_four

    assert fixed_four(values) == [f"{v:.4f}" for v in values]


def test_the_tables_of_the_numbers_made_from_digits_are_the_formatters_texts():
    """Every step k / 10_000 in [0, 1], whose text comes from the table: all 10,001 of them."""
    from topics.render import _numbers

    steps = [k / 10_000 for k in range(10_001)]
    assert _numbers._table(_numbers._repr_four).tolist() == [repr(round(v, 4)) for v in steps]
    assert _numbers._table(_numbers._fixed_four).tolist() == [f"{v:.4f}" for v in steps]
    assert _numbers.four_places(steps) == [repr(round(v, 4)) for v in steps]


@pytest.mark.parametrize("fmt", ["jsonl", "explained jsonl", "csv", "explained csv"])
def test_a_renderer_writes_many_reports_as_each_alone(tiny_model, fmt):
    """Renderer.many (JSON Lines, CSV: the numbers of every report written at once) = one by
    one = what the results write, ids, formula-like text and empty reports included."""
    from topics import config
    from topics.pipeline.inputs import load_input
    from topics.render.jsonl import labelled_jsonl
    from topics.render.outputs import renderer
    from topics.render.tables import results_csv
    from topics.text.sentences import Unit

    explain = fmt.startswith("explained")
    loaded = [load_input(str(p)) for p in config.seed_paths()]
    odd = [Unit("=r.txt", i, text, 0, len(text), is_heading=i == 0) for i, text in enumerate(
        ["-一、加强政治建设", "@全体干警落实三个规定。", "\uff1d深化改革。", "举办培训班。"])]
    inputs = [(x.units, None, True) for x in loaded] + [
        ([], None, True), (odd, [None, 3, "=x", 2.5], True), (odd[1:], None, False)]
    labelled = tiny_model.label_units_many(inputs, n_evidence=3 if explain else None,
                                           topics=explain)
    render = renderer(fmt.split()[-1], tiny_model.taxonomy, explain=explain)
    names = [x.name for x in loaded] + ["empty", "=r.txt", "=r.txt"]
    alone = [render(name, x) for name, x in zip(names, labelled, strict=True)]
    assert render.many(names, labelled) == alone
    assert all(alone[:len(loaded)]) and all(alone[-2:])
    if fmt.endswith("jsonl"):
        assert alone[len(loaded)] == ""
        assert alone == [results_jsonl(x.results()) for x in labelled]
        assert alone == list(map(labelled_jsonl, labelled))
    if fmt.endswith("csv"):
        assert alone == [results_csv(x.results(), tiny_model.taxonomy.ids, header=False)
                         for x in labelled]
        assert "'=r.txt,1,3," in alone[-2] and "'\uff1d深化改革。" in alone[-2]


_CELLS = st.none() | st.integers() | st.floats() | st.booleans() | st.floats().map(
    _np.float64) | st.integers(-9, 9).map(_np.int64) | st.text(
    st.sampled_from(list(',"\r\n \t\'=x一') + ["\u2028", "\x00"]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.integers(2, 4).flatmap(lambda width: st.lists(
    st.lists(_CELLS, min_size=width, max_size=width), max_size=5)))
def test_csv_columns_are_what_csv_writer_writes(rows):
    import csv
    import io

    from topics.render.tables import _csv_column, _csv_rows

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    columns = [_csv_column(list(column)) for column in zip(*rows, strict=True)]
    assert _csv_rows(columns) == buffer.getvalue()
