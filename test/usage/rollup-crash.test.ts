/**
 * Events and roll-ups agree after every LevelDB batch, so after any crash.
 * First in process: every batch the log makes (writes, prunes by age and by
 * count, restarts) is followed by a check of the whole database, the state a
 * crash right after that batch would leave (LevelDB recovers each batch
 * whole or not at all). Then for real: a child process is SIGKILLed after
 * its Nth batch, and the store it leaves must check out, and start without
 * a rebuild.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, statSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClassicLevel } from 'classic-level'
import t, { type Test } from 'tap'
import { seededRandom } from '../../sim/random.js'
import { USAGE_MAX_TIME_MS, USAGE_MINUTE_ROLLUP_RETENTION_MS, createLevelUsageLog } from '../../src/usage/index.js'
import { decodeEvent, parseUsageKey } from '../../src/usage/record.js'
import { ROLLUP_STATE_KEY, bucketStartMs, decodeCounts, decodeState, parseRollupKey, rollupKey } from '../../src/usage/rollup-record.js'
import { CRASH_INIT, NOW_MS, randomEvent } from './crash-workload.js'
import { aggregate, collect, recordingLogger } from './helpers.js'
import type { UsageEvent } from '../../src/usage/index.js'

const CHILD_TS = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const CHILD_JS = fileURLToPath(new URL('../../dist/test/usage/crash-child.js', import.meta.url))

/** The compiled child when the build is current (it starts much faster), else the source through this process's loaders. */
function childCommand (): string[] {
  const built = existsSync(CHILD_JS) && statSync(CHILD_JS).mtimeMs >= statSync(CHILD_TS).mtimeMs
  return built ? ['--import=./dist/src/polyfill.js', CHILD_JS] : [...process.execArgv, CHILD_TS]
}

async function tempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'shoal-usage-crash-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return dir
}

type Reader = Pick<ClassicLevel<string, string>, 'iterator'>

/** What is wrong with a usage database: the state's count, and each roll-up against the stored events. */
async function problems (db: Reader, nowMs: number): Promise<string[]> {
  const events: UsageEvent[] = []
  let eventKeys = 0
  let state: string | undefined
  const rows = { hour: new Map<string, string>(), minute: new Map<string, string>() }
  for await (const [key, value] of db.iterator()) {
    if (parseUsageKey(key) != null) {
      eventKeys++
      const e = decodeEvent(key, value)
      if (e != null) events.push(e)
    } else if (key === ROLLUP_STATE_KEY) {
      state = value
    } else {
      const id = parseRollupKey(key)
      if (id == null || decodeCounts(value) == null) return [`unexpected record ${key} = ${value}`]
      rows[id.bucket].set(key, value)
    }
  }
  const found: string[] = []
  const s = decodeState(state)
  if (s == null) return eventKeys === 0 && rows.hour.size === 0 ? [] : [`no roll-up state beside ${eventKeys} events`]
  if (s.events !== eventKeys) found.push(`the state counts ${s.events} events, ${eventKeys} are stored`)
  const minuteCutoff = bucketStartMs('minute', nowMs - USAGE_MINUTE_ROLLUP_RETENTION_MS)
  for (const bucket of ['hour', 'minute'] as const) {
    const want = new Map(aggregate(events, bucket, bucket === 'minute' ? minuteCutoff : 0).map(r => [rollupKey({ bucket, ...r }), JSON.stringify([r.requests, r.bytes, r.bytesBySource.local, r.bytesBySource.peer, r.bytesBySource.origin])]))
    for (const [key, value] of rows[bucket]) {
      if (bucket === 'minute' && (parseRollupKey(key)?.bucketStartMs ?? 0) < minuteCutoff) continue
      if (want.get(key) !== value) found.push(`${key} holds ${value}, the events add up to ${want.get(key) ?? 'nothing'}`)
    }
    for (const [key, value] of want) if (!rows[bucket].has(key)) found.push(`${key} is missing (${value})`)
  }
  return found.slice(0, 5)
}

