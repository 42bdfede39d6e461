"""The classify page's colours and parts that need no browser (the browser: test_outputs.py)."""

import itertools

import numpy as np
import pytest

from topics.pipeline.model import UnitResult, theme_profile
from topics.render.html import (
    FREE_COLORS,
    report_topics_table,
    results_html,
    theme_colors,
    tint,
    topic_colors,
)

#: Machado et al. (2009) simulation matrices (severity 1), for linear RGB.
_VISION = {
    "normal": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _linear(color):
    c = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / np.array([0.95047, 1, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _contrast(a, b):
    la, lb = (float(np.array([0.2126, 0.7152, 0.0722]) @ _linear(c)) for c in (a, b))
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


@pytest.mark.parametrize("vision", sorted(_VISION))
def test_theme_colours_can_be_told_apart(taxonomy, vision):
    """Every two themes' colours differ by ΔE*ab ≥ 12, also as colour-blind people see them."""
    colors = theme_colors(taxonomy)
    assert len(set(colors.values())) == len(taxonomy.ids)
    seen = {t: _lab(np.clip(_VISION[vision] @ _linear(c), 0, 1)) for t, c in colors.items()}
    worst = min((float(np.linalg.norm(seen[a] - seen[b])), a, b)
                for a, b in itertools.combinations(seen, 2))
    assert worst[0] >= 12, worst


@pytest.mark.parametrize("vision", sorted(_VISION))
def test_free_topics_have_colours_of_their_own(taxonomy, vision):
    """On the topic map a free topic's colour is no theme's nor another free topic's (ΔE ≥ 12)."""
    def seen(color):
        return _lab(np.clip(_VISION[vision] @ _linear(color), 0, 1))

    themes = [seen(c) for c in theme_colors(taxonomy).values()]
    for color in FREE_COLORS:
        assert min(float(np.linalg.norm(seen(color) - t)) for t in themes) >= 12, color
    for a, b in itertools.combinations(FREE_COLORS, 2):
        assert float(np.linalg.norm(seen(a) - seen(b))) >= 12, (a, b)


def test_topic_colours_follow_themes_then_free_colours(taxonomy):
    colors = theme_colors(taxonomy)
    assert topic_colors(["reform", None, "political", None], taxonomy) == [
        colors["reform"], FREE_COLORS[0], colors["political"], FREE_COLORS[1]]


def test_highlights_can_be_told_apart(taxonomy):
    """The tints behind sentences differ by ΔE*ab ≥ 10 (the underline has the full colour)."""
    tints = [_lab(_linear(tint(c))) for c in theme_colors(taxonomy).values()]
    assert min(float(np.linalg.norm(a - b)) for a, b in itertools.combinations(tints, 2)) >= 10


def test_text_is_readable_on_every_highlight(taxonomy):
    """The page's text colour (#222) on each theme's tint: WCAG AAA (7:1)."""
    for color in theme_colors(taxonomy).values():
        assert _contrast("#222222", tint(color)) >= 7, color


def test_the_fallback_theme_is_grey(taxonomy):
    r, g, b = (int(theme_colors(taxonomy)[taxonomy.fallback][i:i + 2], 16) for i in (1, 3, 5))
    assert r == g == b


def _result(index, theme, topic, paragraph):
    return UnitResult("r.txt", index, f"句子{index}。", theme, 0.9, {theme: 0.9}, [], topic,
                      None, paragraph=paragraph)


def test_page_has_paragraphs_and_this_reports_topics(taxonomy):
    results = [_result(0, "political", 3, 0), _result(1, "talent", 3, 0),
               _result(2, "political", 5, 1), _result(3, "other", 3, None),
               _result(4, "other", 3, None)]
    summary = [{"id": k, "theme": None, "coherence": {}, "words": [(f"词{k}", 0.1)]}
               for k in range(8)]
    page = results_html([("r.txt", results, theme_profile(results, taxonomy.ids))], taxonomy,
                        summary)
    assert page.count('<p class="para') == 4  # two paragraphs, then a unit alone each
    assert 'id="overview"' not in page  # one report: no overview
    table = report_topics_table(results, summary, taxonomy)
    rows = table.split("<tr>")[2:]
    assert [row.split("</td>")[0] for row in rows] == ['<td class="num">3', '<td class="num">5']
    assert "80.0%" in rows[0] and "词3" in rows[0]
    two = results_html([("a", results, theme_profile(results, taxonomy.ids)),
                        ("b", results[:2], theme_profile(results[:2], taxonomy.ids))],
                       taxonomy, summary)
    assert 'id="overview"' in two and 'href="#report-1"' in two and 'id="report-1"' in two
