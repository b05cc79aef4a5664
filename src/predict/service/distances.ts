/**
 * Distances for the proximity score, from a topology file (`peers/*.json`):
 * `rttMs` gives the round trip between regions (either order, or both), and
 * `origin` where the origin registry sits: `origin.rttMs` per region, else
 * the round trip to `origin.region`. A peers file without `rttMs` gives no
 * distances (the priority defaults apply). Other fields are not read here.
 */
import { readFile } from 'node:fs/promises'
import type { Distances } from '../priority/index.js'
import { PRIORITY_MAX_RTT_MS } from './constants.js'
import { PriorityTopologyError } from './errors.js'
import { isRegion } from './gossip.js'

export function parseDistances (text: string, source: string): Distances | undefined {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new PriorityTopologyError(`topology ${source}: ${(err as Error).message}`)
  }
  const top = json as { rttMs?: unknown, origin?: unknown } | null
  if (top?.rttMs == null) return undefined
  const fail = (field: string, problem: string): never => { throw new PriorityTopologyError(`topology ${source}: ${field} ${problem}`) }
  const rttMs: Record<string, Record<string, number>> = {}
  for (const [a, row] of Object.entries(object(top.rttMs, 'rttMs', fail))) {
    if (!isRegion(a)) fail(`rttMs.${a}`, 'is not a region name')
    rttMs[a] = {}
    for (const [b, ms] of Object.entries(object(row, `rttMs.${a}`, fail))) {
      if (!isRegion(b)) fail(`rttMs.${a}.${b}`, 'is not a region name')
      const back = rttMs[b]?.[a]
      const value = checkMs(ms, `rttMs.${a}.${b}`, fail)
      if (back != null && back !== value) fail(`rttMs.${a}.${b}`, `(${value}) disagrees with rttMs.${b}.${a} (${back}); round trips are symmetric`)
      rttMs[a][b] = value
    }
  }
  const distances: Distances = { rttMs }
  if (top.origin == null) return distances
  const origin = object(top.origin, 'origin', fail) as { region?: unknown, rttMs?: unknown }
  const regions = new Set([...Object.keys(rttMs), ...Object.values(rttMs).flatMap(row => Object.keys(row))])
  const between = (a: string, b: string): number | undefined => a === b ? (rttMs[a]?.[b] ?? 0) : rttMs[a]?.[b] ?? rttMs[b]?.[a]
  const originRttMs: Record<string, number> = {}
  if (origin.region != null) {
    if (!isRegion(origin.region)) fail('origin.region', 'is not a region name')
    for (const r of regions) {
      const ms = between(r, origin.region as string)
      if (ms != null) originRttMs[r] = ms
    }
  }
  if (origin.rttMs != null) {
    for (const [r, ms] of Object.entries(object(origin.rttMs, 'origin.rttMs', fail))) {
      if (!isRegion(r)) fail(`origin.rttMs.${r}`, 'is not a region name')
      originRttMs[r] = checkMs(ms, `origin.rttMs.${r}`, fail)
    }
  }
  if (Object.keys(originRttMs).length > 0) distances.originRttMs = originRttMs
  return distances
}

/** The distances of the topology file at `path`; undefined when it names no round trips. */
export async function readDistances (path: string): Promise<Distances | undefined> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new PriorityTopologyError(`topology ${path}: ${(err as Error).message}`)
  }
  return parseDistances(text, path)
}

function object (v: unknown, field: string, fail: (field: string, problem: string) => never): Record<string, unknown> {
  if (typeof v !== 'object' || v == null || Array.isArray(v)) fail(field, 'must be an object keyed by region')
  return v as Record<string, unknown>
}

function checkMs (v: unknown, field: string, fail: (field: string, problem: string) => never): number {
  if (typeof v !== 'number' || !(v >= 0 && v <= PRIORITY_MAX_RTT_MS)) fail(field, `must be a round trip in ms from 0 to ${PRIORITY_MAX_RTT_MS}`)
  return v as number
}
