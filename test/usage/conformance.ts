/**
 * The UsageLog conformance suite: every implementation runs it through
 * `conformance(t, name, harness)`. The harness builds a fresh, empty, not
 * yet started log, can plant raw records in a stopped one (as a damaged
 * disk, or an older program, would), and can make writes fail. The roll-up
 * part is in `rollup-conformance.ts`.
 */
import { seededRandom } from '../../sim/random.js'
import { USAGE_TAIL_DEFAULT_LIMIT, USAGE_TAIL_MAX_LIMIT } from '../../src/usage/index.js'
import { usageKey } from '../../src/usage/record.js'
import { rollupConformance } from './rollup-conformance.js'
import { collect, DAY_MS, eventually, makeEvent, manualClock, ordered, recordingLogger } from './helpers.js'
import type { Test } from 'tap'
import type { UsageEvent, UsageLog, UsageLogComponents, UsageLogInit } from '../../src/usage/index.js'

export interface UsageLogHarness {
  create: (t: Test, init?: UsageLogInit, components?: UsageLogComponents) => UsageLog | Promise<UsageLog>
  /** Store each `[key, value]` in the storage of `log`, which is stopped. */
  putRaw: (log: UsageLog, entries: Array<[string, string]>) => Promise<void>
  /** Make the next `n` storage writes of `log`, which is running, fail whole. */
  failWrites: (log: UsageLog, n: number) => Promise<void>
}

/** A long flush interval: only a full batch, a read or stop writes. */
const QUIET = { flushIntervalMs: 60_000 }
/** The clock of every log unless a test sets its own: events at small times are inside the retention window. */
const NOW_MS = 1_000_000

