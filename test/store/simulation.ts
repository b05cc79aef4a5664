/**
 * A seeded random workload against a store: rounds of concurrent operations
 * (overlapping on the same shards and blobs), and after each round the
 * invariants that must hold whatever order the operations ran in. Every
 * failure message carries the seed, so it can be replayed exactly.
 */
import { shardCid } from '../../src/shard/cid.js'
import { bitmapHas } from '../../src/store/index.js'
import { blobFromParts, collect, concat, prng, randomBytes } from './helpers.js'
import type { Test } from 'tap'
import type { ShardStore } from '../../src/store/index.js'
import type { TestBlob, TestShard } from './helpers.js'

const EXPECTED = new Set(['StoreFullError', 'ShardNotFoundError', 'BlobNotFoundError'])

export async function simulate (t: Test, store: ShardStore, seed: number, rounds = 100): Promise<void> {
  const rand = prng(seed)
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T
  const pool: TestShard[] = Array.from({ length: 8 }, (_, i) => {
    const bytes = randomBytes(10 + Math.floor(rand() * 290), seed + i)
    return { cid: shardCid(bytes), bytes }
  })
  const blobs: TestBlob[] = Array.from({ length: 4 }, () =>
    blobFromParts(Array.from({ length: 2 + Math.floor(rand() * 5) }, () => pick(pool).bytes)))
  const events = new Map<string, number>()
  store.on('shard:added', e => events.set(e.cid.toString(), (events.get(e.cid.toString()) ?? 0) + 1))
  store.on('shard:removed', e => events.set(e.cid.toString(), (events.get(e.cid.toString()) ?? 0) - 1))

  const failures: string[] = []
  const run = async (label: string, op: () => Promise<unknown>): Promise<void> => {
    try {
      await op()
    } catch (err) {
      const name = (err as Error).name
      if (!EXPECTED.has(name)) failures.push(`${label}: ${name}: ${(err as Error).message}`)
    }
  }
  const put = (): [string, () => Promise<unknown>] => { const s = pick(pool); return ['put', async () => store.put(s.cid, s.bytes)] }
  // Puts weigh triple: contention on one CID is what the locks are for.
  const ops: Array<() => [string, () => Promise<unknown>]> = [
    put, put, put,
    () => { const s = pick(pool); return ['delete', async () => store.delete(s.cid)] },
    () => {
      const s = pick(pool)
      return ['get', async () => {
        const got = await store.get(s.cid)
        if (Buffer.compare(got, s.bytes) !== 0) failures.push(`get ${s.cid.toString()} returned other bytes`)
      }]
    },
    () => { const b = pick(blobs); return ['putIndex', async () => store.putIndex(b.index)] },
    () => { const b = pick(blobs); return ['deleteBlob', async () => store.deleteBlob(b.index.digest)] },
    () => {
      const b = pick(blobs)
      return ['readBlob', async () => {
        const got = concat(await collect(store.readBlob(b.index.digest)))
        if (Buffer.compare(got, b.bytes) !== 0) failures.push(`readBlob ${b.index.digest} returned other bytes`)
      }]
    },
    () => {
      const s = pick(pool)
      const bad = Buffer.from(s.bytes)
      bad[0] = (bad[0] ?? 0) ^ 1
      return ['put bad bytes', async () => {
        await store.put(s.cid, bad).then(() => failures.push('a put of bad bytes succeeded'), (err: Error) => {
          if (err.name !== 'ShardVerificationError') throw err
        })
      }]
    }
  ]

  for (let round = 0; round < rounds && failures.length === 0; round++) {
    const batch = Array.from({ length: 1 + Math.floor(rand() * 16) }, () => pick(ops)())
    await Promise.all(batch.map(async ([label, op]) => run(`round ${round} ${label}`, op)))
    await checkInvariants(store, pool, blobs, events, failures, round)
  }
  t.same(failures, [], `invariants hold (seed ${seed})`)
}

async function checkInvariants (
  store: ShardStore, pool: TestShard[], blobs: TestBlob[], events: Map<string, number>, failures: string[], round: number
): Promise<void> {
  const stat = store.stat()
  const shards = [...store.listShards()]
  const used = shards.reduce((n, s) => n + s.sizeBytes, 0)
  if (stat.shards !== shards.length || stat.usedBytes !== used) {
    failures.push(`round ${round}: stat ${JSON.stringify(stat)} but ${shards.length} shards of ${used} bytes listed`)
  }
  if (stat.usedBytes > stat.capacityBytes) failures.push(`round ${round}: over capacity: ${stat.usedBytes}`)
  for (const s of pool) {
    const key = s.cid.toString()
    const held = store.hasSync(s.cid)
    const net = events.get(key) ?? 0
    if (net !== (held ? 1 : 0)) failures.push(`round ${round}: ${key} held=${String(held)} but added-removed=${net}`)
    if (held && Buffer.compare(await store.get(s.cid), s.bytes) !== 0) failures.push(`round ${round}: ${key} has other bytes`)
  }
  let indexed = 0
  for (const b of blobs) {
    const index = await store.getIndex(b.index.digest)
    if (index === undefined) continue
    indexed++
    const have = await store.haveMap(b.index.digest)
    index.shards.forEach((ref, i) => {
      if (bitmapHas(have.bitmap, i) !== store.hasSync(ref.cid)) failures.push(`round ${round}: have-map bit ${i} of ${b.index.digest} is wrong`)
    })
    const complete = index.shards.every(ref => store.hasSync(ref.cid))
    if (await store.hasBlob(b.index.digest) !== complete) failures.push(`round ${round}: hasBlob ${b.index.digest} is wrong`)
  }
  if (stat.blobs !== indexed) failures.push(`round ${round}: stat.blobs ${stat.blobs}, ${indexed} indexes found`)
}
