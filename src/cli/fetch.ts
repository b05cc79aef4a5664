/**
 * `shoal fetch DIGEST [--out FILE]`: have the daemon fetch a blob through the
 * swarm, report where its bytes came from, and optionally copy it out. The
 * copy is checked against DIGEST as it is written and only renamed to FILE
 * once it matches and is on disk.
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { FetchResult } from '../exchange/index.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { BlobDigestMismatchError, UsageError } from './errors.js'
import { formatBytes, formatDuration, formatFields, formatRate, formatTable, shortPeerId } from './format.js'

export const FETCH_USAGE = `usage: shoal fetch DIGEST [--out FILE] [options]

Fetch a blob into the daemon's store from peers (and the origin, when the
daemon has one), and print how long it took and where the bytes came from.
With --out, then copy the blob to FILE (through FILE.tmp, verified against
DIGEST, synced, renamed); --out - writes it to stdout and the report to stderr.

  --out FILE      also write the blob to FILE (- for stdout)
${COMMON_USAGE}`

const OPTIONS = { ...COMMON_OPTIONS, out: { type: 'string', short: 'o' } } as const
const DIGEST_RE = /^sha256:[0-9a-f]{64}$/

export async function fetchCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, OPTIONS, FETCH_USAGE)
  if (values.help === true) { await write(ctx.stdout, FETCH_USAGE + '\n'); return 0 }
  if (positionals.length !== 1) throw new UsageError('fetch takes one DIGEST', FETCH_USAGE)
  const digest = positionals[0] ?? ''
  if (!DIGEST_RE.test(digest)) throw new UsageError(`DIGEST must be sha256:<64 lowercase hex>, got ${JSON.stringify(digest.slice(0, 100))}`, FETCH_USAGE)
  const out = values.out
  if (out === '') throw new UsageError('--out needs a file name, or - for stdout', FETCH_USAGE)
  const client = ctx.client(values)
  const result = await client.fetch(digest)
  if (out === '-') {
    await copyVerified(client.read(digest), digest, ctx.stdout)
  } else if (out != null) {
    await writeVerified(client.read(digest), digest, out)
  }
  // With the blob on stdout, the report goes to stderr.
  const report = out === '-' ? ctx.stderr : ctx.stdout
  if (values.json === true) await writeJson(report, out != null ? { ...result, out } : result)
  else await write(report, formatFetch(result, out))
  return 0
}

/** Write to FILE.tmp while hashing, check the digest, fsync, rename to FILE; on any failure remove FILE.tmp. */
export async function writeVerified (source: AsyncIterable<Uint8Array>, digest: string, file: string): Promise<void> {
  const tmp = `${file}.tmp`
  const fh = await open(tmp, 'w', 0o644)
  let done = false
  try {
    const hash = createHash('sha256')
    for await (const chunk of source) {
      hash.update(chunk)
      await writeAll(fh, chunk)
    }
    checkDigest(digest, 'sha256:' + hash.digest('hex'), `${file} not written`)
    await fh.sync()
    done = true
  } finally {
    await fh.close()
    if (!done) await rm(tmp, { force: true })
  }
  await rename(tmp, file)
  await syncDir(dirname(file))
}

/** Stream to a writable (stdout) while hashing; the check comes after the bytes, so it can only fail the exit code. */
async function copyVerified (source: AsyncIterable<Uint8Array>, digest: string, stream: NodeJS.WritableStream): Promise<void> {
  const hash = createHash('sha256')
  for await (const chunk of source) {
    hash.update(chunk)
    if (!stream.write(chunk)) await once(stream, 'drain')
  }
  checkDigest(digest, 'sha256:' + hash.digest('hex'), 'the bytes written to stdout are not that blob')
}

function checkDigest (expected: string, actual: string, consequence: string): void {
  if (actual !== expected) {
    throw new BlobDigestMismatchError(expected, actual, `the daemon served bytes that hash to ${actual}, not ${expected}; ${consequence}`)
  }
}

async function writeAll (fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0
  while (offset < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk, offset, chunk.byteLength - offset)
    offset += bytesWritten
  }
}

/** Make the rename durable. Not every platform lets a directory be opened for fsync; that is not an error. */
async function syncDir (dir: string): Promise<void> {
  let fh: FileHandle | undefined
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // best effort
  } finally {
    await fh?.close()
  }
}

export function formatFetch (r: FetchResult, out?: string): string {
  let text = formatFields([
    ['fetched', r.digest],
    ['size', formatBytes(r.sizeBytes)],
    ['time', `${formatDuration(r.ms)} (${formatRate(r.sizeBytes, r.ms)})`],
    ['from local', formatBytes(r.bytesBySource.local)],
    ['from peers', formatBytes(r.bytesBySource.peer)],
    ['from origin', formatBytes(r.bytesBySource.origin)],
    ['hedged', String(r.hedged)],
    ['retries', String(r.retries)],
    ...(out != null && out !== '-' ? [['written', out] as [string, string]] : [])
  ])
  const peers = Object.entries(r.bytesByPeer).sort((a, b) => b[1] - a[1])
  if (peers.length > 0) {
    text += '\n' + formatTable([{ header: 'PEER' }, { header: 'BYTES', align: 'right' }],
      peers.map(([id, bytes]) => [shortPeerId(id), formatBytes(bytes)]))
  }
  return text
}
