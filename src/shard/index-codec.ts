/**
 * The shard index, encoded: canonical JSON, the same bytes on every node.
 *
 *   {"chunker":{"avgBytes":A,"maxBytes":M,"minBytes":N,"name":"fastcdc-v1"},
 *    "digest":"sha256:<hex>","shards":[{"cid":"bafkrei...","length":L,"offset":O},...],
 *    "size":S,"version":1}
 *
 * on one line: keys sorted, no whitespace, integers in plain decimal, CIDs as
 * base32 strings. `decodeIndex` accepts only that form (it re-encodes and
 * compares), so an index has exactly one encoding and one CID.
 *
 * The index CID is a CIDv1 with the raw codec and the sha2-256 of the
 * encoding: the same hash as the OCI digest of the encoding stored as a blob
 * (the referrer artifact at the origin), so `cidToDigest(indexCid(index))`
 * names that artifact, and the index can travel like any other raw block.
 */
import * as raw from 'multiformats/codecs/raw'
import { CID, isDigest, parseCid, SHA256_CODE, shardCid } from './cid.js'
import { INDEX_VERSION, MAX_INDEX_BYTES, MAX_INDEX_SHARDS } from './constants.js'
import { InvalidIndexError } from './errors.js'
import { validateChunkerParams } from './params.js'
import type { ChunkerParams, ShardIndex, ShardRef } from './types.js'

const INDEX_KEYS = ['chunker', 'digest', 'shards', 'size', 'version']
const CHUNKER_KEYS = ['avgBytes', 'maxBytes', 'minBytes', 'name']
const SHARD_KEYS = ['cid', 'length', 'offset']

/** Canonical bytes of an index. Throws InvalidIndexError when the index breaks a rule of `validateIndex`. */
export function encodeIndex (index: ShardIndex): Uint8Array<ArrayBuffer> {
  validateIndex(index)
  const { chunker: c } = index
  const shards = index.shards.map(s => `{"cid":"${s.cid.toString()}","length":${s.length},"offset":${s.offset}}`)
  const json = `{"chunker":{"avgBytes":${c.avgBytes},"maxBytes":${c.maxBytes},"minBytes":${c.minBytes},"name":${JSON.stringify(c.name)}},` +
    `"digest":${JSON.stringify(index.digest)},"shards":[${shards.join(',')}],"size":${index.size},"version":${INDEX_VERSION}}`
  // Every character is ASCII (validated above), so one byte each.
  const bytes = new Uint8Array(json.length)
  new TextEncoder().encodeInto(json, bytes)
  if (bytes.byteLength > MAX_INDEX_BYTES) {
    throw new InvalidIndexError(`the encoded index is ${bytes.byteLength} bytes, more than MAX_INDEX_BYTES (${MAX_INDEX_BYTES})`)
  }
  return bytes
}

