import t from 'tap'
import { checkRegister } from '../../../sim/raft/linearizability.js'
import type { RegisterOp } from '../../../sim/raft/linearizability.js'

const w = (value: string | null, call: number, ret: number): RegisterOp => ({ kind: 'write', value, call, ret, label: `w${String(value)}` })
const r = (value: string | null, call: number, ret: number): RegisterOp => ({ kind: 'read', value, call, ret, label: `r${String(value)}` })

t.test('linearizable histories pass', async t => {
  t.same(checkRegister([]), { ok: true })
  t.same(checkRegister([w('a', 1, 2), r('a', 3, 4)]), { ok: true }, 'sequential')
  t.same(checkRegister([w('a', 1, 10), r('a', 2, 3)]), { ok: true }, 'a read inside a write may see it')
  t.same(checkRegister([w('a', 1, 10), r(null, 2, 3)]), { ok: true }, '... or not yet')
  t.same(checkRegister([w('a', 1, 4), w('b', 2, 5), r('a', 6, 7)]), { ok: true }, 'concurrent writes in either order')
  t.same(checkRegister([w('a', 1, Infinity), r('a', 5, 6), r('a', 7, 8)]), { ok: true }, 'a write that never returned may have happened')
  t.same(checkRegister([w('a', 1, Infinity), r(null, 5, 6)]), { ok: true }, '... or not')
  t.same(checkRegister([r('zzz', 1, Infinity)]), { ok: true }, 'a read that never returned says nothing')
})

t.test('non-linearizable histories fail', async t => {
  t.match(checkRegister([w('a', 1, 2), r(null, 3, 4)]), { ok: false, reason: 'not linearizable' }, 'a stale read after the write returned')
  t.match(checkRegister([w('a', 1, 2), w('b', 3, 4), r('a', 5, 6)]), { ok: false }, 'a read of an overwritten value')
  t.match(checkRegister([w('a', 1, 10), r('a', 2, 3), r(null, 4, 5)]), { ok: false }, 'a value seen, then unseen')
  t.match(checkRegister([r('ghost', 1, 2)]), { ok: false }, 'a value nobody wrote')
  t.match(checkRegister([w('a', 1, 2), w('b', 3, Infinity), r('b', 4, 5), r('a', 6, 7)]), { ok: false }, 'a pending write seen and then undone')
})

t.test('the search is bounded', async t => {
  // Many overlapping writes and a read of a value nobody wrote: exhaustive search would be exponential.
  const ops: RegisterOp[] = Array.from({ length: 18 }, (_, i) => w(`v${i}`, 1, 100))
  ops.push(r('nobody', 50, 60))
  t.match(checkRegister(ops, null, 1000), { ok: false, reason: 'search limit' })
})
