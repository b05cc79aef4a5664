/**
 * bench:chunk: the content-defined chunker against plain node:crypto sha256
 * over the same bytes, in the same run, alternating, best of N each.
 *
 * The bytes: a seeded 64 MiB pseudo-random pool, fed as 1 MiB slices from
 * seeded offsets until `--size-mib` have gone by (no generation cost inside
 * the timed loops). Measured:
 *
 *   sha256     one sha256 pass over the stream (the baseline)
 *   chunk      cut + a CID per shard, with a WorkerHasher (what a daemon should pass)
 *   inline     the same with every hash on this thread
 *   blob       chunkBlob: chunk + CIDs + the whole-blob digest + the index
 *
 * `ratio` is chunk / sha256. The chunker uses two threads (cutting here, most
 * hashing on the worker); the baseline one. The blob digest is a second full
 * sha256 pass, so `blobRatio` cannot reach what `ratio` does. Every blob run
 * checks its digest against the baseline's.
 *
 *   npm run bench:chunk [-- --size-mib 1024] [--runs 3] [--json]
 */
import { createHash } from 'node:crypto'
import { chunk, chunkBlob } from '../src/shard/index.js'
import { WorkerHasher } from '../src/shard/worker-hasher.js'
import type { ShardHasher } from '../src/shard/hasher.js'
import { alternate, mibPerSecond, parseBenchArgs, randomBytes, report, round, seededRandom } from './util.js'

const KiB = 1024
const MiB = 1024 * KiB
const args = parseBenchArgs(process.argv.slice(2), { 'size-mib': 1024, runs: 3, 'pool-mib': 64, 'input-kib': 1024, seed: 1 })

const sizeBytes = Math.round(args['size-mib'] * MiB)
const sliceBytes = Math.round(args['input-kib'] * KiB)
if (sizeBytes < 1 || sliceBytes < 1 || !Number.isInteger(args.runs) || args.runs < 1) throw new Error('--size-mib and --input-kib must be positive, --runs a positive integer')
const pool = randomBytes(args['pool-mib'] * MiB, args.seed)
if (pool.byteLength < sliceBytes) throw new Error('--pool-mib must hold at least one --input-kib slice')
const offsets = slicePlan(sizeBytes)

function slicePlan (bytes: number): number[] {
  const next = seededRandom(args.seed + 1)
  const out: number[] = []
  for (let left = bytes; left > 0; left -= sliceBytes) out.push(next() % (pool.byteLength - sliceBytes + 1))
  return out
}

function * slices (bytes = sizeBytes): Generator<Uint8Array> {
  let left = bytes
  for (const off of offsets) {
    if (left <= 0) return
    const n = Math.min(sliceBytes, left)
    left -= n
    yield pool.subarray(off, off + n)
  }
}

async function * stream (bytes = sizeBytes): AsyncGenerator<Uint8Array> {
  yield * slices(bytes)
}

interface Run { mibps: number, shards: number, digest?: string }

function sha256Run (bytes = sizeBytes): Run & { digest: string } {
  const started = performance.now()
  const h = createHash('sha256')
  for (const s of slices(bytes)) h.update(s)
  const digest = 'sha256:' + h.digest('hex')
  return { mibps: mibPerSecond(bytes, performance.now() - started), shards: 0, digest }
}

async function chunkRun (hasher: ShardHasher | undefined, bytes = sizeBytes): Promise<Run> {
  const started = performance.now()
  let shards = 0
  let total = 0
  for await (const c of chunk(stream(bytes), { hasher })) {
    shards++
    total += c.length
  }
  if (total !== bytes) throw new Error(`the chunker yielded ${total} bytes of ${bytes}`)
  return { mibps: mibPerSecond(bytes, performance.now() - started), shards }
}

async function blobRun (hasher: ShardHasher, bytes = sizeBytes): Promise<Run> {
  const started = performance.now()
  const { index } = await chunkBlob(stream(bytes), { hasher })
  return { mibps: mibPerSecond(bytes, performance.now() - started), shards: index.shards.length, digest: index.digest }
}

const hasher = new WorkerHasher()
await hasher.start()
try {
  // Warm-up: JIT tiers, the worker, the allocator.
  const warm = Math.min(sizeBytes, 64 * MiB)
  sha256Run(warm)
  await chunkRun(hasher, warm)
  await chunkRun(undefined, warm)
  await blobRun(hasher, warm)

  const expected = sha256Run().digest
  let shards = 0
  const checkBlob = (r: Run): number => {
    if (r.digest !== expected) throw new Error(`chunkBlob computed ${r.digest}, sha256 ${expected}`)
    return r.mibps
  }
  const runs = await alternate(args.runs, {
    sha256: () => sha256Run().mibps,
    chunk: async () => { const r = await chunkRun(hasher); shards = r.shards; return r.mibps },
    inline: async () => (await chunkRun(undefined)).mibps,
    blob: async () => checkBlob(await blobRun(hasher))
  })
  const best = (xs: number[]): number => Math.max(...xs)
  const list = (xs: number[]): string => xs.map(x => x.toFixed(0)).join(' ')
  const sha256MBps = best(runs.sha256)
  const chunkMBps = best(runs.chunk)
  const inlineMBps = best(runs.inline)
  const blobMBps = best(runs.blob)
  const ratio = chunkMBps / sha256MBps
  report(args.json, [
    ['measure', 'best MiB/s', 'runs'],
    ['sha256, one pass (baseline)', sha256MBps.toFixed(0), list(runs.sha256)],
    ['chunk + shard CIDs, worker hasher', chunkMBps.toFixed(0), list(runs.chunk)],
    ['chunk + shard CIDs, inline hashing', inlineMBps.toFixed(0), list(runs.inline)],
    ['chunkBlob: + blob digest + index', blobMBps.toFixed(0), list(runs.blob)],
    ['shards / average shard', `${shards}`, `${(sizeBytes / shards / KiB).toFixed(0)} KiB`]
  ], {
    chunkMBps: round(chunkMBps),
    sha256MBps: round(sha256MBps),
    ratio: round(ratio, 3),
    inlineMBps: round(inlineMBps),
    inlineRatio: round(inlineMBps / sha256MBps, 3),
    blobMBps: round(blobMBps),
    blobRatio: round(blobMBps / sha256MBps, 3),
    shards,
    avgShardBytes: Math.round(sizeBytes / shards),
    sizeMiB: args['size-mib'],
    inputKiB: args['input-kib'],
    runs: args.runs
  }, `ratio ${ratio.toFixed(2)} (target >= 0.7); inline ${(inlineMBps / sha256MBps).toFixed(2)}; with blob digest ${(blobMBps / sha256MBps).toFixed(2)}`)
} finally {
  await hasher.stop()
}
