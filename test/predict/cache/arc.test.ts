import t from 'tap'
import { ArcPolicy, createPolicy } from '../../../src/predict/cache/index.js'
import { BASE_SEED, randomTrace, replay, ScriptedPrefetcher, trace } from './helpers.js'

/**
 * ARC exactly as printed in Megiddo and Modha (FAST 2003, Fig. 4), blobs of
 * one size, written separately from the policy under test. Returns hits per
 * request and how often each case ran (so the test knows it met them all).
 */
function paperArc (blobs: string[], c: number): { hits: number[], cases: Record<string, number> } {
  const T1: string[] = []; const T2: string[] = []; const B1: string[] = []; const B2: string[] = []
  let p = 0
  const cases: Record<string, number> = { I: 0, II: 0, III: 0, IVA: 0, IVB: 0, tie: 0 }
  const drop = (list: string[], x: string): void => { list.splice(list.indexOf(x), 1) }
  const replace = (x: string): void => {
    const inB2 = B2.includes(x)
    if (inB2 && T1.length === p && T1.length >= 1 && T2.length > 0) cases.tie = (cases.tie ?? 0) + 1
    if (T1.length >= 1 && ((inB2 && T1.length === p) || T1.length > p)) B1.push(T1.shift() as string)
    else B2.push(T2.shift() as string)
  }
  const hits = blobs.map(x => {
    if (T1.includes(x) || T2.includes(x)) { // case I
      cases.I = (cases.I ?? 0) + 1
      drop(T1.includes(x) ? T1 : T2, x)
      T2.push(x)
      return 1
    }
    if (B1.includes(x)) { // case II
      cases.II = (cases.II ?? 0) + 1
      p = Math.min(c, p + (B1.length >= B2.length ? 1 : B2.length / B1.length))
      replace(x)
      drop(B1, x)
      T2.push(x)
      return 0
    }
    if (B2.includes(x)) { // case III
      cases.III = (cases.III ?? 0) + 1
      p = Math.max(0, p - (B2.length >= B1.length ? 1 : B1.length / B2.length))
      replace(x)
      drop(B2, x)
      T2.push(x)
      return 0
    }
    if (T1.length + B1.length === c) { // case IV.A
      cases.IVA = (cases.IVA ?? 0) + 1
      if (T1.length < c) {
        B1.shift()
        replace(x)
      } else {
        T1.shift()
      }
    } else if (T1.length + B1.length + T2.length + B2.length >= c) { // case IV.B
      cases.IVB = (cases.IVB ?? 0) + 1
      if (T1.length + B1.length + T2.length + B2.length === 2 * c) B2.shift()
      replace(x)
    }
    T1.push(x)
    return 0
  })
  return { hits, cases }
}

t.test('ARC: hand-computed hits (capacity 2, the paper\'s algorithm)', async t => {
  // Lists least recent first; p = target size of T1.
  //  1 A miss (IV, not full)            T1=[A]
  //  2 B miss                           T1=[A B]
  //  3 A hit (I)                        T1=[B] T2=[A]
  //  4 C miss (IV.B, REPLACE: |T1|=1 > p=0 -> B to B1)      T1=[C] T2=[A] B1=[B]
  //  5 B miss, in B1 (II): p=1; REPLACE: |T1|=1 not > 1 -> A to B2     T1=[C] T2=[B] B2=[A]
  //  6 D miss (IV.B): |T1|=1 not > p=1 -> B to B2           T1=[C D] B2=[A B]
  //  7 A miss, in B2 (III): p=0; REPLACE: |T1|=2 > 0 -> C to B1        T1=[D] T2=[A] B1=[C] B2=[B]
  //  8 C miss, in B1 (II): p=1; REPLACE: |T1|=1 not > 1 -> A to B2     T1=[D] T2=[C] B2=[B A]
  //  9 D hit (I)                        T2=[C D] B2=[B A]
  // 10 E miss (IV.B, 4 = 2c: drop B from B2; REPLACE: T1 empty -> C to B2)  T1=[E] T2=[D] B2=[A C]
  // 11 C miss, in B2 (III): p=0; REPLACE: |T1|=1 > 0 -> E to B1       T2=[D C] B1=[E] B2=[A]
  // 12 D hit (I)                        T2=[C D] B1=[E] B2=[A]
  // 13 B miss (IV.B, 4 = 2c: drop A; REPLACE: T1 empty -> C to B2)   T1=[B] T2=[D] B1=[E] B2=[C]
  const policy = createPolicy('arc', { capacityBytes: 2 }) as ArcPolicy
  const run = replay(trace('A B A C B D A C D E C D B'), policy, 2)
  t.same(run.hits, [0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0])
  t.same(run.evicted, ['B', 'A', 'B', 'C', 'A', 'C', 'E', 'C'])
  t.same(policy.state(), { targetBytes: 0, t1: ['B'], t2: ['D'], b1: ['E'], b2: ['C'] })
  t.same(paperArc('A B A C B D A C D E C D B'.split(' '), 2).hits, run.hits, 'the reference agrees')
})

