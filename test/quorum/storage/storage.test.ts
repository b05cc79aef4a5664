/**
 * Raft storage: the conformance suite against the LevelDB storage and its
 * in-memory twin; then what only a disk has: damaged values refused, a
 * close in the middle of a write, and a process killed (SIGKILL) while it
 * writes, after which the state must be the model's after some whole write
 * (never less than what was acknowledged) and the core must start from it.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ClassicLevel } from 'classic-level'
import { createRaftNode } from '../../../src/quorum/raft/index.js'
import { createLevelRaftStorage, createMemoryRaftStorage, HARD_STATE_KEY, FORMAT_KEY } from '../../../src/quorum/storage/index.js'
import { entryKey } from '../../../src/quorum/storage/codec.js'
import { counterRandom } from '../raft/cluster.js'
import { storageConformance } from './conformance.js'
import { plain, sequence, VOTERS } from './sequence.js'
import type { LevelRaftStorage } from '../../../src/quorum/storage/index.js'

const CHILD_TS = fileURLToPath(new URL('./crash-child.ts', import.meta.url))
const CHILD_JS = fileURLToPath(new URL('../../../dist/test/quorum/storage/crash-child.js', import.meta.url))

/** The compiled child when the build is current, else the source through this process's loaders. */
function childCommand (): string[] {
  const built = existsSync(CHILD_JS) && statSync(CHILD_JS).mtimeMs >= statSync(CHILD_TS).mtimeMs
  return built ? ['--import=./dist/src/polyfill.js', CHILD_JS] : [...process.execArgv, CHILD_TS]
}

storageConformance(t, 'memory', {
  create: () => createMemoryRaftStorage(),
  reopen: s => s
})

let dirs = 0
storageConformance(t, 'leveldb', {
  create: t => createLevelRaftStorage({ dir: join(t.testdir(), `db-${++dirs}`) }),
  reopen: s => createLevelRaftStorage({ dir: (s as LevelRaftStorage).dir })
})

t.test('options are checked when the storage is built', async t => {
  t.throws(() => createLevelRaftStorage({ dir: '' }), { name: 'InvalidRaftStorageOptionError', message: /dir is required/ })
  t.throws(() => createLevelRaftStorage({ dir: 'x', sync: false } as never), { name: 'InvalidRaftStorageOptionError', message: /unknown Raft storage option "sync"/ })
})

t.test('damaged storage is refused with CorruptStateError, naming what is wrong', async t => {
  const { steps } = sequence(5, 20)
  const damage: Array<[string, (db: ClassicLevel<string, Uint8Array>) => Promise<void>, RegExp]> = [
    ['a hard state that is not JSON', async db => { await db.put(HARD_STATE_KEY, new TextEncoder().encode('{term:')) }, /hard state does not decode/],
    ['a hard state without its vote', async db => { await db.put(HARD_STATE_KEY, new TextEncoder().encode('{"term":3,"commit":1}')) }, /not \{term, vote, commit\}/],
    ['an entry that does not decode', async db => { await db.put(entryKey(2), Uint8Array.of(0xff, 0xff, 0xff)) }, /entry e0+2 does not decode|entry e0+2/],
    ['a gap in the log', async db => { await db.del(entryKey(firstStored + 1)) }, /where \d+ was expected/],
    ['another storage format', async db => { await db.put(FORMAT_KEY, new TextEncoder().encode('7')) }, /format 7/]
  ]
  let firstStored = 0
  for (const [what, harm, message] of damage) {
    const dir = join(t.testdir(), what.replaceAll(' ', '-'))
    const s = createLevelRaftStorage({ dir })
    await s.open()
    for (const step of steps) await s.write(step.writes, { sync: true })
    const state = await (async () => { await s.close(); const r = createLevelRaftStorage({ dir }); const st = await r.open(); await r.close(); return st })()
    firstStored = state.entries[0]?.index ?? 0
    t.ok(state.entries.length >= 3, `${what}: a log to damage (${state.entries.length} entries)`)
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    await harm(db)
    await db.close()
    const again = createLevelRaftStorage({ dir })
    await t.rejects(again.open(), { name: 'CorruptStateError', message }, what)
    await t.rejects(again.write({ entries: [] }, { sync: true }), { name: 'RaftStorageClosedError' }, `${what}: nothing is open after a refused open`)
  }
})

t.test('a close in the middle of a write leaves the state before or after it', async t => {
  const { steps, states } = sequence(11, 40)
  for (let k = 1; k < steps.length; k += 7) {
    const dir = join(t.testdir(), `close-${k}`)
    const s = createLevelRaftStorage({ dir })
    await s.open()
    for (let i = 0; i < k; i++) await s.write(steps[i]!.writes, { sync: steps[i]!.sync })
    const pending = s.write(steps[k]!.writes, { sync: true })
    const closed = s.close()
    await Promise.allSettled([pending])
    await closed
    const r = createLevelRaftStorage({ dir })
    const got = JSON.stringify(plain(await r.open()))
    await r.close()
    const before = JSON.stringify(plain(states[k - 1]!))
    const after = JSON.stringify(plain(states[k]!))
    t.ok(got === before || got === after, `closed during write ${k + 1}: the state before or after it`)
  }
})

t.test('a process killed while writing leaves a whole write, at least every acknowledged one, and the core starts from it', async t => {
  const STEPS = 400
  const { states } = sequence(21, STEPS)
  const CHILD = childCommand()
  // Kill after a varying number of acknowledged writes, so the kill lands at different points of the sequence.
  for (const killAfter of [1, 37, 150]) {
    const dir = join(t.testdir(), `kill-${killAfter}`)
    const child = spawn(process.execPath, [...CHILD, dir, '21', String(STEPS)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let acknowledged = 0
    let buffered = ''
    const exited = new Promise<{ code: number | null, signal: string | null }>(resolve => { child.on('exit', (code, signal) => { resolve({ code, signal }) }) })
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) acknowledged = Math.max(acknowledged, Number(line))
      if (acknowledged >= killAfter) child.kill('SIGKILL')
    })
    const { code, signal } = await exited
    t.ok(signal === 'SIGKILL' || code === 0, `child ended (${signal ?? `exit ${code}`}) after ${acknowledged} acknowledged writes`)
    const s = createLevelRaftStorage({ dir })
    const got = JSON.stringify(plain(await s.open()))
    await s.close()
    const matches = states.map((st, i) => JSON.stringify(plain(st)) === got ? i + 1 : 0).filter(n => n > 0)
    t.ok(matches.length > 0 && Math.max(...matches) >= acknowledged, `killed after ${acknowledged} acknowledged writes: the state is the model's after write ${matches.join(' or ') || 'none'}`)
    const persisted = await (async () => { const r = createLevelRaftStorage({ dir }); const p = await r.open(); await r.close(); return p })()
    const node = createRaftNode({ id: 'a', voters: VOTERS, persisted }, { random: counterRandom() })
    const st = node.status()
    t.equal(st.term, persisted.hardState.term, 'the core starts at the stored term')
    t.equal(st.lastIndex, (persisted.snapshot?.index ?? 0) + persisted.entries.length, 'with the stored log')
  }
})
