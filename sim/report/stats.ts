/** Small statistics the report needs, defined so a figure can be checked by hand. */

/** The p-quantile by nearest rank: the smallest value with at least p of the values at or below it. `sorted` ascending, non-empty. */
export function quantile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no values')
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!
}

export function mean (values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length
}

export function ascending (values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b)
}

/** a / b, or null when b is 0 (a ratio of nothing is not a number to print). */
export function ratio (a: number, b: number): number | null {
  return b === 0 ? null : a / b
}

/** The earliest start (0 for no pulls); a loop, since a spread of a million arguments would overflow the stack. */
export function firstStartMs (pulls: ReadonlyArray<{ startMs: number }>): number {
  let min = Infinity
  for (const p of pulls) if (p.startMs < min) min = p.startMs
  return min === Infinity ? 0 : min
}

/** The latest end (0 for no pulls). */
export function lastEndMs (pulls: ReadonlyArray<{ endMs: number }>): number {
  let max = -Infinity
  for (const p of pulls) if (p.endMs > max) max = p.endMs
  return max === -Infinity ? 0 : max
}
