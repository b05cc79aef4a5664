/**
 * This daemon's own demand: the usage log read, in time order and from a
 * cursor, into a `DemandModel` per region, and the busiest layers'
 * forecasts plus what the rules expect of them. Only blobs the mirror
 * served (status below 400) are read: a priority is a layer's, and a
 * manifest is small enough to fetch when asked for.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import { DemandModel } from '../model/index.js'
import { modelOptions } from '../model/options.js'
import type { UsageLog } from '../../usage/index.js'
import { PRIORITY_MAX_LOCAL_REGIONS } from './constants.js'
import { isRegion } from './gossip.js'
import type { PriorityLogger } from './index.js'

/** Events read between two yields to the event loop, so a long backlog does not hold up pulls. */
const EVENTS_PER_YIELD = 256
/** Layers forecast between two yields (a first fit costs 1 to 3 ms). */
const LAYERS_PER_YIELD = 16

export interface LocalDemandInit {
  region: string
  historyMs: number
  maxEventsPerRound: number
  settleMs: number
  localLayers: number
  maxLayers: number
}

export interface CatchUp {
  /** Events read from the log. */
  read: number
  /** Whether the round's limit stopped the read before the end of the window. */
  capped: boolean
}

export class LocalDemand {
  readonly model = new DemandModel(modelOptions({ perRegion: true }))
  private cursorMs: number | undefined
  /** Regions this daemon's events name, its own first; bounded. */
  private readonly regions = new Set<string>()
  private mined = false
  /** Events the model refused (a field it cannot take); counted, never fatal. */
  refused = 0

  constructor (private readonly o: LocalDemandInit, private readonly logger: PriorityLogger) {
    this.regions.add(o.region)
  }

  /** Read the events since the cursor (the first time: the last `historyMs`) up to `settleMs` before now. */
  async catchUp (usage: Pick<UsageLog, 'range'>, nowMs: number, signal: AbortSignal): Promise<CatchUp> {
    const toMs = Math.max(0, nowMs - this.o.settleMs)
    const fromMs = this.cursorMs ?? Math.max(0, toMs - this.o.historyMs)
    if (toMs <= fromMs) return { read: 0, capped: false }
    let read = 0
    let lastMs = fromMs
    let capped = false
    for await (const e of usage.range({ fromMs, toMs, signal })) {
      read++
      lastMs = e.timeMs
      if (e.kind === 'blob' && e.status < 400) this.observe(e.timeMs, e.client, e.digest, e.bytes, e.region)
      if (read >= this.o.maxEventsPerRound) { capped = true; break }
      if (read % EVENTS_PER_YIELD === 0) {
        await yieldToLoop()
        signal.throwIfAborted()
      }
    }
    // Stopped by the limit: the rest of that millisecond is skipped, so no event is read twice.
    this.cursorMs = capped ? lastMs + 1 : toMs
    if (!this.mined && read > 0 && !capped) {
      // The model mines rules once an hour of events has passed; a young log would wait that long for its first.
      this.model.rules.refresh(lastMs)
      this.mined = true
    }
    return { read, capped }
  }

  /**
   * Predicted requests per region over the next hour of the busiest
   * layers, and of the layers rules expect after them: per region, the
   * larger of the layer's own forecast and the rules' expectation.
   */
  async demand (nowMs: number, signal: AbortSignal): Promise<Map<string, Map<string, number>>> {
    const busy = this.model.busiest(this.o.localLayers, nowMs)
    const forecasts = new Map<string, Map<string, number>>()
    const forecastOf = (blob: string): Map<string, number> => {
      let f = forecasts.get(blob)
      if (f == null) {
        f = new Map()
        for (const r of this.regions) {
          const x = this.model.forecast(blob, nowMs, r)
          if (x > 0) f.set(r, x)
        }
        forecasts.set(blob, f)
      }
      return f
    }
    const expected = new Map<string, Map<string, number>>()
    let done = 0
    for (const a of busy) {
      const fa = forecastOf(a)
      for (const x of this.model.expectAfter(a)) {
        if (x.blob === a || fa.size === 0) continue
        if (!expected.has(x.blob) && expected.size + busy.length >= this.o.maxLayers) continue
        let e = expected.get(x.blob)
        if (e == null) expected.set(x.blob, e = new Map())
        for (const [r, f] of fa) e.set(r, (e.get(r) ?? 0) + f * x.orderedConfidence)
      }
      if (++done % LAYERS_PER_YIELD === 0) {
        await yieldToLoop()
        signal.throwIfAborted()
      }
    }
    const out = new Map<string, Map<string, number>>()
    for (const blob of new Set([...busy, ...expected.keys()])) {
      const own = forecastOf(blob)
      const merged = new Map(own)
      for (const [r, e] of expected.get(blob) ?? []) merged.set(r, Math.max(merged.get(r) ?? 0, e))
      if (merged.size > 0) out.set(blob, merged)
      if (++done % LAYERS_PER_YIELD === 0) {
        await yieldToLoop()
        signal.throwIfAborted()
      }
    }
    return out
  }

  private observe (tsMs: number, client: string, blob: string, bytes: number, region: string | undefined): void {
    // The mirror stamps its own region; an event without one (or with a name gossip could not carry) is this daemon's.
    let r = region != null && isRegion(region) ? region : this.o.region
    if (!this.regions.has(r)) {
      if (this.regions.size < PRIORITY_MAX_LOCAL_REGIONS) this.regions.add(r)
      else r = this.o.region
    }
    try {
      this.model.observe({ tsMs, client: client !== '' ? client : 'unknown', blob, bytes, region: r, kind: 'blob' })
    } catch (err) {
      if (this.refused++ % 1000 === 0) this.logger.warn({ err: (err as Error).message, refused: this.refused }, 'a usage event the demand model could not take')
    }
  }
}