export function conformance (t: Test, name: string, given: UsageLogHarness): void {
  const harness: UsageLogHarness = {
    create: async (t, init, components = {}) => await given.create(t, init, { now: () => NOW_MS, ...components }),
    putRaw: given.putRaw,
    failWrites: given.failWrites
  }
  const open = async (t: Test, init: UsageLogInit = {}, components: UsageLogComponents = {}): Promise<UsageLog> => {
    const log = await harness.create(t, init, components)
    await log.start()
    t.teardown(async () => { await log.stop() })
    return log
  }

  t.test(`${name}: lifecycle`, async t => {
    const logger = recordingLogger()
    const log = await harness.create(t, QUIET, { logger })
    await t.rejects(log.tail(), { name: 'UsageLogClosedError' }, 'no reads before start')
    await t.rejects(collect(log.range({ fromMs: 0, toMs: 10 })), { name: 'UsageLogClosedError' })
    await t.rejects(log.prune(), { name: 'UsageLogClosedError' })
    t.doesNotThrow(() => { log.record(makeEvent(1)) }, 'record before start does not throw')
    t.match(log.stats(), { recorded: 1, dropped: 1, stored: 0, queued: 0 }, '... and counts the event as dropped')
    t.ok(logger.lines.some(l => l.level === 'warn' && /not running/.test(l.msg)), 'and warns')

    await Promise.all([log.start(), log.start()])
    await log.start()
    log.record(makeEvent(2, 2))
    await Promise.all([log.stop(), log.stop()])
    await log.stop()
    t.match(log.stats(), { recorded: 2, dropped: 1, stored: 1, queued: 0 }, 'stop writes what is queued')
    await t.rejects(log.tail(), { name: 'UsageLogClosedError' }, 'no reads after stop')
    log.record(makeEvent(3))
    t.equal(log.stats().dropped, 2, 'record after stop is dropped')

    await log.start()
    t.same(await log.tail(), [makeEvent(2, 2)], 'a restart keeps events')
    t.equal(log.stats().stored, 1)
    await log.stop()
  })

  t.test(`${name}: tail is ordered by time, newest last, ties in record order`, async t => {
    const log = await open(t, QUIET)
    const times = [50, 30, 30, 90, 10, 30, 70]
    times.forEach((time, i) => { log.record(makeEvent(time, i)) })
    const expected = ordered(times.map((time, i) => ({ event: makeEvent(time, i), order: i })))
    t.same(await log.tail(), expected, 'reads what was just recorded, without waiting for the interval')
    t.same((await log.tail()).map(e => e.repository), ['library/app4', 'library/app1', 'library/app2', 'library/app5', 'library/app0', 'library/app6', 'library/app3'])
    t.same(await log.tail({ limit: 2 }), expected.slice(-2), 'limit keeps the newest')
    t.same(await log.tail({ sinceMs: 30 }), expected.filter(e => e.timeMs >= 30), 'sinceMs is inclusive')
    t.same(await log.tail({ sinceMs: 31, limit: 1 }), [makeEvent(90, 3)])
    t.same(await log.tail({ sinceMs: 91 }), [])
    t.same(await log.tail({ sinceMs: 29.5 }), expected.filter(e => e.timeMs >= 30), 'a fractional sinceMs')
    t.match(log.stats(), { recorded: 7, dropped: 0, stored: 7, queued: 0 })
  })

  t.test(`${name}: tail limits`, async t => {
    const log = await open(t, QUIET)
    for (let i = 0; i < USAGE_TAIL_DEFAULT_LIMIT + 50; i++) log.record(makeEvent(1000 + i, i))
    const tail = await log.tail()
    t.equal(tail.length, USAGE_TAIL_DEFAULT_LIMIT, 'the default limit')
    t.equal(tail[0]?.timeMs, 1050)
    t.equal(tail.at(-1)?.timeMs, 1149)
    t.equal((await log.tail({ limit: USAGE_TAIL_MAX_LIMIT })).length, 150)
    for (const limit of [0, -1, 1.5, USAGE_TAIL_MAX_LIMIT + 1, NaN, Infinity]) {
      await t.rejects(log.tail({ limit }), { name: 'InvalidUsageQueryError' }, `limit ${limit}`)
    }
    for (const sinceMs of [-1, NaN]) {
      await t.rejects(log.tail({ sinceMs }), { name: 'InvalidUsageQueryError' }, `sinceMs ${sinceMs}`)
    }
    await t.rejects(log.tail({ signal: AbortSignal.abort() }), { name: 'AbortError' })
  })

  t.test(`${name}: range`, async t => {
    const log = await open(t, QUIET)
    const times = [5, 10, 10, 15, 20, 25]
    times.forEach((time, i) => { log.record(makeEvent(time, i)) })
    const all = ordered(times.map((time, i) => ({ event: makeEvent(time, i), order: i })))
    t.same(await collect(log.range({ fromMs: 10, toMs: 20 })), all.filter(e => e.timeMs >= 10 && e.timeMs < 20), 'from inclusive, to exclusive')
    t.same(await collect(log.range({ fromMs: 0, toMs: 1e12 })), all)
    t.same(await collect(log.range({ fromMs: 9.5, toMs: 15.5 })), all.filter(e => e.timeMs >= 10 && e.timeMs <= 15), 'fractional bounds')
    t.same(await collect(log.range({ fromMs: 10, toMs: 10 })), [], 'an empty window')
    await t.rejects(collect(log.range({ fromMs: 20, toMs: 10 })), { name: 'InvalidUsageQueryError' })
    await t.rejects(collect(log.range({ fromMs: -1, toMs: 10 })), { name: 'InvalidUsageQueryError' })

    const controller = new AbortController()
    const seen: number[] = []
    await t.rejects((async () => {
      for await (const e of log.range({ fromMs: 0, toMs: 100, signal: controller.signal })) {
        seen.push(e.timeMs)
        if (seen.length === 2) controller.abort()
      }
    })(), { name: 'AbortError' })
    t.same(seen, [5, 10], 'an abort stops the iteration')

    // Events recorded while a range is being read do not break it.
    const got: UsageEvent[] = []
    for await (const e of log.range({ fromMs: 0, toMs: 100 })) {
      got.push(e)
      log.record(makeEvent(1, 100 + got.length))
      await log.tail({ limit: 1 })
    }
    t.ok(got.length >= all.length, 'the read goes on')
  })

  t.test(`${name}: malformed events are refused, counted, never thrown`, async t => {
    const logger = recordingLogger()
    const log = await open(t, QUIET, { logger })
    const bad: unknown[] = [
      null, 'x', [], {},
      { ...makeEvent(1), timeMs: -1 },
      { ...makeEvent(1), timeMs: 2 ** 48 },
      { ...makeEvent(1), bytes: 1.5 },
      { ...makeEvent(1), kind: 'index' },
      { ...makeEvent(1), repository: '' },
      { ...makeEvent(1), repository: 'x'.repeat(1025) },
      { ...makeEvent(1), bytesBySource: { local: 1, peer: -1, origin: 0 } },
      { ...makeEvent(1), status: 99 },
      { ...makeEvent(1), durationMs: NaN },
      { ...makeEvent(1), region: 7 }
    ]
    for (const e of bad) t.doesNotThrow(() => { log.record(e as UsageEvent) })
    const throwing = Object.defineProperty({}, 'timeMs', { get () { throw new Error('boom') } })
    t.doesNotThrow(() => { log.record(throwing as UsageEvent) }, 'even a getter that throws')
    t.same(await log.tail(), [])
    t.match(log.stats(), { recorded: 0, invalid: bad.length, stored: 0 })
    t.equal(logger.lines.filter(l => l.level === 'warn').length, 1, 'one warning per interval, not one per event')
    t.match(logger.lines.find(l => l.level === 'warn')?.obj, { problem: 'not an object' })

    const extra = { ...makeEvent(5, 1), secret: 'x' } as UsageEvent
    log.record(extra)
    t.same(await log.tail(), [makeEvent(5, 1)], 'unknown fields are not stored')
    const mutable = makeEvent(6, 2)
    log.record(mutable)
    mutable.bytes = 0
    t.equal((await log.tail()).at(-1)?.bytes, 1002, 'the event is copied when recorded')
  })

  t.test(`${name}: a full queue drops the oldest waiting event`, async t => {
    const logger = recordingLogger()
    const log = await open(t, { ...QUIET, maxQueuedEvents: 10, batchEvents: 5 }, { logger })
    for (let i = 0; i < 25; i++) log.record(makeEvent(i, i))
    t.match(log.stats(), { recorded: 25, dropped: 15, queued: 10 }, 'in one tick nothing is written yet')
    t.same((await log.tail()).map(e => e.timeMs), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24], 'the newest survive')
    const warnings = logger.lines.filter(l => l.level === 'warn')
    t.equal(warnings.length, 1, 'warned once')
    t.match(warnings[0], { msg: /queue full/, obj: { dropped: 1, maxQueuedEvents: 10 } })
    t.match(log.stats(), { recorded: 25, dropped: 15, stored: 10, queued: 0 })
  })

  t.test(`${name}: writes are batched`, async t => {
    const log = await open(t, { ...QUIET, batchEvents: 4 })
    for (let i = 0; i < 3; i++) log.record(makeEvent(i, i))
    await new Promise(resolve => setTimeout(resolve, 30))
    t.equal(log.stats().stored, 0, 'less than a batch waits for the interval')
    log.record(makeEvent(3, 3))
    t.ok(await eventually(() => log.stats().stored === 4), 'a full batch is written at once')

    const timed = await open(t, { flushIntervalMs: 20 })
    timed.record(makeEvent(1))
    t.equal(timed.stats().queued, 1)
    t.ok(await eventually(() => timed.stats().stored === 1), 'the interval writes the rest')
  })

  t.test(`${name}: retention and the count limit`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const log = await harness.create(t, { ...QUIET, retentionMs: 7 * DAY_MS, maxEvents: 5 }, { now: clock.now })
    await log.start()
    log.record(makeEvent(1 * DAY_MS, 1))
    log.record(makeEvent(2 * DAY_MS, 2))
    log.record(makeEvent(9 * DAY_MS, 3))
    t.equal((await log.tail()).length, 3)
    t.equal(await log.prune(), 2, 'events older than the window go')
    t.same(await log.tail(), [makeEvent(9 * DAY_MS, 3)])
    t.equal(log.stats().stored, 1)

    for (let i = 0; i < 7; i++) log.record(makeEvent(9 * DAY_MS + i + 1, 10 + i))
    t.equal((await log.tail()).length, 8)
    t.equal(await log.prune(), 3, 'beyond maxEvents the oldest go')
    t.same((await log.tail()).map(e => e.repository), ['library/app12', 'library/app13', 'library/app14', 'library/app15', 'library/app16'])
    t.equal(log.stats().stored, 5)
    t.equal(await log.prune(), 0)

    await log.stop()
    clock.set(16 * DAY_MS + 5)
    await log.start()
    t.same((await log.tail()).map(e => e.timeMs), [9 * DAY_MS + 5, 9 * DAY_MS + 6, 9 * DAY_MS + 7], 'start prunes')
    t.equal(log.stats().stored, 3)
    await log.stop()
  })

  t.test(`${name}: pruning runs on its own`, async t => {
    const clock = manualClock(10 * DAY_MS)
    const log = await open(t, { ...QUIET, retentionMs: DAY_MS, pruneIntervalMs: 10 }, { now: clock.now })
    log.record(makeEvent(10 * DAY_MS, 1))
    t.equal((await log.tail()).length, 1)
    clock.set(12 * DAY_MS)
    t.ok(await eventually(() => log.stats().stored === 0), 'the timer prunes')
    t.same(await log.tail(), [])
  })

  t.test(`${name}: corrupt records are skipped, counted and deleted`, async t => {
    const logger = recordingLogger()
    const log = await harness.create(t, QUIET, { logger })
    await log.start()
    log.record(makeEvent(100, 1))
    log.record(makeEvent(300, 3))
    await log.stop()
    await harness.putRaw(log, [
      [usageKey(150, 7), 'not json'],
      [usageKey(160, 7), JSON.stringify({ ...makeEvent(160), bytes: 'many' })],
      [usageKey(170, 7), JSON.stringify(makeEvent(171))],
      [usageKey(180, 7), '{"timeMs":180'],
      ['zzz', JSON.stringify(makeEvent(1))]
    ])
    await log.start()
    t.teardown(async () => { await log.stop() })
    t.match(log.stats(), { corrupt: 1, stored: 6 }, 'a malformed key goes at start')
    t.same(await log.tail(), [makeEvent(100, 1), makeEvent(300, 3)], 'only the good ones')
    t.same(await collect(log.range({ fromMs: 0, toMs: 1000 })), [makeEvent(100, 1), makeEvent(300, 3)])
    t.ok(await eventually(() => log.stats().stored === 2), 'the bad records are deleted')
    t.equal(log.stats().corrupt, 5, 'and counted once each')
    t.ok(logger.lines.some(l => l.level === 'warn' && /corrupt/.test(l.msg)), 'and warned about')
    const corrupt = log.stats().corrupt
    t.same(await log.tail(), [makeEvent(100, 1), makeEvent(300, 3)])
    t.equal(log.stats().corrupt, corrupt, 'and not found again')
  })

  t.test(`${name}: a restart continues the sequence`, async t => {
    const log = await harness.create(t, QUIET)
    await log.start()
    log.record(makeEvent(500, 1))
    await log.stop()
    await log.start()
    log.record(makeEvent(500, 2))
    log.record(makeEvent(400, 3))
    t.same(await log.tail(), [makeEvent(400, 3), makeEvent(500, 1), makeEvent(500, 2)], 'same time, no overwrite, record order kept')
    await log.stop()
  })

  t.test(`${name}: seeded simulation against a model`, async t => {
    const seed = Number(process.env.SHOAL_USAGE_SEED ?? Date.now() % 1_000_000)
    t.comment(`seed ${seed} (replay with SHOAL_USAGE_SEED=${seed})`)
    await simulate(t, harness, seed)
  })

  rollupConformance(t, name, harness)
}

