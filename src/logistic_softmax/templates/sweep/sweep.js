const DATA = JSON.parse(document.getElementById('sweep-data').textContent);
const fmt = v => (v === null || v === undefined) ? '' : (typeof v === 'number' ?
  (Number.isInteger(v) ? String(v) : (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e5 ? String(Number(v.toPrecision(5))) : v.toExponential(3)))
  : String(v));
function cellValue(row, col) {
  if (col.kind === 'param') return row.params[col.name];
  if (col.kind === 'metric') return row.metrics[col.name];
  return row[col.name];
}
function buildTable() {
  const cols = [{kind: 'row', name: 'status'}, {kind: 'row', name: 'name', label: 'report'}]
    .concat(DATA.swept.map(n => ({kind: 'param', name: n})))
    .concat(DATA.metrics.map(n => ({kind: 'metric', name: n})))
    .concat([{kind: 'row', name: 'seconds', label: 'seconds'}]);
  const table = document.getElementById('runs');
  const head = table.createTHead().insertRow();
  cols.forEach((c, i) => {
    const th = document.createElement('th');
    th.textContent = c.label || c.name;
    th.title = c.kind === 'param' ? 'swept parameter' : (c.kind === 'metric' ? 'recorded metric' : '');
    th.addEventListener('click', () => sortBy(i, th));
    head.appendChild(th);
  });
  const body = table.createTBody();
  DATA.rows.forEach(r => {
    const tr = body.insertRow();
    cols.forEach(c => {
      const td = tr.insertCell();
      const v = cellValue(r, c);
      if (c.name === 'status') { td.textContent = v; td.className = v === 'ok' ? 'ok' : (v === 'failed' ? 'failed' : 'muted'); }
      else if (c.name === 'name') {
        if (r.html) { const a = document.createElement('a'); a.href = r.html; a.textContent = r.name; td.appendChild(a); }
        else { td.textContent = r.name; }
      } else { td.textContent = fmt(v); if (typeof v === 'number') td.className = 'num'; }
      td.dataset.sort = (v === null || v === undefined) ? '' : (typeof v === 'number' ? v : String(v));
    });
    if (r.status === 'failed') {
      const er = body.insertRow(); er.className = 'error-row';
      const td = er.insertCell(); td.colSpan = cols.length; td.className = 'err'; td.textContent = r.error;
      tr.errorRow = er;
    }
  });
}
function sortBy(i, th) {
  const body = document.getElementById('runs').tBodies[0];
  const asc = !th.classList.contains('sorted-asc');
  th.parentNode.querySelectorAll('th').forEach(h => h.classList.remove('sorted-asc', 'sorted-desc'));
  th.classList.add(asc ? 'sorted-asc' : 'sorted-desc');
  const rows = Array.from(body.rows).filter(r => r.className !== 'error-row');
  rows.sort((a, b) => {
    const x = a.cells[i].dataset.sort, y = b.cells[i].dataset.sort;
    if (x === '' && y !== '') return 1; if (y === '' && x !== '') return -1;
    const nx = Number(x), ny = Number(y);
    const c = (!isNaN(nx) && !isNaN(ny) && x !== '' && y !== '') ? nx - ny : x.localeCompare(y);
    return asc ? c : -c;
  });
  rows.forEach(r => { body.appendChild(r); if (r.errorRow) body.appendChild(r.errorRow); });
}
function option(sel, value, chosen) {
  const o = document.createElement('option'); o.value = value; o.textContent = value; o.selected = value === chosen; sel.appendChild(o);
}
function draw() {
  const xName = document.getElementById('xsel').value, yName = document.getElementById('ysel').value;
  const logx = document.getElementById('logx').checked;
  const others = DATA.swept.filter(n => n !== xName);
  const pts = DATA.rows.filter(r => r.status === 'ok').map(r => ({
    x: r.params[xName], y: yName === 'seconds' ? r.seconds : r.metrics[yName],
    series: others.map(n => n + '=' + fmt(r.params[n])).join(', '), name: r.name}))
    .filter(p => typeof p.x === 'number' && typeof p.y === 'number' && (!logx || p.x > 0));
  const svg = document.getElementById('chart'); svg.innerHTML = '';
  const W = 720, H = 360, L = 80, R = 220, T = 20, B = 50;
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => { const e = document.createElementNS(NS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; svg.appendChild(e); return e; };
  if (!pts.length) { el('text', {x: 20, y: 40}, 'No successful run has numeric values for this pair.'); return; }
  const tx = v => logx ? Math.log10(v) : v;
  let x0 = Math.min(...pts.map(p => tx(p.x))), x1 = Math.max(...pts.map(p => tx(p.x)));
  let y0 = Math.min(...pts.map(p => p.y)), y1 = Math.max(...pts.map(p => p.y));
  if (x0 === x1) { x0 -= 1; x1 += 1; } if (y0 === y1) { const d = Math.abs(y0) * 0.05 || 1; y0 -= d; y1 += d; }
  const px = v => L + (tx(v) - x0) / (x1 - x0) * (W - L - R), py = v => H - B - (v - y0) / (y1 - y0) * (H - T - B);
  el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#4a5568'});
  el('line', {x1: L, y1: T, x2: L, y2: H - B, stroke: '#4a5568'});
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + (y1 - y0) * i / 4, xv = x0 + (x1 - x0) * i / 4;
    el('text', {x: L - 6, y: py(yv) + 4, 'text-anchor': 'end'}, fmt(yv));
    el('text', {x: L + (xv - x0) / (x1 - x0) * (W - L - R), y: H - B + 16, 'text-anchor': 'middle'}, fmt(logx ? Math.pow(10, xv) : xv));
  }
  el('text', {x: (L + W - R) / 2, y: H - 10, 'text-anchor': 'middle'}, xName + (logx ? ' (log scale)' : ''));
  el('text', {x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, 'text-anchor': 'middle'}, yName);
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  const groups = [...new Set(pts.map(p => p.series))];
  groups.forEach((g, gi) => {
    const c = colours[gi % colours.length];
    const ps = pts.filter(p => p.series === g).sort((a, b) => a.x - b.x);
    if (ps.length > 1) el('polyline', {points: ps.map(p => px(p.x) + ',' + py(p.y)).join(' '), fill: 'none', stroke: c});
    ps.forEach(p => { const dot = el('circle', {cx: px(p.x), cy: py(p.y), r: 4, fill: c});
      const t = document.createElementNS(NS, 'title'); t.textContent = `${p.name}: ${xName}=${fmt(p.x)}, ${yName}=${fmt(p.y)}`; dot.appendChild(t); });
    if (g) { el('circle', {cx: W - R + 20, cy: T + 10 + gi * 18, r: 4, fill: c}); el('text', {x: W - R + 30, y: T + 14 + gi * 18}, g); }
  });
}
buildTable();
const xs = document.getElementById('xsel'), ys = document.getElementById('ysel');
DATA.swept.forEach(n => option(xs, n, DATA.x));
DATA.metrics.filter(n => DATA.rows.some(r => typeof r.metrics[n] === 'number')).concat(['seconds']).forEach(n => option(ys, n, DATA.y));
[xs, ys, document.getElementById('logx')].forEach(e => e.addEventListener('change', draw));
draw();
