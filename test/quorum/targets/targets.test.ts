import { readFileSync } from 'node:fs'
import t from 'tap'
import * as constants from '../../../src/quorum/targets/constants.js'
import { createReplicaTargets, decodeCommand, encodeCommand } from '../../../src/quorum/targets/index.js'
import type { TargetCommand, TargetEntry, TargetWrite } from '../../../src/quorum/targets/index.js'

const D1 = 'sha256:' + 'a'.repeat(64)
const D2 = 'sha256:' + 'b'.repeat(64)

function entries (commands: Array<TargetCommand | 'noop'>, from = 1): TargetEntry[] {
  return commands.map((c, i) => c === 'noop'
    ? { index: from + i, kind: 'noop', data: new Uint8Array(0) }
    : { index: from + i, kind: 'command', data: encodeCommand(c) })
}

const set = (digest: string, region: string, replicas: number, reason = 'r'): TargetWrite => ({ op: 'set', digest, region, replicas, reason })

t.test('the documented default is the constant', async t => {
  const source = readFileSync(new URL('../../../src/quorum/targets/index.ts', import.meta.url), 'utf8')
  const documented = [...source.matchAll(/@default ([A-Z_]+) \((\d+)\)/g)]
  t.ok(documented.length >= 1)
  for (const [, name = '', value = ''] of documented) t.equal((constants as Record<string, unknown>)[name], Number(value), name)
})

t.test('set, clear and batch; other entries only advance the index', async t => {
  const sm = createReplicaTargets()
  const results = entries([
    { requestId: 'r1', atMs: 1000, writes: [set(D1, 'eu', 3, 'hot')] },
    'noop',
    { requestId: 'r2', atMs: 2000, writes: [set(D1, 'us', 1), set(D2, 'eu', 2), { op: 'clear', digest: D1, region: 'eu' }] },
    { requestId: 'r3', atMs: 3000, writes: [{ op: 'clear', digest: D2, region: 'ap' }] }
  ]).map(e => sm.apply(e))
  t.same(results.map(r => r == null ? null : [r.status, 'changed' in r ? r.changed : -1]), [['applied', 1], null, ['applied', 3], ['applied', 0]])
  t.equal(sm.appliedIndex, 4)
  t.same(sm.list(), [
    { digest: D1, region: 'us', replicas: 1, reason: 'r', updatedAt: 2000 },
    { digest: D2, region: 'eu', replicas: 2, reason: 'r', updatedAt: 2000 }
  ], 'a batch applies in order, atomically')
  t.equal(sm.get(D1, 'eu'), undefined)
  t.same(sm.get(D2, 'eu'), { replicas: 2, reason: 'r', updatedAt: 2000 })
})

t.test('a retried request id is applied once and answers with the first result', async t => {
  const sm = createReplicaTargets()
  const first = { requestId: 'same', atMs: 1, writes: [set(D1, 'eu', 3)] }
  const other = { requestId: 'other', atMs: 2, writes: [set(D1, 'eu', 5)] }
  const retry = { requestId: 'same', atMs: 3, writes: [set(D1, 'eu', 3)] }
  const results = entries([first, other, retry]).map(e => sm.apply(e))
  t.same(results[2], { index: 3, requestId: 'same', status: 'duplicate', firstIndex: 1, changed: 1 })
  t.equal(sm.get(D1, 'eu')?.replicas, 5, 'the retry did not undo the later write')
})

t.test('request ids are forgotten oldest first, at the same index on every seed', async t => {
  const sm = createReplicaTargets({ dedupMaxRequests: 2 })
  const results = entries(['a', 'b', 'c', 'a', 'c'].map((id, i) => ({ requestId: id, atMs: i, writes: [set(D1, 'eu', i)] }))).map(e => sm.apply(e))
  t.same(results.map(r => r?.status), ['applied', 'applied', 'applied', 'applied', 'duplicate'], '"a" had been forgotten, "c" had not')
  t.throws(() => createReplicaTargets({ dedupMaxRequests: 0 }), RangeError)
})

