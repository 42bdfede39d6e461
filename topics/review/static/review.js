// The review page: units highlighted in their theme; label them with the mouse or the keyboard.
// Every text is inserted with textContent (never as markup). A label counts as saved only when
// the server answers that it is on disk.
(function () {
  'use strict';
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var S = {themes: [], byId: {}, reports: [], mode: 'report', report: 0, units: [], pos: -1,
           pending: 0};
  var $ = function (id) { return document.getElementById(id); };

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function banner(message) {
    var b = $('banner');
    b.hidden = !message;
    b.textContent = message || '';
  }

  function get(path) {
    return fetch(path, {headers: {'Accept': 'application/json'}}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || r.statusText); }
        return body;
      });
    });
  }

  function themeName(id) { var t = S.byId[id]; return t ? t.name_zh : id; }
  function color(id) { var t = S.byId[id]; return t ? t.color : '#999999'; }

  function paint(span, unit) {
    var shown = unit.label || unit.theme;
    var c = color(shown);
    span.style.background = c + '33';
    span.style.boxShadow = 'inset 0 -' + (unit.label ? 4 : 2) + 'px ' + c;
    span.dataset.theme = unit.theme;
    span.dataset.label = unit.label || '';
    span.classList.toggle('done', !!unit.label);
    span.classList.toggle('changed', !!unit.label && unit.label !== unit.theme);
    span.title = themeName(shown) + ' ' + shown + ' · 模型 model: ' + themeName(unit.theme) +
      ' ' + unit.confidence.toFixed(2) +
      (unit.evidence.length ? ' · 依据：' + unit.evidence.join('，') : '');
  }

  function drawUnits() {
    var box = $('text');
    box.textContent = '';
    box.classList.toggle('queue', S.mode === 'queue');
    if (S.mode === 'queue' && !S.units.length) {
      box.appendChild(el('p', 'muted', '队列已空：每个句子都已审阅 · the queue is empty: every unit is reviewed'));
    }
    S.units.forEach(function (unit, i) {
      var span = el('span', 'u' + (unit.heading ? ' heading' : ''));
      if (S.mode === 'queue') {
        span.appendChild(el('span', 'where', unit.report + ' #' + unit.index + ' · ' +
          unit.confidence.toFixed(2)));
      }
      span.appendChild(document.createTextNode(unit.text));
      span.dataset.r = unit.r;
      span.dataset.u = unit.u;
      paint(span, unit);
      span.addEventListener('click', function () { select(i); });
      unit.span = span;
      box.appendChild(span);
    });
    S.pos = -1;
    if (S.units.length) { select(0); } else { drawPanel(); }
  }

  function select(i) {
    if (!S.units.length) { return; }
    i = Math.max(0, Math.min(S.units.length - 1, i));
    if (S.pos >= 0 && S.units[S.pos]) { S.units[S.pos].span.classList.remove('current'); }
    S.pos = i;
    var span = S.units[i].span;
    span.classList.add('current');
    if (span.scrollIntoView) { span.scrollIntoView({block: 'nearest'}); }
    drawPanel();
  }

  function drawPanel() {
    var box = $('current'), choices = $('choices');
    box.textContent = '';
    choices.textContent = '';
    var unit = S.units[S.pos];
    if (!unit) { return; }
    box.classList.remove('muted');
    box.appendChild(el('div', 'muted', unit.report + ' #' + unit.index +
      (unit.heading ? ' · 标题 heading' : '')));
    box.appendChild(el('div', 'text-of', unit.text));
    box.appendChild(el('div', '', '模型 model: ' + themeName(unit.theme) + ' ' + unit.theme +
      ' · 置信度 confidence ' + unit.confidence.toFixed(2)));
    if (unit.evidence.length) {
      box.appendChild(el('div', 'muted', '依据 evidence：' + unit.evidence.join('，')));
    }
    box.appendChild(el('div', 'status', unit.label ? ('已审阅 reviewed: ' + themeName(unit.label) +
      ' ' + unit.label) : '未审阅 not reviewed'));
    S.themes.forEach(function (t, k) {
      var b = el('button', 'choice');
      b.type = 'button';
      b.dataset.theme = t.id;
      b.appendChild(el('kbd', '', String(k + 1)));
      var sw = el('i', 'swatch');
      sw.style.background = t.color;
      b.appendChild(sw);
      b.appendChild(el('span', '', t.name_zh + ' ' + t.id));
      var p = unit.scores[t.id] || 0;
      var bar = el('span', 'bar-of');
      bar.style.width = Math.round(p * 60) + 'px';
      bar.style.background = t.color;
      b.appendChild(bar);
      b.appendChild(el('span', 'p', p.toFixed(2)));
      if (t.id === unit.theme) { b.classList.add('model'); }
      if (t.id === unit.label) { b.classList.add('chosen'); }
      b.addEventListener('click', function () { choose(t.id); });
      choices.appendChild(b);
    });
  }

  function drawProgress(p) {
    var box = $('progress');
    box.textContent = '';
    box.appendChild(document.createTextNode('已审阅 reviewed '));
    box.appendChild(el('b', '', String(p.reviewed))).id = 'reviewed-count';
    box.appendChild(document.createTextNode(' / ' + p.total + ' · 已更改 changed '));
    box.appendChild(el('b', '', String(p.changed))).id = 'changed-count';
    if (S.pending) { box.appendChild(el('span', 'muted', ' · 保存中 saving ' + S.pending)); }
    var table = $('per-theme');
    table.textContent = '';
    var head = el('tr');
    ['主题 theme', '模型 model', '审阅 reviewed', '改为 changed to'].forEach(function (h) {
      head.appendChild(el('th', '', h));
    });
    table.appendChild(head);
    S.themes.forEach(function (t) {
      var row = el('tr'), s = p.per_theme[t.id];
      row.dataset.theme = t.id;
      row.appendChild(el('td', '', t.name_zh));
      [s.model, s.reviewed, s.changed_to].forEach(function (v) {
        row.appendChild(el('td', '', String(v)));
      });
      table.appendChild(row);
    });
  }

  function choose(label) {
    var unit = S.units[S.pos];
    if (!unit) { return; }
    var span = unit.span;
    span.classList.add('pending');
    span.classList.remove('failed');
    S.pending++;
    fetch('/api/label', {
      method: 'POST',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token},
      body: JSON.stringify({r: unit.r, u: unit.u, label: label})
    }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || r.statusText); }
        return body;
      });
    }).then(function (body) {
      unit.label = body.unit.label;
      paint(span, unit);
      span.classList.remove('pending');
      S.pending--;
      drawProgress(body.progress);
      if (S.units[S.pos] === unit) { drawPanel(); }
    }).catch(function (err) {
      S.pending--;
      span.classList.remove('pending');
      span.classList.add('failed');
      banner('未保存 NOT SAVED: ' + unit.report + ' #' + unit.index + ': ' + err.message +
        ' (is topics review still running? restart it and reload the page)');
    });
    select(S.pos + 1);
  }

  function nextUnreviewed() {
    for (var k = 1; k <= S.units.length; k++) {
      var i = (S.pos + k) % S.units.length;
      if (!S.units[i].label) { select(i); return; }
    }
  }

  function load() {
    banner('');
    var path = S.mode === 'queue' ? '/api/queue?limit=100' : '/api/report/' + S.report;
    return get(path).then(function (body) {
      S.units = body.units;
      drawUnits();
    }).catch(function (err) { banner(err.message); });
  }

  function setMode(mode) {
    S.mode = mode;
    $('mode-report').classList.toggle('active', mode === 'report');
    $('mode-queue').classList.toggle('active', mode === 'queue');
    $('report-pick').hidden = mode !== 'report';
    load();
  }

  document.addEventListener('keydown', function (e) {
    if (e.target.tagName === 'SELECT' || e.target.tagName === 'INPUT' || e.ctrlKey ||
        e.metaKey || e.altKey) { return; }
    var k = e.key, handled = true;
    if (k === 'ArrowRight' || k === 'ArrowDown' || k === 'j') {
      select(S.pos + 1);
    } else if (k === 'ArrowLeft' || k === 'ArrowUp' || k === 'k') {
      select(S.pos - 1);
    } else if (k === 'Enter' || k === ' ') {
      var unit = S.units[S.pos];
      if (unit) { choose(unit.label || unit.theme); }
    } else if (k === 'n') {
      nextUnreviewed();
    } else if (/^[1-9]$/.test(k) && +k <= S.themes.length) {
      choose(S.themes[+k - 1].id);
    } else {
      handled = false;
    }
    if (handled) { e.preventDefault(); }
  });

  function send(path) {
    return fetch(path, {method: 'POST', headers: {'X-CSRF-Token': token}}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || r.statusText); }
        return body;
      });
    });
  }

  function score(s, key) { return s ? s[key].toFixed(3) : '—'; }

  function drawRetrain(st) {
    var box = $('retrain');
    box.textContent = '';
    box.dataset.state = st.state;
    $('retrain-start').disabled = st.state === 'running' || st.state === 'done';
    if (st.state === 'idle') {
      box.hidden = !st.switched;
      if (st.switched) { box.appendChild(el('span', '', '已切换到新模型 switched to ' + st.switched)); }
      return;
    }
    box.hidden = false;
    if (st.state === 'running') {
      box.appendChild(el('div', '', '训练中 training… ' + st.elapsed + ' s'));
      (st.steps || []).slice(-3).forEach(function (m) { box.appendChild(el('div', 'muted', m)); });
      setTimeout(pollRetrain, 1000);
      return;
    }
    if (st.state === 'failed') {
      box.appendChild(el('div', '', '训练失败 retraining failed: ' + st.error));
      var ok = el('button', '', '关闭 close');
      ok.addEventListener('click', function () { send('/api/retrain/keep').then(function (b) { drawRetrain(b.retrain); }); });
      box.appendChild(ok);
      return;
    }
    box.appendChild(el('div', '', '新模型已训练 new model trained in ' + st.seconds + ' s: ' + st.model));
    var table = el('table'), head = el('tr');
    ['', '旧模型 old', '新模型 new'].forEach(function (h) { head.appendChild(el('th', '', h)); });
    table.appendChild(head);
    [['交叉验证准确率 CV accuracy', score(st.before, 'accuracy'), score(st.after, 'accuracy')],
     ['交叉验证 macro-F1 (CV)', score(st.before, 'macro_f1'), score(st.after, 'macro_f1')],
     ['审阅单元中一致 reviewed units it gets right (of ' + st.reviewed + ')',
      String(st.right_before), String(st.right_after)]].forEach(function (cells) {
      var row = el('tr');
      cells.forEach(function (c) { row.appendChild(el('td', '', c)); });
      table.appendChild(row);
    });
    box.appendChild(table);
    box.appendChild(el('div', 'muted', (st.before && st.before.how
      ? '交叉验证 CV: ' + st.before.how + ' (旧 = 审阅开始时的模型 old = the model the review opened with) · '
      : (st.after ? '' : '交叉验证需要两份以上已审阅的报告 CV needs reviewed units in two reports or more · ')) +
      '审阅单元的一致数是在训练数据上 the reviewed units it gets right were learnt from'));
    var sw = el('button', '', '切换到新模型 Switch'), keep = el('button', '', '保留旧模型 Keep old');
    sw.id = 'retrain-switch';
    keep.id = 'retrain-keep';
    sw.addEventListener('click', function () {
      send('/api/retrain/switch').then(function (b) {
        $('model-name').textContent = b.model;
        drawProgress(b.progress);
        drawRetrain(b.retrain);
        return load();
      }).catch(function (err) { banner(err.message); });
    });
    keep.addEventListener('click', function () {
      send('/api/retrain/keep').then(function (b) { drawRetrain(b.retrain); });
    });
    box.appendChild(sw);
    box.appendChild(keep);
  }

  function pollRetrain() {
    get('/api/retrain').then(drawRetrain).catch(function (err) { banner(err.message); });
  }

  $('retrain-start').addEventListener('click', function (e) {
    e.target.blur();
    send('/api/retrain').then(drawRetrain).catch(function (err) { banner(err.message); });
  });

  $('mode-report').addEventListener('click', function (e) { e.target.blur(); setMode('report'); });
  $('mode-queue').addEventListener('click', function (e) { e.target.blur(); setMode('queue'); });
  $('report-select').addEventListener('change', function (e) {
    S.report = +e.target.value;
    e.target.blur();
    load();
  });

  get('/api/state').then(function (state) {
    S.themes = state.themes;
    state.themes.forEach(function (t) { S.byId[t.id] = t; });
    S.reports = state.reports;
    $('labels-file').textContent = state.labels_file;
    $('model-name').textContent = state.model;
    pollRetrain();
    var legend = $('legend');
    state.themes.forEach(function (t, k) {
      var s = el('span');
      s.appendChild(el('kbd', '', String(k + 1)));
      var sw = el('i', 'swatch');
      sw.style.background = t.color;
      sw.style.marginLeft = '.3em';
      s.appendChild(sw);
      s.appendChild(document.createTextNode(t.name_zh + ' ' + t.id));
      legend.appendChild(s);
    });
    var select = $('report-select');
    state.reports.forEach(function (r, i) {
      var o = el('option', '', r.name + ' (' + r.units + ')');
      o.value = String(i);
      select.appendChild(o);
    });
    drawProgress(state.progress);
    return load();
  }).then(function () {
    document.body.dataset.ready = '1';
  }).catch(function (err) { banner(err.message); });
}());
