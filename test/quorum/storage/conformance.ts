/**
 * The RaftStorage conformance suite: the same seeded sequences of Ready
 * writes go through the core's model (`applyWrites`) and through the
 * storage, which is closed and opened again at random points (and always
 * at the end); what it reads back must be exactly the model's state.
 * `storageConformance(t, name, harness)` runs it against any storage.
 */
import { applyWrites, emptyState } from '../../../src/quorum/raft/persist.js'
import { Prng } from '../../../sim/raft/prng.js'
import { clone, plain, sequence } from './sequence.js'
import type { Test } from 'tap'
import type { RaftStorage } from '../../../src/quorum/storage/index.js'

export interface StorageHarness {
  /** A new, empty storage (not open). */
  create: (t: Test) => RaftStorage
  /** The storage to use after `storage` was closed: the same one, or a new one over the same disk. */
  reopen: (storage: RaftStorage) => RaftStorage
}

const SEEDS = Number(process.env.SHOAL_STORAGE_SEEDS ?? 12)
const STEPS = 80

export function storageConformance (t: Test, name: string, h: StorageHarness): void {
  t.test(`${name}: a new storage opens empty`, async t => {
    const s = h.create(t)
    t.same(plain(await s.open()), plain(emptyState()))
    await s.close()
  })

  t.test(`${name}: reads back what the model holds, reopened at random points (${SEEDS} seeds x ${STEPS} writes)`, async t => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const { steps, states } = sequence(seed, STEPS)
      const pick = new Prng(seed * 7919)
      let s = h.create(t)
      t.same(plain(await s.open()), plain(emptyState()))
      let mismatch: string | undefined
      for (let i = 0; i < steps.length && mismatch == null; i++) {
        await s.write(steps[i]!.writes, { sync: steps[i]!.sync })
        if (i === steps.length - 1 || pick.chance(0.3)) {
          await s.close()
          s = h.reopen(s)
          const got = plain(await s.open())
          if (JSON.stringify(got) !== JSON.stringify(plain(states[i]!))) {
            mismatch = `seed ${seed}: after write ${i + 1} of ${steps.length}`
            t.same(got, plain(states[i]!), mismatch)
          }
        }
      }
      await s.close()
      if (mismatch != null) break
      t.pass(`seed ${seed}: ${steps.length} writes, equal to the model`)
    }
  })

  t.test(`${name}: a write that would leave a gap throws and writes nothing`, async t => {
    const { steps, states } = sequence(3, 10)
    let s = h.create(t)
    await s.open()
    for (const step of steps) await s.write(step.writes, { sync: true })
    const before = states[states.length - 1]!
    const lastIndex = (before.snapshot?.index ?? 0) + before.entries.length
    const gap = { entries: [{ index: lastIndex + 2, term: 99, kind: 'noop' as const, data: new Uint8Array() }], hardState: { term: 99, vote: null, commit: 0 } }
    await t.rejects(s.write(gap, { sync: true }), { name: 'CorruptStateError' })
    // The model refuses it the same way.
    t.throws(() => { applyWrites(clone(before), gap) }, { name: 'CorruptStateError' })
    await s.close()
    s = h.reopen(s)
    t.same(plain(await s.open()), plain(before), 'the hard state of the refused write is not stored either')
    await s.close()
  })

  t.test(`${name}: closed storage refuses writes; close is safe twice`, async t => {
    const s = h.create(t)
    await t.rejects(s.write({ entries: [] , hardState: { term: 1, vote: null, commit: 0 } }, { sync: true }), { name: 'RaftStorageClosedError' }, 'before open')
    await s.open()
    await s.close()
    await s.close()
    await t.rejects(s.write({ entries: [], hardState: { term: 1, vote: null, commit: 0 } }, { sync: true }), { name: 'RaftStorageClosedError' }, 'after close')
  })
}
