/**
 * The roll-up part of the UsageLog conformance suite (run by `conformance`):
 * roll-ups and top layers against a brute-force aggregation of the stored
 * events, a failed write, the rebuild of a store written without roll-ups,
 * and the checks of the queries.
 */
import { seededRandom } from '../../sim/random.js'
import {
  USAGE_MAX_TIME_MS, USAGE_MINUTE_ROLLUP_RETENTION_MS, USAGE_NO_REGION, USAGE_REBUILD_CHUNK_KEYS, USAGE_TOP_MAX_N
} from '../../src/usage/index.js'
import { encodeEvent, usageKey } from '../../src/usage/record.js'
import { bucketStartMs, rollupKey } from '../../src/usage/rollup-record.js'
import { aggregate, collect, DAY_MS, makeEvent, manualClock, recordingLogger, topOf, type Clock } from './helpers.js'
import type { Test } from 'tap'
import type { UsageEvent, UsageLog, UsageLogInit, UsageRollup } from '../../src/usage/index.js'
import type { UsageLogHarness } from './conformance.js'

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS
const QUIET = { flushIntervalMs: 60_000 }
const DIGESTS = ['sha256:aaaa', 'sha256:bbbb', 'sha256:cccc', 'sha256:dd/d%2F', 'sha256:eeee', 'sha256:ffff', 'sha256:0000']
const REGIONS = ['eu-west', 'us/east%', undefined, USAGE_NO_REGION]

const everything = { fromMs: 0, toMs: USAGE_MAX_TIME_MS }
const minuteCutoff = (nowMs: number): number => bucketStartMs('minute', nowMs - USAGE_MINUTE_ROLLUP_RETENTION_MS)

/** Deep equality through JSON: tap's own comparison is slow on thousands of rows. */
function sameJson (t: Test, got: unknown, want: unknown, message: string): void {
  const a = JSON.stringify(got)
  const b = JSON.stringify(want)
  if (a === b) t.pass(message)
  else t.same(got, want, message)
}

/** Every stored event, and the roll-ups they must add up to at `nowMs`. */
async function expected (log: UsageLog, nowMs: number): Promise<{ events: UsageEvent[], hour: UsageRollup[], minute: UsageRollup[] }> {
  const events = await collect(log.range(everything))
  return { events, hour: aggregate(events, 'hour'), minute: aggregate(events, 'minute', minuteCutoff(nowMs)) }
}

