/** Seeded noise and synthetic series of known level, trend and season, for the forecast tests. */
import { seededRandom } from '../../../sim/random.js'

/** Standard normal draws (Box-Muller) from a seed. */
export function gaussian (seed: number): () => number {
  const next = seededRandom(seed)
  return () => {
    const u = (next() + 1) / (2 ** 32 + 1)
    const v = (next() + 1) / (2 ** 32 + 1)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

export interface Truth {
  level: number
  /** Per point. */
  trend: number
  /** Amplitudes of the season's first and second harmonics; the season sums to zero. */
  amplitude: number
  period: number
}

export function truthAt (truth: Truth, t: number): number {
  const phase = 2 * Math.PI * t / truth.period
  return truth.level + truth.trend * t + truth.amplitude * Math.sin(phase) + truth.amplitude / 3 * Math.cos(2 * phase)
}

/** `points` values of the truth plus gaussian noise of `sigma`. */
export function noisySeries (truth: Truth, points: number, sigma: number, seed: number): number[] {
  const noise = gaussian(seed)
  return Array.from({ length: points }, (_, t) => truthAt(truth, t) + sigma * noise())
}

export function meanAbsoluteError (forecast: readonly number[], truth: (h: number) => number): number {
  return forecast.reduce((sum, value, i) => sum + Math.abs(value - truth(i)), 0) / forecast.length
}
