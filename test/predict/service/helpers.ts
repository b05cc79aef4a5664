/** A priority service over an in-memory usage log and pubsub twin, with a hand-moved clock, for the service's tests. */
import { createMemoryUsageLog, type MemoryUsageLog, type UsageEvent } from '../../../src/usage/index.js'
import {
  createPriorityService, MemoryPubSubNetwork, PRIORITY_TOPIC, encodePriorityMessage,
  type PriorityMessage, type PriorityService, type PriorityServiceInit, type PriorityThreat
} from '../../../src/predict/service/index.js'

export const minute = 60_000
export const hour = 60 * minute
/** A fixed "now" for the rounds. */
export const NOW = Date.UTC(2024, 4, 1, 12, 0, 0)

interface Teardown { teardown: (fn: () => unknown) => void }

export function digest (name: string): string {
  let hex = ''
  for (const c of name) hex += c.charCodeAt(0).toString(16).padStart(2, '0')
  return 'sha256:' + hex.padStart(64, '0').slice(-64)
}

/** A blob the mirror served from `region` to `client` at `timeMs`. */
export function served (timeMs: number, layer: string, client: string, region = 'eu-west', overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    timeMs,
    origin: 'docker.io',
    repository: 'library/app',
    reference: layer,
    digest: layer,
    kind: 'blob',
    bytes: 1000,
    bytesBySource: { local: 0, peer: 0, origin: 1000 },
    durationMs: 5,
    client,
    status: 200,
    region,
    ...overrides
  }
}

export interface LogLine { level: string, msg: string, obj: object }

export interface Harness {
  service: PriorityService
  log: MemoryUsageLog
  network: MemoryPubSubNetwork
  clock: { ms: number }
  lines: LogLine[]
  /** Digests the store "holds". */
  held: Set<string>
  /** Record events (any order of calls; the log orders them), flushing as it goes so its queue never overflows. */
  record: (events: UsageEvent[]) => Promise<void>
  /** Publish `message` as peer `from`, and let it arrive. */
  hear: (from: string, message: PriorityMessage) => Promise<void>
}

export async function harness (t: Teardown, init: Partial<PriorityServiceInit> = {}, threat?: PriorityThreat): Promise<Harness> {
  const clock = { ms: NOW }
  const log = createMemoryUsageLog({}, { now: () => clock.ms })
  await log.start()
  const network = new MemoryPubSubNetwork()
  const lines: LogLine[] = []
  const push = (level: string) => (obj: object, msg: string): void => { lines.push({ level, msg, obj }) }
  const held = new Set<string>()
  const service = createPriorityService({ region: 'eu-west', firstRoundDelayMs: 24 * hour, ...init }, {
    usage: log,
    pubsub: network.join('self'),
    logger: { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') },
    holds: async d => held.has(d),
    ...(threat != null ? { threat } : {}),
    now: () => clock.ms
  })
  await service.start()
  t.teardown(async () => {
    await service.stop()
    await log.stop()
  })
  return {
    service,
    log,
    network,
    clock,
    lines,
    held,
    record: async events => {
      for (let i = 0; i < events.length; i++) {
        log.record(events[i]!)
        // The queue holds 10,000; reading the tail writes what is queued.
        if (i % 5000 === 4999) await log.tail({ limit: 1 })
      }
      await log.tail({ limit: 1 })
    },
    hear: async (from, message) => {
      await network.join(from).publish(PRIORITY_TOPIC, encodePriorityMessage(message))
      await network.settle()
    }
  }
}
