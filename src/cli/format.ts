/** Human output: sizes, durations, shortened ids, aligned tables. `--json` output never goes through here. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

/** 0 B, 999 B, 1.0 KiB, 12.3 MiB, 1.2 GiB. */
export function formatBytes (n: number): string {
  if (!Number.isFinite(n)) return String(n)
  let v = Math.abs(n)
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024
    u++
  }
  const sign = n < 0 ? '-' : ''
  return u === 0 ? `${sign}${v} B` : `${sign}${v.toFixed(1)} ${UNITS[u] ?? ''}`
}

/** 850 ms, 1.23 s, 4m 05s, 3h 12m, 2d 4h. */
export function formatDuration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  const s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  const h = Math.floor((s % 86400) / 3600)
  const m = Math.floor((s % 3600) / 60)
  if (d > 0) return `${d}d ${h}h`
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`
  return `${m}m ${String(s % 60).padStart(2, '0')}s`
}

/** Bytes per second over `ms`, as a size per second. */
export function formatRate (bytes: number, ms: number): string {
  if (ms <= 0) return '-'
  return `${formatBytes(bytes / (ms / 1000))}/s`
}

/** `12D3KooWAbCd…wXyZ12`: enough to tell peers apart in a table; `--json` has the whole id. */
export function shortPeerId (id: string): string {
  return id.length <= 20 ? id : `${id.slice(0, 12)}…${id.slice(-6)}`
}

export interface Column {
  header: string
  /** Numbers and sizes read better right-aligned. */
  align?: 'left' | 'right'
}

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable (columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => columns.map((c, i) => {
    const cell = cells[i] ?? ''
    const w = widths[i] ?? 0
    return c.align === 'right' ? cell.padStart(w) : cell.padEnd(w)
  }).join('  ').trimEnd()
  return [line(columns.map(c => c.header)), ...rows.map(line)].join('\n') + '\n'
}

/** `key  value` lines with the keys padded to the longest. */
export function formatFields (fields: Array<[string, string]>): string {
  const w = Math.max(0, ...fields.map(([k]) => k.length))
  return fields.map(([k, v]) => `${k.padEnd(w)}  ${v}`.trimEnd()).join('\n') + '\n'
}
