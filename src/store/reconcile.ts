/**
 * Start-up reconciliation of the file store, after a clean stop or a crash:
 *
 * - everything in `tmp/` is an interrupted write: removed;
 * - a file not named as a shard key, or in the wrong `<2 hex>` directory: removed;
 * - a file with metadata but another size (truncated, or metadata from an
 *   older write): removed with its metadata; with `verifyAll`, also on a hash mismatch;
 * - metadata whose file is gone: dropped;
 * - a file without metadata (a crash between rename and the metadata write):
 *   hashed against the CID of its name, then adopted or removed.
 *
 * A rename is atomic, so a shard's real name never holds a partial write of
 * ours; what the checks catch is damage from outside (disk, people).
 */
import { createReadStream } from 'node:fs'
import { readdir, rm, stat } from 'node:fs/promises'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { RECONCILE_CONCURRENCY } from './constants.js'
import { decodeMeta, encodeMeta, prefixRange, SHARD } from './meta-db.js'
import { parseShardKey, shardDirName } from './shard-key.js'
import type { CID } from '../shard/cid.js'
import type { ShardMeta } from './base-store.js'
import type { MetaDb } from './meta-db.js'
import type { StoreLogger } from './index.js'

export interface ReconcileReport {
  /** Temp files of interrupted writes. */
  tmpRemoved: number
  /** Files whose size or hash did not match. */
  corruptRemoved: number
  /** Files not named as shards or in the wrong directory. */
  strayRemoved: number
  /** Metadata entries whose file was gone. */
  missingDropped: number
  /** Valid files without metadata, now recorded. */
  adopted: number
  shards: number
  usedBytes: number
}

export interface ReconcileContext {
  db: MetaDb
  shardsDir: string
  tmpDir: string
  verifyAll: boolean
  logger: StoreLogger
}

const DIR_RE = /^[0-9a-f]{2}$/

async function hashMatches (path: string, cid: CID): Promise<boolean> {
  const hash = createHash('sha256')
  for await (const buf of createReadStream(path)) hash.update(buf as Buffer)
  return Buffer.compare(hash.digest(), cid.multihash.digest) === 0
}

async function forEachLimit<T> (items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T
      await fn(item)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
}

export async function reconcile (ctx: ReconcileContext): Promise<{ shards: Map<string, ShardMeta>, report: ReconcileReport }> {
  const { db, logger } = ctx
  const report: ReconcileReport = { tmpRemoved: 0, corruptRemoved: 0, strayRemoved: 0, missingDropped: 0, adopted: 0, shards: 0, usedBytes: 0 }

  for (const name of await readdir(ctx.tmpDir)) {
    await rm(join(ctx.tmpDir, name), { recursive: true, force: true })
    report.tmpRemoved++
  }

  const recorded = new Map<string, ShardMeta | undefined>()
  for await (const [key, value] of db.iterator(prefixRange(SHARD))) {
    recorded.set(key.slice(SHARD.length), decodeMeta(value))
  }

  const files: Array<{ key: string, cid: CID, path: string }> = []
  for (const dir of await readdir(ctx.shardsDir, { withFileTypes: true })) {
    if (!dir.isDirectory() || !DIR_RE.test(dir.name)) {
      logger.warn({ path: join(ctx.shardsDir, dir.name) }, 'reconcile: ignoring an entry that is not a shard directory')
      continue
    }
    for (const entry of await readdir(join(ctx.shardsDir, dir.name), { withFileTypes: true })) {
      const path = join(ctx.shardsDir, dir.name, entry.name)
      const cid = entry.isFile() ? parseShardKey(entry.name) : undefined
      if (cid === undefined || shardDirName(cid) !== dir.name) {
        logger.warn({ path }, 'reconcile: removing a file that is not a shard file in its place')
        await rm(path, { recursive: true, force: true })
        report.strayRemoved++
        continue
      }
      files.push({ key: entry.name, cid, path })
    }
  }

  const shards = new Map<string, ShardMeta>()
  const batch = db.batch()
  try {
    await forEachLimit(files, RECONCILE_CONCURRENCY, async file => {
      const m = recorded.get(file.key)
      recorded.delete(file.key)
      const kept = await checkFile(file, m, ctx, batch, report)
      if (kept !== undefined) shards.set(file.key, kept)
    })
    for (const key of recorded.keys()) {
      logger.warn({ cid: key }, 'reconcile: dropping shard metadata, its file is gone')
      batch.del(SHARD + key)
      report.missingDropped++
    }
  } catch (err) {
    await batch.close()
    throw err
  }
  await batch.write()

  report.shards = shards.size
  for (const m of shards.values()) report.usedBytes += m.sizeBytes
  return { shards, report }
}

/** Keep (returns its metadata, recording it when adopted) or remove one shard file. */
async function checkFile (
  file: { key: string, cid: CID, path: string },
  m: ShardMeta | undefined,
  ctx: ReconcileContext,
  batch: ReturnType<MetaDb['batch']>,
  report: ReconcileReport
): Promise<ShardMeta | undefined> {
  const st = await stat(file.path)
  const ok = m !== undefined
    ? st.size === m.sizeBytes && (!ctx.verifyAll || await hashMatches(file.path, file.cid))
    : await hashMatches(file.path, file.cid)
  if (!ok) {
    ctx.logger.warn({ path: file.path, hadMetadata: m !== undefined }, 'reconcile: removing a shard file whose bytes do not match its name or metadata')
    await rm(file.path, { force: true })
    batch.del(SHARD + file.key)
    report.corruptRemoved++
    return undefined
  }
  if (m !== undefined) return m
  const t = Math.floor(st.mtimeMs)
  const adopted = { sizeBytes: st.size, addedAtMs: t, lastAccessMs: t }
  batch.put(SHARD + file.key, encodeMeta(adopted))
  report.adopted++
  return adopted
}
