import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClassicLevel } from 'classic-level'
import t, { type Test } from 'tap'
import * as constants from '../../src/usage/constants.js'
import { createLevelUsageLog, createMemoryUsageLog, type LevelUsageLog, type LevelUsageLogInit, type MemoryUsageLog, type UsageLogInit } from '../../src/usage/index.js'
import { MAX_SEQ, parseUsageKey, timeKey, usageKey } from '../../src/usage/record.js'
import { conformance } from './conformance.js'
import { makeEvent, manualClock } from './helpers.js'

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-usage-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

conformance(t, 'memory', {
  create: (_t, init, components) => createMemoryUsageLog(init, components),
  putRaw: async (log, entries) => { for (const [key, value] of entries) (log as MemoryUsageLog).putRaw(key, value) },
  failWrites: async (log, n) => { (log as MemoryUsageLog).failWrites(n) }
})

conformance(t, 'level', {
  create: async (t, init, components) => createLevelUsageLog({ dir: join(await tempDir(t), 'usage'), ...init }, components),
  putRaw: async (log, entries) => {
    const db = new ClassicLevel<string, string>((log as LevelUsageLog).dir, { valueEncoding: 'utf8' })
    await db.open()
    try {
      await db.batch(entries.map(([key, value]) => ({ type: 'put', key, value })))
    } finally {
      await db.close()
    }
  },
  // The log's database handle refuses its next n batches before writing anything, as LevelDB does when its write fails.
  failWrites: async (log, n) => {
    const db = (log as unknown as { db: ClassicLevel<string, string> }).db
    const batch = db.batch.bind(db) as (ops: unknown) => Promise<void>
    let left = n
    const failing = async (ops: unknown): Promise<void> => {
      if (left-- > 0) throw new Error('injected write failure')
      await batch(ops)
    }
    db.batch = failing as unknown as typeof db.batch
  }
})

t.test('level: another instance on the same directory sees the events and continues the sequence', async t => {
  const dir = join(await tempDir(t), 'usage')
  const clock = manualClock(1_000_000)
  const first = createLevelUsageLog({ dir }, { now: clock.now })
  await first.start()
  first.record(makeEvent(500, 1))
  first.record(makeEvent(500, 2))
  await first.stop()

  const second = createLevelUsageLog({ dir }, { now: clock.now })
  await second.start()
  t.teardown(async () => { await second.stop() })
  t.equal(second.stats().stored, 2, 'counted at start')
  second.record(makeEvent(500, 3))
  t.same((await second.tail()).map(e => e.repository), ['library/app1', 'library/app2', 'library/app3'])
  t.same(await second.tail({ limit: 1 }), [makeEvent(500, 3)])
})

t.test('level: the directory is locked while the log runs, and free after stop', async t => {
  const dir = join(await tempDir(t), 'usage')
  const log = createLevelUsageLog({ dir })
  await log.start()
  const other = createLevelUsageLog({ dir })
  await t.rejects(other.start(), /./, 'a second daemon on the same data directory fails to start')
  t.equal(other.stats().stored, 0)
  await log.stop()
  await other.start()
  await other.stop()
})

t.test('options are checked when the log is built', async t => {
  const dir = await tempDir(t)
  t.throws(() => createLevelUsageLog({} as LevelUsageLogInit), { name: 'InvalidUsageOptionError', message: /dir is required/ })
  t.throws(() => createLevelUsageLog({ dir, retention: 5 } as unknown as LevelUsageLogInit), { name: 'InvalidUsageOptionError', message: /"retention".*retentionMs/ })
  t.throws(() => createMemoryUsageLog({ dir } as unknown as UsageLogInit), { name: 'InvalidUsageOptionError', message: /"dir"/ })
  for (const bad of [{ retentionMs: 0 }, { maxEvents: -1 }, { maxQueuedEvents: 1.5 }, { flushIntervalMs: 2 ** 31 }, { pruneIntervalMs: NaN }, { batchEvents: 11, maxQueuedEvents: 10 }]) {
    t.throws(() => createMemoryUsageLog(bad), { name: 'InvalidUsageOptionError' }, JSON.stringify(bad))
  }
  t.doesNotThrow(() => createMemoryUsageLog({ retentionMs: undefined }))
})

t.test('keys sort by time, then by sequence', async t => {
  const keys = [usageKey(2, 0), usageKey(1, 5), usageKey(1, 16), usageKey(0x10, 0), usageKey(constants.USAGE_MAX_TIME_MS, 0), usageKey(1, 1)]
  t.same([...keys].sort(), [usageKey(1, 1), usageKey(1, 5), usageKey(1, 16), usageKey(2, 0), usageKey(0x10, 0), usageKey(constants.USAGE_MAX_TIME_MS, 0)])
  t.equal(usageKey(1, 1).length, usageKey(constants.USAGE_MAX_TIME_MS, MAX_SEQ).length, 'fixed width')
  t.same(parseUsageKey(usageKey(123456, 789)), { timeMs: 123456, seq: 789 })
  t.equal(parseUsageKey('zzz'), undefined)
  t.equal(timeKey(-5), usageKey(0, 0), 'clamped')
  t.equal(timeKey(1.2), usageKey(2, 0), 'the first whole ms at or after')
})

t.test('the defaults documented in index.ts and metrics.ts are the constants', async t => {
  const source = (await Promise.all(['index.ts', 'metrics.ts'].map(async f => await readFile(new URL(`../../src/usage/${f}`, import.meta.url), 'utf8')))).join('\n')
  const UNIT: Record<string, number> = { '': 1, second: 1000, minute: 60_000, hour: 3_600_000, days: 86_400_000 }
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)(?: ?([A-Za-z]+))?\)/g)]
  t.equal(documented.length, 8, 'every option documents its default')
  for (const [, name = '', value = '', unit = ''] of documented) {
    const actual = (constants as Record<string, unknown>)[name]
    t.equal(actual, Number(value) * (UNIT[unit] ?? NaN), `${name} = ${value} ${unit}`)
  }
})
