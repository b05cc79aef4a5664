/**
 * Charts drawn by hand as SVG text: axes with round ticks (linear, or
 * decades for a log axis), grid lines, lines or steps, stacked step areas,
 * a legend. No dependency, no clock, no randomness: the same data, the same
 * bytes. Coordinates are written with one decimal.
 */
import { CHART_HEIGHT, CHART_WIDTH } from './constants.js'

export interface LineSeries {
  name: string
  color: string
  points: ReadonlyArray<readonly [number, number]>
  /** Draw as a step function (a CDF). */
  step?: boolean
  dashed?: boolean
}

export interface StackedAreas {
  /** Bucket edges: values[i] holds from edges[i] to edges[i + 1]. */
  edges: readonly number[]
  /** Bottom to top. */
  layers: ReadonlyArray<{ name: string, color: string, values: readonly number[] }>
}

export interface ChartSpec {
  title: string
  xLabel: string
  yLabel: string
  xDomain: readonly [number, number]
  yDomain: readonly [number, number]
  xLog?: boolean
  lines?: readonly LineSeries[]
  areas?: StackedAreas
  xTick?: (v: number) => string
  yTick?: (v: number) => string
}

const MARGIN = { left: 72, right: 20, top: 44, bottom: 56 }

export function escapeXml (s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** One decimal, never "-0.0". */
export function num (v: number): string {
  const r = Math.round(v * 10) / 10
  return (r === 0 ? 0 : r).toFixed(1)
}

/** Round ticks covering [lo, hi]: steps of 1, 2 or 5 times a power of ten, about `count` of them. */
export function linearTicks (lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo]
  const raw = (hi - lo) / count
  const power = Math.pow(10, Math.floor(Math.log10(raw)))
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw) ?? 10 * power
  const ticks: number[] = []
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step)
  return ticks
}

/** Powers of ten in [lo, hi]; with fewer than three, 2 and 5 times them too. */
export function logTicks (lo: number, hi: number): number[] {
  const decades: number[] = []
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) decades.push(Math.pow(10, e))
  const inside = (v: number): boolean => v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)
  const plain = decades.filter(inside)
  if (plain.length >= 3) return plain
  return decades.flatMap(d => [d, 2 * d, 5 * d]).filter(inside)
}

export function renderChart (spec: ChartSpec): string {
  const W = CHART_WIDTH
  const H = CHART_HEIGHT
  const plotW = W - MARGIN.left - MARGIN.right
  const plotH = H - MARGIN.top - MARGIN.bottom
  const [x0, x1] = spec.xDomain
  const [y0, y1] = spec.yDomain
  const xr = spec.xLog === true ? (v: number) => (Math.log10(v) - Math.log10(x0)) / (Math.log10(x1) - Math.log10(x0)) : (v: number) => (v - x0) / (x1 - x0)
  const X = (v: number): number => MARGIN.left + Math.min(1, Math.max(0, xr(v))) * plotW
  const Y = (v: number): number => MARGIN.top + plotH - Math.min(1, Math.max(0, (v - y0) / (y1 - y0))) * plotH
  const xTick = spec.xTick ?? ((v: number) => String(v))
  const yTick = spec.yTick ?? ((v: number) => String(v))
  const out: string[] = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`)
  out.push(`<title>${escapeXml(spec.title)}</title>`)
  out.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`)
  out.push(`<text x="${num(W / 2)}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(spec.title)}</text>`)

  out.push('<g class="grid" stroke="#e5e5e5" stroke-width="1">')
  const xs = spec.xLog === true ? logTicks(x0, x1) : linearTicks(x0, x1)
  const ys = linearTicks(y0, y1)
  for (const v of xs) out.push(`<line x1="${num(X(v))}" y1="${MARGIN.top}" x2="${num(X(v))}" y2="${MARGIN.top + plotH}"/>`)
  for (const v of ys) out.push(`<line x1="${MARGIN.left}" y1="${num(Y(v))}" x2="${MARGIN.left + plotW}" y2="${num(Y(v))}"/>`)
  out.push('</g>')

  if (spec.areas !== undefined) out.push(...areas(spec.areas, X, Y))
  for (const s of spec.lines ?? []) {
    if (s.points.length === 0) continue
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">`)
    out.push(`<path d="${s.step === true ? stepPath(s.points, X, Y, y0) : linePath(s.points, X, Y)}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push('</g>')
  }

  out.push('<g class="axes" stroke="#333333" stroke-width="1">')
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}"/>`)
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}"/>`)
  out.push('</g>')
  out.push('<g class="ticks" fill="#333333">')
  for (const v of xs) out.push(`<text x="${num(X(v))}" y="${MARGIN.top + plotH + 16}" text-anchor="middle">${escapeXml(xTick(v))}</text>`)
  for (const v of ys) out.push(`<text x="${MARGIN.left - 6}" y="${num(Y(v) + 4)}" text-anchor="end">${escapeXml(yTick(v))}</text>`)
  out.push('</g>')
  out.push(`<text x="${num(MARGIN.left + plotW / 2)}" y="${H - 14}" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`)
  out.push(`<text x="16" y="${num(MARGIN.top + plotH / 2)}" text-anchor="middle" transform="rotate(-90 16 ${num(MARGIN.top + plotH / 2)})">${escapeXml(spec.yLabel)}</text>`)
  out.push(...legend([...(spec.areas?.layers ?? []).slice().reverse().map(l => ({ name: l.name, color: l.color, dashed: false })), ...(spec.lines ?? []).map(l => ({ name: l.points.length === 0 ? `${l.name} (no data)` : l.name, color: l.color, dashed: l.dashed === true }))], MARGIN.left + 12, MARGIN.top + 10))
  out.push('</svg>')
  return out.join('\n') + '\n'
}

