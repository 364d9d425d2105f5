/**
 * Small SVG charts drawn without a library: scales with round ticks, line paths with gaps, and
 * three chart shapes (lines over time, horizontal grouped bars, columns) as SVG markup. Colours
 * come from CSS classes (VS Code theme variables in logs.css), never inline styles (the CSP
 * forbids them). Every chart is an image with a <title> and a <desc> summary for screen
 * readers, and each mark has its own <title> (its value) for hover. Pure: unit-tested as text.
 */

export const W = 480;
const PAD = { left: 48, right: 12, top: 28, bottom: 24 };

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const r1 = (v: number) => Math.round(v * 10) / 10;

/** A step of 1, 2 or 5 × 10^k that cuts `span` into about `count` parts. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Ticks from 0 (or below, for negative data) to at least `max`, round numbers. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  const lo = Math.min(0, min);
  const hi = max > lo ? max : lo + 1;
  const step = niceStep(hi - lo, count);
  const ticks: number[] = [];
  for (let v = Math.floor(lo / step) * step; v < hi + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export interface Scale {
  (v: number): number;
  domain: [number, number];
  ticks: number[];
}

/** Maps [d0, d1] linearly onto [r0, r1]; a zero-width domain maps to the middle. */
export function linearScale(d0: number, d1: number, r0: number, r1: number, ticks: number[] = []): Scale {
  const f = ((v: number) => (d1 === d0 ? (r0 + r1) / 2 : r0 + ((v - d0) / (d1 - d0)) * (r1 - r0))) as Scale;
  f.domain = [d0, d1];
  f.ticks = ticks;
  return f;
}

/** A value axis from 0 to a round number above the data, top to bottom in pixels. */
export function valueScale(values: Array<number | null>, top: number, bottom: number, count = 4): Scale {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const ticks = niceTicks(Math.min(0, ...finite), Math.max(0, ...finite), count);
  return linearScale(ticks[0]!, ticks[ticks.length - 1]!, bottom, top, ticks);
}

