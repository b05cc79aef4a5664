/**
 * `shoal add FILE|OCI-LAYOUT-DIR...`: put blobs into the daemon, which cuts
 * them into shards, stores and announces them. A directory must be an OCI
 * image layout; each of its blobs is sent with the digest its file name
 * claims, and the daemon refuses any that does not match.
 */
import { createReadStream } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AddResult } from '../daemon/api.js'
import type { AdminClient } from './admin-client.js'
import { COMMON_OPTIONS, COMMON_USAGE, parseCommand, write, writeJson, type CliContext } from './context.js'
import { NotAnOciLayoutError, UsageError } from './errors.js'
import { formatBytes, formatTable } from './format.js'

export const ADD_USAGE = `usage: shoal add FILE|OCI-LAYOUT-DIR... [options]

Add blobs to the daemon: a file is one blob; an OCI image layout directory
(with oci-layout and index.json) adds every blob under blobs/sha256/, each
checked against the digest its file name claims. Prints the digests.

${COMMON_USAGE}`

/** Read size per chunk sent: large enough that the daemon's chunker sees big writes. */
const READ_CHUNK_BYTES = 1024 * 1024
const HEX64 = /^[0-9a-f]{64}$/

export interface AddedBlob extends AddResult {
  path: string
}

export async function addCommand (args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, COMMON_OPTIONS, ADD_USAGE)
  if (values.help === true) { await write(ctx.stdout, ADD_USAGE + '\n'); return 0 }
  if (positionals.length === 0) throw new UsageError('add needs a FILE or an OCI layout directory', ADD_USAGE)
  const client = ctx.client(values)
  const added: AddedBlob[] = []
  for (const path of positionals) {
    const st = await stat(path)
    if (st.isDirectory()) {
      for (const blob of await layoutBlobs(path, ctx)) added.push(await addFile(client, blob.path, blob.digest))
    } else {
      added.push(await addFile(client, path))
    }
  }
  if (values.json === true) await writeJson(ctx.stdout, added)
  else await write(ctx.stdout, formatAdded(added))
  return 0
}

async function addFile (client: AdminClient, path: string, expectedDigest?: string): Promise<AddedBlob> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES })
  try {
    const result = await client.add(stream, expectedDigest != null ? { expectedDigest } : {})
    return { path, ...result }
  } catch (err) {
    // Keep the daemon's error name; say which file it was about.
    if (err instanceof Error) err.message = `${path}: ${err.message}`
    throw err
  } finally {
    stream.destroy()
  }
}

/** The sha256 blobs of an OCI image layout, by file name order. */
async function layoutBlobs (dir: string, ctx: CliContext): Promise<Array<{ path: string, digest: string }>> {
  const marker = await readFile(join(dir, 'oci-layout'), 'utf8').catch(() => undefined)
  const index = await stat(join(dir, 'index.json')).catch(() => undefined)
  if (marker == null || index == null || !index.isFile()) {
    throw new NotAnOciLayoutError(`${dir} is a directory but not an OCI image layout (it needs oci-layout and index.json); give a file or a layout directory`)
  }
  try {
    const version = (JSON.parse(marker) as { imageLayoutVersion?: unknown }).imageLayoutVersion
    if (typeof version !== 'string') throw new Error('no imageLayoutVersion')
  } catch (err) {
    throw new NotAnOciLayoutError(`${join(dir, 'oci-layout')} is not a valid oci-layout file (${(err as Error).message})`)
  }
  const algorithms = await readdir(join(dir, 'blobs')).catch(() => [] as string[])
  for (const alg of algorithms) {
    if (alg !== 'sha256') await write(ctx.stderr, `shoal: skipping ${join(dir, 'blobs', alg)}: only sha256 blobs are supported\n`)
  }
  const names = algorithms.includes('sha256') ? (await readdir(join(dir, 'blobs', 'sha256'))).sort() : []
  const blobs: Array<{ path: string, digest: string }> = []
  for (const name of names) {
    const path = join(dir, 'blobs', 'sha256', name)
    if (!HEX64.test(name)) throw new NotAnOciLayoutError(`${path}: a blob's file name must be its 64 hex sha256; remove or rename it`)
    blobs.push({ path, digest: `sha256:${name}` })
  }
  return blobs
}

export function formatAdded (added: AddedBlob[]): string {
  if (added.length === 0) return 'no blobs added\n'
  return formatTable([
    { header: 'DIGEST' }, { header: 'SIZE', align: 'right' }, { header: 'SHARDS', align: 'right' }, { header: 'PATH' }
  ], added.map(a => [a.digest, formatBytes(a.sizeBytes), String(a.shards), a.path]))
}
