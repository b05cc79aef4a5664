/** How figures are printed in report.md and the terminal table. */

const MiB = 1024 * 1024

/** Pull times: whole ms from 100 ms up, one decimal below. */
export function fmtMs (v: number | null): string {
  if (v === null) return '-'
  return v >= 100 ? `${Math.round(v)}` : v.toFixed(1)
}

export function fmtMiB (bytes: number | null): string {
  return bytes === null ? '-' : (bytes / MiB).toFixed(1)
}

export function fmtRatio (v: number | null): string {
  return v === null ? '-' : `${v.toFixed(2)}x`
}

export function fmtNumber (v: number | null, digits = 1): string {
  return v === null ? '-' : v.toFixed(digits)
}

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
export function alignRows (rows: string[][]): string[] {
  const widths = rows[0]!.map((_c, i) => Math.max(...rows.map(r => (r[i] ?? '').length)))
  return rows.map(r => r.map((c, i) => i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)).join('  ').trimEnd())
}