t.test('after every batch a log makes, the roll-ups count exactly the stored events', async t => {
  const seed = Number(process.env.SHOAL_USAGE_SEED ?? Date.now() % 1_000_000)
  t.comment(`seed ${seed} (replay with SHOAL_USAGE_SEED=${seed})`)
  const dir = join(await tempDir(t), 'usage')
  let clockMs = NOW_MS
  const failures: string[] = []
  let checked = 0
  const proto = ClassicLevel.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
  const original = proto.batch as (...args: unknown[]) => Promise<unknown>
  proto.batch = async function (this: Reader, ...args: unknown[]) {
    const result = await original.apply(this, args)
    // The log's changes take turns, so nothing else writes until this check is done.
    if (failures.length === 0) {
      checked++
      for (const p of await problems(this, clockMs)) failures.push(`after batch ${checked}: ${p}`)
    }
    return result
  }
  t.teardown(() => { proto.batch = original })

  const next = seededRandom(seed)
  const log = createLevelUsageLog({ dir, ...CRASH_INIT }, { now: () => clockMs, logger: recordingLogger() })
  await log.start()
  for (let round = 0; round < 40 && failures.length === 0; round++) {
    const pruning = round % 3 === 2 ? log.prune() : undefined
    for (let i = 0; i < 15; i++) log.record(randomEvent(next, round * 100 + i, clockMs))
    await log.tail({ limit: 1 })
    await pruning
    if (round % 10 === 9) {
      await log.stop()
      // Hours later: events leave the retention window and minute buckets the minute window.
      clockMs += (next() % 30) * 3_600_000
      await log.start()
    }
  }
  const stored = await collect(log.range({ fromMs: 0, toMs: USAGE_MAX_TIME_MS }))
  await log.stop()
  t.same(failures, [], `consistent after each of ${checked} batches (seed ${seed})`)
  t.ok(checked > 100, `${checked} batches checked`)
  t.ok(stored.length > 0 && stored.length <= (CRASH_INIT.maxEvents ?? 0), `${stored.length} events kept`)
})

t.test('a process killed after its Nth batch leaves events and roll-ups that agree', async t => {
  const dir = join(await tempDir(t), 'usage')
  const run = async (killAfter: number, seed: number): Promise<{ signal: string | null, batches?: number, stderr: string }> => {
    const child = spawn(process.execPath, [...childCommand(), dir, String(killAfter), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => { out += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const [code, signal] = await once(child, 'exit') as [number | null, string | null]
    if (code !== 0 && signal == null) t.comment(`the child exited with ${code}: ${stderr}`)
    return { signal, stderr, ...(out !== '' ? JSON.parse(out) as { batches: number } : {}) }
  }
  const { batches = 0 } = await run(0, 1)
  t.ok(batches > 50, `a whole run makes ${batches} batches`)
  // Kill points spread over a run: while writing, pruning, both at once; the store carries over from one to the next.
  const points = [7, Math.floor(batches / 3), Math.floor(batches / 2) + 1, batches - 3]
  for (const [i, point] of points.entries()) {
    t.equal((await run(point, 100 + i)).signal, 'SIGKILL', `killed after batch ${point}`)
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    await db.open()
    try {
      t.same(await problems(db, NOW_MS), [], `after a kill at batch ${point}, the store checks out`)
    } finally {
      await db.close()
    }
    const logger = recordingLogger()
    const log = createLevelUsageLog({ dir, ...CRASH_INIT }, { now: () => NOW_MS, logger })
    await log.start()
    const events = await collect(log.range({ fromMs: 0, toMs: USAGE_MAX_TIME_MS }))
    t.same(await collect(log.rollup({ bucket: 'hour', fromMs: 0, toMs: USAGE_MAX_TIME_MS })), aggregate(events, 'hour'), 'and reads back through the log')
    await log.stop()
    t.notOk(logger.lines.some(l => /rebuild/.test(l.msg)), 'without a rebuild')
  }
})
