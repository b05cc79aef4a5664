import t from 'tap'
import { BlobJob } from '../../src/registry/blob-job.js'
import { createMemoryStore } from '../../src/store/index.js'
import { fixedIndex, randomBytes } from '../utils/nodes.js'

t.test('readers get shards in blob order whatever order they arrive in', async t => {
  const store = createMemoryStore()
  await store.start()
  t.teardown(async () => { await store.stop() })
  const { index, shards } = fixedIndex(randomBytes(4 * 1000, 1), 1000)
  const job = new BlobJob(index.digest, store, 'index')
  job.setIndex(index.shards, index.size)
  const got: number[] = []
  const reader = (async () => {
    for (let i = 0; ; i++) {
      const ref = await job.shard(i)
      if (ref == null) return
      got.push(ref.offset)
    }
  })()
  for (const i of [2, 0, 3, 1]) {
    await store.put(shards[i]!.cid, shards[i]!.bytes)
    await new Promise(resolve => setImmediate(resolve))
  }
  job.succeed()
  await reader
  t.same(got, [0, 1000, 2000, 3000])
})

t.test('a failed job fails its readers; a shard evicted after success fails the reader instead of hanging', async t => {
  const store = createMemoryStore()
  await store.start()
  t.teardown(async () => { await store.stop() })
  const { index, shards } = fixedIndex(randomBytes(2 * 1000, 2), 1000)
  const failing = new BlobJob(index.digest, store, 'index')
  failing.setIndex(index.shards, index.size)
  const waiting = failing.shard(0)
  failing.fail(new Error('the origin went away'))
  await t.rejects(waiting, /the origin went away/)
  await t.rejects(failing.done, /the origin went away/)

  const job = new BlobJob(index.digest, store, 'index')
  job.setIndex(index.shards, index.size)
  for (const s of shards) await store.put(s.cid, s.bytes)
  job.succeed()
  await store.delete(shards[1]!.cid)
  t.ok(await job.shard(0))
  await t.rejects(job.shard(1), { name: 'ShardEvictedError' })
})

t.test('an aborted reader stops waiting', async t => {
  const store = createMemoryStore()
  await store.start()
  t.teardown(async () => { await store.stop() })
  const job = new BlobJob('sha256:' + '0'.repeat(64), store, 'stream')
  const c = new AbortController()
  const waiting = job.ready(c.signal)
  c.abort(new Error('client went away'))
  await t.rejects(waiting, /client went away/)
  job.fail(new Error('done'))
})

t.test('shards listed by a followed peer are read as they are stored; an origin re-cut must agree with the listing', async t => {
  const store = createMemoryStore()
  await store.start()
  t.teardown(async () => { await store.stop() })
  const { index, shards } = fixedIndex(randomBytes(3 * 1000, 3), 1000)
  const job = new BlobJob(index.digest, store, 'stream')
  job.extend(index.shards.slice(0, 2), index.size)
  t.equal(job.sizeBytes, index.size, 'the size is known from the first listing')
  const first = job.shard(0)
  await store.put(shards[0]!.cid, shards[0]!.bytes)
  t.equal((await first)?.offset, 0)
  let woke = false
  const waiting = job.changed(5000).then(() => { woke = true })
  // The followed peer went away: the origin stream re-cuts the blob from the start.
  job.append(index.shards[0]!, 'origin')
  await waiting
  t.ok(woke, 'a change wakes partial-index waiters before their deadline')
  t.equal(job.refs.length, 2, 'a shard already listed is not listed twice')
  t.throws(() => { job.append(index.shards[2]!, 'origin') }, { name: 'ShardListingError', message: /shard 1 of .* a peer had listed/ })
  const timed = performance.now()
  await job.changed(30)
  t.ok(performance.now() - timed >= 25, 'with no change, the wait ends at its deadline')
})