export function rollupConformance (t: Test, name: string, harness: UsageLogHarness): void {
  const open = async (t: Test, init: UsageLogInit, clock: Clock, logger = recordingLogger()): Promise<UsageLog> => {
    const log = await harness.create(t, init, { now: clock.now, logger })
    await log.start()
    t.teardown(async () => { await log.stop() })
    return log
  }

  t.test(`${name}: roll-ups add up the events, by minute and hour, kind, digest and region`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const log = await open(t, QUIET, clock)
    const at = 10 * DAY_MS - 2 * HOUR_MS
    const events = [
      makeEvent(at - 1, 1), makeEvent(at, 1), makeEvent(at + 1, 2), makeEvent(at + MINUTE_MS - 1, 2),
      makeEvent(at + MINUTE_MS, 1), makeEvent(at + HOUR_MS, 1), makeEvent(at + 30, 3), makeEvent(at + 31, 4, { region: '-' })
    ]
    for (const e of events) log.record(e)
    const hour = await collect(log.rollup({ bucket: 'hour', ...everything }))
    t.same(hour, aggregate(events, 'hour'))
    t.same(await collect(log.rollup({ bucket: 'minute', ...everything })), aggregate(events, 'minute'))
    t.same(hour.map(r => r.bucketStartMs), [...hour.map(r => r.bucketStartMs)].sort((a, b) => a - b), 'in time order')
    t.match(hour.find(r => r.bucketStartMs === at && r.digest === makeEvent(0, 1).digest), { region: USAGE_NO_REGION, requests: 2, bytes: 2002, kind: 'blob' }, 'no region counts under "-", as does a region named "-"')
    t.equal(hour.filter(r => r.region === USAGE_NO_REGION && r.bucketStartMs === at && r.digest === makeEvent(0, 3).digest)[0]?.requests, 1, 'a manifest keeps its kind')

    const window = { bucket: 'minute' as const, fromMs: at, toMs: at + MINUTE_MS }
    t.same(await collect(log.rollup(window)), aggregate(events.filter(e => e.timeMs >= at && e.timeMs < at + MINUTE_MS), 'minute'), 'buckets starting in [fromMs, toMs)')
    t.same(await collect(log.rollup({ ...window, fromMs: at + 1 })), [], 'a bucket starting before fromMs is not in')
    t.same(await collect(log.rollup({ ...window, region: 'eu-west' })), aggregate(events.filter(e => e.timeMs >= at && e.timeMs < at + MINUTE_MS && e.region === 'eu-west'), 'minute'), 'by region')
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything, digest: makeEvent(0, 2).digest, kind: 'blob' })), aggregate(events.filter(e => e.digest === makeEvent(0, 2).digest), 'hour'), 'by digest and kind')
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything, kind: 'manifest' })), aggregate(events.filter(e => e.kind === 'manifest'), 'hour'))
  })

  t.test(`${name}: rollup and topLayers check their arguments`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const stopped = await harness.create(t, QUIET, { now: clock.now })
    await t.rejects(collect(stopped.rollup({ bucket: 'hour', ...everything })), { name: 'UsageLogClosedError' })
    await t.rejects(stopped.topLayers({ sinceMs: 0, n: 1, by: 'requests' }), { name: 'UsageLogClosedError' })
    const log = await open(t, QUIET, clock)
    const bad: unknown[] = [
      { bucket: 'day', ...everything }, { bucket: 'hour', fromMs: -1, toMs: 5 }, { bucket: 'hour', fromMs: 5, toMs: 4 },
      { bucket: 'hour', fromMs: NaN, toMs: 4 }, { bucket: 'hour', ...everything, digest: '' }, { bucket: 'hour', ...everything, kind: 'index' }
    ]
    for (const o of bad) await t.rejects(collect(log.rollup(o as never)), { name: 'InvalidUsageQueryError' }, JSON.stringify(o))
    for (const o of [{ sinceMs: 0, n: 0, by: 'requests' }, { sinceMs: 0, n: USAGE_TOP_MAX_N + 1, by: 'requests' }, { sinceMs: 0, n: 1.5, by: 'bytes' }, { sinceMs: -1, n: 1, by: 'bytes' }, { sinceMs: 0, n: 1, by: 'time' }]) {
      await t.rejects(log.topLayers(o as never), { name: 'InvalidUsageQueryError' }, JSON.stringify(o))
    }
    await t.rejects(log.topLayers({ sinceMs: 0, n: 1, by: 'requests', signal: AbortSignal.abort() }), { name: 'AbortError' })
    for (let i = 0; i < 5; i++) log.record(makeEvent(10 * DAY_MS - i * MINUTE_MS, i))
    const controller = new AbortController()
    let seen = 0
    await t.rejects((async () => {
      for await (const _ of log.rollup({ bucket: 'minute', ...everything, signal: controller.signal })) {
        if (++seen === 2) controller.abort()
      }
    })(), { name: 'AbortError' })
    t.equal(seen, 2, 'an abort stops the iteration')
  })

  t.test(`${name}: topLayers ranks blobs from the minute holding sinceMs, the current hour included`, async t => {
    const clock = manualClock(10 * DAY_MS + 20 * MINUTE_MS)
    const log = await open(t, QUIET, clock)
    const now = clock.now()
    const events: UsageEvent[] = []
    const add = (timeMs: number, digest: string, bytes: number, region?: string): void => {
      const e = makeEvent(timeMs, 1, { digest, bytes, kind: 'blob', bytesBySource: { local: bytes, peer: 0, origin: 0 }, ...(region != null ? { region } : {}) })
      events.push(e)
      log.record(e)
    }
    for (let i = 0; i < 5; i++) add(now - 10 * MINUTE_MS, 'sha256:a', 10, 'eu')
    for (let i = 0; i < 3; i++) add(now - 70 * MINUTE_MS, 'sha256:b', 1000)
    add(now - 61 * MINUTE_MS, 'sha256:c', 1)
    add(now - 61 * MINUTE_MS + 59_999, 'sha256:c', 1)
    add(now - 3 * DAY_MS, 'sha256:d', 5)
    log.record(makeEvent(now - 5 * MINUTE_MS, 0, { digest: 'sha256:manifest', kind: 'manifest' }))

    const sinceMs = now - 61 * MINUTE_MS + 30_000
    t.same(await log.topLayers({ sinceMs, n: 10, by: 'requests' }), topOf(events, bucketStartMs('minute', sinceMs), 10, 'requests'), 'the whole minute holding sinceMs counts; manifests do not')
    t.same((await log.topLayers({ sinceMs, n: 10, by: 'requests' })).map(l => l.digest), ['sha256:a', 'sha256:c'])
    t.same((await log.topLayers({ sinceMs: now - 2 * HOUR_MS, n: 1, by: 'bytes' })).map(l => l.digest), ['sha256:b'], 'by bytes')
    t.same(await log.topLayers({ sinceMs: now - 2 * HOUR_MS, n: 10, by: 'requests', region: 'eu' }), topOf(events, now - 2 * HOUR_MS, 10, 'requests', 'eu'), 'one region')
    const old = now - 3 * DAY_MS + 1
    t.same(await log.topLayers({ sinceMs: old, n: 10, by: 'requests' }), topOf(events, bucketStartMs('hour', old), 10, 'requests'), 'beyond the minute window, from the hour holding sinceMs')
    t.same(await log.topLayers({ sinceMs: now + HOUR_MS, n: 3, by: 'requests' }), [], 'nothing after')
  })

  t.test(`${name}: a write that fails leaves neither events nor roll-ups`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const logger = recordingLogger()
    const log = await open(t, { ...QUIET, maxEvents: 4 }, clock, logger)
    const kept = [makeEvent(10 * DAY_MS - 5, 1), makeEvent(10 * DAY_MS - 4, 2)]
    for (const e of kept) log.record(e)
    await log.tail()
    await harness.failWrites(log, 1)
    for (let i = 0; i < 3; i++) log.record(makeEvent(10 * DAY_MS - 3 + i, 10 + i))
    t.same(await log.tail(), kept, 'the failed batch is not stored')
    t.match(log.stats(), { stored: 2, dropped: 3 })
    t.ok(logger.lines.some(l => l.level === 'error' && /could not write/.test(l.msg)))
    let want = await expected(log, clock.now())
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything })), want.hour, 'nor counted')
    t.same(await collect(log.rollup({ bucket: 'minute', ...everything })), want.minute)

    for (let i = 0; i < 4; i++) log.record(makeEvent(10 * DAY_MS - 2 + i, 20 + i))
    await log.tail()
    await harness.failWrites(log, 1)
    await t.rejects(log.prune(), /./, 'a prune whose delete fails fails')
    want = await expected(log, clock.now())
    t.equal(want.events.length, 6, 'and deletes nothing')
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything })), want.hour, 'the roll-ups still count every stored event')
    t.same(await collect(log.rollup({ bucket: 'minute', ...everything })), want.minute)
    t.equal(await log.prune(), 2, 'the next prune goes ahead')
    want = await expected(log, clock.now())
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything })), want.hour)
  })

  t.test(`${name}: roll-ups are rebuilt, in bounded chunks, for a store written without them`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const logger = recordingLogger()
    const log = await harness.create(t, QUIET, { now: clock.now, logger })
    // More roll-up keys than a rebuild holds at once (about 4,000 hour and 7,000 minute keys, over
    // 40 hours), so it writes in chunks, and a digest seen again within its hour after a chunk adds
    // to what was written.
    const n = Math.ceil(USAGE_REBUILD_CHUNK_KEYS * 0.7)
    const spanMs = 40 * HOUR_MS
    const planted = Array.from({ length: n }, (_, i) => makeEvent(10 * DAY_MS - spanMs + Math.floor(i * spanMs / n), i, { digest: `sha256:${i % 100}` }))
    await harness.putRaw(log, planted.map((e, i) => [usageKey(e.timeMs, i), encodeEvent(e)]))
    await log.start()
    t.teardown(async () => { await log.stop() })
    t.ok(logger.lines.some(l => l.level === 'warn' && /rebuilding/.test(l.msg) && /no roll-ups/.test((l.obj as { reason: string }).reason)), 'an upgraded store is rebuilt, and says why')
    t.match(logger.lines.find(l => l.level === 'info' && /rebuilt/.test(l.msg))?.obj, { events: n }, 'and says when it is done')
    const want = await expected(log, clock.now())
    t.equal(want.events.length, n)
    t.ok(want.hour.length + want.minute.length > USAGE_REBUILD_CHUNK_KEYS, 'more keys than one chunk')
    sameJson(t, await collect(log.rollup({ bucket: 'hour', ...everything })), want.hour, 'hour roll-ups')
    sameJson(t, await collect(log.rollup({ bucket: 'minute', ...everything })), want.minute, 'minute roll-ups')
  })

  t.test(`${name}: roll-ups are rebuilt when events change behind their back, or when one is damaged`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const logger = recordingLogger()
    const log = await harness.create(t, QUIET, { now: clock.now, logger })
    await log.start()
    t.teardown(async () => { await log.stop() })
    for (let i = 0; i < 50; i++) log.record(makeEvent(10 * DAY_MS - i * 7 * MINUTE_MS, i, { digest: `sha256:${i % 7}` }))
    await log.tail()
    logger.lines.length = 0
    await log.stop()
    await log.start()
    t.notOk(logger.lines.some(l => /rebuil/.test(l.msg)), 'a clean restart does not rebuild')

    // A program without roll-ups adds an event while this one is stopped.
    await log.stop()
    const extra = makeEvent(10 * DAY_MS - 1, 1, { digest: 'sha256:late' })
    await harness.putRaw(log, [[usageKey(extra.timeMs, 1000), encodeEvent(extra)]])
    await log.start()
    t.ok(logger.lines.some(l => /rebuilding/.test(l.msg)), 'events the roll-ups do not count make a rebuild')
    const want = await expected(log, clock.now())
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything, digest: 'sha256:late' })), aggregate([extra], 'hour'))
    sameJson(t, await collect(log.rollup({ bucket: 'hour', ...everything })), want.hour, 'the rest unchanged')

    // A damaged roll-up is skipped and counted when read, and repaired at the next start.
    await log.stop()
    const damaged = rollupKey({ bucket: 'hour', bucketStartMs: bucketStartMs('hour', extra.timeMs), kind: extra.kind, digest: extra.digest, region: USAGE_NO_REGION })
    await harness.putRaw(log, [[damaged, '[1, "x"]']])
    logger.lines.length = 0
    await log.start()
    t.notOk(logger.lines.some(l => /rebuilding/.test(l.msg)), 'a damaged value is not seen at start...')
    const corrupt = log.stats().corrupt
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything, digest: 'sha256:late' })), [], '... but is skipped when read')
    t.equal(log.stats().corrupt, corrupt + 1, 'and counted')
    await log.stop()
    await log.start()
    t.ok(logger.lines.some(l => /rebuilding/.test(l.msg) && /damaged/.test((l.obj as { reason: string }).reason)), 'the next start rebuilds')
    t.same(await collect(log.rollup({ bucket: 'hour', ...everything, digest: 'sha256:late' })), aggregate([extra], 'hour'), 'and the roll-up is right again')
  })

  t.test(`${name}: seeded simulation: roll-ups and top layers against brute force`, async t => {
    const seed = Number(process.env.SHOAL_USAGE_SEED ?? Date.now() % 1_000_000)
    t.comment(`seed ${seed} (replay with SHOAL_USAGE_SEED=${seed})`)
    await simulate(t, harness, seed)
  })
}

