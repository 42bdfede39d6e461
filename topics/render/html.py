"""Self-contained HTML pages: labelled reports, comparisons and the topic model (no network)."""

from __future__ import annotations

import functools
import json
from collections import Counter
from html import escape

from ..pipeline.inputs import GENERATOR
from ..pipeline.model import ThemeProfile, UnitResult
from ..taxonomy import Taxonomy
from .records import evidence_terms, unit_fields
from .tables import headed_sections, section_name

#: Okabe & Ito's colour-blind-safe colours, then more for bigger taxonomies; the fallback
#: theme (no theme) is always light grey. Distinct in normal vision and simulated colour
#: blindness; dark text stays readable on their tints (see tests/render/test_html.py).
PALETTE = ("#D55E00", "#0072B2", "#CC79A7", "#E69F00", "#56B4E9", "#009E73", "#F0E442",
           "#000000", "#8C564B", "#7F3C8D")
#: The colour of the fallback theme.
FALLBACK_COLOR = "#BBBBBB"
#: Opacity of a theme's colour behind a sentence's text (the underline is opaque).
TINT_ALPHA = 0.45


_STYLE = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
"WenQuanYi Zen Hei",sans-serif;margin:0 auto;max-width:1100px;padding:0 1.2em 3em;color:#222;
line-height:1.9}
header{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:.6em 0;z-index:2}
h1{font-size:1.4em;margin:.3em 0}h2{font-size:1.2em;margin-top:2em;border-bottom:2px solid #eee}
.legend span{display:inline-block;margin:0 .8em .2em 0;font-size:.9em}
.swatch{display:inline-block;width:.9em;height:.9em;border-radius:2px;margin-right:.3em;
vertical-align:-.1em}
.u{border-radius:3px;padding:.1em 0;cursor:help}
.u.heading{font-weight:bold}
p.para{margin:.2em 0 .7em}p.para.h{margin-top:1em}
.u.hidden,p.para.hidden{display:none}
.filtered p.para{margin:.2em 0}
.filtered .u.gap::before{content:"⋯";display:block;color:#888;text-align:center;
letter-spacing:.3em}
section.report,#overview{scroll-margin-top:13em}
figure{margin:.5em 0}svg text{font-size:15px;fill:#222}svg text.en{font-size:12px;fill:#666}
table.overview td.bar{padding:.25em .4em}table.overview th{white-space:nowrap}
details{margin:.4em 0 1.2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
td,th{border:1px solid #ddd;padding:.25em .6em;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.theme-name{white-space:nowrap}
.muted{color:#777;font-size:.9em}
table.sections caption{text-align:left;font-weight:bold;padding:.2em 0}
td.section-name{max-width:22em}
section,h2,h3{scroll-margin-top:6em}
"""

_FILTER_SCRIPT = """
(function(){
  var select=document.getElementById('theme-filter');
  var count=document.getElementById('shown-count');
  function apply(){
    var want=select.value, shown=0;
    document.body.classList.toggle('filtered',want!=='');
    document.querySelectorAll('.report .text').forEach(function(text){
      var before=false, skipped=false;  // a unit shown before; one hidden since
      text.querySelectorAll('p.para').forEach(function(p){
        var any=false;
        p.querySelectorAll('.u').forEach(function(el){
          var hide=want!=='' && el.dataset.theme!==want;
          el.classList.toggle('hidden',hide);
          el.classList.toggle('gap',!hide && before && skipped);
          if(hide){skipped=true;}else{shown++;any=true;before=true;skipped=false;}
        });
        p.classList.toggle('hidden',!any);
      });
    });
    count.textContent=shown;
  }
  select.addEventListener('change',apply);
  var hash=decodeURIComponent(location.hash.replace(/^#theme=/,''));
  if(hash && select.querySelector('option[value="'+hash+'"]')){select.value=hash;}
  apply();
})();
"""


def theme_colors(taxonomy: Taxonomy) -> dict[str, str]:
    """A stable colour per theme, in taxonomy order; light grey for the fallback theme."""
    others = [t for t in taxonomy.ids if t != taxonomy.fallback]
    colors = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(others)}
    return {t: colors.get(t, FALLBACK_COLOR) for t in taxonomy.ids}


@functools.lru_cache(maxsize=256)  # a page tints every unit with one of a few colours
def tint(color: str, alpha: float = TINT_ALPHA) -> str:
    """``color`` (``#RRGGBB``) at ``alpha`` over white, as an opaque ``#rrggbb``."""
    rgb = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(alpha * c + (1 - alpha) * 255):02x}" for c in rgb)


def _page(title: str, body: str, script: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<meta name="generator" content="{GENERATOR}">'
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"{body}<script>{script}</script></body></html>\n")


def _legend(taxonomy: Taxonomy, colors: dict[str, str]) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i class="swatch" style="background:{colors[t.id]}"></i>{escape(t.name_zh)} '
        f'<span class="muted">{escape(t.id)}</span></span>' for t in taxonomy.themes) + "</div>"


def profile_chart(profile: ThemeProfile, taxonomy: Taxonomy, colors: dict[str, str],
                  width: int = 760) -> str:
    """A horizontal bar chart (inline SVG) of a report's theme shares, names in two languages."""
    row, label_w = 34, 170
    bar_w = width - label_w - 110
    rows = []
    for i, theme in enumerate(taxonomy.themes):
        share = profile.shares.get(theme.id, 0.0)
        count = profile.counts.get(theme.id, 0)
        y = i * row
        rows.append(
            f'<text x="0" y="{y + 21}">{escape(theme.name_zh)}</text>'
            f'<text class="en" x="{label_w - 8}" y="{y + 21}" text-anchor="end">'
            f"{escape(theme.id)}</text>"
            f'<rect class="bar" data-theme="{theme.id}" x="{label_w}" y="{y + 5}" '
            f'width="{max(share * bar_w, 0.5):.1f}" height="22" fill="{colors[theme.id]}">'
            f"<title>{escape(theme.name_zh)} {count} ({share:.1%})</title></rect>"
            f'<text x="{label_w + share * bar_w + 8:.1f}" y="{y + 21}">'
            f"{share:.1%} ({count})</text>")
    height = row * len(taxonomy.themes)
    return (f'<figure><svg class="chart" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{"".join(rows)}</svg></figure>')


def stacked_bar(profile: ThemeProfile, taxonomy: Taxonomy, colors: dict[str, str],
                width: int = 240) -> str:
    """A report's profile as one thin bar, each theme a segment as wide as its share."""
    parts, x = [], 0.0
    for theme in taxonomy.themes:
        share = profile.shares.get(theme.id, 0.0)
        if share > 0:
            parts.append(f'<rect class="seg" data-theme="{theme.id}" x="{x:.2f}" y="0" '
                         f'width="{share * width:.2f}" height="16" fill="{colors[theme.id]}">'
                         f"<title>{escape(theme.name_zh)} {share:.1%}</title></rect>")
            x += share * width
    return (f'<svg class="stack" width="{width}" height="16" viewBox="0 0 {width} 16">'
            f'{"".join(parts)}</svg>')


def section_profile_table(results: list[UnitResult], taxonomy: Taxonomy,
                          colors: dict[str, str]) -> str:
    """A report's theme shares per top-level section ("" for a report without headings).

    A row per section, a cell per theme shaded in the theme's colour by its share.
    """
    sections = headed_sections(results, taxonomy.ids)
    if not sections:
        return ""
    head = "".join(f"<th>{escape(t.name_zh)}</th>" for t in taxonomy.themes)
    rows = []
    for section, profile in sections:
        cells = "".join(
            f'<td class="num" data-theme="{t}" style="background:{colors[t]}'
            f'{round(255 * 0.6 * profile.shares[t]):02x}">{profile.shares[t]:.0%}</td>'
            for t in taxonomy.ids)
        rows.append(f'<tr><td class="section-name">{escape(section_name(section))}</td>'
                    f'<td class="num">{profile.total}</td>{cells}</tr>')
    return (f'<table class="sections"><caption>各部分主题占比 Theme shares by section'
            f'</caption><tr><th>部分 section</th><th>句数</th>{head}</tr>{"".join(rows)}</table>')


def _unit_span(result: UnitResult, taxonomy: Taxonomy, colors: dict[str, str]) -> str:
    theme_id, confidence, heading, text = unit_fields(result, "theme", "confidence", "heading",
                                                      "text")
    theme = taxonomy[theme_id] if theme_id in taxonomy.ids else None
    name = theme.name_zh if theme else theme_id
    evidence = evidence_terms(result, "，")
    tip = f"{name} {theme_id} · 置信度 {confidence:.2f}"
    if evidence:
        tip += f" · 依据：{evidence}"
    cls = "u heading" if heading else "u"
    color = colors.get(theme_id, "#999999")
    return (f'<span class="{cls}" data-theme="{escape(theme_id)}" '
            f'data-confidence="{confidence:.4f}" title="{escape(tip)}" '
            f'style="background:{tint(color)};box-shadow:inset 0 -3px {color}">'
            f"{escape(text)}</span>")


def topics_table(topic_summary: list[dict], taxonomy: Taxonomy) -> str:
    """Topic word lists with each topic's theme and coherence."""
    rows = []
    for topic in topic_summary:
        theme = topic["theme"]
        name = taxonomy[theme].name_zh if theme in taxonomy.ids else "自由话题 free"
        coherence = topic.get("coherence", {})
        rows.append(f'<tr><td class="num">{topic["id"]}</td><td>{escape(name)}</td>'
                    f'<td class="num">{coherence.get("c_v")}</td>'
                    f'<td>{escape(" ".join(w for w, _ in topic["words"]))}</td></tr>')
    return ('<table class="topics"><tr><th>主题</th><th>对应主题类别</th><th>c_v</th>'
            f'<th>主题词</th></tr>{"".join(rows)}</table>')


def _paragraphs(results: list[UnitResult], taxonomy: Taxonomy, colors: dict[str, str]) -> str:
    """The units as the report's paragraphs (``<p class="para">``).

    A unit whose paragraph is not known (units given as JSON Lines) is a paragraph alone.
    """
    parts, current = [], object()
    for r in results:
        if r.paragraph is None or r.paragraph != current:
            if parts:
                parts.append("</p>")
            parts.append('<p class="para h">' if r.is_heading else '<p class="para">')
            current = r.paragraph
        parts.append(_unit_span(r, taxonomy, colors))
    if parts:
        parts.append("</p>")
    return "".join(parts)


def report_topics_table(results: list[UnitResult], topic_summary: list[dict],
                        taxonomy: Taxonomy, n_topics: int = 5) -> str:
    """The LDA topics most of a report's units fall under, with their share and words."""
    counts = Counter(r.topic for r in results if r.topic is not None)
    if not counts:
        return ""
    summary = {topic["id"]: topic for topic in topic_summary}
    rows = []
    for topic, count in counts.most_common(n_topics):
        info = summary.get(topic, {"theme": None, "words": []})
        theme = info["theme"]
        name = taxonomy[theme].name_zh if theme in taxonomy.ids else "自由话题 free"
        rows.append(f'<tr><td class="num">{topic}</td><td class="num">{count}</td>'
                    f'<td class="num">{count / len(results):.1%}</td><td>{escape(name)}</td>'
                    f'<td>{escape(" ".join(w for w, _ in info["words"]))}</td></tr>')
    return ('<details><summary>本报告的主要话题 Main topics of this report (LDA)</summary>'
            '<p class="muted">每句归入其最可能的 LDA 话题；此处列出句数最多的话题及其主题词。'
            " Each sentence's most likely LDA topic; the topics most sentences fall under.</p>"
            '<table class="report-topics"><tr><th>话题 topic</th><th>句数 units</th>'
            "<th>占比 share</th><th>对应主题类别 theme</th><th>主题词 words</th></tr>"
            f'{"".join(rows)}</table></details>')


def overview(reports: list[tuple[str, list[UnitResult], ThemeProfile]], taxonomy: Taxonomy,
             colors: dict[str, str]) -> str:
    """For several reports: their overall profile, then a table of reports linking to each."""
    counts = {t: sum(p.counts.get(t, 0) for _, _, p in reports) for t in taxonomy.ids}
    corpus = ThemeProfile(counts, sum(p.total for _, _, p in reports))
    head = "".join(f"<th>{escape(t.name_zh)}<br><span class='muted'>{escape(t.id)}</span></th>"
                   for t in taxonomy.themes)
    rows = []
    for i, (name, _, profile) in enumerate(reports):
        shares = "".join(f'<td class="num">{profile.shares.get(t, 0.0):.1%}</td>'
                         for t in taxonomy.ids)
        rows.append(f'<tr><td><a href="#report-{i}">{escape(name)}</a></td>'
                    f'<td class="num">{profile.total}</td>'
                    f'<td class="bar">{stacked_bar(profile, taxonomy, colors)}</td>{shares}</tr>')
    return (f'<section id="overview"><h2>总览 Overview: {len(reports)} 份报告 reports, '
            f"{corpus.total} 句 units</h2>"
            f"<h3>全部报告的主题占比 Profile of all reports</h3>"
            f"{profile_chart(corpus, taxonomy, colors)}"
            f'<h3>各报告 Reports</h3><table class="overview"><tr><th>报告 report</th>'
            f"<th>句数 units</th><th>主题构成 profile</th>{head}</tr>{''.join(rows)}</table>"
            "</section>")


def failed_section(failed: list[tuple[str, str]]) -> str:
    """A section listing the inputs that could not be read (none: no section)."""
    if not failed:
        return ""
    rows = "".join(f"<tr><td>{escape(name)}</td><td>{escape(reason)}</td></tr>"
                   for name, reason in failed)
    return (f'<section class="failed"><h2>未能读取的文件 Inputs not read ({len(failed)})</h2>'
            f"<table><tr><th>文件 file</th><th>原因 reason</th></tr>{rows}</table></section>")


def results_html(reports: list[tuple[str, list[UnitResult], ThemeProfile]], taxonomy: Taxonomy,
                 topic_summary: list[dict], title: str = "主题分析 topics",
                 failed: list[tuple[str, str]] = ()) -> str:
    """One page: per report its profile chart and its text with every unit highlighted.

    Several reports start with an :func:`overview`. The text keeps the report's paragraphs;
    the theme filter leaves a ⋯ where sentences were left out between two shown ones. The
    inputs that could not be read (``failed``: ``(name, reason)`` each) are listed after the
    reports.
    """
    colors = theme_colors(taxonomy)
    options = "".join(f'<option value="{t.id}">{escape(t.name_zh)} {t.id}</option>'
                      for t in taxonomy.themes)
    total = sum(len(results) for _, results, _ in reports)
    parts = [f"<header><h1>{escape(title)}</h1>"
             f'<label>按主题筛选 Filter: <select id="theme-filter"><option value="">全部 all'
             f"</option>{options}</select></label> "
             f'<span class="muted">显示 <b id="shown-count">{total}</b> / {total} 句</span>'
             f"{_legend(taxonomy, colors)}</header>"]
    if len(reports) > 1:
        parts.append(overview(reports, taxonomy, colors))
    for i, (name, results, profile) in enumerate(reports):
        parts.append(f'<section class="report" id="report-{i}" data-report="{escape(name)}">'
                     f"<h2>{escape(name)} <span class='muted'>({profile.total} 句 units)</span>"
                     f"</h2>{profile_chart(profile, taxonomy, colors)}"
                     f"{section_profile_table(results, taxonomy, colors)}"
                     f"{report_topics_table(results, topic_summary, taxonomy)}"
                     f'<div class="text">{_paragraphs(results, taxonomy, colors)}</div>'
                     "</section>")
    parts.append(failed_section(failed))
    parts.append("<section><h2>模型的全部话题 All topics of the model</h2>"
                 '<p class="muted">主题模型（LDA）在训练语料上学到的全部话题，不是上面报告的统计；'
                 "“对应主题类别”是以其线索词为该话题播种的主题类别（自由话题没有）。"
                 "The topic model's topics, learnt from the training reports (not counted in "
                 "the reports above), each with the theme whose cue words seeded it (none for a "
                 "free topic) and its coherence (c_v). Each report's own main topics are "
                 "above, under its chart.</p>"
                 f"{topics_table(topic_summary, taxonomy)}</section>")
    return _page(title, "".join(parts), _FILTER_SCRIPT)


#: Colours of the compared reports (Okabe-Ito, safe for colour-blind readers; no red/green
#: pair, so no difference looks good or bad).
REPORT_COLORS = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#999999", "#F0E442", "#000000")


def report_colors(names: list[str]) -> dict[str, str]:
    """A colour per compared report, in order."""
    return {n: REPORT_COLORS[i % len(REPORT_COLORS)] for i, n in enumerate(names)}


def _theme_label(theme) -> str:
    return (f"{escape(theme.name_zh)} "
            f'<tspan fill="#777">{escape(theme.id)}</tspan>')


#: Height of a report's bar in the comparison charts, the gap between themes, and the
#: width of the theme labels.
_BAR, _GAP, _LABEL_W = 15, 10, 170


def _report_bars(taxonomy: Taxonomy, names: list[str], bar, css: str, width: int,
                 extra=None) -> str:
    """A comparison chart: per theme its label, then ``bar(theme, name, top)`` per report.

    ``extra`` is drawn after the bars (given the chart's height); the chart is an inline
    SVG of class ``css``.
    """
    rows, y = [], 0
    for theme in taxonomy.themes:
        rows.append(f'<text x="0" y="{y + _BAR * len(names) / 2 + 5:.1f}">'
                    f"{_theme_label(theme)}</text>")
        rows.extend(bar(theme, name, y + i * _BAR) for i, name in enumerate(names))
        y += _BAR * len(names) + _GAP
    if extra is not None:
        rows.append(extra(y))
    return (f'<figure><svg class="{css}" role="img" width="{width}" height="{y}" '
            f'viewBox="0 0 {width} {y}">{"".join(rows)}</svg></figure>')


def grouped_chart(shares: dict[str, dict[str, float]], names: list[str], taxonomy: Taxonomy,
                  colors: dict[str, str], width: int = 720) -> str:
    """Theme shares of several reports side by side: per theme a bar for each report."""
    bar_w = width - _LABEL_W - 70
    top = max(shares[n].get(t, 0.0) for n in names for t in taxonomy.ids) or 1.0

    def bar(theme, name: str, y: int) -> str:
        share = shares[name].get(theme.id, 0.0)
        length = share / top * bar_w
        return (f'<rect class="bar-group" data-theme="{theme.id}" data-report="{escape(name)}" '
                f'data-share="{share:.6f}" x="{_LABEL_W}" y="{y}" '
                f'width="{max(length, 0.5):.2f}" height="{_BAR - 2}" fill="{colors[name]}">'
                f"<title>{escape(name)} · {escape(theme.name_zh)} {share:.1%}</title></rect>"
                f'<text x="{_LABEL_W + length + 5:.1f}" y="{y + _BAR - 4}" '
                f'font-size="11">{share:.1%}</text>')

    return _report_bars(taxonomy, names, bar, "grouped", width)


def difference_chart(differences: dict[str, dict[str, float]], names: list[str],
                     taxonomy: Taxonomy, colors: dict[str, str], width: int = 720) -> str:
    """Each report's difference from the first, in percentage points, around a zero line.

    Bars are in the report's colour whichever their sign: more is not better, nor less.
    """
    others = names[1:]
    half = (width - _LABEL_W - 100) / 2
    zero = _LABEL_W + 50 + half
    top = max((abs(differences[n].get(t, 0.0)) for n in others for t in taxonomy.ids),
              default=0.0) or 1.0

    def bar(theme, name: str, y: int) -> str:
        d = differences[name].get(theme.id, 0.0)
        length = abs(d) / top * half
        x = zero if d >= 0 else zero - length
        label_x = zero + length + 5 if d >= 0 else zero - length - 5
        anchor = "start" if d >= 0 else "end"
        return (f'<rect class="diff-bar" data-theme="{theme.id}" data-report="{escape(name)}" '
                f'data-difference="{d:.1f}" x="{x:.2f}" y="{y}" '
                f'width="{max(length, 0.5):.2f}" height="{_BAR - 2}" fill="{colors[name]}">'
                f"<title>{escape(name)} − {escape(names[0])} · {escape(theme.name_zh)} "
                f"{d:+.1f} pp</title></rect>"
                f'<text x="{label_x:.1f}" y="{y + _BAR - 4}" font-size="11" '
                f'text-anchor="{anchor}">{d:+.1f}</text>')

    def zero_line(height: int) -> str:
        return (f'<line class="zero" x1="{zero:.2f}" x2="{zero:.2f}" y1="0" y2="{height}" '
                f'stroke="#333" stroke-width="1"/>')

    return _report_bars(taxonomy, others, bar, "difference", width, zero_line)


def _report_legend(names: list[str], colors: dict[str, str], sources: dict[str, str]) -> str:
    items = []
    for name in names:
        source = sources.get(name, name)
        note = f' <span class="muted">{escape(source)}</span>' if source != name else ""
        items.append(f'<span><i class="swatch" style="background:{colors[name]}"></i>'
                     f"{escape(name)}{note}</span>")
    return '<div class="legend reports">' + "".join(items) + "</div>"


def _shares_table(shares, differences, profiles, names: list[str], taxonomy: Taxonomy,
                  headings: dict[str, str] | None = None) -> str:
    """Shares (%) side by side and differences (pp) from the first; plain text colour."""
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    diff_head = "".join(f"<th>{escape(n)} − {escape(names[0])}</th>" for n in names[1:])
    rows = []
    if headings is not None:
        rows.append('<tr class="headings"><td class="theme-name">标题 heading</td>'
                    + "".join(f"<td>{escape(headings[n]) or '—'}</td>" for n in names)
                    + "<td></td>" * (len(names) - 1) + "</tr>")
    rows.append('<tr class="units"><td class="theme-name">句数 units</td>'
                + "".join(f'<td class="num">{profiles[n].total}</td>' for n in names)
                + "<td></td>" * (len(names) - 1) + "</tr>")
    for theme in taxonomy.themes:
        cells = "".join(f'<td class="num share">{shares[n][theme.id]:.1%}</td>' for n in names)
        diffs = "".join(f'<td class="num diff">{differences[n][theme.id]:+.1f}</td>'
                        for n in names[1:])
        rows.append(f'<tr><td class="theme-name">{escape(theme.name_zh)} '
                    f'<span class="muted">{escape(theme.id)}</span></td>{cells}{diffs}</tr>')
    return (f'<table class="shares"><tr><th class="theme-name">主题 theme</th>{head}{diff_head}'
            f"</tr>{''.join(rows)}</table>")


def comparison_html(comparison, taxonomy: Taxonomy, title: str = "报告比较 compare",
                    failed: list[tuple[str, str]] = ()) -> str:
    """The comparison page: shares, differences, sections and typical sentences.

    The inputs that could not be read (``failed``: ``(name, reason)`` each) are listed last.

    Theme shares side by side (a grouped bar chart), differences from the first report (a
    chart around zero), per section when compared so, and each report's typical sentences.
    """
    colors = report_colors(comparison.names)
    names = comparison.names
    one = len(names) == 1
    parts = [f"<header><h1>{escape(title)}</h1>"
             f"{_report_legend(names, colors, comparison.sources)}</header>",
             "<h2>主题占比 Theme shares</h2>",
             grouped_chart(comparison.shares, names, taxonomy, colors)]
    if not one:
        parts += [f"<h2>与 {escape(names[0])} 的差值 Difference from {escape(names[0])} "
                  "(百分点 percentage points)</h2>",
                  difference_chart(comparison.differences, names, taxonomy, colors)]
    parts.append(_shares_table(comparison.shares, comparison.differences, comparison.profiles,
                               names, taxonomy))
    if comparison.sections:
        parts.append('<h2>各部分比较 By section <span class="muted">(按顺序对应：第一部分对'
                     "第一部分 matched by position)</span></h2>")
        for section in comparison.sections:
            label = "开头 opening" if section.position == 0 else f"第 {section.position} 部分"
            parts.append(f'<section class="section" data-position="{section.position}">'
                         f"<h3>{escape(label)}</h3>"
                         + grouped_chart(section.shares, names, taxonomy, colors, width=620)
                         + _shares_table(section.shares, section.differences, section.profiles,
                                         names, taxonomy, section.headings)
                         + "</section>")
    typical = []
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    for theme in taxonomy.themes:
        cells = "".join(
            "<td>" + "".join(f"<p>{escape(r.text)} <span class='muted'>{r.confidence:.2f}"
                             f"</span></p>" for r in comparison.typical[n][theme.id]) + "</td>"
            for n in names)
        typical.append(f'<tr><td class="theme-name">{escape(theme.name_zh)}</td>{cells}</tr>')
    parts.append(f"<h2>典型句子 Typical sentences</h2><table><tr><th>主题</th>{head}</tr>"
                 f"{''.join(typical)}</table>")
    return _page(title, "".join(parts) + failed_section(failed))


#: Colours of the free topics (tied to no theme): none of the themes' colours (see
#: tests/render/test_html.py); a free topic's circle also has a dashed outline.
FREE_COLORS = ("#8C564B", "#332288", "#999933", "#882255")


def topic_colors(topic_themes: list[str | None], taxonomy: Taxonomy) -> list[str]:
    """A colour per topic: its theme's, or for a free topic one of :data:`FREE_COLORS`."""
    colors = theme_colors(taxonomy)
    out, n_free = [], 0
    for theme in topic_themes:
        if theme in colors:
            out.append(colors[theme])
        else:
            out.append(FREE_COLORS[n_free % len(FREE_COLORS)])
            n_free += 1
    return out


def topic_model_html(view: dict, taxonomy: Taxonomy, title: str = "主题模型 topic model") -> str:
    """An interactive view of the topic model: a map of topics and each topic's words.

    ``view`` is :func:`topics.topic.view.topic_view` output. Picking a topic (on the
    map, or in the list beside it) shows its words ranked by relevance
    (λ·log p(w|t) + (1−λ)·log lift, as in LDAvis), each bar as long as
    exp(relevance) so that the bars shrink down the list; the slider sets λ.
    """
    colors = theme_colors(taxonomy)
    names = {t.id: t.name_zh for t in taxonomy.themes}
    themes = [t["theme"] for t in view["topics"]]
    data = json.dumps({"view": view, "colors": topic_colors(themes, taxonomy), "names": names},
                      ensure_ascii=False)
    free_legend = "".join(
        f'<span><i class="swatch" style="background:{c};outline:1px dashed #333"></i>'
        f"自由话题 {i} free topic</span>"
        for i, (t, c) in enumerate(zip(themes, topic_colors(themes, taxonomy), strict=True))
        if t not in colors)
    options = "".join(
        f'<option value="{i}">{i} · '
        f'{escape(names[t] + " " + t if t in names else "自由话题 free")}</option>'
        for i, t in enumerate(themes))
    body = (f"<header><h1>{escape(title)}</h1>{_legend(taxonomy, colors)}"
            f'<div class="legend">{free_legend}</div></header>'
            '<div style="display:flex;gap:2em;flex-wrap:wrap">'
            '<div style="width:422px"><h2>主题分布图 Topic map</h2>'
            '<svg id="map" width="420" height="420" '
            'viewBox="0 0 420 420" style="border:1px solid #ddd"></svg>'
            '<p class="muted">圆面积 = 话题在语料中的比重；圆心相近 = 用词相近'
            "（圆已错开，互不遮挡）。"
            "点击圆或在列表中选择话题。<br>Circle area: the topic's share of the corpus; near "
            "circles use similar words (moved apart so that none covers another).</p>"
            '<label>话题 topic: <select id="topic-pick">' + options + "</select></label></div>"
            '<div style="flex:1;min-width:380px"><h2 id="topic-title">主题词</h2>'
            '<label>λ <input id="lambda" type="range" min="0" max="1" step="0.1" value="0.6">'
            ' <span id="lambda-value">0.6</span></label>'
            '<p id="lambda-help" class="muted">λ = 1：按词在本话题中的概率 p(w|t) 排序；'
            "λ = 0：按本话题特有程度 p(w|t)/p(w) 排序；条长 = p(w|t)<sup>λ</sup>·"
            "(p(w|t)/p(w))<sup>1−λ</sup>. λ = 1 ranks words by their probability in the "
            "topic, λ = 0 by how much more often they occur in it than in the corpus.</p>"
            '<svg id="words" width="560" height="420"></svg></div></div>'
            f"<h2>全部主题 All topics</h2>{topics_table(view['summary'], taxonomy)}")
    script = f"var DATA={data};" + _TOPIC_SCRIPT
    return _page(title, body, script)


_TOPIC_SCRIPT = """
(function(){
  var v=DATA.view, ns='http://www.w3.org/2000/svg', current=0;
  var pick=document.getElementById('topic-pick');
  function el(name,attrs,text){var e=document.createElementNS(ns,name);
    for(var k in attrs){e.setAttribute(k,attrs[k]);} if(text!==undefined){e.textContent=text;}
    return e;}
  function color(i){return DATA.colors[i];}
  function select(i){current=i;pick.value=String(i);drawMap();drawWords();}
  function drawMap(){
    var map=document.getElementById('map'); map.innerHTML='';
    v.topics.forEach(function(t,i){
      var c=el('circle',{cx:t.x,cy:t.y,r:t.r,fill:color(i),'fill-opacity':i===current?0.85:0.45,
        stroke:'#333','stroke-width':i===current?2.5:0.8,'class':'topic','data-topic':i,
        'data-theme':t.theme||'free'});
      if(!t.theme){c.setAttribute('stroke-dasharray','4 3');}
      c.addEventListener('click',function(){select(i);});
      c.appendChild(el('title',{},
        'topic '+i+(t.theme?' · '+DATA.names[t.theme]+' '+t.theme:' · free')));
      map.appendChild(c);
      map.appendChild(el('text',{x:t.x,y:t.y+5,'text-anchor':'middle','pointer-events':'none'},
        String(i)));
    });
  }
  function drawWords(){
    var lam=parseFloat(document.getElementById('lambda').value);
    document.getElementById('lambda-value').textContent=lam.toFixed(1);
    var t=v.topics[current];
    document.getElementById('topic-title').textContent='主题 '+current+' · '+
      (t.theme?DATA.names[t.theme]+' '+t.theme:'自由话题 free');
    var words=t.words.map(function(w){
      return {w:w[0],p:w[1],rel:lam*Math.log(w[1])+(1-lam)*Math.log(w[1]/w[2])};});
    words.sort(function(a,b){return b.rel-a.rel;});
    words=words.slice(0,15);
    var svg=document.getElementById('words'); svg.innerHTML='';
    var top=words.length?words[0].rel:0;
    words.forEach(function(w,i){
      var y=i*27+4, len=Math.max(1,Math.exp(w.rel-top)*300);
      svg.appendChild(el('text',{x:0,y:y+15},w.w));
      var bar=el('rect',{x:120,y:y,width:len,height:18,fill:color(current),'class':'word-bar',
        'data-word':w.w,'data-relevance':w.rel});
      bar.appendChild(el('title',{},w.w+' · p(w|t) '+(w.p*100).toFixed(2)+'%'));
      svg.appendChild(bar);
      svg.appendChild(el('text',{x:126+len,y:y+15,'class':'en'},'p '+(w.p*100).toFixed(1)+'%'));
    });
  }
  document.getElementById('lambda').addEventListener('input',drawWords);
  pick.addEventListener('change',function(){select(parseInt(pick.value,10));});
  drawMap(); drawWords();
})();
"""
