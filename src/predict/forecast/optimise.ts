/**
 * Minimise an error over smoothing parameters in the unit box [0, 1]^d:
 * first the best point of a coarse grid (FORECAST_GRID on every axis, so
 * a poor start cannot trap the search in a far corner), then Nelder-Mead
 * from there, every trial point clamped into the box, for at most
 * FORECAST_MAX_ITERATIONS iterations. Deterministic: the same function
 * gives the same point.
 */
import { FORECAST_GRID, FORECAST_MAX_ITERATIONS, FORECAST_TOLERANCE } from './constants.js'

export interface Minimum {
  point: number[]
  value: number
  evaluations: number
}

const REFLECT = 1
const EXPAND = 2
const CONTRACT = 0.5
const SHRINK = 0.5
/** Side of the starting simplex, in parameter units. */
const STEP = 0.1
/** A simplex this small has converged, whatever its errors say. */
const MIN_SPREAD = 1e-7

export function minimiseInBox (f: (point: readonly number[]) => number, dimensions: number): Minimum {
  let evaluations = 0
  const value = (point: readonly number[]): number => {
    evaluations++
    const v = f(point)
    return Number.isNaN(v) ? Infinity : v
  }

  let best: number[] = []
  let bestValue = Infinity
  const grid = FORECAST_GRID
  const total = grid.length ** dimensions
  for (let index = 0; index < total; index++) {
    const point: number[] = []
    for (let d = 0, rest = index; d < dimensions; d++, rest = Math.floor(rest / grid.length)) point.push(grid[rest % grid.length] as number)
    const v = value(point)
    if (v < bestValue) {
      best = point
      bestValue = v
    }
  }

  const simplex: Array<{ point: number[], value: number }> = [{ point: best, value: bestValue }]
  for (let d = 0; d < dimensions; d++) {
    const point = [...best]
    point[d] = (point[d] as number) + STEP <= 1 ? (point[d] as number) + STEP : (point[d] as number) - STEP
    simplex.push({ point, value: value(point) })
  }
  const clamp = (point: number[]): number[] => point.map(x => Math.min(1, Math.max(0, x)))
  const along = (from: readonly number[], to: readonly number[], t: number): number[] => clamp(from.map((x, i) => x + t * ((to[i] as number) - x)))

  for (let iteration = 0; iteration < FORECAST_MAX_ITERATIONS; iteration++) {
    simplex.sort((a, b) => a.value - b.value)
    const lowest = simplex[0] as { point: number[], value: number }
    const highest = simplex[dimensions] as { point: number[], value: number }
    const spread = Math.max(...simplex.map(v => Math.max(...v.point.map((x, i) => Math.abs(x - (lowest.point[i] as number))))))
    if (highest.value - lowest.value <= FORECAST_TOLERANCE * (Math.abs(lowest.value) + 1e-12) || spread < MIN_SPREAD) break

    const centroid = new Array<number>(dimensions).fill(0)
    for (let v = 0; v < dimensions; v++) {
      for (let i = 0; i < dimensions; i++) centroid[i] = (centroid[i] as number) + ((simplex[v] as { point: number[] }).point[i] as number) / dimensions
    }
    // Points on the line from the worst vertex through the centroid: t = 1 + REFLECT reflects it, and so on.
    const reflected = along(highest.point, centroid, 1 + REFLECT)
    const reflectedValue = value(reflected)
    const secondHighest = (simplex[dimensions - 1] as { value: number }).value
    if (reflectedValue < lowest.value) {
      const expanded = along(highest.point, centroid, 1 + REFLECT * EXPAND)
      const expandedValue = value(expanded)
      simplex[dimensions] = expandedValue < reflectedValue ? { point: expanded, value: expandedValue } : { point: reflected, value: reflectedValue }
    } else if (reflectedValue < secondHighest) {
      simplex[dimensions] = { point: reflected, value: reflectedValue }
    } else {
      const outside = reflectedValue < highest.value
      const contracted = outside ? along(highest.point, centroid, 1 + REFLECT * CONTRACT) : along(highest.point, centroid, CONTRACT)
      const contractedValue = value(contracted)
      if (contractedValue < Math.min(reflectedValue, highest.value)) {
        simplex[dimensions] = { point: contracted, value: contractedValue }
      } else {
        for (let v = 1; v <= dimensions; v++) {
          const point = along(lowest.point, (simplex[v] as { point: number[] }).point, SHRINK)
          simplex[v] = { point, value: value(point) }
        }
      }
    }
  }
  simplex.sort((a, b) => a.value - b.value)
  const winner = simplex[0] as { point: number[], value: number }
  return { point: winner.point, value: winner.value, evaluations }
}