/**
 * Random records (many sharing a millisecond, out of order), tails, ranges,
 * concurrent reads and restarts, under a random batch size and flush
 * interval; after every step the log must agree with a sorted list.
 */
async function simulate (t: Test, harness: UsageLogHarness, seed: number, steps = 300): Promise<void> {
  const next = seededRandom(seed)
  const rand = (): number => next() / 2 ** 32
  const int = (n: number): number => Math.floor(rand() * n)
  const batchEvents = 1 + int(20)
  const log = await harness.create(t, { batchEvents, maxQueuedEvents: 20_000, flushIntervalMs: 1 + int(30) }, { now: () => NOW_MS })
  await log.start()
  t.teardown(async () => { await log.stop() })
  const model: Array<{ event: UsageEvent, order: number }> = []
  const failures: string[] = []
  const expectTail = (limit: number, sinceMs?: number): UsageEvent[] =>
    ordered(model).filter(e => sinceMs == null || e.timeMs >= sinceMs).slice(-limit)
  const check = (label: string, got: UsageEvent[], want: UsageEvent[]): void => {
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(`${label}: got ${got.map(e => `${e.timeMs}/${e.repository}`).join(',')} want ${want.map(e => `${e.timeMs}/${e.repository}`).join(',')}`)
    }
  }

  for (let step = 0; step < steps && failures.length === 0; step++) {
    const op = rand()
    if (op < 0.55) {
      for (let i = 0, n = 1 + int(batchEvents * 2); i < n; i++) {
        const event = makeEvent(1000 + int(60), model.length)
        model.push({ event, order: model.length })
        log.record(event)
      }
      if (rand() < 0.3) await new Promise(resolve => setTimeout(resolve, int(10)))
    } else if (op < 0.75) {
      const limit = 1 + int(40)
      const sinceMs = rand() < 0.5 ? 1000 + int(70) : undefined
      check(`step ${step} tail(${limit}, ${sinceMs})`, await log.tail({ limit, ...(sinceMs != null ? { sinceMs } : {}) }), expectTail(limit, sinceMs))
    } else if (op < 0.88) {
      const fromMs = 1000 + int(70)
      const toMs = fromMs + int(30)
      check(`step ${step} range(${fromMs}, ${toMs})`, await collect(log.range({ fromMs, toMs })),
        ordered(model).filter(e => e.timeMs >= fromMs && e.timeMs < toMs))
    } else if (op < 0.95) {
      const limits = Array.from({ length: 2 + int(4) }, () => 1 + int(60))
      const got = await Promise.all(limits.map(async limit => await log.tail({ limit })))
      got.forEach((g, i) => { check(`step ${step} concurrent tail ${i}`, g, expectTail(limits[i] ?? 0)) })
    } else {
      if (rand() < 0.5) {
        // Still queued at stop: stop must write it.
        const event = makeEvent(1000 + int(60), model.length)
        model.push({ event, order: model.length })
        log.record(event)
      }
      await log.stop()
      await log.start()
    }
  }
  t.same(failures, [], `the log agrees with the model (seed ${seed})`)
}