t.test('snapshot and restore: same state, same bytes, and dedup survives', async t => {
  const sm = createReplicaTargets()
  const log = entries([
    { requestId: 'x', atMs: 5, writes: [set(D1, 'eu', 3, 'why'), set(D2, 'us', 0)] },
    { requestId: 'y', atMs: 6, writes: [set(D1, 'ap', 9)] }
  ])
  for (const e of log) sm.apply(e)
  const bytes = sm.snapshot()
  const copy = createReplicaTargets()
  copy.restore(bytes)
  t.equal(copy.appliedIndex, 2)
  t.same(copy.list(), sm.list())
  t.same(copy.snapshot(), bytes, 'byte for byte')
  t.same(copy.apply(entries([{ requestId: 'x', atMs: 9, writes: [set(D1, 'eu', 1)] }], 3)[0]!)?.status, 'duplicate')
  // Another machine applying the same log in another order of construction gets the same bytes.
  const other = createReplicaTargets()
  for (const e of log) other.apply(e)
  t.same(other.snapshot(), bytes)
})

t.test('a bad snapshot is refused and leaves the state alone', async t => {
  const sm = createReplicaTargets()
  sm.apply(entries([{ requestId: 'x', atMs: 5, writes: [set(D1, 'eu', 3)] }])[0]!)
  const bad = ['not json', '{"v":2}', '{"v":1,"index":-1,"targets":[],"requests":[]}',
    JSON.stringify({ v: 1, index: 1, targets: [['sha256:zz', 'eu', 1, '', 0]], requests: [] }),
    JSON.stringify({ v: 1, index: 1, targets: [[D1, 'eu', 1, '', -5]], requests: [] }),
    JSON.stringify({ v: 1, index: 1, targets: [], requests: [[1, 2, 3]] })]
  for (const b of bad) t.throws(() => sm.restore(new TextEncoder().encode(b)), { name: 'CorruptTargetsSnapshotError' }, b)
  t.equal(sm.get(D1, 'eu')?.replicas, 3)
})

t.test('commands are validated on the way in and on the way out', async t => {
  const bad: Array<[string, unknown]> = [
    ['no request id', { requestId: '', atMs: 0, writes: [set(D1, 'eu', 1)] }],
    ['no writes', { requestId: 'r', atMs: 0, writes: [] }],
    ['bad digest', { requestId: 'r', atMs: 0, writes: [set('sha256:ABC', 'eu', 1)] }],
    ['bad region', { requestId: 'r', atMs: 0, writes: [set(D1, 'eu west', 1)] }],
    ['too many replicas', { requestId: 'r', atMs: 0, writes: [set(D1, 'eu', constants.MAX_REPLICAS + 1)] }],
    ['negative time', { requestId: 'r', atMs: -1, writes: [set(D1, 'eu', 1)] }],
    ['unknown op', { requestId: 'r', atMs: 0, writes: [{ op: 'bump', digest: D1, region: 'eu' }] }],
    ['a batch too big', { requestId: 'r', atMs: 0, writes: Array.from({ length: constants.MAX_BATCH_WRITES + 1 }, () => set(D1, 'eu', 1)) }],
    ['a reason too long', { requestId: 'r', atMs: 0, writes: [set(D1, 'eu', 1, 'x'.repeat(constants.REASON_MAX_CHARS + 1))] }]
  ]
  for (const [what, c] of bad) t.throws(() => encodeCommand(c as TargetCommand), { name: 'InvalidTargetCommandError' }, what)
  for (const raw of ['', 'null', '{"v":9}', '{"v":1,"requestId":"r","atMs":0,"writes":"x"}']) {
    t.throws(() => decodeCommand(new TextEncoder().encode(raw)), { name: 'InvalidTargetCommandError' }, raw)
  }
  const c: TargetCommand = { requestId: 'r', atMs: 7, writes: [set(D1, 'eu-west-1', 4, 'priority 0.9'), { op: 'clear', digest: D2, region: 'us' }] }
  t.same(decodeCommand(encodeCommand(c)), c, 'round trip')
})

t.test('apply is deterministic even for garbage, and refuses to skip or repeat an index', async t => {
  const sm = createReplicaTargets()
  const r = sm.apply({ index: 1, kind: 'command', data: new Uint8Array([1, 2, 3]) })
  t.equal(r?.status, 'rejected', 'bad bytes in the log are rejected, not thrown')
  t.throws(() => sm.apply({ index: 3, kind: 'noop', data: new Uint8Array(0) }), { name: 'ApplyOrderError' })
  t.throws(() => sm.apply({ index: 1, kind: 'noop', data: new Uint8Array(0) }), { name: 'ApplyOrderError' })
})