/** "M x,y L x,y ..."; a null value ends the line and the next value starts a new one. */
export function linePath(points: Array<[number, number | null]>): string {
  let d = "";
  let pen = false;
  for (const [x, y] of points) {
    if (y === null || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${d ? " " : ""}${pen ? "L" : "M"}${r1(x)},${r1(y)}`;
    pen = true;
  }
  return d;
}

export interface Series {
  name: string;
  values: Array<number | null>;
}

interface Frame {
  id: string;
  title: string;
  desc: string;
}

function open(f: Frame, height: number, cls: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${cls}" viewBox="0 0 ${W} ${height}" role="img" aria-labelledby="${f.id}-t ${f.id}-d">`
    + `<title id="${f.id}-t">${escapeXml(f.title)}</title><desc id="${f.id}-d">${escapeXml(f.desc)}</desc>`;
}

function legend(names: string[], y: number): string {
  if (names.length < 2) return "";
  let x = PAD.left;
  return names.map((n, i) => {
    const out = `<rect class="swatch s${i}" x="${x}" y="${y - 8}" width="10" height="10"/><text class="legend" x="${x + 14}" y="${y}">${escapeXml(n)}</text>`;
    x += 24 + n.length * 6.5;
    return out;
  }).join("");
}

/** Formats a value; an axis tick also gets the axis's step, so its labels can keep the digits that tell ticks apart. */
export type ValueFormat = (v: number, step?: number) => string;

const stepOf = (ticks: number[]): number => (ticks.length > 1 ? ticks[1]! - ticks[0]! : 1);

function gridY(y: Scale, fmt: ValueFormat, x0: number, x1: number): string {
  const step = stepOf(y.ticks);
  return y.ticks.map((t) => `<line class="grid" x1="${x0}" x2="${x1}" y1="${r1(y(t))}" y2="${r1(y(t))}"/><text class="tick" x="${x0 - 4}" y="${r1(y(t) + 3)}" text-anchor="end">${escapeXml(fmt(t, step))}</text>`).join("");
}

/** Lines over evenly spaced times (one value per time per series). */
export function lineChart(o: Frame & { times: number[]; series: Series[]; yFormat: ValueFormat; xFormat: (t: number) => string; height?: number }): string {
  const height = o.height ?? 180;
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const n = o.times.length;
  const x = linearScale(0, Math.max(1, n - 1), x0, x1);
  const y = valueScale(o.series.flatMap((s) => s.values), PAD.top, height - PAD.bottom);
  let svg = open(o, height, "line-chart") + gridY(y, o.yFormat, x0, x1);
  const labels = n <= 1 ? [0] : [0, Math.floor((n - 1) / 2), n - 1];
  svg += labels.filter((i) => i < n).map((i, k) => `<text class="tick" x="${r1(x(i))}" y="${height - 6}" text-anchor="${k === 0 ? "start" : k === labels.length - 1 ? "end" : "middle"}">${escapeXml(o.xFormat(o.times[i]!))}</text>`).join("");
  o.series.forEach((s, si) => {
    const pts = s.values.map((v, i): [number, number | null] => [x(i), v === null ? null : y(v)]);
    svg += `<path class="line s${si}" d="${linePath(pts)}"><title>${escapeXml(s.name)}</title></path>`;
    svg += pts.map(([px, py], i) => (py === null ? "" : `<circle class="pt s${si}" cx="${r1(px)}" cy="${r1(py)}" r="2.5"><title>${escapeXml(`${o.xFormat(o.times[i]!)} · ${s.name}: ${o.yFormat(s.values[i]!)}`)}</title></circle>`)).join("");
  });
  return svg + legend(o.series.map((s) => s.name), 14) + "</svg>";
}

/** Horizontal bars, one group per category and one bar per series in it (e.g. p50 and p95 per model). */
export function barChart(o: Frame & { categories: string[]; series: Series[]; format: ValueFormat }): string {
  const k = Math.max(1, o.series.length);
  const bar = 12;
  const groupH = k * bar + 10;
  const labelW = 130;
  const height = PAD.top + Math.max(1, o.categories.length) * groupH + PAD.bottom;
  const x0 = labelW;
  const x1 = W - PAD.right - 56;
  const values = o.series.flatMap((s) => s.values);
  const ticks = niceTicks(0, Math.max(0, ...values.filter((v): v is number => v !== null && Number.isFinite(v))), 3);
  const x = linearScale(0, ticks[ticks.length - 1]!, x0, x1, ticks);
  let svg = open(o, height, "bar-chart");
  svg += ticks.map((t) => `<line class="grid" x1="${r1(x(t))}" x2="${r1(x(t))}" y1="${PAD.top - 4}" y2="${height - PAD.bottom}"/><text class="tick" x="${r1(x(t))}" y="${height - 8}" text-anchor="middle">${escapeXml(o.format(t, stepOf(ticks)))}</text>`).join("");
  if (o.categories.length === 0) svg += `<text class="empty" x="${W / 2}" y="${PAD.top + 14}" text-anchor="middle">No data in this range</text>`;
  o.categories.forEach((c, ci) => {
    const gy = PAD.top + ci * groupH;
    svg += `<text class="label" x="${x0 - 6}" y="${gy + (k * bar) / 2 + 4}" text-anchor="end">${escapeXml(truncate(c, 20))}<title>${escapeXml(c)}</title></text>`;
    o.series.forEach((s, si) => {
      const v = s.values[ci];
      const by = gy + si * bar;
      if (v === null || v === undefined || !Number.isFinite(v)) {
        svg += `<text class="value" x="${x0 + 4}" y="${by + bar - 2}">${escapeXml(`${s.name}: no data`)}</text>`;
        return;
      }
      const w = Math.max(v > 0 ? 1 : 0, x(v) - x0);
      svg += `<rect class="bar s${si}" x="${x0}" y="${by + 1}" width="${r1(w)}" height="${bar - 2}"><title>${escapeXml(`${c} · ${s.name}: ${o.format(v)}`)}</title></rect>`;
      svg += `<text class="value" x="${r1(x0 + w + 4)}" y="${by + bar - 2}">${escapeXml(o.format(v))}</text>`;
    });
  });
  return svg + legend(o.series.map((s) => s.name), 14) + "</svg>";
}

/** Vertical columns with a label under each (e.g. cost per day). */
export function columnChart(o: Frame & { labels: string[]; values: number[]; format: ValueFormat; height?: number }): string {
  const height = o.height ?? 180;
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const y = valueScale(o.values, PAD.top, height - PAD.bottom);
  const n = o.labels.length;
  const slot = (x1 - x0) / Math.max(1, n);
  const w = Math.max(2, Math.min(40, slot * 0.7));
  const every = Math.max(1, Math.ceil(n / 8));
  let svg = open(o, height, "column-chart") + gridY(y, o.format, x0, x1);
  if (n === 0) svg += `<text class="empty" x="${W / 2}" y="${height / 2}" text-anchor="middle">No data in this range</text>`;
  o.values.forEach((v, i) => {
    const cx = x0 + slot * i + slot / 2;
    const top = y(Math.max(0, v));
    const base = y(0);
    svg += `<rect class="bar s0" x="${r1(cx - w / 2)}" y="${r1(Math.min(top, base))}" width="${r1(w)}" height="${r1(Math.abs(base - top))}"><title>${escapeXml(`${o.labels[i]}: ${o.format(v)}`)}</title></rect>`;
    if (i % every === 0) svg += `<text class="tick" x="${r1(cx)}" y="${height - 6}" text-anchor="middle">${escapeXml(o.labels[i]!)}</text>`;
  });
  return svg + "</svg>";
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