/**
 * Random events (many on bucket boundaries, some older than the retention
 * window or the minute window) under a clock that moves on by minutes to a
 * day, with prunes (by age and by count) and restarts; after every step
 * the roll-ups and the top layers must equal a brute-force aggregation of the
 * events stored.
 */
async function simulate (t: Test, harness: UsageLogHarness, seed: number, steps = 120): Promise<void> {
  const next = seededRandom(seed)
  const rand = (): number => next() / 2 ** 32
  const int = (n: number): number => Math.floor(rand() * n)
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T
  const clock = manualClock(30 * DAY_MS)
  const init = { batchEvents: 1 + int(20), maxQueuedEvents: 20_000, flushIntervalMs: 1 + int(30), retentionMs: 3 * DAY_MS, maxEvents: 200 + int(400) }
  const log = await harness.create(t, init, { now: clock.now, logger: recordingLogger() })
  await log.start()
  t.teardown(async () => { await log.stop() })
  const failures: string[] = []
  const check = (label: string, got: unknown, want: unknown): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${label}: got ${JSON.stringify(got).slice(0, 300)} want ${JSON.stringify(want).slice(0, 300)}`)
  }
  let n = 0
  const randomTime = (): number => {
    const now = clock.now()
    const r = rand()
    if (r < 0.3) return now - int(2 * HOUR_MS)
    if (r < 0.5) return bucketStartMs('hour', now - int(6 * HOUR_MS)) - 1 + int(3)
    if (r < 0.7) return bucketStartMs('minute', now - int(HOUR_MS)) - 1 + int(3)
    if (r < 0.9) return now - int(4 * DAY_MS)
    return now + int(MINUTE_MS)
  }

  for (let step = 0; step < steps && failures.length === 0; step++) {
    const op = rand()
    if (op < 0.5) {
      for (let i = 0, k = 1 + int(40); i < k; i++) {
        const bytes = int(5000)
        const local = int(bytes + 1)
        const peer = int(bytes - local + 1)
        const region = pick(REGIONS)
        log.record(makeEvent(randomTime(), n++, {
          digest: pick(DIGESTS), kind: rand() < 0.8 ? 'blob' : 'manifest', bytes, bytesBySource: { local, peer, origin: bytes - local - peer },
          ...(region != null ? { region } : {})
        }))
      }
    } else if (op < 0.65) {
      clock.set(clock.now() + (rand() < 0.2 ? int(DAY_MS) : int(2 * HOUR_MS)))
    } else if (op < 0.75) {
      await log.prune()
    } else if (op < 0.8) {
      await log.stop()
      await log.start()
    } else {
      const now = clock.now()
      const want = await expected(log, now)
      check(`step ${step} hour roll-ups`, await collect(log.rollup({ bucket: 'hour', ...everything })), want.hour)
      check(`step ${step} minute roll-ups`, await collect(log.rollup({ bucket: 'minute', ...everything })), want.minute)
      const fromMs = now - int(3 * HOUR_MS)
      const toMs = fromMs + int(2 * HOUR_MS)
      const region = pick(REGIONS) ?? USAGE_NO_REGION
      check(`step ${step} minute window ${fromMs}-${toMs} in ${region}`, await collect(log.rollup({ bucket: 'minute', fromMs, toMs, region })),
        want.minute.filter(r => r.bucketStartMs >= fromMs && r.bucketStartMs < toMs && r.region === region))
      const sinceMs = now - int(3 * DAY_MS)
      const startMs = bucketStartMs('minute', sinceMs) >= minuteCutoff(now) ? bucketStartMs('minute', sinceMs) : bucketStartMs('hour', sinceMs)
      const by = rand() < 0.5 ? 'requests' : 'bytes'
      const top = 1 + int(6)
      check(`step ${step} topLayers(${sinceMs}, ${top}, ${by})`, await log.topLayers({ sinceMs, n: top, by }), topOf(want.events, startMs, top, by))
    }
  }
  t.same(failures, [], `the roll-ups agree with the events (seed ${seed})`)
  t.ok(n > 0)
}
