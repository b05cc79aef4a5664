/**
 * What shoal knows about demand, learned strictly from the requests it has
 * seen: association rules (what follows what), forecasts per blob (what the
 * next hour brings), and a decayed request count per blob (what was asked
 * for lately). The cache policy and the daemon's priority both read it.
 */
import { RecencyList } from '../cache/recency.js'
import { createDemandForecaster, type DemandForecaster } from '../forecast/index.js'
import { createRuleMiner, type Expectation, type RuleMiner } from '../rules/index.js'
import type { TraceRequest } from '../types.js'
import type { ResolvedModelOptions } from './options.js'

interface Known {
  bytes: number
  /** Decayed request count as of `atMs`. */
  count: number
  atMs: number
}

/** The forecaster's region for a request without one. */
export const NO_REGION = '-'

export class DemandModel {
  readonly rules: RuleMiner
  readonly forecaster: DemandForecaster
  /** A linked list, not a Map's insertion order: re-inserting into a Map on every request leaves holes that make finding the oldest slow. */
  private readonly known = new RecencyList<Known>()
  private lastRefreshMs: number | undefined
  private readonly decayPerMs: number

  constructor (private readonly o: ResolvedModelOptions) {
    this.rules = createRuleMiner(o.rules)
    this.forecaster = createDemandForecaster(o.forecast)
    this.decayPerMs = Math.LN2 / o.halfLifeMs
  }

  /** Learn from one request (time-ordered); mines rules again when `refreshMs` of trace time has passed. */
  observe (r: TraceRequest): void {
    this.rules.add(r)
    this.forecaster.add(r.blob, this.o.perRegion ? (r.region ?? NO_REGION) : NO_REGION, r.tsMs)
    const k = this.known.get(r.blob)
    if (k === undefined) {
      const oldest = this.known.size >= this.o.maxKnownBlobs ? this.known.oldest() : undefined
      if (oldest !== undefined) this.known.delete(oldest)
      this.known.touch(r.blob, { bytes: r.bytes, count: 1, atMs: r.tsMs })
    } else {
      k.count = this.decayed(k, r.tsMs) + 1
      k.atMs = r.tsMs
      k.bytes = r.bytes
      this.known.touch(r.blob, k)
    }
    if (this.lastRefreshMs === undefined) this.lastRefreshMs = r.tsMs
    if (r.tsMs - this.lastRefreshMs >= this.o.refreshMs) {
      this.rules.refresh(r.tsMs)
      this.lastRefreshMs = r.tsMs
    }
  }

  /** Blobs expected after `blob`, by the latest rules, best first. */
  expectAfter (blob: string): readonly Expectation[] {
    return this.rules.expect(blob)
  }

  /** The blob's size as last seen; undefined when never seen (or forgotten). */
  bytesOf (blob: string): number | undefined {
    return this.known.get(blob)?.bytes
  }

  /** Requests of the recent past, each weighing half as much every `halfLifeMs`. */
  recentCount (blob: string, nowMs: number): number {
    const k = this.known.get(blob)
    return k === undefined ? 0 : this.decayed(k, nowMs)
  }

  /** Requests expected in (now, now + horizonMs], all regions together when the model is not per region. */
  forecast (blob: string, nowMs: number, region = NO_REGION): number {
    return this.forecaster.forecast(blob, region, nowMs, this.o.horizonMs)
  }

  /** The `n` blobs with the highest recent count: the ones worth a forecast. */
  busiest (n: number, nowMs: number): string[] {
    const scored: Array<[string, number]> = []
    for (const [blob, k] of this.known.entries()) scored.push([blob, this.decayed(k, nowMs)])
    scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    return scored.slice(0, n).map(s => s[0])
  }

  private decayed (k: Known, nowMs: number): number {
    return k.count * Math.exp(-this.decayPerMs * Math.max(0, nowMs - k.atMs))
  }
}
