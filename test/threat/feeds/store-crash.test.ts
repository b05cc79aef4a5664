/**
 * Crash consistency, exhaustively: an add and an update are stopped dead
 * after their 1st, 2nd, ... database write, until one completes. Stopped
 * dead: the store's database handle lets the Nth write finish and never
 * finishes another (the store hangs there, as a killed process would), then
 * the handle is closed under it. The store is then opened again (which
 * recovers) and must hold exactly the state before or exactly the state
 * after, with an index that matches its entries and no staging, commit or
 * purge keys left. Two of the points are also run as a real SIGKILL of a
 * child process. Every write is a kill point, so a failure names the one to
 * replay.
 */
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, statSync } from 'node:fs'
import { cp, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClassicLevel } from 'classic-level'
import { zipBuffer } from '../../utils/zip-writer.js'
import { ThreatFeedStore } from '../../../src/threat/feeds/index.js'
import { captureLogger, osvRecord } from './helpers.js'

const CHILD_TS = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const CHILD_JS = fileURLToPath(new URL('../../../dist/test/threat/feeds/crash-child.js', import.meta.url))

/** The compiled child when the build is current (a process starts in a fraction of the time), else the source through this process's loaders. */
function childCommand (): string[] {
  const built = existsSync(CHILD_JS) && statSync(CHILD_JS).mtimeMs >= statSync(CHILD_TS).mtimeMs
  return built ? ['--import=./dist/src/polyfill.js', CHILD_JS] : [...process.execArgv, CHILD_TS]
}
const CHILD = childCommand()
const RECORDS = 1200
const PACKAGES = 100

type State = Map<string, string> // record id -> modified

/** v1: RECORDS records over PACKAGES packages. v2: 400 changed, 200 gone, 100 moved to other packages, 200 new. */
function versions (): { v1: object[], v2: object[] } {
  const v1 = Array.from({ length: RECORDS }, (_, i) => osvRecord(`GHSA-crsh-0000-${i}`, `pkg-${i % PACKAGES}`))
  const v2 = [
    ...v1.slice(0, 400).map(r => ({ ...r, modified: '2025-01-01T00:00:00Z' })),
    ...v1.slice(600, 700).map((r, i) => osvRecord((r as { id: string }).id, `moved-${i % 10}`, '2025-02-01T00:00:00Z')),
    ...v1.slice(700),
    ...Array.from({ length: 200 }, (_, i) => osvRecord(`GHSA-crsh-0001-${i}`, `pkg-${i % PACKAGES}`, '2025-03-01T00:00:00Z'))
  ]
  return { v1, v2 }
}

function stateOf (records: object[]): State {
  return new Map(records.map(r => [(r as { id: string }).id, (r as { modified: string }).modified]))
}

const PACKAGE_KEYS = [...Array.from({ length: PACKAGES }, (_, i) => `npm/pkg-${i}`), ...Array.from({ length: 10 }, (_, i) => `npm/moved-${i}`)]

async function storedState (store: ThreatFeedStore): Promise<State> {
  const state: State = new Map()
  for (const key of PACKAGE_KEYS) {
    for (const a of await store.advisories(key)) state.set(a.record.id, a.record.modified)
  }
  return state
}