t.test('ARC: case IV.A, T1 full, drops its oldest without a ghost', async t => {
  // Capacity 2: 1 A miss T1=[A]; 2 B miss T1=[A B]; 3 C miss: |T1|+|B1| = 2 = c and |T1| = c -> A goes, no ghost: T1=[B C]
  // 4 A miss: not a ghost, so plain IV again (no adaptation): -B, T1=[C A]; p stays 0
  const policy = createPolicy('arc', { capacityBytes: 2 }) as ArcPolicy
  const run = replay(trace('A B C A'), policy, 2)
  t.same(run.hits, [0, 0, 0, 0])
  t.same(policy.state(), { targetBytes: 0, t1: ['C', 'A'], t2: [], b1: [], b2: [] })
})

t.test('ARC with blobs of one size is the paper\'s algorithm, request by request (seeded random traces)', async t => {
  const met: Record<string, number> = {}
  for (let k = 0; k < 300; k++) {
    const seed = BASE_SEED + k
    const requests = randomTrace(seed, 400, 4 + (seed % 30))
    const c = 1 + (seed % 9)
    const run = replay(requests, createPolicy('arc', { capacityBytes: c }), c)
    const reference = paperArc(requests.map(r => r.blob), c)
    for (const [name, n] of Object.entries(reference.cases)) met[name] = (met[name] ?? 0) + n
    const first = run.hits.findIndex((h, i) => h !== reference.hits[i])
    if (first !== -1) {
      t.fail(`seed ${seed} (replay with CACHE_TEST_SEED=${seed}): capacity ${c}, request ${first} differs`)
      return
    }
  }
  for (const name of ['I', 'II', 'III', 'IVA', 'IVB', 'tie']) t.ok((met[name] ?? 0) > 0, `case ${name} was exercised (${met[name]} times)`)
})

t.test('ARC with sizes: p and the lists are in bytes', async t => {
  // Capacity 10 bytes. 1 A4 miss T1=[A]; 2 A hit T2=[A]; 3 B4 miss T1=[B]; 4 C4 miss: 12 > 10, |T1|=4 > p=0 -> B to B1
  // 5 B4 miss, in B1: p = 0 + 4 x max(1, 0/4) = 4; REPLACE: |T1|=4 not > 4 -> A (T2) to B2; B to T2
  const policy = createPolicy('arc', { capacityBytes: 10 }) as ArcPolicy
  const run = replay(trace('A:4 A:4 B:4 C:4 B:4'), policy, 10)
  t.same(run.hits, [0, 1, 0, 0, 0])
  t.same(policy.state(), { targetBytes: 4, t1: ['C'], t2: ['B'], b1: [], b2: ['A'] })
})

t.test('ARC: a prefetched blob enters T1 and its first request keeps it there', async t => {
  const policy = createPolicy('arc', { capacityBytes: 4 }) as ArcPolicy
  const run = replay(trace('A P P'), policy, 4, { prefetcher: new ScriptedPrefetcher({ 0: [{ blob: 'P', bytes: 1 }] }), maxPrefetchBytesPerRequest: 1 })
  t.same(run.hits, [0, 1, 1])
  t.same(policy.state().t1, ['A'], 'the second request moved P to T2')
  t.same(policy.state().t2, ['P'])
})