/** Parse and fully validate an encoded index. Throws InvalidIndexError naming the first problem found. */
export function decodeIndex (bytes: Uint8Array): ShardIndex {
  if (bytes.byteLength > MAX_INDEX_BYTES) {
    throw new InvalidIndexError(`the index is ${bytes.byteLength} bytes, more than MAX_INDEX_BYTES (${MAX_INDEX_BYTES})`)
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (err) {
    throw new InvalidIndexError(`the index is not JSON: ${(err as Error).message}`)
  }
  const obj = record(value, 'the index', INDEX_KEYS)
  if (obj.version !== INDEX_VERSION) {
    throw new InvalidIndexError(`index version ${JSON.stringify(obj.version)}; this version reads only ${INDEX_VERSION}`)
  }
  const c = record(obj.chunker, 'chunker', CHUNKER_KEYS)
  const chunker: ChunkerParams = {
    name: string(c.name, 'chunker.name'),
    minBytes: integer(c.minBytes, 'chunker.minBytes'),
    avgBytes: integer(c.avgBytes, 'chunker.avgBytes'),
    maxBytes: integer(c.maxBytes, 'chunker.maxBytes')
  }
  if (!Array.isArray(obj.shards)) throw new InvalidIndexError('shards must be an array')
  if (obj.shards.length > MAX_INDEX_SHARDS) {
    throw new InvalidIndexError(`the index lists ${obj.shards.length} shards, more than MAX_INDEX_SHARDS (${MAX_INDEX_SHARDS})`)
  }
  const shards = (obj.shards as unknown[]).map((v, i): ShardRef => {
    const s = record(v, `shard ${i}`, SHARD_KEYS)
    return { cid: cid(s.cid, `shard ${i}: cid`), offset: integer(s.offset, `shard ${i}: offset`), length: integer(s.length, `shard ${i}: length`) }
  })
  const index: ShardIndex = { digest: string(obj.digest, 'digest'), size: integer(obj.size, 'size'), chunker, shards }
  validateIndex(index)
  if (Buffer.compare(encodeIndex(index), bytes) !== 0) {
    throw new InvalidIndexError('the index is valid but not in canonical form (keys sorted, no whitespace, plain integers, base32 CIDs), so it would not have this CID')
  }
  return index
}

/** CIDv1 (raw, sha2-256) of the canonical encoding. */
export function indexCid (index: ShardIndex): CID {
  return shardCid(encodeIndex(index))
}

/**
 * Throws InvalidIndexError unless: the digest is `sha256:<64 hex>`; the
 * chunker parameters are ones the chunker accepts; there are at most
 * MAX_INDEX_SHARDS shards; each is named by a raw sha2-256 CIDv1, is 1 to
 * maxBytes long, and starts where the one before it ends, the first at 0; and
 * the lengths add up to `size`.
 */
export function validateIndex (index: ShardIndex): void {
  if (!isDigest(index.digest)) throw new InvalidIndexError(`digest must be sha256:<64 lowercase hex>, got ${JSON.stringify(index.digest).slice(0, 100)}`)
  if (!isCount(index.size)) throw new InvalidIndexError(`size must be a non-negative safe integer, got ${String(index.size).slice(0, 40)}`)
  try {
    validateChunkerParams(index.chunker)
  } catch (err) {
    throw new InvalidIndexError(`chunker: ${(err as Error).message}`, { cause: err })
  }
  if (index.shards.length > MAX_INDEX_SHARDS) {
    throw new InvalidIndexError(`the index lists ${index.shards.length} shards, more than MAX_INDEX_SHARDS (${MAX_INDEX_SHARDS})`)
  }
  const { maxBytes } = index.chunker
  let offset = 0
  index.shards.forEach((s, i) => {
    const c = CID.asCID(s.cid)
    if (c == null || !isRawSha256(c)) throw new InvalidIndexError(`shard ${i}: cid must be a CIDv1 with the raw codec and a sha2-256 multihash`)
    if (s.offset !== offset) throw new InvalidIndexError(`shard ${i}: offset ${String(s.offset)}, expected ${offset} (shards are contiguous from 0)`)
    if (!Number.isSafeInteger(s.length) || s.length < 1 || s.length > maxBytes) {
      throw new InvalidIndexError(`shard ${i}: length ${String(s.length)} is outside 1 to chunker.maxBytes (${maxBytes})`)
    }
    offset += s.length
  })
  if (offset !== index.size) throw new InvalidIndexError(`the shards add up to ${offset} bytes, but size is ${index.size}`)
}

function isRawSha256 (cid: CID): boolean {
  return cid.version === 1 && cid.code === raw.code && cid.multihash.code === SHA256_CODE && cid.multihash.digest.byteLength === 32
}

function isCount (v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}

function record (v: unknown, where: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InvalidIndexError(`${where} must be a JSON object`)
  const obj = v as Record<string, unknown>
  for (const k of keys) if (!Object.hasOwn(obj, k)) throw new InvalidIndexError(`${where} has no ${JSON.stringify(k)} field`)
  for (const k of Object.keys(obj)) if (!keys.includes(k)) throw new InvalidIndexError(`${where} has an unknown field ${JSON.stringify(k).slice(0, 60)}`)
  return obj
}

function integer (v: unknown, where: string): number {
  if (!isCount(v)) throw new InvalidIndexError(`${where} must be a non-negative integer, got ${JSON.stringify(v)?.slice(0, 40)}`)
  return v
}

function string (v: unknown, where: string): string {
  if (typeof v !== 'string') throw new InvalidIndexError(`${where} must be a string, got ${JSON.stringify(v)?.slice(0, 40)}`)
  return v
}

function cid (v: unknown, where: string): CID {
  const s = string(v, where)
  try {
    return parseCid(s)
  } catch (err) {
    throw new InvalidIndexError(`${where}: ${(err as Error).message}`)
  }
}
