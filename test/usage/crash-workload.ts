/** The workload of the roll-up crash tests, shared by the test and its child process. */
import { USAGE_NO_REGION } from '../../src/usage/constants.js'
import { makeEvent } from './helpers.js'
import type { UsageEvent, UsageLogInit } from '../../src/usage/index.js'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

/** The clock of every log in these tests. */
export const NOW_MS = 40 * DAY_MS + 17 * MINUTE_MS
/** Small batches and a small count limit, so a run makes many batches and prunes by count as well as by age. */
export const CRASH_INIT: UsageLogInit = { batchEvents: 4, flushIntervalMs: 1, retentionMs: 3 * DAY_MS, maxEvents: 250 }

const DIGESTS = ['sha256:a1', 'sha256:b2', 'sha256:c3', 'sha256:d4', 'sha256:e5']
const REGIONS = ['eu', 'us', USAGE_NO_REGION, undefined]

/** An event from the seeded generator `next`: mostly the hours before `nowMs`, a fifth older than the retention window. */
export function randomEvent (next: () => number, n: number, nowMs = NOW_MS): UsageEvent {
  const rand = (): number => next() / 2 ** 32
  const int = (k: number): number => Math.floor(rand() * k)
  const timeMs = rand() < 0.2 ? nowMs - 3 * DAY_MS - int(DAY_MS) : nowMs - int(5 * HOUR_MS)
  const bytes = int(10_000)
  const local = int(bytes + 1)
  const region = REGIONS[int(REGIONS.length)]
  return makeEvent(timeMs, n, {
    digest: DIGESTS[int(DIGESTS.length)] ?? '',
    kind: rand() < 0.8 ? 'blob' : 'manifest',
    bytes,
    bytesBySource: { local, peer: 0, origin: bytes - local },
    ...(region != null ? { region } : {})
  })
}
