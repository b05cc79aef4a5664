import t from 'tap'
import { createHash } from 'node:crypto'
import { WorkerHasher } from '../../src/shard/worker-hasher.js'
import { allocOwned } from '../../src/shard/cutter.js'
import { randomBytes } from './util.js'

const KiB = 1024

function owned (bytes: Uint8Array): Uint8Array {
  const out = allocOwned(bytes.byteLength)
  out.set(bytes)
  return out
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

t.test('hashes on the worker: transferable buffers move and come back; others are copied', async t => {
  const hasher = new WorkerHasher()
  await hasher.start()
  t.teardown(async () => { await hasher.stop() })
  const data = randomBytes(512 * KiB, 31)
  const mine = owned(data)
  const result = hasher.hash(mine, true)
  t.ok(result instanceof Promise, 'a large shard goes to the worker')
  t.equal(mine.byteLength, 0, 'the transferable buffer left this thread')
  const back = await result
  t.equal(Buffer.from(back.sha256).toString('hex'), sha(data))
  t.equal(Buffer.compare(back.bytes, data), 0, 'and came back with the same bytes')

  const view = data.subarray(1000, 300 * KiB)
  const r2 = await hasher.hash(view, false)
  t.equal(view.byteLength, 300 * KiB - 1000, 'a view is never moved')
  t.equal(Buffer.from(r2.sha256).toString('hex'), sha(view))

  const small = hasher.hash(data.subarray(0, 100), false)
  t.notOk(small instanceof Promise, 'a small shard is hashed inline')
})

t.test('over maxInFlight, shards are hashed inline; stop fails what is on the worker', async t => {
  const hasher = new WorkerHasher({ maxInFlight: 2, minBytes: 1 })
  await hasher.start()
  const data = randomBytes(256 * KiB, 32)
  const a = hasher.hash(owned(data), true)
  const b = hasher.hash(owned(data), true)
  const c = hasher.hash(owned(data), true)
  t.ok(a instanceof Promise && b instanceof Promise)
  t.notOk(c instanceof Promise, 'the third runs inline')
  const settled = Promise.allSettled([a, b])
  await hasher.stop()
  t.same((await settled).map(r => r.status === 'rejected' ? (r.reason as Error).name : r.status), ['HasherStoppedError', 'HasherStoppedError'])
  t.notOk(hasher.hash(owned(data), true) instanceof Promise, 'stopped: inline')
  await hasher.stop()
})

t.test('options are checked', async t => {
  t.throws(() => new WorkerHasher({ maxInFlight: 0 }), { name: 'InvalidChunkerParamsError', message: /maxInFlight/ })
  t.throws(() => new WorkerHasher({ threads: 2 } as never), { name: 'InvalidChunkerParamsError', message: /unknown WorkerHasher option "threads"/ })
})