/** Entries and index agree; no update or removal is left half done. */
async function checkKeys (t: Test, path: string, what: string): Promise<void> {
  const db = new ClassicLevel<string, string>(path, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  await db.open()
  try {
    const entries = new Map<string, string[]>()
    const index = new Set<string>()
    const stray: string[] = []
    for await (const [key, value] of db.iterator()) {
      const parts = key.split('\u0000')
      if (parts[0] === 'e') entries.set(parts[2] as string, (JSON.parse(value) as { k: string[] }).k)
      else if (parts[0] === 'a') index.add(`${parts[1]} ${parts[3]}`)
      else if (parts[0] !== 's' && parts[0] !== 'f') stray.push(parts.join('|'))
    }
    const expected = new Set([...entries].flatMap(([id, keys]) => keys.map(k => `${k} ${id}`)))
    t.same(stray, [], `${what}: no staging, commit or purge keys left`)
    t.ok(index.size === expected.size && [...index].every(k => expected.has(k)), `${what}: the index matches the entries (${index.size} index keys, ${expected.size} expected)`)
  } finally {
    await db.close()
  }
}

async function runChild (path: string, op: 'add' | 'update', source: string, killAfter: number): Promise<{ signal: string | null, writes?: number }> {
  const child = spawn(process.execPath, [...CHILD, path, op, source, String(killAfter)], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const [code, signal] = await once(child, 'exit') as [number | null, string | null]
  if (signal == null && code !== 0) throw new Error(`crash-child exited with ${code}`)
  return { signal, ...(out !== '' ? { writes: (JSON.parse(out) as { writes: number }).writes } : {}) }
}

/** Writes of ClassicLevel instances; the one in `crash.frozen` stops after `crash.after` of them. */
const crash: { after: number, writes: number, frozen?: ClassicLevel<string, string>, onFreeze?: () => void } = { after: Number.POSITIVE_INFINITY, writes: 0 }
const proto = ClassicLevel.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
for (const method of ['put', 'batch', 'del', 'clear']) {
  const original = proto[method] as (...args: unknown[]) => Promise<unknown>
  proto[method] = async function (this: ClassicLevel<string, string>, ...args: unknown[]) {
    if (crash.frozen === this) return await new Promise(() => {})
    const result = await original.apply(this, args)
    if (++crash.writes === crash.after) {
      crash.frozen = this
      crash.onFreeze?.()
    }
    return result
  }
}

/** Run the operation, stopping it dead after write `after`; returns the writes of a run that finished first. */
async function runStopped (path: string, op: 'add' | 'update', source: string, after: number): Promise<{ stopped: boolean, writes: number }> {
  crash.writes = 0
  crash.after = after
  crash.frozen = undefined
  const frozen = new Promise<'stopped'>(resolve => { crash.onFreeze = () => { resolve('stopped') } })
  const run = (async () => {
    const store = await ThreatFeedStore.open({ path, logger: captureLogger().logger })
    if (op === 'add') await store.add({ source, name: 'osv' })
    else await store.update({ name: 'osv' })
    return store
  })()
  const outcome = await Promise.race([run, frozen])
  if (outcome === 'stopped') {
    const db = crash.frozen as ClassicLevel<string, string> | undefined
    crash.frozen = undefined
    await db?.close()
    return { stopped: true, writes: crash.writes }
  }
  const writes = crash.writes
  await outcome.close()
  return { stopped: false, writes }
}

async function exhaust (t: Test, op: 'add' | 'update', base: string, source: string, before: State | undefined, after: State): Promise<void> {
  const dir = t.testdir()
  const full = await runStopped(await copyOf(base, join(dir, 'full')), op, source, Number.POSITIVE_INFINITY)
  const total = full.writes
  t.ok(total >= 5, `a whole ${op} makes ${total} writes`)
  // every write but the last, and two of them again as a real SIGKILL
  const points = [...Array.from({ length: total - 1 }, (_, i) => ({ n: i + 1, kill: false })), { n: 2, kill: true }, { n: total - 2, kill: true }]
  for (const { n, kill } of points) {
    const path = await copyOf(base, join(dir, `${kill ? 'kill' : 'stop'}-${n}`))
    if (kill) t.equal((await runChild(path, op, source, n)).signal, 'SIGKILL', `killed after write ${n}`)
    else t.ok((await runStopped(path, op, source, n)).stopped, `stopped after write ${n}`)
    const { logger } = captureLogger()
    const store = await ThreatFeedStore.open({ path, logger })
    try {
      const feeds = store.list()
      const state = await storedState(store)
      const isBefore = before == null ? feeds.length === 0 && state.size === 0 : same(state, before)
      const isAfter = feeds.length === 1 && same(state, after) && feeds[0]?.records === after.size
      t.ok(isBefore || isAfter, `${op} killed after write ${n} of ${total}: the store holds the state before or after (${state.size} records, ${feeds[0]?.records ?? 'no'} in the feed)`)
    } finally {
      await store.close()
    }
    await checkKeys(t, path, `${op} killed after write ${n}`)
  }
}

function same (a: State, b: State): boolean {
  return a.size === b.size && [...a].every(([id, m]) => b.get(id) === m)
}

async function copyOf (base: string, to: string): Promise<string> {
  await cp(base, to, { recursive: true })
  return to
}

t.test('a crash at any write of an add or an update leaves the state before or after', async t => {
  const dir = t.testdir()
  const { v1, v2 } = versions()
  const zip1 = join(dir, 'v1.zip')
  await writeFile(zip1, zipBuffer(v1.map(r => ({ name: `${(r as { id: string }).id}.json`, data: JSON.stringify(r) }))))

  const empty = join(dir, 'empty')
  await (await ThreatFeedStore.open({ path: empty, logger: captureLogger().logger })).close()
  await t.test('add', async t => { await exhaust(t, 'add', empty, zip1, undefined, stateOf(v1)) })

  const withV1 = join(dir, 'v1')
  const store = await ThreatFeedStore.open({ path: withV1, logger: captureLogger().logger })
  await store.add({ source: zip1, name: 'osv' })
  await writeFile(zip1, zipBuffer(v2.map(r => ({ name: `${(r as { id: string }).id}.json`, data: JSON.stringify(r) }))))
  await store.close()
  // the store's source (zip1) now holds v2: the child's update reads it
  await t.test('update', async t => { await exhaust(t, 'update', withV1, zip1, stateOf(v1), stateOf(v2)) })
})

