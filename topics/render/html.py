"""Self-contained HTML pages: labelled reports, comparisons and the topic model (no network)."""

from __future__ import annotations

import json
from html import escape

from ..pipeline.inputs import GENERATOR
from ..pipeline.model import ThemeProfile, UnitResult
from ..taxonomy import Taxonomy

PALETTE = ("#d62728", "#1f77b4", "#9467bd", "#ff7f0e", "#2ca02c", "#8c564b", "#17becf",
           "#7f7f7f", "#bcbd22", "#e377c2")

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
.u.heading{display:block;font-weight:bold;margin-top:.8em}
.u.hidden{display:none}
figure{margin:.5em 0}svg text{font-size:13px;fill:#333}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
td,th{border:1px solid #ddd;padding:.25em .6em;vertical-align:top;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pos{color:#1a7f37}.neg{color:#c62828}
.muted{color:#777;font-size:.9em}
"""

_FILTER_SCRIPT = """
(function(){
  var select=document.getElementById('theme-filter');
  var count=document.getElementById('shown-count');
  function apply(){
    var want=select.value, shown=0;
    document.querySelectorAll('.u').forEach(function(el){
      var hide=want!=='' && el.dataset.theme!==want;
      el.classList.toggle('hidden',hide);
      if(!hide){shown++;}
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
    """A stable colour per theme, in taxonomy order."""
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(taxonomy.ids)}


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
                  width: int = 520) -> str:
    """A horizontal bar chart (inline SVG) of a report's theme shares."""
    row, label_w, bar_w = 24, 110, width - 190
    rows = []
    for i, theme in enumerate(taxonomy.themes):
        share = profile.shares.get(theme.id, 0.0)
        y = i * row
        rows.append(
            f'<text x="0" y="{y + 16}">{escape(theme.name_zh)}</text>'
            f'<rect class="bar" data-theme="{theme.id}" x="{label_w}" y="{y + 4}" '
            f'width="{max(share * bar_w, 0.5):.1f}" height="16" fill="{colors[theme.id]}">'
            f"<title>{escape(theme.name_zh)} {profile.counts.get(theme.id, 0)} ({share:.1%})"
            f"</title></rect>"
            f'<text x="{label_w + share * bar_w + 6:.1f}" y="{y + 16}">'
            f"{share:.1%} ({profile.counts.get(theme.id, 0)})</text>")
    height = row * len(taxonomy.themes)
    return (f'<figure><svg class="chart" role="img" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{"".join(rows)}</svg></figure>')


def _unit_span(result: UnitResult, taxonomy: Taxonomy, colors: dict[str, str]) -> str:
    theme = taxonomy[result.theme] if result.theme in taxonomy.ids else None
    name = theme.name_zh if theme else result.theme
    evidence = "，".join(term for term, _ in result.evidence or ())
    tip = f"{name} {result.theme} · 置信度 {result.confidence:.2f}"
    if evidence:
        tip += f" · 依据：{evidence}"
    cls = "u heading" if result.is_heading else "u"
    color = colors.get(result.theme, "#999999")
    return (f'<span class="{cls}" data-theme="{escape(result.theme)}" '
            f'data-confidence="{result.confidence:.4f}" title="{escape(tip)}" '
            f'style="background:{color}33;box-shadow:inset 0 -2px {color}">'
            f"{escape(result.text)}</span>")


def topics_table(topic_summary: list[dict], taxonomy: Taxonomy) -> str:
    """Topic word lists with each topic's theme and coherence."""
    rows = []
    for topic in topic_summary:
        theme = topic["theme"]
        name = taxonomy[theme].name_zh if theme in taxonomy.ids else "自由主题 free"
        coherence = topic.get("coherence", {})
        rows.append(f'<tr><td class="num">{topic["id"]}</td><td>{escape(name)}</td>'
                    f'<td class="num">{coherence.get("c_v")}</td>'
                    f'<td>{escape(" ".join(w for w, _ in topic["words"]))}</td></tr>')
    return ('<table class="topics"><tr><th>主题</th><th>对应主题类别</th><th>c_v</th>'
            f'<th>主题词</th></tr>{"".join(rows)}</table>')


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

    The inputs that could not be read (``failed``: ``(name, reason)`` each) are listed
    after the reports.
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
    for name, results, profile in reports:
        parts.append(f'<section class="report" data-report="{escape(name)}">'
                     f"<h2>{escape(name)}</h2>{profile_chart(profile, taxonomy, colors)}"
                     f'<div class="text">')
        parts.extend(_unit_span(r, taxonomy, colors) for r in results)
        parts.append("</div></section>")
    parts.append(failed_section(failed))
    parts.append(f"<section><h2>主题词 Topic words</h2>{topics_table(topic_summary, taxonomy)}"
                 "</section>")
    return _page(title, "".join(parts), _FILTER_SCRIPT)


def comparison_html(comparison, taxonomy: Taxonomy, title: str = "报告比较 compare",
                    failed: list[tuple[str, str]] = ()) -> str:
    """Theme shares side by side, differences, and each report's typical sentences.

    The inputs that could not be read (``failed``: ``(name, reason)`` each) are listed last.
    """
    colors = theme_colors(taxonomy)
    names = comparison.names
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    diff_head = "".join(f"<th>{escape(n)} − {escape(names[0])}</th>" for n in names[1:])
    rows = []
    for theme in taxonomy.themes:
        shares = "".join(f'<td class="num">{comparison.shares[n][theme.id]:.1%}</td>'
                         for n in names)
        diffs = "".join(
            f'<td class="num {"pos" if d > 0 else "neg" if d < 0 else ""}">{d:+.1f}</td>'
            for d in (comparison.differences[n][theme.id] for n in names[1:]))
        rows.append(f'<tr><td><i class="swatch" style="background:{colors[theme.id]}"></i>'
                    f"{escape(theme.name_zh)}</td>{shares}{diffs}</tr>")
    charts = "".join(
        f"<h3>{escape(n)}</h3>{profile_chart(comparison.profiles[n], taxonomy, colors)}"
        for n in names)
    typical = []
    for theme in taxonomy.themes:
        cells = "".join(
            "<td>" + "".join(f"<p>{escape(r.text)} <span class='muted'>{r.confidence:.2f}"
                             f"</span></p>" for r in comparison.typical[n][theme.id]) + "</td>"
            for n in names)
        typical.append(f"<tr><td>{escape(theme.name_zh)}</td>{cells}</tr>")
    body = (f"<header><h1>{escape(title)}</h1>{_legend(taxonomy, colors)}</header>"
            f"<h2>主题占比 Theme shares (差值为百分点 pp)</h2><table><tr><th>主题</th>{head}"
            f"{diff_head}</tr>{''.join(rows)}</table>{charts}"
            f"<h2>典型句子 Typical sentences</h2><table><tr><th>主题</th>{head}</tr>"
            f"{''.join(typical)}</table>")
    return _page(title, body + failed_section(failed))


def topic_model_html(view: dict, taxonomy: Taxonomy, title: str = "主题模型 topic model") -> str:
    """An interactive view of the topic model: a map of topics and each topic's words.

    ``view`` is :func:`topics.topic.view.topic_view` output. Clicking a topic on the
    map shows its words ranked by relevance (λ·log p(w|t) + (1−λ)·log lift, as in
    LDAvis); the slider sets λ.
    """
    colors = theme_colors(taxonomy)
    names = {t.id: t.name_zh for t in taxonomy.themes}
    data = json.dumps({"view": view, "colors": colors, "names": names}, ensure_ascii=False)
    body = (f"<header><h1>{escape(title)}</h1>{_legend(taxonomy, colors)}</header>"
            '<div style="display:flex;gap:2em;flex-wrap:wrap">'
            '<div><h2>主题分布图 Topic map</h2><svg id="map" width="420" height="420" '
            'viewBox="0 0 420 420" style="border:1px solid #ddd"></svg>'
            '<p class="muted">圆面积 = 主题在语料中的比重；点击圆选择主题。</p></div>'
            '<div style="flex:1;min-width:380px"><h2 id="topic-title">主题词</h2>'
            '<label>λ <input id="lambda" type="range" min="0" max="1" step="0.1" value="0.6">'
            ' <span id="lambda-value">0.6</span></label>'
            '<svg id="words" width="520" height="420"></svg></div></div>'
            f"<h2>全部主题 All topics</h2>{topics_table(view['summary'], taxonomy)}")
    script = f"var DATA={data};" + _TOPIC_SCRIPT
    return _page(title, body, script)


_TOPIC_SCRIPT = """
(function(){
  var v=DATA.view, ns='http://www.w3.org/2000/svg', current=0;
  function el(name,attrs,text){var e=document.createElementNS(ns,name);
    for(var k in attrs){e.setAttribute(k,attrs[k]);} if(text!==undefined){e.textContent=text;}
    return e;}
  function color(t){return t.theme?DATA.colors[t.theme]:'#999';}
  function drawMap(){
    var map=document.getElementById('map'); map.innerHTML='';
    v.topics.forEach(function(t,i){
      var c=el('circle',{cx:t.x,cy:t.y,r:t.r,fill:color(t),'fill-opacity':i===current?0.85:0.45,
        stroke:'#333','stroke-width':i===current?2:0.5,'class':'topic','data-topic':i});
      c.addEventListener('click',function(){current=i;drawMap();drawWords();});
      c.appendChild(el('title',{},'topic '+i+(t.theme?' · '+DATA.names[t.theme]:' · free')));
      map.appendChild(c);
      map.appendChild(el('text',{x:t.x,y:t.y+4,'text-anchor':'middle','pointer-events':'none'},
        String(i)));
    });
  }
  function drawWords(){
    var lam=parseFloat(document.getElementById('lambda').value);
    document.getElementById('lambda-value').textContent=lam.toFixed(1);
    var t=v.topics[current];
    document.getElementById('topic-title').textContent='主题 '+current+' · '+
      (t.theme?DATA.names[t.theme]+' '+t.theme:'free');
    var words=t.words.map(function(w){
      return {w:w[0],p:w[1],rel:lam*Math.log(w[1])+(1-lam)*Math.log(w[1]/w[2])};});
    words.sort(function(a,b){return b.rel-a.rel;});
    words=words.slice(0,15);
    var svg=document.getElementById('words'); svg.innerHTML='';
    var max=Math.max.apply(null,words.map(function(w){return w.p;}));
    words.forEach(function(w,i){
      var y=i*27+4;
      svg.appendChild(el('text',{x:0,y:y+15},w.w));
      svg.appendChild(el('rect',{x:110,y:y,width:Math.max(1,w.p/max*320),height:18,fill:color(t),'class':'word-bar'}));
      svg.appendChild(el('text',{x:116+w.p/max*320,y:y+15},(w.p*100).toFixed(1)+'%'));
    });
  }
  document.getElementById('lambda').addEventListener('input',drawWords);
  drawMap(); drawWords();
})();
"""
