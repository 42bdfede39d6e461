"""Column names and per-section comparisons (topics.compare), without a model."""

import pytest

from topics.compare import column_names, compare_reports
from topics.pipeline.model import UnitResult


@pytest.mark.parametrize(("inputs", "names"), [
    (["2023/工作报告.txt", "2024/工作报告.txt"], ["2023", "2024"]),
    (["2023", "2024/"], ["2023", "2024"]),  # folders: their names
    (["/d/2023/final/r.txt", "/d/2024/final/r.txt"], ["2023", "2024"]),
    (["a/x.txt", "b/x.txt", "y.txt"], ["a", "b", "y.txt"]),
    (["r.txt", "a/r.txt"], ["r.txt", "a/r.txt"]),  # nothing left between: the paths
    (["r.txt", "./r.txt"], ["r.txt", "r.txt (2)"]),  # one file twice
    (["old.txt", "new.txt"], ["old.txt", "new.txt"]),
    (["-"], ["<stdin>"]),
])
def test_column_names_are_the_shortest_distinguishing_part(inputs, names):
    assert column_names(inputs) == names


def _result(report, index, theme, section=()):
    return UnitResult(report, index, "句子。", theme, 0.9, {}, None, None, None, section=section)


def test_sections_are_matched_by_position_and_pooled_over_a_folders_reports():
    one = [_result("a", 0, "other"), _result("a", 1, "political", ("一、政治",)),
           _result("a", 2, "political", ("一、政治",)), _result("a", 3, "talent", ("二、人才",))]
    # a folder of two reports: their first sections pooled, whatever their headings say
    two = [_result("b", 0, "talent", ("一、坚持政治引领",)), _result("b", 1, "reform", ("二、改革",)),
           _result("c", 0, "political", ("一、旗帜",))]
    comparison = compare_reports([("2023", one), ("2024", two)], ["political", "talent",
                                                                  "reform", "other"],
                                 by_section=True)
    positions = [s.position for s in comparison.sections]
    assert positions == [0, 1, 2]
    first = comparison.sections[1]
    assert first.headings == {"2023": "一、政治", "2024": "一、坚持政治引领"}
    assert first.profiles["2023"].counts["political"] == 2
    assert first.profiles["2024"].counts == {"political": 1, "talent": 1, "reform": 0, "other": 0}
    assert first.differences["2024"]["political"] == pytest.approx(100 * (0.5 - 1.0))
    opening = comparison.sections[0]
    assert opening.headings == {"2023": "", "2024": ""} and opening.profiles["2024"].total == 0


def test_one_report_is_its_profile_alone():
    comparison = compare_reports([("r", [_result("r", 0, "talent")])], ["talent", "other"])
    assert comparison.names == ["r"] and comparison.shares["r"] == {"talent": 1.0, "other": 0.0}
    assert comparison.differences["r"] == {"talent": 0.0, "other": 0.0}
