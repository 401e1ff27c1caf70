// Latency over time from invocation records: p50 and p99 per time bucket as two lines, errors as bars. Hand-drawn SVG.
const NS = 'http://www.w3.org/2000/svg'

export interface Bucket {
  start: number
  p50: number
  p99: number
  calls: number
  errors: number
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

/** Records into at most `count` equal time buckets between the oldest and the newest record. */
export function buckets(records: Array<{ startedAt: string; durationMs: number; status: string }>, count = 20): Bucket[] {
  if (records.length === 0) return []
  const times = records.map((r) => new Date(r.startedAt).getTime())
  const min = Math.min(...times)
  const span = Math.max(Math.max(...times) - min, 1000)
  const size = span / count
  const groups = Array.from({ length: count }, () => [] as Array<{ durationMs: number; status: string }>)
  records.forEach((record, i) => groups[Math.min(count - 1, Math.floor((times[i]! - min) / size))]!.push(record))
  return groups
    .map((group, i) => {
      const sorted = group.map((r) => r.durationMs).sort((a, b) => a - b)
      return { start: min + i * size, p50: percentile(sorted, 50), p99: percentile(sorted, 99), calls: group.length, errors: group.filter((r) => r.status === 'error').length }
    })
    .filter((bucket) => bucket.calls > 0)
}

function el(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(NS, tag)
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value))
  if (text !== undefined) node.textContent = text
  return node
}

export function latencyChart(data: Bucket[], width = 640, height = 200): SVGSVGElement {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'latency p50 and p99 over time, and errors', id: 'latency-chart' }) as SVGSVGElement
  const pad = { left: 48, right: 12, top: 12, bottom: 28 }
  const w = width - pad.left - pad.right
  const h = height - pad.top - pad.bottom
  const maxMs = Math.max(1, ...data.map((b) => b.p99))
  const maxErrors = Math.max(1, ...data.map((b) => b.errors))
  const x = (i: number) => pad.left + (data.length <= 1 ? w / 2 : (i / (data.length - 1)) * w)
  const y = (ms: number) => pad.top + h - (ms / maxMs) * h
  svg.append(el('line', { x1: pad.left, y1: pad.top + h, x2: pad.left + w, y2: pad.top + h, class: 'axis' }), el('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: pad.top + h, class: 'axis' }))
  svg.append(el('text', { x: pad.left - 4, y: pad.top + 8, 'text-anchor': 'end', class: 'tick' }, `${maxMs.toFixed(0)} ms`), el('text', { x: pad.left - 4, y: pad.top + h, 'text-anchor': 'end', class: 'tick' }, '0'))
  data.forEach((bucket, i) => {
    if (bucket.errors) svg.append(el('rect', { x: x(i) - 4, y: pad.top + h - (bucket.errors / maxErrors) * (h / 3), width: 8, height: (bucket.errors / maxErrors) * (h / 3), class: 'errors' }))
  })
  for (const [key, cls] of [['p50', 'p50'], ['p99', 'p99']] as const) {
    const points = data.map((bucket, i) => `${x(i).toFixed(1)},${y(bucket[key]).toFixed(1)}`).join(' ')
    svg.append(el('polyline', { points, class: cls, fill: 'none' }))
    data.forEach((bucket, i) => svg.append(el('circle', { cx: x(i), cy: y(bucket[key]), r: 2.5, class: cls, 'data-series': key })))
  }
  const first = data[0]
  const last = data[data.length - 1]
  if (first && last) {
    svg.append(el('text', { x: pad.left, y: height - 8, class: 'tick' }, new Date(first.start).toLocaleTimeString()))
    svg.append(el('text', { x: pad.left + w, y: height - 8, 'text-anchor': 'end', class: 'tick' }, new Date(last.start).toLocaleTimeString()))
  }
  svg.append(el('text', { x: pad.left + w, y: pad.top + 8, 'text-anchor': 'end', class: 'legend' }, 'p50 — p99 — errors ▮'))
  return svg
}
