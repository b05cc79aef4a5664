import t from 'tap'
import { mkdtemp, open as openFile, readdir, readFile, rm, stat, truncate, writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { shardCid } from '../../src/shard/cid.js'
import { createFsStore, createMemoryStore } from '../../src/store/index.js'
import { FsStore } from '../../src/store/fs-store.js'
import { shardDirName } from '../../src/store/shard-key.js'
import { ACCESS_FLUSH_INTERVAL_MS, INDEX_CACHE_SIZE, MAX_SHARD_BYTES } from '../../src/store/constants.js'
import { conformance } from './conformance.js'
import { collect, concat, makeBlob, randomBytes, recordingLogger } from './helpers.js'
import type { Test } from 'tap'
import type { CID } from '../../src/shard/cid.js'
import type { FsStoreInit, StoreComponents } from '../../src/store/index.js'

async function tempDir (t: Test): Promise<string> {
  return mkdtemp(join(t.testdir(), 'store-'))
}

conformance(t, 'memory', (_t, init, components) => createMemoryStore(init, components))
conformance(t, 'fs', async (t, init, components) => createFsStore({ dir: await tempDir(t), ...init }, components))

/** An fs store on `dir`, started, stopped at teardown. */
async function fsStore (t: Test, init: FsStoreInit, components: StoreComponents = { logger: recordingLogger() }): Promise<FsStore> {
  const store = new FsStore(init, components)
  await store.start()
  t.teardown(async () => { await store.stop() })
  return store
}

function shardPath (dir: string, cid: CID): string {
  return join(dir, 'shards', shardDirName(cid), cid.toString())
}

t.test('fs: layout', async t => {
  const dir = await tempDir(t)
  const store = await fsStore(t, { dir })
  const bytes = randomBytes(100, 1)
  const cid = shardCid(bytes)
  await store.put(cid, bytes)
  const hash = cid.multihash.digest
  t.equal(shardDirName(cid), hash[31]!.toString(16).padStart(2, '0'), 'directory = last hash byte in hex')
  t.same(await readFile(shardPath(dir, cid)), Buffer.from(bytes))
  t.same(await readdir(join(dir, 'tmp')), [], 'no temp file left')
})

t.test('fs: reconcile after a crash', async t => {
  const dir = await tempDir(t)
  const blob = makeBlob([100, 200, 300, 400], 2)
  const [kept, truncated, vanished, orphan] = blob.shards as [typeof blob.shards[0], typeof blob.shards[0], typeof blob.shards[0], typeof blob.shards[0]]
  const first = new FsStore({ dir }, { logger: recordingLogger() })
  await first.start()
  await first.putIndex(blob.index)
  for (const s of [kept, truncated, vanished]) await first.put(s.cid, s.bytes)
  await first.stop()

  // What a crash and some disk damage leave behind.
  await writeFile(join(dir, 'tmp', `${orphan.cid.toString()}.7`), orphan.bytes.subarray(0, 10))
  await truncate(shardPath(dir, truncated.cid), 50)
  await rm(shardPath(dir, vanished.cid))
  await mkdir(join(dir, 'shards', shardDirName(orphan.cid)), { recursive: true })
  await writeFile(shardPath(dir, orphan.cid), orphan.bytes)
  const corrupt = randomBytes(60, 3)
  const corruptCid = shardCid(corrupt)
  corrupt[0] = (corrupt[0] ?? 0) ^ 0xff
  await mkdir(join(dir, 'shards', shardDirName(corruptCid)), { recursive: true })
  await writeFile(shardPath(dir, corruptCid), corrupt)
  await mkdir(join(dir, 'shards', 'ab'), { recursive: true })
  await writeFile(join(dir, 'shards', 'ab', 'not-a-cid'), 'x')
  const misplaced = randomBytes(70, 4)
  const misplacedCid = shardCid(misplaced)
  const wrongDir = shardDirName(misplacedCid) === '00' ? '01' : '00'
  await mkdir(join(dir, 'shards', wrongDir), { recursive: true })
  await writeFile(join(dir, 'shards', wrongDir, misplacedCid.toString()), misplaced)

  const logger = recordingLogger()
  const store = await fsStore(t, { dir }, { logger })
  t.same(store.lastReconcile, {
    tmpRemoved: 1, corruptRemoved: 2, strayRemoved: 2, missingDropped: 1, adopted: 1, shards: 2, usedBytes: 500
  })
  t.ok(logger.lines.filter(l => l.level === 'warn').length >= 5, 'each repair is logged')
  t.same(store.stat(), { shards: 2, usedBytes: 500, capacityBytes: Infinity, blobs: 1 })
  t.same(await readdir(join(dir, 'tmp')), [])
  await t.rejects(stat(shardPath(dir, truncated.cid)), { code: 'ENOENT' }, 'truncated file removed')
  await t.rejects(stat(shardPath(dir, corruptCid)), { code: 'ENOENT' }, 'corrupt file removed')
  t.same(Buffer.from(await store.get(orphan.cid)), Buffer.from(orphan.bytes), 'valid file without metadata adopted')
  t.same((await store.missingShards(blob.index.digest)).map(r => r.cid.toString()), [truncated.cid.toString(), vanished.cid.toString()])
  await store.stop()

  const again = await fsStore(t, { dir })
  t.same(again.lastReconcile, {
    tmpRemoved: 0, corruptRemoved: 0, strayRemoved: 0, missingDropped: 0, adopted: 0, shards: 2, usedBytes: 500
  }, 'the repair was recorded: the next start finds nothing to do')
})

t.test('fs: same-size damage is found by verifyOnStart or on read', async t => {
  const dir = await tempDir(t)
  const blob = makeBlob([100, 100], 5)
  const first = await fsStore(t, { dir })
  for (const s of blob.shards) await first.put(s.cid, s.bytes)
  await first.stop()
  for (const s of blob.shards) {
    const fh = await openFile(shardPath(dir, s.cid), 'r+')
    await fh.write(Buffer.from([(s.bytes[5] ?? 0) ^ 1]), 0, 1, 5)
    await fh.close()
  }

  const logger = recordingLogger()
  const lazy = await fsStore(t, { dir }, { logger })
  t.equal(lazy.lastReconcile?.corruptRemoved, 0, 'a size check does not see it')
  const removed: string[] = []
  lazy.on('shard:removed', e => removed.push(e.reason))
  await t.rejects(lazy.get(blob.shards[0]!.cid), { name: 'ShardNotFoundError', message: /corrupt/ })
  t.same(removed, ['corrupt'])
  t.equal(lazy.stat().shards, 1)
  await t.rejects(stat(shardPath(dir, blob.shards[0]!.cid)), { code: 'ENOENT' })
  await lazy.stop()

  const strict = await fsStore(t, { dir, verifyOnStart: true })
  t.equal(strict.lastReconcile?.corruptRemoved, 1)
  t.equal(strict.stat().shards, 0)
})

t.test('fs: a file removed behind the store reads as not found', async t => {
  const dir = await tempDir(t)
  const store = await fsStore(t, { dir })
  const bytes = randomBytes(10, 6)
  const cid = shardCid(bytes)
  await store.put(cid, bytes)
  await rm(shardPath(dir, cid))
  const removed: string[] = []
  store.on('shard:removed', e => removed.push(e.reason))
  await t.rejects(store.get(cid), { name: 'ShardNotFoundError' })
  t.same(removed, ['missing'])
  t.same(store.stat().usedBytes, 0)
})

t.test('fs: a new instance on the same directory keeps everything', async t => {
  const dir = await tempDir(t)
  const blob = makeBlob([1000, 2000, 3000], 7)
  const first = await fsStore(t, { dir, capacityBytes: 10_000 })
  const indexCid = await first.putIndex(blob.index)
  for (const s of blob.shards) await first.put(s.cid, s.bytes)
  const before = first.shardInfo(blob.shards[1]!.cid)
  await new Promise(resolve => setTimeout(resolve, 5))
  await first.get(blob.shards[1]!.cid)
  const touched = first.shardInfo(blob.shards[1]!.cid)?.lastAccessMs ?? 0
  t.ok(before !== undefined && touched > before.lastAccessMs, 'get updates the access time')
  await first.stop()

  const second = await fsStore(t, { dir, capacityBytes: 10_000 })
  t.same(second.stat(), { shards: 3, usedBytes: 6000, capacityBytes: 10_000, blobs: 1 })
  t.equal(second.shardInfo(blob.shards[1]!.cid)?.lastAccessMs, touched, 'access times are persisted on stop')
  t.equal(second.shardInfo(blob.shards[1]!.cid)?.addedAtMs, before?.addedAtMs, 'added times too')
  t.ok((await second.getIndexByCid(indexCid)) !== undefined)
  t.same(Buffer.from(concat(await collect(second.readBlob(blob.index.digest, { offset: 500, length: 2000 })))),
    Buffer.from(blob.bytes.subarray(500, 2500)))
  const extra = randomBytes(4001, 8)
  await t.rejects(second.put(shardCid(extra), extra), { name: 'StoreFullError' }, 'usedBytes counted from disk')
})

t.test('fs: one store per directory', async t => {
  const dir = await tempDir(t)
  await fsStore(t, { dir })
  const other = new FsStore({ dir }, { logger: recordingLogger() })
  await t.rejects(other.start(), 'LevelDB lock')
  t.throws(() => other.hasSync(shardCid(Buffer.from('x'))), { name: 'StoreClosedError' })
})

t.test('fs: options are validated', async t => {
  const dir = await tempDir(t)
  t.throws(() => createFsStore({ dir, capacity: 10 } as unknown as FsStoreInit), { name: 'InvalidStoreOptionError', message: /"capacity".*capacityBytes/ })
  t.throws(() => createFsStore({} as unknown as FsStoreInit), { name: 'InvalidStoreOptionError', message: /dir is required/ })
  t.throws(() => createFsStore({ dir, capacityBytes: -1 }), { name: 'InvalidStoreOptionError' })
  t.throws(() => createFsStore({ dir, accessFlushIntervalMs: 0 }), { name: 'InvalidStoreOptionError' })
  t.throws(() => createMemoryStore({ dir } as unknown as FsStoreInit), { name: 'InvalidStoreOptionError' })
})

t.test('documented defaults match the constants', async t => {
  const doc = await readFile(new URL('../../src/store/index.ts', import.meta.url), 'utf8')
  const MiB = 1024 * 1024
  t.match(doc, `@default MAX_SHARD_BYTES (${MAX_SHARD_BYTES / MiB} MiB)`)
  t.match(doc, `@default INDEX_CACHE_SIZE (${INDEX_CACHE_SIZE})`)
  t.match(doc, `@default ACCESS_FLUSH_INTERVAL_MS (${ACCESS_FLUSH_INTERVAL_MS / 60_000} minute)`)
})