function linePath (points: ReadonlyArray<readonly [number, number]>, X: (v: number) => number, Y: (v: number) => number): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${num(X(x))},${num(Y(y))}`).join(' ')
}

/** Up at each x to its y, across to the next x: a CDF's staircase, from the bottom of the axis. */
function stepPath (points: ReadonlyArray<readonly [number, number]>, X: (v: number) => number, Y: (v: number) => number, yBase: number): string {
  const parts = [`M${num(X(points[0]![0]))},${num(Y(yBase))}`]
  for (const [i, [x, y]] of points.entries()) {
    if (i > 0) parts.push(`H${num(X(x))}`)
    parts.push(`V${num(Y(y))}`)
  }
  return parts.join(' ')
}

function areas (a: StackedAreas, X: (v: number) => number, Y: (v: number) => number): string[] {
  const out: string[] = []
  const base = new Array<number>(a.edges.length - 1).fill(0)
  for (const layer of a.layers) {
    const top = base.map((b, i) => b + (layer.values[i] ?? 0))
    const upper: string[] = []
    top.forEach((v, i) => { upper.push(`${i === 0 ? 'M' : 'L'}${num(X(a.edges[i]!))},${num(Y(v))}`, `L${num(X(a.edges[i + 1]!))},${num(Y(v))}`) })
    const lower: string[] = []
    for (let i = base.length - 1; i >= 0; i--) lower.push(`L${num(X(a.edges[i + 1]!))},${num(Y(base[i]!))}`, `L${num(X(a.edges[i]!))},${num(Y(base[i]!))}`)
    out.push(`<g class="series" data-name="${escapeXml(layer.name)}">`)
    out.push(`<path d="${[...upper, ...lower].join(' ')} Z" fill="${layer.color}" fill-opacity="0.75" stroke="${layer.color}" stroke-width="1"/>`)
    out.push('</g>')
    top.forEach((v, i) => { base[i] = v })
  }
  return out
}

function legend (items: ReadonlyArray<{ name: string, color: string, dashed: boolean }>, x: number, y: number): string[] {
  const out = ['<g class="legend">']
  const widest = Math.max(0, ...items.map(i => i.name.length))
  // Roughly 7 px a character at 12 px: enough to keep the series from showing through the names.
  if (items.length > 0) out.push(`<rect x="${x - 6}" y="${y - 10}" width="${40 + widest * 7}" height="${items.length * 18 + 4}" fill="#ffffff" fill-opacity="0.85"/>`)
  items.forEach((item, i) => {
    const cy = y + i * 18
    out.push(`<line x1="${x}" y1="${cy}" x2="${x + 22}" y2="${cy}" stroke="${item.color}" stroke-width="4"${item.dashed ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${x + 28}" y="${cy + 4}">${escapeXml(item.name)}</text>`)
  })
  out.push('</g>')
  return out
}
